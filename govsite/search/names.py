"""The names the search box finds besides reports: every agency (with or without reports) and every
region, by its Chinese name and by its pinyin (full, or initials: ``weihui``, ``whs``).

One small gzipped JSON file, ``search/names.json.gz``, that the search page fetches once::

    {"format": 1, "items": [[kind, name, url, pinyin, initials, note], ...]}

``kind`` is ``"r"`` (region) or ``"a"`` (agency); ``url`` is below the site root; ``note`` says
where an agency is and how many reports it has, or how many agencies a region holds. Gzipped with
mtime 0, like the index, so that the output is the same on every build.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable, Mapping

from ..agency import split_agency

NAMES_FILE = "names.json.gz"
_NOT_LATIN = re.compile(r"[^a-z0-9]+")


def _syllables(part: str) -> tuple[str, ...]:
    from pypinyin import Style, lazy_pinyin  # ~0.4 s to import: only builds that write the file

    syllables = [_NOT_LATIN.sub("", s.lower().replace("ü", "v"))
                 for s in lazy_pinyin(part, style=Style.NORMAL, errors=lambda s: list(s))]
    return tuple(s for s in syllables if s)


def pinyin_keys(name: str, memo: dict[str, tuple[str, ...]] | None = None) -> tuple[str, str]:
    """The name's pinyin run together and its initials: ``卫辉市`` → ``("weihuishi", "whs")``.

    Characters without pinyin (Latin letters, digits) are kept as they are, lowercased. The name
    is read in its parts — administrative units, then the rest (``淮安市`` ``洪泽区`` ``人民政府``) —
    each as a phrase, so that place names keep their readings (长沙 changsha, 重庆 chongqing);
    ``memo`` keeps the parts already read: a site's agencies share most of them (15,000 names
    read whole took ~2 s).
    """
    memo = {} if memo is None else memo
    split = split_agency(name)
    syllables: list[str] = []
    for part in (*split.units, split.body):
        if part:
            hit = memo.get(part)
            if hit is None:
                hit = memo[part] = _syllables(part)
            syllables.extend(hit)
    return "".join(syllables), "".join(s[0] for s in syllables)


def name_items(agencies: Iterable, regions: Mapping[tuple[str, ...], object]) -> list[list[str]]:
    """The items of the names file: regions (by path, the root left out), then agencies."""
    items: list[list[str]] = []
    memo: dict[str, tuple[str, ...]] = {}
    for path, node in regions.items():
        if not path:
            continue
        full, initials = pinyin_keys(node.name, memo)
        where = " / ".join(path[:-1])
        note = f"{where + ' / ' if where else ''}{node.name} · {len(node.all_agencies())} 个机关"
        items.append(["r", node.name, node.url, full, initials, note])
    for a in agencies:
        full, initials = pinyin_keys(a.name, memo)
        count = f"{len(a.reports)} 份报告" if a.reports else "尚无报告"
        note = " · ".join(p for p in (" / ".join(a.region), a.level, count) if p)
        items.append(["a", a.name, a.url, full, initials, note])
    return items


def names_blob(agencies: Iterable, regions: Mapping[tuple[str, ...], object]) -> bytes:
    """``names.json.gz`` for the site's agencies and regions."""
    data = json.dumps({"format": 1, "items": name_items(agencies, regions)}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")
    return gzip.compress(data, compresslevel=9, mtime=0)
