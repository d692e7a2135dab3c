"""Explaining and calibrating: sensitivity, scenario discovery, calibration, validation,
counterfactuals. Known answers first (Ishigami, a planted box, known parameter values), then
the shipped analysis scripts end to end on small run counts."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib

import numpy as np
import pandas as pd
import pytest
from conftest import CHINA, ROOT, cli

from sim import ScenarioError, load_scenario
from sim.analysis.calibration import Gaussian, Runner, Target, calibrate, load_targets
from sim.analysis.discovery import discover, outcome_mask
from sim.analysis.history import Quantity, load_events, quantity, validate
from sim.analysis.sensitivity import Ishigami, design, indices, parameter_ranges, run_sensitivity
from sim.analysis.stylized import statistic
from sim.runner import Design, executors, run_design, simulate, store
from sim.runner.manifest import manifest_path

ISHIGAMI_S1 = np.array([0.3139, 0.4424, 0.0])
ISHIGAMI_ST = np.array([0.5576, 0.4424, 0.2437])


def test_sobol_indices_through_our_runner_match_ishigami():
    prob = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    x = design(prob, "sobol", 1024, seed=3)
    points = [dict(zip(prob["names"], row, strict=True)) for row in x]
    runs = run_design(
        Design.at_points(None, points, 2, seed=1, evaluator=Ishigami(noise=0.05)), workers=2
    ).frame()
    assert len(runs) == len(points) * 2 and list(runs["point"][:4]) == [0, 0, 1, 1]
    y = runs.groupby("point")["y"].mean().to_numpy()
    t = indices(prob, "sobol", x, y, seed=3)
    assert np.all(
        np.abs(t["S1"].to_numpy() - ISHIGAMI_S1) <= np.maximum(t["S1_conf"].to_numpy(), 0.03) + 0.02
    )
    assert np.all(
        np.abs(t["ST"].to_numpy() - ISHIGAMI_ST) <= np.maximum(t["ST_conf"].to_numpy(), 0.03) + 0.02
    )
    # Morris ranks x1 and x2 above x3 (mu*)
    xm = design(prob, "morris", 100, seed=3)
    morris = Design.at_points(None, [dict(zip(prob["names"], r, strict=True)) for r in xm], 1, 0, Ishigami())
    ym = run_design(morris, workers=1).frame()
    mu = indices(prob, "morris", xm, ym["y"].to_numpy(), seed=3)["mu_star"]
    assert mu["x3"] < mu["x1"] and mu["x3"] < mu["x2"]


def test_sensitivity_ranges_come_from_distributions_or_range(china):
    patience = "tracks.china_sme.us.patience"  # a track's own distribution in china_2022
    r = parameter_ranges(china, [patience, "members.*.threat"], {"members.*.threat": (0.1, 0.9)})
    assert r == {patience: (8.0, 18.0), "members.*.threat": (0.1, 0.9)}
    with pytest.raises(ScenarioError, match=r"give ranges\[PATH\] = \(LOW, HIGH\)"):
        parameter_ranges(china, ["us.reach"], {})
    with pytest.raises(ScenarioError, match="not a numeric parameter"):
        parameter_ranges(china, ["eu.rule"], {})
    with pytest.raises(ScenarioError, match="inside"):
        parameter_ranges(china, ["us.reach"], {"us.reach": (0.5, 2.0)})


def test_prim_finds_a_planted_box():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.uniform(0, 1, (3000, 4)), columns=[f"param.{c}" for c in "abcd"])
    inside = (df["param.a"] > 0.6) & (df["param.b"] < 0.3)
    df["hit"] = inside ^ (rng.uniform(size=len(df)) < 0.03)  # 3 % label noise
    d = discover(df, "hit", max_boxes=1)
    box = d.boxes[0]
    assert {"a", "b"} <= set(box.limits.index)
    for other in set(box.limits.index) - {"a", "b"}:  # at most trimmed at the edges
        assert box.limits.loc[other, "max"] - box.limits.loc[other, "min"] > 0.85
    assert box.limits.loc["a", "min"] == pytest.approx(0.6, abs=0.05)
    assert box.limits.loc["b", "max"] == pytest.approx(0.3, abs=0.05)
    assert box.density > 0.9 and box.coverage > 0.7  # 3 % noise caps coverage near 0.81
    with pytest.raises(ScenarioError, match="cannot evaluate"):
        discover(df, "no_such_column > 1")


FIX = [
    "us.threat=0.9",
    "commission.brokerage=0.45",
    "commission.agenda=0.5",
    "target.availability=0.3",
    "us.lag=1",
]


def test_calibration_recovers_known_parameter_values():
    base = load_scenario(CHINA, FIX)
    # a patient US waits for the key suppliers: the minilateral's share identifies patience
    truth = {"tracks.china_sme.us.patience": 30.0, "tracks.china_sme.members.NL.lag": 9.0}
    priors = [("tracks.china_sme.us.patience", 4, 60), ("tracks.china_sme.members.NL.lag", 2, 20)]
    data = simulate([base.with_overrides([f"{k}={v}" for k, v in truth.items()])], 200, seed=99, workers=2)
    targets = [
        Target(
            label="P(minilateral)",
            statistic="share",
            field="china_sme.channel",
            among=("minilateral",),
            op="=",
            value=statistic(data, "share", "china_sme.channel", among=("minilateral",))[0],
            tolerance=0.1,
        ),
        Target(
            label="NL lag",
            statistic="median",
            field="china_sme.lag:NL",
            value=statistic(data, "median", "china_sme.lag:NL", "china_sme.first_us_rule")[0],
            tolerance=1.0,
            given="china_sme.first_us_rule",
        ),
    ]
    res = calibrate(
        base,
        targets,
        priors,
        particles=120,
        replications=8,
        generations=3,
        seed=1,
        workers=2,
    )
    # the tolerance tightens: the last generation accepts particles only at a strictly smaller
    # distance than the prior's cut (an implementation that kept epsilon fails here)
    epsilons = [g.epsilon for g in res.generations]
    assert len(epsilons) == 3 and all(g.accepted > 0 for g in res.generations), res.generations
    assert epsilons[-1] < epsilons[0], epsilons
    q = res.quantiles()
    for name, value in truth.items():
        assert q.loc[name, "q05"] <= value <= q.loc[name, "q95"], (name, q.loc[name].to_dict())
    # the posterior is narrower than the prior (each particle is judged on its own noise, eight
    # replications: the minilateral share pins patience only loosely)
    for name, low, high in priors:
        assert q.loc[name, "q95"] - q.loc[name, "q05"] < 0.7 * (high - low), (name, q.loc[name].to_dict())


def test_abc_matches_the_analytic_posterior_of_a_gaussian_case():
    """Each replication is theta + N(0, 1); the target is the mean of four. The exact ABC
    posterior at the final tolerance (prior x P(|mean - observed| <= half width | theta)) is
    known in closed form: the weighted particles must match its mean, spread and shape. With
    common random numbers across particles (every particle judged on the same noise) the
    population is about half as wide and shifted by that noise: this test fails."""
    gaussian, replications, observed, tolerance = Gaussian(1.0), 4, 1.3, 0.25
    target = Target(label="mean y", statistic="mean", field="y", value=observed, tolerance=tolerance)
    res = calibrate(
        None, [target], [("theta", -4.0, 6.0)], particles=400, replications=replications,
        generations=4, seed=3, workers=1, evaluator=gaussian,
    )  # fmt: skip
    theta, w = res.particles[:, 0], res.weights
    mean = float(w @ theta)
    sd = float(np.sqrt(w @ (theta - mean) ** 2))
    ess = 1.0 / float(w @ w)
    grid = np.linspace(-4.0, 6.0, 4001)
    density = gaussian.posterior(grid, observed, replications, res.generations[-1].epsilon * tolerance)
    exact_mean = float(np.trapezoid(grid * density, grid))
    exact_sd = float(np.sqrt(np.trapezoid((grid - exact_mean) ** 2 * density, grid)))
    assert abs(mean - exact_mean) < 3 * exact_sd / np.sqrt(ess), (mean, exact_mean)
    assert 0.75 < sd / exact_sd < 1.25, (sd, exact_sd)
    assert ess > 50, ess
    # the weighted empirical CDF against the exact one (a Kolmogorov distance)
    order = np.argsort(theta)
    ecdf = np.cumsum(w[order])
    exact_cdf = np.interp(theta[order], grid, np.cumsum(density) * (grid[1] - grid[0]))
    assert np.max(np.abs(ecdf - exact_cdf)) < 0.15


def test_calibrate_cli_writes_a_valid_posterior_scenario(tmp_path):
    out = tmp_path / "post.toml"
    targets = str(ROOT / "scenarios/targets/china_2022.toml")
    r = cli(
        "calibrate",
        str(CHINA),
        "--targets",
        targets,
        "--params",
        "us.patience=4:30",
        "members.NL.lag=2:18",
        "--particles",
        "20",
        "--replications",
        "4",
        "--generations",
        "2",
        "--workers",
        "1",
        "--out",
        str(out),
    )
    assert r.returncode == 0, r.stderr
    sc = load_scenario(out)
    assert sc.values["us.reach"] == load_scenario(CHINA).values["us.reach"]  # extends the original
    assert sc.values["us.patience"].kind == "triangular"
    assert (tmp_path / "post.report.md").read_text().count("| `") >= 2
    again = cli(
        "calibrate", str(CHINA), "--targets", targets, "--params", "us.patience=4:30", "--out", str(out)
    )
    assert again.returncode == 2 and "already exists" in again.stderr


@pytest.mark.parametrize(
    "text, problem",
    [
        ("[[target]]\nstatistic='share'\nfield='coordinated'\nvalue=0.5\n", "target[0].tolerance: missing"),
        ("[[target]]\nstatistic='mode'\nfield='x'\nvalue=1\ntolerance=1\n", "unknown statistic 'mode'"),
        ("[[target]]\nstatistic='share'\nfield='x'\nvalue=1\ntolerance=1\n", "unknown outcome field 'x'"),
        ("[[target]]\nstatistic='share'\nfield='china_sme.coordinated'\nvalue=1\ntolerance=0\n", "positive"),
        (
            "[[target]]\nstatistic='share'\nfield='china_sme.coordinated'\nop='in'\nvalue=1\ntolerance=1\n",
            "[low, high]",
        ),
        ("x = 1\n", "at least one [[target]]"),
    ],
)
def test_bad_target_files(tmp_path, text, problem):
    p = tmp_path / "t.toml"
    p.write_text(text)
    with pytest.raises(ScenarioError) as e:
        load_targets(p)
    assert problem in str(e.value) and str(p) in str(e.value)


COUNTERFACTUALS = sorted((ROOT / "scenarios" / "counterfactuals").glob("*.toml"))


def test_there_are_a_dozen_counterfactuals():
    assert len(COUNTERFACTUALS) >= 12


@pytest.mark.parametrize("path", COUNTERFACTUALS, ids=lambda p: p.stem)
def test_every_counterfactual_extends_a_shipped_scenario_and_changes_schema_paths(path):
    with open(path, "rb") as fh:
        doc = tomllib.load(fh)
    base_file = (path.parent / doc["scenario"]["extends"]).resolve()
    assert base_file.parent == (ROOT / "scenarios").resolve()
    cf, base = load_scenario(path), load_scenario(base_file)  # loading validates every path
    assert cf.description
    changed = {k for k in cf.values if cf.values[k] != base.values.get(k)}
    assert changed or cf.shocks != base.shocks, "a counterfactual must change something"


def test_outcome_expressions_read_dotted_and_derived_per_track_fields():
    runs = pd.DataFrame(
        {
            "china_sme.coordinated": [True, False, False],
            "china_sme.us_rule_months": ["16", "10 20", ""],
            "china_sme.national_months": ["NL:27", "JP:25", ""],
        }
    )
    mask = outcome_mask(runs, "not china_sme.coordinated and china_sme.first_us_rule < 12")
    assert mask.tolist() == [False, True, False]
    assert outcome_mask(runs, "china_sme.national:NL <= 27").tolist() == [True, False, False]
    with pytest.raises(ScenarioError, match="china_sme.nope"):
        outcome_mask(runs, "china_sme.nope")


def test_validation_reads_each_calibration_event_per_track_from_the_row():
    joint = load_scenario(ROOT / "scenarios" / "ttc_2021_2025.toml")
    ev = load_events()
    assert len(ev) >= 12 and not ev["held_out"].eq("true").any() and ev["source"].str.len().gt(2).all()
    q = {e["id"]: quantity(e, joint) for _, e in ev.iterrows()}
    assert q["nl_rule"] == Quantity("timed", ("china_sme.national:NL",), 27.0)  # in force, not decided
    assert q["us_rule_china_sme"] == Quantity("timed", ("china_sme.first_us_rule",), 16.0)
    assert q["eu_sanctions_russia"] == Quantity("timed", ("russia_dual_use.month_eu",), 8.0)
    assert q["cn_micron_ban"].fields == (
        "china_ai_chips.first_countermeasure",
        "china_sme.first_countermeasure",
    )
    assert q["eu_no_china_measure"] == Quantity(
        "absent", ("china_ai_chips.month_eu", "china_sme.month_eu"), 24.0
    )
    assert q["de_no_sme_measure"] == Quantity("absent", ("china_sme.national:DE",), 24.0)
    assert {q[i].kind for i in ("ttc1", "nl_letter", "us_nl_jp_understanding")} == {"context"}


def test_validation_judges_the_real_month_in_force_against_the_runs():
    joint = load_scenario(ROOT / "scenarios" / "ttc_2021_2025.toml")
    ev = load_events().set_index("id").loc[["nl_rule", "de_no_sme_measure"]].reset_index()
    runs = pd.DataFrame(
        {
            "china_sme.us_rule_months": ["16"] * 10,
            # NL in force at 25..29 in 8 runs; DE by month 24 in 2 of 10 runs
            "china_sme.national_months": [f"NL:{m}" for m in (25, 26, 27, 27, 28, 28, 29, 29)]
            + ["DE:20 NL:40", "DE:24"],
        }
    )
    table = validate(ev, runs, joint).set_index("id")
    nl, de = table.loc["nl_rule"], table.loc["de_no_sme_measure"]
    assert nl["share_happens"] == 0.9 and nl["percentile_of_real"] == pytest.approx(4 / 9) and nl["passes"]
    assert de["kind"] == "absent" and de["share_happens"] == 0.2 and de["passes"]
    runs["china_sme.national_months"] = ["DE:10"] * 10  # no Dutch measure; Germany everywhere
    table = validate(ev, runs, joint).set_index("id")
    assert not table.loc["nl_rule", "passes"] and not table.loc["de_no_sme_measure", "passes"]


def test_analysis_scripts_run_end_to_end(tmp_path):
    r = subprocess.run(
        [
            sys.executable,
            str(ROOT / "experiments" / "analysis.py"),
            "--quick",
            "--workers",
            "1",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    for f in [
        "validation.md",
        "validation.png",
        "counterfactuals.md",
        "counterfactuals.png",
        "sensitivity/ttc_2021_2025/sensitivity.md",
        "sensitivity/ttc_2021_2025/runs.parquet",
        "discovery/ttc_2021_2025_coordinated/discovery.md",
        "uncertainty.md",
        "uncertainty.png",
        "calibration/china_2022.report.md",
        "calibration/russia_2022.posterior.png",
        "calibrated/china_2022.toml",
    ]:
        assert (tmp_path / f).exists(), f
    text = (tmp_path / "validation.md").read_text()
    assert "US advanced-computing and chip-equipment rule" in text and "pass" in text
    assert (tmp_path / "counterfactuals.md").read_text().count("**china_") >= 9


# ----------------------------------------------------------------------------- analyses resume


class Killed(Exception):
    """The fault injected into a run: the process dies after some chunks are stored."""


def kill_after(monkeypatch: pytest.MonkeyPatch, chunks: int) -> None:
    """Make the results store fail when it is handed chunk number ``chunks + 1``."""
    real, stored = store.Store.write, []

    def write(self, index, table, traj):
        if len(stored) == chunks:
            raise Killed
        stored.append(index)
        real(self, index, table, traj)

    monkeypatch.setattr(store.Store, "write", write)


def count_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of runs of each chunk executed from now on."""
    real, runs = executors.run_chunk, []

    def run_chunk(chunk):
        runs.append(chunk.stop - chunk.start)
        return real(chunk)

    monkeypatch.setattr(executors, "run_chunk", run_chunk)
    return runs


SENSITIVITY = {
    "method": "sobol",
    "params": ["us.reach", "us.patience"],
    "ranges": {"us.reach": (0.0, 1.0), "us.patience": (4.0, 36.0)},
    "n": 16,  # 64 points x 2 replications: 7 chunks of at most 20 runs
    "replications": 2,
    "seed": 0,
    "workers": 1,
}


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # flat outputs
def test_an_interrupted_sensitivity_analysis_resumes_without_redoing_runs(tmp_path, monkeypatch, china):
    whole = run_sensitivity(china, **SENSITIVITY)  # uninterrupted, in memory
    runs_file = tmp_path / "runs.parquet"
    kill_after(monkeypatch, 2)
    with pytest.raises(Killed):
        run_sensitivity(china, **SENSITIVITY, runs_file=runs_file)
    monkeypatch.undo()
    assert not runs_file.exists() and not manifest_path(runs_file).exists()
    executed = count_runs(monkeypatch)
    resumed = run_sensitivity(china, **SENSITIVITY, runs_file=runs_file, resume=True)
    assert sum(executed) == 128 - 2 * 20  # the two stored chunks are not run again
    pd.testing.assert_frame_equal(resumed.runs, whole.runs)
    pd.testing.assert_frame_equal(resumed.table, whole.table)
    manifest = json.loads(manifest_path(runs_file).read_text())
    assert manifest["results"] == "runs.parquet" and manifest["resumed_runs"] == 40
    assert manifest["total_runs"] == 128 and manifest["points"] == 64 and manifest["run_hash"]


def test_an_interrupted_calibration_resumes_without_redoing_runs(tmp_path, monkeypatch, china):
    targets = [
        Target(
            label="month of the US rule",
            statistic="median",
            field="china_sme.first_us_rule",
            value=14,
            tolerance=2.0,
        )
    ]
    params = [("tracks.china_sme.us.patience", 4.0, 30.0)]
    sizes = {"particles": 30, "replications": 2, "generations": 2, "seed": 1}  # 60 runs a generation
    whole = calibrate(china, targets, params, **sizes, workers=1)  # uninterrupted, in memory
    folder = tmp_path / "runs"
    folder.mkdir()
    kill_after(monkeypatch, 4)  # generation 0 (3 chunks) and one chunk of generation 1
    with pytest.raises(Killed):
        calibrate(china, targets, params, **sizes, runner=Runner(workers=1, folder=folder))
    monkeypatch.undo()
    executed = count_runs(monkeypatch)
    resumed = calibrate(china, targets, params, **sizes, runner=Runner(workers=1, folder=folder, resume=True))
    assert sum(executed) == 60 - 20  # generation 0 is read back, one chunk of generation 1 kept
    np.testing.assert_array_equal(resumed.particles, whole.particles)
    np.testing.assert_array_equal(resumed.weights, whole.weights)
    pd.testing.assert_frame_equal(resumed.fit, whole.fit)
    for g in range(2):
        manifest = json.loads(manifest_path(folder / f"generation-{g}.parquet").read_text())
        assert manifest["total_runs"] == 60 and manifest["batch_seed"] == 1 + g
