"""The body's prose, split into the six statutory sections (spec §2).

A section starts at a Markdown heading (any level from 1 to 3) whose text begins with the
section's numeral and 、 — ``# 一、总体情况`` — so a slightly different heading wording still lands
in the right section, and the page always shows the official heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .formats import SECTIONS

_NUMERALS = "一二三四五六"
_HEADING = re.compile(r"^ {0,3}(#{1,3})[ \t]+([一二三四五六])\s*[、.．]\s*(.*?)\s*#*\s*$")


@dataclass
class Prose:
    """The prose of one statutory section: its Markdown text and the file line it starts at."""

    anchor: str  # s1 … s6
    title: str  # the official heading
    text: str
    line: int  # file line of the heading (0 when the section is absent)
    heading: str = ""  # the heading as written

    @property
    def empty(self) -> bool:
        """True when the section has no prose."""
        return not self.text.strip()


#: A line (after its newline) that :data:`_HEADING` matches: its tail ``\s*(.*?)\s*#*\s*$``
#: matches any rest of a line, so the start decides (``[^\S\n]`` is ``\s`` kept within the line).
#: The leading newline, not ``^``, lets the regex engine skip ahead to each candidate.
_HEADING_LINE = re.compile(r"\n {0,3}#{1,3}[ \t]+([一二三四五六])[^\S\n]*[、.．]")


def split_sections(body: str, body_line: int) -> tuple[str, list[Prose]]:
    """Split a body into (text before the first section, the six sections in official order)."""
    if "```" in body or "~~~" in body:
        return _split_lines(body, body_line)
    # No code fence anywhere, so every line that matches the heading pattern is a heading: only
    # the few lines that may be one are looked at, and the texts are cut from the body as they
    # are (issue 7: a loop over every line was ~30 µs a report). Same result as _split_lines.
    found: dict[int, Prose] = {}
    cuts: list[tuple[int, int, Prose]] = []  # (line start, line end, section) in body order
    line_no, counted = body_line, 0  # the file line of body[counted]
    for m in _HEADING_LINE.finditer("\n" + body):  # the newline stands for the start of the first line
        n = _NUMERALS.index(m.group(1))
        if n in found:
            continue  # a repeated numeral: text of the section it is in
        start = m.start()  # in body: the match's newline is one character before the line
        end = body.find("\n", start)
        if end < 0:
            end = len(body)
        line_no += body.count("\n", counted, start)
        counted = start
        anchor, title = SECTIONS[n]
        found[n] = Prose(anchor, title, "", line_no, body[start:end].strip())
        cuts.append((start, end, found[n]))
    preface = body[: max(cuts[0][0] - 1, 0)] if cuts else body
    for (_, end, p), (nxt, _, _) in zip(cuts, cuts[1:] + [(len(body) + 1, 0, None)]):
        p.text = body[end + 1: nxt - 1].strip("\n")
    sections = [found.get(n) or Prose(anchor, title, "", 0) for n, (anchor, title) in enumerate(SECTIONS)]
    return preface.strip("\n"), sections


def _split_lines(body: str, body_line: int) -> tuple[str, list[Prose]]:
    """:func:`split_sections` line by line, following code fences (a heading inside one is text)."""
    found: dict[int, Prose] = {}
    preface: list[str] = []
    current: list[str] = preface
    in_fence = False
    for i, line in enumerate(body.split("\n")):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        m = None if in_fence else _HEADING.match(line)
        if m:
            n = _NUMERALS.index(m.group(2))
            if n not in found:
                anchor, title = SECTIONS[n]
                found[n] = Prose(anchor, title, "", body_line + i, line.strip())
                current = []
                found[n].text = current  # type: ignore[assignment]  # filled below
                continue
        current.append(line)
    sections = []
    for n, (anchor, title) in enumerate(SECTIONS):
        p = found.get(n)
        if p is None:
            sections.append(Prose(anchor, title, "", 0))
        else:
            p.text = "\n".join(p.text).strip("\n")  # type: ignore[arg-type]
            sections.append(p)
    return "\n".join(preface).strip("\n"), sections
