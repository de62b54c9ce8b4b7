"""Plain-Chinese sentences for the 勾稽 rules (spec §7), for readers who are not statisticians.

Made from the format description only — an equation's cells, their official row and column
labels — so a new format or rule needs no text written here. A report page puts the sentence of a
failed equation beside the table whose cells it marks; the rules page lists every equation.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .formats import Equation, Format
from .formats.schema import CellRef

#: More terms than this on one side are named by their first and last ("（一）至（六）3 共 22 项").
_LISTED = 5


@dataclass(frozen=True)
class Fault:
    """A failed equation as a report page shows it: the table it is in, the sentence, the rule."""

    table: str  # table key: "reviews"
    rule: str  # "R4"
    sentence: str  # "“行政复议”一行：结果维持、结果纠正、其他结果、尚未审结之和应等于总计……"
    cells: tuple[tuple[str, int], ...]


def _along_row(eq: Equation) -> bool:
    """True when every cell of the equation lies in one row (R2, R4): the columns name the terms."""
    return len({r.key for r in eq.left + eq.right}) == 1


def _name(fmt: Format, ref: CellRef, along_row: bool) -> str:
    """A cell by its official label: the column's in a row sum, else the row's."""
    if along_row:
        return f"“{ref.label}”"
    tkey, _, fkey = ref.key.partition(".")
    row = fmt.table(tkey).row_of(fkey)
    return f"“{row.label or ref.label}”"


def _side(fmt: Format, refs: tuple[CellRef, ...], along_row: bool) -> str:
    names = [_name(fmt, r, along_row) for r in refs]
    if len(names) == 1:
        return names[0]
    if len(names) <= _LISTED:
        return "、".join(names) + "之和"
    return f"{names[0]}至{names[-1]}共 {len(names)} 项之和"


def where(eq: Equation) -> str:
    """The row or column an equation runs along: ``“行政复议”一行`` or ``“自然人”一列``."""
    place = eq.context.rpartition(" · ")[2]
    return f"“{place}”一行" if _along_row(eq) else f"“{place}”一列"


def _sides(eq: Equation, left: list | None = None, right: list | None = None) -> tuple:
    """The two sides in reading order: the parts before their total (R2–R4 check a total against
    its parts), else as the format prints the equation (R1: 一 + 二 = （七） + 四)."""
    if len(eq.left) == 1 and len(eq.right) > 1:
        return (eq.right, right), (eq.left, left)
    return (eq.left, left), (eq.right, right)


def rule_sentence(fmt: Format, eq: Equation) -> str:
    """What must add up to what, without numbers: the rules page's line for one equation."""
    along = _along_row(eq)
    (a, _), (b, _) = _sides(eq)
    return f"{where(eq)}：{_side(fmt, a, along)}应等于{_side(fmt, b, along)}。"


def _number(v: int | Decimal) -> str:
    return str(v)


def fault_sentence(fmt: Format, eq: Equation, left: list, right: list) -> str:
    """A failed equation with the report's own numbers: ``…应等于总计；原文相加为 11（10+1+0+0），总计填的是 0。``"""
    along = _along_row(eq)

    def sums(refs: tuple[CellRef, ...], values: list) -> str:
        total = sum(values)
        if len(values) == 1:
            return f"填的是 {_number(total)}"
        if len(values) > _LISTED:  # named by first and last: the terms are not listed either
            return f"相加为 {_number(total)}"
        return f"相加为 {_number(total)}（{'+'.join(_number(v) for v in values)}）"

    (a, av), (b, bv) = _sides(eq, left, right)
    return (f"{where(eq)}：{_side(fmt, a, along)}应等于{_side(fmt, b, along)}；"
            f"原文中前者{sums(a, av)}，后者{sums(b, bv)}。")


def faults(report, rule_cells: list[tuple[str, tuple[tuple[str, int], ...]]]) -> list[Fault]:
    """The failed equations of ``report`` whose cells are ``rule_cells`` (``(rule, cells)`` of its
    diagnostics), each with its sentence and table, in the order of the format's equations."""
    wanted = {(rule, cells) for rule, cells in rule_cells if cells}
    out = []
    for eq in report.format.equations:
        cells = tuple((r.key, r.index) for r in eq.left + eq.right)
        if (eq.rule, cells) not in wanted:
            continue
        left = [report.number(r.key, r.index) for r in eq.left]
        right = [report.number(r.key, r.index) for r in eq.right]
        if any(v is None for v in left + right):
            continue
        out.append(Fault(eq.left[0].key.partition(".")[0], eq.rule, fault_sentence(report.format, eq, left, right), cells))
    return out
