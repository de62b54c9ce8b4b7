"""The ``content/`` folder as messages see it: paths shown relative to the site, what is not
published and why (folders that cannot be read, linked folders, files that look meant for the
portal but are not report files), and why a file could not be read — in Chinese.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .diagnostics import Diagnostic, error, warning


def display_path(path: Path, root: Path) -> str:
    """The path as messages show it: relative to the site root when inside it.

    Symlinks are not followed here: a message names the file the user sees in ``content/``.
    """
    # String slicing, not Path.relative_to: a build names every content file this way.
    absolute, base = os.path.abspath(path), os.path.abspath(root)
    if absolute.startswith(base.rstrip(os.sep) + os.sep):
        return absolute[len(base.rstrip(os.sep)) + 1:].replace(os.sep, "/")
    if absolute == base:
        return "."
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, RuntimeError, OSError):  # outside the site, or a symlink loop
        return path.as_posix()


def content_notes(content_dir: Path, root: Path) -> list[Diagnostic]:
    """What ``content/`` holds besides the report files of :func:`govsite.load.content_files`, and
    why it is not published: folders that cannot be read (an error: a whole year would vanish from the portal
    without a word), linked folders (not entered), and files that look meant for the portal
    (``a.MD``, ``b.markdown``, ``.hidden.md``, ``c.md~``, ``_draft.md``, a ``.docx``; a warning each).
    Hidden and ``_`` folders are not entered."""
    found: list[Path] = []

    def walk(folder: str) -> None:
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):
            return  # no content/ (an empty site) or a file of that name: nothing is listed from it
        except OSError:
            found.append(Path(folder))
            return
        for e in entries:
            name = e.name
            if name.endswith(".md") and not name.startswith((".", "_")):
                continue  # a report file, the common case (once per report on every build)
            try:
                is_dir = e.is_dir(follow_symlinks=False)
                points_to_dir = not is_dir and e.is_symlink() and e.is_dir()
            except OSError:
                is_dir = points_to_dir = False
            if name.startswith((".", "_")) and (is_dir or points_to_dir):
                continue
            if is_dir:
                walk(e.path)
            elif points_to_dir or skip_reason(name):
                found.append(Path(e.path))

    walk(str(content_dir))
    notes = (entry_problem(p, display_path(p, root)) for p in sorted(found))
    return [d for d in notes if d is not None]


def unreadable_folders(content_dir: Path) -> list[tuple[Path, str]]:
    """``content/`` and its year folders that cannot be listed, with the reason: one ``opendir``
    each, no listing (it runs before every build). Deeper folders hold no published report."""
    found = []
    folders = [content_dir]
    try:
        with os.scandir(content_dir) as entries:
            folders += [Path(e.path) for e in entries
                        if not e.name.startswith((".", "_")) and e.is_dir(follow_symlinks=False)]
    except FileNotFoundError:
        return []
    except OSError:
        pass  # content/ itself: reported below
    for folder in folders:
        try:
            os.scandir(folder).close()
        except OSError as exc:
            found.append((folder, read_reason(exc)))
    return found


def report_name(name: str) -> bool:
    """True for the name of a file the portal publishes: ``<slug>.md``, not hidden, not ``_``."""
    return name.endswith(".md") and not name.startswith((".", "_"))


#: Suffixes of editors' backup and swap files.
_BACKUP_SUFFIXES = ("~", ".bak", ".orig", ".swp", ".tmp")
_MARKDOWN_SUFFIXES = (".markdown", ".mdown", ".mkd", ".mdwn", ".md.txt")


def skip_reason(name: str) -> str:
    """Why a file in ``content/`` that looks meant for the portal is not published ("" when it is
    published, or does not look like a report: ``.DS_Store``, a picture)."""
    lower = name.lower()
    if report_name(name):
        return ""
    if name.startswith("."):
        return "以 . 开头的文件是隐藏文件，不会发布：如要发布，请去掉文件名开头的 ." if lower.endswith(".md") else ""
    if lower.endswith(_BACKUP_SUFFIXES) or name.startswith("#"):
        return "看起来是编辑器的备份或临时文件，不会发布；确认不需要后可以删除"
    if name.startswith("_") and lower.endswith(".md"):
        return "以 _ 开头的文件不会发布：如要发布，请去掉文件名开头的 _"
    for suffix in (".md",) + _MARKDOWN_SUFFIXES:
        if lower.endswith(suffix):
            fixed = name[: -len(suffix)] + ".md"
            what = "扩展名应为小写的 .md" if suffix == ".md" else "报告文件的扩展名应为 .md"
            return f"{what}，不会发布：请改名为 {fixed}"
    if lower.endswith(_OTHER_DOCUMENTS):
        return "不是报告文件（报告应是 .md 文件），不会发布：原件请另行保存，或用 govsite import 导入"
    return ""


#: Documents people put next to the reports (the original, an export): not published, say so.
_OTHER_DOCUMENTS = (".txt", ".toml", ".docx", ".doc", ".wps", ".html", ".htm", ".pdf", ".xls", ".xlsx")


#: Why a file or folder could not be read, for the errno values met in practice.
_READ_REASONS = {
    errno.EACCES: "没有读取权限",
    errno.EPERM: "没有读取权限",
    errno.ENOENT: "文件不存在（可能刚被删除或改名）",
    errno.EIO: "磁盘读写错误，请检查磁盘",
    errno.ENAMETOOLONG: "路径过长",
    errno.ELOOP: "符号链接形成了循环",
}


def read_reason(exc: OSError) -> str:
    """The reason of a failed read, in Chinese."""
    return _READ_REASONS.get(exc.errno or 0) or exc.strerror or str(exc)


def loop_error(shown: str) -> Diagnostic:
    """The message for a symlink that leads back to itself."""
    return error(shown, 0, "file", "是循环的符号链接（最终指向它自己），无法读取：请删除这个链接，把报告文件本身放在这里")


def entry_problem(path: Path, shown: str) -> Diagnostic | None:
    """What keeps an entry of ``content/`` from being read as a report: a folder
    that cannot be listed, a linked folder, a file the portal does not publish; None otherwise."""
    try:
        st = os.lstat(path)
    except OSError:
        return None  # gone or unreachable: reading it says why
    if stat.S_ISDIR(st.st_mode):
        try:
            os.scandir(path).close()
        except OSError as exc:
            return error(shown, 0, "file", f"无法读取这个目录（{read_reason(exc)}），其中的报告都不会发布，"
                                           "已发布的也会从网站上消失：请检查目录的权限（例如 chmod 755）")
        return None
    if stat.S_ISLNK(st.st_mode) and os.path.isdir(path):
        return warning(shown, 0, "file", "是指向目录的符号链接，不会读取其中的报告：请把报告文件本身放在 content/<年度>/ 中")
    if not report_name(path.name):
        return warning(shown, 0, "file", skip_reason(path.name) or "不是报告文件（报告应是 .md 文件），不会发布")
    return None
