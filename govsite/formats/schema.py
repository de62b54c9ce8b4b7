"""The vocabulary in which a format version is described.

A format version (spec §1) is pure data built from these dataclasses: tables made of rows, rows made
of fields (one TOML key each, one line of values in column order), columns with official label
paths and value kinds, and equations (the 勾稽关系 of spec §7) over cells. Everything else — TOML
keys, validation, HTML layout, export columns, the importer's label matching, the scaffold of a new
report, what the search indexes — is derived from it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Iterator


class Kind(enum.Enum):
    """What a cell holds (spec §3 field semantics, §7 R5)."""

    COUNT = "count"  # non-negative integer
    SIGNED = "signed"  # integer that may be negative (2019 本年增/减, spec §3.2)
    AMOUNT = "amount"  # exact decimal string, never rounded (spec §3.1 decimals)
    EMPTY = "empty"  # a grid cell the template leaves empty (2019 Table 1 rows 14–18)


@dataclass(frozen=True)
class Column:
    """A value column: its label path from the top header down, and what its cells hold.

    ``key`` names the column in open data (the last part of a cell key ``table.field.column``,
    see :meth:`Field.cell_key`). Two format versions give a column the same key exactly when the
    official meaning is the same (spec §6), so cells with one key can be compared across years.
    """

    path: tuple[str, ...]
    kind: Kind = Kind.COUNT
    span: int = 1  # grid columns it covers in a sectioned table (spec §3.1 colspan=3)
    units: tuple[str, ...] = ()  # units a cell may carry in its text (spec §3.2 采购总金额)
    key: str = ""  # ASCII, stable: "natural_person", "decisions"; empty for an EMPTY grid cell

    @property
    def label(self) -> str:
        """The leaf label, as printed in the column's lowest header cell."""
        return self.path[-1] if self.path else ""


@dataclass(frozen=True)
class Field:
    """One TOML key: a run of cells of one row, in column order.

    A field of one column is written as a scalar (``licensing = 0``); a longer one as an array
    (``new_requests = [0, 0, 0, 0, 0, 0, 0]``), so one table row reads as one line.
    """

    key: str
    short: str  # short label for messages: "一", "（三）1", "行政复议"
    columns: tuple[Column, ...]

    @property
    def width(self) -> int:
        """How many values the field holds (empty grid cells excluded)."""
        return len(self.value_columns)

    @property
    def value_columns(self) -> tuple[Column, ...]:
        """The columns that hold values, in order."""
        return tuple(c for c in self.columns if c.kind is not Kind.EMPTY)

    def cell_key(self, table: str, index: int) -> str:
        """The stable open-data key of value ``index`` of this field in ``table``:
        ``applications.new_requests.natural_person``."""
        return f"{table}.{self.key}.{self.value_columns[index].key}"

    @property
    def scalar(self) -> bool:
        """True when the field is written as a single value rather than an array."""
        return self.width == 1


@dataclass(frozen=True)
class Row:
    """A table row: its label path (spec §4.2 row tree) and the fields that fill its cells."""

    path: tuple[str, ...]
    fields: tuple[Field, ...]
    aliases: tuple[str, ...] = ()  # label variants real reports print (spec §9, §10)

    @property
    def label(self) -> str:
        """The leaf label of the row."""
        return self.path[-1] if self.path else ""


@dataclass(frozen=True)
class Section:
    """A block of a sectioned table (Table 1): a title row, a header row, data rows."""

    title: str  # 第二十条第（一）项
    header: str  # 信息内容
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class CellRef:
    """One cell: a field and the index of a value in it."""

    key: str  # "table.field"
    index: int
    label: str  # short label of the cell in messages: "一", "总计", "结果维持"


@dataclass(frozen=True)
class Equation:
    """``sum(left) == sum(right)``, one instance of a 勾稽 rule (spec §7)."""

    rule: str  # "R1" … "R4"
    context: str  # "收到和处理政府信息公开申请情况 · 自然人"
    left: tuple[CellRef, ...]
    right: tuple[CellRef, ...]
    anchor: str = ""  # "table.field" whose line a failure is reported at: the total being checked


@dataclass(frozen=True)
class Table:
    """One of the three standard tables.

    ``layout`` is "sections" (Table 1: blocks with their own column headers) or "grid" (Tables 2
    and 3: one column tree over all rows, spec §8). In a grid the header cells and their spans are
    derived from the column paths and the row-label cells from the row paths.
    """

    key: str  # TOML table name: "active", "applications", "reviews"
    title: str  # official title: the section heading without its number
    section: str  # the report section it belongs to: "二、主动公开政府信息情况"
    layout: str
    sections: tuple[Section, ...] = ()
    columns: tuple[Column, ...] = ()
    rows: tuple[Row, ...] = ()
    caption: str = ""  # the header over all value columns: 申请人情况
    corner: str = ""  # the top-left header cell: （本列数据的勾稽关系为：…）

    def all_rows(self) -> tuple[Row, ...]:
        """Every row, across sections."""
        if self.layout == "sections":
            return tuple(r for s in self.sections for r in s.rows)
        return self.rows

    def fields(self) -> Iterator[Field]:
        """Every field in reading order."""
        for row in self.all_rows():
            yield from row.fields

    def row_of(self, key: str) -> Row:
        """The row that holds field ``key``."""
        for row in self.all_rows():
            if any(f.key == key for f in row.fields):
                return row
        raise KeyError(key)

    def cells(self) -> Iterator[tuple[Field, int, "CellPath"]]:
        """Every value cell with its official row and column label paths."""
        for section in self.sections or (None,):
            rows = section.rows if section else self.rows
            for row in rows:
                row_path = ((section.title,) if section else ()) + row.path
                for f in row.fields:
                    for i, col in enumerate(f.value_columns):
                        yield f, i, CellPath(self.title, row_path, col.path)


@dataclass(frozen=True)
class CellPath:
    """The official labels of one cell, as export and search name it."""

    table: str
    row: tuple[str, ...]
    column: tuple[str, ...]

    def row_label(self) -> str:
        """The row path joined as in export: ``三、本年度办理结果 / （三）不予公开 / 1.属于国家秘密``."""
        return " / ".join(self.row)

    def column_label(self) -> str:
        """The column path joined as in export: ``法人或其他组织 / 商业企业``."""
        return " / ".join(self.column)


@dataclass(frozen=True)
class Format:
    """A whole format version: its document, its years, its three tables and its equations."""

    version: str  # "2019" | "2021"
    document: str  # 国办公开办函〔2021〕30号
    name: str
    years: tuple[int, int | None]  # first and last report year it governs (None: open-ended)
    tables: tuple[Table, ...]
    equations: tuple[Equation, ...] = field(default=())
    fee_section_required: bool = False  # spec §2: section 六 reports 信息处理费 from 2021

    def __hash__(self) -> int:
        # The generated hash walks every table, row and column (~1 ms); formats are cache keys of
        # the table skeletons and key figures on every page, and the version identifies one (issue 7).
        return hash(self.version)

    def __reduce__(self):
        # Pickled reports (build cache, worker processes) refer to the format by version, so that an
        # unpickled report holds the very same Format object, never a copy.
        return (_format_by_version, (self.version,))

    def table(self, key: str) -> Table:
        """The table stored under TOML name ``key``."""
        for t in self.tables:
            if t.key == key:
                return t
        raise KeyError(key)

    def field(self, qualified: str) -> Field:
        """The field ``"table.key"``."""
        tkey, _, fkey = qualified.partition(".")
        for f in self.table(tkey).fields():
            if f.key == fkey:
                return f
        raise KeyError(qualified)

    def governs(self, year: int) -> bool:
        """True when reports of ``year`` are meant to use this format (spec §1, R13)."""
        first, last = self.years
        return year >= first and (last is None or year <= last)


def _format_by_version(version: str) -> Format:
    from . import FORMATS  # the registry imports this module

    return FORMATS[version]
