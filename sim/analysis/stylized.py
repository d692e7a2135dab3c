"""Stylized facts: statistics of a batch of outcome rows, checked against history.

The facts themselves (bounds, history, sources) live in ``data/stylized_facts.toml`` as
targets (:mod:`sim.analysis.targets`: the format, the bound and its check); this module
computes each statistic with a 95 % interval (Wilson for shares, the distribution-free
order-statistic interval for medians, the normal interval for means), says whether each fact
holds and writes the table.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.targets import SOFT_SHARE, Target, derived_kind, load_targets
from sim.scenario import ScenarioError, suggest

FACTS_FILE = Path(__file__).resolve().parent.parent / "data" / "stylized_facts.toml"
FACT_KEYS = ("id", "scenario", "op", "history", "source")
"""What a stylized fact names beyond a target's statistic, field and value: its id, the
scenario whose batch it tests, an explicit bound, and the history behind it."""
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Result:
    fact: Target
    value: float
    low: float
    high: float
    n: int
    passed: bool


ADOPTION_ROWS = (
    "russia_coordinated",
    "china_sme_nl_national",
    "china_sme_jp_national",
    "china_sme_de_none",
    "china_sme_no_eu_measure",
    "es_national_list",
)
"""The facts about who adopts (Russia coordinated, the Dutch, Japanese and German measures,
the EU-level measure, Spain's list): the rows the static null model is scored on."""


def load_facts(path: Path = FACTS_FILE) -> list[Target]:
    """The stylized facts: targets that each name their scenario and history."""
    return load_targets(path, require=FACT_KEYS)


def _pairs_month(text: Any, key: str) -> float:
    """The month of ``key`` in a ``KEY:month`` list (``JP:25 NL:27``), NaN without it."""
    for item in str(text or "").split():
        code, _, m = item.partition(":")
        if code == key:
            return float(m)
    return math.nan


def _first(text: Any) -> float:
    """The first month of a space-separated month list, NaN when it is empty."""
    items = str(text or "").split()
    return float(items[0]) if items else math.nan


def _soft_share(text: Any, months: list[str]) -> float:
    """The mean soft share of the ministerials of ``months`` (``YYYY-MM:share`` pairs)."""
    shares = dict(item.split(":") for item in str(text or "").split())
    values = [float(shares[m]) for m in months if m in shares]
    return sum(values) / len(values) if len(values) == len(months) else math.nan


def check_field(df: pd.DataFrame, field: str, source: str = "field") -> None:
    """Raise a :class:`ScenarioError` naming ``source`` unless ``field`` is a column of the
    results or a derived field (:mod:`sim.analysis.targets`) on a track of the results (with a
    "did you mean")."""
    columns = [str(c) for c in df.columns]
    if derived_kind(field, source, field) is None:
        if field not in df.columns:
            raise ScenarioError(
                source,
                field,
                f"not a field of the results{suggest(field, columns)} "
                "(or <track>.national:XX, <track>.lag:XX, <track>.first_us_rule, soft_share:YYYY-MM)",
            )
        return
    name = field.partition(":")[0]
    if name == SOFT_SHARE:
        needed = "soft_share_by_ministerial"
    else:
        track = name.rpartition(".")[0]
        needed = f"{track}.us_rule_months"
        if needed not in df.columns:
            tracks = sorted({c.split(".")[0] for c in columns if c.endswith(".us_rule_months")})
            raise ScenarioError(
                source,
                field,
                f"no track {track!r} in the results{suggest(track, tracks)} (tracks: {', '.join(tracks)})",
            )
    if needed not in df.columns:
        raise ScenarioError(source, field, f"the results have no {needed!r} column")


def column(df: pd.DataFrame, field: str, source: str = "field") -> pd.Series:
    """An outcome field, or a derived one (``<track>.national:XX``, ``<track>.lag:XX``,
    ``<track>.first_us_rule``, ``<track>.first_countermeasure``, ``soft_share:YYYY-MM,...``;
    see :mod:`sim.analysis.targets`). An unknown field is a :class:`ScenarioError` naming
    ``source`` (see :func:`check_field`)."""
    check_field(df, field, source)
    name, _, arg = field.partition(":")
    if derived_kind(field, source, field) is None:
        return df[field]
    if name == SOFT_SHARE:
        months = arg.split(",")
        return pd.Series([_soft_share(t, months) for t in df["soft_share_by_ministerial"]], index=df.index)
    track, _, base = name.rpartition(".")
    if base == "first_us_rule":
        values = [_first(t) for t in df[f"{track}.us_rule_months"]]
    elif base == "first_countermeasure":
        values = [_first(t) for t in df[f"{track}.countermeasure_months"]]
    else:
        values = [_pairs_month(t, arg) for t in df[f"{track}.national_months"]]
        if base == "lag":
            values = [v - _first(u) for v, u in zip(values, df[f"{track}.us_rule_months"], strict=True)]
    return pd.Series(values, index=df.index, dtype=float)


FIELD_TOKEN = re.compile(r"(?<![\w.:`])[A-Za-z_]\w*(?:\.\w+)+(?::[A-Z]{2})?(?![\w.:`])")
"""A dotted field name in an expression (``china_sme.coordinated``, ``china_sme.national:NL``)."""


def expression(df: pd.DataFrame, expr: str, source: str = "outcome") -> pd.Series:
    """An expression over the outcome fields, one value per run (``china_sme.coordinated``,
    ``china_sme.first_us_rule < 12 and not russia_dual_use.coordinated``). Dotted names, which
    ``DataFrame.eval`` would read as attributes, are quoted in backticks; a derived field
    (``<track>.national:XX``, ``<track>.first_us_rule``, ...) is computed first. A bad
    expression is a :class:`ScenarioError` naming ``source``."""
    frame = df
    derived: dict[str, str] = {}

    def quote(m: re.Match[str]) -> str:
        name = m.group(0)
        if name in frame.columns:
            return f"`{name}`"
        derived[name] = f"derived_{len(derived)}"
        return f"`{derived[name]}`"

    quoted = FIELD_TOKEN.sub(quote, expr)
    if derived:
        frame = df.assign(**{alias: column(df, name, source) for name, alias in derived.items()})
    try:
        out = frame.eval(quoted)
    except Exception as e:  # pandas raises many kinds for a bad expression
        raise ScenarioError(source, expr, f"cannot evaluate on the results ({e})") from None
    if not isinstance(out, pd.Series) or len(out) != len(df):
        raise ScenarioError(source, expr, "must give one value per run")
    return out


def share_of(col: pd.Series, by: float | None = None, among: tuple[str, ...] = ()) -> pd.Series:
    """Per run, whether it counts for a share: a text field's value is one of ``among``; a
    month field is not empty (and at most ``by``); a true/false field is true."""
    if among:
        return col.astype(str).isin(among)
    if col.dtype == bool or col.dtype == object and col.dropna().map(lambda v: isinstance(v, bool)).all():
        return col.fillna(False).astype(bool)
    months = pd.to_numeric(col, errors="coerce")
    return months.notna() & (months <= by) if by is not None else months.notna()


def statistic(
    df: pd.DataFrame,
    kind: str,
    field: str,
    given: str = "",
    by: float | None = None,
    among: tuple[str, ...] = (),
) -> tuple[float, float, float, int]:
    """(value, 95 % low, 95 % high, n) of a statistic over a batch."""
    if given:
        df = df[share_of(column(df, given, "given"))]
    col = column(df, field)
    if kind == "share":
        x = share_of(col, by, among).to_numpy(dtype=bool)
        n = len(x)
        if n == 0:
            return math.nan, math.nan, math.nan, 0
        p = float(x.mean())
        lo, hi = wilson(p, n)
        return p, lo, hi, n
    x = pd.to_numeric(col, errors="coerce").dropna().to_numpy(dtype=float)
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    if kind == "median":
        lo, hi = median_interval(x)
        return float(np.median(x)), lo, hi, n
    mean, se = float(x.mean()), float(x.std(ddof=1) / math.sqrt(n)) if n > 1 else 0.0
    return mean, mean - Z95 * se, mean + Z95 * se, n


def of_target(df: pd.DataFrame, t: Target, field: str | None = None) -> tuple[float, float, float, int]:
    """The statistic a target names, over a batch (of ``field`` instead of its own, if given)."""
    return statistic(df, t.statistic, field or t.field, t.given, t.by, t.among)


def wilson(p: float, n: int) -> tuple[float, float]:
    """Wilson score interval for a proportion."""
    z2 = Z95**2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    lo, hi = centre - half, centre + half
    return (0.0 if lo < 1e-12 else lo), (1.0 if hi > 1 - 1e-12 else hi)


def median_interval(x: np.ndarray) -> tuple[float, float]:
    """Distribution-free 95 % interval for a median from order statistics."""
    s = np.sort(x)
    n = len(s)
    half = Z95 * math.sqrt(n) / 2
    lo = max(0, math.floor(n / 2 - half))
    hi = min(n - 1, math.ceil(n / 2 + half) - 1)
    return float(s[lo]), float(s[hi])


def evaluate(batches: dict[str, pd.DataFrame], facts: list[Target] | None = None) -> list[Result]:
    """Check every fact whose scenario has a batch in ``batches`` (keyed by scenario name);
    a ``gt_scenario`` fact also needs the compared scenario's batch."""
    out = []
    for f in facts if facts is not None else load_facts():
        if f.scenario not in batches:
            continue
        v, lo, hi, n = of_target(batches[f.scenario], f)
        other = math.nan
        if f.op == "gt_scenario":
            if f.value not in batches:
                continue
            other = of_target(batches[f.value], f)[0]
        elif f.op == "gt_field":
            other = of_target(batches[f.scenario], f, f.value)[0]
        out.append(Result(f, v, lo, hi, n, f.holds(v, other)))
    return out


def md(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|")


def table(results: list[Result]) -> str:
    """A Markdown table: scenario, fact, target, model value with 95 % interval, history."""
    lines = [
        "| scenario | fact | target | model (95 % interval) | runs | holds | history (source) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        f = r.fact
        val = "n/a" if math.isnan(r.value) else f"{r.value:.3g} ({r.low:.3g} to {r.high:.3g})"
        lines.append(
            f"| {f.scenario} | {md(f.label)} | {md(f.describe())} | {val} | {r.n} | "
            f"{'yes' if r.passed else '**no**'} | {f.history} ({f.source}) |"
        )
    return "\n".join(lines)
