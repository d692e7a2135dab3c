"""The files a researcher looks for at the root: the licence pyproject declares, and how to
cite the software (CITATION.cff, read by GitHub and Zenodo)."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_license_and_citation_agree_with_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0"
    assert citation["license"] == project["license"]
    assert citation["version"] == project["version"]
    assert citation["title"].startswith("ttcsim") and citation["authors"]


def test_the_readme_layout_names_every_module_of_the_package():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout", 1)[1].split("```")[1]
    package = layout.split("sim/", 1)[1].split("scenarios/", 1)[0]
    listed = set(re.findall(r"\b\w+\b", package))
    modules = {p.stem for p in (ROOT / "sim").rglob("*.py") if p.stem not in ("__init__", "__main__")}
    modules |= {p.parent.name for p in (ROOT / "sim").glob("*/__init__.py")}
    assert modules <= listed, f"not in the README's Layout: {sorted(modules - listed)}"


def test_only_the_command_line_knows_about_flags():
    """argparse lives in sim/cli/ alone: the library takes arguments, the CLI parses them."""
    users = sorted(
        str(p.relative_to(ROOT))
        for p in (ROOT / "sim").rglob("*.py")
        if "argparse" in p.read_text(encoding="utf-8") and "cli" not in p.relative_to(ROOT / "sim").parts
    )
    assert users == []


LOWER_LAYERS = ("model", "scenario")
UPPER_LAYERS = ("sim.runner", "sim.analysis", "sim.viz", "sim.dashboard", "sim.cli")


def upward_imports(path: Path) -> list[str]:
    """The modules of the upper layers (runner, analysis, viz, dashboard, CLI) that the Python
    file at ``path`` imports, at top level or inside a function."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        found += [n for n in names if n in UPPER_LAYERS or n.startswith(tuple(f"{u}." for u in UPPER_LAYERS))]
    return found


def test_the_model_and_scenario_import_nothing_from_the_layers_above():
    """sim/model/ and sim/scenario/ stand alone: a later engine or a notebook can use the model
    without the runner, the analyses, the figures, the dashboard or the command line."""
    leaks = {
        str(p.relative_to(ROOT)): upward_imports(p)
        for layer in LOWER_LAYERS
        for p in (ROOT / "sim" / layer).rglob("*.py")
        if upward_imports(p)
    }
    assert leaks == {}


def test_an_upward_import_is_noticed(tmp_path):
    module = tmp_path / "leak.py"
    module.write_text("import numpy\nfrom sim import scenario\ndef f():\n    from sim.analysis.history import validate\n")
    assert upward_imports(module) == ["sim.analysis.history", "sim.analysis.history.validate"]
    module.write_text("import sim.cli\nfrom sim.runner import batch\n")
    assert upward_imports(module) == ["sim.cli", "sim.runner", "sim.runner.batch"]
