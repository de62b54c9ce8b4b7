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
import io
import json
import sqlite3
import struct
import shutil
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterable

from .diagnostics import Diagnostic
from .export import COLUMNS, to_csv
from .formats import FORMATS, Format
from .model import Report

SCHEMA = "govsite-report/1"

#: Metadata columns of a yearly CSV, before the cells: (column, Chinese meaning).
META_COLUMNS: tuple[tuple[str, str], ...] = (
    ("year", "报告年度"),
    ("agency", "机关全称"),
    ("slug", "网址标识（文件名）"),
    ("format", "报告格式版本（2019 或 2021）"),
    ("region", "行政区划，各级以 / 分隔"),
    ("level", "机关层级"),
    ("published", "发布日期（YYYY-MM-DD，未知则为空）"),
)

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
    columns = wide_columns(r.format for r in reports) if reports else wide_columns(FORMATS.values())
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([c for c, _ in META_COLUMNS] + [c.header for c in columns])
    where: dict[str, list[tuple[str, int] | None]] = {}  # format version → per column (key, index)
    for r in reports:
        version = r.format.version
        spots = where.get(version)
        if spots is None:
            spots = where[version] = [next(((k, i) for v, k, i in c.cells if v == version), None) for c in columns]
        values = r.values
        cells = []
        for spot in spots:
            vals = None if spot is None else values.get(spot[0])
            v = None if vals is None else vals[spot[1]]
            cells.append("" if v is None else str(v))
        meta = [r.year, r.agency, r.slug, version, " / ".join(r.region), r.level,
                r.published.isoformat() if r.published else ""]
        w.writerow(meta + cells)
    return buf.getvalue().encode("utf-8")


def report_csv(report: Report) -> bytes:
    """The long CSV of one report: exactly ``govsite export --bom`` of its file."""
    return (_CSV_HEAD + _long_pieces(report, json_too=False)[0]).encode("utf-8")


def report_json(report: Report, url: str, diagnostics: list[Diagnostic]) -> bytes:
    """``report.json``: metadata, the check results, and the cells as ``govsite export`` gives them."""
    doc = {
        "schema": SCHEMA,
        "year": report.year,
        "agency": report.agency,
        "slug": report.slug,
        "title": report.title,
        "url": url,
        "format": {"version": report.format.version, "document": report.format.document,
                   "name": report.format.name},
        "region": list(report.region),
        "level": report.level,
        "published": report.published.isoformat() if report.published else None,
        "source_url": report.source_url,
        "index_no": report.index_no,
        "doc_no": report.doc_no,
        "missing": list(report.missing),
        "checks": [{"severity": d.severity, "rule": d.rule, "line": d.line, "message": d.message}
                   for d in diagnostics],
        "cells": [],
    }
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    assert text.endswith('"cells":[]}')
    return (text[:-2] + _compact_cells(report) + "]}\n").encode("utf-8")


# --- Fast serialisation ---------------------------------------------------------------------------
#
# The long CSV/JSON of a report repeat, cell after cell, the same labels (fixed by the format) and
# the same metadata (fixed by the report): they are encoded once — the labels once per format, the
# metadata once per report — and only the value is encoded per cell. The text is byte for byte what
# ``govsite.export`` (csv.DictWriter, json.dumps) writes; ``tests/test_opendata_fast.py`` compares them.

_CSV_HEAD = to_csv([], bom=True)  # BOM and header line
_CSV_SPECIAL = frozenset(',"\r\n')  # what makes csv.writer quote a field (QUOTE_MINIMAL, "\n")


def _csv_fields(*fields: object) -> str:
    """``fields`` as csv.writer writes them, without the line end."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(fields)
    return buf.getvalue()[:-1]


def _csv_value(v: object) -> str:
    if type(v) is int:
        return str(v)
    if v is None:
        return ""
    if isinstance(v, str):
        return v if _CSV_SPECIAL.isdisjoint(v) else _csv_fields(v)
    return str(v)


_JSON_STRINGS: dict[str, str] = {}  # decimal strings repeat: encode each once (bounded)


def _json_value(v: object) -> str:
    if type(v) is int:
        return str(v)
    if v is None:
        return "null"
    if type(v) is str:
        s = _JSON_STRINGS.get(v)
        if s is None:
            s = json.dumps(v, ensure_ascii=False)
            if len(_JSON_STRINGS) < 100_000:
                _JSON_STRINGS[v] = s
        return s
    return json.dumps(v, ensure_ascii=False)


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


def _long_pieces(report: Report, json_too: bool = True) -> tuple[str, str]:
    """The long CSV rows (no header) and the long JSON objects (``,\\n``-joined, as elements of
    ``govsite export --format json``'s array; empty unless ``json_too``) of ``report``'s cells."""
    fmt = report.format.version
    csv_meta = _csv_fields(report.year, report.agency, report.slug, fmt) + ","
    json_meta = (f' {{\n  "year": {json.dumps(report.year)},\n  "agency": {json.dumps(report.agency, ensure_ascii=False)}'
                 f',\n  "slug": {json.dumps(report.slug, ensure_ascii=False)},\n  "format": {json.dumps(fmt, ensure_ascii=False)}')
    csv_rows = []
    json_rows = []
    values = report.values
    for key, index, csv_labels, json_labels, _ in _format_cells(report.format):
        vals = values.get(key)
        if vals is None:
            csv_rows.append(f"{csv_meta}{csv_labels},\n")
            json_too and json_rows.append(f"{json_meta}{json_labels}null\n }}")
            continue
        v = vals[index]
        if type(v) is int:
            text = str(v)
            csv_rows.append(f"{csv_meta}{csv_labels},{text}\n")
            json_too and json_rows.append(f"{json_meta}{json_labels}{text}\n }}")
        else:
            v = "" if v is None else v
            csv_rows.append(f"{csv_meta}{csv_labels},{_csv_value(v)}\n")
            json_too and json_rows.append(f"{json_meta}{json_labels}{_json_value(v)}\n }}")
    return "".join(csv_rows), ",\n".join(json_rows)


def _compact_cells(report: Report) -> str:
    """The ``cells`` array of ``report.json`` without its brackets."""
    # One loop, counts written inline (as in _long_pieces): ~250 cells per report (issue 7).
    values = report.values
    out = []
    append = out.append
    for key, index, _, _, labels in _format_cells(report.format):
        vals = values.get(key)
        if vals is None:
            append(f"{labels}null}}")
            continue
        v = vals[index]
        if type(v) is int:
            append(f"{labels}{v}}}")
        else:
            append(f"{labels}{_json_value('' if v is None else v)}}}")
    return ",".join(out)


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


def _deflate(*pieces: bytes) -> tuple[BinaryIO, int, int, int]:
    d = _Deflater()
    for p in pieces:
        d.add(p)
    return d.close()


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
_EMPTY: Piece = (b"", 0, 0)


def compress(data: bytes) -> Piece:
    """``data`` as a piece of a :class:`_Deflater` stream."""
    if not data:
        return _EMPTY
    c = zlib.compressobj(ZIP_LEVEL, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH), zlib.crc32(data), len(data)


_ZEROS = bytes(1 << 16)


def _crc32_combine(crc1: int, crc2: int, size2: int) -> int:
    """The CRC-32 of A + B from those of A and B (``len(B) == size2``).

    CRC-32 is affine in its start value: crc(B, c) = crc(B, 0) ^ crc(0…0, c) ^ crc(0…0, 0) with as
    many zero bytes as B has; zlib hashes zeros at memory speed.
    """
    global _ZEROS
    if len(_ZEROS) < size2:
        _ZEROS = bytes(size2)
    zeros = memoryview(_ZEROS)[:size2]
    return crc2 ^ zlib.crc32(zeros, crc1) ^ zlib.crc32(zeros, 0)


def report_pieces(report: Report) -> tuple[Piece, Piece]:
    """The compressed long CSV rows of ``report`` and its long JSON objects preceded by ``,\\n``:
    what it adds to ``all.csv`` and (after the first report) to ``all.json``."""
    rows, objects = _long_pieces(report)
    return compress(rows.encode("utf-8")), compress((",\n" + objects).encode("utf-8")) if objects else _EMPTY


class PieceStore:
    """The compressed pieces of the reports (:func:`report_pieces`) kept between builds, by a key
    naming everything they are made from, in an SQLite file of the build cache.

    A one-report edit then compresses one report, not the archive. Entries no build used are
    dropped when the store is closed.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db: sqlite3.Connection | None = None
        try:
            self.db = self._open()
        except sqlite3.DatabaseError:
            path.unlink(missing_ok=True)
            try:
                self.db = self._open()
            except sqlite3.DatabaseError:
                self.db = None  # no store: every piece is made again
        self.used: set[str] = set()
        self.new: list[tuple] = []

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
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            q = f"SELECT * FROM pieces WHERE key IN ({','.join('?' * len(chunk))})"
            for key, c, cc, cs, j, jc, js in self.db.execute(q, chunk):
                out[key] = ((c, cc, cs), (j, jc, js))
        return out

    def put(self, key: str, pieces: tuple[Piece, Piece]) -> None:
        self.used.add(key)
        self.new.append((key, *pieces[0], *pieces[1]))
        if len(self.new) >= 500:
            self._flush()

    def _flush(self) -> None:
        if self.db is not None and self.new:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("INSERT OR REPLACE INTO pieces VALUES (?,?,?,?,?,?,?)", self.new)
            self.db.execute("COMMIT")
        self.new = []

    def close(self) -> None:
        """Store what is new, forget what this build did not use."""
        if self.db is None:
            return
        try:
            self._flush()
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


def write_archive(out: BinaryIO, readme: str, year_files: dict[str, bytes], reports: list[Report],
                  store: PieceStore | None = None, key_of: Callable[[Report], str | None] = lambda r: None) -> int:
    """The whole-archive zip: README, the yearly CSVs, and all cells in long CSV and JSON.

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
    for start in range(0, len(reports), 500):
        batch = reports[start:start + 500]
        keys = [key_of(r) for r in batch] if store is not None else [None] * len(batch)
        stored = store.get([k for k in keys if k]) if store is not None else {}
        for r, key in zip(batch, keys):
            pieces = stored.get(key) if key else None
            if pieces is None:
                pieces = report_pieces(r)
                if store is not None and key:
                    store.put(key, pieces)
            csv_z.add_compressed(pieces[0])
            if pieces[1][2]:
                if first:  # the first object of the array follows "[" without a comma
                    json_z.add(("\n" + _long_pieces(r)[1]).encode("utf-8"))
                    first = False
                else:
                    json_z.add_compressed(pieces[1])
    json_z.add(b"]\n" if first else b"\n]\n")
    members = [("README.txt", _deflate(readme.encode("utf-8")))]
    members += [(name, _deflate(year_files[name])) for name in sorted(year_files)]
    members += [("all.csv", csv_z.close()), ("all.json", json_z.close())]
    return _zip(members, out)


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
