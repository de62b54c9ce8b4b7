"""Agency, year, region, level and publication date, from the report's title and text.

The title is ``<agency><year>年政府信息公开工作年度报告``, on one line or two (pdftotext puts the
agency on the line above). A shortened agency name in the title (``洪泽区人民政府``) is completed
from the text when the text names the same agency with its city (``淮安市洪泽区人民政府办公室``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ..agency import infer_level, split_agency
from .document import Document
from .labels import to_simplified

_TITLE = re.compile(r"^(?P<agency>.*?)(?P<year>(?:19|20)\d{2})年度?(?:政府信息公开|政务公开|信息公开)(?:工作)?(?:年度)?报告"
                    # the year after the title: "…政府信息公开工作年度报告（2023年度）"
                    r"|^(?P<agency2>.*?)(?:政府信息公开|政务公开|信息公开)(?:工作)?年度报告[(（](?P<year2>(?:19|20)\d{2})年?度?[)）]")
_PERIOD = re.compile(r"((?:19|20)\d{2})年1月1日(?:起)?至(?:(?:19|20)\d{2}年)?12月31日")
_PERIOD_START = re.compile(r"统计(?:期限|时限|时间)(?:为|是)?自?((?:19|20)\d{2})年1月1日")
_YEAR_WORD = re.compile(r"((?:19|20)\d{2})年度")
#: "本报告由淮安市洪泽区人民政府办公室根据…编制": the compiling agency, when no title names one.
_COMPILED_BY = re.compile(r"本(?:年度)?报告(?:是)?由([\u4e00-\u9fff]{4,30}?)(?:根据|依据|按照|编制|汇总|负责)")
_DATE = re.compile(r"^((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日$")
_ISO_DATE = re.compile(r"((?:19|20)\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})")

#: Labels of the information lines portals print above an article (索引号、发布机构 …) and of
#: govsite's own report pages (发布机关、行政区划 …): label → metadata key ("" = not metadata).
INFO_LABELS = {
    "索引号": "index_no", "文号": "doc_no", "发文字号": "doc_no",
    "发布日期": "published", "发布时间": "published", "成文日期": "published", "公开日期": "published",
    "发布机关": "agency", "发布机构": "agency", "发文机关": "agency",
    "行政区划": "region", "机关层级": "level", "报告年度": "year", "原文链接": "source_url",
    "报告格式": "", "数据下载": "", "信息来源": "", "来源": "", "浏览次数": "", "字号": "", "分类": "", "主题分类": "",
}
_INFO_INLINE = re.compile(r"^(" + "|".join(sorted(INFO_LABELS, key=len, reverse=True)) + r")\s*[:：]\s*(.*)$")


@dataclass
class Metadata:
    """What the source says about itself, and how each item was found."""

    agency: str = ""
    year: int | None = None
    region: list[str] = field(default_factory=list)
    level: str = ""
    published: dt.date | None = None
    index_no: str = ""
    doc_no: str = ""
    source_url: str = ""
    labelled: dict[str, str] = field(default_factory=dict)  # "agency"/"region"/"level" from label pairs
    title_blocks: set[int] = field(default_factory=set)  # block indices of the title and info lines (not prose)
    notes: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # metadata key → where in the source it was found


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", to_simplified(s))


def read_metadata(doc: Document, first_heading: int | None) -> Metadata:
    """Agency and year from the title (HTML ``<title>``/ArticleTitle, or the first lines)."""
    md = Metadata()
    limit = first_heading if first_heading is not None else min(len(doc.blocks), 8)
    candidates: list[tuple[str, set[int]]] = []
    if doc.title:
        candidates.append((doc.title, set()))
    for i in range(min(limit, 12)):
        b = doc.blocks[i]
        text = _squash(b.text)
        m = _TITLE.match(text)
        if m:
            idx = {i}
            agency = m.group("agency") or m.group("agency2")
            if not agency and i > 0:
                above = _squash(doc.blocks[i - 1].text)
                if 2 <= len(above) <= 40 and not re.search(r"[。，：]", above):
                    candidates.append((above + text, {i - 1, i}))
                    continue
            candidates.append((text, idx))
    for text, idx in candidates:
        m = _TITLE.match(_squash(text))
        if not m:
            continue
        md.title_blocks |= idx
        where = f"标题“{_short(text)}”" if idx else f"网页标题“{_short(text)}”"
        title_year = m.group("year") or m.group("year2")
        title_agency = m.group("agency") or m.group("agency2") or ""
        if md.year is None:
            md.year = int(title_year)
            md.sources["year"] = where
        if not md.agency and title_agency:
            md.agency = title_agency.strip("：: ")
            md.sources["agency"] = where
    _info_lines(doc, limit, md)
    full_text = _squash("".join(b.text for b in doc.blocks))
    opening = _squash("".join(b.text for b in doc.blocks[: (first_heading or 0) + 3]))
    if md.year is None:
        m = _PERIOD.search(full_text) or _PERIOD_START.search(full_text) or _YEAR_WORD.search(opening)
        if m:
            md.year = int(m.group(1))
            md.sources["year"] = f"正文“{m.group(0)}”"
    if not md.agency:
        m = _COMPILED_BY.search(opening)
        if m:
            md.agency = m.group(1)
            md.sources["agency"] = f"正文“{_short(m.group(0))}”"
            # a government's report is compiled by its general office (办公室/办公厅)
            office = re.match(r"^(.*人民政府)办公(?:室|厅)$", md.agency)
            if office:
                md.agency = office.group(1)
                md.sources["agency"] += "（由其办公室编制，报告属于该人民政府）"
    if md.agency:
        md.agency = _complete_agency(md.agency, full_text, md.notes)
    if md.published is None:
        md.published, where = _published(doc, first_heading)
        if md.published:
            md.sources["published"] = where
    return md


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Characters that end a walk back from an agency name: words before a name, not part of it.
_NAME_STOPS = set("由与和向请在是对为据以及经按将于受同告报即至的、，。：；（）《》“”")


def _info_lines(doc: Document, limit: int, md: Metadata) -> None:
    """Label/value pairs above the first section: ``<dt>索引号</dt><dd>…</dd>`` or ``索引号：…``."""
    i = 0
    while i < limit:
        text = " ".join(doc.blocks[i].text.split())
        label, value, used = "", "", {i}
        key = re.sub(r"[\s:：]", "", text)
        if key in INFO_LABELS and i + 1 < limit:
            label, value, used = key, " ".join(doc.blocks[i + 1].text.split()), {i, i + 1}
        else:
            m = _INFO_INLINE.match(text)
            if m:
                label, value = m.group(1), m.group(2).strip()
        if not label:
            i += 1
            continue
        md.title_blocks |= used
        i = max(used) + 1
        target = INFO_LABELS[label]
        if target and value:
            md.sources.setdefault(target, f"信息栏“{label}：{_short(value)}”")
        if target in ("index_no", "doc_no", "source_url"):
            setattr(md, target, value)
        elif target == "published":
            m = _ISO_DATE.search(value)
            if m and md.published is None:
                try:
                    md.published = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                except ValueError:
                    pass
        elif target == "year" and re.fullmatch(r"(?:19|20)\d{2}", value) and md.year is None:
            md.year = int(value)
        elif target:
            md.labelled[target] = value


def _complete_agency(agency: str, text: str, notes: list[str]) -> str:
    """``洪泽区人民政府`` → ``淮安市洪泽区人民政府`` when the text names it so.

    For each mention of the agency in the text, the characters just before it are read back to
    the previous function word or punctuation (本报告由|淮安市|洪泽区…); when they form a city or
    province name, it is the missing part of the name.
    """
    units = split_agency(agency).units
    if not units or units[0].endswith(("省", "自治区")):
        return agency
    pos = text.find(agency)
    while pos >= 0:
        k = pos
        while k > 0 and pos - k < 8 and "\u4e00" <= text[k - 1] <= "\u9fff" and text[k - 1] not in _NAME_STOPS:
            k -= 1
        prefix = text[k:pos]
        pre_units = split_agency(prefix + "机关").units if len(prefix) >= 2 else ()
        if pre_units and "".join(pre_units) == prefix and prefix.endswith(("省", "自治区", "市", "自治州", "州", "盟", "地区")):
            notes.append(f"标题中的机关名称“{agency}”按正文补全为“{prefix}{agency}”")
            return prefix + agency
        pos = text.find(agency, pos + 1)
    return agency


def _published(doc: Document, first_heading: int | None) -> tuple[dt.date | None, str]:
    """The publication date and where it was found: the page's metadata, or the date line the
    report is signed with at its end."""
    for key in ("PubDate", "pubdate", "firstpublishedtime", "publishdate", "article:published_time"):
        if key in doc.meta:
            m = _ISO_DATE.search(doc.meta[key])
            if m:
                try:
                    return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))), f"网页元数据 {key}"
                except ValueError:
                    pass
    # a signature date on its own line near the end (年 月 日)
    for b in reversed(doc.blocks[-6:]):
        m = _DATE.match(_squash(b.text))
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))), f"文末日期“{m.group(0)}”（第 {b.line} {'页' if doc.kind == 'pdf' else '行'}）"
            except ValueError:
                return None, ""
    return None, ""


def region_and_level(agency: str) -> tuple[list[str], str, list[str]]:
    """The region path and level presumed from the agency name, with notes saying so."""
    notes = []
    a = split_agency(agency)
    region = list(a.units)
    if region:
        notes.append(f"行政区划按机关名称推定为 {'/'.join(region)}" + ("" if region[0].endswith(("省", "自治区")) or region[0] in ("北京市", "天津市", "上海市", "重庆市") else "（未含省级，可用 --region 补全）"))
    level, why = infer_level(agency)
    if level:
        notes.append(f"机关层级推定为“{level}”：{why}")
    return region, level, notes
