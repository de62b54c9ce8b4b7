"""The preview loop behind ``govsite serve`` (issue 4), with no web-server code in it.

Three parts, each usable and testable on its own:

* :class:`Watcher` polls the site's sources (``content/``, ``layouts/``, ``static/``, ``site.toml``)
  from a background thread and reports each *settled* burst of changes once: a ``git checkout`` of
  200 files is one call, two saves a second apart are two.
* :class:`Preview` keeps one :class:`govsite.build.Builder` for the session (the parsed reports stay
  in memory) and rebuilds into a private folder (never the user's ``public/``) in place: a save
  renders only the units of the page registry whose declared reads it changed, and each of their
  files is renamed over the old one, so a request gets a whole file, old or new. When the content
  or a template is broken the build writes nothing and the preview keeps the problems instead:
  every page becomes an error page.
* :meth:`Preview.route` maps a request path to what to answer (a built file, a redirect, the site's
  ``404.html``, the error page), confining requests to the configured base path.

The web server itself (``govsite.livereload_server``) only carries out routes and sends reloads,
so the livereload package can be replaced without touching this module.
"""

from __future__ import annotations

import html
import os
import shutil
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Literal
from urllib.parse import quote, unquote

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows: each preview builds into a temporary folder
    fcntl = None  # type: ignore[assignment]

from .build import Builder, BuildResult, default_workers
from .pages import Kind
from .plan import Unit
from .cache import CACHE_DIR
from .config import CONFIG_NAME, Config
from .diagnostics import Diagnostic, GovsiteError

#: Editor droppings that must not trigger a rebuild (vim's swap and probe files, emacs' locks and
#: autosaves, backups). Hidden files are skipped as well: the build ignores them too.
_IGNORED_SUFFIXES = (".swp", ".swx", ".swo", "~", ".tmp", ".part")
_IGNORED_NAMES = {"4913"}

Snapshot = dict[str, tuple[int, int, int]]


def watched_paths(root: Path) -> list[Path]:
    """What a change to which must rebuild the preview: the sources, never the output."""
    return [root / "content", root / "layouts", root / "static", root / CONFIG_NAME]


def _ignored(name: str) -> bool:
    return name.startswith((".", "#")) or name.endswith(_IGNORED_SUFFIXES) or name in _IGNORED_NAMES


def snapshot(paths: list[Path]) -> Snapshot:
    """``{path: (mtime_ns, size, inode)}`` of every watched file.

    The inode catches editors that save by writing a new file and renaming it over the old one;
    the size catches a rewrite within one timestamp tick in most cases.
    """
    out: Snapshot = {}

    def add(path: str) -> None:
        try:
            st = os.stat(path)
        except OSError:
            return  # vanished between listing and stat: the next poll sees it gone
        out[path] = (st.st_mtime_ns, st.st_size, st.st_ino)

    def walk(folder: str) -> None:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for entry in entries:
            if _ignored(entry.name):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path)
                elif entry.is_file():
                    add(entry.path)
            except OSError:
                continue

    for p in paths:
        if p.is_dir():
            walk(str(p))
        elif p.exists():
            add(str(p))
    return out


def changed_files(before: Snapshot, after: Snapshot) -> list[str]:
    """Paths added, removed or modified between two snapshots."""
    keys = before.keys() | after.keys()
    return sorted(k for k in keys if before.get(k) != after.get(k))


class Watcher:
    """Polls a set of paths from a daemon thread and calls ``on_change(paths)`` once per burst.

    A burst is settled when a snapshot taken ``quiet`` seconds after the previous one shows no
    further change, or after ``max_wait`` seconds of continuous changes (so a file written without
    pause still gets previewed). ``on_change`` runs on the watcher thread; changes that happen while
    it runs are compared against the state it was given and so are never lost.

    Polling rather than inotify: livereload's inotify path no longer imports on Python ≥ 3.12, and
    the standard library has no file-change notification. A poll stats every source file; on big
    sites the pause between polls grows with its cost (:meth:`next_wait`).
    """

    def __init__(self, paths: list[Path], on_change: Callable[[list[str]], None], *,
                 interval: float = 0.2, quiet: float = 0.15, max_wait: float = 2.0) -> None:
        self.paths = paths
        self.on_change = on_change
        self.interval = interval
        self.quiet = quiet
        self.max_wait = max_wait
        self._baseline: Snapshot | None = None
        self._cost = 0.0  # seconds the last snapshot took
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def prime(self) -> None:
        """Take the baseline now (before the first build), so edits made during it are seen."""
        self._baseline = snapshot(self.paths)

    def start(self) -> None:
        """Start polling in a daemon thread."""
        if self._baseline is None:
            self.prime()
        self._thread = threading.Thread(target=self._run, name="govsite-watch", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop polling and wait (bounded) for a rebuild in progress to finish."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def poll_once(self) -> list[str]:
        """One poll: if anything changed, wait for the burst to settle and return what changed."""
        assert self._baseline is not None
        started = time.perf_counter()
        current = snapshot(self.paths)
        self._cost = time.perf_counter() - started
        if current == self._baseline:
            return []
        started = time.monotonic()
        while not self._stop.is_set() and time.monotonic() - started < self.max_wait:
            if self._stop.wait(self.quiet):
                break
            later = snapshot(self.paths)
            if later == current:
                break
            current = later
        changed = changed_files(self._baseline, current)
        self._baseline = current
        return changed

    def next_wait(self) -> float:
        """Seconds until the next poll: ``interval``, stretched on big sites so that polling takes at
        most about a sixth of one core (a snapshot of 10,000 files costs ~0.1 s here)."""
        return max(self.interval, 5 * self._cost)

    def _run(self) -> None:
        while not self._stop.wait(self.next_wait()):
            try:
                changed = self.poll_once()
                if changed and not self._stop.is_set():
                    self.on_change(changed)
            except Exception:  # the preview must outlive any bug in a rebuild
                traceback.print_exc()


# --- what is served ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One line of the error page: where (``file:line``, may be empty) and what."""

    where: str
    message: str


@dataclass(frozen=True)
class Served:
    """What the preview serves right now; replaced as a whole, never mutated (read lock-free)."""

    generation: int
    base_path: str
    root: Path | None  # the last complete build, None before the first one
    problems: tuple[Problem, ...] = ()  # non-empty: the content is broken, pages show the error page

    @property
    def broken(self) -> bool:
        """True while the last rebuild failed."""
        return bool(self.problems)


@dataclass(frozen=True)
class Route:
    """The answer to one request, decided by :meth:`Preview.route`."""

    kind: Literal["file", "redirect", "not_found", "error"]
    root: Path | None = None  # file: the build folder
    rel: str = ""  # file: POSIX path below root
    location: str = ""  # redirect: a path below the base path (never another host)


@dataclass
class Outcome:
    """What one rebuild did, for the console line."""

    served: Served
    seconds: float
    pages: int = 0
    errors: int = 0  # published anyway (publish_invalid); when they stop the build, see served.problems
    warnings: int = 0
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _report_unit(unit: Unit) -> bool:
    """The units a deferred rebuild renders at once: those made for one report (its page, its data)."""
    return unit.output.kind is Kind.REPORT


def diagnostic_problem(d: Diagnostic) -> Problem:
    """A diagnostic as an error-page line."""
    where = d.path + (f":{d.line}" if d.line else "") + (f":{d.column}" if d.line and d.column else "")
    return Problem(where, f"[{d.rule}] {d.message}")


def kept_workdir(root: Path) -> tuple[Path, int] | None:
    """The preview's folder kept between sessions, ``.govsite-cache/serve``, and the open lock file
    that makes it this process's; None when another preview of the site holds it (or the cache
    folder cannot be made): that preview then builds into a temporary folder of its own.

    Issue 7: a preview built into a new temporary folder each session rendered every page again
    when it started (the last build's files were gone), and so did the next ``govsite build``.
    Kept, a restart finds its last build as it left it; ``govsite build`` links the unchanged
    files from it. Deleting ``.govsite-cache`` removes it with the rest of the cache.
    """
    if fcntl is None:
        return None
    folder = root / CACHE_DIR / "serve"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(root / CACHE_DIR / "serve.lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return folder, fd


class Preview:
    """The preview's state: builds into its folder and decides what each request gets.

    ``builder`` is a kept :class:`govsite.build.Builder` unless a test provides another with the
    signature of :func:`govsite.build.build`; the preview only relies on it writing a complete site
    into ``output`` or nothing at all.
    """

    def __init__(self, root: Path, base_url: str | None = None, *,
                 builder: Callable[..., BuildResult] | None = None, workdir: Path | None = None) -> None:
        self.root = root
        self.base_url = base_url
        #: Held by a request while it routes and reads (one request, one state of the preview).
        self.files = threading.Lock()
        self._kept: Builder | None = None
        if builder is None:
            # One Builder for the whole session, so parsed reports stay in memory.
            self._kept = Builder(root, workers=1, in_place=True, private=True)
            kept = self._kept
            builder = lambda _root, **kw: kept.build(**kw)  # noqa: E731
        self.builder = builder
        self._lock_fd: int | None = None
        if workdir is None and self._kept is not None and (folder := kept_workdir(root)) is not None:
            workdir, self._lock_fd = folder
        self._own_workdir = workdir is None
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="govsite-serve-"))
        self.output = self.workdir / "site"
        fallback = Config(root=root, base_url=base_url or "/").base_path if _valid_base(base_url) else "/"
        self.served = Served(0, fallback, None, (Problem("", "尚未生成"),))
        self._lock = threading.Lock()  # one rebuild at a time
        #: Files of the current output that the last rebuild put off (see :meth:`rebuild`), and set
        #: when there are none: a request for one of them waits for :meth:`complete`.
        self._stale: frozenset[str] | None = frozenset()
        self._settled = threading.Event()
        self._settled.set()

    # -- building --

    def rebuild(self, *, parallel: bool = False, defer: bool = False, changed: list[str] | None = None) -> Outcome:
        """Build (again) into the preview's folder and serve it; on errors keep the last build (the
        failed build wrote nothing) and the problems.

        ``defer``: render the report pages a save changed (and anything missing) now, and put off
        the pages across reports (year, agency, region, site pages and data) until :meth:`complete`,
        so that the edited page is shown at once; until then a request for a put-off page waits.

        ``parallel``: build in worker processes, for a build before the server and the watcher have
        started threads (forking a process with threads and an open socket is unsafe); otherwise in
        this process. Never raises for content, configuration or template errors, nor for a bug in
        the build: the preview shows them and waits for the next save.

        ``changed``: the watcher's list of what changed since the last rebuild, if it has one (the
        builder then looks at those files only, when they are report files it knows).
        """
        return self._locked(parallel, defer, completing=False, changed=changed)

    def _locked(self, parallel: bool, defer: bool, completing: bool, changed: list[str] | None = None) -> Outcome:
        """A rebuild under the preview's lock, keeping what is put off up to date."""
        with self._lock:
            deferring = defer and self._kept is not None
            if deferring:
                self._stale = None  # every file waits until the edited report's pages are written
                self._settled.clear()
            put_off: frozenset[str] = frozenset()
            try:
                outcome, put_off = self._rebuild(parallel, deferring, completing, changed)
                return outcome
            finally:
                # What this build put off, or nothing: a build that failed wrote nothing it put off.
                self._stale = put_off
                if not put_off:
                    self._settled.set()

    def _rebuild(self, parallel: bool, deferring: bool, completing: bool,
                 changed: list[str] | None) -> tuple[Outcome, frozenset[str]]:
        """One rebuild (see :meth:`rebuild`); the outcome and the files put off."""
        start = time.perf_counter()
        previous = self.served
        # Completing a save's pages shows no new state: pages already reloaded for it must not
        # reload again (a page asks for the generation when it connects).
        generation = previous.generation + (0 if completing and not previous.broken else 1)
        output = self.output
        base_path = previous.base_path
        options = {}
        if self._kept is not None:
            alone = threading.active_count() == 1  # checked, not assumed: see the docstring
            self._kept.workers = default_workers() if parallel and alone else 1
            # Completing a save: nothing changed since its first step that the watcher has reported.
            options["changed"] = () if completing else changed
        try:
            if deferring:
                assert self._kept is not None
                result = self._kept.build(output, self.base_url, first=_report_unit, **options)
            else:
                result = self.builder(self.root, output=output, base_url=self.base_url, **options)
            if completing and not result.pages:
                # The sources broke since the save being completed: that is the next save's to show
                # (with its console line); the pages put off stay so, and this build wrote nothing.
                return Outcome(previous, time.perf_counter() - start), self._stale or frozenset()
        except GovsiteError as exc:
            if completing:
                return Outcome(previous, time.perf_counter() - start), self._stale or frozenset()
            problems = tuple(_text_problems(str(exc)))
            return self._switch(Served(generation, base_path, previous.root, problems), start), frozenset()
        except Exception as exc:  # a bug must not kill the preview; show it and log the traceback
            traceback.print_exc()
            served = Served(generation, base_path, previous.root,
                            (Problem("", f"govsite 内部错误：{type(exc).__name__}: {exc}"),))
            return self._switch(served, start), frozenset()
        base_path = result.site.config.base_path
        diags = result.site.diagnostics
        put_off: frozenset[str] = frozenset()
        if not result.pages:
            errors = [d for d in diags if d.is_error] or diags
            problems = tuple(diagnostic_problem(d) for d in errors) or (Problem("", "未生成任何页面"),)
            served = Served(generation, base_path, previous.root, problems)
        else:
            served = Served(generation, base_path, output)
            put_off = frozenset(result.deferred)
        outcome = self._switch(served, start)
        outcome.pages = result.pages
        outcome.diagnostics = diags
        outcome.errors = sum(d.is_error for d in diags)
        outcome.warnings = len(diags) - outcome.errors
        return outcome, put_off

    def complete(self) -> Outcome | None:
        """Render what the last rebuild put off (None when nothing was)."""
        if self._settled.is_set():
            return None
        return self._locked(False, False, completing=True)

    def is_stale(self, rel: str) -> bool:
        """True when the file at ``rel`` was put off by the last rebuild and is not rendered yet
        (every file is, while a save's first step runs)."""
        stale = self._stale
        return stale is None or rel in stale

    def settle(self, timeout: float | None = None) -> bool:
        """Wait until no file is put off; False when ``timeout`` passed first."""
        return self._settled.wait(timeout)

    def _switch(self, served: Served, start: float) -> Outcome:
        self.served = served  # one reference assignment: requests see the old or the new, never a mix
        return Outcome(served, time.perf_counter() - start)

    def close(self) -> None:
        """Remove the private build folder (only if the preview created it); a kept one stays for
        the next session (:func:`kept_workdir`)."""
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the lock
            self._lock_fd = None

    def __enter__(self) -> Preview:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- serving --

    def route(self, raw_path: str, served: Served | None = None) -> Route:
        """Decide the answer to a request for ``raw_path`` (the URL path as sent, percent-encoded).

        Only files of the current build below the base path are ever served. The path is decoded
        once and then checked segment by segment, so ``..`` in any spelling (``%2e%2e``, ``%2f``)
        and hidden files are refused before the file system is consulted. ``served`` is the state
        to answer from (default: the current one), so that one request sees one state throughout.
        """
        served = served or self.served
        base = served.base_path
        try:
            path = unquote(raw_path.split("?", 1)[0], errors="strict")
        except UnicodeDecodeError:
            return Route("not_found")
        if not path.startswith("/") or "\x00" in path or "\\" in path:
            return Route("not_found")
        if base != "/" and path in ("/", base.rstrip("/")):
            return Route("redirect", location=base)
        if not path.startswith(base):
            return Route("not_found")
        rest = path[len(base):]
        parts = rest.split("/")
        is_dir_url = parts[-1] == ""
        if is_dir_url:
            parts.pop()
        if any(p in ("", ".", "..") or p.startswith(".") for p in parts):
            return Route("not_found")
        root = served.root
        target = root.joinpath(*parts) if root is not None else None
        if served.broken:
            # Every page shows the problems; assets of the last good build stay available.
            if target is not None and not is_dir_url and target.suffix != ".html" and target.is_file():
                return Route("file", root, "/".join(parts))
            return Route("error")
        if root is None or target is None:
            return Route("not_found")
        if not target.resolve().is_relative_to(root.resolve()):
            return Route("not_found")  # defence in depth: builds contain no symlinks
        if target.is_dir():
            if not is_dir_url:
                return Route("redirect", location=quote(base + rest + "/"))
            target = target / "index.html"
            parts.append("index.html")
        if target.is_file():
            return Route("file", root, "/".join(parts))
        return Route("not_found")

    def not_found_page(self, served: Served | None = None) -> bytes:
        """The site's own ``404.html`` from the current build, or a plain one before any build."""
        root = (served or self.served).root
        if root is not None:
            try:
                return (root / "404.html").read_bytes()
            except OSError:
                pass
        return _page("页面不存在", "<h1>页面不存在</h1><p>您访问的页面不存在。</p>")

    def error_page(self, served: Served | None = None) -> bytes:
        """The page shown for every request while the content is broken (Chinese, escaped)."""
        problems = (served or self.served).problems
        items = "\n".join(
            f'<li>{f"<code>{html.escape(p.where)}</code> " if p.where else ""}'
            f"<span>{html.escape(p.message)}</span></li>" for p in problems)
        body = (
            "<h1>内容有误，网站未能生成</h1>\n"
            f"<p>发现 {len(problems)} 个问题。改正并保存后，本页会自动刷新；"
            "在改正之前，预览中的每个页面都显示本页。</p>\n"
            f'<ol class="problems">\n{items}\n</ol>\n'
            "<p class=\"hint\">也可以在命令行运行 <code>govsite check</code> 查看同样的信息。</p>")
        return _page("构建出错", body)


def _valid_base(base_url: str | None) -> bool:
    return bool(base_url) and ("://" in base_url or base_url.startswith("/"))  # type: ignore[operator]


def _text_problems(message: str) -> list[Problem]:
    """A :class:`GovsiteError` message (config or template error) as error-page lines."""
    lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
    return [Problem("", ln) for ln in lines] or [Problem("", "未知错误")]


_PAGE_STYLE = (
    "body{font:16px/1.6 system-ui,'Microsoft YaHei','PingFang SC',sans-serif;margin:0;color:#222;"
    "background:#fff}main{max-width:60rem;margin:2rem auto;padding:0 1rem}"
    "h1{color:#a40000;font-size:1.6rem}ol.problems{padding-left:1.5rem}"
    "ol.problems li{margin:.6rem 0;padding:.5rem .75rem;background:#fff4f4;border-left:4px solid #a40000}"
    "code{font-family:ui-monospace,Consolas,monospace;background:#eee;padding:0 .25rem;"
    "word-break:break-all}.hint{color:#555}"
)


def _page(title: str, body: str) -> bytes:
    """A self-contained page (inline style, no external resources) with a ``</head>`` for the reload
    script to be injected before."""
    return (
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{html.escape(title)} - govsite 预览</title>\n<style>{_PAGE_STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    ).encode("utf-8")


__all__ = ["Watcher", "Preview", "Served", "Route", "Outcome", "Problem", "snapshot", "changed_files",
           "watched_paths"]
