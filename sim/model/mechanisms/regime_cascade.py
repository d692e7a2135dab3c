"""Mechanism 10, ``regime_cascade``: a vetoed regime update pushes members to national lists.

A regime (the Wassenaar Arrangement) updates its list only at its plenary, once a year in the
month the data give (``plenary_month`` in ``sim/data/v2_regimes.toml``). On a hard track that
the ``annex`` route can carry, an update is attempted at the plenary when the US or a
participating adopter wants the control (its ideal at least ``ttc.min_stringency`` and above
what it has in force). When a participant blocks (Russia from 2022-02, data) the update is
vetoed and the track is stalled in the regime from then on. While it is stalled:

* **Art. 9.** Each member that wants the control (ideal at least ``ttc.min_stringency``), and
  each ally wanting it (its own national rule), weighs listing it nationally at its own ideal:
  the value of the control against no control under a quadratic loss around the ideal,
  ``level x (2 net - level)``, less the political cost of a national list,
  ``national_cost x (1 - peer_relief x s)``, where ``s`` is the share of the EU's supply on the
  track already under members' national lists (peers' lists make one's own cheaper: less
  trade lost to rivals who do not control, and a precedent). It lists when the value beats
  its private threshold; the list comes into force after its own ``lag``.
* **Art. 10.** Once a member's list has been in force ``publication_lag`` months (the
  Commission publishes notified lists), any other member may apply the strictest published
  list at ``art10_discount`` of that cost, by the same value at the list's level; it needs no
  ideal above ``ttc.min_stringency``, only a net benefit at that level.

A member needs the ``national`` route (Art. 9) or the ``art10`` route (Art. 10) open on the
track and ``eu.national_controls``. A plenary that is not vetoed leaves the update to the
``annex`` route (:mod:`sim.model.mechanisms.eu_routes`): the cascade starts only from a veto.

Switched off (``mechanisms.regime_cascade = false``): a vetoed update changes nothing; no
member or ally lists a control because the regime stalled (national measures still follow a
US rule under ``supplier_assurance``).

Parameters: ``ttc.min_stringency``, ``eu.national_controls``, ``tracks.<id>.routes``,
``tracks.<id>.members.*`` and ``.allies.*`` (``lag`` and the preference inputs). Constants:
``publication_lag``, ``peer_relief``, ``national_cost``, ``art10_discount``.

Facts: Wassenaar decides by consensus, so any participant can block an update [102]; its
plenary meets once a year, in December [114]; Spain listed items stalled there by national
order of 26 May 2023 under Art. 9 [94]; Art. 9 and Art. 10 of Reg. 2021/821: national lists,
published by the Commission, which other members may then apply [113].
"""

from __future__ import annotations

import tomllib
from functools import cache

import numpy as np

from sim.model.compiled import kernel
from sim.scenario import DATA_DIR


@cache
def plenary_month() -> int:
    """The calendar month (1-12) of the regimes' yearly plenary, from the data."""
    with open(DATA_DIR / "v2_regimes.toml", "rb") as fh:
        return int(tomllib.load(fh)["wassenaar"]["plenary_month"])


@kernel
def wanting(
    ideals: np.ndarray | float, coming: np.ndarray | float, min_stringency: float, tolerance: float
) -> np.ndarray | bool:
    """Which adopters want a control: an ideal of at least ``min_stringency`` and more than
    ``tolerance`` above the level in force or agreed for them (``coming``); for arrays of
    adopters or one adopter's floats."""
    return (ideals >= min_stringency) & (ideals > coming + tolerance)


def wants_update(
    us_ideal: float,
    us_level: float,
    wants: np.ndarray | bool,
    participates: np.ndarray,
    min_stringency: float,
) -> bool:
    """Whether an update is put to the plenary: the US wants a control of at least
    ``min_stringency`` above its rule in force, or a participating adopter ``wants`` one."""
    if us_ideal >= min_stringency and us_ideal > us_level:
        return True
    return bool(np.any(participates & wants))


@kernel
def value_of_listing(level: np.ndarray | float, net: np.ndarray | float) -> np.ndarray | float:
    """The value of a control at ``level`` against none, for an adopter whose net benefit per
    unit is ``net``, under a quadratic loss around its ideal: ``level x (2 net - level)``
    (at the ideal, ``net``^2; negative beyond twice the net benefit)."""
    return level * (2.0 * net - level)


def listing_cost(cost: float, peer_relief: float, listed_share: float) -> float:
    """The political cost of a list when peers holding ``listed_share`` of the EU's supply on
    the track already list it."""
    return cost * (1.0 - peer_relief * listed_share)


@kernel
def listings(
    open_national: np.ndarray,
    undecided: np.ndarray,
    ideals: np.ndarray,
    coming: np.ndarray,
    net: np.ndarray,
    thresholds: np.ndarray,
    national_month: np.ndarray,
    national_level: np.ndarray,
    n_members: int,
    min_stringency: float,
    tolerance: float,
    cost: float,
    art10: bool,
    month: int,
    publication_lag: float,
    art10_discount: float,
) -> tuple[np.ndarray, np.ndarray, float]:
    """A stalled track's month, one adopter at a time (compiled): who lists nationally at its
    ideal (Art. 9: open to a national measure, :func:`wanting` the control, and its value at
    the ideal less ``cost`` above its threshold); then, with ``art10``, the strictest member
    list the Commission has published by ``month`` (in force ``publication_lag`` months
    before), and which other undecided members apply it (short of it, and its value less
    ``art10_discount`` x ``cost`` above their threshold). Returns both groups' indices, in
    adopter order, and the published level (0 when none)."""
    n = len(ideals)
    listing = np.empty(n, np.intp)
    listed = np.zeros(n, np.bool_)
    n9 = 0
    for i in range(n):
        if (
            open_national[i]
            and wanting(ideals[i], coming[i], min_stringency, tolerance)
            and value_of_listing(ideals[i], net[i]) - cost > thresholds[i]
        ):
            listing[n9] = i
            listed[i] = True
            n9 += 1
    applying = np.empty(n_members, np.intp)
    n10 = 0
    published = 0.0
    if art10:
        found = False
        for i in range(n_members):
            if national_month[i] >= 0 and national_month[i] + publication_lag <= month:
                if not found or national_level[i] > published:
                    published = national_level[i]
                found = True
        if found:
            cost10 = cost * art10_discount
            for i in range(n_members):
                if (
                    undecided[i]
                    and not listed[i]
                    and coming[i] < published - tolerance
                    and value_of_listing(published, net[i]) - cost10 > thresholds[i]
                ):
                    applying[n10] = i
                    n10 += 1
    return listing[:n9], applying[:n10], published
