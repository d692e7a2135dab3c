"""Tracks: the several things one TTC works on at once, each declared by a scenario file.

A track is declared by a ``[tracks.<id>]`` table (ids are ``[a-z][a-z0-9_]*``). A **hard**
track (the default kind) is a set of export controls: the ``target`` state it aims at (the ISO
code of a ``[targets.<ISO2>]`` section, or ``""`` for a country-neutral track), its
``basket`` (a segment of ``sim/data/v2_supply_shares.csv``) and the European ``routes`` that
can carry it. A **soft** track is governance without controls (AI terms, evaluation tools):
its only key is ``productivity``. Both are stored in a scenario's values under
``tracks.<id>.<key>``, so they are overridable paths like any other (except ``kind``).

This module holds the track's own keys; the per-track parameters of actors
(``tracks.<id>.us.reach``, ...) are paths like the general ones (:mod:`sim.scenario.values`).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from sim.messages import show
from sim.scenario import schema as P
from sim.scenario.errors import ScenarioError
from sim.scenario.files import DATA_DIR

if TYPE_CHECKING:
    from sim.scenario.resolved import Scenario

TRACK_ID_RE = re.compile(r"[a-z][a-z0-9_]*")
"""A track's id (use with ``fullmatch``): it appears in paths and outcome fields."""
ISO_RE = re.compile(r"[A-Z]{2}")
"""An ISO 3166 alpha-2 code (use with ``fullmatch``), as an ally or a target is named."""
STRUCTURE_KEYS = ("kind", "target", "basket", "routes")
"""A track's own keys besides the soft track's parameters."""
ACTOR_SECTIONS = ("us", "members", "allies", "target")
"""The actor sections a hard track may hold (``[tracks.<id>.us]``, ...)."""
TABLE_KEYS = (*STRUCTURE_KEYS, *P.section_keys("soft"), *ACTOR_SECTIONS)
"""Every key a ``[tracks.<id>]`` table may hold. ``target`` is a string or a table: TOML
cannot hold both ``target = "CN"`` and a ``[tracks.<id>.target]`` table, so a track that sets
``availability`` in its file names its target as ``iso`` in that table."""
SUPPLY_FILE = DATA_DIR / "v2_supply_shares.csv"


@dataclass(frozen=True)
class TrackSpec:
    """One declared track as the engine reads it: ``target`` is None for a track without a
    target (and for a soft track), ``routes`` is in the canonical order of
    :data:`~sim.scenario.schema.ROUTES`; a soft track has no basket (``""``) and no routes."""

    id: str
    kind: str
    target: str | None
    basket: str
    routes: tuple[str, ...]


@cache
def segments() -> dict[str, tuple[str, ...]]:
    """The supply data's segments by track id (``v2_supply_shares.csv``), each sorted."""
    with open(SUPPLY_FILE, newline="", encoding="utf-8") as fh:
        pairs = {(row["track"], row["segment"]) for row in csv.DictReader(fh)}
    out: dict[str, set[str]] = {}
    for track, segment in pairs:
        out.setdefault(track, set()).add(segment)
    return {track: tuple(sorted(s)) for track, s in sorted(out.items())}


def track_segments(track: str) -> tuple[str, ...]:
    """The baskets a track may name: every segment of the supply data, whatever the track is
    called (the model reads supply by segment, never by a track's id, so a track built with
    another's basket follows the basket)."""
    return tuple(sorted({s for ss in segments().values() for s in ss}))


def track_ids(sc: Scenario, kind: str = "") -> tuple[str, ...]:
    """The ids of the tracks ``sc`` declares (of one ``kind`` when given), sorted."""
    out = []
    for path, value in sc.values.items():
        parts = path.split(".")
        if len(parts) == 3 and parts[0] == "tracks" and parts[2] == "kind" and (not kind or value == kind):
            out.append(parts[1])
    return tuple(sorted(out))


def spec_of(sc: Scenario, track: str) -> TrackSpec:
    """The :class:`TrackSpec` of a declared track (the general ``members.basket`` stands for a
    hard track's basket when the track names none)."""
    v = sc.values
    kind = v[f"tracks.{track}.kind"]
    if kind == "soft":
        return TrackSpec(track, kind, None, "", ())
    target = v.get(f"tracks.{track}.target", "")
    basket = v.get(f"tracks.{track}.basket", sc.basket)
    return TrackSpec(track, kind, target or None, basket, tuple(v.get(f"tracks.{track}.routes", ())))


def declare(sc: Scenario, source: str, track: str, kind: Any = None) -> None:
    """Declare ``track`` in ``sc`` (a file's ``[tracks.<id>]``), of ``kind`` (``hard`` when
    neither given nor declared before); a soft track starts with its parameters' defaults."""
    where = f"tracks.{track}"
    if not TRACK_ID_RE.fullmatch(track):
        raise ScenarioError(
            source,
            where,
            f"malformed track id {show(track)}: a lower-case letter, then lower-case letters, digits or '_'",
        )
    from sim.scenario.values import choice

    known = sc.values.get(f"{where}.kind")
    kind = choice(source, f"{where}.kind", kind, P.TRACK_KINDS) if kind is not None else known or "hard"
    sc.values[f"{where}.kind"] = kind
    if kind == "soft" and known != "soft":
        for key in P.section_keys("soft"):
            sc.values[f"{where}.{key}"] = P.spec("soft", key).default


def set_structure(sc: Scenario, source: str, path: str, track: str, key: str, value: Any) -> None:
    """Store a track's own ``key`` (``target``, ``basket`` or ``routes``), checked."""
    from sim.scenario.values import choice, unknown

    if sc.values[f"tracks.{track}.kind"] == "soft":
        raise ScenarioError(source, path, f"a soft track has no {key} (its only key is productivity)")
    if key == "target":
        if not isinstance(value, str):
            raise ScenarioError(
                source, path, f"must be the ISO2 code of a declared target, or '' (got {show(value)})"
            )
        if value and value not in sc.targets:
            declared = f"declared: {' '.join(sc.targets)}" if sc.targets else "none declared"
            raise unknown(
                source,
                path,
                f"{show(value)} is not a declared target (declare it with [targets.{value}])",
                value,
                sc.targets,
                "",
                declared,
            )
        sc.values[path] = value
    elif key == "basket":
        sc.values[path] = choice(source, path, value, track_segments(track))
    else:
        sc.values[path] = routes(source, path, value)


def routes(source: str, path: str, value: Any) -> tuple[str, ...]:
    """A list of routes as stored: each known, none twice, in canonical order."""
    from sim.scenario.values import unknown

    if not isinstance(value, list) or not all(isinstance(r, str) for r in value):
        raise ScenarioError(
            source, path, f"must be a list of routes from {', '.join(P.ROUTES)} (got {show(value)})"
        )
    for i, r in enumerate(value):
        if r not in P.ROUTES:
            raise unknown(
                source,
                f"{path}[{i}]",
                f"unknown route {show(r)}",
                r,
                P.ROUTES,
                "",
                f"expected one of {', '.join(P.ROUTES)}",
            )
        if r in value[:i]:
            raise ScenarioError(source, f"{path}[{i}]", f"route {show(r)} listed twice")
    return tuple(r for r in P.ROUTES if r in value)


def check_complete(sc: Scenario, source: str) -> None:
    """Refuse a track the files leave incomplete: a hard track needs a target (``""`` for
    none), routes and a basket (its own, or ``members.basket``) among its segments; a soft
    track holds no actor parameter. A file without any track (version 1) is refused."""
    if not track_ids(sc):
        raise ScenarioError(
            source,
            "tracks",
            "no track declared: declare one as [tracks.<id>] with target, basket and routes "
            '(e.g. [tracks.china_sme] target = "CN", basket = "all", routes = ["annex", "national"])',
        )
    for track in track_ids(sc):
        where = f"tracks.{track}"
        if sc.values[f"{where}.kind"] == "soft":
            for path in sc.values:
                if path.startswith(f"{where}.") and path.split(".")[2] in ACTOR_SECTIONS:
                    raise ScenarioError(
                        source, path, "a soft track has no actor parameters (its only key is productivity)"
                    )
            continue
        for key in ("target", "routes"):
            if f"{where}.{key}" not in sc.values:
                raise ScenarioError(source, f"{where}.{key}", _missing(key))
        if f"{where}.basket" not in sc.values and sc.basket not in track_segments(track):
            raise ScenarioError(
                source,
                f"{where}.basket",
                f"missing: a hard track names its basket, one of {', '.join(track_segments(track))}",
            )


def _missing(key: str) -> str:
    if key == "target":
        return "missing: a hard track names its target (the ISO2 of a [targets.*] section, or '' for none)"
    return f"missing: a hard track lists its routes, from {', '.join(P.ROUTES)} (or [] for none)"
