"""The ttcsim dashboard: move a preference, watch one run unfold and the outcomes shift.

Serve with ``make dashboard`` (``solara run sim.app``) and open http://127.0.0.1:8765.

* Left: pick a shipped scenario and set key preferences. Every control is bound to the same
  ``PATH=VALUE`` override as the command line's ``--set``; the page shows the equivalent
  ``--set`` flags, and extra overrides can be typed in.
* "One run": the US ask and ideal, the Commission's offer and each member's ideal over the
  months; the US-EU gap against the tolerance band; attention on the soft track; the events.
* "Batch": N seeded runs through the batch runner (with progress), outcome-class shares and
  timing distributions, next to the shipped scenario run with the same seeds.
* Export the settings as a scenario file and the batch as Parquet, to rerun from the CLI.

Bad input (a value out of range, an unknown path) shows a message; the server keeps running.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import solara  # noqa: E402
import solara.lab  # noqa: E402

from . import plots  # noqa: E402
from .batch import simulate  # noqa: E402
from .distributions import Distribution  # noqa: E402
from .model import TTCModel  # noqa: E402
from .scenario import Scenario, ScenarioError, load_scenario, to_toml  # noqa: E402
from .stylized import column  # noqa: E402

SCENARIO_DIR = Path(os.environ.get("TTCSIM_SCENARIOS", Path(__file__).resolve().parent.parent / "scenarios"))


@dataclass(frozen=True)
class Control:
    path: str
    label: str
    low: float
    high: float
    step: float


CONTROLS = (
    Control("us.threat", "US threat perception", 0, 1, 0.01),
    Control("us.patience", "US patience (months of talks)", 0, 48, 1),
    Control("us.pressure", "US pressure on allies (per month)", 0, 1, 0.01),
    Control("us.reach", "US extraterritorial reach", 0, 1, 0.01),
    Control("commission.autonomy", "Commission autonomy from the US ask", 0, 1, 0.01),
    Control("members.NL.exposure", "NL exports at stake", 0, 1, 0.01),
    Control("members.NL.retaliation_fear", "NL fear of retaliation", 0, 1, 0.01),
    Control("members.DE.exposure", "DE exports at stake", 0, 1, 0.01),
    Control("members.DE.retaliation_fear", "DE fear of retaliation", 0, 1, 0.01),
    Control("members.*.threat", "Threat perception of all members", 0, 1, 0.01),
)
METRICS = (
    ("coordinated", "P(coordinated)", "share"),
    ("us_unilateral", "P(US acts alone)", "share"),
    ("eu_adopted", "P(EU-level measure)", "share"),
    ("national:NL", "P(NL adopts nationally)", "share"),
    ("national:DE", "P(DE adopts nationally)", "share"),
    ("month_unilateral", "median month of US unilateral rule", "median"),
    ("effective_alignment", "effective alignment (mean)", "mean"),
    ("soft_share", "soft-track attention share (mean)", "mean"),
)


def shipped() -> dict[str, Path]:
    return {p.stem: p for p in sorted(SCENARIO_DIR.glob("*.toml"))}


def current_value(sc: Scenario, path: str) -> tuple[float, str]:
    """What a control shows before it is moved, and a note when the scenario samples it."""
    if path.startswith("members.*."):
        key = path.split(".")[-1]
        vals = [sc.values[f"members.{m}.{key}"] for m in sc.members]
        nums = [v.support()[0] / 2 + v.support()[1] / 2 if isinstance(v, Distribution) else v for v in vals]
        return float(np.mean(nums)), "members differ; moving sets all 27"
    v = sc.values[path]
    if isinstance(v, Distribution):
        lo, hi = v.support()
        return (lo + hi) / 2, f"sampled {v.kind} {lo:g}..{hi:g}; moving fixes it"
    return float(v), ""


def overrides_of(changed: dict[str, Any], extra: str) -> list[str]:
    out = [f"{p}={v}" for p, v in changed.items()]
    out += [line.strip() for line in extra.replace(";", "\n").splitlines() if line.strip()]
    return out


def summary(df: pd.DataFrame) -> dict[str, float]:
    out = {}
    for field, _, kind in METRICS:
        col = column(df, field)
        if kind == "share":
            out[field] = float(col.astype(bool).mean())
        elif kind == "median":
            x = pd.to_numeric(col, errors="coerce").dropna()
            out[field] = float(x.median()) if len(x) else float("nan")
        else:
            out[field] = float(pd.to_numeric(col, errors="coerce").mean())
    return out


def fmt(kind: str, v: float) -> str:
    if np.isnan(v):
        return "-"
    return f"{v:.0%}" if kind == "share" else (f"{v:.0f}" if kind == "median" else f"{v:.2f}")


# ----------------------------------------------------------------------------- state

scenario_name = solara.reactive("china_2022")
changed: solara.Reactive[dict[str, Any]] = solara.reactive({})
extra = solara.reactive("")
eu_rule = solara.reactive("")
seed = solara.reactive(1)
runs = solara.reactive(200)
progress = solara.reactive(0.0)
one_run: solara.Reactive[TTCModel | None] = solara.reactive(None)
batch: solara.Reactive[dict[str, Any] | None] = solara.reactive(None)
_baselines: dict[tuple[str, int, int], pd.DataFrame] = {}  # shipped-scenario batches, by (name, runs, seed)
BASELINES_KEPT = 8
"""Baseline batches kept in memory (shared by all sessions; the oldest goes first)."""


def build() -> tuple[Scenario | None, list[str], str]:
    """The scenario with the page's overrides, or the error that stops it."""
    files = shipped()
    ov = overrides_of(changed.value, extra.value)
    if eu_rule.value:
        ov = [f"eu.rule={eu_rule.value}", *ov]
    try:
        return load_scenario(files[scenario_name.value], ov), ov, ""
    except ScenarioError as e:
        return None, ov, str(e)
    except KeyError:
        return None, ov, f"no scenario named {scenario_name.value!r} in {SCENARIO_DIR}"


@solara.lab.task(prefer_threaded=True)
def run_batch_task(sc: Scenario, n: int, s: int) -> dict[str, Any]:
    progress.value = 0.0
    key = (scenario_name.value, n, s)
    total = 2 * n if key not in _baselines else n
    done = [0]

    def tick(k: int) -> None:
        done[0] += k
        progress.value = 100.0 * done[0] / total

    workers = 1 if n <= 1000 else None
    df = simulate([sc], n, s, workers=workers, progress=tick)
    if key not in _baselines:
        _baselines[key] = simulate([shipped()[scenario_name.value]], n, s, workers=workers, progress=tick)
        while len(_baselines) > BASELINES_KEPT:
            _baselines.pop(next(iter(_baselines)))
    progress.value = 100.0
    return {"current": df, "baseline": _baselines[key], "n": n, "seed": s, "scenario": sc}


# ----------------------------------------------------------------------------- figures


def single_run_figure(model: TTCModel) -> plt.Figure:
    t = model.trajectory()
    fig, axes = plt.subplots(1, 3, figsize=(15, 3.8))
    ax = axes[0]
    for iso, key_exporter in zip(
        model.iso, model.exporter, strict=True
    ):  # the basket's key exporters stand out
        style = (
            {"lw": 1.6, "label": f"{iso} ideal"}
            if key_exporter
            else {"color": "#999999", "lw": 0.6, "alpha": 0.5}
        )
        ax.plot(t["month"], t[f"ideal.{iso}"], **style)
    ax.plot(t["month"], t["us_ideal"], color="#D55E00", ls="--", label="US ideal")
    ax.plot(t["month"], t["us_ask"], color="#D55E00", label="US ask")
    ax.plot(t["month"], t["eu_offer"], color="#0072B2", lw=2, label="Commission offer")
    ax.set_ylim(0, 1)
    ax.set_title("Positions (grey: members other than the key exporters)")
    ax.set_xlabel("months from start")
    ax.legend(fontsize=7, ncol=2)
    ax = axes[1]
    ax.fill_between(t["month"], 0, t["tolerance"], color="#009E73", alpha=0.2, label="tolerance band")
    ax.plot(t["month"], t["gap"], color="black", label="US-EU gap")
    ax.set_ylim(0, 1)
    ax.set_title("Gap against the tolerance band")
    ax.set_xlabel("months from start")
    ax.legend(fontsize=7)
    ax = axes[2]
    ax.plot(t["month"], 1 - t["hard_attention"], color="#CC79A7")
    ax.set_ylim(0, 1)
    ax.set_title("TTC attention on the soft track")
    ax.set_xlabel("months from start")
    fig.tight_layout()
    return fig


def batch_figure(result: dict[str, Any]) -> plt.Figure:
    both = pd.concat(
        [
            result["current"].assign(scenario="this setting"),
            result["baseline"].assign(scenario="shipped scenario"),
        ],
        ignore_index=True,
    )
    fig, axes = plt.subplots(1, 3, figsize=(15, 3.8))
    plots.outcome_classes(both, axes[0])
    plots.timing(both, axes[1], "month_unilateral", "", "US acts alone", "month of the US unilateral rule")
    plots.timing(
        both,
        axes[2],
        "lag:NL",
        "us_unilateral",
        "Dutch alignment",
        "months from the US rule to the Dutch rule",
    )
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- page


@solara.component
def ControlRow(c: Control, sc: Scenario) -> None:
    value, note = current_value(sc, c.path)
    shown = round(float(changed.value.get(c.path, value)), 4)

    def set_value(v: float | None) -> None:
        # widgets report their (snapped) value when they appear: only a real move counts, or
        # a sampled parameter would silently be fixed at its midpoint
        if v is None or (c.path not in changed.value and abs(float(v) - value) <= c.step / 2):
            return
        changed.value = {**changed.value, c.path: round(float(v), 4)}

    with solara.Column(gap="0px"):
        solara.SliderFloat(
            c.label, value=float(shown), min=c.low, max=c.high, step=c.step, on_value=set_value
        )
        with solara.Row():
            solara.InputFloat(
                f"{c.label} ({c.path})",
                value=float(shown),
                on_value=set_value,
                dense=True,
                classes=[f"ttc-input-{c.path.replace('.', '-').replace('*', 'all')}"],
            )
        if note and c.path not in changed.value:
            solara.Text(note, style={"font-size": "11px", "color": "#666"})


def reset() -> None:
    """Back to the shipped scenario: no overrides."""
    changed.set({})
    extra.set("")
    eu_rule.set("")


def start_over(_: str) -> None:
    """A new scenario: its own defaults, no results yet."""
    reset()
    batch.set(None)
    one_run.set(None)


@solara.component
def Page() -> None:
    solara.Title("ttcsim dashboard")
    sc, ov, error = build()
    with solara.Sidebar():
        solara.Markdown("### Scenario and preferences")
        solara.Select("scenario", values=list(shipped()), value=scenario_name, on_value=start_over)
        base = load_scenario(shipped()[scenario_name.value]) if scenario_name.value in shipped() else None
        if base is not None:
            solara.ToggleButtonsSingle(
                value=eu_rule.value or base.values["eu.rule"],
                values=["unanimity", "qmv"],
                on_value=lambda v: eu_rule.set("" if v == base.values["eu.rule"] else v),
            )
            for c in CONTROLS:
                ControlRow(c, base)
        solara.InputText(
            "extra overrides (PATH=VALUE; ...)", value=extra, continuous_update=False, classes=["ttc-extra"]
        )
        solara.Button("reset to the shipped scenario", on_click=reset, text=True)
    solara.Markdown("## ttcsim: transatlantic export-control coordination")
    if error:
        solara.Error(f"Cannot build the scenario: {error}", classes=["ttc-error"])
    else:
        solara.Markdown(
            "Equivalent command line: `ttcsim run "
            + f"scenarios/{scenario_name.value}.toml "
            + " ".join(f"--set '{o}'" for o in ov)
            + "`"
        )
    with solara.lab.Tabs():
        with solara.lab.Tab("One run"):
            with solara.Row():
                solara.InputInt("seed", value=seed, dense=True)
                solara.Button(
                    "Run one",
                    on_click=lambda: one_run.set(TTCModel(sc, rng=seed.value).run()) if sc else None,
                    disabled=sc is None,
                    color="primary",
                )
            model = one_run.value
            if model is not None:
                solara.FigureMatplotlib(single_run_figure(model), format="png")
                row = model.outcome()
                solara.Markdown(
                    f"**Outcome:** {row['outcome_class']}; US unilateral month "
                    f"{row['month_unilateral']}; national adopters: {row['national_adopters'] or 'none'}; "
                    f"soft share {row['soft_share']:.2f}."
                )
                solara.Markdown(
                    "| month | actor | event |\n|---|---|---|\n"
                    + "\n".join(f"| {d} | {a} | {text} |" for _, d, a, _, text in model.events)
                )
        with solara.lab.Tab("Batch"):
            with solara.Row():
                solara.InputInt("runs", value=runs, dense=True, classes=["ttc-runs"])
                solara.Button(
                    "Run batch",
                    on_click=lambda: (
                        run_batch_task(sc, int(runs.value), int(seed.value))
                        if sc and runs.value and runs.value > 0
                        else None
                    ),
                    disabled=sc is None or run_batch_task.pending,
                    color="primary",
                    classes=["ttc-run-batch"],
                )
            if runs.value is not None and runs.value <= 0:
                solara.Error("runs must be at least 1")
            if run_batch_task.pending:
                solara.ProgressLinear(progress.value)
                solara.Text(f"running... {progress.value:.0f} %")
            if run_batch_task.error:
                solara.Error(f"The batch failed: {run_batch_task.exception}")
            if run_batch_task.finished and run_batch_task.value is not None:
                batch.value = run_batch_task.value
            result = batch.value
            if result is not None:
                cur, base_s = summary(result["current"]), summary(result["baseline"])
                solara.Markdown(
                    f"**{result['n']} runs**, seeds from batch seed {result['seed']}; the shipped "
                    "scenario ran with the same seeds."
                )
                with solara.Columns([3, 1, 1]):
                    solara.Text("outcome")
                    solara.Text("this setting")
                    solara.Text("shipped scenario")
                for field, label, kind in METRICS:
                    key = field.replace(":", "-")
                    with solara.Columns([3, 1, 1]):
                        solara.Text(label)
                        solara.Text(fmt(kind, cur[field]), classes=[f"ttc-current-{key}"])
                        solara.Text(fmt(kind, base_s[field]), classes=[f"ttc-baseline-{key}"])
                solara.FigureMatplotlib(batch_figure(result), format="png")
                buf = io.BytesIO()
                result["current"].to_parquet(buf, index=False)
                solara.FileDownload(
                    buf.getvalue(),
                    filename=f"{scenario_name.value}_dashboard.parquet",
                    label="Export the batch as Parquet",
                )
    if sc is not None:
        settings = " ".join(ov) or "no overrides"
        header = (
            f"Exported from the ttcsim dashboard: {scenario_name.value} with {settings}\n"
            "Run it with: ttcsim batch THIS_FILE.toml --runs 1000 --out results.parquet"
        )
        solara.FileDownload(
            lambda: to_toml(sc, header),
            filename=f"{scenario_name.value}_dashboard.toml",
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
def serve(port: int = 0, log: Path | None = None, timeout: float = 90.0) -> Iterator[str]:
    """Run the dashboard server in a subprocess on 127.0.0.1 and yield its URL; stop it after.
    ``port=0`` picks a free port."""
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
            "sim.app",
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
        if log:
            out.close()  # type: ignore[union-attr]


def find_chromium() -> str | None:
    """Debian's Chromium, if installed (``apt-get install chromium``)."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def browser_page(url: str, width: int = 1400, height: int = 1000) -> Iterator[Any]:
    """A Playwright page in Debian's headless Chromium, opened at ``url`` (tests, screenshots)."""
    from playwright.sync_api import sync_playwright

    chromium = find_chromium()
    if chromium is None:
        raise RuntimeError("needs Debian's chromium: apt-get install chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.set_default_timeout(60_000)
            page.goto(url)
            yield page
        finally:
            browser.close()
