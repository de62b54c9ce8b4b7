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

import html
import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

# markdown-it is imported when first needed (issue 7: ~20 ms, a twentieth of a one-edit rebuild,
# whose prose usually takes the fast path below and never needs it).
if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import StateCore
    from markdown_it.rules_inline.state_inline import StateInline
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
    left, right, last_punct, next_punct = _flanking(last, nxt)
    can_open = left and (can_split_word or not right or last_punct)
    can_close = right and (can_split_word or not left or next_punct)
    return can_open, can_close, count


#: markdown-it's ``isMdAsciiPunct`` and ``isWhiteSpace`` sets (``markdown_it.common.utils``), here so
#: that the fast path does not import markdown-it; tests/test_markdown_fast.py compares
#: :func:`_is_punct` and :func:`_is_space` with markdown-it's own for every code point.
_ASCII_PUNCT = frozenset(b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_WHITESPACE = frozenset((0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0xA0, 0x1680, 0x202F, 0x205F, 0x3000))


def _is_punct(ch: str) -> bool:
    """markdown-it's ``isMdAsciiPunct(ord(ch)) or isPunctChar(ch)``."""
    return ord(ch) in _ASCII_PUNCT or unicodedata.category(ch).startswith(("P", "S"))


def _is_space(ch: str) -> bool:
    """markdown-it's ``isWhiteSpace(ord(ch))``."""
    code = ord(ch)
    return 0x2000 <= code <= 0x200A or code in _WHITESPACE


def _flanking(last: str, nxt: str) -> tuple[bool, bool, bool, bool]:
    """(left-flanking, right-flanking, ``last`` is punctuation, ``nxt`` is punctuation) of a
    delimiter run between the characters ``last`` and ``nxt``, CJK letters counting as boundaries."""
    last_punct = _is_punct(last)
    next_punct = _is_punct(nxt)
    last_space = _is_space(last)
    next_space = _is_space(nxt)
    last_cjk, next_cjk = _is_cjk(last), _is_cjk(nxt)
    left = not (next_space or (next_punct and not (last_space or last_punct or last_cjk)))
    right = not (last_space or (last_punct and not (next_space or next_punct or next_cjk)))
    return left, right, last_punct, next_punct


def _emphasis(state: StateInline, silent: bool) -> bool:
    """markdown-it's emphasis tokenizer, using :func:`_scan_delims`."""
    from markdown_it.rules_inline.state_inline import Delimiter

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
    from markdown_it.token import Token

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
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.inline.ruler.at("emphasis", _emphasis)
    md.core.ruler.push("external_resources", _external_resources)
    return md


#: Characters that make markdown-it work: delimiters, links, escapes, entities, tables, code.
_MARKUP = re.compile(r"[\[\]*_!|`<&\\]")
#: markdown-it takes about a second per 100,000 of them (linear, but a report may be 5 MB); report
#: prose has a few dozen. Beyond this a body is refused by the check and, should the site publish
#: invalid reports, shown as plain text.
MAX_MARKUP = 20_000


def markup_count(text: str) -> int:
    """How many characters of ``text`` are Markdown markup that markdown-it must work on."""
    if len(text) <= MAX_MARKUP:
        return 0  # cannot exceed the limit: not counted (every report passes here)
    return len(_MARKUP.findall(text))


def render(text: str) -> str:
    """Markdown text → HTML (trusted: raw HTML was escaped by the parser)."""
    if len(text) <= _SHORT:
        return _render_short(text)
    if markup_count(text) > MAX_MARKUP:
        return _plain_paragraphs(text)
    return _render(text)


def _plain_paragraphs(text: str) -> str:
    """Text shown as it is, one ``<p>`` per blank-line-separated block, every character escaped."""
    blocks = (b.strip() for b in re.split(r"\n\s*\n", text))
    return "".join(f"<p>{html.escape(b, quote=True)}</p>\n" for b in blocks if b)


#: Sections this short are often the same in many reports (“（详见下表）”, “无。”, “本机关未收取信息处理
#: 费。”): their HTML is remembered (issue 7). Longer prose is rarely repeated.
_SHORT = 120


@lru_cache(maxsize=4096)
def _render_short(text: str) -> str:
    return _render(text)


def _render(text: str) -> str:
    if not text.strip():
        return ""
    blocks = _simple_blocks(text)
    if blocks is None:
        return parser().render(text)
    if "*" in text or "_" in text or ">" in text or '"' in text:
        inline = _inline_html
    else:  # nothing to emphasise or escape in any block (most report prose): the text as it is
        inline = str
    out = []
    for level, content in blocks:
        inner = inline(content)
        out.append(f"<h{level}>{inner}</h{level}>\n" if level else f"<p>{inner}</p>\n")
    return "".join(out)


def plain_text(text: str) -> str:
    """The text content of Markdown, for the search index and excerpts."""
    if markup_count(text) > MAX_MARKUP:
        return text
    blocks = _simple_blocks(text)
    if blocks is None:
        return "\n".join(_inline_text(tok.children) for tok in parser().parse(text)
                         if tok.type == "inline" and tok.children)
    return "\n".join(_plain_inline(content) for _, content in blocks)


def _inline_text(children: list[Token]) -> str:
    return "".join(c.content for c in children if c.type in ("text", "code_inline"))


# --- a fast path for prose that is only headings and paragraphs -----------------------------------
#
# Report prose is almost all ATX headings and paragraphs of plain text (issue 7: markdown-it took
# ~0.7 ms per report, parsing every body twice, for the page and for search). When every line is
# plainly one of those, the HTML is written here; a paragraph or heading with ``*``/``_`` still has
# its inline content parsed by markdown-it (emphasis, with the CJK rule above). Anything else — a
# character that could start another construct, edge whitespace, a control character — sends the
# whole text to markdown-it, so the output is always exactly markdown-it's.

#: Characters that may make inline markup (links, code, entities, escapes, autolinks, tables) or
#: are control characters other than the newline: their presence anywhere means markdown-it.
_NOT_SIMPLE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f`<&\[\]\\|~]")
#: First characters of a line that may start a block other than a paragraph (or continue one
#: specially): headings are handled below, the rest goes to markdown-it.
_BLOCK_START = frozenset("#>+-= \t")
_ORDERED_ITEM = re.compile(r"[0-9]+[.)]")
_ATX = re.compile(r"(#{1,6}) (.+)")
_EMPHASIS_CHARS = re.compile(r"[*_]")


def _simple_blocks(text: str) -> list[tuple[int, str]] | None:
    """``(heading level or 0 for a paragraph, inline content)`` of each block, when the text is
    only ATX headings and plain paragraphs separated by empty lines; else None."""
    if _NOT_SIMPLE.search(text):
        return None
    blocks: list[tuple[int, str]] = []
    para: list[str] = []
    for line in text.split("\n"):
        if not line:
            if para:
                blocks.append((0, "\n".join(para)))
                para = []
            continue
        first = line[0]
        if line[-1].isspace():
            return None  # a hard break, a blank-looking line, or trimmed text
        if first == "#":
            m = _ATX.fullmatch(line)
            if m is None:
                return None
            content = m.group(2)
            if content[0].isspace() or content[-1] == "#":
                return None  # trimmed, or a closing sequence
            if para:
                blocks.append((0, "\n".join(para)))
                para = []
            blocks.append((len(m.group(1)), content))
            continue
        if first in "*_":
            # ``**（一）主动公开。**围绕…``: emphasis, not a list item or a rule, when the run of
            # markers is followed by something other than whitespace.
            rest = line.lstrip(first)
            if not rest or rest[0].isspace():
                return None
        elif first in _BLOCK_START or first.isspace() or ("0" <= first <= "9" and _ORDERED_ITEM.match(line)):
            return None
        para.append(line)
    if para:
        blocks.append((0, "\n".join(para)))
    return blocks


def _inline_html(content: str) -> str:
    """The HTML of a block's inline content (see :func:`_simple_blocks`)."""
    if "*" in content or "_" in content:  # _EMPHASIS_CHARS, without a regex call per block
        lead = _lead_strong(content)
        if lead is None:
            return parser().renderInline(content)
        return f"<strong>{_escape(lead[0])}</strong>{_escape(lead[1])}"
    return _escape(content)


def _plain_inline(content: str) -> str:
    """The text of a block's inline content: soft line breaks leave nothing (as in markdown-it)."""
    if _EMPHASIS_CHARS.search(content):
        lead = _lead_strong(content)
        if lead is None:
            return _inline_text(parser().parseInline(content)[0].children or [])
        return lead[0] + lead[1].replace("\n", "")
    return content.replace("\n", "")


def _escape(text: str) -> str:
    # markdown-it's escapeHtml; "&" and "<" never get here.
    return text.replace(">", "&gt;").replace('"', "&quot;")


_LEAD_STRONG = re.compile(r"\*\*([^*_\n]+)\*\*([^*_]*)")


def _lead_strong(content: str) -> tuple[str, str] | None:
    """``**（一）主动公开。**围绕…`` — the one emphasis real reports use, at the start of a paragraph —
    as (bold text, rest) when markdown-it would make it ``<strong>`` (both runs flank as
    :func:`_scan_delims` decides); else None."""
    m = _LEAD_STRONG.fullmatch(content)
    if m is None:
        return None
    bold, rest = m.groups()
    opens = _flanking(" ", bold[0])[0]  # the start of the content counts as a space
    closes = _flanking(bold[-1], rest[:1] or " ")[1]
    return (bold, rest) if opens and closes else None
