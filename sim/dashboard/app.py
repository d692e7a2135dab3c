"""The ttcsim dashboard: move a preference, watch one run unfold and the outcomes shift.

Serve with ``make dashboard`` (``solara run sim.dashboard.app``) or ``solara run sim/app.py`` and open
http://127.0.0.1:8765.

* Left: pick a shipped scenario and move its levers (:data:`LEVERS`: the US, the channel
  costs, the EU, Japan on the chosen track, the regime veto and national lists, the
  countermeasures). A lever is declared by its parameter path alone; its range, kind and
  meaning are the schema's. Every lever is bound to the same ``PATH=VALUE`` override as the
  command line's ``--set``; the page shows the equivalent ``--set`` flags, and extra
  overrides can be typed in.
* A scenario runs one TTC with one or several tracks; the track selector picks the hard track
  whose outcomes and figures the page shows (the events cover every track).
* "One run": on the chosen track, the US ask, the Commission's offer and the levels in force
  over the months; the US-EU gap against the tolerance band; the TTC's attention over the
  tracks and the soft track; every track's events.
* "Batch": N seeded runs through the batch runner (with progress), the chosen track's outcome
  summary and outcome-class shares, next to the shipped scenario run with the same seeds.
* Export the settings as a scenario file and the batch as Parquet, to rerun from the CLI. Both
  carry the scenario name ``<shipped name>_dashboard`` (unless the user names it), so a batch
  over the shipped file and the export keeps the two apart.

Bad input (a value out of range, an unknown path) shows a one-line message and keeps the
settings; the server keeps running. Everything the user typed, and every description and event,
is shown as plain text, never as HTML or Markdown.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import solara
import solara.lab
from matplotlib.figure import Figure

from sim.model import TTCModel, check_seed
from sim.model.outcomes import outcome
from sim.runner.run import simulate
from sim.scenario import Scenario, ScenarioError, load_scenario, schema, to_toml
from sim.scenario.distributions import Distribution
from sim.scenario.tracks import spec_of
from sim.scenario.values import concrete_paths, param_path, track_counterparts

# absolute imports: ``solara run sim/app.py`` loads this file by path, outside the package
from sim.viz import plots

ROOT = Path(__file__).resolve().parents[2]
SCENARIO_DIR = Path(os.environ.get("TTCSIM_SCENARIOS", ROOT / "scenarios"))
EXPORT_SUFFIX = "_dashboard"
"""Appended to a shipped scenario's name for what the dashboard runs and exports."""
log = logging.getLogger("ttcsim.dashboard")


@dataclass(frozen=True)
class Lever:
    """A control of the page, declared by its parameter path alone under a heading: its kind
    (a number in a range, a switch, a choice), range and meaning come from the parameter
    schema (:mod:`sim.scenario.schema`), as ``ttcsim params`` lists them. ``{track}`` and
    ``{target}`` in the path stand for the chosen track and its target."""

    group: str
    path: str


LEVERS = (
    Lever("The US", "us.threat"),
    Lever("The US", "us.patience"),
    Lever("The US", "us.pressure"),
    Lever("The US", "us.reach"),
    Lever("Channel costs", "constants.unilateral_cost"),
    Lever("Channel costs", "constants.minilateral_cost"),
    Lever("The EU", "eu.rule"),
    Lever("The EU", "commission.autonomy"),
    Lever("The EU", "members.NL.exposure"),
    Lever("The EU", "members.NL.retaliation_fear"),
    Lever("The EU", "members.DE.exposure"),
    Lever("The EU", "members.DE.retaliation_fear"),
    Lever("The EU", "members.*.threat"),
    Lever("Japan, on the chosen track", "tracks.{track}.allies.JP.threat"),
    Lever("Japan, on the chosen track", "tracks.{track}.allies.JP.us_dependence"),
    Lever("Regime veto and national lists", "mechanisms.regime_cascade"),
    Lever("Regime veto and national lists", "eu.national_controls"),
    Lever("Regime veto and national lists", "constants.peer_relief"),
    Lever("Regime veto and national lists", "constants.publication_lag"),
    Lever("Countermeasures", "mechanisms.countermeasures"),
    Lever("Countermeasures", "targets.{target}.retaliation"),
    Lever("Countermeasures", "constants.retaliation_impact"),
)
"""The page's levers, in order. A lever whose path the scenario does not have (an ally it
does not declare, a track without a target) is not shown."""


@dataclass(frozen=True)
class Control:
    """A lever on one scenario and track: a concrete path, its kind (``number``, ``switch`` or
    ``choice``), its range and step, its choices and its meaning, all from the schema."""

    group: str
    path: str
    kind: str
    meaning: str
    low: float = 0.0
    high: float = 1.0
    step: float = 0.01
    choices: tuple[str, ...] = ()


def short_meaning(doc: str) -> str:
    """A schema meaning without its sources and assumptions: up to the first `` (`` or `` [``."""
    return re.split(r" [(\[]", doc, maxsplit=1)[0]


def controls(sc: Scenario, track: str) -> list[Control]:
    """The levers of :data:`LEVERS` that ``sc`` has on ``track``, each as the schema defines
    it (a path the schema does not know raises its ScenarioError). A number in months spans
    at most the scenario's horizon (a patience beyond it is as good as none); a range of ten
    or more moves in whole steps, a shorter one in hundredths."""
    target = spec_of(sc, track).target or ""
    out = []
    for lever in LEVERS:
        if "{target}" in lever.path and not target:
            continue
        path = lever.path.format(track=track, target=target)
        pp = param_path("dashboard", path, path)  # a lever the schema does not have is a fault
        try:
            param_path("dashboard", path, path, sc)
        except ScenarioError:
            continue  # an ally, target or track this scenario does not declare
        field = schema.spec(pp.section, pp.key)
        meta = field.metadata
        meaning = short_meaning(meta["doc"])
        if "range" in meta:
            low, high = meta["range"]
            if meta.get("unit") == "months":
                high = min(high, sc.months)
            step = 1.0 if high - low >= 10 else (high - low) / 100
            out.append(Control(lever.group, path, "number", meaning, low, high, step))
        elif "choices" in meta:
            out.append(Control(lever.group, path, "choice", meaning, choices=tuple(meta["choices"])))
        elif isinstance(field.default, bool):
            out.append(Control(lever.group, path, "switch", meaning))
    return out


@dataclass(frozen=True)
class Metric:
    """One line of the batch summary: a declared outcome ``field`` (per track or run-level),
    summarised as a ``share`` of runs where it holds (a true flag, a non-empty text, or the
    text containing one of ``words``), a ``median`` of the months it happened, or a ``mean``."""

    key: str
    field: str
    label: str
    summary: str
    words: tuple[str, ...] = ()


METRICS = (
    Metric("coordinated", "coordinated", "P(coordinated)", "share"),
    Metric(
        "outside_ttc",
        "channel",
        "P(US's first decision outside the TTC)",
        "share",
        ("unilateral", "minilateral"),
    ),
    Metric("minilateral", "channels", "P(US minilateral with key suppliers)", "share", ("minilateral",)),
    Metric("acts_alone", "channels", "P(US acts alone)", "share", ("unilateral",)),
    Metric("eu_measure", "eu_route", "P(EU-level measure)", "share"),
    Metric("national-NL", "national_adopters", "P(NL adopts nationally)", "share", ("NL",)),
    Metric("national-DE", "national_adopters", "P(DE adopts nationally)", "share", ("DE",)),
    Metric("national-JP", "national_adopters", "P(JP adopts nationally)", "share", ("JP",)),
    Metric("countermeasure", "countermeasure_months", "P(the target answers)", "share"),
    Metric("month_coordinated", "month_coordinated", "median month of coordination", "median"),
    Metric("month_eu", "month_eu", "median month of the EU-level measure", "median"),
    Metric("effective_alignment", "effective_alignment", "effective alignment (mean)", "mean"),
    Metric("soft_deliverables", "soft_deliverables", "soft deliverables of the TTC (mean)", "mean"),
)
"""The batch summary of the chosen track (run-level fields are the TTC's)."""


def hard_tracks(sc: Scenario) -> list[str]:
    return [t.id for t in sc.tracks if t.kind == "hard"]


def chosen_track(sc: Scenario, choice: str) -> str:
    """The track the page shows: the user's choice when ``sc`` has it, else its first."""
    ids = hard_tracks(sc)
    return choice if choice in ids else ids[0]


def track_column(field: str, track: str) -> str:
    """The row column of an outcome field on ``track`` (``china_sme.coordinated``); a
    run-level field is its own column."""
    return f"{track}.{field}" if outcome(field).per_track else field


def shipped() -> dict[str, Path]:
    return {p.stem: p for p in sorted(SCENARIO_DIR.glob("*.toml"))}


def _value(sc: Scenario, path: str, track: str) -> tuple[Any, bool]:
    """The value a concrete path stands for on ``track`` before sampling, and whether it is
    the track's own: for a general path the track's value when the scenario sets one (what
    the track runs with); for a track's path its own, else the general one it falls back on;
    else the schema default."""
    own = f"tracks.{track}.{path}"
    if own in track_counterparts(sc, path) and own in sc.values:
        return sc.values[own], True
    if path in sc.values:
        return sc.values[path], False
    parts = path.split(".")
    if parts[0] == "tracks" and ".".join(parts[2:]) in sc.values:
        return sc.values[".".join(parts[2:])], False
    pp = param_path("dashboard", path, path, sc)
    return schema.spec(pp.section, pp.key).default, False


def _middle(v: Any) -> float:
    if isinstance(v, Distribution):
        lo, hi = v.support()
        return (lo + hi) / 2
    return float(v)


def current_value(sc: Scenario, path: str, track: str) -> tuple[Any, str]:
    """What a control shows on ``track`` before it is moved, and a note: when the scenario
    samples it, when a wildcard's actors differ, or when the value is the track's own (moving
    a general key sets it on every track)."""
    concrete = concrete_paths(sc, param_path("dashboard", path, path, sc))
    if len(concrete) > 1:
        values = [_middle(_value(sc, p, track)[0]) for p in concrete]
        return float(np.mean(values)), f"mean of {len(concrete)}; moving sets all {len(concrete)}"
    v, own = _value(sc, path, track)
    whose, everywhere = (f"{track}'s own, ", " on every track") if own else ("", "")
    if isinstance(v, Distribution):
        lo, hi = v.support()
        return (lo + hi) / 2, f"{whose}sampled {v.kind} {lo:g}..{hi:g}; moving fixes it{everywhere}"
    if isinstance(v, (bool, str)):
        return v, ""
    return float(v), f"{track}'s own; moving sets it on every track" if own else ""


def value_text(v: Any) -> str:
    """A control's value as an override's VALUE (TOML: ``true``, ``0.4``, ``qmv``)."""
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


def overrides_of(changed: dict[str, Any], extra: str) -> list[str]:
    out = [f"{p}={value_text(v)}" for p, v in changed.items()]
    out += [line.strip() for line in extra.replace(";", "\n").splitlines() if line.strip()]
    return out


def command_line(name: str, overrides: list[str]) -> str:
    """The ``ttcsim run`` command with these overrides, each quoted for a POSIX shell."""
    quoted = ("'" + o.replace("'", "'\"'\"'") + "'" for o in overrides)
    return " ".join([f"ttcsim run {shlex.quote(f'scenarios/{name}.toml')}", *(f"--set {q}" for q in quoted)])


def user_message(error: Exception) -> str:
    """One line for the page. A scenario error keeps its message, with file names instead of
    the server's paths; anything else is logged with its traceback on the server and shown as
    a generic line (a fault's text may name server files)."""
    if not isinstance(error, ScenarioError):
        log.error("unexpected error in the dashboard", exc_info=error)
        return "an unexpected error on the server (logged there); your settings are kept"
    source = error.source if error.source.startswith("--") else Path(error.source).name
    text = f"{source}: {error.key}: {error.problem}" if error.key else f"{source}: {error.problem}"
    for folder in (SCENARIO_DIR, ROOT):
        text = text.replace(f"{folder}{os.sep}", "")
    return " ".join(text.split())


def build(name: str, changed: dict[str, Any], extra: str) -> tuple[Scenario | None, list[str], str]:
    """The shipped scenario ``name`` with the page's overrides (the controls' values and the
    extra ``PATH=VALUE`` lines), or the one-line message that stops it.

    Its name is the shipped name with ``_dashboard`` appended (unless the overrides give it a
    name of its own), so its batches and exports never pass for the shipped scenario."""
    files = shipped()
    ov = overrides_of(changed, extra)
    if name not in files:
        return None, ov, f"no scenario named {name!r} in the scenarios folder"
    try:
        sc = load_scenario(files[name], ov)
    except Exception as e:  # the page shows one line, whatever the fault
        return None, ov, user_message(e)
    named = any(o.partition("=")[0].strip() == "scenario.name" for o in ov)
    if not named or sc.name in files:
        sc = replace(sc, name=sc.name + EXPORT_SUFFIX)
    return sc, ov, ""


def summary(df: pd.DataFrame, track: str) -> dict[str, float]:
    """Each metric of :data:`METRICS` over the runs of ``df``, on ``track``."""
    out = {}
    for m in METRICS:
        col = df[track_column(m.field, track)]
        if m.summary == "share":
            if m.words:
                holds = (
                    col.fillna("")
                    .astype(str)
                    .str.split()
                    .map(lambda seen, m=m: bool(set(seen) & set(m.words)))
                )
            elif outcome(m.field).kind == "bool":
                holds = col.fillna(False).astype(bool)
            else:
                holds = col.fillna("").astype(str) != ""
            out[m.key] = float(holds.mean())
        elif m.summary == "median":
            x = pd.to_numeric(col, errors="coerce").dropna()
            out[m.key] = float(x.median()) if len(x) else float("nan")
        else:
            out[m.key] = float(pd.to_numeric(col, errors="coerce").mean())
    return out


def fmt(kind: str, v: float) -> str:
    if np.isnan(v):
        return "-"
    return f"{v:.0%}" if kind == "share" else (f"{v:.0f}" if kind == "median" else f"{v:.2f}")


def event_log(model: TTCModel) -> str:
    """The run's events as the command line prints them: month, date, track, actor, what
    happened."""
    lines = [f"{'month':>5}  {'date':7}  {'track':15}  {'actor':5}  event"]
    lines += [
        f"{t:>5}  {date:7}  {track or '-':15}  {actor:5}  {text}"
        for t, date, track, actor, _kind, text in model.events
    ]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- state

scenario_name = solara.reactive("china_2022")
track_choice = solara.reactive("")
changed: solara.Reactive[dict[str, Any]] = solara.reactive({})
extra = solara.reactive("")
seed: solara.Reactive[int | None] = solara.reactive(1)
runs: solara.Reactive[int | None] = solara.reactive(200)
progress = solara.reactive(0.0)
one_run: solara.Reactive[TTCModel | None] = solara.reactive(None)
run_error = solara.reactive("")
batch: solara.Reactive[dict[str, Any] | None] = solara.reactive(None)
batches_done = solara.reactive(0)
_baselines: dict[tuple[str, int, int], pd.DataFrame] = {}  # shipped-scenario batches, by (name, runs, seed)
BASELINES_KEPT = 8
"""Baseline batches kept in memory (shared by all sessions; the oldest goes first)."""


@solara.lab.task(prefer_threaded=True)
def run_batch_task(sc: Scenario, shipped_name: str, n: int, s: int, settings: str) -> None:
    """N seeded runs of the page's scenario, and of the shipped one with the same seeds (kept
    for the next batch with the same size and seed). The result replaces the shown batch."""
    progress.value = 0.0
    key = (shipped_name, n, s)
    total = 2 * n if key not in _baselines else n
    done = [0]

    def tick(k: int) -> None:
        done[0] += k
        progress.value = 100.0 * done[0] / total

    workers = 1 if n <= 1000 else None
    df = simulate([sc], n, s, workers=workers, progress=tick)
    if key not in _baselines:
        _baselines[key] = simulate([shipped()[shipped_name]], n, s, workers=workers, progress=tick)
        while len(_baselines) > BASELINES_KEPT:
            _baselines.pop(next(iter(_baselines)))
    number = batches_done.value + 1
    batch.value = {
        "current": df,
        "baseline": _baselines[key],
        "n": n,
        "seed": s,
        "settings": settings,
        "number": number,
    }
    batches_done.value = number


# ----------------------------------------------------------------------------- figures
# Figures are matplotlib ``Figure`` objects, not pyplot's: nothing registers them, so each is
# freed with the page that shows it (pyplot would keep every one open).


def single_run_figure(model: TTCModel, track: str) -> Figure:
    """One run on ``track``: positions and levels in force, the gap, and the agenda."""
    t = model.trajectory()
    months = t["month"]
    fig = Figure(figsize=(15, 3.8))
    axes = fig.subplots(1, 3)
    ax = axes[0]
    ax.plot(months, t[f"{track}.us_ask"], color="#D55E00", label="US ask")
    ax.plot(months, t[f"{track}.eu_offer"], color="#0072B2", lw=2, label="Commission offer")
    ax.plot(months, t[f"{track}.us_stringency"], color="#D55E00", ls="--", label="US level in force")
    ax.plot(months, t[f"{track}.eu_stringency"], color="#0072B2", ls="--", label="EU level in force")
    ax.set_ylim(0, 1)
    ax.set_title(f"{track}: positions and levels in force")
    ax.set_xlabel("months from start")
    ax.legend(fontsize=7, ncol=2)
    ax = axes[1]
    ax.fill_between(months, 0, model.ttc.tolerance, color="#009E73", alpha=0.2, label="tolerance band")
    ax.plot(months, t[f"{track}.gap"], color="black", label="US-EU gap")
    ax.set_ylim(0, 1)
    ax.set_title(f"{track}: gap against the tolerance band")
    ax.set_xlabel("months from start")
    ax.legend(fontsize=7)
    ax = axes[2]
    for tr in model.tracks:
        chosen = tr.id == track
        ax.plot(
            months,
            t[f"{tr.id}.attention"],
            lw=2 if chosen else 0.8,
            color="black" if chosen else None,
            alpha=1 if chosen else 0.6,
            label=tr.id,
        )
    ax.plot(months, t["soft_attention"], color="#CC79A7", ls=":", label="soft tracks")
    ax.set_ylim(0, 1)
    ax.set_title("TTC attention over the tracks")
    ax.set_xlabel("months from start")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def batch_figure(result: dict[str, Any], track: str) -> Figure:
    """How the chosen track ends, and when it is coordinated, in both batches."""
    both = pd.concat(
        [
            result["current"].assign(scenario="this setting"),
            result["baseline"].assign(scenario="shipped scenario"),
        ],
        ignore_index=True,
    )
    fig = Figure(figsize=(12, 3.8))
    axes = fig.subplots(1, 2)
    plots.outcome_classes(both.assign(outcome_class=both[f"{track}.outcome_class"]), axes[0])
    axes[0].set_title(f"How {track} ends")
    ax = axes[1]
    for name, colour in (("this setting", "#0072B2"), ("shipped scenario", "#999999")):
        months = pd.to_numeric(both.loc[both.scenario == name, f"{track}.month_coordinated"]).dropna()
        if len(months):
            ax.hist(months, bins=range(0, int(months.max()) + 2), alpha=0.6, color=colour, label=name)
    ax.set_title(f"{track}: month of coordination (coordinated runs)")
    ax.set_xlabel("months from start")
    ax.set_ylabel("runs")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- page
# Everything that can carry user or scenario text (overrides, descriptions, events, messages)
# goes through solara.Text / Preformatted / Error: plain text nodes, never parsed as HTML,
# Markdown or a Vue template. solara.Markdown only shows fixed text.


@solara.component
def Figures(key: int, draw: Callable[[], Figure], classes: list[str]) -> None:
    """A figure drawn once per run or batch (``key`` names it), not on every re-render."""
    fig = solara.use_memo(draw, [key])
    with solara.Div(classes=classes):
        solara.FigureMatplotlib(fig, dependencies=[key], format="png")


def control_class(path: str) -> str:
    """The CSS class of a control's input (``ttc-input-us-reach``, ``ttc-input-members-all-threat``)."""
    return f"ttc-input-{path.replace('.', '-').replace('*', 'all')}"


@solara.component
def ControlRow(c: Control, sc: Scenario, track: str) -> None:
    """One lever: a slider and a number for a number, a switch, or buttons for a choice;
    labelled by its path (the ``--set`` it stands for) and the schema's meaning."""
    value, note = current_value(sc, c.path, track)
    small = {"font-size": "11px", "color": "#666"}

    def set_value(v: float | None) -> None:
        # widgets report their (snapped) value when they appear: only a real move counts, or
        # a sampled parameter would silently be fixed at its midpoint
        if v is None or (c.path not in changed.value and abs(float(v) - value) <= c.step / 2):
            return
        changed.value = {**changed.value, c.path: round(float(v), 4)}

    def set_setting(v: Any) -> None:
        """A switch or choice: back at the scenario's own value, the override goes."""
        rest = {k: x for k, x in changed.value.items() if k != c.path}
        changed.value = rest if v == value else {**rest, c.path: v}

    with solara.Column(gap="0px"):
        if c.kind == "number":
            shown = round(float(changed.value.get(c.path, value)), 4)
            solara.SliderFloat(c.path, value=shown, min=c.low, max=c.high, step=c.step, on_value=set_value)
            with solara.Row():
                solara.InputFloat(
                    "value", value=shown, on_value=set_value, dense=True, classes=[control_class(c.path)]
                )
        elif c.kind == "switch":
            solara.Switch(
                label=c.path,
                value=bool(changed.value.get(c.path, value)),
                on_value=set_setting,
                classes=[control_class(c.path)],
            )
        else:
            solara.Text(c.path)
            solara.ToggleButtonsSingle(
                value=changed.value.get(c.path, value),
                values=list(c.choices),
                on_value=set_setting,
                classes=[control_class(c.path)],
            )
        solara.Text(c.meaning, style=small)
        if note and c.path not in changed.value:
            solara.Text(note, style=small)


def reset() -> None:
    """Back to the shipped scenario: no overrides."""
    changed.set({})
    extra.set("")


def start_over(_: str) -> None:
    """A new scenario: its own defaults, its first track, no results yet."""
    reset()
    track_choice.set("")
    batch.set(None)
    one_run.set(None)
    run_error.set("")


def seed_problem(s: int | None) -> str:
    """Why ``s`` cannot seed a run (the model's rule), or ""."""
    try:
        check_seed(s)
    except ScenarioError as e:
        return f"seed {e.problem}"
    return ""


@solara.component
def OneRun(sc: Scenario | None, track: str) -> None:
    def run_one() -> None:
        if sc is None or seed_problem(seed.value):
            return
        try:
            one_run.set(TTCModel(sc, rng=seed.value).run())
            run_error.set("")
        except Exception as e:  # the page shows one line, whatever the fault
            run_error.set(f"The run failed: {user_message(e)}")

    bad_seed = seed_problem(seed.value)
    with solara.Row():
        solara.InputInt("seed", value=seed, dense=True, classes=["ttc-seed"])
        solara.Button(
            "Run one",
            on_click=run_one,
            disabled=sc is None or bool(bad_seed),
            color="primary",
            classes=["ttc-run-one"],
        )
    if bad_seed:
        solara.Error(bad_seed, classes=["ttc-seed-error"])
    if run_error.value:
        solara.Error(run_error.value, classes=["ttc-run-error"])
    model = one_run.value
    if model is not None and track in model.track_by_id:
        Figures(hash((id(model), track)), lambda: single_run_figure(model, track), ["ttc-run-figure"])
        row = model.outcome()
        solara.Text(
            f"{track}: {row[f'{track}.outcome_class']}; channel {row[f'{track}.channel']}; "
            f"US rules in months {row[f'{track}.us_rule_months'] or 'none'}; "
            f"EU-level measure {row[f'{track}.eu_route'] or 'none'}; "
            f"national measures: {row[f'{track}.national_months'] or 'none'}; "
            f"soft deliverables {row['soft_deliverables']}.",
            classes=["ttc-outcome"],
        )
        with solara.Div(classes=["ttc-events"]):
            solara.Preformatted(event_log(model), style_="white-space: pre-wrap")


@solara.component
def Batch(sc: Scenario | None, settings: str, track: str) -> None:
    n, s = runs.value, seed.value
    problem = "runs must be at least 1" if n is None or n <= 0 else seed_problem(s)

    def start() -> None:
        if sc is not None and n is not None and s is not None and not problem:
            run_batch_task(sc, scenario_name.value, n, s, settings)

    with solara.Row():
        solara.InputInt("runs", value=runs, dense=True, classes=["ttc-runs"])
        solara.Button(
            "Run batch",
            on_click=start,
            disabled=sc is None or bool(problem) or run_batch_task.pending,
            color="primary",
            classes=["ttc-run-batch"],
        )
    if problem:
        solara.Error(problem)
    if run_batch_task.pending:
        solara.ProgressLinear(progress.value)
        solara.Text(f"running... {progress.value:.0f} %", classes=["ttc-batch-status"])
    elif run_batch_task.error and run_batch_task.exception is not None:
        solara.Error(
            f"The batch failed: {user_message(run_batch_task.exception)}", classes=["ttc-batch-error"]
        )
    result = batch.value
    if result is None:
        return
    if not run_batch_task.pending:
        solara.Text(
            f"batch {result['number']} done: {result['n']} runs from batch seed {result['seed']} "
            f"({result['settings']}); the shipped scenario ran with the same seeds.",
            classes=["ttc-batch-status"],
        )
    if f"{track}.outcome_class" not in result["current"]:
        return  # a batch of another scenario, replaced by the next one
    cur, base_s = summary(result["current"], track), summary(result["baseline"], track)
    with solara.Column(gap="0px"):
        with solara.Columns([3, 1, 1]):
            solara.Text(f"outcome on {track}", classes=["ttc-summary-track"])
            solara.Text("this setting")
            solara.Text("shipped scenario")
        for m in METRICS:
            with solara.Columns([3, 1, 1]):
                solara.Text(m.label)
                solara.Text(fmt(m.summary, cur[m.key]), classes=[f"ttc-current-{m.key}"])
                solara.Text(fmt(m.summary, base_s[m.key]), classes=[f"ttc-baseline-{m.key}"])
    Figures(hash((result["number"], track)), lambda: batch_figure(result, track), ["ttc-batch-figure"])

    def parquet() -> bytes:
        buf = io.BytesIO()
        result["current"].to_parquet(buf, index=False)
        return buf.getvalue()

    solara.FileDownload(
        parquet,
        filename=f"{result['current']['scenario'].iloc[0]}.parquet",
        label="Export the batch as Parquet",
    )


@solara.component
def Page() -> None:
    solara.Title("ttcsim dashboard")
    sc, ov, error = build(scenario_name.value, changed.value, extra.value)
    settings = " ".join(ov) or "no overrides"
    with solara.Sidebar():
        solara.Markdown("### Scenario and preferences")
        solara.Select("scenario", values=list(shipped()), value=scenario_name, on_value=start_over)
        base, _, base_error = build(scenario_name.value, {}, "")
        if base is not None:
            on_track = chosen_track(base, track_choice.value)
            solara.Select(
                "track",
                values=hard_tracks(base),
                value=on_track,
                on_value=track_choice.set,
                classes=["ttc-track"],
            )
            group = ""
            for c in controls(base, on_track):
                if c.group != group:
                    group = c.group
                    solara.Markdown(f"#### {group}")  # fixed text of LEVERS
                ControlRow(c, base, on_track)
        else:
            solara.Error(base_error)
        solara.InputText(
            "extra overrides (PATH=VALUE; ...)", value=extra, continuous_update=False, classes=["ttc-extra"]
        )
        solara.Button("reset to the shipped scenario", on_click=reset, text=True)
    solara.Markdown("## ttcsim: transatlantic export-control coordination")
    if error:
        solara.Error(f"Cannot build the scenario: {error}", classes=["ttc-error"])
    elif sc is not None:
        solara.Text(sc.description, classes=["ttc-description"])
        with solara.Div():
            solara.Text("Equivalent command line: ")
            solara.Text(
                command_line(scenario_name.value, ov),
                classes=["ttc-command"],
                style={"font-family": "monospace"},
            )
    shown = sc if sc is not None else base
    track = chosen_track(shown, track_choice.value) if shown is not None else ""
    with solara.lab.Tabs():
        with solara.lab.Tab("One run"):
            OneRun(sc, track)
        with solara.lab.Tab("Batch"):
            Batch(sc, settings, track)
    if sc is not None:
        header = (
            f"Exported from the ttcsim dashboard: {scenario_name.value} with {settings}\n"
            "Run it with: ttcsim batch THIS_FILE.toml --runs 1000 --out results.parquet"
        )
        solara.FileDownload(
            lambda: to_toml(sc, header),
            filename=f"{sc.name}.toml",
            label="Export these settings as a scenario file",
        )


# ----------------------------------------------------------------------------- serving


CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
"""Flags for a headless Chromium on a machine without network or display (tests, screenshots)."""


@contextmanager
def serve(
    port: int = 0, log: Path | None = None, timeout: float = 120.0, app: str = "sim.dashboard.app"
) -> Iterator[str]:
    """Run the dashboard server (``solara run APP``: a module name or a file path) in a
    subprocess on 127.0.0.1 and yield its URL once it answers; stop it after. ``port=0`` picks
    a free port."""
    if port == 0:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    out = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "solara",
            "run",
            app,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--production",
            "--no-open",
        ],
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the dashboard server exited with code {proc.returncode}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"the dashboard did not answer at {url} within {timeout:.0f} s")
            time.sleep(0.3)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if log:
            out.close()  # type: ignore[union-attr]


def find_chromium() -> str | None:
    """Debian's Chromium, if installed (``apt-get install chromium``)."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


BROWSER_TIMEOUT_MS = 120_000
"""Playwright's limit for each action and page load (a loaded 2-core machine is slow)."""


@contextmanager
def browser() -> Iterator[Any]:
    """Debian's headless Chromium under Playwright (tests, screenshots); closed after."""
    from playwright.sync_api import sync_playwright

    chromium = find_chromium()
    if chromium is None:
        raise RuntimeError("needs Debian's chromium: apt-get install chromium")
    with sync_playwright() as p:
        running = p.chromium.launch(executable_path=chromium, headless=True, args=list(CHROMIUM_ARGS))
        try:
            yield running
        finally:
            running.close()


@contextmanager
def open_page(running: Any, url: str, width: int = 1400, height: int = 1000) -> Iterator[Any]:
    """A page at ``url`` in its own browser context (so its own dashboard session), closed
    after. Actions and navigation wait up to ``BROWSER_TIMEOUT_MS``; ``expect`` assertions
    take their own ``timeout=``."""
    context = running.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        page.set_default_timeout(BROWSER_TIMEOUT_MS)
        page.set_default_navigation_timeout(BROWSER_TIMEOUT_MS)
        page.goto(url)
        yield page
    finally:
        context.close()


@contextmanager
def browser_page(url: str, width: int = 1400, height: int = 1000) -> Iterator[Any]:
    """A page at ``url`` in a browser of its own (see :func:`browser`, :func:`open_page`)."""
    with browser() as running, open_page(running, url, width, height) as page:
        yield page
