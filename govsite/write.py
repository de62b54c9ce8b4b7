"""Stage 4 — write: pages → the output folder, atomically, never losing a file govsite did not make.

Pages are written into a staging folder beside the output and swapped in only when the whole site
is there (issue 2: a failed or interrupted build leaves the previous ``public/`` whole). The files a
build wrote are listed in ``.govsite-manifest`` inside the output; a file in the output that is not
in the manifest belongs to somebody else, and the build refuses to replace the folder unless told
``--clean`` (issue 8). Files meant to be published as they are go in ``static/``.

Every operating-system failure (a full disk, a read-only folder, no permission) becomes a
:class:`GovsiteError` naming the file, in Chinese, after the staging folder has been removed; the
CLI prints it without a traceback.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Mapping

from .diagnostics import GovsiteError

MANIFEST = ".govsite-manifest"

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


@dataclass(frozen=True)
class FileData:
    """A page or data file made as a file rather than bytes (too big to hold in memory: the
    archive of every cell, issue 7). The writer moves it to its place."""

    path: Path
    size: int


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


#: What the last build left in each folder of the output: folder (relative POSIX path, "" for the
#: output itself) → (its ``st_mtime_ns``, settled). Settled: the time was older than
#: ``RACY_SECONDS`` when recorded, so a later change to the folder's entries shows as another time.
FolderState = Mapping[str, tuple[int, bool]]


def foreign_files(output: Path, folders: FolderState | None = None) -> list[str]:
    """Files in an existing output folder that no govsite build wrote (one ``scandir`` per folder,
    paths as strings: it runs on every full build, over ~46,000 files at 10,000 reports).

    With ``folders`` (the last build's record of this very output), only the folders whose
    entries changed since — another mtime, or recorded unsettled — are listed: a file added,
    renamed or replaced in a folder changes the folder's mtime (issue 7: listing 12,000 folders
    was ~0.15 s of every build after an edit at 10,000 reports; an ``lstat`` each is a fifth).
    """
    if not output.is_dir():
        return []
    manifest = output / MANIFEST
    try:
        ours = set(manifest.read_text(encoding="utf-8").splitlines()) if manifest.is_file() else set()
    except (OSError, UnicodeDecodeError):
        ours = set()  # an unreadable manifest proves nothing: every file counts as somebody else's
    ours.add(MANIFEST)
    found: list[str] = []

    def walk(folder: str, prefix: str) -> None:
        for e in os.scandir(folder):
            rel = prefix + e.name
            if e.is_dir(follow_symlinks=False):
                walk(e.path, rel + "/")
            elif rel not in ours:
                found.append(rel)  # a file, or a symlink (to a file or a folder)

    changed = _foreign_in_changed(str(output), ours, folders) if folders else None
    if changed is not None:
        return sorted(changed)
    walk(str(output), "")
    return sorted(found)


def _foreign_in_changed(root: str, ours: set[str], folders: FolderState) -> list[str] | None:
    """:func:`foreign_files` looking only into the folders that changed since ``folders`` was
    recorded (and into the folders made since, whole); None when a recorded folder is no longer a
    folder (then every folder is listed)."""
    found: list[str] = []

    def scan(path: str, prefix: str) -> None:
        for e in os.scandir(path):
            rel = prefix + e.name
            if e.is_dir(follow_symlinks=False):
                if rel not in folders:  # made since: nothing in it is known
                    scan(e.path, rel + "/")
            elif rel not in ours:
                found.append(rel)

    for rel, (mtime, settled) in folders.items():
        path = f"{root}/{rel}" if rel else root
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            continue  # gone: its parent's mtime changed, and it holds nothing
        except OSError:
            return None
        if not stat.S_ISDIR(st.st_mode):
            return None
        if not (settled and st.st_mtime_ns == mtime):
            scan(path, f"{rel}/" if rel else "")
    return found


def folder_states(output: Path, rels: Iterable[str], racy_ns: int) -> Iterator[tuple[str, int | None, bool]]:
    """``(folder, mtime_ns or None when gone, settled)`` of each folder of ``rels`` (relative
    POSIX paths of folders in ``output``): settled when older than ``racy_ns`` (see :data:`FolderState`)."""
    for rel in rels:
        try:
            st = os.lstat(f"{output}/{rel}" if rel else str(output))
        except OSError:
            yield rel, None, False
            continue
        if stat.S_ISDIR(st.st_mode):
            yield rel, st.st_mtime_ns, st.st_mtime_ns < racy_ns
        else:
            yield rel, None, False


def folders_of(files: Iterable[str]) -> set[str]:
    """Every folder holding ``files`` (relative POSIX paths) and every folder above, "" included."""
    out: set[str] = {""}
    for rel in files:
        parts = rel.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            out.add("/".join(parts[:i]))
    return out


def refuse_foreign(output: Path, clean: bool, staged: Path | None = None,
                   folders: FolderState | None = None) -> None:
    """Raise unless ``output`` holds only files of earlier builds (or ``clean`` allows replacing them).

    A foreign file that the new build publishes again byte for byte (it was moved into ``static/``,
    as the message advises) is not lost, so it does not count. ``folders``: see :func:`foreign_files`.
    """
    foreign = [f for f in foreign_files(output, folders) if not (staged and _same_file(output / f, staged / f))]
    if foreign and not clean:
        listed = "、".join(foreign[:5]) + ("等" if len(foreign) > 5 else "")
        raise GovsiteError(
            f"输出目录 {output} 中有 {len(foreign)} 个不是 govsite 生成的文件（{listed}）。"
            "为免丢失，本次构建没有替换它。需要随网站发布的文件请放入 static/ 目录；"
            "确认可以删除时，使用 --clean 重新构建")


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


_STALE = re.compile(r"^\.(?P<name>.+)\.(?P<kind>tmp|old)-(?P<pid>\d+)-")


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


def recover(output: Path) -> None:
    """Tidy what a killed build (SIGKILL, power cut) left beside ``output``.

    A build killed between the two renames of :meth:`Staging.commit` leaves the previous site in
    ``.<name>.old-<pid>-…/site`` and no output folder: it is put back. Staging folders of builds
    that are no longer running are removed. Folders of a live build are left alone.
    """
    parent = output.parent
    if not parent.is_dir():
        return
    for entry in sorted(parent.iterdir()):
        m = _STALE.match(entry.name)
        if not m or m.group("name") != output.name or not entry.is_dir() or _alive(int(m.group("pid"))):
            continue
        if m.group("kind") == "old" and (entry / "site").is_dir() and not output.exists():
            os.rename(entry / "site", output)
        if m.group("kind") == "tmp" and (entry / JOURNAL).is_file() and output.is_dir():
            _roll_forward(entry, output)
        shutil.rmtree(entry, ignore_errors=True)


#: An in-place commit moves its staged files one by one; above this share of the site's files a
#: swap of the whole folder is cheaper (measured: 46,000 renames ~14 s at 10,000 reports).
IN_PLACE_MAX = 0.25

#: In a :class:`Patch` folder: the files to move into the output, written once all of them are staged.
JOURNAL = ".govsite-journal"


def _roll_forward(staged: Path, output: Path) -> None:
    """Finish a journaled commit that was interrupted: move the files still staged into place and
    delete those the journal deletes."""
    try:
        lines = (staged / JOURNAL).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return
    replace = [line[2:] for line in lines if line.startswith("R\t")]
    delete = [line[2:] for line in lines if line.startswith("D\t")]
    _apply(staged, output, [rel for rel in replace if (staged / rel).is_file()], delete)


def _apply(staged: Path, output: Path, replace: list[str], delete: list[str]) -> None:
    """Rename each staged file over its namesake in ``output``, then delete ``delete`` (and the
    folders that leaves empty). Every step can be done again: a journal replays it after a crash."""
    made: set[Path] = set()
    for rel in replace:
        target = output / safe_relpath(rel)
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        os.replace(staged / rel, target)
    emptied: set[Path] = set()
    for rel in delete:
        target = output / safe_relpath(rel)
        try:
            target.unlink()
        except FileNotFoundError:
            pass
        emptied.add(target.parent)
    for folder in sorted(emptied, key=lambda p: len(p.parts), reverse=True):
        while folder != output and folder.is_relative_to(output):
            try:
                folder.rmdir()  # only when empty: a folder that still holds files stays
            except OSError:
                break
            folder = folder.parent


def _journaled(staged: Path, output: Path, replace: list[str], delete: list[str]) -> None:
    """Write the journal of a commit into ``staged``, then apply it (see :func:`_apply`)."""
    tmp = staged / (JOURNAL + ".tmp")
    tmp.write_text("".join(f"R\t{rel}\n" for rel in replace) + "".join(f"D\t{rel}\n" for rel in delete),
                   encoding="utf-8")
    os.replace(tmp, staged / JOURNAL)


def _stage(stage: "Staging | Patch", rel: str, data: bytes) -> str:
    """Write ``data`` at ``rel`` in a staging folder; returns the normalised path. A failure aborts
    the stage and becomes a GovsiteError naming the file where it was going."""
    rel = safe_relpath(rel)
    path = stage.dir / rel
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        stage.abort()
        raise GovsiteError(os_error_message(exc, "写入", f"{stage.output / rel}")) from None
    return rel


def _files_below(folder: Path) -> list[str]:
    """Every file below ``folder`` as a sorted relative POSIX path."""
    out = []
    for dirpath, _, files in os.walk(folder):
        for name in files:
            out.append(Path(dirpath, name).relative_to(folder).as_posix())
    return sorted(out)


class Staging:
    """A build's output under construction: write files, then :meth:`commit` or :meth:`abort`.

    Also a context manager: leaving the ``with`` block by an exception (including Ctrl-C) aborts.
    """

    def __init__(self, output: Path, clean: bool | None = None, in_place: bool = False) -> None:
        self.output = output
        self.written: list[str] = []
        self.bytes = 0
        #: Issue 7: the output already holds the last build, and files listed in ``written`` but not
        #: staged are that build's, kept where they are; :meth:`commit` then moves just the staged
        #: files in and deletes the files of the last build that this one no longer has.
        self.in_place = in_place
        self.staged: list[str] = []  # in place: the files moved in by the commit
        self.deleted: list[str] = []  # in place: the last build's files deleted by the commit
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            recover(output)
            if clean is not None:
                refuse_foreign(output, clean)  # before any work, when the caller says how
            self.dir = Path(tempfile.mkdtemp(prefix=f".{output.name}.tmp-{os.getpid()}-", dir=output.parent))
            os.chmod(self.dir, 0o755)  # mkdtemp makes it private; a web server must read it
        except OSError as exc:
            raise GovsiteError(os_error_message(exc, "创建临时目录于", str(output.parent))) from None

    def __enter__(self) -> "Staging":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()

    def write(self, rel: str, data: bytes) -> None:
        """Store one file at ``rel`` (a POSIX path below the output)."""
        self.written.append(_stage(self, rel, data))
        self.bytes += len(data)

    def copy_tree(self, src: Path, dest: str = "") -> None:
        """Copy a folder's files (theme assets, the site's ``static/``) below ``dest``."""
        if not src.is_dir():
            return
        root = src.resolve()
        for path in sorted(src.rglob("*")):
            if path.is_file() and not any(part.startswith(".") for part in path.relative_to(src).parts):
                if not path.resolve().is_relative_to(root):
                    continue  # a symlink out of the folder is never published (issue 8)
                rel = (Path(dest) / path.relative_to(src)).as_posix()
                try:
                    data = path.read_bytes()
                except OSError as exc:
                    self.abort()
                    raise GovsiteError(os_error_message(exc, "读取", str(path))) from None
                self.write(rel, data)

    def commit(self, clean: bool = False, folders: FolderState | None = None) -> None:
        """Swap the staged site in for the output folder.

        Two renames (output → beside, staging → output); if the second fails or is interrupted,
        the first is undone, so the previous site is never lost. ``folders``: what the last build
        left in the output's folders, if known (see :func:`foreign_files`).
        """
        try:
            refuse_foreign(self.output, clean, self.dir, folders)
        except BaseException:
            self.abort()
            raise
        if self.in_place and not self._mostly_new():
            self._commit_in_place()
            return
        self.write(MANIFEST, ("\n".join(sorted(self.written)) + "\n").encode("utf-8"))
        old: Path | None = None
        moved = False
        try:
            if self.output.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{self.output.name}.old-{os.getpid()}-", dir=self.output.parent))
                os.rename(self.output, old / "site")
                moved = True
            os.rename(self.dir, self.output)
        except BaseException as exc:
            if moved and old is not None and not self.output.exists():
                os.rename(old / "site", self.output)
            if old is not None and not (old / "site").exists():
                shutil.rmtree(old, ignore_errors=True)  # else recover() puts it back next time
            self.abort()
            if isinstance(exc, OSError):
                raise GovsiteError(os_error_message(exc, "替换输出目录", str(self.output))) from None
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def size_of(self, rel: str) -> int:
        """The size of a file of this build: staged, else kept in the output."""
        try:
            return os.stat(f"{self.dir}/{rel}").st_size
        except FileNotFoundError:
            return os.stat(f"{self.output}/{rel}").st_size

    def _mostly_new(self) -> bool:
        """True (and the kept files linked into the staging folder, for a swap) when most files
        were staged anyway: one swap is cheaper than renaming each of them (a template change)."""
        staged = set(_files_below(self.dir))
        if len(staged) <= IN_PLACE_MAX * len(self.written):
            return False
        try:
            for rel in self.written:
                if rel not in staged:
                    target = self.dir / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    try:
                        os.link(self.output / rel, target)
                    except OSError:
                        shutil.copy2(self.output / rel, target)
        except OSError as exc:
            self.abort()
            raise GovsiteError(os_error_message(exc, "读取", str(self.output / rel))) from None
        self.in_place = False
        return True


    def _commit_in_place(self) -> None:
        """Journaled: the staged files renamed over the output's, the last build's files this one
        does not have deleted; a crash in between is finished by :func:`recover` (roll forward)."""
        try:
            old = set((self.output / MANIFEST).read_text(encoding="utf-8").splitlines())
        except (OSError, UnicodeDecodeError):
            old = set()
        manifest = ("\n".join(sorted(self.written)) + "\n").encode("utf-8")  # as swap mode writes it
        try:
            current = (self.output / MANIFEST).read_bytes()
        except OSError:
            current = b""
        self.written.append(MANIFEST)
        self.bytes += len(manifest)
        if manifest != current:
            path = self.dir / MANIFEST
            path.write_bytes(manifest)
        staged = _files_below(self.dir)
        delete = sorted(old - set(self.written))
        try:
            _journaled(self.dir, self.output, staged, delete)
        except OSError as exc:
            self.abort()
            raise GovsiteError(os_error_message(exc, "写入", str(self.output))) from None
        try:
            _apply(self.dir, self.output, staged, delete)
        except OSError as exc:
            raise GovsiteError(os_error_message(exc, "替换", str(self.output), unchanged=False)) from None
        shutil.rmtree(self.dir, ignore_errors=True)
        self.staged = staged
        self.deleted = delete

    def abort(self) -> None:
        """Throw the staged files away; the output folder is untouched."""
        if (self.dir / JOURNAL).is_file():
            return  # the commit began: recover() finishes it
        shutil.rmtree(self.dir, ignore_errors=True)


class Patch:
    """A few files replacing their namesakes in an existing output folder (issue 7: the edit fast
    path, :mod:`govsite.delta`), never a half-updated folder.

    Files are staged beside the output; :meth:`commit` writes a journal naming them, then renames
    each into place (each rename is atomic and makes a new file, so a page hard-linked elsewhere is
    never changed in place). A build killed during the renames leaves the journal: :func:`recover`
    completes the move at the next build (roll forward), so the folder never mixes two versions for
    longer than the crash lasts. Before the journal is written nothing in the output has changed.
    """

    def __init__(self, output: Path) -> None:
        self.output = output
        self.written: list[str] = []
        self.journaled = False  # from then on the staged files belong to the output: never thrown away
        try:
            recover(output)
            self.dir = Path(tempfile.mkdtemp(prefix=f".{output.name}.tmp-{os.getpid()}-", dir=output.parent))
        except OSError as exc:
            raise GovsiteError(os_error_message(exc, "创建临时目录于", str(output.parent))) from None

    def write(self, rel: str, data: bytes) -> None:
        """Stage one file at ``rel``."""
        self.written.append(_stage(self, rel, data))

    def staged(self) -> list[str]:
        """Every file in the staging folder (also those put there by other writers), sorted."""
        return _files_below(self.dir)

    def commit(self, delete: list[str] = ()) -> list[str]:  # type: ignore[assignment]
        """Move every staged file into the output and delete ``delete`` there; returns the paths
        moved in."""
        names = [rel for rel in self.staged() if rel != JOURNAL]
        try:
            _journaled(self.dir, self.output, names, list(delete))
        except OSError as exc:
            self.abort()
            raise GovsiteError(os_error_message(exc, "写入", str(self.output))) from None
        self.journaled = True
        try:
            _apply(self.dir, self.output, names, list(delete))
        except OSError as exc:
            # The journal stays: the next build finishes the move (roll forward).
            raise GovsiteError(os_error_message(exc, "替换", str(self.output), unchanged=False)) from None
        shutil.rmtree(self.dir, ignore_errors=True)
        return names

    def abort(self) -> None:
        """Throw the staged files away (the output folder is untouched), unless the commit began:
        then they stay for :func:`recover` to finish."""
        if not self.journaled:
            shutil.rmtree(self.dir, ignore_errors=True)
