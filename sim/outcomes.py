"""The outcome row of one run (README, "Outcomes of one run"), and the rule that classifies it.

Outcome classes, checked in this order:

* ``coordinated``: a TTC deal, with both sides' measures in force within ``ttc.window``;
* ``unilateral_with_followers``: the US has controls in force without a coordinated deal
  (alone, or a deal whose adoptions missed the window), and the EU or at least one member
  state has controls too;
* ``unilateral_alone``: the US has controls in force and no EU or national measure exists;
* ``eu_only``: EU-level or national measures without US controls;
* ``no_controls``: nothing in force at the horizon.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .model import TTCModel

OUTCOME_CLASSES = (
    "coordinated",
    "unilateral_with_followers",
    "unilateral_alone",
    "eu_only",
    "no_controls",
)

MONTH_FIELDS = (
    "month_coordinated",
    "months_shock_to_coordination",
    "month_unilateral",
    "month_eu",
    "month_first_national",
)


def classify(coordinated: bool, us_acted: bool, eu_adopted: bool, n_national: int) -> str:
    followers = eu_adopted or n_national > 0
    if coordinated:
        return "coordinated"
    if us_acted:
        return "unilateral_with_followers" if followers else "unilateral_alone"
    return "eu_only" if followers else "no_controls"


def outcome_row(model: TTCModel) -> dict[str, Any]:
    sc = model.config
    coordinated = model.coordinated_month is not None
    effective = model.effective()
    ask = model.us.ask()
    eu_adopted = model.eu_month is not None
    eu_level = model.eu_level if eu_adopted else 0.0
    adopted = np.flatnonzero(model.national_month >= 0)
    codes = [model.iso[i] for i in adopted]
    pc = model.pivotal_count
    pivotal = " ".join(model.iso[i] for i in np.flatnonzero(pc == pc.max())) if pc.max() > 0 else ""
    first_shock = model.first_shock
    window = model.attention_history[:24]
    row: dict[str, Any] = {
        "scenario": sc.name,
        "run": 0,
        "seed": model.seed,
        "coordinated": coordinated,
        "month_coordinated": model.coordinated_month,
        "months_shock_to_coordination": (
            model.coordinated_month - first_shock
            if model.coordinated_month is not None and first_shock is not None
            else None
        ),
        "us_unilateral": bool(model.unilateral and model.us_month is not None),
        "month_unilateral": model.us_month if model.unilateral else None,
        "us_stringency": float(model.us_level),
        "eu_adopted": eu_adopted,
        "month_eu": model.eu_month,
        "eu_stringency": float(eu_level),
        "alignment": min(eu_level, ask) / ask if ask > 0 else 1.0,
        "effective_alignment": (float(model.supply @ np.minimum(effective, ask)) / ask if ask > 0 else 1.0),
        "national_adopters": " ".join(codes),
        "n_national_adopters": len(codes),
        "national_months": " ".join(f"{model.iso[i]}:{int(model.national_month[i])}" for i in adopted),
        "month_first_national": int(model.national_month[adopted].min()) if len(adopted) else None,
        "pivotal": pivotal,
        "fragmentation": float(np.std(effective)),
        "soft_share": float(1.0 - np.mean(window)) if window else 0.0,
        "soft_deliverables": int(model.soft_deliverables),
        "exporter_cost": float(model.supply @ (model.m["exposure"] * effective)),
    }
    row["outcome_class"] = classify(coordinated, model.us_month is not None, eu_adopted, len(codes))
    for path, value in model.sampled.items():
        row[f"param.{path}"] = float(value)
    return row
