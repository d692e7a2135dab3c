"""Counterfactuals: a dozen what-ifs against their baselines, with paired 95 % intervals.

Each file in ``scenarios/counterfactuals/`` extends a shipped one-track scenario and changes a
few parameters by their version-2 paths (a track's own key where the base file sets one: a
general key in a file does not beat a track key). The metrics are read on the scenario's track. Every counterfactual runs with the same seeds as its baseline (run i uses the
same seed on both sides, so common random numbers cancel most of the noise), and the table
reports each outcome's change as the mean of per-run differences with a 95 % interval.

Writes ``results/counterfactuals.md`` and ``results/counterfactuals.png``.
Usage: ``python experiments/counterfactuals.py [--runs N] [--workers K]`` (``make analysis``).
"""

from __future__ import annotations

import argparse
import math
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim import load_scenario
from sim.analysis.stylized import column, share_of
from sim.model.outcomes import RUN_FIELDS
from sim.runner import simulate

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "scenarios" / "counterfactuals"
METRICS = {
    "P(coordinated)": ("share", "{t}.coordinated", ()),
    "P(US first and alone)": ("share", "{t}.channel", ("unilateral",)),
    "P(EU-level measure)": ("share", "{t}.month_eu", ()),
    "P(NL national measure)": ("share", "{t}.national:NL", ()),
    "effective alignment": ("mean", "{t}.effective_alignment", ()),
    "soft deliverables": ("mean", "soft_deliverables", ()),
}
"""Label: (share of runs or mean, the field with ``{t}`` for the scenario's hard track, the
values of a text field that count)."""


def values(df: pd.DataFrame, metric: str, track: str) -> np.ndarray:
    """Per run, the metric on ``track``: 1/0 for a share, the value for a mean."""
    kind, field, among = METRICS[metric]
    col = column(df, field.format(t=track))
    return (share_of(col, among=among) if kind == "share" else col).astype(float).to_numpy()


def outcomes(df: pd.DataFrame, track: str) -> pd.DataFrame:
    """The track's and the run-level outcome fields as comparable text (missing as "-")."""
    cols = [c for c in df.columns if c.startswith(f"{track}.") or c in RUN_FIELDS]
    return df[cols].astype(object).fillna("-").map(lambda v: f"{v:.6g}" if isinstance(v, float) else str(v))


def paired(
    cf: pd.DataFrame, base: pd.DataFrame, metric: str, track: str
) -> tuple[float, float, float, float]:
    """(baseline mean, counterfactual mean, mean difference, 95 % half-width), paired by run."""
    assert (cf["run"].to_numpy() == base["run"].to_numpy()).all() and (
        cf["seed"].to_numpy() == base["seed"].to_numpy()
    ).all()
    a, b = values(base, metric, track), values(cf, metric, track)
    d = b - a
    half = 1.959963984540054 * d.std(ddof=1) / math.sqrt(len(d)) if len(d) > 1 else math.nan
    return float(a.mean()), float(b.mean()), float(d.mean()), half


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--folder", type=Path, default=FOLDER)
    ap.add_argument("--out", type=Path, default=ROOT / "results")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    files = sorted(args.folder.glob("*.toml"))
    baselines: dict[Path, pd.DataFrame] = {}
    rows = []
    for f in files:
        with open(f, "rb") as fh:
            base_file = (f.parent / tomllib.load(fh)["scenario"]["extends"]).resolve()
        if base_file not in baselines:
            baselines[base_file] = simulate(
                [load_scenario(base_file)], args.runs, args.seed, workers=args.workers
            )
        cf_sc = load_scenario(f)
        cf = simulate([cf_sc], args.runs, args.seed, workers=args.workers)
        base = baselines[base_file]
        (track,) = [t.id for t in cf_sc.tracks if t.kind == "hard"]
        changed = float((outcomes(cf, track) != outcomes(base, track)).any(axis=1).mean())
        for label in METRICS:
            b, c, d, h = paired(cf, base, label, track)
            rows.append(
                {
                    "counterfactual": f.stem,
                    "question": cf_sc.description,
                    "baseline": base_file.stem,
                    "track": track,
                    "runs_changed": changed,
                    "metric": label,
                    "baseline_value": b,
                    "value": c,
                    "change": d,
                    "half_width": h,
                }
            )
    table = pd.DataFrame(rows)
    table.to_csv(args.out / "counterfactuals.csv", index=False)

    # ---- figure: change in each metric with its paired 95 % interval
    names = list(dict.fromkeys(table.counterfactual))
    fig = Figure(figsize=(3.3 * len(METRICS), 0.42 * len(names) + 1.8))
    axes = fig.subplots(1, len(METRICS), sharey=True)
    y = np.arange(len(names))
    for ax, label in zip(axes, METRICS, strict=True):
        t = table[table.metric == label].set_index("counterfactual").loc[names]
        colours = ["#0072B2" if n.startswith("china") else "#D55E00" for n in names]
        ax.errorbar(t["change"], y, xerr=t["half_width"], fmt="none", ecolor="gray", lw=1)
        ax.scatter(t["change"], y, c=colours, zorder=3, s=25)
        ax.axvline(0, color="black", lw=0.6)
        ax.set_title(f"change in {label}", fontsize=9)
        ax.set_yticks(y, names, fontsize=8)
        ax.invert_yaxis()
    fig.suptitle(
        "What-ifs against their baselines (same seeds; bars: paired 95 % intervals; "
        "blue: China, orange: Russia)",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(args.out / "counterfactuals.png", dpi=110)

    def cell(r: pd.Series) -> str:
        return f"{r['baseline_value']:.2f} -> {r['value']:.2f} ({r['change']:+.2f} +/- {r['half_width']:.2f})"

    lines = [
        "# Counterfactuals",
        "",
        f"Generated by `experiments/counterfactuals.py`: each what-if in `scenarios/counterfactuals/` against the "
        f"shipped scenario it extends, {args.runs} runs each with the same seeds (batch seed {args.seed}). A cell "
        "reads baseline -> counterfactual (paired change +/- 95 % half-width). Run any of them yourself with "
        "`ttcsim batch scenarios/counterfactuals/NAME.toml --runs 1000 --out out.parquet`.",
        "",
        "![counterfactuals](counterfactuals.png)",
        "",
        "| what if | " + " | ".join(METRICS) + " |",
        "|---|" + "---|" * len(METRICS),
    ]
    for name in names:
        t = table[table.counterfactual == name].set_index("metric")
        lines.append(
            f"| **{name}**: {t.iloc[0]['question']} | " + " | ".join(cell(t.loc[m]) for m in METRICS) + " |"
        )
    lines += ["", "## Reading", ""]
    for name in names:
        t = table[table.counterfactual == name].set_index("metric")
        moved = [
            (m, t.loc[m]) for m in METRICS if abs(t.loc[m, "change"]) > max(0.05, t.loc[m, "half_width"])
        ]
        if moved:
            parts = ", ".join(f"{m} {r['change']:+.2f}" for m, r in moved)
            lines.append(f"- {t.iloc[0]['question']}: {parts}.")
        else:
            lines.append(
                f"- {t.iloc[0]['question']}: no metric moves by more than 0.05 "
                f"({t.iloc[0]['runs_changed']:.0%} of runs have some other outcome field changed"
                + (": the lever changes nothing in this engine)." if t.iloc[0]["runs_changed"] == 0 else ").")
            )
    (args.out / "counterfactuals.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
