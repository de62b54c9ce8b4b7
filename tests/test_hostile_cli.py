"""Issue 8 for ``new`` and ``import``: they never overwrite without ``--force``, never write outside
the content folder for a hostile slug, and what a stranger's web page carries (script, event
handlers, ``javascript:`` links) is published as text, never as markup."""

from __future__ import annotations

from pathlib import Path

import pytest

from govsite.cli import main
from sitekit import make_site
from test_safety import XSS, parse

SAMPLE = Path(__file__).resolve().parent / "data" / "samples" / "hangzhou-style-fixture-2025.html"


def files_below(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_new_never_overwrites_without_force(tmp_path: Path, capsys) -> None:
    site = make_site(tmp_path / "site", {})
    assert main(["-C", str(site), "new", "2024", "淮安市人民政府", "--slug", "huaian"]) == 0
    path = site / "content" / "2024" / "huaian.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n我写的内容\n", encoding="utf-8")
    before = path.read_bytes()
    capsys.readouterr()
    assert main(["-C", str(site), "new", "2024", "淮安市人民政府", "--slug", "huaian"]) == 2
    err = capsys.readouterr().err
    assert "已存在；如确需覆盖，请加 --force" in err and "Traceback" not in err
    assert path.read_bytes() == before
    assert main(["-C", str(site), "new", "2024", "淮安市人民政府", "--slug", "huaian", "--force"]) == 0
    assert "我写的内容" not in path.read_text(encoding="utf-8")
    assert [p.name for p in path.parent.iterdir()] == ["huaian.md"]  # no temporary file left


@pytest.mark.parametrize("slug", ["../../evil", "a/b", "..", "Huai An", "huaian\n", "/etc/passwd", "a%2fb", "淮安"])
def test_new_refuses_a_hostile_slug_and_writes_nothing(tmp_path: Path, capsys, slug: str) -> None:
    site = make_site(tmp_path / "site", {})
    before = files_below(tmp_path)
    assert main(["-C", str(site), "new", "2024", "淮安市人民政府", "--slug", slug]) == 2
    err = capsys.readouterr().err
    assert "不能用作文件名和网址" in err and "Traceback" not in err
    assert files_below(tmp_path) == before


def _hostile_page(tmp_path: Path) -> Path:
    """The shared HTML sample with script, handlers and javascript: links in title, prose and cells."""
    html = SAMPLE.read_text(encoding="utf-8")
    payload = f"<script>{XSS}</script><img src=x onerror={XSS}><a href=\"javascript:{XSS}\">点我</a>"
    html = html.replace("</title>", f"{payload}</title>", 1)
    for marker in ("一、总体情况", "五、存在的主要问题及改进情况"):
        i = html.find(marker)
        j = html.find("<p", i)
        if i >= 0 and j >= 0:
            html = html[:j] + f"<p>{payload}&lt;/script&gt;&lt;script&gt;{XSS}&lt;/script&gt;</p>" + html[j:]
    src = tmp_path / "hostile.html"
    src.write_text(html, encoding="utf-8")
    return src


def test_import_never_overwrites_without_force(tmp_path: Path, capsys) -> None:
    site = make_site(tmp_path / "site", {})
    args = ["-C", str(site), "import", str(SAMPLE), "--year", "2025", "--agency", "杭州市某某局", "--slug", "hz"]
    assert main(args) == 0
    path = site / "content" / "2025" / "hz.md"
    path.write_bytes(path.read_bytes() + "\n人工校对过的内容\n".encode("utf-8"))
    before = path.read_bytes()
    capsys.readouterr()
    assert main(args) != 0
    err = capsys.readouterr().err
    assert "已存在；如确需覆盖，请加 --force（未写入）" in err and "Traceback" not in err
    assert path.read_bytes() == before
    assert main(args + ["--force"]) == 0
    assert "人工校对过的内容" not in path.read_text(encoding="utf-8")


def test_imported_script_is_published_as_text(tmp_path: Path, capsys) -> None:
    site = make_site(tmp_path / "site", {}, site_toml='title = "测试门户"\npublish_invalid = true\n')
    src = _hostile_page(tmp_path)
    code = main(["-C", str(site), "import", str(src), "--year", "2025", "--agency", "杭州市某某局", "--slug", "hz"])
    capsys.readouterr()
    if code != 0:
        pytest.skip("the importer did not accept the altered sample")  # pragma: no cover
    out = tmp_path / "public"
    assert main(["-C", str(site), "build", "-o", str(out)]) == 0
    for page in sorted(out.rglob("*.html")):
        p = parse(page)
        for tag, attrs in p.tags:
            assert not any(name.startswith("on") for name in attrs), (page, tag, attrs)
            assert not any("javascript:" in v.lower() for v in attrs.values()), (page, tag, attrs)
            assert tag != "script" or attrs.get("src"), (page, "inline script")
        assert all(XSS not in code for code in p.scripts), page
