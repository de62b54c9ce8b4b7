"""The build cache is exact (issue 7): after each kind of change, a build that used the cache writes
exactly the bytes a cold build writes, and the cache was really used where nothing changed.

The sites are small (bench/generate.py, 40 reports) so the tests stay fast; there are no timings here.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

import govsite
from govsite import build as build_module
from govsite import delta as delta_module
from govsite.build import build
from govsite.cache import CACHE_DIR

REPO = Path(__file__).resolve().parents[1]
N = 40


def _generator():
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("corpus")
    _generator().generate(site, N)
    return site


@pytest.fixture
def site(corpus: Path, tmp_path: Path, monkeypatch) -> Path:
    dest = tmp_path / "site"
    shutil.copytree(corpus, dest)
    # Small thresholds so that 40 reports go through the worker processes too.
    monkeypatch.setattr(build_module, "PARALLEL_MIN", 4)
    return dest


def tree(folder: Path) -> dict[str, bytes]:
    """Every file of a folder with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_same_as_cold(site: Path, tmp_path: Path, workers: int = 2) -> None:
    """Build ``site`` with its cache into public/, and cold into another folder: identical bytes."""
    warm = build(site, workers=workers)
    assert warm.pages, warm.site.diagnostics[:3]
    cold_out = tmp_path / "cold"
    shutil.rmtree(cold_out, ignore_errors=True)
    cold = build(site, output=cold_out, workers=1, cache=False)
    a, b = tree(site / "public"), tree(cold_out)
    assert warm.pages == cold.pages and a.keys() == b.keys()
    different = [k for k in a if a[k] != b[k]]
    assert not different, different[:5]


def one_report(site: Path) -> Path:
    return sorted((site / "content").glob("*/*.md"))[5]


def test_no_change_reuses_everything(site: Path, tmp_path: Path) -> None:
    first = build(site)
    assert first.parsed == N and first.rendered >= N  # report pages and per-report data files
    again = build(site)
    assert again.unchanged and again.parsed == 0
    assert tree(site / "public") == tree(site / "public")  # still readable
    assert_same_as_cold(site, tmp_path)


def test_cell_edit(site: Path, tmp_path: Path) -> None:
    first = build(site)
    path = one_report(site)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("new_requests = [", "new_requests = [1", 1), encoding="utf-8")
    result = build(site)
    # The site-wide pages (years, rankings, agencies, regions) show the figures: rendered again
    # (they are keyed, so counted); the other reports' pages and files are reused.
    assert result.parsed == 1 and 1 <= result.rendered < first.rendered / 2
    assert_same_as_cold(site, tmp_path)


def test_prose_edit(site: Path, tmp_path: Path) -> None:
    first = build(site)
    path = one_report(site)
    path.write_text(path.read_text(encoding="utf-8") + "\n补充说明：本机关**未收取**任何费用。\n", encoding="utf-8")
    result = build(site)
    # The page itself and its agency's other years (their history links carry its content key).
    assert result.parsed == 1 and 1 <= result.rendered < first.rendered / 4
    assert_same_as_cold(site, tmp_path)


def test_same_size_edit_right_after_build_is_seen(site: Path, tmp_path: Path) -> None:
    """An edit that keeps size (and possibly the mtime tick) is still noticed: recently changed files
    are hashed again, never trusted by their stat."""
    build(site)
    path = one_report(site)
    text = path.read_text(encoding="utf-8")
    i = text.index("总体情况") + 10
    path.write_text(text[:i] + ("甲" if text[i] != "甲" else "乙") + text[i + 1:], encoding="utf-8")
    result = build(site)
    assert result.parsed == 1
    assert_same_as_cold(site, tmp_path)


def test_metadata_edit(site: Path, tmp_path: Path) -> None:
    build(site)
    path = one_report(site)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('level = "', 'title = "一份改了标题的报告"\nlevel = "', 1), encoding="utf-8")
    result = build(site)
    assert result.parsed == 1  # parsed once, by the lazy load that then gave way to the full one
    assert_same_as_cold(site, tmp_path)


def test_template_override(site: Path, tmp_path: Path) -> None:
    first = build(site)
    (site / "layouts").mkdir()
    (site / "layouts" / "report.html").write_text(
        '{% extends "theme/report.html" %}\n{% block title %}改版：{{ super() }}{% endblock %}\n', encoding="utf-8")
    result = build(site)
    assert result.parsed == 0 and result.rendered == first.rendered
    assert_same_as_cold(site, tmp_path)
    page = next((site / "public").glob("20*/*/index.html")).read_text(encoding="utf-8")
    assert "<title>改版：" in page


def test_site_toml(site: Path, tmp_path: Path) -> None:
    first = build(site)
    toml = site / "site.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("基准测试档案", "另一个标题"), encoding="utf-8")
    result = build(site)
    assert result.rendered == first.rendered
    assert_same_as_cold(site, tmp_path)
    page = next((site / "public").glob("20*/*/index.html")).read_text(encoding="utf-8")
    assert "另一个标题" in page


def test_govsite_version(site: Path, tmp_path: Path, monkeypatch) -> None:
    first = build(site)
    monkeypatch.setattr(govsite, "__version__", govsite.__version__ + ".post1")
    result = build(site)
    assert result.parsed == N and result.rendered == first.rendered
    assert_same_as_cold(site, tmp_path)


def test_deleted_report(site: Path, tmp_path: Path) -> None:
    build(site)
    one_report(site).unlink()
    result = build(site)
    assert len(result.site.reports) == N - 1
    assert_same_as_cold(site, tmp_path)


def test_hand_edited_output_is_rebuilt(site: Path, tmp_path: Path) -> None:
    build(site)
    page = next((site / "public").glob("20*/*/index.html"))
    page.write_text("被手工改过", encoding="utf-8")
    result = build(site)
    assert not result.unchanged
    assert_same_as_cold(site, tmp_path)


def test_foreign_file_still_refused(site: Path) -> None:
    """The no-op shortcut never hides write.py's protection of files govsite did not write."""
    build(site)
    (site / "public" / "keep-me.txt").write_text("x", encoding="utf-8")
    with pytest.raises(govsite.diagnostics.GovsiteError):
        build(site)
    assert (site / "public" / "keep-me.txt").exists()


def test_foreign_files_looked_for_in_the_folders_that_changed(site: Path, tmp_path: Path, monkeypatch) -> None:
    """Issue 7: a build over the last one lists only the output folders whose entries changed
    since that build (another mtime) and the folders made since; a file added anywhere, however
    deep, is still found and refused."""
    from govsite import write as write_module

    monkeypatch.setattr(build_module, "RACY_SECONDS", 0)  # every folder's time counts as settled
    build(site)
    out = site / "public"
    folders = [p for p in out.rglob("*") if p.is_dir()]
    listed: list[str] = []
    real = write_module.os.scandir

    def spy(path=".", *args):
        if str(path).startswith(str(out)):
            listed.append(str(path))
        return real(path, *args)

    monkeypatch.setattr(write_module.os, "scandir", spy)
    _edit_cell(one_report(site))
    build(site)
    assert len(folders) > 100 and listed == []  # nothing was added to the output since the last build

    # Files added since: in a folder of a report page, and in a new folder below an agency's.
    report_dir = next(out.glob("20*/*/report.json")).parent
    agency_dir = next((out / "agency").glob("*/"))
    (report_dir / "notes.txt").write_text("mine", encoding="utf-8")
    (agency_dir / "mine" / "deep").mkdir(parents=True)
    (agency_dir / "mine" / "deep" / "x.txt").write_text("mine", encoding="utf-8")
    _edit_cell(one_report(site), "3")
    listed.clear()
    with pytest.raises(govsite.diagnostics.GovsiteError) as caught:
        build(site)
    assert sorted(listed) == sorted(str(p) for p in (report_dir, agency_dir, agency_dir / "mine",
                                                     agency_dir / "mine" / "deep"))
    message = str(caught.value)
    assert "中有 2 个不是 govsite 生成的文件" in message
    assert f"{report_dir.relative_to(out).as_posix()}/notes.txt" in message
    assert f"{agency_dir.relative_to(out).as_posix()}/mine/deep/x.txt" in message
    (report_dir / "notes.txt").unlink()
    shutil.rmtree(agency_dir / "mine")
    build(site)
    assert_same_as_cold(site, tmp_path)


def test_deleting_the_cache_gives_a_cold_build(site: Path, tmp_path: Path) -> None:
    first = build(site)
    shutil.rmtree(site / CACHE_DIR)
    result = build(site)
    assert result.parsed == N and result.rendered == first.rendered
    assert_same_as_cold(site, tmp_path)


def test_template_error_in_a_worker_is_a_clear_error(site: Path) -> None:
    first = build(site, workers=2)
    before = tree(site / "public")
    (site / "layouts").mkdir()
    (site / "layouts" / "report.html").write_text(
        '{% extends "theme/report.html" %}\n{% block title %}{{ report.no_such_field }}{% endblock %}\n',
        encoding="utf-8")
    with pytest.raises(govsite.diagnostics.GovsiteError, match="模板错误"):
        build(site, workers=2)
    assert first.pages and tree(site / "public") == before


def test_search_texts_come_from_the_cache(site: Path, tmp_path: Path, monkeypatch) -> None:
    """A rebuild after a prose edit computes the search text of the edited report only, and the
    index is still byte-identical to a cold build's (the search text is keyed by the parse key)."""
    build(site)
    path = one_report(site)
    path.write_text(path.read_text(encoding="utf-8") + "\n检索缓存测试：独一无二的词语。\n", encoding="utf-8")
    calls: list[str] = []
    real = build_module.search_text

    def counting(report):
        calls.append(report.path)
        return real(report)

    # The full build and the prose-edit fast path (govsite/delta.py) each compute it themselves.
    monkeypatch.setattr(build_module, "search_text", counting)
    monkeypatch.setattr(delta_module, "search_text", counting)
    assert build(site).patched
    assert len(calls) == 1 and calls[0].endswith(path.name)
    path.write_text(path.read_text(encoding="utf-8").replace("new_requests = [", "new_requests = [3", 1),
                    encoding="utf-8")
    assert not build(site).patched
    assert len(calls) == 2 and calls[1].endswith(path.name)
    monkeypatch.setattr(build_module, "search_text", real)
    monkeypatch.setattr(delta_module, "search_text", real)
    assert_same_as_cold(site, tmp_path)


def test_prose_edit_reuses_site_wide_pages(site: Path, tmp_path: Path) -> None:
    """Year, ranking, agency, region and home pages depend on the reports' metadata, figures and
    problems, not on prose: a prose edit reuses them; a cell edit renders them again. Both exact."""
    build(site)
    path = one_report(site)
    path.write_text(path.read_text(encoding="utf-8") + "\n仅改正文。\n", encoding="utf-8")
    prose = build(site)
    assert prose.rendered <= 12, prose.rendered  # the report's page and files, its agency's pages
    assert_same_as_cold(site, tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("new_requests = [", "new_requests = [2", 1), encoding="utf-8")
    cell = build(site)
    assert cell.rendered > prose.rendered + 10
    assert_same_as_cold(site, tmp_path)


def test_cell_edit_renders_the_pages_of_its_agency_year_and_regions_only(site: Path, tmp_path: Path) -> None:
    """Issue 7: agency, region and year pages are keyed by their own reports; a cell edit renders
    again the pages that show the cell and keeps every other file (same inode: not rewritten)."""
    from govsite.load import load_report

    build(site)
    out = site / "public"
    before = {p.relative_to(out).as_posix(): p.stat().st_ino for p in out.rglob("*.html")}
    path = one_report(site)
    report, _ = load_report(path, site)
    assert report is not None
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("new_requests = [", "new_requests = [3", 1), encoding="utf-8")
    build(site)
    changed = sorted(rel for rel, ino in before.items() if (out / rel).stat().st_ino != ino)
    year = f"{report.year}/"
    # Other years: only the same agency's report pages (they link to this one with its content key).
    other_years = [rel for rel in changed if rel[:4].isdigit() and not rel.startswith(year)
                   and rel.split("/")[1] != report.slug]
    agencies = [rel for rel in changed if rel.startswith("agency/") and rel != "agency/index.html"]
    assert f"{report.url.lstrip('/')}index.html" in changed and f"{year}index.html" in changed
    assert other_years == [] and len(agencies) == 1, changed
    assert len(changed) < len(before) / 4, (len(changed), len(before))
    assert_same_as_cold(site, tmp_path)


def test_cold_build_makes_search_texts_in_the_parse_workers(site: Path, tmp_path: Path, monkeypatch) -> None:
    """Issue 7: the search texts are made by the parse workers and stored with the parse; the search
    index then reads them all from the cache (the build process makes none itself)."""
    import os

    parent = os.getpid()
    in_parent: list[str] = []
    real = build_module.search_text

    def counting(report):
        if os.getpid() == parent:
            in_parent.append(report.path)
        return real(report)

    monkeypatch.setattr(build_module, "search_text", counting)
    assert build(site, workers=2).pages
    assert in_parent == []
    monkeypatch.setattr(build_module, "search_text", real)
    assert_same_as_cold(site, tmp_path)


def _edit_cell(path: Path, digit: str = "2") -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("new_requests = [", f"new_requests = [{digit}", 1), encoding="utf-8")


def test_cell_edit_sums_only_its_year_and_regions(site: Path, tmp_path: Path, monkeypatch) -> None:
    """Issue 7: region sums are kept between builds by the reports they sum; after a cell edit
    only the edited report's regions are summed again, for its year alone (one format per year)."""
    from govsite import render as render_module
    from govsite.load import load_report

    calls: list[int] = []
    real = render_module._sum_of_sums

    def counting(fmt, parts, reports):
        calls.append(len(reports))
        return real(fmt, parts, reports)

    monkeypatch.setattr(render_module, "_sum_of_sums", counting)
    build(site, workers=1)
    regions = len(list((site / "public" / "region").rglob("index.html")))
    years = len([p for p in (site / "public").iterdir() if p.name.isdigit()])
    assert len(calls) >= regions * years - regions  # cold: every region's sums of (nearly) every year
    path = one_report(site)
    report, _ = load_report(path, site)
    assert report is not None
    _edit_cell(path)
    calls.clear()
    build(site, workers=1)
    # The root region and each region of the report's path: one sum each, of its year.
    assert len(calls) == len(report.region) + 1, calls
    monkeypatch.setattr(render_module, "_sum_of_sums", real)
    assert_same_as_cold(site, tmp_path)


def test_cell_edit_keeps_the_other_years_csv(site: Path, tmp_path: Path) -> None:
    """Issue 7: a yearly CSV is keyed by its year's reports; the archive takes the kept compressed
    form of the unchanged years, and is the same bytes as a cold build's."""
    from govsite.load import load_report

    build(site)
    data = site / "public" / "data"
    before = {p.name: p.stat().st_ino for p in data.glob("*.csv")}
    path = one_report(site)
    report, _ = load_report(path, site)
    assert report is not None
    _edit_cell(path)
    build(site)
    changed = sorted(name for name, ino in before.items() if (data / name).stat().st_ino != ino)
    assert changed == [f"{report.year}.csv"]
    assert_same_as_cold(site, tmp_path)


def test_archive_blocks_of_unchanged_reports_are_taken_whole(site: Path, tmp_path: Path, monkeypatch) -> None:
    """Issue 7: the archive's long files are joined in blocks of reports kept between builds; after
    a cell edit only the edited report's block is joined again, and the pieces of the reports of
    the blocks taken whole stay kept for a later edit in their block. The archive is a cold build's."""
    from govsite import opendata
    from govsite.load import load_report
    from govsite.render import report_order

    monkeypatch.setattr(opendata, "ARCHIVE_BLOCK", 8)  # 40 reports: 5 blocks
    build(site, workers=1)
    ordered = sorted((load_report(p, site)[0] for p in (site / "content").glob("*/*.md")), key=report_order)
    joined: list[int] = []
    made: list[str] = []
    real_add, real_pieces = opendata._Joined.add, opendata.report_pieces
    monkeypatch.setattr(opendata._Joined, "add", lambda self, piece: (joined.append(1), real_add(self, piece)))
    monkeypatch.setattr(opendata, "report_pieces", lambda r: (made.append(r.path), real_pieces(r))[1])

    _edit_cell(site / ordered[0].path)
    build(site, workers=1)
    assert 0 < len(joined) <= 2 * 8  # one block's CSV and JSON pieces, not the archive's 80
    joined.clear()
    _edit_cell(site / ordered[-1].path)  # in the last block, taken whole by the build before
    build(site, workers=1)
    assert 0 < len(joined) <= 2 * 8 and made == []  # its other reports' pieces were still kept
    assert_same_as_cold(site, tmp_path)


@pytest.mark.parametrize("name", ["sums.sqlite", "opendata.sqlite"])
def test_damaged_worker_stores_only_cost_time(site: Path, tmp_path: Path, name: str) -> None:
    """A store the page workers keep (region sums, archive pieces) that is not a database any more
    makes the next build compute its values again; it never fails the build."""
    build(site)
    _edit_cell(one_report(site), "4")
    (site / CACHE_DIR / name).write_bytes(b"not a database " * 100)
    assert build(site).pages
    assert_same_as_cold(site, tmp_path)


def test_cell_edit_looks_only_at_the_files_of_what_changed(site: Path, tmp_path: Path, monkeypatch) -> None:
    """Issue 7: after a cell edit the walk does not key or stat the files whose scope holds no
    changed report (their keys are the last build's); the output is still a cold build's."""
    looked: list[str] = []
    real = build_module._reuse

    def counting(rel, *args):
        looked.append(rel)
        return real(rel, *args)

    monkeypatch.setattr(build_module, "_reuse", counting)
    build(site, workers=1)
    everything = len(looked)
    _edit_cell(one_report(site), "5")
    looked.clear()
    result = build(site, workers=1)
    assert result.parsed == 1
    # Only site-wide pages and the edited report's agency, year and regions are looked at.
    assert 0 < len(looked) < everything / 4, (len(looked), everything)
    assert not [rel for rel in looked if rel.endswith("/report.csv")][1:], looked
    monkeypatch.setattr(build_module, "_reuse", real)
    assert_same_as_cold(site, tmp_path)



def test_page_records_after_an_edit_are_a_cold_builds(site: Path, tmp_path: Path) -> None:
    """Issue 7: a build in place writes only the page records that changed; the records are then
    those a cold build of the same content makes (same files, same keys), each matching its file."""
    from govsite.cache import BuildCache

    build(site)
    _edit_cell(one_report(site), "6")
    build(site)

    def records(root: Path) -> dict[str, tuple[str, int]]:
        cache = BuildCache(root)
        try:
            pages = cache.pages()
        finally:
            cache.close()
        for rel, (_, size, mtime) in pages.items():
            st = (root / "public" / rel).stat()
            assert (st.st_size, st.st_mtime_ns) == (size, mtime), rel
        return {rel: (key, size) for rel, (key, size, _) in pages.items()}

    after_edit = records(site)
    shutil.rmtree(site / CACHE_DIR)
    shutil.rmtree(site / "public")
    build(site)
    assert after_edit == records(site)


def _count_lazy_loads(monkeypatch) -> list[str]:
    """The list of the paths of the lazily loaded reports whose cells are read from now on."""
    from govsite import lazyload

    loads: list[str] = []
    real = lazyload.LazyReport.load

    def counting(self):
        loads.append(self.path)
        return real(self)

    monkeypatch.setattr(lazyload.LazyReport, "load", counting)
    return loads


def _diagnostics(result) -> list[tuple]:
    return [(d.path, d.line, d.column, d.severity, d.rule, d.message) for d in result.site.diagnostics]


@pytest.mark.parametrize("field", ["new_requests", "carried_forward", "carried_over"])
def test_cell_edit_loads_only_what_its_pages_show(site: Path, tmp_path: Path, monkeypatch, field: str) -> None:
    """Issue 7: a one-off build after a cell edit loads the changed report and, when a page needs
    them, the reports of its agency, year and regions; the others stay metadata. Its diagnostics
    (R6 across the agency's years included: carried_over / carried_forward) and its pages are a
    cold build's."""
    loads = _count_lazy_loads(monkeypatch)
    build(site, workers=1)
    # An agency with several years, edited in the middle year.
    by_agency: dict[str, list[Path]] = {}
    for p in sorted((site / "content").glob("*/*.md")):
        by_agency.setdefault(p.stem, []).append(p)
    path = next(ps[len(ps) // 2] for ps in by_agency.values() if len(ps) >= 3)
    text = path.read_text(encoding="utf-8")
    assert f"{field} = [" in text
    path.write_text(text.replace(f"{field} = [", f"{field} = [7", 1), encoding="utf-8")
    warm = build(site, workers=1)
    assert warm.parsed == 1
    assert 0 < len(set(loads)) < N  # some reports were needed, not all
    cold = build(site, output=tmp_path / "cold", workers=1, cache=False)
    assert _diagnostics(warm) == _diagnostics(cold)
    assert_same_as_cold(site, tmp_path)


def test_cell_edit_reads_no_other_report_of_its_year(tmp_path: Path, monkeypatch) -> None:
    """Issue 7: after a cell edit, the year's overview, its ranking views and its CSV are made from
    what the last build kept (each report's key figures in the snapshot, the regions' sums, the
    year's CSV rows): the only reports of the year read are those of the edited agency and of the
    agencies of the regions the edited report sums into. The output is a cold build's."""
    from govsite.load import load_report

    loads = _count_lazy_loads(monkeypatch)
    site = tmp_path / "site"  # enough reports for several regions in a year
    _generator().generate(site, 300)
    build(site, workers=1)
    reports = [load_report(p, site)[0] for p in sorted((site / "content").glob("*/*.md"))]

    def allowed_for(edited) -> set[str]:
        chain = {edited.region[:d] for d in range(len(edited.region) + 1)}
        return {r.path for r in reports if r.agency == edited.agency or (r.year == edited.year and r.region in chain)}

    # The report whose year has the most reports the edit must not read.
    edited = max(reports, key=lambda e: len({r.path for r in reports if r.year == e.year} - allowed_for(e)))
    allowed = allowed_for(edited)
    assert len({r.path for r in reports if r.year == edited.year} - allowed) >= 3
    path = site / edited.path
    original = path.read_text(encoding="utf-8")
    _edit_cell(path)
    warm = build(site, workers=1)
    assert warm.parsed == 1
    assert loads and set(loads) <= allowed, sorted(set(loads) - allowed)
    assert_same_as_cold(site, tmp_path)
    # The edit undone: the year's CSV is the one of two builds ago, kept; still nothing else read.
    loads.clear()
    path.write_text(original, encoding="utf-8")
    build(site, workers=1)
    assert set(loads) <= allowed, sorted(set(loads) - allowed)
    assert_same_as_cold(site, tmp_path / "undone")


@pytest.mark.parametrize("field", ["carried_forward", "carried_over"])
def test_kept_builder_checks_again_only_the_changed_agency(site: Path, tmp_path: Path, monkeypatch,
                                                           field: str) -> None:
    """Issue 7: a kept builder (``govsite serve``) checks the rules across files again only for the
    agency whose file changed; the diagnostics — the R6 warning the edit makes or clears in the
    agency's next or previous year included — are a cold build's, after the edit and after undoing it."""
    from govsite.build import Builder

    checked: list[set[str]] = []
    real = build_module.check_site
    monkeypatch.setattr(build_module, "check_site",
                        lambda reports: (checked.append({r.agency for r in reports}), real(reports))[1])
    by_agency: dict[str, list[Path]] = {}
    for p in sorted((site / "content").glob("*/*.md")):
        by_agency.setdefault(p.stem, []).append(p)
    path = next(ps[len(ps) // 2] for ps in by_agency.values() if len(ps) >= 3)
    original = path.read_text(encoding="utf-8")
    kept = Builder(site, workers=1)
    first = kept.build()
    assert len(checked) > 5  # every agency once
    found = []
    for text in (original.replace(f"{field} = [", f"{field} = [7", 1), original):
        checked.clear()
        path.write_text(text, encoding="utf-8")
        warm = kept.build()
        assert len(checked) == 1 and len(checked[0]) == 1  # the edited report's agency alone
        cold = build(site, output=tmp_path / "cold", workers=1, cache=False)
        assert _diagnostics(warm) == _diagnostics(cold)
        found.append([d for d in _diagnostics(warm) if d[4] == "R6"])
    assert found[0] != found[1]  # the edit changed an R6 warning of the agency
    assert _diagnostics(warm) == _diagnostics(first)
