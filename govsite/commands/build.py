"""``govsite build``: check, then write the whole portal (issue 2)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import shtab

from ..build import BuildResult, build
from ..config import check_base_url
from ..diagnostics import GovsiteError, summary
from ..progress import for_args


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``build`` subcommand."""
    p = sub.add_parser("build", help="生成网站", description="校验全部报告并生成静态网站")
    arg = p.add_argument("-o", "--output", type=Path, metavar="目录", help="输出目录（默认 public/）")
    arg.complete = shtab.DIRECTORY  # type: ignore[attr-defined]  # shell completion
    p.add_argument("--base-url", metavar="网址", help="网站地址或子路径，覆盖 site.toml 的 base_url")
    p.add_argument("--clean", action="store_true", help="允许替换输出目录中不是 govsite 生成的文件")
    p.add_argument("--strict", action="store_true", help="有警告也不生成")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Build and print the summary; exit 1 when content problems stopped the build."""
    root = Path(args.site)
    if args.base_url is not None and (problem := check_base_url(args.base_url)):
        raise GovsiteError(problem)
    output = args.output.absolute() if args.output else None  # relative to where the command runs, as -C says
    with for_args(args) as progress:
        result = build(root, output=output, base_url=args.base_url, clean=args.clean, strict=args.strict,
                       listed=lambda n: progress.stage("生成网站", n, unit="个报告文件", counted=False))
        for line in build_notes(result):
            progress.note(line)
    diags = result.site.diagnostics
    for d in diags:
        print(d.format(), file=sys.stderr)
    for note in result.notes:  # the cache set aside or unusable: said once, the build goes on
        print(f"govsite: {note}", file=sys.stderr)
    if not result.pages:
        print(f"构建未进行：{summary(diags)}。{result.output} 保持不变。", file=sys.stderr)
        return 1
    years = "，".join(f"{y} 年 {n} 份" for y, n in result.per_year.items())
    print(f"已生成 {result.output}：{sum(result.per_year.values())} 份报告（{years}），"
          f"{result.pages} 个文件，{result.bytes / 1024:.0f} KB；{summary(diags)}；用时 {result.seconds:.2f} 秒")
    return 0


_STAGE_ZH = {"load": "读取并校验", "plan": "确定需要重新生成的内容", "write": "生成并写入"}


def build_notes(result: BuildResult) -> list[str]:
    """What the build reused and what it redid, and the time of each stage (shown with ``-v``)."""
    reports = sum(result.per_year.values())
    notes = [f"{_STAGE_ZH.get(k, k)}：{v:.2f} 秒" for k, v in result.stages.items()]
    if result.unchanged:
        return notes + ["没有改动，输出目录保持原样"]
    notes.append(f"重新解析 {result.parsed} 份报告，其余 {reports - result.parsed} 份取自缓存")
    if result.rendered_units:
        shown = "、".join(result.rendered_units[:5]) + ("等" if len(result.rendered_units) > 5 else "")
        notes.append(f"重新生成 {result.rendered} 项（{shown}），其余沿用上次构建")
    return notes
