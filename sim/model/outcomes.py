"""The outcome row of one run: every field declared once in ``OUTCOMES`` (README, "Outcomes of
one run"), and the rule that classifies a run.

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

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

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


def classify(coordinated: bool, us_acted: bool, eu_adopted: bool, n_national: int) -> str:
    followers = eu_adopted or n_national > 0
    if coordinated:
        return "coordinated"
    if us_acted:
        return "unilateral_with_followers" if followers else "unilateral_alone"
    return "eu_only" if followers else "no_controls"


OutcomeKind = Literal["bool", "int", "month", "float", "str"]
"""How an outcome is stored: ``month`` is a whole month counted from the scenario's start, or
empty (None) when the event did not happen; ``int`` is a count that is always present."""


class FinishedRun:
    """A finished model and the quantities several outcomes share (the stringency in force,
    the US ask, the EU level, the national adopters), each computed once per row."""

    __slots__ = ("adopted", "ask", "codes", "effective", "eu_adopted", "eu_level", "model")

    def __init__(self, model: TTCModel) -> None:
        self.model = model
        self.effective = model.effective()
        self.ask = model.us.ask()
        self.eu_adopted = model.eu_month is not None
        self.eu_level = model.eu_level if self.eu_adopted else 0.0
        self.adopted = np.flatnonzero(model.national_month >= 0)
        self.codes = [model.iso[i] for i in self.adopted]


@dataclass(frozen=True)
class Outcome:
    """One field of the outcome row: its name, how it is stored, what it means (README,
    "Outcomes of one run") and how it is computed from a finished run."""

    name: str
    kind: OutcomeKind
    meaning: str
    compute: Callable[[FinishedRun], Any]


def _months_shock_to_coordination(r: FinishedRun) -> int | None:
    m = r.model
    if m.coordinated_month is None or m.first_shock is None:
        return None
    return m.coordinated_month - m.first_shock


def _pivotal(r: FinishedRun) -> str:
    pc, iso = r.model.pivotal_count, r.model.iso
    return " ".join(iso[i] for i in np.flatnonzero(pc == pc.max())) if pc.max() > 0 else ""


def _soft_share(r: FinishedRun) -> float:
    window = r.model.attention_history[:24]
    return float(1.0 - np.mean(window)) if window else 0.0


def _outcome_class(r: FinishedRun) -> str:
    m = r.model
    return classify(m.coordinated_month is not None, m.us_month is not None, r.eu_adopted, len(r.codes))


def _declared() -> tuple[Outcome, ...]:
    """The declarations, in row order (a function, so that the type checker reads the
    lambdas after the model's attributes)."""
    return (
        Outcome(
            "coordinated", "bool", "a TTC deal was struck", lambda r: r.model.coordinated_month is not None
        ),
        Outcome("month_coordinated", "month", "month of the TTC deal", lambda r: r.model.coordinated_month),
        Outcome(
            "months_shock_to_coordination",
            "month",
            "months from the first shock to the TTC deal",
            _months_shock_to_coordination,
        ),
        Outcome(
            "us_unilateral",
            "bool",
            "the US put controls in force without a deal",
            lambda r: bool(r.model.unilateral and r.model.us_month is not None),
        ),
        Outcome(
            "month_unilateral",
            "month",
            "month the US unilateral rule came into force",
            lambda r: r.model.us_month if r.model.unilateral else None,
        ),
        Outcome("us_stringency", "float", "US stringency in force", lambda r: float(r.model.us_level)),
        Outcome("eu_adopted", "bool", "an EU-level measure came into force", lambda r: r.eu_adopted),
        Outcome(
            "month_eu", "month", "month the EU-level measure came into force", lambda r: r.model.eu_month
        ),
        Outcome("eu_stringency", "float", "EU-level stringency in force", lambda r: float(r.eu_level)),
        Outcome(
            "alignment",
            "float",
            "EU level / US ask",
            lambda r: min(r.eu_level, r.ask) / r.ask if r.ask > 0 else 1.0,
        ),
        Outcome(
            "effective_alignment",
            "float",
            "each member's stringency in force (up to the US ask), weighted by supply share, / US ask",
            lambda r: float(r.model.supply @ np.minimum(r.effective, r.ask)) / r.ask if r.ask > 0 else 1.0,
        ),
        Outcome(
            "national_adopters",
            "str",
            "members with a national measure (ISO codes)",
            lambda r: " ".join(r.codes),
        ),
        Outcome(
            "n_national_adopters", "int", "number of members with a national measure", lambda r: len(r.codes)
        ),
        Outcome(
            "national_months",
            "str",
            "each national adopter's month, as CODE:month",
            lambda r: " ".join(f"{r.model.iso[i]}:{int(r.model.national_month[i])}" for i in r.adopted),
        ),
        Outcome(
            "month_first_national",
            "month",
            "month of the first national measure",
            lambda r: int(r.model.national_month[r.adopted].min()) if len(r.adopted) else None,
        ),
        Outcome("pivotal", "str", "the members that most often bounded the EU offer", _pivotal),
        Outcome(
            "fragmentation",
            "float",
            "spread (standard deviation) of the members' stringency in force",
            lambda r: float(np.std(r.effective)),
        ),
        Outcome("soft_share", "float", "mean soft-track attention over the first 24 months", _soft_share),
        Outcome(
            "soft_deliverables",
            "int",
            "soft-track deliverables of the TTC",
            lambda r: int(r.model.soft_deliverables),
        ),
        Outcome(
            "exporter_cost",
            "float",
            "exports at stake under the measures in force, weighted by supply share",
            lambda r: float(r.model.supply @ (r.model.m["exposure"] * r.effective)),
        ),
        Outcome("outcome_class", "str", "the class of the run (see above)", _outcome_class),
    )


OUTCOMES = _declared()
"""Every outcome field, declared once, in row order: the row, the results files' schema,
the dashboard's and the sensitivity analysis' outputs and the README read it."""

OUTCOME_BY_NAME: dict[str, Outcome] = {o.name: o for o in OUTCOMES}

MONTH_FIELDS = tuple(o.name for o in OUTCOMES if o.kind == "month")


def outcome(name: str) -> Outcome:
    """The declared outcome ``name`` (a KeyError naming the known fields otherwise)."""
    try:
        return OUTCOME_BY_NAME[name]
    except KeyError:
        raise KeyError(f"{name!r} is not an outcome field; known: {', '.join(OUTCOME_BY_NAME)}") from None


def outcome_row(model: TTCModel) -> dict[str, Any]:
    """The run's identity (scenario, run, seed), every declared outcome in order, then each
    sampled parameter as ``param.<path>``."""
    finished = FinishedRun(model)
    row: dict[str, Any] = {"scenario": model.config.name, "run": 0, "seed": model.seed}
    for o in OUTCOMES:
        row[o.name] = o.compute(finished)
    for path, value in model.sampled.items():
        row[f"param.{path}"] = float(value)
    return row
