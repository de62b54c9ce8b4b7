"""The staged build: load → check → render → write, as one library call.

``load_site`` runs the first two stages (``govsite check`` stops there); ``build`` runs them all.
Neither raises for content mistakes: they are returned as diagnostics. Configuration and usage
problems raise :class:`GovsiteError`.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import TemplateError

from .check import check_report, check_site
from .config import Config, require_config
from .diagnostics import Diagnostic, GovsiteError
from .load import content_files, load_report
from .model import Report
from .render import Renderer, SiteIndex
from .templates import THEME_DIR, template_error_location
from .write import Staging, check_output_dir


@dataclass
class Site:
    """A loaded and checked site."""

    config: Config
    reports: list[Report]
    diagnostics: list[Diagnostic]
    files: int = 0

    @property
    def errors(self) -> list[Diagnostic]:
        """The error diagnostics."""
        return [d for d in self.diagnostics if d.is_error]


@dataclass
class BuildResult:
    """What a build did, for the summary line and for tests."""

    site: Site
    output: Path
    pages: int = 0
    bytes: int = 0
    seconds: float = 0.0
    per_year: dict[int, int] = field(default_factory=dict)


def load_site(root: Path, paths: list[Path] | None = None, config: Config | None = None) -> Site:
    """Stages 1–2: read every report (or those under ``paths``) and run every check."""
    cfg = config or require_config(root)
    files = select_files(cfg, paths)
    reports: list[Report] = []
    diags: list[Diagnostic] = []
    for path in files:
        report, d = load_report(path, root)
        diags += d
        if report is not None:
            reports.append(report)
            diags += check_report(report)
    if paths is None:
        diags += check_site(reports)
    else:
        # Cross-file rules need the neighbours: load the whole site once for them.
        whole = [r for p in select_files(cfg, None) if (r := load_report(p, root)[0])]
        named = {r.path for r in reports}
        diags += [d for d in check_site(whole) if d.path in named]
    return Site(cfg, reports, ordered(diags), len(files))


def ordered(diags: list[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics by file and line, duplicates dropped, rule order kept within a line."""
    unique = list(dict.fromkeys(diags))
    return sorted(unique, key=lambda d: (d.path, d.line))


def select_files(cfg: Config, paths: list[Path] | None) -> list[Path]:
    """The report files of the site, or those named (files or folders)."""
    if paths is None:
        return content_files(cfg.content_dir)
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(q for q in p.rglob("*.md") if not q.name.startswith((".", "_")))
        elif p.exists():
            out.append(p)
        else:
            raise GovsiteError(f"找不到文件或目录：{p}")
    return out


def build(root: Path, output: Path | None = None, base_url: str | None = None, clean: bool = False,
          strict: bool = False) -> BuildResult:
    """Build the whole site into ``output`` (default: the config's ``public/``).

    Returns the result; ``result.site.errors`` non-empty (or warnings with ``strict``) means nothing
    was written unless the site publishes invalid reports (``publish_invalid``).
    """
    start = time.perf_counter()
    cfg = require_config(root, {"base_url": base_url})
    out = output if output is not None else root / cfg.output
    check_output_dir(out, root)
    site = load_site(root, config=cfg)
    result = BuildResult(site, out)
    blocking = [d for d in site.diagnostics if d.is_error or strict]
    structural = [d for d in blocking if not d.rule.startswith("R")]
    if structural or (blocking and not cfg.publish_invalid):
        result.seconds = time.perf_counter() - start
        return result
    index = SiteIndex(cfg, site.reports, problems=_by_path(site.diagnostics))
    staging = Staging(out)
    try:
        renderer = Renderer(index)
        for rel, data in renderer.pages():
            staging.write(rel, data)
        staging.copy_tree(THEME_DIR / "static", "assets")
        staging.copy_tree(cfg.static_dir)
        staging.commit(clean=clean)
    except TemplateError as exc:
        staging.abort()
        name, line = template_error_location(exc)
        raise GovsiteError(f"模板错误 {name}:{line}: {exc}") from None
    except BaseException:
        staging.abort()
        raise
    result.pages = len(staging.written)
    result.bytes = staging.bytes
    result.per_year = dict(sorted(Counter(r.year for r in site.reports).items()))
    result.seconds = time.perf_counter() - start
    return result


def _by_path(diags: list[Diagnostic]) -> dict[str, list[Diagnostic]]:
    out: dict[str, list[Diagnostic]] = {}
    for d in diags:
        out.setdefault(d.path, []).append(d)
    return out
