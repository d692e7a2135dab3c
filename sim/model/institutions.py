"""The institutions the EU's measures pass through: the Council's voting rules and the
multilateral regimes' consensus.

The Commission's choice among routes is in :mod:`sim.model.mechanisms.eu_routes`, the TTC's
rounds in :mod:`sim.model.mechanisms.bargaining`.

Facts (numbers in brackets refer to the sources in ``sim/data/sources.md``):

* CFSP sanctions (the Russia packages) need **unanimity**; a single state can hold a package
  up (Hungary and Greece stalled the 11th package's anti-circumvention listing [58]).
* **QMV**: 55 % of member states (15 of 27) and 65 % of the EU population; a blocking
  minority needs at least four states with more than 35 % of the population [59]
  (constants ``qmv_states``, ``qmv_population``, ``blocking_min_states``).
* The **regimes** (Wassenaar) decide by consensus: any participant can block a list update
  [102]; who participates, and who blocks from when, is data (``sim/data/v2_regimes.toml``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.model.compiled import kernel


@dataclass(frozen=True)
class QMV:
    """The qualified-majority thresholds [59]."""

    states: float = 0.55
    population: float = 0.65
    blocking_min_states: float = 4.0


DEFAULT_QMV = QMV()
"""The thresholds of the Treaty [59] (the constants' defaults)."""


def qmv_passes(yes: np.ndarray, population: np.ndarray, qmv: QMV = DEFAULT_QMV) -> bool:
    """Does a Council vote with these yes-votes reach a qualified majority?

    Passes iff at least 55 % of states vote yes and either they hold 65 % of the population
    or the no side is fewer than four states (no blocking minority is possible).
    """
    n = len(yes)
    n_yes = int(np.count_nonzero(yes))
    if n_yes < math.ceil(qmv.states * n - 1e-9):
        return False
    if population[yes].sum() >= qmv.population * population.sum() - 1e-9:
        return True
    return n - n_yes < qmv.blocking_min_states


def max_passable(
    ceilings: np.ndarray, population: np.ndarray, rule: str, derogated: np.ndarray, qmv: QMV = DEFAULT_QMV
) -> tuple[float, int]:
    """The highest stringency the Council adopts, and the member that bounds it.

    A member votes yes to a level at or below its ``ceiling`` (see
    :func:`sim.model.mechanisms.preferences.ceilings`); a member with a derogation is not bound and
    votes yes. Under unanimity the most reluctant bound member fixes the level; under QMV the
    level is the ceiling of the weakest member of the strongest qualified majority.
    Returns (level, index of the pivotal member, or -1 when no member bounds it).
    """
    if rule == "unanimity":
        return unanimous_level(ceilings, derogated)
    bound = ~derogated
    if not bound.any():
        return 1.0, -1
    # QMV: try levels from the highest ceiling down; the first that passes is the maximum.
    order = np.argsort(-np.where(bound, ceilings, -np.inf), kind="stable")
    for i in order:
        if bound[i] and qmv_passes(derogated | (bound & (ceilings >= ceilings[i])), population, qmv):
            return max(0.0, float(ceilings[i])), int(i)
    i = int(np.argmin(np.where(bound, ceilings, np.inf)))
    return max(0.0, float(ceilings[i])), i


@kernel
def unanimous_level(ceilings: np.ndarray, derogated: np.ndarray) -> tuple[float, int]:
    """Under unanimity: the ceiling of the most reluctant bound member (the first of them on
    a tie), at least 0, and its index; (1, -1) when every member is derogated (compiled)."""
    pivotal = -1
    for i in range(len(ceilings)):
        if not derogated[i] and (pivotal < 0 or ceilings[i] < ceilings[pivotal]):
            pivotal = i
    if pivotal < 0:
        return 1.0, -1
    level = ceilings[pivotal]
    return (level if level > 0.0 else 0.0), pivotal


@kernel
def unanimous_with_derogations(
    ceilings: np.ndarray, supply: np.ndarray, aim: float, budget: float
) -> tuple[float, np.ndarray, float, int]:
    """The best measure under unanimity when derogations may buy the most reluctant members'
    consent while the exempted supply stays within ``budget``: its level (at most ``aim``),
    derogations, coverage of the EU's supply and pivotal member (-1: none). The steps of
    :func:`sim.model.mechanisms.eu_routes.propose`, one member at a time (compiled)."""
    derogated = np.zeros(len(ceilings), np.bool_)
    level, pivotal = unanimous_level(ceilings, derogated)
    best_level = level if level < aim else aim
    best = (best_level, derogated.copy(), 1.0, pivotal if level < aim else -1)
    best_effective = best_level * 1.0
    if level >= aim:
        return best
    exempt = 0.0
    for i in np.argsort(ceilings, kind="mergesort"):
        if level >= aim:
            break
        exempt += supply[i]
        if exempt > budget:
            break
        derogated[i] = True
        level, pivotal = unanimous_level(ceilings, derogated)
        candidate = level if level < aim else aim
        if candidate * (1.0 - exempt) > best_effective + 1e-12:
            best = (candidate, derogated.copy(), 1.0 - exempt, pivotal if level < aim else -1)
            best_effective = candidate * (1.0 - exempt)
    return best
