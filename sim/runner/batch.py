"""Scenario batches: seeded replications and parameter sweeps, on all cores or a Dask cluster.

The runner is written against :class:`concurrent.futures.Executor`: a local process pool by
default, an in-process executor for one worker, and Dask distributed's executor
(``Client.get_executor()``) for a cluster, with runs sent in chunks. Each run's seed comes from
the batch seed and the run's index (``numpy.random.SeedSequence``), and the same run index gets
the same seed in every scenario and sweep point (common random numbers), so a table never
depends on the number of workers or the executor.

Results go to Parquet (or CSV): one row per run (the outcome fields, the sweep point,
and every input the run had as ``param.<path>``: each sampled value and each value set by
``--set`` or ``--sweep``). Finished chunks are written as parts in ``FILE.partial/`` while the
batch runs, so memory stays flat and a killed batch resumes with ``--resume``.

One batch at a time writes an output: it holds ``FILE.lock`` (its pid, host and command),
which the kernel releases when the process ends, however it ends. The final assembly is one
resumable unit: the results, trajectories and manifest are first written inside
``FILE.partial/``, then moved into place (the manifest last), and only then are the parts
removed. A kill at any point leaves the parts, which ``--resume`` assembles again, or the
complete set. The manifest and the trajectories carry the run hash of the results (a SHA-256
over the table), so a trajectories file is never taken for another batch's.
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import fcntl
import hashlib
import itertools
import json
import math
import multiprocessing
import os
import platform
import select
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from sim.messages import show
from sim.model import TTCModel, check_seed
from sim.model.outcomes import OUTCOMES, OutcomeKind
from sim.scenario import Scenario, ScenarioError, load_scenario, parse_override, parse_value
from sim.scenario.distributions import Distribution

# ----------------------------------------------------------------------------- limits

WORKERS_PER_CORE = 4
"""Most local worker processes per core: more only add memory (about 115 MB each)."""
MAX_RUNS = 1_000_000
"""Most runs per scenario and sweep point in one batch (about half an hour per core for the
China scenario): a larger number is almost always a typing slip. Split a larger study into
batches with different seeds."""
MAX_POINTS = 10_000
"""Most scenario-and-sweep-point variants in one batch (each is a resolved scenario held in
memory while the batch runs)."""
MAX_TOTAL_RUNS = 10_000_000
"""Most runs in one batch, all variants together (about 1.5 GB of Parquet and a few hours
on two cores)."""


def max_workers() -> int:
    return WORKERS_PER_CORE * (os.cpu_count() or 1)


def check_workers(workers: int | None) -> None:
    if workers is None:
        return
    if workers < 1:
        raise ScenarioError("--workers", str(workers), "must be at least 1")
    if workers > max_workers():
        raise ScenarioError(
            "--workers",
            str(workers),
            f"at most {max_workers()} ({WORKERS_PER_CORE} per core on this machine's "
            f"{os.cpu_count() or 1} cores); more processes only add memory, about 115 MB each",
        )


# ----------------------------------------------------------------------------- schema

RUN_COLUMNS: tuple[tuple[str, OutcomeKind], ...] = (
    ("scenario", "str"),
    ("point", "int"),
    ("run", "int"),
    ("seed", "int"),
)
"""The runner's own columns, which say which run a row is: then come the declared outcomes."""
_KINDS: dict[str, OutcomeKind] = dict(RUN_COLUMNS) | {o.name: o.kind for o in OUTCOMES}
OUTCOME_COLUMNS = tuple(_KINDS)
_ARROW_TYPES: dict[OutcomeKind, pa.DataType] = {
    "bool": pa.bool_(),
    "int": pa.int64(),
    "month": pa.int64(),
    "float": pa.float64(),
    "str": pa.string(),
}


def _arrow_type(name: str) -> pa.DataType:
    """The Arrow type of one of the ``OUTCOME_COLUMNS``."""
    return _ARROW_TYPES[_KINDS[name]]


def run_seed(batch_seed: int, run_index: int) -> int:
    """The seed of run ``run_index`` in a batch seeded ``batch_seed`` (63 bits)."""
    ss = np.random.SeedSequence(batch_seed, spawn_key=(run_index,))
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


# ----------------------------------------------------------------------------- sweeps


@dataclass(frozen=True)
class Sweep:
    """One swept parameter: ``PATH=V1,V2,...`` or ``PATH=START:STOP:STEPS`` (inclusive)."""

    path: str
    values: tuple[Any, ...]

    @classmethod
    def parse(cls, text: str) -> Sweep:
        path, sep, spec = text.partition("=")
        path, spec = path.strip(), spec.strip()
        if not sep or not path or not spec:
            raise ScenarioError("--sweep", text, "expected PATH=V1,V2,... or PATH=START:STOP:STEPS")
        if "," not in spec and spec.count(":") == 2:
            parts = spec.split(":")
            try:
                start, stop, steps = float(parts[0]), float(parts[1]), int(parts[2])
            except ValueError:
                raise ScenarioError(
                    "--sweep", text, "START:STOP:STEPS needs two numbers and a whole number"
                ) from None
            if not 1 <= steps <= MAX_POINTS:
                raise ScenarioError("--sweep", text, f"STEPS must be a whole number from 1 to {MAX_POINTS:,}")
            values: tuple[Any, ...] = tuple(float(v) for v in np.linspace(start, stop, steps))
        else:
            items = [v.strip() for v in spec.split(",") if v.strip()]
            if len(items) > MAX_POINTS:
                raise ScenarioError("--sweep", path, f"at most {MAX_POINTS:,} values (got {len(items):,})")
            values = tuple(parse_value(v, "--sweep", path) for v in items)
            if not values:
                raise ScenarioError("--sweep", text, "no values")
        repeated = sorted({show(v) for v in values if values.count(v) > 1})
        if repeated:
            raise ScenarioError(
                "--sweep", path, f"value(s) {', '.join(repeated)} given twice: each point once"
            )
        return cls(path, values)

    @property
    def column(self) -> str:
        return f"sweep.{self.path}"


# ----------------------------------------------------------------------------- the plan


@dataclass
class Plan:
    """What a batch runs: one variant per scenario and sweep point, ``runs`` seeds each."""

    variants: list[Scenario]
    points: list[dict[str, Any]]  # the sweep values of each variant
    point_index: list[int]
    sweeps: list[Sweep]
    runs: int
    seed: int
    trajectories: bool = False
    bases: list[Scenario] = field(default_factory=list)
    overrides: list[str] = field(default_factory=list)
    inputs: list[dict[str, Any]] = field(default_factory=list)  # each variant's set values

    @classmethod
    def build(
        cls,
        scenarios: Sequence[str | Path | Scenario],
        runs: int,
        seed: int,
        overrides: Sequence[str] = (),
        sweeps: Sequence[str | Sweep] = (),
        trajectories: bool = False,
        labels: Sequence[str] = (),
    ) -> Plan:
        """``labels``, one per scenario in order, name the scenarios in the results (two
        scenarios with the same name would otherwise pool into one group: an error)."""
        if runs < 1:
            raise ScenarioError("--runs", "", f"must be at least 1 (got {runs})")
        if runs > MAX_RUNS:
            raise ScenarioError(
                "--runs", str(runs), f"at most {MAX_RUNS:,} per scenario and sweep point; "
                "split a larger study into batches with different --seed"
            )  # fmt: skip
        check_seed(seed)
        if labels and len(labels) != len(scenarios):
            raise ScenarioError(
                "--label",
                " ".join(labels),
                f"give one label per scenario file, in order ({len(scenarios)} files, {len(labels)} labels)",
            )
        if any(not label.strip() for label in labels):
            raise ScenarioError("--label", "", "a label cannot be empty")
        twice = sorted({label for label in labels if labels.count(label) > 1})
        if twice:
            raise ScenarioError("--label", " ".join(twice), "given twice: each scenario needs its own label")
        sw = [s if isinstance(s, Sweep) else Sweep.parse(s) for s in sweeps]
        n_points = math.prod(len(s.values) for s in sw)
        if n_points * len(scenarios) > MAX_POINTS or n_points * len(scenarios) * runs > MAX_TOTAL_RUNS:
            raise ScenarioError(
                "--sweep",
                " ".join(s.path for s in sw),
                f"{len(scenarios)} scenario(s) x {n_points:,} sweep points x {runs:,} runs is more than one "
                f"batch holds (at most {MAX_POINTS:,} variants and {MAX_TOTAL_RUNS:,} runs): "
                "sweep fewer values, or split the study into batches",
            )
        grid = list(itertools.product(*[s.values for s in sw])) if sw else [()]
        variants, points, index, bases, inputs = [], [], [], [], []
        named: dict[str, str] = {}
        for k, item in enumerate(scenarios):
            if isinstance(item, Scenario):
                base = item.with_overrides(tuple(overrides)) if overrides else item
            else:
                base = load_scenario(item, tuple(overrides))
            if labels:
                base = replace(base, name=labels[k])
            where = base.source if isinstance(item, Scenario) else str(item)
            if base.name in named:
                raise ScenarioError(
                    where,
                    "scenario.name",
                    f"{base.name!r} is also the name of {named[base.name]}; name each scenario "
                    "in the results with --label NAME (one per scenario file, in order)",
                )
            named[base.name] = where
            bases.append(base)
            set_paths = [parse_override(text)[0] for text in base.overrides] + [s.path for s in sw]
            for j, combo in enumerate(grid):
                pairs = [(s.path, v) for s, v in zip(sw, combo, strict=True)]
                variant = base.with_values(pairs, "--sweep") if pairs else base
                variants.append(variant)
                points.append({s.column: v for s, v in zip(sw, combo, strict=True)})
                index.append(j)
                inputs.append(input_values(variant, set_paths))
        return cls(variants, points, index, sw, runs, seed, trajectories, bases, list(overrides), inputs)

    @property
    def total(self) -> int:
        return len(self.variants) * self.runs

    def schema(self) -> pa.Schema:
        """Outcome columns, sweep columns, then ``param.*`` (sampled values as numbers; set
        values as numbers, true/false or strings, whichever all variants' values are)."""
        values: dict[str, list[Any]] = {}
        for variant, inputs in zip(self.variants, self.inputs or [{}] * len(self.variants), strict=True):
            for p in variant.sampled_paths():
                values.setdefault(f"param.{p}", []).append(0.0)
            for column, v in inputs.items():
                values.setdefault(column, []).append(v)
        cols: list[tuple[str, pa.DataType]] = [(c, _arrow_type(c)) for c in OUTCOME_COLUMNS]
        cols += [(s.column, _value_type(list(s.values))) for s in self.sweeps]
        cols += [(c, _value_type(values[c])) for c in sorted(values)]
        return pa.schema(cols)

    def fingerprint(self, folder: Path | None = None) -> dict[str, Any]:
        """What must match for ``--resume`` to continue a batch (scenario files relative to
        ``folder``, the output's, so that a resume from elsewhere still matches)."""
        return {
            "scenarios": [scenario_identity(b, folder) for b in self.bases],
            "overrides": self.overrides,
            "sweeps": [{"path": s.path, "values": list(s.values)} for s in self.sweeps],
            "runs": self.runs,
            "seed": self.seed,
            "trajectories": self.trajectories,
        }


def input_values(sc: Scenario, paths: Iterable[str]) -> dict[str, Any]:
    """The value each set path (``--set``, ``--sweep``) has in ``sc``, as ``param.<path>``
    columns by concrete path (``members.*.key`` gives one column per member). A path set to
    a distribution is left out: the run records the value it drew."""
    out: dict[str, Any] = {}
    for path in paths:
        parts = path.split(".")
        wildcard = parts[0] == "members" and len(parts) == 3 and parts[1] == "*"
        for concrete in [f"members.{m}.{parts[2]}" for m in sc.members] if wildcard else [path]:
            if concrete in sc.values:
                value = sc.values[concrete]
                if isinstance(value, Distribution):
                    continue
            elif concrete in ("scenario.start", "scenario.months", "scenario.description"):
                value = getattr(sc, concrete.removeprefix("scenario."))
            elif concrete == "members.basket":
                value = sc.basket
            elif concrete == "members.preferences":
                value = Path(sc.preferences).name
            else:
                continue  # scenario.name is the scenario column
            out[f"param.{concrete}"] = " ".join(map(str, value)) if isinstance(value, tuple) else value
    return out


def _value_type(values: list[Any]) -> pa.DataType:
    if all(isinstance(v, bool) for v in values):
        return pa.bool_()
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return pa.float64()
    return pa.string()


def _cells(inputs: dict[str, Any], schema: pa.Schema) -> dict[str, Any]:
    """Set values in their column's type (a string column holds every value as text)."""
    return {c: str(v) if schema.field(c).type == pa.string() else v for c, v in inputs.items()}


def _relative(path: str | Path, folder: Path | None) -> str:
    """``path`` relative to ``folder`` (a manifest's), so that a manifest names no absolute
    path of the machine that made it; unchanged when there is no relative path."""
    if folder is None:
        return str(path)
    try:
        return Path(os.path.relpath(Path(path).resolve(), folder.resolve())).as_posix()
    except ValueError:  # another drive
        return str(path)


def scenario_identity(sc: Scenario, folder: Path | None = None) -> dict[str, Any]:
    """The scenario's file (relative to ``folder``) and its SHA-256, and a SHA-256 of its
    resolved parameters (which also changes when a file it extends or its preferences table
    changes)."""
    src = Path(sc.source)
    resolved = hashlib.sha256(
        repr((sorted((k, repr(v)) for k, v in sc.values.items()), sc.shocks, sc.start, sc.months)).encode()
    ).hexdigest()
    return {
        "name": sc.name,
        "file": _relative(sc.source, folder) if src.is_file() else sc.source,
        "file_sha256": hashlib.sha256(src.read_bytes()).hexdigest() if src.is_file() else None,
        "resolved_sha256": resolved,
    }


# ----------------------------------------------------------------------------- work


@dataclass
class Chunk:
    """A contiguous slice [start, stop) of the plan's runs, with the variants it needs."""

    index: int
    start: int
    stop: int
    runs: int
    seed: int
    variants: dict[int, Scenario]
    points: dict[int, dict[str, Any]]
    point_index: dict[int, int]
    schema: pa.Schema
    trajectories: bool
    inputs: dict[int, dict[str, Any]] = field(default_factory=dict)


def run_chunk(chunk: Chunk) -> tuple[int, int, pa.Table, pa.Table | None]:
    """Run one chunk (in a worker); return (index, n_runs, outcome table, trajectories)."""
    rows, trajs = [], []
    for g in range(chunk.start, chunk.stop):
        v, r = divmod(g, chunk.runs)
        sc = chunk.variants[v]
        seed = run_seed(chunk.seed, r)
        model = TTCModel(sc, rng=seed, record=chunk.trajectories).run()
        row = model.outcome()
        row["run"], row["point"] = r, chunk.point_index[v]
        row.update(chunk.points[v])
        row.update(chunk.inputs.get(v, {}))
        rows.append(row)
        if chunk.trajectories:
            t = model.trajectory()
            t.insert(0, "run", r)
            t.insert(0, "point", chunk.point_index[v])
            t.insert(0, "scenario", sc.name)
            trajs.append(t)
    table = pa.Table.from_pylist(rows, schema=chunk.schema)
    traj = pa.Table.from_pandas(pd.concat(trajs, ignore_index=True), preserve_index=False) if trajs else None
    return chunk.index, chunk.stop - chunk.start, table, traj


def chunks(plan: Plan, size: int) -> Iterator[Chunk]:
    schema = plan.schema()
    for k, start in enumerate(range(0, plan.total, size)):
        stop = min(start + size, plan.total)
        vs = range(start // plan.runs, (stop - 1) // plan.runs + 1)
        yield Chunk(
            k,
            start,
            stop,
            plan.runs,
            plan.seed,
            {v: plan.variants[v] for v in vs},
            {v: plan.points[v] for v in vs},
            {v: plan.point_index[v] for v in vs},
            schema,
            plan.trajectories,
            {v: _cells(plan.inputs[v], schema) for v in vs} if plan.inputs else {},
        )


def default_chunk_size(total: int, workers: int) -> int:
    """About eight chunks per worker, 20..1000 runs each: small per-task overhead, even load."""
    return int(min(1000, max(20, -(-total // (8 * max(1, workers))))))


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
        raise ScenarioError("--scheduler", address, "expected tcp://HOST:PORT (a port in 1..65535)")


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
                "--scheduler", scheduler, "needs Dask distributed: pip install distributed"
            ) from None
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, ValueError, TypeError) as e:
            raise ScenarioError("--scheduler", scheduler, f"cannot connect ({e})") from None
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


def execute_plan(
    plan: Plan,
    ex: cf.Executor,
    n_workers: int,
    size: int,
    skip: set[int] | frozenset[int] = frozenset(),
    on_result: Callable[[int, pa.Table, pa.Table | None], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Run a plan's chunks (skipping finished ones) and hand each chunk's tables over."""

    def handle(result: tuple[int, int, pa.Table, pa.Table | None]) -> None:
        index, n, table, traj = result
        if on_result:
            on_result(index, table, traj)
        if progress:
            progress(n)

    todo = (c for c in chunks(plan, size) if c.index not in skip)
    execute(ex, n_workers, run_chunk, todo, handle)


# ----------------------------------------------------------------------------- design points


@dataclass
class PointJob:
    """Some design points, each to be evaluated with the same replication seeds."""

    fn: Callable[[dict[str, Any], list[int]], list[dict[str, Any]]]
    points: list[tuple[int, dict[str, Any]]]
    seeds: list[int]


def run_points(job: PointJob) -> list[dict[str, Any]]:
    """Evaluate a job's points (in a worker): one output row per point and replication."""
    out = []
    for index, point in job.points:
        for rep, row in enumerate(job.fn(point, job.seeds)):
            out.append({"point": index, "rep": rep, **row})
    return out


@dataclass
class ModelAt:
    """Evaluate the model at a design point: ``base`` with the point's parameter values.
    Each row is the outcome row, the point's values as ``param.<path>``, and, for each of
    ``events``, the month of that historical event in the run (``event.<quantity>``, see
    :mod:`sim.analysis.history`)."""

    base: Scenario
    events: tuple[str, ...] = ()

    def __call__(self, point: dict[str, Any], seeds: list[int]) -> list[dict[str, Any]]:
        from sim.model.outcomes import event_months

        variant = self.base.with_values(list(point.items()), "--param") if point else self.base
        rows = []
        for s in seeds:
            model = TTCModel(variant, rng=s, record=False).run()
            row = model.outcome()
            row.update({f"param.{k}": v for k, v in point.items()})
            if self.events:
                row.update(event_months(model, list(self.events)))
            rows.append(row)
        return rows


def evaluate_points(
    fn: Callable[[dict[str, Any], list[int]], list[dict[str, Any]]],
    points: Sequence[dict[str, Any]],
    replications: int,
    seed: int = 0,
    workers: int | None = 1,
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Evaluate ``fn`` at every design point with ``replications`` seeded replications, on
    the same executors as batches. Replication r uses the same seed at every point (common
    random numbers), so differences between points are not drowned in noise."""
    if replications < 1:
        raise ScenarioError("--replications", "", f"must be at least 1 (got {replications})")
    check_seed(seed)
    seeds = [run_seed(seed, r) for r in range(replications)]
    rows: list[dict[str, Any]] = []
    with executor(workers, scheduler) as (ex, n, _):
        per_job = max(1, default_chunk_size(len(points) * replications, n) // replications)
        indexed = list(enumerate(points))
        jobs = (PointJob(fn, indexed[i : i + per_job], seeds) for i in range(0, len(indexed), per_job))

        def handle(result: list[dict[str, Any]]) -> None:
            rows.extend(result)
            if progress:
                progress(len(result))

        execute(ex, n, run_points, jobs, handle)
    return pd.DataFrame(rows).sort_values(["point", "rep"], kind="stable").reset_index(drop=True)


def simulate(
    scenarios: Sequence[str | Path | Scenario],
    runs: int,
    seed: int = 0,
    overrides: Sequence[str] = (),
    sweeps: Sequence[str | Sweep] = (),
    workers: int | None = 1,
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
    labels: Sequence[str] = (),
) -> pd.DataFrame:
    """Run a batch in memory and return its table (the same rows ``ttcsim batch`` writes)."""
    plan = Plan.build(scenarios, runs, seed, overrides, sweeps, labels=labels)
    parts: dict[int, pa.Table] = {}
    with executor(workers, scheduler) as (ex, n, _):
        size = default_chunk_size(plan.total, n)
        execute_plan(plan, ex, n, size, on_result=lambda i, t, _: parts.__setitem__(i, t), progress=progress)
    return pa.concat_tables([parts[i] for i in sorted(parts)]).to_pandas()


# ----------------------------------------------------------------------------- files


RESULT_FORMATS = (".parquet", ".csv")
RUN_HASH_KEY = b"ttcsim.run_hash"


def manifest_path(out: Path) -> Path:
    return out.with_name(out.stem + ".manifest.json")


def trajectories_path(out: Path) -> Path:
    """The monthly trajectories beside a results file (Parquet for CSV results too: they
    hold one row per run and month)."""
    return out.with_name(out.stem + ".trajectories.parquet")


def lock_path(out: Path) -> Path:
    """The lock beside an output: ``x.lock`` for ``x.parquet``, ``sens.lock`` for ``sens/``
    (``.`` is the current folder by its name)."""
    resolved = out.resolve()
    if not resolved.name:
        raise ScenarioError("--out", str(out), "cannot be the root folder")
    return resolved.with_suffix(".lock")


@contextmanager
def output_lock(out: Path, command: Sequence[str] | None = None) -> Iterator[None]:
    """Hold the exclusive lock of an output while writing it. The lock is ``flock`` on
    :func:`lock_path`, which holds the writer's pid, host and command for the message a
    second writer gets; the kernel releases it when the process ends, however it ends, so a
    lock file left by a killed process never blocks."""
    lock = lock_path(out)
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise ScenarioError(
                "--out", str(out), f"cannot write its lock file {lock.name} ({e.strerror})"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 4096, 0).decode(errors="replace").strip() or "a process"
            os.close(fd)
            raise ScenarioError(
                str(out), "", f"another run is writing it ({holder}); wait for it to end or stop it"
            ) from None
        try:
            current = os.path.samestat(os.fstat(fd), os.stat(lock))
        except FileNotFoundError:
            current = False
        if current:
            break
        os.close(fd)  # its holder removed it as we opened it: take the new one
    try:
        since = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        # file arguments by name only, so that the message stays one short line
        words = [Path(w).name if os.sep in w and "=" not in w else w for w in (command or sys.argv)]
        who = f"pid {os.getpid()} on {socket.gethostname()} since {since}: {shlex.join(words)}"
        os.ftruncate(fd, 0)
        os.pwrite(fd, (who + "\n").encode(), 0)
        yield
    finally:
        with suppress(FileNotFoundError):
            lock.unlink()
        os.close(fd)


def refuse_existing(paths: Iterable[Path], force: bool) -> None:
    """Stop before any work when an output would be overwritten without ``--force``."""
    existing = [p for p in paths if p.exists()]
    if existing and not force:
        raise ScenarioError(
            str(existing[0]),
            "",
            "already exists; pass --force to replace it (nothing was run or overwritten)",
        )


def _manifest_names(out: Path) -> bool:
    """Whether the manifest beside ``out`` exists and is the one of ``out`` (a manifest marks
    its results file complete)."""
    try:
        return bool(json.loads(manifest_path(out).read_text()).get("results") == out.name)
    except (OSError, ValueError, AttributeError):
        return False


class Store:
    """Parts of an unfinished batch in ``FILE.partial/``, assembled at the end as one
    resumable unit (see the module docstring)."""

    def __init__(self, out: Path, plan: Plan, size: int, resume: bool, force: bool):
        self.out = out
        self.partial = out.with_name(out.name + ".partial")
        self.plan_file = self.partial / "plan.json"
        self.discarded = out.with_name(out.name + ".partial.discarded")
        fp = {"fingerprint": plan.fingerprint(out.parent), "chunk_size": size}
        for sibling in (out.with_suffix(f) for f in RESULT_FORMATS if f != out.suffix):
            if sibling.exists():  # --force would replace the sibling's manifest and trajectories
                raise ScenarioError(
                    str(out),
                    "",
                    f"{sibling.name} beside it shares {manifest_path(out).name} and "
                    f"{trajectories_path(out).name} with it; move {sibling.name} away or choose another name",
                )
        _remove_tree(self.discarded)  # parts of a finished batch killed while removing them
        if self.partial.exists():
            if resume:
                saved = json.loads(self.plan_file.read_text()) if self.plan_file.exists() else {}
                if saved.get("fingerprint") != fp["fingerprint"]:
                    raise ScenarioError(
                        str(self.partial),
                        "--resume",
                        "the interrupted batch used other scenarios, overrides, sweeps, runs or seed",
                    )
                self.size = int(saved["chunk_size"])
                return
            if not force:
                raise ScenarioError(
                    str(out),
                    "",
                    f"an interrupted batch exists beside it ({self.partial.name}); "
                    "pass --resume to finish it or --force to start over",
                )
            shutil.rmtree(self.partial)
        elif not force:
            existing = [p for p in (out, manifest_path(out), trajectories_path(out)) if p.exists()]
            if not resume:
                refuse_existing(existing, force)
            if existing and out.exists() and _manifest_names(out):
                raise ScenarioError(
                    str(out), "", "is complete (its manifest is beside it): nothing to resume"
                )
            if existing:
                raise ScenarioError(
                    str(existing[0]),
                    "",
                    f"exists without its complete set and there is no interrupted batch "
                    f"({self.partial.name}) to finish it from; pass --force to run it again",
                )
        # a fresh start: the parts folder appears with its plan, or not at all
        staging = out.with_name(out.name + ".partial.new")
        _remove_tree(staging)
        staging.mkdir()
        try:
            _atomic_write(staging / "plan.json", json.dumps(fp, default=str))
            os.replace(staging, self.partial)
        except BaseException:
            _remove_tree(staging)
            raise
        self.size = size

    def done(self) -> set[int]:
        return {int(p.stem.split("-")[1]) for p in self.partial.glob("part-*.parquet")}

    def done_runs(self) -> int:
        return sum(pq.ParquetFile(p).metadata.num_rows for p in self.partial.glob("part-*.parquet"))

    def write(self, index: int, table: pa.Table, traj: pa.Table | None) -> None:
        if traj is not None:
            _atomic_parquet(self.partial / f"traj-{index:06d}.parquet", traj)
        _atomic_parquet(self.partial / f"part-{index:06d}.parquet", table)

    def finish(self, manifest: dict[str, Any]) -> None:
        """Write the results, trajectories and manifest inside the parts folder, move them
        into place (the manifest, which marks the set complete, last), then remove the parts.
        Until the parts are gone, running this again rebuilds the same set from them.
        Records the run hash in ``manifest``."""
        results = self.partial / f"results{self.out.suffix}"
        manifest["run_hash"] = run_hash = _assemble(sorted(self.partial.glob("part-*.parquet")), results)
        trajs = sorted(self.partial.glob("traj-*.parquet"))
        staged_trajs = self.partial / "trajectories.parquet"
        if trajs:
            _assemble(trajs, staged_trajs, {RUN_HASH_KEY: run_hash.encode()})
        staged_manifest = self.partial / "manifest.json"
        _atomic_write(staged_manifest, json.dumps(manifest, indent=2, default=str))
        if trajs:
            os.replace(staged_trajs, trajectories_path(self.out))
        else:
            trajectories_path(self.out).unlink(missing_ok=True)  # an earlier batch's
        os.replace(results, self.out)
        os.replace(staged_manifest, manifest_path(self.out))
        os.replace(self.partial, self.discarded)
        _remove_tree(self.discarded)


def _remove_tree(path: Path) -> None:
    if path.exists():
        shutil.rmtree(path, ignore_errors=True)


def _atomic_parquet(path: Path, table: pa.Table) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _assemble(parts: list[Path], dest: Path, metadata: dict[bytes, bytes] | None = None) -> str:
    """Stream parts into ``dest`` (CSV for ``.csv``, else Parquet) in order, one part in
    memory at a time, through a temporary file; return the run hash of the rows (only when
    no ``metadata`` is given: trajectories carry the hash of their results instead)."""
    tmp = dest.with_name(dest.name + ".tmp")
    schema = pq.read_schema(parts[0])
    if metadata:
        schema = schema.with_metadata({**(schema.metadata or {}), **metadata})
    digest = hashlib.sha256()
    writer: pq.ParquetWriter | pacsv.CSVWriter = (
        pacsv.CSVWriter(tmp, schema) if dest.suffix == ".csv" else pq.ParquetWriter(tmp, schema)
    )
    try:
        with writer:
            for k, p in enumerate(parts):
                table = pq.read_table(p).cast(schema)
                writer.write_table(table)
                if not metadata:
                    digest.update(_as_csv(table, header=k == 0))
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return digest.hexdigest()


def _as_csv(table: pa.Table, header: bool = True) -> pa.Buffer:
    buf = pa.BufferOutputStream()
    pacsv.write_csv(table, buf, pacsv.WriteOptions(include_header=header))
    return buf.getvalue()


def results_hash(path: str | Path) -> str:
    """The run hash of a results file: SHA-256 over its table written as CSV, so the same
    rows give the same hash in Parquet and in CSV. Parquet is read in slices of rows, so a
    large batch is never held in memory as text at once."""
    path = Path(path)
    if path.suffix == ".csv":
        slices: Iterable[pa.RecordBatch] = read_table(path).to_batches(max_chunksize=HASH_SLICE)
    else:
        slices = pq.ParquetFile(path).iter_batches(batch_size=HASH_SLICE)
    digest = hashlib.sha256()
    for k, rows in enumerate(slices):
        digest.update(_as_csv(pa.Table.from_batches([rows]), header=k == 0))
    return digest.hexdigest()


HASH_SLICE = 65_536
"""Rows per slice when hashing a results file."""


def verify_trajectories(results: str | Path) -> None:
    """Refuse the trajectories beside ``results`` when they belong to another batch (their
    recorded run hash is not the results' own); no trajectories file is fine."""
    results = Path(results)
    traj = trajectories_path(results)
    if not traj.exists():
        return
    recorded = (pq.read_schema(traj).metadata or {}).get(RUN_HASH_KEY, b"").decode()
    if recorded != results_hash(results):
        raise ScenarioError(
            str(traj),
            "",
            f"not the trajectories of {results.name} (its run hash "
            f"{'differs' if recorded else 'is missing'}); rerun the batch with --trajectories",
        )


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("ttcsim", "mesa", "numpy", "pandas", "pyarrow", "matplotlib", "distributed"):
        with suppress(metadata.PackageNotFoundError):
            out[pkg] = metadata.version(pkg)
    return out


def _git_commit() -> str | None:
    here = Path(__file__).resolve().parent
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        )
        dirty = subprocess.run(  # code only: regenerated results do not make a run "dirty"
            ["git", "status", "--porcelain", "--", "sim", "scenarios", "experiments", "pyproject.toml"],
            cwd=here.parent,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if sha.returncode != 0:
        return None
    return sha.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


@dataclass
class BatchResult:
    path: Path
    manifest: dict[str, Any]


def run_batch(
    scenarios: Sequence[str | Path],
    runs: int,
    seed: int,
    out: str | Path,
    overrides: Sequence[str] = (),
    sweeps: Sequence[str] = (),
    workers: int | None = None,
    scheduler: str | None = None,
    trajectories: bool = False,
    resume: bool = False,
    force: bool = False,
    quiet: bool = True,
    chunk_size: int | None = None,
    command: Sequence[str] | None = None,
    labels: Sequence[str] = (),
) -> BatchResult:
    """Run a batch to ``out`` (Parquet, or CSV for ``.csv``) with a manifest beside it; see
    the module docstring. Paths in the manifest are relative to its folder."""
    out = Path(out)
    if out.suffix not in RESULT_FORMATS:
        raise ScenarioError("--out", str(out), "must end in .parquet or .csv")
    if out.is_dir():
        raise ScenarioError("--out", str(out), "is a folder; name a results file")
    if not out.parent.is_dir():
        raise ScenarioError("--out", str(out), f"folder {out.parent} does not exist")
    if chunk_size is not None and chunk_size < 1:
        raise ScenarioError("--chunk-size", str(chunk_size), "must be at least 1")
    plan = Plan.build(scenarios, runs, seed, overrides, sweeps, trajectories, labels)
    started = time.time()
    with executor(workers, scheduler) as (ex, n, where), output_lock(out, command):
        store = Store(out, plan, chunk_size or default_chunk_size(plan.total, n), resume, force)
        skip = store.done()
        already = store.done_runs() if skip else 0
        from tqdm import tqdm

        bar = tqdm(
            total=plan.total,
            initial=already,
            unit="run",
            file=sys.stderr,
            smoothing=0.1,
            disable=quiet or not sys.stderr.isatty(),
            desc="ttcsim batch",
        )
        try:
            execute_plan(plan, ex, n, store.size, skip, on_result=store.write, progress=bar.update)
        except OSError as e:
            raise _kept(e, store) from None
        finally:
            bar.close()
        wall = time.time() - started
        manifest = {
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": list(command) if command is not None else None,
            "results": out.name,
            "paths": "relative to this manifest's folder",
            "scenarios": plan.fingerprint(out.parent)["scenarios"],
            "overrides": list(overrides),
            "sweeps": [{"path": s.path, "values": list(s.values)} for s in plan.sweeps],
            "runs_per_point": runs,
            "points": len(plan.points) // max(1, len(plan.bases)),
            "total_runs": plan.total,
            "batch_seed": seed,
            "seed_rule": "run i uses SeedSequence(batch_seed, spawn_key=(i,)).generate_state(1, uint64) >> 1",
            "resumed_runs": already,
            "executor": where,
            "chunk_size": store.size,
            "wall_seconds": round(wall, 3),
            "runs_per_second": round((plan.total - already) / wall, 1) if wall > 0 else None,
            "trajectories": trajectories_path(out).name if trajectories else None,
            "versions": _versions(),
            "git_commit": _git_commit(),
        }
        try:
            store.finish(manifest)
        except OSError as e:
            raise _kept(e, store) from None
    return BatchResult(out, manifest)


def _kept(error: OSError, store: Store) -> ScenarioError:
    """The message for an I/O error during a batch: the finished runs stay for --resume."""
    return ScenarioError(
        str(error.filename or store.out),
        "",
        f"{error.strerror or error}; the finished runs are kept in {store.partial.name}: "
        "fix this and run the same command with --resume",
    )


def read_table(path: str | Path) -> pa.Table:
    """A results file as an Arrow table: Parquet, or CSV as ``ttcsim batch`` writes it (the
    outcome columns in their types; other columns as true/false, numbers or strings,
    whichever all their values are)."""
    path = Path(path)
    if path.suffix != ".csv":
        return pq.read_table(path)
    with path.open(newline="", encoding="utf-8") as f:
        names = next(csv.reader(f), [])
    types = {c: _arrow_type(c) if c in OUTCOME_COLUMNS else pa.string() for c in names}
    table = pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            column_types=types, strings_can_be_null=True, quoted_strings_can_be_null=False
        ),
    )
    for k, name in enumerate(table.column_names):
        if name not in OUTCOME_COLUMNS:
            table = table.set_column(k, name, _narrowed(table.column(k)))
    return table


def _narrowed(column: pa.ChunkedArray) -> pa.ChunkedArray:
    values = set(column.unique().drop_null().to_pylist())
    if values and values <= {"true", "false"}:
        return column.cast(pa.bool_())
    try:
        return column.cast(pa.float64())
    except pa.ArrowInvalid:
        return column


def read_results(paths: Sequence[str | Path]) -> pd.DataFrame:
    """Read one or more batch result files (Parquet or CSV) into one table."""
    frames = []
    for p in paths:
        if Path(p).is_dir():
            raise ScenarioError(str(p), "", "is a folder, not a results file")
        try:
            frames.append(read_table(p).to_pandas())
        except FileNotFoundError:
            raise ScenarioError(str(p), "", "file not found") from None
        except (pa.ArrowInvalid, OSError, UnicodeDecodeError, csv.Error) as e:
            raise ScenarioError(str(p), "", f"not a results file of ttcsim batch ({e})") from None
    return pd.concat(frames, ignore_index=True)
