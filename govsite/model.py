"""The report model: what one agency-year file holds once loaded, and the metadata schema.

Table values are kept per field as ``"table.field" → list`` in column order: ``int`` for counts,
``str`` for exact decimal amounts, ``None`` for a cell left blank in the source (counts as 0 in the
rules, spec §7 "Blank cells").
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from .formats import LEVELS as LEVELS  # the metadata vocabulary, kept by the format descriptions
from .formats import Format, Kind

Value = int | str | None


@dataclass(frozen=True)
class MetaKey:
    """One metadata key of the front matter: the one list that the loader, the scaffold, the
    README, ``report.json`` and the yearly CSV all read."""

    key: str  # the front-matter key, and the attribute of :class:`Report` that holds it
    label: str  # Chinese name, for messages and the README
    types: tuple[type, ...]
    required: bool = False
    form: str = ""  # how its value reads in the open data: "YYYY-MM-DD，未知则为空"
    in_year_csv: bool = False  # a metadata column of the yearly wide CSV
    example: str = ""  # how it is written, for messages that say what to do: year = 2022

    @property
    def described(self) -> str:
        """Its name with the form of its value: ``发布日期（YYYY-MM-DD，未知则为空）``."""
        return f"{self.label}（{self.form}）" if self.form else self.label


#: Front-matter metadata (spec-independent: the content model). Table data lives in TOML tables
#: named after the format description's tables (``[active]``, ``[applications]``, ``[reviews]``).
META_KEYS: tuple[MetaKey, ...] = (
    MetaKey("agency", "机关全称", (str,), required=True,
            example='agency = "卫辉市商务局"'),
    MetaKey("year", "报告年度", (int,), required=True,
            example="year = 2022"),
    MetaKey("format", "报告格式版本", (str, int), form="2019 或 2021", in_year_csv=True,
            example='format = "2021"'),
    MetaKey("region", "行政区划", (list,), form="各级以 / 分隔", in_year_csv=True,
            example='region = ["河南省", "新乡市", "卫辉市"]'),
    MetaKey("level", "机关层级", (str,), in_year_csv=True,
            example='level = "县级部门"'),
    MetaKey("published", "发布日期", (dt.date,), form="YYYY-MM-DD，未知则为空", in_year_csv=True,
            example="published = 2023-01-20（不加引号）"),
    MetaKey("title", "标题", (str,),
            example='title = "卫辉市商务局2022年政府信息公开工作年度报告"'),
    MetaKey("source_url", "原文链接", (str,),
            example='source_url = "https://www.example.gov.cn/…"'),
    MetaKey("index_no", "索引号", (str,),
            example='index_no = "11410781MB1A23456X/2023-00012"'),
    MetaKey("doc_no", "文号", (str,),
            example='doc_no = "卫商〔2023〕1号"'),
    MetaKey("missing", "缺失的表格或行", (list,),
            example='missing = ["reviews"]'),
)


def is_government(level: str) -> bool:
    """True for 人民政府 (reports due 31 March), False for 部门 (due 31 January), 条例第四十九条."""
    return level.endswith("人民政府")


@dataclass
class Report:
    """One agency-year report, loaded and structurally valid."""

    path: str  # as shown in messages: relative to the site root
    slug: str
    year: int
    agency: str
    format: Format
    title: str
    region: tuple[str, ...] = ()
    level: str = ""
    published: dt.date | None = None
    source_url: str = ""
    index_no: str = ""
    doc_no: str = ""
    missing: tuple[str, ...] = ()  # tables or "table.field" the source did not give (issue 5)
    values: dict[str, list[Value]] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1
    lines: dict[str, int] = field(default_factory=dict)  # "agency", "applications.total" → file line

    def __getstate__(self) -> dict[str, Any]:
        # A site holds thousands of reports whose ``values`` and ``lines`` have the same keys: pickled
        # as positions in the format's key list, they are read back sharing that list's strings (a
        # quarter less memory, a third less time to read back); a key outside it keeps the dict.
        state = self.__dict__.copy()
        at = _key_list(self.format)[1]
        for name in ("values", "lines"):
            found = state[name]
            if all(k in at for k in found):
                state[name] = (tuple(at[k] for k in found), tuple(found.values()))
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        keys = _key_list(state["format"])[0]
        for name in ("values", "lines"):
            found = state[name]
            if isinstance(found, tuple):
                state[name] = dict(zip(map(keys.__getitem__, found[0]), found[1]))
        self.__dict__.update(state)

    @property
    def url(self) -> str:
        """The report's path below the site root: ``2022/weihui-shangwu/``."""
        return f"{self.year}/{self.slug}/"

    def line_of(self, key: str) -> int:
        """The file line of a key (``table.field`` or a metadata key), falling back to its table."""
        return self.lines.get(key) or self.lines.get(key.partition(".")[0]) or 1

    def number(self, key: str, index: int) -> int | Decimal | None:
        """A cell as a number for the rules: blank → 0; None when the cell is missing."""
        return cell_number(self.values, key, index)

    def is_missing(self, key: str) -> bool:
        """True when the field (or its whole table) is declared missing."""
        return key in self.missing or key.partition(".")[0] in self.missing


@functools.lru_cache(maxsize=None)
def _key_list(fmt: Format) -> tuple[tuple[str, ...], dict[str, int]]:
    """Every key a report of ``fmt`` may have in ``values`` or ``lines`` — the metadata keys, the
    tables' and their fields' (``applications``, ``applications.total``) — and each one's position."""
    keys = [m.key for m in META_KEYS]
    for table in fmt.tables:
        keys.append(table.key)
        keys += [f"{table.key}.{f.key}" for f in table.fields()]
    return tuple(keys), {k: i for i, k in enumerate(keys)}


def cell_number(values: dict[str, list[Value]], key: str, index: int) -> int | Decimal | None:
    """Cell ``index`` of field ``key`` as a number: blank → 0, amounts as Decimal, None when missing."""
    vals = values.get(key)
    if vals is None:
        return None
    v = vals[index]
    if v is None:
        return 0
    if isinstance(v, str):
        return parse_amount(v)
    return v


def parse_amount(text: str) -> Decimal | None:
    """An amount string as a Decimal, without its unit (``"251000元"`` → 251000); None if not one."""
    for unit in ("万元", "元"):
        if text.endswith(unit):
            text = text[: -len(unit)]
            break
    try:
        d = Decimal(text.strip())
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def kind_of(fmt: Format, key: str, index: int) -> Kind:
    """The value kind of cell ``index`` of field ``key``."""
    return fmt.field(key).value_columns[index].kind


def meta_value(report: Report, key: str) -> Any:
    """A metadata value by key (for templates and export)."""
    return getattr(report, key)


def meta_json(report: Report, key: str) -> Any:
    """A metadata value as ``report.json`` gives it: the format as its version, document and name,
    a date in ISO form, lists as lists."""
    v = getattr(report, key)
    if isinstance(v, Format):
        return {"version": v.version, "document": v.document, "name": v.name}
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, tuple):
        return list(v)
    return v


def meta_text(report: Report, key: str) -> str | int:
    """A metadata value as one CSV cell gives it: the format's version, levels of a region joined
    by `` / ``, a date in ISO form, an unknown value empty."""
    v = getattr(report, key)
    if isinstance(v, Format):
        return v.version
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, tuple):
        return " / ".join(v)
    return "" if v is None else v
