"""Designs: what the runner evaluates, as points, each run with the same seeded replications.

A design is a list of points, each a scenario with a set of parameter values, and a number of
replications. Every analysis hands the runner a design:

* a batch (``ttcsim batch``): scenario files times the grid of ``sweeps`` (:meth:`Design.grid`);
* a Saltelli or Morris design (``ttcsim sensitivity``), a calibration generation's particles
  (``ttcsim calibrate``) or the shipped scenarios as they are (historical validation): one
  scenario at each of a list of parameter values (:meth:`Design.at_points`).

Run ``r`` of every point uses the seed ``run_seed(seed, r)`` (common random numbers: the
same run index gets the same seed in every scenario and point), so a table never depends on
the number of workers or the executor, and differences between points are not drowned in
noise. A design of ``independent`` points (a calibration's particles) gives run ``r`` of point
``v`` the seed ``run_seed(seed, v * runs + r)`` instead: each point its own noise, as a
likelihood-free posterior needs (with common seeds every particle would be judged on the same
noise, and the posterior would condition on it).

A point's rows hold the run's identity (scenario, point, run, seed), what the evaluator
computed (by default the model's outcome row), the sweep values (``sweep.<path>``) and every
input the run had as ``param.<path>``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.messages import show
from sim.model import TTCModel, check_seed
from sim.model.outcomes import OUTCOMES, RUN_FIELDS, OutcomeKind, field_names
from sim.scenario import Scenario, ScenarioError, load_scenario, parse_override, parse_value
from sim.scenario.distributions import Distribution
from sim.scenario.tracks import TRACK_ID_RE
from sim.scenario.values import concrete_paths, param_path

# ----------------------------------------------------------------------------- limits

MAX_RUNS = 1_000_000
"""Most runs per scenario and sweep point in one batch (about half an hour per core for the
China scenario): a larger number is almost always a typing slip. Split a larger study into
batches with different seeds."""
MAX_POINTS = 10_000
"""Most scenario-and-sweep-point variants in one batch (each is a resolved scenario held in
memory while the batch runs)."""
MAX_TOTAL_RUNS = 10_000_000
"""Most runs in one batch, all variants together (about 1.5 GB of Parquet and a few hours
on two cores)."""

# ----------------------------------------------------------------------------- columns

RUN_COLUMNS: tuple[tuple[str, OutcomeKind], ...] = (
    ("scenario", "str"),
    ("point", "int"),
    ("run", "int"),
    ("seed", "int"),
)
"""The runner's own columns, which say which run a row is: then come the declared outcomes."""
_RUN_KINDS: dict[str, OutcomeKind] = dict(RUN_COLUMNS) | {o.name: o.kind for o in OUTCOMES if not o.per_track}
_TRACK_KINDS: dict[str, OutcomeKind] = {o.name: o.kind for o in OUTCOMES if o.per_track}
OUTCOME_COLUMNS = tuple(dict(RUN_COLUMNS)) + RUN_FIELDS
"""The columns every model row has, whatever its tracks: the run's identity and the run-level
outcomes. Each hard track adds :func:`outcome_columns` ``<track id>.<field>``."""
_ARROW_TYPES: dict[OutcomeKind, pa.DataType] = {
    "bool": pa.bool_(),
    "int": pa.int64(),
    "month": pa.int64(),
    "float": pa.float64(),
    "str": pa.string(),
}


def outcome_kind(name: str) -> OutcomeKind | None:
    """The declared kind of a row column: a run column, a run-level outcome, or a track's
    outcome ``<track id>.<field>``; None for any other column (``param.*``, ``sweep.*``, ...)."""
    if name in _RUN_KINDS:
        return _RUN_KINDS[name]
    track, dot, base = name.partition(".")
    if dot and TRACK_ID_RE.fullmatch(track) and base in _TRACK_KINDS and track not in ("param", "sweep"):
        return _TRACK_KINDS[base]
    return None


def is_outcome_column(name: str) -> bool:
    return outcome_kind(name) is not None


def arrow_type(name: str) -> pa.DataType:
    """The Arrow type of a run column or declared outcome column (see :func:`outcome_kind`)."""
    kind = outcome_kind(name)
    if kind is None:
        raise KeyError(f"{name!r} is not a run or outcome column")
    return _ARROW_TYPES[kind]


def outcome_columns(track_ids: Iterable[str]) -> list[str]:
    """The outcome columns of rows over these hard tracks: every track's fields (tracks in id
    order), then the run-level fields (:func:`sim.model.outcomes.field_names`)."""
    return field_names(sorted(set(track_ids)))


def hard_tracks(scenarios: Iterable[Scenario]) -> list[str]:
    """The union of the hard tracks of ``scenarios``, in id order: a batch of scenarios with
    different tracks has every one's columns (null in the rows of a scenario without it)."""
    return sorted({t.id for sc in scenarios for t in sc.tracks if t.kind == "hard"})


def run_seed(batch_seed: int, run_index: int) -> int:
    """The seed of run ``run_index`` in a design seeded ``batch_seed`` (63 bits)."""
    ss = np.random.SeedSequence(batch_seed, spawn_key=(run_index,))
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


# ----------------------------------------------------------------------------- evaluators


class Evaluator(Protocol):
    """What one run at a point computes: a row (and, when asked, a monthly trajectory)."""

    def columns(self) -> list[tuple[str, pa.DataType]]:
        """The columns of its rows after the run's identity, in order, with their types."""
        ...

    def identity(self) -> dict[str, Any]:
        """What must match for an interrupted design to be resumed with this evaluator."""
        ...

    def __call__(
        self, scenario: Scenario | None, values: dict[str, Any], seed: int, trajectories: bool
    ) -> tuple[dict[str, Any], pd.DataFrame | None]: ...


@dataclass(frozen=True)
class ModelRun:
    """The model's run at a point: its outcome row (the declared outcomes and each sampled
    parameter as ``param.<path>``) and, with ``measure``, the numbers it measures on the
    finished model (e.g. the month of each historical event), named ``measured``."""

    measure: Callable[[TTCModel], dict[str, float]] | None = None
    measured: tuple[str, ...] = ()

    def columns(self, tracks: Iterable[str] = ()) -> list[tuple[str, pa.DataType]]:
        """The outcome columns of ``tracks`` (see :func:`outcome_columns`), then the measured."""
        return [(c, arrow_type(c)) for c in outcome_columns(tracks)] + [
            (c, pa.float64()) for c in self.measured
        ]

    def identity(self) -> dict[str, Any]:
        return {"evaluator": "model", "measured": list(self.measured)}

    def __call__(
        self, scenario: Scenario | None, values: dict[str, Any], seed: int, trajectories: bool
    ) -> tuple[dict[str, Any], pd.DataFrame | None]:
        assert scenario is not None, "the model runs a scenario"
        model = TTCModel(scenario, rng=seed, record=trajectories).run()
        row = model.outcome()
        if self.measure is not None:
            row.update(self.measure(model))
        return row, model.trajectory() if trajectories else None


# ----------------------------------------------------------------------------- sweeps


@dataclass(frozen=True)
class Sweep:
    """One swept parameter: ``PATH=V1,V2,...`` or ``PATH=START:STOP:STEPS`` (inclusive)."""

    path: str
    values: tuple[Any, ...]

    @classmethod
    def parse(cls, text: str) -> Sweep:
        path, sep, spec = text.partition("=")
        path, spec = path.strip(), spec.strip()
        if not sep or not path or not spec:
            raise ScenarioError("sweeps", text, "expected PATH=V1,V2,... or PATH=START:STOP:STEPS")
        if "," not in spec and spec.count(":") == 2:
            parts = spec.split(":")
            try:
                start, stop, steps = float(parts[0]), float(parts[1]), int(parts[2])
            except ValueError:
                raise ScenarioError(
                    "sweeps", text, "START:STOP:STEPS needs two numbers and a whole number"
                ) from None
            if not 1 <= steps <= MAX_POINTS:
                raise ScenarioError("sweeps", text, f"STEPS must be a whole number from 1 to {MAX_POINTS:,}")
            values: tuple[Any, ...] = tuple(float(v) for v in np.linspace(start, stop, steps))
        else:
            items = [v.strip() for v in spec.split(",") if v.strip()]
            if len(items) > MAX_POINTS:
                raise ScenarioError("sweeps", path, f"at most {MAX_POINTS:,} values (got {len(items):,})")
            values = tuple(parse_value(v, "sweeps", path) for v in items)
            if not values:
                raise ScenarioError("sweeps", text, "no values")
        repeated = sorted({show(v) for v in values if values.count(v) > 1})
        if repeated:
            raise ScenarioError(
                "sweeps", path, f"value(s) {', '.join(repeated)} given twice: each point once"
            )
        return cls(path, values)

    @property
    def column(self) -> str:
        return f"sweep.{self.path}"


# ----------------------------------------------------------------------------- the design


@dataclass
class Design:
    """Points times ``runs`` seeded replications. Point ``v`` runs ``variants[v]`` with
    ``values[v]`` applied in the worker (a Saltelli design or a generation of particles
    shares one scenario object); its rows carry ``points[v]`` (sweep columns) and
    ``inputs[v]`` (the ``param.*`` columns of the values it was given)."""

    variants: list[Scenario | None]
    points: list[dict[str, Any]]  # the sweep values of each point
    point_index: list[int]
    sweeps: list[Sweep]
    runs: int
    seed: int
    trajectories: bool = False
    bases: list[Scenario] = field(default_factory=list)
    overrides: list[str] = field(default_factory=list)
    inputs: list[dict[str, Any]] = field(default_factory=list)  # each point's set values
    values: list[tuple[tuple[str, Any], ...]] = field(default_factory=list)  # applied in the worker
    evaluator: Evaluator = field(default_factory=ModelRun)
    independent: bool = False  # each point its own seeds instead of common random numbers

    @classmethod
    def grid(
        cls,
        scenarios: Sequence[str | Path | Scenario],
        runs: int,
        seed: int,
        overrides: Sequence[str] = (),
        sweeps: Sequence[str | Sweep] = (),
        trajectories: bool = False,
        labels: Sequence[str] = (),
    ) -> Design:
        """A batch: each scenario at each point of the grid of ``sweeps``. ``labels``, one per
        scenario in order, name the scenarios in the results (two scenarios with the same name
        would otherwise pool into one group: an error)."""
        check_runs(runs)
        if runs > MAX_RUNS:
            raise ScenarioError(
                "runs", str(runs), f"at most {MAX_RUNS:,} per scenario and sweep point; "
                "split a larger study into batches with different seeds"
            )  # fmt: skip
        check_seed(seed)
        if labels and len(labels) != len(scenarios):
            raise ScenarioError(
                "labels",
                " ".join(labels),
                f"give one label per scenario file, in order ({len(scenarios)} files, {len(labels)} labels)",
            )
        if any(not label.strip() for label in labels):
            raise ScenarioError("labels", "", "a label cannot be empty")
        twice = sorted({label for label in labels if labels.count(label) > 1})
        if twice:
            raise ScenarioError("labels", " ".join(twice), "given twice: each scenario needs its own label")
        sw = [s if isinstance(s, Sweep) else Sweep.parse(s) for s in sweeps]
        n_points = math.prod(len(s.values) for s in sw)
        if n_points * len(scenarios) > MAX_POINTS or n_points * len(scenarios) * runs > MAX_TOTAL_RUNS:
            raise ScenarioError(
                "sweeps",
                " ".join(s.path for s in sw),
                f"{len(scenarios)} scenario(s) x {n_points:,} sweep points x {runs:,} runs is more than one "
                f"batch holds (at most {MAX_POINTS:,} variants and {MAX_TOTAL_RUNS:,} runs): "
                "sweep fewer values, or split the study into batches",
            )
        grid = list(itertools.product(*[s.values for s in sw])) if sw else [()]
        variants: list[Scenario | None] = []
        points, index, bases, inputs = [], [], [], []
        named: dict[str, str] = {}
        for k, item in enumerate(scenarios):
            if isinstance(item, Scenario):
                base = item.with_overrides(tuple(overrides)) if overrides else item
            else:
                base = load_scenario(item, tuple(overrides))
            if labels:
                base = replace(base, name=labels[k])
            where = base.source if isinstance(item, Scenario) else str(item)
            if base.name in named:
                raise ScenarioError(
                    where,
                    "scenario.name",
                    f"{base.name!r} is also the name of {named[base.name]}; name each scenario "
                    "in the results with label=NAME (one per scenario file, in order)",
                )
            named[base.name] = where
            bases.append(base)
            set_paths = [parse_override(text)[0] for text in base.overrides] + [s.path for s in sw]
            for j, combo in enumerate(grid):
                pairs = [(s.path, v) for s, v in zip(sw, combo, strict=True)]
                variant = base.with_values(pairs, "sweeps") if pairs else base
                variants.append(variant)
                points.append({s.column: v for s, v in zip(sw, combo, strict=True)})
                index.append(j)
                inputs.append(input_values(variant, set_paths))
        return cls(variants, points, index, sw, runs, seed, trajectories, bases, list(overrides), inputs)

    build = grid  # the name batches have always used

    @classmethod
    def at_points(
        cls,
        base: Scenario | None,
        points: Sequence[dict[str, Any]],
        runs: int,
        seed: int,
        evaluator: Evaluator | None = None,
        independent: bool = False,
    ) -> Design:
        """``base`` at each point's parameter values (a Saltelli or Morris design, a
        generation of particles; one empty point runs ``base`` as it is). The values are
        applied in the workers, and each appears in the rows as ``param.<path>``. Without a
        scenario, ``evaluator`` computes from the values alone (a test function). ``independent``
        points each get their own seeds (see the module docstring)."""
        check_runs(runs, "replications")
        check_seed(seed)
        values = [tuple(p.items()) for p in points]
        return cls(
            variants=[base] * len(points),
            points=[{}] * len(points),
            point_index=list(range(len(points))),
            sweeps=[],
            runs=runs,
            seed=seed,
            bases=[base] if base is not None else [],
            inputs=[{f"param.{k}": v for k, v in p.items()} for p in points],
            values=values,
            evaluator=evaluator or ModelRun(),
            independent=independent,
        )

    @property
    def total(self) -> int:
        return len(self.variants) * self.runs

    def schema(self) -> pa.Schema:
        """The run's identity, the evaluator's columns, sweep columns, then ``param.*``
        (sampled values as numbers; set values as numbers, true/false or strings, whichever
        all points' values are). The model's columns are those of the union of the variants'
        hard tracks, and the ``param.*`` columns the union of their sampled and set paths: a
        run has null in the columns of a track or a path its scenario does not have."""
        values: dict[str, list[Any]] = {}
        if isinstance(self.evaluator, ModelRun):
            for variant in {id(v): v for v in self.variants if v is not None}.values():
                for p in variant.sampled_paths():
                    values.setdefault(f"param.{p}", []).append(0.0)
        for inputs in self.inputs:
            for column, v in inputs.items():
                values.setdefault(column, []).append(v)
        cols: list[tuple[str, pa.DataType]] = [(c, arrow_type(c)) for c, _ in RUN_COLUMNS]
        if isinstance(self.evaluator, ModelRun):
            cols += self.evaluator.columns(hard_tracks(v for v in self.variants if v is not None))
        else:
            cols += self.evaluator.columns()
        cols += [(s.column, value_type(list(s.values))) for s in self.sweeps]
        cols += [(c, value_type(values[c])) for c in sorted(values)]
        return pa.schema(cols)

    def fingerprint(self, folder: Path | None = None) -> dict[str, Any]:
        """What must match for ``resume`` to continue a design (scenario files relative to
        ``folder``, the output's, so that a resume from elsewhere still matches)."""
        out = {
            "scenarios": [scenario_identity(b, folder) for b in self.bases],
            "overrides": self.overrides,
            "sweeps": [{"path": s.path, "values": list(s.values)} for s in self.sweeps],
            "runs": self.runs,
            "seed": self.seed,
            "trajectories": self.trajectories,
        }
        if self.independent:
            out["independent"] = True
        if self.values:
            out["points_sha256"] = self.points_sha256()
            out["evaluator"] = self.evaluator.identity()
        return out

    def points_sha256(self) -> str:
        """A SHA-256 of the points' parameter values (a design's points are not listed in
        its manifest: a Saltelli design has thousands)."""
        return hashlib.sha256(json.dumps(self.values, default=repr).encode()).hexdigest()


def check_runs(runs: int, name: str = "runs") -> None:
    if runs < 1:
        raise ScenarioError(name, "", f"must be at least 1 (got {runs})")


def input_values(sc: Scenario, paths: Iterable[str]) -> dict[str, Any]:
    """The value each set path (``--set``, ``--sweep``) has in ``sc``, as ``param.<path>``
    columns by concrete path: a wildcard (``members.*.key``, ``tracks.*.us.key``,
    ``tracks.<id>.members.*.key``, ...) gives one column per concrete path it names; a list
    (``tracks.<id>.routes``) is one space-separated string. A path set to a distribution is
    left out: the run records the value it drew."""
    out: dict[str, Any] = {}
    for path in paths:
        try:
            concretes = concrete_paths(sc, param_path("sweeps", path, path, sc))
        except ScenarioError:  # a structural path (routes, basket, scenario.*): itself
            concretes = [path]
        for concrete in concretes:
            if concrete in sc.values:
                value = sc.values[concrete]
                if isinstance(value, Distribution):
                    continue
            elif concrete in ("scenario.start", "scenario.months", "scenario.description"):
                value = getattr(sc, concrete.removeprefix("scenario."))
            elif concrete == "members.basket":
                value = sc.basket
            elif concrete == "members.preferences":
                value = Path(sc.preferences).name
            else:
                continue  # scenario.name is the scenario column
            out[f"param.{concrete}"] = " ".join(map(str, value)) if isinstance(value, tuple) else value
    return out


def value_type(values: list[Any]) -> pa.DataType:
    if all(isinstance(v, bool) for v in values):
        return pa.bool_()
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return pa.float64()
    return pa.string()


def cells(inputs: dict[str, Any], schema: pa.Schema) -> dict[str, Any]:
    """Set values in their column's type (a string column holds every value as text)."""
    return {c: str(v) if schema.field(c).type == pa.string() else v for c, v in inputs.items()}


def relative(path: str | Path, folder: Path | None) -> str:
    """``path`` relative to ``folder`` (a manifest's), so that a manifest names no absolute
    path of the machine that made it; unchanged when there is no relative path."""
    if folder is None:
        return str(path)
    try:
        return Path(os.path.relpath(Path(path).resolve(), folder.resolve())).as_posix()
    except ValueError:  # another drive
        return str(path)


def scenario_identity(sc: Scenario, folder: Path | None = None) -> dict[str, Any]:
    """The scenario's file (relative to ``folder``) and its SHA-256, and a SHA-256 of its
    resolved parameters (which also changes when a file it extends or its preferences table
    changes)."""
    src = Path(sc.source)
    resolved = hashlib.sha256(
        repr((sorted((k, repr(v)) for k, v in sc.values.items()), sc.shocks, sc.start, sc.months)).encode()
    ).hexdigest()
    return {
        "name": sc.name,
        "file": relative(sc.source, folder) if src.is_file() else sc.source,
        "file_sha256": hashlib.sha256(src.read_bytes()).hexdigest() if src.is_file() else None,
        "resolved_sha256": resolved,
    }
