"""Incremental search index (issue 7): update_index overlaid on the previous index equals a cold write."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import math
import pickle
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govsite.search import index as index_mod
from govsite.search.index import IndexState, SearchDoc, doc_ids, write_index
from govsite.search.synthetic import generate
from govsite.search.text import normalize
from govsite.search.update import _Postings, _fold, update_index


def _docs(n: int = 300) -> list[SearchDoc]:
    docs = list(generate(n, seed=11))
    # full-width letters and a rare character: folded keys and a key no other document has
    docs.append(SearchDoc("2020/x/", "Ｘ市标题", "Ｘ市办公室", 2020, ("河北省",), "", "ＡＰＰ 测试 Straße 龘"))
    return docs


def _tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[SearchDoc], Path, IndexState]:
    docs = _docs()
    out = tmp_path_factory.mktemp("base") / "search"
    stats = write_index(docs, out, workers=1)
    assert stats.state is not None
    return docs, out, stats.state


def _overlay_equals_cold(base_dir: Path, state: IndexState, docs: list[SearchDoc],
                         edits: dict[str, SearchDoc], tmp: Path) -> list[str]:
    """Update with ``edits`` (url → new doc), overlay, compare with a cold write; return what was written."""
    before = _tree(base_dir)
    ids = doc_ids(docs, state)
    assert ids is not None
    new_docs = [edits.get(d.url, d) for d in docs]
    stage = tmp / "stage"
    stage.mkdir()
    stats = update_index(base_dir, stage, state, {ids[url]: d for url, d in edits.items()})
    assert stats is not None
    assert _tree(base_dir) == before  # the previous index is only read
    cold = tmp / "cold"
    cold_stats = write_index(new_docs, cold, workers=1, shard_target=state.shard_target)
    merged = tmp / "merged"
    shutil.copytree(base_dir, merged)
    for rel in stats.written:
        shutil.copyfile(stage / rel, merged / rel)
    # the same file set, every byte the same
    assert _tree(merged) == _tree(cold)
    # written is exactly the files that changed, and nothing else landed in the staging folder
    changed = sorted(rel for rel, h in _tree(cold).items() if before.get(rel) != h)
    assert stats.written == changed
    assert sorted(_tree(stage)) == changed
    # the new state is the state of a cold write, so updates can chain
    assert stats.state == cold_stats.state
    for field in ("docs", "keys", "postings", "shards", "shard_bytes", "doc_bytes", "meta_bytes", "version"):
        assert getattr(stats, field) == getattr(cold_stats, field), field
    return stats.written


def _edit_text(doc: SearchDoc, add: str = "", cut: tuple[int, int] | None = None) -> SearchDoc:
    text = doc.text
    if cut:
        text = text[: cut[0]] + text[cut[1]:]
    return dataclasses.replace(doc, text=text + add)


def test_one_doc_words_added(base, tmp_path: Path) -> None:
    docs, out, state = base
    d = docs[5]
    written = _overlay_equals_cold(out, state, docs, {d.url: _edit_text(d, "新增段落：鼋鼍蛟龙项目验收，璞琮计划")}, tmp_path)
    # the doc, the meta and some shards: never the whole index
    assert "meta.json.gz" in written and sum(p.startswith("d/") for p in written) == 1
    assert 2 < sum(p.startswith("i/") for p in written) < state.shards // 2


def test_one_doc_words_removed(base, tmp_path: Path) -> None:
    docs, out, state = base
    d = docs[17]
    _overlay_equals_cold(out, state, docs, {d.url: _edit_text(d, cut=(40, 400))}, tmp_path)


def test_title_change_touches_name_postings(base, tmp_path: Path) -> None:
    docs, out, state = base
    d = docs[-1]  # the full-width one: the title's unigrams and bigrams are name keys
    new = dataclasses.replace(d, title="Ｙ县标题（修订稿）")
    written = _overlay_equals_cold(out, state, docs, {d.url: new}, tmp_path)
    assert sum(p.startswith("i/") for p in written) >= 3


def test_three_docs_sharing_keys(base, tmp_path: Path) -> None:
    docs, out, state = base
    # the same new words in three documents, one of them also loses text: lists gain several ids
    # (in one chunk: the chunk-key count must change once, not three times)
    edits = {
        docs[2].url: _edit_text(docs[2], "鼋鼍蛟龙"),
        docs[150].url: _edit_text(docs[150], "鼋鼍蛟龙 Straße", cut=(0, 300)),
        docs[299].url: dataclasses.replace(_edit_text(docs[299], "鼋鼍"), title="新标题"),
    }
    _overlay_equals_cold(out, state, docs, edits, tmp_path)


def test_updates_chain(base, tmp_path: Path) -> None:
    """The second update starts from the first one's overlay and state."""
    docs, out, state = base
    d = docs[40]
    first = _edit_text(d, "鼋鼍蛟龙")
    ids = doc_ids(docs)
    (tmp_path / "s1").mkdir()
    s1 = update_index(out, tmp_path / "s1", state, {ids[d.url]: first})
    assert s1 is not None
    mid = tmp_path / "mid"
    shutil.copytree(out, mid)
    for rel in s1.written:
        shutil.copyfile(tmp_path / "s1" / rel, mid / rel)
    docs1 = [first if x.url == d.url else x for x in docs]
    (tmp_path / "t").mkdir()
    _overlay_equals_cold(mid, s1.state, docs1, {d.url: d}, tmp_path / "t")  # and back again


def test_unchanged_doc_writes_nothing(base, tmp_path: Path) -> None:
    docs, out, state = base
    stats = update_index(out, tmp_path, state, {doc_ids(docs)[docs[3].url]: docs[3]})
    assert stats is not None and stats.written == [] and stats.state == state
    assert list(tmp_path.iterdir()) == []


def test_chunk_boundaries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Small chunks: the per-chunk key count (it decides the shard count) must follow exactly."""
    monkeypatch.setattr(index_mod, "CHUNK_DOCS", 16)
    docs = _docs(120)
    stats = write_index(docs, tmp_path / "base", workers=1)
    ordered = sorted(docs, key=index_mod.doc_sort_key)
    # the first and last document of a chunk and one in between, with a key only they have
    edits = {ordered[i].url: _edit_text(ordered[i], "鼋鼍 龘") for i in (16, 24, 31)}
    (tmp_path / "t").mkdir()
    _overlay_equals_cold(tmp_path / "base", stats.state, docs, edits, tmp_path / "t")


def test_state_is_small_and_picklable(base) -> None:
    docs, _, state = base
    assert pickle.loads(pickle.dumps(state)) == state
    # digests of every file plus a few counts: about 8 bytes per file
    assert len(pickle.dumps(state)) < 1000 + 8 * (len(docs) + state.shards) * 1.2


def test_doc_ids(base) -> None:
    docs, _, state = base
    ids = doc_ids(docs, state)
    assert ids is not None and sorted(ids.values()) == list(range(len(docs)))
    assert ids == doc_ids(list(reversed(docs)), state)
    # another document, a different agency or a missing one: the ids of the index no longer apply
    assert doc_ids(docs[:-1], state) is None
    assert doc_ids([*docs, dataclasses.replace(docs[0], url="2099/new/")], state) is None
    assert doc_ids([dataclasses.replace(docs[0], level="乡镇人民政府"), *docs[1:]], state) is None
    # text and title are not part of the identity
    assert doc_ids([dataclasses.replace(docs[0], title="t", text="x"), *docs[1:]], state) == ids


def test_refuses_sort_key_or_facet_change(base, tmp_path: Path) -> None:
    docs, out, state = base
    ids = doc_ids(docs)
    d = docs[9]
    for new in (dataclasses.replace(d, agency=d.agency + "办公室"), dataclasses.replace(d, year=d.year - 1),
                dataclasses.replace(d, level="乡镇人民政府"), dataclasses.replace(d, region=d.region[:1]),
                dataclasses.replace(d, url="2099/other/")):
        assert update_index(out, tmp_path, state, {ids[d.url]: new}) is None
    assert update_index(out, tmp_path, state, {len(docs): d}) is None  # no such id
    assert update_index(out, tmp_path, state, {ids[docs[8].url]: d}) is None  # the wrong id
    assert list(tmp_path.iterdir()) == []  # nothing written when refusing


def test_refuses_when_shard_count_would_change(tmp_path: Path) -> None:
    docs = _docs(200)
    ordered = sorted(docs, key=index_mod.doc_sort_key)
    st0 = write_index(docs, tmp_path / "probe", workers=1).state
    # a shard target that puts the size estimate just below 8 shards' worth: any new posting
    # makes it 16 shards, any removed one keeps it at 8
    est = st0.postings * 1.2 + 8 * st0.chunk_keys
    target = math.ceil(est / 8)
    stats = write_index(docs, tmp_path / "base", workers=1, shard_target=target)
    assert stats.shards == 8
    grown = _edit_text(ordered[0], "鼋鼍蛟龙")
    (tmp_path / "t").mkdir()
    assert update_index(tmp_path / "base", tmp_path / "t", stats.state, {0: grown}) is None
    assert list((tmp_path / "t").iterdir()) == []
    assert write_index([grown, *ordered[1:]], tmp_path / "cold", workers=1, shard_target=target).shards == 16
    # fewer postings: still 8 shards, the update works (with the state's shard target)
    shrunk = _edit_text(ordered[0], cut=(0, 200))
    _overlay_equals_cold(tmp_path / "base", stats.state, docs, {ordered[0].url: shrunk}, tmp_path / "t")


def test_refuses_missing_or_foreign_files(base, tmp_path: Path) -> None:
    docs, out, state = base
    ids = doc_ids(docs)
    d = docs[12]
    edit = {ids[d.url]: _edit_text(d, "鼋鼍蛟龙")}
    prev = tmp_path / "prev"
    shutil.copytree(out, prev)
    assert update_index(prev, tmp_path / "a", state, edit) is not None  # the copy is fine
    doc_file = prev / index_mod.doc_path(ids[d.url])
    blob = doc_file.read_bytes()
    doc_file.unlink()
    assert update_index(prev, tmp_path / "b", state, edit) is None  # missing document
    doc_file.write_bytes(blob[:-3])
    assert update_index(prev, tmp_path / "c", state, edit) is None  # not the file of the state
    doc_file.write_bytes(blob)
    # a shard the update must patch, replaced by another file
    shard = prev / index_mod.shard_path(index_mod.shard_of("鼋鼍", state.shards))
    shard.write_bytes((prev / index_mod.shard_path((index_mod.shard_of("鼋鼍", state.shards) + 1) % state.shards)).read_bytes())
    assert update_index(prev, tmp_path / "d", state, edit) is None
    shutil.copyfile(out / index_mod.shard_path(index_mod.shard_of("鼋鼍", state.shards)), shard)
    (prev / "meta.json.gz").unlink()
    assert update_index(prev, tmp_path / "e", state, edit) is None  # no meta
    # the state of another index
    other = write_index(_docs(50), tmp_path / "other", workers=1).state
    assert update_index(out, tmp_path / "f", other, {0: docs[0]}) is None
    assert update_index(out, tmp_path / "g", dataclasses.replace(state, layout=-1), edit) is None
    assert not any((tmp_path / n).exists() for n in "bcdefg")


def test_refuses_too_many_changes(base, tmp_path: Path) -> None:
    docs, out, state = base
    ids = doc_ids(docs)
    many = {ids[d.url]: _edit_text(d, "鼋鼍") for d in docs[:40]}  # 13 % of the documents
    assert update_index(out, tmp_path, state, many) is None
    assert update_index(out, tmp_path, state, many, max_fraction=0.5) is not None


def test_root_change_rewrites_meta_only(base, tmp_path: Path) -> None:
    docs, out, state = base
    stats = update_index(out, tmp_path / "s", state, {}, root="../../")
    assert stats is not None and stats.written == ["meta.json.gz"]
    cold = write_index(docs, tmp_path / "cold", workers=1, root="../../")
    assert (tmp_path / "s" / "meta.json.gz").read_bytes() == (tmp_path / "cold" / "meta.json.gz").read_bytes()
    assert stats.state == cold.state


def test_lazy_fold_equals_normalize() -> None:
    text = "".join(chr(c) for c in range(0x30100) if not 0xD800 <= c < 0xE000)
    assert _fold(text) == normalize(text)


@settings(max_examples=300, deadline=None)
@given(ids=st.lists(st.integers(0, 3000), unique=True, max_size=60).map(sorted),
       edits=st.lists(st.tuples(st.integers(0, 3000), st.booleans()), max_size=6))
def test_postings_splice_equals_fresh_encoding(ids: list[int], edits: list[tuple[int, bool]]) -> None:
    """Byte splicing gives what encoding the new list from scratch gives, gaps of 128+ included."""
    buf = index_mod.encode_ids(ids) if ids else b""
    plist = _Postings(buf, len(ids))
    current = set(ids)
    for doc_id, present in edits:
        if (doc_id in current) == present:
            continue
        plist.edit(doc_id, present)
        current.symmetric_difference_update({doc_id})
        expected = sorted(current)
        assert plist.ids == expected
        assert plist.buf == (index_mod.encode_ids(expected) if expected else b"")


WORDS = ["鼋鼍", "蛟龙", "政务公开", "Straße", "ＡＰＰ", "行政复议", "龘", " ", "\n", "璞琮"]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[SearchDoc], Path, IndexState]:
    """A smaller index with shorter texts, so that each example's cold write is quick."""
    docs = [*generate(80, seed=3, sentences=8), _docs(0)[-1]]
    out = tmp_path_factory.mktemp("small") / "search"
    return docs, out, write_index(docs, out, workers=1).state


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_edits_match_cold_build(small, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    docs, out, state = small
    picks = data.draw(st.lists(st.integers(0, len(docs) - 1), min_size=1, max_size=3, unique=True))
    edits = {}
    for i in picks:
        d = docs[i]
        cut_at = data.draw(st.integers(0, len(d.text)))
        cut_len = data.draw(st.integers(0, 300))
        add = "".join(data.draw(st.lists(st.sampled_from(WORDS), max_size=6)))
        new = _edit_text(d, add, cut=(cut_at, cut_at + cut_len))
        if data.draw(st.booleans()):
            new = dataclasses.replace(new, title=new.title[: data.draw(st.integers(0, len(new.title)))] + add)
        edits[d.url] = new
    _overlay_equals_cold(out, state, docs, edits, tmp_path_factory.mktemp("prop"))


# --- the cold writer's fast paths: same output as the straightforward definitions ---------------


@pytest.mark.parametrize("text", ["", "a", "ab", "a b", " ", "  x", "x  ", "卫辉市 商务局\n2022", "Ｘ市\u3000ＡＰＰ",
                                  "𠀀𠀁\u2028𠀂", "r:r: x\u00a0y", "\ud800x y"])
def test_pair_codes_are_bigrams(text: str) -> None:
    from govsite.search.index import _pair_codes, _pair_str, _pair_strs
    from govsite.search.text import WS_CHARS, bigrams

    codes = _pair_codes(text)
    keys, with_ws = _pair_strs(codes)
    assert keys == [_pair_str(c) for c in codes]
    assert set(keys) == {text[i : i + 2] for i in range(len(text) - 1)}
    assert set(with_ws) == {k for k in keys if set(k) & set(WS_CHARS)}
    assert set(keys) - set(with_ws) == bigrams(text)


def test_fast_fold_equals_normalize() -> None:
    from govsite.search.index import _fold_fast

    text = "".join(chr(c) for c in range(0x30100) if not 0xD800 <= c < 0xE000)
    assert _fold_fast(text) == normalize(text)
    assert _fold_fast("ＡＰＰ，（测试）Straße") == normalize("ＡＰＰ，（测试）Straße") == "app,(测试)strasse"


def test_units_smaller_than_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks split into units across workers: the same bytes and state as one process."""
    docs = _docs(150)
    monkeypatch.setattr(index_mod, "CHUNK_DOCS", 64)
    one = write_index(docs, tmp_path / "one", workers=1)
    for unit in (16, 24):  # dividing the chunk, and not
        monkeypatch.setattr(index_mod, "UNIT_DOCS", unit)
        split = write_index(docs, tmp_path / f"u{unit}", workers=2)
        assert _tree(tmp_path / f"u{unit}") == _tree(tmp_path / "one")
        assert split.state == one.state


def test_fast_fold_bmp_pattern_equals_normalize() -> None:
    """Text without astral characters takes the pattern path of _fold_fast (issue 7): every BMP
    code point, and a report-like mix, fold exactly as normalize does."""
    from govsite.search.index import _fold_fast

    text = "".join(chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000)
    assert _fold_fast(text) == normalize(text)
    mixed = "（一）主动公开ＡＰＰ信息１２３４５条，Ⅻ号文件㈱\u3000ﬁ"
    assert _fold_fast(mixed) == normalize(mixed)
    assert _fold_fast(mixed + "𝐀") == normalize(mixed + "𝐀")  # one astral character: the set path


def test_spilled_lists_merge_to_the_plain_encoding(tmp_path: Path) -> None:
    """Units' encoded lists (singles, gaps of 1, 128–255, 256+, ids past 2**14) joined by the merge
    give exactly encode_ids of the whole list, for both the full-text and the name lists."""
    from govsite.search.index import _cut_bucket, _sections, encode_ids
    from govsite.search.reader import decode_shard

    units = [  # ids of each unit, by key; units are consecutive id ranges
        {"ab": [0, 1, 2, 200], "cd": [5], "卫辉": [3, 300, 9000], "r:": [7, 7]},
        {"ab": [20000], "cd": [20001, 20130], "ef": [16384, 16385, 40000]},
        {"ab": [50000, 50001], "ef": [60000], "卫辉": [70000]},
    ]
    names = [{"卫辉": [3]}, {}, {"卫辉": [70000]}]
    buckets, shards = 2, 4
    secs = [list(zip(_sections(u, buckets), _sections(nm, buckets))) for u, nm in zip(units, names)]
    (tmp_path / "i").mkdir()
    got: dict[str, tuple[list[int], list[int]]] = {}
    for b in range(buckets):
        _, digests, _ = _cut_bucket(b, buckets, shards, [sec[b] for sec in secs], str(tmp_path))
        assert len(digests) == shards // buckets
    for s in range(shards):
        raw = gzip.decompress((tmp_path / "i" / f"{s:x}.gz").read_bytes())
        for key, lists in decode_shard(raw).items():
            assert index_mod.shard_of(key, shards) == s
            got[key] = lists
        # the shard's bytes are the plain encoding of its keys, sorted by UTF-8 bytes
        expected = b""
        for key in sorted(k for k in got if index_mod.shard_of(k, shards) == s):
            kb = key.encode()
            expected += index_mod._varint_bytes(len(kb)) + kb
            for ids in got[key]:
                enc = encode_ids(ids) if ids else b""
                expected += index_mod._varint_bytes(len(ids)) + index_mod._varint_bytes(len(enc)) + enc
        assert raw == expected
    want = {}
    for u, nm in zip(units, names):
        for key, ids in u.items():
            want.setdefault(key, ([], []))[0].extend(ids)
        for key, ids in nm.items():
            want[key][1].extend(ids)
    assert got == want


def test_default_workers_split_small_indexes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """By default workers start from PARALLEL_DOCS documents (issue 7), with the same bytes and
    state as one process."""
    docs = _docs(150)
    monkeypatch.setattr(index_mod, "CHUNK_DOCS", 128)
    one = write_index(docs, tmp_path / "one", workers=1)
    monkeypatch.setattr(index_mod, "UNIT_DOCS", 32)
    monkeypatch.setattr(index_mod, "PARALLEL_DOCS", 64)
    monkeypatch.setattr(index_mod.os, "cpu_count", lambda: 2)
    auto = write_index(docs, tmp_path / "auto")
    assert auto.extra["workers"] == 2
    assert _tree(tmp_path / "auto") == _tree(tmp_path / "one")
    assert auto.state == one.state
