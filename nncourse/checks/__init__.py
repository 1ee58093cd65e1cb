"""Checks of the graded exercises: `check("sigmoid", sigmoid)` prints one line or raises CheckFailure.

A check calls your function on fresh inputs (non-square, distinct sizes, drawn from `seed`),
compares the result with the reference implementation and with the exercise's properties, and
names the mistake when the result matches a known one. `hidden=True` draws other and larger inputs
of the same kinds (the graded hidden tests use it with other seeds): a function that passes the
public check meets every requirement the hidden tests verify. The same function, seed and `hidden`
always get the same verdict. The machinery lives in `_framework.py`; one module per notebook holds
its checks, imported here in course order (importing a module registers its checks).
"""
from __future__ import annotations

import warnings
import zlib

import numpy as np

# Course order, not alphabetical: importing a module registers its checks, notebook by notebook.
# isort: off
from . import neuron  # noqa: F401 - 01
from . import activations  # noqa: F401 - 02
from . import layers  # noqa: F401 - 03
from . import forward  # noqa: F401 - 04
from . import costs  # noqa: F401 - 05
from . import backprop  # noqa: F401 - 06
from . import training  # noqa: F401 - 07
from . import evaluation  # noqa: F401 - 08
# isort: on
from ._framework import CHECKS, EXERCISES, CheckFailure, reference_use_message

__all__ = ["check", "CheckFailure", "EXERCISES", "reference_use_message"]


def check(name: str, func, *, seed: int = 0, hidden: bool = False) -> None:
    """Check `func` as the solution of exercise `name`; print one line on success.

    seed: chooses the sizes and values of the inputs (the graded hidden tests use other seeds).
    hidden: also draw other and larger inputs of the same kinds.
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
