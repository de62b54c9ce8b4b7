"""Faults around a build: a damaged or truncated cache, a cache on a full disk, two builds at once,
SIGTERM and SIGHUP. Each ends with the output equal to a cold build, and one clear line at most."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from govsite import cache as cache_module
from govsite.build import build
from govsite.cache import CACHE_DIR, DB_NAME, Cache
from govsite.cli import main

from buildkit import corpus, site  # noqa: F401
from buildkit import same_as_cold, tree

REPO = Path(__file__).resolve().parents[1]


def _damage(path: Path, seek: int, count: int) -> None:
    """``dd if=/dev/urandom of=path bs=4096 seek=… count=… conv=notrunc``."""
    with open(path, "r+b") as fh:
        fh.seek(4096 * seek)
        fh.write(os.urandom(4096 * count))


def _edit(site: Path) -> None:
    path = sorted((site / "content").glob("*/*.md"))[4]
    path.write_text(path.read_text(encoding="utf-8").replace("new_requests = [", "new_requests = [5", 1),
                    encoding="utf-8")


@pytest.mark.parametrize("how", ["pages", "truncated", "header"])
def test_a_damaged_cache_is_set_aside_and_rebuilt(site: Path, tmp_path: Path, capsys, how: str) -> None:
    assert main(["-C", str(site), "build"]) == 0
    db = site / CACHE_DIR / DB_NAME
    if how == "pages":
        _damage(db, 3, 4)
    elif how == "truncated":
        with open(db, "r+b") as fh:
            fh.truncate(4096 * 2 + 100)
    else:
        _damage(db, 0, 1)
    _edit(site)
    capsys.readouterr()
    assert main(["-C", str(site), "build"]) == 0
    err = capsys.readouterr().err
    notes = [line for line in err.splitlines() if "构建缓存" in line]
    assert len(notes) == 1 and "已损坏，已移到" in notes[0] and "并重新建立（只影响速度）" in notes[0], err
    assert "Traceback" not in err and "DatabaseError" not in err
    assert list((site / CACHE_DIR).glob(f"{DB_NAME}.damaged-*"))
    same_as_cold(site, tmp_path, build(site, workers=1))
    capsys.readouterr()
    assert main(["-C", str(site), "build"]) == 0
    assert "构建缓存" not in capsys.readouterr().err  # the new cache is sound


def test_a_cache_that_cannot_be_opened_makes_a_build_without_it(site: Path, tmp_path: Path, capsys,
                                                                 monkeypatch) -> None:
    real = sqlite3.connect

    def full(*args, **kwargs):
        db = real(*args, **kwargs)

        class Full:
            def execute(self, sql, *a):
                if sql.startswith("PRAGMA journal_mode"):
                    raise sqlite3.OperationalError("database or disk is full")
                return db.execute(sql, *a)

            def close(self):
                db.close()

        return Full()

    monkeypatch.setattr(cache_module.sqlite3, "connect", full)
    assert main(["-C", str(site), "build"]) == 0
    err = capsys.readouterr().err
    assert f"govsite: 构建缓存 {site / CACHE_DIR} 无法使用（磁盘空间不足），本次不使用缓存" in err.splitlines()
    monkeypatch.undo()
    same_as_cold(site, tmp_path, build(site, workers=1))


def test_cache_writes_what_was_put_before_the_commit_once_it_adds_up(tmp_path: Path, monkeypatch) -> None:
    """A cold build's parses are written as they add up, not held until the commit; a build that
    then fails leaves them (each is valid whatever becomes of the build), and counts as no build."""
    monkeypatch.setattr(cache_module, "WRITE_AT", 10)
    c = Cache(tmp_path)
    c.put("a", b"12345")
    other = Cache(tmp_path)
    assert other.get("a") is None  # 5 bytes: still held
    c.put("b", b"67890")
    assert other.get_many(["a", "b"]) == {"a": b"12345", "b": b"67890"}  # 10 bytes: written
    assert c.get("b") == b"67890"
    c.close()  # no commit: a build that stopped
    other.close()
    again = Cache(tmp_path)
    assert again.get_many(["a", "b"]) == {"a": b"12345", "b": b"67890"}
    again.commit()
    again.close()


def test_cache_api_prunes_what_no_recent_build_used(tmp_path: Path) -> None:
    c = Cache(tmp_path)
    c.put("a", b"1")
    c.put("b", b"2")
    c.put(cache_module.PINNED + "c", b"3")
    c.put("d", b"4")
    c.commit()
    c.close()
    for _ in range(cache_module.KEEP_BUILDS - 1):
        c = Cache(tmp_path)
        assert c.get("a") == b"1"
        c.keep(["d"])  # used without reading it
        c.commit()  # "b" and the pinned key neither read nor written
        c.close()
    c = Cache(tmp_path)
    assert c.get_many(["b"]) == {"b": b"2"}  # still there: unused for KEEP_BUILDS - 1 builds only
    c.commit()
    c.close()
    for _ in range(cache_module.KEEP_BUILDS):
        c = Cache(tmp_path)
        c.get("a")
        c.drop("d")
        c.commit()
        c.close()
    c = Cache(tmp_path)
    assert c.get_many(["a", "b", "d", cache_module.PINNED + "c"]) == {"a": b"1", cache_module.PINNED + "c": b"3"}
    c.close()


def test_the_preview_and_the_build_keep_each_others_cache(site: Path, tmp_path: Path) -> None:
    """A build that keeps a unit keeps its saved state (the search index updates from it next time);
    the preview, which finds its parses in memory, leaves them in the cache for the site's build."""
    import json

    from govsite.build import Builder
    from govsite.write import MANIFEST

    build(site, workers=1)
    assert build(site, workers=1).rendered == 0
    manifest = json.loads((site / "public" / MANIFEST).read_text(encoding="utf-8"))
    search_key = manifest["files"]["search/index.html"][1]
    db = sqlite3.connect(site / ".govsite-cache" / "cache.sqlite")
    states = db.execute("SELECT key FROM kv WHERE key LIKE 'unit-state:%:' || ?", (search_key,)).fetchall()
    db.close()
    assert len(states) == 1
    preview = Builder(site, workers=1, in_place=True)
    for _ in range(3):
        preview.build(tmp_path / "preview")
    again = build(site, workers=1)
    assert (again.parsed, again.rendered) == (0, 0)
    _edit(site)
    assert build(site, workers=1).parsed == 1


def test_two_builds_at_once(site: Path, tmp_path: Path) -> None:
    build(site, workers=1)
    _edit(site)
    results: list = []
    threads = [threading.Thread(target=lambda: results.append(
        subprocess.run([sys.executable, "-m", "govsite", "-C", str(site), "build"], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(REPO)}))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
    assert [p.name for p in site.iterdir() if p.name.startswith(".public")] == []
    same_as_cold(site, tmp_path, build(site, workers=1))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_stop_a_build_with_one_line(site: Path, signum: int) -> None:
    build(site, workers=2)
    before = tree(site / "public")
    for p in sorted((site / "content").glob("*/*.md")):
        p.write_text(p.read_text(encoding="utf-8") + "\n改。\n", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "govsite", "-C", str(site), "build"],
                            env={**os.environ, "PYTHONPATH": str(REPO), "GOVSITE_WORKERS": "2"},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while not any(p.name.startswith(".public.tmp-") for p in site.iterdir()) and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)  # until the build writes its pages
    os.killpg(proc.pid, signum)  # as a terminal or a service manager sends it: to the whole group
    out, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the build finished before the signal")
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert err.strip().splitlines()[-1] == (f"govsite: 已中断（收到信号 {signal.Signals(signum).name}）。"
                                            "构建是先写入临时目录再替换的，输出目录保持原样")
    assert proc.returncode == 128 + signum
    assert tree(site / "public") == before
    assert [p.name for p in site.iterdir() if p.name.startswith(".public")] == []


def _prose(site: Path, n: int, text: str) -> Path:
    path = sorted((site / "content").glob("*/*.md"))[n]
    path.write_text(path.read_text(encoding="utf-8") + f"\n{text}\n", encoding="utf-8")
    return path


def test_the_previous_site_is_set_aside_and_the_next_build_starts_from_it(site: Path, tmp_path: Path) -> None:
    """After a build that replaced the output, the replaced site waits in the cache folder; the next
    build takes it as its staging folder and writes only what differs: an unchanged page is the very
    file it was (one inode in both sites), the edited page a new one. A copy of the site (with its
    output and cache) sets aside a site of its own and removes the one it copied."""
    previous = site / CACHE_DIR / "previous"
    build(site, workers=1)
    assert not previous.exists()  # the first build replaced nothing
    _prose(site, 3, "第一处修改。")
    build(site, workers=1)
    (aside,) = previous.iterdir()
    home = os.stat(site / "public" / "index.html").st_ino
    assert os.stat(aside / "index.html").st_ino == home  # kept: linked, not copied
    edited = _prose(site, 3, "第二处修改。")
    page = f"{edited.parent.name}/{edited.stem}/index.html"
    before = os.stat(site / "public" / page).st_ino
    folder = os.stat(aside).st_ino
    warm = build(site, workers=1)
    assert os.stat(site / "public").st_ino == folder  # the set-aside site, brought up to date
    assert warm.rendered < 10
    assert os.stat(site / "public" / "index.html").st_ino == home
    assert os.stat(site / "public" / page).st_ino != before
    assert "第二处修改" in (site / "public" / page).read_text(encoding="utf-8")
    same_as_cold(site, tmp_path, warm)
    assert [p.name for p in previous.iterdir()] == [aside.name]
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-a", str(site), str(copy)], check=True)
    _prose(copy, 5, "副本中的修改。")
    build(copy, workers=1)
    _prose(copy, 5, "副本中的第二处修改。")
    warm = build(copy, workers=1)
    deadline = time.monotonic() + 10
    while len(list((copy / CACHE_DIR / "previous").iterdir())) > 1 and time.monotonic() < deadline:
        time.sleep(0.05)  # removed by a detached process
    (own,) = (copy / CACHE_DIR / "previous").iterdir()
    assert own.name != aside.name
    same_as_cold(copy, tmp_path / "cold-copy", warm)
