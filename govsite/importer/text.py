"""Plain-text sources → blocks: tab-separated, pipe-separated, one cell per line, pdftotext -layout.

Which of the four a file is follows from its lines (issue 5: detected from the content). Each line
becomes a :class:`Block` whose cells are what the separators delimit; nothing here knows the
tables — matching cells to rows and columns happens in :mod:`.tables`.
"""

from __future__ import annotations

import re

from .cells import is_value_token
from .document import Block, Document

_LAYOUT_GAP = re.compile(r"\S+(?: \S+)*")  # runs separated by 2+ spaces
_PAGE_FOOTER = re.compile(r"^\s*(?:[-－—–]\s*\d{1,3}\s*[-－—–]|第\s*\d{1,3}\s*页(?:\s*[/，,]?\s*共\s*\d{1,3}\s*页)?|\d{1,3}\s*/\s*\d{1,3})\s*$")


def is_page_footer(line: str) -> bool:
    """True for a page number line (``-3-``, ``第 3 页``) that pdftotext leaves inside the text."""
    return bool(_PAGE_FOOTER.match(line))


def sniff(lines: list[str]) -> str:
    """The text kind: ``tsv``, ``pipe``, ``layout`` or ``lines``."""
    nonblank = [ln for ln in lines if ln.strip()]
    tabs = sum("\t" in ln for ln in nonblank)
    pipes = sum(ln.count("|") >= 2 for ln in nonblank)
    gaps = sum(bool(re.search(r"\S {3,}\S", ln.strip())) for ln in nonblank)
    threshold = max(5, len(nonblank) // 50)
    if tabs >= threshold and tabs >= pipes:
        return "tsv"
    if pipes >= threshold:
        return "pipe"
    if gaps >= threshold:
        return "layout"
    return "lines"


def read_text(path: str, text: str) -> Document:
    """Split ``text`` into blocks according to its sniffed kind."""
    text = text.replace("\f", "\n")
    lines = text.split("\n")
    kind = sniff(lines)
    blocks: list[Block] = []
    if kind == "lines":
        blocks = _group_lines(lines)
    else:
        for i, line in enumerate(lines, start=1):
            if not line.strip() or is_page_footer(line):
                continue
            cells = _cells(kind, line)
            indent = len(line) - len(line.lstrip(" ")) if kind == "layout" else 0
            blocks.append(Block(i, cells, raw=line.rstrip(), indent=indent))
    return Document(path, kind, blocks)


def _cells(kind: str, line: str) -> list[str]:
    if kind == "tsv":
        return [c.strip() for c in line.rstrip("\n").split("\t")]
    if kind == "pipe":
        s = line.strip()
        if s.startswith("|"):
            s = s[1:]
        if s.endswith("|"):
            s = s[:-1]
        return [c.strip() for c in s.split("|")]
    if kind == "layout":
        return [m.group(0) for m in _LAYOUT_GAP.finditer(line)]
    return [line.strip()]


def _group_lines(lines: list[str]) -> list[Block]:
    """One cell per line: a label line takes the value lines after it (blank lines = blank cells)."""
    blocks: list[Block] = []
    current: Block | None = None
    blanks = 0
    for i, line in enumerate(lines, start=1):
        s = line.strip()
        if is_page_footer(line):
            continue
        if not s:
            blanks += 1
            continue
        if is_value_token(s) and current is None:
            current = Block(i, [s], raw=s)
            blocks.append(current)
        elif is_value_token(s) and current is not None:
            if len(current.cells) > 1:
                current.cells.extend([""] * blanks)  # blank lines between values: blank cells
            current.cells.append(s)
            current.raw += " | " + s
        else:
            current = Block(i, [s], raw=s)
            blocks.append(current)
        blanks = 0
    return blocks
