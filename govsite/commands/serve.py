"""``govsite serve``: a live-reload preview that behaves like the published site (issue 4)."""

from __future__ import annotations

import argparse
import errno
import ipaddress
import signal
import socket
import sys
import time
from pathlib import Path

from ..config import check_base_url
from ..diagnostics import GovsiteError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``serve`` subcommand."""
    p = sub.add_parser(
        "serve", help="本地预览，保存后浏览器自动刷新",
        description="生成网站到临时目录并在本机提供预览；content/、layouts/、static/ 或 site.toml "
                    "有改动时自动重新生成并刷新浏览器。内容有误时每个页面都显示错误页。按 Ctrl-C 停止。")
    p.add_argument("--host", default="127.0.0.1", metavar="地址",
                   help="监听地址（默认 127.0.0.1，仅本机可访问；0.0.0.0 会让局域网内的人都能访问）")
    p.add_argument("--port", type=int, default=1313, metavar="端口", help="端口（默认 1313）")
    p.add_argument("--base-url", metavar="网址", help="网站地址或子路径，覆盖 site.toml 的 base_url，如 /xxgk/ndbg/")
    p.set_defaults(run=run)


def is_loopback(host: str) -> bool:
    """True when ``host`` only reaches this machine (127.0.0.0/8, ::1, or a name resolving only there)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(i[4][0].split("%")[0]).is_loopback for i in infos)


def browse_url(host: str, port: int, base_path: str) -> str:
    """The address to open: a wildcard bind is reachable as 127.0.0.1 on this machine."""
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}{base_path}"


def busy(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on (in Chinese), or None when it can.

    A socket is bound and closed again at once. SO_REUSEADDR matches the server's own socket:
    a port left in TIME_WAIT by the last preview counts as free, one another program listens on
    does not.
    """
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as exc:
        return f"无法解析地址 {host}（{exc.strerror or exc}）"
    family, kind, proto, _, address = infos[0]
    try:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            return "端口已被占用，可用 --port 换一个端口"
        if exc.errno == errno.EACCES:
            return "没有权限使用这个端口（1024 以下的端口需要管理员权限），可用 --port 换一个端口"
        return exc.strerror or str(exc)
    return None


def _say(text: str, err: bool = False) -> None:
    print(text, file=sys.stderr if err else sys.stdout, flush=True)


def _clock() -> str:
    return time.strftime("%H:%M:%S")


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C (exit 0); usage problems (bad port, busy port, no site) exit 2."""
    root = Path(args.site)
    if not root.is_dir():
        raise GovsiteError(f"站点目录 {root} 不存在")
    if not 0 < args.port < 65536:
        raise GovsiteError(f"端口 {args.port} 无效，应在 1–65535 之间")
    if args.base_url is not None and (problem := check_base_url(args.base_url)):
        raise GovsiteError(problem)

    port_problem = busy(args.host, args.port)
    if port_problem:  # before the first build: a busy port must not cost a whole build to find out
        raise GovsiteError(f"无法在 {args.host}:{args.port} 上监听：{port_problem}")

    # Imported here: the other commands must not pay for (or depend on) the web server.
    from ..livereload_server import LiveReloadServer
    from ..serve import Outcome, Preview, Watcher, watched_paths

    def on_sigterm(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # stop as cleanly as on Ctrl-C (temporary folder removed)

    old_term = signal.signal(signal.SIGTERM, on_sigterm)
    # A shell starting a job in the background makes it ignore SIGINT, and Python keeps that;
    # the preview promises that Ctrl-C (or kill -INT) stops it, so take SIGINT back explicitly.
    old_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    preview = Preview(root, args.base_url)
    watcher: Watcher | None = None
    try:
        server = LiveReloadServer(preview, args.host, args.port)
        shown_base = [""]

        def report(outcome: Outcome, changed: list[str] | None) -> None:
            served = outcome.served
            what = ""
            if changed:
                names = [_relative(p, root) for p in changed]
                what = f"{names[0]}" + (f" 等 {len(names)} 个文件" if len(names) > 1 else "") + " 有改动，"
            if served.broken:
                _say(f"[{_clock()}] {what}内容有误（{len(served.problems)} 个问题），浏览器中显示错误页：", err=True)
                for p in served.problems:
                    _say(f"  {p.where + ': ' if p.where else ''}{p.message}", err=True)
            else:
                found = [f"{n} 个{kind}" for n, kind in ((outcome.errors, "错误"), (outcome.warnings, "警告")) if n]
                warn = f"；{'，'.join(found)}（照常发布，govsite check 可查看）" if found else ""
                done = "已重新生成" if changed is not None else "已生成"
                _say(f"[{_clock()}] {what}{done} {outcome.pages} 个文件，用时 {outcome.seconds:.2f} 秒{warn}")
            if changed is not None and served.base_path != shown_base[0] and shown_base[0]:
                _say(f"base_url 已改变，预览地址：{browse_url(args.host, args.port, served.base_path)}")
                shown_base[0] = served.base_path

        def on_change(changed: list[str]) -> None:
            # The edited report's pages first, reloaded at once; then the pages across reports,
            # which a browser asking for one meanwhile waits for.
            report(preview.rebuild(defer=True, changed=changed), changed)
            server.reload()
            preview.complete()

        def on_ready() -> None:
            shown_base[0] = preview.served.base_path
            if not is_loopback(args.host):
                _say(f"警告：预览服务器监听在 {args.host}，同一网络中的其他人也能访问预览内容，"
                     "且它不做任何访问控制。仅在可信网络中这样使用；默认的 127.0.0.1 只允许本机访问。", err=True)
            _say(f"预览地址：{browse_url(args.host, args.port, preview.served.base_path)}")
            _say("保存 content/、layouts/、static/ 或 site.toml 后自动刷新。按 Ctrl-C 停止。")

        def on_reload(pages: int) -> None:
            if pages:
                _say(f"[{_clock()}] 已通知 {pages} 个打开的页面刷新")

        watcher = Watcher(watched_paths(root), on_change)
        watcher.prime()  # before the first build: an edit made during it triggers a rebuild
        _say("正在生成预览……")
        report(preview.rebuild(parallel=True), None)  # no thread started yet: worker processes are safe
        watcher.start()
        try:
            server.serve_forever(on_ready=on_ready, on_reload=on_reload)
        except OSError as exc:
            why = "端口已被占用，可用 --port 换一个端口" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
            raise GovsiteError(f"无法在 {args.host}:{args.port} 上监听：{why}") from None
    except KeyboardInterrupt:
        pass
    finally:
        if watcher is not None:
            watcher.stop()
        preview.close()
        signal.signal(signal.SIGTERM, old_term)
        signal.signal(signal.SIGINT, old_int)
    _say("预览已停止。")
    return 0


def _relative(path: str, root: Path) -> str:
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return path
