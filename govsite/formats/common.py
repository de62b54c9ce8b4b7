"""Pieces both format versions share (spec §6: Table 2's columns, Table 3, the section headings),
and the builders that expand a 勾稽 rule into one equation per column or row (spec §7)."""

from __future__ import annotations

from .schema import CellRef, Column, Equation, Field, Kind, Row, Table

#: The six statutory sections, in order (spec §2), with stable ASCII anchors for deep links.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("s1", "一、总体情况"),
    ("s2", "二、主动公开政府信息情况"),
    ("s3", "三、收到和处理政府信息公开申请情况"),
    ("s4", "四、政府信息公开行政复议、行政诉讼情况"),
    ("s5", "五、存在的主要问题及改进情况"),
    ("s6", "六、其他需要报告的事项"),
)

#: Agency levels, the values of the ``level`` metadata key, each with whether it can make 规章
#: (spec §7 R11; 条例第四十九条 sets the deadlines of 部门 and 人民政府).
LEVELS: dict[str, bool] = {
    "国务院部门": True,
    "省级人民政府": True,
    "省级部门": False,
    "设区的市人民政府": True,
    "设区的市部门": False,
    "县级人民政府": False,
    "县级部门": False,
    "乡镇人民政府": False,
    "其他": False,
}

#: Sections whose prose is required (spec §2: 一, 五, 六 are free prose; 二–四 are tables).
PROSE_SECTIONS = ("s1", "s5", "s6")

# --- Table 2: 收到和处理政府信息公开申请情况 (spec §4) ------------------------------------------

LEGAL = "法人或其他组织"
APPLICANT_COLUMNS: tuple[Column, ...] = (
    Column(("自然人",), key="natural_person"),
    Column((LEGAL, "商业企业"), key="business"),
    Column((LEGAL, "科研机构"), key="research"),
    Column((LEGAL, "社会公益组织"), key="public_interest"),
    Column((LEGAL, "法律服务机构"), key="legal_service"),
    Column((LEGAL, "其他"), key="other_organisation"),
    Column(("总计",), key="total"),
)

RESULTS = "三、本年度办理结果"
WITHHELD = "（三）不予公开"
UNAVAILABLE = "（四）无法提供"
NOT_PROCESSED = "（五）不予处理"
OTHER = "（六）其他处理"


def app_row(key: str, short: str, *path: str, aliases: tuple[str, ...] = ()) -> Row:
    """A Table 2 row: one field of the 7 applicant columns."""
    return Row(path, (Field(key, short, APPLICANT_COLUMNS),), aliases)


APPLICATION_ROWS_HEAD: tuple[Row, ...] = (
    app_row("new_requests", "一", "一、本年新收政府信息公开申请数量"),
    app_row("carried_over", "二", "二、上年结转政府信息公开申请数量"),
    app_row("granted", "（一）", RESULTS, "（一）予以公开"),
    app_row("partly_granted", "（二）", RESULTS, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    app_row("withheld_state_secret", "（三）1", RESULTS, WITHHELD, "1.属于国家秘密"),
    app_row("withheld_prohibited", "（三）2", RESULTS, WITHHELD, "2.其他法律行政法规禁止公开",
            aliases=("2.其他法律法规禁止公开",)),
    app_row("withheld_security", "（三）3", RESULTS, WITHHELD, "3.危及“三安全一稳定”"),
    app_row("withheld_third_party", "（三）4", RESULTS, WITHHELD, "4.保护第三方合法权益"),
    app_row("withheld_internal", "（三）5", RESULTS, WITHHELD, "5.属于三类内部事务信息"),
    app_row("withheld_process", "（三）6", RESULTS, WITHHELD, "6.属于四类过程性信息"),
    app_row("withheld_case_file", "（三）7", RESULTS, WITHHELD, "7.属于行政执法案卷"),
    app_row("withheld_inquiry", "（三）8", RESULTS, WITHHELD, "8.属于行政查询事项"),
    app_row("unavailable_not_held", "（四）1", RESULTS, UNAVAILABLE, "1.本机关不掌握相关政府信息"),
    app_row("unavailable_to_create", "（四）2", RESULTS, UNAVAILABLE, "2.没有现成信息需要另行制作"),
    app_row("unavailable_unclear", "（四）3", RESULTS, UNAVAILABLE, "3.补正后申请内容仍不明确"),
    app_row("rejected_complaint", "（五）1", RESULTS, NOT_PROCESSED, "1.信访举报投诉类申请"),
    app_row("rejected_repeat", "（五）2", RESULTS, NOT_PROCESSED, "2.重复申请"),
    app_row("rejected_publication", "（五）3", RESULTS, NOT_PROCESSED, "3.要求提供公开出版物"),
    app_row("rejected_excessive", "（五）4", RESULTS, NOT_PROCESSED, "4.无正当理由大量反复申请"),
    app_row("rejected_confirmation", "（五）5", RESULTS, NOT_PROCESSED, "5.要求行政机关确认或重新出具已获取信息"),
)

APPLICATION_ROWS_TAIL: tuple[Row, ...] = (
    app_row("total", "（七）总计", RESULTS, "（七）总计"),
    app_row("carried_forward", "四", "四、结转下年度继续办理"),
)

APPLICATIONS_TITLE = "收到和处理政府信息公开申请情况"
APPLICATIONS_CORNER = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


def applications_table(other_rows: tuple[Row, ...]) -> Table:
    """Table 2 with the given （六）其他处理 rows (one leaf in 2019, three sub-items in 2021)."""
    return Table(
        key="applications",
        title=APPLICATIONS_TITLE,
        section="三、收到和处理政府信息公开申请情况",
        layout="grid",
        columns=APPLICANT_COLUMNS,
        rows=APPLICATION_ROWS_HEAD + other_rows + APPLICATION_ROWS_TAIL,
        caption="申请人情况",
        corner=APPLICATIONS_CORNER,
    )


# --- Table 3: 政府信息公开行政复议、行政诉讼情况 (spec §5) -------------------------------------

OUTCOMES = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
OUTCOME_KEYS = ("upheld", "corrected", "other", "pending", "total")


def _outcome_columns(*group: str) -> tuple[Column, ...]:
    return tuple(Column(group + (o,), key=k) for o, k in zip(OUTCOMES, OUTCOME_KEYS))


REVIEW_COLUMNS = _outcome_columns("行政复议")
DIRECT_COLUMNS = _outcome_columns("行政诉讼", "未经复议直接起诉")
AFTER_REVIEW_COLUMNS = _outcome_columns("行政诉讼", "复议后起诉")

REVIEWS_TABLE = Table(
    key="reviews",
    title="政府信息公开行政复议、行政诉讼情况",
    section="四、政府信息公开行政复议、行政诉讼情况",
    layout="grid",
    columns=REVIEW_COLUMNS + DIRECT_COLUMNS + AFTER_REVIEW_COLUMNS,
    rows=(
        Row((), (
            Field("administrative_review", "行政复议", REVIEW_COLUMNS),
            Field("litigation_direct", "未经复议直接起诉", DIRECT_COLUMNS),
            Field("litigation_after_review", "复议后起诉", AFTER_REVIEW_COLUMNS),
        )),
    ),
)

# --- Table 1 column shorthands (spec §3) ----------------------------------------------------------

# The key is the 2019 column 处理决定数量's: the 2021 format kept that column and dropped the item
# counts beside it (spec §6.2), so both name the decisions of the year.
DECISIONS = Column(("本年处理决定数量",), span=3, key="decisions")


# --- Rule builders (spec §7) --------------------------------------------------------------------


def _ref(table: Table, key: str, index: int, label: str | None = None) -> CellRef:
    f = next(f for f in table.fields() if f.key == key)
    return CellRef(f"{table.key}.{key}", index, label if label is not None else f.short)


def column_equations(rule: str, table: Table, left: tuple[str, ...], right: tuple[str, ...],
                     anchor: str) -> tuple[Equation, ...]:
    """For every column c: Σ left[c] = Σ right[c] (R1, R3); failures point at field ``anchor``."""
    out = []
    for i, col in enumerate(table.columns):
        out.append(Equation(
            rule,
            f"{table.title} · {col.label}",
            tuple(_ref(table, k, i) for k in left),
            tuple(_ref(table, k, i) for k in right),
            f"{table.key}.{anchor}",
        ))
    return tuple(out)


def row_total_equations(rule: str, table: Table, keys: tuple[str, ...], total_index: int) -> tuple[Equation, ...]:
    """For every field: its value at ``total_index`` = the sum of the values before it (R2, R4)."""
    out = []
    for key in keys:
        f = next(f for f in table.fields() if f.key == key)
        row = table.row_of(key)
        where = row.label if row.path else f.short
        labels = [c.label for c in f.value_columns]
        out.append(Equation(
            rule,
            f"{table.title} · {where}",
            (_ref(table, key, total_index, labels[total_index]),),
            tuple(_ref(table, key, i, labels[i]) for i in range(total_index)),
            f"{table.key}.{key}",
        ))
    return tuple(out)


def standard_equations(applications: Table) -> tuple[Equation, ...]:
    """R1–R4 of spec §7 for a format whose Table 2 is ``applications``."""
    keys = tuple(f.key for f in applications.fields())
    outcome_keys = tuple(k for k in keys if k not in ("new_requests", "carried_over", "total", "carried_forward"))
    return (
        column_equations("R1", applications, ("new_requests", "carried_over"), ("total", "carried_forward"),
                           "total")
        + row_total_equations("R2", applications, keys, 6)
        + column_equations("R3", applications, ("total",), outcome_keys, "total")
        + row_total_equations("R4", REVIEWS_TABLE, tuple(f.key for f in REVIEWS_TABLE.fields()), 4)
    )
