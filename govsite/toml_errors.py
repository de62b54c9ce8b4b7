"""Every syntax error of a TOML front matter, not just the first.

The TOML parser stops at the first error, so each further mistake would cost the user another
fix-and-rerun. After that first error, the front matter is read again statement by statement —
a statement being a line, or a value spread over several lines up to the next line that starts a
statement — and each statement that fails on its own is reported at its line, with the same
Chinese explanation as the first.
"""

from __future__ import annotations

import re

from .diagnostics import Diagnostic
from .frontmatter import _DECODE_ERRORS, SplitFile, _toml, toml_error

#: A line that begins a new statement: a table header or ``key =`` / ``a.b =``.
_STATEMENT = re.compile(r"^\s*(\[|[A-Za-z0-9_\-\"']+\s*[.=])")

#: More would be noise: by then the file is not TOML at all.
MAX_ERRORS = 50


def statement_errors(path: str, sf: SplitFile) -> list[Diagnostic]:
    """The syntax error of each statement of ``sf.front`` that fails when parsed on its own."""
    lines = sf.front.split("\n")
    found: list[Diagnostic] = []
    i = 0
    while i < len(lines) and len(found) < MAX_ERRORS:
        end, problem = _statement(lines, i)
        if problem is not None:
            found.append(toml_error(path, SplitFile("\n".join(lines[i:end]), sf.front_line + i, "", 0), problem))
        i = end
    return found


def _statement(lines: list[str], start: int) -> tuple[int, str | None]:
    """The end (exclusive) of the statement starting at ``start`` and its error, if it has one.

    A line that fails alone is extended by the lines after it until it parses (a value over
    several lines) or the next statement begins; then the line alone is the failing statement.
    """
    first = _parse(lines[start])
    if first is None:
        return start + 1, None
    end = start + 1
    while end < len(lines) and not _STATEMENT.match(lines[end]):
        end += 1
        if _parse("\n".join(lines[start:end])) is None:
            return end, None
    return start + 1, first


def _parse(text: str) -> str | None:
    """The parser's message for ``text``, or None when it is valid TOML."""
    try:
        _toml.loads(text)
    except _DECODE_ERRORS as exc:
        return str(exc)
    except (RecursionError, ValueError) as exc:
        return str(exc)
    return None


def later_errors(path: str, sf: SplitFile, first: Diagnostic) -> list[Diagnostic]:
    """The syntax errors after ``first`` (the parser's own error), each at its own line."""
    return [d for d in statement_errors(path, sf) if d.line > first.line]
