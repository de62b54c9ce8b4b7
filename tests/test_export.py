"""``govsite export``: one row per cell with the official labels, values exactly as stored."""

from __future__ import annotations

import csv
import io
import json

from govsite.cli import main
from govsite.formats import FORMATS
from sitekit import REPO, copy_example, make_site, report_text, values_2021


def test_export_seed_csv(tmp_path, capsys) -> None:
    site = copy_example(tmp_path / "site")
    assert main(["-C", str(site), "export", str(site / "content/2022/weihui-shangwu.md")]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    fmt = FORMATS["2021"]
    assert len(rows) == sum(1 for t in fmt.tables for _ in t.cells()) == 200
    assert rows[0] == {"year": "2022", "agency": "卫辉市商务局", "slug": "weihui-shangwu", "format": "2021",
                       "table": "主动公开政府信息情况", "row": "第二十条第（一）项 / 规章", "column": "本年制发件数", "value": "0"}
    by_label = {(r["table"], r["row"], r["column"]): r["value"] for r in rows}
    assert by_label[("收到和处理政府信息公开申请情况", "三、本年度办理结果 / （三）不予公开 / 1.属于国家秘密", "法人或其他组织 / 商业企业")] == "0"
    assert by_label[("政府信息公开行政复议、行政诉讼情况", "", "行政诉讼 / 复议后起诉 / 总计")] == "0"
    assert by_label[("主动公开政府信息情况", "第二十条第（八）项 / 行政事业性收费", "本年收费金额（单位：万元）")] == "0"
    assert {r["value"] for r in rows} == {"0"}  # the seed's tables are all zero


def test_export_json_values_exactly_as_stored(tmp_path, capsys) -> None:
    vals = values_2021(active__fees=["75.9260"])
    site = make_site(tmp_path / "s", {"content/2024/huaian.md": report_text(vals)})
    assert main(["-C", str(site), "export", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    cell = {(d["row"], d["column"]): d["value"] for d in data}
    assert cell[("第二十条第（八）项 / 行政事业性收费", "本年收费金额（单位：万元）")] == "75.9260"
    assert cell[("一、本年新收政府信息公开申请数量", "自然人")] == 3001
    assert cell[("三、本年度办理结果 / （六）其他处理 / 3.其他", "总计")] == 110
    assert cell[("", "行政复议 / 其他结果")] == 178
