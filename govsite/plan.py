"""Stage 3 — plan: which outputs must be rendered, from the registry's declarations alone.

Every instance of an output (a :class:`Unit`: the report page of one report, the year page of one
year, …) gets a key: a digest of what every page reads (code, templates, settings, the site's shape)
and of the declared facets of the reports it declares it reads. The manifest of the output folder
records, for each file, the unit that made it, the unit's key, and the file's size and mtime. A
unit whose key is the recorded one and whose files are all still as recorded is kept: its files are
linked into the new output instead of being rendered. Nothing else decides.

A build also records what it was made from: the site's shape and every report's facet digests.
When the next build's shape is the same and no report was added, removed or changed in its
metadata, only the units that read a changed facet (found with :func:`govsite.pages.items_reading`,
the inverse of the declarations) are keyed again; the others have the recorded key, which keying
them would give again.
"""

from __future__ import annotations

import json
import os
import pickle
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from .cache import PINNED, Cache, digest
from .diagnostics import Diagnostic
from .model import Report
from .pages import Facet, Kind, Output, Scope, ident_of, items_of, items_reading, reports_of
from .render import SiteIndex, report_order
from .write import MANIFEST

MANIFEST_VERSION = 2
#: Prefixed to the key recorded for the files of a unit whose render was put off
#: (``Builder.build(first=…)``): no unit has such a key, so the next build renders the unit (and
#: finds the state it saved under the key without the prefix).
STALE = "stale:"


def fresh(key: str) -> str:
    """A recorded key without the :data:`STALE` prefix: the key the unit had when last rendered."""
    return key.removeprefix(STALE)


@dataclass(slots=True)  # not frozen: a build makes one per output file (46,000 at 10,000 reports)
class FileRecord:
    """One file of a built output folder: the unit that made it, that unit's key, its size and mtime."""

    unit: str
    key: str
    size: int
    mtime_ns: int
    ino: int = 0


@dataclass
class Recorded:
    """An output folder as the build that made it left it: its files, and what it was made from."""

    files: dict[str, FileRecord] = field(default_factory=dict)
    shape: str = ""  # the digest of everything every page reads besides reports (see make_plan)
    facets: dict[str, dict[str, str]] = field(default_factory=dict)  # path → facet → digest, in site order
    #: The digest of every input of the build (see ``Builder``): the same for a build of the same
    #: sources, which would find the diagnostics and the reports per year below and key every unit
    #: as recorded.
    source: str = ""
    diagnostics: list[Diagnostic] = field(default_factory=list)  # the site's, but for content/'s notes
    per_year: dict[int, int] = field(default_factory=dict)
    _by_unit: dict[str, list[tuple[str, FileRecord]]] | None = field(default=None, init=False, repr=False,
                                                                   compare=False)

    def by_unit(self) -> dict[str, list[tuple[str, FileRecord]]]:
        """The files of each unit (worked out once: a preview keeps its record between saves)."""
        if self._by_unit is None:
            self._by_unit = {}
            for rel, rec in self.files.items():
                self._by_unit.setdefault(rec.unit, []).append((rel, rec))
        return self._by_unit

    def is_output_of(self, output: Path) -> bool:
        """True when ``output`` holds the recorded files, each as recorded, and no other (the
        manifest aside), and none was put off: one walk of the folder."""
        files = self.files
        if any(rec.key.startswith(STALE) for rec in files.values()):
            return False
        found = 0

        def walk(folder: str, prefix: str) -> bool:
            nonlocal found
            for entry in os.scandir(folder):
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    if not walk(entry.path, rel + "/"):
                        return False
                    continue
                rec = files.get(rel)
                if rec is None:
                    if rel != MANIFEST:
                        return False  # a file no build wrote
                    continue
                if not _matches(entry.stat(follow_symlinks=False), rec):
                    return False
                found += 1
            return True

        try:
            return walk(str(output), "") and found == len(files)
        except OSError:
            return False


@dataclass
class Unit:
    """One instance of an output: what the engine renders, keeps and hands to a worker."""

    output: Output
    item: Any
    id: str  # "<output name>:<item ident>", unique in a site
    key: str
    cost: float


@dataclass
class Plan:
    """The units of a build to render, and the files kept from the previous output."""

    dirty: list[Unit]
    shape: str = ""
    base: str = ""  # the code, settings and layouts it was made with
    kept: dict[str, FileRecord] = field(default_factory=dict)  # rel → record, for the kept units' files
    #: unit id → its files in the output as the last build left them (intact), for a dirty unit that
    #: may update them instead of starting over (:class:`govsite.pages.Previous`)
    previous: dict[str, dict[str, FileRecord]] = field(default_factory=dict)

    @property
    def nothing_to_do(self) -> bool:
        """True when every unit is kept (the output may still need foreign files checked)."""
        return not self.dirty


#: Not a facet: the digest of the metadata that places a report in the site (see :func:`place_digest`).
PLACE = "place"


def report_facets(report: Report, search_text: str) -> dict[str, str]:
    """The digests of a report's content facets (the check results are added by :func:`check_digest`),
    and of its place."""
    meta = (report.path, report.slug, report.year, report.agency, report.format.version, report.title, report.region,
            report.level, report.published, report.source_url, report.index_no, report.doc_no, report.missing)
    return {Facet.META.value: digest(meta), Facet.CELLS.value: digest(sorted(report.values.items()), report.missing),
            Facet.PROSE.value: digest(report.body, report.body_line, search_text), PLACE: place_digest(report)}


def place_digest(report: Report) -> str:
    """The digest of the metadata that decides where a report is in the site — its file, year,
    agency, slug, region and level (an agency takes its newest report's) — and so which items read
    it: a change of its other metadata (a date, a title, a document number) moves nothing."""
    return digest((report.path, report.slug, report.year, report.agency, report.region, report.level))


def check_digest(diags: Sequence[Diagnostic]) -> str:
    """The digest of a report's check results."""
    return digest([tuple(vars(d).values()) for d in diags]) if diags else ""


class Keys:
    """Computes unit keys, remembering the digest of each (reports, facets) group once."""

    def __init__(self, site: SiteIndex, facets: dict[str, dict[str, str]], base: str) -> None:
        self.site = site
        self.facets = facets
        self.base = base
        self._groups: dict[tuple[int, frozenset[Facet]], str] = {}
        self._keep_alive: list[list[Report]] = []
        self._small: dict[tuple[tuple[str, ...], frozenset[Facet]], str] = {}
        self._names: dict[frozenset[Facet], list[str]] = {}

    def group(self, reports: list[Report], facets: frozenset[Facet]) -> str:
        """The digest of ``facets`` of ``reports``, in their order."""
        if len(reports) <= 16:
            # An agency's few reports come as a new list for each of its report pages: remembered by
            # their paths, not by the list.
            small = (tuple(r.path for r in reports), facets)
            hit = self._small.get(small)
            if hit is None:
                hit = self._small[small] = self._digest(reports, facets)
            return hit
        memo = (id(reports), facets)
        hit = self._groups.get(memo)
        if hit is None:
            hit = self._groups[memo] = self._digest(reports, facets)
            self._keep_alive.append(reports)  # the id stays this list's for the build
        return hit

    def _digest(self, reports: list[Report], facets: frozenset[Facet]) -> str:
        names = self._names.get(facets)
        if names is None:
            names = self._names[facets] = sorted(f.value for f in facets)
        found = self.site.facet_digest(reports, names)
        assert found is not None, "every report of the site has its facets"
        return found

    def unit(self, output: Output, item: Any) -> Unit:
        """The unit of ``output`` for ``item``, with its key."""
        ident = ident_of(output.kind, item)
        parts: list[Any] = [self.base, output.name, ident]
        for read in output.reads:
            reports = reports_of(output.kind, item, read.scope, self.site)
            if read.scope is Scope.SITE:
                reports = self.site.reports
            parts.append((read.scope.value, self.group(reports, read.facets)))
        if output.extra is not None:
            parts.append(output.extra(self.site.config))
        return Unit(output, item, f"{output.name}:{ident}", digest(*parts), output.cost(self.site, item))


def make_plan(site: SiteIndex, registry: tuple[Output, ...], facets: dict[str, dict[str, str]], base: str,
              recorded: Recorded, output: Path, verify: bool = True,
              first: Callable[[Unit], bool] | None = None) -> Plan:
    """The units of ``registry`` for ``site``; those whose key and files match ``recorded`` are kept.

    ``verify``: compare the recorded files' sizes, mtimes and inodes with the folder (a file may have
    been edited by hand); off only for a folder that one builder alone writes (the preview's).
    ``first``: the units to render now (``Builder.build``); any other unit that would have to be
    keyed is not, and is put off with a stale key, its previous files left as they are.
    """
    # The site's shape, read by every page: its years (the menu), its agencies — names and URLs (an
    # agency's URL depends on every other agency's slug), and the level and region that the registry
    # or their newest report gives them (a deadline follows the level, 条例第四十九条) — and its
    # regions; and the outputs made.
    shape = digest(base, list(site.by_year), [(a.name, a.url, a.level, a.region, a.registered) for a in site.agencies],
                   sorted(site.regions), [o.name for o in registry])
    keys = Keys(site, facets, shape)
    by_unit = recorded.by_unit()
    affected = _affected(site, registry, facets, recorded, shape)
    plan = Plan([], shape, base)
    root = str(output)

    def intact(files: list[tuple[str, FileRecord]]) -> bool:
        return not verify or all(_as_recorded(f"{root}/{rel}", rec) for rel, rec in files)

    if affected is None:
        units: Iterable[tuple[Output, Any, str]] = (
            (o, item, f"{o.name}:{ident_of(o.kind, item)}") for o in registry for item in items_of(o.kind, site))
    else:
        # The units that read no changed facet keep their recorded key: their files are kept when
        # intact, and only the others are looked at (a unit that made no file makes none again).
        looked_at = set(affected)
        for uid, files in by_unit.items():
            if uid not in affected:
                if not files[0][1].key.startswith(STALE) and intact(files):
                    plan.kept.update(files)
                else:
                    looked_at.add(uid)
        units = _units(site, registry, looked_at)
    for o, item, uid in units:
        files = by_unit.get(uid)
        whole = bool(files) and intact(files)
        recorded_key = files[0][1].key if files else ""
        if files and affected is not None and uid not in affected and not recorded_key.startswith(STALE):
            u = Unit(o, item, uid, recorded_key, o.cost(site, item))  # not intact: rendered again
        elif whole and first is not None and not first(u := Unit(o, item, uid, "", o.cost(site, item))):
            u.key = STALE + fresh(recorded_key)
        else:
            u = keys.unit(o, item)
        if whole and all(rec.key == u.key for _, rec in files):
            plan.kept.update(files)
        else:
            plan.dirty.append(u)
            if whole:
                plan.previous[u.id] = dict(files)
    return plan


def _units(site: SiteIndex, registry: tuple[Output, ...], ids: set[str]) -> list[tuple[Output, Any, str]]:
    """The units of ``ids`` with their outputs and items, in registry order."""
    wanted: dict[str, set[str]] = {}
    for uid in ids:
        name, _, ident = uid.partition(":")
        wanted.setdefault(name, set()).add(ident)
    out: list[tuple[Output, Any, str]] = []
    for o in registry:
        idents = wanted.get(o.name)
        if not idents:
            continue
        if o.kind is Kind.REPORT:  # found by URL, in the order of items_of (years newest first)
            found = sorted((r for ident in idents if (r := site.report_at(ident)) is not None),
                           key=lambda r: (-r.year, report_order(r)))
            out += [(o, r, f"{o.name}:{r.url}") for r in found]
        else:
            out += [(o, item, f"{o.name}:{ident}") for item in items_of(o.kind, site)
                    if (ident := ident_of(o.kind, item)) in idents]
    return out


def _affected(site: SiteIndex, registry: tuple[Output, ...], facets: dict[str, dict[str, str]], recorded: Recorded,
              shape: str) -> set[str] | None:
    """The ids of the units that read a facet changed since ``recorded`` (the others keep their
    recorded key); None when every unit must be keyed: another shape, reports added, removed,
    reordered, or moved (:func:`place_digest`: their place decides who reads them)."""
    if recorded.shape != shape or list(recorded.facets) != [r.path for r in site.reports]:
        return None
    changed: list[tuple[Report, set[Facet]]] = []
    for r in site.reports:
        old, new = recorded.facets[r.path], facets[r.path]
        if old != new:
            if old.get(PLACE) != new.get(PLACE):
                return None
            names = {f for f in Facet if old.get(f.value) != new.get(f.value)}
            changed.append((r, names))
    ids: set[str] = set()
    for o in registry:
        if o.extra is not None:  # reads something besides reports: always keyed
            ids.update(f"{o.name}:{ident_of(o.kind, i)}" for i in items_of(o.kind, site))
            continue
        for read in o.reads:
            for r, names in changed:
                if names & read.facets:
                    ids.update(f"{o.name}:{ident_of(o.kind, i)}" for i in items_reading(o.kind, read.scope, r, site))
    return ids


def _as_recorded(path: str, rec: FileRecord) -> bool:
    try:
        return _matches(os.lstat(path), rec)
    except OSError:
        return False


def _matches(st: os.stat_result, rec: FileRecord) -> bool:
    """True when a file's (not followed) stat is the one recorded: a regular file, same size, mtime, inode."""
    return (stat.S_ISREG(st.st_mode) and st.st_size == rec.size and st.st_mtime_ns == rec.mtime_ns
            and (not rec.ino or st.st_ino == rec.ino))


def read_manifest(output: Path, cache: Cache) -> Recorded:
    """The files of a built output folder as its manifest lists them, with the sizes, mtimes and
    inodes the cache recorded for that very manifest, and what that build was made from (empty when
    either is missing: then nothing is kept)."""
    stored = _stored(output, cache, None)
    if stored is None:
        return Recorded()
    files, made_from = stored
    try:
        return Recorded({rel: FileRecord(*row) for rel, row in files.items()}, *made_from)
    except TypeError:
        return Recorded()


def recorded_inodes(output: Path, cache: Cache, folder: Path) -> dict[str, int] | None:
    """The inode of each file of an older site of ``output`` set aside in ``folder``, as the build
    that made it recorded them (None when they are not known)."""
    stored = _stored(output, cache, folder)
    return {rel: row[4] for rel, row in stored[0].items()} if stored is not None and stored[0] else None


def _stored(output: Path, cache: Cache, folder: Path | None) -> tuple[dict[str, tuple], tuple] | None:
    """What the cache recorded with the manifest of ``folder`` (default: ``output``): each file's
    record as a tuple (the manifest's rows with the files' stats), and what the build was made
    from (:class:`Recorded`'s fields after ``files``)."""
    try:
        raw = ((folder or output) / MANIFEST).read_bytes()
        blob = cache.get(stats_key(output, raw))
        files, made_from = pickle.loads(blob) if blob else (None, ())
        return (files, made_from) if isinstance(files, dict) and isinstance(made_from, tuple) else None
    except (OSError, ValueError, TypeError, pickle.UnpicklingError, EOFError):
        return None


def write_manifest(output: Path, recorded: Recorded, cache: Cache) -> bytes:
    """The manifest of ``output`` (deterministic for the same site: units and keys only); its rows
    with the files' sizes, mtimes and inodes, and what the build was made from, go to the cache
    under the folder and the manifest's digest (read back without parsing the manifest)."""
    files = recorded.files
    rows = {rel: [r.unit, r.key] for rel, r in sorted(files.items())}
    raw = json.dumps({"version": MANIFEST_VERSION, "files": rows}, ensure_ascii=False,
                     separators=(",", ":")).encode("utf-8")
    records = {rel: (r.unit, r.key, r.size, r.mtime_ns, r.ino) for rel, r in files.items()}
    made_from = (recorded.shape, recorded.facets, recorded.source, recorded.diagnostics, recorded.per_year)
    cache.put(stats_key(output, raw), pickle.dumps((records, made_from), protocol=pickle.HIGHEST_PROTOCOL))
    return raw


def stats_key(output: Path, manifest: bytes) -> str:
    """The cache key of the file stats of the site of ``output`` with ``manifest``."""
    # The folder is part of the key: the preview's folder and public/ may hold the same manifest
    # with files of other mtimes. (A copied site's output is then built again, not trusted.)
    return PINNED + digest("output-files", os.path.realpath(output), manifest)


def manifest_key(output: Path, folder: Path | None = None) -> str | None:
    """The cache key of the file stats of ``output``'s current manifest, or of the older site of it
    set aside in ``folder`` (None without one)."""
    try:
        return stats_key(output, ((folder or output) / MANIFEST).read_bytes())
    except OSError:
        return None
