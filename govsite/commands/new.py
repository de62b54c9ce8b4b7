"""``govsite new <year> <agency>``: scaffold ``content/<year>/<slug>.md`` (issue 5)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..agency import infer_level, slug_for
from ..diagnostics import GovsiteError
from ..formats import FORMATS, format_for_year
from ..load import SLUG_RE, load_report
from ..model import LEVELS
from ..scaffold import new_report_text
from ..content_file import write_new_file


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``new`` subcommand."""
    p = subparsers.add_parser(
        "new", help="新建一篇年度报告（所有表格单元格为 0，含六个章节标题）",
        description="在 content/<年度>/<slug>.md 新建一篇年度报告：元数据、全部表格单元格（均为 0）和六个章节标题。",
    )
    p.add_argument("year", type=int, help="报告年度，例如 2024")
    p.add_argument("agency", help="机关全称，例如 卫辉市商务局")
    p.add_argument("--slug", help="文件名（网址的一部分），只能用小写字母、数字和连字符；默认由机关名称的拼音生成")
    p.add_argument("--region", help="行政区划，用 / 分隔，例如 河南省/新乡市/卫辉市")
    p.add_argument("--level", help=f"机关层级：{'、'.join(LEVELS)}；默认按机关名称推定")
    p.add_argument("--format", dest="format_version", choices=sorted(FORMATS), help="报告格式版本；默认按年度（2019–2020 为 2019，2021 起为 2021）")
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
    slug = check_slug(args.slug) if args.slug else slug_for(agency)
    if not slug:
        raise GovsiteError(f"无法由机关名称“{agency}”生成文件名，请用 --slug 指定（例如 --slug weihui-shangwu）")
    check_slug(slug)
    level = args.level
    if level is None:
        level, why = infer_level(agency)
        if level:
            print(f"机关层级按名称推定为“{level}”（{why}），可用 --level 修改")
    elif level not in LEVELS:
        raise GovsiteError(f"--level {level!r} 不在可选值中：{'、'.join(LEVELS)}")
    fmt = FORMATS[args.format_version] if args.format_version else format_for_year(args.year)
    region = parse_region(args.region) or []
    text = new_report_text(fmt, agency, args.year, region, level or "")
    path = site / "content" / str(args.year) / f"{slug}.md"
    try:
        write_new_file(path, text, force=args.force)
    except FileExistsError:
        raise GovsiteError(f"{path} 已存在；如确需覆盖，请加 --force") from None
    _, diags = load_report(path, site)
    errors = [d for d in diags if d.is_error]
    for d in errors:  # pragma: no cover - the scaffold is valid by construction; say so loudly if not
        print(d.format())
    print(f"已新建 {path}（{fmt.version} 年版格式，{fmt.document}）")
    return 1 if errors else 0
