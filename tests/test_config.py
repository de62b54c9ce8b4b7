"""``site.toml`` is validated like content: every problem, with file and line, exit code 2."""

from __future__ import annotations

from govsite.cli import main
from sitekit import make_site, report_text


def test_config_errors_are_all_reported(tmp_path, capsys) -> None:
    toml = 'title = "门户"\nbase_ulr = "/x/"\npublish_invalid = "yes"\n\n[meta]\nsite_nmae = "某市"\n'
    site = make_site(tmp_path / "s", {"content/2024/a.md": report_text()}, site_toml=toml)
    assert main(["-C", str(site), "build"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "govsite: 错误：site.toml 有误：\n"
        "site.toml:2: 错误 [config] 未知的设置 base_ulr，是不是 base_url？\n"
        "site.toml:3: 错误 [config] 设置 publish_invalid（为 true 时，校验出错的报告也照常发布，并在报告页列出错误）的类型不对\n"
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
