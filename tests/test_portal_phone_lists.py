"""Lists on a phone, in headless Chromium: below 600 px every ``table.list`` row is two lines — its
name across the full width, then its figures, each shown after its column header — with nothing
scrolling sideways, the table still a table to screen readers, and axe-core clean in normal and
关怀模式; at 1366 px the rows are the same single-line table rows as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_a11y_portal import AXE, axe_violations

pytestmark = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs /usr/bin/chromium")

#: page → (portal: 0 the example, 1 the synthetic one; see the ``servers`` fixture, address).
#: The lists to check: the example's ranking and region, the synthetic portal's
#: ranking, region, year overview (its ranking and its lists by region), agency list and data page.
PAGES = {
    "example-ranking": (0, "2024/ranking/granted/"),
    "example-region": (0, "region/江苏省/淮安市/"),
    "ranking": (1, "2023/ranking/granted/"),
    "region": (1, "region/河南省/"),
    "year": (1, "2023/"),
    "agency": (1, "agency/weihui-jiaoyu/"),
    "agencies": (1, "agency/"),
    "data": (1, "data/"),
}


def open_page(browser, servers, name: str, width: int, care: bool = False):
    portal, path = PAGES[name]
    page = browser.new_page(viewport={"width": width, "height": 900})
    assert page.goto(servers[portal].url(path)).ok, path
    if care:
        page.click("#care-toggle")
        assert page.evaluate("document.documentElement.classList.contains('care')")
    return page


#: Per shown body row of every table.list: the name cell against the row and the figures, and each
#: figure's drawn label against its column's header (the header's text without what is only
#: for screen readers or only decoration). One line per problem; the number of rows seen.
TWO_LINES = """() => {
  const problems = [];
  let rows = 0;
  const headerText = th => {
    const c = th.cloneNode(true);
    c.querySelectorAll('.visually-hidden, [aria-hidden="true"]').forEach(e => e.remove());
    return c.textContent.trim();
  };
  for (const table of document.querySelectorAll('main table.list')) {
    const heads = [...table.tHead.rows[0].cells].map(headerText);
    for (const tr of table.tBodies[0].rows) {
      const row = tr.getBoundingClientRect();
      if (!row.width) continue;  // inside a closed <details>
      rows++;
      const name = tr.querySelector('th[scope="row"]');
      const n = name.getBoundingClientRect();
      const where = name.textContent.trim();
      if (Math.abs(n.width - row.width) > 3) problems.push(`${where}: name ${n.width} wide in a row of ${row.width}`);
      for (const td of tr.cells) {
        if (td === name) continue;
        const r = td.getBoundingClientRect();
        const head = heads[td.cellIndex];
        if (r.top < n.bottom - 0.5) problems.push(`${where}: ${head} at ${r.top} above the name's foot ${n.bottom}`);
        if (td.dataset.label !== head) problems.push(`${where}: label ${td.dataset.label} under ${head}`);
        const drawn = getComputedStyle(td, '::before').content;
        if (!drawn.startsWith(JSON.stringify(head + '：'))) problems.push(`${where}: ${head} drawn as ${drawn}`);
      }
    }
  }
  return {problems, rows};
}"""

#: Per shown body row of every table.list: its cells' tops, when they are not one.
ONE_LINE = """() => {
  const out = [];
  for (const tr of document.querySelectorAll('main table.list tbody tr')) {
    const tops = [...tr.cells].map(c => Math.round(c.getBoundingClientRect().top));
    if (!tr.getBoundingClientRect().width) continue;
    if (new Set(tops).size !== 1) out.push(tr.cells[0].textContent.trim() + ': ' + tops.join(' '));
    for (const td of tr.querySelectorAll('td')) {
      const drawn = getComputedStyle(td, '::before').content;
      if (drawn !== 'none' && drawn !== 'normal') out.push(tr.cells[0].textContent.trim() + ': draws ' + drawn);
    }
  }
  return out;
}"""


@pytest.mark.parametrize("care", [False, True], ids=["normal", "care"])
@pytest.mark.parametrize("name", list(PAGES))
def test_rows_are_two_lines_on_a_phone(servers, browser, name, care):
    page = open_page(browser, servers, name, 375, care)
    result = page.evaluate(TWO_LINES)
    assert result["rows"] >= 2 and result["problems"] == []
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), "page scrolls sideways"
    # no list's box scrolls either, so no scroll hint is shown above one
    wraps = page.evaluate("""() => [...document.querySelectorAll('main .table-wrap:has(> table.list)')]
        .filter(w => w.getBoundingClientRect().width)
        .map(w => [w.scrollWidth - w.clientWidth, getComputedStyle(w, '::before').content])""")
    assert wraps and all(extra <= 0 and hint == "none" for extra, hint in wraps), wraps
    page.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_rows_stay_single_table_rows_on_a_desktop(servers, browser, name):
    page = open_page(browser, servers, name, 1366)
    assert page.evaluate(ONE_LINE) == []
    head = page.evaluate("document.querySelector('main table.list thead th').getBoundingClientRect().height")
    assert head > 10  # the header row is shown, not only kept for screen readers
    page.close()


def test_ranking_figures_keep_their_labels_and_separators_on_a_phone(servers, browser):
    page = open_page(browser, servers, "example-ranking", 375)
    first = page.locator("table.ranking tbody tr").first
    cells = first.evaluate("""tr => [...tr.cells].map(c => [c.dataset.label || '', c.innerText.trim()])""")
    assert cells[:4] == [["名次", "1"], ["", "淮安市人民政府"], ["新收申请", "3,119"], ["予以公开", "1,362"]]
    sorted_cell = page.evaluate("getComputedStyle(document.querySelector('table.ranking td.sorted')).fontWeight")
    assert sorted_cell == "700"  # the ranked figure stands out without its column
    page.close()


@pytest.mark.parametrize("name", ["example-ranking", "region", "year"])
def test_screen_readers_meet_the_same_table_on_a_phone(servers, browser, name):
    """The accessibility tree of every list is the one of the desktop: table, headers, rows and
    cells, and the drawn labels are not read a second time."""
    trees = []
    for width in (1366, 375):
        page = open_page(browser, servers, name, width)
        trees.append([t.aria_snapshot() for t in page.locator("main table.list").all()])
        page.close()
    assert trees[0] == trees[1]
    assert all("columnheader" in t and "rowheader" in t and "- cell" in t for t in trees[1])
    assert not any("：" in line and "- cell" in line for t in trees[1] for line in t.splitlines())


@pytest.mark.skipif(not AXE.is_file(), reason="needs node_modules/axe-core (npm install)")
@pytest.mark.parametrize("care", [False, True], ids=["normal", "care"])
@pytest.mark.parametrize("name", ["example-ranking", "example-region", "ranking", "region", "year"])
def test_axe_zero_violations_on_a_phone(servers, browser, name, care):
    page = open_page(browser, servers, name, 375, care)
    assert axe_violations(page) == []
    page.close()
