"""The dashboard's entry point for Solara: ``solara run sim/app.py`` (or ``make dashboard``).

The dashboard itself lives in :mod:`sim.dashboard.app`; this file only hands Solara its page.
"""

from sim.dashboard.app import Page

__all__ = ["Page"]
