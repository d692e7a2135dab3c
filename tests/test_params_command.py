"""`ttcsim params`: every parameter path from the one schema, with default, range, unit and
meaning, filtered by a substring or a glob."""

from __future__ import annotations

import json

import pytest

from sim.cli import main
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
        "meaning": "months of talks before the US weighs acting alone",
    }
    assert listed["eu.rule"]["range"] == "unanimity | qmv"


@pytest.mark.parametrize(
    "pattern, paths",
    [
        ("us.*", {f"us.{k}" for k in ("threat", "exposure", "patience", "pressure", "reach", "exemption", "concession", "reservation", "lag")}),
        ("members.NL.lag", {"members.<ISO2>.lag"}),
        ("*lag", {"us.lag", "eu.lag", "members.<ISO2>.lag"}),
        ("retaliation", {"target.retaliation", "members.<ISO2>.retaliation_fear"}),
    ],
)
def test_patterns_select_paths(capsys, pattern, paths):
    assert {row["path"] for row in params_json(capsys, pattern)} == paths


def test_the_table_and_a_mistyped_pattern(capsys):
    assert main(["params", "patience"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["path", "default", "range", "unit", "meaning"]
    assert "us.patience" in out and "months of talks" in out
    assert main(["params", "patiense"]) == 2
    assert "did you mean 'us.patience'?" in capsys.readouterr().err


SET_VALUES = {
    "scenario.name": "mine",
    "scenario.description": "a test",
    "scenario.start": "2021-06",
    "scenario.months": "12",
    "scenario.extends": "russia_2022.toml",
    "members.preferences": "preferences/russia_dual_use.csv",
    "members.basket": "sme",
}
"""A valid value for each scenario-file key."""


@pytest.mark.parametrize("info", params.FILE_KEYS, ids=lambda info: info.path)
def test_the_listing_says_which_file_keys_set_refuses(capsys, info):
    """``ttcsim params`` promises ``--set`` only for the keys ``--set`` accepts."""
    from conftest import CHINA

    code = main(["validate", str(CHINA), "--set", f"{info.path}={SET_VALUES[info.path]}"])
    err = capsys.readouterr().err
    file_only = "not as an override" in info.meaning
    assert code == (2 if file_only else 0), (info.meaning, err)
