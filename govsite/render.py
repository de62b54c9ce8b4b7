"""Stage 3 — render: reports and their diagnostics → page texts, through the Jinja2 templates.

Input: the validated :class:`Config`, the loaded reports and the check results. Output: an iterator
of ``(path below the output folder, bytes)`` that :mod:`govsite.write` stores — pages are produced
one at a time, never all held in memory (issue 7: streaming).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterator

from markupsafe import Markup

from . import __version__
from .config import META_SETTINGS, Config
from .diagnostics import Diagnostic
from .formats import SECTIONS
from .formats.figures import INDEX_FIGURES, KEY_FIGURES, KeyFigure, figure_by_key, figure_cells
from .markdown import plain_text, render as render_markdown
from .model import Report
from .sections import split_sections
from .tables import render_table
from .templates import make_environment

#: Which standard table belongs under which section heading (spec §2).
TABLE_OF_SECTION = {"s2": "active", "s3": "applications", "s4": "reviews"}


def figure_value(report: Report, figure: KeyFigure) -> int | Decimal | None:
    """The value of a key figure for ``report``; ``None`` when a cell of it is missing."""
    total = 0
    for key, index in figure_cells(report.format, figure):
        v = report.number(key, index)
        if v is None:
            return None
        total += v
    return total


@dataclass
class SiteIndex:
    """What every page may need to know about the whole site: years, reports by year and agency."""

    config: Config
    reports: list[Report]
    problems: dict[str, list[Diagnostic]] = field(default_factory=dict)  # path → diagnostics
    by_year: dict[int, list[Report]] = field(default_factory=dict)
    by_agency: dict[str, list[Report]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        by_year: dict[int, list[Report]] = defaultdict(list)
        by_agency: dict[str, list[Report]] = defaultdict(list)
        for r in sorted(self.reports, key=report_order):
            by_year[r.year].append(r)
            by_agency[r.agency].append(r)
        self.by_year = dict(sorted(by_year.items(), reverse=True))
        self.by_agency = {a: sorted(rs, key=lambda r: r.year) for a, rs in sorted(by_agency.items())}

    def neighbours(self, report: Report) -> tuple[Report | None, Report | None]:
        """The same agency's previous and next report."""
        rs = self.by_agency[report.agency]
        i = rs.index(report)
        return (rs[i - 1] if i > 0 else None), (rs[i + 1] if i + 1 < len(rs) else None)

    def latest(self) -> list[Report]:
        """The newest reports: by publication date when known, then year."""
        def key(r: Report) -> tuple:
            return (r.published or dt.date(r.year + 1, 1, 1), r.year, r.agency)
        return sorted(self.reports, key=key, reverse=True)[: self.config.latest]


def report_order(r: Report) -> tuple:
    """Reports in a stable order: year, region path, agency, slug."""
    return (r.year, r.region, r.agency, r.slug)


class Renderer:
    """Renders every page of a site from a :class:`SiteIndex`."""

    def __init__(self, site: SiteIndex) -> None:
        self.site = site
        self.config = site.config
        self.env = make_environment(site.config.layouts_dir)
        base = site.config.base_path
        self.env.globals.update(
            url=lambda path="": base + path.lstrip("/"),
            site=site.config,
            site_meta={META_SETTINGS[k]: v for k, v in sorted(site.config.meta.items()) if k in META_SETTINGS},
            years=list(site.by_year),
            version=__version__,
            sections=SECTIONS,
            key_figures=KEY_FIGURES,
            index_figures=[figure_by_key(k) for k in INDEX_FIGURES],
        )
        self.env.filters["figure"] = figure_value
        self.env.filters["region"] = lambda region: " / ".join(region)

    def page(self, template: str, **context) -> bytes:
        """One page as UTF-8 bytes."""
        return self.env.get_template(template).render(**context).encode("utf-8")

    def pages(self) -> Iterator[tuple[str, bytes]]:
        """Every page of the site, one at a time."""
        for year, reports in self.site.by_year.items():
            for r in reports:
                yield f"{r.url}index.html", self.report_page(r)
            yield f"{year}/index.html", self.year_page(year, reports)
        yield "index.html", self.page("home.html", latest=self.site.latest(), by_year=self.site.by_year,
                                      problems=self.site.problems)
        yield "404.html", self.page("404.html")
        yield "search/index.html", self.page("search.html")
        yield "sitemap.xml", self.sitemap()

    def report_page(self, report: Report) -> bytes:
        """The page of one report: metadata, the six sections, the three tables."""
        preface, prose = split_sections(report.body, report.body_line)
        sections = []
        for p in prose:
            table_key = TABLE_OF_SECTION.get(p.anchor)
            sections.append({
                "anchor": p.anchor,
                "title": p.title,
                "html": Markup(render_markdown(p.text)),
                "table": Markup(render_table(report, table_key)) if table_key else None,
            })
        problems = [d for d in self.site.problems.get(report.path, []) if d.is_error]
        prev, nxt = self.site.neighbours(report)
        return self.page("report.html", report=report, preface=Markup(render_markdown(preface)),
                         sections=sections, problems=problems, prev=prev, next=nxt)

    def year_page(self, year: int, reports: list[Report]) -> bytes:
        """The index of a year: every report, grouped by region, with key figures and problem counts."""
        groups: dict[str, list[Report]] = defaultdict(list)
        for r in reports:
            groups[" / ".join(r.region) or "未注明地区"].append(r)
        counts = {r.path: _counts(self.site.problems.get(r.path, [])) for r in reports}
        return self.page("year.html", year=year, groups=dict(sorted(groups.items())), reports=reports,
                         counts=counts)

    def sitemap(self) -> bytes:
        """``sitemap.xml`` listing the home page, year indexes and reports."""
        urls = [""] + [f"{y}/" for y in self.site.by_year] + [r.url for rs in self.site.by_year.values() for r in rs]
        return self.page("sitemap.xml", urls=urls, origin=self.config.origin)


def _counts(diags: list[Diagnostic]) -> tuple[int, int]:
    errors = sum(d.is_error for d in diags)
    return errors, len(diags) - errors


def search_text(report: Report) -> str:
    """What search indexes for a report besides its metadata (issue 3): the prose of every section
    and the labels of the table cells that are not zero (so 行政诉讼 finds reports with lawsuits)."""
    parts = [plain_text(report.body)]
    seen: set[str] = set()
    for table in report.format.tables:
        for f, i, path in table.cells():
            vals = report.values.get(f"{table.key}.{f.key}")
            if not vals or not vals[i] or vals[i] in ("0",):
                continue
            for label in (table.title, *path.row, *path.column):
                if label not in seen:
                    seen.add(label)
                    parts.append(label)
    return "\n".join(parts)
