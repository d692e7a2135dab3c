"""Speed and memory of the model and the batch runner, side by side on the same seeds.

Writes ``results/benchmark.md``:

1. the model, single process: runs/s of a plain loop over ``sim.run`` for each shipped
   scenario (the joint ``ttc_2021_2025`` beside the one-track ones), against the recorded baseline (``results/benchmark_baseline.json``: the same
   measurement on the model before optimisation), with a hash of the outcome rows showing
   that the same seeds give the same rows before and after;
2. runners on ``china_2022`` with the same seeds: the plain loop, our runner with 1 and 2
   workers, and ``mesa.batch_run`` with 1 and 2 processes; runs/s per core and parallel
   efficiency;
3. a 10,000-run batch of the joint scenario to Parquet, with its peak memory (RSS of the
   whole process tree), and a 10,000-run batch of both one-track scenarios (5,000 each);
4. peak memory of a 100,000-run batch of the one-track scenarios to Parquet;
5. a profile of single runs: where the time goes.

Usage: ``python experiments/benchmark.py [--quick]``; ``--baseline FILE`` only measures the
model and writes FILE (used to record the baseline from an older commit).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import platform
import pstats
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SCEN = {n: ROOT / "scenarios" / f"{n}.toml" for n in ("russia_2022", "china_2022")}
"""The one-track scenarios: the runners and the whole batches run on these."""
MODEL_SCEN = {**SCEN, "ttc_2021_2025": ROOT / "scenarios" / "ttc_2021_2025.toml"}
"""Section 1 also measures the joint scenario (one TTC, five tracks): runs/s per core."""
BEFORE = ROOT / "results" / "benchmark_baseline_multitrack.json"
"""The multi-track engine before its optimisation: the same rows, measured on the same machine."""
BASELINE = ROOT / "results" / "benchmark_baseline.json"


def rows_hash(rows: list[dict]) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()[:16]


def model_speed(n: int, repeats: int = 3) -> dict:
    """Plain single-process loop over ``sim.run``: best of ``repeats`` (runs/s) and a hash."""
    from sim import load_scenario, run

    out = {}
    for name, path in MODEL_SCEN.items():
        sc = load_scenario(path)
        rates, rows = [], []
        for _ in range(repeats):
            t = time.perf_counter()
            rows = [run(sc, s) for s in range(n)]
            rates.append(n / (time.perf_counter() - t))
        out[name] = {"runs_per_s": round(max(rates), 1), "hash": rows_hash(rows), "runs": n}
    return out


def git_commit() -> str:
    """The commit of the ``sim`` package being measured (a baseline may be another checkout)."""
    import sim

    where = Path(sim.__file__).resolve().parent
    r = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=where, capture_output=True, text=True)
    return r.stdout.strip() or "unknown"


class TreeRSS:
    """Peak resident memory of a process and all its descendants, sampled from /proc."""

    def __init__(self, pid: int, every: float = 0.1):
        self.pid, self.every, self.peak, self._stop = pid, every, 0, threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _tree(self) -> list[int]:
        kids: dict[int, list[int]] = {}
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    ppid = int(Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                kids.setdefault(ppid, []).append(int(d))
        out, todo = [], [self.pid]
        while todo:
            p = todo.pop()
            out.append(p)
            todo += kids.get(p, [])
        return out

    def _rss(self) -> int:
        total = 0
        for p in self._tree():
            try:
                for line in Path(f"/proc/{p}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            except OSError:
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            time.sleep(self.every)

    def __enter__(self) -> TreeRSS:
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()


def timed_batch(
    runs: int, workers: int, scenarios: list[Path], trajectories: bool = False
) -> tuple[float, int]:
    """Wall seconds and peak tree RSS (bytes) of ``ttcsim batch`` in a subprocess."""
    with tempfile.TemporaryDirectory() as d:
        cmd = [
            sys.executable,
            "-m",
            "sim.cli",
            "batch",
            *map(str, scenarios),
            "--runs",
            str(runs),
            "--workers",
            str(workers),
            "--out",
            f"{d}/b.parquet",
            "--quiet",
        ]
        if trajectories:
            cmd.append("--trajectories")
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
        with TreeRSS(proc.pid) as mem:
            proc.wait()
        wall = time.perf_counter() - t
        if proc.returncode != 0:
            raise SystemExit(f"batch failed: {' '.join(cmd)}")
    return wall, mem.peak


def runners(n: int) -> list[dict]:
    import mesa

    from sim import TTCModel, load_scenario, run
    from sim.runner.batch import run_seed, simulate

    sc = load_scenario(SCEN["china_2022"])
    seeds = [run_seed(0, i) for i in range(n)]
    results = []

    def record(name: str, cores: int, fn) -> None:
        t = time.perf_counter()
        fn()
        wall = time.perf_counter() - t
        results.append({"runner": name, "cores": cores, "wall": wall, "rate": n / wall})

    record("plain loop over sim.run", 1, lambda: [run(sc, s) for s in seeds])
    record("ttcsim runner, 1 worker", 1, lambda: simulate([sc], n, 0, workers=1))
    record("ttcsim runner, 2 workers", 2, lambda: simulate([sc], n, 0, workers=2))
    for procs in (1, 2):
        record(
            f"mesa.batch_run, {procs} process{'es' if procs > 1 else ''}",
            procs,
            lambda p=procs: mesa.batch_run(
                TTCModel,
                {"scenario": sc, "record": "final"},
                rng=seeds,
                number_processes=p,
                max_steps=1000,
                display_progress=False,
            ),
        )
    return results


def profile(n: int) -> list[tuple[str, float]]:
    """Share of a run's time in each part of the model (cProfile, cumulative)."""
    from sim import TTCModel, load_scenario

    sc = load_scenario(MODEL_SCEN["ttc_2021_2025"])
    for record in (True, False):  # the compiled kernels load on a process's first run: not profiled
        TTCModel(sc, rng=0, record=record).run().outcome()
    prof = cProfile.Profile()
    prof.enable()
    for s in range(n):
        TTCModel(sc, rng=s, record=s % 10 == 0).run().outcome()
    prof.disable()
    st = pstats.Stats(prof)
    total = sum(v[3] for k, v in st.stats.items() if k[2] == "run" and k[0].endswith("model.py"))  # type: ignore[attr-defined]

    def cum(func: str, file: str = "model.py") -> float:
        return sum(v[3] for k, v in st.stats.items() if k[2] == func and k[0].endswith(file))  # type: ignore[attr-defined]

    construct = cum("__init__")
    recording = cum("collect", "datacollection.py")
    mechanisms = [
        (
            "preferences (mechanism 1, all tracks at once)",
            cum("_form_preferences") - cum("perceive", "perception.py"),
        ),
        ("perception (mechanism 2)", cum("perceive", "perception.py")),
        ("EU routes and TTC bargaining (mechanisms 3, 4)", cum("negotiate", "agents.py")),
        ("channel choice (mechanism 5)", cum("choose_channel", "agents.py")),
        (
            "supplier assurance (mechanism 6)",
            cum("press_key_suppliers", "agents.py") + cum("weigh_national_measures", "agents.py"),
        ),
        ("ratchet (mechanism 7)", cum("update_rule", "agents.py") + cum("extend_measures", "agents.py")),
        ("adoptions and countermeasures (mechanism 8)", cum("come_into_force", "state.py")),
        ("agenda and closing the month (mechanism 9)", cum("close_month") - recording),
        ("regime cascade (mechanism 10)", cum("_regime_cascade")),
    ]

    # the months: each step, and in a month with adoptions due the event after it that
    # brings them into force and closes the month
    steps = cum("step") + cum("come_into_force")
    inner = sum(v for _, v in mechanisms) + recording
    parts = [
        ("model construction (sampling, agents, streams)", construct),
        *mechanisms,
        ("step bookkeeping (shocks, the month's order)", steps - inner),
        ("recording (DataCollector, 1 run in 10)", recording),
        ("outcome row", cum("outcome_row", "outcomes.py")),
    ]
    run_total = total + construct + parts[-1][1]
    parts.append(("Mesa scheduling (event list, step wrapper)", run_total - sum(v for _, v in parts)))
    return [(name, v / run_total) for name, v in parts]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes (for a smoke test)")
    ap.add_argument("--baseline", type=Path, help="only measure the model; write this JSON")
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "benchmark.md")
    args = ap.parse_args()
    q = args.quick
    if args.baseline:
        data = {"commit": git_commit(), "model": model_speed(500 if q else 2000)}
        args.baseline.write_text(json.dumps(data, indent=2))
        print(json.dumps(data, indent=2))
        return 0

    import pandas  # noqa: F401 - imported before timing

    import sim

    lines = [
        "# Benchmark: model and batch runner",
        "",
        f"Generated by `experiments/benchmark.py` on {time.strftime('%Y-%m-%d')}, commit {git_commit()}, "
        f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"numpy {np.__version__}, ttcsim {sim.__version__}.",
        "",
    ]
    speed = model_speed(300 if q else 2000)
    base = json.loads(BASELINE.read_text()) if BASELINE.exists() else None
    before = json.loads(BEFORE.read_text()) if BEFORE.exists() else None
    lines += ["## 1. The model, one process (plain loop over `sim.run`, best of 3)", ""]
    lines += [
        "| scenario | version 1 runs/s | before optimisation runs/s | now runs/s | now vs version 1 | "
        "now vs before optimisation | outcome hash (before optimisation) | outcome hash (now) | same rows |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, now in speed.items():
        v1 = base["model"].get(name) if base else None
        b = before["model"].get(name) if before else None
        same = (
            "yes"
            if b and b["hash"] == now["hash"] and b["runs"] == now["runs"]
            else ("n/a" if not b else "**no**")
        )
        lines.append(
            f"| {name} | {v1['runs_per_s'] if v1 else 'n/a'} | {b['runs_per_s'] if b else 'n/a'} | "
            f"{now['runs_per_s']} | {f'{now["runs_per_s"] / v1["runs_per_s"]:.2f}x' if v1 else '-'} | "
            f"{f'{now["runs_per_s"] / b["runs_per_s"]:.2f}x' if b else '-'} | {b['hash'] if b else '-'} | "
            f"{now['hash']} | {same} |"
        )
    lines += [
        "",
        f"Baselines, measured by `experiments/benchmark.py --baseline FILE` on the same machine: "
        f"version 1 (`{BASELINE.name}`, commit {base['commit'] if base else '-'}: one track per run, "
        "single-track rows, so its rows differ by design and only its speed is compared), and the "
        f"multi-track engine before optimisation (`{BEFORE.name}`, commit "
        f"{before['commit'] if before else '-'}). The hash covers every field of every outcome row "
        f"for seeds 0..{speed['china_2022']['runs'] - 1}: a hash equal to the one before "
        "optimisation means the optimised model gives the same rows.",
    ]

    n = 1000 if q else 4000
    rs = runners(n)
    single = rs[0]["rate"]
    lines += [
        "",
        f"## 2. Runners on `china_2022`, {n} runs, the same seeds",
        "",
        "| runner | cores | wall s | runs/s | runs/s per core | parallel efficiency | vs mesa.batch_run (same cores) |",
        "|---|---|---|---|---|---|---|",
    ]
    mesa_rate = {r["cores"]: r["rate"] for r in rs if r["runner"].startswith("mesa")}
    ours1 = next(r["rate"] for r in rs if r["runner"] == "ttcsim runner, 1 worker")
    for r in rs:
        eff = (
            r["rate"]
            / r["cores"]
            / (
                ours1
                if r["runner"].startswith("ttcsim")
                else mesa_rate[1]
                if r["runner"].startswith("mesa")
                else single
            )
        )
        vs = f"{r['rate'] / mesa_rate[r['cores']]:.2f}x" if not r["runner"].startswith("mesa") else "-"
        lines.append(
            f"| {r['runner']} | {r['cores']} | {r['wall']:.2f} | {r['rate']:.0f} | {r['rate'] / r['cores']:.0f} | "
            f"{eff:.0%} | {vs} |"
        )
    ours2 = next(r["rate"] for r in rs if r["runner"] == "ttcsim runner, 2 workers")
    eff2 = ours2 / 2 / ours1
    lines += [
        "",
        "Parallel efficiency: runs/s per core at 2 workers over runs/s at 1 worker of the same runner. "
        '`mesa.batch_run` runs the same `TTCModel` with `record="final"` (it reads the final state from '
        "the model's DataCollector), its most favourable setting.",
    ]

    total10 = 2000 if q else 10000
    wall_joint, rss_joint = timed_batch(total10, 2, [MODEL_SCEN["ttc_2021_2025"]])
    wall10, _ = timed_batch(total10 // 2, 2, list(SCEN.values()))
    total100 = 10000 if q else 100000
    wall100, rss100 = timed_batch(total100 // 2, 2, list(SCEN.values()))
    lines += [
        "",
        "## 3-4. Whole batches (`ttcsim batch`, 2 workers, to Parquet)",
        "",
        "| batch | wall s (incl. start-up) | runs/s | peak RSS of the process tree |",
        "|---|---|---|---|",
        f"| {total10:,} runs of `ttc_2021_2025` | {wall_joint:.1f} | {total10 / wall_joint:.0f} | "
        f"{rss_joint / 2**20:.0f} MiB |",
        f"| {total10:,} runs, both one-track scenarios | {wall10:.1f} | {total10 / wall10:.0f} | - |",
        f"| {total100:,} runs, both one-track scenarios | {wall100:.1f} | {total100 / wall100:.0f} | "
        f"{rss100 / 2**20:.0f} MiB |",
    ]

    prof = profile(200 if q else 1000)
    lines += [
        "",
        "## 5. Where a run's time goes (cProfile, `ttc_2021_2025`; one run in ten records its trajectory)",
        "",
        "| part | share of time |",
        "|---|---|",
        *[f"| {k} | {v:.0%} |" for k, v in prof],
    ]

    per_core = speed["china_2022"]["runs_per_s"]
    joint_per_core = speed["ttc_2021_2025"]["runs_per_s"]
    targets = [
        (
            ">= 150 runs/s per core (model, the joint `ttc_2021_2025`)",
            joint_per_core >= 150,
            f"{joint_per_core:.0f} runs/s",
        ),
        (
            f"peak RSS of a {total10:,}-run batch of the joint scenario <= 1 GB",
            rss_joint <= 2**30,
            f"{rss_joint / 2**20:.0f} MiB",
        ),
        (
            "our runner never slower than `mesa.batch_run` on the same model",
            all(r["rate"] >= mesa_rate[r["cores"]] for r in rs if r["runner"].startswith("ttcsim")),
            ", ".join(
                f"{r['rate'] / mesa_rate[r['cores']]:.2f}x at {r['cores']} core(s)"
                for r in rs
                if r["runner"].startswith("ttcsim")
            ),
        ),
        ("parallel efficiency >= 85 % at 2 workers", eff2 >= 0.85, f"{eff2:.0%}"),
        (f"a {total10:,}-run batch of both scenarios in <= 20 s", wall10 <= 20, f"{wall10:.1f} s"),
        (">= 500 runs/s per core (model, `china_2022`)", per_core >= 500, f"{per_core:.0f} runs/s"),
        (f"peak RSS of a {total100:,}-run batch <= 1 GB", rss100 <= 2**30, f"{rss100 / 2**20:.0f} MiB"),
    ]
    lines += [
        "",
        "## Targets",
        "",
        "| target | met | measured |",
        "|---|---|---|",
        *[f"| {t} | {'yes' if ok else '**no**'} | {m} |" for t, ok, m in targets],
    ]
    if q:
        lines += ["", "_Quick mode: reduced sizes; not the recorded benchmark._"]
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
