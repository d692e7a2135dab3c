"""Mechanism 8, ``countermeasures``: each target may answer a new Western measure.

Whenever a measure on a track comes into force (the US rule, an EU-level measure, a national
one), the track's target retaliates with probability ``targets.<ISO>.retaliation``; the
countermeasure comes into force that month and is recorded on the track. Adopters without a
measure on any track aimed at that target (and without one on the way) then fear it more: they
move ``retaliation_impact`` of the way to full fear, on every track aimed at the target (a
target's countermeasures are shared across its tracks). A track without a target draws none.

Switched off (``mechanisms.countermeasures = false``): targets never retaliate; fear stays at
its inputs (and shocks).

Parameters: ``targets.<ISO>.retaliation``. Constant: ``retaliation_impact``.

Facts: China's gallium and germanium licensing came days after the Dutch rule [33]; "other EU
countries declined to follow suit for fear of retaliation" [44][45]; China's review and ban of
Micron after Japan's announcement [109].
"""

from __future__ import annotations

import numpy as np


def retaliates(rng: np.random.Generator, probability: float) -> bool:
    """Whether the target answers a new measure."""
    return bool(rng.random() < probability)


def fear_retaliation(fear: np.ndarray, bystanders: np.ndarray, impact: float) -> None:
    """Adopters in ``bystanders`` move ``impact`` of the way to full fear (in place)."""
    fear[bystanders] += impact * (1.0 - fear[bystanders])
