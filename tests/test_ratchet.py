"""The ratchet: the US updates its rule as leakage shows, and allies may extend theirs. The
pure functions, then seeded runs: switched off it is its absence, and it moves the documented
way (allies that do not align leave more leakage, so updates come more often and earlier)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.mechanisms import ratchet

SUPPLY = np.array([0.3, 0.2, 0.0])
US_SUPPLY = 0.5


# ---------------------------------------------------------------------- pure functions
def test_leakage_is_availability_plus_the_allied_supply_the_rule_leaves_open():
    none = np.zeros(3)
    total, parts = ratchet.leakage(0.8, 0.6, 0.3, SUPPLY, none)
    assert np.allclose(parts, 0.7 * 0.4 * SUPPLY)
    assert total == pytest.approx(0.3 + parts.sum())
    # an ally at half the US level leaks half as much; at or above it, nothing
    _, half = ratchet.leakage(0.8, 0.6, 0.3, SUPPLY, np.array([0.4, 0.9, 0.0]))
    assert half[0] == pytest.approx(parts[0] / 2) and half[1] == 0.0
    # full reach, or every ally at the US level, leaves only what the West does not supply
    assert ratchet.leakage(0.8, 1.0, 0.3, SUPPLY, none)[0] == pytest.approx(0.3)
    assert ratchet.leakage(0.8, 0.6, 0.3, SUPPLY, np.full(3, 0.8))[0] == pytest.approx(0.3)


def test_an_update_widens_reach_by_a_step_up_to_full_reach():
    assert ratchet.widened(0.5, 0.2) == pytest.approx(0.7)
    assert ratchet.widened(0.9, 0.2) == 1.0


def test_an_update_adds_the_control_allies_leave_open_and_nothing_once_they_align():
    def added(levels, availability=0.3):
        return ratchet.added_control(availability, 0.8, 0.6, 0.8, SUPPLY, levels)

    open_ = added(np.zeros(3))
    assert open_ == pytest.approx(0.7 * 0.2 * 0.8 * SUPPLY.sum())
    assert 0 < added(np.array([0.4, 0.4, 0.0])) < open_
    assert added(np.array([0.8, 0.9, 0.0])) == pytest.approx(0.0)
    assert added(np.zeros(3), availability=0.6) < open_  # supply outside the West is out of reach
    # what an update adds is the newly reached share of the allied leakage, times the level
    total, parts = ratchet.leakage(0.8, 0.6, 0.3, SUPPLY, np.array([0.4, 0.0, 0.0]))
    assert added(np.array([0.4, 0.0, 0.0])) == pytest.approx(0.8 * parts.sum() * 0.2 / 0.4)


def test_the_estimate_moves_toward_what_the_us_observes_at_the_learning_rate():
    assert ratchet.believe(0.0, 0.1, 0.25) == pytest.approx(0.025)
    assert ratchet.believe(0.1, 0.0, 0.5) == pytest.approx(0.05)
    months = [0.0]
    for _ in range(30):
        months.append(ratchet.believe(months[-1], 0.1, 0.2))
    assert all(a < b for a, b in zip(months, months[1:], strict=False))
    assert months[-1] == pytest.approx(0.1, rel=1e-2)


def test_an_update_is_worth_its_control_less_the_standing_it_costs_and_must_beat_both():
    value = ratchet.update_value(
        0.1, threat=0.9, reach=0.6, new_reach=0.8, allied_supply=0.5, unilateral_cost=0.3
    )
    assert value == pytest.approx(0.9 * 0.1 - 0.3 * 0.2 * 0.5)
    assert ratchet.update_value(0.2, 0.9, 0.6, 0.8, 0.5, 0.3) > value
    assert ratchet.update_value(0.1, 0.9, 0.6, 0.8, 0.5, 0.6) < value
    assert ratchet.decides(0.05, 0.01) and not ratchet.decides(0.05, 0.1)
    assert not ratchet.decides(-0.01, -0.1)  # an eager US still needs an update worth its cost


def test_short_of_counts_only_a_shortfall_beyond_the_tolerance():
    assert ratchet.short_of(np.array([0.5, 0.7, 0.9]), 0.8, 0.15).tolist() == [True, False, False]
