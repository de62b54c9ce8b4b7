"""Screenshots of every page type of the example portal at phone and desktop width.

    python3 scripts/screenshots.py            # writes docs/screenshots/<page>-<width>.png

Builds the example portal (site.toml, content/) into a temporary folder under a sub-path, serves
it on 127.0.0.1 and photographs each page with headless Chromium (Debian's /usr/bin/chromium,
driven by Playwright; never `playwright install`). Pages longer than MAX_HEIGHT are cut there.
"""

from __future__ import annotations

import functools
import http.server
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
BASE = "/xxgk/ndbg/"
WIDTHS = (375, 1366)
MAX_HEIGHT = 2400

#: Page type → address below the site root, in the example portal.
PAGES = {
    "home": "",
    "year": "2024/",
    "ranking": "2024/ranking/granted/",
    "report": "2023/huaian-hongze/",
    "agency": "agency/huaian-hongze/",
    "agencies": "agency/",
    "region": "region/江苏省/淮安市/",
    "search": "search/?q=淮安",
    "data": "data/",
    "rules": "rules/",
    "sitemap": "sitemap/",
    "404": "404.html",
}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from govsite.build import build
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        docroot = Path(tmp)
        build(ROOT, output=docroot / BASE.strip("/"), base_url=BASE, cache=False)
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(docroot)))
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        origin = f"http://127.0.0.1:{httpd.server_address[1]}{BASE}"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                            args=["--headless", "--no-sandbox", "--disable-gpu"])
                for width in WIDTHS:
                    for name, path in PAGES.items():
                        shoot(browser, origin + path, OUT / f"{name}-{width}.png", width)
                    shoot(browser, origin + PAGES["report"], OUT / f"report-care-{width}.png", width, care=True)
                    # the tables further down the report, with the cells at fault marked
                    shoot(browser, origin + PAGES["report"], OUT / f"report-tables-{width}.png", width, start="#s3")
                browser.close()
        finally:
            httpd.shutdown()
            httpd.server_close()
    print(f"已写入 {OUT.relative_to(ROOT)}/ 中的截图")
    return 0


def shoot(browser, url: str, dest: Path, width: int, care: bool = False, start: str = "") -> None:
    """One page at ``width`` CSS px, up to MAX_HEIGHT tall from the top (or from the element
    ``start``); ``care``: in 关怀模式."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(url)
    if care:
        page.click("#care-toggle")
    if url.endswith(PAGES["search"]):
        page.wait_for_selector("#search-results[data-state=done]", state="attached")
    top = page.evaluate(f"document.querySelector('{start}').getBoundingClientRect().top + scrollY") if start else 0
    height = min(page.evaluate("document.documentElement.scrollHeight") - top, MAX_HEIGHT)
    page.screenshot(path=str(dest), clip={"x": 0, "y": top, "width": width, "height": height}, full_page=True)
    page.close()


if __name__ == "__main__":
    sys.exit(main())
