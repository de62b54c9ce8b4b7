"""The staged build: load → check → render → write, as one library call.

``load_site`` runs the first two stages (``govsite check`` stops there); ``build`` runs them all.
Neither raises for content mistakes: they are returned as diagnostics. Configuration and usage
problems raise :class:`GovsiteError`.

Archive scale (issue 7): :class:`Builder` keeps state between builds (for ``govsite serve``) and uses
the persistent cache of :mod:`govsite.cache`:

- reports are parsed and checked once per content version, in worker processes when many changed;
- the pages are written by worker processes (forked once the site index exists, so they share it)
  that walk the same lazy page stream and each write their share straight into the staging folder;
- a report page or per-report data file whose inputs did not change is hard-linked from the
  previous output instead of being rendered;
- a rebuild where no input changed and the output is as the last build left it does nothing.

Output is byte-identical whatever the number of workers and whether the cache was warm: every page
is a function of its inputs only, and the manifest is sorted.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import pickle
import shutil
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from jinja2 import TemplateError

from .aggregate import Aggregate
from .blobstore import BlobStore, prune as prune_blobs
from .cache import (RACY_SECONDS, BuildCache, FileState, code_fingerprint, digest, file_hash, search_text_key,
                    site_fingerprint)
from .check import check_report, check_site
from .compact import Compactor
from .config import Config, require_config
from .delta import Snapshot, Stub, doc_ids, pack, signature, stub_row, try_delta, unpack
from .diagnostics import Diagnostic, GovsiteError
from .formats import FORMATS
from .lazyload import close_readers, lazy_site
from .load import content_files, display_path, load_report
from .model import Report
from .opendata import (EMPTY_PIECE, Deflated, PieceStore, deflated, from_stored, report_csv, report_csv_and_pieces,
                       stored_form, year_csv_rows)
from .preflight import preflight
from .render import REPORT_FILE_NAMES, Renderer, SiteIndex, search_text
from .search import SearchDoc, write_index
from .search.index import doc_ids as doc_ids_of
from .search.update import update_index
from .templates import THEME_DIR, template_error_location, use_bytecode_cache
from .write import (MANIFEST, FileData, Staging, check_output_dir, folder_states, folders_of, os_error_message,
                    safe_relpath)

#: Below this many pages to render or files to parse, worker processes cost more than they save.
PARALLEL_MIN = 64
#: Reports per task sent to a worker: large enough to amortise the round trip, small enough to
#: balance two cores.
CHUNK = 32


@dataclass
class Site:
    """A loaded and checked site."""

    config: Config
    reports: list[Report]
    diagnostics: list[Diagnostic]
    files: int = 0

    @property
    def errors(self) -> list[Diagnostic]:
        """The error diagnostics."""
        return [d for d in self.diagnostics if d.is_error]


@dataclass
class BuildResult:
    """What a build did, for the summary line and for tests."""

    site: Site
    output: Path
    pages: int = 0
    bytes: int = 0
    seconds: float = 0.0
    per_year: dict[int, int] = field(default_factory=dict)
    rendered: int = 0  # report pages rendered (the others were reused from the previous output)
    parsed: int = 0  # report files parsed (the others came from the cache)
    unchanged: bool = False  # nothing changed: the output was left as it was
    search_reused: bool = False  # the search index was linked from the previous output
    patched: bool = False  # prose-only edits: their pages and the search index patched in place


def load_site(root: Path, paths: list[Path] | None = None, config: Config | None = None) -> Site:
    """Stages 1–2: read every report (or those under ``paths``) and run every check."""
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
        diags += check_site(reports)
    else:
        # Cross-file rules need the neighbours: load the whole site once for them.
        whole = [r for p in select_files(cfg, None) if (r := load_report(p, root)[0])]
        named = {r.path for r in reports}
        diags += [d for d in check_site(whole) if d.path in named]
    return Site(cfg, reports, ordered(diags), len(files))


def ordered(diags: list[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics by file and line, duplicates dropped, rule order kept within a line."""
    unique = list(dict.fromkeys(diags))
    return sorted(unique, key=lambda d: (d.path, d.line))


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


def build(root: Path, output: Path | None = None, base_url: str | None = None, clean: bool = False,
          strict: bool = False, *, workers: int | None = None, cache: bool = True) -> BuildResult:
    """Build the whole site into ``output`` (default: the config's ``public/``).

    Returns the result; ``result.site.errors`` non-empty (or warnings with ``strict``) means nothing
    was written unless the site publishes invalid reports (``publish_invalid``). ``workers`` is the
    number of processes (default: the CPUs, or ``GOVSITE_WORKERS``); ``cache=False`` neither reads
    nor writes ``.govsite-cache/``.
    """
    return Builder(root, workers=workers, cache=cache).build(output, base_url, clean=clean, strict=strict)


_T0 = time.perf_counter()


def trace(label: str) -> None:
    """With ``GOVSITE_TRACE=1``, print a build phase with the time since start and the process's
    memory now and at its peak (issue 7: profile before optimising; bench/RESULTS.md uses it)."""
    if os.environ.get("GOVSITE_TRACE") != "1":
        return
    try:
        with open("/proc/self/statm") as fh:
            now = int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") >> 20
    except OSError:
        now = -1
    import resource  # noqa: PLC0415 — only when tracing

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10
    print(f"[trace] {time.perf_counter() - _T0:8.2f} s  {now:5d} MB now  {peak:5d} MB peak  {label}",
          file=sys.stderr, flush=True)


def default_workers() -> int:
    """``GOVSITE_WORKERS`` when set, else the CPUs this process may use."""
    env = os.environ.get("GOVSITE_WORKERS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class _SearchWriter:
    """Issue 3: the search index in ``search/``, taken from the last build, updated, or written anew.

    The index depends only on the reports and the code, so its key is their content hashes. Every
    file it writes is listed in the manifest (else the next build would take them for foreign files).
    :meth:`begin` takes the last build's index as it is (no report changed) or updates it for the
    reports whose input changed (``previous``: report path → input hash of the last build, issue 7);
    both are cheap. Otherwise the whole index is written, and :meth:`start` runs that in a thread
    while the page workers render (issue 7: written after the pages, it was ~9 s of a 10,000-report
    build with the page workers done). :meth:`finish` waits for it and records the files.
    ``text_keys`` (report path → key of its stable parse) lets each report's search text come from
    the cache: it is a function of the parsed report alone, so the parse key identifies it exactly.
    """

    def __init__(self, reports: list[Report], staging: Staging, hashes: dict[str, str | None], code_fp: str,
                 cache: BuildCache | None, last_out: Path | None, workers: int, root: Path,
                 text_keys: dict[str, str] | None = None, previous: dict[str, str | None] | None = None) -> None:
        ordered_reports = sorted(reports, key=lambda r: r.path)
        self.key = digest("search", code_fp, [(r.path, hashes.get(r.path)) for r in ordered_reports])
        del ordered_reports
        self.staging, self.hashes, self.cache, self.last_out = staging, hashes, cache, last_out
        self.workers, self.root, self.previous = workers, root, previous
        self.last = cache.get_meta("search") if cache else None
        self.text_keys = text_keys if cache is not None and text_keys else {}
        self.files: list[str] | None = cache.get_meta("search_files") if cache is not None and self.last else None
        self.state: Any = None
        self.reused = False
        self.full = False  # the whole index is to be written
        # In the index's id order, so that write_index takes them as they come (no spool, no sort).
        self.in_id_order = sorted(reports, key=lambda r: (-r.year, tuple(r.region), r.agency, r.url))
        self._thread: threading.Thread | None = None
        self._outcome: tuple[Any, BaseException | None] = (None, None)
        self.kept: dict[str, int] = {}  # files of the last index kept as they are → their size

    def begin(self) -> None:
        """Decide how the index will be made: taken, updated (both tried first, in :meth:`start`)
        or written anew."""
        last, files, last_out = self.last, self.files, self.last_out
        self.full = files is None or last_out is None

    def _take_or_update(self, cache: BuildCache | None) -> bool:
        """Take or update the last index (True), or leave nothing behind (False): the whole index is
        then written."""
        last, files, last_out = self.last, self.files, self.last_out
        assert files is not None and last_out is not None
        if last["key"] == self.key and _take(self.staging, last_out, files, cache, self.kept):
            self.reused = True
            return True
        if self.previous is not None and last.get("state") is not None and cache is not None:
            stats = _update_search(self.in_id_order, self.text_keys, self.hashes, self.previous, last["state"],
                                   files, last_out, self.staging, cache, self.kept)
            if stats is not None:
                self.state = stats.state
                return True
        return False

    def start(self) -> None:
        """Take, update or write the index in a thread, beside the page workers (only after they
        were forked: a fork while a thread runs could copy a held lock). Issue 7: taking or updating
        the last index (checking its 14,000 files at 10,000 reports) cost a cell edit ~0.15 s before
        the walk began."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._background, name="govsite-search", daemon=True)
            self._thread.start()

    def _background(self) -> None:
        # A connection of its own: an SQLite connection belongs to the thread that made it.
        cache = BuildCache(self.root) if self.cache is not None else None
        try:
            if not self.full and not self._take_or_update(cache):
                self.full = True
            self._outcome = (self._write_all(cache) if self.full else None, None)
            if self.full:
                trace("search index written (beside the pages)")
        except BaseException as exc:  # noqa: BLE001 — raised again by finish(), in the build's thread
            self._outcome = (None, exc)
        finally:
            if cache is not None:
                cache.close()

    def _write_all(self, cache: BuildCache | None) -> Any:
        # A generator: the texts of 100,000 reports are never all in memory at once (issue 7);
        # they come from the cache, and go to it, a batch at a time.
        docs = _search_docs(self.in_id_order, self.text_keys, cache)
        return write_index(docs, self.staging.dir / "search", workers=1 if self.workers <= 1 else None,
                           presorted=len(self.in_id_order))

    def wait(self) -> None:
        """Let a background write end (its outcome is dropped): before the staging folder goes."""
        if self._thread is not None:
            self._thread.join()

    def finish(self) -> bool:
        """Wait for (or make) the full write, record the files in the staging and the cache; returns
        True when the last build's index was reused."""
        if self._thread is not None:
            self._thread.join()
            stats, error = self._outcome
            if error is not None:
                raise error
        elif not self.full and not self._take_or_update(self.cache):
            self.full = True
        if self.full:
            if self._thread is None:
                stats = self._write_all(self.cache)
            if self.text_keys and self.cache is not None:
                # forget reports gone
                self.cache.prune_search_texts(search_text_key(k) for k in self.text_keys.values())
            self.files = sorted(stats.written)
            self.state = stats.state
        assert self.files is not None
        for rel in self.files:
            self.staging.written.append(f"search/{rel}")
            size = self.kept.get(rel)  # known from the check that kept it (issue 7: 14,000 stats at 10k)
            self.staging.bytes += self.staging.size_of(f"search/{rel}") if size is None else size
        if self.cache is not None and not self.reused:
            self.cache.set_meta("search", {"key": self.key, "state": self.state})
            self.cache.set_meta("search_files", self.files)  # apart: the fast path rewrites "search" alone
        return self.reused


def _update_search(reports: list[Report], text_keys: dict[str, str], hashes: dict[str, str | None],
                   previous: dict[str, str | None], state: Any, files: list[str], last_out: Path,
                   staging: Staging, cache: BuildCache, kept: dict[str, int]) -> Any:
    """The last index updated for the reports whose input changed (same documents otherwise), the
    unchanged files taken from ``last_out`` (and their sizes put in ``kept``); None (nothing left in
    staging) when it cannot be."""
    ids = doc_ids_of(reports, state)
    changed = [r for r in reports if previous.get(r.path) != hashes.get(r.path)]
    sizes: dict[str, int] = {}
    if ids is None or not changed or not _verified(last_out, files, cache, sizes):
        return None
    docs = {ids[d.url]: d for d in _search_docs(changed, text_keys, cache)}
    dest = staging.dir / "search"
    dest.mkdir(parents=True, exist_ok=True)
    stats = update_index(last_out / "search", dest, state, docs)
    if stats is None:
        shutil.rmtree(dest, ignore_errors=True)
        return None
    written = set(stats.written)
    unchanged = [rel for rel in files if rel not in written]
    if not _take(staging, last_out, unchanged, cache, kept, verify=False):
        shutil.rmtree(dest, ignore_errors=True)
        return None
    kept.update((rel, sizes[rel]) for rel in unchanged)
    return stats


def _verified(last_out: Path, files: list[str], cache: BuildCache | None, sizes: dict[str, int]) -> bool:
    """True when the last build's ``search/`` files are all there as it left them (not edited);
    their sizes go to ``sizes``."""
    if cache is None:
        return False
    recorded = cache.output_stats([f"search/{rel}" for rel in files])
    folder = f"{last_out}/search"
    for rel in files:
        try:
            st = os.lstat(f"{folder}/{rel}")
        except OSError:
            return False
        if recorded.get(f"search/{rel}") != (st.st_size, st.st_mtime_ns, st.st_ino):
            return False
        sizes[rel] = st.st_size
    return True


def _take(staging: Staging, last_out: Path, files: list[str], cache: BuildCache | None,
          kept: dict[str, int], verify: bool = True) -> bool:
    """The last build's ``search/`` files taken as they are: kept in place, or linked into the
    staging folder; False when one is missing or (``verify``) not as the last build left it.
    With ``verify``, the sizes of the files taken go to ``kept``."""
    sizes: dict[str, int] = {}
    if verify and not _verified(last_out, files, cache, sizes):
        return False
    if not staging.in_place and not _link_files(last_out / "search", staging.dir / "search", files):
        return False
    kept.update(sizes)
    return True


def _search_docs(reports: list[Report], text_keys: dict[str, str], cache: BuildCache | None,
                 batch: int = 1000) -> Iterator[SearchDoc]:
    """The search documents of ``reports`` in their order, texts from the cache where the report
    has a stable parse key (``text_keys``: path → parse key), new ones stored."""
    for start in range(0, len(reports), batch):
        part = reports[start:start + batch]
        keyed = {r.path: search_text_key(k) for r in part if (k := text_keys.get(r.path))}
        known = cache.get_search_texts(sorted(set(keyed.values()))) if cache is not None and keyed else {}
        new: dict[str, str] = {}
        for r in part:
            k = keyed.get(r.path)
            text = known.get(k) if k else None
            if text is None:
                text = search_text(r)
                if k:
                    new[k] = text
            yield SearchDoc(url=r.url, title=r.title, agency=r.agency, year=r.year, region=r.region,
                            level=r.level, text=text)
        if new and cache is not None:
            cache.put_search_texts(new)


def _link_files(src: Path, dest: Path, files: list[str]) -> bool:
    """Hard-link (or copy) ``files`` from ``src`` to ``dest``; False when any is missing."""
    try:
        for rel in files:
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(src / rel, target)
            except OSError:
                shutil.copy2(src / rel, target)
    except OSError:
        shutil.rmtree(dest / "i", ignore_errors=True)
        shutil.rmtree(dest / "d", ignore_errors=True)
        (dest / "meta.json.gz").unlink(missing_ok=True)
        return False
    return True


def list_content(content_dir: Path) -> list[tuple[str, bool]]:
    """The report files of :func:`govsite.load.content_files` as ``(relative POSIX path, is a
    symlink)``, in the same order, from one ``scandir`` per folder (no ``Path`` per file: issue 7).

    Same rules: every ``*.md`` at any depth (symlinked folders are not entered, as ``rglob`` does
    not), none below or named with a leading ``.`` or ``_``; sorted by path components.
    """
    found: list[tuple[tuple[str, ...], bool]] = []

    def walk(folder: str, parts: tuple[str, ...]) -> None:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for e in entries:
            if e.name.startswith((".", "_")):
                continue
            here = (*parts, e.name)
            if e.name.endswith(".md"):
                found.append((here, e.is_symlink()))
            try:
                if e.is_dir() and not e.is_symlink():
                    walk(e.path, here)
            except OSError:
                continue

    if content_dir.is_dir():
        walk(str(content_dir), ())
    found.sort()
    return [("/".join(parts), link) for parts, link in found]


# --------------------------------------------------------------------------------------------------
# The incremental builder
# --------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Input:
    """One content file of this build."""

    file: str  # its path as listed (a string: a Path per file costs ~10 µs, issue 7)
    shown: str  # as messages show it
    hash: str | None  # content hash with path; None when the file is not cacheable (link out of the site, unreadable)
    content: str = ""  # hash of the bytes alone
    key: str | None = None  # parse-cache key

    @property
    def path(self) -> Path:
        """The file as a Path."""
        return Path(self.file)


def _input_hash(shown: str, real: str, content: str) -> str:
    """The content hash with the paths (NUL cannot occur in a path): the report's cache identity."""
    return hashlib.blake2b(f"{shown}\0{real}\0{content}".encode("utf-8", "surrogateescape"),
                           digest_size=16).hexdigest()


class Builder:
    """Builds one site again and again, as cheaply as the changes allow.

    ``build()`` of this module is the simple entry point (one build, cache on disk); ``govsite serve``
    can keep a Builder so that parsed reports also stay in memory between rebuilds.
    """

    def __init__(self, root: Path, *, workers: int | None = None, cache: bool = True,
                 commit_lock: AbstractContextManager[Any] | None = None) -> None:
        self.root = root
        self.workers = workers or default_workers()
        self.use_cache = cache
        # Held while files move into the output folder (a full build's commit, a patch): the preview
        # (govsite serve) reads its files under the same lock, so no request sees a half-moved site.
        self.commit_lock: AbstractContextManager[Any] = commit_lock or nullcontext()
        self._parsed: dict[str, tuple[Report | None, list[Diagnostic]]] = {}  # parse key → result
        self._unstable: set[str] = set()  # parse keys whose file changed while it was parsed
        self._parsed_before_load = 0  # parsed by a lazy load that gave up (see _load_lazy)
        self._compactor = Compactor()  # issue 7: the kept reports' prose spooled, their rows shared
        # Agency → its reports and their diagnostics across files, as the last build checked them.
        self._checked: dict[str, tuple[list[Report], list[Diagnostic]]] = {}

    # --- the build ------------------------------------------------------------------------------

    def build(self, output: Path | None = None, base_url: str | None = None, *, clean: bool = False,
              strict: bool = False) -> BuildResult:
        """One build; see :func:`build`."""
        start = time.perf_counter()
        root = self.root
        cfg = require_config(root, {"base_url": base_url})
        out = output if output is not None else root / cfg.output
        check_output_dir(out, root)
        preflight(root, cfg, out)
        cache = BuildCache(root) if self.use_cache else None
        try:
            return self._build(cfg, out, cache, clean, strict, start)
        finally:
            close_readers()  # lazily loaded reports' connections (govsite.lazyload)
            if cache is not None:
                cache.close()

    def _build(self, cfg: Config, out: Path, cache: BuildCache | None, clean: bool, strict: bool,
               start: float) -> BuildResult:
        code_fp = code_fingerprint()
        site_fp = site_fingerprint(code_fp, self.root, repr(cfg), cfg.layouts_dir)
        inputs = self._inputs(cfg, cache)
        trace(f"inputs: {len(inputs)} files")
        # Everything a build depends on but the reports; with their hashes, the key of the build.
        base = digest(site_fp, _static_state(cfg), os.path.abspath(out), clean, strict)
        build_key = digest(base, [(i.shown, i.hash) for i in inputs])
        last = cache.get_meta("last_build") if cache else None
        stored = cache.load_snapshot() if cache else None
        snapshot = unpack(*stored) if stored else None
        if snapshot is not None and cache is not None:
            # Inputs patched in by the fast path since the snapshot (a small overlay, not a rewrite).
            snapshot.inputs.update(cache.get_meta("snapshot_inputs") or {})

        # Nothing changed since the last build into this very folder, and the folder is as that build
        # left it (no file added, removed or touched): there is nothing to do, not even loading.
        if last and snapshot and cache is not None and last["key"] == build_key and _output_unchanged(out, cache):
            site = _site_of(cfg, snapshot, len(inputs))
            result = BuildResult(site, out, pages=last["pages"], bytes=last["bytes"], unchanged=True)
            result.per_year = _per_year(site.reports)
            result.seconds = time.perf_counter() - start
            return result
        # Only the prose of a few reports changed: patch their pages and the search index.
        if cache is not None and snapshot is not None:
            delta = try_delta(root=self.root, cfg=cfg, out=out, cache=cache, snapshot=snapshot, base=base,
                              inputs=inputs, build_key=build_key, code_fp=code_fp,
                              lock=self.commit_lock)
            if delta is not None:
                site = Site(cfg, delta.reports, ordered(delta.diagnostics), len(inputs))
                result = BuildResult(site, out, pages=delta.pages, bytes=delta.bytes, rendered=delta.rendered,
                                     parsed=delta.parsed, patched=True)
                result.per_year = _per_year(site.reports)
                result.seconds = time.perf_counter() - start
                return result
        # The full build needs only the last build's inputs (to update the search index): the rest of
        # the snapshot (a row per report) is not kept through it (issue 7: memory at 100k).
        previous_inputs = snapshot.inputs if snapshot is not None else None
        # The signatures of the reports whose input is unchanged are the last build's (same code,
        # templates and settings: same base): ~30 µs each not computed again on a warm build.
        previous_sigs = snapshot.sigs if snapshot is not None and snapshot.base == base else {}
        # What the pages of the last build were made of, to walk only the pages of what changed.
        last_made = ((snapshot.shape, snapshot.problems) if snapshot is not None and snapshot.base == base
                     else None)
        # A one-off build after a few content edits loads only the changed reports (the others
        # when a page needs them); a kept builder (serve) has them all in memory already.
        lazy = (self._load_lazy(cfg, inputs, code_fp, cache, snapshot)
                if cache is not None and snapshot is not None and snapshot.base == base and not self._parsed
                else None)
        del snapshot, stored

        site, parsed = lazy[:2] if lazy is not None else self._load(cfg, inputs, code_fp, cache)
        trace(f"loaded and checked: {len(site.reports)} reports, {parsed} parsed"
              + (" (the others when needed)" if lazy is not None else ""))
        result = BuildResult(site, out, parsed=parsed)
        blocking = [d for d in site.diagnostics if d.is_error or strict]
        structural = [d for d in blocking if not d.rule.startswith("R")]
        if structural or (blocking and not cfg.publish_invalid):
            result.seconds = time.perf_counter() - start
            return result
        result.per_year = _per_year(site.reports)

        # A file that changed while it was parsed has no trustworthy content hash: its pages are
        # never reused, and the next build sees it as changed (snapshot, last build key).
        hashes = {i.shown: None if i.key in self._unstable else i.hash for i in inputs}
        unstable = sorted(i.shown for i in inputs if i.key is not None and i.key in self._unstable)
        if unstable:
            build_key = digest(build_key, "unstable", unstable)
        sigs = lazy[2] if lazy is not None else self._signatures(inputs, previous_inputs or {}, previous_sigs)
        del previous_sigs, lazy
        index = SiteIndex(cfg, site.reports, problems=_by_path(site.diagnostics))
        previous = cache.pages() if cache else {}
        last_out = Path(last["path"]) if last else None
        # Issue 7: when the output holds the last build, only what changed is written into it
        # (journaled); else the whole site is staged and swapped in. --clean always swaps.
        in_place = (last_out is not None and last_out == Path(os.path.abspath(out)) and not clean
                    and (out / MANIFEST).is_file())
        staging = Staging(out, in_place=in_place)
        pages = _PageStats()
        try:
            return self._write(cfg, out, cache, clean, start, result, site, inputs, index, staging, pages,
                               previous, last_out, hashes, sigs, site_fp, code_fp, base, build_key, previous_inputs,
                               last_made)
        finally:
            pages.close()

    def _write(self, cfg: Config, out: Path, cache: BuildCache | None, clean: bool, start: float,
               result: BuildResult, site: Site, inputs: list[_Input], index: SiteIndex, staging: Staging,
               pages: _PageStats, previous: dict[str, tuple[str, int, int]], last_out: Path | None,
               hashes: dict[str, str | None], sigs: dict[str, str], site_fp: str, code_fp: str, base: str,
               build_key: str, previous_inputs: dict[str, str | None] | None,
               last_made: tuple[str, dict[str, list[Diagnostic]]] | None = None) -> BuildResult:
        """Stages 3–4 of a full build: render into ``staging``, commit, record in the cache."""
        search: _SearchWriter | None = None
        try:
            renderer = _LazyRenderer(index, site_fp, hashes, sigs)
            if cache is not None:
                use_bytecode_cache(renderer.env, cache.dir / "templates")
            renderer.piece_path = cache.dir / "opendata.sqlite" if cache is not None else None
            renderer.sums_path = cache.dir / SUMS_FILE if cache is not None else None
            renderer.code_fp = code_fp
            renderer.spool_dir = staging.dir
            if staging.in_place and last_made is not None and previous_inputs and last_made[0] == renderer.shape:
                renderer.carry = _carried(index, hashes, previous_inputs, last_made[1])
            text_keys = {i.shown: i.key for i in inputs if i.key and i.key not in self._unstable}
            search = _SearchWriter(site.reports, staging, hashes, code_fp, cache, last_out, self.workers,
                                   self.root, text_keys, previous_inputs)
            search.begin()
            _write_pages(renderer, staging, previous, last_out, self.workers, pages, search.start)
            if renderer.sums_path is not None:
                prune_blobs(renderer.sums_path)
            trace(f"pages: {len(staging.written)} files, {pages.rendered} rendered")
            staging.copy_tree(THEME_DIR / "static", "assets")
            staging.copy_tree(cfg.static_dir)
            result.search_reused = search.finish()
            trace("search index")
            # What the last build left in the output's folders: the foreign-file check then lists
            # only the folders changed since (issue 7).
            folders = (cache.folder_state() if cache is not None and last_out == Path(os.path.abspath(out))
                       else None)
            with self.commit_lock:
                staging.commit(clean=clean, folders=folders or None)
            in_place = staging.in_place  # the commit swaps instead when most files are new
            trace("committed" + (" in place" if in_place else ""))
        except TemplateError as exc:
            if search is not None:
                search.wait()
            staging.abort()
            name, line = template_error_location(exc)
            raise GovsiteError(f"模板错误 {name}:{line}: {exc}") from None
        except BaseException:
            if search is not None:
                search.wait()
            staging.abort()
            raise
        result.pages = len(staging.written)
        result.bytes = staging.bytes
        result.rendered = pages.rendered
        if cache is not None:
            # Pages written this build live in `out` now; record their stat so reuse can verify them
            # (a page reused keeps its record). Streamed from the walk logs into the cache.
            if in_place and last_out == Path(os.path.abspath(out)):
                # Committed in place over the last build: only the records that changed are written
                # (issue 7: all 32,000 were, after a cell edit at 10,000 reports).
                changed, dropped = _changed_records(pages, previous, out, staging.deleted)
                cache.update_pages(changed, forget=dropped)
            else:
                cache.save_pages(_page_records(pages, previous, out))
            trace("page records saved")
            cache.save_snapshot(*pack(self._snapshot(site, inputs, base, renderer.shape, sigs)))
            trace("snapshot saved")
            cache.set_meta("snapshot_inputs", {})
            racy = time.time_ns() - int(RACY_SECONDS * 1e9)
            if in_place:
                # The files kept are as recorded (verified when kept); the rest was just written.
                cache.forget_output(staging.deleted)
                cache.save_output_state(_stats(out, staging.staged), replace=False)
                if folders:  # only the folders this commit changed
                    cache.save_folder_state(folder_states(out, sorted(folders_of(staging.staged + staging.deleted)),
                                                          racy), replace=False)
                else:
                    cache.save_folder_state(folder_states(out, _output_folders(out), racy))
            else:
                listed: list[str] = []
                cache.save_output_state(_output_rows(out, listed))
                cache.save_folder_state(folder_states(out, listed, racy))
            cache.set_meta("last_build", {"key": build_key, "path": os.path.abspath(out),
                                          "pages": result.pages, "bytes": result.bytes})
        trace("cache saved")
        result.seconds = time.perf_counter() - start
        return result

    @staticmethod
    def _store(cache: BuildCache, parsed: list[tuple[str, bytes]], texts: dict[str, str]) -> None:
        """A batch of parse results and search texts into the cache."""
        cache.put_parsed(parsed)
        if texts:
            cache.put_search_texts(texts)

    def _signatures(self, inputs: list[_Input], previous_inputs: dict[str, str | None],
                    previous: dict[str, str]) -> dict[str, str]:
        """Report path → :func:`govsite.delta.signature`, for the reports parsed from a stable file;
        taken from ``previous`` (the last build's, made by the same code) when the input is the one
        that build had (``previous_inputs``)."""
        sigs = {}
        for i in inputs:
            if i.key is not None and i.key in self._parsed and i.key not in self._unstable:
                report, diags = self._parsed[i.key]
                if report is None:
                    continue
                known = previous.get(report.path)
                if known is not None and i.hash is not None and previous_inputs.get(report.path) == i.hash:
                    sigs[report.path] = known
                else:
                    sigs[report.path] = signature(report, diags)
        return sigs

    def _snapshot(self, site: Site, inputs: list[_Input], base: str, shape: str, sigs: dict[str, str]) -> Snapshot:
        """What this build was made of, for the next build's fast path (:mod:`govsite.delta`)."""
        problems = _by_path(site.diagnostics)
        paths = {r.path for r in site.reports}
        return Snapshot(
            base=base,
            inputs={i.shown: None if i.key in self._unstable else i.hash for i in inputs},
            stubs=[stub_row(r) for r in site.reports],
            sigs=sigs,
            problems={p: ds for p, ds in problems.items() if p in paths},
            others=[d for d in site.diagnostics if d.path not in paths],
            shape=shape,
            doc_ids=doc_ids(site.reports),
        )

    # --- stage 1: which files, with which content -----------------------------------------------

    def _inputs(self, cfg: Config, cache: BuildCache | None) -> list[_Input]:
        """Every content file with its content hash, read only when its stat changed.

        One ``lstat`` per file (issue 7: at 10,000 reports this runs on every rebuild): a file that
        is not a symlink, in a content folder inside the site, is its own real path.
        """
        states = cache.file_states() if cache else {}
        new_states: dict[str, FileState] = {}
        root_real = os.path.realpath(self.root)
        content = cfg.content_dir
        content_real = os.path.realpath(content)
        inside = content_real.startswith(root_real + os.sep)
        prefix = display_path(content, self.root)
        plain_prefix = not os.path.isabs(prefix) and not prefix.startswith("..")
        settled = int((time.time() - RACY_SECONDS) * 1e9)  # older than this: not racy (see RACY_SECONDS)
        out = []
        content_str = str(content)
        for rel, is_link in list_content(content):
            path = f"{content_str}/{rel}"
            shown = f"{prefix}/{rel}" if plain_prefix else display_path(Path(path), self.root)
            try:
                if is_link or not inside:
                    real = os.path.realpath(path)
                    if not real.startswith(root_real + os.sep):
                        out.append(_Input(path, shown, None))  # refused by load_report, every time
                        continue
                    st = os.stat(real)
                else:
                    real = f"{content_real}/{rel}"
                    st = os.lstat(real)
            except OSError:
                out.append(_Input(path, shown, None))
                continue
            old = states.get(shown)
            if old and old.size == st.st_size and old.mtime_ns == st.st_mtime_ns and old.ino == st.st_ino:
                h = old.hash
                if st.st_mtime_ns < settled:
                    new_states[shown] = old  # the same object: comparing the states below is cheap
            else:
                h = file_hash(real)
                if h is None:
                    out.append(_Input(path, shown, None))
                    continue
                if st.st_mtime_ns < settled:
                    new_states[shown] = FileState(st.st_size, st.st_mtime_ns, st.st_ino, h)
            out.append(_Input(path, shown, _input_hash(shown, real, h), h))
        if cache is not None and new_states != states:
            cache.save_file_states(new_states)
        return out

    # --- stage 1–2: parse and check, from the cache where possible -----------------------------

    def _load_lazy(self, cfg: Config, inputs: list[_Input], code_fp: str, cache: BuildCache,
                   snapshot: Snapshot) -> tuple[Site, int, dict[str, str]] | None:
        """The site with only the changed reports loaded (:mod:`govsite.lazyload`), the number
        parsed and every report's signature; None when the whole site must be loaded."""
        for i in inputs:
            if i.hash is not None:
                i.key = digest(code_fp, i.hash)
        counts: list[int] = []

        def parse(changed: list[_Input]) -> dict[str, tuple[Report | None, list[Diagnostic]]]:
            counts.append(self._parse_keys(changed, cache))
            return {i.key: self._parsed[i.key] for i in changed if i.key is not None}

        lazy = lazy_site(inputs, snapshot, str(cache.path), parse, signature, cache.parsed_keys)
        if lazy is None:
            self._parsed_before_load = sum(counts)  # parsed already: the full load finds them in memory
            return None
        # The unchanged reports' entries are this build's too: kept by the prune, read when needed.
        cache.used_parsed.update(i.key for i in inputs if i.key)
        cache.prune_parsed()
        self._parsed = dict(lazy.parsed)
        self._unstable &= set(self._parsed)
        self._compactor.forget_unused()
        unstable = {i.shown for i in inputs if i.key in self._unstable}
        sigs = {p: s for p, s in lazy.sigs.items() if p not in unstable}
        return Site(cfg, lazy.reports, ordered(lazy.diagnostics), len(inputs)), sum(counts), sigs

    def _parse_keys(self, inputs: list[_Input], cache: BuildCache | None) -> int:
        """Put the parse of each of ``inputs`` (keys set) in ``self._parsed``: from memory, from the
        cache, or parsed now (and stored); returns how many were parsed."""
        wanted = [i.key for i in inputs if i.key and i.key not in self._parsed]
        found = cache.get_parsed(wanted) if cache and wanted else ()
        for key, data in found:
            try:
                self._parsed[key] = self._compactor.compact(pickle.loads(data))
            except Exception:  # noqa: BLE001 — an unreadable entry is parsed again
                continue
        missing = [i for i in inputs if i.key and i.key not in self._parsed]
        # Streamed: the pickled results go to the cache a batch at a time, never all held at once
        # (at 100k reports they alone would take ~800 MB).
        batch: list[tuple[str, bytes]] = []
        texts: dict[str, str] = {}
        for key, data, stable, text in _parse_many([(i.file, i.key, i.content) for i in missing], self.root,
                                                   self.workers):
            self._parsed[key] = self._compactor.compact(pickle.loads(data))
            if not stable:
                self._unstable.add(key)
            else:
                self._unstable.discard(key)
            if cache is not None and stable:
                batch.append((key, data))
                if text is not None:
                    texts[search_text_key(key)] = text
                if len(batch) >= 1000:
                    self._store(cache, batch, texts)
                    batch, texts = [], {}
        if cache is not None and batch:
            self._store(cache, batch, texts)
        return len(missing)

    def _load(self, cfg: Config, inputs: list[_Input], code_fp: str,
              cache: BuildCache | None) -> tuple[Site, int]:
        for i in inputs:
            if i.hash is not None:
                i.key = digest(code_fp, i.hash)
        parsed = self._parse_keys(inputs, cache) + self._parsed_before_load
        self._parsed_before_load = 0
        if cache is not None:
            cache.prune_parsed()
        reports: list[Report] = []
        diags: list[Diagnostic] = []
        live = set()
        for i in inputs:
            if i.key is None:
                report, d = load_report(i.path, self.root)
                if report is not None:
                    d = d + check_report(report)
            else:
                live.add(i.key)
                report, d = self._parsed[i.key]
            diags += d
            if report is not None:
                reports.append(report)
        # Keep in memory only what this build used (a long `serve` session must not grow).
        self._parsed = {k: v for k, v in self._parsed.items() if k in live}
        self._unstable &= live
        self._compactor.forget_unused()
        diags += self._site_checks(reports)
        return Site(cfg, reports, ordered(diags), len(inputs)), parsed + sum(1 for i in inputs if i.key is None)

    def _site_checks(self, reports: list[Report]) -> list[Diagnostic]:
        """:func:`check_site` agency by agency (its rules never look beyond one agency), an agency's
        taken from the last build of this builder when its reports are the very same objects:
        unchanged files, kept parsed (issue 7: ~0.2 s of every `serve` rebuild at 10,000 reports)."""
        groups: dict[str, list[Report]] = {}
        for r in reports:
            groups.setdefault(r.agency, []).append(r)
        checked: dict[str, tuple[list[Report], list[Diagnostic]]] = {}
        diags: list[Diagnostic] = []
        for agency, group in groups.items():
            hit = self._checked.get(agency)
            if hit is not None and len(hit[0]) == len(group) and all(a is b for a, b in zip(hit[0], group)):
                found = hit[1]
            else:
                found = check_site(group)
            checked[agency] = (group, found)
            diags += found
        self._checked = checked
        return diags


def _per_year(reports: list[Report]) -> dict[int, int]:
    """How many reports each year has, by year (the build summary)."""
    return dict(sorted(Counter(r.year for r in reports).items()))


def _site_of(cfg: Config, snapshot: Snapshot, files: int) -> Site:
    """The site as the last build saw it, from its snapshot (stub reports: metadata only)."""
    diags = [d for ds in snapshot.problems.values() for d in ds] + snapshot.others
    return Site(cfg, [Stub.of(row) for row in snapshot.stubs], ordered(diags), files)


def _by_path(diags: list[Diagnostic]) -> dict[str, list[Diagnostic]]:
    out: dict[str, list[Diagnostic]] = {}
    for d in diags:
        out.setdefault(d.path, []).append(d)
    return out


def _static_state(cfg: Config) -> list[tuple[str, int, int]]:
    """Name, size and mtime of every file copied as it is (theme assets, ``static/``)."""
    out = []
    for folder in (THEME_DIR / "static", cfg.static_dir):
        if folder.is_dir():
            for p in sorted(folder.rglob("*")):
                if p.is_file():
                    st = p.stat()
                    out.append((p.as_posix(), st.st_size, st.st_mtime_ns))
    return out


def _output_rows(out: Path, folders: list[str] | None = None) -> Iterator[tuple[str, int, int, int]]:
    """``(path, size, mtime_ns, inode)`` of every file of an output folder, streamed; the folders
    met (relative, "" for ``out``) are appended to ``folders``.

    One ``scandir`` per folder and one ``lstat`` per file, paths built as strings (issue 7: this
    runs on every rebuild, over ~46,000 files at 10,000 reports). Symlinks are listed, not followed.
    """
    def walk(folder: str, prefix: str) -> Iterator[tuple[str, int, int, int]]:
        if folders is not None:
            folders.append(prefix[:-1])
        for e in os.scandir(folder):
            rel = prefix + e.name
            if e.is_dir(follow_symlinks=False):
                yield from walk(e.path, rel + "/")
            else:
                st = e.stat(follow_symlinks=False)
                yield rel, st.st_size, st.st_mtime_ns, st.st_ino

    if out.is_dir():
        yield from walk(str(out), "")


def _output_folders(out: Path) -> list[str]:
    """Every folder of an output folder, relative ("" for ``out``)."""
    found: list[str] = []

    def walk(folder: str, prefix: str) -> None:
        found.append(prefix[:-1])
        for e in os.scandir(folder):
            if e.is_dir(follow_symlinks=False):
                walk(e.path, prefix + e.name + "/")

    if out.is_dir():
        walk(str(out), "")
    return found


def _output_unchanged(out: Path, cache: BuildCache) -> bool:
    """True when the output folder holds exactly the files recorded after the last build, unchanged."""
    if not out.is_dir():
        return False
    recorded = cache.output_state()
    for rel, size, mtime, ino in _output_rows(out):
        if recorded.pop(rel, None) != (size, mtime, ino):
            return False
    return not recorded


# --------------------------------------------------------------------------------------------------
# Parsing in worker processes
# --------------------------------------------------------------------------------------------------

_ROOT: Path | None = None


def _parse_chunk(items: list[tuple[str, str, str]]) -> list[tuple[str, bytes, bool, str | None]]:
    """Worker: parse and check report files, returning pickled ``(report, diagnostics)``, whether
    the file stayed as hashed, and the report's search text (made here, in parallel, for the cache:
    made later by the search index's producer it was ~0.25 ms per report on one core, issue 7)."""
    assert _ROOT is not None
    out = []
    for path, key, content in items:
        report, diags = load_report(Path(path), _ROOT)
        if report is not None:
            diags = diags + check_report(report)
        # The file may have been saved again since it was hashed (an editor during `serve`): such a
        # result is used for this build but not cached under the old content's key.
        stable = file_hash(path) == content
        text = search_text(report) if report is not None and stable else None
        out.append((key, pickle.dumps((report, diags), protocol=pickle.HIGHEST_PROTOCOL), stable, text))
    return out


def _parse_many(items: list[tuple[str, str, str]], root: Path,
                workers: int) -> Iterator[tuple[str, bytes, bool, str | None]]:
    """Parse files, in ``workers`` processes when there are enough of them; yields results in file
    order as they come."""
    global _ROOT
    _ROOT = root
    chunks = [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]
    if workers <= 1 or len(items) < PARALLEL_MIN:
        for chunk in chunks:
            yield from _parse_chunk(chunk)
        return
    with _pool(workers) as pool:
        for result in pool.imap(_parse_chunk, chunks):
            yield from result


def _pool(workers: int):
    # fork: the workers inherit the loaded modules and, for rendering, the site index — nothing to
    # pickle but the task and its small result.
    return multiprocessing.get_context("fork").Pool(workers)


# --------------------------------------------------------------------------------------------------
# Rendering: one page stream, partitioned between the workers
# --------------------------------------------------------------------------------------------------
#
# Every worker (forked once the site index exists, so nothing big is pickled) walks the same
# deterministic stream of ``Renderer.pages()`` and writes only the files assigned to it (by a hash
# of their path), straight into the staging folder. Walking is cheap because the renderer below makes
# each page *lazy*: ``page()`` (the Jinja2 funnel), ``report_page`` and ``feed`` return a thunk that
# is run only by the worker that owns the file, and the per-report open-data files are wrapped the
# same way. A lazy page with a key (report pages and per-report files: everything they are made from
# is known) is hard-linked from the previous output when its key is unchanged.
#
# Correctness does not depend on which methods are lazy: a worker materialises exactly the items it
# owns, computed the ordinary way; laziness only spares the others the work. A lazy value is not
# ``bytes``, so code that post-processed a page would fail loudly rather than write a wrong file.


class _Lazy:
    """A page not rendered yet: ``make()`` renders it; ``key`` (optional) names all its inputs.

    The key may be given as a function (``keyf``), computed on first use: every worker walks the
    whole page stream but keys only the pages it writes (issue 7: each worker keyed all 32,000
    files of a 10,000-report site, half of a one-cell rebuild's walk).
    """

    __slots__ = ("make", "_key", "_keyf")

    def __init__(self, make: Callable[[], bytes], key: str | None = None,
                 keyf: Callable[[], str | None] | None = None) -> None:
        self.make = make
        self._key = key
        self._keyf = keyf

    @property
    def key(self) -> str | None:
        if self._keyf is not None:
            self._key, self._keyf = self._keyf(), None
        return self._key


class _SitePage(_Lazy):
    """A site-wide page: its key (:meth:`_LazyRenderer.site_pages_key`) is completed by its path."""

    __slots__ = ()


class _Mine:
    """An item of a group this worker took as a whole: written here whatever its path's hash."""

    __slots__ = ("data",)

    def __init__(self, data: Any) -> None:
        self.data = data


class _LazyRenderer(Renderer):
    """The site's renderer with lazy pages (see above), keyed where the inputs are known.

    The key of a report page, besides the site fingerprint (code, templates, settings): the report's
    content, its errors, its agency's reports (neighbour links, history), and the *shape* of the
    site — the metadata of every report (years in the navigation, agencies, regions). A cell or
    prose edit changes few keys; a metadata edit anywhere re-renders every report page (from the
    parsed reports of the cache).
    """

    def __init__(self, site: SiteIndex, site_fp: str, hashes: dict[str, str | None],
                 sigs: dict[str, str]) -> None:
        super().__init__(site)
        self.site_fp = site_fp
        self.hashes = hashes
        shape = hashlib.blake2b(site_fp.encode(), digest_size=16)
        for r in sorted(site.reports, key=lambda r: r.path):
            shape.update(repr((r.path, r.year, r.agency, r.region, r.level, r.slug, r.title, r.published,
                               r.format.version, r.missing)).encode("utf-8", "surrogateescape"))
        self.shape = shape.hexdigest()
        self.sigs = sigs  # report path → govsite.delta.signature
        self.worker = 0
        self.workers = 1
        self.piece_path: Path | None = None  # the archive's piece store (see archive_store)
        self._pieces: PieceStore | None = None  # this process's connection to it, opened on first use
        self._site_pages_key: str | None = None
        self.sums_path: Path | None = None  # where region sums are kept between builds (region_sums)
        self.code_fp = ""
        self._sums: BlobStore | None = None  # this process's connection to it, opened on first use
        self.carry: _Carry | None = None  # see _carried
        self.walk_carry: _Carry | None = None  # ``carry`` while a walk in place uses it (see report_files)
        self.previous: dict[str, tuple[str, int, int]] = {}  # the last build's page records (set by _walk)

    def site_pages_key(self) -> str:
        """What the site-wide pages (years, rankings, agencies, regions, home, sitemap …) are made
        of: the site fingerprint and everything of every report but its prose, plus the problems.
        A prose edit that changes no line number leaves it unchanged. The page's path is added by
        the walk (the same inputs make the same page at the same path)."""
        if self._site_pages_key is None:
            # Each report by its signature (every field but the prose, see govsite.delta), hashed
            # one at a time: one repr of every report's cells at once was ~300 MB at 100k.
            h = hashlib.blake2b(digest_size=16)
            h.update(f"site-page\0{self.shape}\0".encode())
            for r in sorted(self.site.reports, key=lambda r: r.path):
                h.update(f"{r.path}\0{self.sigs.get(r.path) or signature(r, [])}\0".encode("utf-8", "surrogateescape"))
            h.update(repr(sorted(self.site.problems.items())).encode("utf-8", "surrogateescape"))
            self._site_pages_key = h.hexdigest()
        return self._site_pages_key

    def page(self, template: str, **context) -> Any:  # type: ignore[override]
        return _SitePage(lambda: Renderer.page(self, template, **context), self.site_pages_key())

    # The pages of one agency, one region, one year: made lazy as a whole (a reused page skips its
    # sums too) and keyed by what they show — the site's shape and the content and problems of
    # *their* reports — so that a cell edit re-renders the pages of its agency, its year and its
    # regions, not all 2,200 of them at 10,000 reports (issue 7: ~7 s of a cell edit at 10k).
    def region_page(self, node) -> Any:  # type: ignore[override]
        reports = [r for a in node.all_agencies() for r in a.reports]
        return _Lazy(lambda: _materialise(Renderer.region_page(self, node)),
                     keyf=lambda: self.scope_key("region", node.file_path, reports))

    def year_pages(self, year: int, reports: list[Report]) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        # The overview and its ranking views; a page made through ``page`` or ``year_page`` comes
        # back as a site-wide page and is re-keyed here by the year's reports (and its path).
        scope: list[str | None] = []  # the year's key, made by the first page that needs it

        def keyf(rel: str) -> str | None:
            if not scope:
                scope.append(self.scope_key("year", str(year), reports))
            return None if scope[0] is None else digest(scope[0], rel)

        for rel, item in Renderer.year_pages(self, year, reports):
            yield rel, (_Lazy(item.make, keyf=lambda rel=rel: keyf(rel)) if isinstance(item, _SitePage) else item)

    def year_page(self, *args, **kwargs) -> Any:  # type: ignore[override]
        return _SitePage(lambda: _materialise(Renderer.year_page(self, *args, **kwargs)), self.site_pages_key())

    def agency_page(self, agency) -> Any:  # type: ignore[override]
        return _Lazy(lambda: _materialise(Renderer.agency_page(self, agency)),
                     keyf=lambda: self.scope_key("agency", agency.url, agency.reports))

    def scope_key(self, kind: str, ident: str, reports: list[Report]) -> str | None:
        """The key of a page made from the site's shape and ``reports`` alone: their paths, content
        hashes and problems (counts and failures are shown). None (always rendered) when a report's
        content hash is unknown."""
        h = hashlib.blake2b(digest_size=16)
        h.update(f"{kind}\0{ident}\0{self.shape}\0".encode("utf-8", "surrogateescape"))
        for r in reports:
            content = self.hashes.get(r.path)
            if content is None:
                return None
            problems = [(d.line, d.column, d.severity, d.rule, d.message) for d in self.site.problems.get(r.path, ())]
            h.update(f"{r.path}\0{content}\0{problems!r}\0".encode("utf-8", "surrogateescape"))
        return h.hexdigest()

    def report_files(self, report: Report) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        # A report whose files all stand as they are (see _carried): the walk only checks them on
        # disk, so nothing is made for them (issue 7: three lazy files for each of 10,000 reports
        # in every worker, after a cell edit).
        carry = self.walk_carry
        if carry is not None and carry.report(report.url):
            item = _Carried(report)
            for name in REPORT_FILE_NAMES:
                yield f"{report.url}{name}", item
            return
        yield from Renderer.report_files(self, report)

    def report_page(self, report: Report) -> Any:  # type: ignore[override]
        return _Lazy(lambda: _materialise(Renderer.report_page(self, report)), keyf=lambda: self.report_key(report))

    def report_key(self, report: Report) -> str | None:
        """The key of a report's page: its content and errors, its agency's reports, the shape;
        None (always rendered) when its content hash is unknown."""
        if self.hashes.get(report.path) is None:
            return None
        errors = [(d.line, d.rule, d.message) for d in self.site.problems.get(report.path, []) if d.is_error]
        family = [(r.path, self.hashes.get(r.path)) for r in self.site.by_agency.get(report.agency, [])]
        return digest(self.shape, report.path, self.hashes.get(report.path), errors, family)

    def feed(self) -> Any:  # type: ignore[override]
        return _Lazy(lambda: _materialise(Renderer.feed(self)))

    def data_files(self) -> Iterator[tuple[str, Any]]:
        # A group computed as a whole (the archive needs every report): worker 0 takes all of it.
        # The other workers have made the archive pieces of the reports whose report.csv they wrote
        # (see per_report): here, after the last report, they hand over the last of them.
        if self.worker != 0:
            if self._pieces is not None:
                self._pieces.close(prune=False)
                self._pieces = None
            return
        for rel, data in Renderer.data_files(self):
            if isinstance(data, _SitePage):  # the data page shows the archive's size: never reused
                data = _Lazy(data.make)
            yield rel, _Mine(data)
        self._pieces = None  # closed by Renderer.data_files once the archive is written

    def year_file(self, year: int, reports: list[Report]) -> tuple[object, Callable[[], tuple[Deflated, int]]]:
        # Keyed by the year's reports and kept compressed in the piece store (issue 7: a cell edit
        # made all seven yearly CSVs again, ~0.3 s of worker 0 at 10,000 reports): an unchanged
        # year's CSV is reused like a page, and the archive takes its stored compressed form.
        contents = [(r.path, self.hashes.get(r.path)) for r in reports]
        if self.piece_path is None or any(h is None for _, h in contents):
            return Renderer.year_file(self, year, reports)
        key = digest(self.site_fp, "opendata.year_csv", year, contents)
        stored = self._piece_store().get([key]).get(key)
        if stored is not None:
            piece = stored[0]
            self._kept().keep(f"{key}:rows")
            self._kept().keep(self._figure_rows_key(year))  # the year's pages may be carried
            # The file itself from the stored form when the output does not have it (an edit
            # undone: the last build wrote another CSV for the year), not from the reports.
            return _Lazy(lambda: zlib.decompress(piece[0], -15), key), lambda: (from_stored(piece), piece[2])
        data = self._year_csv(year, reports, key)
        member, size = deflated(data), len(data)
        store = self._piece_store()
        store.put(key, (stored_form(member), EMPTY_PIECE))
        store.flush()  # not held until the batch is full (issue 7: ~1.5 MB a year at 100,000 reports)
        return _Lazy(lambda: data, key), lambda: (member, size)

    def _year_csv(self, year: int, reports: list[Report], key: str) -> bytes:
        """A year's CSV (made for its key ``key``), each unchanged report's row taken from the last
        build's CSV of the year (issue 7: after a cell edit the year's CSV read the cells of its
        2,000 reports, ~0.35 s at 10,000 reports). The last build's CSV is its compressed form in
        the piece store, found by the key its page record gives; where each report's row lies in
        it is kept beside (``<key>:rows``) with the year's formats, which decide the columns."""
        formats = sorted({r.format.version for r in reports})
        last = self._last_year_csv(year, formats)
        index, kept = last if last is not None else ({}, b"")
        hashes = self.hashes

        def known(r: Report) -> bytes | None:
            hit = index.get(r.path)
            return kept[hit[1]:hit[2]] if hit is not None and hit[0] == hashes.get(r.path) else None

        header, rows = year_csv_rows(reports, known)
        del last, index, kept
        where, pos = {}, len(header)
        for r, row in zip(reports, rows):
            where[r.path] = (hashes[r.path], pos, pos + len(row))
            pos += len(row)
        data = b"".join([header, *rows])
        del rows
        self._kept().put(f"{key}:rows", pickle.dumps((formats, where), protocol=pickle.HIGHEST_PROTOCOL))
        self._kept().flush()  # ~2 MB a year at 100,000 reports: not held until the batch is full
        return data

    def _last_year_csv(self, year: int, formats: list[str]) -> tuple[dict[str, tuple], bytes] | None:
        """The last build's CSV of ``year`` and where each report's row lies in it, when it had the
        same columns (``formats``) and both are still kept."""
        record = self.previous.get(f"data/{year}.csv")
        if record is None:
            return None
        raw = self._kept().get(f"{record[0]}:rows")
        stored = self._piece_store().get([record[0]]).get(record[0])
        if raw is None or stored is None:
            return None
        try:
            kept_formats, index = pickle.loads(raw)
            data = zlib.decompress(stored[0][0], -15)
        except Exception:  # noqa: BLE001 — unreadable: every row is made again
            return None
        return (index, data) if kept_formats == formats else None

    def _figure_rows_key(self, year: int) -> str:
        return digest(self.code_fp, "render.figure_rows", year)

    def kept_figure_rows(self, year: int) -> dict[str, list]:  # type: ignore[override]
        # The agency figures of each report of the year, as the last build made them: after a cell
        # edit the year's overview and ranking views read no other report's cells (issue 7: ~0.3 s
        # per worker at 10,000 reports). Kept by path with the report's content hash.
        if self.sums_path is None:
            return {}
        data = self._kept().get(self._figure_rows_key(year))
        try:
            kept = pickle.loads(data) if data is not None else {}
        except Exception:  # noqa: BLE001 — unreadable: every row is made again
            kept = {}
        hashes = self.hashes
        return {p: row for p, (h, row) in kept.items() if h is not None and h == hashes.get(p)}

    def keep_figure_rows(self, year: int, rows: dict[str, list]) -> None:  # type: ignore[override]
        if self.sums_path is None:
            return
        key, hashes = self._figure_rows_key(year), self.hashes
        store = self._kept()
        data = store.get(key)
        try:
            kept = pickle.loads(data) if data is not None else {}
        except Exception:  # noqa: BLE001
            kept = {}
        kept = {p: v for p, v in kept.items() if v[0] is not None and v[0] == hashes.get(p)}
        kept.update((p, (hashes.get(p), row)) for p, row in rows.items())
        store.put(key, pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL))
        store.flush()  # a year's rows: not held until the batch is full

    def _kept(self) -> BlobStore:
        """This process's connection to the values kept between builds (after the fork)."""
        assert self.sums_path is not None
        if self._sums is None:
            self._sums = BlobStore(self.sums_path)
        return self._sums

    def region_sums(self, node, year: int, reports: list[Report],
                    compute: Callable[[], list[Aggregate]]) -> list[Aggregate]:  # type: ignore[override]
        # Kept by the reports they sum (issue 7: a cell edit summed every region's reports of
        # every year again for the four region pages showing the cell, ~0.3 s at 10k): only the
        # sums of the edited report's year and regions are computed, from the kept sums below.
        contents = [(r.path, self.hashes.get(r.path)) for r in reports]
        if self.sums_path is None or any(h is None for _, h in contents):
            return compute()
        key = digest(self.code_fp, "render.region_sums", node.path, year, contents)
        data = self._kept().get(key)
        if data is not None:
            try:
                return [Aggregate(FORMATS[version], [r for r in reports if r.format.version == version],
                                  values, incomplete) for version, values, incomplete in pickle.loads(data)]
            except Exception:  # noqa: BLE001 — an unreadable entry is computed again
                pass
        sums = compute()
        self._kept().put(key, pickle.dumps([(a.format.version, a.values, a.incomplete) for a in sums],
                                         protocol=pickle.HIGHEST_PROTOCOL))
        return sums

    def year_sums(self, year: int, reports: list[Report]) -> list[Aggregate]:  # type: ignore[override]
        # Walking only what changed (a cell edit), the year's sums are the root region's, made
        # from the kept sums of the regions the edit did not touch (issue 7: summing the year's
        # 2,000 reports read the cells of each of them, ~0.3 s at 10,000 reports). A cold build
        # sums the reports as they are: nothing is kept yet, and the regions' sums would cost more.
        if self.carry is not None and self.sums_path is not None:
            sums = self.root_sums(year, reports)
            if sums is not None:
                return sums
        return Renderer.year_sums(self, year, reports)

    def close_stores(self) -> None:
        """Write what this process kept for the next build (end of its walk)."""
        self._figures.flush()
        if self._sums is not None:
            self._sums.close()
            self._sums = None

    def archive_store(self) -> tuple[PieceStore | None, Callable[[Report], str | None]]:
        # The archive's per-report pieces, keyed like the per-report files: unchanged reports are
        # neither serialised nor compressed again, and the pieces the walk made are found here.
        if self.piece_path is None:
            return Renderer.archive_store(self)
        return self._piece_store(), self._piece_key

    def _piece_store(self) -> PieceStore:
        """This process's :class:`PieceStore` (each worker opens its own, after the fork)."""
        assert self.piece_path is not None
        if self._pieces is None:
            self._pieces = PieceStore(self.piece_path, batch=PIECE_BATCH)
        return self._pieces

    def _piece_key(self, report: Report) -> str | None:
        """The key of ``report``'s archive pieces: none for a file that changed while read. Hashed
        directly, not through :func:`digest` (issue 7: the archive keys every report on every build,
        ~10 µs each), and short: worker 0 holds the keys of every report it used (~7 MB at 100k
        as written-out strings)."""
        h = self.hashes.get(report.path)
        if not h:
            return None
        data = f"{self.site_fp}\0{h}\0{report.path}".encode("utf-8", "surrogateescape")
        return hashlib.blake2b(data, digest_size=16).hexdigest()

    def per_report(self, fn: Callable[..., bytes]) -> Callable[..., _Lazy]:
        """``fn(report, *args)`` made lazy and keyed by the report's content and the other arguments
        (for the per-report open-data files, pure functions of their arguments).

        The worker that writes a report's ``report.csv`` also makes, from the same rows, the
        report's compressed pieces of the archive and stores them for worker 0 (issue 7: the
        archive's compression was ~0.5 s per 1,000 reports, all of it on worker 0)."""
        def lazy(report: Report, *args: Any) -> _Lazy:
            def keyf() -> str | None:
                h = self.hashes.get(report.path)
                if h is None:
                    return None  # content not known for sure (changed while read): made again
                return digest(self.site_fp, fn.__module__, fn.__qualname__, report.path, h, [repr(a) for a in args])
            if fn is report_csv and self.piece_path is not None:
                return _Lazy(lambda: self._csv_and_pieces(report), keyf=keyf)
            return _Lazy(lambda: fn(report, *args), keyf=keyf)
        return lazy

    def _csv_and_pieces(self, report: Report) -> bytes:
        """``report.csv`` of ``report``; its archive pieces go to the piece store on the way."""
        key = self._piece_key(report)
        if key is None:
            return report_csv(report)
        data, pieces = report_csv_and_pieces(report)
        self._piece_store().put(key, pieces)
        return data


#: The files of a report's folder, each keyed by the report (see :func:`_carried`).
_REPORT_FILES = frozenset(REPORT_FILE_NAMES)


class _Carried:
    """A file of the report ``report`` that the walk keeps as the last build left it, if it still
    is (else it asks the renderer for the real one)."""

    __slots__ = ("report",)

    def __init__(self, report: Report) -> None:
        self.report = report


def _carried(index: SiteIndex, hashes: dict[str, str | None], previous_inputs: dict[str, str | None],
             previous_problems: dict[str, list[Diagnostic]]) -> "_Carry | None":
    """Which files of the last build stand as they are without being looked at: the pages and
    per-report files of reports, agencies, years and regions that no changed report is part of.

    Issue 7: after a cell edit at 10,000 reports the walk keyed and stat'ed 32,000 files to render
    29. The key of each such file is made of its scope's reports — their paths, contents and
    problems — and of the site's shape (the caller checks that it is the last build's), so a file
    whose scope holds no report whose content or problems changed has the last build's key. What
    is decided here is exactly that, scope by scope (see ``_LazyRenderer``'s keys):

    - a report page: its content and errors, and its agency's reports' contents (history links);
    - ``report.csv`` / ``report.json``: its content (and its problems, which the JSON lists);
    - a year's overview and ranking views, an agency page, a region page: its reports' contents
      and problems.

    Such a file keeps the last build's record without its key being made; the walk still checks
    that it is the file that build wrote (size and mtime, :func:`_as_recorded`) and makes it again
    if not (deleted or edited by hand). Returns None when nothing changed (a build that runs
    because the output was edited by hand): every file is then keyed as usual.
    """
    def rows(diags: list[Diagnostic]) -> list[tuple]:
        return [(d.line, d.column, d.severity, d.rule, d.message) for d in diags]

    changed = [r for r in index.reports if hashes.get(r.path) is None or previous_inputs.get(r.path) != hashes[r.path]]
    troubled = [r for r in index.reports
                if rows(index.problems.get(r.path, [])) != rows(previous_problems.get(r.path, []))]
    if not changed and not troubled:
        return None
    dirty: set[str] = set()
    years: set[str] = set()
    for r in changed:
        dirty.update(f"{x.url}index.html" for x in index.by_agency.get(r.agency, ()))
        dirty.add(f"{r.url}report.csv")
    for r in changed + troubled:
        dirty.update((f"{r.url}index.html", f"{r.url}report.json"))
        years.add(str(r.year))
        agency = index.agency_of(r)
        dirty.add(f"{agency.url}index.html")
        for depth in range(len(agency.region) + 1):
            node = index.regions.get(agency.region[:depth])
            if node is not None:
                dirty.add(f"{node.file_path}index.html")

    return _Carry(dirty, years)


class _Carry:
    """Which files of the last build stand as they are (see :func:`_carried`): the files of the
    changed scopes are ``dirty``, the changed years' pages are those of ``years``."""

    __slots__ = ("dirty", "years")

    def __init__(self, dirty: set[str], years: set[str]) -> None:
        self.dirty, self.years = dirty, years

    def __call__(self, rel: str) -> bool:
        if rel in self.dirty:
            return False
        parts = rel.split("/")
        if parts[0].isdigit():
            if len(parts) == 3:  # <year>/<slug>/<file>: a report's page or data
                return parts[2] in _REPORT_FILES
            # <year>/index.html, <year>/ranking/<figure>/index.html
            return parts[0] not in self.years and (parts[1:] == ["index.html"] or (
                len(parts) == 4 and parts[1] == "ranking" and parts[3] == "index.html"))
        if parts[-1] != "index.html":
            return False
        return (parts[0] == "agency" and len(parts) == 3) or parts[0] == "region"

    def report(self, url: str) -> bool:
        """True when the page and both data files of the report at ``url`` stand as they are."""
        dirty = self.dirty
        return not any(url + name in dirty for name in _REPORT_FILES)


def _materialise(data: Any) -> bytes:
    """Pages built from other (lazy) pages: render the inner ones."""
    return data.make() if isinstance(data, _Lazy) else data


def _owner(rel: str, workers: int) -> int:
    """The worker that writes ``rel``: a stable hash, so the split is the same in every run.

    Worker 0 also takes the whole-site data files (the archive of every cell): all workers share
    the other pages. The archive's per-report pieces are made by the owner of each ``report.csv``
    (:meth:`_LazyRenderer.per_report`), so worker 0 mostly concatenates them (issue 7).
    """
    if workers <= 1:
        return 0
    h = zlib.crc32(rel.encode("utf-8"))
    if rel.endswith("/report.csv"):
        # Worker 0's share of the report.csv files (with them, the archive pieces: ~0.55 ms per
        # report) is smaller by about what its archive and yearly CSVs cost (~0.1 ms per report).
        bucket = h % (CSV_BUCKETS * workers)
        return 0 if bucket < WORKER0_CSV_BUCKETS else 1 + (bucket - WORKER0_CSV_BUCKETS) % (workers - 1)
    return h % workers


def _renderer_of(rel: str, workers: int) -> int:
    """The worker that writes ``rel`` when the build walks only what changed (see :func:`_carried`):
    not worker 0, which has the whole-site data files to make (issue 7: they were most of a cell
    edit's walk, on top of worker 0's share of the pages) — but for a year's ranking views, which
    worker 0 takes with two workers: the other one renders the year's overview, the regions and
    the agencies, twice the archive's time without them (~0.1 s at 10,000 reports)."""
    if workers <= 1:
        return 0
    if workers == 2 and "/ranking/" in rel:
        return 0
    return 1 + zlib.crc32(rel.encode("utf-8")) % (workers - 1)


#: report.csv files are split in ``CSV_BUCKETS`` buckets per worker, of which worker 0 takes
#: ``WORKER0_CSV_BUCKETS`` (issue 7: 40 % with two workers, which evens their CPU time at 1k and 10k).
CSV_BUCKETS = 10
WORKER0_CSV_BUCKETS = 8


#: Per-report functions that ``Renderer.pages`` calls directly, wrapped by :meth:`per_report` while
#: the stream is walked (only names that exist are wrapped; a renamed one is simply not lazy).
PER_REPORT = ("report_json", "report_csv")
#: Archive pieces a worker makes before it writes them to the piece store in one transaction: few,
#: so that worker 0 finds nearly all the other workers' pieces when it writes the archive.
PIECE_BATCH = 32
#: The file of the build cache where the page workers keep region sums (:meth:`_LazyRenderer.region_sums`).
SUMS_FILE = "sums.sqlite"

_RENDERER: _LazyRenderer | None = None
_JOB: tuple[Path, Path, dict[str, tuple[str, int, int]], Path | None, bool] | None = None


def _walk(worker: int, workers: int) -> str:
    """Walk the page stream and write the files of ``worker``; returns the name of a temporary file
    listing them (see :func:`_log_rows`): at 100k reports a list of 460,000 tuples returned through
    the pool would cost the parent ~115 MB (issue 7)."""
    assert _RENDERER is not None and _JOB is not None
    output, staging_dir, previous, last_out, in_place = _JOB
    renderer = _RENDERER
    renderer.worker, renderer.workers, renderer.previous = worker, workers, previous
    from . import render as render_module

    saved = {name: getattr(render_module, name) for name in PER_REPORT if callable(getattr(render_module, name, None))}
    started = (time.perf_counter(), time.process_time())
    fd, log_name = tempfile.mkstemp(prefix="govsite-walk-")
    log = os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape")
    out = _LogWriter(log)
    made: set[str] = set()
    staging = str(staging_dir)
    previous_out = None if last_out is None else str(last_out)
    carry = renderer.carry if in_place else None
    folders = _Folders(staging)
    try:
        for name, fn in saved.items():
            setattr(render_module, name, renderer.per_report(fn))
        renderer.walk_carry = carry
        for rel, item in renderer.pages():
            # Decided from the records alone, the same in every worker: which worker takes the file.
            if type(item) is _Carried:  # a file of a report whose scope did not change
                carried = rel in previous
            else:
                carried = carry is not None and rel in previous and carry(rel)
            if isinstance(item, _Mine):
                item = item.data
            elif (_owner(rel, workers) if carried or carry is None else _renderer_of(rel, workers)) != worker:
                continue
            if rel in made:
                continue
            made.add(rel)
            rel = safe_relpath(rel)
            # Kept without its key made, if it is still the file the last build wrote; else (deleted
            # or edited by hand) made again below like any other.
            if carried and _as_recorded(rel, previous[rel], previous_out):
                out.append((rel, previous[rel][1], previous[rel][0], False))
                continue
            if type(item) is _Carried:
                item = dict(Renderer.report_files(renderer, item.report))[rel]
            key = item.key if isinstance(item, _Lazy) else None
            if isinstance(item, _SitePage):
                key = digest(key, rel)
            try:
                if key is not None and _reuse(rel, key, previous, previous_out, None if in_place else folders):
                    out.append((rel, previous[rel][1], key, False))
                    continue
                try:
                    data = item.make() if isinstance(item, _Lazy) else item
                except TemplateError as exc:
                    # Jinja's exceptions do not all survive the trip back to the parent: say it here.
                    name, line = template_error_location(exc)
                    raise GovsiteError(f"模板错误 {name}:{line}: {exc}") from None
                path = folders.path_for(rel)
                if isinstance(data, FileData):
                    shutil.move(data.path, path)  # a rename: made in the staging folder
                    size = data.size
                else:
                    with open(path, "wb") as fh:
                        fh.write(data)
                    size = len(data)
            except OSError as exc:
                raise GovsiteError(os_error_message(exc, "写入", f"{output / rel}")) from None
            out.append((rel, size, key, key is not None))
    except BaseException:
        log.close()
        os.unlink(log_name)
        raise
    finally:
        renderer.walk_carry = None
        for name, fn in saved.items():
            setattr(render_module, name, fn)
        renderer.close_stores()
    log.close()
    # Per worker, so that an unbalanced split (one worker busy while the other waits) shows.
    trace(f"worker {worker}/{workers}: walked in {time.perf_counter() - started[0]:.2f} s, "
          f"{time.process_time() - started[1]:.2f} s of CPU, {len(made)} files")
    return log_name


class _LogWriter:
    """Appends ``(path, size, key, rendered)`` records to a walk log, NUL-separated."""

    __slots__ = ("fh",)

    def __init__(self, fh: Any) -> None:
        self.fh = fh

    def append(self, row: tuple[str, int, str | None, bool]) -> None:
        rel, size, key, rendered = row
        self.fh.write(f"{rel}\0{size}\0{key or ''}\0{1 if rendered else 0}\0")


def _log_rows(name: str) -> Iterator[tuple[str, int, str | None, bool]]:
    """The records of a walk log (a path cannot contain NUL)."""
    with open(name, encoding="utf-8", errors="surrogateescape") as fh:
        rest = ""
        while chunk := fh.read(1 << 20):
            fields = (rest + chunk).split("\0")
            rest = ""
            usable = len(fields) - 1  # the last field may be cut short
            usable -= usable % 4
            for i in range(0, usable, 4):
                yield fields[i], int(fields[i + 1]), fields[i + 2] or None, fields[i + 3] == "1"
            rest = "\0".join(fields[usable:])


@dataclass
class _PageStats:
    logs: list[str] = field(default_factory=list)  # the walk logs of the workers (temporary files)
    rendered: int = 0  # keyed pages rendered (not reused)

    def rows(self) -> Iterator[tuple[str, int, str | None, bool]]:
        """Every file written or reused: (path, size, key or None, rendered)."""
        for name in self.logs:
            yield from _log_rows(name)

    def close(self) -> None:
        """Remove the walk logs."""
        for name in self.logs:
            try:
                os.unlink(name)
            except OSError:
                pass


def _write_pages(renderer: _LazyRenderer, staging: Staging, previous: dict[str, tuple[str, int, int]],
                 last_out: Path | None, workers: int, stats: _PageStats,
                 meanwhile: Callable[[], None] | None = None) -> None:
    """Write every page of the stream into ``staging``, split between ``workers`` processes; what
    was written goes to ``stats`` (its walk logs are removed by ``stats.close()``). ``meanwhile`` is
    called once the workers are forked (it may start a thread), or, with no workers, at the end."""
    global _RENDERER, _JOB
    if len(renderer.site.reports) < PARALLEL_MIN:
        workers = 1
    _RENDERER, _JOB = renderer, (staging.output, staging.dir, previous, last_out, staging.in_place)
    try:
        trace(f"walking the pages ({workers} worker{'s' if workers > 1 else ''})")
        if workers <= 1:
            results = [_walk(0, 1)]
        else:
            with _pool(workers) as pool:
                if meanwhile is not None:
                    meanwhile()
                    meanwhile = None
                results = pool.starmap(_walk, [(k, workers) for k in range(workers)])
    finally:
        _RENDERER = _JOB = None
    if meanwhile is not None:
        meanwhile()
    stats.logs = list(results)
    for rel, size, key, rendered in stats.rows():
        staging.written.append(rel)
        staging.bytes += size
        stats.rendered += rendered


def _page_records(pages: _PageStats, previous: dict[str, tuple[str, int, int]],
                  out: Path) -> Iterator[tuple[str, str, int, int]]:
    """``(path, key, size, mtime_ns)`` of every keyed page of this build, as it is in ``out``."""
    for rel, _, key, rendered in pages.rows():
        if key is None:
            continue
        if not rendered:
            yield rel, *previous[rel]
            continue
        try:
            st = os.stat(out / rel)
        except OSError:
            continue
        yield rel, key, st.st_size, st.st_mtime_ns


class _Folders:
    """The folders a walk has made recently below the staging folder, not made again (issue 7:
    one ``mkdir`` per file written was ~5 % of a cold build's walk); at most 4,096 remembered."""

    __slots__ = ("root", "made")

    def __init__(self, root: str) -> None:
        self.root = root
        self.made: set[str] = set()

    def path_for(self, rel: str) -> str:
        """The path of ``rel`` below the root, its folder made if needed."""
        folder, _, _ = rel.rpartition("/")
        if folder not in self.made:
            os.makedirs(f"{self.root}/{folder}" if folder else self.root, exist_ok=True)
            if len(self.made) >= 4096:  # a file's folder is mostly the last one's: the set stays small
                self.made.clear()
            self.made.add(folder)
        return f"{self.root}/{rel}"


def _changed_records(pages: _PageStats, previous: dict[str, tuple[str, int, int]], out: Path,
                     deleted: list[str]) -> tuple[dict[str, tuple[str, int, int]], list[str]]:
    """The page records an in-place build changed — ``(key, size, mtime_ns)`` of each keyed file it
    rendered — and those to forget: files it deleted, and files it wrote without a key. Every
    other record stands (its file was kept or reused as recorded)."""
    changed: dict[str, tuple[str, int, int]] = {}
    dropped = [rel for rel in deleted if rel in previous]
    for rel, _, key, rendered in pages.rows():
        if key is None:
            if rel in previous:
                dropped.append(rel)
        elif rendered:
            try:
                st = os.stat(f"{out}/{rel}")
            except OSError:
                dropped.append(rel)
                continue
            changed[rel] = (key, st.st_size, st.st_mtime_ns)
    return changed, dropped


def _as_recorded(rel: str, record: tuple[str, int, int], last_out: str | None) -> bool:
    """True when the last build's file ``rel`` is there with the size and mtime it recorded."""
    if last_out is None:
        return False
    try:
        st = os.stat(f"{last_out}/{rel}")
    except OSError:
        return False
    return (st.st_size, st.st_mtime_ns) == (record[1], record[2])


def _reuse(rel: str, key: str, previous: dict[str, tuple[str, int, int]], last_out: str | None,
           staging: _Folders | None) -> bool:
    """Take the previous build's page when it was made from the same inputs and is still the file
    that build wrote: linked (or copied) into the ``staging`` folder, or, with None, kept in place."""
    prev = previous.get(rel)
    if last_out is None or prev is None or prev[0] != key:
        return False
    src = f"{last_out}/{rel}"
    try:
        st = os.stat(src)
    except OSError:
        return False
    if (st.st_size, st.st_mtime_ns) != (prev[1], prev[2]):
        return False  # edited by hand, or replaced: render it again
    if staging is None:
        return True
    dest = staging.path_for(rel)
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)  # other file system, or links not allowed: copy keeps the mtime
    return True


def _stats(out: Path, rels: list[str]) -> dict[str, tuple[int, int, int]]:
    """Size, mtime and inode of some files of the output (those that exist)."""
    state = {}
    for rel in rels:
        try:
            st = os.lstat(out / rel)
        except OSError:
            continue
        state[rel] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return state


__all__ = ["Builder", "BuildResult", "Site", "build", "load_site", "select_files", "MANIFEST"]
