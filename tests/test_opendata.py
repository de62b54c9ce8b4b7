"""Open data: stable cell keys, the codebook, the per-report and per-year files, formula-safe CSV,
the archive and the data package — on small sites written for each point."""

from __future__ import annotations

import csv
import io
import json
import re
import stat
import zipfile
from pathlib import Path

import pytest

from govsite.build import build, load_site
from govsite.formats import FORMATS, Kind
from govsite.opendata import (
    codebook, codebook_csv, codebook_json, csv_bytes, report_csv, report_json, safe_text, year_checks, year_csv,
)
from govsite.opendata.codebook import rules_of
from sitekit import make_site, report_text, values_2021, zero_values

EVIL = '=HYPERLINK("http://evil.com","x")'
#: A name with the characters CSV quoting must survive. (A name starting with = + - @ never gets
#: this far: loading refuses it, and the CSV writer's own guard is tested below with EVIL.)
QUOTED = '某县"数据",<b>局</b>'
#: A name with the characters CSV quoting must survive. (A name starting with = + - @ never gets
#: this far: loading refuses it, and the CSV writer's own guard is tested below with EVIL.)
QUOTED = '某县"数据",<b>局</b>'


def read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith("\ufeff".encode("utf-8"))
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def all_keys(version: str) -> list[str]:
    fmt = FORMATS[version]
    return [f.cell_key(t.key, i) for t in fmt.tables for f, i, _ in t.cells()]


# --- keys ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", sorted(FORMATS))
def test_every_cell_has_a_unique_ascii_key(version: str) -> None:
    keys = all_keys(version)
    assert len(keys) == len(set(keys)) == {"2019": 198, "2021": 200}[version]
    for k in keys:
        table, field, column = k.split(".")
        assert table and field and column and k.isascii() and k == k.lower(), k


def test_keys_are_shared_exactly_where_the_meaning_is() -> None:
    """Spec §6: Tables 2 and 3 and the Table 2 columns are unchanged; Table 1's columns changed
    except 处理决定数量, which the 2021 format kept as 本年处理决定数量."""
    old, new = FORMATS["2019"], FORMATS["2021"]
    labels = {v: {f.cell_key(t.key, i): (p.table, p.row, p.column) for t in FORMATS[v].tables
                  for f, i, p in t.cells()} for v in ("2019", "2021")}
    shared = set(labels["2019"]) & set(labels["2021"])
    differ = sorted(k for k in shared if labels["2019"][k] != labels["2021"][k])
    assert differ == ["active.coercive_measures.decisions", "active.licensing.decisions",
                      "active.penalties.decisions"]
    assert labels["2019"]["active.licensing.decisions"][2] == ("处理决定数量",)
    assert labels["2021"]["active.licensing.decisions"][2] == ("本年处理决定数量",)
    # every cell with the same labels in both versions has the same key
    by_labels = {v: {lab: k for k, lab in labels[v].items()} for v in labels}
    for lab, k in by_labels["2019"].items():
        if lab in by_labels["2021"]:
            assert by_labels["2021"][lab] == k
    assert len(shared) == 172
    only_2019 = sorted(set(labels["2019"]) - shared)
    assert "active.rules.made" in only_2019 and "active.procurement.amount" in only_2019
    assert "applications.other.total" in only_2019
    only_2021 = sorted(set(labels["2021"]) - shared)
    assert "active.rules.issued" in only_2021 and "applications.other_unpaid.natural_person" in only_2021
    assert old.version != new.version


# --- codebook --------------------------------------------------------------------------------------


def test_codebook_csv_lists_every_key_with_its_labels_per_format() -> None:
    rows = read_csv(codebook_csv())
    meta = ["year", "slug", "agency", "format", "region", "level", "published", "errors", "warnings"]
    assert [r["key"] for r in rows] == meta + [e.key for e in codebook()]
    assert len(rows) - len(meta) == len(set(all_keys("2019")) | set(all_keys("2021"))) == 226
    by_key = {r["key"]: r for r in rows}
    assert (by_key["agency"]["table"], by_key["agency"]["type"]) == ("报告信息", "文字")
    assert by_key["agency"]["note"] == "机关全称；文字；在 CSV 中以 = + - @、制表符或回车开头时前加英文单引号 '"
    assert (by_key["errors"]["type"], by_key["errors"]["note"]) == ("整数", "校验错误数")
    assert by_key["applications.new_requests.natural_person"] == {
        "key": "applications.new_requests.natural_person", "table": "收到和处理政府信息公开申请情况",
        "row_2021": "一、本年新收政府信息公开申请数量", "column_2021": "自然人",
        "row_2019": "一、本年新收政府信息公开申请数量", "column_2019": "自然人",
        "unit": "件", "type": "非负整数（件数、条数）", "rules": "R1 R2", "note": ""}
    fees = by_key["active.fees.amount"]
    assert (fees["row_2021"], fees["column_2021"], fees["row_2019"]) == (
        "第二十条第（八）项 / 行政事业性收费", "本年收费金额（单位：万元）", "")
    assert fees["unit"] == "万元" and fees["type"].startswith("金额") and fees["rules"] == ""
    assert fees["note"].startswith("文字；在 CSV 中以 = + - @")
    assert by_key["active.procurement.amount"]["unit"] == "元、万元（以单元格所写为准）"
    assert by_key["active.licensing.items_change"]["type"] == "整数，可为负（减少用负值表示）"
    assert by_key["applications.total.total"]["rules"] == "R1 R2 R3"
    assert by_key["reviews.litigation_direct.pending"]["rules"] == "R4"


def test_codebook_rules_come_from_the_equations() -> None:
    for e in codebook():
        expected = {eq.rule for v, cell in e.cells.items() for eq in FORMATS[v].equations
                    for ref in eq.left + eq.right if (ref.key, ref.index) == (cell.field, cell.index)}
        assert set(rules_of(e)) == expected, e.key


def test_codebook_json_and_the_formula_note() -> None:
    doc = json.loads(codebook_json())
    assert "以 = + - @、制表符或回车开头的文字单元格前加一个英文单引号 '" in doc["note"]
    cell = next(c for c in doc["cells"] if c["key"] == "active.licensing.decisions")
    assert cell["labels"]["2019"]["column"] == ["处理决定数量"]
    assert cell["labels"]["2021"]["column"] == ["本年处理决定数量"]
    assert cell["type"] == "integer"
    assert next(c for c in doc["cells"] if c["key"] == "active.fees.amount")["type"] == "string"
    assert [f["version"] for f in doc["formats"]] == ["2021", "2019"]


# --- safe CSV --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+86", "-2", "@SUM(A1)", "\tx", "\rx", EVIL])
def test_formula_text_gets_a_quote(text: str) -> None:
    assert safe_text(text) == "'" + text
    row = next(csv.reader(io.StringIO(csv_bytes(None, [[text, -8, 3]], bom=False).decode("utf-8"), newline="")))
    assert row == ["'" + text, "-8", "3"]  # numbers are numbers, negative ones too


@pytest.mark.parametrize("text", ["卫辉市", "a=b", "1-2", "", " =x"])
def test_other_text_is_as_it_is(text: str) -> None:
    assert safe_text(text) == text


# --- files of one small site -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Three 2021 reports (one in the 2019 format, one with a hostile name and an R1/R3 failure)
    and one 2020 report with a negative 本年增/减 and a procurement amount in 元."""
    root = tmp_path_factory.mktemp("od") / "site"
    bad = values_2021(active__fees=["75.9260"])
    bad["applications.granted"] = [1289] + bad["applications.granted"][1:]
    old = zero_values("2019")
    old["active.licensing"] = [12, -8, 40]
    old["active.procurement"] = [3, "251000元"]
    make_site(root, {
        "content/2021/huaian.md": report_text(values_2021(), year=2021),
        "content/2021/evil.md": report_text(bad, year=2021, agency=QUOTED),
        "content/2021/old-format.md": report_text(zero_values("2019"), version="2019", year=2021, agency="某县档案局"),
        "content/2020/huaian.md": report_text(old, version="2019", year=2020),
    }, site_toml='title = "测试门户"\npublish_invalid = true\n')
    site = load_site(root)
    problems: dict[str, list] = {}
    for d in site.diagnostics:
        problems.setdefault(d.path, []).append(d)
    reports = {r.path: r for r in site.reports}
    return root, reports, problems


def test_report_json_holds_metadata_checks_and_cells_by_key(small) -> None:
    _, reports, problems = small
    r = reports["content/2021/evil.md"]
    doc = json.loads(report_json(r, problems[r.path]))
    assert (doc["year"], doc["slug"], doc["agency"], doc["format"]) == (2021, "evil", QUOTED, "2021")
    assert doc["cells"]["applications"]["granted"]["natural_person"] == 1289
    assert doc["cells"]["active"]["fees"]["amount"] == "75.9260"  # exact decimal text
    assert doc["cells"]["reviews"]["administrative_review"] == {
        "upheld": 72, "corrected": 64, "other": 178, "pending": 37, "total": 351}
    flat = [f"{t}.{f}.{c}" for t, fs in doc["cells"].items() for f, cs in fs.items() for c in cs]
    assert flat == all_keys("2021")
    rules = sorted(c["rule"] for c in doc["checks"])
    assert rules == ["R2", "R3"] and doc["errors"] == 2 and doc["warnings"] == 0
    r3 = next(c for c in doc["checks"] if c["rule"] == "R3")
    assert r3["severity"] == "error"
    assert r3["cells"][0] == "applications.total.natural_person"
    assert "applications.granted.natural_person" in r3["cells"] and len(r3["cells"]) == 1 + 21  # （七）总计 = （一）…（六）3
    assert r3["message"].startswith("收到和处理政府信息公开申请情况 · 自然人：")
    r2 = next(c for c in doc["checks"] if c["rule"] == "R2")
    assert r2["cells"] == [f"applications.granted.{c}" for c in
                           ("total", "natural_person", "business", "research", "public_interest",
                            "legal_service", "other_organisation")]


def test_report_csv_is_long_with_labels(small) -> None:
    _, reports, _ = small
    rows = read_csv(report_csv(reports["content/2020/huaian.md"]))
    assert [r["key"] for r in rows] == all_keys("2019")
    by_key = {r["key"]: r for r in rows}
    assert by_key["active.licensing.items_change"] == {
        "key": "active.licensing.items_change", "row": "行政许可", "column": "本年增/减", "value": "-8"}
    assert by_key["active.procurement.amount"]["value"] == "251000元"
    assert by_key["reviews.litigation_after_review.corrected"]["row"] == "复议后起诉"
    assert by_key["applications.withheld_state_secret.business"]["row"] == "1.属于国家秘密"
    assert by_key["applications.withheld_state_secret.business"]["column"] == "商业企业"


def test_per_report_json_is_compact(small) -> None:
    _, reports, problems = small
    r = reports["content/2021/huaian.md"]
    assert len(report_json(r, problems.get(r.path, []))) < 5000


def test_year_csv_has_a_column_per_key_of_the_years_formats(small) -> None:
    _, reports, problems = small
    year = [reports[p] for p in ("content/2021/evil.md", "content/2021/huaian.md", "content/2021/old-format.md")]
    rows = read_csv(year_csv(2021, year, problems))
    keys = list(rows[0])
    assert keys[:9] == ["year", "slug", "agency", "format", "region", "level", "published", "errors", "warnings"]
    assert set(keys[9:]) == set(all_keys("2019")) | set(all_keys("2021"))
    evil, huaian, old = rows
    assert evil["agency"] == QUOTED
    assert (evil["errors"], evil["warnings"]) == ("2", "0")
    assert huaian["applications.new_requests.total"] == "3119" and huaian["active.fees.amount"] == "0"
    assert huaian["active.rules.made"] == ""  # a 2019 cell: not in a 2021 report
    assert old["format"] == "2019" and old["active.rules.made"] == "0" and old["active.rules.issued"] == ""
    assert huaian["warnings"] == "1"  # R6: its 2020 report carried 0 forward, it carries 34 over
    assert old["warnings"] == "1"  # R13: the 2019 format for a 2021 report
    assert evil["region"] == "江苏省 / 淮安市"


def test_year_checks_lists_each_result_with_its_cells(small) -> None:
    _, reports, problems = small
    year = [reports[p] for p in ("content/2021/evil.md", "content/2021/huaian.md", "content/2021/old-format.md")]
    rows = read_csv(year_checks(2021, year, problems))
    assert [(r["slug"], r["rule"], r["severity"]) for r in rows] == [
        ("evil", "R2", "error"), ("evil", "R3", "error"), ("huaian", "R6", "warning"),
        ("old-format", "R13", "warning")]
    assert rows[0]["agency"] == QUOTED
    assert rows[0]["cells"].split() == ["applications.granted.total"] + [
        f"applications.granted.{c}" for c in ("natural_person", "business", "research", "public_interest",
                                              "legal_service", "other_organisation")]
    # R6 (上年结转 against last year's 结转下年度继续办理) concerns the carried-over row
    assert rows[2]["cells"].split() == [f"applications.carried_over.{c}" for c in (
        "natural_person", "business", "research", "public_interest", "legal_service", "other_organisation", "total")]
    assert rows[3]["cells"] == ""  # R13 is about the report, not a cell


# --- the built site --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(small, tmp_path_factory):
    root = small[0]
    out = tmp_path_factory.mktemp("od-out") / "public"
    assert build(root, output=out).pages
    return out


def test_archive_holds_the_year_files_codebook_and_package(built: Path) -> None:
    data = built / "data"
    with zipfile.ZipFile(data / "govsite-data.zip") as zf:
        assert zf.namelist() == ["README.txt", "2020.csv", "2020-checks.csv", "2021.csv", "2021-checks.csv",
                                 "codebook.csv", "codebook.json", "datapackage.json"]
        for name in zf.namelist()[1:]:
            assert zf.read(name) == (data / name).read_bytes(), name
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) and i.external_attr >> 16 == 0o644 for i in zf.infolist())
        assert "金额是按原文照录的十进制文本" in zf.read("README.txt").decode("utf-8")


def test_every_output_is_world_readable(built: Path) -> None:
    for f in built.rglob("*"):
        mode = f.stat().st_mode
        assert mode & stat.S_IROTH, (f, oct(mode))
        if f.is_dir():
            assert mode & stat.S_IXOTH, (f, oct(mode))


def test_data_package_is_valid_and_keeps_amounts_exact(built: Path) -> None:
    import frictionless  # the test extra installs it

    report = frictionless.validate(str(built / "data" / "datapackage.json"))
    assert report.valid, report.flatten(["resourcePath", "rowNumber", "fieldName", "type", "note"])
    package = frictionless.Package(str(built / "data" / "datapackage.json"))
    rows = package.get_resource("year-2021").read_rows()
    evil = next(r for r in rows if r["slug"] == "evil")
    assert evil["active.fees.amount"] == "75.9260"
    assert evil["applications.new_requests.total"] == 3119 and evil["errors"] == 2
    old = next(r for r in package.get_resource("year-2020").read_rows())
    assert old["active.licensing.items_change"] == -8 and old["active.procurement.amount"] == "251000元"
    fields = {f.name: f.type for f in package.get_resource("year-2021").schema.fields}
    assert fields["active.fees.amount"] == "string" and fields["published"] == "date"
    assert {fields[k] for k in all_keys("2021") if FORMATS["2021"].field(k.rsplit(".", 1)[0]).value_columns[0].kind
            is Kind.COUNT} == {"integer"}


def test_data_page_speaks_to_people(built: Path) -> None:
    page = (built / "data" / "index.html").read_text(encoding="utf-8")
    for words in ("Excel", "WPS", "pandas", "代码本", "2021 年度数据表", "2021 年度校验结果", "全部数据打包下载"):
        assert words in page, words
    main = page[page.index("<main"):page.index("</main>")]
    assert not re.search(r"govsite (export|build|check)|pip install|--format", main)  # no command lines
    for name in ("govsite-data.zip", "codebook.csv", "codebook.json", "datapackage.json", "2020.csv",
                 "2021-checks.csv"):
        assert f'href="/data/{name}"' in page, name
    # every key shown in the codebook table beside its official labels
    assert ("<code>applications.new_requests.natural_person</code></th>"
            '<td data-label="2021 年版中的行 · 列">一、本年新收政府信息公开申请数量 · 自然人</td>'
            '<td data-label="2019 年版中的行 · 列">一、本年新收政府信息公开申请数量 · 自然人</td>'
            '<td data-label="单位">件</td><td data-label="类型">件数</td><td data-label="校验规则">R1 R2</td>') in page
    assert "共 226 个单元格键" in page
    assert page.index("<caption>代码本：主动公开政府信息情况</caption>") < page.index(
        "<caption>代码本：收到和处理政府信息公开申请情况</caption>") < page.index(
        "<caption>代码本：政府信息公开行政复议、行政诉讼情况</caption>")


# --- the files are what csv and json write ---------------------------------------------------------


@pytest.mark.parametrize("value", [EVIL, 'a,"b"', "x\ry", "x\ny", "", "-3", "+86", "普通", "75.9260", 0, -8, 3119])
def test_fields_are_what_the_csv_module_writes(value) -> None:
    from govsite.opendata.files import csv_field

    assert csv_field(value) + ",1\r\n" == csv_bytes(None, [[value, 1]], bom=False).decode("utf-8")


def test_report_files_read_back_as_the_values(small) -> None:
    """Blank cells, missing fields and awkward text, through both per-report files."""
    import copy

    from govsite.opendata import format_cells

    _, reports, _ = small
    odd = copy.deepcopy(reports["content/2021/huaian.md"])
    odd.values["applications.granted"] = [None, 'a,"b"\r\n', *odd.values["applications.granted"][2:]]
    del odd.values["reviews.litigation_direct"]
    for r in [*reports.values(), odd]:
        cells = format_cells(r.format)
        expected = []
        nested: dict = {}
        for c in cells:
            vals = r.values.get(c.field)
            v = None if vals is None else ("" if vals[c.index] is None else vals[c.index])
            expected.append([c.key, c.row[-1] if c.row else c.short, c.column.label, "" if v is None else str(v)])
            table, field, column = c.key.split(".")
            nested.setdefault(table, {}).setdefault(field, {})[column] = v
        assert [list(row.values()) for row in read_csv(report_csv(r))] == expected
        assert json.loads(report_json(r, []))["cells"] == nested
    doc = json.loads(report_json(odd, []))
    assert doc["cells"]["applications"]["granted"]["natural_person"] == ""
    assert doc["cells"]["applications"]["granted"]["business"] == 'a,"b"\r\n'
    assert doc["cells"]["reviews"]["litigation_direct"]["total"] is None
