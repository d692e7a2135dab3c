"""The dashboard in a real browser: Debian's headless Chromium driven by Playwright.

Skipped, with the reason, where Chromium is not installed (CI installs it in .ci/run)."""

from __future__ import annotations

import re

import pytest

from sim import load_scenario
from sim.app import browser_page, find_chromium, serve

pytestmark = pytest.mark.skipif(
    find_chromium() is None,
    reason="Debian's chromium is not installed (apt-get install chromium): no browser to drive",
)


def share(text: str) -> float:
    m = re.fullmatch(r"\s*(\d+)%\s*", text)
    assert m, text
    return int(m.group(1)) / 100


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    log = tmp_path_factory.mktemp("dash") / "server.log"
    with serve(log=log) as url:
        yield url


def test_moving_a_preference_shifts_the_batch_outcomes(dashboard, tmp_path):
    from playwright.sync_api import expect

    with browser_page(dashboard) as page:
        page.get_by_role("tab", name="Batch").click()
        page.locator(".ttc-runs input").fill("120")
        page.locator(".ttc-runs input").press("Enter")
        page.locator(".ttc-run-batch").click()
        current = page.locator(".ttc-current-us_unilateral")
        current.wait_for()
        before = share(current.inner_text())
        baseline = share(page.locator(".ttc-baseline-us_unilateral").inner_text())
        assert before == baseline >= 0.9  # nothing moved yet: the same seeds give the same shares

        # take away US extraterritorial reach: acting alone loses its point
        page.locator(".ttc-input-us-reach input").fill("0")
        page.locator(".ttc-input-us-reach input").press("Enter")
        expect(page.get_by_text("--set 'us.reach=0.0'")).to_be_visible()
        page.locator(".ttc-run-batch").click()
        expect(current).not_to_have_text(current.inner_text())
        after = share(current.inner_text())
        assert after < before - 0.5, (before, after)
        assert share(page.locator(".ttc-baseline-us_unilateral").inner_text()) == baseline
        nl = share(page.locator(".ttc-current-national-NL").inner_text())
        assert nl < share(page.locator(".ttc-baseline-national-NL").inner_text())

        # the settings export as a scenario file that reproduces them from the CLI
        with page.expect_download() as dl:
            page.get_by_text("Export these settings as a scenario file").click()
        path = tmp_path / "exported.toml"
        dl.value.save_as(path)
        assert load_scenario(path).values["us.reach"] == 0.0
        with page.expect_download() as dl:
            page.get_by_text("Export the batch as Parquet").click()
        dl.value.save_as(tmp_path / "batch.parquet")
        import pandas as pd

        assert len(pd.read_parquet(tmp_path / "batch.parquet")) == 120

        # bad input shows a message and the server keeps serving
        extra = page.locator(".ttc-extra input")
        extra.fill("us.patience=-5")
        extra.press("Enter")
        expect(page.locator(".ttc-error")).to_contain_text("us.patience: -5")
        extra.fill("us.patience=30")
        extra.press("Enter")
        expect(page.locator(".ttc-error")).to_have_count(0)
        expect(page.get_by_text("--set 'us.patience=30'")).to_be_visible()
