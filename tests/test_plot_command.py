"""`ttcsim plot` never draws a silently wrong figure: sweeps are split or refused, a figure
that needs trajectories refuses without them, and unknown tracks, fields and member codes
are messages (exit 2) with a "did you mean".

The results have one column per ``<track>.<field>`` (the union of the scenarios' tracks)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import CHINA, RUSSIA, TTC

from sim.cli import main
from sim.runner import run_batch
from sim.viz.plots import label_sweep_points


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """A plain batch of both one-track scenarios and a two-by-two sweep with trajectories,
    both small."""
    folder = tmp_path_factory.mktemp("plots")
    plain = folder / "plain.parquet"
    run_batch([RUSSIA, CHINA], 12, 0, plain, workers=1)
    sweep = folder / "sweep.parquet"
    run_batch(
        [CHINA], 12, 0, sweep, sweeps=["us.patience=6,30", "members.NL.exposure=0,0.4"], workers=1, trajectories=True
    )
    bare = folder / "bare.parquet"
    run_batch([CHINA], 12, 0, bare, workers=1)
    run_batch([CHINA], 12, 1, folder / "bare_seed1.parquet", workers=1)  # more replications of bare
    run_batch([RUSSIA], 4, 0, folder / "russia.parquet", workers=1)
    run_batch(
        [CHINA],
        2,
        0,
        folder / "three_sweeps.parquet",
        sweeps=["us.patience=6,30", "members.NL.exposure=0,0.4", "us.reach=0.2,0.8"],
        workers=1,
    )
    pd.DataFrame({"country": ["NL", "DE"], "exports": [1.0, 2.0]}).to_csv(folder / "foreign.csv", index=False)
    return folder


def plot(capsys, *args: str) -> tuple[int, str]:
    code = main(["plot", *args])
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    "args, problem",
    [
        (
            ["plain.parquet", "--kind", "timing", "--track", "china_sme", "--field", "month_coordinatd"],
            "did you mean 'china_sme.month_coordinated'?",
        ),
        (
            ["plain.parquet", "--kind", "timing", "--track", "china_sme", "--field", "lag:nl"],
            "unknown member code 'nl' (did you mean 'NL'?)",
        ),
        (
            ["plain.parquet", "--kind", "timing", "--track", "china_sme", "--field", "lga:NL"],
            "unknown derived field 'china_sme.lga'",
        ),
        (["plain.parquet", "--kind", "classes", "--track", "china_sm"], "did you mean 'china_sme'?"),
        (["bare.parquet", "--kind", "fan"], "no trajectories for --kind fan"),
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


@pytest.mark.parametrize(
    "out, problem",
    [
        ("x.foo", "--out: {folder}/x.foo: unsupported image format 'foo'; use one of "),
        ("x.svgg", "unsupported image format 'svgg' (did you mean 'svg'?)"),
        ("noext", "--out: {folder}/noext: needs a suffix naming the image format; use one of "),
        (".", "is a folder: name an image file"),
    ],
)
def test_an_image_file_the_figure_cannot_be_written_to_is_refused(results, capsys, out, problem):
    """What ``plot`` prints as written is the file it wrote: no traceback for an unknown format,
    no silent ``.png`` added to a name without a suffix or to a folder."""
    before = set(results.iterdir())
    code, err = plot(capsys, str(results / "plain.parquet"), "--kind", "classes", "--out", str(results / out))
    assert code == 2, err
    assert problem.format(folder=results) in err and "Traceback" not in err
    assert err.count("\n") == 1
    assert set(results.iterdir()) == before


def test_the_printed_name_is_the_written_file(results, capsys):
    out = results / "classes.PDF"
    code = main(["plot", str(results / "plain.parquet"), "--kind", "classes", "--out", str(out)])
    assert code == 0
    assert capsys.readouterr().out == f"wrote {out}\n"
    assert out.read_bytes().startswith(b"%PDF")


def test_a_figure_that_cannot_be_written_is_one_line_and_leaves_no_file(results, capsys, monkeypatch):
    """A format matplotlib lists but cannot write here (``.pgf`` needs a TeX installation), or a
    full disk: a message naming --out, and no half-written file left behind."""
    from matplotlib.figure import Figure

    def no_tex(self, fname, **kwargs):
        Path(fname).write_text("%% partial")
        raise RuntimeError("'xelatex' not found; install it")

    monkeypatch.setattr(Figure, "savefig", no_tex)
    out = results / "figure.pgf"
    code, err = plot(capsys, str(results / "plain.parquet"), "--kind", "classes", "--out", str(out))
    assert code == 2
    assert f"--out: {out}: cannot write the figure ('xelatex' not found; install it)" in err, err
    assert err.count("\n") == 1 and not out.exists()


@pytest.mark.parametrize(
    "src, missing",
    [
        ("sweep.trajectories.parquet", "missing column(s) soft_share_by_ministerial, <track>.outcome_class"),
        ("foreign.csv", "missing column(s) scenario, run, soft_share_by_ministerial, <track>.outcome_class"),
    ],
)
@pytest.mark.parametrize("kind", ["classes", "timing", "dual_track"])
def test_a_table_not_made_by_ttcsim_is_refused(results, capsys, src, missing, kind):
    code, err = plot(capsys, str(results / src), "--kind", kind, "--out", str(results / "x.png"))
    assert code == 2, err
    assert f"{results / src}: not a ttcsim results file ({missing}" in err, err
    assert "Traceback" not in err and err.count("\n") == 1


def test_two_files_with_the_same_scenario_name_are_not_pooled(results, capsys):
    plain, bare = results / "plain.parquet", results / "bare.parquet"
    code, err = plot(capsys, str(plain), str(bare), "--kind", "classes", "--out", str(results / "x.png"))
    assert code == 2, err
    assert f"{bare}: china_2022: also in {plain}" in err and "--label" in err, err
    assert err.count("\n") == 1
    # files with scenarios of their own draw together
    out = results / "two_files.png"
    code, err = plot(capsys, str(results / "russia.parquet"), str(bare), "--kind", "classes", "--out", str(out))
    assert code == 0, err
    assert out.stat().st_size > 10_000
    # the same experiment with another batch seed is more replications: they pool
    code, err = plot(capsys, str(bare), str(results / "bare_seed1.parquet"), "--kind", "classes", "--out", str(out))
    assert code == 0, err


def test_a_heat_map_never_averages_over_a_third_sweep(results, capsys):
    axes = ["--track", "china_sme", "--x", "sweep.us.patience", "--y", "sweep.members.NL.exposure"]
    code, err = plot(
        capsys, str(results / "three_sweeps.parquet"), "--kind", "heatmap", *axes, "--out", str(results / "x.png")
    )
    assert code == 2, err
    assert "sweep.us.reach" in err and "2 values" in err and err.count("\n") == 1, err
    out = results / "heatmap.png"  # two sweeps, both mapped: drawn
    code, err = plot(capsys, str(results / "sweep.parquet"), "--kind", "heatmap", *axes, "--out", str(out))
    assert code == 0, err
    assert out.stat().st_size > 10_000


def test_a_field_error_names_the_flag(results, capsys):
    code, err = plot(
        capsys,
        str(results / "plain.parquet"),
        "--kind",
        "timing",
        "--track",
        "china_sme",
        "--field",
        "lag:X1",
        "--out",
        str(results / "x.png"),
    )
    assert code == 2
    assert err.startswith("ttcsim: error: --field: china_sme.lag:X1: unknown member code 'X1'"), err


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


def test_importing_the_figures_leaves_the_users_matplotlib_alone():
    """A notebook's inline backend survives ``import sim.viz.plots`` (the figures are Figure
    objects that need no backend switch and no pyplot)."""
    code = (
        "import sys, matplotlib; matplotlib.use('svg'); import sim.viz.plots; "
        "print(matplotlib.get_backend(), 'matplotlib.pyplot' in sys.modules)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.stdout.split() == ["svg", "False"], r.stdout + r.stderr


# ----------------------------------------------------------------------------- the dual-track figure


@pytest.fixture(scope="module")
def joint(tmp_path_factory):
    """A small batch of the joint scenario, with its manifest beside it."""
    out = tmp_path_factory.mktemp("joint") / "joint.parquet"
    run_batch([TTC], 12, 0, out, workers=1)
    return out


def test_history_marks_are_the_dated_events_on_the_results_fields():
    """The events of sim/data/v2_events.csv as the validation reads them, in months from the
    scenario's start: Russia's rules in the invasion month, the US China rules of October 2022,
    China's Micron ban on both China tracks, the national measures in force, and the absences
    by the cut-off."""
    from sim import load_scenario
    from sim.viz.plots import Mark, history_marks

    marks = set(history_marks(load_scenario(TTC)))
    assert {
        Mark("russia_dual_use.first_us_rule", 8),
        Mark("russia_dual_use.month_eu", 8),
        Mark("china_sme.first_us_rule", 16),
        Mark("china_ai_chips.first_us_rule", 16),
        Mark("china_sme.first_countermeasure", 23),
        Mark("china_ai_chips.first_countermeasure", 23),
        Mark("emerging_tech.national:ES", 24),
        Mark("china_sme.national:JP", 25),
        Mark("china_sme.national:NL", 27),
        Mark("china_sme.national:DE", 24, absent=True),
        Mark("china_sme.month_eu", 24, absent=True),
    } <= marks
    # a scenario starting in November 2021 counts the same events from there
    assert Mark("russia_dual_use.month_eu", 3) in set(history_marks(load_scenario(RUSSIA)))


def test_the_timeline_draws_each_tracks_rules_and_countermeasures_against_history(joint):
    from sim import load_scenario
    from sim.viz.plots import CUT_OFF, dual_track, history_marks, timeline_rows

    df = pd.read_parquet(joint)
    sc = load_scenario(TTC)
    fig = dual_track(df, sc)
    timeline = fig.axes[-1]
    labels = [t.get_text() for t in timeline.get_yticklabels()]
    rows = [field for field, _, _ in timeline_rows(df, history_marks(sc))]
    assert len(labels) == len(rows)
    for field in ("china_sme.national:NL", "china_sme.national:JP", "china_sme.national:DE", "china_sme.month_eu"):
        assert field in rows  # history names them: drawn even when no run has them
    assert any(label.startswith("china_sme: NL national measure (") for label in labels)
    assert any(label.startswith("china_sme: first countermeasure (") for label in labels)
    cut = [line.get_xdata()[0] for line in timeline.get_lines() if line.get_linestyle() == "--"]
    assert cut == [sc.month_index(CUT_OFF) + 0.5] == [24.5]
    assert timeline.get_xticklabels()[4].get_text() == "24\n2023-06"
    # channel shares per track in the registry's channels, then the outcome classes and soft share
    legend = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert legend[:4] == ["ttc", "minilateral", "unilateral", "none"]


def test_a_row_that_never_happens_and_history_does_not_mark_is_left_out(joint):
    from sim.viz.plots import Mark, timeline_rows

    df = pd.read_parquet(joint).assign(**{"emerging_tech.us_rule_months": ""})
    rows = [field for field, _, _ in timeline_rows(df)]
    assert "emerging_tech.first_us_rule" not in rows and "china_sme.first_us_rule" in rows
    marked = [field for field, _, _ in timeline_rows(df, [Mark("emerging_tech.first_us_rule", 30)])]
    assert "emerging_tech.first_us_rule" in marked


def test_plot_dual_track_finds_the_scenario_in_the_manifest(joint, results, tmp_path, capsys):
    from sim.viz.plots import results_scenario

    sc = results_scenario([str(joint)])
    assert sc is not None and sc.name == "ttc_2021_2025"
    assert results_scenario([str(results / "plain.parquet")]) is None  # two scenarios: no one history
    out = tmp_path / "dual.png"
    code, err = plot(capsys, str(joint), "--kind", "dual_track", "--out", str(out))
    assert code == 0, err
    assert out.stat().st_size > 50_000


def test_the_timeline_never_pools_sweep_points(results):
    """Results of several series (sweep points here) draw one box per series and row."""
    from sim.analysis.stylized import column
    from sim.viz.plots import dual_track, timeline_rows

    df, _ = label_sweep_points(pd.read_parquet(results / "sweep.parquet"))
    timeline = dual_track(df).axes[-1]
    expected = sum(
        column(df[df.scenario == name], field).notna().any()
        for field, _, _ in timeline_rows(df)
        for name in df.scenario.unique()
    )
    assert df.scenario.nunique() == 4 and expected >= 8
    assert len(timeline.patches) == expected
