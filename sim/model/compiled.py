"""Compiled kernels: the per-adopter loops of the monthly mechanisms, compiled with numba.

A mechanism marks a loop over adopters with :func:`kernel`; the loop stays in the mechanism's
module, beside the array code it serves. Each kernel does the same floating-point operations
in the same order as the array expression it replaces (elementwise arithmetic, comparisons,
minima and maxima), so a run gives the same numbers to the last bit; sums and dot products,
whose order numpy and BLAS choose, stay with numpy.

numba (with its LLVM) is imported, and every kernel compiled or loaded from numba's cache in
``__pycache__``, only when a kernel is first called: a process that never runs the model (the
command line checking a file, a batch's coordinating process) goes without it. Compiling takes
a few seconds once per checkout; loading the cache, well under a second per process.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable
from typing import Any

_KERNELS: list[Kernel] = []
_LOCK = threading.Lock()


class Kernel:
    """A function compiled on its first call (see the module's docstring)."""

    def __init__(self, function: Callable[..., Any]):
        functools.update_wrapper(self, function)
        self.function = function
        self.compiled: Callable[..., Any] | None = None
        _KERNELS.append(self)

    def __call__(self, *args: Any) -> Any:
        compiled = self.compiled or _compile()[self]
        return compiled(*args)


def kernel(function: Callable[..., Any]) -> Kernel:
    """Mark ``function`` (numba's nopython subset) as a compiled kernel."""
    return Kernel(function)


def _compile() -> dict[Kernel, Callable[..., Any]]:
    """Compile every kernel declared so far, and put the compiled function in place of the
    kernel in every module of the package: numba resolves a kernel's calls to other kernels
    through its module's globals, and later calls then skip this wrapper."""
    from numba import njit

    with _LOCK:
        for k in _KERNELS:
            if k.compiled is None:
                k.compiled = njit(cache=True)(k.function)
        for name, module in list(sys.modules.items()):
            if name.split(".")[0] == "sim":
                for attr, value in list(vars(module).items()):
                    if isinstance(value, Kernel) and value.compiled is not None:
                        setattr(module, attr, value.compiled)
        return {k: k.compiled for k in _KERNELS if k.compiled is not None}
