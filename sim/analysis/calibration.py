"""Calibration: approximate Bayesian computation against historical targets (ABC-SMC).

A small, documented ABC-SMC (Beaumont, Cornuet, Marin and Robert 2009, "Adaptive approximate
Bayesian computation", with the tolerance schedule set adaptively from distance quantiles as
in Del Moral, Doucet and Jasra 2012). Written here rather than taken from a package because
each particle must be evaluated as a *batch* (the targets are statistics over seeded runs,
such as P(US unilateral) or a median month) on our own runner, local or Dask.

* Prior: uniform over each parameter's declared range (``--params PATH=LOW:HIGH``).
* A particle (a parameter vector) is evaluated with R seeded replications of its own (not
  the common random numbers of other designs: judged on shared noise, the population would
  condition on that noise, too narrow and shifted; :class:`Gaussian` checks this); each target's
  statistic is computed over them; its distance is the deviation from the target in units
  of the target's tolerance (zero inside a one-sided bound or an interval); the particle's
  distance is the root mean square over targets.
* Generation 0 draws N particles from the prior and keeps the best ``quantile`` of them.
  Each later generation resamples the kept particles by weight, perturbs them with a
  Gaussian kernel (twice the weighted covariance), evaluates N candidates, lowers the
  tolerance to the ``quantile`` of their distances, keeps those within it and weights each
  by prior / (sum of previous weights x kernel density).
* The last population (with weights) is the posterior: for the :class:`Gaussian` case it
  matches the exact ABC posterior at the final tolerance (a test). It is written as a scenario file
  that ``extends`` the original, each parameter a triangular distribution over the
  posterior's 90 % interval with its mode at the posterior median.

Targets are :class:`sim.analysis.targets.Target` read from a target file (the format is in
that module's docstring); each calibration target needs a ``tolerance``.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import tomli_w

from sim.analysis.stylized import md, of_target
from sim.analysis.targets import Target
from sim.analysis.targets import load_targets as load_target_file
from sim.model import check_seed
from sim.runner.designs import Design, Evaluator
from sim.runner.run import run_design
from sim.scenario import Scenario, ScenarioError, numeric_path


def load_targets(path: str | Path) -> list[Target]:
    """The calibration targets of a target file: each must carry a tolerance."""
    return load_target_file(path, require=("tolerance",))


def parse_param(sc: Scenario, text: str) -> tuple[str, float, float]:
    """``PATH=LOW:HIGH``: a calibrated parameter and its uniform prior range."""
    path, sep, spec = text.partition("=")
    lo_s, _, hi_s = spec.partition(":")
    try:
        if not sep:
            raise ValueError
        lo, hi = float(lo_s), float(hi_s)
    except ValueError:
        raise ScenarioError("params", text, "expected PATH=LOW:HIGH") from None
    a, b = numeric_path("params", path)
    if not a <= lo < hi <= b:
        raise ScenarioError("params", text, f"LOW < HIGH inside [{a:g}, {b:g}]")
    return path, lo, hi


@dataclass(frozen=True)
class Gaussian:
    """A case with an analytic posterior, for checking the ABC against known answers: a design
    without a scenario over one parameter ``theta``, each replication ``y = theta + e`` with
    seeded ``e ~ N(0, sd)``, so the mean of R replications is ``N(theta, sd**2 / R)``. The
    output is column ``y``."""

    sd: float = 1.0

    def columns(self) -> list[tuple[str, pa.DataType]]:
        return [("y", pa.float64())]

    def identity(self) -> dict[str, Any]:
        return {"evaluator": "gaussian", "sd": self.sd}

    def __call__(
        self, scenario: Scenario | None, values: dict[str, Any], seed: int, trajectories: bool
    ) -> tuple[dict[str, Any], pd.DataFrame | None]:
        return {"y": float(values["theta"]) + float(np.random.default_rng(seed).normal(0.0, self.sd))}, None

    def posterior(
        self, grid: np.ndarray, observed: float, replications: int, half_width: float
    ) -> np.ndarray:
        """The exact ABC posterior density of ``theta`` on ``grid`` (a uniform prior over the
        grid's span) when a particle is kept iff the mean of its ``replications`` lies within
        ``half_width`` of ``observed``: prior x P(|mean - observed| <= half_width | theta).
        As ``half_width`` goes to 0 it is the Bayesian posterior N(observed, sd**2 / R)."""
        scale = self.sd / np.sqrt(replications)
        phi = np.vectorize(lambda z: 0.5 * math.erfc(-z / math.sqrt(2)))  # the normal CDF
        keep = phi((observed + half_width - grid) / scale) - phi((observed - half_width - grid) / scale)
        return keep / np.trapezoid(keep, grid)


@dataclass
class Generation:
    index: int
    evaluated: int
    accepted: int
    epsilon: float


@dataclass
class CalibrationResult:
    scenario: Scenario | None  # None for an evaluator without a scenario
    targets: list[Target]
    names: list[str]
    bounds: np.ndarray  # (D, 2)
    particles: np.ndarray  # (M, D)
    weights: np.ndarray  # (M,)
    generations: list[Generation]
    prior_components: np.ndarray  # (N, K): generation 0's per-target distances
    fit: pd.DataFrame  # per target: weighted statistic over the posterior population
    replications: int
    seed: int
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def model(self) -> Scenario:
        """The calibrated scenario (a result of a scenario-free test case has none)."""
        if self.scenario is None:
            raise ScenarioError("calibrate", "", "this result has no scenario to write or report")
        return self.scenario

    def quantiles(self, qs: tuple[float, ...] = (0.05, 0.5, 0.95)) -> pd.DataFrame:
        rows = {
            q: [weighted_quantile(self.particles[:, d], self.weights, q) for d in range(len(self.names))]
            for q in qs
        }
        df = pd.DataFrame(rows, index=pd.Index(self.names, name="parameter"))
        df.columns = [f"q{int(q * 100):02d}" for q in qs]
        df["mean"] = self.particles.T @ self.weights
        df["prior_low"], df["prior_high"] = self.bounds[:, 0], self.bounds[:, 1]
        return df

    def binding(self) -> pd.Series:
        """Share of prior draws each target alone rules out (distance > 1): the targets
        that rule out most of the prior are the ones that bind."""
        comps = self.prior_components
        return pd.Series((comps > 1).mean(axis=0), index=[t.label for t in self.targets])


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x)
    cw = np.cumsum(w[order])
    cw = cw / cw[-1]
    return float(x[order][np.searchsorted(cw, q, side="left").clip(0, len(x) - 1)])


def _statistics(runs: pd.DataFrame, targets: list[Target]) -> np.ndarray:
    """(points, targets) matrix of each target's statistic over each point's replications."""
    out = []
    for _, g in runs.groupby("point", sort=True):
        out.append([of_target(g, t)[0] for t in targets])
    return np.array(out, dtype=float)


@dataclass(frozen=True)
class Runner:
    """Where and how each generation's particles run: the executor, and, with ``folder``, a
    results file per generation (``generation-<g>.parquet`` with its manifest) so that an
    interrupted calibration resumes (``resume``) without redoing the generations or runs it
    finished."""

    workers: int | None = None
    scheduler: str | None = None
    folder: Path | None = None
    resume: bool = False
    force: bool = False
    command: tuple[str, ...] | None = None


def _evaluate(
    sc: Scenario | None,
    names: list[str],
    theta: np.ndarray,
    targets: list[Target],
    replications: int,
    seed: int,
    runner: Runner,
    generation: int,
    evaluator: Evaluator | None,
) -> tuple[np.ndarray, np.ndarray]:
    points = [dict(zip(names, map(float, row), strict=True)) for row in theta]
    out = runner.folder / f"generation-{generation}.parquet" if runner.folder is not None else None
    runs = run_design(
        Design.at_points(sc, points, replications, seed, evaluator, independent=True),
        out,
        runner.workers,
        runner.scheduler,
        resume=runner.resume,
        force=runner.force,
        command=runner.command,
        reuse=True,
        desc=f"ttcsim calibrate (generation {generation})",
    ).frame()
    stats = _statistics(runs, targets)
    comps = np.array([[t.distance(v) for t, v in zip(targets, row, strict=True)] for row in stats])
    return stats, comps


def calibrate(
    sc: Scenario | None,
    targets: list[Target],
    params: list[tuple[str, float, float]],
    particles: int = 200,
    replications: int = 20,
    generations: int = 4,
    quantile: float = 0.3,
    seed: int = 0,
    workers: int | None = None,
    scheduler: str | None = None,
    runner: Runner | None = None,
    evaluator: Evaluator | None = None,
) -> CalibrationResult:
    """Run ABC-SMC (see the module docstring) and return the weighted posterior population.
    ``runner`` says where the particles run and where their runs are kept (by default in
    memory on ``workers`` local processes or a Dask ``scheduler``). ``evaluator`` replaces the
    model (with ``sc`` None): a test case with a known posterior, such as :class:`Gaussian`."""
    runner = runner or Runner(workers, scheduler)
    if particles < 10 or generations < 1 or not 0 < quantile < 1:
        raise ScenarioError("calibrate", "", "needs particles >= 10, generations >= 1, 0 < quantile < 1")
    check_seed(seed)
    rng = np.random.default_rng(seed)
    names = [p for p, _, _ in params]
    bounds = np.array([[lo, hi] for _, lo, hi in params])
    lo, hi = bounds[:, 0], bounds[:, 1]
    theta = rng.uniform(lo, hi, (particles, len(names)))
    stats, comps = _evaluate(sc, names, theta, targets, replications, seed, runner, 0, evaluator)
    prior_comps, prior_stats = comps, stats
    dist = np.sqrt(np.mean(np.minimum(comps, 1e6) ** 2, axis=1))
    eps = float(np.quantile(dist, quantile))
    keep = dist <= eps
    pop, w, pop_stats = theta[keep], np.full(keep.sum(), 1.0 / keep.sum()), stats[keep]
    history = [Generation(0, particles, int(keep.sum()), eps)]
    for g in range(1, generations):
        cov = (
            2.0 * np.atleast_2d(np.cov(pop.T, aweights=w)) if len(pop) > 1 else np.diag(((hi - lo) / 10) ** 2)
        )
        cov += np.diag(((hi - lo) * 1e-3) ** 2)  # never degenerate
        cand = np.empty((particles, len(names)))
        filled = 0
        for _ in range(100):
            idx = rng.choice(len(pop), particles, p=w)
            prop = pop[idx] + rng.multivariate_normal(np.zeros(len(names)), cov, particles)
            ok = prop[np.all((prop >= lo) & (prop <= hi), axis=1)]
            take = min(len(ok), particles - filled)
            cand[filled : filled + take] = ok[:take]
            filled += take
            if filled == particles:
                break
        else:
            cand[filled:] = np.clip(pop[rng.choice(len(pop), particles - filled, p=w)], lo, hi)
        stats, comps = _evaluate(sc, names, cand, targets, replications, seed + g, runner, g, evaluator)
        dist = np.sqrt(np.mean(np.minimum(comps, 1e6) ** 2, axis=1))
        eps = min(eps, float(np.quantile(dist, quantile)))
        keep = dist <= eps
        if not keep.any():
            history.append(Generation(g, particles, 0, eps))
            break
        new = cand[keep]
        inv = np.linalg.inv(cov)
        diff = new[:, None, :] - pop[None, :, :]
        kern = np.exp(-0.5 * np.einsum("ijk,kl,ijl->ij", diff, inv, diff))
        new_w = 1.0 / (kern @ w)
        pop, w, pop_stats = new, new_w / new_w.sum(), stats[keep]
        history.append(Generation(g, particles, int(keep.sum()), eps))
    fit = pd.DataFrame(
        {
            "target": [t.label for t in targets],
            "wanted": [t.describe() for t in targets],
            "posterior (weighted mean)": pop_stats.T @ w,
            "prior (mean)": np.nanmean(prior_stats, axis=0),
        }
    )
    return CalibrationResult(
        sc, targets, names, bounds, pop, w, history, prior_comps, fit, replications, seed
    )


# ----------------------------------------------------------------------------- output


def _rounded(x: float) -> float:
    return float(f"{x:.4g}")


def posterior_scenario(result: CalibrationResult, original: Path, out: Path) -> str:
    """A scenario file that extends the original with the posterior as distributions."""
    q = result.quantiles()
    ref = os.path.relpath(Path(original).resolve(), out.resolve().parent)
    sc = result.model
    doc: dict[str, Any] = {
        "scenario": {
            "extends": ref,
            "name": sc.name + "_calibrated",
            "description": f"{sc.name} with calibrated " + ", ".join(result.names),
        }
    }
    priors = []
    for name, row in q.iterrows():
        *tables, key = str(name).split(".")  # members.*.threat: [members] ["*"] threat
        section = doc
        for table in tables:
            section = section.setdefault(table, {})
        lo, mode, hi = (_rounded(row[c]) for c in ("q05", "q50", "q95"))
        section[key] = mode if hi - lo < 1e-9 else {"dist": "triangular", "low": lo, "mode": mode, "high": hi}
        priors.append(f"# {name}: prior [{row['prior_low']:g}, {row['prior_high']:g}]")
    head = [
        f"# Calibrated by `ttcsim calibrate` on {datetime.now(UTC).date()}: ABC-SMC posterior of "
        f"{', '.join(result.names)}",
        f"# against {len(result.targets)} targets ({result.replications} replications per particle). "
        "Each parameter: a triangular",
        "# distribution over the posterior's 90 % interval with its mode at the posterior median.",
        *priors,
        "",
    ]
    return "\n".join(head) + "\n" + tomli_w.dumps(doc)


def report(result: CalibrationResult, scenario_file: Path, truth: dict[str, float] | None = None) -> str:
    q = result.quantiles()
    lines = [
        f"# Calibration of `{result.model.name}` (ABC-SMC)",
        "",
        f"Posterior written to `{scenario_file}`. {len(result.generations)} generations, "
        f"{result.replications} seeded replications per particle, seed {result.seed}.",
        "",
        "## Acceptance",
        "",
        "| generation | particles evaluated | accepted | acceptance rate | tolerance (epsilon) |",
        "|---|---|---|---|---|",
        *[
            f"| {g.index} | {g.evaluated} | {g.accepted} | {g.accepted / g.evaluated:.0%} | {g.epsilon:.3f} |"
            for g in result.generations
        ],
        "",
        "## Posterior",
        "",
        "The last column is the posterior's 90 % interval as a share of the prior's range "
        "(a uniform prior's own 90 % is 0.9: near it, the targets do not constrain the parameter).",
        "",
        "| parameter | prior | posterior 5 % | median | 95 % | mean | shipped value | shipped vs posterior "
        "| 90 % width / prior range |" + (" truth |" if truth else ""),
        "|---|---|---|---|---|---|---|---|---|" + ("---|" if truth else ""),
    ]
    for name, r in q.iterrows():
        shipped, verdict = shipped_value(result.model, str(name), r["q05"], r["q95"])
        row = (
            f"| `{name}` | {r['prior_low']:g} to {r['prior_high']:g} | {r['q05']:.3g} | {r['q50']:.3g} | "
            f"{r['q95']:.3g} | {r['mean']:.3g} | {shipped} | {verdict} | "
            f"{(r['q95'] - r['q05']) / (r['prior_high'] - r['prior_low']):.2f} |"
        )
        if truth:
            row += f" {truth.get(str(name), float('nan')):g} |"
        lines.append(row)
    b = result.binding()
    exact = float(np.mean(np.all(result.prior_components == 0, axis=1)))
    lines += [
        "",
        f"{exact:.0%} of the prior's draws meet every target within its bound."
        + (
            " The targets hardly constrain these parameters: the posterior is close to the prior "
            "restricted to them."
            if exact >= 0.5
            else ""
        ),
        "",
        "## Targets: fit and which bind",
        "",
        "A target binds when, on its own, it rules out much of the prior (share of prior draws "
        "farther than one tolerance from it).",
        "",
        "| target | wanted | prior (mean) | posterior (weighted mean) | prior draws it rules out |",
        "|---|---|---|---|---|",
        *[
            f"| {md(t.label)} | {t.describe()} | {pr:.3g} | {v:.3g} | {b[t.label]:.0%} |"
            for t, v, pr in zip(
                result.targets,
                result.fit["posterior (weighted mean)"],
                result.fit["prior (mean)"],
                strict=True,
            )
        ],
        "",
    ]
    return "\n".join(lines)


def shipped_value(sc: Scenario, path: str, lo: float, hi: float) -> tuple[str, str]:
    """The scenario's own value for ``path`` and how it sits against the posterior's 90 %
    interval [lo, hi]: inside, overlapping (a distribution), or outside."""
    from sim.scenario.distributions import Distribution

    value = sc.values.get(path.replace("members.*.", f"members.{sc.members[0]}."))
    if isinstance(value, Distribution):
        a, b = value.support()
        text = f"{value.kind} {a:g}..{b:g}"
        if a >= lo and b <= hi:
            return text, "inside"
        return text, "overlaps" if a <= hi and b >= lo else "**outside**"
    if isinstance(value, (int, float)):
        return f"{value:g}", "inside" if lo <= value <= hi else "**outside**"
    return "-", "-"


def plot(result: CalibrationResult, path: Path, truth: dict[str, float] | None = None) -> None:
    from matplotlib.figure import Figure

    d = len(result.names)
    fig = Figure(figsize=(3.6 * d, 3.2))
    axes = fig.subplots(1, d, squeeze=False)
    for k, (ax, name) in enumerate(zip(axes[0], result.names, strict=True)):
        lo, hi = result.bounds[k]
        ax.hist(
            result.particles[:, k],
            weights=result.weights,
            bins=20,
            range=(lo, hi),
            color="#0072B2",
            alpha=0.8,
            density=True,
            label="posterior",
        )
        ax.axhline(1 / (hi - lo), color="#E69F00", ls="--", label="prior")
        if truth and name in truth:
            ax.axvline(truth[name], color="black", lw=1.5, label="truth")
        ax.set_title(name, fontsize=9)
        ax.set_xlim(lo, hi)
    axes[0][0].legend(fontsize=7)
    fig.suptitle(f"Calibration of {result.model.name}: posterior vs prior")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
