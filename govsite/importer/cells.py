"""Cell values: reading one cell's text, and fitting a source row's cells to a field's columns.

What real cells look like (spec §7 "Blank cells", §9 "Cell content"): ``0``, blank, ``&nbsp;``,
``/``, ``-``, ``—`` (blank → stored as blank, counted as 0), ``1,234``, ``减4`` and ``-8`` (2019
本年增/减), ``251000元``; surplus cells from merged source cells (spec §10) and run-together digits
(issue 5). When a row's cells do not fit its columns one to one, the candidates are searched and
kept only if the arithmetic rules of the format (its :class:`~govsite.formats.Equation` list) pick
exactly one — the importer never guesses a number.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Iterable, Iterator

from ..formats import Column, Equation, Kind
from ..model import Value

#: Cell texts that mean "left blank" (spec §7, §9).
BLANK_MARKS = frozenset({"", "/", "-", "—", "——", "–", "－", "／", "\\", "—/—"})

_NUMBER = re.compile(r"^[+\-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^[+\-]?\d+(?:\.\d+)?$")
_SIGNED_WORD = re.compile(r"^(增加?|减少?)\s*(\d+)$")
_COUNT_UNITS = ("件", "个", "项", "条", "次")
_AMOUNT_UNITS = ("万元", "元")
_VALUE_TOKEN = re.compile(
    r"^(?:[+\-]?\d[\d,]*(?:\.\d+)?(?:万元|元|件|个|项|条|次)?|(?:增加?|减少?)\d+)$"
)
# Search limits: a published row has at most a few dozen digits, so these bound only garbage.
MAX_CANDIDATES = 20000
MAX_COMBINATIONS = 200000
MAX_STEPS = 400000


def clean(text: str) -> str:
    """A cell's text in comparison form: NFKC (full-width digits, ``&nbsp;``), no spaces, ASCII minus."""
    s = unicodedata.normalize("NFKC", text).replace("\u2212", "-").replace("\u2014", "—")
    return re.sub(r"\s+", "", s)


def is_blank(text: str) -> bool:
    """True when a value cell's text means "left blank"."""
    return clean(text) in BLANK_MARKS


def is_value_token(text: str) -> bool:
    """True when ``text`` reads as a number or a blank mark (not a label)."""
    s = clean(text)
    return s in BLANK_MARKS or bool(_VALUE_TOKEN.match(s))


class CellError(ValueError):
    """A cell whose text is not a value of its column; the message is in Chinese."""


def parse_value(text: str, column: Column) -> tuple[Value, str]:
    """One cell → the stored value and a note ("" when nothing was decided).

    Counts become ``int`` and amounts exact decimal strings; blank marks become ``None``.
    Raises :class:`CellError` for text that is not a value of the column.
    """
    s = clean(text)
    if s in BLANK_MARKS:
        return None, ""
    if column.kind is Kind.AMOUNT:
        return _parse_amount(s, column)
    note = ""
    m = _SIGNED_WORD.match(s)
    if m:
        if column.kind is not Kind.SIGNED:
            raise CellError(f"“{text.strip()}”不是计数")
        n = int(m.group(2))
        return (-n if m.group(1).startswith("减") else n), f"“{text.strip()}”读作 {(-n if m.group(1).startswith('减') else n)}"
    for unit in _COUNT_UNITS:
        if s.endswith(unit) and len(s) > len(unit):
            s = s[: -len(unit)]
            note = f"去掉单位“{unit}”"
            break
    if not _NUMBER.match(s):
        raise CellError(f"“{text.strip()}”不是数字")
    if "," in s:
        s = s.replace(",", "")
        note = note or "去掉千位分隔符"
    if "." in s:
        d = Decimal(s)
        if d != d.to_integral_value():
            raise CellError(f"“{text.strip()}”不是整数")
        s = str(int(d))
    n = int(s)
    if n < 0 and column.kind is not Kind.SIGNED:
        raise CellError(f"“{text.strip()}”是负数，此栏只能是非负整数")
    return n, note


def _parse_amount(s: str, column: Column) -> tuple[Value, str]:
    """An amount: kept exact, with its unit when the column's label has none (spec §3.2)."""
    unit = next((u for u in _AMOUNT_UNITS if s.endswith(u)), "")
    number = s[: -len(unit)] if unit else s
    number = number.replace(",", "") if re.match(r"^\d{1,3}(,\d{3})+(\.\d+)?$", number) else number
    if not re.match(r"^\d+(\.\d+)?$", number):
        raise CellError(f"“{s}”不是金额")
    if not unit:
        return number, ""
    if unit in column.units:
        return number + unit, ""  # the label has no unit: keep the cell's (spec §3.2 采购总金额)
    label_unit = "万元" if "万元" in column.label else ("元" if "元" in column.label else "")
    if unit == label_unit or not label_unit:
        return number, f"去掉单位“{unit}”"
    if unit == "元" and label_unit == "万元":
        converted = _plain(Decimal(number) / Decimal(10000))
        return converted, f"“{s}”按栏目单位换算为 {converted} 万元"
    converted = _plain(Decimal(number) * Decimal(10000))
    return converted, f"“{s}”按栏目单位换算为 {converted} 元"


def _plain(d: Decimal) -> str:
    """A Decimal as plain notation without exponent or trailing zeros."""
    s = format(d.normalize(), "f")
    return s


# --- Fitting a source row to its columns -------------------------------------------------------


@dataclass
class Fit:
    """The outcome of fitting a source row's value cells to a run of columns.

    ``values`` is set when the row was read without doubt; otherwise ``candidates`` lists the
    possible readings that the arithmetic rules must decide between (``reason`` says why there is
    more than one: ``surplus`` cells or ``split`` run-together digits), or ``problem`` says why the
    row cannot be read at all.
    """

    values: list[Value] | None = None
    candidates: list[tuple[Value, ...]] = field(default_factory=list)
    reason: str = ""
    problem: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RowTotal:
    """One field's cells as a run-together row sees them: its width, and the index of the cell
    that its own equation (R2, R4: ``total = the sum of the cells before it``) makes the total,
    or None when no equation of the format constrains the field on its own."""

    width: int
    total: int | None = None


def row_totals(equations: Iterable[Equation], keys: tuple[str, ...], widths: tuple[int, ...]) -> tuple[RowTotal, ...]:
    """The :class:`RowTotal` of each field ``keys``, read off the format's equations."""
    out = []
    for key, width in zip(keys, widths):
        total = None
        for eq in equations:
            refs = eq.left + eq.right
            if len(eq.left) == 1 and all(r.key == key for r in refs) and \
                    sorted(r.index for r in eq.right) == list(range(eq.left[0].index)) and eq.left[0].index == width - 1:
                total = width - 1
        out.append(RowTotal(width, total))
    return tuple(out)


def fit_row(tokens: list[str], columns: tuple[Column, ...], totals: tuple[RowTotal, ...] = ()) -> Fit:
    """Fit the value cells ``tokens`` of one source row to ``columns`` (one value each).

    ``totals`` describe the fields the columns belong to; with them, digits run together into
    one string are split only into readings whose totals hold (see :func:`_split_by_totals`).
    """
    width = len(columns)
    if len(tokens) == width:
        return _parse_all(tokens, columns)
    if len(tokens) > width:
        return _surplus(tokens, columns)
    return _run_together(tokens, columns, totals)


def _parse_all(tokens: list[str], columns: tuple[Column, ...]) -> Fit:
    values: list[Value] = []
    notes: list[str] = []
    for t, col in zip(tokens, columns):
        try:
            v, note = parse_value(t, col)
        except CellError as exc:
            return Fit(problem=f"{'/'.join(col.path) or '单元格'}：{exc}")
        values.append(v)
        if note:
            notes.append(f"{col.label}：{note}")
    blanks = [c.label for c, v in zip(columns, values) if v is None]
    if blanks:
        notes.append(f"空白单元格按 0 计入校验并记为空白：{'、'.join(blanks)}")
    return Fit(values=values, notes=notes)


def _surplus(tokens: list[str], columns: tuple[Column, ...]) -> Fit:
    """More cells than columns: the extra ones come from merged source cells (spec §10).

    Blank cells are dropped first; then every way of dropping the remaining surplus is a candidate.
    When all candidates read the same, the choice does not matter and the row is read.
    """
    width = len(columns)
    nonblank = [t for t in tokens if not is_blank(t)]
    if len(nonblank) == width:
        fit = _parse_all(nonblank, columns)
        fit.notes.insert(0, f"多出 {len(tokens) - width} 个空白单元格（原文合并单元格所致），已忽略")
        return fit
    pool = nonblank if len(nonblank) > width else tokens
    extra = len(pool) - width
    if _choose(len(pool), extra) > MAX_COMBINATIONS:
        return Fit(problem=f"有 {len(tokens)} 个单元格，应为 {width} 个，多出的太多，无法判断")
    seen: dict[tuple[Value, ...], None] = {}
    for drop in itertools.combinations(range(len(pool)), extra):
        kept = [t for i, t in enumerate(pool) if i not in drop]
        fit = _parse_all(kept, columns)
        if fit.values is not None:
            seen[tuple(fit.values)] = None
    cands = list(seen)
    if not cands:
        return Fit(problem=f"有 {len(tokens)} 个单元格，应为 {width} 个，且无法读成数字")
    note = f"有 {len(tokens)} 个单元格，应为 {width} 个（原文合并单元格所致）"
    if len(cands) == 1:
        return Fit(values=list(cands[0]), notes=[note + "；去掉哪一个结果都相同"])
    return Fit(candidates=cands, reason="surplus", notes=[note])


def _run_together(tokens: list[str], columns: tuple[Column, ...], totals: tuple[RowTotal, ...] = ()) -> Fit:
    """Fewer cells than columns: digits of neighbouring cells may have run together (issue 5)."""
    width = len(columns)
    digits = [clean(t) for t in tokens]
    if not digits or not all(d.isdigit() for d in digits) or any(c.kind is not Kind.COUNT for c in columns):
        return Fit(problem=f"只有 {len(tokens)} 个单元格，应为 {width} 个")
    if len(digits) == 1 and any(t.total is not None for t in totals) and sum(t.width for t in totals) == width:
        return _run_by_totals(digits[0], width, totals)
    cands: list[tuple[Value, ...]] = []
    splits = 0
    try:
        for split in _splits(digits, width, _Budget()):
            splits += 1
            reading = tuple(int(p) for p in split)
            if _totals_hold(reading, totals):
                cands.append(reading)
            if len(cands) > MAX_CANDIDATES:
                raise _TooMany
    except _TooMany:
        return Fit(problem=f"数字连在一起（{''.join(digits)}），可能的拆分太多，无法判断")
    if splits and not cands:
        # fewer cells than columns may also be blank cells the source does not show (a table
        # without ruling lines): a cut whose total fails is no reading
        return Fit(problem=f"只有 {len(tokens)} 个单元格（{' '.join(digits)}），应为 {width} 个；"
                           f"按数字连在一起拆分，没有一种拆分符合勾稽关系（各栏之和等于总计）")
    if not cands:
        return Fit(problem=f"只有 {len(tokens)} 个单元格，应为 {width} 个，无法拆分")
    note = f"数字连在一起（{' '.join(digits)}），应为 {width} 个单元格"
    if len(cands) == 1:
        return Fit(values=list(cands[0]), notes=[note + "；只有一种拆分"])
    return Fit(candidates=cands, reason="split", notes=[note])


class _TooMany(Exception):
    """The search for readings of a run of digits went past its bounds."""


class _Budget:
    """Steps a search may take: a published row's digits take a few thousand; garbage is cut off."""

    def __init__(self, steps: int = MAX_STEPS) -> None:
        self.left = steps

    def step(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise _TooMany


def _splits(tokens: list[str], width: int, budget: _Budget | None = None) -> Iterator[list[str]]:
    """Every way to cut the digit strings ``tokens`` into ``width`` numbers without leading zeros."""
    budget = budget or _Budget()
    if not tokens:
        if width == 0:
            yield []
        return
    first, rest = tokens[0], tokens[1:]
    # each remaining token needs at least one part; each part at least one digit
    max_parts = min(len(first), width - len(rest))
    for parts in range(1, max_parts + 1):
        for cut in _cuts(first, parts, budget):
            for tail in _splits(rest, width - parts, budget):
                yield cut + tail


def _cuts(digits: str, parts: int, budget: _Budget) -> Iterator[list[str]]:
    budget.step()
    if parts == 1:
        if len(digits) == 1 or digits[0] != "0":
            yield [digits]
        return
    for i in range(1, len(digits) - parts + 2):
        head = digits[:i]
        if len(head) > 1 and head[0] == "0":
            break
        for tail in _cuts(digits[i:], parts - 1, budget):
            yield [head] + tail


def _totals_hold(reading: tuple[int, ...], totals: tuple[RowTotal, ...]) -> bool:
    """True when each field's total in ``reading`` is the sum of the cells before it."""
    if sum(t.width for t in totals) != len(reading):
        return True
    start = 0
    for t in totals:
        part = reading[start:start + t.width]
        if t.total is not None and sum(part[:t.total]) != part[t.total]:
            return False
        start += t.width
    return True


def _run_by_totals(digits: str, width: int, totals: tuple[RowTotal, ...]) -> Fit:
    """One run of digits for fields with a total: only the readings whose totals hold.

    The search cuts the run field by field; within a field with a total it takes each suffix as
    the total and splits the rest only into parts that add up to it, so long runs (a city's
    five-digit counts) stay cheap. A run no cut of which makes its totals hold is not read: a
    reading is accepted only when it is verified.
    """
    budget = _Budget()
    try:
        cands = []
        for reading in _by_totals(digits, totals, budget):
            cands.append(reading)
            if len(cands) > MAX_CANDIDATES:
                raise _TooMany
    except _TooMany:
        return Fit(problem=f"数字连在一起（{digits}），可能的拆分太多，无法判断")
    note = f"数字连在一起（{digits}），应为 {width} 个单元格"
    if not cands:
        return Fit(problem=f"数字连在一起（{digits}），没有一种拆分符合勾稽关系（各栏之和等于总计）")
    if len(cands) == 1:
        return Fit(values=list(cands[0]), notes=[note + "；只有一种拆分符合勾稽关系（各栏之和等于总计）"])
    return Fit(candidates=cands, reason="split", notes=[note])


def _by_totals(digits: str, totals: tuple[RowTotal, ...], budget: _Budget) -> Iterator[tuple[int, ...]]:
    if not totals:
        if not digits:
            yield ()
        return
    field, rest = totals[0], totals[1:]
    rest_min = sum(t.width for t in rest)
    for length in range(field.width, len(digits) - rest_min + 1):
        for parts in _field_readings(digits[:length], field, budget):
            for tail in _by_totals(digits[length:], rest, budget):
                yield parts + tail


def _field_readings(digits: str, field: RowTotal, budget: _Budget) -> Iterator[tuple[int, ...]]:
    if field.total is None:
        for cut in _cuts(digits, field.width, budget):
            yield tuple(int(p) for p in cut)
        return
    for size in range(1, len(digits) - field.width + 2):
        suffix = digits[len(digits) - size:]
        if size > 1 and suffix[0] == "0":
            continue
        total = int(suffix)
        for parts in _summing(digits[:len(digits) - size], field.width - 1, total, budget):
            yield parts + (total,)


def _summing(digits: str, parts: int, target: int, budget: _Budget) -> Iterator[tuple[int, ...]]:
    """Cuts of ``digits`` into ``parts`` numbers (no leading zeros) that add up to ``target``."""
    budget.step()
    if parts == 1:
        if (len(digits) == 1 or digits[:1] != "0") and digits and int(digits) == target:
            yield (target,)
        return
    for i in range(1, len(digits) - parts + 2):
        head = digits[:i]
        if i > 1 and head[0] == "0":
            break
        value = int(head)
        if value > target:
            break
        for tail in _summing(digits[i:], parts - 1, target - value, budget):
            yield (value,) + tail


def _choose(n: int, k: int) -> int:
    return math.comb(n, k)


# --- Deciding between candidates with the format's arithmetic ----------------------------------


@dataclass
class Pending:
    """A source row with several possible readings, awaiting the arithmetic rules."""

    keys: tuple[str, ...]  # the fields it fills, in order ("applications.total", …)
    widths: tuple[int, ...]
    candidates: list[tuple[Value, ...]]
    reason: str
    line: int
    quote: str

    def assign(self, flat: tuple[Value, ...]) -> dict[str, list[Value]]:
        """The fields' values for one candidate reading."""
        out, i = {}, 0
        for key, w in zip(self.keys, self.widths):
            out[key] = list(flat[i:i + w])
            i += w
        return out


@dataclass
class Resolution:
    """What the arithmetic decided for one pending row."""

    pending: Pending
    values: tuple[Value, ...] | None  # the unique reading, or None
    survivors: list[tuple[Value, ...]]  # readings consistent with the rules (for the note)


def _num(v: Value) -> Decimal:
    if v is None:
        return Decimal(0)
    if isinstance(v, str):
        try:
            return Decimal(re.sub(r"[^\d.]", "", v) or "0")
        except InvalidOperation:
            return Decimal(0)
    return Decimal(v)


def holds(eq: Equation, values: dict[str, list[Value]]) -> bool | None:
    """True/False when every cell of ``eq`` is known, None otherwise."""
    total = Decimal(0)
    for side, sign in ((eq.left, 1), (eq.right, -1)):
        for ref in side:
            vals = values.get(ref.key)
            if vals is None:
                return None
            total += sign * _num(vals[ref.index])
    return total == 0


def _linked(open_idx: list[int], pendings: list[Pending], equations: list[Equation]) -> list[list[int]]:
    """The open rows in groups that share an equation (rows no equation links are left out:
    nothing can decide them, and searching their readings jointly with others only costs)."""
    keys_of = {i: set(pendings[i].keys) for i in open_idx}
    parent = {i: i for i in open_idx}

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    linked: set[int] = set()
    for eq in equations:
        keys = {r.key for r in eq.left + eq.right}
        members = [i for i in open_idx if keys_of[i] & keys]
        if members and len(keys) > 1:
            linked.update(members)
            for i in members[1:]:
                parent[root(i)] = root(members[0])
    groups: dict[int, list[int]] = {}
    for i in open_idx:
        if i in linked:
            groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def _search_jointly(group: list[int], pendings: list[Pending], survivors: list[list[tuple[Value, ...]]],
                    base: dict[str, list[Value]], equations: list[Equation]) -> None:
    """Keep, for each row of ``group``, the readings that some combination makes every equation hold."""
    keys = {k for i in group for k in pendings[i].keys}
    involved = [eq for eq in equations if any(r.key in keys for r in eq.left + eq.right)]
    size = math.prod(len(survivors[i]) for i in group)
    if size > MAX_COMBINATIONS:
        return
    seen: list[set[tuple[Value, ...]]] = [set() for _ in group]
    for combo in itertools.product(*(survivors[i] for i in group)):
        trial = dict(base)
        for i, c in zip(group, combo):
            trial.update(pendings[i].assign(c))
        if all(holds(eq, trial) is not False for eq in involved):
            for s, c in zip(seen, combo):
                s.add(c)
    for i, s in zip(group, seen):
        survivors[i] = [c for c in survivors[i] if c in s]


def resolve(pendings: list[Pending], known: dict[str, list[Value]], equations: Iterable[Equation]) -> list[Resolution]:
    """Pick, for each pending row, the reading that makes the format's equations hold.

    First each row alone (the equations over its own cells, e.g. R2 总计 = sum of the six, R4);
    then all rows together (R1, R3 across rows), by exhaustive search over the remaining
    candidates. A row is resolved only when exactly one of its readings survives (issue 5).
    """
    equations = list(equations)
    survivors: list[list[tuple[Value, ...]]] = []
    for p in pendings:
        own = [eq for eq in equations if all(r.key in p.keys for r in eq.left + eq.right)]
        keep = [c for c in p.candidates if all(holds(eq, p.assign(c)) is not False for eq in own)]
        survivors.append(keep)

    # Rows that are now unique join the known values; the rest are searched jointly.
    base = dict(known)
    open_idx = []
    for i, (p, keep) in enumerate(zip(pendings, survivors)):
        if len(keep) == 1:
            base.update(p.assign(keep[0]))
        elif keep:
            open_idx.append(i)
    for group in _linked(open_idx, pendings, equations):
        _search_jointly(group, pendings, survivors, base, equations)
    out = []
    for p, keep in zip(pendings, survivors):
        out.append(Resolution(p, keep[0] if len(keep) == 1 else None, keep))
    return out
