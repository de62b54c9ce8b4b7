"""Finding the six statutory section headings (spec §2) and the parts of the source they delimit.

Headings are matched fuzzily (``五、存在问题及改进情况``, ``三、收到和处理政府信息公开的申请情况``,
spaces from pdftotext) and in order, so a Table 2 row such as ``三、本年度办理结果`` is not taken for
section 三. Where a heading is missing, the tables are located by their own first labels.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..formats import SECTIONS
from .document import Block
from .labels import normalize, similarity

_TITLES = [normalize(t) for _, t in SECTIONS]
_NUMERALS = "一二三四五六"


@dataclass
class Heading:
    """A section heading found in the source."""

    number: int  # 0 … 5 for 一 … 六
    index: int  # block index
    rest: str  # text after the heading on the same line (a run-in first paragraph)


def heading_of(block: Block, number: int) -> str | None:
    """If ``block`` is the heading of section ``number``, the text that follows it on the line."""
    if block.table is not None and len([c for c in block.cells if c.strip()]) > 1:
        return None
    raw = " ".join(c for c in block.cells if c.strip()).strip()
    text = normalize(raw)
    title = _TITLES[number]
    if not text.startswith(_NUMERALS[number]) or len(text) < 3 or text[1] not in "、.":
        return None
    if text.startswith(title):
        return _after(raw, title)
    if len(text) <= len(title) + 8 and similarity(text, title) >= 0.6:
        return ""
    # a run-in heading with a variant title: "五、存在问题及改进情况。……"
    for end in ("情况", "事项"):
        cut = text.find(end)
        if 0 < cut <= len(title) + 6 and similarity(text[: cut + len(end)], title) >= 0.7:
            return _after(raw, text[: cut + len(end)])
    return None


def _after(raw: str, norm_prefix: str) -> str:
    """The part of ``raw`` after the characters that normalise to ``norm_prefix``."""
    for i in range(len(raw) + 1):
        if normalize(raw[:i]) == norm_prefix:
            return raw[i:].lstrip(" 。.：:，,")
    return ""


def find_headings(blocks: list[Block]) -> dict[int, Heading]:
    """The section headings, each searched after the previous one found."""
    found: dict[int, Heading] = {}
    start = 0
    for number in range(6):
        for i in range(start, len(blocks)):
            rest = heading_of(blocks[i], number)
            if rest is not None:
                found[number] = Heading(number, i, rest)
                start = i + 1
                break
    return found


@dataclass
class Regions:
    """Block index ranges ``[start, end)`` of the parts of a report."""

    preface: tuple[int, int]
    prose: dict[int, tuple[int, int]]  # section number → range of its text (headings excluded)
    tables: dict[str, tuple[int, int]]  # "active" / "applications" / "reviews" → range


def _anchor(blocks: list[Block], start: int, test) -> int | None:
    for i in range(start, len(blocks)):
        if test(normalize(blocks[i].text)):
            return i
    return None


def find_regions(blocks: list[Block], headings: dict[int, Heading]) -> Regions:
    """Where each section's prose and each table lies."""
    n = len(blocks)
    idx = {k: h.index for k, h in headings.items()}

    def next_heading(after: int) -> int:
        later = [i for i in idx.values() if i > after]
        return min(later) if later else n

    first = min(idx.values()) if idx else n
    prose = {}
    for k, i in idx.items():
        prose[k] = (i + 1, next_heading(i))

    # Table starts: the heading of its section, or else the table's own first labels.
    s1 = idx.get(1)
    if s1 is None:
        s1 = _anchor(blocks, 0, lambda t: t.startswith("第二十条"))
    s2 = idx.get(2)
    if s2 is None:
        s2 = _anchor(blocks, (s1 or 0), lambda t: "本列数据的勾稽关系" in t or t.startswith(("申请人情况", "一、本年新收")))
    s3 = idx.get(3)
    if s3 is None:
        # without its heading (an OCR'd page), Table 3 starts at its own header words, however
        # its sub-headers are printed
        s3 = _anchor(blocks, (s2 if s2 is not None else (s1 or 0)) + 1,
                     lambda t: t.startswith(("行政复议", "行政诉讼")) or "结果维持" in t or ("复议" in t[:6] and "诉讼" in t))
    starts = {"active": s1, "applications": s2, "reviews": s3}
    tables: dict[str, tuple[int, int]] = {}
    ordered = sorted((v, k) for k, v in starts.items() if v is not None)
    ends_after = [idx[k] for k in (4, 5) if k in idx]
    for pos, (start, key) in enumerate(ordered):
        end = ordered[pos + 1][0] if pos + 1 < len(ordered) else min([e for e in ends_after if e > start] or [n])
        if key == "reviews" and 4 in idx and idx[4] > start:
            end = min(end, idx[4])
        tables[key] = (start, end)
    return Regions(preface=(0, first), prose=prose, tables=tables)
