"""Diagnostics: every problem found in a file, with where it is and which rule it breaks.

Stages never raise for content mistakes; they return diagnostics, so that one run reports all
problems of all files (MkDocs-style collection rather than fail-fast).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Iterable

ERROR = "error"
WARNING = "warning"

_SEVERITY_ZH = {ERROR: "错误", WARNING: "警告"}


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem: ``path:line:column: 错误 [rule] message``."""

    path: str
    line: int  # 1-based; 0 when the problem concerns the whole file
    column: int  # 1-based; 0 when unknown
    severity: str
    rule: str  # "R1" … "R13", or a structural code: "toml", "key", "type", "encoding" …
    message: str
    #: The table cells at fault, as ``("table.field", index of the value in the field)``, so that a
    #: page can mark them; empty when the problem is not about cells (prose, metadata, a file).
    cells: tuple[tuple[str, int], ...] = ()

    @property
    def is_error(self) -> bool:
        """True for errors (which stop a build), False for warnings."""
        return self.severity == ERROR

    def format(self) -> str:
        """The one-line human form, in Chinese, as printed by ``govsite check``."""
        where = self.path
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        return f"{where}: {_SEVERITY_ZH[self.severity]} [{self.rule}] {self.message}"


def error(path: str, line: int, rule: str, message: str, column: int = 0,
          cells: tuple[tuple[str, int], ...] = ()) -> Diagnostic:
    """An error diagnostic."""
    return Diagnostic(path, line, column, ERROR, rule, message, cells)


def warning(path: str, line: int, rule: str, message: str, column: int = 0,
            cells: tuple[tuple[str, int], ...] = ()) -> Diagnostic:
    """A warning diagnostic."""
    return Diagnostic(path, line, column, WARNING, rule, message, cells)


def ordered(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics by file and line, duplicates dropped, rule order kept within a line (R1 of every
    column before R2 …, as the format description lists them), not alphabetical by message."""
    unique = list(dict.fromkeys(diags))
    return sorted(unique, key=lambda d: (d.path, d.line))


def to_json(diags: Iterable[Diagnostic]) -> str:
    """The diagnostics as a JSON array (``govsite check --format json``)."""
    return json.dumps([asdict(d) for d in diags], ensure_ascii=False, indent=2)


def summary(diags: list[Diagnostic]) -> str:
    """``2 个错误，1 个警告`` — the closing line of a check."""
    errors = sum(d.is_error for d in diags)
    return f"{errors} 个错误，{len(diags) - errors} 个警告"


class GovsiteError(Exception):
    """A usage or configuration problem that stops a command (exit code 2), shown without traceback."""
