"""How much the section 7 patterns depend on numbers somebody chose: prior predictive and tipping points.

Writes ``results/uncertainty.md`` and ``results/uncertainty.png`` for the joint scenario
(``scenarios/ttc_2021_2025.toml``) and its stylized facts (``sim/data/stylized_facts.toml``):

(a) **Prior predictive.** For each pattern, the probability that it holds, judged per draw: a
    draw is a set of inputs run ``--replications`` times (the same seeds for every draw), the
    pattern's statistic is computed over those runs and checked against its bound; the share
    of draws where it holds carries a Wilson 95 % interval. Four sets of draws: the shipped
    scenario and the calibrated one (``scenarios/calibrated/``; each draw a batch of fresh
    seeds), the broad prior (:mod:`sim.analysis.priors`: every assumed input and every
    constant, Latin hypercube draws), and the broad prior with the calibrated parameters at
    their posterior instead.
(b) **Tipping points.** From the shipped scenario, one input at a time: the pattern's
    statistic over ``--sweep-runs`` runs (common random numbers: the same seeds at every
    point) along a grid from the shipped value to each end of the input's broad range; where
    the pattern's verdict (holds or not, as at the shipped values) first changes, bisection
    narrows the crossing. The inputs searched for a pattern are the ``--candidates`` whose
    values rank-correlate most with the pattern's margin over the broad-prior draws of (a).
    The nearest tipping point is the crossing with the smallest distance as a share of the
    input's broad range.
(c) A figure: (a) per pattern and, per pattern, the three nearest tipping points.

Usage: ``python experiments/uncertainty.py [--quick] [--workers K] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.priors import HIGH, LOW, Factor, Prior, broad_prior, data_assumptions, table
from sim.analysis.stylized import ADOPTION_ROWS, load_facts, md, of_target, wilson
from sim.analysis.targets import Target
from sim.model.null_model import null_row
from sim.runner.designs import Design
from sim.runner.manifest import _git_commit
from sim.runner.run import run_design
from sim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "ttc_2021_2025.toml"
CALIBRATED = ROOT / "scenarios" / "calibrated" / "ttc_2021_2025.toml"
NEAR = 0.1
"""A pattern is near its bound when it holds in more than this share of the shipped
scenario's batches and fails in more than this share too."""
ARMS = ("shipped", "calibrated", "broad prior", "broad prior, calibrated at posterior")
FULL = {
    "draws": 400,
    "replications": 16,
    "batches": 100,
    "sweep_runs": 50,
    "grid": 4,
    "candidates": 3,
    "bisections": 3,
}
"""The default sizes (about 45,000 runs at most; under 10 minutes on two idle cores)."""
QUICK = {
    "draws": 6,
    "replications": 3,
    "batches": 3,
    "sweep_runs": 4,
    "grid": 2,
    "candidates": 1,
    "bisections": 1,
}
"""The ``--quick`` sizes: a smoke test."""


def calibrated_paths() -> list[str]:
    """The parameters the calibration of ``experiments/analysis.py`` set for the joint scenario."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import analysis

    return [p.split("=")[0] for p in analysis.CALIBRATE["ttc_2021_2025"]]


# ----------------------------------------------------------------------------- judging a batch


def margin(fact: Target, runs: pd.DataFrame) -> float:
    """How far the pattern's statistic lies inside its bound over ``runs`` (negative: outside;
    NaN: no statistic, e.g. a median of an event that never happened)."""
    x = of_target(runs, fact)[0]
    if math.isnan(x):
        return math.nan
    if fact.op == "gt_field":
        return x - of_target(runs, fact, fact.value)[0]
    if fact.op == "in":
        return min(x - fact.value[0], fact.value[1] - x)
    if fact.op == "<=":
        return fact.value - x
    return x - fact.value


def holds(fact: Target, runs: pd.DataFrame) -> bool:
    """Whether the pattern holds over ``runs`` (its statistic meets its bound)."""
    other = of_target(runs, fact, fact.value)[0] if fact.op == "gt_field" else math.nan
    return fact.holds(of_target(runs, fact)[0], other)


def judge(runs: pd.DataFrame, by: str, facts: list[Target]) -> pd.DataFrame:
    """Per group of ``runs`` (a draw or a batch) and pattern: holds (0/1) and the margin."""
    rows = []
    for key, g in runs.groupby(by, sort=True):
        row: dict[str, Any] = {by: key}
        for f in facts:
            row[f"holds:{f.id}"] = float(holds(f, g))
            row[f"margin:{f.id}"] = margin(f, g)
        rows.append(row)
    return pd.DataFrame(rows).set_index(by)


NULL_ROW = "null_wrong"
"""The last section 7 row: the static null model gets at least two adoption rows wrong."""
NULL_WRONG = 2
NULL_FACT = Target(
    label="The static null model gets at least two adoption rows wrong",
    statistic="share",
    field="",
    value=NULL_WRONG,
    id=NULL_ROW,
)


def judge_null(
    runs: pd.DataFrame, by: str, facts: list[Target], scenario_of: Callable[[Any], Scenario]
) -> pd.DataFrame:
    """Per group of ``runs``, the null model's verdict on the section 7 row about it: the static
    null model on the group's scenario (``scenario_of(group)``) and seeds, the same sampled
    inputs as the model's runs, gets at least :data:`NULL_WRONG` of the adoption rows wrong.
    The margin is the number of rows it gets wrong, less the bound (minus one half)."""
    adoption = [f for f in facts if f.id in ADOPTION_ROWS]
    rows = []
    for key, g in runs.groupby(by, sort=True):
        sc = scenario_of(key)
        null = pd.DataFrame([null_row(sc, int(seed)) for seed in g["seed"]])
        wrong = sum(not holds(f, null) for f in adoption)
        rows.append(
            {
                by: key,
                f"holds:{NULL_ROW}": float(wrong >= NULL_WRONG),
                f"margin:{NULL_ROW}": wrong - NULL_WRONG + 0.5,
            }
        )
    return pd.DataFrame(rows).set_index(by)


def probability(judged: pd.DataFrame, fact: Target) -> tuple[float, float, float, int]:
    x = judged[f"holds:{fact.id}"].to_numpy()
    p = float(x.mean())
    lo, hi = wilson(p, len(x))
    return p, lo, hi, len(x)


# ----------------------------------------------------------------------------- running


def batches(sc: Scenario, n: int, r: int, seed: int, workers: int | None) -> pd.DataFrame:
    """``n`` batches of ``r`` runs of ``sc`` (fresh seeds per batch), judged per batch."""
    runs = run_design(Design.at_points(sc, [{}], n * r, seed), workers=workers).frame()
    runs["batch"] = runs["run"] // r
    return runs


def at_points(
    prior: Prior, points: list[dict[str, float]], r: int, seed: int, workers: int | None
) -> pd.DataFrame:
    """The prior's scenario at each point (``r`` runs each, the same seeds at every point)."""
    return run_design(Design.at_points(None, points, r, seed, prior.evaluator()), workers=workers).frame()


# ----------------------------------------------------------------------------- screening


def screen(
    draws: pd.DataFrame, judged: pd.DataFrame, prior: Prior, fact: Target, k: int
) -> list[tuple[str, float]]:
    """The ``k`` inputs whose values rank-correlate most (Spearman) with the pattern's margin
    over the broad-prior draws, with the correlation (a draw without a statistic ranks lowest)."""
    m = judged[f"margin:{fact.id}"]
    if m.notna().sum() < 3:
        return []
    m = m.fillna(m.min() - 1).rank()
    out = []
    for f in prior.varied:
        x = draws[f.name].reindex(m.index).rank()
        rho = float(np.corrcoef(x, m)[0, 1]) if x.std() > 0 and m.std() > 0 else 0.0
        out.append((f.name, 0.0 if math.isnan(rho) else rho))
    out.sort(key=lambda t: -abs(t[1]))
    return [t for t in out if t[1] != 0][:k]


# ----------------------------------------------------------------------------- tipping points


@dataclass
class Tip:
    """Where a pattern's verdict first changes along one input, from its shipped value."""

    fact: str
    factor: Factor
    direction: int  # +1 up, -1 down
    at: float  # the input's value at the crossing
    lo: float  # the bracket (last value with the shipped verdict, first with the other)
    hi: float

    @property
    def distance(self) -> float:
        return abs(self.at - self.factor.shipped)

    @property
    def fraction(self) -> float:
        return self.distance / self.factor.width


def grid(f: Factor, steps: int, direction: int) -> list[float]:
    """``steps`` values from the shipped value (excluded) to one end of the broad range."""
    end = f.high if direction > 0 else f.low
    start = min(max(f.shipped, f.low), f.high)
    values = [start + (end - start) * (i + 1) / steps for i in range(steps)] if end != start else []
    return [float(min(max(x, f.low), f.high)) for x in values]


RunPoints = Callable[[list[dict[str, float]]], pd.DataFrame]
"""Runs at each of a list of points (a ``point`` column numbers them in order)."""


def tipping_points(
    prior: Prior,
    facts: list[Target],
    candidates: dict[str, list[str]],
    sizes: dict[str, int],
    run_points: RunPoints,
) -> tuple[list[Tip], dict[str, tuple[bool, float]], int]:
    """One-at-a-time sweeps with bisection (module docstring): the point ``{}`` is the shipped
    scenario, ``{name: x}`` the shipped scenario with one input at ``x``. Returns the crossings
    found, each pattern's verdict and statistic at the shipped values, and the number of runs."""
    steps = sizes["grid"]
    searched = sorted({name for names in candidates.values() for name in names})
    points: list[dict[str, float]] = [{}]
    where: dict[tuple[str, int, int], int] = {}
    for name in searched:
        f = prior.factor(name)
        for d in (-1, 1):
            for i, x in enumerate(grid(f, steps, d)):
                where[(name, d, i)] = len(points)
                points.append({name: x})
    runs = run_points(points)
    total = len(runs)
    groups = dict(tuple(runs.groupby("point")))
    shipped = {f.id: (holds(f, groups[0]), of_target(groups[0], f)[0]) for f in facts}
    brackets: list[Tip] = []
    for fact in facts:
        verdict = shipped[fact.id][0]
        for name in candidates.get(fact.id, []):
            factor = prior.factor(name)
            for d in (-1, 1):
                last = factor.shipped
                for i, x in enumerate(grid(factor, steps, d)):
                    if holds(fact, groups[where[(name, d, i)]]) != verdict:
                        brackets.append(Tip(fact.id, factor, d, (last + x) / 2, last, x))
                        break
                    last = x
    by_id = {f.id: f for f in facts}
    for _ in range(sizes["bisections"]):
        if not brackets:
            break
        mids = [{t.factor.name: (t.lo + t.hi) / 2} for t in brackets]
        runs = run_points(mids)
        total += len(runs)
        groups = dict(tuple(runs.groupby("point")))
        for k, t in enumerate(brackets):
            mid = (t.lo + t.hi) / 2
            if holds(by_id[t.fact], groups[k]) == shipped[t.fact][0]:
                t.lo = mid
            else:
                t.hi = mid
            t.at = (t.lo + t.hi) / 2
    return brackets, shipped, total


# ----------------------------------------------------------------------------- the report


def short(name: str) -> str:
    """An input's name without the leading ``tracks.``."""
    return name.removeprefix("tracks.")


def describe_tip(t: Tip) -> str:
    f = t.factor
    verb = "raised" if t.direction > 0 else "lowered"
    unit = "multiplier of the shipped values" if f.kind == "scale" else f.unit
    return f"`{short(f.name)}` {verb} from {f.shipped:.3g} to {t.at:.3g} ({unit}; {t.fraction:.0%} of its broad range)"


def figure(
    facts: list[Target],
    probs: dict[str, dict[str, tuple[float, float, float, int]]],
    tips: list[Tip],
    path: Path,
) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(15, 0.62 * len(facts) + 2.2))
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.25]})
    y = np.arange(len(facts))
    colours = ["#000000", "#0072B2", "#E69F00", "#009E73"]
    for k, arm in enumerate(ARMS):
        p = np.array([probs[arm][f.id][0] for f in facts])
        lo = np.array([probs[arm][f.id][1] for f in facts])
        hi = np.array([probs[arm][f.id][2] for f in facts])
        off = (k - 1.5) * 0.17
        ax1.errorbar(p, y + off, xerr=[p - lo, hi - p], fmt="o", ms=4, color=colours[k], label=arm, lw=0.9)
    ax1.set_yticks(y, [f.label for f in facts], fontsize=8)
    ax1.invert_yaxis()
    ax1.set_xlim(-0.02, 1.02)
    ax1.set_xlabel("P(pattern holds in a batch), 95 % interval")
    ax1.legend(fontsize=7, loc="lower left")
    ax1.set_title("(a) prior predictive", fontsize=10)

    for i, f in enumerate(facts):
        mine = sorted((t for t in tips if t.fact == f.id), key=lambda t: t.fraction)[:3]
        if not mine:
            ax2.text(0.02, i, "no tipping point among the inputs searched", fontsize=7, va="center")
        for j, t in enumerate(mine):
            yy = i + (j - 1) * 0.27
            v = t.direction * t.fraction
            ax2.barh(yy, v, height=0.24, color="#D55E00" if t.direction < 0 else "#56B4E9")
            ax2.text(
                v + (0.01 if v >= 0 else -0.01),
                yy,
                short(t.factor.name),
                fontsize=6,
                va="center",
                ha="left" if v >= 0 else "right",
            )
    ax2.axvline(0, color="black", lw=0.6)
    ax2.set_yticks(y, [f.id for f in facts], fontsize=8)
    ax2.set_ylim(len(facts) - 0.5, -0.5)
    ax2.set_xlim(-1.15, 1.15)
    ax2.set_xlabel(
        "distance to the flip, as a share of the input's broad range (left: lowered, right: raised)"
    )
    ax2.set_title("(b) the three nearest tipping points from the shipped values", fontsize=10)
    fig.suptitle("ttc_2021_2025: how likely each section 7 pattern is, and how far it is from flipping")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes (a smoke test)")
    ap.add_argument("--workers", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=ROOT / "results")
    ap.add_argument("--calibrated", type=Path, default=CALIBRATED, help="the calibrated scenario file")
    for key, value in FULL.items():
        ap.add_argument(
            f"--{key.replace('_', '-')}", type=int, help=f"default {value} ({QUICK[key]} with --quick)"
        )
    args = ap.parse_args(argv)
    sizes = {k: getattr(args, k) or (QUICK if args.quick else FULL)[k] for k in FULL}
    started, commit = time.time(), _git_commit()  # the code the runs come from
    args.out.mkdir(parents=True, exist_ok=True)
    shipped = load_scenario(SCENARIO)
    calibrated = load_scenario(args.calibrated)
    facts = [f for f in load_facts() if f.scenario == shipped.name]
    prior = broad_prior(SCENARIO, shipped)
    posterior = prior.without(calibrated_paths()).on(calibrated)
    n, r, w, seed = sizes["draws"], sizes["replications"], args.workers, args.seed

    # (a) prior predictive
    judged: dict[str, pd.DataFrame] = {}
    points = prior.draw(n, seed)
    draws = pd.DataFrame(points)
    post_draws = posterior.draw(n, seed)
    null_judged: dict[str, pd.DataFrame] = {}
    for arm, runs, by, scenario_of in (
        ("shipped", batches(shipped, sizes["batches"], r, seed, w), "batch", lambda _: shipped),
        ("calibrated", batches(calibrated, sizes["batches"], r, seed, w), "batch", lambda _: calibrated),
        ("broad prior", at_points(prior, points, r, seed, w), "point", lambda k: prior.apply(points[k])),
        (
            ARMS[3],
            at_points(posterior, post_draws, r, seed, w),
            "point",
            lambda k: posterior.apply(post_draws[k]),
        ),
    ):
        judged[arm] = judge(runs, by, facts)
        null_judged[arm] = judge_null(runs, by, facts, scenario_of)
    probs = {arm: {f.id: probability(judged[arm], f) for f in facts} for arm in ARMS}
    null_probs = {arm: probability(null_judged[arm], NULL_FACT) for arm in ARMS}
    runs_a = 2 * sizes["batches"] * r + 2 * n * r

    # (b) tipping points
    screened = {f.id: screen(draws, judged["broad prior"], prior, f, sizes["candidates"]) for f in facts}
    candidates = {fid: [name for name, _ in s] for fid, s in screened.items()}
    tips, at_shipped, runs_b = tipping_points(
        prior, facts, candidates, sizes, lambda pts: at_points(prior, pts, sizes["sweep_runs"], seed, w)
    )
    figure(facts, probs, tips, args.out / "uncertainty.png")

    # the report
    counts = {kind: sum(f.kind == kind for f in prior.factors) for kind in ("value", "scale", "shock")}
    constants = sum(f.name.startswith("constants.") for f in prior.factors)
    fixed = [f.name for f in prior.factors if not f.varied]
    outside = data_assumptions()
    lines = [
        "# Uncertainty: how likely each pattern is under what we do not know, and how far it is from flipping",
        "",
        f"Generated by `experiments/uncertainty.py` (`make analysis`) on the joint scenario `{shipped.name}` and the "
        f"{len(facts)} patterns of `sim/data/stylized_facts.toml` for it; commit {commit}; seed {seed}; "
        f"{runs_a + runs_b:,} runs in {time.time() - started:.0f} s"
        f"{' (--quick sizes: a smoke test, not a result)' if args.quick else ''}. Sizes: {n} prior draws x {r} runs; "
        f"{sizes['batches']} batches x {r} runs of the shipped and the calibrated scenario; tipping-point sweeps of "
        f"{sizes['grid']} points each way, {sizes['bisections']} bisection steps, {sizes['sweep_runs']} runs per point.",
        "",
        "![uncertainty](uncertainty.png)",
        "",
        "## The broad prior",
        "",
        f"{len(prior.factors)} inputs ({len(prior.varied)} varied), read from the files by `sim/analysis/priors.py`: "
        f"all {constants} constants over their declared ranges; the {counts['value'] - constants + counts['shock']} values "
        f'of `scenarios/ttc_2021_2025.toml` whose comment says "assumption" (a shock\'s size among them), each from half '
        f"to twice its shipped value (a distribution: half its lowest to twice its highest value), clipped to the "
        f"parameter's valid range; and the {counts['scale']} columns of the track preference tables with assumed cells, "
        f"each moved by one multiplier from {LOW:g} to {HIGH:g} (members and allies apart; a cell is sourced when a "
        f'clause of its row\'s `source` names the column, cites a source and does not say "assumption"). Each input '
        f"is uniform over its range. Not varied (shipped value 0): {', '.join(f'`{x}`' for x in fixed) or 'none'}. "
        f'Not in the prior, because they are data tables rather than parameters: the rows marked "assumption" in '
        + ", ".join(f"`{k}` ({v})" for k, v in outside.items())
        + ", and the supply columns of `member_states.csv` (an assumption per `sim/data/README.md`). The full list is "
        "at the end.",
        "",
        "## (a) How likely each pattern is",
        "",
        f"P(the pattern holds): the share of draws in which the pattern's statistic over the draw's {r} runs meets its "
        "bound (Wilson 95 % interval). *shipped* and *calibrated*: batches of fresh seeds of the scenario as it is "
        "(the calibrated one is `scenarios/calibrated/ttc_2021_2025.toml` as `make analysis` writes it); *broad prior*: Latin hypercube draws of "
        "the inputs above; *broad prior, calibrated at posterior*: the same, on the calibrated scenario, with the "
        f"calibrated parameters ({', '.join(f'`{p}`' for p in calibrated_paths())}) drawn from their posterior "
        "rather than from the broad prior.",
        "",
        "| pattern | bound | " + " | ".join(ARMS) + " |",
        "|---|---|" + "---|" * len(ARMS),
    ]
    for f in facts:
        cells = [
            f"{probs[a][f.id][0]:.2f} ({probs[a][f.id][1]:.2f} to {probs[a][f.id][2]:.2f})" for a in ARMS
        ]
        lines.append(f"| {md(f.label)} (`{f.id}`) | {md(f.describe())} | " + " | ".join(cells) + " |")
    cells = [f"{null_probs[a][0]:.2f} ({null_probs[a][1]:.2f} to {null_probs[a][2]:.2f})" for a in ARMS]
    lines.append(
        f"| {md(NULL_FACT.label)} (`{NULL_ROW}`) | >= {NULL_WRONG} of {len(ADOPTION_ROWS)} wrong | "
        + " | ".join(cells)
        + " |"
    )
    likely = [f.id for f in facts if probs["broad prior"][f.id][0] >= 0.5]
    lines += [
        "",
        f"Under the broad prior {len(likely)} of {len(facts)} patterns hold in at least half of the draws"
        + (f" ({', '.join(likely)})" if likely else "")
        + "; "
        + ", ".join(
            f"{f.id} {probs['shipped'][f.id][0]:.2f} -> {probs['broad prior'][f.id][0]:.2f}" for f in facts
        )
        + " (shipped -> broad prior). The null model's row is judged on the null model's runs with the same "
        f"inputs and seeds as each draw's: it holds in {null_probs['broad prior'][0]:.2f} of the broad prior's draws "
        f"({null_probs['shipped'][0]:.2f} of the shipped batches).",
        "",
        "## (b) Tipping points",
        "",
        f"From the shipped scenario, one input at a time. *Flip* means the pattern's verdict over {sizes['sweep_runs']} "
        "runs (the same seeds at every point) changes from what it is at the shipped values (holds to fails, or fails "
        "to holds). Along each searched input the verdict is checked at "
        f"{sizes['grid']} evenly spaced values from the shipped value to each end of the broad range; the first change "
        f"is narrowed by {sizes['bisections']} bisection steps. A distribution's shipped value is its mean. The "
        f"inputs searched for a pattern are the {sizes['candidates']} whose values rank-correlate most (Spearman) with "
        "the pattern's margin over the broad-prior draws of (a); a pattern may flip along an input not searched, and "
        "moving two inputs at once can flip it sooner, so each distance is an upper bound on the nearest flip.",
        "",
        "| pattern | at the shipped values | searched (Spearman rho) | nearest tipping points |",
        "|---|---|---|---|",
    ]
    for f in facts:
        verdict, stat = at_shipped[f.id]
        mine = sorted((t for t in tips if t.fact == f.id), key=lambda t: t.fraction)[:3]
        searched = ", ".join(f"`{short(nm)}` ({rho:+.2f})" for nm, rho in screened[f.id]) or "none"
        nearest = "; ".join(describe_tip(t) for t in mine) or "none within the broad ranges searched"
        state = f"{'holds' if verdict else 'fails'} ({stat:.3g})"
        p_shipped = probs["shipped"][f.id][0]
        if NEAR <= p_shipped <= 1 - NEAR or verdict != (p_shipped >= 0.5):
            state += f"; near its bound: holds in {p_shipped:.0%} of the shipped batches"
        lines.append(f"| {md(f.label)} (`{f.id}`) | {state} | {searched} | {nearest} |")
    lines.append(
        f"| {md(NULL_FACT.label)} (`{NULL_ROW}`) | - | not searched | not searched: the row compares the null model "
        "with the history, not the model, and flips when an input lets the null model's static ideals reach the "
        "Dutch, Japanese or Russian measures |"
    )
    lines += [
        "",
        f"A pattern *near its bound* holds in {NEAR:.0%} to {1 - NEAR:.0%} of the shipped scenario's batches in "
        "(a), or its verdict over the sweep's runs differs from most batches': its verdict at the shipped values "
        "is itself uncertain over a batch of runs, so a small move of any input that shifts its statistic flips "
        "it, and its tipping distances say little more than that.",
        "",
        "## The prior's inputs",
        "",
        table(prior),
        "",
    ]
    (args.out / "uncertainty.md").write_text("\n".join(lines))
    print(
        f"wrote {args.out / 'uncertainty.md'} and uncertainty.png ({runs_a + runs_b:,} runs, {time.time() - started:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
