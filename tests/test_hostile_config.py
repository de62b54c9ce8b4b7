"""Issue 8 for ``site.toml``: it may come from someone else's repository, so it is read like content
(encodings named, every mistake with its line) and cannot aim the build at an arbitrary folder or
put markup into every page's links."""

from __future__ import annotations

from pathlib import Path

import pytest

from govsite.config import load_config


def diags_of(tmp_path: Path, data: bytes) -> list[str]:
    (tmp_path / "site.toml").write_bytes(data)
    return [d.format() for d in load_config(tmp_path)[1]]


def test_gbk_site_toml_is_named(tmp_path: Path) -> None:
    assert diags_of(tmp_path, 'title = "淮安市政府信息公开"\n'.encode("gbk")) == [
        "site.toml:1: 错误 [encoding] 文件不是 UTF-8 编码：看起来是 GBK/GB18030 编码（Windows 记事本、WPS 的常见保存方式），"
        "请用编辑器“另存为”UTF-8 编码后再试"]


def test_bom_and_crlf_site_toml_are_accepted(tmp_path: Path) -> None:
    assert diags_of(tmp_path, b"\xef\xbb\xbf" + 'title = "门户"\r\nbase_url = "/xxgk/"\r\n'.encode()) == []


def test_fullwidth_equals_in_site_toml(tmp_path: Path) -> None:
    assert diags_of(tmp_path, 'title ＝ "门户"\n'.encode()) == [
        "site.toml:1:7: 错误 [toml] TOML 语法错误：键后面应是等号 =（每行写成 键 = 值）。可能原因：第 7 列是全角等号 ＝，请改为 ="]


@pytest.mark.parametrize("output", ["../elsewhere", "/var/www/html", ".", "a/../../b"])
def test_output_outside_the_site_is_refused(tmp_path: Path, output: str) -> None:
    assert diags_of(tmp_path, f'output = "{output}"\n'.encode()) == [
        f"site.toml:1: 错误 [config] output {output!r} 必须是站点目录内的相对路径（如 \"public\"）；要输出到别处，请在命令行用 --output 指定"]


@pytest.mark.parametrize("base", ["javascript:alert(1)//", '/x" onload="alert(1)', "//evil.example/", "xxgk/ndbg/", "https://a b/"])
def test_hostile_base_url_is_refused(tmp_path: Path, base: str) -> None:
    text = f"base_url = '{base}'\n"
    assert diags_of(tmp_path, text.encode()) == [
        "site.toml:1: 错误 [config] base_url 应以 / 开头（如 /xxgk/ndbg/），或是以 http:// 或 https:// 开头的完整网址，且不含空格、引号和尖括号"]


@pytest.mark.parametrize("base", ["/", "/xxgk/ndbg/", "https://www.example.gov.cn/xxgk/ndbg/"])
def test_ordinary_base_urls_pass(tmp_path: Path, base: str) -> None:
    assert diags_of(tmp_path, f'base_url = "{base}"\n'.encode()) == []
