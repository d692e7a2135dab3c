"""The generated tables of the model's ODD description, ``docs/ODD.md``.

The description is prose written by hand, but its tables of parameters, structural constants,
outcome fields, the joint scenario's tracks and shocks, and the stylized facts are generated
from where the model declares them: the parameter schema (``sim/scenario/schema.py``), the
constants (``sim/scenario/constants.py``), the outcome registry (``OUTCOMES`` in
``sim/model/outcomes.py``), the joint scenario file and ``sim/data/stylized_facts.toml``. Each
table sits between two marker comments::

    <!-- BEGIN generated: NAME -->
    ...
    <!-- END generated: NAME -->

and this script rewrites what lies between them. ``tests/test_docs.py`` fails when the
committed tables differ from what the declarations give.

Usage: ``python experiments/odd_tables.py [--check]`` (``make docs``); ``--check`` rewrites
nothing and exits 1 when a table is out of date.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from sim import load_scenario
from sim.analysis.stylized import load_facts
from sim.model import outcomes
from sim.scenario import constants, schema
from sim.scenario.distributions import Distribution

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "ODD.md"
JOINT = ROOT / "scenarios" / "ttc_2021_2025.toml"

BLOCK = re.compile(
    r"(?P<begin><!-- BEGIN generated: (?P<name>[\w:]+) -->\n)(?P<body>.*?)(?P<end><!-- END generated: (?P=name) -->)",
    re.DOTALL,
)
"""A generated block: its name and its body, between the two markers."""

GROUPS = (*schema.MECHANISMS, "institutions")
"""What a constant can shape: a mechanism switch, or the Council's voting rules."""
TRACK_US_COLUMNS = ("threat", "exposure", "patience", "reach", "exemption", "lag")
"""The US's per-track values shown in the joint scenario's table of tracks."""
KIND_TEXT = {
    "bool": "true/false",
    "int": "count",
    "month": "month or empty",
    "float": "number",
    "str": "text",
}


def cell(value: Any) -> str:
    """A value as a Markdown table cell: numbers in short form, a distribution by its kind and
    arguments, lists joined; a ``|`` escaped so that it does not split the cell."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float):
        text = f"{value:g}"
    elif isinstance(value, Distribution):
        text = f"{value.kind} " + " ".join(f"{k}={v:g}" for k, v in value.args)
    elif isinstance(value, (list, tuple)):
        text = ", ".join(str(v) for v in value) or "none"
    else:
        text = str(value)
    return text.replace("|", "\\|")


def code(value: Any) -> str:
    """A value as inline code in a table cell (a path, a default, a range)."""
    text = cell(value)
    return f"`{text}`" if text else ""


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def parameters() -> str:
    """Every settable path of the schema but the structural constants (one table per
    submodel): scenario keys, the sections, members, allies, targets, switches, tracks."""
    rows = [
        (code(p.path), code(p.default), code(p.range), cell(p.unit), cell(p.meaning))
        for p in schema.schema()
        if not p.path.startswith("constants.")
    ]
    return table(("path", "default", "range", "unit", "meaning"), rows)


def constants_of(group: str) -> str:
    """The structural constants that shape one mechanism (or the institutions)."""
    rows = [
        (code(f"constants.{name}"), code(c.default), code(f"{c.low:g}..{c.high:g}"), cell(c.meaning))
        for name, c in constants.CONSTANTS.items()
        if c.mechanism == group
    ]
    if not rows:
        return "No structural constant of its own.\n"
    return table(("constant", "default", "range", "meaning"), rows)


def outcome_fields() -> str:
    """The outcome registry: each field, per track or per run, its type and meaning."""
    rows = [
        (
            code(f"<track>.{o.name}" if o.per_track else o.name),
            "track" if o.per_track else "run",
            KIND_TEXT[o.kind],
            cell(o.meaning),
        )
        for o in outcomes.OUTCOMES
    ]
    return table(("field", "per", "type", "meaning"), rows)


def joint_tracks() -> str:
    """The joint scenario's tracks as its file resolves them (a distribution is sampled once
    per run); a soft track has a productivity and nothing else."""
    sc = load_scenario(JOINT)
    rows = []
    for t in sc.tracks:
        pre = f"tracks.{t.id}"
        if t.kind == "soft":
            hard = [""] * (3 + len(TRACK_US_COLUMNS) + 1)
            rows.append((code(t.id), "soft", *hard, cell(sc.values[f"{pre}.productivity"])))
            continue
        us = [cell(sc.values[f"{pre}.us.{key}"]) for key in TRACK_US_COLUMNS]
        availability = cell(sc.values[f"{pre}.target.availability"])
        rows.append(
            (
                code(t.id),
                "hard",
                cell(t.target or "none"),
                code(t.basket),
                cell(t.routes),
                *us,
                availability,
                "",
            )
        )
    header = ("track", "kind", "target", "basket", "EU routes", *(f"US {k}" for k in TRACK_US_COLUMNS))
    return table((*header, "availability", "productivity"), rows)


def joint_shocks() -> str:
    sc = load_scenario(JOINT)
    rows = [(cell(s.month), str(sc.month_index(s.month)), code(s.path), f"{s.delta:+g}") for s in sc.shocks]
    return table(("month", "step", "path", "delta"), rows)


def patterns() -> str:
    """The stylized facts: what a batch of a scenario must show, and the history behind it."""
    rows = []
    for f in load_facts():
        condition = f" {f.condition()}" if f.condition() else ""
        rows.append(
            (
                code(f.id),
                code(f.scenario),
                f"{f.statistic} of {code(f.field)}{cell(condition)}",
                cell(f.describe()),
                cell(f"{f.history} ({f.source})"),
            )
        )
    return table(("fact", "scenario", "statistic", "bound", "history (source)"), rows)


def blocks() -> dict[str, str]:
    """Every generated block by its marker name."""
    out = {
        "patterns": patterns(),
        "parameters": parameters(),
        "outcomes": outcome_fields(),
        "joint_tracks": joint_tracks(),
        "joint_shocks": joint_shocks(),
    }
    out.update({f"constants:{g}": constants_of(g) for g in GROUPS})
    return out


def render(text: str) -> str:
    """``text`` with every generated block rewritten. Every block must be there, once, and
    no marker may name an unknown block (a ``ValueError`` says which)."""
    wanted = blocks()
    found = [m.group("name") for m in BLOCK.finditer(text)]
    unknown = sorted(set(found) - set(wanted))
    missing = sorted(set(wanted) - set(found))
    twice = sorted({n for n in found if found.count(n) > 1})
    if unknown or missing or twice:
        raise ValueError(f"generated blocks: unknown {unknown}, missing {missing}, repeated {twice}")
    return BLOCK.sub(lambda m: m.group("begin") + wanted[m.group("name")] + m.group("end"), text)


def stale(text: str) -> list[str]:
    """The names of the blocks whose committed text differs from the generated one."""
    new = {m.group("name"): m.group("body") for m in BLOCK.finditer(render(text))}
    return [m.group("name") for m in BLOCK.finditer(text) if new[m.group("name")] != m.group("body")]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="rewrite nothing; exit 1 if a table is stale")
    ap.add_argument("--doc", type=Path, default=DOC)
    args = ap.parse_args(argv)
    text = args.doc.read_text(encoding="utf-8")
    out_of_date = stale(text)
    if args.check:
        for name in out_of_date:
            print(f"{args.doc}: the generated table {name!r} is out of date; run make docs", file=sys.stderr)
        return 1 if out_of_date else 0
    if out_of_date:
        args.doc.write_text(render(text), encoding="utf-8")
    shown = args.doc.relative_to(ROOT) if args.doc.is_relative_to(ROOT) else args.doc
    print(f"{shown}: {len(out_of_date)} table(s) rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
