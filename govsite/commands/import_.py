"""``govsite import FILE...``: published reports (text, pdftotext -layout, HTML, .docx) → report files.

For each input it prints what the importer decided or could not read (with the source line), then
the checks of the written report. A failed rule there is a fact about the published report, not
an import failure, and the two lists say so (issue 5). Exit codes: 0 all imported and clean;
1 imported, but with missing data or failed rules; 2 an input could not be imported at all, or a
file exists and ``--force`` was not given.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..agency import slug_for
from ..check import check_report
from ..content_file import write_new_file
from ..diagnostics import Diagnostic, GovsiteError, summary
from ..load import display_path, load_bytes
from ..model import LEVELS, Report
from .new import check_slug, parse_region


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``import`` subcommand."""
    p = subparsers.add_parser(
        "import", help="导入已发布的年度报告（文本、pdftotext 版式文本、HTML、.docx）",
        description="把已发布的年度报告转换为 content/<年度>/<slug>.md。输入类型按内容识别：制表符/竖线分隔的文本、"
                    "每行一个单元格的文本、pdftotext -layout 的输出、HTML 网页、.docx 文档。"
                    "无法读取的单元格不会被猜测，而是记入 missing 并给出说明。",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="要导入的文件")
    p.add_argument("-o", "--output", metavar="DIR", help="内容目录（默认为站点的 content/）")
    p.add_argument("--year", type=int, help="报告年度（默认取自标题）")
    p.add_argument("--agency", help="机关全称（默认取自标题）")
    p.add_argument("--slug", help="文件名（只能导入一个文件时使用；默认由机关名称的拼音生成）")
    p.add_argument("--region", help="行政区划，用 / 分隔，例如 江苏省/淮安市/洪泽区（默认按机关名称推定）")
    p.add_argument("--level", help=f"机关层级：{'、'.join(LEVELS)}（默认按机关名称推定）")
    p.add_argument("--dry-run", action="store_true", help="只显示将写入的内容和检查结果，不写文件")
    p.add_argument("--force", action="store_true", help="覆盖已存在的文件")
    p.set_defaults(run=run)


def check_text(shown: str, slug: str, text: str) -> tuple[Report | None, list[Diagnostic]]:
    """Load and check a report file's text as ``govsite check`` would, without writing it."""
    report, diags = load_bytes(shown, slug, text.encode("utf-8"))
    if report is not None:
        diags = diags + check_report(report)
    return report, diags


def run(args: argparse.Namespace) -> int:
    """Import every file; report per file; nothing is written for a file that cannot be imported."""
    from ..importer import UnreadableInput, import_file
    from ..importer.document import KIND_LABELS

    site = Path(args.site)
    out_dir = Path(args.output) if args.output else site / "content"
    if args.slug and len(args.files) > 1:
        raise GovsiteError("--slug 只能在导入一个文件时使用")
    if args.slug:
        check_slug(args.slug)
    if args.level is not None and args.level not in LEVELS:
        raise GovsiteError(f"--level {args.level!r} 不在可选值中：{'、'.join(LEVELS)}")
    region = parse_region(args.region)

    failed = flagged = 0
    for name in args.files:
        src = Path(name)
        try:
            result = import_file(src, year=args.year, agency=args.agency, region=region, level=args.level,
                                 shown=display_path(src, site))
        except UnreadableInput as exc:
            print(f"govsite: 错误：{exc}；未写入任何文件", file=sys.stderr)
            failed += 1
            continue
        agency, year = result.meta["agency"], result.meta["year"]
        slug = args.slug or slug_for(agency)
        if not slug:
            print(f"govsite: 错误：{result.source}：无法由机关名称“{agency}”生成文件名，请用 --slug 指定；未写入任何文件", file=sys.stderr)
            failed += 1
            continue
        path = out_dir / str(year) / f"{slug}.md"
        shown = display_path(path, site)
        text = result.text()
        _, diags = check_text(shown, slug, text)

        print(f"== {result.source}（{KIND_LABELS.get(result.kind, result.kind)}）→ {shown}")
        print(f"   {agency} {year} 年度，{result.format.version} 年版格式（{result.format.document}）")
        if result.notes:
            print(f"导入说明（{len(result.notes)} 条：导入时的判断和无法读取的内容）：")
            for d in result.notes:
                print("  " + d.format())
        if result.missing:
            print(f"缺失（未填任何猜测的数字，已写入 missing）：{', '.join(result.missing)}")
        structural = [d for d in diags if d.rule in ("toml", "key", "type", "shape", "value", "slug", "front-matter")]
        if structural:  # pragma: no cover - the importer writes valid files; a bug if it does not
            print("导入结果不是有效的报告文件（这是 govsite 的错误，请报告）：")
        rule_diags = [d for d in diags if d not in structural]
        if diags:
            print(f"原文校验（{summary(diags)}；这些是所发布报告本身的问题，不是导入错误）：")
            for d in structural + rule_diags:
                print("  " + d.format())
        if args.dry_run:
            print("--- 将写入的内容（--dry-run，未写文件）---")
            print(text, end="")
        else:
            try:
                write_new_file(path, text, force=args.force)
            except FileExistsError:
                print(f"govsite: 错误：{shown} 已存在；如确需覆盖，请加 --force（未写入）", file=sys.stderr)
                failed += 1
                continue
            except OSError as exc:
                print(f"govsite: 错误：无法写入 {shown}：{exc.strerror}", file=sys.stderr)
                failed += 1
                continue
            print(f"已写入 {shown}")
        if result.missing or any(d.is_error for d in diags):
            flagged += 1
    if failed:
        return 2
    return 1 if flagged else 0
