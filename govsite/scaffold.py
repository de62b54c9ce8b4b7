"""A new, empty report file: every cell present and zero, the metadata, the six section headings.

``govsite new`` (issue 5) writes it; the table shape comes from the format description, so a new
format version needs no change here.
"""

from __future__ import annotations

from typing import Any

import tomli_w

from .content_file import dumps_report, section_skeleton
from .formats import Format, Kind
from .model import Value


def zero_values(fmt: Format) -> dict[str, list[Value]]:
    """Every field of ``fmt`` filled with zeros: ``0`` for counts, ``"0"`` for amounts."""
    values: dict[str, list[Value]] = {}
    for table in fmt.tables:
        for f in table.fields():
            values[f"{table.key}.{f.key}"] = ["0" if c.kind is Kind.AMOUNT else 0 for c in f.value_columns]
    return values


def new_report_text(fmt: Format, agency: str, year: int, region: list[str] | None = None,
                    level: str = "", extra: dict[str, Any] | None = None) -> str:
    """The text of a new report file for ``agency`` and ``year`` in format ``fmt``."""
    meta: dict[str, Any] = {"agency": agency, "year": year, "format": fmt.version,
                            "region": list(region or []), "level": level}
    meta.update(extra or {})
    return dumps_report(fmt, meta, zero_values(fmt), section_skeleton())


def site_toml_text(title: str) -> str:
    """A new site's ``site.toml``: every setting with its description as a comment (``govsite init``).

    Derived from :data:`govsite.config.SETTINGS`, so a new setting appears here by itself; the
    ones a new site needs are set, the others are shown commented out with their defaults.
    """
    from .config import META_SETTINGS, SETTINGS
    from .model import LEVELS

    active = {"title": title, "base_url": "/", "publish_invalid": False}
    lines = ["# govsite 站点设置。以 # 开头的是注释；去掉某行开头的 # 即启用该行的设置。",
             "# 修改后运行 govsite check 校验；每项设置的说明也见 README.md。", ""]
    for s in SETTINGS:
        if s.key in ("meta", "agencies"):
            continue
        value = active.get(s.key, s.default)
        lines += [f"# {s.help}", ("" if s.key in active else "# ") + tomli_w.dumps({s.key: value}).strip(), ""]
    lines += ["# 政府网站发展指引（国办发〔2017〕47号）规定的页面元数据，写入每个页面的 <meta> 标签：",
              "# [meta]"]
    lines += [f'# {key} = ""' for key in META_SETTINGS]
    lines += ["",
              "# 应当发布年度报告的机关名录，每个机关一节。登记后，年度总览会列出应报未报的机关和逾期发布的报告；",
              "# govsite new 新建报告时沿用这里的 slug、level 和 region。",
              f"# level 可选：{'、'.join(LEVELS)}",
              "# [[agencies]]",
              '# name = "某某县商务局"',
              '# slug = "mouxian-shangwu"          # 网址中的机关名：小写字母、数字和连字符',
              '# level = "县级部门"',
              '# region = ["某某省", "某某市", "某某县"]',
              ""]
    return "\n".join(lines)
