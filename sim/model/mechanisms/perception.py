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

from sim.model.compiled import kernel


def perceive(
    threat: np.ndarray,
    n_members: int,
    population: np.ndarray,
    total: float,
    brokerage: float,
    attention: np.ndarray,
    weight: float,
    us_dependence: np.ndarray,
    us_threat: np.ndarray,
    noise: np.ndarray,
    socialisation: float,
    intel: float,
) -> None:
    """Move every adopter's ``threat`` on every hard track (in place; one row per track,
    members first, then allies) by socialisation among members, intelligence from the US and
    noise, keeping it in [0, 1]. ``population`` holds the members' populations and ``total``
    their sum; ``attention`` and ``us_threat`` hold one value per track."""
    mean = np.empty(len(threat))
    for k, row in enumerate(threat[:, :n_members]):
        mean[k] = float(row.dot(population)) / total
    drift(
        threat,
        n_members,
        mean,
        brokerage,
        attention,
        weight,
        us_dependence,
        us_threat,
        noise,
        socialisation,
        intel,
    )


@kernel
def drift(
    threat: np.ndarray,
    n_members: int,
    mean: np.ndarray,
    brokerage: float,
    attention: np.ndarray,
    weight: float,
    us_dependence: np.ndarray,
    us_threat: np.ndarray,
    noise: np.ndarray,
    socialisation: float,
    intel: float,
) -> None:
    """The month's drift of :func:`perceive`, given each track's population-weighted mean
    perception among members (``mean``), one adopter at a time (compiled)."""
    for k in range(threat.shape[0]):
        social = socialisation * brokerage * attention[k] * weight
        shared = intel * attention[k] * weight
        for i in range(threat.shape[1]):
            x = threat[k, i]
            if i < n_members:
                x = x + social * (mean[k] - x)
            x = x + shared * us_dependence[k, i] * (us_threat[k] - x)
            x = x + noise[k, i]
            threat[k, i] = min(max(x, 0.0), 1.0)
