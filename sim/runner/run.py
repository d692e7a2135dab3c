"""The runner: a design's runs on an executor, into memory or into a resumable results file.

Every analysis runs through :func:`run_design`: a batch (scenarios times sweep points), a
Saltelli or Morris design, a generation of calibration particles, the historical validation.
Given ``out``, the results are written in parts beside it while the design runs (see
:mod:`sim.runner.store`), a killed run continues with ``resume=True`` without redoing the runs
it finished, and the manifest (:mod:`sim.runner.manifest`) goes beside the results.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from sim.scenario import Scenario, ScenarioError

from .designs import Design, Sweep
from .executors import default_chunk_size, execute_design, executor
from .manifest import describe, describes, read_manifest
from .store import RESULT_FORMATS, Store, kept, output_lock, read_table, trajectories_path


@dataclass
class RunResult:
    """A finished design: its results file and manifest, or (run in memory) its rows."""

    path: Path | None
    manifest: dict[str, Any] = field(default_factory=dict)
    rows: pa.Table | None = None

    def frame(self) -> pd.DataFrame:
        """The rows as a pandas table (read back from the results file when there is one)."""
        rows = self.rows if self.rows is not None else read_table(self.path)  # type: ignore[arg-type]
        return rows.to_pandas()


BatchResult = RunResult  # the name batches have always used


def check_out(out: Path) -> None:
    """Refuse a results file the runner cannot write as named."""
    if out.suffix not in RESULT_FORMATS:
        raise ScenarioError("out", str(out), "must end in .parquet or .csv")
    if out.is_dir():
        raise ScenarioError("out", str(out), "is a folder; name a results file")
    if not out.parent.is_dir():
        raise ScenarioError("out", str(out), f"folder {out.parent} does not exist")


def run_design(
    design: Design,
    out: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    force: bool = False,
    quiet: bool = True,
    progress: Callable[[int], None] | None = None,
    chunk_size: int | None = None,
    command: Sequence[str] | None = None,
    reuse: bool = False,
    desc: str = "ttcsim",
) -> RunResult:
    """Run every point of ``design`` with its replications. Without ``out``, the rows are
    returned in memory. With ``out`` (Parquet, or CSV for ``.csv``), they are written there
    with a manifest beside it; ``resume`` finishes an interrupted run from its parts, and with
    ``reuse`` a resume also takes a finished ``out`` whose manifest records this very design
    as it is (an analysis interrupted after some of its designs). ``progress`` is called with
    each finished chunk's number of runs; unless ``quiet``, a progress bar shows on a terminal."""
    if chunk_size is not None and chunk_size < 1:
        raise ScenarioError("chunk_size", str(chunk_size), "must be at least 1")
    if out is None:
        parts: dict[int, pa.Table] = {}
        with executor(workers, scheduler) as (ex, n, _):
            size = chunk_size or default_chunk_size(design.total, n)
            execute_design(
                design, ex, n, size, on_result=lambda i, t, _: parts.__setitem__(i, t), progress=progress
            )
        return RunResult(None, rows=pa.concat_tables([parts[i] for i in sorted(parts)]))
    out = Path(out)
    check_out(out)
    started = time.time()
    with executor(workers, scheduler) as (ex, n, where), output_lock(out, command):
        if reuse and resume and not out.with_name(out.name + ".partial").exists():
            manifest = read_manifest(out)
            if manifest is not None and describes(manifest, design, out):
                return RunResult(out, manifest)
        store = Store(out, design, chunk_size or default_chunk_size(design.total, n), resume, force)
        skip = store.done()
        already = store.done_runs() if skip else 0
        from tqdm import tqdm

        bar = tqdm(
            total=design.total,
            initial=already,
            unit="run",
            file=sys.stderr,
            smoothing=0.1,
            disable=quiet or not sys.stderr.isatty(),
            desc=desc,
        )

        def advance(k: int) -> None:
            bar.update(k)
            if progress:
                progress(k)

        try:
            execute_design(design, ex, n, store.size, skip, on_result=store.write, progress=advance)
        except OSError as e:
            raise kept(e, store) from None
        finally:
            bar.close()
        manifest = describe(
            design,
            out,
            command=command,
            executor=where,
            chunk_size=store.size,
            resumed=already,
            wall=time.time() - started,
            trajectories=trajectories_path(out).name if design.trajectories else None,
        )
        try:
            store.finish(manifest)
        except OSError as e:
            raise kept(e, store) from None
    return RunResult(out, manifest)


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
) -> RunResult:
    """Run a batch (each scenario at each sweep point, ``runs`` seeded runs each) to ``out``
    (Parquet, or CSV for ``.csv``) with a manifest beside it. Paths in the manifest are
    relative to its folder."""
    out = Path(out)
    check_out(out)
    if chunk_size is not None and chunk_size < 1:
        raise ScenarioError("chunk_size", str(chunk_size), "must be at least 1")
    design = Design.grid(scenarios, runs, seed, overrides, sweeps, trajectories, labels)
    return run_design(
        design, out, workers, scheduler, resume, force, quiet, None, chunk_size, command, desc="ttcsim batch"
    )


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
    design = Design.grid(scenarios, runs, seed, overrides, sweeps, labels=labels)
    return run_design(design, None, workers, scheduler, progress=progress).frame()
