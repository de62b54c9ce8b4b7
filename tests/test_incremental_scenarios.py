"""Incremental builds against cold builds, scenario by scenario: edits of cells, prose and metadata,
rules that move between reports, options between builds, the cache and the output changed under
the build, the preview's kept folder, a file saved while it is parsed.

Each test makes a small site (bench/generate.py, 40 reports: tests/buildkit.py), builds it, changes
something, builds again with the cache, and compares the output folder and the printed diagnostics
with a cold build (no cache) of the same content and options.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from govsite import build as build_module
from govsite.build import Builder, build
from govsite.cache import CACHE_DIR
from govsite.diagnostics import GovsiteError

from buildkit import cold_of, same_as_cold, tree
from buildkit import corpus, site  # noqa: F401 — the 40-report site, its builds through the workers


# --- helpers ---------------------------------------------------------------------------------------


def reports(site: Path) -> list[Path]:
    return sorted((site / "content").glob("*/*.md"))


def by_slug(site: Path) -> dict[str, list[Path]]:
    """Report files by file name (one agency each in the bench corpus), oldest first."""
    out: dict[str, list[Path]] = {}
    for p in reports(site):
        out.setdefault(p.stem, []).append(p)
    return out


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def cell(path: Path, digit: str = "7", field: str = "new_requests") -> None:
    edit(path, f"{field} = [", f"{field} = [{digit}")


def toml_append(site: Path, text: str) -> None:
    toml = site / "site.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + text, encoding="utf-8")


# --- content edits -----------------------------------------------------------------------------------


def test_cells_of_two_agencies(site: Path, tmp_path: Path) -> None:
    build(site, workers=2)
    groups = list(by_slug(site).values())
    cell(groups[0][0], "3")
    cell(groups[3][-1], "4")
    warm = build(site, workers=2)
    assert warm.parsed == 2
    same_as_cold(site, tmp_path, warm)


def test_edit_that_makes_an_equation_fail(site: Path, tmp_path: Path) -> None:
    """The report's problems change with its content (R1–R3): its page shows them."""
    build(site, workers=2)
    path = reports(site)[3]
    edit(path, "granted = [", "granted = [9")
    warm = build(site, workers=2)
    assert any(d.path.endswith(path.name) and d.rule.startswith("R") for d in warm.site.diagnostics)
    same_as_cold(site, tmp_path, warm)


def test_edit_that_repairs_an_equation(site: Path, tmp_path: Path) -> None:
    build(site, workers=2)
    before = {d.path for d in build(site).site.errors}
    assert before  # the corpus has a broken report
    # Break, build, repair, build: the error notice goes away from every page.
    path = reports(site)[10]
    text = path.read_text(encoding="utf-8")
    edit(path, "granted = [", "granted = [9")
    build(site, workers=2)
    path.write_text(text, encoding="utf-8")
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)


@pytest.mark.parametrize("which", ["previous", "next"])
def test_r6_warning_moves_to_a_neighbour_year(site: Path, tmp_path: Path, which: str) -> None:
    """Only the neighbour's problems change (R6 is attached to the later year): its page,
    report.json, year page and agency page must follow."""
    build(site, workers=2)
    ps = next(ps for ps in by_slug(site).values() if len(ps) >= 3)
    if which == "previous":
        cell(ps[0], "5", "carried_forward")  # R6 on ps[1]
    else:
        cell(ps[1], "5", "carried_over")  # R6 on ps[1] itself, against ps[0]
    warm = build(site, workers=2)
    assert any(d.rule == "R6" for d in warm.site.diagnostics)
    same_as_cold(site, tmp_path, warm)
    # And back: the warning disappears again.
    if which == "previous":
        edit(ps[0], "carried_forward = [5", "carried_forward = [")
    else:
        edit(ps[1], "carried_over = [5", "carried_over = [")
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)


def test_edit_then_revert(site: Path, tmp_path: Path) -> None:
    build(site, workers=2)
    path = reports(site)[7]
    text = path.read_text(encoding="utf-8")
    cell(path, "8")
    build(site, workers=2)
    path.write_text(text, encoding="utf-8")
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)


def test_successive_edits_in_one_agency_different_years(site: Path, tmp_path: Path) -> None:
    build(site, workers=2)
    ps = next(ps for ps in by_slug(site).values() if len(ps) >= 4)
    for i, p in enumerate(ps):
        cell(p, str(i + 1), "carried_forward" if i % 2 else "carried_over")
        warm = build(site, workers=2)
        same_as_cold(site, tmp_path, warm)


def test_workers_change_between_builds(site: Path, tmp_path: Path) -> None:
    build(site, workers=1)
    cell(reports(site)[2], "2")
    build(site, workers=3)
    cell(reports(site)[20], "2")
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)


def test_prose_edit_patched_then_cell_edits(site: Path, tmp_path: Path) -> None:
    """A prose edit goes through the fast path (govsite/delta.py: snapshot inputs overlaid, the
    snapshot itself not rewritten); cell edits after it load lazily, the prose-edited report
    among the lazy ones (in another agency) or among the re-checked ones (same agency)."""
    build(site, workers=2)
    ps = next(ps for ps in by_slug(site).values() if len(ps) >= 3)
    ps[0].write_text(ps[0].read_text(encoding="utf-8") + "\n补充：本机关未收取信息处理费。\n", encoding="utf-8")
    build(site, workers=2)
    other = next(p for p in reports(site) if p.stem != ps[0].stem)
    cell(other, "2")
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)
    ps[1].write_text(ps[1].read_text(encoding="utf-8") + "\n再补充一句。\n", encoding="utf-8")
    build(site, workers=2)
    cell(ps[2], "2", "carried_over")
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)


def test_line_shift_in_a_report_with_problems(site: Path, tmp_path: Path) -> None:
    """A blank line inserted inside the tables moves the line numbers of a report's problems
    (its content and problems change, its metadata not)."""
    build(site, workers=2)
    broken = sorted({d.path for d in build(site, workers=2).site.errors})
    assert broken
    path = site / broken[0]
    edit(path, "[reviews]", "\n[reviews]")
    edit(path, "[applications]", "# 注释\n[applications]")
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)


def test_source_url_edit(site: Path, tmp_path: Path) -> None:
    """Metadata outside the site's shape (source_url, index_no): the
    walk may still carry the other files."""
    build(site, workers=2)
    path = reports(site)[17]
    edit(path, 'source_url = "', 'source_url = "https://example.org/x')
    edit(path, 'index_no = "', 'index_no = "X-')
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)


# --- metadata edits (shape changes: the whole walk) -------------------------------------------------


def test_report_moves_to_another_region(site: Path, tmp_path: Path) -> None:
    build(site, workers=2)
    # The agency's newest report gives the agency its region (no registry entry).
    path = next(ps for ps in by_slug(site).values() if len(ps) >= 2)[-1]
    edit(path, 'region = ["河南省"]', 'region = ["河南省", "新乡市"]')
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)
    assert (site / "public" / "region" / "河南省" / "新乡市" / "index.html").is_file()
    cell(path, "6")  # and a cell edit in the new region
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)


def test_report_moves_to_another_year(site: Path, tmp_path: Path) -> None:
    build(site, workers=2)
    ps = by_slug(site)
    # An agency without a 2025 report gets one: its 2024 report moved and relabelled.
    slug, paths = next((s, p) for s, p in ps.items() if p[-1].parent.name == "2024" and len(p) >= 2)
    src = paths[-1]
    dest = site / "content" / "2025" / src.name
    dest.write_text(src.read_text(encoding="utf-8").replace("year = 2024", "year = 2025", 1), encoding="utf-8")
    src.unlink()
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)


def test_agency_renamed_in_one_report(site: Path, tmp_path: Path) -> None:
    build(site, workers=2)
    path = reports(site)[12]
    text = path.read_text(encoding="utf-8")
    name = text.split('agency = "', 1)[1].split('"', 1)[0]
    edit(path, f'agency = "{name}"', f'agency = "{name}（改）"')
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)


# --- several reports, registry, duplicates, broken files --------------------------------------------


def test_duplicate_agency_year(site: Path, tmp_path: Path) -> None:
    """Two files of one agency and year: the duplicate error and R6 (taken against the first)."""
    src = reports(site)[8]
    dup = src.with_name("dup-" + src.name)
    shutil.copy(src, dup)
    build(site, workers=2)
    cell(dup, "4", "carried_over")
    warm = build(site, workers=2)
    assert any(d.rule == "duplicate" for d in warm.site.diagnostics)
    same_as_cold(site, tmp_path, warm)
    cell(src, "4", "carried_over")
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)


def test_a_file_that_does_not_parse(site: Path, tmp_path: Path) -> None:
    broken = site / "content" / "2022" / "broken.md"
    broken.write_text("+++\nagency = \n+++\n正文\n", encoding="utf-8")
    build(site, workers=2)
    cell(reports(site)[1], "3")
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)
    # Repaired into a report of its own.
    src = reports(site)[15]
    broken.write_text(src.read_text(encoding="utf-8").replace('agency = "', 'agency = "新设', 1)
                      .replace("year = 20", "year = 20", 1), encoding="utf-8")
    text = broken.read_text(encoding="utf-8")
    year = text.split("year = ", 1)[1].split("\n", 1)[0]
    broken.write_text(text.replace(f"year = {year}", "year = 2022", 1), encoding="utf-8")
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)
    # And broken again.
    broken.write_text("+++\nagency = \n+++\n正文\n", encoding="utf-8")
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)


def test_registry_agency_with_its_own_region(site: Path, tmp_path: Path) -> None:
    """An agency of the site.toml registry places its reports in the registry's region (not the
    reports' own): a cell edit must render that region's pages again."""
    ps = next(ps for ps in by_slug(site).values() if len(ps) >= 3)
    text = ps[0].read_text(encoding="utf-8")
    name = text.split('agency = "', 1)[1].split('"', 1)[0]
    toml_append(site, f'\n[[agencies]]\nname = "{name}"\nslug = "reg-agency"\nlevel = "省级部门"\n'
                      f'region = ["河南省", "郑州市"]\n\n[[agencies]]\nname = "未报告的机关"\nslug = "none-yet"\n'
                      f'level = "县级部门"\nregion = ["河南省", "郑州市", "中原区"]\n')
    build(site, workers=2)
    assert (site / "public" / "region" / "河南省" / "郑州市" / "index.html").is_file()
    cell(ps[1], "9")
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)


def test_registry_entry_found_by_slug_groups_a_renamed_agency(site: Path, tmp_path: Path) -> None:
    """A renamed agency: its newest report has the new name, the registry lists the new name with
    the old reports' file name as slug, so one agency page shows both names' reports (carry chain
    across the rename). A cell edit in an old-name report."""
    slug, ps = next((s, ps) for s, ps in by_slug(site).items() if len(ps) >= 3)
    text = ps[-1].read_text(encoding="utf-8")
    name = text.split('agency = "', 1)[1].split('"', 1)[0]
    edit(ps[-1], f'agency = "{name}"', f'agency = "{name}新"')
    toml_append(site, f'\n[[agencies]]\nname = "{name}新"\nslug = "{slug}"\nlevel = "省级部门"\nregion = ["河南省"]\n')
    build(site, workers=2)
    cell(ps[-2], "3", "carried_forward")
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)
    cell(ps[0], "3")
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)


# --- options ------------------------------------------------------------------------------------------


def test_strict_build_after_a_cell_edit(site: Path, tmp_path: Path) -> None:
    first = build(site, workers=2, strict=True)
    cell(reports(site)[6], "2")
    warm = build(site, workers=2, strict=True)
    same_as_cold(site, tmp_path, warm, strict=True)
    assert bool(first.pages) == bool(warm.pages)


def test_blocked_build_in_between(site: Path, tmp_path: Path) -> None:
    """publish_invalid = false: an edit that makes an error blocks the build (nothing written,
    no snapshot); the next build, after the fix and another edit, is still exact."""
    toml = site / "site.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("publish_invalid = true", "publish_invalid = false"),
                    encoding="utf-8")
    # The corpus has a broken report on purpose: remove it, so that the site builds.
    for d in build(site, output=tmp_path / "probe", cache=False).site.errors:
        (site / d.path).unlink(missing_ok=True)
    first = build(site, workers=2)
    assert first.pages, first.site.diagnostics[:3]
    a, b = reports(site)[3], reports(site)[20]
    text = a.read_text(encoding="utf-8")
    edit(a, "granted = [", "granted = [9")
    blocked = build(site, workers=2)
    assert not blocked.pages and blocked.site.errors
    a.write_text(text, encoding="utf-8")
    cell(b, "5")
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)


def test_base_url_given_then_not(site: Path, tmp_path: Path) -> None:
    build(site, workers=2, base_url="/archive/")
    cell(reports(site)[9], "2")
    warm = build(site, workers=2, base_url="/archive/")
    same_as_cold(site, tmp_path, warm, base_url="/archive/")
    cell(reports(site)[11], "2")
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)


def test_layout_override_then_cell_edit(site: Path, tmp_path: Path) -> None:
    (site / "layouts").mkdir()
    (site / "layouts" / "agency.html").write_text(
        '{% extends "theme/agency.html" %}\n{% block title %}机关：{{ super() }}{% endblock %}\n', encoding="utf-8")
    build(site, workers=2)
    cell(reports(site)[13], "2")
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)
    (site / "layouts" / "agency.html").unlink()
    cell(reports(site)[14], "2")
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)


def test_output_elsewhere_in_between(site: Path, tmp_path: Path) -> None:
    """A build into another folder between two builds into public/ (the snapshot is replaced)."""
    build(site, workers=2)
    cell(reports(site)[2], "2")
    build(site, output=tmp_path / "elsewhere", workers=2)
    cell(reports(site)[25], "2")
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)


# --- the cache and the output, changed under the build ----------------------------------------------


def test_cache_deleted_between_builds_in_the_same_process(site: Path, tmp_path: Path) -> None:
    """In one process (a library user, a test run): the cache deleted between builds is made anew."""
    ps = reports(site)
    build(site, workers=1)
    cell(ps[3], "2")
    build(site, workers=1)
    shutil.rmtree(site / CACHE_DIR)
    cell(ps[4], "2")  # a content the deleted cache never had
    build(site, workers=1)  # cold (no snapshot): the new cache
    cell(ps[5], "2")
    warm = build(site, workers=1)  # ps[4] is read from the new cache
    same_as_cold(site, tmp_path, warm)


def test_hand_deleted_output_file_of_an_untouched_report(site: Path, tmp_path: Path) -> None:
    """An output file removed by hand (or by a sync tool) in a part of the site the edit does not
    touch: the build after a cell edit must put it back (as it did before _carried: every kept
    file was stat'ed by _reuse)."""
    build(site, workers=2)
    ps = by_slug(site)
    slugs = list(ps)
    victim = site / "public" / ps[slugs[0]][0].parent.name / slugs[0] / "report.csv"
    assert victim.is_file()
    victim.unlink()
    cell(ps[slugs[-1]][-1], "2")
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)


def test_hand_edited_output_page_of_an_untouched_agency(site: Path, tmp_path: Path) -> None:
    build(site, workers=2)
    ps = by_slug(site)
    slugs = list(ps)
    page = site / "public" / ps[slugs[0]][0].parent.name / slugs[0] / "index.html"
    page.write_text("被手工改过", encoding="utf-8")
    cell(ps[slugs[-1]][-1], "2")
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)


# --- govsite serve: a kept Builder ---------------------------------------------------------------------


def test_kept_builder_edits(site: Path, tmp_path: Path) -> None:
    """serve's Builder: the first build loads from the cache, the next ones from memory."""
    out = tmp_path / "preview"
    builder = Builder(site, workers=1)
    builder.build(out)
    ps = next(ps for ps in by_slug(site).values() if len(ps) >= 3)
    cell(ps[0], "2", "carried_forward")
    warm = builder.build(out)
    same_as_cold(site, tmp_path, warm, out)
    cell(ps[1], "2")
    warm = builder.build(out)
    same_as_cold(site, tmp_path, warm, out)
    # A fresh builder (a new serve session) after another edit.
    cell(ps[2], "3")
    warm = Builder(site, workers=1).build(out)
    same_as_cold(site, tmp_path, warm, out)


def test_preview_then_build(site: Path, tmp_path: Path) -> None:
    """The preview's folder kept in .govsite-cache/serve; govsite build links from it; an edit
    between them; the preview again."""
    from govsite.serve import Preview

    with Preview(site) as preview:
        assert preview.rebuild().served.root is not None
        kept = preview.output
    cell(reports(site)[3], "2")
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)
    cell(reports(site)[4], "2")
    with Preview(site) as preview:
        outcome = preview.rebuild()
        assert preview.output == kept and outcome.served.root is not None
    cold, cold_out = cold_of(site, tmp_path)
    a, b = tree(kept), tree(cold_out)
    assert sorted(a) == sorted(b)
    assert not [k for k in a if a[k] != b[k]]
    cell(reports(site)[5], "2")
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)


def test_two_previews_at_once(site: Path) -> None:
    from govsite.serve import Preview

    with Preview(site) as first, Preview(site) as second:
        assert first.workdir != second.workdir
        assert first.rebuild().served.root is not None
        assert second.rebuild().served.root is not None
    assert not second.workdir.exists() and first.workdir.exists()


@pytest.mark.parametrize("other_edit", [False, True])
def test_file_saved_during_parse_then_undone(site: Path, tmp_path: Path, monkeypatch, other_edit: bool) -> None:
    """An editor saves a report (content A) and, while the build parses it, saves again (B); the
    build publishes B but knows the file by A's hash (the parse is not cached: unstable). The
    user then undoes to A. The next build must show A — neither B's pages kept under A's key
    nor a crash for A's missing parse-cache entry."""
    build(site, workers=2)
    path = reports(site)[6]
    original = path.read_text(encoding="utf-8")
    a = original.replace("new_requests = [", "new_requests = [1", 1)
    b = original.replace("new_requests = [", "new_requests = [2", 1)
    path.write_text(a, encoding="utf-8")
    real = build_module.load_report

    def saved_meanwhile(p, root):
        if Path(p).name == path.name and Path(p).parent.name == path.parent.name:
            Path(p).write_text(b, encoding="utf-8")
        return real(p, root)

    monkeypatch.setattr(build_module, "load_report", saved_meanwhile)
    build(site, workers=2)
    monkeypatch.setattr(build_module, "load_report", real)
    path.write_text(a, encoding="utf-8")  # undo
    if other_edit:  # not a no-op build: the lazy load (X unchanged by its hash, not in the parse cache)
        cell(reports(site)[30], "3")
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)



def test_output_folder_deleted_then_cell_edit(site: Path, tmp_path: Path) -> None:
    build(site, workers=2)
    shutil.rmtree(site / "public")
    cell(reports(site)[3], "2")
    warm = build(site, workers=2)
    same_as_cold(site, tmp_path, warm)


def test_prose_edit_then_cell_edit_builds(site: Path, tmp_path: Path) -> None:
    """A prose edit, then a cell edit: every later build succeeds and equals a cold one."""
    build(site, workers=1)
    ps = reports(site)
    ps[0].write_text(ps[0].read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
    build(site, workers=1)
    cell(ps[20], "2")
    for _ in range(2):
        try:
            warm = build(site, workers=1)
        except GovsiteError as exc:
            failure = str(exc)
            continue
        same_as_cold(site, tmp_path, warm)
        return
    pytest.fail(f"every build fails: {failure}")
