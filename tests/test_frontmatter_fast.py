"""The fast TOML path of govsite/frontmatter.py (issue 7) is tomllib, or it steps aside.

``fast_toml`` parses the simple subset of TOML that ``govsite new`` and ``import`` write; for
anything else it returns None and the loader uses the TOML library. Whatever it accepts must parse
to exactly what tomllib gives (same keys in the same order, same types, same values), and it must
never accept what tomllib rejects. Checked on every front matter of the repository and on
mutants of them: one to three random edits with the characters that change TOML's meaning
(deterministic seed, so a failure is reproducible).
"""

from __future__ import annotations

import random
import tomllib
from pathlib import Path

import pytest

from govsite.frontmatter import decode, fast_toml, split

REPO = Path(__file__).resolve().parents[1]
CHARS = list('[]"\'=#,.-+_ \t\n0123456789aeTZ:{}\\\x00\x7f\x1f“”＝，\u3000１') + [
    "2024-02-30", "2024-13-01", "0000-01-01", "[active]", "\n[active]\n", "\nagency = 1\n", "true", "1e3",
    "0x1", "1_000", "-0", "+1", "inf", "nan", '"""', "'''", "99999999999999999999"]


def _fronts() -> list[str]:
    out = []
    for p in sorted(REPO.glob("content/**/*.md")) + sorted(REPO.glob("tests/**/*.md")):
        text, _ = decode(str(p), p.read_bytes())
        sf, _ = split(str(p), text) if text else (None, None)
        if sf is not None:
            out.append(sf.front)
    return out


def same(a: object, b: object) -> bool:
    """Equal values of the same types, dict keys in the same order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)  # type: ignore[index]
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))  # type: ignore[arg-type]
    return a == b


def _check(text: str) -> None:
    fast = fast_toml(text)
    if fast is None:
        return
    try:
        ref = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        pytest.fail(f"fast path accepted what tomllib rejects: {text!r}")
    assert same(fast, ref), text


def test_the_repository_front_matters() -> None:
    fronts = _fronts()
    assert len(fronts) >= 5
    assert sum(fast_toml(f) is not None for f in fronts) >= 5  # the fast path is really taken
    for f in fronts:
        _check(f)


@pytest.mark.parametrize("seed", range(4))
def test_mutants(seed: int) -> None:
    rng = random.Random(seed)
    fronts = _fronts()
    for _ in range(5000):
        lines = rng.choice(fronts).split("\n")
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(lines))
            line = lines[i]
            op = rng.random()
            if op < 0.6 and line:
                j = rng.randrange(len(line) + 1)
                line = line[:j] + rng.choice(CHARS) + line[min(len(line), j + rng.randint(0, 2)):]
            elif op < 0.75:
                lines.insert(i, rng.choice(lines))
                continue
            elif op < 0.85:
                del lines[i]
                continue
            else:
                line += rng.choice(CHARS)
            lines[i] = line
        _check("\n".join(lines))
