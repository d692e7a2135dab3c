"""The broad prior, the tipping-point search, the uncertainty report and the joint sensitivity
analysis: the prior covers every assumption and constant (a new one included), a draw sets
values as a file would, the search finds a planted threshold, and both analyses run end to end
on tiny sizes."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.priors import Factor, Prior, broad_prior, marked_values, sourced
from sim.analysis.sensitivity import parse_output
from sim.analysis.targets import Target
from sim.cli import main as ttcsim
from sim.scenario import DATA_DIR, ScenarioError, load_scenario
from sim.scenario.constants import CONSTANTS

ROOT = Path(__file__).resolve().parent.parent
JOINT = ROOT / "scenarios" / "ttc_2021_2025.toml"
sys.path.insert(0, str(ROOT / "experiments"))
import uncertainty  # noqa: E402


@pytest.fixture(scope="module")
def prior() -> Prior:
    return broad_prior(JOINT)


def marked_lines(path: Path) -> list[int]:
    """The lines of a scenario file whose comment says "assumption" (not whole-line comments)."""
    return [
        n
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if not line.lstrip().startswith("#") and "assumption" in line.partition("#")[2]
    ]


def test_the_prior_covers_every_assumption_and_constant(prior):
    names = {f.name for f in prior.factors}
    assert {f"constants.{c}" for c in CONSTANTS} <= names
    origins = {f.origin.split(" ")[0] for f in prior.factors if f.kind in ("value", "shock")}
    assert {f"{JOINT.name}:{n}" for n in marked_lines(JOINT)} == origins - {"constants"}
    assert len(marked_lines(JOINT)) == 34  # 33 values and the ChatGPT shock's size
    assert "shocks[3].delta" in names and "tracks.china_sme.us.patience" in names
    # every track's preference table, and each of its columns that has an assumed cell
    for track in ("russia_dual_use", "china_sme", "china_ai_chips", "emerging_tech"):
        assert f"tracks.{track}.members.*.threat" in names
    # ranges: half to twice, clipped to the valid range; constants over their declared range
    assert prior.factor("tracks.china_ai_chips.us.reach").high == 1.0
    assert prior.factor("ttc.window").low == 6 and prior.factor("ttc.window").high == 24
    w = prior.factor("constants.w_fear")
    assert (w.low, w.high) == (CONSTANTS["w_fear"].low, CONSTANTS["w_fear"].high)
    assert not prior.factor("tracks.china_ai_chips.us.exemption").varied  # 0 halved or doubled


def test_a_cell_is_sourced_only_by_a_cited_clause_that_names_its_column():
    text = "exposure: China ~10% of EU goods exports 2021 [77]; threat/us_dependence/fear: assumption"
    assert sourced("exposure", text)
    assert not sourced("threat", text) and not sourced("retaliation_fear", text) and not sourced("lag", text)
    assert sourced("retaliation_fear", "fear: China largest trading partner since 2016 [73]")
    assert not sourced("exposure", "exposure: 26 % of purchases [111] (assumption: 0.3)")


def test_a_new_assumption_is_covered(tmp_path):
    text = JOINT.read_text()
    text = text.replace("pressure = 0.2           # Sullivan", "pressure = 0.2           # assumption: size; Sullivan")
    (tmp_path / "preferences").mkdir()
    sme = (DATA_DIR / "preferences" / "china_sme.csv").read_text()
    sme = sme.replace("fear: China largest trading partner since 2016 [73]", "fear: assumption")
    (tmp_path / "preferences" / "china_sme.csv").write_text(sme)
    (tmp_path / "s.toml").write_text(text)
    new = broad_prior(tmp_path / "s.toml")
    pressure = new.factor("us.pressure")
    assert (pressure.low, pressure.high, pressure.shipped) == (0.1, 0.4, 0.2)
    fear = dict(new.factor("tracks.china_sme.members.*.retaliation_fear").cells)
    assert fear["tracks.china_sme.members.DE.retaliation_fear"] == 0.65  # now assumed
    old = dict(broad_prior(JOINT).factor("tracks.china_sme.members.*.retaliation_fear").cells)
    assert "tracks.china_sme.members.DE.retaliation_fear" not in old
    # a marked value the prior cannot vary is an error, not a silent gap
    (tmp_path / "bad.toml").write_text(text.replace('rule = "unanimity"       #', 'rule = "unanimity" # assumption'))
    with pytest.raises(ScenarioError, match="eu.rule: marked as an assumption but not a number"):
        broad_prior(tmp_path / "bad.toml")


def test_marked_values_name_paths_and_shocks():
    marked = {key: shock for _, key, shock in marked_values(JOINT)}
    assert marked["tracks.emerging_tech.us.lag"] == -1 and marked["shocks[3].delta"] == 3
    assert "us.pressure" not in marked and "shocks[0].delta" not in marked


def test_a_draw_sets_values_as_a_file_would(prior):
    sc = prior.apply({"us.concession": 0.2, "tracks.china_sme.members.*.threat": 2.0, "shocks[3].delta": 0.3})
    assert sc.values["us.concession"] == 0.2
    assert sc.values["tracks.russia_dual_use.us.concession"] == 0.15  # a track's own value stays
    assert sc.values["tracks.china_sme.members.HU.threat"] == pytest.approx(0.2)  # assumed: doubled
    assert sc.values["tracks.china_sme.members.LT.threat"] == pytest.approx(1.0)  # clipped at 1
    assert sc.shocks[3].delta == 0.3 and sc.shocks[2].delta == 0.55
    assert prior.scenario.values["us.concession"] == 0.1  # the prior's scenario is untouched
    draws = pd.DataFrame(prior.draw(20, seed=3))
    assert list(draws.columns) == [f.name for f in prior.varied]
    for f in prior.varied:  # Latin hypercube: one draw in each twentieth of every range
        strata = np.floor((draws[f.name] - f.low) / f.width * 20).clip(0, 19)
        assert sorted(strata) == list(range(20))


# ----------------------------------------------------------------------------- tipping points


def toy(threshold: float) -> tuple[Prior, Target, uncertainty.RunPoints]:
    """A planted threshold: a run hits when input ``a`` exceeds ``threshold`` (``b`` does
    nothing); the pattern is "at least half the runs hit", failing at a's shipped value 0.2."""
    factors = (
        Factor("a", "value", 0.0, 1.0, 0.2, "share", "toy"),
        Factor("b", "value", 0.0, 1.0, 0.5, "share", "toy"),
    )
    fact = Target(label="hits", id="hits", statistic="share", field="toy.hit", op=">=", value=0.5)

    def run_points(points):
        rows = []
        for k, p in enumerate(points):
            a = p.get("a", 0.2)
            rows += [{"point": k, "run": r, "toy.hit": a + 0.01 * (r - 2) > threshold} for r in range(5)]
        return pd.DataFrame(rows)

    return Prior(load_scenario(JOINT), factors), fact, run_points


def test_the_tipping_point_search_finds_a_planted_threshold():
    prior, fact, run_points = toy(0.6)
    sizes = {"grid": 5, "bisections": 5}
    tips, shipped, runs = uncertainty.tipping_points(prior, [fact], {"hits": ["a", "b"]}, sizes, run_points)
    assert shipped["hits"] == (False, 0.0)
    assert len(tips) == 1  # raising a flips it; lowering a, or moving b, never does
    (tip,) = tips
    assert tip.factor.name == "a" and tip.direction == 1
    assert tip.at == pytest.approx(0.6, abs=0.01)
    assert tip.fraction == pytest.approx(0.4, abs=0.01)
    assert runs == 5 * (1 + 5 + 5 + 5 + 5) + 5 * 5  # the grid both ways for a and b, then bisection


def test_the_screen_ranks_the_input_that_moves_the_pattern_first(prior):
    rng = np.random.default_rng(0)
    draws = pd.DataFrame({f.name: rng.uniform(f.low, f.high, 200) for f in prior.varied})
    judged = pd.DataFrame({"margin:x": draws["ttc.window"] * 2 + rng.normal(0, 0.5, 200)})
    fact = Target(label="x", id="x", statistic="share", field="a.b", op=">=", value=0.5)
    (top, rho), *_ = uncertainty.screen(draws, judged, prior, fact, 3)
    assert top == "ttc.window" and rho > 0.8


# ----------------------------------------------------------------------------- end to end


def test_the_uncertainty_report_runs_end_to_end(tmp_path):
    sizes = ["--draws", "4", "--replications", "2", "--batches", "2", "--sweep-runs", "2", "--grid", "1"]
    assert uncertainty.main(["--quick", *sizes, "--workers", "1", "--out", str(tmp_path)]) == 0
    text = (tmp_path / "uncertainty.md").read_text()
    assert (tmp_path / "uncertainty.png").stat().st_size > 10_000
    ids = re.findall(r"^\| .*\(`(\w+)`\) \| ", text, flags=re.M)
    facts = [f.id for f in uncertainty.load_facts() if f.scenario == "ttc_2021_2025"]
    rows = [*facts, uncertainty.NULL_ROW]
    assert ids == rows + rows  # a row per section 7 pattern in (a) and in (b), the null model's last
    assert "commit " in text and "seed 1" in text and "4 prior draws x 2 runs" in text
    assert "`shocks[3].delta`" in text and "`constants.w_backfill`" in text


OUTPUTS = ["russia_dual_use.coordinated", "china_sme.national:NL <= 30", "china_sme.first_us_rule"]


def test_the_joint_sensitivity_runs_over_the_prior_with_chosen_outputs(tmp_path, prior, capsys):
    out = tmp_path / "sens"
    args = ["sensitivity", str(JOINT), "--prior", "--n", "2", "--replications", "2", "--workers", "1"]
    assert ttcsim([*args, "--outputs", *OUTPUTS, "--out", str(out)]) == 0
    table = pd.read_csv(out / "indices.csv")
    assert list(table.output.unique()) == OUTPUTS
    assert set(table.parameter) == {f.name for f in prior.varied}
    text = (out / "sensitivity.md").read_text()
    assert all(f"## {o}\n" in text for o in OUTPUTS)
    assert re.search(r"noise \(replications\): russia_dual_use.coordinated \S+%; china_sme", text)
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 2 * (2 * (len(prior.varied) + 2)) and "param.shocks[3].delta" in runs
    # bad input: one line, exit 2, nothing written
    capsys.readouterr()
    assert ttcsim([*args, "--outputs", "china_sme.chanel", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("ttcsim: error: --outputs: china_sme.chanel:") and "china_sme.channel" in err
    assert "\n" not in err and not (tmp_path / "x" / "indices.csv").exists()
    assert ttcsim([*args, "--params", "us.reach", "--out", str(tmp_path / "y")]) == 2
    assert "ttcsim: error: --prior:" in capsys.readouterr().err


def test_outputs_are_summarised_by_their_kind():
    assert parse_output("russia_dual_use.coordinated")[1] == ("russia_dual_use.coordinated", "share")
    assert parse_output("china_sme.first_us_rule")[1][1] == "censored"
    assert parse_output("soft_share:2022-12,2023-05")[1][1] == "mean"
    assert parse_output("china_sme.national:NL <= 30")[1][1] == "expression"
    with pytest.raises(ScenarioError, match="a text field: compare it"):
        parse_output("china_sme.channel")


def test_the_shipped_sensitivity_and_uncertainty_results_exist():
    """The committed results are the joint scenario's (``make analysis``)."""
    sens = ROOT / "results" / "sensitivity" / "ttc_2021_2025"
    for name in ("sensitivity.md", "sensitivity.png", "indices.csv", "runs.parquet"):
        assert (sens / name).exists(), name
    text = (ROOT / "results" / "uncertainty.md").read_text()
    assert "--quick" not in text.split("\n\n")[1]
    assert (ROOT / "results" / "uncertainty.png").exists()
