"""Where a build may write: never over, into or around the site's own sources.

A build replaces its output folder wholesale (and ``--clean`` deletes what it does not know), so an
output folder that is, holds or lies inside ``content/``, ``layouts/``, ``static/``, the build cache
or the site's own files would delete reports, templates or the verification file a web server needs,
and the next build would read generated pages as templates or static files. The check works on
resolved paths, so a symlink or ``..`` cannot smuggle the output into a source folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from .cache import CACHE_DIR
from .config import CONFIG_NAME, Config
from .diagnostics import GovsiteError

#: The site's own files and folders, other than the configurable ones of :class:`Config`, with the
#: name messages give them. ``.git`` is the site's history: a build must never write into it.
_SITE_FILES = ((CONFIG_NAME, "站点设置文件 site.toml"), (".git", "版本库 .git/"))


def protected_paths(root: Path, cfg: Config) -> list[tuple[Path, str]]:
    """The source paths of the site an output folder must be neither, nor hold, nor lie inside,
    with their names in messages."""
    named = [(cfg.content_dir, "报告目录 content/"), (cfg.layouts_dir, "模板目录 layouts/"),
             (cfg.static_dir, "静态文件目录 static/")]
    return named + [(root / name, label) for name, label in _SITE_FILES]


#: The build cache: an output folder may not be it or hold it, but ``govsite serve`` builds its
#: preview into a folder of its own inside it.
_CACHE_LABEL = "构建缓存 .govsite-cache/"


def check_output_dir(root: Path, cfg: Config, out: Path) -> None:
    """Raise :class:`GovsiteError` when ``out`` is, holds or lies inside a source path of the site.

    ``out`` comes from ``--output`` or from ``output =`` in ``site.toml``; the message says which
    setting to change.
    """
    target = _real(out)
    from_config = _real(root / cfg.output) == target
    where = f"site.toml 中的 output = {cfg.output!r}" if from_config else f"输出目录 {out}"
    fix = "请在 site.toml 中改为 output = \"public\"" if from_config else "请换一个输出目录，例如 --output public"
    cache = _real(root / CACHE_DIR)
    if target == cache or cache.is_relative_to(target):
        raise GovsiteError(f"{where} 就是或包含{_CACHE_LABEL}：构建会替换输出目录，这会删除站点自己的文件，已拒绝。{fix}")
    for path, label in protected_paths(root, cfg):
        source = _real(path)
        if target == source:
            raise GovsiteError(f"{where} 就是{label}：构建会替换输出目录，这会删除站点自己的文件，已拒绝。{fix}")
        if target.is_relative_to(source):
            raise GovsiteError(f"{where} 位于{label} 之内：构建会把生成的网页写进站点的源文件中，已拒绝。{fix}")
        if source.is_relative_to(target):
            raise GovsiteError(f"{where} 包含{label}：构建会替换输出目录，这会删除站点自己的文件，已拒绝。{fix}")


def _real(path: Path) -> Path:
    """``path`` absolute with symlinks and ``..`` resolved, also when it does not exist yet."""
    return Path(os.path.realpath(os.path.abspath(path)))
