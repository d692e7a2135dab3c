"""The ``ttcsim`` command line. Errors exit with code 2 and one clear message."""

from __future__ import annotations

import argparse
import dataclasses
import fnmatch
import json
import sys
from collections.abc import Sequence
from typing import Any

from sim.messages import printable
from sim.model import TTCModel
from sim.model.outcomes import RUN_FIELDS
from sim.scenario import ScenarioError, load_scenario, suggest
from sim.scenario.schema import schema

from . import analysis, null, plot
from . import batch as batch_command
from .options import add_overrides, as_flags, command_flags

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ttcsim",
        description="Agent-based simulation of US-EU export-control coordination (the TTC).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="run one seeded replication and tell its story")
    p.add_argument("scenario", help="scenario TOML file")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    add_overrides(p)
    p.add_argument("--json", action="store_true", help="print only the outcome row as JSON")

    p = sub.add_parser("params", help="list every parameter path: default, range, unit and meaning")
    p.add_argument(
        "pattern",
        nargs="?",
        default="",
        help="only paths containing this text, or matching this glob (e.g. 'us.*', '*lag*')",
    )
    p.add_argument("--json", action="store_true", help="print the list as JSON")

    p = sub.add_parser("validate", help="check scenario files")
    p.add_argument("scenario", nargs="+")
    add_overrides(p)

    batch_command.add_command(sub)
    null.add_command(sub)
    plot.add_command(sub)
    analysis.add_commands(sub)
    return parser


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def cmd_run(args: argparse.Namespace) -> int:
    """One seeded run told as a story: every track's events month by month, then the outcome
    row track by track (``<track id>.<field>``), the run-level fields and the sampled inputs."""
    sc = load_scenario(args.scenario, args.overrides)
    model = TTCModel(sc, rng=args.seed).run()
    row = model.outcome()
    if args.json:
        print(json.dumps(row, default=str))
        return 0
    print(printable(f"{sc.name}: {sc.description}"))
    tracks = " ".join(f"{t.id} ({t.kind}{', target ' + t.target if t.target else ''})" for t in sc.tracks)
    print(
        f"seed {args.seed}; {sc.start} + {sc.months} months; rule {model.eu.rule}; "
        f"overrides: {' '.join(sc.overrides) or 'none'}"
    )
    print(f"tracks: {tracks}")
    print()
    width = max([len("track"), *(len(t.id) for t in sc.tracks)])
    actors = max([len("actor"), *(len(e[3]) for e in model.events)])
    print(f"{'month':>5}  {'date':7}  {'track':{width}}  {'actor':{actors}}  event")
    for t, date, track, actor, _kind, text in model.events:
        print(f"{t:>5}  {date:7}  {track or '-':{width}}  {actor:{actors}}  {text}")
    if not model.events:
        print("  (nothing happened)")
    print()
    for state in model.tracks:
        print(f"outcome of {state.id}")
        prefix = f"{state.id}."
        for key, value in row.items():
            if key.startswith(prefix):
                print(f"  {key.removeprefix(prefix):30} {_fmt(value)}")
    print("outcome of the run")
    for key in ("scenario", "run", "seed", *RUN_FIELDS):
        print(f"  {key:30} {_fmt(row[key])}")
    sampled = {k: v for k, v in row.items() if k.startswith("param.")}
    if sampled:
        print("sampled parameters")
        width = max(30, *(len(k) for k in sampled))
        for key, value in sampled.items():
            print(f"  {key:{width}} {_fmt(value)}")
    return 0


def _default_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return f"{len(value)} months: {value[0]} .. {value[-1]}" if value else "none"
    return str(value)


PLACEHOLDERS = ("<ISO2>", "<id>")
"""The parts of a listed path that stand for a member, ally or target code, or a track's id."""


def _path_matches(path: str, pattern: str) -> bool:
    """Substring or glob match; a listed path also matches with its placeholders filled in
    from the pattern: ``members.<ISO2>.key`` as ``members.NL.key``, ``tracks.<id>.us.reach``
    as ``tracks.china_sme.us.reach``."""
    if not pattern:
        return True
    asked = pattern.split(".")
    filled = [
        asked[i] if part in PLACEHOLDERS and i < len(asked) else part
        for i, part in enumerate(path.split("."))
    ]
    variants = [path, ".".join(filled)]
    if any(c in pattern for c in "*?["):
        return any(fnmatch.fnmatchcase(v, pattern) for v in variants)
    return any(pattern in v for v in variants)


def cmd_params(args: argparse.Namespace) -> int:
    """The parameter schema (sim/scenario/schema.py) as a table: the paths ``--set`` and files
    accept, with the mechanism switches, the constants and the per-track paths."""
    pattern = args.pattern
    rows = [r for r in schema() if _path_matches(r.path, pattern)]
    if not rows:
        paths = [r.path for r in schema()]
        raise ScenarioError("params", pattern, f"no parameter path matches{suggest(pattern, paths)}")
    if args.json:
        print(json.dumps([dataclasses.asdict(r) for r in rows], default=str, indent=1))
        return 0
    table = [("path", "default", "range", "unit", "meaning")]
    table += [(r.path, _default_text(r.default), r.range, r.unit, r.meaning) for r in rows]
    widths = [max(len(cells[i]) for cells in table) for i in range(4)]
    for cells in table:
        print("  ".join(f"{cells[i]:{widths[i]}}" for i in range(4)) + "  " + cells[4])
    if any("<ISO2>" in r.path for r in rows):
        print(
            "\n<ISO2> is a member's code (members.NL.lag), or an ally's or a target's the file declares;"
            "\nmembers.*.key sets all 27 members."
        )
    if any(r.path.startswith("tracks.") for r in rows):
        print(
            "tracks.<id>.key sets one track (tracks.china_sme.us.reach), tracks.*.key every hard track."
            "\nIn files a track's value beats the general one; an override of a general key"
            "\nreplaces it in every track."
        )
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    bad = 0
    for path in args.scenario:
        try:
            sc = load_scenario(path, args.overrides)
        except ScenarioError as e:
            print(f"ttcsim: error: {as_flags(e, {'--set'})}", file=sys.stderr)
            bad += 1
            continue
        print(
            f"ok: {path} ({sc.name}: {sc.start} + {sc.months} months, "
            f"{len(sc.sampled_paths())} sampled parameters, {len(sc.shocks)} shocks)"
        )
    return EXIT_USAGE if bad else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers = {
        "calibrate": analysis.cmd_calibrate,
        "discover": analysis.cmd_discover,
        "run": cmd_run,
        "validate": cmd_validate,
        "params": cmd_params,
        "batch": batch_command.cmd_batch,
        "null": null.cmd_null,
        "plot": plot.cmd_plot,
        "sensitivity": analysis.cmd_sensitivity,
    }
    try:
        return handlers[args.command](args)
    except ScenarioError as e:
        print(f"ttcsim: error: {as_flags(e, command_flags(parser, args.command))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("ttcsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as e:  # a read-only or full disk, a folder where a file belongs, ...
        where = e.filename if e.filename is not None else args.command
        print(f"ttcsim: error: {where}: {e.strerror or e}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
