"""Every mechanism is causal: changing its driving parameter moves batch outcomes in the
documented direction. 200 seeded runs per arm, the same seeds on both sides (common random
numbers), so each comparison is deterministic."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import batch

N = 200


def arms(sc, a, b):
    return batch(sc.with_overrides(a), N), batch(sc.with_overrides(b), N)


def share(df, field):
    return df[field].astype(bool).mean()


def adopts(df, iso):
    return df["national_adopters"].str.split().map(lambda c: iso in c).mean()


def test_1_preference_formation_threat_and_exposure(china, russia):
    low, high = arms(china, [], ["members.*.threat=0.9"])
    assert share(high, "coordinated") > share(low, "coordinated") + 0.3
    assert high["effective_alignment"].mean() > low["effective_alignment"].mean()
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
    assert share(qmv, "eu_adopted") > share(unanimity, "eu_adopted") + 0.3
    assert qmv["eu_stringency"].mean() > unanimity["eu_stringency"].mean()


def test_4_ttc_bargaining_concession_and_tolerance(russia):
    rigid, flexible = arms(
        russia, ["commission.brokerage=0", "us.concession=0"], ["commission.brokerage=0", "us.concession=0.5"]
    )
    assert share(flexible, "coordinated") > share(rigid, "coordinated") + 0.2
    strict, loose = arms(
        russia, ["commission.brokerage=0", "ttc.tolerance=0"], ["commission.brokerage=0", "ttc.tolerance=0.4"]
    )
    assert share(loose, "coordinated") > share(strict, "coordinated") + 0.2


def test_5_us_outside_option_patience_and_reach(china):
    impatient, patient = arms(china, [], ["us.patience=60"])
    assert share(patient, "us_unilateral") < share(impatient, "us_unilateral") - 0.5
    far, near = arms(china, [], ["us.reach=0"])
    assert share(near, "us_unilateral") < share(far, "us_unilateral") - 0.5
    early, late = arms(china, ["us.patience=8"], ["us.patience=20"])
    assert late["month_unilateral"].median() > early["month_unilateral"].median()


def test_6_bilateral_channel(china):
    allowed, barred = arms(china, [], ["eu.national_controls=false"])
    assert adopts(allowed, "NL") > 0.5 and adopts(barred, "NL") == 0
    dependent, independent = arms(china, [], ["members.NL.us_dependence=0"])
    assert adopts(independent, "NL") < adopts(dependent, "NL") - 0.3
    no_exemption, exemption = arms(china, ["us.exemption=0"], ["us.exemption=1"])
    assert adopts(exemption, "NL") > adopts(no_exemption, "NL")


def test_7_agenda_follows_progress(russia, china):
    stalled = batch(replace(russia, shocks=()), N)
    progressing = batch(russia, N)
    assert stalled["soft_share"].mean() > progressing["soft_share"].mean() + 0.2
    deals = batch(china.with_overrides(["members.*.threat=0.9"]), N)
    assert deals["soft_share"].mean() < batch(china, N)["soft_share"].mean() - 0.2
    assert deals["soft_deliverables"].mean() < batch(china, N)["soft_deliverables"].mean()


@pytest.mark.parametrize("iso", ["DE"])
def test_8_retaliation_deters_followers(china, iso):
    none, certain = arms(china, ["target.retaliation=0"], ["target.retaliation=1"])
    assert adopts(certain, iso) < adopts(none, iso)
    assert certain["n_national_adopters"].mean() < none["n_national_adopters"].mean()
