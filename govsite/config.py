"""``site.toml``: the site's settings, validated like content (issue 2): unknown keys and wrong types
are errors naming the file and line, all of them in one run."""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable
from urllib.parse import urlsplit

from .diagnostics import Diagnostic, GovsiteError, error
from .frontmatter import SplitFile, decode, parse_toml
from .load import FORMULA_START, MAX_LENGTHS, SLUG_RE, formula_reason, has_invisible, region_problem
from .load import _describe as describe  # the same words for a value as report messages use
from .model import LEVELS

CONFIG_NAME = "site.toml"


@dataclass(frozen=True)
class Setting:
    """One key of ``site.toml``."""

    key: str
    types: tuple[type, ...]
    default: Any
    help: str  # Chinese description, used in messages and the README
    check: Callable[[Any], str | None] | None = None  # a range or value rule beyond the type


SETTINGS: tuple[Setting, ...] = (
    Setting("title", (str,), "政府信息公开工作年度报告", "网站标题"),
    Setting("description", (str,), "", "网站简介"),
    Setting("base_url", (str,), "/", "网站地址或子路径，如 https://www.example.gov.cn/xxgk/ndbg/ 或 /xxgk/ndbg/"),
    Setting("publish_invalid", (bool,), False, "为 true 时，校验出错的报告也照常发布，并在报告页列出错误"),
    Setting("output", (str,), "public", "输出目录"),
    Setting("latest", (int,), 10, "首页列出的最新报告数", lambda n: None if 1 <= n <= 1000 else "应为 1 到 1000 之间的整数"),
    Setting("meta", (dict,), {}, "政府网站发展指引规定的页面元数据"),
    Setting("agencies", (list,), [], "应当发布报告的机关名录"),
    Setting("favicon", (str,), "", "网站图标在输出目录中的路径（如放在 static/ 中的 favicon.ico）；留空则用主题自带的图标"),
)

#: Page metadata of 政府网站发展指引 (国办发〔2017〕47号), emitted as <meta name=…>.
META_SETTINGS: dict[str, str] = {
    "site_name": "SiteName",
    "site_domain": "SiteDomain",
    "site_id_code": "SiteIDCode",
    "column_name": "ColumnName",
    "column_description": "ColumnDescription",
    "column_keywords": "ColumnKeywords",
    "column_type": "ColumnType",
    "content_source": "ContentSource",
}

AGENCY_KEYS = {"name": str, "slug": str, "level": str, "region": list}


@dataclass(frozen=True)
class Agency:
    """An agency expected to report (the registry of issue 6)."""

    name: str
    slug: str = ""
    level: str = ""
    region: tuple[str, ...] = ()


@dataclass
class Config:
    """Validated site settings."""

    root: Path
    title: str = "政府信息公开工作年度报告"
    description: str = ""
    base_url: str = "/"
    publish_invalid: bool = False
    output: str = "public"
    latest: int = 10
    meta: dict[str, str] = field(default_factory=dict)
    agencies: tuple[Agency, ...] = ()
    favicon: str = ""

    @property
    def base_path(self) -> str:
        """The URL path the site lives under, with slashes on both ends: ``/xxgk/ndbg/``."""
        path = urlsplit(self.base_url).path or "/"
        return "/" + path.strip("/") + "/" if path.strip("/") else "/"

    @property
    def origin(self) -> str:
        """``https://host`` when ``base_url`` is absolute, else empty (sitemap then uses paths)."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""

    @property
    def content_dir(self) -> Path:
        """The ``content/`` folder."""
        return self.root / "content"

    @property
    def layouts_dir(self) -> Path:
        """The site's template overrides."""
        return self.root / "layouts"

    @property
    def static_dir(self) -> Path:
        """Files copied into the output as they are (e.g. a web server's verification file)."""
        return self.root / "static"


def load_config(root: Path, overrides: dict[str, Any] | None = None) -> tuple[Config, list[Diagnostic]]:
    """Read and validate ``site.toml`` (absent: all defaults). ``overrides`` come from the command line.

    Every mistake is reported, each at its own line, with the type and values expected.
    """
    path = root / CONFIG_NAME
    cfg = Config(root=root)
    doc: dict[str, Any] = {}
    lines: dict[str, int] = {}
    if path.is_dir():
        return cfg, [error(CONFIG_NAME, 0, "config", f"{CONFIG_NAME} 是一个目录，而站点设置应是同名的文本文件")]
    if path.is_file():
        try:
            data = path.read_bytes()
        except OSError as exc:
            return cfg, [error(CONFIG_NAME, 0, "config", f"无法读取：{exc.strerror or exc}")]
        decoded, d = decode(CONFIG_NAME, data)  # BOM and CRLF accepted, GBK named
        if decoded is None:
            return cfg, d
        parsed, d = parse_toml(CONFIG_NAME, SplitFile(decoded, 1, "", 0))
        if parsed is None:
            return cfg, [explain_bare_value(x, decoded) for x in d]
        doc = parsed
        lines = config_lines(decoded)
    diags = _settings(cfg, doc, lines)
    diags += _check_meta(cfg, lines)
    cfg.agencies, d = _agencies(doc.get("agencies", []), lines)
    diags += d
    if not isinstance(cfg.agencies, tuple):
        cfg.agencies = ()
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    if isinstance(doc.get("base_url"), str) and not _BASE_URL.fullmatch(doc["base_url"]):
        diags.append(error(CONFIG_NAME, lines.get("base_url", 1), "config", f"base_url {BASE_URL_RULE}"))
    if "base_url" in overrides and (problem := check_base_url(overrides["base_url"])):
        diags.append(error(COMMAND_LINE, 0, "config", problem))  # the command line's: the file is not at fault
    for key, value in overrides.items():
        setattr(cfg, key, value)
    if cfg.favicon and not _FAVICON.fullmatch(cfg.favicon):
        diags.append(error(CONFIG_NAME, lines.get("favicon", 1), "config",
                           "favicon 应是输出目录中的相对路径（如 favicon.ico 或 images/logo.png），不含 ..、空格和引号"))
        cfg.favicon = ""
    if "output" in doc and isinstance(doc["output"], str) and not _inside_site(doc["output"]):
        # A site.toml may come from someone else's repository: it must not aim the build (which
        # replaces the output folder) at an arbitrary place. --output on the command line may.
        diags.append(error(CONFIG_NAME, lines.get("output", 1), "config",
                           f"output {doc['output']!r} 必须是站点目录内的相对路径（如 \"public\"）；"
                           "要输出到别处，请在命令行用 --output 指定"))
    return cfg, sorted(diags, key=lambda d: (d.path != CONFIG_NAME, d.line))


#: Where a problem with a command-line option is reported (in place of a file name).
COMMAND_LINE = "命令行"

BASE_URL_RULE = "应以 / 开头（如 /xxgk/ndbg/），或是以 http:// 或 https:// 开头的完整网址，且不含空格、引号和尖括号"

_FAVICON = re.compile(r"(?!.*\.\.)[A-Za-z0-9_][A-Za-z0-9_./-]*")
_BASE_URL = re.compile(r"(/(?!/)|https?://[^/\s\"'<>`\\]+/?)[^\s\"'<>`\\]*", re.I)


def check_base_url(value: str) -> str | None:
    """The problem with a ``--base-url`` given on the command line, or None when it is usable."""
    return None if _BASE_URL.fullmatch(value) else f"--base-url {value!r} 无效：{BASE_URL_RULE}"


#: Each TOML type as a user is told to write it.
TYPE_NAMES: dict[type, str] = {
    str: "字符串（用英文双引号括起来，如 \"…\"）",
    bool: "布尔值 true 或 false（小写，不加引号）",
    int: "整数（不加引号，如 10）",
    dict: "表（如 [meta] 开头的一节）",
    list: "数组（如 [\"河南省\", \"新乡市\"]）",
}


def _expected(types: tuple[type, ...]) -> str:
    return "或".join(TYPE_NAMES[t] for t in types)


def _has_type(value: Any, types: tuple[type, ...]) -> bool:
    """``isinstance``, except that a boolean is not an integer (TOML keeps them apart)."""
    return isinstance(value, types) and (isinstance(value, bool) == (bool in types))


def _settings(cfg: Config, doc: dict[str, Any], lines: dict[str, int]) -> list[Diagnostic]:
    """Check each top-level setting's name, type and range; set the valid ones on ``cfg``."""
    diags: list[Diagnostic] = []
    known = {s.key: s for s in SETTINGS}
    for key, value in doc.items():
        line = lines.get(key, 1)
        s = known.get(key)
        if s is None:
            diags += _unknown(key, value, lines)
            continue
        if not _has_type(value, s.types):
            diags.append(error(CONFIG_NAME, line, "config",
                               f"设置 {key}（{s.help}）应为{_expected(s.types)}，现在是{describe(value)}"))
            continue
        problem = s.check(value) if s.check else None
        if problem:
            diags.append(error(CONFIG_NAME, line, "config", f"设置 {key}（{s.help}）{problem}，现在是 {value}"))
            continue
        setattr(cfg, key, value)
    return diags


def _unknown(key: str, value: Any, lines: dict[str, int]) -> list[Diagnostic]:
    """An unknown setting; a table of them (``active.rules = …`` at the top) is named row by row."""
    close = difflib.get_close_matches(key, [s.key for s in SETTINGS], n=1)
    hint = f"，是不是 {close[0]}？" if close else f"（可用：{'、'.join(s.key for s in SETTINGS)}）"
    rows = [k for k in _leaf_keys(key, value) if k in lines] if isinstance(value, dict) else []
    if not rows or f"[{key}]" in lines:
        return [error(CONFIG_NAME, lines.get(f"[{key}]", lines.get(key, 1)), "config", f"未知的设置 {key}{hint}")]
    # Dotted keys at the top (``active.rules = …``) each stand on their own line: name each one
    # there, so that the stray rows (often table data pasted from a report) are found.
    where = "表格数据应写在报告文件 content/<年度>/<文件名>.md 中" if key in _REPORT_TABLES else "请删除或改正"
    return [error(CONFIG_NAME, lines[k], "config", f"未知的设置 {k}：site.toml 没有 {key} 这项设置{hint}；{where}")
            for k in rows]


_REPORT_TABLES = ("active", "applications", "reviews")


def _leaf_keys(prefix: str, value: Any) -> list[str]:
    if not isinstance(value, dict):
        return [prefix]
    return [k for sub, v in value.items() for k in _leaf_keys(f"{prefix}.{sub}", v)]


_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_\-]+(?:\s*\.\s*[A-Za-z0-9_\-]+)*)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(r"^\s*([A-Za-z0-9_\-]+(?:\s*\.\s*[A-Za-z0-9_\-]+)*)\s*=")


def config_lines(text: str) -> dict[str, int]:
    """Map each key of ``site.toml`` to its 1-based line.

    Keys are dotted paths: ``title``, ``meta.site_name``, ``active.rules`` (a dotted key at the
    top); tables are also listed as ``[meta]``; the n-th ``[[agencies]]`` entry is ``agencies.<n>``
    (0-based) and its keys ``agencies.<n>.level``.
    """
    lines: dict[str, int] = {}
    table = ""
    counts: dict[str, int] = {}
    for number, line in enumerate(text.split("\n"), 1):
        m = _HEADER.match(line)
        if m:
            name = re.sub(r"\s+", "", m.group(2))
            if m.group(1) == "[[":
                index = counts[name] = counts.get(name, -1) + 1
                table = f"{name}.{index}"
                lines.setdefault(name, number)
            else:
                table = name
                lines.setdefault(f"[{name}]", number)
            lines.setdefault(table, number)
            continue
        m = _ASSIGN.match(line)
        if m:
            key = re.sub(r"\s+", "", m.group(1))
            full = f"{table}.{key}" if table else key
            lines.setdefault(full, number)
            parts = full.split(".")
            for i in range(1, len(parts)):
                lines.setdefault(".".join(parts[:i]), number)
    return lines


_BARE_WORD = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=\s*([^\s\"'\[{#][^#]*?)\s*(#.*)?$")


def explain_bare_value(diag: Diagnostic, text: str) -> Diagnostic:
    """A TOML syntax error on ``flag = word`` restated for a boolean setting.

    ``publish_invalid = ture`` is a misspelt boolean, not a string missing its quotes (the
    generic hint); the setting's declared type says which.
    """
    if diag.rule != "toml" or not 0 < diag.line <= text.count("\n") + 1:
        return diag
    m = _BARE_WORD.match(text.split("\n")[diag.line - 1])
    known = {s.key: s for s in SETTINGS}
    if not m or m.group(1) not in known:
        return diag
    key, word = m.group(1), m.group(2)
    if bool not in known[key].types:
        return diag
    fix = difflib.get_close_matches(word.lower(), ["true", "false"], n=1, cutoff=0.5)
    hint = f"（是不是 {fix[0]}？）" if fix and fix[0] != word else ""
    message = f"TOML 语法错误：{key} = {word} 写法不对{hint}。{key} 应为{TYPE_NAMES[bool]}"
    return error(diag.path, diag.line, "toml", message, diag.column)


def _inside_site(output: str) -> bool:
    """True for a relative path that stays inside the site folder and is not the site itself."""
    p = PurePosixPath(output.replace("\\", "/"))
    return bool(output.strip()) and not p.is_absolute() and ".." not in p.parts and p.parts not in ((), (".",)) \
        and not re.match(r"^[A-Za-z]:", output)


def _check_meta(cfg: Config, lines: dict[str, int]) -> list[Diagnostic]:
    diags = []
    for key, value in list(cfg.meta.items()):
        line = lines.get(f"meta.{key}", lines.get("meta", 1))
        if key not in META_SETTINGS:
            close = difflib.get_close_matches(key, list(META_SETTINGS), n=1)
            hint = f"，是不是 {close[0]}？" if close else ""
            diags.append(error(CONFIG_NAME, line, "config", f"[meta] 中未知的设置 {key}{hint}（可用：{'、'.join(META_SETTINGS)}）"))
        elif not isinstance(value, str):
            diags.append(error(CONFIG_NAME, line, "config", f"[meta] {key} 应为{TYPE_NAMES[str]}，现在是{describe(value)}"))
    return diags


#: What each key of an ``[[agencies]]`` entry holds, for messages.
AGENCY_HELP = {"name": "机关全称", "slug": "网址中的机关名", "level": "机关层级", "region": "行政区划"}


def _agencies(raw: Any, lines: dict[str, int]) -> tuple[tuple[Agency, ...], list[Diagnostic]]:
    """The registry, each entry checked at its own lines; entries with a mistake are left out."""
    out: list[Agency] = []
    diags: list[Diagnostic] = []
    names: dict[str, int] = {}
    slugs: dict[str, int] = {}
    for i, item in enumerate(raw if isinstance(raw, list) else []):
        line = lines.get(f"agencies.{i}", lines.get("agencies", 1))
        if not isinstance(item, dict):
            diags.append(error(CONFIG_NAME, line, "config", f"agencies 第 {i + 1} 项应为 [[agencies]] 开头的一节，现在是{describe(item)}"))
            continue
        problems = [_agency_problem(i, key, value, lines.get(f"agencies.{i}.{key}", line)) for key, value in item.items()]
        problems = [p for p in problems if p]
        if "name" not in item:
            problems.append(error(CONFIG_NAME, line, "config", f"agencies 第 {i + 1} 项缺少 name（机关全称）"))
        name, slug = item.get("name"), item.get("slug")
        for value, seen, what in ((name, names, "name"), (slug, slugs, "slug")):
            if isinstance(value, str) and value in seen:
                problems.append(error(CONFIG_NAME, lines.get(f"agencies.{i}.{what}", line), "config",
                                      f"agencies 第 {i + 1} 项的 {what} {json.dumps(value, ensure_ascii=False)} "
                                      f"与第 {seen[value] + 1} 项重复：每个机关只登记一次，slug 也不能相同"))
            elif isinstance(value, str):
                seen[value] = i
        diags += problems
        if not problems:
            out.append(Agency(item["name"], item.get("slug", ""), item.get("level", ""), tuple(item.get("region", ()))))
    return tuple(out), diags


def _agency_problem(i: int, key: str, value: Any, line: int) -> Diagnostic | None:
    """The mistake in one key of the i-th ``[[agencies]]`` entry, if any."""
    where = f"agencies 第 {i + 1} 项的 {key}"
    if key not in AGENCY_KEYS:
        close = difflib.get_close_matches(key, list(AGENCY_KEYS), n=1)
        hint = f"，是不是 {close[0]}？" if close else ""
        return error(CONFIG_NAME, line, "config", f"agencies 第 {i + 1} 项中未知的键 {key}{hint}（可用：{'、'.join(AGENCY_KEYS)}）")
    if not _has_type(value, (AGENCY_KEYS[key],)):
        return error(CONFIG_NAME, line, "config", f"{where}（{AGENCY_HELP[key]}）应为{TYPE_NAMES[AGENCY_KEYS[key]]}，现在是{describe(value)}")
    shown = json.dumps(value, ensure_ascii=False)
    # A registered name or region ends up where a report's would (pages, CSV files): the same
    # limits as the report's own agency and region keys.
    if key == "name" and not value.strip():
        return error(CONFIG_NAME, line, "config", f"{where}（机关全称）不能为空")
    if key == "name" and value.startswith(FORMULA_START):
        return error(CONFIG_NAME, line, "config", f"{where} {formula_reason(value)}")
    if key == "name" and (has_invisible(value) or "\n" in value):
        return error(CONFIG_NAME, line, "config", f"{where} 中有不可见的控制字符或换行（常见于从网页复制的文字），请删除后重新输入")
    if key == "name" and len(value) > MAX_LENGTHS["agency"]:
        return error(CONFIG_NAME, line, "config", f"{where} 长达 {len(value)} 个字符，超过上限 {MAX_LENGTHS['agency']} 个")
    if key == "slug" and not SLUG_RE.fullmatch(value):
        fixed = re.sub(r"[^a-z0-9-]+", "-", value.lower()).strip("-")
        example = f"，例如 {json.dumps(fixed)}" if SLUG_RE.fullmatch(fixed) else ""
        return error(CONFIG_NAME, line, "config", f"{where} {shown} 不能用作文件名和网址：只能用小写字母、数字和连字符，且以字母或数字开头{example}")
    if key == "level" and value not in LEVELS:
        return error(CONFIG_NAME, line, "config", f"{where} {shown} 不在可选值中：{'、'.join(LEVELS)}")
    if key == "region" and not all(isinstance(r, str) and r.strip() for r in value):
        return error(CONFIG_NAME, line, "config", f"{where} 应为非空字符串的数组，如 [\"河南省\", \"新乡市\"]")
    if key == "region" and (problem := region_problem(tuple(value))):
        return error(CONFIG_NAME, line, "config", f"{where}（行政区划）{problem[1]}")
    return None


def require_config(root: Path, overrides: dict[str, Any] | None = None) -> Config:
    """Load the config for a command, raising :class:`GovsiteError` (exit 2) when it is invalid."""
    cfg, diags = load_config(root, overrides)
    if diags:
        where = CONFIG_NAME if all(d.path == CONFIG_NAME for d in diags) else "设置"
        raise GovsiteError(f"{where} 有误：\n" + "\n".join(d.format() for d in diags))
    return cfg


__all__ = ["Config", "Agency", "load_config", "require_config", "SETTINGS", "META_SETTINGS"]
