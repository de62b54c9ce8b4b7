"""Stage 4 — write: pages → the output folder, atomically, never losing a file govsite did not make.

Pages are written into a staging folder beside the output and swapped in only when the whole site
is there (issue 2: a failed or interrupted build leaves the previous ``public/`` whole). The files a
build wrote are listed in ``.govsite-manifest`` inside the output; a file in the output that is not
in the manifest belongs to somebody else, and the build refuses to replace the folder unless told
``--clean`` (issue 8). Files meant to be published as they are go in ``static/``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .diagnostics import GovsiteError

MANIFEST = ".govsite-manifest"


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


def foreign_files(output: Path) -> list[str]:
    """Files in an existing output folder that no govsite build wrote."""
    if not output.is_dir():
        return []
    manifest = output / MANIFEST
    ours = set(manifest.read_text(encoding="utf-8").splitlines()) if manifest.is_file() else set()
    ours.add(MANIFEST)
    found = []
    for dirpath, _, files in os.walk(output):
        for name in files:
            rel = (Path(dirpath) / name).relative_to(output).as_posix()
            if rel not in ours:
                found.append(rel)
    return sorted(found)


class Staging:
    """A build's output under construction: write files, then :meth:`commit` or :meth:`abort`."""

    def __init__(self, output: Path) -> None:
        self.output = output
        output.parent.mkdir(parents=True, exist_ok=True)
        self.dir = Path(tempfile.mkdtemp(prefix=f".{output.name}.tmp-", dir=output.parent))
        os.chmod(self.dir, 0o755)  # mkdtemp makes it private; a web server must read it
        self.written: list[str] = []
        self.bytes = 0

    def write(self, rel: str, data: bytes) -> None:
        """Store one file at ``rel`` (a POSIX path below the output)."""
        path = self.dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.written.append(rel)
        self.bytes += len(data)

    def copy_tree(self, src: Path, dest: str = "") -> None:
        """Copy a folder's files (theme assets, the site's ``static/``) below ``dest``."""
        if not src.is_dir():
            return
        for path in sorted(src.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                if not path.resolve().is_relative_to(src.resolve()):
                    continue  # a symlink out of the folder is never published (issue 8)
                rel = (Path(dest) / path.relative_to(src)).as_posix()
                self.write(rel, path.read_bytes())

    def commit(self, clean: bool = False) -> None:
        """Swap the staged site in for the output folder."""
        foreign = foreign_files(self.output)
        if foreign and not clean:
            listed = "、".join(foreign[:5]) + ("等" if len(foreign) > 5 else "")
            raise GovsiteError(
                f"输出目录 {self.output} 中有 {len(foreign)} 个不是 govsite 生成的文件（{listed}）。"
                "为免丢失，本次构建没有替换它。需要随网站发布的文件请放入 static/ 目录；"
                "确认可以删除时，使用 --clean 重新构建")
        self.write(MANIFEST, ("\n".join(sorted(self.written)) + "\n").encode("utf-8"))
        old = None
        if self.output.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{self.output.name}.old-", dir=self.output.parent))
            os.rename(self.output, old / "site")
        os.rename(self.dir, self.output)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def abort(self) -> None:
        """Throw the staged files away; the output folder is untouched."""
        shutil.rmtree(self.dir, ignore_errors=True)
