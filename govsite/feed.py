"""The Atom feed of newly published reports (issue 6, RFC 4287).

Deterministic: entries are ordered by publication date (then year, agency) and the feed's
``updated`` is the newest entry's date — never the time of the build. A report whose publication
date is unknown is dated 1 January of the year after its report year (the earliest it can have
appeared) and says so in its summary.
"""

from __future__ import annotations

import datetime as dt

from .model import Report

# The two functions of xml.sax.saxutils the feed uses, with their exact output: importing that
# module pulls in urllib.request, http.client and ssl (~15 ms), a few percent of a one-edit
# rebuild that never writes the feed (issue 7).
_ATTR_ENTITIES = {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


def escape(data: str, entities: dict[str, str] | None = None) -> str:
    """``&``, ``<`` and ``>`` escaped (and ``entities``), as ``xml.sax.saxutils.escape``."""
    data = data.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
    for char, entity in (entities or {}).items():
        data = data.replace(char, entity)
    return data


def quoteattr(data: str) -> str:
    """An attribute value with its quotes, as ``xml.sax.saxutils.quoteattr``."""
    data = escape(data, _ATTR_ENTITIES)
    if '"' in data:
        return f'"{data.replace(chr(34), "&quot;")}"' if "'" in data else f"'{data}'"
    return f'"{data}"'

FEED_SIZE = 50


def entry_date(report: Report) -> dt.date:
    """The date an entry carries: the publication date, else 1 January after the report year."""
    return report.published or dt.date(report.year + 1, 1, 1)


def _stamp(d: dt.date) -> str:
    return f"{d.isoformat()}T00:00:00+08:00"  # dates of Chinese government sites are Beijing time


def atom(reports: list[Report], title: str, link: str, self_link: str, feed_id: str,
         report_link, entry_id, size: int = FEED_SIZE) -> bytes:
    """The feed as UTF-8 bytes. ``report_link(report)`` gives each report's page address and
    ``entry_id(report)`` its permanent Atom id."""
    entries = sorted(reports, key=lambda r: (entry_date(r), r.year, r.agency, r.slug), reverse=True)[:size]
    updated = _stamp(entry_date(entries[0])) if entries else _stamp(dt.date(1970, 1, 1))
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">',
        f"<title>{escape(title)}</title>",
        f"<id>{escape(feed_id)}</id>",
        f"<updated>{updated}</updated>",
        f'<link rel="alternate" type="text/html" href={quoteattr(link)}/>',
        f'<link rel="self" type="application/atom+xml" href={quoteattr(self_link)}/>',
        "<generator>govsite</generator>",
    ]
    for r in entries:
        when = _stamp(entry_date(r))
        summary = f"{r.agency} {r.year} 年度政府信息公开工作年度报告"
        if r.region:
            summary += f"（{' / '.join(r.region)}）"
        if not r.published:
            summary += "。发布日期未注明。"
        out += [
            "<entry>",
            f"<title>{escape(r.title)}</title>",
            f"<id>{escape(entry_id(r))}</id>",
            f'<link rel="alternate" type="text/html" href={quoteattr(report_link(r))}/>',
            f"<updated>{when}</updated>",
            *( [f"<published>{when}</published>"] if r.published else [] ),
            f"<author><name>{escape(r.agency)}</name></author>",
            f"<summary>{escape(summary)}</summary>",
            "</entry>",
        ]
    out.append("</feed>")
    return ("\n".join(out) + "\n").encode("utf-8")
