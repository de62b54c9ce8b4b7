"""Numbers a report states in its prose, for the rules that compare them with the tables (spec §7
R7, R8, R12).

Reports restate a few figures in words — "共收到政府信息公开申请17件", "办结69件", "1件结转下年度继续办理",
"均获维持", "统计期限自2024年1月1日起至2024年12月31日止". The prose reaches govsite re-flowed from PDFs
and web pages, so whitespace is ignored (``2024 年`` is ``2024年``), and so are thousands separators.
Each statement keeps the offset of its first character in the original text, so that a warning can
name the file line it is on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

RECEIVED = "received"  # applications received this year (row 一, or 一 + 二)
CONCLUDED = "concluded"  # applications concluded (row （七）总计)
CARRIED_FORWARD = "carried_forward"  # applications carried forward to next year (row 四)


@dataclass(frozen=True)
class Statement:
    """One figure stated in prose: what it counts, the number, the words as written, where."""

    what: str  # RECEIVED, CONCLUDED or CARRIED_FORWARD
    number: int
    phrase: str  # its clause, whitespace removed: 2024年，区政府办代表区政府受理政府信息公开申请17件
    offset: int  # of the phrase's first character in the original text


# A stretch within one clause: no sentence or clause punctuation, no count of its own.
_GAP = r"[^。；;，,：:！？!?\n件]"
# Words a clause about something else uses near 收到/受理: other kinds of request, other years.
_OTHER_MATTER = re.compile(r"复议|诉讼|举报|投诉|信访|提案|建议|咨询|热线|来电|留言|结转|上年|去年|上一年|同比|较|比")

_RECEIVED = (
    # 收到/受理 … 申请 (共计) 17件: 共收到政府信息公开申请17件, 受理依申请公开申请95件
    re.compile(rf"(?:收到|受理|新收|接收|接到)(?P<gap>{_GAP}{{0,30}}?)申请(?:[^。；;，,：:\d件]{{0,6}}?)(?P<n>\d+)件"),
    # 收到 (共) 70件 … 申请: 共收到70件申请
    re.compile(rf"(?:收到|受理|新收|接收|接到)(?P<gap>[共计各类]{{0,3}})(?P<n>\d+)件(?:{_GAP}{{0,12}}?)申请"),
)
_CONCLUDED = re.compile(rf"办结(?P<gap>{_GAP}{{0,15}}?)(?P<n>\d+)件")
_CARRIED = (
    # 结转下年度继续办理3件
    re.compile(rf"(?:结转|顺延|转入)(?:至|到)?下一?年度?(?P<gap>{_GAP}{{0,12}}?)(?P<n>\d+)件"),
    # 1件结转下年度继续办理, 另有103件顺延到下年度答复
    re.compile(rf"(?P<n>\d+)件(?P<gap>{_GAP}{{0,8}}?)(?:结转|顺延|转入)(?:至|到)?下一?年"),
)
_UPHELD = re.compile(r"(?:均|全部|都|皆|全都)[^。；;，,]{0,6}?维持")
_PERIOD = re.compile(r"统计(?:期限|期间|时限|时段|区间|周期|范围)[^。；;]{0,40}")
_YEAR = re.compile(r"(\d{4})年")
_CLAUSE_END = re.compile(r"[。；;！!？?\n，,：:（）()]")
_SENTENCE_END = re.compile(r"[。；;！!？?\n]")


# What flattening drops: whitespace (a blank line becomes one "\n": it ends a paragraph, and so a
# sentence; a single line break is the re-flow of a PDF's or Markdown's lines and joins what it
# splits) and thousands separators (3,119).
_DROP = re.compile(r"\n[^\S\n]*\n\s*|\s+|(?<=\d),(?=\d{3}(?!\d))")


class _Flat:
    """A text with whitespace and thousands separators removed, and the way back to the original."""

    def __init__(self, text: str) -> None:
        self.original = text
        self.text = _DROP.sub(lambda m: "\n" if m.group(0).count("\n") > 1 else "", text)

    def where(self, flat_offset: int) -> int:
        """The original offset of flat character ``flat_offset`` (rarely asked: a linear walk)."""
        kept = 0  # flat characters up to ``pos``
        pos = 0
        for m in _DROP.finditer(self.original):
            if kept + (m.start() - pos) > flat_offset:
                break
            kept += m.start() - pos
            if m.group(0).count("\n") > 1:
                if kept == flat_offset:
                    return m.start()
                kept += 1
            pos = m.end()
        return pos + (flat_offset - kept)


@lru_cache(maxsize=8)
def _flat(text: str) -> _Flat:
    """``text`` flattened; several rules read the same text of a report."""
    return _Flat(text)


def statements(text: str) -> list[Statement]:
    """Every count of applications received, concluded or carried forward that ``text`` states."""
    flat = _flat(text)
    found: list[Statement] = []
    for what, patterns in ((RECEIVED, _RECEIVED), (CONCLUDED, (_CONCLUDED,)), (CARRIED_FORWARD, _CARRIED)):
        for pattern in patterns:
            for m in pattern.finditer(flat.text):
                if what == RECEIVED and _OTHER_MATTER.search(m.group("gap")):
                    continue
                start, end = _clause(flat.text, m.start(), m.end())
                found.append(Statement(what, int(m.group("n")), flat.text[start:end], flat.where(start)))
    return sorted(found, key=lambda s: (s.offset, s.what))


@dataclass(frozen=True)
class Upheld:
    """A sentence saying that every review or lawsuit upheld the agency ("均获维持", spec §7 R8)."""

    review: bool  # the sentence speaks of 行政复议
    litigation: bool  # … of 行政诉讼
    phrase: str
    offset: int


def upheld_statements(text: str) -> list[Upheld]:
    """The "all upheld" sentences of ``text`` that name 复议 or 诉讼 (not of only some of them: 其中)."""
    flat = _flat(text)
    out = []
    for m in _UPHELD.finditer(flat.text):
        start = _sentence_start(flat.text, m.start())
        before = flat.text[start:m.start()]
        if "其中" in before:
            continue  # "其中3件均获维持": only part of the cases
        review, litigation = "复议" in before, "诉讼" in before or "起诉" in before
        if review or litigation:
            out.append(Upheld(review, litigation, flat.text[start:m.end()], flat.where(start)))
    return out


def _clause(text: str, start: int, end: int, most: int = 40) -> tuple[int, int]:
    """The clause (between commas or sentence ends) around ``text[start:end]``, at most about
    ``most`` characters on either side of it."""
    before = [m.end() for m in _CLAUSE_END.finditer(text, max(0, start - most), start)]
    after = _CLAUSE_END.search(text, end, end + most)
    return (before[-1] if before else max(0, start - most)), (after.start() if after else min(len(text), end + most))


def _sentence_start(text: str, at: int) -> int:
    """The offset where the sentence holding ``at`` starts."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text, 0, at)]
    return ends[-1] if ends else 0


@dataclass(frozen=True)
class Period:
    """The statistical period a report states ("统计期限自2024年1月1日起至2024年12月31日止")."""

    years: tuple[int, ...]
    phrase: str
    offset: int


def stated_period(text: str) -> Period | None:
    """The first statistical period ``text`` states with at least one year in it."""
    flat = _flat(text)
    for m in _PERIOD.finditer(flat.text):
        phrase = m.group(0)
        years = tuple(int(y) for y in _YEAR.findall(phrase))
        if years:
            last = max(phrase.rfind("止"), phrase.rfind("日"))
            return Period(years, phrase[: last + 1] if last > 0 else phrase, flat.where(m.start()))
    return None
