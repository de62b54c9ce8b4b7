"""PDF import from the page geometry: the two real Hongze PDFs cell for cell, prose in reading
order, tables continued across pages, and clear messages for scans and damaged files."""

from __future__ import annotations

import pytest

from govsite.importer import UnreadableInput, import_file, read_document
from importkit import SAMPLES, truth_values

PDFS = ["hongze-district-2023.pdf", "hongze-district-2024.pdf"]


@pytest.mark.parametrize("sample", PDFS)
def test_pdf_imports_cell_for_cell_equal_to_the_truth(sample):
    result = import_file(SAMPLES / sample)
    assert result.kind == "pdf" and result.missing == []
    truth = truth_values(sample.replace(".pdf", ".pdftotext.txt"))
    assert truth.pop("applications.other") == [0] * 7  # the 2019 single （六） row, all zero
    got = dict(result.values)
    for key in ("other_no_correction", "other_unpaid", "other_misc"):
        assert got.pop(f"applications.{key}") == [0] * 7
    assert got == truth


@pytest.mark.parametrize("sample", PDFS)
def test_pdf_import_equals_the_layout_text_import(sample):
    pdf = import_file(SAMPLES / sample)
    text = import_file(SAMPLES / sample.replace(".pdf", ".pdftotext.txt"))
    assert pdf.values == text.values
    assert (pdf.meta["agency"], pdf.meta["year"]) == (text.meta["agency"], text.meta["year"])


def test_cells_come_from_the_ruling_lines_not_from_spacing():
    result = import_file(SAMPLES / "hongze-district-2023.pdf")
    # every row has its own cells: nothing had to be split or guessed
    assert not [n for n in result.notes if "连在一起" in n.message or n.rule in ("ambiguous", "unplaced")]
    assert result.values["reviews.administrative_review"] == [10, 1, 0, 0, 0]  # the real R4 break, kept


def test_a_table_continued_on_the_next_page_is_one_table():
    doc = read_document(SAMPLES / "hongze-district-2023.pdf")
    first = next(b for b in doc.blocks if "本机关不掌握相关政府信息" in b.text)
    continued = next(b for b in doc.blocks if "补正后申请内容仍不明确" in b.text)
    assert first.table is not None and continued.table == first.table


def test_pdf_prose_is_in_reading_order_with_paragraphs():
    result = import_file(SAMPLES / "hongze-district-2023.pdf")
    s1 = result.sections["s1"]
    assert "推进政府信息公开工作规范、有序、健康发展。" in s1  # a character over the frame read once
    assert "严格执行“分级审核、先审后发”程序，落实“三审三校”制度" in s1  # across a page break
    assert "### （三）政府信息管理情况。" in s1
    assert "全年收取政府信息公开信息处理费0元" in result.sections["s6"]
    assert "- 1 -" not in result.body and "-1-" not in result.body


def test_a_scanned_pdf_is_refused_with_a_clear_message(tmp_path):
    from PIL import Image

    src = tmp_path / "scan.pdf"
    Image.new("RGB", (400, 560), "white").save(src, "PDF")
    with pytest.raises(UnreadableInput) as exc:
        import_file(src)
    assert "扫描版 PDF" in str(exc.value) and "没有文字层" in str(exc.value) and "scan.pdf" in str(exc.value)


def test_a_damaged_pdf_is_refused_with_a_clear_message(tmp_path):
    src = tmp_path / "broken.pdf"
    src.write_bytes((SAMPLES / "hongze-district-2023.pdf").read_bytes()[:2000])
    with pytest.raises(UnreadableInput) as exc:
        import_file(src)
    assert "PDF" in str(exc.value)


def test_notes_on_a_pdf_name_the_page():
    result = import_file(SAMPLES / "hongze-district-2023.pdf")
    fuzzy = [n for n in result.notes if n.rule == "fuzzy"]
    assert len(fuzzy) == 1 and fuzzy[0].line == 3  # the typo row 2.其他法律行政止公开 is on page 3
    assert fuzzy[0].format().startswith(f"{result.source}:3: ")


class FakePage:
    """Text lines as pdfplumber gives them: each character 10 pt wide, words placed at ``x``."""

    def __init__(self, rows: list[tuple[float, list[tuple[str, float]]]]):
        self.rows = rows

    def extract_text_lines(self, **_):
        out = []
        for top, words in self.rows:
            chars = []
            for text, x in words:
                for k, ch in enumerate(text):
                    chars.append({"text": ch, "x0": x + 10 * k, "x1": x + 10 * k + 10, "size": 10.0})
            out.append({"text": " ".join(t for t, _ in words), "top": top, "x0": words[0][1], "chars": chars})
        return out


def test_a_table_without_ruling_lines_gets_its_columns_from_headers_and_numbers():
    from govsite.importer.pdf import _loose_lines

    # 自然人 … 总计 over seven columns 40 pt apart; 科研机构 and 其他 hold no number in any row
    cols = [200 + 40 * i for i in range(7)]
    header = [("三项加第四项之和）", 20)] + [(w, x - 10) for w, x in zip(("自然人", "商业企", "科研机", "社会公", "法律服", "其他", "总计"), cols)]
    page = FakePage([
        (10, [("三、收到和处理政府信息公开申请情况", 20)]),
        (30, header),
        (50, [("一、本年新收政府信息公开申请数量", 20), ("170", cols[0] - 5), ("5", cols[1]), ("14", cols[3]), ("14", cols[4]), ("203", cols[6] - 5)]),
        (70, [("（二）部分公开（区分处理的，只计这一情形，", 20)]),
        (80, [("0", cols[6])]),  # a value line whose label wraps round it
        (90, [("不计其他情形）", 30)]),
    ])
    carried: list[float] = []
    items = _loose_lines(page, 1, 9, carried)
    rows = [it.cells for it in items if it.table == 9]
    assert rows == [["一、本年新收政府信息公开申请数量", "170", "5", "", "14", "14", "", "203"],
                    ["", "", "", "", "", "", "0"]]
    assert len(carried) == 7  # the next page's rows of this table use the same columns
    prose = [it.cells for it in items if it.table is None]
    assert ["不计其他情形）"] in prose  # header words over the label column are no column
