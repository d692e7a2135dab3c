"""``ttcsim sensitivity``, ``discover`` and ``calibrate``: the analysis commands."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis import calibration, discovery, priors, sensitivity
from sim.runner.store import output_lock, read_results, refuse_existing
from sim.scenario import ScenarioError, load_scenario

from .options import add_executor, add_overrides, add_resume


def add_commands(sub: Any) -> None:
    """The analysis commands: sensitivity, discover, calibrate."""
    add_sensitivity(sub)
    add_discover(sub)
    add_calibrate(sub)


def add_sensitivity(sub: Any) -> None:
    p = sub.add_parser("sensitivity", help="Sobol or Morris sensitivity of outcomes to preferences (SALib)")
    p.add_argument("scenario")
    p.add_argument("--method", choices=sensitivity.METHODS, default="sobol")
    p.add_argument(
        "--params",
        nargs="+",
        default=[],
        metavar="PATH",
        help="factors (default: the scenario's distributions); members.*.key moves all members",
    )
    p.add_argument(
        "--range",
        dest="ranges",
        action="append",
        default=[],
        metavar="PATH=LOW:HIGH",
        help="a factor's range (default: its distribution's support)",
    )
    p.add_argument(
        "--prior",
        action="store_true",
        help="factors: the scenario file's broad prior (every assumed input and every constant; "
        "see sim/analysis/priors.py) instead of --params",
    )
    p.add_argument(
        "--outputs",
        nargs="+",
        default=[],
        metavar="EXPR",
        help="outcome fields or expressions to analyse, e.g. russia_dual_use.coordinated "
        "'china_sme.national:NL <= 30' china_sme.first_us_rule (default: four china_sme outcomes)",
    )
    p.add_argument("--n", type=int, default=256, help="base sample size (Sobol: a power of two)")
    p.add_argument("--replications", type=int, default=10, help="seeded runs per design point")
    p.add_argument("--seed", type=int, default=0)
    add_overrides(p)
    add_executor(p)
    p.add_argument(
        "--out",
        required=True,
        help="output folder (indices.csv, sensitivity.md/.png, runs.parquet with its manifest)",
    )
    add_resume(p, "analysis")


def cmd_sensitivity(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ScenarioError("--out", str(out), "is a file; name an output folder")
    sc = load_scenario(args.scenario, args.overrides)
    ranges = dict(sensitivity.parse_range(r) for r in args.ranges)
    if args.prior and (args.params or ranges):
        raise ScenarioError("--prior", "", "the prior names the factors: give no --params or --range with it")
    prior = priors.broad_prior(args.scenario, sc) if args.prior else None
    command = ["ttcsim", *sys.argv[1:]]
    out.parent.mkdir(parents=True, exist_ok=True)
    with output_lock(out, command):
        kept = ["runs.parquet"] if args.resume else []  # the runner finishes or reuses them
        refuse_existing([out / name for name in sensitivity.OUTPUT_FILES if name not in kept], args.force)
        out.mkdir(exist_ok=True)
        result = sensitivity.run_sensitivity(
            sc,
            args.method,
            args.params,
            ranges,
            args.n,
            args.replications,
            args.seed,
            args.workers,
            args.scheduler,
            runs_file=out / "runs.parquet",
            resume=args.resume,
            force=args.force,
            command=command,
            outputs=args.outputs,
            prior=prior,
        )
        sensitivity.write(result, out)
    print(f"wrote {out}/sensitivity.md, sensitivity.png, indices.csv, runs.parquet ({len(result.runs)} runs)")
    return 0


def add_discover(sub: Any) -> None:
    p = sub.add_parser("discover", help="PRIM scenario discovery over a results file's param.* columns")
    p.add_argument(
        "results", nargs="+", help="results .parquet file(s) (a batch, or a sensitivity runs.parquet)"
    )
    p.add_argument(
        "--outcome",
        required=True,
        help="expression over outcome fields, e.g. 'china_sme.coordinated' or 'china_sme.first_us_rule < 12'",
    )
    p.add_argument("--params", nargs="+", help="param.* columns to search (default: all that vary)")
    p.add_argument("--max-boxes", type=int, default=2)
    p.add_argument("--out", required=True, help="output folder (discovery.md, discovery.png, boxes.csv)")
    p.add_argument("--force", action="store_true", help="replace the outputs of an earlier discovery")


DISCOVERY_FILES = ("discovery.md", "boxes.csv", "discovery.png")  # what discover writes in --out


def cmd_discover(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ScenarioError("--out", str(out), "is a file; name an output folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    with output_lock(out, ["ttcsim", *sys.argv[1:]]):
        refuse_existing([out / name for name in DISCOVERY_FILES], args.force)
        return _discover_to(args, out)


def _discover_to(args: argparse.Namespace, out: Path) -> int:
    df = read_results(args.results)
    params = [c if c.startswith("param.") else f"param.{c}" for c in args.params] if args.params else None
    if params:
        missing = [c for c in params if c not in df]
        if missing:
            raise ScenarioError("--params", missing[0], "not a column of the results")
    d = discovery.discover(df, args.outcome, params, args.max_boxes)
    out.mkdir(parents=True, exist_ok=True)
    (out / "discovery.md").write_text(d.markdown())
    rows = [
        {
            "box": k,
            "parameter": p,
            "min": r["min"],
            "max": r["max"],
            "coverage": b.coverage,
            "density": b.density,
        }
        for k, b in enumerate(d.boxes, start=1)
        for p, r in b.limits.iterrows()
    ]
    pd.DataFrame(rows, columns=["box", "parameter", "min", "max", "coverage", "density"]).to_csv(
        out / "boxes.csv", index=False
    )
    discovery.plot(d, out / "discovery.png")
    print(d.markdown())
    return 0


def add_calibrate(sub: Any) -> None:
    p = sub.add_parser("calibrate", help="ABC-SMC calibration of parameters against historical targets")
    p.add_argument("scenario")
    p.add_argument("--targets", required=True, help="targets TOML file")
    p.add_argument(
        "--params", nargs="+", required=True, metavar="PATH=LOW:HIGH", help="parameters and prior ranges"
    )
    p.add_argument("--particles", type=int, default=200)
    p.add_argument("--replications", type=int, default=20)
    p.add_argument("--generations", type=int, default=4)
    p.add_argument("--quantile", type=float, default=0.3, help="share of each generation kept")
    p.add_argument("--seed", type=int, default=0)
    add_overrides(p)
    add_executor(p)
    p.add_argument(
        "--out", required=True, help="posterior scenario file (.toml); report and plot go beside it"
    )
    p.add_argument(
        "--report-dir",
        help="folder for the report and each generation's runs (default: beside --out)",
    )
    add_resume(p, "calibration")


def cmd_calibrate(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.suffix != ".toml":
        raise ScenarioError("--out", str(out), "must end in .toml")
    if out.is_dir():
        raise ScenarioError("--out", str(out), "is a folder; name the posterior scenario file")
    if not out.parent.is_dir():
        raise ScenarioError("--out", str(out), f"folder {out.parent} does not exist")
    with output_lock(out, ["ttcsim", *sys.argv[1:]]):
        refuse_existing([out], args.force)
        return _calibrate_to(args, out)


def _calibrate_to(args: argparse.Namespace, out: Path) -> int:
    sc = load_scenario(args.scenario, args.overrides)
    targets = calibration.load_targets(args.targets)
    params = [calibration.parse_param(sc, t) for t in args.params]
    rdir = Path(args.report_dir) if args.report_dir else out.parent
    runs = rdir / f"{out.stem}.runs"  # generation-<g>.parquet, each with its manifest
    runs.mkdir(parents=True, exist_ok=True)
    runner = calibration.Runner(
        args.workers, args.scheduler, runs, args.resume, args.force, ("ttcsim", *sys.argv[1:])
    )
    result = calibration.calibrate(
        sc,
        targets,
        params,
        args.particles,
        args.replications,
        args.generations,
        args.quantile,
        args.seed,
        runner=runner,
    )
    out.write_text(calibration.posterior_scenario(result, Path(args.scenario), out))
    load_scenario(out)  # the written file must itself be a valid scenario
    # the report names the posterior as seen from its own folder, never by a machine's path
    text = calibration.report(result, Path(os.path.relpath(out.resolve(), rdir.resolve())))
    (rdir / f"{out.stem}.report.md").write_text(text)
    calibration.plot(result, rdir / f"{out.stem}.posterior.png")
    print(text)
    return 0
