"""The README's reference block is exactly what the schemas generate (it cannot drift)."""

from govsite.reference import END, START, reference
from sitekit import REPO


def test_readme_reference_is_current() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split(START, 1)[1].split(END, 1)[0]
    assert block == "\n" + reference(), "run: python3 -m govsite.reference --write README.md"


def test_readme_commands_match_ci() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert "bash scripts/test.sh" in text
    assert "bash scripts/test.sh" in (REPO / ".ci/run").read_text(encoding="utf-8")
