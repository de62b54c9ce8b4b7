"""``govsite serve`` end to end (issue 4): a real server in a subprocess on a copy of the example
site, fetched over HTTP and watched in headless Chromium."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from govsite.opendata import year_csv_name

REPO = Path(__file__).resolve().parents[1]
REPORT = "content/2022/weihui-shangwu.md"
PAGE = "2022/weihui-shangwu/"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def copy_site(dest: Path) -> Path:
    """A private copy of the example site (the repo root) to edit."""
    dest.mkdir(parents=True)
    shutil.copy2(REPO / "site.toml", dest / "site.toml")
    for name in ("content", "layouts", "static"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, dest / name)
    assert (dest / REPORT).is_file()
    return dest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float = 10.0, step: float = 0.05):
    """Poll ``predicate`` until it returns something true, or fail after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"not within {timeout} s: {predicate}")
        time.sleep(step)


def set_licensing(site: Path, value: str) -> None:
    """Edit one cell of the report (行政许可 处理决定数量) the way an editor saves a file."""
    path = site / REPORT
    text = path.read_text(encoding="utf-8")
    new, n = re.subn(r"(?m)^licensing = .*$", f"licensing = {value}", text)
    assert n == 1
    path.write_text(new, encoding="utf-8")


def site_state(site: Path, skip: Path | None = None) -> dict[Path, int]:
    """mtime of every file and folder of the site, except the build cache of issue 7 (which is
    ``build()``'s to write) and ``skip``."""
    cache = site / ".govsite-cache"
    return {p: p.stat().st_mtime_ns for p in site.rglob("*")
            if not p.is_relative_to(cache) and not (skip and p.is_relative_to(skip))}


def licensing_line(site: Path) -> int:
    lines = (site / REPORT).read_text(encoding="utf-8").splitlines()
    return next(i for i, ln in enumerate(lines, 1) if ln.startswith("licensing = "))


class Server:
    """``python -m govsite -C site serve`` in a subprocess, with its output collected."""

    def __init__(self, site: Path, tmp: Path, *args: str) -> None:
        self.site = site
        self.port = free_port()
        self.tmp = tmp  # TMPDIR of the server: its private build folder lands here
        tmp.mkdir(exist_ok=True)
        env = {**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(tmp), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "govsite", "-C", str(site), "serve", "--port", str(self.port), *args],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8")
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.base = wait_until(self._ready, timeout=20).split("预览地址：", 1)[1].strip()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def _ready(self) -> str | None:
        if self.proc.poll() is not None:
            time.sleep(0.2)
            raise AssertionError("server exited:\n" + "\n".join(self.lines))
        return next((ln for ln in self.lines if ln.startswith("预览地址：")), None)

    def output(self) -> str:
        return "\n".join(self.lines)

    def count(self, text: str) -> int:
        return sum(text in ln for ln in self.lines)

    def get(self, path: str) -> tuple[int, dict[str, str], str]:
        """GET ``path`` exactly as written (no normalisation, no redirects followed)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", path)
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode("utf-8", "replace")
        finally:
            conn.close()

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return copy_site(tmp_path / "site")


@pytest.fixture
def server(site: Path, tmp_path: Path):
    s = Server(site, tmp_path / "tmp")
    yield s
    s.stop()


def test_edit_shows_up_and_errors_show_in_every_page(server: Server, site: Path) -> None:
    status, headers, body = server.get("/" + PAGE)
    assert status == 200 and "卫辉市商务局" in body
    assert "livereload.js" in body and body.index("livereload.js") < body.index("</head>")
    assert "98765" not in body

    start = time.monotonic()
    set_licensing(site, "98765")
    wait_until(lambda: "98765" in server.get("/" + PAGE)[2])
    print(f"edit → served: {time.monotonic() - start:.2f} s")
    # The year's data file was put off by that save (the report's pages come first): a request for
    # it is answered once it is rendered, never with the previous figure.
    assert "98765" in server.get(f"/data/{year_csv_name(2022)}")[2]

    # Two quick edits one second apart: both are served (neither is swallowed by a debounce).
    first = time.monotonic()
    set_licensing(site, "11111")
    wait_until(lambda: "11111" in server.get("/" + PAGE)[2])
    time.sleep(max(0.0, first + 1.0 - time.monotonic()))
    set_licensing(site, "22222")
    wait_until(lambda: "22222" in server.get("/" + PAGE)[2])

    # Broken TOML: every page is the error page, naming the file and the line.
    line = licensing_line(site)
    set_licensing(site, "= 3")
    status, _, body = wait_until(lambda: (r := server.get("/" + PAGE))[0] == 500 and r)
    assert f"content/2022/weihui-shangwu.md:{line}" in body and "TOML" in body
    assert "内容有误" in body and "livereload.js" in body  # so that the fix reloads it by itself
    for path in ("/", "/2022/", "/no/such/page/"):
        assert server.get(path)[0] == 500
    assert "内容有误" in server.output()

    set_licensing(site, "33333")
    status, _, body = wait_until(lambda: (r := server.get("/" + PAGE))[0] == 200 and r)
    assert "33333" in body
    assert server.proc.poll() is None


def test_template_error_page_and_site_404(server: Server, site: Path) -> None:
    status, _, body = server.get("/2022/no-such-report/")
    assert status == 404 and "页面不存在" in body and "livereload.js" in body  # the site's own 404.html
    layouts = site / "layouts"
    layouts.mkdir(exist_ok=True)
    (layouts / "report.html").write_text(
        '{% extends "theme/report.html" %}\n{% block main %}\n{{ no_such_variable.x }}\n{% endblock %}\n',
        encoding="utf-8")
    status, _, body = wait_until(lambda: (r := server.get("/" + PAGE))[0] == 500 and r)
    assert "模板错误" in body and "report.html:3" in body and "no_such_variable" in body
    (layouts / "report.html").unlink()
    wait_until(lambda: server.get("/" + PAGE)[0] == 200)


def test_sub_path_serves_only_the_site(site: Path, tmp_path: Path) -> None:
    toml = site / "site.toml"
    toml.write_text(re.sub(r'(?m)^base_url = .*$', 'base_url = "/xxgk/ndbg/"', toml.read_text(encoding="utf-8")),
                    encoding="utf-8")
    s = Server(site, tmp_path / "tmp")
    try:
        assert s.base.endswith("/xxgk/ndbg/")
        status, _, body = s.get("/xxgk/ndbg/" + PAGE)
        assert status == 200 and "卫辉市商务局" in body and 'href="/xxgk/ndbg/' in body
        status, headers, body = s.get("/")
        assert status in (302, 404) and "weihui" not in body
        if status == 302:
            assert headers["location"] == "/xxgk/ndbg/"
        secret = "publish_invalid"  # a line of site.toml that must never be served
        for path in ("/../site.toml", "/xxgk/ndbg/../site.toml", "/xxgk/ndbg/%2e%2e/site.toml",
                     "/xxgk/ndbg/%2e%2e%2fsite.toml", "/xxgk/ndbg/..%2f..%2fsite.toml", "/site.toml",
                     "/xxgk/ndbg/%2e%2e/content/2022/weihui-shangwu.md", "/" + PAGE, "/xxgk/ndbg/.govsite-manifest"):
            status, _, body = s.get(path)
            assert status in (400, 403, 404), path
            assert secret not in body and "+++" not in body, path
        status, _, body = s.get("/xxgk/ndbg/nope/")
        assert status == 404 and 'href="/xxgk/ndbg/' in body and "livereload.js" in body
        # Other files are read whole under the preview's file lock, with tornado's content types.
        css = (REPO / "govsite" / "theme" / "static" / "style.css").read_text(encoding="utf-8")
        for path, kind, expected in (("assets/style.css", "text/css", css),
                                     ("2022/weihui-shangwu/report.csv", "text/csv", "active.rules.issued,规章,本年制发件数,0"),
                                     ("search/meta.json.gz", "application/gzip", None)):
            status, headers, body = s.get("/xxgk/ndbg/" + path)
            assert (status, headers["content-type"], headers["cache-control"]) == (200, kind, "no-store"), path
            assert expected is None or expected in body, path
        # The reload WebSocket only accepts pages of the preview itself (livereload 2.7.1 takes any).
        for origin, expected in ((f"http://127.0.0.1:{s.port}", 101), ("http://evil.example", 403)):
            conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
            conn.request("GET", "/livereload", headers={
                "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
                "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Origin": origin})
            assert conn.getresponse().status == expected, origin
            conn.close()
    finally:
        s.stop()


def test_burst_is_one_rebuild_and_ctrl_c_is_clean(server: Server, site: Path) -> None:
    before = site_state(site)
    rebuilt = server.count("已重新生成")
    static = site / "static"
    (static / "burst").mkdir(parents=True)
    for i in range(200):  # like a git checkout
        (static / "burst" / f"file{i:03d}.txt").write_text(f"{i}\n", encoding="utf-8")
    wait_until(lambda: server.get("/burst/file199.txt")[0] == 200)  # static/ is published at the root
    time.sleep(1.0)  # a second rebuild would have started by now
    assert server.count("已重新生成") == rebuilt + 1
    assert "等 200 个文件" in server.output()

    # The preview builds into its folder in the build cache, kept for the next session (issue 7).
    assert list(server.tmp.iterdir()) == []
    kept = site / ".govsite-cache" / "serve" / "site"
    assert (kept / "burst" / "file199.txt").is_file()
    assert server.stop() == 0
    assert "预览已停止" in server.output() and "Traceback" not in server.output()
    assert list(server.tmp.iterdir()) == [] and (kept / "index.html").is_file()
    assert site_state(site, skip=static) == before  # nothing else in the site was touched
    assert not (site / "public").exists()


def test_busy_port_is_a_clear_error(site: Path, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(tmp_path)}
        out = subprocess.run([sys.executable, "-m", "govsite", "-C", str(site), "serve", "--port", str(port)],
                             cwd=REPO, env=env, capture_output=True, text=True, timeout=30)
    assert out.returncode == 2 and "端口已被占用" in out.stderr and "Traceback" not in out.stderr
    assert list(tmp_path.glob("govsite-serve-*")) == []


# --- in a browser -----------------------------------------------------------------------------


def test_open_page_reloads_by_itself(server: Server, site: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            loads: list[float] = []
            page.on("load", lambda: loads.append(time.monotonic()))

            def settle(text: str, timeout: float = 10.0) -> None:
                """Wait (pumping Playwright's events) until the page shows ``text`` and is connected."""
                end = time.monotonic() + timeout
                while time.monotonic() < end:
                    try:
                        if page.evaluate("t => document.body.innerText.includes(t) && !!(window.LiveReload"
                                         " && window.LiveReload.connector && window.LiveReload.connector.protocol)",
                                         text):
                            return
                    except sync_api.Error:
                        pass  # navigating: the old document is gone
                    page.wait_for_timeout(30)
                raise AssertionError(f"page did not show {text!r}; loads: {len(loads)}")

            page.goto(server.base + PAGE)
            settle("卫辉市商务局")
            assert len(loads) == 1

            t0 = time.monotonic()
            set_licensing(site, "44444")
            settle("44444")
            latency = loads[-1] - t0
            assert len(loads) == 2

            # One second after the previous save: livereload 2.7.1 would drop this reload by default.
            page.wait_for_timeout(max(0, 1000 - (time.monotonic() - t0) * 1000))
            set_licensing(site, "55555")
            settle("55555")
            assert len(loads) == 3

            set_licensing(site, "= 1")
            settle("内容有误")
            set_licensing(site, "66666")
            settle("66666")
            assert len(loads) == 5
            page.wait_for_timeout(800)
            assert len(loads) == 5  # exactly one reload per rebuild, no stray ones
            assert server.count("已通知 1 个打开的页面刷新") == 4

            # A page that missed a reload (its WebSocket was not connected when the rebuild
            # finished) catches up when livereload.js (re)connects: it was served an older generation.
            page.evaluate("() => window.LiveReload.shutDown()")
            rebuilt = server.count("已重新生成")
            set_licensing(site, "77777")
            wait_until(lambda: server.count("已重新生成") > rebuilt)
            assert "77777" not in page.evaluate("() => document.body.innerText") and len(loads) == 5
            page.evaluate("() => document.dispatchEvent(new Event('LiveReloadConnect'))")
            settle("77777")
            assert len(loads) == 6
            print(f"edit → page reloaded: {latency:.2f} s")
        finally:
            browser.close()
