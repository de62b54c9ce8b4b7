"""Importer accuracy on reports it has never seen: cells exact, wrong and missing.

Random 2021-format tables for which R1–R4 hold are written out in the damaged shapes met in real
published reports (tests/importkit.py draws them: fragmented PDF-to-Markdown rows with truncated,
mistyped, merged and duplicated labels; crawled one-line page text with run-together digits), then
imported. A wrong cell is the number that matters: it must stay 0. Run::

    python3 bench/import_accuracy.py --reports 200

and copy the table into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from govsite.importer import import_file  # noqa: E402
from importkit import GARBLES, SHAPES, compare_cells, random_2021, render_collapsed, render_fragmented  # noqa: E402


@dataclass
class Tally:
    """Cells of one kind of source, summed over its reports."""

    reports: int = 0
    exact: int = 0
    wrong: int = 0
    missing: int = 0

    def add(self, exact: int, wrong: int, missing: int) -> None:
        self.reports += 1
        self.exact += exact
        self.wrong += wrong
        self.missing += missing

    def row(self, name: str) -> str:
        cells = self.exact + self.wrong + self.missing
        return (f"| {name} | {self.reports} | {cells} | {self.exact / cells:.2%} | {self.wrong} | "
                f"{self.missing / cells:.2%} |")


def measure(reports: int, folder: Path) -> dict[str, Tally]:
    """Import ``reports`` generated reports of every shape; the tallies by shape."""
    kinds = [(f"fragmented, {shape}, labels {garble}", shape, garble) for shape in SHAPES + ("mixed",)
             for garble in GARBLES] + [("crawled one-line text", "", "")]
    out: dict[str, Tally] = {}
    for name, shape, garble in kinds:
        tally = out.setdefault(name, Tally())
        for seed in range(reports):
            rng = random.Random(f"accuracy-{name}-{seed}")
            truth = random_2021(rng)
            if shape:
                src = folder / f"r{seed}.md"
                src.write_text(render_fragmented(truth, rng, shape=shape, garble=garble), encoding="utf-8")
            else:
                src = folder / f"r{seed}.txt"
                src.write_text(render_collapsed(truth, rng), encoding="utf-8")
            exact, wrong, missing, _ = compare_cells(truth, import_file(src).values)
            tally.add(exact, wrong, missing)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=50, help="reports per shape")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tallies = measure(args.reports, Path(tmp))
    print("| source shape | reports | cells | exact | wrong | missing |")
    print("|---|---:|---:|---:|---:|---:|")
    total = Tally()
    for name, tally in tallies.items():
        print(tally.row(name))
        total.reports += tally.reports
        total.exact += tally.exact
        total.wrong += tally.wrong
        total.missing += tally.missing
    print(total.row("**all**"))


if __name__ == "__main__":
    main()
