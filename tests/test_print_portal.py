"""Print and mobile: a report page has no horizontal page overflow at phone and desktop
width (wide tables scroll in their own box), and prints on A4 with the wide review/litigation
table inside the printable width."""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path

import pdfplumber
import pytest

from govsite.build import build
from sitekit import copy_example
from test_portal_support import BASE, CHROMIUM_ARGS, Server, make_site

pytestmark = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs /usr/bin/chromium")

REPORT = "2023/xinxiang-zf/"
A4_WIDTH_PX = 210 / 25.4 * 96  # CSS px at 96 dpi
MARGIN_PX = 12 / 25.4 * 96  # @page margin left/right in style.css


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    base = tmp_path_factory.mktemp("print")
    make_site(base / "site")
    docroot = base / "docroot"
    assert build(base / "site", output=docroot / "xxgk" / "ndbg", base_url=BASE).pages
    server = Server(docroot)
    yield server, base
    server.close()


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("path", [REPORT, "2023/", "agency/weihui-jiaoyu/", "data/"])
def test_no_horizontal_page_overflow(served, browser, width, path):
    server, base = served
    page = browser.new_page(viewport={"width": width, "height": 800})
    page.goto(server.url(path))
    shot = base / f"{path.strip('/').replace('/', '_')}-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), (path, width)
    if path == REPORT and width == 375:
        # the wide tables scroll inside their own box instead
        box = page.evaluate("""() => { const w = document.querySelector('#s4 .table-wrap');
            return [w.scrollWidth, w.clientWidth, getComputedStyle(w).overflowX]; }""")
        assert box[0] > box[1] and box[2] == "auto"
    page.close()


def test_report_prints_on_a4_with_review_table_whole(served, browser):
    server, base = served
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server.url(REPORT))
    pdf = page.pdf(format="A4", print_background=True)
    (base / "report.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    # in print media at the width of the printable area, every table fits it
    page.emulate_media(media="print")
    page.set_viewport_size({"width": int(A4_WIDTH_PX - 2 * MARGIN_PX), "height": 1100})
    printable = page.evaluate("document.documentElement.clientWidth")
    for selector in ("table.std-reviews", "table.std-applications", "table.std-active"):
        box = page.evaluate(f"""() => {{ const t = document.querySelector('{selector}');
            const r = t.getBoundingClientRect(); return [r.left, r.right, t.scrollWidth, t.clientWidth]; }}""")
        assert box[0] >= 0 and box[1] <= printable + 0.5, (selector, box, printable)
    # nothing of the reviews table is clipped: its cells all lie inside the page box
    right = page.evaluate("""() => Math.max(...[...document.querySelectorAll('table.std-reviews th, table.std-reviews td')]
        .map(c => c.getBoundingClientRect().right))""")
    assert right <= printable + 0.5
    assert page.evaluate("document.documentElement.scrollWidth") <= printable
    # the site chrome is not printed
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).display") == "none"


# --- Paper: headings with their tables, headers on every page (the example portal) ------------

EXAMPLE_PRINTS = ["2022/weihui-shangwu/", "2023/huaian-hongze/", "2024/", "region/江苏省/淮安市/",
                  "agency/huaian-hongze/", "rules/"]

#: Texts a printed page must not end with: headings, summaries, captions (a title without its body).
HEADINGS = """() => [...document.querySelectorAll('main h1, main h2, main h3, main summary, main caption, main figcaption')]
    .map(e => e.innerText)"""
#: The text of each table body row, and of each header row (which may start a page).
ROWS = """() => [[...document.querySelectorAll('main tbody tr')].map(r => r.innerText),
                 [...document.querySelectorAll('main thead tr')].map(r => r.innerText)]"""


def _plain(text: str) -> str:
    """Text without white space, CJK compatibility forms folded (PDF text may carry ⼀ for 一)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.fixture(scope="module")
def example_served(tmp_path_factory):
    """The example portal (real reports) built under the sub-path and served."""
    base = tmp_path_factory.mktemp("print-example")
    site = copy_example(base / "site")
    assert build(site, output=base / "docroot" / "xxgk" / "ndbg", base_url=BASE, cache=False).pages
    server = Server(base / "docroot")
    yield server
    server.close()


def printed_sheets(page) -> list[str]:
    """The page printed on A4: the text of each sheet."""
    pdf = page.pdf(format="A4", print_background=True)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [p.extract_text() or "" for p in doc.pages]


@pytest.mark.parametrize("path", EXAMPLE_PRINTS)
def test_printed_pages_never_end_with_a_heading_nor_start_a_table_body_without_its_header(example_served, browser, path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(example_served.url(path))
    headings = {_plain(h) for h in page.evaluate(HEADINGS) if _plain(h)}
    body_rows, head_rows = page.evaluate(ROWS)
    bodies = {_plain(r) for r in body_rows} - {_plain(r) for r in head_rows}
    sheets = [[line for line in text.splitlines() if not re.fullmatch(r"\d+ / \d+", line.strip())]
              for text in printed_sheets(page)]
    page.close()
    assert len(sheets) >= 2, path
    for n, lines in enumerate(sheets, 1):
        last = _plain(lines[-1])
        assert not any(h.endswith(last) for h in headings), (path, n, lines[-3:])
        if n > 1:
            assert _plain(lines[0]) not in bodies, (path, n, lines[:3])


def test_printed_report_names_its_address_and_numbers_its_pages(example_served, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(example_served.url("2022/weihui-shangwu/"))
    texts = printed_sheets(page)
    page.close()
    assert [t.strip().splitlines()[-1] for t in texts] == [f"{i} / {len(texts)}" for i in range(1, len(texts) + 1)]
    assert "/xxgk/ndbg/2022/weihui-shangwu/" in texts[-1].splitlines()[-2]  # 本页地址：… above the page number
    # the heading that sat alone at the foot of page 1 opens the page of its table
    second = [line for line in texts[1].splitlines() if line.strip()]
    assert _plain(second[0]) == "二、主动公开政府信息情况"
