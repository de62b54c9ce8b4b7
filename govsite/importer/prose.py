"""The report's prose → the Markdown body (sections 一, 五, 六, notes of 二–四), paragraphs kept.

Paragraphs: one per line in text exports, HTML and .docx; in ``pdftotext -layout`` text, lines are
wrapped at the page width, so a paragraph starts at an indented line or after a short line that
ends a sentence, and the spaces pdftotext puts between justified CJK characters are removed.
Short numbered lines (``（一）主动公开``) become sub-headings. Markdown syntax in the source text is
escaped, so imported text stays text (issue 8).
"""

from __future__ import annotations

import re
import unicodedata

from ..content_file import section_skeleton
from ..formats import SECTIONS
from .document import Block, Document
from .sections import Heading, Regions

_SUBHEADING = re.compile(r"^\s*[（(]\s*([一二三四五六七八九十]{1,3})\s*[）)]\s*(.+)$")
_CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f]) +(?=\S)|(?<=\S) +(?=[^\x00-\x7f])")
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|])")
_MD_LINE_START = re.compile(r"^(\s*)(#{1,6}(?=\s|$)|[>+=-](?=\s|$)|\d+[.)](?=\s|$))")
_SENTENCE_END = ("。", "：", "；", "！", "？", ":", ";", "”", "）")


def escape_markdown(text: str) -> str:
    """Text that Markdown renders as the same text (no emphasis, links, HTML or headings)."""
    s = _MD_INLINE.sub(r"\\\1", text)
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), s)


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def paragraphs(blocks: list[Block], kind: str) -> list[str]:
    """The blocks' text as paragraphs."""
    if kind not in ("layout", "pdf"):
        out = []
        for b in blocks:
            text = " ".join(c.strip() for c in b.cells if c.strip()) if b.table is not None else (b.raw or b.text).strip()
            if text:
                out.append(text)
        return out
    widths = sorted(_width(b.raw.strip()) for b in blocks if b.raw.strip())
    full = widths[int(len(widths) * 0.8)] if widths else 0
    base = min((b.indent for b in blocks), default=0)
    paras: list[list[str]] = []
    prev: Block | None = None
    for b in blocks:
        text = b.raw.strip()
        if not text:
            continue
        starts = (
            prev is None
            or b.indent >= base + 2
            or _SUBHEADING.match(text) is not None and b.indent >= base + 1
            or (prev.raw.strip().endswith(_SENTENCE_END) and _width(prev.raw.strip()) < full * 0.8)
        )
        if starts or not paras:
            paras.append([text])
        else:
            paras[-1].append(text)
        prev = b
    return [_CJK_SPACE.sub("", "".join(p)) for p in paras]


def to_markdown(paras: list[str]) -> str:
    """Paragraphs as Markdown: short numbered lines become ``###`` sub-headings."""
    out = []
    for p in paras:
        m = _SUBHEADING.match(p)
        if m and len(p) <= 26 and p.rstrip("。").count("。") == 0 and "，" not in p:
            out.append(f"### （{m.group(1)}）{escape_markdown(m.group(2).strip())}")
        else:
            out.append(escape_markdown(p))
    return "\n\n".join(out)


def build_body(doc: Document, regions: Regions, headings: dict[int, Heading], skip: set[int]) -> tuple[str, dict[str, str]]:
    """The Markdown body and the prose of each section by anchor (s1 … s6).

    ``skip`` holds block indices that are not prose (the title lines). Sections 二–四 keep only
    text that is clearly prose outside the tables (a note under a table), never table cells.
    """
    notes: dict[str, str] = {}
    for number, (start, end) in regions.prose.items():
        anchor = SECTIONS[number][0]
        blocks = [doc.blocks[i] for i in range(start, end) if i not in skip]
        lead = headings[number].rest.strip()
        if number in (1, 2, 3):
            blocks = [b for b in blocks if _is_note(b, doc.kind)]
        paras = ([lead] if lead else []) + paragraphs(blocks, doc.kind)
        text = to_markdown(paras)
        if text:
            notes[anchor] = text
    pre_start, pre_end = regions.preface
    preface = to_markdown(paragraphs([doc.blocks[i] for i in range(pre_start, pre_end) if i not in skip], doc.kind))
    body = section_skeleton(notes)
    if preface:
        body = preface + "\n\n" + body
    return body, notes


def _is_note(block: Block, kind: str) -> bool:
    """A line of sections 二–四 that is prose, not part of a table."""
    if block.table is not None:
        return False
    text = block.text.strip()
    if kind in ("html", "docx"):
        return bool(text) and not re.search(r"\d\s*$", text) and len(text) >= 8
    return len(text) >= 20 and text.endswith("。") and len(block.cells) == 1
