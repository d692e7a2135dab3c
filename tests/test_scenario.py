"""Scenario files: resolution, precedence, overrides and validation errors."""

from __future__ import annotations

import json
import pickle
import string
import subprocess
import sys
import textwrap
from dataclasses import fields
from pathlib import Path

import pytest
from conftest import CHINA, RUSSIA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import Scenario, ScenarioError, load_scenario
from sim.scenario import MONTH_RE, member_table
from sim.scenario.distributions import Distribution
from sim.scenario.schema import MEMBER_KEYS, SECTIONS, spec
from sim.scenario.tracks import track_segments


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def test_shipped_scenarios_resolve(russia, china):
    assert (russia.name, russia.start, russia.months) == ("russia_2022", "2021-11", 24)
    assert (china.name, china.start, china.months) == ("china_2022", "2021-06", 43)
    # a track's preferences CSV reaches its members and allies; each track names its basket
    assert china.values["tracks.china_sme.members.NL.exposure"] == 0.14
    assert china.values["tracks.china_sme.allies.JP.exposure"] == 0.3
    assert [(t.id, t.basket) for t in china.tracks] == [("china_sme", "all")]
    assert [(t.id, t.basket) for t in russia.tracks] == [("russia_dual_use", "dual_use_goods")]
    assert isinstance(china.values["tracks.china_sme.us.threat"], Distribution)
    assert len(member_table().iso) == 27


def test_member_precedence_inside_a_file(tmp_path):
    p = write(
        tmp_path,
        f"""
        [scenario]
        extends = "{CHINA}"
        [tracks.china_sme.members."*"]
        exposure = 0.5
        [tracks.china_sme.members.NL]
        exposure = 0.9
        [tracks.china_sme.members]
        preferences = "preferences/russia_dual_use.csv"
    """,
    )
    sc = load_scenario(p)
    # CSV < "*" < NL, whatever the order in the file
    assert sc.values["tracks.china_sme.members.NL.exposure"] == 0.9
    assert sc.values["tracks.china_sme.members.DE.exposure"] == 0.5
    # other keys come from the newly selected CSV, which replaced the base file's
    assert sc.values["tracks.china_sme.members.HU.threat"] == 0.12
    assert sc.values["tracks.china_sme.allies.JP.lag"] == 1


def test_extends_applies_first_and_child_wins(tmp_path):
    p = write(
        tmp_path,
        f"""
        [scenario]
        extends = "{CHINA}"
        name = "child"
        [us]
        patience = 40
    """,
    )
    sc = load_scenario(p)
    assert sc.name == "child"
    assert sc.values["us.patience"] == 40
    assert sc.values["us.reach"] == load_scenario(CHINA).values["us.reach"]
    assert sc.months == 43


def test_overrides_later_wins_whatever_specificity(china):
    a = china.with_overrides(["members.NL.threat=0.1", "members.*.threat=0.9"])
    assert a.values["members.NL.threat"] == 0.9
    b = china.with_overrides(["members.*.threat=0.9", "members.NL.threat=0.1"])
    assert b.values["members.NL.threat"] == 0.1 and b.values["members.DE.threat"] == 0.9


def test_override_values_are_toml_or_bare_strings(china):
    assert china.with_overrides(["eu.rule=qmv"]).values["eu.rule"] == "qmv"
    assert china.with_overrides(['eu.rule="qmv"']).values["eu.rule"] == "qmv"
    d = china.with_overrides(['us.threat={dist="uniform", low=0.1, high=0.2}']).values["us.threat"]
    assert isinstance(d, Distribution) and d.support() == (0.1, 0.2)
    assert china.with_overrides(["eu.national_controls=false"]).values["eu.national_controls"] is False
    assert china.with_overrides(['ttc.ministerials=["2022-01"]']).values["ttc.ministerials"] == ("2022-01",)


@pytest.mark.parametrize(
    "text, key, problem",
    [
        ("[scenario]\nstart='2021-01'\nmonths=12\n[foo]\nx=1\n", "foo", "unknown section"),
        ("[scenario]\nstart='2021-01'\nmonths=12\n[us]\nthreatt=1\n", "us.threatt", "unknown key"),
        ("[scenario]\nstart='2021-01'\nmonths=12\n[us]\nthreat='high'\n", "us.threat", "must be a number"),
        ("[scenario]\nstart='2021-01'\nmonths=12\n[us]\nthreat=1.5\n", "us.threat", "outside [0, 1]"),
        (
            "[scenario]\nstart='2021-01'\nmonths=12\n[members.XX]\nthreat=0.5\n",
            "members.XX",
            "unknown member code",
        ),
        (
            "[scenario]\nstart='2021-01'\nmonths=12\n[us]\nthreat = {dist='uniform', low=0.9, high=0.1}\n",
            "us.threat",
            "low (0.9) must not exceed",
        ),
        (
            "[scenario]\nstart='2021-01'\nmonths=12\n[us]\nthreat = {dist='gamma', k=1}\n",
            "us.threat",
            "'dist' must be one of",
        ),
        (
            "[scenario]\nstart='2021-01'\nmonths=12\n[us]\nthreat = {dist='normal', mean=0.5, sd=0}\n",
            "us.threat",
            "sd must be positive",
        ),
        (
            "[scenario]\nstart='2021-01'\nmonths=12\n[us]\nthreat = {dist='beta', a=-1, b=2}\n",
            "us.threat",
            "a and b must be positive",
        ),
        (
            "[scenario]\nstart='2021-01'\nmonths=12\n[eu]\nrule='majority'\n",
            "eu.rule",
            "must be one of unanimity, qmv",
        ),
        (
            "[scenario]\nstart='2021-01'\nmonths=12\n[eu]\nnational_controls=1\n",
            "eu.national_controls",
            "true or false",
        ),
        ("[scenario]\nstart='2021-13'\nmonths=12\n", "scenario.start", "YYYY-MM"),
        ("[scenario]\nstart='2021-01'\nmonths=0\n", "scenario.months", "1..600"),
        ("[scenario]\nmonths=12\n", "scenario.start", "missing"),
        (
            "[scenario]\nstart='2021-01'\nmonths=12\n[[shocks]]\nmonth='2030-01'\npath='us.threat'\ndelta=0.1\n",
            "shocks",
            "outside the horizon",
        ),
        (
            "[scenario]\nstart='2021-01'\nmonths=12\n[[shocks]]\nmonth='2021-02'\npath='eu.rule'\ndelta=0.1\n",
            "shocks[0].path",
            "not a numeric parameter",
        ),
        (
            "[scenario]\nstart='2021-01'\nmonths=12\n[members]\npreferences='nope.csv'\n",
            "members.preferences",
            "not found",
        ),
        ("[scenario\nstart='2021-01'\n", "", "malformed TOML"),
    ],
)
def test_invalid_files_name_file_key_and_problem(tmp_path, text, key, problem):
    p = write(tmp_path, text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(p)
    msg = str(err.value)
    assert msg.startswith(str(p)), msg
    assert key in msg and problem in msg, msg


def test_extends_cycle_is_reported(tmp_path):
    write(tmp_path, "[scenario]\nextends = 'b.toml'\n", "a.toml")
    write(tmp_path, "[scenario]\nextends = 'a.toml'\n", "b.toml")
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(tmp_path / "a.toml")


@pytest.mark.parametrize(
    "override, problem",
    [
        ("us.patience", "expected PATH=VALUE"),
        ("us.nope=1", "unknown key"),
        ("members.ZZ.threat=1", "unknown member"),
        ("members.NL.threat=2", "outside"),
        ("eu.rule=plurality", "must be one of"),
        ("zz.top=1", "unknown parameter path"),
    ],
)
def test_bad_overrides(china, override, problem):
    with pytest.raises(ScenarioError, match=problem) as err:
        china.with_overrides([override])
    assert err.value.source == "set"  # a plain name: the command line shows its flag, --set


def test_scenarios_and_rows_pickle(china):
    sc2 = pickle.loads(pickle.dumps(china))
    assert sc2.values == china.values
    from sim import run

    row = run(china, 3)
    assert pickle.loads(pickle.dumps(row)) == row
    assert run(sc2, 3) == row


# ------------------------------------------------------------------ property tests

KEYS = st.sampled_from(
    [
        "scenario",
        "us",
        "eu",
        "ttc",
        "members",
        "target",
        "commission",
        "shocks",
        "x",
        "threat",
        "start",
        "months",
        "rule",
        "NL",
        "*",
        "dist",
        "low",
        "high",
        "preferences",
        "extends",
    ]
)
SCALARS = st.one_of(
    st.integers(-5, 700),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.text(string.ascii_letters + "-0123456789", max_size=8),
    st.just("2022-02"),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=3)),
    max_leaves=8,
)


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items()) + "}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=st.dictionaries(KEYS, st.dictionaries(KEYS, VALUES, max_size=4), max_size=5))
def test_arbitrary_documents_give_a_scenario_error_or_a_scenario(tmp_path, doc):
    lines = []
    for section, table in doc.items():
        lines.append(f"[{json.dumps(section)}]")
        lines += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in table.items()]
    p = tmp_path / "arb.toml"
    p.write_text("\n".join(lines))
    try:
        load_scenario(p)
    except ScenarioError as e:
        assert str(e).startswith(str(p))


SEED_DOC = b"""[scenario]
name = "fuzz"
start = "2021-01"
months = 12
[us]
threat = {dist = "uniform", low = 0.2, high = 0.4}
patience = 6
[eu]
rule = "qmv"
[members]
basket = "sme"
[members."*"]
threat = 0.5
[members.NL]
lag = 3
[[shocks]]
month = "2021-03"
path = "us.threat"
delta = 0.1
"""
# fragments that once broke the loader, or might: odd types, huge numbers, deep nesting, typos
VALUE_TOKENS = [
    b'{dist = ["uniform"], low = 0, high = 1}',
    b"{dist = {}}",
    b'{dist = "beta", a = 99999999999999999999, b = 1}',
    b"99999999999999999999",
    b"-inf",
    b"nan",
    b"1e999",
    b'"QMV"',
    b'"SME"',
    b"[[[[[[1]]]]]]",
    b'"\\u0007"',
    b'"2021-13"',
    b'"members.*.nope"',
    b'"us.nope"',
    b'"members.NK.lag"',
    b"true",
    b"{}",
    b"[]",
    b"-1",
]
KEY_TOKENS = [
    b"threat",
    b"nope",
    b'"a\\u0007"',
    b"[members.NK]",
    b"[uss]",
    b"dist",
    b"extends",
    b"preferences",
    b"basket",
]


@st.composite
def mutated_scenarios(draw) -> bytes:
    """A valid scenario with a few lines changed: a value or a key replaced by a fragment
    above, or a few bytes of noise spliced in."""
    lines = SEED_DOC.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        key, equals, value = lines[i].partition(b" = ")
        how = draw(st.sampled_from(["value", "key", "noise"]))
        if how == "value" and equals:
            lines[i] = key + equals + draw(st.sampled_from(VALUE_TOKENS) | st.binary(max_size=8))
        elif how == "key":
            lines[i] = draw(st.sampled_from(KEY_TOKENS) | st.binary(max_size=6)) + equals + value
        else:
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.binary(min_size=1, max_size=6)) + lines[i][at:]
    return b"\n".join(lines)


def check_scenario_or_error(path: Path, load=load_scenario) -> None:
    """The only two acceptable ends of loading a file: a valid scenario, or a ScenarioError
    whose message is one printable line naming a file."""
    try:
        sc = load(path)
    except ScenarioError as e:
        assert str(e).isprintable() and ": " in str(e), repr(str(e))
        return
    assert isinstance(sc, Scenario), f"the loader returned {sc!r}"
    assert MONTH_RE.fullmatch(sc.start) and 1 <= sc.months <= 600


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=300) | mutated_scenarios())
def test_arbitrary_bytes_give_a_scenario_or_a_scenario_error(tmp_path, raw):
    p = tmp_path / "raw.toml"
    p.write_bytes(raw)
    check_scenario_or_error(p)


def test_the_bytes_check_fails_on_a_raw_exception_or_a_non_scenario(tmp_path):
    p = tmp_path / "raw.toml"
    p.write_bytes(b"\xff")

    def leaks_the_decode_error(path):
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    with pytest.raises(UnicodeDecodeError):
        check_scenario_or_error(p, leaks_the_decode_error)
    with pytest.raises(AssertionError):
        check_scenario_or_error(p, lambda path: None)
    check_scenario_or_error(p)  # the real loader: a clean error
    p.write_bytes(SEED_DOC)
    check_scenario_or_error(p)  # the real loader: a scenario


@settings(max_examples=60, deadline=None)
@given(
    ops=st.lists(
        st.tuples(
            st.sampled_from(["members.NL.threat", "members.*.threat", "members.DE.threat"]),
            st.floats(0, 1, allow_nan=False),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_override_precedence_is_order_of_application(ops):
    sc = load_scenario(CHINA).with_overrides([f"{p}={v!r}" for p, v in ops])
    for member in ("NL", "DE", "FR"):
        applicable = [v for p, v in ops if p in (f"members.{member}.threat", "members.*.threat")]
        expected = applicable[-1] if applicable else load_scenario(CHINA).values[f"members.{member}.threat"]
        assert sc.values[f"members.{member}.threat"] == expected


SETTABLE = [
    "scenario.name",
    "scenario.description",
    "scenario.start",
    "scenario.months",
    *(f"{section}.{f.name}" for section, cls in SECTIONS.items() for f in fields(cls)),
    "members.basket",
    *(f"members.{code}.{key}" for key in MEMBER_KEYS for code in ("NL", "*")),
]


def stored(sc, path: str) -> list[object]:
    """What ``sc`` holds at ``path``: one value, or one per member for members.*.key."""
    section, *_, key = path.split(".")
    if section == "scenario":
        return [getattr(sc, key)]
    if path == "members.basket":  # the version-1 key: every hard track's basket
        return [t.basket for t in sc.tracks if t.kind == "hard"]
    if "*" in path:
        return [sc.values[path.replace("*", m)] for m in sc.members]
    return [sc.values[path]]


def new_value(sc, path: str) -> tuple[str, object]:
    """A valid value for ``path`` that ``sc`` does not hold there: as TOML text, and as stored."""
    section, *_, key = path.split(".")
    current = stored(sc, path)
    if path == "members.basket":
        candidates: list = list(track_segments(sc.tracks[0].id))
    elif section == "scenario":
        candidates = [{"name": "renamed", "description": "changed", "start": "2021-07", "months": 30}[key]]
    elif "range" in (meta := spec(section, key).metadata):
        lo, hi = meta["range"]
        candidates = [lo + 0.37 * (hi - lo), lo + 0.61 * (hi - lo)]
    elif "choices" in meta:
        candidates = list(meta["choices"])
    elif isinstance(current[0], bool):
        candidates = [True, False]
    else:  # ministerials
        candidates = [("2021-07", "2022-03")]
    value = next(v for v in candidates if v not in current)
    text = (
        repr(value)
        if isinstance(value, float)
        else json.dumps(list(value) if isinstance(value, tuple) else value)
    )
    return text, value


@pytest.mark.parametrize("path", SETTABLE)
def test_every_schema_path_is_settable(tmp_path, china, path):
    text, value = new_value(china, path)
    # by override
    assert stored(load_scenario(CHINA, [f"{path}={text}"]), path) == [value] * len(stored(china, path))
    # by a file that extends the shipped scenario
    section, key = path.rsplit(".", 1)
    table = section.replace(".*", '."*"')
    doc = f'[scenario]\nextends = "{CHINA}"\n' + (
        f"{key} = {text}\n" if section == "scenario" else f"[{table}]\n{key} = {text}\n"
    )
    (tmp_path / "s.toml").write_text(doc)
    from_file = load_scenario(tmp_path / "s.toml")
    if path == "members.basket":  # in a file, a track's own basket beats the general one
        assert (from_file.basket, stored(from_file, path)) == (value, stored(china, path))
        return
    assert stored(from_file, path) == [value] * len(stored(china, path))


def test_validate_cli_reports_errors_with_exit_2(tmp_path):
    bad = write(tmp_path, "[scenario]\nstart='2021-01'\nmonths=12\n[us]\nthreat=3\n")
    out = subprocess.run(
        [sys.executable, "-m", "sim.cli", "validate", str(RUSSIA), str(bad)], capture_output=True, text=True
    )
    assert out.returncode == 2
    assert "ok: " in out.stdout and "us.threat" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize(
    "path",
    [RUSSIA, CHINA, *sorted((RUSSIA.parent / "counterfactuals").glob("*.toml"))[:3]],
    ids=lambda p: p.stem,
)
def test_to_toml_round_trips_every_value(tmp_path, path):
    from sim.scenario import to_toml

    sc = load_scenario(
        path,
        [
            "us.patience=20",
            "members.NL.exposure=0.1",
            "eu.rule=qmv",
            'members.DE.threat={dist="beta", a=2, b=5}',
        ],
    )
    out = tmp_path / "exported.toml"
    out.write_text(to_toml(sc, "a header\nover two lines"))
    again = load_scenario(out)
    assert again.values == sc.values and again.shocks == sc.shocks
    assert (again.start, again.months, again.basket) == (sc.start, sc.months, sc.basket)
    from sim import run

    assert {k: v for k, v in run(again, 4).items() if k != "scenario"} == {
        k: v for k, v in run(sc, 4).items() if k != "scenario"
    }


# ------------------------------------------------------------------ one check per path


@pytest.mark.parametrize(
    "check",
    [
        lambda china, path: __import__("sim.analysis.calibration").analysis.calibration.parse_param(
            china, f"{path}=0.1:0.2"
        ),
        lambda china, path: __import__("sim.analysis.sensitivity").analysis.sensitivity.parameter_ranges(
            china, [path], {path: (0.1, 0.2)}
        ),
    ],
    ids=["calibration", "sensitivity"],
)
@pytest.mark.parametrize(
    "path, problem",
    [
        ("us.treat", "unknown key (did you mean 'us.threat'?)"),
        ("members.NX.threat", "unknown member code 'NX' (did you mean 'NL'?)"),
        ("members.*.thret", "unknown member key 'thret' (did you mean 'members.*.threat'?)"),
        ("eu.rule", "not a numeric parameter"),
    ],
)
def test_analyses_check_parameter_paths_as_scenarios_do(china, check, path, problem):
    """Calibration and sensitivity name a mistyped path as a scenario file would, with the
    closest known name."""
    with pytest.raises(ScenarioError) as err:
        check(china, path)
    assert err.value.key == path and err.value.problem == problem, str(err.value)


def test_the_analyses_accept_every_numeric_path(china):
    from sim.analysis.calibration import parse_param
    from sim.scenario import numeric_path

    assert parse_param(china, "members.*.threat=0.1:0.9") == ("members.*.threat", 0.1, 0.9)
    assert parse_param(china, "members.NL.lag=1:2") == ("members.NL.lag", 1.0, 2.0)
    assert numeric_path("x", "us.patience") == (0.0, 600.0)


def test_every_listed_path_is_one_the_loader_knows():
    """``ttcsim params``, validation and "did you mean" read the one schema."""
    from sim.scenario import KNOWN_PATHS
    from sim.scenario.schema import OVERRIDABLE_SCENARIO_KEYS, SCENARIO_KEYS, schema

    listed = {row.path.replace("<ISO2>", "*") for row in schema()}
    assert listed == set(KNOWN_PATHS)
    assert set(SCENARIO_KEYS) - set(OVERRIDABLE_SCENARIO_KEYS) == {"extends"}


# ------------------------------------------------------------------ written files load back

AWKWARD = 'a "quoted" name \\ with a backslash,\nnewlines\r\n, a tab\t and \x7f'


def test_an_exported_name_with_quotes_backslashes_and_newlines_loads_back(tmp_path, china):
    from dataclasses import replace

    from sim.scenario import to_toml

    sc = replace(china, name=AWKWARD, description=AWKWARD)
    out = tmp_path / "exported.toml"
    out.write_text(to_toml(sc, AWKWARD), encoding="utf-8")
    again = load_scenario(out)
    assert (again.name, again.description, again.values) == (AWKWARD, AWKWARD, sc.values)


def test_a_calibrated_posterior_with_an_awkward_name_loads_back(tmp_path, china):
    """The posterior file extends the original and holds each parameter as a triangular
    distribution (or a number when the posterior is a point)."""
    from dataclasses import replace
    from types import SimpleNamespace

    import pandas as pd

    from sim.analysis.calibration import posterior_scenario

    q = pd.DataFrame(
        {
            "q05": [8.0, 0.2],
            "q50": [12.0, 0.5],
            "q95": [20.0, 0.5],
            "prior_low": [0.0, 0.0],
            "prior_high": [30.0, 1.0],
        },
        index=["us.patience", "members.*.threat"],
    )
    q.loc["members.*.threat", "q05"] = 0.5
    folder = tmp_path / 'odd "folder" \\ name'
    folder.mkdir()
    original = folder / "base.toml"
    original.write_text(CHINA.read_text())
    result = SimpleNamespace(
        quantiles=lambda: q,
        model=replace(china, name=AWKWARD),
        names=list(q.index),
        targets=[],
        replications=2,
    )
    out = tmp_path / "posterior.toml"
    out.write_text(posterior_scenario(result, original, out), encoding="utf-8")
    again = load_scenario(out)
    assert again.name == AWKWARD + "_calibrated"
    patience = again.values["us.patience"]
    assert isinstance(patience, Distribution) and dict(patience.args) == {
        "low": 8.0,
        "mode": 12.0,
        "high": 20.0,
    }
    assert all(again.values[f"members.{m}.threat"] == 0.5 for m in again.members)
