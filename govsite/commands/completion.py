"""``govsite completion bash|zsh``: a shell completion script, generated from the parser itself
(shtab), so it always knows every command and option of this version."""

from __future__ import annotations

import argparse

SHELLS = ("bash", "zsh")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``completion`` subcommand."""
    p = sub.add_parser(
        "completion", help="输出命令行补全脚本（bash、zsh）",
        description="输出 bash 或 zsh 的补全脚本，安装方法见 README 的“命令行补全”。"
                    "例如：govsite completion bash > ~/.local/share/bash-completion/completions/govsite")
    p.add_argument("shell", choices=SHELLS, help="bash 或 zsh")
    p.set_defaults(run=run, needs_site=False)


def run(args: argparse.Namespace) -> int:
    """Print the script for the shell."""
    import shtab

    from ..cli import make_parser

    print(shtab.complete(make_parser(), shell=args.shell), end="")
    return 0
