"""Ablations and causal directions of the choices that make the dual track.

Ablation: every mechanism, switched off, changes at least one row of the joint scenario's
patterns (a stylized fact's statistic) or one track's outcome distribution, by more than Monte
Carlo noise over the same seeds. Causal tests: each choice moves outcomes in the direction its
module documents (more concentrated allied supply, a likelier minilateral; no countermeasures,
more followers; an unwilling Japan, a more hesitant Netherlands).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.analysis.ablation import changed_rows
from sim.analysis.stylized import column, load_facts, share_of
from sim.runner import simulate
from sim.scenario.schema import MECHANISMS

ROOT = Path(__file__).resolve().parent.parent
JOINT = ROOT / "scenarios" / "ttc_2021_2025.toml"
CHINA = ROOT / "scenarios" / "china_2022.toml"
RUNS = 150
FACTS = [f for f in load_facts() if f.scenario == "ttc_2021_2025"]


def batch(path: Path, overrides: list[str], runs: int = RUNS) -> pd.DataFrame:
    return simulate([sim.load_scenario(path, overrides)], runs, seed=11, workers=2)


@pytest.fixture(scope="module")
def joint() -> pd.DataFrame:
    return batch(JOINT, [])


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_every_mechanism_switched_off_changes_a_pattern_row_or_an_outcome(joint, mechanism):
    off = batch(JOINT, [f"mechanisms.{mechanism}=false"])
    assert changed_rows(joint, off, FACTS), f"switching off {mechanism} changed no row"


def test_the_ablation_check_is_not_vacuous(joint):
    """The same seeds and inputs give the same rows: nothing 'changes'."""
    assert changed_rows(joint, joint, FACTS) == []


def national_by(df: pd.DataFrame, iso: str, month: int, track: str = "china_sme") -> float:
    return float(share_of(column(df, f"{track}.national:{iso}"), by=month).mean())


def test_more_concentrated_allied_supply_makes_the_minilateral_likelier():
    """Lithography sits with one key supplier (NL 88 %, the US none); etch mostly with the US.
    Where the US's own supply and reach catch little, the minilateral is worth more."""
    concentrated = batch(CHINA, ['tracks.china_sme.basket="lithography"'])
    spread = batch(CHINA, ['tracks.china_sme.basket="etch"'])
    mini = (concentrated["china_sme.channel"] == "minilateral").mean()
    assert mini > (spread["china_sme.channel"] == "minilateral").mean() + 0.4


def test_without_countermeasures_more_suppliers_follow(joint):
    calm = batch(JOINT, ["mechanisms.countermeasures=false"])
    for iso in ("NL", "JP"):
        assert national_by(calm, iso, 30) > national_by(joint, iso, 30) + 0.1, iso


def test_a_target_that_retaliates_more_deters_more(joint):
    fierce = batch(JOINT, ["targets.CN.retaliation=1"])
    assert national_by(fierce, "NL", 30) < national_by(joint, "NL", 30) - 0.1


def test_an_unwilling_japan_makes_the_netherlands_more_hesitant(joint):
    """The assurance problem: with Japan unwilling to control, the Dutch tools lose sales to
    Japanese rivals (backfill) and the Netherlands aligns less."""
    unwilling = batch(
        JOINT, ["tracks.china_sme.allies.JP.threat=0", "tracks.china_sme.allies.JP.us_dependence=0"]
    )
    assert national_by(unwilling, "JP", 30) < 0.1
    assert national_by(unwilling, "NL", 30) < national_by(joint, "NL", 30) - 0.05


def test_a_patient_us_waits_for_the_key_suppliers():
    impatient = batch(CHINA, ["us.patience=4"])
    patient = batch(CHINA, ["us.patience=60"])
    assert (patient["china_sme.channel"] == "minilateral").mean() > (
        impatient["china_sme.channel"] == "minilateral"
    ).mean() + 0.4
    assert (
        column(patient, "china_sme.first_us_rule").median()
        > column(impatient, "china_sme.first_us_rule").median()
    )
