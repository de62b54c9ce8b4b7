"""The columns of a table drawn without lines, from where its numbers and header labels sit.

A table without ruling lines (a PDF table without borders, ``pdftotext -layout`` text) loses its
blank cells: ``110 7 117`` may be 110, four blanks, 7 and 117. Its columns are still there: every
number of a column sits at about the same place across. Within a stretch of lines between two
headings, the places of all numbers — and of the column labels the header lines print, so that
a column no row fills is still found — are gathered into columns; a row with no number at a
column has a blank cell there (spec §7 "Blank cells"). The stretch is laid out so only when it
looks like a table of the format: a row with three numbers or more (prose never ends so), and as
many columns as one of the format's tables has.

Positions are in any unit (PDF points, text columns); callers say how far apart two columns are
at least.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterator

from ..formats import FORMATS, SECTIONS
from .cells import is_value_token
from .labels import normalize

Word = tuple[str, float, float]  # text, left, right


@dataclass
class Line:
    """A source line: its words, split into the label and the numbers that end it."""

    item: Any  # the caller's line
    text: str
    words: list[Word]
    chars: list[Word] = field(default_factory=list)  # every character, to find column labels

    def __post_init__(self) -> None:
        k = len(self.words)
        while k > 0 and is_value_token(self.words[k - 1][0]):
            k -= 1
        # a line of numbers only is a row too: its label wraps round it
        self.values = self.words[k:]
        self.label = self.words[:k]


def is_break(text: str) -> bool:
    """A section heading or a Table 1 section title: where one table ends and another starts."""
    t = normalize(text)
    return t.startswith("第二十条") or any(t.startswith(normalize(title)) for _, title in SECTIONS)


def runs(lines: list[Line]) -> Iterator[list[Line]]:
    """The lines in stretches between breaks (a break line starts the next stretch)."""
    run: list[Line] = []
    for line in lines:
        if is_break(line.text) and run:
            yield run
            run = []
        run.append(line)
    if run:
        yield run


@lru_cache(maxsize=1)
def column_counts() -> frozenset[int]:
    """How many value columns the tables of the formats have (a row of Table 3 has all 15)."""
    counts = set()
    for fmt in FORMATS.values():
        for table in fmt.tables:
            fields = list(table.fields())
            counts.update(f.width for f in fields)
            if len(table.all_rows()) == 1:
                counts.add(sum(f.width for f in fields))
    return frozenset(counts)


@lru_cache(maxsize=1)
def _column_labels() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The column labels of every format, normalised: the lowest header cells (longest first),
    and the labels above them (法人或其他组织), which span several columns."""
    leaves, groups = set(), set()
    for fmt in FORMATS.values():
        for table in fmt.tables:
            for f in table.fields():
                for c in f.value_columns:
                    leaves.add(normalize(c.label))
                    groups.update(normalize(p) for p in c.path[:-1])
    leaves.discard("")
    return tuple(sorted(leaves, key=len, reverse=True)), tuple(groups - leaves)


def header_places(run: list[Line]) -> list[float]:
    """Where the run's header lines print column labels, right of the row labels; a header cell
    wrapped over lines (商业企 / 业) is found by its first line."""
    leaves, groups = _column_labels()
    labels_end = max((w[2] for line in run if line.values for w in line.label), default=float("-inf"))
    places = []
    for line in run:
        if line.values or not line.chars:
            continue
        text = "".join(normalize(ch) or " " for ch, _, _ in line.chars)
        if len(text) != len(line.chars):
            continue
        used = [False] * len(text)
        for group in groups:  # a spanning label is no column of its own
            for m in re.finditer(re.escape(group), text):
                used[m.start():m.end()] = [True] * (m.end() - m.start())
        for leaf in leaves:
            # a wrapped header cell shows at least its first three characters
            for size in range(len(leaf), min(3, len(leaf)) - 1, -1):
                for m in re.finditer(re.escape(leaf[:size]), text):
                    if any(used[m.start():m.end()]):
                        continue
                    used[m.start():m.end()] = [True] * (m.end() - m.start())
                    place = (line.chars[m.start()][1] + line.chars[m.end() - 1][2]) / 2
                    if place > labels_end:
                        places.append(place)
    return places


def lay_out(run: list[Line], places: list[float], gap: float) -> list[list[str] | None] | None:
    """Each line's cells (label, then one per column; None for a line without numbers), or None
    when the run is not a table without lines. ``places``: where header labels sit; ``gap``:
    how far apart two columns are at least."""
    labels_end = max((w[2] for line in run if line.values for w in line.label), default=float("-inf"))
    centres = sorted([(a + b) / 2 for line in run for _, a, b in line.values] + [p for p in places if p > labels_end])
    columns: list[list[float]] = []
    for c in centres:
        if columns and c - columns[-1][-1] < gap:
            columns[-1].append(c)
        else:
            columns.append([c])
    middles = [sum(c) / len(c) for c in columns]
    widest = max((len(line.values) for line in run), default=0)
    if widest < 3 or len(middles) < widest or len(middles) not in column_counts():
        return None
    out: list[list[str] | None] = []
    for line in run:
        if not line.values:
            out.append(None)
            continue
        cells = [""] * len(middles)
        for text, a, b in line.values:
            k = min(range(len(middles)), key=lambda i: abs(middles[i] - (a + b) / 2))
            if cells[k]:
                return None  # two numbers in one column: not a table
            cells[k] = text
        head = "".join(t for t, _, _ in line.label)
        out.append(([head] if head else []) + cells)
    return out
