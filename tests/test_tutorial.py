"""The tutorial notebook, ``experiments/tutorial.ipynb``, runs as Jupyter runs it: in a kernel
whose working folder is ``experiments/``, every cell without an error, its figures shown
inline. The suite runs it on a few runs a batch (``TTCSIM_TUTORIAL_RUNS``) in one process; the
committed copy keeps the outputs of a full run, so that a reader sees the figures without
running it.
"""

from __future__ import annotations

import nbformat
import pytest
from conftest import ROOT
from nbclient import NotebookClient

NOTEBOOK = ROOT / "experiments" / "tutorial.ipynb"
FIGURES = 3
"""The figures the notebook draws: outcome classes and channels, alignment, the paired change."""


def images(nb: nbformat.NotebookNode) -> int:
    """The inline PNG figures among the notebook's outputs."""
    return sum(
        "image/png" in out.get("data", {})
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
    )


@pytest.fixture(scope="module")
def executed() -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    with pytest.MonkeyPatch.context() as env:  # the kernel inherits the environment
        env.setenv("TTCSIM_TUTORIAL_RUNS", "8")
        env.setenv("TTCSIM_TUTORIAL_WORKERS", "1")
        # as on a machine without a display: the notebook must still show its figures inline
        env.setenv("MPLBACKEND", "agg")
        client = NotebookClient(
            nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
        )
        client.execute()  # raises CellExecutionError, naming the cell, on the first error
    return nb


def test_every_cell_runs_from_the_experiments_folder(executed):
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    errors = [out for cell in code for out in cell.outputs if out.output_type == "error"]
    assert not errors


def test_the_figures_render_inline(executed):
    assert images(executed) == FIGURES


def test_the_committed_notebook_shows_a_full_run_and_stays_small():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1)), "run it top to bottom"
    assert images(nb) == FIGURES
    assert NOTEBOOK.stat().st_size < 1_000_000


def test_the_readme_points_to_the_tutorial():
    assert "](experiments/tutorial.ipynb)" in (ROOT / "README.md").read_text(encoding="utf-8")
