"""Mechanism 3, the EU offer: the Commission's best measure inside the Council's feasible set.

The Commission aims between the US ask and the EU's own stance (the population-weighted mean
of the members' ideals), weighing them by its ``autonomy``. The Council adopts at most the
level the voting rule lets pass given each member's ceiling (:mod:`sim.model.institutions`);
the Commission can buy the most reluctant members' consent with derogations, exempting their
supply, within a budget set by its ``brokerage``. It tables the measure with the highest
effective stringency (level x covered supply).

Parameters: ``commission.autonomy``, ``commission.brokerage``, ``eu.rule``.

Facts: export controls are EU competence, but member states treat them as national security and
sideline the Commission [62][63]; CFSP sanctions need unanimity and one state can hold a package
up [58]; the qualified-majority thresholds [59].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.institutions import max_passable

DEROGATION_CAP = 0.25
"""Largest share of the basket's EU supply the Commission can exempt at full brokerage."""


def eu_stance(ideals: np.ndarray, population: np.ndarray, population_total: float) -> float:
    """The EU's own stance: the members' ideals weighted by population."""
    return float(ideals @ population) / population_total


def aim(us_ask: float, stance: float, autonomy: float) -> float:
    """The level the Commission seeks: ``autonomy`` weighs the EU stance against the US ask."""
    return autonomy * stance + (1 - autonomy) * us_ask


@dataclass
class Proposal:
    """The Commission's offer: the level it tables and the members it exempts."""

    level: float
    derogated: np.ndarray
    coverage: float
    pivotal: int

    @property
    def effective(self) -> float:
        """Stringency weighted by the share of the basket's EU supply it covers."""
        return self.level * self.coverage


def propose(
    ceilings: np.ndarray,
    supply: np.ndarray,
    population: np.ndarray,
    rule: str,
    aim: float,
    budget: float,
) -> Proposal:
    """The best measure the Commission can table inside the Council's feasible set.

    It aims at ``aim`` and can buy the most reluctant members' consent with derogations (their
    supply is exempt, so coverage falls by their supply share) while the exempted supply stays
    within ``budget``. It picks the number of derogations that maximises effective
    stringency (level x coverage), preferring fewer derogations on ties.
    """
    derogated = np.zeros(len(ceilings), dtype=bool)
    level, piv = max_passable(ceilings, population, rule, derogated)
    best = Proposal(min(aim, level), derogated.copy(), 1.0, piv if level < aim else -1)
    if level >= aim:
        return best
    exempt = 0.0
    for i in np.argsort(ceilings, kind="stable"):
        if level >= aim:
            break
        exempt += supply[i]
        if exempt > budget:
            break
        derogated[i] = True
        level, piv = max_passable(ceilings, population, rule, derogated)
        cand = Proposal(min(aim, level), derogated.copy(), 1.0 - exempt, piv if level < aim else -1)
        if cand.effective > best.effective + 1e-12:
            best = cand
    return best


def derogation_budget(brokerage: float) -> float:
    """The share of EU supply the Commission can exempt at this ``brokerage``."""
    return DEROGATION_CAP * brokerage
