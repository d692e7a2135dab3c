"""The files a researcher looks for at the root: the licence pyproject declares, and how to
cite the software (CITATION.cff, read by GitHub and Zenodo)."""

from __future__ import annotations

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
