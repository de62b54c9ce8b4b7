"""The portal on a phone (375 px) and a desktop (1366 px), in headless Chromium: no page scrolls
sideways, no label column is squeezed below four characters, chart text is at least 12 px (and
larger in 关怀模式), the 关怀模式 switch shows its state, and search finds agencies by pinyin."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from sitekit import REPO

pytestmark = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs /usr/bin/chromium")


def _screenshot_pages() -> dict[str, str]:
    """The page types of the example portal, as scripts/screenshots.py photographs them."""
    spec = importlib.util.spec_from_file_location("screenshots", REPO / "scripts" / "screenshots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.PAGES


#: Every page type of the example portal (real reports).
EXAMPLE = _screenshot_pages()
#: The synthetic portal's long lists: a ranking and a year of many agencies, a region of several.
SYNTHETIC = {"ranking": "2023/ranking/granted/", "year": "2023/", "region": "region/河南省/"}


NARROW_LABELS = """() => {
  const out = [];
  for (const c of document.querySelectorAll('main th[scope="row"], main th[scope="rowgroup"]')) {
    const r = c.getBoundingClientRect();
    if (!r.width) continue;  // inside a closed <details>
    const em = parseFloat(getComputedStyle(c).fontSize);
    if (r.width < 4 * em) out.push(c.textContent.trim() + ' ' + Math.round(r.width) + 'px < 4×' + em);
  }
  return out;
}"""

CHART_TEXT = """() => [...document.querySelectorAll('svg.chart-svg')].map(s => {
  const r = s.getBoundingClientRect();
  return r.width ? 14 * r.width / s.viewBox.baseVal.width : null;
}).filter(x => x !== null)"""


def check_page(browser, url: str, width: int, care: bool = False) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    response = page.goto(url)
    assert response.ok, url
    if care:
        page.click("#care-toggle")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), (url, width, "page scrolls sideways")
    assert page.evaluate(NARROW_LABELS) == [], (url, width)
    sizes = page.evaluate(CHART_TEXT)
    least = 15 if care else 12
    assert all(s >= least for s in sizes), (url, width, sizes)
    page.close()


@pytest.mark.parametrize("width", [375, 1366])
@pytest.mark.parametrize("name", list(EXAMPLE))
def test_example_pages_fit_phone_and_desktop(servers, browser, name, width):
    check_page(browser, servers[0].url(EXAMPLE[name]), width)


@pytest.mark.parametrize("width", [375, 1366])
@pytest.mark.parametrize("name", list(SYNTHETIC))
def test_long_lists_fit_phone_and_desktop(servers, browser, name, width):
    check_page(browser, servers[1].url(SYNTHETIC[name]), width)


@pytest.mark.parametrize("name", ["year", "region", "report", "ranking"])
def test_care_mode_on_a_phone_keeps_labels_and_enlarges_charts(servers, browser, name):
    check_page(browser, servers[0].url(EXAMPLE[name]), 375, care=True)


def test_charts_are_not_shrunk_on_a_phone(servers, browser):
    page = browser.new_page(viewport={"width": 375, "height": 900})
    page.goto(servers[0].url(EXAMPLE["year"]))
    sizes = page.evaluate(CHART_TEXT)
    assert len(sizes) == 2 and min(sizes) >= 12
    page.close()


def test_ranking_label_column_stays_while_figures_scroll(servers, browser):
    # just above the phone's two-line lists (test_portal_phone_lists.py) the ranking is a table
    page = browser.new_page(viewport={"width": 620, "height": 900})
    page.goto(servers[1].url(SYNTHETIC["ranking"]))
    wrap = page.locator(".table-wrap").first
    assert page.evaluate("document.querySelector('.table-wrap').classList.contains('scrolls')")
    left = wrap.evaluate("w => w.getBoundingClientRect().left")
    wrap.evaluate("w => { w.scrollLeft = 100; }")
    assert wrap.evaluate("w => w.scrollLeft") == 100
    after = page.evaluate("document.querySelector('table.ranking tbody th').getBoundingClientRect().left")
    assert after == left  # sticky: the agency names stay in view while the figures scroll under them
    hint = page.evaluate("getComputedStyle(document.querySelector('.table-wrap'), '::before').content")
    assert "左右滑动" in hint
    page.close()


def test_care_switch_shows_its_state(servers, browser):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(servers[0].url(""))
    button = page.locator("#care-toggle")
    assert button.is_visible() and button.inner_text() == "关怀模式：关"
    button.click()
    assert button.inner_text() == "关怀模式：开" and button.get_attribute("aria-pressed") == "true"
    on = page.evaluate("getComputedStyle(document.getElementById('care-toggle')).backgroundColor")
    button.click()
    assert page.evaluate("getComputedStyle(document.getElementById('care-toggle')).backgroundColor") != on
    page.close()


def test_care_switch_is_not_offered_without_javascript(servers, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(servers[0].url(""))
    assert not page.locator("#care-toggle").is_visible()
    context.close()


@pytest.mark.parametrize("query, expected", [
    ("weihui", ["卫辉市", "卫辉市人民政府", "卫辉市商务局"]),
    ("卫辉市人民政府", ["卫辉市人民政府"]),
    ("hzq", ["洪泽区"]),
])
def test_search_finds_agencies_and_regions_by_name_and_pinyin(servers, browser, query, expected):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(servers[0].url(f"search/?q={query}"))
    page.wait_for_selector("#search-results[data-state=done]", state="attached")
    page.wait_for_function("!document.getElementById('names-section').hidden")
    names = page.eval_on_selector_all("#name-results li a", "as => as.map(a => a.textContent)")
    assert names == expected
    assert page.input_value("#q") == query
    link = page.get_attribute("#name-results li a", "href")
    assert link.startswith(servers[0].url("")) and page.goto(link).ok
    page.close()
