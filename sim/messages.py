"""How user input appears in error messages: escaped, short, and with a "did you mean".

A message is one line on a terminal or in the dashboard. Whatever a user typed or a file
held (a key with an escape sequence, a 100,000-character value, a table nested 300 deep)
must neither move the cursor, recolour or reverse the text that follows, nor flood the line.
"""

from __future__ import annotations

import difflib
import reprlib
from collections.abc import Iterable
from typing import Any

# how alike (difflib's ratio) a choice must be to be suggested: 0.5 lets a two-letter member
# code with one letter wrong (NK for NL) through
CLOSE = 0.5
_SHORT = reprlib.Repr(maxlevel=2, maxstring=60, maxother=60, maxlong=40, maxlist=4, maxdict=4)


def printable(text: str) -> str:
    """``text`` with every unprintable character (controls such as ESC or newline, format
    characters such as a right-to-left override, lone surrogates from undecodable file names)
    written as its Python escape, e.g. ``\\x1b``."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def clip(text: str, limit: int) -> str:
    """``text`` shortened to ``limit`` characters by cutting out its middle."""
    if len(text) <= limit:
        return text
    keep = (limit - 3) // 2
    return f"{text[:keep]}...{text[len(text) - keep :]}"


def show(value: Any) -> str:
    """A value as it appears in a message: its repr, cut short (strings, numbers, nesting)."""
    return _SHORT.repr(value)


def suggest(word: str, choices: Iterable[str], prefix: str = "") -> str:
    """`` (did you mean 'X'?)`` naming the choice closest to a mistyped ``word`` (ignoring case,
    by :class:`difflib.SequenceMatcher`, as ``difflib.get_close_matches``), or up to three
    equally close ones, each written after ``prefix``; empty when none is close.

    Append it to a problem: ``f"unknown key{suggest(key, keys, 'us.')}"`` gives
    ``unknown key (did you mean 'us.patience'?)`` for ``patiense``."""
    folded = word.casefold()
    scored = []
    for choice in dict.fromkeys(choices):
        ratio = difflib.SequenceMatcher(None, folded, choice.casefold()).ratio()
        if ratio >= CLOSE:
            scored.append((ratio, choice))
    if not scored:
        return ""
    best = max(ratio for ratio, _ in scored)
    names = [repr(prefix + choice) for ratio, choice in scored if ratio == best][:3]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return f" (did you mean {listed}?)"
