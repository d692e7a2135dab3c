"""Mechanism 4, the TTC round: the EU offer against the US ask, every month the hard track is open.

The round agrees when the gap between the US ask and the EU's effective offer is within
``ttc.tolerance`` and the deal is a real control (at least ``ttc.min_stringency``); each side
then adopts it through its own instruments, after its own lag. Otherwise the US concedes part
of the gap (never below its reservation level) and presses the members that held the offer
down, in proportion to how far each one's ceiling falls short of the Commission's aim. A
ministerial month doubles the round's concessions, pressure, brokerage and soft output.

Parameters: ``ttc.tolerance``, ``ttc.min_stringency``, ``ttc.window``, ``ttc.ministerials``,
``us.concession``, ``us.reservation``, ``us.pressure``, ``us.lag``, ``eu.lag``.

Facts: the TTC adopts nothing; it produces agreements each side adopts through its own
instruments (TTC-1 principles, Sep 2021 [5]); comparable Russia restrictions hailed at TTC-2 [13].
"""

from __future__ import annotations

import numpy as np

from sim.model.mechanisms import bilateral

MINISTERIAL_WEIGHT = 2.0
"""A ministerial month doubles the round's concessions, pressure, brokerage and soft output."""


def agree(us_ask: float, eu_offer: float, tolerance: float, min_stringency: float) -> bool:
    """A TTC round agrees when the gap is within tolerance and the deal is a real control."""
    return us_ask - eu_offer <= tolerance and eu_offer >= min_stringency


def conceded(
    ideal: float, ask: float, reservation: float, concession: float, weight: float, gap: float
) -> float:
    """The share of its ideal the US has given up after conceding ``concession`` x gap (times
    the month's weight), never below ``reservation`` x ideal."""
    floor = reservation * ideal
    new_ask = max(floor, ask - concession * weight * gap)
    return 1.0 - new_ask / ideal


def press_the_reluctant(
    pressure_in: np.ndarray,
    derogated: np.ndarray,
    aim: float,
    ceilings: np.ndarray,
    us_pressure: float,
    weight: float,
) -> None:
    """Add (in place) the US pressure on the members whose ceilings held the offer below the
    Commission's aim, in proportion to the shortfall; the bilateral share is spent elsewhere."""
    reluctance = np.where(derogated, 0.0, np.maximum(0.0, aim - ceilings))
    if reluctance.sum() > 0:
        spend = us_pressure * (1.0 - bilateral.BILATERAL_SHARE) * weight
        pressure_in += spend * reluctance / reluctance.sum()
