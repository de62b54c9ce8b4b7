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


def test_punctuation_and_space_equal_markdown_its_for_every_code_point() -> None:
    """The fast path's copies of markdown-it's character classes (kept so that it does not import
    markdown-it, issue 7) agree with markdown-it's for every code point."""
    import sys

    from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace

    from govsite.markdown import _is_punct, _is_space

    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue  # surrogates: not characters of a str read from UTF-8
        ch = chr(code)
        assert _is_punct(ch) == (isMdAsciiPunct(code) or isPunctChar(ch)), hex(code)
        assert _is_space(ch) == isWhiteSpace(code), hex(code)


def test_plain_prose_does_not_import_markdown_it() -> None:
    """Rendering ordinary report prose (headings, paragraphs, a bold lead) takes the fast path."""
    import subprocess
    import sys

    code = ("import sys; from govsite.markdown import render, plain_text; "
            "render('## 一、总体情况\\n\\n**（一）主动公开。**本机关全年主动公开信息 120 条。'); "
            "plain_text('本机关全年主动公开信息。'); print('markdown_it' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
