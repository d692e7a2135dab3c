"""Rows keyed by track: the runner's model evaluator with one column per ``<track>.<field>``.

A run of a multi-track scenario returns every declared outcome once per hard track
(``russia_dual_use.coordinated``, ``china_sme.national_months``, ...; see
:mod:`sim.model.outcomes`). :class:`TrackRun` is the runner's model evaluator with those
columns, for the union of the hard tracks of a design's scenarios (a track a scenario lacks is
empty in its rows); :func:`tracked` gives a design this evaluator, and :func:`simulate` and
:func:`run_batch` are the runner's calls of the same names with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from sim.model.outcomes import OUTCOMES, field_names, outcome
from sim.runner.designs import RUN_COLUMNS, Design, ModelRun, arrow_type
from sim.runner.run import RunResult, run_design
from sim.scenario import Scenario


def hard_tracks(sc: Scenario) -> tuple[str, ...]:
    """The ids of a scenario's hard tracks (the ones with per-track outcomes), in order."""
    return tuple(t.id for t in sc.tracks if t.kind == "hard")


@dataclass(frozen=True)
class TrackRun(ModelRun):
    """The model's run with its per-track outcome columns for ``tracks``."""

    tracks: tuple[str, ...] = ()

    def columns(self) -> list[tuple[str, pa.DataType]]:
        names = field_names(self.tracks)
        cols = [(c, arrow_type(outcome(c).name)) for c in names if c not in dict(RUN_COLUMNS)]
        return cols + [(c, pa.float64()) for c in self.measured]


def tracked(design: Design) -> Design:
    """``design`` evaluated with :class:`TrackRun` over its scenarios' hard tracks (keeping
    any measurement its evaluator makes)."""
    tracks: dict[str, None] = {}
    for sc in [*design.variants, *design.bases]:
        if sc is not None:
            tracks.update(dict.fromkeys(hard_tracks(sc)))
    ev = design.evaluator
    measure, measured = (ev.measure, ev.measured) if isinstance(ev, ModelRun) else (None, ())
    return replace(design, evaluator=TrackRun(measure, measured, tuple(tracks)))


def simulate(
    scenarios: Sequence[str | Path | Scenario],
    runs: int,
    seed: int = 0,
    overrides: Sequence[str] = (),
    workers: int | None = 1,
    labels: Sequence[str] = (),
) -> pd.DataFrame:
    """A batch in memory, one column per ``<track>.<field>``."""
    design = tracked(Design.grid(scenarios, runs, seed, overrides, labels=labels))
    return run_design(design, None, workers).frame()


def run_batch(
    scenarios: Sequence[str | Path | Scenario],
    runs: int,
    seed: int,
    out: str | Path,
    workers: int | None = None,
    force: bool = False,
    quiet: bool = True,
    command: Sequence[str] | None = None,
    **grid: Any,
) -> RunResult:
    """A batch written to ``out`` with its manifest, one column per ``<track>.<field>``."""
    design = tracked(Design.grid(scenarios, runs, seed, **grid))
    return run_design(
        design, out, workers, None, False, force, quiet, None, None, command, desc="ttcsim batch"
    )


RUN_LEVEL = tuple(o.name for o in OUTCOMES if not o.per_track)
