"""Mechanism 6, bilateral: US pressure on key exporters outside the TTC; national alignment.

While TTC talks go on, the US spends a share of its leverage directly on the member states
that export the basket, in proportion to their supply and to the allied supply still
uncontrolled; after it has acted alone it spends all of it there. Pressure accumulates and
decays. Once US controls are in force, a key exporter whose measures fall short of the US level
weighs aligning nationally: the security gain and relief from pressure, the exports it loses
(less those the US rules catch anyway through their reach) and the exemption the US grants to
partners with similar controls, against its fear of retaliation and the political cost of
acting outside the EU frame. It aligns when that margin exceeds its private threshold.

Parameters: ``us.pressure``, ``us.reach``, ``us.exemption``, ``eu.national_controls``,
``members.*.lag``, ``members.*.us_dependence``, ``members.*.exposure``,
``members.*.retaliation_fear``, ``ttc.tolerance``.

Facts: the US pressed NL, DE, JP and KR in 2023-24 [44]; once the Dutch tools were controlled,
German optics and lasers inside them were covered too [44][71]; the exemption for partners
with similar controls in the Feb 2022 Russia rule [7]; Dutch jurisdiction over 1970i/1980i
licences in Sep 2024 [51]; the Dutch rule was drafted "country-neutral" [22][31].
"""

from __future__ import annotations

import numpy as np

from sim.model.mechanisms.preferences import W_EXPOSURE, W_FEAR, W_PRESSURE

BILATERAL_SHARE = 0.25
"""Share of US leverage spent directly on key exporters while TTC talks go on; after
unilateral controls all of it is (the US pressed NL, DE, JP and KR in 2023-24 [44]). It is
spent in proportion to the allied supply still uncontrolled: once the Dutch tools were
controlled, German optics and lasers inside them were covered too [44][71]."""
PRESSURE_DECAY = 0.1
"""Monthly decay of pressure a member has received (attention and favours fade)."""
NATIONAL_COST = 0.05
"""Political cost to a member of acting outside the EU frame (the Dutch rule was drafted
"country-neutral" and named neither China nor ASML [22][31])."""

Num = np.ndarray | float
"""A member-level quantity: an array over members, or one member's value."""


def share_on_exporters(unilateral: bool) -> float:
    """The share of US leverage spent bilaterally: all of it once the US has acted alone."""
    return 1.0 if unilateral else BILATERAL_SHARE


def accumulate(pressure: np.ndarray, pressure_in: np.ndarray) -> np.ndarray:
    """This month's pressure: last month's, decayed, plus what arrived (at most the full
    leverage in a month), which bites less on a member already under pressure."""
    np.minimum(pressure_in, 1.0, out=pressure_in)
    return pressure * (1.0 - PRESSURE_DECAY) + pressure_in * (1.0 - pressure)


def alignment_margin(
    us_level: float,
    us_in_force: bool,
    reach: float,
    exemption: float,
    threat: Num,
    exposure: Num,
    fear: Num,
    us_dependence: Num,
    pressure: Num,
) -> Num:
    """Value of matching the US level nationally, less the value of not.

    Aligning brings the security gain and relief from US pressure; once US rules with
    extraterritorial reach are in force, the member's exporters lose the sales those rules
    catch anyway, so aligning costs only the rest, and earns the exemption the US grants to
    partners with similar controls [7][51]. Not aligning keeps exports and avoids retaliation.
    """
    caught = reach if us_in_force else 0.0
    gain = us_level * (threat + W_PRESSURE * us_dependence * pressure)
    gain = gain + caught * exemption * exposure
    cost = us_level * (W_EXPOSURE * exposure * (1.0 - caught) + W_FEAR * fear)
    return gain - cost - NATIONAL_COST
