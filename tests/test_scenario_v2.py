"""Scenarios with several tracks: the sections, every path family, the precedence between
general and per-track values, version-1 paths, export and the messages for bad input."""

from __future__ import annotations

import numpy as np
import pytest

from sim.cli import main
from sim.scenario import DATA_DIR, ScenarioError, load_scenario, to_toml
from sim.scenario.constants import CONSTANTS
from sim.scenario.schema import MECHANISMS, ROUTES, TRACK_US_KEYS
from sim.scenario.tracks import TrackSpec

TWO_TRACKS = """
[scenario]
start = "2021-06"
months = 48

[us]
reach = 0.5
threat = {dist = "uniform", low = 0.6, high = 0.8}

[target]
availability = 0.25

[allies.JP]
threat = 0.6

[targets.CN]
retaliation = 0.6

[targets.RU]

[tracks.china_sme]
basket = "all"
routes = ["national", "annex", "art10"]

[tracks.china_sme.target]
iso = "CN"
availability = 0.3

[tracks.china_sme.us]
reach = 0.7

[tracks.china_sme.members.NL]
exposure = 0.2

[tracks.china_sme.allies.JP]
exposure = 0.3

[tracks.russia_dual_use]
target = "RU"
basket = "semiconductors"
routes = ["sanctions", "annex", "national", "art10"]

[tracks.soft_ai]
kind = "soft"
productivity = 0.6
"""


def write(tmp_path, text: str, name: str = "s.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def two_tracks(tmp_path):
    return write(tmp_path, TWO_TRACKS)


def sample(sc, seed: int = 1) -> dict:
    return sc.sample(np.random.SeedSequence(seed))


def error(path, overrides=()) -> ScenarioError:
    with pytest.raises(ScenarioError) as e:
        load_scenario(path, overrides)
    return e.value


# ------------------------------------------------------------------ what the engine reads


def test_tracks_allies_and_targets_are_declared_by_their_sections(two_tracks):
    sc = load_scenario(two_tracks)
    assert sc.tracks == (
        TrackSpec("china_sme", "hard", "CN", "all", ("annex", "national", "art10")),
        TrackSpec(
            "russia_dual_use", "hard", "RU", "semiconductors", ("sanctions", "annex", "national", "art10")
        ),
        TrackSpec("soft_ai", "soft", None, "", ()),
    )
    assert (sc.allies, sc.targets) == (("JP",), ("CN", "RU"))


def test_sample_resolves_every_track_path_track_else_general_else_default(two_tracks):
    s = sample(load_scenario(two_tracks))
    for track in ("china_sme", "russia_dual_use"):
        for key in TRACK_US_KEYS:
            assert f"tracks.{track}.us.{key}" in s
        assert f"tracks.{track}.members.AT.lag" in s and f"tracks.{track}.allies.JP.lag" in s
    assert "tracks.soft_ai.us.reach" not in s and s["tracks.soft_ai.productivity"] == 0.6
    assert (s["tracks.china_sme.us.reach"], s["tracks.russia_dual_use.us.reach"]) == (
        0.7,
        0.5,
    )  # track, general
    assert s["tracks.china_sme.us.lag"] == s["us.lag"] == 0.0  # the schema default
    assert (
        s["tracks.china_sme.us.threat"] == s["tracks.russia_dual_use.us.threat"] == s["us.threat"]
    )  # one draw
    assert (s["tracks.china_sme.members.NL.exposure"], s["tracks.russia_dual_use.members.NL.exposure"]) == (
        0.2,
        0.05,
    )
    assert (s["tracks.china_sme.allies.JP.exposure"], s["tracks.russia_dual_use.allies.JP.threat"]) == (
        0.3,
        0.6,
    )
    assert (s["tracks.china_sme.target.availability"], s["tracks.russia_dual_use.target.availability"]) == (
        0.3,
        0.25,
    )
    assert (s["targets.CN.retaliation"], s["targets.RU.retaliation"]) == (0.6, 0.3)
    assert all(s[f"mechanisms.{m}"] is True for m in MECHANISMS)
    assert all(s[f"constants.{c}"] == CONSTANTS[c].default for c in CONSTANTS)


def test_every_path_family_and_the_precedence_of_overrides(two_tracks):
    """In the file china_sme's us.reach (0.7) beats the general 0.5; overrides apply in order."""
    sc = load_scenario(
        two_tracks,
        [
            "us.reach=0.2",  # a general override replaces the file's track value too
            "tracks.russia_dual_use.us.reach=0.9",  # a later track override beats it, there only
            "tracks.china_sme.us.lag=3",  # a track key
            "members.*.threat=0.4",  # general wildcard
            "tracks.*.members.*.threat=0.5",  # every hard track, every member
            "tracks.china_sme.members.*.lag=2",  # one track, every member
            "tracks.*.us.exemption=0.1",
            "tracks.*.target.availability=0.35",
            "tracks.*.allies.*.us_dependence=0.8",
            "allies.JP.lag=4",  # an ally key
            "targets.CN.retaliation=0.7",  # a target key
            'tracks.china_sme.routes=["annex","autonomous"]',  # a route list
            "mechanisms.ratchet=false",  # a switch
            "constants.w_fear=1.25",  # a constant
            "tracks.soft_ai.productivity=0",
        ],
    )
    s = sample(sc)
    assert (s["tracks.china_sme.us.reach"], s["tracks.russia_dual_use.us.reach"], s["us.reach"]) == (
        0.2,
        0.9,
        0.2,
    )
    assert (s["tracks.china_sme.us.lag"], s["tracks.russia_dual_use.us.lag"]) == (3.0, 0.0)
    assert s["members.DE.threat"] == 0.4
    assert s["tracks.china_sme.members.DE.threat"] == s["tracks.russia_dual_use.members.NL.threat"] == 0.5
    assert (s["tracks.china_sme.members.FR.lag"], s["tracks.russia_dual_use.members.FR.lag"]) == (2.0, 6.0)
    assert s["tracks.china_sme.us.exemption"] == s["tracks.russia_dual_use.us.exemption"] == 0.1
    assert (
        s["tracks.china_sme.target.availability"] == s["tracks.russia_dual_use.target.availability"] == 0.35
    )
    assert s["tracks.russia_dual_use.allies.JP.us_dependence"] == 0.8 and s["allies.JP.us_dependence"] == 0.5
    assert s["allies.JP.lag"] == s["tracks.china_sme.allies.JP.lag"] == 4.0
    assert (s["targets.CN.retaliation"], s["targets.RU.retaliation"]) == (0.7, 0.3)
    assert sc.tracks[0].routes == ("annex", "autonomous")
    assert s["mechanisms.ratchet"] is False and s["mechanisms.agenda"] is True
    assert s["constants.w_fear"] == 1.25
    assert s["tracks.soft_ai.productivity"] == 0.0


def test_a_general_override_given_later_beats_a_track_override(two_tracks):
    sc = load_scenario(two_tracks, ["tracks.china_sme.members.NL.exposure=0.9", "members.NL.exposure=0.1"])
    s = sample(sc)
    assert s["tracks.china_sme.members.NL.exposure"] == s["members.NL.exposure"] == 0.1
    s = sample(load_scenario(two_tracks, ["members.*.exposure=0.15"]))
    assert s["tracks.china_sme.members.NL.exposure"] == 0.15  # the file's track value is replaced
    s = sample(load_scenario(two_tracks, ["allies.JP.exposure=0.05"]))
    assert s["tracks.china_sme.allies.JP.exposure"] == 0.05
    # a general preference table holds members only (an ally's row belongs to a track's table)
    members_only = two_tracks.parent / "members.csv"
    rows = (DATA_DIR / "preferences" / "china_sme.csv").read_text().splitlines()
    members_only.write_text("\n".join(r for r in rows if not r.startswith("JP,")) + "\n")
    s = sample(load_scenario(two_tracks, [f"members.preferences={members_only}"]))
    assert s["tracks.china_sme.members.NL.exposure"] == s["members.NL.exposure"] == 0.14


def test_version1_paths_stand_for_every_track_or_target(tmp_path, two_tracks):
    sc = load_scenario(two_tracks, ["target.availability=0.45", "target.retaliation=0.15"])
    s = sample(sc)
    assert (
        s["tracks.china_sme.target.availability"] == s["tracks.russia_dual_use.target.availability"] == 0.45
    )
    assert s["targets.CN.retaliation"] == s["targets.RU.retaliation"] == 0.15
    # every hard track's basket, whatever the track is called
    every = load_scenario(two_tracks, ["members.basket=all"])
    assert [t.basket for t in every.tracks[:2]] == ["all", "all"]
    e = error(two_tracks, ["members.basket=alll"])
    assert e.key == "members.basket" and "did you mean 'all'?" in e.problem
    only = load_scenario(two_tracks, ["tracks.russia_dual_use.basket=dual_use_goods"])
    assert [t.basket for t in only.tracks[:2]] == ["all", "dual_use_goods"]
    one_track = TWO_TRACKS.split("[tracks.russia_dual_use]")[0]
    assert load_scenario(write(tmp_path, one_track), ["members.basket=etch"]).tracks[0].basket == "etch"


def test_version1_paths_without_a_version2_meaning_name_the_new_path(tmp_path):
    soft_only = write(
        tmp_path, '[scenario]\nstart = "2021-06"\nmonths = 12\n[tracks.soft_ai]\nkind = "soft"\n'
    )
    assert "set tracks.<id>.target.availability" in error(soft_only, ["target.availability=0.2"]).problem
    assert "set tracks.<id>.basket" in error(soft_only, ["members.basket=all"]).problem
    assert "targets.<ISO2>.retaliation" in error(soft_only, ["target.retaliation=0.2"]).problem


def test_a_file_without_a_track_is_refused_with_how_to_declare_one(capsys, tmp_path):
    """A version-1 file (no ``[tracks.*]`` section) gives the engine nothing to run."""
    path = write(tmp_path, '[scenario]\nstart = "2021-06"\nmonths = 12\n[us]\nthreat = 0.5\n')
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"ttcsim: error: {path}: tracks: no track declared: declare one as [tracks.<id>]")
    assert err.count("\n") == 1, err


def test_sampled_paths_and_expand_include_track_paths(two_tracks):
    sc = load_scenario(two_tracks, ['tracks.china_sme.us.lag={dist="uniform", low=1, high=3}'])
    assert sc.sampled_paths() == ["tracks.china_sme.us.lag", "us.threat"]
    assert 1 <= sample(sc)["tracks.china_sme.us.lag"] <= 3
    assert sc.expand("tracks.*.us.reach") == ["tracks.china_sme.us.reach", "tracks.russia_dual_use.us.reach"]
    assert len(sc.expand("tracks.*.members.*.threat")) == 2 * 27
    assert len(sc.expand("tracks.china_sme.members.*.threat")) == 27
    assert sc.expand("tracks.*.allies.*.lag") == [
        "tracks.china_sme.allies.JP.lag",
        "tracks.russia_dual_use.allies.JP.lag",
    ]
    assert sc.expand("us.reach") == [
        "us.reach",
        "tracks.china_sme.us.reach",
        "tracks.russia_dual_use.us.reach",
    ]
    assert sc.expand("us.pressure") == ["us.pressure"]  # shared across tracks
    assert sc.expand("target.retaliation") == [
        "target.retaliation",
        "targets.CN.retaliation",
        "targets.RU.retaliation",
    ]
    assert sc.expand("allies.*.threat") == [
        "allies.JP.threat",
        "tracks.china_sme.allies.JP.threat",
        "tracks.russia_dual_use.allies.JP.threat",
    ]


def test_a_shock_may_name_a_track_path_or_a_wildcard(tmp_path, two_tracks):
    text = TWO_TRACKS + '[[shocks]]\nmonth = "2022-02"\npath = "tracks.*.members.*.threat"\ndelta = 0.3\n'
    assert load_scenario(write(tmp_path, text)).shocks[0].path == "tracks.*.members.*.threat"
    bad = TWO_TRACKS + '[[shocks]]\nmonth = "2022-02"\npath = "tracks.china_smee.us.threat"\ndelta = 0.3\n'
    e = error(write(tmp_path, bad))
    assert e.key == "shocks[0].path" and "did you mean 'tracks.china_sme'?" in e.problem


# ------------------------------------------------------------------ files: extends and CSVs


def test_extends_merges_the_files_first_then_a_track_value_beats_the_general(tmp_path, two_tracks):
    child = write(
        tmp_path,
        '[scenario]\nextends = "s.toml"\n[us]\nreach = 0.4\nthreat = 0.9\n'
        "[tracks.russia_dual_use.us]\nthreat = 0.95\n[tracks.china_sme.us]\nreach = 0.8\n",
        "child.toml",
    )
    s = sample(load_scenario(child))
    assert s["tracks.china_sme.us.reach"] == 0.8  # the child's track value beats its base's
    assert s["tracks.russia_dual_use.us.reach"] == 0.4  # the child's general beats the base's
    assert (s["tracks.china_sme.us.threat"], s["tracks.russia_dual_use.us.threat"]) == (0.9, 0.95)
    grandchild = write(tmp_path, '[scenario]\nextends = "child.toml"\n[us]\nreach = 0.1\n', "g.toml")
    assert sample(load_scenario(grandchild))["tracks.china_sme.us.reach"] == 0.8  # files: track beats general


def test_a_track_preferences_table_has_rows_for_members_and_allies(tmp_path):
    from sim.scenario import member_table

    header = "iso,threat,exposure,us_dependence,retaliation_fear,lag,source\n"
    rows = "".join(f"{m},0.4,0.1,0.5,0.2,6,assumption\n" for m in member_table().iso)
    write(tmp_path, header + rows + "JP,0.7,0.2,0.6,0.3,4,assumption\n", "sme.csv")
    text = TWO_TRACKS + '[tracks.china_sme.members]\npreferences = "sme.csv"\n'
    s = sample(load_scenario(write(tmp_path, text)))
    assert s["tracks.china_sme.members.DE.threat"] == 0.4 and s["members.DE.threat"] == 0.3
    assert s["tracks.china_sme.members.NL.exposure"] == 0.2  # [members.NL] beats the CSV
    assert s["tracks.china_sme.allies.JP.exposure"] == 0.3 and s["tracks.china_sme.allies.JP.lag"] == 4.0
    write(tmp_path, header + rows, "sme.csv")
    e = error(tmp_path / "s.toml")
    assert e.key == "iso" and "no row for JP" in e.problem
    write(tmp_path, header + rows + "JP,0.7,0.2,0.6,0.3,4,x\nKR,0.7,0.2,0.6,0.3,4,x\n", "sme.csv")
    assert "unknown member or ally code 'KR'" in error(tmp_path / "s.toml").problem


# ------------------------------------------------------------------ export


def test_a_v2_scenario_exported_loads_back_identically(tmp_path, two_tracks):
    sc = load_scenario(
        two_tracks,
        [
            'tracks.china_sme.us.lag={dist="uniform", low=1, high=3}',
            "mechanisms.agenda=false",
            "constants.intel=0.05",
        ],
    )
    out = write(tmp_path, to_toml(sc), "exported.toml")
    again = load_scenario(out)
    assert (again.values, again.tracks, again.allies, again.targets) == (
        sc.values,
        sc.tracks,
        sc.allies,
        sc.targets,
    )
    assert sample(again, 3) == sample(sc, 3)


# ------------------------------------------------------------------ messages for bad input

BAD = [
    (
        "[tracks.china_sme]\nbaskett = 'all'\n",
        "tracks.china_sme.baskett",
        "unknown key (did you mean 'basket'?)",
    ),
    (
        '[tracks.china_sme]\nroutes = ["anex"]\n',
        "tracks.china_sme.routes[0]",
        "unknown route 'anex' (did you mean 'annex'?)",
    ),
    (
        '[tracks.china_sme]\nroutes = ["annex", "annex"]\n',
        "tracks.china_sme.routes[1]",
        "route 'annex' listed twice",
    ),
    ("[tracks.china_sme]\ntarget = 'JP'\n", "tracks.china_sme.target", "'JP' is not a declared target"),
    ("[tracks.China_SME]\n", "tracks.China_SME", "malformed track id 'China_SME'"),
    ("[tracks.soft_ai.us]\nreach = 0.5\n", "tracks.soft_ai.us.reach", "a soft track has no actor parameters"),
    ("[tracks.soft_ai]\nroutes = []\n", "tracks.soft_ai.routes", "a soft track has no routes"),
    ("[tracks.china_sme]\nproductivity = 0.5\n", "tracks.china_sme.productivity", "a soft track's key"),
    ("[constants]\nw_fear = 9.0\n", "constants.w_fear", "9.0 outside [0, 2]"),
    ("[constants]\nw_feer = 1.0\n", "constants.w_feer", "unknown key (did you mean 'constants.w_fear'?)"),
    ("[mechanisms]\nratchet = 'no'\n", "mechanisms.ratchet", "must be true or false (got 'no')"),
    ("[mechanisms]\nratchett = false\n", "mechanisms.ratchett", "did you mean 'mechanisms.ratchet'?"),
    (
        "[tracks.china_sme.us]\npressure = 0.5\n",
        "tracks.china_sme.us.pressure",
        "shared across tracks: set us.pressure",
    ),
    (
        "[tracks.china_sme.target]\nretaliation = 0.5\n",
        "tracks.china_sme.target.retaliation",
        "set targets.<ISO2>.retaliation",
    ),
    ("[targets.CN]\navailability = 0.5\n", "targets.CN.availability", "set tracks.<id>.target.availability"),
    ("[tracks.china_sme.allies.KR]\nlag = 3\n", "tracks.china_sme.allies.KR.lag", "unknown ally 'KR'"),
    ("[allies.NL]\nlag = 3\n", "allies.NL", "NL is a member state: set members.NL"),
    ("[allies.jp]\n", "allies.jp", "is no ISO2 code"),
    ("[tracks.china_sme]\nbasket = 'al'\n", "tracks.china_sme.basket", "did you mean 'all'?"),
    ("[tracks.china_sme]\nkind = 'medium'\n", "tracks.china_sme.kind", "must be one of hard, soft"),
]


@pytest.mark.parametrize("extra, key, problem", BAD, ids=[b[1] for b in BAD])
def test_bad_v2_input_is_one_message_naming_file_key_and_problem(tmp_path, two_tracks, extra, key, problem):
    path = write(tmp_path, '[scenario]\nextends = "s.toml"\n' + extra, "bad.toml")
    e = error(path)
    assert (e.source, e.key) == (str(path), key) and problem in e.problem, str(e)


BAD_OVERRIDES = [
    ("tracks.china_smee.us.reach=0.5", "unknown track 'china_smee' (did you mean 'tracks.china_sme'?)"),
    ("tracks.china_sme.us.reech=0.5", "did you mean 'tracks.china_sme.us.reach'?"),
    ("tracks.china_sme.kind=soft", "set in the scenario file only"),
    ('tracks.china_sme.routes=["nationl"]', "did you mean 'national'?"),
    ("tracks.china_sme.target=KP", "'KP' is not a declared target"),
    ("mechanisms.ratchet=maybe", "must be true or false"),
    (
        "constants.qmv_states=0.2",
        f"outside [{CONSTANTS['qmv_states'].low:g}, {CONSTANTS['qmv_states'].high:g}]",
    ),
    ("allies.KR.lag=2", "unknown ally 'KR'"),
    ("tracks.soft_ai.us.reach=0.5", "a soft track has no actor parameters"),
]


@pytest.mark.parametrize("text, problem", BAD_OVERRIDES, ids=[b[0] for b in BAD_OVERRIDES])
def test_bad_v2_overrides_are_one_line_on_the_command_line(capsys, two_tracks, text, problem):
    assert main(["validate", str(two_tracks), "--set", text]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ttcsim: error: --set: ") and problem in err and err.count("\n") == 1, err


def test_an_incomplete_hard_track_is_refused(tmp_path):
    head = '[scenario]\nstart = "2021-06"\nmonths = 12\n[targets.CN]\n'
    e = error(write(tmp_path, head + '[tracks.china_sme]\ntarget = "CN"\nbasket = "all"\n'))
    assert e.key == "tracks.china_sme.routes" and "missing" in e.problem
    e = error(write(tmp_path, head + '[tracks.china_sme]\nbasket = "all"\nroutes = []\n'))
    assert e.key == "tracks.china_sme.target" and "missing" in e.problem
    e = error(write(tmp_path, head + '[tracks.china_sme]\ntarget = "CN"\nroutes = []\n'))
    assert e.key == "tracks.china_sme.basket" and "lithography" in e.problem
    general = load_scenario(
        write(tmp_path, head + '[members]\nbasket = "etch"\n[tracks.china_sme]\ntarget = ""\nroutes = []\n')
    )
    assert general.tracks == (TrackSpec("china_sme", "hard", None, "etch", ()),)


def test_a_target_and_a_target_table_in_one_track_is_a_toml_error_not_a_traceback(tmp_path):
    """TOML holds no string and table under one key: the target is then the table's ``iso``."""
    text = TWO_TRACKS.replace(
        '[tracks.china_sme.target]\niso = "CN"', '[tracks.china_sme.target]\niso = "CN"'
    ).replace(
        '[tracks.russia_dual_use]\ntarget = "RU"',
        '[tracks.russia_dual_use]\ntarget = "RU"\n[tracks.russia_dual_use.target]\navailability = 0.2',
    )
    e = error(write(tmp_path, text))
    assert "malformed TOML" in e.problem


def test_routes_are_stored_in_canonical_order(two_tracks):
    sc = load_scenario(
        two_tracks, ['tracks.china_sme.routes=["art10","sanctions","autonomous","national","annex"]']
    )
    assert sc.tracks[0].routes == ROUTES
