"""Every mechanism is causal: changing its driving parameter moves batch outcomes in the
documented direction. 200 seeded runs per arm, the same seeds on both sides (common random
numbers), so each comparison is deterministic."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import TTC, batch

from sim import load_scenario


@pytest.fixture(scope="module")
def joint():
    return load_scenario(TTC)


N = 200
CHINA_TRACK, RUSSIA_TRACK = "china_sme", "russia_dual_use"
"""The one track of each one-track scenario: every comparison reads that track's fields."""


def arms(sc, a, b):
    return batch(sc.with_overrides(a), N), batch(sc.with_overrides(b), N)


def track(df):
    """The fields of the scenario's one hard track, without the ``<track>.`` prefix."""
    (tid,) = {c.split(".")[0] for c in df if c.endswith(".outcome_class")}
    return df.rename(columns=lambda c: c.removeprefix(f"{tid}."))


def share(df, field):
    return track(df)[field].astype(bool).mean()


def share_eu(df):
    """Share of runs with an EU-level measure on the track."""
    return (track(df)["eu_route"] != "").mean()


def acts_alone(df):
    """Share of runs where the US chose the unilateral channel on the track."""
    return track(df)["channels"].str.split().map(lambda c: "unilateral" in c).mean()


def first_rule(df):
    """Month of the US's first rule on the track (NaN without one)."""
    return track(df)["us_rule_months"].str.split().map(lambda m: int(m[0]) if m else float("nan"))


def adopts(df, iso):
    return track(df)["national_adopters"].str.split().map(lambda c: iso in c).mean()


def adopters(df):
    return track(df)["national_adopters"].str.split().map(len)


def soft_share(df):
    """Mean soft share over the ministerials of each run."""
    return (
        df["soft_share_by_ministerial"]
        .str.split()
        .map(lambda pairs: sum(float(p.split(":")[1]) for p in pairs) / len(pairs) if pairs else 0.0)
    )


def test_1_preference_formation_threat_and_exposure(china, russia):
    talks = ["mechanisms.channel_choice=false"]  # the US stays in the talks: the EU side decides
    low, high = arms(china, talks, [*talks, "members.*.threat=0.9"])
    assert share(high, "coordinated") > share(low, "coordinated") + 0.3
    assert share_eu(high) > share_eu(low) + 0.3
    assert track(high)["eu_stringency"].mean() > track(low)["eu_stringency"].mean()
    calm, exposed = arms(russia, [], ["members.*.exposure=0.6"])
    assert share(exposed, "coordinated") < share(calm, "coordinated") - 0.3


def test_2_perception_dynamics_shocks_and_socialisation(russia):
    with_shock = batch(russia, N)
    without = batch(replace(russia, shocks=()), N)
    assert share(without, "coordinated") < share(with_shock, "coordinated") - 0.5
    brokered, unbrokered = arms(russia, ["commission.brokerage=1"], ["commission.brokerage=0"])
    assert share(unbrokered, "coordinated") < share(brokered, "coordinated") - 0.3


def test_3_eu_aggregation_qmv_outvotes_holdouts(russia):
    unanimity, qmv = arms(russia, ["commission.brokerage=0"], ["commission.brokerage=0", "eu.rule=qmv"])
    assert share_eu(qmv) > share_eu(unanimity) + 0.3
    assert track(qmv)["eu_stringency"].mean() > track(unanimity)["eu_stringency"].mean()


def test_4_ttc_bargaining_tolerance(china):
    """On a route the Council decides by QMV, with the US staying in the talks, a looser
    tolerance turns standing offers into deals."""
    talks = ['tracks.china_sme.routes=["autonomous"]', "mechanisms.channel_choice=false"]
    strict, loose = arms(china, [*talks, "ttc.tolerance=0"], [*talks, "ttc.tolerance=0.4"])
    assert share(loose, "coordinated") > share(strict, "coordinated") + 0.2


def test_5_us_outside_option_patience_and_reach(china):
    # patience is the cost of delay: a patient US waits for the key suppliers rather than act alone
    impatient, patient = arms(china, ["us.patience=4"], ["us.patience=60"])
    assert acts_alone(patient) < acts_alone(impatient) - 0.5
    assert first_rule(patient).median() > first_rule(impatient).median()
    # reach makes a unilateral rule bite abroad: without it fewer suppliers follow the rule
    far, near = arms(china, [], ["us.reach=0"])
    assert adopters(near).mean() < adopters(far).mean() - 2
    assert track(near)["effective_alignment"].mean() < track(far)["effective_alignment"].mean() - 0.2


def test_6_bilateral_channel(china):
    allowed, barred = arms(china, [], ["eu.national_controls=false"])
    assert adopts(allowed, "NL") > 0.5 and adopts(barred, "NL") == 0
    dependent, independent = arms(china, [], ["members.NL.us_dependence=0"])
    assert adopts(independent, "NL") < adopts(dependent, "NL") - 0.3
    no_exemption, exemption = arms(china, ["us.exemption=0"], ["us.exemption=1"])
    assert adopts(exemption, "NL") > adopts(no_exemption, "NL")


def test_7_agenda_follows_progress(joint):
    """Attention is shared over the joint scenario's tracks: when the hard tracks stall (no
    invasion shock) the soft track gets more of it; when they produce deals, less."""
    n = N // 2
    progressing = batch(joint, n)
    # no invasion shock: the hard tracks' threat shocks go, the soft track's salience stays
    stalled = batch(replace(joint, shocks=tuple(x for x in joint.shocks if "threat" not in x.path)), n)
    assert soft_share(stalled).mean() > soft_share(progressing).mean() + 0.05
    assert stalled["soft_deliverables"].mean() > progressing["soft_deliverables"].mean()
    deals = batch(joint.with_overrides(["members.*.threat=0.9"]), n)
    assert soft_share(deals).mean() < soft_share(progressing).mean() - 0.1
    assert deals["soft_deliverables"].mean() < progressing["soft_deliverables"].mean()


@pytest.mark.parametrize("iso", ["DE"])
def test_8_retaliation_deters_followers(china, iso):
    none, certain = arms(china, ["target.retaliation=0"], ["target.retaliation=1"])
    assert adopts(certain, iso) < adopts(none, iso)
    assert adopters(certain).mean() < adopters(none).mean()
