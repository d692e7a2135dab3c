"""Command-line options shared by several ``ttcsim`` commands (one definition each)."""

from __future__ import annotations

import argparse

from sim.runner.batch import WORKERS_PER_CORE


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
