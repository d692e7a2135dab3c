"""TTCModel: one month is one step; the model schedules the actors and records what happens.

Order of a month (each numbered mechanism is documented where it is decided):

1. shocks move parameters (:mod:`sim.model.shocks`);
2. perceptions drift: socialisation, US intelligence, noise (mechanism 2);
3. every actor forms its ideal stringency (mechanism 1, :mod:`sim.model.agents`);
4. while the hard track is open, the Commission tables its best feasible measure (mechanism 3)
   and the TTC round compares it with the US ask; agreement schedules both sides' adoptions,
   disagreement makes the US concede and spend pressure (mechanism 4);
5. past its patience, the US weighs acting alone (mechanism 5);
6. the US presses key exporters bilaterally; members weigh national alignment (mechanism 6);
7. measures whose lag has run come into force; the target may retaliate (mechanism 8);
8. the TTC's attention moves toward the track that made progress; soft deliverables accrue
   (mechanism 7).

Randomness: one ``numpy`` stream per mechanism, spawned from the run's seed, so changing one
mechanism never shifts another's draws. Members are held in canonical ISO order.
"""

from __future__ import annotations

import math
from dataclasses import fields
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim.model import institutions, shocks
from sim.model.agents import (
    BILATERAL_SHARE,
    DECISION_SD,
    INTEL,
    NOISE_SD,
    PRESSURE_DECAY,
    RETALIATION_IMPACT,
    SOCIALISATION,
    Commission,
    MemberState,
    Target,
    UnitedStates,
)
from sim.scenario import Scenario, ScenarioError, generator, member_table
from sim.scenario.schema import MEMBER_KEYS, CommissionParams, EUParams, TargetParams, TTCParams, USParams

STREAMS = ("parameters", "perception", "eu", "ttc", "outside", "bilateral", "agenda", "retaliation")
"""One random substream per mechanism (and one for sampling the scenario's distributions)."""

MINISTERIAL_WEIGHT = 2.0
"""A ministerial month doubles the round's concessions, pressure, brokerage and soft output."""
PROGRESS_WINDOW = 3
"""Months over which the US measures the recent rate at which the gap closes."""
# agenda (mechanism 7): attention follows reinforcement with forgetting (Erev-Roth style)
AGENDA_FORGETTING = 0.15
"""Monthly share of past reinforcement forgotten."""
DEAL_REWARD = 1.0
"""Reinforcement of the hard track in the month of a deal (TTC-2 hailed "unprecedented"
comparable Russia restrictions [13])."""
MAINTENANCE_REWARD = 0.3
"""Monthly reinforcement per unit of stringency while a joint measure is in force
(enforcement coordination from Jun 2022 [15]; "deep alignment" at TTC-4 [26])."""
PROGRESS_REWARD = 2.0
"""Reinforcement per unit of gap closed in a round."""
SOFT_RATE = 0.6
"""Expected soft deliverables per month at full soft attention (AI roadmap, 65 AI terms,
taxonomy, evaluation tools [18][28][46])."""
SOFT_REWARD = 0.15
"""Reinforcement of the soft track per deliverable."""
SOFT_WINDOW = 24
"""``soft_share`` averages attention over the first 24 months, a window both shipped
scenarios share."""


def check_seed(seed: Any, flag: str = "--seed") -> None:
    """A seed is a whole number >= 0 (``numpy.random.SeedSequence`` takes no negative);
    ``flag`` names it in the message."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ScenarioError(flag, str(seed), "must be a whole number >= 0")


def _section(cls: type, values: dict[str, Any], name: str) -> Any:
    return cls(**{f.name: values[f"{name}.{f.name}"] for f in fields(cls)})


class TTCModel(mesa.Model):
    """The US, the Commission, 27 member states and the target negotiate export controls.

    ``TTCModel(scenario, rng=seed)`` samples the scenario's distributions from the seed and
    runs ``scenario.months`` monthly steps (``running`` turns False at the horizon).
    ``record=False`` skips the per-month trajectory (for batches); ``record="final"``
    collects only the final month (what ``mesa.batch_run`` reads). Outcomes never change.
    """

    def __init__(self, scenario: Scenario, rng: int | None = None, record: bool | str = True):
        if rng is None:
            rng = int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> 1)
        check_seed(rng)
        super().__init__(rng=rng)
        self.config = scenario
        self.seed = int(rng)
        self.record = record is True
        self.record_final = record == "final"
        seqs = np.random.SeedSequence(self.seed).spawn(len(STREAMS))
        self.streams = {n: generator(s) for n, s in zip(STREAMS[1:], seqs[1:], strict=True)}
        self.values = scenario.sample(seqs[0])
        self.sampled = {p: self.values[p] for p in scenario.sampled_paths()}

        table = member_table()
        self.iso = table.iso
        self.index = {c: i for i, c in enumerate(self.iso)}
        self.population = table.population
        self.population_total = float(table.population.sum())
        self.supply = table.supply(scenario.basket)
        self.exporter = table.exporter(scenario.basket)
        self.m = {k: np.array([self.values[f"members.{c}.{k}"] for c in self.iso]) for k in MEMBER_KEYS}
        n = len(self.iso)

        self.eu = _section(EUParams, self.values, "eu")
        self.ttc = _section(TTCParams, self.values, "ttc")
        self.us = UnitedStates(self, _section(USParams, self.values, "us"))
        self.commission = Commission(self, _section(CommissionParams, self.values, "commission"))
        self.target = Target(self, _section(TargetParams, self.values, "target"))
        for i, c in enumerate(self.iso):
            MemberState(self, i, c)
        self.us.threshold = float(self.streams["outside"].normal(0.0, DECISION_SD))
        self.member_thresholds = self.streams["bilateral"].normal(0.0, DECISION_SD, n)

        self.months = scenario.months
        # all months' perception noise in one draw: the same stream, in the same order
        self.noise = self.streams["perception"].normal(0.0, NOISE_SD, (self.months, n))
        self.ministerial = {scenario.month_index(m) for m in self.ttc.ministerials}
        self.shocks = shocks.schedule(scenario)
        self.first_shock = min(self.shocks) if self.shocks else None

        # dynamic state
        self.t = -1
        self.net = np.zeros(n)
        self._effective = np.zeros(n)
        self._measures_changed = 0
        self._bilateral_key: tuple[int, float, float] | None = None
        self._bilateral_cache: tuple[np.ndarray, float, np.ndarray | None, float]
        self.ideals = np.zeros(n)
        self.pressure = np.zeros(n)
        self.pivotal_count = np.zeros(n, dtype=int)
        self.national_level = np.zeros(n)
        self.national_decided = np.full(n, -1)
        self.national_month = np.full(n, -1)
        self.eu_level = 0.0
        self.eu_month: int | None = None
        self.eu_derogated = np.zeros(n, dtype=bool)
        self.us_level = 0.0
        self.us_month: int | None = None
        self.unilateral = False
        self.pending: list[tuple[int, str, Any]] = []  # (month, kind, payload)
        self.hard_open = True
        self.deal_month: int | None = None
        self.deal_level = 0.0
        self.coordinated_month: int | None = None
        self.coordination_due: int | None = None
        self.gap_history: list[float] = []
        self.offer = 0.0
        self.gap = 0.0
        agenda = self.commission.params.agenda
        self.q_hard, self.q_soft = agenda, 1.0 - agenda
        self.attention = agenda
        self.attention_history: list[float] = []
        self.soft_deliverables = 0
        self.events: list[tuple[int, str, str, str, str]] = []
        self._last_round = ""
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "month": lambda m: m.t,
                "date": lambda m: m.config.calendar(m.t),
                "us_ideal": lambda m: m.us.ideal(),
                "us_ask": lambda m: m.us.ask(),
                "eu_offer": "offer",
                "gap": "gap",
                "tolerance": lambda m: m.ttc.tolerance,
                "hard_attention": "attention",
                "soft_deliverables": "soft_deliverables",
                "us_stringency": "us_level",
                "eu_stringency": "eu_level",
                "n_national": lambda m: int(np.count_nonzero(m.national_month >= 0)),
            },
            agenttype_reporters={
                MemberState: {
                    "iso": "iso",
                    "ideal": "ideal",
                    "effective": "effective",
                    "threat": "threat",
                    "pressure": "pressure",
                    "retaliation_fear": "retaliation_fear",
                }
            },
        )

    # ------------------------------------------------------------------ helpers
    def section(self, name: str) -> Any:
        """The live parameter object for a section (for shocks)."""
        return {
            "us": self.us.params,
            "commission": self.commission.params,
            "target": self.target.params,
            "eu": self.eu,
            "ttc": self.ttc,
        }[name]

    def log(self, actor: str, kind: str, text: str) -> None:
        self.events.append((self.t, self.config.calendar(self.t), actor, kind, text))

    def effective(self) -> np.ndarray:
        """Each member's stringency in force: the EU level (unless derogated) or its national
        measure, whichever is stricter (updated when a measure comes into force)."""
        return self._effective

    def _update_effective(self) -> None:
        self._measures_changed += 1
        eu = np.where(self.eu_derogated, 0.0, self.eu_level)
        self._effective = np.maximum(eu, self.national_level)

    # ------------------------------------------------------------------ the month
    def step(self) -> None:
        self.t = t = self.steps - 1
        w = MINISTERIAL_WEIGHT if t in self.ministerial else 1.0
        if t in self.shocks:
            shocks.apply(self, self.shocks[t])
        self._perceive(w)
        m = self.m
        self.net = MemberState.net_benefit(
            m["threat"], m["exposure"], m["retaliation_fear"], m["us_dependence"], self.pressure
        )
        self.ideals = MemberState.ideal_points(self.net)
        pressure_in = np.zeros(len(self.iso))
        progress = 0.0
        if self.hard_open:
            progress = self._ttc_round(w, pressure_in)
        else:
            self.gap = max(0.0, max(self.us_level, self.us.ask()) - self.eu_level)
        if self.hard_open and t >= self.us.params.patience:
            self._weigh_acting_alone()
        self._bilateral(w, pressure_in)
        np.minimum(pressure_in, 1.0, out=pressure_in)  # at most the full leverage in a month
        self.pressure = self.pressure * (1.0 - PRESSURE_DECAY) + pressure_in * (1.0 - self.pressure)
        self._adoptions()
        self._agenda(w, progress)
        if t >= self.months - 1:
            self.running = False
        if self.record or (self.record_final and not self.running):
            self.datacollector.collect(self)

    def _perceive(self, w: float) -> None:
        """Mechanism 2: members' threat perceptions converge (socialisation through the
        Commission's brokerage) and are pulled toward the US view in proportion to US
        dependence (intelligence shared in the TTC's export-control working group [5]); both
        channels work through the hard track, so they scale with its attention. Noise jitters
        every perception."""
        th = self.m["threat"]
        mean = float(th @ self.population) / self.population_total
        rate = SOCIALISATION * self.commission.params.brokerage * self.attention * w
        intel = INTEL * self.attention * w * self.m["us_dependence"]
        th += rate * (mean - th) + intel * (self.us.params.threat - th)
        th += self.noise[self.t]
        np.minimum(th, 1.0, out=th)
        np.maximum(th, 0.0, out=th)

    def _ttc_round(self, w: float, pressure_in: np.ndarray) -> float:
        """Mechanisms 3 and 4: the Commission's feasible offer against the US ask."""
        ceilings = MemberState.ceilings(self.net)
        stance = float(self.ideals @ self.population) / self.population_total
        ask = self.us.ask()
        aim = self.commission.aim(ask, stance)
        prop = self.commission.propose(ceilings, self.supply, self.population, self.eu.rule, aim)
        prev = self.gap_history[-1] if self.gap_history else None
        self.offer = prop.effective
        self.gap = max(0.0, ask - self.offer)
        self.gap_history.append(self.gap)
        if prop.pivotal >= 0:
            self.pivotal_count[prop.pivotal] += 1
        t = self.t
        if ask >= self.ttc.min_stringency and institutions.agree(
            ask, self.offer, self.ttc.tolerance, self.ttc.min_stringency
        ):
            self.hard_open = False
            self.deal_month, self.deal_level = t, prop.level
            eu_t = t + round(self.eu.lag)
            self.pending.append((eu_t, "eu", (prop.level, prop.derogated)))
            us_t = self.us_month if self.us_month is not None else t + round(self.us.params.lag)
            if self.us_month is None:
                self.pending.append((us_t, "us", ask))
            derog = " ".join(self.iso[i] for i in np.flatnonzero(prop.derogated))
            self.log(
                "TTC",
                "deal",
                f"agreement: US ask {ask:.2f}, EU offer {self.offer:.2f}"
                + (f" (derogations: {derog})" if derog else ""),
            )
            both = max(eu_t, us_t)
            if both <= t + self.ttc.window and both < self.months:
                self.coordination_due = both
            return DEAL_REWARD
        self.us.concede(self.gap, w)
        reluctance = np.where(prop.derogated, 0.0, np.maximum(0.0, aim - ceilings))
        if reluctance.sum() > 0:
            spend = self.us.params.pressure * (1.0 - BILATERAL_SHARE) * w
            pressure_in += spend * reluctance / reluctance.sum()
        if self.record:  # narrative only: routine rounds are not logged in batch runs
            piv = self.iso[prop.pivotal] if prop.pivotal >= 0 else "-"
            result = (
                f"no agreement (US ask {ask:.2f}, EU offer {self.offer:.2f}, "
                f"gap {self.gap:.2f}; pivotal {piv})"
            )
            if w > 1.0 or result != self._last_round:
                where = "ministerial" if w > 1.0 else "working group"
                self.log("TTC", "round", f"{where}: {result}")
            self._last_round = result
        return max(0.0, prev - self.gap) * PROGRESS_REWARD if prev is not None else 0.0

    def _weigh_acting_alone(self) -> None:
        """Mechanism 5: the US compares acting alone with waiting for a deal."""
        hist = self.gap_history
        k = min(PROGRESS_WINDOW, len(hist) - 1)
        rate = (hist[-1 - k] - hist[-1]) / k if k > 0 else 0.0
        if self.offer < self.ttc.min_stringency and rate <= 1e-9:
            months = math.inf
        else:
            months = max(0.0, hist[-1] - self.ttc.tolerance) / rate if rate > 1e-9 else math.inf
        ideal = max(self.us.ideal(), 1e-9)
        covered = float(self.supply @ np.minimum(1.0, self.effective() / ideal))
        act, margin = self.us.weigh_acting_alone(covered, self.target.params.availability, months)
        if act:
            self.unilateral = True
            self.hard_open = False
            level = self.us.ideal()
            self.pending.append((self.t + round(self.us.params.lag), "us", level))
            self.log(
                "US",
                "decision",
                f"decides to act alone at stringency {level:.2f} "
                f"(value of acting alone exceeds waiting by {margin:.2f}); TTC hard track left",
            )

    def _bilateral(self, w: float, pressure_in: np.ndarray) -> None:
        """Mechanism 6: US pressure on key exporters outside the TTC; national alignment."""
        effective = self.effective()
        # who is pressed, and how much supply is still uncovered, change only when a measure is
        # decided or comes into force, or the US position moves: recompute only then
        key = (self._measures_changed, self.us_level, self.us.ideal())
        if key != self._bilateral_key:
            self._bilateral_key = key
            open_ = self.national_decided < 0
            targets = self.exporter & open_
            if targets.any():
                ideal = max(self.us.ideal(), 1e-9)
                coming = np.where(open_, effective, np.maximum(effective, self.us_level))
                uncovered = 1.0 - float(self.supply @ np.minimum(1.0, coming / ideal))
                weights = np.where(targets, self.supply, 0.0)
                self._bilateral_cache = (open_, uncovered, weights, weights.sum())
            else:
                self._bilateral_cache = (open_, 0.0, None, 0.0)
        open_, uncovered, pressed, weight_sum = self._bilateral_cache
        if pressed is not None:
            share = 1.0 if self.unilateral else BILATERAL_SHARE
            pressure_in += self.us.params.pressure * share * uncovered * w * pressed / weight_sum
        if not self.eu.national_controls or self.us_month is None:
            return
        level = self.us_level
        cand = self.exporter & open_ & (effective < level - self.ttc.tolerance)
        if not cand.any():
            return
        m, reach, exemption = self.m, self.us.params.reach, self.us.params.exemption
        for i in np.flatnonzero(cand):  # one or two exporters: the same arithmetic on floats
            margin = MemberState.alignment_margin(
                level,
                True,
                reach,
                exemption,
                float(m["threat"][i]),
                float(m["exposure"][i]),
                float(m["retaliation_fear"][i]),
                float(m["us_dependence"][i]),
                float(self.pressure[i]),
            )
            if margin <= self.member_thresholds[i]:
                continue
            self.national_decided[i] = self.t
            self._measures_changed += 1
            due = self.t + round(float(m["lag"][i]))
            self.pending.append((due, "national", (int(i), level)))
            self.log(
                self.iso[i],
                "decision",
                f"decides to align nationally with the US at "
                f"{level:.2f}, outside the TTC (in force after {due - self.t} months)",
            )

    def _adoptions(self) -> None:
        """Measures whose lag has run come into force; the target may retaliate (mech. 8)."""
        t = self.t
        if not self.pending or min(p[0] for p in self.pending) > t:
            return
        due = [p for p in self.pending if p[0] <= t]
        self.pending = [p for p in self.pending if p[0] > t]
        changed = False
        for _, kind, payload in due:
            if kind == "us":
                self.us_level, self.us_month = float(payload), t
                how = "unilateral" if self.unilateral else "joint"
                self.log("US", "rule", f"{how} export controls in force at {self.us_level:.2f}")
                adopter = "US"
            elif kind == "eu":
                self.eu_level, self.eu_derogated = float(payload[0]), payload[1]
                self.eu_month = t
                changed = True
                self.log("EU", "rule", f"EU-level measure in force at {self.eu_level:.2f}")
                adopter = "EU"
            else:
                i, level = payload
                self.national_level[i] = level
                self.national_month[i] = t
                changed = True
                self.log(self.iso[i], "rule", f"national measure in force at {level:.2f} (outside the TTC)")
                adopter = self.iso[i]
            if changed:
                self._update_effective()
                changed = False
            if self.target.retaliates(self.streams["retaliation"]):
                bystanders = (self.effective() <= 0) & (self.national_decided < 0)
                fear = self.m["retaliation_fear"]
                fear[bystanders] += RETALIATION_IMPACT * (1.0 - fear[bystanders])
                self.log(
                    "target",
                    "retaliation",
                    f"retaliates against {adopter}; "
                    f"{int(bystanders.sum())} members without controls grow more fearful",
                )
        if self.coordination_due is not None and self.coordination_due <= t:
            self.coordinated_month, self.coordination_due = t, None
            self.log("TTC", "coordinated", "both sides' measures in force within the window")

    def _agenda(self, w: float, progress: float) -> None:
        """Mechanism 7: attention moves toward the track that made progress; soft output
        accrues with attention. A stalled hard track, or one the US left, earns nothing."""
        if self.deal_month is not None and self.deal_month < self.t and not self.unilateral:
            progress = MAINTENANCE_REWARD * self.deal_level
        n_soft = int(self.streams["agenda"].poisson(SOFT_RATE * (1.0 - self.attention) * w))
        if n_soft:
            self.soft_deliverables += n_soft
            if self.record:
                self.log(
                    "TTC",
                    "soft",
                    f"{n_soft} soft AI-governance deliverable(s) (terminology, taxonomy, evaluation tools)",
                )
        keep = 1.0 - AGENDA_FORGETTING
        self.q_hard = keep * self.q_hard + progress
        self.q_soft = keep * self.q_soft + SOFT_REWARD * n_soft
        self.attention = self.q_hard / (self.q_hard + self.q_soft) if self.q_hard + self.q_soft > 0 else 0.5
        self.attention_history.append(self.attention)

    # ------------------------------------------------------------------ results
    def run(self) -> TTCModel:
        while self.running:
            self.step()
        return self

    def outcome(self) -> dict[str, Any]:
        """The outcome row (fields in :mod:`sim.model.outcomes`; month fields None when the event did not
        happen; every other number finite)."""
        from .outcomes import outcome_row

        return outcome_row(self)

    def trajectory(self) -> pd.DataFrame:
        """Monthly trajectory: positions, gap, attention, each member's ideal and effective
        stringency (wide columns ``ideal.NL`` ...), and the month's events."""
        if not self.record:
            raise RuntimeError("this run did not record its trajectory (record=False)")
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        agents = self.datacollector.get_agenttype_vars_dataframe(MemberState)
        if not agents.empty:
            agents = agents.reset_index()
            agents["month"] = agents["Step"] - 1
            wide = agents.pivot(
                index="month", columns="iso", values=["ideal", "effective", "threat", "pressure"]
            )
            wide.columns = [f"{a}.{b}" for a, b in wide.columns]
            df = df.merge(wide, left_on="month", right_index=True, how="left")
        ev: dict[int, list[str]] = {}
        for t, _, actor, _, text in self.events:
            ev.setdefault(t, []).append(f"{actor}: {text}")
        df["events"] = [" | ".join(ev.get(t, [])) for t in df["month"]]
        return df
