"""Work shared between forked processes: a list of jobs in, their small results back.

The jobs are read by the workers from the parent's memory (the processes are forked after the
site is loaded, so nothing big is pickled); each worker returns the results of its share through a
pipe, in batches as it goes, read as they come. A worker that fails sends the failure back instead,
and the parent raises it. Workers are forked, never spawned: the build runs in no thread when it
forks (``govsite serve`` renders in its own process instead).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import sys
from multiprocessing import connection
from typing import Any, Callable, Sequence

#: Below this much work (in units of one report page) a worker process costs more than it saves.
PARALLEL_MIN = 64.0


def default_workers() -> int:
    """``GOVSITE_WORKERS`` when set, else the CPUs this process may use."""
    env = os.environ.get("GOVSITE_WORKERS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def shares(costs: Sequence[float], workers: int) -> list[list[int]]:
    """Job indices split into ``workers`` shares of about equal cost (largest jobs first, each to the
    lightest share); each share in job order, so that the work is deterministic."""
    loads = [0.0] * workers
    out: list[list[int]] = [[] for _ in range(workers)]
    for i in sorted(range(len(costs)), key=lambda i: -costs[i]):
        w = loads.index(min(loads))
        out[w].append(i)
        loads[w] += costs[i]
    return [sorted(s) for s in out]


def run(job: Callable[[int], Any], costs: Sequence[float], workers: int) -> list[Any]:
    """``[job(i) for i in range(len(costs))]``, in forked processes when the work is worth it."""
    n = len(costs)
    if workers <= 1 or sum(costs) < PARALLEL_MIN or n < 2 or not hasattr(os, "fork"):
        return [job(i) for i in range(n)]
    ctx = multiprocessing.get_context("fork")
    parts = shares(costs, min(workers, n))
    procs = []
    for part in parts:
        reader, writer = ctx.Pipe(duplex=False)
        p = ctx.Process(target=_work, args=(job, part, writer), daemon=False)
        p.start()
        writer.close()
        procs.append((p, reader, part))
    results: list[Any] = [None] * n
    failure: BaseException | None = None
    try:
        # Each worker sends its results in batches as it goes, and they are read as they come:
        # neither side holds a whole share's results twice (pickled and not).
        done = {id(reader): 0 for _, reader, _ in procs}  # results read from each worker
        part_of = {id(reader): part for _, reader, part in procs}
        waiting = [reader for _, reader, _ in procs]
        while waiting:
            for reader in connection.wait(waiting):
                try:
                    kind, payload = pickle.loads(reader.recv_bytes())  # type: ignore[union-attr]
                except (EOFError, OSError):
                    kind, payload = "lost", None
                if kind == "ok":
                    part, at = part_of[id(reader)], done[id(reader)]
                    for i, blob in zip(part[at:], payload):
                        results[i] = pickle.loads(blob)
                    done[id(reader)] = at + len(payload)
                    continue
                waiting.remove(reader)
                if kind == "end":
                    continue
                if failure is None:
                    failure = payload if kind == "error" else RuntimeError("worker process ended without a result")
    finally:
        for p, reader, _ in procs:
            reader.close()
            p.join(timeout=60)
            if p.is_alive():
                p.kill()
    if failure is not None:
        raise failure
    return results


#: A worker sends its results once they add up to about this many pickled bytes.
_BATCH_BYTES = 4 << 20


def _work(job: Callable[[int], Any], part: list[int], writer: Any) -> None:
    # A signal to the build (Ctrl-C, SIGTERM) is handled by the parent, which cleans up: the worker
    # just stops, silently, instead of printing its own traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    try:
        try:
            batch: list[bytes] = []
            size = 0
            for i in part:
                blob = pickle.dumps(job(i), protocol=pickle.HIGHEST_PROTOCOL)
                batch.append(blob)
                size += len(blob)
                if size >= _BATCH_BYTES:
                    _send(writer, batch)
                    batch, size = [], 0
            _send(writer, batch)
            message = ("end", None)
        except BaseException as exc:  # noqa: BLE001 - sent to the parent, which raises it
            try:
                pickle.dumps(exc)
                message = ("error", exc)
            except Exception:  # noqa: BLE001
                message = ("error", RuntimeError(repr(exc)))
        writer.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
        writer.close()
    except BaseException:  # noqa: BLE001 - the parent is gone or stopping: say nothing
        pass
    finally:
        sys.stdout.flush()
        os._exit(0)


def _send(writer: Any, batch: list[bytes]) -> None:
    """One batch of results, each already pickled."""
    if batch:
        writer.send_bytes(pickle.dumps(("ok", batch), protocol=pickle.HIGHEST_PROTOCOL))
