"""Historical validation: the dated events the model speaks to, compared with the model's months
for them (:func:`sim.model.outcomes.event_months` reads those from each run).

``data/events.csv`` lists the real events of 2021-2024 with their sources and, for each, the
model quantity it corresponds to (``model_quantity``):

* an outcome field (``month_eu``, ``month_unilateral``, ``month_coordinated``);
* ``first_us_rule`` (the month US controls came into force, joint or unilateral);
* ``decision:XX`` / ``national:XX`` (the month member XX decided / put in force a national
  measure);
* ``retaliation_after_national`` (the first retaliation at or after the first national
  measure);
* ``absent:FIELD`` (an event that did *not* happen by the horizon: the model passes when the
  field is false in most runs); ``absent:national:XX`` likewise for a member's measure;
* anything else (``start``, ``ministerial``, ``not modelled ...``): context, not a test.

An event passes when the model produces it in at least half of the runs and the real month
lies inside the central 90 % of the simulated months.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.analysis.stylized import column
from sim.scenario import DATA_DIR, Scenario, month_diff

EVENTS_FILE = DATA_DIR / "events.csv"
TIMED = ("first_us_rule", "month_eu", "month_unilateral", "month_coordinated", "retaliation_after_national")


def load_events() -> pd.DataFrame:
    return pd.read_csv(EVENTS_FILE, dtype=str, keep_default_na=False)


def is_timed(quantity: str) -> bool:
    return quantity in TIMED or quantity.startswith(("decision:", "national:"))


def month_of(sc: Scenario, date: str) -> int:
    return month_diff(sc.start, date[:7])


def validate(
    events: pd.DataFrame, runs: dict[str, pd.DataFrame], scenarios: dict[str, Scenario]
) -> pd.DataFrame:
    """One row per event: what history says, what the model says, and whether it passes."""
    rows = []
    for _, e in events.iterrows():
        q, name = e["model_quantity"], e["scenario"]
        base = {
            "id": e["id"],
            "date": e["date"],
            "scenario": name,
            "actor": e["actor"],
            "event": e["event"],
            "quantity": q,
            "source": e["source"],
        }
        if name not in runs:
            continue
        df, sc = runs[name], scenarios[name]
        real = month_of(sc, e["date"])
        if is_timed(q):
            x = df[f"event.{q}"].to_numpy(dtype=float)
            happened = x[~np.isnan(x)]
            share = len(happened) / len(x)
            if len(happened):
                lo, med, hi = np.percentile(happened, [5, 50, 95])
                pct = float((happened <= real).mean())
                ok = share >= 0.5 and lo <= real <= hi
            else:
                lo = med = hi = pct = math.nan
                ok = False
            rows.append(
                {
                    **base,
                    "kind": "timed",
                    "real_month": real,
                    "share_happens": share,
                    "p05": lo,
                    "median": med,
                    "p95": hi,
                    "percentile_of_real": pct,
                    "passes": ok,
                }
            )
        elif q.startswith("absent:"):
            field = q.removeprefix("absent:")
            share = float(column(df, field).astype(bool).mean())
            rows.append(
                {
                    **base,
                    "kind": "absent",
                    "real_month": real,
                    "share_happens": share,
                    "p05": math.nan,
                    "median": math.nan,
                    "p95": math.nan,
                    "percentile_of_real": math.nan,
                    "passes": share <= 0.3,
                }
            )
        else:
            rows.append(
                {
                    **base,
                    "kind": "context",
                    "real_month": real,
                    "share_happens": math.nan,
                    "p05": math.nan,
                    "median": math.nan,
                    "p95": math.nan,
                    "percentile_of_real": math.nan,
                    "passes": None,
                }
            )
    return pd.DataFrame(rows)
