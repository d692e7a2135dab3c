"""Global sensitivity analysis: which preferences drive the outcomes (SALib, on our runner).

SALib draws the design (Saltelli's scheme for Sobol indices, trajectories for Morris); our
runner evaluates every design point with R seeded replications (the same seeds at every
point); SALib computes the indices from the replication means. Because the model is
stochastic, part of the variance of those means is the model's own noise; it is estimated
from the replications (mean within-point variance / R, over the variance of the point means)
and reported beside the indices, so a reader can tell signal from noise.

The factors are parameter paths with ranges, or a scenario file's broad prior
(:mod:`sim.analysis.priors`: every assumed input and every constant). The outputs are outcome
fields or expressions over them (:func:`sim.analysis.stylized.expression`), each summarised
per design point by its kind: a share of runs for a true/false output, a month with runs
without the event counted as the horizon (censored), else a mean. By default they are
:data:`OUTPUTS`, four outcomes of the China chip-tools track.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.analysis.priors import Prior
from sim.analysis.stylized import check_field, column, expression
from sim.analysis.targets import derived_kind, field_kind
from sim.model import check_seed
from sim.runner.designs import Design, ModelRun
from sim.runner.run import run_design
from sim.scenario import Scenario, ScenarioError, numeric_path
from sim.scenario.distributions import Distribution

STATISTIC_OF_KIND = {"bool": "share", "month": "censored", "float": "mean"}
"""How a design point's replications are summarised, by the outcome's declared kind: a share,
a month (runs without the event count as the horizon), or a mean."""
TRACK = "china_sme"
"""The track whose outcomes the analysis summarises (every scenario shipped has it but the
Russia one-track file)."""
OUTPUTS: dict[str, tuple[str, str]] = {
    label: (field, STATISTIC_OF_KIND[field_kind(field, "sensitivity", label)])
    for label, field in {
        "P(coordinated)": f"{TRACK}.coordinated",
        "P(NL national measure)": f"{TRACK}.national:NL",
        "month of the first US rule": f"{TRACK}.first_us_rule",
        "effective alignment": f"{TRACK}.effective_alignment",
    }.items()
}
METHODS = ("sobol", "morris")
SHOWN = 20
"""Most factors a report's table and figure show per output (the strongest; all are in
``indices.csv``)."""


def parse_output(text: str, source: str = "outputs") -> tuple[str, tuple[str, str]]:
    """An output named by its text: an outcome field (``russia_dual_use.coordinated``), a
    derived field (``china_sme.first_us_rule``, ``soft_share:2022-12,2023-05``) or an
    expression over them (``china_sme.national:NL <= 30``): (label, (text, statistic)). A field
    is summarised by its kind (a share, a censored month, a mean); an expression by its value
    (a share when it is true/false, else a mean)."""
    text = text.strip()
    if not text:
        raise ScenarioError(source, text, "an output cannot be empty")
    try:
        kind = derived_kind(text, source, text) if ":" in text else None
        if kind is None and re.fullmatch(r"[a-z][a-z0-9_]*\.\w+", text):
            kind = field_kind(text, source, text)
    except ScenarioError:
        kind = None
    if kind == "str":
        raise ScenarioError(source, text, "a text field: compare it, e.g. china_sme.channel == 'unilateral'")
    if kind is None:
        return text, (text, "expression")
    return text, (text, STATISTIC_OF_KIND.get(kind, "mean"))


def output_values(runs: pd.DataFrame, what: str, statistic: str, months: int, label: str = "") -> pd.Series:
    """One output's value per run: a share counts 1 or 0, a censored month takes the horizon
    for a run without the event (a label ``P(...)`` of a month field counts the event)."""
    if statistic == "expression":
        x = expression(runs, what, "outputs")
    else:
        check_field(runs, what, "outputs")
        x = column(runs, what, "outputs")
    if statistic == "censored" and label.startswith("P("):
        return x.notna().astype(float)
    if statistic == "censored":
        return x.astype(float).fillna(float(months))
    if x.dtype == bool or x.dtype == object:
        return x.fillna(False).astype(bool).astype(float)
    return x.astype(float)


@dataclass(frozen=True)
class Ishigami:
    """The Ishigami function (a = 7, b = 0.1) as the runner's evaluator (a design without a
    scenario, over x1, x2, x3), with analytic Sobol indices (S1 = 0.314, 0.442, 0; ST = 0.558,
    0.442, 0.244): for checking that the runner and the analysis reproduce known answers.
    ``noise`` adds seeded Gaussian noise; the output is column ``y``."""

    noise: float = 0.0

    def columns(self) -> list[tuple[str, pa.DataType]]:
        return [("y", pa.float64())]

    def identity(self) -> dict[str, Any]:
        return {"evaluator": "ishigami", "noise": self.noise}

    def __call__(
        self, scenario: Scenario | None, values: dict[str, Any], seed: int, trajectories: bool
    ) -> tuple[dict[str, Any], pd.DataFrame | None]:
        from SALib.test_functions import Ishigami as fn

        y = float(fn.evaluate(np.array([[values["x1"], values["x2"], values["x3"]]]))[0])
        return {"y": y + (np.random.default_rng(seed).normal(0, self.noise) if self.noise else 0.0)}, None


def parameter_ranges(
    sc: Scenario, params: Sequence[str], ranges: dict[str, tuple[float, float]]
) -> dict[str, tuple[float, float]]:
    """Each factor's range: ``--range`` first, else the support of the scenario's distribution.
    A factor may be ``members.*.key``: all 27 members move together."""
    names = list(params) or sc.sampled_paths()
    if not names:
        raise ScenarioError(
            "params", "", "the scenario samples no parameter: name factors with params=[PATH, ...]"
        )
    out = {}
    for path in names:
        lo_ok, hi_ok = numeric_path("params", path)
        if path in ranges:
            lo, hi = ranges[path]
        else:
            probe = path.replace("members.*.", f"members.{sc.members[0]}.")
            value = sc.values.get(probe)
            if not isinstance(value, Distribution):
                raise ScenarioError(
                    "params", path, "is not a distribution in the scenario: give ranges[PATH] = (LOW, HIGH)"
                )
            lo, hi = value.support()
        if not (lo_ok <= lo < hi <= hi_ok):
            raise ScenarioError(
                "ranges", path, f"[{lo}, {hi}] must be increasing and inside [{lo_ok:g}, {hi_ok:g}]"
            )
        out[path] = (float(lo), float(hi))
    return out


def parse_range(text: str) -> tuple[str, tuple[float, float]]:
    path, sep, spec = text.partition("=")
    lo, _, hi = spec.partition(":")
    try:
        if not sep:
            raise ValueError
        return path.strip(), (float(lo), float(hi))
    except ValueError:
        raise ScenarioError("ranges", text, "expected PATH=LOW:HIGH") from None


def problem(ranges: dict[str, tuple[float, float]]) -> dict[str, Any]:
    return {"num_vars": len(ranges), "names": list(ranges), "bounds": [list(b) for b in ranges.values()]}


def design(prob: dict[str, Any], method: str, n: int, seed: int) -> np.ndarray:
    """The design points SALib asks for (Saltelli: n x (D + 2); Morris: n x (D + 1))."""
    if method == "sobol":
        from SALib.sample import sobol

        if n < 2 or n & (n - 1):
            raise ScenarioError("n", str(n), "Sobol sampling needs a power of two (e.g. 256)")
        return sobol.sample(prob, n, calc_second_order=False, seed=seed)
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(prob, n, num_levels=4, seed=seed)
    raise ScenarioError("method", method, f"must be one of {', '.join(METHODS)}")


def indices(prob: dict[str, Any], method: str, x: np.ndarray, y: np.ndarray, seed: int) -> pd.DataFrame:
    """One row per factor: S1, ST (Sobol) or mu*, sigma (Morris), with 95 % confidence."""
    if method == "sobol":
        from SALib.analyze import sobol

        # SALib's Sobol analysis takes a seed of 0 as "no seed" (its bootstrap intervals
        # then change on every call); a Generator is always used, and default_rng(seed)
        # draws what an integer seed would, so other seeds give the same numbers as before
        si = sobol.analyze(prob, y, calc_second_order=False, seed=np.random.default_rng(seed))
        cols = {"S1": si["S1"], "S1_conf": si["S1_conf"], "ST": si["ST"], "ST_conf": si["ST_conf"]}
    else:
        from SALib.analyze import morris

        si = morris.analyze(prob, x, y, num_levels=4, seed=seed)
        cols = {"mu_star": si["mu_star"], "mu_star_conf": si["mu_star_conf"], "sigma": si["sigma"]}
    return pd.DataFrame(cols, index=pd.Index(prob["names"], name="parameter"))


def point_means(runs: pd.DataFrame, months: int, outputs: dict[str, tuple[str, str]] | None = None) -> Any:
    """The outputs grouped by design point (take ``.mean()`` or ``.var()`` over replications)."""
    cols = {
        label: output_values(runs, what, statistic, months, label)
        for label, (what, statistic) in (outputs or OUTPUTS).items()
    }
    frame = pd.DataFrame(cols)
    frame["point"] = runs["point"].to_numpy()
    return frame.groupby("point")


def noise_share(
    runs: pd.DataFrame, months: int, replications: int, outputs: dict[str, tuple[str, str]] | None = None
) -> pd.Series:
    """Share of the variance of the point means due to the model's own noise."""
    outputs = outputs or OUTPUTS
    g = point_means(runs, months, outputs)
    means, within = g.mean(), g.var(ddof=1) if replications > 1 else None
    out = {}
    for label in outputs:
        total = float(means[label].var(ddof=1))
        noise = float(within[label].mean()) / replications if within is not None else math.nan
        out[label] = noise / total if total > 0 else (0.0 if noise == 0 else math.nan)
    return pd.Series(out)


@dataclass
class SensitivityResult:
    scenario: str
    method: str
    problem: dict[str, Any]
    n: int
    replications: int
    seed: int
    runs: pd.DataFrame
    table: pd.DataFrame
    noise: pd.Series
    runs_file: Path | None = None  # where the runner wrote the runs, with their manifest
    outputs: dict[str, tuple[str, str]] = field(default_factory=lambda: dict(OUTPUTS))
    prior: Prior | None = None  # the broad prior the factors came from, if any

    def markdown(self) -> str:
        main, conf = ("ST", "ST_conf") if self.method == "sobol" else ("mu_star", "mu_star_conf")
        lines = [
            f"# Sensitivity of `{self.scenario}` ({self.method}, n = {self.n}, "
            f"{len(self.runs['point'].unique())} design points x {self.replications} replications)",
            "",
            self.factors_text(),
            "",
            "Share of each output's variance due to the model's own noise (replications): "
            + "; ".join(f"{k} {v:.1%}" for k, v in self.noise.items())
            + ".",
            "",
        ]
        if self.problem["num_vars"] > SHOWN:
            lines += [
                f"Each output's table lists its {SHOWN} strongest factors; `indices.csv` has all "
                f"{self.problem['num_vars']}.",
                "",
            ]
        for label in self.outputs:
            t = self.table[self.table.output == label].sort_values(main, ascending=False).head(SHOWN)
            lines += [
                f"## {label}",
                "",
                "| parameter | "
                + " | ".join(c for c in t.columns if c not in ("output", "parameter"))
                + " |",
                "|---|" + "---|" * (len(t.columns) - 2),
            ]
            for _, r in t.iterrows():
                vals = " | ".join(f"{r[c]:.3f}" for c in t.columns if c not in ("output", "parameter"))
                lines.append(f"| `{r['parameter']}` | {vals} |")
            top = t.iloc[0]
            lines += [
                "",
                f"Strongest driver: `{top['parameter']}` ({main} {top[main]:.2f} +/- {top[conf]:.2f}).",
                "",
            ]
        return "\n".join(lines)

    def factors_text(self) -> str:
        """The factors and their ranges (a prior's: how they were chosen)."""
        ranges = "; ".join(
            f"`{n}` in [{lo:g}, {hi:g}]"
            for n, (lo, hi) in zip(self.problem["names"], self.problem["bounds"], strict=True)
        )
        if self.prior is None:
            return "Factors and ranges: " + ranges
        return (
            f"Factors: the broad prior of the scenario file (`sim/analysis/priors.py`): every "
            f"input its comments or preference tables mark as an assumption, half to twice its "
            f"shipped value (a table's column by one multiplier), and every constant over its "
            f"declared range; {self.problem['num_vars']} varied. Ranges: " + ranges
        )


def run_sensitivity(
    sc: Scenario,
    method: str = "sobol",
    params: Sequence[str] = (),
    ranges: dict[str, tuple[float, float]] | None = None,
    n: int = 256,
    replications: int = 10,
    seed: int = 0,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
    runs_file: Path | None = None,
    resume: bool = False,
    force: bool = False,
    command: Sequence[str] | None = None,
    outputs: Sequence[str] = (),
    prior: Prior | None = None,
) -> SensitivityResult:
    """Design, evaluate (R seeded replications per point on our runner) and analyse. With
    ``runs_file`` the runs are written there with a manifest beside it, and ``resume``
    continues an interrupted analysis without redoing the runs it finished. ``outputs``
    (default :data:`OUTPUTS`) are fields or expressions (:func:`parse_output`); with
    ``prior`` the factors are its varied inputs (``params`` and ``ranges`` must be empty)."""
    if method not in METHODS:
        raise ScenarioError("method", method, f"must be one of {', '.join(METHODS)}")
    check_seed(seed)
    chosen = dict(parse_output(o) for o in outputs) if outputs else dict(OUTPUTS)
    check_outputs(sc, chosen)
    if prior is not None:
        if params or ranges:
            raise ScenarioError(
                "params", " ".join(params), "the prior names the factors: give no params or ranges"
            )
        prob = problem(prior.ranges())
    else:
        prob = problem(parameter_ranges(sc, params, ranges or {}))
    x = design(prob, method, n, seed)
    points = [dict(zip(prob["names"], map(float, row), strict=True)) for row in x]
    evaluated = (
        Design.at_points(None, points, replications, seed, prior.evaluator())
        if prior is not None
        else Design.at_points(sc, points, replications, seed)
    )
    done = run_design(
        evaluated,
        runs_file,
        workers,
        scheduler,
        resume=resume,
        force=force,
        progress=progress,
        command=command,
        reuse=True,
        desc="ttcsim sensitivity",
    )
    runs = done.frame()
    means = point_means(runs, sc.months, chosen).mean()
    frames = []
    for label in chosen:
        t = indices(prob, method, x, means[label].to_numpy(), seed).reset_index()
        t.insert(0, "output", label)
        frames.append(t)
    return SensitivityResult(
        sc.name,
        method,
        prob,
        n,
        replications,
        seed,
        runs,
        pd.concat(frames, ignore_index=True),
        noise_share(runs, sc.months, replications, chosen),
        done.path,
        chosen,
        prior,
    )


def check_outputs(sc: Scenario, outputs: dict[str, tuple[str, str]]) -> None:
    """Evaluate every output on one run of ``sc`` (a mistyped field fails here, as a
    :class:`ScenarioError` naming it, before the design runs)."""
    one = pd.DataFrame([ModelRun()(sc, {}, 0, False)[0]])
    for label, (what, statistic) in outputs.items():
        output_values(one, what, statistic, sc.months, label)


def plot(result: SensitivityResult, path: Path) -> None:
    from matplotlib.figure import Figure

    bars = (
        [("S1", "S1_conf", "first order"), ("ST", "ST_conf", "total")]
        if result.method == "sobol"
        else [("mu_star", "mu_star_conf", "mu*")]
    )
    outputs = list(result.outputs)
    shown = min(SHOWN, result.problem["num_vars"])
    few = shown == result.problem["num_vars"]
    if few:  # one row of panels over the same factors
        fig = Figure(figsize=(4.2 * len(outputs), 0.35 * shown + 2.2))
        axes = np.atleast_1d(fig.subplots(1, len(outputs), sharey=True))
    else:  # two columns of panels, each over its output's strongest factors
        rows = -(-len(outputs) // 2)
        fig = Figure(figsize=(15, rows * (0.27 * shown + 1.2) + 0.8))
        axes = fig.subplots(rows, 2).ravel()
        for ax in axes[len(outputs) :]:
            ax.set_visible(False)
    main = bars[-1][0]
    y = np.arange(shown)
    for ax, label in zip(axes, outputs, strict=False):
        t = result.table[result.table.output == label].set_index("parameter")
        names = (
            list(result.problem["names"]) if few else list(t[main].sort_values(ascending=False).index[:shown])
        )
        t = t.loc[names]
        h = 0.8 / len(bars)
        for k, (col, conf, name) in enumerate(bars):
            ax.barh(
                y + k * h - 0.4 + h / 2,
                t[col],
                height=h,
                xerr=t[conf],
                label=name,
                color=["#0072B2", "#E69F00"][k],
                error_kw={"lw": 0.8},
            )
        ax.set_yticks(y, names, fontsize=8 if few else 7)
        ax.set_title(f"{label}\n(noise share {result.noise[label]:.0%})", fontsize=9)
        ax.axvline(0, color="black", lw=0.5)
        ax.invert_yaxis()
    axes[0].legend(fontsize=8)
    fig.suptitle(f"Sensitivity of {result.scenario}: {result.method} indices with 95 % intervals")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


OUTPUT_FILES = ("indices.csv", "runs.parquet", "sensitivity.md", "sensitivity.png")


def write(result: SensitivityResult, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    result.table.to_csv(out / "indices.csv", index=False)
    if result.runs_file is None or result.runs_file.resolve() != (out / "runs.parquet").resolve():
        result.runs.to_parquet(out / "runs.parquet", index=False)
    (out / "sensitivity.md").write_text(result.markdown())
    plot(result, out / "sensitivity.png")
