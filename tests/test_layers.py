"""The package's layers import one way, and only the command line knows about flags.

scenario < model < runner < analysis < viz < dashboard, cli: a layer imports only itself and
the layers below it (``sim.messages`` is below them all; ``sim/__init__.py``, the public API,
sits with the model; ``sim/app.py``, the dashboard's entry point, with the dashboard). Library
code names what was wrong by its argument (``ScenarioError("runs", ...)``); ``sim/cli`` turns
that into the flag a user typed (``--runs``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from conftest import ROOT

from sim.cli import main
from sim.scenario import ScenarioError

SIM = ROOT / "sim"
RANK = {
    "messages": 0,
    "scenario": 1,
    "model": 2,
    "runner": 3,
    "analysis": 4,
    "viz": 5,
    "dashboard": 6,
    "cli": 6,
}
"""Each layer's height: a module may import a layer of its own height or lower."""
TOP = {"dashboard", "cli"}  # the two front ends: neither imports the other


def layer(module: str) -> str:
    """The layer of a dotted ``sim`` module name."""
    parts = module.split(".")
    if len(parts) == 1:
        return "model"  # the package itself: the public API over model and scenario
    name = parts[1].removesuffix(".py")
    return {"app": "dashboard", "__init__": "model", "__main__": "cli"}.get(name, name)


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def sim_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import of a ``sim`` module in ``path``, relative ones resolved."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "sim"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
                names = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
            else:
                names = [node.module or ""]
            out += [(node.lineno, n) for n in names if n.split(".")[0] == "sim"]
    return out


SOURCES = sorted(SIM.rglob("*.py"))


def test_every_module_is_in_a_layer():
    unknown = {str(p.relative_to(ROOT)) for p in SOURCES if layer(module_name(p)) not in RANK}
    assert not unknown


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(SIM)))
def test_no_layer_imports_a_layer_above_it(path):
    own = layer(module_name(path))
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {name} ({layer(name)} is above {own})"
        for line, name in sim_imports(path)
        if RANK[layer(name)] > RANK[own] or (own in TOP and layer(name) in TOP - {own})
    ]
    assert not wrong, wrong


def test_only_the_command_line_imports_argparse():
    users = [
        str(p.relative_to(ROOT))
        for p in SOURCES
        if layer(module_name(p)) != "cli"
        for node in ast.walk(ast.parse(p.read_text()))
        if isinstance(node, (ast.Import, ast.ImportFrom))
        and "argparse" in ([a.name for a in node.names] if isinstance(node, ast.Import) else [node.module])
    ]
    assert not users, users


FLAG_FREE = sorted(p for p in SOURCES if layer(module_name(p)) != "cli")
"""The library layers, whose errors name arguments, not flags."""


FLAG = re.compile(r"(?<![\w-])--[a-z]")
"""A command-line flag inside a text (``--force``), not a dash in prose."""


@pytest.mark.parametrize("path", FLAG_FREE, ids=lambda p: str(p.relative_to(SIM)))
def test_library_errors_name_arguments_not_flags(path):
    """Neither the source nor the advice of a library error names a flag: the library speaks
    of its arguments (``runs``, ``pass force=True``), the command line of its flags."""
    flags = [
        f"{path.relative_to(ROOT)}:{node.lineno}: {text.value!r}"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", "")) == "ScenarioError"
        for arg in [*node.args, *(k.value for k in node.keywords)]
        for text in ast.walk(arg)
        if isinstance(text, ast.Constant) and isinstance(text.value, str) and FLAG.search(text.value)
    ]
    assert not flags, flags


def test_the_command_line_gives_library_advice_as_flags(capsys, monkeypatch):
    """Advice in the API's words (``pass force=True``) reaches a command-line user as the
    flag (``pass --force``)."""
    import sim.cli.batch as batch_command

    def refuse(args):
        raise ScenarioError("o.parquet", "", "already exists; pass force=True to replace it")

    monkeypatch.setattr(batch_command, "cmd_batch", refuse)
    assert main(["batch", "x.toml", "--runs", "7", "--out", "o.parquet"]) == 2
    assert capsys.readouterr().err == "ttcsim: error: o.parquet: already exists; pass --force to replace it\n"


def test_the_command_line_names_the_flag_of_a_library_argument(capsys, monkeypatch):
    """A library error naming an argument reaches the user as the command's flag; a source
    that is not one of the command's flags (a file, another command's option) is kept."""
    import sim.cli.batch as batch_command

    def refuse(source: str):
        def cmd(args):
            raise ScenarioError(source, "7", "must be at least 1")

        return cmd

    monkeypatch.setattr(batch_command, "cmd_batch", refuse("runs"))
    argv = ["batch", "x.toml", "--runs", "7", "--out", "o.parquet"]
    assert main(argv) == 2
    assert capsys.readouterr().err == "ttcsim: error: --runs: 7: must be at least 1\n"
    monkeypatch.setattr(batch_command, "cmd_batch", refuse("seed"))
    assert main(argv) == 2
    assert capsys.readouterr().err == "ttcsim: error: --seed: 7: must be at least 1\n"
    monkeypatch.setattr(batch_command, "cmd_batch", refuse("ranges"))  # a sensitivity flag only
    assert main(argv) == 2
    assert capsys.readouterr().err == "ttcsim: error: ranges: 7: must be at least 1\n"
