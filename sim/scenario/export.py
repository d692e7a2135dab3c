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
    for section in P.SECTIONS:
        prefix = f"{section}."
        doc[section] = {k[len(prefix) :]: toml_ready(v) for k, v in sc.values.items() if k.startswith(prefix)}
    members: dict[str, Any] = {"basket": sc.basket}
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
