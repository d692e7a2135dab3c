"""The manifest beside every output of the runner: what was run, how, and with which code.

``FILE.manifest.json`` beside ``FILE.parquet`` (or ``.csv``) names the results file, the
scenarios (files relative to the manifest's folder, with SHA-256s), the design (overrides,
sweeps or a hash of the points), the seeds, the executor, the versions and the git commit,
and the run hash of the results (a SHA-256 over the table). It is written last, so it marks
its results complete.
"""

from __future__ import annotations

import json
import platform
import subprocess
from collections.abc import Sequence
from contextlib import suppress
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from .designs import Design

SEED_RULE = "run i uses SeedSequence(batch_seed, spawn_key=(i,)).generate_state(1, uint64) >> 1"


def manifest_path(out: Path) -> Path:
    return out.with_name(out.stem + ".manifest.json")


def read_manifest(out: Path) -> dict[str, Any] | None:
    """The manifest of ``out`` when it exists and names ``out`` (a manifest beside another
    file of the same stem is not its manifest); else None."""
    try:
        manifest = json.loads(manifest_path(out).read_text())
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and manifest.get("results") == out.name else None


def describe(
    design: Design,
    out: Path,
    *,
    command: Sequence[str] | None,
    executor: str,
    chunk_size: int,
    resumed: int,
    wall: float,
    trajectories: str | None,
) -> dict[str, Any]:
    """The manifest of a finished design written to ``out`` (the run hash is added when the
    results are assembled)."""
    fingerprint = design.fingerprint(out.parent)
    manifest: dict[str, Any] = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": list(command) if command is not None else None,
        "results": out.name,
        "paths": "relative to this manifest's folder",
        "scenarios": fingerprint["scenarios"],
        "overrides": list(design.overrides),
        "sweeps": fingerprint["sweeps"],
        "runs_per_point": design.runs,
        "points": len(design.points) // max(1, len(design.bases))
        if not design.values
        else len(design.points),
        "total_runs": design.total,
        "batch_seed": design.seed,
        "seed_rule": SEED_RULE,
        "resumed_runs": resumed,
        "executor": executor,
        "chunk_size": chunk_size,
        "wall_seconds": round(wall, 3),
        "runs_per_second": round((design.total - resumed) / wall, 1) if wall > 0 else None,
        "trajectories": trajectories,
        "versions": _versions(),
        "git_commit": _git_commit(),
    }
    if design.values:
        manifest["points_sha256"] = fingerprint["points_sha256"]
        manifest["evaluator"] = fingerprint["evaluator"]
    return manifest


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("ttcsim", "mesa", "numpy", "pandas", "pyarrow", "matplotlib", "distributed"):
        with suppress(metadata.PackageNotFoundError):
            out[pkg] = metadata.version(pkg)
    return out


def _git_commit() -> str | None:
    here = Path(__file__).resolve().parent
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        )
        dirty = subprocess.run(  # code only: regenerated results do not make a run "dirty"
            ["git", "status", "--porcelain", "--", "sim", "scenarios", "experiments", "pyproject.toml"],
            cwd=here.parent.parent,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if sha.returncode != 0:
        return None
    return sha.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def describes(manifest: dict[str, Any], design: Design, out: Path) -> bool:
    """Whether ``manifest`` (of the finished results ``out``) is the record of ``design``: the
    same scenarios, overrides, sweeps or points, replications and seed."""
    fingerprint = design.fingerprint(out.parent)
    same = {
        "scenarios": fingerprint["scenarios"],
        "overrides": list(design.overrides),
        "sweeps": fingerprint["sweeps"],
        "runs_per_point": design.runs,
        "batch_seed": design.seed,
        "points_sha256": fingerprint.get("points_sha256"),
        "evaluator": fingerprint.get("evaluator"),
    }
    return all(manifest.get(key) == value for key, value in same.items())
