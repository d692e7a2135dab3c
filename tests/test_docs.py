"""The model description, ``docs/ODD.md``: its seven ODD elements, a submodel per mechanism,
and generated tables that match the declarations they come from (the parameter schema, the
constants, the outcome registry, the joint scenario and the stylized facts).

When a table is stale, ``make docs`` (``python experiments/odd_tables.py``) rewrites it.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import fields, replace

import pytest
from conftest import ROOT

from sim.analysis.stylized import ADOPTION_ROWS
from sim.model import outcomes
from sim.scenario import constants
from sim.scenario.schema import MECHANISMS, USParams

DOC = ROOT / "docs" / "ODD.md"
ELEMENTS = (
    "Purpose and patterns",
    "Entities, state variables and scales",
    "Process overview and scheduling",
    "Design concepts",
    "Initialisation",
    "Input data",
    "Submodels",
)
"""The seven elements of an ODD description, in order (second update of the protocol)."""
DESIGN_CONCEPTS = (
    "Basic principles",
    "Emergence",
    "Adaptation",
    "Objectives",
    "Learning",
    "Prediction",
    "Sensing",
    "Interaction",
    "Stochasticity",
    "Collectives",
    "Observation",
)


def load_generator():
    spec = importlib.util.spec_from_file_location("odd_tables", ROOT / "experiments" / "odd_tables.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


odd_tables = load_generator()


@pytest.fixture(scope="module")
def text() -> str:
    return DOC.read_text(encoding="utf-8")


def test_the_committed_tables_match_the_schema_registry_and_data(text):
    assert odd_tables.stale(text) == [], "docs/ODD.md is out of date: run `make docs`"


def test_a_changed_constant_default_makes_its_table_stale(text, monkeypatch):
    c = constants.CONSTANTS["w_fear"]
    monkeypatch.setitem(constants.CONSTANTS, "w_fear", replace(c, default=c.default + 0.25))
    assert odd_tables.stale(text) == ["constants:preferences"]


def test_a_changed_parameter_default_makes_the_parameter_table_stale(text, monkeypatch):
    patience = next(f for f in fields(USParams) if f.name == "patience")
    monkeypatch.setattr(patience, "default", 18.0)
    assert odd_tables.stale(text) == ["parameters"]


def test_a_new_outcome_field_makes_the_outcome_table_stale(text, monkeypatch):
    extra = replace(outcomes.OUTCOMES[-1], name="ministerials_held")
    monkeypatch.setattr(outcomes, "OUTCOMES", (*outcomes.OUTCOMES, extra))
    assert odd_tables.stale(text) == ["outcomes"]


def test_every_generated_table_has_its_place(text):
    without = odd_tables.BLOCK.sub("", text, count=1)
    with pytest.raises(ValueError, match="missing"):
        odd_tables.render(without)
    assert odd_tables.render(text) == text


def test_the_description_has_the_seven_elements_in_order(text):
    headings = re.findall(r"^## (\d) (.+)$", text, re.MULTILINE)
    assert headings == [(str(i), name) for i, name in enumerate(ELEMENTS, 1)]
    concepts = re.findall(
        r"^\*\*([A-Z][a-z ]+)\.\*\*", text.split("## 4 ")[1].split("## 5 ")[0], re.MULTILINE
    )
    assert concepts == list(DESIGN_CONCEPTS)


def test_the_null_model_pattern_names_the_adoption_rows_it_is_scored_on(text):
    paragraph = text.split("**Patterns.**")[1].split("<!-- BEGIN generated: patterns")[0]
    assert [row for row in ADOPTION_ROWS if f"`{row}`" not in paragraph] == []


def test_every_mechanism_has_a_submodel(text):
    submodels = re.findall(r"^### 7\.\d+ `(\w+)`", text, re.MULTILINE)
    assert submodels == list(MECHANISMS)


def test_the_readme_points_to_the_description():
    assert "](docs/ODD.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
