"""The interactive Solara dashboard (its entry point for ``solara run`` is sim/app.py)."""
