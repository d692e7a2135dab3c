"""Mechanism 9, ``agenda``: the TTC's attention over its tracks, and its deliverables.

Attention goes where the expected marginal progress is highest. The TTC learns each track's
return on its time by reinforcement with forgetting (Erev-Roth style): a hard track is
reinforced by a deal (``deal_reward``), by a coordinated measure in force
(``maintenance_reward`` x its level) and by the gap closing in a round (``progress_reward``
per unit); the soft track by the output one more unit of attention is expected to bring, its
own productivity (``soft_reward`` x ``tracks.<soft>.productivity`` x the month's weight), not
the month's draw, so a salience shock to the productivity (generative AI, Nov 2022 [115])
moves attention at once. Each track's share of attention is its reinforcement over the total:
the shares move toward the tracks whose time pays most. Deliverables are counted as they
happen: hard ones are deals and enforcement coordination on coordinated tracks (Poisson,
``enforcement_rate`` x the track's attention x the month's weight); soft ones are Poisson with
mean ``tracks.<soft>.productivity`` x soft attention x weight, so with productivity 0 there is
no soft output and the soft track's attention decays. Each ministerial's soft share is the
soft part of the output since the previous one: a result of attention and productivity, not
an input.

Switched off (``mechanisms.agenda = false``): attention does not move: every track keeps its
starting share (``commission.agenda`` split evenly over the hard tracks, the rest soft);
deliverables still accrue at those shares.

Parameters: ``commission.agenda`` (the starting hard share), ``ttc.ministerials``,
``tracks.<soft>.productivity``. Constants: ``agenda_forgetting``, ``deal_reward``,
``maintenance_reward``, ``progress_reward``, ``soft_reward``, ``enforcement_rate``.

Facts: TTC-2 hailed "unprecedented" comparable Russia restrictions [13]; enforcement
coordination from Jun 2022 [15] and "deep alignment" at TTC-4 [26]; the soft deliverables
(AI roadmap, 65 AI terms, taxonomy, evaluation tools [18][28][46]).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Agenda:
    """Reinforcement of each hard track and of the soft track, their attention shares, and
    the deliverables counted per ministerial."""

    q_hard: np.ndarray
    q_soft: float
    forgetting: float
    moves: bool = True
    attention: np.ndarray = field(init=False)
    soft_attention: float = field(init=False)
    soft_deliverables: int = 0
    hard_deliverables: int = 0
    since: list[int] = field(default_factory=lambda: [0, 0])
    """Soft and hard deliverables since the last ministerial."""
    soft_share_by_ministerial: list[tuple[str, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._shares()

    @classmethod
    def starting_at(cls, hard: float, n_hard: int, forgetting: float, moves: bool) -> Agenda:
        q = np.full(n_hard, hard / n_hard) if n_hard else np.zeros(0)
        return cls(q, 1.0 - hard if n_hard else 1.0, forgetting, moves)

    def _shares(self) -> None:
        total = float(self.q_hard.sum()) + self.q_soft
        if total > 0:
            self.attention, self.soft_attention = self.q_hard / total, self.q_soft / total
        else:
            n = len(self.q_hard) + 1
            self.attention, self.soft_attention = np.full(len(self.q_hard), 1.0 / n), 1.0 / n

    def deliver(self, soft: int, hard: int) -> None:
        self.soft_deliverables += soft
        self.hard_deliverables += hard
        self.since[0] += soft
        self.since[1] += hard

    def ministerial(self, label: str) -> None:
        """Close a ministerial: record its soft share of the output since the last one."""
        soft, hard = self.since
        self.soft_share_by_ministerial.append((label, soft / (soft + hard) if soft + hard else 0.0))
        self.since = [0, 0]

    def reinforce(self, progress: np.ndarray, soft_expected: float, soft_reward: float) -> None:
        """Forget part of past reinforcement, add this month's (the hard tracks' ``progress``;
        for the soft track its expected output per unit of attention, ``soft_expected``), and
        move attention."""
        if not self.moves:
            return
        keep = 1.0 - self.forgetting
        self.q_hard = keep * self.q_hard + progress
        self.q_soft = keep * self.q_soft + soft_reward * soft_expected
        self._shares()
