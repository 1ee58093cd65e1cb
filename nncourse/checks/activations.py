"""Checks of notebook 02: activation functions and their derivatives (elementwise), and softmax."""
from __future__ import annotations

import numpy as np

from nncourse import reference as ref

from ._framework import (
    as_array,
    call_student,
    describe,
    distinct_sizes,
    exercise,
    expect_close,
    expect_finite,
    expect_float,
    expect_shape,
    fail,
    format_array,
    matches,
    tolerance,
)

NOTEBOOK = "02_activation_functions"

SIGMOID_STABILITY_HINT = (
    "for large negative z, exp(-z) is too big for a float. Compute e = exp(-|z|), which never overflows, "
    "and pick the branch with np.where (z >= 0: 1 / (1 + e); z < 0: e / (1 + e)), or use "
    "0.5 * (1 + np.tanh(z / 2)). np.where evaluates both branches, so neither may overflow.")
FLOAT_HINT = ("return float values (for example with .astype(float) or np.where(cond, 1.0, 0.0)), "
              "not booleans or integers.")


def test_input(rng, shape, scale=2.5, zeros=2):
    """Normal values of the given shape with a few exact zeros (kinks and z >= 0 must be handled)
    and, where there is room, one value in (0, 1) and one in (-1, 0) (so that capping at 1 shows)."""
    Z = rng.normal(0.0, scale, size=shape)
    special = rng.choice(Z.size, size=min(zeros + 2, Z.size), replace=False)
    Z.flat[special[:zeros]] = 0.0
    if len(special) == zeros + 2:
        Z.flat[special[zeros]] = rng.uniform(0.1, 0.9)
        Z.flat[special[zeros + 1]] = -rng.uniform(0.1, 0.9)
    return Z


def check_elementwise(name, func, rng, hidden, *, reference, wrongs=lambda Z: (), stable=False,
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
        mistakes = wrongs(Z) if hints else ()
        expect_shape(name, A, np.shape(Z), what=f"{name}(z)", input_desc=desc, hints=mistakes)
        expect_float(name, A, what=f"{name}(z)", input_desc=desc, hint=FLOAT_HINT)
        expect_close(name, A, reference(Z, **kwargs), what=f"{name}(z)", input_desc=desc, hints=mistakes,
                     rtol=rtol or tolerance(np.asarray(Z).dtype), atol=atol)
        return A

    m, n = distinct_sizes(rng, 2, 3, 9)
    shapes = [(m, n), (n,)]
    if hidden:
        shapes += [(1, n), tuple(distinct_sizes(rng, 3, 2, 6)), (2 * m + 11, n + 9)]
    done = []
    for shape in shapes:
        Z = test_input(rng, shape)
        got, desc = call(Z)
        A = compare(Z, got, desc)
        if properties is not None:
            properties(lambda z: np.asarray(call(z)[0], dtype=float), Z, A)
    done.append(f"shapes {', '.join(str(s) for s in shapes)}")

    z0 = float(rng.normal(0.0, 2.0))
    got, desc = call(z0, f"z = {z0:.6g} (a Python float)")
    compare(z0, got, desc)
    done.append("a scalar")

    Z32 = test_input(rng, (n, m)).astype(np.float32)
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
                     rtol=1e-6, atol=1e-6, hints=[(reference(np.clip(Ze, -10.0, 10.0), **kwargs),
                                                   f"{name}(z) at extreme z equals {name} of z clipped to [-10, 10].",
                                                   "clip only where it cannot change the result (|z| > 700 or so), "
                                                   "or better, avoid overflow without clipping.")])
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
            (ref.sigmoid(np.clip(Z, -10.0, 10.0)), "sigmoid(z) equals sigmoid of z clipped to [-10, 10].",
             "clip only where it cannot change the result (|z| > 700 or so), or better, avoid overflow "
             "without clipping."),
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
    summary = check_elementwise("sigmoid", func, rng, hidden, reference=ref.sigmoid, wrongs=_sigmoid_wrongs,
                                stable=True, unstable_hint=SIGMOID_STABILITY_HINT, extremes=extremes,
                                extreme_range=(0.0, 1.0), properties=_sigmoid_properties)
    return "range (0, 1), sigmoid(-z) = 1 - sigmoid(z), " + summary


# ---------------------------------------------------------------------------------------------
# tanh, relu, leaky_relu
# ---------------------------------------------------------------------------------------------

def _tanh_wrongs(Z):
    Z = np.asarray(Z, dtype=float)
    with np.errstate(all="ignore"):
        return [
            (np.tanh(Z / 2), "tanh(z) equals 2 * sigmoid(z) - 1, which is tanh(z / 2).",
             "tanh(z) = 2 * sigmoid(2 z) - 1, or simply np.tanh(z)."),
            (ref.sigmoid(Z), "tanh(z) equals sigmoid(z).", "tanh(z) = (e^z - e^-z) / (e^z + e^-z), in (-1, 1)."),
            ((np.exp(Z) - np.exp(-Z)) / 2, "tanh(z) equals sinh(z) = (e^z - e^-z) / 2.",
             "divide by (e^z + e^-z), not by 2."),
        ]


def _odd_property(name):
    def check_odd(call, Z, A):
        mirrored = call(-Z)
        if not np.allclose(mirrored, -A, rtol=1e-6, atol=1e-9):
            fail(name, f"{name}(-z) is not -{name}(z).", input=describe(z=Z),
                 expected=format_array(-A), got=format_array(mirrored))
    return check_odd


@exercise("tanh", notebook=NOTEBOOK)
def check_tanh(func, rng, hidden):
    summary = check_elementwise("tanh", func, rng, hidden, reference=ref.tanh, wrongs=_tanh_wrongs,
                                extremes=[-300.0, -30.0, -1.0, 0.0, 1.0, 30.0, 300.0], extreme_range=(-1.0, 1.0),
                                properties=_odd_property("tanh"))
    return "range (-1, 1), tanh(-z) = -tanh(z), " + summary


def _relu_wrongs(Z):
    Z = np.asarray(Z, dtype=float)
    return [
        (np.abs(Z), "relu(z) equals |z|.", "negative z must give 0: np.maximum(0, z)."),
        ((Z > 0).astype(float), "relu(z) equals its derivative (1 where z > 0, else 0).",
         "relu(z) = max(0, z) keeps the value of z where it is positive."),
        (np.clip(Z, 0, 1), "relu(z) is capped at 1.", "relu has no upper bound: np.maximum(0, z)."),
        (np.where(Z > 0, Z, 0.01 * Z), "relu(z) equals leaky_relu(z).", "negative z must give exactly 0."),
        (np.minimum(Z, 0), "relu(z) equals min(0, z).", "relu(z) = max(0, z), not min."),
    ]


def _nonnegative(call, Z, A):
    if np.any(A < 0):
        fail("relu", "relu(z) returned negative values.", input=describe(z=Z), got=format_array(A))


@exercise("relu", notebook=NOTEBOOK)
def check_relu(func, rng, hidden):
    summary = check_elementwise("relu", func, rng, hidden, reference=ref.relu, wrongs=_relu_wrongs,
                                extremes=[-1e4, -1.0, 0.0, 1.0, 1e4], properties=_nonnegative)
    return "0 for z <= 0, z for z > 0, " + summary


def _leaky_wrongs(alpha):
    def wrongs(Z):
        Z = np.asarray(Z, dtype=float)
        mistakes = [
            (np.maximum(Z, 0), "leaky_relu(z) is 0 for negative z, like relu.",
             "for z <= 0 return alpha * z: np.where(z > 0, z, alpha * z)."),
            (np.where(Z > 0, Z, alpha), "leaky_relu(z) is the constant alpha for negative z.",
             "multiply: alpha * z for z <= 0."),
            (alpha * Z, "leaky_relu(z) is alpha * z everywhere.", "keep z unchanged where z > 0."),
            (np.where(Z > 0, alpha * Z, Z), "leaky_relu(z) scales the positive side instead of the negative one.",
             "z where z > 0, alpha * z elsewhere."),
        ]
        if alpha != 0.01:
            mistakes.insert(0, (np.where(Z > 0, Z, 0.01 * Z),
                                f"leaky_relu ignores its alpha argument (alpha = {alpha} here, you used 0.01).",
                                "use the parameter alpha, not the number 0.01: the default belongs in the signature."))
        return mistakes
    return wrongs


def _alpha(rng):
    return float(rng.choice([0.05, 0.1, 0.2, 0.3]))


@exercise("leaky_relu", notebook=NOTEBOOK)
def check_leaky_relu(func, rng, hidden):
    alpha = _alpha(rng)
    summary = check_elementwise("leaky_relu", func, rng, hidden, reference=ref.leaky_relu,
                                wrongs=_leaky_wrongs(alpha), extremes=[-1e4, -1.0, 0.0, 1.0, 1e4], alpha=alpha)
    check_elementwise("leaky_relu", func, rng, False, reference=ref.leaky_relu, wrongs=_leaky_wrongs(0.01))
    return f"alpha = {alpha} and the default 0.01, " + summary


# ---------------------------------------------------------------------------------------------
# softmax
# ---------------------------------------------------------------------------------------------

SOFTMAX_STABILITY_HINT = (
    "exp(1000) overflows, and in a row like [-1000, -999, -1001] every exp underflows to 0 (0 / 0 = nan). "
    "Subtract each row's own maximum before np.exp (z - z.max(axis=-1, keepdims=True)): softmax does not "
    "change, and the largest exponent of every row becomes exp(0) = 1.")
SOFTMAX_KEEPDIMS_HINT = (
    "the row sums have shape (m,) and do not broadcast against (m, k): sum with keepdims=True "
    "(e.sum(axis=-1, keepdims=True)) so that they have shape (m, 1).")


def _softmax_wrongs(Z):
    Z = np.asarray(Z, dtype=float)
    e = np.exp(Z - Z.max())
    return [
        (e / e.sum(axis=0, keepdims=True), "softmax normalises the columns (axis 0), not the rows.",
         "each row is one example: normalise along the last axis, e.sum(axis=-1, keepdims=True)."),
        (e / e.sum(), "softmax divides by the sum of the whole batch, not by each row's sum.",
         "normalise each row: e.sum(axis=-1, keepdims=True)."),
        (ref.sigmoid(Z), "softmax applied the sigmoid to each entry.",
         "softmax(z)_k = exp(z_k) / sum_j exp(z_j) along each row."),
        (Z / Z.sum(axis=-1, keepdims=True), "softmax divides the scores by their sum without np.exp.",
         "exponentiate first: exp(z_k) / sum_j exp(z_j)."),
    ]


@exercise("softmax", notebook=NOTEBOOK)
def check_softmax(func, rng, hidden):
    name = "softmax"
    m, k = distinct_sizes(rng, 2, 3, 9)
    shapes = [(m, k)]
    if hidden:
        shapes += [(1, k), (2 * m + 13, k + 11)]
    cases = [rng.normal(0.0, 3.0, size=shape) for shape in shapes]
    cases.append(rng.normal(0.0, 3.0, size=(k, m)).astype(np.float32))
    cases.append(np.array([[1000.0, 999.0, 0.0, -3.0], [-1000.0, -999.0, -1001.0, -1003.0], [0.0, 0.0, 0.0, 0.0]]))
    if hidden:
        cases.append(np.array([[1e4, -1e4, 1e4 - 1.0, 0.0], [3.0, 3.0, 3.0, 3.0]]))
    for Z in cases:
        desc = describe(z=Z)
        got = call_student(name, func, Z, names=("z",), stable=True, input_desc=desc,
                           unstable_hint=SOFTMAX_STABILITY_HINT, error_hint=SOFTMAX_KEEPDIMS_HINT)
        P = as_array(name, got, what="softmax(z)", input_desc=desc)
        mistakes = _softmax_wrongs(Z)
        expect_shape(name, P, Z.shape, what="softmax(z)", input_desc=desc, hints=mistakes)
        expect_float(name, P, what="softmax(z)", input_desc=desc, hint=FLOAT_HINT)
        expect_finite(name, P, what="softmax(z)", input_desc=desc, hint=SOFTMAX_STABILITY_HINT)
        sums = P.astype(float).sum(axis=-1)
        rtol = tolerance(Z.dtype)
        expect_close(name, P, ref.softmax(Z), what="softmax(z)", input_desc=desc, hints=mistakes,
                     rtol=rtol, atol=1e-7 if Z.dtype == np.float32 else 1e-9)
        if not np.allclose(sums, 1.0, rtol=0, atol=10 * rtol):
            fail(name, "the rows of softmax(z) do not sum to 1.", input=desc, got=f"row sums {format_array(sums)}")
    shifted = cases[0] + rng.normal(0.0, 50.0, size=(cases[0].shape[0], 1))
    got = call_student(name, func, shifted, names=("z",), stable=True, unstable_hint=SOFTMAX_STABILITY_HINT)
    unshifted = ref.softmax(cases[0])
    if not matches(got, unshifted, rtol=1e-6, atol=1e-9):
        fail(name, "softmax(z + c) differs from softmax(z) for a constant c per row.",
             input=describe(z=shifted), expected=format_array(unshifted), got=format_array(got))
    shapes_text = ", ".join(str(s) for s in shapes)
    return (f"shapes {shapes_text} and float32, rows sum to 1, shift invariance, "
            "logits like [1000, 999, 0] without overflow.")


# ---------------------------------------------------------------------------------------------
# Derivatives
# ---------------------------------------------------------------------------------------------

def _sigmoid_derivative_wrongs(Z):
    Z = np.asarray(Z, dtype=float)
    s = ref.sigmoid(Z)
    return [
        (s * (1 + s), "sigmoid_derivative(z) equals s(1 + s).",
         "the derivative of the sigmoid is s (1 - s) with s = sigmoid(z): minus, not plus."),
        (Z * (1 - Z), "sigmoid_derivative(z) equals z (1 - z): the derivative was taken at A instead of Z.",
         "z is the pre-activation here: first compute s = sigmoid(z), then s * (1 - s)."),
        (s, "sigmoid_derivative(z) returned sigmoid(z) itself.", "the derivative is s * (1 - s)."),
        (1 - s, "sigmoid_derivative(z) returned 1 - sigmoid(z).", "multiply by s: s * (1 - s)."),
    ]


@exercise("sigmoid_derivative", notebook=NOTEBOOK)
def check_sigmoid_derivative(func, rng, hidden):
    summary = check_elementwise("sigmoid_derivative", func, rng, hidden, reference=ref.sigmoid_derivative,
                                wrongs=_sigmoid_derivative_wrongs,
                                extremes=[-100.0, -30.0, 0.0, 30.0, 100.0], extreme_range=(0.0, 0.25))
    return "s (1 - s) at z, " + summary


def _tanh_derivative_wrongs(Z):
    Z = np.asarray(Z, dtype=float)
    t = np.tanh(Z)
    return [
        (1 - Z**2, "tanh_derivative(z) equals 1 - z²: the derivative was taken at A instead of Z.",
         "1 - a² holds for a = tanh(z); here you get z, so compute 1 - np.tanh(z) ** 2."),
        (1 - t, "tanh_derivative(z) equals 1 - tanh(z).", "square it: 1 - tanh(z) ** 2."),
        (t**2, "tanh_derivative(z) equals tanh(z)².", "it is 1 - tanh(z) ** 2."),
        (1 + t**2, "tanh_derivative(z) equals 1 + tanh(z)².", "minus, not plus: 1 - tanh(z) ** 2."),
        (t, "tanh_derivative(z) returned tanh(z) itself.", "the derivative is 1 - tanh(z) ** 2."),
    ]


@exercise("tanh_derivative", notebook=NOTEBOOK)
def check_tanh_derivative(func, rng, hidden):
    summary = check_elementwise("tanh_derivative", func, rng, hidden, reference=ref.tanh_derivative,
                                wrongs=_tanh_derivative_wrongs,
                                extremes=[-300.0, -30.0, 0.0, 30.0, 300.0], extreme_range=(0.0, 1.0))
    return "1 - tanh(z)² at z, " + summary


def _relu_derivative_wrongs(Z):
    Z = np.asarray(Z, dtype=float)
    return [
        (np.maximum(Z, 0), "relu_derivative(z) returned relu(z): it does not mask.",
         "the derivative is 1 where z > 0 and 0 elsewhere: (z > 0).astype(float)."),
        ((Z >= 0).astype(float), "relu_derivative(z) is 1 at z = 0.",
         "the course takes ReLU's derivative to be 0 at z = 0: use z > 0, not z >= 0."),
        (np.ones_like(Z), "relu_derivative(z) is 1 everywhere: it does not mask.",
         "the derivative is 0 wherever z <= 0."),
        ((Z < 0).astype(float), "relu_derivative(z) is 1 for negative z.", "it is 1 where z > 0."),
        (np.sign(Z), "relu_derivative(z) equals sign(z) (-1 for negative z).", "it is 0, not -1, for z <= 0."),
    ]


@exercise("relu_derivative", notebook=NOTEBOOK)
def check_relu_derivative(func, rng, hidden):
    summary = check_elementwise("relu_derivative", func, rng, hidden, reference=ref.relu_derivative,
                                wrongs=_relu_derivative_wrongs, extremes=[-1e4, -1.0, 0.0, 1.0, 1e4])
    return "1 for z > 0, 0 for z <= 0 (including z = 0), " + summary


def _leaky_derivative_wrongs(alpha):
    def wrongs(Z):
        Z = np.asarray(Z, dtype=float)
        mistakes = [
            ((Z > 0).astype(float), "leaky_relu_derivative(z) is 0 for z <= 0, like ReLU's.",
             "leaky ReLU's slope is alpha for z <= 0: np.where(z > 0, 1.0, alpha)."),
            (np.where(Z >= 0, 1.0, alpha), "leaky_relu_derivative(z) is 1 at z = 0.",
             "the contract says alpha at z = 0: use z > 0, not z >= 0."),
            (np.where(Z > 0, Z, alpha * Z), "leaky_relu_derivative(z) returned leaky_relu(z).",
             "the derivative is 1 where z > 0 and alpha elsewhere."),
            (np.where(Z > 0, alpha, 1.0), "leaky_relu_derivative(z) has the slopes swapped.",
             "1 where z > 0, alpha elsewhere."),
        ]
        if alpha != 0.01:
            mistakes.insert(0, (np.where(Z > 0, 1.0, 0.01),
                                f"leaky_relu_derivative ignores its alpha argument (alpha = {alpha} here, "
                                "you used 0.01).",
                                "use the parameter alpha, not the number 0.01."))
        return mistakes
    return wrongs


@exercise("leaky_relu_derivative", notebook=NOTEBOOK)
def check_leaky_relu_derivative(func, rng, hidden):
    alpha = _alpha(rng)
    summary = check_elementwise("leaky_relu_derivative", func, rng, hidden, reference=ref.leaky_relu_derivative,
                                wrongs=_leaky_derivative_wrongs(alpha), extremes=[-1e4, -1.0, 0.0, 1.0, 1e4],
                                alpha=alpha)
    check_elementwise("leaky_relu_derivative", func, rng, False, reference=ref.leaky_relu_derivative,
                      wrongs=_leaky_derivative_wrongs(0.01))
    return f"1 for z > 0 and alpha for z <= 0 with alpha = {alpha} and the default 0.01, " + summary
