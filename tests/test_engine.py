"""The engine over tracks: the joint scenario's row, switches, constants, routes and paths."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.model.institutions import QMV, qmv_passes
from sim.model.outcomes import OUTCOME_CLASSES, RUN_FIELDS, TRACK_FIELDS, field_names
from sim.runner import simulate
from sim.scenario.constants import CONSTANTS
from sim.scenario.schema import MECHANISMS

ROOT = Path(__file__).resolve().parent.parent
JOINT = ROOT / "scenarios" / "ttc_2021_2025.toml"
HARD = ("china_ai_chips", "china_sme", "emerging_tech", "russia_dual_use")


@pytest.fixture(scope="module")
def joint():
    return sim.load_scenario(JOINT)


def rows(sc, n=8):
    return [{k: v for k, v in sim.run(sc, s).items() if not k.startswith("param.")} for s in range(n)]


def test_the_joint_row_has_every_field_of_every_track_in_its_format(joint):
    row = sim.run(joint, 1)
    assert [
        k for k in row if not k.startswith("param.") and k not in ("scenario", "run", "seed")
    ] == field_names(HARD)
    for t in HARD:
        assert row[f"{t}.channel"] in ("ttc", "minilateral", "unilateral", "none")
        assert row[f"{t}.outcome_class"] in OUTCOME_CLASSES
        assert row[f"{t}.month_eu"] is None or isinstance(row[f"{t}.month_eu"], int)
        assert re.fullmatch(r"(\d+( \d+)*)?", row[f"{t}.us_rule_months"])
        assert re.fullmatch(r"([A-Z]{2}:\d+( [A-Z]{2}:\d+)*)?", row[f"{t}.national_months"])
        assert row[f"{t}.eu_route"] in ("", "sanctions", "annex", "autonomous")
    assert re.fullmatch(r"\d{4}-\d{2}:\d\.\d\d( \d{4}-\d{2}:\d\.\d\d)*", row["soft_share_by_ministerial"])
    assert set(RUN_FIELDS) <= set(row) and "russia_dual_use.coordinated" in row
    assert len(TRACK_FIELDS) == 18


@pytest.mark.parametrize("name", ["russia_2022", "china_2022"])
def test_one_track_scenarios_still_run(name):
    sc = sim.load_scenario(ROOT / "scenarios" / f"{name}.toml")
    assert len([t for t in sc.tracks if t.kind == "hard"]) == 1
    assert sim.run(sc, 0)["seed"] == 0


def test_russia_coordinates_by_sanctions_at_the_invasion(joint):
    got = rows(joint, 20)
    assert sum(r["russia_dual_use.coordinated"] for r in got) >= 18
    assert {r["russia_dual_use.eu_route"] for r in got} == {"sanctions"}


# ---------------------------------------------------------------------- switches
SWITCH_EFFECT = {
    # what a switched-off mechanism's absence must show, over the joint scenario's rows
    "preferences": lambda on, off: on != off,
    "perception": lambda on, off: on != off,
    "eu_routes": lambda on, off: (
        all(r[f"{t}.eu_route"] == "" for r in off for t in HARD)
        and any(r["russia_dual_use.eu_route"] for r in on)
    ),
    "bargaining": lambda on, off: (
        all("ttc" not in r[f"{t}.channels"] for r in off for t in HARD)
        and any("ttc" in r["russia_dual_use.channels"] for r in on)
    ),
    "channel_choice": lambda on, off: (
        all("unilateral" not in r[f"{t}.channels"] for r in off for t in HARD)
        and any("unilateral" in r["china_sme.channels"] for r in on)
    ),
    "supplier_assurance": lambda on, off: (
        # national lists after a regime veto are the cascade's (emerging tech, Russia)
        all(r[f"{t}.national_months"] == "" for r in off for t in ("china_ai_chips", "china_sme"))
        and any(r["china_sme.national_months"] for r in on)
    ),
    "countermeasures": lambda on, off: (
        all(r[f"{t}.countermeasure_months"] == "" for r in off for t in HARD)
        and any(r["china_sme.countermeasure_months"] for r in on)
    ),
    "agenda": lambda on, off: on != off,
    "ratchet": lambda on, off: (
        all(r[f"{t}.us_update_months"] == "" and r[f"{t}.n_us_rules"] <= 1 for r in off for t in HARD)
        and any(r["china_sme.us_update_months"] for r in on)
    ),
    "regime_cascade": lambda on, off: (
        all(r["emerging_tech.national_months"] == "" for r in off)
        and any("ES" in r["emerging_tech.national_adopters"] for r in on)
    ),
}


def test_every_switch_is_declared():
    assert set(SWITCH_EFFECT) == set(MECHANISMS)


@pytest.mark.parametrize("name", MECHANISMS)
def test_a_switched_off_mechanism_behaves_as_its_absence(joint, name):
    on = rows(joint)
    off = rows(joint.with_overrides([f"mechanisms.{name}=false"]))
    assert SWITCH_EFFECT[name](on, off)


# ---------------------------------------------------------------------- constants
SETTING = {  # constants that bind only where their institution is used
    # the Council votes only while the talks run: the US stays in them (no channel choice)
    **{
        name: (
            ROOT / "scenarios" / "china_2022.toml",
            [
                'tracks.china_sme.routes=["autonomous"]',
                "mechanisms.channel_choice=false",
                "ttc.tolerance=0.4",
            ],
        )
        for name in ("qmv_states", "qmv_population", "bilateral_share")
    },
}


@pytest.mark.parametrize("name", [n for n in CONSTANTS if n != "blocking_min_states"])
def test_every_constant_is_live(name):
    path, overrides = SETTING.get(name, (JOINT, []))
    sc = sim.load_scenario(path, overrides)
    c = CONSTANTS[name]
    n = 20 if name in SETTING else 8
    low = rows(sc.with_overrides([f"constants.{name}={c.low}"]), n)
    high = rows(sc.with_overrides([f"constants.{name}={c.high}"]), n)
    assert low != high


def test_the_blocking_minority_constant_is_live():
    """Fifteen small states say yes and four large ones no: the population test fails, so the
    measure passes only if four states are too few for a blocking minority."""
    population = np.array([1.0] * 15 + [100.0] * 4)
    yes = np.array([True] * 15 + [False] * 4)
    assert qmv_passes(yes, population, QMV(blocking_min_states=5))
    assert not qmv_passes(yes, population, QMV(blocking_min_states=4))


# ---------------------------------------------------------------------- routes
@pytest.mark.parametrize("route", ["sanctions", "annex", "autonomous", "national", "art10"])
def test_a_track_limited_to_one_route_uses_only_it(route):
    sc = sim.load_scenario(
        ROOT / "scenarios" / "russia_2022.toml", [f'tracks.russia_dual_use.routes=["{route}"]']
    )
    got = rows(sc, 10)
    eu = {r["russia_dual_use.eu_route"] for r in got}
    assert eu <= {route, ""}
    if route == "annex":
        assert eu == {""}  # Russia takes part in the regime and vetoes its own track
    if route == "sanctions":
        assert eu == {"sanctions"}
    members = [c for r in got for c in r["russia_dual_use.national_adopters"].split() if c != "JP"]
    if route not in ("national", "art10"):
        assert members == []


# ---------------------------------------------------------------------- paths
def test_paths_and_precedence(joint):
    v = joint.sample(np.random.SeedSequence(0))
    assert v["tracks.china_sme.us.reach"] == 0.6 and v["tracks.emerging_tech.us.reach"] == 0.3
    # a general override beats a track value from the file, in every track
    g = joint.with_overrides(["us.reach=0.1"]).sample(np.random.SeedSequence(0))
    assert all(g[f"tracks.{t}.us.reach"] == 0.1 for t in HARD)
    # a track override changes that track only; the later override wins
    t = joint.with_overrides(["us.reach=0.1", "tracks.china_sme.us.reach=0.9"]).sample(
        np.random.SeedSequence(0)
    )
    assert t["tracks.china_sme.us.reach"] == 0.9 and t["tracks.russia_dual_use.us.reach"] == 0.1
    w = joint.with_overrides(
        [
            "tracks.*.members.*.threat=0.7",
            "tracks.china_sme.members.*.lag=2",
            "members.*.exposure=0.01",
            "allies.JP.lag=3",
            "targets.CN.retaliation=0.1",
            "mechanisms.agenda=false",
            "constants.w_fear=1",
            "target.availability=0.5",
        ]
    )
    s = w.sample(np.random.SeedSequence(0))
    assert s["tracks.emerging_tech.members.DE.threat"] == 0.7 and s["tracks.china_sme.members.NL.lag"] == 2
    assert s["tracks.russia_dual_use.members.NL.lag"] != 2
    assert s["tracks.china_sme.members.NL.exposure"] == 0.01  # general beats the track CSV
    assert s["tracks.china_sme.allies.JP.lag"] == 3 and s["targets.CN.retaliation"] == 0.1
    assert s["mechanisms.agenda"] is False and s["constants.w_fear"] == 1.0
    assert all(s[f"tracks.{t}.target.availability"] == 0.5 for t in HARD)
    routes = joint.with_overrides(['tracks.china_sme.routes=["autonomous", "annex"]'])
    assert next(t for t in routes.tracks if t.id == "china_sme").routes == ("annex", "autonomous")


def test_names_never_decide(joint, tmp_path):
    """A track renamed (to an id in the same sorted place), with its sampled inputs fixed (a
    draw is keyed by its path), keeps its outcomes: no code branches on a track's name."""
    text = JOINT.read_text().replace("[tracks.china_ai_chips", "[tracks.china_ab_chips")
    p = tmp_path / "renamed.toml"
    p.write_text(text.replace('"preferences/', f'"{ROOT}/sim/data/preferences/'))

    def fixed(track):
        keys = ("us.threat=0.9", "us.patience=12", "us.lag=1", "target.availability=0.2")
        return [f"tracks.{track}.{k}" for k in keys]

    a = sim.run(joint.with_overrides(fixed("china_ai_chips")), 3)
    b = sim.run(sim.load_scenario(p, fixed("china_ab_chips")), 3)
    for f in TRACK_FIELDS:
        assert a[f"china_ai_chips.{f}"] == b[f"china_ab_chips.{f}"], f


SWAPS = (("russia_dual_use", "china_sme"), ("china_ai_chips", "emerging_tech"))


@pytest.mark.parametrize("first,second", SWAPS)
def test_a_track_built_with_another_tracks_parameters_follows_the_parameters(tmp_path, first, second):
    """The swap test: the joint scenario with two tracks' ids exchanged (every ``tracks.<id>``
    section and shock path; each section keeps its own preferences file, basket, routes and
    target). Each track's outcome distribution follows its parameters, not its name: the
    track now called ``second`` ends as ``first`` did, and the other way round."""
    swapped = re.sub(
        rf"tracks\.({first}|{second})\b",
        lambda m: f"tracks.{second if m.group(1) == first else first}",
        JOINT.read_text(),
    )
    p = tmp_path / "swapped.toml"
    p.write_text(swapped.replace('"preferences/', f'"{ROOT}/sim/data/preferences/'))
    before = simulate([JOINT], 200, seed=5, workers=2)
    after = simulate([p], 200, seed=5, workers=2)
    for old, new in ((first, second), (second, first)):
        shares = before[f"{old}.outcome_class"].value_counts(normalize=True)
        moved = after[f"{new}.outcome_class"].value_counts(normalize=True)
        for cls in set(shares.index) | set(moved.index):
            assert abs(shares.get(cls, 0.0) - moved.get(cls, 0.0)) < 0.1, (old, new, cls, shares, moved)
    # and the names did change places: the distributions differ where the parameters do
    assert (
        (before[f"{first}.outcome_class"].value_counts(normalize=True).index[0])
        != (after[f"{first}.outcome_class"].value_counts(normalize=True).index[0])
    )
