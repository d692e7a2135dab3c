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
    joint = runs[runs.scenario == "ttc_2021_2025"]
    (n,) = claim(r"In ([\d,]+) seeded runs of the joint scenario")
    assert len(joint) == int(n.replace(",", ""))
    claim(r"Russia dual-use track ends in coordinated controls in every run, by the EU's sanctions route")
    assert joint["russia_dual_use.coordinated"].all()
    assert (joint["russia_dual_use.eu_route"] == "sanctions").all()
    (month,) = claim(r"in the median run in the invasion month itself \(month (\d+)\)")
    assert joint["russia_dual_use.month_coordinated"].median() == int(month)
    (month,) = claim(r"the US acts first, alone, in every run \(median month (\d+),")
    assert (joint["china_sme.channel"] == "unilateral").all()
    assert column(joint, "china_sme.first_us_rule").median() == int(month)
    claim(r"no EU-level measure is ever adopted and Germany never lists nationally")
    assert (joint["china_sme.eu_route"].fillna("") == "").all()
    assert column(joint, "china_sme.national:DE").isna().all()
    nl, jp = claim(r"a Dutch national measure is in force by December 2023 in only (\d+) % of runs and a Japanese one in (\d+) %")
    by_dec_2023 = 30  # 2023-12, counted from 2021-06
    assert round(100 * column(joint, "china_sme.national:NL").le(by_dec_2023).mean()) == int(nl)
    assert round(100 * column(joint, "china_sme.national:JP").le(by_dec_2023).mean()) == int(jp)
    claim(r"The US rule on AI chips stays a US rule alone in every run")
    assert (joint["china_ai_chips.outcome_class"] == "unilateral_alone").all()
    late, early = claim(r"median soft share of TTC-3 and TTC-4 is (\d\.\d\d), against (\d\.\d\d) for TTC-1 and TTC-2")
    assert f"{column(joint, 'soft_share:2022-12,2023-05').median():.2f}" == late
    assert f"{column(joint, 'soft_share:2021-09,2022-05').median():.2f}" == early


def test_the_facts_the_readme_counts_match_the_dual_track_report():
    report = " ".join((ROOT / "results" / "dual_track.md").read_text(encoding="utf-8").split())
    held, total = claim(r"(\d+) of the (\d+) stylized facts hold")
    found = re.search(r"(\d+) of (\d+) facts hold; failing: ([a-z0-9_, ]+)\.", report)
    assert found, "results/dual_track.md no longer counts the facts"
    assert (held, total) == found.groups()[:2]
    failing = set(found.group(3).split(", "))
    assert failing == {"china_sme_nl_national", "china_sme_jp_national", "es_national_list", "soft_turn"}
    claim(r"These fail: Dutch and Japanese national measures in force by December 2023")
    claim(r"Spain's national list of emerging technologies \(never\), and the soft turn")


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
