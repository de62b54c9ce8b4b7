"""``govsite import``: writing, refusing to overwrite, dry runs, garbage in, missing tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from govsite.cli import main
from govsite.formats import FORMATS
from govsite.load import load_report
from importkit import SAMPLES, SEED, consistent_2021, render_text


@pytest.fixture(autouse=True)
def site_toml(tmp_path):
    """Each test's tmp_path is a site: govsite commands refuse to run outside one."""
    (tmp_path / "site.toml").write_text('title = "测试门户"\n', encoding="utf-8")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def written(site: Path) -> list[Path]:
    return sorted((site / "content").rglob("*.md")) if (site / "content").exists() else []


def test_import_writes_one_loadable_file_per_report(tmp_path, capsys):
    code, out, err = run(capsys, "-C", str(tmp_path), "import", str(SEED), str(SAMPLES / "huaian-city-2024.pdftotext.txt"))
    assert code == 0, out + err
    files = written(tmp_path)
    assert [f.relative_to(tmp_path).as_posix() for f in files] == ["content/2022/weihui-shangwu.md", "content/2024/huaian.md"]
    for f in files:
        report, diags = load_report(f, tmp_path)
        assert report is not None and not [d for d in diags if d.is_error]
    assert "已写入 content/2024/huaian.md" in out
    assert "导入说明" in out


def test_import_never_overwrites_without_force(tmp_path, capsys):
    assert run(capsys, "-C", str(tmp_path), "import", str(SEED))[0] == 0
    target = tmp_path / "content" / "2022" / "weihui-shangwu.md"
    target.write_text("edited by hand", encoding="utf-8")
    code, out, err = run(capsys, "-C", str(tmp_path), "import", str(SEED))
    assert code == 1 and "已存在" in err and "--force" in err  # not imported
    assert target.read_text(encoding="utf-8") == "edited by hand"
    assert run(capsys, "-C", str(tmp_path), "import", "--force", str(SEED))[0] == 0
    assert target.read_text(encoding="utf-8").startswith("+++")


def test_dry_run_prints_the_file_and_writes_nothing(tmp_path, capsys):
    code, out, _ = run(capsys, "-C", str(tmp_path), "import", "--dry-run", str(SEED))
    assert code == 0
    assert "new_requests = [0, 0, 0, 0, 0, 0, 0]" in out and "## 一、总体情况" in out
    assert written(tmp_path) == []


def test_options_override_the_title(tmp_path, capsys):
    code, out, _ = run(capsys, "-C", str(tmp_path), "import", "--slug", "hongze-district", "--region", "江苏省/淮安市/洪泽区",
                       "--level", "县级人民政府", str(SAMPLES / "hongze-district-2024.pdftotext.txt"))
    assert code == 0, out
    report, _ = load_report(tmp_path / "content" / "2024" / "hongze-district.md", tmp_path)
    assert report.region == ("江苏省", "淮安市", "洪泽区") and report.level == "县级人民政府"
    assert report.agency == "淮安市洪泽区人民政府"


def test_rule_failures_are_listed_apart_from_import_notes(tmp_path, capsys):
    code, out, err = run(capsys, "-C", str(tmp_path), "import", str(SAMPLES / "hongze-district-2023.pdftotext.txt"))
    assert code == 0  # written: the published report's own R4 breaks are warnings about the source
    notes, _, checks = out.partition("原文校验")
    assert "[R4]" not in notes and "[fuzzy]" in notes
    assert checks.count("[R4]") == 2 and "不是导入错误" in checks
    assert len(written(tmp_path)) == 1
    assert "Traceback" not in out + err


GARBAGE_HTML = """<!DOCTYPE html><html><head><title>网站首页</title></head>
<body><div class="nav"><a href="/">首页</a><a href="/xxgk/">信息公开</a></div>
<div class="main"><p>欢迎访问本网站。</p><p>联系我们：0517-12345678</p></div></body></html>"""


@pytest.mark.parametrize("name, content, message", [
    ("empty.txt", b"", "文件为空"),
    ("blank.txt", b"\n\n   \n", "文件为空"),
    ("report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF"),
    ("report.txt", b"%PDF-1.4 renamed", "PDF"),
    ("page.html", GARBAGE_HTML.encode(), "不像是政府信息公开工作年度报告"),
    ("binary.dat", bytes(range(256)) * 4, "二进制"),
    ("scan.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "图片"),
    ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, ".doc"),
    ("broken.docx", b"PK\x03\x04word/document.xml" + b"\x00" * 64, "无法打开 .docx"),
    ("notes.txt", "今天天气很好。\n明天也很好。\n".encode(), "不像是政府信息公开工作年度报告"),
])
def test_garbage_gets_a_clear_message_and_nothing_is_written(tmp_path, capsys, name, content, message):
    src = tmp_path / name
    src.write_bytes(content)
    code, out, err = run(capsys, "-C", str(tmp_path), "import", str(src))
    assert code == 1
    assert message in err and "未写入任何文件" in err
    assert "Traceback" not in out + err
    assert written(tmp_path) == []


def test_a_file_over_50_mb_is_refused_without_reading_it(tmp_path, capsys):
    src = tmp_path / "huge.txt"
    with open(src, "wb") as fh:
        fh.truncate(50 * 1024 * 1024 + 1)  # sparse: no 50 MB written to disk
    code, _, err = run(capsys, "-C", str(tmp_path), "import", str(src))
    assert code == 1 and "文件过大" in err and "50 MB" in err
    assert written(tmp_path) == []


def test_missing_input_file(tmp_path, capsys):
    code, _, err = run(capsys, "-C", str(tmp_path), "import", str(tmp_path / "nope.txt"))
    assert code == 1 and "无法读取" in err


def test_one_bad_file_does_not_stop_the_others(tmp_path, capsys):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    code, out, err = run(capsys, "-C", str(tmp_path), "import", str(bad), str(SEED))
    assert code == 1 and "文件为空" in err
    assert len(written(tmp_path)) == 1


def test_tables_published_as_images_leave_the_prose_and_declare_them_missing(tmp_path, capsys):
    src = tmp_path / "images.html"
    src.write_text("""<html><head><title>某某县民政局2023年政府信息公开工作年度报告</title></head><body>
<div id="zoom"><p>一、总体情况</p><p>本年度依法公开政府信息。</p>
<p>二、主动公开政府信息情况</p><p><img src="t1.png"></p>
<p>三、收到和处理政府信息公开申请情况</p><p><img src="t2.png"></p>
<p>四、政府信息公开行政复议、行政诉讼情况</p><p><img src="t3.png"></p>
<p>五、存在的主要问题及改进情况</p><p>宣传不够。</p>
<p>六、其他需要报告的事项</p><p>未收取信息处理费。</p></div></body></html>""", encoding="utf-8")
    code, out, _ = run(capsys, "-C", str(tmp_path), "import", str(src))
    assert code == 0  # written; the tables are declared missing
    assert "未找到表格" in out
    report, diags = load_report(tmp_path / "content" / "2023" / "moumou-minzheng.md", tmp_path)
    assert report is not None and not [d for d in diags if d.is_error]
    assert report.missing == ("active", "applications", "reviews")
    assert report.values == {}
    assert "本年度依法公开政府信息。" in report.body and "宣传不够。" in report.body


def test_a_row_that_cannot_be_placed_is_missing_not_guessed(tmp_path, capsys):
    values = consistent_2021()
    text = render_text(FORMATS["2021"], values).replace("4.保护第三方合法权益|", "★★★|")
    src = tmp_path / "r.txt"
    src.write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, "-C", str(tmp_path), "import", str(src))
    assert code == 0
    report, _ = load_report(written(tmp_path)[0], tmp_path)
    assert report.missing == ("applications.withheld_third_party",)
    assert "applications.withheld_third_party" not in report.values
    assert "未找到“4.保护第三方合法权益”一行" in out
    assert "无法对应到表格的任何一行" in out


def test_year_unknown_asks_for_it(tmp_path, capsys):
    src = tmp_path / "r.txt"
    text = render_text(FORMATS["2021"], consistent_2021()).split("\n", 1)[1]  # no title line
    src.write_text(text, encoding="utf-8")
    code, _, err = run(capsys, "-C", str(tmp_path), "import", str(src))
    assert code == 1 and "--year" in err
    code, _, err = run(capsys, "-C", str(tmp_path), "import", "--year", "2023", str(src))
    assert code == 1 and "--agency" in err
    code, out, err = run(capsys, "-C", str(tmp_path), "import", "--year", "2023", "--agency", "某某县民政局", str(src))
    assert code == 0, out + err


def test_slug_is_validated(tmp_path, capsys):
    code, _, err = run(capsys, "-C", str(tmp_path), "import", "--slug", "../evil", str(SEED))
    assert code == 2 and "slug" in err
    code, _, err = run(capsys, "-C", str(tmp_path), "import", "--slug", "a", str(SEED), str(SEED))
    assert code == 2 and "只能在导入一个文件时使用" in err


def test_gbk_html_is_decoded_and_said_so(tmp_path, capsys):
    html = (SAMPLES / "hangzhou-style-fixture-2025.html").read_text(encoding="utf-8").replace('charset="utf-8"', 'charset="gb2312"')
    src = tmp_path / "gbk.html"
    src.write_bytes(html.encode("gb18030"))
    code, out, err = run(capsys, "-C", str(tmp_path), "import", "--dry-run", str(src))
    assert code == 0, out + err
    assert "按 GB18030 编码读取" in out and "new_requests = [13612, 252, 0, 45, 128, 32, 14069]" in out


def test_html_page_chrome_is_left_out(tmp_path, capsys):
    page = (SAMPLES / "hangzhou-style-fixture-2025.html").read_text(encoding="utf-8")
    page = page.replace("<body>", '<body><div class="nav"><ul><li>首页</li><li>一、机构概况</li></ul></div>'
                        '<div class="crumb">当前位置：首页 &gt; 信息公开</div>')
    page = page.replace("</body>", '<div class="footer"><p>版权所有：测试市人民政府</p><p>网站标识码 1234</p></div></body>')
    src = tmp_path / "page.html"
    src.write_text(page, encoding="utf-8")
    code, out, err = run(capsys, "-C", str(tmp_path), "import", "--dry-run", str(src))
    assert code == 0, out + err
    body = out.split("--- 将写入的内容", 1)[1]
    assert "版权所有" not in body and "当前位置" not in body and "机构概况" not in body
    assert "依据《政府信息公开信息处理费管理办法》规定" in body
