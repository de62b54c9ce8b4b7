"""Helpers for the portal tests (issue 6): a small synthetic site with planted problems, a static
server under a sub-path, and an HTML table reader that follows ``headers``/``id``.

Everything is generated here in ``tmp_path``; the example content is never modified.
"""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import random
import threading
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from govsite.formats import format_for_year

BASE = "/xxgk/ndbg/"

REGION_COUNTY = ["河南省", "新乡市", "卫辉市"]
REGION_CITY = ["河南省", "新乡市"]


@dataclass
class Planted:
    """What the synthetic site plants, for the tests to look for."""

    carry_agency: str = "卫辉市教育局"
    carry_year: int = 2023  # its 2023 上年结转 differs from its 2022 结转下年度继续办理
    late_agency: str = "卫辉市人民政府"
    late_year: int = 2022  # published 2023-04-20, after the 31 March deadline
    missing_agency: str = "卫辉市财政局"  # registered, never reports
    error_agency: str = "新乡市人民政府"
    error_year: int = 2023  # an R1/R3 failure (published anyway: publish_invalid)


def _values(rng: random.Random, fmt, carried_over: list[int] | None) -> dict[str, list]:
    """Table values that satisfy R1–R4 for ``fmt``; ``carried_over`` fixes row 二 when given."""
    apps = fmt.table("applications")
    keys = [f.key for f in apps.fields()]
    outcome_keys = [k for k in keys if k not in ("new_requests", "carried_over", "total", "carried_forward")]
    cols = 6
    new = [rng.randint(0, 40) for _ in range(cols)]
    co = carried_over[:cols] if carried_over else [rng.randint(0, 4) for _ in range(cols)]
    out: dict[str, list] = {k: [0] * cols for k in outcome_keys}
    forward = [0] * cols
    for c in range(cols):
        pool = new[c] + co[c]
        forward[c] = rng.randint(0, min(3, pool))
        left = pool - forward[c]
        while left:
            k = rng.choice(outcome_keys[:6] * 3 + outcome_keys)  # mostly 予以公开/部分公开/不予公开
            n = rng.randint(1, left)
            out[k][c] += n
            left -= n
    total = [sum(out[k][c] for k in outcome_keys) for c in range(cols)]
    vals: dict[str, list] = {}
    for k, row in [("new_requests", new), ("carried_over", co)] + [(k, out[k]) for k in outcome_keys] + [
            ("total", total), ("carried_forward", forward)]:
        vals[f"applications.{k}"] = row + [sum(row)]
    for f in fmt.table("reviews").fields():
        parts = [rng.randint(0, 3) for _ in range(4)]
        vals[f"reviews.{f.key}"] = parts + [sum(parts)]
    for f in fmt.table("active").fields():
        vals[f"active.{f.key}"] = [
            (f"{rng.randint(0, 99)}.{rng.randint(0, 99):02d}" if c.kind.value == "amount" else
             rng.randint(-3, 9) if c.kind.value == "signed" else rng.randint(0, 30))
            for c in f.value_columns]
    if "active.rules" in vals:
        vals["active.rules"] = [0] * len(vals["active.rules"])
    return vals


def _toml_value(v) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, str):
        return f'"{v}"'
    return str(v)


def write_report(content: Path, slug: str, agency: str, year: int, region: list[str], level: str,
                 published: dt.date | None, values: dict[str, list]) -> Path:
    """Write one report file in the content format."""
    fmt = format_for_year(year)
    lines = ["+++", f'agency = "{agency}"', f"year = {year}", f'format = "{fmt.version}"',
             f"region = {_toml_value(region)}", f'level = "{level}"']
    if published:
        lines.append(f"published = {published.isoformat()}")
    for table in fmt.tables:
        lines.append(f"\n[{table.key}]")
        for f in table.fields():
            v = values[f"{table.key}.{f.key}"]
            lines.append(f"{f.key} = {_toml_value(v[0] if f.scalar else v)}")
    lines.append("+++\n")
    body = (f"## 一、总体情况\n\n{agency}{year}年认真贯彻《中华人民共和国政府信息公开条例》。\n\n"
            "## 二、主动公开政府信息情况\n\n## 三、收到和处理政府信息公开申请情况\n\n"
            "## 四、政府信息公开行政复议、行政诉讼情况\n\n"
            "## 五、存在的主要问题及改进情况\n\n公开内容的及时性有待提高。\n\n"
            "## 六、其他需要报告的事项\n\n本年度未收取信息处理费。\n")
    path = content / str(year) / f"{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n" + body, encoding="utf-8")
    return path


def make_site(root: Path) -> Planted:
    """A site of five agencies over 2021–2023 with a registry and planted problems."""
    planted = Planted()
    root.mkdir(parents=True, exist_ok=True)
    (root / "site.toml").write_text(
        'title = "测试门户"\nbase_url = "/xxgk/ndbg/"\npublish_invalid = true\n\n'
        '[meta]\nsite_name = "测试门户"\nsite_domain = "www.example.gov.cn"\nsite_id_code = "4107810001"\n'
        'column_name = "政府信息公开工作年度报告"\n\n'
        '[[agencies]]\nname = "卫辉市教育局"\nslug = "weihui-jiaoyu"\nlevel = "县级部门"\nregion = ["河南省", "新乡市", "卫辉市"]\n\n'
        '[[agencies]]\nname = "卫辉市人民政府"\nslug = "weihui-zf"\nlevel = "县级人民政府"\nregion = ["河南省", "新乡市", "卫辉市"]\n\n'
        '[[agencies]]\nname = "卫辉市财政局"\nslug = "weihui-caizheng"\nlevel = "县级部门"\nregion = ["河南省", "新乡市", "卫辉市"]\n\n'
        '[[agencies]]\nname = "新乡市人民政府"\nslug = "xinxiang-zf"\nlevel = "设区的市人民政府"\nregion = ["河南省", "新乡市"]\n',
        encoding="utf-8")
    content = root / "content"
    rng = random.Random(20240601)
    specs = [
        # slug, agency, region, level, {year: published}
        ("weihui-jiaoyu", "卫辉市教育局", REGION_COUNTY, "县级部门",
         {2021: dt.date(2022, 1, 20), 2022: dt.date(2023, 1, 18), 2023: dt.date(2024, 1, 25)}),
        ("weihui-zf", "卫辉市人民政府", REGION_COUNTY, "县级人民政府",
         {2021: dt.date(2022, 3, 20), 2022: dt.date(2023, 4, 20), 2023: dt.date(2024, 3, 28)}),
        ("xinxiang-zf", "新乡市人民政府", REGION_CITY, "设区的市人民政府",
         {2022: dt.date(2023, 3, 30), 2023: dt.date(2024, 3, 29)}),
        ("weihui-shuiwu", "国家税务总局卫辉市税务局", REGION_COUNTY, "县级部门", {2023: None}),
    ]
    for slug, agency, region, level, years in specs:
        prev_forward = None
        for year, published in sorted(years.items()):
            fmt = format_for_year(year)
            carried = prev_forward
            if agency == planted.carry_agency and year == planted.carry_year:
                carried = [x + 2 for x in prev_forward]  # planted R6 break
            vals = _values(rng, fmt, carried)
            if agency == planted.error_agency and year == planted.error_year:
                vals["applications.granted"][0] += 5  # planted R3 (and R1, R2) failure
            prev_forward = vals["applications.carried_forward"][:6]
            write_report(content, slug, agency, year, region, level, published, vals)
    return planted


# --- Serving ---------------------------------------------------------------------------------------


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep test output clean
        pass


class Server:
    """A static server on 127.0.0.1 for ``docroot`` (the site lives at ``docroot/xxgk/ndbg/``)."""

    def __init__(self, docroot: Path) -> None:
        handler = functools.partial(_Quiet, directory=str(docroot))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str = "") -> str:
        """The address of a page of the site."""
        return self.origin + BASE + path

    def close(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


# --- Reading tables back -----------------------------------------------------------------------


@dataclass
class Cell:
    """A value cell read from the page, with the texts of the header cells it names."""

    headers: list[str]
    text: str


class TableReader(HTMLParser):
    """Reads every ``<table>``: header texts by id, value cells with their ``headers`` lists."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self._stack: list[dict] = []
        self._cell: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._stack.append({"class": a.get("class", ""), "ids": {}, "cells": [], "caption": ""})
        elif tag in ("th", "td") and self._stack:
            self._cell = {"tag": tag, "id": a.get("id"), "headers": (a.get("headers") or "").split(), "text": ""}
        elif tag == "caption" and self._stack:
            self._cell = {"tag": "caption", "text": ""}

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data

    def handle_endtag(self, tag):
        if tag in ("th", "td", "caption") and self._cell is not None and self._stack:
            t = self._stack[-1]
            c = self._cell
            if c["tag"] == "caption":
                t["caption"] = c["text"].strip()
            elif c["tag"] == "th" and c["id"]:
                t["ids"][c["id"]] = c["text"].strip()
            elif c["tag"] == "td" and c["headers"]:
                t["cells"].append(c)
            self._cell = None
        elif tag == "table" and self._stack:
            t = self._stack.pop()
            t["cells"] = [Cell([t["ids"].get(h, "?") for h in c["headers"]], c["text"].strip()) for c in t["cells"]]
            self.tables.append(t)


def read_tables(html: str) -> list[dict]:
    """Every table of a page (innermost first), as dicts with ``class``, ``caption`` and ``cells``."""
    r = TableReader()
    r.feed(html)
    return r.tables
