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


@dataclass(frozen=True)
class Quantity:
    """What the model says about an event: ``kind`` is ``timed``, ``absent`` or ``context``;
    ``fields`` the row fields (derived fields included) whose earliest month is the model's
    month of the event; ``month`` the real month it is judged at (from ``EVENTS_START``)."""

    kind: str
    fields: tuple[str, ...] = ()
    month: float = math.nan


def load_events() -> pd.DataFrame:
    """The calibration and context events up to the cut-off (never the held-out ones)."""
    events = pd.read_csv(EVENTS_FILE, dtype=str, keep_default_na=False)
    return events[events["held_out"] != "true"].reset_index(drop=True)


def _month(text: str) -> float:
    return float(text) if text else math.nan


def quantity(event: pd.Series, sc: Scenario) -> Quantity:
    """The model quantity of one event (rules in the module's docstring) in ``sc``'s tracks."""
    hard = {t.id: t for t in sc.tracks if t.kind == "hard"}
    track, actor = event["track"], event["actor"]
    decided, in_force = _month(event["month_decided"]), _month(event["month_in_force"])
    if event["use"] != "calibration":
        return Quantity("context")
    if track == "countermeasure":
        tracks = [t for t, tr in hard.items() if tr.target == actor]
        if not tracks or math.isnan(in_force):
            return Quantity("context")
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
        return Quantity("timed", (f"{track}.first_us_rule",), in_force)
    if actor == "EU":
        return Quantity("timed", (f"{track}.month_eu",), in_force)
    if len(actor) == 2 and actor.isupper():
        return Quantity("timed", (f"{track}.national:{actor}",), in_force)
    return Quantity("context")


def event_months(df: pd.DataFrame, q: Quantity) -> np.ndarray:
    """Per run, the model's month of the event (the earliest of its fields; NaN: never)."""
    months = pd.concat([column(df, f, "events") for f in q.fields], axis=1)
    return months.min(axis=1, skipna=True).to_numpy(dtype=float)


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
