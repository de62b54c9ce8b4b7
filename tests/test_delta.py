"""The edit fast path (issue 7, govsite/delta.py): prose-only edits patch the output in place.

Every test compares the patched output byte for byte with a cold build of the same content, and
checks that the fast path was (or was not) taken, so a change that makes it wrong or unused fails.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from govsite import write as write_module
from govsite.build import build, list_content
from govsite.delta import NeedsFull, Stub, stub_row
from govsite.diagnostics import GovsiteError
from govsite.load import content_files, load_report
from govsite.search.reader import IndexReader
from govsite.write import JOURNAL, Patch

from test_cache import N, assert_same_as_cold, corpus, one_report, site  # noqa: F401 — fixtures


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_prose_edit_is_patched(site: Path, tmp_path: Path) -> None:
    build(site)
    path = one_report(site)
    page = site / "public" / f"{path.parent.name}" / path.stem / "index.html"
    append(path, "\n快速路径：独一无二的补充说明。\n")
    result = build(site)
    assert result.patched and result.parsed == 1 and result.rendered == 1
    assert len(result.site.reports) == N
    assert "独一无二的补充说明" in page.read_text(encoding="utf-8")
    assert_same_as_cold(site, tmp_path)


def test_two_edits_in_a_row_then_no_op(site: Path, tmp_path: Path) -> None:
    build(site)
    reports = sorted((site / "content").glob("*/*.md"))
    append(reports[3], "\n第一次修改。\n")
    assert build(site).patched
    append(reports[3], "\n第二次修改。\n")
    append(reports[9], "\n另一份报告也改了。\n")
    second = build(site)
    assert second.patched and second.parsed == 2 and second.rendered == 2
    again = build(site)
    assert again.unchanged and not again.patched
    assert_same_as_cold(site, tmp_path)


def test_patched_search_finds_the_new_words(site: Path) -> None:
    """The patched index is the one a cold build writes: checked through the index reader."""
    build(site)
    append(one_report(site), "\n鹦鹉螺号潜艇。\n")
    assert build(site).patched
    reader = IndexReader(site / "public" / "search")
    found = reader.search("鹦鹉螺")
    assert found.exact
    assert [reader.doc(i)["u"] for i in found.ids] == [f"{one_report(site).parent.name}/{one_report(site).stem}/"]


@pytest.mark.parametrize("edit", ["cell", "metadata", "new warning", "line shift"])
def test_other_edits_take_the_full_build(site: Path, tmp_path: Path, edit: str) -> None:
    build(site)
    path = one_report(site)
    text = path.read_text(encoding="utf-8")
    if edit == "cell":
        text = text.replace("new_requests = [", "new_requests = [1", 1)
    elif edit == "metadata":
        text = text.replace('index_no = "', 'index_no = "改', 1)
    elif edit == "new warning":  # section 五 no longer a heading: the prose warning "缺少章节"
        assert "## 五、" in text
        text = text.replace("## 五、", "五、", 1)
    else:  # one more front-matter line moves every line number below it
        text = text.replace("+++\n", "+++\n# 注释\n", 1)
    path.write_text(text, encoding="utf-8")
    result = build(site)
    assert result.pages and not result.patched
    assert_same_as_cold(site, tmp_path)


def test_hand_edited_search_file_is_not_trusted(site: Path, tmp_path: Path) -> None:
    build(site)
    meta = site / "public" / "search" / "meta.json.gz"
    data = meta.read_bytes()
    meta.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    append(one_report(site), "\n改正文。\n")
    result = build(site)
    assert not result.patched
    assert_same_as_cold(site, tmp_path)


def test_interrupted_patch_is_finished_by_the_next_build(site: Path, tmp_path: Path, monkeypatch) -> None:
    build(site)
    append(one_report(site), "\n中断测试。\n")
    real = os.replace
    moved: list[str] = []

    def failing(src, dst, *a, **kw):
        if str(dst).startswith(str(site / "public")) and moved:
            raise OSError(28, "No space left on device")
        moved.append(str(dst))
        return real(src, dst, *a, **kw)

    monkeypatch.setattr(write_module.os, "replace", failing)
    with pytest.raises(GovsiteError, match="替换 .* 失败：磁盘空间不足"):
        build(site)
    monkeypatch.setattr(write_module.os, "replace", real)
    leftovers = [p for p in site.iterdir() if p.name.startswith(".public.tmp-")]
    assert len(leftovers) == 1 and (leftovers[0] / JOURNAL).is_file()
    # A later build (another process, as after a crash) moves the rest in, then builds as usual.
    monkeypatch.setattr(write_module, "_alive", lambda pid: False)
    build(site)
    assert not [p for p in site.iterdir() if p.name.startswith(".public.tmp-")]
    assert_same_as_cold(site, tmp_path)


def test_patch_before_commit_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "public"
    out.mkdir()
    (out / "a.html").write_text("旧", encoding="utf-8")
    patch = Patch(out)
    patch.write("a.html", "新".encode("utf-8"))
    assert (out / "a.html").read_text(encoding="utf-8") == "旧"
    patch.abort()
    assert (out / "a.html").read_text(encoding="utf-8") == "旧"
    assert [p.name for p in tmp_path.iterdir()] == ["public"]
    patch = Patch(out)
    patch.write("a.html", "新".encode("utf-8"))
    assert patch.commit() == ["a.html"]
    assert (out / "a.html").read_text(encoding="utf-8") == "新"
    assert [p.name for p in tmp_path.iterdir()] == ["public"]


def test_stub_refuses_cells_and_prose(site: Path) -> None:
    report, _ = load_report(one_report(site), site)
    stub = Stub.of(stub_row(report))
    assert (stub.path, stub.url, stub.title, stub.format) == (report.path, report.url, report.title, report.format)
    for name in ("values", "lines", "body"):
        with pytest.raises(NeedsFull):
            getattr(stub, name)
    assert stub != report and stub == stub


def test_list_content_matches_content_files(tmp_path: Path) -> None:
    content = tmp_path / "content"
    for rel in ["2022/a.md", "2022/b.md", "2022/_draft.md", "2022/.hidden.md", "_x/c.md", ".git/d.md",
                "2023/sub/e.md", "2023/f.txt", "g.md", "2023/Z.md", "2023/a-b.md", "2023/a.b.md"]:
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_text("x", encoding="utf-8")
    (content / "2024").mkdir()
    os.symlink(content / "2022" / "a.md", content / "2024" / "link.md")
    os.symlink(content / "2023", content / "linked-dir")
    expected = [p.relative_to(content).as_posix() for p in content_files(content)]
    got = list_content(content)
    assert [rel for rel, _ in got] == expected
    assert [rel for rel, link in got if link] == ["2024/link.md"]


def test_cell_edit_updates_the_search_index(site: Path, tmp_path: Path) -> None:
    """The full build after a cell edit updates the last index (update_index) instead of writing
    it anew: the other documents' files are the very same files (hard links), bytes as cold."""
    build(site)
    docs = sorted((site / "public" / "search" / "d").rglob("*.gz"))
    inodes = {p: p.stat().st_ino for p in docs}
    path = one_report(site)
    path.write_text(path.read_text(encoding="utf-8").replace("new_requests = [", "new_requests = [1", 1),
                    encoding="utf-8")
    result = build(site)
    assert not result.patched and not result.search_reused
    kept = [p for p in docs if p.stat().st_ino == inodes[p]]
    assert len(docs) - 1 <= len(kept) <= len(docs)
    assert_same_as_cold(site, tmp_path)


@pytest.mark.parametrize("in_place_max", [1.0, 0.0])
def test_full_build_in_place_keeps_unchanged_files(site: Path, tmp_path: Path, monkeypatch,
                                                   in_place_max: float) -> None:
    """A cell edit rewrites only the files that change: the other reports' pages stay the very
    same files (kept in place, or linked into a swapped folder when most files changed), and a
    deleted report's folder goes, as in a cold build."""
    monkeypatch.setattr(write_module, "IN_PLACE_MAX", in_place_max)
    build(site)
    folder = (site / "public").stat().st_ino
    pages = sorted((site / "public").glob("20*/*/index.html"))
    inodes = {p: p.stat().st_ino for p in pages}
    path = one_report(site)
    path.write_text(path.read_text(encoding="utf-8").replace("new_requests = [", "new_requests = [1", 1),
                    encoding="utf-8")
    assert not build(site).patched
    changed = [p for p in pages if p.stat().st_ino != inodes[p]]
    assert 1 <= len(changed) <= 8  # the edited report and its agency's other years
    assert ((site / "public").stat().st_ino == folder) == (in_place_max == 1.0)
    gone = sorted((site / "content").glob("*/*.md"))[20]
    gone.unlink()
    build(site)
    assert not (site / "public" / gone.parent.name / gone.stem).exists()
    assert_same_as_cold(site, tmp_path)


def test_interrupted_in_place_build_is_finished(site: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(write_module, "IN_PLACE_MAX", 1.0)
    build(site)
    path = one_report(site)
    path.write_text(path.read_text(encoding="utf-8").replace("new_requests = [", "new_requests = [1", 1),
                    encoding="utf-8")
    real = os.replace
    calls: list[str] = []

    def failing(src, dst, *a, **kw):
        if str(dst).startswith(str(site / "public")) and len(calls) >= 3:
            raise OSError(5, "Input/output error")
        calls.append(str(dst))
        return real(src, dst, *a, **kw)

    monkeypatch.setattr(write_module.os, "replace", failing)
    with pytest.raises(GovsiteError, match="失败：磁盘读写错误"):
        build(site)
    monkeypatch.setattr(write_module.os, "replace", real)
    monkeypatch.setattr(write_module, "_alive", lambda pid: False)
    build(site)
    assert not [p for p in site.iterdir() if p.name.startswith(".public.")]
    assert_same_as_cold(site, tmp_path)
