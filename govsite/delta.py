"""The edit fast path (issue 7): a rebuild after prose-only edits, without loading the whole site.

An archive editor fixes a sentence in one report and saves. Everything a page shows except that
report's own page and the search index is made of the reports' *metadata, cells and problems*, not
their prose — the assumption the full build's site-wide page keys already rest on
(``_LazyRenderer.site_pages_key``). So when the only change since the last build is the prose of a
few reports, with their metadata, cells, line numbers and diagnostics unchanged, the files that
change are exactly:

- each edited report's page (``<year>/<slug>/index.html``);
- the search index files touching those reports' text (:func:`govsite.search.update_index`).

Every full build records a :class:`Snapshot`: the inputs it was made from, each report's metadata
(enough for the navigation, the agency's history links and the breadcrumbs) and its *non-prose
signature* (every field but the body, and its load/check diagnostics). A rebuild whose settings,
templates, code and file list are unchanged, and whose changed reports all keep their signature,
renders the changed pages against a site index of lightweight stubs (:class:`Stub`, metadata only)
and patches them into the output folder (:class:`govsite.write.Patch`). Anything else — a stub's
cells or prose needed after all, a search index that cannot be patched, an output file not as the
last build left it — returns ``None`` and the caller runs the full build. The result is the same
bytes either way (``tests/test_delta.py`` compares with cold builds).
"""

from __future__ import annotations

import hashlib
import os
import pickle
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .cache import BuildCache, digest, file_hash, search_text_key
from .check import check_report
from .config import Config
from .diagnostics import Diagnostic, GovsiteError
from .formats import FORMATS
from .load import load_report
from .model import Report
from .render import Renderer, SiteIndex, search_text
from .search import SearchDoc
from .search.update import update_index
from .templates import use_bytecode_cache
from .write import Patch, os_error_message

#: Above this many changed reports the full build (parallel, with its own reuse) is as quick.
MAX_CHANGED = 32

#: The fields of :class:`Report` a stub carries, in this order: all but the cells, lines and prose.
STUB_FIELDS = ("path", "slug", "year", "agency", "format", "title", "region", "level", "published",
               "source_url", "index_no", "doc_no", "missing", "body_line")


class NeedsFull(Exception):
    """A stub's cells, lines or prose were asked for: the fast path does not apply."""


def _needs_full(self: Any) -> Any:
    raise NeedsFull()


class Stub(Report):
    """A report known by its metadata only (a :class:`Report` without cells, lines or prose).

    Made without ``__init__``; reading ``values``, ``lines`` or ``body`` raises :class:`NeedsFull`,
    so a page that needs more than metadata can never be rendered wrong from a stub.
    """

    values = property(_needs_full)  # type: ignore[assignment]
    lines = property(_needs_full)  # type: ignore[assignment]
    body = property(_needs_full)  # type: ignore[assignment]

    @classmethod
    def of(cls, row: tuple) -> "Stub":
        """A stub from a row of :attr:`Snapshot.stubs`."""
        stub = object.__new__(cls)
        fields = dict(zip(STUB_FIELDS, row))
        fields["format"] = FORMATS[fields["format"]]
        stub.__dict__.update(fields)
        return stub

    def __eq__(self, other: object) -> bool:
        return self is other

    def __repr__(self) -> str:
        return f"Stub({self.path!r})"

    __hash__ = object.__hash__


def stub_row(report: Report) -> tuple:
    """The metadata of a report as stored in a snapshot (the format by its version); a report made
    from a snapshot row has it already (issue 7: ~10 µs per report on every build). Not kept on
    other reports: at 100,000 reports the rows were ~20 MB more in every process of the walk."""
    known = report.__dict__.get("_stub_row")
    if known is not None:
        return known
    return tuple(report.format.version if f == "format" else getattr(report, f) for f in STUB_FIELDS)


def signature(report: Report, diags: list[Diagnostic]) -> str:
    """Everything of a parsed report except its prose, with its load/check diagnostics: equal
    signatures mean every page but the report's own shows the same thing."""
    # repr, not pickle: pickle output depends on which equal objects are shared (a compacted
    # report shares rows and strings); rows as tuples, the same for a fresh and a compacted report.
    values = [(k, tuple(v)) for k, v in report.values.items()]
    data = repr((stub_row(report), values, list(report.lines.items()), diags)).encode("utf-8")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass
class Snapshot:
    """What the last full build was made of, for the fast path of the next one."""

    base: str  # digest of everything but the reports: settings, templates, code, static files, options
    inputs: dict[str, str | None]  # shown path → input hash (``_Input.hash``)
    stubs: list[tuple]  # ``stub_row`` of every report, in the order of ``Site.reports``
    sigs: dict[str, str]  # report path → :func:`signature`
    problems: dict[str, list[Diagnostic]]  # report path → all its diagnostics (site rules too)
    others: list[Diagnostic]  # diagnostics of files that gave no report
    shape: str  # ``_LazyRenderer.shape``: a report page's key starts from it
    doc_ids: dict[str, int] = field(default_factory=dict)  # report path → search document id


#: The snapshot's fields that grow with the site: stored in chunks of rows (one pickle of 100,000
#: rows keeps a memo entry for each of their ~1.5 million objects, and one blob of all of them is
#: copied twice more on its way into SQLite: ~100 MB at the end of a 100k build, issue 7).
PACKED = ("inputs", "stubs", "sigs", "doc_ids")
CHUNK_ROWS = 2000


def pack(snapshot: Snapshot) -> tuple[dict[str, Any], dict[str, Iterator[bytes]]]:
    """The snapshot as a small head and, per packed field, a stream of pickled chunks of rows."""
    head = {k: v for k, v in snapshot.__dict__.items() if k not in PACKED}

    def chunks(value: Any) -> Iterator[bytes]:
        rows = list(value.items()) if isinstance(value, dict) else value
        for i in range(0, len(rows), CHUNK_ROWS):
            yield pickle.dumps(rows[i:i + CHUNK_ROWS], protocol=pickle.HIGHEST_PROTOCOL)

    return head, {name: chunks(getattr(snapshot, name)) for name in PACKED}


def unpack(head: dict[str, Any], parts: dict[str, list[bytes]]) -> Snapshot | None:
    """The snapshot :func:`pack` stored; None when it is incomplete or from another layout."""
    fields = dict(head)
    for name in PACKED:
        if name not in parts:
            return None
        rows = [row for chunk in parts[name] for row in pickle.loads(chunk)]
        fields[name] = rows if name == "stubs" else dict(rows)
    try:
        return Snapshot(**fields)
    except TypeError:
        return None


def doc_ids(reports: list[Report]) -> dict[str, int]:
    """Each report's id in the search index (``doc_sort_key`` order)."""
    order = sorted(reports, key=lambda r: (-r.year, tuple(r.region), r.agency, r.url))
    return {r.path: i for i, r in enumerate(order)}


@dataclass
class DeltaOutcome:
    """What the fast path did."""

    reports: list[Report]
    diagnostics: list[Diagnostic]
    parsed: int
    rendered: int
    pages: int
    bytes: int


def try_delta(*, root: Path, cfg: Config, out: Path, cache: BuildCache, snapshot: Snapshot, base: str,
              inputs: list[Any], build_key: str, code_fp: str,
              lock: AbstractContextManager[Any] = nullcontext()) -> DeltaOutcome | None:
    """Rebuild after prose-only edits by patching the output; ``None`` when that does not apply.

    ``inputs`` are the build's ``_Input`` records (shown path, input hash, content hash). Nothing is
    written when ``None`` is returned. ``lock`` is held while the files move into ``out``.
    """
    if snapshot.base != base or [i.shown for i in inputs] != list(snapshot.inputs):
        return None
    changed = [i for i in inputs if snapshot.inputs[i.shown] != i.hash]
    if not changed or len(changed) > MAX_CHANGED or any(i.hash is None for i in changed):
        return None
    last = cache.get_meta("last_build")
    search_meta = cache.get_meta("search")
    if not last or last.get("path") != os.path.abspath(out) or not search_meta or not search_meta.get("state"):
        return None

    # Parse the changed reports; each must keep its signature.
    parsed: dict[str, tuple[Report, list[Diagnostic], str]] = {}
    for i in changed:
        report, diags = load_report(i.path, root)
        if report is None:
            return None
        diags = diags + check_report(report)
        if signature(report, diags) != snapshot.sigs.get(i.shown) or file_hash(i.path) != i.content:
            return None  # non-prose change (or saved again meanwhile): the full build sees it all
        i.key = digest(code_fp, i.hash)  # the builder's parse key (Builder._load): path and content
        parsed[i.shown] = (report, diags, i.key)

    reports: list[Report] = [parsed[row[0]][0] if row[0] in parsed else Stub.of(row) for row in snapshot.stubs]
    index = SiteIndex(cfg, reports, problems=snapshot.problems)
    renderer = Renderer(index)
    use_bytecode_cache(renderer.env, cache.dir / "templates")
    hashes = {i.shown: i.hash for i in inputs}
    pages: dict[str, bytes] = {}
    page_keys: dict[str, str] = {}
    try:
        for path, (report, _, _) in sorted(parsed.items()):
            rel = f"{report.url}index.html"
            pages[rel] = renderer.report_page(report)
            errors = [(d.line, d.rule, d.message) for d in snapshot.problems.get(path, []) if d.is_error]
            family = [(r.path, hashes.get(r.path)) for r in index.by_agency.get(report.agency, [])]
            page_keys[rel] = digest(snapshot.shape, path, hashes.get(path), errors, family)
    except NeedsFull:
        return None

    # The search documents of the changed reports, by id (ids do not move: metadata is unchanged).
    docs: dict[int, SearchDoc] = {}
    texts: dict[str, str] = {}
    for path, (report, _, key) in parsed.items():
        text = search_text(report)
        texts[search_text_key(key)] = text
        docs[snapshot.doc_ids[path]] = SearchDoc(url=report.url, title=report.title, agency=report.agency,
                                                 year=report.year, region=report.region, level=report.level,
                                                 text=text)

    patch = Patch(out)
    try:
        (patch.dir / "search").mkdir()
        stats = update_index(out / "search", patch.dir / "search", search_meta["state"], docs)
        if stats is None:
            patch.abort()
            return None
        touched = [f"search/{rel}" for rel in stats.written] + sorted(pages)
        # Files read or replaced must be exactly what the last build left (else, full build).
        state_before = cache.output_stats(touched)
        for rel in touched:
            try:
                st = os.lstat(out / rel)
            except OSError:
                patch.abort()
                return None
            if state_before.get(rel) != (st.st_size, st.st_mtime_ns, st.st_ino):
                patch.abort()
                return None
        for rel, data in pages.items():
            patch.write(rel, data)
        with lock:
            patch.commit()
    except BaseException:
        patch.abort()
        raise

    # Record what the output holds now, so that the next build (fast, no-op or full) trusts it.
    records: dict[str, tuple[str, int, int]] = {}
    state_after: dict[str, tuple[int, int, int]] = {}
    size_delta = 0
    for rel in touched:
        try:
            st = os.lstat(out / rel)
        except OSError as exc:
            raise GovsiteError(os_error_message(exc, "读取", str(out / rel), unchanged=False)) from None
        size_delta += st.st_size - state_before[rel][0]
        state_after[rel] = (st.st_size, st.st_mtime_ns, st.st_ino)
        if rel in page_keys:
            records[rel] = (page_keys[rel], st.st_size, st.st_mtime_ns)
    cache.save_output_state(state_after, replace=False)
    cache.update_pages(records)
    cache.put_parsed([(key, pickle.dumps((report, diags), protocol=pickle.HIGHEST_PROTOCOL))
                      for report, diags, key in parsed.values()])
    cache.put_search_texts(texts)
    report_paths = sorted(p for p in hashes if p in snapshot.sigs)
    cache.set_meta("search", {"key": digest("search", code_fp, [(p, hashes[p]) for p in report_paths]),
                              "state": stats.state})
    overlay = cache.get_meta("snapshot_inputs") or {}
    overlay.update({i.shown: i.hash for i in changed})
    cache.set_meta("snapshot_inputs", overlay)
    pages_total, bytes_total = last["pages"], last["bytes"] + size_delta
    cache.set_meta("last_build", {"key": build_key, "path": os.path.abspath(out),
                                  "pages": pages_total, "bytes": bytes_total})
    diagnostics = [d for ds in snapshot.problems.values() for d in ds] + snapshot.others
    return DeltaOutcome(reports, diagnostics, len(parsed), len(pages), pages_total, bytes_total)
