"""The batch runner on real engines: local processes, a Dask LocalCluster, kills and resumes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import CHINA, CLI, RUSSIA, TTC, cli

from sim.runner.batch import (
    manifest_path,
    read_results,
    results_hash,
    run_batch,
    run_seed,
    simulate,
    trajectories_path,
)


def table(path: Path) -> pd.DataFrame:
    return pq.read_table(path).to_pandas()


def test_one_and_two_workers_give_identical_tables(tmp_path):
    a = run_batch([RUSSIA, CHINA], 60, 7, tmp_path / "a.parquet", workers=1, chunk_size=25)
    b = run_batch([RUSSIA, CHINA], 60, 7, tmp_path / "b.parquet", workers=2, chunk_size=17)
    ta, tb = table(a.path), table(b.path)
    assert len(ta) == 120 and list(ta["scenario"].unique()) == ["russia_2022", "china_2022"]
    pd.testing.assert_frame_equal(ta, tb)
    # the in-memory API returns the same rows
    pd.testing.assert_frame_equal(simulate([RUSSIA, CHINA], 60, 7), ta)


def test_dask_local_cluster_gives_the_same_table(tmp_path):
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        d = run_batch(
            [RUSSIA, CHINA], 60, 7, tmp_path / "d.parquet", scheduler=cluster.scheduler_address, chunk_size=20
        )
    local = run_batch([RUSSIA, CHINA], 60, 7, tmp_path / "l.parquet", workers=1)
    pd.testing.assert_frame_equal(table(d.path), table(local.path))
    assert d.manifest["executor"].startswith("dask scheduler")


def test_seeds_come_from_batch_seed_and_run_index(tmp_path):
    df = simulate([RUSSIA, CHINA], 5, 3)
    assert df.groupby("run")["seed"].nunique().eq(1).all()  # same run index, same seed
    assert df["seed"].nunique() == 5
    assert list(df.loc[df.scenario == "china_2022", "seed"]) == [run_seed(3, r) for r in range(5)]


def test_resume_after_kill_loses_and_repeats_nothing(tmp_path):
    out = tmp_path / "r.parquet"
    args = [
        "batch",
        str(RUSSIA),
        str(CHINA),
        "--runs",
        "1500",
        "--seed",
        "5",
        "--workers",
        "2",
        "--out",
        str(out),
        "--quiet",
        "--chunk-size",
        "40",
    ]
    proc = subprocess.Popen(
        [*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    partial = tmp_path / "r.parquet.partial"
    deadline = time.time() + 120
    while time.time() < deadline and len(list(partial.glob("part-*.parquet"))) < 5:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(list(partial.glob("part-*.parquet")))
    assert 5 <= done < 75, done  # killed part-way
    assert not out.exists()
    again = cli(*args)
    assert again.returncode == 2 and "--resume" in again.stderr  # refuses to start over silently
    resumed = cli(*args, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    full = run_batch([RUSSIA, CHINA], 1500, 5, tmp_path / "full.parquet", workers=2)
    got = table(out)
    pd.testing.assert_frame_equal(got, table(full.path))
    assert not got.duplicated(["scenario", "point", "run"]).any() and len(got) == 3000
    manifest = json.loads(manifest_path(out).read_text())
    assert manifest["resumed_runs"] >= 5 * 40
    assert not partial.exists()


def test_existing_results_are_never_overwritten_without_force(tmp_path):
    out = tmp_path / "x.parquet"
    out.write_bytes(b"precious")
    r = cli("batch", str(CHINA), "--runs", "3", "--out", str(out))
    assert r.returncode == 2 and "already exists" in r.stderr and "Traceback" not in r.stderr
    assert out.read_bytes() == b"precious"
    r = cli("batch", str(CHINA), "--runs", "3", "--out", str(out), "--force", "--workers", "1")
    assert r.returncode == 0, r.stderr
    assert len(table(out)) == 3


@pytest.mark.parametrize(
    "bad, problem",
    [
        (["--sweep", "us.patience"], "expected PATH=V1,V2"),
        (["--sweep", "us.patience=1:x:3"], "START:STOP:STEPS"),
        (["--sweep", "us.nope=1,2"], "unknown key"),
        (["--sweep", "us.threat=0.5,7"], "outside [0, 1]"),
        (["--set", "members.XX.threat=1"], "unknown member code"),
        (["--set", "us.threat"], "expected PATH=VALUE"),
        (["--runs", "0"], "at least 1"),
    ],
)
def test_bad_batch_arguments_exit_2_with_a_clear_message(tmp_path, bad, problem):
    args = ["batch", str(CHINA), "--out", str(tmp_path / "o.parquet"), "--workers", "1"]
    if "--runs" not in bad:
        args += ["--runs", "2"]
    r = cli(*args, *bad)
    assert r.returncode == 2, r.stderr
    assert problem in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "o.parquet").exists()


def test_sweeps_form_a_grid_and_the_manifest_records_the_batch(tmp_path):
    out = tmp_path / "s.parquet"
    r = cli(
        "batch",
        str(CHINA),
        "--runs",
        "4",
        "--seed",
        "9",
        "--workers",
        "1",
        "--out",
        str(out),
        "--sweep",
        "us.patience=6:30:3",
        "--sweep",
        "eu.rule=unanimity,qmv",
        "--set",
        "us.reach=0.5",
        "--trajectories",
    )
    assert r.returncode == 0, r.stderr
    df = table(out)
    assert len(df) == 3 * 2 * 4
    assert sorted(df["sweep.us.patience"].unique()) == [6.0, 18.0, 30.0]
    assert set(df["sweep.eu.rule"]) == {"unanimity", "qmv"}
    assert df.groupby("point").size().eq(4).all()
    m = json.loads(manifest_path(out).read_text())
    assert m["total_runs"] == 24 and m["batch_seed"] == 9 and m["overrides"] == ["us.reach=0.5"]
    assert m["sweeps"][0] == {"path": "us.patience", "values": [6.0, 18.0, 30.0]}
    assert m["command"][:2] == ["ttcsim", "batch"] and m["wall_seconds"] > 0
    assert {"ttcsim", "mesa", "numpy", "pandas", "pyarrow"} <= set(m["versions"])
    assert len(m["scenarios"][0]["file_sha256"]) == 64 and "git_commit" in m
    traj = table(trajectories_path(out))
    assert len(traj) == 24 * 43 and {"scenario", "point", "run", "month", "china_sme.gap"} <= set(traj)


def test_a_batch_of_scenarios_with_different_tracks_in_csv_and_parquet(tmp_path):
    """The joint scenario and a one-track one in one batch: the union of their tracks'
    columns, null where a scenario lacks the track; track paths and wildcards as param.*
    columns; the CSV reads back in the same types and has the Parquet file's run hash."""
    kw = {
        "overrides": ["tracks.china_sme.members.*.lag=3"],
        "sweeps": ["tracks.*.us.reach=0.2,0.4"],
        "workers": 1,
    }
    csv = run_batch([TTC, CHINA], 2, 1, tmp_path / "u.csv", **kw)
    parquet = run_batch([TTC, CHINA], 2, 1, tmp_path / "p.parquet", **kw)
    assert csv.manifest["run_hash"] == parquet.manifest["run_hash"] == results_hash(tmp_path / "u.csv")
    df = read_results([tmp_path / "u.csv"])
    pd.testing.assert_frame_equal(df, table(tmp_path / "p.parquet"))
    china = df[df.scenario == "china_2022"]
    joint = df[df.scenario == "ttc_2021_2025"]
    assert len(china) == len(joint) == 4
    assert china["russia_dual_use.outcome_class"].isna().all()
    assert china["param.tracks.russia_dual_use.us.reach"].isna().all()
    assert joint["russia_dual_use.outcome_class"].notna().all()
    assert (df["param.tracks.china_sme.members.NL.lag"] == 3).all()
    assert sorted(df["sweep.tracks.*.us.reach"].unique()) == [0.2, 0.4]
    assert (df["param.tracks.china_sme.us.reach"] == df["sweep.tracks.*.us.reach"]).all()


def test_plot_kinds_write_files(tmp_path):
    out = tmp_path / "p.parquet"
    assert (
        cli(
            "batch",
            str(RUSSIA),
            str(CHINA),
            "--runs",
            "30",
            "--workers",
            "1",
            "--out",
            str(out),
            "--trajectories",
        ).returncode
        == 0
    )
    sweep = tmp_path / "sw.parquet"
    assert (
        cli(
            "batch",
            str(CHINA),
            "--runs",
            "5",
            "--workers",
            "1",
            "--out",
            str(sweep),
            "--sweep",
            "us.patience=6,30",
            "--sweep",
            "us.reach=0,0.6",
        ).returncode
        == 0
    )
    for kind, src, extra in [
        ("classes", out, []),
        ("timing", out, []),
        ("fan", out, ["--track", "china_sme"]),
        ("dual_track", out, []),
        (
            "heatmap",
            sweep,
            ["--x", "sweep.us.patience", "--y", "sweep.us.reach", "--outcome", "china_sme.channel == 'unilateral'"],
        ),
    ]:
        png = tmp_path / f"{kind}.png"
        r = cli("plot", str(src), "--kind", kind, "--out", str(png), *extra)
        assert r.returncode == 0, r.stderr
        assert png.stat().st_size > 10_000
    r = cli(
        "plot",
        str(sweep),
        "--kind",
        "heatmap",
        "--x",
        "sweep.nope",
        "--y",
        "sweep.us.reach",
        "--out",
        str(tmp_path / "h.png"),
    )
    assert r.returncode == 2 and "not a column" in r.stderr
