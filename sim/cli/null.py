"""``ttcsim null``: the static null model (:mod:`sim.model.null_model`) on any scenario.

What the inputs alone predict, with no dynamics: the baseline the model must beat. Run ``k``
of ``--runs N`` uses seed ``SEED + k``, so it draws the same inputs as ``ttcsim run --seed
SEED+k`` and the two compare run by run. One run prints a table, one line per hard track;
several runs print, per track, each field's shares and median months; ``--out`` writes the
rows (Parquet or CSV, as ``ttcsim batch`` writes its rows) and ``--json`` prints them, one
JSON object per run and line.

Every field is formatted by its kind in the outcome registry (:mod:`sim.model.outcomes`): a
``month`` field and each month of a ``..._months`` list (``26 30``, ``JP:25 NL:27``) print as
the calendar month ``YYYY-MM``, so a field the null model adds later prints without a change
here.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from sim.messages import printable
from sim.model import null_model
from sim.model.null_model import NULL_FIELDS, null_rows
from sim.model.outcomes import OutcomeKind, outcome
from sim.runner.designs import MAX_RUNS, arrow_type, is_outcome_column
from sim.runner.run import check_out
from sim.runner.store import output_lock, refuse_existing
from sim.scenario import Scenario, ScenarioError, load_scenario

from .options import add_overrides

TOP = 8
"""The most values (members, routes, ...) a summary line names, most frequent first."""


def add_command(sub: Any) -> None:
    p = sub.add_parser(
        "null",
        help="the static null model: what the inputs alone predict, per track, with no dynamics",
    )
    p.add_argument("scenario", help="scenario TOML file")
    p.add_argument(
        "--seed", type=int, default=1, help="seed of the first run (default 1); run k uses SEED + k"
    )
    p.add_argument("--runs", type=int, default=1, help=f"runs (default 1; at most {MAX_RUNS:,})")
    add_overrides(p)
    p.add_argument("--json", action="store_true", help="print the rows as JSON, one object per run and line")
    p.add_argument("--out", help="write the rows to this file: .parquet, or .csv for CSV")
    p.add_argument("--force", action="store_true", help="replace an existing --out file")


def cmd_null(args: argparse.Namespace) -> int:
    sc = load_scenario(args.scenario, args.overrides)
    if args.runs > MAX_RUNS:
        raise ScenarioError("runs", str(args.runs), f"at most {MAX_RUNS:,}")
    out = Path(args.out) if args.out else None
    if out is None:
        rows = null_rows(sc, args.runs, args.seed)
    else:
        check_out(out)
        refuse_existing([out], args.force)  # before any run
        with output_lock(out, ["ttcsim", *sys.argv[1:]]):
            rows = null_rows(sc, args.runs, args.seed)
            write_rows(rows, out)
    if args.json:
        for row in rows:
            print(json.dumps(row, default=str))
    elif out is not None:
        print(f"wrote {out}: {len(rows)} runs of the static null model, seeds {seeds(rows)}")
    else:
        print("\n".join(header(sc, rows)))
        print()
        if not hard_tracks(sc):
            print("no hard track: the null model predicts nothing here")
        else:
            print("\n".join(run_table(sc, rows[0]) if len(rows) == 1 else summary(sc, rows)))
    return 0


# ----------------------------------------------------------------------------- formats


def kind_of(field: str) -> OutcomeKind:
    """The registry's kind of a field (``str`` for one it does not declare)."""
    try:
        return outcome(field).kind
    except KeyError:
        return "str"


def dated(sc: Scenario, field: str, value: Any) -> str:
    """A field's value as printed: months as ``YYYY-MM`` (a ``month`` field, and every month
    of a ``..._months`` list), true/false as yes/no, ``-`` for none or empty."""
    if value is None or value == "":
        return "-"
    kind = kind_of(field)
    if kind == "bool":
        return "yes" if value else "no"
    if kind == "month":
        return sc.calendar(int(value))
    if kind == "float":
        return f"{float(value):.3f}"
    if field.endswith("_months"):
        return " ".join(_dated_item(sc, item) for item in str(value).split())
    return str(value)


def _dated_item(sc: Scenario, item: str) -> str:
    code, _, month = item.rpartition(":")
    return f"{code}:{sc.calendar(int(month))}" if code else sc.calendar(int(month))


def _month_items(value: Any) -> list[tuple[str, int]]:
    """The (code, month) items of a ``..._months`` list (code ``""`` in a plain list)."""
    out = []
    for item in str(value or "").split():
        code, _, month = item.rpartition(":")
        out.append((code, int(month)))
    return out


def seeds(rows: list[dict[str, Any]]) -> str:
    first, last = rows[0]["seed"], rows[-1]["seed"]
    return str(first) if first == last else f"{first}..{last}"


def hard_tracks(sc: Scenario) -> list[str]:
    return [t.id for t in sc.tracks if t.kind == "hard"]


def header(sc: Scenario, rows: list[dict[str, Any]]) -> list[str]:
    """The scenario, what the null model is (its docstring's first line), the runs and seeds."""
    what = (null_model.__doc__ or "").strip().splitlines()[0].rstrip(".")
    several = "s" if len(rows) > 1 else ""
    return [
        printable(f"{sc.name}: {sc.description}"),
        f"{what}; {len(rows)} run{several}, seed{several} {seeds(rows)}; {sc.start} + {sc.months} months; "
        f"overrides: {printable(' '.join(sc.overrides)) or 'none'}",
    ]


# ----------------------------------------------------------------------------- one run

SHOWN = (
    "channel",
    "us_rule_months",
    "eu_route",
    "month_eu",
    "coordinated",
    "month_coordinated",
    "national_months",
    "national_adopters",
)
"""The fields the one-run table shows in its own columns; any other field of the null row
gets a column of its own, formatted by its kind."""


def run_table(sc: Scenario, row: dict[str, Any]) -> list[str]:
    """One line per hard track: the channel, the US rule, the EU-level measure (route and
    month in force), the month both sides were in force (or no), the number of national
    adopters; then, per track, the national measures grouped by month in force."""
    table = []
    for track in hard_tracks(sc):

        def value(name: str, track: str = track) -> Any:
            return row.get(f"{track}.{name}")

        eu = value("eu_route")
        cells = {
            "track": track,
            "channel": dated(sc, "channel", value("channel")),
            "US rule": dated(sc, "us_rule_months", value("us_rule_months")),
            "EU-level measure": f"{eu} {dated(sc, 'month_eu', value('month_eu'))}" if eu else "-",
            "coordinated": dated(sc, "month_coordinated", value("month_coordinated"))
            if value("coordinated")
            else "no",
            "national adopters": str(len(_month_items(value("national_months")))),
        }
        for name in NULL_FIELDS:
            if name not in SHOWN:
                cells[name] = dated(sc, name, value(name))
        table.append(cells)
    names = list(table[0])
    widths = {n: max(len(n), *(len(c[n]) for c in table)) for n in names}
    lines = ["  ".join(f"{n:{widths[n]}}" for n in names).rstrip()]
    lines += ["  ".join(f"{c[n]:{widths[n]}}" for n in names).rstrip() for c in table]
    national = []
    for c in table:
        by_month: dict[int, list[str]] = {}
        for code, month in _month_items(row.get(f"{c['track']}.national_months")):
            by_month.setdefault(month, []).append(code)
        if by_month:
            listed = "; ".join(f"{sc.calendar(m)} {' '.join(codes)}" for m, codes in sorted(by_month.items()))
            national.append(f"  {c['track']:{widths['track']}}  {listed}")
    lines += ["", "national measures in force (month: members and allies)", *(national or ["  none"])]
    return lines


# ----------------------------------------------------------------------------- several runs


def _percentiles(months: list[int], q: list[float]) -> list[int]:
    """Percentiles of months that are months of some run (no month between two runs')."""
    return [int(v) for v in np.percentile(months, q, method="inverted_cdf")]


def _median(months: list[int]) -> int:
    return _percentiles(months, [50])[0]


def _months_summary(sc: Scenario, months: list[int], runs: int) -> str:
    """Share of runs with the event, and the median and 5-95 % range of its month."""
    if not months:
        return "never"
    lo, mid, hi = _percentiles(months, [5, 50, 95])
    return (
        f"in {len(months) / runs:.2f} of runs; median {sc.calendar(mid)} "
        f"(5-95 %: {sc.calendar(lo)}..{sc.calendar(hi)})"
    )


def field_summary(sc: Scenario, field: str, values: list[Any]) -> str:
    """One field over the runs, by its kind: the share of runs where a flag holds; a month's
    share and median; each month list's share and median first month, or per member or ally
    its share and median month; each text value's share of runs (``(none)``: empty)."""
    n = len(values)
    kind = kind_of(field)
    if kind == "bool":
        return f"{sum(bool(v) for v in values) / n:.2f}"
    if kind == "month":
        return _months_summary(sc, [int(v) for v in values if v is not None], n)
    if kind in ("int", "float"):
        x = np.array([float(v) for v in values if v is not None])
        return f"mean {x.mean():.3f}; median {np.median(x):g}" if len(x) else "-"
    if field.endswith("_months"):
        items = [_month_items(v) for v in values]
        if not any(code for run in items for code, _ in run):
            return _months_summary(sc, [run[0][1] for run in items if run], n)
        per_code: dict[str, list[int]] = {}
        for run in items:
            for code, month in run:
                per_code.setdefault(code, []).append(month)
        return _top(
            {code: len(m) / n for code, m in per_code.items()},
            lambda code: f"median {sc.calendar(_median(per_code[code]))}",
        )
    counts: Counter[str] = Counter()
    for v in values:
        counts.update(set(str(v or "").split()) or {"(none)"})
    return _top({word: k / n for word, k in counts.items()})


def _top(shares: dict[str, float], detail: Any = None) -> str:
    ranked = sorted(shares, key=lambda k: (-shares[k], k))
    parts = [f"{k} {shares[k]:.2f}" + (f" ({detail(k)})" if detail else "") for k in ranked[:TOP]]
    more = len(ranked) - TOP
    return ", ".join(parts) + (f", and {more} more" if more > 0 else "") if parts else "never"


def summary(sc: Scenario, rows: list[dict[str, Any]]) -> list[str]:
    """Per hard track, each null field over the runs (:func:`field_summary`)."""
    lines = ["shares of runs; months as the median and the 5-95 % range of the runs where it happened"]
    width = max(len(f) for f in NULL_FIELDS)
    for track in hard_tracks(sc):
        lines += ["", track]
        for name in NULL_FIELDS:
            values = [row.get(f"{track}.{name}") for row in rows]
            lines.append(f"  {name:{width}}  {field_summary(sc, name, values)}")
    return lines


# ----------------------------------------------------------------------------- rows to a file


def write_rows(rows: list[dict[str, Any]], out: Path) -> None:
    """The rows to ``out`` (CSV for ``.csv``, else Parquet) through a temporary file, the
    declared outcome columns in their registry types (so ``sim.runner.read_results`` reads a
    CSV back as it reads a batch's)."""
    names = list(rows[0])
    schema = pa.schema(
        [
            (name, arrow_type(name) if is_outcome_column(name) else pa.array([r[name] for r in rows]).type)
            for name in names
        ]
    )
    table = pa.Table.from_pylist(rows, schema=schema)
    tmp = out.with_name(out.name + ".tmp")
    try:
        if out.suffix == ".csv":
            pacsv.write_csv(table, tmp)
        else:
            pq.write_table(table, tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
