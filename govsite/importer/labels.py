"""Label normalisation and fuzzy matching against the format description (spec §9, §10).

Real reports print the official labels with half-width punctuation, spaces inside words, traditional
characters, ``1、`` for ``1.``, dropped characters (``2.其他法律行政止公开``) and wrapped lines. Both
sides of every comparison go through :func:`normalize`, so the description's official labels and
aliases are compared in the same form as the source text.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from functools import lru_cache

# Traditional → simplified, only for characters that occur in the labels of the three tables and
# the section headings (spec §9: mirror sites convert to traditional script). A full converter is
# not needed: labels are matched, not displayed.
_TRAD_SIMP = (
    "總总數数開开請请處处結结轉转況况項项規规範范條条許许罰罚強强費费購购採采額额國国機机構构關关務务"
    "護护權权過过執执詢询獲获確确認认複复訴诉訟讼維维糾纠審审經经後后發发廢废現现單单萬万製制對对"
    "辦办繼继續续據据係系為为於于屬属穩稳內内補补訪访舉举報报類类復复當当無无繳缴納纳應应議议決决"
    "資资訊讯來来組组織织會会業业個个計计題题進进還还問问準准責责況况告告鑒鉴歸归屆届區区縣县書书"
    "項项級级設设務务費费監监督督導导檢检舉举號号營营與与變变動动產产勢势寫写傳传"
)
_T2S = str.maketrans(_TRAD_SIMP[0::2], _TRAD_SIMP[1::2])
_QUOTES = str.maketrans("", "", "“”‘’\"'「」『』")
_SPACE = re.compile(r"\s+")
_ENUM_COMMA = re.compile(r"(?<![0-9])([0-9]{1,2})[、,，．]")  # "1、" "1，" "1．" → "1."


def normalize(text: str) -> str:
    """The comparison form of a label: NFKC, simplified script, no spaces or quotes, ``1.`` numbering.

    NFKC turns full-width ``（一）：，`` into ``(一):,`` and full-width digits into ASCII; both the
    description and the source are normalised the same way, so the forms meet in the middle.
    """
    s = unicodedata.normalize("NFKC", text).translate(_T2S).translate(_QUOTES)
    s = _SPACE.sub("", s)
    s = _ENUM_COMMA.sub(r"\1.", s)
    return s.replace("(", "(").replace(")", ")")


def to_simplified(text: str) -> str:
    """``text`` with the traditional characters of the label vocabulary made simplified."""
    return text.translate(_T2S)


@lru_cache(maxsize=4096)
def _blocks(expected: str, text: str) -> int:
    """Characters of ``expected`` found in ``text`` in order, counting only runs of 2+ characters.

    Single-character coincidences (申, 请, 的 …) are ignored so that unrelated labels do not look
    alike; a one-character expected label must occur as such.
    """
    if not expected or not text:
        return 0
    sm = SequenceMatcher(None, expected, text, autojunk=False)
    min_run = 1 if len(expected) <= 2 else 2
    return sum(b.size for b in sm.get_matching_blocks() if b.size >= min_run)


def coverage(expected: str, text: str) -> float:
    """How much of the normalised label ``expected`` appears, in order, in the normalised ``text``.

    1.0 when ``expected`` is a substring. Extra characters in ``text`` (a group label printed on the
    same line, a neighbour's wrapped words) do not lower it: callers weigh context separately.
    """
    if not expected:
        return 0.0
    if expected in text:
        return 1.0
    return _blocks(expected, text) / len(expected)


def similarity(a: str, b: str) -> float:
    """The symmetric difflib ratio of two normalised labels."""
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def best_match(text: str, candidates: dict[str, str]) -> tuple[str | None, float]:
    """The candidate key whose normalised label is most similar to ``text``, and the score.

    ``candidates`` maps a key to one or more labels (already normalised); exact equality wins
    outright, then containment either way, then the difflib ratio.
    """
    best, score = None, 0.0
    for key, label in candidates.items():
        if text == label:
            return key, 1.0
        if len(label) >= 2 and len(text) >= 2 and (label in text or text in label):
            # one contains the other (a local addition such as “，保留4位小数”): close, and
            # closer the less is added
            s = 0.85 + 0.15 * min(len(label), len(text)) / max(len(label), len(text))
        else:
            s = similarity(text, label)
        if s > score:
            best, score = key, s
    return best, score
