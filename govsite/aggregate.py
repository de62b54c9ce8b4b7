"""Sums of many reports: the region-wide figure of a year, a region, an agency's history (issue 6).

An :class:`Aggregate` looks like a report to :func:`govsite.tables.fill` and to the key figures:
it has ``.format``, ``.values`` (``"table.field" → list``) and ``.number()``. Its cells are derived
from the format description — every field of every table, summed cell by cell — so nothing about a
table's shape is written here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable

from .formats import Format, Kind
from .model import Report, Value, cell_number, parse_amount

#: What an amount cell shows when its reports give it in different units (spec §3.2: 采购总金额
#: carries 元 in some reports, nothing in others). Adding 251000元 to 11.876 would be a lie.
MIXED_UNITS = "单位不一"


@dataclass
class Aggregate:
    """The cell-by-cell sum of ``reports``, all of one format version."""

    format: Format
    reports: list[Report]
    values: dict[str, list[Value]] = field(default_factory=dict)
    #: ``"table.field"`` → how many of the reports lack the field (declared missing in the source).
    incomplete: dict[str, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        """How many reports the sum covers."""
        return len(self.reports)

    def number(self, key: str, index: int) -> int | Decimal | None:
        """A summed cell as a number (as :meth:`Report.number`); ``None`` when not summable."""
        return cell_number(self.values, key, index)


def _unit(text: str) -> str:
    for unit in ("万元", "元"):
        if text.strip().endswith(unit):
            return unit
    return ""


def sum_reports(fmt: Format, reports: Iterable[Report]) -> Aggregate:
    """Sum the reports (which must all use ``fmt``) cell by cell.

    Blank cells count as 0 (spec §7 "Blank cells"); a field a report declares missing is left out
    of that report's share and counted in ``incomplete``; when every report lacks it the summed
    field is absent too, so the table shows it as missing rather than as a made-up 0.
    """
    reports = list(reports)
    agg = Aggregate(fmt, reports)
    dicts = [r.values for r in reports]
    for table in fmt.tables:
        for f in table.fields():
            key = f"{table.key}.{f.key}"
            present = [v for v in [d.get(key) for d in dicts] if v is not None]
            lacking = len(reports) - len(present)
            if lacking:
                agg.incomplete[key] = lacking
            if not present:
                continue
            summed: list[Value] = []
            # Column by column (zip(*present)): the region and year pages sum every cell of every
            # report several times (issue 7). A column of counts sums as it is unless a blank cell
            # (None) is in it.
            for col, cells in zip(f.value_columns, zip(*present)):
                if col.kind is Kind.AMOUNT:
                    summed.append(_sum_amounts(list(cells)))
                    continue
                try:
                    summed.append(sum(cells))
                except TypeError:
                    summed.append(sum(int(v) for v in cells if v is not None))
            agg.values[key] = summed
    return agg


def _sum_amounts(cells: list[Value]) -> str:
    """Exact decimal sum of amount strings (never rounded, spec §3.1), refusing mixed units."""
    total = Decimal(0)
    units: set[str] = set()
    for v in cells:
        if v is None or v == "":
            continue
        d = parse_amount(str(v))
        if d is None:
            return MIXED_UNITS
        if d:
            units.add(_unit(str(v)))
        total += d
    if len(units) > 1:
        return MIXED_UNITS
    unit = units.pop() if units else ""
    return f"{total}{unit}"


def sum_by_format(reports: Iterable[Report]) -> list[Aggregate]:
    """One aggregate per format version among ``reports``, newest format first.

    A year normally has one format; a report filed in the wrong format (R13) gets its own sum
    rather than having its cells forced into another table shape.
    """
    groups: dict[str, list[Report]] = {}
    fmts: dict[str, Format] = {}
    for r in reports:
        groups.setdefault(r.format.version, []).append(r)
        fmts[r.format.version] = r.format
    return [sum_reports(fmts[v], groups[v]) for v in sorted(groups, reverse=True)]
