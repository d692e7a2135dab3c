"""The Council's voting rules and the Commission's proposal, hand-checked and property-tested."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.model.institutions import max_passable, qmv_passes
from sim.model.mechanisms.bargaining import agree
from sim.model.mechanisms.eu_routes import propose
from sim.scenario import member_table

TABLE = member_table()
POP = TABLE.population
N = len(TABLE.iso)


def no_votes(*codes: str) -> np.ndarray:
    yes = np.ones(N, dtype=bool)
    for c in codes:
        yes[TABLE.iso.index(c)] = False
    return yes


def test_qmv_hand_checked_blocking_minority():
    assert qmv_passes(np.ones(N, dtype=bool), POP)
    # DE, FR, IT, ES: four states, ~58 % of the population: a blocking minority
    assert not qmv_passes(no_votes("DE", "FR", "IT", "ES"), POP)
    # DE, FR, IT: ~47 % of the population but only three states: no blocking minority
    assert qmv_passes(no_votes("DE", "FR", "IT"), POP)
    # four small states (MT, LU, CY, EE: ~0.8 %) cannot block
    assert qmv_passes(no_votes("MT", "LU", "CY", "EE"), POP)
    # 13 states against leaves 14 for: under 55 % of states
    smallest = [TABLE.iso[i] for i in np.argsort(POP)[:13]]
    assert not qmv_passes(no_votes(*smallest), POP)
    assert qmv_passes(no_votes(*smallest[:12]), POP)


def test_qmv_population_threshold_is_65_percent():
    # the 15 smallest states are 55 % of states but far below 65 % of the population
    yes = np.zeros(N, dtype=bool)
    yes[np.argsort(POP)[:15]] = True
    assert yes.sum() == 15 and POP[yes].sum() / POP.sum() < 0.65
    assert not qmv_passes(yes, POP)


CEILINGS = arrays(np.float64, N, elements=st.floats(-1, 1, allow_nan=False))
MASKS = arrays(np.bool_, N)


@settings(max_examples=300, deadline=None)
@given(ceilings=CEILINGS, derogated=MASKS)
def test_unanimity_never_adopts_a_level_a_bound_member_rejects(ceilings, derogated):
    level, piv = max_passable(ceilings, POP, "unanimity", derogated)
    bound = ~derogated
    assert 0.0 <= level <= 1.0
    if bound.any():
        assert np.all(ceilings[bound] >= level) or level == 0.0
        assert piv >= 0 and bound[piv]


@settings(max_examples=300, deadline=None)
@given(ceilings=CEILINGS, derogated=MASKS)
def test_qmv_level_passes_and_is_the_highest_that_does(ceilings, derogated):
    level, _ = max_passable(ceilings, POP, "qmv", derogated)
    bound = ~derogated
    if not bound.any():
        return
    yes = derogated | (bound & (ceilings >= level))
    assert qmv_passes(yes, POP) or level == max(0.0, ceilings[bound].min())
    higher = [c for c in ceilings[bound] if c > level]
    for c in higher:
        assert not qmv_passes(derogated | (bound & (ceilings >= c)), POP)
    # QMV never adopts less than unanimity would
    assert level >= max_passable(ceilings, POP, "unanimity", derogated)[0]


@settings(max_examples=200, deadline=None)
@given(
    ceilings=CEILINGS,
    aim=st.floats(0, 1),
    budget=st.floats(0, 0.5),
    rule=st.sampled_from(["unanimity", "qmv"]),
)
def test_proposal_stays_within_budget_and_aim(ceilings, aim, budget, rule):
    supply = TABLE.supply("sme")
    prop = propose(ceilings, supply, POP, rule, aim, budget)
    assert supply[prop.derogated].sum() <= budget + 1e-12
    assert 0.0 <= prop.effective <= aim + 1e-12
    assert abs(prop.coverage - (1 - supply[prop.derogated].sum())) < 1e-9
    level, _ = max_passable(ceilings, POP, rule, prop.derogated)
    assert prop.level <= level + 1e-12


def test_agreement_rule():
    assert agree(0.7, 0.6, 0.15, 0.3)
    assert not agree(0.7, 0.5, 0.15, 0.3)  # gap too wide
    assert not agree(0.3, 0.2, 0.15, 0.3)  # a deal below min_stringency is no control
