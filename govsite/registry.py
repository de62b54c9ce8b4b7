"""The agency registry of ``site.toml`` (``[[agencies]]``) checked on its own and against the reports.

An entry's ``slug`` is the address of the agency's page (``/agency/<slug>/``), and a report whose
file name is a registered slug is taken for that agency's report. So a slug must be a safe URL
segment, a name or a slug may be registered once, and a report filed under another agency's slug is
an error naming both: otherwise one agency's page is headed with another's name and lists its
reports as its own.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

from .config import CONFIG_NAME, Agency
from .diagnostics import Diagnostic, error
from .load import FORMULA_START, MAX_LENGTHS, SLUG_RE, formula_reason, has_invisible, region_problem
from .model import Report

_ENTRY = re.compile(r"^\s*\[\[\s*agencies\s*\]\]")


def entry_lines(root: Path) -> list[int]:
    """The ``site.toml`` line of each ``[[agencies]]`` header, in order (empty when unreadable or
    written as an inline array)."""
    try:
        text = (root / CONFIG_NAME).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return []
    return [i for i, line in enumerate(text.splitlines(), 1) if _ENTRY.match(line)]


def registry_problems(agencies: tuple[Agency, ...], root: Path) -> list[Diagnostic]:
    """Names and regions that reports could not carry either (invisible characters, formulas,
    absurd lengths), slugs that cannot be a URL segment, and names or slugs registered twice."""
    lines = entry_lines(root)

    def at(i: int) -> int:
        return lines[i] if i < len(lines) else (lines[0] if lines else 1)

    diags = []
    names: dict[str, int] = {}
    slugs: dict[str, int] = {}
    for i, a in enumerate(agencies):
        # A name with a direction override would garble the message itself: shown escaped.
        shown = repr(a.name) if has_invisible(a.name) else a.name
        what = f"agencies 第 {i + 1} 项（{shown}）"
        if not a.name.strip():
            diags.append(error(CONFIG_NAME, at(i), "config", f"agencies 第 {i + 1} 项的 name 为空：请填写机关全称"))
        if a.name.startswith(FORMULA_START):
            diags.append(error(CONFIG_NAME, at(i), "config", f"{what}的 name {formula_reason(a.name)}"))
        if has_invisible(a.name) or "\n" in a.name:
            diags.append(error(CONFIG_NAME, at(i), "config",
                               f"agencies 第 {i + 1} 项的 name 中有不可见的控制字符或换行（常见于从网页复制的文字），请删除后重新输入"))
        if len(a.name) > MAX_LENGTHS["agency"]:
            diags.append(error(CONFIG_NAME, at(i), "config",
                               f"agencies 第 {i + 1} 项的 name 长达 {len(a.name)} 个字符，超过上限 {MAX_LENGTHS['agency']} 个"))
        region = region_problem(a.region)
        if region:
            diags.append(error(CONFIG_NAME, at(i), "config", f"{what}的 region（行政区划）{region[1]}"))
        if a.slug and not SLUG_RE.fullmatch(a.slug):
            diags.append(error(CONFIG_NAME, at(i), "config",
                               f"{what}的 slug {a.slug!r} 不能用作网址：只能用小写字母、数字和连字符，且以字母或数字开头"
                               f"（它就是机关页面的网址 /agency/slug/）"))
        if a.name in names:
            diags.append(error(CONFIG_NAME, at(i), "config",
                               f"{what}与第 {names[a.name] + 1} 项的机关名称重复：一个机关只能登记一次，请删除或合并其中一项"))
        else:
            names[a.name] = i
        if a.slug and a.slug in slugs:
            other = agencies[slugs[a.slug]]
            diags.append(error(CONFIG_NAME, at(i), "config",
                               f"{what}的 slug {a.slug!r} 与第 {slugs[a.slug] + 1} 项（{other.name}）相同：两个机关不能共用一个网址"))
        elif a.slug:
            slugs[a.slug] = i
    return diags


def registry_conflicts(agencies: Iterable[Agency], reports: Iterable[Report]) -> list[Diagnostic]:
    """Reports filed under the registered slug of another agency: an error at the report's
    ``agency`` line naming both agencies."""
    by_slug = {a.slug: a for a in agencies if a.slug}
    diags = []
    for r in reports:
        owner = by_slug.get(r.slug)
        if owner is None or owner.name == r.agency:
            continue
        diags.append(error(r.path, r.line_of("agency"), "registry",
                           f"文件名 {r.slug} 是机关名录（site.toml）中“{owner.name}”的 slug，但这份报告的 agency 是“{r.agency}”："
                           f"请改正 agency，或把文件改名（文件名即网址，一个 slug 只属于一个机关）"))
    return diags
