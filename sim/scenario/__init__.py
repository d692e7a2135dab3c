"""The scenario: what a run is given, from files and overrides, validated against one schema.

- :mod:`~sim.scenario.schema`: every settable path with its range, default, unit and meaning;
- :mod:`~sim.scenario.constants`: the model's structural constants, each with its range;
- :mod:`~sim.scenario.distributions`: uncertain values, sampled once per run;
- :mod:`~sim.scenario.errors`: :class:`ScenarioError`, the one error of bad input;
- :mod:`~sim.scenario.files`: reading files within stated limits;
- :mod:`~sim.scenario.members`: the member states' facts and preference tables;
- :mod:`~sim.scenario.tracks`: the tracks a scenario declares (:class:`TrackSpec`);
- :mod:`~sim.scenario.values`: which parameter a path names and whether a value suits it;
- :mod:`~sim.scenario.overrides`: ``PATH=VALUE`` text;
- :mod:`~sim.scenario.resolved`: the resolved :class:`Scenario` and its calendar;
- :mod:`~sim.scenario.loader`: scenario files, ``extends`` and precedence;
- :mod:`~sim.scenario.export`: a scenario written back as TOML.
"""

from sim.messages import suggest  # also for other modules' messages
from sim.scenario.errors import ScenarioError
from sim.scenario.export import to_toml
from sim.scenario.files import DATA_DIR, MAX_FILE_BYTES, read_text
from sim.scenario.loader import MAX_EXTENDS_DEPTH, load_scenario
from sim.scenario.members import MemberTable, member_table, read_preferences
from sim.scenario.overrides import parse_override, parse_value
from sim.scenario.resolved import Scenario, Shock, generator, month_diff, swap_parameters
from sim.scenario.schema import KNOWN_PATHS, MONTH_RE
from sim.scenario.tracks import TrackSpec
from sim.scenario.values import numeric_path

__all__ = [
    "DATA_DIR",
    "KNOWN_PATHS",
    "MAX_EXTENDS_DEPTH",
    "MAX_FILE_BYTES",
    "MONTH_RE",
    "MemberTable",
    "Scenario",
    "ScenarioError",
    "Shock",
    "TrackSpec",
    "generator",
    "load_scenario",
    "member_table",
    "month_diff",
    "numeric_path",
    "parse_override",
    "parse_value",
    "read_preferences",
    "read_text",
    "suggest",
    "swap_parameters",
    "to_toml",
]
