"""The official format versions, each described once as data (see :mod:`.schema`).

Adding a format version means adding one module like :mod:`.v2021` and listing it here.
"""

from __future__ import annotations

from . import v2019, v2021
from .common import LEVELS, PROSE_SECTIONS, SECTIONS
from .schema import CellPath, CellRef, Column, Equation, Field, Format, Kind, Row, Section, Table

FORMATS: dict[str, Format] = {f.version: f for f in (v2019.FORMAT, v2021.FORMAT)}


def format_for_year(year: int) -> Format:
    """The format that governs reports of ``year`` (spec §1: 2019–2020 → 2019, 2021+ → 2021)."""
    for fmt in sorted(FORMATS.values(), key=lambda f: f.years[0], reverse=True):
        if year >= fmt.years[0]:
            return fmt
    return min(FORMATS.values(), key=lambda f: f.years[0])


__all__ = [
    "FORMATS", "LEVELS", "SECTIONS", "PROSE_SECTIONS", "format_for_year",
    "CellPath", "CellRef", "Column", "Equation", "Field", "Format", "Kind", "Row", "Section", "Table",
]
