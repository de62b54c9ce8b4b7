"""The importer's intermediate form: a source document as an ordered list of blocks.

Every input kind (text exports, ``pdftotext -layout``, HTML, .docx) is read into the same shape —
lines of cells with their source line — so that finding the sections, matching table rows against
the format description and parsing values happen once, whatever the source looked like.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Block:
    """One line of the source: a prose line (one cell) or a table row (several cells).

    ``cells`` are the row's cells in reading order; for HTML and .docx tables, merged cells are
    expanded so that a label spanning several rows (``三、本年度办理结果``) is repeated on each of
    them, while a value cell is given only once, on the row where it starts.
    """

    line: int  # 1-based line in the source (.docx: the paragraph or table-row ordinal; PDF: the page)
    cells: list[str]
    raw: str = ""  # the source line as quoted in notes
    table: int | None = None  # source table number for HTML/.docx rows; None for text lines
    indent: int = 0  # leading spaces of a pdftotext -layout line (paragraph detection)

    @property
    def text(self) -> str:
        """All cells joined (labels split over cells read as one string)."""
        return "".join(c for c in self.cells)

    def quote(self, limit: int = 60) -> str:
        """The source line, shortened for a note."""
        s = " ".join((self.raw or " | ".join(self.cells)).split())
        return s if len(s) <= limit else s[: limit - 1] + "…"


@dataclass
class Document:
    """A parsed input file."""

    path: str  # as shown in notes
    kind: str  # "tsv", "pipe", "layout", "lines", "html", "docx"
    blocks: list[Block]
    title: str = ""  # the document title where the format has one (HTML <title>, ArticleTitle)
    meta: dict[str, str] = field(default_factory=dict)  # HTML <meta name=… content=…>
    notes: list[str] = field(default_factory=list)  # decoding decisions (encoding, …)

    @property
    def kind_label(self) -> str:
        """The input kind in Chinese, for messages."""
        return KIND_LABELS.get(self.kind, self.kind)


KIND_LABELS = {
    "tsv": "制表符分隔的文本",
    "pipe": "竖线分隔的文本",
    "layout": "pdftotext -layout 版式文本",
    "lines": "每行一个单元格的文本",
    "html": "HTML 网页",
    "docx": "Word 文档（.docx）",
    "collapsed": "网页抓取的单行文本（数字连在一起）",
    "pdf": "PDF 文件",
}
