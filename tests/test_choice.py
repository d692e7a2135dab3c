"""Channel choice and supplier assurance: the US chooses where to pursue controls, month by
month, and key suppliers decide as a group that holds only if each member is willing."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

import sim
from sim.model import TTCModel
from sim.model.mechanisms import channel_choice, supplier_assurance

ROOT = Path(__file__).resolve().parent.parent
CHINA = ROOT / "scenarios" / "china_2022.toml"


def test_hope_for_the_talks_wears_down_with_stalled_rounds_and_lasts_longer_with_a_heavier_prior():
    def months(history, weight=12.0):
        return channel_choice.months_to_deal(history, 0.1, weight, 12.0)

    assert months([0.6]) < months([0.6] * 13)
    assert months([0.6] * 13, weight=24.0) < months([0.6] * 13, weight=6.0)
    assert months([0.6, 0.5, 0.4, 0.3]) < months([0.6] * 4)
    assert months([]) == math.inf


def test_the_us_waits_while_waiting_is_worth_more_and_acts_when_it_is_not():
    common = dict(
        ideal=0.8, ask=0.7, threat=0.9, exposure=0.1, availability=0.3, us_supply=0.4,
        member_supply=0.3, allied_supply=0.6, reach=0.5, us_lag=1.0, coalition_supply=0.0,
        coalition_lag=0.0, discount=0.9, minilateral_cost=0.1, unilateral_cost=0.3,
    )  # fmt: skip
    soon = channel_choice.channel_values(wait_months=1.0, **common)
    never = channel_choice.channel_values(wait_months=math.inf, **common)
    assert channel_choice.choose(soon, 0.0) == "wait"
    assert channel_choice.choose(never, 0.0) == "unilateral"
    assert "minilateral" not in never
    with_partners = channel_choice.channel_values(wait_months=math.inf, **{**common, "coalition_supply": 0.5})
    assert channel_choice.choose(with_partners, 0.0) == "minilateral"


def test_key_suppliers_control_together_or_not_at_all():
    """Two suppliers, each willing only if the other controls too, and a third never willing."""
    thresholds = np.zeros(3)

    def margins(group):
        together = set(group.tolist())
        return np.array([(0.1 if {0, 1} <= together else -0.1) if i < 2 else -0.5 for i in group])

    def willing(group):
        return margins(group) > thresholds[group]

    assert sorted(supplier_assurance.coalition(willing, np.array([0, 1, 2])).tolist()) == [0, 1]

    def one_refuses(group):
        return np.array([-0.1 if i == 1 else (0.1 if 1 in group else -0.1) for i in group]) > 0.0

    assert supplier_assurance.coalition(one_refuses, np.array([0, 1])).tolist() == []


def test_backfill_counts_only_rivals_left_uncontrolled():
    supply = np.array([0.3, 0.3, 0.0])
    none = supplier_assurance.uncontrolled_rivals(supply, 0.4, np.zeros(3, bool), us_controls=True)
    assert np.allclose(none, [0.3 / 0.7, 0.3 / 0.7, 0.6 / 1.0])
    both = supplier_assurance.uncontrolled_rivals(
        supply, 0.4, np.array([True, True, False]), us_controls=True
    )
    assert np.allclose(both[:2], 0.0)


def test_acting_alone_is_never_a_timer():
    """No month is special: with patience beyond the horizon the US still acts when waiting is
    worth nothing (no TTC talks), and never acts with the choice switched off."""
    sc = sim.load_scenario(
        CHINA, ["mechanisms.bargaining=false", "mechanisms.supplier_assurance=false", "us.patience=600"]
    )
    months = [TTCModel(sc, rng=s).run().tracks[0].us_rule_months for s in range(10)]
    assert all(m and m[0] <= 4 for m in months)
    off = sim.load_scenario(CHINA, ["mechanisms.bargaining=false", "mechanisms.channel_choice=false"])
    assert all(not TTCModel(off, rng=s).run().tracks[0].us_rule_months for s in range(10))


def test_willing_key_suppliers_turn_acting_alone_into_a_minilateral():
    eager = ["tracks.china_sme.members.NL.threat=1", "tracks.china_sme.allies.JP.threat=1"]
    base = sim.load_scenario(CHINA)
    eager_sc = sim.load_scenario(CHINA, eager)
    assert sum(sim.run(eager_sc, s)["china_sme.channel"] == "minilateral" for s in range(20)) >= 15
    assert sum(sim.run(base, s)["china_sme.channel"] == "minilateral" for s in range(20)) <= 8
