"""Open data files of the portal (issue 6): per report, per year, and the whole archive.

- ``<year>/<slug>/report.json``: metadata and every cell, each cell the object of
  ``govsite export --format json`` without the metadata the document states once; ``report.csv``: ``govsite export --bom``.
- ``data/<year>.csv``: one row per report, one column per cell, headed by the official label path
  (the union of the format versions used that year, in format order), UTF-8 with BOM for Excel.
- ``data/govsite-data.zip``: README, every yearly CSV, and the long CSV/JSON of every report,
  built deterministically (sorted entries, fixed dates and permissions) so two builds are identical.
  Each report's part of ``all.csv``/``all.json`` is made from its text once and deflated on its own
  (:func:`report_pieces`); the incremental build keeps those pieces (:class:`PieceStore`), so a
  rebuild serialises and compresses only the reports that changed, with the same bytes.

Every column is derived from the format descriptions; nothing here names a row or a column.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import operator
import sqlite3
import struct
import shutil
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Sequence

from .diagnostics import Diagnostic
from .export import COLUMNS, to_csv
from .formats import FORMATS, Format
from .model import META_KEYS, Report, meta_json, meta_text

SCHEMA = "govsite-report/1"

_META_KEY = {m.key: m for m in META_KEYS}
_SLUG = ("slug", "网址标识（文件名）")

#: Metadata columns of a yearly CSV, before the cells: (column, Chinese meaning). The report's
#: identity (year, agency, slug), then the metadata keys marked for the yearly CSV.
META_COLUMNS: tuple[tuple[str, str], ...] = (
    ("year", _META_KEY["year"].described), ("agency", _META_KEY["agency"].described), _SLUG,
    *((m.key, m.described) for m in META_KEYS if m.in_year_csv),
)
_META_COLUMN_KEYS = tuple(c for c, _ in META_COLUMNS)

#: Long-format columns, as ``govsite export`` writes them.
LONG_COLUMNS: tuple[tuple[str, str], ...] = (
    ("year", "报告年度"),
    ("agency", "机关全称"),
    ("slug", "网址标识（文件名）"),
    ("format", "报告格式版本"),
    ("table", "表格名称（官方表题）"),
    ("row", "行的官方标签路径，各级以 / 分隔"),
    ("column", "列的官方标签路径，各级以 / 分隔"),
    ("value", "单元格数值：计数为整数，金额为原样的十进制文本；原文空白为空"),
)
assert tuple(c for c, _ in LONG_COLUMNS) == COLUMNS

#: The keys of a cell in ``report.json``: those of ``govsite export`` minus the report's own
#: metadata (year, agency, slug, format), which the document states once.
CELL_KEYS = ("table", "row", "column", "value")

ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip can hold: no build time leaks in
ZIP_LEVEL = 6  # zlib's default, as zipfile uses
ZIP64_LIMIT = (1 << 31) - 1  # as zipfile: larger sizes and offsets get Zip64 records


@dataclass(frozen=True)
class CellColumn:
    """One cell column of a wide CSV: its header and where each format keeps the cell."""

    header: str  # official label path: 表题 / 行标签… / 列标签…
    cells: tuple[tuple[str, str, int], ...]  # (format version, "table.field", index)
    kind: str


def cell_header(table_title: str, row: tuple[str, ...], column: tuple[str, ...]) -> str:
    """The header of a cell column: the table title, row path and column path joined by `` / ``."""
    return " / ".join((table_title, *row, *column))


def format_columns(fmt: Format) -> list[tuple[str, str, int, str]]:
    """``(header, "table.field", index, kind)`` for every cell of ``fmt``, in table order."""
    out = []
    for table in fmt.tables:
        for f, i, path in table.cells():
            out.append((cell_header(path.table, path.row, path.column), f"{table.key}.{f.key}", i,
                        f.value_columns[i].kind.value))
    return out


def wide_columns(formats: Iterable[Format]) -> list[CellColumn]:
    """The union of the cell columns of ``formats``, newest format's order first.

    Cells with the same official label path in two versions (all of Table 2 and 3) share a column.
    """
    order: list[str] = []
    cells: dict[str, list[tuple[str, str, int]]] = {}
    kinds: dict[str, str] = {}
    for fmt in sorted(set(formats), key=lambda f: f.version, reverse=True):
        for header, key, index, kind in format_columns(fmt):
            if header not in cells:
                order.append(header)
                cells[header] = []
                kinds[header] = kind
            cells[header].append((fmt.version, key, index))
    return [CellColumn(h, tuple(cells[h]), kinds[h]) for h in order]


def year_csv(reports: list[Report]) -> bytes:
    """The wide CSV of one year's reports (UTF-8 with BOM)."""
    header, rows = year_csv_rows(reports)
    return header + b"".join(rows)


def year_csv_rows(reports: list[Report],
                  known: Callable[[Report], bytes | None] = lambda r: None) -> tuple[bytes, list[bytes]]:
    """:func:`year_csv` in parts: its header line and each report's row. A row ``known(report)``
    gives is taken as it is: the row the same report made last time, with the same columns (the
    year's formats), :func:`wide_columns`."""
    columns = wide_columns(r.format for r in reports) if reports else wide_columns(FORMATS.values())
    buf = io.StringIO()
    buf.write("\ufeff")
    csv.writer(buf, lineterminator="\n").writerow([c for c, _ in META_COLUMNS] + [c.header for c in columns])
    out = []
    # Issue 7: a row is its report's cells in format order (:func:`_cell_values`, encoded once per
    # distinct value), put in column order by one itemgetter per format version.
    pick: dict[str, Callable[[list], tuple]] = {}
    for r in reports:
        row = known(r)
        if row is not None:
            out.append(row)
            continue
        fmt = r.format
        picker = pick.get(fmt.version)
        if picker is None:
            picker = pick[fmt.version] = _column_picker(fmt, columns)
        cells = _encoded(picker(_cell_values(r, _compiled(fmt).groups)), _CSV_BYTES, _csv_cell)
        meta = _csv_fields(*(meta_text(r, key) for key in _META_COLUMN_KEYS))
        out.append(b",".join((meta.encode("utf-8"), *cells)) + b"\n")
    return buf.getvalue().encode("utf-8"), out


def _column_picker(fmt: Format, columns: list[CellColumn]) -> Callable[[list], tuple]:
    """Takes the cells of a ``fmt`` report (:func:`_cell_values`, plus one :data:`_MISSING` at the
    end) to the ``columns`` of a wide CSV; a column ``fmt`` has no cell for gets the missing one."""
    position = {}
    for n, (key, index, *_) in enumerate(_format_cells(fmt)):
        position.setdefault((key, index), n)
    absent = len(position)
    spots = []
    for c in columns:
        spot = next(((k, i) for v, k, i in c.cells if v == fmt.version), None)
        spots.append(absent if spot is None else position[spot])
    get = operator.itemgetter(*spots, absent)  # one more: a tuple even with one column
    return lambda cells: get([*cells, _MISSING])[:-1]


def report_csv(report: Report) -> bytes:
    """The long CSV of one report: exactly ``govsite export --bom`` of its file."""
    return _CSV_HEAD_BYTES + _long_csv(report, _cell_values(report, _compiled(report.format).groups))


def report_json(report: Report, url: str, diagnostics: list[Diagnostic]) -> bytes:
    """``report.json``: metadata, the check results, and the cells as ``govsite export`` gives them."""
    doc = {"schema": SCHEMA, "year": report.year, "agency": report.agency, "slug": report.slug,
           "url": url, **{m.key: meta_json(report, m.key) for m in META_KEYS}}
    doc.update({
        "checks": [{"severity": d.severity, "rule": d.rule, "line": d.line, "message": d.message}
                   for d in diagnostics],
        "cells": [],
    })
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    assert text.endswith('"cells":[]}')
    compiled = _compiled(report.format)
    cells = _encoded(_cell_values(report, compiled.groups), _JSON_BYTES, _json_cell)
    return text[:-2].encode("utf-8") + compiled.compact % cells + b"]}\n"


# --- Fast serialisation ---------------------------------------------------------------------------
#
# The long CSV/JSON of a report repeat, cell after cell, the same labels (fixed by the format) and
# the same metadata (fixed by the report); only the value changes. Issue 7: each format's files are
# compiled once into a bytes template (labels encoded and escaped, a placeholder byte where the
# report's metadata goes, ``%b`` where a value goes); a report's text is then one ``replace`` of the
# placeholder by its encoded metadata and one ``%`` of its encoded values, each distinct value
# encoded once per process. The text is byte for byte what ``govsite.export`` (csv.DictWriter,
# json.dumps) writes; ``tests/test_opendata_fast.py`` compares them.

_CSV_HEAD = to_csv([], bom=True)  # BOM and header line
_CSV_HEAD_BYTES = _CSV_HEAD.encode("utf-8")
_CSV_SPECIAL = frozenset(',"\r\n')  # what makes csv.writer quote a field (QUOTE_MINIMAL, "\n")
_META = b"\0"  # where a template takes the report's metadata (no label holds a NUL: checked)


def _csv_fields(*fields: object) -> str:
    """``fields`` as csv.writer writes them, without the line end."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(fields)
    return buf.getvalue()[:-1]


class _Missing:
    """The value of a cell whose whole field the report lacks: empty in CSV, ``null`` in JSON."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()


def _csv_value(v: object) -> str:
    if type(v) is int:
        return str(v)
    if v is None:
        return ""
    if isinstance(v, str):
        return v if _CSV_SPECIAL.isdisjoint(v) else _csv_fields(v)
    return str(v)


def _json_value(v: object) -> str:
    if type(v) is int:
        return str(v)
    if v is None:
        return "null"
    return json.dumps(v, ensure_ascii=False)


def _csv_cell(v: object) -> bytes:
    """A cell's value in a CSV row: a blank or missing cell is empty."""
    return b"" if v is _MISSING else _csv_value(v).encode("utf-8")


def _json_cell(v: object) -> bytes:
    """A cell's value in JSON: ``null`` for a missing cell, ``""`` for a blank one."""
    return b"null" if v is _MISSING else _json_value("" if v is None else v).encode("utf-8")


# Encoded values by value, per output (bounded: a few thousand distinct counts and amounts in
# practice). Only for the value types of the model: True == 1 and 1.0 == 1 would share an entry.
_CSV_BYTES: dict[object, bytes] = {}
_JSON_BYTES: dict[object, bytes] = {}
_PLAIN = frozenset((int, str, type(None), _Missing))
_TABLE_MAX = 100_000


def _encoded(cells: Sequence[object], table: dict[object, bytes],
             encode: Callable[[object], bytes]) -> tuple[bytes, ...]:
    """``cells`` encoded by ``encode``, each distinct value once (kept in ``table``)."""
    if not _PLAIN.issuperset(map(type, cells)):
        return tuple([encode(v) for v in cells])
    try:
        return tuple(map(table.__getitem__, cells))
    except KeyError:
        pass
    out = []
    for v in cells:
        b = table.get(v)
        if b is None:
            b = encode(v)
            if len(table) < _TABLE_MAX:
                table[v] = b
        out.append(b)
    return tuple(out)


_FORMAT_CELLS: dict[int, tuple[Format, list[tuple[str, int, str, str, str]]]] = {}


def _format_cells(fmt: Format) -> list[tuple[str, int, str, str, str]]:
    """Per cell of ``fmt``: ``("table.field", index, csv labels, long-JSON labels, compact-JSON labels)``."""
    hit = _FORMAT_CELLS.get(id(fmt))
    if hit is not None and hit[0] is fmt:
        return hit[1]
    out = []
    for table in fmt.tables:
        for f, i, path in table.cells():
            t, r, c = path.table, path.row_label(), path.column_label()
            dump = lambda s: json.dumps(s, ensure_ascii=False)  # noqa: E731
            out.append((f"{table.key}.{f.key}", i, _csv_fields(t, r, c),
                        f',\n  "table": {dump(t)},\n  "row": {dump(r)},\n  "column": {dump(c)},\n  "value": ',
                        f'{{"table":{dump(t)},"row":{dump(r)},"column":{dump(c)},"value":'))
    _FORMAT_CELLS[id(fmt)] = (fmt, out)
    return out


@dataclass(frozen=True)
class _Templates:
    """A format's open-data text compiled once (issue 7); see "Fast serialisation" above."""

    #: The cells' fields in order, runs of one field: (key, cell count, its indices; None for 0…n-1).
    groups: tuple[tuple[str, int, tuple[int, ...] | None], ...]
    csv: bytes  # long CSV rows: per cell, metadata, labels, value
    long_json: bytes  # long JSON objects, ``,\n``-joined
    compact: bytes  # the ``cells`` of report.json, without brackets


_TEMPLATES: dict[int, tuple[Format, _Templates]] = {}


def _compiled(fmt: Format) -> _Templates:
    """The :class:`_Templates` of ``fmt`` (made on first use)."""
    hit = _TEMPLATES.get(id(fmt))
    if hit is not None and hit[0] is fmt:
        return hit[1]
    runs: list[tuple[str, list[int]]] = []
    csv_rows, json_rows, compact = [], [], []
    for key, index, csv_labels, json_labels, compact_labels in _format_cells(fmt):
        if runs and runs[-1][0] == key:
            runs[-1][1].append(index)
        else:
            runs.append((key, [index]))
        csv_rows.append(_META + _template(csv_labels) + b",%b\n")
        json_rows.append(_META + _template(json_labels) + b"%b\n }")
        compact.append(_template(compact_labels) + b"%b}")
    groups = tuple((key, len(ix), None if ix == list(range(len(ix))) else tuple(ix)) for key, ix in runs)
    made = _Templates(groups, b"".join(csv_rows), b",\n".join(json_rows), b",".join(compact))
    _TEMPLATES[id(fmt)] = (fmt, made)
    return made


def _template(text: str) -> bytes:
    """Constant text as a piece of a ``%`` template."""
    raw = text.encode("utf-8")
    assert _META not in raw, text
    return raw.replace(b"%", b"%%")


def _cell_values(report: Report, groups: tuple[tuple[str, int, tuple[int, ...] | None], ...]) -> list:
    """The value of every cell of ``report`` in format order (:data:`_MISSING` where its field is
    absent), as the format's ``groups`` (:attr:`_Templates.groups`) read them."""
    out: list = []
    values = report.values
    for key, n, indices in groups:
        vals = values.get(key)
        if vals is None:
            out += [_MISSING] * n
        elif indices is None and len(vals) == n:
            out += vals
        else:
            out += [vals[i] for i in (range(n) if indices is None else indices)]
    return out


def _with_meta(template: bytes, meta: str) -> bytes:
    """``template`` with the report's metadata text in every row."""
    return template.replace(_META, meta.encode("utf-8").replace(b"%", b"%%"))


def _long_csv(report: Report, cells: list) -> bytes:
    """The long CSV rows (no header) of ``report``, from its :func:`_cell_values`."""
    meta = _csv_fields(report.year, report.agency, report.slug, report.format.version) + ","
    return _with_meta(_compiled(report.format).csv, meta) % _encoded(cells, _CSV_BYTES, _csv_cell)


def _long_json(report: Report, cells: list) -> bytes:
    """The long JSON objects of ``report`` (``,\\n``-joined, as elements of ``govsite export
    --format json``'s array), from its :func:`_cell_values`."""
    dump = lambda v: json.dumps(v, ensure_ascii=False)  # noqa: E731
    meta = (f' {{\n  "year": {json.dumps(report.year)},\n  "agency": {dump(report.agency)}'
            f',\n  "slug": {dump(report.slug)},\n  "format": {dump(report.format.version)}')
    return _with_meta(_compiled(report.format).long_json, meta) % _encoded(cells, _JSON_BYTES, _json_cell)


class _Deflater:
    """A raw deflate stream made of separately compressed pieces.

    Each piece is compressed on its own and ends on a byte boundary (``Z_SYNC_FLUSH``), so the
    stream is the concatenation of the pieces' compressed forms whatever came before them (and a
    piece could be compressed once and reused). The compressed stream goes to an unlinked temporary
    file, not to memory: at 100,000 reports the long files compress to ~400 MB (issue 7).
    """

    def __init__(self) -> None:
        self.file: BinaryIO = tempfile.TemporaryFile(prefix="govsite-zip-")
        self.crc = self.size = self.csize = 0

    def add(self, data: bytes) -> None:
        if not data:
            return
        c = zlib.compressobj(ZIP_LEVEL, zlib.DEFLATED, -15)
        out = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        self.csize += len(out)
        self.file.write(out)

    def add_compressed(self, piece: "Piece") -> None:
        """A piece compressed earlier (by :func:`compress`): taken as it is."""
        data, crc, size = piece
        if not size:
            return
        self.crc = _crc32_combine(self.crc, crc, size)
        self.size += size
        self.csize += len(data)
        self.file.write(data)

    def close(self) -> tuple[BinaryIO, int, int, int]:
        """(the compressed stream, rewound; CRC-32, size, compressed size), ended by a final empty
        block."""
        end = zlib.compressobj(ZIP_LEVEL, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
        self.file.write(end)
        self.csize += len(end)
        self.file.seek(0)
        return self.file, self.crc, self.size, self.csize


#: A zip member compressed ahead (:func:`deflated`): the stream of its deflated bytes, CRC-32, size
#: and compressed size.
Deflated = tuple[BinaryIO, int, int, int]


def _deflate(*pieces: bytes) -> Deflated:
    d = _Deflater()
    for p in pieces:
        d.add(p)
    return d.close()


def deflated(data: bytes) -> Deflated:
    """``data`` compressed for the archive now, into a temporary file: a yearly CSV can then be
    let go instead of held until the archive is written (issue 7: the seven of 100,000 reports were
    ~100 MB in the worker writing the archive)."""
    return _deflate(data)


def stored_form(member: Deflated) -> "Piece":
    """A member compressed ahead as bytes to keep (its stream is read and rewound)."""
    stream, crc, size, _ = member
    data = stream.read()
    stream.seek(0)
    return data, crc, size


def from_stored(piece: "Piece") -> Deflated:
    """The member :func:`stored_form` kept: the same bytes in the archive as the original."""
    data, crc, size = piece
    return io.BytesIO(data), crc, size, len(data)


def _zip(members: list[tuple[str, tuple[BinaryIO, int, int, int]]], out: BinaryIO) -> int:
    """Write a zip of deflated ``members`` (name, ``_deflate`` result; their streams are copied and
    closed) to ``out``; returns its size. Deterministic: fixed date, Unix permissions 0644, no extra
    data; Zip64 records only where a size or offset needs them."""
    dos_date = (ZIP_DATE[0] - 1980) << 9 | ZIP_DATE[1] << 5 | ZIP_DATE[2]
    dos_time = ZIP_DATE[3] << 11 | ZIP_DATE[4] << 5 | ZIP_DATE[5] // 2
    central: list[bytes] = []
    offset = 0
    for name, (stream, crc, size, csize) in members:
        raw = name.encode("utf-8")
        flags = 0 if raw.isascii() else 0x800
        big = size > ZIP64_LIMIT or csize > ZIP64_LIMIT
        local_extra = struct.pack("<HHQQ", 1, 16, size, csize) if big else b""
        version = 45 if big or offset > ZIP64_LIMIT else 20
        sizes = (0xFFFFFFFF, 0xFFFFFFFF) if big else (csize, size)
        header = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", version, flags, zipfile.ZIP_DEFLATED, dos_time,
                             dos_date, crc, *sizes, len(raw), len(local_extra)) + raw + local_extra
        cd_fields = ([size, csize] if big else []) + ([offset] if offset > ZIP64_LIMIT else [])
        cd_extra = struct.pack(f"<HH{len(cd_fields)}Q", 1, 8 * len(cd_fields), *cd_fields) if cd_fields else b""
        central.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 3 << 8 | version, version, flags,
                                   zipfile.ZIP_DEFLATED, dos_time, dos_date, crc, *sizes, len(raw), len(cd_extra),
                                   0, 0, 0, 0o644 << 16, min(offset, 0xFFFFFFFF) if offset <= ZIP64_LIMIT
                                   else 0xFFFFFFFF) + raw + cd_extra)
        out.write(header)
        with stream:
            shutil.copyfileobj(stream, out, 1 << 20)
        offset += len(header) + csize
    cd = b"".join(central)
    n = len(members)
    tail = b""
    if offset > ZIP64_LIMIT or len(cd) > ZIP64_LIMIT or n > 0xFFFF:
        tail = struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 3 << 8 | 45, 45, 0, 0, n, n, len(cd), offset)
        tail += struct.pack("<4sIQI", b"PK\x06\x07", 0, offset + len(cd), 1)
    small = lambda v, limit: v if v <= limit else limit  # noqa: E731
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, small(n, 0xFFFF), small(n, 0xFFFF),
                      small(len(cd), 0xFFFFFFFF) if len(cd) <= ZIP64_LIMIT else 0xFFFFFFFF,
                      offset if offset <= ZIP64_LIMIT else 0xFFFFFFFF, 0)
    out.write(cd + tail + end)
    return offset + len(cd) + len(tail) + len(end)


#: A compressed piece of a long file: (raw deflate ending on a byte boundary, CRC-32, size).
Piece = tuple[bytes, int, int]
EMPTY_PIECE: Piece = (b"", 0, 0)


def compress(data: bytes) -> Piece:
    """``data`` as a piece of a :class:`_Deflater` stream."""
    if not data:
        return EMPTY_PIECE
    c = zlib.compressobj(ZIP_LEVEL, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH), zlib.crc32(data), len(data)


def _crc32_combine(crc1: int, crc2: int, size2: int) -> int:
    """The CRC-32 of A + B from those of A and B (``len(B) == size2``): zlib's ``crc32_combine``
    from the zlib library Python's own module is linked with (issue 7: ~1 µs instead of ~8 µs, for
    each of the 20,000 pieces of a 10,000-report archive), else :func:`_crc32_combine_py`."""
    combine = _ZLIB_COMBINE[0] if _ZLIB_COMBINE else _load_zlib_combine()
    return combine(crc1, crc2, size2)


_ZLIB_COMBINE: list[Callable[[int, int, int], int]] = []


def _load_zlib_combine() -> Callable[[int, int, int], int]:
    """zlib's ``crc32_combine`` through ctypes, checked on a known case; the Python one otherwise."""
    combine: Callable[[int, int, int], int] = _crc32_combine_py
    try:
        import ctypes

        lib = ctypes.CDLL("libz.so.1")
        fn = lib.crc32_combine
        fn.restype, fn.argtypes = ctypes.c_ulong, (ctypes.c_ulong, ctypes.c_ulong, ctypes.c_long)
        a, b = b"govsite ", "年度报告".encode("utf-8") * 3
        if fn(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b):
            combine = fn
    except (OSError, AttributeError):  # no such library (another platform): the Python one
        pass
    _ZLIB_COMBINE.append(combine)
    return combine


def _crc32_combine_py(crc1: int, crc2: int, size2: int) -> int:
    """:func:`_crc32_combine` in Python.

    CRC-32 is affine in its start value: crc(B, c) = crc(B, 0) ^ crc(0…0, c) ^ crc(0…0, 0) with as
    many zero bytes as B has, and the last two terms are M(c), M the linear map "feed n zero bytes
    to the CRC register". M is applied as a product of the maps for the powers of two in n, each
    kept as four byte tables (:func:`_zeros_map`): a few lookups instead of hashing n zero bytes
    twice (issue 7: that was most of worker 0's time writing the archive from stored pieces).
    """
    k = 0
    while size2:
        if size2 & 1:
            t0, t1, t2, t3 = _zeros_map(k)
            crc1 = t0[crc1 & 0xFF] ^ t1[crc1 >> 8 & 0xFF] ^ t2[crc1 >> 16 & 0xFF] ^ t3[crc1 >> 24]
        size2 >>= 1
        k += 1
    return crc2 ^ crc1


#: For each k, the map "feed 2**k zero bytes to the CRC-32 register" as four tables: the image of
#: each value of one byte of the register (low byte first); the image of a register is the XOR.
_ZEROS_MAPS: list[tuple[tuple[int, ...], ...]] = []


def _zeros_map(k: int) -> tuple[tuple[int, ...], ...]:
    """The tables of "feed 2**k zero bytes" (:data:`_ZEROS_MAPS`), made up to ``k`` on first use."""
    while len(_ZEROS_MAPS) <= k:
        if _ZEROS_MAPS:  # twice the previous map
            t0, t1, t2, t3 = _ZEROS_MAPS[-1]
            once = [t0[c & 0xFF] ^ t1[c >> 8 & 0xFF] ^ t2[c >> 16 & 0xFF] ^ t3[c >> 24]
                    for c in (1 << j for j in range(32))]
            images = [t0[c & 0xFF] ^ t1[c >> 8 & 0xFF] ^ t2[c >> 16 & 0xFF] ^ t3[c >> 24] for c in once]
        else:  # one zero byte, from zlib: crc32(b"\0", c) = ~M(~c)
            images = [zlib.crc32(b"\0", (1 << j) ^ 0xFFFFFFFF) ^ 0xFFFFFFFF for j in range(32)]
        tables = []
        for byte in range(4):
            bits = images[8 * byte:8 * byte + 8]
            table = [0] * 256
            for v in range(1, 256):
                low = v & -v
                table[v] = table[v ^ low] ^ bits[low.bit_length() - 1]
            tables.append(tuple(table))
        _ZEROS_MAPS.append(tuple(tables))
    return _ZEROS_MAPS[k]


def report_pieces(report: Report) -> tuple[Piece, Piece]:
    """The compressed long CSV rows of ``report`` and its long JSON objects preceded by ``,\\n``:
    what it adds to ``all.csv`` and (after the first report) to ``all.json``."""
    cells = _cell_values(report, _compiled(report.format).groups)
    return _pieces(report, cells, _long_csv(report, cells))


def report_csv_and_pieces(report: Report) -> tuple[bytes, tuple[Piece, Piece]]:
    """:func:`report_csv` and :func:`report_pieces` of ``report``, its CSV rows made once for both:
    the build makes a report's archive pieces where it writes its ``report.csv`` (issue 7)."""
    cells = _cell_values(report, _compiled(report.format).groups)
    rows = _long_csv(report, cells)
    return _CSV_HEAD_BYTES + rows, _pieces(report, cells, rows)


def _pieces(report: Report, cells: list, rows: bytes) -> tuple[Piece, Piece]:
    objects = _long_json(report, cells)
    return compress(rows), compress(b",\n" + objects) if objects else EMPTY_PIECE


class PieceStore:
    """The compressed pieces of the reports (:func:`report_pieces`) kept between builds, by a key
    naming everything they are made from, in an SQLite file of the build cache.

    A one-report edit then compresses one report, not the archive. Entries no build used are
    dropped when the store is closed. Several processes may use it at once (one connection each):
    the build's workers store the pieces of the reports they write, worker 0 reads them
    (issue 7). New pieces are written ``batch`` at a time.
    """

    def __init__(self, path: Path, batch: int = 500) -> None:
        self.path = path
        self.batch = batch
        self.db: sqlite3.Connection | None = None  # None: no store, every piece is made again
        self.used: set[str] = set()
        self.new: dict[str, tuple[Piece, Piece]] = {}  # put, not written yet
        try:
            self.db = self._open()
        except sqlite3.OperationalError:
            pass  # locked or not openable: no store here, and another process's is not deleted
        except sqlite3.DatabaseError:  # not a database: made again
            path.unlink(missing_ok=True)
            try:
                self.db = self._open()
            except sqlite3.DatabaseError:
                pass

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS pieces (key TEXT PRIMARY KEY, csv BLOB, csv_crc INT, csv_size INT,"
                   " json BLOB, json_crc INT, json_size INT)")
        return db

    def get(self, keys: list[str]) -> dict[str, tuple[Piece, Piece]]:
        """The stored pieces of those ``keys`` that are stored."""
        out: dict[str, tuple[Piece, Piece]] = {}
        if self.db is None:
            return out
        self.used.update(keys)
        for key in keys:
            if key in self.new:  # put by this process, not written yet
                out[key] = self.new[key]
        keys = [k for k in keys if k not in out] if out else keys
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            q = f"SELECT * FROM pieces WHERE key IN ({','.join('?' * len(chunk))})"
            for key, c, cc, cs, j, jc, js in self.db.execute(q, chunk):
                out[key] = ((c, cc, cs), (j, jc, js))
        return out

    def keep(self, keys: list[str]) -> None:
        """Keep the pieces at ``keys`` for the next build without reading them."""
        if self.db is not None:
            self.used.update(keys)

    def put(self, key: str, pieces: tuple[Piece, Piece]) -> None:
        """Store the pieces of ``key``: in the database once ``batch`` are waiting, or at
        :meth:`close` (this process's :meth:`get` finds them before)."""
        if self.db is None:
            return
        self.used.add(key)
        self.new[key] = pieces
        if len(self.new) >= self.batch:
            self._flush()

    def flush(self) -> None:
        """Write what :meth:`put` holds now (a large piece need not wait for the batch)."""
        self._flush()

    def _flush(self) -> None:
        if self.db is not None and self.new:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("INSERT OR REPLACE INTO pieces VALUES (?,?,?,?,?,?,?)",
                                [(k, *c, *j) for k, (c, j) in self.new.items()])
            self.db.execute("COMMIT")
        self.new = {}

    def close(self, prune: bool = True) -> None:
        """Store what is new and, with ``prune``, forget what this build did not use (only the
        process that read every report's pieces may prune)."""
        if self.db is None:
            return
        try:
            self._flush()
            if not prune:
                return
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("CREATE TEMP TABLE keep (key TEXT PRIMARY KEY)")
            self.db.executemany("INSERT INTO keep VALUES (?)", [(k,) for k in self.used])
            self.db.execute("DELETE FROM pieces WHERE key NOT IN (SELECT key FROM keep)")
            self.db.execute("DROP TABLE keep")
            self.db.execute("COMMIT")
        finally:
            self.db.close()
            self.db = None


def archive(readme: str, year_files: dict[str, bytes], reports: list[Report],
            store: PieceStore | None = None, key_of: Callable[[Report], str | None] = lambda r: None) -> bytes:
    """:func:`write_archive` into memory (small archives, tests)."""
    buf = io.BytesIO()
    write_archive(buf, readme, year_files, reports, store, key_of)
    return buf.getvalue()


def write_archive(out: BinaryIO, readme: str, year_files: dict[str, bytes | Deflated], reports: list[Report],
                  store: PieceStore | None = None, key_of: Callable[[Report], str | None] = lambda r: None) -> int:
    """The whole-archive zip: README, the yearly CSVs (their bytes, or :func:`deflated`), and all
    cells in long CSV and JSON.

    The long files are compressed report by report into temporary files and the zip is written to
    ``out`` (returns its size), so memory holds neither the text of every cell nor the compressed
    archive (issue 7: ~400 MB at 100,000 reports); each report's text is made once for both. With a
    ``store``, a report whose key (``key_of``) is stored is not serialised or compressed again;
    the bytes are the same either way.
    """
    csv_z, json_z = _Deflater(), _Deflater()
    csv_z.add(_CSV_HEAD.encode("utf-8"))
    json_z.add(b"[")
    first = True
    for start in range(0, len(reports), ARCHIVE_BLOCK):
        batch = reports[start:start + ARCHIVE_BLOCK]
        keys = [key_of(r) for r in batch] if store is not None else [None] * len(batch)
        # A block of reports none of which changed is taken whole, as the last build joined it
        # (issue 7: fetching and joining each report's pieces was ~0.2 s of a cell edit at 10k).
        block_key = _block_key(keys, first) if store is not None and all(keys) else None
        block = store.get([block_key]).get(block_key) if store is not None and block_key else None
        if store is not None and block is not None:
            store.keep(keys)  # the reports' own pieces stay for when the block changes
            csv_z.add_compressed(block[0])
            json_z.add_compressed(block[1])
            first = first and not block[1][2]
            continue
        csv_block, json_block = _Joined(), _Joined()
        stored = store.get([k for k in keys if k]) if store is not None else {}
        for r, key in zip(batch, keys):
            pieces = stored.get(key) if key else None
            if pieces is None and key:
                # Another worker may have stored it since the batch was read (issue 7): look again
                # before making it here.
                pieces = store.get([key]).get(key)
            if pieces is None:
                pieces = report_pieces(r)
                if store is not None and key:
                    store.put(key, pieces)
            csv_z.add_compressed(pieces[0])
            csv_block.add(pieces[0])
            if pieces[1][2]:
                if first:  # the first object of the array follows "[" without a comma
                    piece = _first_piece(r, key and f"{key}:first", store)
                    first = False
                else:
                    piece = pieces[1]
                json_z.add_compressed(piece)
                json_block.add(piece)
        if store is not None and block_key:
            store.put(block_key, (csv_block.piece(), json_block.piece()))
            store.flush()  # ~2 MB a block: not held until the batch is full
    json_z.add(b"]\n" if first else b"\n]\n")
    members = [("README.txt", _deflate(readme.encode("utf-8")))]
    members += [(name, data if isinstance(data, tuple) else _deflate(data))
                for name, data in sorted(year_files.items())]
    members += [("all.csv", csv_z.close()), ("all.json", json_z.close())]
    return _zip(members, out)


#: Reports per block of the archive's long files kept joined (see :func:`write_archive`).
ARCHIVE_BLOCK = 500


def _block_key(keys: list[str | None], first: bool) -> str:
    """The key of a block of the archive made of the pieces at ``keys`` (``first``: the block's
    first JSON object opens the array)."""
    h = hashlib.blake2b("\0".join(keys).encode("utf-8", "surrogateescape"), digest_size=16)  # type: ignore[arg-type]
    return f"block:{int(first)}:{h.hexdigest()}"


class _Joined:
    """Pieces joined into one (a block of the archive): their bytes, CRC-32 and size."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.crc = self.size = 0

    def add(self, piece: "Piece") -> None:
        data, crc, size = piece
        if size:
            self.parts.append(data)
            self.crc = _crc32_combine(self.crc, crc, size)
            self.size += size

    def piece(self) -> "Piece":
        return b"".join(self.parts), self.crc, self.size


def _first_piece(report: Report, key: str | None, store: PieceStore | None) -> "Piece":
    """The archive's first JSON object (after ``[``, without a comma), kept in ``store`` at ``key``
    like the other pieces: a build after an edit elsewhere need not read the first report's cells."""
    if store is not None and key:
        stored = store.get([key]).get(key)
        if stored is not None:
            return stored[1]
    piece = compress(b"\n" + _long_json(report, _cell_values(report, _compiled(report.format).groups)))
    if store is not None and key:
        store.put(key, (EMPTY_PIECE, piece))
    return piece


def readme_text(site_title: str, years: dict[int, int], report_count: int) -> str:
    """The README of the archive: what each file holds and how its columns read."""
    lines = [
        f"{site_title} · 开放数据",
        "",
        f"共 {report_count} 份报告。" + "；".join(f"{y} 年度 {n} 份" for y, n in sorted(years.items())),
        "",
        "文件：",
        "  all.csv   全部报告的全部表格单元格，长表格式，一行一个单元格（UTF-8 带 BOM）",
        "  all.json  同上，JSON 数组",
        "  <年度>.csv 该年度每份报告一行、每个单元格一列（宽表，UTF-8 带 BOM）",
        "",
        "长表列：",
    ]
    lines += [f"  {c}：{d}" for c, d in LONG_COLUMNS]
    lines += ["", "宽表的元数据列："]
    lines += [f"  {c}：{d}" for c, d in META_COLUMNS]
    lines += ["  其后每列为一个单元格，列名为官方表题、行标签路径、列标签路径，以 / 连接。", ""]
    lines += ["格式版本："]
    lines += [f"  {f.version}：《{f.name}》（{f.document}），适用于 {f.years[0]} 年度"
              + (f"至 {f.years[1]} 年度" if f.years[1] else "及以后") + "的报告" for f in FORMATS.values()]
    return "\n".join(lines) + "\n"
