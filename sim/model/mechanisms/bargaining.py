"""Mechanism 4, ``bargaining``: a TTC round per open track, every month, competing for attention.

On each hard track whose talks are open, the Commission's offer (``eu_routes``) meets the US
ask. The round agrees when the gap is within ``ttc.tolerance`` and the offer is a real control
(at least ``ttc.min_stringency``); each side then adopts on its own instruments after its own
lag (the EU on the offer's route). Otherwise the US concedes part of the gap (never below its
reservation level), and spends the track's share of its leverage on the members that held the
offer down. Rounds scale with the track's share of the TTC's attention (``agenda``): a track
the TTC neglects gets smaller concessions and less pressure; a ministerial month weighs
``ministerial_weight`` times more.

Switched off (``mechanisms.bargaining = false``): no TTC rounds; no deal is ever struck, so
the US and the EU act only alone (the US through ``channel_choice``, members nationally).

Parameters: ``ttc.tolerance``, ``ttc.min_stringency``, ``ttc.window``, ``ttc.ministerials``,
``tracks.<id>.us.concession``, ``tracks.<id>.us.reservation``, ``tracks.<id>.us.lag``,
``us.pressure`` (shared). Constants: ``ministerial_weight``, ``bilateral_share``.

Facts: the TTC adopts nothing; it produces agreements each side adopts through its own
instruments (TTC-1 principles, Sep 2021 [5]); comparable Russia restrictions hailed at TTC-2
[13].
"""

from __future__ import annotations

import numpy as np

from sim.model.compiled import kernel
from sim.model.mechanisms.supplier_assurance import press


def agree(us_ask: float, eu_offer: float, tolerance: float, min_stringency: float) -> bool:
    """A round agrees when the gap is within tolerance and the deal is a real control."""
    return us_ask - eu_offer <= tolerance and eu_offer >= min_stringency


def conceded(
    ideal: float, ask: float, reservation: float, concession: float, weight: float, gap: float
) -> float:
    """The share of its ideal the US has given up after conceding ``concession`` x gap (times
    the round's weight), never below ``reservation`` x ideal."""
    floor = reservation * ideal
    new_ask = max(floor, ask - concession * weight * gap)
    return 1.0 - new_ask / ideal


def press_the_reluctant(
    pressure_in: np.ndarray,
    derogated: np.ndarray,
    aim: float,
    ceilings: np.ndarray,
    leverage: float,
    weight: float,
) -> None:
    """Add (in place, members only) ``leverage`` x ``weight`` of US pressure on the members
    whose ceilings held the offer below the Commission's aim, in proportion to the shortfall."""
    reluctance = shortfalls(derogated, aim, ceilings)
    total = reluctance.sum()
    if total > 0:
        press(pressure_in, leverage * weight, reluctance, total)


@kernel
def shortfalls(derogated: np.ndarray, aim: float, ceilings: np.ndarray) -> np.ndarray:
    """How far each bound member's ceiling falls short of the ``aim`` (0 for the derogated and
    for those who would go as far; compiled)."""
    out = np.empty(len(ceilings))
    for i in range(len(ceilings)):
        short = aim - ceilings[i]
        out[i] = 0.0 if derogated[i] or short <= 0.0 else short
    return out
