"""The broad prior: a range for every input nobody sourced and for every structural constant.

The shipped scenario gives each input one value (or a narrow distribution); where no source
set it, its comment says "assumption". The broad prior says how far such an input could
plausibly be from the value chosen, and is read from the files themselves, so a new
assumption is covered the moment it is written down:

* **a scenario value** whose comment (or its ``[[shocks]]`` table's comment) says
  "assumption": from half to twice the shipped value (a distribution: from half its lowest to
  twice its highest value), clipped to the parameter's valid range (``ttcsim params``); a
  shock's size from half to twice its delta, at most the width of its parameter's range;
* **a preference table's column** (``tracks.<id>.members.preferences``, a CSV of per-member
  values): a cell is sourced when a clause of its row's ``source`` (clauses are separated by
  ``;``) names the column, cites a source ``[n]`` and does not say "assumption"; every other
  cell is assumed. The assumed cells of one column move together by one factor, half to
  twice their shipped values (clipped to the valid range), the members' cells by one and the
  allies' by another: ``tracks.<id>.members.*.<key>`` and ``tracks.<id>.allies.*.<key>``,
  whose value is the multiplier. A cell the scenario file sets itself follows the file;
* **every constant** (``constants.<name>``): the range its declaration gives
  (:mod:`sim.scenario.constants`).

Each factor is uniform over its range. A value of 0 stays 0 (halving and doubling it give 0):
such a factor is listed, and not varied. A draw is applied as a scenario file would say it (a
general key leaves the values that tracks set for themselves in place).

Inputs that are not parameters are not in the prior: the supply shares, exports at stake
and material dependences of ``sim/data/`` (:func:`data_assumptions` counts the rows there
marked "assumption").
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.scenario import DATA_DIR, Scenario, ScenarioError, Shock, load_scenario, read_text
from sim.scenario import schema as P
from sim.scenario.constants import CONSTANTS
from sim.scenario.distributions import Distribution
from sim.scenario.members import find_preferences
from sim.scenario.values import numeric_path, set_path

MARK = "assumption"
"""The word that marks an input nobody sourced, in a value's comment or a table's source column."""
LOW, HIGH = 0.5, 2.0
"""The broad range of an assumed input: from half to twice its shipped value."""
SOURCE = "prior"
"""How errors name the values a prior draw sets."""
ALIASES = {"retaliation_fear": ("retaliation_fear", "fear")}
"""Other words a preference table's ``source`` uses for a column."""
CITATION = re.compile(r"\[\d+\]")


@dataclass(frozen=True)
class Factor:
    """One input of the broad prior, uniform over ``[low, high]``.

    ``kind`` says what the value sets: ``value``, the parameter at ``name``; ``scale``, a
    multiplier of the shipped values of ``cells`` (a preference table's assumed cells);
    ``shock``, the delta of the scenario's shock number ``shock``. ``shipped`` is the value the
    scenario gives (a distribution's mean; 1 for a multiplier); ``origin`` says where the
    input is declared."""

    name: str
    kind: str
    low: float
    high: float
    shipped: float
    unit: str
    origin: str
    cells: tuple[tuple[str, float], ...] = ()
    shock: int = -1

    @property
    def varied(self) -> bool:
        return self.high > self.low

    @property
    def width(self) -> float:
        return self.high - self.low


def _mean(value: Any) -> float:
    """A number, or a distribution's mean (uniform, triangular, normal, beta)."""
    if not isinstance(value, Distribution):
        return float(value)
    if value.kind == "normal":
        return value.arg("mean")
    if value.kind == "triangular":
        return (value.arg("low") + value.arg("mode") + value.arg("high")) / 3
    if value.kind == "beta":
        a, b = value.arg("a"), value.arg("b")
        lo, hi = value.arg("low", 0.0), value.arg("high", 1.0)
        return lo + (hi - lo) * a / (a + b)
    return (value.arg("low") + value.arg("high")) / 2


def broad(value: Any, valid: tuple[float, float]) -> tuple[float, float]:
    """Half the lowest to twice the highest value ``value`` takes, clipped to ``valid``."""
    lo, hi = value.support() if isinstance(value, Distribution) else (float(value), float(value))
    return max(valid[0], LOW * lo), min(valid[1], HIGH * hi)


def _unit(valid: tuple[float, float]) -> str:
    return P.UNITS.get(valid, "")


# ----------------------------------------------------------------------------- the scenario file

HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
KEY_LINE = re.compile(r"^\s*([A-Za-z0-9_\"*-]+)\s*=")


def marked_values(path: Path) -> list[tuple[int, str, int]]:
    """The values of a scenario file that its comments mark as assumptions: (the marking
    comment's line number, dotted key, shock index or -1). A key's own comment marks it; a
    table's comment marks its keys (a ``[[shocks]]`` table's, that shock's ``delta``)."""
    text = read_text(path)
    out: list[tuple[int, str, int]] = []
    table, table_marked, table_line, shock = "", False, 0, -1
    for number, line in enumerate(text.splitlines(), start=1):
        head = HEADER.match(line)
        if head:
            table = head.group(2).replace('"', "")
            table_marked, table_line = MARK in (head.group(3) or ""), number
            if head.group(1) == "[[":
                shock += 1
            continue
        key = KEY_LINE.match(line)
        if not key:
            continue
        comment = line.partition("#")[2] if "#" in line.split("=", 1)[1] else ""
        name = key.group(1).replace('"', "")
        if table == "shocks":
            if name == "delta" and (table_marked or MARK in comment):
                out.append((number if MARK in comment else table_line, f"shocks[{shock}].delta", shock))
        elif MARK in comment or table_marked:
            out.append((number if MARK in comment else table_line, f"{table}.{name}" if table else name, -1))
    return out


def _lookup(doc: dict[str, Any], dotted: str) -> Any:
    node: Any = doc
    for part in dotted.split("."):
        node = node[part]
    return node


def scenario_factors(path: Path, sc: Scenario) -> list[Factor]:
    """A factor for every value the scenario file marks as an assumption."""
    doc = tomllib.loads(read_text(path))
    out = []
    for line, key, shock in marked_values(path):
        if key.startswith("constants."):  # a constant has its declared range (constant_factors)
            continue
        origin = f"{path.name}:{line}"
        if shock >= 0:
            s = sc.shocks[shock]
            lo_ok, hi_ok = numeric_path(str(path), s.path, f"shocks[{shock}].path", sc)
            width = hi_ok - lo_ok
            lo, hi = sorted((LOW * s.delta, HIGH * s.delta))
            out.append(
                Factor(
                    key,
                    "shock",
                    max(-width, lo),
                    min(width, hi),
                    s.delta,
                    f"change of {s.path}",
                    f"{origin} ({s.month})",
                    shock=shock,
                )
            )
            continue
        value = sc.values.get(key, _lookup(doc, key))
        if not isinstance(value, (int, float, Distribution)) or isinstance(value, bool):
            raise ScenarioError(
                str(path), key, "marked as an assumption but not a number: the prior cannot vary it"
            )
        valid = numeric_path(str(path), key, sc=sc)
        lo, hi = broad(value, valid)
        out.append(Factor(key, "value", lo, hi, _mean(value), _unit(valid), origin))
    return out


# ----------------------------------------------------------------------------- preference tables


def sourced(column: str, source: str) -> bool:
    """Whether a row's ``source`` text sources its ``column``: a clause (``;``-separated)
    names the column, cites a source ``[n]`` and does not say "assumption"."""
    names = ALIASES.get(column, (column,))
    for clause in source.split(";"):
        words = set(re.findall(r"\w+", clause))
        if words & set(names) and CITATION.search(clause) and MARK not in clause:
            return True
    return False


def preference_tables(path: Path) -> list[tuple[str, Path]]:
    """The preference tables a scenario file names: (the path prefix of its rows, the CSV)."""
    doc = tomllib.loads(read_text(path))
    out = []
    if isinstance(doc.get("members"), dict) and "preferences" in doc["members"]:
        out.append(("", doc["members"]["preferences"]))
    for track, table in sorted(doc.get("tracks", {}).items()):
        members = table.get("members", {}) if isinstance(table, dict) else {}
        if isinstance(members, dict) and "preferences" in members:
            out.append((f"tracks.{track}.", members["preferences"]))
    found = []
    for prefix, ref in out:
        csv_path = find_preferences(path, ref)
        if csv_path is None:
            raise ScenarioError(str(path), f"{prefix}members.preferences", f"file {ref!r} not found")
        found.append((prefix, csv_path))
    return found


def table_factors(path: Path, sc: Scenario, explicit: set[str]) -> list[Factor]:
    """One multiplier per preference table, column and group (members, allies) over the
    table's assumed cells; cells whose path the scenario file sets itself (``explicit``) are
    left to the file."""
    out = []
    for prefix, csv_path in preference_tables(path):
        rows = list(csv.DictReader(io.StringIO(read_text(csv_path), newline="")))
        for key in P.MEMBER_KEYS:
            valid = P.value_range("members", key)
            for group, codes in (("members", sc.members), ("allies", sc.allies)):
                cells = []
                for row in rows:
                    if row["iso"] not in codes:
                        continue
                    cell = f"{prefix}{group}.{row['iso']}.{key}"
                    if cell in explicit or sourced(key, row.get("source", "")):
                        continue
                    cells.append((cell, float(row[key])))
                if not cells:
                    continue
                varied = any(v != 0 for _, v in cells)
                out.append(
                    Factor(
                        f"{prefix}{group}.*.{key}",
                        "scale",
                        LOW if varied else 1.0,
                        HIGH if varied else 1.0,
                        1.0,
                        f"x shipped {_unit(valid) or 'value'}",
                        f"{csv_path.name}: {len(cells)} assumed cell(s) of {key}",
                        cells=tuple(cells),
                    )
                )
    return out


def constant_factors(sc: Scenario) -> list[Factor]:
    """Every structural constant over its declared range (its shipped value is the scenario's)."""
    return [
        Factor(
            f"constants.{name}",
            "value",
            c.low,
            c.high,
            _mean(sc.values.get(f"constants.{name}", c.default)),
            "constant",
            f"constants ({c.mechanism})",
        )
        for name, c in CONSTANTS.items()
    ]


# ----------------------------------------------------------------------------- the prior


@dataclass(frozen=True)
class Prior:
    """The broad prior of a scenario file: its factors (constants first, then the file's
    values in file order, then the preference tables' columns) and the scenario they apply to."""

    scenario: Scenario
    factors: tuple[Factor, ...]

    @property
    def varied(self) -> list[Factor]:
        return [f for f in self.factors if f.varied]

    @cached_property
    def by_name(self) -> dict[str, Factor]:
        return {f.name: f for f in self.factors}

    def factor(self, name: str) -> Factor:
        f = self.by_name.get(name)
        if f is not None:
            return f
        from sim.scenario import suggest

        raise ScenarioError(
            "prior", name, f"not a factor of the prior{suggest(name, [f.name for f in self.factors])}"
        )

    def ranges(self) -> dict[str, tuple[float, float]]:
        """Each varied factor's range (for a sensitivity design)."""
        return {f.name: (f.low, f.high) for f in self.varied}

    def without(self, paths: Iterable[str]) -> Prior:
        """The prior without the factors and cells at ``paths`` (e.g. calibrated parameters)."""
        drop = set(paths)
        kept = []
        for f in self.factors:
            if f.name in drop:
                continue
            if f.cells:
                f = replace(f, cells=tuple(c for c in f.cells if c[0] not in drop))
                if not f.cells:
                    continue
            kept.append(f)
        return Prior(self.scenario, tuple(kept))

    def on(self, scenario: Scenario) -> Prior:
        """The same factors applied to another scenario (e.g. one that extends this one)."""
        return Prior(scenario, self.factors)

    def draw(self, n: int, seed: int) -> list[dict[str, float]]:
        """``n`` points drawn by Latin hypercube sampling over the varied factors (each
        uniform over its range): every factor's range is cut in ``n`` strata, each used once."""
        varied = self.varied
        rng = np.random.default_rng(seed)
        u = (np.argsort(rng.random((len(varied), n)), axis=1) + rng.random((len(varied), n))) / n
        x = np.minimum(
            [[f.high] for f in varied], [[f.low] for f in varied] + np.array([[f.width] for f in varied]) * u
        )
        return [{f.name: float(x[k, i]) for k, f in enumerate(varied)} for i in range(n)]

    def apply(self, values: dict[str, float]) -> Scenario:
        """The scenario with these factor values, set as a scenario file would set them."""
        sc = replace(self.scenario, values=dict(self.scenario.values))
        shocks = list(sc.shocks)
        for name, x in values.items():
            f = self.factor(name)
            if f.kind == "shock":
                s = shocks[f.shock]
                shocks[f.shock] = Shock(s.month, s.path, float(x))
            elif f.kind == "scale":  # concrete cells of one key: one valid range
                lo, hi = numeric_path(SOURCE, f.cells[0][0], sc=sc)
                for cell, shipped in f.cells:
                    sc.values[cell] = float(min(hi, max(lo, shipped * x)))
            else:
                set_path(sc, SOURCE, f.name, float(x))
        sc.shocks = tuple(shocks)
        return sc

    def evaluator(self) -> PriorRun:
        return PriorRun(self)


def broad_prior(path: str | Path, scenario: Scenario | None = None) -> Prior:
    """The broad prior of the scenario file at ``path`` (see the module docstring)."""
    path = Path(path)
    sc = scenario or load_scenario(path)
    marked = scenario_factors(path, sc)
    explicit = set(_file_paths(path))
    return Prior(sc, (*constant_factors(sc), *marked, *table_factors(path, sc, explicit)))


def _file_paths(path: Path) -> list[str]:
    """The dotted keys of every value the file sets (its leaves)."""
    out: list[str] = []

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict) and "dist" not in node:
            for k, v in node.items():
                walk(v, f"{prefix}{k}.")
        else:
            out.append(prefix[:-1])

    walk(tomllib.loads(read_text(path)), "")
    return out


# ----------------------------------------------------------------------------- the runner's evaluator


class PriorRun:
    """The runner's evaluator for points of a prior: the model's run of the prior's scenario
    with the point's factor values applied (see :meth:`Prior.apply`). The scenario of the
    last point is kept, since a point's replications run one after another."""

    def __init__(self, prior: Prior) -> None:
        from sim.runner.designs import ModelRun

        self.prior = prior
        self.model = ModelRun()
        self._last: tuple[tuple[tuple[str, Any], ...], Scenario] | None = None

    def columns(self) -> list[tuple[str, pa.DataType]]:
        return self.model.columns(t.id for t in self.prior.scenario.tracks if t.kind == "hard")

    def identity(self) -> dict[str, Any]:
        from sim.runner.designs import scenario_identity

        return {
            "evaluator": "prior",
            # the scenario's content, not where the machine keeps its file
            "scenario": {k: v for k, v in scenario_identity(self.prior.scenario).items() if k != "file"},
            "factors": [(f.name, f.low, f.high) for f in self.prior.factors],
        }

    def __getstate__(self) -> dict[str, Any]:
        return {"prior": self.prior, "model": self.model, "_last": None}

    def __call__(
        self, scenario: Scenario | None, values: dict[str, Any], seed: int, trajectories: bool
    ) -> tuple[dict[str, Any], pd.DataFrame | None]:
        key = tuple(values.items())
        if self._last is None or self._last[0] != key:
            self._last = (key, self.prior.apply(values))
        return self.model(self._last[1], {}, seed, trajectories)


# ----------------------------------------------------------------------------- what the prior leaves out


def data_assumptions(folder: Path = DATA_DIR) -> dict[str, int]:
    """Rows marked "assumption" in the data tables that are not parameters (the supply
    shares, exports at stake, material dependences and member facts): inputs the prior does
    not vary."""
    out = {}
    for csv_path in sorted(folder.glob("*.csv")):
        rows = read_text(csv_path).splitlines()[1:]
        marked = sum(MARK in r for r in rows)
        if marked:
            out[csv_path.name] = marked
    return out


def table(prior: Prior) -> str:
    """The prior as a Markdown table."""
    lines = ["| input | range | shipped | unit | declared in |", "|---|---|---|---|---|"]
    for f in prior.factors:
        rng = f"{f.low:.4g} to {f.high:.4g}" if f.varied else "not varied (0)"
        lines.append(f"| `{f.name}` | {rng} | {f.shipped:.4g} | {f.unit} | {f.origin} |")
    return "\n".join(lines)


def names(factors: Sequence[Factor]) -> list[str]:
    return [f.name for f in factors]
