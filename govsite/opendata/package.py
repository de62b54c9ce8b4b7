"""The data package (Frictionless Data Package with Table Schemas), the archive and its README.

``datapackage.json`` declares every file of ``data/`` with its fields and types, so that Frictionless
tools, pandas (through ``frictionless``), R and DuckDB read exact types: counts as integers, amounts
as text (exact decimals, see :data:`.codebook.KIND_TYPES`).
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Iterable

from ..formats import FORMATS, Format, Kind
from .codebook import CODEBOOK_COLUMNS, FORMULA_NOTE, KIND_TYPES, codebook, keys_of
from .columns import CHECK_COLUMNS, COLUMN_TYPES, LONG_COLUMNS, META_COLUMNS

ARCHIVE_NAME = "govsite-data.zip"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip can hold: no build time leaks in

def year_csv_name(year: int) -> str:
    """The name of a year's wide CSV."""
    return f"{year}.csv"


def checks_csv_name(year: int) -> str:
    """The name of a year's checks file."""
    return f"{year}-checks.csv"


def _field(name: str, description: str, type_: str = "string", **extra: object) -> dict[str, object]:
    return {"name": name, "type": type_, "description": description, **extra}


def _plain_fields(columns: tuple[tuple[str, str], ...]) -> list[dict[str, object]]:
    return [_field(c, d, COLUMN_TYPES.get(c, "string")) for c, d in columns]


def _cell_fields(keys: list[str]) -> list[dict[str, object]]:
    """The fields of cell columns: type, and the official labels as the title (the codebook has
    every version's)."""
    entries = {e.key: e for e in codebook()}
    out = []
    for k in keys:
        e = entries[k]
        cell = e.first
        field: dict[str, object] = {"name": k, "type": KIND_TYPES[e.kind][0],
                                    "title": f"{cell.row[-1] if cell.row else cell.short} · {cell.column.label}"}
        if e.kind is Kind.COUNT:
            field["constraints"] = {"minimum": 0}
        out.append(field)
    return out


def _csv_resource(name: str, path: str, title: str, fields: list[dict[str, object]]) -> dict[str, object]:
    return {
        "name": name,
        "path": path,
        "title": title,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",  # with a BOM, which readers of UTF-8 skip
        "dialect": {"delimiter": ",", "quoteChar": '"', "header": True},
        "schema": {"fields": fields, "missingValues": [""]},
    }


def year_formats(reports_by_year: dict[int, Iterable[Format]]) -> dict[int, list[Format]]:
    """The formats of each year's reports (what decides a year file's columns)."""
    return {y: sorted(set(fs), key=lambda f: f.version) for y, fs in reports_by_year.items()}


def datapackage(title: str, formats_by_year: dict[int, list[Format]]) -> bytes:
    """``datapackage.json`` for the files of ``data/``: the codebook and each year's wide CSV and
    checks file (``formats_by_year``: the formats of the year's reports)."""
    resources = [_csv_resource("codebook", "codebook.csv", "代码本：每个单元格键的含义",
                               [_field(c, d) for c, d in CODEBOOK_COLUMNS])]
    for year, formats in sorted(formats_by_year.items()):
        resources.append(_csv_resource(f"year-{year}", year_csv_name(year), f"{year} 年度各报告数据（宽表）",
                                       _plain_fields(META_COLUMNS) + _cell_fields(keys_of(formats))))
        resources.append(_csv_resource(f"checks-{year}", checks_csv_name(year), f"{year} 年度校验结果",
                                       _plain_fields(CHECK_COLUMNS)))
    doc = {
        "profile": "tabular-data-package",
        "name": "govsite-open-data",
        "title": f"{title} · 开放数据",
        "description": FORMULA_NOTE,
        "resources": resources,
        "govsite:amounts": KIND_TYPES[Kind.AMOUNT][1],
        # Each report's report.csv (not listed one by one: one per report) has this schema.
        "govsite:report_csv_schema": {"fields": [_field(c, d) for c, d in LONG_COLUMNS], "missingValues": [""]},
    }
    return (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def readme_text(title: str, report_counts: dict[int, int]) -> str:
    """``README.txt`` of the archive: what each file holds."""
    total = sum(report_counts.values())
    lines = [
        f"{title} · 开放数据",
        "",
        f"共 {total} 份报告。" + "；".join(f"{y} 年度 {n} 份" for y, n in sorted(report_counts.items())),
        "",
        "文件（CSV 均为 UTF-8 带 BOM，可用 Excel、WPS 直接打开）：",
        "  <年度>.csv          该年度每份报告一行：报告信息、校验错误与警告数，其后每个单元格一列，列名为单元格键",
        "  <年度>-checks.csv   该年度每条校验结果一行：报告、规则、级别、涉及的单元格、说明",
        "  codebook.csv        代码本：每个单元格键对应的表格、各格式版本的官方行列标签、单位、类型、参与的校验规则",
        "  codebook.json       同上，JSON 格式",
        "  datapackage.json    数据包描述（Frictionless Data），声明每个文件每列的类型",
        "",
        "金额是按原文照录的十进制文本，请按文本读入，以免变成近似的浮点数。",
        FORMULA_NOTE,
        "",
        "格式版本：",
    ]
    lines += [f"  {f.version}：《{f.name}》（{f.document}），适用于 {f.years[0]} 年度"
              + (f"至 {f.years[1]} 年度" if f.years[1] else "及以后") + "的报告"
              for f in sorted(FORMATS.values(), key=lambda f: f.version)]
    return "\n".join(lines) + "\n"


def archive(members: list[tuple[str, bytes]]) -> bytes:
    """A zip of ``members`` (name, bytes), deflated, in the order given. Deterministic: a fixed
    date and mode 0644 for every entry, so two builds of the same data are the same bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # Unix, so that the mode above is read as one
            zf.writestr(info, data)
    return buf.getvalue()
