"""Stage 3 — render: reports and their diagnostics → page texts, through the Jinja2 templates.

Input: the validated :class:`Config`, the loaded reports and the check results, as a :class:`SiteIndex`.
Output: one page or file as bytes per call. Which pages a site has, and what each reads, is declared
in :mod:`govsite.pages`; this module only knows how each looks.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections import ChainMap, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from types import BuiltinFunctionType, FunctionType, MethodType
from typing import Callable, Iterable, Iterator, Sequence
from urllib.parse import urlsplit

from jinja2 import Environment, Template
from jinja2.runtime import Context
from jinja2.utils import internalcode
from markupsafe import Markup, escape

try:
    from markupsafe import _escape_inner  # markupsafe ≥ 3: the C routine inside escape()
except ImportError:  # pragma: no cover - older markupsafe
    def _escape_inner(s: str) -> str:
        return str(escape(s))

from . import __version__
from .cache import digest
from .config import META_SETTINGS, Config
from .diagnostics import Diagnostic
from .explain import faults, rule_sentence
from .numbers import grouped
from .formats import SECTIONS
from .aggregate import MIXED_UNITS, Aggregate, sum_by_format, sum_reports
from .charts import Bar, chart_figure
from .feed import atom
from .formats import FORMATS, Format, Kind
from .formats.figures import (
    AGENCY_FIGURES, INDEX_FIGURES, KEY_FIGURES, OUTCOME_FIGURES, REVIEW_GROUPS, REVIEW_OUTCOMES, KeyFigure,
    figure_by_key, review_figure,
)
from .formats.rules import RULES as DECLARED_RULES
from .portal import (
    AgencyEntry, RegionNode, build_agencies, build_regions, carry_chain, completeness, deadline, figure_value,
    figure_values, ranking, year_pairs,
)
from .markdown import plain_text, render as render_markdown
from .model import Report, parse_amount
from .sections import split_sections
from .tables import plain_cells, render_table
from .templates import make_environment

#: Which standard table belongs under which section heading (spec §2).
TABLE_OF_SECTION = {"s2": "active", "s3": "applications", "s4": "reviews"}


@dataclass
class SiteIndex:
    """What every page may need to know about the whole site: years, reports by year and agency,
    and (issue 6) the agencies with their registry entries and the region hierarchy."""

    config: Config
    reports: list[Report]
    problems: dict[str, list[Diagnostic]] = field(default_factory=dict)  # path → diagnostics
    by_year: dict[int, list[Report]] = field(default_factory=dict)
    by_agency: dict[str, list[Report]] = field(default_factory=dict)
    agencies: list[AgencyEntry] = field(default_factory=list)
    regions: dict[tuple[str, ...], RegionNode] = field(default_factory=dict)
    search_texts: dict[str, str] = field(default_factory=dict)  # path → what search finds in the report
    #: path → the digest of each facet of the report (``pages.Facet`` values), when the engine
    #: made the index: what an output that updates its previous files compares
    facets: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        by_year: dict[int, list[Report]] = defaultdict(list)
        by_agency: dict[str, list[Report]] = defaultdict(list)
        for r in sorted(self.reports, key=report_order):
            by_year[r.year].append(r)
            by_agency[r.agency].append(r)
        self.by_year = dict(sorted(by_year.items(), reverse=True))
        self.by_agency = {a: sorted(rs, key=lambda r: r.year) for a, rs in sorted(by_agency.items())}
        self.agencies = build_agencies(self.reports, self.config.agencies)
        self._agency_of = {id(r): a for a in self.agencies for r in a.reports}
        self.regions = build_regions(self.agencies)
        self._at = {r.url: r for r in self.reports}

    def replace(self, old: Report, new: Report) -> None:
        """Put ``new`` in ``old``'s place in every list: a report with the same file, year, agency,
        slug, region and level (``plan.place_digest``), so that its place is the same."""
        agency = self._agency_of.pop(id(old))
        self._agency_of[id(new)] = agency
        self._at[new.url] = new
        for reports in (self.by_year[old.year], self.by_agency[old.agency], agency.reports):
            reports[next(i for i, r in enumerate(reports) if r is old)] = new

    def facet_digest(self, reports: Iterable[Report], names: Iterable[str]) -> str | None:
        """The digest of the facets ``names`` of ``reports`` in their order (None when a report's
        are not known): equal digests, equal inputs."""
        names = sorted(names)
        try:
            # Facet digests are hex (or empty): tabs and newlines keep the rows apart.
            rows = "\n".join("\t".join(self.facets[r.path][n] for n in names) for r in reports)
        except KeyError:
            return None
        return digest(names, rows)

    def report_at(self, url: str) -> Report | None:
        """The report whose page is at ``url`` (``2022/weihui-shangwu/``)."""
        return self._at.get(url)

    def neighbours(self, report: Report) -> tuple[Report | None, Report | None]:
        """The same agency's previous and next report."""
        rs = self.agency_of(report).reports
        # By identity: ``list.index`` compares with the dataclass ``__eq__``, which reads every
        # field of every earlier report — the prose too, from the spool (issue 7: ~20 µs a page).
        i = next(i for i, r in enumerate(rs) if r is report)
        return (rs[i - 1] if i > 0 else None), (rs[i + 1] if i + 1 < len(rs) else None)

    def agency_of(self, report: Report) -> AgencyEntry:
        """The agency (with its history) a report belongs to."""
        return self._agency_of[id(report)]

    def latest(self) -> list[Report]:
        """The newest reports: by publication date when known, then year."""
        def key(r: Report) -> tuple:
            return (r.published or dt.date(r.year + 1, 1, 1), r.year, r.agency)
        return sorted(self.reports, key=key, reverse=True)[: self.config.latest]

    def errors_of(self, report: Report) -> list[Diagnostic]:
        """The errors found in a report (its failed rules)."""
        return [d for d in self.problems.get(report.path, []) if d.is_error]

    def has_regions(self) -> bool:
        """True when reports or registry give regions (so region pages are worth building)."""
        return len(self.regions) > 1


class _FigureMemo:
    """The templates' ``figure`` filter: :func:`figure_value`, remembering the key figures of the
    reports of the year being rendered, and the HTML made of them.

    The year page and the ten ranking pages of a year each show ten figures of every report of the
    year (issue 7: at 10k reports 1.25M figure sums, ~1 ms per report): each report's agency
    figures (:data:`AGENCY_FIGURES`) are summed once, together (:func:`figure_values`), and its
    ranking row apart from the rank is written once. Only the site's own reports (alive as long as
    the index, so their ``id`` is theirs) and the module's figures are remembered, and only for one
    year at a time, so memory stays small.
    """

    def __init__(self, site: SiteIndex) -> None:
        self.reports = site._agency_of  # id of every report of the site
        self.slots = {id(f): i for i, f in enumerate(_AGENCY_FIGURES)}
        self.year: int | None = None
        self.rows: dict[int, list] = {}
        # The ranking rows made for the current year: (figure slots, id → row parts).
        self.made_for: tuple[tuple, dict[int, tuple]] = ((), {})  # (figure slots and labels, rows)

    def __call__(self, report, figure):
        i = self.slots.get(id(figure))
        if i is None or id(report) not in self.reports:
            return figure_value(report, figure)
        return self.row(report)[i]

    def row(self, report: Report) -> list:
        """The values of the agency figures (:data:`AGENCY_FIGURES`, the year index's among them)
        for one of the site's reports."""
        year = report.year
        if year != self.year:
            self.year, self.rows, self.made_for = year, {}, ((), {})
        row = self.rows.get(id(report))
        if row is None:
            row = self.rows[id(report)] = figure_values(report, _AGENCY_FIGURES)
        return row

    def values(self, reports: list[Report], figure: KeyFigure) -> list:
        """``figure`` of each of ``reports``, as :func:`figure_value` gives it."""
        i = self.slots.get(id(figure))
        if i is None:
            return [figure_value(r, figure) for r in reports]
        row, known = self.row, self.reports
        return [row(r)[i] if id(r) in known else figure_value(r, figure) for r in reports]

    def ranking_parts(self, figures: list[KeyFigure], url: Callable[[str], str],
                      labels: Sequence[str]) -> Callable[[Report], tuple]:
        """A function giving a report's ranking row but its rank: the agency cell (after the rank's
        cell), the cell ``<td class="num" data-label="label">text</td>`` of each of ``figures``
        (``labels``: their column headers, shown beside the figure on a phone) and their texts
        (``—`` when unknown). Made once per report of the current year when ``figures`` are key
        figures."""
        slots = (tuple(self.slots.get(id(f), -1) for f in figures), tuple(labels))
        opens = _labelled_cells(labels)

        def make(report: Report, values: list) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
            head = f'</td><th scope="row"><a href="{escape(url(report.url))}">{escape(report.agency)}</a></th>\n'
            texts = tuple(map(_number, values))
            return head, tuple([f'{o}{t}</td>' for o, t in zip(opens, texts)]), texts

        if -1 in slots[0]:
            return lambda report: make(report, [figure_value(report, f) for f in figures])

        def parts_of(report: Report) -> tuple:
            rid = id(report)
            if report.year == self.year and self.made_for[0] == slots:
                hit = self.made_for[1].get(rid)
                if hit is not None:
                    return hit
            if rid not in self.reports:
                return make(report, [figure_value(report, f) for f in figures])
            row = self.row(report)  # a new year empties the rows and the rows made of them
            if self.made_for[0] != slots:
                self.made_for = (slots, {})
            hit = self.made_for[1][rid] = make(report, [row[i] for i in slots[0]])
            return hit

        return parts_of


#: The figures of agency pages and rankings, as one tuple (see :func:`figure_values`).
_AGENCY_FIGURES = tuple(figure_by_key(k) for k in AGENCY_FIGURES)

_NEW_REQUESTS = figure_by_key("new")

#: The files of a report's folder, as :meth:`Renderer.report_files` yields them.
REPORT_FILE_NAMES = ("index.html", "report.json", "report.csv")


def _labelled_cells(labels: Sequence[str]) -> list[str]:
    """The opening ``<td>`` of a list's figure cell under each column header of ``labels``."""
    return [f'<td class="num" data-label="{escape(label)}">' for label in labels]


def _number(value: object) -> str:
    """A figure or a rank in a list's cell as the templates write it: thousands separated, ``—``
    when unknown."""
    if value is None or type(value) is int:
        return grouped(value)
    return str(escape(grouped(value)))


class Record(dict):
    """A dict whose items also read as attributes: what the templates get for a report's section or
    a sum (``s.title``, ``s.table``), as plain dicts before.

    ``s.title`` on a plain dict costs Jinja a failed attribute lookup — an exception raised and
    caught — before the item is read (issue 7: ~50 a report page). Here the attribute is found at
    once; items, ``s['title']``, iteration and printing are the dict's. Filled once, at creation.
    """

    def __init__(self, **items: object) -> None:
        super().__init__(items)
        self.__dict__.update(items)


class Deferred:
    """A page's context value computed only when the page is rendered (see :meth:`Renderer.page`):
    the page stream is walked by every worker, each rendering its own pages (issue 7), so work
    done while walking — a ranking of every report of a year — was done by every worker."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], object]) -> None:
        self.make = make


# --- the Jinja2 funnel (issue 7) ---------------------------------------------------------------
#
# Every page goes through Jinja2, and its per-expression overhead, not the page's size, made most of
# a page's cost: ~100 ``{{ … }}`` per report page, each escaped through two Python calls into a
# Markup that is joined into the page at once, and ~25 calls of plain functions (``url``), each
# through ``Context.call``'s checks for context-taking callables. Both are made cheaper here without
# touching a template or changing a byte of output; user templates in ``layouts/`` get the same.


def _output_escape(value: object) -> str:
    """What autoescaping writes for ``{{ value }}``: exactly ``markupsafe.escape(value)``'s text.

    Used only in output position, where Jinja joins the pieces into one string right away (the
    text of a macro, a ``{% set %}`` block or a ``{% filter %}`` block is wrapped in Markup by
    Jinja after the join), so the piece need not be a Markup object: a plain string is escaped by
    markupsafe's C routine alone, an ``int`` has nothing to escape.
    """
    cls = type(value)
    if cls is str:
        return _escape_inner(value)
    if cls is Markup:
        return value  # type: ignore[return-value]
    if cls is int:
        return str(value)
    return escape(value)


class _Template(Template):
    """Templates whose compiled code escapes output with :func:`_output_escape` and whose globals
    are one dict."""

    @classmethod
    def from_code(cls, environment, code, globals, uptodate=None):  # type: ignore[override]
        template = super().from_code(environment, code, globals, uptodate)
        # Jinja keeps a template's globals as a ChainMap over the environment's, copied into a
        # dict for every page rendered (~20 Python-level lookups a page). The renderer sets every
        # global before the first template is loaded: one plain dict holds the same.
        if isinstance(template.globals, ChainMap):
            template.globals = dict(template.globals)
        # The template's functions (root, blocks, macros) share one module namespace, where the
        # compiled code imported ``escape`` from jinja2.runtime and looks it up at run time.
        namespace = template.root_render_func.__globals__
        if namespace.get("escape") is escape:
            namespace["escape"] = _output_escape
        return template


class _Context(Context):
    """A template context whose ``call`` goes straight to plain functions and methods.

    ``Context.call`` looks for ``pass_context``/``pass_environment`` markers on every call (an
    attribute lookup on the callable and on its ``__call__``); for a function, a bound method or a
    builtin without the marker the result is the plain call done here. Anything else, marked
    callables included, takes Jinja's own path.
    """

    @internalcode
    def call(__self, __obj, *args, **kwargs):  # noqa: N805 - Jinja's signature
        kind = type(__obj)
        if kind is FunctionType:
            plain = not hasattr(__obj, "jinja_pass_arg")
        elif kind is MethodType:
            # The method's marker is its function's: asked directly (asking the method raises and
            # catches an AttributeError inside).
            plain = not hasattr(__obj.__func__, "jinja_pass_arg")
        else:
            plain = kind is BuiltinFunctionType  # a builtin cannot carry a marker
        if plain:
            if __debug__:
                __traceback_hide__ = True  # noqa: F841 - as in Context.call
            if kwargs:
                kwargs.pop("_block_vars", None)
                kwargs.pop("_loop_vars", None)
            try:
                return __obj(*args, **kwargs)
            except StopIteration:
                return __self.environment.undefined(
                    "value was undefined because a callable raised a StopIteration exception")
        return Context.call(__self, __obj, *args, **kwargs)


def fast_environment(env: Environment) -> Environment:
    """``env`` made to render with :class:`_Template` and :class:`_Context` (same output), and not
    to look at the template files' times again for every page: a build renders with the templates
    it started with (a rebuild makes a new renderer, so ``serve`` still sees edited layouts)."""
    env.template_class = _Template
    env.context_class = _Context
    env.auto_reload = False
    return env


def report_order(r: Report) -> tuple:
    """Reports in a stable order: year, region path, agency, slug."""
    return (r.year, r.region, r.agency, r.slug)


@dataclass
class RegionSums:
    """Region sums across builds: those an earlier build made (``earlier``), taken again where
    the region's reports of the year read the same, and the ones a render used (``used``), to be
    saved for the next build. Each is kept as ``(region path, year) → (what its reports read,
    [(format version, values, incomplete)])``; what they read is the digest of their ``facets``."""

    earlier: dict
    facets: tuple[str, ...]
    used: dict = field(default_factory=dict)

    def earlier_of(self, key: tuple[tuple[str, ...], int], reports: list[Report], read: str) -> list[Aggregate] | None:
        """The earlier sums of a region's ``reports`` of a year, when they read the same."""
        hit = self.earlier.get(key)
        if hit is None or hit[0] != read:
            return None
        return [Aggregate(FORMATS[version], [r for r in reports if r.format.version == version], values, incomplete)
                for version, values, incomplete in hit[1]]

    def note(self, key: tuple[tuple[str, ...], int], sums: list[Aggregate], read: str) -> None:
        """Remember sums a render used."""
        self.used[key] = (read, [(a.format.version, a.values, a.incomplete) for a in sums])


class Renderer:
    """Renders every page of a site from a :class:`SiteIndex`."""

    def __init__(self, site: SiteIndex) -> None:
        self.site = site
        self.config = site.config
        self._position: dict[int, int] | None = None
        # (region path, year) → the region's reports of the year and their sums (_region_year).
        self._region_sums: dict[tuple[tuple[str, ...], int], tuple[list[Report], list[Aggregate]]] = {}
        self._new_of: dict[int, object] = {}  # id of a report → its 新收申请 (_new_requests)
        #: The region sums of an earlier build, to take where their reports are the same.
        self.sums: RegionSums | None = None
        self._sum_reads: dict[tuple[tuple[str, ...], int], str] = {}  # (region path, year) → what its sums read
        self.env = fast_environment(make_environment(site.config.layouts_dir))
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
            agency_figures=[figure_by_key(k) for k in AGENCY_FIGURES],
            has_regions=site.has_regions(),
            page_meta=self.meta(),
        )
        self.env.filters["figure"] = self._figures = _FigureMemo(site)
        self.env.globals["ranking_rows"] = self.ranking_rows
        self.env.globals["report_rows"] = self.report_rows
        self.env.globals["report_links"] = self.report_links
        self.env.globals["figure_rows"] = self.figure_rows
        self.env.globals["report_downloads"] = self.report_downloads
        self._links: dict[int, Markup] = {}  # id of an agency's report list → its report_links
        self._agency_lists = {id(a.reports) for a in site.agencies}
        self.env.filters["region"] = lambda region: " / ".join(region)
        self.env.filters["grouped"] = grouped
        self.env.filters["zhdate"] = lambda d: f"{d.year}年{d.month}月{d.day}日"
        self.env.filters["agency"] = site.agency_of

    # --- metadata of 政府网站发展指引 (国办发〔2017〕47号) ---------------------------------------

    def meta(self, column: str = "", title: str = "", published: dt.date | None = None, source: str = "",
             keywords: str = "", description: str = "") -> list[tuple[str, str]]:
        """The ``<meta name=…>`` pairs of a page, site settings first, then the page's own."""
        m = self.config.meta
        domain = m.get("site_domain") or urlsplit(self.config.base_url).netloc
        pairs = [
            ("SiteName", m.get("site_name") or self.config.title),
            ("SiteDomain", domain),
            ("SiteIDCode", m.get("site_id_code", "")),
            ("ColumnName", column or m.get("column_name", "")),
            ("ColumnDescription", m.get("column_description", "") or self.config.description),
            ("ColumnKeywords", m.get("column_keywords", "")),
            ("ColumnType", m.get("column_type", "")),
            ("ArticleTitle", title),
            ("PubDate", f"{published.isoformat()} 00:00" if published else ""),
            ("ContentSource", source or m.get("content_source", "")),
            ("Keywords", keywords),
            ("Description", description),
        ]
        return [(k, v) for k, v in pairs if v]

    def ranking_rows(self, ranking: list[tuple], figure: KeyFigure, labels: Sequence[str]) -> Markup:
        """The body rows of a ranking table (``_portal.html``): per report its rank, its agency
        linked to its report, and the agency figures, the one ranked by marked ``sorted``.
        ``labels`` are the table's column headers (rank, agency, figures): each cell but the
        agency's carries its own as ``data-label``, which a phone shows beside the figure.

        Each report's row but its rank is made once per year (see :class:`_FigureMemo`) and shared
        by the year's ranking pages, which differ only in order, rank and the marked column.
        """
        url = self.env.globals["url"]
        figs = self.env.globals["agency_figures"]
        marked = next((i for i, f in enumerate(figs) if f.key == figure.key), None)
        parts_of = self._figures.ranking_parts(figs, url, labels[2:])
        rank_open = f'<tr><td class="num" data-label="{escape(labels[0])}">'
        marked_open = "" if marked is None else f'<td class="num sorted" data-label="{escape(labels[2 + marked])}">'
        out = []
        for rank, _, r, _ in ranking:
            head, cells, texts = parts_of(r)
            if marked is None:
                out.append("".join((rank_open, _number(rank), head, *cells, "</tr>\n")))
            else:
                out.append("".join((rank_open, _number(rank), head, *cells[:marked],
                                    marked_open, texts[marked], "</td>", *cells[marked + 1:], "</tr>\n")))
        return Markup("".join(out))

    def report_rows(self, reports: list[Report], counts: dict[str, tuple[int, int]],
                    labels: Sequence[str]) -> Markup:
        """The body rows of a year's report list (``year.html``): per report its agency linked to
        its report, the index figures, and its errors and warnings (``counts``, by path).
        ``labels`` are the table's column headers; each cell after the agency's carries its own
        as ``data-label`` (shown beside the figure on a phone).

        Written here rather than as a loop in the template (issue 7: ~30 template expressions per
        report, every report of a year on one page); ``year.html`` places them.
        """
        url = self.env.globals["url"]
        figs = self.env.globals["index_figures"]
        memo = self._figures
        slots = [memo.slots.get(id(f)) for f in figs]
        opens = _labelled_cells(labels[1:])
        out = []
        for r in reports:
            if None in slots or id(r) not in memo.reports:
                values = [memo(r, f) for f in figs]
            else:
                row = memo.row(r)
                values = [row[i] for i in slots]
            cells = "".join([f'{o}{_number(v)}</td>' for o, v in zip(opens, values)])
            errors, warnings = counts[r.path]
            problems = ((f'<span class="bad">{escape(errors)} 个错误</span>' if errors else "")
                        + (f" {escape(warnings)} 个警告" if warnings else "") + ("" if errors or warnings else "无"))
            out.append(f'<tr><th scope="row"><a href="{escape(url(r.url))}">{escape(r.agency)}</a></th>\n'
                       f'{cells}{opens[len(figs)]}{problems}</td></tr>\n')
        return Markup("".join(out))

    def figure_rows(self, rows: list[tuple[Report, list]], labels: Sequence[str]) -> Markup:
        """The body rows of an agency's figures by year (``agency.html``): per ``(report, values)``
        the report's year linked to it, then a cell per value (``—`` when unknown) carrying its
        column header of ``labels`` as ``data-label``."""
        url = self.env.globals["url"]
        opens = _labelled_cells(labels[1:])
        out = []
        for r, values in rows:
            cells = "".join([f'{o}{_number(v)}</td>' for o, v in zip(opens, values)])
            out.append(f'<tr><th scope="row"><a href="{escape(url(r.url))}">{escape(r.year)}</a></th>{cells}</tr>\n')
        return Markup("".join(out))

    def report_downloads(self, reports: list[Report]) -> Markup:
        """The data page's list items of ``reports``: each agency with its report's CSV and JSON."""
        url = self.env.globals["url"]
        return Markup("".join([
            f'<li>{escape(r.agency)}：<a href="{escape(url(r.url + "report.csv"))}" download>CSV</a> · '
            f'<a href="{escape(url(r.url + "report.json"))}">JSON</a></li>' for r in reports]))

    def report_links(self, reports: list[Report]) -> Markup:
        """Each report's year linked to its page, joined by 、 (``2021、2022``): the reports of an
        agency in the agency list and on the region pages of every region above it, made once per
        agency (issue 7: the list of the whole site's agencies is on several pages)."""
        key = id(reports)
        hit = self._links.get(key)
        if hit is None:
            url = self.env.globals["url"]
            hit = Markup("、".join([f'<a href="{escape(url(r.url))}">{escape(r.year)}</a>' for r in reports]))
            if key in self._agency_lists:  # the site's agencies' lists live as long as the site
                self._links[key] = hit
        return hit

    def page(self, template: str, **context) -> bytes:
        """One page as UTF-8 bytes; :class:`Deferred` context values are computed now."""
        for name, value in context.items():
            if type(value) is Deferred:
                context[name] = value.make()
        return self.env.get_template(template).render(**context).encode("utf-8")

    def report_page(self, report: Report) -> bytes:
        """The page of one report: metadata, the six sections, the three tables."""
        preface, prose = split_sections(report.body, report.body_line)
        cells = plain_cells(report.values)  # read once for the three tables (issue 7)
        problems = self.site.errors_of(report)
        found = faults(report, [(d.rule, d.cells) for d in problems]) if problems else []
        at_fault = {c for f in found for c in f.cells}
        mark = (lambda key, index: (key, index) in at_fault) if at_fault else None
        sections = []
        for p in prose:
            table_key = TABLE_OF_SECTION.get(p.anchor)
            table = None
            if table_key:
                table = render_table(report, table_key, mark=mark, cells=cells)
                if mark:  # the mark is also said in words, not by colour alone (WCAG 1.4.1)
                    table = table.replace('class="flag">', f'class="flag" aria-describedby="{p.anchor}-faults">')
            sections.append(Record(
                anchor=p.anchor,
                title=p.title,
                html=Markup(render_markdown(p.text)),
                table=Markup(table) if table else None,
                faults=[f for f in found if f.table == table_key] if table_key else [],
            ))
        prev, nxt = self.site.neighbours(report)
        agency = self.site.agency_of(report)
        limit = deadline(report.year, agency.level_of(report))
        late = limit if (limit and report.published and report.published > limit) else None
        meta = self.meta(f"{report.year}年度", report.title, report.published, report.agency,
                         f"{report.agency},{report.year}年,政府信息公开工作年度报告", report.title)
        return self.page("report.html", report=report, preface=Markup(render_markdown(preface)),
                         sections=sections, problems=problems, prev=prev, next=nxt, agency=agency,
                         late=late, page_meta=meta)

    # --- years ----------------------------------------------------------------------------------

    def ranking_pages(self, year: int, reports: list[Report]) -> Iterator[tuple[str, bytes]]:
        """The year's pre-rendered ranking views (sortable without JavaScript), one per figure."""
        entries = [(self.site.agency_of(r), r) for r in reports]
        for f in AGENCY_FIGURES:
            fig = figure_by_key(f)
            yield f"{year}/ranking/{f}/index.html", self.page(
                "ranking.html", year=year, figure=fig,
                ranking=Deferred(lambda fig=fig: ranking(entries, fig, values=self._figures.values(reports, fig))),
                page_meta=self.meta(f"{year}年度", f"{year}年度各机关{fig.label}排名"))

    def year_page(self, year: int, reports: list[Report], entries) -> bytes:
        """The overview of a year: the summed tables, charts, ranking, failures, completeness."""
        groups: dict[str, list[Report]] = defaultdict(list)
        for r in reports:
            groups[" / ".join(r.region) or "未注明地区"].append(r)
        counts = {r.path: _counts(self.site.problems.get(r.path, [])) for r in reports}
        sums = self.year_sums(year, reports)
        failing = [(r, [d for d in self.site.problems.get(r.path, [])]) for r in reports]
        failing = [(r, ds) for r, ds in failing if ds]
        fig = figure_by_key(AGENCY_FIGURES[0])
        published = max((r.published for r in reports if r.published), default=None)
        return self.page(
            "year.html", year=year, groups=dict(sorted(groups.items())), reports=reports, counts=counts,
            sums=[self.summary(f"y{year}-{i}", agg, f"{year}年度") for i, agg in enumerate(sums)],
            ranking=ranking(entries, fig, values=self._figures.values(reports, fig)), rank_figure=fig, failing=failing,
            complete=completeness(year, self.site.agencies),
            page_meta=self.meta(f"{year}年度", f"{year}年度政府信息公开工作年度报告", published,
                                description=f"{year}年度各机关政府信息公开工作年度报告、合计数据与完整性"))

    def year_sums(self, year: int, reports: list[Report]) -> list[Aggregate]:
        """The sums by format of a year's ``reports``."""
        return sum_by_format(reports)

    def summary(self, ident: str, agg: Aggregate, label: str = "") -> dict:
        """An aggregate ready for a template: its official tables, key figures and two charts."""
        tables = {t.key: Markup(render_table(agg, t.key, rename=_prefixes(t.key, ident))) for t in agg.format.tables}
        figures = {k: figure_value(agg, figure_by_key(k)) for k in AGENCY_FIGURES + OUTCOME_FIGURES}
        outcomes = [Bar(figure_by_key(k).label, figures[k]) for k in OUTCOME_FIGURES]
        reviews = [Bar(o, figure_value(agg, review_figure(path, o)), group)
                   for group, path in REVIEW_GROUPS for o in REVIEW_OUTCOMES]
        n = agg.count
        return Record(
            agg=agg,
            ident=ident,
            label=label,
            tables=tables,
            figures=figures,
            incomplete={_field_name(agg.format, k): v for k, v in agg.incomplete.items()},
            outcome_chart=chart_figure(f"{ident}-out", f"申请办理结果（{n} 份报告合计）", outcomes),
            review_chart=chart_figure(f"{ident}-rev", f"行政复议、行政诉讼结果（{n} 份报告合计）", reviews),
        )

    # --- agencies and regions -------------------------------------------------------------------

    def agency_page(self, agency: AgencyEntry) -> bytes:
        """One agency across years: reports, key figures by year, trend chart, R6 chain."""
        figs = list(_AGENCY_FIGURES)
        rows = [(r, figure_values(r, _AGENCY_FIGURES)) for r in agency.reports]
        # A year without a report keeps its place, shown as "—" (no bar): two reports years apart
        # must not stand side by side as if consecutive.
        by_year = {r.year: r for r in agency.reports}
        span = range(agency.reports[0].year, agency.reports[-1].year + 1) if agency.reports else range(0)
        trend = chart_figure(
            "ag-trend", f"{agency.name}：历年新收政府信息公开申请数量（“—”为无报告的年度）"
            if len(span) > len(by_year) else f"{agency.name}：历年新收政府信息公开申请数量",
            [Bar(f"{y}", self._new_requests(by_year[y]) if y in by_year else None) for y in span], kind="column")
        chain = carry_chain(agency)
        years_all = sorted(self.site.by_year)
        gaps = [y for y in years_all if agency.registered and agency.report_for(y) is None]
        lates = {}
        for r in agency.reports:
            limit = deadline(r.year, agency.level_of(r))
            lates[r.path] = limit if (limit and r.published and r.published > limit) else None
        region = self.site.regions.get(agency.region) if self.site.has_regions() else None
        return self.page("agency.html", agency=agency, rows=rows, figs=figs, trend=trend, chain=chain,
                         gaps=gaps, lates=lates, region_node=region, counts={
                             r.path: _counts(self.site.problems.get(r.path, [])) for r in agency.reports},
                         page_meta=self.meta("机关", f"{agency.name}历年政府信息公开工作年度报告",
                                             source=agency.name, keywords=agency.name))

    def region_page(self, node: RegionNode) -> bytes:
        """A region: the sum of its agencies' reports year by year, its sub-regions and agencies."""
        agencies = node.all_agencies()
        per_year = []
        for year in self.site.by_year:
            rs, sums = self._region_year(node, year)
            if rs:
                per_year.append((year, rs, [self.summary(f"rg{year}-{i}", agg, f"{year}年度{agg.format.version}年版")
                                            for i, agg in enumerate(sums)]))
        figs = [figure_by_key(k) for k in AGENCY_FIGURES]
        pairs = year_pairs(agencies, sorted(y for y, _, _ in per_year), self._new_requests)
        shown = [p for p in pairs if p.agencies]
        # Sums of all reports of each year follow how many reports there are, not demand: the chart
        # compares each two adjacent years over the agencies that reported in both.
        trend = chart_figure(
            "rg-trend", f"{node.name}：新收政府信息公开申请数量的年度变化（只比较相邻两年都有报告的机关）",
            [Bar(f"{y}年度", v, f"{p.before}→{p.after}年度（{p.agencies} 个机关）")
             for p in shown for y, v in ((p.before, p.first), (p.after, p.second))]) if shown else None
        crumbs = [self.site.regions[node.path[:i]] for i in range(len(node.path))]
        return self.page("region.html", node=node, agencies=agencies, per_year=per_year, figs=figs,
                         trend=trend, pairs=pairs, crumbs=crumbs, sum_figure=sum_figure,
                         page_meta=self.meta("地区", f"{node.name}政府信息公开工作年度报告合计"))

    def _new_requests(self, report: Report):
        """A report's 新收申请 figure, read once for all the regions above it (the year-over-year
        charts of a region and of every region above it compare the same reports)."""
        key = id(report)
        if key not in self._new_of:
            self._new_of[key] = figure_value(report, _NEW_REQUESTS)
        return self._new_of[key]

    def _region_year(self, node: RegionNode, year: int, taken: bool = False) -> tuple[list[Report], list[Aggregate]]:
        """A region's reports of ``year`` — its agencies' and those of every region below, each
        report counted with the agency it belongs to — in the order of the year's list, and their
        sums by format: exactly ``sum_by_format`` of those reports.

        The sums are made from the sums of the regions below and the region's own agencies'
        reports (see :func:`_sum_of_sums`), so that each report is summed once rather than once
        for every region above it (issue 7: the sums were half the cost of the region pages).
        A region's are remembered for the region above, which takes them (``taken``): the pages
        come after the pages of the regions below (:meth:`pages`), so only the regions whose
        region above is not done yet are held.
        """
        key = (node.path, year)
        hit = self._region_sums.pop(key, None) if taken else self._region_sums.get(key)
        if hit is None:
            hit = self._region_year_made(node, year)
            if not taken:
                self._region_sums[key] = hit
        if self.sums is not None and (read := self._sum_reads.get(key)) is not None:
            self.sums.note(key, hit[1], read)
        return hit

    def _region_year_made(self, node: RegionNode, year: int) -> tuple[list[Report], list[Aggregate]]:
        position = self._positions()
        own = [r for a in node.agencies for r in a.reports if r.year == year and self.site.agency_of(r) is a]
        below = [self._region_year(c, year, taken=True) for c in node.children]
        rs = sorted(own + [r for reports, _ in below for r in reports], key=lambda r: position[id(r)])
        if self.sums is not None:
            # What the sums read: the region's own reports and, through their digests, those below.
            own_read = self.site.facet_digest(own, self.sums.facets)
            below_read = [self._sum_reads.get((c.path, year)) for c in node.children]
            if own_read is not None and None not in below_read:
                read = self._sum_reads[(node.path, year)] = digest(own_read, below_read)
                if (earlier := self.sums.earlier_of((node.path, year), rs, read)) is not None:
                    return rs, earlier

        def compute() -> list[Aggregate]:
            parts: dict[str, list[Report | Aggregate]] = defaultdict(list)
            formats: dict[str, Format] = {}
            for item in [*own, *(agg for _, aggs in below for agg in aggs)]:
                parts[item.format.version].append(item)
                formats[item.format.version] = item.format
            sums = []
            for version in sorted(parts, reverse=True):  # as sum_by_format orders them
                members = [r for r in rs if r.format.version == version]
                sums.append(_sum_of_sums(formats[version], parts[version], members))
            return sums

        return rs, compute()

    def _positions(self) -> dict[int, int]:
        """Each report's place in its year's list (``id`` → index), made once."""
        if self._position is None:
            self._position = {id(r): i for rs in self.site.by_year.values() for i, r in enumerate(rs)}
        return self._position

    # --- open data and feed ---------------------------------------------------------------------

    def feed(self) -> bytes:
        """The Atom feed of the newest reports."""
        origin = self.config.origin
        base = self.config.base_path
        feed_id = f"{origin}{base}" if origin else f"urn:govsite:{base}"
        return atom(self.site.reports, self.config.title, f"{origin}{base}", f"{origin}{base}feed.xml", feed_id,
                    lambda r: f"{origin}{base}{r.url}",
                    (lambda r: f"{origin}{base}{r.url}") if origin else (lambda r: f"urn:govsite:report:{r.year}:{r.slug}"))

    def sitemap(self) -> bytes:
        """``sitemap.xml`` listing the home page, year indexes, reports, agencies, regions and data,
        each by its absolute address (the sitemaps protocol requires them): built only when
        ``base_url`` names the host (:func:`sitemap_notice`)."""
        def urls() -> list[str]:
            out = [""] + [f"{y}/" for y in self.site.by_year] + [r.url for rs in self.site.by_year.values() for r in rs]
            out += ["agency/"] + [a.url for a in self.site.agencies]
            if self.site.has_regions():
                out += [n.url for n in self.site.regions.values()]
            return out + ["data/", "search/", "rules/", "sitemap/"]
        return self.page("sitemap.xml", urls=urls(), origin=self.config.origin)

    def rules_page(self) -> bytes:
        """The rules explained: every checked equation of every format in plain Chinese (``rules/``)."""
        formats = sorted({r.format for r in self.site.reports} | set(FORMATS.values()), key=lambda f: f.version,
                         reverse=True)
        sentences = {f.version: {rule: [rule_sentence(f, eq) for eq in f.equations if eq.rule == rule]
                                 for rule, _, _ in RULES} for f in formats}
        return self.page("rules.html", rules=RULES, formats=formats, sentences=sentences,
                         page_meta=self.meta("校验规则", "年度报告表格的校验规则"))


#: The rules govsite checks, as the data page explains them: (id, severity, exact statement).
RULES: tuple[tuple[str, str, str], ...] = tuple((r.id, r.severity_zh, r.expert) for r in DECLARED_RULES if r.severity)


def sitemap_notice(config: Config) -> str | None:
    """Why the build writes no ``sitemap.xml`` (for the build to print), or None when it writes one.

    The sitemaps protocol requires absolute addresses (``<loc>https://…</loc>``): a ``base_url``
    without the host (``/xxgk/ndbg/``) cannot give them.
    """
    if config.origin:
        return None
    return (f"未生成 sitemap.xml：site.toml 的 base_url（{config.base_url}）没有写网站域名，而网站地图协议要求完整网址。"
            "如需提交给搜索引擎，请把 base_url 写成完整网址，如 https://www.example.gov.cn/xxgk/ndbg/。"
            "供读者浏览的网站地图页面（sitemap/）照常生成。")


def _equation_summary(fmt) -> dict[str, int]:
    """How many checked equations each rule expands to in ``fmt``."""
    counts: dict[str, int] = defaultdict(int)
    for eq in fmt.equations:
        counts[eq.rule] += 1
    return dict(sorted(counts.items()))


def sum_figure(sums: list[dict], key: str):
    """A figure summed over the per-format aggregates of one year (``None`` if any is unknown)."""
    total = 0
    for s in sums:
        v = s["figures"][key]
        if v is None:
            return None
        total += v
    return total


def _after_children(node: RegionNode) -> Iterator[RegionNode]:
    """A region and every region below it, each after the regions below it."""
    for child in node.children:
        yield from _after_children(child)
    yield node


def _sum_of_sums(fmt: Format, parts: list[Report | Aggregate], reports: list[Report]) -> Aggregate:
    """``sum_reports(fmt, reports)``, made from ``parts``: sums (Aggregates) of some of the reports
    and the other reports themselves, each report in exactly one part.

    A sum of counts is the sum of its parts' sums. An amount's sum is exact decimal arithmetic and
    its unit the one unit of its non-zero amounts (amounts are never negative), so summing the
    parts' sums gives the same text — "单位不一" included — unless a sum reaches the precision of
    decimal arithmetic, where rounding could depend on the order: then the reports are summed
    one by one as before. The reports lacking a field are counted through the parts.
    """
    if not any(type(p) is Aggregate for p in parts):
        return sum_reports(fmt, reports)
    if len(parts) == 1:
        return parts[0]  # type: ignore[return-value]  # the sum of the region below, as it is
    agg = sum_reports(fmt, parts)
    agg.reports = reports
    incomplete: dict[str, int] = {}
    for key in _field_keys(fmt):
        n = 0
        for p in parts:
            if type(p) is Aggregate:
                n += p.incomplete.get(key, 0)
            elif p.values.get(key) is None:
                n += 1
        if n:
            incomplete[key] = n
    agg.incomplete = incomplete
    precision = decimal.getcontext().prec
    for key, index in _amount_cells(fmt):
        vals = agg.values.get(key)
        if vals is None or vals[index] == MIXED_UNITS:
            continue
        total = parse_amount(str(vals[index]))
        if total is None or len(total.as_tuple().digits) >= precision:
            return sum_reports(fmt, reports)
    return agg


@lru_cache(maxsize=None)
def _field_keys(fmt: Format) -> tuple[str, ...]:
    """Every ``table.field`` of a format, in the order of its tables and rows."""
    return tuple(f"{t.key}.{f.key}" for t in fmt.tables for f in t.fields())


@lru_cache(maxsize=None)
def _amount_cells(fmt: Format) -> tuple[tuple[str, int], ...]:
    """The ``(table.field, index)`` of every amount cell of a format."""
    return tuple((f"{t.key}.{f.key}", i) for t in fmt.tables for f in t.fields()
                 for i, c in enumerate(f.value_columns) if c.kind is Kind.AMOUNT)


def _field_name(fmt, key: str) -> str:
    """``applications.granted`` as its official labels: ``收到和处理政府信息公开申请情况 · （一）予以公开``."""
    tkey, _, fkey = key.partition(".")
    table = fmt.table(tkey)
    row = table.row_of(fkey)
    return f"{table.title} · {row.label or fmt.field(key).short}"


def _prefixes(table_key: str, ident: str) -> tuple[tuple[str, str], ...]:
    """The replacements that give a table header ids unique in a page holding several tables of
    the same kind (``render_table`` makes them in the table's constant HTML)."""
    return ((f'"t-{table_key}-', f'"{ident}-{table_key}-'), (f' t-{table_key}-', f' {ident}-{table_key}-'))


def _counts(diags: list[Diagnostic]) -> tuple[int, int]:
    errors = sum(d.is_error for d in diags)
    return errors, len(diags) - errors


def search_text(report: Report) -> str:
    """What search indexes for a report besides its metadata (issue 3): the prose of every section
    and the labels of the table cells that are not zero (so 行政诉讼 finds reports with lawsuits)."""
    parts = [plain_text(report.body)]
    seen: set[str] = set()
    values = report.values
    for key, i, labels in _search_cells(report.format):
        vals = values.get(key)
        if not vals:
            continue
        v = vals[i]
        if not v or v == "0":
            continue
        for label in labels:
            if label not in seen:
                seen.add(label)
                parts.append(label)
    return "\n".join(parts)


@lru_cache(maxsize=None)
def _search_cells(fmt) -> tuple[tuple[str, int, tuple[str, ...]], ...]:
    """Every value cell of a format as ``(table.field, index, labels)``, in reading order: walking
    the format description for each report cost more than the rest of its search text (issue 7)."""
    return tuple((f"{table.key}.{f.key}", i, (table.title, *path.row, *path.column))
                 for table in fmt.tables for f, i, path in table.cells())
