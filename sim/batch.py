"""Scenario batches: seeded replications and parameter sweeps, on all cores or a Dask cluster.

The runner is written against :class:`concurrent.futures.Executor`: a local process pool by
default, an in-process executor for one worker, and Dask distributed's executor
(``Client.get_executor()``) for a cluster, with runs sent in chunks. Each run's seed comes from
the batch seed and the run's index (``numpy.random.SeedSequence``), and the same run index gets
the same seed in every scenario and sweep point (common random numbers), so a table never
depends on the number of workers or the executor.

Results go to Parquet: one row per run (the outcome fields, the sweep point, every
sampled parameter). Finished chunks are written as parts in ``FILE.partial/`` while the
batch runs, so memory stays flat and a killed batch resumes with ``--resume``; the final file
is assembled in run order and appears atomically, with a JSON manifest beside it.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import hashlib
import itertools
import json
import multiprocessing
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .model import TTCModel
from .options import add_executor, add_overrides
from .outcomes import MONTH_FIELDS
from .scenario import Scenario, ScenarioError, load_scenario

# ----------------------------------------------------------------------------- schema

_BOOL = ("coordinated", "us_unilateral", "eu_adopted")
_INT = ("run", "point", "seed", "n_national_adopters", "soft_deliverables", *MONTH_FIELDS)
_STR = ("scenario", "national_adopters", "national_months", "pivotal", "outcome_class")
OUTCOME_COLUMNS = (
    "scenario", "point", "run", "seed",
    "coordinated", "month_coordinated", "months_shock_to_coordination",
    "us_unilateral", "month_unilateral", "us_stringency",
    "eu_adopted", "month_eu", "eu_stringency", "alignment", "effective_alignment",
    "national_adopters", "n_national_adopters", "national_months", "month_first_national",
    "pivotal", "fragmentation", "soft_share", "soft_deliverables", "exporter_cost", "outcome_class",
)  # fmt: skip


def _arrow_type(name: str) -> pa.DataType:
    if name in _BOOL:
        return pa.bool_()
    if name in _INT:
        return pa.int64()
    if name in _STR:
        return pa.string()
    return pa.float64()


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
            if steps < 1:
                raise ScenarioError("--sweep", text, "STEPS must be at least 1")
            values: tuple[Any, ...] = tuple(float(v) for v in np.linspace(start, stop, steps))
        else:
            values = tuple(_toml_or_string(v.strip()) for v in spec.split(",") if v.strip())
            if not values:
                raise ScenarioError("--sweep", text, "no values")
        return cls(path, values)

    @property
    def column(self) -> str:
        return f"sweep.{self.path}"

    def numeric(self) -> bool:
        return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in self.values)


def _toml_or_string(raw: str) -> Any:
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


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

    @classmethod
    def build(
        cls,
        scenarios: Sequence[str | Path | Scenario],
        runs: int,
        seed: int,
        overrides: Sequence[str] = (),
        sweeps: Sequence[str | Sweep] = (),
        trajectories: bool = False,
    ) -> Plan:
        if runs < 1:
            raise ScenarioError("--runs", "", f"must be at least 1 (got {runs})")
        sw = [s if isinstance(s, Sweep) else Sweep.parse(s) for s in sweeps]
        grid = list(itertools.product(*[s.values for s in sw])) if sw else [()]
        variants, points, index, bases = [], [], [], []
        for item in scenarios:
            if isinstance(item, Scenario):
                base = item.with_overrides(tuple(overrides)) if overrides else item
            else:
                base = load_scenario(item, tuple(overrides))
            bases.append(base)
            for k, combo in enumerate(grid):
                pairs = [(s.path, v) for s, v in zip(sw, combo, strict=True)]
                variants.append(base.with_values(pairs, "--sweep") if pairs else base)
                points.append({s.column: v for s, v in zip(sw, combo, strict=True)})
                index.append(k)
        return cls(variants, points, index, sw, runs, seed, trajectories, bases, list(overrides))

    @property
    def total(self) -> int:
        return len(self.variants) * self.runs

    def schema(self) -> pa.Schema:
        params = sorted({f"param.{p}" for v in self.variants for p in v.sampled_paths()})
        cols: list[tuple[str, pa.DataType]] = [(c, _arrow_type(c)) for c in OUTCOME_COLUMNS]
        cols += [(s.column, pa.float64() if s.numeric() else pa.string()) for s in self.sweeps]
        cols += [(p, pa.float64()) for p in params]
        return pa.schema(cols)

    def fingerprint(self) -> dict[str, Any]:
        """What must match for ``--resume`` to continue a batch."""
        return {
            "scenarios": [scenario_identity(b) for b in self.bases],
            "overrides": self.overrides,
            "sweeps": [{"path": s.path, "values": list(s.values)} for s in self.sweeps],
            "runs": self.runs,
            "seed": self.seed,
            "trajectories": self.trajectories,
        }


def scenario_identity(sc: Scenario) -> dict[str, Any]:
    """The scenario's file and its SHA-256, and a SHA-256 of its resolved parameters (which
    also changes when a file it extends or its preferences table changes)."""
    src = Path(sc.source)
    resolved = hashlib.sha256(
        repr((sorted((k, repr(v)) for k, v in sc.values.items()), sc.shocks, sc.start, sc.months)).encode()
    ).hexdigest()
    return {
        "name": sc.name,
        "file": sc.source,
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
    ctx.set_forkserver_preload(["sim.model"])
    return ctx


@contextmanager
def executor(
    workers: int | None = None, scheduler: str | None = None
) -> Iterator[tuple[cf.Executor, int, str]]:
    """(executor, number of workers, description): Dask at ``scheduler``, else local."""
    if scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise ScenarioError(
                "--scheduler", scheduler, "needs Dask distributed: pip install distributed"
            ) from None
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as e:
            raise ScenarioError("--scheduler", scheduler, f"cannot connect ({e})") from None
        try:
            n = max(1, sum(client.nthreads().values()))
            yield client.get_executor(pure=False), n, f"dask scheduler {scheduler} ({n} threads)"
        finally:
            client.close()
        return
    n = workers or os.cpu_count() or 1
    if n == 1:
        yield SerialExecutor(), 1, "1 process"
        return
    with cf.ProcessPoolExecutor(max_workers=n, mp_context=_process_context()) as ex:
        yield ex, n, f"{n} local processes"


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
    :mod:`sim.history`)."""

    base: Scenario
    events: tuple[str, ...] = ()

    def __call__(self, point: dict[str, Any], seeds: list[int]) -> list[dict[str, Any]]:
        from .history import event_months

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
) -> pd.DataFrame:
    """Run a batch in memory and return its table (the same rows ``ttcsim batch`` writes)."""
    plan = Plan.build(scenarios, runs, seed, overrides, sweeps)
    parts: dict[int, pa.Table] = {}
    with executor(workers, scheduler) as (ex, n, _):
        size = default_chunk_size(plan.total, n)
        execute_plan(plan, ex, n, size, on_result=lambda i, t, _: parts.__setitem__(i, t), progress=progress)
    return pa.concat_tables([parts[i] for i in sorted(parts)]).to_pandas()


# ----------------------------------------------------------------------------- files


def manifest_path(out: Path) -> Path:
    return out.with_name(out.stem + ".manifest.json")


def trajectories_path(out: Path) -> Path:
    return out.with_name(out.stem + ".trajectories.parquet")


class Store:
    """Parts of an unfinished batch in ``FILE.partial/``, assembled atomically at the end."""

    def __init__(self, out: Path, plan: Plan, size: int, resume: bool, force: bool):
        self.out = out
        self.partial = out.with_name(out.name + ".partial")
        self.plan_file = self.partial / "plan.json"
        fp = {"fingerprint": plan.fingerprint(), "chunk_size": size}
        if out.exists() and not force:
            hint = "it is complete" if resume else "pass --force to replace it"
            raise ScenarioError(str(out), "", f"already exists ({hint}); nothing was run or overwritten")
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
                    "an interrupted batch exists beside it; "
                    "pass --resume to finish it or --force to start over",
                )
            shutil.rmtree(self.partial)
        elif resume:
            pass  # nothing to resume: start fresh
        self.partial.mkdir(parents=True)
        _atomic_write(self.plan_file, json.dumps(fp, default=str))
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
        parts = sorted(self.partial.glob("part-*.parquet"))
        _concat_parquet(parts, self.out)
        trajs = sorted(self.partial.glob("traj-*.parquet"))
        if trajs:
            _concat_parquet(trajs, trajectories_path(self.out))
        _atomic_write(manifest_path(self.out), json.dumps(manifest, indent=2, default=str))
        shutil.rmtree(self.partial)


def _atomic_parquet(path: Path, table: pa.Table) -> None:
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _concat_parquet(parts: list[Path], out: Path) -> None:
    """Stream parts into one file in order (one part in memory at a time), then rename."""
    tmp = out.with_name(out.name + ".tmp")
    schema = pq.read_schema(parts[0])
    with pq.ParquetWriter(tmp, schema) as writer:
        for p in parts:
            writer.write_table(pq.read_table(p).cast(schema))
    os.replace(tmp, out)


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
) -> BatchResult:
    """Run a batch to ``out`` (Parquet) with a manifest beside it; see the module docstring."""
    out = Path(out)
    if out.suffix != ".parquet":
        raise ScenarioError("--out", str(out), "must end in .parquet")
    if not out.parent.is_dir():
        raise ScenarioError("--out", str(out), f"folder {out.parent} does not exist")
    plan = Plan.build(scenarios, runs, seed, overrides, sweeps, trajectories)
    started = time.time()
    with executor(workers, scheduler) as (ex, n, where):
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
        finally:
            bar.close()
    wall = time.time() - started
    manifest = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": list(command) if command is not None else None,
        "scenarios": plan.fingerprint()["scenarios"],
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
        "trajectories": str(trajectories_path(out)) if trajectories else None,
        "versions": _versions(),
        "git_commit": _git_commit(),
    }
    store.finish(manifest)
    return BatchResult(out, manifest)


def read_results(paths: Sequence[str | Path]) -> pd.DataFrame:
    """Read one or more batch result files into one table."""
    frames = []
    for p in paths:
        try:
            frames.append(pq.read_table(p).to_pandas())
        except FileNotFoundError:
            raise ScenarioError(str(p), "", "file not found") from None
        except (pa.ArrowInvalid, OSError) as e:
            raise ScenarioError(str(p), "", f"not a Parquet results file ({e})") from None
    return pd.concat(frames, ignore_index=True)


# ----------------------------------------------------------------------------- CLI


def add_commands(sub: Any) -> None:
    p = sub.add_parser("batch", help="run seeded replications and sweeps to a Parquet file")
    p.add_argument("scenario", nargs="+", help="scenario TOML files")
    p.add_argument("--runs", type=int, required=True, help="replications per scenario and sweep point")
    p.add_argument("--seed", type=int, default=0, help="batch seed (default 0)")
    add_overrides(p)
    p.add_argument(
        "--sweep",
        action="append",
        default=[],
        metavar="PATH=V1,V2|START:STOP:STEPS",
        help="sweep a parameter; several form a full grid",
    )
    add_executor(p)
    p.add_argument("--out", required=True, help="results file (.parquet); a .manifest.json goes beside it")
    p.add_argument("--trajectories", action="store_true", help="also write monthly trajectories")
    p.add_argument("--resume", action="store_true", help="finish an interrupted batch")
    p.add_argument("--force", action="store_true", help="replace an existing results file")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--chunk-size", type=int, help=argparse.SUPPRESS)


def cmd_batch(args: argparse.Namespace) -> int:
    if args.workers is not None and args.workers < 1:
        raise ScenarioError("--workers", str(args.workers), "must be at least 1")
    res = run_batch(
        args.scenario,
        args.runs,
        args.seed,
        args.out,
        args.overrides,
        args.sweep,
        workers=args.workers,
        scheduler=args.scheduler,
        trajectories=args.trajectories,
        resume=args.resume,
        force=args.force,
        quiet=args.quiet,
        chunk_size=args.chunk_size,
        command=["ttcsim", *sys.argv[1:]],
    )
    m = res.manifest
    print(
        f"wrote {res.path}: {m['total_runs']} runs in {m['wall_seconds']} s "
        f"({m['runs_per_second']} runs/s, {m['executor']}); manifest {manifest_path(res.path)}"
    )
    return 0
