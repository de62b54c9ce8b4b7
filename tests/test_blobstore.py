"""The store the page workers keep values in between builds (issue 7: region sums)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from govsite.blobstore import BlobStore, prune


def _put(path: str, key: str) -> None:
    store = BlobStore(Path(path))
    store.put(key, key.encode() * 3)
    store.close()


def test_values_survive_and_unused_ones_are_pruned(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    store = BlobStore(path)
    store.put("a", b"1")
    store.put("b", b"2")
    assert store.get("a") == b"1"  # found before it is written
    store.close()
    prune(path)  # both were used (put) by the build that made them
    store = BlobStore(path)
    assert store.get("a") == b"1" and store.get("b") == b"2"
    store.close()
    prune(path)
    store = BlobStore(path)
    assert store.get("a") == b"1"  # the next build used "a" only
    store.close()
    prune(path)
    store = BlobStore(path)
    assert store.get("b") is None and store.get("a") == b"1"
    store.close()


def test_a_build_that_used_nothing_forgets_nothing(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    store = BlobStore(path)
    store.put("a", b"1")
    store.close()
    prune(path)
    prune(path)  # a build that rendered no page reading the store
    store = BlobStore(path)
    assert store.get("a") == b"1"
    store.close()


def test_several_processes_write_at_once(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_put, args=(str(path), f"k{i}")) for i in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
        assert p.exitcode == 0
    store = BlobStore(path)
    assert [store.get(f"k{i}") for i in range(4)] == [f"k{i}".encode() * 3 for i in range(4)]
    store.close()


def test_a_damaged_or_missing_store_is_no_store(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"not a database" * 200)
    store = BlobStore(bad)
    store.put("a", b"1")
    assert store.db is None and store.get("a") is None  # computed again, never an error
    store.close()
    prune(bad)  # never raises
    prune(tmp_path / "absent.sqlite")
    assert not (tmp_path / "absent.sqlite").exists()
