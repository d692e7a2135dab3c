"""Mechanism 7, agenda: the TTC's attention moves toward the track that made progress.

Attention follows reinforcement with forgetting (Erev-Roth style): the hard track (export
controls) is reinforced by a deal, by a joint measure in force, and by the gap closing in a
round; the soft track (AI governance) by its deliverables, which accrue with the attention it
gets. A stalled hard track, or one the US left, earns nothing.

Parameters: ``commission.agenda`` (the initial hard-track attention), ``ttc.ministerials``.

Facts: TTC-2 hailed "unprecedented" comparable Russia restrictions [13]; enforcement
coordination from Jun 2022 [15] and "deep alignment" at TTC-4 [26]; the soft deliverables (AI
roadmap, 65 AI terms, taxonomy, evaluation tools [18][28][46]).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

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


def progress_reward(previous_gap: float | None, gap: float) -> float:
    """Reinforcement of the hard track by a round that closed the gap."""
    return max(0.0, previous_gap - gap) * PROGRESS_REWARD if previous_gap is not None else 0.0


def maintenance_reward(deal_level: float) -> float:
    """Reinforcement of the hard track in a month a joint measure is in force."""
    return MAINTENANCE_REWARD * deal_level


@dataclass
class Agenda:
    """The TTC's attention: reinforcement of each track, the hard track's share, and the soft
    track's output."""

    q_hard: float
    q_soft: float
    attention: float
    history: list[float] = field(default_factory=list)
    soft_deliverables: int = 0

    @classmethod
    def starting_at(cls, hard_attention: float) -> Agenda:
        return cls(hard_attention, 1.0 - hard_attention, hard_attention)

    def soft_output(self, rng: np.random.Generator, weight: float) -> int:
        """This month's soft deliverables (Poisson, rising with soft attention)."""
        n_soft = int(rng.poisson(SOFT_RATE * (1.0 - self.attention) * weight))
        self.soft_deliverables += n_soft
        return n_soft

    def reinforce(self, progress: float, n_soft: int) -> None:
        """Forget part of past reinforcement, add this month's, and move attention."""
        keep = 1.0 - AGENDA_FORGETTING
        self.q_hard = keep * self.q_hard + progress
        self.q_soft = keep * self.q_soft + SOFT_REWARD * n_soft
        total = self.q_hard + self.q_soft
        self.attention = self.q_hard / total if total > 0 else 0.5
        self.history.append(self.attention)
