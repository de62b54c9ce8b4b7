"""The check functions of the rules declared in :mod:`.rules`.

A report-scope check takes one loaded report and returns its diagnostics; an agency-scope check
takes the reports grouped by ``(agency, year)`` and looks across an agency's years; a place check
takes one report and looks at where its file lies. Every diagnostic about table cells names them in
``Diagnostic.cells`` so that a page can mark them.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

from ..diagnostics import Diagnostic, error, warning
from ..sections import Prose, split_sections
from . import narrative
from .common import LEVELS, PROSE_SECTIONS
from .schema import Equation, Format

if TYPE_CHECKING:
    from ..model import Report

#: The reports of a site (or of one agency) by ``(agency, year)``; more than one is a duplicate.
ByAgencyYear = Mapping[tuple[str, int], Sequence["Report"]]

Cells = tuple[tuple[str, int], ...]

_FEE_WORDS = re.compile(r"费")

# Table 2's cells that prose figures are compared with (spec §7 R7): the 总计 column of rows
# 一, 二, （七） and 四.
_TOTAL = 6
_NEW = "applications.new_requests"
_CARRIED_OVER = "applications.carried_over"
_CONCLUDED = "applications.total"
_CARRIED_FORWARD = "applications.carried_forward"

# Table 3 (spec §5): the outcomes besides 结果维持 that "均获维持" rules out (spec §7 R8): 结果纠正,
# 其他结果 and, unless the sentence speaks only of concluded cases, 尚未审结.
_NOT_UPHELD = (1, 2, 3)
_PENDING = 3
_REVIEW = ("reviews.administrative_review",)
_LITIGATION = ("reviews.litigation_direct", "reviews.litigation_after_review")


# --- R1–R4: the equations of the format description ----------------------------------------------


def equation_check(rule: str) -> Callable[["Report"], list[Diagnostic]]:
    """The check of 勾稽 rule ``rule``: every equation of the report's format that belongs to it."""
    def check(report: "Report") -> list[Diagnostic]:
        return failed_equations(report, rule)
    check.__doc__ = f"The failed equations of {rule} in the report's format."
    return check


def failed_equations(report: "Report", rule: str | None = None) -> list[Diagnostic]:
    """The 勾稽 failures of ``rule`` (of R1–R4 when None): what a report page lists in its notice."""
    # ~40 equations of ~10 cells per report: both sides are summed straight from the values; only
    # an equation that fails is worked out again by ``check_equation`` for its message.
    out = []
    for eq, left, right in _equation_cells(report.format, rule):
        ls = _cell_sum(report, left)
        if ls is None:
            continue
        rs = _cell_sum(report, right)
        if rs is None or ls == rs:
            continue
        d = check_equation(report, eq)
        if d:
            out.append(d)
    return out


@lru_cache(maxsize=None)
def _equation_cells(fmt: Format, rule: str | None) -> tuple[tuple[Equation, Cells, Cells], ...]:
    """Each equation of ``fmt`` (of ``rule`` only, unless None) with the ``(key, index)`` cells of
    its two sides (``Format`` hashes by version)."""
    return tuple((eq, tuple((r.key, r.index) for r in eq.left), tuple((r.key, r.index) for r in eq.right))
                 for eq in fmt.equations if rule is None or eq.rule == rule)


def _cell_sum(report: "Report", cells: Cells) -> int | Decimal | None:
    """The sum of ``cells`` as ``Report.number`` reads them; None when one is missing."""
    values = report.values
    total: int | Decimal = 0
    for key, index in cells:
        vals = values.get(key)
        if vals is None:
            return None
        v = vals[index]
        if type(v) is not int:
            v = report.number(key, index)  # blank → 0, an amount → Decimal (None if not one)
            if v is None:
                return None
        total += v
    return total


def check_equation(report: "Report", eq: Equation) -> Diagnostic | None:
    """One instance of a 勾稽 rule; ``None`` when it holds or involves a missing cell."""
    left = [report.number(r.key, r.index) for r in eq.left]
    right = [report.number(r.key, r.index) for r in eq.right]
    if any(v is None for v in left + right):
        return None
    ls, rs = sum(left), sum(right)  # type: ignore[arg-type]
    if ls == rs:
        return None
    message = f"{eq.context}：{_terms(eq.left, left)}={ls}，但{_terms(eq.right, right)}={rs}"
    cells = tuple((r.key, r.index) for r in eq.left + eq.right)
    return error(report.path, report.line_of(eq.anchor or eq.left[0].key), eq.rule, message, cells=cells)


def _terms(refs, values) -> str:
    return "+".join(f"{r.label}({v})" for r, v in zip(refs, values))


# --- R6: carry-over between an agency's years ------------------------------------------------------


def check_carry_over(by_key: ByAgencyYear) -> list[Diagnostic]:
    """R6: 二 (上年结转) of year N equals 四 (结转下年度继续办理) of year N−1, same agency, every column."""
    diags = []
    for agency, year in sorted(by_key):  # the keys are unique: no need to carry the groups along
        prev = by_key.get((agency, year - 1))
        if not prev:
            continue
        d = carry_over_problem(prev[0], by_key[(agency, year)][0])
        if d:
            diags.append(d)
    return diags


def carry_over_differences(prev: "Report", cur: "Report") -> list[tuple[str, int, int]] | None:
    """R6 column by column: ``(column label, 四 of the previous year, 二 of this year)`` for every
    column that differs; ``None`` when either row is missing."""
    a = prev.values.get(_CARRIED_FORWARD)
    b = cur.values.get(_CARRIED_OVER)
    if a is None or b is None:
        return None
    cols = cur.format.table("applications").columns
    return [(c.label, x or 0, y or 0) for c, x, y in zip(cols, a, b) if (x or 0) != (y or 0)]


def carry_over_problem(prev: "Report", cur: "Report") -> Diagnostic | None:
    """The R6 warning for two consecutive years of one agency, or ``None`` when they agree."""
    differences = carry_over_differences(prev, cur)
    if not differences:
        return None
    diff = "，".join(f"{label} {x}→{y}" for label, x, y in differences)
    labels = [c.label for c in cur.format.table("applications").columns]
    cells = tuple((_CARRIED_OVER, labels.index(label)) for label, _, _ in differences)
    return warning(cur.path, cur.line_of(_CARRIED_OVER), "R6",
                   f"二、上年结转政府信息公开申请数量 与 {prev.year} 年报告（{prev.path}）的 四、结转下年度继续办理 不一致：{diff}",
                   cells=cells)


# --- R7, R8, R12: what the prose says against the tables ------------------------------------------


@lru_cache(maxsize=64)
def _sections(body: str, body_line: int) -> tuple[str, list[Prose]]:
    """The body's sections; several rules read them, a report's body is split once."""
    return split_sections(body, body_line)


def _overview(report: "Report") -> str:
    """The body up to the end of section 一 (its preface and 一、总体情况), where reports restate
    their figures (spec §7 R7); a prefix of the body, so that offsets in it are offsets in the body."""
    return _overview_of(report.body, report.body_line)


@lru_cache(maxsize=8)
def _overview_of(body: str, body_line: int) -> str:
    preface, sections = _sections(body, body_line)
    one = sections[0]
    for piece in (one.text if one.line else "", preface):
        at = body.find(piece) if piece else -1
        if at >= 0:
            return body[: at + len(piece)]
    return ""


def _line_at(report: "Report", offset: int) -> int:
    """The file line of character ``offset`` of the body."""
    return report.body_line + report.body.count("\n", 0, offset)


def check_narrative(report: "Report") -> list[Diagnostic]:
    """R7: the numbers of applications received (收到/受理), concluded (办结) and carried forward
    (结转) that the overview states match rows 一 (or 一 + 二), （七）总计 and 四 of Table 2.

    A report may state a figure more than once (a whole and a part of it): a figure agrees when any
    of its statements does, and the first one is named when none does."""
    text = _overview(report)
    said = narrative.statements(text)
    if not said:
        return []
    new, over = report.number(_NEW, _TOTAL), report.number(_CARRIED_OVER, _TOTAL)
    concluded, forward = report.number(_CONCLUDED, _TOTAL), report.number(_CARRIED_FORWARD, _TOTAL)
    received_ok = {new} | ({new + over} if new is not None and over is not None else set())
    plan = (
        (narrative.RECEIVED, new, received_ok, ((_NEW, _TOTAL),),
         f"一、本年新收政府信息公开申请数量 · 总计 为 {new}"
         + (f"（加上 二、上年结转 为 {new + over}）" if over and new is not None else "")),
        (narrative.CONCLUDED, concluded, {concluded}, ((_CONCLUDED, _TOTAL),),
         f"三、本年度办理结果 · （七）总计 · 总计 为 {concluded}"),
        (narrative.CARRIED_FORWARD, forward, {forward}, ((_CARRIED_FORWARD, _TOTAL),),
         f"四、结转下年度继续办理 · 总计 为 {forward}"),
    )
    diags = []
    for what, table_value, accepted, cells, table_says in plan:
        mine = [s for s in said if s.what == what]
        if table_value is None or not mine or any(s.number in accepted for s in mine):
            continue
        first = mine[0]
        diags.append(warning(report.path, _line_at(report, first.offset), "R7",
                             f"正文所述“{first.phrase}”与表格不一致：{table_says}", cells=cells))
    return diags


def check_upheld(report: "Report") -> list[Diagnostic]:
    """R8: a sentence saying every review or lawsuit was upheld ("均获维持") leaves 结果纠正, 其他结果
    and 尚未审结 of that group at zero in Table 3 (尚未审结 may stand when it says 已审结的…)."""
    text = _overview(report)
    diags = []
    for st in narrative.upheld_statements(text):
        keys = (_REVIEW if st.review else ()) + (_LITIGATION if st.litigation else ())
        fmt = report.format
        outcomes = [i for i in _NOT_UPHELD if not (st.concluded_only and i == _PENDING)]
        cells = tuple((k, i) for k in keys for i in outcomes if report.number(k, i))
        if not cells:
            continue
        found = "、".join(f"{fmt.field(k).short} · {fmt.field(k).value_columns[i].label} {report.number(k, i)}"
                         for k, i in cells)
        diags.append(warning(report.path, _line_at(report, st.offset), "R8",
                             f"正文说“{st.phrase}”，但表格中有未维持的结果：{found}", cells=cells))
    return diags


def check_period(report: "Report") -> list[Diagnostic]:
    """R12: the statistical period the text states lies in the report year."""
    text = _overview(report)
    period = narrative.stated_period(text)
    if period is None or all(y == report.year for y in period.years):
        return []
    return [warning(report.path, _line_at(report, period.offset), "R12",
                    f"正文所述统计期限“{period.phrase}”与报告年度 {report.year} 不一致")]


# --- R11, R13: metadata against tables -------------------------------------------------------------


def check_level(report: "Report") -> list[Diagnostic]:
    """R11: 规章 are made only by 国务院部门 and the governments of provinces, 设区的市 and 自治州."""
    if not report.level or LEVELS.get(report.level, False) or report.is_missing("active.rules"):
        return []
    vals = report.values.get("active.rules") or []
    cells = tuple(("active.rules", i) for i, v in enumerate(vals) if v)
    if not cells:
        return []
    return [warning(report.path, report.line_of("active.rules"), "R11",
                    f"主动公开政府信息情况 · 规章：机关层级为“{report.level}”，按立法法不能制定规章，但填了非零数值 {vals}",
                    cells=cells)]


def check_format_year(report: "Report") -> list[Diagnostic]:
    """R13: the format version that governs the report year."""
    if report.format.governs(report.year):
        return []
    from . import FORMATS  # the registry imports the rules' modules' neighbours

    right = next((f for f in FORMATS.values() if f.governs(report.year)), None)
    should = f"应使用 {right.version} 年版（{right.document}）" if right else "没有适用的格式版本"
    return [warning(report.path, report.line_of("format"), "R13",
                    f"{report.year} 年度报告使用了 {report.format.version} 年版格式（{report.format.document}），{should}")]


# --- The content model: prose, the fee statement, missing data, files -----------------------------


def check_prose(report: "Report") -> list[Diagnostic]:
    """The prose sections 一, 五, 六 are present (spec §2)."""
    _, sections = _sections(report.body, report.body_line)
    diags = []
    for p in sections:
        if p.anchor in PROSE_SECTIONS and p.empty:
            what = "缺少章节" if not p.line else "章节内容为空"
            diags.append(warning(report.path, p.line or report.body_line, "prose", f"{what}：{p.title}"))
    return diags


def check_fee(report: "Report") -> list[Diagnostic]:
    """In 2021+ section 六 states the 信息处理费 (spec §2)."""
    six = _sections(report.body, report.body_line)[1][5]
    if report.format.fee_section_required and not six.empty and not _FEE_WORDS.search(six.text):
        return [warning(report.path, six.line, "fee",
                        "六、其他需要报告的事项 未说明信息处理费的收取情况（2021 年版格式要求说明；未收取也应写明“未收取信息处理费”）")]
    return []


def check_missing(report: "Report") -> list[Diagnostic]:
    """A report with tables or rows declared missing is flagged (no guessed numbers)."""
    if not report.missing:
        return []
    names = []
    for item in report.missing:
        tkey, _, fkey = item.partition(".")
        table = report.format.table(tkey)
        names.append(f"{table.title} · {table.row_of(fkey).label or fkey}" if fkey else table.title)
    return [warning(report.path, report.line_of("missing"), "missing", f"以下数据在原文中缺失，未参与校验：{'；'.join(names)}")]


def check_year_folder(report: "Report") -> list[Diagnostic]:
    """A report lies in the folder of its year (``content/2024/``)."""
    folder = report.path.rpartition("/")[0].rpartition("/")[2]  # the name of the file's folder
    if folder.isdigit() and int(folder) != report.year:
        return [error(report.path, report.line_of("year"), "year",
                      f"year = {report.year} 与所在目录 {folder}/ 不一致：请改正 year，或把文件移到 content/{report.year}/ 目录")]
    return []


def check_duplicates(by_key: ByAgencyYear) -> list[Diagnostic]:
    """One report per agency and year."""
    diags = []
    for (agency, year), group in by_key.items():
        if len(group) > 1:
            others = "、".join(g.path for g in group[1:])
            diags.append(error(group[0].path, group[0].line_of("agency"), "duplicate",
                               f"{agency} {year} 年度的报告重复：另见 {others}。一个机关每年只能有一份报告，请删除或合并重复的文件"))
    return diags
