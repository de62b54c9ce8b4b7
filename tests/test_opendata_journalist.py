"""A journalist's three questions, answered from the downloads alone (``data/`` of a built site) and
compared with the truth read straight from the content files with tomllib (no govsite model):

1. the five agencies with the most new applications in a year;
2. every report that breaks a rule, with the rule;
3. the year totals.

The site is ``bench/generate.py``'s synthetic archive (both format versions, a few reports broken
on purpose), small enough to build in a few seconds.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import tomllib
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from govsite.build import build

REPO = Path(__file__).resolve().parents[1]
YEARS = range(2019, 2026)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("journalist") / "site"
    subprocess.run([sys.executable, str(REPO / "bench" / "generate.py"), str(root), "-n", "150"], check=True,
                   capture_output=True)
    out = root.parent / "public"
    assert build(root, output=out).pages
    return root, out / "data"


def download(data: Path, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((data / name).read_bytes().decode("utf-8-sig"), newline="")))


def sources(root: Path) -> dict[tuple[int, str], dict]:
    """(year, slug) → front matter, read with tomllib only."""
    out = {}
    for path in sorted((root / "content").glob("*/*.md")):
        doc = tomllib.loads(path.read_text(encoding="utf-8").split("+++")[1])
        out[(doc["year"], path.stem)] = doc
    return out


def test_five_agencies_with_the_most_new_applications(site) -> None:
    root, data = site
    truth = sources(root)
    for year in YEARS:
        rows = download(data, f"{year}.csv")
        top = sorted(rows, key=lambda r: -int(r["applications.new_requests.total"]))[:5]
        counts = {doc["agency"]: doc["applications"]["new_requests"][6] for (y, _), doc in truth.items() if y == year}
        expected = sorted(counts.values(), reverse=True)[:5]
        assert [int(r["applications.new_requests.total"]) for r in top] == expected, year
        assert all(counts[r["agency"]] == int(r["applications.new_requests.total"]) for r in top)


def broken_equations(doc: dict) -> set[str]:
    """The rules R1–R4 (spec §7) ``doc``'s tables break, worked out here from the numbers."""
    apps, reviews = doc["applications"], doc["reviews"]
    outcomes = [k for k in apps if k not in ("new_requests", "carried_over", "total", "carried_forward")]
    value = lambda v: v or 0  # noqa: E731 — a blank cell counts as 0
    broken = set()
    for c in range(7):
        if value(apps["new_requests"][c]) + value(apps["carried_over"][c]) != \
                value(apps["total"][c]) + value(apps["carried_forward"][c]):
            broken.add("R1")
        if value(apps["total"][c]) != sum(value(apps[k][c]) for k in outcomes):
            broken.add("R3")
    if any(value(row[6]) != sum(value(v) for v in row[:6]) for row in apps.values()):
        broken.add("R2")
    if any(value(row[4]) != sum(value(v) for v in row[:4]) for row in reviews.values()):
        broken.add("R4")
    return broken


def test_every_report_that_breaks_a_rule_with_the_rule(site) -> None:
    root, data = site
    found: dict[tuple[int, str], set[str]] = defaultdict(set)
    severities: dict[tuple[int, str, str], set[str]] = defaultdict(set)
    for year in YEARS:
        for r in download(data, f"{year}-checks.csv"):
            found[(int(r["year"]), r["slug"])].add(r["rule"])
            severities[(int(r["year"]), r["slug"], r["rule"])].add(r["severity"])
            assert r["cells"] or r["rule"] not in ("R1", "R2", "R3", "R4"), r
    errors = {k: {rule for rule in rules if "error" in severities[(*k, rule)]} for k, rules in found.items()}
    truth = {k: broken_equations(doc) for k, doc in sources(root).items()}
    assert {k: v for k, v in errors.items() if v} == {k: v for k, v in truth.items() if v}
    assert sum(1 for v in truth.values() if v) >= 1  # the generator breaks about 1 %
    # warnings too: the same as `govsite check` lists
    checked = json.loads(subprocess.run([sys.executable, "-m", "govsite", "-C", str(root), "check", "--format",
                                         "json"], capture_output=True, text=True, cwd=REPO).stdout)
    listed = defaultdict(set)
    for d in checked:
        year, slug = d["path"].split("/")[1:]
        listed[(int(year), slug.removesuffix(".md"))].add(d["rule"])
    assert dict(found) == dict(listed)
    # the counts in the year files agree with the checks files
    for year in YEARS:
        for r in download(data, f"{year}.csv"):
            key = (year, r["slug"])
            n_err = sum(1 for c in download(data, f"{year}-checks.csv") if c["slug"] == r["slug"]
                        and c["severity"] == "error") if key in found else 0
            assert int(r["errors"]) == n_err


def test_year_totals(site) -> None:
    root, data = site
    truth = sources(root)
    for year in YEARS:
        rows = download(data, f"{year}.csv")
        docs = [d for (y, _), d in truth.items() if y == year]
        assert len(rows) == len(docs)
        for table in ("applications", "reviews"):
            for field, first in docs[0][table].items():
                columns = [k for k in rows[0] if k.startswith(f"{table}.{field}.")]
                assert len(columns) == len(first)
                for i, column in enumerate(columns):
                    assert sum(int(r[column] or 0) for r in rows) == sum((d[table][field][i] or 0) for d in docs)
        # amounts: exact decimal sums (2021 format: 本年收费金额, in 万元)
        if year >= 2021:
            total = sum(Decimal(r["active.fees.amount"] or 0) for r in rows)
            assert total == sum(Decimal(d["active"]["fees"]) for d in docs)
            assert all("e" not in r["active.fees.amount"].lower() for r in rows)
