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
    sens = (ROOT / "results" / "sensitivity" / "ttc_2021_2025" / "sensitivity.md").read_text(encoding="utf-8")

    def section(output: str) -> str:
        return sens.split(f"## {output}\n", 1)[1].split("\n## ", 1)[0]

    def top(output: str, parameter: str) -> str:
        """The parameter's total index, which must be the output's largest."""
        rows = [line for line in section(output).splitlines() if line.startswith("| `")]
        totals = {row.split("|")[1].strip(" `"): float(row.split("|")[4]) for row in rows}
        assert max(totals, key=lambda k: totals[k]) == parameter, (output, totals)
        return f"{totals[parameter]:.2f}"

    def noise(output: str) -> str:
        (share,) = re.findall(re.escape(output) + r" ([\d.]+)%", sens.split("own noise (replications):")[1])
        return f"{round(float(share))} %"

    russia, channel, first, channel_noise, first_noise, dutch = claim(
        r"drives Russia's coordination \(total index (\S+)\);.*?on chip\s+tools \((\S+)\) and when "
        r"\((\S+)\), outcomes that are mostly noise \((\d+ %) and\s+(\d+ %) of their variance\);"
        r".*?drives the Dutch measure by December 2023 \((\S+)\)"
    )
    assert top("russia_dual_use.coordinated", "constants.w_fear") == russia
    outside = "china_sme.channel in ['unilateral', 'minilateral']"
    assert top(outside, "constants.unilateral_cost") == channel
    assert top("china_sme.first_us_rule", "constants.unilateral_cost") == first
    assert noise(outside) == channel_noise and noise("china_sme.first_us_rule") == first_noise
    assert top("china_sme.national:NL <= 30", "constants.key_supply") == dutch

    def discovery(name: str) -> str:
        return (ROOT / "results" / "discovery" / f"ttc_2021_2025_{name}" / "discovery.md").read_text(
            encoding="utf-8"
        )

    def cases(text: str) -> str:
        (share,) = re.findall(r"\((\d+\.\d)%\) of them cases of interest", text)
        return share

    share, density, key, looser = claim(
        r"in force by December 2023 in ([\d.]+) % of the broad\s+prior's runs, and in (\d+) % of the runs "
        r"of a box that keeps `constants.key_supply` below\s+about (\S+) \(among (\d+) looser limits\)"
    )
    nl = discovery("nl_national")
    assert cases(nl) == share
    box = nl.split("## Box 1")[1].split("## Box 2")[0]
    assert f"density {density}%" in box
    limits = [line for line in box.splitlines() if line.startswith("| `")]
    key_row = next(line for line in limits if line.startswith("| `constants.key_supply` |"))
    assert f"{float(key_row.split('|')[3]):.2f}" == key and len(limits) - 1 == int(looser)
    (coordinated,) = claim(r"\[([\d.]+) % of runs\]\(results/discovery/ttc_2021_2025_coordinated")
    assert cases(discovery("coordinated")) == coordinated
    (within,) = claim(r"comes within a year\]\([^)]+\)\s+in (\d+) % of them")
    assert round(float(cases(discovery("early_us_rule")))) == int(within)


def test_the_held_out_claims_match_the_holdout_report():
    text = (ROOT / "results" / "holdout.md").read_text(encoding="utf-8")
    totals = text.split("## Totals")[1].split("## Reading")[0]
    every, common = totals.split("On the ")
    rows = {
        line.split("|")[1].strip(): line.split("|")[2:]
        for line in every.splitlines()
        if line.startswith("| ")
    }
    brier = claim(r"model (\S+), prior predictive (\S+), null\s+model (\S+); mean CRPS")
    crps = claim(r"over the 11 dated measures: (\S+), (\S+) and (\S+) months")
    for k, source in enumerate(("model", "prior predictive", "null")):
        assert rows[source][0].strip() == brier[k] and rows[source][1].strip() == crps[k], source
    right, wrong = claim(r"The\s+model is right on (\d+) of the 15:.*?It is\s+wrong on (\d+):")
    assert rows["model"][2].strip() == right and rows["model"][5].strip() == wrong
    assert common.startswith("8 events the null model's rows can express")
    both = {
        line.split("|")[1].strip(): line.split("|")[2].strip()
        for line in common.splitlines()
        if line.startswith("| ")
    }
    assert claim(r"on the 8 events its rows can express, the mean Brier is (\S+) against (\S+)\.") == (
        both["model"],
        both["null"],
    )
    (updates,) = claim(r"on chip tools in at most\s+(\d+) % of runs, on AI chips never")
    shares = re.findall(
        r"\| US (?:update of the Oct 2022 rules|rule of 2 Dec 2024) \([^|]*\| [^|]* \| [^|]* \| model \| (\d+)%",
        text,
    )
    assert len(shares) == 4 and max(map(int, shares)) == int(updates) and min(map(int, shares)) == 0


def test_the_ablation_claims_match_the_ablation_report():
    text = (ROOT / "results" / "ablations.md").read_text(encoding="utf-8")
    (on,) = re.findall(r"Held-out: mean Brier ([\d.]+),", text)
    rows = {
        line.split("|")[1].strip(" `"): line.split("|")
        for line in text.splitlines()
        if line.startswith("| `")
    }

    def off(mechanism: str) -> str:
        before, after = rows[mechanism][4].strip().split(" → ")
        assert before == on
        return after

    base, channel, counter, cascade = claim(
        r"held-out mean Brier\s+rises from (\S+) to (\S+); without `countermeasures` to (\S+), without\s+"
        r"`regime_cascade` to (\S+) "
    )
    assert base == on and channel == off("channel_choice") and counter == off("countermeasures")
    assert cascade == off("regime_cascade")
    eu, bargaining = claim(r"slightly better \((\S+) and (\S+)\)")
    assert (eu, bargaining) == (off("eu_routes"), off("bargaining"))
    assert float(eu) < float(on) and float(bargaining) < float(on)
    for mechanism in ("eu_routes", "bargaining"):
        assert "Russia: P(coordinated): " in rows[mechanism][2] and "no longer holds" in rows[mechanism][2]


def test_the_uncertainty_claims_match_the_uncertainty_report():
    text = (ROOT / "results" / "uncertainty.md").read_text(encoding="utf-8")
    rows = {
        re.findall(r"\(`(\w+)`\)", line)[0]: [c.strip() for c in line.split("|")[1:-1]]
        for line in text.split("## (a)")[1].split("## (b)")[0].splitlines()
        if line.startswith("| ") and "(`" in line
    }
    prior = {k: float(v[4].split()[0]) for k, v in rows.items()}
    (holding,) = claim(r"\(99 varied inputs, `sim/analysis/priors.py`\), (\d+) of the\s+12 section 7 rows")
    assert sum(p >= 0.5 for p in prior.values()) == int(holding) and len(prior) == 12
    (null,) = claim(r"gets at least two adoption rows wrong \(in (\S+) of draws\)")
    assert f"{prior['null_wrong']:.2f}" == null
    nl, jp, es, us = claim(
        r"hold in only (\S+) and (\S+) of draws, Spain's list in (\S+) and the US acting\s+first outside the TTC in (\S+) "
    )
    for value, key in zip(
        (nl, jp, es, us),
        ("china_sme_nl_national", "china_sme_jp_national", "es_national_list", "china_sme_us_outside_ttc"),
        strict=True,
    ):
        assert f"{prior[key]:.2f}" == value, key
        assert rows[key][2].startswith("1.00"), key  # every batch of the shipped scenario
    to, pct = claim(r"`constants.w_fear`, from 0.75 to (\S+) \((\d+ %) of its range\)")
    tipping = text.split("## (b)")[1]
    nl_row = next(line for line in tipping.splitlines() if "(`china_sme_nl_national`)" in line)
    nearest = nl_row.split("|")[4].split("); ")[0]  # the first, nearest tipping point
    assert (
        f"`constants.w_fear` raised from 0.75 to {to} " in nearest
        and f"; {pct.replace(' ', '')} of its broad" in nearest
    )


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


def test_the_speed_floor_and_the_runner_comparison_agree_with_the_benchmark():
    """The README says the joint scenario meets the floor of 150 runs/s per core exactly when
    the benchmark's target table says so, and quotes its runner against `mesa.batch_run`."""
    bench = (ROOT / "results" / "benchmark.md").read_text(encoding="utf-8")
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    floor = re.search(r"^\| >= 150 runs/s per core \(model, the joint `ttc_2021_2025`\) \| ([^|]+) \|", bench, re.M)
    assert floor, "the benchmark has no target row for the floor"
    met = floor.group(1).strip() == "yes"
    assert ("meets the floor of 150 runs/s per core" in readme) == met
    assert ("below the floor of 150 runs/s per core" in readme) == (not met)

    def versus_mesa(label: str) -> str:
        found = re.search(rf"^\| ttcsim runner, {label} \|.*\| ([\d.]+x) \|$", bench, re.M)
        assert found, label
        return found.group(1)

    claim = f"Our runner is {versus_mesa('2 workers')} as fast as `mesa.batch_run` on 2 cores and {versus_mesa('1 worker')} on one"
    assert claim in readme, claim
