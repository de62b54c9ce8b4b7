"""Importing published reports: PDF, text exports, pdftotext -layout, crawled page text, HTML, .docx.

:func:`import_file` reads one source into an :class:`ImportResult` — the report's metadata, table
values and Markdown body, ready for :func:`govsite.content_file.dumps_report` — together with a note
for every decision it made and every cell it could not read, each with its source line. It never
invents a number: what it cannot read is declared in ``missing``.

The stages: :mod:`.detect` (what the file is), :mod:`.pdf` / :mod:`.text` / :mod:`.collapsed` /
:mod:`.html` / :mod:`.docx` (the source as blocks), :mod:`.sections` (headings and regions), :mod:`.metadata`, :mod:`.tables` (with
:mod:`.labels` and :mod:`.cells`), :mod:`.prose`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..content_file import dumps_report
from ..diagnostics import Diagnostic, warning
from ..formats import FORMATS, Format, format_for_year
from ..model import LEVELS, Value
from .detect import UnreadableInput, decode_text, detect_kind, read_input
from .document import Document
from .divisions import complete_region
from .metadata import read_metadata, region_and_level
from .prose import build_body
from .sections import find_headings, find_regions
from .tables import read_tables

__all__ = ["ImportResult", "UnreadableInput", "import_file", "read_document"]


@dataclass
class ImportResult:
    """One imported report: what to write, and what the importer decided or could not read."""

    source: str  # the input path as shown in notes
    kind: str  # input kind (see :data:`.document.KIND_LABELS`)
    format: Format
    meta: dict[str, Any]  # metadata keys of govsite.model.META_KEYS (incl. "missing")
    values: dict[str, list[Value]]
    body: str
    notes: list[Diagnostic] = field(default_factory=list)
    sections: dict[str, str] = field(default_factory=dict)  # prose by anchor s1 … s6
    sources: dict[str, str] = field(default_factory=dict)  # metadata key → where its value came from

    @property
    def missing(self) -> list[str]:
        """Tables and fields the source did not give (declared in the file's ``missing``)."""
        return list(self.meta.get("missing", []))

    def text(self) -> str:
        """The report file text (``+++`` TOML front matter and Markdown body)."""
        return dumps_report(self.format, self.meta, self.values, self.body)


def read_document(path: Path, shown: str | None = None) -> Document:
    """Read any supported input into blocks; raises :class:`UnreadableInput` for anything else."""
    shown = shown or str(path)
    data = read_input(path)
    kind = detect_kind(path, data)
    if kind == "pdf":
        from .pdf import read_pdf

        return read_pdf(shown, data)
    if kind == "docx":
        from .docx import read_docx

        return read_docx(shown, data)
    notes: list[str] = []
    text = decode_text(path, data, notes, html=(kind == "html"))
    if not text.strip():
        raise UnreadableInput(f"{shown}：文件为空")
    if kind == "html":
        from .html import read_html

        doc = read_html(shown, text)
    else:
        from .collapsed import is_collapsed, read_collapsed
        from .text import read_text

        doc = read_collapsed(shown, text) if is_collapsed(text) else read_text(shown, text)
    doc.notes.extend(notes)
    return doc


def import_file(path: Path | str, *, year: int | None = None, agency: str | None = None,
                region: list[str] | None = None, level: str | None = None,
                shown: str | None = None) -> ImportResult:
    """Import one published report. Raises :class:`UnreadableInput` (a usage error) for garbage.

    ``year``, ``agency``, ``region`` and ``level`` override what the source says; without them
    the title and text decide, and the notes say how.
    """
    path = Path(path)
    doc = read_document(path, shown)
    shown = doc.path
    notes: list[Diagnostic] = [warning(shown, 0, "import", n) for n in doc.notes]
    headings = find_headings(doc.blocks)
    regions = find_regions(doc.blocks, headings)
    first = min((h.index for h in headings.values()), default=None)
    md = read_metadata(doc, first)

    given_year, given_agency = year, agency
    if md.year and year and md.year != year:
        notes.append(warning(shown, 0, "year", f"原文标题中的年度为 {md.year}，按 --year 使用 {year}"))
    year = year or md.year
    agency = (agency or md.agency or md.labelled.get("agency", "")).strip()
    # Without a year the tables are still read (their layout tells the version) to tell a report
    # from garbage; the year is then demanded below.
    year_format = format_for_year(year) if year else FORMATS["2021"]
    tables = read_tables(doc, regions, year_format)
    if not headings and not tables.found:
        raise UnreadableInput(
            f"{shown}：不像是政府信息公开工作年度报告——没有找到章节标题（如“一、总体情况”），也没有找到统计表格"
            f"（识别为{doc.kind_label}）")
    if not year:
        raise UnreadableInput(f"{shown}：无法从标题或正文确定报告年度，请用 --year 指定")
    if not agency:
        raise UnreadableInput(f"{shown}：无法从标题确定机关名称，请用 --agency 指定")

    notes += [warning(shown, 0, "metadata", n) for n in md.notes]
    sources = _given_sources(md.sources, year_given=given_year is not None, agency_given=given_agency is not None)
    if region is not None:
        sources["region"] = "命令行参数 --region"
    elif md.labelled.get("region"):
        region = [p.strip() for p in re.split(r"[/／、]", md.labelled["region"]) if p.strip()]
        sources["region"] = md.sources.get("region", "信息栏")
    if level is not None:
        sources["level"] = "命令行参数 --level"
    elif md.labelled.get("level") in LEVELS:
        level = md.labelled["level"]
        sources["level"] = md.sources.get("level", "信息栏")
    if region is None or level is None:
        r, lv, why = region_and_level(agency)
        if region is None and r:
            region = r
            sources["region"] = f"机关名称“{agency}”"
        if level is None and lv:
            level = lv
            sources["level"] = "按机关名称推定（" + "".join(n.split("：", 1)[-1] for n in why if n.startswith("机关层级")) + "）"
    if region and "命令行" not in sources.get("region", ""):
        done = complete_region(region)
        if done.note:
            notes.append(warning(shown, 0, "metadata", done.note))
        if done.region != region:
            sources["region"] += "，上级按全国行政区划代码补全"
        region = done.region
    notes += tables.notes

    body, sections = build_body(doc, regions, headings, md.title_blocks)
    meta: dict[str, Any] = {
        "agency": agency,
        "year": year,
        "format": tables.format.version,
        "region": list(region or []),
        "level": level or "",
        "published": md.published,
        "index_no": md.index_no,
        "doc_no": md.doc_no,
        "source_url": md.source_url if re.match(r"^https?://", md.source_url or "") else "",
        "missing": tables.missing,
    }
    sources = {k: v for k, v in sources.items() if meta.get(k)}
    for key, where in sources.items():
        shown_value = "/".join(meta[key]) if isinstance(meta[key], list) else meta[key]
        where = where if where.startswith("按") else "取自" + where
        notes.append(warning(shown, 0, "metadata", f"{META_LABELS[key]} {shown_value}：{where}"))
    return ImportResult(shown, doc.kind, tables.format, meta, tables.values, body, notes, sections, sources)


#: Metadata keys as the notes name them.
META_LABELS = {"year": "报告年度", "agency": "机关名称", "region": "行政区划", "level": "机关层级",
               "published": "发布日期", "source_url": "原文链接", "index_no": "索引号", "doc_no": "文号"}


def _given_sources(found: dict[str, str], *, year_given: bool, agency_given: bool) -> dict[str, str]:
    """Where each metadata value comes from: the command line where given, else the source."""
    sources = {k: v for k, v in found.items() if k in META_LABELS and k not in ("region", "level")}
    if year_given:
        sources["year"] = "命令行参数 --year"
    if agency_given:
        sources["agency"] = "命令行参数 --agency"
    return sources
