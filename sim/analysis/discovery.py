"""Scenario discovery: the boxes of preference space where an outcome is likely (PRIM).

PRIM (Friedman and Fisher 1999; the ``prim`` package) peels the sampled parameter space
(the ``param.*`` columns of a results file) toward a box where the outcome of interest is
dense, then pastes back what it over-peeled. For each box it reports the limits that
restrict it, its coverage (the share of all cases of interest inside it) and density (the
share of runs inside it that are cases of interest), and its peeling trajectory, the
coverage/density trade-off an analyst picks from.

Any results file works: a batch over the shipped scenarios, a sweep, or the design of a
sensitivity analysis (``runs.parquet``), whose factors vary widely.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.stylized import expression
from sim.scenario import ScenarioError

RESTRICTED = 0.97
"""A box restricts a parameter when it keeps less than 97 % of its sampled range."""


@dataclass
class Box:
    limits: pd.DataFrame  # index: parameter; columns: min, max (restricted dimensions only)
    coverage: float
    density: float
    mass: float
    trajectory: pd.DataFrame  # coverage, density, mass, res dim per peeling step


@dataclass
class Discovery:
    outcome: str
    n: int
    cases: int
    params: list[str]
    ranges: dict[str, tuple[float, float]]  # sampled (min, max) of each parameter
    boxes: list[Box]

    def markdown(self) -> str:
        lines = [
            f"# Scenario discovery: where is `{self.outcome}` likely?",
            "",
            f"PRIM over {len(self.params)} sampled parameters and {self.n} runs, "
            f"{self.cases} ({self.cases / max(1, self.n):.1%}) of them cases of interest.",
            "",
        ]
        if not self.boxes:
            lines.append("No box found (no case of interest, or none denser than the whole space).")
        for k, b in enumerate(self.boxes, start=1):
            lines += [
                f"## Box {k}: coverage {b.coverage:.0%}, density {b.density:.0%}, mass {b.mass:.0%}",
                "",
                "| parameter | box min | box max | sampled range |",
                "|---|---|---|---|",
            ]
            for idx, r in b.limits.iterrows():
                p = str(idx)
                lo, hi = self.ranges[p]
                lines.append(f"| `{p}` | {r['min']:.3g} | {r['max']:.3g} | {lo:.3g} to {hi:.3g} |")
            lines += [
                "",
                f"Read: in {b.density:.0%} of the runs inside this box the outcome holds, and the box "
                f"holds {b.coverage:.0%} of all runs where it holds.",
                "",
            ]
        return "\n".join(lines)


def parameter_columns(df: pd.DataFrame) -> list[str]:
    """Numeric ``param.*`` columns that vary (a constant column cannot bound a box, and a
    box has numeric limits: a setting such as ``param.eu.rule`` is left out)."""
    cols = [str(c) for c in df.columns if str(c).startswith("param.")]
    return [
        c
        for c in cols
        if pd.api.types.is_numeric_dtype(df[c])
        and not pd.api.types.is_bool_dtype(df[c])
        and df[c].notna().all()
        and df[c].nunique() > 1
    ]


def outcome_mask(df: pd.DataFrame, expr: str) -> np.ndarray:
    """Per run, whether the outcome expression holds (:func:`sim.analysis.stylized.expression`)."""
    y = expression(df, expr)
    return y.fillna(False).astype(bool).to_numpy()


def discover(
    df: pd.DataFrame,
    outcome: str,
    params: list[str] | None = None,
    max_boxes: int = 2,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
    min_density: float = 0.0,
) -> Discovery:
    """Find up to ``max_boxes`` PRIM boxes where ``outcome`` (an expression over the
    outcome fields, e.g. ``china_sme.coordinated`` or ``china_sme.first_us_rule < 12``) is dense."""
    import prim

    logging.getLogger("prim").setLevel(logging.WARNING)
    cols = params or parameter_columns(df)
    if not cols:
        raise ScenarioError("RESULTS", "param.*", "no varying sampled parameter to search over")
    y = outcome_mask(df, outcome)
    x = df[cols].astype(float).reset_index(drop=True)
    x.columns = [c.removeprefix("param.") for c in cols]
    ranges = {str(c): (float(x[c].min()), float(x[c].max())) for c in x.columns}
    found: list[Box] = []
    if y.any() and not y.all():
        p = prim.Prim(x, y, threshold=0.5, threshold_type=">", peel_alpha=peel_alpha, mass_min=mass_min)
        for _ in range(max_boxes):
            box = p.find_box()
            if box is None:
                break
            st = box.stats
            if st["density"] <= max(min_density, float(y.mean())) + 1e-12:
                break
            lim = box.limits[["min", "max"]].astype(float)
            span = np.array([ranges[str(p)][1] - ranges[str(p)][0] for p in lim.index])
            lim = lim[(lim["max"] - lim["min"]).to_numpy() / span < RESTRICTED]
            found.append(
                Box(
                    lim,
                    float(st["coverage"]),
                    float(st["density"]),
                    float(st["mass"]),
                    box.peeling_trajectory.astype(float).copy(),
                )
            )
    return Discovery(outcome, len(df), int(y.sum()), [c.removeprefix("param.") for c in cols], ranges, found)


def plot(d: Discovery, path: Path) -> None:
    from matplotlib.figure import Figure

    n_box = max(1, len(d.boxes))
    fig = Figure(figsize=(5 + 5 * n_box, 4.2))
    axes = fig.subplots(1, 1 + n_box)
    ax = axes[0]
    for k, b in enumerate(d.boxes, start=1):
        ax.plot(b.trajectory["coverage"], b.trajectory["density"], marker=".", label=f"box {k} peeling")
        ax.scatter([b.coverage], [b.density], s=80, edgecolor="black", zorder=3)
    ax.set_xlabel("coverage")
    ax.set_ylabel("density")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title(f"Trade-off for '{d.outcome}'")
    if d.boxes:
        ax.legend(fontsize=8)
    for k, b in enumerate(d.boxes, start=1):
        a = axes[k]
        names = list(b.limits.index)
        rmin = np.array([d.ranges[str(p)][0] for p in names])
        rspan = np.array([d.ranges[str(p)][1] - d.ranges[str(p)][0] for p in names])
        lo = (b.limits["min"].to_numpy() - rmin) / rspan
        hi = (b.limits["max"].to_numpy() - rmin) / rspan
        yy = np.arange(len(names))
        a.barh(yy, 1, color="#dddddd")
        a.barh(yy, hi - lo, left=lo, color="#0072B2")
        for i, p in enumerate(names):
            a.text(-0.02, i, f"{d.ranges[str(p)][0]:.3g}", ha="right", va="center", fontsize=7)
            a.text(1.02, i, f"{d.ranges[str(p)][1]:.3g}", ha="left", va="center", fontsize=7)
        a.set_yticks(yy, names, fontsize=8)
        a.set_xlim(-0.25, 1.25)
        a.set_xticks([])
        a.invert_yaxis()
        a.set_title(
            f"Box {k}: coverage {b.coverage:.0%}, density {b.density:.0%}\n(blue: box within sampled range)",
            fontsize=9,
        )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
