"""Overrides ``PATH=VALUE``: the text of one setting, as a command line or a sweep gives it.

Errors name their source plainly (``set``); a command line translates it into its flag.
"""

from __future__ import annotations

import tomllib
from typing import Any

from sim.scenario.errors import ScenarioError
from sim.scenario.files import TOO_DEEP

SOURCE = "set"
"""How errors name an override given as ``PATH=VALUE`` text."""


def parse_override(text: str) -> tuple[str, Any]:
    """Split ``PATH=VALUE``; VALUE is parsed as TOML, else taken as a bare string."""
    if "=" not in text:
        raise ScenarioError(SOURCE, text, "expected PATH=VALUE")
    path, raw = text.split("=", 1)
    path, raw = path.strip(), raw.strip()
    if not path:
        raise ScenarioError(SOURCE, text, "empty PATH")
    return path, parse_value(raw, SOURCE, path)


def parse_value(raw: str, source: str, key: str) -> Any:
    """The VALUE of an override or of a sweep's point, parsed as TOML (a number, a string, an
    inline table), else taken as a bare string; ``source`` and ``key`` name it in errors."""
    try:
        doc = tomllib.loads(f"v = {raw}")
    except tomllib.TOMLDecodeError:
        return raw
    except RecursionError:
        raise ScenarioError(source, key, TOO_DEEP) from None
    # "0.5\nx = 1" parses as two keys: keep the text whole rather than drop a part unseen
    return doc["v"] if len(doc) == 1 else raw
