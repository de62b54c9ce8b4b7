"""The README's reference block is exactly what the schemas generate (it cannot drift)."""

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
