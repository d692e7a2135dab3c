"""The outcome registry: each field is declared once, and the row, the results files' schema,
the dashboard, the sensitivity analysis and the README all follow the declaration."""

from __future__ import annotations

import re

import pyarrow as pa
import pytest
from conftest import CHINA, ROOT, RUSSIA, TTC

from sim import load_scenario, run
from sim.model.outcomes import OUTCOMES, RUN_FIELDS, TRACK_FIELDS, outcome
from sim.runner.batch import OUTCOME_COLUMNS, RUN_COLUMNS, Plan
from sim.runner.designs import outcome_kind

ARROW = {
    "bool": pa.bool_(),
    "int": pa.int64(),
    "month": pa.int64(),
    "float": pa.float64(),
    "str": pa.string(),
}
PYTHON = {"bool": (bool,), "int": (int,), "month": (int, type(None)), "float": (float,), "str": (str,)}


def readme_section(title: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"### {title}\n")
    end = re.compile(r"^#{1,3} ", re.M).search(text, start + 4)
    return text[start : end.start() if end else len(text)]


def test_each_outcome_is_declared_once_with_a_kind_and_a_meaning():
    names = [o.name for o in OUTCOMES]
    assert len(names) == len(set(names))
    assert all(o.kind in ARROW and o.meaning for o in OUTCOMES)
    assert TRACK_FIELDS and RUN_FIELDS and set(TRACK_FIELDS).isdisjoint(RUN_FIELDS)


def test_the_readme_names_every_outcome_field():
    named = set(re.findall(r"`([a-z_.<>]+)`", readme_section("Outcomes of one run")))
    wanted = [c for c in OUTCOME_COLUMNS if c != "point"] + [f"<track>.{f}" for f in TRACK_FIELDS]
    missing = [c for c in wanted if c.removeprefix("<track>.") not in named and c not in named]
    assert not missing, f"README 'Outcomes of one run' does not name {missing}"


@pytest.mark.parametrize("path", [TTC, CHINA, RUSSIA], ids=lambda p: p.stem)
def test_a_row_is_the_run_identity_then_each_track_then_the_run_fields_in_their_kinds(path):
    sc = load_scenario(path)
    hard = [t.id for t in sc.tracks if t.kind == "hard"]
    per_track = [f"{t}.{o.name}" for t in hard for o in OUTCOMES if o.per_track]
    for seed in range(5):
        row = run(sc, seed)
        outcomes = [k for k in row if not k.startswith("param.")]
        assert outcomes == ["scenario", "run", "seed", *per_track, *RUN_FIELDS]
        for name in [*per_track, *RUN_FIELDS]:
            kind = outcome(name).kind
            assert isinstance(row[name], PYTHON[kind]), (name, kind, row[name])


def test_the_batch_schema_is_the_runner_columns_then_the_registry_over_the_tracks():
    assert (*(name for name, _ in RUN_COLUMNS), *RUN_FIELDS) == OUTCOME_COLUMNS
    schema = Plan.build([CHINA], 1, 0).schema()
    track = [f"china_sme.{f}" for f in TRACK_FIELDS]
    head = [name for name, _ in RUN_COLUMNS] + track + list(RUN_FIELDS)
    assert schema.names[: len(head)] == head
    for name in head:
        assert schema.field(name).type == ARROW[outcome_kind(name)], name
    assert outcome_kind("param.tracks.china_sme.us.lag") is None


def test_a_batch_of_scenarios_with_different_tracks_has_the_union_of_their_columns():
    """One-track Russia and China in one batch: both tracks' columns, each null in the rows
    of the scenario without that track."""
    df = Plan.build([RUSSIA, CHINA], 1, 0)
    names = df.schema().names
    assert "russia_dual_use.outcome_class" in names and "china_sme.outcome_class" in names
    assert names.index("china_sme.coordinated") < names.index("russia_dual_use.coordinated")
    from sim.runner import simulate

    rows = simulate([RUSSIA, CHINA], 2, seed=3).set_index("scenario")
    assert rows.loc["russia_2022", "china_sme.outcome_class"].isna().all()
    assert rows.loc["china_2022", "russia_dual_use.outcome_class"].isna().all()
    assert rows.loc["china_2022", "china_sme.outcome_class"].notna().all()


def test_dashboard_and_sensitivity_outputs_are_declared_outcomes():
    from sim.analysis.sensitivity import OUTPUTS
    from sim.analysis.targets import field_kind
    from sim.dashboard.app import METRICS

    assert all(outcome(m.field) for m in METRICS)
    # sensitivity outputs are declared per-track fields or fields derived from them
    assert all(field_kind(f, "sensitivity", label) for label, (f, _) in OUTPUTS.items())
    with pytest.raises(KeyError, match="not an outcome field"):
        outcome("month_coordination")
