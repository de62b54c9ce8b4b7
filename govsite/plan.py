"""Stage 3 — plan: which outputs must be rendered, from the registry's declarations alone.

Every instance of an output (a :class:`Unit`: the report page of one report, the year page of one
year, …) gets a key: a digest of what every page reads (code, templates, settings, the site's shape)
and of the declared facets of the reports it declares it reads. The manifest of the output folder
records, for each file, the unit that made it, the unit's key, and the file's size and mtime. A
unit whose key is the recorded one and whose files are all still as recorded is kept: its files are
linked into the new output instead of being rendered. Nothing else decides.
"""

from __future__ import annotations

import json
import os
import pickle
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cache import PINNED, Cache, digest
from .diagnostics import Diagnostic
from .model import Report
from .pages import Facet, Output, Scope, ident_of, items_of, reports_of
from .render import SiteIndex
from .write import MANIFEST

MANIFEST_VERSION = 2


@dataclass(frozen=True)
class FileRecord:
    """One file of a built output folder: the unit that made it, that unit's key, its size and mtime."""

    unit: str
    key: str
    size: int
    mtime_ns: int


@dataclass
class Unit:
    """One instance of an output: what the engine renders, keeps and hands to a worker."""

    output: Output
    item: Any
    id: str  # "<output name>:<item ident>", unique in a site
    key: str
    cost: float


@dataclass
class Plan:
    """The units of a build, those to render, and the files kept from the previous output."""

    units: list[Unit]
    dirty: list[Unit]
    kept: dict[str, FileRecord] = field(default_factory=dict)  # rel → record, for the kept units' files
    #: unit id → its files in the output as the last build left them (intact), for a dirty unit that
    #: may update them instead of starting over (:class:`govsite.pages.Previous`)
    previous: dict[str, dict[str, FileRecord]] = field(default_factory=dict)

    @property
    def nothing_to_do(self) -> bool:
        """True when every unit is kept (the output may still need foreign files checked)."""
        return not self.dirty


def report_facets(report: Report, search_text: str) -> dict[str, str]:
    """The digests of a report's content facets (the check results are added by :func:`check_digest`)."""
    meta = (report.path, report.slug, report.year, report.agency, report.format.version, report.title, report.region,
            report.level, report.published, report.source_url, report.index_no, report.doc_no, report.missing)
    return {Facet.META.value: digest(meta), Facet.CELLS.value: digest(sorted(report.values.items()), report.missing),
            Facet.PROSE.value: digest(report.body, report.body_line, search_text)}


def check_digest(diags: list[Diagnostic]) -> str:
    """The digest of a report's check results."""
    return digest([tuple(vars(d).values()) for d in diags]) if diags else ""


class Keys:
    """Computes unit keys, remembering the digest of each (reports, facets) group once."""

    def __init__(self, site: SiteIndex, facets: dict[str, dict[str, str]], base: str) -> None:
        self.site = site
        self.facets = facets
        self.base = base
        self._groups: dict[tuple[int, frozenset[Facet]], str] = {}
        self._keep_alive: list[list[Report]] = []
        self._small: dict[tuple[tuple[str, ...], frozenset[Facet]], str] = {}
        self._names: dict[frozenset[Facet], list[str]] = {}

    def group(self, reports: list[Report], facets: frozenset[Facet]) -> str:
        """The digest of ``facets`` of ``reports``, in their order."""
        if len(reports) <= 16:
            # An agency's few reports come as a new list for each of its report pages: remembered by
            # their paths, not by the list.
            small = (tuple(r.path for r in reports), facets)
            hit = self._small.get(small)
            if hit is None:
                hit = self._small[small] = self._digest(reports, facets)
            return hit
        memo = (id(reports), facets)
        hit = self._groups.get(memo)
        if hit is None:
            hit = self._groups[memo] = self._digest(reports, facets)
            self._keep_alive.append(reports)  # the id stays this list's for the build
        return hit

    def _digest(self, reports: list[Report], facets: frozenset[Facet]) -> str:
        names = self._names.get(facets)
        if names is None:
            names = self._names[facets] = sorted(f.value for f in facets)
        # Facet digests are hex (or empty): tabs and newlines keep the rows apart.
        rows = "\n".join("\t".join(self.facets[r.path][n] for n in names) for r in reports)
        return digest(names, rows)

    def unit(self, output: Output, item: Any) -> Unit:
        """The unit of ``output`` for ``item``, with its key."""
        ident = ident_of(output.kind, item)
        parts: list[Any] = [self.base, output.name, ident]
        for read in output.reads:
            reports = reports_of(output.kind, item, read.scope, self.site)
            if read.scope is Scope.SITE:
                reports = self.site.reports
            parts.append((read.scope.value, self.group(reports, read.facets)))
        if output.extra is not None:
            parts.append(output.extra(self.site))
        return Unit(output, item, f"{output.name}:{ident}", digest(*parts), output.cost(self.site, item))


def site_facets(site: SiteIndex, content: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """Each report's facet digests: its content facets and the digest of its check results."""
    out = {}
    for r in site.reports:
        f = dict(content[r.path])
        f[Facet.CHECKS.value] = check_digest(site.problems.get(r.path, []))
        out[r.path] = f
    return out


def make_plan(site: SiteIndex, registry: tuple[Output, ...], facets: dict[str, dict[str, str]], base: str,
              manifest: dict[str, FileRecord], output: Path) -> Plan:
    """The units of ``registry`` for ``site``; those whose key and files match ``manifest`` are kept."""
    # The site's shape, read by every page: its years (the menu), its agencies' names and URLs (an
    # agency's URL depends on every other agency's slug) and its regions.
    shape = digest(base, list(site.by_year), [(a.name, a.url) for a in site.agencies], sorted(site.regions))
    keys = Keys(site, facets, shape)
    units = [keys.unit(o, item) for o in registry for item in items_of(o.kind, site)]
    by_unit: dict[str, list[tuple[str, FileRecord]]] = {}
    for rel, rec in manifest.items():
        by_unit.setdefault(rec.unit, []).append((rel, rec))
    plan = Plan(units, [])
    root = str(output)
    for u in units:
        files = by_unit.get(u.id)
        intact = bool(files) and all(_as_recorded(f"{root}/{rel}", rec) for rel, rec in files)
        if intact and all(rec.key == u.key for _, rec in files):
            plan.kept.update(files)
        else:
            plan.dirty.append(u)
            if intact:
                plan.previous[u.id] = dict(files)
    return plan


def _as_recorded(path: str, rec: FileRecord) -> bool:
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and st.st_size == rec.size and st.st_mtime_ns == rec.mtime_ns


def read_manifest(output: Path, cache: Cache) -> dict[str, FileRecord]:
    """The files of a built output folder as its manifest lists them, with the sizes and mtimes the
    cache recorded for that very manifest (empty when either is missing: then nothing is kept)."""
    try:
        raw = (output / MANIFEST).read_bytes()
        data = json.loads(raw)
        if data.get("version") != MANIFEST_VERSION:
            return {}
        stored = cache.get(_stat_key(output, raw))
        stats = pickle.loads(stored) if stored else None
        if not isinstance(stats, dict):
            return {}
        out = {}
        for rel, (unit, key) in data["files"].items():
            size, mtime = stats[rel]
            out[rel] = FileRecord(unit, key, size, mtime)
        return out
    except (OSError, ValueError, TypeError, KeyError, AttributeError, pickle.UnpicklingError, EOFError):
        return {}


def write_manifest(output: Path, files: dict[str, FileRecord], cache: Cache) -> bytes:
    """The manifest of ``output`` (deterministic for the same site: units and keys only); the files'
    sizes and mtimes go to the cache under the folder and the manifest's digest."""
    rows = {rel: [r.unit, r.key] for rel, r in sorted(files.items())}
    raw = json.dumps({"version": MANIFEST_VERSION, "files": rows}, ensure_ascii=False,
                     separators=(",", ":")).encode("utf-8")
    cache.put(_stat_key(output, raw), pickle.dumps({rel: (r.size, r.mtime_ns) for rel, r in files.items()},
                                           protocol=pickle.HIGHEST_PROTOCOL))
    return raw


def _stat_key(output: Path, manifest: bytes) -> str:
    # The folder is part of the key: the preview's folder and public/ may hold the same manifest
    # with files of other mtimes. (A copied site's output is then built again, not trusted.)
    return PINNED + digest("output-files", os.path.realpath(output), manifest)


def manifest_key(output: Path) -> str | None:
    """The cache key of the file stats of ``output``'s current manifest (None without one)."""
    try:
        return _stat_key(output, (output / MANIFEST).read_bytes())
    except OSError:
        return None
