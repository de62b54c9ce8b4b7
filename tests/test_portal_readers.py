"""The portal as readers meet it, without a browser: honest year-over-year charts, cells at fault
marked and explained, the rules page, the 网站地图 page and sitemap.xml, the favicon, numbers with
separators, a year menu reaching every year, agencies and regions findable by name and pinyin, and
an example portal of real reports only."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from govsite.build import build
from govsite.config import load_config
from govsite.numbers import grouped
from govsite.portal import AgencyEntry, year_pairs
from govsite.render import sitemap_notice
from govsite.search.names import pinyin_keys
from sitekit import REPO, copy_example, make_site, report_text, values_2021

BASE = "/xxgk/ndbg/"


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    """The example portal built under a sub-path."""
    site = copy_example(tmp_path_factory.mktemp("example"))
    result = build(site, base_url=BASE, cache=False)
    assert result.pages > 0
    return site / "public"


def read(out: Path, rel: str) -> str:
    return (out / rel).read_text(encoding="utf-8")


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- honest charts ---------------------------------------------------------------------------


def test_year_pairs_sum_only_agencies_present_in_both_years() -> None:
    class R:  # a report stand-in: year and its value
        def __init__(self, year: int, value: int | None) -> None:
            self.year, self.value = year, value

    a = AgencyEntry("甲", "a", reports=[R(2022, 10), R(2023, 12), R(2024, 15)])  # type: ignore[list-item]
    b = AgencyEntry("乙", "b", reports=[R(2024, 3000)])  # type: ignore[list-item]
    c = AgencyEntry("丙", "c", reports=[R(2022, 5), R(2023, None)])  # type: ignore[list-item]
    pairs = year_pairs([a, b, c], [2022, 2023, 2024], lambda r: r.value)
    assert [(p.before, p.after, p.agencies, p.first, p.second, p.left_out) for p in pairs] == [
        (2022, 2023, 1, 10, 12, 1),  # 丙's 2023 value is unknown
        (2023, 2024, 1, 12, 15, 2),  # 乙 only in 2024, 丙 only in 2023
    ]


def test_region_chart_of_an_agency_missing_a_year_shows_no_jump(example: Path) -> None:
    # 淮安市: 洪泽区 reported 21 (2023) and 95 (2024); 淮安市人民政府 has only a 2024 report (3119).
    page = read(example, "region/江苏省/淮安市/index.html")
    chart = page[page.index('<figure class="chart'):page.index("</figure>")]
    desc = re.search(r'<desc id="rg-trend-d">([^<]*)</desc>', chart).group(1)
    assert desc == "2023→2024年度（1 个机关）：2023年度 21件；2024年度 95件。"
    assert "3,214" not in chart and "3214" not in chart
    bars = re.findall(r'<text class="value"[^>]*>([^<]*)</text>', chart)
    assert bars == ["21件", "95件"]
    table = text_of(chart[chart.index("<table"):])
    assert "2023年度 21 2024年度 95" in table
    said = text_of(page)
    assert "2023→2024年度：1 个机关两年都有报告，新收申请 21 件 → 95 件；另有 1 个机关只有其中一年的报告，未计入。" in said
    assert "各年度收录的报告份数不同" in said
    # the totals table still states each year's number of reports beside its sums
    assert re.search(r'>2024</a></th><td class="num" data-label="报告数">2</td>'
                     r'<td class="num" data-label="新收申请">3,214</td>', page)


# --- cells at fault ----------------------------------------------------------------------------


def test_cells_at_fault_are_marked_and_explained_beside_their_table(example: Path) -> None:
    page = read(example, "2023/huaian-hongze/index.html")
    flagged = re.findall(r'<td([^>]*) class="flag" aria-describedby="s4-faults">(\d+)</td>', page)
    # R4 fails in two rows of table 3 (行政复议 and 复议后起诉): all five cells of each are marked
    assert [v for _, v in flagged] == ["10", "1", "0", "0", "0", "5", "0", "0", "0", "0"]
    section = page[page.index('<section id="s4"'):page.index('<section id="s5"')]
    note = text_of(section[section.index('class="faults-notice"'):])
    assert ("“行政复议”一行：“结果维持”、“结果纠正”、“其他结果”、“尚未审结”之和应等于“总计”；"
            "原文中前者相加为 11（10+1+0+0），后者填的是 0。 （ 规则 R4 ）") in note
    assert "“复议后起诉”一行" in note
    assert f'<a href="{BASE}rules/#R4">规则 R4</a>' in section
    assert "class=\"flag\"" not in page[:page.index('<section id="s4"')]  # tables 1 and 2 hold
    # a report whose rules hold marks nothing
    assert 'class="flag"' not in read(example, "2024/huaian-hongze/index.html")


def test_rules_page_explains_every_rule_from_the_format_description(example: Path) -> None:
    page = read(example, "rules/index.html")
    for rule in ("R1", "R2", "R3", "R4", "R6", "R11", "R13"):
        assert f'<section id="{rule}"' in page
    said = text_of(page)
    assert "“行政复议”一行：“结果维持”、“结果纠正”、“其他结果”、“尚未审结”之和应等于“总计”。" in said
    assert ("“自然人”一列：“一、本年新收政府信息公开申请数量”、“二、上年结转政府信息公开申请数量”之和"
            "应等于“（七）总计”、“四、结转下年度继续办理”之和。") in said
    assert "2021 年版格式：逐条核对的 7 个等式" in said  # R1: one per column of table 2


# --- site map, feed, favicon -------------------------------------------------------------------


def test_no_sitemap_xml_without_a_host_and_the_reason_is_given(example: Path) -> None:
    assert not (example / "sitemap.xml").exists()
    cfg, _ = load_config(REPO)
    assert sitemap_notice(cfg) == (
        "未生成 sitemap.xml：site.toml 的 base_url（/）没有写网站域名，而网站地图协议要求完整网址。"
        "如需提交给搜索引擎，请把 base_url 写成完整网址，如 https://www.example.gov.cn/xxgk/ndbg/。"
        "供读者浏览的网站地图页面（sitemap/）照常生成。")


def test_sitemap_xml_has_absolute_addresses(tmp_path: Path) -> None:
    site = copy_example(tmp_path / "site")
    assert build(site, base_url="https://www.example.gov.cn/xxgk/ndbg/", cache=False).pages > 0
    xml = read(site / "public", "sitemap.xml")
    locs = re.findall(r"<loc>([^<]*)</loc>", xml)
    assert len(locs) > 10 and all(u.startswith("https://www.example.gov.cn/xxgk/ndbg/") for u in locs)
    assert "https://www.example.gov.cn/xxgk/ndbg/2022/weihui-shangwu/" in locs
    cfg, _ = load_config(site, {"base_url": "https://www.example.gov.cn/xxgk/ndbg/"})
    assert sitemap_notice(cfg) is None


def test_html_site_map_is_linked_from_every_footer_and_explains_the_feed(example: Path) -> None:
    for rel in ("index.html", "2024/index.html", "2022/weihui-shangwu/index.html", "agency/index.html", "404.html"):
        html = read(example, rel)
        footer = html[html.index('<footer'):]
        assert f'<a href="{BASE}sitemap/">网站地图</a>' in footer
        assert f'<a href="{BASE}sitemap/#feed-h">订阅更新</a>' in footer
        assert "sitemap.xml" not in html
    page = read(example, "sitemap/index.html")
    for target in ("2024/", "2023/", "2022/", "agency/", "region/", "search/", "data/", "rules/",
                   "region/%E6%B1%9F%E8%8B%8F%E7%9C%81/"):
        assert f'href="{BASE}{target}"' in page, target
    assert "添加到 RSS/Atom 阅读器" in text_of(page)


def test_favicon_default_and_from_site_toml(example: Path, tmp_path: Path) -> None:
    assert f'<link rel="icon" href="{BASE}assets/favicon.svg">' in read(example, "index.html")
    assert (example / "assets/favicon.svg").read_text(encoding="utf-8").startswith("<svg")
    site = make_site(tmp_path / "s", {"content/2024/huaian.md": report_text(), "static/favicon.ico": "ico"},
                     'title = "t"\nfavicon = "favicon.ico"\n')
    assert build(site, cache=False).pages > 0
    assert '<link rel="icon" href="/favicon.ico">' in read(site / "public", "2024/huaian/index.html")
    assert (site / "public/favicon.ico").read_text() == "ico"
    _, diags = load_config(make_site(tmp_path / "bad", {}, 'favicon = "../x.ico"\n'))
    assert [d.message for d in diags] == [
        "favicon 应是输出目录中的相对路径（如 favicon.ico 或 images/logo.png），不含 ..、空格和引号"]


# --- numbers, year menu, care switch ------------------------------------------------------------


def test_numbers_have_separators_in_lists_and_plain_in_official_tables(example: Path) -> None:
    assert [grouped(v) for v in (0, 999, 3119, 11398889, None)] == ["0", "999", "3,119", "11,398,889", "—"]
    from decimal import Decimal
    assert grouped(Decimal("96171.6")) == "96,171.6"
    ranking = read(example, "2024/ranking/new/index.html")
    assert '<td class="num sorted" data-label="新收申请">3,119</td>' in ranking
    year = read(example, "2024/index.html")
    assert "<dd>3,214</dd>" in year  # the year's key figures
    report = read(example, "2024/huaian/index.html")
    assert ">3119</td>" in report and "3,119" not in report  # the official table keeps its form


def test_year_menu_reaches_every_year(tmp_path: Path) -> None:
    files = {f"content/{y}/huaian.md": report_text(year=y) for y in range(2019, 2025)}
    site = make_site(tmp_path / "s", files, 'title = "t"\npublish_invalid = true\n')
    build(site, cache=False)
    nav = read(site / "public", "index.html")
    nav = nav[nav.index('<nav aria-label="主导航">'):nav.index("</nav>")]
    assert [int(y) for y in re.findall(r'href="/(\d{4})/"', nav)] == [2024, 2023, 2022, 2021, 2020, 2019]
    assert "<summary>更早年度</summary>" in nav


def test_care_switch_is_hidden_until_its_script_runs(example: Path) -> None:
    html = read(example, "index.html")
    assert re.search(r'<button type="button" class="care-toggle" id="care-toggle" aria-pressed="false" hidden>', html)


# --- search finds agencies and regions ---------------------------------------------------------


def test_names_file_lists_agencies_with_and_without_reports_and_regions(example: Path) -> None:
    data = json.loads(gzip.decompress((example / "search/names.json.gz").read_bytes()))
    items = {(kind, name): (url, full, initials, note) for kind, name, url, full, initials, note in data["items"]}
    assert items[("a", "卫辉市人民政府")] == ("agency/weihui-zhengfu/", "weihuishirenminzhengfu", "whsrmzf",
                                            "河南省 / 新乡市 / 卫辉市 · 县级人民政府 · 尚无报告")
    assert items[("a", "卫辉市商务局")][3].endswith("1 份报告")
    assert items[("r", "卫辉市")][:3] == ("region/%E6%B2%B3%E5%8D%97%E7%9C%81/%E6%96%B0%E4%B9%A1%E5%B8%82/"
                                        "%E5%8D%AB%E8%BE%89%E5%B8%82/", "weihuishi", "whs")
    assert len(data["items"]) == 4 + 6  # four agencies, six regions
    assert pinyin_keys("淮安市洪泽区") == ("huaianshihongzequ", "hashzq")
    # read by parts, each a phrase: place names keep their readings
    assert pinyin_keys("长沙市人民政府") == ("changshashirenminzhengfu", "cssrmzf")
    assert pinyin_keys("重庆市教育委员会")[0] == "chongqingshijiaoyuweiyuanhui"


def test_search_page_has_one_search_box_and_ordered_headings(example: Path) -> None:
    html = read(example, "search/index.html")
    assert html.count('type="search"') == 1 and 'id="site-q"' not in html
    heads = re.findall(r"<h([1-6])[ >]", html[html.index("<main"):])
    assert heads == ["1", "2", "2"]
    assert "无法保留您输入的检索词" in html  # said plainly in <noscript>
    assert 'id="site-q"' in read(example, "index.html")  # every other page keeps the header box


# --- the example portal ------------------------------------------------------------------------


def test_example_portal_holds_real_reports_only(example: Path) -> None:
    assert sorted(p.relative_to(REPO / "content").as_posix() for p in (REPO / "content").rglob("*.md")) == [
        "2022/weihui-shangwu.md", "2023/huaian-hongze.md", "2024/huaian-hongze.md", "2024/huaian.md"]
    for path in example.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".csv", ".json"):
            assert "测试市" not in path.read_text(encoding="utf-8"), path
    home = read(example, "index.html")
    assert "2025" not in home[home.index('<nav aria-label="主导航">'):home.index("</nav>")]


def test_fault_sentence_counts_decimals_as_written(tmp_path: Path) -> None:
    vals = values_2021(applications__new_requests=[3001, 53, 0, 0, 61, 4, 3120])
    site = make_site(tmp_path / "s", {"content/2024/huaian.md": report_text(vals)},
                     'title = "t"\npublish_invalid = true\n')
    build(site, cache=False)
    note = text_of(read(site / "public", "2024/huaian/index.html"))
    assert ("“一、本年新收政府信息公开申请数量”一行：“自然人”、“商业企业”、“科研机构”、“社会公益组织”、“法律服务机构”"
            "、“其他”之和应等于“总计”") not in note  # six terms are named by first and last
    assert ("“一、本年新收政府信息公开申请数量”一行：“自然人”至“其他”共 6 项之和应等于“总计”；"
            "原文中前者相加为 3119，后者填的是 3120。") in note


def test_agency_chart_keeps_the_place_of_a_year_without_report(tmp_path: Path) -> None:
    files = {f"content/{y}/huaian.md": report_text(year=y) for y in (2021, 2023)}
    site = make_site(tmp_path / "s", files, 'title = "t"\npublish_invalid = true\n')
    build(site, cache=False)
    page = read(site / "public", "agency/huaian/index.html")
    desc = re.search(r'<desc id="ag-trend-d">([^<]*)</desc>', page).group(1)
    assert desc == "2021 3,119件；2022 —；2023 3,119件。"
    assert "（“—”为无报告的年度）" in page
