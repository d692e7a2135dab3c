"""Reading the files a scenario names: text within stated limits, and TOML.

Stated limits: a scenario or preferences file holds at most :data:`MAX_FILE_BYTES`; anything
but a regular file (a folder, ``/dev/zero``, a pipe) is refused before it is read.
"""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path
from typing import Any

from sim.scenario.errors import ScenarioError

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
"""The shipped tables: member facts and preference files."""
MAX_FILE_BYTES = 1 << 20  # 1 MiB: the shipped files are a few KiB
TOO_DEEP = "arrays or tables nested too deeply to read (a few hundred levels)"


def read_text(path: Path, referrer: str = "", key: str = "") -> str:
    """The text of a scenario or preferences file: UTF-8, a leading byte-order mark dropped.

    A folder, a device such as ``/dev/zero``, a pipe or a file over :data:`MAX_FILE_BYTES` is
    refused without being read. When another file named this one (``referrer``, at ``key``),
    a file that cannot be read is reported there, with the path tried; a file whose bytes are
    not text is reported under its own name."""
    source, where, tried = (referrer, key, f"{path}: ") if referrer else (str(path), "", "")
    too_large = f"larger than {MAX_FILE_BYTES >> 20} MiB, the limit for scenario and preference files"
    data, problem = b"", ""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            problem = "a folder, not a file"
        elif not stat.S_ISREG(info.st_mode):
            problem = "not a regular file"
        elif info.st_size > MAX_FILE_BYTES:
            problem = too_large
        else:
            with open(path, "rb") as fh:
                data = fh.read(MAX_FILE_BYTES + 1)  # the file may have grown since stat
            problem = too_large if len(data) > MAX_FILE_BYTES else ""
    except FileNotFoundError:
        problem = "file not found"
    except PermissionError:
        problem = "permission denied"
    except OSError as e:
        problem = f"cannot read ({e.strerror or e})"
    except ValueError:  # a NUL byte in the name
        problem = "not a valid file name"
    if problem:
        raise ScenarioError(source, where, tried + problem)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ScenarioError(str(path), "", f"not UTF-8 text (byte {e.start}: {e.reason})") from None


def parse_toml(text: str, source: str, key: str = "") -> dict[str, Any]:
    """The TOML document in ``text``; ``source`` and ``key`` name it in errors."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(source, key, f"malformed TOML: {e}") from None
    except RecursionError:  # the parser recurses once per level of arrays and inline tables
        raise ScenarioError(source, key, TOO_DEEP) from None
