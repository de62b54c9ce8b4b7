"""Stage 2 — check: loaded reports → diagnostics of the rules of spec §7 and the content model.

Per report: the equations of its format description (R1–R4), R11 (规章 at a level that cannot make
规章), R13 (format version vs year), the prose sections and the fee statement of section 六.
Across reports: the year folder, duplicate agency-years and R6 (carry-over between years).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from decimal import Decimal
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Iterable

from .diagnostics import Diagnostic, error, warning
from .formats import FORMATS, PROSE_SECTIONS, Equation, Format
from .model import LEVELS, Report, Value, cell_number
from .sections import split_sections

_FEE_WORDS = re.compile(r"费")


def check_report(report: Report) -> list[Diagnostic]:
    """Every single-report rule for ``report``."""
    diags = failed_equations(report)
    diags += check_level(report)
    diags += check_format_year(report)
    diags += check_prose(report)
    diags += check_missing(report)
    return diags


def failed_equations(report: Report) -> list[Diagnostic]:
    """Only the 勾稽 failures (R1–R4): what a report page lists in its notice."""
    # ~40 equations of ~10 cells per report (issue 7): both sides are summed straight from the
    # values; only an equation that fails is worked out again by ``check_equation`` for its message.
    values = report.values
    out = []
    for eq, left, right in _equation_cells(report.format):
        ls = _cell_sum(values, left)
        if ls is None:
            continue
        rs = _cell_sum(values, right)
        if rs is None or ls == rs:
            continue
        d = check_equation(report, eq)
        if d:
            out.append(d)
    return out


@lru_cache(maxsize=None)
def _equation_cells(fmt: Format) -> tuple[tuple[Equation, tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]], ...]:
    """Each equation of ``fmt`` with the ``(key, index)`` cells of its two sides (``Format`` hashes by version)."""
    return tuple((eq, tuple((r.key, r.index) for r in eq.left), tuple((r.key, r.index) for r in eq.right))
                 for eq in fmt.equations)


def _cell_sum(values: dict[str, list[Value]], cells: tuple[tuple[str, int], ...]) -> int | Decimal | None:
    """The sum of ``cells`` as ``Report.number`` reads them; None when one is missing."""
    total: int | Decimal = 0
    for key, index in cells:
        vals = values.get(key)
        if vals is None:
            return None
        v = vals[index]
        if type(v) is not int:
            v = cell_number(values, key, index)  # blank → 0, an amount → Decimal (None if not one)
            if v is None:
                return None
        total += v
    return total


def check_equation(report: Report, eq: Equation) -> Diagnostic | None:
    """One instance of a 勾稽 rule; ``None`` when it holds or involves a missing cell."""
    left = [report.number(r.key, r.index) for r in eq.left]
    right = [report.number(r.key, r.index) for r in eq.right]
    if any(v is None for v in left + right):
        return None
    ls, rs = sum(left), sum(right)  # type: ignore[arg-type]
    if ls == rs:
        return None
    message = f"{eq.context}：{_terms(eq.left, left)}={ls}，但{_terms(eq.right, right)}={rs}"
    d = error(report.path, report.line_of(eq.anchor or eq.left[0].key), eq.rule, message)
    return replace(d, cells=tuple((r.key, r.index) for r in eq.left + eq.right))


def _terms(refs, values) -> str:
    return "+".join(f"{r.label}({_num(v)})" for r, v in zip(refs, values))


def _num(v: int | Decimal) -> str:
    return str(v)


def check_level(report: Report) -> list[Diagnostic]:
    """R11: 规章 are made only by 国务院部门 and the governments of provinces, 设区的市 and 自治州."""
    if not report.level or LEVELS.get(report.level, False) or report.is_missing("active.rules"):
        return []
    vals = report.values.get("active.rules") or []
    made = [v for v in vals if v]
    if not made:
        return []
    return [warning(report.path, report.line_of("active.rules"), "R11",
                    f"主动公开政府信息情况 · 规章：机关层级为“{report.level}”，按立法法不能制定规章，但填了非零数值 {vals}")]


def check_format_year(report: Report) -> list[Diagnostic]:
    """R13: the format version that governs the report year."""
    if report.format.governs(report.year):
        return []
    right = next(f for f in FORMATS.values() if f.governs(report.year)) if any(
        f.governs(report.year) for f in FORMATS.values()) else None
    should = f"应使用 {right.version} 年版（{right.document}）" if right else "没有适用的格式版本"
    return [warning(report.path, report.line_of("format"), "R13",
                    f"{report.year} 年度报告使用了 {report.format.version} 年版格式（{report.format.document}），{should}")]


def check_prose(report: Report) -> list[Diagnostic]:
    """The prose sections 一, 五, 六 are present; in 2021+ section 六 states the 信息处理费 (spec §2)."""
    _, sections = split_sections(report.body, report.body_line)
    diags = []
    for p in sections:
        if p.anchor in PROSE_SECTIONS and p.empty:
            what = "缺少章节" if not p.line else "章节内容为空"
            diags.append(warning(report.path, p.line or report.body_line, "prose", f"{what}：{p.title}"))
    six = sections[5]
    if report.format.fee_section_required and not six.empty and not _FEE_WORDS.search(six.text):
        diags.append(warning(report.path, six.line, "fee",
                             "六、其他需要报告的事项 未说明信息处理费的收取情况（2021 年版格式要求说明；未收取也应写明“未收取信息处理费”）"))
    return diags


def check_missing(report: Report) -> list[Diagnostic]:
    """A report with tables or rows declared missing is flagged (issue 5: no guessed numbers)."""
    if not report.missing:
        return []
    names = []
    for item in report.missing:
        tkey, _, fkey = item.partition(".")
        table = report.format.table(tkey)
        names.append(f"{table.title} · {table.row_of(fkey).label or fkey}" if fkey else table.title)
    return [warning(report.path, report.line_of("missing"), "missing", f"以下数据在原文中缺失，未参与校验：{'；'.join(names)}")]


def check_site(reports: Iterable[Report]) -> list[Diagnostic]:
    """Rules across files: year folder, duplicate agency-year, R6 carry-over."""
    reports = list(reports)
    diags: list[Diagnostic] = []
    by_key: dict[tuple[str, int], list[Report]] = defaultdict(list)
    for r in reports:
        folder = PurePosixPath(r.path).parent.name
        if folder.isdigit() and int(folder) != r.year:
            diags.append(error(r.path, r.line_of("year"), "year", f"year = {r.year} 与所在目录 {folder}/ 不一致：请改正 year，或把文件移到 content/{r.year}/ 目录"))
        by_key[(r.agency, r.year)].append(r)
    for (agency, year), group in by_key.items():
        if len(group) > 1:
            others = "、".join(g.path for g in group[1:])
            diags.append(error(group[0].path, group[0].line_of("agency"), "duplicate",
                               f"{agency} {year} 年度的报告重复：另见 {others}。一个机关每年只能有一份报告，请删除或合并重复的文件"))
    diags += check_carry_over(by_key)
    return diags


def check_carry_over(by_key: dict[tuple[str, int], list[Report]]) -> list[Diagnostic]:
    """R6: 二 (上年结转) of year N equals 四 (结转下年度继续办理) of year N−1, same agency, every column."""
    diags = []
    for agency, year in sorted(by_key):  # the keys are unique: no need to carry the groups along
        group = by_key[(agency, year)]
        prev = by_key.get((agency, year - 1))
        if not prev:
            continue
        d = carry_over_problem(prev[0], group[0])
        if d:
            diags.append(d)
    return diags


def carry_over_differences(prev: Report, cur: Report) -> list[tuple[str, int, int]] | None:
    """R6 column by column: ``(column label, 四 of the previous year, 二 of this year)`` for every
    column that differs; ``None`` when either row is missing."""
    a = prev.values.get("applications.carried_forward")
    b = cur.values.get("applications.carried_over")
    if a is None or b is None:
        return None
    cols = cur.format.table("applications").columns
    return [(c.label, x or 0, y or 0) for c, x, y in zip(cols, a, b) if (x or 0) != (y or 0)]


def carry_over_problem(prev: Report, cur: Report) -> Diagnostic | None:
    """The R6 warning for two consecutive years of one agency, or ``None`` when they agree."""
    differences = carry_over_differences(prev, cur)
    if not differences:
        return None
    diff = "，".join(f"{label} {x}→{y}" for label, x, y in differences)
    return warning(cur.path, cur.line_of("applications.carried_over"), "R6",
                   f"二、上年结转政府信息公开申请数量 与 {prev.year} 年报告（{prev.path}）的 四、结转下年度继续办理 不一致：{diff}")
