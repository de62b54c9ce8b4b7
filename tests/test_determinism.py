"""Output does not depend on the number of worker processes, nor on the build (issue 7)."""

from __future__ import annotations

from pathlib import Path

from govsite.build import build

from buildkit import N, tree  # noqa: F401 — the fixtures' corpus and helpers
from buildkit import corpus, site  # noqa: F401


def test_workers_do_not_change_output(site: Path, tmp_path: Path) -> None:
    one = build(site, output=tmp_path / "one", workers=1, cache=False)
    two = build(site, output=tmp_path / "two", workers=2, cache=False)
    assert one.pages == two.pages and one.rendered == two.rendered >= N
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def test_two_builds_are_identical(site: Path, tmp_path: Path) -> None:
    build(site, output=tmp_path / "a", workers=2, cache=False)
    build(site, output=tmp_path / "b", workers=2, cache=False)
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
