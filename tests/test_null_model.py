"""The static null model follows its definition: actors adopt after their lag iff their static
ideal reaches ``ttc.min_stringency``; an EU-level measure iff an open route passes under its
voting rule on the static ideals; the channel from the two."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim.model.null_model import NULL_FIELDS, null_row, null_rows
from sim.scenario import ScenarioError

ROOT = Path(__file__).resolve().parent.parent
RUSSIA = ROOT / "scenarios" / "russia_2022.toml"
T = "russia_dual_use"
# ideals equal to threat: no exports at stake, no fear; fixed lags and US inputs
PLAIN = [
    f"tracks.{T}.members.*.exposure=0",
    f"tracks.{T}.members.*.retaliation_fear=0",
    f"tracks.{T}.allies.*.exposure=0",
    f"tracks.{T}.allies.*.retaliation_fear=0",
    f"tracks.{T}.members.*.lag=4",
    f"tracks.{T}.allies.*.lag=2",
    f"tracks.{T}.us.threat=0.6",
    f"tracks.{T}.us.lag=1",
    "eu.sanctions_lag=0",
]


def test_actors_adopt_after_their_lag_iff_their_static_ideal_reaches_the_minimum():
    """Before the invasion (month 3 of the file, 2022-02) only NL and FR want a control; at
    the shock every member's threat rises by 0.45 and the rest follow after their lag."""
    sc = sim.load_scenario(
        RUSSIA,
        [
            *PLAIN,
            f"tracks.{T}.members.*.threat=0.1",
            f"tracks.{T}.members.NL.threat=0.5",
            f"tracks.{T}.members.FR.threat=0.3",
            f"tracks.{T}.allies.JP.threat=0.0",
        ],
    )
    row = null_row(sc, 0)
    national = dict(x.split(":") for x in row[f"{T}.national_months"].split())
    assert national["NL"] == "4" and national["FR"] == "4"  # month 0 + lag 4
    assert national["DE"] == "7"  # 0.1 + 0.45 >= 0.3 at month 3, + lag 4
    assert national["JP"] == "5"  # 0.0 + 0.45 at month 3, + lag 2
    assert row[f"{T}.us_rule_months"] == "1"  # US ideal 0.6 - 1.5 x 0.02 at month 0, + lag 1


def test_no_actor_below_the_minimum_adopts():
    low = [f"tracks.{T}.members.*.threat=0.1", f"tracks.{T}.us.threat=0.1"]
    sc = sim.load_scenario(RUSSIA, [*PLAIN, "ttc.min_stringency=0.9", *low])
    row = null_row(sc, 0)
    assert row[f"{T}.national_months"] == "" and row[f"{T}.us_rule_months"] == ""
    assert row[f"{T}.channel"] == "none" and row[f"{T}.month_eu"] is None


def test_the_eu_level_passes_iff_a_route_passes_on_static_ideals():
    """Under unanimity one member below the minimum blocks the sanctions route until the
    shock lifts it; with the route closed (annex only, vetoed by the target) nothing passes."""
    base = [*PLAIN, f"tracks.{T}.members.*.threat=0.5", f"tracks.{T}.members.HU.threat=0.0"]
    row = null_row(sim.load_scenario(RUSSIA, base), 0)
    assert row[f"{T}.eu_route"] == "sanctions" and row[f"{T}.month_eu"] == 3  # HU 0.45 at the shock
    assert row[f"{T}.channel"] == "ttc" and row[f"{T}.coordinated"] is True
    assert row[f"{T}.month_coordinated"] == 3
    vetoed = null_row(sim.load_scenario(RUSSIA, [*base, f'tracks.{T}.routes=["annex", "national"]']), 0)
    assert vetoed[f"{T}.eu_route"] == "" and vetoed[f"{T}.channel"] == "unilateral"
    fearful = [*base, f"tracks.{T}.members.HU.retaliation_fear=1"]  # HU 0.45 - 0.75 after the shock
    unanimity_fails = null_row(sim.load_scenario(RUSSIA, fearful), 0)
    assert unanimity_fails[f"{T}.month_eu"] is None


def test_the_null_runs_on_the_joint_scenario_with_every_field_of_every_hard_track():
    sc = sim.load_scenario(ROOT / "scenarios" / "ttc_2021_2025.toml")
    rows = null_rows(sc, 2, seed=5)
    hard = [t.id for t in sc.tracks if t.kind == "hard"]
    assert [r["seed"] for r in rows] == [5, 6] and [r["run"] for r in rows] == [0, 1]
    assert set(rows[0]) == {"scenario", "run", "seed"} | {f"{t}.{f}" for t in hard for f in NULL_FIELDS}
    assert all(r[f"{t}.channel"] in ("ttc", "unilateral", "none") for r in rows for t in hard)


def test_null_runs_must_be_at_least_one():
    sc = sim.load_scenario(RUSSIA)
    with pytest.raises(ScenarioError, match="at least 1"):
        null_rows(sc, 0)
