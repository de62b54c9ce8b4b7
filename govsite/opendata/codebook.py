"""The cells of the open data by their stable keys, and the codebook describing them.

A cell key is ``<table>.<field>.<column>`` (:meth:`govsite.formats.Field.cell_key`). Every key,
its official labels in each format version, its unit and type and the rules it takes part in are
read from the format descriptions; nothing here names a row or a column.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from ..formats import FORMATS, Column, Field, Format, Kind, Table
from .columns import COLUMN_TYPES, META_COLUMNS
from .safecsv import csv_bytes

#: How each kind of cell is typed in the data package (Frictionless Table Schema) and described.
#: Amounts are ``string``: they are exact decimal text and may carry their unit (spec §3.2 采购总金额
#: "251000元"); typed as numbers they would load as binary floats in pandas, R and DuckDB.
KIND_TYPES: dict[Kind, tuple[str, str]] = {
    Kind.COUNT: ("integer", "非负整数（件数、条数）"),
    Kind.SIGNED: ("integer", "整数，可为负（减少用负值表示）"),
    Kind.AMOUNT: ("string", "金额，按原文照录的十进制文本（可带单位“元”或“万元”），请勿按浮点数读入"),
}
#: The same in a word or two, for the data page's codebook table.
KIND_SHORT = {Kind.COUNT: "件数", Kind.SIGNED: "可为负的整数", Kind.AMOUNT: "金额（文字）"}

#: The codebook's note on CSV text cells (OWASP CSV injection).
FORMULA_NOTE = ("本站所有 CSV 文件中，以 = + - @、制表符或回车开头的文字单元格前加一个英文单引号 '，"
                "以免 Excel、WPS 把它当作公式执行；读取时去掉开头的 ' 即得原文。数值单元格不受影响。")
#: The same, for a text column's row of the codebook.
TEXT_NOTE = "文字；在 CSV 中以 = + - @、制表符或回车开头时前加英文单引号 '"

#: How the codebook names the type of a report-information column (:data:`.columns.COLUMN_TYPES`).
_TYPE_ZH = {"integer": "整数", "date": "日期（年-月-日）", "string": "文字"}


@dataclass(frozen=True)
class Cell:
    """One cell of one format version."""

    key: str  # applications.new_requests.natural_person
    field: str  # "table.field", as the content files and the equations name it
    index: int  # the value's place in the field
    table: Table
    row: tuple[str, ...]  # official row label path (with the section of a sectioned table)
    column: Column
    short: str  # the field's short label: "一", "（三）1", "行政复议"


def format_cells(fmt: Format) -> tuple[Cell, ...]:
    """Every value cell of ``fmt`` in table order."""
    return _format_cells(fmt.version)


@lru_cache(maxsize=None)
def _format_cells(version: str) -> tuple[Cell, ...]:
    fmt = FORMATS[version]
    out = []
    for table in fmt.tables:
        for f, i, path in table.cells():
            out.append(Cell(f.cell_key(table.key, i), f"{table.key}.{f.key}", i, table, path.row,
                            f.value_columns[i], f.short))
    return tuple(out)


@dataclass(frozen=True)
class Entry:
    """A key of the codebook: the cell it names in each format version that has it."""

    key: str
    cells: dict[str, Cell]  # format version → cell

    @property
    def first(self) -> Cell:
        """The cell in the newest format that has it (for what the versions share)."""
        return next(iter(self.cells.values()))

    @property
    def kind(self) -> Kind:
        return self.first.column.kind

    @property
    def unit(self) -> str:
        """The unit of the cell's values, from its label or the units its text may carry."""
        col = self.first.column
        if col.kind is not Kind.AMOUNT:
            return "件"
        if col.units:
            return "、".join(col.units) + "（以单元格所写为准）"
        label = col.label
        return label[label.index("单位：") + 3:label.rindex("）")] if "单位：" in label else ""


def codebook() -> tuple[Entry, ...]:
    """Every key of every format version, table by table, each table's keys in the newest
    format's order followed by those only older formats have."""
    return _codebook(tuple(FORMATS))


@lru_cache(maxsize=None)
def _codebook(versions: tuple[str, ...]) -> tuple[Entry, ...]:
    newest_first = sorted(versions, reverse=True)
    tables: list[str] = []
    for v in newest_first:
        tables += [t.key for t in FORMATS[v].tables if t.key not in tables]
    entries: dict[str, dict[str, Cell]] = {}
    for table in tables:
        for v in newest_first:
            for cell in format_cells(FORMATS[v]):
                if cell.table.key == table:
                    entries.setdefault(cell.key, {})[v] = cell
    return tuple(Entry(k, cells) for k, cells in entries.items())


def keys_of(formats: list[Format] | set[Format]) -> list[str]:
    """The keys of the cells of ``formats``, in codebook order (the columns of a year's wide CSV)."""
    versions = {f.version for f in formats}
    return [e.key for e in codebook() if versions.intersection(e.cells)]


def rules_of(entry: Entry) -> list[str]:
    """The rules ``entry``'s cell takes part in, in any format version: those of the equations of
    the format descriptions (spec §7 R1–R4) it is a term of."""
    rules: set[str] = set()
    for v, cell in entry.cells.items():
        rules.update(_cell_rules(v).get((cell.field, cell.index), ()))
    return sorted(rules, key=lambda r: (len(r), r))


@lru_cache(maxsize=None)
def _cell_rules(version: str) -> dict[tuple[str, int], set[str]]:
    out: dict[tuple[str, int], set[str]] = {}
    for eq in FORMATS[version].equations:
        for ref in eq.left + eq.right:
            out.setdefault((ref.key, ref.index), set()).add(eq.rule)
    return out


def equation_cells(version: str, rule: str, context: str) -> tuple[str, ...]:
    """The keys of the cells of the equation of ``rule`` whose context (table · column or row) is
    ``context``, in format ``version``."""
    fmt = FORMATS[version]
    for eq in fmt.equations:
        if eq.rule == rule and eq.context == context:
            return tuple(fmt.field(r.key).cell_key(r.key.partition(".")[0], r.index) for r in eq.left + eq.right)
    return ()


def field_cells(fmt: Format, field: str) -> tuple[str, ...]:
    """The keys of the cells of ``field`` ("table.field") in ``fmt``."""
    f: Field = fmt.field(field)
    table = field.partition(".")[0]
    return tuple(f.cell_key(table, i) for i in range(f.width))


# --- the codebook files ---------------------------------------------------------------------------

CODEBOOK_COLUMNS: tuple[tuple[str, str], ...] = (
    ("key", "单元格键：表.行.列，同一含义在各格式版本中相同"),
    ("table", "表格（官方表题）"),
    ("row_2021", "2021 年版中的行（官方标签路径，以 / 分隔；无此单元格则为空）"),
    ("column_2021", "2021 年版中的列（官方标签路径）"),
    ("row_2019", "2019 年版（试行）中的行"),
    ("column_2019", "2019 年版（试行）中的列"),
    ("unit", "单位"),
    ("type", "类型"),
    ("rules", "该单元格参与的校验规则（以空格分隔）"),
    ("note", "说明"),
)


def _version_columns() -> list[str]:
    return sorted(FORMATS, reverse=True)


def codebook_rows() -> list[dict[str, str]]:
    """The codebook as rows of text, one per key (the CSV's and the data page's)."""
    rows = []
    for e in codebook():
        row = {"key": e.key, "table": e.first.table.title}
        for v in _version_columns():
            cell = e.cells.get(v)
            row[f"row_{v}"] = " / ".join(cell.row) if cell else ""
            row[f"column_{v}"] = " / ".join(cell.column.path) if cell else ""
        row["unit"] = e.unit
        row["type"] = KIND_TYPES[e.kind][1]
        row["rules"] = " ".join(rules_of(e))
        row["note"] = TEXT_NOTE if e.kind is Kind.AMOUNT else ""
        row["kind_short"] = KIND_SHORT[e.kind]  # the data page's; not a column of the CSV
        rows.append(row)
    return rows


def meta_rows() -> list[dict[str, str]]:
    """The codebook's rows for the report-information columns of a year's CSV (before the cells)."""
    rows = []
    for name, meaning in META_COLUMNS:
        kind = COLUMN_TYPES.get(name, "string")
        rows.append({c: "" for c, _ in CODEBOOK_COLUMNS} | {
            "key": name, "table": "报告信息", "type": _TYPE_ZH[kind],
            "note": meaning + ("；" + TEXT_NOTE if kind == "string" else "")})
    return rows


def codebook_csv() -> bytes:
    """``codebook.csv``: one row per column of a year's CSV: the report information, then every
    cell key (UTF-8 with BOM)."""
    header = ["key", "table"] + [f"{p}_{v}" for v in _version_columns() for p in ("row", "column")]
    header += ["unit", "type", "rules", "note"]
    assert header == [c for c, _ in CODEBOOK_COLUMNS]
    return csv_bytes(header, ([r[c] for c in header] for r in meta_rows() + codebook_rows()))


def codebook_json() -> bytes:
    """``codebook.json``: the report-information columns, the formats, and every cell key with its
    labels per format."""
    doc = {
        "note": FORMULA_NOTE,
        "columns": [{"key": name, "type": COLUMN_TYPES.get(name, "string"), "description": meaning}
                    for name, meaning in META_COLUMNS],
        "formats": [{"version": f.version, "name": f.name, "document": f.document,
                     "first_year": f.years[0], "last_year": f.years[1]}
                    for f in sorted(FORMATS.values(), key=lambda f: f.version, reverse=True)],
        "cells": [{
            "key": e.key,
            "table": e.first.table.key,
            "table_title": e.first.table.title,
            "labels": {v: {"row": list(c.row), "column": list(c.column.path), "short": c.short}
                       for v, c in e.cells.items()},
            "unit": e.unit,
            "type": KIND_TYPES[e.kind][0],
            "kind": e.kind.value,
            "rules": rules_of(e),
        } for e in codebook()],
    }
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
