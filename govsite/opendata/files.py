"""The data files, each a pure function of the reports and check results it reads, returning bytes.

- :func:`report_json` — one report: metadata, check results, and its cells nested as their keys
  read (``cells["applications"]["new_requests"]["natural_person"]``).
- :func:`report_csv` — one report in long form: ``key, row, column, value``.
- :func:`year_csv` — one year in wide form: a row per report, a column per cell key, and the counts
  of errors and warnings.
- :func:`year_checks` — one year's check results: a row per result, with the cells it concerns.
- :func:`export_csv` / :func:`export_json` — ``govsite export``: the same rows and documents for
  any set of reports.

Values exactly as stored: counts as integers, amounts as their decimal text. A cell the source
left blank is ``""``; a cell of a table or field the report does not give is ``null`` in JSON;
both are empty in CSV.
"""

from __future__ import annotations

import json
import operator
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable, Mapping, Sequence

from ..diagnostics import Diagnostic
from ..formats import FORMATS
from ..model import META_KEYS, Report, Value, meta_json, meta_text
from .codebook import Cell, equation_cells, field_cells, format_cells, keys_of
from .columns import CHECK_COLUMNS, EXPORT_COLUMNS, LONG_COLUMNS, META_COLUMNS, YEAR_META_KEYS
from .safecsv import csv_bytes, csv_text, safe_text

SCHEMA = "govsite-report/2"

def _names(columns: tuple[tuple[str, str], ...]) -> list[str]:
    return [c for c, _ in columns]


# --- cells -----------------------------------------------------------------------------------------
#
# A report's files are its values in the fixed frame of its format: the keys and labels of a long
# CSV, the nesting of report.json, the columns of a year CSV. Each frame is made once per format
# version as text (:class:`_Frame`); a report's file is then its values, encoded one by one, put in
# the frame. Values are encoded as :mod:`csv` (QUOTE_MINIMAL, CRLF) and :mod:`json` would write
# them; ``tests/test_opendata.py`` compares the two.


class _Missing:
    """The value of a cell whose field the report does not give."""

    __slots__ = ()


MISSING = _Missing()
_CSV_SPECIAL = frozenset(',"\r\n')  # what makes csv.writer quote a field (QUOTE_MINIMAL, CRLF)


def csv_field(value: object) -> str:
    """One CSV field as :func:`.safecsv.csv_text` writes it: ``None`` and a missing cell empty,
    formula-like text prefixed, text with separators quoted."""
    if type(value) is int:
        return str(value)
    if value is None or value is MISSING:
        return ""
    text = str(safe_text(value))
    if _CSV_SPECIAL.isdisjoint(text):
        return text
    return '"' + text.replace('"', '""') + '"'


def _encoded(values: list, memo: dict, encode: Callable[[object], str]) -> list[str]:
    """``values`` encoded by ``encode``, each distinct value once (``memo``: value → text, kept by
    the caller for the values of one file, most of which repeat: 0, 1, 2 …)."""
    try:
        return [memo[v] for v in values]
    except KeyError:
        for v in values:
            if v not in memo:
                memo[v] = encode(v)
        return [memo[v] for v in values]


def _json_value(value: object) -> str:
    if type(value) is int:
        return str(value)
    if value is MISSING:
        return "null"
    return json.dumps("" if value is None else value, ensure_ascii=False)


@dataclass(frozen=True)
class _Frame:
    """The fixed text of one format version's files."""

    runs: tuple[tuple[str, int], ...]  # ("table.field", width) in cell order
    long_lines: tuple[str, ...]  # per cell: ``key,row,column,`` of the long CSV
    cells_json: str  # report.json's ``cells``, ``%s`` for each value in cell order


def cell_labels(cell: Cell) -> tuple[str, str]:
    """The row and column labels a long CSV gives a cell: the lowest official labels (the key and
    the codebook give the whole path)."""
    return (cell.row[-1] if cell.row else cell.short), cell.column.label


@lru_cache(maxsize=None)
def _frame(version: str) -> _Frame:
    cells = format_cells(FORMATS[version])
    runs: list[tuple[str, int]] = []
    for c in cells:
        if runs and runs[-1][0] == c.field:
            runs[-1] = (c.field, runs[-1][1] + 1)
        else:
            runs.append((c.field, 1))
    lines = tuple(",".join(csv_field(t) for t in (c.key, *cell_labels(c))) + "," for c in cells)
    nested: dict[str, dict[str, dict[str, str]]] = {}
    for n, c in enumerate(cells):
        table, field, column = c.key.split(".")
        nested.setdefault(table, {}).setdefault(field, {})[column] = f"@{n}@"
    text = json.dumps(nested, ensure_ascii=False, separators=(",", ":")).replace("%", "%%")
    return _Frame(tuple(runs), lines, re.sub(r'"@[0-9]+@"', "%s", text))


def flat_values(report: Report) -> list[Value | _Missing]:
    """The value of every cell of ``report`` in cell order (:func:`.codebook.format_cells`):
    :data:`MISSING` where the report lacks the field, ``None`` where the source cell is blank."""
    out: list[Value | _Missing] = []
    values = report.values
    for field, width in _frame(report.format.version).runs:
        vals = values.get(field)
        if vals is None:
            out += [MISSING] * width
        elif len(vals) == width:
            out += vals
        else:  # not the format's width: each cell that is there
            out += [vals[i] if i < len(vals) else MISSING for i in range(width)]
    return out


def long_lines(report: Report) -> list[str]:
    """The long-form lines of ``report`` (no line ends): key, row label, column label, value."""
    texts = _encoded(flat_values(report), {}, csv_field)
    return [line + text for line, text in zip(_frame(report.format.version).long_lines, texts)]


def cells_json(report: Report) -> str:
    """The cells of ``report`` as JSON, nested as their keys read: table → field → column → value
    (``""`` for a blank cell, ``null`` where the report lacks the field)."""
    return _frame(report.format.version).cells_json % tuple(_encoded(flat_values(report), {}, _json_value))


# --- check results ---------------------------------------------------------------------------------


def check_cells(report: Report, diag: Diagnostic) -> tuple[str, ...]:
    """The keys of the cells a check result concerns: the cells of the broken equation (R1–R4),
    else those of the field on the result's line, else none."""
    fmt = report.format
    context = diag.message.partition("：")[0]
    cells = equation_cells(fmt.version, diag.rule, context)
    if cells:
        return cells
    out: list[str] = []
    for key, line in report.lines.items():
        if line == diag.line and "." in key:
            try:
                out += field_cells(fmt, key)
            except KeyError:  # a metadata key with a dot, or a field of another format
                continue
    return tuple(out)


def check_records(report: Report, diagnostics: Sequence[Diagnostic]) -> list[dict[str, object]]:
    """The check results of ``report`` as records: rule, severity, cells, message."""
    return [{"rule": d.rule, "severity": d.severity, "cells": list(check_cells(report, d)), "message": d.message}
            for d in diagnostics]


def _counts(diagnostics: Sequence[Diagnostic]) -> tuple[int, int]:
    errors = sum(1 for d in diagnostics if d.is_error)
    return errors, len(diagnostics) - errors


# --- per report ------------------------------------------------------------------------------------


def report_document(report: Report, diagnostics: Sequence[Diagnostic]) -> dict[str, object]:
    """What ``report.json`` holds before its cells (:func:`cells_json`), as a dict."""
    errors, warnings = _counts(diagnostics)
    return {
        "schema": SCHEMA,
        "year": report.year,
        "slug": report.slug,
        "agency": report.agency,
        **{m.key: _meta_value(report, m.key) for m in META_KEYS if m.key not in ("year", "agency")},
        "errors": errors,
        "warnings": warnings,
        "checks": check_records(report, diagnostics),
    }


def _meta_value(report: Report, key: str) -> object:
    """A metadata value as report.json gives it (the format by its version)."""
    value = meta_json(report, key)
    return value["version"] if key == "format" else value


def _report_text(report: Report, diagnostics: Sequence[Diagnostic]) -> str:
    """report.json's text without its line end."""
    head = json.dumps(report_document(report, diagnostics), ensure_ascii=False, separators=(",", ":"))
    return head[:-1] + ',"cells":' + cells_json(report) + "}"


def report_json(report: Report, diagnostics: Sequence[Diagnostic]) -> bytes:
    """``report.json``: metadata, check results and cells of one report (compact JSON)."""
    return (_report_text(report, diagnostics) + "\n").encode("utf-8")


_LONG_HEAD = csv_text(_names(LONG_COLUMNS), [])


def report_csv(report: Report) -> bytes:
    """``report.csv``: the cells of one report in long form (UTF-8 with BOM)."""
    return (_LONG_HEAD + "".join(line + "\r\n" for line in long_lines(report))).encode("utf-8")


# --- per year --------------------------------------------------------------------------------------


def _meta(report: Report) -> list[object]:
    return [report.year, report.slug, report.agency]


def _meta_text(report: Report) -> str:
    return ",".join(csv_field(v) for v in _meta(report))


@lru_cache(maxsize=None)
def _wide_picker(version: str, keys: tuple[str, ...]) -> Callable[[list[str]], tuple[str, ...]]:
    """Takes the encoded cells of a ``version`` report, plus one empty text at the end, to the
    columns ``keys`` (the empty text where the format has no such cell)."""
    position = {c.key: n for n, c in enumerate(format_cells(FORMATS[version]))}
    absent = len(position)
    return operator.itemgetter(*[position.get(k, absent) for k in keys], absent)


def year_rows(reports: Sequence[Report], problems: Mapping[str, Sequence[Diagnostic]]) -> tuple[list[str], list[str]]:
    """The header of a year CSV and each report's line in it (CSV text, CRLF-ended)."""
    keys = tuple(keys_of({r.format for r in reports}))
    lines = []
    memo: dict = {}
    for r in reports:
        errors, warnings = _counts(problems.get(r.path, ()))
        meta = [*(meta_text(r, key) for key in YEAR_META_KEYS), errors, warnings]
        cells = _wide_picker(r.format.version, keys)(_encoded(flat_values(r), memo, csv_field) + [""])
        lines.append(",".join((_meta_text(r), *map(csv_field, meta), *cells[:-1])) + "\r\n")
    return _names(META_COLUMNS) + list(keys), lines


def year_csv(year: int, reports: Sequence[Report], problems: Mapping[str, Sequence[Diagnostic]]) -> bytes:
    """``data/<year>.csv``: one row per report of ``year``, its metadata, its numbers of errors and
    warnings (``problems`` by report path) and one column per cell key of the year's formats."""
    header, lines = year_rows(reports, problems)
    return (csv_text(header, []) + "".join(lines)).encode("utf-8")


def year_checks(year: int, reports: Sequence[Report], problems: Mapping[str, Sequence[Diagnostic]]) -> bytes:
    """``data/<year>-checks.csv``: every check result of the reports of ``year``."""
    rows = []
    for r in reports:
        for rec in check_records(r, problems.get(r.path, ())):
            rows.append(_meta(r) + [rec["rule"], rec["severity"], " ".join(rec["cells"]), rec["message"]])  # type: ignore[arg-type]
    return csv_bytes(_names(CHECK_COLUMNS), rows)


# --- govsite export --------------------------------------------------------------------------------

def export_csv(reports: Iterable[Report], bom: bool = True) -> bytes:
    """The long CSV of ``reports``: each report's :func:`report_csv` lines after its year, slug and
    agency."""
    out = [csv_text(_names(EXPORT_COLUMNS), [], bom=bom)]
    for r in reports:
        meta = _meta_text(r) + ","
        out += [meta + line + "\r\n" for line in long_lines(r)]
    return "".join(out).encode("utf-8")


def export_json(reports: Iterable[Report], problems: Mapping[str, Sequence[Diagnostic]]) -> bytes:
    """A JSON array of the reports' :func:`report_json` documents."""
    return ("[" + ",".join(_report_text(r, problems.get(r.path, ())) for r in reports) + "]\n").encode("utf-8")
