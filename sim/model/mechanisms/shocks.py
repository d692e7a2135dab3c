"""Shocks: dated events that move parameters during a run (they drive ``perception``).

A shock adds ``delta`` to the current value of a parameter at a calendar month, clipped to the
parameter's range; e.g. the invasion of Ukraine (24 Feb 2022) raised every actor's threat
perception toward Russia overnight, and the EU followed the US controls within a day [9][10].

A shock's path may be any numeric path or wildcard form: a track path moves that track's copy
(``tracks.russia_dual_use.members.*.threat``); a general per-track path moves every hard
track's copy (``members.*.threat``, ``us.threat``, ``target.availability``); a run-level path
moves the shared value (``us.pressure``, ``targets.CN.retaliation``, ``commission.*``,
``eu.*``, ``ttc.*``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sim.scenario import Scenario


def schedule(scenario: Scenario) -> dict[int, list[tuple[str, float]]]:
    """Shocks grouped by model month."""
    out: dict[int, list[tuple[str, float]]] = defaultdict(list)
    for s in scenario.shocks:
        out[scenario.month_index(s.month)].append((s.path, s.delta))
    return dict(out)


def shifted(value: Any, delta: float, bounds: tuple[float, float]) -> float:
    lo, hi = bounds
    return min(max(float(value) + delta, lo), hi)
