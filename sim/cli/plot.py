"""``ttcsim plot``: figures of batch results, written to image files."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

from sim.scenario import ScenarioError

PLOT_KINDS = ("classes", "timing", "fan", "heatmap", "dual_track")


def add_command(sub: Any) -> None:
    p = sub.add_parser("plot", help="plot batch results")
    p.add_argument("results", nargs="+", help="results .parquet file(s) from 'ttcsim batch'")
    p.add_argument(
        "--kind",
        choices=PLOT_KINDS,
        required=True,
        help="classes: outcome-class shares (per track, or per scenario with --track); timing: "
        "ECDF of a timing outcome; fan: monthly bands of the gap (needs --trajectories); heatmap: "
        "P(outcome) over two sweeps; dual_track: the headline figure (per track: outcome classes, "
        "channels, rules and countermeasures in time against history; the soft share by ministerial)",
    )
    p.add_argument(
        "--out", required=True, help="image file; its suffix names the format (.png, .pdf, .svg, ...)"
    )
    p.add_argument(
        "--track",
        help="draw one track of the results (e.g. china_sme): its fields become the plain names "
        "(coordinated, first_us_rule, national:NL, ...)",
    )
    p.add_argument(
        "--outcome",
        default="coordinated",
        help="heatmap: expression, e.g. 'first_us_rule < 12' (with --track)",
    )
    p.add_argument("--x", help="heatmap: x column (e.g. sweep.us.patience)")
    p.add_argument("--y", help="heatmap: y column")
    p.add_argument(
        "--field",
        default="first_us_rule",
        help="timing: a month field of --track (first_us_rule, month_eu, national:NL, lag:NL); "
        "without --track, the field of every track",
    )
    p.add_argument(
        "--by",
        choices=("sweep",),
        help="sweep results: draw one series per sweep point (without it, a sweep is refused "
        "rather than pooled)",
    )


def cmd_plot(args: argparse.Namespace) -> int:
    from sim.runner.store import read_results, trajectories_path, verify_trajectories
    from sim.viz.plots import (
        Figure,
        check_image_path,
        dual_track,
        fan,
        gap_column,
        heatmap,
        label_sweep_points,
        outcome_classes,
        read_plot_results,
        results_scenario,
        save_figure,
        sweep_columns,
        timing,
        track_classes,
        track_timing,
        track_view,
        tracks,
    )

    out = Path(args.out)
    check_image_path(out)
    df = read_plot_results(args.results)
    traj: pd.DataFrame | None = None
    if args.kind == "fan":
        for p in args.results:
            verify_trajectories(p)  # never another batch's trajectories beside these results
        tpaths = [trajectories_path(Path(p)) for p in args.results]
        missing = [str(p) for p in tpaths if not p.exists()]
        if missing:
            raise ScenarioError(
                missing[0],
                "",
                f"no trajectories for --kind {args.kind}: rerun 'ttcsim batch' with --trajectories",
            )
        traj = read_results(tpaths)
    if args.kind == "heatmap":
        if not (args.x and args.y):
            raise ScenarioError("--kind heatmap", "", "needs --x and --y (swept columns)")
        if df["scenario"].nunique() > 1:
            raise ScenarioError(
                "--kind heatmap",
                "",
                f"the results hold {df['scenario'].nunique()} scenarios "
                f"({', '.join(map(str, df['scenario'].unique()))}); a heat map pools runs over one scenario: "
                "plot one scenario's results",
            )
    elif sweep_columns(df) and df[sweep_columns(df)].drop_duplicates().shape[0] > 1:
        if args.by != "sweep":
            points = df[sweep_columns(df)].drop_duplicates().shape[0]
            raise ScenarioError(
                "--kind " + args.kind,
                "",
                f"the results hold {points} sweep points ({', '.join(sweep_columns(df))}); pass --by sweep "
                "to draw one series per point, or --kind heatmap to map an outcome over two sweeps",
            )
        df, traj = label_sweep_points(df, traj)
    view = track_view(df, args.track) if args.track else None
    if args.kind == "dual_track":
        fig = dual_track(df, results_scenario(args.results))
    else:
        fig = Figure(figsize=(7, 4.5))
        ax = fig.subplots()
    if args.kind == "classes":
        if view is not None:
            outcome_classes(view, ax, f"How {args.track} ends")
        else:
            track_classes(df, ax)
    elif args.kind == "timing":
        if view is not None:
            timing(df, ax, f"{args.track}.{args.field}", "", f"{args.track}: {args.field}", source="--field")
        else:
            track_timing(df, ax, args.field, tracks(df), args.field, "month (0 = scenario start)")
    elif args.kind == "fan":
        gap = gap_column(traj, args.track)  # type: ignore[arg-type]
        fan(traj, ax, gap, f"US-EU gap (ask - offer) on {gap.split('.')[0]}")  # type: ignore[arg-type]
    elif args.kind == "heatmap":
        heatmap(df if view is None else view, ax, args.outcome, args.x, args.y)
    if args.kind != "dual_track":
        fig.tight_layout()
    save_figure(fig, out)
    print(f"wrote {out}")
    return 0
