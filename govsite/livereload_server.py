"""The one module that imports livereload (pinned ``livereload==2.7.1``) and tornado (issue 4).

It adapts livereload's server to :class:`govsite.serve.Preview`: requests are answered by
:meth:`Preview.route`, and reloads are sent when *we* say so, not by livereload's own watcher.
Everything here depends on livereload 2.7.1 internals that are not documented; each such use is
marked ``2.7.1:`` so that an upgrade (or a replacement) knows what to re-check.

Why not livereload's ``Server.watch``: its watcher runs the rebuild on the event-loop thread (no
page is served meanwhile), does not debounce (a burst split over two polls gives two rebuilds), and
``poll_tasks`` drops any reload within ``LiveReloadHandler.DEFAULT_RELOAD_TIME`` (3 s) of the
previous one. We keep its HTTP server, its script injection and its WebSocket protocol, disable its
watcher, and push one reload per rebuild from our own watcher thread.
"""

from __future__ import annotations

import asyncio
import mimetypes
import warnings
from typing import Callable, ClassVar

# Known deprecation warnings of livereload 2.7.1 / tornado on Python ≥ 3.12; filtered before the
# import so that they do not reach the user's console. Narrow: by message and originating module.
warnings.filterwarnings("ignore", message=r"datetime\.datetime\.utcfromtimestamp\(\) is deprecated",
                        category=DeprecationWarning, module=r"livereload(\.|$)")
warnings.filterwarnings("ignore", message=r"There is no current event loop",
                        category=DeprecationWarning, module=r"(livereload|tornado|asyncio)(\.|$)")

from livereload import Server  # noqa: E402
from livereload.handlers import LiveReloadHandler, StaticFileHandler  # noqa: E402
from livereload.watcher import Watcher as _LivereloadWatcher  # noqa: E402
from tornado.ioloop import IOLoop  # noqa: E402
from tornado.websocket import WebSocketHandler  # noqa: E402

from .serve import Preview, Route, Served  # noqa: E402

LIVERELOAD_VERSION = "2.7.1"


class PreviewFileHandler(StaticFileHandler):
    """livereload's static file handler, answering from :meth:`Preview.route`.

    HTML pages (built pages, the site's 404 page, the error page) are written here, stamped with
    the generation they come from; other files go through tornado's file serving (ranges, content
    types). All HTML answers carry ``</head>``, so livereload's output transform injects its reload
    script into them (2.7.1: it does not into tornado's own error pages, which is why a missing
    page must never reach ``send_error``).
    """

    preview: ClassVar[Preview]

    async def get(self, path: str, include_body: bool = True) -> None:  # noqa: D102
        if len(self.request.path) > MAX_PATH_CHARS:
            # No page of a site has such an address: answered before the file system is asked.
            served = self.preview.served
            self.set_header(GENERATION_HEADER, str(served.generation))
            self._page(414, stamp(self.preview.not_found_page(served), served.generation), include_body)
            return
        served, route, body = self._read()
        if route.kind == "file" and self.preview.is_stale(route.rel):
            # A page the last save put off (govsite.serve.Preview.rebuild): answered once rendered.
            await asyncio.get_running_loop().run_in_executor(None, self.preview.settle, STALE_WAIT)
            served, route, body = self._read()
        self._answer(served, route, body, include_body)
        if route.kind == "file" and body is None:
            # A large download (the archive zip): streamed by tornado; its bytes are still one
            # build's, since a build replaces a file by renaming a new one over it.
            assert route.root is not None
            self.root = str(route.root)
            await super().get(route.rel, include_body)

    def _read(self) -> tuple[Served, Route, bytes | None]:
        """Route the request and read the file it names (unless too large to hold), as one state."""
        # Routed and read under the preview's file lock: a rebuild moves files into the folder under
        # it, so one request sees one complete build (issue 4: never a half-written site).
        with self.preview.files:
            served = self.preview.served
            try:
                route = self.preview.route(self.request.path, served)
            except OSError:  # a segment too long for the file system, or similar: no such page
                route = Route("not_found")
            body: bytes | None = None
            if route.kind == "file":
                assert route.root is not None
                try:
                    target = route.root / route.rel
                    if route.rel.endswith(".html") or target.stat().st_size <= WHOLE_FILE_MAX:
                        body = target.read_bytes()
                except OSError:  # removed by a rebuild since routing: answer as a missing page
                    route = Route("not_found")
        return served, route, body

    def _answer(self, served: Served, route: Route, body: bytes | None, include_body: bool) -> None:
        """Answer a routed request (all but a large file, which :meth:`get` streams)."""
        self.set_header(GENERATION_HEADER, str(served.generation))
        if route.kind == "file":
            if route.rel.endswith(".html"):
                assert body is not None
                self._page(200, stamp(body, served.generation), include_body)
            elif body is not None:
                self._file(route.rel, body, include_body)
        elif route.kind == "redirect":
            self.set_header("Cache-Control", "no-store")
            self.redirect(route.location)
        elif route.kind == "error":
            self._page(500, stamp(self.preview.error_page(served), served.generation), include_body)
        else:
            self._page(404, stamp(self.preview.not_found_page(served), served.generation), include_body)

    def _file(self, rel: str, body: bytes, include_body: bool) -> None:
        self._page(200, body, include_body, _content_type(rel))

    def _page(self, status: int, body: bytes, include_body: bool,
              content_type: str = "text/html; charset=utf-8") -> None:
        self.set_status(status)
        self.set_header("Content-Type", content_type)
        self.set_header("Cache-Control", "no-store")
        if include_body:
            self.finish(body)
        else:
            self.set_header("Content-Length", len(body))
            self.finish()

    def set_extra_headers(self, path: str) -> None:
        """A preview must never be served from the browser's cache."""
        self.set_header("Cache-Control", "no-store")

    def compute_etag(self) -> str | None:
        """No ETag. 2.7.1's version cache (behind tornado's ETag) hashes every file served, keyed by
        path, so it would grow with every rebuild (each build has new paths); it is also the only
        caller of 2.7.1's ``get_content_modified_time``, which uses the deprecated
        ``utcfromtimestamp``."""
        return None


#: Longest request path answered (percent-encoded characters): a page's address is a year, a slug and
#: a file name, or a region path of a few Chinese names (nine bytes per character encoded).
MAX_PATH_CHARS = 2048
#: How long a request for a page put off by the last save waits for it, in seconds (then the
#: previous version is answered).
STALE_WAIT = 120.0

#: Files up to this size are read whole under the preview's file lock; larger ones are streamed.
WHOLE_FILE_MAX = 8 << 20


def _content_type(rel: str) -> str:
    """The Content-Type tornado's file handler sends for ``rel`` (``get_content_type``)."""
    kind, encoding = mimetypes.guess_type(rel)
    if encoding == "gzip":
        return "application/gzip"  # RFC 6713
    if encoding is not None or kind is None:
        return "application/octet-stream"
    return kind


#: Response header carrying the preview generation a page was served from.
GENERATION_HEADER = "X-Govsite-Generation"

#: Closes the one gap of push reloads: a rebuild that finishes while a page is (re)loading, after
#: its request was answered but before its WebSocket registered, sends a reload nobody receives.
#: When livereload.js connects (it fires ``LiveReloadConnect`` on the document) the page asks for
#: the current generation and reloads itself if it was served an older one.
_STAMP = (
    '<script>(function(){{var g="{generation}";document.addEventListener("LiveReloadConnect",'
    'function(){{fetch(location.href,{{method:"HEAD",cache:"no-store"}}).then(function(r){{'
    'var n=r.headers.get("{header}");if(n&&n!==g){{location.reload();}}}}).catch(function(){{}});}});'
    '}})();</script>'
)


def stamp(page: bytes, generation: int) -> bytes:
    """Add the generation check to an HTML page, before ``</head>`` like livereload's own script."""
    script = _STAMP.format(generation=generation, header=GENERATION_HEADER).encode()
    head_end = page.find(b"</head>")
    if head_end < 0:
        return page  # not a full page; livereload would not inject its script either
    return page[:head_end] + script + page[head_end:]


class _NoWatcher(_LivereloadWatcher):
    """Disables livereload's watcher: our :class:`govsite.serve.Watcher` decides when to reload.

    2.7.1: ``LiveReloadHandler.start_tasks`` watches the working directory when no task is
    registered and polls it every 0.8 s unless ``start()`` returns True; either would send reloads
    of its own, before our rebuild is done.
    """

    def watch(self, path, func=None, delay=0, ignore=None) -> None:  # type: ignore[no-untyped-def]
        self._tasks[path] = {"func": None, "delay": "forever", "ignore": None, "mtimes": {}}

    def start(self, callback: Callable[[], None]) -> bool:
        return True

    def examine(self) -> tuple[None, None]:
        return None, None


def configure_livereload() -> None:
    """Process-wide settings of livereload 2.7.1 that the preview relies on."""
    # Deliberate: 2.7.1 drops any reload within DEFAULT_RELOAD_TIME (3 s) of the previous one, so a
    # save one second after the last would never show. Our reloads go through reload_waiters, which
    # does not check it, but should anything reach poll_tasks it must not drop a reload either.
    LiveReloadHandler.DEFAULT_RELOAD_TIME = 0
    # 2.7.1 accepts WebSocket connections from any origin; tornado's default is same-origin only.
    LiveReloadHandler.check_origin = WebSocketHandler.check_origin  # type: ignore[method-assign]


class _Server(Server):
    def _setup_logging(self) -> None:
        """Keep the console to govsite's own Chinese lines: no access log, only tornado's errors."""
        import logging

        logging.getLogger("livereload").setLevel(logging.WARNING)
        logging.getLogger("tornado.access").setLevel(logging.ERROR)


class LiveReloadServer:
    """Serves a :class:`Preview` with live reload. ``reload()`` may be called from any thread."""

    def __init__(self, preview: Preview, host: str = "127.0.0.1", port: int = 1313) -> None:
        self.preview = preview
        self.host = host
        self.port = port
        self.reloads = 0  # reload messages broadcast (one per call of reload())
        self._loop: IOLoop | None = None
        self._on_reload: Callable[[int], None] | None = None
        handler = type("BoundPreviewFileHandler", (PreviewFileHandler,), {"preview": preview})
        self._server = _Server(watcher=_NoWatcher())
        self._server.SFH = handler  # 2.7.1: undocumented attribute used by get_web_handlers()

    def serve_forever(self, on_ready: Callable[[], None] | None = None,
                      on_reload: Callable[[int], None] | None = None) -> None:
        """Listen and serve until Ctrl-C. ``on_ready`` runs once the socket is bound."""
        self._on_reload = on_reload
        # 2.7.1 reaches the loop through IOLoop.instance(); give it one explicitly (on 3.12+ an
        # implicit one is deprecated, on 3.14 an error).
        asyncio.set_event_loop(asyncio.new_event_loop())
        self._loop = IOLoop.current()
        configure_livereload()
        if on_ready is not None:
            self._loop.add_callback(on_ready)
        try:
            self._server.serve(port=self.port, host=self.host, root=str(self.preview.workdir),
                               debug=False, live_css=False, restart_delay=0)
        finally:
            loop, self._loop = self._loop, None
            try:
                loop.close(all_fds=True)
            except (RuntimeError, ValueError):
                pass  # already closed by livereload after a normal stop

    def reload(self) -> None:
        """Tell every open page to reload, exactly once. Thread-safe; a no-op after shutdown."""
        loop = self._loop
        if loop is None:
            return
        try:
            loop.add_callback(self._reload_now)
        except RuntimeError:
            pass  # the loop closed meanwhile (Ctrl-C during a rebuild)

    def _reload_now(self) -> None:
        waiters = len(LiveReloadHandler.waiters)
        # 2.7.1: reload_waiters broadcasts immediately, without the DEFAULT_RELOAD_TIME check;
        # path "*" makes livereload.js reload the page (never a CSS-only refresh).
        LiveReloadHandler.reload_waiters("*")
        self.reloads += 1
        if self._on_reload is not None:
            self._on_reload(waiters)

    def stop(self) -> None:
        """Stop serving (thread-safe)."""
        loop = self._loop
        if loop is not None:
            loop.add_callback(loop.stop)


__all__ = ["LiveReloadServer", "PreviewFileHandler", "LIVERELOAD_VERSION", "GENERATION_HEADER", "stamp",
           "configure_livereload"]
