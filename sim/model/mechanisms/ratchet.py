"""Mechanism 7, ``ratchet``: the US updates its rule as leakage shows; allies may extend theirs.

Once a US rule is in force on a track, the US watches the target's access to the basket that
its rule leaves open, its **leakage**: the share the target gets from outside the West (the
track's ``target.availability``, from the data) and, of the Western supply, what is not
controlled at the US level: of each member's or ally's supply, the share the US's ``reach``
does not catch, times how far the adopter's own level in force falls short of the US level.
The US's own supply is controlled at its level.

An **update** widens the rule's reach (foreign-direct-product and de-minimis rules) by
``reach_step``, up to 1, at the same level. It would add the control it brings over the
leakage through allied supply: the newly reached share of each adopter's supply, times the
adopter's shortfall below the US level, of the ``1 - availability`` of the basket the West
supplies (the value of a control of :mod:`~sim.model.mechanisms.channel_choice`,
``level x coverage``). The US does not see this at once: when a rule version comes into force
it expects the rule to hold, and its estimate of what an update would add moves each month
``leak_learning`` of the way toward what it observes (a leaky integrator of the evidence).
The update is worth that estimate times the US's threat, less the standing it loses with
allies, ``unilateral_cost`` per unit of allied supply newly reached (as for acting alone).
When the update is worth its cost and more than the US's private threshold on the track (the
one drawn for its choice of channel), the US decides it; the new version comes into force
after ``us.lag``, is an occasion for the target to answer (as every measure coming into force
is), and the US's estimate starts again from zero. Whether and when an update comes, and how
many follow, is left to the leakage: allies that align leave less of it to close, and a larger
availability outside the West, which no reach closes, makes an update worth less.

Allies respond: while an update is in force, every member or ally whose national measure in
force falls short of the US level (by more than ``ttc.tolerance``) weighs extending it to the
US level by the alignment margin of
:func:`~sim.model.mechanisms.supplier_assurance.alignment_margin`, at the political cost of a
national measure; the wider reach already catches more of its exports, so extending costs it
less. It extends when the margin beats its private threshold, after its own lag. Members need
the ``national`` route and ``eu.national_controls``. (Adopters with no measure weigh one as
before, under ``supplier_assurance``, where the wider reach also makes aligning cheaper.)

Switched off (``mechanisms.ratchet = false``): the US never updates a rule in force and no
one extends a measure in response.

Not represented: a tighter level (the rule keeps the level it was adopted at; a US whose
ideal rises later does not revise it), products redesigned to fall just below a rule's
thresholds, and diversion through third countries; so a track the US supplies alone sees no
update.

Parameters: ``tracks.<id>.us.threat``, ``.reach``, ``.exemption``, ``.lag``,
``tracks.<id>.target.availability``, ``ttc.tolerance``, ``eu.national_controls``, the
adopters' preferences and lags. Constants: ``leak_learning``, ``reach_step``,
``unilateral_cost``, ``national_cost``, ``decision_sd`` and the preference weights.

Facts: the US rule of 7 Oct 2022 was the US acting alone; it reached foreign supply through a
foreign-direct-product rule for 28 entities and de-minimis rules [16][17], and left the Dutch
and Japanese tools to their governments, whom the US then pressed outside the TTC [20][21];
both decided national rules of their own (Japan's 23 types of tools [87][107][108]; the Dutch
rule on advanced DUV scanners, NXT:2000i and newer, and deposition tools [22][31]). On Russia,
which bought 29 % of its chips from China [97], the US and the Commission coordinated
enforcement against diversion networks [15] and the EU sought to list third countries for
circumvention [58]. The later updates of the US rules and the allies' extensions are held out
for validation (``sim/data/v2_holdout.csv``): the model is to predict them, and nothing here
is set from them.
"""

from __future__ import annotations

import numpy as np


def shortfall(levels: np.ndarray, level: float) -> np.ndarray:
    """How far each adopter's level in force falls short of the US ``level`` (> 0), as a share
    of it: 1 with no measure, 0 at or above the US level. (A share, so a tiny level underflows
    nothing.)"""
    return 1.0 - np.minimum(levels, level) / level


def leakage(
    level: float, reach: float, availability: float, supply: np.ndarray, levels: np.ndarray
) -> tuple[float, np.ndarray]:
    """The target's access to the basket that a US rule at ``level`` with ``reach`` leaves
    open: its total, and the part through each adopter's supply (``supply``: shares of the
    Western supply; ``levels``: the adopters' levels in force). The total is ``availability``
    (outside the West) plus those parts; it is ``availability`` alone when every adopter
    controls at the US level or the reach is full."""
    if level <= 0:
        return 1.0, (1.0 - availability) * supply
    by_adopter = (1.0 - availability) * (1.0 - reach) * supply * shortfall(levels, level)
    return availability + float(by_adopter.sum()), by_adopter


def widened(reach: float, reach_step: float) -> float:
    """The reach of the rule's next version: ``reach_step`` wider, up to 1."""
    return min(1.0, reach + reach_step)


def added_control(
    availability: float, level: float, reach: float, new_reach: float, supply: np.ndarray, levels: np.ndarray
) -> float:
    """What widening a rule at ``level`` from ``reach`` to ``new_reach`` would add: the newly
    reached share of each adopter's supply times its shortfall below the US level, of the
    ``1 - availability`` of the basket the West supplies (level-weighted, as a control's value
    in :mod:`~sim.model.mechanisms.channel_choice`)."""
    if level <= 0:
        return 0.0
    return level * (1.0 - availability) * (new_reach - reach) * float(supply.dot(shortfall(levels, level)))


def believe(belief: float, observed: float, learning: float) -> float:
    """The US's estimate after a month: ``learning`` of the way from ``belief`` to what it
    ``observed`` (a leaky integrator of the evidence)."""
    return belief + learning * (observed - belief)


def update_value(
    belief: float, threat: float, reach: float, new_reach: float, allied_supply: float, unilateral_cost: float
) -> float:
    """The value of an update to the US: the control it believes the update adds, times its
    threat, less the standing it loses with allies, ``unilateral_cost`` per unit of allied
    supply newly reached."""
    return threat * belief - unilateral_cost * (new_reach - reach) * allied_supply


def decides(value: float, threshold: float) -> bool:
    """Whether the US updates: the update is worth its cost and more than its private
    ``threshold``."""
    return value > max(0.0, threshold)


def short_of(levels: np.ndarray, level: float, tolerance: float) -> np.ndarray:
    """Which adopters' levels fall short of ``level`` by more than ``tolerance``."""
    return levels < level - tolerance
