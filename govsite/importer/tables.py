"""Reading the three tables of a report from blocks, driven by the format description.

Nothing here spells out a table's shape: the rows, their labels and aliases, the columns and the
equations all come from :mod:`govsite.formats`. The version of each table is detected from the
table itself (spec §6: Table 1's columns, Table 2's （六） rows) and compared with the year's.

- Table 1 (layout "sections"): section titles ``第二十条第（X）项``, header rows ``信息内容 …`` and
  data rows matched by label.
- Table 2 (layout "grid", one row per field): the source's value lines are aligned, in order, with
  the description's rows; a label may be spread over neighbouring lines (pdftotext, the seed), so
  each line is scored with its own label and with its neighbours' text as context.
- Table 3: the 15 values of its one data row, in column order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..diagnostics import Diagnostic, warning
from ..formats import FORMATS, Field, Format, Table
from ..model import Value
from .cells import Fit, Pending, fit_row, is_blank, is_value_token, resolve, row_totals
from .document import Block, Document
from .labels import best_match, coverage, normalize
from .sections import Regions
from .verify import contradicted, settle

_TRAILING_NUMBERS = re.compile(r"^(.*[\u3400-\u9fff）)”\"’】\]])\s*((?:[+\-]?\d[\d,.]*\s*)+)$")
_SECTION_NO = re.compile(r"第二十条第\(([一二三四五六七八九十]+)\)项")
MATCH_THRESHOLD = 0.6  # a Table 2 row label must be at least this well covered (labels.coverage)
ROW_THRESHOLD = 0.75  # a Table 1 row label must be at least this similar (labels.best_match)
TRUNCATED_MIN = 4  # characters a truncated label keeps at least ("（一）予")
TRUNCATED_SCORE = 0.7  # … and what it scores: above MATCH_THRESHOLD, below any whole label
CONTEXT_WEIGHT = 0.92  # a label assembled from neighbouring lines counts slightly less than its own line's


@dataclass
class Line:
    """A block read as a table row: its own label and its value cells."""

    index: int  # block index
    block: Block
    label: str  # normalised label text of the line itself
    tokens: list[str]  # value cells in order
    before: str = ""  # normalised text of the label-only lines since the previous value line
    after: str = ""  # … and up to the next value line
    nearest: tuple[str, str] = ("", "")  # the label line just above and just below

    @property
    def has_values(self) -> bool:
        """True when the line carries value cells."""
        return bool(self.tokens)


@dataclass
class TableResult:
    """What was read from the source for the tables of one format."""

    values: dict[str, list[Value]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # "table" or "table.field"
    notes: list[Diagnostic] = field(default_factory=list)
    pendings: list[Pending] = field(default_factory=list)
    found: set[str] = field(default_factory=set)  # tables with any value read
    # fields attached to their value line by neighbouring or partial labels, with that line: kept
    # only if the equations do not contradict them (see :func:`.verify.contradicted`)
    attached: dict[str, Block] = field(default_factory=dict)


def explode(cells: list[str]) -> list[str]:
    """Split a label cell that carries its numbers (``规章 0 0 0``, ``…申请数量801000081``)."""
    out: list[str] = []
    for c in cells:
        m = _TRAILING_NUMBERS.match(c.strip()) if c and not is_value_token(c) else None
        if m:
            out.append(m.group(1).strip())
            out.extend(m.group(2).split())
        elif c and not is_value_token(c) and re.fullmatch(r"(?:[+\-]?\d[\d,.]*\s+)+[+\-]?\d[\d,.]*", c.strip()):
            out.extend(c.split())
        else:
            out.append(c)
    return out


def read_line(index: int, block: Block) -> Line:
    """Split a block's cells into label cells and the value cells after the last label cell."""
    cells = explode(block.cells)
    last_text = -1
    for i, c in enumerate(cells):
        if c.strip() and not is_value_token(c):
            last_text = i
    label = normalize("".join(cells[: last_text + 1]))
    values = [c.strip() for c in cells[last_text + 1:]]
    grid = block.table is not None
    if not grid:
        # separators of text exports are structural at both ends (merged cells, trailing tabs)
        while values and values[0] == "":
            values.pop(0)
        while values and values[-1] == "":
            values.pop()
    if not any(v and not is_blank(v) for v in values) and not (grid and len(values) >= 2):
        values = []
    return Line(index, block, label, values)


def lines_of(doc: Document, span: tuple[int, int]) -> list[Line]:
    """The blocks of ``span`` as lines, each value line given its neighbours' label text."""
    lines = [read_line(i, doc.blocks[i]) for i in range(*span)]
    value_pos = [k for k, ln in enumerate(lines) if ln.has_values]
    for n, k in enumerate(value_pos):
        prev_k = value_pos[n - 1] if n else -1
        next_k = value_pos[n + 1] if n + 1 < len(value_pos) else len(lines)
        before = [ln.label for ln in lines[max(prev_k + 1, k - 4):k] if not ln.has_values]
        after = [ln.label for ln in lines[k + 1:min(next_k, k + 4)] if not ln.has_values]
        lines[k].before = "".join(before)
        lines[k].after = "".join(after)
        lines[k].nearest = (before[-1] if before else "", after[0] if after else "")
    return lines


def _note(doc: Document, block: Block | None, rule: str, message: str) -> Diagnostic:
    line = block.line if block else 0
    where = f"（原文：{block.quote()}）" if block else ""
    return warning(doc.path, line, rule, message + where)


def _field_label(table: Table, f: Field) -> str:
    row = table.row_of(f.key)
    return row.label or f.short


def _apply_fit(doc: Document, out: TableResult, table: Table, fields: tuple[Field, ...], fit: Fit, block: Block) -> None:
    """Store a fitted row, queue it for the arithmetic, or mark it missing."""
    keys = tuple(f"{table.key}.{f.key}" for f in fields)
    label = "、".join(_field_label(table, f) for f in fields)
    for n in fit.notes:
        out.notes.append(_note(doc, block, "cell", f"{table.title} · {label}：{n}"))
    if fit.values is not None:
        i = 0
        for k, f in zip(keys, fields):
            out.values[k] = list(fit.values[i:i + f.width])
            i += f.width
        return
    if fit.candidates:
        out.pendings.append(Pending(keys, tuple(f.width for f in fields), fit.candidates, fit.reason,
                                    block.line, block.quote()))
        return
    out.missing.extend(keys)
    out.notes.append(_note(doc, block, "unreadable", f"{table.title} · {label}：{fit.problem}，该行记为缺失"))


# --- Table 1 ---------------------------------------------------------------------------------


def _row_candidates(table: Table) -> dict[str, str]:
    out = {}
    for row in table.all_rows():
        for i, label in enumerate((row.label,) + row.aliases):
            out[f"{row.fields[0].key}#{i}"] = normalize(label)
    return out


def detect_active_version(lines: list[Line], preferred: str) -> str | None:
    """Which format's Table 1 the source prints, by its column headers, rows and cell counts."""
    votes = {v: 0 for v in FORMATS}
    cols = {v: {normalize(c.label): c for s in f.table("active").sections for c in s.columns if c.label}
            for v, f in FORMATS.items()}
    rows = {v: _row_candidates(f.table("active")) for v, f in FORMATS.items()}
    # Sections only some formats have (2019's 第二十条第（九）项), from the descriptions themselves.
    sections = {v: {_SECTION_NO.search(normalize(s.title)).group(1) for s in f.table("active").sections}
                for v, f in FORMATS.items()}
    seen_any = False
    for ln in lines:
        if ln.label.startswith("信息内容"):
            seen_any = True
            for cell in ln.block.cells[1:]:
                c = normalize(cell)
                if not c or c == "信息内容":
                    continue
                scores = {v: best_match(c, {k: k for k in cols[v]})[1] for v in FORMATS}
                best = max(scores.values())
                winners = [v for v, s in scores.items() if s == best]
                if best >= 0.8 and len(winners) == 1:
                    votes[winners[0]] += 1
        m = _SECTION_NO.search(ln.label)
        if m:
            seen_any = True
            having = [v for v in FORMATS if m.group(1) in sections[v]]
            if len(having) == 1:
                votes[having[0]] += 2
        if ln.has_values and ln.label:
            for v in FORMATS:
                key, score = best_match(ln.label, rows[v])
                if score >= 0.99 and all(best_match(ln.label, rows[w])[1] < 0.99 for w in FORMATS if w != v):
                    votes[v] += 2
    if not seen_any and not any(ln.has_values for ln in lines):
        return None
    best = max(votes.values())
    winners = [v for v, n in votes.items() if n == best]
    return preferred if preferred in winners else winners[0]


def read_active(doc: Document, lines: list[Line], fmt: Format, out: TableResult) -> None:
    """Table 1 of ``fmt``: each data line matched by label to a row of the description."""
    table = fmt.table("active")
    cands = _row_candidates(table)
    fields = {f.key: f for f in table.fields()}
    done: set[str] = set()
    pending_label: Line | None = None
    for ln in lines:
        if not ln.has_values:
            pending_label = ln if ln.label and not ln.label.startswith(("第二十条", "信息内容")) else None
            continue
        label = ln.label
        if not label and pending_label is not None:
            label = pending_label.label  # the values sit on the line after their label (seed)
        pending_label = None
        if not label or label.startswith(("第二十条", "信息内容")):
            continue
        key, score = best_match(label, cands)
        if key is None or score < ROW_THRESHOLD:
            out.notes.append(_note(doc, ln.block, "unplaced", f"{table.title}：无法对应到任何行的数据“{label}”，已忽略"))
            continue
        fkey = key.split("#")[0]
        f = fields[fkey]
        if fkey in done:
            out.notes.append(_note(doc, ln.block, "duplicate", f"{table.title} · {_field_label(table, f)} 出现了两次，只取第一次"))
            continue
        done.add(fkey)
        official = normalize(_field_label(table, f))
        if score < 1.0 and label != official:
            out.notes.append(_note(doc, ln.block, "fuzzy", f"{table.title}：行标签“{label}”按近似匹配识别为“{_field_label(table, f)}”"))
        _apply_fit(doc, out, table, (f,), fit_row(ln.tokens, f.value_columns), ln.block)
    if done:
        out.found.add("active")
    for f in table.fields():
        if f.key not in done:
            out.missing.append(f"active.{f.key}")
            if done:
                out.notes.append(_note(doc, None, "missing", f"{table.title} · 未找到“{_field_label(table, f)}”一行，记为缺失"))


# --- Table 2 ---------------------------------------------------------------------------------


#: How label-only lines next to a value line may be read as its label: from both sides (labels
#: wrapped around their values), only from the lines above, or only from the lines below. A row
#: is attached to a value line only when the readings agree, or the equations pick one (see
#: :mod:`.verify`).
MODES = ("both", "before", "after")


def _score(labels: list[str], ln: Line, mode: str = "both") -> tuple[float, str]:
    """How well ``ln`` carries one of ``labels``, and how: ``own`` (the line's own label holds it),
    ``context`` (the neighbouring label lines hold it) or ``fuzzy`` (only in part)."""
    best, kind = 0.0, "fuzzy"
    context = (ln.before if mode != "after" else "") + ln.label + (ln.after if mode != "before" else "")
    for lab in labels:
        if lab and lab in ln.label:
            return 1.0, "own"
        if lab and lab in context:
            s, k = CONTEXT_WEIGHT, "context"
        else:
            s = max(coverage(lab, ln.label), CONTEXT_WEIGHT * coverage(lab, context))
            k = "fuzzy"
            # a label cut short by the extraction ("4.保护第"): a prefix of the official label
            pieces = (ln.label, ln.nearest[0] if mode != "after" else "", ln.nearest[1] if mode != "before" else "")
            if any(len(p) >= TRUNCATED_MIN and lab.startswith(p) for p in pieces):
                s = max(s, TRUNCATED_SCORE)
        if s > best:
            best, kind = s, k
    return best, kind


def align(lines: list[Line], table: Table, mode: str = "both") -> tuple[float, list[tuple[int, int, float, str]]]:
    """Monotonic alignment of value lines with the table's rows, maximising the total label score.

    Returns the total and the matched pairs (line position, row position, score, kind of match,
    see :func:`_score`). Rows and lines may stay unmatched: a row left out is missing, a line
    left out is reported.
    """
    rows = table.rows
    labels = [[normalize(x) for x in (r.label,) + r.aliases] for r in rows]
    vlines = [ln for ln in lines if ln.has_values]
    n, m = len(vlines), len(rows)
    scores = [[_score(labels[j], vlines[i], mode) for j in range(m)] for i in range(n)]
    dp = [[0.0] * (m + 1) for _ in range(n + 1)]
    back: list[list[int]] = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        for j in range(m + 1):
            if i == 0 and j == 0:
                continue
            best, how = -1.0, 0
            if i > 0 and dp[i - 1][j] > best:
                best, how = dp[i - 1][j], 1
            if j > 0 and dp[i][j - 1] > best:
                best, how = dp[i][j - 1], 2
            if i > 0 and j > 0:
                s = scores[i - 1][j - 1][0]
                if s >= MATCH_THRESHOLD and dp[i - 1][j - 1] + s > best:
                    best, how = dp[i - 1][j - 1] + s, 3
            dp[i][j], back[i][j] = best, how
    pairs = []
    i, j = n, m
    while i > 0 or j > 0:
        how = back[i][j]
        if how == 3:
            s, kind = scores[i - 1][j - 1]
            pairs.append((i - 1, j - 1, s, kind))
            i, j = i - 1, j - 1
        elif how == 1:
            i -= 1
        else:
            j -= 1
    pairs.reverse()
    return dp[n][m], pairs


def detect_applications_version(lines: list[Line], preferred: str) -> str | None:
    """Which format's Table 2 rows the source's value lines fit best (spec §4.3: row （六）)."""
    if not any(ln.has_values for ln in lines):
        return None
    totals = {v: align(lines, f.table("applications"))[0] for v, f in FORMATS.items()}
    best = max(totals.values())
    winners = [v for v, s in totals.items() if abs(s - best) < 1e-9]
    return preferred if preferred in winners else winners[0]


def read_applications(doc: Document, lines: list[Line], source: Format, out: TableResult) -> None:
    """Table 2 as printed in the ``source`` format's layout (the caller maps it to the report's)."""
    table = source.table("applications")
    vlines = [ln for ln in lines if ln.has_values]
    if not vlines:
        return
    readings = {mode: align(lines, table, mode)[1] for mode in MODES}
    settled = settle(readings, [ln.tokens for ln in vlines], table, source)
    if settled.mode:
        out.notes.append(_note(doc, None, "arithmetic",
                               f"{table.title}：行标签与数据行的对应有 {settled.distinct} 种读法，"
                               f"只有一种使勾稽关系全部成立，已按其导入"))
    pairs = _drop_repeated(doc, table, vlines, settled, out)
    used = set()
    for li, rj, score, kind in pairs:
        ln, row = vlines[li], table.rows[rj]
        used.add(li)
        f = row.fields[0]
        if kind == "fuzzy":
            shown = ln.label or (ln.before + ln.label + ln.after)
            out.notes.append(_note(doc, ln.block, "fuzzy", f"{table.title}：行标签“{shown}”按近似匹配识别为“{row.label}”（匹配度 {score:.2f}）"))
        if kind != "own":
            out.attached[f"applications.{f.key}"] = ln.block
        totals = row_totals(source.equations, (f"applications.{f.key}",), (f.width,))
        _apply_fit(doc, out, table, (f,), fit_row(ln.tokens, f.value_columns, totals), ln.block)
    out.found.add("applications")
    matched_rows = {rj for _, rj, _, _ in settled.pairs}
    used.update(li for li, rj, _, _ in settled.pairs)
    for rj, candidates in settled.disputed.items():
        row = table.rows[rj]
        out.missing.append(f"applications.{row.fields[0].key}")
        where = "、".join(f"第 {vlines[i].block.line} 行（{vlines[i].block.quote(40)}）" for i in candidates)
        first = vlines[candidates[0]].block if candidates else None
        out.notes.append(warning(doc.path, first.line if first else 0, "ambiguous",
                                 f"{table.title} · {row.label}：行标签可对应原文的 {where}，"
                                 f"勾稽关系无法确定是哪一行；该行记为缺失，未填任何数字"))
        used.update(candidates)
    for j, row in enumerate(table.rows):
        if j not in matched_rows and j not in settled.disputed:
            out.missing.append(f"applications.{row.fields[0].key}")
            out.notes.append(_note(doc, None, "missing", f"{table.title} · 未找到“{row.label}”一行，记为缺失"))
    for i, ln in enumerate(vlines):
        if i not in used:
            out.notes.append(_note(doc, ln.block, "unplaced", f"{table.title}：这一行数据无法对应到表格的任何一行，已忽略"))


def _drop_repeated(doc: Document, table: Table, vlines: list[Line], settled, out: TableResult) -> list:
    """The settled pairs without rows whose own label is printed again on a line with other numbers.

    Which of the two lines is the row cannot be known (a row repeated, a label garbled into
    another's): the row is missing, with both lines named.
    """
    labels = [[normalize(x) for x in (r.label,) + r.aliases] for r in table.rows]
    taken = {li: rj for li, rj, _, _ in settled.pairs}
    rows_at = {rj: li for li, rj, _, _ in settled.pairs}
    dropped: set[int] = set()
    for i, ln in enumerate(vlines):
        if i in taken or not ln.label:
            continue
        owners = [j for j, labs in enumerate(labels) if any(lab and lab in ln.label for lab in labs)]
        for j in owners:
            other = rows_at.get(j)
            if other is None or vlines[other].tokens == ln.tokens:
                continue
            dropped.add(j)
            a, b = vlines[other].block, ln.block
            out.notes.append(warning(doc.path, b.line, "ambiguous",
                                     f"{table.title} · {table.rows[j].label}：原文第 {a.line} 行和第 {b.line} 行都标为这一行，"
                                     f"数字却不同（{a.quote(40)}；{b.quote(40)}）；该行记为缺失，未填任何数字"))
            out.missing.append(f"{table.key}.{table.rows[j].fields[0].key}")
    return [p for p in settled.pairs if p[1] not in dropped]


def map_applications(doc: Document, source: Format, target: Format, out: TableResult) -> None:
    """Carry Table 2's （六） rows from the layout the source printed to the report's format.

    2019 → 2021 (the Hongze reports): the one row （六）其他处理 cannot be split into the three
    sub-items — unless it is all zero, when every sub-item is zero too (non-negative counts).
    2021 → 2019: the one row is the sum of the three sub-items.
    """
    src_rows = [r for r in source.table("applications").rows if r.fields[0].key.startswith("other")]
    dst_rows = [r for r in target.table("applications").rows if r.fields[0].key.startswith("other")]
    src_keys = [f"applications.{r.fields[0].key}" for r in src_rows]
    dst_keys = [f"applications.{r.fields[0].key}" for r in dst_rows]
    title = target.table("applications").title
    got = [out.values.pop(k, None) for k in src_keys]
    out.missing = [k for k in out.missing if k not in src_keys]
    out.pendings = [p for p in out.pendings if not set(p.keys) & set(src_keys)]
    what = (f"原文的（六）其他处理按 {source.version} 年版格式排列（{len(src_rows)} 行），"
            f"而本报告使用 {target.version} 年版格式（{len(dst_rows)} 行）")
    if any(v is None for v in got):
        out.missing.extend(dst_keys)
        out.notes.append(_note(doc, None, "version", f"{title}：{what}；原文该行未能读取，（六）各行记为缺失"))
        return
    if len(src_rows) == 1:
        single = got[0]
        if all(v in (0, None) for v in single):
            for k in dst_keys:
                out.values[k] = [None if v is None else 0 for v in single]
            out.notes.append(_note(doc, None, "version", f"{title}：{what}；该行各栏均为 0，各子项必然也为 0，已据此填写"))
        else:
            out.missing.extend(dst_keys)
            out.notes.append(_note(doc, None, "version", f"{title}：{what}；该行为 {single}，无法拆分到各子项，（六）各子项记为缺失"))
        return
    summed: list[Value] = []
    for col in zip(*got):
        summed.append(None if all(v is None for v in col) else sum(v or 0 for v in col))
    out.values[dst_keys[0]] = summed
    out.notes.append(_note(doc, None, "version", f"{title}：{what}；（六）其他处理取三个子项之和 {summed}"))


# --- Table 3 ---------------------------------------------------------------------------------


def read_reviews(doc: Document, lines: list[Line], fmt: Format, out: TableResult) -> None:
    """Table 3: every value cell of the region, in order, fitted to the 15 columns."""
    table = fmt.table("reviews")
    vlines = [ln for ln in lines if ln.has_values]
    if not vlines:
        return
    fields = tuple(table.fields())
    tokens = [t for ln in vlines for t in ln.tokens]
    columns = tuple(c for f in fields for c in f.value_columns)
    out.found.add("reviews")
    totals = row_totals(fmt.equations, tuple(f"reviews.{f.key}" for f in fields), tuple(f.width for f in fields))
    _apply_fit(doc, out, table, fields, fit_row(tokens, columns, totals), vlines[0].block)


# --- Whole report ----------------------------------------------------------------------------


@dataclass
class Tables:
    """The tables read from a document, for the report's format."""

    format: Format
    values: dict[str, list[Value]]
    missing: list[str]
    notes: list[Diagnostic]
    active_version: str | None
    applications_version: str | None
    found: set[str] = field(default_factory=set)  # tables of which any value was read


def read_tables(doc: Document, regions: Regions, year_format: Format) -> Tables:
    """Detect each table's version, read all three, and settle ambiguous rows by arithmetic."""
    spans = regions.tables
    act = lines_of(doc, spans["active"]) if "active" in spans else []
    app = lines_of(doc, spans["applications"]) if "applications" in spans else []
    rev = lines_of(doc, spans["reviews"]) if "reviews" in spans else []
    notes: list[Diagnostic] = []
    active_version = detect_active_version(act, year_format.version)
    app_version = detect_applications_version(app, active_version or year_format.version)
    version = active_version or app_version or year_format.version
    fmt = FORMATS[version]
    if version != year_format.version:
        notes.append(warning(doc.path, 0, "version",
                             f"表格按 {version} 年版格式（{fmt.document}）排列，而该年度应使用 {year_format.version} 年版；按原文的 {version} 年版导入"))
    out = TableResult()
    read_active(doc, act, fmt, out)
    if app_version:
        source = FORMATS[app_version]
        read_applications(doc, app, source, out)
        if app_version != version:
            map_applications(doc, source, fmt, out)
    read_reviews(doc, rev, fmt, out)

    # Rows with several readings: the format's equations decide (issue 5).
    if out.pendings:
        for r in resolve(out.pendings, out.values, fmt.equations):
            p = r.pending
            what = "多出的单元格" if p.reason == "surplus" else "连在一起的数字"
            table = fmt.table(p.keys[0].split(".")[0])
            shown = f"{table.title} · " + "、".join(_field_label(table, fmt.field(k)) for k in p.keys)
            if r.values is not None:
                out.values.update(p.assign(r.values))
                out.notes.append(warning(doc.path, p.line, "arithmetic",
                                         f"{shown}：{what}有 {len(p.candidates)} 种读法，按勾稽关系唯一确定为 {_flat(r.values)}（原文：{p.quote}）"))
            else:
                agreed = _agreed_fields(p, r.survivors)
                out.values.update(agreed)
                out.missing.extend(k for k in p.keys if k not in agreed)
                if agreed:
                    kept = "、".join(_field_label(table, fmt.field(k)) for k in agreed)
                    out.notes.append(warning(doc.path, p.line, "arithmetic",
                                             f"{shown}：各种读法中 {kept} 的数字都相同，已导入这几项"))
                if r.survivors:
                    shown_c = "；".join(_flat(c) for c in r.survivors[:4]) + ("…" if len(r.survivors) > 4 else "")
                    why = f"有 {len(r.survivors)} 种读法都符合勾稽关系：{shown_c}"
                else:
                    why = f"{len(p.candidates)} 种读法中没有一种符合勾稽关系"
                out.notes.append(warning(doc.path, p.line, "ambiguous", f"{shown}：{what}无法确定，{why}；该行记为缺失，未填任何数字（原文：{p.quote}）"))

    _withdraw_contradicted(doc, fmt, out)
    missing = _collapse(fmt, out.missing, out.found)
    for t in fmt.tables:
        if t.key not in out.found:
            notes.append(warning(doc.path, 0, "missing",
                                 f"未找到表格“{t.title}”（原文可能以图片发布），记为缺失，未填任何数字"))
    return Tables(fmt, out.values, missing, notes + out.notes, active_version, app_version, out.found)


def _withdraw_contradicted(doc: Document, fmt: Format, out: TableResult) -> None:
    """Rows attached by neighbouring or partial labels that an equation contradicts become missing."""
    bad = contradicted(out.values, [k for k in out.attached if k in out.values], fmt.equations)
    for key, eqs in bad.items():
        out.values.pop(key, None)
        out.missing.append(key)
        table = fmt.table(key.split(".")[0])
        label = _field_label(table, fmt.field(key))
        rules = "、".join(dict.fromkeys(f"{eq.rule}（{eq.context}）" for eq in eqs[:2]))
        out.notes.append(_note(doc, out.attached[key], "ambiguous",
                               f"{table.title} · {label}：该行是按近似或相邻行的标签对应的，而勾稽关系 {rules} 不成立，"
                               f"无法确认数字属于这一行；该行记为缺失，未填任何数字"))


def _agreed_fields(p: Pending, survivors: list) -> dict[str, list[Value]]:
    """The fields of a pending row on which every reading the rules allow gives the same numbers."""
    if not survivors:
        return {}
    readings = [p.assign(c) for c in survivors]
    return {k: v for k, v in readings[0].items() if all(r[k] == v for r in readings[1:])}


def _flat(values) -> str:
    return "[" + ", ".join("空白" if v is None else str(v) for v in values) + "]"


def _collapse(fmt: Format, missing: list[str], found: set[str]) -> list[str]:
    """Missing fields, with a whole table named once when none of it was read."""
    out: list[str] = []
    for t in fmt.tables:
        keys = [f"{t.key}.{f.key}" for f in t.fields()]
        gone = [k for k in keys if k in missing]
        if t.key not in found or len(gone) == len(keys):
            out.append(t.key)
        else:
            out.extend(gone)
    return out
