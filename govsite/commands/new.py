"""``govsite new <year> <agency>``: scaffold ``content/<year>/<slug>.md`` (issue 5)."""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import re
from pathlib import Path

from ..agency import infer_level, slug_for
from ..diagnostics import GovsiteError
from ..formats import FORMATS, format_for_year
from ..config import Agency, Config, require_config
from ..frontmatter import decode, parse_toml, split
from ..load import SLUG_RE, display_path, load_report
from ..model import LEVELS
from ..scaffold import new_report_text
from ..content_file import write_new_file


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``new`` subcommand."""
    p = subparsers.add_parser(
        "new", help="新建一篇年度报告（所有表格单元格为 0，含六个章节标题）",
        description="在 content/<年度>/<slug>.md 新建一篇年度报告：元数据、全部表格单元格（均为 0）和六个章节标题。",
    )
    p.add_argument("year", type=int, metavar="年度", help="报告年度，例如 2024")
    p.add_argument("agency", metavar="机关", help="机关全称，例如 卫辉市商务局")
    p.add_argument("--slug", help="文件名（网址的一部分），只能用小写字母、数字和连字符；默认由机关名称的拼音生成")
    p.add_argument("--region", metavar="地区", help="行政区划，用 / 分隔，例如 河南省/新乡市/卫辉市")
    p.add_argument("--level", metavar="层级", help=f"机关层级：{'、'.join(LEVELS)}；默认按机关名称推定")
    p.add_argument("--format", dest="format_version", choices=sorted(FORMATS), metavar="版本", help=f"报告格式版本：{'、'.join(sorted(FORMATS))}；默认按年度（2019–2020 为 2019，2021 起为 2021）")
    p.add_argument("--force", action="store_true", help="覆盖已存在的文件")
    p.set_defaults(run=run)


def parse_region(text: str | None) -> list[str] | None:
    """``河南省/新乡市/卫辉市`` → a list; also accepts ``、`` ``,`` and spaces as separators."""
    if text is None:
        return None
    parts = [p.strip() for p in text.replace("／", "/").replace("、", "/").replace(",", "/").replace("，", "/").split("/")]
    return [p for p in parts if p]


def check_slug(slug: str) -> str:
    """The slug, or a usage error saying what is allowed."""
    if not SLUG_RE.fullmatch(slug):  # match() would let a trailing newline through
        raise GovsiteError(f"slug {slug!r} 不能用作文件名和网址：只能用小写字母、数字和连字符，且以字母或数字开头（例如 weihui-shangwu）")
    return slug


def run(args: argparse.Namespace) -> int:
    """Write the new report, check that it loads, and say where it is."""
    site = Path(args.site)
    if not 1990 <= args.year <= 2100:
        raise GovsiteError(f"年度 {args.year} 不合理，应为四位数年份，例如 2024")
    agency = args.agency.strip()
    if not agency:
        raise GovsiteError("机关名称不能为空")
    cfg = require_config(site)
    registered = registry_entry(cfg, agency)
    if cfg.agencies and registered is None:
        close = difflib.get_close_matches(agency, [a.name for a in cfg.agencies], n=1)
        hint = f"（是不是“{close[0]}”？）" if close else ""
        print(f"提示：{agency} 未在 site.toml 的 [[agencies]] 中登记{hint}；登记后年度总览会跟踪它是否按时发布")
    slug = check_slug(args.slug) if args.slug else registered.slug if registered and registered.slug else slug_for(agency)
    if not slug:
        raise GovsiteError(f"无法由机关名称“{agency}”生成文件名，请用 --slug 指定（例如 --slug weihui-shangwu）")
    check_slug(slug)
    region = parse_region(args.region)
    level = args.level
    if level is not None and level not in LEVELS:
        raise GovsiteError(f"--level {level!r} 不在可选值中：{'、'.join(LEVELS)}")
    if registered:
        agree_with_registry(registered, slug, level, region)
        level = level or registered.level or None
        region = region or list(registered.region)
    if level is None:
        level, why = infer_level(agency)
        if level:
            print(f"机关层级按名称推定为“{level}”（{why}），可用 --level 修改")
    fmt = FORMATS[args.format_version] if args.format_version else format_for_year(args.year)
    path = site / "content" / str(args.year) / f"{slug}.md"
    other = same_agency_year(path.parent, agency, path)
    if other is not None:
        raise GovsiteError(f"{agency} {args.year} 年度的报告已经有了：{display_path(other, site)}。"
                           "同一机关同一年度只能有一份报告，请直接编辑那个文件")
    text = with_published_line(new_report_text(fmt, agency, args.year, region or [], level or "",
                                               {"published": dt.date.today()}))
    try:
        write_new_file(path, text, force=args.force)
    except FileExistsError:
        raise GovsiteError(f"{display_path(path, site)} 已存在；如确需覆盖，请加 --force") from None
    _, diags = load_report(path, site)
    errors = [d for d in diags if d.is_error]
    for d in errors:  # pragma: no cover - the scaffold is valid by construction; say so loudly if not
        print(d.format())
    where = "（沿用 site.toml 中登记的 slug、层级和地区）" if registered else ""
    print(f"已新建 {display_path(path, site)}（{fmt.version} 年版格式，{fmt.document}）{where}")
    print(f"请填写表格数字和正文，并把 published 改为实际发布日期（现为今天 {dt.date.today().isoformat()}，待确认）")
    return 1 if errors else 0


def registry_entry(cfg: Config, agency: str) -> Agency | None:
    """The ``[[agencies]]`` entry of this agency, if it is registered."""
    return next((a for a in cfg.agencies if a.name == agency), None)


def agree_with_registry(entry: Agency, slug: str, level: str | None, region: list[str] | None) -> None:
    """A usage error when the command line contradicts the agency's registry entry.

    The registry decides the agency's page and its deadline (条例第四十九条); a report filed under
    another slug or level would be a second agency on the portal.
    """
    given = {"--slug": (slug, entry.slug), "--level": (level, entry.level),
             "--region": ("/".join(region) if region else None, "/".join(entry.region))}
    for option, (value, registered) in given.items():
        if value and registered and value != registered:
            raise GovsiteError(f"{entry.name} 已在 site.toml 的 [[agencies]] 中登记，{option.lstrip('-')} 为“{registered}”，"
                               f"与这里的“{value}”不同：请去掉 {option}，或先修改 site.toml 中的登记")


def same_agency_year(folder: Path, agency: str, target: Path) -> Path | None:
    """Another report file of ``agency`` in the year folder ``folder``, if there is one."""
    if not folder.is_dir():
        return None
    for path in sorted(folder.glob("*.md")):
        if path == target:
            continue
        try:
            text, _ = decode(path.name, path.read_bytes())
        except OSError:
            continue
        split_file, _ = split(path.name, text or "")
        doc, _ = parse_toml(path.name, split_file) if split_file else (None, [])
        if doc and doc.get("agency") == agency:
            return path
    return None


_PUBLISHED = re.compile(r"^published = (\S+)$", re.M)


def with_published_line(text: str) -> str:
    """Mark the scaffold's ``published`` date as one to confirm: the deadline check reads it."""
    return _PUBLISHED.sub(r"published = \1  # 发布日期：现为新建之日，请改为实际发布日期（待确认）", text, count=1)
