"""The 27 member states: their static facts and the preference tables that give each one
its default preferences (sources: data/README.md)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from sim.messages import show, suggest
from sim.scenario import schema as P
from sim.scenario.errors import ScenarioError
from sim.scenario.files import DATA_DIR, read_text


@dataclass(frozen=True)
class MemberTable:
    """Static facts of the 27 member states, in canonical ISO order (sources: data/README.md)."""

    iso: tuple[str, ...]
    name: tuple[str, ...]
    population: np.ndarray
    columns: dict[str, np.ndarray]

    def baskets(self) -> list[str]:
        return sorted(c[len("supply_") :] for c in self.columns if c.startswith("supply_"))

    def supply(self, basket: str) -> np.ndarray:
        return self.columns[f"supply_{basket}"]


@cache
def member_table(path: str = str(DATA_DIR / "member_states.csv")) -> MemberTable:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: r["iso"])
    cols = [c for c in rows[0] if c.startswith(("supply_", "exporter_"))]
    return MemberTable(
        iso=tuple(r["iso"] for r in rows),
        name=tuple(r["name"] for r in rows),
        population=np.array([float(r["population"]) for r in rows]),
        columns={c: _normalised(c, np.array([float(r[c]) for r in rows])) for c in cols},
    )


def _normalised(column: str, x: np.ndarray) -> np.ndarray:
    """Supply shares are rounded in the CSV; rescale them to sum to exactly 1."""
    return x / x.sum() if column.startswith("supply_") else x


def find_preferences(scenario_path: Path, ref: str) -> Path | None:
    """The preferences file ``ref`` names: absolute, or next to the scenario, else shipped."""
    p = Path(ref)
    candidates = [p] if p.is_absolute() else [scenario_path.parent / p, DATA_DIR / p]
    return next((c for c in candidates if c.exists()), None)


def read_preferences(
    path: Path,
    members: tuple[str, ...],
    referrer: str = "",
    referrer_key: str = "",
    allies: tuple[str, ...] | None = None,
) -> dict[str, dict[str, float]]:
    """Per-member defaults from a preferences CSV (columns: iso, the member keys, source), one
    row per member (and per ally, for a track's table, which holds both). ``referrer`` and
    ``referrer_key`` say where it was named (see read_text)."""
    codes = (*members, *(allies or ()))
    what, declare = (
        ("member code", "")
        if allies is None
        else ("member or ally code", " ([allies.<ISO2>] declares an ally)")
    )
    source = str(path)
    reader = csv.DictReader(io.StringIO(read_text(path, referrer, referrer_key), newline=""))
    rows: dict[str, dict[str, float]] = {}
    first_line: dict[str, int] = {}
    try:
        missing = [k for k in ("iso", *P.MEMBER_KEYS) if k not in (reader.fieldnames or [])]
        if missing:
            raise ScenarioError(source, "columns", f"missing column(s) {', '.join(missing)}")
        for row in reader:
            code, line = row["iso"], reader.line_num
            if code not in codes:
                raise ScenarioError(
                    source, f"line {line}", f"unknown {what} {show(code)}{suggest(code, codes)}{declare}"
                )
            if code in rows:
                raise ScenarioError(
                    source,
                    f"line {line}",
                    f"a second row for {code} (the first is on line {first_line[code]})",
                )
            vals: dict[str, float] = {}
            for key in P.MEMBER_KEYS:
                try:
                    vals[key] = float(row[key])
                except (TypeError, ValueError):
                    raise ScenarioError(source, f"{code}.{key}", f"not a number: {show(row[key])}") from None
                lo, hi = P.value_range("members", key)
                if not lo <= vals[key] <= hi:
                    raise ScenarioError(source, f"{code}.{key}", f"{vals[key]} outside [{lo}, {hi}]")
            rows[code], first_line[code] = vals, line
    except csv.Error as e:  # the DictReader's own line_num still counts the last good row
        raise ScenarioError(source, f"line {reader.reader.line_num}", f"malformed CSV ({e})") from None
    absent = sorted(set(codes) - set(rows))
    if absent:
        raise ScenarioError(source, "iso", f"no row for {' '.join(absent)}")
    return rows
