"""Scenario files: reading, ``extends``, precedence and validation.

A scenario is a TOML file (see ``scenarios/`` and the README). Resolution order, later wins:

1. the parameter defaults of :mod:`sim.scenario.schema`;
2. the scenario named by ``scenario.extends`` (resolved the same way, recursively);
3. this file: ``[mechanisms]`` and ``[constants]``; ``[allies.<ISO2>]`` and
   ``[targets.<ISO2>]``, which declare those actors; ``[tracks.<id>]``, which declare the
   tracks; the sections; ``members.preferences`` (the CSV of per-member defaults), then
   ``[members."*"]``, then ``[members.<ISO2>]``; then each track's actor sections (its
   preferences CSV, ``members."*"``, ``members.<ISO2>``, ``allies.<ISO2>``, ``us``,
   ``target``); ``[[shocks]]`` replaces the base's list;
4. overrides ``PATH=VALUE`` in the order given, whatever their specificity
   (``members.*.threat=0.9`` sets all 27 members).

General and per-track values are kept apart through steps 2 and 3, so the files form one
layer: a child's track value beats its base's, a child's general value beats its base's, and
in that layer a track's value beats the general one (``us.reach`` holds for every track that
sets no ``tracks.<id>.us.reach``, in whichever file either is). An override of a general key
then replaces it in every track; an override of a track key changes that track only.

Every problem raises :class:`ScenarioError` naming the file, the key path and the problem,
with the closest known names when a name is unknown. An ``extends`` chain is at most
:data:`MAX_EXTENDS_DEPTH` files deep; the files themselves are read within the limits of
:mod:`sim.scenario.files`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from sim.messages import show
from sim.scenario import schema as P
from sim.scenario.distributions import is_finite_number
from sim.scenario.errors import ScenarioError
from sim.scenario.files import DATA_DIR, parse_toml, read_text
from sim.scenario.members import find_preferences, read_preferences
from sim.scenario.resolved import Scenario, Shock, month_diff
from sim.scenario.tracks import ISO_RE, TABLE_KEYS, check_complete, declare
from sim.scenario.values import apply_member_rows, month, numeric_path, set_path, unknown

SECTIONS = ("scenario", *P.SECTIONS, "members", "shocks", *P.EXTRA_FIELDS, "allies", "targets", "tracks")
"""The top-level tables of a scenario file."""
SHOCK_KEYS = ("month", "path", "delta")
MAX_EXTENDS_DEPTH = 32  # files in one chain of extends (the shipped counterfactuals use 1)


def load_scenario(path: str | Path, overrides: tuple[str, ...] | list[str] = ()) -> Scenario:
    """Load, validate and resolve a scenario file, then apply overrides in order."""
    sc = _resolve(Path(path), ())
    check_complete(sc, str(path))
    return sc.with_overrides(tuple(overrides)) if overrides else sc


def _resolve(path: Path, stack: tuple[Path, ...], referrer: str = "") -> Scenario:
    """The scenario in ``path``; ``stack`` holds the files that extend it (innermost last),
    ``referrer`` the one that named it."""
    source = str(path)
    doc = parse_toml(read_text(path, referrer, "scenario.extends"), source)
    real = path.resolve()  # safe now: the file was just read
    if real in stack:
        chain = " -> ".join(str(p) for p in (*stack, real))
        raise ScenarioError(referrer, "scenario.extends", f"cycle: {chain}")
    _known_keys(source, "", doc, SECTIONS, "unknown section", f"expected one of {', '.join(SECTIONS)}")
    head = _table(source, "scenario", doc.get("scenario", {}))
    _known_keys(source, "scenario.", head, P.SCENARIO_KEYS, "unknown key")

    if "extends" in head:
        base_ref = head["extends"]
        if not isinstance(base_ref, str):
            raise ScenarioError(source, "scenario.extends", "must be a path string")
        if len(stack) >= MAX_EXTENDS_DEPTH:
            raise ScenarioError(
                source, "scenario.extends", f"a chain of extends more than {MAX_EXTENDS_DEPTH} files deep"
            )
        base_path = (path.parent / base_ref) if not Path(base_ref).is_absolute() else Path(base_ref)
        sc = _resolve(base_path, (*stack, real), source)
        sc = replace(sc, values=dict(sc.values), source=source)
    else:
        for key in ("start", "months"):
            if key not in head:
                raise ScenarioError(
                    source, f"scenario.{key}", "missing (required unless the file extends another)"
                )
        sc = Scenario(name=path.stem, source=source, start="", months=0, values=P.defaults())
        apply_member_rows(sc, {iso: P.member_defaults() for iso in sc.members})

    sc.name = path.stem
    for key in P.OVERRIDABLE_SCENARIO_KEYS:
        if key in head:
            set_path(sc, source, f"scenario.{key}", head[key])
    for section in P.EXTRA_FIELDS:
        for key, value in _table(source, section, doc.get(section, {})).items():
            set_path(sc, source, f"{section}.{key}", value)
    _declare_actors(sc, source, doc)
    tracks = _table(source, "tracks", doc.get("tracks", {}))
    _declare_tracks(sc, source, tracks)
    for section in P.SECTIONS:
        for key, value in _table(source, section, doc.get(section, {})).items():
            set_path(sc, source, f"{section}.{key}", value)
    if "members" in doc:
        _apply_members(sc, source, path, doc["members"])
    for track in sorted(tracks):
        _apply_track_actors(sc, source, path, track, tracks[track])
    sc.shocks = _parse_shocks(source, doc["shocks"], sc) if "shocks" in doc else tuple(sc.shocks)
    for s in sc.shocks:
        if not 0 <= month_diff(sc.start, s.month) < sc.months:
            raise ScenarioError(
                source,
                "shocks",
                f"shock month {s.month} lies outside the horizon {sc.start} + {sc.months} months",
            )
    return sc


def _table(source: str, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ScenarioError(source, key, f"must be a table (got {type(value).__name__})")
    return value


def _known_keys(
    source: str, prefix: str, table: dict[str, Any], known: tuple[str, ...], problem: str, otherwise: str = ""
) -> None:
    """Refuse the first key of ``table`` (at ``prefix``) that is none of ``known``; the closest
    known names are suggested as written in the file (``scenario.`` keys by their path)."""
    for key in table:
        if key not in known:
            hint_prefix = prefix if prefix == "scenario." else ""
            raise unknown(source, prefix + key, problem, key, known, hint_prefix, otherwise)


def _apply_members(sc: Scenario, source: str, path: Path, table: Any) -> None:
    _table(source, "members", table)
    known = (*sc.members, "*", *P.MEMBERS_FILE_KEYS)
    expected = f"expected one of {' '.join(sc.members)}, '*', {', '.join(sorted(P.MEMBERS_FILE_KEYS))}"
    _known_keys(source, "members.", table, known, "unknown member code or key", expected)
    if "basket" in table:
        set_path(sc, source, "members.basket", table["basket"])
    if "preferences" in table:
        csv_path = _preferences_file(source, path, "members.preferences", table["preferences"])
        sc.preferences = str(csv_path)
        apply_member_rows(sc, read_preferences(csv_path, sc.members, source, "members.preferences"))
    for code in ("*", *sorted(k for k in table if k in sc.members)):
        if code in table:
            for key, value in _table(source, f"members.{code}", table[code]).items():
                set_path(sc, source, f"members.{code}.{key}", value)


def _declare_actors(sc: Scenario, source: str, doc: dict[str, Any]) -> None:
    """``[allies.<ISO2>]`` and ``[targets.<ISO2>]``: declare each actor (an ally starts from
    the member defaults) and set its keys."""
    for group in ("allies", "targets"):
        table = _table(source, group, doc.get(group, {}))
        for code in sorted(table):
            where = f"{group}.{code}"
            if not ISO_RE.fullmatch(code):
                raise ScenarioError(
                    source, where, f"{show(code)} is no ISO2 code (two capital letters, e.g. JP)"
                )
            if group == "allies" and code in sc.members:
                raise ScenarioError(source, where, f"{code} is a member state: set members.{code}")
            values = _table(source, where, table[code])
            if group == "allies" and code not in sc.ally_codes:
                sc.ally_codes = (*sc.ally_codes, code)
                apply_member_rows(sc, {code: P.member_defaults()}, group)
            elif group == "targets" and code not in sc.target_codes:
                sc.target_codes = (*sc.target_codes, code)
            for key, value in values.items():
                set_path(sc, source, f"{where}.{key}", value)


def _declare_tracks(sc: Scenario, source: str, tracks: dict[str, Any]) -> None:
    """``[tracks.<id>]``: declare each track with its kind, then its own keys (``target`` as
    a string, or as ``iso`` in a ``[tracks.<id>.target]`` table)."""
    for track in sorted(tracks):
        where = f"tracks.{track}"
        table = _table(source, where, tracks[track])
        _known_keys(
            source, f"{where}.", table, TABLE_KEYS, "unknown key", f"expected one of {', '.join(TABLE_KEYS)}"
        )
        declare(sc, source, track, table.get("kind"))
        target = table.get("target")
        if isinstance(target, dict):
            target = target.get("iso")
        if target is not None:
            set_path(sc, source, f"{where}.target", target)
        for key in ("basket", "routes", *P.section_keys("soft")):
            if key in table:
                set_path(sc, source, f"{where}.{key}", table[key])


def _apply_track_actors(sc: Scenario, source: str, path: Path, track: str, table: dict[str, Any]) -> None:
    """A track's actor sections, in order: its preferences CSV (rows for members and allies),
    ``members."*"``, ``members.<ISO2>``, ``allies."*"``, ``allies.<ISO2>``, ``us``, ``target``."""
    where = f"tracks.{track}"
    members = _table(source, f"{where}.members", table.get("members", {}))
    known = (*sc.members, "*", "preferences")
    _known_keys(
        source,
        f"{where}.members.",
        members,
        known,
        "unknown member code or key",
        "expected an ISO2 code, '*' or preferences",
    )
    if "preferences" in members:
        key = f"{where}.members.preferences"
        if sc.values[f"{where}.kind"] == "soft":
            raise ScenarioError(
                source, key, "a soft track has no actor parameters (its only key is productivity)"
            )
        csv_path = _preferences_file(source, path, key, members["preferences"])
        rows = read_preferences(csv_path, sc.members, source, key, sc.allies)
        apply_member_rows(sc, {c: v for c, v in rows.items() if c in sc.members}, f"{where}.members")
        apply_member_rows(sc, {c: v for c, v in rows.items() if c not in sc.members}, f"{where}.allies")
    allies = _table(source, f"{where}.allies", table.get("allies", {}))
    for group, codes in (("members", members), ("allies", allies)):
        for code in ("*", *sorted(c for c in codes if c not in ("*", "preferences"))):
            if code in codes:
                for key, value in _table(source, f"{where}.{group}.{code}", codes[code]).items():
                    set_path(sc, source, f"{where}.{group}.{code}.{key}", value)
    for key, value in _table(source, f"{where}.us", table.get("us", {})).items():
        set_path(sc, source, f"{where}.us.{key}", value)
    target = table.get("target")
    if isinstance(target, dict):
        for key, value in target.items():
            if key != "iso":
                set_path(sc, source, f"{where}.target.{key}", value)


def _preferences_file(source: str, path: Path, key: str, ref: Any) -> Path:
    """The preferences CSV a file names at ``key``: next to the file, else shipped."""
    if not isinstance(ref, str):
        raise ScenarioError(source, key, "must be a path string")
    csv_path = find_preferences(path, ref)
    if csv_path is None:
        raise ScenarioError(
            source, key, f"file {show(ref)} not found (next to the scenario or in {DATA_DIR})"
        )
    return csv_path


def _parse_shocks(source: str, shocks: Any, sc: Scenario | None = None) -> tuple[Shock, ...]:
    if not isinstance(shocks, list):
        raise ScenarioError(source, "shocks", "must be an array of tables ([[shocks]])")
    out = []
    for i, s in enumerate(shocks):
        where = f"shocks[{i}]"
        _known_keys(
            source,
            f"{where}.",
            _table(source, where, s),
            SHOCK_KEYS,
            "unknown key",
            "expected month, path, delta",
        )
        for key in SHOCK_KEYS:
            if key not in s:
                raise ScenarioError(source, f"{where}.{key}", "missing")
        shock_month = month(source, f"{where}.month", s["month"])
        if not isinstance(s["path"], str):
            raise ScenarioError(source, f"{where}.path", "must be a string")
        numeric_path(source, s["path"], f"{where}.path", sc)
        if not is_finite_number(s["delta"]):
            raise ScenarioError(source, f"{where}.delta", f"must be a finite number (got {show(s['delta'])})")
        out.append(Shock(shock_month, s["path"], float(s["delta"])))
    return tuple(out)
