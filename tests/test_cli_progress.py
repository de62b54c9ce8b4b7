"""Progress of long work: a bar in a terminal, stage lines in a log for long stages, times with -v,
nothing with -q — always on stderr, never mixed into the data on stdout."""

from __future__ import annotations

import io
import re

import pytest

from govsite import progress as progress_module
from govsite.cli import main
from govsite.progress import LONG_WORK, Mode, Progress, choose_mode
from sitekit import make_site, report_text


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_mode_follows_the_options_and_the_stream(monkeypatch) -> None:
    monkeypatch.setenv("TERM", "xterm")
    assert choose_mode(True, True, Terminal()) is Mode.QUIET
    assert choose_mode(False, True, Terminal()) is Mode.VERBOSE
    assert choose_mode(False, False, Terminal()) is Mode.BAR
    assert choose_mode(False, False, io.StringIO()) is Mode.PLAIN
    monkeypatch.setenv("TERM", "dumb")
    assert choose_mode(False, False, Terminal()) is Mode.PLAIN


def work(progress: Progress, pages: int) -> None:
    with progress:
        progress.stage("读取并校验报告", total=3)
        progress.advance(3)
        progress.stage("生成页面", total=pages)
        for _ in range(pages):
            progress.advance()
        progress.note("12 份报告取自缓存")


def test_plain_lines_only_for_long_stages() -> None:
    log = io.StringIO()
    work(Progress(Mode.PLAIN, log), LONG_WORK)
    assert log.getvalue() == f"生成页面（共 {LONG_WORK} 项）……\n"


def test_quiet_shows_nothing() -> None:
    log = Terminal()
    work(Progress(Mode.QUIET, log), LONG_WORK)
    assert log.getvalue() == ""


def test_verbose_shows_each_stage_with_its_time() -> None:
    log = io.StringIO()
    work(Progress(Mode.VERBOSE, log), 5)
    lines = log.getvalue().splitlines()
    assert [re.sub(r"[\d.]+", "N", line) for line in lines] == [
        "[   N 秒] 读取并校验报告：用时 N 秒，N 项，内存 N MB，峰值 N MB",
        "[   N 秒] N 份报告取自缓存",
        "[   N 秒] 生成页面：用时 N 秒，N 项，内存 N MB，峰值 N MB",
        "[   N 秒] 全部完成，内存 N MB，峰值 N MB",
    ]
    assert "生成页面：" in lines[2] and "，5 项，" in lines[2]


def test_bar_in_a_terminal_is_drawn_and_then_erased() -> None:
    screen = Terminal()
    progress = Progress(Mode.BAR, screen)
    progress.stage("生成页面", total=400)
    progress.advance(400)
    progress._bar.refresh()
    drawn = screen.getvalue()
    assert "生成页面" in drawn and "400/400" in drawn
    progress.done()
    after = screen.getvalue()[len(drawn):]
    assert "\x1b[?25h" in after  # the cursor is shown again
    assert after.endswith("\r\x1b[1A\x1b[2K")  # and the bar's line erased: only the result stays


def test_a_stage_not_counted_is_one_line_in_a_terminal() -> None:
    screen = Terminal()
    with Progress(Mode.BAR, screen) as progress:
        progress.stage("生成网站")
        progress.stage("读取并校验报告", 2000, unit="个文件", counted=False)
    assert screen.getvalue() == "生成网站……\n读取并校验报告（共 2000 个文件）……\n"


@pytest.mark.parametrize("command", [["check"], ["build"], ["export", "--format", "json"]])
def test_commands_accept_q_and_v_and_keep_progress_off_stdout(tmp_path, capsys, command) -> None:
    site = make_site(tmp_path / "s", {"content/2024/a.md": report_text()})
    assert main(["-C", str(site), *command, "-q"]) == 0
    quiet_out, quiet_err = capsys.readouterr()
    assert "秒]" not in quiet_err
    assert main(["-v", "-C", str(site), *command]) == 0
    out, err = capsys.readouterr()
    stages = [line for line in err.splitlines() if line.startswith("[")]
    assert stages and stages[-1].startswith("[") and "全部完成" in stages[-1]
    assert "秒]" not in out
    if command[0] != "build":
        assert out == quiet_out  # the data is the same with and without -v


@pytest.mark.parametrize("command, line", [
    (["check"], "读取并校验报告（共 2 个文件）……"),
    (["build"], "生成网站（共 2 个报告文件）……"),
    (["export"], "读取并校验报告（共 2 个文件）……"),
])
def test_a_long_run_announces_its_size_in_a_log(tmp_path, capsys, monkeypatch, command, line) -> None:
    monkeypatch.setattr(progress_module, "LONG_WORK", 2)  # two reports stand for a large archive
    site = make_site(tmp_path / "s", {"content/2024/a.md": report_text(), "content/2023/a.md": report_text(year=2023)})
    assert main(["-C", str(site), *command]) == 0
    assert capsys.readouterr().err.splitlines()[0] == line
    assert main(["-C", str(site), *command, "-q"]) == 0
    assert line not in capsys.readouterr().err
