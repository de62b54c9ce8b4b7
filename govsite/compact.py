"""Holding an archive's reports in memory cheaply (issue 7: 100,000 reports in ≤ 500 MB).

A parsed :class:`~govsite.model.Report` costs ~10.6 KB in memory (measured on the bench corpus):
~3 KB of prose, ~4.9 KB of cells, ~1.6 KB of line numbers. The build keeps every report of the
site for the site-wide pages, but only two things read the prose: the report's own page and its
search text. So :class:`Compactor`, applied to each report the builder keeps:

- moves the prose to a spool file (:class:`BodySpool`) and reads it back on demand
  (:class:`SpooledReport`; forked worker processes inherit the file and read it with ``pread``);
- keeps the cells as :class:`Cells` (keys once per layout, rows in a tuple) and shares equal rows
  (``[0, 0, 0, 0, 0, 0, 0]`` is one object for the whole site) and equal line-number tables (files
  made by ``govsite new`` or ``import`` share one layout);
- interns the strings every report repeats (keys, regions, agencies, levels).

A compacted report reads exactly like the original (rows are tuples instead of lists; nothing in
govsite changes a report after loading). Pickled, it becomes a plain :class:`Report` again.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator, Mapping
from typing import Any

from .diagnostics import Diagnostic
from .model import Report


class BodySpool:
    """An unlinked temporary file of UTF-8 texts, appended once and read by offset."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="govsite-prose-")
        self._fd = self._file.fileno()
        self._end = 0

    def put(self, text: str) -> tuple[int, int]:
        """Store ``text``; returns where it is (offset, byte length)."""
        data = text.encode("utf-8")
        at = self._end
        written = 0
        while written < len(data):
            written += os.pwrite(self._fd, data[written:], at + written)
        self._end += len(data)
        return at, len(data)

    def get(self, where: tuple[int, int]) -> str:
        """The text stored at ``where``."""
        at, size = where
        data = os.pread(self._fd, size, at)
        while len(data) < size:  # pread may return less than asked near a signal
            data += os.pread(self._fd, size - len(data), at + len(data))
        return data.decode("utf-8")

    def close(self) -> None:
        """Remove the file (compacted reports that use it can no longer read their prose)."""
        self._file.close()


class Cells(Mapping):
    """A report's cells as a read-only mapping, field key → row (a tuple).

    The keys and their order are held once per layout (the reports of one format with the same
    fields share one index), the rows in one tuple: ~0.2 KB per report instead of a ~1.2 KB dict
    (issue 7: 100k reports). Reads like the dict it replaces; pickles as a plain dict.
    """

    __slots__ = ("_index", "_rows")

    def __init__(self, index: dict[str, int], rows: tuple) -> None:
        self._index = index
        self._rows = rows

    def __getitem__(self, key: str) -> tuple:
        return self._rows[self._index[key]]

    def get(self, key: str, default: Any = None) -> Any:
        i = self._index.get(key)
        return default if i is None else self._rows[i]

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._rows)

    def items(self) -> list[tuple[str, tuple]]:  # type: ignore[override]
        return list(zip(self._index, self._rows))

    def values(self) -> tuple:  # type: ignore[override]
        return self._rows

    def __repr__(self) -> str:
        return repr(dict(self.items()))

    def __reduce__(self) -> tuple:
        return (dict, (self.items(),))


def _plain(fields: dict[str, Any]) -> Report:
    report = object.__new__(Report)
    report.__dict__.update(fields)
    return report


class SpooledReport(Report):
    """A report whose prose lives in a :class:`BodySpool` (made by :class:`Compactor`, never directly)."""

    @property  # type: ignore[override]
    def body(self) -> str:
        return self.__dict__["_spool"].get(self.__dict__["_body_at"])

    def __reduce__(self) -> tuple:
        # Into the cache or another process as a plain Report, prose included.
        fields = {k: v for k, v in self.__dict__.items() if k not in ("_spool", "_body_at")}
        fields["body"] = self.body
        fields["values"] = {k: list(v) for k, v in self.values.items()}
        fields["lines"] = dict(self.lines)
        return (_plain, (fields,))


class Compactor:
    """Compacts the reports of one :class:`~govsite.build.Builder` (see the module docstring)."""

    def __init__(self) -> None:
        self.spool = BodySpool()
        self._rows: dict[tuple, tuple] = {}
        self._lines: dict[tuple, dict[str, int]] = {}
        self._indexes: dict[tuple, dict[str, int]] = {}  # kept across builds: reports keep theirs

    def compact(self, parsed: tuple[Report | None, list[Diagnostic]]) -> tuple[Report | None, list[Diagnostic]]:
        """The same ``(report, diagnostics)``, the report compacted in place."""
        report = parsed[0]
        if report is None or isinstance(report, SpooledReport):
            return parsed
        intern = sys.intern
        rows = self._rows
        # Strings are interned only for a layout or line table not seen before: a known one is
        # found by equality and shared as it is (issue 7: ~1.2 million interns at 10,000 reports).
        keys = tuple(report.values)
        index = self._indexes.get(keys)
        if index is None:
            keys = tuple(intern(k) for k in keys)
            index = self._indexes[keys] = {k: i for i, k in enumerate(keys)}
        cells = []
        for v in report.values.values():
            row = tuple(v)
            cells.append(rows.setdefault(row, row))
        report.values = Cells(index, tuple(cells))
        line_items = tuple(report.lines.items())
        lines = self._lines.get(line_items)
        if lines is None:
            lines = {intern(k): v for k, v in line_items}
            self._lines[tuple(lines.items())] = lines
        report.lines = lines
        report.region = tuple(intern(r) for r in report.region)
        report.agency = intern(report.agency)
        report.level = intern(report.level)
        where = self.spool.put(report.__dict__.pop("body"))
        report.__dict__["_spool"] = self.spool
        report.__dict__["_body_at"] = where
        report.__class__ = SpooledReport
        return parsed

    def forget_unused(self) -> None:
        """Drop the shared rows and line tables (after a build: kept reports keep theirs)."""
        self._rows.clear()
        self._lines.clear()
