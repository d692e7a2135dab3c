"""One path and its value: which parameter a path names, and whether a value suits it.

Every value a scenario gets, from a file, an override or a design, passes :func:`set_path`;
every "unknown name" message is built by :func:`unknown`, with the closest known names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.messages import show, suggest
from sim.scenario import schema as P
from sim.scenario.distributions import DistributionError, parse
from sim.scenario.errors import ScenarioError
from sim.scenario.members import find_preferences, member_table, read_preferences
from sim.scenario.tracks import (
    ISO_RE,
    STRUCTURE_KEYS,
    TRACK_ID_RE,
    declare,
    set_structure,
    track_ids,
    track_segments,
)

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


@dataclass(frozen=True)
class ParamPath:
    """A parameter path taken apart: the schema ``section`` and ``key`` of its value (see
    :func:`~sim.scenario.schema.spec`), the ``track`` it belongs to (``""`` for a general
    path, an id or ``*``) and the ``actor`` it names (a member, ally or target code, or
    ``*``; ``""`` for a section)."""

    section: str
    key: str
    track: str = ""
    actor: str = ""


def parameter_path(source: str, where: str, path: str, sc: Scenario | None = None) -> tuple[str, str]:
    """The section and key of a model parameter path (``us.threat``, ``members.NL.lag``,
    ``members.*.lag``, ``tracks.china_sme.us.reach``); else a ScenarioError at ``where``
    saying which part is unknown, with the closest known names. With ``sc``, the tracks,
    allies and targets it names must be ones ``sc`` declares."""
    pp = param_path(source, where, path, sc)
    return pp.section, pp.key


def param_path(source: str, where: str, path: str, sc: Scenario | None = None) -> ParamPath:
    """``path`` taken apart (see :func:`parameter_path`)."""
    parts = path.split(".")
    lead = "" if where == path else f"{path}: "
    if parts[0] == "tracks":
        return _track_path(source, where, lead, parts, sc)
    if parts[0] in ACTOR_GROUPS:
        group = parts[0]
        if len(parts) != 3:
            raise ScenarioError(source, where, f"{lead}{group} paths are {group}.<ISO2>.key or {group}.*.key")
        _actor_key(source, where, lead, group, parts[1], parts[2])
        _actor_code(source, where, lead, group, parts[1], sc)
        return ParamPath(group, parts[2], "", parts[1])
    if parts[0] in (*P.SECTIONS, *P.EXTRA_FIELDS) and len(parts) == 2:
        keys = P.section_keys(parts[0])
        if parts[1] not in keys:
            raise unknown(source, where, f"{lead}unknown key", parts[1], keys, parts[0] + ".")
        return ParamPath(parts[0], parts[1])
    if path in P.KNOWN_PATHS:  # e.g. scenario.months as the path of a shock
        raise ScenarioError(source, where, f"{lead}not a model parameter")
    named = (*P.SECTIONS, *P.EXTRA_FIELDS, *ACTOR_GROUPS, "tracks")
    sections = f"sections: scenario, {', '.join(named)}"
    raise unknown(source, where, f"{lead}unknown parameter path", path, P.KNOWN_PATHS, "", sections)


ACTOR_GROUPS = ("members", "allies", "targets")
"""The sections whose paths name an actor by its ISO2 code."""


def _actor_key(source: str, where: str, lead: str, group: str, code: str, key: str) -> None:
    keys = P.section_keys(group)
    if key in keys:
        return
    if group == "targets" and key in P.TRACK_TARGET_KEYS:
        raise ScenarioError(source, where, f"{lead}{key} differs by track: set tracks.<id>.target.{key}")
    singular = {"members": "member", "allies": "ally", "targets": "target"}[group]
    raise unknown(
        source,
        where,
        f"{lead}unknown {singular} key {show(key)}",
        key,
        keys,
        f"{group}.{code}.",
        f"expected one of {', '.join(keys)}",
    )


def _actor_code(source: str, where: str, lead: str, group: str, code: str, sc: Scenario | None) -> None:
    """Refuse a code that names no member (``members``), or no ally or target ``sc`` declares."""
    if code == "*":
        return
    if group == "members":
        members = member_table().iso
        if code not in members:
            problem = f"{lead}unknown member code {show(code)}"
            raise unknown(
                source, where, problem, code, members, "", f"expected one of {' '.join(members)}, or '*'"
            )
        return
    declared = () if sc is None else (sc.allies if group == "allies" else sc.targets)
    if (sc is None and ISO_RE.fullmatch(code)) or code in declared:
        return
    singular = "ally" if group == "allies" else "target"
    listed = f"declared: {' '.join(declared)}" if declared else "none declared"
    problem = f"{lead}unknown {singular} {show(code)} (a file declares one with [{group}.<ISO2>])"
    raise unknown(source, where, problem, code, declared, "", listed)


def _track_path(source: str, where: str, lead: str, parts: list[str], sc: Scenario | None) -> ParamPath:
    """A path under ``tracks.<id>.``: an actor's per-track key or a soft track's parameter."""
    if len(parts) < 3:
        raise ScenarioError(
            source, where, f"{lead}track paths are tracks.<id>.key or tracks.<id>.<actor>.key"
        )
    track, rest = parts[1], parts[2:]
    prefix = f"tracks.{track}."
    if track != "*":
        if not TRACK_ID_RE.fullmatch(track):
            raise ScenarioError(source, where, f"{lead}malformed track id {show(track)}")
        if sc is not None and f"tracks.{track}.kind" not in sc.values:  # O(1): runs check shocks
            ids = track_ids(sc)
            if track not in ids:
                listed = (
                    f"declared: {' '.join(ids)}"
                    if ids
                    else "the scenario declares no track; a file declares one with [tracks.<id>]"
                )
                raise unknown(
                    source, where, f"{lead}unknown track {show(track)}", track, ids, "tracks.", listed
                )
    head = rest[0]
    pp: ParamPath | None = None
    if rest == ["basket"] or rest == ["members", "basket"]:
        raise ScenarioError(
            source, where, f"{lead}not a numeric parameter (the track's basket is tracks.<id>.basket)"
        )
    if len(rest) == 1 and head in P.section_keys("soft"):
        pp = ParamPath("soft", head, track)
    elif len(rest) == 1 and head in STRUCTURE_KEYS:
        raise ScenarioError(source, where, f"{lead}not a model parameter")
    elif head == "us" and len(rest) == 2:
        if rest[1] == "pressure":
            raise ScenarioError(
                source, where, f"{lead}the US leverage is shared across tracks: set us.pressure"
            )
        if rest[1] not in P.TRACK_US_KEYS:
            raise unknown(source, where, f"{lead}unknown key", rest[1], P.TRACK_US_KEYS, prefix + "us.")
        pp = ParamPath("us", rest[1], track)
    elif head in ("members", "allies") and len(rest) == 3:
        _actor_key(source, where, lead, head, rest[1], rest[2])
        _actor_code(source, where, lead, head, rest[1], sc)
        pp = ParamPath(head, rest[2], track, rest[1])
    elif head == "target" and len(rest) == 2:
        if rest[1] in P.TARGET_KEYS:
            raise ScenarioError(
                source,
                where,
                f"{lead}a target's {rest[1]} is shared by its tracks: set targets.<ISO2>.{rest[1]}",
            )
        if rest[1] not in P.TRACK_TARGET_KEYS:
            raise unknown(
                source, where, f"{lead}unknown key", rest[1], P.TRACK_TARGET_KEYS, prefix + "target."
            )
        pp = ParamPath("target", rest[1], track)
    if pp is None:
        known = [p.removeprefix(f"{P.TRACK}.") for p in P.KNOWN_PATHS if p.startswith(f"{P.TRACK}.")]
        raise unknown(source, where, f"{lead}unknown track path", ".".join(rest), known, prefix)
    if sc is not None and track != "*":
        soft = sc.values[f"tracks.{track}.kind"] == "soft"
        if soft and pp.section != "soft":
            raise ScenarioError(
                source, where, f"{lead}a soft track has no actor parameters (its only key is productivity)"
            )
        if not soft and pp.section == "soft":
            raise ScenarioError(
                source, where, f"{lead}{pp.key} is a soft track's key; {track} is a hard track"
            )
    return pp


def numeric_path(source: str, path: str, where: str = "", sc: Scenario | None = None) -> tuple[float, float]:
    """The range of the numeric parameter at ``path`` (``us.threat``, ``members.NL.threat``,
    ``members.*.threat``, ``tracks.*.us.reach``): the check of every place that takes a number
    per path (shocks, sensitivity factors, calibrated parameters). Otherwise a ScenarioError
    from ``source`` at ``where`` (default: the path) naming the unknown part with the closest
    known names; with ``sc``, its tracks, allies and targets must be declared there."""
    where = where or path
    section, key = parameter_path(source, where, path, sc)
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
    """The concrete paths of ``path`` in a scenario without tracks: members.*.key names one
    per member (see :func:`concrete_paths` for any scenario)."""
    parts = path.split(".")
    if parts[0] == "members" and len(parts) == 3 and parts[1] == "*":
        return [f"members.{m}.{parts[2]}" for m in members]
    return [path]


def concrete_paths(sc: Scenario, pp: ParamPath) -> list[str]:
    """The concrete paths a (possibly wildcard) parameter path names in ``sc``: ``*`` stands
    for every member, every declared ally or target, and every hard track (every soft track
    for a soft track's key)."""
    if pp.section in ACTOR_GROUPS:
        everyone = {"members": sc.members, "allies": sc.allies, "targets": sc.targets}[pp.section]
        actors = everyone if pp.actor == "*" else (pp.actor,)
        inner = [f"{pp.section}.{a}.{pp.key}" for a in actors]
    else:
        inner = [f"{pp.section}.{pp.key}"]
    if not pp.track:
        return inner
    if pp.section == "soft":
        tracks = track_ids(sc, "soft") if pp.track == "*" else (pp.track,)
        return [f"tracks.{t}.{pp.key}" for t in tracks]
    tracks = track_ids(sc, "hard") if pp.track == "*" else (pp.track,)
    return [f"tracks.{t}.{p}" for t in tracks for p in inner]


def track_counterparts(sc: Scenario, general: str) -> list[str]:
    """The paths that a general concrete path stands for, track by track: ``us.reach`` for
    every hard track's ``tracks.<id>.us.reach``, ``target.availability`` for every hard
    track's ``tracks.<id>.target.availability``, ``target.retaliation`` for every declared
    target's ``targets.<ISO2>.retaliation``."""
    if general == "target.retaliation":
        return [f"targets.{t}.retaliation" for t in sc.targets]
    section = general.split(".")[0]
    if section == "us" and general.split(".")[1] not in P.TRACK_US_KEYS:
        return []
    if section in ("us", "members", "allies", "target"):
        return [f"tracks.{t}.{general}" for t in track_ids(sc, "hard")]
    return []


def expand_path(sc: Scenario, source: str, path: str) -> list[str]:
    """Every concrete path a value at ``path`` moves in ``sc``: its own concrete paths (a
    wildcard names several) and, for a general path, the same key in every track and every
    declared target (:func:`track_counterparts`). The paths a shock on ``path`` shifts."""
    out: list[str] = []
    for concrete in concrete_paths(sc, param_path(source, path, path, sc)):
        out += [concrete, *track_counterparts(sc, concrete)]
    return out


def apply_member_rows(sc: Scenario, rows: dict[str, dict[str, float]], group: str = "members") -> None:
    """Store a preference table's values (code -> key -> value) in ``sc`` under ``group``
    (``members``, ``allies``, or a track's ``tracks.<id>.members``, ...)."""
    for code, vals in rows.items():
        for key, v in vals.items():
            sc.values[f"{group}.{code}.{key}"] = v


def set_path(sc: Scenario, source: str, path: str, value: Any, override: bool = False) -> None:
    """Validate ``value`` for ``path`` and store it at every concrete path it names (see
    :func:`concrete_paths`). A preferences file given here (an override, not a file's
    ``[members]``) is found from the current folder.

    An ``override`` (``--set``, the API, a sweep or a design point) of a general key replaces
    that key in every track, track values from files included (:func:`track_counterparts`);
    in a file, a track's value beats the general one, which this function leaves in place."""
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
        _set_basket(sc, source, path, value, override)
        return
    if path == "members.preferences":
        p = find_preferences(Path.cwd() / "x", str(value))
        if p is None:
            raise ScenarioError(source, path, f"file {show(value)} not found")
        sc.preferences = str(p)
        apply_member_rows(sc, read_preferences(p, sc.members, source, path))
        for general in [f"members.{m}.{k}" for m in sc.members for k in P.MEMBER_KEYS] if override else []:
            for specific in track_counterparts(sc, general):  # as for any general key
                sc.values.pop(specific, None)
        return
    if (
        parts[0] == "tracks"
        and len(parts) >= 3
        and parts[2] in (*STRUCTURE_KEYS, "members")
        and (len(parts) == 3 or parts[2:] == ["members", "preferences"] or parts[2:] == ["target", "iso"])
    ):
        _set_track_key(sc, source, path, parts, value, override)
        return
    pp = param_path(source, path, path, sc)
    checked = check_value(source, path, pp.section, pp.key, value)
    if pp.section == "target" and not pp.track and track_ids(sc):
        _v1_target_path(sc, source, path, pp.key)
    for concrete in concrete_paths(sc, pp):
        sc.values[concrete] = checked
        if override:  # an override of a general key replaces it in every track
            for specific in track_counterparts(sc, concrete):
                sc.values.pop(specific, None)


def _v1_target_path(sc: Scenario, source: str, path: str, key: str) -> None:
    """Refuse a version-1 ``target.*`` path where the tracks give it nothing to stand for."""
    if key == "retaliation" and not sc.targets:
        raise ScenarioError(
            source, path, "no target is declared: declare [targets.<ISO2>] and set targets.<ISO2>.retaliation"
        )
    if key == "availability" and not track_ids(sc, "hard"):
        raise ScenarioError(
            source, path, "the scenario has no hard track: set tracks.<id>.target.availability"
        )


def _set_basket(sc: Scenario, source: str, path: str, value: Any, override: bool) -> None:
    """``members.basket``: the basket of a scenario without tracks (a column of the member
    table); with tracks, the basket of every hard track that names none (in files) or of
    every hard track (as an override), a segment of the supply data."""
    hard = track_ids(sc, "hard")
    if not track_ids(sc):
        sc.basket = choice(source, path, value, member_table().baskets())
        return
    if not hard:
        raise ScenarioError(source, path, "the scenario has no hard track: set tracks.<id>.basket")
    sc.basket = choice(source, path, value, track_segments(hard[0]))
    if not override:
        return
    for track in hard:
        sc.values.pop(f"tracks.{track}.basket", None)


def _set_track_key(
    sc: Scenario, source: str, path: str, parts: list[str], value: Any, override: bool
) -> None:
    """A track's own key (``tracks.<id>.target``, ``.basket``, ``.routes``; ``.kind`` in a
    file only), for one track or every hard track (``*``). A track's preferences file is read
    by the loader, from its file only."""
    key = "target" if parts[2:] == ["target", "iso"] else ".".join(parts[2:])
    if key in ("kind", "members.preferences"):
        if override:
            raise ScenarioError(
                source, path, f"set in the scenario file only (a track's {key} is not overridable)"
            )
        if key == "members.preferences":
            raise ScenarioError(
                source, path, "a track's preferences file is named in its [tracks.<id>.members] table"
            )
    ids = track_ids(sc)
    if parts[1] == "*":
        tracks = track_ids(sc, "hard")
    elif parts[1] in ids or key == "kind":
        tracks = (parts[1],)
    else:
        listed = (
            f"declared: {' '.join(ids)}"
            if ids
            else "the scenario declares no track; a file declares one with [tracks.<id>]"
        )
        raise unknown(source, path, f"unknown track {show(parts[1])}", parts[1], ids, "tracks.", listed)
    if key == "kind":
        for track in tracks:
            declare(sc, source, track, value)
        return
    for track in tracks:
        set_structure(sc, source, f"tracks.{track}.{key}", track, key, value)
