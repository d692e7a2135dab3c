"""Every numbered source the project cites is listed in its bibliography, ``sim/data/sources.md``,
and nothing points to a document outside the repository.

A citation is a bracketed number, ``[16]``, or a run of them, ``[24][25]``, not glued to a name
(``x[0]`` is indexing) and, in Python files, only inside comments and strings (``done = [0]``
is code). The data CSVs' ``source`` columns are text and are scanned like the rest.
"""

from __future__ import annotations

import fnmatch
import io
import re
import tokenize
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIBLIOGRAPHY = ROOT / "sim" / "data" / "sources.md"
SCANNED = ("sim", "scenarios", "experiments", "results", "docs", "README.md")
"""What a reader of the repository sees: the package, scenarios, experiments, results, the model
description, README."""
BINARY_SUFFIXES = {".parquet", ".png", ".pyc"}

CITATION = re.compile(r"(?<![\w\])\"'`])((?:\[\d+\])+)")
ENTRY = re.compile(r"^- \*\*\[(\d+)\]\*\*", re.MULTILINE)
OUTSIDE = re.compile(r"shared/|calibration\.md|\[calibration \d|model spec", re.IGNORECASE)
"""References to documents a user of the repository does not have."""


def text_files() -> list[Path]:
    """The scanned text files (binary results such as Parquet and PNG are skipped)."""
    files: list[Path] = []
    for name in SCANNED:
        top = ROOT / name
        candidates = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        for path in candidates:
            if path.suffix in BINARY_SUFFIXES or "__pycache__" in path.parts:
                continue
            try:
                path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
            files.append(path)
    return files


def python_prose(code: str) -> str:
    """The comments and strings of Python code: the only places it can cite a source."""
    kinds = {tokenize.COMMENT, tokenize.STRING, tokenize.FSTRING_MIDDLE}
    tokens = tokenize.generate_tokens(io.StringIO(code).readline)
    return "\n".join(t.string for t in tokens if t.type in kinds)


def prose(path: Path) -> str:
    """The part of a file that can cite a source."""
    text = path.read_text(encoding="utf-8")
    return python_prose(text) if path.suffix == ".py" else text


def citations(text: str) -> set[int]:
    """The source numbers cited in ``text``."""
    return {int(n) for run in CITATION.findall(text) for n in re.findall(r"\d+", run)}


def cited_where() -> dict[int, list[str]]:
    """Each cited source number with the files that cite it."""
    where: dict[int, list[str]] = {}
    for path in text_files():
        for n in citations(prose(path)):
            where.setdefault(n, []).append(str(path.relative_to(ROOT)))
    return where


def bibliography() -> list[int]:
    """Entry numbers of ``sources.md``, in file order."""
    return [int(n) for n in ENTRY.findall(BIBLIOGRAPHY.read_text(encoding="utf-8"))]


def test_the_citation_pattern_finds_citations_and_ignores_code() -> None:
    assert citations("as in the Feb 2022 Russia rule [7]; country-neutral [22][31]") == {7, 22, 31}
    assert citations('source,"exposure: ASML [67][68]"') == {67, 68}
    assert citations("row[0] + rows[1][2]; range = [0, 1]; (x)[3]") == set()
    code = 'done = [0]\nx = a[1]  # the Dutch rule [31]\n"""Sullivan-led talks [20]."""\n'
    assert citations(python_prose(code)) == {20, 31}


def test_every_cited_source_is_in_the_bibliography() -> None:
    where = cited_where()
    assert {7, 16, 31, 59, 67} <= where.keys()  # the scan does find the scenarios' citations
    listed = set(bibliography())
    missing = {n: files for n, files in sorted(where.items()) if n not in listed}
    assert not missing, f"cited but not in sim/data/sources.md: {missing}"


def test_the_bibliography_lists_each_source_once_in_order() -> None:
    numbers = bibliography()
    assert numbers and numbers == sorted(set(numbers))


def test_nothing_refers_to_documents_outside_the_repository() -> None:
    hits = [
        f"{path.relative_to(ROOT)}:{i}: {line.strip()}"
        for path in text_files()
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert not hits, "\n".join(hits)


def test_the_bibliography_ships_with_the_package() -> None:
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    patterns = setup["package-data"]["sim.data"]
    assert any(fnmatch.fnmatch(BIBLIOGRAPHY.name, p) for p in patterns)
