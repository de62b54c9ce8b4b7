"""Issue 6 print and mobile: a report page has no horizontal page overflow at phone and desktop
width (wide tables scroll in their own box), and prints on A4 with the wide review/litigation
table inside the printable width."""

from __future__ import annotations

from pathlib import Path

import pytest

from govsite.build import build
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
