"""Figures of batch results: outcome classes, timing distributions, fan charts, sweep maps.

Every function takes a results table (or trajectories table) and a matplotlib ``Axes`` and
draws one panel with titles, units and scenario labels, in the Okabe-Ito colour-blind-safe
palette. ``ttcsim plot`` writes them to files; :func:`dual_track` composes the headline figure.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.analysis.stylized import column, expression, load_facts, share_of
from sim.messages import suggest
from sim.model.outcomes import CHANNELS, OUTCOME_CLASSES
from sim.scenario import Scenario, ScenarioError, load_scenario, month_diff

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
CLASS_COLOURS = dict(
    zip(
        OUTCOME_CLASSES,
        ["#009E73", "#0072B2", "#E69F00", "#D55E00", "#56B4E9", "#CC79A7", "#999999"],
        strict=True,
    )
)
CLASS_LABELS = {
    "coordinated": "coordinated (TTC deal)",
    "minilateral": "US with key suppliers",
    "unilateral_with_followers": "US first, others follow",
    "unilateral_alone": "US alone, nobody follows",
    "eu_only": "EU-level only",
    "national_only": "national lists only",
    "no_controls": "no controls",
}


def _colours(names: Sequence[str]) -> dict[str, str]:
    return {n: OKABE_ITO[i % len(OKABE_ITO)] for i, n in enumerate(names)}


def _scenarios(df: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(df["scenario"]))


def tracks(df: pd.DataFrame) -> list[str]:
    """The hard tracks of a results table (the prefixes of its ``<track>.outcome_class``)."""
    return [str(c).removesuffix(".outcome_class") for c in df.columns if str(c).endswith(".outcome_class")]


def check_track(df: pd.DataFrame, track: str, source: str = "--track") -> None:
    """Refuse a track the results do not hold (with a "did you mean")."""
    known = tracks(df)
    if track not in known:
        raise ScenarioError(
            source,
            track,
            f"no track {track!r} in the results{suggest(track, known)} (tracks: {', '.join(known)})",
        )


def track_view(df: pd.DataFrame, track: str) -> pd.DataFrame:
    """The results of one track with its fields unprefixed (``china_sme.channel`` as
    ``channel``), so that every per-scenario figure draws that track."""
    check_track(df, track)
    prefix = f"{track}."
    own = {c: c.removeprefix(prefix) for c in map(str, df.columns) if c.startswith(prefix)}
    keep = [c for c in map(str, df.columns) if c in own or "." not in c or c.startswith(("param.", "sweep."))]
    return df[keep].rename(columns=own)


def by_track(df: pd.DataFrame, field: str, names: Sequence[str] | None = None) -> pd.DataFrame:
    """A long table, one series per track (per scenario and track when the results hold
    several scenarios): ``scenario`` names the series and ``value`` holds ``<track>.<field>``
    (a derived field such as ``national:NL`` too)."""
    several = len(_scenarios(df)) > 1
    frames = []
    for track in names or tracks(df):
        series = column(df, f"{track}.{field}")
        label = df["scenario"] + f": {track}" if several else pd.Series(track, index=df.index)
        frames.append(pd.DataFrame({"scenario": label, "value": series}))
    return pd.concat(frames, ignore_index=True)


def track_classes(df: pd.DataFrame, ax: Axes, names: Sequence[str] | None = None) -> None:
    """Stacked bars of the outcome classes, one bar per track."""
    long = by_track(df, "outcome_class", names).rename(columns={"value": "outcome_class"})
    outcome_classes(long, ax, "How each track ends")


def outcome_classes(df: pd.DataFrame, ax: Axes, title: str = "How each scenario ends") -> None:
    """Stacked horizontal bars: share of runs in each outcome class, one bar per scenario."""
    stacked_shares(
        ax,
        df.scenario,
        df["outcome_class"],
        [(cls, CLASS_LABELS[cls], CLASS_COLOURS[cls]) for cls in OUTCOME_CLASSES],
        title,
        columns=2,
    )


def stacked_shares(
    ax: Axes,
    series: pd.Series,
    values: pd.Series,
    kinds: Sequence[tuple[str, str, str]],
    title: str,
    columns: int,
) -> None:
    """One stacked horizontal bar per series (in order of appearance): the share of its runs
    whose value is each kind (value, legend label, colour), labelled where the share is wide
    enough to read."""
    names = list(dict.fromkeys(series))
    left = np.zeros(len(names))
    for kind, label, colour in kinds:
        share = np.array([(values[series == n] == kind).mean() for n in names])
        ax.barh(names, share, left=left, color=colour, label=label, edgecolor="white")
        for y, (x0, w) in enumerate(zip(left, share, strict=True)):
            if w >= 0.08:
                ax.text(x0 + w / 2, y, f"{w:.0%}", ha="center", va="center", fontsize=8, color="white")
        left += share
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of runs")
    ax.set_title(title)
    ax.invert_yaxis()
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=columns, frameon=False)


def _observed(field: str) -> list[tuple[str, float]]:
    """(scenario, month) of the stylized facts that mark history on ``field``."""
    return [
        (f.scenario, float(f.observed)) for f in load_facts() if f.field == field and f.observed is not None
    ]


def timing(
    df: pd.DataFrame,
    ax: Axes,
    field: str,
    given: str = "",
    title: str = "",
    label: str = "",
    source: str = "field",
    observed: Sequence[tuple[str, float]] | None = None,
) -> None:
    """ECDF of a timing outcome per scenario (runs where it happened), history marked
    (``observed``: (series, month) pairs, by default the stylized facts' on ``field``).
    An unknown ``field`` is a :class:`ScenarioError` naming ``source`` (e.g. ``--field``)."""
    colours = _colours(_scenarios(df))
    months = pd.to_numeric(column(df, field, source), errors="coerce")
    drawn = False
    for name in _scenarios(df):
        runs = df.scenario == name
        where = runs & share_of(column(df, given, "given")) if given else runs
        x = months[where].dropna().to_numpy()
        if len(x) == 0:
            continue
        xs = np.sort(x)
        share = len(x) / max(1, int(runs.sum()))
        ax.step(
            xs,
            np.arange(1, len(xs) + 1) / len(xs),
            where="post",
            color=colours[name],
            label=f"{name} (happens in {share:.0%} of runs)",
        )
        drawn = True
    for scen, value in _observed(field) if observed is None else observed:
        if scen in colours:
            ax.axvline(value, color=colours[scen], ls="--", lw=1)
            ax.annotate(
                f"history: {value:g}",
                (value, 0.05),
                rotation=90,
                fontsize=7,
                xytext=(3, 0),
                textcoords="offset points",
                color=colours[scen],
            )
    ax.set_ylim(0, 1.02)
    lo, hi = ax.get_xlim()
    ax.set_xlim(min(lo, -1), max(hi, 3))
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel("cumulative share of runs")
    ax.set_xlabel(label or field)
    ax.set_title(title or field)
    if drawn:
        ax.legend(fontsize=7, loc="lower right")
    else:
        ax.text(0.5, 0.5, "never happens", transform=ax.transAxes, ha="center")


def gap_column(traj: pd.DataFrame, track: str | None) -> str:
    """The trajectory column of the US-EU gap on ``track``, or on the only track the
    trajectories hold; a ScenarioError naming the tracks when there are several and none is
    chosen, or the chosen one has no gap."""
    held = sorted(c[: -len(".gap")] for c in traj.columns if c.endswith(".gap"))
    if track is None and len(held) == 1:
        return f"{held[0]}.gap"
    if track in held:
        return f"{track}.gap"
    problem = f"the trajectories hold {', '.join(held) or 'no track'}"
    raise ScenarioError("track", track or "", problem + ("" if track else ": name one"))


def fan(
    traj: pd.DataFrame, ax: Axes, value: str, label: str, title: str = "", band: str | None = None
) -> None:
    """Median with 50 % and 90 % bands of a monthly series, per scenario."""
    colours = _colours(_scenarios(traj))
    for name in _scenarios(traj):
        sub = traj[traj.scenario == name]
        series = 1.0 - sub["hard_attention"] if value == "soft_attention" else sub[value]
        q = series.groupby(sub["month"]).quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
        c = colours[name]
        ax.fill_between(q.index, q[0.05], q[0.95], color=c, alpha=0.15, lw=0)
        ax.fill_between(q.index, q[0.25], q[0.75], color=c, alpha=0.3, lw=0)
        ax.plot(q.index, q[0.5], color=c, label=f"{name} median")
        if band:
            tol = sub.groupby("month")[band].median()
            ax.plot(tol.index, tol, color=c, ls=":", lw=1, label=f"{name} tolerance")
    ax.set_xlabel("months from scenario start")
    ax.set_ylabel(label)
    ax.set_title(f"{title or label}: median, 50 % and 90 % bands", fontsize=10)
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7)


def heatmap(df: pd.DataFrame, ax: Axes, outcome: str, x: str, y: str) -> None:
    """P(outcome) over two swept parameters (columns ``sweep.<path>``). Results that sweep a
    third parameter are refused: each cell would silently average over its values."""
    for c in (x, y):
        if c not in df:
            raise ScenarioError(
                "x/y",
                c,
                f"not a column of the results (sweeps: {', '.join(sweep_columns(df)) or 'none'})",
            )
    for other in sweep_columns(df):
        values = df[other].nunique()
        if other not in (x, y) and values > 1:
            raise ScenarioError(
                "heatmap",
                "",
                f"the results also sweep {other} ({values} values), which each cell would average "
                "over: map a batch that sweeps only x and y",
            )
    hit = expression(df, outcome).fillna(False).astype(float)
    grid = hit.groupby([df[y], df[x]]).mean().unstack()
    im = ax.imshow(grid.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="cividis", vmin=0, vmax=1)
    ax.set_xticks(range(len(grid.columns)), [f"{v:.3g}" if isinstance(v, float) else v for v in grid.columns])
    ax.set_yticks(range(len(grid.index)), [f"{v:.3g}" if isinstance(v, float) else v for v in grid.index])
    ax.set_xlabel(x.removeprefix("sweep."))
    ax.set_ylabel(y.removeprefix("sweep."))
    ax.set_title(f"P({outcome})")
    for (i, j), v in np.ndenumerate(grid.to_numpy(dtype=float)):
        if not math.isnan(v):
            ax.text(
                j, i, f"{v:.2f}", ha="center", va="center", fontsize=7, color="white" if v < 0.6 else "black"
            )
    ax.figure.colorbar(im, ax=ax, label="share of runs")


def track_timing(
    df: pd.DataFrame,
    ax: Axes,
    field: str,
    names: Sequence[str],
    title: str,
    label: str,
    observed: Sequence[tuple[str, float]] = (),
) -> None:
    """ECDF of ``<track>.<field>`` for each of ``names``, history marked per track."""
    long = by_track(df, field, names)
    timing(long, ax, "value", title=title, label=label, observed=observed)


def soft_share(df: pd.DataFrame, ax: Axes) -> None:
    """The share of each ministerial's output that is soft: median and 50 % / 90 % bands, or
    one median line per scenario (sweep point) when the results hold several."""
    pairs = [dict(item.split(":") for item in str(t or "").split()) for t in df["soft_share_by_ministerial"]]
    months = sorted({m for p in pairs for m in p})
    if not months:
        ax.text(0.5, 0.5, "no ministerials", transform=ax.transAxes, ha="center")
        return
    values = pd.DataFrame([{m: float(p[m]) for m in p} for p in pairs], index=df.index)[months]
    x = np.arange(len(months))
    series = _scenarios(df)
    if len(series) > 1:
        for name, colour in _colours(series).items():
            ax.plot(x, values[df.scenario == name].median(), marker="o", color=colour, label=name)
    else:
        q = values.quantile([0.05, 0.25, 0.5, 0.75, 0.95])
        ax.fill_between(x, q.loc[0.05], q.loc[0.95], alpha=0.15, color=OKABE_ITO[0], label="90 % of runs")
        ax.fill_between(x, q.loc[0.25], q.loc[0.75], alpha=0.3, color=OKABE_ITO[0], label="50 % of runs")
        ax.plot(x, q.loc[0.5], marker="o", color=OKABE_ITO[0], label="median")
        ax.plot(x, values.mean(), marker="x", ls=":", color=OKABE_ITO[5], label="mean")
    ax.set_xticks(x, [f"TTC-{i + 1}\n{m}" for i, m in enumerate(months)], fontsize=7)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("soft share of the ministerial's output")
    if len(series) > 1:  # below the panel: the series' names are long
        ax.set_title("Soft share by ministerial (median)")
        ax.legend(fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.22), frameon=False)
    else:
        ax.set_title("Soft share by ministerial")
        ax.legend(fontsize=7)


def channels(df: pd.DataFrame, ax: Axes, names: Sequence[str] | None = None) -> None:
    """Stacked bars of the channel of the US's first decision (``<track>.channel``), one bar
    per track: the channels of the outcome registry, then any other value the results hold."""
    long = by_track(df, "channel", names)
    kinds = [*CHANNELS, *sorted(set(long["value"].dropna().astype(str)) - set(CHANNELS))]
    colours = dict(zip(CHANNELS, [OKABE_ITO[2], OKABE_ITO[0], OKABE_ITO[5], "#999999"], strict=True))
    styled = [
        (kind, kind, colours.get(kind, OKABE_ITO[(k + 3) % len(OKABE_ITO)])) for k, kind in enumerate(kinds)
    ]
    stacked_shares(
        ax, long["scenario"], long["value"], styled, "Channel of the US's first decision", len(kinds)
    )


# ----------------------------------------------------------------------------- history and the timeline

CUT_OFF = "2023-06"
"""The month of the cut-off, 30 June 2023: no fact decided later sets an input or a target
(sim/data/README.md); measures decided by then may come into force later."""


@dataclass(frozen=True)
class Mark:
    """A dated fact of history on a field of the results: the month the measure came into
    force, or (``absent``) a month by which it had not happened."""

    field: str
    month: float
    absent: bool = False


def history_marks(sc: Scenario) -> list[Mark]:
    """The dated events up to the cut-off (``sim/data/v2_events.csv``) as marks on the fields of
    ``sc``'s results, read as the historical validation reads them
    (:func:`sim.analysis.history.quantity`), in months from ``sc``'s start."""
    from sim.analysis.history import EVENTS_START, load_events, quantity

    shift = month_diff(sc.start, EVENTS_START)
    marks = []
    for _, event in load_events().iterrows():
        q = quantity(event, sc)
        if q.kind in ("timed", "absent"):
            marks += [Mark(f, q.month + shift, q.kind == "absent") for f in q.fields]
    return marks


TIMELINE_EVENTS = (
    ("first_us_rule", "US rule", "#D55E00"),
    ("month_eu", "EU-level measure", "#0072B2"),
    ("national", "national measure", "#009E73"),
    ("first_countermeasure", "first countermeasure", "#CC79A7"),
)
"""The rows of the timeline per track: (derived or outcome field, label, colour); ``national``
stands for ``national:XX`` of each member or ally history names on the track."""


def timeline_rows(df: pd.DataFrame, marks: Sequence[Mark] = ()) -> list[tuple[str, str, str]]:
    """(field, label, colour) of each timeline row: per track of the results, its US rule, its
    EU-level measure, the national measures history names on it, and its target's first
    countermeasure. A row that never happens in the runs and that history does not mark is
    left out."""
    marked = {m.field for m in marks}
    rows = []
    for track in tracks(df):
        for field, label, colour in TIMELINE_EVENTS:
            if field == "national":
                codes = sorted(
                    {m.field.partition(":")[2] for m in marks if m.field.startswith(f"{track}.national:")}
                )
                rows += [(f"{track}.national:{code}", f"{code} {label}", colour) for code in codes]
            else:
                rows.append((f"{track}.{field}", label, colour))
    return [r for r in rows if r[0] in marked or column(df, r[0]).notna().any()]


def timeline(df: pd.DataFrame, ax: Axes, marks: Sequence[Mark] = (), sc: Scenario | None = None) -> None:
    """The rules and countermeasures of every track in time: per row the month over the runs
    where it happens (median, 25-75 % and 5-95 % of them, and its share of runs), history
    marked (in force, or none by a month), and, given the results' scenario ``sc``, calendar
    months to its horizon and the cut-off. Results of several scenarios or sweep points draw
    one box per series in each row, in the series' colour, never pooled."""
    rows = timeline_rows(df, marks)
    series = _scenarios(df)
    several = len(series) > 1
    palette = _colours(series)
    step = 0.8 / len(series)  # each series' share of a row's height
    for y, (field, _, colour) in enumerate(rows):
        months = column(df, field)
        for k, name in enumerate(series):
            runs = df.scenario == name
            x = months[runs].dropna().to_numpy(dtype=float)
            yk = y + (k - (len(series) - 1) / 2) * step
            c = palette[name] if several else colour
            if not len(x):
                continue
            p05, p25, p50, p75, p95 = np.percentile(x, [5, 25, 50, 75, 95])
            ax.plot([p05, p95], [yk, yk], color=c, lw=1.2, solid_capstyle="butt")
            narrow = p75 - p25 < 0.4  # a box of (nearly) one month stays visible around the median
            left, width = (p50 - 0.2, 0.4) if narrow else (p25, p75 - p25)
            ax.barh(yk, width, left=left, height=0.6 * step, color=c, alpha=0.6)
            ax.plot([p50, p50], [yk - 0.35 * step, yk + 0.35 * step], color="black", lw=1.5)
            if several:
                ax.text(p95 + 0.3, yk, f"{len(x) / runs.sum():.0%}", va="center", fontsize=6)
    for m in marks:
        y = next((k for k, r in enumerate(rows) if r[0] == m.field), None)
        if y is not None:
            ax.plot(m.month, y, marker="x" if m.absent else "D", color="black", ms=6, ls="none")
    labels = []
    for field, label, _ in rows:
        share = "" if several else f" ({column(df, field).notna().mean():.0%} of runs)"
        labels.append(f"{field.split('.')[0]}: {label}{share}")
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    for k in range(1, len(rows)):
        if rows[k][0].split(".")[0] != rows[k - 1][0].split(".")[0]:
            ax.axhline(k - 0.5, color="#cccccc", lw=0.8)
    horizon = sc.months if sc is not None else math.ceil(ax.get_xlim()[1])
    ax.set_xlim(-0.5, horizon)
    ticks = list(range(0, horizon + 1, 6))
    if sc is not None:
        ax.set_xticks(ticks, [f"{t}\n{sc.calendar(t)}" for t in ticks], fontsize=8)
        cut = sc.month_index(CUT_OFF) + 0.5
        if 0 <= cut <= horizon:
            ax.axvline(cut, color="black", ls="--", lw=1)
            ax.annotate(
                "cut-off 30 Jun 2023", (cut, 1), xycoords=("data", "axes fraction"), xytext=(3, -10),
                textcoords="offset points", fontsize=8,
            )  # fmt: skip
    else:
        ax.set_xticks(ticks)
    ax.set_xlabel("month from the scenario's start")
    ax.set_title("Rules and countermeasures in time: runs where each happens, against history")
    ax.grid(axis="x", color="#eeeeee")
    ax.set_axisbelow(True)
    handles = [
        Line2D([], [], color="#777777", lw=1.2, label="5-95 % of the runs where it happens"),
        Patch(color="#777777", alpha=0.6, label="25-75 %"),
        Line2D([], [], color="black", lw=1.5, marker="|", ms=10, ls="none", label="median"),
        Line2D([], [], color="black", marker="D", ls="none", label="history: in force"),
        Line2D([], [], color="black", marker="x", ls="none", label="history: none by then"),
    ]
    if several:  # below the panel: the series' names are long
        handles += [Patch(color=palette[name], alpha=0.6, label=name) for name in series]
        ax.legend(handles=handles, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3)
        ax.text(1, -0.1, "share of runs: right of each box", transform=ax.transAxes, ha="right", fontsize=7)
    else:
        ax.legend(handles=handles, fontsize=7, loc="lower right", framealpha=0.9)


def dual_track(df: pd.DataFrame, sc: Scenario | None = None) -> Figure:
    """The headline figure from one run set of a scenario with several tracks: how each track
    ends and by which channel, the soft share by ministerial, and the timeline of every
    track's rules and countermeasures. Given the scenario ``sc`` the results come from, the
    timeline marks history (:func:`history_marks`) and the cut-off in calendar months."""
    fig = Figure(figsize=(16, 11), layout="constrained")
    grid = fig.add_gridspec(2, 3, height_ratios=[1, 1.5])
    track_classes(df, fig.add_subplot(grid[0, 0]))
    by_channel = fig.add_subplot(grid[0, 1])
    channels(df, by_channel)
    by_channel.tick_params(labelleft=False)  # the same bars, in the same order, as on its left
    soft_share(df, fig.add_subplot(grid[0, 2]))
    timeline(df, fig.add_subplot(grid[1, :]), history_marks(sc) if sc is not None else (), sc)
    fig.suptitle(
        f"One TTC, several tracks from the same runs{f' ({sc.name})' if sc is not None else ''}", fontsize=13
    )
    return fig


# ----------------------------------------------------------------------------- results and image files


def sweep_columns(df: pd.DataFrame) -> list[str]:
    """The ``sweep.<path>`` columns of a results table."""
    return [str(c) for c in df.columns if str(c).startswith("sweep.")]


def label_sweep_points(
    df: pd.DataFrame, traj: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Relabel each run's ``scenario`` as ``scenario [path=value, ...]`` of its sweep point,
    so that every figure draws one series per point instead of pooling them (trajectories
    are matched to their point through the ``point`` column)."""
    cols = sweep_columns(df)
    if not cols:
        return df, traj

    def point_label(row: pd.Series) -> str:
        values = ", ".join(f"{c.removeprefix('sweep.')}={_short(row[c])}" for c in cols)
        return f"{row['scenario']} [{values}]"

    df = df.copy()
    labels = df.apply(point_label, axis=1)
    if traj is not None:
        names = dict(zip(zip(df["scenario"], df["point"], strict=True), labels, strict=True))
        traj = traj.copy()
        traj["scenario"] = [names[k] for k in zip(traj["scenario"], traj["point"], strict=True)]
    df["scenario"] = labels
    return df, traj


def _short(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


IMAGE_FORMATS = tuple(sorted(FigureCanvasBase.get_supported_filetypes()))
"""The suffixes matplotlib writes a figure to (``png``, ``pdf``, ``svg``, ...)."""

RESULT_COLUMNS = ("scenario", "run", "soft_share_by_ministerial")
"""The outcome columns the figures read beside each track's ``<track>.<field>`` columns,
which every results file of ``ttcsim batch`` holds (a trajectories file or another program's
table does not)."""


def check_image_path(out: Path) -> None:
    """Refuse an ``--out`` that matplotlib cannot write as named: a folder, a missing folder, a
    name without a suffix or with one that is not an image format (so the file ``plot`` says it
    wrote is the file it wrote)."""
    if out.is_dir():
        raise ScenarioError("out", str(out), "is a folder: name an image file (e.g. figure.png)")
    if not out.parent.is_dir():
        raise ScenarioError("out", str(out), f"folder {out.parent} does not exist")
    kind = out.suffix.removeprefix(".").lower()
    if kind not in IMAGE_FORMATS:
        problem = (
            f"unsupported image format {kind!r}{suggest(kind, IMAGE_FORMATS)}"
            if kind
            else "needs a suffix naming the image format"
        )
        raise ScenarioError("out", str(out), f"{problem}; use one of {', '.join(IMAGE_FORMATS)}")


def check_results(df: pd.DataFrame, source: str) -> None:
    """Refuse a table that lacks the outcome columns of a ttcsim results file."""
    missing = [c for c in RESULT_COLUMNS if c not in df.columns]
    if not tracks(df):
        missing.append("<track>.outcome_class")
    if missing:
        raise ScenarioError(source, "", f"not a ttcsim results file (missing column(s) {', '.join(missing)})")


def read_plot_results(paths: Sequence[str]) -> pd.DataFrame:
    """The results files of one figure, read one by one: each must be a ttcsim results file,
    and no scenario name may appear in two of them (their runs would be pooled into one
    series, e.g. a scenario run twice with different ``--set``)."""
    from sim.runner.store import read_results

    frames = []
    holder: dict[str, str] = {}
    for path in paths:
        df = read_results([path])
        check_results(df, path)
        for name in _scenarios(df):
            if name in holder and not _replications_of_one_experiment(holder[name], path, name):
                raise ScenarioError(
                    path,
                    name,
                    f"also in {holder[name]}: their runs would be pooled into one series; give each "
                    "its own name with label=NAME (batches of the same scenario, "
                    "inputs and sweeps with different seeds do pool)",
                )
            holder[name] = path
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def _replications_of_one_experiment(first: str, second: str, name: str) -> bool:
    """Whether scenario ``name`` in two results files is the same experiment run with
    different batch seeds (a large study split into batches), by their manifests: the same
    resolved scenario, overrides and sweeps, another seed. Such runs may pool."""
    from sim.runner.manifest import manifest_path

    def identity(path: str) -> tuple[Any, Any] | None:
        try:
            manifest = json.loads(manifest_path(Path(path)).read_text())
            scenario = next(s for s in manifest["scenarios"] if s["name"] == name)
            return (scenario["resolved_sha256"], manifest["overrides"], manifest["sweeps"]), manifest[
                "batch_seed"
            ]
        except (OSError, ValueError, KeyError, TypeError, StopIteration):
            return None

    a, b = identity(first), identity(second)
    return a is not None and b is not None and a[0] == b[0] and a[1] != b[1]


def results_scenario(paths: Sequence[str]) -> Scenario | None:
    """The scenario results come from, for the history and calendar months of a figure: the
    one scenario file (and overrides) the manifests beside ``paths`` name, loaded again; None
    when they name several, or none, or it no longer loads."""
    from sim.runner.manifest import manifest_path

    named = set()
    for path in paths:
        try:
            manifest = json.loads(manifest_path(Path(path)).read_text())
            folder = Path(path).parent
            named |= {(folder / s["file"], tuple(manifest["overrides"])) for s in manifest["scenarios"]}
        except (OSError, ValueError, KeyError, TypeError):
            return None
    if len(named) != 1:
        return None
    file, overrides = named.pop()
    try:
        return load_scenario(file, overrides)
    except (ScenarioError, OSError):
        return None


def save_figure(fig: Figure, out: Path) -> None:
    """Write ``fig`` to ``out``. A failure (a full disk; a format that needs TeX, such as pgf,
    without it) is a message naming ``--out``, and leaves no half-written new file."""
    existed = out.exists()
    try:
        fig.savefig(out, dpi=130)
    except (OSError, RuntimeError) as e:
        if not existed:
            out.unlink(missing_ok=True)
        raise ScenarioError("out", str(out), f"cannot write the figure ({e})") from None
