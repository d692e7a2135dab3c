"""The one error of bad input: which file or source, which key, and what is wrong."""

from __future__ import annotations

from typing import Any

from sim.messages import clip, printable


class ScenarioError(ValueError):
    """A scenario file or override is invalid. ``str()`` is the one-line message for users:
    unprintable characters appear escaped and over-long parts are cut in the middle.

    ``source`` is a file's path or a plain name of where the input came from (``set`` for
    ``PATH=VALUE`` overrides); a command line translates such names into its own flags."""

    def __init__(self, source: str, key: str, problem: str):
        self.source, self.key, self.problem = source, key, problem
        parts = [clip(printable(source), 200), clip(printable(key), 100), clip(printable(problem), 240)]
        super().__init__(": ".join(part for part in parts if part))

    def __reduce__(self) -> tuple[Any, ...]:
        return (ScenarioError, (self.source, self.key, self.problem))
