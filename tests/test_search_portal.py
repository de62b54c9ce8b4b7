"""The search of the built example portal, end to end in headless Chromium (issues 2 and 3):
the build writes the index, the search page finds exactly the reports a substring match finds,
under a sub-path, and the URL carries the query."""

from __future__ import annotations

import functools
import http.server
import threading
import unicodedata
from pathlib import Path

import pytest

from govsite.build import build
from govsite.render import search_text
from sitekit import copy_example

BASE = "/xxgk/ndbg/"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output readable
        pass


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    root = tmp_path_factory.mktemp("portal")
    site = copy_example(root / "site")
    www = root / "www"
    result = build(site, output=www / BASE.strip("/"), base_url=BASE)
    assert result.pages > 0
    handler = functools.partial(QuietHandler, directory=str(www))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", result.site.reports
    server.shutdown()


def expected(reports, query: str, year: int | None = None) -> set[str]:
    terms = fold(query).split()
    out = set()
    for r in reports:
        hay = fold("\n".join([r.title, r.agency, " / ".join(r.region), str(r.year), search_text(r)]))
        if all(t in hay for t in terms) and (year is None or r.year == year):
            out.add(r.url)
    return out


def search_page(browser, url: str) -> tuple[set[str], str, str]:
    """Open ``url`` and wait for the search to finish: (result URLs, status text, query field)."""
    page = browser.new_page()
    try:
        page.goto(url)
        page.wait_for_selector('#search-results[data-state="done"]', state="attached", timeout=20000)
        found = page.eval_on_selector_all("#search-results li.search-result", "els => els.map(e => e.dataset.url)")
        return set(found), page.inner_text("#search-status"), page.input_value("#q")
    finally:
        page.close()


@pytest.mark.parametrize("query,year", [("卫辉", None), ("行政复议", None), ("淮安 2024", None),
                                        ("洪泽", 2023), ("不存在的词语", None)])
def test_portal_search_matches_substring_truth(portal, browser, query: str, year: int | None) -> None:
    origin, reports = portal
    truth = expected(reports, query, year)
    url = f"{origin}{BASE}search/?q={query}" + (f"&year={year}" if year else "")
    found, status, typed = search_page(browser, url)
    assert typed == query
    assert found == truth
    if not truth:
        assert status == f"未找到包含“{query}”的报告。"
    else:
        assert str(len(truth)) in status


def test_every_page_has_a_search_box_to_the_search_page(portal, browser) -> None:
    origin, _ = portal
    page = browser.new_page()
    try:
        page.goto(f"{origin}{BASE}2022/weihui-shangwu/")
        page.fill("#site-q", "商务局")
        page.press("#site-q", "Enter")
        page.wait_for_selector('#search-results[data-state="done"]', state="attached", timeout=20000)
        assert page.url.startswith(f"{origin}{BASE}search/?q=")
        urls = page.eval_on_selector_all("#search-results li.search-result", "els => els.map(e => e.dataset.url)")
    finally:
        page.close()
    assert urls == ["2022/weihui-shangwu/"]
