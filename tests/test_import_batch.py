"""``govsite import DIR`` and many files: one bad file never stops the others, a summary table
closes the run, exit codes say whether every input was imported."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from govsite.cli import main
from importkit import SAMPLES, SEED


@pytest.fixture(autouse=True)
def site(tmp_path: Path) -> Path:
    """Each test imports into the site tmp_path/site: govsite commands refuse to run outside one."""
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "site.toml").write_text('title = "测试门户"\n', encoding="utf-8")
    return tmp_path / "site"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def folder(tmp_path: Path, *names: str) -> Path:
    src = tmp_path / "incoming"
    (src / "sub").mkdir(parents=True)
    for name in names:
        shutil.copy(SAMPLES / name, src / "sub" / name if name.endswith(".pdf") else src / name)
    return src


def summary_lines(out: str) -> list[list[str]]:
    table = out.split("导入汇总：\n", 1)[1].strip().split("\n")
    return [line.split("\t") for line in table]


def test_a_folder_is_imported_with_a_summary_table(tmp_path, capsys):
    src = folder(tmp_path, "hongze-district-2023.pdf", "pingtan-2021.crawled.txt", "huaian-city-2024.pdftotext.txt")
    (src / "links.tsv").write_text("not a report", encoding="utf-8")  # not a report file ending: skipped
    (src / ".hidden.txt").write_text("", encoding="utf-8")
    site = tmp_path / "site"
    code, out, err = run(capsys, "-C", str(site), "import", str(src))
    assert code == 0, err
    rows = summary_lines(out)
    assert rows[0] == ["文件", "结果", "机关和年度", "缺失单元格", "原文违反规则"]
    by_file = {Path(r[0]).name: r for r in rows[1:-1]}
    assert by_file["hongze-district-2023.pdf"][1:] == ["已导入 → content/2023/huaian-hongze.md", "淮安市洪泽区人民政府 2023", "0", "2"]
    assert by_file["pingtan-2021.crawled.txt"][2:] == ["平潭综合实验区 2021", "3", "0"]  # Table 1: one run of 3 cells in doubt
    assert rows[-1] == ["共 3 个文件：已导入 3 个，未导入 0 个；缺失单元格 3 个；原文违反规则 2 处"]
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*.md")) == [
        "content/2021/pingtanzongheshiyan.md", "content/2023/huaian-hongze.md", "content/2024/huaian.md"]


def test_one_bad_file_never_stops_the_others_and_the_exit_code_says_so(tmp_path, capsys):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    scan = tmp_path / "scan.pdf"
    from PIL import Image

    Image.new("RGB", (100, 140), "white").save(scan, "PDF")
    code, out, err = run(capsys, "-C", str(tmp_path / "site"), "import", str(bad), str(scan), str(SEED))
    assert code == 1
    assert "文件为空" in err and "扫描版 PDF" in err
    rows = summary_lines(out)
    assert [r[1] for r in rows[1:-1]] == ["未导入", "未导入", "已导入 → content/2022/weihui-shangwu.md"]
    assert rows[-1][0].startswith("共 3 个文件：已导入 1 个，未导入 2 个")


def test_an_internal_error_in_one_file_is_named_and_the_batch_goes_on(tmp_path, capsys, monkeypatch):
    import govsite.importer as importer

    real = importer.import_file

    def flaky(path, **kw):
        if "hongze" in str(path):
            raise RuntimeError("boom")
        return real(path, **kw)

    monkeypatch.setattr(importer, "import_file", flaky)
    src = folder(tmp_path, "hongze-district-2024.pdftotext.txt", "huaian-city-2024.pdftotext.txt")
    code, out, err = run(capsys, "-C", str(tmp_path / "site"), "import", str(src))
    assert code == 1
    assert "内部错误（RuntimeError: boom）" in err and "Traceback" not in err
    assert (tmp_path / "site" / "content" / "2024" / "huaian.md").is_file()


def test_quiet_prints_only_the_summary(tmp_path, capsys):
    src = folder(tmp_path, "hongze-district-2024.pdftotext.txt", "huaian-city-2024.pdftotext.txt")
    code, out, err = run(capsys, "-C", str(tmp_path / "site"), "import", "-q", str(src))
    assert code == 0 and err == ""
    assert out.startswith("导入汇总：") and "导入说明" not in out


def test_a_folder_without_reports_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code, _, err = run(capsys, "-C", str(tmp_path / "site"), "import", str(tmp_path / "empty"))
    assert code == 2 and "没有可导入的报告文件" in err


def test_slug_cannot_name_the_files_of_a_folder(tmp_path, capsys):
    src = folder(tmp_path, "hongze-district-2024.pdftotext.txt", "huaian-city-2024.pdftotext.txt")
    code, _, err = run(capsys, "-C", str(tmp_path / "site"), "import", "--slug", "x", str(src))
    assert code == 2 and "只能在导入一个文件时使用" in err


def test_a_dry_run_of_a_folder_writes_nothing_and_says_so(tmp_path, capsys):
    src = folder(tmp_path, "hongze-district-2024.pdftotext.txt", "huaian-city-2024.pdftotext.txt")
    code, out, _ = run(capsys, "-C", str(tmp_path / "site"), "import", "-q", "--dry-run", str(src))
    assert code == 0
    assert [r[1] for r in summary_lines(out)[1:-1]] == ["可导入 → content/2024/huaian-hongze.md（--dry-run，未写文件）",
                                                        "可导入 → content/2024/huaian.md（--dry-run，未写文件）"]
    assert not (tmp_path / "site" / "content").exists()


def test_the_progress_bar_counts_the_files(tmp_path, capsys):
    import io

    from govsite.progress import Mode, Progress

    tty = io.StringIO()
    with Progress(Mode.BAR, tty) as progress:  # what a terminal shows
        progress.stage("导入", total=2, unit="个文件")
        progress.advance()
        progress.advance()
    assert "导入" in tty.getvalue() and "2/2" in tty.getvalue()
    src = folder(tmp_path, "hongze-district-2024.pdftotext.txt", "huaian-city-2024.pdftotext.txt")
    code, _, err = run(capsys, "-C", str(tmp_path / "site"), "import", "-q", "--dry-run", str(src))
    assert code == 0 and err == ""  # output to a file or pipe with -q: no progress drawn
