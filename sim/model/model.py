"""TTCModel: one run is one TTC with several tracks; one month is one step.

Order of a month (each mechanism is decided in its module of :mod:`sim.model.mechanisms`):

1. shocks move parameters (:mod:`~sim.model.mechanisms.shocks`);
2. the US's leverage for the month is split evenly over the hard tracks it pursues (its ideal
   is a real control and it still has something to win there);
3. on every hard track perceptions drift (``perception``) and every adopter forms its ideal
   (``preferences``); then on each hard track, in id order: while talks are open, the
   Commission tables its best measure on the track's EU routes (``eu_routes``) and the round
   agrees or the US concedes and presses (``bargaining``); past its patience the US weighs
   acting alone (``channel_choice``); the US presses key suppliers and members and allies
   weigh national measures (``supplier_assurance``); with a rule in force the US weighs
   updating it on the leakage it observes, and allies weigh extending their measures
   (``ratchet``); a vetoed regime update pushes members to national lists
   (``regime_cascade``); the pressure of the month arrives on every track at its end;
4. measures whose lag has run come into force, in the order decided, in the month's event on
   Mesa's event list; a target may answer (``countermeasures``);
5. the month closes: a deal whose two sides are now in force is coordinated; deliverables
   accrue and attention moves over the tracks (``agenda``); a ministerial records its soft
   share; the month is recorded.

Steps 1-3 are :meth:`TTCModel.step` (Mesa's step, at time ``t + 1`` for month ``t``); steps 4
and 5 follow as one event on Mesa's event list at that time (:meth:`TTCModel.come_into_force`)
in a month with adoptions due, else step 5 (:meth:`TTCModel.close_month`) ends the step.

Tracks interact only through what they share: the agenda, the US's leverage and each target's
countermeasures; no track's decisions in a month touch another track's numbers, so the
adopters' preferences of all tracks are rows of one array and form together. Randomness: one
``numpy`` stream per mechanism, spawned from the run's seed; adopters in canonical ISO order,
tracks in id order, so a file's order never changes a result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from operator import itemgetter
from types import MappingProxyType
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim.model import tracks as data
from sim.model.agents import Adopters, Commission, Target, UnitedStates
from sim.model.institutions import QMV
from sim.model.mechanisms import (
    channel_choice,
    perception,
    preferences,
    regime_cascade,
    shocks,
    supplier_assurance,
)
from sim.model.mechanisms.agenda import Agenda
from sim.model.state import Adoption, TrackState
from sim.scenario import ScenarioError, TrackSpec, generator, member_table
from sim.scenario.constants import CONSTANTS
from sim.scenario.schema import MECHANISMS, MEMBER_KEYS, CommissionParams, EUParams, TTCParams, USParams
from sim.scenario.values import numeric_path

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
CONSTANT_PATHS = {name: f"constants.{name}" for name in CONSTANTS}
MECHANISM_PATHS = {name: f"mechanisms.{name}" for name in MECHANISMS}


def check_seed(seed: Any) -> None:
    """A seed is a whole number >= 0 (``numpy.random.SeedSequence`` takes no negative)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ScenarioError("seed", str(seed), "must be a whole number >= 0")


def _section(cls: type, values: dict[str, Any], name: str) -> Any:
    return cls(**{f.name: values[f"{name}.{f.name}"] for f in fields(cls)})


def _read_only(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


@dataclass(frozen=True)
class HardTrack:
    """What a hard track's runs share: its spec, the adopters' and the US's shares of its
    supply (read-only), and the paths of its sampled values."""

    spec: TrackSpec
    supply: np.ndarray
    us_supply: float
    params: dict[str, Callable[[dict[str, Any]], tuple[Any, ...]]]
    """Per member key, the adopters' values of it in canonical order, from a run's values."""
    us: dict[str, str]
    availability: str

    @classmethod
    def of(cls, spec: TrackSpec, iso: tuple[str, ...], n_members: int) -> HardTrack:
        pre = f"tracks.{spec.id}"
        supply, us_supply = data.supply(spec.basket, iso[n_members:])
        paths = {
            key: [f"{pre}.{'members' if i < n_members else 'allies'}.{c}.{key}" for i, c in enumerate(iso)]
            for key in MEMBER_KEYS
        }
        return cls(
            spec,
            _read_only(supply),
            us_supply,
            {key: itemgetter(*p) for key, p in paths.items()},  # 27 members at least: a tuple
            {key: f"{pre}.us.{key}" for key in TRACK_KEYS},
            f"{pre}.target.availability",
        )


@dataclass(frozen=True)
class Layout:
    """What every run of a scenario shares, whatever its seed (kept with the scenario): its
    hard tracks, the paths of its soft tracks' productivity, the calendar, the ministerials
    by month, and who takes part in the regimes and when their plenary meets."""

    allies: tuple[str, ...]
    hard: tuple[HardTrack, ...]
    productivity: tuple[str, ...]
    dates: tuple[str, ...]
    ministerial: Mapping[int, str]
    regime_members: np.ndarray
    regime_participants: np.ndarray
    plenary_months: frozenset[int]

    @classmethod
    def of(cls, scenario: Any) -> Layout:
        table = member_table()
        allies = tuple(scenario.allies)
        iso = (*table.iso, *allies)
        dates = tuple(scenario.calendar(t) for t in range(scenario.months))
        plenary = f"-{regime_cascade.plenary_month():02d}"
        ministerial = {}
        for m in scenario.values["ttc.ministerials"]:
            if 0 <= scenario.month_index(m) < scenario.months:
                ministerial[scenario.month_index(m)] = m
        return cls(
            allies,
            tuple(HardTrack.of(t, iso, len(table.iso)) for t in scenario.tracks if t.kind == "hard"),
            tuple(f"tracks.{t.id}.productivity" for t in scenario.tracks if t.kind == "soft"),
            dates,
            MappingProxyType(ministerial),
            _read_only(data.regime_members()),
            _read_only(np.array([any(c in r.participants for r in data.regimes()) for c in iso])),
            frozenset(t for t, date in enumerate(dates) if date.endswith(plenary)),
        )


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
        layout: Layout = scenario.derived("model.layout", lambda: Layout.of(scenario))
        self.dates = layout.dates
        seqs = np.random.SeedSequence(self.seed).spawn(len(STREAMS))
        self.streams = {n: generator(s) for n, s in zip(STREAMS[1:], seqs[1:], strict=True)}
        values = self.values = scenario.sample(seqs[0])
        self.sampled = {p: values[p] for p in scenario.derived("sampled_paths", scenario.sampled_paths)}
        self.c = {name: float(values[path]) for name, path in CONSTANT_PATHS.items()}
        self.on = {m: bool(values[path]) for m, path in MECHANISM_PATHS.items()}
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
        self.adopters = Adopters(self, table.iso, layout.allies, table.population)
        self.targets = {
            iso: Target(self, iso, float(values[f"targets.{iso}.retaliation"])) for iso in scenario.targets
        }
        self.regime_members = layout.regime_members
        # regime_cascade: who takes part in the regimes, their plenary, and the tracks stalled
        self.regime_participants = layout.regime_participants
        self.plenary_months = layout.plenary_months
        self.stalled: dict[str, int] = {}
        """Hard tracks whose regime update was vetoed, with the month of the veto."""
        self.months = scenario.months

        n = len(self.adopters.iso)
        self.live = {
            key: np.array([hard.params[key](values) for hard in layout.hard], dtype=float).reshape(-1, n)
            for key in MEMBER_KEYS
        }
        """The adopters' live parameters per key: one row per hard track (each track's
        ``params`` are views of its row), so a month's perceptions and preferences form on every
        track at once."""
        self.pressure = np.zeros((len(layout.hard), n))
        """US pressure each adopter has received, one row per hard track."""
        self.pressure_in = np.zeros((len(layout.hard), n))
        """The pressure arriving this month (reused month after month)."""
        self.net, self.ideals = np.zeros((len(layout.hard), n)), np.zeros((len(layout.hard), n))
        """The adopters' net benefit of control and ideal level, one row per hard track (each
        track's ``net`` and ``ideals`` are views of its row), formed anew every month."""
        us_thr = channel_choice.thresholds(
            self.streams["channel_choice"], len(layout.hard), self.c["decision_sd"]
        )
        self.tracks: list[TrackState] = []
        for k, hard in enumerate(layout.hard):
            spec = hard.spec
            params = {key: self.live[key][k] for key in MEMBER_KEYS}
            us = USParams(
                **{key: float(values[path]) for key, path in hard.us.items()}, pressure=self.us.pressure
            )
            tr = TrackState(
                spec.id,
                spec.target,
                tuple(spec.routes),
                self.adopters.n_members,
                hard.supply,
                hard.us_supply,
                params,
                us,
                float(values[hard.availability]),
                float(us_thr[k]),
                channel_choice.thresholds(self.streams["supplier_assurance"], n, self.c["decision_sd"]),
            )
            tr.pressure, tr.net, tr.ideals = self.pressure[k], self.net[k], self.ideals[k]
            tr.set_key(self.c["key_supply"])
            tr.allow_national("national" in tr.routes and self.eu.national_controls)
            tr.us_ideal = self.us_ideal(tr)
            self.tracks.append(tr)
        self.track_by_id = {tr.id: tr for tr in self.tracks}
        self.us_threat = np.array([tr.us.threat for tr in self.tracks])
        """The US's threat perception on each hard track (moved only by shocks)."""
        self.productivity = sum(float(values[path]) for path in layout.productivity)
        self.noise = self.streams["perception"].normal(
            0.0, self.c["noise_sd"], (self.months, len(self.tracks), n)
        )
        self.ministerial = layout.ministerial
        self.shocks = scenario.derived("model.shocks", lambda: shocks.schedule(scenario))
        self.agenda = Agenda.starting_at(
            self.commission.params.agenda, len(self.tracks), self.c["agenda_forgetting"], self.on["agenda"]
        )
        self.t = -1
        self.weight = 1.0
        self.progress = np.zeros(len(self.tracks))
        self.events: list[tuple[int, str, str, str, str, str]] = []
        self.due: dict[int, list[Adoption]] = {}
        """The adoptions scheduled to come into force, by month, in the order they were decided."""
        if self.record or self.record_final:  # a batch run records nothing
            self.datacollector = mesa.DataCollector(model_reporters=self._reporters())

    def _reporters(self) -> dict[str, Any]:
        reporters: dict[str, Any] = {
            "month": lambda m: m.t,
            "date": lambda m: m.date(m.t),
            "soft_attention": lambda m: m.agenda.soft_attention,
            "soft_deliverables": lambda m: m.agenda.soft_deliverables,
            "hard_deliverables": lambda m: m.agenda.hard_deliverables,
        }
        for k, tr in enumerate(self.tracks):
            reporters.update(self._track_reporters(k, tr))
        return reporters

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

    def date(self, t: int) -> str:
        """The calendar month (YYYY-MM) of model month ``t``."""
        return self.dates[t] if 0 <= t < len(self.dates) else self.inputs.calendar(t)

    def log(self, track: str, actor: str, kind: str, text: str) -> None:
        self.events.append((self.t, self.date(self.t), track, actor, kind, text))

    def us_ideal(self, tr: TrackState) -> float:
        return preferences.us_ideal(tr.us.threat, tr.us.exposure, self.c["w_exposure"])

    # ------------------------------------------------------------------ shocks
    def _shock(self, path: str, delta: float) -> None:
        for concrete in self.inputs.derived(f"shock paths {path}", lambda: self.inputs.expand(path)):
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
                value = shocks.shifted(getattr(holder, parts[1]), delta, self._range(concrete))
                setattr(holder, parts[1], value)
        self.log("", "world", "shock", f"{path} {delta:+.2f}")

    def _range(self, path: str) -> tuple[float, float]:
        """The range a shocked value stays within: its parameter's range in the schema."""
        return self.inputs.derived(
            f"shock range {path}", lambda: numeric_path("shocks", path, sc=self.inputs)
        )

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
        """Steps 1-3: shocks, the US's leverage, perceptions and preferences, and every hard
        track's decisions."""
        self.t = t = self.steps - 1
        self.weight = w = self.c["ministerial_weight"] if t in self.ministerial else 1.0
        if t in self.shocks:
            for path, delta in self.shocks[t]:
                self._shock(path, delta)
            for tr in self.tracks:
                tr.us_ideal = self.us_ideal(tr)
            self.us_threat = np.array([tr.us.threat for tr in self.tracks])
        pursued = [self.us.leverage_buys(tr) for tr in self.tracks]
        leverage = self.us.pressure / sum(pursued) if any(pursued) else 0.0
        self.progress.fill(0.0)
        self._form_preferences(w)
        pressure_in = self.pressure_in
        pressure_in.fill(0.0)
        for k, tr in enumerate(self.tracks):
            self._decide(k, tr, w, leverage if pursued[k] else 0.0, pressure_in[k])
        supplier_assurance.accumulate(self.pressure, pressure_in, self.c["pressure_decay"])
        if t not in self.due:  # else the month closes after its adoptions come into force
            self.close_month()

    def _form_preferences(self, w: float) -> None:
        """Perceptions drift on every hard track (``perception``), then every adopter forms its
        ideal on all of them at once (``preferences``, over the rows of :attr:`live`)."""
        c, live = self.c, self.live
        if self.on["perception"]:
            perception.perceive(
                live["threat"],
                self.adopters.n_members,
                self.adopters.population,
                self.adopters.total_population,
                self.commission.params.brokerage,
                self.agenda.attention,
                w,
                live["us_dependence"],
                self.us_threat,
                self.noise[self.t],
                c["socialisation"],
                c["intel"],
            )
        if self.on["preferences"]:
            preferences.form(
                live["threat"],
                live["exposure"],
                live["retaliation_fear"],
                live["us_dependence"],
                self.pressure,
                c["w_exposure"],
                c["w_fear"],
                c["w_pressure"],
                self.net,
                self.ideals,
            )
        else:
            self.net[:] = live["threat"]
            self.ideals[:] = preferences.ideal_points(self.net)

    def _decide(self, k: int, tr: TrackState, w: float, leverage: float, pressure_in: np.ndarray) -> None:
        """Track ``tr``'s decisions this month; the pressure they bring arrives in ``pressure_in``."""
        on = self.on
        if tr.hard_open and on["bargaining"]:
            self.progress[k] = self.commission.negotiate(k, tr, w, leverage, pressure_in)
        else:
            tr.gap = max(0.0, max(tr.us_level, tr.us_ideal) - tr.eu_level)
        # Each decision's method checks that there is something to decide; the cheapest of
        # those checks come first here, sparing the calls in the many months with none.
        ruled = bool(tr.us_rule_months)
        if on["channel_choice"] and not (ruled or tr.us_pending):
            self.us.choose_channel(tr)
        if on["supplier_assurance"]:
            if leverage > 0:
                self.us.press_key_suppliers(tr, w, leverage, pressure_in)
            if ruled:
                self.adopters.weigh_national_measures(tr)
        if on["ratchet"] and ruled:
            if not tr.us_pending:
                self.us.update_rule(tr)
            if tr.us_update_months:
                self.adopters.extend_measures(tr)
        if on["regime_cascade"]:
            self._regime_cascade(tr)

    def _regime_cascade(self, tr: TrackState) -> None:
        """``regime_cascade``: at the regimes' plenary an update the US or a participant wants is
        put on ``tr``; a veto stalls the track, and while it is stalled members and allies
        weigh national lists (Art. 9) and members published ones (Art. 10)."""
        if tr.id not in self.stalled and "annex" in tr.routes and self.t in self.plenary_months:
            wants = regime_cascade.wanting(
                tr.ideals, self.adopters.coming(tr), self.ttc.min_stringency, self.ttc.tolerance
            )
            if regime_cascade.wants_update(
                tr.us_ideal, tr.us_level, wants, self.regime_participants, self.ttc.min_stringency
            ) and data.regime_vetoed(tr.target, self.date(self.t)):
                self.stalled[tr.id] = self.t
                self.log(
                    tr.id, "regime", "veto", "the plenary's update is vetoed; the track stalls in the regime"
                )
        if tr.id in self.stalled:
            self.adopters.list_after_veto(tr)

    def adopt_in(self, month: int, adoption: Adoption) -> None:
        """Schedule ``adoption`` to come into force in ``month`` (step 4): one event on Mesa's
        event list per month brings that month's adoptions into force in the order they were
        decided."""
        if month not in self.due:
            self.schedule_event(self.come_into_force, at=month + 1.0)
            self.due[month] = []
        self.due[month].append(adoption)

    def come_into_force(self) -> None:
        """Step 4: the adoptions whose lag has run come into force; then the month closes."""
        for adoption in self.due.pop(self.t):
            adoption.come_into_force()
        self.close_month()

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
        ag.reinforce(progress, self.productivity * w, c["soft_reward"])
        if t in self.ministerial:
            soft_since, hard_since = ag.since
            ag.ministerial(self.ministerial[t])
            self.log(
                "",
                "TTC",
                "ministerial",
                f"ministerial output since the last: {soft_since} soft, {hard_since} hard deliverable(s); "
                f"soft share {ag.soft_share_by_ministerial[-1][1]:.2f}",
            )
        if t >= self.months - 1:
            self.running = False
        if self.record or (self.record_final and not self.running):
            self.datacollector.collect(self)

    # ------------------------------------------------------------------ results
    def run(self) -> TTCModel:
        """Run the remaining months: Mesa advances time to the horizon, processing the monthly
        steps and the events scheduled between them."""
        if self.running:
            self.run_until(self.months)
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
