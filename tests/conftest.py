"""Fixtures shared by the browser tests: one headless Chromium (Debian's package) per module; and
the Debian programs tests run (chromium, nginx), installed when missing and possible.

Never `playwright install` (it cannot download here): Playwright drives /usr/bin/chromium, which
scripts/test.sh installs when it is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def pytest_addoption(parser) -> None:
    """``--sequences N``: how many random edit sequences the engine's property test runs."""
    parser.addoption("--sequences", type=int, default=100,
                     help="random edit sequences of tests/test_engine_property.py (default 100)")


def ensure_debian_program(path: str, package: str) -> str:
    """``path``, installing Debian's ``package`` when it is missing and we can (CI must not skip)."""
    if not Path(path).exists() and shutil.which("apt-get") and os.geteuid() == 0:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update"], check=False, env=env, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", package],
                       check=False, env=env, capture_output=True)
    assert Path(path).exists(), f"{package} is required: apt-get install -y --no-install-recommends {package}"
    return path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium browser per test module (its asyncio loop must end before another module starts Playwright)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """``(example, synthetic)``: the example portal and the synthetic one of
    ``test_portal_support.make_site``, each built under the sub-path and served on 127.0.0.1."""
    from govsite.build import build
    from sitekit import copy_example
    from test_portal_support import BASE, Server, make_site

    base = tmp_path_factory.mktemp("portals")
    site = copy_example(base / "example")
    assert build(site, output=base / "ex" / BASE.strip("/"), base_url=BASE, cache=False).pages
    make_site(base / "synthetic")
    assert build(base / "synthetic", output=base / "syn" / BASE.strip("/"), base_url=BASE, cache=False).pages
    example, synthetic = Server(base / "ex"), Server(base / "syn")
    yield example, synthetic
    example.close()
    synthetic.close()
