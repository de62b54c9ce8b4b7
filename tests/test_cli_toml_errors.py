"""One TOML syntax error no longer hides the others: every statement of the front matter that fails
on its own is reported at its line, with the same explanation the first error gets."""

from __future__ import annotations

from govsite.cli import main
from govsite.frontmatter import SplitFile, parse_toml
from govsite.toml_errors import statement_errors
from sitekit import make_site, report_text


def broken(text: str, *edits: tuple[str, str]) -> str:
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def test_check_reports_every_failing_line(tmp_path, capsys) -> None:
    text = broken(report_text(),
                  ("rules = [0, 0, 0]", "rules = [0, 0 0]"),
                  ('fees = "0"', "fees = “0”"),
                  ("granted = [1288, 21, 0, 0, 50, 3, 1362]", "granted = [1288, 21, 0, 0, 50, 3, 1362"),
                  ("withheld_inquiry = [105, 0, 0, 0, 0, 0, 105]", "withheld_inquiry = [105, 0, 0, 0, 0, 0, １05]"))
    site = make_site(tmp_path / "s", {"content/2024/a.md": text})
    assert main(["-C", str(site), "check"]) == 1
    out = capsys.readouterr().out.splitlines()
    lines = text.split("\n")
    at = {n: lines.index(next(x for x in lines if x.startswith(n))) + 1
          for n in ("rules = ", "fees = ", "granted = ", "withheld_inquiry = ")}
    column = lines[at["withheld_inquiry = "] - 1].index("１") + 1
    assert [line.split(": 错误 ")[0] for line in out] == [
        f"content/2024/a.md:{at['rules = ']}:15", f"content/2024/a.md:{at['fees = ']}:8",
        f"content/2024/a.md:{at['granted = ']}", f"content/2024/a.md:{at['withheld_inquiry = ']}:{column}"]
    assert out[1].endswith("可能原因：第 8 列是中文引号 “ ”，请改为英文引号 \"")
    assert out[2].endswith("TOML 语法错误：数组缺少右方括号 ]，一行数值应写成 [1, 2, 3]")
    assert out[3].endswith(f"可能原因：第 {column} 列是全角数字 １，请改为半角数字")


def test_values_over_several_lines_are_not_errors() -> None:
    front = 'agency = "某局"\nregion = [\n  "河南省",\n  "新乡市",\n]\n\n[active]\nrules = [0, 0, 0]\n'
    assert statement_errors("a.md", SplitFile(front, 2, "", 0)) == []


def test_a_single_error_stays_single() -> None:
    front = 'agency = "某局"\nyear = 2024年\n\n[active]\nrules = [0, 0, 0]\n'
    doc, diags = parse_toml("a.md", SplitFile(front, 2, "", 0))
    assert doc is None and [d.line for d in diags] == [3]


def test_a_duplicate_key_is_reported_once_and_later_lines_still_checked() -> None:
    front = 'agency = "某局"\nagency = "某局"\nyear = 2024\nlevel = 县级部门\n'
    _, diags = parse_toml("a.md", SplitFile(front, 2, "", 0))
    assert [(d.line, d.message.split("。")[0]) for d in diags] == [
        (3, "TOML 语法错误：键 agency 重复赋值（第 2 行已经写过），请删去其中一行"),
        (5, "TOML 语法错误：值的写法不对：文字要用英文双引号括起来（如 \"卫辉市\"），数字用半角数字，数组写成 [1, 2, 3]"),
    ]


def test_site_toml_gets_every_syntax_error_too(tmp_path, capsys) -> None:
    site = make_site(tmp_path / "s", {}, site_toml='title = "门户\npublish_invalid = ture\nlatest = 10\n')
    assert main(["-C", str(site), "check"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert [line.split(": 错误 ")[0] for line in err[1:]] == ["site.toml:1:12", "site.toml:2:19"]
    assert "是不是 true？" in err[2]
