"""The ratchet: the US updates its rule as leakage shows, and allies may extend theirs. The
pure functions, then seeded runs: switched off it is its absence, and it moves the documented
way (allies that do not align leave more leakage, so updates come more often and earlier)."""

from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.model.mechanisms import ratchet
from sim.model.model import TTCModel

ROOT = Path(__file__).resolve().parent.parent
CHINA = ROOT / "scenarios" / "china_2022.toml"
JOINT = ROOT / "scenarios" / "ttc_2021_2025.toml"
T = "china_sme"
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


# ---------------------------------------------------------------------- seeded runs
UNWILLING = [
    f"tracks.{T}.members.NL.threat=0",
    f"tracks.{T}.members.NL.exposure=1",
    f"tracks.{T}.allies.JP.threat=0",
    f"tracks.{T}.allies.JP.exposure=1",
]
"""NL and JP unwilling to control: no threat, much at stake."""


def runs(sc, n):
    return [TTCModel(sc, rng=s, record=False).run() for s in range(n)]


def first_update(model, track=T):
    months = model.track_by_id[track].us_update_months
    return months[0] if months else None


@pytest.fixture(scope="module")
def china():
    return sim.load_scenario(CHINA)


@pytest.fixture(scope="module")
def china_runs(china):
    return runs(china, 30)


def test_switched_off_the_us_never_updates_and_no_one_extends(china):
    for m in runs(china.with_overrides(["mechanisms.ratchet=false"]), 10):
        row = m.outcome()
        assert row[f"{T}.us_update_months"] == "" and row[f"{T}.n_us_updates"] == 0
        assert row[f"{T}.n_us_rules"] <= 1 and row[f"{T}.extension_months"] == ""
        assert not [e for e in m.events if e[4] == "update"]


def test_each_update_is_decided_on_leakage_told_and_in_force_after_the_us_lag(china_runs):
    updated = [m for m in china_runs if m.track_by_id[T].us_update_months]
    assert len(updated) >= 5
    for m in updated:
        tr = m.track_by_id[T]
        row = m.outcome()
        assert row[f"{T}.n_us_updates"] == len(tr.us_update_months)
        assert row[f"{T}.us_update_months"] == " ".join(map(str, tr.us_update_months))
        told = [e for e in m.events if e[2] == T and e[4] == "update"]
        assert [e[0] for e in told] == tr.us_update_months
        assert all("leakage" in e[5] and "outside the West" in e[5] and "reach" in e[5] for e in told)
        lag = round(m.values[f"tracks.{T}.us.lag"])
        in_force = [d + lag for d in tr.us_update_months if d + lag < m.months]
        assert tr.us_rule_months[1:] == in_force
        assert tr.us_rule_months[0] < tr.us_update_months[0]
        if in_force:
            assert tr.us.reach > m.values[f"tracks.{T}.us.reach"]


def test_allies_that_do_not_align_make_updates_likelier_and_earlier(china, china_runs):
    """With NL and JP unwilling to control, the allied supply stays open: the US updates in
    more runs, and its first update comes no later (a run without one counts as the horizon)."""
    base = [first_update(m) for m in china_runs]
    alone = [first_update(m) for m in runs(china.with_overrides(UNWILLING), 30)]
    assert sum(x is not None for x in alone) > sum(x is not None for x in base)

    def by_horizon(months):
        return statistics.mean(china.months if x is None else x for x in months)

    assert by_horizon(alone) <= by_horizon(base)


def test_supply_outside_the_west_which_no_reach_closes_makes_updates_rarer(china):
    def updated(availability):
        sc = china.with_overrides([f"tracks.{T}.target.availability={availability}"])
        return sum(first_update(m) is not None for m in runs(sc, 20))

    assert updated(0.0) > updated(0.6)


def test_a_faster_learning_us_updates_earlier(china):
    def median_first(rate):
        sc = china.with_overrides([*UNWILLING, f"constants.leak_learning={rate}"])
        got = [first_update(m) for m in runs(sc, 20)]
        return statistics.median(x for x in got if x is not None)

    assert median_first(0.5) < median_first(0.05)


def test_with_nothing_left_to_close_the_us_never_updates(china):
    """Full reach and a rule at the US's ideal leave no update to make."""
    for m in runs(china.with_overrides([f"tracks.{T}.us.reach=1"]), 10):
        assert not m.track_by_id[T].us_update_months


def test_an_ally_short_of_the_updated_us_level_extends_its_measure_if_it_is_worth_it(china):
    def weigh(threat):
        sc = china.with_overrides([f"tracks.{T}.members.NL.threat={threat}"])
        m = TTCModel(sc, rng=0, record=False)
        m.t = 30
        tr = m.track_by_id[T]
        nl = m.adopters.index["NL"]
        tr.us_level, tr.us_rule_months, tr.us_update_months = 0.9, [16, 29], [28]
        tr.national_month[nl], tr.national_level[nl] = 25, 0.5
        tr.decide_national(nl, 20)
        tr.update_effective()
        m.adopters.extend_measures(tr)
        return m, tr, nl

    m, tr, nl = weigh(1.0)
    assert tr.extension_level[nl] == 0.9
    assert [e[3] for e in m.events if e[4] == "decision"] == ["NL"]
    (extension,) = [a for due in m.due.values() for a in due if a.adopter == "NL"]
    assert extension.level == 0.9
    m.t = due = 30 + round(float(tr.params["lag"][nl]))
    extension.come_into_force()
    assert tr.extensions == [("NL", due)] and tr.effective[nl] == 0.9
    assert m.outcome()[f"{T}.extension_months"] == f"NL:{due}"
    m, tr, nl = weigh(0.0)
    assert tr.extension_level[nl] == 0.0 and not [e for e in m.events if e[4] == "decision"]


def test_the_joint_scenario_updates_the_chip_tool_rule_in_some_runs():
    got = runs(sim.load_scenario(JOINT), 12)
    assert any(first_update(m, "china_sme") is not None for m in got)
