"""The 2021 format: 《中华人民共和国政府信息公开工作年度报告格式》, 国办公开办函〔2021〕30号.

Governs reports for 2021 onward (spec §1). Table 1 per spec §3.1, Table 2 per §4.2 with
（六）其他处理 split into three sub-items, Table 3 per §5.
"""

from .common import (
    DECISIONS, OTHER, RESULTS, REVIEWS_TABLE, app_row, applications_table, standard_equations,
)
from .schema import Column, Field, Format, Kind, Row, Section, Table

_DOCS = (Column(("本年制发件数",), key="issued"), Column(("本年废止件数",), key="repealed"),
         Column(("现行有效件数",), key="in_force"))
_FEES = Column(("本年收费金额（单位：万元）",), kind=Kind.AMOUNT, span=3, key="amount")

ACTIVE = Table(
    key="active",
    title="主动公开政府信息情况",
    section="二、主动公开政府信息情况",
    layout="sections",
    sections=(
        Section("第二十条第（一）项", "信息内容", _DOCS, (
            Row(("规章",), (Field("rules", "规章", _DOCS),)),
            Row(("行政规范性文件",), (Field("normative_documents", "行政规范性文件", _DOCS),),
                aliases=("规范性文件",)),
        )),
        Section("第二十条第（五）项", "信息内容", (DECISIONS,), (
            Row(("行政许可",), (Field("licensing", "行政许可", (DECISIONS,)),)),
        )),
        Section("第二十条第（六）项", "信息内容", (DECISIONS,), (
            Row(("行政处罚",), (Field("penalties", "行政处罚", (DECISIONS,)),)),
            Row(("行政强制",), (Field("coercive_measures", "行政强制", (DECISIONS,)),)),
        )),
        Section("第二十条第（八）项", "信息内容", (_FEES,), (
            Row(("行政事业性收费",), (Field("fees", "行政事业性收费", (_FEES,)),)),
        )),
    ),
)

APPLICATIONS = applications_table((
    app_row("other_no_correction", "（六）1", RESULTS, OTHER,
            "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
            aliases=("1.申请人无正当理由逾期不补正，行政机关不再处理其政府信息公开申请",)),
    app_row("other_unpaid", "（六）2", RESULTS, OTHER,
            "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
            aliases=("2.申请人逾期未按收费通知要求缴纳费用，行政机关不再处理其政府信息公开申请",)),
    app_row("other_misc", "（六）3", RESULTS, OTHER, "3.其他"),
))

FORMAT = Format(
    version="2021",
    document="国办公开办函〔2021〕30号",
    name="中华人民共和国政府信息公开工作年度报告格式",
    years=(2021, None),
    tables=(ACTIVE, APPLICATIONS, REVIEWS_TABLE),
    equations=standard_equations(APPLICATIONS),
    fee_section_required=True,
)
