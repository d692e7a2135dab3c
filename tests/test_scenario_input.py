"""Bad scenario input ends in one clean message; exported scenarios load back; "did you mean".

Each bad-input case here once ended in a traceback, a hang, a raw control character on the
terminal, a message without the file that named the bad one, or a silently accepted value. A
clean message is one printable line ``FILE: KEY: PROBLEM`` that names what to fix, short
enough to read.
"""

from __future__ import annotations

import builtins
import os
import resource
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import CHINA, CLI, ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import ScenarioError, load_scenario
from sim import scenario as S
from sim.scenario import DATA_DIR

TRACK = "[tracks.china_sme]\ntarget = ''\nbasket = 'all'\nroutes = ['annex']\n"
HEAD = "[scenario]\nstart = '2021-01'\nmonths = 12\n" + TRACK
PREF_TEXT = (DATA_DIR / "preferences" / "china_sme.csv").read_text()
PREF_ROWS = PREF_TEXT.splitlines()
"""The track's preference table: a header, the 27 members and Japan (29 lines)."""
USE_PREF = HEAD + "[allies.JP]\n[tracks.china_sme.members]\npreferences = 'p.csv'\n"
BIG = 2 << 20  # twice the stated limit for scenario and preference files


def nested(levels: int, opening: str, closing: str) -> str:
    return opening * levels + "1" + closing * levels


def assert_clean(message: str, *parts: str) -> None:
    """One printable line, of readable length, containing every part."""
    assert message.isprintable(), repr(message)
    assert len(message) < 600, message
    for part in parts:
        assert part in message, f"{part!r} not in {message!r}"


def make_files(tmp_path: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        data = content if isinstance(content, bytes) else content.encode("utf-8", "surrogateescape")
        (tmp_path / name).write_bytes(data)


# Each case: files to write, the file to load, --set overrides, parts the message must hold
# ("{d}" is the folder of the files).
BAD_INPUT = {
    # malformed distribution tables
    "dist-kind-a-list": (
        {"s.toml": HEAD},
        "s.toml",
        ['us.threat={dist=["uniform"],low=0,high=1}'],
        ["set: us.threat", "'dist' must be one of"],
    ),
    "dist-kind-a-table": (
        {"s.toml": HEAD},
        "s.toml",
        ["us.threat={dist={}}"],
        ["set: us.threat", "'dist' must be one of"],
    ),
    "dist-kind-a-list-in-file": (
        {"s.toml": HEAD + "[us]\nthreat = {dist = ['uniform'], low = 0, high = 1}\n"},
        "s.toml",
        [],
        ["{d}/s.toml: us.threat", "'dist' must be one of"],
    ),
    "dist-huge-integer": (
        {"s.toml": HEAD},
        "s.toml",
        ["us.threat={dist='uniform',low=0,high=" + "9" * 400 + "}"],
        ["us.threat", "'high' must be a finite number"],
    ),
    "dist-control-character-argument": (
        {"s.toml": HEAD},
        "s.toml",
        ['us.threat={dist="uniform",low=0,high=1,"x\\u0007"=1}'],
        ["us.threat", "x\\x07"],
    ),
    # numbers beyond any float
    "huge-integer-override": (
        {"s.toml": HEAD},
        "s.toml",
        ["us.threat=99999999999999999999"],
        ["set: us.threat", "outside [0, 1]"],
    ),
    "huge-integer-in-file": (
        {"s.toml": HEAD + "[members.NL]\nlag = 99999999999999999999\n"},
        "s.toml",
        [],
        ["members.NL.lag", "outside [0, 600]"],
    ),
    "huge-integer-shock": (
        {"s.toml": HEAD + "[[shocks]]\nmonth = '2021-02'\npath = 'us.threat'\ndelta = " + "9" * 400 + "\n"},
        "s.toml",
        [],
        ["shocks[0].delta", "finite number"],
    ),
    # shocks on paths that do not exist
    "shock-unknown-key": (
        {"s.toml": HEAD + "[[shocks]]\nmonth = '2021-02'\npath = 'us.threatt'\ndelta = 0.1\n"},
        "s.toml",
        [],
        ["shocks[0].path", "unknown", "did you mean 'us.threat'"],
    ),
    "shock-unknown-member-key": (
        {"s.toml": HEAD + "[[shocks]]\nmonth = '2021-02'\npath = 'members.*.nope'\ndelta = 0.1\n"},
        "s.toml",
        [],
        ["shocks[0].path", "unknown member key"],
    ),
    # preference tables
    "csv-binary": (
        {"s.toml": USE_PREF, "p.csv": bytes(range(256)) * 4},
        "s.toml",
        [],
        ["{d}/p.csv", "not UTF-8 text"],
    ),
    "csv-latin-1": (
        {"s.toml": USE_PREF, "p.csv": PREF_TEXT.replace("source", "sourc\xe9").encode("latin-1", "replace")},
        "s.toml",
        [],
        ["{d}/p.csv", "not UTF-8 text"],
    ),
    "csv-binary-by-override": (
        {"s.toml": HEAD, "p.csv": bytes(range(256))},
        "s.toml",
        ["members.preferences={d}/p.csv"],
        ["{d}/p.csv", "not UTF-8 text"],
    ),
    "csv-duplicate-row": (
        {"s.toml": USE_PREF, "p.csv": PREF_TEXT + PREF_ROWS[1] + "\n"},
        "s.toml",
        [],
        ["{d}/p.csv: line 30", "AT", "line 2"],
    ),
    "csv-field-beyond-the-csv-limit": (
        {"s.toml": USE_PREF, "p.csv": PREF_TEXT + 'XX,1,1,1,1,1,"' + "a" * 200_000 + '"\n'},
        "s.toml",
        [],
        ["{d}/p.csv: line 30"],
    ),
    "csv-over-the-size-limit": (
        {"s.toml": USE_PREF, "p.csv": PREF_TEXT + "\n" * BIG},
        "s.toml",
        [],
        ["{d}/s.toml: tracks.china_sme.members.preferences", "larger than 1 MiB"],
    ),
    "csv-a-folder": (
        {"s.toml": HEAD + "[members]\npreferences = 'sub'\n", "sub/x": ""},
        "s.toml",
        [],
        ["{d}/s.toml: members.preferences", "a folder, not a file"],
    ),
    "csv-a-device": (
        {"s.toml": HEAD + "[members]\npreferences = '/dev/zero'\n"},
        "s.toml",
        [],
        ["{d}/s.toml: members.preferences", "/dev/zero: not a regular file"],
    ),
    # extends
    "extends-missing": (
        {"s.toml": "[scenario]\nextends = 'nope.toml'\n"},
        "s.toml",
        [],
        ["{d}/s.toml: scenario.extends", "{d}/nope.toml", "not found"],
    ),
    "extends-a-folder": (
        {"s.toml": "[scenario]\nextends = 'sub'\n", "sub/x": ""},
        "s.toml",
        [],
        ["{d}/s.toml: scenario.extends", "a folder, not a file"],
    ),
    "extends-empty": (
        {"s.toml": "[scenario]\nextends = ''\n"},
        "s.toml",
        [],
        ["{d}/s.toml: scenario.extends", "a folder, not a file"],
    ),
    "extends-too-large": (
        {"s.toml": "[scenario]\nextends = 'b.toml'\n", "b.toml": HEAD + "#" * BIG + "\n"},
        "s.toml",
        [],
        ["{d}/s.toml: scenario.extends", "{d}/b.toml", "larger than 1 MiB"],
    ),
    "extends-nul-byte": (
        {"s.toml": '[scenario]\nextends = "a\\u0000b"\n'},
        "s.toml",
        [],
        ["{d}/s.toml: scenario.extends", "\\x00"],
    ),
    "extends-name-too-long": (
        {"s.toml": "[scenario]\nextends = '" + "a" * 5000 + "'\n"},
        "s.toml",
        [],
        ["{d}/s.toml: scenario.extends", "too long"],
    ),
    "extends-chain-of-1000": (
        {
            **{f"c{i}.toml": f"[scenario]\nextends = 'c{i + 1}.toml'\n" for i in range(1000)},
            "c1000.toml": HEAD,
        },
        "c0.toml",
        [],
        ["scenario.extends", "more than 32"],
    ),
    # the scenario file itself
    "file-too-large": (
        {"s.toml": HEAD + "#" * BIG + "\n"},
        "s.toml",
        [],
        ["{d}/s.toml", "larger than 1 MiB"],
    ),
    "nesting-600-arrays": (
        {"s.toml": HEAD + "[us]\nthreat = " + nested(600, "[", "]") + "\n"},
        "s.toml",
        [],
        ["{d}/s.toml", "nested too deeply"],
    ),
    "nesting-600-tables": (
        {"s.toml": HEAD + "[us]\nthreat = " + nested(600, "{a = ", "}") + "\n"},
        "s.toml",
        [],
        ["{d}/s.toml", "nested too deeply"],
    ),
    "nesting-600-by-override": (
        {"s.toml": HEAD},
        "s.toml",
        ["us.threat=" + nested(600, "[", "]")],
        ["set: us.threat", "nested too deeply"],
    ),
    "nesting-200-arrays": (
        {"s.toml": HEAD + "[us]\nthreat = " + nested(200, "[", "]") + "\n"},
        "s.toml",
        [],
        ["{d}/s.toml: us.threat", "must be a number"],
    ),
    # months: one line of ASCII digits, nothing more
    "month-with-a-trailing-newline": (
        {"s.toml": '[scenario]\nstart = "2021-01\\n"\nmonths = 12\n'},
        "s.toml",
        [],
        ["scenario.start", "must be a month 'YYYY-MM'"],
    ),
    "month-in-full-width-digits": (
        {"s.toml": "[scenario]\nstart = '\uff12\uff10\uff12\uff11-01'\nmonths = 12\n"},
        "s.toml",
        [],
        ["scenario.start", "must be a month 'YYYY-MM'"],
    ),
    # control characters and other unprintable text in names and values
    "control-character-section": (
        {"s.toml": HEAD + '["us\\u0007"]\nx = 1\n'},
        "s.toml",
        [],
        ["us\\x07", "unknown section"],
    ),
    "control-character-key": (
        {"s.toml": HEAD + '[us]\n"thr\\u001beat" = 1\n'},
        "s.toml",
        [],
        ["us.thr\\x1beat", "unknown key"],
    ),
    "control-character-member": (
        {"s.toml": HEAD + '[members."N\\u0007L"]\nthreat = 1\n'},
        "s.toml",
        [],
        ["members.N\\x07L", "unknown member code"],
    ),
    "control-character-override-key": (
        {"s.toml": HEAD},
        "s.toml",
        ["us.thr\x1b[31meat=1"],
        ["set: us.thr\\x1b[31meat", "unknown key"],
    ),
    "bidi-override-key": ({"s.toml": HEAD}, "s.toml", ["us.thr\u202eeat=1"], ["us.thr\\u202eeat"]),
    "control-character-file-name": ({"s\x07.toml": "[foo]\n"}, "s\x07.toml", [], ["{d}/s\\x07.toml: foo"]),
    "undecodable-name": (
        {"s.toml": HEAD},
        "s.toml",
        ["scenario.name=\udcff"],
        ["set: scenario.name", "\\udcff", "not UTF-8"],
    ),
    # values too long to print, or that smuggle a second TOML key
    "long-override-value": (
        {"s.toml": HEAD},
        "s.toml",
        ["eu.rule=" + "x" * 100_000],
        ["set: eu.rule", "must be one of"],
    ),
    "override-value-with-a-newline": (
        {"s.toml": HEAD},
        "s.toml",
        ["us.threat=0.5\nx=1"],
        ["set: us.threat", "must be a number"],
    ),
}


@pytest.mark.parametrize("case", BAD_INPUT, ids=list(BAD_INPUT))
def test_bad_input_gives_one_clean_message(tmp_path, case):
    files, main, overrides, parts = BAD_INPUT[case]
    make_files(tmp_path, files)
    d = str(tmp_path)
    with pytest.raises(ScenarioError) as err:
        load_scenario(tmp_path / main, [o.replace("{d}", d) for o in overrides])
    assert_clean(str(err.value), *(p.replace("{d}", d) for p in parts))


def test_extends_chain_at_the_limit_loads_and_one_more_is_refused(tmp_path):
    limit = S.MAX_EXTENDS_DEPTH
    assert limit == 32
    for i in range(limit + 1):
        (tmp_path / f"c{i}.toml").write_text(f"[scenario]\nextends = 'c{i + 1}.toml'\n")
    (tmp_path / f"c{limit + 1}.toml").write_text(HEAD)
    assert load_scenario(tmp_path / "c1.toml").months == 12  # 32 hops
    with pytest.raises(ScenarioError, match="more than 32"):
        load_scenario(tmp_path / "c0.toml")  # 33 hops


def test_a_file_at_the_size_limit_loads(tmp_path):
    text = HEAD + "#" * (S.MAX_FILE_BYTES - len(HEAD) - 1) + "\n"
    assert len(text.encode()) == S.MAX_FILE_BYTES == 1 << 20
    (tmp_path / "s.toml").write_text(text)
    assert load_scenario(tmp_path / "s.toml").months == 12


@pytest.mark.parametrize("name", ["s.toml", "b.toml", "p.csv"])
def test_unreadable_files_give_a_message(tmp_path, monkeypatch, name):
    make_files(
        tmp_path,
        {
            "s.toml": "[scenario]\nextends = 'b.toml'\n[members]\npreferences = 'p.csv'\n",
            "b.toml": HEAD,
            "p.csv": PREF_TEXT,
        },
    )
    real_open = builtins.open

    def no_permission(file, *args, **kwargs):
        if Path(file).name == name:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", no_permission)
    with pytest.raises(ScenarioError) as err:
        load_scenario(tmp_path / "s.toml")
    assert_clean(str(err.value), str(tmp_path / name), "permission denied")


def test_a_byte_order_mark_is_read(tmp_path):
    make_files(
        tmp_path,
        {"s.toml": b"\xef\xbb\xbf" + USE_PREF.encode(), "p.csv": b"\xef\xbb\xbf" + PREF_TEXT.encode()},
    )
    sc = load_scenario(tmp_path / "s.toml")
    assert sc.values["tracks.china_sme.members.NL.exposure"] == 0.14  # the first data line is read
    assert sc.values["tracks.china_sme.allies.JP.exposure"] == 0.3  # and the last


def test_special_files_are_refused_without_reading_them(tmp_path):
    """/dev/zero never ends and a FIFO blocks on open: both are refused from their type alone.
    (The memory limit only keeps a regression from taking the machine down.)"""
    os.mkfifo(tmp_path / "fifo.toml")
    (tmp_path / "ext_zero.toml").write_text("[scenario]\nextends = '/dev/zero'\n")
    (tmp_path / "ext_fifo.toml").write_text("[scenario]\nextends = 'fifo.toml'\n")
    files = [
        "/dev/zero",
        str(tmp_path / "fifo.toml"),
        str(tmp_path / "ext_zero.toml"),
        str(tmp_path / "ext_fifo.toml"),
    ]

    def two_gib() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    out = subprocess.run(
        [*CLI, "validate", *files], capture_output=True, text=True, timeout=120, preexec_fn=two_gib, cwd=ROOT
    )
    assert out.returncode == 2, out.stderr
    lines = out.stderr.splitlines()
    assert len(lines) == 4 and "Traceback" not in out.stderr, out.stderr
    assert lines[0] == "ttcsim: error: /dev/zero: not a regular file"
    assert lines[1] == f"ttcsim: error: {tmp_path}/fifo.toml: not a regular file"
    assert (
        lines[2]
        == f"ttcsim: error: {tmp_path}/ext_zero.toml: scenario.extends: /dev/zero: not a regular file"
    )
    assert (
        lines[3]
        == f"ttcsim: error: {tmp_path}/ext_fifo.toml: scenario.extends: {tmp_path}/fifo.toml: not a regular file"
    )


def test_the_cli_prints_control_characters_escaped(tmp_path):
    (tmp_path / "s.toml").write_text(HEAD)
    out = subprocess.run(
        [*CLI, "validate", str(tmp_path / "s.toml"), "--set", "us.thr\x1b[2Jeat=1"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert out.returncode == 2
    assert out.stderr == "ttcsim: error: --set: us.thr\\x1b[2Jeat: unknown key (did you mean 'us.threat'?)\n"


# ------------------------------------------------------------------ "did you mean"


@pytest.mark.parametrize(
    "override, suggestion",
    [
        ("us.patiense=3", "did you mean 'us.patience'?"),
        ("members.NK.lag=3", "'NL'"),
        ("members.NL.lagg=3", "did you mean 'members.NL.lag'?"),
        ("members.*.thret=0.5", "did you mean 'members.*.threat'?"),
        ("uss.threat=0.5", "did you mean 'us.threat'?"),
        ("scenario.nmae=x", "did you mean 'scenario.name'?"),
        ("eu.rule=qvm", "did you mean 'qmv'?"),
        ("members.basket=etc", "did you mean 'etch'?"),
        ("us.threat={dist='unifrom',low=0,high=1}", "did you mean 'uniform'?"),
        ("us.threat={dist='uniform',low=0,hihg=1}", "did you mean 'high'?"),
    ],
)
def test_unknown_names_get_a_did_you_mean(china, override, suggestion):
    with pytest.raises(ScenarioError) as err:
        china.with_overrides([override])
    assert_clean(str(err.value), suggestion)


@pytest.mark.parametrize(
    "text, suggestion",
    [
        ("[uss]\nthreat = 0.5\n", "uss: unknown section (did you mean 'us'?)"),
        ("[us]\npatiense = 3\n", "us.patiense: unknown key (did you mean 'us.patience'?)"),
        ("[members.NK]\nlag = 3\n", "'NL'"),
        ("[members.NL]\nlagg = 3\n", "did you mean 'members.NL.lag'?"),
        ("[[shocks]]\nmnth = '2021-02'\npath = 'us.threat'\ndelta = 0.1\n", "did you mean 'month'?"),
    ],
)
def test_unknown_names_in_files_get_a_did_you_mean(tmp_path, text, suggestion):
    (tmp_path / "s.toml").write_text(HEAD + text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(tmp_path / "s.toml")
    assert_clean(str(err.value), suggestion)


def test_no_suggestion_when_nothing_is_close(china):
    with pytest.raises(ScenarioError) as err:
        china.with_overrides(["us.zzzzzz=1"])
    assert "did you mean" not in str(err.value)


def test_suggest_names_the_closest_choices():
    assert S.suggest("patiense", ["threat", "patience", "pressure"]) == " (did you mean 'patience'?)"
    assert S.suggest("nl", ["DE", "NL"]) == " (did you mean 'NL'?)"
    assert S.suggest("month_typo", ["coordinated", "scenario"]) == ""
    assert S.suggest("lag", ["lag"], prefix="members.NL.") == " (did you mean 'members.NL.lag'?)"


@pytest.mark.parametrize(
    "override, path, stored",
    [
        ("eu.rule=QMV", "eu.rule", "qmv"),
        ("eu.rule=Unanimity", "eu.rule", "unanimity"),
        ("eu.national_controls=False", "eu.national_controls", False),
    ],
)
def test_enum_values_are_case_insensitive(china, override, path, stored):
    assert china.with_overrides([override]).values[path] == stored


def test_basket_is_case_insensitive(tmp_path):
    """The version-1 key ``members.basket`` names every hard track's basket (here the one
    track's, which does not name its own)."""
    track = TRACK.replace("basket = 'all'\n", "")
    (tmp_path / "s.toml").write_text(HEAD.replace(TRACK, track) + "[members]\nbasket = 'ETCH'\n")
    assert load_scenario(tmp_path / "s.toml").tracks[0].basket == "etch"


# ------------------------------------------------------------------ exports load back


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(), description=st.text(), header=st.text())
def test_exported_names_and_descriptions_load_back(tmp_path, china, name, description, header):
    sc = replace(china, name=name, description=description)
    out = tmp_path / "exported.toml"
    out.write_text(S.to_toml(sc, header), encoding="utf-8")
    again = load_scenario(out)
    assert (again.name, again.description) == (name, description)
    assert again.values == sc.values


def test_export_keeps_the_header_and_sections(china):
    text = S.to_toml(china, "first line\nsecond line")
    assert text.startswith("# first line\n# second line\n")
    for section in ("[scenario]", "[us]", "[commission]", "[target]", "[eu]", "[ttc]", "[members]"):
        assert f"\n{section}\n" in text


def test_export_of_a_shipped_scenario_loads_back_from_another_folder(tmp_path):
    sc = load_scenario(CHINA)
    (tmp_path / "x.toml").write_text(S.to_toml(sc))
    assert load_scenario(tmp_path / "x.toml").values == sc.values
