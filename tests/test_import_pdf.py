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
