"""A deterministic synthetic corpus of annual reports, for the search tests and benchmark.

Texts are built from the vocabulary of real reports (agency names from regions × departments,
formulaic sentences, topic words, table labels of non-zero cells) with a seeded RNG, so that
bigram statistics resemble the real thing: much shared boilerplate, a long tail of names. A few
documents use full-width Latin letters and digits (``ＡＰＰ``, ``１２３４５``) so that
normalisation is exercised.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator

from .index import SearchDoc

PROVINCES = {
    "河南省": {"新乡市": ["卫辉市", "辉县市", "获嘉县", "原阳县", "延津县", "封丘县", "红旗区", "牧野区"],
              "郑州市": ["中原区", "二七区", "金水区", "惠济区", "巩义市", "荥阳市", "新密市", "登封市"],
              "洛阳市": ["老城区", "西工区", "洛龙区", "偃师区", "孟津区", "新安县", "栾川县", "嵩县"]},
    "江苏省": {"淮安市": ["淮安区", "淮阴区", "清江浦区", "洪泽区", "涟水县", "盱眙县", "金湖县"],
              "苏州市": ["姑苏区", "虎丘区", "吴中区", "相城区", "吴江区", "常熟市", "张家港市", "昆山市"],
              "南京市": ["玄武区", "秦淮区", "建邺区", "鼓楼区", "浦口区", "栖霞区", "雨花台区", "江宁区"]},
    "浙江省": {"杭州市": ["上城区", "拱墅区", "西湖区", "滨江区", "萧山区", "余杭区", "临平区", "富阳区"],
              "宁波市": ["海曙区", "江北区", "北仑区", "镇海区", "鄞州区", "奉化区", "余姚市", "慈溪市"]},
    "四川省": {"成都市": ["锦江区", "青羊区", "金牛区", "武侯区", "成华区", "龙泉驿区", "青白江区", "新都区"],
              "绵阳市": ["涪城区", "游仙区", "安州区", "三台县", "盐亭县", "梓潼县", "北川羌族自治县", "平武县"]},
}
DEPARTMENTS = [
    "商务局", "教育局", "公安局", "民政局", "司法局", "财政局", "人力资源和社会保障局", "自然资源局",
    "生态环境局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "卫生健康委员会",
    "退役军人事务局", "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局", "林业局",
    "文化广电和旅游局", "发展和改革委员会", "工业和信息化局", "城市管理局", "信访局",
]
TOPICS = [
    "疫情防控", "行政复议", "行政诉讼", "政务公开", "营商环境", "乡村振兴", "安全生产", "生态保护",
    "义务教育", "社会保障", "医疗保险", "城乡规划", "征地拆迁", "棚户区改造", "食品安全", "消费维权",
    "招商引资", "对外贸易", "电子商务", "就业创业", "养老服务", "防汛抗旱", "河长制", "垃圾分类",
    "老旧小区改造", "双随机一公开", "放管服改革", "一网通办", "政策解读", "依申请公开", "12345热线",
    "重大行政决策", "财政预决算", "政府采购", "行政许可", "行政处罚", "信用体系", "数字政府",
]
SENTENCES = [
    "{year}年，{agency}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《中华人民共和国政府信息公开条例》。",
    "围绕{topic}等重点领域，及时主动公开政府信息{n}条，其中政策文件{m}件。",
    "全年共收到政府信息公开申请{n}件，均在法定期限内予以答复。",
    "通过政府网站、政务新媒体等渠道发布{topic}相关信息{n}条，开展政策解读{m}次。",
    "进一步规范依申请公开办理流程，完善登记、审核、办理、答复、归档等环节。",
    "加强政府信息公开平台建设，优化{topic}专栏，提升信息发布质量。",
    "本年度因政府信息公开工作被申请行政复议{m}件，提起行政诉讼{k}件。",
    "组织开展{topic}专题培训{m}次，参训人员{n}人次。",
    "存在的主要问题：{topic}信息公开的及时性和全面性有待提高，政策解读形式较为单一。",
    "下一步，将持续深化{topic}领域信息公开，回应社会关切，保障人民群众知情权、参与权、监督权。",
    "本单位未收取信息处理费。",
    "依托{region}政务服务平台，推进{topic}事项“一网通办”，办件{n}件。",
    "通过ＡＰＰ和微信公众号推送{topic}信息{n}条，群众可拨打１２３４５热线咨询。",
    "落实{topic}工作责任制，建立健全信息公开工作台账，做到应公开尽公开。",
]
TABLE_LABELS = [
    "规章 本年制发件数", "规范性文件 本年制发件数", "行政许可 本年处理决定数量", "行政处罚 本年处理决定数量",
    "行政事业性收费 本年收费金额（单位：万元）", "本年新收政府信息公开申请数量 自然人",
    "本年新收政府信息公开申请数量 法人或其他组织 商业企业", "予以公开", "部分公开",
    "不予公开 属于国家秘密", "本机关不掌握相关政府信息", "申请人无正当理由大量反复申请",
    "行政复议 结果维持", "行政复议 结果纠正", "行政诉讼 未经复议直接起诉 结果维持",
    "行政诉讼 复议后起诉 尚未审结", "结转下年度继续办理",
]
LEVELS = ["设区的市人民政府", "设区的市部门", "县级人民政府", "县级部门", "乡镇人民政府"]
RARE = "璞琮珩玥琬瑄璟骐骅骁淞沅洹溱浍渑漯"


def _common_chars() -> str:
    """The 3,755 level-1 characters of GB 2312 (the most frequent hanzi), in code order."""
    out = []
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                out.append(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return "".join(out)


def _vocabulary(rng: random.Random, size: int = 8000) -> list[str]:
    chars = _common_chars()
    return ["".join(rng.choice(chars) for _ in range(rng.choice((2, 2, 2, 3, 4)))) for _ in range(size)]


def _regions() -> list[tuple[str, str, str]]:
    return [(p, c, d) for p, cities in PROVINCES.items() for c, counties in cities.items() for d in counties]


def generate(count: int, seed: int = 20240601, years: tuple[int, ...] = tuple(range(2016, 2025)),
             sentences: int = 30) -> Iterator[SearchDoc]:
    """Yield ``count`` reports; the same arguments always give the same documents."""
    rng = random.Random(seed)
    regions = _regions()
    vocab = _vocabulary(rng)
    # Zipf-like weights: a few words are everywhere, most are rare, as in real prose
    weights = [1.0 / (r + 10) for r in range(len(vocab))]
    cum = list(itertools.accumulate(weights))
    # agencies: (region path, name, level); county departments, county governments, city departments
    agencies: list[tuple[tuple[str, ...], str, str]] = []
    for p, c, d in regions:
        agencies.append(((p, c, d), d + "人民政府", "县级人民政府"))
        for dep in DEPARTMENTS:
            agencies.append(((p, c, d), d + dep, "县级部门"))
    for p, cities in PROVINCES.items():
        for c in cities:
            agencies.append(((p, c), c + "人民政府", "设区的市人民政府"))
            for dep in DEPARTMENTS:
                agencies.append(((p, c), c + dep, "设区的市部门"))
    for i in range(count):
        region, agency, level = agencies[i % len(agencies)]
        year = years[(i // len(agencies) + rng.randrange(len(years))) % len(years)]
        topics = rng.sample(TOPICS, 4)
        parts = []
        for _ in range(sentences):
            s = rng.choice(SENTENCES)
            parts.append(s.format(year=year, agency=agency, topic=rng.choice(topics), region=region[-1],
                                  n=rng.randrange(1, 5000), m=rng.randrange(1, 60), k=rng.randrange(0, 5)))
            if rng.random() < 0.5:  # free prose from the Zipf vocabulary
                parts.append("".join(rng.choices(vocab, cum_weights=cum, k=rng.randrange(4, 14))) + "。")
            if rng.random() < 0.15:  # a long tail of names: projects, places, people's titles
                parts.append("“" + "".join(rng.choice(RARE) for _ in range(2)) + rng.choice(topics) + "”项目")
        labels = rng.sample(TABLE_LABELS, rng.randrange(3, len(TABLE_LABELS)))
        text = "\n".join(["一、总体情况", "".join(parts[: sentences // 2]), "五、存在的主要问题及改进情况",
                          "".join(parts[sentences // 2:]), "六、其他需要报告的事项", " ".join(labels)])
        yield SearchDoc(
            url=f"{year}/doc-{i:06d}/",
            title=f"{agency}{year}年政府信息公开工作年度报告",
            agency=agency,
            year=year,
            region=region,
            level=level,
            text=text,
        )
