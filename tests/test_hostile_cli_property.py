"""Property test (Hypothesis) of the whole command line: a small built site, a few random hostile
edits (to report text, file names, folders, links and ``site.toml``), then ``govsite check`` and
``govsite build``. Whatever the edits:

- no exception escapes (a user never sees a traceback) and the exit code is 0, 1 or 2;
- a failure is explained by a located message: exit 1 prints ``path[:line]: 错误 [rule] …``, exit 2
  one ``govsite: 错误：…`` line naming what to fix;
- ``public/`` is always complete: after a build that succeeded every file of its manifest is there,
  after one that failed it is exactly what the previous build left, and no staging folder remains.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from govsite.cli import main
from govsite.write import listed_files
from sitekit import make_site, report_text

# Modest by default (each example is a check and a build, about a second); a deep run with
# GOVSITE_CLI_FUZZ_EXAMPLES=500.
CLI_FUZZ = settings(max_examples=int(os.environ.get("GOVSITE_CLI_FUZZ_EXAMPLES", "30")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

REPORTS = ("content/2024/huaian.md", "content/2023/huaian.md", "content/2024/hongze.md")
#: What people and attackers put into report text.
PIECES = ['"', "“", "”", "＝", "：", "，", "［", "\n", "\r", "\t", "\x00", "\x7f", "\ufeff", "\u202e", "+++", "---",
          "[", "]]", "{", "=", "#", "\\", "nan", "inf", "1e999", "-1", "9" * 30, "9" * 4400, "2024-01-20T10:00:00",
          "year = 2023\n", "year = \"2024\"\n", "agency = \"\"\n", "[applications]\n", "[[active]]\n", "<script>",
          "[x](javascript:alert(1))", "[*a" * 8000, "淮安市人民政府", "\u2028", "published = 10:00:00\n"]
#: Names a report file may be renamed to (relative to its year folder's parent, ``content/``).
NAMES = ("2024/A.MD", "2024/x.markdown", "2024/.h.md", "2024/b.md~", "2024/中文.md", "2024/a b.md", "2024/-x.md",
         "abcd/huaian.md", "02024/huaian.md", "２０２４/huaian.md", "2024年/huaian.md", "1999/huaian.md",
         "2101/huaian.md", "2024/sub/huaian.md", "huaian.md", "2025/huaian.md")
#: Lines appended to site.toml.
SETTINGS = ('output = "content"', 'output = "static"', 'output = "content/2024"', 'output = "../outside"',
            'base_url = "javascript:alert(1)"', "latest = -5", "publish_invalid = true", "title = 5", "“",
            '[[agencies]]\nname = "x"\nslug = "../../etc"', '[[agencies]]\nname = "淮安市人民政府"\nslug = "hongze"',
            "[meta]\nsite_name = 1", "output = 1", "unknown_key = 1")

text_edit = st.tuples(st.just("text"), st.sampled_from(REPORTS), st.floats(0, 1), st.integers(0, 40),
                      st.lists(st.sampled_from(PIECES), min_size=1, max_size=4))
file_edit = st.tuples(st.sampled_from(["rename", "loop", "dangling", "outside", "empty", "binary", "folder",
                                       "delete"]), st.sampled_from(REPORTS), st.sampled_from(NAMES))
toml_edit = st.tuples(st.just("toml"), st.sampled_from(SETTINGS))
edits = st.lists(st.one_of(text_edit, file_edit, toml_edit), min_size=1, max_size=3)

_DIAGNOSTIC = re.compile(r"^[^\s:][^:]*(:\d+){0,2}: (错误|警告) \[[\w-]+\] \S")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A built site of three reports, copied for each example."""
    site = make_site(tmp_path_factory.mktemp("template") / "site", {
        REPORTS[0]: report_text(),
        REPORTS[1]: report_text(year=2023),
        REPORTS[2]: report_text(agency="淮安市洪泽区人民政府", region=["江苏省", "淮安市", "洪泽区"], level="县级人民政府"),
    }, site_toml='title = "测试门户"\npublish_invalid = true\n')
    (site / "static").mkdir()
    (site / "static" / "verify.txt").write_text("verification", encoding="utf-8")
    code, _, err = run(site, "build")
    assert code == 0, err
    return site


def run(site: Path, *args: str) -> tuple[int, str, str]:
    """``govsite -C site ARGS`` in this process; any exception escaping ``main`` fails the test."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["-C", str(site), *args])
    return code, out.getvalue(), err.getvalue()


def apply(site: Path, edit: tuple) -> None:
    """One hostile edit; edits of a file an earlier edit removed do nothing."""
    kind, rel = edit[0], edit[1]
    path = site / rel
    if kind == "toml":
        with open(site / "site.toml", "a", encoding="utf-8") as fh:
            fh.write("\n" + rel + "\n")
        return
    if not path.is_file() or path.is_symlink():
        return
    if kind == "text":
        _, _, where, drop, pieces = edit
        text = path.read_bytes().decode("utf-8", "surrogateescape")  # an earlier edit may have made it binary
        at = int(len(text) * where)
        path.write_bytes((text[:at] + "".join(pieces) + text[at + drop:]).encode("utf-8", "surrogateescape"))
        return
    target = site / "content" / edit[2]
    if kind == "rename" and not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        path.rename(target)
    elif kind == "loop":
        path.unlink()
        path.symlink_to(path.name)
    elif kind == "dangling":
        path.unlink()
        path.symlink_to("nowhere.md")
    elif kind == "outside":
        path.unlink()
        path.symlink_to(site.parent / "outside.md")
        (site.parent / "outside.md").write_text(report_text(), encoding="utf-8")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "binary":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + os.urandom(64))
    elif kind == "folder":
        path.unlink()
        path.mkdir()
        (path / "inner.md").write_text(report_text(), encoding="utf-8")
    elif kind == "delete":
        path.unlink()


def output_files(public: Path) -> dict[str, bytes]:
    return {p.relative_to(public).as_posix(): p.read_bytes() for p in sorted(public.rglob("*")) if p.is_file()}


def assert_explained(code: int, out: str, err: str) -> None:
    """Exit 0/1/2, never a traceback, and a failure says where."""
    assert code in (0, 1, 2), (code, out, err)
    assert "Traceback" not in out + err
    lines = [ln for ln in (out + err).splitlines() if ln.strip()]
    if code == 1:
        assert any(_DIAGNOSTIC.match(ln) and " 错误 [" in ln for ln in lines), lines
    if code == 2:
        first = next(ln for ln in err.splitlines() if ln.startswith("govsite: 错误："))
        named = first + err  # a multi-line message lists the located problems below its first line
        assert re.search(r"site\.toml|content|static|layouts|/|--output|output", named), err


@CLI_FUZZ
@given(edits)
@example([("rename", "content/2024/huaian.md", "2024/A.MD")])  # a build that succeeds with a warning
def test_hostile_edits_never_break_the_cli(template: Path, changes: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        # Without the cache: a copied cache still points at the template's output (see
        # tests/test_hostile_faults.py::test_a_copied_site_with_its_cache_publishes_every_page).
        shutil.copytree(template, site, symlinks=True, ignore=shutil.ignore_patterns(".govsite-cache"))
        before = output_files(site / "public")
        for change in changes:
            apply(site, change)

        code, out, err = run(site, "check")
        assert_explained(code, out, err)
        for line in out.splitlines():
            assert _DIAGNOSTIC.match(line), line  # check prints diagnostics and nothing else

        code, out, err = run(site, "build")
        assert_explained(code, out, err)
        public = site / "public"
        after = output_files(public)
        if code == 0:
            listed = listed_files(public)
            assert listed and all((public / rel).is_file() for rel in listed)
            assert "index.html" in listed and "404.html" in listed
            assert after["verify.txt"] == b"verification"
        else:
            assert after == before
        assert not [p.name for p in site.iterdir() if ".tmp-" in p.name]
        # The sources are never touched by a build, whatever output was asked for.
        assert (site / "static" / "verify.txt").read_bytes() == b"verification"
