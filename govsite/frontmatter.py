"""Reading a report file: bytes → text → ``+++`` TOML front matter and Markdown body.

Every failure becomes a :class:`Diagnostic` naming the file and line, in Chinese, with a hint where
the cause is a common one (engineering notes: tomllib, Chinese input methods).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from typing import Any

from .diagnostics import Diagnostic, error

FENCE = "+++"
MAX_BYTES = 5 * 1024 * 1024  # a report is a few KB; beyond this it is not a report (issue 8)

# Characters a Chinese input method types where TOML wants ASCII (engineering notes).
_FULLWIDTH_HINTS = {
    "“": "中文引号 “ ”，请改为英文引号 \"",
    "”": "中文引号 “ ”，请改为英文引号 \"",
    "‘": "中文引号 ‘ ’，请改为英文引号 '",
    "’": "中文引号 ‘ ’，请改为英文引号 '",
    "＝": "全角等号 ＝，请改为 =",
    "：": "全角冒号 ：，TOML 用 = 赋值",
    "，": "全角逗号 ，，请改为英文逗号 ,",
    "［": "全角方括号 ［ ］，请改为 [ ]",
    "］": "全角方括号 ［ ］，请改为 [ ]",
    "　": "全角空格，请改为普通空格",
}
_FULLWIDTH_DIGITS = {chr(0xFF10 + i) for i in range(10)}
_TOML_POS = re.compile(r"\(at line (\d+), column (\d+)\)")
_TOML_EOF = re.compile(r"\(at end of document\)")


@dataclass
class SplitFile:
    """A report file split into its parts; lines are 1-based lines of the file."""

    front: str
    front_line: int  # file line of the first front-matter line
    body: str
    body_line: int  # file line of the first body line


def decode(path: str, data: bytes) -> tuple[str | None, list[Diagnostic]]:
    """Decode a report file: UTF-8 (a BOM is tolerated), CRLF accepted; GBK is detected, not guessed."""
    if len(data) > MAX_BYTES:
        return None, [error(path, 0, "size", f"文件过大（{len(data) // 1024 // 1024} MB），单篇报告不应超过 {MAX_BYTES // 1024 // 1024} MB")]
    if b"\x00" in data[:4096]:
        return None, [error(path, 0, "encoding", "这不是文本文件（含二进制内容），请提供 UTF-8 编码的 Markdown 文件")]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        try:
            data.decode("gb18030")
            hint = "看起来是 GBK/GB18030 编码，请用编辑器另存为 UTF-8"
        except UnicodeDecodeError:
            hint = "请另存为 UTF-8 编码"
        return None, [error(path, line, "encoding", f"文件不是 UTF-8 编码：{hint}")]
    return text.replace("\r\n", "\n").replace("\r", "\n"), []


def split(path: str, text: str) -> tuple[SplitFile | None, list[Diagnostic]]:
    """Split ``+++``-fenced TOML front matter from the Markdown body."""
    if not text.strip():
        return None, [error(path, 1, "front-matter", "文件为空：报告应以 +++ 开头的 TOML 元数据开始（可用 govsite new 生成模板）")]
    lines = text.split("\n")
    first = next(i for i, ln in enumerate(lines) if ln.strip())
    head = lines[first].strip()
    if head == "---":
        return None, [error(path, first + 1, "front-matter", "检测到 YAML 元数据（---）：govsite 使用 TOML，请把首尾的 --- 改为 +++，并把 key: value 改写为 key = value")]
    if head != FENCE:
        return None, [error(path, first + 1, "front-matter", "缺少 TOML 元数据：文件第一行应为 +++")]
    for j in range(first + 1, len(lines)):
        if lines[j].strip() == FENCE:
            front = "\n".join(lines[first + 1 : j])
            body = "\n".join(lines[j + 1 :])
            return SplitFile(front, first + 2, body, j + 2), []
    return None, [error(path, first + 1, "front-matter", "TOML 元数据没有结束：缺少第二个 +++ 行")]


def parse_toml(path: str, sf: SplitFile) -> tuple[dict[str, Any] | None, list[Diagnostic]]:
    """Parse the front matter with tomllib; a syntax error names the file line and, where it can, the cause."""
    try:
        return tomllib.loads(sf.front), []
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _TOML_POS.search(msg)
        front_lines = sf.front.split("\n")
        if m:
            line, col = int(m.group(1)), int(m.group(2))
        else:
            line, col = len(front_lines), 0
        reason = _TOML_POS.sub("", _TOML_EOF.sub("", msg)).strip()
        text_line = front_lines[line - 1] if 0 < line <= len(front_lines) else ""
        hint = _hint(text_line, col)
        message = f"TOML 语法错误：{reason}"
        if hint:
            message += f"。可能原因：{hint}"
        return None, [error(path, sf.front_line + line - 1, "toml", message, col)]


def _hint(line: str, col: int) -> str:
    """Explain a syntax error caused by a full-width character, looking at the error position first."""
    order = [col - 1] if 0 < col <= len(line) else []
    order += range(len(line))
    for i in order:
        ch = line[i]
        if ch in _FULLWIDTH_HINTS:
            return f"第 {i + 1} 列是{_FULLWIDTH_HINTS[ch]}"
        if ch in _FULLWIDTH_DIGITS:
            return f"第 {i + 1} 列是全角数字 {ch}，请改为半角数字"
    return ""
