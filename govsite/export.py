"""Open data: every table cell of every report, in long format (issue 2 ``govsite export``).

Columns ``year, agency, slug, format, table, row, column, value``; ``table``, ``row`` and ``column``
hold the official labels from the format description (row and column as label paths joined by
`` / ``). Values exactly as stored: counts as integers, amounts as their decimal strings, a blank
source cell as an empty value, a missing one as ``null`` in JSON and empty in CSV.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Iterable, Iterator

from .model import Report, Value

COLUMNS = ("year", "agency", "slug", "format", "table", "row", "column", "value")


def cell_rows(report: Report) -> Iterator[dict[str, object]]:
    """One dict per value cell of ``report``, in table order."""
    for table in report.format.tables:
        for f, i, path in table.cells():
            vals = report.values.get(f"{table.key}.{f.key}")
            value: Value = None if vals is None else vals[i]
            if vals is not None and value is None:
                value = ""
            yield {
                "year": report.year,
                "agency": report.agency,
                "slug": report.slug,
                "format": report.format.version,
                "table": path.table,
                "row": path.row_label(),
                "column": path.column_label(),
                "value": value,
            }


def to_csv(reports: Iterable[Report], bom: bool = False) -> str:
    """The long CSV of ``reports`` (``bom`` adds a UTF-8 BOM so that Excel reads it as UTF-8)."""
    buf = io.StringIO()
    if bom:
        buf.write("\ufeff")
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for r in reports:
        for row in cell_rows(r):
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buf.getvalue()


def to_json(reports: Iterable[Report]) -> str:
    """The long JSON of ``reports``: an array of cell objects."""
    return json.dumps([row for r in reports for row in cell_rows(r)], ensure_ascii=False, indent=1)
