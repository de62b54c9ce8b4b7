"""Deterministic synthetic archive for benchmarks and tests (issue 7).

``python3 bench/generate.py OUT --reports 10000`` writes a site folder: ``site.toml`` (with
``publish_invalid = true``, because an archive holds other agencies' real mistakes) and
``content/<year>/<slug>.md`` for N agency-year reports, years 2019–2025, in both format versions,
written through the format description (:func:`govsite.content_file.dumps_report`) so the files are
exactly what ``govsite new``/``import`` would write.

What the corpus looks like, and why:
- ~2,000 agencies (more when N needs more than 7 years each): 人民政府 of provinces, 设区的市 and
  counties, and their 部门, with region paths and levels, so region grouping and R11 are exercised.
- Every agency reports consecutive years, so the R6 carry-over can hold (it does, except in the
  few reports broken on purpose).
- ~4 KB of Chinese prose per report, assembled from realistic sentences, with the ``**…：**`` bold
  that real reports use (the CJK emphasis rule of :mod:`govsite.markdown` must fire).
- Numbers satisfy R1–R4; about 1 % of reports break one rule (one cell off), as real archives do.

The same seed and N always give byte-identical files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from govsite.content_file import dumps_report  # noqa: E402
from govsite.formats import Format, Kind, format_for_year  # noqa: E402

YEARS = tuple(range(2019, 2026))
SEED = 20250101

# ----------------------------------------------------------------------------------------------
# Agencies: administrative units and departments
# ----------------------------------------------------------------------------------------------

PROVINCES = ("河南省", "江苏省", "浙江省", "山东省", "湖北省", "四川省", "广东省", "河北省", "湖南省", "安徽省",
             "江西省", "福建省", "陕西省", "山西省", "云南省", "贵州省", "辽宁省", "吉林省")
_SYLLABLES = "安平宁清丰阳新兴长永乐泰和昌德华江山河城东西南北明盛隆源汇通远定康顺武文嘉祥瑞林溪桥"
DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("发展和改革委员会", "fgw"), ("教育局", "jyj"), ("科学技术局", "kjj"), ("工业和信息化局", "gxj"),
    ("公安局", "gaj"), ("民政局", "mzj"), ("司法局", "sfj"), ("财政局", "czj"),
    ("人力资源和社会保障局", "rsj"), ("自然资源和规划局", "zrzyj"), ("生态环境局", "sthjj"),
    ("住房和城乡建设局", "zjj"), ("交通运输局", "jtj"), ("水利局", "slj"), ("农业农村局", "nyncj"),
    ("商务局", "swj"), ("文化广电和旅游局", "wglj"), ("卫生健康委员会", "wjw"), ("退役军人事务局", "tyjrj"),
    ("应急管理局", "yjglj"), ("审计局", "sjj"), ("市场监督管理局", "scjgj"), ("统计局", "tjj"),
    ("医疗保障局", "ybj"), ("城市管理局", "cgj"), ("林业局", "lyj"), ("信访局", "xfj"),
)
PROVINCE_DEPTS = ("厅", "委员会")


def _place(rng: random.Random, used: set[str], suffix: str) -> str:
    while True:
        name = rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES) + suffix
        if name not in used and name[0] != name[1]:
            used.add(name)
            return name


def agencies(count: int, seed: int = SEED) -> list[dict[str, Any]]:
    """``count`` distinct agencies (name, slug, level, region), in a fixed order for a seed."""
    rng = random.Random(f"agencies-{seed}")
    used: set[str] = set()
    out: list[dict[str, Any]] = []
    province_depts = (("教育厅", "jyt"), ("公安厅", "gat"), ("财政厅", "czt"), ("自然资源厅", "zrzyt"),
                      ("生态环境厅", "sthjt"), ("交通运输厅", "jtt"), ("水利厅", "slt"), ("商务厅", "swt"),
                      ("卫生健康委员会", "wjw"), ("市场监督管理局", "scjgj"))
    pi = 0
    while len(out) < count:
        pcode = f"p{pi:02d}"
        # Beyond the real provinces (100k reports), synthetic ones keep every name unique.
        province = PROVINCES[pi] if pi < len(PROVINCES) else _place(rng, used, "省")
        gov = province + "人民政府"
        out.append(dict(name=gov, slug=f"{pcode}-zf", level="省级人民政府", region=[province]))
        for d, ab in province_depts:
            out.append(dict(name=province + d, slug=f"{pcode}-{ab}", level="省级部门", region=[province]))
        for ci in range(rng.randint(4, 6)):
            city = _place(rng, used, "市")
            ccode = f"{pcode}c{ci}"
            out.append(dict(name=city + "人民政府", slug=f"{ccode}-zf", level="设区的市人民政府", region=[province, city]))
            for d, ab in rng.sample(DEPARTMENTS, 20):
                out.append(dict(name=city + d, slug=f"{ccode}-{ab}", level="设区的市部门", region=[province, city]))
            for xi in range(rng.randint(3, 5)):
                county = _place(rng, used, rng.choice("县县县区市"))
                xcode = f"{ccode}x{xi}"
                region = [province, city, county]
                out.append(dict(name=county + "人民政府", slug=f"{xcode}-zf", level="县级人民政府", region=region))
                for d, ab in rng.sample(DEPARTMENTS, 14):
                    out.append(dict(name=county + d, slug=f"{xcode}-{ab}", level="县级部门", region=region))
                for ti in range(rng.randint(0, 2)):
                    town = _place(rng, used, "镇")
                    out.append(dict(name=f"{county}{town}人民政府", slug=f"{xcode}t{ti}-zf", level="乡镇人民政府",
                                    region=region))
        pi += 1
    return out[:count]


# ----------------------------------------------------------------------------------------------
# Prose
# ----------------------------------------------------------------------------------------------

_S1_OPEN = (
    "{year}年，{short}坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻党的二十大精神，认真落实《中华人民共和国政府信息公开条例》和上级关于政务公开工作的部署要求，围绕中心、服务大局，持续推进决策、执行、管理、服务、结果公开，政府信息公开工作取得新成效。现将本年度政府信息公开工作情况报告如下。",
    "根据《中华人民共和国政府信息公开条例》规定，{short}编制了{year}年度政府信息公开工作年度报告。本报告由总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项六部分组成。",
)
_S1_PARTS = (
    ("主动公开", (
        "全年通过门户网站主动公开政府信息{n}条，其中政策文件{m}件，政策解读{k}篇，图文解读占比达到{p}%。",
        "围绕优化营商环境、乡村振兴、就业创业、教育医疗等社会关注领域，及时发布权威信息，回应社会关切{k}次。",
        "严格落实重大行政决策预公开制度，对涉及群众切身利益的{m}项重大行政决策事项公开征求意见，收到意见建议{k}条，采纳{p}条。",
        "持续做好财政预决算、“三公”经费、重大建设项目、公共资源配置等重点领域信息公开，做到应公开尽公开。",
        "通过政务新媒体发布信息{n}条，阅读量累计{m}万余次，进一步扩大了政务信息的传播范围。",
    )),
    ("依申请公开", (
        "进一步规范依申请公开的受理、登记、审查、办理、答复、归档等工作流程，确保在法定期限内答复申请人。",
        "全年依申请公开工作平稳有序，均在法定期限内予以答复，未发生因答复不规范引发的复议诉讼案件。",
        "建立疑难申请会商机制，对涉及多个部门的申请由法制机构提前介入，提升答复质量。",
        "优化依申请公开在线平台，申请人可通过网上申请、信函申请、当面申请等多种方式提出申请。",
    )),
    ("政府信息管理", (
        "严格执行政府信息公开保密审查制度，坚持“先审查、后公开”和“一事一审”原则，全年未发生泄密事件。",
        "动态调整主动公开基本目录，对{m}个栏目进行了梳理规范，清理过期失效信息{k}条。",
        "开展行政规范性文件清理工作，对现行有效的{n}件规范性文件进行全面梳理，并在门户网站集中公开。",
        "加强政府信息发布审核，建立信息发布三级审核机制，确保发布信息准确、规范、及时。",
    )),
    ("政府信息公开平台建设", (
        "持续加强政府网站集约化建设，优化政府信息公开专栏设置，提升网站检索、查阅、下载功能。",
        "加强政务新媒体规范管理，{short}政务微信公众号全年发布信息{n}条，政务微博发布信息{m}条。",
        "充分发挥政务服务大厅、档案馆、图书馆等政府信息查阅场所作用，为公众查阅政府信息提供便利。",
        "推进政务公开专区标准化建设，配备自助查询终端{k}台，方便群众就近查询办事信息。",
    )),
    ("监督保障", (
        "将政务公开工作纳入年度绩效考核，占比{p}%，层层压实工作责任。",
        "组织开展政务公开业务培训{k}次，培训人员{n}人次，工作人员业务能力明显提升。",
        "聘请社会评议员对政务公开工作开展监督评议，收集意见建议{k}条并逐项整改落实。",
        "全年未发生因政府信息公开工作不到位引起的责任追究情况。",
    )),
)
_S5_PROBLEMS = (
    "一是政策解读的形式还不够丰富，图解、视频等群众喜闻乐见的解读方式运用较少；",
    "二是部分栏目信息更新不够及时，个别信息发布不够规范；",
    "三是依申请公开答复的规范性有待进一步提高，工作人员业务水平仍需提升；",
    "四是基层政务公开标准化规范化建设仍有差距，公开内容与群众需求的契合度不高；",
    "五是政务新媒体互动回应不够及时，公众参与度有待提高。",
)
_S5_MEASURES = (
    "一是加强政策解读，综合运用图片图表、音频视频、动漫等形式开展多元化解读，提高解读质量。",
    "二是加强栏目内容保障，建立信息更新提醒机制，定期开展网站栏目自查，确保信息及时准确。",
    "三是加强业务培训，组织工作人员学习《中华人民共和国政府信息公开条例》及相关法律法规，提高依法答复水平。",
    "四是深化基层政务公开，推动公开标准目录动态调整，聚焦群众关切扩大公开范围。",
    "五是强化监督考核，完善考核评议机制，切实推动各项工作任务落到实处。",
)
_S6 = (
    "本年度{short}未收取信息处理费。",
    "依据《政府信息公开信息处理费管理办法》（国办函〔2020〕109号），本机关{year}年度未发出收费通知，未收取信息处理费。",
    "{year}年度，本机关无其他需要报告的事项。人大代表建议和政协提案办理结果已按规定在门户网站公开。",
    "本年度共办理人大代表建议{k}件、政协提案{m}件，办复率100%，办理结果已按要求公开。",
)


def prose(rng: random.Random, agency: str, year: int, bold: bool) -> str:
    """The six sections of a report body: ~4 KB of prose in 一、五、六, a short note in 二–四."""
    short = agency

    def fill(s: str) -> str:
        return s.format(year=year, short=short, n=rng.randint(50, 5000), m=rng.randint(3, 300),
                        k=rng.randint(1, 80), p=rng.randint(5, 95))

    out = ["## 一、总体情况", "", fill(rng.choice(_S1_OPEN)), ""]
    for i, (title, pool) in enumerate(_S1_PARTS):
        num = "（" + "一二三四五六"[i] + "）"
        sentences = "".join(fill(s) for s in rng.sample(pool, k=min(len(pool), rng.randint(3, 4))))
        if bold:
            out += [f"**{num}{title}。**{sentences}", ""]
        else:
            out += [f"### {num}{title}", "", sentences, ""]
    out += ["## 二、主动公开政府信息情况", "", "（详见下表）", ""]
    out += ["## 三、收到和处理政府信息公开申请情况", "", ""]
    out += ["## 四、政府信息公开行政复议、行政诉讼情况", "", ""]
    problems = "".join(sorted(rng.sample(_S5_PROBLEMS, k=rng.randint(3, 5)), key=_S5_PROBLEMS.index))
    measures = "".join(sorted(rng.sample(_S5_MEASURES, k=rng.randint(3, 5)), key=_S5_MEASURES.index))
    if bold:
        out += ["## 五、存在的主要问题及改进情况", "", f"**存在的主要问题：**{problems}", "",
                f"**改进措施：**{measures}", ""]
    else:
        out += ["## 五、存在的主要问题及改进情况", "", "### （一）存在的主要问题", "", problems, "",
                "### （二）改进措施", "", measures, ""]
    out += ["## 六、其他需要报告的事项", "", fill(_S6[0]) + fill(rng.choice(_S6[1:])), ""]
    return "\n".join(out)


# ----------------------------------------------------------------------------------------------
# Numbers
# ----------------------------------------------------------------------------------------------

APPLICANTS = 6  # applicant columns before 总计


def _split(rng: random.Random, total: int, parts: int, skew: float = 1.0) -> list[int]:
    """``total`` split into ``parts`` non-negative integers, front-loaded like real tables."""
    if total == 0 or parts == 1:
        return [total] + [0] * (parts - 1)
    weights = [rng.random() ** skew * (1.0 / (i + 1)) for i in range(parts)]
    s = sum(weights)
    out = [int(total * w / s) for w in weights]
    out[0] += total - sum(out)
    return out


def tables(rng: random.Random, fmt: Format, level: str, carried: list[int] | None) -> dict[str, list]:
    """Table values for one report satisfying R1–R4 (and R6 when ``carried`` is last year's 四)."""
    values: dict[str, list] = {}
    scale = {"省级人民政府": 3000, "设区的市人民政府": 800, "省级部门": 300, "设区的市部门": 60, "县级人民政府": 120,
             "县级部门": 12, "乡镇人民政府": 3}.get(level, 10)
    can_rule = level in ("省级人民政府", "设区的市人民政府")
    # Table 1
    for table in fmt.tables:
        if table.key != "active":
            continue
        for f in table.fields():
            row = []
            for c in f.value_columns:
                if c.kind is Kind.AMOUNT:
                    row.append(f"{rng.randint(0, 5000) / 100:.2f}" if rng.random() < 0.3 else "0")
                elif c.kind is Kind.SIGNED:
                    row.append(rng.randint(-5, 8))
                elif f.key == "rules" and not can_rule:
                    row.append(0)
                else:
                    row.append(rng.randint(0, scale // 2 + 3) if rng.random() < 0.7 else 0)
            values[f"active.{f.key}"] = row
    # Table 2, column by column: 一 + 二 = (七) + 四, (七) = Σ outcomes
    app = fmt.table("applications")
    outcome_keys = [f.key for f in app.fields() if f.key not in ("new_requests", "carried_over", "total", "carried_forward")]
    cols: dict[str, list[int]] = {k: [0] * APPLICANTS for k in [f.key for f in app.fields()]}
    for c in range(APPLICANTS):
        weight = (1.0, 0.3, 0.03, 0.03, 0.08, 0.05)[c]
        new = int(rng.random() * scale * weight * 2) if rng.random() < (0.9 if c == 0 else 0.4) else 0
        prev = carried[c] if carried else 0
        avail = new + prev
        forward = int(avail * rng.random() * 0.08)
        done = avail - forward
        parts = _split(rng, done, len(outcome_keys), skew=2.0)
        order = list(range(len(outcome_keys)))
        rng.shuffle(order)
        cols["new_requests"][c] = new
        cols["carried_over"][c] = prev
        cols["total"][c] = done
        cols["carried_forward"][c] = forward
        for i, key in zip(order, outcome_keys):
            cols[key][c] = parts[i]
    for key, row in cols.items():
        values[f"applications.{key}"] = row + [sum(row)]
    # Table 3: four outcomes + 总计 per group
    for f in fmt.table("reviews").fields():
        n = rng.randint(0, max(1, scale // 20)) if rng.random() < 0.5 else 0
        parts = _split(rng, n, 4)
        values[f"reviews.{f.key}"] = parts + [sum(parts)]
    return values


def break_one_rule(rng: random.Random, values: dict[str, list]) -> None:
    """Make exactly one cell wrong, the way real reports are wrong (a total off by a few)."""
    key = rng.choice(["applications.total", "applications.granted", "applications.new_requests",
                      "reviews.administrative_review"])
    row = values[key]
    i = rng.randrange(len(row))
    row[i] = row[i] + rng.randint(1, 3)


# ----------------------------------------------------------------------------------------------
# The archive
# ----------------------------------------------------------------------------------------------


def plan(n: int, seed: int = SEED) -> list[tuple[dict[str, Any], list[int]]]:
    """Which agencies report which years: ~2,000 agencies (more when N needs them), consecutive years."""
    # About four years per agency for small N (so R6 has neighbours), ~2,000 agencies from 8,000
    # reports on, and as many as 7 years each needs beyond 14,000.
    count = max(-(-n // len(YEARS)), min(2000, max(1, n // 4)))
    ags = agencies(count, seed)
    base, extra = divmod(n, count)
    out = []
    for i, ag in enumerate(ags):
        k = base + (1 if i < extra else 0)
        if k:
            start = i % (len(YEARS) - k + 1)  # spread the windows so every year is present
            out.append((ag, list(YEARS[start:start + k])))
    return out


def report_files(n: int, seed: int = SEED):
    """Yield ``(relative path, file text)`` for the N reports."""
    for ag, years in plan(n, seed):
        rng = random.Random(f"{seed}-{ag['slug']}")
        carried: list[int] | None = None
        for year in years:
            fmt = format_for_year(year)
            values = tables(rng, fmt, ag["level"], carried)
            carried = values["applications.carried_forward"][:APPLICANTS]
            if rng.random() < 0.01:
                break_one_rule(rng, values)
            meta = dict(agency=ag["name"], year=year, region=ag["region"], level=ag["level"],
                        published=dt.date(year + 1, rng.randint(1, 3), rng.randint(1, 28)),
                        index_no=f"{rng.randint(10**8, 10**9 - 1)}/{year + 1}-{rng.randint(1, 99999):05d}")
            if rng.random() < 0.5:
                meta["source_url"] = f"https://www.example.gov.cn/{ag['slug']}/{year}/ndbg.html"
            body = prose(rng, ag["name"], year, bold=rng.random() < 0.35)
            yield f"content/{year}/{ag['slug']}.md", dumps_report(fmt, meta, values, body)


SITE_TOML = """# Synthetic archive for benchmarks (bench/generate.py). Do not edit: regenerate.
title = "政府信息公开工作年度报告（基准测试档案）"
description = "bench/generate.py 生成的合成数据"
base_url = "/"
publish_invalid = true
"""


def generate(out: Path, n: int, seed: int = SEED) -> int:
    """Write the site folder; returns the number of reports. Files already identical are not rewritten
    (so regenerating keeps mtimes and a warm cache stays warm)."""
    out.mkdir(parents=True, exist_ok=True)
    _write(out / "site.toml", SITE_TOML)
    count = 0
    for rel, text in report_files(n, seed):
        _write(out / rel, text)
        count += 1
    return count


def _write(path: Path, text: str) -> None:
    data = text.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="生成基准测试用的合成年报档案")
    p.add_argument("out", type=Path, help="站点目录")
    p.add_argument("-n", "--reports", type=int, default=1000, help="报告数量（默认 1000）")
    p.add_argument("--seed", type=int, default=SEED)
    args = p.parse_args(argv)
    n = generate(args.out, args.reports, args.seed)
    print(f"已生成 {n} 份报告：{args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
