"""What an agency's official name tells: its region path, its level, and an ASCII slug.

Used by ``govsite new`` (defaults for ``--region``, ``--level`` and ``--slug``) and by the importer
(metadata taken from a report's title). Every inference here is a presumption from the name alone;
callers report it as such (issue 5: the importer says what it decided).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Administrative units as they appear at the start of an agency name: 江苏省 淮安市 洪泽区 …
# A unit is 2–7 characters ending in a unit suffix; "市场监督管理局" must not yield a unit "市",
# hence the minimum of one character before the suffix and the check that a body remains.
_UNIT = re.compile(r"^(.{1,7}?(?:省|自治区|特别行政区|自治州|地区|市|区|县|旗|盟))")
# Suffixes that also occur inside place names (广州市, 新乡市): used only when no unit above matches.
_WEAK_UNIT = re.compile(r"^(.{1,7}?(?:州|镇|乡|街道))")
#: Municipalities directly under the central government: provincial level (R11).
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
_GOVERNMENT = "人民政府"
# Units that are never the first word of a department name, so a name like "市场监督管理局"
# is not split into a unit "市" and a body "场监督管理局".
_NOT_UNIT_STARTS = ("市场", "区域", "县域", "州府")
# Words of department names that contain a unit suffix (住房和城乡建设局, 城市管理局).
_NOT_IN_UNIT = ("和", "与", "城乡", "城市")


@dataclass(frozen=True)
class AgencyName:
    """An agency name split into its administrative units and the rest (``卫辉市`` + ``商务局``)."""

    units: tuple[str, ...]
    body: str

    @property
    def is_government(self) -> bool:
        """True for a 人民政府 (or its 办公室/办公厅, which report for it)."""
        return self.body.startswith(_GOVERNMENT)


def split_agency(name: str) -> AgencyName:
    """Split ``淮安市洪泽区人民政府`` into units ``(淮安市, 洪泽区)`` and body ``人民政府``."""
    rest = re.sub(r"\s+", "", name)
    units: list[str] = []
    while rest:
        m = _UNIT.match(rest) or _WEAK_UNIT.match(rest)
        if not m or rest.startswith(_NOT_UNIT_STARTS):
            break
        unit = m.group(1)
        if len(unit) < 2 or any(w in unit for w in _NOT_IN_UNIT):
            break
        remaining = rest[len(unit):]
        units.append(unit)
        rest = remaining
    return AgencyName(tuple(units), rest)


def infer_level(name: str) -> tuple[str, str]:
    """The level of :data:`govsite.model.LEVELS` presumed from the name, and why (empty when unknown).

    Only unambiguous cases are answered: a 区 or 县 is county-level, a 省 is provincial, a 镇/乡/街道
    is a township; a bare ``X市人民政府`` is presumed 设区的市 (a 县级市 has the same form, so the
    reason says so); a department of a bare ``X市`` is left unknown for the same reason.
    """
    a = split_agency(name)
    if not a.units:
        return "", ""
    last = a.units[-1]
    gov = a.is_government
    if last.endswith(("镇", "乡", "街道")):
        return ("乡镇人民政府" if gov else "其他"), f"名称中的“{last}”"
    if last.endswith(("区", "县", "旗")) and not last.endswith(("地区", "自治区", "特别行政区")):
        return ("县级人民政府" if gov else "县级部门"), f"名称中的“{last}”为县级行政区"
    if last.endswith(("省", "自治区")) or last in _MUNICIPALITIES:
        return ("省级人民政府" if gov else "省级部门"), f"名称中的“{last}”为省级行政区"
    if last.endswith(("市", "自治州", "州", "盟", "地区")):
        if len(a.units) >= 2 and a.units[-2].endswith("市"):
            return ("县级人民政府" if gov else "县级部门"), f"“{last}”隶属于“{a.units[-2]}”"
        if gov and len(a.units) == 1 or gov and a.units[0].endswith(("省", "自治区")):
            return "设区的市人民政府", f"按名称推定“{last}”为设区的市（若为县级市，请改为 县级人民政府）"
        return "", ""
    return "", ""


def slug_for(name: str) -> str:
    """A deterministic lowercase ASCII slug: ``卫辉市商务局`` → ``weihui-shangwu``.

    Each administrative unit becomes the pinyin of its name without the unit suffix (卫辉市 →
    weihui); the body loses ``人民政府`` and a final 局/厅 (商务局 → shangwu). Returns "" when
    pypinyin is not installed or nothing usable remains.
    """
    try:
        from pypinyin import Style, lazy_pinyin
    except ImportError:  # pragma: no cover - pypinyin is a declared dependency
        return ""
    a = split_agency(name)
    parts: list[str] = []
    for unit in a.units:
        stem = unit
        for suffix in ("特别行政区", "自治区", "自治州", "地区", "街道", "省", "市", "区", "县", "旗", "盟", "州", "镇", "乡"):
            if stem.endswith(suffix) and len(stem) > len(suffix) + 1:
                stem = stem[: -len(suffix)]
                break
        parts.append(stem)
    body = a.body
    if body.startswith(_GOVERNMENT):
        body = body[len(_GOVERNMENT):]
    for ending in ("局", "厅"):
        if body.endswith(ending) and len(body) > 2:
            body = body[: -len(ending)]
            break
    if body:
        parts.append(body)
    words = []
    for part in parts:
        syllables = lazy_pinyin(part, style=Style.NORMAL, errors=lambda s: list(s))
        word = "".join(syllables).lower().replace("ü", "v")
        word = re.sub(r"[^a-z0-9]+", "", word)
        if word:
            words.append(word)
    return "-".join(words)[:60].strip("-")
