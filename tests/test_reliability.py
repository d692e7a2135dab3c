"""Results that are never mixed or stranded, and a clear message for every bad runner input.

Faults are injected (a monkeypatched ``os.replace``, write or ``open`` that raises the
``OSError`` a full disk or a read-only folder raises), never raced against the clock; the two
tests that need a second process (a batch holding its output, a pool whose parent is killed)
poll for a state with a deadline and never sleep for a fixed time.
"""

from __future__ import annotations

import builtins
import csv
import errno
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import CHINA, CLI, ROOT, RUSSIA, cli

from sim import load_scenario, run
from sim.analysis.discovery import discover
from sim.analysis.sensitivity import run_sensitivity
from sim.cli import main
from sim.runner import executors, store
from sim.runner.designs import Design, is_outcome_column
from sim.runner.manifest import manifest_path
from sim.runner.run import run_batch
from sim.runner.store import read_results, trajectories_path
from sim.scenario import ScenarioError

SMALL = {"runs": 6, "seed": 3, "workers": 1, "chunk_size": 4, "trajectories": True}


def table(path: Path) -> pd.DataFrame:
    return pq.read_table(path).to_pandas()


def one_error_line(stderr: str) -> str:
    """The stderr of a refused command: exactly one ``ttcsim: error:`` line, no traceback."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ttcsim: error: "), stderr
    return lines[0]


@pytest.fixture
def ttcsim(capsys: pytest.CaptureFixture[str]) -> Callable[..., subprocess.CompletedProcess]:
    """``ttcsim ARGV`` in this process (fast, and monkeypatched faults apply)."""

    def call(*argv: str) -> subprocess.CompletedProcess:
        code = main(list(argv))
        captured = capsys.readouterr()
        return subprocess.CompletedProcess(list(argv), code, captured.out, captured.err)

    return call


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame]:
    """An uninterrupted small batch: (results, trajectories)."""
    out = tmp_path_factory.mktemp("reference") / "ref.parquet"
    run_batch([RUSSIA, CHINA], out=out, **SMALL)  # type: ignore[arg-type]
    return table(out), table(trajectories_path(out))


# ----------------------------------------------------------------------------- one writer per output


def test_a_second_batch_on_a_running_output_is_refused_even_with_force(tmp_path):
    out = tmp_path / "x.parquet"
    common = ["--workers", "1", "--quiet", "--out", str(out)]
    first = subprocess.Popen(
        [*CLI, "batch", str(CHINA), "--runs", "500000", "--chunk-size", "50", *common],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not list(out.parent.glob("x.parquet.partial/part-*.parquet")):
            assert first.poll() is None and time.monotonic() < deadline, "the first batch never wrote a part"
            time.sleep(0.05)
        second = cli("batch", str(CHINA), "--runs", "2", "--force", *common)
        line = one_error_line(second.stderr)
        assert second.returncode == 2
        assert f"pid {first.pid}" in line and "ttcsim batch" in line and "--runs 500000" in line
        assert first.poll() is None  # the running batch was left alone
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    # the killed batch's lock is stale: the corrected rerun is not blocked
    third = cli("batch", str(CHINA), "--runs", "2", "--force", *common)
    assert third.returncode == 0, third.stderr
    assert len(table(out)) == 2


def test_a_stale_lock_file_does_not_block(tmp_path, ttcsim):
    out = tmp_path / "x.parquet"
    out.with_suffix(".lock").write_text("pid 999999 on elsewhere: ttcsim batch ...\n")
    r = ttcsim("batch", str(CHINA), "--runs", "2", "--workers", "1", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert not out.with_suffix(".lock").exists()  # released on exit


# ----------------------------------------------------------------------------- the final write


FINISH_STEPS = 7  # staged results, trajectories, manifest; three moves into place; the parts


@pytest.mark.parametrize("step", range(FINISH_STEPS))
def test_a_fault_at_any_step_of_the_final_write_is_finished_by_resume(tmp_path, monkeypatch, reference, step):
    out = tmp_path / "f.parquet"
    real_replace, real_finish = os.replace, store.Store.finish
    state = {"armed": False, "calls": 0, "fired": False}

    def replace(src, dst):
        if state["armed"]:
            if state["calls"] == step:
                state["fired"] = True
                raise OSError(errno.ENOSPC, "No space left on device", str(dst))
            state["calls"] += 1
        return real_replace(src, dst)

    def finish(self, manifest):
        state["armed"] = True
        try:
            return real_finish(self, manifest)
        finally:
            state["armed"] = False

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(store.Store, "finish", finish)
    with pytest.raises((OSError, ScenarioError)) as fault:
        run_batch([RUSSIA, CHINA], out=out, **SMALL)  # type: ignore[arg-type]
    assert state["fired"]
    monkeypatch.undo()

    again = run_batch([RUSSIA, CHINA], out=out, resume=True, **SMALL)  # type: ignore[arg-type]
    results, traj = reference
    pd.testing.assert_frame_equal(table(out), results)
    pd.testing.assert_frame_equal(table(trajectories_path(out)), traj)
    manifest = json.loads(manifest_path(out).read_text())
    assert manifest["run_hash"] == again.manifest["run_hash"] == store.results_hash(out)
    meta = pq.read_schema(trajectories_path(out)).metadata
    assert meta[b"ttcsim.run_hash"].decode() == manifest["run_hash"]
    assert not out.with_name(out.name + ".partial").exists()
    # the fault itself ended in one clear message that says how to finish
    assert isinstance(fault.value, ScenarioError) and "resume=True" in str(fault.value)


def test_a_results_file_without_its_manifest_is_incomplete_and_resume_finishes_it(
    tmp_path, monkeypatch, reference, ttcsim
):
    out = tmp_path / "m.parquet"
    real_replace = os.replace

    def replace(src, dst):
        if Path(dst) == manifest_path(out):
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises((OSError, ScenarioError)):
        run_batch([RUSSIA, CHINA], out=out, **SMALL)  # type: ignore[arg-type]
    monkeypatch.undo()
    assert out.exists() and not manifest_path(out).exists()
    r = ttcsim(
        "batch", str(RUSSIA), str(CHINA), "--runs", "6", "--seed", "3", "--workers", "1",
        "--chunk-size", "4", "--trajectories", "--out", str(out), "--resume",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    pd.testing.assert_frame_equal(table(out), reference[0])
    assert json.loads(manifest_path(out).read_text())["run_hash"] == store.results_hash(out)


def test_an_io_error_in_the_middle_keeps_finished_parts_for_resume(tmp_path, monkeypatch, ttcsim, reference):
    out = tmp_path / "io.parquet"
    real_write, writes = pq.write_table, []

    def write_table(table, where, *args, **kwargs):
        writes.append(where)
        if len(writes) == 5:
            raise OSError(errno.ENOSPC, "No space left on device", str(where))
        return real_write(table, where, *args, **kwargs)

    monkeypatch.setattr(pq, "write_table", write_table)
    argv = [
        "batch", str(RUSSIA), str(CHINA), "--runs", "6", "--seed", "3", "--workers", "1",
        "--chunk-size", "4", "--trajectories", "--out", str(out),
    ]  # fmt: skip
    r = ttcsim(*argv)
    line = one_error_line(r.stderr)
    assert r.returncode == 2 and "No space left on device" in line and "--resume" in line
    kept = list(out.with_name(out.name + ".partial").glob("part-*.parquet"))
    assert kept and not out.exists()
    monkeypatch.undo()
    r = ttcsim(*argv, "--resume")
    assert r.returncode == 0, r.stderr
    pd.testing.assert_frame_equal(table(out), reference[0])


def test_plot_refuses_trajectories_of_another_batch(tmp_path, ttcsim):
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    for out, seed in ((a, "1"), (b, "2")):
        r = ttcsim(
            "batch",
            str(CHINA),
            "--runs",
            "4",
            "--seed",
            seed,
            "--workers",
            "1",
            "--out",
            str(out),
            "--trajectories",
        )
        assert r.returncode == 0, r.stderr
    shutil.copy(trajectories_path(a), trajectories_path(b))
    r = ttcsim("plot", str(b), "--kind", "fan", "--out", str(tmp_path / "fan.png"))
    line = one_error_line(r.stderr)
    assert r.returncode == 2 and "b.trajectories.parquet" in line and "run hash" in line
    assert not (tmp_path / "fan.png").exists()
    r = ttcsim("plot", str(a), "--kind", "fan", "--out", str(tmp_path / "fan.png"))
    assert r.returncode == 0, r.stderr


def test_replacing_results_without_trajectories_removes_the_old_trajectories(tmp_path, ttcsim):
    out = tmp_path / "t.parquet"
    base = ["batch", str(CHINA), "--runs", "3", "--workers", "1", "--out", str(out)]
    assert ttcsim(*base, "--trajectories").returncode == 0
    r = ttcsim(*base, "--seed", "5", "--force")
    assert r.returncode == 0, r.stderr
    assert not trajectories_path(out).exists()


# ----------------------------------------------------------------------------- bad runner input


@pytest.mark.parametrize(
    "code, words",
    [
        (errno.EACCES, "Permission denied"),
        (errno.EROFS, "Read-only file system"),
        (errno.ENOSPC, "No space left on device"),
    ],
)
def test_an_unwritable_output_folder_is_one_line_and_blocks_nothing(
    tmp_path, monkeypatch, ttcsim, code, words
):
    folder = tmp_path / "ro"
    folder.mkdir()
    real = {"open": builtins.open, "os_open": os.open, "mkdir": os.mkdir}

    def refuse(path: object) -> None:
        if str(path).startswith(str(folder)):
            raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr(os, "open", lambda p, *a, **k: refuse(p) or real["os_open"](p, *a, **k))
    monkeypatch.setattr(os, "mkdir", lambda p, *a, **k: refuse(p) or real["mkdir"](p, *a, **k))
    opener = lambda p, *a, **k: refuse(p) or real["open"](p, *a, **k)  # noqa: E731
    monkeypatch.setattr(builtins, "open", opener)
    monkeypatch.setattr(io, "open", opener)
    out = folder / "r.parquet"
    argv = ["batch", str(CHINA), "--runs", "2", "--workers", "1", "--out", str(out)]
    r = ttcsim(*argv)
    line = one_error_line(r.stderr)
    assert r.returncode == 2 and words in line and str(folder) in line
    r = ttcsim("sensitivity", str(CHINA), "--params", "us.reach", "--range", "us.reach=0:1",
                           "--n", "4", "--replications", "1", "--workers", "1", "--out", str(folder / "sens"))  # fmt: skip
    assert r.returncode == 2 and words in one_error_line(r.stderr)
    monkeypatch.undo()
    assert list(folder.iterdir()) == []
    r = ttcsim(*argv)
    assert r.returncode == 0, r.stderr


def test_out_naming_a_folder_is_refused(tmp_path, ttcsim):
    folder = tmp_path / "d.parquet"
    folder.mkdir()
    (folder / "keep").write_text("x")
    r = ttcsim("batch", str(CHINA), "--runs", "2", "--workers", "1", "--out", str(folder), "--force")
    line = one_error_line(r.stderr)
    assert r.returncode == 2 and "is a folder" in line
    assert (folder / "keep").read_text() == "x"


@pytest.mark.parametrize(
    "argv, flag",
    [
        (["run", str(CHINA), "--seed", "-1"], "--seed"),
        (["batch", "--seed", "-1"], "--seed"),
        (["batch", "--chunk-size", "-1"], "--chunk-size"),
        (["batch", "--chunk-size", "0"], "--chunk-size"),
        (["batch", "--scheduler", "garbage"], "--scheduler"),
        (["batch", "--scheduler", "tcp://127.0.0.1:99999"], "--scheduler"),
        (["batch", "--label", "a", "--label", "b"], "--label"),
        (["batch", "--label", "a", "--label", "a", str(CHINA)], "given twice"),
        (["batch", "--sweep", "us.patience=6:30:100000000"], "--sweep"),
        (["batch", "--sweep", "us.patience=1:30:100", "--sweep", "us.reach=0:1:200"], "at most 10,000 variants"),
        (["batch", "--sweep", "us.patience=6,6"], "given twice"),
        (["batch", "--sweep", "us.threat=0.5\nx = 1"], "must be a number"),
        (["batch", "--sweep", "us.threat=" + "[" * 600 + "]" * 600], "nested too deeply"),
    ],
)
def test_bad_runner_flags_exit_2_and_leave_nothing(tmp_path, argv, flag, ttcsim):
    if argv[0] == "batch":
        argv = [*argv, str(CHINA), "--runs", "2", "--out", str(tmp_path / "o.parquet")]
        argv += [] if "--scheduler" in argv else ["--workers", "1"]
    r = ttcsim(*argv)
    line = one_error_line(r.stderr)
    assert r.returncode == 2 and flag in line
    assert list(tmp_path.iterdir()) == []  # no .partial, no lock: the corrected rerun is not blocked


@pytest.mark.parametrize(
    "argv, flag",
    [
        (["--workers", "1000"], "--workers"),
        (["--runs", "1000000000"], "--runs"),
    ],
)
def test_runs_and_workers_have_an_upper_bound(tmp_path, monkeypatch, ttcsim, argv, flag):
    def no_pool(*args, **kwargs):
        raise AssertionError("a process pool was started")

    monkeypatch.setattr(executors.cf, "ProcessPoolExecutor", no_pool)
    base = ["batch", str(CHINA), "--out", str(tmp_path / "o.parquet")]
    r = ttcsim(*base, *(["--runs", "2"] if "--runs" not in argv else []), *argv)
    line = one_error_line(r.stderr)
    assert r.returncode == 2 and flag in line and "at most" in line
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- sensitivity, discovery, workers


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # flat outputs
def test_sensitivity_is_deterministic_with_seed_0(china):
    def once() -> pd.DataFrame:
        return run_sensitivity(
            china, "sobol", ["us.reach", "us.patience"], {"us.reach": (0.0, 1.0), "us.patience": (4.0, 36.0)},
            n=16, replications=1, seed=0, workers=1,
        ).table  # fmt: skip

    pd.testing.assert_frame_equal(once(), once())


def test_discovery_is_deterministic(tmp_path):
    df = run_batch([CHINA], 200, 1, tmp_path / "d.parquet", workers=1).path
    runs = read_results([df])
    a, b = discover(runs, "china_sme.first_us_rule < 14"), discover(runs, "china_sme.first_us_rule < 14")
    assert a.markdown() == b.markdown()


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # flat outputs
def test_sensitivity_and_discover_never_overwrite_without_force(tmp_path, ttcsim):
    sens = tmp_path / "sens"
    sens.mkdir()
    (sens / "runs.parquet").write_bytes(b"precious")
    args = ["sensitivity", str(CHINA), "--params", "us.reach", "--range", "us.reach=0:1", "--n", "4",
            "--replications", "1", "--workers", "1", "--out", str(sens)]  # fmt: skip
    r = ttcsim(*args)
    line = one_error_line(r.stderr)
    assert r.returncode == 2 and "runs.parquet" in line and "--force" in line
    assert (sens / "runs.parquet").read_bytes() == b"precious"
    r = ttcsim(*args, "--force")
    assert r.returncode == 0, r.stderr
    assert len(table(sens / "runs.parquet")) > 0

    disc = tmp_path / "disc"
    disc.mkdir()
    (disc / "discovery.md").write_text("precious")
    args = ["discover", str(sens / "runs.parquet"), "--outcome", "china_sme.channel == 'unilateral'", "--out", str(disc)]
    r = ttcsim(*args)
    assert r.returncode == 2 and "discovery.md" in one_error_line(r.stderr)
    assert (disc / "discovery.md").read_text() == "precious"
    assert ttcsim(*args, "--force").returncode == 0


POOL_OWNER = textwrap.dedent(
    """
    import os, sys, threading
    from sim.runner.executors import executor

    if sys.argv[1] == "forkserver":  # a second thread makes the pool use a fork server
        threading.Thread(target=threading.Event().wait, daemon=True).start()
    with executor(2) as (ex, n, where):
        for f in [ex.submit(os.getpid) for _ in range(4)]:
            f.result()
        print(" ".join(str(p) for p in ex._processes), flush=True)
        sys.stdin.read()
    """
)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("method", ["fork", "forkserver"])
def test_pool_workers_die_with_their_parent(method):
    owner = subprocess.Popen(
        [sys.executable, "-c", POOL_OWNER, method],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        workers = [int(p) for p in owner.stdout.readline().split()]  # type: ignore[union-attr]
        assert workers and all(_alive(p) for p in workers)
    finally:
        owner.kill()
        owner.wait()
    deadline = time.monotonic() + 60
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [p for p in workers if _alive(p)]
    for p in left:
        os.kill(p, signal.SIGKILL)
    assert not left, f"workers {left} outlived their parent"


# ----------------------------------------------------------------------------- batch inputs


def test_two_scenarios_with_one_name_are_refused_unless_relabelled(tmp_path, ttcsim):
    copy = tmp_path / "china_copy.toml"
    copy.write_text(f'[scenario]\nextends = "{CHINA}"\nname = "china_2022"\n')  # as a dashboard export
    out = tmp_path / "dup.parquet"
    r = ttcsim("batch", str(CHINA), str(copy), "--runs", "2", "--workers", "1", "--out", str(out))
    line = one_error_line(r.stderr)
    assert r.returncode == 2 and str(CHINA) in line and str(copy) in line and "--label" in line
    assert list(tmp_path.iterdir()) == [copy]
    r = ttcsim("batch", str(CHINA), str(copy), "--runs", "2", "--workers", "1", "--out", str(out),
            "--label", "china_2022", "--label", "china_copy")  # fmt: skip
    assert r.returncode == 0, r.stderr
    df = table(out)
    assert list(dict.fromkeys(df["scenario"])) == ["china_2022", "china_copy"]
    plan = Design.grid([CHINA, copy], 1, 0, labels=["a", "b"])
    assert [v.name for v in plan.variants] == ["a", "b"]


def test_every_row_records_every_input_it_ran_with(tmp_path, ttcsim):
    out = tmp_path / "p.parquet"
    sets = ["us.reach=0.5", "eu.rule=qmv", "members.*.retaliation_fear=0.3"]
    r = ttcsim("batch", str(CHINA), "--runs", "3", "--workers", "1", "--out", str(out),
            *[a for s in sets for a in ("--set", s)], "--sweep", "us.patience=6,30")  # fmt: skip
    assert r.returncode == 0, r.stderr
    schema = pq.read_schema(out)
    assert str(schema.field("param.eu.rule").type) == "string"
    assert str(schema.field("param.us.reach").type) == "double"
    df = table(out)
    assert (df["param.us.reach"] == 0.5).all() and (df["param.eu.rule"] == "qmv").all()
    assert (df["param.members.NL.retaliation_fear"] == 0.3).all()
    assert list(df["param.us.patience"]) == [6.0] * 3 + [30.0] * 3
    assert (df["param.us.patience"] == df["sweep.us.patience"]).all()
    # the outcome fields are those of the same runs made one by one
    for _, row in df.iterrows():
        sc = load_scenario(CHINA, [*sets, f"us.patience={int(row['sweep.us.patience'])}"])
        alone = run(sc, int(row["seed"]), int(row["run"]))
        for c in [c for c in df if is_outcome_column(c)]:
            if c != "point":
                assert pd.isna(row[c]) and alone[c] is None or row[c] == alone[c], c


def test_the_other_format_beside_an_output_is_never_replaced(tmp_path, ttcsim):
    """x.parquet and x.csv would share x.manifest.json and x.trajectories.parquet: even with
    --force, a batch to one leaves the other's batch whole."""
    base = ["batch", str(CHINA), "--runs", "2", "--workers", "1", "--quiet"]
    assert ttcsim(*base, "--out", str(tmp_path / "x.parquet"), "--trajectories").returncode == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    r = ttcsim(*base, "--seed", "2", "--out", str(tmp_path / "x.csv"), "--force")
    assert r.returncode == 2 and "x.parquet beside it shares x.manifest.json" in one_error_line(r.stderr)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_the_root_folder_and_an_unreachable_lock_are_messages(tmp_path, ttcsim):
    r = ttcsim("discover", str(tmp_path / "r.parquet"), "--outcome", "china_sme.coordinated", "--out", "/")
    assert r.returncode == 2 and "--out: /: cannot be the root folder" in one_error_line(r.stderr)
    r = ttcsim("batch", str(CHINA), "--runs", "2", "--workers", "1", "--out", "/proc/no/x.parquet")
    assert r.returncode == 2 and one_error_line(r.stderr).startswith("ttcsim: error: --out: /proc/no/x.parquet")


def test_csv_output_reads_back_like_parquet(tmp_path, ttcsim):
    base = [
        "batch",
        str(RUSSIA),
        str(CHINA),
        "--runs",
        "5",
        "--workers",
        "1",
        "--sweep",
        "eu.rule=unanimity,qmv",
    ]
    assert ttcsim(*base, "--out", str(tmp_path / "r.parquet")).returncode == 0
    r = ttcsim(*base, "--out", str(tmp_path / "r.csv"), "--trajectories")
    line = one_error_line(r.stderr)  # r.parquet and r.csv would share one manifest
    assert r.returncode == 2 and "r.manifest.json" in line and "share" in line
    (tmp_path / "csv").mkdir()
    tmp_path = tmp_path / "csv"
    r = ttcsim(*base, "--out", str(tmp_path / "r.csv"), "--trajectories")
    assert r.returncode == 0, r.stderr
    with open(tmp_path / "r.csv", newline="") as f:
        assert next(csv.reader(f))[:5] == ["scenario", "point", "run", "seed", "china_sme.coordinated"]
    assert json.loads(manifest_path(tmp_path / "r.csv").read_text())["results"] == "r.csv"
    parquet = tmp_path.parent / "r.parquet"
    pd.testing.assert_frame_equal(read_results([tmp_path / "r.csv"]), read_results([parquet]))
    assert store.results_hash(tmp_path / "r.csv") == store.results_hash(parquet)
    fan = ["plot", str(tmp_path / "r.csv"), "--kind", "fan", "--by", "sweep", "--out", str(tmp_path / "fan.png")]
    r = ttcsim(*fan)
    assert r.returncode == 2 and "--track: the trajectories hold china_sme, russia_dual_use: name one" in r.stderr
    r = ttcsim(*fan, "--track", "china_sme")
    assert r.returncode == 0, r.stderr
    r = ttcsim(*base, "--out", str(tmp_path / "r.txt"))
    assert r.returncode == 2 and ".csv" in one_error_line(r.stderr)


def test_manifest_paths_are_relative_to_its_folder(tmp_path):
    out = tmp_path / "sub" / "rel.parquet"
    out.parent.mkdir()
    run_batch([CHINA], 2, 0, out, workers=1, trajectories=True)
    m = json.loads(manifest_path(out).read_text())
    files = [s["file"] for s in m["scenarios"]] + [m["trajectories"]]
    assert not any(Path(f).is_absolute() for f in files), files
    assert (out.parent / m["scenarios"][0]["file"]).resolve() == CHINA.resolve()
    assert (out.parent / m["trajectories"]).resolve() == trajectories_path(out).resolve()


def test_the_run_hash_does_not_depend_on_how_the_file_is_sliced(tmp_path, monkeypatch):
    out = tmp_path / "r.parquet"
    run_batch([RUSSIA, CHINA], out=out, runs=5, seed=1, workers=1)
    whole = store.results_hash(out)
    monkeypatch.setattr(store, "HASH_SLICE", 3)  # 10 rows in slices of 3
    assert store.results_hash(out) == whole == json.loads(manifest_path(out).read_text())["run_hash"]
