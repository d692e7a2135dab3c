"""The actors: the United States, the European Commission, the adopters (the 27 member states
and allies such as Japan) and the targets (Russia, China).

Agents own their decisions: each method below decides for one track, calling the functions
over arrays of adopters in :mod:`sim.model.mechanisms` (one call decides for all adopters at
once); a track's numbers live in its :class:`sim.model.state.TrackState`, and
:class:`sim.model.model.TTCModel` only orders the month and records. Numbers in
brackets refer to the sources in ``sim/data/sources.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from sim.model import tracks as data
from sim.model.mechanisms import (
    bargaining,
    channel_choice,
    countermeasures,
    eu_routes,
    preferences,
    ratchet,
    regime_cascade,
    supplier_assurance,
)
from sim.model.state import Adoption
from sim.scenario.schema import CommissionParams

if TYPE_CHECKING:
    from sim.model.model import TTCModel
    from sim.model.state import TrackState


NO_ONE = np.empty(0, dtype=np.intp)
NO_ONE.flags.writeable = False
"""An empty group of adopters (indices)."""

NO_BACKFILL = np.empty(0)
NO_BACKFILL.flags.writeable = False
"""No backfill for anyone: :meth:`Adopters.alignment` without the assurance problem."""


class UnitedStates(mesa.Agent):
    """The US executive: one rule per track, and one budget of leverage (``us.pressure`` per
    month) shared by every track it pursues. It can act quickly and alone (CEPA on the US
    executive [62]); it did on China on 7 Oct 2022 [16] and exempted partners with similar
    controls from its Russia FDP rules [7]."""

    def __init__(self, model: TTCModel, pressure: float):
        super().__init__(model)
        self.pressure = pressure
        """Leverage the US can spend per month, over all tracks."""

    def choose_channel(self, tr: TrackState) -> None:
        """``channel_choice``: wait for the TTC, take a minilateral with the key suppliers, or act
        alone on ``tr`` (see :mod:`sim.model.mechanisms.channel_choice`)."""
        m = self.model
        ideal = tr.us_ideal
        if ideal < m.ttc.min_stringency or tr.us_pending or tr.us_rule_months:
            return
        c = m.c
        ask = ideal * (1.0 - tr.concession_made)
        talks = tr.hard_open and m.on["bargaining"]
        wait = (
            channel_choice.months_to_deal(tr.gap_history, m.ttc.tolerance, m.ttc.window, m.ttc.window)
            + tr.route_delay
            if talks
            else float("inf")
        )
        discount = channel_choice.monthly_discount(tr.us.patience)
        group = m.adopters.coalition(tr, ideal, us_controls=True) if m.on["supplier_assurance"] else []
        everyone = m.adopters.open_key(tr, ideal) if m.on["supplier_assurance"] else np.array([], int)
        if len(everyone) > len(group):
            tr.assurance_history.append(m.adopters.shortfall(tr, everyone, ideal))
        args = (
            ideal,
            ask,
            tr.us.threat,
            tr.us.exposure,
            tr.availability,
            tr.us_supply,
            tr.member_supply,
            tr.allied_supply,
            tr.us.reach,
            tr.us.lag,
            wait,
        )
        values = channel_choice.channel_values(
            *args,
            float(tr.supply[group].sum()) if len(group) else 0.0,
            float(tr.params["lag"][group].max()) if len(group) else 0.0,
            discount,
            c["minilateral_cost"],
            c["unilateral_cost"],
        )
        if len(everyone) > len(group):
            with_all = channel_choice.channel_values(
                *args,
                float(tr.supply[everyone].sum()),
                float(tr.params["lag"][everyone].max()),
                discount,
                c["minilateral_cost"],
                c["unilateral_cost"],
            )["minilateral"]
            months = channel_choice.months_to_deal(tr.assurance_history, 0.0, m.ttc.window, m.ttc.window)
            alone = max(values["unilateral"], values.get("minilateral", -np.inf))
            values["wait"] = max(
                values["wait"], channel_choice.waiting_for_suppliers(alone, with_all, months, discount)
            )
        choice = channel_choice.choose(values, tr.us_threshold)
        if choice == "wait":
            return
        tr.unilateral, tr.hard_open, tr.us_pending = True, False, True
        tr.channels.append(choice)
        Adoption(m, tr, "US", ideal).schedule(m.t + round(tr.us.lag))
        reasons = ", ".join(f"{name} {value:.2f}" for name, value in sorted(values.items()))
        if choice == "minilateral":
            partners = " ".join(m.adopters.iso[i] for i in group)
            m.log(tr.id, "US", "decision", f"takes a minilateral with {partners} at {ideal:.2f} ({reasons})")
            m.adopters.commit(tr, group, ideal, "minilateral commitment")
        else:
            m.log(tr.id, "US", "decision", f"acts alone at {ideal:.2f}; leaves the TTC talks ({reasons})")
            if len(everyone):
                m.log(tr.id, "US", "standoff", m.adopters.standoff(tr, everyone, ideal))

    def leverage_buys(self, tr: TrackState) -> bool:
        """Whether this month's leverage can buy anything on ``tr``: the US wants a rule there
        and either the TTC talks are open or, with the US's rule decided, key suppliers short of
        it are still open to a national measure. The month's leverage is shared over these
        tracks only."""
        m = self.model
        if tr.us_ideal < m.ttc.min_stringency:
            return False
        if tr.hard_open and m.on["bargaining"]:
            return True
        if not (tr.us_rule_months or tr.us_pending) or not m.on["supplier_assurance"] or not tr.any_key_open:
            return False
        return len(m.adopters.open_key(tr, max(tr.us_level, tr.us_ideal))) > 0

    def press_key_suppliers(self, tr: TrackState, w: float, leverage: float, pressure_in: np.ndarray) -> None:
        """``supplier_assurance``: spend this month's ``leverage`` on ``tr``'s key
        suppliers that have no national measure yet, in proportion to their supply and to the
        share of allied supply still uncovered; all of it once the US has acted alone."""
        if leverage <= 0:
            return
        m = self.model
        ideal = tr.us_ideal
        if tr.any_key_open and ideal > 0:
            # who is pressed, and how much supply is uncovered, change only with the measures
            key = (tr.changes, tr.decisions, ideal, tr.us_level)
            cached = tr.cache.get("pressed")
            if cached is None or cached[0] != key:
                can = m.adopters.open_to_national(tr)
                coming = np.where(can, tr.effective, np.maximum(tr.effective, tr.us_level))
                allied = tr.allied_supply
                # min(ideal, x) / ideal is min(1, x / ideal) exactly, without overflow for a tiny ideal
                uncovered = 1.0 - float(tr.supply.dot(np.minimum(ideal, coming) / ideal)) / allied
                weights = np.where(tr.key_open, tr.supply, 0.0)
                cached = tr.cache["pressed"] = (key, uncovered, weights, weights.sum())
            _, uncovered, weights, total = cached
            share = 1.0 if tr.unilateral else m.c["bilateral_share"]
            supplier_assurance.press(pressure_in, leverage * share * uncovered * w, weights, total)

    # ------------------------------------------------------------------ ratchet
    def update_rule(self, tr: TrackState) -> None:
        """``ratchet``: with its rule in force on ``tr`` and no update pending, the US moves its
        estimate of what a wider reach would add toward what it observes, and decides the
        update when it is worth its cost and more than its threshold (see
        :mod:`sim.model.mechanisms.ratchet`)."""
        if not tr.us_rule_months or tr.us_pending or tr.us.reach >= 1.0:
            return
        m = self.model
        c = m.c
        # what an update would add changes only with the measures in force and shocked inputs
        key = (tr.changes, tr.availability, tr.us.reach)
        cached = tr.cache.get("ratchet")
        if cached is None or cached[0] != key:
            reach = ratchet.widened(tr.us.reach, c["reach_step"])
            added = ratchet.added_control(
                tr.availability, tr.us_level, tr.us.reach, reach, tr.supply, tr.effective
            )
            cached = tr.cache["ratchet"] = (key, reach, added, tr.allied_supply)
        _, reach, added, allied = cached
        tr.leak_belief = ratchet.believe(tr.leak_belief, added, c["leak_learning"])
        value = ratchet.update_value(
            tr.leak_belief, tr.us.threat, tr.us.reach, reach, allied, c["unilateral_cost"]
        )
        if not ratchet.decides(value, tr.us_threshold):
            return
        total, parts = ratchet.leakage(tr.us_level, tr.us.reach, tr.availability, tr.supply, tr.effective)
        sources = [f"outside the West {tr.availability:.2f}"] + [
            f"{m.iso[i]} {parts[i]:.2f}" for i in np.argsort(-parts, kind="stable")[:3] if parts[i] >= 0.005
        ]
        due = m.t + round(tr.us.lag)
        m.log(
            tr.id,
            "US",
            "update",
            f"updates its rule on leakage {total:.2f} ({', '.join(sources)}): reach "
            f"{tr.us.reach:.2f} -> {reach:.2f} at level {tr.us_level:.2f}, "
            f"in force after {due - m.t} month{'' if due - m.t == 1 else 's'}",
        )
        tr.us_pending, tr.leak_belief = True, 0.0
        tr.us_update_months.append(m.t)
        Adoption(m, tr, "US", tr.us_level, "update", reach=reach).schedule(due)


class Commission(mesa.Agent):
    """The Commission proposes EU measures on the routes a track allows and brokers consent;
    member states treat controls as national security and sideline it [62][63]."""

    def __init__(self, model: TTCModel, params: CommissionParams):
        super().__init__(model)
        self.params = params

    def negotiate(self, k: int, tr: TrackState, w: float, leverage: float, pressure_in: np.ndarray) -> float:
        """``eu_routes`` and ``bargaining`` on track ``tr`` (the ``k``-th): the Commission tables
        its best measure on the track's EU routes; the round agrees (both sides' adoptions are
        scheduled) or the US concedes and presses the reluctant. Returns the round's progress."""
        m = self.model
        c, nm = m.c, tr.n_members
        ideal = tr.us_ideal
        ask = ideal * (1.0 - tr.concession_made)
        prop = None
        aim = ask
        vetoed = data.regime_vetoed(tr.target, m.date(m.t))
        if m.on["eu_routes"] and eu_routes.open_routes(tr.routes, vetoed):
            ceil = preferences.ceilings(tr.net[:nm], c["loss_aversion"])
            aim = eu_routes.aim(
                ask,
                eu_routes.eu_stance(tr.ideals[:nm], m.adopters.population),
                self.params.autonomy,
            )
            prop = eu_routes.best_offer(
                tr.routes,
                ceil,
                tr.supply_eu,
                m.adopters.population,
                m.eu.rule,
                aim,
                eu_routes.derogation_budget(self.params.brokerage, c["derogation_cap"]),
                m.qmv,
                m.regime_members,
                vetoed,
            )
        prev = tr.gap_history[-1] if tr.gap_history else None
        tr.offer = prop.effective if prop is not None else 0.0
        tr.route_delay = m.eu_lags[prop.route] if prop is not None else float("inf")
        tr.gap = max(0.0, ask - tr.offer)
        tr.gap_history.append(tr.gap)
        if prop is not None and prop.pivotal >= 0:
            tr.pivotal_count[prop.pivotal] += 1
        t = m.t
        if (
            prop is not None
            and ask >= m.ttc.min_stringency
            and bargaining.agree(ask, tr.offer, m.ttc.tolerance, m.ttc.min_stringency)
        ):
            tr.hard_open = False
            tr.deal_month, tr.deal_level = t, prop.level
            tr.channels.append("ttc")
            eu_t = t + round(m.eu_lags[prop.route])
            Adoption(m, tr, "EU", prop.level, prop.route, derogated=prop.derogated).schedule(eu_t)
            if tr.us_rule_months:
                us_t = tr.us_rule_months[0]
            else:
                us_t = t + round(tr.us.lag)
                tr.us_pending = True
                Adoption(m, tr, "US", ask).schedule(us_t)
            m.agenda.deliver(0, 1)
            m.log(
                tr.id, "TTC", "deal", f"agreement via {prop.route}: US ask {ask:.2f}, EU offer {tr.offer:.2f}"
            )
            both = max(eu_t, us_t)
            if both <= t + m.ttc.window and both < m.months:
                tr.coordination_due = both
            return c["deal_reward"]
        if ideal > 0:
            tr.concession_made = bargaining.conceded(
                ideal,
                ask,
                tr.us.reservation,
                tr.us.concession,
                w * float(m.agenda.attention[k]) * len(m.tracks),
                tr.gap,
            )
        if prop is not None:
            bargaining.press_the_reluctant(
                pressure_in, prop.derogated, aim, ceil, leverage * (1.0 - c["bilateral_share"]), w
            )
        if m.record:
            result = f"no agreement (US ask {ask:.2f}, EU offer {tr.offer:.2f}, gap {tr.gap:.2f})"
            if w > 1.0 or result != tr.last_round:
                m.log(tr.id, "TTC", "round", ("ministerial: " if w > 1.0 else "working group: ") + result)
            tr.last_round = result
        return c["progress_reward"] * max(0.0, prev - tr.gap) if prev is not None else 0.0


class Adopters(mesa.Agent):
    """The 27 member states and the allies (canonical ISO order, members first): who they are.
    Their per-track preferences and measures are arrays in each track's state."""

    def __init__(
        self, model: TTCModel, members: tuple[str, ...], allies: tuple[str, ...], population: np.ndarray
    ):
        super().__init__(model)
        self.iso = (*members, *allies)
        self.n_members = len(members)
        self.index = {c: i for i, c in enumerate(self.iso)}
        self.population = population
        self.total_population = float(population.sum())

    def open_to_national(self, tr: TrackState) -> np.ndarray:
        """Which adopters may still decide a national measure on ``tr``: those without one, and
        members only where the track allows the ``national`` route and national controls."""
        return tr.open_national

    def open_key(self, tr: TrackState, level: float) -> np.ndarray:
        """The key suppliers on ``tr`` short of ``level`` and still open to a national measure."""
        if not tr.any_key_open:
            return NO_ONE
        tolerance = self.model.ttc.tolerance
        groups = tr.memo("open_key", (tr.changes, tr.decisions, tolerance))
        group = groups.get(level)
        if group is None:
            group = groups[level] = (tr.key_open & (tr.effective < level - tolerance)).nonzero()[0]
            group.flags.writeable = False
        return group

    def shortfall(self, tr: TrackState, group: np.ndarray, level: float) -> float:
        """How far the least willing of ``group`` is from controlling at ``level`` if all the
        others in it do (0 when all are willing)."""
        return float(max(0.0, (tr.thresholds[group] - self.margins(tr, group, level, True)).max()))

    def margins(self, tr: TrackState, group: np.ndarray, level: float, us_controls: bool) -> np.ndarray:
        """Each of ``group``'s alignment margin at ``level`` if all the others in it control."""
        return self.alignment(
            tr, group, level, self.model.c["national_cost"], self._backfill(tr, group, level, us_controls)
        )

    def willing_together(
        self, tr: TrackState, group: np.ndarray, level: float, us_controls: bool
    ) -> np.ndarray:
        """Which of ``group`` would control at ``level`` if all the others in it did: their
        :meth:`margins` against their private thresholds."""
        backfill = self._backfill(tr, group, level, us_controls)
        return self.willing(tr, group, level, self.model.c["national_cost"], backfill)

    def willing(
        self, tr: TrackState, who: np.ndarray, level: float, cost: float, backfill: np.ndarray = NO_BACKFILL
    ) -> np.ndarray:
        """Which of ``who`` would decide a national measure at ``level`` on ``tr`` at political
        ``cost``: their :meth:`alignment` margins against their private thresholds."""
        return supplier_assurance.willing(who, tr.thresholds, *self._weighing(tr, level, cost), backfill)

    def _backfill(self, tr: TrackState, group: np.ndarray, level: float, us_controls: bool) -> np.ndarray:
        """The backfill each of ``group`` fears at ``level`` if all the others in it control (kept
        per level and group until the measures in force change)."""
        m = self.model
        table = tr.memo("backfill", (tr.changes, m.ttc.tolerance))
        key = (level, us_controls, group.tobytes())
        backfill = table.get(key)
        if backfill is None:
            together = tr.effective >= level - m.ttc.tolerance
            together[group] = True
            backfill = table[key] = (
                m.c["w_backfill"]
                * supplier_assurance.uncontrolled_rivals(tr.supply, tr.us_supply, together, us_controls)
            )[group]
        return backfill

    def alignment(
        self,
        tr: TrackState,
        who: np.ndarray,
        level: float,
        cost: float,
        backfill: np.ndarray = NO_BACKFILL,
    ) -> np.ndarray:
        """``who``'s margins for a national measure at ``level`` on ``tr`` at political
        ``cost`` (see :func:`~sim.model.mechanisms.supplier_assurance.alignment_margin`), with
        ``backfill`` one value per member of ``who`` (none: no backfill)."""
        return supplier_assurance.margins_of(who, *self._weighing(tr, level, cost), backfill)

    def _weighing(self, tr: TrackState, level: float, cost: float) -> tuple[Any, ...]:
        """What an alignment margin on ``tr`` at ``level`` and ``cost`` weighs, in the order
        :func:`~sim.model.mechanisms.supplier_assurance.margins_of` takes it."""
        c, p = self.model.c, tr.params
        return (
            level,
            tr.us.reach,
            tr.us.exemption,
            p["threat"],
            p["exposure"],
            p["retaliation_fear"],
            p["us_dependence"],
            tr.pressure,
            cost,
            c["w_exposure"],
            c["w_fear"],
            c["w_pressure"],
        )

    def standoff(self, tr: TrackState, group: np.ndarray, level: float) -> str:
        """The key suppliers' standoff in words: who would control at ``level`` if all the
        others did, and who would not even then."""
        willing = self.willing_together(tr, group, level, True)
        yes = " ".join(self.iso[i] for i in group[willing])
        no = " ".join(self.iso[i] for i in group[~willing])
        return (
            f"key suppliers: {yes or 'none'} would control if the others did; {no} would not, "
            "so no minilateral yet"
        )

    def coalition(self, tr: TrackState, level: float, us_controls: bool) -> np.ndarray:
        """``supplier_assurance``: the key suppliers on ``tr`` still open to a national measure
        that would control at ``level`` together, each only if the others in the group do."""
        candidates = self.open_key(tr, level)
        if not len(candidates):
            return candidates
        return supplier_assurance.coalition(
            lambda group: self.willing_together(tr, group, level, us_controls), candidates
        )

    def weigh_national_measures(self, tr: TrackState) -> None:
        """``supplier_assurance``: once a US rule is in force, the key suppliers that would
        control together match it nationally (Art. 9 lists for members, own rules for allies);
        with the ``art10`` route, other members weigh applying a published national list at
        lower cost."""
        m = self.model
        if not tr.us_rule_months:
            return
        c, nm = m.c, tr.n_members
        group = self.coalition(tr, tr.us_level, us_controls=True)
        if len(group):
            self.commit(tr, group, tr.us_level, "national")
        if "art10" in tr.routes and m.eu.national_controls:
            _, list_level, _ = tr.members_listed()
            if list_level is not None:
                key = (tr.changes, tr.decisions, list_level, m.ttc.tolerance)
                cached = tr.cache.get("art10")
                if cached is None or cached[0] != key:
                    open_m = tr.undecided[:nm]
                    cand10 = (
                        open_m & ~tr.key[:nm] & (tr.effective[:nm] < list_level - m.ttc.tolerance)
                    ).nonzero()[0]
                    cached = tr.cache["art10"] = (key, cand10)
                cand10 = cached[1]
                if len(cand10):
                    cost = c["national_cost"] * c["art10_discount"]
                    self._align(tr, cand10, list_level, cost, "art10")

    def _align(self, tr: TrackState, cand: np.ndarray, level: float, cost: float, route: str) -> None:
        """Candidates ``cand`` whose alignment margin beats their private threshold decide a
        national measure at ``level``."""
        chosen = cand[self.willing(tr, cand, level, cost)]
        if len(chosen):
            self.commit(tr, chosen, level, route)

    def commit(self, tr: TrackState, adopters: np.ndarray, level: float, route: str) -> None:
        """``adopters`` decide a national measure on ``tr`` at ``level``; each comes into force
        after the adopter's own lag."""
        m = self.model
        for i in adopters:
            i = int(i)
            tr.decide_national(i, m.t)
            due = m.t + round(float(tr.params["lag"][i]))
            code = self.iso[i]
            route_name = route if i < tr.n_members else "national rule"
            Adoption(m, tr, code, level, route_name, index=i).schedule(due)
            others = " ".join(self.iso[int(j)] for j in adopters if int(j) != i)
            m.log(
                tr.id,
                code,
                "decision",
                f"decides a national measure ({route_name}) at {level:.2f}"
                + (f", together with {others}" if others else "")
                + f", in force after {due - m.t} month{'' if due - m.t == 1 else 's'}",
            )

    # ------------------------------------------------------------------ regime_cascade
    def coming(self, tr: TrackState) -> np.ndarray:
        """Each adopter's level in force or already agreed: a member counts an EU-level measure
        agreed in the TTC (unless derogated) before it comes into force (read-only; kept until
        the measures in force or the deal change)."""
        key = (tr.changes, tr.deal_month)
        cached = tr.cache.get("coming")
        if cached is None or cached[0] != key:
            coming = tr.effective.copy()
            if tr.deal_month is not None and tr.eu_month is None:
                eu = np.where(tr.eu_derogated, 0.0, tr.deal_level)
                coming[: tr.n_members] = np.maximum(coming[: tr.n_members], eu)
            coming.flags.writeable = False
            cached = tr.cache["coming"] = (key, coming)
        return cached[1]

    def list_after_veto(self, tr: TrackState) -> None:
        """``regime_cascade``: on a track stalled in the regime, members and allies that want the
        control weigh listing it nationally at their ideal (Art. 9; allies' own rules); other
        members weigh applying the strictest list the Commission has published (Art. 10)."""
        m = self.model
        c, nm = m.c, tr.n_members
        share = tr.members_listed()[2]
        cost = regime_cascade.listing_cost(c["national_cost"], c["peer_relief"], share)
        listing, applying, published = regime_cascade.listings(
            tr.open_national,
            tr.undecided,
            tr.ideals,
            self.coming(tr),
            tr.net,
            tr.thresholds,
            tr.national_month,
            tr.national_level,
            nm,
            m.ttc.min_stringency,
            m.ttc.tolerance,
            cost,
            "art10" in tr.routes and m.eu.national_controls,
            m.t,
            c["publication_lag"],
            c["art10_discount"],
        )
        for i in listing.tolist():
            self._list(tr, i, float(tr.ideals[i]), "national" if i < nm else "national rule")
        for i in applying.tolist():
            self._list(tr, i, published, "art10")

    def _list(self, tr: TrackState, i: int, level: float, route: str) -> None:
        """Adopter ``i`` decides a national measure at ``level``, in force after its lag."""
        m = self.model
        tr.decide_national(i, m.t)
        due = m.t + round(float(tr.params["lag"][i]))
        code = self.iso[i]
        Adoption(m, tr, code, level, route, index=i).schedule(due)
        m.log(
            tr.id,
            code,
            "decision",
            f"lists nationally ({route}) at {level:.2f} after the regime's veto, "
            f"in force after {due - m.t} month{'' if due - m.t == 1 else 's'}",
        )

    # ------------------------------------------------------------------ ratchet
    def extend_measures(self, tr: TrackState) -> None:
        """``ratchet``: while a US update is in force on ``tr``, members and allies whose
        national measure in force falls short of the US level weigh extending it to that level,
        by their alignment margin at the political cost of a national measure (members where
        the track allows the ``national`` route and national controls)."""
        if len(tr.us_rule_months) < 2 or not tr.us_update_months:
            return
        m = self.model
        c, p, level = m.c, tr.params, tr.us_level
        have = np.maximum(tr.national_level, tr.extension_level)
        cand = (tr.national_month >= 0) & ratchet.short_of(have, level, m.ttc.tolerance)
        if not ("national" in tr.routes and m.eu.national_controls):
            cand[: tr.n_members] = False
        cand = cand.nonzero()[0]
        if not len(cand):
            return
        for i in cand[self.willing(tr, cand, level, c["national_cost"])]:
            i = int(i)
            tr.extension_level[i] = level
            due = m.t + round(float(p["lag"][i]))
            Adoption(m, tr, self.iso[i], level, "extension", index=i).schedule(due)
            m.log(
                tr.id,
                self.iso[i],
                "decision",
                f"extends its national measure to {level:.2f} after the US update, "
                f"in force after {due - m.t} month{'' if due - m.t == 1 else 's'}",
            )


class Target(mesa.Agent):
    """A state controls aim at; it chooses whether and with which material to answer a new
    measure on any track aimed at it (:mod:`sim.model.mechanisms.countermeasures`)."""

    def __init__(self, model: TTCModel, iso: str, retaliation: float):
        super().__init__(model)
        self.iso = iso
        self.retaliation = retaliation
        self.used: dict[str, set[str]] = {}
        """Importer group -> the materials already licensed against it."""
        self.answered: set[tuple[str, int]] = set()
        """(adopter, month) pairs already weighed: one answer per adopter and month."""
        self.answers: list[tuple[int, str, str]] = []
        """(month, adopter answered, material) of each countermeasure."""
        self.weapons: dict[tuple[str, int], tuple[str, float] | None] = {}
        """The weapon against each importer group, by how many families it has used."""

    def importer(self, adopter: str) -> str:
        """The importer group an adopter's imports count in: members import as the EU."""
        m = self.model
        i = m.adopters.index.get(adopter)
        return countermeasures.MEMBERS_GROUP if i is not None and i < m.adopters.n_members else adopter

    def answer(self, tr: TrackState, adopter: str) -> None:
        """``countermeasures``: whether to answer ``adopter``'s new measure on ``tr``, and with
        what; an answer hits every importer by its dependence on the material, and the adopters
        without controls on the target's tracks grow more fearful by that dependence."""
        m = self.model
        if not m.on["countermeasures"] or (adopter, m.t) in self.answered:
            return
        self.answered.add((adopter, m.t))
        group = self.importer(adopter)
        used = self.used.setdefault(group, set())
        # a group's used families only grow: their number says which they are
        key = (group, len(used))
        if key not in self.weapons:
            self.weapons[key] = countermeasures.weapon(self.iso, group, used)
        choice = self.weapons[key]
        if choice is None:
            return
        material, dependence = choice
        value = countermeasures.answer_value(self.retaliation, dependence, m.c["answer_cost"])
        if value <= m.streams["countermeasures"].normal(0.0, m.c["decision_sd"]):
            return
        used.add(countermeasures.family(material))
        self.answers.append((m.t, adopter, material))
        tr.countermeasure_months.append(m.t)
        exposed = np.array(
            [countermeasures.exposure_to(self.iso, self.importer(code), material) for code in m.adopters.iso]
        )
        for other in m.tracks:
            if other.target == self.iso:
                bystanders = (other.effective <= 0) & other.undecided
                countermeasures.fear_retaliation(
                    other.params["retaliation_fear"], bystanders, m.c["retaliation_impact"] * exposed
                )
        m.log(
            tr.id,
            self.iso,
            "countermeasure",
            f"answers {adopter}'s measure: licenses {material.replace('_', ' ')} exports "
            f"({group} depends on it for {dependence:.0%}); importers without controls grow more fearful",
        )
