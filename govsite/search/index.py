"""Write the static search index: a character-bigram inverted index in hash shards, fetched on demand.

Layout of ``out_dir`` (normally ``public/search/``), every data file gzipped by us (mtime 0) so that
no server configuration is needed and the output is byte-identical across runs:

``meta.json.gz``
    ``{"format": 1, "v": <content hash>, "docs": N, "shards": S, "root": "../", "facets": {...}}``.
    ``v`` only busts caches (the client appends it to every file URL): it is a hash of a short
    digest of every other file plus the rest of the meta, so an update can recompute it from
    :class:`IndexState` without reading the files it did not change.
    ``facets.years`` is ``[[year, count, first_id, end_id], ...]`` (newest first): documents are
    numbered by (year descending, region, agency, url), so a year is a contiguous id range and
    "newest first" is plain id order. ``facets.regions`` is ``[[path, count], ...]`` for every
    prefix of every region path (path = levels joined by ``/``), ``facets.levels`` ``[[level,
    count], ...]``. The client fetches this once per page load, with revalidation.
``i/<shard>.gz`` (shard = lowercase hex, no padding)
    The keys whose ``crc32(utf8(key)) & (S - 1)`` is that shard, sorted by UTF-8 bytes. Each entry::

        varint len(key) · key (UTF-8)
        varint n_all  · varint nbytes · n_all ids  (first id, then gaps ≥ 1, as LEB128 varints)
        varint n_name · varint nbytes · n_name ids (same encoding)

    Keys: a bigram of the folded text (two code points) with ``all`` = documents whose searchable
    text contains it and ``name`` = those whose title or agency name does; ``"1:" + c`` for one code
    point c of a title or agency name (one-character queries); ``"r:" + path`` and ``"l:" + level``
    for the filters (``name`` empty).
``d/<id // 1000>/<id>.gz``
    One document as JSON: ``{"u": url, "t": title, "a": agency, "y": year, "r": [region...],
    "l": level, "x": text}``. The client fetches these for the results it shows: to verify them
    against the real text (terms of three or more characters), to rank them and to cut excerpts.

Building is one pass over the documents in id order, in chunks of 4,096 (or smaller units of a
chunk, to balance the workers): a worker writes a chunk's document files and spills its postings
(each key's ids already varint-encoded, pickled, split into up to 256 buckets by key hash); then
each bucket is merged over all chunks (joining the encoded pieces, with one new gap per chunk) and
cut into its shards. Peak memory is a few chunks plus a few buckets, not the whole index; chunks
and groups of buckets run in parallel processes.

:func:`write_index` also returns an :class:`IndexState`, with which
:func:`govsite.search.update.update_index` rewrites only the files that one edited report changes.
"""

from __future__ import annotations

import array
import functools
import gc
import gzip
import hashlib
import json
import multiprocessing
import os
import pickle
import re
import shutil
import sys
import tempfile
import time
import zlib
from collections import defaultdict, deque
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import groupby, repeat
from operator import attrgetter, itemgetter, sub
from pathlib import Path
from typing import Protocol

from .text import WS_CHARS, bigrams, fold_table, normalize, unigrams

FORMAT = 1
META_NAME = "meta.json.gz"
SHARD_DIR = "i"
DOC_DIR = "d"
DOCS_PER_DIR = 1000
#: Documents whose postings are collected in memory before they are spilled to the bucket files.
#: The shard count depends on the distinct keys per chunk of this many ids, so changing it changes
#: the output.
CHUNK_DOCS = 4096
#: With few chunks per worker, chunks are processed in units of at most this many documents, so
#: that the workers finish together (10,000 documents are 3 chunks: 2 workers would do 2 + 1).
UNIT_DOCS = 1024
#: From this many documents on, ``write_index`` uses worker processes by default: below, starting
#: them (about 0.2 s of CPU for two) costs more than it saves.
PARALLEL_DOCS = 2 * UNIT_DOCS
MAX_BUCKETS = 256
#: Buckets merged by one task (which reads each unit's spill file once for all of them).
MERGE_BUCKETS = 8
#: Aim for shards of about this many raw (uncompressed) bytes: a query touches one shard per
#: distinct key, so smaller shards mean fewer bytes of unrelated keys, at the cost of more files.
DEFAULT_SHARD_TARGET = 6 * 1024
MAX_SHARDS = 1 << 16
#: gzip level: 9 saves 0.4 % on shards and nothing on documents, at 2.7 times the time.
SHARD_LEVEL = 6
DOC_LEVEL = 6
#: Bytes of the per-file digests kept in :class:`IndexState` (and hashed into meta "v").
FILE_DIGEST_SIZE = 8
#: Layout of :class:`IndexState`; an update refuses a state of another layout.
STATE_LAYOUT = 1


@dataclass(frozen=True)
class SearchDoc:
    """One report as the build hands it to the index.

    ``url`` is relative to the site root (``"2022/weihui-shangwu/"``); ``text`` is everything else
    that should be findable: all prose plus the labels of non-zero table cells.
    """

    url: str
    title: str
    agency: str
    year: int
    region: tuple[str, ...]
    level: str
    text: str


@dataclass(frozen=True)
class IndexState:
    """What an incremental update needs of a written index and cannot cheaply read back from it.

    Picklable and compact: ``FILE_DIGEST_SIZE`` bytes per document and per shard plus a few counts
    (about 110 KB at 10,000 documents, 1.3 MB at 100,000).
    """

    layout: int
    docs: int
    shards: int
    #: ``shard_target`` and ``chunk_docs`` of the write: with ``postings`` and ``chunk_keys`` they
    #: decide the shard count, which an update must keep
    shard_target: int
    chunk_docs: int
    #: ids in all posting lists (the ``all`` and ``name`` lists)
    postings: int
    #: distinct keys per chunk of ``chunk_docs`` ids, summed over the chunks (the shard-count estimate)
    chunk_keys: int
    #: distinct keys in the whole index
    keys: int
    shard_bytes: int
    doc_bytes: int
    #: meta "v"
    version: str
    #: digest of every document's identity in id order (see :func:`identity_digest`)
    identity: bytes
    #: ``FILE_DIGEST_SIZE`` bytes per document file, in id order
    doc_digests: bytes
    #: ``FILE_DIGEST_SIZE`` bytes per shard file, in shard order
    shard_digests: bytes


@dataclass
class IndexStats:
    """What :func:`write_index` (or an update) wrote, for the build summary and the benchmark."""

    docs: int = 0
    keys: int = 0
    postings: int = 0
    shards: int = 0
    shard_bytes: int = 0  # gzip bytes of all i/*.gz
    doc_bytes: int = 0  # gzip bytes of all d/**/*.gz
    meta_bytes: int = 0
    files: int = 0
    seconds: float = 0.0
    version: str = ""
    #: every file written, relative to ``out_dir`` with ``/`` separators (for the build's manifest)
    written: list[str] = field(default_factory=list)
    extra: dict[str, float] = field(default_factory=dict)
    #: what :func:`govsite.search.update.update_index` needs to update this index
    state: IndexState | None = None

    @property
    def total_bytes(self) -> int:
        return self.shard_bytes + self.doc_bytes + self.meta_bytes


def names_text(title: str, agency: str) -> str:
    """The text one-character terms are matched against (mirrored in ``search.js``)."""
    return title + "\n" + agency


def full_text(title: str, agency: str, region: Sequence[str], year: int, text: str) -> str:
    """Everything a term of two or more characters is matched against (mirrored in ``search.js``)."""
    return "\n".join((title, agency, " ".join(region), str(year), text))


class DocIdentity(Protocol):
    """The fields of a document that fix its id and its facets (a SearchDoc, or a build's report)."""

    @property
    def url(self) -> str: ...
    @property
    def agency(self) -> str: ...
    @property
    def year(self) -> int: ...
    @property
    def region(self) -> Sequence[str]: ...
    @property
    def level(self) -> str: ...


def doc_sort_key(doc: DocIdentity) -> tuple:
    """Id order: newest year first, then region, agency and url, so "newest first" is id order."""
    return (-doc.year, tuple(doc.region), doc.agency, doc.url)


def _identity_bytes(doc: DocIdentity) -> bytes:
    # repr of a tuple of str/int is unambiguous and cheap (no field can run into the next)
    return repr((doc.url, doc.agency, doc.year, tuple(doc.region), doc.level)).encode("utf-8")


def identity_digest(ordered: Iterable[DocIdentity]) -> bytes:
    """Digest of the documents' ids and facets: url, agency, year, region, level, in id order."""
    h = hashlib.blake2b(digest_size=16)
    for doc in ordered:
        h.update(_identity_bytes(doc))
    return h.digest()


def doc_ids(docs: Iterable[DocIdentity], state: IndexState | None = None) -> dict[str, int] | None:
    """Map each document's url to its id (its position in :func:`doc_sort_key` order).

    With ``state``, return None unless these documents have exactly the ids and facets of the
    index ``state`` describes (same urls, agencies, years, regions and levels, nothing added or
    removed), i.e. unless an update of that index can keep every id. Accepts any objects with
    ``url``, ``agency``, ``year``, ``region`` and ``level``, so a build can ask before it makes
    :class:`SearchDoc` objects.
    """
    ordered = sorted(docs, key=doc_sort_key)
    if state is not None and (len(ordered) != state.docs or identity_digest(ordered) != state.identity):
        return None
    return {doc.url: i for i, doc in enumerate(ordered)}


def shard_of(key: str, shards: int) -> int:
    """Shard of a key; ``search.js`` computes the same CRC-32 of the UTF-8 bytes."""
    return zlib.crc32(key.encode("utf-8")) & (shards - 1)


def _pow2_at_least(n: float) -> int:
    p = 1
    while p < n:
        p <<= 1
    return p


def varint(value: int, out: bytearray) -> None:
    """Append one unsigned LEB128 varint."""
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def _varint_bytes(value: int) -> bytes:
    out = bytearray()
    varint(value, out)
    return bytes(out)


#: Varints of every value below 2**14, so that encoding a list is one C-level join. Made from the
#: two-byte formula (``_varint_bytes`` per value was ~8 ms of every import, issue 7's edit path).
_VARINTS = [bytes((v,)) for v in range(0x80)] + [bytes((v & 0x7F | 0x80, v >> 7)) for v in range(0x80, 1 << 14)]


def encode_ids(ids: Sequence[int]) -> bytes:
    """First id, then the gaps between consecutive ids, as varints."""
    gaps = [ids[0]]
    gaps += map(sub, ids[1:], ids[:-1])
    top = max(gaps)
    if top < 0x80:  # dense lists: one byte per id
        return bytes(gaps)
    if top < 1 << 14:
        return b"".join(map(_VARINTS.__getitem__, gaps))
    return b"".join(map(_varint_bytes, gaps))


def _gzip(data: bytes, level: int) -> bytes:
    # mtime=0 and no file name: byte-identical output across runs (Python 3.11 hands this
    # case to a single zlib.compress call).
    return gzip.compress(data, compresslevel=level, mtime=0)


def file_digest(blob: bytes) -> bytes:
    """The short digest of one written file kept in :class:`IndexState`."""
    return hashlib.blake2b(blob, digest_size=FILE_DIGEST_SIZE).digest()


#: The string encoder ``json.dumps(..., ensure_ascii=False)`` uses (the C one when available).
_json_str = json.encoder.encode_basestring

#: A :class:`SearchDoc`'s fields as a tuple, in :data:`_DocFields` order: the form in which a unit's
#: documents go to a worker (issue 7: a tuple pickles and unpickles in half the time of the object).
_doc_fields = attrgetter("url", "title", "agency", "year", "region", "level", "text")
_DocFields = tuple[str, str, str, int, Sequence[str], str, str]


def _doc_json(url: str, title: str, agency: str, year: int, region: Sequence[str], level: str,
              text: str) -> bytes:
    """The UTF-8 JSON of a document file: ``json.dumps`` of the record with sorted keys, compact.

    Issue 7: ``json.dumps`` with non-default arguments makes a new encoder per call; for the usual
    field types the same text is put together directly, with the very string encoder it would use
    (any other type goes through ``json.dumps``, so the bytes never differ).
    """
    if type(year) is int and type(url) is type(title) is type(agency) is type(level) is type(text) is str \
            and all(type(r) is str for r in region):
        enc = _json_str
        return (f'{{"a":{enc(agency)},"l":{enc(level)},"r":[{",".join(map(enc, region))}],"t":{enc(title)},'
                f'"u":{enc(url)},"x":{enc(text)},"y":{year!r}}}').encode()
    record = {"u": url, "t": title, "a": agency, "y": year, "r": list(region), "l": level, "x": text}
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def doc_blob(doc: SearchDoc) -> bytes:
    """The bytes of a document's file ``d/<id // 1000>/<id>.gz``."""
    return _gzip(_doc_json(*_doc_fields(doc)), DOC_LEVEL)


def doc_path(doc_id: int) -> str:
    """A document file, relative to the index folder."""
    return f"{DOC_DIR}/{doc_id // DOCS_PER_DIR}/{doc_id}.gz"


def shard_path(shard: int) -> str:
    """A shard file, relative to the index folder."""
    return f"{SHARD_DIR}/{shard:x}.gz"


def doc_keys(doc: SearchDoc, fold: Callable[[str], str] = normalize) -> tuple[set[str], set[str]]:
    """The keys whose ``all`` list holds the document, and those whose ``name`` list does.

    The second set is a subset of the first (the names are part of the full text). A region with
    an empty level would make ``"r:"`` both a filter key and a bigram; the writer then lists the
    document twice under it, which a set cannot express (no real report has such a region).
    ``fold`` must compute :func:`~govsite.search.text.normalize`; the updater passes a lazy twin.
    """
    names = fold(names_text(doc.title, doc.agency))
    full = names + "\n" + fold("\n".join((" ".join(doc.region), str(doc.year), doc.text)))
    keys = bigrams(full)
    keys.update(["1:" + ch for ch in unigrams(names)])
    keys.update(["r:" + "/".join(doc.region[:depth]) for depth in range(1, len(doc.region) + 1)])
    if doc.level:
        keys.add("l:" + doc.level)
    return keys, bigrams(names)


def shard_count(n_docs: int, postings: int, chunk_keys: int, shard_target: int) -> int:
    """The number of shards (a power of two) for an index of this size."""
    est_raw = postings * 1.2 + 8 * chunk_keys
    return max(_buckets(n_docs), min(MAX_SHARDS, _pow2_at_least(est_raw / shard_target)))


def _buckets(n_docs: int) -> int:
    return min(MAX_BUCKETS, _pow2_at_least(max(1, n_docs // 64)))


def meta_blob(meta: dict, doc_digests: bytes, shard_digests: bytes) -> tuple[bytes, str]:
    """Set ``meta["v"]`` from the file digests and the rest of ``meta``; return the file's bytes and v."""
    meta.pop("v", None)
    digest = hashlib.sha256(b"govsite-search-v%d\0" % FORMAT)
    digest.update(doc_digests)
    digest.update(shard_digests)
    digest.update(json.dumps(meta, ensure_ascii=False, sort_keys=True).encode())
    meta["v"] = digest.hexdigest()[:16]
    blob = _gzip(json.dumps(meta, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(),
                 SHARD_LEVEL)
    return blob, meta["v"]


def _ordered(docs: Iterable[SearchDoc], spool_dir: Path) -> tuple[int, Iterator[SearchDoc]]:
    """Yield the documents in id order without holding their texts all at once.

    A sequence is already in memory, so only its order is computed. Anything else is pickled to
    a spool file first and read back in order, which keeps memory bounded for generators.
    """
    if isinstance(docs, Sequence):
        order = sorted(range(len(docs)), key=lambda i: doc_sort_key(docs[i]))
        return len(order), (docs[i] for i in order)
    spool = tempfile.TemporaryFile(dir=spool_dir)
    keys: list[tuple[tuple, int]] = []
    for doc in docs:
        offset = spool.tell()
        pickle.dump(doc, spool, protocol=pickle.HIGHEST_PROTOCOL)
        keys.append((doc_sort_key(doc), offset))
    keys.sort()

    def read() -> Iterator[SearchDoc]:
        with spool:
            for _, offset in keys:
                spool.seek(offset)
                yield pickle.load(spool)

    return len(keys), read()


def _in_order(docs: Iterable[SearchDoc], count: int) -> Iterator[SearchDoc]:
    """``docs`` as they come, checked to be ``count`` documents in id order."""
    last: tuple | None = None
    n = 0
    for doc in docs:
        key = doc_sort_key(doc)
        if last is not None and key <= last:
            raise ValueError(f"documents not in id order: {doc.url}")
        last = key
        n += 1
        yield doc
    if n != count:
        raise ValueError(f"{n} documents, {count} announced")


@dataclass
class _ChunkResult:
    chunk: int  # number of the unit (its spill file)
    first_id: int
    offsets: list[int]  # start of each bucket's pickle in the unit's spill file, plus the end
    doc_bytes: int
    doc_digests: bytes  # FILE_DIGEST_SIZE bytes per document, in id order
    postings: int
    keys: int
    #: the keys themselves, when a chunk of CHUNK_DOCS ids is split into several units (the
    #: shard count needs the distinct keys per chunk)
    key_list: list[str] | None = None


#: Text encoding in which each code point is one native-order 32-bit unit: reading the encoded text
#: as 64-bit units gives every pair of adjacent code points as one int (see :func:`_pair_codes`).
_UTF32 = "utf-32-le" if sys.byteorder == "little" else "utf-32-be"


def _pair_codes(folded: str) -> set[int]:
    """Every pair of adjacent code points of ``folded`` as an int (:func:`_pair_str` decodes one).

    Whitespace is not skipped: unlike :func:`~govsite.search.text.bigrams` this is C-level work
    with no string made per pair, and :func:`_index_chunk` drops the pairs with whitespace once per
    chunk, for the distinct pairs only.
    """
    b = folded.encode(_UTF32, "surrogatepass")
    mv = memoryview(b)
    out = set(mv[: len(b) // 8 * 8].cast("Q"))  # pairs (0, 1), (2, 3), ...
    out.update(mv[4 : 4 + max(0, (len(b) - 4) // 8 * 8)].cast("Q"))  # pairs (1, 2), (3, 4), ...
    return out


def _pair_str(code: int) -> str:
    """The two code points of a pair code."""
    return code.to_bytes(8, sys.byteorder).decode(_UTF32, "surrogatepass")


_TWO = re.compile("..", re.DOTALL)
_WS_ONE = re.compile("[" + re.escape(WS_CHARS) + "]")


def _pair_strs(codes: Iterable[int]) -> tuple[list[str], list[str]]:
    """Decode many pair codes at once (C-level work): the strings, and those with whitespace."""
    text = array.array("Q", codes).tobytes().decode(_UTF32, "surrogatepass")
    keys = _TWO.findall(text)
    return keys, [keys[m.start() >> 1] for m in _WS_ONE.finditer(text)]


@functools.cache
def _fold_chain() -> tuple[dict[str, str], re.Pattern[str], frozenset[str]] | None:
    """:func:`fold_table` by character, when folding may be done one character at a time by
    ``str.replace``: no fold contains a character that itself folds (true of Unicode 15).

    Also a pattern of the folding characters below U+10000: ``re`` compiles such a class to a
    bitmap, and finds them about five times faster than ``frozenset.intersection`` (issue 7).
    The astral ones are left out: with them the class becomes a list of ranges, scanned per
    character (slower than the set).
    """
    table = fold_table()
    if any(ord(c) in table for folded in table.values() for c in folded):
        return None
    chars = {chr(cp): folded for cp, folded in table.items()}
    bmp = re.compile("[" + "".join(re.escape(c) for c in chars if c <= "\uffff") + "]")
    return chars, bmp, frozenset(chars)


def _fold_fast(text: str) -> str:
    """:func:`~govsite.search.text.normalize`, faster on CJK text.

    ``str.translate`` looks every character up in the table; a report has only a few distinct
    characters that fold (full-width punctuation, Latin capitals), each replaced in one C pass.
    """
    chain = _fold_chain()
    if text.isascii() or chain is None:
        return normalize(text)
    chars, bmp, folding = chain
    # astral characters are two UTF-16 units: this C pass finds them ten times faster than a pattern
    astral = len(text.encode("utf-16-le", "surrogatepass")) != 2 * len(text)
    found = folding.intersection(text) if astral else set(bmp.findall(text))
    for c in found:
        text = text.replace(c, chars[c])
    return text


def _write_file(path: str, data: bytes) -> None:
    """Create (or truncate) ``path`` holding ``data``.

    Issue 7: an index writes a file per document and per shard (14,000 at 10,000 documents);
    ``os.open``/``os.write`` skip the Path and buffered-file objects of ``Path.write_bytes``.
    The mode is the same (0o666 less the umask).
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


#: Consume an iterator in C (the ``deque(maxlen=0)`` recipe of itertools' docs).
_consume = deque(maxlen=0).extend


def _gc_paused(func: Callable) -> Callable:
    """Run ``func`` with the cyclic garbage collector off (then back as it was).

    Issue 7: a unit makes a list per key (hundreds of thousands), which triggers full collections
    that traverse every list and touch every id in it: a third of the time of the inversion. None
    of these objects is part of a cycle, so there is nothing for the collector to find.
    """

    @functools.wraps(func)
    def paused(*args, **kwargs):
        enabled = gc.isenabled()
        gc.disable()
        try:
            return func(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return paused


#: One bucket's lists of one unit, as spilled: ``(single_keys, single_ids, keys, meta, bodies)``.
#: A key with one id in the unit is a single (its key and id); any other has ``n, first, last`` in
#: ``meta`` (three entries per key) and in ``bodies`` the varints of its gaps after the first id.
_Section = tuple[list[str], array.array, list[str], array.array, list[bytes]]


def _sections(lists: dict[str, list[int]], buckets: int, repeats: Container[str] = ()) -> list[_Section]:
    """Split one unit's posting lists by bucket and varint-encode them (see :data:`_Section`).

    Issue 7: the unit encodes its lists, so that bytes, not ints, are pickled, unpickled and joined;
    the merge only encodes the gap between the last id of a unit and the first of the next. Most keys
    of a unit have one id: they skip the list machinery. The lists are strictly increasing, but for
    the keys in ``repeats``, which may list an id twice.
    """
    out: list[_Section] = [([], array.array("L"), [], array.array("L"), []) for _ in range(buckets)]
    mask = buckets - 1
    vb = _VARINTS.__getitem__
    for key, crc, ids in zip(lists, map(zlib.crc32, map(str.encode, lists)), lists.values()):
        single_keys, single_ids, keys, meta, bodies = out[crc & mask]
        if len(ids) == 1:
            single_keys.append(key)
            single_ids.append(ids[0])
            continue
        keys.append(key)
        meta.extend((len(ids), ids[0], ids[-1]))
        if ids[-1] - ids[0] == len(ids) - 1 and key not in repeats:
            # issue 7: consecutive ids (a key in every document of the unit, or of a run of them;
            # a sixth of the postings of a real corpus) are gaps of 1, made without a pass per id
            bodies.append(b"\x01" * (len(ids) - 1))
            continue
        try:  # gaps below 128: one byte each, the common case
            body = bytes(map(sub, ids[1:], ids))
            if not body.isascii():
                raise ValueError
        except ValueError:
            try:  # gaps in a unit are below its size: the table has them
                body = b"".join(map(vb, map(sub, ids[1:], ids)))
            except IndexError:
                body = b"".join(map(_varint_bytes, map(sub, ids[1:], ids)))
        bodies.append(body)
    return out


@_gc_paused
def _index_chunk(chunk: int, first_id: int, docs: list[_DocFields], out_dir: str, tmp: str,
                 buckets: int, keep_keys: bool = False) -> _ChunkResult:
    """Write the document files of one chunk (or unit of one) and spill its postings, by bucket.

    Runs in a worker process (or inline), on the documents' fields (:data:`_doc_fields`). Bigrams are collected as pair codes (:func:`_pair_codes`)
    and turned into strings once per unit; the keys and postings are exactly those of
    :func:`doc_keys` (but for a region with an empty level, where ``"r:"`` is a filter key and a
    bigram at once and the document is listed twice). The lists are spilled encoded, by bucket
    (:func:`_sections`).
    """
    pair_lists: dict[int, list[int]] = defaultdict(list)
    name_pair_lists: dict[int, list[int]] = defaultdict(list)
    other_lists: dict[str, list[int]] = defaultdict(list)  # "1:", "r:" and "l:" keys
    to_all = pair_lists.__getitem__
    to_names = name_pair_lists.__getitem__
    to_other = other_lists.__getitem__
    one_char = "1:".__add__
    append = list.append
    digests: list[bytes] = []
    doc_bytes = 0
    doc_dir = os.path.join(out_dir, DOC_DIR)
    sub_dir = doc_dir
    for doc_id, (url, title, agency, year, region, level, text) in enumerate(docs, first_id):
        blob = _gzip(_doc_json(url, title, agency, year, region, level, text), DOC_LEVEL)
        if doc_id == first_id or doc_id % DOCS_PER_DIR == 0:
            sub_dir = os.path.join(doc_dir, str(doc_id // DOCS_PER_DIR))
            os.makedirs(sub_dir, exist_ok=True)
        _write_file(f"{sub_dir}/{doc_id}.gz", blob)
        digests.append(file_digest(blob))
        doc_bytes += len(blob)

        names = _fold_fast(names_text(title, agency))
        full = names + "\n" + _fold_fast("\n".join((" ".join(region), str(year), text)))
        # Issue 7: one append per posting is most of the work; map makes those calls in C.
        _consume(map(append, map(to_all, _pair_codes(full)), repeat(doc_id)))
        _consume(map(append, map(to_names, _pair_codes(names)), repeat(doc_id)))
        _consume(map(append, map(to_other, map(one_char, unigrams(names))), repeat(doc_id)))
        for depth in range(1, len(region) + 1):
            other_lists["r:" + "/".join(region[:depth])].append(doc_id)
        if level:
            other_lists["l:" + level].append(doc_id)

    keys, with_ws = _pair_strs(pair_lists)
    all_lists = dict(zip(keys, pair_lists.values()))
    name_lists = dict(zip(_pair_strs(name_pair_lists)[0], name_pair_lists.values()))
    del pair_lists, name_pair_lists
    for key in with_ws:  # bigrams never span whitespace (the names' pairs are among the full text's)
        all_lists.pop(key, None)
        name_lists.pop(key, None)
    repeats: set[str] = set()
    for key, ids in other_lists.items():
        pair_ids = all_lists.get(key)
        # "r:" of an empty region level is also a bigram: the document is listed twice
        if pair_ids is None:
            all_lists[key] = ids
        else:
            all_lists[key] = sorted(pair_ids + ids)
            repeats.add(key)

    postings = sum(map(len, all_lists.values())) + sum(map(len, name_lists.values()))
    offsets = []
    with open(os.path.join(tmp, f"c{chunk:05d}"), "wb") as f:
        for part in zip(_sections(all_lists, buckets, repeats), _sections(name_lists, buckets)):
            offsets.append(f.tell())
            pickle.dump(part, f, protocol=pickle.HIGHEST_PROTOCOL)
        offsets.append(f.tell())
    return _ChunkResult(chunk, first_id, offsets, doc_bytes, b"".join(digests), postings, len(all_lists),
                        list(all_lists) if keep_keys else None)


class _VarintTable(dict):
    """``table[v]`` is the varint of ``v``: looked up below 2**14, computed above (not kept)."""

    def __missing__(self, value: int) -> bytes:
        return _varint_bytes(value)


_VARINT_OF = _VarintTable(enumerate(_VARINTS))

#: A shard without keys (most shards of a small vocabulary): gzipped once (issue 7).
_EMPTY_SHARD = _gzip(b"", SHARD_LEVEL)


def _accumulate(acc: dict[str, list], section: _Section) -> None:
    """Add one unit's lists (units come in id order) to ``acc``: key → ``[n, last id, varints...]``.

    The varints joined are the encoded list: each unit's first id as a gap from the last id of the
    unit before (or as itself), then its own gaps.
    """
    single_keys, single_ids, keys, meta, bodies = section
    get = acc.get
    vb = _VARINT_OF.__getitem__
    for key, i in zip(single_keys, single_ids):
        a = get(key)
        if a is None:
            acc[key] = [1, i, vb(i)]
        else:
            a[0] += 1
            a.append(vb(i - a[1]))
            a[1] = i
    for key, n, first, last, body in zip(keys, meta[0::3], meta[1::3], meta[2::3], bodies):
        a = get(key)
        if a is None:
            acc[key] = [n, last, vb(first), body]
        else:
            a[0] += n
            a += (vb(first - a[1]), body)
            a[1] = last


def _cut_bucket(bucket: int, buckets: int, shards: int, sections: list[tuple[_Section, _Section]],
                out_dir: str) -> tuple[int, list[bytes], int]:
    """Join one bucket's lists over all units and write its shards: (bytes, shard digests, keys).

    The bucket's shards are ``bucket, bucket + buckets, ...``; the digests come in that order.
    """
    acc: dict[str, list] = {}
    names: dict[str, list] = {}
    for all_part, name_part in sections:
        _accumulate(acc, all_part)
        _accumulate(names, name_part)
    keys = list(acc)
    kbs = list(map(str.encode, keys))
    # by shard, then by key in UTF-8 byte order
    shard_ids = map((shards - 1).__and__, map(zlib.crc32, kbs))
    groups = groupby(sorted(zip(shard_ids, kbs, keys)), itemgetter(0))
    group = next(groups, None)
    digests: list[bytes] = []
    total = 0
    shard_dir = os.path.join(out_dir, SHARD_DIR)
    vb = _VARINT_OF.__getitem__
    no_names = b"\0\0"
    # Every shard gets a file, empty or not: a missing one would be a 404 in the server's log.
    for s in range(bucket, shards, buckets):
        if group is None or group[0] != s:
            blob = _EMPTY_SHARD
        else:
            parts: list[bytes] = []
            for _, kb, key in group[1]:
                a = acc[key]
                parts += (vb(len(kb)), kb, vb(a[0]))
                if len(a) == 3:  # one piece: most keys
                    parts += (vb(len(a[2])), a[2])
                else:
                    pieces = a[2:]
                    parts.append(vb(sum(map(len, pieces))))
                    parts += pieces
                a = names.get(key)
                if a is None:  # most keys are in no title or agency name
                    parts.append(no_names)
                else:
                    pieces = a[2:]
                    parts += (vb(a[0]), vb(sum(map(len, pieces))))
                    parts += pieces
            blob = _gzip(b"".join(parts), SHARD_LEVEL)
            group = next(groups, None)
        _write_file(os.path.join(shard_dir, f"{s:x}.gz"), blob)
        digests.append(file_digest(blob))
        total += len(blob)
    return total, digests, len(acc)


@_gc_paused
def _merge_buckets(lo: int, hi: int, buckets: int, shards: int, units: list[list[int]], out_dir: str,
                   tmp: str) -> list[tuple[int, list[bytes], int]]:
    """:func:`_cut_bucket` for buckets ``lo`` to ``hi - 1``, reading each unit's spill file once."""
    spans = []
    for unit, offsets in enumerate(units):
        with open(os.path.join(tmp, f"c{unit:05d}"), "rb") as f:
            f.seek(offsets[lo])
            spans.append(memoryview(f.read(offsets[hi] - offsets[lo])))
    out = []
    for b in range(lo, hi):
        sections = [pickle.loads(span[offsets[b] - offsets[lo] : offsets[b + 1] - offsets[lo]])
                    for span, offsets in zip(spans, units)]
        out.append(_cut_bucket(b, buckets, shards, sections, out_dir))
    return out


def write_index(
    docs: Iterable[SearchDoc],
    out_dir: Path,
    *,
    root: str = "../",
    shard_target: int = DEFAULT_SHARD_TARGET,
    workers: int | None = None,
    presorted: int | None = None,
) -> IndexStats:
    """Write the search index for ``docs`` into ``out_dir`` and return what was written.

    ``presorted=n`` says that ``docs`` yields ``n`` documents already in id order
    (:func:`doc_sort_key`): they are indexed as they come, neither spooled nor sorted (issue 7: at
    100,000 documents the spool's sort keys alone were ~30 MB); a document out of order or a wrong
    count raises ValueError.

    ``root`` is the site root relative to ``out_dir`` (``"../"`` for ``public/search/``); the client
    resolves result URLs against it. Files this function owns (``meta.json.gz``, ``i/``, ``d/``)
    are replaced; anything else in ``out_dir`` (the search page itself) is left alone. A list is
    indexed in place; any other iterable is spooled to a temporary file so memory stays bounded.
    ``workers`` processes share the work (default: one per CPU, up to one per ``UNIT_DOCS``
    documents, from ``PARALLEL_DOCS`` documents on, else none); the output does not depend on it.
    """
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for owned in (SHARD_DIR, DOC_DIR):
        shutil.rmtree(out_dir / owned, ignore_errors=True)
    (out_dir / META_NAME).unlink(missing_ok=True)
    stats = IndexStats()

    with tempfile.TemporaryDirectory(prefix=".search-", dir=out_dir) as tmp_name:
        if presorted is None:
            n_docs, ordered = _ordered(docs, Path(tmp_name))
        else:
            n_docs, ordered = presorted, _in_order(docs, presorted)
        chunk_docs = CHUNK_DOCS
        n_chunks = max(1, -(-n_docs // chunk_docs))
        if workers is None:
            # issue 7: from two units up, not only from three chunks (8,000 documents were one process)
            workers = min(os.cpu_count() or 1, -(-n_docs // UNIT_DOCS)) if n_docs >= PARALLEL_DOCS else 1
        # few chunks per worker: smaller units balance the load (their keys are then united per
        # chunk, for the shard count), about four per worker, or UNIT_DOCS
        unit_docs = chunk_docs
        if workers > 1 and n_chunks < 8 * workers:
            unit_docs = min(chunk_docs, UNIT_DOCS, max(UNIT_DOCS // 4, -(-n_docs // (4 * workers))))
        buckets = _buckets(n_docs)
        identity = hashlib.blake2b(digest_size=16)
        years: dict[int, list[int]] = {}
        regions: dict[str, int] = defaultdict(int)
        levels: dict[str, int] = defaultdict(int)
        results: list[_ChunkResult] = []
        pool = None
        if workers > 1:
            # spawn, not fork: the build may have threads, and fork with threads can deadlock.
            pool = multiprocessing.get_context("spawn").Pool(workers)
        try:
            t_docs = time.perf_counter()
            pending: deque = deque()
            batch: list[SearchDoc] = []
            doc_id = 0
            chunk_keys = 0
            # units come back in id order: the chunk being collected and the union of its keys
            open_chunk: list = [-1, set()]

            def take(r: _ChunkResult) -> None:
                nonlocal chunk_keys
                results.append(r)
                if r.key_list is None:
                    chunk_keys += r.keys
                    return
                if r.first_id // chunk_docs != open_chunk[0]:
                    chunk_keys += len(open_chunk[1])
                    open_chunk[:] = [r.first_id // chunk_docs, set()]
                open_chunk[1].update(r.key_list)
                r.key_list = None

            def submit() -> None:
                args = (len(results) + len(pending), doc_id - len(batch), list(map(_doc_fields, batch)),
                        str(out_dir), tmp_name, buckets, unit_docs < chunk_docs)
                batch.clear()
                if pool is None:
                    take(_index_chunk(*args))
                    return
                pending.append(pool.apply_async(_index_chunk, args))
                while len(pending) > workers:  # bounded: never more than this many units in flight
                    take(pending.popleft().get())

            for doc in ordered:
                for depth in range(1, len(doc.region) + 1):
                    regions["/".join(doc.region[:depth])] += 1
                if doc.level:
                    levels[doc.level] += 1
                span = years.setdefault(doc.year, [0, doc_id, doc_id + 1])
                span[0] += 1
                span[2] = doc_id + 1
                identity.update(_identity_bytes(doc))
                batch.append(doc)
                doc_id += 1
                if len(batch) == unit_docs or doc_id % chunk_docs == 0:  # a unit never spans two chunks
                    submit()
            if batch or not results and not pending:
                submit()
            while pending:
                take(pending.popleft().get())
            chunk_keys += len(open_chunk[1])
            stats.extra["docs_and_postings_s"] = time.perf_counter() - t_docs

            t_shards = time.perf_counter()
            postings = sum(r.postings for r in results)
            shards = shard_count(n_docs, postings, chunk_keys, shard_target)
            (out_dir / SHARD_DIR).mkdir()
            unit_offsets = [r.offsets for r in results]
            step = MERGE_BUCKETS
            args = [(lo, min(lo + step, buckets), buckets, shards, unit_offsets, str(out_dir), tmp_name)
                    for lo in range(0, buckets, step)]
            merged = [m for ms in (pool.starmap(_merge_buckets, args, chunksize=1) if pool
                                   else (_merge_buckets(*a) for a in args)) for m in ms]
            stats.extra["shards_s"] = time.perf_counter() - t_shards
        finally:
            if pool is not None:
                pool.close()
                pool.join()

    doc_digests = b"".join(r.doc_digests for r in results)
    # bucket b wrote shards b, b + buckets, ...: interleave its digests back into shard order
    per_shard: list[bytes] = [b""] * shards
    for b, (_, digests, _) in enumerate(merged):
        per_shard[b::buckets] = digests
    shard_digests = b"".join(per_shard)
    facets = {
        "years": [[y, c, first, end] for y, (c, first, end) in sorted(years.items(), reverse=True)],
        "regions": [[p, c] for p, c in sorted(regions.items(), key=lambda kv: _region_order(kv[0]))],
        "levels": [[lv, c] for lv, c in sorted(levels.items())],
    }
    meta = {"format": FORMAT, "docs": n_docs, "shards": shards, "root": root, "facets": facets}
    blob, version = meta_blob(meta, doc_digests, shard_digests)
    (out_dir / META_NAME).write_bytes(blob)
    stats.docs = n_docs
    stats.postings = postings
    stats.keys = sum(k for _, _, k in merged)
    stats.shards = shards
    stats.shard_bytes = sum(b for b, _, _ in merged)
    stats.doc_bytes = sum(r.doc_bytes for r in results)
    stats.meta_bytes = len(blob)
    stats.version = version
    stats.written = [META_NAME, *map(shard_path, range(shards)), *map(doc_path, range(n_docs))]
    stats.files = len(stats.written)
    stats.state = IndexState(
        layout=STATE_LAYOUT, docs=n_docs, shards=shards, shard_target=shard_target,
        chunk_docs=chunk_docs, postings=postings, chunk_keys=chunk_keys, keys=stats.keys,
        shard_bytes=stats.shard_bytes, doc_bytes=stats.doc_bytes, version=version,
        identity=identity.digest(), doc_digests=doc_digests, shard_digests=shard_digests,
    )
    stats.extra["workers"] = workers
    stats.seconds = time.perf_counter() - t0
    return stats


def _region_order(path: str) -> tuple[str, ...]:
    # Parents sort before their children, siblings by name: a tree in reading order.
    return tuple(path.split("/"))
