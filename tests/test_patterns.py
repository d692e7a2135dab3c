"""The patterns the joint scenario must reproduce, with their 95 % intervals inside the bounds.

Over 500 seeded runs of ``scenarios/ttc_2021_2025.toml``, every stylized fact of
``sim/data/stylized_facts.toml`` on the joint scenario (Russia coordinated within the window
and around the invasion; China's chip tools: the US first and outside the TTC, no EU-level
measure, the Dutch and Japanese national measures, none in Germany; the AI chips: the US
alone; emerging technologies: Spain's national list; the soft turn) must hold with its whole
95 % interval on the right side of the bound, not just its point estimate. And the dynamics
must matter: the static null model, on the same seeds and inputs, gets at least two of the
adoption rows wrong.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.analysis.stylized import ADOPTION_ROWS, load_facts, of_target
from sim.analysis.targets import COMPARISONS
from sim.model.null_model import null_rows
from sim.runner import simulate

ROOT = Path(__file__).resolve().parent.parent
JOINT = ROOT / "scenarios" / "ttc_2021_2025.toml"
RUNS = 500
SEED = 7

FACTS = [f for f in load_facts() if f.scenario == "ttc_2021_2025"]


@pytest.fixture(scope="module")
def joint() -> pd.DataFrame:
    return simulate([JOINT], RUNS, seed=SEED, workers=2)


def interval_holds(df: pd.DataFrame, fact) -> tuple[bool, str]:
    """Whether the fact's whole 95 % interval meets its bound, and a line saying so."""
    value, low, high, n = of_target(df, fact)
    text = f"{fact.id}: {value:.3g} ({low:.3g} to {high:.3g}), n={n}, target {fact.describe()}"
    if math.isnan(value):
        return False, text
    if fact.op in COMPARISONS:
        _, _, other_high, _ = of_target(df, fact, fact.value)
        return low > other_high, f"{text}; compared interval ends at {other_high:.3g}"
    return fact.holds(low) and fact.holds(high), text


def test_the_facts_cover_every_pattern_row():
    assert set(ADOPTION_ROWS) | {"china_sme_us_outside_ttc", "ai_chips_unilateral", "soft_turn"} <= {
        f.id for f in FACTS
    }


@pytest.mark.parametrize("fact", FACTS, ids=[f.id for f in FACTS])
def test_every_pattern_holds_with_its_interval(joint, fact):
    ok, text = interval_holds(joint, fact)
    assert ok, text


def test_the_static_null_model_gets_at_least_two_adoption_rows_wrong():
    sc = sim.load_scenario(JOINT)
    null = pd.DataFrame(null_rows(sc, RUNS, seed=SEED))
    wrong = [f.id for f in FACTS if f.id in ADOPTION_ROWS and not f.holds(of_target(null, f)[0])]
    assert len(wrong) >= 2, wrong


def test_an_interval_on_the_wrong_side_of_a_bound_fails(joint):
    """The check is not vacuous: a batch where the Dutch measure comes in half the runs has an
    interval straddling the 0.5 bound, and fails."""
    fact = next(f for f in FACTS if f.id == "china_sme_nl_national")
    half = joint.copy()
    nl = half.index % 2 == 0
    half["china_sme.national_months"] = ["NL:20" if x else "" for x in nl]
    assert 0.45 < of_target(half, fact)[0] < 0.55
    assert not interval_holds(half, fact)[0]
