"""The columns of the open-data files other than the cells, with what each holds (zh-CN, as the
codebook, the data package and the data page describe them)."""

from __future__ import annotations

from ..model import META_KEYS

#: The columns of a report's long CSV.
LONG_COLUMNS: tuple[tuple[str, str], ...] = (
    ("key", "单元格键（见代码本 codebook）"),
    ("row", "行的官方标签（最末一级）"),
    ("column", "列的官方标签（最末一级）"),
    ("value", "数值：计数为整数，金额为原样的十进制文本；原文空白或未填报为空"),
)

#: The columns that say which report a row is about (year CSVs, checks, ``govsite export``).
REPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("year", "报告年度"),
    ("slug", "报告标识（网址中的名称）"),
    ("agency", "机关全称"),
)

#: The metadata keys of a year's wide CSV (those the content model marks for it), in their order.
YEAR_META_KEYS: tuple[str, ...] = tuple(m.key for m in META_KEYS if m.in_year_csv)

#: The metadata columns of a year's wide CSV, before the cell columns.
META_COLUMNS: tuple[tuple[str, str], ...] = REPORT_COLUMNS + tuple(
    (m.key, m.described) for m in META_KEYS if m.in_year_csv) + (
    ("errors", "校验错误数"),
    ("warnings", "校验警告数"),
)

#: The columns of a year's checks file.
CHECK_COLUMNS: tuple[tuple[str, str], ...] = REPORT_COLUMNS + (
    ("rule", "规则编号（见数据说明页）"),
    ("severity", "级别：error 错误，warning 警告"),
    ("cells", "涉及的单元格键，以空格分隔（不涉及具体单元格则为空）"),
    ("message", "校验结果说明"),
)

#: ``govsite export --format csv``: which report, then the long form of its cells.
EXPORT_COLUMNS: tuple[tuple[str, str], ...] = REPORT_COLUMNS + LONG_COLUMNS

#: Frictionless types of the columns above (every other one is a string).
COLUMN_TYPES = {"year": "integer", "errors": "integer", "warnings": "integer", "published": "date"}
