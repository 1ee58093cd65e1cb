"""Checks of notebook 02: activation functions and their derivatives (elementwise), and softmax."""
from __future__ import annotations

import numpy as np

from nncourse.reference import activations as ref

from ._framework import (as_array, call_student, describe, distinct_sizes, exercise, expect_close,
                         expect_finite, expect_float, expect_shape, fail, format_array, matches,
                         tolerance)

NOTEBOOK = "02_activation_functions"

SIGMOID_STABILITY_HINT = (
    "for large negative z, exp(-z) is too big for a float. Use exp(-|z|) and pick the branch with "
    "np.where (z >= 0: 1 / (1 + exp(-z)); z < 0: exp(z) / (1 + exp(z))), or 0.5 * (1 + np.tanh(z / 2)).")
FLOAT_HINT = "return float values (for example with .astype(float) or np.where(cond, 1.0, 0.0)), not booleans or integers."


def _test_input(rng, shape, scale=2.5, zeros=2):
    """Normal values of the given shape with a few exact zeros (kinks and z >= 0 must be handled)."""
    Z = rng.normal(0.0, scale, size=shape)
    Z.flat[rng.choice(Z.size, size=min(zeros, Z.size), replace=False)] = 0.0
    return Z


def _elementwise(name, func, rng, hidden, *, reference, wrongs=lambda Z: (), stable=False,
                 unstable_hint=None, extremes=None, extreme_range=None, properties=None, **kwargs):
    """The checks every elementwise activation (or derivative) shares; returns the pass summary.

    reference(Z, **kwargs): the expected values.   wrongs(Z): [(wrong_value, hint)] known mistakes.
    extremes: values where only finiteness and `extreme_range` (lo, hi) are required, plus closeness
    with an absolute tolerance.   properties(call, Z, A): extra property checks on the main case.
    """
    def call(Z, what_input=None):
        desc = what_input or describe(z=Z)
        got = call_student(name, func, Z, names=("z",), stable=stable, input_desc=desc,
                           unstable_hint=unstable_hint, **kwargs)
        return got, desc

    def compare(Z, got, desc, *, rtol=None, atol=1e-9, hints=True):
        A = as_array(name, got, what=f"{name}(z)", input_desc=desc)
        expect_shape(name, A, np.shape(Z), what=f"{name}(z)", input_desc=desc,
                     hints=wrongs(Z) if hints else ())
        expect_float(name, A, what=f"{name}(z)", input_desc=desc, hint=FLOAT_HINT)
        expect_close(name, A, reference(Z, **kwargs), what=f"{name}(z)", input_desc=desc,
                     hints=wrongs(Z) if hints else (),
                     rtol=rtol or tolerance(np.asarray(Z).dtype), atol=atol)
        return A

    m, n = distinct_sizes(rng, 2, 3, 9)
    shapes = [(m, n), (n,)]
    if hidden:
        shapes += [(1, n), tuple(distinct_sizes(rng, 3, 2, 6)), (2 * m + 11, n + 9)]
    done = []
    for shape in shapes:
        Z = _test_input(rng, shape)
        got, desc = call(Z)
        A = compare(Z, got, desc)
        if properties is not None:
            properties(lambda z: np.asarray(call(z)[0], dtype=float), Z, A)
    done.append(f"shapes {', '.join(str(s) for s in shapes)}")

    z0 = float(rng.normal(0.0, 2.0))
    got, desc = call(z0, f"z = {z0:.6g} (a Python float)")
    compare(z0, got, desc)
    done.append("a scalar")

    Z32 = _test_input(rng, (n, m)).astype(np.float32)
    got, desc = call(Z32)
    compare(Z32, got, desc, atol=1e-6)
    done.append("float32 input")

    if extremes is not None:
        Ze = np.array(extremes, dtype=float)
        desc = f"z = {format_array(Ze)}"
        got, desc = call(Ze, desc)
        A = as_array(name, got, what=f"{name}(z)", input_desc=desc)
        expect_shape(name, A, Ze.shape, what=f"{name}(z)", input_desc=desc)
        expect_finite(name, A, what=f"{name}(z)", input_desc=desc, hint=unstable_hint)
        if extreme_range is not None:
            lo, hi = extreme_range
            if np.any(A < lo) or np.any(A > hi):
                fail(name, f"{name}(z) left the range [{lo}, {hi}] at extreme z.", input=desc,
                     got=format_array(A))
        expect_close(name, A, reference(Ze, **kwargs), what=f"{name}(z) at extreme z", input_desc=desc,
                     rtol=1e-6, atol=1e-6)
        done.append(f"|z| up to {np.max(np.abs(Ze)):.0e}" + (" without warnings" if stable else ""))
    return ", ".join(done) + "."


# ---------------------------------------------------------------------------------------------
# sigmoid
# ---------------------------------------------------------------------------------------------

def _sigmoid_wrongs(Z):
    Z = np.asarray(Z, dtype=float)
    with np.errstate(all="ignore"):
        return [
            (1 / (1 + np.exp(Z)), "sigmoid(z) equals sigmoid(-z): the sign in the exponent is wrong.",
             "sigmoid(z) = 1 / (1 + exp(-z)): the exponent is minus z."),
            (np.exp(-Z) / (1 + np.exp(-Z)), "sigmoid(z) equals 1 - sigmoid(z).",
             "1 / (1 + exp(-z)) is the sigmoid; exp(-z) / (1 + exp(-z)) is its mirror image."),
            (np.tanh(Z), "sigmoid(z) equals tanh(z).", "sigmoid(z) = 1 / (1 + exp(-z)) lies in (0, 1)."),
        ]


def _sigmoid_properties(call, Z, A):
    mirrored = call(-Z)
    if not np.allclose(mirrored, 1 - A, rtol=1e-6, atol=1e-9):
        fail("sigmoid", "sigmoid(-z) is not 1 - sigmoid(z).", input=describe(z=Z),
             expected=format_array(1 - A), got=format_array(mirrored))
    if np.any(A <= 0) or np.any(A >= 1):
        fail("sigmoid", "sigmoid(z) left the open range (0, 1) for moderate z.", input=describe(z=Z),
             got=format_array(A))


@exercise("sigmoid", notebook=NOTEBOOK)
def check_sigmoid(func, rng, hidden):
    extremes = [-1e4, -1000.0, -40.0, -1.0, 0.0, 1.0, 40.0, 1000.0, 1e4]
    summary = _elementwise("sigmoid", func, rng, hidden, reference=ref.sigmoid, wrongs=_sigmoid_wrongs,
                           stable=True, unstable_hint=SIGMOID_STABILITY_HINT, extremes=extremes,
                           extreme_range=(0.0, 1.0), properties=_sigmoid_properties)
    return "range (0, 1), sigmoid(-z) = 1 - sigmoid(z), " + summary
