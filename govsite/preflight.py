"""What is refused before a build touches anything: an output folder among the site's sources
(:mod:`govsite.outputdir`) and a content folder that cannot be read (a year would be unpublished
without a word, since a build publishes exactly what it can list)."""

from __future__ import annotations

from pathlib import Path

from .config import Config
from .contentdir import display_path, unreadable_folders
from .diagnostics import GovsiteError
from .outputdir import check_output_dir


def preflight(root: Path, cfg: Config, out: Path) -> None:
    """Raise :class:`GovsiteError` (exit 2, the output left as it is) when the build must not run."""
    check_output_dir(root, cfg, out)
    unreadable = unreadable_folders(cfg.content_dir)
    if unreadable:
        lines = "\n".join(f"  {display_path(p, root)}/：{why}" for p, why in unreadable)
        raise GovsiteError("无法读取以下报告目录，构建未进行（否则其中的报告会从网站上消失）；"
                           f"请检查目录的权限（例如 chmod 755），输出目录没有改动：\n{lines}")
