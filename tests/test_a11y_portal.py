"""Issue 6 accessibility: axe-core (WCAG 2.1 AA and best practices) reports zero violations on every
page type of a portal served under a sub-path, in normal and in 关怀模式; the skip link and the
care switch work from the keyboard."""

from __future__ import annotations

from pathlib import Path

import pytest

from govsite.build import build
from test_portal_support import BASE, CHROMIUM_ARGS, Server, make_site

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = pytest.mark.skipif(not AXE.is_file() or not Path("/usr/bin/chromium").exists(),
                                reason="needs node_modules/axe-core (npm install) and /usr/bin/chromium")

PAGES = {
    "home": "",
    "year": "2023/",
    "ranking": "2023/ranking/granted/",
    "agency": "agency/weihui-jiaoyu/",
    "agencies": "agency/",
    "report": "2023/xinxiang-zf/",  # carries the notice of failed rules
    "search": "search/",
    "search-results": "search/?q=卫辉",  # agencies, regions and reports found: headings h1 › h2 › h3
    "data": "data/",
    "rules": "rules/",
    "sitemap": "sitemap/",
    "region": "region/河南省/新乡市/",
    "404": "404.html",
}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The synthetic portal built into ``docroot/xxgk/ndbg/`` and served on 127.0.0.1."""
    base = tmp_path_factory.mktemp("a11y")
    make_site(base / "site")
    docroot = base / "docroot"
    result = build(base / "site", output=docroot / "xxgk" / "ndbg", base_url=BASE)
    assert result.pages
    server = Server(docroot)
    yield server
    server.close()


def axe_violations(page) -> list[str]:
    """Run axe on the loaded page; one line per violation and node."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    return [f"{v['id']} ({v['impact']}): {v['help']} @ {n['target']}" for v in result["violations"] for n in v["nodes"]]


def open_page(browser, served, name: str, width: int):
    page = browser.new_page(viewport={"width": width, "height": 900})
    response = page.goto(served.url(PAGES[name]))
    assert response.ok, PAGES[name]
    if name.startswith("search"):
        page.wait_for_selector("#search-results[data-state=done]", state="attached")
    return page


@pytest.mark.parametrize("name", list(PAGES))
def test_axe_zero_violations(served, browser, name):
    page = open_page(browser, served, name, 1280)
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert axe_violations(page) == []
    page.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_axe_in_care_mode_on_a_phone(served, browser, name):
    page = open_page(browser, served, name, 375)
    page.click("#care-toggle")
    assert page.evaluate("document.documentElement.classList.contains('care')")
    assert axe_violations(page) == []
    page.close()


def test_search_results_follow_the_heading_order(served, browser):
    page = open_page(browser, served, "search-results", 1280)
    page.wait_for_function("!document.getElementById('names-section').hidden")
    levels = page.evaluate("""() => [...document.querySelectorAll('main h1, main h2, main h3')]
        .filter(h => h.getClientRects().length).map(h => h.tagName)""")
    assert levels[:3] == ["H1", "H2", "H2"] and set(levels[3:]) == {"H3"}
    assert page.eval_on_selector_all("#name-results a", "as => as.map(a => a.textContent)")[:1] == ["卫辉市"]
    page.close()


def test_keyboard_skip_link_and_care_switch_is_remembered(served, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(served.url(PAGES["report"]))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.evaluate("getComputedStyle(document.activeElement).left") != "-999px"  # visible on focus
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    page.focus("#care-toggle")
    page.keyboard.press("Enter")
    assert page.get_attribute("#care-toggle", "aria-pressed") == "true"
    page.goto(served.url(PAGES["agency"]))
    assert page.evaluate("document.documentElement.classList.contains('care')")  # remembered
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") > size
    line = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main p')).lineHeight)"
                         " / parseFloat(getComputedStyle(document.querySelector('main p')).fontSize)")
    assert line >= 1.5
    page.close()
