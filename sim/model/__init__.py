"""The model: agents, institutions, shocks, the Mesa model that orders a month, and outcomes.

Imports nothing from the runner, analysis, viz, dashboard or CLI layers.
"""

from sim.model.model import STREAMS, TTCModel, check_seed

__all__ = ["STREAMS", "TTCModel", "check_seed"]
