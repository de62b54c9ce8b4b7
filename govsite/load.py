"""Stage 1 — load: report files → :class:`Report` objects plus structural diagnostics.

Structure (keys, types, array lengths, value ranges) is validated here against the format
description, collecting every problem of the file; the arithmetic and cross-file rules are the
business of :mod:`govsite.check`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic, error
from .formats import FORMATS, Field, Format, Kind, format_for_year
from .frontmatter import decode, parse_toml, split
from .model import LEVELS, META_KEYS, Report, Value, parse_amount

MAX_COUNT = 10**15  # a count beyond this is a typo, not a statistic (issue 8)
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_KEY_LINE = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")
_TABLE_LINE = re.compile(r"^\s*\[\s*([A-Za-z0-9_\-.]+)\s*\]\s*(#.*)?$")
_AMOUNT_RE = re.compile(r"^\d+(\.\d+)?$")


def content_files(content_dir: Path) -> list[Path]:
    """Every report file below ``content/<year>/``, sorted, symlinks that leave the folder excluded."""
    if not content_dir.is_dir():
        return []
    root = content_dir.resolve()
    out = []
    for p in sorted(content_dir.glob("*/*.md")):
        if p.name.startswith((".", "_")):
            continue
        if not p.resolve().is_relative_to(root):
            continue  # reported by load_report when named explicitly; never followed (issue 8)
        out.append(p)
    return out


def key_lines(front: str, first_line: int) -> dict[str, int]:
    """Map each key of the front matter (``agency``, ``applications``, ``applications.total``) to its file line."""
    lines: dict[str, int] = {}
    table = ""
    for i, text in enumerate(front.split("\n")):
        m = _TABLE_LINE.match(text)
        if m:
            table = m.group(1)
            lines.setdefault(table, first_line + i)
            continue
        m = _KEY_LINE.match(text)
        if m:
            key = f"{table}.{m.group(1)}" if table else m.group(1)
            lines.setdefault(key, first_line + i)
    return lines


def load_report(path: Path, root: Path) -> tuple[Report | None, list[Diagnostic]]:
    """Read and validate one report file. Returns ``None`` as the report when it cannot be built."""
    shown = display_path(path, root)
    try:
        if path.is_symlink() and not path.resolve().is_relative_to(root.resolve()):
            return None, [error(shown, 0, "file", "符号链接指向站点目录之外，已拒绝读取")]
        data = path.read_bytes()
    except OSError as exc:
        return None, [error(shown, 0, "file", f"无法读取文件：{exc.strerror}")]
    text, diags = decode(shown, data)
    if text is None:
        return None, diags
    sf, d = split(shown, text)
    if sf is None:
        return None, d
    doc, d = parse_toml(shown, sf)
    if doc is None:
        return None, d
    return build_report(shown, path.stem, doc, sf.front, sf.front_line, sf.body, sf.body_line)


def display_path(path: Path, root: Path) -> str:
    """The path as messages show it: relative to the site root when inside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def build_report(shown: str, slug: str, doc: dict[str, Any], front: str, front_line: int,
                 body: str, body_line: int) -> tuple[Report | None, list[Diagnostic]]:
    """Validate a parsed front matter against the metadata schema and the format description."""
    lines = key_lines(front, front_line)
    diags: list[Diagnostic] = []

    def at(key: str) -> int:
        return lines.get(key) or lines.get(key.partition(".")[0]) or front_line

    meta: dict[str, Any] = {}
    known = {m.key: m for m in META_KEYS}
    for m in META_KEYS:
        if m.key not in doc:
            if m.required:
                diags.append(error(shown, front_line, "key", f"缺少必填项 {m.key}（{m.label}）"))
            continue
        v = doc[m.key]
        if isinstance(v, bool) or not isinstance(v, m.types):
            diags.append(error(shown, at(m.key), "type", f"{m.key}（{m.label}）的类型不对：{_describe(v)}"))
            continue
        meta[m.key] = v

    if not SLUG_RE.match(slug):
        diags.append(error(shown, 0, "slug", f"文件名 {slug!r} 不能用作网址：只能用小写字母、数字和连字符（例如 weihui-shangwu.md）"))

    fmt = _resolve_format(shown, meta, at, diags)
    table_keys = {t.key for t in fmt.tables} if fmt else set()
    for key in doc:
        if key in known or key in table_keys:
            continue
        diags.append(error(shown, at(key), "key", f"未知的键 {key}{_did_you_mean(key, list(known) + sorted(table_keys))}"))

    region = tuple(meta.get("region", ()))
    if any(not isinstance(r, str) or not r.strip() for r in region):
        diags.append(error(shown, at("region"), "type", "region（行政区划）应为字符串列表，例如 [\"河南省\", \"新乡市\", \"卫辉市\"]"))
        region = ()
    level = meta.get("level", "")
    if level and level not in LEVELS:
        diags.append(error(shown, at("level"), "value", f"level（机关层级）{level!r} 不在可选值中：{'、'.join(LEVELS)}"))
    missing = tuple(meta.get("missing", ()))
    for item in missing:
        if not isinstance(item, str) or (fmt and not _names_table_or_field(fmt, item)):
            diags.append(error(shown, at("missing"), "value", f"missing 中的 {item!r} 不是表格或行的键（例如 \"reviews\" 或 \"applications.total\"）"))
    source_url = meta.get("source_url", "")
    if source_url and not re.match(r"^https?://", source_url, re.I):
        diags.append(error(shown, at("source_url"), "value", "source_url（原文链接）必须以 http:// 或 https:// 开头"))

    values: dict[str, list[Value]] = {}
    if fmt:
        for table in fmt.tables:
            values.update(_load_table(shown, doc, table, fmt, set(missing), at, diags))

    if any(d.is_error for d in diags) or fmt is None:
        return None, diags
    year = meta["year"]
    agency = meta["agency"].strip()
    report = Report(
        path=shown, slug=slug, year=year, agency=agency, format=fmt,
        title=meta.get("title") or f"{agency}{year}年政府信息公开工作年度报告",
        region=region, level=level, published=meta.get("published"),
        source_url=source_url, index_no=meta.get("index_no", ""), doc_no=meta.get("doc_no", ""),
        missing=missing, values=values, body=body, body_line=body_line, lines=lines,
    )
    return report, diags


def _resolve_format(shown: str, meta: dict[str, Any], at, diags: list[Diagnostic]) -> Format | None:
    year = meta.get("year")
    if "format" in meta:
        version = str(meta["format"])
        if version not in FORMATS:
            diags.append(error(shown, at("format"), "value", f"format（报告格式版本）只能是 {' 或 '.join(repr(v) for v in FORMATS)}，而不是 {version!r}"))
            return None
        return FORMATS[version]
    if isinstance(year, int):
        return format_for_year(year)
    return None


def _names_table_or_field(fmt: Format, item: str) -> bool:
    try:
        if "." in item:
            fmt.field(item)
        else:
            fmt.table(item)
        return True
    except KeyError:
        return False


def _load_table(shown: str, doc: dict[str, Any], table, fmt: Format, missing: set[str], at,
                diags: list[Diagnostic]) -> dict[str, list[Value]]:
    out: dict[str, list[Value]] = {}
    if table.key in missing:
        return out
    data = doc.get(table.key)
    if data is None:
        diags.append(error(shown, at(table.key), "key", f"缺少表格 [{table.key}]（{table.title}）"))
        return out
    if not isinstance(data, dict):
        diags.append(error(shown, at(table.key), "type", f"{table.key}（{table.title}）应为 TOML 表 [{table.key}]"))
        return out
    fields = {f.key: f for f in table.fields()}
    for key in data:
        if key not in fields:
            diags.append(error(shown, at(f"{table.key}.{key}"), "key",
                               f"[{table.key}] 中未知的键 {key}{_did_you_mean(key, list(fields))}"
                               f"（{fmt.version} 年版格式的{table.title}）"))
    for f in fields.values():
        q = f"{table.key}.{f.key}"
        if q in missing:
            continue
        if f.key not in data:
            diags.append(error(shown, at(table.key), "key", f"[{table.key}] 缺少 {f.key}（{_field_label(table, f)}）"))
            continue
        vals = _load_field(shown, at(q), table, f, data[f.key], diags)
        if vals is not None:
            out[q] = vals
    return out


def _field_label(table, f: Field) -> str:
    row = table.row_of(f.key)
    return row.label or f.short


def _load_field(shown: str, line: int, table, f: Field, raw: Any, diags: list[Diagnostic]) -> list[Value] | None:
    cols = f.value_columns
    where = f"{table.title} · {_field_label(table, f)}"
    if f.scalar and not isinstance(raw, list):
        raw = [raw]
    if not isinstance(raw, list):
        diags.append(error(shown, line, "type", f"{where}：应为 {f.width} 个数值的数组（{'、'.join(c.label for c in cols)}），而不是{_describe(raw)}"))
        return None
    if len(raw) != len(cols):
        diags.append(error(shown, line, "shape", f"{where}：应有 {len(cols)} 个数值（{'、'.join(c.label for c in cols)}），实际有 {len(raw)} 个"))
        return None
    vals: list[Value] = []
    ok = True
    for col, v in zip(cols, raw):
        cell = f"{where} · {' / '.join(col.path)}"
        val, problem = _cell_value(col.kind, col.units, v)
        if problem:
            diags.append(error(shown, line, "value", f"{cell}：{problem}"))
            ok = False
        vals.append(val)
    return vals if ok else None


def _cell_value(kind: Kind, units: tuple[str, ...], v: Any) -> tuple[Value, str]:
    """Validate one cell; returns the stored value and a problem description (empty when valid)."""
    if isinstance(v, str) and v.strip() == "":
        return None, ""  # blank in the source: counts as 0 (spec §7 "Blank cells")
    if kind is Kind.AMOUNT:
        if isinstance(v, bool):
            return None, f"金额应为数字字符串（如 \"26.55\"），而不是{_describe(v)}"
        if isinstance(v, int):
            return (str(v), "") if v >= 0 else (None, f"金额不能为负数（{v}）")
        if isinstance(v, float):
            if not math.isfinite(v):
                return None, f"金额不能是 {v}"
            return None, f"金额请写成带引号的字符串以保留原样的小数位，例如 \"{v}\""
        if isinstance(v, str):
            text = v.strip()
            number = text
            for unit in units:
                if number.endswith(unit):
                    number = number[: -len(unit)]
                    break
            if _AMOUNT_RE.match(number) and parse_amount(text) is not None:
                return text, ""
            return None, f"{v!r} 不是金额（应为非负的十进制数，如 \"26.55\"{'，可带单位' + '或'.join(units) if units else ''}）"
        return None, f"金额应为数字字符串，而不是{_describe(v)}"
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        return None, f"应为整数，而不是{_describe(v)}"
    if isinstance(v, str):
        hint = "，请去掉引号" if re.fullmatch(r"-?\d+", v.strip()) else ""
        return None, f"应为整数，而不是字符串 {v!r}{hint}"
    if isinstance(v, float):
        if not math.isfinite(v):
            return None, f"应为整数，而不是 {v}"
        return None, f"应为整数，而不是小数 {v}"
    if abs(v) > MAX_COUNT:
        return None, f"数值 {v} 大得不合理（超过 10^15），请检查"
    if v < 0 and kind is not Kind.SIGNED:
        return None, f"不能为负数（{v}）"
    return v, ""


def _describe(v: Any) -> str:
    if isinstance(v, bool):
        return f"布尔值 {str(v).lower()}"
    if isinstance(v, str):
        return f"字符串 {v!r}"
    if isinstance(v, int):
        return f"整数 {v}"
    if isinstance(v, float):
        return f"小数 {v}"
    if isinstance(v, list):
        return "数组"
    if isinstance(v, dict):
        return "表"
    if isinstance(v, (dt.date, dt.datetime, dt.time)):
        return f"日期 {v}"
    return type(v).__name__


def _did_you_mean(key: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.6)
    return f"，是不是 {close[0]}？" if close else ""

