"""A Builder kept between builds (as ``govsite serve`` may keep one) stays exact, also when every
build goes to a new folder (serve's previews): unchanged pages are then linked from the previous one."""

from __future__ import annotations

import os
from pathlib import Path

from govsite.build import Builder, build

from test_cache import N, tree  # noqa: F401
from test_cache import corpus, site  # noqa: F401


def test_builder_across_builds_and_folders(site: Path, tmp_path: Path) -> None:
    builder = Builder(site, workers=2)
    first = builder.build(tmp_path / "p1")
    path = sorted((site / "content").glob("*/*.md"))[7]
    path.write_text(path.read_text(encoding="utf-8") + "\n新增一段说明。\n", encoding="utf-8")
    second = builder.build(tmp_path / "p2")
    assert second.parsed == 1 and 1 <= second.rendered < first.rendered / 4
    cold = build(site, output=tmp_path / "cold", workers=1, cache=False)
    assert cold.pages == second.pages
    assert tree(tmp_path / "p2") == tree(tmp_path / "cold")
    # Unchanged report pages of p2 are the very files of p1 (hard links: same file system here).
    pages = [p.relative_to(tmp_path / "p2") for p in (tmp_path / "p2").glob("20*/*/index.html")]
    linked = [p for p in pages if os.stat(tmp_path / "p1" / p).st_ino == os.stat(tmp_path / "p2" / p).st_ino]
    assert len(pages) == N and len(linked) >= N - 7  # the edited report and its agency's other years
