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
    nl, jp = claim(
        r"a Dutch national measure is in force by December 2023 in only (\d+) % of runs and a Japanese one in (\d+) %"
    )
    by_dec_2023 = 30  # 2023-12, counted from 2021-06
    assert round(100 * column(joint, "china_sme.national:NL").le(by_dec_2023).mean()) == int(nl)
    assert round(100 * column(joint, "china_sme.national:JP").le(by_dec_2023).mean()) == int(jp)
    claim(r"The US rule on AI chips stays a US rule alone in every run")
    assert (joint["china_ai_chips.outcome_class"] == "unilateral_alone").all()
    late, early = claim(
        r"median soft share of TTC-3 and TTC-4 is (\d\.\d\d), against (\d\.\d\d) for TTC-1 and TTC-2"
    )
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

    assert change("russia_annex_route", "P(coordinated)") == claim(
        r"closing the sanctions route ends coordination \(P = (\S+) -> (\S+)\)"
    )
    (after,) = claim(r"without the invasion it falls to P = (\d\.\d\d)")
    assert change("russia_no_invasion", "P(coordinated)")[1] == after
    claim(r"On China the US acts first and alone whatever the lever")
    china = counterfactuals.loc[[n for n in counterfactuals.index.levels[0] if n.startswith("china_")]]
    assert (china.xs("P(US first and alone)", level="metric").value >= 0.95).all()
    assert change("china_patient_us", "P(NL national measure)") == claim(
        r"leaves the Dutch no time to follow before the horizon \(P = (\S+) -> (\S+)\)"
    )
    assert change("china_no_reach", "effective alignment") == claim(r"halves alignment \((\S+) -> (\S+)\)")
    claim(r"QMV changes nothing at all")
    assert counterfactuals.loc["china_qmv"].runs_changed.eq(0).all()
    claim(r"none of the summary shares by more than 0.05")
    weak = ["china_hawkish_germany", "china_no_exporter_exposure", "china_no_retaliation"]
    weak += ["china_partner_exemption", "china_strong_commission", "china_threat_consensus"]
    for name in weak:
        t = counterfactuals.loc[name]
        assert (t.runs_changed > 0).all() and (t.change.abs() <= 0.05).all(), name


def test_the_validation_claims_match_the_validation_report():
    report = (ROOT / "results" / "validation.md").read_text(encoding="utf-8")
    verdicts = re.findall(r"\| (pass|\*\*miss\*\*) \| \S+ \|$", report, flags=re.M)
    passed, tested = claim(r"(\d+) of the (\d+) events the model speaks to pass")
    assert (verdicts.count("pass"), len(verdicts)) == (int(passed), int(tested))
    (missed,) = claim(r"(\d+) miss: Japan's order")
    assert verdicts.count("**miss**") == int(missed)
    jp, nl = claim(r"Japan's order \((\d+) % of runs\) and the Dutch rule \((\d+) %\)")
    for event, pct in [("Japan's amended ministerial order", jp), ("Dutch national rule", nl)]:
        row = next(line for line in report.splitlines() if event in line)
        assert re.search(rf"\| {pct}% of runs;", row), event
    (early,) = claim(r"countermeasure comes a median (\d+) months early")
    micron = next(line for line in report.splitlines() if line.startswith("- Operators of critical"))
    assert f"is {early} months early" in micron
    assert "Spain's order" in report and "national list never" in README


def test_the_sensitivity_and_discovery_claims_match_their_reports():
    sens = (ROOT / "results" / "sensitivity" / "china_2022" / "sensitivity.md").read_text(encoding="utf-8")
    found = re.findall(r"## (.+)\n(?:.*\n)*?Strongest driver: `([^`]+)` \(ST (\d\.\d\d)", sens)
    drivers = {name: (param, st) for name, param, st in found}
    coordinated, first, alignment = claim(
        r"members' threat perception drives coordination \(total index (\S+)\); US patience drives the month "
        r"of the first US rule \((\S+)\) and whether the Dutch follow \(\S+\); US reach drives alignment \((\S+)\)"
    )
    assert drivers["P(coordinated)"] == ("tracks.china_sme.members.*.threat", coordinated)
    assert drivers["month of the first US rule"] == ("tracks.china_sme.us.patience", first)
    assert drivers["effective alignment"] == ("tracks.china_sme.us.reach", alignment)
    disc = (ROOT / "results" / "discovery" / "china_2022_coordinated" / "discovery.md").read_text(
        encoding="utf-8"
    )
    share, density = claim(r"rare over the wide design \((\d+) % of runs\), becomes likely \((\d+) % of runs")
    (cases,) = re.findall(r"\((\d+\.\d)%\) of them cases of interest", disc)
    assert round(float(cases)) == int(share)
    assert f"density {density}%" in disc.split("## Box 2")[0]


def test_the_calibration_claims_match_the_joint_report():
    report = (ROOT / "results" / "calibration" / "ttc_2021_2025.report.md").read_text(encoding="utf-8")
    rows = {
        cells[0]: cells[1:]
        for line in report.splitlines()
        if line.startswith("| ")
        for cells in [[c.strip() for c in line.strip("|").split("|")]]
    }
    low, high = claim(r"the posterior puts US patience at (\S+) to (\S+) months")
    prior, p05, median, p95, *_ = rows["`tracks.china_sme.us.patience`"]
    assert (p05, p95) == (low, high)
    (month,) = claim(r"comes at a median month (\d+) against the real month 16")
    assert rows["China SME: first US rule (median month)"][2] == month
    nl, jp = claim(r"in force by month 30 in only (\S+) of the runs and the Japanese in (\S+) \(")
    assert rows["China SME: P(NL measure in force by month 30)"][2] == nl
    assert rows["China SME: P(JP measure in force by month 30)"][2] == jp
    claim(r"Spain's list is out of reach of every particle")
    assert rows["Emerging tech: P(ES list by month 24)"][3] == "100%"


def test_the_speed_paragraph_agrees_with_the_benchmark():
    """The README's speed figures are the ones `make bench` recorded in results/benchmark.md."""
    bench = (ROOT / "results" / "benchmark.md").read_text(encoding="utf-8")
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())

    def now(scenario: str) -> str:
        row = re.search(rf"^\| {scenario} \| [^|]+ \| ([\d.]+) \| ([\d.]+x|-) \|", bench, re.M)
        assert row, scenario
        return f"{float(row.group(1)):.0f}"

    batch = re.search(r"^\| 10,000 runs \| ([\d.]+) \|", bench, re.M)
    peak = re.search(r"^\| 100,000 runs \| [\d.]+ \| \d+ \| (\d+) MiB \|", bench, re.M)
    assert batch and peak
    for claim in (
        f"joint scenario (one TTC, five tracks, 49 months) at {now('ttc_2021_2025')} runs/s",
        f"at {now('china_2022')} (`china_2022`) and {now('russia_2022')} (`russia_2022`) runs/s",
        f"takes {batch.group(1)} s",
        f"peaks near {peak.group(1)} MiB",
    ):
        assert claim in readme, claim
