"""``ttcsim batch``: seeded replications and sweeps to a Parquet or CSV file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.runner.designs import MAX_RUNS
from sim.runner.manifest import manifest_path
from sim.runner.run import run_batch

from .options import add_executor, add_overrides


def add_command(sub: Any) -> None:
    p = sub.add_parser("batch", help="run seeded replications and sweeps to a Parquet or CSV file")
    p.add_argument("scenario", nargs="+", help="scenario TOML files")
    p.add_argument(
        "--runs",
        type=int,
        required=True,
        help=f"replications per scenario and sweep point (at most {MAX_RUNS:,})",
    )
    p.add_argument("--seed", type=int, default=0, help="batch seed (default 0)")
    add_overrides(p)
    p.add_argument(
        "--sweep",
        action="append",
        default=[],
        metavar="PATH=V1,V2|START:STOP:STEPS",
        help="sweep a parameter; several form a full grid",
    )
    p.add_argument(
        "--label",
        dest="labels",
        action="append",
        default=[],
        metavar="NAME",
        help="name of a scenario in the results: one per scenario file, in order (needed when "
        "two files share a scenario name)",
    )
    add_executor(p)
    p.add_argument(
        "--out",
        required=True,
        help="results file: .parquet, or .csv for CSV; a .manifest.json goes beside it, and a "
        ".lock while the batch runs (a second batch on the same file is refused)",
    )
    p.add_argument(
        "--trajectories", action="store_true", help="also write monthly trajectories (.trajectories.parquet)"
    )
    p.add_argument("--resume", action="store_true", help="finish an interrupted batch")
    p.add_argument("--force", action="store_true", help="replace an existing results file")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--chunk-size", type=int, help=argparse.SUPPRESS)


def cmd_batch(args: argparse.Namespace) -> int:
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
        labels=args.labels,
    )
    m, out = res.manifest, Path(args.out)
    print(
        f"wrote {out}: {m['total_runs']} runs in {m['wall_seconds']} s "
        f"({m['runs_per_second']} runs/s, {m['executor']}); manifest {manifest_path(out)}"
    )
    return 0
