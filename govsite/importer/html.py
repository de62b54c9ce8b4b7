"""HTML report pages → blocks, with the standard library's :mod:`html.parser`.

A published report page is a portal's chrome (navigation, breadcrumbs, footer) around an article of
paragraphs and three tables with merged cells (spec §8). The page is parsed into a light tree;
data tables are expanded into a grid (rowspan/colspan, issue 5); layout tables (tables holding
other tables or long prose, as old portals use) are read as containers. Only the part of the page
that holds the report — the smallest element containing its section headings and tables — is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from .document import Block, Document

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
         "track", "wbr"}
_SKIP = {"script", "style", "noscript", "template", "head", "title", "select", "option", "button",
         "iframe", "svg", "object", "textarea"}
_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article",
          "blockquote", "pre", "center", "dd", "dt", "dl", "header", "footer", "nav", "aside", "main",
          "form", "fieldset", "address", "figure", "figcaption", "caption", "hr", "table"}
_CELL = {"td", "th"}
# A start tag implicitly closes these open elements (a tolerant subset of the HTML5 rules).
_CLOSES = {
    "p": {"p"}, "li": {"li"}, "dt": {"dt", "dd"}, "dd": {"dt", "dd"},
    "tr": {"tr", "td", "th"}, "td": {"td", "th"}, "th": {"td", "th"},
    "thead": {"thead", "tbody", "tfoot", "tr", "td", "th"}, "tbody": {"thead", "tbody", "tfoot", "tr", "td", "th"},
}
# Class/id words of page chrome inside an article (share and print bars, notices added by the
# portal, breadcrumbs): not part of the report.
_CHROME_WORDS = {"nav", "navbar", "menu", "breadcrumb", "crumb", "share", "print", "toolbar", "notice",
                 "sidebar", "related", "footer", "copyright", "pager", "pagination"}
_ROLE_CHROME = {"navigation", "banner", "contentinfo", "search", "note", "alert"}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


@dataclass
class Node:
    """An element of the parsed page."""

    tag: str
    attrs: dict[str, str]
    line: int
    children: list["Node | Text"] = field(default_factory=list)
    parent: "Node | None" = None


@dataclass
class Text:
    """A run of character data."""

    data: str
    line: int


class _TreeBuilder(HTMLParser):
    """Builds a :class:`Node` tree, tolerating unclosed and misnested tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, 1)
        self.stack = [self.root]
        self.title = ""
        self.meta: dict[str, str] = {}
        self._in_title = False

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k.lower(): (v or "") for k, v in attrs_list}
        if tag == "meta":
            name = (attrs.get("name") or attrs.get("property") or "").strip()
            if name and attrs.get("content"):
                self.meta[name] = attrs["content"].strip()
            return
        if tag == "title":
            self._in_title = True
        closes = _CLOSES.get(tag)
        if closes:
            # Close the outermost matching open element, not past a boundary: a table for rows,
            # a row for cells, any other block for paragraphs and list items.
            lowest = 0
            for i in range(len(self.stack) - 1, 0, -1):
                t = self.stack[i].tag
                if t in closes:
                    lowest = i
                    continue
                if t == "table" or (tag in ("td", "th") and t == "tr") or (
                        tag in ("p", "li", "dt", "dd") and (t in _BLOCK or t in _CELL)):
                    break
            if lowest:
                del self.stack[lowest:]
        node = Node(tag, attrs, self.getpos()[0], parent=self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs_list)
        if tag not in _VOID and self.stack[-1].tag == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return
            if self.stack[i].tag == "table" and tag != "table":
                return  # never close past a table for a stray end tag

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        self.stack[-1].children.append(Text(data, self.getpos()[0]))


def read_html(path: str, text: str) -> Document:
    """Parse an HTML page into blocks: paragraphs as one-cell blocks, table rows as grids.

    Some portals put the article into a JavaScript string (spec §9: ``\\"`` escapes); when the page
    itself has no table, such a string is unescaped and read instead.
    """
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    walker = _Walker()
    walker.walk(builder.root)
    walker.flush()
    blocks = _article(walker.blocks)
    title = builder.meta.get("ArticleTitle") or builder.title
    doc = Document(path, "html", blocks, title=" ".join(title.split()), meta=builder.meta)
    if not any(b.table is not None for b in blocks):
        embedded = _script_html(builder.root)
        if embedded:
            inner = read_html(path, embedded)
            if any(b.table is not None for b in inner.blocks):
                inner.title = inner.title or doc.title
                inner.meta = {**doc.meta, **inner.meta}
                inner.notes.append("正文位于网页脚本的字符串中，已按转义规则还原后读取")
                return inner
    return doc


_JS_ESCAPE = re.compile(r"""\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|["'/\\nrt])""")


def _script_html(root: Node) -> str:
    """The longest JavaScript string holding a ``<table``, unescaped; "" when there is none."""
    best = ""

    def rec(n: Node) -> None:
        nonlocal best
        for c in n.children:
            if isinstance(c, Node):
                if c.tag == "script":
                    code = "".join(t.data for t in c.children if isinstance(t, Text))
                    if re.search(r"<\s*table", code, re.I) and len(code) > len(best):
                        best = code
                else:
                    rec(c)

    rec(root)
    if not best:
        return ""

    def unescape(m: re.Match) -> str:
        e = m.group(1)
        if e[0] in "ux":
            return chr(int(e[1:], 16))
        return {"n": "\n", "r": "", "t": "\t"}.get(e, e)

    return _JS_ESCAPE.sub(unescape, best)


class _Walker:
    """Turns the tree into blocks in document order, remembering each block's ancestors."""

    def __init__(self) -> None:
        self.blocks: list[tuple[Block, tuple[int, ...]]] = []
        self.buf: list[str] = []
        self.buf_line = 0
        self.path: list[int] = []
        self.tables = 0

    def flush(self) -> None:
        text = "".join(self.buf)
        lines = [" ".join(p.split()) for p in text.split("\n")]
        for ln in lines:
            if ln:
                self.blocks.append((Block(self.buf_line, [ln], raw=ln), tuple(self.path)))
        self.buf = []
        self.buf_line = 0

    def walk(self, node: Node) -> None:
        for child in node.children:
            if isinstance(child, Text):
                if not self.buf:
                    self.buf_line = child.line
                self.buf.append(child.data.replace("\n", " "))
                continue
            tag = child.tag
            if tag in _SKIP or _is_chrome(child):
                continue
            if tag == "br":
                self.buf.append("\n")
                continue
            if tag == "table" and is_data_table(child):
                self.flush()
                self.path.append(id(child))
                self.tables += 1
                for line, cells in table_rows(child):
                    if any(c.strip() for c in cells):
                        raw = " | ".join(cells)
                        self.blocks.append((Block(line, cells, raw=raw, table=self.tables), tuple(self.path)))
                self.path.pop()
                continue
            block = tag in _BLOCK or tag in _CELL or tag == "tr"
            if block:
                self.flush()
            self.path.append(id(child))
            self.walk(child)
            if block:
                self.flush()
            self.path.pop()


def _is_chrome(node: Node) -> bool:
    """Hidden elements, navigation and similar page furniture (by tag, role, class or id words)."""
    a = node.attrs
    if "hidden" in a or _HIDDEN_STYLE.search(a.get("style", "")) or node.tag in ("nav", "aside"):
        return True
    if a.get("role", "").lower() in _ROLE_CHROME:
        return True
    words = set(re.split(r"[\s_\-]+", (a.get("class", "") + " " + a.get("id", "")).lower()))
    return bool(words & _CHROME_WORDS)


def _text_of(node: Node) -> str:
    """The text of a cell: runs joined without spaces (a label broken by <br> reads as one)."""
    parts: list[str] = []

    def rec(n: Node) -> None:
        for c in n.children:
            if isinstance(c, Text):
                parts.append(c.data)
            elif c.tag not in _SKIP:
                if c.tag == "br" or c.tag in _BLOCK:
                    parts.append(" ")
                rec(c)

    rec(node)
    return " ".join("".join(parts).split())


def _rows(table: Node) -> list[Node]:
    """The table's own <tr> elements (not those of nested tables)."""
    out: list[Node] = []

    def rec(n: Node) -> None:
        for c in n.children:
            if isinstance(c, Node):
                if c.tag == "tr":
                    out.append(c)
                elif c.tag in ("thead", "tbody", "tfoot"):
                    rec(c)

    rec(table)
    return out


def _has_table(n: Node) -> bool:
    return any(isinstance(c, Node) and (c.tag == "table" or _has_table(c)) for c in n.children)


def is_data_table(table: Node) -> bool:
    """A table of cells (the report's statistics) rather than a page layout table."""
    if _has_table(table):
        return False
    cells = [c for r in _rows(table) for c in r.children if isinstance(c, Node) and c.tag in _CELL]
    if not cells:
        return False
    long = sum(len(_text_of(c)) > 200 for c in cells)
    return long == 0


def _span(node: Node, name: str) -> int:
    try:
        return max(1, min(int(re.sub(r"\D", "", node.attrs.get(name, "1")) or 1), 500))
    except ValueError:
        return 1


def table_rows(table: Node) -> list[tuple[int, list[str]]]:
    """The table as a grid, row by row: merged cells expanded (issue 5).

    A cell spanning several columns is given once (it is one value); a cell spanning several rows
    is repeated on the rows below only when it is a label (``三、本年度办理结果``) — a value cell
    belongs to the row where it starts.
    """
    from .cells import is_value_token

    grid: dict[tuple[int, int], tuple[int, str, int]] = {}  # (row, col) → (cell id, text, origin row)
    rows = _rows(table)
    out: list[tuple[int, list[str]]] = []
    for r, tr in enumerate(rows):
        col = 0
        for c in tr.children:
            if not isinstance(c, Node) or c.tag not in _CELL:
                continue
            while (r, col) in grid:
                col += 1
            text = _text_of(c)
            rs, cs = _span(c, "rowspan"), _span(c, "colspan")
            for dr in range(rs):
                for dc in range(cs):
                    grid.setdefault((r + dr, col + dc), (id(c), text, r))
            col += cs
        seen: set[int] = set()
        cells: list[str] = []
        ncols = max((k[1] for k in grid if k[0] == r), default=-1) + 1
        for cc in range(ncols):
            cell = grid.get((r, cc))
            if cell is None:
                continue
            cid, text, origin = cell
            if cid in seen:
                continue
            seen.add(cid)
            if origin != r and (not text or is_value_token(text)):
                continue
            cells.append(text)
        out.append((tr.line, cells))
    return out


def _article(blocks: list[tuple[Block, tuple[int, ...]]]) -> list[Block]:
    """Keep the blocks inside the smallest element that holds the report (drops the page chrome).

    The anchors are the section headings ``一、总体情况`` … ``六、…`` and the table rows; their deepest common
    ancestor is the article. Without anchors everything is kept.
    """
    from .sections import heading_of

    anchors = [path for b, path in blocks
               if b.table is not None or any(heading_of(b, n) is not None for n in range(6))]
    if len(anchors) < 2:
        return [b for b, _ in blocks]
    common = list(anchors[0])
    for path in anchors[1:]:
        n = 0
        while n < len(common) and n < len(path) and common[n] == path[n]:
            n += 1
        common = common[:n]
    prefix = tuple(common)
    kept = [b for b, path in blocks if path[: len(prefix)] == prefix]
    return kept or [b for b, _ in blocks]

