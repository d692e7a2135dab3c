"""The actors: the United States, the European Commission, the member states and the target.

Agents hold their preferences and decide; :class:`sim.model.model.TTCModel` schedules the month
and records. Member states' numbers live in arrays owned by the model (one entry per member,
canonical ISO order) so that their decision rules, written here as vectorised functions, are
evaluated for all 27 at once; each :class:`MemberState` agent is a view on its entry.

Structural constants (not scenario parameters) are defined below with the fact or argument
they rest on. Numbers in brackets refer to the sources in ``sim/data/sources.md``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.model import institutions
from sim.scenario.schema import CommissionParams, TargetParams, USParams

if TYPE_CHECKING:
    from .model import TTCModel

# --- preference formation (mechanism 1) --------------------------------------------------
W_EXPOSURE = 1.5
"""Weight of exports at stake against security gain: a unit of exports lost costs more than
a unit of threat averted (German firms' and ASML's weight in the China debate [24][67])."""
W_FEAR = 0.75
"""Weight of feared retaliation (China's gallium curbs followed the Dutch rule [33])."""
W_PRESSURE = 0.5
"""How far accumulated US pressure, scaled by ``us_dependence``, moves an ideal point
(Sullivan-led talks that produced the US-NL-JP understanding [20])."""
LOSS_AVERSION = 2.0
"""A member accepts a measure above its ideal as long as the extra cost, weighted 2:1 as a
loss, does not exceed the gain over no measure: its ceiling is ideal x (1 + 1/2)."""

# --- perception dynamics (mechanism 2) ---------------------------------------------------
SOCIALISATION = 0.15
"""Monthly rate, times ``brokerage`` and hard-track attention, at which member threat
perceptions converge on the EU mean (Council working parties, TTC preparation)."""
INTEL = 0.03
"""Monthly pull, times hard-track attention, of members' threat toward the US view per unit
of ``us_dependence`` (US intelligence sharing before the invasion; TTC-1 information
sharing [5])."""
NOISE_SD = 0.01
"""Month-to-month noise in threat perception."""

# --- TTC bargaining and US strategy (mechanisms 4, 5, 6) ---------------------------------
PRESSURE_DECAY = 0.1
"""Monthly decay of pressure a member has received (attention and favours fade)."""
BILATERAL_SHARE = 0.25
"""Share of US leverage spent directly on key exporters while TTC talks go on; after
unilateral controls all of it is (the US pressed NL, DE, JP and KR in 2023-24 [44]). It is
spent in proportion to the allied supply still uncontrolled: once the Dutch tools were
controlled, German optics and lasers inside them were covered too [44][71]."""
DISCOUNT = 0.9
"""Monthly discount the US applies to a deal that is still months away."""
DECISION_SD = 0.05
"""Spread of an actor's private threshold for a discrete decision (acting alone, a national
measure), drawn once per run: the idiosyncratic politics the model does not represent."""
NATIONAL_COST = 0.05
"""Political cost to a member of acting outside the EU frame (the Dutch rule was drafted
"country-neutral" and named neither China nor ASML [22][31])."""

# --- retaliation (mechanism 8) -----------------------------------------------------------
RETALIATION_IMPACT = 0.25
"""Share of the remaining distance to full fear that one retaliation adds for non-adopters
("other EU countries declined to follow suit for fear of retaliation" [44][45])."""


Num = np.ndarray | float
"""A member-level quantity: an array over members, or one member's value."""


class UnitedStates(mesa.Agent):
    """The US executive: sets its ask, bargains in the TTC, and may act alone.

    The US can act quickly and alone (CEPA on the US executive [62]); it did on China on
    7 Oct 2022 [16] and exempted partners with similar controls from its Russia FDP rules [7].
    """

    def __init__(self, model: TTCModel, params: USParams):
        super().__init__(model)
        self.params = params
        self.concession_made = 0.0  # fraction of the ideal given up so far
        self.threshold = 0.0  # private threshold for acting alone (set by the model)

    def ideal(self) -> float:
        """Mechanism 1 for the US: threat less the cost of its own exports at stake."""
        p = self.params
        return min(max(p.threat - W_EXPOSURE * p.exposure, 0.0), 1.0)

    def ask(self) -> float:
        """The current negotiating position: the ideal less the concessions made."""
        return self.ideal() * (1.0 - self.concession_made)

    def concede(self, gap: float, weight: float) -> None:
        """Lower the ask by ``concession`` x gap, never below ``reservation`` x ideal."""
        ideal = self.ideal()
        if ideal <= 0:
            return
        floor = self.params.reservation * ideal
        new_ask = max(floor, self.ask() - self.params.concession * weight * gap)
        self.concession_made = 1.0 - new_ask / ideal

    def value_of_control(self, level: float, coverage: float, availability: float) -> float:
        """Security value less own export cost of a control at ``level`` covering
        ``coverage`` of Western supply, when ``availability`` of the basket stays open."""
        p = self.params
        return level * (p.threat * (1.0 - availability) * coverage - p.exposure)

    def weigh_acting_alone(
        self, allied_coverage: float, availability: float, months_to_deal: float
    ) -> tuple[bool, float]:
        """Mechanism 5: compare acting alone now with the discounted value of a deal.

        Acting alone covers the US's own supply plus, through ``reach`` (FDP and de-minimis
        rules), that share of allied supply not already controlled. Waiting is worth a full
        joint control at the current ask, discounted by the months a deal is expected to take
        at the recent rate of progress (never, when talks have stalled).
        """
        alone = self.value_of_control(
            self.ideal(), self.params.reach + (1 - self.params.reach) * allied_coverage, availability
        )
        deal = self.value_of_control(self.ask(), 1.0, availability)
        wait = DISCOUNT**months_to_deal * deal if math.isfinite(months_to_deal) else 0.0
        margin = alone - wait
        return margin > self.threshold, margin


class Commission(mesa.Agent):
    """The Commission: aims between the US ask and the EU's own stance, and brokers.

    Export controls are EU competence, but member states treat them as national security and
    "sideline" the Commission [62][63]; it can propose, pull positions together and buy
    consent with derogations, within its ``brokerage``.
    """

    DEROGATION_CAP = 0.25
    """Largest share of the basket's EU supply the Commission can exempt at full brokerage."""

    def __init__(self, model: TTCModel, params: CommissionParams):
        super().__init__(model)
        self.params = params

    def aim(self, us_ask: float, eu_stance: float) -> float:
        """The level it seeks: ``autonomy`` weighs the EU stance against the US ask."""
        a = self.params.autonomy
        return a * eu_stance + (1 - a) * us_ask

    def propose(
        self, ceilings: np.ndarray, supply: np.ndarray, population: np.ndarray, rule: str, aim: float
    ) -> institutions.Proposal:
        """Mechanism 3: the best measure inside the Council's feasible set."""
        budget = self.DEROGATION_CAP * self.params.brokerage
        return institutions.propose(ceilings, supply, population, rule, aim, budget)


class MemberState(mesa.Agent):
    """One EU member state; its numbers are entries of the model's member arrays."""

    def __init__(self, model: TTCModel, index: int, iso: str):
        super().__init__(model)
        self.index = index
        self.iso = iso

    def _get(self, key: str) -> float:
        return float(self.model.m[key][self.index])

    @property
    def threat(self) -> float:
        return self._get("threat")

    @property
    def ideal(self) -> float:
        return float(self.model.ideals[self.index])

    @property
    def effective(self) -> float:
        return float(self.model.effective()[self.index])

    @property
    def pressure(self) -> float:
        return float(self.model.pressure[self.index])

    @property
    def retaliation_fear(self) -> float:
        return self._get("retaliation_fear")

    # -- vectorised decision rules, evaluated by the model for all members at once --------
    @staticmethod
    def net_benefit(
        threat: np.ndarray,
        exposure: np.ndarray,
        fear: np.ndarray,
        us_dependence: np.ndarray,
        pressure: np.ndarray,
    ) -> np.ndarray:
        """Mechanism 1: net benefit of control per unit of stringency, rising with threat and
        received pressure (scaled by US dependence), falling with exports at stake and feared
        retaliation. Unbounded: a negative value says how reluctant a member is."""
        return threat + W_PRESSURE * us_dependence * pressure - W_EXPOSURE * exposure - W_FEAR * fear

    @staticmethod
    def ideal_points(net: np.ndarray) -> np.ndarray:
        """The preferred stringency: the net benefit bounded to [0, 1]."""
        return np.minimum(np.maximum(net, 0.0), 1.0)

    @staticmethod
    def ceilings(net: np.ndarray) -> np.ndarray:
        """The highest EU level each member votes for (loss-averse single-peaked preferences
        against a status quo of no measure): ideal x (1 + 1/LOSS_AVERSION), at most 1. Kept
        unclipped below 0 so the most reluctant member ranks first when several reject any
        measure; a level is never below 0."""
        return np.minimum(net * (1.0 + 1.0 / LOSS_AVERSION), 1.0)

    @staticmethod
    def alignment_margin(
        us_level: float,
        us_in_force: bool,
        reach: float,
        exemption: float,
        threat: Num,
        exposure: Num,
        fear: Num,
        us_dependence: Num,
        pressure: Num,
    ) -> Num:
        """Mechanism 6: value of matching the US level nationally, less the value of not.

        Aligning brings the security gain and relief from US pressure; once US rules with
        extraterritorial reach are in force, the member's exporters lose the sales those rules
        catch anyway, so aligning costs only the rest, and earns the exemption the US grants to
        partners with similar controls (as in the Feb 2022 Russia rule [7]; the Dutch
        jurisdiction over 1970i/1980i licences in Sep 2024 [51]). Not aligning keeps exports
        and avoids retaliation.
        """
        caught = reach if us_in_force else 0.0
        gain = us_level * (threat + W_PRESSURE * us_dependence * pressure)
        gain = gain + caught * exemption * exposure
        cost = us_level * (W_EXPOSURE * exposure * (1.0 - caught) + W_FEAR * fear)
        return gain - cost - NATIONAL_COST


class Target(mesa.Agent):
    """The state the controls aim at; it may retaliate against adopters (mechanism 8)."""

    def __init__(self, model: TTCModel, params: TargetParams):
        super().__init__(model)
        self.params = params

    def retaliates(self, rng: np.random.Generator) -> bool:
        """Whether it retaliates against a new adopter (China's gallium and germanium
        licensing came days after the Dutch rule [33])."""
        return bool(rng.random() < self.params.retaliation)
