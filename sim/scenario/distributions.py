"""Distributions for preferences that are uncertain: each is sampled once per run.

A scenario gives a numeric parameter either as a number or as an inline table::

    threat = {dist = "uniform", low = 0.7, high = 0.9}
    threat = {dist = "normal", mean = 0.8, sd = 0.05}        # clipped to the parameter's range
    threat = {dist = "triangular", low = 0.6, mode = 0.8, high = 0.9}
    threat = {dist = "beta", a = 8, b = 2}                    # optional low/high rescale [0, 1]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.messages import show, suggest

KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # kind: (required arguments, optional arguments)
    "uniform": (("low", "high"), ()),
    "normal": (("mean", "sd"), ()),
    "triangular": (("low", "mode", "high"), ()),
    "beta": (("a", "b"), ("low", "high")),
}


class DistributionError(ValueError):
    """A distribution table is malformed; the message says which argument and why."""


def is_finite_number(value: Any) -> bool:
    """True for an int or float that is finite as a float (a TOML integer has no size limit,
    so 10**400 is an int that no float can hold)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


@dataclass(frozen=True)
class Distribution:
    kind: str
    args: tuple[tuple[str, float], ...]
    bounds: tuple[float, float]

    def arg(self, name: str, default: float | None = None) -> float:
        for k, v in self.args:
            if k == name:
                return v
        if default is None:
            raise KeyError(name)
        return default

    def sample(self, rng: np.random.Generator) -> float:
        lo, hi = self.bounds
        if self.kind == "uniform":
            x = rng.uniform(self.arg("low"), self.arg("high"))
        elif self.kind == "normal":
            x = rng.normal(self.arg("mean"), self.arg("sd"))
        elif self.kind == "triangular":
            low, mode, high = self.arg("low"), self.arg("mode"), self.arg("high")
            x = low if low == high else rng.triangular(low, mode, high)
        else:
            b_lo, b_hi = self.arg("low", 0.0), self.arg("high", 1.0)
            x = b_lo + (b_hi - b_lo) * rng.beta(self.arg("a"), self.arg("b"))
        return float(min(max(x, lo), hi))

    def support(self) -> tuple[float, float]:
        """The interval the samples can fall in (for sensitivity analysis ranges)."""
        lo, hi = self.bounds
        if self.kind == "normal":
            m, s = self.arg("mean"), self.arg("sd")
            return max(lo, m - 3 * s), min(hi, m + 3 * s)
        a = self.arg("low", 0.0)
        b = self.arg("high", 1.0)
        return max(lo, a), min(hi, b)

    def to_toml(self) -> dict[str, Any]:
        return {"dist": self.kind, **dict(self.args)}


def parse(table: dict[str, Any], bounds: tuple[float, float]) -> Distribution:
    """Build a distribution from its table, checking every argument against ``bounds``."""
    kind = table.get("dist")
    if isinstance(kind, str):
        kind = kind.casefold()  # "Uniform" and "uniform" are one kind
    if not isinstance(kind, str) or kind not in KINDS:
        hint = suggest(kind, KINDS) if isinstance(kind, str) else ""
        raise DistributionError(f"'dist' must be one of {', '.join(KINDS)} (got {show(kind)}){hint}")
    required, optional = KINDS[kind]
    unknown = sorted(set(table) - {"dist", *required, *optional})
    if unknown:
        hint = suggest(unknown[0], (*required, *optional)) if len(unknown) == 1 else ""
        raise DistributionError(f"unknown argument(s) {', '.join(unknown)} for {kind}{hint}")
    args: dict[str, float] = {}
    for name in (*required, *optional):
        if name not in table:
            if name in required:
                raise DistributionError(f"{kind} needs '{name}'")
            continue
        v = table[name]
        if not is_finite_number(v):
            raise DistributionError(f"'{name}' must be a finite number (got {show(v)})")
        args[name] = float(v)
    lo, hi = bounds
    if kind in ("uniform", "triangular") or (kind == "beta" and ("low" in args or "high" in args)):
        low, high = args.get("low", 0.0), args.get("high", 1.0)
        if not low <= high:
            raise DistributionError(f"low ({low}) must not exceed high ({high})")
        if low < lo or high > hi:
            raise DistributionError(f"[{low}, {high}] leaves the parameter's range [{lo}, {hi}]")
    if kind == "triangular" and not args["low"] <= args["mode"] <= args["high"]:
        raise DistributionError("mode must lie between low and high")
    if kind == "normal":
        if args["sd"] <= 0:
            raise DistributionError("sd must be positive")
        if not lo <= args["mean"] <= hi:
            raise DistributionError(f"mean {args['mean']} leaves the range [{lo}, {hi}]")
    if kind == "beta" and (args["a"] <= 0 or args["b"] <= 0):
        raise DistributionError("a and b must be positive")
    return Distribution(kind, tuple(args.items()), bounds)
