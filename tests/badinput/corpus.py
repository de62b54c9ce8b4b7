"""The bad-input corpus: one file per case, holding the input files and the exact expected output.

A case file (``tests/badinput/NN-name.txt``, UTF-8) looks like this — the expected lines are what
``govsite check`` prints, so each message can be read next to the line it points at::

    # 空文件                                   ← title (the table's first column)
    outcome: 报错                              ← 报错 / 警告 / 接受 / 拒绝 / 转义 …
    does: 指出文件为空，提示用 govsite new 生成模板   ← what govsite does (the table's last column)
    exit: 1                                    ← exit code of govsite check
    === file content/2024/huaian.md            ← an input file (quoted if it has spaces); options:
    …content…                                  bom, gbk, gb18030, utf16, crlf, cr (encoding/line ends),
    === expect                                 symlink-outside (the file lives outside the site and
    content/2024/huaian.md:1: 错误 …            content/ holds a link to it), symlink=TARGET (the
                                               entry is a symlink to TARGET, the content ignored),
                                               fifo (the entry is a named pipe),
                                               pad=N (append N bytes of prose to the body), bytes
                                               (the text is Python escapes of raw bytes: ``\x89PNG…``)

A case without files (``test: tests/test_safety.py::test_x``) names the test that covers it; the
docs table lists both kinds. ``python3 tests/badinput/corpus.py`` rewrites ``docs/bad-input.md``;
``tests/test_hostile_corpus.py`` fails when the file and the corpus disagree.
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DOC = REPO / "docs" / "bad-input.md"

#: Body filler for ``pad=N``: prose, so the size rule (not the Markdown parser) is what is tested.
_FILLER = "本年度未收取信息处理费。" * 8 + "\n\n"


@dataclass
class InputFile:
    """One file a case puts into its site."""

    path: str
    text: str
    options: dict[str, str] = field(default_factory=dict)

    def data(self) -> bytes:
        """The file's bytes after the case's encoding and line-end options."""
        text = self.text
        if "bytes" in self.options:
            # The text is Python escapes of raw bytes (\x89PNG…): binary input in a readable case file.
            return text.encode("ascii").decode("unicode_escape").encode("latin-1")
        if "pad" in self.options:
            n = int(self.options["pad"])
            filler = _FILLER.encode("utf-8")
            text += (filler * (n // len(filler) + 1)).decode("utf-8")
        if "crlf" in self.options:
            text = text.replace("\n", "\r\n")
        if "cr" in self.options:
            text = text.replace("\n", "\r")
        for enc in ("gbk", "gb18030"):
            if enc in self.options:
                return text.encode(enc)
        if "utf16" in self.options:
            return text.encode("utf-16")  # with its BOM, as Windows Notepad writes "Unicode"
        data = text.encode("utf-8")
        return b"\xef\xbb\xbf" + data if "bom" in self.options else data


@dataclass
class Case:
    """One bad input and what govsite must answer."""

    name: str  # file stem: "01-empty"
    title: str
    outcome: str
    does: str
    exit: int | None = None
    files: list[InputFile] = field(default_factory=list)
    expect: list[str] = field(default_factory=list)
    test: str = ""  # for cases covered by a test function instead of files

    def outside_dir(self, site: Path) -> Path:
        """Where ``symlink-outside`` files really live; ``{outside}`` in expected lines stands for it."""
        return site.parent / f"outside-{self.name}"

    def expected(self, site: Path) -> list[str]:
        """The expected output lines for the case materialised in ``site``."""
        return [line.replace("{outside}", str(self.outside_dir(site))) for line in self.expect]

    def materialise(self, site: Path) -> None:
        """Write the case's files into ``site`` (which already holds ``site.toml``)."""
        for f in self.files:
            dest = site / f.path
            dest.parent.mkdir(parents=True, exist_ok=True)
            if "fifo" in f.options:
                os.mkfifo(dest)  # a named pipe: opening it for reading would wait for a writer forever
            elif "symlink" in f.options:
                os.symlink(f.options["symlink"], dest)  # a link as written (a loop, a dangling link)
            elif "symlink-outside" in f.options:
                outside = self.outside_dir(site) / Path(f.path).name
                outside.parent.mkdir(parents=True, exist_ok=True)
                outside.write_bytes(f.data())
                os.symlink(outside, dest)
            else:
                dest.write_bytes(f.data())


def parse(path: Path) -> Case:
    """Read one case file."""
    lines = path.read_text(encoding="utf-8").split("\n")
    if not lines[0].startswith("# "):
        raise ValueError(f"{path}: the first line must be '# title'")
    case = Case(path.stem, lines[0][2:].strip(), "", "")
    i = 1
    while i < len(lines) and not lines[i].startswith("==="):
        key, sep, value = lines[i].partition(":")
        if sep:
            key, value = key.strip(), value.strip()
            if key == "exit":
                case.exit = int(value)
            elif key in ("outcome", "does", "test"):
                setattr(case, key, value)
            else:
                raise ValueError(f"{path}:{i + 1}: unknown header {key!r}")
        i += 1
    current: list[str] | None = None
    while i < len(lines):
        line = lines[i]
        if line.startswith("=== file "):
            words = shlex.split(line[len("=== file "):])  # a path with spaces is quoted
            opts = dict((w.split("=", 1) + [""])[:2] for w in words[1:])
            f = InputFile(words[0], "", opts)
            case.files.append(f)
            current = []
            f.text = current  # type: ignore[assignment]  # joined below
        elif line == "=== expect":
            current = case.expect
        elif current is not None:
            current.append(line)
        i += 1
    for f in case.files:
        f.text = "\n".join(f.text)  # type: ignore[arg-type]
    while case.expect and case.expect[-1] == "":
        case.expect.pop()
    if not case.outcome or not case.does:
        raise ValueError(f"{path}: 'outcome' and 'does' are required")
    if not case.files and not case.test:
        raise ValueError(f"{path}: a case needs input files or a 'test:' line")
    return case


def cases() -> list[Case]:
    """Every case of the corpus, in file-name order."""
    return [parse(p) for p in sorted(HERE.glob("*.txt"))]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_doc(all_cases: list[Case] | None = None) -> str:
    """``docs/bad-input.md``: the table of bad inputs tried and what govsite does with each."""
    rows = []
    for c in all_cases if all_cases is not None else cases():
        where = f"`tests/badinput/{c.name}.txt`" if c.files else f"`{c.test}`"
        rows.append(f"| {_cell(c.title)} | {_cell(c.outcome)} | {_cell(c.does)} | {where} |")
    head = [
        "# 错误与恶意输入：govsite 怎样处理",
        "",
        "<!-- 本文件由 tests/badinput/corpus.py 生成（python3 tests/badinput/corpus.py），",
        "     tests/test_hostile_corpus.py 检查它与用例库一致；请改用例，不要直接改本文件。 -->",
        "",
        "报告由各机关工作人员手写、由脚本生成、或从别人的网页导入。无论收到什么，govsite 都给出能照着改的中文提示",
        "（文件、行号、官方表格标签、怎么改），不执行任何输入中的代码，也不丢失任何文件。",
        "下表每一行都是一个自动测试：有输入文件的用例在 `tests/badinput/` 中，连同 `govsite check` 应当输出的每一行；",
        "其余用例由所列的测试函数覆盖。",
        "",
        "| 输入 | 结果 | govsite 的处理 | 用例 |",
        "|---|---|---|---|",
    ]
    tail = [
        "",
        "## 约定",
        "",
        "- **退出码**：`govsite check` 无错误为 0，有内容错误为 1，用法或配置错误为 2；`govsite build` 因内容错误未生成时为 1，",
        "  磁盘写满、无权限等系统错误为 2（一行中文提示，写明文件），Ctrl-C 中断为 130。任何情况下都不打印 Python 调用栈。",
        "- **原文链接 `source_url`**：报告页唯一允许指向其他网站的链接，是机关原文的普通链接 `<a rel=\"nofollow noopener\">`，",
        "  只接受含域名的 `http://`、`https://` 网址，其他一律拒绝（如 `javascript:`）。",
        "  正文 Markdown 里指向其他网站的链接保留为普通链接，并加 `rel=\"nofollow noopener noreferrer\"`；",
        "  外站图片不嵌入页面（那会让读者的浏览器向其他网站发请求），改为指向该图片的链接“[图片：说明]”。",
        "  页面中所有 `src`（脚本、样式、图片）都指向本站。",
        "- **输出目录**：构建先写入输出目录旁的临时目录，完整后才替换；失败、模板出错、磁盘写满或 Ctrl-C 时旧的 `public/`",
        "  原样保留，临时目录被删除。被强行杀死（kill -9、断电）留下的临时目录，下次构建时清理；若恰好死在两次改名之间，",
        "  下次构建会先把旧网站放回原处。",
        "- **不是 govsite 生成的文件**：每次构建在输出目录写入清单 `.govsite-manifest`。输出目录里有清单之外的文件",
        "  （例如网站验证文件）时拒绝替换并列出这些文件；需要随网站发布的文件请放进站点的 `static/` 目录（原样复制到输出目录），",
        "  确认可以删除时用 `--clean`。",
    ]
    return "\n".join(head + rows + tail) + "\n"


if __name__ == "__main__":
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(render_doc(), encoding="utf-8")
    print(f"wrote {DOC.relative_to(REPO)} ({len(cases())} cases)", file=sys.stderr)
