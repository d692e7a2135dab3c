"""The golden test: the outcome rows the project publishes are pinned.

For a fixed list of seeds, the outcome rows of the two shipped scenarios and of two
counterfactuals are reduced to one SHA-256 per scenario: QMV (which exercises the Council's
qualified-majority figures) and Russia-level threat consensus (the only shipped scenario in
which TTC talks make progress on China, so the US's discounting of a deal matters). Any change in behaviour, however small, changes a hash: a refactor that
must not change results keeps them, and a deliberate behaviour change updates the pinned values
in the same commit and says why in its message.

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

import importlib  # noqa: E402
import pkgutil  # noqa: E402

import sim.model.mechanisms  # noqa: E402
from sim import (
    load_scenario,
    run,  # noqa: E402
)
from sim.model import agents, institutions  # noqa: E402
from sim.model import model as model_module  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_SEEDS = range(200)
GOLDEN_SCENARIOS = {  # in the order the sensitivity check below tries them
    "china_2022": ROOT / "scenarios" / "china_2022.toml",
    "russia_2022": ROOT / "scenarios" / "russia_2022.toml",
    "china_qmv": ROOT / "scenarios" / "counterfactuals" / "china_qmv.toml",
    "china_threat_consensus": ROOT / "scenarios" / "counterfactuals" / "china_threat_consensus.toml",
}
PINNED = {
    "russia_2022": "80362f776b1a88f425239a310ebb5cae6b63bb4fd5815592dcf2a44d8c3c37fc",
    "china_2022": "85d52add472c5ec99af59bb8607b3d245335cd1b4dc4cb167dd98fddcd509e59",
    "china_qmv": "fc54ca36bcb670a5df17052723520ca4a865879ebb4dde103204a0cb94f413cf",
    "china_threat_consensus": "2d49b8b73d3f9866e082bb0e1e97dc4e4da33787e1a4fb495a7b195290b306cd",
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


def scenario_digest(name: str) -> str:
    """The digest of the golden seeds' outcome rows of one golden scenario."""
    scenario = load_scenario(GOLDEN_SCENARIOS[name])
    return rows_digest([run(scenario, seed, index) for index, seed in enumerate(GOLDEN_SEEDS)])


@pytest.mark.parametrize("name", sorted(GOLDEN_SCENARIOS))
def test_outcome_rows_match_the_pinned_digest(name: str) -> None:
    assert scenario_digest(name) == PINNED[name], (
        f"the outcome rows of {name} changed. If this is a deliberate behaviour change, update "
        "PINNED (python tests/test_golden.py prints the values) and say why in the commit message."
    )


# --------------------------------------------------------------------------- sensitivity

MECHANISM_MODULES = tuple(
    importlib.import_module(f"sim.model.mechanisms.{m.name}")
    for m in pkgutil.iter_modules(sim.model.mechanisms.__path__)
)
CONSTANT_MODULES = (*MECHANISM_MODULES, institutions, agents, model_module)
"""Where structural constants live (each in the module of the mechanism that uses it), and
where they may be imported."""
WHOLE_COUNT_THRESHOLDS = {"QMV_STATES": 15 / 27 * 1.001}
"""Constants that set a whole number (QMV_STATES x 27 members = 14.85, rounded up to 15
states): a 1 % change (14.998) leaves the rule as it is, so they move to the next count."""


def structural_constants() -> dict[str, tuple[Any, str]]:
    """Every floating-point structural constant of the model: module-level UPPER_CASE floats
    of the mechanism modules, and UPPER_CASE float attributes of the agent classes."""
    found: dict[str, tuple[Any, str]] = {}
    for module in CONSTANT_MODULES:
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, float):
                found.setdefault(name, (module, name))  # where it is defined comes first
            if isinstance(value, type) and value.__module__ == module.__name__:
                for attr, inner in vars(value).items():
                    if attr.isupper() and isinstance(inner, float):
                        found[f"{name}.{attr}"] = (value, attr)
    return found


@pytest.mark.parametrize("constant", sorted(structural_constants()))
def test_the_golden_digest_notices_a_one_percent_change(
    constant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every live constant moves at least one golden digest when it changes by 1 %: the golden
    test guards every number the published results rest on."""
    owner, attr = structural_constants()[constant]
    value = getattr(owner, attr)
    new = WHOLE_COUNT_THRESHOLDS.get(attr, value * 1.01)
    # the name may also be imported into another module (bilateral.py imports preferences' weights)
    for module in CONSTANT_MODULES:
        if getattr(module, attr, None) is value:
            monkeypatch.setattr(module, attr, new)
    monkeypatch.setattr(owner, attr, new)
    changed = next((n for n in GOLDEN_SCENARIOS if scenario_digest(n) != PINNED[n]), None)
    assert changed is not None, f"{constant}: {value} -> {new} changes no golden digest"


if __name__ == "__main__":
    for scenario_name in sorted(GOLDEN_SCENARIOS):
        print(f'    "{scenario_name}": "{scenario_digest(scenario_name)}",')
