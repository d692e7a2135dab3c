"""`ttcsim params`: every parameter path from the one schema, with default, range, unit and
meaning, filtered by a substring or a glob."""

from __future__ import annotations

import json

import pytest

from sim.cli import main
from sim.scenario import DATA_DIR
from sim.scenario import schema as params


def params_json(capsys, *args: str) -> list[dict]:
    assert main(["params", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_every_schema_path_is_listed_with_range_unit_and_meaning(capsys):
    listed = {row["path"]: row for row in params_json(capsys)}
    expected = set(params.defaults()) | {f"members.<ISO2>.{k}" for k in params.MEMBER_KEYS}
    assert expected <= set(listed)
    for path in expected:
        row = listed[path]
        assert row["meaning"] and row["range"], row
    assert listed["us.patience"] == {
        "path": "us.patience",
        "default": 12.0,
        "range": "0..600",
        "unit": "months",
        "meaning": "the US's cost of delay: a control a month later is worth exp(-1/patience) of one now",
    }
    assert listed["eu.rule"]["range"] == "unanimity | qmv"


@pytest.mark.parametrize(
    "pattern, paths",
    [
        (
            "us.*",
            {
                f"us.{k}"
                for k in (
                    "threat",
                    "exposure",
                    "patience",
                    "pressure",
                    "reach",
                    "exemption",
                    "concession",
                    "reservation",
                    "lag",
                )
            },
        ),
        ("members.NL.lag", {"members.<ISO2>.lag"}),
        (
            "*lag",
            {
                "us.lag",
                "eu.lag",
                "eu.sanctions_lag",
                "eu.autonomous_lag",
                "members.<ISO2>.lag",
                "allies.<ISO2>.lag",
                "tracks.<id>.us.lag",
                "tracks.<id>.members.<ISO2>.lag",
                "tracks.<id>.allies.<ISO2>.lag",
                "constants.publication_lag",
            },
        ),
        (
            "retaliation",
            {
                "target.retaliation",
                "members.<ISO2>.retaliation_fear",
                "allies.<ISO2>.retaliation_fear",
                "targets.<ISO2>.retaliation",
                "tracks.<id>.members.<ISO2>.retaliation_fear",
                "tracks.<id>.allies.<ISO2>.retaliation_fear",
                "constants.retaliation_impact",
            },
        ),
        ("tracks.china_sme.us.reach", {"tracks.<id>.us.reach"}),
        ("tracks.*.members.*.threat", {"tracks.<id>.members.<ISO2>.threat"}),
        ("allies.JP.exposure", {"allies.<ISO2>.exposure"}),
        ("mechanisms.rat", {"mechanisms.ratchet"}),
    ],
)
def test_patterns_select_paths(capsys, pattern, paths):
    assert {row["path"] for row in params_json(capsys, pattern)} == paths


def test_switches_constants_and_track_paths_are_listed_from_the_schema(capsys):
    from sim.scenario.constants import CONSTANTS

    listed = {row["path"]: row for row in params_json(capsys)}
    for name in params.MECHANISMS:
        assert listed[f"mechanisms.{name}"]["range"] == "true | false"
        assert listed[f"mechanisms.{name}"]["default"] is True
    for name, c in CONSTANTS.items():
        row = listed[f"constants.{name}"]
        assert (row["default"], row["range"]) == (c.default, f"{c.low:g}..{c.high:g}")
        # a constant shapes a switchable mechanism, or the Council's voting rules (no switch)
        assert c.mechanism in (*params.MECHANISMS, "institutions") and c.mechanism in row["meaning"]
    assert {c.mechanism for c in CONSTANTS.values()} - set(params.MECHANISMS) <= {"institutions"}
    assert {f"tracks.<id>.us.{k}" for k in params.TRACK_US_KEYS} <= set(listed)
    assert "tracks.<id>.us.pressure" not in listed  # the leverage is shared across tracks
    for path in (
        "tracks.<id>.routes",
        "tracks.<id>.target.availability",
        "tracks.<id>.allies.<ISO2>.exposure",
    ):
        assert listed[path]["meaning"], path


def test_the_table_and_a_mistyped_pattern(capsys):
    assert main(["params", "patience"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["path", "default", "range", "unit", "meaning"]
    assert "us.patience" in out and "cost of delay" in out
    assert main(["params", "patiense"]) == 2
    assert "did you mean 'us.patience'?" in capsys.readouterr().err


SET_VALUES = {
    "scenario.name": "mine",
    "scenario.description": "a test",
    "scenario.start": "2021-06",
    "scenario.months": "12",
    "scenario.extends": "russia_2022.toml",
    "members.preferences": "members.csv",
    "members.basket": "etch",
}
"""A valid value for each scenario-file key (``members.csv``: the members' rows of a track's
preference table, written to the current folder, as the general table holds members only)."""


@pytest.mark.parametrize("info", params.FILE_KEYS, ids=lambda info: info.path)
def test_the_listing_says_which_file_keys_set_refuses(capsys, tmp_path, monkeypatch, info):
    """``ttcsim params`` promises ``--set`` only for the keys ``--set`` accepts."""
    from conftest import CHINA

    rows = (DATA_DIR / "preferences" / "russia_dual_use.csv").read_text().splitlines()
    (tmp_path / "members.csv").write_text("\n".join(r for r in rows if not r.startswith("JP,")) + "\n")
    monkeypatch.chdir(tmp_path)
    code = main(["validate", str(CHINA), "--set", f"{info.path}={SET_VALUES[info.path]}"])
    err = capsys.readouterr().err
    file_only = "not as an override" in info.meaning
    assert code == (2 if file_only else 0), (info.meaning, err)
