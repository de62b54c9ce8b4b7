"""CSV as govsite writes it: UTF-8 with a BOM (Excel and WPS then read it as UTF-8), RFC 4180's
CRLF line ends, and no text cell a spreadsheet would run as a formula.

The line end is CRLF because :mod:`csv` quotes a field only for the characters of its line
terminator: with ``\\n`` alone, a text holding a bare carriage return would be written unquoted
and read back as two lines.

OWASP "CSV Injection": a cell beginning with ``=``, ``+``, ``-``, ``@``, tab or carriage return is
taken by Excel, WPS and LibreOffice as a formula (an agency named ``=HYPERLINK(…)`` would be a live
link). Such a text cell is written with a leading ``'``; numbers (``int``) are written as they are,
so a negative count stays a number.
"""

from __future__ import annotations

import csv
import io
from typing import Iterable

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: object) -> object:
    """``value`` as a CSV cell: text that a spreadsheet would read as a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_text(header: Iterable[str] | None, rows: Iterable[Iterable[object]], bom: bool = True) -> str:
    """Rows as CSV text (``None`` written as an empty cell), every text cell made safe."""
    buf = io.StringIO()
    if bom:
        buf.write(BOM)
    writer = csv.writer(buf, lineterminator="\r\n")
    if header is not None:
        writer.writerow([safe_text(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else safe_text(v) for v in row])
    return buf.getvalue()


def csv_bytes(header: Iterable[str] | None, rows: Iterable[Iterable[object]], bom: bool = True) -> bytes:
    """:func:`csv_text` as UTF-8 bytes."""
    return csv_text(header, rows, bom).encode("utf-8")
