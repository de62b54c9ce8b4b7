"""Markdown → HTML for the prose sections: markdown-it-py, raw HTML off, CJK-friendly emphasis.

Raw HTML is off (engineering notes: the commonmark preset lets ``<img onerror>`` through), so the
rendered body is the only markup a page trusts. Images from other hosts are not embedded (a page
must not make requests to another host, issue 8): they become links, like every link off the site
marked ``rel="nofollow noopener noreferrer"``. Real reports write ``**存在的主要问题：**依照…``,
which CommonMark does not bold because the closing ``**`` follows punctuation and precedes a CJK
letter; the emphasis rule here treats a CJK neighbour like a punctuation mark or space would be
treated on that side (in the spirit of markdown-cjk-friendly), and leaves all other text alone.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline.state_inline import Delimiter, StateInline
from markdown_it.token import Token

#: ``rel`` of every link that leaves the site: no referrer, no window handle, no endorsement.
EXTERNAL_REL = "nofollow noopener noreferrer"

_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0002fa1f]")


def _is_cjk(ch: str) -> bool:
    return bool(_CJK.match(ch))


def _scan_delims(state: StateInline, start: int, can_split_word: bool) -> tuple[bool, bool, int]:
    """``StateInline.scanDelims`` with CJK letters next to the run counting as a word boundary."""
    pos = start
    maximum = state.posMax
    marker = state.src[start]
    last = state.src[start - 1] if start > 0 else " "
    while pos < maximum and state.src[pos] == marker:
        pos += 1
    count = pos - start
    nxt = state.src[pos] if pos < maximum else " "
    last_punct = isMdAsciiPunct(ord(last)) or isPunctChar(last)
    next_punct = isMdAsciiPunct(ord(nxt)) or isPunctChar(nxt)
    last_space = isWhiteSpace(ord(last))
    next_space = isWhiteSpace(ord(nxt))
    last_cjk, next_cjk = _is_cjk(last), _is_cjk(nxt)
    left = not (next_space or (next_punct and not (last_space or last_punct or last_cjk)))
    right = not (last_space or (last_punct and not (next_space or next_punct or next_cjk)))
    can_open = left and (can_split_word or not right or last_punct)
    can_close = right and (can_split_word or not left or next_punct)
    return can_open, can_close, count


def _emphasis(state: StateInline, silent: bool) -> bool:
    """markdown-it's emphasis tokenizer, using :func:`_scan_delims`."""
    marker = state.src[state.pos]
    if silent or marker not in ("_", "*"):
        return False
    can_open, can_close, length = _scan_delims(state, state.pos, marker == "*")
    for _ in range(length):
        token = state.push("text", "", 0)
        token.content = marker
        state.delimiters.append(Delimiter(
            marker=ord(marker), length=length, token=len(state.tokens) - 1,
            end=-1, open=can_open, close=can_close,
        ))
    state.pos += length
    return True


def is_external(url: str) -> bool:
    """True for a URL on another host (``https://…``, ``//host/…``); relative and data URLs are local."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return True  # unparseable: treat as foreign, never load it
    return bool(parts.netloc) or parts.scheme.lower() in ("http", "https", "ftp")


def _absolute(url: str) -> str:
    """A protocol-relative ``//host/x`` as ``https://host/x``: every link off the site names its scheme."""
    return "https:" + url if url.startswith("//") else url


def _external_resources(state: StateCore) -> None:
    """No page makes a request to another host (issue 8): an image from elsewhere becomes a plain
    link to it (its alt text, marked 图片), and every link off the site gets :data:`EXTERNAL_REL`."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        out: list[Token] = []
        for tok in block.children:
            if tok.type == "image" and is_external(str(tok.attrGet("src") or "")):
                link = Token("link_open", "a", 1)
                link.attrs = {"href": _absolute(str(tok.attrGet("src"))), "rel": EXTERNAL_REL, "class": "external-image"}
                text = Token("text", "", 0)
                alt = "".join(c.content for c in (tok.children or []) if c.type in ("text", "code_inline"))
                text.content = f"[图片：{alt}]" if alt else "[图片]"
                out += [link, text, Token("link_close", "a", -1)]
                continue
            if tok.type == "link_open" and is_external(str(tok.attrGet("href") or "")):
                tok.attrSet("href", _absolute(str(tok.attrGet("href"))))
                tok.attrSet("rel", EXTERNAL_REL)
            out.append(tok)
        block.children = out


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    """The shared Markdown parser: CommonMark, raw HTML off, tables on, CJK-friendly emphasis,
    no resources loaded from other hosts."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.inline.ruler.at("emphasis", _emphasis)
    md.core.ruler.push("external_resources", _external_resources)
    return md


def render(text: str) -> str:
    """Markdown text → HTML (trusted: raw HTML was escaped by the parser)."""
    return parser().render(text) if text.strip() else ""


def plain_text(text: str) -> str:
    """The text content of Markdown, for the search index and excerpts."""
    out = []
    for tok in parser().parse(text):
        if tok.type == "inline" and tok.children:
            out.append("".join(c.content for c in tok.children if c.type in ("text", "code_inline")))
    return "\n".join(out)
