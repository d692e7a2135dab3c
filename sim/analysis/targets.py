"""Targets: what a batch of runs must show, as a statistic of an outcome field and a bound.

One type serves the stylized facts (``sim/data/stylized_facts.toml``: does the shipped
scenario reproduce the history?) and calibration (``scenarios/targets/*.toml``: how far is a
particle from the history?). A target file is TOML, one ``[[target]]`` table per target::

    [[target]]
    label = "month of the US unilateral rule (median)"
    statistic = "median"          # share | median | mean (computed by sim.analysis.stylized)
    field = "china_sme.first_us_rule"   # a field of the row or a derived field (below)
    op = "in"                     # = | >= | <= | > | in | gt_scenario | gt_field (default =)
    value = [9, 24]               # a number; [low, high] for in; a scenario or field name for gt_*
    # by = 24                     # share of a month field: the event happened by this month
    # among = ["unilateral", "minilateral"]   # share of a text field: its value is one of these
    # tolerance = 2               # the unit of calibration distance; "=" needs one
    # given = "china_sme.coordinated"   # only runs where this true/false field is true
    # observed = 16               # the historical value, marked on timing plots
    # id = "china_sme_us_rule"; scenario = "ttc_2021_2025"   # a stylized fact's name and batch
    # history = "Oct 2022 = month 16 from Jun 2021"; source = "sources.md [16]"

Fields are the row's columns (:mod:`sim.model.outcomes`): ``<track>.<field>`` per hard track
(``china_sme.channel``) and the run-level ones (``soft_deliverables``). Derived fields:

* ``<track>.national:XX``: the month member or ally XX's first national measure on the track
  came into force (from ``national_months``; empty without one);
* ``<track>.lag:XX``: months from the track's first US rule to XX's national measure;
* ``<track>.first_us_rule``, ``<track>.first_countermeasure``: the month of the track's first
  US rule, of its target's first countermeasure;
* ``soft_share:YYYY-MM,YYYY-MM``: the mean soft share of the ministerials of those months.

* ``share`` is the share of runs where a true/false ``field`` is true, where a month ``field``
  is not empty (and at most ``by``), or where a text ``field`` is one of ``among``; ``median``
  and ``mean`` are taken over the runs where a numeric ``field`` is not empty.
* ``gt_scenario``: the statistic must exceed the same statistic of the scenario named by
  ``value`` (a stylized fact comparing two batches); ``gt_field``: it must exceed the same
  statistic of the field named by ``value`` on the same batch. Neither takes a tolerance.

:func:`load_targets` refuses a file on its first problem (unknown key, operator, statistic or
field, a value of the wrong type, a key the purpose requires missing) with one
:class:`~sim.scenario.ScenarioError` naming the file, the key (``target[i].op``) and the problem.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from sim.messages import show, suggest
from sim.model.outcomes import OUTCOMES, OutcomeKind
from sim.scenario import ScenarioError, member_table

STATISTICS = ("share", "median", "mean")
OPS = ("=", ">=", "<=", ">", "in", "gt_scenario", "gt_field")
COMPARISONS = ("gt_scenario", "gt_field")
OP_SPELLINGS = {
    "=>": ">=",
    "gte": ">=",
    "ge": ">=",
    "≥": ">=",
    "=<": "<=",
    "lte": "<=",
    "le": "<=",
    "≤": "<=",
    "==": "=",
    "eq": "=",
    "gt": ">",
    "between": "in",
}
"""Operators as other languages spell them, for the "did you mean" of an unknown one."""

TRACK_DERIVED: dict[str, OutcomeKind] = {
    "national": "month",
    "lag": "month",
    "first_us_rule": "month",
    "first_countermeasure": "month",
}
"""Per-track fields derived from the outcome row (``national`` and ``lag`` take ``:XX``, an
actor's ISO code), and how each is stored."""
SOFT_SHARE = "soft_share"
TRACK_ID = re.compile(r"[a-z][a-z0-9_]*")
ISO = re.compile(r"[A-Z]{2}")

NUMERIC = ("int", "month", "float")


@dataclass(frozen=True, kw_only=True)
class Target:
    """A statistic of an outcome field over a batch of runs, and the bound it must meet."""

    label: str
    statistic: str
    field: str
    op: str = "="
    value: Any
    tolerance: float | None = None
    given: str = ""
    id: str = ""
    scenario: str = ""
    observed: float | None = None
    by: float | None = None
    among: tuple[str, ...] = ()
    history: str = ""
    source: str = ""

    def deviation(self, x: float) -> float:
        """How far ``x`` lies outside the bound (0 inside it); for ``=``, its distance from
        the value."""
        if self.op == "in":
            return max(0.0, self.value[0] - x, x - self.value[1])
        if self.op in (">=", ">"):
            return max(0.0, self.value - x)
        if self.op == "<=":
            return max(0.0, x - self.value)
        return abs(x - self.value)

    def holds(self, x: float, other: float = math.nan) -> bool:
        """Whether the statistic ``x`` meets the bound; ``other`` is the compared scenario's
        statistic for ``gt_scenario``. An empty statistic (NaN) never does."""
        if math.isnan(x):
            return False
        if self.op in COMPARISONS:
            return x > other
        if self.op == ">":
            return x > self.value
        if self.op == "=":
            return self.deviation(x) <= (self.tolerance or 0.0)
        return self.deviation(x) == 0.0

    def distance(self, x: float) -> float:
        """The calibration distance: the deviation in units of the tolerance (infinite for an
        empty statistic)."""
        if math.isnan(x):
            return math.inf
        return self.deviation(x) / (self.tolerance or math.nan)

    def describe(self) -> str:
        """The bound as text, e.g. ``>= 0.8``, ``in 9..24``, ``= 16 (tolerance 2)``."""
        if self.op == "in":
            text = f"in {self.value[0]:g}..{self.value[1]:g}"
        elif self.op in COMPARISONS:
            text = f"> {self.value}"
        else:
            text = f"{self.op} {self.value:g}"
        return text if self.tolerance is None else f"{text} (tolerance {self.tolerance:g})"

    def condition(self) -> str:
        """What a share counts, beyond the field itself: ``by month 24``, ``in {a, b}`` (the ODD
        description's table of facts says it)."""
        if self.by is not None:
            return f"by month {self.by:g}"
        return f"in {{{', '.join(self.among)}}}" if self.among else ""


KEYS = tuple(f.name for f in fields(Target))
TEXT_KEYS = ("label", "statistic", "field", "op", "given", "id", "scenario", "history", "source")


def derived_kind(field: str, source: str, key: str) -> OutcomeKind | None:
    """How a derived field (module docstring) is stored; None for a field of the row. A
    derived field of an unknown kind or with a malformed argument is a :class:`ScenarioError`."""
    name, sep, arg = field.partition(":")
    if name == SOFT_SHARE:
        months = arg.split(",") if sep else []
        if not months or not all(re.fullmatch(r"\d{4}-\d{2}", m) for m in months):
            raise ScenarioError(
                source,
                key,
                f"{field!r}: soft_share needs ministerial months, e.g. soft_share:2022-12,2023-05",
            )
        return "float"
    track, dot, base = name.rpartition(".")
    if not dot or base not in TRACK_DERIVED:
        if sep:
            raise ScenarioError(
                source,
                key,
                f"unknown derived field {name!r}: expected <track>.national:XX, <track>.lag:XX "
                f"or soft_share:YYYY-MM{suggest(base, TRACK_DERIVED)}",
            )
        return None
    if not TRACK_ID.fullmatch(track):
        raise ScenarioError(source, key, f"{track!r} is not a track id (lower case, digits, underscores)")
    needs_actor = base in ("national", "lag")
    if needs_actor and not sep:
        raise ScenarioError(
            source, key, f"{field!r}: {base} needs an actor's ISO code, e.g. {track}.{base}:NL"
        )
    if needs_actor and not ISO.fullmatch(arg):
        raise ScenarioError(source, key, f"unknown member code {arg!r}{suggest(arg, member_table().iso)}")
    if not needs_actor and sep:
        raise ScenarioError(source, key, f"{field!r}: {base} takes no ':'")
    return TRACK_DERIVED[base]


def field_kind(field: str, source: str, key: str) -> OutcomeKind:
    """How an outcome field of the registry (``sim.model.outcomes.OUTCOMES``; per-track fields
    as ``<track>.<field>``) or a derived field is stored; an unknown field is a
    :class:`ScenarioError` with a "did you mean"."""
    kind = derived_kind(field, source, key)
    if kind is not None:
        return kind
    per_track = {o.name: o.kind for o in OUTCOMES if o.per_track}
    run_level = {o.name: o.kind for o in OUTCOMES if not o.per_track}
    if field in run_level:
        return run_level[field]
    track, dot, base = field.rpartition(".")
    if dot and TRACK_ID.fullmatch(track) and base in per_track:
        return per_track[base]
    if field in per_track:
        raise ScenarioError(
            source, key, f"{field!r} is a per-track field: name its track, e.g. china_sme.{field}"
        )
    known = [*run_level, *(f"<track>.{n}" for n in per_track), *(f"<track>.{n}" for n in TRACK_DERIVED)]
    raise ScenarioError(
        source,
        key,
        f"unknown outcome field {field!r}{suggest(base or field, [*per_track, *run_level, *TRACK_DERIVED])}"
        f" (known: {', '.join(known)})",
    )


def _number(x: Any) -> bool:
    """A finite TOML number (not a boolean, nan or inf)."""
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _target(t: dict[str, Any], require: Iterable[str], source: str, where: str) -> Target:
    """One ``[[target]]`` table, checked key by key."""

    def fail(key: str, problem: str) -> ScenarioError:
        return ScenarioError(source, f"{where}.{key}", problem)

    for key in t:
        if key not in KEYS:
            raise fail(key, f"unknown key{suggest(key, KEYS)}")
    for key in ("statistic", "field", "value", *require):
        if key not in t:
            raise fail(key, "missing")
    for key in TEXT_KEYS:
        if key in t and not isinstance(t[key], str):
            raise fail(key, f"must be a string, not {show(t[key])}")
    statistic, op, value = t["statistic"], t.get("op", "="), t["value"]
    if statistic not in STATISTICS:
        raise fail("statistic", f"unknown statistic {statistic!r}{suggest(statistic, STATISTICS)}")
    if op not in OPS:
        hint = f" (did you mean {OP_SPELLINGS[op]!r}?)" if op in OP_SPELLINGS else suggest(op, OPS)
        raise fail("op", f"unknown operator {op!r}{hint}; expected one of {', '.join(OPS)}")
    kind = field_kind(t["field"], source, f"{where}.field")
    by, among = t.get("by"), t.get("among", [])
    if by is not None and not (_number(by) and kind == "month" and statistic == "share"):
        raise fail(
            "by",
            f"a share of a month field takes a month number; not {show(by)} with a {statistic} of {kind}",
        )
    if among and not (
        isinstance(among, list)
        and all(isinstance(a, str) for a in among)
        and kind == "str"
        and statistic == "share"
    ):
        raise fail(
            "among", f"a share of a text field takes a list of values; not {show(among)} with a {kind} field"
        )
    if statistic == "share" and kind not in ("bool", "month") and not among:
        raise fail(
            "field",
            f"a share needs a true/false or month field (or 'among' for text); "
            f"{t['field']!r} is stored as {kind}",
        )
    if statistic != "share" and kind not in NUMERIC:
        raise fail("field", f"a {statistic} needs a numeric field; {t['field']!r} is stored as {kind}")
    if t.get("given") and field_kind(t["given"], source, f"{where}.given") != "bool":
        raise fail("given", f"needs a true/false field; {t['given']!r} is not one")
    if op == "in":
        if not (
            isinstance(value, list) and len(value) == 2 and all(map(_number, value)) and value[0] <= value[1]
        ):
            raise fail("value", f"op 'in' needs [low, high] with low <= high, not {show(value)}")
        value = (float(value[0]), float(value[1]))
    elif op == "gt_scenario":
        if not isinstance(value, str):
            raise fail(
                "value", f"op 'gt_scenario' needs the name of the compared scenario, not {show(value)}"
            )
        if "scenario" not in t:
            raise fail("scenario", "missing (op 'gt_scenario' compares this scenario with another)")
    elif op == "gt_field":
        if not isinstance(value, str):
            raise fail("value", f"op 'gt_field' needs the name of the compared field, not {show(value)}")
        if field_kind(value, source, f"{where}.value") != kind:
            raise fail(
                "value", f"op 'gt_field' compares fields stored alike; {value!r} is not a {kind} field"
            )
    elif _number(value):
        value = float(value)
    else:
        raise fail("value", f"must be a finite number, not {show(value)}")
    tolerance = t.get("tolerance")
    if tolerance is not None:
        if not _number(tolerance) or tolerance <= 0:
            raise fail("tolerance", f"must be a positive finite number, not {show(tolerance)}")
        if op in COMPARISONS:
            raise fail("tolerance", f"op {op!r} compares two statistics and takes no tolerance")
        tolerance = float(tolerance)
    elif op == "=":
        raise fail("tolerance", "missing: op '=' needs a tolerance (how near the value counts as equal)")
    observed = t.get("observed")
    if observed is not None and not _number(observed):
        raise fail("observed", f"must be a finite number, not {show(observed)}")
    text = {k: t[k] for k in TEXT_KEYS if k in t}
    text.setdefault("label", f"{statistic} of {t['field']}")
    return Target(
        **text,
        value=value,
        tolerance=tolerance,
        observed=None if observed is None else float(observed),
        by=None if by is None else float(by),
        among=tuple(among),
    )


def load_targets(path: str | Path, require: Iterable[str] = ()) -> list[Target]:
    """Every ``[[target]]`` of a file, each validated (see the module docstring); ``require``
    names the keys a purpose needs beyond statistic, field and value (e.g. ``tolerance`` for
    calibration)."""
    source = str(path)
    try:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
    except FileNotFoundError:
        raise ScenarioError(source, "", "file not found") from None
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(source, "", f"malformed TOML: {e}") from None
    tables = doc.get("target")
    if not isinstance(tables, list) or not tables:
        raise ScenarioError(source, "target", "needs at least one [[target]] table")
    extra = sorted(set(doc) - {"target"})
    if extra:
        raise ScenarioError(source, extra[0], "unknown key (a target file holds [[target]] tables)")
    require = tuple(require)
    out: list[Target] = []
    for i, t in enumerate(tables):
        if not isinstance(t, dict):
            raise ScenarioError(source, f"target[{i}]", "must be a table")
        target = _target(t, require, source, f"target[{i}]")
        if target.id and target.id in {o.id for o in out}:
            raise ScenarioError(source, f"target[{i}].id", f"{target.id!r} names an earlier target too")
        out.append(target)
    return out
