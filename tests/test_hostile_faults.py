"""Hostile input and faults that need more than ``govsite check`` on a few files (the rest are cases
of tests/badinput/): output folders among the sources, unreadable folders, the registry, ``serve``
given absurd paths, zip bombs, a full disk, and what a build publishes from such input."""

from __future__ import annotations

import errno
import http.client
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from govsite import markdown
from govsite.cli import main
from govsite.config import Agency, load_config
from govsite.load import load_report
from govsite.outputdir import check_output_dir
from govsite.registry import registry_conflicts
from govsite.safezip import ZipLimitError, check_unzipped_size, safe_zip_read
from sitekit import make_site, report_text

REPO = Path(__file__).resolve().parents[1]
PATH = "content/2024/huaian.md"


def site_files(site: Path) -> dict[str, bytes]:
    """Every source file of the site (not the output, not the cache) with its bytes."""
    skip = ("public", ".govsite-cache")
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file() and p.relative_to(site).parts[0] not in skip}


@pytest.fixture
def source_site(tmp_path: Path) -> Path:
    """A site with a report, a template override and a static file, built once."""
    site = make_site(tmp_path / "site", {PATH: report_text(), "static/verify.txt": "google-site-verification",
                                         "layouts/home.html": '{% extends "theme/home.html" %}'})
    (site / "content" / "2022").mkdir()
    return site


# --- 1. output folders among the sources --------------------------------------------------------


@pytest.mark.parametrize("out", ["content", "content/2024", "content/2022", "static", "layouts",
                                 "layouts/sub", ".govsite-cache", ".git/x"])
def test_output_among_the_sources_is_refused(source_site: Path, out: str, capsys) -> None:
    before = site_files(source_site)
    assert main(["-C", str(source_site), "build", "-o", str(source_site / out), "--clean"]) == 2
    err = capsys.readouterr().err
    assert "已拒绝。请换一个输出目录，例如 --output public" in err and "Traceback" not in err
    assert site_files(source_site) == before


@pytest.mark.parametrize("value, label", [("static", "就是静态文件目录 static/"), ("layouts", "就是模板目录 layouts/"),
                                          ("content/out", "位于报告目录 content/ 之内")])
def test_output_in_site_toml_among_the_sources_is_refused(source_site: Path, value: str, label: str, capsys) -> None:
    toml = source_site / "site.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + f'output = "{value}"\n', encoding="utf-8")
    before = site_files(source_site)
    assert main(["-C", str(source_site), "build"]) == 2
    err = capsys.readouterr().err
    assert f"site.toml 中的 output = '{value}' {label}" in err and 'site.toml 中改为 output = "public"' in err
    assert site_files(source_site) == before


def test_serve_may_build_inside_the_cache(source_site: Path) -> None:
    cfg, _ = load_config(source_site)
    check_output_dir(source_site, cfg, source_site / ".govsite-cache" / "serve" / "site")  # no error
    check_output_dir(source_site, cfg, source_site / "public")


def test_output_reached_through_a_symlink_is_refused(source_site: Path, tmp_path: Path, capsys) -> None:
    link = tmp_path / "looks-harmless"
    link.symlink_to(source_site / "content")
    assert main(["-C", str(source_site), "build", "-o", str(link / "2024")]) == 2
    assert "位于报告目录 content/ 之内" in capsys.readouterr().err
    assert (source_site / PATH).is_file()


# --- 2, 6, 8: input that used to overwrite a page or crash a build -----------------------------


@pytest.fixture
def built_site(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """A built site (publishing invalid reports, so that only structural errors stop a build) and
    its output's files."""
    site = make_site(tmp_path / "site", {PATH: report_text()}, site_toml='title = "测试门户"\npublish_invalid = true\n')
    assert main(["-C", str(site), "build"]) == 0
    return site, _output(site)


def _output(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site / "public").as_posix(): p.read_bytes()
            for p in sorted((site / "public").rglob("*")) if p.is_file()}


def _rebuild(site: Path, capsys) -> str:
    capsys.readouterr()
    assert main(["-C", str(site), "build"]) == 1
    err = capsys.readouterr().err
    assert "构建未进行" in err and "Traceback" not in err
    return err


@pytest.mark.parametrize("folder", ["abcd", "02024", "２０２４"])
def test_a_folder_that_is_not_a_year_never_replaces_a_report(built_site, folder: str, capsys) -> None:
    site, before = built_site
    other = site / "content" / folder / "huaian.md"
    other.parent.mkdir()
    other.write_text(report_text(agency="淮安市某某局"), encoding="utf-8")
    err = _rebuild(site, capsys)
    assert f"content/{folder}/huaian.md: 错误 [year] 所在目录 {folder}/ 不是年度" in err
    assert _output(site) == before


def test_published_datetime_is_an_error_not_a_crash(built_site, capsys) -> None:
    site, before = built_site
    text = report_text().replace("year = 2024\n", "year = 2024\npublished = 2024-01-20T10:00:00+08:00\n")
    (site / PATH).write_text(text, encoding="utf-8")
    err = _rebuild(site, capsys)
    assert "content/2024/huaian.md:4: 错误 [type] published（发布日期）只写日期、不写时间" in err
    assert _output(site) == before


def test_symlink_loop_is_located_in_build(built_site, capsys) -> None:
    site, before = built_site
    (site / "content" / "2024" / "loop.md").symlink_to("loop.md")
    (site / "content" / "2024" / "a.md").symlink_to("b.md")
    (site / "content" / "2024" / "b.md").symlink_to("a.md")
    err = _rebuild(site, capsys)
    for name in ("loop.md", "a.md", "b.md"):
        assert f"content/2024/{name}: 错误 [file] 是循环的符号链接" in err
    assert _output(site) == before


def test_pathological_markdown_is_refused(built_site, capsys) -> None:
    site, before = built_site
    (site / PATH).write_text(report_text() + "\n" + "[*a" * 30000 + "\n", encoding="utf-8")
    err = _rebuild(site, capsys)
    assert "content/2024/huaian.md:48: 错误 [size] 正文中有 60000 个 Markdown 标记符号" in err
    assert _output(site) == before


def test_markdown_cap_shows_a_flood_as_text_and_leaves_prose_alone() -> None:
    prose = "**（一）主动公开。** 见[附件](https://www.example.gov.cn/a.pdf)。\n\n" * 100
    assert "<strong>" in markdown.render(prose) and "<a href" in markdown.render(prose)
    flood = "*a" * (markdown.MAX_MARKUP + 1)
    assert markdown.render(flood) == f"<p>{flood}</p>\n"
    assert markdown.plain_text(flood) == flood
    tags = "<b>" * (markdown.MAX_MARKUP + 1)
    assert markdown.render(tags + "\n\n" + tags) == ("<p>" + "&lt;b&gt;" * (markdown.MAX_MARKUP + 1) + "</p>\n") * 2


# --- 3. unreadable folders ----------------------------------------------------------------------


def _privileges() -> list[str]:
    """The command prefix that makes file permissions apply: none for a normal user; as root,
    setpriv dropping the capabilities that bypass them (skipped where there is no setpriv)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: permissions cannot be tested")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]


def _unprivileged(site: Path, *args: str) -> subprocess.CompletedProcess:
    """``govsite`` in a subprocess that file permissions apply to: as root, without the
    capabilities that bypass them (setpriv); skipped only where that cannot be arranged."""
    cmd = [*_privileges(), sys.executable, "-m", "govsite", "-C", str(site), *args]
    return subprocess.run(cmd, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True,
                          encoding="utf-8", timeout=300)


def test_unreadable_year_folder_is_an_error(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", {PATH: report_text(),
                                         "content/2023/huaian.md": report_text(year=2023)})
    built = _unprivileged(site, "build")
    assert built.returncode == 0, built.stderr
    year = site / "content" / "2024"
    year.chmod(0o300)
    try:
        probe = subprocess.run([*_privileges(), sys.executable, "-c", "import os, sys; os.listdir(sys.argv[1])", str(year)],
                               capture_output=True, timeout=60)
        if probe.returncode == 0:
            pytest.skip("file permissions do not apply here (no capability could be dropped)")
        check = _unprivileged(site, "check")
        build = _unprivileged(site, "build")
    finally:
        year.chmod(0o755)
    assert check.returncode == 1
    assert check.stdout.splitlines() == [
        "content/2024: 错误 [file] 无法读取这个目录（没有读取权限），其中的报告都不会发布，已发布的也会从网站上消失："
        "请检查目录的权限（例如 chmod 755）"]
    assert build.returncode == 2 and "Traceback" not in build.stderr
    assert "无法读取以下报告目录，构建未进行" in build.stderr and "content/2024/：没有读取权限" in build.stderr
    assert (site / "public" / "2024" / "huaian" / "index.html").is_file()  # still published


# --- 4. the registry ----------------------------------------------------------------------------


def test_report_under_another_agencys_registry_slug(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", {PATH: report_text()})
    report, _ = load_report(site / PATH, site)
    assert report is not None
    registry = (Agency("另一个机关", "huaian"), Agency("淮安市人民政府", "huaian-shi"))
    assert [d.format() for d in registry_conflicts(registry, [report])] == [
        "content/2024/huaian.md:2: 错误 [registry] 文件名 huaian 是机关名录（site.toml）中“另一个机关”的 slug，"
        "但这份报告的 agency 是“淮安市人民政府”：请改正 agency，或把文件改名（文件名即网址，一个 slug 只属于一个机关）"]
    assert registry_conflicts((Agency("淮安市人民政府", "huaian"),), [report]) == []


def test_check_reports_a_report_under_another_agencys_registry_slug(tmp_path: Path, capsys) -> None:
    toml = 'title = "测试门户"\n\n[[agencies]]\nname = "另一个机关"\nslug = "huaian"\n'
    site = make_site(tmp_path / "site", {PATH: report_text()}, site_toml=toml)
    assert main(["-C", str(site), "check"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "content/2024/huaian.md:2: 错误 [registry] 文件名 huaian 是机关名录（site.toml）中“另一个机关”的 slug，"
        "但这份报告的 agency 是“淮安市人民政府”：请改正 agency，或把文件改名（文件名即网址，一个 slug 只属于一个机关）"]
    assert main(["-C", str(site), "check", str(site / PATH)]) == 1


def test_registry_slug_and_duplicates_are_refused(tmp_path: Path, capsys) -> None:
    toml = ('title = "测试门户"\n\n[[agencies]]\nname = "淮安市人民政府"\nslug = "../../etc"\n\n'
            '[[agencies]]\nname = "淮安市人民政府"\nslug = "huaian"\n\n[[agencies]]\nname = "另一个机关"\nslug = "huaian"\n')
    site = make_site(tmp_path / "site", {PATH: report_text()}, site_toml=toml)
    assert main(["-C", str(site), "check"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[1:] == [
        'site.toml:5: 错误 [config] agencies 第 1 项的 slug "../../etc" 不能用作文件名和网址：只能用小写字母、数字和连字符，'
        '且以字母或数字开头，例如 "etc"',
        'site.toml:8: 错误 [config] agencies 第 2 项的 name "淮安市人民政府" 与第 1 项重复：每个机关只登记一次，slug 也不能相同',
        'site.toml:13: 错误 [config] agencies 第 3 项的 slug "huaian" 与第 2 项重复：每个机关只登记一次，slug 也不能相同',
    ]


# --- 11. serve ----------------------------------------------------------------------------------


def test_serve_answers_overlong_paths_without_a_traceback(tmp_path: Path) -> None:
    from test_serve import Server, copy_site

    site = copy_site(tmp_path / "site")
    server = Server(site, tmp_path / "tmp")
    try:
        answers = {}
        for name, path in (("long", "/" + "a" * 10000), ("segment", "/" + "a" * 300 + "/"),
                           ("encoded", "/" + "%e4%b8%ad" * 120 + "/"), ("page", "/2022/weihui-shangwu/")):
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            try:
                conn.request("GET", path)
                answers[name] = conn.getresponse().status
            finally:
                conn.close()
    finally:
        server.stop()
    assert answers == {"long": 414, "segment": 404, "encoded": 404, "page": 200}
    assert "Traceback" not in server.output() and "500 GET" not in server.output()


# --- 14. zip bombs ------------------------------------------------------------------------------


def _bomb(tmp_path: Path, megabytes: int) -> Path:
    """A .docx-shaped zip whose document.xml unpacks to ``megabytes`` MB (written in chunks)."""
    path = tmp_path / "bomb.docx"
    chunk = b"<w:t>" + b"0" * ((1 << 20) - 5)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w", force_zip64=True) as fh:
            for _ in range(megabytes):
                fh.write(chunk)
    return path


def test_docx_zip_bomb_is_refused_before_unpacking(tmp_path: Path, capsys) -> None:
    bomb = _bomb(tmp_path, 100)
    assert bomb.stat().st_size < 1 << 20
    site = make_site(tmp_path / "site", {})
    code = main(["-C", str(site), "import", str(bomb), "--dry-run", "--year", "2024", "--agency", "淮安市人民政府"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err  # an input that could not be imported
    assert "解压后有 100.0 MB，超过上限 64.0 MB" in err


def test_safe_zip_read_stops_at_the_limit(tmp_path: Path) -> None:
    bomb = _bomb(tmp_path, 3)
    with pytest.raises(ZipLimitError, match="超过上限 2.0 MB"):
        check_unzipped_size(bomb, 2 << 20)
    with pytest.raises(ZipLimitError, match="word/document.xml 解压后超过上限 1.0 MB"):
        safe_zip_read(bomb, "word/document.xml", 1 << 20)
    assert safe_zip_read(bomb.read_bytes(), "[Content_Types].xml", 100) == b"<Types/>"
    with pytest.raises(ZipLimitError, match="压缩包中没有 word/missing.xml"):
        safe_zip_read(bomb, "word/missing.xml", 100)
    with pytest.raises(ZipLimitError, match="文件可能已损坏"):
        check_unzipped_size(b"PK\x03\x04 not really", 100)


def test_safe_zip_read_does_not_trust_the_declared_size(tmp_path: Path) -> None:
    """A header that under-declares its member: reading stops at the declared size and fails the
    CRC check, so no more than the declared bytes ever come out."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.xml", b"x" * 100000)
    data = bytearray(buf.getvalue())
    # Patch the declared size in the central directory and the local header down to 10 bytes.
    for sig, offset in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        at = data.find(sig)
        data[at + offset:at + offset + 4] = (10).to_bytes(4, "little")
    with pytest.raises(ZipLimitError):
        safe_zip_read(bytes(data), "a.xml", 50)


# --- 17. a full disk ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["new", "export"])
def test_full_disk_message_names_the_file(tmp_path: Path, capsys, monkeypatch, command: str) -> None:
    site = make_site(tmp_path / "site", {"content/2023/huaian.md": report_text(year=2023)})
    target = site / PATH if command == "new" else site / "export" / "all.csv"
    args = ["new", "2024", "淮安市人民政府", "--slug", "huaian"] if command == "new" else ["export", "-o", str(target)]

    def full(self, *args, **kwargs):
        with open(self, "wb") as fh:
            fh.write(b"+++\n")  # a partial file is left behind by the failed write …
        raise OSError(errno.ENOSPC, "No space left on device")  # … and the error names no file

    monkeypatch.setattr(Path, "write_bytes", full)
    assert main(["-C", str(site), *args]) == 2
    err = capsys.readouterr().err
    assert f"govsite: 错误：读写 {target} 失败：磁盘空间不足" in err
    assert list(target.parent.iterdir()) == []  # neither the file nor a temporary file


# --- found by the CLI property test --------------------------------------------------------------


def test_a_copied_site_with_its_cache_publishes_every_page(tmp_path: Path) -> None:
    """Copying a whole site folder (cache included) and building the copy after a prose edit."""
    original = make_site(tmp_path / "a" / "site", {PATH: report_text(), "content/2023/huaian.md": report_text(year=2023)})
    assert main(["-C", str(original), "build"]) == 0
    copy = tmp_path / "b" / "site"
    shutil.copytree(original, copy, symlinks=True)
    with open(copy / PATH, "a", encoding="utf-8") as fh:
        fh.write('"')
    assert main(["-C", str(copy), "build"]) == 0
    public = copy / "public"
    listed = json.loads((public / ".govsite-manifest").read_text(encoding="utf-8"))["files"]
    assert len(listed) > 40 and [rel for rel in listed if not (public / rel).is_file()] == []


def test_registry_names_and_regions_are_checked_like_reports(tmp_path: Path, capsys) -> None:
    toml = ('title = "测试门户"\n\n[[agencies]]\nname = "=HYPERLINK(1)"\n\n'
            '[[agencies]]\nname = "淮安\\u202e市人民政府"\nregion = ["江苏省", "@SUM(1)"]\n\n'
            f'[[agencies]]\nname = "{"淮" * 150}"\nregion = ["江苏省", "淮安\\u200b市"]\n')
    site = make_site(tmp_path / "site", {}, site_toml=toml)
    assert main(["-C", str(site), "check"]) == 2
    err = capsys.readouterr().err.splitlines()[1:]
    formula = "以 = + - @ 开头的文字在 Excel、WPS 中打开开放数据（CSV）时会被当作公式执行，请删去开头的符号"
    assert err == [
        f"site.toml:4: 错误 [config] agencies 第 1 项的 name 不能以 = 开头：{formula}",
        "site.toml:7: 错误 [config] agencies 第 2 项的 name 中有不可见的控制字符或换行（常见于从网页复制的文字），请删除后重新输入",
        "site.toml:8: 错误 [config] agencies 第 2 项的 region（行政区划）中的 '@SUM(1)' 不能以 @ 开头：" + formula,
        "site.toml:11: 错误 [config] agencies 第 3 项的 name 长达 150 个字符，超过上限 100 个",
        "site.toml:12: 错误 [config] agencies 第 3 项的 region（行政区划）中有不可见的控制字符（常见于从网页复制的文字），请删除后重新输入",
    ]


def test_huge_integer_in_site_toml_is_located(tmp_path: Path, capsys) -> None:
    site = make_site(tmp_path / "site", {}, site_toml='title = "测试门户"\nlatest = ' + "9" * 4301 + "\n")
    assert main(["-C", str(site), "check"]) == 2
    err = capsys.readouterr().err
    assert "site.toml:2:10: 错误 [toml] 数值有 4301 位，不是合理的数字" in err and "Traceback" not in err


def test_a_named_pipe_in_content_does_not_hang_the_build(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", {PATH: report_text()})
    os.mkfifo(site / "content" / "2024" / "pipe.md")
    try:
        done = subprocess.run([sys.executable, "-m", "govsite", "-C", str(site), "build"], capture_output=True,
                              text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail("govsite build still waiting on content/2024/pipe.md after 15 s")
    assert done.returncode == 1 and "content/2024/pipe.md: 错误 [file] 不是普通文件" in done.stderr


def test_build_says_which_files_it_skipped(tmp_path: Path, capsys) -> None:
    site = make_site(tmp_path / "site", {PATH: report_text(), "content/2024/a.MD": report_text(),
                                         "content/2024/c.md~": report_text()})
    assert main(["-C", str(site), "build"]) == 0
    out = capsys.readouterr()
    assert [line for line in out.err.splitlines() if "sitemap.xml" not in line] == [
        "content/2024/a.MD: 警告 [file] 扩展名应为小写的 .md，不会发布：请改名为 a.md",
        "content/2024/c.md~: 警告 [file] 看起来是编辑器的备份或临时文件，不会发布；确认不需要后可以删除"]
    assert "0 个错误，2 个警告" in out.out
