"""The ``govsite`` command line: a thin layer over the library.

Each subcommand lives in :mod:`govsite.commands` as a module with ``register(subparsers)``; the
module's ``run(args) -> int`` does the work by calling library functions. Exit codes: 0 clean,
1 content problems, 2 usage or configuration errors (issue 2).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from . import __version__
from .diagnostics import GovsiteError

#: The order ``govsite --help`` lists subcommands in; any other module in ``govsite.commands`` follows.
ORDER = ("check", "build", "serve", "new", "import_", "export")


def command_modules() -> list[str]:
    """The subcommand modules present in :mod:`govsite.commands`, in help order."""
    from . import commands

    names = [m.name for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_")]
    return sorted(names, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))


def make_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="govsite",
        description="政府信息公开工作年度报告门户的静态网站生成器",
    )
    parser.add_argument("--version", action="version", version=f"govsite {__version__}")
    parser.add_argument("-C", "--site", default=".", metavar="DIR", help="站点根目录（含 site.toml），默认当前目录")
    sub = parser.add_subparsers(dest="command", metavar="命令")
    for name in command_modules():
        module = importlib.import_module(f"govsite.commands.{name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``govsite`` script."""
    parser = make_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except GovsiteError as exc:
        print(f"govsite: 错误：{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        # Ctrl-C, or SIGTERM/SIGHUP during a build (govsite.build.Interrupted): 128 + the signal.
        signum = getattr(exc, "signum", 2)
        what = "Ctrl-C" if signum == 2 else f"收到信号 {exc}"
        print(f"govsite: 已中断（{what}）。构建是先写入临时目录再替换的，输出目录保持原样", file=sys.stderr)
        return 128 + signum
    except OSError as exc:
        # A full disk, a read-only folder, no permission: one Chinese line naming the file (issue 8).
        from .write import os_error_message

        name = exc.filename or "文件"
        message = os_error_message(exc, "读写", str(name), unchanged=args.command == "build")
        print(f"govsite: 错误：{message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
