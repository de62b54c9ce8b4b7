"""A build killed with SIGKILL at any moment: ``public/`` is always the old or the new complete site,
and the next build equals a cold build, search index included — also in a site copied with its
output and cache (``cp -a``, as when a backup or a CI cache is restored) and then edited.

The build runs as ``python -m govsite build`` in its own process group, killed whole (a power cut
for every process of the build) after a random delay, or at a chosen moment through a wrapper that
kills it from inside right after the output folder is exchanged.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from govsite.build import build

from buildkit import generator, tree

REPO = Path(__file__).resolve().parents[1]
KILLS = 20
_ENV = {**os.environ, "PYTHONPATH": str(REPO)}
#: Runs a build that kills its own process group right after the output folder is exchanged.
_KILLED_AFTER_EXCHANGE = """
import os, signal, sys
import govsite.write as w
real = w.exchange
def exchange(a, b):
    done = real(a, b)
    os.killpg(os.getpgid(0), signal.SIGKILL)
    return done
w.exchange = exchange
from govsite.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _edit(site: Path) -> None:
    """The edits of a working day: 12 prose edits, a cell, an index number, two reports deleted, one added."""
    paths = sorted((site / "content").glob("*/*.md"))
    for p in paths[:12]:
        p.write_text(p.read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
    text = paths[13].read_text(encoding="utf-8")
    paths[13].write_text(text.replace("new_requests = [", "new_requests = [9", 1), encoding="utf-8")
    text = paths[14].read_text(encoding="utf-8")
    paths[14].write_text(text.replace('index_no = "', 'index_no = "A-1', 1), encoding="utf-8")
    paths[15].unlink()
    paths[16].unlink()
    new = paths[17].with_name("added.md")
    new.write_text(paths[17].read_text(encoding="utf-8").replace('agency = "', 'agency = "新设', 1), encoding="utf-8")


@pytest.fixture(scope="module")
def states(tmp_path_factory) -> tuple[Path, dict[str, bytes], dict[str, bytes]]:
    """A site built once and then edited (its output and cache are the old build's), with the old
    output and what a cold build of the edited content writes."""
    root = tmp_path_factory.mktemp("kill")
    site = root / "site"
    generator().generate(site, 24)
    build(site, workers=2)
    old = tree(site / "public")
    _edit(site)
    cold = root / "cold"
    build(site, output=cold, workers=1, cache=False)
    return site, old, tree(cold)


def _copy(site: Path, dest: Path) -> Path:
    """``cp -a``: the site with its output and cache, times kept."""
    shutil.copytree(site, dest, symlinks=True, copy_function=shutil.copy2)
    return dest


def _run(site: Path, code: str | None = None, kill_after: float | None = None) -> int | None:
    args = [sys.executable] + (["-c", code] if code else ["-m", "govsite"]) + ["-C", str(site), "build"]
    proc = subprocess.Popen(args, env=_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    if kill_after is not None:
        time.sleep(kill_after)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(timeout=300)
    return proc.returncode


def _assert_whole(out: Path, old: dict[str, bytes], new: dict[str, bytes], label: str) -> None:
    now = tree(out)
    assert now in (old, new), (label, sorted(set(now) ^ set(old))[:3], sorted(set(now) ^ set(new))[:3])


def test_killed_builds_leave_a_whole_site(states, tmp_path: Path) -> None:
    site, old, new = states
    start = time.perf_counter()
    assert _run(_copy(site, tmp_path / "timing")) == 0
    duration = time.perf_counter() - start
    rng = random.Random(7)
    for k in range(KILLS):
        work = _copy(site, tmp_path / f"k{k}")
        delay = rng.uniform(0.0, duration)
        _run(work, kill_after=delay)
        _assert_whole(work / "public", old, new, f"killed after {delay:.2f} s")
        assert _run(work) == 0
        assert tree(work / "public") == new, f"the build after a kill at {delay:.2f} s"
        shutil.rmtree(work)


def test_killed_right_after_the_exchange(states, tmp_path: Path) -> None:
    site, old, new = states
    work = _copy(site, tmp_path / "exchange")
    assert _run(work, code=_KILLED_AFTER_EXCHANGE) == -signal.SIGKILL
    assert tree(work / "public") == new  # the new site is whole; the cache never heard of it
    assert [p.name for p in work.iterdir() if p.name.startswith(".public")] != []  # the old one, left aside
    assert _run(work) == 0
    assert tree(work / "public") == new
    assert [p.name for p in work.iterdir() if p.name.startswith(".public")] == []
    # Edited again after that: still exact, search index included.
    _edit_once_more(work)
    assert _run(work) == 0
    cold = tmp_path / "cold-again"
    build(work, output=cold, workers=1, cache=False)
    assert tree(work / "public") == tree(cold)


def _edit_once_more(site: Path) -> None:
    path = sorted((site / "content").glob("*/*.md"))[3]
    path.write_text(path.read_text(encoding="utf-8") + "\n又一处修改：找得到的新词语甲乙丙。\n", encoding="utf-8")
