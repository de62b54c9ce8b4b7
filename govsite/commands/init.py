"""``govsite init [DIR]``: start a new site — a commented ``site.toml``, an empty ``content/`` and a
``.gitignore`` for what govsite generates — then say what to do next."""

from __future__ import annotations

import argparse
from pathlib import Path

import shtab

from ..config import CONFIG_NAME
from ..diagnostics import GovsiteError
from ..scaffold import site_toml_text

#: What a site's version control should leave out: the output and the build cache.
IGNORED = ("public/", ".govsite-cache/")

#: Entries that do not make a folder "not empty": a fresh ``git init`` leaves one.
HARMLESS = {".git"}


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``init`` subcommand."""
    p = sub.add_parser("init", help="新建一个站点",
                       description="在目录（默认当前目录）中新建站点：带注释的 site.toml、空的 content/ 目录和 .gitignore。"
                                   "目录不为空时需加 --force；已有的 site.toml 不会被覆盖。")
    arg = p.add_argument("dir", nargs="?", default=".", metavar="目录", help="站点目录（不存在时新建；默认当前目录）")
    arg.complete = shtab.DIRECTORY  # type: ignore[attr-defined]  # shell completion
    p.add_argument("--title", metavar="标题", default="政府信息公开工作年度报告", help="网站标题（以后可在 site.toml 中修改）")
    p.add_argument("--force", action="store_true", help="目录不为空时也新建（不覆盖已有的文件）")
    p.set_defaults(run=run, needs_site=False)


def run(args: argparse.Namespace) -> int:
    """Write the new site's files and print the next steps."""
    folder = Path(args.dir)
    if folder.exists() and not folder.is_dir():
        raise GovsiteError(f"{args.dir} 已存在，但不是目录")
    config = folder / CONFIG_NAME
    if config.exists():
        raise GovsiteError(f"{config} 已存在：这里已经是一个站点（已有的设置不会被覆盖）")
    others = sorted(p.name for p in folder.iterdir() if p.name not in HARMLESS) if folder.is_dir() else []
    if others and not args.force:
        shown = "、".join(others[:5]) + (f" 等 {len(others)} 项" if len(others) > 5 else "")
        raise GovsiteError(f"目录 {folder.absolute()} 不是空的（有 {shown}）：请换一个空目录，或加 --force 在此新建（不覆盖已有的文件）")
    title = args.title.strip()
    if not title:
        raise GovsiteError("--title 不能为空")
    (folder / "content").mkdir(parents=True, exist_ok=True)
    config.write_text(site_toml_text(title), encoding="utf-8")
    _ignore(folder / ".gitignore")
    print(next_steps(args.dir))
    return 0


def _ignore(path: Path) -> None:
    """Add the generated folders to ``.gitignore``, keeping what it already says."""
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    present = {line.strip().strip("/") for line in text.splitlines()}
    missing = [entry for entry in IGNORED if entry.strip("/") not in present]
    if missing:
        sep = "" if not text or text.endswith("\n") else "\n"
        path.write_text(text + sep + "# govsite 生成的网站和构建缓存\n" + "".join(f"{e}\n" for e in missing), encoding="utf-8")


def next_steps(folder: str) -> str:
    """The message after ``init``: what was made and the commands of the first hour."""
    here = folder in (".", "")
    head = "已在当前目录新建站点：" if here else f"已新建站点 {folder}："
    go = "" if here else f"  cd {folder}\n"
    return (f"{head}\n"
            "  site.toml    网站设置（标题、网址、机关名录），每项都有注释\n"
            "  content/     报告目录：每份报告是 content/<年度>/<文件名>.md\n"
            "  .gitignore   不纳入版本管理的 public/ 和 .govsite-cache/\n"
            "\n下一步：\n"
            f"{go}"
            "  1. 编辑 site.toml：填写网站标题和网址，在 [[agencies]] 中登记各机关\n"
            "  2. govsite new 2024 某某县商务局   新建一份年度报告，再填写表格数字和正文\n"
            "  3. govsite check                  校验全部报告\n"
            "  4. govsite serve                  在浏览器中预览\n"
            "  5. govsite build                  生成网站到 public/，把 public/ 上传到网站服务器")
