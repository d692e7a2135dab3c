"""`ttcsim null` runs the static null model on any scenario: a table of one run with calendar
months, a summary of several, the rows as JSON or to a file; bad input is one line, exit 2."""

from __future__ import annotations

import json
import re

import pytest
from conftest import RUSSIA, TTC

from sim import load_scenario
from sim.cli import main
from sim.model.null_model import NULL_FIELDS, null_row, null_rows
from sim.runner import read_results

T = "russia_dual_use"
FIXED = [
    f"tracks.{T}.members.*.exposure=0",
    f"tracks.{T}.members.*.retaliation_fear=0",
    f"tracks.{T}.members.*.threat=0.5",
    f"tracks.{T}.members.*.lag=4",
    f"tracks.{T}.members.HU.threat=0",
    f"tracks.{T}.allies.*.threat=0",
    f"tracks.{T}.us.threat=0.6",
    f"tracks.{T}.us.lag=1",
    "eu.sanctions_lag=0",
]
"""Russia's track with known months (as in tests/test_null_model.py): the US rule at month 1
(2021-12), every member but Hungary listing at month 4 (2022-03), the EU-level measure by
sanctions once the invasion (month 3, 2022-02) lifts Hungary, so coordinated then."""


def null(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["null", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def sets(overrides: list[str]) -> list[str]:
    return [w for o in overrides for w in ("--set", o)]


def test_one_run_prints_a_line_per_track_with_calendar_months(capsys):
    code, out, err = null(capsys, str(RUSSIA), *sets(FIXED))
    assert code == 0, err
    lines = out.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("track "))
    assert lines[head].split() == [
        "track",
        "channel",
        "US",
        "rule",
        "EU-level",
        "measure",
        "coordinated",
        "national",
        "adopters",
    ]
    assert lines[head + 1].split() == [T, "ttc", "2021-12", "sanctions", "2022-02", "2022-02", "27"]
    national = next(line for line in lines[head + 2 :] if line.strip().startswith(f"{T}  "))
    assert national.split()[1:3] == ["2022-03", "AT"]  # month 0 + lag 4
    assert national.split("; ")[1] == "2022-06 HU"  # lifted at the invasion, month 3 + lag 4
    assert "1 run, seed 1; 2021-11 + 24 months" in lines[1]


def test_the_table_shows_every_hard_track_of_the_joint_scenario(capsys):
    code, out, err = null(capsys, str(TTC), "--seed", "3")
    assert code == 0, err
    row = null_row(load_scenario(TTC), 3)
    tracks = [t.id for t in load_scenario(TTC).tracks if t.kind == "hard"]
    for track in tracks:
        line = next(line for line in out.splitlines() if line.startswith(track + " "))
        assert line.split()[1] == row[f"{track}.channel"]
    assert "soft_ai" not in out


def test_json_prints_the_null_rows_one_object_per_line(capsys):
    code, out, err = null(capsys, str(TTC), "--runs", "3", "--seed", "5", "--json")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    sc = load_scenario(TTC)
    hard = [t.id for t in sc.tracks if t.kind == "hard"]
    assert [r["seed"] for r in rows] == [5, 6, 7] and [r["run"] for r in rows] == [0, 1, 2]
    assert set(rows[0]) == {"scenario", "run", "seed"} | {f"{t}.{f}" for t in hard for f in NULL_FIELDS}
    assert rows == null_rows(sc, 3, 5)


def test_several_runs_print_shares_and_median_months_per_track(capsys):
    overrides = [*FIXED, f"tracks.{T}.us.lag={{dist='uniform', low=0, high=4}}"]
    code, out, err = null(capsys, str(RUSSIA), "--runs", "20", *sets(overrides))
    assert code == 0, err
    fields = dict(line.split(None, 1) for line in out.splitlines() if line.startswith("  "))
    assert fields["coordinated"] == "1.00" and fields["channel"] == "ttc 1.00"
    assert fields["eu_route"] == "sanctions 1.00"
    assert fields["month_eu"].startswith("in 1.00 of runs; median 2022-02")
    us = re.fullmatch(r"in 1\.00 of runs; median (\S+) \(5-95 %: (\S+)\.\.(\S+)\)", fields["us_rule_months"])
    assert us, fields["us_rule_months"]
    assert "2021-11" <= us[2] <= us[1] <= us[3] <= "2022-03"  # lag 0 to 4 from 2021-11
    assert fields["national_months"].startswith("AT 1.00 (median 2022-03)")
    assert "seeds 1..20" in out


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_out_writes_the_rows_and_never_overwrites_without_force(tmp_path, capsys, suffix):
    out = tmp_path / f"null{suffix}"
    code, printed, err = null(capsys, str(TTC), "--runs", "4", "--out", str(out))
    assert code == 0, err
    assert printed == f"wrote {out}: 4 runs of the static null model, seeds 1..4\n"
    written = read_results([out])
    written = written.astype(object).where(written.notna(), None).to_dict("records")
    assert written == null_rows(load_scenario(TTC), 4, 1)
    before = out.read_bytes()
    code, _, err = null(capsys, str(TTC), "--runs", "2", "--out", str(out))
    assert (
        code == 2
        and err
        == f"ttcsim: error: {out}: already exists; pass --force to replace it (nothing was run or overwritten)\n"
    )
    assert out.read_bytes() == before
    code, _, err = null(capsys, str(TTC), "--runs", "2", "--out", str(out), "--force")
    assert code == 0, err
    assert len(read_results([out])) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]  # no lock or temporary file left


@pytest.mark.parametrize(
    "args, message",
    [
        (["--set", "us.patiense=3"], "--set: us.patiense: unknown key (did you mean 'us.patience'?)"),
        (
            ["--set", "tracks.china_sme.us.reach=0.5"],
            "--set: tracks.china_sme.us.reach: unknown track 'china_sme'",
        ),
        (["--runs", "0"], "--runs: 0: must be a whole number of at least 1"),
        (["--seed", "-1"], "--seed: -1: must be a whole number >= 0"),
        (["--out", "rows.txt"], "--out: rows.txt: must end in .parquet or .csv"),
    ],
)
def test_bad_flags_are_one_line_with_exit_2(capsys, args, message):
    code, out, err = null(capsys, str(RUSSIA), *args)
    assert code == 2
    assert err.startswith(f"ttcsim: error: {message}") and err.count("\n") == 1, err
    assert out == ""


@pytest.mark.parametrize(
    "text, message",
    [
        ("x = ", "malformed TOML"),
        ('[scenario]\nname = "x"\nstart = "2021-06"\nmonths = 12\n[us]\nthreat = 2\n', "us.threat"),
    ],
)
def test_a_bad_scenario_file_is_one_line_with_exit_2(tmp_path, capsys, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    code, out, err = null(capsys, str(path))
    assert code == 2 and out == ""
    assert err.startswith(f"ttcsim: error: {path}: ") and message in err and err.count("\n") == 1, err
    code, _, err = null(capsys, str(tmp_path / "missing.toml"))
    assert code == 2 and err == f"ttcsim: error: {tmp_path / 'missing.toml'}: file not found\n"


def test_a_scenario_without_a_hard_track_says_so(tmp_path, capsys):
    path = tmp_path / "soft.toml"
    path.write_text(
        '[scenario]\nname = "soft_only"\nstart = "2021-06"\nmonths = 12\n'
        '[tracks.soft_ai]\nkind = "soft"\nproductivity = 0.2\n'
    )
    for runs in ("1", "3"):
        code, out, err = null(capsys, str(path), "--runs", runs)
        assert code == 0, err
        assert out.splitlines()[-1] == "no hard track: the null model predicts nothing here"
