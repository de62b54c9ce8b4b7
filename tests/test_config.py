"""``site.toml`` is validated like content: every problem, with file and line, exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from govsite.cli import main
from govsite.config import load_config
from sitekit import make_site, report_text


def problems(tmp_path: Path, toml: str, **overrides: str) -> list[str]:
    """The formatted diagnostics of a site.toml holding ``toml``."""
    (tmp_path / "site.toml").write_text(toml, encoding="utf-8")
    return [d.format() for d in load_config(tmp_path, overrides)[1]]


def test_config_errors_are_all_reported(tmp_path, capsys) -> None:
    toml = 'title = "门户"\nbase_ulr = "/x/"\npublish_invalid = "yes"\n\n[meta]\nsite_nmae = "某市"\n'
    site = make_site(tmp_path / "s", {"content/2024/a.md": report_text()}, site_toml=toml)
    assert main(["-C", str(site), "build"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "govsite: 错误：site.toml 有误：\n"
        "site.toml:2: 错误 [config] 未知的设置 base_ulr，是不是 base_url？\n"
        "site.toml:3: 错误 [config] 设置 publish_invalid（为 true 时，校验出错的报告也照常发布，并在报告页列出错误）"
        "应为布尔值 true 或 false（小写，不加引号），现在是字符串 'yes'\n"
        "site.toml:6: 错误 [config] [meta] 中未知的设置 site_nmae，是不是 site_name？（可用：site_name、site_domain、site_id_code、"
        "column_name、column_description、column_keywords、column_type、content_source）\n"
    )
    assert not (site / "public").exists()


def test_config_toml_syntax_error(tmp_path, capsys) -> None:
    site = make_site(tmp_path / "s", {}, site_toml='title = "门户\n')
    assert main(["-C", str(site), "check"]) == 2
    assert capsys.readouterr().err.startswith("govsite: 错误：site.toml 有误：\nsite.toml:1:")


def test_meta_is_published(tmp_path) -> None:
    toml = 'title = "门户"\n[meta]\nsite_name = "某市人民政府"\nsite_id_code = "4107810001"\n'
    site = make_site(tmp_path / "s", {"content/2024/a.md": report_text()}, site_toml=toml)
    assert main(["-C", str(site), "build"]) == 0
    html = (site / "public/2024/a/index.html").read_text(encoding="utf-8")
    assert '<meta name="SiteName" content="某市人民政府">' in html
    assert '<meta name="SiteIDCode" content="4107810001">' in html
    assert '<meta name="ArticleTitle" content="淮安市人民政府2024年政府信息公开工作年度报告">' in html


PUBLISH_INVALID = "设置 publish_invalid（为 true 时，校验出错的报告也照常发布，并在报告页列出错误）"


@pytest.mark.parametrize("value", ["-5", "0", "1001", "100000000000000000000"])
def test_latest_out_of_range(tmp_path, value) -> None:
    assert problems(tmp_path, f'title = "门户"\nlatest = {value}\n') == [
        f"site.toml:2: 错误 [config] 设置 latest（首页列出的最新报告数）应为 1 到 1000 之间的整数，现在是 {value}"]


def test_wrong_types_name_the_expected_type_and_the_value(tmp_path) -> None:
    assert problems(tmp_path, 'publish_invalid = "是"\nlatest = "10"\ntitle = 5\n') == [
        f"site.toml:1: 错误 [config] {PUBLISH_INVALID}应为布尔值 true 或 false（小写，不加引号），现在是字符串 '是'",
        "site.toml:2: 错误 [config] 设置 latest（首页列出的最新报告数）应为整数（不加引号，如 10），现在是字符串 '10'",
        "site.toml:3: 错误 [config] 设置 title（网站标题）应为字符串（用英文双引号括起来，如 \"…\"），现在是整数 5",
    ]


@pytest.mark.parametrize("word, hint", [("ture", "（是不是 true？）"), ("Flase", "（是不是 false？）"), ("yes", "")])
def test_misspelt_boolean_gets_the_true_false_hint(tmp_path, word, hint) -> None:
    assert problems(tmp_path, f'title = "门户"\npublish_invalid = {word}\n') == [
        f"site.toml:2:19: 错误 [toml] TOML 语法错误：publish_invalid = {word} 写法不对{hint}。"
        "publish_invalid 应为布尔值 true 或 false（小写，不加引号）"]


REGISTRY = """title = "门户"

[[agencies]]
name = "青山县公安局"
slug = "Qingshan_GA"
level = "县级部门"

[[agencies]]
name = "青山县人民政府"
level = "市级"
region = ["某省", ""]

[[agencies]]
name = "青山县公安局"
slug = "qingshan-ga"
leve = "县级部门"
"""


def test_registry_entries_are_checked_each_at_its_own_line(tmp_path) -> None:
    levels = "国务院部门、省级人民政府、省级部门、设区的市人民政府、设区的市部门、县级人民政府、县级部门、乡镇人民政府、其他"
    assert problems(tmp_path, REGISTRY) == [
        "site.toml:5: 错误 [config] agencies 第 1 项的 slug \"Qingshan_GA\" 不能用作文件名和网址：只能用小写字母、数字和连字符，"
        "且以字母或数字开头，例如 \"qingshan-ga\"",
        f"site.toml:10: 错误 [config] agencies 第 2 项的 level \"市级\" 不在可选值中：{levels}",
        "site.toml:11: 错误 [config] agencies 第 2 项的 region 应为非空字符串的数组，如 [\"河南省\", \"新乡市\"]",
        "site.toml:14: 错误 [config] agencies 第 3 项的 name \"青山县公安局\" 与第 1 项重复：每个机关只登记一次，slug 也不能相同",
        "site.toml:16: 错误 [config] agencies 第 3 项中未知的键 leve，是不是 level？（可用：name、slug、level、region）",
    ]


def test_stray_dotted_keys_are_named_row_by_row(tmp_path) -> None:
    toml = 'title = "门户"\nactive.rules = [0, 0, 0]\nactive.fees = "0"\npublish_invalid = true\n'
    where = "site.toml 没有 active 这项设置（可用：title、description、base_url、publish_invalid、output、latest、meta、agencies、favicon）"
    assert problems(tmp_path, toml) == [
        f"site.toml:2: 错误 [config] 未知的设置 active.rules：{where}；表格数据应写在报告文件 content/<年度>/<文件名>.md 中",
        f"site.toml:3: 错误 [config] 未知的设置 active.fees：{where}；表格数据应写在报告文件 content/<年度>/<文件名>.md 中",
    ]


def test_unknown_table_is_named_at_its_header(tmp_path) -> None:
    assert problems(tmp_path, 'title = "门户"\n\n[mata]\nsite_name = "x"\n') == [
        "site.toml:3: 错误 [config] 未知的设置 mata，是不是 meta？"]


def test_base_url_from_the_command_line_is_named_as_such(tmp_path, capsys) -> None:
    assert problems(tmp_path, 'title = "门户"\nbase_url = "/"\n', base_url="xxgk/ndbg") == [
        "命令行: 错误 [config] --base-url 'xxgk/ndbg' 无效：应以 / 开头（如 /xxgk/ndbg/），或是以 http:// 或 https:// "
        "开头的完整网址，且不含空格、引号和尖括号"]
    site = make_site(tmp_path / "s", {"content/2024/a.md": report_text()}, site_toml='title = "门户"\nbase_url = "/"\n')
    for command in ("build", "serve"):
        assert main(["-C", str(site), command, "--base-url", "xxgk/ndbg"]) == 2
        assert capsys.readouterr().err == (
            "govsite: 错误：--base-url 'xxgk/ndbg' 无效：应以 / 开头（如 /xxgk/ndbg/），或是以 http:// 或 https:// "
            "开头的完整网址，且不含空格、引号和尖括号\n")
    assert not (site / "public").exists()


def test_site_toml_that_is_a_folder(tmp_path, capsys) -> None:
    (tmp_path / "site.toml").mkdir()
    assert [d.format() for d in load_config(tmp_path)[1]] == ["site.toml: 错误 [config] site.toml 是一个目录，而站点设置应是同名的文本文件"]
    assert main(["-C", str(tmp_path), "build"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"govsite: 错误：{tmp_path / 'site.toml'} 是一个目录，而站点设置应是名为 site.toml 的文本文件")
    assert not (tmp_path / "public").exists()


def test_every_mistake_of_the_issue_in_one_run(tmp_path, capsys) -> None:
    toml = 'title = "门户"\nlatest = -5\npublish_invalid = "是"\n\n[[agencies]]\nname = "青山县公安局"\nslug = "Qingshan_GA"\n'
    site = make_site(tmp_path / "s", {"content/2024/a.md": report_text()}, site_toml=toml)
    assert main(["-C", str(site), "check"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "govsite: 错误：site.toml 有误："
    assert [line.split(" 错误 ")[0] for line in lines[1:]] == ["site.toml:2:", "site.toml:3:", "site.toml:7:"]
