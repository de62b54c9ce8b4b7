"""Update a written search index in place of rewriting it, when a few documents' texts changed.

An edited report keeps its id as long as its sort key and facets are unchanged, and postings hold
only ids: so only the edited document's file, the shards of the keys it gained or lost, and
``meta.json.gz`` change. :func:`update_index` computes exactly those files from the previous index
(read, never written) and the :class:`~govsite.search.index.IndexState` that :func:`write_index`
returned, so that the previous files overlaid with the new ones are byte for byte what
:func:`~govsite.search.index.write_index` would write for the new documents.

Cost: reading, diffing and re-gzipping one document, and decoding, patching and re-gzipping the
10–40 shards (a few KB each) whose keys changed — tens of milliseconds, independent of the number
of documents but for hashing the state's digests into meta "v" (about 1 MB at 100,000 documents).
"""

from __future__ import annotations

import bisect
import gzip
import json
import re
import time
import unicodedata
import zlib
from collections.abc import Mapping
from dataclasses import replace
from itertools import accumulate
from pathlib import Path

from .index import (
    FILE_DIGEST_SIZE,
    FORMAT,
    META_NAME,
    STATE_LAYOUT,
    SHARD_LEVEL,
    IndexState,
    IndexStats,
    SearchDoc,
    _gzip,
    _varint_bytes,
    doc_blob,
    doc_keys,
    doc_path,
    file_digest,
    meta_blob,
    shard_count,
    shard_path,
)
from .reader import read_varint
from .text import _FOLD_LIMIT, fold_table, normalize

#: By default an update gives up (the caller rewrites everything) beyond this share of documents:
#: a full write is parallel and streams, an update patches shard by shard.
MAX_CHANGED_FRACTION = 0.05

__all__ = ["MAX_CHANGED_FRACTION", "update_index"]


class _LazyFoldTable(dict):
    """A ``str.translate`` table that folds each code point on first use.

    The same rule as :func:`~govsite.search.text.fold_table`, whose full table takes ~0.1 s to
    build: more than a whole update, in a build that may never need it otherwise.
    """

    def __missing__(self, cp: int) -> str:
        c = chr(cp)
        if cp >= _FOLD_LIMIT or 0xD800 <= cp < 0xE000:
            folded = c
        else:
            folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", c).casefold())
        self[cp] = folded
        return folded


_LAZY_FOLD = _LazyFoldTable()


def _fold(text: str) -> str:
    """:func:`~govsite.search.text.normalize`, from the full table only when it is already built."""
    if text.isascii() or fold_table.cache_info().currsize:
        return normalize(text)
    return text.translate(_LAZY_FOLD)


class _Stale(Exception):
    """The previous index does not match the state or the changed documents: update impossible."""


#: One varint of two or more bytes (continuation bytes, then a final byte). Scanning for these in
#: C finds the few gaps of 128 or more in a list that is otherwise one byte per gap.
_LONG_VARINT = re.compile(rb"[\x80-\xff]+[\x00-\x7f]")


class _Postings:
    """One encoded posting list, decoded just enough to insert or remove an id by splicing bytes.

    The encoding is a canonical varint per gap, so replacing the one or two gaps around an id
    gives exactly the bytes a fresh encoding of the new list would. Decoding is C-level work
    (``accumulate`` over the bytes) plus a Python step per gap of 128 or more, of which a list
    has at most ``docs / 128``: re-encoding a list of thousands of ids in Python would cost more
    than the rest of an update.
    """

    __slots__ = ("buf", "ids", "long")

    def __init__(self, buf: bytes, n: int) -> None:
        self.buf = buf
        #: (gap index, extra bytes beyond one) of each long varint, in order
        self.long: list[tuple[int, int]] = []
        if buf.isascii():
            gaps: bytes | list[int] = buf
        else:
            gaps = []
            last = 0
            for m in _LONG_VARINT.finditer(buf):
                gaps.extend(buf[last : m.start()])
                self.long.append((len(gaps), m.end() - m.start() - 1))
                gaps.append(read_varint(buf, m.start())[0])
                last = m.end()
            gaps.extend(buf[last:])
        self.ids = list(accumulate(gaps))
        if len(self.ids) != n:
            raise _Stale("posting list length")

    def _offset(self, index: int) -> int:
        """Byte offset of gap ``index`` (``len(ids)`` gives the end)."""
        off = index
        for at, extra in self.long:
            if at >= index:
                break
            off += extra
        return off

    def edit(self, doc_id: int, present: bool) -> tuple[int | None, int | None]:
        """Add (``present``) or remove ``doc_id``; return the ids now before and after its place."""
        ids = self.ids
        i = bisect.bisect_left(ids, doc_id)
        there = i < len(ids) and ids[i] == doc_id
        if present == there:  # the previous index disagrees with the previous document file
            raise _Stale("posting list does not match the previous document")
        prev = ids[i - 1] if i else None
        base = prev if prev is not None else 0
        if present:
            nxt = ids[i] if i < len(ids) else None
            # gap i (prev → next) becomes prev → doc_id → next
            gaps = [doc_id - base] + ([nxt - doc_id] if nxt is not None else [])
            span = (i, i + 1 if nxt is not None else i)
            ids.insert(i, doc_id)
        else:
            nxt = ids[i + 1] if i + 1 < len(ids) else None
            # gaps i and i + 1 (prev → doc_id → next) become prev → next
            gaps = [nxt - base] if nxt is not None else []
            span = (i, i + 2 if nxt is not None else i + 1)
            del ids[i]
        a, b = self._offset(span[0]), self._offset(span[1])
        self.buf = self.buf[:a] + b"".join(map(_varint_bytes, gaps)) + self.buf[b:]
        # the long varints after the splice moved: find them again (a C-level scan)
        if self.long or not self.buf.isascii():
            self.long = []
            extra_before = 0
            for m in _LONG_VARINT.finditer(self.buf):
                extra = m.end() - m.start() - 1
                self.long.append((m.start() - extra_before, extra))
                extra_before += extra
        return prev, nxt

    def encoded(self) -> bytes:
        """``varint n · varint nbytes · ids``, as the writer encodes a list."""
        if not self.ids:
            return b"\0\0"
        return _varint_bytes(len(self.ids)) + _varint_bytes(len(self.buf)) + self.buf


def _scan_shard(raw: bytes) -> tuple[list[bytes], list[int]]:
    """The keys of a decompressed shard (UTF-8, in their sorted order) and where each entry starts.

    ``starts`` has one more element: the end. Inlined one-byte varints: most lengths and counts
    are below 128, and this loop runs over every entry of every shard an update touches.
    """
    keys: list[bytes] = []
    starts: list[int] = []
    pos = 0
    end = len(raw)
    try:
        while pos < end:
            starts.append(pos)
            klen = raw[pos]
            if klen < 0x80:
                pos += 1
            else:
                klen, pos = read_varint(raw, pos)
            keys.append(raw[pos : pos + klen])
            pos += klen
            for _ in range(2):
                if raw[pos] < 0x80:  # the count
                    pos += 1
                else:
                    pos = read_varint(raw, pos)[1]
                nbytes = raw[pos]
                if nbytes < 0x80:
                    pos += 1 + nbytes
                else:
                    nbytes, pos = read_varint(raw, pos)
                    pos += nbytes
    except IndexError:
        raise _Stale("truncated shard") from None
    if pos != end:
        raise _Stale("truncated shard")
    starts.append(end)
    return keys, starts


def _entry_lists(raw: bytes, pos: int) -> tuple[_Postings, _Postings]:
    lists = []
    for _ in range(2):
        n, pos = read_varint(raw, pos)
        nbytes, pos = read_varint(raw, pos)
        lists.append(_Postings(raw[pos : pos + nbytes], n))
        pos += nbytes
    return lists[0], lists[1]


def _read(path: Path, digest: bytes) -> bytes:
    try:
        blob = path.read_bytes()
    except OSError:
        raise _Stale(f"cannot read {path}") from None
    if file_digest(blob) != digest:
        raise _Stale(f"{path} is not the file the state describes")
    return blob


def _gunzip(blob: bytes) -> bytes:
    try:
        return gzip.decompress(blob)
    except (OSError, EOFError, zlib.error):
        raise _Stale("not gzip") from None


def update_index(
    prev_dir: Path,
    dest: Path,
    state: IndexState,
    changed: Mapping[int, SearchDoc],
    *,
    root: str = "../",
    max_fraction: float = MAX_CHANGED_FRACTION,
) -> IndexStats | None:
    """Write into ``dest`` the files of the index in ``prev_dir`` that change with ``changed``.

    ``prev_dir`` holds the index that :func:`~govsite.search.index.write_index` (or an earlier
    update) wrote, ``state`` is the :class:`IndexState` returned with it, and ``changed`` maps doc
    ids (see :func:`~govsite.search.index.doc_ids`) to the new version of documents whose url,
    agency, year, region and level are unchanged (their title and text may differ), so that every
    id stays the same. ``prev_dir`` is only read. ``dest`` (normally an empty staging folder)
    receives only the files whose bytes change: the changed documents' ``d/…gz``, the shards whose
    keys gained or lost their ids, and ``meta.json.gz``; every other file is to be taken from
    ``prev_dir``, and the union is byte for byte what ``write_index`` writes for the new documents
    with this ``root``.

    Returns the stats of the resulting index, whose ``written`` lists just the files written
    (``files`` still counts every file of the index) and whose ``state`` describes the new index.
    Returns None, having written nothing, when an update is impossible or not worth it: more than
    ``max_fraction`` of the documents changed, an id is out of range, a changed document's sort key
    or facets differ from the previous file's, a previous file is missing, unreadable or not the
    one the state describes, or the new postings would call for another shard count. The caller
    then writes the whole index.
    """
    t0 = time.perf_counter()
    prev_dir = Path(prev_dir)
    if not isinstance(state, IndexState) or state.layout != STATE_LAYOUT:
        return None
    if len(changed) > max(1, int(state.docs * max_fraction)):
        return None
    if any(not isinstance(i, int) or not 0 <= i < state.docs for i in changed):
        return None
    try:
        return _update(prev_dir, Path(dest), state, changed, root, t0)
    except _Stale:
        return None


def _update(prev_dir: Path, dest: Path, state: IndexState, changed: Mapping[int, SearchDoc], root: str,
            t0: float) -> IndexStats:
    ds = FILE_DIGEST_SIZE
    try:
        old_meta_blob = (prev_dir / META_NAME).read_bytes()
        meta = json.loads(_gunzip(old_meta_blob))
    except (OSError, ValueError):
        raise _Stale("previous meta") from None
    if (not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("v") != state.version
            or meta.get("docs") != state.docs or meta.get("shards") != state.shards):
        raise _Stale("previous meta does not match the state")

    # 1. The documents: new files, and which keys each gained or lost.
    new_files: dict[str, bytes] = {}
    doc_digests = bytearray(state.doc_digests)
    doc_bytes = state.doc_bytes
    # key → {doc id: now in its ``all`` list?} and the same for the ``name`` lists
    all_changes: dict[str, dict[int, bool]] = {}
    name_changes: dict[str, dict[int, bool]] = {}
    for doc_id, doc in sorted(changed.items()):
        rel = doc_path(doc_id)
        old_blob = _read(prev_dir / rel, state.doc_digests[doc_id * ds : (doc_id + 1) * ds])
        try:
            rec = json.loads(_gunzip(old_blob))
            old = SearchDoc(url=rec["u"], title=rec["t"], agency=rec["a"], year=rec["y"],
                            region=tuple(rec["r"]), level=rec["l"], text=rec["x"])
        except (ValueError, KeyError, TypeError):
            raise _Stale(f"previous {rel}") from None
        if (old.url, old.agency, old.year, old.region, old.level) != (
                doc.url, doc.agency, doc.year, tuple(doc.region), doc.level):
            raise _Stale(f"doc {doc_id} changed its id or facets")
        if "" in old.region:  # the writer may list such a document twice under "r:" (see doc_keys)
            raise _Stale("empty region level")
        blob = doc_blob(doc)
        if blob == old_blob:
            continue
        new_files[rel] = blob
        doc_digests[doc_id * ds : (doc_id + 1) * ds] = file_digest(blob)
        doc_bytes += len(blob) - len(old_blob)
        old_all, old_names = doc_keys(old, _fold)
        new_all, new_names = doc_keys(doc, _fold)
        for key in old_all ^ new_all:
            all_changes.setdefault(key, {})[doc_id] = key in new_all
        for key in old_names ^ new_names:
            name_changes.setdefault(key, {})[doc_id] = key in new_names

    # 2. The shards of those keys: patch the entries, keep the counts the shard count depends on.
    shards = state.shards
    by_shard: dict[int, list[str]] = {}
    for key in all_changes.keys() | name_changes.keys():
        by_shard.setdefault(zlib.crc32(key.encode("utf-8")) & (shards - 1), []).append(key)
    shard_digests = bytearray(state.shard_digests)
    shard_bytes = state.shard_bytes
    postings, chunk_keys, keys = state.postings, state.chunk_keys, state.keys
    cd = state.chunk_docs
    no_changes: dict[int, bool] = {}
    for s in sorted(by_shard):
        rel = shard_path(s)
        old_blob = _read(prev_dir / rel, state.shard_digests[s * ds : (s + 1) * ds])
        raw = _gunzip(old_blob)
        shard_keys, starts = _scan_shard(raw)
        # (start, end, key, new bytes) of each entry replaced, removed or inserted
        splices: list[tuple[int, int, bytes, bytes]] = []
        for key in by_shard[s]:
            kb = key.encode("utf-8")
            i = bisect.bisect_left(shard_keys, kb)
            found = i < len(shard_keys) and shard_keys[i] == kb
            if found:
                all_list, name_list = _entry_lists(raw, starts[i] + len(_varint_bytes(len(kb))) + len(kb))
            else:
                all_list, name_list = _Postings(b"", 0), _Postings(b"", 0)
            had_key = bool(all_list.ids)
            for doc_id, present in sorted(all_changes.get(key, no_changes).items()):
                prev, nxt = all_list.edit(doc_id, present)
                postings += 1 if present else -1
                # write_index counts a key once per chunk of ids that holds it: the count changes
                # when the chunk of doc_id holds no other id of this key
                lo = doc_id - doc_id % cd
                if not (prev is not None and prev >= lo or nxt is not None and nxt < lo + cd):
                    chunk_keys += 1 if present else -1
            for doc_id, present in sorted(name_changes.get(key, no_changes).items()):
                name_list.edit(doc_id, present)
                postings += 1 if present else -1
            keys += bool(all_list.ids) - had_key
            if name_list.ids and not all_list.ids:
                raise _Stale("a name posting without its full-text posting")
            entry = b"".join((_varint_bytes(len(kb)), kb, all_list.encoded(), name_list.encoded())) if all_list.ids else b""
            splices.append((starts[i], starts[i + 1] if found else starts[i], kb, entry))
        # UTF-8 byte order, as the writer sorts its keys
        # keys stay in UTF-8 byte order: new keys go where bisect found them, in key order
        splices.sort()
        pieces = []
        pos = 0
        for a, b, _, entry in splices:
            pieces += (raw[pos:a], entry)
            pos = b
        pieces.append(raw[pos:])
        blob = _gzip(b"".join(pieces), SHARD_LEVEL)
        if blob != old_blob:
            new_files[rel] = blob
            shard_digests[s * ds : (s + 1) * ds] = file_digest(blob)
            shard_bytes += len(blob) - len(old_blob)
    if shard_count(state.docs, postings, chunk_keys, state.shard_target) != shards:
        raise _Stale("the shard count would change")

    # 3. The meta: same facets (the facets of every document are unchanged), new "v".
    meta["root"] = root
    meta_bytes, version = meta_blob(meta, bytes(doc_digests), bytes(shard_digests))
    if meta_bytes != old_meta_blob:
        new_files[META_NAME] = meta_bytes

    for rel, blob in new_files.items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(blob)
    new_state = replace(state, postings=postings, chunk_keys=chunk_keys, keys=keys, shard_bytes=shard_bytes,
                        doc_bytes=doc_bytes, version=version, doc_digests=bytes(doc_digests),
                        shard_digests=bytes(shard_digests))
    stats = IndexStats(
        docs=state.docs, keys=keys, postings=postings, shards=shards, shard_bytes=shard_bytes,
        doc_bytes=doc_bytes, meta_bytes=len(meta_bytes), files=1 + shards + state.docs,
        version=version, written=sorted(new_files), state=new_state,
    )
    stats.extra["changed_docs"] = sum(1 for rel in new_files if rel.startswith("d/"))
    stats.extra["changed_shards"] = sum(1 for rel in new_files if rel.startswith("i/"))
    stats.seconds = time.perf_counter() - t0
    return stats
