"""Mechanism 8, adoption: measures come into force when their lag has run; the target retaliates.

A decided measure (a TTC deal's two sides, the US acting alone, a member's national alignment)
is a scheduled event: it comes into force ``lag`` months after the decision, through Mesa's
event list, after that month's decisions and before the month closes. Measures due in the same
month come into force in the order they were decided. Each time one does, the target may
retaliate; members without controls and without a measure on the way then fear it more.

Parameters: ``us.lag``, ``eu.lag``, ``members.*.lag``, ``target.retaliation``.

Facts: China's gallium and germanium licensing came days after the Dutch rule [33]; "other EU
countries declined to follow suit for fear of retaliation" [44][45].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model.model import TTCModel

RETALIATION_IMPACT = 0.25
"""Share of the remaining distance to full fear that one retaliation adds for non-adopters
("other EU countries declined to follow suit for fear of retaliation" [44][45])."""


def retaliates(rng: np.random.Generator, probability: float) -> bool:
    """Whether the target retaliates against a new adopter."""
    return bool(rng.random() < probability)


def fear_retaliation(fear: np.ndarray, bystanders: np.ndarray) -> None:
    """Members in ``bystanders`` move ``RETALIATION_IMPACT`` of the way to full fear (in place)."""
    fear[bystanders] += RETALIATION_IMPACT * (1.0 - fear[bystanders])


@dataclass(eq=False)
class Adoption:
    """A decided measure waiting for its lag to run: the US's, the EU's or one member's.

    :meth:`schedule` puts :meth:`come_into_force` on the model's Mesa event list for the month
    it is due; the model keeps the adoption alive (Mesa holds events' callbacks weakly).
    """

    model: TTCModel
    adopter: str
    """``"US"``, ``"EU"`` or the ISO code of a member state."""
    level: float
    derogated: np.ndarray | None = None
    """The EU measure's derogations (EU only)."""
    member: int = -1
    """The member's index (national measures only)."""

    def schedule(self, month: int) -> None:
        self.model.scheduled.append(self)
        self.model.schedule_event(self.come_into_force, at=self.model.time_of(month))

    def come_into_force(self) -> None:
        model, measures = self.model, self.model.measures
        t = model.t
        if self.adopter == "US":
            measures.us_level, measures.us_month = float(self.level), t
            how = "unilateral" if measures.unilateral else "joint"
            model.log("US", "rule", f"{how} export controls in force at {measures.us_level:.2f}")
        elif self.adopter == "EU":
            assert self.derogated is not None
            measures.eu_level, measures.eu_derogated = float(self.level), self.derogated
            measures.eu_month = t
            measures.update_effective()
            model.log("EU", "rule", f"EU-level measure in force at {measures.eu_level:.2f}")
        else:
            measures.national_level[self.member] = self.level
            measures.national_month[self.member] = t
            measures.update_effective()
            model.log(
                self.adopter, "rule", f"national measure in force at {self.level:.2f} (outside the TTC)"
            )
        if model.target.retaliates(model.streams["retaliation"]):
            bystanders = (measures.effective <= 0) & (measures.national_decided < 0)
            fear_retaliation(model.members.params["retaliation_fear"], bystanders)
            model.log(
                "target",
                "retaliation",
                f"retaliates against {self.adopter}; "
                f"{int(bystanders.sum())} members without controls grow more fearful",
            )
