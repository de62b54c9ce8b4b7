"""Each rule of spec §7 that govsite checks: a passing and a failing fixture, with the exact message
(file, line, official labels, both sides of the sum) that ``govsite check`` prints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govsite.cli import main
from govsite.check import check_report, check_site
from govsite.load import load_report
from sitekit import HUAIAN_2024, PROSE, REPO, make_site, report_text, values_2021, zero_values

PATH = "content/2024/huaian.md"


def run_check(tmp_path: Path, files: dict[str, str], *args: str, capsys) -> tuple[int, list[str]]:
    site = make_site(tmp_path / "site", files)
    code = main(["-C", str(site), "check", *args])
    out = capsys.readouterr().out
    return code, [ln for ln in out.splitlines() if ln]


def test_valid_report_is_clean(tmp_path, capsys) -> None:
    code, lines = run_check(tmp_path, {PATH: report_text()}, capsys=capsys)
    assert (code, lines) == (0, [])


def test_r1_every_column(tmp_path, capsys) -> None:
    # 3 more new applications from natural persons, total adjusted: R2 still holds, R1 fails twice.
    new = list(HUAIAN_2024["applications.new_requests"])
    new[0] += 3
    new[6] += 3
    code, lines = run_check(tmp_path, {PATH: report_text(values_2021(applications__new_requests=new))}, capsys=capsys)
    assert code == 1
    assert lines == [
        f"{PATH}:40: 错误 [R1] 收到和处理政府信息公开申请情况 · 自然人：一(3004)+二(34)=3038，但（七）总计(2932)+四(103)=3035",
        f"{PATH}:40: 错误 [R1] 收到和处理政府信息公开申请情况 · 总计：一(3122)+二(34)=3156，但（七）总计(3050)+四(103)=3153",
    ]


def test_r2_every_row(tmp_path, capsys) -> None:
    # Move one from the 总计 of （二） to （一）: column sums hold, both row totals fail.
    granted = list(HUAIAN_2024["applications.granted"])
    partly = list(HUAIAN_2024["applications.partly_granted"])
    granted[6] += 1
    partly[6] -= 1
    text = report_text(values_2021(applications__granted=granted, applications__partly_granted=partly))
    code, lines = run_check(tmp_path, {PATH: text}, capsys=capsys)
    assert code == 1
    assert lines == [
        f"{PATH}:19: 错误 [R2] 收到和处理政府信息公开申请情况 · （一）予以公开：总计(1363)=1363，"
        "但自然人(1288)+商业企业(21)+科研机构(0)+社会公益组织(0)+法律服务机构(50)+其他(3)=1362",
        f"{PATH}:20: 错误 [R2] 收到和处理政府信息公开申请情况 · （二）部分公开（区分处理的，只计这一情形，不计其他情形）："
        "总计(453)=453，但自然人(447)+商业企业(7)+科研机构(0)+社会公益组织(0)+法律服务机构(0)+其他(0)=454",
    ]


def test_r3_outcomes_sum_to_total(tmp_path, capsys) -> None:
    granted = list(HUAIAN_2024["applications.granted"])
    granted[1] += 2
    granted[6] += 2
    code, lines = run_check(tmp_path, {PATH: report_text(values_2021(applications__granted=granted))}, capsys=capsys)
    assert code == 1
    assert [ln.split("：")[0] for ln in lines] == [
        f"{PATH}:40: 错误 [R3] 收到和处理政府信息公开申请情况 · 商业企业",
        f"{PATH}:40: 错误 [R3] 收到和处理政府信息公开申请情况 · 总计",
    ]
    assert lines[0].endswith(
        "：（七）总计(53)=53，但（一）(23)+（二）(7)+（三）1(0)+（三）2(1)+（三）3(0)+（三）4(0)+（三）5(1)+（三）6(0)"
        "+（三）7(0)+（三）8(0)+（四）1(12)+（四）2(0)+（四）3(0)+（五）1(6)+（五）2(0)+（五）3(0)+（五）4(0)+（五）5(0)"
        "+（六）1(3)+（六）2(0)+（六）3(2)=55")


def test_r4_review_and_litigation_totals(tmp_path, capsys) -> None:
    # 淮安市洪泽区人民政府 2023 really published 维持10+纠正1 with 总计 0 (tests/data/samples/README.md).
    text = report_text(values_2021(reviews__administrative_review=[10, 1, 0, 0, 0],
                                   reviews__litigation_after_review=[5, 0, 0, 0, 0]))
    code, lines = run_check(tmp_path, {PATH: text}, capsys=capsys)
    assert code == 1
    assert lines == [
        f"{PATH}:44: 错误 [R4] 政府信息公开行政复议、行政诉讼情况 · 行政复议：总计(0)=0，但结果维持(10)+结果纠正(1)+其他结果(0)+尚未审结(0)=11",
        f"{PATH}:46: 错误 [R4] 政府信息公开行政复议、行政诉讼情况 · 复议后起诉：总计(0)=0，但结果维持(5)+结果纠正(0)+其他结果(0)+尚未审结(0)=5",
    ]


def test_r6_carry_over_warning(tmp_path, capsys) -> None:
    prev = values_2021()
    prev["applications.carried_forward"] = [30, 0, 0, 0, 0, 0, 30]  # 2024 carries 34 over
    prev["applications.new_requests"] = [2928, 53, 0, 0, 61, 4, 3046]  # keeps R1 of 2023
    files = {
        "content/2023/huaian.md": report_text(prev, year=2023),
        PATH: report_text(),
    }
    code, lines = run_check(tmp_path, files, capsys=capsys)
    assert code == 0
    assert lines == [
        f"{PATH}:18: 警告 [R6] 二、上年结转政府信息公开申请数量 与 2023 年报告（content/2023/huaian.md）的 "
        "四、结转下年度继续办理 不一致：自然人 30→34，总计 30→34",
    ]
    code, _ = run_check(tmp_path / "strict", files, "--strict", capsys=capsys)
    assert code == 1


def test_r6_consistent_years_pass(tmp_path, capsys) -> None:
    prev = values_2021()
    prev["applications.carried_forward"] = [34, 0, 0, 0, 0, 0, 34]
    prev["applications.new_requests"] = [2932, 53, 0, 0, 61, 4, 3050]
    files = {"content/2023/huaian.md": report_text(prev, year=2023), PATH: report_text()}
    assert run_check(tmp_path, files, capsys=capsys) == (0, [])


def test_r11_rules_at_county_level(tmp_path, capsys) -> None:
    vals = values_2021(active__rules=[1, 0, 3])
    code, lines = run_check(tmp_path, {PATH: report_text(vals, level="县级人民政府")}, capsys=capsys)
    assert code == 0
    assert lines == [f"{PATH}:9: 警告 [R11] 主动公开政府信息情况 · 规章：机关层级为“县级人民政府”，按立法法不能制定规章，但填了非零数值 [1, 0, 3]"]
    assert run_check(tmp_path / "ok", {PATH: report_text(vals)}, capsys=capsys) == (0, [])


def test_r13_format_of_the_year(tmp_path, capsys) -> None:
    text = report_text(zero_values("2019"), version="2019", prose={"s1": "总体情况。", "s5": "问题。", "s6": "无。"})
    code, lines = run_check(tmp_path, {"content/2022/x.md": text.replace("year = 2024", "year = 2022")}, capsys=capsys)
    assert code == 0
    assert lines == ["content/2022/x.md:4: 警告 [R13] 2022 年度报告使用了 2019 年版格式（国办公开办函〔2019〕60号），应使用 2021 年版（国办公开办函〔2021〕30号）"]


def test_prose_and_fee_warnings(tmp_path, capsys) -> None:
    text = report_text(prose={"s1": "总体情况。", "s6": "本年度没有其他需要报告的事项。"})
    code, lines = run_check(tmp_path, {PATH: text}, capsys=capsys)
    assert code == 0
    assert lines == [
        f"{PATH}:59: 警告 [prose] 章节内容为空：五、存在的主要问题及改进情况",
        f"{PATH}:61: 警告 [fee] 六、其他需要报告的事项 未说明信息处理费的收取情况（2021 年版格式要求说明；未收取也应写明“未收取信息处理费”）",
    ]


def test_duplicate_agency_year_and_year_folder(tmp_path, capsys) -> None:
    files = {PATH: report_text(), "content/2024/huaian-copy.md": report_text(), "content/2023/wrong.md": report_text(agency="某局")}
    code, lines = run_check(tmp_path, files, capsys=capsys)
    assert code == 1
    assert lines == [
        "content/2023/wrong.md:3: 错误 [year] year = 2024 与所在目录 2023/ 不一致：请改正 year，或把文件移到 content/2024/ 目录",
        "content/2024/huaian-copy.md:2: 错误 [duplicate] 淮安市人民政府 2024 年度的报告重复：另见 content/2024/huaian.md。一个机关每年只能有一份报告，请删除或合并重复的文件",
    ]


def test_structural_errors_all_reported(tmp_path, capsys) -> None:
    text = report_text().replace("new_requests = [3001, 53, 0, 0, 61, 4, 3119]", "new_requests = [3001, 53, 0, 0, 61, 4]")
    text = text.replace("carried_over = [34,", "carried_over = [-34,").replace("granted = [1288,", "granted = [1288.5,")
    text = text.replace("fees = \"0\"", "fees = 1.5").replace("year = 2024", "year = 2024\nagnecy_name = \"x\"")
    code, lines = run_check(tmp_path, {PATH: text}, capsys=capsys)
    assert code == 1
    assert lines == [
        f"{PATH}:4: 错误 [key] 未知的键 agnecy_name",
        f"{PATH}:15: 错误 [value] 主动公开政府信息情况 · 行政事业性收费 · 本年收费金额（单位：万元）：金额请写成带引号的字符串以保留原样的小数位，例如 \"1.5\"",
        f"{PATH}:18: 错误 [shape] 收到和处理政府信息公开申请情况 · 一、本年新收政府信息公开申请数量：应有 7 个数值（依次为自然人、商业企业、科研机构、社会公益组织、法律服务机构、其他、总计），实际有 6 个，请补上漏填的数值（空白的格子填 0）",
        f"{PATH}:19: 错误 [value] 收到和处理政府信息公开申请情况 · 二、上年结转政府信息公开申请数量 · 自然人：不能为负数（-34），请填写 0 或正整数",
        f"{PATH}:20: 错误 [value] 收到和处理政府信息公开申请情况 · （一）予以公开 · 自然人：应为整数，而不是小数 1288.5，件数、条数只能是整数",
    ]


def test_unknown_table_key_suggests(tmp_path, capsys) -> None:
    text = report_text().replace("granted = [1288", "grnted = [1288")
    code, lines = run_check(tmp_path, {PATH: text}, capsys=capsys)
    assert code == 1
    assert lines == [
        f"{PATH}:16: 错误 [key] [applications] 缺少 granted（收到和处理政府信息公开申请情况 · （一）予以公开）：请补上一行 granted = [0, 0, 0, 0, 0, 0, 0]；原文确实没有这一行时，在 missing 中写 \"applications.granted\"",
        f"{PATH}:19: 错误 [key] [applications] 中未知的键 grnted，是不是 granted？（2021 年版格式的收到和处理政府信息公开申请情况）",
    ]


def test_toml_syntax_error_with_fullwidth_hint(tmp_path, capsys) -> None:
    text = report_text().replace('agency = "淮安市人民政府"', "agency ＝ “淮安市人民政府”")
    code, lines = run_check(tmp_path, {PATH: text}, capsys=capsys)
    assert code == 1
    assert lines == [f"{PATH}:2:8: 错误 [toml] TOML 语法错误：键后面应是等号 =（每行写成 键 = 值）。可能原因：第 8 列是全角等号 ＝，请改为 ="]


def test_json_output(tmp_path, capsys) -> None:
    text = report_text(values_2021(reviews__administrative_review=[10, 1, 0, 0, 0]))
    code, _ = run_check(tmp_path, {PATH: text}, "--format", "json", capsys=capsys)
    assert code == 1
    site = tmp_path / "site"
    main(["-C", str(site), "check", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert data == [{
        "path": PATH, "line": 44, "column": 0, "severity": "error", "rule": "R4",
        "message": "政府信息公开行政复议、行政诉讼情况 · 行政复议：总计(0)=0，但结果维持(10)+结果纠正(1)+其他结果(0)+尚未审结(0)=11",
        "cells": [["reviews.administrative_review", i] for i in (4, 0, 1, 2, 3)],
    }]


@pytest.mark.parametrize("version", ["2019", "2021"])
def test_zero_report_of_each_format_is_clean(tmp_path, capsys, version) -> None:
    year = 2020 if version == "2019" else 2022
    text = report_text(zero_values(version), version=version, year=year, prose={"s1": "a", "s5": "b", "s6": "未收取信息处理费。"})
    assert run_check(tmp_path, {f"content/{year}/x.md": text}, capsys=capsys) == (0, [])


def _line_of(text: str, phrase: str) -> int:
    """The file line of ``phrase`` in a fixture (1-based)."""
    return text[: text.index(phrase)].count("\n") + 1


# 淮安市人民政府 2024 states its figures in section 一 (tests/data/samples/huaian-city-2024.pdftotext.txt):
# 受理 3119 (row 一), 答复 3050 of which the carried-over 34, 103 carried to next year (row 四).
HUAIAN_S1 = ("2024年，全市共受理政府信息公开申请3119件，办结3050件，另有103件结转下年度继续办理。"
             "政府信息公开行政复议351件，其中结果维持72件。")


def test_r7_prose_figures_agree_with_table_2(tmp_path, capsys) -> None:
    text = report_text(prose={**PROSE, "s1": HUAIAN_S1})
    assert run_check(tmp_path, {PATH: text}, capsys=capsys) == (0, [])
    # 一 + 二 (3119 + 34 = 3153) is also what reports call 受理 (spec §7 R7)
    text = report_text(prose={**PROSE, "s1": HUAIAN_S1.replace("3119件", "3153件")})
    assert run_check(tmp_path / "both", {PATH: text}, capsys=capsys) == (0, [])


def test_r7_prose_figures_that_disagree(tmp_path, capsys) -> None:
    s1 = HUAIAN_S1.replace("3119件", "3120件").replace("办结3050件", "办结3049件").replace("103件", "13件")
    text = report_text(prose={**PROSE, "s1": s1})
    code, lines = run_check(tmp_path, {PATH: text}, capsys=capsys)
    line = _line_of(text, "2024年，全市")
    assert code == 0
    assert lines == [
        f"{PATH}:{line}: 警告 [R7] 正文所述“全市共受理政府信息公开申请3120件”与表格不一致："
        "一、本年新收政府信息公开申请数量 · 总计 为 3119（加上 二、上年结转 为 3153）",
        f"{PATH}:{line}: 警告 [R7] 正文所述“办结3049件”与表格不一致：三、本年度办理结果 · （七）总计 · 总计 为 3050",
        f"{PATH}:{line}: 警告 [R7] 正文所述“另有13件结转下年度继续办理”与表格不一致：四、结转下年度继续办理 · 总计 为 103",
    ]


def test_r7_hongze_2024_example_report() -> None:
    # The real 淮安市洪泽区人民政府 2024 report says 受理…17件 while its row 一 says 95.
    report, _ = load_report(REPO / "content" / "2024" / "huaian-hongze.md", REPO)
    r7 = [d for d in check_report(report) if d.rule == "R7"]
    text = (REPO / "content" / "2024" / "huaian-hongze.md").read_text(encoding="utf-8")
    assert [(d.line, d.severity, d.message, d.cells) for d in r7] == [(
        _line_of(text, "（二）依申请公开情况"), "warning",
        "正文所述“区政府办代表区政府受理政府信息公开申请17件”与表格不一致：一、本年新收政府信息公开申请数量 · 总计 为 95",
        (("applications.new_requests", 6),),
    )]


def test_r8_all_upheld_against_table_3(tmp_path, capsys) -> None:
    s1 = "本年度发生政府信息公开行政复议351件，均获维持。"
    code, lines = run_check(tmp_path, {PATH: report_text(prose={**PROSE, "s1": s1})}, capsys=capsys)
    assert code == 0
    assert lines == [
        f"{PATH}:{_line_of(report_text(prose={**PROSE, 's1': s1}), s1)}: 警告 [R8] 正文说“本年度发生政府信息公开行政复议351件，均获维持”，"
        "但表格中有未维持的结果：行政复议 · 结果纠正 64、行政复议 · 其他结果 178、行政复议 · 尚未审结 37",
    ]
    upheld = values_2021(reviews__administrative_review=[351, 0, 0, 0, 351])
    assert run_check(tmp_path / "ok", {PATH: report_text(upheld, prose={**PROSE, "s1": s1})}, capsys=capsys) == (0, [])


def test_r12_statistical_period_of_another_year(tmp_path, capsys) -> None:
    s1 = "本报告中所列数据统计期限自2023年1月1日起至2023年12月31日止。"
    text = report_text(prose={**PROSE, "s1": s1})
    code, lines = run_check(tmp_path, {PATH: text}, capsys=capsys)
    assert (code, lines) == (0, [
        f"{PATH}:{_line_of(text, s1)}: 警告 [R12] 正文所述统计期限“统计期限自2023年1月1日起至2023年12月31日止”与报告年度 2024 不一致"])
    right = report_text(prose={**PROSE, "s1": s1.replace("2023", "2024")})
    assert run_check(tmp_path / "ok", {PATH: right}, capsys=capsys) == (0, [])


def test_cells_at_fault_are_named(tmp_path) -> None:
    new = list(HUAIAN_2024["applications.new_requests"])
    new[0] += 3  # 总计 left alone: R1 fails for 自然人, R2 for row 一
    files = {PATH: report_text(values_2021(applications__new_requests=new, active__rules=[1, 0, 3]), level="县级人民政府")}
    site = make_site(tmp_path / "site", files)
    report, _ = load_report(site / PATH, site)
    by_rule = {d.rule: d.cells for d in check_report(report)}
    assert sorted(by_rule) == ["R1", "R11", "R2"]
    assert by_rule["R1"] == (("applications.new_requests", 0), ("applications.carried_over", 0),
                             ("applications.total", 0), ("applications.carried_forward", 0))
    assert by_rule["R2"] == (("applications.new_requests", 6),) + tuple(("applications.new_requests", i) for i in range(6))
    assert by_rule["R11"] == (("active.rules", 0), ("active.rules", 2))
    prev = values_2021(applications__carried_forward=[30, 0, 0, 0, 0, 0, 30],
                       applications__new_requests=[2928, 53, 0, 0, 61, 4, 3046])
    site = make_site(tmp_path / "two", {"content/2023/huaian.md": report_text(prev, year=2023), PATH: report_text()})
    reports = [load_report(site / p, site)[0] for p in ("content/2023/huaian.md", PATH)]
    [r6] = check_site(reports)
    assert (r6.rule, r6.cells) == ("R6", (("applications.carried_over", 0), ("applications.carried_over", 6)))


def test_r8_concluded_cases_upheld_leaves_pending_ones(tmp_path, capsys) -> None:
    # 淮安市人民政府 2024: litigation 13+12 维持, 4+1 纠正, 8+1 其他, 1+6 尚未审结
    s1 = "已审结的政府信息公开行政诉讼案件均获维持。"
    text = report_text(prose={**PROSE, "s1": s1})
    code, lines = run_check(tmp_path, {PATH: text}, capsys=capsys)
    assert lines == [
        f"{PATH}:{_line_of(text, s1)}: 警告 [R8] 正文说“已审结的政府信息公开行政诉讼案件均获维持”，但表格中有未维持的结果："
        "未经复议直接起诉 · 结果纠正 4、未经复议直接起诉 · 其他结果 8、复议后起诉 · 结果纠正 1、复议后起诉 · 其他结果 1",
    ]
    settled = values_2021(reviews__litigation_direct=[13, 0, 0, 1, 14], reviews__litigation_after_review=[12, 0, 0, 6, 18])
    assert run_check(tmp_path / "ok", {PATH: report_text(settled, prose={**PROSE, "s1": s1})}, capsys=capsys) == (0, [])
