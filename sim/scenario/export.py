"""A resolved scenario written back as one self-contained TOML file (the dashboard's
"export settings"), by ``tomli-w``, which escapes any text so that it loads back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tomli_w

from sim.messages import printable
from sim.scenario import schema as P
from sim.scenario.distributions import Distribution
from sim.scenario.files import DATA_DIR
from sim.scenario.members import read_preferences
from sim.scenario.resolved import Scenario
from sim.scenario.tracks import track_segments


def toml_ready(v: Any) -> Any:
    """``v`` as ``tomli-w`` writes it: a distribution becomes its table."""
    return v.to_toml() if isinstance(v, Distribution) else v


def to_toml(sc: Scenario, header: str = "") -> str:
    """The whole resolved scenario as a self-contained TOML file: every parameter, the
    preferences table (by package-relative path when it ships with ttcsim), each member's
    values where they differ from that table, and the shocks. Loading it gives the same
    values, whatever the text of the name, description or header."""
    doc: dict[str, Any] = {
        "shocks": [{"month": s.month, "path": s.path, "delta": s.delta} for s in sc.shocks],
        "scenario": {"name": sc.name, "description": sc.description, "start": sc.start, "months": sc.months},
    }
    for section in (*P.SECTIONS, *P.EXTRA_FIELDS):
        prefix = f"{section}."
        doc[section] = {k[len(prefix) :]: toml_ready(v) for k, v in sc.values.items() if k.startswith(prefix)}
    hard = [t for t in sc.tracks if t.kind == "hard"]
    if sc.tracks and not sc.targets:  # target.retaliation stands for the declared targets'
        doc["target"].pop("retaliation")
    if sc.tracks and not hard:  # target.availability stands for the hard tracks'
        doc["target"].pop("availability")
    if sc.allies:
        doc["allies"] = {a: _nested(sc, f"allies.{a}.") for a in sc.allies}
    if sc.targets:
        doc["targets"] = {t: _nested(sc, f"targets.{t}.") for t in sc.targets}
    if sc.tracks:
        doc["tracks"] = {t.id: _track(sc, t.id) for t in sc.tracks}
    members: dict[str, Any] = {}
    if not sc.tracks or any(sc.basket in track_segments(t.id) for t in hard):
        members["basket"] = sc.basket
    if sc.preferences:
        pref = Path(sc.preferences)
        try:
            members["preferences"] = str(pref.resolve().relative_to(DATA_DIR.resolve()))
        except ValueError:
            members["preferences"] = str(pref.resolve())
        reference = read_preferences(pref, sc.members)
    else:
        reference = {m: P.member_defaults() for m in sc.members}
    for m in sc.members:
        values = {k: sc.values[f"members.{m}.{k}"] for k in P.MEMBER_KEYS}
        changed = {k: toml_ready(v) for k, v in values.items() if v != reference[m][k]}
        if changed:
            members[m] = changed
    doc["members"] = members
    head = "".join(f"# {printable(line)}\n" for line in header.splitlines()) + ("\n" if header else "")
    return head + tomli_w.dumps(doc)


def _nested(sc: Scenario, prefix: str, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """The values under ``prefix`` as nested tables (``us.reach`` -> ``{"us": {"reach": ..}}``),
    but for the keys in ``skip``."""
    out: dict[str, Any] = {}
    for path, value in sc.values.items():
        if path.startswith(prefix) and path[len(prefix) :] not in skip:
            *parents, key = path[len(prefix) :].split(".")
            table = out
            for part in parents:
                table = table.setdefault(part, {})
            table[key] = list(value) if isinstance(value, tuple) else toml_ready(value)
    return out


def _track(sc: Scenario, track: str) -> dict[str, Any]:
    """A track's table: its own keys and every per-track value it holds; its target is the
    ``iso`` of its ``target`` table (TOML cannot hold a string and a table under one key)."""
    table = _nested(sc, f"tracks.{track}.", skip=("target",))
    if f"tracks.{track}.target" in sc.values:
        table.setdefault("target", {})["iso"] = sc.values[f"tracks.{track}.target"]
    return table
