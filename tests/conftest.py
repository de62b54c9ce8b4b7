"""Fixtures shared by the browser tests: one headless Chromium (Debian's package) per module.

Never `playwright install` (it cannot download here): Playwright drives /usr/bin/chromium, which
scripts/test.sh installs when it is missing.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser) -> None:
    """``--sequences N``: how many random edit sequences the engine's property test runs."""
    parser.addoption("--sequences", type=int, default=100,
                     help="random edit sequences of tests/test_engine_property.py (default 100)")

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
