"""The open-data files are made from per-format and per-report fragments (issue 7: speed); they
must stay byte for byte what ``govsite export`` (csv.DictWriter, json.dumps) writes, and the
hand-written zip must read back with zipfile, Zip64 records included."""

from __future__ import annotations

import copy
import csv
import io
import json
import zipfile
from pathlib import Path

import pytest

from govsite import opendata
from govsite.build import load_site
from govsite.export import cell_rows, to_csv, to_json
from govsite.render import report_order
from test_portal_support import make_site


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    root = tmp_path_factory.mktemp("od") / "site"
    make_site(root)
    rs = sorted(load_site(root).reports, key=report_order)
    # awkward text and values: separators, quotes, newlines, blank and missing cells, decimals
    odd = copy.deepcopy(rs[0])
    odd.agency, odd.slug = '某局,"办公室"\n二处', "odd,slug"
    key = next(iter(odd.values))
    odd.values[key] = ["1.50", "", None, 'a,"b"'] + list(odd.values[key][4:])
    del odd.values[list(odd.values)[-1]]
    return rs + [odd]


def reference_json(report, url, diagnostics) -> bytes:
    doc = json.loads(opendata.report_json(report, url, diagnostics))
    doc["cells"] = [{k: row[k] for k in opendata.CELL_KEYS} for row in cell_rows(report)]
    return (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def test_per_report_files_equal_the_export(reports):
    for r in reports:
        assert opendata.report_csv(r) == to_csv([r], bom=True).encode("utf-8"), r.path
        assert opendata.report_json(r, "/x/", []) == reference_json(r, "/x/", []), r.path


@pytest.mark.parametrize("count", [0, 1, 3, None])
def test_archive_long_files_equal_the_export(reports, count):
    rs = reports[:count]
    zf = zipfile.ZipFile(io.BytesIO(opendata.archive("说明\n", {"2021.csv": b"a,b\n"}, rs)))
    assert zf.testzip() is None
    assert zf.namelist() == ["README.txt", "2021.csv", "all.csv", "all.json"]
    assert zf.read("README.txt") == "说明\n".encode("utf-8")
    assert zf.read("all.csv").decode("utf-8") == to_csv(rs, bom=True)
    assert zf.read("all.json").decode("utf-8") == to_json(rs) + "\n"
    assert all(i.date_time == opendata.ZIP_DATE and i.external_attr == 0o644 << 16 for i in zf.infolist())


def test_year_csv_cells(reports):
    rows = list(csv.reader(io.StringIO(opendata.year_csv(reports[:-1]).decode("utf-8-sig"))))
    assert len(rows) == len(reports)  # header + one row per report


def test_zip64_records(monkeypatch):
    monkeypatch.setattr(opendata, "ZIP64_LIMIT", 10)
    data = {"a.txt": b"hello " * 1000, "b.csv": "中文,1\n".encode("utf-8") * 500, "empty": b""}
    buf = io.BytesIO()
    size = opendata._zip([(n, opendata._deflate(v)) for n, v in data.items()], buf)
    raw = buf.getvalue()
    assert size == len(raw)
    zf = zipfile.ZipFile(io.BytesIO(raw))
    assert zf.testzip() is None
    assert {n: zf.read(n) for n in zf.namelist()} == data


def test_archive_from_stored_pieces_is_the_same(reports, tmp_path):
    plain = opendata.archive("r\n", {}, reports)
    keys = {id(r): f"k{i}" for i, r in enumerate(reports)}
    for _ in range(2):  # first fills the store, then reads it
        store = opendata.PieceStore(tmp_path / "pieces.sqlite")
        assert opendata.archive("r\n", {}, reports, store, lambda r: keys[id(r)]) == plain
        store.close()
    # a store with another first report (the one written without a leading comma)
    store = opendata.PieceStore(tmp_path / "pieces.sqlite")
    again = opendata.archive("r\n", {}, reports[1:], store, lambda r: keys[id(r)])
    store.close()
    assert again == opendata.archive("r\n", {}, reports[1:])
    # a damaged store is only slower
    (tmp_path / "bad.sqlite").write_bytes(b"not a database" * 100)
    store = opendata.PieceStore(tmp_path / "bad.sqlite")
    assert opendata.archive("r\n", {}, reports, store, lambda r: keys[id(r)]) == plain
    store.close()
