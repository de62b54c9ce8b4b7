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
from typing import Iterable, Iterator, Mapping, Sequence

from ..diagnostics import Diagnostic
from ..formats import Format
from ..model import Report, Value
from .codebook import Cell, equation_cells, field_cells, format_cells, keys_of
from .safecsv import csv_bytes

SCHEMA = "govsite-report/2"

#: The columns of a report's long CSV.
LONG_COLUMNS: tuple[tuple[str, str], ...] = (
    ("key", "单元格键（见代码本 codebook）"),
    ("row", "行的官方标签（最末一级）"),
    ("column", "列的官方标签（最末一级）"),
    ("value", "数值：计数为整数，金额为原样的十进制文本；原文空白或未填报为空"),
)

#: The columns that say which report a row is about (year CSVs, checks, ``govsite export``).
REPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("year", "报告年度"),
    ("slug", "报告标识（网址中的名称）"),
    ("agency", "机关全称"),
)

#: The metadata columns of a year's wide CSV, before the cell columns.
META_COLUMNS: tuple[tuple[str, str], ...] = REPORT_COLUMNS + (
    ("format", "报告格式版本（2019 或 2021）"),
    ("region", "行政区划，各级以 / 分隔"),
    ("level", "机关层级"),
    ("published", "发布日期（年-月-日，未知则为空）"),
    ("errors", "校验错误数"),
    ("warnings", "校验警告数"),
)

#: The columns of a year's checks file.
CHECK_COLUMNS: tuple[tuple[str, str], ...] = REPORT_COLUMNS + (
    ("rule", "规则编号（见数据说明页）"),
    ("severity", "级别：error 错误，warning 警告"),
    ("cells", "涉及的单元格键，以空格分隔（不涉及具体单元格则为空）"),
    ("message", "校验结果说明"),
)


def _names(columns: tuple[tuple[str, str], ...]) -> list[str]:
    return [c for c, _ in columns]


# --- cells -----------------------------------------------------------------------------------------


class _Missing:
    """The value of a cell whose field the report does not give."""

    __slots__ = ()


MISSING = _Missing()


def cell_values(report: Report) -> Iterator[tuple[Cell, Value | _Missing]]:
    """Every cell of ``report`` with its value: ``""`` for a blank cell, :data:`MISSING` where the
    report lacks the field."""
    values = report.values
    for cell in format_cells(report.format):
        vals = values.get(cell.field)
        if vals is None:
            yield cell, MISSING
        else:
            v = vals[cell.index]
            yield cell, "" if v is None else v


def _csv_value(v: Value | _Missing) -> Value:
    return "" if v is MISSING else v  # type: ignore[return-value]


def cell_labels(cell: Cell) -> tuple[str, str]:
    """The row and column labels a long CSV gives a cell: the lowest official labels (the key and
    the codebook give the whole path)."""
    return (cell.row[-1] if cell.row else cell.short), cell.column.label


def long_rows(report: Report) -> Iterator[list[Value]]:
    """The long-form rows of ``report``: key, row label, column label, value."""
    for cell, v in cell_values(report):
        row, column = cell_labels(cell)
        yield [cell.key, row, column, _csv_value(v)]


def nested_cells(report: Report) -> dict[str, dict[str, dict[str, Value]]]:
    """The cells of ``report`` nested as their keys read: table → field → column → value."""
    out: dict[str, dict[str, dict[str, Value]]] = {}
    for cell, v in cell_values(report):
        table, field, column = cell.key.split(".")
        out.setdefault(table, {}).setdefault(field, {})[column] = None if v is MISSING else v  # type: ignore[assignment]
    return out


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
    """What ``report.json`` holds, as a dict."""
    errors, warnings = _counts(diagnostics)
    return {
        "schema": SCHEMA,
        "year": report.year,
        "slug": report.slug,
        "agency": report.agency,
        "title": report.title,
        "format": report.format.version,
        "region": list(report.region),
        "level": report.level,
        "published": report.published.isoformat() if report.published else None,
        "source_url": report.source_url,
        "index_no": report.index_no,
        "doc_no": report.doc_no,
        "missing": list(report.missing),
        "errors": errors,
        "warnings": warnings,
        "checks": check_records(report, diagnostics),
        "cells": nested_cells(report),
    }


def _json(doc: object) -> bytes:
    return (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def report_json(report: Report, diagnostics: Sequence[Diagnostic]) -> bytes:
    """``report.json``: metadata, check results and cells of one report (compact JSON)."""
    return _json(report_document(report, diagnostics))


def report_csv(report: Report) -> bytes:
    """``report.csv``: the cells of one report in long form (UTF-8 with BOM)."""
    return csv_bytes(_names(LONG_COLUMNS), long_rows(report))


# --- per year --------------------------------------------------------------------------------------


def _meta(report: Report) -> list[object]:
    return [report.year, report.slug, report.agency]


def _wide_picker(fmt: Format, keys: list[str]) -> list[int | None]:
    """For each of ``keys``, the position of its cell among ``fmt``'s cells (None: not in ``fmt``)."""
    position = {c.key: n for n, c in enumerate(format_cells(fmt))}
    return [position.get(k) for k in keys]


def year_table(reports: Sequence[Report],
               problems: Mapping[str, Sequence[Diagnostic]]) -> tuple[list[str], list[list[object]]]:
    """The header and rows of :func:`year_csv`."""
    keys = keys_of({r.format for r in reports})
    pickers: dict[str, list[int | None]] = {}
    rows = []
    for r in reports:
        picker = pickers.get(r.format.version)
        if picker is None:
            picker = pickers[r.format.version] = _wide_picker(r.format, keys)
        cells = [_csv_value(v) for _, v in cell_values(r)]
        errors, warnings = _counts(problems.get(r.path, ()))
        meta = _meta(r) + [r.format.version, " / ".join(r.region), r.level,
                           r.published.isoformat() if r.published else "", errors, warnings]
        rows.append(meta + ["" if p is None else cells[p] for p in picker])
    return _names(META_COLUMNS) + keys, rows


def year_csv(year: int, reports: Sequence[Report], problems: Mapping[str, Sequence[Diagnostic]]) -> bytes:
    """``data/<year>.csv``: one row per report of ``year``, its metadata, its numbers of errors and
    warnings (``problems`` by report path) and one column per cell key of the year's formats."""
    return csv_bytes(*year_table(reports, problems))


def year_checks(year: int, reports: Sequence[Report], problems: Mapping[str, Sequence[Diagnostic]]) -> bytes:
    """``data/<year>-checks.csv``: every check result of the reports of ``year``."""
    rows = []
    for r in reports:
        for rec in check_records(r, problems.get(r.path, ())):
            rows.append(_meta(r) + [rec["rule"], rec["severity"], " ".join(rec["cells"]), rec["message"]])  # type: ignore[arg-type]
    return csv_bytes(_names(CHECK_COLUMNS), rows)


# --- govsite export --------------------------------------------------------------------------------

EXPORT_COLUMNS: tuple[tuple[str, str], ...] = REPORT_COLUMNS + LONG_COLUMNS


def export_csv(reports: Iterable[Report], bom: bool = True) -> bytes:
    """The long CSV of ``reports``: each report's :func:`report_csv` rows after its year, slug and
    agency."""
    rows = (_meta(r) + row for r in reports for row in long_rows(r))
    return csv_bytes(_names(EXPORT_COLUMNS), rows, bom=bom)


def export_json(reports: Iterable[Report], problems: Mapping[str, Sequence[Diagnostic]]) -> bytes:
    """A JSON array of the reports' :func:`report_json` documents."""
    return _json([report_document(r, problems.get(r.path, ())) for r in reports])
