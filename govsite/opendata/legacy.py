"""Names the incremental build engine (``govsite/build.py``) still imports from the open-data
module, kept working minimally until the new engine replaces them.

The archive no longer holds per-report long files, so there are no per-report pieces to keep:
:class:`PieceStore` stores nothing and :func:`report_csv_and_pieces` gives empty pieces.
"""

from __future__ import annotations

import io
import zlib
from pathlib import Path
from typing import BinaryIO, Callable

from ..model import Report
from .files import report_csv, year_rows
from .safecsv import csv_text

#: A compressed piece: (raw deflate, CRC-32, size).
Piece = tuple[bytes, int, int]
EMPTY_PIECE: Piece = (b"", 0, 0)
#: A member compressed ahead: its stream, CRC-32, size and compressed size.
Deflated = tuple[BinaryIO, int, int, int]


class PieceStore:
    """Stands for the old store of archive pieces: keeps nothing."""

    def __init__(self, path: Path, batch: int = 500) -> None:
        self.path = path

    def get(self, keys: list[str]) -> dict[str, tuple[Piece, Piece]]:
        return {}

    def keep(self, keys: list[str]) -> None:
        pass

    def put(self, key: str, pieces: tuple[Piece, Piece]) -> None:
        pass

    def flush(self) -> None:
        pass

    def close(self, prune: bool = True) -> None:
        pass


def report_csv_and_pieces(report: Report) -> tuple[bytes, tuple[Piece, Piece]]:
    """:func:`report_csv` of ``report``, and no pieces."""
    return report_csv(report), (EMPTY_PIECE, EMPTY_PIECE)


def year_csv_rows(reports: list[Report],
                  known: Callable[[Report], bytes | None] = lambda r: None) -> tuple[bytes, list[bytes]]:
    """A year's CSV without check counts, as its header line and one line per report."""
    header, lines = year_rows(reports, {})
    return csv_text(header, []).encode("utf-8"), [line.encode("utf-8") for line in lines]


def deflated(data: bytes) -> Deflated:
    """``data`` deflated, as a zip member stream."""
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    raw = c.compress(data) + c.flush()
    return io.BytesIO(raw), zlib.crc32(data), len(data), len(raw)


def stored_form(member: Deflated) -> Piece:
    """A member's compressed bytes to keep."""
    stream, crc, size, _ = member
    data = stream.read()
    stream.seek(0)
    return data, crc, size


def from_stored(piece: Piece) -> Deflated:
    """The member :func:`stored_form` kept."""
    data, crc, size = piece
    return io.BytesIO(data), crc, size, len(data)
