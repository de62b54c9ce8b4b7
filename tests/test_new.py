"""``govsite new``: a complete, zero-filled report that loads and checks (issue 5)."""

from __future__ import annotations

from govsite.agency import infer_level, slug_for, split_agency
from govsite.check import check_report
from govsite.cli import main
from govsite.formats import FORMATS, Kind
from govsite.load import load_report
from govsite.sections import split_sections


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
