"""Batches by their old address: the names callers of ``sim.runner.batch`` import, each
defined once in :mod:`sim.runner.designs`, ``executors``, ``store``, ``manifest`` or ``run``."""

from __future__ import annotations

from .designs import MAX_POINTS, MAX_RUNS, MAX_TOTAL_RUNS, OUTCOME_COLUMNS, RUN_COLUMNS, Sweep, run_seed
from .designs import Design as Plan
from .executors import WORKERS_PER_CORE, executor, max_workers
from .manifest import manifest_path
from .run import BatchResult, run_batch, simulate
from .store import (
    output_lock,
    read_results,
    read_table,
    refuse_existing,
    results_hash,
    trajectories_path,
    verify_trajectories,
)

__all__ = [
    "MAX_POINTS",
    "MAX_RUNS",
    "MAX_TOTAL_RUNS",
    "OUTCOME_COLUMNS",
    "RUN_COLUMNS",
    "WORKERS_PER_CORE",
    "BatchResult",
    "Plan",
    "Sweep",
    "executor",
    "manifest_path",
    "max_workers",
    "output_lock",
    "read_results",
    "read_table",
    "refuse_existing",
    "results_hash",
    "run_batch",
    "run_seed",
    "simulate",
    "trajectories_path",
    "verify_trajectories",
]
