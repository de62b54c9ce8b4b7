"""Values kept between builds by the page workers, in an SQLite file of the build cache (issue 7).

The page workers are separate processes; what one of them computes for a page (a region's sums of
a year, say) can be kept for the next build by a key naming everything it is made from. Each
process opens its own connection (after the fork); the file is in WAL mode so that they can write
at once. What a build does not use is forgotten when it ends (:func:`prune`, by the parent, once
the workers are done): each worker records the keys it used.

A store that cannot be opened (locked, unreadable) only makes the build slower: every value is
computed again. Nothing here can fail a build.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

_SCHEMA = ("CREATE TABLE IF NOT EXISTS blobs (key TEXT PRIMARY KEY, data BLOB)",
           "CREATE TABLE IF NOT EXISTS used (key TEXT PRIMARY KEY)")


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    for statement in _SCHEMA:
        db.execute(statement)
    return db


class BlobStore:
    """One process's connection to a store of ``key → bytes``; new values and the keys used are
    written ``batch`` at a time and at :meth:`close`."""

    def __init__(self, path: Path, batch: int = 64) -> None:
        self.batch = batch
        self.new: dict[str, bytes] = {}
        self.used: set[str] = set()
        self.db: sqlite3.Connection | None = None
        try:
            self.db = _connect(path)
        except sqlite3.DatabaseError:
            self.db = None  # locked or damaged: no store for this process

    def get(self, key: str) -> bytes | None:
        """The value stored at ``key``, if any (the key is then used by this build)."""
        if self.db is None:
            return None
        if key in self.new:
            return self.new[key]
        try:
            row = self.db.execute("SELECT data FROM blobs WHERE key = ?", (key,)).fetchone()
        except sqlite3.DatabaseError:
            return None
        if row is not None:
            self.used.add(key)
        return row[0] if row is not None else None

    def put(self, key: str, data: bytes) -> None:
        """Keep ``data`` at ``key`` (written with the next batch)."""
        if self.db is None:
            return
        self.new[key] = data
        if len(self.new) >= self.batch:
            self._flush()

    def keep(self, key: str) -> None:
        """Keep the value at ``key`` for the next build without reading it (used, for :func:`prune`)."""
        if self.db is not None:
            self.used.add(key)

    def flush(self) -> None:
        """Write what is waiting now (a large value need not wait for the batch)."""
        self._flush()

    def _flush(self) -> None:
        if self.db is None or not (self.new or self.used):
            return
        try:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("INSERT OR REPLACE INTO blobs VALUES (?, ?)", self.new.items())
            self.db.executemany("INSERT OR IGNORE INTO used VALUES (?)",
                                [(k,) for k in self.used | self.new.keys()])
            self.db.execute("COMMIT")
        except sqlite3.DatabaseError:
            try:
                self.db.execute("ROLLBACK")
            except sqlite3.DatabaseError:
                pass
        self.new, self.used = {}, set()

    def close(self) -> None:
        """Write what is waiting and close the connection."""
        if self.db is None:
            return
        try:
            self._flush()
        finally:
            self.db.close()
            self.db = None


def prune(path: Path) -> None:
    """Forget the values no process used since the last prune (the parent, after the workers).

    A build that used none (it rendered none of the pages that read the store) forgets nothing:
    the values are still those of the reports as they are, and the next edit needs them."""
    if not path.exists():
        return
    try:
        db = _connect(path)
    except sqlite3.DatabaseError:
        return
    try:
        db.execute("BEGIN IMMEDIATE")
        if db.execute("SELECT 1 FROM used LIMIT 1").fetchone() is None:
            db.execute("COMMIT")
            return
        db.execute("DELETE FROM blobs WHERE key NOT IN (SELECT key FROM used)")
        db.execute("DELETE FROM used")
        db.execute("COMMIT")
    except sqlite3.DatabaseError:
        pass
    finally:
        db.close()
