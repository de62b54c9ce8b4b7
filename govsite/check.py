"""Stage 2 — check: loaded reports → diagnostics of the rules declared in
:mod:`govsite.formats.rules` (spec §7 and the content model).

Per report: every rule of scope ``REPORT``. Across reports: every rule of scope ``PLACE`` for each
report and every rule of scope ``AGENCY`` over the reports grouped by agency and year.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from .diagnostics import Diagnostic
from .formats.checks import carry_over_differences, carry_over_problem, check_equation, failed_equations
from .formats.rules import Scope, checked
from .model import Report

# The portal's carry-over view and the tests reach the rule functions through this module.
__all__ = ["by_agency", "check_agency", "check_place", "check_report", "check_site", "carry_over_differences",
           "carry_over_problem", "check_equation", "failed_equations"]

_REPORT_RULES = checked(Scope.REPORT)
_PLACE_RULES = checked(Scope.PLACE)
_AGENCY_RULES = checked(Scope.AGENCY)


def check_report(report: Report) -> list[Diagnostic]:
    """Every single-report rule for ``report``, in declaration order."""
    diags: list[Diagnostic] = []
    for rule in _REPORT_RULES:
        diags += rule.check(report)
    return diags


def check_site(reports: Iterable[Report]) -> list[Diagnostic]:
    """Rules across files: where each file lies, and every rule across an agency's years."""
    reports = list(reports)
    diags: list[Diagnostic] = []
    for r in reports:
        diags += check_place(r)
    for groups in by_agency(reports).values():
        diags += check_agency(groups)
    return diags


def check_place(report: Report) -> list[Diagnostic]:
    """Every rule of where one report's file lies."""
    diags: list[Diagnostic] = []
    for rule in _PLACE_RULES:
        diags += rule.check(report)
    return diags


def by_agency(reports: Iterable[Report]) -> dict[str, dict[tuple[str, int], list[Report]]]:
    """The reports of each agency by (agency, year), in the order given: what :func:`check_agency` takes."""
    out: dict[str, dict[tuple[str, int], list[Report]]] = defaultdict(dict)
    for r in reports:
        out[r.agency].setdefault((r.agency, r.year), []).append(r)
    return out


def check_agency(groups: dict[tuple[str, int], list[Report]]) -> list[Diagnostic]:
    """Every rule across one agency's years, on its reports by (agency, year)."""
    diags: list[Diagnostic] = []
    for rule in _AGENCY_RULES:
        diags += rule.check(groups)
    return diags
