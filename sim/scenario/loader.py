"""Scenario files: reading, ``extends``, precedence and validation.

A scenario is a TOML file (see ``scenarios/`` and the README). Resolution order, later wins:

1. the parameter defaults of :mod:`sim.scenario.schema`;
2. the scenario named by ``scenario.extends`` (resolved the same way, recursively);
3. this file: its sections, then ``members.preferences`` (the CSV of per-member defaults),
   then ``[members."*"]``, then ``[members.<ISO2>]``; ``[[shocks]]`` replaces the base's list;
4. overrides ``PATH=VALUE`` in the order given, whatever their specificity
   (``members.*.threat=0.9`` sets all 27 members).

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
from sim.scenario.values import apply_member_rows, month, numeric_path, set_path, unknown

SECTIONS = ("scenario", *P.SECTIONS, "members", "shocks")
"""The top-level tables of a scenario file."""
SHOCK_KEYS = ("month", "path", "delta")
MAX_EXTENDS_DEPTH = 32  # files in one chain of extends (the shipped counterfactuals use 1)


def load_scenario(path: str | Path, overrides: tuple[str, ...] | list[str] = ()) -> Scenario:
    """Load, validate and resolve a scenario file, then apply overrides in order."""
    from sim.scenario import adapter  # temporary: files with tracks, until this loader reads them

    if adapter.is_track_file(path):
        return adapter.load(path, overrides)  # type: ignore[return-value]
    sc = _resolve(Path(path), ())
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
    for section in P.SECTIONS:
        for key, value in _table(source, section, doc.get(section, {})).items():
            set_path(sc, source, f"{section}.{key}", value)
    if "members" in doc:
        _apply_members(sc, source, path, doc["members"])
    sc.shocks = _parse_shocks(source, doc["shocks"]) if "shocks" in doc else tuple(sc.shocks)
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
        ref = table["preferences"]
        if not isinstance(ref, str):
            raise ScenarioError(source, "members.preferences", "must be a path string")
        csv_path = find_preferences(path, ref)
        if csv_path is None:
            raise ScenarioError(
                source,
                "members.preferences",
                f"file {show(ref)} not found (next to the scenario or in {DATA_DIR})",
            )
        sc.preferences = str(csv_path)
        apply_member_rows(sc, read_preferences(csv_path, sc.members, source, "members.preferences"))
    for code in ("*", *sorted(k for k in table if k in sc.members)):
        if code in table:
            for key, value in _table(source, f"members.{code}", table[code]).items():
                set_path(sc, source, f"members.{code}.{key}", value)


def _parse_shocks(source: str, shocks: Any) -> tuple[Shock, ...]:
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
        numeric_path(source, s["path"], f"{where}.path")
        if not is_finite_number(s["delta"]):
            raise ScenarioError(source, f"{where}.delta", f"must be a finite number (got {show(s['delta'])})")
        out.append(Shock(shock_month, s["path"], float(s["delta"])))
    return tuple(out)
