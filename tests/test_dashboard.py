"""The dashboard: its scenario building, figures and serving in Python, and the page itself in a
real browser (Debian's headless Chromium driven by Playwright).

The browser tests are skipped, with the reason, where Chromium is not installed (CI installs it
in .ci/run). They wait for what the page shows (a batch's "done" line, a message), never for
time to pass, with generous explicit timeouts: a batch in the page takes seconds on a busy
2-core machine.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import urllib.request

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from conftest import CHINA, ROOT

from sim import ScenarioError, TTCModel, load_scenario
from sim.dashboard.app import browser, find_chromium, open_page, serve
from sim.runner.batch import simulate
from sim.scenario import to_toml

needs_chromium = pytest.mark.skipif(
    find_chromium() is None,
    reason="Debian's chromium is not installed (apt-get install chromium): no browser to drive",
)

TIMEOUT_MS = 120_000
"""Every wait in the page: a batch of :data:`RUNS` runs (plus its baseline) on a loaded 2-core
machine fits many times over."""
RUNS = 30
"""Runs per batch in the page: enough for the effect of US reach to stand far out of the noise
(effective alignment 1.0 against about 0.6 for these seeds), few enough to take seconds."""

ABSOLUTE_PATH = re.compile(r"(?<![\w.~-])/[\w.-]+/")
"""An absolute file path (``/work/...``, ``/usr/...``) as it would appear in a traceback."""


def share(text: str) -> float:
    m = re.fullmatch(r"\s*(\d+)%\s*", text)
    assert m, text
    return int(m.group(1)) / 100


# ----------------------------------------------------------------------------- without a browser


def test_figures_leave_no_pyplot_figure_open():
    from sim.dashboard.app import batch_figure, single_run_figure

    sc = load_scenario(CHINA)
    before = plt.get_fignums()
    single_run_figure(TTCModel(sc, rng=1).run(), "china_sme")
    df = simulate([sc], 4, 1)
    batch_figure({"current": df, "baseline": df}, "china_sme")
    assert plt.get_fignums() == before


@pytest.mark.parametrize("name", ["ttc_2021_2025", "russia_2022", "china_2022"])
def test_every_shipped_scenario_shows_every_track(name):
    """The joint scenario and the one-track ones: a run's figure and a batch's summary and
    figure for each hard track the track selector offers."""
    from sim.dashboard.app import (
        METRICS,
        batch_figure,
        build,
        chosen_track,
        hard_tracks,
        single_run_figure,
        summary,
    )

    sc, _, error = build(name, {}, "")
    assert not error and sc is not None
    tracks = hard_tracks(sc)
    assert tracks and chosen_track(sc, "no_such_track") == tracks[0]
    model = TTCModel(sc, rng=1).run()
    df = simulate([sc], 3, 1)
    for track in tracks:
        assert chosen_track(sc, track) == track
        single_run_figure(model, track)
        batch_figure({"current": df, "baseline": df}, track)
        shown = summary(df, track)
        assert set(shown) == {m.key for m in METRICS}
        assert 0 <= shown["coordinated"] <= 1


@pytest.mark.parametrize("extra", ["", "us.reach=0", "scenario.name=china_2022", "scenario.name=russia_2022"])
def test_the_dashboard_scenario_never_takes_a_shipped_name(extra, tmp_path):
    from sim.dashboard.app import build

    sc, _, error = build("china_2022", {}, extra)
    assert not error and sc is not None
    assert sc.name.endswith("_dashboard"), sc.name
    path = tmp_path / "exported.toml"
    path.write_text(to_toml(sc))
    assert load_scenario(path).name == sc.name
    # a batch over the shipped file and the export keeps them apart
    df = simulate([CHINA, path], 2, 1)
    assert sorted(df.scenario.unique()) == sorted({"china_2022", sc.name})


def test_a_user_chosen_name_is_kept():
    from sim.dashboard.app import build

    sc, _, _ = build("china_2022", {}, "scenario.name=no_reach")
    assert sc is not None and sc.name == "no_reach"


@pytest.mark.parametrize("name", ["ttc_2021_2025", "russia_2022", "china_2022"])
def test_the_levers_come_from_the_parameter_schema(name):
    """Each lever is a path of the schema, shown with the schema's range and meaning: the
    channel costs, Japan on the chosen track, the regime veto and the countermeasures among
    them; the chosen track's target fills in its countermeasure lever."""
    from sim.dashboard.app import LEVERS, build, controls, hard_tracks
    from sim.scenario.schema import schema
    from sim.scenario.values import numeric_path

    sc, _, _ = build(name, {}, "")
    assert sc is not None
    listed = {row.path: row for row in schema()}
    for track in hard_tracks(sc):
        shown = {c.path: c for c in controls(sc, track)}
        target = next(t.target for t in sc.tracks if t.id == track)
        for path in (
            "constants.unilateral_cost",
            "constants.minilateral_cost",
            f"tracks.{track}.allies.JP.threat",
            f"tracks.{track}.allies.JP.us_dependence",
            "mechanisms.regime_cascade",
            "mechanisms.countermeasures",
            "eu.rule",
        ):
            assert path in shown, (track, path)
        retaliation = [p for p in shown if p.endswith(".retaliation")]
        assert retaliation == ([f"targets.{target}.retaliation"] if target else [])  # none without one
        for c in shown.values():
            generic = re.sub(
                r"\.([A-Z]{2}|\*)\.", ".<ISO2>.", c.path.replace(f"tracks.{track}.", "tracks.<id>.")
            )
            row = listed[generic]
            assert row.meaning.startswith(c.meaning)
            if c.kind == "number":
                low, high = numeric_path("test", c.path, sc=sc)
                assert c.low == low and c.high == (min(high, sc.months) if row.unit == "months" else high)
        assert shown["mechanisms.countermeasures"].kind == "switch"
        assert shown["eu.rule"].kind == "choice" and shown["eu.rule"].choices == ("unanimity", "qmv")
    assert len({lever.path for lever in LEVERS}) == len(LEVERS)


def test_a_lever_the_schema_does_not_have_is_refused(monkeypatch):
    import sim.dashboard.app as app

    sc, _, _ = app.build("china_2022", {}, "")
    monkeypatch.setattr(app, "LEVERS", (*app.LEVERS, app.Lever("The US", "us.patiense")))
    with pytest.raises(ScenarioError, match="did you mean 'us.patience'"):
        app.controls(sc, "china_sme")


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        ({"mechanisms.countermeasures": False}, "mechanisms.countermeasures=false"),
        ({"eu.rule": "qmv"}, "eu.rule=qmv"),
        ({"tracks.china_sme.allies.JP.threat": 0.9}, "tracks.china_sme.allies.JP.threat=0.9"),
        ({"constants.minilateral_cost": 0.5}, "constants.minilateral_cost=0.5"),
    ],
)
def test_every_kind_of_lever_is_an_override_the_scenario_takes(changed, expected):
    from sim.dashboard.app import build, command_line

    sc, ov, error = build("china_2022", changed, "")
    assert not error and sc is not None and ov == [expected]
    path, value = next(iter(changed.items()))
    assert sc.values[path] == value
    assert f"--set '{expected}'" in command_line("china_2022", ov)


def test_switching_countermeasures_off_shows_in_the_batch_summary():
    """The countermeasures lever reaches the model: without them the target never answers."""
    from sim.dashboard.app import build, summary

    on, _, _ = build("china_2022", {}, "")
    off, _, _ = build("china_2022", {"mechanisms.countermeasures": False}, "")
    assert summary(simulate([on], 6, 1), "china_sme")["countermeasure"] > 0.5
    assert summary(simulate([off], 6, 1), "china_sme")["countermeasure"] == 0


def test_a_control_shows_the_chosen_tracks_own_value():
    from sim.dashboard.app import build, current_value

    sc, _, _ = build("ttc_2021_2025", {}, "")
    assert sc is not None
    assert current_value(sc, "us.reach", "china_sme") == (
        0.6,
        "china_sme's own; moving sets it on every track",
    )
    assert current_value(sc, "us.reach", "russia_dual_use")[0] == 0.8
    value, note = current_value(sc, "us.patience", "china_sme")
    assert value == 13 and note == "china_sme's own, sampled uniform 8..18; moving fixes it on every track"
    assert current_value(sc, "mechanisms.countermeasures", "china_sme") == (True, "")


def test_scenario_errors_are_one_line_without_paths():
    from sim.dashboard.app import build, user_message

    _, _, error = build("china_2022", {}, "us.patience=-5")
    assert "us.patience: -5" in error and "\n" not in error
    shipped_file = ScenarioError(str(ROOT / "scenarios" / "x.toml"), "us.threat", "must be in 0..1")
    assert user_message(shipped_file) == "x.toml: us.threat: must be in 0..1"
    nested = ScenarioError("--set", "scenario.extends", f"cycle: {ROOT}/a.toml -> {ROOT}/b.toml")
    assert not ABSOLUTE_PATH.search(user_message(nested)), user_message(nested)


def test_unexpected_errors_show_a_generic_line(monkeypatch, caplog):
    """A fault the scenario code does not turn into a ScenarioError (here an injected OSError
    naming a file) gives a generic line on the page; the details go to the server log."""
    import sim.dashboard.app as app

    def broken(*args, **kwargs):
        raise OSError(f"[Errno 5] Input/output error: '{ROOT}/scenarios/china_2022.toml'")

    monkeypatch.setattr(app, "load_scenario", broken)
    sc, _, error = app.build("china_2022", {}, "")
    assert sc is None
    assert error and "\n" not in error and not ABSOLUTE_PATH.search(error) and "Errno" not in error
    assert "Input/output error" in caplog.text  # the server log keeps the details


def test_the_app_imports_as_a_plain_file(monkeypatch):
    """``solara run sim/app.py`` loads the file by path, outside the package."""
    spec = importlib.util.spec_from_file_location("ttcsim_dashboard_by_path", ROOT / "sim" / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    assert callable(module.Page)


def test_solara_run_by_path_serves_the_page(tmp_path):
    """``solara run sim/app.py`` (as Mesa users start a dashboard) serves the page, like
    ``make dashboard`` (``solara run sim.dashboard.app``)."""
    log = tmp_path / "server.log"
    with (
        serve(app=str(ROOT / "sim" / "app.py"), log=log) as url,
        urllib.request.urlopen(url, timeout=30) as r,
    ):
        assert r.status == 200
    assert "Traceback" not in log.read_text()


# ----------------------------------------------------------------------------- in a browser


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    log = tmp_path_factory.mktemp("dash") / "server.log"
    with serve(log=log) as url:
        yield url
    assert "More than 20 figures" not in log.read_text()


@pytest.fixture(scope="module")
def chromium():
    with browser() as running:
        yield running


@pytest.fixture
def page(chromium, dashboard):
    """A fresh page (its own session) that records any JavaScript dialog it raises."""
    with open_page(chromium, dashboard) as page:
        page.dialogs = []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        yield page


def set_extra(page, text: str) -> None:
    extra = page.locator(".ttc-extra input")
    extra.fill(text)
    extra.press("Enter")


def set_runs(page, n: int) -> None:
    """Type the batch size and wait until the page holds it."""
    from playwright.sync_api import expect

    runs = page.locator(".ttc-runs input")
    runs.fill(str(n))
    runs.press("Enter")
    expect(runs).to_have_value(str(n), timeout=TIMEOUT_MS)


def run_batch(page, number: int, settings: str = "") -> None:
    """Click "Run batch" (once the page enables it) and wait until the status line says that
    batch ``number`` of :data:`RUNS` runs, with these ``settings``, is done."""
    from playwright.sync_api import expect

    button = page.locator(".ttc-run-batch")
    expect(button).to_be_enabled(timeout=TIMEOUT_MS)
    button.click()
    # the status line and the summary are drawn from the same result in one render: once the
    # line names this batch, the summary beside it is this batch's
    status = page.locator(".ttc-batch-status")
    expect(status).to_contain_text(f"batch {number} done: {RUNS} runs", timeout=TIMEOUT_MS)
    expect(status).to_contain_text(settings, timeout=TIMEOUT_MS)


@needs_chromium
def test_moving_a_preference_shifts_the_batch_outcomes(page, tmp_path):
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Batch").click()
    set_runs(page, RUNS)
    run_batch(page, 1)
    expect(page.locator(".ttc-summary-track")).to_contain_text("china_sme", timeout=TIMEOUT_MS)
    current = page.locator(".ttc-current-effective_alignment")
    before = float(current.inner_text())
    baseline = float(page.locator(".ttc-baseline-effective_alignment").inner_text())
    assert before == baseline  # nothing moved yet: the same seeds give the same summary
    assert share(page.locator(".ttc-current-outside_ttc").inner_text()) >= 0.9  # as in history

    # take away US extraterritorial reach: fewer suppliers align with the US rule
    page.locator(".ttc-input-us-reach input").fill("0")
    page.locator(".ttc-input-us-reach input").press("Enter")
    expect(page.locator(".ttc-command")).to_contain_text("--set 'us.reach=0.0'", timeout=TIMEOUT_MS)
    run_batch(page, 2, "us.reach=0.0")
    after = float(current.inner_text())
    assert after < before - 0.1, (before, after)
    assert float(page.locator(".ttc-baseline-effective_alignment").inner_text()) == baseline
    nl = share(page.locator(".ttc-current-national-NL").inner_text())
    assert nl < share(page.locator(".ttc-baseline-national-NL").inner_text())

    # the settings export as a scenario file that reproduces them from the CLI, under a name of
    # its own so a batch over it and the shipped file keeps them apart
    with page.expect_download(timeout=TIMEOUT_MS) as dl:
        page.get_by_text("Export these settings as a scenario file").click()
    path = tmp_path / "exported.toml"
    dl.value.save_as(path)
    exported = load_scenario(path)
    assert exported.values["us.reach"] == 0.0
    assert exported.name == "china_2022_dashboard"
    with page.expect_download(timeout=TIMEOUT_MS) as dl:
        page.get_by_text("Export the batch as Parquet").click()
    dl.value.save_as(tmp_path / "batch.parquet")
    rows = pd.read_parquet(tmp_path / "batch.parquet")
    assert len(rows) == RUNS and set(rows.scenario) == {"china_2022_dashboard"}

    # bad input shows a message and the server keeps serving
    set_extra(page, "us.patience=-5")
    expect(page.locator(".ttc-error")).to_contain_text("us.patience: -5", timeout=TIMEOUT_MS)
    set_extra(page, "us.patience=30")
    expect(page.locator(".ttc-error")).to_have_count(0, timeout=TIMEOUT_MS)
    expect(page.locator(".ttc-command")).to_contain_text("--set 'us.patience=30'", timeout=TIMEOUT_MS)
    assert not page.dialogs


@needs_chromium
@pytest.mark.parametrize(
    "markup",
    ["<img src=x onerror=alert(1)>", "`<img src=x onerror=alert(1)>`", "**bold** <b>b</b> [link](http://x)"],
)
def test_markup_in_an_override_shows_as_text(page, markup):
    from playwright.sync_api import expect

    # the baseline is the rendered page's own emphasis: wait for the render before counting
    expect(page.locator(".ttc-command")).to_be_visible(timeout=TIMEOUT_MS)
    emphasis = page.locator("b, strong").count()
    set_extra(page, f"scenario.description={markup}")
    expect(page.locator(".ttc-description")).to_have_text(markup, timeout=TIMEOUT_MS)
    expect(page.locator(".ttc-command")).to_contain_text(markup, timeout=TIMEOUT_MS)
    page.locator(".ttc-run-one").click()  # the run's outcome and events are text too
    expect(page.locator(".ttc-events")).to_contain_text("unilateral", timeout=TIMEOUT_MS)
    assert page.locator("img[src='x'], a[href='http://x']").count() == 0
    assert page.locator("b, strong").count() == emphasis
    assert not page.dialogs


@needs_chromium
def test_a_template_shows_literally(page):
    from playwright.sync_api import expect

    set_extra(page, "scenario.description={{ 7*7 }}")
    expect(page.locator(".ttc-description")).to_have_text("{{ 7*7 }}", timeout=TIMEOUT_MS)
    expect(page.locator(".ttc-command")).to_contain_text("scenario.description={{ 7*7 }}", timeout=TIMEOUT_MS)
    assert "49" not in page.locator(".ttc-command").inner_text()


@needs_chromium
@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("us.patience=-5", "us.patience: -5"),
        ("us.patiense=12", "us.patiense"),
        ("us.threat={dist={}}", "us.threat"),  # once an unhashable-type crash
    ],
)
def test_a_bad_override_keeps_the_inputs_and_shows_one_line(page, bad, message):
    from playwright.sync_api import expect

    reach = page.locator(".ttc-input-us-reach input")
    reach.fill("0.3")
    reach.press("Enter")
    expect(page.locator(".ttc-command")).to_contain_text("us.reach=0.3", timeout=TIMEOUT_MS)
    set_extra(page, bad)
    error = page.locator(".ttc-error")
    expect(error).to_be_visible(timeout=TIMEOUT_MS)
    if bad != "us.threat={dist={}}":  # the scenario code may or may not name this one
        expect(error).to_contain_text(message, timeout=TIMEOUT_MS)
    assert "\n" not in error.inner_text().strip()
    expect(reach).to_have_value("0.3", timeout=TIMEOUT_MS)
    expect(page.locator(".ttc-extra input")).to_have_value(bad, timeout=TIMEOUT_MS)
    body = page.locator("body").inner_text()
    assert "Traceback" not in body and not ABSOLUTE_PATH.search(body), body
    # a bad seed is a message too, and the run buttons wait for a good one
    page.locator(".ttc-seed input").fill("-1")
    page.locator(".ttc-seed input").press("Enter")
    expect(page.locator(".ttc-seed-error")).to_contain_text("seed", timeout=TIMEOUT_MS)
    expect(page.locator(".ttc-run-one")).to_be_disabled(timeout=TIMEOUT_MS)


@needs_chromium
def test_the_new_levers_reach_the_batch(page):
    """The countermeasures switch and Japan's lever on the chosen track are overrides like any
    other: the command line shows them, a batch without countermeasures has the target never
    answer, and switching back removes the override."""
    from playwright.sync_api import expect

    command = page.locator(".ttc-command")
    expect(command).to_be_visible(timeout=TIMEOUT_MS)
    japan = page.locator(".ttc-input-tracks-china_sme-allies-JP-threat input")
    japan.fill("0.9")
    japan.press("Enter")
    expect(command).to_contain_text("--set 'tracks.china_sme.allies.JP.threat=0.9'", timeout=TIMEOUT_MS)
    switch = page.locator(".ttc-input-mechanisms-countermeasures label")
    switch.click()
    expect(command).to_contain_text("--set 'mechanisms.countermeasures=false'", timeout=TIMEOUT_MS)
    page.get_by_role("tab", name="Batch").click()
    set_runs(page, RUNS)
    run_batch(page, 1, "mechanisms.countermeasures=false")
    assert share(page.locator(".ttc-current-countermeasure").inner_text()) == 0
    assert share(page.locator(".ttc-baseline-countermeasure").inner_text()) > 0.5
    switch.click()
    expect(command).not_to_contain_text("mechanisms.countermeasures", timeout=TIMEOUT_MS)
    expect(command).to_contain_text("allies.JP.threat=0.9", timeout=TIMEOUT_MS)
    assert not page.dialogs
