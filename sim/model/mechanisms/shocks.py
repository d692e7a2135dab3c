"""Shocks: dated events that move parameters during a run (they drive mechanism 2, perception).

A shock adds ``delta`` to the current value of a parameter at a calendar month, clipped to
the parameter's range; e.g. the invasion of Ukraine (24 Feb 2022) raised every actor's threat
perception toward Russia overnight, and the EU followed the US controls within a day [9][10].

Parameters: the scenario's ``[[shocks]]`` (``month``, ``path``, ``delta``); any parameter path
may be shocked (``members.*.threat`` moves all 27 members).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from sim.scenario import Scenario
from sim.scenario import schema as P

if TYPE_CHECKING:
    from sim.model.model import TTCModel


def schedule(scenario: Scenario) -> dict[int, list[tuple[str, float]]]:
    """Shocks grouped by model month."""
    out: dict[int, list[tuple[str, float]]] = defaultdict(list)
    for s in scenario.shocks:
        out[scenario.month_index(s.month)].append((s.path, s.delta))
    return dict(out)


def apply(model: TTCModel, shocks: list[tuple[str, float]]) -> None:
    """Add each shock's delta to the live value of its parameter, clipped to its range
    (``members.*.key`` moves all 27 members)."""
    for path, delta in shocks:
        parts = path.split(".")
        if parts[0] == "members":
            lo, hi = P.value_range("members", parts[2])
            arr = model.members.params[parts[2]]
            which = slice(None) if parts[1] == "*" else model.members.index[parts[1]]
            arr[which] = np.clip(arr[which] + delta, lo, hi)
        else:
            holder = model.section(parts[0])
            lo, hi = P.value_range(parts[0], parts[1])
            setattr(holder, parts[1], min(max(getattr(holder, parts[1]) + delta, lo), hi))
        model.log("world", "shock", f"{path} {delta:+.2f}")
