"""Held-out events: what the model predicts for events it was never fitted to (spec section 8).

The held-out events (``data/v2_holdout.csv``) came into force after the calibration's cut-off
(30 June 2023). Each is read as a model quantity by the validation's rules
(:func:`sim.analysis.history.quantity`), counting which of its actor's measures on its track it
is from both event files: the k-th US rule in force on a track in history is the k-th entry of
``<track>.us_rule_months`` (the October 2022 rule is the first, so the October 2023 update is the
second); a member's second measure in force on a track is its first entry of
``<track>.extension_months``; a target's k-th countermeasure in force is the k-th month of the
merged ``countermeasure_months`` of its tracks (each answer is recorded on one track, the one
whose measure it answers, so merging counts every countermeasure once). A ministerial whose
output was "mostly soft" is read as its soft share (``soft_share:YYYY-MM``) above
:data:`MOSTLY`. An absence ("no German measure through 2025-06") is the share of runs without
the measure by its month. A row of any other kind is an error: every held-out event is scored.

Scores, per event and per source of predictions (the calibrated model, the prior predictive,
the static null model), each event at the month it came into force:

* occurrence: ``p``, the probability that the event happens by the horizon (for an absence, that
  the measure does not; for a ministerial, that its soft share exceeds :data:`MOSTLY`), and its
  Brier score ``(1 - p)^2`` (every held-out event happened);
* timing, for a dated measure: the distribution of its month over the runs, a run without it
  counting as "never" (the horizon + 1); the percentile of the real month in it, ``P(X < y) +
  P(X = y) / 2`` (one half for a point mass on the real month), and the CRPS in months,
  ``E|X - y| - E|X - X'| / 2`` (the absolute error of a point forecast, lower is better).

A source whose rows lack an event's fields (the null model has no updates, extensions,
countermeasures or ministerials) predicts it "never" (:attr:`Scored.lacking` says so).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.history import EVENTS_START, Quantity, event_months, load_events, quantity
from sim.analysis.stylized import column
from sim.scenario import DATA_DIR, Scenario, ScenarioError, month_diff

HOLDOUT_FILE = DATA_DIR / "v2_holdout.csv"
MOSTLY = 0.5
"""A ministerial's output is "mostly soft" when its soft share exceeds this."""
MINISTERIAL = "ministerial"
"""The note of a ministerial's row."""
CENTRAL = (0.05, 0.95)
"""The real month is "right" when its percentile lies inside these bounds (the central 90 %)."""


def load_holdout() -> pd.DataFrame:
    """The held-out events (never read by the calibration or the validation)."""
    return pd.read_csv(HOLDOUT_FILE, dtype=str, keep_default_na=False)


def nth(event: pd.Series, history: pd.DataFrame) -> int:
    """Which of its actor's measures in force on its track the event is (1: the first),
    counted over ``history`` (both event files, the event included) by month in force, then
    by order in the files."""
    same = history[
        (history["track"] == event["track"])
        & (history["actor"] == event["actor"])
        & (history["month_in_force"] != "")
    ]
    order = sorted(same.index, key=lambda i: (float(same.at[i, "month_in_force"]), i))
    return [same.at[i, "id"] for i in order].index(event["id"]) + 1


def holdout_quantity(event: pd.Series, sc: Scenario, history: pd.DataFrame) -> Quantity:
    """The model quantity of one held-out event in ``sc`` (rules in the module's docstring);
    a row the model has no quantity for is a :class:`ScenarioError` naming the file."""
    where = str(HOLDOUT_FILE)
    if event["use"] != "held_out":
        raise ScenarioError(where, event["id"], f"use is {event['use']!r}, not 'held_out'")
    if event["note"] == MINISTERIAL:
        if "mostly soft" not in event["event"] or not event["in_force"]:
            raise ScenarioError(
                where,
                event["id"],
                "a held-out ministerial must say its output was 'mostly soft', with its date",
            )
        return Quantity("share", (f"soft_share:{event['in_force'][:7]}",), float(event["month_in_force"]))
    k = nth(event, history) if event["month_in_force"] else 1
    q = quantity(event, sc, k)
    if q.kind == "context":
        raise ScenarioError(
            where,
            event["id"],
            f"no model quantity for a {event['actor']} event on {event['track']!r} (measure {k} in force "
            "on the track): a held-out event must be a US rule, a national measure or its extension, an "
            "EU-level measure, a countermeasure, an absence or a ministerial",
        )
    return q


def holdout_quantities(events: pd.DataFrame, sc: Scenario) -> list[Quantity]:
    """The model quantity of every held-out event, in order (see :func:`holdout_quantity`)."""
    history = pd.concat([load_events(), events], ignore_index=True)
    return [holdout_quantity(e, sc, history) for _, e in events.iterrows()]


# ----------------------------------------------------------------------------- scores


def brier(p: float, happened: bool = True) -> float:
    """The Brier score of a probability ``p`` for an event that happened (or did not)."""
    return (p - float(happened)) ** 2


def crps(samples: np.ndarray, y: float) -> float:
    """The continuous ranked probability score of the empirical distribution of ``samples``
    at the observation ``y``: ``E|X - y| - E|X - X'| / 2`` (in the samples' unit)."""
    x = np.sort(np.asarray(samples, dtype=float))
    n = len(x)
    spread = 2.0 * float(np.sum((2 * np.arange(1, n + 1) - n - 1) * x)) / (n * n)  # E|X - X'|
    return float(np.mean(np.abs(x - y))) - spread / 2


def percentile(samples: np.ndarray, y: float) -> float:
    """The mid-percentile of ``y`` in ``samples``: ``P(X < y) + P(X = y) / 2``."""
    x = np.asarray(samples, dtype=float)
    return float(np.mean(x < y) + np.mean(x == y) / 2)


@dataclass(frozen=True)
class Scored:
    """One event scored on one source's runs. Months count from the scenario's start; ``never``
    is the horizon + 1. ``low``/``median``/``high`` are the 5th, 50th and 95th percentiles of the
    predicted month (``never`` included) or, for a ministerial, of its soft share."""

    p: float
    brier: float
    percentile: float = math.nan
    crps: float = math.nan
    low: float = math.nan
    median: float = math.nan
    high: float = math.nan
    lacking: bool = False
    runs: int = 0

    @property
    def close_call(self) -> bool:
        """Whether ``p`` lies within two standard errors (at one half) of one half, where the
        verdict's threshold is: more runs could turn it."""
        return self.runs > 0 and abs(self.p - 0.5) < 2 * math.sqrt(0.25 / self.runs)


def predicted(df: pd.DataFrame, q: Quantity) -> tuple[np.ndarray, bool]:
    """Per run, the event's month (NaN: never) or, for a ministerial, its soft share; and
    whether the rows lack the event's fields (then every value is NaN: never)."""
    try:
        if q.kind == "share":
            return pd.to_numeric(column(df, q.fields[0], "events"), errors="coerce").to_numpy(
                dtype=float
            ), False
        return event_months(df, q), False
    except ScenarioError:
        return np.full(len(df), math.nan), True


def score(df: pd.DataFrame, q: Quantity, real: float, never: float) -> Scored:
    """Score one event (its quantity ``q``, its real month ``real``) on a batch of rows."""
    values, lacking = predicted(df, q)
    if q.kind == "share":
        p = float(np.mean(values > MOSTLY))
        shown = values[~np.isnan(values)]
        low, median, high = np.percentile(shown, [5, 50, 95]) if len(shown) else (math.nan,) * 3
        return Scored(
            p, brier(p), low=float(low), median=float(median), high=float(high), lacking=lacking, runs=len(df)
        )
    by = real if q.kind == "absent" else never - 1
    happens = ~np.isnan(values) & (values <= by)
    if q.kind == "absent":
        p = 1.0 - float(happens.mean())
        return Scored(p, brier(p), lacking=lacking, runs=len(df))
    months = np.where(happens, values, never)
    p = float(happens.mean())
    low, median, high = (float(v) for v in np.percentile(months, [5, 50, 95], method="lower"))
    return Scored(
        p, brier(p), percentile(months, real), crps(months, real), low, median, high, lacking, len(df)
    )


def score_all(
    events: pd.DataFrame, quantities: list[Quantity], df: pd.DataFrame, sc: Scenario
) -> list[Scored]:
    """Every held-out event scored on ``df`` (runs of a scenario with ``sc``'s calendar)."""
    shift = month_diff(sc.start, EVENTS_START)
    return [score(df, q, q.month + shift, float(sc.months)) for q in quantities]


def verdict(s: Scored, q: Quantity) -> str:
    """Where a source stands on an event: ``right``, ``early``, ``late`` or ``wrong``. An
    occurrence (an absence, a ministerial) is right when its probability is at least one half;
    a dated measure is wrong when it happens by the horizon in under half the runs, else early or
    late when the real month lies above or below the central 90 % of the predicted months."""
    if s.p < 0.5:
        return "wrong"
    if q.kind in ("absent", "share"):
        return "right"
    if s.percentile > CENTRAL[1]:
        return "early"
    if s.percentile < CENTRAL[0]:
        return "late"
    return "right"


def totals(scored: list[Scored], quantities: list[Quantity]) -> tuple[float, float]:
    """(mean Brier over every event, mean CRPS over the dated ones)."""
    timed = [s.crps for s, q in zip(scored, quantities, strict=True) if q.kind == "timed"]
    return float(np.mean([s.brier for s in scored])), float(np.mean(timed)) if timed else math.nan
