"""``govsite build``: check, then write the whole portal (issue 2)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..build import build, ordered
from ..contentdir import content_notes
from ..diagnostics import summary


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``build`` subcommand."""
    p = sub.add_parser("build", help="生成网站", description="校验全部报告并生成静态网站")
    p.add_argument("-o", "--output", type=Path, help="输出目录（默认 public/）")
    p.add_argument("--base-url", help="网站地址或子路径，覆盖 site.toml 的 base_url")
    p.add_argument("--clean", action="store_true", help="允许替换输出目录中不是 govsite 生成的文件")
    p.add_argument("--strict", action="store_true", help="有警告也不生成")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Build and print the summary; exit 1 when content problems stopped the build."""
    root = Path(args.site)
    result = build(root, output=args.output, base_url=args.base_url, clean=args.clean, strict=args.strict)
    # What content/ holds that the build did not publish, and why (a.MD, c.md~, a linked folder …).
    diags = ordered(result.site.diagnostics + content_notes(result.site.config.content_dir, root))
    for d in diags:
        print(d.format(), file=sys.stderr)
    if not result.pages:
        print(f"构建未进行：{summary(diags)}。{result.output} 保持不变。", file=sys.stderr)
        return 1
    years = "，".join(f"{y} 年 {n} 份" for y, n in result.per_year.items())
    print(f"已生成 {result.output}：{len(result.site.reports)} 份报告（{years}），"
          f"{result.pages} 个文件，{result.bytes / 1024:.0f} KB；{summary(diags)}；用时 {result.seconds:.2f} 秒")
    return 0
