"""Scenario files: loading, validation, ``extends``, precedence and ``PATH=VALUE`` overrides.

A scenario is a TOML file (see ``scenarios/`` and the README). Resolution order, later wins:

1. the parameter defaults of :mod:`sim.scenario.schema`;
2. the scenario named by ``scenario.extends`` (resolved the same way, recursively);
3. this file: its sections, then ``members.preferences`` (the CSV of per-member defaults),
   then ``[members."*"]``, then ``[members.<ISO2>]``; ``[[shocks]]`` replaces the base's list;
4. overrides ``PATH=VALUE`` in the order given, whatever their specificity
   (``members.*.threat=0.9`` sets all 27 members).

Every problem raises :class:`ScenarioError` naming the file, the key path and the problem,
with the closest known names when a name is unknown. Stated limits: a scenario or preferences
file holds at most :data:`MAX_FILE_BYTES`; an ``extends`` chain is at most
:data:`MAX_EXTENDS_DEPTH` files deep; anything but a regular file (a folder, ``/dev/zero``, a
pipe) is refused before it is read.
"""

from __future__ import annotations

import csv
import io
import json
import re
import stat
import tomllib
import zlib
from dataclasses import dataclass, field, fields, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from sim.messages import clip, printable, show, suggest  # suggest: also for other modules' messages
from sim.scenario import schema as P
from sim.scenario.distributions import Distribution, DistributionError, is_finite_number, parse

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
MONTH_RE = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")  # use with fullmatch
TOP_LEVEL = ("scenario", "us", "commission", "members", "target", "eu", "ttc", "shocks")
MAX_FILE_BYTES = 1 << 20  # 1 MiB: the shipped files are a few KiB
MAX_EXTENDS_DEPTH = 32  # files in one chain of extends (the shipped counterfactuals use 1)
TOO_DEEP = "arrays or tables nested too deeply to read (a few hundred levels)"
OVERRIDABLE_SCENARIO_KEYS = ("name", "description", "start", "months")
# every path a file or --set can give a value, for "did you mean" on an unknown path
KNOWN_PATHS = (
    *(f"scenario.{k}" for k in OVERRIDABLE_SCENARIO_KEYS),
    *(f"{s}.{f.name}" for s, cls in P.SECTIONS.items() for f in fields(cls)),
    *(f"members.{k}" for k in P.MEMBERS_FILE_KEYS),
    *(f"members.*.{k}" for k in P.MEMBER_KEYS),
)


class ScenarioError(ValueError):
    """A scenario file or override is invalid. ``str()`` is the one-line message for users:
    unprintable characters appear escaped and over-long parts are cut in the middle."""

    def __init__(self, source: str, key: str, problem: str):
        self.source, self.key, self.problem = source, key, problem
        parts = [clip(printable(source), 200), clip(printable(key), 100), clip(printable(problem), 240)]
        super().__init__(": ".join(part for part in parts if part))

    def __reduce__(self) -> tuple[Any, ...]:
        return (ScenarioError, (self.source, self.key, self.problem))


# --------------------------------------------------------------------------- member table


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

    def exporter(self, basket: str) -> np.ndarray:
        return self.columns[f"exporter_{basket}"].astype(bool)


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


# --------------------------------------------------------------------------- the scenario


@dataclass(frozen=True)
class Shock:
    """At calendar ``month``, add ``delta`` to the parameter at ``path`` (clipped to range)."""

    month: str
    path: str
    delta: float


@dataclass
class Scenario:
    """A resolved scenario: every parameter path with a number, distribution or setting.

    ``values`` maps concrete paths (``us.threat``, ``members.NL.exposure``) to values. It
    pickles, so process pools and cluster workers can receive it.
    """

    name: str
    source: str
    start: str
    months: int
    description: str = ""
    basket: str = "dual_use"
    preferences: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    shocks: tuple[Shock, ...] = ()
    overrides: tuple[str, ...] = ()

    @property
    def members(self) -> tuple[str, ...]:
        return member_table().iso

    def sampled_paths(self) -> list[str]:
        """Paths whose value is a distribution (sampled once per run), in canonical order."""
        return sorted(p for p, v in self.values.items() if isinstance(v, Distribution))

    def sample(self, seed_seq: np.random.SeedSequence) -> dict[str, Any]:
        """Concrete values for one run. Each sampled path draws from its own child stream,
        keyed by the path's name, so adding or fixing one parameter never shifts another's
        draw (common random numbers across counterfactuals)."""
        out = dict(self.values)
        for path in self.sampled_paths():
            child = np.random.SeedSequence(
                seed_seq.entropy, spawn_key=(*seed_seq.spawn_key, zlib.crc32(path.encode()))
            )
            out[path] = self.values[path].sample(generator(child))
        return out

    def with_overrides(self, overrides: tuple[str, ...] | list[str]) -> Scenario:
        """A copy with ``PATH=VALUE`` overrides applied after everything else."""
        return self.with_values([parse_override(text) for text in overrides], "--set", tuple(overrides))

    def with_values(
        self, pairs: list[tuple[str, Any]], source: str = "--set", texts: tuple[str, ...] = ()
    ) -> Scenario:
        """A copy with (path, value) pairs applied in order; ``source`` names them in errors."""
        new = replace(self, values=dict(self.values), overrides=(*self.overrides, *texts))
        for path, value in pairs:
            _set_path(new, source, path, value)
        return new

    def month_index(self, ym: str) -> int:
        return month_diff(self.start, ym)

    def calendar(self, t: int) -> str:
        y, m = int(self.start[:4]), int(self.start[5:])
        k = y * 12 + (m - 1) + t
        return f"{k // 12:04d}-{k % 12 + 1:02d}"


def generator(seed_seq: np.random.SeedSequence) -> np.random.Generator:
    """``numpy.random.default_rng(seed_seq)`` without its per-call overhead (same stream)."""
    return np.random.Generator(np.random.PCG64(seed_seq))


def month_diff(a: str, b: str) -> int:
    """Months from ``a`` to ``b`` (both YYYY-MM)."""
    return (int(b[:4]) - int(a[:4])) * 12 + int(b[5:]) - int(a[5:])


# --------------------------------------------------------------------------- loading


def load_scenario(path: str | Path, overrides: tuple[str, ...] | list[str] = ()) -> Scenario:
    """Load, validate and resolve a scenario file, then apply overrides in order."""
    sc = _resolve(Path(path), ())
    return sc.with_overrides(tuple(overrides)) if overrides else sc


def read_text(path: Path, referrer: str = "", key: str = "") -> str:
    """The text of a scenario or preferences file: UTF-8, a leading byte-order mark dropped.

    A folder, a device such as ``/dev/zero``, a pipe or a file over :data:`MAX_FILE_BYTES` is
    refused without being read. When another file named this one (``referrer``, at ``key``),
    a file that cannot be read is reported there, with the path tried; a file whose bytes are
    not text is reported under its own name."""
    source, where, tried = (referrer, key, f"{path}: ") if referrer else (str(path), "", "")
    too_large = f"larger than {MAX_FILE_BYTES >> 20} MiB, the limit for scenario and preference files"
    data, problem = b"", ""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            problem = "a folder, not a file"
        elif not stat.S_ISREG(info.st_mode):
            problem = "not a regular file"
        elif info.st_size > MAX_FILE_BYTES:
            problem = too_large
        else:
            with open(path, "rb") as fh:
                data = fh.read(MAX_FILE_BYTES + 1)  # the file may have grown since stat
            problem = too_large if len(data) > MAX_FILE_BYTES else ""
    except FileNotFoundError:
        problem = "file not found"
    except PermissionError:
        problem = "permission denied"
    except OSError as e:
        problem = f"cannot read ({e.strerror or e})"
    except ValueError:  # a NUL byte in the name
        problem = "not a valid file name"
    if problem:
        raise ScenarioError(source, where, tried + problem)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ScenarioError(str(path), "", f"not UTF-8 text (byte {e.start}: {e.reason})") from None


def _parse_toml(text: str, source: str, key: str = "") -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(source, key, f"malformed TOML: {e}") from None
    except RecursionError:  # the parser recurses once per level of arrays and inline tables
        raise ScenarioError(source, key, TOO_DEEP) from None


def _resolve(path: Path, stack: tuple[Path, ...], referrer: str = "") -> Scenario:
    """The scenario in ``path``; ``stack`` holds the files that extend it (innermost last),
    ``referrer`` the one that named it."""
    source = str(path)
    doc = _parse_toml(read_text(path, referrer, "scenario.extends"), source)
    real = path.resolve()  # safe now: the file was just read
    if real in stack:
        chain = " -> ".join(str(p) for p in (*stack, real))
        raise ScenarioError(referrer, "scenario.extends", f"cycle: {chain}")
    for key in doc:
        if key not in TOP_LEVEL:
            hint = suggest(key, TOP_LEVEL) or f" (expected one of {', '.join(TOP_LEVEL)})"
            raise ScenarioError(source, key, f"unknown section{hint}")
    head = doc.get("scenario", {})
    _need_table(source, "scenario", head)
    for key in head:
        if key not in P.SCENARIO_KEYS:
            raise ScenarioError(
                source, f"scenario.{key}", f"unknown key{suggest(key, P.SCENARIO_KEYS, 'scenario.')}"
            )

    if "extends" in head:
        base_ref = head["extends"]
        if not isinstance(base_ref, str):
            raise ScenarioError(source, "scenario.extends", "must be a path string")
        if len(stack) >= MAX_EXTENDS_DEPTH:
            raise ScenarioError(
                source, "scenario.extends", f"a chain of extends more than {MAX_EXTENDS_DEPTH} files deep"
            )
        base_path = (path.parent / base_ref) if not Path(base_ref).is_absolute() else Path(base_ref)
        sc = _resolve(base_path, (*stack, real), source)
        sc = replace(sc, values=dict(sc.values), source=source)
    else:
        for key in ("start", "months"):
            if key not in head:
                raise ScenarioError(
                    source, f"scenario.{key}", "missing (required unless the file extends another)"
                )
        sc = Scenario(name=path.stem, source=source, start="", months=0, values=P.defaults())
        _apply_member_rows(sc, source, {iso: P.member_defaults() for iso in sc.members})

    sc.name = path.stem
    for key in ("name", "description", "start", "months"):
        if key in head:
            _set_path(sc, source, f"scenario.{key}", head[key])

    for section in ("us", "commission", "target", "eu", "ttc"):
        if section in doc:
            table = doc[section]
            _need_table(source, section, table)
            for key, value in table.items():
                _set_path(sc, source, f"{section}.{key}", value)

    if "members" in doc:
        _apply_members(sc, source, path, doc["members"])

    if "shocks" in doc:
        sc.shocks = _parse_shocks(sc, source, doc["shocks"])
    else:
        sc.shocks = tuple(sc.shocks)
    _check_shock_months(sc, source)
    return sc


def _need_table(source: str, key: str, value: Any) -> None:
    if not isinstance(value, dict):
        raise ScenarioError(source, key, f"must be a table (got {type(value).__name__})")


def _apply_members(sc: Scenario, source: str, path: Path, table: Any) -> None:
    _need_table(source, "members", table)
    iso = set(sc.members)
    for key in table:
        if key in P.MEMBERS_FILE_KEYS or key == "*" or key in iso:
            continue
        names = (*sc.members, "*", *P.MEMBERS_FILE_KEYS)
        hint = suggest(key, names) or f" (expected one of {' '.join(sc.members)}, '*', basket, preferences)"
        raise ScenarioError(source, f"members.{key}", f"unknown member code or key{hint}")
    if "basket" in table:
        _set_path(sc, source, "members.basket", table["basket"])
    if "preferences" in table:
        ref = table["preferences"]
        if not isinstance(ref, str):
            raise ScenarioError(source, "members.preferences", "must be a path string")
        csv_path = _find_preferences(path, ref)
        if csv_path is None:
            raise ScenarioError(
                source,
                "members.preferences",
                f"file {show(ref)} not found (next to the scenario or in {DATA_DIR})",
            )
        sc.preferences = str(csv_path)
        _apply_member_rows(sc, source, read_preferences(csv_path, sc.members, source, "members.preferences"))
    if "*" in table:
        _need_table(source, "members.*", table["*"])
        for key, value in table["*"].items():
            _set_path(sc, source, f"members.*.{key}", value)
    for code in sorted(k for k in table if k in iso):
        _need_table(source, f"members.{code}", table[code])
        for key, value in table[code].items():
            _set_path(sc, source, f"members.{code}.{key}", value)


def _find_preferences(scenario_path: Path, ref: str) -> Path | None:
    """The preferences file ``ref`` names: absolute, or next to the scenario, else shipped."""
    p = Path(ref)
    candidates = [p] if p.is_absolute() else [scenario_path.parent / p, DATA_DIR / p]
    return next((c for c in candidates if c.exists()), None)


def read_preferences(
    path: Path, members: tuple[str, ...], referrer: str = "", referrer_key: str = ""
) -> dict[str, dict[str, float]]:
    """Per-member defaults from a preferences CSV (columns: iso, the member keys, source), one
    row per member. ``referrer`` and ``referrer_key`` say where it was named (see read_text)."""
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
            if code not in members:
                raise ScenarioError(
                    source, f"line {line}", f"unknown member code {show(code)}{suggest(code, members)}"
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
    absent = sorted(set(members) - set(rows))
    if absent:
        raise ScenarioError(source, "iso", f"no row for {' '.join(absent)}")
    return rows


def _apply_member_rows(sc: Scenario, source: str, rows: dict[str, dict[str, float]]) -> None:
    for code, vals in rows.items():
        for key, v in vals.items():
            sc.values[f"members.{code}.{key}"] = v


def _parse_shocks(sc: Scenario, source: str, shocks: Any) -> tuple[Shock, ...]:
    if not isinstance(shocks, list):
        raise ScenarioError(source, "shocks", "must be an array of tables ([[shocks]])")
    out = []
    for i, s in enumerate(shocks):
        where = f"shocks[{i}]"
        _need_table(source, where, s)
        extra = sorted(set(s) - {"month", "path", "delta"})
        if extra:
            hint = suggest(extra[0], ("month", "path", "delta")) or " (expected month, path, delta)"
            raise ScenarioError(source, f"{where}.{extra[0]}", f"unknown key{hint}")
        for key in ("month", "path", "delta"):
            if key not in s:
                raise ScenarioError(source, f"{where}.{key}", "missing")
        month = _month(source, f"{where}.month", s["month"])
        if not isinstance(s["path"], str):
            raise ScenarioError(source, f"{where}.path", "must be a string")
        section, key = _parameter(source, f"{where}.path", s["path"])
        if not P.is_numeric(section, key):
            raise ScenarioError(source, f"{where}.path", f"{s['path']} is not a numeric parameter")
        delta = s["delta"]
        if not is_finite_number(delta):
            raise ScenarioError(source, f"{where}.delta", f"must be a finite number (got {show(delta)})")
        out.append(Shock(month, s["path"], float(delta)))
    return tuple(out)


def _check_shock_months(sc: Scenario, source: str) -> None:
    for s in sc.shocks:
        t = month_diff(sc.start, s.month)
        if not 0 <= t < sc.months:
            raise ScenarioError(
                source,
                "shocks",
                f"shock month {s.month} lies outside the horizon {sc.start} + {sc.months} months",
            )


# --------------------------------------------------------------------------- paths and values


def parse_override(text: str) -> tuple[str, Any]:
    """Split ``PATH=VALUE``; VALUE is parsed as TOML, else taken as a bare string."""
    if "=" not in text:
        raise ScenarioError("--set", text, "expected PATH=VALUE")
    path, raw = text.split("=", 1)
    path, raw = path.strip(), raw.strip()
    if not path:
        raise ScenarioError("--set", text, "empty PATH")
    return path, parse_value(raw, "--set", path)


def parse_value(raw: str, source: str, key: str) -> Any:
    """A VALUE of ``--set`` or ``--sweep``, parsed as TOML (a number, a string, an inline
    table), else taken as a bare string; ``source`` and ``key`` name it in errors."""
    try:
        doc = tomllib.loads(f"v = {raw}")
    except tomllib.TOMLDecodeError:
        return raw
    except RecursionError:
        raise ScenarioError(source, key, TOO_DEEP) from None
    # "0.5\nx = 1" parses as two keys: keep the text whole rather than drop a part unseen
    return doc["v"] if len(doc) == 1 else raw


def _expand(path: str, members: tuple[str, ...]) -> list[str]:
    """The concrete paths of ``path``: members.*.key names one per member."""
    parts = path.split(".")
    if parts[0] == "members" and len(parts) == 3 and parts[1] == "*":
        return [f"members.{m}.{parts[2]}" for m in members]
    return [path]


def _month(source: str, key: str, value: Any) -> str:
    if not isinstance(value, str) or not MONTH_RE.fullmatch(value):
        raise ScenarioError(source, key, f"must be a month 'YYYY-MM' (got {show(value)})")
    return value


def _set_path(sc: Scenario, source: str, path: str, value: Any) -> None:
    """Validate ``value`` for ``path`` and store it (expanding ``members.*``)."""
    parts = path.split(".")
    if parts[0] == "scenario" and len(parts) == 2:
        key = parts[1]
        if key in ("name", "description"):
            if not isinstance(value, str):
                raise ScenarioError(source, path, "must be a string")
            if not _is_utf8(value):
                raise ScenarioError(source, path, f"{show(value)} holds bytes that are not UTF-8 text")
            setattr(sc, key, value)
        elif key == "start":
            sc.start = _month(source, path, value)
        elif key == "months":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 600:
                raise ScenarioError(
                    source, path, f"must be a whole number of months in 1..600 (got {show(value)})"
                )
            sc.months = value
        else:
            hint = suggest(key, OVERRIDABLE_SCENARIO_KEYS, "scenario.") or (
                f" (overridable: {', '.join(OVERRIDABLE_SCENARIO_KEYS)})"
            )
            raise ScenarioError(source, path, f"unknown key{hint}")
        return
    if path == "members.basket":
        sc.basket = _choice(source, path, value, member_table().baskets())
        return
    if path == "members.preferences" and source.startswith("--"):
        p = _find_preferences(Path.cwd() / "x", str(value))
        if p is None:
            raise ScenarioError(source, path, f"file {show(value)} not found")
        sc.preferences = str(p)
        _apply_member_rows(sc, str(p), read_preferences(p, sc.members, source, path))
        return
    section, key = _parameter(source, path, path)
    checked = _check_value(source, path, section, key, value)
    for concrete in _expand(path, sc.members):
        sc.values[concrete] = checked


def _parameter(source: str, where: str, path: str) -> tuple[str, str]:
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
            hint = (
                suggest(key, P.MEMBER_KEYS, f"members.{code}.")
                or f" (expected one of {', '.join(P.MEMBER_KEYS)})"
            )
            raise ScenarioError(source, where, f"{lead}unknown member key {show(key)}{hint}")
        members = member_table().iso
        if code != "*" and code not in members:
            hint = suggest(code, members) or f" (expected one of {' '.join(members)}, or '*')"
            raise ScenarioError(source, where, f"{lead}unknown member code {show(code)}{hint}")
        return "members", key
    if parts[0] in P.SECTIONS and len(parts) == 2:
        keys = [f.name for f in fields(P.SECTIONS[parts[0]])]
        if parts[1] not in keys:
            raise ScenarioError(source, where, f"{lead}unknown key{suggest(parts[1], keys, parts[0] + '.')}")
        return parts[0], parts[1]
    if path in KNOWN_PATHS:  # e.g. scenario.months as the path of a shock
        raise ScenarioError(source, where, f"{lead}not a model parameter")
    hint = suggest(path, KNOWN_PATHS) or f" (sections: scenario, {', '.join(P.SECTIONS)}, members)"
    raise ScenarioError(source, where, f"{lead}unknown parameter path{hint}")


def _check_value(source: str, path: str, section: str, key: str, value: Any) -> Any:
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
        return _choice(source, path, value, meta["choices"])
    if isinstance(f.default, bool):
        if isinstance(value, str) and value.casefold() in ("true", "false"):
            return value.casefold() == "true"
        if not isinstance(value, bool):
            raise ScenarioError(source, path, f"must be true or false (got {show(value)})")
        return value
    # ministerials
    if not isinstance(value, list):
        raise ScenarioError(source, path, "must be a list of months ['YYYY-MM', ...]")
    return tuple(_month(source, f"{path}[{i}]", v) for i, v in enumerate(value))


def _choice(source: str, path: str, value: Any, choices: tuple[str, ...] | list[str]) -> str:
    """The canonical spelling of one of ``choices``, matched ignoring case (``QMV`` is ``qmv``)."""
    if isinstance(value, str):
        for choice in choices:
            if value.casefold() == choice.casefold():
                return choice
    hint = suggest(value, choices) if isinstance(value, str) else ""
    raise ScenarioError(source, path, f"must be one of {', '.join(choices)}, not {show(value)}{hint}")


def _is_utf8(text: str) -> bool:
    """False for text holding lone surrogates: bytes of a command-line argument that were not
    UTF-8. No file format the scenario is written to can hold them."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def swap_parameters(own: Scenario, other: Scenario) -> Scenario:
    """``own`` rebuilt with ``other``'s parameters, shocks and preference table, keeping only
    its own name, start, horizon and ministerial calendar (the swap test of the stylized facts).
    Shocks keep their calendar months; one falling outside ``own``'s horizon is dropped."""
    values = dict(other.values)
    values["ttc.ministerials"] = own.values["ttc.ministerials"]
    shocks = tuple(s for s in other.shocks if 0 <= month_diff(own.start, s.month) < own.months)
    return replace(
        other,
        name=own.name,
        source=f"{own.source} with the parameters of {other.source}",
        start=own.start,
        months=own.months,
        values=values,
        shocks=shocks,
    )


def toml_value(v: Any) -> str:
    """``v`` written as a TOML value (strings escaped so that any text loads back)."""
    if isinstance(v, Distribution):
        args = ", ".join(f"{k} = {x!r}" for k, x in v.args)
        return f'{{dist = "{v.kind}", {args}}}'
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):  # TOML's basic-string escapes are JSON's, plus DEL
        return json.dumps(v, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(v, (tuple, list)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return repr(float(v))


def to_toml(sc: Scenario, header: str = "") -> str:
    """The whole resolved scenario as a self-contained TOML file: every parameter, the
    preferences table (by package-relative path when it ships with ttcsim), each member's
    values where they differ from that table, and the shocks. Loading it gives the same
    values, whatever the text of the name, description or header (the dashboard's "export
    settings")."""
    head = [f"# {printable(line)}" for line in header.splitlines()] + ([""] if header else [])
    lines = [
        "[scenario]",
        f"name = {toml_value(sc.name)}",
        f"description = {toml_value(sc.description)}",
        f"start = {toml_value(sc.start)}",
        f"months = {sc.months}",
    ]
    for section in P.SECTIONS:
        lines += ["", f"[{section}]"]
        prefix = f"{section}."
        lines += [
            f"{k[len(prefix) :]} = {toml_value(v)}" for k, v in sc.values.items() if k.startswith(prefix)
        ]
    lines += ["", "[members]", f"basket = {toml_value(sc.basket)}"]
    reference: dict[str, dict[str, float]]
    if sc.preferences:
        pref = Path(sc.preferences)
        try:
            ref = str(pref.resolve().relative_to(DATA_DIR.resolve()))
        except ValueError:
            ref = str(pref.resolve())
        lines.append(f"preferences = {toml_value(ref)}")
        reference = read_preferences(pref, sc.members)
    else:
        reference = {m: P.member_defaults() for m in sc.members}
    for m in sc.members:
        changed = [
            (k, sc.values[f"members.{m}.{k}"])
            for k in P.MEMBER_KEYS
            if sc.values[f"members.{m}.{k}"] != reference[m][k]
        ]
        if changed:
            lines += ["", f"[members.{m}]", *[f"{k} = {toml_value(v)}" for k, v in changed]]
    for s in sc.shocks:
        lines += [
            "",
            "[[shocks]]",
            f"month = {toml_value(s.month)}",
            f"path = {toml_value(s.path)}",
            f"delta = {s.delta!r}",
        ]
    if not sc.shocks:  # a top-level key must come before the first table
        lines = ["shocks = []", "", *lines]
    return "\n".join(head + lines) + "\n"
