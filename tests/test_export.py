"""``govsite export``: the site's data files for any set of reports, by the same writer and keys."""

from __future__ import annotations

import csv
import io
import json

from govsite.build import build
from govsite.cli import main
from govsite.formats import FORMATS
from sitekit import copy_example, make_site, report_text, values_2021


def test_export_seed_csv(tmp_path, capsysbinary) -> None:
    site = copy_example(tmp_path / "site")
    assert main(["-C", str(site), "export", str(site / "content/2022/weihui-shangwu.md")]) == 0
    raw = capsysbinary.readouterr().out
    assert raw.startswith("\ufeff".encode("utf-8"))  # Excel and WPS read it as UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    fmt = FORMATS["2021"]
    assert len(rows) == sum(1 for t in fmt.tables for _ in t.cells()) == 200
    assert rows[0] == {"year": "2022", "slug": "weihui-shangwu", "agency": "卫辉市商务局",
                       "key": "active.rules.issued", "row": "规章", "column": "本年制发件数", "value": "0"}
    by_key = {r["key"]: r for r in rows}
    assert by_key["applications.withheld_state_secret.business"]["row"] == "1.属于国家秘密"
    assert by_key["reviews.litigation_after_review.total"]["value"] == "0"
    assert by_key["active.fees.amount"]["column"] == "本年收费金额（单位：万元）"
    assert {r["value"] for r in rows} == {"0"}  # the seed's tables are all zero


def test_export_rows_are_the_sites_report_csv(tmp_path, capsysbinary) -> None:
    site = copy_example(tmp_path / "site")
    out = tmp_path / "public"
    assert build(site, output=out).pages
    assert main(["-C", str(site), "export", "--no-bom", str(site / "content/2022/weihui-shangwu.md")]) == 0
    exported = capsysbinary.readouterr().out.decode("utf-8").splitlines()
    published = (out / "2022/weihui-shangwu/report.csv").read_bytes().decode("utf-8-sig").splitlines()
    assert exported[0] == "year,slug,agency," + published[0]
    assert exported[1:] == ["2022,weihui-shangwu,卫辉市商务局," + line for line in published[1:]]


def test_export_json_is_the_sites_report_json(tmp_path, capsysbinary) -> None:
    vals = values_2021(active__fees=["75.9260"])
    site = make_site(tmp_path / "s", {"content/2024/huaian.md": report_text(vals)})
    out = tmp_path / "public"
    assert build(site, output=out).pages
    assert main(["-C", str(site), "export", "--format", "json"]) == 0
    data = json.loads(capsysbinary.readouterr().out)
    assert data == [json.loads((out / "2024/huaian/report.json").read_bytes())]
    cells = data[0]["cells"]
    assert cells["active"]["fees"]["amount"] == "75.9260"  # exact decimal text, never a float
    assert cells["applications"]["new_requests"]["natural_person"] == 3001
    assert cells["applications"]["other_misc"]["total"] == 110
    assert cells["reviews"]["administrative_review"]["other"] == 178


def test_export_csv_has_no_live_formula(tmp_path, capsysbinary) -> None:
    evil = '=HYPERLINK("http://evil.com","x")'
    site = make_site(tmp_path / "s", {"content/2024/evil.md": report_text(agency=evil),
                                      "content/2024/ok.md": report_text(agency='某县"数据",局')})
    out = tmp_path / "rows.csv"
    assert main(["-C", str(site), "export", "-o", str(out)]) == 1
    err = capsysbinary.readouterr().err.decode()
    assert "content/2024/evil.md:" in err and "不能以 = 开头" in err
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"), newline="")))
    assert {r["agency"] for r in rows} == {'某县"数据",局'}  # the refused report is left out
