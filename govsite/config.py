"""``site.toml``: the site's settings, validated like content (issue 2): unknown keys and wrong types
are errors naming the file and line, all of them in one run."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from .diagnostics import Diagnostic, GovsiteError, error
from .frontmatter import SplitFile, decode, parse_toml
from .load import key_lines
from .model import LEVELS

CONFIG_NAME = "site.toml"


@dataclass(frozen=True)
class Setting:
    """One key of ``site.toml``."""

    key: str
    types: tuple[type, ...]
    default: Any
    help: str  # Chinese description, used in messages and the README


SETTINGS: tuple[Setting, ...] = (
    Setting("title", (str,), "政府信息公开工作年度报告", "网站标题"),
    Setting("description", (str,), "", "网站简介"),
    Setting("base_url", (str,), "/", "网站地址或子路径，如 https://www.example.gov.cn/xxgk/ndbg/ 或 /xxgk/ndbg/"),
    Setting("publish_invalid", (bool,), False, "为 true 时，校验出错的报告也照常发布，并在报告页列出错误"),
    Setting("output", (str,), "public", "输出目录"),
    Setting("latest", (int,), 10, "首页列出的最新报告数"),
    Setting("meta", (dict,), {}, "政府网站发展指引规定的页面元数据"),
    Setting("agencies", (list,), [], "应当发布报告的机关名录"),
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
    """Read and validate ``site.toml`` (absent: all defaults). ``overrides`` come from the CLI."""
    path = root / CONFIG_NAME
    cfg = Config(root=root)
    diags: list[Diagnostic] = []
    doc: dict[str, Any] = {}
    lines: dict[str, int] = {}
    if path.is_file():
        try:
            data = path.read_bytes()
        except OSError as exc:
            return cfg, [error(CONFIG_NAME, 0, "config", f"无法读取：{exc.strerror or exc}")]
        decoded, d = decode(CONFIG_NAME, data)  # BOM and CRLF accepted, GBK named (issue 8)
        if decoded is None:
            return cfg, d
        text = decoded
        parsed, d = parse_toml(CONFIG_NAME, SplitFile(text, 1, "", 0))
        if parsed is None:
            return cfg, d
        doc = parsed
        lines = key_lines(text, 1)
    known = {s.key: s for s in SETTINGS}
    for key, value in doc.items():
        line = lines.get(key, 1)
        s = known.get(key)
        if s is None:
            close = difflib.get_close_matches(key, list(known), n=1)
            hint = f"，是不是 {close[0]}？" if close else ""
            diags.append(error(CONFIG_NAME, line, "config", f"未知的设置 {key}{hint}"))
            continue
        if isinstance(value, bool) != (bool in s.types) or not isinstance(value, s.types):
            diags.append(error(CONFIG_NAME, line, "config", f"设置 {key}（{s.help}）的类型不对"))
            continue
        setattr(cfg, key, value)
    for key, value in (overrides or {}).items():
        if value is not None:
            setattr(cfg, key, value)
    diags += _check_meta(cfg, lines)
    cfg.agencies, d = _agencies(doc.get("agencies", []), lines)
    from .registry import registry_problems  # noqa: PLC0415 — registry.py imports Agency from here

    diags += d + registry_problems(cfg.agencies, root)
    if not isinstance(cfg.agencies, tuple):
        cfg.agencies = ()
    if not _BASE_URL.fullmatch(cfg.base_url):
        diags.append(error(CONFIG_NAME, lines.get("base_url", 1), "config",
                           "base_url 应以 / 开头（如 /xxgk/ndbg/），或是以 http:// 或 https:// 开头的完整网址，且不含空格、引号和尖括号"))
    if "output" in doc and isinstance(doc["output"], str) and not _inside_site(doc["output"]):
        # A site.toml may come from someone else's repository: it must not aim the build (which
        # replaces the output folder) at an arbitrary place. --output on the command line may.
        diags.append(error(CONFIG_NAME, lines.get("output", 1), "config",
                           f"output {doc['output']!r} 必须是站点目录内的相对路径（如 \"public\"）；"
                           "要输出到别处，请在命令行用 --output 指定"))
    return cfg, diags


_BASE_URL = re.compile(r"(/(?!/)|https?://[^/\s\"'<>`\\]+/?)[^\s\"'<>`\\]*", re.I)


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
            diags.append(error(CONFIG_NAME, line, "config", f"[meta] {key} 应为字符串"))
    return diags


def _agencies(raw: Any, lines: dict[str, int]) -> tuple[tuple[Agency, ...], list[Diagnostic]]:
    out, diags = [], []
    line = lines.get("agencies", 1)
    for i, item in enumerate(raw if isinstance(raw, list) else []):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            diags.append(error(CONFIG_NAME, line, "config", f"agencies 第 {i + 1} 项应为含 name 的表"))
            continue
        bad = [k for k in item if k not in AGENCY_KEYS or not isinstance(item[k], AGENCY_KEYS[k])]
        if bad:
            diags.append(error(CONFIG_NAME, line, "config", f"agencies 第 {i + 1} 项（{item['name']}）的键有误：{'、'.join(bad)}（可用：name、slug、level、region）"))
            continue
        if item.get("level") and item["level"] not in LEVELS:
            diags.append(error(CONFIG_NAME, line, "config", f"agencies 第 {i + 1} 项的 level {item['level']!r} 不在可选值中"))
            continue
        out.append(Agency(item["name"], item.get("slug", ""), item.get("level", ""), tuple(item.get("region", ()))))
    return tuple(out), diags


def require_config(root: Path, overrides: dict[str, Any] | None = None) -> Config:
    """Load the config for a command, raising :class:`GovsiteError` (exit 2) when it is invalid."""
    cfg, diags = load_config(root, overrides)
    if diags:
        raise GovsiteError("site.toml 有误：\n" + "\n".join(d.format() for d in diags))
    return cfg


__all__ = ["Config", "Agency", "load_config", "require_config", "SETTINGS", "META_SETTINGS"]
