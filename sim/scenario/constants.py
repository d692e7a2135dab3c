"""The model's structural constants as parameters: each has a default, a documented range and
the mechanism it shapes, and is settable by the path ``constants.<name>`` (in a file's
``[constants]`` table or as an override), like any other parameter.

The defaults are the values the mechanisms use today; a range spans the values a modeller
could defend, so that a sensitivity analysis may sweep it. Names are the constants' names in
the mechanism modules, in lower case. A constant that moves no outcome across its range is
dead: it is removed here together with the code it feeds.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Constant:
    """One structural constant: its value today, the range it may take, the mechanism switch
    (``mechanisms.<name>``) whose behaviour it shapes, and what it means."""

    default: float
    low: float
    high: float
    mechanism: str
    meaning: str


CONSTANTS: dict[str, Constant] = {
    # preferences
    "w_exposure": Constant(1.5, 0.25, 4.0, "preferences", "weight of exports at stake against security gain"),
    "w_fear": Constant(
        0.75, 0.0, 2.0, "preferences", "weight of feared retaliation in an actor's ideal level"
    ),
    "w_pressure": Constant(
        0.5,
        0.0,
        1.5,
        "preferences",
        "how far received US pressure, times us_dependence, moves an ideal level",
    ),
    "loss_aversion": Constant(
        2.0,
        1.0,
        6.0,
        "preferences",
        "weight of a measure's cost above the ideal, as a loss, against its gain",
    ),
    "pressure_decay": Constant(
        0.1, 0.0, 0.5, "preferences", "monthly decay of the pressure a member has received"
    ),
    # perception
    "socialisation": Constant(
        0.15,
        0.0,
        0.5,
        "perception",
        "monthly rate at which member threat perceptions converge on the EU mean",
    ),
    "intel": Constant(
        0.03,
        0.0,
        0.1,
        "perception",
        "monthly pull of members' threat toward the US view (intelligence sharing)",
    ),
    "noise_sd": Constant(0.01, 0.0, 0.05, "perception", "month-to-month noise in threat perception"),
    # eu_routes
    "derogation_cap": Constant(
        0.25, 0.0, 0.75, "eu_routes", "largest share of the basket's EU supply the Commission can exempt"
    ),
    "qmv_states": Constant(0.55, 0.5, 1.0, "eu_routes", "share of member states a qualified majority needs"),
    "qmv_population": Constant(
        0.65, 0.5, 1.0, "eu_routes", "share of the EU population a qualified majority needs"
    ),
    "blocking_min_states": Constant(
        4.0, 1.0, 27.0, "eu_routes", "fewest states that form a blocking minority, whatever their population"
    ),
    # bargaining
    "ministerial_weight": Constant(
        2.0,
        1.0,
        6.0,
        "bargaining",
        "how much a ministerial month multiplies a round's concessions and output",
    ),
    # channel_choice
    "discount": Constant(
        0.9, 0.5, 1.0, "channel_choice", "monthly discount the US applies to a deal months away"
    ),
    "decision_sd": Constant(
        0.05, 0.0, 0.2, "channel_choice", "spread of an actor's private threshold for a discrete decision"
    ),
    "progress_window": Constant(
        3.0, 1.0, 12.0, "channel_choice", "months over which the US measures how fast the gap closes"
    ),
    # supplier_assurance
    "bilateral_share": Constant(
        0.25,
        0.0,
        1.0,
        "supplier_assurance",
        "share of US leverage spent directly on key exporters during talks",
    ),
    # countermeasures
    "retaliation_impact": Constant(
        0.25, 0.0, 1.0, "countermeasures", "share of the distance to full fear one retaliation adds"
    ),
    # regime_cascade
    "national_cost": Constant(
        0.05, 0.0, 0.3, "regime_cascade", "political cost to a member of acting outside the EU frame"
    ),
    # agenda
    "agenda_forgetting": Constant(0.15, 0.0, 0.5, "agenda", "monthly share of past reinforcement forgotten"),
    "deal_reward": Constant(1.0, 0.0, 3.0, "agenda", "reinforcement of a hard track in the month of a deal"),
    "maintenance_reward": Constant(
        0.3, 0.0, 1.0, "agenda", "monthly reinforcement per unit of stringency of a joint measure in force"
    ),
    "progress_reward": Constant(2.0, 0.0, 6.0, "agenda", "reinforcement per unit of gap closed in a round"),
    "soft_rate": Constant(
        0.6, 0.0, 2.0, "agenda", "expected soft deliverables per month at full soft attention"
    ),
    "soft_reward": Constant(0.15, 0.0, 0.5, "agenda", "reinforcement of the soft track per deliverable"),
    "soft_window": Constant(
        24.0, 6.0, 48.0, "agenda", "months over which the soft share of attention is averaged"
    ),
}
"""Every structural constant by name (path ``constants.<name>``)."""
