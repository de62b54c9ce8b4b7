"""``govsite export``: the cells of the chosen reports, written by the same functions as the site's
data files (:mod:`govsite.opendata.files`), with the same keys.

- ``csv``: the long form of every report, ``year, slug, agency, key, row, column, value``
  (each report's rows are those of its ``report.csv``), UTF-8 with BOM unless asked otherwise;
- ``json``: an array of the reports' ``report.json`` documents.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from .diagnostics import Diagnostic
from .model import Report
from .opendata import export_csv, export_json

FORMATS = ("csv", "json")


def export(reports: Sequence[Report], problems: Mapping[str, Sequence[Diagnostic]], fmt: str = "csv",
           bom: bool = True) -> bytes:
    """The export of ``reports`` in format ``fmt`` (``problems``: check results by report path)."""
    if fmt == "json":
        return export_json(reports, problems)
    return export_csv(reports, bom=bom)
