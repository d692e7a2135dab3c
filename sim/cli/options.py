"""Command-line options shared by several ``ttcsim`` commands (one definition each)."""

from __future__ import annotations

import argparse

from sim.runner.executors import WORKERS_PER_CORE
from sim.scenario import ScenarioError

FLAG_OF_ARGUMENT = {
    "runs": "--runs",
    "seed": "--seed",
    "workers": "--workers",
    "scheduler": "--scheduler",
    "out": "--out",
    "chunk_size": "--chunk-size",
    "labels": "--label",
    "sweeps": "--sweep",
    "set": "--set",
    "params": "--params",
    "ranges": "--range",
    "n": "--n",
    "method": "--method",
    "replications": "--replications",
    "outcome": "--outcome",
    "outputs": "--outputs",
    "x/y": "--x/--y",
    "heatmap": "--kind heatmap",
    "track": "--track",
}
"""The library names what was wrong by its argument (``ScenarioError("runs", ...)``); a
user of the command line reads the flag that set it (``--runs``)."""


ADVICE_AS_FLAGS = {
    "force=True": "--force",
    "resume=True": "--resume",
    "trajectories=True": "--trajectories",
    "label=NAME": "--label NAME",
    "params=[PATH, ...]": "--params PATH ...",
    "ranges[PATH] = (LOW, HIGH)": "--range PATH=LOW:HIGH",
    "sweeps only x and y": "sweeps only --x and --y",
}
"""Library messages give advice in the Python API's words (``pass force=True``); the command
line shows its own flags instead (``pass --force``)."""


def command_flags(parser: argparse.ArgumentParser, command: str) -> set[str]:
    """The option strings (``--runs``, ...) of ``parser``'s subcommand ``command``."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return {s for a in action.choices[command]._actions for s in a.option_strings}
    return set()


def as_flags(error: ScenarioError, flags: set[str]) -> ScenarioError:
    """``error`` with its source written as the command's flag when the source is the library
    name of an argument that one of ``flags`` sets (a file path or another source is kept), and
    its advice in flags (:data:`ADVICE_AS_FLAGS`)."""
    problem = error.problem
    for words, flag_words in ADVICE_AS_FLAGS.items():
        problem = problem.replace(words, flag_words)
    source = FLAG_OF_ARGUMENT.get(error.source)
    if source is None or not all(f in flags for f in source.split()[0].split("/")):
        source = error.source
    return ScenarioError(source, error.key, problem)


def add_overrides(p: argparse.ArgumentParser) -> None:
    """``--set PATH=VALUE`` (repeatable), the one grammar for tweaking preferences."""
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a parameter after the file (repeatable; later wins), e.g. "
        "us.patience=30, members.NL.exposure=0, 'members.*.threat=0.9', eu.rule=qmv",
    )


def add_resume(p: argparse.ArgumentParser, what: str) -> None:
    """``--resume`` (finish an interrupted run) and ``--force`` (replace earlier outputs)."""
    p.add_argument(
        "--resume",
        action="store_true",
        help=f"finish an interrupted {what} without redoing its finished runs",
    )
    p.add_argument("--force", action="store_true", help=f"replace the outputs of an earlier {what}")


def add_executor(p: argparse.ArgumentParser) -> None:
    """Where runs execute: ``--workers K`` local processes or a Dask ``--scheduler``."""
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--workers",
        type=int,
        help=f"local worker processes (default: all cores; at most {WORKERS_PER_CORE} per core); "
        "they end with this process",
    )
    g.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="run on a Dask distributed cluster")
