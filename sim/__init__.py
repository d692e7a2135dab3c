"""ttcsim: an agent-based model of transatlantic export-control coordination (the US-EU TTC).

Python API::

    from sim import TTCModel, load_scenario, run

    sc = load_scenario("scenarios/china_2022.toml", overrides=["us.patience=30"])
    row = run(sc, seed=1)                 # the outcome row (a dict)
    model = TTCModel(sc, rng=1).run()     # the model itself
    model.trajectory()                    # monthly trajectory as a pandas DataFrame
"""

from __future__ import annotations

from typing import Any

from sim.model import TTCModel
from sim.model.outcomes import OUTCOME_CLASSES
from sim.scenario import Scenario, ScenarioError, load_scenario

__all__ = ["OUTCOME_CLASSES", "Scenario", "ScenarioError", "TTCModel", "load_scenario", "run"]
__version__ = "0.1.0"


def run(scenario: Scenario, seed: int, run_index: int = 0) -> dict[str, Any]:
    """Run one seeded replication without recording a trajectory; return its outcome row."""
    row = TTCModel(scenario, rng=seed, record=False).run().outcome()
    row["run"] = run_index
    return row
