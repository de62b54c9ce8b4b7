"""Search index (issue 3): normalisation, tokenisation, the shard format and determinism, in Python."""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from pathlib import Path

import pytest

from govsite.search import SearchDoc, normalize, split_terms, write_index
from govsite.search import index as index_mod
from govsite.search.index import full_text, names_text
from govsite.search.reader import Filters, IndexReader, brute_force, decode_shard
from govsite.search.synthetic import generate
from govsite.search.text import WS_CHARS, bigrams, unigrams


def test_normalize_width_and_case() -> None:
    assert normalize("ＡＰＰ１２３４５") == "app12345"
    assert normalize("GovSite") == "govsite"
    assert normalize("卫辉市商务局") == "卫辉市商务局"
    assert normalize("（一）主动公开，") == "(一)主动公开,"
    assert normalize("Straße") == "strasse"  # casefold, not lower
    assert normalize("㈱") == "(株)"  # one code point may fold to several


def test_normalize_is_per_code_point() -> None:
    # Whole-string NFKC would compose e + combining acute; per-code-point folding (what the
    # browser does, one character at a time) must not.
    assert normalize("e\u0301") == "e\u0301"
    text = "Ｅ\u0301ｘ ㄱㅏ"
    assert normalize(text) == "".join(normalize(c) for c in text)


def test_split_terms() -> None:
    assert split_terms("卫辉\u3000商务局  卫辉 ") == ["卫辉", "商务局"]
    assert split_terms("行政复议 ２０２３") == ["行政复议", "2023"]
    assert split_terms("   ") == []
    assert all(c.isspace() for c in WS_CHARS)
    assert all(c in WS_CHARS for c in map(chr, range(0x3001)) if c.isspace())


def test_bigrams_and_unigrams_skip_whitespace() -> None:
    assert bigrams("卫辉市 商务") == {"卫辉", "辉市", "商务"}
    assert bigrams("a\nb") == set()
    assert unigrams("卫 辉\n") == {"卫", "辉"}


def _docs(n: int = 300) -> list[SearchDoc]:
    docs = list(generate(n, seed=7))
    docs.append(SearchDoc("2020/x/", "Ｘ市<b>标题</b>", "Ｘ市办公室", 2020, ("河北省",), "", "ＡＰＰ 测试 Straße"))
    return docs


def _expected_postings(docs: list[SearchDoc]) -> dict[str, tuple[list[int], list[int]]]:
    ordered = sorted(docs, key=index_mod.doc_sort_key)
    exp: dict[str, tuple[list[int], list[int]]] = {}

    def add(key: str, which: int, doc_id: int) -> None:
        exp.setdefault(key, ([], []))[which].append(doc_id)

    for i, d in enumerate(ordered):
        names = normalize(names_text(d.title, d.agency))
        full = normalize(full_text(d.title, d.agency, d.region, d.year, d.text))
        for bg in sorted(bigrams(full)):
            add(bg, 0, i)
        for bg in sorted(bigrams(names)):
            add(bg, 1, i)
        for ch in unigrams(names):
            add("1:" + ch, 0, i)
        for depth in range(1, len(d.region) + 1):
            add("r:" + "/".join(d.region[:depth]), 0, i)
        if d.level:
            add("l:" + d.level, 0, i)
    return exp


def _tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[SearchDoc], Path, object]:
    docs = _docs()
    out = tmp_path_factory.mktemp("idx") / "search"
    stats = write_index(docs, out, workers=1)
    return docs, out, stats


def test_shards_decode_to_exact_postings(built) -> None:
    docs, out, stats = built
    meta = json.loads(gzip.decompress((out / "meta.json.gz").read_bytes()))
    shards = meta["shards"]
    assert shards & (shards - 1) == 0
    assert len(list((out / "i").glob("*.gz"))) == shards  # every shard has a file, even empty
    found: dict[str, tuple[list[int], list[int]]] = {}
    for path in (out / "i").glob("*.gz"):
        entries = decode_shard(gzip.decompress(path.read_bytes()))
        keys = list(entries)
        assert keys == sorted(keys, key=lambda k: k.encode())
        for key in keys:
            assert zlib.crc32(key.encode()) & (shards - 1) == int(path.stem, 16)
        found.update(entries)
    assert found == _expected_postings(docs)
    assert stats.keys == len(found)
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert set(stats.written) == on_disk and len(stats.written) == stats.files
    assert sum((out / p).stat().st_size for p in stats.written) == stats.total_bytes


def test_doc_files_and_meta(built) -> None:
    docs, out, stats = built
    meta = json.loads(gzip.decompress((out / "meta.json.gz").read_bytes()))
    assert meta["docs"] == len(docs) == stats.docs
    ordered = sorted(docs, key=index_mod.doc_sort_key)
    for i in (0, 17, len(docs) - 1):
        rec = json.loads(gzip.decompress((out / "d" / str(i // 1000) / f"{i}.gz").read_bytes()))
        d = ordered[i]
        assert rec == {"u": d.url, "t": d.title, "a": d.agency, "y": d.year, "r": list(d.region),
                       "l": d.level, "x": d.text}
    years = meta["facets"]["years"]
    assert [y[0] for y in years] == sorted({d.year for d in docs}, reverse=True)
    for year, count, first, end in years:  # a year is a contiguous id range, newest first
        assert count == end - first == sum(1 for d in docs if d.year == year)
        assert all(ordered[i].year == year for i in range(first, end))
    regions = dict(meta["facets"]["regions"])
    assert regions["河南省"] == sum(1 for d in docs if d.region[0] == "河南省")
    assert list(regions).index("河南省") < list(regions).index("河南省/新乡市")
    # gzip header: mtime 0, so the bytes do not depend on when the build ran
    assert (out / "meta.json.gz").read_bytes()[4:8] == b"\0\0\0\0"


def test_deterministic_across_runs_workers_and_input_kinds(tmp_path: Path, monkeypatch) -> None:
    docs = _docs(260)
    monkeypatch.setattr(index_mod, "CHUNK_DOCS", 64)  # several chunks, so workers really split
    a = write_index(docs, tmp_path / "a", workers=1)
    b = write_index(list(reversed(docs)), tmp_path / "b", workers=2)
    c = write_index(iter(docs), tmp_path / "c", workers=1)  # a generator is spooled, same result
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b") == _tree(tmp_path / "c")
    assert a.version == b.version == c.version
    assert a.shard_bytes == b.shard_bytes


def test_rewrite_replaces_only_owned_files(tmp_path: Path) -> None:
    out = tmp_path / "search"
    write_index(_docs(120), out)
    (out / "index.html").write_text("page")
    write_index(_docs(40), out)
    assert (out / "index.html").read_text() == "page"
    assert not (out / "d" / "0" / "100.gz").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".search-")]


def test_empty_index(tmp_path: Path) -> None:
    stats = write_index([], tmp_path / "s")
    meta = json.loads(gzip.decompress((tmp_path / "s" / "meta.json.gz").read_bytes()))
    assert stats.docs == meta["docs"] == 0


QUERIES = [
    ("卫辉", Filters()), ("卫辉市商务局", Filters()), ("疫情防控", Filters()), ("app", Filters()),
    ("行政复议 2023", Filters()), ("局", Filters()), ("市 安全生产", Filters()), ("不存在的词语", Filters()),
    ("", Filters(year=2020)), ("教育", Filters(region="江苏省/淮安市")), ("", Filters(level="县级人民政府")),
]


@pytest.mark.parametrize("query,filters", QUERIES)
def test_reader_matches_brute_force(built, query: str, filters: Filters) -> None:
    docs, out, _ = built
    reader = IndexReader(out)
    res = reader.search(query, filters, page_size=10_000)
    ordered = sorted(docs, key=index_mod.doc_sort_key)
    assert [ordered[i].url for i in res.ids] == brute_force(docs, query, filters)
    assert res.exact


def test_js_constants_match_python() -> None:
    import re

    from govsite.search import reader
    from govsite.search.text import WS_CHARS

    js = (Path(__file__).resolve().parents[1] / "govsite" / "theme" / "static" / "search.js").read_text()
    assert f"var VERIFY_ALL = {reader.VERIFY_ALL};" in js
    ws_class = re.search(r"var WS_RE = /\[(.*?)\]\+/;", js).group(1)
    # the JS character class, expanded, is exactly WS_CHARS
    expanded = re.compile("[" + ws_class.encode().decode("unicode_escape") + "]")
    assert {c for c in map(chr, range(0x10000)) if expanded.match(c)} == set(WS_CHARS)
