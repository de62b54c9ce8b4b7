"""PDF → blocks, from the page geometry (pdfplumber).

Published reports are mostly PDFs with a text layer and ruled tables. The tables are found from
their ruling lines, so each cell is what its lines enclose: a blank cell stays a blank cell and
neighbouring numbers stay apart (``pdftotext -layout`` can only guess both from spacing). A row
whose cells are all merged into one — the frame some reports draw round the whole page — is prose,
read line by line like the text outside the tables, with each line's indent kept for paragraphs.
A table that ends at the bottom of a page and goes on at the top of the next with as many
columns is one table. A table drawn without lines gets its columns from where its numbers and
header labels sit. A PDF without a text layer (a scan) is refused with a message saying so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import columns
from .detect import UnreadableInput
from .document import Block, Document
from .text import is_page_footer

_CJK_GAP = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef]) +(?=[\u3000-\u9fff\uff00-\uffef])")
_TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}


@dataclass
class _Item:
    """A line of prose or a table row, with where it sits on its page."""

    page: int
    top: float
    cells: list[str]
    raw: str
    x0: float = 0.0
    size: float = 0.0
    table: int | None = None


def _clean(text: str | None) -> str:
    """A cell's text on one line: wrapped lines joined, the spaces between CJK characters dropped."""
    if not text:
        return ""
    return _CJK_GAP.sub("", " ".join(t.strip() for t in text.split("\n")).strip())


def _overlaps(obj: dict, bbox: tuple[float, float, float, float]) -> bool:
    """True when ``obj`` touches ``bbox``: the same test as a non-strict crop, so that a character
    sticking out of a table's frame is read once, with its row."""
    return obj["x0"] < bbox[2] and obj["x1"] > bbox[0] and obj["top"] < bbox[3] and obj["bottom"] > bbox[1]


def _lines(page, number: int) -> list[_Item]:
    """The page's text lines (of a page or a crop), each with its left edge and font size."""
    out = []
    for ln in page.extract_text_lines(keep_blank_chars=False):
        text = ln["text"].strip()
        if not text or is_page_footer(text):
            continue
        size = ln["chars"][0].get("size", 0.0) if ln.get("chars") else 0.0
        out.append(_Item(number, ln["top"], [text], text, ln["x0"], size))
    return out


def _page_items(page, number: int, next_table: int, carried: list[float]) -> tuple[list[_Item], list[tuple[int, int]]]:
    """A page's prose lines and table rows in reading order, and (table id, columns) per table.

    ``carried`` holds the column places of a table without lines that the previous page ended
    in; the page's last such table leaves its own there."""
    items: list[_Item] = []
    tables = page.find_tables(_TABLE_SETTINGS)
    shapes = []
    for k, table in enumerate(tables):
        tid = next_table + k
        rows = table.extract()
        shapes.append((tid, max((len(r) for r in rows), default=0)))
        for row, texts in zip(table.rows, rows):
            present = [c for c in row.cells if c is not None]
            if len(present) <= 1:
                items += _lines(page.crop(row.bbox, strict=False), number)
                continue
            # None: the part of a merged cell that lies in this grid position (not a cell of its
            # own); "": a cell drawn empty, which is a blank value (spec §7 "Blank cells")
            cells = [_clean(t) for t, c in zip(texts, row.cells) if c is not None]
            raw = " | ".join(c for c in cells if c)
            items.append(_Item(number, row.bbox[1], cells, raw, row.bbox[0], table=tid))
    outside = page.filter(lambda obj: obj.get("object_type") != "char"
                          or not any(_overlaps(obj, t.bbox) for t in tables))
    items += _loose_lines(outside, number, next_table + len(tables), carried)
    items.sort(key=lambda it: it.top)
    return items, shapes


# --- Tables without ruling lines (see :mod:`.columns`) -------------------------------------------

_GAP = 1.0  # a gap of this many character widths between two words ends a cell
_COLUMN_GAP = 1.5  # numbers this many character widths apart are in different columns


def _words(line: dict) -> list[tuple[str, float, float]]:
    """A text line's words (text, left, right), cut where the gap is a character wide or more."""
    out: list[list] = []
    for ch in line.get("chars", []):
        size = ch.get("size") or 10.0
        if out and ch["x0"] - out[-1][2] < _GAP * size and not ch["text"].isspace():
            out[-1][0] += ch["text"]
            out[-1][2] = ch["x1"]
        elif not ch["text"].isspace():
            out.append([ch["text"], ch["x0"], ch["x1"]])
    return [(t, a, b) for t, a, b in out]


def _loose_lines(page, number: int, table_id: int, carried: list[float]) -> list[_Item]:
    """Text lines outside ruled tables; rows of a table without lines get one cell per column.

    ``carried``: the column places of the table without lines the previous page ended in."""
    lines = []
    for ln in page.extract_text_lines(keep_blank_chars=False):
        text = ln["text"].strip()
        if not text or is_page_footer(text):
            continue
        size = ln["chars"][0].get("size", 0.0) if ln.get("chars") else 0.0
        chars = [(ch["text"], ch["x0"], ch["x1"]) for ch in ln.get("chars", []) if not ch["text"].isspace()]
        item = _Item(number, ln["top"], [text], text, ln["x0"], size)
        lines.append(columns.Line(item, text, _words(ln), chars))
    out: list[_Item] = []
    for k, run in enumerate(columns.runs(lines)):
        goes_on = k == 0 and not columns.is_break(run[0].text)  # the previous page's table, continued
        headers = columns.header_places(run)
        size = max((line.item.size for line in run), default=10.0) or 10.0
        cells = columns.lay_out(run, headers + (carried if goes_on else []), _COLUMN_GAP * size)
        carried[:] = headers or (carried if goes_on else [])
        for line, row in zip(run, cells or [None] * len(run)):
            it = line.item
            out.append(it if row is None else _Item(it.page, it.top, row, it.raw, it.x0, it.size, table=table_id))
    return out


def read_pdf(path: str, data: bytes) -> Document:
    """Read a PDF into blocks; raises :class:`UnreadableInput` for scans and broken files."""
    import io

    import pdfplumber

    items: list[_Item] = []
    chars = 0
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            next_table = 0
            carried: list[float] = []
            last_shape: tuple[int, int] | None = None
            for number, raw_page in enumerate(pdf.pages, start=1):
                # A glyph printed twice at one spot (how many PDF writers fake bold type) is one
                # character: read as two, a cell's 1 would become 11.
                page = raw_page.dedupe_chars()
                chars += len(page.chars)
                page_items, shapes = _page_items(page, number, next_table, carried)
                # a table continued from the previous page: same column count, first thing on the page
                first_row = next((it for it in page_items if it.table is not None), None)
                if (last_shape and shapes and first_row is not None and first_row.table == shapes[0][0]
                        and shapes[0][1] == last_shape[1] and page_items[0] is first_row):
                    for it in page_items:
                        if it.table == shapes[0][0]:
                            it.table = last_shape[0]
                next_table += len(shapes)
                last_shape = shapes[-1] if shapes else None
                items += page_items
    except UnreadableInput:
        raise
    except Exception as exc:  # pdfminer raises many kinds for damaged files; all mean "unreadable"
        raise UnreadableInput(f"{path}：无法读取这个 PDF 文件（文件损坏、不完整或已加密：{type(exc).__name__}），"
                              f"请换用完整的 PDF、网页版或 Word 版") from None
    if chars == 0:
        raise UnreadableInput(f"{path}：这是扫描版 PDF（只有图片，没有文字层），无法读取其中的文字和数字。"
                              f"请找文字版 PDF、网页版或 Word 版；或先做文字识别（OCR）并人工核对后再导入")
    return Document(path, "pdf", _blocks(items))


def _blocks(items: list[_Item]) -> list[Block]:
    """Items as blocks numbered by page; a prose line's indent counted in half-width characters
    from the left margin."""
    prose = [it for it in items if it.table is None and it.size]
    margin = min((it.x0 for it in prose), default=0.0)
    blocks = []
    for it in items:
        indent = round((it.x0 - margin) / (it.size / 2)) if it.table is None and it.size else 0
        # a PDF has pages, not lines: notes name the page (file.pdf:3: …)
        blocks.append(Block(it.page, it.cells, raw=it.raw, table=it.table, indent=max(indent, 0)))
    return blocks
