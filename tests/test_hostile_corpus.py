"""The bad-input corpus (``tests/badinput/``): every case gets exactly its expected messages, and
``docs/bad-input.md`` is the table generated from the same corpus."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from badinput.corpus import DOC, cases, render_doc
from govsite.build import build
from govsite.cli import main

CASES = cases()
FILE_CASES = [c for c in CASES if c.files]


@pytest.mark.parametrize("case", FILE_CASES, ids=[c.name for c in FILE_CASES])
def test_case(case, tmp_path: Path, capsys) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "site.toml").write_text('title = "测试门户"\n', encoding="utf-8")
    case.materialise(site)
    code = main(["-C", str(site), "check"])
    out, err = capsys.readouterr()
    assert [line for line in out.splitlines() if line] == case.expected(site)
    assert code == case.exit
    assert "Traceback" not in out + err
    # The summary line counts what was printed: nothing is reported twice or hidden.
    errors = sum(" 错误 [" in line for line in out.splitlines())
    warnings = sum(" 警告 [" in line for line in out.splitlines())
    assert f"{errors} 个错误，{warnings} 个警告" in err
    if case.outcome == "接受":
        # Accepted input builds, and the page shows the text decoded correctly.
        result = build(site, output=tmp_path / "public")
        assert result.pages > 0
        page = (tmp_path / "public" / "2024" / "huaian" / "index.html").read_text(encoding="utf-8")
        assert "淮安市人民政府" in page and "\r" not in page and "\ufeff" not in page


def test_docs_table_is_generated_from_the_corpus() -> None:
    assert DOC.read_text(encoding="utf-8") == render_doc(CASES), (
        "docs/bad-input.md is out of date: run python3 tests/badinput/corpus.py")


@pytest.mark.parametrize("case", [c for c in CASES if c.test], ids=lambda c: c.name)
def test_cases_without_files_name_an_existing_test(case) -> None:
    path, _, func = case.test.partition("::")
    assert path.startswith("tests/") and func, case.test
    module = importlib.import_module(Path(path).stem)
    assert callable(getattr(module, func.split("[")[0], None)), f"{case.name}: {case.test} does not exist"


def test_corpus_covers_every_kind_of_outcome() -> None:
    outcomes = {c.outcome for c in CASES}
    assert {"报错", "警告", "接受", "拒绝"} <= outcomes
    assert len({c.name for c in CASES}) == len(CASES)


def test_threat_model_names_existing_tests_and_cases() -> None:
    """docs/threat-model.md cites tests as ``test_x.py::test_y`` (``::test_z`` for another of the
    same file on that line) and corpus cases by number: each must exist."""
    import re

    doc = (DOC.parent / "threat-model.md").read_text(encoding="utf-8")
    cited = 0
    for line in doc.splitlines():
        module = None
        for m in re.finditer(r"(test_\w+)\.py|::(test_\w+)", line):
            if m.group(1):
                module = importlib.import_module(m.group(1))
                continue
            assert module is not None, line
            assert callable(getattr(module, m.group(2), None)), f"{module.__name__}::{m.group(2)} does not exist"
            cited += 1
        for m in re.finditer(r"corpus ([\d–, ]+)", line):
            for part in m.group(1).replace(" ", "").split(","):
                if not part:
                    continue
                first, _, last = part.partition("–")
                for n in range(int(first), int(last or first) + 1):
                    assert any(c.name.startswith(f"{n:02d}-") for c in CASES), f"corpus case {n} does not exist"
    assert cited > 20
