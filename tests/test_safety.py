"""Issue 8: nothing unsafe is published, and nothing is lost.

Unsafe: script and raw HTML in every field a stranger can fill (body, agency, region, title, 索引号,
文号, original URL) is escaped or dropped; no page makes a request to another host; nothing is
written outside the output folder. Lost: a build that fails for any reason — bad content, a broken
template, a full disk, Ctrl-C, an interruption between the two renames of the swap — leaves the
previous ``public/`` whole and no temporary folder behind; a user's file in ``public/`` survives.
"""

from __future__ import annotations

import errno
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import pytest

import govsite.write as write_mod
from govsite.build import build
from govsite.cli import main
from govsite.diagnostics import GovsiteError
from govsite.markdown import EXTERNAL_REL, render
from govsite.write import MANIFEST, Staging, recover, safe_relpath
from sitekit import make_site, report_text

PATH = "content/2024/huaian.md"
XSS = 'alert("XSS")'
SCRIPT = f"<script>{XSS}</script>"
SOURCE_URL = "https://www.huaian.gov.cn/art/2025/1/20/art_1.html?a=1&b=2"

HOSTILE_BODY = f"""
{SCRIPT}

<img src=x onerror='{XSS}'>

<iframe src="https://evil.example/"></iframe>

[点我](javascript:{XSS}) [vb](vbscript:msgbox) [data](data:text/html;base64,PHNjcmlwdD4=)

![跟踪像素](https://evil.example/pixel.png) ![协议相对](//evil.example/x.png)

[国务院](https://www.gov.cn/) <https://evil.example/auto>

```html
</script><script>{XSS}</script>
```

`</script><script>{XSS}</script>`
"""


def hostile_report(**meta) -> str:
    """A valid report whose every free-text field carries a script payload."""
    fields = dict(
        agency=f"淮安市人民政府{SCRIPT}",
        region=["江苏省", f"<img src=x onerror={XSS}>"],
        title=f"</title></script><script>{XSS}</script>",
        index_no=f'"><script>{XSS}</script>',
        doc_no=f"</script><svg onload={XSS}>",
        source_url=SOURCE_URL,
    )
    fields.update(meta)
    text = report_text(**fields)
    return text.replace("## 一、总体情况\n", "## 一、总体情况\n" + HOSTILE_BODY, 1)


class Page(HTMLParser):
    """Every element with its attributes, and the text inside each <script>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data) -> None:
        if self._in_script:
            self.scripts[-1] += data


def parse(path: Path) -> Page:
    p = Page()
    p.feed(path.read_text(encoding="utf-8"))
    p.close()
    return p


def built_hostile_site(tmp_path: Path) -> Path:
    site = make_site(tmp_path / "site", {PATH: hostile_report()}, site_toml='title = "测试门户"\npublish_invalid = true\n')
    assert main(["-C", str(site), "build", "-o", str(tmp_path / "public")]) == 0
    return tmp_path / "public"


def test_script_in_every_field_is_escaped_never_executed(tmp_path: Path) -> None:
    out = built_hostile_site(tmp_path)
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 3
    report_page = out / "2024" / "huaian" / "index.html"
    assert report_page in pages
    for page in pages:
        p = parse(page)
        for tag, attrs in p.tags:
            assert tag not in ("iframe", "object", "embed"), (page, tag)  # (the theme draws charts in inline SVG)
            for name, value in attrs.items():
                assert not name.startswith("on"), (page, tag, name)
                assert "javascript:" not in value.lower() and "vbscript:" not in value.lower(), (page, tag, name)
            if tag == "script":
                assert attrs.get("src"), (page, "inline script")  # the theme's scripts are files
            if tag == "img":
                assert attrs.get("src") != "x", (page, "img from the body or region")
        for code in p.scripts:
            assert XSS not in code, (page, code)
    text = report_page.read_text(encoding="utf-8")
    # The payloads are shown as text, escaped — nothing was silently dropped from the agency name.
    assert "淮安市人民政府&lt;script&gt;alert(&#34;XSS&#34;)&lt;/script&gt;" in text or \
        "淮安市人民政府&lt;script&gt;alert(&quot;XSS&quot;)&lt;/script&gt;" in text


def test_no_page_requests_another_host(tmp_path: Path) -> None:
    """Every src/href/action of every built page stays on the site. Exceptions, by design
    (docs/bad-input.md): the report's original link ``source_url`` and links the author wrote in the
    body — plain ``<a>`` links, http(s) only, with ``rel`` nofollow noopener. Never a ``src``."""
    out = built_hostile_site(tmp_path)
    seen_source = False
    for page in sorted(out.rglob("*.html")):
        for tag, attrs in parse(page).tags:
            for name in ("src", "href", "action", "srcset", "poster", "data", "formaction"):
                value = attrs.get(name)
                if value is None:
                    continue
                parts = urlsplit(value)
                if not parts.netloc and parts.scheme in ("", "mailto", "data"):
                    assert not (parts.scheme == "data" and name != "src"), (page, tag, value)
                    continue  # on this site
                assert tag == "a" and name == "href", (page, tag, name, value)
                assert parts.scheme in ("http", "https"), (page, value)
                rel = attrs.get("rel", "").split()
                assert {"nofollow", "noopener"} <= set(rel), (page, value, rel)
                seen_source |= value == SOURCE_URL
            if tag == "meta" and attrs.get("http-equiv", "").lower() == "refresh":
                pytest.fail(f"{page}: meta refresh")
    assert seen_source, "the report page links to its original publication"
    for asset in list(out.rglob("*.css")) + list(out.rglob("*.js")):
        code = asset.read_text(encoding="utf-8")
        for m in re.finditer(r"url\(\s*['\"]?([^'\")]*)|@import\s+['\"]([^'\"]*)", code):
            target = m.group(1) or m.group(2) or ""
            assert not target.startswith(("http:", "https:", "//")), (asset, target)
        assert not re.search(r"""(fetch|import|src\s*=)\s*\(?\s*['"`](https?:)?//""", code), asset


def test_external_image_becomes_a_link_and_links_leave_with_rel() -> None:
    html = render("![统计图](https://evil.example/chart.png) ![本站](chart.png) [国务院](https://www.gov.cn/)")
    assert html == (
        '<p><a href="https://evil.example/chart.png" rel="nofollow noopener noreferrer" class="external-image">[图片：统计图]</a> '
        '<img src="chart.png" alt="本站" /> '
        '<a href="https://www.gov.cn/" rel="nofollow noopener noreferrer">国务院</a></p>\n')
    assert EXTERNAL_REL == "nofollow noopener noreferrer"
    assert render("<script>x</script>") == "<p>&lt;script&gt;x&lt;/script&gt;</p>\n"
    assert render("[a](javascript:alert(1))") == "<p>[a](javascript:alert(1))</p>\n"


@pytest.mark.parametrize("rel", ["../x", "/etc/passwd", "a/../../x", "", "a//b", "./a", "a\\b", "a\x00b"])
def test_staging_never_writes_outside_the_output(rel: str, tmp_path: Path) -> None:
    with pytest.raises(GovsiteError, match="拒绝写入输出目录之外或不合规的路径"):
        safe_relpath(rel)
    staging = Staging(tmp_path / "public")
    with pytest.raises(GovsiteError):
        staging.write(rel, b"x")
    staging.abort()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_build_writes_only_inside_the_output(tmp_path: Path) -> None:
    out = built_hostile_site(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public", "site"]
    assert out.is_dir()


# --- Nothing is lost ------------------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(parent: Path) -> list[str]:
    """Staging or swap folders left beside the output."""
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(".public."))


@pytest.fixture
def built(tmp_path: Path, monkeypatch) -> tuple[Path, Path, dict[str, bytes]]:
    """A site built once into ``public/``: (site, public, snapshot of public)."""
    monkeypatch.setenv("GOVSITE_WORKERS", "1")  # the failures below are injected in this process
    site = make_site(tmp_path / "site", {PATH: report_text(), "content/2023/huaian.md": report_text(year=2023)})
    out = tmp_path / "public"
    assert main(["-C", str(site), "build", "-o", str(out)]) == 0
    return site, out, snapshot(out)


def run_build(site: Path, out: Path, *args: str) -> int:
    return main(["-C", str(site), "build", "-o", str(out), *args])


def test_bad_content_leaves_public_whole(built, capsys) -> None:
    site, out, before = built
    (site / PATH).write_text(report_text().replace("year = 2024", "year = “2024”"), encoding="utf-8")
    capsys.readouterr()
    assert run_build(site, out) == 1
    err = capsys.readouterr().err
    assert f"{PATH}:3:8: 错误 [toml]" in err and f"构建未进行" in err and "Traceback" not in err
    assert snapshot(out) == before
    assert leftovers(out.parent) == []


@pytest.mark.parametrize("layout, where", [
    ("{% extends 'theme/report.html' %}{% block main %}{{ report.agency }\n{% endblock %}", "report.html:1"),
    ("{% extends 'theme/report.html' %}\n{% block main %}\n{{ report.no_such_field }}\n{% endblock %}", "report.html:3"),
])
def test_broken_layout_leaves_public_whole(built, capsys, layout: str, where: str) -> None:
    site, out, before = built
    (site / "layouts").mkdir()
    (site / "layouts" / "report.html").write_text(layout, encoding="utf-8")
    capsys.readouterr()
    assert run_build(site, out) == 2
    err = capsys.readouterr().err
    assert err.startswith("govsite: 错误：模板错误 ") and where in err and "Traceback" not in err, err
    assert snapshot(out) == before
    assert leftovers(out.parent) == []


def _fail_staging_writes(monkeypatch, exc: BaseException, after: int = 3) -> None:
    """Make the ``after``-th write into a staging folder raise ``exc`` (a full disk, Ctrl-C)."""
    real = write_mod.write_file
    count = {"n": 0}

    def write_file(path: str, data: bytes) -> None:
        if ".public.tmp-" in path:
            count["n"] += 1
            if count["n"] >= after:
                if isinstance(exc, OSError):
                    raise OSError(exc.errno, exc.strerror, path)  # as the real call names its file
                raise exc
        real(path, data)

    monkeypatch.setattr(write_mod, "write_file", write_file)


def test_full_disk_leaves_public_whole_with_a_clear_message(built, capsys, monkeypatch) -> None:
    site, out, before = built
    (site / PATH).write_text(report_text(prose={"s1": "改过的正文", "s5": "b", "s6": "未收取信息处理费。"}), encoding="utf-8")
    _fail_staging_writes(monkeypatch, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
    capsys.readouterr()
    assert run_build(site, out) == 2
    err = capsys.readouterr().err
    assert err.startswith("govsite: 错误：") and "磁盘空间不足，请清理磁盘后重新构建。输出目录没有改动" in err, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert f"{out}/" in err  # the file it was writing, named by where it was going
    assert snapshot(out) == before
    assert leftovers(out.parent) == []


def test_full_disk_anywhere_is_one_chinese_line(built, capsys, monkeypatch) -> None:
    """Whatever file the disk fills on (cache, page, manifest), the CLI prints one line, no traceback."""
    site, out, before = built
    (site / PATH).write_text(report_text(prose={"s1": "又改了", "s5": "b", "s6": "未收取信息处理费。"}), encoding="utf-8")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/full/disk/file")

    monkeypatch.setattr(Path, "write_bytes", full)
    monkeypatch.setattr(Path, "write_text", full)
    capsys.readouterr()
    assert run_build(site, out) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "磁盘空间不足" in err and "Traceback" not in err, err
    assert snapshot(out) == before
    assert leftovers(out.parent) == []


def test_ctrl_c_mid_write_leaves_public_whole(built, capsys, monkeypatch) -> None:
    site, out, before = built
    (site / PATH).write_text(report_text(prose={"s1": "改过", "s5": "b", "s6": "未收取信息处理费。"}), encoding="utf-8")
    _fail_staging_writes(monkeypatch, KeyboardInterrupt(), after=2)
    capsys.readouterr()
    assert run_build(site, out) == 130
    err = capsys.readouterr().err
    assert err == "govsite: 已中断（Ctrl-C）。构建是先写入临时目录再替换的，输出目录保持原样\n"
    assert snapshot(out) == before
    assert leftovers(out.parent) == []


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), OSError(errno.EXDEV, "Invalid cross-device link")])
def test_interrupted_swap_puts_the_previous_site_back(tmp_path: Path, monkeypatch, exc) -> None:
    out = tmp_path / "public"
    out.mkdir()
    (out / "index.html").write_bytes(b"old")
    (out / MANIFEST).write_text('{"version": 2, "files": {"index.html": ["home:", "k"]}}', encoding="utf-8")
    staging = Staging(out)
    staging.write("index.html", b"new")
    real = os.rename
    calls = {"n": 0}

    def rename(src, dst):
        calls["n"] += 1
        if calls["n"] == 2:  # staging → output: the moment the output folder is missing
            raise exc
        return real(src, dst)

    monkeypatch.setattr(write_mod.os, "rename", rename)
    monkeypatch.setattr(write_mod, "exchange", lambda a, b: False)  # a system without renameat2
    with pytest.raises((KeyboardInterrupt, GovsiteError)):
        staging.commit(b"{}", ["index.html"])
    assert (out / "index.html").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]


def test_a_killed_build_is_tidied_and_the_previous_site_restored(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    old = tmp_path / f".public.old-{pid}-abc"
    (old / "site").mkdir(parents=True)
    (old / "site" / "index.html").write_bytes(b"previous")
    (tmp_path / f".public.tmp-{pid}-def").mkdir()
    (tmp_path / f".public.tmp-{os.getpid()}-live").mkdir()  # a build still running: left alone
    recover(tmp_path / "public")
    assert (tmp_path / "public" / "index.html").read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".public.tmp-{os.getpid()}-live", "public"]


def test_users_file_in_public_survives(built, capsys) -> None:
    site, out, before = built
    (out / "baidu_verify_abc.html").write_text("verify", encoding="utf-8")
    (out / "2024" / "notes.txt").write_text("mine", encoding="utf-8")
    capsys.readouterr()
    assert run_build(site, out) == 2
    err = capsys.readouterr().err
    assert err == (
        f"govsite: 错误：输出目录 {out} 中有 2 个不是 govsite 生成的文件（2024/notes.txt、baidu_verify_abc.html）。"
        "为免丢失，本次构建没有替换它。需要随网站发布的文件请放入 static/ 目录；确认可以删除时，使用 --clean 重新构建\n")
    assert (out / "baidu_verify_abc.html").read_text(encoding="utf-8") == "verify"
    assert leftovers(out.parent) == []
    # The documented way: static/ is copied into every build, so the file survives rebuilds.
    (site / "static").mkdir()
    (site / "static" / "baidu_verify_abc.html").write_text("verify", encoding="utf-8")
    (out / "2024" / "notes.txt").unlink()
    assert run_build(site, out) == 0
    assert run_build(site, out) == 0
    assert (out / "baidu_verify_abc.html").read_text(encoding="utf-8") == "verify"
    # --clean: the user said the unknown files may go.
    (out / "stray.txt").write_text("x", encoding="utf-8")
    assert run_build(site, out, "--clean") == 0
    assert not (out / "stray.txt").exists()


def test_static_links_out_of_the_site_are_not_published(built, tmp_path: Path) -> None:
    site, out, _ = built
    secret = tmp_path / "secret.txt"
    secret.write_text("password", encoding="utf-8")
    (site / "static").mkdir()
    os.symlink(secret, site / "static" / "leak.txt")
    (site / "static" / ".env").write_text("TOKEN=1", encoding="utf-8")
    assert run_build(site, out) == 0
    assert not (out / "leak.txt").exists() and not (out / ".env").exists()


@pytest.mark.parametrize("kind", ["file", "symlink"])
def test_output_that_is_a_file_or_a_link_is_refused(tmp_path: Path, capsys, kind: str) -> None:
    site = make_site(tmp_path / "site", {PATH: report_text()})
    out = tmp_path / "public"
    if kind == "file":
        out.write_text("not a folder", encoding="utf-8")
    else:
        (tmp_path / "www").mkdir()
        (tmp_path / "www" / "keep.html").write_text("keep", encoding="utf-8")
        os.symlink(tmp_path / "www", out)
    assert run_build(site, out) == 2
    err = capsys.readouterr().err
    assert ("是一个文件而不是目录" if kind == "file" else "是符号链接") in err
    if kind == "file":
        assert out.read_text(encoding="utf-8") == "not a folder"
    else:
        assert out.is_symlink() and (tmp_path / "www" / "keep.html").exists()


def test_output_that_is_the_site_is_refused(tmp_path: Path, capsys) -> None:
    site = make_site(tmp_path / "site", {PATH: report_text()})
    assert run_build(site, site) == 2
    assert "是站点根目录或其上级目录，拒绝写入" in capsys.readouterr().err
    assert run_build(site, site / "content") == 2
    assert (site / PATH).exists()


@pytest.mark.parametrize("rel", ["index.html", "2022/p00-czt/report.csv", "region/山东省/江永市/index.html",
                                 ".govsite-manifest", "a/.b/c", "a b/c…d"])
def test_safe_paths_come_back_as_they_are(rel: str) -> None:
    # The check works on the string (issue 7); such a path is already what PurePosixPath makes of it.
    assert safe_relpath(rel) == rel == PurePosixPath(rel).as_posix()
