"""Crawled page text: the whole report on one line, cells run together, split by the equations."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from govsite.importer import import_file
from importkit import SAMPLES, compare_cells, random_2021, render_collapsed, truth_values


@pytest.mark.parametrize("sample", ["pingtan-2021.crawled.txt", "pingtan-2023.crawled.txt"])
def test_crawled_samples_read_as_collapsed_text(sample):
    result = import_file(SAMPLES / sample)
    assert result.kind == "collapsed"
    truth = truth_values(sample)
    assert {k: v for k, v in result.values.items() if not k.startswith("active.")} == truth


@pytest.mark.parametrize("sample, run", [("pingtan-2021.crawled.txt", "693665"), ("pingtan-2023.crawled.txt", "77132470")])
def test_table_1_runs_are_split_only_where_one_split_is_possible(sample, run):
    result = import_file(SAMPLES / sample)
    assert result.values["active.rules"] == [0, 0, 0]  # "000" for three cells: one split
    assert "active.normative_documents" in result.missing
    note = [n for n in result.notes if n.rule == "ambiguous" and run in n.message]
    assert len(note) == 1 and "行政规范性文件" in note[0].message and "未填任何数字" in note[0].message


def test_crawled_sample_metadata_from_the_header():
    result = import_file(SAMPLES / "pingtan-2021.crawled.txt")
    assert result.meta["published"] == dt.date(2022, 2, 8)
    assert result.meta["source_url"] == "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202202/t20220208_80613.htm"
    assert "本年度全区共收到70件申请" in result.sections["s1"]
    assert "当前位置" not in result.body and "微信 微博" not in result.body


def test_a_split_the_rules_decide_is_said_so_with_the_source_run():
    result = import_file(SAMPLES / "pingtan-2021.crawled.txt")
    note = [n for n in result.notes if "640020470" in n.message]
    assert len(note) == 1 and "只有一种拆分符合勾稽关系（各栏之和等于总计）" in note[0].message


def test_stray_spaces_and_glued_item_numbers():
    from govsite.importer.collapsed import _row_blocks

    blocks = _row_blocks("（四）无法提供1.本机关不掌握相关政府信息20 0 00 0 1212.没有现成信息需要另行制作0000000", 1, "applications")
    assert [b.cells for b in blocks] == [["（四）无法提供"], ["1.本机关不掌握相关政府信息", "200000121"],
                                         ["2.没有现成信息需要另行制作", "0000000"]]


def test_generated_crawled_reports_give_no_wrong_cell(tmp_path):
    exact = 0
    for seed in range(8):
        rng = random.Random(seed)
        truth = random_2021(rng)
        src = tmp_path / f"c{seed}.txt"
        src.write_text(render_collapsed(truth, rng), encoding="utf-8")
        result = import_file(src)
        e, w, _, where = compare_cells({k: v for k, v in truth.items() if k.startswith("applications.")}, result.values)
        assert w == 0, where
        exact += e
        _, w, _, where = compare_cells(truth, result.values)
        assert w == 0, where
    assert exact == 8 * 25 * 7  # every cell of Table 2


def test_a_city_with_five_digit_counts_is_split_by_the_row_totals(tmp_path):
    # 21 digits for 7 cells have ~39 000 cuts; cutting by 总计 finds the one reading at once
    from importkit import consistent_2021

    truth = truth_values("hangzhou-style-fixture-2025.html")
    values = consistent_2021()
    values.update({k: v for k, v in truth.items() if k in values})
    src = tmp_path / "city.txt"
    src.write_text(render_collapsed(values, random.Random(1)), encoding="utf-8")
    result = import_file(src)
    apps = {k: v for k, v in values.items() if k.startswith("applications.")}
    assert {k: result.values.get(k) for k in apps} == apps
    exact, wrong, _, where = compare_cells(values, result.values)
    assert wrong == 0, where


def test_when_the_source_breaks_a_column_rule_the_rows_r2_settles_stay(tmp_path):
    from importkit import consistent_2021

    # 110000011 reads as 11,0,…,11 or 1,10,…,11 (both hold R2); the published （七）总计 of 12
    # breaks R1 and R3, so neither reading can be confirmed: those rows are missing, 总计 stays
    values = consistent_2021(new_requests=[11, 0, 0, 0, 0, 0, 11], granted=[11, 0, 0, 0, 0, 0, 11],
                             total=[12, 0, 0, 0, 0, 0, 12])
    src = tmp_path / "broken.txt"
    src.write_text(render_collapsed(values, random.Random(3)), encoding="utf-8")
    result = import_file(src)
    assert {"applications.new_requests", "applications.granted"} <= set(result.missing)
    assert result.values["applications.total"] == [12, 0, 0, 0, 0, 0, 12]
    assert result.values["applications.partly_granted"] == [0] * 7
    notes = [n for n in result.notes if n.rule == "ambiguous" and "没有一种符合勾稽关系" in n.message]
    assert {n.message.split("：")[0] for n in notes} == {
        "收到和处理政府信息公开申请情况 · 一、本年新收政府信息公开申请数量", "收到和处理政府信息公开申请情况 · （一）予以公开"}
    exact, wrong, _, where = compare_cells(values, result.values)
    assert wrong == 0, where
