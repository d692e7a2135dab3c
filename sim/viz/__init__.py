"""Figures, built as matplotlib Figure objects (no backend switch, no pyplot state)."""
