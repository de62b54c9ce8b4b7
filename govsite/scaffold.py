"""A new, empty report file: every cell present and zero, the metadata, the six section headings.

``govsite new`` (issue 5) writes it; the table shape comes from the format description, so a new
format version needs no change here.
"""

from __future__ import annotations

from typing import Any

from .content_file import dumps_report, section_skeleton
from .formats import Format, Kind
from .model import Value


def zero_values(fmt: Format) -> dict[str, list[Value]]:
    """Every field of ``fmt`` filled with zeros: ``0`` for counts, ``"0"`` for amounts."""
    values: dict[str, list[Value]] = {}
    for table in fmt.tables:
        for f in table.fields():
            values[f"{table.key}.{f.key}"] = ["0" if c.kind is Kind.AMOUNT else 0 for c in f.value_columns]
    return values


def new_report_text(fmt: Format, agency: str, year: int, region: list[str] | None = None,
                    level: str = "", extra: dict[str, Any] | None = None) -> str:
    """The text of a new report file for ``agency`` and ``year`` in format ``fmt``."""
    meta: dict[str, Any] = {"agency": agency, "year": year, "format": fmt.version,
                            "region": list(region or []), "level": level}
    meta.update(extra or {})
    return dumps_report(fmt, meta, zero_values(fmt), section_skeleton())
