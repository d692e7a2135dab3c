"""Mechanism 2, perception: members' threat perceptions drift month by month.

Perceptions converge on the EU's population-weighted mean (socialisation in Council working
parties and TTC preparation, at the Commission's ``brokerage``) and are pulled toward the US
view in proportion to each member's dependence on the US (intelligence shared in the TTC's
export-control working group). Both channels work through the hard track, so they scale with
its attention and double in a ministerial month. Noise jitters every perception.

Parameters: ``commission.brokerage``, ``members.*.us_dependence``, ``us.threat`` (and, through
shocks, any ``members.*.threat``).

Facts: US intelligence sharing before the invasion of Ukraine; TTC-1's commitment to share
information on export controls [5].
"""

from __future__ import annotations

import numpy as np

SOCIALISATION = 0.15
"""Monthly rate, times ``brokerage`` and hard-track attention, at which member threat
perceptions converge on the EU mean (Council working parties, TTC preparation)."""
INTEL = 0.03
"""Monthly pull, times hard-track attention, of members' threat toward the US view per unit
of ``us_dependence`` (US intelligence sharing before the invasion; TTC-1 information
sharing [5])."""
NOISE_SD = 0.01
"""Month-to-month noise in threat perception."""


def draw_noise(rng: np.random.Generator, months: int, members: int) -> np.ndarray:
    """Every month's perception noise in one draw (month x member)."""
    return rng.normal(0.0, NOISE_SD, (months, members))


def perceive(
    threat: np.ndarray,
    population: np.ndarray,
    population_total: float,
    brokerage: float,
    attention: float,
    weight: float,
    us_dependence: np.ndarray,
    us_threat: float,
    noise: np.ndarray,
) -> None:
    """Move every member's ``threat`` (in place) by socialisation, intelligence and noise,
    keeping it in [0, 1]."""
    mean = float(threat @ population) / population_total
    rate = SOCIALISATION * brokerage * attention * weight
    intel = INTEL * attention * weight * us_dependence
    threat += rate * (mean - threat) + intel * (us_threat - threat)
    threat += noise
    np.minimum(threat, 1.0, out=threat)
    np.maximum(threat, 0.0, out=threat)
