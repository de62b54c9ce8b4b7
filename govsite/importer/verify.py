"""Verifying which value line a table row's label belongs to, with the format's equations.

Extracted text often separates a row's label from its values (PDF → Markdown puts the wrapped
label on the lines above, below or around the value line). A label line between two value lines
can then be read as either one's, and reading it the wrong way shifts every row after it by one:
the equations R3 (the outcome rows add up to （七）总计) do not notice a shift among the outcome
rows, so a wrong reading would publish wrong numbers under the right labels.

So each table is aligned three ways (:data:`.tables.MODES`); a row is attached to a value line
only when the three agree, or when exactly one reading is complete and makes every equation
across rows hold (R1, R3 of the format description). Otherwise the rows in dispute are missing.
After all rows are read, an attachment made from neighbouring or partial labels that an equation
contradicts is withdrawn too (:func:`contradicted`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from ..formats import Equation, Format, Table
from ..model import Value
from .cells import fit_row, holds, row_totals

Pair = tuple[int, int, float, str]  # value line, row, score, kind of match


@dataclass
class Settled:
    """The attachments accepted, and the rows left in dispute with their candidate lines."""

    pairs: list[Pair]
    disputed: dict[int, list[int]] = field(default_factory=dict)  # row → value lines it may be
    mode: str = ""  # the reading the equations chose, when the readings differed
    distinct: int = 0  # how many different readings there were


def cross_row(equations: Iterable[Equation], table: str) -> list[Equation]:
    """The equations of ``table`` that relate cells of different rows (R1, R3; not R2, R4)."""
    out = []
    for eq in equations:
        keys = {r.key for r in eq.left + eq.right}
        if len(keys) > 1 and all(k.startswith(table + ".") for k in keys):
            out.append(eq)
    return out


def _reading(pairs: list[Pair], tokens: list[list[str]], table: Table, fmt: Format) -> dict[str, list[Value]] | None:
    """The table's values under one alignment; None unless every row is read without doubt."""
    rows = {rj: li for li, rj, _, _ in pairs}
    if len(rows) != len(table.rows):
        return None
    values: dict[str, list[Value]] = {}
    for rj, row in enumerate(table.rows):
        f = row.fields[0]
        key = f"{table.key}.{f.key}"
        fit = fit_row(tokens[rows[rj]], f.value_columns, row_totals(fmt.equations, (key,), (f.width,)))
        if fit.values is None:
            return None
        values[key] = fit.values
    return values


def settle(readings: dict[str, list[Pair]], tokens: list[list[str]], table: Table, fmt: Format) -> Settled:
    """Accept the rows all readings attach alike; decide the others by the equations, or dispute them.

    ``readings`` maps each alignment mode to its pairs (the first mode is the default);
    ``tokens`` are the value cells of each value line.
    """
    modes = list(readings)
    maps = {m: {rj: li for li, rj, _, _ in readings[m]} for m in modes}
    disputed = {rj for rj in range(len(table.rows)) if len({maps[m].get(rj) for m in modes}) > 1}
    default = readings[modes[0]]
    if not disputed:
        return Settled(default)
    equations = cross_row(fmt.equations, table.key)
    verified: dict[tuple, str] = {}
    distinct = set()
    for m in modes:
        distinct.add(tuple(maps[m].get(rj) for rj in sorted(disputed)))
        values = _reading(readings[m], tokens, table, fmt)
        if values is None or not all(holds(eq, values) for eq in equations):
            continue
        keys = [f"{table.key}.{table.rows[rj].fields[0].key}" for rj in sorted(disputed)]
        verified.setdefault(tuple(tuple(values[k]) for k in keys), m)
    if len(verified) == 1:
        mode = next(iter(verified.values()))
        return Settled(readings[mode], mode=mode, distinct=len(distinct))
    kept = [p for p in default if p[1] not in disputed]
    taken = {p[0] for p in kept}
    candidates = {rj: sorted({maps[m][rj] for m in modes if rj in maps[m]} - taken) for rj in disputed}
    return Settled(kept, candidates, distinct=len(distinct))


def contradicted(values: dict[str, list[Value]], attached: Iterable[str], equations: Iterable[Equation]) -> dict[str, list[Equation]]:
    """Fields attached by neighbouring or partial labels that a failing equation involves.

    An equation across rows that fails with every cell known says that some row of it holds
    another row's numbers, or that the published report breaks the rule; either way a row whose
    label was not read on its own line is not trusted.
    """
    attached = set(attached)
    out: dict[str, list[Equation]] = {}
    for eq in equations:
        keys = {r.key for r in eq.left + eq.right}
        if len(keys) < 2 or not keys & attached:
            continue
        if holds(eq, values) is False:
            for k in sorted(keys & attached):
                out.setdefault(k, []).append(eq)
    return out
