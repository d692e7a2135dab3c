"""The actors: the United States, the European Commission, the adopters (the 27 member states
and allies such as Japan) and the targets (Russia, China).

Agents hold who they are and their run-level state; a track's numbers live in its
:class:`sim.model.state.TrackState`, and each decision is a function over arrays of adopters
in :mod:`sim.model.mechanisms`, ordered by :class:`sim.model.model.TTCModel`. Numbers in
brackets refer to the sources in ``sim/data/sources.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.scenario.schema import CommissionParams

if TYPE_CHECKING:
    from .model import TTCModel


class UnitedStates(mesa.Agent):
    """The US executive: one rule per track, and one budget of leverage (``us.pressure`` per
    month) shared by every track it pursues. It can act quickly and alone (CEPA on the US
    executive [62]); it did on China on 7 Oct 2022 [16] and exempted partners with similar
    controls from its Russia FDP rules [7]."""

    def __init__(self, model: TTCModel, pressure: float):
        super().__init__(model)
        self.pressure = pressure
        """Leverage the US can spend per month, over all tracks."""


class Commission(mesa.Agent):
    """The Commission proposes EU measures on the routes a track allows and brokers consent;
    member states treat controls as national security and sideline it [62][63]."""

    def __init__(self, model: TTCModel, params: CommissionParams):
        super().__init__(model)
        self.params = params


class Adopters(mesa.Agent):
    """The 27 member states and the allies (canonical ISO order, members first): who they are.
    Their per-track preferences and measures are arrays in each track's state."""

    def __init__(
        self, model: TTCModel, members: tuple[str, ...], allies: tuple[str, ...], population: np.ndarray
    ):
        super().__init__(model)
        self.iso = (*members, *allies)
        self.n_members = len(members)
        self.index = {c: i for i, c in enumerate(self.iso)}
        self.population = population


class Target(mesa.Agent):
    """A state controls aim at; it may answer a new measure on any track aimed at it."""

    def __init__(self, model: TTCModel, iso: str, retaliation: float):
        super().__init__(model)
        self.iso = iso
        self.retaliation = retaliation
