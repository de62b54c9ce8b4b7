"""Read a written index back: the Python twin of ``search.js``.

Used by the tests (decode shards, check postings) and by ``bench/search_bench.py`` (which keys and
files a query touches, and how many gzip bytes that is). :func:`brute_force` is the definition of
the semantics, computed from the documents themselves.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .index import DOC_DIR, DOCS_PER_DIR, META_NAME, SHARD_DIR, SearchDoc, full_text, names_text, shard_of
from .text import normalize, split_terms

#: search.js verifies every candidate at once when there are at most this many (VERIFY_ALL there).
VERIFY_ALL = 40


def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    """The LEB128 varint at ``pos`` and the position after it."""
    result = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


def decode_ids(buf: bytes, n: int) -> list[int]:
    """Decode ``n`` ids stored as first id then gaps."""
    ids: list[int] = []
    pos = prev = 0
    for i in range(n):
        v, pos = read_varint(buf, pos)
        prev = v if i == 0 else prev + v
        ids.append(prev)
    return ids


def decode_shard(raw: bytes) -> dict[str, tuple[list[int], list[int]]]:
    """All entries of one (decompressed) shard: key → (all ids, name ids)."""
    out: dict[str, tuple[list[int], list[int]]] = {}
    pos = 0
    while pos < len(raw):
        klen, pos = read_varint(raw, pos)
        key = raw[pos : pos + klen].decode("utf-8")
        pos += klen
        lists = []
        for _ in range(2):
            n, pos = read_varint(raw, pos)
            nbytes, pos = read_varint(raw, pos)
            lists.append(decode_ids(raw[pos : pos + nbytes], n))
            pos += nbytes
        out[key] = (lists[0], lists[1])
    return out


@dataclass
class Filters:
    year: int | None = None
    region: str = ""  # path prefix, levels joined by "/"
    level: str = ""


@dataclass
class Result:
    """An ordered result list plus what computing its first page cost."""

    ids: list[int]
    exact: bool
    upper_bound: int
    fetched: dict[str, int] = field(default_factory=dict)  # relative path → gzip bytes


class IndexReader:
    """Query a written index the way ``search.js`` does, counting the files it would fetch."""

    def __init__(self, out_dir: Path) -> None:
        self.dir = Path(out_dir)
        blob = (self.dir / META_NAME).read_bytes()
        self.meta = json.loads(gzip.decompress(blob))
        self.meta_bytes = len(blob)
        self._shards: dict[int, dict[str, tuple[list[int], list[int]]]] = {}
        self._docs: dict[int, dict] = {}

    def shard_path(self, shard: int) -> str:
        return f"{SHARD_DIR}/{shard:x}.gz"

    def doc_path(self, doc_id: int) -> str:
        return f"{DOC_DIR}/{doc_id // DOCS_PER_DIR}/{doc_id}.gz"

    def lookup(self, key: str, fetched: dict[str, int] | None = None) -> tuple[list[int], list[int]]:
        s = shard_of(key, self.meta["shards"])
        if s not in self._shards:
            blob = (self.dir / self.shard_path(s)).read_bytes()
            self._shards[s] = decode_shard(gzip.decompress(blob))
            if fetched is not None:
                fetched[self.shard_path(s)] = len(blob)
        return self._shards[s].get(key, ([], []))

    def doc(self, doc_id: int, fetched: dict[str, int] | None = None) -> dict:
        if doc_id not in self._docs:
            blob = (self.dir / self.doc_path(doc_id)).read_bytes()
            self._docs[doc_id] = json.loads(gzip.decompress(blob))
            if fetched is not None:
                fetched[self.doc_path(doc_id)] = len(blob)
        return self._docs[doc_id]

    def search(self, query: str, filters: Filters | None = None, page_size: int = 20) -> Result:
        """Rank like ``search.js`` and verify the first page; ``fetched`` lists new downloads."""
        filters = filters or Filters()
        fetched: dict[str, int] = {}
        terms = split_terms(query)
        n = self.meta["docs"]
        cand: set[int] | None = None
        name_hits: dict[int, int] = {}
        verify = any(len(t) > 2 for t in terms)
        for t in terms:
            if len(t) == 1:
                ids, names = self.lookup("1:" + t, fetched)[0], None
            else:
                ids_set: set[int] | None = None
                name_set: set[int] | None = None
                for i in range(len(t) - 1):
                    a, nm = self.lookup(t[i : i + 2], fetched)
                    ids_set = set(a) if ids_set is None else ids_set & set(a)
                    name_set = set(nm) if name_set is None else name_set & set(nm)
                ids, names = sorted(ids_set or ()), name_set or set()
            cand = set(ids) if cand is None else cand & set(ids)
            for d in ids if names is None else names:
                name_hits[d] = name_hits.get(d, 0) + 1
        for key in self._filter_keys(filters):
            ids = self.lookup(key, fetched)[0]
            cand = set(ids) if cand is None else cand & set(ids)
        if filters.year is not None:
            span = next((y for y in self.meta["facets"]["years"] if y[0] == filters.year), None)
            rng = set(range(span[2], span[3])) if span else set()
            cand = rng if cand is None else cand & rng
        if cand is None:
            return Result([], True, 0, fetched)
        order = sorted(cand, key=lambda d: (-name_hits.get(d, 0), d))
        if verify and len(order) <= VERIFY_ALL:  # as search.js: verify all, for an exact count
            page_size = max(page_size, len(order))
        # the first page: fetched for excerpts, and verified when a term is longer than 2
        shown: list[int] = []
        pos = 0
        while len(shown) < page_size and pos < len(order):
            d = order[pos]
            pos += 1
            doc = self.doc(d, fetched)
            if not verify or self._verify(doc, terms):
                shown.append(d)
        if verify:  # name postings of longer terms may over-rank: use the verified score
            scores = {d: self._name_score(self.doc(d), terms) for d in shown}
            shown.sort(key=lambda d: (-scores[d], d))
        exact = not verify or pos == len(order)
        ids = shown + order[pos:] if not verify else shown
        return Result(ids if exact else order, exact, len(order) - (pos - len(shown)), fetched)

    @staticmethod
    def _filter_keys(filters: Filters) -> list[str]:
        keys = []
        if filters.region:
            keys.append("r:" + filters.region)
        if filters.level:
            keys.append("l:" + filters.level)
        return keys

    @staticmethod
    def _name_score(doc: dict, terms: Sequence[str]) -> int:
        names = normalize(names_text(doc["t"], doc["a"]))
        return sum(1 for t in terms if t in names)

    @staticmethod
    def _verify(doc: dict, terms: Sequence[str]) -> bool:
        names = normalize(names_text(doc["t"], doc["a"]))
        full = normalize(full_text(doc["t"], doc["a"], doc["r"], doc["y"], doc["x"]))
        return all((t in names) if len(t) == 1 else (t in full) for t in terms)


def brute_force(docs: Iterable[SearchDoc], query: str, filters: Filters | None = None) -> list[str]:
    """The true, ranked result URLs by substring match over the documents themselves."""
    from .index import doc_sort_key

    filters = filters or Filters()
    terms = split_terms(query)
    if not terms and not (filters.year or filters.region or filters.level):
        return []
    hits = []
    for doc in sorted(docs, key=doc_sort_key):
        if filters.year is not None and doc.year != filters.year:
            continue
        if filters.level and doc.level != filters.level:
            continue
        if filters.region:
            parts = filters.region.split("/")
            if list(doc.region[: len(parts)]) != parts:
                continue
        names = normalize(names_text(doc.title, doc.agency))
        full = normalize(full_text(doc.title, doc.agency, doc.region, doc.year, doc.text))
        if not all((t in names) if len(t) == 1 else (t in full) for t in terms):
            continue
        score = sum(1 for t in terms if t in names)
        hits.append((-score, len(hits), doc.url))
    hits.sort()
    return [url for _, _, url in hits]
