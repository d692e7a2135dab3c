"""The institution the EU's measures pass through: the Council's voting rules.

The Commission's offer (mechanism 3) is in :mod:`sim.model.mechanisms.eu_offer`, the TTC round
(mechanism 4) in :mod:`sim.model.mechanisms.ttc_round`.

Facts (numbers in brackets refer to the sources in ``sim/data/sources.md``):

* CFSP sanctions (the Russia packages) need **unanimity**; a single state can hold a package
  up (Hungary and Greece stalled the 11th package's anti-circumvention listing [58]).
* **QMV**: 55 % of member states (15 of 27) and 65 % of the EU population; a blocking
  minority needs at least four states with more than 35 % of the population [59].
"""

from __future__ import annotations

import math

import numpy as np

QMV_STATES = 0.55
"""Share of member states a qualified majority needs [59]."""
QMV_POPULATION = 0.65
"""Share of the EU population a qualified majority needs [59]."""
BLOCKING_MIN_STATES = 4
"""A blocking minority needs at least this many states, whatever their population [59]."""


def qmv_passes(yes: np.ndarray, population: np.ndarray) -> bool:
    """Does a Council vote with these yes-votes reach a qualified majority?

    Passes iff at least 55 % of states vote yes and either they hold 65 % of the population
    or the no side is fewer than four states (no blocking minority is possible).
    """
    n = len(yes)
    n_yes = int(np.count_nonzero(yes))
    if n_yes < math.ceil(QMV_STATES * n - 1e-9):
        return False
    if population[yes].sum() >= QMV_POPULATION * population.sum() - 1e-9:
        return True
    return n - n_yes < BLOCKING_MIN_STATES


def max_passable(
    ceilings: np.ndarray, population: np.ndarray, rule: str, derogated: np.ndarray
) -> tuple[float, int]:
    """The highest stringency the Council adopts, and the member that bounds it.

    A member votes yes to a level at or below its ``ceiling`` (see
    :func:`sim.model.mechanisms.preferences.ceilings`); a member with a derogation is not bound and
    votes yes. Under unanimity the most reluctant bound member fixes the level; under QMV the
    level is the ceiling of the weakest member of the strongest qualified majority.
    Returns (level, index of the pivotal member, or -1 when no member bounds it).
    """
    if rule == "unanimity":
        if derogated.any():
            if derogated.all():
                return 1.0, -1
            masked = np.where(derogated, np.inf, ceilings)
        else:
            masked = ceilings
        i = int(np.argmin(masked))
        return max(0.0, float(masked[i])), i
    bound = ~derogated
    if not bound.any():
        return 1.0, -1
    # QMV: try levels from the highest ceiling down; the first that passes is the maximum.
    order = np.argsort(-np.where(bound, ceilings, -np.inf), kind="stable")
    for i in order:
        if bound[i] and qmv_passes(derogated | (bound & (ceilings >= ceilings[i])), population):
            return max(0.0, float(ceilings[i])), int(i)
    i = int(np.argmin(np.where(bound, ceilings, np.inf)))
    return max(0.0, float(ceilings[i])), i
