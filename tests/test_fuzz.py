"""Property tests (Hypothesis): whatever the front matter holds, loading and checking return
diagnostics and never raise; for well-formed tables the 勾稽 rules R1–R4 fail exactly where this
test's own arithmetic (written from spec §7, not from govsite's equations) says they must."""

from __future__ import annotations

import datetime as dt
import math
import os
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govsite.check import check_report, check_site
from govsite.content_file import dumps_report, section_skeleton
from govsite.diagnostics import Diagnostic
from govsite.formats import FORMATS
from govsite.load import load_bytes
from sitekit import PROSE, report_text, zero_values

SHOWN = "content/2024/fuzz.md"
BASE = report_text()
# Modest by default (the suite stays fast); GOVSITE_FUZZ_EXAMPLES=5000 for a deep run.
FUZZ = settings(max_examples=int(os.environ.get("GOVSITE_FUZZ_EXAMPLES", "120")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

# Characters that break TOML in the ways people and input methods do.
HOSTILE = list('“”‘’＝：，［］　０１２３４５６７８９"\'=[]{},.#\\\n\r\t\x00\x7f\ufeff\u200b-+e_') + ["nan", "inf", "1e999", "</script>"]


def load_and_check(data: bytes) -> list[Diagnostic]:
    """Stage 1 and 2 on one file's bytes; the property is that this never raises."""
    report, diags = load_bytes(SHOWN, "fuzz", data)
    for d in diags:
        assert isinstance(d, Diagnostic) and d.message and d.path == SHOWN
        assert d.line >= 0 and d.column >= 0
        d.format()
    if report is not None:
        diags += check_report(report)
        diags += check_site([report, report])
    return diags


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes_never_raise(data: bytes) -> None:
    load_and_check(data)
    load_and_check(b"+++\n" + data + b"\n+++\n")


@FUZZ
@given(st.lists(st.sampled_from(HOSTILE + list("abcyear agency 2024 淮安\n") + ["year = ", "[applications]\n", "total = ["]),
                max_size=80))
def test_random_front_matter_text_never_raises(pieces: list[str]) -> None:
    load_and_check(f"+++\n{''.join(pieces)}\n+++\n## 一、总体情况\n".encode("utf-8", "surrogatepass"))


edit = st.tuples(
    st.sampled_from(["delete", "duplicate", "replace", "insert", "truncate", "swap"]),
    st.integers(min_value=0, max_value=10**6),
    st.sampled_from(HOSTILE),
)


@FUZZ
@given(st.lists(edit, min_size=1, max_size=6))
def test_mutated_valid_report_never_raises(edits) -> None:
    """The valid report with lines deleted, duplicated or swapped and characters replaced."""
    lines = BASE.split("\n")
    for op, pos, ch in edits:
        i = pos % len(lines)
        if op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = (pos // 7) % len(lines)
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "truncate":
            lines = lines[: i + 1]
        else:
            line = lines[i]
            k = (pos // 13) % (len(line) + 1)
            lines[i] = line[:k] + ch + line[k + (op == "replace"):]
    diags = load_and_check("\n".join(lines).encode("utf-8", "surrogatepass"))
    assert all(d.line <= len(lines) + 1 for d in diags)


# --- Random values in random cells of valid TOML --------------------------------------------------

cell_value = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.booleans(),
    st.dates(min_value=dt.date(1, 1, 1)),
    st.lists(st.integers(min_value=0, max_value=9), max_size=3),
    st.just(""),
)


@FUZZ
@given(st.data())
def test_random_values_in_random_cells_never_raise(data) -> None:
    version = data.draw(st.sampled_from(["2019", "2021"]))
    values = zero_values(version)
    keys = sorted(values)
    for _ in range(data.draw(st.integers(min_value=1, max_value=5))):
        key = data.draw(st.sampled_from(keys))
        if key not in values:
            continue  # dropped by an earlier step
        if not isinstance(values[key], list) or not values[key]:
            values[key] = [values[key]]  # replaced by a scalar earlier: edit it as a row of one
        action = data.draw(st.sampled_from(["cell", "row", "drop", "wrong-length"]))
        if action == "cell":
            row = list(values[key])
            row[data.draw(st.integers(0, len(row) - 1))] = data.draw(cell_value)
            values[key] = row
        elif action == "row":
            values[key] = [data.draw(cell_value)] if data.draw(st.booleans()) else data.draw(cell_value)
        elif action == "drop":
            values.pop(key, None)
        else:
            values[key] = list(values[key]) + [0] * data.draw(st.sampled_from([-2, -1, 1, 2]))
    meta = {"agency": data.draw(st.text(min_size=0, max_size=8)), "year": data.draw(st.integers(-5, 3000))}
    try:
        text = dumps_report(FORMATS[version], meta, values, section_skeleton(PROSE))
    except (TypeError, ValueError, IndexError):
        return  # the writer cannot write this value (or an empty scalar row): not a file anyone can produce
    load_and_check(text.encode("utf-8", "surrogatepass"))


# --- R1–R4 hold exactly when the arithmetic says so -----------------------------------------------

HEAD = ("new_requests", "carried_over")
TAIL = ("total", "carried_forward")


def outcome_keys(version: str) -> list[str]:
    """Spec §4: the outcome rows of 三、本年度办理结果 between （一） and （七）总计."""
    common = ["granted", "partly_granted"] + [f"withheld_{k}" for k in (
        "state_secret", "prohibited", "security", "third_party", "internal", "process", "case_file", "inquiry")] + [
        "unavailable_not_held", "unavailable_to_create", "unavailable_unclear"] + [f"rejected_{k}" for k in (
            "complaint", "repeat", "publication", "excessive", "confirmation")]
    other = ["other"] if version == "2019" else ["other_no_correction", "other_unpaid", "other_misc"]
    return common + other


def expected_failures(version: str, app: dict[str, list], reviews: dict[str, list]) -> Counter:
    """How many instances of each rule fail, computed from spec §7 directly. Blank ("") is 0."""
    def v(x) -> int:
        return 0 if x == "" else x
    fails: Counter = Counter()
    outcomes = outcome_keys(version)
    for c in range(7):
        if v(app["new_requests"][c]) + v(app["carried_over"][c]) != v(app["total"][c]) + v(app["carried_forward"][c]):
            fails["R1"] += 1
        if v(app["total"][c]) != sum(v(app[k][c]) for k in outcomes):
            fails["R3"] += 1
    for row in app.values():
        if v(row[6]) != sum(v(x) for x in row[:6]):
            fails["R2"] += 1
    for row in reviews.values():
        if v(row[4]) != sum(v(x) for x in row[:4]):
            fails["R4"] += 1
    return fails


small = st.integers(min_value=0, max_value=40)


@st.composite
def consistent_tables(draw, version: str):
    """Tables for which R1–R4 all hold, built from the outcomes up (then maybe perturbed)."""
    outcomes = outcome_keys(version)
    app: dict[str, list] = {k: [draw(small) for _ in range(6)] for k in outcomes}
    app["total"] = [sum(app[k][c] for k in outcomes) for c in range(6)]
    app["carried_forward"] = [draw(small) for _ in range(6)]
    app["carried_over"] = [draw(st.integers(0, app["total"][c] + app["carried_forward"][c])) for c in range(6)]
    app["new_requests"] = [app["total"][c] + app["carried_forward"][c] - app["carried_over"][c] for c in range(6)]
    for row in app.values():
        row.append(sum(row))
    reviews = {k: [draw(small) for _ in range(4)] for k in ("administrative_review", "litigation_direct", "litigation_after_review")}
    for row in reviews.values():
        row.append(sum(row))
    return app, reviews


@FUZZ
@given(st.data())
def test_rules_fail_exactly_when_the_arithmetic_says(data) -> None:
    version = data.draw(st.sampled_from(["2019", "2021"]))
    app, reviews = data.draw(consistent_tables(version))
    tables = {"applications": app, "reviews": reviews}
    for _ in range(data.draw(st.integers(min_value=0, max_value=3))):
        table = data.draw(st.sampled_from(sorted(tables)))
        key = data.draw(st.sampled_from(sorted(tables[table])))
        row = tables[table][key]
        i = data.draw(st.integers(0, len(row) - 1))
        row[i] = data.draw(st.one_of(st.just(""), st.integers(0, 60)))  # blank, or another count
    values = zero_values(version)
    values.update({f"applications.{k}": row for k, row in app.items()})
    values.update({f"reviews.{k}": row for k, row in reviews.items()})
    year = 2020 if version == "2019" else 2024
    text = dumps_report(FORMATS[version], {"agency": "某局", "year": year}, values, section_skeleton(PROSE))
    report, diags = load_bytes(f"content/{year}/x.md", "x", text.encode("utf-8"))
    assert report is not None, diags
    assert not any(d.is_error for d in diags)
    got = Counter(d.rule for d in check_report(report) if d.rule in ("R1", "R2", "R3", "R4"))
    assert got == expected_failures(version, app, reviews)
    for d in check_report(report):
        if d.rule in ("R1", "R2", "R3", "R4"):
            # Both sides of the failed sum are printed, and they differ.
            left, _, right = d.message.rpartition("，但")
            lsum, rsum = left.rsplit("=", 1)[1], right.rsplit("=", 1)[1]
            assert lsum != rsum and not math.isnan(float(lsum))
