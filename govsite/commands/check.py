"""``govsite check [PATH...]``: validate reports and print every problem (issue 2)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..build import load_site, ordered
from ..contentdir import content_notes
from ..diagnostics import summary, to_json
from ..registry import registry_conflicts


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``check`` subcommand."""
    p = sub.add_parser("check", help="校验报告内容", description="校验报告的格式、数据和勾稽关系，列出全部问题")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="要校验的文件或目录（默认 content/ 下全部）")
    p.add_argument("--format", choices=("text", "json"), default="text", help="输出格式")
    p.add_argument("--strict", action="store_true", help="有警告也视为失败")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the diagnostics; exit 1 on errors (or warnings with --strict)."""
    root = Path(args.site)
    site = load_site(root, [p if p.is_absolute() else Path.cwd() / p for p in args.paths] or None)
    # Also reports filed under another agency's registry slug and, for the whole site, what
    # content/ holds that is not published, and why.
    notes = [] if args.paths else content_notes(site.config.content_dir, root)
    diags = ordered(site.diagnostics + registry_conflicts(site.config.agencies, site.reports) + notes)
    if args.format == "json":
        print(to_json(diags))
    else:
        for d in diags:
            print(d.format())
        print(f"已校验 {site.files} 个文件：{summary(diags)}", file=sys.stderr)
    failed = any(d.is_error for d in diags) or (args.strict and diags)
    return 1 if failed else 0
