"""The parameter schema: every tweakable preference, its range, its default and its meaning.

This module is the single source of truth for parameter paths (the public interface of
scenario files, ``--set PATH=VALUE`` overrides and the dashboard). A path is
``section.key`` or ``members.<ISO2>.key``; scenarios with several tracks add
``allies.<ISO2>.key``, ``targets.<ISO2>.retaliation``, ``mechanisms.<name>``,
``constants.<name>`` (declared in :mod:`sim.scenario.constants`) and the per-track paths
``tracks.<id>.<actor section>...`` (see :mod:`sim.scenario.tracks`). Each field's metadata
gives its range and a one-line meaning; defaults are neutral values that a scenario file
normally overrides.

Numeric parameters may be given in a scenario as a number or as a distribution table
(see :mod:`sim.scenario.distributions`), sampled once per run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any

from sim.scenario.constants import CONSTANTS, Constant

UNIT = (0.0, 1.0)
MONTHS = (0.0, 600.0)


UNITS = {UNIT: "share (0-1)", MONTHS: "months"}
"""The unit of a numeric parameter follows from its range."""


def _p(default: float, doc: str, rng: tuple[float, float] = UNIT) -> Any:
    return field(default=default, metadata={"range": rng, "doc": doc, "unit": UNITS[rng]})


@dataclass
class USParams:
    """The United States (the executive, acting through BIS rules)."""

    threat: float = _p(0.5, "perceived threat from the target's use of the basket")
    exposure: float = _p(0.1, "share of US exports of the basket at stake with the target")
    patience: float = _p(
        12.0, "the US's cost of delay: a control a month later is worth exp(-1/patience) of one now", MONTHS
    )
    pressure: float = _p(0.2, "leverage the US can spend on allies per month")
    reach: float = _p(0.5, "extraterritorial reach: foreign-direct-product and de-minimis rules")
    exemption: float = _p(0.5, "how far partners with similar controls are exempted from reach")
    concession: float = _p(0.1, "share of the US-EU gap the US gives up per round")
    reservation: float = _p(0.8, "lowest share of its ideal the US accepts in a joint deal")
    lag: float = _p(0.0, "months from a US decision to its rule", MONTHS)


@dataclass
class CommissionParams:
    """The European Commission (DG Trade), which proposes EU measures and brokers consent."""

    autonomy: float = _p(0.5, "weight on an EU stance independent of the US ask")
    brokerage: float = _p(0.5, "rate of pulling member positions together; derogation capacity")
    agenda: float = _p(0.5, "initial attention share of the TTC on the hard track")


@dataclass
class MemberParams:
    """One EU member state's preferences toward the scenario's target and basket."""

    threat: float = _p(0.3, "perceived threat")
    exposure: float = _p(0.05, "share of the member's relevant exports at stake with the target")
    us_dependence: float = _p(0.5, "susceptibility to US pressure; reliance on US security")
    retaliation_fear: float = _p(0.2, "fear of the target's retaliation")
    lag: float = _p(6.0, "months to put a national measure in force", MONTHS)


@dataclass
class TargetParams:
    """The state the controls are aimed at."""

    retaliation: float = _p(0.3, "propensity to retaliate against an adopter")
    availability: float = _p(0.3, "share of the basket others (and the target) can still supply")


@dataclass
class EUParams:
    """The EU's legal frame for a measure in this basket."""

    rule: str = field(
        default="unanimity",
        metadata={"choices": ("unanimity", "qmv"), "doc": "Council voting rule"},
    )
    lag: float = _p(0.0, "months from EU agreement to adoption (the annex route: a delegated act)", MONTHS)
    sanctions_lag: float = _p(1.0, "months from agreement to a CFSP sanctions regulation", MONTHS)
    autonomous_lag: float = _p(6.0, "months from agreement to an EU autonomous list (QMV)", MONTHS)
    national_controls: bool = field(
        default=True, metadata={"doc": "members may adopt national measures (Art. 9)"}
    )


DEFAULT_MINISTERIALS = ("2021-09", "2022-05", "2022-12", "2023-05", "2024-01", "2024-04")


@dataclass
class TTCParams:
    """The Trade and Technology Council's bargaining rules."""

    ministerials: tuple[str, ...] = field(
        default=DEFAULT_MINISTERIALS,
        metadata={"doc": "ministerial months (YYYY-MM), which give a round extra weight"},
    )
    tolerance: float = _p(0.15, "largest US-EU gap that still counts as aligned")
    min_stringency: float = _p(0.3, "a deal below this level is no control")
    window: float = _p(6.0, "months within which both sides must adopt", MONTHS)


@dataclass
class SoftTrackParams:
    """A soft track: governance output without controls (e.g. AI terms, evaluation tools)."""

    productivity: float = _p(0.5, "soft deliverables per unit of attention (0: the track yields nothing)")


SECTIONS: dict[str, type] = {
    "us": USParams,
    "commission": CommissionParams,
    "target": TargetParams,
    "eu": EUParams,
    "ttc": TTCParams,
}
MEMBER_KEYS: tuple[str, ...] = tuple(f.name for f in fields(MemberParams))
"""The keys of a member state, and of an ally (``allies.<ISO2>.key``): the same preferences."""
TARGET_KEYS = ("retaliation",)
"""The keys of a declared target state (``targets.<ISO2>.key``); its per-track key is
``tracks.<id>.target.availability``."""
TRACK_US_KEYS: tuple[str, ...] = tuple(f.name for f in fields(USParams) if f.name != "pressure")
"""The US keys a track may set for itself: all but ``pressure``, the leverage shared across tracks."""
TRACK_TARGET_KEYS = ("availability",)
MECHANISMS: dict[str, str] = {
    "preferences": "ideal levels rise with threat and pressure, fall with exports at stake and fear",
    "perception": "shocks move parameters; socialisation and intelligence pull perceptions together",
    "eu_routes": "Commission proposals on a track's routes; unanimity, QMV, derogations, regime vetoes",
    "bargaining": "TTC rounds per track compete for the agenda; agreement schedules adoption",
    "channel_choice": "the US waits (for the talks or the key suppliers), takes a minilateral or acts alone",
    "supplier_assurance": "key suppliers control together or not at all (backfill); Art. 9 and 10",
    "ratchet": "the US widens its rule's reach on observed leakage; allies may extend their measures",
    "countermeasures": "a target chooses whether and with what material to answer; importers fear more",
    "agenda": "attention over the tracks follows progress; soft output accrues with its productivity",
    "regime_cascade": "national lists after a vetoed regime update, and others applying them (Art. 10)",
}
"""The ten mechanism switches (``mechanisms.<name>``, default true): switched off, a mechanism
behaves as its absence."""
MONTH_RE = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
"""A calendar month ``YYYY-MM`` (use with ``fullmatch``)."""
HORIZON = (1, 600)
"""The shortest and longest horizon in months (``scenario.months``)."""


def _constant_field(c: Constant) -> Any:
    return field(
        default=c.default,
        metadata={"range": (c.low, c.high), "doc": f"{c.meaning} ({c.mechanism})", "unit": "constant"},
    )


EXTRA_FIELDS: dict[str, dict[str, Any]] = {
    "mechanisms": {name: field(default=True, metadata={"doc": doc}) for name, doc in MECHANISMS.items()},
    "constants": {name: _constant_field(c) for name, c in CONSTANTS.items()},
}
"""The sections whose keys are not fields of a dataclass: the mechanism switches and the
structural constants."""
SPEC_CLASSES: dict[str, type] = {
    **SECTIONS,
    "members": MemberParams,
    "allies": MemberParams,
    "targets": TargetParams,
    "soft": SoftTrackParams,
}
"""The dataclass behind each section a value's path may name: ``soft`` is a soft track's own
keys (``tracks.<id>.productivity``)."""


def spec(section: str, key: str) -> Any:
    """The dataclass field that defines ``section.key`` (``section`` may be 'members',
    'allies', 'targets', 'soft', 'mechanisms' or 'constants')."""
    if section in EXTRA_FIELDS:
        return EXTRA_FIELDS[section][key]
    for f in fields(SPEC_CLASSES[section]):
        if f.name == key:
            return f
    raise KeyError(key)


def section_keys(section: str) -> tuple[str, ...]:
    """The keys of ``section`` (as :func:`spec` names it)."""
    if section in EXTRA_FIELDS:
        return tuple(EXTRA_FIELDS[section])
    if section == "targets":
        return TARGET_KEYS
    return tuple(f.name for f in fields(SPEC_CLASSES[section]))


def is_numeric(section: str, key: str) -> bool:
    """True when ``section.key`` holds a number in a range (so it may be a distribution)."""
    return "range" in spec(section, key).metadata


def value_range(section: str, key: str) -> tuple[float, float]:
    r: tuple[float, float] = spec(section, key).metadata["range"]
    return r


def defaults() -> dict[str, Any]:
    """Every path of the sections, the switches and the constants with its default value
    (not the members', allies' or tracks' paths)."""
    out: dict[str, Any] = {}
    for name, cls in SECTIONS.items():
        for f in fields(cls):
            out[f"{name}.{f.name}"] = f.default
    for name, specs in EXTRA_FIELDS.items():
        out.update({f"{name}.{key}": f.default for key, f in specs.items()})
    return out


def member_defaults() -> dict[str, float]:
    return {f.name: float(f.default) for f in fields(MemberParams)}  # type: ignore[arg-type]


@dataclass(frozen=True)
class ParamInfo:
    """One settable path of the schema, as ``ttcsim params`` lists it."""

    path: str
    default: Any
    range: str
    unit: str
    meaning: str


def _info(path: str, f: Any) -> ParamInfo:
    meta = f.metadata
    if "range" in meta:
        lo, hi = meta["range"]
        return ParamInfo(path, f.default, f"{lo:g}..{hi:g}", meta["unit"], meta["doc"])
    if "choices" in meta:
        return ParamInfo(path, f.default, " | ".join(meta["choices"]), "choice", meta["doc"])
    if isinstance(f.default, bool):
        return ParamInfo(path, f.default, "true | false", "switch", meta["doc"])
    return ParamInfo(path, list(f.default), "['YYYY-MM', ...]", "months", meta["doc"])


FILE_ONLY = "(in a file only; not as an override)"
"""The end of the meaning of a file key that an override cannot set."""
FILE_KEYS = (
    ParamInfo("scenario.name", "the file's name", "text", "", "the scenario's label in results"),
    ParamInfo("scenario.description", "", "text", "", "one line describing the scenario"),
    ParamInfo("scenario.start", "required", "YYYY-MM", "month", "calendar month of step 0"),
    ParamInfo(
        "scenario.months",
        "required",
        "{}..{}".format(*HORIZON),
        "months",
        "horizon: the number of monthly steps",
    ),
    ParamInfo("scenario.extends", "", "path", "", f"a scenario file whose values apply first {FILE_ONLY}"),
    ParamInfo(
        "members.preferences",
        "",
        "path",
        "",
        "CSV of per-member defaults: beside the file (as an override: in the current folder) or in sim/data/",
    ),
    ParamInfo("members.basket", "dual_use", "a supply column", "", "which goods the controls cover"),
)
"""The scenario file's own keys, which are not parameters of an actor. All but those whose
meaning ends in :data:`FILE_ONLY` may also be given as overrides."""


TRACK = "tracks.<id>"
"""How the listing writes a track's id in a path."""
ROUTES = ("sanctions", "annex", "autonomous", "national", "art10")
"""The European routes a track may use, in canonical order (the US rule and allies' national
rules are always open): CFSP sanctions, an Annex I update through the regimes, an EU
autonomous list, national lists (Art. 9), applying another member's list (Art. 10)."""
TRACK_KINDS = ("hard", "soft")
TRACK_FILE_KEYS = (
    ParamInfo(
        f"{TRACK}.kind",
        "hard",
        " | ".join(TRACK_KINDS),
        "choice",
        f"a control track or a soft one {FILE_ONLY}",
    ),
    ParamInfo(
        f"{TRACK}.target",
        "required",
        "an ISO2 of [targets.*] or ''",
        "",
        "the state a hard track's controls aim at ('' for none)",
    ),
    ParamInfo(
        f"{TRACK}.basket",
        "members.basket",
        "a segment of the track",
        "",
        "which segment of the supply data (v2_supply_shares.csv) a hard track controls",
    ),
    ParamInfo(
        f"{TRACK}.routes",
        "required",
        "[" + ", ".join(ROUTES) + "]",
        "list",
        "the European routes a hard track may use (the US and allies' rules are always open)",
    ),
    ParamInfo(
        f"{TRACK}.members.preferences",
        "",
        "path",
        "",
        f"CSV of per-track defaults, rows for members and allies {FILE_ONLY}",
    ),
)
"""A track's own keys in ``[tracks.<id>]``, which are not parameters of an actor."""


def schema() -> list[ParamInfo]:
    """Every settable path with its default, range, unit and meaning, in file order:
    scenario keys, the sections, member keys (``members.<ISO2>.key`` or ``members.*.key``),
    allies and targets, the mechanism switches, the constants, then the per-track paths."""
    rows = list(FILE_KEYS)
    for name, cls in SECTIONS.items():
        rows += [_info(f"{name}.{f.name}", f) for f in fields(cls)]
    rows += [_info(f"members.<ISO2>.{f.name}", f) for f in fields(MemberParams)]
    rows += [_info(f"allies.<ISO2>.{f.name}", f) for f in fields(MemberParams)]
    rows += [_info(f"targets.<ISO2>.{key}", spec("targets", key)) for key in TARGET_KEYS]
    for name, specs in EXTRA_FIELDS.items():
        rows += [_info(f"{name}.{key}", f) for key, f in specs.items()]
    rows += list(TRACK_FILE_KEYS)
    rows += [_info(f"{TRACK}.us.{key}", spec("us", key)) for key in TRACK_US_KEYS]
    rows += [_info(f"{TRACK}.members.<ISO2>.{f.name}", f) for f in fields(MemberParams)]
    rows += [_info(f"{TRACK}.allies.<ISO2>.{f.name}", f) for f in fields(MemberParams)]
    rows += [_info(f"{TRACK}.target.{key}", spec("target", key)) for key in TRACK_TARGET_KEYS]
    rows += [_info(f"{TRACK}.{f.name}", f) for f in fields(SoftTrackParams)]
    return rows


def _file_keys(section: str, overridable: bool = False) -> tuple[str, ...]:
    return tuple(
        info.path.split(".", 1)[1]
        for info in FILE_KEYS
        if info.path.startswith(f"{section}.") and not (overridable and info.meaning.endswith(FILE_ONLY))
    )


SCENARIO_KEYS = _file_keys("scenario")
"""The keys of a file's ``[scenario]`` table."""
OVERRIDABLE_SCENARIO_KEYS = _file_keys("scenario", overridable=True)
MEMBERS_FILE_KEYS = _file_keys("members")
"""The keys of ``[members]`` that are not member codes."""
KNOWN_PATHS = tuple(info.path.replace("<ISO2>", "*") for info in schema())
"""Every path a file or an override can name, for "did you mean" on an unknown path."""
