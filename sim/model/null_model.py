"""The static null model: what the inputs alone predict, with no dynamics.

The baseline the dynamic model must beat. Shocks apply at their months; at month 0 and at each
shock month, every actor's ideal level on each hard track is computed from its inputs alone
(threat, exports at stake, feared countermeasures; no US pressure, socialisation,
intelligence, countermeasures or noise). Then, on each track:

* an actor (the US, a member, an ally) adopts at its ideal, after its own lag, the first time
  that ideal is at least ``ttc.min_stringency`` (members only where the track allows the
  ``national`` route and ``eu.national_controls`` holds);
* an EU-level measure passes, the first such month, iff a route open to the track passes
  under its voting rule on those ideals at ``ttc.min_stringency`` or more: ``sanctions`` by
  unanimity, ``autonomous`` by qualified majority (no derogations), ``annex`` by the
  consensus of the regimes' participating members unless a participant vetoes the track
  that month (data); the best route wins, ties in the order sanctions, annex, autonomous; it
  comes into force after the route's lag;
* the channel is ``ttc`` if an EU-level measure passes while the US wants a rule too,
  ``unilateral`` if the US adopts otherwise, else ``none``; the track is coordinated when the
  channel is ``ttc`` and the two sides' measures come into force within ``ttc.window``.

No bargaining, channel choice, supplier assurance, rule updates, countermeasures, regime
cascade or agenda. A run of the null uses the same sampled inputs as the model's run with the
same seed, so the two can be compared run by run.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.model import tracks as data
from sim.model.institutions import QMV, max_passable
from sim.model.mechanisms import preferences
from sim.model.mechanisms.eu_routes import EU_ROUTES
from sim.model.model import STREAMS, check_seed
from sim.scenario import ScenarioError, member_table
from sim.scenario.schema import MEMBER_KEYS
from sim.scenario.values import numeric_path

NULL_FIELDS = (
    "coordinated",
    "month_coordinated",
    "channel",
    "us_rule_months",
    "eu_route",
    "month_eu",
    "national_months",
    "national_adopters",
)
"""The per-track fields of a null row (formats as in :mod:`sim.model.outcomes`)."""


def _shocked(scenario: Any, values: dict[str, Any], path: str, delta: float) -> None:
    lo, hi = numeric_path("shocks", path, sc=scenario)
    for concrete in scenario.expand(path):
        if concrete in values and not isinstance(values[concrete], (str, bool)):
            values[concrete] = min(max(float(values[concrete]) + delta, lo), hi)


def _ideals(values: dict[str, Any], track: str, iso: tuple[str, ...], n_members: int) -> np.ndarray:
    """Every adopter's static ideal on ``track`` (members, then allies): no pressure."""
    p = {
        key: np.array(
            [
                float(values[f"tracks.{track}.{'members' if i < n_members else 'allies'}.{c}.{key}"])
                for i, c in enumerate(iso)
            ]
        )
        for key in MEMBER_KEYS
    }
    net = preferences.net_benefit(
        p["threat"],
        p["exposure"],
        p["retaliation_fear"],
        p["us_dependence"],
        np.zeros(len(iso)),
        float(values["constants.w_exposure"]),
        float(values["constants.w_fear"]),
        float(values["constants.w_pressure"]),
    )
    return preferences.ideal_points(net)


def eu_level_passes(
    routes: tuple[str, ...],
    ideals: np.ndarray,
    population: np.ndarray,
    participates: np.ndarray,
    vetoed: bool,
    min_stringency: float,
    qmv: QMV,
) -> tuple[str, float] | None:
    """The route and level of the EU-level measure that passes on members' static ``ideals``,
    or None: the highest passing level over the open routes, at least ``min_stringency``."""
    best: tuple[str, float] | None = None
    none = np.zeros(len(ideals), dtype=bool)
    for route in EU_ROUTES:
        if route not in routes:
            continue
        if route == "sanctions":
            level = max_passable(ideals, population, "unanimity", none, qmv)[0]
        elif route == "autonomous":
            level = max_passable(ideals, population, "qmv", none, qmv)[0]
        elif vetoed:
            continue
        else:
            level = float(ideals[participates].min()) if participates.any() else 1.0
        if level >= min_stringency and (best is None or level > best[1] + 1e-12):
            best = (route, level)
    return best


def null_row(scenario: Any, seed: int) -> dict[str, Any]:
    """One run of the static null model: ``scenario``, ``run``, ``seed`` and per hard track the
    fields of :data:`NULL_FIELDS` as ``<track id>.<field>``."""
    check_seed(seed)
    values = scenario.sample(np.random.SeedSequence(int(seed)).spawn(len(STREAMS))[0])
    table = member_table()
    iso = (*table.iso, *scenario.allies)
    nm = len(table.iso)
    qmv = QMV(
        float(values["constants.qmv_states"]),
        float(values["constants.qmv_population"]),
        float(values["constants.blocking_min_states"]),
    )
    participates = data.regime_members()
    months = scenario.months
    shock_months: dict[int, list[tuple[str, float]]] = {}
    for s in scenario.shocks:
        shock_months.setdefault(scenario.month_index(s.month), []).append((s.path, s.delta))
    checks = sorted({0, *(t for t in shock_months if 0 <= t < months)})
    lags = {
        "sanctions": float(values["eu.sanctions_lag"]),
        "annex": float(values["eu.lag"]),
        "autonomous": float(values["eu.autonomous_lag"]),
    }
    hard = [t for t in scenario.tracks if t.kind == "hard"]
    state: dict[str, dict[str, Any]] = {
        t.id: {"us": None, "eu": None, "national": np.full(len(iso), -1)} for t in hard
    }
    for t in checks:
        for path, delta in shock_months.get(t, ()):
            _shocked(scenario, values, path, delta)
        for spec in hard:
            st, pre = state[spec.id], f"tracks.{spec.id}"
            ideals = _ideals(values, spec.id, iso, nm)
            us = preferences.us_ideal(
                float(values[f"{pre}.us.threat"]),
                float(values[f"{pre}.us.exposure"]),
                float(values["constants.w_exposure"]),
            )
            min_s = float(values["ttc.min_stringency"])
            if st["us"] is None and us >= min_s:
                st["us"] = t + round(float(values[f"{pre}.us.lag"]))
            adopt = (ideals >= min_s) & (st["national"] < 0)
            if not ("national" in spec.routes and values["eu.national_controls"]):
                adopt[:nm] = False
            for i in np.flatnonzero(adopt):
                lag = float(values[f"{pre}.{'members' if i < nm else 'allies'}.{iso[i]}.lag"])
                st["national"][i] = t + round(lag)
            if st["eu"] is None:
                passed = eu_level_passes(
                    spec.routes,
                    ideals[:nm],
                    table.population,
                    participates,
                    data.regime_vetoed(spec.target, scenario.calendar(t)),
                    min_s,
                    qmv,
                )
                if passed is not None:
                    route = passed[0]
                    st["eu"] = (route, t + round(lags[route]), us >= min_s)
    row: dict[str, Any] = {"scenario": scenario.name, "run": 0, "seed": int(seed)}
    window = float(values["ttc.window"])
    for spec in hard:
        st = state[spec.id]
        us_month = st["us"] if st["us"] is not None and st["us"] < months else None
        eu = st["eu"] if st["eu"] is not None and st["eu"][1] < months else None
        channel = "ttc" if eu is not None and eu[2] else "unilateral" if us_month is not None else "none"
        both: int | None = None
        if channel == "ttc" and us_month is not None and eu is not None and abs(us_month - eu[1]) <= window:
            both = max(us_month, eu[1])
        coordinated = both is not None
        nat = st["national"]
        order = sorted((i for i in range(len(iso)) if 0 <= nat[i] < months), key=lambda i: (int(nat[i]), i))
        row.update(
            {
                f"{spec.id}.coordinated": coordinated,
                f"{spec.id}.month_coordinated": both,
                f"{spec.id}.channel": channel,
                f"{spec.id}.us_rule_months": "" if us_month is None else str(us_month),
                f"{spec.id}.eu_route": eu[0] if eu else "",
                f"{spec.id}.month_eu": eu[1] if eu else None,
                f"{spec.id}.national_months": " ".join(f"{iso[i]}:{int(nat[i])}" for i in order),
                f"{spec.id}.national_adopters": " ".join(iso[i] for i in order),
            }
        )
    return row


def null_rows(scenario: Any, runs: int, seed: int = 0) -> list[dict[str, Any]]:
    """``runs`` runs of the static null model with seeds ``seed``, ``seed + 1``, ...: the rows
    ``ttcsim null`` writes (run numbers from 0)."""
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise ScenarioError("runs", str(runs), "must be a whole number of at least 1")
    check_seed(seed)
    out = []
    for k in range(runs):
        row = null_row(scenario, seed + k)
        row["run"] = k
        out.append(row)
    return out
