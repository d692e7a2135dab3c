"""Historical validation: the dated events up to the cut-off (``data/v2_events.csv``) against
the months the joint scenario's runs give them.

Each event names its track, its actor, the month it was decided and, for a measure, the month it
came into force (months from 2021-06, the joint scenario's month 0). What the model says about
an event is read from the row's per-track fields (:func:`quantity`):

* a US rule on a hard track: ``<track>.first_us_rule`` (the first month of ``us_rule_months``);
* an EU measure on a hard track: ``<track>.month_eu``;
* a national measure of a member or ally ``XX``: ``<track>.national:XX`` (from
  ``national_months``);
* a countermeasure of a target in force: the first month of ``countermeasure_months`` over the
  target's tracks;
* an absence ("no German measure", "no EU-level measure"): the share of runs in which the model
  produces the measure by the month of the event;
* anything else (the launch, the ministerials, announcements and talks the model has no event
  for): context, not a test.

A later measure of the same actor on the same track (``nth`` > 1: the US's update of its rule, a
member's extension of its national measure, a target's next countermeasure) is read from the
list fields: the ``nth`` month of ``<track>.us_rule_months``, the ``nth - 1``-th of
``<track>.extension_months:XX`` (the actor's entries), the ``nth`` of the merged
``countermeasure_months`` over the target's tracks. The held-out events
(:mod:`sim.analysis.holdout`) use these; the calibration events are all first measures.

A timed event passes when the model produces it in at least half of the runs and the real month
(in force) lies inside the central 90 % of the simulated months; an absence passes when the
model produces the measure by then in at most 30 % of runs. Only the calibration events are
read here: the held-out events (``data/v2_holdout.csv``) are predicted, never used to judge or
tune the fit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.stylized import column
from sim.scenario import DATA_DIR, Scenario, month_diff

EVENTS_FILE = DATA_DIR / "v2_events.csv"
EVENTS_START = "2021-06"
"""Month 0 of the events' month columns."""
ABSENT_SHARE = 0.3
"""An absence passes when the model produces the measure in at most this share of runs."""


SCORED = ("calibration", "held_out")
"""The uses of an event the model is judged on (the rest is context)."""


@dataclass(frozen=True)
class Quantity:
    """What the model says about an event: ``kind`` is ``timed``, ``absent``, ``share`` (a
    level of a run-level field, such as a ministerial's soft share) or ``context``; ``fields``
    the row fields (derived fields and list fields included) whose months, merged and sorted,
    give the model's month of the event as their ``nth`` (the earliest when ``nth`` is 1);
    ``month`` the real month it is judged at (from ``EVENTS_START``)."""

    kind: str
    fields: tuple[str, ...] = ()
    month: float = math.nan
    nth: int = 1


def load_events() -> pd.DataFrame:
    """The calibration and context events up to the cut-off (never the held-out ones)."""
    events = pd.read_csv(EVENTS_FILE, dtype=str, keep_default_na=False)
    return events[events["held_out"] != "true"].reset_index(drop=True)


def _month(text: str) -> float:
    return float(text) if text else math.nan


def quantity(event: pd.Series, sc: Scenario, nth: int = 1) -> Quantity:
    """The model quantity of one event (rules in the module's docstring) in ``sc``'s tracks;
    ``nth``: which measure of its actor on its track the event is (1: the first)."""
    hard = {t.id: t for t in sc.tracks if t.kind == "hard"}
    track, actor = event["track"], event["actor"]
    decided, in_force = _month(event["month_decided"]), _month(event["month_in_force"])
    if event["use"] not in SCORED:
        return Quantity("context")
    if track == "countermeasure":
        tracks = [t for t, tr in hard.items() if tr.target == actor]
        if not tracks or math.isnan(in_force):
            return Quantity("context")
        if nth > 1:
            return Quantity("timed", tuple(f"{t}.countermeasure_months" for t in tracks), in_force, nth)
        return Quantity("timed", tuple(f"{t}.first_countermeasure" for t in tracks), in_force)
    if event["note"].startswith("an absence"):
        if track not in hard:
            return Quantity("context")
        if actor == "EU":  # no EU-level measure on any track of the same target
            same_target = [t for t, tr in hard.items() if tr.target == hard[track].target]
            return Quantity("absent", tuple(f"{t}.month_eu" for t in same_target), decided)
        return Quantity("absent", (f"{track}.national:{actor}",), decided)
    if track not in hard or math.isnan(in_force):
        return Quantity("context")
    if actor == "US":
        if nth > 1:
            return Quantity("timed", (f"{track}.us_rule_months",), in_force, nth)
        return Quantity("timed", (f"{track}.first_us_rule",), in_force)
    if actor == "EU":
        return Quantity("timed", (f"{track}.month_eu",), in_force) if nth == 1 else Quantity("context")
    if len(actor) == 2 and actor.isupper():
        if nth > 1:
            return Quantity("timed", (f"{track}.extension_months:{actor}",), in_force, nth - 1)
        return Quantity("timed", (f"{track}.national:{actor}",), in_force)
    return Quantity("context")


def _listed(text: object, code: str) -> list[float]:
    """The months of a list field's text (``26 30``, or ``JP:25 NL:27`` keeping ``code``'s)."""
    months = []
    for item in str(text or "").split():
        key, sep, month = item.rpartition(":")
        if not sep or not code or key == code:
            months.append(float(month))
    return months


def field_months(df: pd.DataFrame, field: str) -> list[list[float]]:
    """Per run, the months of one field: every month of a list field of the row
    (``<track>.us_rule_months``; ``<track>.extension_months:XX`` keeps XX's), else the month of
    a month field or a derived one (none when it did not happen). An unknown field is a
    :class:`ScenarioError` (:func:`sim.analysis.stylized.check_field`)."""
    name, _, code = field.partition(":")
    if name.endswith("_months") and name in df.columns:
        return [_listed(text, code) for text in df[name]]
    values = pd.to_numeric(column(df, field, "events"), errors="coerce").to_numpy(dtype=float)
    return [[] if math.isnan(v) else [float(v)] for v in values]


def event_months(df: pd.DataFrame, q: Quantity) -> np.ndarray:
    """Per run, the model's month of the event: the ``nth`` of its fields' months, earliest
    first (the earliest when ``nth`` is 1; NaN: never)."""
    per_field = [field_months(df, f) for f in q.fields]
    out = np.full(len(df), math.nan)
    for run, lists in enumerate(zip(*per_field, strict=True)):
        months = sorted(m for months in lists for m in months)
        if len(months) >= q.nth:
            out[run] = months[q.nth - 1]
    return out


def validate(events: pd.DataFrame, df: pd.DataFrame, sc: Scenario) -> pd.DataFrame:
    """One row per event: what history says, what the model says, and whether it passes.
    Months are counted from ``sc``'s start (the events' months are shifted if it is not
    ``EVENTS_START``)."""
    shift = month_diff(sc.start, EVENTS_START)
    rows = []
    for _, e in events.iterrows():
        q = quantity(e, sc)
        base = {
            "id": e["id"],
            "date": e["in_force"] or e["decided"],
            "track": e["track"],
            "actor": e["actor"],
            "event": e["event"],
            "kind": q.kind,
            "quantity": " or ".join(q.fields),
            "source": e["source"],
            "real_month": (q.month if q.kind != "context" else _month(e["month_decided"])) + shift,
            "share_happens": math.nan,
            "p05": math.nan,
            "median": math.nan,
            "p95": math.nan,
            "percentile_of_real": math.nan,
            "passes": None,
        }
        if q.kind != "context":
            x = event_months(df, q)
            real = base["real_month"]
            if q.kind == "absent":
                share = float((x <= real).mean())
                base |= {"share_happens": share, "passes": share <= ABSENT_SHARE}
            else:
                happened = x[~np.isnan(x)]
                share = len(happened) / len(x)
                base["share_happens"] = share
                if len(happened):
                    lo, med, hi = np.percentile(happened, [5, 50, 95])
                    base |= {
                        "p05": lo,
                        "median": med,
                        "p95": hi,
                        "percentile_of_real": float((happened <= real).mean()),
                        "passes": bool(share >= 0.5 and lo <= real <= hi),
                    }
                else:
                    base["passes"] = False
        rows.append(base)
    return pd.DataFrame(rows)
