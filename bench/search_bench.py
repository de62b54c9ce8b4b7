"""Benchmark the search index (issue 3): build time, peak memory, index size, bytes per query.

    python bench/search_bench.py 10000 100000 [--workers N] [--keep DIR]

For each N it generates N synthetic reports (govsite.search.synthetic, deterministic), builds the
index, and replays a few queries with the Python twin of search.js (govsite.search.reader), which
fetches exactly the files the browser would: meta, one shard per distinct key, and the document
files of the first page (20 results; all candidates when there are at most 40 to verify). The
bytes of a first query include search.js as served (uncompressed: no server gzip is assumed) and
meta.json.gz; a later query is the next query in the same session, with caches warm.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from govsite.search import write_index  # noqa: E402
from govsite.search.reader import Filters, IndexReader  # noqa: E402
from govsite.search.synthetic import generate  # noqa: E402

SCRIPT = ROOT / "govsite" / "theme" / "static" / "search.js"
QUERIES = [
    ("卫辉", Filters()),
    ("卫辉市商务局", Filters()),
    ("疫情防控", Filters()),
    ("行政复议 2023", Filters()),
    ("局", Filters()),
    ("营商环境", Filters(year=2022)),
    ("", Filters(region="江苏省/淮安市")),
]


def _peak_rss_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def bench(n: int, workers: int | None, keep: Path | None) -> dict:
    c0 = time.process_time()
    for _ in generate(n):  # how much of the CPU time below is only making the corpus
        pass
    gen_cpu = time.process_time() - c0
    docs = generate(n)  # a generator: write_index spools it, as it would a streaming build
    work = Path(tempfile.mkdtemp(prefix="search-bench-", dir=keep))
    out = work / "search"
    cpu0 = time.process_time()
    kids0 = os.times().children_user + os.times().children_system
    t0 = time.perf_counter()
    stats = write_index(docs, out, workers=workers)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0 + (os.times().children_user + os.times().children_system - kids0)
    own, kids = _peak_rss_mb()
    script = SCRIPT.stat().st_size
    print(f"\n== {n:,} reports ==")
    print(f"build (incl. generating the corpus): {wall:.1f} s wall, {cpu:.1f} s CPU, "
          f"workers={stats.extra['workers']}, peak RSS main {own:.0f} MB / largest worker {kids:.0f} MB")
    print(f"  of which generating the synthetic corpus: {gen_cpu:.1f} s CPU; indexing alone ≈ {cpu - gen_cpu:.1f} s CPU")
    print(f"  phases: docs+postings {stats.extra['docs_and_postings_s']:.1f} s, shards {stats.extra['shards_s']:.1f} s")
    print(f"  keys {stats.keys:,}, postings {stats.postings:,}, shards {stats.shards:,}")
    print(f"  size (gzip): shards {stats.shard_bytes / 1e6:.1f} MB, doc files {stats.doc_bytes / 1e6:.1f} MB, "
          f"meta {stats.meta_bytes / 1e3:.1f} KB, files {stats.files:,}")
    print(f"  search.js {script / 1e3:.1f} KB (served as is)")
    rows = []
    for i, (q, f) in enumerate(QUERIES):
        first_reader = IndexReader(out)  # a fresh session
        res = first_reader.search(q, f)
        first = script + first_reader.meta_bytes + sum(res.fetched.values())
        shards = sum(v for k, v in res.fetched.items() if k.startswith("i/"))
        # later: the same query after another query in the session (script, meta, shared shards cached)
        warm = IndexReader(out)
        prev_q, prev_f = QUERIES[i - 1]
        warm.search(prev_q, prev_f)
        later = sum(warm.search(q, f).fetched.values())
        label = " ".join(x for x in (q, str(f.year or ""), f.region, f.level) if x)
        rows.append((label, len(res.ids), res.exact, first, shards, later))
        print(f"  query {label!r:28} results {'' if res.exact else '≤'}{len(res.ids):>6}  first {first / 1e3:6.1f} KB "
              f"(shards {shards / 1e3:5.1f} KB)  later {later / 1e3:6.1f} KB")
    shutil.rmtree(work, ignore_errors=True)
    return {"n": n, "wall": wall, "cpu": cpu, "rss": max(own, kids), "stats": stats, "rows": rows}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--keep", type=Path, default=None, help="folder for the temporary index")
    args = ap.parse_args()
    print(f"{platform.platform()}; Python {platform.python_version()}; nproc {os.cpu_count()}")
    print(subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.strip())
    for n in args.sizes:
        bench(n, args.workers, args.keep)


if __name__ == "__main__":
    multiprocessing.freeze_support()
    main()
