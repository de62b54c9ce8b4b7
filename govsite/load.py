"""Stage 1 — load: report files → :class:`Report` objects plus structural diagnostics.

Structure (keys, types, array lengths, value ranges) is validated here against the format
description, collecting every problem of the file; the arithmetic and cross-file rules are the
business of :mod:`govsite.check`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import errno
import math
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .contentdir import display_path, entry_problem, loop_error, read_reason
from .diagnostics import Diagnostic, error, warning
from .formats import FORMATS, Field, Format, Kind, format_for_year
from .frontmatter import MAX_BYTES, decode, parse_toml, split, too_big
from .markdown import MAX_MARKUP, markup_count
from .model import LEVELS, META_KEYS, Report, Value, parse_amount

MAX_COUNT = 10**15  # a count beyond this is a typo, not a statistic (issue 8)
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_KEY_LINE = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")
_TABLE_LINE = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_\-.]+)\s*\]\]?\s*(#.*)?$")  # [table] or [[array]]
_AMOUNT_RE = re.compile(r"^[0-9]+(\.[0-9]+)?$")  # ASCII only: \d would take full-width digits
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]")
MIN_YEAR, MAX_YEAR = 2008, 2100  # 条例 took effect on 1 May 2008; beyond 2100 is a typo

#: How each metadata key is written, for messages that say what to do.
META_EXAMPLES: dict[str, str] = {m.key: m.example for m in META_KEYS}


def content_files(content_dir: Path) -> list[Path]:
    """Every report file below ``content/<year>/``, sorted.

    Symlinks that lead out of the site are listed too: :func:`load_report` refuses to read them and
    says so, rather than the file silently vanishing from the portal (issue 8). What else
    ``content/`` holds that is not published is the business of :func:`govsite.contentdir.content_notes`.
    """
    return [Path(p) for p in content_paths(content_dir)]


def content_paths(content_dir: Path) -> list[str]:
    """:func:`content_files` as strings (a build lists them again at every save)."""
    if not content_dir.is_dir():
        return []
    # Every .md below content/, also misplaced ones: load_report says where they belong instead of
    # the file silently missing from the portal. Linked folders are not entered, hidden and "_"
    # ones skipped; the order is that of the paths' parts.
    found: list[tuple[tuple[str, ...], str]] = []

    def walk(folder: str, parts: tuple[str, ...]) -> None:
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError:
            return  # an unreadable folder: content_notes says so
        for e in entries:
            if e.name.startswith((".", "_")):
                continue
            here = parts + (e.name,)
            if e.name.endswith(".md"):
                found.append((here, e.path))
            try:
                is_dir = e.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                walk(e.path, here)

    walk(str(content_dir), ())
    return [path for _, path in sorted(found)]


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
    problem = entry_problem(path, shown)
    if problem is not None:
        return None, [problem]
    content = Path(os.path.abspath(root)) / "content"
    if Path(os.path.abspath(path)).is_relative_to(content):
        parts = Path(os.path.abspath(path)).relative_to(content).parts
        if len(parts) != 2:
            return None, [warning(shown, 0, "file", "不在 content/<年度>/ 目录下，不会发布："
                                                    "报告应放在 content/<年度>/<文件名>.md，例如 content/2022/weihui-shangwu.md")]
        if not YEAR_FOLDER_RE.fullmatch(parts[0]):
            # The folder is the year of the report's URL: "abcd", "02023" or "２０２３" would put two
            # reports at one address, one silently replacing the other.
            return None, [error(shown, 0, "year", f"所在目录 {parts[0]}/ 不是年度：报告应放在以四位半角数字命名的年度目录中，"
                                                   f"例如 content/{_year_example(parts[0])}/{parts[1]}")]
    try:
        target = path.resolve()
        if _inside(path, root) and not target.is_relative_to(root.resolve()):
            # A link (of the file or of a folder on its way) out of the site: a portal built from a
            # shared folder must not publish whatever the link points at (issue 8).
            return None, [error(shown, 0, "file", f"是指向站点目录之外（{target}）的符号链接，已拒绝读取：请把报告文件本身复制到 content/ 中")]
        if not target.is_file():
            return None, [error(shown, 0, "file", "不是普通文件（可能是失效的符号链接或目录），已跳过")]
        size = target.stat().st_size
        if size > MAX_BYTES:
            return None, [too_big(shown, size)]  # never read a huge file into memory
        data = target.read_bytes()
    except RuntimeError:  # Path.resolve on Python < 3.13 (later versions raise OSError ELOOP)
        return None, [loop_error(shown)]
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, [loop_error(shown)]
        return None, [error(shown, 0, "file", f"无法读取文件：{read_reason(exc)}")]
    return load_bytes(shown, path.stem, data)


#: A year folder: four ASCII digits (``str.isdigit`` would take "２０２３" and int() "02023").
YEAR_FOLDER_RE = re.compile(r"[0-9]{4}")


def _year_example(folder: str) -> str:
    """The year a folder name was meant to be (``02024``, ``２０２４``, ``2024年`` → 2024), else ``2023``."""
    digits = "".join(str(unicodedata.digit(c)) for c in folder if unicodedata.digit(c, None) is not None)
    year = int(digits) if digits and len(digits) <= 5 else 0
    return str(year) if MIN_YEAR <= year <= MAX_YEAR else "2023"


def load_bytes(shown: str, slug: str, data: bytes) -> tuple[Report | None, list[Diagnostic]]:
    """Decode, split, parse and validate the bytes of a report file named ``shown`` in messages.

    The whole of stage 1 without the file system: ``govsite new``/``import`` can validate the text
    they are about to write, and the fuzz tests feed it arbitrary bytes.
    """
    text, diags = decode(shown, data)
    if text is None:
        return None, diags
    sf, d = split(shown, text)
    if sf is None:
        return None, d
    doc, d = parse_toml(shown, sf)
    if doc is None:
        return None, d
    return build_report(shown, slug, doc, sf.front, sf.front_line, sf.body, sf.body_line)


def _inside(path: Path, root: Path) -> bool:
    """True when ``path`` is below ``root`` as written (symlinks not followed)."""
    return Path(os.path.abspath(path)).is_relative_to(os.path.abspath(root))


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
                diags.append(error(shown, front_line, "key", f"缺少必填项 {m.key}（{m.label}），请在元数据中加上一行，例如 {META_EXAMPLES[m.key]}"))
            continue
        v = doc[m.key]
        if isinstance(v, bool) or not isinstance(v, m.types):
            diags.append(error(shown, at(m.key), "type", f"{m.key}（{m.label}）的类型不对：{_describe(v)}，应写成 {META_EXAMPLES[m.key]}"))
            continue
        if isinstance(v, dt.datetime):
            # TOML reads 2024-01-20T10:00:00 as a date-time; the disclosure date is a day.
            diags.append(error(shown, at(m.key), "type", f"{m.key}（{m.label}）只写日期、不写时间：{_describe(v)} 应写成 "
                                                         f"{m.key} = {v.date().isoformat()}（不加引号）"))
            continue
        if isinstance(v, str) and len(v) > MAX_LENGTHS.get(m.key, len(v)):
            diags.append(error(shown, at(m.key), "size", _too_long(f"{m.key}（{m.label}）", len(v), MAX_LENGTHS[m.key])))
            continue
        if isinstance(v, str) and m.types == (str,):  # text keys (not the format version)
            if m.key in ("agency", "title") and "\n" in v:
                diags.append(error(shown, at(m.key), "value", f"{m.key}（{m.label}）不能跨行，请写在一行内"))
                continue
            if _CONTROL.search(v):
                diags.append(error(shown, at(m.key), "value", f"{m.key}（{m.label}）中有不可见的控制字符（常见于从网页复制的文字），请删除后重新输入"))
                continue
            if v.startswith(FORMULA_START):
                diags.append(error(shown, at(m.key), "value", f"{m.key}（{m.label}）{formula_reason(v)}"))
                continue
        meta[m.key] = v

    if "agency" in meta and not meta["agency"].strip():
        diags.append(error(shown, at("agency"), "value", f"agency（机关全称）不能为空，应写成 {META_EXAMPLES['agency']}"))
        del meta["agency"]
    year = meta.get("year")
    if isinstance(year, int) and not MIN_YEAR <= year <= MAX_YEAR:
        diags.append(error(shown, at("year"), "value", f"year（报告年度）{year} 不是合理的年份：应为 {MIN_YEAR}–{MAX_YEAR} 之间的四位数年份，例如 year = 2022"))
        del meta["year"]

    if not SLUG_RE.fullmatch(slug):
        diags.append(error(shown, 0, "slug", f"文件名 {slug!r} 不能用作网址：只能用小写字母、数字和连字符，且以字母或数字开头"
                                             f"（{_slug_suggestion(slug)}），文件名即报告网址 /年度/文件名/"))

    fmt = _resolve_format(shown, meta, at, diags)
    # Without a format (year missing or wrong) the tables are still known keys, not "unknown" ones.
    table_keys = {t.key for t in fmt.tables} if fmt else {t.key for f in FORMATS.values() for t in f.tables}
    for key in doc:
        if key in known or key in table_keys:
            continue
        diags.append(error(shown, at(key), "key", f"未知的键 {key}{_did_you_mean(key, list(known) + sorted(table_keys))}"))

    region = tuple(meta.get("region", ()))
    problem = region_problem(region)
    if problem:
        diags.append(error(shown, at("region"), problem[0], f"region（行政区划）{problem[1]}"))
        region = ()
    marks = markup_count(body)
    if marks > MAX_MARKUP:
        # markdown-it takes about a second per 100,000 of these; prose has a few dozen.
        diags.append(error(shown, body_line, "size", f"正文中有 {marks} 个 Markdown 标记符号（[ ] * _ ! | ` < & \\），超过上限 {MAX_MARKUP}："
                                                      "年度报告的正文是文字，请检查是否粘贴了乱码或别的文件的内容"))
    level = meta.get("level", "")
    if level and level not in LEVELS:
        diags.append(error(shown, at("level"), "value", f"level（机关层级）{level!r} 不在可选值中：{'、'.join(LEVELS)}"))
    missing = tuple(meta.get("missing", ()))
    for item in missing:
        if not isinstance(item, str) or (fmt and not _names_table_or_field(fmt, item)):
            diags.append(error(shown, at("missing"), "value", f"missing 中的 {item!r} 不是表格或行的键（例如 \"reviews\" 或 \"applications.total\"）"))
    source_url = meta.get("source_url", "")
    if source_url and not _safe_url(source_url):
        diags.append(error(shown, at("source_url"), "value",
                           "source_url（原文链接）必须是以 http:// 或 https:// 开头、含网站域名、不含空格和引号的网址，"
                           "例如 source_url = \"https://www.weihui.gov.cn/…\"；其他链接（如 javascript:）一律拒绝"))
        source_url = ""

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


#: Longest text (characters) of each metadata string: the longest real agency name is under 40
#: characters; beyond these limits a value is pasted text, and it would be repeated on every page
#: that lists the report.
MAX_LENGTHS: dict[str, int] = {"agency": 100, "title": 300, "level": 20, "index_no": 100, "doc_no": 100,
                               "source_url": 2000, "format": 10}
#: Region path: at most 省 › 市 › 县 › 乡 › 村 and a spare level, each a place name.
MAX_REGION_DEPTH, MAX_REGION_NAME = 6, 50


def _too_long(what: str, length: int, limit: int) -> str:
    return f"{what}长达 {length} 个字符，超过上限 {limit} 个：请检查是否把正文或别的内容粘贴进了这一项"


def has_invisible(text: str) -> bool:
    """True when ``text`` holds a control, zero-width, bidi or line-separator character."""
    return bool(_CONTROL.search(text))


def region_problem(region: tuple[Any, ...]) -> tuple[str, str] | None:
    """(rule, reason) of the first problem of a region path, with the reason agency would get."""
    if len(region) > MAX_REGION_DEPTH:
        return "value", f"最多 {MAX_REGION_DEPTH} 级，而这里有 {len(region)} 级，例如 {META_EXAMPLES['region']}"
    for r in region:
        if not isinstance(r, str) or not r.strip():
            return "type", f"应为非空字符串的列表，例如 {META_EXAMPLES['region']}"
        if "\n" in r:
            return "value", f"中的 {r.strip()[:20]!r} 不能跨行，请写在一行内"
        if _CONTROL.search(r):
            return "value", "中有不可见的控制字符（常见于从网页复制的文字），请删除后重新输入"
        if len(r) > MAX_REGION_NAME:
            return "size", _too_long("中的一级", len(r), MAX_REGION_NAME)
        if r.startswith(FORMULA_START):
            return "value", f"中的 {r[:20]!r} {formula_reason(r)}"
    return None


#: First characters that make a spreadsheet read a CSV cell as a formula (=HYPERLINK(…) and the
#: like would run when someone opens the open data in Excel or WPS). No agency, place or document
#: number starts with one of them.
FORMULA_START = ("=", "+", "-", "@")


def formula_reason(text: str) -> str:
    """Why ``text`` (which starts with one of :data:`FORMULA_START`) cannot be published."""
    return (f"不能以 {text[0]} 开头：以 = + - @ 开头的文字在 Excel、WPS 中打开开放数据（CSV）时会被当作公式执行，"
            "请删去开头的符号")


def _safe_url(url: str) -> bool:
    """An http(s) URL with a host and nothing that could leave an attribute or hide a scheme."""
    if not re.match(r"^https?://[^/\s?#]+", url, re.I) or re.search(r"[\s\"'<>`\\]", url) or _CONTROL.search(url):
        return False
    try:
        return bool(urlsplit(url).hostname)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False


def _slug_suggestion(slug: str) -> str:
    """A suggested file name for a slug that cannot be a URL."""
    fixed = re.sub(r"[^a-z0-9]+", "-", slug.lower()).strip("-")
    if fixed:
        return f"例如改名为 {fixed}.md"
    return "中文机关名请用拼音或英文缩写，例如 weihui-shangwu.md"


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
        diags.append(error(shown, at(table.key), "key", f"缺少表格 [{table.key}]（{table.title}）：请补上这张表；原文确实没有时，在元数据中写 missing = [\"{table.key}\"]"))
        return out
    if not isinstance(data, dict):
        diags.append(error(shown, at(table.key), "type", f"{table.key}（{table.title}）应为 TOML 表：单独一行写 [{table.key}]，下面每行一个 键 = [数值…]"))
        return out
    plans = _field_plans(fmt, table.key)
    fields = {p.field.key: p.field for p in plans}
    for key in data:
        if key not in fields:
            diags.append(error(shown, at(f"{table.key}.{key}"), "key",
                               f"[{table.key}] 中未知的键 {key}{_did_you_mean(key, list(fields))}"
                               f"（{fmt.version} 年版格式的{table.title}）"))
    for plan in plans:
        f, q = plan.field, plan.qualified
        if q in missing:
            continue
        raw = data.get(f.key, _ABSENT)
        if raw is _ABSENT:
            diags.append(error(shown, at(table.key), "key",
                               f"[{table.key}] 缺少 {f.key}（{table.title} · {plan.label}）：请补上一行 "
                               f"{f.key} = {_example(f)}；原文确实没有这一行时，在 missing 中写 \"{table.key}.{f.key}\""))
            continue
        if plan.scalar and not isinstance(raw, list):
            raw = [raw]
        if (plan.plain and type(raw) is list and len(raw) == plan.width
                and all(type(v) is int and 0 <= v <= MAX_COUNT for v in raw)):
            out[q] = raw  # the common case, thousands of times per build: nothing to explain
            continue
        vals = _load_field(shown, at(q), table, plan, raw, diags)
        if vals is not None:
            out[q] = vals
    return out


_ABSENT = object()


@dataclass(frozen=True)
class _FieldPlan:
    """What loading needs of one field, worked out once per format table (issue 7: the field
    properties are recomputed on every access and hashing a field walks all its columns)."""

    field: Field
    qualified: str  # "table.field"
    width: int
    scalar: bool
    plain: bool  # every value column is a non-negative count: the fast path applies
    label: str  # the row's official label (or the field's short one), for messages


@lru_cache(maxsize=None)
def _field_plans(fmt: Format, table_key: str) -> tuple[_FieldPlan, ...]:
    """The fields of a table in reading order, with their loading facts (``Format`` hashes by version)."""
    plans = []
    table = fmt.table(table_key)
    for f in table.fields():
        cols = f.value_columns
        plans.append(_FieldPlan(f, f"{table_key}.{f.key}", len(cols), len(cols) == 1,
                                all(c.kind is Kind.COUNT for c in cols), table.row_of(f.key).label or f.short))
    return tuple(plans)


def _load_field(shown: str, line: int, table, plan: _FieldPlan, raw: Any, diags: list[Diagnostic]) -> list[Value] | None:
    """Validate one field that is not a plain row of counts (or has a problem), explaining each problem."""
    f = plan.field
    cols = f.value_columns
    where = f"{table.title} · {plan.label}"
    if not isinstance(raw, list):
        diags.append(error(shown, line, "type", f"{where}：应为 {f.width} 个数值的数组（{'、'.join(c.label for c in cols)}），而不是{_describe(raw)}，例如 {f.key} = {_example(f)}"))
        return None
    if len(raw) != len(cols):
        fix = "请补上漏填的数值" if len(raw) < len(cols) else "请删去多填的数值"
        diags.append(error(shown, line, "shape", f"{where}：应有 {len(cols)} 个数值（依次为{'、'.join(c.label for c in cols)}），实际有 {len(raw)} 个，{fix}（空白的格子填 0）"))
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
        return _amount_value(units, v)
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        return None, f"应为整数，而不是{_describe(v)}，请填写数字（如 0、12）"
    if isinstance(v, str):
        text = v.strip()
        if re.fullmatch(r"-?[0-9]+", text):
            return None, f"应为整数，而不是字符串 {v!r}，请去掉引号"
        if re.fullmatch(r"[０-９]+", text):
            return None, f"应为整数，而不是字符串 {v!r}（全角数字），请改为不带引号的半角数字"
        return None, f"应为整数，而不是字符串 {v!r}，请填写不带引号的数字（没有数据时填 0）"
    if isinstance(v, float):
        if not math.isfinite(v):
            return None, f"应为整数，而不是 {v}，请填写实际数字"
        return None, f"应为整数，而不是小数 {v}，件数、条数只能是整数"
    if abs(v) > MAX_COUNT:
        return None, f"数值 {v} 大得不合理（超过 10^15），请核对原文"
    if v < 0 and kind is not Kind.SIGNED:
        return None, f"不能为负数（{v}），请填写 0 或正整数"
    return v, ""


def _amount_value(units: tuple[str, ...], v: Any) -> tuple[Value, str]:
    """An amount cell: a decimal string kept exactly as written (spec §3.1), never a float or NaN."""
    example = "如 \"26.55\"" + (f"，可带单位{'或'.join(units)}" if units else "")
    if isinstance(v, bool):
        return None, f"金额应为带引号的数字（{example}），而不是{_describe(v)}"
    if isinstance(v, int):
        if v < 0:
            return None, f"金额不能为负数（{v}），请填写 0 或正数"
        if v > MAX_COUNT:
            return None, f"金额 {v} 大得不合理（超过 10^15），请核对原文"
        return str(v), ""
    if isinstance(v, float):
        if not math.isfinite(v):
            return None, f"金额不能是 {v}，请填写实际金额（{example}，没有收费填 \"0\"）"
        return None, f"金额请写成带引号的字符串以保留原样的小数位，例如 \"{v}\""
    if isinstance(v, str):
        text = v.strip()
        number = text
        for unit in units:
            if number.endswith(unit):
                number = number[: -len(unit)]
                break
        if _AMOUNT_RE.match(number) and len(number) <= 40 and parse_amount(text) is not None:
            return text, ""
        if re.search(r"[０-９．]", text):
            return None, f"{v!r} 含全角数字或小数点，请改为半角（如 \"26.55\"）"
        return None, f"{v!r} 不是金额：应为非负的十进制数（{example}），没有收费填 \"0\""
    return None, f"金额应为带引号的数字（{example}），而不是{_describe(v)}"


def _example(f: Field) -> str:
    """How a field is written with all cells zero: ``[0, 0, 0, 0, 0, 0, 0]`` or ``0``."""
    zeros = ['"0"' if c.kind is Kind.AMOUNT else "0" for c in f.value_columns]
    return zeros[0] if f.scalar else "[" + ", ".join(zeros) + "]"


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
    if isinstance(v, dt.datetime):
        return f"日期时间 {v}"
    if isinstance(v, dt.time):
        return f"时间 {v}"
    if isinstance(v, dt.date):
        return f"日期 {v}"
    return type(v).__name__


def _did_you_mean(key: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.6)
    return f"，是不是 {close[0]}？" if close else ""

