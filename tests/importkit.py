"""Helpers of the importer tests: where the shared samples are, their truth tables, synthetic sources.

The samples are copies kept in ``tests/data/`` (see ``tests/data/SOURCES.md``).
"""

from __future__ import annotations

import json
import re
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


# --- Reports in the shapes real extractions produce (issue: never a wrong number) ---------------

def random_2021(rng) -> dict[str, list]:
    """A random 2021-format value set for which R1–R4 hold (mostly zeros, as real reports are)."""
    fmt = FORMATS["2021"]
    values = consistent_2021()
    app = fmt.table("applications")
    heads = ("new_requests", "carried_over", "total", "carried_forward")
    outcomes = [f.key for f in app.fields() if f.key not in heads]

    def cell() -> int:
        return rng.choice([0, 0, 0, 0, rng.randint(1, 9), rng.randint(10, 120)])

    total = [0] * 6
    for key in outcomes:
        row = [cell() if i == 0 or rng.random() < 0.15 else 0 for i in range(6)]
        values[f"applications.{key}"] = row + [sum(row)]
        total = [a + b for a, b in zip(total, row)]
    over = [rng.choice([0, 0, rng.randint(0, t)]) if t else 0 for t in total]
    forward = [rng.choice([0, 0, rng.randint(0, 12)]) for _ in range(6)]
    new = [t + f - o for t, f, o in zip(total, forward, over)]
    for key, row in (("total", total), ("carried_over", over), ("carried_forward", forward), ("new_requests", new)):
        values[f"applications.{key}"] = row + [sum(row)]
    for f in fmt.table("reviews").fields():
        row = [rng.choice([0, 0, rng.randint(0, 15)]) for _ in range(4)]
        values[f"reviews.{f.key}"] = row + [sum(row)]
    values["active.normative_documents"] = [rng.randint(0, 30), rng.randint(0, 5), rng.randint(20, 300)]
    values["active.licensing"] = [rng.randint(0, 3000)]
    return values


#: How a table row's label lines sit around its value line in extracted text.
SHAPES = ("same", "before", "after", "split")
#: How extraction damages labels.
GARBLES = ("none", "truncate", "typo", "merge", "duplicate")


def _garble(label: str, how: str, group: str, rng) -> list[str]:
    """The label line(s) of one row, damaged in the way ``how`` says."""
    if how == "truncate" and len(label) > 6:
        return [label[: max(4, len(label) // 2)]]
    if how == "typo" and len(label) > 6:
        i = rng.randint(2, len(label) - 4)
        return [label[:i] + label[i + 2:]]
    if how == "merge" and group:
        # the group cell's text interleaved with the row's (pdf → Markdown of a rowspan cell):
        # "(四)无" + "2.没有现成信息需要另" / "法提供" + "行制作"
        g, k = len(group) // 2, len(label) * 2 // 3
        return [group[:g] + label[:k], group[g:] + label[k:]]
    if how == "duplicate":
        return [label, label]
    return [label]


def render_fragmented(values: dict[str, list], rng, *, shape: str = "before", garble: str = "none",
                      rate: float = 0.5, agency: str = "测试县民政局", year: int = 2023) -> str:
    """A 2021-format report as Markdown extracted from a PDF: Table 2's labels and values on
    separate pipe lines (``shape``), labels damaged (``garble``) on about ``rate`` of the rows."""
    fmt = FORMATS["2021"]
    text = render_text(fmt, values, agency=agency, year=year)
    head, rest = text.split("三、收到和处理政府信息公开申请情况", 1)
    tail = rest.split("四、政府信息公开行政复议、行政诉讼情况", 1)[1]
    lines = ["三、收到和处理政府信息公开申请情况", "",
             "| 申请人情况 | " + " | ".join(c.label for c in fmt.table("applications").columns) + " |"]
    for row in fmt.table("applications").rows:
        f = row.fields[0]
        cells = "| | " + " | ".join(str(v) for v in values[f"applications.{f.key}"]) + " |"
        group = row.path[-2] if len(row.path) >= 3 and rng.random() < 0.5 else ""
        damaged = _garble(row.label, garble if rng.random() < rate else "none", group, rng)
        labels = [f"| {lab} | |" for lab in damaged]
        how = shape if shape != "mixed" else rng.choice(SHAPES)
        if how == "same":
            lines += labels[:-1] + [f"| {damaged[-1]} " + cells[1:]]
        elif how == "before":
            lines += labels + [cells]
        elif how == "after":
            lines += [cells] + labels
        else:
            lines += labels[:1] + [cells] + labels[1:] if len(labels) > 1 else [f"| {row.label[:len(row.label) // 2]} | |", cells,
                                                                                  f"| {row.label[len(row.label) // 2:]} | |"]
    return head + "\n".join(lines) + "\n\n四、政府信息公开行政复议、行政诉讼情况" + tail


def compare_cells(truth: dict[str, list], got: dict[str, list]) -> tuple[int, int, int, list[str]]:
    """Cells exact, wrong and missing of an import against the truth, and where the wrong ones are."""
    exact = wrong = missing = 0
    where = []
    for key, vals in truth.items():
        mine = got.get(key)
        for i, v in enumerate(vals):
            if mine is None:
                missing += 1
            elif mine[i] == v or (mine[i] is None and v in (0, "0")) or str(mine[i]) == str(v):
                exact += 1
            else:
                wrong += 1
                where.append(f"{key}[{i}]: {mine[i]!r} ≠ {v!r}")
    return exact, wrong, missing, where


def delete_pieces(data: bytes, rng) -> bytes:
    """``data`` with 1–30 lines deleted; a file of one or two lines (crawled page text) loses
    sentences instead, so that the mutation works on every sample."""
    lines = data.split(b"\n")
    if len(lines) < 3:
        pieces = data.split("。".encode())
        for _ in range(min(rng.randint(1, 30), len(pieces) - 1)):
            pieces.pop(rng.randrange(len(pieces)))
        return "。".encode().join(pieces)
    for _ in range(min(rng.randint(1, 30), len(lines) - 1)):
        lines.pop(rng.randrange(len(lines)))
    return b"\n".join(lines)


def render_collapsed(values: dict[str, list], rng, *, agency: str = "测试县民政局", year: int = 2023) -> str:
    """A report as a crawler's page text: a header, site chrome, then everything on one line with
    the cells run together, stray spaces in some runs, a typo in a label and 三、本年度办理结果
    repeated mid-table (the shapes of the crawled samples)."""
    fmt = FORMATS["2021"]
    text = render_text(fmt, values, agency=agency, year=year, sep="")
    body = "".join(text.split("\n"))
    body = body.replace("（三）不予公开" if rng.random() < 0.5 else "（五）不予处理", "三、本年度办理结果（三）不予公开", 1)
    if rng.random() < 0.5:
        body = body.replace("行政复议", "行政法复议", 1)
    runs = re.split(r"(\d+)", body)
    for i in range(1, len(runs), 2):
        if len(runs[i]) > 3 and rng.random() < 0.2:
            k = rng.randrange(1, len(runs[i]))
            runs[i] = runs[i][:k] + " " + runs[i][k:]
    chrome = "当前位置：首页 政务公开 年度报告 来源：测试县人民政府 时间：2024-01-20 09:30 微信 微博 文字版 --> "
    header = (f"标题: {agency}{year}年度政府信息公开工作年度报告\n发布时间: {year + 1}-01-20 09:30\n"
              f"原文链接: https://www.example.gov.cn/xxgk/{year}/t1.htm\n==================== 正文 ====================\n")
    return header + chrome + "".join(runs) + "本报告由测试县民政局编制，统计期限自" + f"{year}年1月1日起至{year}年12月31日止。" * 40 + "\n"
