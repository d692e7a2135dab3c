"""TTCModel: one month is one step; the model orders the month and records what happens.

Order of a month (each mechanism is decided in its module of :mod:`sim.model.mechanisms`):

1. shocks move parameters (:mod:`~sim.model.mechanisms.shocks`);
2. perceptions drift: socialisation, US intelligence, noise (M2, ``perception``);
3. every actor forms its ideal stringency (M1, ``preferences``);
4. while the hard track is open, the Commission tables its best feasible measure (M3,
   ``eu_offer``) and the TTC round compares it with the US ask; agreement schedules both
   sides' adoptions, disagreement makes the US concede and spend pressure (M4, ``ttc_round``);
5. past its patience, the US weighs acting alone (M5, ``acting_alone``);
6. the US presses key exporters bilaterally; members weigh national alignment (M6,
   ``bilateral``);
7. measures whose lag has run come into force, as events on Mesa's event list; the target may
   retaliate (M8, ``adoption``);
8. the month closes: a deal whose two sides are now in force is coordinated; the TTC's
   attention moves toward the track that made progress and soft deliverables accrue (M7,
   ``agenda``); the month is recorded.

Steps 1-6 are :meth:`TTCModel.step` (Mesa's step, at time ``t + 1`` for month ``t``), step 7
the adoptions scheduled for that time, step 8 a recurring event at the same time with low
priority, so it runs after them.

Randomness: one ``numpy`` stream per mechanism, spawned from the run's seed, so changing one
mechanism never shifts another's draws. Members are held in canonical ISO order.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import mesa
import numpy as np
import pandas as pd
from mesa.time import Priority, Schedule

from sim.model.agents import Commission, MemberStates, Target, UnitedStates
from sim.model.mechanisms import acting_alone, agenda, bilateral, perception, shocks, ttc_round
from sim.model.mechanisms.adoption import Adoption
from sim.model.state import Measures, Talks
from sim.scenario import Scenario, ScenarioError, generator, member_table
from sim.scenario.schema import CommissionParams, EUParams, TargetParams, TTCParams, USParams

STREAMS = ("parameters", "perception", "eu", "ttc", "outside", "bilateral", "agenda", "retaliation")
"""One random substream per mechanism (and one for sampling the scenario's distributions)."""

MEMBER_COLUMNS = ("ideal", "effective", "threat", "pressure")
"""Each member's quantities in the trajectory (wide columns ``ideal.NL`` ...)."""


def check_seed(seed: Any) -> None:
    """A seed is a whole number >= 0 (``numpy.random.SeedSequence`` takes no negative)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ScenarioError("seed", str(seed), "must be a whole number >= 0")


def _section(cls: type, values: dict[str, Any], name: str) -> Any:
    return cls(**{f.name: values[f"{name}.{f.name}"] for f in fields(cls)})


class TTCModel(mesa.Model):
    """The US, the Commission, 27 member states and the target negotiate export controls.

    ``TTCModel(scenario, rng=seed)`` samples the scenario's distributions from the seed and
    runs ``scenario.months`` monthly steps (``running`` turns False at the horizon).
    ``record=False`` skips the per-month trajectory (for batches); ``record="final"``
    collects only the final month (what ``mesa.batch_run`` reads). Outcomes never change.

    ``model.inputs`` is our :class:`sim.scenario.Scenario` (the experiment's inputs);
    ``model.scenario`` is Mesa's own, which Mesa ties to this one model. ``model.values`` holds
    every parameter as sampled for this run (``model.sampled`` the sampled ones only).

    State: the agents ``us``, ``commission``, ``members`` (all 27 in one agent) and ``target``;
    ``measures`` (:class:`sim.model.state.Measures`), ``talks``
    (:class:`sim.model.state.Talks`), ``agenda`` (:class:`sim.model.mechanisms.agenda.Agenda`)
    and ``events``, the narrative as (month, date, actor, kind, text).
    """

    def __init__(self, scenario: Scenario, rng: int | None = None, record: bool | str = True):
        if rng is None:
            rng = int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> 1)
        check_seed(rng)
        super().__init__(rng=rng)
        self.inputs = scenario
        self.seed = int(rng)
        self.record = record is True
        self.record_final = record == "final"
        seqs = np.random.SeedSequence(self.seed).spawn(len(STREAMS))
        self.streams = {n: generator(s) for n, s in zip(STREAMS[1:], seqs[1:], strict=True)}
        self.values = scenario.sample(seqs[0])
        self.sampled = {p: self.values[p] for p in scenario.sampled_paths()}

        self.eu = _section(EUParams, self.values, "eu")
        self.ttc = _section(TTCParams, self.values, "ttc")
        self.us = UnitedStates(self, _section(USParams, self.values, "us"), self.streams["outside"])
        self.commission = Commission(self, _section(CommissionParams, self.values, "commission"))
        self.target = Target(self, _section(TargetParams, self.values, "target"))
        self.members = MemberStates(
            self, member_table(), scenario.basket, self.values, self.streams["bilateral"]
        )

        self.months = scenario.months
        self.noise = perception.draw_noise(self.streams["perception"], self.months, len(self.members))
        self.ministerial = {scenario.month_index(m) for m in self.ttc.ministerials}
        self.shocks = shocks.schedule(scenario)
        self.first_shock = min(self.shocks) if self.shocks else None

        self.t = -1
        self.weight = 1.0
        """This month's weight: ``MINISTERIAL_WEIGHT`` in a ministerial month, else 1."""
        self.progress = 0.0
        """This month's reinforcement of the hard track by the TTC round."""
        self.measures = Measures(len(self.members))
        self.talks = Talks()
        self.agenda = agenda.Agenda.starting_at(self.commission.params.agenda)
        self.scheduled: list[Adoption] = []
        """Every adoption put on the event list (Mesa holds its callback weakly)."""
        self.events: list[tuple[int, str, str, str, str]] = []
        self._bilateral_key: tuple[int, float, float] | None = None
        self._bilateral_cache: tuple[np.ndarray, float, np.ndarray | None, float]
        self.member_record: list[tuple[np.ndarray, ...]] = []
        self.schedule_recurring(self.close_month, Schedule(interval=1.0, start=1.0), priority=Priority.LOW)
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "month": lambda m: m.t,
                "date": lambda m: m.inputs.calendar(m.t),
                "us_ideal": lambda m: m.us.ideal(),
                "us_ask": lambda m: m.us.ask(),
                "eu_offer": lambda m: m.talks.offer,
                "gap": lambda m: m.talks.gap,
                "tolerance": lambda m: m.ttc.tolerance,
                "hard_attention": lambda m: m.agenda.attention,
                "soft_deliverables": lambda m: m.agenda.soft_deliverables,
                "us_stringency": lambda m: m.measures.us_level,
                "eu_stringency": lambda m: m.measures.eu_level,
                "n_national": lambda m: int(np.count_nonzero(m.measures.national_month >= 0)),
            }
        )

    # ------------------------------------------------------------------ helpers
    @property
    def iso(self) -> tuple[str, ...]:
        """The members' ISO codes, in canonical order."""
        return self.members.iso

    @property
    def exporter(self) -> np.ndarray:
        """Which members export the scenario's basket."""
        return self.members.exporter

    def section(self, name: str) -> Any:
        """The live parameter object for a section (for shocks)."""
        return {
            "us": self.us.params,
            "commission": self.commission.params,
            "target": self.target.params,
            "eu": self.eu,
            "ttc": self.ttc,
        }[name]

    def time_of(self, month: int) -> float:
        """Mesa's time of a model month (month 0 is the first step, at time 1)."""
        return month + 1.0

    def log(self, actor: str, kind: str, text: str) -> None:
        self.events.append((self.t, self.inputs.calendar(self.t), actor, kind, text))

    def effective(self) -> np.ndarray:
        """Each member's stringency in force."""
        return self.measures.effective

    # ------------------------------------------------------------------ the month
    def step(self) -> None:
        """Steps 1-6 of the month: shocks, perception, preferences, the TTC round, acting alone,
        bilateral pressure and national alignment."""
        self.t = t = self.steps - 1
        self.weight = w = ttc_round.MINISTERIAL_WEIGHT if t in self.ministerial else 1.0
        if t in self.shocks:
            shocks.apply(self, self.shocks[t])
        members, talks = self.members, self.talks
        members.perceive(
            self.commission.params.brokerage, self.agenda.attention, w, self.us.params.threat, self.noise[t]
        )
        members.form_preferences()
        pressure_in = np.zeros(len(members))
        self.progress = 0.0
        if talks.hard_open:
            self.progress = self._ttc_round(w, pressure_in)
        else:
            talks.gap = max(0.0, max(self.measures.us_level, self.us.ask()) - self.measures.eu_level)
        if talks.hard_open and t >= self.us.params.patience:
            self._weigh_acting_alone()
        self._bilateral(w, pressure_in)
        members.receive_pressure(pressure_in)

    def close_month(self) -> None:
        """Step 8, after the month's adoptions: coordination, the agenda, the record."""
        t, talks = self.t, self.talks
        if talks.coordination_due is not None and talks.coordination_due <= t:
            talks.coordinated_month, talks.coordination_due = t, None
            self.log("TTC", "coordinated", "both sides' measures in force within the window")
        self._agenda(self.weight, self.progress)
        if t >= self.months - 1:
            self.running = False
        if self.record or (self.record_final and not self.running):
            self.datacollector.collect(self)
            m = self.members
            self.member_record.append(
                (
                    m.ideals.copy(),
                    self.measures.effective.copy(),
                    m.params["threat"].copy(),
                    m.pressure.copy(),
                )
            )

    def _ttc_round(self, w: float, pressure_in: np.ndarray) -> float:
        """Mechanisms 3 and 4: the Commission's feasible offer against the US ask."""
        members, talks, us = self.members, self.talks, self.us
        ceilings = members.ceilings()
        ask = us.ask()
        aim = self.commission.aim(ask, members.stance())
        prop = self.commission.propose(ceilings, members.supply, members.population, self.eu.rule, aim)
        prev = talks.gap_history[-1] if talks.gap_history else None
        talks.offer = prop.effective
        talks.gap = max(0.0, ask - talks.offer)
        talks.gap_history.append(talks.gap)
        if prop.pivotal >= 0:
            members.pivotal_count[prop.pivotal] += 1
        t = self.t
        if ask >= self.ttc.min_stringency and ttc_round.agree(
            ask, talks.offer, self.ttc.tolerance, self.ttc.min_stringency
        ):
            talks.hard_open = False
            talks.deal_month, talks.deal_level = t, prop.level
            eu_t = t + round(self.eu.lag)
            Adoption(self, "EU", prop.level, derogated=prop.derogated).schedule(eu_t)
            us_month = self.measures.us_month
            us_t = us_month if us_month is not None else t + round(us.params.lag)
            if us_month is None:
                Adoption(self, "US", ask).schedule(us_t)
            derog = " ".join(members.iso[i] for i in np.flatnonzero(prop.derogated))
            self.log(
                "TTC",
                "deal",
                f"agreement: US ask {ask:.2f}, EU offer {talks.offer:.2f}"
                + (f" (derogations: {derog})" if derog else ""),
            )
            both = max(eu_t, us_t)
            if both <= t + self.ttc.window and both < self.months:
                talks.coordination_due = both
            return agenda.DEAL_REWARD
        us.concede(talks.gap, w)
        ttc_round.press_the_reluctant(pressure_in, prop.derogated, aim, ceilings, us.params.pressure, w)
        if self.record:  # narrative only: routine rounds are not logged in batch runs
            piv = members.iso[prop.pivotal] if prop.pivotal >= 0 else "-"
            result = (
                f"no agreement (US ask {ask:.2f}, EU offer {talks.offer:.2f}, "
                f"gap {talks.gap:.2f}; pivotal {piv})"
            )
            if w > 1.0 or result != talks.last_round:
                where = "ministerial" if w > 1.0 else "working group"
                self.log("TTC", "round", f"{where}: {result}")
            talks.last_round = result
        return agenda.progress_reward(prev, talks.gap)

    def _weigh_acting_alone(self) -> None:
        """Mechanism 5: the US compares acting alone with waiting for a deal."""
        talks, us, members = self.talks, self.us, self.members
        months = acting_alone.months_to_deal(
            talks.gap_history, talks.offer, self.ttc.tolerance, self.ttc.min_stringency
        )
        ideal = max(us.ideal(), 1e-9)
        covered = float(members.supply @ np.minimum(1.0, self.measures.effective / ideal))
        act, margin = us.weigh_acting_alone(covered, self.target.params.availability, months)
        if act:
            self.measures.unilateral = True
            talks.hard_open = False
            level = us.ideal()
            Adoption(self, "US", level).schedule(self.t + round(us.params.lag))
            self.log(
                "US",
                "decision",
                f"decides to act alone at stringency {level:.2f} "
                f"(value of acting alone exceeds waiting by {margin:.2f}); TTC hard track left",
            )

    def _bilateral(self, w: float, pressure_in: np.ndarray) -> None:
        """Mechanism 6: US pressure on key exporters outside the TTC; national alignment."""
        measures, members, us = self.measures, self.members, self.us
        effective = measures.effective
        # who is pressed, and how much supply is still uncovered, change only when a measure is
        # decided or comes into force, or the US position moves: recompute only then
        key = (measures.changes, measures.us_level, us.ideal())
        if key != self._bilateral_key:
            self._bilateral_key = key
            open_ = measures.national_decided < 0
            targets = members.exporter & open_
            if targets.any():
                ideal = max(us.ideal(), 1e-9)
                coming = np.where(open_, effective, np.maximum(effective, measures.us_level))
                uncovered = 1.0 - float(members.supply @ np.minimum(1.0, coming / ideal))
                weights = np.where(targets, members.supply, 0.0)
                self._bilateral_cache = (open_, uncovered, weights, weights.sum())
            else:
                self._bilateral_cache = (open_, 0.0, None, 0.0)
        open_, uncovered, pressed, weight_sum = self._bilateral_cache
        if pressed is not None:
            share = bilateral.share_on_exporters(measures.unilateral)
            pressure_in += us.params.pressure * share * uncovered * w * pressed / weight_sum
        if not self.eu.national_controls or measures.us_month is None:
            return
        level = measures.us_level
        cand = members.exporter & open_ & (effective < level - self.ttc.tolerance)
        if not cand.any():
            return
        for i in members.align_nationally(cand, level, us.params.reach, us.params.exemption):
            measures.national_decided[i] = self.t
            measures.changes += 1
            due = self.t + round(float(members.params["lag"][i]))
            Adoption(self, members.iso[i], level, member=i).schedule(due)
            self.log(
                members.iso[i],
                "decision",
                f"decides to align nationally with the US at "
                f"{level:.2f}, outside the TTC (in force after {due - self.t} months)",
            )

    def _agenda(self, w: float, progress: float) -> None:
        """Mechanism 7: attention moves toward the track that made progress; soft output
        accrues with attention. A stalled hard track, or one the US left, earns nothing."""
        talks = self.talks
        if talks.deal_month is not None and talks.deal_month < self.t and not self.measures.unilateral:
            progress = agenda.maintenance_reward(talks.deal_level)
        n_soft = self.agenda.soft_output(self.streams["agenda"], w)
        if n_soft and self.record:
            self.log(
                "TTC",
                "soft",
                f"{n_soft} soft AI-governance deliverable(s) (terminology, taxonomy, evaluation tools)",
            )
        self.agenda.reinforce(progress, n_soft)

    # ------------------------------------------------------------------ results
    def run(self) -> TTCModel:
        while self.running:
            self.step()
        return self

    def outcome(self) -> dict[str, Any]:
        """The outcome row (fields in :mod:`sim.model.outcomes`; month fields None when the
        event did not happen; every other number finite)."""
        from .outcomes import outcome_row

        return outcome_row(self)

    def trajectory(self) -> pd.DataFrame:
        """Monthly trajectory: positions, gap, attention, each member's ideal and effective
        stringency (wide columns ``ideal.NL`` ...), and the month's events."""
        if not self.record:
            raise RuntimeError("this run did not record its trajectory (record=False)")
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        if self.member_record:
            wide = {
                f"{name}.{iso}": [month[k][i] for month in self.member_record]
                for k, name in enumerate(MEMBER_COLUMNS)
                for i, iso in enumerate(self.members.iso)
            }
            df = pd.concat([df, pd.DataFrame(wide, index=df.index)], axis=1)
        ev: dict[int, list[str]] = {}
        for t, _, actor, _, text in self.events:
            ev.setdefault(t, []).append(f"{actor}: {text}")
        df["events"] = [" | ".join(ev.get(t, [])) for t in df["month"]]
        return df
