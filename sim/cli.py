"""The ``ttcsim`` command line. Errors exit with code 2 and one clear message."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from .model import TTCModel
from .options import add_overrides
from .scenario import ScenarioError, load_scenario

EXIT_USAGE = 2
PLOT_KINDS = ("classes", "timing", "fan", "heatmap", "dual_track")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ttcsim",
        description="Agent-based simulation of US-EU export-control coordination (the TTC).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="run one seeded replication and tell its story")
    p.add_argument("scenario", help="scenario TOML file")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    add_overrides(p)
    p.add_argument("--json", action="store_true", help="print only the outcome row as JSON")

    p = sub.add_parser("validate", help="check scenario files")
    p.add_argument("scenario", nargs="+")
    add_overrides(p)

    from . import batch

    batch.add_commands(sub)

    p = sub.add_parser("plot", help="plot batch results")
    p.add_argument("results", nargs="+", help="results .parquet file(s) from 'ttcsim batch'")
    p.add_argument(
        "--kind",
        choices=PLOT_KINDS,
        required=True,
        help="classes: outcome-class shares; timing: ECDF of a timing outcome; fan: monthly "
        "bands of the gap (needs --trajectories); heatmap: P(outcome) over two sweeps; "
        "dual_track: the headline multi-panel figure",
    )
    p.add_argument("--out", required=True, help="image file (.png, .pdf, .svg)")
    p.add_argument("--outcome", default="coordinated", help="heatmap: expression, e.g. 'month_unilateral<12'")
    p.add_argument("--x", help="heatmap: x column (e.g. sweep.us.patience)")
    p.add_argument("--y", help="heatmap: y column")
    p.add_argument("--field", default="month_unilateral", help="timing: outcome field (or lag:XX)")

    from . import calibration, discovery, sensitivity

    sensitivity.add_command(sub)
    discovery.add_command(sub)
    calibration.add_command(sub)
    return parser


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def cmd_run(args: argparse.Namespace) -> int:
    from .batch import check_seed

    check_seed(args.seed)
    sc = load_scenario(args.scenario, args.overrides)
    model = TTCModel(sc, rng=args.seed).run()
    row = model.outcome()
    if args.json:
        print(json.dumps(row, default=str))
        return 0
    print(f"{sc.name}: {sc.description}")
    print(
        f"seed {args.seed}; {sc.start} + {sc.months} months; rule {model.eu.rule}; "
        f"overrides: {' '.join(sc.overrides) or 'none'}"
    )
    print()
    print(f"{'month':7} {'actor':7} event")
    for _t, date, actor, _kind, text in model.events:
        print(f"{date:7} {actor:7} {text}")
    print()
    print("outcome")
    for key, value in row.items():
        if not key.startswith("param."):
            print(f"  {key:30} {_fmt(value)}")
    sampled = {k: v for k, v in row.items() if k.startswith("param.")}
    if sampled:
        print("sampled parameters")
        for key, value in sampled.items():
            print(f"  {key:30} {_fmt(value)}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    bad = 0
    for path in args.scenario:
        try:
            sc = load_scenario(path, args.overrides)
        except ScenarioError as e:
            print(f"ttcsim: error: {e}", file=sys.stderr)
            bad += 1
            continue
        print(
            f"ok: {path} ({sc.name}: {sc.start} + {sc.months} months, "
            f"{len(sc.sampled_paths())} sampled parameters, {len(sc.shocks)} shocks)"
        )
    return EXIT_USAGE if bad else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from . import batch

    def cmd_plot(a: argparse.Namespace) -> int:
        from . import plots

        return plots.cmd_plot(a)

    def cmd_sensitivity(a: argparse.Namespace) -> int:
        from . import sensitivity

        return sensitivity.cmd_sensitivity(a)

    def cmd_discover(a: argparse.Namespace) -> int:
        from . import discovery

        return discovery.cmd_discover(a)

    def cmd_calibrate(a: argparse.Namespace) -> int:
        from . import calibration

        return calibration.cmd_calibrate(a)

    handlers = {
        "calibrate": cmd_calibrate,
        "discover": cmd_discover,
        "run": cmd_run,
        "validate": cmd_validate,
        "batch": batch.cmd_batch,
        "plot": cmd_plot,
        "sensitivity": cmd_sensitivity,
    }
    try:
        return handlers[args.command](args)
    except ScenarioError as e:
        print(f"ttcsim: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("ttcsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as e:  # a read-only or full disk, a folder where a file belongs, ...
        where = e.filename if e.filename is not None else args.command
        print(f"ttcsim: error: {where}: {e.strerror or e}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
