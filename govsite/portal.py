"""The portal's view of the whole site (issue 6): agencies across years, the region hierarchy,
completeness against the ``site.toml`` registry, deadlines, rankings and the R6 carry-over chain.

Pure data built from the loaded reports and the config; :mod:`govsite.render` turns it into pages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable
from urllib.parse import quote

from .check import carry_over_differences, carry_over_problem
from .config import Agency, Config
from .diagnostics import Diagnostic
from .formats.figures import KeyFigure, figure_cells
from .model import Report, cell_number, is_government

Number = int | Decimal | None


def figure_value(report, figure: KeyFigure) -> Number:
    """The value of a key figure for a report or an aggregate; ``None`` when a cell is missing."""
    # Called ~100 times per report by the ranking pages (issue 7): counts are summed inline, any
    # other cell (blank, amount) goes through ``cell_number`` as ``Report.number`` would.
    values = report.values
    total: int | Decimal = 0
    for key, index in figure_cells(report.format, figure):
        vals = values.get(key)
        if vals is None:
            return None
        v = vals[index]
        if type(v) is not int:
            v = cell_number(values, key, index)
            if v is None:
                return None
        total += v
    return total


def figure_values(report, figures: tuple[KeyFigure, ...] | list[KeyFigure]) -> list[Number]:
    """:func:`figure_value` of each of ``figures`` for one report or aggregate, the cells read once.

    The year, ranking and agency pages show ten or more figures of every report (issue 7): the
    report's cells are copied into a plain dict once (a compacted report's mapping answers each
    read in Python), then every figure is summed from it as :func:`figure_value` sums it. Pass a
    tuple of figures to have their cells looked up once per format.
    """
    values = report.values
    cells = values if type(values) is dict else dict(values.items())
    out: list[Number] = []
    for cells_of_figure in _figure_plan(report.format, figures):
        total: Number = 0
        for key, index in cells_of_figure:
            vals = cells.get(key)
            if vals is None:
                total = None
                break
            v = vals[index]
            if type(v) is not int:
                v = cell_number(cells, key, index)
                if v is None:
                    total = None
                    break
            total += v  # type: ignore[operator]
        out.append(total)
    return out


#: (format version, id of a tuple of figures) → (the tuple, the cells of each figure). The tuple is
#: held, so its ``id`` stays its own; hashing a format and every figure for each report cost more
#: than summing the figures (issue 7).
_PLANS: dict[tuple[str, int], tuple[tuple[KeyFigure, ...], tuple[tuple[tuple[str, int], ...], ...]]] = {}


def _figure_plan(fmt, figures: tuple[KeyFigure, ...] | list[KeyFigure]) -> tuple[tuple[tuple[str, int], ...], ...]:
    """The cells of each of ``figures`` in ``fmt``."""
    if type(figures) is not tuple:
        return tuple(figure_cells(fmt, f) for f in figures)
    key = (fmt.version, id(figures))
    hit = _PLANS.get(key)
    if hit is None or hit[0] is not figures:
        if len(_PLANS) > 64:  # only a few tuples are ever passed; never let it grow
            _PLANS.clear()
        hit = _PLANS[key] = (figures, tuple(figure_cells(fmt, f) for f in figures))
    return hit[1]


# --- Deadlines (条例第四十九条) ----------------------------------------------------------------


def deadline(year: int, level: str) -> dt.date | None:
    """The legal publication deadline of a ``year`` report by an agency of ``level``.

    人民政府 publish by 31 March, 部门 by 31 January of the following year; an unknown level (or
    "其他") has no deadline we can assert.
    """
    if not level or level == "其他":
        return None
    if is_government(level):
        return dt.date(year + 1, 3, 31)
    return dt.date(year + 1, 1, 31)


# --- Agencies ------------------------------------------------------------------------------------


@dataclass
class AgencyEntry:
    """One agency across years: its registry entry (if any) and its reports, oldest first."""

    name: str
    slug: str
    level: str = ""
    region: tuple[str, ...] = ()
    registered: bool = False
    reports: list[Report] = field(default_factory=list)

    @property
    def url(self) -> str:
        """The agency page below the site root."""
        return f"agency/{self.slug}/"

    @property
    def years(self) -> list[int]:
        """The years it has reports for."""
        return [r.year for r in self.reports]

    def report_for(self, year: int) -> Report | None:
        """Its report of ``year``."""
        return next((r for r in self.reports if r.year == year), None)

    def level_of(self, report: Report) -> str:
        """The level that governs ``report``'s deadline: the report's own, else the registry's."""
        return report.level or self.level


@dataclass(frozen=True)
class CarryLink:
    """Two consecutive reports of one agency and the R6 check between them."""

    prev: Report
    cur: Report
    problem: Diagnostic | None

    def differences(self) -> list[tuple[str, int, int]]:
        """``(column label, 四 of the previous year, 二 of this year)`` for every column that differs."""
        return carry_over_differences(self.prev, self.cur) or []


def carry_chain(agency: AgencyEntry) -> list[CarryLink]:
    """R6 for every pair of consecutive years (spec §7): 二 of year N vs 四 of year N−1."""
    out = []
    for a, b in zip(agency.reports, agency.reports[1:]):
        if b.year == a.year + 1:
            out.append(CarryLink(a, b, carry_over_problem(a, b)))
    return out


_SLUG_OK = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def build_agencies(reports: list[Report], registry: tuple[Agency, ...]) -> list[AgencyEntry]:
    """Every agency known from the reports or the registry, sorted by region then name.

    A report belongs to the registry entry of the same name (or, failing that, of the same slug,
    so that a renamed agency keeps its history); its page slug is the registry's, else the slug of
    its newest report file. Clashing slugs get ``-2``, ``-3`` in name order.
    """
    by_name = {a.name: a for a in registry}
    by_slug = {a.slug: a for a in registry if a.slug}
    groups: dict[str, AgencyEntry] = {}
    for a in registry:
        if a.name not in groups:
            groups[a.name] = AgencyEntry(a.name, a.slug, a.level, a.region, registered=True)
    for r in sorted(reports, key=lambda r: (r.year, r.agency, r.slug)):
        reg = by_name.get(r.agency) or by_slug.get(r.slug)
        key = reg.name if reg else r.agency
        entry = groups.setdefault(key, AgencyEntry(r.agency, ""))
        entry.reports.append(r)
    for entry in groups.values():
        newest = entry.reports[-1] if entry.reports else None
        if newest is not None:
            entry.level = entry.level or newest.level
            entry.region = entry.region or newest.region
            if not entry.slug:
                entry.slug = newest.slug
        if not _SLUG_OK.match(entry.slug or ""):
            entry.slug = "a-" + hashlib.sha1(entry.name.encode("utf-8")).hexdigest()[:10]
    ordered = sorted(groups.values(), key=lambda e: (e.region, e.name))
    seen: dict[str, int] = {}
    for entry in sorted(ordered, key=lambda e: e.name):
        n = seen.get(entry.slug, 0) + 1
        seen[entry.slug] = n
        if n > 1:
            entry.slug = f"{entry.slug}-{n}"
    return ordered


# --- Regions -------------------------------------------------------------------------------------

_SEGMENT_OK = re.compile(r"^[^\x00-\x20/\\?#%&<>\"'.][^\x00-\x1f/\\?#%&<>\"']*$")


def region_segment(name: str) -> str:
    """A region name as a URL path segment: the name itself (readable, stable), or a hash when the
    name could not safely be a folder name."""
    if _SEGMENT_OK.match(name) and len(name.encode("utf-8")) <= 120:
        return name
    return "r-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:10]


@dataclass
class RegionNode:
    """A region of the hierarchy (河南省 › 新乡市 › 卫辉市) and the agencies within it."""

    path: tuple[str, ...]
    children: list["RegionNode"] = field(default_factory=list)
    agencies: list[AgencyEntry] = field(default_factory=list)  # directly in this region

    @property
    def name(self) -> str:
        """The region's own name."""
        return self.path[-1] if self.path else "全部地区"

    @property
    def file_path(self) -> str:
        """Where the page is written (unquoted segments)."""
        return "region/" + "".join(region_segment(s) + "/" for s in self.path)

    @property
    def url(self) -> str:
        """The page's address below the site root (percent-encoded)."""
        return quote(self.file_path)

    def all_agencies(self) -> list[AgencyEntry]:
        """Agencies in this region and every region below it."""
        out = list(self.agencies)
        for c in self.children:
            out += c.all_agencies()
        return sorted(out, key=lambda e: (e.region, e.name))


def report_region(report: Report, agency: AgencyEntry | None) -> tuple[str, ...]:
    """The region a report counts in: its own, else its agency's registered one."""
    return report.region or (agency.region if agency else ())


def build_regions(agencies: list[AgencyEntry]) -> dict[tuple[str, ...], RegionNode]:
    """Every region path and its prefixes, keyed by path (the root is ``()``)."""
    nodes: dict[tuple[str, ...], RegionNode] = {(): RegionNode(())}
    for a in agencies:
        for depth in range(1, len(a.region) + 1):
            path = a.region[:depth]
            if path not in nodes:
                nodes[path] = RegionNode(path)
                nodes[path[:-1]].children.append(nodes[path])
        nodes[a.region].agencies.append(a)
    for n in nodes.values():
        n.children.sort(key=lambda c: c.name)
    return dict(sorted(nodes.items()))


# --- Year-over-year comparisons -----------------------------------------------------------------


@dataclass(frozen=True)
class YearPair:
    """Two adjacent years of a region compared like with like: only the agencies that reported a
    known value in both years are summed, so an agency missing one year makes no jump."""

    before: int
    after: int
    agencies: int  # agencies summed in both years
    first: int | Decimal  # their sum in ``before``
    second: int | Decimal  # their sum in ``after``
    left_out: int  # agencies with a report (or a known value) in only one of the two years


def year_pairs(agencies: list[AgencyEntry], years: list[int],
               value: Callable[[Report], Number]) -> list[YearPair]:
    """Each pair of adjacent ``years`` (ascending) with the sums of the agencies comparable in both."""
    out = []
    for y1, y2 in zip(years, years[1:]):
        n = left_out = 0
        first: int | Decimal = 0
        second: int | Decimal = 0
        for a in agencies:
            r1, r2 = a.report_for(y1), a.report_for(y2)
            if r1 is None and r2 is None:
                continue
            v1 = value(r1) if r1 is not None else None
            v2 = value(r2) if r2 is not None else None
            if v1 is None or v2 is None:
                left_out += 1
                continue
            n += 1
            first += v1
            second += v2
        out.append(YearPair(y1, y2, n, first, second, left_out))
    return out


# --- Completeness --------------------------------------------------------------------------------


@dataclass
class Late:
    """A report published after its legal deadline."""

    report: Report
    agency: AgencyEntry
    deadline: dt.date

    @property
    def days(self) -> int:
        """Days past the deadline."""
        return (self.report.published - self.deadline).days  # type: ignore[operator]


@dataclass
class Completeness:
    """A year's reports against the registry (issue 6)."""

    year: int
    expected: list[AgencyEntry]  # registered agencies
    missing: list[AgencyEntry]  # registered, no report this year
    late: list[Late]
    unregistered: list[AgencyEntry]  # reported this year, not in the registry
    undated: list[Report]  # publication date unknown: lateness cannot be judged


def completeness(year: int, agencies: list[AgencyEntry]) -> Completeness:
    """Who was expected to report for ``year``, who did not, who was late."""
    expected: list[AgencyEntry] = []
    missing: list[AgencyEntry] = []
    late: list[Late] = []
    unregistered: list[AgencyEntry] = []
    undated: list[Report] = []
    for a in agencies:
        r = a.report_for(year)  # once per agency (issue 7: every agency, every year page)
        if a.registered:
            expected.append(a)
            if r is None:
                missing.append(a)
        if r is None:
            continue
        if not a.registered:
            unregistered.append(a)
        limit = deadline(year, a.level_of(r))
        if r.published is None:
            undated.append(r)
        elif limit is not None and r.published > limit:
            late.append(Late(r, a, limit))
    return Completeness(year, expected, missing, late, unregistered, undated)


# --- Rankings ------------------------------------------------------------------------------------


def ranking(entries: list[tuple[AgencyEntry, Report]], figure: KeyFigure,
            value: Callable[[Report, KeyFigure], Number] = figure_value,
            values: list[Number] | None = None) -> list[tuple[int | None, AgencyEntry, Report, Number]]:
    """Reports ranked by ``figure``, largest first, ties sharing a rank (1, 2, 2, 4); unknown last.

    ``value`` is :func:`figure_value` or a function giving the same; ``values`` may give the figure
    of each entry at once (the renderer's memo of the year's figures: eleven rankings of a year
    rank the same reports, issue 7).
    """
    if values is None:
        values = [value(r, figure) for _, r in entries]
    known = [(a, r, v) for (a, r), v in zip(entries, values)]
    known.sort(key=lambda t: (t[2] is None, -(t[2] or 0), t[0].name))
    out: list[tuple[int | None, AgencyEntry, Report, Number]] = []
    prev: Number = None
    rank = 0
    for i, (a, r, v) in enumerate(known, 1):
        if v is None:
            out.append((None, a, r, v))
            continue
        if v != prev:
            rank = i
            prev = v
        out.append((rank, a, r, v))
    return out


def config_registry(cfg: Config) -> tuple[Agency, ...]:
    """The registry of ``site.toml`` (kept a function so tests can pass a bare config)."""
    return cfg.agencies
