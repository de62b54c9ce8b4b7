"""Helpers of the engine tests: a 40-report generated site, its output as bytes, and the check that
a build with the cache wrote exactly what a cold build (no cache, one process) writes.

The sites come from ``bench/generate.py`` (the benchmark's generator) so that tests and benchmarks
meet the same shapes of content; they are small, and no test here times anything.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from govsite import workers as workers_module
from govsite.build import BuildResult, build

REPO = Path(__file__).resolve().parents[1]
N = 40


def generator():
    """The benchmark's site generator (``bench/generate.py``) as a module."""
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """A generated site of ``N`` reports, made once per test module (copy it before editing)."""
    site = tmp_path_factory.mktemp("corpus")
    generator().generate(site, N)
    return site


@pytest.fixture
def site(corpus: Path, tmp_path: Path, monkeypatch) -> Path:
    """A fresh copy of the corpus; work goes through worker processes even at this size."""
    dest = tmp_path / "site"
    shutil.copytree(corpus, dest)
    monkeypatch.setattr(workers_module, "PARALLEL_MIN", 4)
    return dest


def tree(folder: Path) -> dict[str, bytes]:
    """Every file of a folder with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def diagnostics(result: BuildResult) -> list[tuple]:
    """A build's diagnostics as plain tuples."""
    return [(d.path, d.line, d.column, d.severity, d.rule, d.message) for d in result.site.diagnostics]


def cold_of(site: Path, tmp_path: Path, **options) -> tuple[BuildResult, Path]:
    """A cold build (no cache, one process) of ``site`` into a folder of its own."""
    out = tmp_path / "cold"
    shutil.rmtree(out, ignore_errors=True)
    return build(site, output=out, workers=1, cache=False, **options), out


def same_as_cold(site: Path, tmp_path: Path, warm: BuildResult, out: Path | None = None, **options) -> None:
    """``warm`` (a result already built into ``out``, default public/) equals a cold build: same
    diagnostics, same page count, same files with the same bytes."""
    cold, cold_out = cold_of(site, tmp_path, **options)
    assert diagnostics(warm) == diagnostics(cold)
    assert warm.pages == cold.pages
    out = out or site / "public"
    if not cold.pages:
        return
    a, b = tree(out), tree(cold_out)
    assert sorted(a) == sorted(b), (sorted(set(a) ^ set(b)))[:5]
    different = [k for k in a if a[k] != b[k]]
    assert not different, different[:5]


def assert_same_as_cold(site: Path, tmp_path: Path, workers: int = 2) -> BuildResult:
    """Build ``site`` with its cache into public/ and check it against a cold build."""
    warm = build(site, workers=workers)
    assert warm.pages, warm.site.diagnostics[:3]
    same_as_cold(site, tmp_path, warm)
    return warm
