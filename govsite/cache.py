"""The persistent build cache in ``.govsite-cache/`` at the site root (issue 7).

What is cached, and what makes an entry valid:

- **Parsed reports.** ``load_report`` + ``check_report`` of one file, keyed by the file's content
  hash, its path as messages show it, and the *code fingerprint* (govsite's version and source,
  the library versions). Nothing else goes into a parsed report, so this is exact.
- **Pages.** The output path → the key of everything the page was rendered from, plus the size and
  mtime of the file written. A page whose key is unchanged is taken from the previous output by
  hard link (copy where links fail) instead of being rendered again — only when that previous file
  is still exactly the one a build wrote (same size and mtime), so a hand-edited output is rebuilt.
- **The last build.** A digest of every input of the build (fingerprint, each report's hash, static
  files, options) and what the output held afterwards: a rebuild with nothing changed and the output
  untouched does nothing at all.

The *site fingerprint* adds to the code fingerprint everything a page may depend on besides the
reports: ``site.toml``, every file in ``layouts/``, the command-line overrides.

Deleting the folder gives a cold build; a damaged cache is discarded, never trusted.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

CACHE_DIR = ".govsite-cache"
SCHEMA = 3  # bump when the layout of the cache changes
_PACKAGE = Path(__file__).resolve().parent


def digest(*parts: Any) -> str:
    """A short stable hash of strings/bytes/reprs."""
    h = hashlib.blake2b(digest_size=16)
    for p in parts:
        data = p if isinstance(p, bytes) else repr(p).encode("utf-8")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def file_hash(path: str | os.PathLike[str]) -> str | None:
    """The content hash of a file (symlinks followed), or None when it cannot be read: the identity
    of a content file's bytes in every cache key."""
    try:
        with open(os.path.realpath(path), "rb") as fh:
            return hashlib.blake2b(fh.read(), digest_size=16).hexdigest()
    except OSError:
        return None


def search_text_key(parse_key: str) -> str:
    """The cache key of a report's search text: a function of the parsed report, so of its parse key."""
    return digest("search_text", parse_key)


def _tree(folder: Path) -> list[tuple[str, bytes]]:
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
    for name in ("jinja2", "markupsafe", "markdown-it-py", "markdown-it-pyrs", "mdit-py-plugins", "tomli"):
        try:
            out.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            out.append(f"{name}=-")
    return tuple(out)


def code_fingerprint() -> str:
    """govsite's version (read at call time, so a test can change it), its source and theme, and the
    versions of the libraries that shape the output: the code part of every cache key."""
    import govsite

    return digest(SCHEMA, govsite.__version__, _tree(_PACKAGE), _library_versions())


def site_fingerprint(code: str, root: Path, config_repr: str, layouts: Path) -> str:
    """The code fingerprint plus the site's settings (as validated, overrides included) and layouts."""
    try:
        site_toml = (root / "site.toml").read_bytes()
    except OSError:
        site_toml = b""
    return digest(code, site_toml, config_repr, _tree(layouts))


@dataclass(slots=True)
class FileState:
    """What the cache remembers of a content file, to skip reading it when it has not changed."""

    size: int
    mtime_ns: int
    ino: int
    hash: str


class BuildCache:
    """The cache of one site, an SQLite database in ``<root>/.govsite-cache/``.

    SQLite because it is in the standard library, keeps the parsed reports out of memory until asked
    for, and gives atomic commits: an interrupted build leaves the previous cache whole.
    """

    def __init__(self, root: Path) -> None:
        self.dir = root / CACHE_DIR
        self.dir.mkdir(exist_ok=True)
        self.path = self.dir / "cache.sqlite"
        try:
            self.db = self._open()
        except sqlite3.DatabaseError:
            # A damaged cache is only a slower build: throw it away.
            self.path.unlink(missing_ok=True)
            self.db = self._open()
        self.used_parsed: set[str] = set()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB)")
        db.execute("CREATE TABLE IF NOT EXISTS parsed (key TEXT PRIMARY KEY, data BLOB)")
        db.execute("CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INT, mtime_ns INT, ino INT, hash TEXT)")
        db.execute("CREATE TABLE IF NOT EXISTS pages (path TEXT PRIMARY KEY, key TEXT, size INT, mtime_ns INT)")
        db.execute("CREATE TABLE IF NOT EXISTS search_text (key TEXT PRIMARY KEY, text TEXT)")
        db.execute("CREATE TABLE IF NOT EXISTS output (path TEXT PRIMARY KEY, size INT, mtime_ns INT, ino INT)")
        db.execute("CREATE TABLE IF NOT EXISTS snapshot (part TEXT, i INT, data BLOB, PRIMARY KEY (part, i))")
        db.execute("CREATE TABLE IF NOT EXISTS folders (path TEXT PRIMARY KEY, mtime_ns INT, settled INT)")
        row = db.execute("SELECT value FROM meta WHERE name='schema'").fetchone()
        if row is None or row[0] != SCHEMA:
            for table in ("meta", "parsed", "files", "pages", "search_text", "output", "snapshot", "folders"):
                db.execute(f"DELETE FROM {table}")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (SCHEMA,))
        return db

    def close(self) -> None:
        """Close the database (the cache object is unusable afterwards)."""
        self.db.close()

    # --- content files ------------------------------------------------------------------------

    def file_states(self) -> dict[str, FileState]:
        """The remembered state of every content file."""
        return {p: FileState(s, m, i, h) for p, s, m, i, h in self.db.execute("SELECT * FROM files")}

    def save_file_states(self, states: dict[str, FileState]) -> None:
        """Replace the remembered file states."""
        with self._transaction():
            self.db.execute("DELETE FROM files")
            self.db.executemany("INSERT INTO files VALUES (?,?,?,?,?)",
                                [(p, s.size, s.mtime_ns, s.ino, s.hash) for p, s in sorted(states.items())])

    # --- parsed reports -----------------------------------------------------------------------

    def get_parsed(self, keys: list[str]) -> Iterator[tuple[str, bytes]]:
        """The pickled ``(report, diagnostics)`` of those keys that are cached, a few hundred at a
        time (all of them at once would double the memory of a 100k build)."""
        self.used_parsed.update(keys)
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            q = f"SELECT key, data FROM parsed WHERE key IN ({','.join('?' * len(chunk))})"
            yield from self.db.execute(q, chunk).fetchall()

    def parsed_keys(self, keys: list[str]) -> set[str]:
        """Those of ``keys`` that have a parse result stored (without reading them)."""
        found: set[str] = set()
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            q = f"SELECT key FROM parsed WHERE key IN ({','.join('?' * len(chunk))})"
            found.update(k for (k,) in self.db.execute(q, chunk))
        return found

    def put_parsed(self, items: Iterable[tuple[str, bytes]]) -> None:
        """Store pickled parse results."""
        items = list(items)
        with self._transaction():
            self.db.executemany("INSERT OR REPLACE INTO parsed VALUES (?,?)", items)
        self.used_parsed.update(k for k, _ in items)

    def prune_parsed(self) -> None:
        """Forget parse results no file of this build used, once they outnumber the used ones (an
        archive edited for years must not grow its cache without bound)."""
        total = self.db.execute("SELECT COUNT(*) FROM parsed").fetchone()[0]
        if total <= 2 * len(self.used_parsed) + 100:
            return
        with self._transaction():
            self.db.execute("CREATE TEMP TABLE keep (key TEXT PRIMARY KEY)")
            self.db.executemany("INSERT INTO keep VALUES (?)", [(k,) for k in self.used_parsed])
            self.db.execute("DELETE FROM parsed WHERE key NOT IN (SELECT key FROM keep)")
            self.db.execute("DROP TABLE keep")

    # --- search texts ---------------------------------------------------------------------------

    def get_search_texts(self, keys: list[str]) -> dict[str, str]:
        """The cached search texts (``render.search_text``) of those keys that are cached."""
        out: dict[str, str] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            q = f"SELECT key, text FROM search_text WHERE key IN ({','.join('?' * len(chunk))})"
            out.update(self.db.execute(q, chunk).fetchall())
        return out

    def put_search_texts(self, items: dict[str, str]) -> None:
        """Store new search texts (old ones go in :meth:`prune_search_texts`)."""
        with self._transaction():
            self.db.executemany("INSERT OR REPLACE INTO search_text VALUES (?,?)", sorted(items.items()))

    def prune_search_texts(self, used: Iterable[str]) -> None:
        """Forget the search texts not ``used`` by this build, once they outnumber the used ones."""
        with self._transaction():
            self.db.execute("CREATE TEMP TABLE keep_st (key TEXT PRIMARY KEY)")
            self.db.executemany("INSERT OR IGNORE INTO keep_st VALUES (?)", ((k,) for k in used))
            kept = self.db.execute("SELECT COUNT(*) FROM keep_st").fetchone()[0]
            total = self.db.execute("SELECT COUNT(*) FROM search_text").fetchone()[0]
            if total > 2 * kept + 100:
                self.db.execute("DELETE FROM search_text WHERE key NOT IN (SELECT key FROM keep_st)")
            self.db.execute("DROP TABLE keep_st")

    # --- pages and the last build -------------------------------------------------------------

    def pages(self) -> dict[str, tuple[str, int, int]]:
        """Output path → (key, size, mtime_ns) of the previous build."""
        return {p: (k, s, m) for p, k, s, m in self.db.execute("SELECT * FROM pages")}

    def save_pages(self, pages: dict[str, tuple[str, int, int]] | Iterable[tuple[str, str, int, int]]) -> None:
        """Replace the page records (a dict, or ``(path, key, size, mtime_ns)`` rows, streamed)."""
        rows = ((p, *v) for p, v in pages.items()) if isinstance(pages, dict) else pages
        with self._transaction():
            self.db.execute("DELETE FROM pages")
            self.db.executemany("INSERT INTO pages VALUES (?,?,?,?)", rows)

    def update_pages(self, pages: dict[str, tuple[str, int, int]], forget: Iterable[str] = ()) -> None:
        """Replace the records of some pages only (a build that rewrote a few), and drop those of
        the pages in ``forget``."""
        with self._transaction():
            self.db.executemany("DELETE FROM pages WHERE path=?", [(p,) for p in forget])
            self.db.executemany("INSERT OR REPLACE INTO pages VALUES (?,?,?,?)",
                                [(p, *v) for p, v in sorted(pages.items())])

    # --- what the output folder held after the last build --------------------------------------

    def output_state(self) -> dict[str, tuple[int, int, int]]:
        """Every file the last build left in the output: path → (size, mtime_ns, inode)."""
        return {p: (s, m, i) for p, s, m, i in self.db.execute("SELECT * FROM output")}

    def output_stats(self, paths: list[str]) -> dict[str, tuple[int, int, int]]:
        """The recorded stat of some output files (those recorded)."""
        out: dict[str, tuple[int, int, int]] = {}
        for i in range(0, len(paths), 500):
            chunk = paths[i:i + 500]
            q = f"SELECT * FROM output WHERE path IN ({','.join('?' * len(chunk))})"
            out.update((p, (s, m, n)) for p, s, m, n in self.db.execute(q, chunk))
        return out

    def save_output_state(self, state: dict[str, tuple[int, int, int]] | Iterable[tuple[str, int, int, int]],
                          replace: bool = True) -> None:
        """Record the output's files (all of them, or with ``replace=False`` some that changed), as
        a dict or as ``(path, size, mtime_ns, inode)`` rows (streamed: 448,000 at 100k reports)."""
        rows = ((p, *v) for p, v in state.items()) if isinstance(state, dict) else state
        with self._transaction():
            if replace:
                self.db.execute("DELETE FROM output")
            self.db.executemany("INSERT OR REPLACE INTO output VALUES (?,?,?,?)", rows)

    def folder_state(self) -> "FolderRecords":
        """What the last build left in each output folder (``govsite.write.FolderState``)."""
        return FolderRecords(self.db)

    def save_folder_state(self, rows: Iterable[tuple[str, int | None, bool]], replace: bool = True) -> None:
        """Record output folders as ``(folder, mtime_ns, settled)`` (a folder gone: mtime None);
        all of them, or with ``replace=False`` those the build changed."""
        with self._transaction():
            if replace:
                self.db.execute("DELETE FROM folders")
            for path, mtime, settled in rows:
                if mtime is None:
                    self.db.execute("DELETE FROM folders WHERE path=?", (path,))
                else:
                    self.db.execute("INSERT OR REPLACE INTO folders VALUES (?,?,?)", (path, mtime, int(settled)))

    def forget_output(self, paths: list[str]) -> None:
        """Forget output files that were deleted."""
        with self._transaction():
            self.db.executemany("DELETE FROM output WHERE path=?", [(p,) for p in paths])

    # --- the snapshot of the last build (govsite.delta) ------------------------------------------

    def save_snapshot(self, head: Any, parts: dict[str, Iterable[bytes]]) -> None:
        """Replace the snapshot: a small pickled head and, per part, its chunks (streamed). A chunk
        stored with the same bytes is left as it is (issue 7: after an edit most are), compared
        by SQLite without reading it into Python."""
        with self._transaction():
            self.db.execute("DELETE FROM snapshot WHERE part NOT IN (%s)" % ",".join("?" * (len(parts) + 1)),
                            ["", *parts])
            self.db.execute("INSERT OR REPLACE INTO snapshot VALUES ('', 0, ?)",
                            (pickle.dumps(head, protocol=pickle.HIGHEST_PROTOCOL),))
            for part, chunks in parts.items():
                count = 0
                for i, chunk in enumerate(chunks):
                    count = i + 1
                    same = self.db.execute("SELECT data = ? FROM snapshot WHERE part=? AND i=?",
                                           (chunk, part, i)).fetchone()
                    if not (same and same[0]):
                        self.db.execute("INSERT OR REPLACE INTO snapshot VALUES (?, ?, ?)", (part, i, chunk))
                self.db.execute("DELETE FROM snapshot WHERE part=? AND i>=?", (part, count))

    def load_snapshot(self) -> tuple[Any, dict[str, list[bytes]]] | None:
        """The head and the parts :meth:`save_snapshot` stored, or None."""
        head = None
        parts: dict[str, list[bytes]] = {}
        for part, _, data in self.db.execute("SELECT * FROM snapshot ORDER BY part, i"):
            if part == "":
                try:
                    head = pickle.loads(data)
                except Exception:  # noqa: BLE001 — a damaged entry is simply absent
                    return None
            else:
                parts.setdefault(part, []).append(data)
        return None if head is None else (head, parts)

    def get_meta(self, name: str) -> Any:
        """A pickled value of the ``meta`` table, or ``None``."""
        row = self.db.execute("SELECT value FROM meta WHERE name=?", (name,)).fetchone()
        if row is None:
            return None
        try:
            return pickle.loads(row[0])
        except Exception:  # noqa: BLE001 — a stale or damaged entry is simply absent
            return None

    def set_meta(self, name: str, value: Any) -> None:
        """Store a value in the ``meta`` table."""
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, data))

    def _transaction(self):
        return _Transaction(self.db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, exc, tb) -> None:
        self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")


class FolderRecords(Mapping[str, tuple[int, bool]]):
    """The output folders recorded by the last build (``govsite.write.FolderState``), read from the
    cache as they are asked for rather than held: ~120,000 folders at 100,000 reports were ~25 MB
    in the process that commits (issue 7). ``items()`` streams; ``in`` asks the database."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __getitem__(self, path: str) -> tuple[int, bool]:
        row = self.db.execute("SELECT mtime_ns, settled FROM folders WHERE path=?", (path,)).fetchone()
        if row is None:
            raise KeyError(path)
        return row[0], bool(row[1])

    def __contains__(self, path: object) -> bool:
        return self.db.execute("SELECT 1 FROM folders WHERE path=?", (path,)).fetchone() is not None

    def __iter__(self) -> Iterator[str]:
        return (p for p, in self.db.execute("SELECT path FROM folders"))

    def __len__(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM folders").fetchone()[0]

    def items(self) -> Iterator[tuple[str, tuple[int, bool]]]:  # type: ignore[override]
        return ((p, (m, bool(s))) for p, m, s in self.db.execute("SELECT * FROM folders"))


#: A content file modified less than this many seconds ago is "racily clean" (git's term): an edit
#: within the same timestamp tick could go unseen, so its state is not remembered and it is hashed
#: again next time.
RACY_SECONDS = 2.0
