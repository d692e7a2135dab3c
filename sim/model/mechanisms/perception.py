"""Mechanism 2, ``perception``: members' threat perceptions on each track drift month by month.

Perceptions converge on the EU's population-weighted mean (socialisation in Council working
parties and TTC preparation, at the Commission's ``brokerage``); every adopter's (allies'
too) is pulled toward the US view of the track in proportion to its dependence on the US
(intelligence shared in the TTC's export-control working group). Both channels work through
the time the TTC spends on the track: they scale with the track's share of attention and
with the month's ministerial weight. Noise jitters every perception.

Switched off (``mechanisms.perception = false``): perceptions do not drift (no
socialisation, intelligence or noise); shocks still move them.

Parameters: ``commission.brokerage``, ``tracks.<id>.members.*.us_dependence``,
``tracks.<id>.us.threat``. Constants: ``socialisation``, ``intel``, ``noise_sd``.

Facts: US intelligence sharing before the invasion of Ukraine; TTC-1's commitment to share
information on export controls [5].
"""

from __future__ import annotations

import numpy as np


def perceive(
    threat: np.ndarray,
    n_members: int,
    population: np.ndarray,
    brokerage: float,
    attention: list[float],
    weight: float,
    us_dependence: np.ndarray,
    us_threat: list[float],
    noise: np.ndarray,
    socialisation: float,
    intel: float,
) -> None:
    """Move every adopter's ``threat`` on every hard track (in place; one row per track,
    members first, then allies) by socialisation among members, intelligence from the US and
    noise, keeping it in [0, 1]. ``attention`` and ``us_threat`` hold one value per track (the
    per-track factors are plain floats, one column each: fewer array operations)."""
    members = threat[:, :n_members]
    total = float(population.sum())
    mean = np.array([float(row @ population) / total for row in members])[:, None]
    social = np.array([socialisation * brokerage * a * weight for a in attention])[:, None]
    shared = np.array([intel * a * weight for a in attention])[:, None]
    members += social * (mean - members)
    threat += shared * us_dependence * (np.array(us_threat)[:, None] - threat)
    threat += noise
    np.maximum(threat, 0.0, out=threat)  # clip to [0, 1], without clip's per-call overhead
    np.minimum(threat, 1.0, out=threat)
