"""An :mod:`argparse` parser that speaks Chinese: help headings, the built-in options' help, the
usage prefix and every usage error argparse raises.

argparse takes its texts from :func:`gettext.gettext` at import time and offers no catalogue of
its own, so the headings and options are set through its public hooks (``add_help=False`` plus an
own ``-h``, the formatter's usage prefix, the argument groups' titles) and its error messages —
which it builds in English before calling :meth:`ArgumentParser.error` — are translated there, by
the patterns below (argparse's messages in Python 3.11–3.13).
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
import unicodedata
from typing import NoReturn

#: Usage-error messages of argparse (3.11–3.13) → Chinese; each pattern matches the whole message
#: after any ``argument X: `` prefix. Unknown messages pass through unchanged.
_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p + r"\Z", re.S), zh) for p, zh in (
    (r"invalid choice: '?(?P<value>.*?)'? \(choose from (?P<choices>.*)\)", "无效的选择 {value}（可选：{choices}）"),
    (r"unrecognized arguments: (?P<args>.*)", "无法识别的参数：{args}"),
    (r"the following arguments are required: (?P<args>.*)", "缺少必需的参数：{args}"),
    (r"one of the arguments (?P<args>.*) is required", "{args} 中必须给出一个"),
    (r"expected one argument", "需要一个值"),
    (r"expected at most one argument", "最多只能有一个值"),
    (r"expected at least one argument", "至少需要一个值"),
    (r"expected (?P<n>\d+) arguments?", "需要 {n} 个值"),
    (r"ambiguous option: (?P<option>\S+) could match (?P<matches>.*)", "选项 {option} 不明确，可能是：{matches}"),
    (r"invalid (?P<type>\w+) value: '?(?P<value>.*?)'?", "“{value}”不是有效的{type}"),
    (r"not allowed with argument (?P<other>.*)", "不能与 {other} 同时使用"),
    (r"ignored explicit argument '?(?P<value>.*?)'?", "此选项不接受值 {value}"),
    (r"unknown parser '?(?P<name>.*?)'? \(choices: (?P<choices>.*)\)", "未知的命令 {name}（可选：{choices}）"),
))

_TYPES = {"int": "整数", "float": "数字", "Path": "路径", "str": "文字"}
_ARGUMENT = re.compile(r"argument (?P<name>[^:]+): (?P<rest>.*)\Z", re.S)


#: The metavar of the subcommand argument: an invalid choice there is an unknown command.
COMMAND = "<命令>"
_CHOICE = re.compile(r"invalid choice: '?(?P<value>.*?)'? \(choose from (?P<choices>.*)\)\Z", re.S)


def translate_error(message: str) -> str:
    """argparse's English usage error → Chinese (unknown messages are returned unchanged)."""
    m = _ARGUMENT.match(message)
    if m and m.group("name") == COMMAND and (c := _CHOICE.match(m.group("rest"))):
        return unknown_command(c.group("value"), _choices(c.group("choices")).split("、"))
    if m:
        return f"参数 {m.group('name')}：{translate_error(m.group('rest'))}"
    for pattern, zh in _ERRORS:
        m = pattern.match(message)
        if m:
            parts = {k: _TYPES.get(v, v) if k == "type" else _choices(v) for k, v in m.groupdict().items()}
            return zh.format(**parts)
    return message


def unknown_command(name: str, commands: list[str]) -> str:
    """``没有命令 biuld，是不是 build？（可用：…）``."""
    close = difflib.get_close_matches(name, commands, n=1)
    hint = f"，是不是 {close[0]}？" if close else ""
    return f"没有命令 {name}{hint}（可用：{'、'.join(commands)}）"


def _choices(text: str) -> str:
    """``'check', 'build'`` → ``check、build`` (argparse quotes and comma-separates its lists)."""
    items = [s.strip().strip("'") for s in text.split(",")]
    return "、".join(items) if len(items) > 1 else text.strip("'")


#: Wrapping units of help text: a run of non-space narrow characters, a space, or one wide character.
_TOKENS = re.compile(r"[^\s\u2e80-\uffef]+| |[\u2e80-\uffef]")


def _columns(text: str) -> int:
    """How many terminal columns ``text`` takes."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class ChineseHelpFormatter(argparse.HelpFormatter):
    """Help with a Chinese usage prefix, its columns aligned for Chinese placeholders."""

    def add_usage(self, usage, actions, groups, prefix=None) -> None:  # type: ignore[no-untyped-def]
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)

    def _format_usage(self, usage, actions, groups, prefix) -> str:  # type: ignore[no-untyped-def]
        # argparse wraps the usage by len(): wrap it narrower until it fits the terminal's columns.
        width = self._width
        try:
            while True:
                text = super()._format_usage(usage, actions, groups, prefix)
                if max(map(_columns, text.splitlines())) <= width or self._width < 40:
                    return text
                self._width -= 2
        finally:
            self._width = width

    def _split_lines(self, text: str, width: int) -> list[str]:
        """Wrap help by the columns a terminal gives each character (two for Chinese), never
        inside a run of Latin letters, digits or punctuation such as ``site.toml``."""
        lines, line, used = [], "", 0
        for token in _TOKENS.findall(" ".join(text.split())):
            size = _columns(token)
            if used + size > width and line.strip():
                lines.append(line.rstrip())
                line, used = "", 0
                token = token.lstrip(" ")
                size = _columns(token)
            line, used = line + token, used + size
        return lines + ([line.rstrip()] if line.strip() else [])

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(indent + line for line in self._split_lines(text, width - len(indent)))

    def _format_action(self, action: argparse.Action) -> str:
        # argparse pads the option column by len(), but a Chinese character takes two columns
        # of a terminal: take the surplus back out of the padding, keeping two spaces.
        text = super()._format_action(action)
        invocation = self._format_action_invocation(action)
        surplus = _columns(invocation) - len(invocation)
        head, found, rest = text.partition(invocation)
        if not surplus or not found or rest.startswith("\n"):
            return text
        padding = len(rest) - len(rest.lstrip(" "))
        if padding - surplus >= 2:
            return head + invocation + rest[surplus:]
        column = len(head) + len(invocation) + padding  # too wide: the help starts on the next line
        return head + invocation + "\n" + " " * column + rest.lstrip(" ")


class ChineseArgumentParser(argparse.ArgumentParser):
    """An argument parser whose help and errors are Chinese; subparsers inherit it."""

    def __init__(self, *args, add_help: bool = True, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示此帮助并退出")

    def error(self, message: str) -> NoReturn:
        """Print the usage and the Chinese message, then exit 2 (argparse's contract)."""
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: 错误：{translate_error(message)}\n（用 {self.prog} -h 查看用法）\n")
