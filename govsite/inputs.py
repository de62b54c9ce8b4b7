"""The content files of a build: each report file below ``content/`` with its content key.

A content key is a digest of the code, the file's shown path, where it really is and the hash of
its bytes: the parse of a file is kept in the cache under it. A file whose size, mtime and inode
are those recorded — by this process, or in the cache's record of the last build — and were
settled when recorded is not read again to find its hash.
"""

from __future__ import annotations

import os
import pickle
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Protocol

from .cache import code_fingerprint, digest
from .config import Config
from .load import content_paths, display_path

@dataclass
class Input:
    """One content file of a build."""

    text: str  # the file's path
    shown: str
    key: str | None  # the content key; None when the file could not be read (parsed every time)
    #: size, mtime_ns, inode, content hash, where it really is, content key (when settled)
    state: tuple[int, int, int, str, str, str] | None = None
    content: str = ""  # the hash of the bytes

    @property
    def path(self) -> Path:
        """The file's path as a :class:`Path`."""
        return Path(self.text)


@dataclass
class _Looked:
    """Content files looked at (:meth:`ContentFiles._look`)."""

    inputs: list[Input]
    changed: bool  # some file is not as last recorded
    seen: dict[str, tuple[tuple, Input]]  # the settled ones, for the next build to find again
    recorded: int | None  # how many files the last record held (None: not read, all were seen before)


@dataclass
class _Listed:
    """The content files of the last build."""

    folder: Path  # the content folder
    inputs: list[Input]
    positions: dict[str, int]  # path → its place in ``inputs``


@dataclass
class Found:
    """The content files of a build (:meth:`ContentFiles.find`)."""

    inputs: list[Input]
    changed: bool  # some file is not as last recorded, or some file is gone: the record is written again
    whole: bool  # content/ was listed whole (not only the files the watcher named)


class Store(Protocol):
    """What of the cache this module uses."""

    def get(self, key: str) -> bytes | None: ...

    def put(self, key: str, value: bytes) -> None: ...

    def keep(self, keys: Iterable[str]) -> None: ...


#: A file modified this close to when its state was recorded may change again within the same mtime
#: (file systems stamp from a coarse clock): its content is hashed again next time.
RACY_NS = 2_000_000_000


class ContentFiles:
    """The content files of one site as a builder last found them (``serve`` lists the same 10,000
    files at every save, and is told by its watcher which ones changed)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        #: Each content file as last found settled: its stat, its folder's real path, and its input.
        self._seen: dict[str, tuple[tuple[int, int, int, str], Input]] = {}
        #: The content folder, the inputs of the last build and their positions by path.
        self._listed: _Listed | None = None

    def find(self, cfg: Config, cache: Store, changed: Iterable[str] | None = None) -> Found:
        """The content files with their content keys.

        ``changed``: the only sources that may have changed since the last call (see
        ``Builder.build``): when they are all report files found then, only they are looked at.
        """
        texts = self._known_changes(cfg, changed)
        again = self._again(cfg, cache, texts) if texts is not None else None
        if again is not None:
            return Found(*again, whole=False)
        return Found(*self._all(cfg, cache), whole=True)

    def _known_changes(self, cfg: Config, changed: Iterable[str] | None) -> set[str] | None:
        """The content files among ``changed`` as this builder lists them, when each is a report
        file its last build read; else None (every file is looked at)."""
        if changed is None or self._listed is None or self._listed.folder != cfg.content_dir:
            return None
        content = os.path.abspath(cfg.content_dir)
        texts = set()
        for path in changed:
            rel = os.path.relpath(os.path.abspath(path), content)
            if rel == ".." or rel.startswith(".." + os.sep):
                continue  # layouts/, static/, site.toml: read by every build anyway
            text = os.path.join(str(cfg.content_dir), rel)
            if text not in self._listed.positions:
                return None
            texts.add(text)
        return texts

    def _again(self, cfg: Config, cache: Store, texts: set[str]) -> tuple[list[Input], bool] | None:
        """The last build's inputs with those of ``texts`` (and any not settled then) looked at
        again; None when one is gone or unreadable (then content/ is listed again, as for any removal)."""
        assert self._listed is not None
        positions = self._listed.positions
        inputs = list(self._listed.inputs)
        again = sorted({positions[t] for t in texts} | {n for n, i in enumerate(inputs) if i.state is None})
        looked = self._look(cfg, cache, [(inputs[n].text, inputs[n].shown) for n in again])
        if any(i.key is None for i in looked.inputs):
            return None
        for n, i in zip(again, looked.inputs):
            inputs[n] = i
            self._seen.pop(i.text, None)
        self._seen.update(looked.seen)
        self._listed = _Listed(cfg.content_dir, inputs, positions)
        return inputs, looked.changed

    def _all(self, cfg: Config, cache: Store) -> tuple[list[Input], bool]:
        """The content files with their content keys (hashing only the files whose state changed),
        and whether any of them is not as last recorded (or some file is gone)."""
        prefix = str(cfg.content_dir) + os.sep
        shown_content = display_path(cfg.content_dir, self.root)
        # Every file is below content/: its shown path is content/'s and its own parts.
        listed = [(text, f"{shown_content}/{text[len(prefix):]}" if shown_content != "." and text.startswith(prefix)
                   and not os.path.isabs(shown_content) else display_path(Path(text), self.root))
                  for text in content_paths(cfg.content_dir)]
        looked = self._look(cfg, cache, listed)
        gone = len(looked.seen) != (len(self._seen) if looked.recorded is None else looked.recorded)
        self._seen = looked.seen
        self._listed = _Listed(cfg.content_dir, looked.inputs, {i.text: n for n, i in enumerate(looked.inputs)})
        return looked.inputs, looked.changed or gone

    def _look(self, cfg: Config, cache: Store, listed: list[tuple[str, str]]) -> _Looked:
        """Each listed file (path, shown path) with its content key, from its state when this
        builder or the last record saw it settled, else by hashing it."""
        known: dict[str, tuple] | None = None  # the recorded states: read at the first file not seen before
        known_code = ""
        listed_anew = False
        now = time.time_ns()
        inputs = []
        code = code_fingerprint_cached()
        folders: dict[str, str] = {}  # folder → where it really is (a symlinked year folder)
        root = os.path.realpath(self.root) + os.sep
        seen_now: dict[str, tuple[tuple[int, int, int, str], Input]] = {}
        for text, shown in listed:
            try:
                st = os.lstat(text)
                link = stat.S_ISLNK(st.st_mode)
                if link:
                    st = os.stat(text)
            except OSError:
                inputs.append(Input(text, shown, None))
                continue
            if not stat.S_ISREG(st.st_mode):
                inputs.append(Input(text, shown, None))
                continue
            folder, _, name = text.rpartition(os.sep)
            real_folder = folders.get(folder) or folders.setdefault(folder, os.path.realpath(folder))
            seen = (st.st_size, st.st_mtime_ns, st.st_ino, real_folder)
            hit = self._seen.get(text)
            if hit is not None and hit[0] == seen:
                inputs.append(hit[1])  # settled and unchanged since this builder saw it
                seen_now[text] = hit
                continue
            if known is None:
                recorded = unpickled(cache.get("inputs"))
                # The keys recorded are the code's of then: only the content hashes hold for other code.
                known = recorded[1] if isinstance(recorded, tuple) and len(recorded) == 2 else {}
                known_code = recorded[0] if known else ""
            was = known.get(shown)
            real = _real(text, name, link, real_folder, root)
            if was and was[:3] == seen[:3]:
                content = was[3]
                key = was[5] if was[4] == real and known_code == code else digest(code, shown, real, content)
            else:
                try:
                    with open(text, "rb") as f:
                        content = digest(f.read())
                except OSError:
                    inputs.append(Input(text, shown, None))
                    continue
                key = digest(code, shown, real, content)
            settled = st.st_mtime_ns < now - RACY_NS
            state = (st.st_size, st.st_mtime_ns, st.st_ino, content, real, key) if settled else None
            listed_anew |= state is None or state != was
            inputs.append(Input(text, shown, key, state, content))
            if state is not None:
                seen_now[text] = (seen, inputs[-1])
        return _Looked(inputs, listed_anew, seen_now, None if known is None else len(known))


def record(inputs: list[Input], changed: bool, cache: Store) -> None:
    """Record the content files' states for the next build (when they differ from the last record)."""
    if changed:
        cache.put("inputs", pickle.dumps((code_fingerprint_cached(), {i.shown: i.state for i in inputs if i.state}),
                                         protocol=pickle.HIGHEST_PROTOCOL))
    else:
        cache.keep(["inputs"])  # what it holds is what this builder found again


_CODE: list[str] = []


def code_fingerprint_cached() -> str:
    """The code fingerprint, computed once per process (the source does not change under a build)."""
    if not _CODE:
        _CODE.append(code_fingerprint())
    return _CODE[0]


def _real(text: str, name: str, link: bool, real_folder: str, root: str) -> str:
    """Where a content file really is (links followed; ``real_folder`` is where its folder ``name``
    really is), relative to the site when inside it: a link out of the site is refused by the loader,
    so the same bytes behind another link are another input; a site copied elsewhere keeps its keys."""
    real = os.path.realpath(text) if link else os.path.join(real_folder, name)
    return real[len(root):] if real.startswith(root) else real


def unpickled(blob: bytes | None) -> Any:
    """A cached value, or None when it is missing or damaged."""
    if not blob:
        return None
    try:
        return pickle.loads(blob)
    except Exception:  # noqa: BLE001 - a damaged entry is only a miss
        return None
