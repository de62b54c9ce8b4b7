"""The 2019 trial format: 《中华人民共和国政府信息公开工作年度报告格式（试行）》, 国办公开办函〔2019〕60号.

Governs reports for 2019 and 2020 (spec §1). Table 1 per spec §3.2 (item counts and 政府集中采购),
Table 2 per §4.3 with （六）其他处理 as one leaf row, Table 3 per §5. R10: no arithmetic between
上一年项目数量, 本年增/减 and 处理决定数量 — so Table 1 carries no equations.
"""

from .common import OTHER, RESULTS, REVIEWS_TABLE, app_row, applications_table, standard_equations
from .schema import Column, Field, Format, Kind, Row, Section, Table

# Column keys differ from 2021's wherever the meaning does (spec §6.1–6.3): 2019 counts documents
# made / published / public in total, 2021 issued / repealed / in force; 2019 counts fee items, 2021
# an amount.
_DOCS = (Column(("本年新制作数量",), key="made"), Column(("本年新公开数量",), key="published"),
         Column(("对外公开总数量",), key="public_total"))
_LAST_ITEMS = Column(("上一年项目数量",), key="items_last_year")
_CHANGE = Column(("本年增/减",), kind=Kind.SIGNED, key="items_change")
_ITEMS = (_LAST_ITEMS, _CHANGE, Column(("处理决定数量",), key="decisions"))
# Rows 14–18: the fourth grid cell is empty (spec §3.2 notes).
_FEE_ITEMS = (_LAST_ITEMS, _CHANGE, Column((), kind=Kind.EMPTY))
_PROCUREMENT = (
    Column(("采购项目数量",), key="projects"),
    # No unit in the label (spec §3.2): the cell's text says 元 or 万元.
    Column(("采购总金额",), kind=Kind.AMOUNT, units=("元", "万元"), key="amount"),
    Column((), kind=Kind.EMPTY),
)

ACTIVE = Table(
    key="active",
    title="主动公开政府信息情况",
    section="二、主动公开政府信息情况",
    layout="sections",
    sections=(
        Section("第二十条第（一）项", "信息内容", _DOCS, (
            Row(("规章",), (Field("rules", "规章", _DOCS),)),
            Row(("规范性文件",), (Field("normative_documents", "规范性文件", _DOCS),),
                aliases=("行政规范性文件",)),
        )),
        Section("第二十条第（五）项", "信息内容", _ITEMS, (
            Row(("行政许可",), (Field("licensing", "行政许可", _ITEMS),)),
            Row(("其他对外管理服务事项",), (Field("other_services", "其他对外管理服务事项", _ITEMS),)),
        )),
        Section("第二十条第（六）项", "信息内容", _ITEMS, (
            Row(("行政处罚",), (Field("penalties", "行政处罚", _ITEMS),)),
            Row(("行政强制",), (Field("coercive_measures", "行政强制", _ITEMS),)),
        )),
        Section("第二十条第（八）项", "信息内容", _FEE_ITEMS, (
            Row(("行政事业性收费",), (Field("fees", "行政事业性收费", _FEE_ITEMS),)),
        )),
        Section("第二十条第（九）项", "信息内容", _PROCUREMENT, (
            Row(("政府集中采购",), (Field("procurement", "政府集中采购", _PROCUREMENT),)),
        )),
    ),
)

APPLICATIONS = applications_table((
    app_row("other", "（六）", RESULTS, OTHER),
))

FORMAT = Format(
    version="2019",
    document="国办公开办函〔2019〕60号",
    name="中华人民共和国政府信息公开工作年度报告格式（试行）",
    years=(2019, 2020),
    tables=(ACTIVE, APPLICATIONS, REVIEWS_TABLE),
    equations=standard_equations(APPLICATIONS),
)
