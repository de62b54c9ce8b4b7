"""Normalisation and tokenisation shared by the index writer and (mirrored) by ``search.js``.

The browser must produce exactly the same folded text as Python, or postings would not line up
with what the client verifies. Whole-string NFKC is context-sensitive (combining marks, Hangul
jamo compose with their neighbours) and JavaScript has no ``casefold``, so folding is defined
*per code point*::

    fold(c) = NFKC(casefold(NFKC(c)))

and a string folds to the concatenation of its code points' folds. ``search.js`` computes
``c.normalize("NFKC").toLowerCase()`` and patches the ~250 code points where ``casefold`` differs
from ``lower`` (ß, final sigma, Cherokee, Greek iota subscript…); ``tests/test_search_browser.py``
checks both sides agree on every assigned code point below U+30000.

Whitespace is the explicit set :data:`WS_CHARS` (the same character class is written in
``search.js``) rather than ``str.split()``/``/\\s/``, which disagree on a few separators.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from operator import add

#: Every character Python's ``str.isspace()`` accepts. Terms are split on these, and no bigram
#: containing one is indexed (a term never contains whitespace, so such bigrams are never queried).
WS_CHARS = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_WS_RE = re.compile("[" + re.escape(WS_CHARS) + "]+")

#: Code points above this have no NFKC or case mapping (CJK extensions G/H, tags, private use);
#: skipping them keeps building the table at ~0.1 s.
_FOLD_LIMIT = 0x30000


@functools.cache
def fold_table() -> dict[int, str]:
    """Return the ``str.translate`` table of every code point whose fold differs from itself."""
    table: dict[int, str] = {}
    nfkc = functools.partial(unicodedata.normalize, "NFKC")
    for cp in range(_FOLD_LIMIT):
        if 0xD800 <= cp < 0xE000:
            continue
        c = chr(cp)
        folded = nfkc(nfkc(c).casefold())
        if folded != c:
            table[cp] = folded
    return table


def normalize(text: str) -> str:
    """Fold full-/half-width forms and case, code point by code point (see module docstring)."""
    if text.isascii():
        # ASCII never changes under NFKC; lower() equals casefold() on ASCII and is much faster.
        return text.lower()
    return text.translate(fold_table())


def split_terms(query: str) -> list[str]:
    """Split a query into distinct folded terms, in first-seen order."""
    seen: dict[str, None] = {}
    for term in _WS_RE.split(normalize(query)):
        if term:
            seen.setdefault(term, None)
    return list(seen)


def segments(folded: str) -> list[str]:
    """Whitespace-free runs of an already folded text."""
    return [s for s in _WS_RE.split(folded) if s]


def bigrams(folded: str, into: set[str] | None = None) -> set[str]:
    """Distinct pairs of adjacent code points of a folded text, never spanning whitespace."""
    out = set() if into is None else into
    for seg in _WS_RE.split(folded):
        if len(seg) > 1:
            out.update(map(add, seg, seg[1:]))
    return out


def unigrams(folded: str) -> set[str]:
    """Distinct non-whitespace code points of a folded text."""
    out = set(folded)
    out.difference_update(WS_CHARS)
    return out


def matches(term: str, full_folded: str, names_folded: str) -> bool:
    """The search semantics for one folded term: one-character terms look at the names only."""
    if len(term) == 1:
        return term in names_folded
    return term in full_folded
