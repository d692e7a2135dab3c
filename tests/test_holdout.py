"""The held-out report and the ablation report: the scores against hand-computed values, the
mapping of every held-out event to a model quantity, and both scripts end to end on few runs."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

import sim
from sim.analysis.history import Quantity
from sim.analysis.holdout import (
    HOLDOUT_FILE,
    Scored,
    brier,
    crps,
    holdout_quantities,
    load_holdout,
    percentile,
    score,
    verdict,
)
from sim.scenario import ScenarioError

ROOT = Path(__file__).resolve().parent.parent
CALIBRATED = ROOT / "scenarios" / "calibrated" / "ttc_2021_2025.toml"


@pytest.fixture(scope="module")
def joint() -> sim.Scenario:
    return sim.load_scenario(CALIBRATED)


def script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "experiments" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


# ----------------------------------------------------------------------------- scores


def test_brier_is_the_squared_distance_from_what_happened():
    assert brier(0.8) == pytest.approx(0.04)
    assert brier(1.0) == 0.0 and brier(0.0) == 1.0
    assert brier(0.3, happened=False) == pytest.approx(0.09)


def crps_by_integral(samples: np.ndarray, y: float) -> float:
    """The CRPS's definition, the integral of (F(z) - 1{z >= y})^2 over z, summed exactly over
    the pieces where the empirical F and the step are constant."""
    x = np.sort(np.asarray(samples, dtype=float))
    cuts = np.unique(np.concatenate([x, [y]]))
    total = 0.0
    for a, b in zip(cuts[:-1], cuts[1:], strict=True):
        f = np.mean(x <= a)
        total += (f - float(a >= y)) ** 2 * (b - a)
    return total


def closed_form_cases(score_fn) -> list[bool]:
    """Whether ``score_fn`` gives the hand-computed CRPS of each case."""
    rng = np.random.default_rng(3)
    sample = rng.integers(0, 49, size=40).astype(float)
    return [
        score_fn(np.array([5.0, 5.0, 5.0]), 2.0) == pytest.approx(3.0),  # point mass: |x - y|
        score_fn(np.array([7.0]), 7.0) == pytest.approx(0.0),
        score_fn(np.array([0.0, 2.0]), 1.0) == pytest.approx(0.5),  # 1/2 |0-1| + 1/2 |2-1| - 1/4 |0-2|
        score_fn(np.array([0.0, 2.0]), 5.0) == pytest.approx(3.5),  # 1/2 5 + 1/2 3 - 1/2
        score_fn(sample, 20.0) == pytest.approx(crps_by_integral(sample, 20.0)),
    ]


def test_crps_of_an_empirical_distribution_matches_its_closed_forms():
    assert all(closed_form_cases(crps))


def test_a_crps_without_its_spread_term_fails_the_closed_forms():
    """The check is not vacuous: the mean absolute error (the CRPS less half the expected
    distance between two draws) agrees on point masses only."""

    def mean_absolute_error(x: np.ndarray, y: float) -> float:
        return float(np.mean(np.abs(x - y)))

    assert closed_form_cases(mean_absolute_error)[:2] == [True, True]
    assert not any(closed_form_cases(mean_absolute_error)[2:])


def test_the_percentile_of_the_real_month_counts_ties_by_half():
    assert percentile(np.array([5.0, 5.0]), 5.0) == 0.5  # a point mass on the real month: central
    assert percentile(np.array([1.0, 2.0, 3.0, 4.0]), 2.5) == 0.5
    assert percentile(np.array([1.0, 2.0, 3.0, 4.0]), 2.0) == pytest.approx(0.375)
    assert percentile(np.array([10.0, 11.0]), 3.0) == 0.0


def test_a_dated_measure_is_scored_with_never_as_the_horizon_plus_one():
    """The US's second rule on a track, in 10 runs: in 4 at month 28, 2 at 30, 4 never (49)."""
    runs = pd.DataFrame({"china_sme.us_rule_months": ["16 28"] * 4 + ["3 30 40"] * 2 + ["16"] * 4})
    q = Quantity("timed", ("china_sme.us_rule_months",), 29.0, nth=2)
    s = score(runs, q, 29.0, never=49.0)
    assert s.p == pytest.approx(0.6) and s.brier == pytest.approx(0.16)
    assert s.percentile == pytest.approx(0.4)
    months = np.array([28.0] * 4 + [30.0] * 2 + [49.0] * 4)
    assert s.crps == pytest.approx(crps_by_integral(months, 29.0))
    assert (s.low, s.median, s.high) == (28.0, 30.0, 49.0)
    assert verdict(s, q) == "right"
    assert verdict(score(runs.iloc[6:], q, 29.0, never=49.0), q) == "wrong"  # never in every run
    early = pd.DataFrame({"china_sme.us_rule_months": ["1 2"] * 10})
    assert verdict(score(early, q, 29.0, never=49.0), q) == "early"


def test_an_absence_and_a_ministerial_are_scored_as_occurrences():
    runs = pd.DataFrame(
        {
            "china_sme.us_rule_months": ["3"] * 4,
            "china_sme.national_months": ["DE:40", "NL:27", "", "DE:12 NL:27"],
            "soft_share_by_ministerial": ["2024-01:0.80", "2024-01:0.50", "2024-01:0.60", "2023-05:0.90"],
        }
    )
    absent = score(runs, Quantity("absent", ("china_sme.national:DE",), 48.0), 48.0, 49.0)
    assert absent.p == 0.5 and absent.brier == 0.25 and math.isnan(absent.crps) and not absent.lacking
    soft = score(runs, Quantity("share", ("soft_share:2024-01",), 31.0), 31.0, 49.0)
    assert soft.p == 0.5 and soft.median == pytest.approx(0.6)  # 0.5 is not "mostly"; no 2024-01 counts no


def test_rows_without_the_events_fields_predict_never():
    """The null model's rows have no countermeasures: never, and said so."""
    runs = pd.DataFrame({"china_sme.us_rule_months": ["3"] * 5})
    q = Quantity("timed", ("china_sme.countermeasure_months",), 26.0, nth=2)
    s = score(runs, q, 26.0, never=49.0)
    assert s.lacking and s.p == 0.0 and s.crps == pytest.approx(23.0)


# ----------------------------------------------------------------------------- the mapping


def test_every_held_out_event_has_a_model_quantity(joint):
    events = load_holdout()
    quantities = dict(zip(events["id"], holdout_quantities(events, joint), strict=True))
    assert len(quantities) == len(events) and all(q.kind != "context" for q in quantities.values())
    china = ("china_ai_chips.countermeasure_months", "china_sme.countermeasure_months")
    expected = {  # the Micron ban is China's first countermeasure, the Oct 2022 rule the US's first
        "cn_gallium_germanium": Quantity("timed", china, 26.0, 2),
        "us_update_2023_sme": Quantity("timed", ("china_sme.us_rule_months",), 29.0, 2),
        "us_update_2023_ai_chips": Quantity("timed", ("china_ai_chips.us_rule_months",), 29.0, 2),
        "cn_graphite": Quantity("timed", china, 30.0, 3),
        "ttc5": Quantity("share", ("soft_share:2024-01",), 31.0),
        "fr_list": Quantity("timed", ("emerging_tech.national:FR",), 33.0),
        "ttc6": Quantity("share", ("soft_share:2024-04",), 34.0),
        "de_list": Quantity("timed", ("emerging_tech.national:DE",), 37.0),
        "nl_extension_2024": Quantity("timed", ("china_sme.extension_months:NL",), 39.0, 1),
        "us_rule_2024_sme": Quantity("timed", ("china_sme.us_rule_months",), 42.0, 3),
        "us_rule_2024_ai_chips": Quantity("timed", ("china_ai_chips.us_rule_months",), 42.0, 3),
        "cn_ban_to_us_2024": Quantity("timed", china, 42.0, 4),
        "nl_extension_2025": Quantity("timed", ("china_sme.extension_months:NL",), 46.0, 2),
        "de_no_sme_measure_2025": Quantity("absent", ("china_sme.national:DE",), 48.0),
        "eu_no_china_measure_2025": Quantity(
            "absent", ("china_ai_chips.month_eu", "china_sme.month_eu"), 48.0
        ),
    }
    assert quantities == expected


def with_row(**fields: str) -> pd.DataFrame:
    events = load_holdout()
    row = dict.fromkeys(events.columns, "") | {"use": "held_out", "held_out": "true"} | fields
    return pd.concat([events, pd.DataFrame([row])], ignore_index=True)


@pytest.mark.parametrize(
    "row",
    [
        {"id": "ttc7", "track": "soft_ai", "actor": "TTC", "event": "TTC-7 announced", "month_in_force": "40"},
        {"id": "eu_second", "track": "russia_dual_use", "actor": "EU", "event": "a 2nd EU measure", "month_in_force": "30"},
        {"id": "quantum", "track": "quantum", "actor": "US", "event": "a rule", "month_in_force": "40"},
        {"id": "us_talks", "track": "china_sme", "actor": "US", "event": "talks", "month_decided": "40"},
        {"id": "ttc8", "track": "soft_ai", "actor": "TTC", "event": "TTC-8: hard deal", "note": "ministerial",
         "in_force": "2025-01-01", "month_in_force": "43"},
    ],
)  # fmt: skip
def test_a_held_out_row_the_model_cannot_score_is_an_error(joint, row):
    with pytest.raises(ScenarioError) as err:
        holdout_quantities(with_row(**row), joint)
    assert err.value.source == str(HOLDOUT_FILE) and err.value.key == row["id"]


# ----------------------------------------------------------------------------- the scripts


def test_the_holdout_script_reports_every_event_against_both_baselines(tmp_path):
    assert script("holdout").main(["--runs", "20", "--workers", "1", "--out", str(tmp_path)]) == 0
    text = (tmp_path / "holdout.md").read_text()
    assert (tmp_path / "holdout.png").stat().st_size > 10_000
    for _, e in load_holdout().iterrows():
        assert f"**{e['event']}** ({(e['in_force'] or e['decided'])[:7]}; sources {e['source']})" in text, e[
            "id"
        ]
    for source in ("| model |", "| prior predictive |", "| null |"):
        assert source in text
    # a row per event, its total, and its total over the events the null model can express
    assert text.count("| prior predictive |") == len(load_holdout()) + 2
    assert "On the 8 events the null model's rows can express" in text
    assert "commit " in text and "20 runs per source, batch seed 2025" in text


def test_the_ablation_script_has_a_row_per_mechanism(tmp_path):
    from sim.scenario.schema import MECHANISMS

    assert script("ablations").main(["--runs", "20", "--workers", "1", "--out", str(tmp_path)]) == 0
    text = (tmp_path / "ablations.md").read_text()
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert [r.split("`")[1] for r in rows] == list(MECHANISMS)
    assert "China SME: P(NL national measure in force by 2023-12)" in text


def test_a_probability_near_one_half_is_a_close_call():
    """Within two standard errors of one half (at 100 runs, 0.1), more runs could turn the verdict."""
    assert Scored(0.55, brier(0.55), runs=100).close_call
    assert not Scored(0.65, brier(0.65), runs=100).close_call
    assert not Scored(0.55, brier(0.55), runs=10_000).close_call
