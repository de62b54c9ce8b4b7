"""``govsite import FILE|DIR...``: published reports (PDF, text, crawled page text, HTML, .docx) → report files.

For each input it prints what the importer decided or could not read (with the source line), then
the checks of the written report. A failed rule there is a fact about the published report, not
an import failure, and the two lists say so. A folder is imported file by file; one bad file never
stops the others, a progress bar shows on a terminal, and a summary table closes the run.

Exit codes: 0 every input written (missing cells and the source's own rule breaks are warnings);
1 some input could not be imported (unreadable, not a report, a file already there without
``--force``); 2 usage (bad options).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from ..agency import slug_for
from ..check import check_report
from ..content_file import write_new_file
from ..diagnostics import Diagnostic, GovsiteError, summary
from ..formats import Format
from ..load import display_path, load_bytes
from ..model import LEVELS, Report
from ..progress import for_args
from .new import check_slug, parse_region

#: File name endings taken from a folder (a file named on the command line is always tried: the
#: importer tells the kind from the content).
FOLDER_SUFFIXES = (".pdf", ".txt", ".text", ".htm", ".html", ".shtml", ".xhtml", ".docx", ".md")
_STRUCTURAL = ("toml", "key", "type", "shape", "value", "slug", "front-matter")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``import`` subcommand."""
    p = subparsers.add_parser(
        "import", help="导入已发布的年度报告（PDF、文本、网页抓取文本、HTML、.docx），可导入整个目录",
        description="把已发布的年度报告转换为 content/<年度>/<slug>.md。输入类型按内容识别：PDF（按表格线读取单元格）、"
                    "制表符/竖线分隔的文本、每行一个单元格的文本、pdftotext -layout 的输出、网页抓取的单行文本、"
                    "HTML 网页、.docx 文档。给出目录时导入其中所有报告文件，一个文件失败不影响其他文件，最后列出汇总表。"
                    "无法确定的单元格不会被猜测，而是记入 missing 并给出说明。"
                    "退出码：0 全部写入（原文本身违反勾稽关系只作警告）；1 有文件未能导入；2 参数错误。",
    )
    p.add_argument("files", nargs="+", metavar="FILE|DIR", help="要导入的文件或目录")
    p.add_argument("-o", "--output", metavar="DIR", help="内容目录（默认为站点的 content/）")
    p.add_argument("--year", type=int, help="报告年度（默认取自标题或正文）")
    p.add_argument("--agency", help="机关全称（默认取自标题或正文）")
    p.add_argument("--slug", help="文件名（只能导入一个文件时使用；默认由机关名称的拼音生成）")
    p.add_argument("--region", help="行政区划，用 / 分隔，例如 江苏省/淮安市/洪泽区（默认按机关名称推定并补全到省级）")
    p.add_argument("--level", help=f"机关层级：{'、'.join(LEVELS)}（默认按机关名称推定）")
    p.add_argument("--dry-run", action="store_true", help="只显示将写入的内容和检查结果，不写文件")
    p.add_argument("--force", action="store_true", help="覆盖已存在的文件")
    p.set_defaults(run=run)


@dataclass
class Outcome:
    """What became of one input, for the summary table."""

    source: str
    written: str = ""  # the report file written (or that would be, with --dry-run)
    agency: str = ""
    year: int | None = None
    missing_cells: int = 0
    source_errors: int = 0  # rule breaks of the published report (R1–R4 …), found by check
    problem: str = ""  # why the input was not imported
    dry_run: bool = False  # written only on screen (--dry-run)

    @property
    def imported(self) -> bool:
        """True when the input became a report file."""
        return not self.problem


def check_text(shown: str, slug: str, text: str) -> tuple[Report | None, list[Diagnostic]]:
    """Load and check a report file's text as ``govsite check`` would, without writing it."""
    report, diags = load_bytes(shown, slug, text.encode("utf-8"))
    if report is not None:
        diags = diags + check_report(report)
    return report, diags


def missing_cells(fmt: Format, missing: list[str]) -> int:
    """How many cells the ``missing`` entries (tables or ``table.field``) stand for."""
    count = 0
    for entry in missing:
        table, _, key = entry.partition(".")
        try:
            fields = [fmt.field(entry)] if key else list(fmt.table(table).fields())
        except KeyError:
            continue
        count += sum(f.width for f in fields)
    return count


def expand_inputs(names: list[str]) -> list[Path]:
    """The files to import: named files as given, folders walked for report files, in name order."""
    out: list[Path] = []
    for name in names:
        path = Path(name)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in FOLDER_SUFFIXES
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
            if not found:
                raise GovsiteError(f"目录 {name} 中没有可导入的报告文件（{'、'.join(FOLDER_SUFFIXES)}）")
            out += found
        else:
            out.append(path)
    return out


def run(args: argparse.Namespace) -> int:
    """Import every input; report per input; nothing is written for an input that cannot be imported."""
    site = Path(args.site)
    out_dir = Path(args.output) if args.output else site / "content"
    if args.slug:
        check_slug(args.slug)
    if args.level is not None and args.level not in LEVELS:
        raise GovsiteError(f"--level {args.level!r} 不在可选值中：{'、'.join(LEVELS)}")
    region = parse_region(args.region)
    sources = expand_inputs(args.files)
    if args.slug and len(sources) > 1:
        raise GovsiteError("--slug 只能在导入一个文件时使用")
    batch = len(sources) > 1

    outcomes: list[Outcome] = []
    with for_args(args) as progress:
        if batch:
            progress.stage("导入", total=len(sources), unit="个文件")
        for src in sources:
            shown = display_path(src, site)
            try:
                outcomes.append(import_one(src, shown, args, site, out_dir, region))
            except Exception as exc:  # one bad file never stops a batch; a bug is named, not hidden
                if not batch:
                    raise
                message = f"{shown}：导入时发生内部错误（{type(exc).__name__}: {exc}），这是 govsite 的错误，请报告；未写入任何文件"
                print(f"govsite: 错误：{message}", file=sys.stderr)
                outcomes.append(Outcome(shown, problem="内部错误"))
            progress.advance()
    if batch:
        print_summary(outcomes)
    return 1 if any(not o.imported for o in outcomes) else 0


def _fail(shown: str, message: str) -> Outcome:
    print(f"govsite: 错误：{message}", file=sys.stderr)
    return Outcome(shown, problem=message)


def import_one(src: Path, shown: str, args: argparse.Namespace, site: Path, out_dir: Path,
               region: list[str] | None) -> Outcome:
    """Import one input, print what was decided and checked, write the file; the outcome says how it went."""
    from ..importer import UnreadableInput, import_file
    from ..importer.document import KIND_LABELS

    try:
        result = import_file(src, year=args.year, agency=args.agency, region=region, level=args.level, shown=shown)
    except UnreadableInput as exc:
        return _fail(shown, f"{exc}；未写入任何文件")
    agency, year = result.meta["agency"], result.meta["year"]
    slug = args.slug or slug_for(agency)
    if not slug:
        return _fail(shown, f"{result.source}：无法由机关名称“{agency}”生成文件名，请用 --slug 指定；未写入任何文件")
    path = out_dir / str(year) / f"{slug}.md"
    target = display_path(path, site)
    text = result.text()
    _, diags = check_text(target, slug, text)
    structural = [d for d in diags if d.rule in _STRUCTURAL]
    outcome = Outcome(result.source, target, agency, year, missing_cells(result.format, result.missing),
                      sum(d.is_error for d in diags if d not in structural))
    if not args.quiet:
        _print_details(result, target, diags, structural, KIND_LABELS)
    if args.dry_run:
        print("--- 将写入的内容（--dry-run，未写文件）---")
        print(text, end="")
        outcome.dry_run = True
        return outcome
    try:
        write_new_file(path, text, force=args.force)
    except FileExistsError:
        return _fail(result.source, f"{target} 已存在；如确需覆盖，请加 --force（未写入）")
    except OSError as exc:
        return _fail(result.source, f"无法写入 {target}：{exc.strerror}")
    if not args.quiet:
        print(f"已写入 {target}")
    return outcome


def _print_details(result, target: str, diags: list[Diagnostic], structural: list[Diagnostic], kinds: dict[str, str]) -> None:
    """The import notes and the checks of one written report, apart."""
    print(f"== {result.source}（{kinds.get(result.kind, result.kind)}）→ {target}")
    print(f"   {result.meta['agency']} {result.meta['year']} 年度，{result.format.version} 年版格式（{result.format.document}）")
    if result.notes:
        print(f"导入说明（{len(result.notes)} 条：导入时的判断、各项信息的来源和无法读取的内容）：")
        for d in result.notes:
            print("  " + d.format())
    if result.missing:
        print(f"缺失（未填任何猜测的数字，已写入 missing）：{', '.join(result.missing)}")
    if structural:  # pragma: no cover - the importer writes valid files; a bug if it does not
        print("导入结果不是有效的报告文件（这是 govsite 的错误，请报告）：")
    if diags:
        print(f"原文校验（{summary(diags)}；这些是所发布报告本身的问题，不是导入错误）：")
        for d in structural + [d for d in diags if d not in structural]:
            print("  " + d.format())


SUMMARY_COLUMNS = ("文件", "结果", "机关和年度", "缺失单元格", "原文违反规则")


def summary_rows(outcomes: list[Outcome]) -> list[tuple[str, ...]]:
    """One row per input for the closing table."""
    rows = []
    for o in outcomes:
        if o.imported:
            result = f"可导入 → {o.written}（--dry-run，未写文件）" if o.dry_run else f"已导入 → {o.written}"
            rows.append((o.source, result, f"{o.agency} {o.year}", str(o.missing_cells), str(o.source_errors)))
        else:
            rows.append((o.source, "未导入", "", "", ""))
    return rows


def print_summary(outcomes: list[Outcome]) -> None:
    """The summary table of a batch (a rich table on a terminal, tab-separated lines otherwise)."""
    done = [o for o in outcomes if o.imported]
    total = (f"共 {len(outcomes)} 个文件：已导入 {len(done)} 个，未导入 {len(outcomes) - len(done)} 个；"
             f"缺失单元格 {sum(o.missing_cells for o in done)} 个；原文违反规则 {sum(o.source_errors for o in done)} 处")
    rows = summary_rows(outcomes)
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(*SUMMARY_COLUMNS, title="导入汇总", caption=total)
        for row in rows:
            table.add_row(*row)
        Console().print(table)
        return
    print("导入汇总：")
    print("\t".join(SUMMARY_COLUMNS))
    for row in rows:
        print("\t".join(row))
    print(total)
