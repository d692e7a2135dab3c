"""Held-out events: the calibrated joint scenario's predictions for events it was never fitted to.

Every event of ``sim/data/v2_holdout.csv`` (after the calibration's cut-off; spec section 8) is
scored at the month it came into force (month 0 = 2021-06) by three sources of predictions, each
over the same seeds:

* the model: the calibrated scenario (``scenarios/calibrated/ttc_2021_2025.toml``, the ABC-SMC
  posterior against facts decided by 2023-06-30);
* the prior predictive: the model before calibration, the shipped scenario with the calibrated
  parameters drawn uniformly from the ABC's prior ranges (``CALIBRATE`` in
  ``experiments/analysis.py``);
* the static null model (``sim/model/null_model.py``) on the calibrated scenario's inputs.

Occurrence: the probability that the event happens by the horizon and its Brier score; timing:
the percentile of the real month in the predicted months and the CRPS in months ("never" is the
horizon + 1); see :mod:`sim.analysis.holdout`. The verdicts (right, early, late, wrong) and the
reading are generated from the numbers. Nothing is tuned to these events; the report is
written whatever the verdict.

Writes ``results/holdout.md`` and ``results/holdout.png``.
Usage: ``python experiments/holdout.py [--runs N] [--seed S] [--workers K] [--scenario FILE]``
(``make analysis``).
"""

from __future__ import annotations

import argparse
import math
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim import load_scenario
from sim.analysis.history import Quantity
from sim.analysis.holdout import (
    CENTRAL,
    HOLDOUT_FILE,
    MOSTLY,
    Scored,
    holdout_quantities,
    load_holdout,
    predicted,
    score_all,
    totals,
    verdict,
)
from sim.model.null_model import null_row
from sim.runner import simulate
from sim.runner.manifest import _git_commit
from sim.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent
EXPERIMENTS = Path(__file__).resolve().parent
SHIPPED = ROOT / "scenarios" / "ttc_2021_2025.toml"
CALIBRATED = ROOT / "scenarios" / "calibrated" / "ttc_2021_2025.toml"
SOURCES = ("model", "prior predictive", "null")
STYLE = {
    "model": {"color": "#0072B2", "lw": 2.0, "ls": "-", "zorder": 3},
    "prior predictive": {"color": "#E69F00", "lw": 1.6, "ls": "--", "zorder": 2},
    "null": {"color": "#7F7F7F", "lw": 1.4, "ls": ":", "zorder": 1},
}


def prior_ranges() -> list[tuple[str, str, str]]:
    """(path, low, high) of each parameter the ABC calibrated, as ``experiments/analysis.py``
    gives them to ``ttcsim calibrate``."""
    sys.path.insert(0, str(EXPERIMENTS))
    from analysis import CALIBRATE

    out = []
    for text in CALIBRATE[SHIPPED.stem]:
        path, _, bounds = text.partition("=")
        low, _, high = bounds.partition(":")
        out.append((path, low, high))
    return out


def prior_predictive() -> Scenario:
    """The shipped scenario with each calibrated parameter uniform over its prior range."""
    overrides = [f'{p}={{dist="uniform",low={lo},high={hi}}}' for p, lo, hi in prior_ranges()]
    return load_scenario(SHIPPED, overrides)


@dataclass(frozen=True)
class Sources:
    """The runs of each source of predictions, over the same seeds, and the model's scenario."""

    scenario: Scenario
    runs: dict[str, pd.DataFrame]


def batches(calibrated: Path, runs: int, seed: int, workers: int | None) -> Sources:
    """The model's, the prior predictive's and the null model's runs on the same seeds."""
    sc = load_scenario(calibrated)
    model = simulate([sc], runs, seed, workers=workers)
    prior = simulate([prior_predictive()], runs, seed, workers=workers)
    null = pd.DataFrame([null_row(sc, int(s)) for s in model["seed"]])
    return Sources(sc, {"model": model, "prior predictive": prior, "null": null})


def scores(src: Sources, events: pd.DataFrame, quantities: list[Quantity]) -> dict[str, list[Scored]]:
    """Every held-out event scored on each source's runs."""
    return {name: score_all(events, quantities, df, src.scenario) for name, df in src.runs.items()}


def month(sc: Scenario, m: float) -> str:
    """A model month as YYYY-MM ("never" past the horizon, "-" when undefined)."""
    if math.isnan(m):
        return "-"
    return "never" if m >= sc.months else sc.calendar(int(round(m)))


def pct(x: float) -> str:
    return "-" if math.isnan(x) else f"{x:.0%}"


def num(x: float, digits: int = 2) -> str:
    return "-" if math.isnan(x) else f"{x:.{digits}f}"


def reading(sc: Scenario, q: Quantity, s: Scored, real: str) -> str:
    """A source's verdict on one event in words, from its numbers."""
    text = describe(sc, q, s, real)
    if s.close_call:
        text += " (a close call: P is within two standard errors of one half, so more runs could turn the verdict)"
    return text


def describe(sc: Scenario, q: Quantity, s: Scored, real: str) -> str:
    v = verdict(s, q)
    if q.kind == "absent":
        return f"{v}: no such measure by {real} in {pct(s.p)} of runs"
    if q.kind == "share":
        if math.isnan(s.median):
            return f"{v}: no soft share at {real} in these runs"
        return (
            f"{v}: soft share above {MOSTLY:g} in {pct(s.p)} of runs (median {s.median:.2f}, "
            f"90 %: {s.low:.2f} to {s.high:.2f})"
        )
    spread = f"median {month(sc, s.median)}, 90 %: {month(sc, s.low)} to {month(sc, s.high)}"
    if v == "wrong":
        return f"wrong: in force by the horizon in only {pct(s.p)} of runs ({spread})"
    if v in ("early", "late"):
        return (
            f"{v}: {spread}; the real month {real} lies at the {s.percentile:.0%} point of the predicted months "
            f"(outside {CENTRAL[0]:.0%} to {CENTRAL[1]:.0%}); by the horizon in {pct(s.p)} of runs"
        )
    return f"right: by the horizon in {pct(s.p)} of runs; {real} at the {s.percentile:.0%} point ({spread})"


def standing(own: float, others: dict[str, float]) -> str:
    """Where the model's score stands against the baselines' (lower is better; scores equal to
    the two decimals shown count as equal)."""
    better = [n for n, x in others.items() if round(own, 2) < round(x, 2)]
    worse = [n for n, x in others.items() if round(own, 2) > round(x, 2)]
    if len(better) == len(others):
        return "better than both baselines"
    if len(worse) == len(others):
        return "worse than both baselines"
    equal = [n for n in others if n not in better and n not in worse]
    return ", ".join(
        [f"better than the {n}" for n in better]
        + [f"worse than the {n}" for n in worse]
        + [f"equal to the {n}" for n in equal]
    )


def comparison(q: Quantity, by: dict[str, Scored]) -> str:
    """The model's scores against the two baselines'."""
    parts = []
    for label, key, unit in (("Brier", "brier", ""), ("CRPS", "crps", " months")):
        if key == "crps" and q.kind != "timed":
            continue
        others = {n: getattr(by[n], key) for n in SOURCES[1:]}
        shown = ", ".join(f"{n} {num(x)}" for n, x in others.items())
        own = getattr(by["model"], key)
        parts.append(f"{label} {num(own)}{unit} ({shown}): {standing(own, others)}")
    return "; ".join(parts)


def figure(src: Sources, events: pd.DataFrame, quantities: list[Quantity], path: Path) -> None:
    """Per dated event, the predicted month's distribution (the share of runs with the measure
    in force by each month) of each source, the real month marked."""
    sc = src.scenario
    timed = [(e, q) for (_, e), q in zip(events.iterrows(), quantities, strict=True) if q.kind == "timed"]
    cols = 3
    rows = math.ceil(len(timed) / cols)
    fig = Figure(figsize=(13, 2.9 * rows + 0.8))
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True, sharey=True)
    grid = np.arange(sc.months)
    ticks = list(range(0, sc.months, 12))
    for ax, (e, q) in zip(axes.flat, timed, strict=False):
        for name, df in src.runs.items():
            x = predicted(df, q)[0]  # NaN (never) where the source's rows lack the field
            cdf = [float(np.mean(x <= m)) for m in grid]
            ax.step(grid, cdf, where="post", label=name, **STYLE[name])
        ax.axvline(q.month, color="#D55E00", lw=1.4, alpha=0.8, label="real month")
        ax.set_title(
            f"{textwrap.shorten(e['event'], 52, placeholder='...')}\nreal: {e['in_force'][:7]}",
            fontsize=8,
        )
        ax.set_ylim(0, 1.02)
        ax.set_xlim(0, sc.months - 1)
        ax.set_xticks(ticks, [sc.calendar(m) for m in ticks], fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
    for ax in list(axes.flat)[len(timed) :]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("share of runs in force", fontsize=8)
    axes.flat[0].legend(fontsize=7, loc="upper left")
    fig.suptitle(
        "Held-out events: predicted month in force (share of runs by each month; the rest: never by 2025-06)",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def report(
    src: Sources,
    events: pd.DataFrame,
    quantities: list[Quantity],
    scored: dict[str, list[Scored]],
    runs: int,
    seed: int,
    calibrated: Path,
) -> list[str]:
    sc = src.scenario
    ministerials = sc.values["ttc.ministerials"]
    ranges = ", ".join(f"`{p}` {lo} to {hi}" for p, lo, hi in prior_ranges())
    lines = [
        "# Held-out events: predicted, not fitted",
        "",
        f"Generated by `experiments/holdout.py` (`make analysis`) at commit {_git_commit() or 'unknown'}: "
        f"{runs} runs per source, batch seed {seed}; run k of every source uses the same seed (the null model "
        "the same sampled inputs as the model's run). Month 0 = 2021-06; the horizon is month "
        f"{sc.months - 1} ({sc.calendar(sc.months - 1)}).",
        "",
        f"- **model**: the calibrated scenario `{calibrated.relative_to(ROOT) if calibrated.is_relative_to(ROOT) else calibrated.name}` "
        "(ABC-SMC posterior against facts decided by 2023-06-30);",
        f"- **prior predictive**: the model before calibration, `{SHIPPED.relative_to(ROOT)}` with the calibrated "
        f"parameters drawn uniformly from the ABC's prior ranges ({ranges});",
        "- **null**: the static null model (`ttcsim null`: each actor adopts at the ideal its inputs alone give, "
        "after its lag; no bargaining, updates, countermeasures or agenda) on the calibrated scenario's inputs.",
        "",
        f"Every event of `{HOLDOUT_FILE.relative_to(ROOT)}` is scored at the month it came into force "
        "(spec section 8). Occurrence: P, the probability that the event happens by the horizon (for an "
        f"absence, that the measure does not; for a ministerial, that its soft share exceeds {MOSTLY:g}), and "
        "its Brier score (1 - P)^2 (every held-out event happened). Timing, for a dated measure: the predicted "
        f"month over the runs, a run without it counting as never = month {sc.months}; the percentile of the real "
        "month in it (P(X < real) + P(X = real) / 2) and the CRPS in months (lower is better; a point forecast's "
        "CRPS is its absolute error). A source is *wrong* on a measure it has by the horizon in under half "
        f"the runs, *early* or *late* when the real month lies above or below the central "
        f"{CENTRAL[1] - CENTRAL[0]:.0%} of its predicted months, else *right*; on an absence or a ministerial "
        "it is right when P is at least one half. Which of an actor's measures on a track an event is "
        "(the US's first update is its 2nd rule on the track, graphite China's 3rd countermeasure) is counted "
        "from both event files (`sim/analysis/holdout.py`). Nothing here is tuned to these events; the report "
        "is written whatever the verdict.",
        "",
        "![held-out events](holdout.png)",
        "",
        "## Scores per event",
        "",
        "| event | real | model quantity | source | P(by horizon) | Brier | predicted (median; 90 %) | "
        "percentile of real | CRPS (months) | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    reals = []
    for k, ((_, e), q) in enumerate(zip(events.iterrows(), quantities, strict=True)):
        real = (e["in_force"] or e["decided"])[:7]
        reals.append(real)
        what = " or ".join(f"`{f}`" for f in q.fields) + (f" (entry {q.nth})" if q.nth > 1 else "")
        for j, name in enumerate(SOURCES):
            s = scored[name][k]
            if q.kind == "share":
                predicted = (
                    "-" if math.isnan(s.median) else f"share {s.median:.2f}; {s.low:.2f} to {s.high:.2f}"
                )
            elif q.kind == "timed":
                predicted = f"{month(sc, s.median)}; {month(sc, s.low)} to {month(sc, s.high)}"
            else:
                predicted = "-"
            lacking = " (rows lack the field: never)" if s.lacking else ""
            lines.append(
                f"| {e['event'] if j == 0 else ''} | {real if j == 0 else ''} | {what if j == 0 else ''} | "
                f"{name}{lacking} | {pct(s.p)} | {num(s.brier, 3)} | {predicted} | {pct(s.percentile)} | "
                f"{num(s.crps, 1)} | {verdict(s, q)} |"
            )
    n_timed = sum(q.kind == "timed" for q in quantities)
    lines += [
        "",
        "## Totals",
        "",
        f"| source | mean Brier ({len(quantities)} events) | mean CRPS, months ({n_timed} dated measures) | "
        "right | early | late | wrong |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in SOURCES:
        b, c = totals(scored[name], quantities)
        counts = [
            sum(verdict(s, q) == v for s, q in zip(scored[name], quantities, strict=True))
            for v in ("right", "early", "late", "wrong")
        ]
        lines.append(f"| {name} | {b:.3f} | {c:.2f} | " + " | ".join(map(str, counts)) + " |")
    # the fair comparison with the null model: only the events its rows can express at all
    common = [k for k, s in enumerate(scored["null"]) if not s.lacking]
    if len(common) < len(quantities):
        n_common_timed = sum(quantities[k].kind == "timed" for k in common)
        lines += [
            "",
            f"On the {len(common)} events the null model's rows can express (not those in the notes, "
            "which it predicts never because it has no such field):",
            "",
            f"| source | mean Brier ({len(common)} events) | mean CRPS, months ({n_common_timed} dated measures) |",
            "|---|---|---|",
        ]
        for name in SOURCES:
            b, c = totals([scored[name][k] for k in common], [quantities[k] for k in common])
            lines.append(f"| {name} | {b:.3f} | {c:.2f} |")
    lines += ["", "## Reading, per event", ""]
    for k, ((_, e), q) in enumerate(zip(events.iterrows(), quantities, strict=True)):
        by = {name: scored[name][k] for name in SOURCES}
        baselines = "; ".join(f"{n}: {verdict(by[n], q)}" for n in SOURCES[1:])
        lines.append(
            f"- **{e['event']}** ({reals[k]}; sources {e['source']}). Model {reading(sc, q, by['model'], reals[k])}. "
            f"Baselines: {baselines}. {comparison(q, by)}."
        )
    lacking = sorted(
        {e["id"] for (_, e), s in zip(events.iterrows(), scored["null"], strict=True) if s.lacking}
    )
    shares = [q.fields[0].partition(":")[2] for q in quantities if q.kind == "share"]
    missing = [m for m in shares if m not in ministerials]
    lines += [
        "",
        "## Notes",
        "",
        f"- The null model's rows have no field for {len(lacking)} events ({', '.join(lacking) or 'none'}): "
        "it has no rule updates, extensions, countermeasures or ministerials, so it predicts them never. "
        "A US update is the second entry of `us_rule_months`, which the null's single rule never has.",
        (
            f"- The scenario has no ministerial at {', '.join(missing)} (`ttc.ministerials`), so the model "
            "cannot speak to those events: they are scored as never mostly soft."
            if missing
            else f"- The ministerials of {', '.join(shares)} are in the scenario's calendar (`ttc.ministerials`); "
            "their soft share is the share of the output since the previous ministerial that is soft."
        ),
        "- A target's countermeasures are counted once each: the model records an answer on the one track "
        "whose measure it answers, and the months of the target's tracks are merged.",
    ]
    for (_, e), q in zip(events.iterrows(), quantities, strict=True):
        if q.kind == "absent" and e["note"]:
            lines.append(f"- {e['event']}: {e['note']}.")
    lines.append("")
    return lines


def arguments(description: str, runs: int) -> argparse.ArgumentParser:
    """The options of a script that runs the calibrated joint scenario (this one and
    ``experiments/ablations.py``): its runs, batch seed, workers, scenario and output folder."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--runs", type=int, default=runs)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--scenario", type=Path, default=CALIBRATED, help="the calibrated scenario")
    ap.add_argument("--out", type=Path, default=ROOT / "results")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = arguments(__doc__.splitlines()[0], runs=8000).parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    src = batches(args.scenario, args.runs, args.seed, args.workers)
    events = load_holdout()
    quantities = holdout_quantities(events, src.scenario)
    scored = scores(src, events, quantities)
    figure(src, events, quantities, args.out / "holdout.png")
    lines = report(src, events, quantities, scored, args.runs, args.seed, args.scenario.resolve())
    (args.out / "holdout.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
