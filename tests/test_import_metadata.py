"""Metadata with provenance: year, agency, dates, links, 索引号/文号 and the region completed up to
the province from the national division codes — each value reported with where it came from."""

from __future__ import annotations

import datetime as dt

from govsite.formats import FORMATS
from govsite.importer import import_file
from govsite.importer.divisions import complete_region
from importkit import SAMPLES, consistent_2021, render_text


def provenance(result) -> dict[str, str]:
    """The metadata notes by their label: "报告年度 2023：取自标题…" → {"报告年度": "2023：取自标题…"}."""
    out = {}
    for n in result.notes:
        if n.rule == "metadata" and "：" in n.message and " " in n.message.split("：")[0]:
            label, rest = n.message.split(" ", 1)
            out[label] = rest
    return out


def test_the_region_is_completed_up_to_the_province():
    result = import_file(SAMPLES / "hongze-district-2023.pdftotext.txt")
    assert result.meta["region"] == ["江苏省", "淮安市", "洪泽区"]
    notes = provenance(result)
    assert notes["行政区划"] == "江苏省/淮安市/洪泽区：取自机关名称“淮安市洪泽区人民政府”，上级按全国行政区划代码补全"
    assert any("（320800）补全为 江苏省/淮安市/洪泽区" in n.message for n in result.notes)


def test_a_county_level_city_gets_its_prefecture_and_province():
    assert complete_region(["卫辉市"]).region == ["河南省", "新乡市", "卫辉市"]
    assert complete_region(["北京市", "朝阳区"]).region == ["北京市", "朝阳区"]
    assert complete_region(["江苏省", "淮安市"]).region == ["江苏省", "淮安市"]


def test_a_name_the_data_set_holds_twice_is_not_completed():
    done = complete_region(["朝阳区"])
    assert done.region == ["朝阳区"]
    assert "有 2 个“朝阳区”" in done.note and "北京市朝阳区" in done.note and "吉林省长春市朝阳区" in done.note
    assert complete_region(["长春市", "朝阳区"]).region == ["吉林省", "长春市", "朝阳区"]


def test_a_region_given_on_the_command_line_is_kept_as_given():
    result = import_file(SAMPLES / "hongze-district-2023.pdftotext.txt", region=["淮安市", "洪泽区"])
    assert result.meta["region"] == ["淮安市", "洪泽区"]
    assert provenance(result)["行政区划"] == "淮安市/洪泽区：取自命令行参数 --region"


def test_every_value_says_where_it_came_from():
    result = import_file(SAMPLES / "pingtan-2023.crawled.txt")
    notes = provenance(result)
    assert notes["报告年度"].startswith("2023：取自网页标题“平潭综合实验区2023年度")
    assert notes["发布日期"] == "2024-03-08：取自信息栏“发布时间：2024-03-08 15:34”"
    assert notes["原文链接"].startswith("https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202403/t20240308_87885.htm：取自信息栏")
    assert result.meta["published"] == dt.date(2024, 3, 8)


def untitled(tmp_path, title_line: str, tail: str = ""):
    text = render_text(FORMATS["2021"], consistent_2021())
    lines = text.split("\n")
    lines[0] = title_line
    src = tmp_path / "r.txt"
    src.write_text("\n".join(lines) + tail, encoding="utf-8")
    return import_file(src)


def test_year_and_agency_from_the_first_paragraph_when_the_title_lacks_them(tmp_path):
    result = untitled(tmp_path, "本报告由淮安市洪泽区人民政府办公室根据《条例》编制。本报告所列数据的统计期限自2023年1月1日起至今。")
    assert result.meta["agency"] == "淮安市洪泽区人民政府" and result.meta["year"] == 2023
    notes = provenance(result)
    assert notes["报告年度"] == "2023：取自正文“统计期限自2023年1月1日”"
    assert notes["机关名称"].startswith("淮安市洪泽区人民政府：取自正文“本报告由淮安市洪泽区人民政府办公室根据”")
    assert "由其办公室编制" in notes["机关名称"]


def test_published_date_from_the_signature_line_and_index_numbers(tmp_path):
    head = "索引号：11320813014095843A/2024-00012\n文号：洪政办发〔2024〕3号\n测试县民政局2023年政府信息公开工作年度报告"
    result = untitled(tmp_path, head, "\n测试县民政局\n2024年1月20日\n")
    assert result.meta["index_no"] == "11320813014095843A/2024-00012"
    assert result.meta["doc_no"] == "洪政办发〔2024〕3号"
    assert result.meta["published"] == dt.date(2024, 1, 20)
    notes = provenance(result)
    assert notes["发布日期"].startswith("2024-01-20：取自文末日期“2024年1月20日”")
    assert notes["索引号"] == "11320813014095843A/2024-00012：取自信息栏“索引号：11320813014095843A/2024-00012”"
    assert notes["文号"].startswith("洪政办发〔2024〕3号：取自信息栏")


def test_year_printed_after_the_title(tmp_path):
    result = untitled(tmp_path, "测试县民政局政府信息公开工作年度报告（2023年度）")
    assert (result.meta["agency"], result.meta["year"]) == ("测试县民政局", 2023)
    assert provenance(result)["报告年度"] == "2023：取自标题“测试县民政局政府信息公开工作年度报告（2023年度）”"
