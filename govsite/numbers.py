"""Numbers as the portal's prose and lists write them: thousands separated (``11,398,889``).

The official tables keep the plain form the format prints (``11398889``); figures in sentences,
lists, rankings and charts are read at a glance and get separators.
"""

from __future__ import annotations

from decimal import Decimal

#: Texts of the small counts, made once: ranking and list pages write thousands of them.
_SMALL: dict[int, str] = {i: f"{i:,}" for i in range(10_000)}


def grouped(value: object) -> str:
    """``value`` with thousands separators when it is a number; ``—`` for None; other text as it is."""
    if value is None:
        return "—"
    if type(value) is int:
        return _SMALL.get(value) or f"{value:,}"
    if isinstance(value, Decimal) and value.is_finite():
        return f"{value:,}"
    return str(value)
