"""The outcome registry: each field is declared once, and the row, the results files' schema,
the dashboard, the sensitivity analysis and the README all follow the declaration."""

from __future__ import annotations

import re

import pyarrow as pa
import pytest
from conftest import CHINA, ROOT

from sim import load_scenario, run
from sim.model.outcomes import MONTH_FIELDS, OUTCOMES, outcome
from sim.runner.batch import OUTCOME_COLUMNS, RUN_COLUMNS, Plan

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
    assert tuple(o.name for o in OUTCOMES if o.kind == "month") == MONTH_FIELDS


def test_the_readme_names_every_outcome_field():
    named = set(re.findall(r"`([a-z_.<>]+)`", readme_section("Outcomes of one run")))
    missing = [c for c in OUTCOME_COLUMNS if c != "point" and c not in named]
    assert not missing, f"README 'Outcomes of one run' does not name {missing}"


def test_a_row_is_the_run_identity_then_the_declared_outcomes_in_their_kinds():
    sc = load_scenario(CHINA)
    for seed in range(10):
        row = run(sc, seed)
        outcomes = [k for k in row if not k.startswith("param.")]
        assert outcomes == ["scenario", "run", "seed", *(o.name for o in OUTCOMES)]
        for o in OUTCOMES:
            assert isinstance(row[o.name], PYTHON[o.kind]), (o.name, o.kind, row[o.name])


def test_the_batch_schema_is_the_runner_columns_then_the_registry():
    assert (*(name for name, _ in RUN_COLUMNS), *(o.name for o in OUTCOMES)) == OUTCOME_COLUMNS
    schema = Plan.build([CHINA], 1, 0).schema()
    kinds = dict(RUN_COLUMNS) | {o.name: o.kind for o in OUTCOMES}
    assert schema.names[: len(OUTCOME_COLUMNS)] == list(OUTCOME_COLUMNS)
    for name in OUTCOME_COLUMNS:
        assert schema.field(name).type == ARROW[kinds[name]], name


def test_dashboard_and_sensitivity_outputs_are_declared_outcomes():
    from sim.analysis.sensitivity import OUTPUTS
    from sim.dashboard.app import METRICS

    fields = [f for f, _, _ in METRICS if not f.startswith("national:")] + [f for f, _ in OUTPUTS.values()]
    assert all(outcome(f) for f in fields)
    with pytest.raises(KeyError, match="not an outcome field"):
        outcome("month_coordination")
