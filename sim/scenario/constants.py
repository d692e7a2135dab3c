"""The model's structural constants: modelling choices, not facts about an actor.

Each constant is a parameter with a default, a range and the mechanism it shapes; a scenario
sets one with ``[constants] <name> = <value>`` or ``--set constants.<name>=<value>``. Every
constant is live (a test moves some outcome across its range); a constant that moved nothing
was removed with the code it fed. Numbers in brackets refer to ``sim/data/sources.md``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Constant:
    """One structural constant: its default, the range it may take, the mechanism it shapes
    (a ``mechanisms.<name>`` switch, or ``institutions``) and what it means."""

    default: float
    low: float
    high: float
    mechanism: str
    meaning: str


CONSTANTS: dict[str, Constant] = {
    # preferences
    "w_exposure": Constant(
        1.5,
        0.5,
        3.0,
        "preferences",
        "weight of exports at stake against security gain"
        " (German firms' and ASML's weight in the China debate [24][67])",
    ),
    "w_fear": Constant(
        0.75,
        0.0,
        2.0,
        "preferences",
        "weight of feared countermeasures (China's gallium curbs followed the Dutch rule [33])",
    ),
    "w_pressure": Constant(
        0.5,
        0.0,
        2.0,
        "preferences",
        "how far accumulated US pressure, times us_dependence, raises an ideal point [20]",
    ),
    "loss_aversion": Constant(
        2.0, 0.5, 6.0, "preferences", "a member votes for EU levels up to ideal x (1 + 1/loss_aversion)"
    ),
    # perception
    "socialisation": Constant(
        0.15,
        0.0,
        0.6,
        "perception",
        "monthly pull of members' threat toward the EU mean, times brokerage and attention",
    ),
    "intel": Constant(
        0.03,
        0.0,
        0.3,
        "perception",
        "monthly pull of threat toward the US view per unit of us_dependence, times attention [5]",
    ),
    "noise_sd": Constant(0.01, 0.0, 0.05, "perception", "month-to-month noise in threat perception"),
    # eu_routes
    "derogation_cap": Constant(
        0.25,
        0.0,
        0.6,
        "eu_routes",
        "largest share of the EU's supply the Commission can exempt at full brokerage",
    ),
    # bargaining
    "ministerial_weight": Constant(
        2.0,
        1.0,
        4.0,
        "bargaining",
        "a ministerial month multiplies concessions, pressure, socialisation and output",
    ),
    # channel_choice
    "decision_sd": Constant(
        0.05, 0.0, 0.3, "channel_choice", "spread of an actor's private threshold for a discrete decision"
    ),
    # supplier_assurance
    "key_supply": Constant(
        0.05,
        0.01,
        0.5,
        "supplier_assurance",
        "an adopter with at least this share of the track's Western supply is a key supplier",
    ),
    "bilateral_share": Constant(
        0.25,
        0.0,
        1.0,
        "supplier_assurance",
        "share of a track's leverage spent on key suppliers while talks go on [44]",
    ),
    "pressure_decay": Constant(0.1, 0.0, 0.5, "supplier_assurance", "monthly decay of received US pressure"),
    "national_cost": Constant(
        0.05,
        0.0,
        0.3,
        "supplier_assurance",
        "political cost of a national measure outside the EU frame [22][31]",
    ),
    "art10_discount": Constant(
        0.5,
        0.0,
        1.0,
        "supplier_assurance",
        "share of the national cost left when applying a published list (Art. 10) [113]",
    ),
    # countermeasures
    "retaliation_impact": Constant(
        0.25,
        0.0,
        1.0,
        "countermeasures",
        "share of the way to full fear a countermeasure moves a bystander fully dependent on its "
        "material [44][45]",
    ),
    "answer_cost": Constant(
        0.45,
        0.0,
        1.0,
        "countermeasures",
        "a target's own cost of licensing a material (lost sales, importers' diversification); set by "
        "hand so that answering the US alone is at most a coin toss: China's first countermeasure on "
        "the chip tracks came only after Japan's announcement [109]",
    ),
    # agenda
    "agenda_forgetting": Constant(0.15, 0.0, 0.6, "agenda", "monthly share of past reinforcement forgotten"),
    "deal_reward": Constant(1.0, 0.0, 3.0, "agenda", "reinforcement of a track in the month of a deal [13]"),
    "maintenance_reward": Constant(
        0.3,
        0.0,
        1.5,
        "agenda",
        "monthly reinforcement per unit of level while a coordinated measure is in force [15][26]",
    ),
    "progress_reward": Constant(2.0, 0.0, 6.0, "agenda", "reinforcement per unit of gap closed in a round"),
    "soft_reward": Constant(0.15, 0.0, 1.0, "agenda", "reinforcement of the soft track per deliverable"),
    "enforcement_rate": Constant(
        0.3,
        0.0,
        1.5,
        "agenda",
        "expected hard deliverables (enforcement coordination) per month"
        " on a coordinated track at full attention [15]",
    ),
    # institutions
    "qmv_states": Constant(
        0.55, 0.5, 0.75, "institutions", "share of member states a qualified majority needs [59]"
    ),
    "qmv_population": Constant(
        0.65, 0.5, 0.8, "institutions", "share of the EU population a qualified majority needs [59]"
    ),
    "blocking_min_states": Constant(
        4.0, 1.0, 10.0, "institutions", "a blocking minority needs at least this many states [59]"
    ),
    # channel choice and supplier assurance
    "unilateral_cost": Constant(
        0.3,
        0.0,
        1.0,
        "channel_choice",
        "standing the US loses per unit of allied supply its reach imposes on when it acts alone"
        " (assumption: allies resisted US pressure on servicing and optics [44][45])",
    ),
    "minilateral_cost": Constant(
        0.1,
        0.0,
        1.0,
        "channel_choice",
        "pressure and exemptions the US spends per unit of supply a minilateral asks to move"
        " (assumption: the Sullivan-led US-NL-JP talks [20])",
    ),
    "w_backfill": Constant(
        2.0,
        0.0,
        4.0,
        "supplier_assurance",
        "how far exports lost to a control grow with the share of rivals' supply left"
        " uncontrolled (assumption: NL and JP each moved only with the other [20]; at 2 an"
        " unwilling Japan costs the Dutch alignment about a quarter of its chance)",
    ),
    # ratchet
    "leak_learning": Constant(
        0.1,
        0.02,
        1.0,
        "ratchet",
        "monthly share of the way the US's estimate of what an update would add moves toward what"
        " it observes; it starts at zero when a rule version comes into force (assumption: the US"
        " expects a new rule to hold, and learns its leakage over months [16][20])",
    ),
    "reach_step": Constant(
        0.2,
        0.0,
        0.5,
        "ratchet",
        "how far one update widens the US's reach over allied supply, up to 1 (assumption: the"
        " Oct 2022 rule reached foreign supply for 28 entities only [16])",
    ),
    # regime_cascade
    "publication_lag": Constant(
        6.0,
        0.0,
        24.0,
        "regime_cascade",
        "months from a member's national list coming into force to the Commission publishing it,"
        " after which other members may apply it (Art. 10) [113] (assumption: none published by"
        " the cut-off)",
    ),
    "peer_relief": Constant(
        0.5,
        0.0,
        1.0,
        "regime_cascade",
        "how far peers' national lists, by their share of the EU's supply on the track, lower the"
        " political cost of one's own after a regime veto",
    ),
}
"""Every structural constant, by the name of its path ``constants.<name>``."""


def defaults() -> dict[str, float]:
    """Every constant at its default, as ``constants.<name>`` paths."""
    return {f"constants.{name}": c.default for name, c in CONSTANTS.items()}
