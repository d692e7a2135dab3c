"""The resolved scenario: every parameter path with its value, the shocks, and the calendar."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from sim.scenario.distributions import Distribution
from sim.scenario.members import member_table
from sim.scenario.overrides import SOURCE, parse_override
from sim.scenario.values import set_path


@dataclass(frozen=True)
class Shock:
    """At calendar ``month``, add ``delta`` to the parameter at ``path`` (clipped to range)."""

    month: str
    path: str
    delta: float


@dataclass
class Scenario:
    """A resolved scenario: every parameter path with a number, distribution or setting.

    ``values`` maps concrete paths (``us.threat``, ``members.NL.exposure``) to values. It
    pickles, so process pools and cluster workers can receive it.
    """

    name: str
    source: str
    start: str
    months: int
    description: str = ""
    basket: str = "dual_use"
    preferences: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    shocks: tuple[Shock, ...] = ()
    overrides: tuple[str, ...] = ()

    @property
    def members(self) -> tuple[str, ...]:
        return member_table().iso

    def sampled_paths(self) -> list[str]:
        """Paths whose value is a distribution (sampled once per run), in canonical order."""
        return sorted(p for p, v in self.values.items() if isinstance(v, Distribution))

    def sample(self, seed_seq: np.random.SeedSequence) -> dict[str, Any]:
        """Concrete values for one run. Each sampled path draws from its own child stream,
        keyed by the path's name, so adding or fixing one parameter never shifts another's
        draw (common random numbers across counterfactuals)."""
        out = dict(self.values)
        for path in self.sampled_paths():
            child = np.random.SeedSequence(
                seed_seq.entropy, spawn_key=(*seed_seq.spawn_key, zlib.crc32(path.encode()))
            )
            out[path] = self.values[path].sample(generator(child))
        return out

    def with_overrides(self, overrides: tuple[str, ...] | list[str]) -> Scenario:
        """A copy with ``PATH=VALUE`` overrides applied after everything else."""
        return self.with_values([parse_override(text) for text in overrides], SOURCE, tuple(overrides))

    def with_values(
        self, pairs: list[tuple[str, Any]], source: str = SOURCE, texts: tuple[str, ...] = ()
    ) -> Scenario:
        """A copy with (path, value) pairs applied in order; ``source`` names them in errors."""
        new = replace(self, values=dict(self.values), overrides=(*self.overrides, *texts))
        for path, value in pairs:
            set_path(new, source, path, value)
        return new

    def month_index(self, ym: str) -> int:
        return month_diff(self.start, ym)

    def calendar(self, t: int) -> str:
        y, m = int(self.start[:4]), int(self.start[5:])
        k = y * 12 + (m - 1) + t
        return f"{k // 12:04d}-{k % 12 + 1:02d}"


def generator(seed_seq: np.random.SeedSequence) -> np.random.Generator:
    """``numpy.random.default_rng(seed_seq)`` without its per-call overhead (same stream)."""
    return np.random.Generator(np.random.PCG64(seed_seq))


def month_diff(a: str, b: str) -> int:
    """Months from ``a`` to ``b`` (both YYYY-MM)."""
    return (int(b[:4]) - int(a[:4])) * 12 + int(b[5:]) - int(a[5:])


def swap_parameters(own: Scenario, other: Scenario) -> Scenario:
    """``own`` rebuilt with ``other``'s parameters, shocks and preference table, keeping only
    its own name, start, horizon and ministerial calendar (the swap test of the stylized facts).
    Shocks keep their calendar months; one falling outside ``own``'s horizon is dropped."""
    values = dict(other.values)
    values["ttc.ministerials"] = own.values["ttc.ministerials"]
    shocks = tuple(s for s in other.shocks if 0 <= month_diff(own.start, s.month) < own.months)
    return replace(
        other,
        name=own.name,
        source=f"{own.source} with the parameters of {other.source}",
        start=own.start,
        months=own.months,
        values=values,
        shocks=shocks,
    )
