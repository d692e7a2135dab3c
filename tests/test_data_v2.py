"""The multi-track data files (``sim/data/v2_*``) respect the project's evidence rules.

Every row names a source of the bibliography or says "assumption"; no input and no
calibration target rests on a fact published after the cut-off (30 Jun 2023); the events
decided after it are marked held out; supply shares are shares. Each check is a small
function, first shown to reject a bad row, then applied to the shipped files.
"""

from __future__ import annotations

import csv
import re
import tomllib
from collections import defaultdict
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "sim" / "data"
BIBLIOGRAPHY = DATA / "sources.md"
CUTOFF = "2023-06-30"
LAST_IN_FORCE = "2023-12-31"
"""Measures decided by the cut-off may be targeted at their in-force dates up to 2023-12."""
START = (2021, 6)
"""Month 0 of the joint scenario: the TTC's launch, June 2021."""

INPUT_CSVS = ("v2_supply_shares.csv", "v2_exports_at_stake.csv", "v2_material_dependence.csv")
EVENT_CSVS = ("v2_events.csv", "v2_holdout.csv")
HARD_TRACKS = {"russia_dual_use", "china_sme", "china_ai_chips", "emerging_tech"}
ROUTES = {"sanctions", "annex", "autonomous", "national", "art10"}

CITATION = re.compile(r"\[(\d+)\]")
ENTRY = re.compile(r"^- \*\*\[(\d+)\]\*\*", re.MULTILINE)
YEAR = re.compile(r"(?<!\d)(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?!\d)")


def rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def known_sources() -> set[int]:
    return {int(n) for n in ENTRY.findall(BIBLIOGRAPHY.read_text(encoding="utf-8"))}


def source_problem(source: str, known: set[int]) -> str | None:
    """Why a ``source`` cell is not acceptable, or None: it must cite known entries or say
    "assumption" (with a reason after it)."""
    cited = {int(n) for n in CITATION.findall(source)}
    unknown = sorted(cited - known)
    if unknown:
        return f"cites {unknown}, not in sources.md"
    if not cited and not re.search(r"\bassumption\b", source, re.IGNORECASE):
        return "neither a source number nor 'assumption'"
    return None


def later_dates(text: str, limit: str) -> list[str]:
    """Dates in ``text``, in any of the forms YYYY, YYYY-MM or YYYY-MM-DD, later than ``limit``
    (a bare year counts as its first day, a month as its first day)."""
    found = []
    for match in YEAR.finditer(text):
        year, month, day = match.group(1), match.group(2) or "01", match.group(3) or "01"
        if not 1990 <= int(year) <= 2100:
            continue
        if f"{year}-{month}-{day}" > limit:
            found.append(match.group(0))
    return found


def month_number(date: str) -> int:
    """Months from the scenario start (2021-06 is month 0) to ``date``'s month."""
    year, month = int(date[:4]), int(date[5:7])
    return (year - START[0]) * 12 + month - START[1]


def share_sums(table: list[dict[str, str]]) -> dict[tuple[str, str], float]:
    sums: dict[tuple[str, str], float] = defaultdict(float)
    for row in table:
        sums[(row["track"], row["segment"])] += float(row["value"])
    return dict(sums)


# --- the checks reject what they should -------------------------------------------------


def test_the_checks_reject_bad_rows() -> None:
    known = {1, 97}
    assert source_problem("[97]", known) is None
    assert source_problem("assumption: no sourced split", known) is None
    assert source_problem("[98]", known) == "cites [98], not in sources.md"
    assert source_problem("", known) is not None
    assert source_problem("see the ASML report", known) is not None
    assert later_dates("2023-06-30; 2022; 2023-05", CUTOFF) == []
    assert later_dates("in force 2023-09-01", CUTOFF) == ["2023-09-01"]
    assert later_dates("published 2024", CUTOFF) == ["2024"]
    assert later_dates("2023-07", CUTOFF) == ["2023-07"]
    assert later_dates("$107.6bn; 0.138; 862.4", CUTOFF) == []
    assert month_number("2021-06-15") == 0
    assert month_number("2023-08-01") == 26
    assert share_sums(
        [{"track": "t", "segment": "s", "value": "0.6"}, {"track": "t", "segment": "s", "value": "0.5"}]
    ) == {("t", "s"): pytest.approx(1.1)}


# --- the shipped files ------------------------------------------------------------------


@pytest.mark.parametrize("name", INPUT_CSVS + EVENT_CSVS)
def test_every_row_names_a_source_or_an_assumption(name: str) -> None:
    known = known_sources()
    problems = [
        f"{name}:{i}: {problem}"
        for i, row in enumerate(rows(name), 2)
        if (problem := source_problem(row["source"], known))
    ]
    assert not problems, "\n".join(problems)


def test_the_regime_file_cites_known_sources_or_assumptions() -> None:
    known = known_sources()
    regimes = tomllib.loads((DATA / "v2_regimes.toml").read_text(encoding="utf-8"))
    cells: list[tuple[str, str]] = []

    def walk(prefix: str, node: dict[str, object]) -> None:
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict):
                walk(path, value)
            elif isinstance(value, str) and key.endswith("source"):
                cells.append((path, value))

    walk("", regimes)
    assert len(cells) >= 10
    problems = [f"{path}: {p}" for path, value in cells if (p := source_problem(value, known))]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", INPUT_CSVS + ("v2_regimes.toml",))
def test_no_input_holds_a_date_after_the_cutoff(name: str) -> None:
    """In any column and any format, comments included: an input rests only on facts
    published by 30 Jun 2023."""
    text = (DATA / name).read_text(encoding="utf-8")
    assert not later_dates(text, CUTOFF), f"{name}: dates after {CUTOFF}: {later_dates(text, CUTOFF)}"
    if name.endswith(".csv"):
        assert all(int(row["year"]) <= 2023 for row in rows(name))


def test_calibration_events_were_decided_by_the_cutoff() -> None:
    events = rows("v2_events.csv")
    assert {row["held_out"] for row in events} == {"false"}
    assert {row["use"] for row in events} <= {"calibration", "context"}
    for row in events:
        assert row["decided"] <= CUTOFF, row["id"]
        assert not row["in_force"] or row["in_force"] <= LAST_IN_FORCE, row["id"]
    text = (DATA / "v2_events.csv").read_text(encoding="utf-8")
    assert not later_dates(text, LAST_IN_FORCE), "a calibration file holds a date after 2023-12"


def test_events_after_the_cutoff_are_held_out() -> None:
    held_out = rows("v2_holdout.csv")
    assert held_out
    for row in held_out:
        assert row["held_out"] == "true" and row["use"] == "held_out", row["id"]
        assert row["decided"] > CUTOFF, f"{row['id']} was decided by the cut-off: not held out"
    ids = [row["id"] for row in rows("v2_events.csv") + held_out]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("name", EVENT_CSVS)
def test_event_months_count_from_june_2021(name: str) -> None:
    for row in rows(name):
        assert int(row["month_decided"]) == month_number(row["decided"]), row["id"]
        if row["in_force"]:
            assert int(row["month_in_force"]) == month_number(row["in_force"]), row["id"]
        else:
            assert row["month_in_force"] == "", row["id"]


def test_supply_shares_are_shares_per_track_and_segment() -> None:
    table = rows("v2_supply_shares.csv")
    assert {row["track"] for row in table} == HARD_TRACKS
    for row in table:
        assert row["unit"] == "share" and 0.0 <= float(row["value"]) <= 1.0, row
    for key, total in share_sums(table).items():
        assert total <= 1.0 + 1e-9, f"{key}: shares sum to {total}"
    assert {row["segment"] for row in table if row["track"] == "china_sme"} >= {
        "lithography",
        "deposition",
        "etch",
    }
    actors = {row["actor"] for row in table if row["track"] == "china_sme" and row["segment"] == "all"}
    assert {"US", "NL", "JP"} <= actors


@pytest.mark.parametrize("name", ("v2_exports_at_stake.csv", "v2_material_dependence.csv"))
def test_every_share_is_in_the_unit_interval(name: str) -> None:
    for row in rows(name):
        if row["unit"] == "share":
            assert 0.0 <= float(row["value"]) <= 1.0, row
        else:
            assert float(row["value"]) >= 0.0, row


def test_regimes_give_russia_a_veto_and_every_track_its_routes() -> None:
    regimes = tomllib.loads((DATA / "v2_regimes.toml").read_text(encoding="utf-8"))
    participants = set(regimes["wassenaar"]["participants"])
    assert len(participants) == 42 and {"RU", "US", "JP"} <= participants and "CN" not in participants
    members = {row["iso"] for row in rows("member_states.csv")}
    assert members - participants == set(regimes["wassenaar"]["eu_members_outside"]) == {"CY"}
    tracks = regimes["tracks"]
    assert set(tracks) == HARD_TRACKS | {"soft_ai"}
    assert all(set(routes) <= ROUTES for routes in tracks.values())
    assert "sanctions" in tracks["russia_dual_use"] and "sanctions" not in tracks["china_sme"]
