"""Loading only what changed (issue 7): the reports of a full build after a few content edits.

After a cell edit in a 10,000-report archive, the full build loaded every report from the parse
cache (~0.65 s of a ~2.2 s build) although the pages it renders again need the cells of a few
hundred at most: those of the edited report's agency, year and regions. When the last build's
snapshot was made with the same code, templates and settings, the unchanged reports are taken as
:class:`LazyReport` — the snapshot's metadata, their cells, line numbers and prose read from the
parse cache on first use, in whichever process uses them — and their problems are the snapshot's.
Only the agencies of the changed reports are checked again across files (rule R6 and the
duplicate and year-folder rules never look beyond one agency).

:func:`lazy_site` returns None whenever this does not apply (the file list or any report's
metadata changed, too many reports changed, a changed file cannot be parsed); the caller then loads
every report. The pages come out the same either way (``tests/test_cache.py``).
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import threading
from dataclasses import dataclass
from typing import Any, Callable

from .check import check_site
from .compact import Compactor
from .delta import STUB_FIELDS, Snapshot, stub_row
from .diagnostics import Diagnostic, GovsiteError
from .formats import FORMATS
from .model import Report

#: Above this many changed reports the whole site is loaded (the pages to render again would need
#: most reports anyway, and each worker would load them for itself).
MAX_CHANGED = 64

#: (process, thread, cache file) → connection: an SQLite connection must not cross a fork, and
#: belongs to the thread that made it (the search index may read prose in a thread of its own).
_CONNECTIONS: dict[tuple[int, int, str], sqlite3.Connection] = {}
_COMPACTORS: dict[int, Compactor] = {}  # process → its compactor (forked workers have their own)


def close_readers() -> None:
    """Close this process's connections to parse caches (end of a build: the cache may be
    deleted before the next one, and a long session must not keep them open)."""
    pid = os.getpid()
    for handle in [h for h in _CONNECTIONS if h[0] == pid]:
        _CONNECTIONS.pop(handle).close()


def _read(cache_file: str, key: str) -> bytes | None:
    """The pickled parse result stored at ``key``, read through this process's own connection
    (a connection must not cross a fork)."""
    handle = (os.getpid(), threading.get_ident(), cache_file)
    db = _CONNECTIONS.get(handle)
    if db is None:
        db = _CONNECTIONS[handle] = sqlite3.connect(f"file:{cache_file}?mode=ro", uri=True, timeout=30)
    row = db.execute("SELECT data FROM parsed WHERE key=?", (key,)).fetchone()
    return row[0] if row else None


def _loaded(name: str) -> property:
    def get(self: "LazyReport") -> Any:
        fields = self.__dict__
        if name not in fields:
            self.load()
        return fields[name]
    return property(get)


class LazyReport(Report):
    """A report known by its snapshot metadata until its cells, lines or prose are read.

    Made without ``__init__``; equal only to itself (the dataclass equality would read every
    field). Loading takes the parse cache entry of the report's content (``key``); the entry is
    kept for this build by the caller, so it is there.
    """

    values = _loaded("_values")  # type: ignore[assignment]
    lines = _loaded("_lines")  # type: ignore[assignment]
    body = _loaded("_body")  # type: ignore[assignment]

    @classmethod
    def of(cls, row: tuple, key: str, cache_file: str) -> "LazyReport":
        """A lazy report from a row of :attr:`Snapshot.stubs` and its parse-cache key."""
        report = object.__new__(cls)
        fields = dict(zip(STUB_FIELDS, row))
        fields["format"] = FORMATS[fields["format"]]
        fields["_key"], fields["_cache_file"], fields["_stub_row"] = key, cache_file, row
        report.__dict__.update(fields)
        return report

    def load(self) -> None:
        """Read the cells, line numbers and prose from the parse cache (compacted, as the
        builder's own reports are: a worker may load a year of 20,000 reports at 100k)."""
        fields = self.__dict__
        data = _read(fields["_cache_file"], fields["_key"])
        if data is None:
            raise GovsiteError(f"{self.path}：构建缓存在生成期间被删除或损坏，请重新运行 govsite build")
        report, own = pickle.loads(data)
        compactor = _COMPACTORS.get(os.getpid())
        if compactor is None:
            compactor = _COMPACTORS[os.getpid()] = Compactor()
        compactor.compact((report, []))
        fields["_values"], fields["_lines"], fields["_body"] = report.values, report.lines, report.body
        fields["_own"] = own

    def own_diagnostics(self) -> list[Diagnostic]:
        """The diagnostics of the report's own file (load and check), as the parse gave them."""
        if "_own" not in self.__dict__:
            self.load()
        return self.__dict__["_own"]

    def __eq__(self, other: object) -> bool:
        return self is other

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"LazyReport({self.path!r})"


@dataclass
class LazySite:
    """What :func:`lazy_site` found: the reports in input order, every diagnostic (ordered by the
    caller), the signatures of all reports, and the changed reports' parse results by key."""

    reports: list[Report]
    diagnostics: list[Diagnostic]
    sigs: dict[str, str]
    parsed: dict[str, tuple[Report, list[Diagnostic]]]


def lazy_site(inputs: list[Any], snapshot: Snapshot, cache_file: str,
              parse: Callable[[list[Any]], dict[str, tuple[Report | None, list[Diagnostic]]] | None],
              signature: Callable[[Report, list[Diagnostic]], str],
              stored: Callable[[list[str]], set[str]]) -> LazySite | None:
    """The site's reports with the unchanged ones lazy; None when that does not apply.

    ``inputs`` are the build's ``_Input`` records (``key`` set); ``parse(changed_inputs)`` gives
    each changed input's ``(report, own diagnostics)`` by key, or None; ``stored(keys)`` says
    which keys have a parse in the cache: a report left lazy must have one.
    """
    if [i.shown for i in inputs] != list(snapshot.inputs) or any(i.key is None for i in inputs):
        return None
    changed = [i for i in inputs if snapshot.inputs[i.shown] != i.hash]
    if not changed or len(changed) > MAX_CHANGED:
        return None
    unchanged = [i.key for i in inputs if snapshot.inputs[i.shown] == i.hash]
    if len(stored(unchanged)) != len(set(unchanged)):
        return None  # a parse not in the cache (not stored, or the cache was cleared): load them all
    parsed = parse(changed)
    if parsed is None:
        return None
    rows = {row[0]: row for row in snapshot.stubs}
    fresh: dict[str, tuple[Report, list[Diagnostic]]] = {}
    for i in changed:
        report, own = parsed[i.key]
        if report is None or report.path != i.shown or rows.get(i.shown) != stub_row(report):
            return None  # a file that no longer parses, or new metadata: every page may change
        fresh[i.shown] = (report, own)

    reports: list[Report] = []
    for i in inputs:
        if i.shown in fresh:
            reports.append(fresh[i.shown][0])
        elif i.shown in rows:
            reports.append(LazyReport.of(rows[i.shown], i.key, cache_file))
        else:
            return None  # a file that gave no report last time: the full load sees it again
    # Problems: the snapshot's, except for the agencies of the changed reports, checked again
    # (their own rules from the parse, the rules across files within the agency).
    agencies = {fresh[p][0].agency for p in fresh}
    group = [r for r in reports if r.agency in agencies]
    again = {r.path for r in group}
    diagnostics = [d for p, ds in snapshot.problems.items() if p not in again for d in ds] + list(snapshot.others)
    for r in group:
        diagnostics += fresh[r.path][1] if r.path in fresh else r.own_diagnostics()  # type: ignore[attr-defined]
    diagnostics += check_site(group)
    sigs = dict(snapshot.sigs)
    for path, (report, own) in fresh.items():
        sigs[path] = signature(report, own)
    return LazySite(reports, diagnostics, sigs, {i.key: parsed[i.key] for i in changed})

