"""Crawled page text → blocks: the whole report on one line, whitespace collapsed, digits run together.

Archive builders get reports as the text a crawler pulled out of the web page: a few header lines
(``标题:``, ``发布时间:``, ``原文链接:``), site chrome, then the report as one line in which the
table cells have lost their separators (``一、本年新收政府信息公开申请数量640020470``). This reader
cuts that line at the six section headings, the prose into paragraphs, and the tables into one
block per row — the row's label text and the digit run after it. The run is split into cells
later, by :func:`.cells.fit_row` and the format's equations (R2 for a row of Table 2, R4 for
Table 3, R1/R3 across rows; Table 1 only where one split is possible).
"""

from __future__ import annotations

import re

from ..formats import FORMATS, SECTIONS
from .document import Block, Document
from .labels import normalize, similarity

#: A line of the crawler's header: ``发布时间: 2022-02-08 16:34``.
_HEADER = re.compile(r"^\s*([\u4e00-\u9fff]{2,6})\s*[:：]\s*(.*?)\s*$")
_BODY_MARK = re.compile(r"^=+\s*正文\s*=+$")
#: Where the report's own text starts after the site chrome (the preface's first words).
_PREFACE_START = re.compile(r"(?:根据|依据|按照)《|本报告")
_SUBHEADING = re.compile(r"(?=[（(][一二三四五六七八九十]{1,2}[）)])")
#: A run of digits with the stray spaces and decimal points crawlers leave inside it.
_RUN = re.compile(r"[0-9０-９](?:[0-9０-９ .．]*[0-9０-９])?\.?")
_NUMERALS = "一二三四五六"
_TABLE_SECTIONS = {1: "active", 2: "applications", 3: "reviews"}  # 二、三、四 (spec §2)
MIN_LINE = 1500  # a report on one line is longer than any line of a text export


def is_collapsed(text: str) -> bool:
    """True when ``text`` holds a whole report on one line (a crawler's page text)."""
    longest = max(text.split("\n"), key=len, default="")
    if len(longest) < MIN_LINE:
        return False
    squashed = normalize(longest)
    return sum(normalize(title) in squashed for _, title in SECTIONS) >= 3


def _find_headings(text: str) -> list[tuple[int, int, int]]:
    """(section number, start, end) of each section heading found, in order."""
    found = []
    pos = 0
    for number, (_, title) in enumerate(SECTIONS):
        pattern = r"\s*".join(map(re.escape, title))
        m = re.compile(pattern).search(text, pos)
        if m:
            found.append((number, m.start(), m.end()))
            pos = m.end()
            continue
        # a variant title ("四、因政府信息公开申请提起行政复议、行政诉讼情况"): the numeral, then
        # words like the official ones up to 情况/事项
        for m in re.finditer(_NUMERALS[number] + "、", text[pos:]):
            start = pos + m.start()
            window = text[start:start + len(title) + 8]
            cut = max(window.rfind("情况"), window.rfind("事项"))
            if cut > 2 and similarity(normalize(window[:cut + 2]), normalize(title)) >= 0.6:
                found.append((number, start, start + cut + 2))
                pos = start + cut + 2
                break
    return found


def _header_words(key: str) -> tuple[str, ...]:
    """The header texts of table ``key`` in every format (section titles, 信息内容, column
    labels, corner), longest first: in a collapsed table they run into the first row's label."""
    words = set()
    for fmt in FORMATS.values():
        table = fmt.table(key)
        for section in table.sections:
            words.update((section.title, section.header))
            words.update(c.label for c in section.columns if c.label)
        for column in table.columns:
            words.update(column.path)
        words.update(w for w in (table.caption, table.corner) if w)
    return tuple(sorted(words, key=len, reverse=True))


def _split_header(label: str, words: tuple[str, ...]) -> tuple[str, str]:
    """``第二十条第（一）项信息内容本年制发件数…规章`` → (the header text, ``规章``)."""
    end = 0
    for word in words:
        pos = label.rfind(word)
        if pos >= 0:
            end = max(end, pos + len(word))
    return label[:end].strip(), label[end:].strip()


def _row_blocks(text: str, line: int, table: str = "active") -> list[Block]:
    """A table's text as rows: each label with the digit run that follows it.

    Header text is cut off the labels: before every row in Table 1 (each of its sections has
    its own header), before the first row in the others (whose column words, 总计 and 其他,
    are also words of row labels).
    A run directly followed by ``.`` or ``、`` and a word ends with the next row's item number
    (``…0000032.其他法律…``): that digit starts the next label.
    """
    words = _header_words(table)
    blocks: list[Block] = []
    label_start = 0
    for m in _RUN.finditer(text):
        run = m.group(0)
        after = text[m.end():m.end() + 1]
        carried = 0  # characters at the end of the run that start the next label
        if run.endswith((".", "．")):
            run = run[:-1]
            carried = 2 if after and not after.isdigit() else 1
        elif after == "、":
            carried = 1
        digits = run[: len(run) - (1 if carried == 2 or after == "、" else 0)].replace(" ", "")
        label = text[label_start:m.start()]
        header, label = _split_header(label, words) if table == "active" or not blocks else ("", label)
        if header:
            blocks.append(Block(line, [header], raw=header))
        if digits:
            blocks.append(Block(line, [label, digits] if label else ["", digits], raw=f"{label}{digits}"))
        elif label:
            blocks.append(Block(line, [label], raw=label))
        label_start = m.end() - (carried if carried != 1 or after == "、" else 0)
    rest = text[label_start:].strip()
    if rest:
        blocks.append(Block(line, [rest], raw=rest))
    return blocks


def _paragraphs(text: str, line: int) -> list[Block]:
    """Prose as paragraphs, one per numbered sub-heading (``（一）主动公开方面。…``)."""
    return [Block(line, [p.strip()], raw=p.strip()) for p in _SUBHEADING.split(text) if p.strip()]


def read_collapsed(path: str, text: str) -> Document:
    """The crawler header as info lines, then the report's one line as headings, prose and rows."""
    lines = text.split("\n")
    body_index = max(range(len(lines)), key=lambda i: len(lines[i]))
    blocks: list[Block] = []
    title = ""
    for i, ln in enumerate(lines[:body_index], start=1):
        m = _HEADER.match(ln)
        if not m or _BODY_MARK.match(ln.strip()):
            continue
        if m.group(1) == "标题":
            title = m.group(2)
        elif m.group(2):
            blocks.append(Block(i, [f"{m.group(1)}：{m.group(2)}"], raw=ln.strip()))
    line = body_index + 1
    body = lines[body_index].strip()
    headings = _find_headings(body)
    first = headings[0][1] if headings else len(body)
    start = _PREFACE_START.search(body, 0, first)
    blocks += _paragraphs(body[start.start() if start else 0:first], line)
    for k, (number, begin, end) in enumerate(headings):
        blocks.append(Block(line, [body[begin:end]], raw=body[begin:end]))
        stop = headings[k + 1][1] if k + 1 < len(headings) else len(body)
        part = body[end:stop]
        blocks += _row_blocks(part, line, _TABLE_SECTIONS[number]) if number in _TABLE_SECTIONS else _paragraphs(part, line)
    doc = Document(path, "collapsed", blocks, title=title)
    return doc
