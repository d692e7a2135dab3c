"""`ttcsim plot` never draws a silently wrong figure: sweeps are split or refused, a figure
that needs trajectories refuses without them, and unknown fields and member codes are
messages (exit 2) with a "did you mean"."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import CHINA, RUSSIA

from sim.batch import run_batch
from sim.cli import main
from sim.plots import label_sweep_points


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """A plain batch with trajectories and a two-by-two sweep, both small."""
    folder = tmp_path_factory.mktemp("plots")
    plain = folder / "plain.parquet"
    run_batch([RUSSIA, CHINA], 12, 0, plain, workers=1, trajectories=True)
    sweep = folder / "sweep.parquet"
    run_batch(
        [CHINA], 12, 0, sweep, sweeps=["us.patience=6,30", "members.NL.exposure=0,0.4"], workers=1, trajectories=True
    )
    bare = folder / "bare.parquet"
    run_batch([CHINA], 12, 0, bare, workers=1)
    return folder


def plot(capsys, *args: str) -> tuple[int, str]:
    code = main(["plot", *args])
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    "args, problem",
    [
        (["plain.parquet", "--kind", "timing", "--field", "month_unilaterl"], "did you mean 'month_unilateral'?"),
        (["plain.parquet", "--kind", "timing", "--field", "lag:nl"], "unknown member code 'nl' (did you mean 'NL'?)"),
        (["plain.parquet", "--kind", "timing", "--field", "lga:NL"], "unknown derived field 'lga'"),
        (["bare.parquet", "--kind", "dual_track"], "no trajectories for --kind dual_track"),
        (["sweep.parquet", "--kind", "classes"], "4 sweep points"),
        (["sweep.parquet", "--kind", "timing"], "pass --by sweep"),
        (
            ["plain.parquet", "--kind", "heatmap", "--x", "sweep.us.patience", "--y", "sweep.members.NL.exposure"],
            "2 scenarios",
        ),
    ],
)
def test_wrong_figures_are_refused_with_a_message(results, capsys, args, problem):
    src, *rest = args
    code, err = plot(capsys, str(results / src), *rest, "--out", str(results / "x.png"))
    assert code == 2, err
    assert problem in err and "Traceback" not in err
    assert err.count("\n") == 1


def test_by_sweep_draws_one_series_per_point(results, capsys):
    df = pd.read_parquet(results / "sweep.parquet")
    traj = pd.read_parquet(results / "sweep.trajectories.parquet")
    labelled, labelled_traj = label_sweep_points(df, traj)
    assert labelled["scenario"].nunique() == 4
    assert "china_2022 [us.patience=30, members.NL.exposure=0.4]" in set(labelled["scenario"])
    assert labelled_traj is not None and set(labelled_traj["scenario"]) == set(labelled["scenario"])
    # every run's trajectory carries its own point's label
    first = labelled.iloc[-1]
    rows = labelled_traj[(labelled_traj["point"] == first["point"]) & (labelled_traj["run"] == first["run"])]
    assert set(rows["scenario"]) == {first["scenario"]}
    for kind in ("classes", "timing", "dual_track"):
        png = results / f"sweep_{kind}.png"
        code, err = plot(capsys, str(results / "sweep.parquet"), "--kind", kind, "--by", "sweep", "--out", str(png))
        assert code == 0, err
        assert png.stat().st_size > 10_000
