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


def split_sections(body: str, body_line: int) -> tuple[str, list[Prose]]:
    """Split a body into (text before the first section, the six sections in official order)."""
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
