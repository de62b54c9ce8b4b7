"""The fast path of govsite/markdown.py (headings and plain paragraphs, issue 7) is markdown-it.

For any text, ``render`` and ``plain_text`` must give exactly what the markdown-it parser gives:
the fast path is an optimisation, never a second Markdown dialect. Hypothesis draws texts from an
alphabet rich in what changes Markdown's meaning (emphasis, headings, list and quote markers,
spaces at line ends, HTML and entity characters) mixed with Chinese.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from govsite.markdown import _inline_text, _simple_blocks, parser, plain_text, render

ALPHABET = st.sampled_from(list("政府信息公开年度报告，。：；、“”（）《》！？abcXYZ019 \n\n\n*_#>+-=.)\"'<&`[]\\|~\t") + ["**", "## ", "# "])
TEXT = st.lists(ALPHABET, max_size=60).map("".join)


def slow_render(text: str) -> str:
    return parser().render(text) if text.strip() else ""


def slow_plain(text: str) -> str:
    return "\n".join(_inline_text(tok.children) for tok in parser().parse(text)
                     if tok.type == "inline" and tok.children)


@settings(max_examples=1500, deadline=None)
@given(TEXT)
def test_render_is_markdown_it(text: str) -> None:
    assert render(text) == slow_render(text)


@settings(max_examples=1500, deadline=None)
@given(TEXT)
def test_plain_text_is_markdown_it(text: str) -> None:
    assert plain_text(text) == slow_plain(text)


def test_the_fast_path_is_taken_for_ordinary_prose() -> None:
    """Real report prose goes through the fast path (else the tests above would prove nothing)."""
    text = ("## 一、总体情况\n\n2022年，本机关认真贯彻落实**《中华人民共和国政府信息公开条例》**，"
            "主动公开政府信息 1,234 条。\n\n## 二、主动公开政府信息情况\n\n见下表。\n")
    assert _simple_blocks(text) is not None
    assert render(text) == slow_render(text)
    assert "<strong>《中华人民共和国政府信息公开条例》</strong>" in render(text)


def test_markup_characters_leave_the_fast_path() -> None:
    for text in ("<script>alert(1)</script>", "a &amp; b", "[链接](javascript:alert(1))", "`代码`"):
        assert _simple_blocks(text) is None
        assert render(text) == slow_render(text)
    assert "<script>" not in render("<script>alert(1)</script>")
