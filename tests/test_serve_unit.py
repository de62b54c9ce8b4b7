"""``govsite serve`` pieces in-process (issue 4): the watcher's debouncing, routing under the base
path, the error page, the private build folder. The end-to-end behaviour is in test_serve.py."""

from __future__ import annotations

import os

import shutil
import threading
import time
from pathlib import Path

import pytest

from govsite.build import build
from govsite.diagnostics import GovsiteError
from govsite.serve import Preview, Problem, Served, Watcher, changed_files, snapshot, watched_paths

REPO = Path(__file__).resolve().parents[1]
REPORT = "content/2022/weihui-shangwu.md"


def copy_site(dest: Path) -> Path:
    """A private copy of the example site (the repo root) to edit."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "site.toml", dest / "site.toml")
    for name in ("content", "layouts", "static"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, dest / name)
    return dest


def wait_until(predicate, timeout: float = 5.0, step: float = 0.02) -> bool:
    """Poll ``predicate`` until true or ``timeout`` seconds have passed."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


# --- watcher ---------------------------------------------------------------------------------


class Calls:
    """Records the watcher's callbacks."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.lock = threading.Lock()

    def __call__(self, changed: list[str]) -> None:
        with self.lock:
            self.calls.append(changed)


def make_watcher(site: Path, calls: Calls) -> Watcher:
    w = Watcher(watched_paths(site), calls, interval=0.05, quiet=0.15, max_wait=3.0)
    w.start()
    return w


def test_burst_of_200_files_is_one_change(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    (site / "static").mkdir(exist_ok=True)
    calls = Calls()
    w = make_watcher(site, calls)
    try:
        # Like a git checkout: 200 files over ~0.2 s, in small groups with pauses shorter than `quiet`.
        for i in range(200):
            (site / "static" / f"f{i:03d}.txt").write_text(str(i), encoding="utf-8")
            if i % 20 == 19:
                time.sleep(0.02)
        assert wait_until(lambda: calls.calls, timeout=5)
        time.sleep(0.5)  # longer than quiet + interval: a second call would have come by now
        assert len(calls.calls) == 1
        assert len(calls.calls[0]) == 200
    finally:
        w.stop()


def test_two_edits_a_second_apart_are_two_changes(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    report = site / REPORT
    calls = Calls()
    w = make_watcher(site, calls)
    try:
        report.write_text(report.read_text(encoding="utf-8") + "\n甲\n", encoding="utf-8")
        assert wait_until(lambda: len(calls.calls) == 1)
        time.sleep(1.0)
        report.write_text(report.read_text(encoding="utf-8") + "\n乙\n", encoding="utf-8")
        assert wait_until(lambda: len(calls.calls) == 2)
        assert calls.calls == [[str(report)], [str(report)]]
    finally:
        w.stop()


def test_watcher_sees_config_and_deletions_but_not_editor_files_or_output(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    (site / "public").mkdir()
    before = snapshot(watched_paths(site))
    (site / "content" / "2022" / ".weihui-shangwu.md.swp").write_text("x")
    (site / "content" / "2022" / "weihui-shangwu.md~").write_text("x")
    (site / "public" / "index.html").write_text("x")
    assert snapshot(watched_paths(site)) == before
    (site / "site.toml").write_text((site / "site.toml").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    report = site / REPORT
    report.unlink()
    assert changed_files(before, snapshot(watched_paths(site))) == sorted([str(report), str(site / "site.toml")])


# --- preview: building and routing -----------------------------------------------------------


def built_preview(tmp: Path) -> Preview:
    site = copy_site(tmp / "site")
    (tmp / "work").mkdir()
    p = Preview(site, "/xxgk/ndbg/", workdir=tmp / "work")
    assert not p.rebuild().served.broken
    return p


@pytest.fixture(scope="module")
def shared_preview(tmp_path_factory: pytest.TempPathFactory) -> Preview:
    """One build for the read-only routing tests."""
    return built_preview(tmp_path_factory.mktemp("serve"))


@pytest.fixture
def preview(tmp_path: Path) -> Preview:
    """A build of one's own, to edit."""
    return built_preview(tmp_path)


@pytest.mark.parametrize("path", [
    "/../site.toml", "/xxgk/ndbg/../site.toml", "/xxgk/ndbg/%2e%2e/site.toml", "/xxgk/ndbg/%2E%2E/site.toml",
    "/xxgk/ndbg/..%2fsite.toml", "/xxgk/ndbg/%2e%2e%2f%2e%2e%2fsite.toml", "/xxgk/ndbg/%252e%252e/site.toml",
    "/xxgk/ndbg/..\\site.toml", "/xxgk/ndbg/%5c..%5csite.toml", "/xxgk/ndbg/.govsite-manifest",
    "/xxgk/ndbg//etc/passwd", "/xxgk/ndbg/2022/%00", "/site.toml", "/content/2022/weihui-shangwu.md",
    "/xxgk/ndbgx/", "//evil.example/", "/xxgk/ndbg/%ff", "/xxgk/ndbg/nope/",
])
def test_nothing_outside_the_build_is_routed(shared_preview: Preview, path: str) -> None:
    assert shared_preview.route(path).kind == "not_found"


def test_routes_under_the_base_path(shared_preview: Preview) -> None:
    preview = shared_preview
    r = preview.route("/xxgk/ndbg/2022/weihui-shangwu/")
    assert (r.kind, r.rel) == ("file", "2022/weihui-shangwu/index.html")
    assert preview.route("/xxgk/ndbg/assets/style.css").kind == "file"
    assert preview.route("/xxgk/ndbg/?q=1").rel == "index.html"
    for path, location in [("/", "/xxgk/ndbg/"), ("/xxgk/ndbg", "/xxgk/ndbg/"),
                           ("/xxgk/ndbg/2022", "/xxgk/ndbg/2022/")]:
        r = preview.route(path)
        assert (r.kind, r.location) == ("redirect", location)
    assert b"/xxgk/ndbg/" in preview.not_found_page()  # the site's own 404.html, links with the base


def test_broken_content_turns_every_page_into_the_error_page(preview: Preview) -> None:
    report = preview.root / REPORT
    text = report.read_text(encoding="utf-8")
    lines = text.splitlines()
    n = next(i for i, ln in enumerate(lines) if ln.startswith("licensing"))
    lines[n] = "licensing = = 0"
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    good_root = preview.served.root
    served = preview.rebuild().served
    assert served.broken and served.root == good_root  # the last good build is kept, not served as pages
    for path in ("/xxgk/ndbg/", "/xxgk/ndbg/2022/weihui-shangwu/", "/xxgk/ndbg/nope/"):
        assert preview.route(path).kind == "error"
    assert preview.route("/xxgk/ndbg/assets/style.css").kind == "file"  # assets of the last good build
    page = preview.error_page().decode("utf-8")
    assert f"{REPORT}:{n + 1}" in page
    report.write_text(text, encoding="utf-8")
    assert not preview.rebuild().served.broken
    assert preview.route("/xxgk/ndbg/2022/weihui-shangwu/").kind == "file"


def test_error_page_escapes_everything(tmp_path: Path) -> None:
    p = Preview(tmp_path, workdir=tmp_path)
    p.served = Served(3, "/", None, (Problem("content/<b>.md:1", "<script>alert(1)</script> & \"x\""),))
    page = p.error_page().decode("utf-8")
    assert "<script>alert" not in page and "<b>.md" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;" in page
    assert "content/&lt;b&gt;.md:1" in page and "</head>" in page


def test_rebuild_never_raises(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def config_error(root, output, base_url):
        raise GovsiteError("site.toml 有误：\nsite.toml:3: 错误 [config] 未知的设置 titel，是不是 title？")

    def bug(root, output, base_url):
        raise ZeroDivisionError("division by zero")

    p = Preview(tmp_path, builder=config_error, workdir=tmp_path)
    assert [x.message for x in p.rebuild().served.problems][1].startswith("site.toml:3:")
    p.builder = bug
    assert "ZeroDivisionError" in p.rebuild().served.problems[0].message
    assert "Traceback" in capsys.readouterr().err  # a bug is shown in the page and logged in full


def tree(root: Path) -> dict[str, bytes]:
    return {q.relative_to(root).as_posix(): q.read_bytes() for q in sorted(root.rglob("*")) if q.is_file()}


def test_preview_equals_a_full_build_and_stays_in_its_folder(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    def files() -> list[Path]:  # the build cache of issue 7 is build()'s own business
        return sorted(p.relative_to(site) for p in site.rglob("*") if ".govsite-cache" not in p.parts)

    before = files()
    report = site / REPORT
    text = report.read_text(encoding="utf-8")
    with Preview(site) as p:
        work = p.workdir
        assert work == site / ".govsite-cache" / "serve"  # kept for the next session (issue 7)
        root = p.rebuild().served.root
        assert root == work / "site"
        home = (root / "index.html").stat().st_ino
        # A prose edit is patched in (issue 7): the report page is new, the site pages untouched.
        report.write_text(text + "\n预览中的一处文字修改。\n", encoding="utf-8")
        assert p.rebuild().served.root == root
        assert "预览中的一处文字修改" in (root / "2022/weihui-shangwu/index.html").read_text(encoding="utf-8")
        assert (root / "index.html").stat().st_ino == home
        # A cell edit: every page showing the cell changes; the result is a full build's.
        report.write_text(text.replace("new_requests = [", "new_requests = [1", 1), encoding="utf-8")
        assert p.rebuild().served.root == root
        assert sorted(work.iterdir()) == [root]  # one folder, nothing left beside it
        full = build(site, output=tmp_path / "full")
        assert full.pages
        assert tree(root) == tree(full.output)
    assert sorted(work.iterdir()) == [root]  # kept, in the build cache
    report.write_text(text, encoding="utf-8")
    assert files() == before  # nothing written in the site outside the build cache


def test_a_restarted_preview_finds_its_last_build(tmp_path: Path) -> None:
    """Issue 7: the preview's folder is kept in the build cache, so a restart with nothing changed
    is a no-op (the files are the very same), and a second preview of the same site at the same
    time builds into a temporary folder of its own, removed when it stops."""
    site = copy_site(tmp_path / "site")
    with Preview(site) as first:
        assert not first.rebuild().served.broken
        home = first.output / "index.html"
        inode = home.stat().st_ino
    with Preview(site) as again:
        assert again.workdir == first.workdir
        assert again.rebuild().served.root == first.output
        assert home.stat().st_ino == inode  # nothing rendered again, nothing moved
        with Preview(site) as second:
            assert second.workdir != again.workdir and second.workdir.name.startswith("govsite-serve-")
            assert not second.rebuild().served.broken
            other = second.workdir
        assert not other.exists()


def test_a_save_rewrites_only_what_it_changed_in_place(tmp_path: Path) -> None:
    """The preview writes into its own folder in place: after a prose save only the report's page
    and the search index are rendered, every other file stays the very same file, and the folder
    equals a cold build."""
    site = copy_site(tmp_path / "site")
    report = site / REPORT
    page = "2022/weihui-shangwu/index.html"
    with Preview(site, workdir=tmp_path / "work") as p:
        assert not p.rebuild().served.broken
        home = os.stat(p.output / "index.html").st_ino
        report.write_text(report.read_text(encoding="utf-8") + "\n预览中的修改\n", encoding="utf-8")
        assert not p.rebuild().served.broken
        assert "预览中的修改" in (p.output / page).read_text(encoding="utf-8")
        assert os.stat(p.output / "index.html").st_ino == home
        assert p._kept is not None
        cold = build(site, output=tmp_path / "cold", workers=1, cache=False)
        files = sorted(q.relative_to(p.output).as_posix() for q in p.output.rglob("*") if q.is_file())
        assert files == sorted(q.relative_to(tmp_path / "cold").as_posix() for q in (tmp_path / "cold").rglob("*") if q.is_file())
        assert all((p.output / f).read_bytes() == (tmp_path / "cold" / f).read_bytes() for f in files)
        assert cold.pages == len(files) - 1  # the manifest


# --- the livereload adapter -------------------------------------------------------------------


def test_livereload_is_configured_not_to_drop_reloads() -> None:
    from livereload.handlers import LiveReloadHandler

    from govsite.livereload_server import LIVERELOAD_VERSION, configure_livereload

    import livereload
    assert livereload.__version__ == LIVERELOAD_VERSION  # the pinned version these tests verified
    configure_livereload()
    assert LiveReloadHandler.DEFAULT_RELOAD_TIME == 0


def test_stamp_goes_before_head_end() -> None:
    from govsite.livereload_server import GENERATION_HEADER, stamp

    page = stamp(b"<html><head><title>x</title></head><body></body></html>", 7)
    head, _, rest = page.partition(b"</head>")
    assert b'var g="7"' in head and GENERATION_HEADER.encode() in head and rest == b"<body></body></html>"
    assert stamp(b"no head", 1) == b"no head"


def test_loopback_detection() -> None:
    from govsite.commands.serve import browse_url, is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("::") and not is_loopback("192.168.1.10")
    assert browse_url("0.0.0.0", 1313, "/xxgk/ndbg/") == "http://127.0.0.1:1313/xxgk/ndbg/"
    assert browse_url("::1", 80, "/") == "http://[::1]:80/"


def test_non_loopback_bind_warns_and_cleans_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """The command's console output, without binding a public address: the server is replaced by
    one that reports ready and returns as after Ctrl-C."""
    import tempfile

    from govsite import cli, livereload_server

    def fake_serve(self, on_ready=None, on_reload=None) -> None:
        assert self.host == "0.0.0.0" and self.port == 1313
        on_ready()

    monkeypatch.setattr(livereload_server.LiveReloadServer, "serve_forever", fake_serve)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    site = copy_site(tmp_path / "site")
    assert cli.main(["-C", str(site), "serve", "--host", "0.0.0.0", "--base-url", "/xxgk/ndbg/"]) == 0
    out = capsys.readouterr()
    assert "警告" in out.err and "0.0.0.0" in out.err
    assert "预览地址：http://127.0.0.1:1313/xxgk/ndbg/" in out.out and "预览已停止" in out.out
    assert list((tmp_path / "tmp").iterdir()) == []


def test_broken_site_toml_is_shown_then_recovered(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    toml = site / "site.toml"
    good = toml.read_text(encoding="utf-8")
    toml.write_text(good + "\ntitel = \"错拼的键\"\n", encoding="utf-8")
    with Preview(site, "/xxgk/ndbg/") as p:
        served = p.rebuild().served
        assert served.broken and served.root is None and served.base_path == "/xxgk/ndbg/"
        assert p.route("/xxgk/ndbg/2022/weihui-shangwu/").kind == "error"
        page = p.error_page().decode("utf-8")
        assert "site.toml:" in page and "titel" in page and "title" in page
        toml.write_text(good, encoding="utf-8")
        assert not p.rebuild().served.broken
        assert p.route("/xxgk/ndbg/2022/weihui-shangwu/").kind == "file"


def test_a_deferred_save_shows_the_report_first_and_completes_to_a_full_build(tmp_path: Path) -> None:
    """After a cell edit, ``rebuild(defer=True)`` renders the report's own pages and puts off the
    pages across reports (which show the cell too), naming them as stale; ``complete`` renders them
    and the folder then equals a cold build. Waiting for a put-off page returns once it is done."""
    site = copy_site(tmp_path / "site")
    report = site / REPORT
    text = report.read_text(encoding="utf-8")
    with Preview(site, workdir=tmp_path / "work") as p:
        assert not p.rebuild().served.broken
        year_page = (p.output / "2022/index.html").read_bytes()
        assert p.complete() is None and p.settle(0)  # nothing put off
        report.write_text(text.replace("new_requests = [", "new_requests = [1", 1), encoding="utf-8")
        outcome = p.rebuild(defer=True)
        assert not outcome.served.broken
        shown = (p.output / "2022/weihui-shangwu/index.html").read_text(encoding="utf-8")
        cold = build(site, output=tmp_path / "cold", workers=1, cache=False)
        assert shown == (tmp_path / "cold/2022/weihui-shangwu/index.html").read_text(encoding="utf-8")
        # The year page shows the cell: put off, still the previous one, and said to be stale.
        assert p.is_stale("2022/index.html") and not p.is_stale("2022/weihui-shangwu/index.html")
        assert (p.output / "2022/index.html").read_bytes() == year_page
        assert not p.settle(0)
        waiter = threading.Thread(target=p.settle, args=(60,))
        waiter.start()
        done = p.complete()
        waiter.join(5)
        assert done is not None and not done.served.broken and not waiter.is_alive()
        assert p.settle(0) and not p.is_stale("2022/index.html")
        files = sorted(q.relative_to(p.output).as_posix() for q in p.output.rglob("*") if q.is_file())
        assert files == sorted(q.relative_to(tmp_path / "cold").as_posix()
                               for q in (tmp_path / "cold").rglob("*") if q.is_file())
        assert [f for f in files if (p.output / f).read_bytes() != (tmp_path / "cold" / f).read_bytes()] == []
        assert (p.output / "2022/index.html").read_bytes() != year_page


def test_every_file_waits_while_a_save_runs_and_a_completion_never_shows_a_newer_break(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """While the first step of a save runs, any file may be about to change: every request waits
    (the edited page is written before the preview knows what it put off). A completion that meets
    sources broken since the save leaves the pages as they are, still put off, for the next save
    to show with its own console line."""
    site = copy_site(tmp_path / "site")
    report = site / REPORT
    text = report.read_text(encoding="utf-8")
    with Preview(site, workdir=tmp_path / "work") as p:
        assert not p.rebuild().served.broken
        assert p._kept is not None
        during: list[bool] = []
        real = p._kept.build

        def spy(*args, **kwargs):
            during.append(p.is_stale("2022/weihui-shangwu/index.html") and p.is_stale("index.html"))
            return real(*args, **kwargs)

        monkeypatch.setattr(p._kept, "build", spy)
        report.write_text(text.replace("new_requests = [", "new_requests = [1", 1), encoding="utf-8")
        shown = p.rebuild(defer=True)
        assert during == [True] and not shown.served.broken
        assert p.is_stale("2022/index.html") and not p.is_stale("2022/weihui-shangwu/index.html")
        report.write_text(text.replace("new_requests = [", "new_requests = [ = 3", 1), encoding="utf-8")
        done = p.complete()
        assert done is not None and done.served is shown.served  # not the broken state
        assert p.is_stale("2022/index.html") and not p.settle(0)
        broken = p.rebuild(defer=True)  # the save that broke it: shown, and nothing waits any more
        assert broken.served.broken and p.settle(0) and not p.is_stale("2022/index.html")
