"""The model's dynamic state, grouped by what it describes: the measures decided and in force,
and the TTC talks. (Member states' numbers live on :class:`sim.model.agents.MemberStates`,
the agenda's on :class:`sim.model.mechanisms.agenda.Agenda`.)"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Measures:
    """Export controls decided and in force: the US's, the EU's and each member's national one.

    Months are counted from the scenario's start; None (or -1 in the member arrays) means the
    event has not happened.
    """

    n: int
    us_level: float = 0.0
    us_month: int | None = None
    unilateral: bool = False
    """The US decided to act alone (its rule may still be on the way)."""
    eu_level: float = 0.0
    eu_month: int | None = None
    eu_derogated: np.ndarray = field(init=False)
    national_level: np.ndarray = field(init=False)
    national_decided: np.ndarray = field(init=False)
    national_month: np.ndarray = field(init=False)
    effective: np.ndarray = field(init=False)
    """Each member's stringency in force: the EU level (unless derogated) or its national
    measure, whichever is stricter."""
    changes: int = 0
    """Counts decisions and measures coming into force (what the bilateral channel caches on)."""

    def __post_init__(self) -> None:
        self.eu_derogated = np.zeros(self.n, dtype=bool)
        self.national_level = np.zeros(self.n)
        self.national_decided = np.full(self.n, -1)
        self.national_month = np.full(self.n, -1)
        self.effective = np.zeros(self.n)

    def update_effective(self) -> None:
        self.changes += 1
        eu = np.where(self.eu_derogated, 0.0, self.eu_level)
        self.effective = np.maximum(eu, self.national_level)


@dataclass
class Talks:
    """The TTC's hard track: the latest offer and gap, the deal and whether it was coordinated."""

    hard_open: bool = True
    offer: float = 0.0
    gap: float = 0.0
    gap_history: list[float] = field(default_factory=list)
    deal_month: int | None = None
    deal_level: float = 0.0
    coordination_due: int | None = None
    """The month both sides' measures of a deal will be in force, when that is within the window."""
    coordinated_month: int | None = None
    last_round: str = ""
    """The last routine round's result (the narrative logs a round only when it changes)."""
