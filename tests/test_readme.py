"""The README holds: its reference block is what the schemas generate, the walkthrough "从零开始建站"
runs command by command, and its two set-up commands work in a fresh clone."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import pytest

from govsite.formats.rules import RULES
from govsite.reference import BLOCKS, END, START, blocks_in, reference
from sitekit import REPO

FIX = "run: python3 -m govsite.reference --write README.md docs/rules.md"


def test_readme_reference_is_current() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split(START, 1)[1].split(END, 1)[0]
    assert block == "\n" + reference(), FIX


@pytest.mark.parametrize("name, blocks", [("README.md", 2), ("docs/rules.md", 1)])
def test_generated_blocks_are_current(name, blocks) -> None:
    text = (REPO / name).read_text(encoding="utf-8")
    found = blocks_in(text)
    assert len(found) == blocks
    made = {start: "\n" + make() for start, _, make in BLOCKS}
    for start, written in found.items():
        assert written == made[start], FIX


def test_every_rule_is_in_the_readme_and_the_rules_document() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    doc = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    for r in RULES:
        assert f"| {r.id} | {r.severity_zh} | {r.expert} |" in readme
        assert f"## {r.id} {r.name}\n\n{r.plain}\n" in doc
    assert "| R10 | 不校验 | 2019 年版表一：上一年项目数量、本年增/减、处理决定数量之间没有等式 |" in readme


def test_readme_commands_match_ci() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert "bash scripts/test.sh" in text
    assert "bash scripts/test.sh" in (REPO / ".ci/run").read_text(encoding="utf-8")


# --- "从零开始建站": every command of the walkthrough, run in order ---------------------------------

def section(title: str) -> str:
    """The README section ``## title`` up to the next ``## `` heading."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """``(language, content)`` of each fenced code block, in order."""
    return re.findall(r"^```(\w*)\n(.*?)^```$", text, flags=re.M | re.S)


def govsite(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    """``govsite …`` as the README writes it, run as ``python3 -m govsite`` from this checkout."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "govsite", *argv], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def test_walkthrough_from_scratch_runs_as_written(tmp_path) -> None:
    from test_serve import Server  # the preview in a subprocess, on a free port

    cwd = tmp_path
    ran: list[str] = []
    for language, block in fenced_blocks(section("从零开始建站")):
        if language == "toml":  # the step "登记机关": appended to site.toml as the README says
            with open(cwd / "site.toml", "a", encoding="utf-8") as fh:
                fh.write("\n" + block)
            continue
        assert language == "sh", language
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if not words:
                continue
            if words[0] == "cd":
                cwd = cwd / words[1]
            elif words[:2] == ["govsite", "serve"]:
                server = Server(cwd, tmp_path / "serve-tmp", *words[2:])
                try:
                    status, _, html = server.get("/2024/qingshan/")
                finally:
                    assert server.stop() == 0
                assert status == 200 and "青山县人民政府" in html
            else:
                assert words[0] == "govsite", f"README command not run by this test: {line}"
                done = govsite(*words[1:], cwd=cwd)
                assert done.returncode == 0, (line, done.stdout, done.stderr)
            ran.append(" ".join(words[:2]))
    assert ran == ["govsite init", "cd qingshan", "govsite new", "govsite check", "govsite serve", "govsite build"]
    report = (cwd / "content/2024/qingshan.md").read_text(encoding="utf-8")
    assert 'level = "县级人民政府"' in report and "published = " in report
    page = (cwd / "public/2024/qingshan/index.html").read_text(encoding="utf-8")
    assert "青山县人民政府" in page
    assert "https://www.qingshan.gov.cn/xxgk/ndbg/2024/qingshan/" in (cwd / "public/sitemap.xml").read_text(encoding="utf-8")


# --- "快速开始": the README's two commands in a fresh clone with nothing beside it ------------------

def quick_start_commands() -> list[str]:
    """The command lines of the first code block of "快速开始" (comments left out)."""
    _, block = fenced_blocks(section("快速开始"))[0]
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_readme_commands_work_in_a_fresh_clone(tmp_path) -> None:
    """Clone the repository (its committed state) alone into an empty folder, run the install-and-build
    command as written, then the test command with ``--collect-only``: every test module must import
    and find its fixtures without anything beside the clone. (Collecting, not running, keeps this
    test from running the whole suite again inside itself.) The install goes into a virtual
    environment that sees this machine's packages, so the machine's own environment is untouched."""
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    install, tests = quick_start_commands()
    assert tests == "bash scripts/test.sh"
    clone = tmp_path / "alone" / "govsite"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True, timeout=300)
    assert sorted(p.name for p in clone.parent.iterdir()) == ["govsite"]
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=300)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    built = subprocess.run(["bash", "-c", install], cwd=clone, env=env, capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stdout + built.stderr
    assert "已生成" in built.stdout and (clone / "public/index.html").is_file()
    collected = subprocess.run(["bash", "-c", f"{tests} --collect-only -q"], cwd=clone, env=env, capture_output=True,
                               text=True, timeout=1800)
    assert collected.returncode == 0, collected.stdout[-3000:] + collected.stderr[-3000:]


def test_completion_install_commands_work(tmp_path) -> None:
    """The "命令行补全" block, run by bash with a scratch home, installs scripts that complete."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("### 命令行补全\n", 1)[1]
    _, commands = fenced_blocks(block.split("\n## ", 1)[0])[0]
    shim = tmp_path / "bin" / "govsite"  # `govsite` as installed, but this checkout's
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nPYTHONPATH="{REPO}" exec "{sys.executable}" -m govsite "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "PATH": f"{shim.parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-euc", commands], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    bash_script = home / ".local/share/bash-completion/completions/govsite"
    assert (home / ".zfunc/_govsite").read_text(encoding="utf-8").startswith("#compdef govsite")
    probe = f'source "{bash_script}"; COMP_WORDS=(govsite init --ti); COMP_CWORD=2; _shtab_govsite; echo "${{COMPREPLY[@]}}"'
    done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, timeout=30)
    assert done.stdout.split() == ["--title"], done.stderr
