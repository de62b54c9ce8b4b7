"""Key figures: named sums of cells, selected by official labels so they hold for every format.

Used by the year index (issue 2: 新收申请, 予以公开, 行政复议, 行政诉讼), the agency pages and the
charts (issue 6). A figure is the sum of the cells whose row path contains ``row`` and whose
column path contains every label of ``column``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .schema import Format


@dataclass(frozen=True)
class KeyFigure:
    """A named figure of a report."""

    key: str  # ASCII id: CSV column, CSS class
    label: str  # Chinese heading
    table: str
    row: str | None  # a label in the row path; None = every row
    column: tuple[str, ...]


KEY_FIGURES: tuple[KeyFigure, ...] = (
    KeyFigure("new", "新收申请", "applications", "一、本年新收政府信息公开申请数量", ("总计",)),
    KeyFigure("granted", "予以公开", "applications", "（一）予以公开", ("总计",)),
    KeyFigure("partly", "部分公开", "applications", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ("总计",)),
    KeyFigure("withheld", "不予公开", "applications", "（三）不予公开", ("总计",)),
    KeyFigure("unavailable", "无法提供", "applications", "（四）无法提供", ("总计",)),
    KeyFigure("review", "行政复议", "reviews", None, ("行政复议", "总计")),
    KeyFigure("review_corrected", "复议纠正", "reviews", None, ("行政复议", "结果纠正")),
    KeyFigure("litigation", "行政诉讼", "reviews", None, ("行政诉讼", "总计")),
    KeyFigure("litigation_corrected", "诉讼纠正", "reviews", None, ("行政诉讼", "结果纠正")),
    KeyFigure("carried_forward", "结转下年", "applications", "四、结转下年度继续办理", ("总计",)),
    # Issue 6 charts: the other outcome groups of 三、本年度办理结果 and the inputs of R1.
    KeyFigure("rejected", "不予处理", "applications", "（五）不予处理", ("总计",)),
    KeyFigure("other", "其他处理", "applications", "（六）其他处理", ("总计",)),
    KeyFigure("carried_over", "上年结转", "applications", "二、上年结转政府信息公开申请数量", ("总计",)),
    KeyFigure("total", "办理总计", "applications", "（七）总计", ("总计",)),
)

#: The figures a year index shows for each report (issue 2).
INDEX_FIGURES = ("new", "granted", "review", "litigation")

#: The figures of an agency's history and of the rankings (issue 6), in this order.
AGENCY_FIGURES = ("new", "granted", "partly", "withheld", "unavailable", "review", "review_corrected",
                  "litigation", "litigation_corrected", "carried_forward")

#: The outcome groups of 三、本年度办理结果 (whose sum is （七）总计, spec §7 R3), for the outcome charts.
OUTCOME_FIGURES = ("granted", "partly", "withheld", "unavailable", "rejected", "other")

#: Table 3's groups and outcomes, as label paths (spec §5), for the review/litigation charts.
REVIEW_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("行政复议", ("行政复议",)),
    ("行政诉讼（未经复议直接起诉）", ("未经复议直接起诉",)),
    ("行政诉讼（复议后起诉）", ("复议后起诉",)),
)
REVIEW_OUTCOMES = ("结果维持", "结果纠正", "其他结果", "尚未审结")


def review_figure(group: tuple[str, ...], outcome: str) -> KeyFigure:
    """The cell of Table 3 for one group and one outcome, as a figure chosen by its labels."""
    return KeyFigure(f"reviews-{'-'.join(group)}-{outcome}", outcome, "reviews", None, group + (outcome,))


@lru_cache(maxsize=None)
def figure_cells(fmt: Format, figure: KeyFigure) -> tuple[tuple[str, int], ...]:
    """The ``("table.field", index)`` cells that make up ``figure`` in format ``fmt``."""
    cells = []
    for f, i, path in fmt.table(figure.table).cells():
        if figure.row is not None and figure.row not in path.row:
            continue
        if all(label in path.column for label in figure.column):
            cells.append((f"{figure.table}.{f.key}", i))
    return tuple(cells)


def figure_by_key(key: str) -> KeyFigure:
    """The key figure named ``key``."""
    return next(f for f in KEY_FIGURES if f.key == key)
