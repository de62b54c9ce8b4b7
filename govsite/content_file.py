"""Writing report files: metadata, table values and body → the text of ``content/<year>/<slug>.md``.

Used by ``govsite new`` and ``govsite import``. Values are serialised with tomli-w (design card), but
each table row is laid out as one line in column order (issue 2: a row reads as one line), which
tomli-w alone would break over many lines.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import tomli_w

from .formats import SECTIONS, Format
from .model import META_KEYS, Value


def _literal(value: Any) -> str:
    """One TOML value as tomli-w writes it."""
    return tomli_w.dumps({"v": value}).strip()[len("v = "):]


def _inline(values: list[Value]) -> str:
    return "[" + ", ".join(_literal("" if v is None else v) for v in values) + "]"


def dumps_report(fmt: Format, meta: dict[str, Any], values: dict[str, list[Value]], body: str) -> str:
    """The whole file text: ``+++`` TOML front matter, then the Markdown body.

    ``meta`` holds metadata keys of :data:`govsite.model.META_KEYS` (unset ones are left out);
    ``values`` maps ``"table.field"`` to the row's values; fields absent from it are left out
    (declare them in ``meta["missing"]``).
    """
    order = [m.key for m in META_KEYS]
    head = {k: meta[k] for k in order if k in meta and meta[k] not in (None, "", [], ())}
    head.setdefault("format", fmt.version)
    lines = [tomli_w.dumps({k: head[k]}).rstrip("\n") if not isinstance(head[k], list)
             else f"{k} = {_inline(list(head[k]))}" for k in order if k in head]
    for table in fmt.tables:
        rows = [(f, values[f"{table.key}.{f.key}"]) for f in table.fields() if f"{table.key}.{f.key}" in values]
        if not rows:
            continue
        lines += ["", f"[{table.key}]"]
        for f, vals in rows:
            text = _literal("" if vals[0] is None else vals[0]) if f.scalar else _inline(vals)
            lines.append(f"{f.key} = {text}")
    return "+++\n" + "\n".join(lines) + "\n+++\n\n" + body.strip("\n") + "\n"


def section_skeleton(notes: dict[str, str] | None = None) -> str:
    """A body with the six official headings, each followed by its prose (``notes`` by anchor s1…s6)."""
    notes = notes or {}
    parts = []
    for anchor, title in SECTIONS:
        parts.append(f"## {title}\n")
        text = notes.get(anchor, "").strip()
        if text:
            parts.append(text + "\n")
    return "\n".join(parts)


def write_new_file(path: Path, text: str | bytes, force: bool = False) -> None:
    """Write ``text`` to ``path`` atomically; refuse to replace an existing file unless ``force``.

    An :class:`OSError` names ``path`` and leaves neither a temporary file nor a partial ``path``."""
    if path.exists() and not force:
        raise FileExistsError(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        tmp.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        # A write that fails at close (a full disk) carries no file name: name the file it was for.
        raise OSError(exc.errno, exc.strerror, str(path)) from None
