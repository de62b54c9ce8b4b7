"""The page registry: every output of a site, declared once.

An :class:`Output` says which items it is made for (each report, agency, year, region, or the site
once), which reports it reads and which of their facets, and how it renders into a :class:`Sink`.
The engine (:mod:`govsite.plan`) derives everything else from these declarations: the key of each
output (so whether it is rebuilt), which files it owns in the output folder, and how work is shared
between processes. Adding a page type is one declaration here and one template; it is then correct
in incremental builds by construction, provided its render function reads only what it declares.

What every page reads besides its declared reports — the code, templates, settings, static files
and the site's shape (its years, whether it has regions) — is in the key of every output.
"""

from __future__ import annotations

import enum
import pickle
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Protocol

from itertools import groupby
from operator import itemgetter

from .formats import FORMATS
from .model import Report
from .opendata import (ARCHIVE_NAME, CHECK_COLUMNS, LONG_COLUMNS, META_COLUMNS, archive, checks_csv_name,
                       codebook_csv, codebook_json, codebook_rows, datapackage, readme_text, report_csv, report_json,
                       year_checks, year_csv, year_csv_name, year_formats)
from .render import RULES, RegionSums, Renderer, SiteIndex, _after_children, _equation_summary, sitemap_notice
from .cache import digest
from .config import Config
from .search import SearchDoc, write_index
from .search.index import IndexState, doc_ids
from .search.names import NAMES_FILE, names_blob
from .search.update import update_index
from .templates import THEME_DIR


class Facet(enum.Enum):
    """What a page may read of a report."""

    META = "meta"  # agency, year, slug, title, region, level, dates, links, format version, missing
    CELLS = "cells"  # the table values
    PROSE = "prose"  # the Markdown body
    CHECKS = "checks"  # the report's diagnostics (its own and those across reports)


ALL = frozenset(Facet)
META = frozenset({Facet.META})
DATA = frozenset({Facet.META, Facet.CELLS, Facet.CHECKS})  # what the data files show of a report
_REGION_READS = frozenset({Facet.META, Facet.CELLS})  # what a region's page shows of its reports


class Scope(enum.Enum):
    """Which reports a read covers, relative to the item an output is made for."""

    OWN = "own"  # the item's reports: the report itself, an agency's, a year's, a region's, all
    AGENCY = "agency"  # the reports of the agency of a report item
    SITE = "site"  # every report of the site


class Kind(enum.Enum):
    """What an output is made for: one instance per report, agency, year, region, or one for the site."""

    REPORT = "report"
    AGENCY = "agency"
    YEAR = "year"
    REGION = "region"
    SITE = "site"


@dataclass(frozen=True)
class Read:
    """One declared input of an output: the facets of a scope's reports."""

    scope: Scope
    facets: frozenset[Facet]


@dataclass(frozen=True)
class Previous:
    """What the last build made for the same unit, when its files are still as it left them: an
    output that can update its files (the search index) reads them and its saved state instead of
    starting over, and keeps the files that do not change (:meth:`Sink.keep`)."""

    folder: Path  # the output folder holding the previous files (read only)
    files: tuple[str, ...]  # the unit's files there
    state: bytes | None  # what the render function saved with :meth:`Sink.save_state` last time


class Sink(Protocol):
    """Where an output's render function puts its files (paths relative to the output folder)."""

    previous: Previous | None

    def write(self, rel: str, data: bytes) -> None: ...

    def keep(self, rel: str) -> None: ...

    def save_state(self, state: bytes) -> None: ...

    def place(self, rel: str, path: Path) -> None: ...

    def folder(self, rel: str) -> Path: ...

    def adopt(self, rels: Iterable[str]) -> None: ...


@dataclass(frozen=True)
class Output:
    """A kind of output: made for each item of ``kind``, from ``reads``, by ``render``.

    ``extra`` names inputs that are not reports (static files), from the site's settings alone;
    ``cost`` weighs one instance against a report page when work is shared between processes.
    """

    name: str
    kind: Kind
    reads: tuple[Read, ...]
    render: Callable[[Renderer, Any, Sink], None]
    extra: Callable[[Config], Any] | None = None
    cost: Callable[[SiteIndex, Any], float] = lambda site, item: 1.0


def items_of(kind: Kind, site: SiteIndex) -> list[Any]:
    """The items an output of ``kind`` is made for, in a stable order."""
    if kind is Kind.REPORT:
        return [r for rs in site.by_year.values() for r in rs]
    if kind is Kind.AGENCY:
        return list(site.agencies)
    if kind is Kind.YEAR:
        return list(site.by_year)
    if kind is Kind.REGION:
        return list(_after_children(site.regions[()])) if site.has_regions() else []
    return [None]


def ident_of(kind: Kind, item: Any) -> str:
    """A stable name of an item, unique within its kind."""
    if kind is Kind.REPORT:
        return item.url
    if kind is Kind.AGENCY:
        return item.url
    if kind is Kind.YEAR:
        return str(item)
    if kind is Kind.REGION:
        return item.file_path
    return ""


def reports_of(kind: Kind, item: Any, scope: Scope, site: SiteIndex) -> list[Report]:
    """The reports a read of ``scope`` covers for ``item``."""
    if scope is Scope.SITE or kind is Kind.SITE:
        return site.reports
    if scope is Scope.AGENCY:
        return list(site.agency_of(item).reports) if kind is Kind.REPORT else _own(kind, item, site)
    return _own(kind, item, site)


def items_reading(kind: Kind, scope: Scope, report: Report, site: SiteIndex) -> list[Any]:
    """The items of ``kind`` whose read of ``scope`` covers ``report``: the inverse of :func:`reports_of`."""
    if scope is Scope.SITE or kind is Kind.SITE:
        return items_of(kind, site)
    if kind is Kind.REPORT:
        return list(site.agency_of(report).reports) if scope is Scope.AGENCY else [report]
    if kind is Kind.AGENCY:
        return [site.agency_of(report)]
    if kind is Kind.YEAR:
        return [report.year]
    if not site.has_regions():
        return []
    region = site.agency_of(report).region  # a region page reads the reports of every region below it
    return [site.regions[region[:depth]] for depth in range(len(region) + 1)]


def _own(kind: Kind, item: Any, site: SiteIndex) -> list[Report]:
    if kind is Kind.REPORT:
        return [item]
    if kind is Kind.AGENCY:
        return list(item.reports)
    if kind is Kind.YEAR:
        return site.by_year[item]
    return [r for a in item.all_agencies() for r in a.reports]


# --- render functions ------------------------------------------------------------------------------


def _report_page(r: Renderer, report: Report, sink: Sink) -> None:
    sink.write(f"{report.url}index.html", r.report_page(report))


def _report_data(r: Renderer, report: Report, sink: Sink) -> None:
    url = report.url
    sink.write(f"{url}report.json", report_json(report, r.site.problems.get(report.path, [])))
    sink.write(f"{url}report.csv", report_csv(report))


def _year_page(r: Renderer, year: int, sink: Sink) -> None:
    reports = r.site.by_year[year]
    sink.write(f"{year}/index.html", r.year_page(year, reports, [(r.site.agency_of(x), x) for x in reports]))


def _ranking_pages(r: Renderer, year: int, sink: Sink) -> None:
    for rel, data in r.ranking_pages(year, r.site.by_year[year]):
        sink.write(rel, data)


def _year_data(r: Renderer, year: int, sink: Sink) -> None:
    reports = r.site.by_year[year]
    sink.write(f"data/{year_csv_name(year)}", year_csv(year, reports, r.site.problems))
    sink.write(f"data/{checks_csv_name(year)}", year_checks(year, reports, r.site.problems))


def _agency_page(r: Renderer, agency: Any, sink: Sink) -> None:
    sink.write(f"{agency.url}index.html", r.agency_page(agency))


def _agency_list(r: Renderer, _: None, sink: Sink) -> None:
    sink.write("agency/index.html", r.page("agencies.html", agencies=r.site.agencies,
                                           page_meta=r.meta("机关", "机关名录")))


def _region_page(r: Renderer, node: Any, sink: Sink) -> None:
    """A region's page. The sums of the regions whose reports read the same as in the last build
    are taken from it (an edit sums one region of each level again, not every report)."""
    r.sums = RegionSums(_saved(sink.previous), tuple(f.value for f in _REGION_READS))
    try:
        sink.write(f"{node.file_path}index.html", r.region_page(node))
        sink.save_state(pickle.dumps(r.sums.used, protocol=pickle.HIGHEST_PROTOCOL))
    finally:
        r.sums = None


def _codebook(r: Renderer, _: None, sink: Sink) -> None:
    sink.write("data/codebook.csv", codebook_csv())
    sink.write("data/codebook.json", codebook_json())


def _archive(r: Renderer, _: None, sink: Sink) -> None:
    """The data package, the archive of every data file and the data page that lists their sizes.

    A year's files are those of the last build when the year's reports have the same facets (a
    cell edit makes one year's files again, not every year's)."""
    site = r.site
    members: list[tuple[str, bytes]] = []
    # name → (the digest of the year's reports' facets, the file compressed)
    last: dict[str, tuple[str, bytes]] = _saved(sink.previous)
    saved: dict[str, tuple[str, bytes]] = {}
    shown = [f.value for f in DATA]
    for year, reports in sorted(site.by_year.items()):
        read = site.facet_digest(reports, shown)
        for name, make in ((year_csv_name(year), year_csv), (checks_csv_name(year), year_checks)):
            hit = last.get(name)
            if read is not None and hit is not None and hit[0] == read:
                saved[name] = hit
                members.append((name, zlib.decompress(hit[1])))
                continue
            data = make(year, reports, site.problems)
            members.append((name, data))
            if read is not None:
                saved[name] = (read, zlib.compress(data, 1))
    sink.save_state(pickle.dumps(saved, protocol=pickle.HIGHEST_PROTOCOL))
    members += [("codebook.csv", codebook_csv()), ("codebook.json", codebook_json())]
    formats = year_formats({y: (x.format for x in rs) for y, rs in site.by_year.items()})
    package = datapackage(r.config.title, formats)
    sink.write("data/datapackage.json", package)
    members.append(("datapackage.json", package))
    sizes = {name: len(data) for name, data in members}
    readme = readme_text(r.config.title, {y: len(rs) for y, rs in site.by_year.items()})
    zipped = archive([("README.txt", readme.encode("utf-8"))] + members)
    members.clear()
    sink.write(f"data/{ARCHIVE_NAME}", zipped)
    years = sorted(site.by_year, reverse=True)
    sink.write("data/index.html", r.page(
        "data.html",
        year_rows=[(y, len(site.by_year[y]), (year_csv_name(y), sizes[year_csv_name(y)]),
                    (checks_csv_name(y), sizes[checks_csv_name(y)]),
                    sum(len(site.problems.get(x.path, ())) for x in site.by_year[y])) for y in years],
        archive=(ARCHIVE_NAME, len(zipped)), sizes=sizes,
        formats=sorted(FORMATS.values(), key=lambda f: f.version, reverse=True),
        codebook_tables=[(t, list(rows)) for t, rows in groupby(codebook_rows(), key=itemgetter("table"))],
        meta_columns=META_COLUMNS, check_columns=CHECK_COLUMNS,
        long_columns=LONG_COLUMNS, rules=RULES,
        equations={f.version: _equation_summary(f) for f in FORMATS.values()},
        page_meta=r.meta("开放数据", "开放数据说明")))


def _saved(previous: Previous | None) -> dict:
    """The dict a render function saved last time (empty when there is none)."""
    if previous is None or previous.state is None:
        return {}
    try:
        found = pickle.loads(previous.state)
    except Exception:  # noqa: BLE001 - a state that does not load is only a full write
        return {}
    return found if isinstance(found, dict) else {}


def _home(r: Renderer, _: None, sink: Sink) -> None:
    site = r.site
    sink.write("index.html", r.page("home.html", latest=site.latest(), by_year=site.by_year,
                                    problems=site.problems, agencies=site.agencies,
                                    page_meta=r.meta(description=r.config.description)))


def _not_found(r: Renderer, _: None, sink: Sink) -> None:
    sink.write("404.html", r.page("404.html"))


def _feed(r: Renderer, _: None, sink: Sink) -> None:
    sink.write("feed.xml", r.feed())


def _sitemap(r: Renderer, _: None, sink: Sink) -> None:
    """``sitemap.xml`` for search engines (only with absolute addresses: see ``sitemap_notice``) and
    the site map page for readers."""
    site = r.site
    if sitemap_notice(r.config) is None:
        sink.write("sitemap.xml", r.sitemap())
    sink.write("sitemap/index.html", r.page("sitemap.html", agencies=site.agencies, by_year=site.by_year,
                                            regions=site.regions, page_meta=r.meta("网站地图", "网站地图")))


def _rules_page(r: Renderer, _: None, sink: Sink) -> None:
    sink.write("rules/index.html", r.rules_page())


def _search_names(r: Renderer, _: None, sink: Sink) -> None:
    site = r.site
    sink.write(f"search/{NAMES_FILE}", names_blob(site.agencies, site.regions if site.has_regions() else {}))


def _search_index(r: Renderer, _: None, sink: Sink) -> None:
    """The search page and index. When the documents are the same ones (same ids and facets) and few
    of them changed, the previous index is updated (its unchanged files kept), else written anew;
    either way the files are byte for byte those of a new index."""
    site = r.site
    docs = [SearchDoc(url=x.url, title=x.title, agency=x.agency, year=x.year, region=x.region, level=x.level,
                      text=site.search_texts[x.path]) for x in site.reports]
    # The metadata and prose facets cover the title and the text of a search document.
    meta, prose = Facet.META.value, Facet.PROSE.value
    digests = {x.url: f[meta] + f[prose] if (f := site.facets.get(x.path))
               else digest(x.title, site.search_texts[x.path]) for x in site.reports}
    sink.write("search/index.html", r.page("search.html", page_meta=r.meta("搜索")))
    state = _updated_index(docs, digests, sink)
    if state is None:
        stats = write_index(docs, sink.folder("search"), workers=1)
        sink.adopt(f"search/{rel}" for rel in stats.written)
        state = stats.state
    if state is not None:
        sink.save_state(pickle.dumps((state, digests), protocol=pickle.HIGHEST_PROTOCOL))


def _updated_index(docs: list[SearchDoc], digests: dict[str, str], sink: Sink) -> IndexState | None:
    """The previous index updated for the documents whose text changed (all its files kept when none
    did); the state of the index, or None when it cannot be updated."""
    prev = sink.previous
    if prev is None or prev.state is None:
        return None
    try:
        state, old = pickle.loads(prev.state)
    except Exception:  # noqa: BLE001 - a state that does not load is only a full write
        return None
    ids = doc_ids(docs, state)
    if ids is None:
        return None
    changed = {ids[d.url]: d for d in docs if old.get(d.url) != digests[d.url]}
    written: set[str] = set()
    if changed:
        stats = update_index(prev.folder / "search", sink.folder("search"), state, changed)
        if stats is None:
            return None
        written = {f"search/{rel}" for rel in stats.written}
        sink.adopt(written)
        state = stats.state
    for rel in prev.files:
        if rel not in written and rel != "search/index.html":
            sink.keep(rel)
    return state


def _static(r: Renderer, _: None, sink: Sink) -> None:
    for src, dest in _static_folders(r.site.config):
        for rel, path in _static_files(src):
            sink.place(f"{dest}{rel}", path)


def _static_folders(config: Config) -> list[tuple[Path, str]]:
    return [(THEME_DIR / "static", "assets/"), (config.static_dir, "")]


def _static_files(src: Path) -> list[tuple[str, Path]]:
    """The files of a folder published as they are: no hidden ones, no link out of the folder."""
    if not src.is_dir():
        return []
    root = src.resolve()
    out = []
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if path.is_file() and not any(p.startswith(".") for p in rel.parts) and path.resolve().is_relative_to(root):
            out.append((rel.as_posix(), path))
    return out


def _static_state(config: Config) -> list[tuple[str, int, int]]:
    out = []
    for src, dest in _static_folders(config):
        for rel, path in _static_files(src):
            st = path.stat()
            out.append((dest + rel, st.st_size, st.st_mtime_ns))
    return out


def _per_report(site: SiteIndex, year: int) -> float:
    return max(1.0, len(site.by_year[year]) / 50)


def _per_site(site: SiteIndex, _: None) -> float:
    return max(1.0, len(site.reports) / 20)


#: Every output of a site. The order is the order of the manifest and of rendering in one process.
REGISTRY: tuple[Output, ...] = (
    Output("report-page", Kind.REPORT, (Read(Scope.OWN, ALL), Read(Scope.AGENCY, META)), _report_page),
    Output("report-data", Kind.REPORT, (Read(Scope.OWN, DATA),),
           _report_data, cost=lambda site, item: 0.3),
    # A year's pages show its own reports; of the rest of the site, its agencies (who was due to
    # report, with the level that sets the deadline) and years: its shape, which every key covers.
    Output("year-page", Kind.YEAR, (Read(Scope.OWN, DATA),), _year_page, cost=_per_report),
    Output("ranking-pages", Kind.YEAR, (Read(Scope.OWN, frozenset({Facet.META, Facet.CELLS})),),
           _ranking_pages, cost=lambda site, y: 2 * _per_report(site, y)),
    Output("year-data", Kind.YEAR, (Read(Scope.OWN, DATA),), _year_data,
           cost=_per_report),
    Output("agency-list", Kind.SITE, (Read(Scope.SITE, frozenset({Facet.META, Facet.CHECKS})),), _agency_list),
    # An agency's page shows its own reports; of the rest of the site, only its shape (the years of
    # the menu and of its gaps, its region's page), which every key covers.
    Output("agency-page", Kind.AGENCY, (Read(Scope.OWN, DATA),),
           _agency_page),
    # A region's page shows the reports of its agencies and those below; of the rest of the site,
    # only its shape (the years, the region paths), which every key covers.
    Output("region-page", Kind.REGION, (Read(Scope.OWN, _REGION_READS),),
           _region_page, cost=lambda site, node: max(1.0, len(_own(Kind.REGION, node, site)) / 100)),
    Output("codebook", Kind.SITE, (), _codebook),
    Output("archive", Kind.SITE, (Read(Scope.SITE, DATA),), _archive,
           cost=_per_site),
    Output("home", Kind.SITE, (Read(Scope.SITE, frozenset({Facet.META, Facet.CHECKS})),), _home),
    Output("not-found", Kind.SITE, (), _not_found),
    Output("feed", Kind.SITE, (Read(Scope.SITE, META),), _feed),
    Output("sitemap", Kind.SITE, (Read(Scope.SITE, META),), _sitemap),
    Output("rules-page", Kind.SITE, (Read(Scope.SITE, META),), _rules_page),
    Output("search-names", Kind.SITE, (Read(Scope.SITE, META),), _search_names),
    # The documents' text names the tables' non-zero rows, but it is part of the prose facet's
    # digest (plan.report_facets), so a cell edit reaches the index only when its text changes.
    Output("search-index", Kind.SITE, (Read(Scope.SITE, frozenset({Facet.META, Facet.PROSE})),),
           _search_index, cost=_per_site),
    Output("static", Kind.SITE, (), _static, extra=_static_state),
)


def outputs(registry: Iterable[Output] = REGISTRY) -> tuple[Output, ...]:
    """The registry, checked: output names are unique."""
    found = tuple(registry)
    names = [o.name for o in found]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate output names in the registry: {names}")
    return found
