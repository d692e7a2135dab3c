"""Every number the README states about results agrees with the committed results files.

The README's sentences are read with patterns and their numbers compared with what the
committed tables say (``results/dual_track.parquet``, ``results/counterfactuals.csv``): a
regenerated result that moves a number, or an edit of the README that misstates one, fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from sim.analysis.stylized import column

ROOT = Path(__file__).resolve().parent.parent
README = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())


@pytest.fixture(scope="module")
def runs() -> pd.DataFrame:
    return pd.read_parquet(ROOT / "results" / "dual_track.parquet")


@pytest.fixture(scope="module")
def counterfactuals() -> pd.DataFrame:
    return pd.read_csv(ROOT / "results" / "counterfactuals.csv").set_index(["counterfactual", "metric"])


def claim(pattern: str) -> tuple[str, ...]:
    """The groups of the README sentence matching ``pattern`` (which must be there)."""
    found = re.search(pattern, README)
    assert found, f"the README no longer says: {pattern}"
    return found.groups()


def test_the_headline_paragraph_matches_the_dual_track_results(runs):
    russia, china = runs[runs.scenario == "russia_2022"], runs[runs.scenario == "china_2022"]
    claim(r"Russia scenario ends in coordinated controls in every run, in the median run in the invasion month")
    assert russia.coordinated.all() and russia.months_shock_to_coordination.median() == 0
    (month,) = claim(r"the US acts alone in every run \(median month (\d+),")
    assert china.us_unilateral.all() and china.month_unilateral.median() == int(month)
    (nl,) = claim(r"the Netherlands follows nationally in (\d+) % of runs")
    acted = china[china.us_unilateral]
    assert round(100 * column(acted, "national:NL").mean()) == int(nl)
    (lag,) = claim(r"median lag (\d+) months")
    assert column(acted, "lag:NL").median() == int(lag)
    (de,) = claim(r"Germany in (\d+) %")
    assert round(100 * column(china, "national:DE").mean()) == int(de)
    claim(r"no EU-wide measure is ever adopted")
    assert not china.eu_adopted.any()
    soft_china, soft_russia = claim(r"\((\d\.\d\d) of it over the first two years, against (\d\.\d\d) for Russia\)")
    assert f"{china.soft_share.mean():.2f}" == soft_china
    assert f"{russia.soft_share.mean():.2f}" == soft_russia


def test_the_counterfactual_claims_match_the_counterfactual_table(counterfactuals):
    def change(name: str, metric: str) -> tuple[str, str]:
        row = counterfactuals.loc[(name, metric)]
        return f"{row.baseline_value:.2f}", f"{row.value:.2f}"

    before, after = claim(r"Taking away US extraterritorial reach removes the unilateral rule \(P = (\S+) -> (\S+)\)")
    assert change("china_no_reach", "P(US unilateral)") == (before, after)
    claim(r"three years' patience does not: the US still acts alone in every run")
    assert change("china_patient_us", "P(US unilateral)") == ("1.00", "1.00")
    before, after = claim(r"leaves the Dutch follow-up no time before the horizon \(P = (\S+) -> (\S+)\)")
    assert change("china_patient_us", "P(NL adopts nationally)") == (before, after)
