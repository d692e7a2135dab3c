"""The facts a hard track's actors are made of: supply shares and regime participation
(``sim/data/v2_supply_shares.csv``, ``sim/data/v2_regimes.toml``; sources in
``sim/data/sources.md``), read by basket and ISO code, never by a track's name.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from functools import cache

import numpy as np

from sim.scenario import DATA_DIR, member_table

EU_AGGREGATES = ("EU", "EU_OTHER")
"""Rows of the supply data that give the members' joint share (``EU``) or that of the members
not named (``EU_OTHER``): split over those members by ``SPLIT_COLUMN``."""
SPLIT_COLUMN = "supply_dual_use"
"""The member-table column that splits an EU aggregate over members (assumption: members'
weight in EU high-tech exports [78], as ``sim/data/README.md`` says)."""
US = "US"


@cache
def _supply_rows() -> dict[str, dict[str, float]]:
    """Basket (segment) -> actor -> share."""
    out: dict[str, dict[str, float]] = {}
    with open(DATA_DIR / "v2_supply_shares.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["segment"], {})[row["actor"]] = float(row["value"])
    return out


def baskets() -> tuple[str, ...]:
    return tuple(sorted(_supply_rows()))


def supply(basket: str, allies: tuple[str, ...]) -> tuple[np.ndarray, float]:
    """Each adopter's (members, then ``allies``) share of the basket's Western supply, and the
    US's, all summing to 1. Supply outside the West (``OTHER``, the target) is left out: the
    track's ``target.availability`` stands for it."""
    rows = _supply_rows()[basket]
    table = member_table()
    members = np.array([rows.get(c, 0.0) for c in table.iso])
    named = np.array([c in rows for c in table.iso])
    split = table.columns[SPLIT_COLUMN] * ~named
    for agg in EU_AGGREGATES:
        if agg in rows and split.sum() > 0:
            members = members + rows[agg] * split / split.sum()
    adopters = np.concatenate([members, [rows.get(a, 0.0) for a in allies]])
    us = rows.get(US, 0.0)
    total = us + float(adopters.sum())
    if total <= 0:
        return adopters, 1.0
    return adopters / total, us / total


@dataclass(frozen=True)
class Regime:
    """A multilateral regime: who participates, and who blocks every update from when."""

    participants: frozenset[str]
    blocking: tuple[tuple[str, str], ...]
    """(ISO code, first blocking month YYYY-MM)."""

    def vetoes(self, target: str | None, month: str) -> bool:
        """Whether an update on a track against ``target`` is vetoed in ``month``: a target
        that participates vetoes its own track; a blocking participant blocks every update."""
        if target is not None and target in self.participants:
            return True
        return any(month >= since for _, since in self.blocking)


@cache
def regimes() -> tuple[Regime, ...]:
    with open(DATA_DIR / "v2_regimes.toml", "rb") as fh:
        doc = tomllib.load(fh)
    out = []
    for table in doc.values():
        if isinstance(table, dict) and "participants" in table:
            block = table.get("blocking_participant")
            out.append(
                Regime(
                    frozenset(table["participants"]),
                    ((block, table["blocking_from"]),) if block else (),
                )
            )
    return tuple(out)


@cache
def regime_vetoed(target: str | None, month: str) -> bool:
    return any(r.vetoes(target, month) for r in regimes())


def regime_members() -> np.ndarray:
    """Which members take part in every regime (and so vote on an update)."""
    iso = member_table().iso
    return np.array([all(c in r.participants for r in regimes()) for c in iso])
