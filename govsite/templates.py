"""The Jinja2 environment: the site's ``layouts/`` over the built-in theme (Pelican's loader chain).

A file in ``layouts/`` replaces the theme file of the same name and may still extend the original
as ``{% extends "theme/base.html" %}``. Autoescape is on and undefined variables fail loudly
(engineering notes: Jinja2), so a misspelled field is an error with ``template:line``.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import (
    ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, StrictUndefined, TemplateError,
    TemplateSyntaxError,
)

THEME_DIR = Path(__file__).parent / "theme"


def make_environment(layouts_dir: Path | None) -> Environment:
    """The template environment for a site whose overrides live in ``layouts_dir``."""
    theme = FileSystemLoader(str(THEME_DIR / "templates"))
    loaders = []
    if layouts_dir is not None and layouts_dir.is_dir():
        loaders.append(FileSystemLoader(str(layouts_dir)))
    loaders += [theme, PrefixLoader({"theme": theme})]
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


def template_error_location(exc: BaseException) -> tuple[str, int]:
    """``(template name, line)`` of a template error, from the exception or its traceback."""
    if isinstance(exc, TemplateSyntaxError):
        return exc.filename or exc.name or "?", exc.lineno or 0
    tb = exc.__traceback__
    where = ("?", 0)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt")):
            where = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return where


__all__ = ["make_environment", "template_error_location", "TemplateError", "THEME_DIR"]
