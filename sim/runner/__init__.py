"""The runner: designs (:mod:`.designs`) run on executors (:mod:`.executors`) by one runner
(:mod:`.run`) into resumable results files (:mod:`.store`) with a manifest (:mod:`.manifest`)."""

from .designs import Design, ModelRun, Sweep, run_seed
from .run import RunResult, run_batch, run_design, simulate
from .store import read_results

__all__ = [
    "Design",
    "ModelRun",
    "RunResult",
    "Sweep",
    "read_results",
    "run_batch",
    "run_design",
    "run_seed",
    "simulate",
]
