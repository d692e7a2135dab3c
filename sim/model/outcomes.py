"""The outcome row of one run, from one registry: every field declared once in ``OUTCOMES``.

A field declared ``per_track`` is expanded over the scenario's hard tracks as
``<track id>.<field>``; the others are run-level. Formats: list fields are space-separated
strings (``26 30``, ``JP:25 NL:27``, ``2021-09:0.40``), ``""`` when empty; a ``month`` field is
a whole month counted from the scenario's start, or None when the event did not happen.

``outcome_class`` of a track, checked in this order:

* ``coordinated``: the US rule and an EU-level measure in force within ``ttc.window`` of a
  TTC deal;
* ``minilateral``: the US's first decision was a minilateral with key suppliers;
* ``unilateral_with_followers``: a US rule in force, not coordinated, and an EU-level or a
  national measure in force too;
* ``unilateral_alone``: a US rule in force and nothing else;
* ``eu_only``: an EU-level measure without a US rule;
* ``national_only``: national measures only;
* ``no_controls``: nothing in force at the horizon.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from sim.model.state import TrackState

if TYPE_CHECKING:
    from .model import TTCModel

OUTCOME_CLASSES = (
    "coordinated",
    "minilateral",
    "unilateral_with_followers",
    "unilateral_alone",
    "eu_only",
    "national_only",
    "no_controls",
)
CHANNELS = ("ttc", "minilateral", "unilateral", "none")


def classify(coordinated: bool, channel: str, us: bool, eu: bool, national: bool) -> str:
    """The outcome class of a track (rule in the module's docstring)."""
    if coordinated:
        return "coordinated"
    if channel == "minilateral":
        return "minilateral"
    if us:
        return "unilateral_with_followers" if eu or national else "unilateral_alone"
    if eu:
        return "eu_only"
    return "national_only" if national else "no_controls"


OutcomeKind = Literal["bool", "int", "month", "float", "str"]


@dataclass(frozen=True)
class TrackRecord:
    """The frozen record of one hard track at the end of a run."""

    iso: tuple[str, ...]
    state: TrackState

    @cached_property
    def national(self) -> list[int]:
        """Adopters with a national measure in force, by month then canonical order."""
        m = self.state.national_month
        return sorted(np.flatnonzero(m >= 0).tolist(), key=lambda i: (int(m[i]), i))


@dataclass(frozen=True)
class FinishedRun:
    """The frozen record of a finished run: what every outcome reads."""

    scenario: str
    seed: int
    sampled: dict[str, Any]
    tracks: tuple[TrackRecord, ...]
    soft_share_by_ministerial: tuple[tuple[str, float], ...]
    soft_deliverables: int
    hard_deliverables: int
    events: tuple[tuple[int, str, str, str, str, str], ...]

    @classmethod
    def of(cls, model: TTCModel) -> FinishedRun:
        return cls(
            scenario=model.inputs.name,
            seed=model.seed,
            sampled=model.sampled,
            tracks=tuple(TrackRecord(model.iso, tr) for tr in model.tracks),
            soft_share_by_ministerial=tuple(model.agenda.soft_share_by_ministerial),
            soft_deliverables=model.agenda.soft_deliverables,
            hard_deliverables=model.agenda.hard_deliverables,
            events=tuple(model.events),
        )


@dataclass(frozen=True)
class Outcome:
    """One field: its name, how it is stored, what it means, whether it is per track, and how
    it is computed (from a :class:`TrackRecord` when per track, else a :class:`FinishedRun`)."""

    name: str
    kind: OutcomeKind
    meaning: str
    compute: Callable[[Any], Any]
    per_track: bool = True


def _alignment(r: TrackRecord) -> float:
    s = r.state
    allied = float(s.supply.sum())
    if s.us_level <= 0 or allied <= 0:
        return 1.0 if s.us_level <= 0 else 0.0
    return float(s.supply @ np.minimum(s.effective, s.us_level)) / (allied * s.us_level)


def _class(r: TrackRecord) -> str:
    s = r.state
    return classify(
        s.coordinated_month is not None,
        s.channel,
        bool(s.us_rule_months),
        s.eu_month is not None,
        bool(r.national),
    )


def _declared() -> tuple[Outcome, ...]:
    S = lambda r: r.state  # noqa: E731
    return (
        Outcome(
            "coordinated",
            "bool",
            "the US rule and an EU-level measure in force within ttc.window of a TTC deal",
            lambda r: S(r).coordinated_month is not None,
        ),
        Outcome(
            "month_coordinated",
            "month",
            "month both sides of the deal were in force",
            lambda r: S(r).coordinated_month,
        ),
        Outcome(
            "channel",
            "str",
            "channel of the US's first decision: ttc, minilateral, unilateral or none",
            lambda r: S(r).channel,
        ),
        Outcome("channels", "str", "every channel the US used, in order", lambda r: " ".join(S(r).channels)),
        Outcome(
            "us_rule_months",
            "str",
            "months of every US rule and update",
            lambda r: " ".join(map(str, S(r).us_rule_months)),
        ),
        Outcome("n_us_rules", "int", "number of US rules and updates", lambda r: len(S(r).us_rule_months)),
        Outcome(
            "us_update_months",
            "str",
            "months the US decided each update of its rule on observed leakage (in force after us.lag)",
            lambda r: " ".join(map(str, S(r).us_update_months)),
        ),
        Outcome("n_us_updates", "int", "number of US updates decided", lambda r: len(S(r).us_update_months)),
        Outcome("us_stringency", "float", "US level in force at the horizon", lambda r: float(S(r).us_level)),
        Outcome(
            "eu_route",
            "str",
            "route of the EU-level measure (sanctions, annex, autonomous), empty without one",
            lambda r: S(r).eu_route,
        ),
        Outcome("month_eu", "month", "month the EU-level measure came into force", lambda r: S(r).eu_month),
        Outcome("eu_stringency", "float", "EU-level level in force", lambda r: float(S(r).eu_level)),
        Outcome(
            "national_months",
            "str",
            "each member's or ally's first national measure in force, as ISO:month",
            lambda r: " ".join(f"{r.iso[i]}:{int(S(r).national_month[i])}" for i in r.national),
        ),
        Outcome(
            "national_adopters",
            "str",
            "members and allies with a national measure (ISO codes)",
            lambda r: " ".join(r.iso[i] for i in r.national),
        ),
        Outcome(
            "extension_months",
            "str",
            "later increases of national measures, as ISO:month",
            lambda r: " ".join(f"{c}:{m}" for c, m in S(r).extensions),
        ),
        Outcome(
            "effective_alignment",
            "float",
            "allied supply-weighted level in force (up to the US level) over the US level",
            _alignment,
        ),
        Outcome(
            "countermeasure_months",
            "str",
            "months the track's target's countermeasures came into force",
            lambda r: " ".join(map(str, S(r).countermeasure_months)),
        ),
        Outcome("outcome_class", "str", "the class of the track (see above)", _class),
        Outcome(
            "soft_share_by_ministerial",
            "str",
            "share of each ministerial's output that is soft, as YYYY-MM:share",
            lambda f: " ".join(f"{m}:{s:.2f}" for m, s in f.soft_share_by_ministerial),
            per_track=False,
        ),
        Outcome(
            "soft_deliverables",
            "int",
            "soft deliverables of the TTC",
            lambda f: int(f.soft_deliverables),
            per_track=False,
        ),
        Outcome(
            "hard_deliverables",
            "int",
            "hard deliverables of the TTC (deals, enforcement coordination)",
            lambda f: int(f.hard_deliverables),
            per_track=False,
        ),
    )


OUTCOMES = _declared()
"""Every outcome field, declared once, in row order."""
OUTCOME_BY_NAME: dict[str, Outcome] = {o.name: o for o in OUTCOMES}
TRACK_FIELDS = tuple(o.name for o in OUTCOMES if o.per_track)
RUN_FIELDS = tuple(o.name for o in OUTCOMES if not o.per_track)


def field_names(track_ids: tuple[str, ...] | list[str]) -> list[str]:
    """The row's outcome columns for these hard tracks, in row order."""
    return [f"{t}.{name}" for t in track_ids for name in TRACK_FIELDS] + list(RUN_FIELDS)


def outcome(name: str) -> Outcome:
    """The declared outcome ``name`` (``<track>.<field>`` or a run-level field)."""
    base = name.rsplit(".", 1)[-1] if name not in OUTCOME_BY_NAME else name
    try:
        return OUTCOME_BY_NAME[base]
    except KeyError:
        raise KeyError(f"{name!r} is not an outcome field; known: {', '.join(OUTCOME_BY_NAME)}") from None


def outcome_row(model: TTCModel) -> dict[str, Any]:
    """The run's identity (scenario, run, seed), every track's fields, the run-level fields,
    then each sampled parameter as ``param.<path>``."""
    finished = FinishedRun.of(model)
    row: dict[str, Any] = {"scenario": finished.scenario, "run": 0, "seed": finished.seed}
    for rec in finished.tracks:
        for o in OUTCOMES:
            if o.per_track:
                row[f"{rec.state.id}.{o.name}"] = o.compute(rec)
    for o in OUTCOMES:
        if not o.per_track:
            row[o.name] = o.compute(finished)
    for path, value in finished.sampled.items():
        row[f"param.{path}"] = float(value)
    return row
