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

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from sim.model.mechanisms.agenda import SOFT_WINDOW

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


@dataclass(frozen=True)
class FinishedRun:
    """The frozen record of a finished run: what every outcome and every historical comparison
    reads, and the quantities several outcomes share, each computed once.

    Months are counted from the scenario's start; None (or -1 in ``national_month`` and
    ``national_decided``) means the event did not happen.
    """

    scenario: str
    seed: int
    sampled: dict[str, float]
    iso: tuple[str, ...]
    supply: np.ndarray
    exposure: np.ndarray
    effective: np.ndarray
    """Each member's stringency in force at the horizon."""
    ask: float
    """The US ask at the horizon."""
    us_level: float
    us_month: int | None
    unilateral: bool
    eu_month: int | None
    eu_level: float
    """The EU-level stringency in force (0 when none came into force)."""
    national_decided: np.ndarray
    national_month: np.ndarray
    coordinated_month: int | None
    first_shock: int | None
    pivotal_count: np.ndarray
    attention_history: list[float]
    soft_deliverables: int
    events: list[tuple[int, str, str, str, str]]

    @classmethod
    def of(cls, model: TTCModel) -> FinishedRun:
        measures = model.measures
        return cls(
            scenario=model.inputs.name,
            seed=model.seed,
            sampled=model.sampled,
            iso=model.members.iso,
            supply=model.members.supply,
            exposure=model.members.params["exposure"],
            effective=measures.effective,
            ask=model.us.ask(),
            us_level=measures.us_level,
            us_month=measures.us_month,
            unilateral=measures.unilateral,
            eu_month=measures.eu_month,
            eu_level=measures.eu_level if measures.eu_month is not None else 0.0,
            national_decided=measures.national_decided,
            national_month=measures.national_month,
            coordinated_month=model.talks.coordinated_month,
            first_shock=model.first_shock,
            pivotal_count=model.members.pivotal_count,
            attention_history=model.agenda.history,
            soft_deliverables=model.agenda.soft_deliverables,
            events=model.events,
        )

    @property
    def eu_adopted(self) -> bool:
        return self.eu_month is not None

    @cached_property
    def adopted(self) -> np.ndarray:
        """The indices of the members with a national measure in force."""
        return np.flatnonzero(self.national_month >= 0)

    @cached_property
    def codes(self) -> list[str]:
        """The ISO codes of the members with a national measure in force."""
        return [self.iso[i] for i in self.adopted]

    @property
    def month_unilateral(self) -> int | None:
        """The month the US unilateral rule came into force (None without one)."""
        return self.us_month if self.unilateral else None

    @property
    def month_first_national(self) -> int | None:
        return int(self.national_month[self.adopted].min()) if len(self.adopted) else None


@dataclass(frozen=True)
class Outcome:
    """One field of the outcome row: its name, how it is stored, what it means (README,
    "Outcomes of one run") and how it is computed from a finished run."""

    name: str
    kind: OutcomeKind
    meaning: str
    compute: Callable[[FinishedRun], Any]


def _months_shock_to_coordination(r: FinishedRun) -> int | None:
    if r.coordinated_month is None or r.first_shock is None:
        return None
    return r.coordinated_month - r.first_shock


def _pivotal(r: FinishedRun) -> str:
    pc, iso = r.pivotal_count, r.iso
    return " ".join(iso[i] for i in np.flatnonzero(pc == pc.max())) if pc.max() > 0 else ""


def _soft_share(r: FinishedRun) -> float:
    window = r.attention_history[:SOFT_WINDOW]
    return float(1.0 - np.mean(window)) if window else 0.0


def _outcome_class(r: FinishedRun) -> str:
    return classify(r.coordinated_month is not None, r.us_month is not None, r.eu_adopted, len(r.codes))


def _declared() -> tuple[Outcome, ...]:
    """The declarations, in row order (a function, so that the type checker reads the
    lambdas after the model's attributes)."""
    return (
        Outcome("coordinated", "bool", "a TTC deal was struck", lambda r: r.coordinated_month is not None),
        Outcome("month_coordinated", "month", "month of the TTC deal", lambda r: r.coordinated_month),
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
            lambda r: bool(r.unilateral and r.us_month is not None),
        ),
        Outcome(
            "month_unilateral",
            "month",
            "month the US unilateral rule came into force",
            lambda r: r.month_unilateral,
        ),
        Outcome("us_stringency", "float", "US stringency in force", lambda r: float(r.us_level)),
        Outcome("eu_adopted", "bool", "an EU-level measure came into force", lambda r: r.eu_adopted),
        Outcome("month_eu", "month", "month the EU-level measure came into force", lambda r: r.eu_month),
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
            lambda r: float(r.supply @ np.minimum(r.effective, r.ask)) / r.ask if r.ask > 0 else 1.0,
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
            lambda r: " ".join(f"{r.iso[i]}:{int(r.national_month[i])}" for i in r.adopted),
        ),
        Outcome(
            "month_first_national",
            "month",
            "month of the first national measure",
            lambda r: r.month_first_national,
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
            lambda r: int(r.soft_deliverables),
        ),
        Outcome(
            "exporter_cost",
            "float",
            "exports at stake under the measures in force, weighted by supply share",
            lambda r: float(r.supply @ (r.exposure * r.effective)),
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
    finished = FinishedRun.of(model)
    row: dict[str, Any] = {"scenario": finished.scenario, "run": 0, "seed": finished.seed}
    for o in OUTCOMES:
        row[o.name] = o.compute(finished)
    for path, value in finished.sampled.items():
        row[f"param.{path}"] = float(value)
    return row


def event_months(model: TTCModel, quantities: list[str]) -> dict[str, float]:
    """The month (from the scenario's start) of each timed quantity in a finished run, as
    ``event.<quantity>``, NaN when it did not happen. Quantities: ``first_us_rule`` (US
    controls in force, joint or unilateral), ``month_eu``, ``month_unilateral``,
    ``month_coordinated``, ``retaliation_after_national`` (the first retaliation at or after
    the first national measure), ``decision:XX`` / ``national:XX`` (the month member XX decided
    / put in force a national measure)."""
    r = FinishedRun.of(model)
    first_nat = r.month_first_national
    out: dict[str, float] = {}
    for q in quantities:
        v: int | None = None
        if q == "first_us_rule":
            v = r.us_month
        elif q == "month_eu":
            v = r.eu_month
        elif q == "month_unilateral":
            v = r.month_unilateral
        elif q == "month_coordinated":
            v = r.coordinated_month
        elif q == "retaliation_after_national":
            if first_nat is not None:
                v = next(
                    (t for t, _, _, kind, _ in r.events if kind == "retaliation" and t >= first_nat), None
                )
        elif q.startswith(("decision:", "national:")):
            kind, iso = q.split(":")
            i = r.iso.index(iso)
            m = (r.national_decided if kind == "decision" else r.national_month)[i]
            v = int(m) if m >= 0 else None
        out[f"event.{q}"] = math.nan if v is None else float(v)
    return out
