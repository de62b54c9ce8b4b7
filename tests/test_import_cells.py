"""Cell values, surplus cells and run-together digits (issue 5), on synthetic tables with known truth."""

from __future__ import annotations

import itertools

import pytest

from govsite.formats import FORMATS, Column, Kind
from govsite.importer import import_file
from govsite.importer.cells import CellError, Pending, _splits, fit_row, parse_value, resolve, row_totals
from importkit import consistent_2021, render_text

COUNT = Column(("自然人",))
SIGNED = Column(("本年增/减",), kind=Kind.SIGNED)
PROCUREMENT = FORMATS["2019"].field("active.procurement").value_columns[1]
FEE_2021 = FORMATS["2021"].field("active.fees").value_columns[0]
SEVEN = FORMATS["2021"].field("applications.total").value_columns


@pytest.mark.parametrize("text", ["", " ", "/", "-", "—", "－", "\u00a0", "——"])
def test_blank_marks_are_blank(text):
    assert parse_value(text, COUNT) == (None, "")


@pytest.mark.parametrize("text, value", [("0", 0), ("12", 12), ("１２", 12), ("1,234", 1234), ("3件", 3)])
def test_counts(text, value):
    assert parse_value(text, COUNT)[0] == value


@pytest.mark.parametrize("text, value", [("-8", -8), ("－8", -8), ("−8", -8), ("减4", -4), ("增3", 3), ("+2", 2)])
def test_signed_change_may_be_negative(text, value):
    assert parse_value(text, SIGNED)[0] == value


@pytest.mark.parametrize("text", ["-8", "减4", "? 0", "abc", "1.5"])
def test_a_count_cell_rejects_what_is_not_a_count(text):
    with pytest.raises(CellError):
        parse_value(text, COUNT)


def test_amounts_keep_their_digits_and_units():
    assert parse_value("251000元", PROCUREMENT) == ("251000元", "")  # the label has no unit (spec §3.2)
    assert parse_value("11.876", PROCUREMENT) == ("11.876", "")
    assert parse_value("75.9260", FEE_2021) == ("75.9260", "")  # never rounded
    assert parse_value("26.55万元", FEE_2021)[0] == "26.55"
    value, note = parse_value("3940元", FEE_2021)  # the fee column is in 万元
    assert value == "0.394" and "换算" in note


def test_surplus_cells_that_read_the_same_either_way():
    fit = fit_row(["0"] * 8, SEVEN)
    assert fit.values == [0] * 7 and "结果都相同" in fit.notes[0]


def test_surplus_blank_cells_are_dropped_first():
    fit = fit_row(["5", "", "0", "0", "0", "0", "0", "5"], SEVEN)
    assert fit.values == [5, 0, 0, 0, 0, 0, 5]


def test_surplus_cell_decided_by_the_row_total():
    fit = fit_row(["5", "0", "0", "0", "0", "0", "5", "0"], SEVEN)
    assert fit.values is None and fit.reason == "surplus" and len(fit.candidates) > 1
    eqs = [e for e in FORMATS["2021"].equations if e.rule == "R2"]
    res = resolve([Pending(("applications.total",), (7,), fit.candidates, "surplus", 1, "")], {}, eqs)
    assert res[0].values == (5, 0, 0, 0, 0, 0, 5)


@pytest.mark.parametrize("digits, width", [("801000081", 7), ("1100011", 5), ("1000", 3), ("12034", 4)])
def test_splits_are_every_cut_without_leading_zeros(digits, width):
    brute = set()
    for cuts in itertools.combinations(range(1, len(digits)), width - 1):
        parts = [digits[a:b] for a, b in zip((0,) + cuts, cuts + (len(digits),))]
        if all(p == "0" or not p.startswith("0") for p in parts):
            brute.add(tuple(parts))
    assert {tuple(s) for s in _splits([digits], width)} == brute


def _import(tmp_path, values, joined, **kw):
    src = tmp_path / "report.txt"
    src.write_text(render_text(FORMATS["2021"], values, joined=frozenset(joined), **kw), encoding="utf-8")
    return import_file(src)


def test_run_together_row_of_the_issue_is_recovered(tmp_path):
    row = [80, 1, 0, 0, 0, 0, 81]
    values = consistent_2021(new_requests=row, granted=row, total=row)
    result = _import(tmp_path, values, {"applications.new_requests"})
    assert result.values == values and result.missing == []
    # R2 (the six cells add up to 总计) is applied while the run is cut: one reading survives
    note = [n for n in result.notes if "801000081" in n.message]
    assert len(note) == 1 and "只有一种拆分符合勾稽关系" in note[0].message and note[0].line > 0


def test_rows_ambiguous_alone_are_decided_by_the_whole_table(tmp_path):
    # "110000011" reads as 1,10,…,11 or 11,0,…,11 and "101000011" as 10,1,…,11 or 1,0,10,…,11:
    # each row alone has two readings; only one pair makes （七）总计 the sum of the outcomes (R3).
    values = consistent_2021(new_requests=[11, 11, 0, 0, 0, 0, 22], granted=[1, 10, 0, 0, 0, 0, 11],
                             partly_granted=[10, 1, 0, 0, 0, 0, 11], total=[11, 11, 0, 0, 0, 0, 22])
    result = _import(tmp_path, values, {"applications.granted", "applications.partly_granted"})
    assert result.values == values and result.missing == []
    assert len([n for n in result.notes if n.rule == "arithmetic"]) == 2


def test_ambiguous_run_together_rows_are_missing_with_their_candidates(tmp_path):
    # Everything received was carried forward: 一 and 四 are equal, and both readings of
    # "110000011" satisfy every rule, so neither row may be guessed.
    row = [1, 10, 0, 0, 0, 0, 11]
    values = consistent_2021(new_requests=row, carried_forward=row)
    result = _import(tmp_path, values, {"applications.new_requests", "applications.carried_forward"})
    assert set(result.missing) == {"applications.new_requests", "applications.carried_forward"}
    assert "applications.new_requests" not in result.values
    amb = [n for n in result.notes if n.rule == "ambiguous"]
    assert len(amb) == 2
    assert "[1, 10, 0, 0, 0, 0, 11]" in amb[0].message and "[11, 0, 0, 0, 0, 0, 11]" in amb[0].message
    others = {k: v for k, v in values.items() if k not in result.missing}
    assert {k: result.values[k] for k in others} == others


def test_run_together_review_row_unique_by_its_group_totals(tmp_path):
    values = consistent_2021(**{"reviews.administrative_review": [12, 0, 0, 0, 12]})
    result = _import(tmp_path, values, {"reviews"})
    assert result.values["reviews.administrative_review"] == [12, 0, 0, 0, 12]
    assert result.missing == []


def test_run_together_review_row_ambiguous(tmp_path):
    values = consistent_2021(**{"reviews.administrative_review": [1, 10, 0, 0, 11]})
    result = _import(tmp_path, values, {"reviews"})
    # 1,10,… or 11,0,…: only 行政复议 is in doubt; both readings agree on the two litigation groups
    assert result.missing == ["reviews.administrative_review"]
    assert "reviews.administrative_review" not in result.values
    assert result.values["reviews.litigation_direct"] == [0] * 5
    amb = [n for n in result.notes if n.rule == "ambiguous"]
    assert len(amb) == 1 and "有 2 种读法" in amb[0].message
    kept = [n for n in result.notes if n.rule == "arithmetic" and "的数字都相同" in n.message]
    assert len(kept) == 1 and "未经复议直接起诉、复议后起诉" in kept[0].message


def test_run_together_row_that_no_reading_fits_is_missing(tmp_path):
    # "11000009" reads as 11,0,…,9 or 1,10,0,…,9; the published row breaks R2 either way, so
    # nothing is guessed. (Even a digit string with one cut only is not read when its total fails:
    # a reading is accepted only when it is verified.)
    values = consistent_2021(new_requests=[11, 0, 0, 0, 0, 0, 9])
    result = _import(tmp_path, values, {"applications.new_requests"})
    assert "applications.new_requests" in result.missing
    assert any("没有一种拆分符合勾稽关系" in n.message for n in result.notes)


def test_one_cell_per_line_text_imports(tmp_path):
    values = consistent_2021(new_requests=[3, 1, 0, 0, 0, 0, 4], granted=[3, 1, 0, 0, 0, 0, 4], total=[3, 1, 0, 0, 0, 0, 4])
    values["active.licensing"] = [17]
    values["reviews.litigation_direct"] = [1, 0, 0, 1, 2]
    result = _import(tmp_path, values, set(), one_per_line=True)
    assert result.kind == "lines"
    assert result.values == values and result.missing == []


def test_tab_separated_text_with_blank_and_dash_cells(tmp_path):
    values = consistent_2021(new_requests=[2, None, 0, 0, 0, 0, 2], granted=[2, 0, 0, 0, 0, 0, 2], total=[2, 0, 0, 0, 0, 0, 2])
    text = render_text(FORMATS["2021"], values, sep="\t").replace("\t\t0\t0\t0\t0\t2", "\t/\t0\t0\t0\t0\t2", 1)
    src = tmp_path / "r.txt"
    src.write_text(text, encoding="utf-8")
    result = import_file(src)
    assert result.kind == "tsv"
    assert result.values["applications.new_requests"] == [2, None, 0, 0, 0, 0, 2]
    assert any("空白单元格" in n.message for n in result.notes)


def test_cells_of_a_row_without_its_blank_cells_are_not_read_as_run_together_digits():
    # a table without ruling lines: "110 7 117" is 110, (blank ×4), 7, 117 — cutting the digits
    # into seven (1,1,0,7,1,1,7) is the only cut but breaks R2, so the row is not read
    fmt = FORMATS["2021"]
    totals = row_totals(fmt.equations, ("applications.rejected_excessive",), (7,))
    fit = fit_row(["110", "7", "117"], SEVEN, totals)
    assert fit.values is None and not fit.candidates
    assert "没有一种拆分符合勾稽关系" in fit.problem and "110 7 117" in fit.problem
    # the same cut is kept where its totals hold
    assert fit_row(["100000", "1"], SEVEN, totals).values == [1, 0, 0, 0, 0, 0, 1]
