"""The Jinja2 environment: the site's ``layouts/`` over the built-in theme (Pelican's loader chain).

A file in ``layouts/`` replaces the theme file of the same name and may still extend the original
as ``{% extends "theme/base.html" %}``. Autoescape is on and undefined variables fail loudly
(engineering notes: Jinja2), so a misspelled field is an error with ``template:line``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import jinja2
from jinja2 import (
    ChoiceLoader, Environment, FileSystemBytecodeCache, FileSystemLoader, PrefixLoader, StrictUndefined,
    TemplateError, TemplateSyntaxError,
)
from jinja2.bccache import Bucket

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


def use_bytecode_cache(env: Environment, cache_dir: Path) -> None:
    """Keep the compiled templates in ``cache_dir`` (below the build cache, ``.govsite-cache/``).

    Issue 7: compiling ``base.html`` and ``report.html`` from source took ~40 ms in every build
    process, a tenth of the one-edit rebuild. Jinja keys each entry by the template's name and the
    checksum of its source, so an edited template (or a ``layouts/`` override) is compiled afresh;
    entries are written to a temporary file and renamed, so parallel workers may share the folder.
    A folder that cannot be made only costs the speed-up.
    """
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    # Jinja's key is the template's name and source only: the compiled code also depends on the
    # environment's options and Jinja's version, so they name the entries too.
    options = (jinja2.__version__, env.trim_blocks, env.lstrip_blocks, env.keep_trailing_newline,
               env.autoescape, env.undefined.__name__, env.newline_sequence)
    salt = hashlib.blake2b(repr(options).encode(), digest_size=6).hexdigest()
    env.bytecode_cache = _BytecodeCache(str(cache_dir), f"{salt}-%s.cache")


class _BytecodeCache(FileSystemBytecodeCache):
    """Jinja's file cache, except that a cache that cannot be read or written (a full disk, a
    read-only folder) makes the template compile from source instead of failing the build."""

    def load_bytecode(self, bucket: Bucket) -> None:  # noqa: D102
        try:
            super().load_bytecode(bucket)
        except (OSError, EOFError, ValueError):
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:  # noqa: D102
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


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
