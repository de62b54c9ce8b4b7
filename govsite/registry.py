"""The agency registry of ``site.toml`` (``[[agencies]]``) checked against the reports.

An entry's ``slug`` is the address of the agency's page (``/agency/<slug>/``), and a report whose
file name is a registered slug is taken for that agency's report. So a report filed under another
agency's slug is an error naming both: otherwise one agency's page is headed with another's name and
lists its reports as its own. (Each entry on its own is checked where ``site.toml`` is read, in
:mod:`govsite.config`.)
"""

from __future__ import annotations

from typing import Iterable

from .config import Agency
from .diagnostics import Diagnostic, error
from .model import Report

def registry_conflicts(agencies: Iterable[Agency], reports: Iterable[Report]) -> list[Diagnostic]:
    """Reports filed under the registered slug of another agency: an error at the report's
    ``agency`` line naming both agencies."""
    by_slug = {a.slug: a for a in agencies if a.slug}
    diags = []
    for r in reports:
        owner = by_slug.get(r.slug)
        if owner is None or owner.name == r.agency:
            continue
        diags.append(error(r.path, r.line_of("agency"), "registry",
                           f"文件名 {r.slug} 是机关名录（site.toml）中“{owner.name}”的 slug，但这份报告的 agency 是“{r.agency}”："
                           f"请改正 agency，或把文件改名（文件名即网址，一个 slug 只属于一个机关）"))
    return diags
