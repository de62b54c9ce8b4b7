"""Reading an input file and deciding what it is, from its content rather than its extension.

Refusals are :class:`UnreadableInput` with a Chinese message saying what to do (issue 5 "Garbage
in"): nothing is written for such a file.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..diagnostics import GovsiteError

MAX_BYTES = 50 * 1024 * 1024  # a published report is well under 1 MB; 50 MB is not a report (issue 5)

_HTML_TAG = re.compile(rb"<\s*(html|body|table|div|p|tr|td|head|meta|span|br)\b", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)


class UnreadableInput(GovsiteError):
    """The file is not an annual report the importer can read; the message says why, in Chinese."""


def read_input(path: Path) -> bytes:
    """The file's bytes, refusing missing, oversized and empty files."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnreadableInput(f"{path}：无法读取（{exc.strerror}）") from None
    if not path.is_file():
        raise UnreadableInput(f"{path}：不是文件")
    if size > MAX_BYTES:
        raise UnreadableInput(f"{path}：文件过大（{size / 1024 / 1024:.0f} MB），超过 {MAX_BYTES // 1024 // 1024} MB 的上限，不像是一篇年度报告")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableInput(f"{path}：无法读取（{exc.strerror}）") from None
    if not data.strip():
        raise UnreadableInput(f"{path}：文件为空")
    return data


def detect_kind(path: Path, data: bytes) -> str:
    """``"pdf"``, ``"docx"``, ``"html"`` or ``"text"``; refuses old .doc, other archives and binary data."""
    head = data[:8]
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableInput(f"{path}：这是旧版 Word（.doc）或其他 OLE 文件，请在 Word/WPS 中另存为 .docx 后再导入")
    if head.startswith(b"PK\x03\x04"):
        if b"word/document.xml" in data[:200_000] or b"word/" in data[:200_000]:
            return "docx"
        raise UnreadableInput(f"{path}：这是 ZIP 压缩包（不是 .docx 文档），请解压后导入其中的报告文件")
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        raise UnreadableInput(f"{path}：这是图片文件，无法识别其中的表格数字，请导入文字版报告")
    sample = data[:4096]
    if b"\x00" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableInput(f"{path}：这是二进制文件，不是文本、HTML 或 .docx 报告")
    if _HTML_TAG.search(data[:200_000]):
        return "html"
    return "text"


def decode_text(path: Path, data: bytes, notes: list[str], html: bool = False) -> str:
    """Decode text: UTF-8 (BOM tolerated), UTF-16 with BOM, the HTML's declared charset, then GB18030.

    Government pages are often GBK; unlike report files (which must be UTF-8, issue 8), an import
    source may be decoded as GB18030, and the decision is noted.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16").replace("\r\n", "\n").replace("\r", "\n")
    candidates = ["utf-8"]
    if html:
        m = _META_CHARSET.search(data[:4096])
        if m:
            declared = m.group(1).decode("ascii", "replace").lower()
            if declared in ("gb2312", "gbk", "gb18030"):
                declared = "gb18030"  # GB2312 pages routinely contain GBK characters
            candidates.insert(0, declared)
    candidates.append("gb18030")
    for enc in dict.fromkeys(candidates):
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        if enc not in ("utf-8", "utf8"):
            notes.append(f"按 {enc.upper()} 编码读取")
        return text.replace("\r\n", "\n").replace("\r", "\n")
    raise UnreadableInput(f"{path}：无法识别文本编码（既不是 UTF-8 也不是 GBK/GB18030）")
