"""Property: whatever sequence of edits a site goes through, every build with the cache writes exactly
what a cold build (no cache, one process, a new folder) writes, diagnostics included.

Each sequence starts from a small generated site (bench/generate.py) built once, then applies at
least ten random edits — a cell, prose, metadata (agency name, year, region), a report added,
deleted or renamed, a template override in ``layouts/``, ``site.toml``, a static file, an output
file edited by hand — building after each and comparing with a cold build. ``--sequences N`` runs
N sequences (default 100); each sequence is seeded by its number, so a failure names its seed.
"""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest

from govsite.build import Builder, build
from govsite.pages import Kind
from govsite.serve import changed_files, snapshot, watched_paths

from buildkit import diagnostics, generator, tree

EDITS_PER_SEQUENCE = 10
REPORTS = 6


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("small")
    generator().generate(site, REPORTS)
    return site


def _reports(site: Path) -> list[Path]:
    return sorted((site / "content").glob("*/*.md"))


def _replace(path: Path, old: str, new: str) -> bool:
    text = path.read_text(encoding="utf-8")
    if old not in text:
        return False
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return True


def edit_cell(site: Path, rng: random.Random) -> str:
    path = rng.choice(_reports(site))
    field = rng.choice(["new_requests", "carried_over", "carried_forward", "granted"])
    _replace(path, f"{field} = [", f"{field} = [{rng.randint(1, 9)}")
    return f"cell {field} of {path.name}"


def edit_prose(site: Path, rng: random.Random) -> str:
    path = rng.choice(_reports(site))
    path.write_text(path.read_text(encoding="utf-8") + f"\n补充说明第{rng.randint(1, 999)}条。\n", encoding="utf-8")
    return f"prose of {path.name}"


def edit_published(site: Path, rng: random.Random) -> str:
    """Metadata that moves nothing: the report stays in its year, agency and region."""
    path = rng.choice(_reports(site))
    text = path.read_text(encoding="utf-8")
    date = f"published = 20{rng.randint(19, 25)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
    line = re.search(r"(?m)^published = .*$", text)
    text = text[:line.start()] + date + text[line.end():] if line else text.replace("\nyear = ", f"\n{date}\nyear = ", 1)
    path.write_text(text, encoding="utf-8")
    return f"published of {path.name}"


def edit_agency(site: Path, rng: random.Random) -> str:
    path = rng.choice(_reports(site))
    text = path.read_text(encoding="utf-8")
    start = text.index('agency = "') + len('agency = "')
    end = text.index('"', start)
    path.write_text(text[:start] + text[start:end] + "办公室" + text[end:], encoding="utf-8")
    return f"agency of {path.name}"


def edit_year(site: Path, rng: random.Random) -> str:
    path = rng.choice(_reports(site))
    text = path.read_text(encoding="utf-8")
    year = int(path.parent.name)
    new = year + rng.choice([-1, 1])
    if not 2021 <= new <= 2025 or not 2021 <= year:  # stay within one format version
        return "year (skipped)"
    dest = site / "content" / str(new) / path.name
    if dest.exists():
        return "year (taken)"
    dest.parent.mkdir(exist_ok=True)
    dest.write_text(text.replace(f"year = {year}", f"year = {new}", 1), encoding="utf-8")
    path.unlink()
    return f"year of {path.name} → {new}"


def edit_region(site: Path, rng: random.Random) -> str:
    path = rng.choice(_reports(site))
    _replace(path, "region = [", 'region = ["测试省", ')
    return f"region of {path.name}"


def add_report(site: Path, rng: random.Random) -> str:
    src = rng.choice(_reports(site))
    dest = src.with_name(f"copy{rng.randint(1, 99)}.md")
    if dest.exists():
        return "add (taken)"
    text = src.read_text(encoding="utf-8")
    start = text.index('agency = "') + len('agency = "')
    dest.write_text(text[:start] + "新设" + text[start:], encoding="utf-8")
    return f"add {dest.name}"


def delete_report(site: Path, rng: random.Random) -> str:
    paths = _reports(site)
    if len(paths) <= 2:
        return "delete (skipped)"
    path = rng.choice(paths)
    path.unlink()
    return f"delete {path.name}"


def rename_report(site: Path, rng: random.Random) -> str:
    path = rng.choice(_reports(site))
    dest = path.with_name(f"renamed-{rng.randint(1, 99)}.md")
    if dest.exists():
        return "rename (taken)"
    path.rename(dest)
    return f"rename {path.name} → {dest.name}"


def override_template(site: Path, rng: random.Random) -> str:
    layouts = site / "layouts"
    layouts.mkdir(exist_ok=True)
    page = layouts / "404.html"
    if page.exists() and rng.random() < 0.5:
        page.unlink()
        return "layout removed"
    page.write_text('{% extends "theme/404.html" %}{% block title %}找不到页面' + str(rng.randint(1, 9))
                    + "{% endblock %}", encoding="utf-8")
    return "layout override"


def edit_site_toml(site: Path, rng: random.Random) -> str:
    toml = site / "site.toml"
    text = toml.read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.startswith("description")]
    lines.insert(0, f'description = "说明{rng.randint(1, 99)}"')
    toml.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return "site.toml description"


def edit_static(site: Path, rng: random.Random) -> str:
    static = site / "static"
    static.mkdir(exist_ok=True)
    (static / "verify.txt").write_text(f"verify {rng.randint(1, 999)}", encoding="utf-8")
    return "static file"


def edit_output(site: Path, rng: random.Random) -> str:
    pages = sorted((site / "public").glob("**/index.html"))
    if not pages:
        return "output (none)"
    page = rng.choice(pages)
    page.write_text("手工改过的页面", encoding="utf-8")
    return f"hand edit of {page.relative_to(site)}"


EDITS = (edit_cell, edit_prose, edit_published, edit_agency, edit_year, edit_region, add_report, delete_report, rename_report,
         override_template, edit_site_toml, edit_static, edit_output)


def pytest_generate_tests(metafunc) -> None:
    if "seed" in metafunc.fixturenames:
        metafunc.parametrize("seed", range(metafunc.config.getoption("--sequences")))


def test_every_build_equals_a_cold_build(small_corpus: Path, tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    site = tmp_path / "site"
    shutil.copytree(small_corpus, site)
    # One kept builder (as serve keeps one) or one-off builds, writing in place or exchanging folders.
    kept = Builder(site, workers=1, in_place=rng.random() < 0.3) if rng.random() < 0.5 else None
    done: list[str] = []

    def warm_build(changed: list[str] | None = None):
        if kept is None:
            return build(site, workers=rng.choice([1, 2]))
        # Told what changed, as the preview's watcher tells it, or not.
        told = changed if rng.random() < 0.5 else None
        if rng.random() < 0.5:
            # As the preview does after a save: the report pages first, the rest by the next build.
            kept.build(first=lambda unit: unit.output.kind is Kind.REPORT, changed=told)
            return kept.build(changed=None if told is None else ())
        return kept.build(changed=told)

    warm_build()
    for _ in range(EDITS_PER_SEQUENCE):
        before = snapshot(watched_paths(site))
        done.append(rng.choice(EDITS)(site, rng))
        warm = warm_build(changed_files(before, snapshot(watched_paths(site))))
        cold_out = tmp_path / "cold"
        shutil.rmtree(cold_out, ignore_errors=True)
        cold = build(site, output=cold_out, workers=1, cache=False)
        assert diagnostics(warm) == diagnostics(cold), (seed, done)
        if not cold.pages:
            continue
        assert warm.pages == cold.pages, (seed, done)
        a, b = tree(site / "public"), tree(cold_out)
        assert sorted(a) == sorted(b), (seed, done, sorted(set(a) ^ set(b))[:5])
        different = [k for k in a if a[k] != b[k]]
        assert not different, (seed, done, different[:5])
