"""Mechanism 6, ``supplier_assurance``: key suppliers' assurance problem; US pressure on them;
national alignment on the ``national`` and ``art10`` routes and allies' rules.

On each hard track the US spends part of the track's share of its leverage directly on the key
suppliers (adopters with at least ``key_supply`` of the track's Western supply), in
proportion to their supply and to the allied supply still uncontrolled; after it has acted
alone on the track it spends all of it there. Pressure accumulates and decays. Once a US rule
is in force, a key supplier whose measure falls short of the US level weighs matching it: the
security gain and relief from pressure, the exports it loses (less those the US rule catches
anyway through its reach) and the exemption the US grants partners with similar controls,
against its fear of countermeasures and the political cost of a national measure. It aligns
when that margin exceeds its private threshold. The key suppliers face an assurance problem:
the exports a control costs are worth more when rivals keep selling (backfill: the cost grows
by ``w_backfill`` times the share of rivals' supply left uncontrolled), so each prefers to
control only if the others do. They decide together: the group that aligns is the largest in
which every member's margin, assuming all the others in the group control, beats its
threshold (found by dropping the unwilling until the rest are willing); one's move changes
the others' payoff, and US pressure and exemptions can tip the group. Members use the
``national`` route (Art. 9), open when the track lists it and ``eu.national_controls`` holds;
allies' national rules are always open. On a track with ``art10``, once a member's national
list is in force any member may apply it (Art. 10) at ``art10_discount`` of the national cost.

Switched off (``mechanisms.supplier_assurance = false``): the US presses no supplier outside
the TTC and no member or ally adopts a national measure.

Parameters: ``us.pressure`` (shared), ``tracks.<id>.us.reach``, ``.us.exemption``,
``eu.national_controls``, ``tracks.<id>.members.*`` and ``.allies.*`` (``lag``,
``us_dependence``, ``exposure``, ``retaliation_fear``, ``threat``), ``ttc.tolerance``.
Constants: ``key_supply``, ``bilateral_share``, ``pressure_decay``, ``national_cost``,
``art10_discount``, ``w_backfill``, and the preference weights.

Facts: the US pressed NL, DE, JP and KR in 2023-24 [44]; the exemption for partners with
similar controls in the Feb 2022 Russia rule [7]; the Dutch rule was drafted
"country-neutral" [22][31]; Art. 9 and Art. 10 of Reg. 2021/821 [113].
"""

from __future__ import annotations

import numpy as np

from sim.model.compiled import kernel


@kernel
def accumulate(pressure: np.ndarray, pressure_in: np.ndarray, decay: float) -> None:
    """This month's pressure, in place: last month's, decayed, plus what arrived (at most the
    full leverage in a month), which bites less on an adopter already under pressure
    (compiled, one adopter at a time)."""
    for k in range(pressure.shape[0]):
        for i in range(pressure.shape[1]):
            arrived = min(pressure_in[k, i], 1.0)
            pressure[k, i] = pressure[k, i] * (1.0 - decay) + arrived * (1.0 - pressure[k, i])


@kernel
def press(pressure_in: np.ndarray, amount: float, weights: np.ndarray, total: float) -> None:
    """Add ``amount`` of pressure over the adopters in proportion to their ``weights`` (which
    sum to ``total``), in place (compiled)."""
    for i in range(len(weights)):
        pressure_in[i] += amount * weights[i] / total


def uncontrolled_rivals(
    supply: np.ndarray, us_supply: float, controls: np.ndarray, us_controls: bool
) -> np.ndarray:
    """For each adopter, the share of its rivals' Western supply (the other adopters' and the
    US's) that no control covers."""
    open_supply = float(supply.dot(~controls)) + (0.0 if us_controls else us_supply)
    own_open = np.where(controls, 0.0, supply)
    rivals = np.maximum(supply.sum() + us_supply - supply, 1e-12)
    return (open_supply - own_open) / rivals


def coalition(willing_if_all_others_control, candidates: np.ndarray) -> np.ndarray:
    """The largest group of ``candidates`` in which each member, given that all the others in
    the group control, is willing to: start from all of them and drop the unwilling until the
    rest are willing. ``willing_if_all_others_control(group)`` says which members of ``group``
    are (a boolean per member)."""
    group = np.asarray(candidates, dtype=int)
    while len(group):
        willing = willing_if_all_others_control(group)
        if willing.all():
            break
        group = group[willing]
    return group


@kernel
def alignment_margin(
    us_level: float,
    reach: float,
    exemption: float,
    threat: np.ndarray | float,
    exposure: np.ndarray | float,
    fear: np.ndarray | float,
    us_dependence: np.ndarray | float,
    pressure: np.ndarray | float,
    cost: np.ndarray | float,
    w_exposure: float,
    w_fear: float,
    w_pressure: float,
    backfill: np.ndarray | float = 0.0,
) -> np.ndarray | float:
    """Value of matching the US level nationally, less the value of not, for each candidate.

    Aligning brings the security gain and relief from US pressure; the US rule in force
    already catches ``reach`` of the candidate's exports, so aligning costs only the rest and
    earns the exemption granted to partners with similar controls [7][51]. ``cost`` is the
    political cost of the measure (national, or discounted under Art. 10); ``backfill`` scales
    the exports lost up by the sales rivals who keep selling would take. For arrays of
    candidates or one candidate's floats."""
    gain = us_level * (threat + w_pressure * us_dependence * pressure) + reach * exemption * exposure
    loss = us_level * (w_exposure * exposure * (1.0 - reach) * (1.0 + backfill) + w_fear * fear)
    return gain - loss - cost


@kernel
def margins_of(
    who: np.ndarray,
    us_level: float,
    reach: float,
    exemption: float,
    threat: np.ndarray,
    exposure: np.ndarray,
    fear: np.ndarray,
    us_dependence: np.ndarray,
    pressure: np.ndarray,
    cost: float,
    w_exposure: float,
    w_fear: float,
    w_pressure: float,
    backfill: np.ndarray,
) -> np.ndarray:
    """:func:`alignment_margin` of the adopters ``who`` (indices into the per-adopter arrays),
    one at a time (compiled); ``backfill`` holds one value per member of ``who``, or none for
    no backfill."""
    out = np.empty(len(who))
    for j in range(len(who)):
        i = who[j]
        out[j] = alignment_margin(
            us_level,
            reach,
            exemption,
            threat[i],
            exposure[i],
            fear[i],
            us_dependence[i],
            pressure[i],
            cost,
            w_exposure,
            w_fear,
            w_pressure,
            backfill[j] if len(backfill) else 0.0,
        )
    return out


@kernel
def willing(
    who: np.ndarray,
    thresholds: np.ndarray,
    us_level: float,
    reach: float,
    exemption: float,
    threat: np.ndarray,
    exposure: np.ndarray,
    fear: np.ndarray,
    us_dependence: np.ndarray,
    pressure: np.ndarray,
    cost: float,
    w_exposure: float,
    w_fear: float,
    w_pressure: float,
    backfill: np.ndarray,
) -> np.ndarray:
    """Which of ``who`` have an :func:`alignment_margin` beating their private threshold (one
    boolean per member of ``who``; compiled; arguments as :func:`margins_of`, with everyone's
    ``thresholds``)."""
    margins = margins_of(
        who,
        us_level,
        reach,
        exemption,
        threat,
        exposure,
        fear,
        us_dependence,
        pressure,
        cost,
        w_exposure,
        w_fear,
        w_pressure,
        backfill,
    )
    out = np.empty(len(who), np.bool_)
    for j in range(len(who)):
        out[j] = margins[j] > thresholds[who[j]]
    return out
