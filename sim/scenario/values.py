"""One path and its value: which parameter a path names, and whether a value suits it.

Every value a scenario gets, from a file, an override or a design, passes :func:`set_path`;
every "unknown name" message is built by :func:`unknown`, with the closest known names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.messages import show, suggest
from sim.scenario import schema as P
from sim.scenario.distributions import DistributionError, parse
from sim.scenario.errors import ScenarioError
from sim.scenario.members import find_preferences, member_table, read_preferences

if TYPE_CHECKING:
    from sim.scenario.resolved import Scenario


def unknown(
    source: str,
    where: str,
    problem: str,
    name: Any,
    known: Iterable[str],
    prefix: str = "",
    otherwise: str = "",
) -> ScenarioError:
    """The error for a ``name`` that is none of ``known``: ``problem`` with the closest known
    names (each after ``prefix``), else ``otherwise`` in parentheses."""
    hint = suggest(name, known, prefix) if isinstance(name, str) else ""
    return ScenarioError(source, where, problem + (hint or (f" ({otherwise})" if otherwise else "")))


def month(source: str, key: str, value: Any) -> str:
    if not isinstance(value, str) or not P.MONTH_RE.fullmatch(value):
        raise ScenarioError(source, key, f"must be a month 'YYYY-MM' (got {show(value)})")
    return value


def parameter_path(source: str, where: str, path: str) -> tuple[str, str]:
    """The section and key of a model parameter path (``us.threat``, ``members.NL.lag``,
    ``members.*.lag``); else a ScenarioError at ``where`` saying which part is unknown, with
    the closest known names."""
    parts = path.split(".")
    lead = "" if where == path else f"{path}: "
    if parts[0] == "members":
        if len(parts) != 3:
            raise ScenarioError(source, where, f"{lead}member paths are members.<ISO2>.key or members.*.key")
        code, key = parts[1], parts[2]
        if key not in P.MEMBER_KEYS:
            raise unknown(
                source,
                where,
                f"{lead}unknown member key {show(key)}",
                key,
                P.MEMBER_KEYS,
                f"members.{code}.",
                f"expected one of {', '.join(P.MEMBER_KEYS)}",
            )
        members = member_table().iso
        if code != "*" and code not in members:
            problem = f"{lead}unknown member code {show(code)}"
            raise unknown(
                source, where, problem, code, members, "", f"expected one of {' '.join(members)}, or '*'"
            )
        return "members", key
    if parts[0] in P.SECTIONS and len(parts) == 2:
        keys = [f.name for f in fields(P.SECTIONS[parts[0]])]
        if parts[1] not in keys:
            raise unknown(source, where, f"{lead}unknown key", parts[1], keys, parts[0] + ".")
        return parts[0], parts[1]
    if path in P.KNOWN_PATHS:  # e.g. scenario.months as the path of a shock
        raise ScenarioError(source, where, f"{lead}not a model parameter")
    sections = f"sections: scenario, {', '.join(P.SECTIONS)}, members"
    raise unknown(source, where, f"{lead}unknown parameter path", path, P.KNOWN_PATHS, "", sections)


def numeric_path(source: str, path: str, where: str = "") -> tuple[float, float]:
    """The range of the numeric parameter at ``path`` (``us.threat``, ``members.NL.threat``,
    ``members.*.threat``): the check of every place that takes a number per path (shocks,
    sensitivity factors, calibrated parameters). Otherwise a ScenarioError from ``source`` at
    ``where`` (default: the path) naming the unknown part with the closest known names."""
    where = where or path
    section, key = parameter_path(source, where, path)
    if not P.is_numeric(section, key):
        lead = "" if where == path else f"{path}: "
        raise ScenarioError(source, where, f"{lead}not a numeric parameter")
    return P.value_range(section, key)


def check_value(source: str, path: str, section: str, key: str, value: Any) -> Any:
    """``value`` as stored for the parameter ``section.key`` (a float, a distribution, a
    choice, a switch or a tuple of months)."""
    f = P.spec(section, key)
    meta = f.metadata
    if "range" in meta:
        lo, hi = meta["range"]
        if isinstance(value, dict):
            try:
                return parse(value, (lo, hi))
            except DistributionError as e:
                raise ScenarioError(source, path, f"bad distribution: {e}") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ScenarioError(source, path, f"must be a number or a distribution table (got {show(value)})")
        if not lo <= value <= hi:  # also refuses nan, inf and integers too large for a float
            raise ScenarioError(source, path, f"{show(value)} outside [{lo:g}, {hi:g}]")
        return float(value)
    if "choices" in meta:
        return choice(source, path, value, meta["choices"])
    if isinstance(f.default, bool):
        if isinstance(value, str) and value.casefold() in ("true", "false"):
            return value.casefold() == "true"
        if not isinstance(value, bool):
            raise ScenarioError(source, path, f"must be true or false (got {show(value)})")
        return value
    # ministerials
    if not isinstance(value, list):
        raise ScenarioError(source, path, "must be a list of months ['YYYY-MM', ...]")
    return tuple(month(source, f"{path}[{i}]", v) for i, v in enumerate(value))


def choice(source: str, path: str, value: Any, choices: tuple[str, ...] | list[str]) -> str:
    """The canonical spelling of one of ``choices``, matched ignoring case (``QMV`` is ``qmv``)."""
    if isinstance(value, str):
        for c in choices:
            if value.casefold() == c.casefold():
                return c
    raise unknown(source, path, f"must be one of {', '.join(choices)}, not {show(value)}", value, choices)


def is_utf8(text: str) -> bool:
    """False for text holding lone surrogates: bytes of a command-line argument that were not
    UTF-8. No file format the scenario is written to can hold them."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def expand(path: str, members: tuple[str, ...]) -> list[str]:
    """The concrete paths of ``path``: members.*.key names one per member."""
    parts = path.split(".")
    if parts[0] == "members" and len(parts) == 3 and parts[1] == "*":
        return [f"members.{m}.{parts[2]}" for m in members]
    return [path]


def apply_member_rows(sc: Scenario, rows: dict[str, dict[str, float]]) -> None:
    """Store a preference table's values (member code -> key -> value) in ``sc``."""
    for code, vals in rows.items():
        for key, v in vals.items():
            sc.values[f"members.{code}.{key}"] = v


def set_path(sc: Scenario, source: str, path: str, value: Any) -> None:
    """Validate ``value`` for ``path`` and store it (expanding ``members.*``). A preferences
    file given here (an override, not a file's ``[members]``) is found from the current folder."""
    parts = path.split(".")
    if parts[0] == "scenario" and len(parts) == 2:
        key = parts[1]
        if key in ("name", "description"):
            if not isinstance(value, str):
                raise ScenarioError(source, path, "must be a string")
            if not is_utf8(value):
                raise ScenarioError(source, path, f"{show(value)} holds bytes that are not UTF-8 text")
            setattr(sc, key, value)
        elif key == "start":
            sc.start = month(source, path, value)
        elif key == "months":
            lo, hi = P.HORIZON
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                raise ScenarioError(
                    source, path, f"must be a whole number of months in {lo}..{hi} (got {show(value)})"
                )
            sc.months = value
        else:
            overridable = P.OVERRIDABLE_SCENARIO_KEYS
            raise unknown(
                source,
                path,
                "unknown key",
                key,
                overridable,
                "scenario.",
                f"overridable: {', '.join(overridable)}",
            )
        return
    if path == "members.basket":
        sc.basket = choice(source, path, value, member_table().baskets())
        return
    if path == "members.preferences":
        p = find_preferences(Path.cwd() / "x", str(value))
        if p is None:
            raise ScenarioError(source, path, f"file {show(value)} not found")
        sc.preferences = str(p)
        apply_member_rows(sc, read_preferences(p, sc.members, source, path))
        return
    section, key = parameter_path(source, path, path)
    checked = check_value(source, path, section, key, value)
    for concrete in expand(path, sc.members):
        sc.values[concrete] = checked
