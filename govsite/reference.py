"""The generated parts of the documentation — metadata keys, table keys per format version,
``site.toml`` settings, the rule table of the README and ``docs/rules.md`` — made from the schemas
and the rule declarations themselves, so the documentation cannot drift from what the loader
accepts and the checker checks. ``python -m govsite.reference`` prints the README's reference;
``python -m govsite.reference --write README.md docs/rules.md`` brings every generated block of
those files up to date; ``tests/test_readme.py`` checks they are.
"""

from __future__ import annotations

from .config import SETTINGS
import datetime as dt

from .formats import FORMATS, Format, Kind
from .formats.rules import RULES, SCOPE_ZH, Rule
from .model import LEVELS, META_KEYS

_KIND_ZH = {Kind.COUNT: "非负整数", Kind.SIGNED: "整数（可为负）", Kind.AMOUNT: "金额字符串"}


def format_reference(fmt: Format) -> str:
    """A Markdown table: TOML key → official row label → the values in column order."""
    lines = [f"#### {fmt.version} 年版：{fmt.name}（{fmt.document}）", ""]
    for table in fmt.tables:
        lines += [f"`[{table.key}]` {table.title}"
                  + (f"：每行 {len(table.columns)} 个数值，依次为 {_columns(table.columns)}" if table.layout == "grid" and table.rows[0].path else ""),
                  "", "| 键 | 官方行标签 | 数值（按列顺序） |", "|---|---|---|"]
        shared = table.layout == "grid" and table.rows[0].path
        for section in table.sections or (None,):
            rows = section.rows if section else table.rows
            for row in rows:
                for f in row.fields:
                    label = " / ".join(((section.title,) if section else ()) + row.path) or f.short
                    cols = f"{f.width} 个（见上）" if shared else _columns(f.value_columns)
                    lines.append(f"| `{f.key}` | {label} | {cols} |")
        lines.append("")
    return "\n".join(lines)


def _columns(columns) -> str:
    return "、".join(" / ".join(c.path) + (f"（{_KIND_ZH[c.kind]}）" if c.kind is not Kind.COUNT else "")
                    for c in columns if c.kind is not Kind.EMPTY)


def meta_reference() -> str:
    """The metadata keys of the front matter."""
    lines = ["| 键 | 含义 | 类型 | 必填 |", "|---|---|---|---|"]
    names = {str: "字符串", int: "整数", list: "数组", dict: "表", dt.date: "日期（如 2023-01-20）"}
    for m in META_KEYS:
        kind = "、".join(names.get(t, t.__name__) for t in m.types)
        lines.append(f"| `{m.key}` | {m.label} | {kind} | {'是' if m.required else ''} |")
    lines += ["", "`level` 可选值：" + "、".join(LEVELS), ""]
    return "\n".join(lines)


def settings_reference() -> str:
    """The settings of ``site.toml``."""
    lines = ["| 设置 | 含义 | 默认值 |", "|---|---|---|"]
    for s in SETTINGS:
        default = repr(s.default).replace("'", '"') if not isinstance(s.default, bool) else str(s.default).lower()
        lines.append(f"| `{s.key}` | {s.help} | `{default}` |")
    return "\n".join(lines) + "\n"


def reference() -> str:
    """Every reference part, in README order."""
    formats = "\n".join(format_reference(f) for f in sorted(FORMATS.values(), key=lambda f: f.version, reverse=True))
    return meta_reference() + "\n" + formats + "\n" + settings_reference()


#: Problems found while reading a file, before any rule: not rules, but listed with them.
_READING = ("结构", "错误", "TOML 语法（含全角符号提示）、缺少或未知的键（提示“是不是…”）、类型、负数、非整数、金额格式")


def rule_table() -> str:
    """The README's rule table: every declared rule with its severity and exact statement."""
    lines = ["| 规则 | 级别 | 内容 |", "|---|---|---|"]
    lines += [f"| {r.id} | {r.severity_zh} | {r.expert} |" for r in RULES]
    lines.append("| {} | {} | {} |".format(*_READING))
    return "\n".join(lines) + "\n"


def rules_document() -> str:
    """The body of ``docs/rules.md``: each rule in plain words and exactly, with how it is checked."""
    out = ["| 规则 | 名称 | 级别 | 核对范围 |", "|---|---|---|---|"]
    out += [f"| {r.id} | {r.name} | {r.severity_zh} | {SCOPE_ZH[r.scope]} |" for r in RULES]
    for r in RULES:
        out += ["", f"## {r.id} {r.name}", "", r.plain, "",
                f"- 准确表述：{r.expert}", f"- 级别：{r.severity_zh}；核对范围：{SCOPE_ZH[r.scope]}"]
        if r.basis:
            out.append(f"- 依据：{r.basis}")
        if r.note:
            out.append(f"- 说明：{r.note}")
        out += _equation_lines(r)
    return "\n".join(out) + "\n"


def _equation_lines(r: Rule) -> list[str]:
    """For a rule the format descriptions spell out as equations: how many each version checks,
    and the first of them written out."""
    out = []
    for fmt in sorted(FORMATS.values(), key=lambda f: f.version, reverse=True):
        eqs = [eq for eq in fmt.equations if eq.rule == r.id]
        if eqs:
            eq = eqs[0]
            first = f"{' + '.join(c.label for c in eq.left)} = {' + '.join(c.label for c in eq.right)}"
            out.append(f"- {fmt.version} 年版核对 {len(eqs)} 个等式，例如 {eq.context}：{first}")
    return out


def _markers(name: str, target: str) -> tuple[str, str]:
    return (f"<!-- {name}:start (generated by python -m govsite.reference --write {target}) -->",
            f"<!-- {name}:end -->")


START, END = _markers("reference", "README.md")

#: Each generated block: its start and end markers and what goes between them.
BLOCKS = (
    (START, END, reference),
    (*_markers("rules", "README.md"), rule_table),
    (*_markers("rules-doc", "docs/rules.md"), rules_document),
)


def replace_blocks(text: str) -> str:
    """``text`` with every generated block it holds brought up to date."""
    for start, end, make in BLOCKS:
        if start in text:
            head, _, rest = text.partition(start)
            _, _, tail = rest.partition(end)
            text = f"{head}{start}\n{make()}{end}{tail}"
    return text


def blocks_in(text: str) -> dict[str, str]:
    """The generated blocks ``text`` holds, by start marker, as written (for the tests)."""
    return {start: text.partition(start)[2].partition(end)[0] for start, end, _ in BLOCKS if start in text}


if __name__ == "__main__":
    import sys
    from pathlib import Path

    if len(sys.argv) >= 3 and sys.argv[1] == "--write":
        for name in sys.argv[2:]:
            target = Path(name)
            target.write_text(replace_blocks(target.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        print(reference(), end="")
