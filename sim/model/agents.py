"""The actors: the United States, the European Commission, the member states and the target.

Agents hold their state and own their decisions; :class:`sim.model.model.TTCModel` orders the
month and records. Each decision is written once, as a function over arrays of actors in
:mod:`sim.model.mechanisms` (one call decides for all members at once), and called by the
agent's method. The 27 member states are one agent, :class:`MemberStates`, holding one entry
per member (canonical ISO order) in each of its arrays. Numbers in brackets refer to the sources
in ``sim/data/sources.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.model.mechanisms import acting_alone, bilateral, eu_offer, perception, preferences, ttc_round
from sim.model.mechanisms.adoption import retaliates
from sim.scenario.schema import MEMBER_KEYS, CommissionParams, TargetParams, USParams

if TYPE_CHECKING:
    from sim.scenario import MemberTable

    from .model import TTCModel


class UnitedStates(mesa.Agent):
    """The US executive: sets its ask, bargains in the TTC, and may act alone.

    The US can act quickly and alone (CEPA on the US executive [62]); it did on China on
    7 Oct 2022 [16] and exempted partners with similar controls from its Russia FDP rules [7].
    """

    def __init__(self, model: TTCModel, params: USParams, rng: np.random.Generator):
        super().__init__(model)
        self.params = params
        self.concession_made = 0.0
        """Fraction of the ideal given up so far."""
        self.threshold = acting_alone.threshold(rng)
        """Private threshold for acting alone, drawn once per run."""

    def ideal(self) -> float:
        """Mechanism 1 for the US."""
        return preferences.us_ideal(self.params.threat, self.params.exposure)

    def ask(self) -> float:
        """The current negotiating position: the ideal less the concessions made."""
        return self.ideal() * (1.0 - self.concession_made)

    def concede(self, gap: float, weight: float) -> None:
        """Mechanism 4: lower the ask by ``concession`` x gap, never below ``reservation`` x ideal."""
        ideal = self.ideal()
        if ideal <= 0:
            return
        p = self.params
        self.concession_made = ttc_round.conceded(ideal, self.ask(), p.reservation, p.concession, weight, gap)

    def weigh_acting_alone(
        self, allied_coverage: float, availability: float, months_to_deal: float
    ) -> tuple[bool, float]:
        """Mechanism 5: act alone when the value of doing so now, less that of waiting for a
        deal, exceeds the private threshold. Returns (decision, margin)."""
        p = self.params
        margin = acting_alone.margin_of_acting_alone(
            self.ideal(),
            self.ask(),
            p.threat,
            p.exposure,
            p.reach,
            allied_coverage,
            availability,
            months_to_deal,
        )
        return margin > self.threshold, margin


class Commission(mesa.Agent):
    """The Commission: aims between the US ask and the EU's own stance, and brokers.

    Export controls are EU competence, but member states treat them as national security and
    "sideline" the Commission [62][63]; it can propose, pull positions together and buy
    consent with derogations, within its ``brokerage``.
    """

    def __init__(self, model: TTCModel, params: CommissionParams):
        super().__init__(model)
        self.params = params

    def aim(self, us_ask: float, stance: float) -> float:
        """Mechanism 3: the level it seeks."""
        return eu_offer.aim(us_ask, stance, self.params.autonomy)

    def propose(
        self, ceilings: np.ndarray, supply: np.ndarray, population: np.ndarray, rule: str, aim: float
    ) -> eu_offer.Proposal:
        """Mechanism 3: the best measure inside the Council's feasible set."""
        budget = eu_offer.derogation_budget(self.params.brokerage)
        return eu_offer.propose(ceilings, supply, population, rule, aim, budget)


class MemberStates(mesa.Agent):
    """The 27 EU member states, one entry each (canonical ISO order) in every array.

    Holds what each member is (population, supply and exporter status in the scenario's
    basket), its live parameters (``params``: threat, exposure, retaliation fear, US
    dependence, lag), what it prefers (``net``, ``ideals``), the US pressure it has received,
    and its private threshold for a national measure; its methods decide for all members at
    once.
    """

    def __init__(
        self, model: TTCModel, table: MemberTable, basket: str, values: dict, rng: np.random.Generator
    ):
        super().__init__(model)
        self.iso: tuple[str, ...] = table.iso
        self.index = {c: i for i, c in enumerate(self.iso)}
        self.population = table.population
        self.population_total = float(table.population.sum())
        self.supply = table.supply(basket)
        self.exporter = table.exporter(basket)
        self.params = {k: np.array([values[f"members.{c}.{k}"] for c in self.iso]) for k in MEMBER_KEYS}
        n = len(self.iso)
        self.net = np.zeros(n)
        self.ideals = np.zeros(n)
        self.pressure = np.zeros(n)
        self.pivotal_count = np.zeros(n, dtype=int)
        """How often each member bounded the EU offer."""
        self.threshold = acting_alone.thresholds(rng, n)
        """Each member's private threshold for a national measure, drawn once per run."""

    def __len__(self) -> int:
        return len(self.iso)

    def perceive(
        self, brokerage: float, attention: float, weight: float, us_threat: float, noise: np.ndarray
    ) -> None:
        """Mechanism 2: threat perceptions drift."""
        perception.perceive(
            self.params["threat"],
            self.population,
            self.population_total,
            brokerage,
            attention,
            weight,
            self.params["us_dependence"],
            us_threat,
            noise,
        )

    def form_preferences(self) -> None:
        """Mechanism 1: each member's net benefit of control and ideal stringency."""
        p = self.params
        self.net = preferences.net_benefit(
            p["threat"], p["exposure"], p["retaliation_fear"], p["us_dependence"], self.pressure
        )
        self.ideals = preferences.ideal_points(self.net)

    def ceilings(self) -> np.ndarray:
        """Mechanism 1: the highest EU level each member votes for."""
        return preferences.ceilings(self.net)

    def stance(self) -> float:
        """The EU's own stance: the members' ideals weighted by population."""
        return eu_offer.eu_stance(self.ideals, self.population, self.population_total)

    def receive_pressure(self, pressure_in: np.ndarray) -> None:
        """Mechanism 6: this month's US pressure accumulates on last month's."""
        self.pressure = bilateral.accumulate(self.pressure, pressure_in)

    def align_nationally(
        self, candidates: np.ndarray, us_level: float, reach: float, exemption: float
    ) -> list[int]:
        """Mechanism 6: the ``candidates`` (exporters short of the US level) that decide to
        match it nationally, now that US controls are in force."""
        p = self.params
        deciding = []
        for i in np.flatnonzero(candidates):  # one or two exporters: the same arithmetic on floats
            margin = bilateral.alignment_margin(
                us_level,
                True,
                reach,
                exemption,
                float(p["threat"][i]),
                float(p["exposure"][i]),
                float(p["retaliation_fear"][i]),
                float(p["us_dependence"][i]),
                float(self.pressure[i]),
            )
            if not margin <= self.threshold[i]:
                deciding.append(int(i))
        return deciding


class Target(mesa.Agent):
    """The state the controls aim at; it may retaliate against adopters (mechanism 8)."""

    def __init__(self, model: TTCModel, params: TargetParams):
        super().__init__(model)
        self.params = params

    def retaliates(self, rng: np.random.Generator) -> bool:
        """Whether it retaliates against a new adopter (China's gallium and germanium
        licensing came days after the Dutch rule [33])."""
        return retaliates(rng, self.params.retaliation)
