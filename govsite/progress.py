"""Progress of long work (build, check, export, import), shown the way the place it goes to allows.

The work reports what it does through one small API and does not care how it is shown::

    progress = Progress.for_command(args.quiet, args.verbose)
    with progress:
        progress.stage("读取并校验报告", total=len(files))
        for path in files:
            ...
            progress.advance()
        progress.stage("生成页面", total=len(pages))
        ...

Four modes, chosen from ``-q``/``-v`` and whether stderr is a terminal:

* ``bar`` (a terminal): a progress bar per counted stage (rich), erased when the stage ends, so
  that only the command's own result stays on the screen; a stage that is not counted item by
  item is one line;
* ``plain`` (a log file, CI, a pipe): one line per stage, but only for long work — a stage of at
  least :data:`LONG_WORK` items — so that a small site's output stays as it was;
* ``verbose`` (``-v``): every stage with its time, the total time and the memory in use and at
  its peak (what a profile needs), plus the work's own :meth:`Progress.note` lines;
* ``quiet`` (``-q``): nothing.

Everything goes to stderr: stdout carries the commands' data (``check --format json``, ``export``).
The bar is redrawn by the calls themselves, never by a thread, so a build may fork its worker
processes while a bar is shown.
"""

from __future__ import annotations

import enum
import os
import sys
import time
from dataclasses import dataclass, field
from typing import TextIO

#: A stage of at least this many items is long enough to be announced in a log.
LONG_WORK = 200

#: Seconds between two redraws of the bar (redrawing on every item would slow the work down).
REDRAW = 0.1


class Mode(enum.Enum):
    """How progress is shown."""

    QUIET = "quiet"
    PLAIN = "plain"
    BAR = "bar"
    VERBOSE = "verbose"


def choose_mode(quiet: bool, verbose: bool, stream: TextIO) -> Mode:
    """``-q`` wins, then ``-v``; otherwise a bar in a terminal and plain lines elsewhere."""
    if quiet:
        return Mode.QUIET
    if verbose:
        return Mode.VERBOSE
    try:
        return Mode.BAR if stream.isatty() and os.environ.get("TERM") != "dumb" else Mode.PLAIN
    except (AttributeError, ValueError):
        return Mode.PLAIN


@dataclass
class _Stage:
    name: str
    total: int | None
    started: float
    done: int = 0


@dataclass
class Progress:
    """The reporter a long piece of work calls; see the module docstring."""

    mode: Mode
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    _start: float = field(default_factory=time.perf_counter, init=False)
    _stage: _Stage | None = field(default=None, init=False)
    _bar: object | None = field(default=None, init=False)  # rich.progress.Progress while shown
    _task: object | None = field(default=None, init=False)
    _drawn: float = field(default=0.0, init=False)

    @classmethod
    def for_command(cls, quiet: bool = False, verbose: bool = False, stream: TextIO | None = None) -> Progress:
        """The reporter for a command run with ``-q``/``-v`` (stderr unless ``stream`` is given)."""
        stream = stream if stream is not None else sys.stderr
        return cls(choose_mode(quiet, verbose, stream), stream)

    @classmethod
    def silent(cls) -> Progress:
        """A reporter that shows nothing (library calls, tests)."""
        return cls(Mode.QUIET)

    def stage(self, name: str, total: int | None = None, *, unit: str = "项", counted: bool = True) -> None:
        """Start the stage ``name`` (Chinese, e.g. ``生成页面``) of ``total`` items, ending the one before.

        ``counted=False`` says that no :meth:`advance` will follow (work done in one call): the
        total then only sizes the stage — a line, not a bar that would stand still.
        """
        self._end_stage()
        self._stage = _Stage(name, total, time.perf_counter())
        size = f"（共 {total} {unit}）" if total is not None else ""
        if self.mode is Mode.PLAIN and total is not None and total >= LONG_WORK:
            self._say(f"{name}{size}……")
        elif self.mode is Mode.BAR and (total is None or not counted):
            self._say(f"{name}{size}……")
        elif self.mode is Mode.BAR:
            self._show_bar()

    def advance(self, n: int = 1) -> None:
        """``n`` more items of the current stage are done."""
        if self._stage is None:
            return
        self._stage.done += n
        if self._bar is not None:
            self._bar.update(self._task, completed=self._stage.done)  # type: ignore[attr-defined]
            now = time.perf_counter()
            if now - self._drawn >= REDRAW:
                self._bar.refresh()  # type: ignore[attr-defined]
                self._drawn = now

    def note(self, text: str) -> None:
        """A detail worth a line with ``-v`` only (e.g. ``12 份报告取自缓存``)."""
        if self.mode is Mode.VERBOSE:
            self._say(f"[{self.elapsed():7.2f} 秒] {text}")

    def done(self) -> None:
        """The work is over: end the last stage and take the bar off the screen."""
        self._end_stage()
        if self.mode is Mode.VERBOSE:
            self._say(f"[{self.elapsed():7.2f} 秒] 全部完成" + (f"，{memory()}" if memory() else ""))

    def elapsed(self) -> float:
        """Seconds since the work began."""
        return time.perf_counter() - self._start

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.done()

    # --- showing ---------------------------------------------------------------------------

    def _end_stage(self) -> None:
        stage, self._stage = self._stage, None
        if stage is None:
            return
        if self._bar is not None:
            self._bar.stop()  # type: ignore[attr-defined]
            self._bar = self._task = None
        if self.mode is Mode.VERBOSE:
            parts = [f"用时 {time.perf_counter() - stage.started:.2f} 秒"]
            parts += [f"{stage.done} 项"] if stage.done else []
            parts += [memory()] if memory() else []
            self._say(f"[{self.elapsed():7.2f} 秒] {stage.name}：{'，'.join(parts)}")

    def _show_bar(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, SpinnerColumn, TextColumn, \
            TimeElapsedColumn

        assert self._stage is not None
        console = Console(file=self.stream, force_terminal=True, highlight=False)
        columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn()]
        if self._stage.total is not None:
            columns.append(MofNCompleteColumn())
        columns.append(TimeElapsedColumn())
        self._bar = Bar(*columns, console=console, transient=True, auto_refresh=False)
        self._task = self._bar.add_task(self._stage.name, total=self._stage.total)
        self._bar.start()
        self._bar.refresh()
        self._drawn = time.perf_counter()

    def _say(self, text: str) -> None:
        print(text, file=self.stream, flush=True)


def memory() -> str:
    """``内存 85 MB，峰值 120 MB`` for this process (Linux; empty elsewhere)."""
    try:
        import resource

        with open("/proc/self/statm") as fh:
            now = int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") >> 20
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10
    except (OSError, ImportError, ValueError):
        return ""
    return f"内存 {now} MB，峰值 {peak} MB"


def for_args(args: object) -> Progress:
    """The reporter for a command's parsed arguments (their ``-q`` and ``-v``)."""
    return Progress.for_command(bool(getattr(args, "quiet", False)), bool(getattr(args, "verbose", False)))
