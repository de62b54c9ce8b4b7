"""Reading zip packages (``.docx``) without letting a small file unpack into gigabytes.

A zip's central directory declares each member's unpacked size, and :mod:`zipfile` never returns
more than that (it stops at the declared size and fails the CRC check), so checking the declared
sizes before a library unpacks the package bounds its memory. :func:`safe_zip_read` also counts
what it actually unpacks, for callers that read members themselves.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

#: Members a package may declare: a report's .docx has a few dozen.
MAX_MEMBERS = 10_000
#: Unpacked size of a whole package: a report's .docx is a few MB with its pictures.
MAX_UNZIPPED = 64 << 20
_CHUNK = 1 << 16


class ZipLimitError(ValueError):
    """The package is over a limit or unreadable; the message says which, in Chinese."""


def _open(source: bytes | Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ZipLimitError(f"文件可能已损坏（不是有效的 zip 压缩包：{type(exc).__name__}）") from None


def check_unzipped_size(source: bytes | Path, limit: int = MAX_UNZIPPED) -> None:
    """Raise :class:`ZipLimitError` when the members of the package declare more than ``limit``
    bytes unpacked in all, or more than :data:`MAX_MEMBERS` members."""
    with _open(source) as zf:
        infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ZipLimitError(f"压缩包中有 {len(infos)} 个文件，超过上限 {MAX_MEMBERS} 个，不像是一份报告文档")
    total = sum(i.file_size for i in infos)
    if total > limit:
        raise ZipLimitError(f"解压后有 {_mb(total)}，超过上限 {_mb(limit)}：一份报告文档通常只有几 MB，"
                            "请检查文件是否正确，或删去文档中的大图片后再导入")


def safe_zip_read(source: bytes | Path, member: str, limit: int) -> bytes:
    """The unpacked bytes of ``member``; :class:`ZipLimitError` once more than ``limit`` bytes come
    out (whatever the header says) or when the member is missing."""
    with _open(source) as zf:
        try:
            fh = zf.open(member)
        except KeyError:
            raise ZipLimitError(f"压缩包中没有 {member}") from None
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
            raise ZipLimitError(f"无法解压 {member}（{type(exc).__name__}）") from None
        out = bytearray()
        with fh:
            try:
                while chunk := fh.read(_CHUNK):
                    out += chunk
                    if len(out) > limit:
                        raise ZipLimitError(f"{member} 解压后超过上限 {_mb(limit)}，已停止读取")
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise ZipLimitError(f"无法解压 {member}（{type(exc).__name__}）") from None
    return bytes(out)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"
