"""Figures of batch results: outcome classes, timing distributions, fan charts, sweep maps.

Every function takes a results table (or trajectories table) and a matplotlib ``Axes`` and
draws one panel with titles, units and scenario labels, in the Okabe-Ito colour-blind-safe
palette. ``ttcsim plot`` writes them to files; :func:`dual_track` composes the headline figure.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.figure import Figure

from sim.analysis.stylized import column, load_facts
from sim.messages import suggest
from sim.model.outcomes import OUTCOME_CLASSES
from sim.scenario import ScenarioError

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
CLASS_COLOURS = dict(
    zip(OUTCOME_CLASSES, ["#009E73", "#E69F00", "#D55E00", "#56B4E9", "#999999"], strict=True)
)
CLASS_LABELS = {
    "coordinated": "coordinated (TTC deal)",
    "unilateral_with_followers": "US alone, allies follow",
    "unilateral_alone": "US alone, nobody follows",
    "eu_only": "EU/members only",
    "no_controls": "no controls",
}


def _colours(names: Sequence[str]) -> dict[str, str]:
    return {n: OKABE_ITO[i % len(OKABE_ITO)] for i, n in enumerate(names)}


def _scenarios(df: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(df["scenario"]))


def outcome_classes(df: pd.DataFrame, ax: Axes) -> None:
    """Stacked horizontal bars: share of runs in each outcome class, one bar per scenario."""
    names = _scenarios(df)
    left = np.zeros(len(names))
    for cls in OUTCOME_CLASSES:
        share = np.array([(df.loc[df.scenario == n, "outcome_class"] == cls).mean() for n in names])
        ax.barh(names, share, left=left, color=CLASS_COLOURS[cls], label=CLASS_LABELS[cls], edgecolor="white")
        for y, (x0, w) in enumerate(zip(left, share, strict=True)):
            if w >= 0.08:
                ax.text(x0 + w / 2, y, f"{w:.0%}", ha="center", va="center", fontsize=8, color="white")
        left += share
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of runs")
    ax.set_title("How each scenario ends")
    ax.invert_yaxis()
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2, frameon=False)


TIMING = (
    ("months_shock_to_coordination", "", "Shock to coordination", "months from the first shock"),
    ("month_unilateral", "", "US acts alone", "month of the US unilateral rule"),
    ("lag:NL", "us_unilateral", "Dutch alignment", "months from the US rule to the Dutch rule"),
)


def _observed(field: str) -> list[tuple[str, float]]:
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
) -> None:
    """ECDF of a timing outcome per scenario (runs where it happened), history marked.
    An unknown ``field`` is a :class:`ScenarioError` naming ``source`` (e.g. ``--field``)."""
    colours = _colours(_scenarios(df))
    months = pd.to_numeric(column(df, field, source), errors="coerce")
    drawn = False
    for name in _scenarios(df):
        runs = df.scenario == name
        where = runs & df[given].astype(bool) if given else runs
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
    for scen, value in _observed(field):
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
    hit = _evaluate(df, outcome)
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


def _evaluate(df: pd.DataFrame, expr: str) -> pd.Series:
    try:
        out = df.eval(expr)
    except Exception as e:  # pandas raises many kinds for a bad expression
        raise ScenarioError("outcome", expr, f"cannot evaluate on the results ({e})") from None
    return out.fillna(False).astype(float)


def dual_track(df: pd.DataFrame, traj: pd.DataFrame | None = None) -> Figure:
    """The headline figure: how each track ends, when, and where the TTC's attention goes."""
    fig = Figure(figsize=(15, 8.5))
    axes = fig.subplots(2, 3)
    outcome_classes(df, axes[0, 0])
    for ax, (field, given, title, label) in zip([axes[0, 1], axes[0, 2], axes[1, 0]], TIMING, strict=True):
        timing(df, ax, field, given, title, label)
    if traj is not None and not traj.empty:
        fan(traj, axes[1, 1], "gap", "US-EU gap (ask - offer)", "The hard track: gap", band="tolerance")
        fan(traj, axes[1, 2], "soft_attention", "attention share on the soft track", "Where the TTC looks")
    else:
        for ax in axes[1, 1:]:
            ax.axis("off")
    fig.suptitle("The TTC's dual track: the same model, Russia-like vs China-like parameters", fontsize=13)
    fig.tight_layout()
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

RESULT_COLUMNS = (
    "scenario",
    "run",
    "outcome_class",
    "us_unilateral",
    "month_unilateral",
    "months_shock_to_coordination",
    "national_adopters",
    "national_months",
)
"""The outcome columns the figures read, which every results file of ``ttcsim batch`` holds
(a trajectories file or another program's table does not)."""


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
