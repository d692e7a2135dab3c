"""A screenshot of the dashboard for the README: ``results/dashboard.png``.

Starts the dashboard, moves one preference in headless Chromium (Debian's package, driven by
Playwright), runs a batch, waits until the page shows the batch's figure and captures the page.
Usage: ``python experiments/dashboard_screenshot.py [--out FILE]``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.dashboard.app import BROWSER_TIMEOUT_MS, browser_page, find_chromium, serve

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "dashboard.png")
    args = ap.parse_args(argv)
    if find_chromium() is None:
        print("needs Debian's chromium: apt-get install chromium", file=sys.stderr)
        return 2
    from playwright.sync_api import expect

    with serve() as url, browser_page(url, 1500, 1150) as page:
        page.get_by_role("tab", name="Batch").click()
        page.locator(".ttc-input-members-DE-retaliation_fear input").fill("0.2")
        page.locator(".ttc-input-members-DE-retaliation_fear input").press("Enter")
        expect(page.locator(".ttc-command")).to_contain_text(
            "retaliation_fear=0.2", timeout=BROWSER_TIMEOUT_MS
        )
        page.locator(".ttc-run-batch").click()
        expect(page.locator(".ttc-batch-status")).to_contain_text("batch 1 done", timeout=BROWSER_TIMEOUT_MS)
        figure = page.locator(".ttc-batch-figure img")
        expect(figure).to_be_visible(timeout=BROWSER_TIMEOUT_MS)
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=figure.element_handle())
        page.screenshot(path=str(args.out), full_page=True)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
