"""``govsite new``: a complete, zero-filled report that loads and checks (issue 5)."""

from __future__ import annotations

import datetime as dt

import pytest

from govsite.agency import infer_level, slug_for, split_agency
from govsite.check import check_report
from govsite.cli import main
from govsite.formats import FORMATS, Kind
from govsite.load import load_report
from govsite.sections import split_sections


@pytest.fixture(autouse=True)
def site_toml(tmp_path):
    """Each test's tmp_path is a site (``new`` refuses to run outside one)."""
    (tmp_path / "site.toml").write_text('title = "测试门户"\n', encoding="utf-8")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_new_writes_every_cell_zero_with_metadata_and_headings(tmp_path, capsys):
    code, out, err = run(capsys, "-C", str(tmp_path), "new", "2024", "卫辉市商务局", "--region", "河南省/新乡市/卫辉市",
                         "--level", "县级部门")
    assert code == 0, out + err
    path = tmp_path / "content" / "2024" / "weihui-shangwu.md"
    assert path.is_file() and "已新建" in out
    report, diags = load_report(path, tmp_path)
    assert report is not None and diags == []
    assert (report.agency, report.year, report.format.version) == ("卫辉市商务局", 2024, "2021")
    assert report.region == ("河南省", "新乡市", "卫辉市") and report.level == "县级部门"
    fmt = FORMATS["2021"]
    expected = {f"{t.key}.{f.key}" for t in fmt.tables for f in t.fields()}
    assert set(report.values) == expected
    for key, vals in report.values.items():
        kinds = [c.kind for c in fmt.field(key).value_columns]
        assert vals == ["0" if k is Kind.AMOUNT else 0 for k in kinds]
    _, sections = split_sections(report.body, report.body_line)
    assert all(p.line for p in sections)  # all six headings present
    checks = check_report(report)
    assert not [d for d in checks if d.is_error]
    assert {d.rule for d in checks} <= {"prose"}  # only "empty prose" warnings


def test_new_refuses_to_overwrite_without_force(tmp_path, capsys):
    assert run(capsys, "-C", str(tmp_path), "new", "2024", "卫辉市商务局")[0] == 0
    path = tmp_path / "content" / "2024" / "weihui-shangwu.md"
    path.write_text("mine", encoding="utf-8")
    code, _, err = run(capsys, "-C", str(tmp_path), "new", "2024", "卫辉市商务局")
    assert code == 2 and "已存在" in err and "--force" in err
    assert path.read_text(encoding="utf-8") == "mine"
    assert run(capsys, "-C", str(tmp_path), "new", "2024", "卫辉市商务局", "--force")[0] == 0
    assert path.read_text(encoding="utf-8").startswith("+++")


def test_new_uses_the_format_of_the_year(tmp_path, capsys):
    assert run(capsys, "-C", str(tmp_path), "new", "2020", "淮安市人民政府")[0] == 0
    report, diags = load_report(tmp_path / "content" / "2020" / "huaian.md", tmp_path)
    assert report is not None and diags == []
    assert report.format.version == "2019"
    assert report.values["active.procurement"] == [0, "0"]
    assert report.level == "设区的市人民政府"  # presumed from the name, and said so
    assert run(capsys, "-C", str(tmp_path), "new", "2022", "淮安市人民政府", "--format", "2019")[0] == 0
    report, _ = load_report(tmp_path / "content" / "2022" / "huaian.md", tmp_path)
    assert report.format.version == "2019"


def test_new_with_explicit_slug_and_bad_slugs(tmp_path, capsys):
    assert run(capsys, "-C", str(tmp_path), "new", "2023", "淮安市洪泽区人民政府", "--slug", "hongze-district")[0] == 0
    report, _ = load_report(tmp_path / "content" / "2023" / "hongze-district.md", tmp_path)
    assert report.level == "县级人民政府"
    for bad in ("../x", "Hongze", "a b", "洪泽"):
        code, _, err = run(capsys, "-C", str(tmp_path), "new", "2023", "淮安市洪泽区人民政府", "--slug", bad)
        assert code == 2 and "slug" in err


def test_new_rejects_bad_level_and_year(tmp_path, capsys):
    code, _, err = run(capsys, "-C", str(tmp_path), "new", "2023", "某某局", "--level", "市级")
    assert code == 2 and "不在可选值中" in err
    code, _, err = run(capsys, "-C", str(tmp_path), "new", "23", "某某局")
    assert code == 2 and "年份" in err
    assert not (tmp_path / "content").exists()


def test_slugs_are_deterministic_ascii():
    assert slug_for("卫辉市商务局") == "weihui-shangwu"
    assert slug_for("淮安市洪泽区人民政府") == "huaian-hongze"
    assert slug_for("淮安市人民政府") == "huaian"
    assert slug_for("新乡市住房和城乡建设局") == "xinxiang-zhufanghechengxiangjianshe"
    assert slug_for("卫辉市商务局") == slug_for("卫辉市商务局")


def test_agency_names_split_into_units():
    assert split_agency("郑州市金水区人民政府").units == ("郑州市", "金水区")
    assert split_agency("卫辉市市场监督管理局").units == ("卫辉市",)
    assert split_agency("广州市人民政府").units == ("广州市",)
    assert infer_level("某某县某某镇人民政府")[0] == "乡镇人民政府"
    assert infer_level("河南省人民政府")[0] == "省级人民政府"
    assert infer_level("上海市人民政府办公厅")[0] == "省级人民政府"
    assert infer_level("卫辉市商务局") == ("", "")  # 设区的市 or 县级市: not presumed


REGISTRY = '''title = "青山县政府信息公开"

[[agencies]]
name = "青山县人民政府"
slug = "qingshan-zhengfu"
level = "县级人民政府"
region = ["某某省", "某某市", "青山县"]
'''


def test_new_takes_slug_level_and_region_from_the_registry(tmp_path, capsys):
    (tmp_path / "site.toml").write_text(REGISTRY, encoding="utf-8")
    code, out, err = run(capsys, "-C", str(tmp_path), "new", "2024", "青山县人民政府")
    assert code == 0, err
    assert out.splitlines()[0] == ("已新建 content/2024/qingshan-zhengfu.md（2021 年版格式，国办公开办函〔2021〕30号）"
                                   "（沿用 site.toml 中登记的 slug、层级和地区）")
    report, diags = load_report(tmp_path / "content/2024/qingshan-zhengfu.md", tmp_path)
    assert diags == []
    assert (report.level, report.region) == ("县级人民政府", ("某某省", "某某市", "青山县"))


def test_new_refuses_options_that_contradict_the_registry(tmp_path, capsys):
    (tmp_path / "site.toml").write_text(REGISTRY, encoding="utf-8")
    code, _, err = run(capsys, "-C", str(tmp_path), "new", "2024", "青山县人民政府", "--slug", "qingshan")
    assert code == 2
    assert err == ("govsite: 错误：青山县人民政府 已在 site.toml 的 [[agencies]] 中登记，slug 为“qingshan-zhengfu”，"
                   "与这里的“qingshan”不同：请去掉 --slug，或先修改 site.toml 中的登记\n")
    code, _, err = run(capsys, "-C", str(tmp_path), "new", "2024", "青山县人民政府", "--level", "县级部门")
    assert code == 2 and "level 为“县级人民政府”" in err
    assert not (tmp_path / "content").exists()


def test_new_writes_a_published_date_to_confirm(tmp_path, capsys):
    code, out, _ = run(capsys, "-C", str(tmp_path), "new", "2024", "卫辉市商务局")
    assert code == 0
    today = dt.date.today().isoformat()
    text = (tmp_path / "content/2024/weihui-shangwu.md").read_text(encoding="utf-8")
    assert f"\npublished = {today}  # 发布日期：现为新建之日，请改为实际发布日期（待确认）\n" in text
    assert f"请填写表格数字和正文，并把 published 改为实际发布日期（现为今天 {today}，待确认）" in out
    report, _ = load_report(tmp_path / "content/2024/weihui-shangwu.md", tmp_path)
    assert report.published == dt.date.today()


def test_new_refuses_a_second_report_of_the_same_agency_and_year(tmp_path, capsys):
    assert run(capsys, "-C", str(tmp_path), "new", "2024", "卫辉市商务局")[0] == 0
    code, _, err = run(capsys, "-C", str(tmp_path), "new", "2024", "卫辉市商务局", "--slug", "shangwu")
    assert code == 2
    assert err == ("govsite: 错误：卫辉市商务局 2024 年度的报告已经有了：content/2024/weihui-shangwu.md。"
                   "同一机关同一年度只能有一份报告，请直接编辑那个文件\n")
    assert sorted(p.name for p in (tmp_path / "content/2024").iterdir()) == ["weihui-shangwu.md"]
    assert run(capsys, "-C", str(tmp_path), "new", "2025", "卫辉市商务局")[0] == 0  # another year is fine


def test_new_outside_a_site_says_so(tmp_path, capsys):
    (tmp_path / "site.toml").unlink()
    code, _, err = run(capsys, "-C", str(tmp_path), "new", "2024", "卫辉市商务局")
    assert code == 2 and "找不到站点设置文件 site.toml" in err and "govsite init" in err
    assert not (tmp_path / "content").exists()


def test_new_names_an_agency_missing_from_the_registry(tmp_path, capsys):
    (tmp_path / "site.toml").write_text(REGISTRY, encoding="utf-8")
    code, out, _ = run(capsys, "-C", str(tmp_path), "new", "2024", "青山县人民政", "--slug", "qs")
    assert code == 0
    assert out.splitlines()[0] == ("提示：青山县人民政 未在 site.toml 的 [[agencies]] 中登记（是不是“青山县人民政府”？）；"
                                   "登记后年度总览会跟踪它是否按时发布")
