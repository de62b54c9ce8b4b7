"""The metadata keys are listed once (govsite.model.META_KEYS); the report model, report.json and
the yearly CSV follow that list."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from govsite import opendata
from govsite.load import load_report
from govsite.model import META_KEYS, Report, meta_json, meta_text
from sitekit import REPO


def _huaian() -> Report:
    report, _ = load_report(REPO / "content" / "2024" / "huaian.md", REPO)
    return dataclasses.replace(report, published=dt.date(2025, 1, 20), index_no="014103002/2025-00011",
                               missing=("active",))


def test_every_metadata_key_is_a_report_field() -> None:
    names = {f.name for f in dataclasses.fields(Report)}
    assert [m.key for m in META_KEYS if m.key not in names] == []


def test_report_json_holds_every_metadata_key() -> None:
    r = _huaian()
    doc = json.loads(opendata.report_json(r, []))
    assert {m.key: doc[m.key] for m in META_KEYS} == {
        "agency": "淮安市人民政府", "year": 2024, "format": "2021",
        "region": ["江苏省", "淮安市"], "level": "设区的市人民政府", "published": "2025-01-20",
        "title": "淮安市人民政府2024年政府信息公开工作年度报告", "source_url": "",
        "index_no": "014103002/2025-00011", "doc_no": "", "missing": ["active"],
    }
    assert list(doc)[:3] == ["schema", "year", "slug"]
    assert list(doc)[-2:] == ["checks", "cells"]


def test_year_csv_metadata_columns_follow_the_list() -> None:
    assert [c for c, _ in opendata.META_COLUMNS] == ["year", "slug", "agency", "format", "region", "level",
                                                      "published", "errors", "warnings"]
    assert dict(opendata.META_COLUMNS)["published"] == "发布日期（YYYY-MM-DD，未知则为空）"
    r = _huaian()
    row = opendata.year_csv(2024, [r], {}).decode("utf-8-sig").splitlines()[1]
    assert row.startswith("2024,huaian,淮安市人民政府,2021,江苏省 / 淮安市,设区的市人民政府,2025-01-20,0,0,")
    assert meta_json(dataclasses.replace(r, published=None), "published") is None
    assert meta_text(dataclasses.replace(r, published=None), "published") == ""
