"""The golden test: the outcome rows the project publishes are pinned.

For a fixed list of seeds, the outcome rows of the joint scenario, the two one-track scenarios
and one variant are reduced to one SHA-256 per scenario: China's chip tools on the autonomous
EU route alone (which exercises the Council's qualified-majority figures and the US's
discounting of a deal in progress). Any change in behaviour, however small, changes a hash: a
refactor that must not change results keeps them, and a deliberate behaviour change updates
the pinned values in the same commit and says why in its message.

What is hashed: every outcome field of the row (not the ``param.*`` input columns, which
document inputs rather than behaviour), floats written with 9 significant digits so that the
hash does not depend on the last bits of a platform's arithmetic.

To print the current values (after a deliberate change)::

    .venv/bin/python tests/test_golden.py
"""

from __future__ import annotations

import hashlib
import math
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim import load_scenario, run  # noqa: E402
from sim.scenario.constants import CONSTANTS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_SEEDS = range(100)
GOLDEN_SCENARIOS = {  # in the order the sensitivity check below tries them
    "ttc_2021_2025": (ROOT / "scenarios" / "ttc_2021_2025.toml", ()),
    "china_autonomous": (ROOT / "scenarios" / "china_2022.toml", ('tracks.china_sme.routes=["autonomous"]',)),
    "china_2022": (ROOT / "scenarios" / "china_2022.toml", ()),
    "russia_2022": (ROOT / "scenarios" / "russia_2022.toml", ()),
}
PINNED = {
    "ttc_2021_2025": "66351253d00cb3e091dce6f86f22fd489529775b4d4ac10f253d8dceea2ae77d",
    "china_autonomous": "e4745b9ff8ccfa1876bd17cbf27746909249b4c4e477e5ad65420f7ed5ab4123",
    "china_2022": "110976968e2d774daa3a0e2c09fd1364b4b9a8b223e90ba41c6d3e8cef5d6179",
    "russia_2022": "cad694cc4ba2ff0372cb3dbdbd6f697217a21d2eb3e309ddc4817710043cf004",
}


def _canonical(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.9g}"
    return str(value)


def rows_digest(rows: list[dict[str, Any]]) -> str:
    """SHA-256 over the outcome fields of ``rows`` in order (``param.*`` columns left out)."""
    digest = hashlib.sha256()
    for row in rows:
        fields = sorted(k for k in row if not k.startswith("param."))
        digest.update(("|".join(f"{k}={_canonical(row[k])}" for k in fields) + "\n").encode())
    return digest.hexdigest()


def scenario_digest(name: str, extra: tuple[str, ...] = ()) -> str:
    """The digest of the golden seeds' outcome rows of one golden scenario."""
    path, overrides = GOLDEN_SCENARIOS[name]
    scenario = load_scenario(path, [*overrides, *extra])
    return rows_digest([run(scenario, seed, index) for index, seed in enumerate(GOLDEN_SEEDS)])


@pytest.mark.parametrize("name", sorted(GOLDEN_SCENARIOS))
def test_outcome_rows_match_the_pinned_digest(name: str) -> None:
    assert scenario_digest(name) == PINNED[name], (
        f"the outcome rows of {name} changed. If this is a deliberate behaviour change, update "
        "PINNED (python tests/test_golden.py prints the values) and say why in the commit message."
    )


# --------------------------------------------------------------------------- sensitivity

WHOLE_COUNTS = {"qmv_states": 15 / 27 * 1.001, "blocking_min_states": 5.0}
"""Constants that set a whole number of states (0.55 x 27 = 14.85, rounded up to 15; a
blocking minority of four states): a 1 % change leaves the rule as it is, so they move to the
next count."""


THRESHOLDS = ("key_supply", "qmv_states", "qmv_population", "blocking_min_states", "minilateral_cost")
"""Thresholds that a 1 % (or one-state) step does not carry across any actor's value in the
golden runs, and a cost that enters only the US's discrete choice of a channel, which a 1 %
step flips in none of them; tests/test_engine.py shows each live across its range."""


@pytest.mark.parametrize("constant", sorted(set(CONSTANTS) - set(THRESHOLDS)))
def test_the_golden_digest_notices_a_one_percent_change(constant: str) -> None:
    """Every constant moves at least one golden digest when it changes by 1 % (or to the next
    whole count): the golden test guards every number the published results rest on."""
    value = CONSTANTS[constant].default
    new = WHOLE_COUNTS.get(constant, value * 1.01)
    extra = (f"constants.{constant}={new!r}",)
    changed = next((n for n in GOLDEN_SCENARIOS if scenario_digest(n, extra) != PINNED[n]), None)
    assert changed is not None, f"{constant}: {value} -> {new} changes no golden digest"


if __name__ == "__main__":
    for scenario_name in sorted(GOLDEN_SCENARIOS):
        print(f'    "{scenario_name}": "{scenario_digest(scenario_name)}",')
