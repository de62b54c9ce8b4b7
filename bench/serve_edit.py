"""How fast ``govsite serve`` shows a save (issue 7; issue 4 asks for "within a second").

    python3 bench/serve_edit.py bench/out/site-10000      # a site made by bench/run.py
    python3 bench/serve_edit.py SITE --edits 5

Drives :class:`govsite.serve.Preview` in this process, as ``govsite serve`` does (the web server
adds nothing to a rebuild): the first build (worker processes, as before the server starts), then
``--edits`` prose edits of one report, one cell edit, a publication-date edit (metadata) and the restore, each handled in this
process as ``govsite serve`` handles a save: the edited report's pages first (the page is shown
then), the pages across reports right after. Prints the seconds of each rebuild; the report file is restored at the end. No figure is
asserted anywhere: record them in bench/RESULTS.md with the date and the machine.
"""

from __future__ import annotations

import argparse
import re
import resource
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from govsite.serve import Preview  # noqa: E402


def timed(preview: Preview, parallel: bool = False) -> float:
    """One rebuild; its seconds. A rebuild that shows problems is a failure of the benchmark."""
    t = time.perf_counter()
    outcome = preview.rebuild(parallel=parallel)
    seconds = time.perf_counter() - t
    if outcome.served.broken:
        raise SystemExit(f"预览生成失败：{outcome.served.problems[0].message}")
    return seconds


def saved(preview: Preview, path: Path) -> tuple[float, float]:
    """One save of ``path`` as ``govsite serve`` handles it: the deferred rebuild told what changed
    (the edited report's pages, then the reload) and the completion (the pages across reports);
    the seconds of each."""
    t = time.perf_counter()
    outcome = preview.rebuild(defer=True, changed=[str(path)])
    shown = time.perf_counter() - t
    if outcome.served.broken:
        raise SystemExit(f"预览生成失败：{outcome.served.problems[0].message}")
    t = time.perf_counter()
    preview.complete()
    return shown, time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="govsite serve 保存后重建的用时（issue 7）")
    p.add_argument("site", type=Path, help="站点目录（如 bench/run.py 生成的 bench/out/site-10000）")
    p.add_argument("--edits", type=int, default=3, help="正文修改的次数（默认 3）")
    args = p.parse_args(argv)
    files = sorted((args.site / "content").glob("*/*.md"))
    if not files:
        raise SystemExit(f"{args.site}/content 中没有报告")
    path = files[len(files) // 2]  # the report bench/run.py edits
    original = path.read_bytes()
    try:
        with Preview(args.site) as preview:
            first = timed(preview, parallel=True)
            print(f"首次生成：{first:.2f} 秒（{len(files)} 份报告）", flush=True)
            prose = []
            for i in range(args.edits):
                path.write_bytes(original + f"\n本段为预览基准测试的第 {i + 1} 次修改。\n".encode())
                prose.append(saved(preview, path))
                print(f"改正文 {i + 1}：页面 {prose[-1][0]:.2f} 秒，其余页面再 {prose[-1][1]:.2f} 秒", flush=True)
            path.write_bytes(original.replace(b"new_requests = [", b"new_requests = [1", 1))
            cell = saved(preview, path)
            print(f"改一个单元格：页面 {cell[0]:.2f} 秒，其余页面再 {cell[1]:.2f} 秒", flush=True)
            text = original.decode("utf-8")
            dated = re.sub(r"(?m)^published = \S+$", "published = 2025-12-30", text, count=1)
            if dated == text:
                raise SystemExit(f"{path} 没有 published 行")
            path.write_bytes(dated.encode("utf-8"))
            meta = saved(preview, path)
            print(f"改发布日期（元数据）：页面 {meta[0]:.2f} 秒，其余页面再 {meta[1]:.2f} 秒", flush=True)
            path.write_bytes(original)
            restore = saved(preview, path)
            print(f"改回原样：页面 {restore[0]:.2f} 秒，其余页面再 {restore[1]:.2f} 秒", flush=True)
            print(f"正文修改中位数：页面 {statistics.median(p for p, _ in prose):.2f} 秒，"
                  f"其余页面再 {statistics.median(r for _, r in prose):.2f} 秒")
            print(f"常驻内存峰值：{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
    finally:
        path.write_bytes(original)
    return 0


if __name__ == "__main__":
    sys.exit(main())
