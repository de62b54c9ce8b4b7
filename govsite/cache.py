"""The build cache: one content-addressed key → bytes store in ``.govsite-cache/cache.sqlite``.

Everything the engine keeps between builds goes through :class:`Cache` (``get``/``put`` by content
key, ``keep`` what a build relies on without reading it, ``drop`` what it replaced): parsed and
checked reports, keyed by the code fingerprint and the file's content; and the last state of the
content files (size, mtime, content hash), so an unchanged file is not read again. An entry no build
has used in the last :data:`KEEP_BUILDS` builds is pruned: the preview and ``govsite build`` write to
two output folders from one cache, and neither may empty the other's part of it. (An entry's last use
is written down only when the recorded one is :data:`REFRESH` builds old: a build must not rewrite
every row it relies on. So an entry is pruned between ``KEEP_BUILDS - REFRESH`` and ``KEEP_BUILDS``
builds after its last use.) Rendered outputs are not stored here: the output folder itself, with its
manifest, is their cache (see :mod:`govsite.plan`).

Deleting the folder gives a cold build. The cache is never trusted blindly: a damaged database is
set aside and rebuilt (with one line saying so), a cache that cannot be opened (full disk, read-only
folder) makes a build without a cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any, Iterable, Iterator

CACHE_DIR = ".govsite-cache"
DB_NAME = "cache.sqlite"
SCHEMA = 8  # bump when what is stored changes shape
#: The values put are written once they add up to this many bytes (a cold build of 10,000 reports
#: puts 130 MB of parsed reports), not held in memory until the commit.
WRITE_AT = 32 * 1024 * 1024
#: An entry is pruned when this many builds in a row did not use it.
KEEP_BUILDS = 20
#: How stale an entry's recorded last use may get before a build that uses it records it again.
REFRESH = 5
#: Keys with this prefix are never pruned for want of use, only dropped by the build that replaces
#: them: what an output folder's next build needs (its files' sizes and mtimes), one per folder.
PINNED = "pin:"
_PACKAGE = Path(__file__).resolve().parent


def digest(*parts: Any) -> str:
    """A short stable hash of strings/bytes/reprs (each part length-prefixed, so parts never run together)."""
    h = hashlib.blake2b(digest_size=16)
    for p in parts:
        data = p if isinstance(p, bytes) else repr(p).encode("utf-8", "surrogateescape")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def tree_state(folder: Path) -> list[tuple[str, bytes]]:
    """Every file below ``folder`` (sorted, relative POSIX paths) with its bytes."""
    if not folder.is_dir():
        return []
    out = []
    for dirpath, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            if name.endswith((".pyc", ".pyo")):
                continue
            p = Path(dirpath) / name
            try:
                out.append((p.relative_to(folder).as_posix(), p.read_bytes()))
            except OSError:
                continue
    return sorted(out)


def _library_versions() -> tuple[str, ...]:
    from importlib import metadata

    out = [sys.version]
    for name in ("jinja2", "markupsafe", "markdown-it-py", "mdit-py-plugins", "tomli-w", "pypinyin"):
        try:
            out.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            out.append(f"{name}=-")
    return tuple(out)


def code_fingerprint() -> str:
    """govsite's version (read at call time, so a test can change it), its source and theme, and the
    versions of the libraries that shape the output: the code part of every key."""
    import govsite

    return digest(SCHEMA, govsite.__version__, tree_state(_PACKAGE), _library_versions())


class Cache:
    """A key → bytes store that survives between builds; every failure degrades to a miss.

    ``notes`` collects the lines a build prints about the cache (a damaged file set aside, a cache
    that could not be opened).
    """

    def __init__(self, root: Path) -> None:
        self.notes: list[str] = []
        self.folder = root / CACHE_DIR
        self._db: sqlite3.Connection | None = None
        self._used: set[str] = set()
        self._pending: dict[str, bytes] = {}
        self._pending_bytes = 0
        self._dropped: set[str] = set()
        try:
            self._db = self._open()
        except sqlite3.OperationalError as exc:  # full disk, read-only, locked: not the file's fault
            self.notes.append(f"构建缓存 {self.folder} 无法使用（{_reason(exc)}），本次不使用缓存")
        except sqlite3.DatabaseError:  # malformed, not a database: the file is damaged
            self._set_aside()
        except (OSError, sqlite3.Error) as exc:
            self.notes.append(f"构建缓存 {self.folder} 无法使用（{_reason(exc)}），本次不使用缓存")

    def _open(self) -> sqlite3.Connection:
        self.folder.mkdir(exist_ok=True)
        db = sqlite3.connect(self.folder / DB_NAME, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
            row = db.execute("SELECT value FROM meta WHERE name='schema'").fetchone()
            if row is None or row[0] != str(SCHEMA):
                db.execute("DROP TABLE IF EXISTS kv")
                db.execute("DROP TABLE IF EXISTS last_use")
                db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA),))
            db.execute("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
            # The number of the last build that used each entry (see KEEP_BUILDS), in a table of its
            # own: pruning reads it whole, and must not walk the values to get there.
            db.execute("CREATE TABLE IF NOT EXISTS last_use (key TEXT PRIMARY KEY, build INTEGER NOT NULL)")
            db.execute("SELECT count(*) FROM kv").fetchone()  # reads every page of the table's tree
        except BaseException:
            db.close()
            raise
        return db

    def _set_aside(self) -> None:
        """Move a damaged database out of the way and start an empty one."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for suffix in ("", "-wal", "-shm"):
            path = self.folder / (DB_NAME + suffix)
            if path.exists():
                try:
                    os.replace(path, self.folder / f"{DB_NAME}{suffix}.damaged-{stamp}")
                except OSError:
                    pass
        self.notes.append(f"构建缓存已损坏，已移到 {self.folder / (DB_NAME + '.damaged-' + stamp)} 并重新建立（只影响速度）")
        try:
            self._db = self._open()
        except (OSError, sqlite3.Error) as exc:
            self._db = None
            self.notes.append(f"构建缓存 {self.folder} 无法重建（{_reason(exc)}），本次不使用缓存")

    def _fail(self, exc: Exception) -> None:
        if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
            self.close()
            self._set_aside()
        else:
            self.close()
            self.notes.append(f"构建缓存读写失败（{_reason(exc)}），本次不再使用缓存")

    def get_many(self, keys: Iterable[str]) -> dict[str, bytes]:
        """The stored values of ``keys`` that are present (the others are misses)."""
        return dict(self.get_each(keys))

    def get_each(self, keys: Iterable[str]) -> Iterator[tuple[str, bytes]]:
        """The present ``keys`` with their stored values, one at a time (a caller that decodes them
        as they come never holds all of them: a site's parses are a hundred megabytes and more)."""
        keys = list(dict.fromkeys(keys))
        self._used.update(keys)
        yield from ((k, self._pending[k]) for k in keys if k in self._pending)
        try:
            for i in range(0, len(keys), 500):
                if self._db is None:
                    return
                chunk = [k for k in keys[i:i + 500] if k not in self._pending]
                if not chunk:
                    continue
                marks = ",".join("?" * len(chunk))
                yield from self._db.execute(f"SELECT key, value FROM kv WHERE key IN ({marks})", chunk).fetchall()
        except sqlite3.Error as exc:
            self._fail(exc)

    def get(self, key: str) -> bytes | None:
        """The value stored under ``key``, or None."""
        return self.get_many([key]).get(key)

    def put(self, key: str, value: bytes) -> None:
        """Store ``value`` under ``key`` (written at :meth:`commit`, or before once the values put
        add up to :data:`WRITE_AT`)."""
        self._used.add(key)
        self._dropped.discard(key)
        self._pending[key] = value
        self._pending_bytes += len(value)
        if self._pending_bytes >= WRITE_AT and self._db is not None:
            self._write_pending()

    def _write_pending(self) -> None:
        """Write the values put so far, in a transaction of their own: an entry is valid whether or
        not the build that made it ends well, and a cold build's parses need not wait in memory."""
        with self._transaction():
            self._insert_pending(self._build_number())
        self._pending.clear()
        self._pending_bytes = 0

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; on a database error it is rolled back and the cache is no longer
        used by this build (:meth:`_fail`), the build going on."""
        assert self._db is not None
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            yield db
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            try:
                db.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            self._fail(exc)

    def _build_number(self) -> int:
        """The number of the build under way (the last counted one's, plus one)."""
        assert self._db is not None
        row = self._db.execute("SELECT value FROM meta WHERE name='builds'").fetchone()
        return int(row[0]) + 1 if row and str(row[0]).isdigit() else 1

    def _insert_pending(self, build: int) -> None:
        assert self._db is not None
        self._db.executemany("INSERT OR REPLACE INTO kv VALUES (?, ?)", self._pending.items())
        self._db.executemany("INSERT OR REPLACE INTO last_use VALUES (?, ?)", ((k, build) for k in self._pending))

    def keep(self, keys: Iterable[str]) -> None:
        """Count ``keys`` as used by this build without reading them (what it found in memory, or
        will read only when it needs to)."""
        self._used.update(keys)

    def drop(self, key: str) -> None:
        """Delete ``key`` at :meth:`commit`: this build replaced it."""
        if key not in self._pending:
            self._dropped.add(key)

    def commit(self, prune: bool = True) -> None:
        """Write what was put and delete what was dropped; with ``prune``, count this build and drop
        every entry that no build of the last :data:`KEEP_BUILDS` used."""
        if self._db is None:
            return
        with self._transaction() as db:
            build = self._build_number()
            self._insert_pending(build)
            gone = [(k,) for k in self._dropped - self._used]
            db.executemany("DELETE FROM kv WHERE key = ?", gone)
            db.executemany("DELETE FROM last_use WHERE key = ?", gone)
            if prune:
                db.execute("CREATE TEMP TABLE IF NOT EXISTS used (key TEXT PRIMARY KEY)")
                db.execute("DELETE FROM used")
                # One statement for the keys (tens of thousands): a row a call is most of a no-op's commit.
                db.execute("INSERT OR IGNORE INTO used SELECT value FROM json_each(?)", (json.dumps(sorted(self._used)),))
                db.execute("UPDATE last_use SET build = ? WHERE build < ? AND key IN (SELECT key FROM used)",
                           (build, build - REFRESH))
                old = f"SELECT key FROM last_use WHERE build <= ? AND key NOT LIKE '{PINNED}%'"
                db.execute(f"DELETE FROM kv WHERE key IN ({old})", (build - KEEP_BUILDS,))
                db.execute(f"DELETE FROM last_use WHERE key IN ({old})", (build - KEEP_BUILDS,))
                db.execute("INSERT OR REPLACE INTO meta VALUES ('builds', ?)", (str(build),))
        self._pending.clear()
        self._pending_bytes = 0
        self._used.clear()
        self._dropped.clear()

    def close(self) -> None:
        """Close the database (pending values are dropped)."""
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
            self._db = None


def _reason(exc: BaseException) -> str:
    text = str(exc)
    if "disk is full" in text or getattr(exc, "errno", None) == 28:
        return "磁盘空间不足"
    if "readonly" in text or "read-only" in text or getattr(exc, "errno", None) in (13, 30):
        return "没有写入权限"
    return text or type(exc).__name__
