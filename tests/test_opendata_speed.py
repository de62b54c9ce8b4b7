"""Issue 7: the open data made from per-format templates, and the archive's pieces made by the
worker that writes each ``report.csv``, are byte for byte what they were.

The references here are the straightforward forms: ``govsite export`` (csv.DictWriter, json.dumps)
for the long files, csv.writer row by row for the yearly wide CSV.
"""

from __future__ import annotations

import copy
import csv
import io
import shutil
import sqlite3
import zipfile
import zlib
from collections import Counter
from pathlib import Path

import pytest

from govsite import opendata
from govsite.build import _owner, build, load_site
from govsite.cache import CACHE_DIR
from govsite.export import to_csv, to_json
from govsite.render import report_order

from test_cache import tree
from test_cache import corpus, site  # noqa: F401
from test_opendata_fast import reference_json, reports  # noqa: F401


def reference_year_csv(rs: list) -> bytes:
    """The wide CSV written the plain way: csv.writer, one cell at a time."""
    columns = opendata.wide_columns(r.format for r in rs)
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([c for c, _ in opendata.META_COLUMNS] + [c.header for c in columns])
    for r in rs:
        version = r.format.version
        cells = []
        for c in columns:
            spot = next(((k, i) for v, k, i in c.cells if v == version), None)
            vals = None if spot is None else r.values.get(spot[0])
            v = None if vals is None else vals[spot[1]]
            cells.append("" if v is None else str(v))
        w.writerow([r.year, r.agency, r.slug, version, " / ".join(r.region), r.level,
                    r.published.isoformat() if r.published else ""] + cells)
    return buf.getvalue().encode("utf-8")


@pytest.fixture(scope="module")
def unusual(reports):  # noqa: F811
    """Reports whose text and values the templates must not mistake for their own syntax."""
    a = copy.deepcopy(reports[1])
    a.agency, a.slug, a.level = "100%局 %s %b", "pct%d", "县级部门,\"其他\""
    a.region = ("省", "市,区")
    key, other = list(a.values)[:2]
    a.values[key] = ["%s", "x\x00y", "", 'q"q', "1\r\n2", "3.50元"] + list(a.values[key][6:])
    # Values of types the model does not produce take the slow, per-value way, with the same bytes.
    a.values[other] = [True, 2.5, -7, 10**30] + list(a.values[other][4:])
    b = copy.deepcopy(reports[2])  # every field of a table missing
    for k in [k for k in b.values if k.startswith(next(iter(b.values)).partition(".")[0] + ".")]:
        del b.values[k]
    return [a, b]


def test_long_files_equal_the_export(reports, unusual):  # noqa: F811
    for r in [*reports, *unusual]:
        assert opendata.report_csv(r) == to_csv([r], bom=True).encode("utf-8"), r.path
        assert opendata.report_json(r, "/x/", []) == reference_json(r, "/x/", []), r.path
        data, pieces = opendata.report_csv_and_pieces(r)
        assert data == opendata.report_csv(r)
        assert pieces == opendata.report_pieces(r)
    every = [*reports, *unusual]
    zf = zipfile.ZipFile(io.BytesIO(opendata.archive("r\n", {}, every)))
    assert zf.read("all.csv").decode("utf-8") == to_csv(every, bom=True)
    assert zf.read("all.json").decode("utf-8") == to_json(every) + "\n"


def test_year_csv_equals_csv_writer(reports, unusual, corpus):  # noqa: F811
    generated = sorted(load_site(corpus).reports, key=report_order)
    assert len({r.format.version for r in generated}) > 1  # mixed: columns a version lacks are empty
    for rs in (reports, unusual, reports[:1], generated, [*unusual, *generated]):
        assert opendata.year_csv(rs) == reference_year_csv(rs)
    assert opendata.year_csv([]).startswith("\ufeffyear,".encode("utf-8"))


def test_encoded_values_are_not_confused_across_types() -> None:
    # True == 1 and 1.0 == 1: a table of encoded values keyed by value must not serve them.
    assert opendata._encoded([1, True, 1.0], opendata._CSV_BYTES, opendata._csv_cell) == (b"1", b"True", b"1.0")
    assert opendata._encoded([1, True, None, opendata._MISSING, "a"], opendata._JSON_BYTES,
                             opendata._json_cell) == (b"1", b"true", b'""', b"null", b'"a"')


def test_piece_store_shared_between_processes(tmp_path: Path) -> None:
    path = tmp_path / "pieces.sqlite"
    piece = lambda n: (opendata.compress(b"csv%d" % n), opendata.compress(b"json%d" % n))  # noqa: E731
    reader, writer = opendata.PieceStore(path), opendata.PieceStore(path, batch=2)
    reader.put("old", piece(0))
    reader.close()  # nothing used it but itself: kept
    reader = opendata.PieceStore(path)
    writer.put("a", piece(1))
    assert writer.get(["a"]) == {"a": piece(1)}  # its own, before it is written
    assert reader.get(["a"]) == {}
    writer.put("b", piece(2))  # a batch: written
    assert reader.get(["a", "b", "c"]) == {"a": piece(1), "b": piece(2)}
    writer.put("c", piece(3))
    writer.close(prune=False)  # the rest written, nothing forgotten
    assert reader.get(["c"]) == {"c": piece(3)}
    reader.close()  # forgets what the reader did not use: "old"
    again = opendata.PieceStore(path)
    assert again.get(["old", "a", "b", "c"]).keys() == {"a", "b", "c"}
    again.close()


def test_archive_pieces_made_by_the_walk(site: Path, tmp_path: Path, monkeypatch) -> None:  # noqa: F811
    """With a cache, the archive is assembled from the pieces the page walk stored (with one
    worker the archive makes none itself), and the output is that of a build without a cache:
    one worker or two, cold, and warm after a cell edit."""
    build(site, output=tmp_path / "plain", workers=1, cache=False)
    expected = tree(tmp_path / "plain")
    assert "data/govsite-data.zip" in expected

    def unexpected(report):
        raise AssertionError(f"archive pieces of {report.path} not made by the walk")

    with monkeypatch.context() as m:
        m.setattr(opendata, "report_pieces", unexpected)
        build(site, workers=1)
    assert tree(site / "public") == expected
    shutil.rmtree(site / "public")
    shutil.rmtree(site / CACHE_DIR)
    build(site, workers=2)
    assert tree(site / "public") == expected

    path = sorted((site / "content").glob("*/*.md"))[3]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("new_requests = [", "new_requests = [2", 1), encoding="utf-8")
    warm = build(site, workers=2)
    assert warm.parsed == 1
    build(site, output=tmp_path / "edited", workers=1, cache=False)
    edited = tree(tmp_path / "edited")
    assert edited["data/govsite-data.zip"] != expected["data/govsite-data.zip"]
    assert tree(site / "public") == edited


@pytest.mark.parametrize("size", [0, 1, 2, 255, 256, 4097, 65536, 100_003])
def test_crc32_combine(size: int) -> None:
    a, b = bytes(range(256)) * 3 + b"x", bytes((i * 7 + size) % 251 for i in range(size))
    assert opendata._crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)
    assert opendata._crc32_combine(0, zlib.crc32(b), len(b)) == zlib.crc32(b)
    # The Python fallback (when zlib's own cannot be loaded) gives the same.
    assert opendata._crc32_combine_py(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)
    assert opendata._crc32_combine_py(0, zlib.crc32(b), len(b)) == zlib.crc32(b)


def test_crc32_combine_is_zlibs_own() -> None:
    """Issue 7: zlib's crc32_combine (through ctypes) where the library is there, as on Debian."""
    opendata._crc32_combine(1, 2, 3)
    assert opendata._ZLIB_COMBINE and opendata._ZLIB_COMBINE[0] is not opendata._crc32_combine_py


def test_piece_store_damaged_or_locked(reports, tmp_path: Path, monkeypatch) -> None:  # noqa: F811
    plain = opendata.archive("r\n", {}, reports)
    keys = {id(r): f"k{i}" for i, r in enumerate(reports)}
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"not a database" * 100)
    store = opendata.PieceStore(bad)
    assert store.db is not None  # made again
    assert opendata.archive("r\n", {}, reports, store, lambda r: keys[id(r)]) == plain
    store.close()
    # Another worker's store that cannot be opened now (locked) is neither used nor deleted.
    before = bad.read_bytes()

    def locked(self):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(opendata.PieceStore, "_open", locked)
    store = opendata.PieceStore(bad)
    assert store.db is None and store.get(["k0"]) == {}
    assert opendata.archive("r\n", {}, reports, store, lambda r: keys[id(r)]) == plain
    store.close()
    assert bad.read_bytes() == before


def test_report_csv_split_leaves_worker_0_room_for_the_archive() -> None:
    rels = [f"{2019 + i % 7}/agency-{i}/report.csv" for i in range(5000)]
    for workers in (2, 3, 4):
        owners = Counter(_owner(rel, workers) for rel in rels)
        assert sorted(owners) == list(range(workers))
        assert owners[0] < min(owners[w] for w in range(1, workers))
    assert 0.37 < Counter(_owner(rel, 2) for rel in rels)[0] / len(rels) < 0.43
    pages = Counter(_owner(f"{2019 + i % 7}/agency-{i}/index.html", 2) for i in range(5000))
    assert 0.47 < pages[0] / 5000 < 0.53  # the other files: an even split
    assert {_owner(rel, 1) for rel in rels[:50]} == {0}
