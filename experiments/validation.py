"""Historical validation of the joint scenario against the dated events up to the cut-off.

For each calibration event of ``sim/data/v2_events.csv`` the model speaks to (a US rule, an
EU-level measure, a national measure, a countermeasure, or an absence, read per track from the
row's fields; see :mod:`sim.analysis.history`), the simulated distribution of its month, the
real month marked, its percentile and a pass/fail against the stated window (the model produces
it in >= 50 % of runs and the real month lies in the central 90 % of simulated months); an
absence passes when the model produces the measure by then in at most 30 % of runs. Then the
dual-track account's qualitative findings, per track, as model statistics. The held-out events
(``sim/data/v2_holdout.csv``) are not read.

Writes ``results/validation.md`` and ``results/validation.png``.
Usage: ``python experiments/validation.py [--runs N] [--workers K]`` (``make analysis``).
"""

from __future__ import annotations

import argparse
import math
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim import load_scenario
from sim.analysis.history import Quantity, event_months, load_events, validate
from sim.analysis.stylized import column, statistic
from sim.runner import simulate

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "ttc_2021_2025.toml"


def calendar(sc, month: float) -> str:
    return "-" if math.isnan(month) else sc.calendar(int(round(month)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--out", type=Path, default=ROOT / "results")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    sc = load_scenario(SCENARIO)
    df = simulate([sc], args.runs, args.seed, workers=args.workers)
    table = validate(load_events(), df, sc)

    # ---- figure: simulated months against the real month, per timed event
    timed = table[table.kind == "timed"].reset_index(drop=True)

    def year(month: np.ndarray | float) -> np.ndarray | float:
        return int(sc.start[:4]) + (int(sc.start[5:]) - 1 + np.asarray(month)) / 12 + 1 / 24  # mid-month

    fig = Figure(figsize=(10, 0.55 * len(timed) + 1.6))
    ax = fig.subplots()
    for i, r in timed.iterrows():
        x = event_months(df, Quantity("timed", tuple(r["quantity"].split(" or "))))
        x = x[~np.isnan(x)]
        if len(x):
            ax.boxplot(
                year(x),
                positions=[i],
                orientation="horizontal",
                widths=0.5,
                whis=(5, 95),
                showfliers=False,
                patch_artist=True,
                boxprops={"facecolor": "#56B4E9", "alpha": 0.6},
            )
        ax.plot(
            year(r["real_month"]), i, marker="D", color="#D55E00" if r["passes"] else "black", ms=8, zorder=3
        )
    ax.set_yticks(
        range(len(timed)),
        [f"{r['track']}: {textwrap.shorten(r['event'], 48, placeholder='...')}" for _, r in timed.iterrows()],
        fontsize=8,
    )
    ax.set_xlabel("calendar year")
    ax.set_title(
        "Model months (box: quartiles; whiskers: 5-95 %) against the real months in force "
        "(diamonds; orange: passes)",
        fontsize=10,
    )
    ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(args.out / "validation.png", dpi=110)

    # ---- the dual-track account's findings as statistics, per track of the same runs
    def share(field, among=(), given=""):
        p, lo, hi, _ = statistic(df, "share", field, given, among=among)
        return f"{p:.0%} ({lo:.0%} to {hi:.0%})"

    soft_early = column(df, "soft_share:2021-09,2022-05")
    soft_late = column(df, "soft_share:2022-12,2023-05")
    findings = [
        (
            "Reactive, consensual coordination works (Russia)",
            f"P(russia_dual_use coordinated) {share('russia_dual_use.coordinated')}; "
            f"P(by the sanctions route) {share('russia_dual_use.eu_route', ('sanctions',))}; "
            f"median month of coordination {np.nanmedian(df['russia_dual_use.month_coordinated'].astype(float)):.0f} "
            "(the invasion is month 8)",
        ),
        (
            "Proactive, strategic coordination fails (China)",
            f"P(china_sme coordinated) {share('china_sme.coordinated')}; P(the US acts first outside the TTC) "
            f"{share('china_sme.channel', ('unilateral', 'minilateral'))}; P(EU-level measure on china_sme) "
            f"{share('china_sme.month_eu')}; P(NL national measure) {share('china_sme.national:NL')}; "
            f"P(china_ai_chips: the US alone) {share('china_ai_chips.channel', ('unilateral',))}",
        ),
        (
            "The TTC turns to soft governance",
            f"mean soft share of TTC-1 and TTC-2 {soft_early.mean():.2f}, of TTC-3 and TTC-4 "
            f"{soft_late.mean():.2f}; soft deliverables by the horizon {df['soft_deliverables'].mean():.1f}, "
            f"hard {df['hard_deliverables'].mean():.1f}",
        ),
    ]

    def row(e):
        if e["kind"] == "timed":
            model = (
                f"{e['share_happens']:.0%} of runs; median {calendar(sc, e['median'])} "
                f"(90 %: {calendar(sc, e['p05'])} to {calendar(sc, e['p95'])})"
            )
            pct = "-" if math.isnan(e["percentile_of_real"]) else f"{e['percentile_of_real']:.0%}"
        elif e["kind"] == "absent":
            model, pct = f"the measure in force by then in {e['share_happens']:.0%} of runs", "-"
        else:
            model, pct = "context (not a model event)", "-"
        verdict = {True: "pass", False: "**miss**", None: "-"}[e["passes"]]
        return f"| {e['date']} | {e['track']} | {e['event']} | {model} | {pct} | {verdict} | {e['source']} |"

    misses = table[table.passes == False]  # noqa: E712 - None means context
    lines = [
        "# Historical validation",
        "",
        f"Generated by `experiments/validation.py`: {args.runs} seeded runs of the joint scenario "
        f"`ttc_2021_2025` (seed {args.seed}) against the calibration events of `sim/data/v2_events.csv` "
        "(decided by 30 June 2023; the held-out events are not read). Each event is read per track from "
        "the row's fields (the quantity column). A measure passes when the model produces it in at least "
        "half of the runs and the real month in force lies inside the central 90 % of the simulated "
        "months; an absence passes when the model has the measure in force by then in at most 30 % of "
        "runs. The percentile is the share of simulated months at or before the real one. Events the "
        "model has no event for (the launch, ministerials, announcements, talks) are context.",
        "",
        "![validation](validation.png)",
        "",
        "| real date | track | event | model | percentile of real date | verdict | source |",
        "|---|---|---|---|---|---|---|",
        *[row(e) for _, e in table.iterrows()],
        "",
        "## The dual-track account's findings, as model statistics",
        "",
        *[f"- **{k}.** {v}." for k, v in findings],
        "",
        "## Where the model misses",
        "",
    ]
    if len(misses):
        lines += [
            f"- **Outside its window:** {m['event']} ({m['date']}): model {row(m).split(' | ')[3]}."
            for _, m in misses.iterrows()
        ]
    else:
        lines.append("- Every dated event the model produces falls inside its window.")
    for _, e in timed.iterrows():
        gap = e["median"] - e["real_month"]
        if abs(gap) >= 2:
            lines.append(
                f"- {e['event']}: the model's median is {abs(gap):.0f} months "
                f"{'early' if gap < 0 else 'late'} ({calendar(sc, e['median'])} "
                f"against {e['date'][:7]})."
            )
        if e["share_happens"] < 0.9:
            lines.append(f"- {e['event']}: the model produces it in only {e['share_happens']:.0%} of runs.")
    lines += [
        "- Context, not a test: "
        + "; ".join(f"{e['event']} ({e['date']})" for _, e in table[table.kind == "context"].iterrows())
        + ". The model has no event for an announcement or for talks as such: a minilateral is the "
        "US's decision and the key suppliers' joint commitment, dated by the measures it brings.",
        "- Soft governance is an attention share and a count of deliverables: the model says whether the "
        "TTC turned to it, not what it produced (terminology, taxonomy, evaluation tools).",
        "",
    ]
    (args.out / "validation.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    pd.set_option("display.width", 140)
    sys.exit(main())
