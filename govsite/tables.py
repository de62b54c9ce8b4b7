"""The three standard tables as HTML, in the official layout with its merged cells (spec §8).

A table's skeleton — header cells with their spans, row-label cells with their rowspans, and a slot
for every value — is compiled once per format table from the format description (issue 7: never
re-run layout logic per cell); filling a report's values into the slots is a string join.
Accessibility (issue 6, WCAG 1.3.1): every header cell has an ``id`` and every value cell lists the
headers of its column path and row path in ``headers``; ``scope`` is set as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from typing import Any, Callable, Mapping

from markupsafe import escape

from .formats import Column, Format, Kind, Row, Table
from .model import Report, Value


@dataclass(frozen=True)
class Slot:
    """A value cell of the skeleton: which field and index fill it, and its fixed attributes."""

    key: str  # "table.field"
    index: int
    attrs: str  # ' headers="…" colspan="3"'
    kind: Kind


Part = str | Slot


def _th(text: str, ident: str, scope: str, rowspan: int = 1, colspan: int = 1, cls: str = "") -> str:
    attrs = f' id="{ident}" scope="{scope}"'
    if rowspan > 1:
        attrs += f' rowspan="{rowspan}"'
    if colspan > 1:
        attrs += f' colspan="{colspan}"'
    if cls:
        attrs += f' class="{cls}"'
    return f"<th{attrs}>{escape(text)}</th>"


@lru_cache(maxsize=None)
def skeleton(fmt: Format, table_key: str) -> tuple[Part, ...]:
    """The compiled table: literal HTML strings interleaved with value slots."""
    table = fmt.table(table_key)
    prefix = f"t-{table.key}"
    if table.layout == "sections":
        parts = _sections_skeleton(table, prefix)
    else:
        parts = _grid_skeleton(table, prefix)
    # Merge adjacent strings so that filling is a short join.
    merged: list[Part] = []
    for p in parts:
        if isinstance(p, str) and merged and isinstance(merged[-1], str):
            merged[-1] += p
        else:
            merged.append(p)
    return tuple(merged)


def _caption(table: Table) -> str:
    return f'<caption>{escape(table.title)}</caption>'


def _sections_skeleton(table: Table, prefix: str) -> list[Part]:
    """Table 1 (spec §3, §8): a 4-column grid of blocks, each with a title row and a header row."""
    width = 1 + max(sum(c.span for c in s.columns) for s in table.sections)
    parts: list[Part] = [f'<table class="std std-{table.key}">', _caption(table), "<tbody>"]
    for si, section in enumerate(table.sections, 1):
        sid = f"{prefix}-s{si}"
        parts += ["<tr>", _th(section.title, sid, "colgroup", colspan=width, cls="block"), "</tr>"]
        hid = f"{sid}-h0"
        parts += ["<tr>", _th(section.header, hid, "col")]
        col_ids = []
        for ci, col in enumerate(section.columns, 1):
            if col.kind is Kind.EMPTY:
                parts.append(_empty(col.span))
                col_ids.append("")
                continue
            cid = f"{sid}-h{ci}"
            col_ids.append(cid)
            parts.append(_th(col.label, cid, "col", colspan=col.span))
        parts.append("</tr>")
        for ri, row in enumerate(section.rows, 1):
            rid = f"{sid}-r{ri}"
            parts += ["<tr>", _th(row.label, rid, "row")]
            f = row.fields[0]
            vi = 0
            for col, cid in zip(f.columns, col_ids):
                if col.kind is Kind.EMPTY:
                    parts.append(_empty(col.span))
                    continue
                attrs = f' headers="{sid} {cid} {rid}"' + (f' colspan="{col.span}"' if col.span > 1 else "")
                parts.append(Slot(f"{table.key}.{f.key}", vi, attrs, col.kind))
                vi += 1
            parts.append("</tr>")
    parts.append("</tbody></table>")
    return parts


def _empty(span: int) -> str:
    return f'<td class="empty"{f" colspan={chr(34)}{span}{chr(34)}" if span > 1 else ""}></td>'


def _grid_skeleton(table: Table, prefix: str) -> list[Part]:
    """Tables 2 and 3 (spec §8): header spans from the column paths, row spans from the row paths."""
    label_depth = max((len(r.path) for r in table.rows), default=0)
    col_depth = max(len(c.path) for c in table.columns)
    header_rows = col_depth + (1 if table.caption else 0)
    parts: list[Part] = [f'<table class="std std-{table.key}">', _caption(table), "<thead>"]
    col_ids: list[list[str]] = [[] for _ in table.columns]  # header ids over each column

    corner = ""
    if label_depth:
        corner = (f'<td class="corner" colspan="{label_depth}" rowspan="{header_rows}">'
                  f"{escape(table.corner)}</td>")
    if table.caption:
        cap_id = f"{prefix}-cap"
        parts += ["<tr>", corner, _th(table.caption, cap_id, "colgroup", colspan=len(table.columns)), "</tr>"]
        corner = ""
        for ids in col_ids:
            ids.append(cap_id)
    for depth in range(col_depth):
        parts += ["<tr>", corner]
        corner = ""
        for start, end, path in _runs(table.columns, depth):
            ident = f"{prefix}-c{depth}-{start}"
            leaf = len(path) == depth + 1 and end - start == 1
            if leaf:
                parts.append(_th(path[depth], ident, "col", rowspan=col_depth - depth))
            else:
                parts.append(_th(path[depth], ident, "colgroup", colspan=end - start))
            for i in range(start, end):
                col_ids[i].append(ident)
        parts.append("</tr>")
    parts += ["</thead>", "<tbody>"]

    rows = table.rows
    for ri, row in enumerate(rows):
        parts.append("<tr>")
        row_ids = []
        for depth, label in enumerate(row.path):
            ident = f"{prefix}-r{ri}-{depth}" if _starts_run(rows, ri, depth) else _run_id(rows, ri, depth, prefix)
            row_ids.append(ident)
            if not _starts_run(rows, ri, depth):
                continue
            span = _run_length(rows, ri, depth)
            leaf = depth == len(row.path) - 1
            colspan = label_depth - depth if leaf else 1
            parts.append(_th(label, ident, "row" if leaf and span == 1 else "rowgroup", rowspan=span, colspan=colspan))
        ci = 0
        for f in row.fields:
            for vi, col in enumerate(f.value_columns):
                headers = " ".join(col_ids[ci] + row_ids)
                parts.append(Slot(f"{table.key}.{f.key}", vi, f' headers="{headers}"', col.kind))
                ci += 1
        parts.append("</tr>")
    parts.append("</tbody></table>")
    return parts


def _runs(columns: tuple[Column, ...], depth: int) -> list[tuple[int, int, tuple[str, ...]]]:
    """Runs of consecutive columns sharing the label path down to ``depth`` (those that reach it)."""
    runs: list[tuple[int, int, tuple[str, ...]]] = []
    for i, col in enumerate(columns):
        if len(col.path) <= depth:
            continue
        key = col.path[: depth + 1]
        if runs and runs[-1][1] == i and runs[-1][2][: depth + 1] == key and len(col.path) > depth + 1:
            runs[-1] = (runs[-1][0], i + 1, runs[-1][2])
        else:
            runs.append((i, i + 1, col.path))
    return runs


def _starts_run(rows: tuple[Row, ...], i: int, depth: int) -> bool:
    prefix = rows[i].path[: depth + 1]
    return i == 0 or rows[i - 1].path[: depth + 1] != prefix or len(rows[i].path) == depth + 1


def _run_length(rows: tuple[Row, ...], i: int, depth: int) -> int:
    if len(rows[i].path) == depth + 1:
        return 1
    prefix = rows[i].path[: depth + 1]
    n = 0
    while i + n < len(rows) and rows[i + n].path[: depth + 1] == prefix:
        n += 1
    return n


def _run_id(rows: tuple[Row, ...], i: int, depth: int, prefix: str) -> str:
    j = i
    while not _starts_run(rows, j, depth):
        j -= 1
    return f"{prefix}-r{j}-{depth}"


def cell_text(value: Value) -> str:
    """A stored value as the table shows it: blank cells stay blank (spec §7 "Blank cells")."""
    return "" if value is None else str(value)


def fill(parts: tuple[Part, ...], report: Report, mark: Callable[[str, int], bool] | None = None) -> str:
    """The HTML of a table for ``report``: the skeleton with every slot filled.

    ``mark(key, index)`` may flag cells that take part in a failed rule; a missing field shows as
    "—" labelled 原文缺失.
    """
    # ~250 cells per report: the loop is kept lean (issue 7). A count is an ``int`` whose text
    # needs no escaping; amounts (strings) and anything else go through ``escape``.
    out = []
    append = out.append
    values = report.values
    for p in parts:
        if type(p) is str:
            append(p)
            continue
        vals = values.get(p.key)
        if vals is None:
            append(f'<td{p.attrs} class="missing"><abbr title="原文缺失">—</abbr></td>')
            continue
        v = vals[p.index]
        text = str(v) if type(v) is int else escape(cell_text(v))
        if mark and mark(p.key, p.index):
            append(f'<td{p.attrs} class="flag">{text}</td>')
        else:
            append(f"<td{p.attrs}>{text}</td>")
    return "".join(out)


def render_table(report: Report, table_key: str, mark: Callable[[str, int], bool] | None = None,
                 cells: Mapping[str, Any] | None = None, rename: tuple[tuple[str, str], ...] = ()) -> str:
    """One standard table of ``report`` (a report or an aggregate) as HTML.

    ``cells`` may give ``report.values`` as a plain dict, made once by the caller for several
    tables (see :func:`plain_cells`). ``rename`` are ``(old, new)`` replacements made in the
    table's constant HTML (its ids and headers), as if made in the whole table: the text of a cell
    never holds a quote or a space followed by an id. The output is exactly :func:`fill`'s, so
    replaced.
    """
    if mark is None:
        html = _plan(report.format, table_key, rename).fill(report.values if cells is None else cells)
        if html is not None:
            return html
    html = fill(skeleton(report.format, table_key), report, mark)
    for old, new in rename:
        html = html.replace(old, new)
    return html


def plain_cells(values: Mapping[str, Any]) -> dict[str, Any]:
    """A report's cells as a plain dict, in one C-level pass (issue 7): the compacted reports keep
    their cells in a mapping whose ``get`` is Python code, ~250 calls per report page otherwise."""
    return values if type(values) is dict else dict(values.items())


#: The text of every count below 10,000, made once: ``str()`` of an ``int`` costs more than the
#: rest of filling its cell (issue 7). A dict, so a negative or larger count is simply not found.
_INT_TEXT: dict[int, str] = {i: str(i) for i in range(10_000)}
_INT = {int}


def cell_texts(values: tuple) -> list[str] | tuple[str, ...]:
    """The HTML text of each value as :func:`fill` writes it: a count as its digits, any other value
    (a blank, an amount) escaped."""
    if len(values) > 1 and set(map(type, values)) == _INT:  # not a bool: True would read as 1
        try:
            return itemgetter(*values)(_INT_TEXT)  # one C call for the row
        except KeyError:
            pass  # a negative or a large count
    return [_cell_html(v) for v in values]


def _cell_html(v: Value) -> str:
    if type(v) is int:
        return _INT_TEXT.get(v) or str(v)
    return str(escape(cell_text(v)))


class _Plan:
    """A table skeleton compiled once more for the common case (issue 7): every field present.
    The slots are the fields' rows in order, so filling a table is: fetch its rows (one C call),
    chain them, turn them into text (:func:`cell_texts`) and put the texts between the constant
    HTML (the odd places of a list; one join). ``fill`` returns None when the fast path does not
    apply (a field missing, a row of another length, a skeleton whose slots are not whole rows in
    order) and the caller falls back to :func:`fill`, so the output never differs.
    """

    __slots__ = ("keys", "get_rows", "widths", "pieces")

    def __init__(self, parts: tuple[Part, ...], widths_of: Callable[[str], int]) -> None:
        keys: list[str] = []
        widths: list[int] = []
        pieces: list[str] = [""]  # constant HTML at even places, a value's text at each odd one
        ok = True
        for p in parts:
            if type(p) is str:
                pieces[-1] += p
                continue
            pieces[-1] += f"<td{p.attrs}>"
            pieces += ["", "</td>"]
            if keys and keys[-1] == p.key and p.index == widths[-1]:
                widths[-1] += 1
            elif p.index == 0:
                keys.append(p.key)
                widths.append(1)
            else:
                ok = False  # slots that are not a field's values in order: no fast path
        if ok and (len(set(keys)) != len(keys) or any(w != widths_of(k) for k, w in zip(keys, widths))):
            ok = False
        self.keys = tuple(keys) if ok else None
        self.widths = widths
        self.pieces = pieces
        # itemgetter of one key returns the row itself, not a 1-tuple.
        self.get_rows = (itemgetter(*keys) if len(keys) > 1 else (lambda d, k=keys[0]: (d[k],))) if ok and keys else None

    def fill(self, values: Mapping[str, Any]) -> str | None:
        """The table's HTML for ``values``, or None when the fast path does not apply."""
        if self.get_rows is None:
            return self.pieces[0] if self.keys == () else None
        try:
            rows = self.get_rows(values)
        except KeyError:
            return None  # a missing field: shown specially by fill
        if list(map(len, rows)) != self.widths:
            return None
        out = self.pieces.copy()
        out[1::2] = cell_texts(tuple(chain.from_iterable(rows)))
        return "".join(out)


@lru_cache(maxsize=256)  # per format, table and renaming (a few per year on the year and region pages)
def _plan(fmt: Format, table_key: str, rename: tuple[tuple[str, str], ...] = ()) -> _Plan:
    plan = _Plan(skeleton(fmt, table_key), lambda key: len(fmt.field(key).value_columns))
    for old, new in rename:
        plan.pieces = [p.replace(old, new) for p in plan.pieces]
    return plan
