"""Predict, don't fit: no target file reaches past the cut-off.

The cut-off is 30 June 2023. A calibration target or stylized fact may use a measure decided
by then at its month in force up to December 2023 (Japan's order of July 2023, the Dutch rule
of September 2023), and nothing later. This test reads every target file
(``scenarios/targets/*.toml``, ``sim/data/stylized_facts.toml``) as text, comments included,
and finds every date in any format: ISO (``2023-09``, ``2023-09-01``), written (``1 Sep 2023``,
``September 2023``), a bare year, and months counted from the scenario's start (``month 27``,
``by = 30``, the value of a month statistic). It fails on a date after 2023-12, and on a
decision (adopted, announced, decided, agreed, published, signed) dated after 2023-06.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TARGET_FILES = sorted((ROOT / "scenarios" / "targets").glob("*.toml")) + [
    ROOT / "sim" / "data" / "stylized_facts.toml"
]
LAST_MONTH = (2023, 12)
"""The latest month in force a target may name."""
LAST_DECISION = (2023, 6)
"""The cut-off: the latest month a targeted decision may have been taken."""

MONTHS = {m: i + 1 for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
ISO = re.compile(r"\b(20\d\d)-(\d\d)(?:-\d\d)?\b")
WRITTEN = re.compile(
    r"\b(?:\d{1,2} )?(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? (20\d\d)\b", re.I
)
YEAR = re.compile(r"(?<![\w/-])(20\d\d)(?![\w-])")
COUNTED = re.compile(r"\bmonths? (\d+)\b")
DECISION = re.compile(r"\b(adopted|announced|decided|agreed|published|signed)\b[^,;.\]]{0,12}$", re.I)


def shifted(start: tuple[int, int], months: int) -> tuple[int, int]:
    total = start[0] * 12 + start[1] - 1 + months
    return total // 12, total % 12 + 1


def dates(line: str, start: tuple[int, int] | None) -> list[tuple[tuple[int, int], bool]]:
    """Every (year, month) a line names, each with whether a decision word comes right before
    it. A bare year counts as its December; months counted from ``start`` need the start."""
    found: list[tuple[tuple[int, int], bool]] = []
    taken: list[tuple[int, int]] = []

    def add(when: tuple[int, int], span: tuple[int, int]) -> None:
        taken.append(span)
        found.append((when, bool(DECISION.search(line[: span[0]]))))

    for m in ISO.finditer(line):
        add((int(m.group(1)), int(m.group(2))), m.span())
    for m in WRITTEN.finditer(line):
        add((int(m.group(2)), MONTHS[m.group(1).lower()[:3]]), m.span())
    for m in YEAR.finditer(line):
        if not any(a <= m.start() < b for a, b in taken):
            add((int(m.group(1)), 12), m.span())
    if start is not None:
        for m in COUNTED.finditer(line):
            add(shifted(start, int(m.group(1))), m.span())
    return found


def start_of(path: Path) -> tuple[int, int] | None:
    """The month 0 of the scenario a target file is named for (None for the facts file, whose
    rows name their scenarios)."""
    scenario = ROOT / "scenarios" / f"{path.stem}.toml"
    if not scenario.exists():
        return None
    year, month = tomllib.loads(scenario.read_text(encoding="utf-8"))["scenario"]["start"].split("-")
    return int(year), int(month)


def month_values(path: Path, start: tuple[int, int] | None) -> list[tuple[str, tuple[int, int]]]:
    """The months a target names as numbers: its ``by`` and, for a statistic of a month
    field, its value."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out = []
    for row in data.get("target", []) + data.get("fact", []):
        first = start
        if first is None and "scenario" in row:
            first = start_of(ROOT / "scenarios" / "targets" / f"{row['scenario']}.toml")
        if first is None:
            continue
        field = str(row.get("field", ""))
        if "by" in row:
            out.append((f"{row.get('label')}: by", shifted(first, int(row["by"]))))
        monthly = field.endswith(("first_us_rule", "month_coordinated", "month_eu")) or ".national:" in field
        if (
            monthly
            and row.get("statistic") in ("median", "mean")
            and isinstance(row.get("value"), int | float)
        ):
            out.append((f"{row.get('label')}: value", shifted(first, int(row["value"]))))
    return out


def problems(path: Path) -> list[str]:
    start = start_of(path)
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        for when, decided in dates(line, start):
            if when > LAST_MONTH:
                out.append(f"{path.name}:{number}: {when[0]}-{when[1]:02d} is after 2023-12: {line.strip()}")
            elif decided and when > LAST_DECISION:
                out.append(f"{path.name}:{number}: a decision in {when[0]}-{when[1]:02d}: {line.strip()}")
    for label, when in month_values(path, start):
        if when > LAST_MONTH:
            out.append(f"{path.name}: {label} is {when[0]}-{when[1]:02d}, after 2023-12")
    return out


@pytest.mark.parametrize("path", TARGET_FILES, ids=[p.name for p in TARGET_FILES])
def test_no_target_file_reaches_past_the_cut_off(path):
    assert problems(path) == []


@pytest.mark.parametrize(
    "line, bad",
    [
        ("# adopted 23 Jun 2023, in force 1 Sep 2023 = month 27 [31]", False),
        ("# announced 17 Oct 2023 [112]", True),
        ("# the Dutch extension of 2024-09", True),
        ("value = 29            # Nov 2023, in force", False),
        ("# Orden ICT/534/2023 of 26 May 2023 [94]", False),
        ("# decided on 2023-07-03", True),
        ("# France's order of February 2024", True),
        ("# the 2024 rule", True),
        ("by = 30  # month 33", True),
    ],
)
def test_the_date_reader_finds_each_format(line, bad):
    found = dates(line, (2021, 6))
    assert found, line
    assert any(w > LAST_MONTH or (d and w > LAST_DECISION) for w, d in found) == bad


def test_a_target_beyond_the_cut_off_fails(tmp_path):
    """France's list (in force 2024-03, month 33 from 2021-06) as a target: refused."""
    targets = tmp_path / "ttc_2021_2025.toml"
    targets.write_text(
        '[[target]]\nlabel = "FR"\nstatistic = "share"\nfield = "emerging_tech.national:FR"\nby = 33\n'
        'op = ">="\nvalue = 0.5\ntolerance = 0.1\n',
        encoding="utf-8",
    )
    assert month_values(targets, (2021, 6)) == [("FR: by", (2024, 3))]
    assert problems(targets) == ["ttc_2021_2025.toml: FR: by is 2024-03, after 2023-12"]
