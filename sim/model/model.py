"""TTCModel: one run is one TTC with several tracks; one month is one step.

Order of a month (each mechanism is decided in its module of :mod:`sim.model.mechanisms`):

1. shocks move parameters (:mod:`~sim.model.mechanisms.shocks`);
2. the US's leverage for the month is split evenly over the hard tracks it pursues (its ideal
   is a real control and it still has something to win there);
3. on each hard track, in id order: perceptions drift (``perception``); every adopter forms
   its ideal (``preferences``); while talks are open, the Commission tables its best measure on
   the track's EU routes (``eu_routes``) and the round agrees or the US concedes and presses
   (``bargaining``); past its patience the US weighs acting alone (``channel_choice``); the US
   presses key suppliers and members and allies weigh national measures
   (``supplier_assurance``);
4. measures whose lag has run come into force, as events on Mesa's event list; a target may
   answer (``countermeasures``);
5. the month closes: a deal whose two sides are now in force is coordinated; deliverables
   accrue and attention moves over the tracks (``agenda``); a ministerial records its soft
   share; the month is recorded.

Steps 1-3 are :meth:`TTCModel.step` (Mesa's step, at time ``t + 1`` for month ``t``), step 4
the adoptions scheduled for that time, step 5 a recurring event at the same time with low
priority, so it runs after them.

Tracks interact only through what they share: the agenda, the US's leverage and each target's
countermeasures. Randomness: one ``numpy`` stream per mechanism, spawned from the run's seed;
adopters in canonical ISO order, tracks in id order, so a file's order never changes a result.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import mesa
import numpy as np
import pandas as pd
from mesa.time import Priority, Schedule

from sim.model import tracks as data
from sim.model.agents import Adopters, Commission, Target, UnitedStates
from sim.model.institutions import QMV
from sim.model.mechanisms import (
    bargaining,
    channel_choice,
    countermeasures,
    eu_routes,
    perception,
    preferences,
    shocks,
    supplier_assurance,
)
from sim.model.mechanisms.agenda import Agenda
from sim.model.state import TrackState
from sim.scenario import ScenarioError, generator, member_table
from sim.scenario.schema import MECHANISMS
from sim.scenario.values import numeric_path
from sim.scenario.constants import CONSTANTS
from sim.scenario.schema import MEMBER_KEYS, CommissionParams, EUParams, TTCParams, USParams

STREAMS = (
    "parameters",
    "perception",
    "channel_choice",
    "supplier_assurance",
    "agenda",
    "countermeasures",
)
"""One random substream per mechanism that draws (and one for sampling the scenario)."""

TRACK_KEYS = tuple(f.name for f in fields(USParams) if f.name != "pressure")


def check_seed(seed: Any) -> None:
    """A seed is a whole number >= 0 (``numpy.random.SeedSequence`` takes no negative)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ScenarioError("seed", str(seed), "must be a whole number >= 0")


def _section(cls: type, values: dict[str, Any], name: str) -> Any:
    return cls(**{f.name: values[f"{name}.{f.name}"] for f in fields(cls)})


@dataclass(eq=False)
class Adoption:
    """A decided measure waiting for its lag to run: the US rule, the EU-level measure or one
    adopter's national measure on a track. :meth:`schedule` puts :meth:`come_into_force` on
    Mesa's event list; the model keeps the adoption alive (Mesa holds callbacks weakly)."""

    model: TTCModel
    track: TrackState
    adopter: str
    """``"US"``, ``"EU"`` or an adopter's ISO code."""
    level: float
    route: str = ""
    derogated: np.ndarray | None = None
    index: int = -1

    def schedule(self, month: int) -> None:
        self.model.scheduled.append(self)
        self.model.schedule_event(self.come_into_force, at=month + 1.0)

    def come_into_force(self) -> None:
        model, tr, t = self.model, self.track, self.model.t
        if self.adopter == "US":
            tr.us_level, tr.us_pending = float(self.level), False
            tr.us_rule_months.append(t)
            tr.changes += 1
            how = "unilateral" if tr.unilateral else "joint"
            model.log(tr.id, "US", "rule", f"{how} rule in force at {tr.us_level:.2f}")
        elif self.adopter == "EU":
            assert self.derogated is not None
            tr.eu_level, tr.eu_route, tr.eu_month = float(self.level), self.route, t
            tr.eu_derogated = self.derogated
            tr.update_effective()
            model.log(tr.id, "EU", "rule", f"EU-level measure ({self.route}) in force at {tr.eu_level:.2f}")
        else:
            i = self.index
            if tr.national_month[i] < 0:
                tr.national_month[i] = t
            else:
                tr.extensions.append((self.adopter, t))
            tr.national_level[i] = max(tr.national_level[i], self.level)
            tr.update_effective()
            model.log(
                tr.id, self.adopter, "rule", f"national measure ({self.route}) in force at {self.level:.2f}"
            )
        model.answer(tr, self.adopter)


class TTCModel(mesa.Model):
    """One TTC: the US, the Commission, the member states, allies and targets on several tracks.

    ``TTCModel(scenario, rng=seed)`` samples the scenario's distributions from the seed and
    runs ``scenario.months`` monthly steps. ``record=False`` skips the per-month trajectory
    (for batches); ``record="final"`` collects only the final month. Outcomes never change.

    ``model.inputs`` is the scenario; ``model.values`` every parameter as sampled for this run
    (``model.sampled`` the sampled ones only); ``model.tracks`` the hard tracks' states in id
    order; ``model.events`` the narrative as (month, date, track, actor, kind, text).
    """

    def __init__(self, scenario: Any, rng: int | None = None, record: bool | str = True):
        if rng is None:
            rng = int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> 1)
        check_seed(rng)
        if not hasattr(scenario, "tracks"):
            raise ScenarioError(scenario.source, "tracks", "no track declared: add a [tracks.<id>] section")
        super().__init__(rng=rng)
        self.inputs = scenario
        self.seed = int(rng)
        self.record = record is True
        self.record_final = record == "final"
        seqs = np.random.SeedSequence(self.seed).spawn(len(STREAMS))
        self.streams = {n: generator(s) for n, s in zip(STREAMS[1:], seqs[1:], strict=True)}
        values = self.values = scenario.sample(seqs[0])
        self.sampled = {p: values[p] for p in scenario.sampled_paths()}
        self.c = {name: float(values[f"constants.{name}"]) for name in CONSTANTS}
        self.on = {m: bool(values[f"mechanisms.{m}"]) for m in MECHANISMS}
        self.qmv = QMV(self.c["qmv_states"], self.c["qmv_population"], self.c["blocking_min_states"])

        self.eu = _section(EUParams, values, "eu")
        self.eu_lags = {
            "sanctions": float(values["eu.sanctions_lag"]),
            "annex": float(values["eu.lag"]),
            "autonomous": float(values["eu.autonomous_lag"]),
        }
        self.ttc = _section(TTCParams, values, "ttc")
        self.commission = Commission(self, _section(CommissionParams, values, "commission"))
        self.us = UnitedStates(self, float(values["us.pressure"]))
        table = member_table()
        self.adopters = Adopters(self, table.iso, tuple(scenario.allies), table.population)
        self.targets = {
            iso: Target(self, iso, float(values[f"targets.{iso}.retaliation"])) for iso in scenario.targets
        }
        self.regime_members = data.regime_members()
        self.months = scenario.months

        n = len(self.adopters.iso)
        hard = [t for t in scenario.tracks if t.kind == "hard"]
        us_thr = channel_choice.thresholds(self.streams["channel_choice"], len(hard), self.c["decision_sd"])
        self.tracks: list[TrackState] = []
        for k, spec in enumerate(hard):
            pre = f"tracks.{spec.id}"
            supply, us_supply = data.supply(spec.basket, self.adopters.iso[self.adopters.n_members :])
            params = {
                key: np.array(
                    [
                        values[f"{pre}.{'members' if i < self.adopters.n_members else 'allies'}.{c}.{key}"]
                        for i, c in enumerate(self.adopters.iso)
                    ],
                    dtype=float,
                )
                for key in MEMBER_KEYS
            }
            us = USParams(
                **{key: float(values[f"{pre}.us.{key}"]) for key in TRACK_KEYS}, pressure=self.us.pressure
            )
            tr = TrackState(
                spec.id,
                spec.target,
                tuple(spec.routes),
                self.adopters.n_members,
                supply,
                us_supply,
                params,
                us,
                float(values[f"{pre}.target.availability"]),
                float(us_thr[k]),
                channel_choice.thresholds(self.streams["supplier_assurance"], n, self.c["decision_sd"]),
            )
            tr.set_key(self.c["key_supply"])
            self.tracks.append(tr)
        self.track_by_id = {tr.id: tr for tr in self.tracks}
        self.productivity = sum(
            float(values[f"tracks.{t.id}.productivity"]) for t in scenario.tracks if t.kind == "soft"
        )
        self.noise = self.streams["perception"].normal(
            0.0, self.c["noise_sd"], (self.months, len(self.tracks), n)
        )
        self.ministerial = {
            scenario.month_index(m): m
            for m in self.ttc.ministerials
            if 0 <= scenario.month_index(m) < self.months
        }
        self.shocks = shocks.schedule(scenario)
        self.agenda = Agenda.starting_at(
            self.commission.params.agenda, len(self.tracks), self.c["agenda_forgetting"], self.on["agenda"]
        )
        self.t = -1
        self.weight = 1.0
        self.progress = np.zeros(len(self.tracks))
        self.scheduled: list[Adoption] = []
        self.events: list[tuple[int, str, str, str, str, str]] = []
        self.schedule_recurring(self.close_month, Schedule(interval=1.0, start=1.0), priority=Priority.LOW)
        reporters: dict[str, Any] = {
            "month": lambda m: m.t,
            "date": lambda m: m.inputs.calendar(m.t),
            "soft_attention": lambda m: m.agenda.soft_attention,
            "soft_deliverables": lambda m: m.agenda.soft_deliverables,
            "hard_deliverables": lambda m: m.agenda.hard_deliverables,
        }
        for k, tr in enumerate(self.tracks):
            reporters.update(self._track_reporters(k, tr))
        self.datacollector = mesa.DataCollector(model_reporters=reporters)

    @staticmethod
    def _track_reporters(k: int, tr: TrackState) -> dict[str, Any]:
        return {
            f"{tr.id}.us_ask": lambda m: m.us_ideal(tr) * (1.0 - tr.concession_made),
            f"{tr.id}.eu_offer": lambda m: tr.offer,
            f"{tr.id}.gap": lambda m: tr.gap,
            f"{tr.id}.attention": lambda m: float(m.agenda.attention[k]),
            f"{tr.id}.us_stringency": lambda m: tr.us_level,
            f"{tr.id}.eu_stringency": lambda m: tr.eu_level,
            f"{tr.id}.n_national": lambda m: int(np.count_nonzero(tr.national_month >= 0)),
        }

    # ------------------------------------------------------------------ helpers
    @property
    def iso(self) -> tuple[str, ...]:
        """The adopters' ISO codes: members, then allies, in canonical order."""
        return self.adopters.iso

    def log(self, track: str, actor: str, kind: str, text: str) -> None:
        self.events.append((self.t, self.inputs.calendar(self.t), track, actor, kind, text))

    def us_ideal(self, tr: TrackState) -> float:
        return preferences.us_ideal(tr.us.threat, tr.us.exposure, self.c["w_exposure"])

    # ------------------------------------------------------------------ shocks
    def _shock(self, path: str, delta: float) -> None:
        for concrete in self.inputs.expand(path):
            parts = concrete.split(".")
            if parts[0] == "tracks":
                self._shock_track(self.track_by_id.get(parts[1]), parts[2:], concrete, delta)
            elif (
                parts[0] in ("members", "allies")
                or (parts[0] == "us" and parts[1] != "pressure")
                or parts[0] == "target"
            ):
                continue  # a general per-track key: its expansion names every track's copy
            elif parts[0] == "us":
                self.us.pressure = shocks.shifted(self.us.pressure, delta, self._range(concrete))
            elif parts[0] == "targets":
                tg = self.targets[parts[1]]
                tg.retaliation = shocks.shifted(tg.retaliation, delta, self._range(concrete))
            else:
                holder = {"commission": self.commission.params, "eu": self.eu, "ttc": self.ttc}[parts[0]]
                setattr(holder, parts[1], shocks.shifted(getattr(holder, parts[1]), delta, self._range(concrete)))
        self.log("", "world", "shock", f"{path} {delta:+.2f}")

    def _range(self, path: str) -> tuple[float, float]:
        """The range a shocked value stays within: its parameter's range in the schema."""
        return numeric_path("shocks", path, sc=self.inputs)

    def _shock_track(self, tr: TrackState | None, parts: list[str], path: str, delta: float) -> None:
        if tr is None:  # a soft track's productivity
            self.productivity = shocks.shifted(self.productivity, delta, (0.0, 10.0))
            return
        if parts[0] in ("members", "allies"):
            i = self.adopters.index[parts[1]]
            arr = tr.params[parts[2]]
            arr[i] = shocks.shifted(arr[i], delta, self._range(path))
        elif parts[0] == "us":
            setattr(tr.us, parts[1], shocks.shifted(getattr(tr.us, parts[1]), delta, self._range(path)))
        else:
            tr.availability = shocks.shifted(tr.availability, delta, self._range(path))

    # ------------------------------------------------------------------ the month
    def step(self) -> None:
        """Steps 1-3: shocks, the US's leverage, and every hard track's decisions."""
        self.t = t = self.steps - 1
        self.weight = w = self.c["ministerial_weight"] if t in self.ministerial else 1.0
        for path, delta in self.shocks.get(t, ()):
            self._shock(path, delta)
        pursued = [
            tr
            for tr in self.tracks
            if self.us_ideal(tr) >= self.ttc.min_stringency and (tr.hard_open or tr.us_rule_months)
        ]
        leverage = self.us.pressure / len(pursued) if pursued else 0.0
        self.progress = np.zeros(len(self.tracks))
        for k, tr in enumerate(self.tracks):
            lev = leverage if tr in pursued else 0.0
            self._decide(k, tr, w, lev)

    def _decide(self, k: int, tr: TrackState, w: float, leverage: float) -> None:
        c, on, p = self.c, self.on, tr.params
        if on["perception"]:
            perception.perceive(
                p["threat"],
                tr.n_members,
                self.adopters.population,
                self.commission.params.brokerage,
                float(self.agenda.attention[k]),
                w,
                p["us_dependence"],
                tr.us.threat,
                self.noise[self.t, k],
                c["socialisation"],
                c["intel"],
            )
        if on["preferences"]:
            tr.net = preferences.net_benefit(
                p["threat"],
                p["exposure"],
                p["retaliation_fear"],
                p["us_dependence"],
                tr.pressure,
                c["w_exposure"],
                c["w_fear"],
                c["w_pressure"],
            )
        else:
            tr.net = p["threat"].copy()
        tr.ideals = preferences.ideal_points(tr.net)
        pressure_in = np.zeros(len(tr.supply))
        if tr.hard_open and on["bargaining"]:
            self.progress[k] = self._round(k, tr, w, leverage, pressure_in)
        else:
            tr.gap = max(0.0, max(tr.us_level, self.us_ideal(tr)) - tr.eu_level)
        if tr.hard_open and on["channel_choice"] and self.t >= tr.us.patience:
            self._weigh_acting_alone(tr)
        if on["supplier_assurance"]:
            self._assurance(tr, w, leverage, pressure_in)
        tr.pressure = supplier_assurance.accumulate(tr.pressure, pressure_in, c["pressure_decay"])

    def _round(self, k: int, tr: TrackState, w: float, leverage: float, pressure_in: np.ndarray) -> float:
        """``eu_routes`` and ``bargaining`` on one track."""
        c, nm = self.c, tr.n_members
        ceil = preferences.ceilings(tr.net[:nm], c["loss_aversion"])
        ideal = self.us_ideal(tr)
        ask = ideal * (1.0 - tr.concession_made)
        prop = None
        aim = ask
        if self.on["eu_routes"]:
            aim = eu_routes.aim(
                ask,
                eu_routes.eu_stance(tr.ideals[:nm], self.adopters.population),
                self.commission.params.autonomy,
            )
            prop = eu_routes.best_offer(
                tr.routes,
                ceil,
                tr.supply_eu,
                self.adopters.population,
                self.eu.rule,
                aim,
                eu_routes.derogation_budget(self.commission.params.brokerage, c["derogation_cap"]),
                self.qmv,
                self.regime_members,
                data.regime_vetoed(tr.target, self.inputs.calendar(self.t)),
            )
        prev = tr.gap_history[-1] if tr.gap_history else None
        tr.offer = prop.effective if prop is not None else 0.0
        tr.gap = max(0.0, ask - tr.offer)
        tr.gap_history.append(tr.gap)
        if prop is not None and prop.pivotal >= 0:
            tr.pivotal_count[prop.pivotal] += 1
        t = self.t
        if (
            prop is not None
            and ask >= self.ttc.min_stringency
            and bargaining.agree(ask, tr.offer, self.ttc.tolerance, self.ttc.min_stringency)
        ):
            tr.hard_open = False
            tr.deal_month, tr.deal_level = t, prop.level
            tr.channels.append("ttc")
            eu_t = t + round(self.eu_lags[prop.route])
            Adoption(self, tr, "EU", prop.level, prop.route, derogated=prop.derogated).schedule(eu_t)
            if tr.us_rule_months:
                us_t = tr.us_rule_months[0]
            else:
                us_t = t + round(tr.us.lag)
                tr.us_pending = True
                Adoption(self, tr, "US", ask).schedule(us_t)
            self.agenda.deliver(0, 1)
            self.log(
                tr.id, "TTC", "deal", f"agreement via {prop.route}: US ask {ask:.2f}, EU offer {tr.offer:.2f}"
            )
            both = max(eu_t, us_t)
            if both <= t + self.ttc.window and both < self.months:
                tr.coordination_due = both
            return c["deal_reward"]
        if ideal > 0:
            tr.concession_made = bargaining.conceded(
                ideal,
                ask,
                tr.us.reservation,
                tr.us.concession,
                w * float(self.agenda.attention[k]) * len(self.tracks),
                tr.gap,
            )
        if prop is not None:
            bargaining.press_the_reluctant(
                pressure_in, prop.derogated, aim, ceil, leverage * (1.0 - c["bilateral_share"]), w
            )
        if self.record:
            result = f"no agreement (US ask {ask:.2f}, EU offer {tr.offer:.2f}, gap {tr.gap:.2f})"
            if w > 1.0 or result != tr.last_round:
                self.log(tr.id, "TTC", "round", ("ministerial: " if w > 1.0 else "working group: ") + result)
            tr.last_round = result
        return c["progress_reward"] * max(0.0, prev - tr.gap) if prev is not None else 0.0

    def _weigh_acting_alone(self, tr: TrackState) -> None:
        """``channel_choice`` (interim): acting alone against waiting for a deal."""
        ideal = self.us_ideal(tr)
        if ideal < self.ttc.min_stringency:
            return
        months = (
            channel_choice.months_to_deal(
                tr.gap_history,
                tr.offer,
                self.ttc.tolerance,
                self.ttc.min_stringency,
            )
            if tr.gap_history
            else float("inf")
        )
        allied = float(tr.supply.sum())
        covered = float(tr.supply @ (np.minimum(ideal, tr.effective) / ideal)) / allied if allied > 0 else 0.0
        ask = ideal * (1.0 - tr.concession_made)
        margin = channel_choice.margin_of_acting_alone(
            ideal,
            ask,
            tr.us.threat,
            tr.us.exposure,
            tr.us_supply,
            tr.us.reach,
            covered,
            tr.availability,
            months,
            self.c["discount"],
        )
        if margin > tr.us_threshold:
            tr.unilateral, tr.hard_open, tr.us_pending = True, False, True
            tr.channels.append("unilateral")
            Adoption(self, tr, "US", ideal).schedule(self.t + round(tr.us.lag))
            self.log(
                tr.id,
                "US",
                "decision",
                f"decides to act alone at {ideal:.2f} (margin {margin:.2f}); leaves the TTC talks",
            )

    def _assurance(self, tr: TrackState, w: float, leverage: float, pressure_in: np.ndarray) -> None:
        """``supplier_assurance`` (interim): pressure on key suppliers; national measures."""
        c, nm = self.c, tr.n_members
        member_route = "national" in tr.routes and self.eu.national_controls
        can = tr.national_decided < 0
        if not member_route:
            can = can.copy()
            can[:nm] = False
        ideal = self.us_ideal(tr)
        pressed = tr.key & can
        if leverage > 0 and pressed.any() and ideal > 0:
            coming = np.where(can, tr.effective, np.maximum(tr.effective, tr.us_level))
            allied = float(tr.supply.sum())
            # min(ideal, x) / ideal is min(1, x / ideal) exactly, without overflow for a tiny ideal
            uncovered = 1.0 - float(tr.supply @ (np.minimum(ideal, coming) / ideal)) / allied
            weights = np.where(pressed, tr.supply, 0.0)
            share = 1.0 if tr.unilateral else c["bilateral_share"]
            pressure_in += leverage * share * uncovered * w * weights / weights.sum()
        if not tr.us_rule_months:
            return
        level = tr.us_level
        cand = np.flatnonzero(pressed & (tr.effective < level - self.ttc.tolerance))
        self._align(tr, cand, level, np.full(len(cand), c["national_cost"]), "national")
        if "art10" in tr.routes and self.eu.national_controls:
            listed = tr.national_month[:nm] >= 0
            if listed.any():
                list_level = float(tr.national_level[:nm][listed].max())
                open_m = tr.national_decided[:nm] < 0
                cand10 = np.flatnonzero(
                    open_m & ~tr.key[:nm] & (tr.effective[:nm] < list_level - self.ttc.tolerance)
                )
                cost = c["national_cost"] * c["art10_discount"]
                self._align(tr, cand10, list_level, np.full(len(cand10), cost), "art10")

    def _align(self, tr: TrackState, cand: np.ndarray, level: float, cost: np.ndarray, route: str) -> None:
        if not len(cand):
            return
        c, p = self.c, tr.params
        margin = supplier_assurance.alignment_margin(
            level,
            tr.us.reach,
            tr.us.exemption,
            p["threat"][cand],
            p["exposure"][cand],
            p["retaliation_fear"][cand],
            p["us_dependence"][cand],
            tr.pressure[cand],
            cost,
            c["w_exposure"],
            c["w_fear"],
            c["w_pressure"],
        )
        for i, m in zip(cand, margin, strict=True):
            if m > tr.thresholds[i]:
                i = int(i)
                tr.national_decided[i] = self.t
                due = self.t + round(float(p["lag"][i]))
                code = self.adopters.iso[i]
                route_name = route if i < tr.n_members else "national rule"
                Adoption(self, tr, code, level, route_name, index=i).schedule(due)
                self.log(
                    tr.id,
                    code,
                    "decision",
                    f"decides a national measure ({route_name}) at {level:.2f}, "
                    f"in force after {due - self.t} month{'' if due - self.t == 1 else 's'}",
                )

    def answer(self, tr: TrackState, adopter: str) -> None:
        """``countermeasures``: the track's target may answer a new measure."""
        if not self.on["countermeasures"] or tr.target is None or tr.target not in self.targets:
            return
        target = self.targets[tr.target]
        if not countermeasures.retaliates(self.streams["countermeasures"], target.retaliation):
            return
        tr.countermeasure_months.append(self.t)
        for other in self.tracks:
            if other.target == tr.target:
                bystanders = (other.effective <= 0) & (other.national_decided < 0)
                countermeasures.fear_retaliation(
                    other.params["retaliation_fear"], bystanders, self.c["retaliation_impact"]
                )
        self.log(
            tr.id, tr.target, "countermeasure", f"answers {adopter}'s measure; bystanders grow more fearful"
        )

    def close_month(self) -> None:
        """Step 5: coordination, deliverables and attention, the ministerial, the record."""
        t, w, c = self.t, self.weight, self.c
        ag = self.agenda
        rng = self.streams["agenda"]
        progress = self.progress
        hard = 0
        for k, tr in enumerate(self.tracks):
            if tr.coordination_due is not None and tr.coordination_due <= t:
                tr.coordinated_month, tr.coordination_due = t, None
                self.log(tr.id, "TTC", "coordinated", "both sides' measures in force within the window")
            if tr.coordinated_month is not None and tr.coordinated_month < t:
                progress[k] = c["maintenance_reward"] * tr.deal_level
                hard += int(rng.poisson(c["enforcement_rate"] * float(ag.attention[k]) * w))
        soft = int(rng.poisson(self.productivity * ag.soft_attention * w)) if self.productivity > 0 else 0
        ag.deliver(soft, hard)
        if soft and self.record:
            self.log("", "TTC", "soft", f"{soft} soft AI-governance deliverable(s)")
        ag.reinforce(progress, soft, c["soft_reward"])
        if t in self.ministerial:
            ag.ministerial(self.ministerial[t])
        if t >= self.months - 1:
            self.running = False
        if self.record or (self.record_final and not self.running):
            self.datacollector.collect(self)

    # ------------------------------------------------------------------ results
    def run(self) -> TTCModel:
        while self.running:
            self.step()
        return self

    def outcome(self) -> dict[str, Any]:
        """The outcome row (fields in :mod:`sim.model.outcomes`)."""
        from .outcomes import outcome_row

        return outcome_row(self)

    def trajectory(self) -> pd.DataFrame:
        """Monthly trajectory: per track the US ask, EU offer, gap, attention and levels in
        force (columns ``<track>.<quantity>``), the soft attention and output, and the month's
        events."""
        if not self.record:
            raise RuntimeError("this run did not record its trajectory (record=False)")
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        ev: dict[int, list[str]] = {}
        for t, _, track, actor, _, text in self.events:
            ev.setdefault(t, []).append(f"{track + ' ' if track else ''}{actor}: {text}")
        df["events"] = [" | ".join(ev.get(t, [])) for t in df["month"]]
        return df
