"""Results on disk: Parquet or CSV, written in parts so that an interrupted run resumes.

Finished chunks are written as parts in ``FILE.partial/`` while a design runs, so memory
stays flat and a killed run resumes (``resume=True``). One run at a time writes an output: it
holds ``FILE.lock`` (its pid, host and command), which the kernel releases when the process
ends, however it ends. The final assembly is one resumable unit: the results, trajectories
and manifest are first written inside ``FILE.partial/``, then moved into place (the manifest
last), and only then are the parts removed. A kill at any point leaves the parts, which a
resume assembles again, or the complete set. The manifest and the trajectories carry the run
hash of the results (a SHA-256 over the table), so a trajectories file is never taken for
another run's.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import json
import os
import shlex
import shutil
import socket
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from sim.scenario import ScenarioError

from .designs import Design, arrow_type, is_outcome_column
from .manifest import manifest_path, read_manifest

RESULT_FORMATS = (".parquet", ".csv")
RUN_HASH_KEY = b"ttcsim.run_hash"


def trajectories_path(out: Path) -> Path:
    """The monthly trajectories beside a results file (Parquet for CSV results too: they
    hold one row per run and month)."""
    return out.with_name(out.stem + ".trajectories.parquet")


def lock_path(out: Path) -> Path:
    """The lock beside an output: ``x.lock`` for ``x.parquet``, ``sens.lock`` for ``sens/``
    (``.`` is the current folder by its name)."""
    resolved = out.resolve()
    if not resolved.name:
        raise ScenarioError("out", str(out), "cannot be the root folder")
    return resolved.with_suffix(".lock")


@contextmanager
def output_lock(out: Path, command: Sequence[str] | None = None) -> Iterator[None]:
    """Hold the exclusive lock of an output while writing it. The lock is ``flock`` on
    :func:`lock_path`, which holds the writer's pid, host and command for the message a
    second writer gets; the kernel releases it when the process ends, however it ends, so a
    lock file left by a killed process never blocks."""
    lock = lock_path(out)
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise ScenarioError(
                "out", str(out), f"cannot write its lock file {lock.name} ({e.strerror})"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 4096, 0).decode(errors="replace").strip() or "a process"
            os.close(fd)
            raise ScenarioError(
                str(out), "", f"another run is writing it ({holder}); wait for it to end or stop it"
            ) from None
        try:
            current = os.path.samestat(os.fstat(fd), os.stat(lock))
        except FileNotFoundError:
            current = False
        if current:
            break
        os.close(fd)  # its holder removed it as we opened it: take the new one
    try:
        since = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        # file arguments by name only, so that the message stays one short line
        words = [Path(w).name if os.sep in w and "=" not in w else w for w in (command or sys.argv)]
        who = f"pid {os.getpid()} on {socket.gethostname()} since {since}: {shlex.join(words)}"
        os.ftruncate(fd, 0)
        os.pwrite(fd, (who + "\n").encode(), 0)
        yield
    finally:
        with suppress(FileNotFoundError):
            lock.unlink()
        os.close(fd)


def refuse_existing(paths: Iterable[Path], force: bool) -> None:
    """Stop before any work when an output would be overwritten without ``--force``."""
    existing = [p for p in paths if p.exists()]
    if existing and not force:
        raise ScenarioError(
            str(existing[0]),
            "",
            "already exists; pass force=True to replace it (nothing was run or overwritten)",
        )


class Store:
    """Parts of an unfinished batch in ``FILE.partial/``, assembled at the end as one
    resumable unit (see the module docstring)."""

    def __init__(self, out: Path, design: Design, size: int, resume: bool, force: bool):
        self.out = out
        self.partial = out.with_name(out.name + ".partial")
        self.plan_file = self.partial / "plan.json"
        self.discarded = out.with_name(out.name + ".partial.discarded")
        fp = {"fingerprint": design.fingerprint(out.parent), "chunk_size": size}
        for sibling in (out.with_suffix(f) for f in RESULT_FORMATS if f != out.suffix):
            if sibling.exists():  # --force would replace the sibling's manifest and trajectories
                raise ScenarioError(
                    str(out),
                    "",
                    f"{sibling.name} beside it shares {manifest_path(out).name} and "
                    f"{trajectories_path(out).name} with it; move {sibling.name} away or choose another name",
                )
        _remove_tree(self.discarded)  # parts of a finished batch killed while removing them
        if self.partial.exists():
            if resume:
                saved = json.loads(self.plan_file.read_text()) if self.plan_file.exists() else {}
                if saved.get("fingerprint") != fp["fingerprint"]:
                    raise ScenarioError(
                        str(self.partial),
                        "",
                        "cannot resume: the interrupted run used other scenarios, overrides, sweeps, "
                        "points, runs or seed",
                    )
                self.size = int(saved["chunk_size"])
                return
            if not force:
                raise ScenarioError(
                    str(out),
                    "",
                    f"an interrupted batch exists beside it ({self.partial.name}); "
                    "pass resume=True to finish it or force=True to start over",
                )
            shutil.rmtree(self.partial)
        elif not force:
            existing = [p for p in (out, manifest_path(out), trajectories_path(out)) if p.exists()]
            if not resume:
                refuse_existing(existing, force)
            if existing and out.exists() and read_manifest(out) is not None:
                raise ScenarioError(
                    str(out), "", "is complete (its manifest is beside it): nothing to resume"
                )
            if existing:
                raise ScenarioError(
                    str(existing[0]),
                    "",
                    f"exists without its complete set and there is no interrupted batch "
                    f"({self.partial.name}) to finish it from; pass force=True to run it again",
                )
        # a fresh start: the parts folder appears with its plan, or not at all
        staging = out.with_name(out.name + ".partial.new")
        _remove_tree(staging)
        staging.mkdir()
        try:
            _atomic_write(staging / "plan.json", json.dumps(fp, default=str))
            os.replace(staging, self.partial)
        except BaseException:
            _remove_tree(staging)
            raise
        self.size = size

    def done(self) -> set[int]:
        return {int(p.stem.split("-")[1]) for p in self.partial.glob("part-*.parquet")}

    def done_runs(self) -> int:
        return sum(pq.ParquetFile(p).metadata.num_rows for p in self.partial.glob("part-*.parquet"))

    def write(self, index: int, table: pa.Table, traj: pa.Table | None) -> None:
        if traj is not None:
            _atomic_parquet(self.partial / f"traj-{index:06d}.parquet", traj)
        _atomic_parquet(self.partial / f"part-{index:06d}.parquet", table)

    def finish(self, manifest: dict[str, Any]) -> None:
        """Write the results, trajectories and manifest inside the parts folder, move them
        into place (the manifest, which marks the set complete, last), then remove the parts.
        Until the parts are gone, running this again rebuilds the same set from them.
        Records the run hash in ``manifest``."""
        results = self.partial / f"results{self.out.suffix}"
        manifest["run_hash"] = run_hash = _assemble(sorted(self.partial.glob("part-*.parquet")), results)
        trajs = sorted(self.partial.glob("traj-*.parquet"))
        staged_trajs = self.partial / "trajectories.parquet"
        if trajs:
            _assemble(trajs, staged_trajs, {RUN_HASH_KEY: run_hash.encode()})
        staged_manifest = self.partial / "manifest.json"
        _atomic_write(staged_manifest, json.dumps(manifest, indent=2, default=str))
        if trajs:
            os.replace(staged_trajs, trajectories_path(self.out))
        else:
            trajectories_path(self.out).unlink(missing_ok=True)  # an earlier batch's
        os.replace(results, self.out)
        os.replace(staged_manifest, manifest_path(self.out))
        os.replace(self.partial, self.discarded)
        _remove_tree(self.discarded)


def _remove_tree(path: Path) -> None:
    if path.exists():
        shutil.rmtree(path, ignore_errors=True)


def _atomic_parquet(path: Path, table: pa.Table) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _assemble(parts: list[Path], dest: Path, metadata: dict[bytes, bytes] | None = None) -> str:
    """Stream parts into ``dest`` (CSV for ``.csv``, else Parquet) in order, one part in
    memory at a time, through a temporary file; return the run hash of the rows (only when
    no ``metadata`` is given: trajectories carry the hash of their results instead)."""
    tmp = dest.with_name(dest.name + ".tmp")
    # results parts share the design's schema; trajectories of scenarios with different
    # tracks have different columns: the file has their union, null where a run has none
    schema = pa.unify_schemas([pq.read_schema(p) for p in parts], promote_options="permissive")
    if metadata:
        schema = schema.with_metadata({**(schema.metadata or {}), **metadata})
    digest = hashlib.sha256()
    writer: pq.ParquetWriter | pacsv.CSVWriter = (
        pacsv.CSVWriter(tmp, schema) if dest.suffix == ".csv" else pq.ParquetWriter(tmp, schema)
    )
    try:
        with writer:
            for k, p in enumerate(parts):
                table = _conformed(pq.read_table(p), schema)
                writer.write_table(table)
                if not metadata:
                    digest.update(_as_csv(table, header=k == 0))
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return digest.hexdigest()


def _conformed(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with the columns of ``schema`` in its order and types, null where it has none."""
    columns = [
        table.column(f.name) if f.name in table.column_names else pa.nulls(len(table), f.type) for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema.remove_metadata()).cast(schema)


def _as_csv(table: pa.Table, header: bool = True) -> pa.Buffer:
    buf = pa.BufferOutputStream()
    pacsv.write_csv(table, buf, pacsv.WriteOptions(include_header=header))
    return buf.getvalue()


def results_hash(path: str | Path) -> str:
    """The run hash of a results file: SHA-256 over its table written as CSV, so the same
    rows give the same hash in Parquet and in CSV. Parquet is read in slices of rows, so a
    large batch is never held in memory as text at once."""
    path = Path(path)
    if path.suffix == ".csv":
        slices: Iterable[pa.RecordBatch] = read_table(path).to_batches(max_chunksize=HASH_SLICE)
    else:
        slices = pq.ParquetFile(path).iter_batches(batch_size=HASH_SLICE)
    digest = hashlib.sha256()
    for k, rows in enumerate(slices):
        digest.update(_as_csv(pa.Table.from_batches([rows]), header=k == 0))
    return digest.hexdigest()


HASH_SLICE = 65_536
"""Rows per slice when hashing a results file."""


def verify_trajectories(results: str | Path) -> None:
    """Refuse the trajectories beside ``results`` when they belong to another batch (their
    recorded run hash is not the results' own); no trajectories file is fine."""
    results = Path(results)
    traj = trajectories_path(results)
    if not traj.exists():
        return
    recorded = (pq.read_schema(traj).metadata or {}).get(RUN_HASH_KEY, b"").decode()
    if recorded != results_hash(results):
        raise ScenarioError(
            str(traj),
            "",
            f"not the trajectories of {results.name} (its run hash "
            f"{'differs' if recorded else 'is missing'}); rerun the batch with trajectories=True",
        )


def kept(error: OSError, store: Store) -> ScenarioError:
    """The message for an I/O error during a run: the finished runs stay for --resume."""
    return ScenarioError(
        str(error.filename or store.out),
        "",
        f"{error.strerror or error}; the finished runs are kept in {store.partial.name}: "
        "fix this and run the same command with resume=True",
    )


def read_table(path: str | Path) -> pa.Table:
    """A results file as an Arrow table: Parquet, or CSV as ``ttcsim batch`` writes it (the
    outcome columns in their types; other columns as true/false, numbers or strings,
    whichever all their values are)."""
    path = Path(path)
    if path.suffix != ".csv":
        return pq.read_table(path)
    with path.open(newline="", encoding="utf-8") as f:
        names = next(csv.reader(f), [])
    types = {c: arrow_type(c) if is_outcome_column(c) else pa.string() for c in names}
    table = pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            column_types=types, strings_can_be_null=True, quoted_strings_can_be_null=False
        ),
    )
    for k, name in enumerate(table.column_names):
        if not is_outcome_column(name):
            table = table.set_column(k, name, _narrowed(table.column(k)))
    return table


def _narrowed(column: pa.ChunkedArray) -> pa.ChunkedArray:
    values = set(column.unique().drop_null().to_pylist())
    if values and values <= {"true", "false"}:
        return column.cast(pa.bool_())
    try:
        return column.cast(pa.float64())
    except pa.ArrowInvalid:
        return column


def read_results(paths: Sequence[str | Path]) -> pd.DataFrame:
    """Read one or more batch result files (Parquet or CSV) into one table."""
    frames = []
    for p in paths:
        if Path(p).is_dir():
            raise ScenarioError(str(p), "", "is a folder, not a results file")
        try:
            frames.append(read_table(p).to_pandas())
        except FileNotFoundError:
            raise ScenarioError(str(p), "", "file not found") from None
        except (pa.ArrowInvalid, OSError, UnicodeDecodeError, csv.Error) as e:
            raise ScenarioError(str(p), "", f"not a results file of ttcsim batch ({e})") from None
    return pd.concat(frames, ignore_index=True)
