"""A Builder kept between builds (as ``govsite serve`` keeps one) stays exact: after an edit it parses
the edited file only, renders only the units whose declared reads changed, links the others, and
writes what a cold build writes. A build into another folder owes nothing to the first one."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from govsite.build import Builder, build

from buildkit import N, tree  # noqa: F401
from buildkit import corpus, site  # noqa: F401


def test_builder_across_builds(site: Path, tmp_path: Path) -> None:
    builder = Builder(site, workers=2)
    out = tmp_path / "p1"
    first = builder.build(out)
    before = {p.relative_to(out): os.stat(p).st_ino for p in out.glob("20*/*/index.html")}
    path = sorted((site / "content").glob("*/*.md"))[7]
    path.write_text(path.read_text(encoding="utf-8") + "\n新增一段说明。\n", encoding="utf-8")
    second = builder.build(out)
    # Prose is read by the report's page and the search index only.
    assert second.parsed == 1
    assert second.rendered_units == [f"report-page:{path.parent.name}/{path.stem}/", "search-index:"]
    assert first.rendered == len(first.rendered_units) > 100
    cold = build(site, output=tmp_path / "cold", workers=1, cache=False)
    assert cold.pages == second.pages
    assert tree(out) == tree(tmp_path / "cold")
    # The unchanged report pages are the very files of the first build (hard links).
    after = {p.relative_to(out): os.stat(p).st_ino for p in out.glob("20*/*/index.html")}
    assert len(after) == N and sum(before[p] == after[p] for p in after) == N - 1


def test_build_into_a_new_folder_owes_nothing_to_the_last(site: Path, tmp_path: Path) -> None:
    builder = Builder(site, workers=1)
    first = builder.build(tmp_path / "p1")
    second = builder.build(tmp_path / "p2")
    assert second.rendered == first.rendered and second.parsed == 0
    assert tree(tmp_path / "p1") == tree(tmp_path / "p2")


def test_the_search_index_is_kept_when_its_documents_are(site: Path, tmp_path: Path) -> None:
    """A cell edit that leaves every document's text alone does not touch the search index; a
    metadata edit outside the documents makes the unit dirty, and it keeps every index file."""
    from buildkit import same_as_cold

    out = tmp_path / "p"
    build(site, output=out, workers=1)
    def index_files() -> dict:  # the search index's own files (names.json.gz is another output's)
        return {p.relative_to(out): os.stat(p).st_ino for p in (out / "search").rglob("*.gz")
                if p.name != "names.json.gz"}

    inodes = index_files()
    path = next(p for p in sorted((site / "content").glob("*/*.md"))
                if "new_requests = [1" in p.read_text(encoding="utf-8"))  # a non-zero count
    path.write_text(path.read_text(encoding="utf-8").replace("new_requests = [1", "new_requests = [2", 1),
                    encoding="utf-8")
    cell = build(site, output=out, workers=1)
    assert "search-index:" not in cell.rendered_units
    same_as_cold(site, tmp_path, cell, out)
    text = path.read_text(encoding="utf-8")
    assert re.search(r"(?m)^published = \S+$", text)
    path.write_text(re.sub(r"(?m)^published = \S+$", "published = 2025-12-30", text, count=1), encoding="utf-8")
    meta = build(site, output=out, workers=1)
    assert "search-index:" in meta.rendered_units
    # A date moves nothing: only the edited report's agency, year and region pages are rendered again.
    assert len([u for u in meta.rendered_units if u.startswith("agency-page:")]) == 1
    assert [u for u in meta.rendered_units if u.startswith(("year-page:", "ranking-pages:"))] == [
        f"year-page:{path.parent.name}", f"ranking-pages:{path.parent.name}"]
    assert "report-page:" + path.parent.name + "/" + path.stem + "/" in meta.rendered_units
    assert index_files() == inodes
    same_as_cold(site, tmp_path, meta, out)


def test_a_build_of_the_same_sources_reads_no_report(site: Path, tmp_path: Path) -> None:
    """Nothing the site is made from changed and the output is as its build left it: the build
    answers from what that build recorded — the same diagnostics, counts and sizes — without
    reading the parsed reports (read when asked for). A hand-edited page, or ``--strict`` meeting
    the recorded warnings, is not the same build."""
    out = tmp_path / "p"
    first = build(site, output=out, workers=1)
    again = build(site, output=out, workers=1)
    assert again.unchanged and again.rendered == again.parsed == 0
    assert callable(again.site.given)  # the reports were not read
    assert [d.format() for d in again.site.diagnostics] == [d.format() for d in first.site.diagnostics]
    assert (again.per_year, again.pages, again.bytes) == (first.per_year, first.pages, first.bytes)
    assert [r.path for r in again.site.reports] == [r.path for r in first.site.reports]
    assert not callable(again.site.given)
    page = sorted(out.glob("20*/*/index.html"))[3]
    page.write_text("改过的页面", encoding="utf-8")
    fixed = build(site, output=out, workers=1)
    assert not fixed.unchanged
    assert fixed.rendered_units == [f"report-page:{page.parent.parent.name}/{page.parent.name}/"]
    # What content/ holds besides reports is looked at in every build.
    (site / "content" / "说明.docx").write_bytes(b"PK")
    noted = build(site, output=out, workers=1)
    assert noted.unchanged and callable(noted.site.given)
    assert [d.format() for d in noted.site.diagnostics if not d.is_error] == [
        "content/说明.docx: 警告 [file] 不是报告文件（报告应是 .md 文件），不会发布：原件请另行保存，或用 govsite import 导入"]
    strict = build(site, output=out, workers=1, strict=True)
    assert strict.pages == 0 and not strict.unchanged


def test_a_builder_told_what_changed_looks_at_those_files_only(site: Path, tmp_path: Path) -> None:
    """The preview's watcher says which files changed: the builder looks at those report files
    alone (a file it was not told of is not read), and lists the folder again for anything else
    (a file added), as a build told nothing does."""
    out = tmp_path / "p"
    files = sorted((site / "content").glob("*/*.md"))
    settled = time.time_ns() - 60 * 10**9  # saved a minute ago: the builder takes a file's state as settled
    for path in files:
        os.utime(path, ns=(settled, settled))
    builder = Builder(site, workers=1)
    builder.build(out)
    told, untold = files[4], files[9]
    for path in (told, untold):
        path.write_text(path.read_text(encoding="utf-8") + "\n又补充了一段。\n", encoding="utf-8")
    hinted = builder.build(out, changed=[str(told)])
    assert hinted.parsed == 1
    assert hinted.rendered_units == [f"report-page:{told.parent.name}/{told.stem}/", "search-index:"]
    added = told.with_name("zz-new-agency.md")
    added.write_text(told.read_text(encoding="utf-8").replace("agency = \"", "agency = \"新设", 1), encoding="utf-8")
    listed = builder.build(out, changed=[str(added)])
    assert listed.parsed == 2  # the added file, and the one the builder was not told of
    cold = build(site, output=tmp_path / "cold", workers=1, cache=False)
    assert listed.pages == cold.pages
    assert tree(out) == tree(tmp_path / "cold")
    # A file named as changed that is gone: the folder is listed again, as for any removal.
    gone = files[12]
    gone.unlink()
    builder.build(out, changed=[str(gone)])
    build(site, output=tmp_path / "cold-2", workers=1, cache=False)
    assert tree(out) == tree(tmp_path / "cold-2")


def _bump_a_count(site: Path) -> Path:
    """Add one to a non-zero 新收申请 count of some report; the file changed."""
    path = next(p for p in sorted((site / "content").glob("*/*.md"))
                if "new_requests = [1" in p.read_text(encoding="utf-8"))
    path.write_text(path.read_text(encoding="utf-8").replace("new_requests = [1", "new_requests = [2", 1),
                    encoding="utf-8")
    return path


def test_a_cell_edit_makes_one_years_data_again(site: Path, tmp_path: Path, monkeypatch) -> None:
    """The archive takes the other years' files from the last build, and the region pages the sums
    of the regions whose reports are the same; the output is a cold build's all the same."""
    import govsite.aggregate as aggregate
    import govsite.pages as pages
    import govsite.render as render
    from buildkit import same_as_cold

    build(site, workers=1)
    years = len({p.parent.name for p in (site / "content").glob("*/*.md")})
    made: list[int] = []
    real_csv = pages.year_csv
    monkeypatch.setattr(pages, "year_csv", lambda year, *a: made.append(year) or real_csv(year, *a))
    summed: list[int] = []
    real_sum = aggregate.sum_reports
    monkeypatch.setattr(render, "sum_reports", lambda fmt, rs: summed.append(1) or real_sum(fmt, rs))
    edited = _bump_a_count(site)
    warm = build(site, workers=1)
    assert years > 2
    # The year's data unit and the archive make that year's table; no other year's is made.
    assert made == [int(edited.parent.name)] * 2
    assert "archive:" in warm.rendered_units
    regions = [u for u in warm.rendered_units if u.startswith("region-page:")]
    # The edited report's region and year are summed again; the other years' sums are the last build's.
    assert regions and len(summed) == 1
    monkeypatch.undo()
    same_as_cold(site, tmp_path, warm)


def test_saved_states_serve_only_the_code_that_saved_them(site: Path, tmp_path: Path, monkeypatch) -> None:
    """Another version of govsite (another code fingerprint) makes every year's file of the archive
    anew, even where the year's reports are the same as at the last build."""
    import zipfile

    import govsite.build as build_module
    import govsite.pages as pages
    from govsite.opendata import ARCHIVE_NAME

    build(site, workers=1)
    real = pages.year_checks
    monkeypatch.setattr(build_module, "code_fingerprint", lambda: "another version")
    monkeypatch.setattr(pages, "year_checks", lambda *a: b"new code\n" + real(*a))
    _bump_a_count(site)
    build(site, workers=1)
    with zipfile.ZipFile(site / "public" / "data" / ARCHIVE_NAME) as z:
        checks = [n for n in z.namelist() if n.endswith("-checks.csv")]
        assert len(checks) > 2
        assert [n for n in checks if not z.read(n).startswith(b"new code\n")] == []


def test_an_agencys_level_reaches_the_deadlines_of_its_other_years(site: Path, tmp_path: Path) -> None:
    """A report without a level of its own is due by its agency's level, which its newest report
    gives (条例第四十九条: 部门 by 31 January, 人民政府 by 31 March): a new level in that report
    changes who was late in another year, and that year's page shows it as a cold build does."""
    from buildkit import same_as_cold

    old = site / "content" / "2020" / "p00-swt.md"  # 河南省商务厅, published 2021-03-01
    newest = site / "content" / "2022" / "p00-swt.md"
    text = old.read_text(encoding="utf-8")
    assert "published = 2021-03-01" in text
    old.write_text(re.sub(r'(?m)^level = ".*"\n', "", text), encoding="utf-8")
    build(site, workers=1)
    year_page = site / "public" / "2020" / "index.html"

    def late_row() -> list[tuple[str, str]]:  # its row in the year's list of late reports: level, deadline
        return re.findall(r'">河南省商务厅</a></th><td data-label="机关层级">([^<]*)</td>'
                          r'<td data-label="法定期限">([^<]*)</td>', year_page.read_text(encoding="utf-8"))

    assert late_row() == [("省级部门", "2021年1月31日")]
    newest.write_text(newest.read_text(encoding="utf-8").replace('level = "省级部门"', 'level = "省级人民政府"'),
                      encoding="utf-8")
    warm = build(site, workers=1)
    assert "year-page:2020" in warm.rendered_units
    assert late_row() == []  # due by 31 March now: published in time
    same_as_cold(site, tmp_path, warm)
