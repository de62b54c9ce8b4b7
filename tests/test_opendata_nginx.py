"""Every data file can be downloaded from a real web server: Debian's nginx, started here on a
loopback port with its workers running as an unprivileged user, serving the site under a sub-path.

A file the build leaves unreadable to others (as ``mkstemp``'s 0600 was) answers 403 there.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import ensure_debian_program
from govsite.build import build
from test_portal_support import BASE, make_site

NGINX = "/usr/sbin/nginx"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _config(run: Path, docroot: Path, port: int) -> str:
    # As root, the workers run as nobody, as a distribution's nginx runs as www-data: they read
    # only what is readable by others. Otherwise they are this (unprivileged) user.
    user = "user nobody nogroup;\n" if os.geteuid() == 0 else ""
    temp = "".join(f"{kind}_temp_path {run / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"{user}daemon off;\nworker_processes 1;\npid {run / 'nginx.pid'};\nerror_log {run / 'error.log'};\n"
            "events { worker_connections 64; }\n"
            "http {\n include /etc/nginx/mime.types;\n access_log off;\n" + temp +
            f" server {{\n  listen 127.0.0.1:{port};\n  root {docroot};\n }}\n}}\n")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The synthetic site built into ``<docroot>/xxgk/ndbg/`` and served by nginx."""
    exe = ensure_debian_program(NGINX, "nginx")  # scripts/test.sh installs it
    root = tmp_path_factory.mktemp("nginx") / "site"
    make_site(root)
    # Outside pytest's private (0700) temporary folder, so that the workers can reach it.
    docroot = Path(tempfile.mkdtemp(prefix="govsite-nginx-"))
    docroot.chmod(0o755)
    out = docroot / BASE.strip("/")
    assert build(root, output=out, base_url=BASE).pages
    run = tmp_path_factory.mktemp("nginx-run")
    port = _free_port()
    (run / "nginx.conf").write_text(_config(run, docroot, port), encoding="utf-8")
    proc = subprocess.Popen([exe, "-p", str(run), "-e", str(run / "error.log"), "-c", str(run / "nginx.conf")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", out, proc.pid
    finally:
        proc.send_signal(signal.SIGQUIT)  # graceful stop of master and workers
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(docroot, ignore_errors=True)


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def test_workers_are_not_root(served) -> None:
    _, _, master = served
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    assert children
    for pid in children:
        uid = next(line.split()[1] for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                   if line.startswith("Uid:"))
        assert uid != "0"


def test_every_data_file_downloads(served) -> None:
    origin, out, _ = served
    files = sorted(p for p in (out / "data").rglob("*") if p.is_file())
    files += sorted(out.glob("20*/*/report.csv")) + sorted(out.glob("20*/*/report.json"))
    names = {p.relative_to(out).as_posix() for p in files}
    assert {"data/govsite-data.zip", "data/datapackage.json", "data/codebook.csv", "data/2023.csv",
            "data/2023-checks.csv", "2023/xinxiang-zf/report.csv"} <= names
    assert len([n for n in names if n.endswith("/report.json")]) == 9
    for path in files:
        status, body = _get(origin + BASE + path.relative_to(out).as_posix())
        assert status == 200, (path, status)
        assert body == path.read_bytes(), path


@pytest.mark.skipif(os.geteuid() != 0, reason="an unreadable file is readable by its owner, who runs the workers")
def test_a_file_only_its_owner_reads_is_refused(served) -> None:
    """The test can fail: a 0600 file, as the archive once was, answers 403."""
    origin, out, _ = served
    probe = out / "data" / "probe.zip"
    probe.write_bytes(b"x")
    probe.chmod(0o600)
    try:
        assert _get(origin + BASE + "data/probe.zip")[0] == 403
    finally:
        probe.unlink()
