"""The feed's own XML escaping equals xml.sax.saxutils' (which govsite no longer imports: issue 7)."""

from __future__ import annotations

import random
from xml.sax import saxutils

from govsite.feed import escape, quoteattr


def test_escape_and_quoteattr_equal_saxutils() -> None:
    rng = random.Random(7)
    chars = "ab&<>\"'\n\r\t中;#"
    cases = ["a&b<c>d", 'say "hi"', "it's", "both ' and \"", "tab\there\nnl\r", "", "&amp;",
             "https://x.gov.cn/2022/?a=1&b=2"]
    cases += ["".join(rng.choice(chars) for _ in range(rng.randint(0, 9))) for _ in range(5000)]
    for c in cases:
        assert escape(c) == saxutils.escape(c), c
        assert quoteattr(c) == saxutils.quoteattr(c), c
    assert quoteattr("both ' and \"") == '"both \' and &quot;"'
