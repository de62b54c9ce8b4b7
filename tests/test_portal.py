"""Issue 6 without a browser: summed tables, agency pages, completeness, open data, feed, sub-path
links and deterministic output — on a synthetic site with planted problems and on the example."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from govsite.build import build
from govsite.formats import format_for_year
from test_portal_support import BASE, make_site, read_tables

ROOT = Path(__file__).resolve().parents[1]


# --- independent reading of the content: straight from the TOML, no govsite model ----------------


def front(path: Path) -> dict:
    """The front matter of a report file, parsed with tomllib only."""
    text = path.read_text(encoding="utf-8")
    return tomllib.loads(text.split("+++")[1])


def independent_sums(files: list[Path]) -> dict[tuple[str, str, int], int]:
    """``(table, field, index) → sum`` over the files, for the count cells of Tables 2 and 3."""
    sums: dict[tuple[str, str, int], int] = {}
    for path in files:
        doc = front(path)
        for table in ("applications", "reviews"):
            for key, vals in doc[table].items():
                for i, v in enumerate(vals):
                    sums[(table, key, i)] = sums.get((table, key, i), 0) + (v or 0)
    return sums


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """The synthetic site, built under the sub-path."""
    root = tmp_path_factory.mktemp("portal") / "site"
    planted = make_site(root)
    out = root.parent / "out"
    result = build(root, output=out, base_url=BASE)
    assert result.pages, [d.format() for d in result.site.diagnostics]
    return root, out, planted


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """The example portal of the repo, built into a temporary folder under the sub-path."""
    out = tmp_path_factory.mktemp("example") / "out"
    result = build(ROOT, output=out, base_url=BASE)
    assert result.pages
    return ROOT, out


APPLICANTS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")


@pytest.mark.parametrize("site", ["synthetic", "example"])
def test_year_summed_tables_equal_independent_sums(site, request):
    root, out, *_ = request.getfixturevalue(site)
    for year_dir in sorted((root / "content").iterdir()):
        files = sorted(year_dir.glob("*.md"))
        if not files:
            continue
        html = (out / year_dir.name / "index.html").read_text(encoding="utf-8")
        tables = read_tables(html)
        sums = independent_sums(files)
        fmt = format_for_year(int(year_dir.name))
        # every cell of Table 2: the summed table holds exactly one cell per (row, column)
        apps = fmt.table("applications")
        std = [c for t in tables if "std-applications" in t["class"].split() for c in t["cells"]]
        for f in apps.fields():
            path = list(apps.row_of(f.key).path)
            n = len(path)
            for i, col in enumerate(APPLICANTS):
                cells = [c for c in std if c.headers[-n:] == path and c.headers[-n - 1] == col]
                assert len(cells) == 1, (year_dir.name, path, col, len(cells))
                assert cells[0].text == str(sums[("applications", f.key, i)]), (year_dir.name, path, col)
        # Table 3: the 15 cells by group and outcome
        for key, group in (("administrative_review", "行政复议"), ("litigation_direct", "未经复议直接起诉"),
                           ("litigation_after_review", "复议后起诉")):
            for i, outcome in enumerate(("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")):
                cells = [c for t in tables if "std-reviews" in t["class"].split() for c in t["cells"]
                         if group in c.headers and c.headers[-1] == outcome]
                assert [c.text for c in cells] == [str(sums[("reviews", key, i)])], (year_dir.name, group, outcome)


def test_agency_page_figures_by_year(synthetic):
    root, out, planted = synthetic
    html = (out / "agency" / "weihui-jiaoyu" / "index.html").read_text(encoding="utf-8")
    table = next(t for t in read_tables(html) if "figures-by-year" in t["class"])
    # the table has no headers attributes: read it by rows instead
    rows = re.findall(r"<tr><th scope=\"row\"><a [^>]*>(\d{4})</a></th>(.*?)</tr>", html)
    assert [y for y, _ in rows] == ["2021", "2022", "2023"]
    for year, cells in rows:
        values = re.findall(r'<td class="num" data-label="[^"]*">([^<]*)</td>', cells)
        doc = front(root / "content" / year / "weihui-jiaoyu.md")
        apps, rev = doc["applications"], doc["reviews"]
        withheld = sum(v[6] for k, v in apps.items() if k.startswith("withheld_"))
        unavailable = sum(v[6] for k, v in apps.items() if k.startswith("unavailable_"))
        expected = [apps["new_requests"][6], apps["granted"][6], apps["partly_granted"][6], withheld, unavailable,
                    rev["administrative_review"][4], rev["administrative_review"][1],
                    rev["litigation_direct"][4] + rev["litigation_after_review"][4],
                    rev["litigation_direct"][1] + rev["litigation_after_review"][1], apps["carried_forward"][6]]
        assert values == [str(v) for v in expected], year
    assert table["caption"].startswith("卫辉市教育局")


def test_planted_carry_over_failure_shows_on_agency_page(synthetic):
    root, out, planted = synthetic
    html = (out / "agency" / "weihui-jiaoyu" / "index.html").read_text(encoding="utf-8")
    section = html.split('id="carry-h"')[1]
    assert "2021 → 2022：<span class=\"ok\">一致</span>" in section
    line = next(l for l in section.split("<li>") if l.startswith("2022 → 2023"))
    assert "不一致" in line
    prev = front(root / "content" / "2022" / "weihui-jiaoyu.md")["applications"]["carried_forward"]
    cur = front(root / "content" / "2023" / "weihui-jiaoyu.md")["applications"]["carried_over"]
    assert f"自然人 {prev[0]}→{cur[0]}" in line
    # an agency without a planted break shows only agreement
    other = (out / "agency" / "weihui-zf" / "index.html").read_text(encoding="utf-8")
    assert "<span class=\"bad\">不一致" not in other.split('id="carry-h"')[1]


def test_year_page_completeness_late_and_failures(synthetic):
    root, out, planted = synthetic
    y2022 = (out / "2022" / "index.html").read_text(encoding="utf-8")
    complete = y2022.split('id="complete-h"')[1]
    assert planted.missing_agency in complete.split("晚于法定期限发布的报告")[0]
    late = complete.split("晚于法定期限发布的报告", 1)[1]
    assert planted.late_agency in late and "2023年3月31日" in late and "2023年4月20日" in late
    # 卫辉市教育局 (部门, 31 January) published 2023-01-18: not late
    assert "卫辉市教育局" not in late.split("</table>")[0]
    y2023 = (out / "2023" / "index.html").read_text(encoding="utf-8")
    fail = y2023.split('id="fail-h"')[1].split('id="complete-h"')[0]
    assert planted.error_agency in fail and "[R3]" in fail and "[R6]" in fail
    # the unregistered agency is listed as such
    assert "国家税务总局卫辉市税务局" in y2023.split("未列入名录的机关")[1]
    # report page links the same agency's previous and next year and the agency page
    page = (out / "2022" / "weihui-jiaoyu" / "index.html").read_text(encoding="utf-8")
    assert f'rel="prev" href="{BASE}2021/weihui-jiaoyu/"' in page
    assert f'rel="next" href="{BASE}2023/weihui-jiaoyu/"' in page
    assert f'href="{BASE}agency/weihui-jiaoyu/"' in page


def test_ranking_views_are_sorted(synthetic):
    root, out, _ = synthetic
    for key in ("new", "granted", "litigation"):
        html = (out / "2023" / "ranking" / key / "index.html").read_text(encoding="utf-8")
        assert 'aria-sort="descending"' in html
        values = [int(v) for v in re.findall(r'<td class="num sorted" data-label="[^"]+">(\d+)</td>', html)]
        assert len(values) == 4 and values == sorted(values, reverse=True), key


def test_region_pages_sum_their_agencies(synthetic):
    root, out, _ = synthetic
    city = (out / "region" / "河南省" / "新乡市" / "index.html").read_text(encoding="utf-8")
    county = (out / "region" / "河南省" / "新乡市" / "卫辉市" / "index.html").read_text(encoding="utf-8")
    files = sorted((root / "content" / "2023").glob("*.md"))
    county_files = [f for f in files if front(f)["region"] == ["河南省", "新乡市", "卫辉市"]]
    for html, fs in ((city, files), (county, county_files)):
        tables = read_tables(html)
        sums = independent_sums(fs)
        got = [c.text for t in tables if "std-applications" in t["class"] for c in t["cells"]
               if c.headers[-1] == "一、本年新收政府信息公开申请数量" and c.headers[-2] == "总计"]
        assert str(sums[("applications", "new_requests", 6)]) == got[0]  # 2023 is the first year shown


def test_open_data_matches_export(synthetic):
    root, out, _ = synthetic
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = lambda *a: subprocess.run([sys.executable, "-m", "govsite", "--site", str(root), "export", *a],
                                    capture_output=True, env=env, check=True).stdout
    docs = json.loads(run("--format", "json"))
    long_rows = list(csv.DictReader(io.StringIO(run("--format", "csv").decode("utf-8-sig"), newline="")))
    assert len(docs) == 9
    for doc in docs:
        folder = out / str(doc["year"]) / doc["slug"]
        assert json.loads((folder / "report.json").read_bytes()) == doc
        one = run(str(root / "content" / str(doc["year"]) / f'{doc["slug"]}.md'))
        published = (folder / "report.csv").read_bytes().decode("utf-8-sig").splitlines()
        prefix = f'{doc["year"]},{doc["slug"]},{doc["agency"]},'
        assert one.decode("utf-8-sig").splitlines()[1:] == [prefix + line for line in published[1:]]
    # yearly wide CSVs: BOM, one row per report, every cell equal to the long export
    lookup = {(r["year"], r["slug"], r["key"]): r["value"] for r in long_rows}
    for year in sorted({d["year"] for d in docs}):
        raw = (out / "data" / f"{year}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
        assert len(rows) == len([d for d in docs if d["year"] == year])
        for row in rows:
            cells = {k: v for k, v in row.items() if (row["year"], row["slug"], k) in lookup}
            assert cells == {k: lookup[(row["year"], row["slug"], k)] for k in cells}
            assert len(cells) == len([r for r in long_rows if (r["year"], r["slug"]) == (row["year"], row["slug"])])
    # the archive: the year files, checks, codebook and data package as published
    with zipfile.ZipFile(out / "data" / "govsite-data.zip") as zf:
        names = zf.namelist()
        assert names[0] == "README.txt"
        assert sorted(names[1:]) == sorted(p.name for p in (out / "data").iterdir()
                                           if p.suffix in (".csv", ".json"))
        for name in names[1:]:
            assert zf.read(name) == (out / "data" / name).read_bytes()
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in zf.infolist())
    # the data page links every file of data/; each report page links its own data files
    page = (out / "data" / "index.html").read_text(encoding="utf-8")
    for f in (out / "data").iterdir():
        if f.suffix in (".csv", ".json", ".zip"):
            assert f'href="{BASE}data/{f.name}"' in page, f
    for doc in docs:
        report_page = (out / str(doc["year"]) / doc["slug"] / "index.html").read_text(encoding="utf-8")
        for name in ("report.csv", "report.json"):
            assert f'href="{BASE}{doc["year"]}/{doc["slug"]}/{name}"' in report_page


def test_feed_is_valid_atom_newest_first(synthetic):
    root, out, _ = synthetic
    tree = ET.parse(out / "feed.xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = tree.getroot().findall("a:entry", ns)
    assert len(entries) == 9
    dates = [e.find("a:updated", ns).text for e in entries]
    assert dates == sorted(dates, reverse=True)
    assert tree.getroot().find("a:updated", ns).text == dates[0]
    links = [e.find("a:link", ns).get("href") for e in entries]
    assert all(l.startswith(BASE) for l in links)


def test_metadata_of_government_site_guidelines(synthetic):
    root, out, _ = synthetic
    page = (out / "2022" / "weihui-zf" / "index.html").read_text(encoding="utf-8")
    for name, value in (("SiteName", "测试门户"), ("SiteDomain", "www.example.gov.cn"), ("SiteIDCode", "4107810001"),
                        ("ColumnName", "2022年度"), ("ArticleTitle", "卫辉市人民政府2022年政府信息公开工作年度报告"),
                        ("PubDate", "2023-04-20 00:00"), ("ContentSource", "卫辉市人民政府")):
        assert f'<meta name="{name}" content="{value}">' in page, name


def test_every_link_respects_the_sub_path_and_output_is_deterministic(synthetic, tmp_path):
    root, out, _ = synthetic
    for page in out.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for ref in re.findall(r'(?:href|src|data-index)="([^"]*)"', html):
            assert "://" not in ref and not ref.startswith("//"), (page, ref)  # nothing external
            if ref.startswith("/"):
                assert ref.startswith(BASE), (page, ref)
        assert "<link rel=\"stylesheet\" href=\"http" not in html
    again = tmp_path / "again"
    build(root, output=again, base_url=BASE)
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again).as_posix() for p in again.rglob("*") if p.is_file())
    for rel in files:
        assert (out / rel).read_bytes() == (again / rel).read_bytes(), rel


def test_example_shows_completeness_against_registry(example):
    root, out = example
    year = sorted(p.name for p in (root / "content").iterdir() if p.name.isdigit())[-1]
    html = (out / year / "index.html").read_text(encoding="utf-8")
    complete = html.split('id="complete-h"')[1]
    assert "卫辉市人民政府" in complete  # registered, no report in the example content
    assert (out / "agency" / "weihui-zhengfu" / "index.html").is_file()
