"""The command line speaks Chinese throughout, finds its site as git finds its repository, and
stops quietly when its reader goes away."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from govsite import __version__
from govsite.argparse_zh import translate_error
from govsite.cli import main, make_parser, subcommand_parsers
from sitekit import REPO, make_site, report_text

#: argparse's own English, none of which may reach a user.
ENGLISH = ("usage:", "positional arguments", "options:", "show this help", "invalid choice", "unrecognized arguments",
           "expected one argument", "the following arguments are required", "error:", "show program's version")


def govsite(*argv: str, cwd: Path | None = None, **kw) -> subprocess.CompletedProcess:
    """``python3 -m govsite …`` as a user runs it (this checkout's govsite first on the path)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "govsite", *argv], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, **kw)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_every_help_page_is_chinese(capsys) -> None:
    parser = make_parser()
    pages = [parser.format_help()] + [p.format_help() for p in subcommand_parsers(parser).values()]
    for page in pages:
        assert page.startswith("用法：govsite"), page
        assert "选项:" in page and "显示此帮助并退出" in page
        assert not [w for w in ENGLISH if w in page], page
    assert "位置参数:" in subcommand_parsers(parser)["check"].format_help()


@pytest.mark.parametrize("argv, message", [
    (["biuld"], "govsite: 错误：没有命令 biuld，是不是 build？（可用：init、new、import、check、build、serve、export、help、completion）"),
    (["check", "--formt", "json"], "govsite: 错误：无法识别的参数：--formt"),
    (["check", "--format"], "govsite check: 错误：参数 --format：需要一个值"),
    (["check", "--format", "xml"], "govsite check: 错误：参数 --format：无效的选择 xml（可选：text、json）"),
    (["new"], "govsite new: 错误：缺少必需的参数：年度、机关"),
    (["new", "二〇二四", "某局"], "govsite new: 错误：参数 年度：“二〇二四”不是有效的整数"),
    (["serve", "--port", "x"], "govsite serve: 错误：参数 --port：“x”不是有效的整数"),
])
def test_usage_errors_are_chinese_and_exit_2(capsys, argv, message) -> None:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("用法：govsite")
    assert message in err.splitlines(), err
    assert not [w for w in ENGLISH if w in err], err


def test_untranslated_messages_pass_through() -> None:
    assert translate_error("something new") == "something new"
    assert translate_error("argument -x: expected at least one argument") == "参数 -x：至少需要一个值"


def test_version_and_help_command(capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out == f"govsite {__version__}\n"
    code, out, _ = run(capsys, "help")
    assert code == 0 and out == make_parser().format_help()
    code, out, _ = run(capsys, "help", "build")
    assert code == 0 and out == subcommand_parsers(make_parser())["build"].format_help()
    code, _, err = run(capsys, "help", "biuld")
    assert code == 2 and err.startswith("govsite: 错误：没有命令 biuld，是不是 build？（可用：init、new、import")


@pytest.mark.parametrize("shell, marker", [("bash", "complete -o bashdefault -F _shtab_govsite govsite"), ("zsh", "#compdef govsite")])
def test_completion_scripts_know_every_command_and_option(capsys, shell, marker) -> None:
    code, out, _ = run(capsys, "completion", shell)
    assert code == 0 and marker in out
    for name, parser in subcommand_parsers(make_parser()).items():
        assert name in out
        for action in parser._actions:
            assert all(opt in out for opt in action.option_strings), (name, action.option_strings)


def test_bash_completion_script_is_valid_bash(tmp_path, capsys) -> None:
    code, out, _ = run(capsys, "completion", "bash")
    script = tmp_path / "govsite.bash"
    script.write_text(out, encoding="utf-8")
    probe = f'source {script}; COMP_WORDS=(govsite ch); COMP_CWORD=1; _shtab_govsite; echo "${{COMPREPLY[@]}}"'
    done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["check"]


# --- where a command runs: -C, the site, and outside a site -----------------------------------------

def test_outside_a_site_every_command_says_so(tmp_path, capsys) -> None:
    for argv in (["check"], ["build"], ["serve"], ["export"], ["new", "2024", "某局"], ["import", "x.html"]):
        code, out, err = run(capsys, "-C", str(tmp_path), *argv)
        assert code == 2, argv
        assert err == (f"govsite: 错误：找不到站点设置文件 site.toml（已在 {tmp_path} 及其上级目录中查找），这里不是 govsite 站点。"
                       "新建站点请运行 govsite init 站点目录；已有站点请在站点目录中运行，或用 -C 站点目录 指定\n"), argv
    assert sorted(tmp_path.iterdir()) == []  # nothing written: no public/, no cache, no content/


def test_c_to_a_missing_folder(tmp_path, capsys) -> None:
    code, _, err = run(capsys, "-C", str(tmp_path / "no-such-folder"), "check")
    assert code == 2
    assert err == f"govsite: 错误：-C 指定的目录 {tmp_path / 'no-such-folder'} 不存在\n"
    code, _, err = run(capsys, "-C", str(tmp_path), "-C", "no-such-folder", "check")
    assert code == 2 and err == f"govsite: 错误：-C 指定的目录 no-such-folder 不存在（{tmp_path / 'no-such-folder'}）\n"
    (tmp_path / "file").write_text("x")
    code, _, err = run(capsys, "-C", str(tmp_path / "file"), "build")
    assert code == 2 and "不是目录" in err
    assert not (tmp_path / "no-such-folder").exists()


def test_a_command_inside_content_works_on_its_site(tmp_path) -> None:
    site = make_site(tmp_path / "s", {"content/2024/a.md": report_text()})
    done = govsite("build", cwd=site / "content" / "2024")
    assert done.returncode == 0, done.stderr
    assert (site / "public/2024/a/index.html").is_file()
    assert not (site / "content/2024/public").exists()


def test_c_after_the_subcommand_and_paths_relative_to_it(tmp_path, capsys) -> None:
    site = make_site(tmp_path / "s", {"content/2024/a.md": report_text(), "content/2024/b.md": report_text(agency="某局")})
    code, out, err = run(capsys, "check", "-C", str(site), "content/2024/a.md")
    assert code == 0, err
    assert err == "已校验 1 个文件：0 个错误，0 个警告\n"
    code, _, err = run(capsys, "-C", str(tmp_path), "export", "-C", "s", "content/2024/b.md", "-o", "b.csv")
    assert code == 0, err
    assert (site / "b.csv").is_file() and not (tmp_path / "b.csv").exists()  # -C s inside -C tmp_path, as git
    assert "某局" in (site / "b.csv").read_text(encoding="utf-8")
    code, _, err = run(capsys, "build", "-C", str(site), "-o", "out")
    assert code == 0, err
    assert (site / "out/2024/a/index.html").is_file()


def test_cwd_is_restored_after_a_command(tmp_path, capsys) -> None:
    before = Path.cwd()
    make_site(tmp_path / "s", {})
    run(capsys, "-C", str(tmp_path / "s"), "check")
    assert Path.cwd() == before


# --- pipes and ports ----------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["check --format json", "export --format json"])
def test_output_into_a_closed_pipe_stops_quietly(tmp_path, command) -> None:
    # 150 reports with empty prose: ~90 KB of warnings, more than a pipe holds, so head closes it early.
    files = {f"content/2024/a{i}.md": report_text(agency=f"某局{i}", prose={}) for i in range(150)}
    site = make_site(tmp_path / "s", files)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(f"'{sys.executable}' -m govsite -C '{site}' {command} | head -1; echo \"${{PIPESTATUS[0]}}\"",
                          shell=True, executable="/bin/bash", env=env, capture_output=True, text=True, timeout=120)
    first, status = done.stdout.splitlines()
    assert first.startswith("[")  # the first line, whole (check's JSON is indented, export's one line)
    # 141: the status a shell shows for a process ended by SIGPIPE. A single large write (export)
    # may also end before the reader goes away, and then it is simply 0.
    assert status == "141" or (command.startswith("export") and status == "0")
    assert done.stderr == ""


def test_serve_on_a_busy_port_fails_before_building(tmp_path) -> None:
    site = make_site(tmp_path / "s", {"content/2024/a.md": report_text()})
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = govsite("-C", str(site), "serve", "--port", str(port))
    assert done.returncode == 2
    assert done.stderr == f"govsite: 错误：无法在 127.0.0.1:{port} 上监听：端口已被占用，可用 --port 换一个端口\n"
    assert done.stdout == ""  # no "正在生成预览……": nothing was built
    assert not (site / ".govsite-cache").exists()


def test_help_fits_the_terminal_and_its_columns_line_up(monkeypatch) -> None:
    """Chinese takes two columns a character: no help line is wider than the terminal, and every
    help text starts in the same column as the others."""
    from govsite.argparse_zh import _columns

    monkeypatch.setenv("COLUMNS", "80")
    parser = make_parser()
    for name, sub in [("govsite", parser), *subcommand_parsers(parser).items()]:
        page = sub.format_help()
        assert max(_columns(line) for line in page.splitlines()) <= 78, (name, page)
        options = page.split("选项:\n", 1)[1].split("\n\n", 1)[0].splitlines()
        starts = {_columns(line[: len(line) - len(line.split("  ")[-1].lstrip())]) if "  " in line.strip() else None
                  for line in options if line.startswith("  -") and "  " in line.strip()}
        assert len(starts - {None}) == 1, (name, options)
