"""``govsite export [PATH...] --format csv|json``: the table data as open data (issue 2)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..build import load_site
from ..content_file import write_new_file
from ..export import to_csv, to_json
from ..render import report_order


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``export`` subcommand."""
    p = sub.add_parser("export", help="导出表格数据", description="以长表格式导出每个表格单元格（CSV 或 JSON）")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="要导出的文件或目录（默认全部）")
    p.add_argument("--format", choices=("csv", "json"), default="csv", help="导出格式（默认 csv）")
    p.add_argument("-o", "--output", type=Path, help="写入文件（默认输出到标准输出）")
    p.add_argument("--bom", action="store_true", help="CSV 加 UTF-8 BOM，便于 Excel 打开")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Export the loadable reports; files that fail to load are reported and make the exit code 1."""
    site = load_site(Path(args.site), [p if p.is_absolute() else Path.cwd() / p for p in args.paths] or None)
    reports = sorted(site.reports, key=report_order)
    text = to_json(reports) + "\n" if args.format == "json" else to_csv(reports, bom=args.bom)
    structural = [d for d in site.errors if not d.rule.startswith("R")]
    for d in structural:
        print(d.format(), file=sys.stderr)
    if args.output:
        if args.output.exists() and args.output.is_dir():
            print(f"govsite: 错误：{args.output} 是目录", file=sys.stderr)
            return 2
        write_new_file(args.output, text, force=True)  # atomic; a failure names the file
        print(f"已导出 {len(reports)} 份报告到 {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 1 if structural else 0
