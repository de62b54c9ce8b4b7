"""A .docx made with python-docx, with the merged cells of the official layout (spec §8), imports."""

from __future__ import annotations

import docx
import pytest

from govsite.formats import FORMATS, Format, Table
from govsite.importer import import_file
from importkit import truth_values

HUAIAN = "huaian-city-2024.pdftotext.txt"


def _merge(table, r0: int, c0: int, r1: int, c1: int, text: str) -> None:
    cell = table.cell(r0, c0)
    if (r0, c0) != (r1, c1):
        cell = cell.merge(table.cell(r1, c1))
    cell.text = text


def _active(document, fmt: Format, values: dict) -> None:
    table = fmt.table("active")
    rows = sum(2 + len(s.rows) for s in table.sections)
    t = document.add_table(rows=rows, cols=4)
    r = 0
    for s in table.sections:
        _merge(t, r, 0, r, 3, s.title)  # colspan=4
        t.cell(r + 1, 0).text = s.header
        cols = [c for c in s.columns if c.label]
        if len(cols) == 1:
            _merge(t, r + 1, 1, r + 1, 3, cols[0].label)  # colspan=3
        else:
            for i, c in enumerate(cols):
                t.cell(r + 1, 1 + i).text = c.label
        for k, row in enumerate(s.rows):
            f = row.fields[0]
            vals = values[f"active.{f.key}"]
            t.cell(r + 2 + k, 0).text = row.label
            if len(vals) == 1:
                _merge(t, r + 2 + k, 1, r + 2 + k, 3, str(vals[0]))
            else:
                for i, v in enumerate(vals):
                    t.cell(r + 2 + k, 1 + i).text = str(v)
        r += 2 + len(s.rows)


def _applications(document, table: Table, values: dict) -> None:
    """Table 2 as spec §8: 3 header rows, label cells merged down and across."""
    n = len(table.rows)
    t = document.add_table(rows=3 + n, cols=10)
    _merge(t, 0, 0, 2, 2, table.corner)
    _merge(t, 0, 3, 0, 9, table.caption)
    _merge(t, 1, 3, 2, 3, "自然人")
    _merge(t, 1, 4, 1, 8, "法人或其他组织")
    _merge(t, 1, 9, 2, 9, "总计")
    for i, c in enumerate(table.columns[1:6]):
        t.cell(2, 4 + i).text = c.label
    # label paths: merge equal labels down each label column, short paths across
    for depth in range(3):
        r = 0
        while r < n:
            path = table.rows[r].path
            if len(path) <= depth:
                r += 1
                continue
            end = r
            while end + 1 < n and len(table.rows[end + 1].path) > depth and table.rows[end + 1].path[depth] == path[depth] \
                    and depth < len(path) - 1:
                end += 1
            last_col = 2 if depth == len(path) - 1 else depth
            _merge(t, 3 + r, depth, 3 + end, last_col, path[depth])
            r = end + 1
    for r, row in enumerate(table.rows):
        for i, v in enumerate(values[f"applications.{row.fields[0].key}"]):
            t.cell(3 + r, 3 + i).text = str(v)


def _reviews(document, table: Table, values: dict) -> None:
    t = document.add_table(rows=4, cols=15)
    _merge(t, 0, 0, 0, 4, "行政复议")
    _merge(t, 0, 5, 0, 14, "行政诉讼")
    outcomes = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
    for i, o in enumerate(outcomes):
        _merge(t, 1, i, 2, i, o)  # rowspan=2
        t.cell(2, 5 + i).text = o
        t.cell(2, 10 + i).text = o
    _merge(t, 1, 5, 1, 9, "未经复议直接起诉")
    _merge(t, 1, 10, 1, 14, "复议后起诉")
    flat = [v for f in table.fields() for v in values[f"reviews.{f.key}"]]
    for i, v in enumerate(flat):
        t.cell(3, i).text = str(v)


def make_docx(path, fmt: Format, values: dict, agency: str, year: int) -> None:
    document = docx.Document()
    document.add_paragraph(f"{agency}{year}年政府信息公开工作年度报告")
    document.add_paragraph("一、总体情况")
    document.add_paragraph("（一）主动公开")
    document.add_paragraph("本年度主动公开政府信息5500余条。")
    document.add_paragraph("二、主动公开政府信息情况")
    _active(document, fmt, values)
    document.add_paragraph("三、收到和处理政府信息公开申请情况")
    _applications(document, fmt.table("applications"), values)
    document.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    _reviews(document, fmt.table("reviews"), values)
    document.add_paragraph("五、存在的主要问题及改进情况")
    document.add_paragraph("政策解读质量仍需提升。")
    document.add_paragraph("六、其他需要报告的事项")
    document.add_paragraph("全年收取信息处理费3940元。")
    document.save(path)


def test_docx_with_merged_cells_imports(tmp_path):
    values = truth_values(HUAIAN)
    src = tmp_path / "report.docx"
    make_docx(src, FORMATS["2021"], values, "淮安市人民政府", 2024)
    result = import_file(src)
    assert result.kind == "docx"
    assert result.meta["agency"] == "淮安市人民政府" and result.meta["year"] == 2024
    assert result.missing == []
    assert result.values == values
    assert "### （一）主动公开" in result.sections["s1"]
    assert "3940元" in result.sections["s6"]
    assert not [n for n in result.notes if n.rule in ("fuzzy", "unplaced", "unreadable", "missing")]


def test_docx_merged_cells_are_really_merged(tmp_path):
    """Guard the fixture: python-docx reports the merged label once per spanned row."""
    src = tmp_path / "report.docx"
    make_docx(src, FORMATS["2021"], truth_values(HUAIAN), "淮安市人民政府", 2024)
    d = docx.Document(src)
    t2 = d.tables[1]
    assert t2.cell(5, 0)._tc is t2.cell(26, 0)._tc  # 三、本年度办理结果 spans 22 rows
    assert t2.cell(3, 0)._tc is t2.cell(3, 2)._tc  # 一 spans the three label columns


@pytest.mark.parametrize("extension", [".docx", ".bin"])
def test_docx_is_detected_from_content_not_extension(tmp_path, extension):
    src = tmp_path / f"report{extension}"
    make_docx(src, FORMATS["2021"], truth_values(HUAIAN), "淮安市人民政府", 2024)
    assert import_file(src).kind == "docx"
