"""Never a wrong number: labels garbled the way PDF → Markdown extraction garbles them (merged,
truncated, shifted, duplicated) give correct cells or missing ones, never another row's numbers."""

from __future__ import annotations

import random

import pytest

from govsite.formats import FORMATS
from govsite.importer import import_file
from importkit import GARBLES, SHAPES, compare_cells, consistent_2021, random_2021, render_fragmented, render_text

UNAVAILABLE_TO_OTHER = ("unavailable_not_held", "unavailable_to_create", "unavailable_unclear", "rejected_complaint",
                        "rejected_repeat", "rejected_publication", "rejected_excessive", "rejected_confirmation",
                        "other_no_correction")


def issue_case() -> tuple[dict[str, list], str]:
    """The report of the issue: from （四）1 to （六）1 each value line comes before its label, and
    the label of （四）2 is merged with the group cell's text: ``(四)无2.没有现成信息需要另法提供行制作``."""
    v = consistent_2021(
        new_requests=[30, 2, 0, 0, 0, 0, 32], granted=[12, 0, 0, 0, 0, 0, 12],
        unavailable_not_held=[4, 0, 0, 0, 0, 0, 4], unavailable_to_create=[6, 0, 0, 0, 0, 0, 6],
        other_no_correction=[8, 2, 0, 0, 0, 0, 10], total=[30, 2, 0, 0, 0, 0, 32])
    fmt = FORMATS["2021"]
    lines = render_text(fmt, v, sep="|").split("\n")
    out = []
    for ln in lines:
        label, _, cells = ln.partition("|")
        row = next((r for r in fmt.table("applications").rows if r.label == label), None)
        if row is None or row.fields[0].key not in UNAVAILABLE_TO_OTHER:
            out.append(ln)
            continue
        shown = "(四)无2.没有现成信息需要另法提供行制作" if row.fields[0].key == "unavailable_to_create" else label
        out += ["|" + cells, shown]
    return v, "\n".join(out)


def test_the_issue_case_gives_no_wrong_number(tmp_path):
    truth, text = issue_case()
    src = tmp_path / "r.md"
    src.write_text(text, encoding="utf-8")
    result = import_file(src)
    exact, wrong, missing, where = compare_cells(truth, result.values)
    assert wrong == 0, where
    got = result.values
    # the shifted reading of the issue is not published
    assert got.get("applications.unavailable_to_create") in (None, [6, 0, 0, 0, 0, 0, 6])
    assert got.get("applications.other_no_correction") in (None, [8, 2, 0, 0, 0, 0, 10])
    # every row is either right or declared missing with a note naming the source line
    for key in truth:
        assert key in got or key in result.missing or key.split(".")[0] in result.missing


def test_the_issue_case_is_read_whole_when_one_reading_makes_the_rules_hold(tmp_path):
    truth, text = issue_case()
    src = tmp_path / "r.md"
    src.write_text(text, encoding="utf-8")
    result = import_file(src)
    assert result.values == truth and result.missing == []
    chosen = [n for n in result.notes if n.rule == "arithmetic" and "只有一种使勾稽关系全部成立" in n.message]
    assert len(chosen) == 1


@pytest.mark.parametrize("shape", SHAPES + ("mixed",))
@pytest.mark.parametrize("garble", GARBLES)
def test_garbled_labels_never_give_a_wrong_cell(tmp_path, shape, garble):
    for seed in range(3):
        rng = random.Random(f"{shape}-{garble}-{seed}")
        truth = random_2021(rng)
        src = tmp_path / f"r{seed}.md"
        src.write_text(render_fragmented(truth, rng, shape=shape, garble=garble), encoding="utf-8")
        result = import_file(src)
        exact, wrong, missing, where = compare_cells(truth, result.values)
        assert wrong == 0, (seed, where)
        if shape != "mixed":
            assert missing == 0, (seed, result.missing)


def test_a_fuzzy_row_the_equations_contradict_is_missing_with_its_line(tmp_path):
    v = consistent_2021(new_requests=[5, 0, 0, 0, 0, 0, 5], granted=[5, 0, 0, 0, 0, 0, 5], total=[5, 0, 0, 0, 0, 0, 5])
    text = render_text(FORMATS["2021"], v)
    # the published row （二） has a garbled label and numbers that break R3 (总计 5 ≠ 5 + 3)
    text = text.replace("（二）部分公开（区分处理的，只计这一情形，不计其他情形）|0|0|0|0|0|0|0",
                        "（二）部分公开（区分处理的，只计这一情形|3|0|0|0|0|0|3")
    src = tmp_path / "r.txt"
    src.write_text(text, encoding="utf-8")
    result = import_file(src)
    assert "applications.partly_granted" in result.missing
    assert "applications.partly_granted" not in result.values
    note = [n for n in result.notes if n.rule == "ambiguous" and "（二）部分公开" in n.message]
    assert len(note) == 1 and "R3" in note[0].message and note[0].line > 0 and "原文：" in note[0].message
    assert result.values["applications.granted"] == [5, 0, 0, 0, 0, 0, 5]


def test_a_row_printed_twice_with_different_numbers_is_missing(tmp_path):
    v = consistent_2021(new_requests=[5, 0, 0, 0, 0, 0, 5], granted=[5, 0, 0, 0, 0, 0, 5], total=[5, 0, 0, 0, 0, 0, 5])
    text = render_text(FORMATS["2021"], v)
    text = text.replace("（一）予以公开|5|0|0|0|0|0|5", "（一）予以公开|5|0|0|0|0|0|5\n（一）予以公开|4|0|0|0|0|0|4")
    src = tmp_path / "r.txt"
    src.write_text(text, encoding="utf-8")
    result = import_file(src)
    assert "applications.granted" in result.missing and "applications.granted" not in result.values
    note = [n for n in result.notes if n.rule == "ambiguous" and "（一）予以公开" in n.message]
    assert len(note) == 1 and "都标为这一行" in note[0].message
    assert result.values["applications.new_requests"] == [5, 0, 0, 0, 0, 0, 5]
