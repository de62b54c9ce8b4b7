"""The rule declarations (govsite/formats/rules.py) cover spec §7, drive the checker, and the prose
figures R7 reads are found in the phrasings real reports use."""

from __future__ import annotations

import json

import pytest

from govsite.check import check_report
from govsite.diagnostics import Diagnostic, to_json, warning
from govsite.formats import FORMATS
from govsite.formats import narrative
from govsite.formats.rules import RULES, Scope, checked, plain, rule
from govsite.importer import import_file
from govsite.load import load_report
from importkit import SAMPLES, truth_values
from sitekit import REPO

SPEC_RULES = tuple(f"R{n}" for n in range(1, 14))


def test_every_rule_of_spec_7_is_declared_once_in_order() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    assert tuple(i for i in ids if i in SPEC_RULES) == SPEC_RULES
    assert all(r.plain and r.expert and r.name for r in RULES)


def test_equations_belong_to_declared_rules() -> None:
    for fmt in FORMATS.values():
        used = {eq.rule for eq in fmt.equations}
        assert used == {r.id for r in RULES if r.from_format} == {"R1", "R2", "R3", "R4"}


def test_rules_without_a_check_say_why() -> None:
    unchecked = {r.id: r for r in RULES if r.check is None}
    assert sorted(unchecked) == ["R10", "R5", "R9"]
    assert unchecked["R5"].severity == "error" and "govsite/load.py" in unchecked["R5"].note
    assert unchecked["R9"].severity is None and unchecked["R10"].severity is None
    assert "不得校验" in unchecked["R10"].note


def test_scopes() -> None:
    assert [r.id for r in checked(Scope.AGENCY)] == ["R6", "duplicate"]
    assert [r.id for r in checked(Scope.PLACE)] == ["year"]
    assert [r.id for r in checked(Scope.REPORT)] == [
        "R1", "R2", "R3", "R4", "R7", "R8", "R11", "R12", "R13", "prose", "fee", "missing"]


def test_plain_sentence_by_id() -> None:
    assert plain("R6") == "今年报告里“上年结转”的申请数，应当等于去年报告里“结转下年度继续办理”的数。"
    assert plain("toml") == "" and rule("toml") is None
    assert rule("R7").severity_zh == "警告"


@pytest.mark.parametrize("text, found", [
    ("共收到政府信息公开申请17件", [("received", 17)]),
    ("区政府办代表区政府受理政府\n信息公开申请 17 件，均已在法定期限内予以答复", [("received", 17)]),
    ("受理依申请公开申请95件，办结95件，结转下年度继续办理0件。", [("received", 95), ("concluded", 95), ("carried_forward", 0)]),
    ("本年度全区共收到70件申请，及时依法依规办结69件，1件结转下年度继续办理", [("received", 70), ("concluded", 69), ("carried_forward", 1)]),
    ("全区接收通过邮寄、网络提交的各类政府信息公开申请共计81件。办结依申请公开81件", [("received", 81), ("concluded", 81)]),
    ("全市共受理政府信息公开申请3,119件，答复3050件（含上年度结转申请34件，另有103件顺延到下年度答复）",
     [("received", 3119), ("carried_forward", 103)]),
    ("全年新收依申请公开95件", [("received", 95)]),
    # other matters and other years are not this year's applications
    ("收到行政复议申请2件", []),
    ("受理申请数量较上年增加10件", []),
    ("上年结转申请3件", []),
    ("办结率100%，已全部办结", []),
    ("受理渠道畅通，处理信访举报投诉类申请5件", []),
    ("较上年收到申请80件有所增加", []),
    ("办结上年结转申请3件", []),
    ("2024年收到申请95件，2023年同期收到申请80件", [("received", 95)]),
])
def test_prose_figures_in_real_phrasings(text, found) -> None:
    assert [(s.what, s.number) for s in narrative.statements(text)] == found


def test_upheld_sentences() -> None:
    found = narrative.upheld_statements(
        "行政复议2件，均获维持。行政诉讼3件，其中2件均维持。已审结的行政诉讼案件全部被依法维持。维持原有做法。")
    assert [(u.phrase, u.review, u.litigation, u.concluded_only) for u in found] == [
        ("行政复议2件，均获维持", True, False, False),
        ("已审结的行政诉讼案件全部被依法维持", False, True, True),
    ]


def test_statement_offsets_point_into_the_original_text() -> None:
    text = "一、总体情况\n\n2024 年，全区\n受理政府信息公开申请 1,234 件。"
    [s] = narrative.statements(text)
    assert (s.phrase, s.number) == ("全区受理政府信息公开申请1,234件", 1234)
    assert text[s.offset:].startswith("全区\n受理")


# Table 2's 总计 of rows 一, 二, （七）, 四 of each sample: tests/data/sample_tables.json, and for the two
# crawled Pingtan pages the digit runs decoded with R2 (640020470 → 64|0|0|2|0|4|70 and so on).
def _totals(sample: str) -> tuple[int, int, int, int]:
    v = truth_values(sample)
    return tuple(v[f"applications.{k}"][6] for k in ("new_requests", "carried_over", "total", "carried_forward"))


PINGTAN = {"pingtan-2021.crawled.txt": (70, 0, 69, 1), "pingtan-2023.crawled.txt": (81, 0, 81, 0)}


@pytest.mark.parametrize("sample, disagreeing", [
    ("hongze-district-2023.pdftotext.txt", []),
    ("hongze-district-2024.pdftotext.txt", [("received", 17)]),
    ("huaian-city-2024.pdftotext.txt", []),
    ("pingtan-2021.crawled.txt", []),
    ("pingtan-2023.crawled.txt", []),
])
def test_samples_prose_against_their_tables(sample, disagreeing) -> None:
    new, over, total, forward = PINGTAN.get(sample) or _totals(sample)
    accepted = {"received": {new, new + over}, "concluded": {total}, "carried_forward": {forward}}
    said = narrative.statements((SAMPLES / sample).read_text(encoding="utf-8"))
    assert said, sample
    assert [(s.what, s.number) for s in said if s.number not in accepted[s.what]] == disagreeing


def test_imported_hongze_2024_is_warned_by_check(tmp_path) -> None:
    result = import_file(SAMPLES / "hongze-district-2024.pdftotext.txt")
    path = tmp_path / "content" / "2024" / "hongze.md"
    path.parent.mkdir(parents=True)
    path.write_text(result.text(), encoding="utf-8")
    report, _ = load_report(path, tmp_path)
    [r7] = [d for d in check_report(report) if d.rule == "R7"]
    assert r7.message == ("正文所述“区政府办代表区政府受理政府信息公开申请17件”与表格不一致："
                          "一、本年新收政府信息公开申请数量 · 总计 为 95")
    assert "受理政府信息公开申请17件" in path.read_text(encoding="utf-8").splitlines()[r7.line - 1]


def test_example_portal_prose_rules() -> None:
    found = {}
    for path in sorted((REPO / "content").rglob("*.md")):
        report, _ = load_report(path, REPO)
        found[report.path] = [d.rule for d in check_report(report) if d.rule in ("R7", "R8", "R12")]
    assert found == {
        "content/2022/weihui-shangwu.md": [],
        "content/2023/huaian-hongze.md": [],
        "content/2024/huaian-hongze.md": ["R7"],
        "content/2024/huaian.md": [],
    }


def test_diagnostic_cells_in_equality_order_and_json() -> None:
    a = warning("a.md", 3, "R7", "x", cells=(("applications.total", 6),))
    b = warning("a.md", 3, "R7", "x")
    assert a != b and b < a and b.cells == ()
    assert a == Diagnostic("a.md", 3, 0, "warning", "R7", "x", (("applications.total", 6),))
    assert json.loads(to_json([a]))[0]["cells"] == [["applications.total", 6]]
