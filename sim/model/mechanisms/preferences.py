"""Mechanism 1, preferences: each actor's ideal stringency and the most it votes for.

An actor's net benefit of control per unit of stringency rises with its threat perception and
the US pressure it has received (scaled by its dependence on the US), and falls with its exports
at stake and its fear of retaliation. The ideal is that net benefit bounded to [0, 1]; a member
votes for any EU level up to a loss-averse ceiling above its ideal.

Parameters: ``members.*.threat``, ``members.*.exposure``, ``members.*.retaliation_fear``,
``members.*.us_dependence``; ``us.threat``, ``us.exposure``.

Facts: exporters' weight in the China debate (German firms and ASML [24][67]); China's
gallium curbs after the Dutch rule [33]; the Sullivan-led talks that produced the
US-NL-JP understanding [20].
"""

from __future__ import annotations

import numpy as np

W_EXPOSURE = 1.5
"""Weight of exports at stake against security gain: a unit of exports lost costs more than
a unit of threat averted (German firms' and ASML's weight in the China debate [24][67])."""
W_FEAR = 0.75
"""Weight of feared retaliation (China's gallium curbs followed the Dutch rule [33])."""
W_PRESSURE = 0.5
"""How far accumulated US pressure, scaled by ``us_dependence``, moves an ideal point
(Sullivan-led talks that produced the US-NL-JP understanding [20])."""
LOSS_AVERSION = 2.0
"""A member accepts a measure above its ideal as long as the extra cost, weighted 2:1 as a
loss, does not exceed the gain over no measure: its ceiling is ideal x (1 + 1/2)."""


def net_benefit(
    threat: np.ndarray,
    exposure: np.ndarray,
    fear: np.ndarray,
    us_dependence: np.ndarray,
    pressure: np.ndarray,
) -> np.ndarray:
    """Net benefit of control per unit of stringency, for every member at once. Unbounded: a
    negative value says how reluctant a member is."""
    return threat + W_PRESSURE * us_dependence * pressure - W_EXPOSURE * exposure - W_FEAR * fear


def ideal_points(net: np.ndarray) -> np.ndarray:
    """The preferred stringency: the net benefit bounded to [0, 1]."""
    return np.minimum(np.maximum(net, 0.0), 1.0)


def ceilings(net: np.ndarray) -> np.ndarray:
    """The highest EU level each member votes for (loss-averse single-peaked preferences
    against a status quo of no measure): ideal x (1 + 1/LOSS_AVERSION), at most 1. Kept
    unclipped below 0 so the most reluctant member ranks first when several reject any
    measure; a level is never below 0."""
    return np.minimum(net * (1.0 + 1.0 / LOSS_AVERSION), 1.0)


def us_ideal(threat: float, exposure: float) -> float:
    """The US ideal: its threat less the cost of its own exports at stake, in [0, 1]."""
    return min(max(threat - W_EXPOSURE * exposure, 0.0), 1.0)
