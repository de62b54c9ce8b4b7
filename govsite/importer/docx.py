""".docx reports → blocks, with python-docx.

Paragraphs and tables are read in body order. Merged cells: python-docx returns the same cell for
every grid position a horizontal span (``gridSpan``) or vertical merge (``vMerge``) covers; the
cell's XML element identifies it, so a merged value is read once and a merged label is repeated on
each row it spans, as for HTML (:func:`.html.table_rows`).
"""

from __future__ import annotations

import io

from ..safezip import ZipLimitError, check_unzipped_size
from .cells import is_value_token
from .detect import UnreadableInput
from .document import Block, Document


def read_docx(path: str, data: bytes) -> Document:
    """Parse a .docx package; the block "line" is the ordinal of the paragraph or table row."""
    try:
        import docx  # python-docx (optional dependency "import")
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError:  # pragma: no cover - depends on the installation
        raise UnreadableInput(f"{path}：读取 .docx 需要 python-docx，请先安装：pip install python-docx") from None
    try:
        check_unzipped_size(data)  # python-docx unpacks every member into memory
        document = docx.Document(io.BytesIO(data))
    except ZipLimitError as exc:
        raise UnreadableInput(f"{path}：无法打开 .docx 文档：{exc}") from None
    except Exception as exc:  # python-docx raises many kinds for a damaged package
        raise UnreadableInput(f"{path}：无法打开 .docx 文档（文件可能已损坏：{type(exc).__name__}）") from None
    blocks: list[Block] = []
    ordinal = 0
    tables = 0
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            ordinal += 1
            for part in item.text.split("\n"):
                text = " ".join(part.split())
                if text:
                    blocks.append(Block(ordinal, [text], raw=text))
        elif isinstance(item, Table):
            tables += 1
            for cells in table_grid(item):
                ordinal += 1
                if any(c.strip() for c in cells):
                    blocks.append(Block(ordinal, cells, raw=" | ".join(cells), table=tables))
    title = (document.core_properties.title or "").strip()
    return Document(path, "docx", blocks, title=title)


def table_grid(table) -> list[list[str]]:
    """The table's rows with merged cells resolved: labels repeated down a span, values given once."""
    # Keyed by the cell's XML element itself: the dict keeps the lxml proxies alive, so the same
    # element is the same key on every row (an id() of a dropped proxy could be reused).
    origin: dict[object, int] = {}
    out: list[list[str]] = []
    for r, row in enumerate(table.rows):
        seen: list[object] = []
        cells: list[str] = []
        for cell in row.cells:
            key = cell._tc
            if key in seen:
                continue  # the same cell again: a horizontal span
            seen.append(key)
            start = origin.setdefault(key, r)
            text = " ".join(cell.text.split())
            if start != r and (not text or is_value_token(text)):
                continue  # a vertically merged value belongs to its first row
            cells.append(text)
        out.append(cells)
    return out
