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


def pct(series: pd.Series) -> float:
    """A share of runs in percent."""
    return 100 * float(series.mean())


def says(text: str, value: float) -> bool:
    """Whether the README's ``text`` is ``value`` rounded to as many decimals as it shows."""
    decimals = len(text.split(".")[1]) if "." in text else 0
    return abs(float(text) - value) <= 0.5 * 10**-decimals + 1e-9


def test_the_headline_paragraph_matches_the_dual_track_results(runs):
    joint = runs[runs.scenario == "ttc_2021_2025"]
    (n,) = claim(r"In ([\d,]+) seeded runs of the joint scenario")
    assert len(joint) == int(n.replace(",", ""))
    (share,) = claim(r"Russia dual-use track ends in coordinated controls in ([\d.]+) % of runs, by the EU's")
    assert says(share, pct(joint["russia_dual_use.coordinated"]))
    coordinated = joint[joint["russia_dual_use.coordinated"]]
    assert (coordinated["russia_dual_use.eu_route"] == "sanctions").all()
    (month,) = claim(r"in the median run in the invasion month itself \(month (\d+)\)")
    assert joint["russia_dual_use.month_coordinated"].median() == int(month)
    outside, alone, mini = claim(
        r"the US decides first and outside the TTC in ([\d.]+) % of runs: alone in (\d+) %, with a "
        r"minilateral of the key suppliers \(the Netherlands and Japan\) in (\d+) %"
    )
    channel = joint["china_sme.channel"]
    assert says(outside, pct(channel.isin(["unilateral", "minilateral"])))
    assert says(alone, pct(channel == "unilateral")) and says(mini, pct(channel == "minilateral"))
    claim(r"No EU-level measure is ever adopted and Germany never lists nationally")
    assert (joint["china_sme.eu_route"].fillna("") == "").all()
    assert column(joint, "china_sme.national:DE").isna().all()
    nl, jp = claim(
        r"a Dutch national measure is in force by December 2023 in (\d+) % of runs and a Japanese one in (\d+) %"
    )
    by_dec_2023 = 30  # 2023-12, counted from 2021-06
    assert says(nl, pct(column(joint, "china_sme.national:NL").le(by_dec_2023)))
    assert says(jp, pct(column(joint, "china_sme.national:JP").le(by_dec_2023)))
    claim(r"The US rule on AI chips stays a US rule alone in every run")
    assert (joint["china_ai_chips.channel"] == "unilateral").all()
    assert (column(joint, "china_ai_chips.month_eu").isna()).all()
    (es,) = claim(r"Spain lists emerging technologies nationally by June 2023 in (\d+) % of runs")
    assert says(es, pct(column(joint, "emerging_tech.national:ES").le(24)))
    late, early, last = claim(
        r"median soft share of TTC-3 and TTC-4 is (\d\.\d+), against (\d\.\d+) for TTC-1 and TTC-2 "
        r"\(and (\d\.\d+) for TTC-5 and TTC-6\)"
    )
    assert float(late) == column(joint, "soft_share:2022-12,2023-05").median()
    assert float(early) == column(joint, "soft_share:2021-09,2022-05").median()
    assert float(last) == column(joint, "soft_share:2024-01,2024-04").median()
    nl_month, jp_month = claim(r"the Dutch and Japanese measures follow at median months (\d+) and (\d+)")
    assert column(joint, "china_sme.national:NL").median() == int(nl_month)
    assert column(joint, "china_sme.national:JP").median() == int(jp_month)
    (ai,) = claim(r"China answers the US rule on AI chips in (\d+) % of runs")
    assert says(ai, pct(joint["china_ai_chips.countermeasure_months"].fillna("") != ""))
    (first,) = claim(r"its first countermeasure on the chip tools comes at a median month (\d+)")
    first_months = pd.to_numeric(joint["china_sme.countermeasure_months"].fillna("").str.split().str[0])
    assert first_months.median() == int(first)


def test_the_facts_and_the_null_model_the_readme_counts_match_the_dual_track_report():
    report = " ".join((ROOT / "results" / "dual_track.md").read_text(encoding="utf-8").split())
    (total,) = claim(r"All (\d+) stylized facts hold")
    assert f"{total} of {total} facts hold." in report
    wrong = claim(r"The static null model .*? gets (\w+) of the six adoption rows wrong")[0]
    found = re.search(r"it gets (\d+) of the 6 adoption rows wrong \(([a-z_, ]+)\)", report)
    assert found, "results/dual_track.md no longer scores the null model"
    assert {"three": "3", "two": "2", "four": "4"}[wrong] == found.group(1)
    assert set(found.group(2).split(", ")) == {
        "russia_coordinated",
        "china_sme_nl_national",
        "china_sme_jp_national",
    }


def test_the_counterfactual_claims_match_the_counterfactual_table(counterfactuals):
    def after(name: str, metric: str) -> str:
        return f"{counterfactuals.loc[(name, metric)].value:.2f}"

    def before(name: str, metric: str) -> str:
        return f"{counterfactuals.loc[(name, metric)].baseline_value:.2f}"

    coord = "P(coordinated)"
    low, high = claim(r"or no invasion each end coordination \(P = \S+ -> (\S+) to (\S+)\)")
    ends = sorted(
        after(n, coord) for n in ("russia_annex_route", "russia_china_exposure", "russia_no_invasion")
    )
    assert (ends[0], ends[-1]) == (low, high)
    alone = "P(US first and alone)"
    base, consensus = claim(r"a Russia-level threat consensus among the members \((\S+) -> (\S+)\)")
    assert (before("china_threat_consensus", alone), after("china_threat_consensus", alone)) == (
        base,
        consensus,
    )
    exemption, patient, exposure = claim(
        r"a full partner exemption \(-> (\S+)\), a patient US \(-> (\S+)\) or no Dutch and German "
        r"exposure \(-> (\S+)\)"
    )
    assert after("china_partner_exemption", alone) == exemption
    assert after("china_patient_us", alone) == patient
    assert after("china_no_exporter_exposure", alone) == exposure
    (nl,) = claim(r"without US reach the Dutch follow in (\d+) % of runs instead of all")
    assert round(100 * counterfactuals.loc[("china_no_reach", "P(NL national measure)")].value) == int(nl)
    assert before("china_no_reach", "P(NL national measure)") == "1.00"
    claim(r"move none of the summary shares by more than 0.05")
    for name in ("china_hawkish_germany", "china_no_retaliation", "china_qmv", "china_strong_commission"):
        assert (counterfactuals.loc[name].change.abs() <= 0.05).all(), name


def test_the_validation_claims_match_the_validation_report():
    report = (ROOT / "results" / "validation.md").read_text(encoding="utf-8")
    verdicts = re.findall(r"\| (pass|\*\*miss\*\*) \| \S+ \|$", report, flags=re.M)
    passed, tested = claim(r"(\d+) of the (\d+) events the model speaks to pass")
    assert (verdicts.count("pass"), len(verdicts)) == (int(passed), int(tested))
    (missed,) = claim(r"(\d+) miss on timing")
    assert verdicts.count("**miss**") == int(missed)
    jp, nl = claim(r"Japanese and Dutch measures \(in (\d+) % and (\d+) % of runs")
    for event, share in [("Japan's amended ministerial order", jp), ("Dutch national rule", nl)]:
        row = next(line for line in report.splitlines() if event in line)
        assert re.search(rf"\| {share}% of runs;", row) and row.endswith(
            "| pass | [107][108] |" if "Japan" in event else "| pass | [31][32] |"
        ), event
    (us_month,) = claim(
        r"the US rules of October 2022 on both China tracks come in (\w+ \d{4}) in the median run"
    )
    rows = [
        line for line in report.splitlines() if "US advanced-computing" in line and "| **miss** |" in line
    ]
    assert len(rows) == 2
    (cm_month,) = claim(r"China's first countermeasure \(the Micron ban, May 2023\) in (\w+ \d{4})")
    micron = next(line for line in report.splitlines() if line.startswith("| 2023-05-21"))
    spain = next(line for line in report.splitlines() if "Spain's order" in line)
    as_month = {"July 2021": "2021-07", "August 2021": "2021-08"}
    assert all(f"median {as_month[us_month]}" in row for row in rows)
    assert f"median {as_month[cm_month]}" in micron and "| **miss** |" in micron
    claim(r"and Spain's list a month early \(May 2023, in every run\)")
    assert "median 2023-05 (90 %: 2023-05 to 2023-05)" in spain and "| **miss** |" in spain


def test_the_sensitivity_and_discovery_claims_match_their_reports():
    sens = (ROOT / "results" / "sensitivity" / "china_2022" / "sensitivity.md").read_text(encoding="utf-8")

    def total(output: str, parameter: str) -> str:
        section = sens.split(f"## {output}\n", 1)[1].split("\n## ", 1)[0]
        row = next(line for line in section.splitlines() if line.startswith(f"| `{parameter}` |"))
        return f"{float(row.split('|')[4]):.2f}"

    coordinated, exposure, first, patience, dutch, alignment = claim(
        r"members' threat perception drives coordination \(total index (\S+), with Dutch exposure (\S+)\); "
        r"US reach drives the month of the first US rule \((\S+), then patience (\S+)\), whether the "
        r"Dutch follow \((\S+)\) and alignment \((\S+)\)"
    )
    members, nl_exposure = "tracks.china_sme.members.*.threat", "tracks.china_sme.members.NL.exposure"
    reach, us_patience = "tracks.china_sme.us.reach", "tracks.china_sme.us.patience"
    assert total("P(coordinated)", members) == coordinated
    assert total("P(coordinated)", nl_exposure) == exposure
    assert total("month of the first US rule", reach) == first
    assert total("month of the first US rule", us_patience) == patience
    assert total("P(NL national measure)", reach) == dutch
    assert total("effective alignment", reach) == alignment
    disc = (ROOT / "results" / "discovery" / "china_2022_coordinated" / "discovery.md").read_text(
        encoding="utf-8"
    )
    share, density = claim(r"rare over the wide design \(([\d.]+) % of runs\), holds in (\d+) % of the runs")
    (cases,) = re.findall(r"\((\d+\.\d)%\) of them cases of interest", disc)
    assert cases == share
    assert f"density {density}%" in disc.split("## Box 2")[0]
    early = (ROOT / "results" / "discovery" / "china_2022_early_us_rule" / "discovery.md").read_text(
        encoding="utf-8"
    )
    (within,) = claim(r"comes within a year\]\([^)]+\) in (\d+) % of the design's runs")
    (cases,) = re.findall(r"\((\d+\.\d)%\) of them cases of interest", early)
    assert round(float(cases)) == int(within)


def test_the_calibration_claims_match_the_joint_report():
    report = (ROOT / "results" / "calibration" / "ttc_2021_2025.report.md").read_text(encoding="utf-8")
    rows = {
        cells[0]: cells[1:]
        for line in report.splitlines()
        if line.startswith("| ")
        for cells in [[c.strip() for c in line.strip("|").split("|")]]
    }
    (month,) = claim(
        r"the posterior's weighted mean is month (\S+), with US patience pushed up to a median (\d+)"
    )[:1]
    target = rows["China SME: first US rule (median month)"]
    assert target[2] == month and target[3] == "100%"
    (patience,) = claim(r"with US patience pushed up to a median (\d+) months")
    assert round(float(rows["`tracks.china_sme.us.patience`"][2])) == int(patience)
    claim(r"while every other target holds")
    widths = {k: float(v[-1]) for k, v in rows.items() if k.startswith("`tracks.")}
    (lag_width,) = claim(r"spans (\S+) of its prior range")
    assert f"{widths.pop('`tracks.china_sme.us.lag`'):.2f}" == lag_width
    low, high = claim(r"the other four parameters keep (\S+) to (\S+) of theirs")
    assert (f"{min(widths.values()):.2f}", f"{max(widths.values()):.2f}") == (low, high)
    russia = (ROOT / "results" / "calibration" / "russia_2022.report.md").read_text(encoding="utf-8")
    (met,) = claim(r"\((\d+) % of the prior's draws meet all of them\)")
    assert f"{met}% of the prior's draws meet every target" in russia
    for label, (wanted, _prior, posterior, *_rest) in rows.items():
        if label.startswith(("Russia:", "China", "Emerging")) and "first US rule" not in label:
            op, value = wanted.split()[0], float(wanted.split()[1])
            tolerance = float(wanted.split("tolerance ")[1].rstrip(")"))
            x = float(posterior)
            assert (
                (x >= value - tolerance)
                if op == ">="
                else (x <= value + tolerance)
                if op == "<="
                else (abs(x - value) <= tolerance)
            ), label


def test_the_speed_paragraph_agrees_with_the_benchmark():
    """The README's speed figures are the ones `make bench` recorded in results/benchmark.md."""
    bench = (ROOT / "results" / "benchmark.md").read_text(encoding="utf-8")
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())

    def row(scenario: str) -> list[str]:
        found = re.search(rf"^\| {scenario} \|(.*)\|$", bench, re.M)
        assert found, scenario
        return [cell.strip() for cell in found.group(1).split("|")]

    def now(scenario: str) -> str:
        return f"{float(row(scenario)[2]):.0f}"

    joint = re.search(r"^\| 10,000 runs of `ttc_2021_2025` \| ([\d.]+) \| \d+ \| (\d+) MiB \|", bench, re.M)
    peak = re.search(
        r"^\| 100,000 runs, both one-track scenarios \| [\d.]+ \| \d+ \| (\d+) MiB \|", bench, re.M
    )
    assert joint and peak
    for claim in (
        f"joint scenario (one TTC, five tracks, 49 months) at {now('ttc_2021_2025')} runs/s",
        f"{row('ttc_2021_2025')[4]} its speed before optimisation ({float(row('ttc_2021_2025')[1]):.0f} runs/s)",
        f"at {now('china_2022')} (`china_2022`) and {now('russia_2022')} (`russia_2022`) runs/s",
        f"a 10,000-run batch of the joint scenario takes {joint.group(1)} s and peaks near {joint.group(2)} MiB",
        f"a 100,000-run batch of the one-track scenarios peaks near {peak.group(1)} MiB",
    ):
        assert claim in readme, claim
