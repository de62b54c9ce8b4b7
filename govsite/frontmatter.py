"""Reading a report file: bytes → text → ``+++`` TOML front matter and Markdown body.

Every failure becomes a :class:`Diagnostic` naming the file and line, in Chinese, with a hint where
the cause is a common one (engineering notes: tomllib, Chinese input methods).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib

try:  # the compiled tomli wheel parses the same TOML with the same messages, twice as fast
    import tomli as _toml  # engineering notes: "Performance facts"
except ImportError:  # pragma: no cover - tomli is optional
    _toml = tomllib  # type: ignore[no-redef]
_DECODE_ERRORS = (tomllib.TOMLDecodeError, _toml.TOMLDecodeError)
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
        return None, [too_big(path, len(data))]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [error(path, 1, "encoding", "文件是 UTF-16 编码（记事本的“Unicode”）：请用编辑器另存为 UTF-8 编码后再试")]
    nul = data.find(b"\x00")  # anywhere: a NUL late in a file is as binary as one at the start
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1 if nul >= 4096 else 1  # a binary file: its first line
        return None, [error(path, line, "encoding", "这不是文本文件（含二进制内容）：报告应是 UTF-8 编码的 Markdown 文本文件，请检查是否放错了文件")]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        try:
            data.decode("gb18030")
            hint = "看起来是 GBK/GB18030 编码（Windows 记事本、WPS 的常见保存方式），请用编辑器“另存为”UTF-8 编码后再试"
        except UnicodeDecodeError:
            hint = "无法识别其编码，请用编辑器“另存为”UTF-8 编码后再试"
        return None, [error(path, line, "encoding", f"文件不是 UTF-8 编码：{hint}")]
    return text.replace("\r\n", "\n").replace("\r", "\n"), []


def too_big(path: str, size: int) -> Diagnostic:
    """The message for a file beyond :data:`MAX_BYTES` (checked before reading it, too)."""
    return error(path, 0, "size",
                 f"文件过大（{size / 1024 / 1024:.1f} MB，上限 {MAX_BYTES // 1024 // 1024} MB）：一份年度报告通常只有几十 KB，"
                 "请检查是否把图片、表格截图或附件的内容粘贴进了正文；图片请放入 static/ 目录，正文中用链接引用")


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
        return None, [error(path, first + 1, "front-matter", "缺少 TOML 元数据：文件应以一行 +++ 开始，接着写元数据（agency = \"…\" 等），再以一行 +++ 结束（可用 govsite new 生成模板）")]
    for j in range(first + 1, len(lines)):
        if lines[j].strip() == FENCE:
            front = "\n".join(lines[first + 1 : j])
            body = "\n".join(lines[j + 1 :])
            return SplitFile(front, first + 2, body, j + 2), []
    return None, [error(path, first + 1, "front-matter", "TOML 元数据没有结束：缺少第二个 +++ 行，请在元数据之后、正文之前加一行 +++")]


def parse_toml(path: str, sf: SplitFile) -> tuple[dict[str, Any] | None, list[Diagnostic]]:
    """Parse the front matter with tomllib; a syntax error names the file line and, where it can, the cause."""
    doc = fast_toml(sf.front)
    if doc is not None:
        return doc, []
    try:
        return _toml.loads(sf.front), []
    except _DECODE_ERRORS as exc:
        from .toml_errors import later_errors  # the file's other syntax errors, where it can resume

        first = toml_error(path, sf, str(exc))
        return None, [first, *later_errors(path, sf, first)]
    except RecursionError:
        # tomllib recurses on nested arrays; ``a = [[[[…`` thousands deep is not a report.
        deep = next((i for i, text in enumerate(sf.front.split("\n")) if _DEEP.search(text)), 0)
        return None, [error(path, sf.front_line + deep, "toml", "TOML 语法错误：数组或内联表嵌套过深，请检查方括号 [ ] 与花括号 { } 是否成对")]
    except ValueError:
        # int() refuses decimal literals beyond sys.get_int_max_str_digits() (4300 digits).
        return None, [huge_number(path, sf)]


_LONG_DIGITS = re.compile(r"[0-9][0-9_]{100,}")
_DEEP = re.compile(r"[\[{][\s\[{]{50,}")


def huge_number(path: str, sf: SplitFile) -> Diagnostic:
    """The message for an integer literal too long to convert, at the line that holds it."""
    for i, text in enumerate(sf.front.split("\n")):
        m = _LONG_DIGITS.search(text)
        if m:
            digits = len(m.group().replace("_", ""))
            return error(path, sf.front_line + i, "toml", f"数值有 {digits} 位，不是合理的数字：件数和金额不会有这么多位，请核对原文", m.start() + 1)
    return error(path, sf.front_line, "toml", "数值的位数过多，不是合理的数字：请核对原文")


# --- a fast path for the front matter as govsite writes it --------------------------------------
#
# A report's front matter is ~50 lines, most of them a bare key and an array of small integers; the
# TOML parser spends most of its time on those arrays (issue 7: ~0.3 ms per report even with the
# compiled tomli). The fast path below reads only a strict subset of TOML, line by line: blank lines,
# full-line comments, ``[table]`` headers and ``key = value`` where the value is a decimal integer,
# a plain basic string, a date, or a one-line array of such integers and strings. Anything else —
# and anything the parser would reject (a duplicate key or table, an invalid date) — returns None,
# and the document is parsed by tomli as before, so errors and their messages are unchanged.

_BARE_KEY = r"[A-Za-z0-9_-]+"
_INT = r"-?(?:0|[1-9][0-9]{0,17})"  # no "+", "_", leading zeros or huge values: those go to tomli
_STR = r'"[^"\\\x00-\x08\x0a-\x1f\x7f]*"'  # a basic string without escapes or control characters
_FAST_TABLE = re.compile(rf"\[({_BARE_KEY})\]")
_FAST_PAIR = re.compile(rf"({_BARE_KEY})[ \t]*=[ \t]*(.*)")
_FAST_INT = re.compile(_INT)
_FAST_STR = re.compile(_STR)
_FAST_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_FAST_INTS = re.compile(rf"\[[ \t]*{_INT}(?:[ \t]*,[ \t]*{_INT})*[ \t]*\]")
_FAST_ITEMS = re.compile(rf"\[[ \t]*(?:(?:{_INT}|{_STR})(?:[ \t]*,[ \t]*(?:{_INT}|{_STR}))*[ \t]*)?\]")
_FAST_SKIP = re.compile(r"[ \t]*(?:#[^\x00-\x08\x0a-\x1f\x7f]*)?")
_ITEM = re.compile(r'(-?[0-9]+)|"([^"]*)"')


def fast_toml(front: str) -> dict[str, Any] | None:
    """The front matter parsed as tomli would, when it is in the simple subset above; else None."""
    doc: dict[str, Any] = {}
    table = doc
    for line in front.split("\n"):
        m = _FAST_PAIR.fullmatch(line)
        if m is None:
            m = _FAST_TABLE.fullmatch(line)
            if m is not None:
                name = m.group(1)
                if name in doc:
                    return None  # declared twice, or a value of that name: tomli says which
                table = doc[name] = {}
                continue
            if _FAST_SKIP.fullmatch(line):
                continue
            return None
        key, text = m.groups()
        if key in table:
            return None
        first = text[:1]
        if first == "[":
            if _FAST_INTS.fullmatch(text):
                table[key] = [int(v) for v in text[1:-1].split(",")]
            elif _FAST_ITEMS.fullmatch(text):  # strings, or integers and strings (2019 采购 = [6, "2.06"])
                table[key] = [int(n) if n else t for n, t in _ITEM.findall(text)]
            else:
                return None
        elif first == '"':
            if not _FAST_STR.fullmatch(text):
                return None
            table[key] = text[1:-1]
        elif _FAST_INT.fullmatch(text):
            table[key] = int(text)
        else:
            d = _FAST_DATE.fullmatch(text)
            if d is None:
                return None
            try:
                table[key] = dt.date(int(d.group(1)), int(d.group(2)), int(d.group(3)))
            except ValueError:
                return None
    return doc


def toml_error(path: str, sf: SplitFile, msg: str) -> Diagnostic:
    """A tomllib error message → a Chinese diagnostic at the file line, with a hint for the likely cause.

    tomllib only puts the position into the message text (engineering notes), as ``(at line L,
    column C)`` or ``(at end of document)``; the end of the document is reported at its last line.
    """
    front_lines = sf.front.split("\n")
    m = _TOML_POS.search(msg)
    if m:
        line, col = int(m.group(1)), int(m.group(2))
    else:
        line = len(front_lines)
        while line > 1 and not front_lines[line - 1].strip():
            line -= 1  # the error is on the last line with text, not on trailing blank lines
        col = 0
    reason = _TOML_POS.sub("", _TOML_EOF.sub("", msg)).strip()
    what = _translate(reason)
    if reason.startswith("Cannot overwrite a value"):
        dup = _duplicate_key(front_lines)
        if dup:
            key, first, second = dup
            line, col = second, 0
            what = f"键 {key} 重复赋值（第 {sf.front_line + first - 1} 行已经写过），请删去其中一行"
    if reason == "Unclosed array" or (reason == "Invalid value" and col == 1):
        opened = _unclosed_array(front_lines, line)
        if opened:
            line, col = opened, 0
            what = "数组缺少右方括号 ]，一行数值应写成 [1, 2, 3]"
    text_line = front_lines[line - 1] if 0 < line <= len(front_lines) else ""
    hint = _hint(text_line, col)
    message = f"TOML 语法错误：{what}"
    if hint:
        message += f"。可能原因：{hint}"
    return error(path, sf.front_line + line - 1, "toml", message, col)


#: tomllib's messages (Python 3.11–3.13) in Chinese, each saying what to do. Unknown ones pass through.
_TOML_REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), zh) for p, zh in (
    (r"^Invalid value$", "值的写法不对：文字要用英文双引号括起来（如 \"卫辉市\"），数字用半角数字，数组写成 [1, 2, 3]"),
    (r"^Expected '=' after a key in a key/value pair$", "键后面应是等号 =（每行写成 键 = 值）"),
    (r"^Invalid statement$", "无法识别这一行：每行应是 键 = 值、[表名] 或以 # 开头的注释"),
    (r"^Invalid initial character for a key part$", "键名写法不对：键名只能用英文字母、数字、下划线和连字符"),
    (r"^Expected newline or end of document after a statement$",
     "值后面有多余的内容：一行只写一个 键 = 值；数字不能以 0 开头，日期须写成 2023-01-20 这样的有效日期"),
    (r"^Unclosed array$", "数组没有正确结束：数值之间用英文逗号 , 分隔，最后以 ] 结束"),
    (r"^Unclosed inline table$", "内联表缺少右花括号 }"),
    (r"^Unterminated string$", "字符串缺少结束的引号"),
    (r"^Expected '\"'$|^Expected \"'\"$", "字符串缺少结束的引号"),
    (r"^Expected ']' at the end of a table declaration$", "表名缺少右方括号 ]，应写成 [applications] 这样"),
    (r"^Expected ']]' at the end of an array declaration$", "数组表名缺少 ]]"),
    (r"^Unescaped '\\' in a string$", "字符串中的反斜杠 \\ 要写成 \\\\，或改用单引号 '…'"),
    (r"^Illegal character '\\n'$", "字符串缺少结束的引号（引号要成对，并在同一行内）"),
    (r"^Illegal character", "字符串中有不允许的控制字符（常见于从网页或 Word 复制的文字），请删除后重新输入"),
    (r"^Invalid date or datetime$", "日期无效，应写成 2023-01-20 这样的有效日期"),
    (r"^Cannot overwrite a value$", "同一个键赋值了两次，请删去其中一处"),
    (r"^Duplicate inline table key", "内联表中有重复的键"),
    (r"^Cannot (mutate immutable|redefine) namespace", "与前面已定义的键或表冲突，请检查是否重复定义"),
    (r"^(Invalid hex value|Escaped character is not a Unicode scalar value)$", "字符串中的转义序列 \\u… 无效"),
    (r"^Found invalid character", "有不允许出现在这里的字符"),
    (r"^Expected ", "缺少应有的符号"),
))


def _translate(reason: str) -> str:
    if reason.startswith("Cannot declare ("):
        name = ".".join(re.findall(r"'([^']*)'", reason))
        return f"表 [{name}] 声明了两次，请把两处的内容合并到一个 [{name}] 下"
    for pattern, zh in _TOML_REASONS:
        m = pattern.search(reason)
        if m:
            return m.expand(zh)
    return f"无法解析（{reason}）"


def _unclosed_array(lines: list[str], line: int) -> int | None:
    """The line (1-based, at or above ``line``) that opens an array it never closes, if any."""
    for i in range(min(line, len(lines)), 0, -1):
        text = lines[i - 1].split("#", 1)[0]
        if i < line and _TABLE_HDR.match(text):
            return None
        if "=" in text and text.count("[") > text.count("]"):
            return i
    return None


def _duplicate_key(lines: list[str]) -> tuple[str, int, int] | None:
    """The first key assigned twice in the same table: (dotted key, first line, second line), 1-based."""
    seen: dict[str, int] = {}
    table = ""
    for i, text in enumerate(lines, 1):
        m = _TABLE_HDR.match(text)
        if m:
            table = m.group(1).strip()
            continue
        m = _KEY_ASSIGN.match(text)
        if m:
            key = f"{table}.{m.group(1)}" if table else m.group(1)
            if key in seen:
                return key, seen[key], i
            seen[key] = i
    return None


_TABLE_HDR = re.compile(r"^\s*\[\s*([A-Za-z0-9_\-.]+)\s*\]")
_KEY_ASSIGN = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")


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
        if "\uff01" <= ch <= "\uff5e":
            return f"第 {i + 1} 列是全角字符 {ch}，请改为半角的 {chr(ord(ch) - 0xFEE0)}"
    if 0 < col <= len(line) and _CJK_START.match(line[col - 1]):
        before = line[: col - 1].rstrip()
        if before[-1:].isdigit():
            return f"第 {col} 列的“{line[col - 1]}”跟在数字后面：数值只写数字，不要带单位或文字"
        key = _KEY_ASSIGN.match(line)
        example = f"{key.group(1)} = \"{line[col - 1:].strip()}\"" if key else "agency = \"卫辉市商务局\""
        return f"文字没有加引号，请用英文双引号括起来，例如 {example}"
    return ""


_CJK_START = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
