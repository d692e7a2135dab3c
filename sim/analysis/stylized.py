"""Stylized facts: statistics of a batch of outcome rows, checked against history.

The facts themselves (bounds, history, sources) live in ``data/stylized_facts.toml`` as
targets (:mod:`sim.analysis.targets`: the format, the bound and its check); this module
computes each statistic with a 95 % interval (Wilson for shares, the distribution-free
order-statistic interval for medians, the normal interval for means), says whether each fact
holds and writes the table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.targets import Target, derived_kind, load_targets
from sim.scenario import ScenarioError, suggest

FACTS_FILE = Path(__file__).resolve().parent.parent / "data" / "stylized_facts.toml"
FACT_KEYS = ("id", "scenario", "op", "history", "source")
"""What a stylized fact names beyond a target's statistic, field and value: its id, the
scenario whose batch it tests, an explicit bound, and the history behind it."""
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Result:
    fact: Target
    value: float
    low: float
    high: float
    n: int
    passed: bool


def load_facts(path: Path = FACTS_FILE) -> list[Target]:
    """The stylized facts: targets that each name their scenario and history."""
    return load_targets(path, require=FACT_KEYS)


def _member_months(df: pd.DataFrame, iso: str) -> pd.Series:
    def month(text: str) -> float:
        for item in str(text).split():
            code, _, m = item.partition(":")
            if code == iso:
                return float(m)
        return math.nan

    return pd.Series([month(t) for t in df["national_months"]], index=df.index, dtype=float)


def check_field(df: pd.DataFrame, field: str, source: str = "field") -> None:
    """Raise a :class:`ScenarioError` naming ``source`` unless ``field`` is a column of the
    results or a derived field with a known member code (with a "did you mean")."""
    if derived_kind(field, source, field) is None and field not in df.columns:
        raise ScenarioError(
            source,
            field,
            f"not a field of the results{suggest(field, [str(c) for c in df.columns])} "
            "(or national:XX, lag:XX)",
        )


def column(df: pd.DataFrame, field: str, source: str = "field") -> pd.Series:
    """An outcome field, or a derived one: ``national:XX`` (XX adopted a national measure)
    and ``lag:XX`` (months from the US unilateral rule to XX's measure). An unknown field is a
    :class:`ScenarioError` naming ``source`` (see :func:`check_field`)."""
    check_field(df, field, source)
    kind, _, iso = field.partition(":")
    if kind == "national":
        codes = [str(t).split() for t in df["national_adopters"]]
        return pd.Series([iso in c for c in codes], index=df.index, dtype=bool)
    if kind == "lag":
        return _member_months(df, iso) - pd.to_numeric(df["month_unilateral"], errors="coerce")
    return df[field]


def statistic(df: pd.DataFrame, kind: str, field: str, given: str = "") -> tuple[float, float, float, int]:
    """(value, 95 % low, 95 % high, n) of a statistic over a batch."""
    if given:
        df = df[df[given].astype(bool)]
    col = column(df, field)
    if kind == "share":
        x = col.astype(bool).to_numpy()
        n = len(x)
        if n == 0:
            return math.nan, math.nan, math.nan, 0
        p = float(x.mean())
        lo, hi = wilson(p, n)
        return p, lo, hi, n
    x = pd.to_numeric(col, errors="coerce").dropna().to_numpy(dtype=float)
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    if kind == "median":
        lo, hi = median_interval(x)
        return float(np.median(x)), lo, hi, n
    mean, se = float(x.mean()), float(x.std(ddof=1) / math.sqrt(n)) if n > 1 else 0.0
    return mean, mean - Z95 * se, mean + Z95 * se, n


def wilson(p: float, n: int) -> tuple[float, float]:
    """Wilson score interval for a proportion."""
    z2 = Z95**2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    lo, hi = centre - half, centre + half
    return (0.0 if lo < 1e-12 else lo), (1.0 if hi > 1 - 1e-12 else hi)


def median_interval(x: np.ndarray) -> tuple[float, float]:
    """Distribution-free 95 % interval for a median from order statistics."""
    s = np.sort(x)
    n = len(s)
    half = Z95 * math.sqrt(n) / 2
    lo = max(0, math.floor(n / 2 - half))
    hi = min(n - 1, math.ceil(n / 2 + half) - 1)
    return float(s[lo]), float(s[hi])


def evaluate(batches: dict[str, pd.DataFrame], facts: list[Target] | None = None) -> list[Result]:
    """Check every fact whose scenario has a batch in ``batches`` (keyed by scenario name);
    a ``gt_scenario`` fact also needs the compared scenario's batch."""
    out = []
    for f in facts if facts is not None else load_facts():
        if f.scenario not in batches:
            continue
        v, lo, hi, n = statistic(batches[f.scenario], f.statistic, f.field, f.given)
        other = math.nan
        if f.op == "gt_scenario":
            if f.value not in batches:
                continue
            other = statistic(batches[f.value], f.statistic, f.field, f.given)[0]
        out.append(Result(f, v, lo, hi, n, f.holds(v, other)))
    return out


def md(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|")


def table(results: list[Result]) -> str:
    """A Markdown table: scenario, fact, target, model value with 95 % interval, history."""
    lines = [
        "| scenario | fact | target | model (95 % interval) | runs | holds | history (source) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        f = r.fact
        val = "n/a" if math.isnan(r.value) else f"{r.value:.3g} ({r.low:.3g} to {r.high:.3g})"
        lines.append(
            f"| {f.scenario} | {md(f.label)} | {f.describe()} | {val} | {r.n} | "
            f"{'yes' if r.passed else '**no**'} | {f.history} ({f.source}) |"
        )
    return "\n".join(lines)
