"""Every rule a report is held to, declared once (spec §7 R1–R13 and the content model's own).

A rule has an id (``R1`` … ``R13``, or a structural name such as ``prose``), a severity, what it
checks in plain words for citizens and precisely for experts, the scope it looks at, and its check
function (:mod:`.checks`). ``govsite check`` runs the declarations in order; the README's rule
table, ``docs/rules.md`` and the data page are generated from them; report pages show a rule's
plain sentence beside the problem.

R1–R4 are instances of the equations each format version declares (``Format.equations``); their
check evaluates the equations of the report's format that carry the rule's id. A rule declared
without a check is either enforced elsewhere (R5, while reading the file) or deliberately not
checked (R9 is only a plausibility, R10 forbids an arithmetic).

Adding a rule: write its check in :mod:`.checks` (return diagnostics with the rule's id, naming the
cells at fault), declare it below, and run ``python3 -m govsite.reference --write README.md
docs/rules.md``. A new 勾稽 equation of a format version instead goes into that version's
``equations`` under an existing id.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Callable

from ..diagnostics import ERROR, WARNING
from . import checks


class Scope(enum.Enum):
    """What a rule's check looks at."""

    REPORT = "report"  # one report's file: its metadata, tables and prose
    PLACE = "place"  # one report and where its file lies
    AGENCY = "agency"  # the reports of one agency, across its years


SCOPE_ZH = {Scope.REPORT: "一份报告", Scope.PLACE: "报告文件所在目录", Scope.AGENCY: "同一机关的全部报告"}
SEVERITY_ZH = {ERROR: "错误", WARNING: "警告", None: "不校验"}


@dataclass(frozen=True)
class Rule:
    """One rule: what it says, how serious a break is, and how it is checked."""

    id: str  # "R1" … "R13" (spec §7), or a structural name: "prose", "fee", "year" …
    name: str  # a short Chinese title
    severity: str | None  # ERROR or WARNING; None: declared but deliberately not checked
    scope: Scope
    plain: str  # one sentence in plain Chinese, for citizens reading a report page
    expert: str  # the exact statement in the tables' official labels
    check: Callable | None = None  # REPORT/PLACE: (report) → diagnostics; AGENCY: (by agency-year) → diagnostics
    basis: str = ""  # where the rule comes from
    note: str = ""  # where it is enforced when not by ``check``, or why it is not checked

    @property
    def severity_zh(self) -> str:
        """错误, 警告 or 不校验."""
        return SEVERITY_ZH[self.severity]

    @property
    def from_format(self) -> bool:
        """True for the rules the format descriptions spell out as equations (R1–R4)."""
        return self.id in _EQUATION_RULES


_EQUATION_RULES = ("R1", "R2", "R3", "R4")

RULES: tuple[Rule, ...] = (
    Rule("R1", "申请收支平衡", ERROR, Scope.REPORT,
         "本年新收的申请加上上年转来的申请，应当等于本年办理完毕的加上转到下一年继续办理的，每一类申请人都是如此。",
         "表二每一列：一、本年新收 + 二、上年结转 = （七）总计 + 四、结转下年度继续办理（表头所印勾稽关系）",
         checks.equation_check("R1"), "格式表头印明"),
    Rule("R2", "每行总计", ERROR, Scope.REPORT,
         "每一行的“总计”应当等于自然人和各类法人或其他组织的数字之和。",
         "表二每一行：总计 = 自然人 + 法人或其他组织各列之和",
         checks.equation_check("R2"), "由“总计”列名可知"),
    Rule("R3", "办理结果之和", ERROR, Scope.REPORT,
         "各种办理结果（公开、部分公开、不予公开、无法提供、不予处理、其他处理）加起来，应当等于办理总数。",
         "表二每一列：（七）总计 = （一）至（六）各项之和",
         checks.equation_check("R3"), "由“（七）总计”行名可知"),
    Rule("R4", "复议诉讼总计", ERROR, Scope.REPORT,
         "行政复议和行政诉讼的“总计”应当等于维持、纠正、其他结果和尚未审结的件数之和。",
         "表三行政复议、未经复议直接起诉、复议后起诉各组：总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结",
         checks.equation_check("R4"), "由“总计”列名可知"),
    Rule("R5", "非负整数", ERROR, Scope.REPORT,
         "表格中的件数都是不小于 0 的整数；只有 2019 年版的“本年增/减”可以是负数。",
         "表二、表三的全部单元格和表一的计数单元格为非负整数；2019 年版表一“本年增/减”可为负；金额为原样的十进制数",
         None, "计数的含义",
         "读取报告时校验（govsite/load.py），不合格的单元格报告为 [value] 或 [shape] 错误，报告不予发布"),
    Rule("R6", "跨年度结转衔接", WARNING, Scope.AGENCY,
         "今年报告里“上年结转”的申请数，应当等于去年报告里“结转下年度继续办理”的数。",
         "同一机关相邻年度：本年“二、上年结转”应等于上年“四、结转下年度继续办理”（机构改革等情况可能合理不一致）",
         checks.check_carry_over, "惯例，格式未规定"),
    Rule("R7", "正文与表格数字一致", WARNING, Scope.REPORT,
         "报告正文里说的收到、办结和结转到下一年的申请件数，应当与表格中的数字一致。",
         "总体情况中所述收到或受理申请数 = 一、本年新收 · 总计（或一 + 二）；办结数 = （七）总计 · 总计；"
         "结转下年度数 = 四、结转下年度继续办理 · 总计",
         checks.check_narrative, "惯例",
         "只比较正文开头和“一、总体情况”中的说法；同一数字说了几次时，有一次与表格一致即可"),
    Rule("R8", "“均获维持”与表三一致", WARNING, Scope.REPORT,
         "正文说行政复议或行政诉讼“均获维持”时，表三中就不应有被纠正、其他结果或尚未审结的案件。",
         "总体情况中“均（获）维持”所说的行政复议或行政诉讼：表三该组的结果纠正、其他结果、尚未审结均为 0（只说已审结案件时，尚未审结可以不为 0）",
         checks.check_upheld, "惯例"),
    Rule("R9", "规范性文件存量", None, Scope.AGENCY,
         "现行有效的文件数大致等于上年的数加上本年制发、减去本年废止的数，但不必严格相等。",
         "2021 年版表一：现行有效(N) ≈ 现行有效(N−1) + 制发(N) − 废止(N)",
         None, "仅为合理性参考",
         "不校验：废止的文件常常不在统计的存量之内（如汉阳区 2022 年制发 5、废止 12、现行有效 8）"),
    Rule("R10", "2019 年版表一不做运算", None, Scope.REPORT,
         "2019 年版表一的“上一年项目数量”“本年增/减”“处理决定数量”是不同的量，彼此之间没有加减关系。",
         "2019 年版表一：上一年项目数量、本年增/减、处理决定数量之间没有等式",
         None, "格式的含义",
         "不校验，也不得校验：按“上一年 + 增减 = 处理决定数量”填写是误读表格"),
    Rule("R11", "机关层级与规章", WARNING, Scope.REPORT,
         "只有国务院部门和省、设区的市、自治州的人民政府可以制定规章，其他机关的规章数应为 0。",
         "只有国务院部门和省、设区的市、自治州人民政府可以制定规章，其他机关的规章行应为 0",
         checks.check_level, "立法法"),
    Rule("R12", "统计期限与年度", WARNING, Scope.REPORT,
         "正文所说的统计期限应当就是报告的年度。",
         "正文所述统计期限（如“统计期限自2024年1月1日起至2024年12月31日止”）中的年份 = 报告年度",
         checks.check_period, "惯例"),
    Rule("R13", "格式版本与年度", WARNING, Scope.REPORT,
         "2019、2020 年度的报告使用 2019 年版（试行）格式，2021 年度起使用 2021 年版格式。",
         "2019、2020 年度报告使用 2019 年版（试行）格式，2021 年度起使用 2021 年版格式",
         checks.check_format_year, "两个格式文件的适用年度"),
    Rule("prose", "文字章节齐全", WARNING, Scope.REPORT,
         "报告应有“总体情况”“存在的主要问题及改进情况”“其他需要报告的事项”三段文字。",
         "一、五、六章为必备的文字章节，不能缺少或为空",
         checks.check_prose, "格式的章节"),
    Rule("fee", "信息处理费说明", WARNING, Scope.REPORT,
         "2021 年起，报告第六部分应说明是否收取了信息处理费，没有收取也要写明。",
         "2021 年版：六、其他需要报告的事项 说明信息处理费的收取情况",
         checks.check_fee, "2021 年版格式说明"),
    Rule("missing", "原文缺失的数据", WARNING, Scope.REPORT,
         "原报告中没有的表格或行不会被编造，而是标为缺失，也不参与核对。",
         "元数据 missing 中列出的表格或行不参与校验，并逐项列出",
         checks.check_missing, "不编造数字"),
    Rule("year", "年度与目录", ERROR, Scope.PLACE,
         "报告文件应放在它的年度目录中。",
         "content/<年度>/ 目录中的报告，year 等于该年度",
         checks.check_year_folder, "网站结构"),
    Rule("duplicate", "每个机关每年一份", ERROR, Scope.AGENCY,
         "同一个机关每年只发布一份报告。",
         "同一机关、同一年度只能有一个报告文件",
         checks.check_duplicates, "网站结构"),
)

_BY_ID = {r.id: r for r in RULES}


def rule(rule_id: str) -> Rule | None:
    """The declared rule ``rule_id``; None for a structural code of reading a file (``toml``, ``key`` …)."""
    return _BY_ID.get(rule_id)


def plain(rule_id: str) -> str:
    """The plain-Chinese sentence of rule ``rule_id`` for a page; "" for an undeclared code."""
    r = _BY_ID.get(rule_id)
    return r.plain if r else ""


def checked(scope: Scope) -> tuple[Rule, ...]:
    """The rules of ``scope`` that have a check, in declaration order."""
    return tuple(r for r in RULES if r.scope is scope and r.check is not None)
