"""Helpers of the importer tests: where the shared samples are, their truth tables, synthetic sources.

The samples are copies kept in ``tests/data/`` (see ``tests/data/SOURCES.md``).
"""

from __future__ import annotations

import json
from pathlib import Path

from govsite.formats import FORMATS, Format

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parent / "data"
SAMPLES = SHARED / "samples"
SEED = SHARED / "seeds" / "000_247cf08f496e631f.txt"
TRUTH = json.loads((REPO / "tests" / "data" / "sample_tables.json").read_text(encoding="utf-8"))["samples"]

#: README row names → field keys of the applications table.
README_ROWS = {
    "一、本年新收": "new_requests",
    "二、上年结转": "carried_over",
    "（一）予以公开": "granted",
    "（二）部分公开": "partly_granted",
    "（三）1.属于国家秘密": "withheld_state_secret",
    "（三）2.其他法律行政法规禁止公开": "withheld_prohibited",
    "（三）3.危及“三安全一稳定”": "withheld_security",
    "（三）4.保护第三方合法权益": "withheld_third_party",
    "（三）5.属于三类内部事务信息": "withheld_internal",
    "（三）6.属于四类过程性信息": "withheld_process",
    "（三）7.属于行政执法案卷": "withheld_case_file",
    "（三）8.属于行政查询事项": "withheld_inquiry",
    "（四）1.本机关不掌握相关政府信息": "unavailable_not_held",
    "（四）2.没有现成信息需要另行制作": "unavailable_to_create",
    "（四）3.补正后申请内容仍不明确": "unavailable_unclear",
    "（五）1.信访举报投诉类申请": "rejected_complaint",
    "（五）2.重复申请": "rejected_repeat",
    "（五）3.要求提供公开出版物": "rejected_publication",
    "（五）4.无正当理由大量反复申请": "rejected_excessive",
    "（五）5.要求行政机关确认或重新出具已获取信息": "rejected_confirmation",
    "（六）其他处理": "other",  # the 2019 single row printed by the Hongze reports
    "（六）1.逾期不补正": "other_no_correction",
    "（六）2.逾期未缴费": "other_unpaid",
    "（六）3.其他": "other_misc",
    "（七）总计": "total",
    "四、结转下年度继续办理": "carried_forward",
}
README_GROUPS = {
    "行政复议": "administrative_review",
    "未经复议直接起诉": "litigation_direct",
    "复议后起诉": "litigation_after_review",
}


def truth_values(sample: str) -> dict[str, list]:
    """A sample's truth as ``"table.field" → values`` (Table 2 in the README's own row layout)."""
    t = TRUTH[sample]
    out = {f"applications.{README_ROWS[k]}": v for k, v in t["applications"].items()}
    out.update({f"reviews.{README_GROUPS[k]}": v for k, v in t["reviews"].items()})
    out.update({f"active.{k}": v for k, v in t["active"].items()})
    return out


def consistent_2021(**rows: list[int]) -> dict[str, list]:
    """A 2021-format value set, all zero except ``rows`` (field key → 7 values)."""
    fmt = FORMATS["2021"]
    values: dict[str, list] = {}
    for table in fmt.tables:
        for f in table.fields():
            values[f"{table.key}.{f.key}"] = ["0" if c.kind.value == "amount" else 0 for c in f.value_columns]
    for key, vals in rows.items():
        values[key if "." in key else f"applications.{key}"] = list(vals)
    return values


def render_text(fmt: Format, values: dict[str, list], *, agency: str = "测试县民政局", year: int = 2023,
                sep: str = "|", joined: frozenset[str] = frozenset(), one_per_line: bool = False) -> str:
    """A synthetic published report as separated text, labels taken from the format description.

    Fields named in ``joined`` lose their cell separators, label and digits run together as
    scraped portals print them (issue 5: ``一、本年新收政府信息公开申请数量801000081``).
    """
    lines = [f"{agency}{year}年政府信息公开工作年度报告", "", "一、总体情况", "", "本机关依法做好政府信息公开工作。", ""]

    def row(label: str, key: str, vals: list) -> None:
        cells = ["" if v is None else str(v) for v in vals]
        if key in joined:
            lines.append(label + "".join(cells))
        elif one_per_line:
            lines.append(label)
            lines.extend(cells)
        else:
            lines.append(sep.join([label] + cells))

    for table in fmt.tables:
        lines += ["", table.section, ""]
        if table.layout == "sections":
            for s in table.sections:
                lines.append(s.title)
                lines.append(sep.join([s.header] + [c.label for c in s.columns if c.label]) if not one_per_line else s.header)
                for r in s.rows:
                    f = r.fields[0]
                    row(r.label, f"active.{f.key}", values[f"active.{f.key}"])
        elif table.key == "applications":
            if not one_per_line:
                lines.append(sep.join(["申请人情况"] + [c.label for c in table.columns]))
            for r in table.rows:
                f = r.fields[0]
                row(r.label, f"applications.{f.key}", values[f"applications.{f.key}"])
        else:
            lines.append("行政复议" + (sep + "行政诉讼" if not one_per_line else ""))
            flat = [v for f in table.fields() for v in values[f"reviews.{f.key}"]]
            if "reviews" in joined:
                lines.append("".join(str(v) for v in flat))
            elif one_per_line:
                lines.append("总计")
                lines.extend(str(v) for v in flat)
            else:
                lines.append(sep.join(str(v) for v in flat))
    lines += ["", "五、存在的主要问题及改进情况", "", "信息公开工作仍需加强。", "", "六、其他需要报告的事项", "", "本年度未收取信息处理费。", ""]
    return "\n".join(lines)
