"""Search (issue 3) in real headless Chromium: exact result sets, URL state, bytes on the wire.

A minimal page that follows the DOM contract of ``search.js`` is generated here and served under a
sub-path (``/xxgk/ndbg/``) by a local server that counts the bytes it sends per path.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
import unicodedata
import urllib.parse
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ensure_debian_program
from govsite.search import SearchDoc, write_index
from govsite.search.reader import Filters, brute_force
from govsite.search.synthetic import generate
from govsite.search.text import fold_table

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SCRIPT = Path(__file__).resolve().parents[1] / "govsite" / "theme" / "static" / "search.js"
BASE = "/xxgk/ndbg/"
N_DOCS = 2000
#: Issue 3: the first query of a session downloads ≤ 150 KB at 100,000 reports (index + script);
#: at 2,000 it must be well inside that, and a later query less than the first.
FIRST_QUERY_BUDGET = 150_000
LATER_QUERY_BUDGET = 100_000

XSS = '<img src=x onerror="window.__xss=1">'


def _ensure_chromium() -> str:
    """Debian's chromium, installed when it is missing and we can (the issue: CI must not skip)."""
    return ensure_debian_program(CHROMIUM, "chromium")


def page_html(page_size: int) -> str:
    """The smallest page that follows the DOM contract documented at the top of search.js."""
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>检索</title></head>
<body><main>
<h1>检索年度报告</h1>
<form id="search-form" role="search" action="./" method="get" data-index="./" data-root="../"
      data-page-size="{page_size}">
  <label for="q">检索词</label> <input id="q" name="q" type="search">
  <label for="year">年度</label> <select id="year" name="year"><option value="">全部年度</option></select>
  <label for="region">地区</label> <select id="region" name="region"><option value="">全部地区</option></select>
  <label for="level">机关层级</label> <select id="level" name="level"><option value="">全部层级</option></select>
  <button type="submit">检索</button>
</form>
<p id="search-status" aria-live="polite"></p>
<ol id="search-results"></ol>
<noscript>检索需要启用 JavaScript；也可以按年度浏览报告。</noscript>
</main>
<script src="../static/search.js" defer></script>
</body></html>
"""


class CountingHandler(http.server.SimpleHTTPRequestHandler):
    counts: dict[str, int]

    def copyfile(self, source, outputfile) -> None:  # type: ignore[override]
        data = source.read()
        outputfile.write(data)
        path = urllib.parse.urlsplit(self.path).path
        self.counts[path] += len(data)

    def log_message(self, *args) -> None:  # keep the test output clean
        pass


class Site:
    def __init__(self, root: Path, docs: list[SearchDoc]) -> None:
        self.root = root
        self.docs = docs
        self.counts: dict[str, int] = defaultdict(int)
        handler = functools.partial(type("H", (CountingHandler,), {"counts": self.counts}),
                                    directory=str(root))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, page: str = "index.html", **params: str) -> str:
        q = urllib.parse.urlencode({k: v for k, v in params.items() if v})
        return f"{self.origin}{BASE}search/{page}" + (f"?{q}" if q else "")

    def take_counts(self) -> dict[str, int]:
        out = dict(self.counts)
        self.counts.clear()
        return out


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    docs = list(generate(N_DOCS, seed=3))
    docs.append(SearchDoc("2021/xss/", "测试机关" + XSS + "年度报告", "测试机关" + XSS, 2021,
                          ("河北省", "石家庄市"), "县级部门", "注入测试 <script>window.__xss=2</script> 内容"))
    root = tmp_path_factory.mktemp("site")
    base = root / BASE.strip("/")
    write_index(docs, base / "search")
    (base / "search" / "index.html").write_text(page_html(20), encoding="utf-8")
    (base / "search" / "all.html").write_text(page_html(100_000), encoding="utf-8")
    (base / "static").mkdir(parents=True)
    shutil.copy(SCRIPT, base / "static" / "search.js")
    s = Site(root, docs)
    yield s
    s.server.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    exe = _ensure_chromium()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    ctx = browser.new_context()
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    ctx.close()
    assert not errors, errors


def wait_done(page, query: str) -> None:
    page.wait_for_function(
        """q => { const r = document.getElementById('search-results');
                  return r.dataset.state === 'error' || (r.dataset.state === 'done' && r.dataset.query === q); }""",
        arg=query, timeout=120_000)
    assert page.get_attribute("#search-results", "data-state") == "done", page.text_content("#search-status")


def shown_urls(page) -> list[str]:
    return page.eval_on_selector_all("#search-results > li", "els => els.map(e => e.dataset.url)")


# ≥ 25 queries: agency fragments of 2–6 characters, topic words, mixed terms, filters, full-width,
# a query with no results and one-character queries.
QUERIES: list[tuple[str, Filters]] = [
    ("卫辉", Filters()),
    ("卫辉市", Filters()),
    ("卫辉市商务", Filters()),
    ("卫辉市商务局", Filters()),
    ("商务局", Filters()),
    ("辉县", Filters()),
    ("教育局", Filters()),
    ("人力资源", Filters()),
    ("疫情防控", Filters()),
    ("行政复议", Filters()),
    ("行政诉讼", Filters()),
    ("营商环境", Filters()),
    ("双随机一公开", Filters()),
    ("12345热线", Filters()),
    ("ＡＰＰ", Filters()),
    ("app 微信", Filters()),
    ("行政复议 2023", Filters()),
    ("淮安 疫情防控", Filters()),
    ("卫辉 商务局", Filters()),
    ("杭州市 政府采购 信用体系", Filters()),
    ("局", Filters()),
    ("辉 乡村振兴", Filters()),
    ("信息公开", Filters(year=2022)),
    ("", Filters(year=2019)),
    ("教育", Filters(region="江苏省/淮安市")),
    ("", Filters(region="浙江省/宁波市/鄞州区")),
    ("", Filters(level="设区的市人民政府")),
    ("安全生产", Filters(year=2024, region="河南省", level="县级部门")),
    ("没有这样的报告内容", Filters()),
    ("卫辉市教育局 食品安全", Filters()),
]


@pytest.mark.parametrize("query,filters", QUERIES, ids=[f"{q or '-'}|{f.year or ''}|{f.region}|{f.level}"
                                                         for q, f in QUERIES])
def test_results_equal_true_set(site: Site, page, query: str, filters: Filters) -> None:
    truth = brute_force(site.docs, query, filters)
    page.goto(site.url("all.html", q=query, year=str(filters.year or ""), region=filters.region,
                       level=filters.level))
    wait_done(page, query)
    assert shown_urls(page) == truth  # same set, same ranking
    status = page.text_content("#search-status")
    if truth:
        assert f"找到 {len(truth)} 份报告" in status
    else:
        assert "未找到" in status
    if any(len(t) == 1 for t in query.split()):
        assert "单字检索词只在报告标题和机关名称中查找" in status


def test_query_set_is_big_enough() -> None:
    assert len(QUERIES) >= 25
    non_empty = sum(1 for q, f in QUERIES if brute_force_cached(q, f))
    assert non_empty >= 20


@functools.cache
def _corpus() -> list[SearchDoc]:
    return list(generate(N_DOCS, seed=3))


def brute_force_cached(q: str, f: Filters) -> int:
    return len(brute_force(_corpus(), q, f))


def test_links_resolve_under_sub_path(site: Site, page) -> None:
    page.goto(site.url(q="卫辉市商务局"))
    wait_done(page, "卫辉市商务局")
    hrefs = page.eval_on_selector_all("#search-results a", "els => els.map(e => e.href)")
    assert hrefs
    for h in hrefs:
        assert h.startswith(site.origin + BASE), h
        rel = h[len(site.origin + BASE):]
        assert any(d.url == rel for d in site.docs)
    mark = page.text_content("#search-results li mark")
    assert mark == "卫辉市商务局"


def test_more_button_pages_through_everything(site: Site, page) -> None:
    query = "淮安 政策解读"
    truth = brute_force(site.docs, query)
    assert len(truth) > 100
    page.goto(site.url(q=query))
    wait_done(page, query)
    assert len(shown_urls(page)) == 20
    while page.is_visible("#search-more"):
        before = len(shown_urls(page))
        page.focus("#search-more")
        page.keyboard.press("Enter")  # keyboard only
        page.wait_for_function(f"document.querySelectorAll('#search-results > li').length > {before}")
        page.wait_for_function("document.getElementById('search-results').dataset.state === 'done'")
        # focus moves to the first new result
        assert page.evaluate("document.activeElement.closest('li') === "
                             f"document.querySelectorAll('#search-results > li')[{before}]")
    assert shown_urls(page) == truth


def test_typing_keeps_url_in_step(site: Site, page) -> None:
    page.goto(site.url())
    page.wait_for_function("document.getElementById('search-results').dataset.state === 'done'")
    assert "请输入检索词" in page.text_content("#search-status")
    page.click("#q")
    page.keyboard.type("疫情防控")
    wait_done(page, "疫情防控")
    params = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)
    assert params == {"q": ["疫情防控"]}
    page.select_option("#year", "2022")
    page.wait_for_function("location.search.includes('year=2022')")
    wait_done(page, "疫情防控")
    assert shown_urls(page)[:20] == brute_force(site.docs, "疫情防控", Filters(year=2022))[:20]
    # the facets filled the selects, with counts
    labels = page.eval_on_selector_all("#region option", "os => os.map(o => o.value)")
    assert "河南省/新乡市/卫辉市" in labels
    # a bookmarked URL restores the form
    page.goto(page.url)
    wait_done(page, "疫情防控")
    assert page.input_value("#q") == "疫情防控"
    assert page.input_value("#year") == "2022"


def test_results_are_announced_and_escaped(site: Site, page) -> None:
    assert page.goto(site.url(q="注入测试")).ok
    wait_done(page, "注入测试")
    assert page.get_attribute("#search-status", "aria-live") == "polite"
    assert "找到 1 份报告" in page.text_content("#search-status")
    assert page.evaluate("window.__xss") is None
    assert XSS in page.text_content("#search-results li h3")
    assert page.query_selector("#search-results img") is None


def test_first_and_later_query_bytes(site: Site, browser) -> None:
    ctx = browser.new_context()
    pg = ctx.new_page()
    pg.goto(site.url())
    pg.wait_for_function("document.getElementById('search-results').dataset.state === 'done'")
    site.take_counts()
    # the script and the meta file are part of a first query's cost: count them in
    pg.goto("about:blank")
    site.take_counts()
    ctx.close()
    ctx = browser.new_context()
    pg = ctx.new_page()
    pg.goto(site.url(q="疫情防控"))
    wait_done(pg, "疫情防控")
    first = site.take_counts()
    first_bytes = sum(v for k, v in first.items() if not k.endswith(".html"))
    assert any(k.endswith("/search.js") for k in first)
    assert first_bytes <= FIRST_QUERY_BUDGET, first
    # a query of the same shape: a page of 20 verified results, but script and meta are cached
    pg.fill("#q", "营商环境")
    wait_done(pg, "营商环境")
    later = site.take_counts()
    later_bytes = sum(later.values())
    assert later_bytes < first_bytes, (later, first)
    assert later_bytes <= LATER_QUERY_BUDGET
    assert not any(k.endswith("/search.js") or k.endswith("meta.json.gz") for k in later)
    ctx.close()
    print(f"\nbytes: first query {first_bytes}, later query {later_bytes}")


def test_fold_matches_python(site: Site, page) -> None:
    """search.js folds every code point exactly like govsite.search.text (below U+30000)."""
    page.goto(site.url())
    page.wait_for_function("typeof window.govsiteSearchFold === 'function'")
    table = fold_table()
    cps = [cp for cp in range(0x30000)
           if not 0xD800 <= cp < 0xE000 and unicodedata.category(chr(cp)) not in ("Cn", "Co", "Cs")]
    got = page.evaluate("cps => cps.map(c => window.govsiteSearchFold(String.fromCodePoint(c)))", cps)
    bad = [(hex(cp), g, table.get(cp, chr(cp))) for cp, g in zip(cps, got) if g != table.get(cp, chr(cp))]
    # Chromium's ICU may know newer Unicode than Python 3.11's unicodedata; none of it is CJK or
    # full-width, and it must stay marginal.
    assert len(bad) <= 10, bad[:20]


def test_degrades_without_decompression_stream(site: Site, browser) -> None:
    ctx = browser.new_context()
    ctx.add_init_script("delete window.DecompressionStream")
    pg = ctx.new_page()
    pg.goto(site.url(q="卫辉"))
    pg.wait_for_function("document.getElementById('search-status').textContent.length > 0")
    assert "不支持本站检索所需的功能" in pg.text_content("#search-status")
    ctx.close()


def test_count_is_labelled_when_not_all_verified(site: Site, page) -> None:
    """A long, common term: the first page is verified, the total is an upper bound and says so."""
    truth = brute_force(site.docs, "行政复议")
    page.goto(site.url(q="行政复议"))
    wait_done(page, "行政复议")
    status = page.text_content("#search-status")
    assert "至多" in status and "已核实并显示 20 份" in status
    assert shown_urls(page) == truth[:20]
