"""The compiled kernels (sim/model/compiled.py): what they refuse, how they fall back, and the
state they leave readable."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import load_scenario
from sim.model import compiled
from sim.model.compiled import kernel
from sim.model.institutions import unanimous_level
from sim.model.mechanisms import regime_cascade
from sim.model.model import TTCModel

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def declared():
    """Kernels a test declares are dropped from the registry afterwards."""
    before = list(compiled._KERNELS)
    yield
    compiled._KERNELS[:] = before


def test_a_kernel_may_not_call_another_modules_kernel(declared):
    """numba checks a cached kernel against its own file only: a call across modules would
    keep running the other module's old code after it changed, so it is refused."""

    @kernel
    def lowest(ceilings, derogated):
        return unanimous_level(ceilings, derogated)[0]

    with pytest.raises(TypeError, match="calls unanimous_level of another module"):
        lowest(np.array([0.4, 0.2]), np.zeros(2, dtype=bool))


def test_a_kernel_without_a_writable_cache_still_compiles(declared):
    """A kernel numba cannot cache (here: code without a source file) is compiled in the
    process instead of failing."""
    namespace: dict = {}
    exec("def double(x):\n    return 2.0 * x\n", namespace)
    double = kernel(namespace["double"])
    assert double(1.5) == 3.0


def test_kernels_take_keyword_arguments(declared):
    """Before and after it compiles, a kernel is called like the function it compiles."""
    namespace: dict = {}
    exec("def listing_value(level, net):\n    return level * (2.0 * net - level)\n", namespace)
    fresh = kernel(namespace["listing_value"])
    assert fresh(level=0.5, net=0.4) == 0.5 * (2.0 * 0.4 - 0.5)
    assert regime_cascade.value_of_listing(level=0.5, net=0.4) == fresh(0.5, 0.4)


def test_a_fresh_tracks_state_prints_and_compares():
    """The cached members' lists are not part of a track's printed or compared state."""
    sc = load_scenario(ROOT / "scenarios" / "china_2022.toml")
    track = TTCModel(sc, rng=1, record=False).tracks[0]
    assert "TrackState(id=" in repr(track)
    assert track == track
