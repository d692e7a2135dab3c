"""Mechanism 1, ``preferences``: each adopter's ideal level per track and the most it votes for.

An adopter's net benefit of control per unit of level rises with its threat perception and the
US pressure it has received on the track (scaled by its dependence on the US), and falls with
its exports at stake and its fear of the track's target's countermeasures. The ideal is that
net benefit bounded to [0, 1]; a member votes for any EU level up to a loss-averse ceiling
above its ideal.

Switched off (``mechanisms.preferences = false``): preferences are not formed from those
trade-offs; an adopter's ideal is its threat perception alone (exports at stake, fear and
pressure count for nothing).

Parameters: ``tracks.<id>.members.*`` and ``tracks.<id>.allies.*`` (``threat``, ``exposure``,
``retaliation_fear``, ``us_dependence``), ``tracks.<id>.us.threat``, ``tracks.<id>.us.exposure``.
Constants: ``w_exposure``, ``w_fear``, ``w_pressure``, ``loss_aversion``.

Facts: exporters' weight in the China debate (German firms and ASML [24][67]); China's gallium
curbs after the Dutch rule [33]; the Sullivan-led talks that produced the US-NL-JP
understanding [20].
"""

from __future__ import annotations

import numpy as np

from sim.model.compiled import kernel


@kernel
def net_benefit(
    threat: np.ndarray,
    exposure: np.ndarray,
    fear: np.ndarray,
    us_dependence: np.ndarray,
    pressure: np.ndarray,
    w_exposure: float,
    w_fear: float,
    w_pressure: float,
) -> np.ndarray:
    """Net benefit of control per unit of level, for every adopter at once (arrays of one
    shape; compiled). Unbounded: a negative value says how reluctant an adopter is."""
    return threat + w_pressure * us_dependence * pressure - w_exposure * exposure - w_fear * fear


@kernel
def ideal_points(net: np.ndarray) -> np.ndarray:
    """The preferred level: the net benefit bounded to [0, 1]."""
    return np.minimum(np.maximum(net, 0.0), 1.0)


@kernel
def form(
    threat: np.ndarray,
    exposure: np.ndarray,
    fear: np.ndarray,
    us_dependence: np.ndarray,
    pressure: np.ndarray,
    w_exposure: float,
    w_fear: float,
    w_pressure: float,
    net: np.ndarray,
    ideals: np.ndarray,
) -> None:
    """:func:`net_benefit` and :func:`ideal_points` of every adopter on every track (2-D arrays,
    one row per track), written into ``net`` and ``ideals`` (compiled; the same numbers)."""
    for k in range(threat.shape[0]):
        for i in range(threat.shape[1]):
            value = net_benefit(
                threat[k, i],
                exposure[k, i],
                fear[k, i],
                us_dependence[k, i],
                pressure[k, i],
                w_exposure,
                w_fear,
                w_pressure,
            )
            net[k, i] = value
            ideals[k, i] = ideal_points(value)


def ceilings(net: np.ndarray, loss_aversion: float) -> np.ndarray:
    """The highest EU level each member votes for (loss-averse single-peaked preferences
    against a status quo of no measure): net x (1 + 1/loss_aversion), at most 1. Kept
    unclipped below 0 so the most reluctant member ranks first."""
    return np.minimum(net * (1.0 + 1.0 / loss_aversion), 1.0)


def us_ideal(threat: float, exposure: float, w_exposure: float) -> float:
    """The US ideal on a track: its threat less the cost of its own exports at stake, in [0, 1]."""
    return min(max(threat - w_exposure * exposure, 0.0), 1.0)
