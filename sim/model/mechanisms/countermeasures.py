"""Mechanism 8, ``countermeasures``: each target chooses whether, when and with what to answer
Western measures; the cost falls on importers by their dependence, and fear follows.

When a measure on a track aimed at it comes into force (a US rule, an EU-level measure, a
national one), the target weighs answering the adopter, once per adopter and month however
many of its tracks the measure spans. Its weapon is export licensing of a critical material:
it picks, among the materials it has not yet used against that adopter's importers (the US,
the EU for a member, an ally's own), the one they depend on most
(``sim/data/v2_material_dependence.csv``). Answering is worth ``targets.<ISO>.retaliation``
times that dependence (the harm it can do, hence the signal it sends), less its own cost
``answer_cost`` (lost sales, and a push to the importers to find other sources); it answers
when that beats its private threshold for the month. The answer comes into force at once and
is recorded on the track. Licensing hits every importer: the adopters without a measure on any
track aimed at the target (and none on the way) then fear it more, each moving
``retaliation_impact`` times its own dependence on the material of the way to full fear, on
every track aimed at the target. Once a target has used every material it holds against an
importer group, it has nothing left to answer them with. A track without a target draws none.

Switched off (``mechanisms.countermeasures = false``): targets never retaliate; fear stays at
its inputs (and shocks).

Parameters: ``targets.<ISO>.retaliation``. Constants: ``retaliation_impact``,
``answer_cost``, ``decision_sd``. Data: importers' dependence on the target's materials [99]
[100][101].

Facts: China's gallium and germanium licensing came days after the Dutch rule [33]; "other EU
countries declined to follow suit for fear of retaliation" [44][45]; China's review and ban of
Micron after Japan's announcement [109]; the EU sources 71 % of its gallium from China [99].
"""

from __future__ import annotations

import csv
from functools import cache

import numpy as np

from sim.scenario import DATA_DIR

MEMBERS_GROUP = "EU"
"""The importer group of every member state in the dependence data."""


@cache
def dependence(target: str) -> dict[str, dict[str, float]]:
    """Importer group -> material -> share of its supply or imports from ``target``
    (``sim/data/v2_material_dependence.csv``); materials with no row for a group count 0."""
    out: dict[str, dict[str, float]] = {}
    with open(DATA_DIR / "v2_material_dependence.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["target"] == target:
                out.setdefault(row["importer"], {})[row["material"]] = float(row["value"])
    return out


def weapon(target: str, importer: str, used: set[str]) -> tuple[str, float] | None:
    """The material ``importer`` depends on most among those ``target`` has not yet used
    against it (by family), with that dependence; None when none is left."""
    options = {
        k: v for k, v in dependence(target).get(importer, {}).items() if family(k) not in used and v > 0
    }
    if not options:
        return None
    material = max(sorted(options), key=lambda k: options[k])
    return material, options[material]


def family(material: str) -> str:
    """The material family a row belongs to: the data split rare earths into light and heavy
    for the EU only, and licensing of rare earths reaches both."""
    for grade in ("heavy_", "light_"):
        if material.startswith(grade):
            return material[len(grade) :]
    return material


@cache
def exposure_to(target: str, importer: str, material: str) -> float:
    """``importer``'s dependence on ``target`` for ``material``'s family (its largest row)."""
    rows = dependence(target).get(importer, {})
    return max((v for k, v in rows.items() if family(k) == family(material)), default=0.0)


def answer_value(retaliation: float, dependence_on_material: float, answer_cost: float) -> float:
    """What answering is worth to the target: the harm it can do, less its own cost."""
    return retaliation * dependence_on_material - answer_cost


def fear_retaliation(fear: np.ndarray, bystanders: np.ndarray, impact: np.ndarray | float) -> None:
    """Adopters in ``bystanders`` move ``impact`` (each its own, or one for all) of the way to
    full fear (in place)."""
    impact = np.broadcast_to(impact, fear.shape)
    fear[bystanders] += impact[bystanders] * (1.0 - fear[bystanders])
