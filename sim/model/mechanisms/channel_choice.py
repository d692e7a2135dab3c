"""Mechanism 5, ``channel_choice``: per track and month, the US chooses where to pursue controls.

While it has no rule on a track and its ideal there is a real control, the US compares four
channels, each worth the control it would bring, discounted by the months it would take, less
what it costs:

* **wait**, for the better of two hopes. (a) The TTC talks: a control at its current ask over
  the US's and the members' supply, on the track's fastest open EU route, once the gap has
  closed. The months it expects that to take come from the talks so far, starting from the
  prior that talks close the gap within ``ttc.window`` months, a prior worth ``ttc.window``
  months of rounds: a stalled round wears its hope down month by month. (With bargaining
  switched off, or talks closed, this hope is worth nothing.)
  (b) The key suppliers: a minilateral with all of them once they would all control together;
  their shortfall (how far the least willing is from willing, given that all the others
  control) is learnt month by month in the same way, with the same prior, as US pressure works
  on them. Worth something only when that minilateral beats acting alone now.
* **minilateral**: its rule at its ideal plus conditional commitments from the key suppliers
  (adopters with at least ``key_supply`` of the track's Western supply): the largest group of
  them for whom controlling is worth it if all the others in the group control too (see
  :mod:`~sim.model.mechanisms.supplier_assurance`). Their measures add, after their lags, the
  supply the US's reach does not catch; the US exempts them from its reach, and spends
  ``minilateral_cost`` per unit of their supply (pressure and exemptions).
* **unilateral**: its rule at its ideal, reaching ``reach`` of the allies' supply through
  foreign-direct-product and de-minimis rules, after ``us.lag``; imposing that reach on allies
  costs standing, ``unilateral_cost`` per unit of allied supply reached.
* TTC agreement itself is not chosen here: when a round agrees, the deal is the channel
  (``ttc``, in :mod:`~sim.model.mechanisms.bargaining`).

Every channel's value is discounted by the months it takes at exp(-1/``us.patience``) a
month: patience is the cost of delay, so a patient US waits longer for the same hope. It acts
on the best of minilateral and unilateral when that beats waiting by more than its
private threshold on the track (drawn once per run). Acting alone is a choice, never a timer.

Switched off (``mechanisms.channel_choice = false``): the US never acts outside the TTC; it
adopts a rule only as its side of a TTC deal.

Parameters: ``tracks.<id>.us.patience``, ``.threat``, ``.exposure``, ``.reach``, ``.lag``,
``tracks.<id>.target.availability``, ``ttc.tolerance``, ``ttc.min_stringency``, the adopters'
lags. Constants: ``decision_sd``, ``key_supply``, ``minilateral_cost``,
``unilateral_cost``.

Facts: the US executive can act quickly and alone [62]; it did on China on 7 Oct 2022 [16],
then concluded chip-tool talks with NL and JP outside the TTC in Jan 2023 [20]; it
exempted partners with similar controls from its Russia FDP rules [7].
"""

from __future__ import annotations

import math

import numpy as np

CHANNELS = ("wait", "minilateral", "unilateral")


def thresholds(rng: np.random.Generator, size: int, decision_sd: float) -> np.ndarray:
    """Private thresholds for a discrete decision, one per actor (or per track)."""
    return rng.normal(0.0, decision_sd, size)


def monthly_discount(patience: float) -> float:
    """What a control one month later is worth to the US, against one now: ``us.patience`` is
    the cost of delay, the months over which a delayed control loses about two thirds of its
    worth (exp(-1/patience) a month)."""
    return math.exp(-1.0 / max(patience, 1e-9))


def months_to_deal(gap_history: list[float], tolerance: float, prior_weight: float, window: float) -> float:
    """Months the US expects a gap to take to close to within ``tolerance``: the gap over the
    rate at which it closes, learnt from the months so far. The US starts from the prior that
    the first gap closes within ``window`` months, and that prior weighs as much as
    ``prior_weight`` months of observation (the model uses ``ttc.window``): a stalled month
    wears the expected rate down. Infinite when there is no gap to learn from."""
    if not gap_history:
        return math.inf
    first, now, rounds = gap_history[0], gap_history[-1], len(gap_history) - 1
    prior = first / max(window, 1.0) * prior_weight
    rate = (prior + max(0.0, first - now)) / (max(prior_weight, 1e-9) + rounds)
    if rate <= 1e-12:
        return math.inf if now > tolerance else 0.0
    return max(0.0, now - tolerance) / rate


def value_of_control(
    level: float, threat: float, exposure: float, coverage: float, availability: float
) -> float:
    """Security value less own export cost of a control at ``level`` covering ``coverage`` of
    Western supply, when ``availability`` of the basket stays open to the target."""
    return level * (threat * (1.0 - availability) * coverage - exposure)


def channel_values(
    ideal: float,
    ask: float,
    threat: float,
    exposure: float,
    availability: float,
    us_supply: float,
    member_supply: float,
    allied_supply: float,
    reach: float,
    us_lag: float,
    wait_months: float,
    coalition_supply: float,
    coalition_lag: float,
    discount: float,
    minilateral_cost: float,
    unilateral_cost: float,
) -> dict[str, float]:
    """The value of each channel (``minilateral`` is absent when no key supplier would join).
    Supplies are shares of the track's Western supply (US + adopters = 1)."""

    def later(value: float, months: float) -> float:
        return discount**months * value if math.isfinite(months) else 0.0

    alone = later(
        value_of_control(ideal, threat, exposure, us_supply + reach * allied_supply, availability), us_lag
    )
    out = {
        "wait": later(
            value_of_control(ask, threat, exposure, us_supply + member_supply, availability), wait_months
        ),
        "unilateral": alone - unilateral_cost * reach * allied_supply,
    }
    if coalition_supply > 0:
        # the partners' own measures add the supply the US's reach does not catch, once in force;
        # the US exempts them from its reach, so it spends no standing on them
        joined = later(
            ideal * threat * (1.0 - availability) * (1.0 - reach) * coalition_supply, coalition_lag
        )
        out["minilateral"] = (
            alone
            + joined
            - unilateral_cost * reach * (allied_supply - coalition_supply)
            - minilateral_cost * coalition_supply
        )
    return out


def waiting_for_suppliers(
    alone: float,
    with_all: float,
    months: float,
    discount: float,
) -> float:
    """What waiting for the key suppliers is worth: the minilateral with all of them, once
    they are expected to be willing (``months`` away), over acting alone now; nothing when
    acting alone now is no worse."""
    if not math.isfinite(months) or with_all <= alone:
        return 0.0
    return discount**months * with_all


def choose(values: dict[str, float], threshold: float) -> str:
    """The channel the US takes: the better of acting (minilateral or unilateral) when it beats
    waiting by more than ``threshold``, else ``wait``. Ties go to the minilateral."""
    acting = max(("minilateral", "unilateral"), key=lambda c: values.get(c, -math.inf))
    return acting if values[acting] - values["wait"] > threshold else "wait"
