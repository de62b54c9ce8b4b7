"""Stage 4 — write: pages → the output folder, atomically, never losing a file govsite did not make.

A build makes a whole new site in a staging folder beside the output — files it rendered, and the
unchanged files of the previous output hard-linked — and then exchanges the two folders in one
atomic step (``renameat2(RENAME_EXCHANGE)`` where the system has it). At every moment the output
folder is the previous complete site or the new one, whatever kills the build; what a killed build
leaves beside it is removed by the next. The files a build wrote are listed in ``.govsite-manifest``
inside the output; a file in the output that is not in the manifest belongs to somebody else, and
the build refuses to replace the folder unless told ``--clean``. Files meant to be published as they
are go in ``static/``.

Every operating-system failure (a full disk, a read-only folder, no permission) becomes a
:class:`GovsiteError` naming the file, in Chinese, after the staging folder has been removed; the
CLI prints it without a traceback.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterable

from .diagnostics import GovsiteError

MANIFEST = ".govsite-manifest"  # the files a build wrote: see govsite.plan

#: What to tell a person for the errno values a build meets in practice.
_ERRNO_ZH = {
    errno.ENOSPC: "磁盘空间不足，请清理磁盘后重新构建",
    errno.EDQUOT: "磁盘配额已用完，请清理空间后重新构建",
    errno.EACCES: "没有写入权限，请检查目录权限或换一个输出目录（--output）",
    errno.EPERM: "操作不被允许，请检查目录权限或换一个输出目录（--output）",
    errno.EROFS: "文件系统是只读的，请换一个输出目录（--output）",
    errno.ENAMETOOLONG: "文件名过长，请缩短文件名",
    errno.EMFILE: "打开的文件过多，请稍后重试",
    errno.EIO: "磁盘读写错误，请检查磁盘",
}


def os_error_message(exc: OSError, action: str, name: str, unchanged: bool = True) -> str:
    """``写入 public/2022/x/index.html 失败：磁盘空间不足…`` for an OSError met while doing ``action``;
    ``unchanged`` adds that the output folder was left as it was (true of every build failure)."""
    what = _ERRNO_ZH.get(exc.errno or 0) or (exc.strerror or str(exc))
    # A file in a staging folder is named by where it was going: public/…, not .public.tmp-…/…
    name = _STAGED.sub(r"\g<1>\g<2>", name)
    return f"{action} {name} 失败：{what}" + ("。输出目录没有改动" if unchanged else "")


_STAGED = re.compile(r"(^|/)\.([^/]+)\.tmp-\d+-[^/]+(?=/|$)")


def check_output_dir(output: Path, root: Path) -> None:
    """Refuse an output folder that is the site root, holds the content, or is outside-looking dangerous."""
    out = output.resolve()
    site = root.resolve()
    if out == site or site.is_relative_to(out):
        raise GovsiteError(f"输出目录 {output} 是站点根目录或其上级目录，拒绝写入")
    if (output / "content").exists() or (output / "site.toml").exists():
        raise GovsiteError(f"输出目录 {output} 中有 content/ 或 site.toml，看起来是站点源文件，拒绝覆盖")
    if out == Path(out.anchor) or out == Path.home().resolve():
        raise GovsiteError(f"拒绝把 {output} 用作输出目录")
    if output.is_symlink():
        # Swapping would replace the link itself and leave its target stale: say which path to use.
        raise GovsiteError(f"输出目录 {output} 是符号链接（指向 {out}）：请用 --output {out} 直接指定实际目录")
    if output.exists() and not output.is_dir():
        raise GovsiteError(f"输出路径 {output} 是一个文件而不是目录，拒绝覆盖：请换一个输出目录（--output）")


def listed_files(output: Path) -> set[str]:
    """The files an output folder's manifest lists (empty when it has none or it cannot be read:
    an unreadable manifest proves nothing, so every file then counts as somebody else's)."""
    try:
        listed = json.loads((output / MANIFEST).read_text(encoding="utf-8")).get("files", {})
        return set(listed) if isinstance(listed, dict) else set()
    except (OSError, ValueError, AttributeError):
        return set()


def foreign_files(output: Path, listed: set[str] | None = None) -> list[str]:
    """Files in an existing output folder that no govsite build wrote (not in its manifest, or in
    ``listed`` when the caller has read it)."""
    if not output.is_dir():
        return []
    ours = set(listed_files(output) if listed is None else listed)
    ours.add(MANIFEST)
    found: list[str] = []

    def walk(folder: str, prefix: str) -> None:
        for e in os.scandir(folder):
            rel = prefix + e.name
            if e.is_dir(follow_symlinks=False):
                walk(e.path, rel + "/")
            elif rel not in ours:
                found.append(rel)  # a file, or a symlink (to a file or a folder)

    walk(str(output), "")
    return sorted(found)


def refuse_foreign(output: Path, clean: bool, staged: Path | None = None) -> list[str]:
    """Raise unless ``output`` holds only files of earlier builds (or ``clean`` allows replacing them).

    A foreign file that the new build publishes again byte for byte (it was moved into ``static/``,
    as the message advises) is not lost, so it does not count.
    """
    foreign = [f for f in foreign_files(output) if not (staged and _same_file(output / f, staged / f))]
    if foreign and not clean:
        listed = "、".join(foreign[:5]) + ("等" if len(foreign) > 5 else "")
        raise GovsiteError(
            f"输出目录 {output} 中有 {len(foreign)} 个不是 govsite 生成的文件（{listed}）。"
            "为免丢失，本次构建没有替换它。需要随网站发布的文件请放入 static/ 目录；"
            "确认可以删除时，使用 --clean 重新构建")
    return foreign


def safe_relpath(rel: str) -> str:
    """``rel`` as a normalised POSIX path that stays inside the output folder, or GovsiteError."""
    # Checked on the string (issue 7: once per file of the site): a path whose parts are all
    # non-empty and neither "." nor ".." is already normal, and cannot leave the folder.
    if not rel or "\x00" in rel or "\\" in rel or any(part in _UNSAFE_PARTS for part in rel.split("/")):
        raise GovsiteError(f"拒绝写入输出目录之外或不合规的路径：{rel!r}")
    return rel


_UNSAFE_PARTS = frozenset(("", ".", ".."))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return b.is_file() and not a.is_symlink() and a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, but not ours
    return True


_STALE = re.compile(r"^\.(?P<name>.+)\.(?P<kind>tmp|old)-(?P<pid>\d+)-")


def recover(output: Path) -> None:
    """Tidy what a killed build left beside ``output``: staging folders of builds no longer running
    are removed, and a previous site left aside by a build killed between two renames (on systems
    without an atomic exchange) is put back. Folders of a live build are left alone."""
    parent = output.parent
    if not parent.is_dir():
        return
    for entry in sorted(parent.iterdir()):
        m = _STALE.match(entry.name)
        if not m or m.group("name") != output.name or not entry.is_dir() or _alive(int(m.group("pid"))):
            continue
        if m.group("kind") == "old" and (entry / "site").is_dir() and not output.exists():
            os.rename(entry / "site", output)
        shutil.rmtree(entry, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _renameat2() -> Callable[..., int] | None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_EXCHANGE = _renameat2()


def exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically; False when the system cannot (then the caller renames twice)."""
    if _EXCHANGE is None:
        return False
    if _EXCHANGE(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def write_file(path: str, data: bytes) -> None:
    """Write a new file (the one place the build writes bytes; tests inject failures here)."""
    with open(path, "wb") as fh:
        fh.write(data)


def _remove(folder: Path, background: bool) -> None:
    """Delete a folder now, or from a detached grandchild process (the build returns at once; a
    folder left by a killed deletion is removed by the next build's :func:`recover`)."""
    if not background or not hasattr(os, "fork"):
        shutil.rmtree(folder, ignore_errors=True)
        return
    try:
        pid = os.fork()
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        return
    if pid:
        os.waitpid(pid, 0)
        return
    try:
        if os.fork() == 0:
            os.setsid()
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        os._exit(0)


def claim(kept: Path, output: Path) -> Path | None:
    """Take ``kept`` — an older complete site of ``output``, set aside by an earlier build for reuse —
    as this build's staging folder: renamed to a staging name beside the output, so that no other
    build uses it at the same time and a killed build's half-updated copy is removed by
    :func:`recover`. None when there is none, or it is on another file system."""
    if not kept.is_dir():
        return None
    target = output.parent / f".{output.name}.tmp-{os.getpid()}-{os.urandom(4).hex()}"
    try:
        os.rename(kept, target)
    except OSError:
        shutil.rmtree(kept, ignore_errors=True)
        return None
    return target


class Staging:
    """A build's output under construction: write, place and link files, then :meth:`commit` or
    :meth:`abort`. Also a context manager: leaving the ``with`` block by an exception aborts.

    It starts empty, or from an older complete site of the output (``base``, its files' inodes in
    ``base_files``): then a file already the output's file (the same inode) stays, every other file
    is replaced by a new one — never written into, since it may be the published file too — and what
    the new site lacks is deleted at :meth:`commit`.
    """

    def __init__(self, output: Path, base: Path | None = None, base_files: dict[str, int] | None = None) -> None:
        self.output = output
        self._base = base_files if base is not None and base_files is not None else {}
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            recover(output)
            if base is not None and base_files is None:
                _remove(base, background=True)  # its files are not known: not worth reading
                base = None
            self.dir = base if base is not None else self._mkdtemp("")
            os.chmod(self.dir, 0o755)  # mkdtemp makes it private; a web server must read it
            # Made here, not when first asked for: render functions run in forked workers.
            self._scratch = self._mkdtemp("scratch-")
        except OSError as exc:
            raise GovsiteError(os_error_message(exc, "创建临时目录于", str(output.parent))) from None
        self._made: set[str] = {""}

    def _mkdtemp(self, kind: str) -> Path:
        return Path(tempfile.mkdtemp(prefix=f".{self.output.name}.tmp-{os.getpid()}-{kind}",
                                     dir=self.output.parent.absolute()))

    def __enter__(self) -> "Staging":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()

    def _target(self, rel: str) -> str:
        rel = safe_relpath(rel)
        folder = rel.rpartition("/")[0]
        if folder not in self._made:
            os.makedirs(f"{self.dir}/{folder}", exist_ok=True)
            self._made.add(folder)
        path = f"{self.dir}/{rel}"
        if rel in self._base:
            _clear(path)
        return path

    def write(self, rel: str, data: bytes) -> os.stat_result:
        """Store ``data`` at ``rel`` (a POSIX path below the output); returns the file's stat."""
        try:
            path = self._target(rel)
            write_file(path, data)
            return os.stat(path)
        except OSError as exc:
            raise GovsiteError(os_error_message(exc, "写入", f"{self.output / rel}")) from None

    def place(self, rel: str, src: Path) -> os.stat_result:
        """Put a finished file at ``rel``, copied (static files)."""
        try:
            path = self._target(rel)
            shutil.copyfile(src, path)
            os.chmod(path, 0o644)
            return os.stat(path)
        except OSError as exc:
            raise GovsiteError(os_error_message(exc, "写入", f"{self.output / rel}")) from None

    def folder(self, rel: str) -> Path:
        """An empty folder for a writer that fills a folder itself (the search index): the files it
        writes there are then put in place with :meth:`adopt`."""
        path = self._scratch / safe_relpath(rel) if rel else self._scratch
        path.mkdir(parents=True, exist_ok=True)
        return path

    def adopt(self, rel: str) -> os.stat_result:
        """Move the file a writer made at ``rel`` in :meth:`folder` to its place; returns its stat."""
        try:
            path = self._target(rel)
            os.replace(self._scratch / rel, path)
            return os.stat(path)
        except OSError as exc:
            raise GovsiteError(os_error_message(exc, "写入", f"{self.output / rel}")) from None

    def link(self, rel: str, ino: int = 0) -> None:
        """Take the output's file at ``rel`` (inode ``ino``) unchanged: nothing to do when the
        staging folder has that very file already, else a hard link (a copy where links fail)."""
        if ino and self._base.get(rel) == ino:
            return
        src = f"{self.output}/{rel}"
        try:
            dest = self._target(rel)
            try:
                os.link(src, dest)
            except OSError:
                shutil.copy2(src, dest)
        except OSError as exc:
            raise GovsiteError(os_error_message(exc, "复制", f"{self.output / rel}")) from None

    def commit(self, manifest: bytes, files: Iterable[str], clean: bool = False, background: bool = False,
               keep: Path | None = None) -> bool:
        """Put the manifest in (it lists ``files``, the new site) and swap the staged site in for the output folder.

        One atomic exchange where the system has it; else two renames (output aside, staging in),
        the first undone if the second fails, and put back by :func:`recover` if the build is killed
        between them. ``keep``: where to set the previous site aside for the next build to start
        from (else it is deleted; by a detached process with ``background``). True when it was.
        """
        try:
            foreign = refuse_foreign(self.output, clean, self.dir)
            _clear(f"{self.dir}/{MANIFEST}")
            self.write(MANIFEST, manifest)
            self._drop_stale(files)
            shutil.rmtree(self._scratch, ignore_errors=True)
            if self.output.exists() and exchange(self.dir, self.output):
                if keep is not None and not foreign and _set_aside(self.dir, keep):
                    return True
                _remove(self.dir, background)
                return False
            self._rename_in()
            return False
        except BaseException as exc:
            self.abort()
            if isinstance(exc, OSError):
                raise GovsiteError(os_error_message(exc, "替换输出目录", str(self.output))) from None
            raise

    def _drop_stale(self, files: Iterable[str]) -> None:
        """Delete what the site started from has and the new one has not (and folders left empty)."""
        folders = set()
        for rel in self._base.keys() - set(files):
            _clear(f"{self.dir}/{rel}")
            folders.add(rel.rpartition("/")[0])
        for folder in sorted(folders, key=len, reverse=True):
            while folder:
                try:
                    os.rmdir(f"{self.dir}/{folder}")
                except OSError:
                    break
                folder = folder.rpartition("/")[0]

    def _rename_in(self) -> None:
        old: Path | None = None
        moved = False
        try:
            if self.output.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{self.output.name}.old-{os.getpid()}-", dir=self.output.parent))
                os.rename(self.output, old / "site")
                moved = True
            os.rename(self.dir, self.output)
        except BaseException:
            if moved and old is not None and not self.output.exists():
                os.rename(old / "site", self.output)
            if old is not None and not (old / "site").exists():
                shutil.rmtree(old, ignore_errors=True)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def abort(self) -> None:
        """Remove the staging folder; the output folder is untouched."""
        shutil.rmtree(self.dir, ignore_errors=True)
        shutil.rmtree(self._scratch, ignore_errors=True)


def _clear(path: str) -> None:
    """Remove what is at ``path`` (a file or a folder), if anything."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except (IsADirectoryError, PermissionError):
        shutil.rmtree(path)


def _set_aside(folder: Path, kept: Path) -> bool:
    """Move the previous site to ``kept`` for the next build to start from; False when it cannot.

    Only this one is kept beside it: a site set aside for another output folder, or for this one
    before the site was copied elsewhere, would otherwise stay for good."""
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        if kept.exists():
            return False  # another build's, set aside meanwhile
        os.rename(folder, kept)
    except OSError:
        return False
    for other in kept.parent.iterdir():
        if other != kept:
            _remove(other, background=True)
    return True


class InPlace:
    """The writer of a private output that is never served half-made to the public (the preview):
    each file is written beside its place and renamed over it, the kept files stay where they are,
    and :meth:`commit` deletes the files the new manifest no longer lists. Same interface as
    :class:`Staging`."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.staging = Staging(output)  # temporary files are made in it, then renamed into place
        self.dir = self.staging.dir
        self.written: set[str] = set()

    def __enter__(self) -> "InPlace":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.staging.abort()

    def _move_in(self, rel: str) -> os.stat_result:
        target = self.output / safe_relpath(rel)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_dir():
                shutil.rmtree(target)
            os.replace(self.staging.dir / rel, target)
            self.written.add(rel)
            return os.stat(target)
        except OSError as exc:
            raise GovsiteError(os_error_message(exc, "写入", str(target))) from None

    def write(self, rel: str, data: bytes) -> os.stat_result:
        self.staging.write(rel, data)
        return self._move_in(rel)

    def place(self, rel: str, src: Path) -> os.stat_result:
        self.staging.place(rel, src)
        return self._move_in(rel)

    def folder(self, rel: str) -> Path:
        return self.staging.folder(rel)

    def adopt(self, rel: str) -> os.stat_result:
        self.staging.adopt(rel)
        return self._move_in(rel)

    def link(self, rel: str, ino: int = 0) -> None:
        """A kept file is already in place."""

    def commit(self, manifest: bytes, files: Iterable[str], clean: bool = False, background: bool = False,
               keep: Path | None = None) -> bool:
        """Delete the files no longer listed and write the manifest (the others are in place)."""
        listed = set(files)
        old = self.output / MANIFEST
        for rel in sorted(listed_files(self.output) - listed - self.written):
            try:
                (self.output / safe_relpath(rel)).unlink()
            except (OSError, GovsiteError):
                pass
        tmp = self.output / (MANIFEST + ".tmp")
        write_file(str(tmp), manifest)
        os.replace(tmp, old)
        self.staging.abort()
        return False
