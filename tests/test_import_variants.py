"""Source variants of spec §9: 2019 tables, the wrong format for the year, traditional script and
half-width punctuation, HTML inside a JavaScript string, and mutated inputs that must never crash."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govsite.commands.import_ import check_text
from govsite.formats import FORMATS
from govsite.importer import UnreadableInput, import_file
from importkit import SAMPLES, SEED, delete_pieces, render_text


def zero(version: str) -> dict[str, list]:
    fmt = FORMATS[version]
    return {f"{t.key}.{f.key}": ["0" if c.kind.value == "amount" else 0 for c in f.value_columns]
            for t in fmt.tables for f in t.fields()}


def values_2019() -> dict[str, list]:
    v = zero("2019")
    v["active.normative_documents"] = [2, 2, 40]
    v["active.licensing"] = [12, -8, 30]  # 本年增/减 written as a negative number (spec §3.2)
    v["active.fees"] = [4, -1]  # rows 14–18: the fourth grid cell is empty
    v["active.procurement"] = [3, "251000元"]  # amount with its unit, kept as printed
    for key in ("new_requests", "other", "total"):
        v[f"applications.{key}"] = [5, 0, 0, 0, 0, 0, 5]
    return v


def test_2019_tables_import_as_the_2019_format(tmp_path):
    src = tmp_path / "r.txt"
    src.write_text(render_text(FORMATS["2019"], values_2019(), year=2020), encoding="utf-8")
    result = import_file(src)
    assert result.format.version == "2019"
    assert result.values == values_2019() and result.missing == []
    assert not [n for n in result.notes if n.rule == "version"]
    report, diags = check_text("content/2020/x.md", "x", result.text())
    assert report is not None and not [d for d in diags if d.is_error]


def test_2019_tables_in_a_2022_report_are_kept_and_said_so(tmp_path):
    src = tmp_path / "r.txt"
    src.write_text(render_text(FORMATS["2019"], values_2019(), year=2022), encoding="utf-8")
    result = import_file(src)
    assert result.format.version == "2019" and result.values == values_2019()
    note = [n for n in result.notes if n.rule == "version"]
    assert len(note) == 1 and "2019 年版" in note[0].message and "应使用 2021 年版" in note[0].message
    _, diags = check_text("content/2022/x.md", "x", result.text())
    assert [d.rule for d in diags if d.rule == "R13"] == ["R13"]


def test_2021_sub_items_in_a_2019_report_are_summed(tmp_path):
    v = zero("2021")
    v["applications.other_no_correction"] = [1, 0, 0, 0, 0, 0, 1]
    v["applications.other_misc"] = [0, 2, 0, 0, 0, 0, 2]
    src = tmp_path / "r.txt"
    text = render_text(FORMATS["2021"], v, year=2020)
    # Table 1 printed in the 2019 layout, Table 2 in the 2021 one
    t1_2019 = render_text(FORMATS["2019"], zero("2019"), year=2020)
    head = t1_2019.split("三、收到和处理政府信息公开申请情况")[0]
    text = head + "三、收到和处理政府信息公开申请情况" + text.split("三、收到和处理政府信息公开申请情况")[1]
    src.write_text(text, encoding="utf-8")
    result = import_file(src)
    assert result.format.version == "2019"
    assert result.values["applications.other"] == [1, 2, 0, 0, 0, 0, 3]
    assert any("取三个子项之和" in n.message for n in result.notes)


def test_traditional_script_and_half_width_labels(tmp_path):
    v = values_2019()
    text = render_text(FORMATS["2019"], v, year=2020)
    for simp, trad in (("总计", "總計"), ("处理", "處理"), ("结转", "結轉"), ("数量", "數量"), ("申请", "申請"),
                       ("（", "("), ("）", ")"), ("，", ","), ("规范", "規範"), ("项", "項")):
        text = text.replace(simp, trad)
    text = text.replace("1.属于国家秘密", "1、 属于 国家秘密")
    src = tmp_path / "r.txt"
    src.write_text(text, encoding="utf-8")
    result = import_file(src)
    assert result.values == v and result.missing == []


def test_html_inside_a_javascript_string(tmp_path):
    page = (SAMPLES / "hangzhou-style-fixture-2025.html").read_text(encoding="utf-8")
    body = page.split("<body>")[1].split("</body>")[0]
    js = ("<html><head><title>测试市2025年政府信息公开工作年度报告</title></head><body><div id=\"app\"></div><script>"
          "var content = " + json.dumps(body, ensure_ascii=False).replace("/", "\\/") + ";</script></body></html>")
    src = tmp_path / "js.html"
    src.write_text(js, encoding="utf-8")
    direct = import_file(SAMPLES / "hangzhou-style-fixture-2025.html")
    result = import_file(src)
    assert result.values == direct.values and result.missing == []
    assert any("脚本的字符串" in n.message for n in result.notes)


SOURCES = [SEED] + sorted(p for p in SAMPLES.iterdir() if p.name != "README.md")
STRUCTURAL = {"toml", "key", "type", "shape", "value", "slug", "front-matter"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(source=st.sampled_from(SOURCES), seed=st.integers(0, 2**32 - 1),
       op=st.sampled_from(["delete", "flip", "shuffle", "truncate", "duplicate"]))
def test_mutated_inputs_never_crash_and_always_write_a_valid_file(tmp_path, source, seed, op):
    rng = random.Random(seed)
    data = bytearray(source.read_bytes())
    lines = data.split(b"\n")
    if op == "delete":
        data = bytearray(delete_pieces(bytes(data), rng))
    elif op == "flip":
        for _ in range(rng.randint(1, 40)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif op == "shuffle":
        for line in rng.sample(range(len(lines)), min(3, len(lines))):
            cells = lines[line].split(b"\t")
            rng.shuffle(cells)
            lines[line] = b"\t".join(cells)
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
        data = bytearray(b"\n".join(lines))
    elif op == "truncate":
        data = data[: rng.randrange(len(data) + 1)]
    else:
        i = rng.randrange(len(lines))
        lines[i:i] = [lines[i]] * 2
        data = bytearray(b"\n".join(lines))
    src = tmp_path / f"mutant{source.suffix}"
    src.write_bytes(bytes(data))
    try:
        result = import_file(src, year=2023, agency="某某县某某局")
    except UnreadableInput as exc:
        assert str(exc)  # a Chinese message, never a traceback
        return
    report, diags = check_text("content/2023/x.md", "x", result.text())
    assert report is not None
    assert not [d for d in diags if d.rule in STRUCTURAL]
    for key, vals in result.values.items():  # every cell is a value its column admits
        assert all(v is None or isinstance(v, (int, str)) for v in vals)


@pytest.mark.parametrize("sample", ["hongze-district-2024.pdftotext.txt", "huaian-city-2024.pdftotext.txt"])
def test_a_deleted_value_line_makes_its_row_missing_not_guessed(tmp_path, sample):
    lines = (SAMPLES / sample).read_text(encoding="utf-8").split("\n")
    idx = next(i for i, ln in enumerate(lines) if "4.保护第三方合法权益" in ln)
    del lines[idx]
    src = tmp_path / sample
    src.write_text("\n".join(lines), encoding="utf-8")
    result = import_file(src)
    assert "applications.withheld_third_party" in result.missing
    assert "applications.withheld_third_party" not in result.values
    assert result.values["applications.withheld_internal"] == import_file(SAMPLES / sample).values["applications.withheld_internal"]


def test_review_table_without_its_heading_and_with_other_sub_headers(tmp_path):
    # an OCR'd page: the heading 四 is lost and the sub-headers are not the official ones
    v = zero("2021")
    v["reviews.administrative_review"] = [1, 1, 0, 0, 2]
    v["reviews.litigation_after_review"] = [0, 0, 1, 0, 1]
    text = render_text(FORMATS["2021"], v)
    text = text.replace("四、政府信息公开行政复议、行政诉讼情况\n", "").replace("行政复议|行政诉讼", "复议情况|诉讼情况（直诉/复议后）")
    src = tmp_path / "ocr.txt"
    src.write_text(text, encoding="utf-8")
    result = import_file(src)
    assert result.values == v and result.missing == []
    assert not [n for n in result.notes if n.rule == "unplaced"]
