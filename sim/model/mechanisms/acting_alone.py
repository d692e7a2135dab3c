"""Mechanism 5, acting alone: past its patience, the US weighs acting alone against waiting.

Acting alone now controls the US's own supply plus, through ``reach`` (foreign-direct-product
and de-minimis rules), that share of allied supply not already controlled. Waiting is worth a
full joint control at the current ask, discounted by the months a deal is expected to take at
the recent rate at which the gap closes (never, when talks have stalled). The US acts alone
when the margin exceeds its private threshold, drawn once per run.

Parameters: ``us.patience``, ``us.threat``, ``us.exposure``, ``us.reach``, ``us.lag``,
``target.availability``, ``ttc.tolerance``, ``ttc.min_stringency``.

Facts: the US executive can act quickly and alone [62]; it did on China on 7 Oct 2022 [16].
"""

from __future__ import annotations

import math

import numpy as np

DISCOUNT = 0.9
"""Monthly discount the US applies to a deal that is still months away."""
DECISION_SD = 0.05
"""Spread of an actor's private threshold for a discrete decision (acting alone, a national
measure), drawn once per run: the idiosyncratic politics the model does not represent."""
PROGRESS_WINDOW = 3
"""Months over which the US measures the recent rate at which the gap closes."""


def threshold(rng: np.random.Generator) -> float:
    """One actor's private threshold for a discrete decision."""
    return float(rng.normal(0.0, DECISION_SD))


def thresholds(rng: np.random.Generator, size: int) -> np.ndarray:
    """Private thresholds for a discrete decision, one for each of ``size`` actors."""
    return rng.normal(0.0, DECISION_SD, size)


def months_to_deal(gap_history: list[float], offer: float, tolerance: float, min_stringency: float) -> float:
    """Months until the gap closes to within ``tolerance`` at the recent rate of progress;
    infinite when talks have stalled (no progress, or no EU offer worth a deal)."""
    k = min(PROGRESS_WINDOW, len(gap_history) - 1)
    rate = (gap_history[-1 - k] - gap_history[-1]) / k if k > 0 else 0.0
    if offer < min_stringency and rate <= 1e-9:
        return math.inf
    return max(0.0, gap_history[-1] - tolerance) / rate if rate > 1e-9 else math.inf


def value_of_control(
    level: float, threat: float, exposure: float, coverage: float, availability: float
) -> float:
    """Security value less own export cost of a control at ``level`` covering ``coverage`` of
    Western supply, when ``availability`` of the basket stays open."""
    return level * (threat * (1.0 - availability) * coverage - exposure)


def margin_of_acting_alone(
    ideal: float,
    ask: float,
    threat: float,
    exposure: float,
    reach: float,
    allied_coverage: float,
    availability: float,
    months: float,
) -> float:
    """The value of acting alone at the ideal now, less that of waiting ``months`` for a deal
    at the ask."""
    alone = value_of_control(ideal, threat, exposure, reach + (1 - reach) * allied_coverage, availability)
    deal = value_of_control(ask, threat, exposure, 1.0, availability)
    wait = DISCOUNT**months * deal if math.isfinite(months) else 0.0
    return alone - wait
