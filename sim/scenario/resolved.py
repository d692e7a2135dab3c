"""The resolved scenario: every parameter path with its value, the shocks, and the calendar."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import numpy as np

from sim.scenario import schema as P
from sim.scenario.distributions import Distribution
from sim.scenario.members import member_table
from sim.scenario.overrides import SOURCE, parse_override
from sim.scenario.tracks import TrackSpec, spec_of, track_ids
from sim.scenario.values import expand_path, numeric_path, set_path

T = TypeVar("T")


@dataclass(frozen=True)
class Shock:
    """At calendar ``month``, add ``delta`` to the parameter at ``path`` (clipped to range)."""

    month: str
    path: str
    delta: float


@dataclass
class Scenario:
    """A resolved scenario: every parameter path with a number, distribution or setting.

    ``values`` maps concrete paths (``us.threat``, ``members.NL.exposure``) to values: every
    general path, and the per-track paths (``tracks.<id>.us.reach``) that a file or an
    override set; :meth:`sample` fills in the rest. ``ally_codes`` and ``target_codes`` are
    the allies and targets the files declare. It pickles, so process pools and cluster
    workers can receive it.

    A resolved scenario is not changed in place (overrides make a copy): what follows from
    its values alone (its tracks, its sampled paths) is worked out once, in :meth:`derived`,
    not once per run.
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
    ally_codes: tuple[str, ...] = ()
    target_codes: tuple[str, ...] = ()

    @property
    def members(self) -> tuple[str, ...]:
        return member_table().iso

    @property
    def allies(self) -> tuple[str, ...]:
        """The allies outside the EU the scenario declares (``[allies.<ISO2>]``), sorted."""
        return tuple(sorted(self.ally_codes))

    @property
    def targets(self) -> tuple[str, ...]:
        """The target states the scenario declares (``[targets.<ISO2>]``), sorted."""
        return tuple(sorted(self.target_codes))

    @property
    def tracks(self) -> tuple[TrackSpec, ...]:
        """The declared tracks, sorted by id (none in a one-track version-1 file)."""
        return self.derived("tracks", lambda: tuple(spec_of(self, t) for t in track_ids(self)))

    def derived(self, name: str, compute: Callable[[], T]) -> T:
        """``compute()``, kept with the scenario under ``name``: a fact that follows from the
        scenario alone is computed once. Values, shocks, allies or targets assigned anew, a
        value added, or another start or horizon drop what was kept."""
        state = (len(self.values), self.shocks, self.ally_codes, self.target_codes, self.start, self.months)
        kept = self.__dict__.get("_derived")
        if kept is None or kept[0] is not self.values or kept[1] != state:
            kept = self.__dict__["_derived"] = (self.values, state, {})
        facts: dict[str, Any] = kept[2]
        if name not in facts:
            facts[name] = compute()
        return facts[name]

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without what :meth:`derived` keeps (a worker works it out again)."""
        state = dict(self.__dict__)
        state.pop("_derived", None)
        return state

    def expand(self, path: str) -> list[str]:
        """The concrete paths a value at ``path`` moves (for a shock): a wildcard names one per
        member, declared ally or target, or hard track; a general key (``us.threat``,
        ``members.NL.threat``, ``target.availability``, ``target.retaliation``) names itself
        and the same key in every hard track or declared target, which :meth:`sample` resolves
        separately. A ScenarioError for a path that names no numeric parameter here."""
        numeric_path("shocks", path, sc=self)
        return expand_path(self, "shocks", path)

    def sampled_paths(self) -> list[str]:
        """Paths whose value is a distribution (sampled once per run), in canonical order."""
        return sorted(p for p, v in self.values.items() if isinstance(v, Distribution))

    def sample(self, seed_seq: np.random.SeedSequence) -> dict[str, Any]:
        """Concrete values for one run: every path of :attr:`values`, and for every hard track
        every per-track path (``tracks.<id>.us.<k>``, ``tracks.<id>.members.<ISO2>.<k>``,
        ``tracks.<id>.allies.<ISO2>.<k>``, ``tracks.<id>.target.availability``) and for every
        declared target ``targets.<ISO2>.retaliation``, resolved (see :meth:`_resolve_tracks`).
        Each sampled path draws from its own child stream, keyed by the path's name, so adding
        or fixing one parameter never shifts another's draw (common random numbers across
        counterfactuals)."""
        out = dict(self.values)
        for path in self.derived("sampled_paths", self.sampled_paths):
            child = np.random.SeedSequence(
                seed_seq.entropy, spawn_key=(*seed_seq.spawn_key, zlib.crc32(path.encode()))
            )
            out[path] = self.values[path].sample(generator(child))
        self._resolve_tracks(out)
        return out

    def _resolve_tracks(self, out: dict[str, Any]) -> None:
        """Give every hard track every per-track path, and every declared target its
        retaliation: the track's (target's) own value, else the general one (which holds the
        schema default when nothing set it). A drawn general value is one draw for all."""
        for own, general in self.derived("general_paths", self._general_paths):
            out[own] = out[general]

    def _general_paths(self) -> list[tuple[str, str]]:
        """(own path, general path) for every per-track path of every hard track and every
        declared target's keys that the scenario does not set itself, in the order
        :meth:`_resolve_tracks` fills them in."""
        hard = track_ids(self, "hard")
        pairs = []
        if hard:
            general = [f"us.{k}" for k in P.TRACK_US_KEYS]
            general += [
                f"{group}.{code}.{k}"
                for group, codes in (("members", self.members), ("allies", self.allies))
                for code in codes
                for k in P.MEMBER_KEYS
            ]
            general += [f"target.{k}" for k in P.TRACK_TARGET_KEYS]
            for track in hard:
                for path in general:
                    pairs.append((f"tracks.{track}.{path}", path))
        for code in self.targets:
            for key in P.TARGET_KEYS:
                pairs.append((f"targets.{code}.{key}", f"target.{key}"))
        return [(own, general) for own, general in pairs if own not in self.values]

    def with_overrides(self, overrides: tuple[str, ...] | list[str]) -> Scenario:
        """A copy with ``PATH=VALUE`` overrides applied after everything else."""
        return self.with_values([parse_override(text) for text in overrides], SOURCE, tuple(overrides))

    def with_values(
        self, pairs: list[tuple[str, Any]], source: str = SOURCE, texts: tuple[str, ...] = ()
    ) -> Scenario:
        """A copy with (path, value) pairs applied in order; ``source`` names them in errors."""
        new = replace(self, values=dict(self.values), overrides=(*self.overrides, *texts))
        for path, value in pairs:
            set_path(new, source, path, value, override=True)
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
