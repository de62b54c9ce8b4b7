"""``govsite export``: every table cell of the site (or of the files named), as CSV or JSON."""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import shtab

from ..build import load_site
from ..diagnostics import Diagnostic
from ..export import FORMATS, export
from ..progress import for_args
from ..content_file import write_new_file
from ..render import report_order
from .check import report_count


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``export`` subcommand."""
    p = sub.add_parser("export", help="导出表格数据",
                       description="导出每个表格单元格：CSV 为长表（每个单元格一行，列名与网站数据文件相同），"
                                   "JSON 为各报告的数据文件（含校验结果）")
    arg = p.add_argument("paths", nargs="*", type=Path, metavar="路径", help="要导出的文件或目录（默认全部）")
    arg.complete = shtab.FILE  # type: ignore[attr-defined]  # shell completion
    p.add_argument("--format", choices=FORMATS, default="csv", help="导出格式（默认 csv）")
    arg = p.add_argument("-o", "--output", type=Path, metavar="文件", help="写入文件（默认输出到标准输出）")
    arg.complete = shtab.FILE  # type: ignore[attr-defined]  # shell completion
    p.add_argument("--bom", action=argparse.BooleanOptionalAction, default=True,
                   help="CSV 是否加 UTF-8 BOM（默认加，便于 Excel、WPS 打开；--no-bom 不加）")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Export the loadable reports; files that fail to load are reported and make the exit code 1."""
    root = Path(args.site)
    paths = [p.absolute() for p in args.paths] or None
    with for_args(args) as progress:
        progress.stage("读取并校验报告", report_count(root, paths), unit="个文件", counted=False)
        site = load_site(root, paths)
        progress.stage("导出数据", len(site.reports), unit="份报告", counted=False)
        reports = sorted(site.reports, key=report_order)
        problems: dict[str, list[Diagnostic]] = defaultdict(list)
        for d in site.diagnostics:
            problems[d.path].append(d)
        data = export(reports, problems, args.format, bom=args.bom)
    structural = [d for d in site.errors if not d.rule.startswith("R")]
    for d in structural:
        print(d.format(), file=sys.stderr)
    if args.output:
        if args.output.exists() and args.output.is_dir():
            print(f"govsite: 错误：{args.output} 是目录", file=sys.stderr)
            return 2
        write_new_file(args.output, data, force=True)  # atomic; a failure names the file
        print(f"已导出 {len(reports)} 份报告到 {args.output}", file=sys.stderr)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    return 1 if structural else 0
