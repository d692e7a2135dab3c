"""Targets (stylized facts and calibration targets) are one type, validated when a file is read:
a mistyped operator, outcome field or key is one error line naming the file, the key and the
problem, never a silently different test."""

from __future__ import annotations

import math

import pytest
from conftest import ROOT

from sim import ScenarioError
from sim.analysis.calibration import load_targets as load_calibration_targets
from sim.analysis.stylized import load_facts

FACT = """[[target]]
id = "x"
scenario = "ttc_2021_2025"
label = "P(US acts alone on the chip tools)"
statistic = "share"
field = "{field}"
op = "{op}"
value = 0.7
history = "BIS rule, 7 Oct 2022"
source = "sources.md [16]"
"""


def fact_file(tmp_path, op=">=", field="china_sme.coordinated"):
    """A one-fact file in the format of the shipped facts file."""
    p = tmp_path / "facts.toml"
    p.write_text(FACT.format(op=op, field=field))
    return p


@pytest.mark.parametrize("op, meant", [("=>", ">="), ("gte", ">="), ("=<", "<="), ("lte", "<=")])
def test_an_unknown_operator_is_refused_with_a_did_you_mean(tmp_path, op, meant):
    p = fact_file(tmp_path, op=op)
    with pytest.raises(ScenarioError) as e:
        load_facts(p)
    message = str(e.value)
    assert message.startswith(f"{p}: target[0].op: unknown operator {op!r}"), message
    assert f"did you mean {meant!r}?" in message


def test_an_unknown_outcome_field_is_refused_with_a_did_you_mean(tmp_path):
    p = fact_file(tmp_path, field="china_sme.coordinatd")
    with pytest.raises(ScenarioError) as e:
        load_facts(p)
    assert str(e.value).startswith(f"{p}: target[0].field: unknown outcome field 'china_sme.coordinatd'")
    assert "did you mean 'coordinated'?" in str(e.value)


def test_a_per_track_field_without_its_track_says_how_to_name_it(tmp_path):
    p = fact_file(tmp_path, field="coordinated")
    with pytest.raises(
        ScenarioError, match="is a per-track field: name its track, e.g. china_sme.coordinated"
    ):
        load_facts(p)


@pytest.mark.parametrize(
    "field, problem",
    [
        ("china_sme.national:nl", "unknown member code 'nl' (did you mean 'NL'?)"),
        ("china_sme.national", "national needs an actor's ISO code"),
        ("china_sme.delay:NL", "unknown derived field 'china_sme.delay'"),
        ("China.national:NL", "is not a track id"),
        ("china_sme.outcome_class", "a share needs a true/false or month field"),
        ("soft_share:2022", "soft_share needs ministerial months"),
    ],
)
def test_a_calibration_target_on_a_field_it_cannot_measure_is_refused(tmp_path, field, problem):
    p = tmp_path / "t.toml"
    p.write_text(f"[[target]]\nstatistic='share'\nfield='{field}'\nop='>='\nvalue=0.5\ntolerance=0.1\n")
    with pytest.raises(ScenarioError) as e:
        load_calibration_targets(p)
    assert f"{p}: target[0].field: " in str(e.value) and problem in str(e.value)


SHIPPED_TARGETS = sorted((ROOT / "scenarios" / "targets").glob("*.toml"))


def test_the_shipped_facts_load():
    facts = load_facts()
    assert len(facts) == 15 and len({f.id for f in facts}) == 15
    assert {f.scenario for f in facts} == {"ttc_2021_2025", "russia_2022", "china_2022"}


@pytest.mark.parametrize("path", SHIPPED_TARGETS, ids=lambda p: p.stem)
def test_every_shipped_calibration_target_file_loads(path):
    targets = load_calibration_targets(path)
    assert targets and all(t.tolerance > 0 for t in targets)


# ------------------------------------------------------------------ the one loader, in detail


def write(tmp_path, body: str):
    p = tmp_path / "t.toml"
    p.write_text(body)
    return p


@pytest.mark.parametrize(
    "body, key, problem",
    [
        (
            "[[target]]\nstatistic='share'\nfield='china_sme.coordinated'\nop='>='\nvalue=0.5\ntolerence=0.1\n",
            "target[0].tolerence",
            "unknown key (did you mean 'tolerance'?)",
        ),
        (
            "[[target]]\nstatistic='sahre'\nfield='china_sme.coordinated'\nvalue=0.5\ntolerance=0.1\n",
            "target[0].statistic",
            "unknown statistic 'sahre' (did you mean 'share'?)",
        ),
        (
            "[[target]]\nstatistic='share'\nfield='china_sme.coordinated'\nop='>='\nvalue='high'\ntolerance=0.1\n",
            "target[0].value",
            "must be a finite number",
        ),
        (
            "[[target]]\nstatistic='share'\nfield='china_sme.coordinated'\nop='in'\nvalue=[0.9, 0.1]\n",
            "target[0].value",
            "[low, high]",
        ),
        (
            "[[target]]\nstatistic='share'\nfield='china_sme.coordinated'\nop='>='\nvalue=0.5\ntolerance=true\n",
            "target[0].tolerance",
            "must be a positive finite number",
        ),
        (
            "[[target]]\nstatistic='share'\nfield='china_sme.coordinated'\nop='>='\nvalue=0.5\ntolerance=nan\n",
            "target[0].tolerance",
            "must be a positive finite number",
        ),
        (
            "[[target]]\nstatistic='share'\nfield='china_sme.coordinated'\nop='>='\nvalue=0.5\nlabel=3\n",
            "target[0].label",
            "must be a string",
        ),
        (
            "[[target]]\nstatistic='share'\nfield='china_sme.coordinated'\ngiven='china_sme.channel'\nop='>='\nvalue=0.5\n",
            "target[0].given",
            "needs a true/false field",
        ),
        (
            "[[target]]\nstatistic='median'\nfield='china_sme.month_eu'\nvalue=5\n",
            "target[0].tolerance",
            "'=' needs a tolerance",
        ),
        (
            "[[target]]\nscenario='china_2022'\nstatistic='mean'\nfield='soft_deliverables'\nop='gt_scenario'\n"
            "value='russia_2022'\ntolerance=0.1\n",
            "target[0].tolerance",
            "gt_scenario",
        ),
        (
            "[[target]]\nstatistic='median'\nfield='soft_share:2022-12'\nop='gt_field'\n"
            "value='china_sme.month_eu'\n",
            "target[0].value",
            "compares fields stored alike",
        ),
        (
            "[[target]]\nstatistic='share'\nfield='china_sme.channel'\nop='>='\nvalue=0.5\nby=24\n",
            "target[0].by",
            "a share of a month field takes a month number",
        ),
        (
            "[[target]]\nstatistic='share'\nfield='china_sme.month_eu'\nop='>='\nvalue=0.5\namong=['x']\n",
            "target[0].among",
            "a share of a text field takes a list of values",
        ),
        ("[[target]]\nstatistic='share'\nvalue=0.5\nop='>='\n", "target[0].field", "missing"),
        ("target = 1\n", "target", "at least one [[target]] table"),
        ("[[target]\n", "", "malformed TOML"),
    ],
)
def test_each_problem_is_one_line_naming_file_key_and_problem(tmp_path, body, key, problem):
    from sim.analysis.targets import load_targets

    p = write(tmp_path, body)
    with pytest.raises(ScenarioError) as e:
        load_targets(p)
    assert (e.value.source, e.value.key) == (str(p), key), str(e.value)
    assert problem in e.value.problem and "\n" not in str(e.value), str(e.value)


def test_a_purpose_requires_its_keys(tmp_path):
    from sim.analysis.targets import load_targets

    p = write(tmp_path, "[[target]]\nstatistic='share'\nfield='china_sme.coordinated'\nop='>='\nvalue=0.5\n")
    assert load_targets(p)[0].tolerance is None
    with pytest.raises(ScenarioError, match=r"target\[0\]\.tolerance: missing"):
        load_calibration_targets(p)
    with pytest.raises(ScenarioError, match=r"target\[0\]\.id: missing"):
        load_facts(p)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ScenarioError, match="file not found"):
        load_calibration_targets(tmp_path / "nope.toml")


def test_each_operator_holds_and_measures_distance_consistently():
    from sim.analysis.targets import Target

    def t(op, value, tolerance=None):
        return Target(
            label="x", statistic="share", field="coordinated", op=op, value=value, tolerance=tolerance
        )

    assert t(">=", 0.5).holds(0.5) and not t(">=", 0.5).holds(0.49)
    assert t(">", 0.5).holds(0.51) and not t(">", 0.5).holds(0.5)
    assert t("<=", 0.2).holds(0.2) and not t("<=", 0.2).holds(0.21)
    assert t("in", (9, 24)).holds(9) and t("in", (9, 24)).holds(24) and not t("in", (9, 24)).holds(25)
    assert t("=", 16, 2).holds(18) and not t("=", 16, 2).holds(18.5)
    assert t("gt_scenario", "russia_2022").holds(0.4, other=0.3)
    assert not t("gt_scenario", "russia_2022").holds(0.3, other=0.3)
    assert not t(">=", 0.5).holds(math.nan)
    assert t("=", 16, 2).distance(12) == 2.0 and t(">=", 0.7, 0.1).distance(0.9) == 0.0
    assert t("in", (9, 24), 3).distance(30) == 2.0 and t("<=", 0.2, 0.1).distance(math.nan) == math.inf
    assert t("in", (9, 24)).describe() == "in 9..24" and t("=", 16, 2).describe() == "= 16 (tolerance 2)"
    assert t("gt_scenario", "russia_2022").describe() == "> russia_2022"
    assert t("gt_field", "soft_share:2021-09").holds(0.4, other=0.3)
    assert not t("gt_field", "soft_share:2021-09").holds(0.3, other=0.3)
