"""Shared helpers: shipped scenarios and seeded batches."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim import Scenario, load_scenario, run

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
RUSSIA = SCENARIOS / "russia_2022.toml"
CHINA = SCENARIOS / "china_2022.toml"
TTC = SCENARIOS / "ttc_2021_2025.toml"
CLI = [sys.executable, "-m", "sim.cli"]


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``ttcsim`` with these arguments in a subprocess; capture its output."""
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def batch(sc: Scenario, n: int, first_seed: int = 0) -> pd.DataFrame:
    """``n`` seeded replications (seeds first_seed .. first_seed + n - 1)."""
    return pd.DataFrame([run(sc, s, i) for i, s in enumerate(range(first_seed, first_seed + n))])


@pytest.fixture(scope="session")
def russia() -> Scenario:
    return load_scenario(RUSSIA)


@pytest.fixture(scope="session")
def china() -> Scenario:
    return load_scenario(CHINA)
