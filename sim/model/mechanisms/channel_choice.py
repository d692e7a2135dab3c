"""Mechanism 5, ``channel_choice`` (interim form): the US weighs acting alone on each track.

Past its patience, on a track whose talks are open, the US compares acting alone now with
waiting for a deal. Acting alone controls its own share of the track's Western supply plus,
through ``reach`` (foreign-direct-product and de-minimis rules), that share of the allies'
supply not already controlled. Waiting is worth a control at the current ask over all Western
supply, discounted by the months a deal is expected to take at the recent rate at which the
gap has closed since talks opened (never, when they have stalled). The US acts alone when
the margin exceeds its
private threshold on the track, drawn once per run. The full choice among the TTC, a
minilateral with the key suppliers, a unilateral rule and waiting replaces this form in the
next version.

Switched off (``mechanisms.channel_choice = false``): the US never acts alone; it adopts a
rule only as its side of a TTC deal.

Parameters: ``tracks.<id>.us.patience``, ``.threat``, ``.exposure``, ``.reach``, ``.lag``,
``tracks.<id>.target.availability``, ``ttc.tolerance``, ``ttc.min_stringency``. Constants:
``discount``, ``decision_sd``. (A window for the rate of progress moved nothing and was
removed: the rate is the talks' average since they opened.)

Facts: the US executive can act quickly and alone [62]; it did on China on 7 Oct 2022 [16].
"""

from __future__ import annotations

import math

import numpy as np


def thresholds(rng: np.random.Generator, size: int, decision_sd: float) -> np.ndarray:
    """Private thresholds for a discrete decision, one per actor (or per track)."""
    return rng.normal(0.0, decision_sd, size)


def months_to_deal(gap_history: list[float], offer: float, tolerance: float, min_stringency: float) -> float:
    """Months until the gap closes to within ``tolerance`` at the talks' average rate so far;
    infinite when talks have stalled."""
    k = len(gap_history) - 1
    rate = (gap_history[-1 - k] - gap_history[-1]) / k if k > 0 else 0.0
    if offer < min_stringency and rate <= 1e-9:
        return math.inf
    return max(0.0, gap_history[-1] - tolerance) / rate if rate > 1e-9 else math.inf


def value_of_control(
    level: float, threat: float, exposure: float, coverage: float, availability: float
) -> float:
    """Security value less own export cost of a control at ``level`` covering ``coverage`` of
    Western supply, when ``availability`` of the basket stays open to the target."""
    return level * (threat * (1.0 - availability) * coverage - exposure)


def margin_of_acting_alone(
    ideal: float,
    ask: float,
    threat: float,
    exposure: float,
    own_supply: float,
    reach: float,
    allied_coverage: float,
    availability: float,
    months: float,
    discount: float,
) -> float:
    """The value of acting alone at the ideal now, less that of waiting ``months`` for a deal
    at the ask. ``own_supply`` is the US share of Western supply, ``allied_coverage`` the
    share of the allies' supply already controlled."""
    allied = reach + (1 - reach) * allied_coverage
    alone = value_of_control(ideal, threat, exposure, own_supply + (1 - own_supply) * allied, availability)
    deal = value_of_control(ask, threat, exposure, 1.0, availability)
    wait = discount**months * deal if math.isfinite(months) else 0.0
    return alone - wait
