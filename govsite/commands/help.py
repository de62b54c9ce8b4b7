"""``govsite help [命令]``: the help of govsite or of one command."""

from __future__ import annotations

import argparse

from ..argparse_zh import unknown_command
from ..diagnostics import GovsiteError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``help`` subcommand."""
    p = sub.add_parser("help", help="显示帮助", description="显示 govsite 或某个命令的用法")
    p.add_argument("topic", nargs="?", metavar="命令", help="要查看的命令，如 build")
    p.set_defaults(run=run, needs_site=False)


def run(args: argparse.Namespace) -> int:
    """Print the help asked for."""
    from ..cli import make_parser, subcommand_parsers

    parser = make_parser()
    if args.topic is None:
        parser.print_help()
        return 0
    commands = subcommand_parsers(parser)
    if args.topic not in commands:
        raise GovsiteError(unknown_command(args.topic, list(commands)))
    commands[args.topic].print_help()
    return 0
