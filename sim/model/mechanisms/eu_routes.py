"""Mechanism 3, ``eu_routes``: the Commission's best measure on the EU routes open to a track.

For each EU-level route in ``tracks.<id>.routes`` the Commission finds the best level the
route's institution lets pass (:mod:`sim.model.institutions`) and tables the one with the
highest effective level (level x the share of the EU's supply it covers; on a tie the route
that comes first in the order sanctions, annex, autonomous):

* ``sanctions`` (CFSP): the Council's rule ``eu.rule`` (unanimity; ``qmv`` as a
  counterfactual), with derogations to buy the most reluctant members' consent; in force
  ``eu.sanctions_lag`` months after agreement;
* ``annex``: a regime update by consensus (every participant can veto: a target that
  participates vetoes its own track, and a participant the data says blocks from a month blocks
  every update from then; members that participate must all agree), then a delegated act
  ``eu.lag`` months later; no derogations (a list binds every member);
* ``autonomous``: an EU list by qualified majority, with derogations; ``eu.autonomous_lag``.

The Commission aims between the US ask and the EU's own stance (members' ideals weighted by
population), weighing them by its ``autonomy``; its derogation budget is ``derogation_cap`` x
``brokerage`` of the EU's supply.

Switched off (``mechanisms.eu_routes = false``): the Commission proposes nothing, so no
EU-level measure is ever tabled or adopted (members' and allies' national routes stay open).

Parameters: ``commission.autonomy``, ``commission.brokerage``, ``eu.rule``, ``eu.lag``,
``eu.sanctions_lag``, ``eu.autonomous_lag``, ``tracks.<id>.routes``. Constants:
``derogation_cap``, ``qmv_states``, ``qmv_population``, ``blocking_min_states``.

Facts: member states treat controls as national security and sideline the Commission
[62][63]; CFSP sanctions need unanimity and one state can hold a package up [58]; QMV
thresholds [59]; Wassenaar decides by consensus [102]; Annex I follows the regimes' lists
[60][113].
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from sim.model.institutions import DEFAULT_QMV, QMV, max_passable, unanimous_level, unanimous_with_derogations

EU_ROUTES = ("sanctions", "annex", "autonomous")
"""The EU-level routes, in the order that breaks ties."""


def eu_stance(ideals: np.ndarray, population: np.ndarray) -> float:
    """The EU's own stance: the members' ideals weighted by population."""
    return float(ideals.dot(population)) / float(population.sum())


def aim(us_ask: float, stance: float, autonomy: float) -> float:
    """The level the Commission seeks: ``autonomy`` weighs the EU stance against the US ask."""
    return autonomy * stance + (1 - autonomy) * us_ask


@dataclass
class Proposal:
    """An offer on one route: the level, the members exempted, the EU supply covered, the
    member that bounds it (-1: none) and the route."""

    level: float
    derogated: np.ndarray
    coverage: float
    pivotal: int
    route: str = ""

    @property
    def effective(self) -> float:
        """Level weighted by the share of the EU's supply it covers."""
        return self.level * self.coverage


def propose(
    ceilings: np.ndarray,
    supply: np.ndarray,
    population: np.ndarray,
    rule: str,
    aim: float,
    budget: float,
    qmv: QMV = DEFAULT_QMV,
) -> Proposal:
    """The best measure inside a Council rule's feasible set, buying the most reluctant
    members' consent with derogations while the exempted EU supply stays within ``budget``;
    it keeps the number of derogations that maximises the effective level (fewer on ties)."""
    if rule == "unanimity":
        return Proposal(*unanimous_with_derogations(ceilings, supply, aim, budget))
    derogated = np.zeros(len(ceilings), dtype=bool)
    level, piv = max_passable(ceilings, population, rule, derogated, qmv)
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
        level, piv = max_passable(ceilings, population, rule, derogated, qmv)
        if min(aim, level) * (1.0 - exempt) > best.effective + 1e-12:  # the candidate's effective level
            best = Proposal(min(aim, level), derogated.copy(), 1.0 - exempt, piv if level < aim else -1)
    return best


def regime_consensus(ceilings: np.ndarray, participates: np.ndarray, aim: float) -> Proposal:
    """A regime update: every participating member must agree (the level is the lowest
    participating ceiling, at most the aim); non-participants are bound but have no vote."""
    n = len(ceilings)
    if not participates.any():
        return Proposal(aim, np.zeros(n, dtype=bool), 1.0, -1)
    level, i = unanimous_level(ceilings, ~participates)
    return Proposal(min(aim, level), np.zeros(n, dtype=bool), 1.0, i if level < aim else -1)


@cache
def open_routes(routes: tuple[str, ...], regime_vetoed: bool) -> tuple[str, ...]:
    """The EU-level routes among a track's ``routes`` that can carry a measure now, in the
    order that breaks ties: a vetoed regime update closes the ``annex`` route."""
    return tuple(r for r in EU_ROUTES if r in routes and not (r == "annex" and regime_vetoed))


def best_offer(
    routes: tuple[str, ...],
    ceilings: np.ndarray,
    supply: np.ndarray,
    population: np.ndarray,
    rule: str,
    aim: float,
    budget: float,
    qmv: QMV,
    participates: np.ndarray,
    regime_vetoed: bool,
) -> Proposal | None:
    """The Commission's offer: the best proposal over the open EU routes (None when no
    EU-level route is open, or the only one is a vetoed regime update)."""
    best: Proposal | None = None
    for route in open_routes(routes, regime_vetoed):
        if route == "sanctions":
            prop = propose(ceilings, supply, population, rule, aim, budget, qmv)
        elif route == "annex":
            prop = regime_consensus(ceilings, participates, aim)
        else:
            prop = propose(ceilings, supply, population, "qmv", aim, budget, qmv)
        prop.route = route
        if best is None or prop.effective > best.effective + 1e-12:
            best = prop
    return best


def derogation_budget(brokerage: float, derogation_cap: float) -> float:
    """The share of the EU's supply the Commission can exempt at this ``brokerage``."""
    return derogation_cap * brokerage
