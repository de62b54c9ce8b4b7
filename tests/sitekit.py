"""Test helpers shared by the core tests: valid report data and throw-away sites.

The base report is 淮安市人民政府 2024 (tests/data/samples/README.md, decoded by hand; every rule holds),
so that each rule test starts from real, non-zero numbers and breaks exactly one thing.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

from govsite.content_file import dumps_report, section_skeleton
from govsite.formats import FORMATS

REPO = Path(__file__).resolve().parents[1]

HUAIAN_2024: dict[str, list] = {
    "active.rules": [0, 0, 0],
    "active.normative_documents": [0, 0, 0],
    "active.licensing": [0],
    "active.penalties": [0],
    "active.coercive_measures": [0],
    "active.fees": ["0"],
    "applications.new_requests": [3001, 53, 0, 0, 61, 4, 3119],
    "applications.carried_over": [34, 0, 0, 0, 0, 0, 34],
    "applications.granted": [1288, 21, 0, 0, 50, 3, 1362],
    "applications.partly_granted": [447, 7, 0, 0, 0, 0, 454],
    "applications.withheld_state_secret": [2, 0, 0, 0, 0, 0, 2],
    "applications.withheld_prohibited": [30, 1, 0, 0, 0, 0, 31],
    "applications.withheld_security": [5, 0, 0, 0, 0, 0, 5],
    "applications.withheld_third_party": [6, 0, 0, 0, 0, 0, 6],
    "applications.withheld_internal": [7, 1, 0, 0, 0, 0, 8],
    "applications.withheld_process": [12, 0, 0, 0, 0, 0, 12],
    "applications.withheld_case_file": [9, 0, 0, 0, 0, 0, 9],
    "applications.withheld_inquiry": [105, 0, 0, 0, 0, 0, 105],
    "applications.unavailable_not_held": [746, 12, 0, 0, 10, 1, 769],
    "applications.unavailable_to_create": [11, 0, 0, 0, 0, 0, 11],
    "applications.unavailable_unclear": [1, 0, 0, 0, 0, 0, 1],
    "applications.rejected_complaint": [56, 6, 0, 0, 0, 0, 62],
    "applications.rejected_repeat": [25, 0, 0, 0, 0, 0, 25],
    "applications.rejected_publication": [0, 0, 0, 0, 0, 0, 0],
    "applications.rejected_excessive": [0, 0, 0, 0, 0, 0, 0],
    "applications.rejected_confirmation": [1, 0, 0, 0, 0, 0, 1],
    "applications.other_no_correction": [67, 3, 0, 0, 1, 0, 71],
    "applications.other_unpaid": [6, 0, 0, 0, 0, 0, 6],
    "applications.other_misc": [108, 2, 0, 0, 0, 0, 110],
    "applications.total": [2932, 53, 0, 0, 61, 4, 3050],
    "applications.carried_forward": [103, 0, 0, 0, 0, 0, 103],
    "reviews.administrative_review": [72, 64, 178, 37, 351],
    "reviews.litigation_direct": [13, 4, 8, 1, 26],
    "reviews.litigation_after_review": [12, 1, 1, 6, 20],
}

PROSE = {
    "s1": "本年度，我市认真贯彻落实《中华人民共和国政府信息公开条例》，主动公开政府信息。",
    "s5": "存在的问题是公开渠道较少。改进措施是拓展渠道。",
    "s6": "本年度未收取信息处理费。",
}


def values_2021(**changes: list) -> dict[str, list]:
    """The base 2021 values with ``field=[…]`` replacements (``applications__granted=[…]``)."""
    vals = copy.deepcopy(HUAIAN_2024)
    for k, v in changes.items():
        vals[k.replace("__", ".")] = v
    return vals


def zero_values(version: str) -> dict[str, list]:
    """Every cell of a format, zero (amounts "0")."""
    fmt = FORMATS[version]
    out = {}
    for t in fmt.tables:
        for f in t.fields():
            out[f"{t.key}.{f.key}"] = ["0" if c.kind.value == "amount" else 0 for c in f.value_columns]
    return out


def report_text(values: dict[str, list] | None = None, version: str = "2021", prose: dict[str, str] | None = None,
                **meta: Any) -> str:
    """A whole report file."""
    m = {"agency": "淮安市人民政府", "year": 2024, "region": ["江苏省", "淮安市"], "level": "设区的市人民政府"}
    m.update(meta)
    return dumps_report(FORMATS[version], m, values if values is not None else values_2021(),
                        section_skeleton(PROSE if prose is None else prose))


def make_site(root: Path, files: dict[str, str], site_toml: str = 'title = "测试门户"\n') -> Path:
    """A site folder with ``site.toml`` and the given ``content/…`` files."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "site.toml").write_text(site_toml, encoding="utf-8")
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return root


def copy_example(dest: Path) -> Path:
    """A copy of the repository's example site (site.toml, content/, layouts/)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "site.toml", dest / "site.toml")
    shutil.copytree(REPO / "content", dest / "content")
    if (REPO / "layouts").is_dir():
        shutil.copytree(REPO / "layouts", dest / "layouts")
    return dest
