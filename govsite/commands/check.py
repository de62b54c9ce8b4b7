"""``govsite check [PATH...]``: validate reports and print every problem (issue 2)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import shtab

from ..build import load_site, select_files
from ..config import require_config
from ..diagnostics import summary, to_json
from ..progress import for_args


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``check`` subcommand."""
    p = sub.add_parser("check", help="校验报告内容", description="校验报告的格式、数据和勾稽关系，列出全部问题")
    arg = p.add_argument("paths", nargs="*", type=Path, metavar="路径", help="要校验的文件或目录（默认 content/ 下全部）")
    arg.complete = shtab.FILE  # type: ignore[attr-defined]  # shell completion
    p.add_argument("--format", choices=("text", "json"), default="text", help="输出格式")
    p.add_argument("--strict", action="store_true", help="有警告也视为失败")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the diagnostics; exit 1 on errors (or warnings with --strict)."""
    root = Path(args.site)
    paths = [p.absolute() for p in args.paths] or None
    with for_args(args) as progress:
        progress.stage("读取并校验报告", report_count(root, paths), unit="个文件", counted=False)
        site = load_site(root, paths)
    diags = site.diagnostics
    if args.format == "json":
        print(to_json(diags))
    else:
        for d in diags:
            print(d.format())
        print(f"已校验 {site.files} 个文件：{summary(diags)}", file=sys.stderr)
    failed = any(d.is_error for d in diags) or (args.strict and diags)
    return 1 if failed else 0


def report_count(root: Path, paths: list[Path] | None = None) -> int:
    """How many report files a command will read: the size its progress line announces."""
    return len(select_files(require_config(root), paths))
