"""Temporary reader of multi-track scenario files, until the scenario layer reads them itself.

It implements the part of the scenario interface the engine reads (``tracks``, ``allies``,
``targets``, ``members``, ``sample``, ``sampled_paths``, ``expand``, ``month_index``,
``calendar``, ``shocks``, ``with_overrides``) for files with ``[tracks.*]`` sections, with the
precedence of the scenario grammar: in files a track's value beats the general one; an
override of a general key replaces it in every track; an override of a track key changes that
track only; among overrides the later wins. It validates little: the scenario layer will.
"""

from __future__ import annotations

import tomllib
import zlib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from sim.scenario import ScenarioError, member_table, parse_override, read_preferences
from sim.scenario import schema as P
from sim.scenario.constants import CONSTANTS
from sim.scenario.distributions import Distribution, DistributionError, parse
from sim.scenario.members import find_preferences
from sim.scenario.resolved import Shock, generator, month_diff

MECHANISMS = (
    "preferences",
    "perception",
    "eu_routes",
    "bargaining",
    "channel_choice",
    "supplier_assurance",
    "ratchet",
    "countermeasures",
    "agenda",
    "regime_cascade",
)
ROUTES = ("sanctions", "annex", "autonomous", "national", "art10")
TRACK_US_KEYS = tuple(f.name for f in fields(P.USParams) if f.name != "pressure")
"""The US keys a track may set (its leverage, ``us.pressure``, is shared)."""
EXTRA = {"eu.sanctions_lag": 1.0, "eu.autonomous_lag": 6.0}
PRODUCTIVITY = (0.0, 10.0)


@dataclass(frozen=True)
class TrackSpec:
    """A track: its id, kind (hard or soft), target (ISO or None), basket and EU routes."""

    id: str
    kind: str = "hard"
    target: str | None = None
    basket: str = "all"
    routes: tuple[str, ...] = ()


@dataclass
class TrackScenario:
    """A resolved multi-track scenario (general values and track values kept apart)."""

    name: str
    source: str
    start: str
    months: int
    description: str = ""
    general: dict[str, Any] = field(default_factory=dict)
    track_values: dict[str, Any] = field(default_factory=dict)
    tracks: tuple[TrackSpec, ...] = ()
    allies: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    shocks: tuple[Shock, ...] = ()
    overrides: tuple[str, ...] = ()

    @property
    def members(self) -> tuple[str, ...]:
        return member_table().iso

    @property
    def values(self) -> dict[str, Any]:
        return {**self.general, **self.track_values}

    @property
    def hard_tracks(self) -> tuple[TrackSpec, ...]:
        return tuple(t for t in self.tracks if t.kind == "hard")

    def month_index(self, ym: str) -> int:
        return month_diff(self.start, ym)

    def calendar(self, t: int) -> str:
        y, m = int(self.start[:4]), int(self.start[5:])
        k = y * 12 + (m - 1) + t
        return f"{k // 12:04d}-{k % 12 + 1:02d}"

    # ------------------------------------------------------------------ paths
    def _track_keys(self, track: str) -> list[str]:
        """Every per-track path of a hard track, in general form (``us.reach``)."""
        out = [f"us.{k}" for k in TRACK_US_KEYS]
        for who, codes in (("members", self.members), ("allies", self.allies)):
            out += [f"{who}.{c}.{k}" for c in codes for k in P.MEMBER_KEYS]
        return [*out, "target.availability"]

    def expand(self, path: str) -> list[str]:
        """The concrete paths a wildcard path names (a concrete path names itself)."""
        parts = path.split(".")
        if parts[0] == "tracks" and len(parts) >= 3:
            ids = [t.id for t in self.tracks] if parts[1] == "*" else [parts[1]]
            return [f"tracks.{i}.{p}" for i in ids for p in self.expand(".".join(parts[2:]))]
        if parts[0] in ("members", "allies") and len(parts) == 3 and parts[1] == "*":
            codes = self.members if parts[0] == "members" else self.allies
            return [f"{parts[0]}.{c}.{parts[2]}" for c in codes]
        return [path]

    def sampled_paths(self) -> list[str]:
        return sorted(p for p, v in self.resolved().items() if isinstance(v, Distribution))

    def resolved(self) -> dict[str, Any]:
        """Every concrete path with its value or distribution: general paths, then each hard
        track's copy of every per-track key (the track's value, else the general one)."""
        out = dict(self.general)
        for t in self.hard_tracks:
            for key in self._track_keys(t.id):
                path = f"tracks.{t.id}.{key}"
                out[path] = self.track_values.get(path, self.general.get(key))
        for t in self.tracks:
            if t.kind == "soft":
                out[f"tracks.{t.id}.productivity"] = self.track_values.get(f"tracks.{t.id}.productivity", 0.0)
        return out

    def sample(self, seed_seq: np.random.SeedSequence) -> dict[str, Any]:
        out = self.resolved()
        for path in sorted(p for p, v in out.items() if isinstance(v, Distribution)):
            child = np.random.SeedSequence(
                seed_seq.entropy, spawn_key=(*seed_seq.spawn_key, zlib.crc32(path.encode()))
            )
            out[path] = out[path].sample(generator(child))
        return out

    # ------------------------------------------------------------------ overrides
    def with_overrides(self, overrides: tuple[str, ...] | list[str]) -> TrackScenario:
        return self.with_values([parse_override(o) for o in overrides], "--set", tuple(overrides))

    def with_values(
        self, pairs: list[tuple[str, Any]], source: str = "--set", texts: tuple[str, ...] = ()
    ) -> TrackScenario:
        new = replace(
            self,
            general=dict(self.general),
            track_values=dict(self.track_values),
            overrides=(*self.overrides, *texts),
        )
        for path, value in pairs:
            _override(new, source, path, value)
        return new


def _bounds(path: str) -> tuple[float, float]:
    parts = path.split(".")
    if parts[0] == "tracks":
        if parts[-1] == "productivity":
            return PRODUCTIVITY
        parts = parts[2:]
    if parts[0] == "constants":
        c = CONSTANTS[parts[1]]
        return c.low, c.high
    if parts[0] in ("members", "allies"):
        return P.value_range("members", parts[-1])
    if parts[0] == "targets" or parts[0] == "target":
        return P.UNIT
    if ".".join(parts) in EXTRA:
        return P.MONTHS
    return P.value_range(parts[0], parts[1])


def _value(source: str, path: str, value: Any) -> Any:
    if isinstance(value, dict):
        try:
            return parse(value, _bounds(path))
        except DistributionError as e:
            raise ScenarioError(source, path, str(e)) from None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        lo, hi = _bounds(path)
        if not lo <= value <= hi:
            raise ScenarioError(source, path, f"{value} outside [{lo}, {hi}]")
        return float(value)
    return value


def _override(sc: TrackScenario, source: str, path: str, value: Any) -> None:
    """An override: a general key replaces every track copy; a track key changes one track."""
    parts = path.split(".")
    if path == "target.availability":
        for t in sc.hard_tracks:
            sc.track_values[f"tracks.{t.id}.target.availability"] = _value(source, path, value)
        return
    if path == "target.retaliation":
        for iso in sc.targets:
            sc.general[f"targets.{iso}.retaliation"] = _value(source, path, value)
        return
    if parts[0] == "tracks" and len(parts) == 3 and parts[2] == "routes":
        bad = [r for r in value if r not in ROUTES]
        if bad:
            raise ScenarioError(source, path, f"unknown route {bad[0]!r}; routes: {', '.join(ROUTES)}")
        sc.tracks = tuple(
            replace(t, routes=tuple(r for r in ROUTES if r in value)) if t.id == parts[1] else t
            for t in sc.tracks
        )
        return
    for concrete in sc.expand(path):
        v = _value(source, concrete, value)
        if concrete.startswith("tracks."):
            sc.track_values[concrete] = v
        else:
            sc.general[concrete] = v
            suffix = f".{concrete}"
            for k in [
                k for k in sc.track_values if k.endswith(suffix) and k.count(".") == concrete.count(".") + 2
            ]:
                del sc.track_values[k]


# ---------------------------------------------------------------------- files
def is_track_file(path: str | Path) -> bool:
    """Whether a scenario file declares tracks (so this reader, not the version-1 loader, reads it)."""
    try:
        with open(path, "rb") as fh:
            return "tracks" in tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError):
        return False


def _rows(path: Path, ref: str, codes: tuple[str, ...], source: str) -> dict[str, dict[str, float]]:
    p = find_preferences(path, ref)
    if p is None:
        raise ScenarioError(source, "preferences", f"file {ref!r} not found")
    return read_preferences(p, codes, source, "preferences")


def load(path: str | Path, overrides: tuple[str, ...] | list[str] = ()) -> TrackScenario:
    """A multi-track scenario file, then ``overrides`` in order."""
    path = Path(path)
    source = str(path)
    with open(path, "rb") as fh:
        doc = tomllib.load(fh)
    head = doc.get("scenario", {})
    start = head["start"]
    months = int(head["months"]) if "months" in head else month_diff(start, head["end"]) + 1
    sc = TrackScenario(
        name=head.get("name", path.stem),
        source=source,
        start=start,
        months=months,
        description=head.get("description", ""),
    )
    members = sc.members
    g = sc.general
    g.update(P.defaults())
    g.update(EXTRA)
    g.update({f"mechanisms.{m}": True for m in MECHANISMS})
    g.update({f"constants.{k}": c.default for k, c in CONSTANTS.items()})
    sc.allies = tuple(sorted(doc.get("allies", {})))
    sc.targets = tuple(sorted(doc.get("targets", {})))
    for code in (*members, *sc.allies):
        who = "members" if code in members else "allies"
        for k, v in P.member_defaults().items():
            g[f"{who}.{code}.{k}"] = v
    for iso in sc.targets:
        g[f"targets.{iso}.retaliation"] = P.TargetParams().retaliation
    for name in ("us", "commission", "eu", "ttc", "mechanisms", "constants"):
        for k, v in doc.get(name, {}).items():
            g[f"{name}.{k}"] = _value(source, f"{name}.{k}", tuple(v) if isinstance(v, list) else v)
    gm = doc.get("members", {})
    if "preferences" in gm:
        for code, vals in _rows(path, gm["preferences"], members, source).items():
            g.update({f"members.{code}.{k}": v for k, v in vals.items()})
    for who, table in (("members", gm), ("allies", doc.get("allies", {}))):
        for code, vals in table.items():
            if isinstance(vals, dict):
                g.update(
                    {f"{who}.{code}.{k}": _value(source, f"{who}.{code}.{k}", v) for k, v in vals.items()}
                )
    for iso, vals in doc.get("targets", {}).items():
        g.update({f"targets.{iso}.{k}": _value(source, f"targets.{iso}.{k}", v) for k, v in vals.items()})
    specs = []
    for tid, t in sorted(doc["tracks"].items()):
        kind = t.get("kind", "hard")
        specs.append(
            TrackSpec(
                tid,
                kind,
                t.get("target") or None,
                t.get("basket", "all"),
                tuple(r for r in ROUTES if r in t.get("routes", [])),
            )
        )
        pre = f"tracks.{tid}"
        tv = sc.track_values
        if "productivity" in t:
            tv[f"{pre}.productivity"] = _value(source, f"{pre}.productivity", t["productivity"])
        for k, v in t.get("us", {}).items():
            tv[f"{pre}.us.{k}"] = _value(source, f"{pre}.us.{k}", v)
        for k, v in t.get("target", {}).items() if isinstance(t.get("target"), dict) else ():
            tv[f"{pre}.target.{k}"] = _value(source, f"{pre}.target.{k}", v)
        if isinstance(t.get("availability"), (int, float, dict)):
            tv[f"{pre}.target.availability"] = _value(source, f"{pre}.target.availability", t["availability"])
        tm = t.get("members", {})
        if "preferences" in tm:
            for code, vals in _rows(path, tm["preferences"], (*members, *sc.allies), source).items():
                who = "members" if code in members else "allies"
                tv.update({f"{pre}.{who}.{code}.{k}": v for k, v in vals.items()})
        for who, table in (("members", tm), ("allies", t.get("allies", {}))):
            for code, vals in table.items():
                if isinstance(vals, dict):
                    tv.update(
                        {
                            f"{pre}.{who}.{code}.{k}": _value(source, f"{pre}.{who}.{code}.{k}", v)
                            for k, v in vals.items()
                        }
                    )
    sc.tracks = tuple(specs)
    sc.shocks = tuple(Shock(s["month"], s["path"], float(s["delta"])) for s in doc.get("shocks", []))
    return sc.with_overrides(list(overrides)) if overrides else sc
