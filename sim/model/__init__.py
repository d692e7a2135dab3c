"""The model: agents, their state, the mechanisms they decide by, the Council's rules, the Mesa
model that orders a month and records, and the outcomes of a finished run.

Imports nothing from the runner, analysis, viz, dashboard or CLI layers.
"""

from sim.model.model import STREAMS, TTCModel, check_seed

__all__ = ["STREAMS", "TTCModel", "check_seed"]
