"""The build, as one library call: load → check → plan → render → write.

- **load**: each content file (:mod:`govsite.inputs`) is parsed once per content version; the parsed
  report, its own check results, its facet digests and its search text are kept in the cache under
  its content key.
- **check**: the rules across reports (:func:`govsite.check.check_site`) on the loaded reports.
- **plan**: :mod:`govsite.plan` keys every unit of the page registry (:mod:`govsite.pages`) and
  keeps the units whose files in the output are as their key says.
- **render**: the other units, shared between forked processes, each writing into the staging folder.
- **write**: the kept files linked into the staging folder, which is then exchanged with the output
  in one atomic step (:mod:`govsite.write`).

A build whose inputs have the digest recorded with its output, and whose output is as recorded,
is the same build: it says so from the record without reading any report. A kept builder
(``serve``) remembers what its last build derived — inputs, site index, rules across reports,
facets — and updates it with what changed.

Nothing here raises for content mistakes: they are returned as diagnostics. Configuration, usage
and system problems raise :class:`GovsiteError`. Output is byte-identical whatever the number of
processes and whatever the cache held.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import os
import pickle
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from jinja2 import TemplateError

from .cache import Cache, code_fingerprint, digest, tree_state
from .check import by_agency, check_agency, check_place, check_report, check_site
from .config import Config, require_config
from .diagnostics import Diagnostic, GovsiteError
from .diagnostics import ordered as ordered_diagnostics
from .inputs import ContentFiles, Input, record
from .load import content_files, load_report
from .model import Report
from .pages import REGISTRY, Facet, Output, Previous, outputs
from .plan import (STALE, FileRecord, Plan, Recorded, Unit, check_digest, fresh, make_plan, manifest_key,
                   place_digest, read_manifest, recorded_inodes, report_facets, stats_key, write_manifest)
from .preflight import preflight
from .registry import registry_conflicts
from .contentdir import content_notes
from .render import Renderer, SiteIndex, search_text, sitemap_notice
from .templates import template_error_location, use_bytecode_cache
from .workers import default_workers, run
from .write import MANIFEST, InPlace, Staging, check_output_dir, claim, foreign_files, os_error_message

#: From this many files on, the previous output is deleted by a detached process after the exchange
#: (unlinking tens of thousands of files would otherwise be most of a small edit's build).
BACKGROUND_DELETE = 5000

__all__ = ["BuildResult", "Builder", "Interrupted", "Site", "build", "default_workers", "load_site", "ordered", "select_files"]


@dataclass
class Site:
    """A loaded and checked site.

    ``reports`` may be given as a function that loads them: a build that finds its sources and
    output as its last build left them does not read the parsed reports unless they are asked for.
    """

    config: Config
    given: list[Report] | Callable[[], list[Report]]
    diagnostics: list[Diagnostic]
    files: int = 0

    @property
    def reports(self) -> list[Report]:
        """The loaded reports, in the order of the content files."""
        if callable(self.given):
            self.given = self.given()
        return self.given

    @property
    def errors(self) -> list[Diagnostic]:
        """The error diagnostics."""
        return [d for d in self.diagnostics if d.is_error]


@dataclass
class BuildResult:
    """What a build did, for the summary line and for tests."""

    site: Site
    output: Path
    pages: int = 0  # files in the output
    bytes: int = 0  # their size
    seconds: float = 0.0
    per_year: dict[int, int] = field(default_factory=dict)  # reports per year (when not stopped by errors)
    rendered: int = 0  # units rendered (the others were kept from the previous output)
    parsed: int = 0  # report files parsed (the others came from the cache)
    unchanged: bool = False  # nothing to render and the output was as the last build left it
    rendered_units: list[str] = field(default_factory=list)  # ids of the units rendered
    deferred: list[str] = field(default_factory=list)  # files left stale for a later build (``first``)
    notes: list[str] = field(default_factory=list)  # one line each: the cache set aside, no sitemap …
    stages: dict[str, float] = field(default_factory=dict)  # seconds spent in load+check, plan, render+write


def ordered(diags: list[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics by file and line, duplicates dropped, rule order kept within a line."""
    return ordered_diagnostics(diags)


def select_files(cfg: Config, paths: list[Path] | None) -> list[Path]:
    """The report files of the site, or those named (files or folders)."""
    if paths is None:
        return content_files(cfg.content_dir)
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(q for q in p.rglob("*.md") if not q.name.startswith((".", "_")))
        elif p.exists():
            out.append(p)
        else:
            raise GovsiteError(f"找不到文件或目录：{p}")
    return out


def load_site(root: Path, paths: list[Path] | None = None, config: Config | None = None) -> Site:
    """Load and check every report (or those under ``paths``), without the cache (``govsite check``)."""
    cfg = config or require_config(root)
    files = select_files(cfg, paths)
    reports: list[Report] = []
    diags: list[Diagnostic] = []
    for path in files:
        report, d = load_report(path, root)
        diags += d
        if report is not None:
            reports.append(report)
            diags += check_report(report)
    if paths is None:
        diags += _across_reports(cfg, reports) + content_notes(cfg.content_dir, root)
    else:
        # Cross-file rules need the neighbours: load the whole site once for them.
        whole = [r for p in select_files(cfg, None) if (r := load_report(p, root)[0])]
        named = {r.path for r in reports}
        diags += [d for d in check_site(whole) if d.path in named] + registry_conflicts(cfg.agencies, reports)
    return Site(cfg, reports, ordered(diags), len(files))


def _across_reports(cfg: Config, reports: list[Report]) -> list[Diagnostic]:
    """Stage 2 across files: the rules across reports, and reports filed under another agency's
    registry entry (what ``content/`` holds that is not published is :func:`content_notes`)."""
    return _AcrossMemo.of(cfg, reports).diagnostics()


class Interrupted(KeyboardInterrupt):
    """A build stopped by a signal (Ctrl-C, SIGTERM, SIGHUP): the staging folder is removed and the
    output left as it was. ``signum`` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def _stopped_by_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP stop a build as Ctrl-C does (cleanly, with one message), not with the
    default instant death that leaves worker processes printing broken-pipe tracebacks."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise Interrupted(signum)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """The cycle collector paused for one build: the loaded site is hundreds of thousands of
    long-lived objects that every full collection would walk again (a fifth of a 10,000-report
    no-op build). What a build leaves behind is collected after it."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def build(root: Path, output: Path | None = None, base_url: str | None = None, clean: bool = False,
          strict: bool = False, *, workers: int | None = None, cache: bool = True,
          listed: Callable[[int], None] | None = None) -> BuildResult:
    """Build the whole site into ``output`` (default: the config's ``public/``).

    ``result.site.errors`` non-empty (or warnings with ``strict``) means nothing was written unless
    the site publishes invalid reports (``publish_invalid``). ``workers``: processes (default: the
    CPUs, or ``GOVSITE_WORKERS``); ``cache=False`` neither reads nor writes ``.govsite-cache/``;
    ``listed`` is told how many report files the build found, before it reads them.
    """
    return Builder(root, workers=workers, cache=cache, listed=listed).build(output, base_url, clean=clean,
                                                                              strict=strict)


@dataclass
class _Parsed:
    """One content file, loaded and checked on its own: what the cache keeps under its content key."""

    report: Report | None
    diagnostics: list[Diagnostic]
    facets: dict[str, str]
    search_text: str


@dataclass
class _IndexMemo:
    """The last site index, with the base it was made with."""

    base: str
    index: SiteIndex


@dataclass
class _AcrossMemo:
    """The last build's rules across reports, in their order (:func:`_across_reports`)."""

    place: list[Diagnostic]  # where each file lies
    agencies: dict[str, list[Diagnostic]]  # each agency's years
    registry: list[Diagnostic]  # reports filed under another agency's registry entry

    @classmethod
    def of(cls, cfg: Config, reports: list[Report]) -> "_AcrossMemo":
        """The rules across ``reports``, each part checked."""
        return cls([d for r in reports for d in check_place(r)],
                   {agency: check_agency(groups) for agency, groups in by_agency(reports).items()},
                   registry_conflicts(cfg.agencies, reports))

    def diagnostics(self) -> list[Diagnostic]:
        """All of them, in that order."""
        return self.place + [d for diags in self.agencies.values() for d in diags] + self.registry


@dataclass(slots=True)
class _FacetMemo:
    """A report's facets in the last build, with its content key and the digest of its check results."""

    key: str
    checks: str
    facets: dict[str, str]


class Builder:
    """Builds one site, again and again: parsed reports, the site index and the rules across reports
    stay in memory between builds (``serve``), besides the cache on disk."""

    def __init__(self, root: Path, *, workers: int | None = None, cache: bool = True,
                 registry: tuple[Output, ...] = REGISTRY, in_place: bool = False, private: bool = False,
                 listed: Callable[[int], None] | None = None) -> None:
        self.root = root
        self.listed = listed  # told how many content files each build found (a progress line)
        #: The output is written by this builder alone (the preview's own, locked folder): once it
        #: has written it, its files are not compared with the folder again.
        self.private = private
        #: Write into the last output in place instead of exchanging folders: for a private output
        #: that no web server publishes (the preview), where a save must show at once.
        self.in_place = in_place
        self.workers = workers if workers is not None else default_workers()
        self.use_cache = cache
        self.registry = outputs(registry)
        self._memory: dict[str, _Parsed] = {}
        #: site.toml's bytes and the base URL given, with what the settings made of them read.
        self._settings: dict[tuple[bytes, str | None], str] = {}
        #: The last site index, with the base it was made with (:meth:`_swapped`, :meth:`_index`).
        self._last_index: _IndexMemo | None = None
        #: Each report's content key, check digest and facets in the last build (:meth:`_facets`).
        self._last_facets: dict[str, _FacetMemo] = {}
        #: The last build's rules across reports (:meth:`_across`).
        self._last_across: _AcrossMemo | None = None
        self._files = ContentFiles(root)
        self._notes: list[Diagnostic] = []  # what content/ held besides the report files last time
        #: The output this builder last wrote in place, as it left it (the manifest's stat, then
        #: what it recorded): used without reading the manifest again while it is that one (its
        #: files are still compared with the folder: a hand edit is found as in any build).
        self._written: tuple[tuple[int, int, int] | None, Recorded] | None = None

    # -- the stages ------------------------------------------------------------------------------

    def build(self, output: Path | None = None, base_url: str | None = None, *, clean: bool = False,
              strict: bool = False, first: Callable[[Unit], bool] | None = None,
              changed: Iterable[str] | None = None) -> BuildResult:
        """One build; see :func:`build`.

        ``changed``: the only sources that may have changed since this builder's last build (the
        preview's watcher has just compared every file): when they are all report files that build
        read, the content folder is not listed again and only they are looked at. Anything else —
        a file added or removed, another file of ``content/`` — and every file is looked at.

        ``first``: render only the units it selects, and those whose files are missing or not as
        recorded; the other units to render keep their previous files, listed in ``result.deferred``
        and recorded as stale, so that the next build renders them (the preview shows the edited
        page first and completes the rest at once).
        """
        with _stopped_by_signals(), _no_cycle_collection():
            return self._build(output, base_url, clean, strict, first, changed)

    def _build(self, output: Path | None, base_url: str | None, clean: bool, strict: bool,
               first: Callable[[Unit], bool] | None, changed: Iterable[str] | None) -> BuildResult:
        start = time.perf_counter()
        cfg = require_config(self.root, {"base_url": base_url})
        out = output if output is not None else self.root / cfg.output
        check_output_dir(out, self.root)
        preflight(self.root, cfg, out)
        cache = Cache(self.root) if self.use_cache else _NoCache()
        try:
            code = code_fingerprint()
            found = self._files.find(cfg, cache, changed)
            inputs, listed_anew = found.inputs, found.changed
            if self.listed is not None:
                self.listed(len(inputs))
            # Everything every output reads besides reports; not where the site is (a copied site
            # keeps its keys).
            toml = _site_toml(self.root)
            settings = self._settings.get((toml, base_url))  # site.toml's, and the override's
            if settings is None:
                settings = repr(dataclasses.replace(cfg, root=Path(".")))
                self._settings = {(toml, base_url): settings}
            base = digest(code, toml, settings, tree_state(cfg.layouts_dir))
            remembered = self._remembered(out)
            previous = remembered or read_manifest(out, cache)
            verify = not (self.private and remembered is not None)
            # The preview's builder reads the site all the same (its next saves need it in memory):
            # it neither compares nor records the digest of its inputs.
            source = "" if self.in_place else _source(base, inputs, self.registry, cfg)
            # What content/ holds besides reports: as it was when only known report files changed.
            notes = self._notes = content_notes(cfg.content_dir, self.root) if found.whole else self._notes
            if source and previous.source == source and previous.is_output_of(out):
                # Made from these very sources, and as it was left: the recorded diagnostics are
                # this build's, every unit would be kept, and no report needs to be read. It uses
                # what the last build used and no more: it is not counted as a build for pruning.
                record(inputs, listed_anew, cache)
                site = Site(cfg, lambda: self._loaded_reports(cfg, inputs), ordered(previous.diagnostics + notes),
                            len(inputs))
                result = BuildResult(site, out, notes=list(cache.notes), unchanged=True)
                if not self._stopped(result, strict, cfg, cache, start):
                    result.per_year = dict(previous.per_year)
                    _count(result, previous.files)
                    self._finish(result, cache, start, start, start, prune=False)
                return result
            keys = [i.key for i in inputs]
            own, reports, parsed = self._load(inputs, listed_anew, cache)
            if source and keys != [i.key for i in inputs]:
                # A file that changed while it was parsed got a key of its own: what was parsed is recorded.
                source = _source(base, inputs, self.registry, cfg)
            swapped = self._swapped(base, reports)
            across = self._across(cfg, reports, swapped)
            site_diags = own + across.diagnostics()
            site = Site(cfg, reports, ordered(site_diags + notes), len(inputs))
            loaded = time.perf_counter()
            result = BuildResult(site, out, parsed=parsed, notes=list(cache.notes))
            if self._stopped(result, strict, cfg, cache, start):
                return result
            result.per_year = dict(sorted(Counter(r.year for r in site.reports).items()))
            index = self._index(cfg, reports, swapped)
            # Remembered together: the next build's changes are those since this one, for both.
            self._last_index, self._last_across = _IndexMemo(base, index), across
            index.problems = _by_path(site.diagnostics)
            facets = self._facets(index)
            plan = make_plan(index, self.registry, facets, base, previous, out, verify=verify, first=first)
            planned = time.perf_counter()
            made_from = Recorded({}, plan.shape, facets, source, site_diags, result.per_year)
            self._write(out, cache, index, plan, made_from, set(previous.files), clean, result, first)
            # A build that puts units off is followed by the one completing them: that one prunes.
            self._finish(result, cache, start, loaded, planned, prune=first is None)
            return result
        finally:
            cache.close()

    @staticmethod
    def _stopped(result: BuildResult, strict: bool, cfg: Config, cache: "Cache | _NoCache", start: float) -> bool:
        """True (the cache committed, the time taken) when the site's problems stop the build:
        structural errors, or errors (warnings with ``strict``) unless invalid reports are published."""
        blocking = [d for d in result.site.diagnostics if d.is_error or strict]
        structural = [d for d in blocking if not d.rule.startswith("R")]
        if not structural and not (blocking and not cfg.publish_invalid):
            return False
        cache.commit(prune=False)
        result.unchanged = False
        result.seconds = time.perf_counter() - start
        return True

    @staticmethod
    def _finish(result: BuildResult, cache: "Cache | _NoCache", start: float, loaded: float, planned: float,
                prune: bool = True) -> None:
        """The build's notes, stage times and time, the cache committed."""
        if (notice := sitemap_notice(result.site.config)) is not None:
            result.notes.append(notice)
        cache.commit(prune)
        result.stages = {"load": loaded - start, "plan": planned - loaded, "write": time.perf_counter() - planned}
        result.notes += [n for n in cache.notes if n not in result.notes]
        result.seconds = time.perf_counter() - start

    def _load(self, inputs: list[Input], listed_anew: bool,
              cache: "Cache | _NoCache") -> tuple[list[Diagnostic], list[Report], int]:
        """Stages 1–2 for each file on its own: from memory, the cache, or parsed. Their diagnostics,
        the reports, and how many files were parsed."""
        wanted = [i.key for i in inputs if i.key is not None and i.key not in self._memory]
        for key, blob in cache.get_each(wanted):
            try:
                self._memory[key] = pickle.loads(blob)
            except Exception:  # noqa: BLE001 - a damaged entry is only a miss
                continue
        missing = [n for n, i in enumerate(inputs) if i.key is None or i.key not in self._memory]
        for n, (blob, stable) in zip(missing, run(lambda k: _parse(inputs[missing[k]], self.root),
                                                  [1.0] * len(missing), self.workers)):
            i = inputs[n]
            parsed = pickle.loads(blob)
            if stable:
                cache.put(i.key, blob)
            else:
                # Unreadable, or changed while it was parsed: used by this build only, under a key
                # no later build can meet (the input is replaced: a builder keeps its inputs).
                i = inputs[n] = Input(i.text, i.shown, digest("transient", i.shown, time.time_ns(), id(parsed)),
                                       None, i.content)
            self._memory[i.key] = parsed
        cache.keep(i.key for i in inputs if i.key is not None)  # found in memory counts as used
        record(inputs, listed_anew or bool(missing), cache)
        live = {i.key for i in inputs}
        self._memory = {k: v for k, v in self._memory.items() if k in live}  # a long preview must not grow
        reports: list[Report] = []
        diags: list[Diagnostic] = []
        self._keys: dict[str, str] = {}
        for i in inputs:
            p = self._memory[i.key]
            diags += p.diagnostics
            if p.report is not None:
                reports.append(p.report)
                self._keys[p.report.path] = i.key
        return diags, reports, len(missing)

    def _swapped(self, base: str, reports: list[Report]) -> list[tuple[Report, Report]] | None:
        """The reports that changed since the last build, each with the one it replaces, when the
        settings are the same and each has the place of the one it replaces (``place_digest``: so
        that every list of the site keeps its order); else None."""
        last = self._last_index
        if last is None or last.base != base or len(last.index.reports) != len(reports):
            return None
        pairs = [(old, new) for old, new in zip(last.index.reports, reports) if old is not new]
        if all(old.path == new.path and place_digest(old) == place_digest(new) for old, new in pairs):
            return pairs
        return None

    def _across(self, cfg: Config, reports: list[Report], swapped: list[tuple[Report, Report]] | None) -> "_AcrossMemo":
        """:func:`_across_reports`; after reports changed in place (``swapped``), the last build's
        with the rules of their agencies checked again (where a file lies and the registry follow
        the place)."""
        last = self._last_across
        if swapped is None or last is None:
            across = _AcrossMemo.of(cfg, reports)
        else:
            across = _AcrossMemo(last.place, dict(last.agencies), last.registry)
            for agency in {new.agency for _, new in swapped}:
                across.agencies[agency] = check_agency(by_agency(r for r in reports if r.agency == agency)[agency])
        return across

    def _facets(self, index: SiteIndex) -> dict[str, dict[str, str]]:
        """Each report's facet digests: its content facets and the digest of its check results;
        the index's search texts and facets set with them. A report's are the last build's when
        its content key and check results are."""
        checks = Facet.CHECKS.value
        last, memo = self._last_facets, {}
        facets, texts = {}, {}
        for r in index.reports:
            path = r.path
            key = self._keys[path]
            checked = check_digest(index.problems.get(path, ()))
            hit = last.get(path)
            if hit is None or hit.key != key or hit.checks != checked:
                hit = _FacetMemo(key, checked, {**self._memory[key].facets, checks: checked})
            memo[path] = hit
            facets[path] = hit.facets
            texts[path] = self._memory[key].search_text
        self._last_facets = memo
        index.search_texts, index.facets = texts, facets
        return facets

    def _index(self, cfg: Config, reports: list[Report], swapped: list[tuple[Report, Report]] | None) -> SiteIndex:
        """The site index of ``reports``: the last build's with the ``swapped`` reports put in place."""
        if swapped is None or self._last_index is None:
            index = SiteIndex(cfg, reports)
        else:
            index = self._last_index.index
            for old, new in swapped:
                index.replace(old, new)
            index.config, index.reports = cfg, reports
        return index

    def _loaded_reports(self, cfg: Config, inputs: list[Input]) -> list[Report]:
        """The reports of ``inputs``, read when asked for after a build that did not need them."""
        cache = Cache(self.root) if self.use_cache else _NoCache()
        try:
            reports = self._load(list(inputs), False, cache)[1]
            cache.commit(prune=False)
            return reports
        finally:
            cache.close()

    def _remembered(self, out: Path) -> Recorded | None:
        """What this builder recorded when it last wrote ``out`` in place, if that is still its manifest."""
        if not self.in_place or self._written is None:
            return None
        return self._written[1] if self._written[0] == _stat_of(out / MANIFEST) else None

    def _write(self, out: Path, cache: "Cache | _NoCache", index: SiteIndex, plan: Plan,
               made_from: Recorded, previous: set[str], clean: bool, result: BuildResult,
               first: Callable[[Unit], bool] | None = None) -> None:
        """Stages 4–5: render what the plan says into a staging folder with the kept files, and swap it in."""
        files: dict[str, FileRecord] = dict(plan.kept)
        # the saved states of kept units are read only when the unit is next dirty
        cache.keep({_state_key(plan.base, rec.key) for rec in plan.kept.values()})
        dirty = plan.dirty
        later: list[Unit] = []
        if first is not None:
            later = [u for u in dirty if u.id in plan.previous and not first(u)]
            dirty = [u for u in dirty if u.id not in plan.previous or first(u)]
        for u in later:
            key = fresh(next(iter(plan.previous[u.id].values())).key)
            files.update((rel, FileRecord(rec.unit, STALE + key, rec.size, rec.mtime_ns, rec.ino))
                         for rel, rec in plan.previous[u.id].items())
            result.deferred += sorted(plan.previous[u.id])
            cache.keep([_state_key(plan.base, key)])
        result.rendered = len(dirty)
        result.rendered_units = [u.id for u in dirty]
        if plan.nothing_to_do and set(files) == previous and not foreign_files(out, previous):
            result.unchanged = True
            _count(result, files)
            if self.in_place:  # the folder is as this build would record it: the next need not read it
                self._written = (_stat_of(out / MANIFEST), dataclasses.replace(made_from, files=files))
            return
        self._written = None
        front_key = manifest_key(out)
        kept = None if self.in_place or not isinstance(cache, Cache) else _kept_folder(cache, out)
        base = claim(kept, out) if kept is not None else None
        base_key = manifest_key(out, base) if base is not None else None
        writer: Staging | InPlace
        if self.in_place and previous:
            writer = InPlace(out)
        else:
            writer = Staging(out, base, recorded_inodes(out, cache, base) if base is not None else None)
        with writer as staging:
            renderer = Renderer(index)
            if isinstance(cache, Cache) and cache.folder.is_dir():
                use_bytecode_cache(renderer.env, cache.folder / "templates")
            previous_files = {u.id: _previous(out, plan.previous.get(u.id), plan.base, cache) for u in dirty}

            def job(n: int) -> tuple[dict[str, FileRecord], bytes | None]:
                u = dirty[n]
                return _render(renderer, staging, u, previous_files[u.id], plan.previous.get(u.id, {}))

            for unit, (made, state) in zip(dirty, run(job, [u.cost for u in dirty], self.workers)):
                files.update(made)
                if state is not None:
                    cache.put(_state_key(plan.base, unit.key), state)
            for rel, rec in plan.kept.items():
                staging.link(rel, rec.ino)
            for u in later:
                for rel, rec in plan.previous[u.id].items():
                    staging.link(rel, rec.ino)
            recorded = dataclasses.replace(made_from, files=files)
            if later and isinstance(staging, InPlace):
                # The manifest is put off with the units: the folder keeps its last one until the
                # build that completes it (a crash meanwhile leaves files that manifest does not
                # describe: the next build renders them again), and this builder remembers the rest.
                self._written = (_stat_of(out / MANIFEST), recorded)
                _count(result, files)
                return
            manifest = write_manifest(out, recorded, cache)
            new_key = stats_key(out, manifest)
            # The previous site is set aside for the next build to start from, unless it had the
            # same manifest (then its file stats would be those of the new site's).
            set_aside = staging.commit(manifest, files, clean, background=len(files) > BACKGROUND_DELETE,
                                       keep=kept if front_key != new_key else None)
        if self.in_place:
            self._written = (_stat_of(out / MANIFEST), recorded)
        # The file stats of the sites no longer in the output or set aside.
        for key in {front_key, base_key} - {new_key, front_key if set_aside else None}:
            if key is not None:
                cache.drop(key)
        _count(result, files)


# -- helpers of the stages -------------------------------------------------------------------------


class _NoCache:
    """The cache's interface, remembering nothing (``cache=False``)."""

    notes: list[str] = []
    folder = Path("/nonexistent")

    def get(self, key: str) -> bytes | None:
        return None

    def get_many(self, keys: Any) -> dict[str, bytes]:
        return {}

    def get_each(self, keys: Any) -> Iterator[tuple[str, bytes]]:
        return iter(())

    def put(self, key: str, value: bytes) -> None:
        pass

    def keep(self, keys: Iterable[str]) -> None:
        pass

    def drop(self, key: str) -> None:
        pass

    def commit(self, prune: bool = True) -> None:
        pass

    def close(self) -> None:
        pass


def _parse(i: Input, root: Path) -> tuple[bytes, bool]:
    """Load and check one file on its own (stages 1–2 for one report), pickled as the cache keeps
    it (so that it is pickled once, in the worker); and whether the file still holds the bytes its
    key was made from (else the parse may be of other bytes, and is not kept)."""
    report, diags = load_report(i.path, root)
    if report is None:
        parsed = _Parsed(None, diags, {}, "")
    else:
        diags = diags + check_report(report)
        text = search_text(report)
        parsed = _Parsed(report, diags, report_facets(report, text), text)
    blob = pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL)
    if i.key is None:
        return blob, False
    try:
        return blob, digest(i.path.read_bytes()) == i.content
    except OSError:
        return blob, False


def _source(base: str, inputs: list[Input], registry: tuple[Output, ...], cfg: Config) -> str:
    """The digest of every input of a build: the base (code, settings, templates), each content
    file's content key, the registry's outputs and what they read besides reports. Empty when a
    file could not be read (a build of it is never known to be the same)."""
    if any(i.key is None for i in inputs):
        return ""
    return digest(base, [(i.shown, i.key) for i in inputs],
                  [(o.name, o.extra(cfg) if o.extra is not None else None) for o in registry])


def _site_toml(root: Path) -> bytes:
    try:
        return (root / "site.toml").read_bytes()
    except OSError:
        return b""


def _by_path(diags: list[Diagnostic]) -> dict[str, list[Diagnostic]]:
    out: dict[str, list[Diagnostic]] = {}
    for d in diags:
        out.setdefault(d.path, []).append(d)
    return out


def _stat_of(path: Path) -> tuple[int, int, int] | None:
    """A file's inode, size and mtime (None when it is missing): enough to see it replaced."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def _kept_folder(cache: Cache, out: Path) -> Path:
    """Where the previous site of ``out`` is set aside for the next build to start from."""
    return cache.folder / "previous" / digest(os.path.realpath(out))[:16]


def _state_key(base: str, unit_key: str) -> str:
    # A state is what one version of the code made with the settings and layouts of its build: it
    # is found again only by a build with the same (whose unit keys may differ).
    return f"unit-state:{base}:{unit_key}"


def _previous(out: Path, files: dict[str, FileRecord] | None, base: str,
              cache: "Cache | _NoCache") -> Previous | None:
    """The previous files of a dirty unit (intact), with the state its render function saved
    when the code, settings and layouts were those of ``base``."""
    if not files:
        return None
    key = fresh(next(iter(files.values())).key)
    return Previous(out, tuple(sorted(files)), cache.get(_state_key(base, key)))


class _Sink:
    """Where one unit's render function puts its files: the staging folder, recording each file."""

    def __init__(self, staging: "Staging | InPlace", unit: Unit, previous: Previous | None,
                 records: dict[str, FileRecord]) -> None:
        self.staging = staging
        self.records = records  # the previous files' records
        self.unit = unit
        self.previous = previous
        self.made: dict[str, FileRecord] = {}
        self.state: bytes | None = None

    def keep(self, rel: str) -> None:
        """Take a previous file of the unit unchanged."""
        rec = self.records[rel]  # a previous file of the unit: KeyError for any other
        self.staging.link(rel, rec.ino)
        self.made[rel] = FileRecord(self.unit.id, self.unit.key, rec.size, rec.mtime_ns, rec.ino)

    def save_state(self, state: bytes) -> None:
        """What the render function wants to find in :attr:`Previous.state` next time."""
        self.state = state

    def _record(self, rel: str, st: os.stat_result) -> None:
        self.made[rel] = FileRecord(self.unit.id, self.unit.key, st.st_size, st.st_mtime_ns, st.st_ino)

    def write(self, rel: str, data: bytes) -> None:
        self._record(rel, self.staging.write(rel, data))

    def place(self, rel: str, path: Path) -> None:
        self._record(rel, self.staging.place(rel, path))

    def folder(self, rel: str) -> Path:
        return self.staging.folder(rel)

    def adopt(self, rels: Iterable[str]) -> None:
        """Put in place the files the unit wrote itself into :meth:`folder` (paths relative to the output)."""
        for rel in rels:
            self._record(rel, self.staging.adopt(rel))


def _render(renderer: Renderer, staging: "Staging | InPlace", unit: Unit, previous: Previous | None,
            records: dict[str, FileRecord]) -> tuple[dict[str, FileRecord], bytes | None]:
    """Render one unit into the staging folder; the files it made and the state it saved."""
    sink = _Sink(staging, unit, previous, records)
    try:
        unit.output.render(renderer, unit.item, sink)
    except TemplateError as exc:
        name, line = template_error_location(exc)
        raise GovsiteError(f"模板错误 {name}:{line}: {exc}") from None
    except OSError as exc:
        raise GovsiteError(os_error_message(exc, "写入", f"{staging.output}/{unit.id}")) from None
    return sink.made, sink.state


def _count(result: BuildResult, files: dict[str, FileRecord]) -> None:
    result.pages = len(files)
    result.bytes = sum(r.size for r in files.values())

