"""The ``govsite`` command line: a thin layer over the library.

Each subcommand lives in :mod:`govsite.commands` as a module with ``register(subparsers)``; the
module's ``run(args) -> int`` does the work by calling library functions. Exit codes: 0 clean,
1 content problems, 2 usage or configuration errors.

Options every command shares (``-C``, ``-q``, ``-v``) are accepted before or after the subcommand.
``-C DIR`` works as in git: the command runs as if started in ``DIR``, so relative paths given on
the command line are relative to ``DIR``; the site is ``DIR`` or the nearest folder above it that
holds ``site.toml``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import pkgutil
import sys
from pathlib import Path

import shtab

from . import __version__
from .argparse_zh import COMMAND, ChineseArgumentParser
from .config import CONFIG_NAME
from .diagnostics import GovsiteError

#: The order ``govsite --help`` lists subcommands in: a publisher's first hour, then the rest.
ORDER = ("init", "new", "import_", "check", "build", "serve", "export", "help", "completion")

#: Exit status after the reader of our output went away (``govsite check | head -1``): what a
#: shell reports for a process ended by SIGPIPE, the way other Unix tools stop.
BROKEN_PIPE = 128 + 13


def command_modules() -> list[str]:
    """The subcommand modules present in :mod:`govsite.commands`, in help order."""
    from . import commands

    names = [m.name for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_")]
    return sorted(names, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))


def add_common_options(parser: argparse.ArgumentParser, top: bool) -> None:
    """``-C``, ``-q`` and ``-v``; on a subcommand they leave the values given before it alone."""
    unset = None if top else argparse.SUPPRESS
    action = parser.add_argument(
        "-C", "--site", dest="chdir" if top else "chdir_after", action="append", default=unset, metavar="目录",
        help="先进入该目录再运行（同 git -C；命令行中的相对路径也相对于它）；"
             "站点是该目录或其上级中第一个含 site.toml 的目录")
    action.complete = shtab.DIRECTORY  # type: ignore[attr-defined]
    parser.add_argument("-q", "--quiet", action="store_true", default=False if top else argparse.SUPPRESS,
                        help="只输出问题和结果，不显示进度")
    parser.add_argument("-v", "--verbose", action="store_true", default=False if top else argparse.SUPPRESS,
                        help="显示各阶段及其用时")


def make_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = ChineseArgumentParser(
        prog="govsite",
        description="政府信息公开工作年度报告门户的静态网站生成器",
        epilog="新建站点：govsite init 站点目录。补全脚本：govsite completion bash（或 zsh）",
    )
    parser.add_argument("--version", action="version", version=f"govsite {__version__}", help="显示版本号并退出")
    add_common_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar=COMMAND, title="命令",
                                help="govsite <命令> -h 或 govsite help <命令> 查看该命令的用法",
                                parser_class=ChineseArgumentParser)
    for name in command_modules():
        module = importlib.import_module(f"govsite.commands.{name}")
        module.register(sub)
    for p in subcommand_parsers(parser).values():
        add_common_options(p, top=False)
    return parser


def subcommand_parsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The parser of each subcommand by name."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def start_folder(args: argparse.Namespace) -> Path:
    """The folder the command runs in: each ``-C`` relative to the one before, as in git."""
    folder = Path.cwd()
    for given in (args.chdir or []) + getattr(args, "chdir_after", []):
        folder = folder / given
        if not folder.is_dir():
            what = "不是目录" if folder.exists() else "不存在"
            where = "" if Path(given).is_absolute() else f"（{folder}）"
            raise GovsiteError(f"-C 指定的目录 {given} {what}{where}")
    return folder


def find_site(start: Path) -> Path:
    """``start`` or the nearest folder above it holding ``site.toml``; else a usage error."""
    for folder in (start, *start.parents):
        config = folder / CONFIG_NAME
        if config.is_dir():
            raise GovsiteError(f"{config} 是一个目录，而站点设置应是名为 {CONFIG_NAME} 的文本文件：请删除或改名这个目录，"
                               f"再运行 govsite init {folder} --force 生成设置文件")
        if config.exists():
            return folder
    raise GovsiteError(f"找不到站点设置文件 {CONFIG_NAME}（已在 {start} 及其上级目录中查找），这里不是 govsite 站点。"
                       "新建站点请运行 govsite init 站点目录；已有站点请在站点目录中运行，或用 -C 站点目录 指定")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``govsite`` script."""
    parser = make_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        folder = start_folder(args)
        with contextlib.chdir(folder):
            args.site = str(find_site(folder) if getattr(args, "needs_site", True) else folder)
            return args.run(args)
    except BrokenPipeError:
        _discard_stdout()
        return BROKEN_PIPE
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
        # A full disk, a read-only folder, no permission: one Chinese line naming the file.
        from .write import os_error_message

        name = exc.filename or "文件"
        message = os_error_message(exc, "读写", str(name), unchanged=args.command == "build")
        print(f"govsite: 错误：{message}", file=sys.stderr)
        return 2


def _discard_stdout() -> None:
    """Point stdout at /dev/null so that flushing it at exit does not fail a second time."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":
    sys.exit(main())
