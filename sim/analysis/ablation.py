"""Ablation: what changes when a mechanism is switched off, over the same seeds.

Two batches of one scenario on the same seeds, one with a mechanism switched off
(``mechanisms.<name> = false``), differ in a pattern row (a stylized fact's statistic) or in a
track's outcome class when the difference is more than Monte Carlo noise: for a share, more than
three standard errors of the difference of two shares over ``n`` runs each; for a median or a
mean, any difference (the same seeds and inputs give the same rows, so an unchanged mechanism
changes nothing).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from sim.analysis.stylized import column, of_target, share_of
from sim.analysis.targets import Target


def shares_differ(a: pd.Series, b: pd.Series) -> bool:
    """Two shares over ``n`` runs each differ by more than three standard errors."""
    p, q, n = float(a.mean()), float(b.mean()), len(a)
    pooled = (p + q) / 2
    se = math.sqrt(max(pooled * (1 - pooled), 1.0 / n) * 2 / n)
    return abs(p - q) > 3 * se


def fact_changed(on: pd.DataFrame, off: pd.DataFrame, fact: Target) -> bool:
    """Whether a pattern row's statistic differs between two batches on the same seeds."""
    if fact.statistic == "share":
        a = share_of(column(on, fact.field), fact.by, fact.among)
        b = share_of(column(off, fact.field), fact.by, fact.among)
        return shares_differ(a, b)
    return of_target(on, fact)[0] != of_target(off, fact)[0]


def changed_rows(on: pd.DataFrame, off: pd.DataFrame, facts: Sequence[Target]) -> list[str]:
    """The pattern rows (fact ids) and outcome classes (``<track>.outcome_class=<class>``) that
    differ between two batches on the same seeds."""
    out = [fact.id for fact in facts if fact_changed(on, off, fact)]
    for field in [c for c in on.columns if c.endswith(".outcome_class")]:
        for cls in sorted(set(on[field]) | set(off[field])):
            if shares_differ(on[field] == cls, off[field] == cls):
                out.append(f"{field}={cls}")
    return out
