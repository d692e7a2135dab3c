"""Compiled kernels: the per-adopter loops of the monthly mechanisms, compiled with numba.

A mechanism marks a loop over adopters with :func:`kernel`; the loop stays in the mechanism's
module, beside the array code it serves. Each kernel does the same floating-point operations
in the same order as the array expression it replaces (elementwise arithmetic and
comparisons, minima and maxima), so a run gives the same numbers to the last bit; sums and dot
products, whose order numpy and BLAS choose, stay with numpy. (A compiled minimum or maximum
of +0.0 and -0.0 may keep the sign numpy would not; no run meets one, as the perceptions'
noise is never -0.0 and the other operands are positive.)

numba (with its LLVM) is imported only when a kernel is first called: a process that never
runs the model (the command line checking a file, a batch's coordinating process) goes
without it. Each kernel then compiles on its first call with new argument types, or loads
from numba's cache in ``__pycache__`` (compiling all of them takes a few seconds once per
checkout; loading, well under a second per process; without a writable cache they compile in
every process). numba checks a cached kernel against its own file only, so a kernel may call
only kernels of its own module: :func:`_compile` refuses one that calls another module's.
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

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        compiled = self.compiled or _compile()[self]
        return compiled(*args, **kwargs)


def kernel(function: Callable[..., Any]) -> Kernel:
    """Mark ``function`` (numba's nopython subset) as a compiled kernel."""
    return Kernel(function)


def _calls_elsewhere(k: Kernel) -> list[str]:
    """The kernels of other modules that ``k`` calls by name."""
    names = k.function.__code__.co_names
    globals_ = k.function.__globals__
    return [
        name
        for name in names
        if isinstance(globals_.get(name), Kernel) and globals_[name].__module__ != k.__module__
    ]


def _compile() -> dict[Kernel, Callable[..., Any]]:
    """Compile every kernel declared so far, and put the compiled function in place of the
    kernel in every module of the package: numba resolves a kernel's calls to other kernels
    through its module's globals, and later calls then skip this wrapper."""
    from numba import njit

    with _LOCK:
        for k in _KERNELS:
            if k.compiled is None:
                elsewhere = _calls_elsewhere(k)
                if elsewhere:
                    raise TypeError(
                        f"kernel {k.__module__}.{k.function.__qualname__} calls {', '.join(elsewhere)} of "
                        "another module: numba's cache would not see it change; move them together"
                    )
                try:
                    k.compiled = njit(cache=True)(k.function)
                except RuntimeError:  # no writable cache: compile in this process only
                    k.compiled = njit(k.function)
        for name, module in list(sys.modules.items()):
            if name.split(".")[0] == "sim":
                for attr, value in list(vars(module).items()):
                    if isinstance(value, Kernel) and value.compiled is not None:
                        setattr(module, attr, value.compiled)
        return {k: k.compiled for k in _KERNELS if k.compiled is not None}
