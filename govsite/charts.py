"""Charts as inline SVG, drawn at build time (issue 6): no chart library, nothing loaded, they print.

Every chart is a ``<figure>`` holding the SVG — ``role="img"`` named by its ``<title>`` and
described by its ``<desc>``, which states every number in words — and a table of the same
numbers next to it, so a screen reader, a printout and a spreadsheet user all get the data
(WCAG 1.1.1, 1.4.1: colour never carries meaning alone; every bar has its label and its value).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from markupsafe import Markup, escape

from .numbers import grouped

Number = int | Decimal | None


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value (``None`` = unknown), and an optional group heading."""

    label: str
    value: Number
    group: str = ""


@lru_cache(maxsize=4096)  # the same labels and small numbers on every year and region page (issue 7)
def text_width(text: str, size: float) -> float:
    """Approximate rendered width of ``text``: CJK and full-width characters are one em wide."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.6 for ch in text)


def _fmt(v: Number) -> str:
    return grouped(v)


def _num(x: float) -> str:
    """Coordinates with one decimal, so the output is stable and small."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def describe(bars: list[Bar], unit: str) -> str:
    """The numbers in words, for ``<desc>``: ``予以公开 12件；部分公开 3件`` grouped when grouped."""
    parts: list[str] = []
    group = None
    for b in bars:
        prefix = ""
        if b.group and b.group != group:
            group = b.group
            prefix = f"{b.group}："
        parts.append(f"{prefix}{b.label} {_fmt(b.value)}{unit if b.value is not None else ''}")
    return "；".join(parts) + "。"


def hbar_chart(ident: str, title: str, bars: list[Bar], unit: str = "件", note: str = "") -> Markup:
    """Horizontal bars with their labels left and values right; group headings when bars have groups.

    ``ident`` must be unique in the page (it prefixes the ids of title and description).
    """
    size = 14.0
    row_h = 26.0
    label_w = min(max((text_width(b.label, size) for b in bars), default=0) + 12, 260.0)
    value_w = max((text_width(_fmt(b.value) + unit, size) for b in bars), default=0) + 12
    groups_w = max((text_width(b.group, size) for b in bars if b.group), default=0)
    # As narrow as its text allows (bars get 200 units), so that a phone shows it near natural
    # size: the text is 14 units and must not shrink below 12 px (see .chart-svg in style.css).
    width = min(max(label_w + value_w + 8 + 200, groups_w + 8, 240.0), 520.0)
    plot_w = width - label_w - value_w - 8
    top = max(b.value for b in bars if b.value is not None) if any(b.value is not None for b in bars) else 0
    scale = plot_w / float(top) if top else 0.0
    out: list[str] = []
    y = 8.0
    group = None
    for b in bars:
        if b.group and b.group != group:
            group = b.group
            y += 4
            out.append(f'<text class="group" x="0" y="{_num(y + size)}" font-weight="bold">{escape(b.group)}</text>')
            y += row_h
        mid = y + row_h / 2
        out.append(f'<text x="{_num(label_w - 8)}" y="{_num(mid + size * 0.35)}" text-anchor="end">{escape(b.label)}</text>')
        w = float(b.value) * scale if b.value is not None and b.value > 0 else 0.0
        if w:
            out.append(f'<rect class="bar" x="{_num(label_w)}" y="{_num(y + 4)}" width="{_num(max(w, 1.0))}" height="{_num(row_h - 8)}"/>')
        out.append(f'<text class="value" x="{_num(label_w + w + 6)}" y="{_num(mid + size * 0.35)}">{escape(_fmt(b.value))}{escape(unit) if b.value is not None else ""}</text>')
        y += row_h
    height = y + 8
    axis = f'<line class="axis" x1="{_num(label_w)}" y1="4" x2="{_num(label_w)}" y2="{_num(height - 4)}"/>'
    return _svg(ident, title, describe(bars, unit) + note, width, height, axis + "".join(out))


def column_chart(ident: str, title: str, bars: list[Bar], unit: str = "件", note: str = "") -> Markup:
    """Vertical columns along a short axis (years), each labelled below and valued above."""
    size = 14.0
    height = 200.0
    base = height - 30
    top_pad = 24.0
    col_w = 56.0
    gap = 24.0
    width = max(len(bars) * (col_w + gap) + gap, 240.0)
    top = max((b.value for b in bars if b.value is not None), default=0) or 0
    scale = (base - top_pad) / float(top) if top else 0.0
    out: list[str] = []
    for i, b in enumerate(bars):
        x = gap + i * (col_w + gap)
        h = float(b.value) * scale if b.value is not None and b.value > 0 else 0.0
        if h:
            out.append(f'<rect class="bar" x="{_num(x)}" y="{_num(base - h)}" width="{_num(col_w)}" height="{_num(h)}"/>')
        out.append(f'<text class="value" x="{_num(x + col_w / 2)}" y="{_num(base - h - 6)}" text-anchor="middle">{escape(_fmt(b.value))}</text>')
        out.append(f'<text x="{_num(x + col_w / 2)}" y="{_num(base + size + 6)}" text-anchor="middle">{escape(b.label)}</text>')
    axis = f'<line class="axis" x1="{_num(gap / 2)}" y1="{_num(base)}" x2="{_num(width - gap / 2)}" y2="{_num(base)}"/>'
    return _svg(ident, title, describe(bars, unit) + note, width, height, axis + "".join(out))


def _svg(ident: str, title: str, desc: str, width: float, height: float, body: str) -> Markup:
    return Markup(
        f'<svg class="chart-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_num(width)} {_num(height)}" '
        f'width="{_num(width)}" height="{_num(height)}" style="--w: {_num(width)}px" role="img" aria-labelledby="{ident}-t {ident}-d" '
        f'font-size="14">'
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>'
        f"{body}</svg>"
    )


def data_table(ident: str, title: str, bars: list[Bar], unit: str = "件") -> Markup:
    """The chart's numbers as a table (the text alternative that also prints and copies).

    Grouped bars get one ``<tbody>`` per group headed by a ``rowgroup`` header cell.
    """
    bodies: list[str] = []
    group: str | None = None
    rows: list[str] = []
    for b in bars:
        if b.group != group and rows:
            bodies.append(f"<tbody>{''.join(rows)}</tbody>")
            rows = []
        if b.group and b.group != group:
            rows.append(f'<tr><th scope="rowgroup" colspan="2" class="group">{escape(b.group)}</th></tr>')
        group = b.group
        rows.append(f'<tr><th scope="row">{escape(b.label)}</th><td class="num">{escape(_fmt(b.value))}</td></tr>')
    if rows:
        bodies.append(f"<tbody>{''.join(rows)}</tbody>")
    return Markup(
        f'<table class="chart-data" id="{ident}-table"><caption>{escape(title)}（数据表）</caption>'
        f'<thead><tr><th scope="col">项目</th><th scope="col">数量（{escape(unit)}）</th></tr></thead>'
        f"{''.join(bodies)}</table>"
    )


def chart_figure(ident: str, title: str, bars: list[Bar], kind: str = "hbar", unit: str = "件",
                 note: str = "") -> Markup:
    """A chart with its caption and its data table, as one ``<figure>``."""
    draw = hbar_chart if kind == "hbar" else column_chart
    svg = draw(ident, title, bars, unit, note)
    table = data_table(ident, title, bars, unit)
    return Markup(
        f'<figure class="chart chart-{kind}" aria-labelledby="{ident}-cap">'
        f'<figcaption id="{ident}-cap">{escape(title)}</figcaption>'
        f'<div class="chart-body"><div class="chart-draw">{svg}</div>'
        f'<div class="chart-table">{table}</div></div></figure>'
    )
