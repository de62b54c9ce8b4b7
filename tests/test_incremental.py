"""A Builder kept between builds (as ``govsite serve`` keeps one) stays exact: after an edit it parses
the edited file only, renders only the units whose declared reads changed, links the others, and
writes what a cold build writes. A build into another folder owes nothing to the first one."""

from __future__ import annotations

import os
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
