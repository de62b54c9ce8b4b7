"""Open data files of the portal (issue 6): per report, per year, and the whole archive.

- ``<year>/<slug>/report.json``: metadata and every cell, each cell the object of
  ``govsite export --format json`` without the metadata the document states once; ``report.csv``: ``govsite export --bom``.
- ``data/<year>.csv``: one row per report, one column per cell, headed by the official label path
  (the union of the format versions used that year, in format order), UTF-8 with BOM for Excel.
- ``data/govsite-data.zip``: README, every yearly CSV, and the long CSV/JSON of every report,
  built deterministically (sorted entries, fixed dates and permissions) so two builds are identical.

Every column is derived from the format descriptions; nothing here names a row or a column.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from typing import Iterable, Iterator

from .diagnostics import Diagnostic
from .export import COLUMNS, cell_rows, to_csv
from .formats import FORMATS, Format
from .model import Report

SCHEMA = "govsite-report/1"

#: Metadata columns of a yearly CSV, before the cells: (column, Chinese meaning).
META_COLUMNS: tuple[tuple[str, str], ...] = (
    ("year", "报告年度"),
    ("agency", "机关全称"),
    ("slug", "网址标识（文件名）"),
    ("format", "报告格式版本（2019 或 2021）"),
    ("region", "行政区划，各级以 / 分隔"),
    ("level", "机关层级"),
    ("published", "发布日期（YYYY-MM-DD，未知则为空）"),
)

#: Long-format columns, as ``govsite export`` writes them.
LONG_COLUMNS: tuple[tuple[str, str], ...] = (
    ("year", "报告年度"),
    ("agency", "机关全称"),
    ("slug", "网址标识（文件名）"),
    ("format", "报告格式版本"),
    ("table", "表格名称（官方表题）"),
    ("row", "行的官方标签路径，各级以 / 分隔"),
    ("column", "列的官方标签路径，各级以 / 分隔"),
    ("value", "单元格数值：计数为整数，金额为原样的十进制文本；原文空白为空"),
)
assert tuple(c for c, _ in LONG_COLUMNS) == COLUMNS

#: The keys of a cell in ``report.json``: those of ``govsite export`` minus the report's own
#: metadata (year, agency, slug, format), which the document states once.
CELL_KEYS = ("table", "row", "column", "value")

ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip can hold: no build time leaks in


@dataclass(frozen=True)
class CellColumn:
    """One cell column of a wide CSV: its header and where each format keeps the cell."""

    header: str  # official label path: 表题 / 行标签… / 列标签…
    cells: tuple[tuple[str, str, int], ...]  # (format version, "table.field", index)
    kind: str


def cell_header(table_title: str, row: tuple[str, ...], column: tuple[str, ...]) -> str:
    """The header of a cell column: the table title, row path and column path joined by `` / ``."""
    return " / ".join((table_title, *row, *column))


def format_columns(fmt: Format) -> list[tuple[str, str, int, str]]:
    """``(header, "table.field", index, kind)`` for every cell of ``fmt``, in table order."""
    out = []
    for table in fmt.tables:
        for f, i, path in table.cells():
            out.append((cell_header(path.table, path.row, path.column), f"{table.key}.{f.key}", i,
                        f.value_columns[i].kind.value))
    return out


def wide_columns(formats: Iterable[Format]) -> list[CellColumn]:
    """The union of the cell columns of ``formats``, newest format's order first.

    Cells with the same official label path in two versions (all of Table 2 and 3) share a column.
    """
    order: list[str] = []
    cells: dict[str, list[tuple[str, str, int]]] = {}
    kinds: dict[str, str] = {}
    for fmt in sorted(set(formats), key=lambda f: f.version, reverse=True):
        for header, key, index, kind in format_columns(fmt):
            if header not in cells:
                order.append(header)
                cells[header] = []
                kinds[header] = kind
            cells[header].append((fmt.version, key, index))
    return [CellColumn(h, tuple(cells[h]), kinds[h]) for h in order]


def _cell(report: Report, col: CellColumn) -> str:
    for version, key, index in col.cells:
        if version == report.format.version:
            vals = report.values.get(key)
            if vals is None or vals[index] is None:
                return ""
            return str(vals[index])
    return ""


def year_csv(reports: list[Report]) -> bytes:
    """The wide CSV of one year's reports (UTF-8 with BOM)."""
    columns = wide_columns(r.format for r in reports) if reports else wide_columns(FORMATS.values())
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([c for c, _ in META_COLUMNS] + [c.header for c in columns])
    for r in reports:
        meta = [r.year, r.agency, r.slug, r.format.version, " / ".join(r.region), r.level,
                r.published.isoformat() if r.published else ""]
        w.writerow(meta + [_cell(r, c) for c in columns])
    return buf.getvalue().encode("utf-8")


def report_csv(report: Report) -> bytes:
    """The long CSV of one report: exactly ``govsite export --bom`` of its file."""
    return to_csv([report], bom=True).encode("utf-8")


def report_json(report: Report, url: str, diagnostics: list[Diagnostic]) -> bytes:
    """``report.json``: metadata, the check results, and the cells as ``govsite export`` gives them."""
    doc = {
        "schema": SCHEMA,
        "year": report.year,
        "agency": report.agency,
        "slug": report.slug,
        "title": report.title,
        "url": url,
        "format": {"version": report.format.version, "document": report.format.document,
                   "name": report.format.name},
        "region": list(report.region),
        "level": report.level,
        "published": report.published.isoformat() if report.published else None,
        "source_url": report.source_url,
        "index_no": report.index_no,
        "doc_no": report.doc_no,
        "missing": list(report.missing),
        "checks": [{"severity": d.severity, "rule": d.rule, "line": d.line, "message": d.message}
                   for d in diagnostics],
        "cells": [{k: row[k] for k in CELL_KEYS} for row in cell_rows(report)],
    }
    return (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, whatever machine builds it
    info.external_attr = 0o644 << 16
    return info


def archive(readme: str, year_files: dict[str, bytes], reports: list[Report]) -> bytes:
    """The whole-archive zip: README, the yearly CSVs, and all cells in long CSV and JSON.

    The long files are streamed into the zip report by report, so memory holds the compressed
    archive, not the uncompressed text of every cell.
    """
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(_info("README.txt"), readme.encode("utf-8"))
        for name in sorted(year_files):
            zf.writestr(_info(name), year_files[name])
        with zf.open(_info("all.csv"), "w") as fh:
            fh.write(to_csv([], bom=True).encode("utf-8"))
            for r in reports:
                fh.write(_csv_body(r))
        with zf.open(_info("all.json"), "w") as fh:
            for chunk in _json_chunks(reports):
                fh.write(chunk)
    return buf.getvalue()


def _csv_body(report: Report) -> bytes:
    text = to_csv([report])
    return text.split("\n", 1)[1].encode("utf-8")


def _json_chunks(reports: list[Report]) -> Iterator[bytes]:
    """``govsite export --format json`` output (plus its trailing newline), report by report."""
    rows = (row for r in reports for row in cell_rows(r))
    first = next(rows, None)
    if first is None:
        yield b"[]\n"
        return
    yield ("[\n" + _indent(first)).encode("utf-8")
    for row in rows:
        yield (",\n" + _indent(row)).encode("utf-8")
    yield b"\n]\n"


def _indent(row: dict) -> str:
    """One object as ``json.dumps(list, indent=1)`` lays out an element of a list."""
    text = json.dumps(row, ensure_ascii=False, indent=1)
    return "\n".join(" " + line for line in text.split("\n"))


def readme_text(site_title: str, years: dict[int, int], report_count: int) -> str:
    """The README of the archive: what each file holds and how its columns read."""
    lines = [
        f"{site_title} · 开放数据",
        "",
        f"共 {report_count} 份报告。" + "；".join(f"{y} 年度 {n} 份" for y, n in sorted(years.items())),
        "",
        "文件：",
        "  all.csv   全部报告的全部表格单元格，长表格式，一行一个单元格（UTF-8 带 BOM）",
        "  all.json  同上，JSON 数组",
        "  <年度>.csv 该年度每份报告一行、每个单元格一列（宽表，UTF-8 带 BOM）",
        "",
        "长表列：",
    ]
    lines += [f"  {c}：{d}" for c, d in LONG_COLUMNS]
    lines += ["", "宽表的元数据列："]
    lines += [f"  {c}：{d}" for c, d in META_COLUMNS]
    lines += ["  其后每列为一个单元格，列名为官方表题、行标签路径、列标签路径，以 / 连接。", ""]
    lines += ["格式版本："]
    lines += [f"  {f.version}：《{f.name}》（{f.document}），适用于 {f.years[0]} 年度"
              + (f"至 {f.years[1]} 年度" if f.years[1] else "及以后") + "的报告" for f in FORMATS.values()]
    return "\n".join(lines) + "\n"
