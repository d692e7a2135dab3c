"""Where a design's runs execute: a local process pool, this process, or a Dask cluster.

The runner is written against :class:`concurrent.futures.Executor`: a local process pool by
default, an in-process executor for one worker, and Dask distributed's executor
(``Client.get_executor()``) for a cluster. A design's runs are sent in chunks (contiguous
slices of its points times replications), at most two per worker in flight, and each
finished chunk is handed back as an Arrow table as soon as it completes.
"""

from __future__ import annotations

import concurrent.futures as cf
import itertools
import multiprocessing
import os
import select
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa

from sim.scenario import Scenario, ScenarioError

from .designs import Design, Evaluator, cells, run_seed

WORKERS_PER_CORE = 4
"""Most local worker processes per core: more only add memory (about 115 MB each)."""


def max_workers() -> int:
    return WORKERS_PER_CORE * (os.cpu_count() or 1)


def check_workers(workers: int | None) -> None:
    if workers is None:
        return
    if workers < 1:
        raise ScenarioError("workers", str(workers), "must be at least 1")
    if workers > max_workers():
        raise ScenarioError(
            "workers",
            str(workers),
            f"at most {max_workers()} ({WORKERS_PER_CORE} per core on this machine's "
            f"{os.cpu_count() or 1} cores); more processes only add memory, about 115 MB each",
        )


# ----------------------------------------------------------------------------- chunks


@dataclass
class Chunk:
    """A contiguous slice [start, stop) of a design's runs, with the points it needs."""

    index: int
    start: int
    stop: int
    runs: int
    seed: int
    variants: dict[int, Scenario | None]
    points: dict[int, dict[str, Any]]
    point_index: dict[int, int]
    schema: pa.Schema
    trajectories: bool
    evaluator: Evaluator
    inputs: dict[int, dict[str, Any]] = field(default_factory=dict)
    values: dict[int, tuple[tuple[str, Any], ...]] = field(default_factory=dict)
    independent: bool = False


def run_chunk(chunk: Chunk) -> tuple[int, int, pa.Table, pa.Table | None]:
    """Run one chunk (in a worker); return (index, n_runs, rows, trajectories)."""
    rows, trajs = [], []
    at: dict[int, Scenario | None] = {}
    for g in range(chunk.start, chunk.stop):
        v, r = divmod(g, chunk.runs)
        pairs = chunk.values.get(v, ())
        if v not in at:
            sc = chunk.variants[v]
            at[v] = sc.with_values(list(pairs), "params") if pairs and sc is not None else sc
        seed = run_seed(chunk.seed, g if chunk.independent else r)
        row, t = chunk.evaluator(at[v], dict(pairs), seed, chunk.trajectories)
        row["run"], row["point"], row["seed"] = r, chunk.point_index[v], seed
        row.update(chunk.points[v])
        row.update(chunk.inputs.get(v, {}))
        rows.append(row)
        if t is not None:
            t.insert(0, "run", r)
            t.insert(0, "point", chunk.point_index[v])
            t.insert(0, "scenario", row.get("scenario"))
            trajs.append(t)
    table = pa.Table.from_pylist(rows, schema=chunk.schema)
    traj = pa.Table.from_pandas(pd.concat(trajs, ignore_index=True), preserve_index=False) if trajs else None
    return chunk.index, chunk.stop - chunk.start, table, traj


def chunks(design: Design, size: int) -> Iterator[Chunk]:
    schema = design.schema()
    for k, start in enumerate(range(0, design.total, size)):
        stop = min(start + size, design.total)
        vs = range(start // design.runs, (stop - 1) // design.runs + 1)
        yield Chunk(
            k,
            start,
            stop,
            design.runs,
            design.seed,
            {v: design.variants[v] for v in vs},
            {v: design.points[v] for v in vs},
            {v: design.point_index[v] for v in vs},
            schema,
            design.trajectories,
            design.evaluator,
            {v: cells(design.inputs[v], schema) for v in vs} if design.inputs else {},
            {v: design.values[v] for v in vs} if design.values else {},
            design.independent,
        )


def default_chunk_size(total: int, workers: int) -> int:
    """About eight chunks per worker, 20..1000 runs each: small per-task overhead, even load."""
    return int(min(1000, max(20, -(-total // (8 * max(1, workers))))))


# ----------------------------------------------------------------------------- executors


class SerialExecutor(cf.Executor):
    """Runs each task in this process when submitted (one worker, no pickling)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        f: cf.Future[Any] = cf.Future()
        try:
            f.set_result(fn(*args, **kwargs))
        except BaseException as e:  # noqa: BLE001 - delivered through the future
            f.set_exception(e)
        return f


def _process_context() -> multiprocessing.context.BaseContext:
    """Fork when this process runs a single Python thread: fast, and a user's script needs
    no ``if __name__ == "__main__":`` guard. With other Python threads alive (a dashboard
    server, a Dask client), forking could copy a lock one of them holds, so use a fork server
    instead. Native thread pools (BLAS, Arrow) are idle between calls and hold no Python lock."""
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["sim.model.model"])
    return ctx


def _die_with_parent(parent: int) -> None:
    """Pool initializer: end this worker when the process that made the pool ends, so that a
    killed batch leaves no idle workers behind (also with a fork server in between, which
    lives as long as its workers). A thread waits on a pidfd of that process (Linux), else
    checks it every second."""

    def watch() -> None:
        try:
            select.select([os.pidfd_open(parent)], [], [])  # readable when it has ended
        except ProcessLookupError:
            pass  # it has ended already
        except (AttributeError, OSError):  # no pidfd here
            with suppress(ProcessLookupError):
                while True:
                    os.kill(parent, 0)
                    time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="ttcsim-parent-watch").start()


def _check_scheduler(address: str) -> None:
    host, sep, port = address.rpartition("://")[2].rpartition(":")
    if not (sep and host and port.isdigit() and 0 < int(port) < 65536):
        raise ScenarioError("scheduler", address, "expected tcp://HOST:PORT (a port in 1..65535)")


@contextmanager
def executor(
    workers: int | None = None, scheduler: str | None = None
) -> Iterator[tuple[cf.Executor, int, str]]:
    """(executor, number of workers, description): Dask at ``scheduler``, else local
    (at most :func:`max_workers` processes, which end with this process)."""
    if scheduler:
        _check_scheduler(scheduler)
        try:
            from distributed import Client
        except ImportError:
            raise ScenarioError(
                "scheduler", scheduler, "needs Dask distributed: pip install distributed"
            ) from None
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, ValueError, TypeError) as e:
            raise ScenarioError("scheduler", scheduler, f"cannot connect ({e})") from None
        try:
            n = max(1, sum(client.nthreads().values()))
            yield client.get_executor(pure=False), n, f"dask scheduler {scheduler} ({n} threads)"
        finally:
            client.close()
        return
    check_workers(workers)
    n = workers or os.cpu_count() or 1
    if n == 1:
        yield SerialExecutor(), 1, "1 process"
        return
    ctx = _process_context()
    with cf.ProcessPoolExecutor(n, ctx, initializer=_die_with_parent, initargs=(os.getpid(),)) as ex:
        try:
            yield ex, n, f"{n} local processes"
        except BaseException:
            ex.shutdown(wait=True, cancel_futures=True)  # do not run the rest after a failure
            raise


def execute(
    ex: cf.Executor,
    n_workers: int,
    fn: Callable[[Any], Any],
    jobs: Iterable[Any],
    on_result: Callable[[Any], None],
) -> None:
    """Submit ``fn(job)`` for each job, at most two per worker in flight, and hand each
    result to ``on_result`` as it completes (in completion order)."""
    todo = iter(jobs)
    pending: set[cf.Future[Any]] = {ex.submit(fn, j) for j in itertools.islice(todo, 2 * n_workers)}
    while pending:
        done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
        for f in done:
            on_result(f.result())
            nxt = next(todo, None)
            if nxt is not None:
                pending.add(ex.submit(fn, nxt))


def execute_design(
    design: Design,
    ex: cf.Executor,
    n_workers: int,
    size: int,
    skip: set[int] | frozenset[int] = frozenset(),
    on_result: Callable[[int, pa.Table, pa.Table | None], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Run a design's chunks (skipping finished ones) and hand each chunk's tables over."""

    def handle(result: tuple[int, int, pa.Table, pa.Table | None]) -> None:
        index, n, table, traj = result
        if on_result:
            on_result(index, table, traj)
        if progress:
            progress(n)

    todo = (c for c in chunks(design, size) if c.index not in skip)
    execute(ex, n_workers, run_chunk, todo, handle)
