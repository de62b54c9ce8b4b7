"""The page registry: a page type declared in a test is built, kept and rebuilt from its declaration
alone — one declaration (and here an inline template) and it is correct in incremental builds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from govsite.build import Builder
from govsite.formats.figures import figure_by_key
from govsite.pages import REGISTRY, Facet, Kind, Output, Read, Scope, Sink, outputs
from govsite.portal import figure_value
from govsite.render import Renderer

from buildkit import corpus, site  # noqa: F401
from buildkit import same_as_cold, tree


def _year_stats(r: Renderer, year: int, sink: Sink) -> None:
    """A per-year statistics page: the sum of new applications of the year's reports."""
    total = sum(figure_value(x, figure_by_key("new")) or 0 for x in r.site.by_year[year])
    sink.write(f"{year}/stats.html", f"<p>{year}年新收申请合计：{total}</p>\n".encode("utf-8"))


STATS = Output("year-stats", Kind.YEAR, (Read(Scope.OWN, frozenset({Facet.META, Facet.CELLS})),), _year_stats)
#: The same page declared as reading metadata only, though it reads cells: the control.
UNDECLARED = Output("year-stats", Kind.YEAR, (Read(Scope.OWN, frozenset({Facet.META})),), _year_stats)


def _cell_edit(site: Path) -> int:
    """Add 7 to 一、本年新收 (natural persons and total) of one report; its year."""
    path = sorted((site / "content").glob("*/*.md"))[5]
    text = path.read_text(encoding="utf-8")
    start = text.index("new_requests = [") + len("new_requests = [")
    end = text.index("]", start)
    cells = [int(v) for v in text[start:end].split(",")]
    cells[0] += 7
    cells[-1] += 7
    path.write_text(text[:start] + ", ".join(map(str, cells)) + text[end:], encoding="utf-8")
    return int(path.parent.name)


def _stats(site: Path, year: int, out: Path | None = None) -> str:
    return ((out or site / "public") / str(year) / "stats.html").read_text(encoding="utf-8")


def test_a_declared_page_is_rebuilt_when_what_it_reads_changes(site: Path, tmp_path: Path) -> None:
    registry = REGISTRY + (STATS,)
    Builder(site, workers=2, registry=registry).build()
    year = _cell_edit(site)
    before = _stats(site, year)
    warm = Builder(site, workers=2, registry=registry).build()
    assert f"year-stats:{year}" in warm.rendered_units
    assert [u for u in warm.rendered_units if u.startswith("year-stats:")] == [f"year-stats:{year}"]
    cold_out = tmp_path / "cold"
    Builder(site, workers=1, cache=False, registry=registry).build(cold_out)
    assert _stats(site, year) == _stats(site, year, cold_out) != before
    assert tree(site / "public") == tree(cold_out)


def test_the_declaration_decides_so_an_undeclared_read_goes_stale(site: Path) -> None:
    """The control: the engine trusts the declaration and nothing else."""
    registry = REGISTRY + (UNDECLARED,)
    Builder(site, workers=1, registry=registry).build()
    year = _cell_edit(site)
    before = _stats(site, year)
    warm = Builder(site, workers=1, registry=registry).build()
    assert f"year-stats:{year}" not in warm.rendered_units
    assert _stats(site, year) == before


def test_the_standard_site_is_unchanged_by_an_added_page(site: Path, tmp_path: Path) -> None:
    Builder(site, workers=1, registry=REGISTRY + (STATS,)).build()
    shutil.rmtree(site / "public")
    warm = Builder(site, workers=1).build()
    same_as_cold(site, tmp_path, warm)


def test_output_names_are_unique() -> None:
    with pytest.raises(ValueError, match="duplicate output names"):
        outputs(REGISTRY + (STATS, UNDECLARED))
