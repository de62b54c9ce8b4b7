"""Numbers a report states in its prose, for the rules that compare them with the tables (spec §7
R7, R8, R12).

Reports restate a few figures in words — "共收到政府信息公开申请17件", "办结69件", "1件结转下年度继续办理",
"均获维持", "统计期限自2024年1月1日起至2024年12月31日止". The prose reaches govsite re-flowed from PDFs
and web pages, so whitespace is ignored (``2024 年`` is ``2024年``); numbers may carry thousands
separators (``3,119``). Each finding knows the offset of its first character in the original text,
so that a warning can name the file line it is on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

RECEIVED = "received"  # applications received this year (row 一, or 一 + 二)
CONCLUDED = "concluded"  # applications concluded (row （七）总计)
CARRIED_FORWARD = "carried_forward"  # applications carried forward to next year (row 四)


class _Flat:
    """A text with its whitespace removed — a blank line becomes one "\\n": it ends a paragraph, and
    so a sentence; a single line break is the re-flow of a PDF's or Markdown's lines and joins what
    it splits — and the way back to the original text."""

    def __init__(self, text: str) -> None:
        self.original = text
        # str.split() and str.isspace() agree on what whitespace is (and run in C).
        self.text = "".join(_PARAGRAPH.sub(_MARK, text).split()).replace(_MARK, "\n")
        self._origin: list[int] | None = None

    def where(self, flat_offset: int) -> int:
        """The original offset of flat character ``flat_offset`` (worked out only when a statement
        is reported, so a walk over the characters is cheap enough)."""
        if self._origin is None:
            origin: list[int] = []
            breaks = {m.start(): m.end() for m in _PARAGRAPH.finditer(self.original)}
            i = 0
            while i < len(self.original):
                if i in breaks:
                    origin.append(i)
                    i = breaks[i]
                    continue
                if not self.original[i].isspace():
                    origin.append(i)
                i += 1
            self._origin = origin
        return self._origin[flat_offset] if flat_offset < len(self._origin) else len(self.original)


_PARAGRAPH = re.compile(r"\n[^\S\n]*\n\s*")
_MARK = "\0"  # a paragraph break between the two passes (no text of a report holds NUL)


@lru_cache(maxsize=8)
def _flat(text: str) -> _Flat:
    """``text`` flattened; several rules read the same text of a report."""
    return _Flat(text)


@dataclass(frozen=True)
class _Found:
    """Something found in a flattened text, which can say where it is in the original."""

    phrase: str  # as written, whitespace removed
    at: int  # offset in the flattened text
    flat: _Flat = field(repr=False, compare=False)

    @property
    def offset(self) -> int:
        """The offset of the phrase's first character in the original text."""
        return self.flat.where(self.at)


@dataclass(frozen=True)
class Statement(_Found):
    """One figure stated in prose: what it counts and the number; its phrase is the clause that
    says it: 2024年，区政府办代表区政府受理政府信息公开申请17件."""

    what: str = RECEIVED  # RECEIVED, CONCLUDED or CARRIED_FORWARD
    number: int = 0


@dataclass(frozen=True)
class Upheld(_Found):
    """A sentence saying that every review or lawsuit upheld the agency ("均获维持", spec §7 R8)."""

    review: bool = False  # the sentence speaks of 行政复议
    litigation: bool = False  # … of 行政诉讼
    concluded_only: bool = False  # … of the concluded cases only (已审结的…均获维持)


@dataclass(frozen=True)
class Period(_Found):
    """The statistical period a report states ("统计期限自2024年1月1日起至2024年12月31日止")."""

    years: tuple[int, ...] = ()


# A stretch within one clause: no sentence or clause punctuation, no count of its own.
_GAP = r"[^。；;，,：:！？!?\n件]"
_NUMBER = r"(?P<n>\d{1,3}(?:,\d{3})+(?!\d)|\d+)件"
# Words a clause about something else uses between the verb and the number: other kinds of
# request, other years.
_OTHER_MATTER = re.compile(r"复议|诉讼|举报|投诉|信访|提案|建议|咨询|热线|来电|留言|结转|上年|去年|上一年|同比|较|比")

_OTHER_YEAR = re.compile(r"上年|去年|上一年|同期|前年")
_RECEIVE_VERBS = ("收到", "受理", "新收", "接收", "接到")
_RECEIVED = re.compile(
    rf"(?:{'|'.join(_RECEIVE_VERBS)})(?:"
    # … 申请 (共计) 17件: 共收到政府信息公开申请17件, 受理依申请公开申请95件
    rf"(?P<gap>{_GAP}{{0,30}}?)申请[^。；;，,：:\d件]{{0,6}}?{_NUMBER}"
    # (共) 70件 … 申请: 共收到70件申请
    rf"|[共计各类]{{0,3}}{_NUMBER.replace('?P<n>', '?P<n2>')}{_GAP}{{0,12}}?申请)")
_CONCLUDED = re.compile(rf"办结(?P<gap>{_GAP}{{0,15}}?){_NUMBER}")
_CARRY_VERBS = ("结转", "顺延", "转入")
_CARRY_VERB = rf"(?:{'|'.join(_CARRY_VERBS)})(?:至|到)?下一?年"
# 结转下年度继续办理3件
_CARRIED = re.compile(rf"{_CARRY_VERB}度?{_GAP}{{0,12}}?{_NUMBER}")
# 1件结转下年度继续办理, 另有103件顺延到下年度答复: the number before the verb, found from the verb
_CARRY_AFTER = re.compile(_CARRY_VERB)
_NUMBER_BEFORE = re.compile(rf"{_NUMBER}{_GAP}{{0,8}}$")
_VERB_KIND = {**{v: RECEIVED for v in _RECEIVE_VERBS}, "办结": CONCLUDED, **{v: CARRIED_FORWARD for v in _CARRY_VERBS}}
_VERBS = re.compile("|".join(_VERB_KIND))
_UPHOLD = re.compile("维持")
_ALL_BEFORE = re.compile(r"(?:均|全部|都|皆|全都)[^。；;，,]{0,6}$")  # 均获维持, 全部被依法维持
_PERIOD = re.compile(r"统计(?:期限|期间|时限|时段|区间|周期)[^。；;]{0,40}")
_YEAR = re.compile(r"(\d{4})年")
_CLAUSE_END = re.compile(r"[。；;！!？?\n，,：:（）()]")
_SENTENCE_END = re.compile(r"[。；;！!？?\n]")


def statements(text: str) -> list[Statement]:
    """Every count of applications received, concluded or carried forward that ``text`` states."""
    flat = _flat(text)
    t = flat.text
    # One pass finds every verb; each pattern is then tried only where its verbs stand.
    at: dict[str, list[int]] = {RECEIVED: [], CONCLUDED: [], CARRIED_FORWARD: []}
    for m in _VERBS.finditer(t):
        at[_VERB_KIND[m.group(0)]].append(m.start())
    found: list[tuple[str, int, int, int]] = []  # (what, number, start, end) in the flat text
    for m in _matches(_RECEIVED, t, at[RECEIVED]):
        if not _elsewhere(t, m):
            found.append((RECEIVED, _count(m.group("n") or m.group("n2")), m.start(), m.end()))
    for m in _matches(_CONCLUDED, t, at[CONCLUDED]):
        if not _elsewhere(t, m):
            found.append((CONCLUDED, _count(m.group("n")), m.start(), m.end()))
    for m in _matches(_CARRIED, t, at[CARRIED_FORWARD]):
        found.append((CARRIED_FORWARD, _count(m.group("n")), m.start(), m.end()))
    for m in _matches(_CARRY_AFTER, t, at[CARRIED_FORWARD]):
        before = _NUMBER_BEFORE.search(t, max(0, m.start() - 20), m.start())
        if before:
            found.append((CARRIED_FORWARD, _count(before.group("n")), before.start(), m.end()))
    out = []
    for what, number, start, end in found:
        s, e = _clause(t, start, end)
        out.append(Statement(t[s:e], s, flat, what, number))
    return sorted(out, key=lambda st: (st.at, st.what))


def _elsewhere(text: str, m: re.Match) -> bool:
    """True when a match is about another year or another kind of case: 较上年收到…, 收到行政复议申请…,
    办结上年结转申请…."""
    gap = m.groupdict().get("gap") or ""
    return bool(_OTHER_MATTER.search(gap) or _OTHER_YEAR.search(text, max(0, m.start() - 6), m.start()))


def _matches(pattern: re.Pattern, text: str, starts: list[int]) -> list[re.Match]:
    """The non-overlapping matches of ``pattern`` that begin at one of the offsets ``starts``."""
    out: list[re.Match] = []
    for i in starts:
        if out and i < out[-1].end():
            continue
        m = pattern.match(text, i)
        if m:
            out.append(m)
    return out


def _count(digits: str) -> int:
    return int(digits.replace(",", ""))


def upheld_statements(text: str) -> list[Upheld]:
    """The "all upheld" sentences of ``text`` that name 复议 or 诉讼 (not of only some of them: 其中)."""
    flat = _flat(text)
    out: list[Upheld] = []
    for m in _UPHOLD.finditer(flat.text):
        if not _ALL_BEFORE.search(flat.text, max(0, m.start() - 8), m.start()):
            continue
        start = _sentence_start(flat.text, m.start())
        before = flat.text[start:m.start()]
        if "其中" in before:
            continue  # "其中3件均获维持": only part of the cases
        review, litigation = "复议" in before, "诉讼" in before or "起诉" in before
        if review or litigation:
            out.append(Upheld(flat.text[start:m.end()], start, flat, review, litigation, "审结" in before))
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


def stated_period(text: str) -> Period | None:
    """The first statistical period ``text`` states with at least one year in it."""
    flat = _flat(text)
    for m in _PERIOD.finditer(flat.text):
        phrase = m.group(0)
        years = tuple(int(y) for y in _YEAR.findall(phrase))
        if years:
            last = max(phrase.rfind("止"), phrase.rfind("日"))
            return Period(phrase[: last + 1] if last > 0 else phrase, m.start(), flat, years)
    return None
