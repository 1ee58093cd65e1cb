"""Checks of the graded exercises: `check("sigmoid", sigmoid)` prints one line or raises CheckFailure.

A check calls your function on fresh inputs (non-square, distinct sizes, drawn from `seed`),
compares the result with the reference implementation and with the exercise's properties, and
names the mistake when the result matches a known one. `hidden=True` adds edge cases (one
example, wider layers, extreme values). The same function, seed and `hidden` always get the same
verdict. The machinery lives in `_framework.py`; one module per notebook idea holds the checks.
"""
from __future__ import annotations

import warnings
import zlib

import numpy as np

# One module per notebook; importing a module registers its checks.
from . import (
    activations,  # noqa: F401  (notebook 02)
    backprop,  # noqa: F401  (notebook 06)
    costs,  # noqa: F401  (notebook 05)
    evaluation,  # noqa: F401  (notebook 08)
    forward,  # noqa: F401  (notebook 04)
    layers,  # noqa: F401  (notebook 03)
    neuron,  # noqa: F401  (notebook 01)
    training,  # noqa: F401  (notebook 07)
)
from ._framework import CHECKS, EXERCISES, CheckFailure

# Course order: by notebook, then in the order each module registers its exercises.
_in_order = sorted(EXERCISES.items(), key=lambda item: item[1])
EXERCISES.clear()
EXERCISES.update(_in_order)

__all__ = ["check", "CheckFailure", "EXERCISES"]


def check(name: str, func, *, seed: int = 0, hidden: bool = False) -> None:
    """Check `func` as the solution of exercise `name`; print one line on success.

    seed: chooses the sizes and values of the inputs (the graded hidden tests use other seeds).
    hidden: also run the edge cases (m = 1, wider layers, extreme values).
    Raises CheckFailure (an AssertionError) naming the problem; ValueError for an unknown name.
    """
    if name not in CHECKS:
        raise ValueError(f"unknown exercise {name!r}; known exercises: {', '.join(EXERCISES)}")
    if not callable(func):
        raise CheckFailure(name, f"expected a function, got {type(func).__name__}.",
                           hint=f"pass the function itself, check({name!r}, {name}), without calling it.")
    rng = np.random.default_rng([int(seed), zlib.crc32(name.encode())])
    try:
        # The check computes known-wrong variants that may overflow: never print a warning (nbgrader
        # scores a cell 0 on any stderr output). call_student sets its own rules for the student's call.
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            summary = CHECKS[name](func, rng, bool(hidden))
    except CheckFailure as failure:
        # Show the student the failure, not the checking machinery's stack.
        raise failure.with_traceback(None) from None
    print(f"{name}: passed: {summary}")
