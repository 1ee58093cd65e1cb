"""Checks of notebook 02: activation functions and their derivatives (elementwise), and softmax.

Every activation and derivative must give finite values without a warning for |z| up to 1e4, in
float64 and in float32, the range the sigmoid's exercise asks for.
"""
from __future__ import annotations

import numpy as np

from nncourse import reference

from ._framework import (
    EXTREME,
    FLOAT_HINT,
    Mistake,
    as_array,
    call_student,
    check_elementwise,
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
TANH_STABILITY_HINT = (
    "e^z overflows for z above about 710 (89 in float32), and inf / inf is nan. Use np.tanh, or "
    "2 * sigmoid(2 * z) - 1 with your stable sigmoid.")
DERIVATIVE_STABILITY_HINT = (
    "compute the activation with your stable function from above (sigmoid(z), tanh(z)), not with "
    "exp of z directly: e^z overflows for large |z|.")


# ---------------------------------------------------------------------------------------------
# sigmoid
# ---------------------------------------------------------------------------------------------

def _sigmoid_mistakes(Z):
    Z = np.asarray(Z, dtype=float)
    with np.errstate(all="ignore"):
        return [
            Mistake("sign-in-exponent", 1 / (1 + np.exp(Z)), "sigmoid(z) equals sigmoid(-z).",
                    "sigmoid(z) = 1 / (1 + exp(-z)): the exponent is minus z."),
            Mistake("mirrored-sigmoid", np.exp(-Z) / (1 + np.exp(-Z)), "sigmoid(z) equals 1 - sigmoid(z).",
                    "1 / (1 + exp(-z)) is the sigmoid; exp(-z) / (1 + exp(-z)) is its mirror image."),
            Mistake("tanh-not-sigmoid", np.tanh(Z), "sigmoid(z) equals tanh(z).",
                    "sigmoid(z) = 1 / (1 + exp(-z)) lies in (0, 1)."),
            Mistake("clips-input", reference.sigmoid(np.clip(Z, -10.0, 10.0)),
                    "sigmoid(z) equals sigmoid of z clipped to [-10, 10].",
                    "clip only where it cannot change the result (|z| > 700 or so), or better, avoid "
                    "overflow without clipping."),
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
    summary = check_elementwise("sigmoid", func, rng, hidden, reference=reference.sigmoid,
                                mistakes=_sigmoid_mistakes, unstable_hint=SIGMOID_STABILITY_HINT,
                                extreme_range=(0.0, 1.0), properties=_sigmoid_properties)
    return "range (0, 1), sigmoid(-z) = 1 - sigmoid(z), " + summary


# ---------------------------------------------------------------------------------------------
# tanh, relu, leaky_relu
# ---------------------------------------------------------------------------------------------

def _tanh_mistakes(Z):
    Z = np.asarray(Z, dtype=float)
    with np.errstate(all="ignore"):
        return [
            Mistake("tanh-half-argument", np.tanh(Z / 2), "tanh(z) equals 2 sigmoid(z) - 1 = tanh(z / 2).",
                    "tanh(z) = 2 * sigmoid(2 z) - 1, or simply np.tanh(z)."),
            Mistake("sigmoid-not-tanh", reference.sigmoid(Z), "tanh(z) equals sigmoid(z).",
                    "tanh(z) = (e^z - e^-z) / (e^z + e^-z), in (-1, 1)."),
            Mistake("sinh-not-tanh", (np.exp(Z) - np.exp(-Z)) / 2, "tanh(z) equals sinh(z) = (e^z - e^-z) / 2.",
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
    summary = check_elementwise("tanh", func, rng, hidden, reference=reference.tanh, mistakes=_tanh_mistakes,
                                unstable_hint=TANH_STABILITY_HINT, extreme_range=(-1.0, 1.0),
                                properties=_odd_property("tanh"))
    return "range (-1, 1), tanh(-z) = -tanh(z), " + summary


def _relu_mistakes(Z):
    Z = np.asarray(Z, dtype=float)
    return [
        Mistake("abs-not-relu", np.abs(Z), "relu(z) equals |z|.", "negative z must give 0: np.maximum(0, z)."),
        Mistake("relu-derivative-not-relu", (Z > 0).astype(float),
                "relu(z) equals its derivative (1 where z > 0, else 0).",
                "relu(z) = max(0, z) keeps the value of z where it is positive."),
        Mistake("capped-at-1", np.clip(Z, 0, 1), "relu(z) is capped at 1.", "relu has no upper bound: "
                                                                             "np.maximum(0, z)."),
        Mistake("leaky-not-relu", np.where(Z > 0, Z, 0.01 * Z), "relu(z) equals leaky_relu(z).",
                "negative z must give exactly 0."),
        Mistake("min-not-max", np.minimum(Z, 0), "relu(z) equals min(0, z).", "relu(z) = max(0, z), not min."),
    ]


def _nonnegative(call, Z, A):
    if np.any(A < 0):
        fail("relu", "relu(z) returned negative values.", input=describe(z=Z), got=format_array(A))


@exercise("relu", notebook=NOTEBOOK)
def check_relu(func, rng, hidden):
    summary = check_elementwise("relu", func, rng, hidden, reference=reference.relu, mistakes=_relu_mistakes,
                                properties=_nonnegative)
    return "0 for z <= 0, z for z > 0, " + summary


def _leaky_mistakes(alpha):
    def mistakes(Z):
        Z = np.asarray(Z, dtype=float)
        known = [
            Mistake("relu-not-leaky", np.maximum(Z, 0), "leaky_relu(z) is 0 for negative z, like relu.",
                    "for z <= 0 return alpha * z: np.where(z > 0, z, alpha * z)."),
            Mistake("constant-alpha", np.where(Z > 0, Z, alpha), "leaky_relu(z) is the constant alpha for z <= 0.",
                    "multiply: alpha * z for z <= 0."),
            Mistake("alpha-everywhere", alpha * Z, "leaky_relu(z) is alpha * z everywhere.",
                    "keep z unchanged where z > 0."),
            Mistake("slopes-swapped", np.where(Z > 0, alpha * Z, Z),
                    "leaky_relu(z) scales the positive side, not the negative one.",
                    "z where z > 0, alpha * z elsewhere."),
        ]
        if alpha != 0.01:
            known.insert(0, Mistake("alpha-ignored", np.where(Z > 0, Z, 0.01 * Z),
                                    f"leaky_relu ignores alpha (alpha = {alpha} here, you used 0.01).",
                                    "use the parameter alpha, not the number 0.01: the default belongs in "
                                    "the signature."))
        return known
    return mistakes


def _alpha(rng):
    return float(rng.choice([0.05, 0.1, 0.2, 0.3]))


@exercise("leaky_relu", notebook=NOTEBOOK)
def check_leaky_relu(func, rng, hidden):
    alpha = _alpha(rng)
    summary = check_elementwise("leaky_relu", func, rng, hidden, reference=reference.leaky_relu,
                                mistakes=_leaky_mistakes(alpha), alpha=alpha)
    check_elementwise("leaky_relu", func, rng, False, reference=reference.leaky_relu, mistakes=_leaky_mistakes(0.01))
    return f"alpha = {alpha} and the default 0.01, " + summary


# ---------------------------------------------------------------------------------------------
# softmax
# ---------------------------------------------------------------------------------------------

SOFTMAX_STABILITY_HINT = (
    "exp(1000) overflows, and in a row like [-1000, -999, -1001] every exp underflows to 0 (0 / 0 = nan). "
    "Subtract each row's own maximum before np.exp (z - z.max(axis=-1, keepdims=True)): softmax does not "
    "change, and the largest exponent of every row becomes exp(0) = 1.")
SOFTMAX_AXIS_HINT = ("work along the last axis, which is the only axis of one example (k,) and the rows of "
                     "a batch (m, k): z.max(axis=-1, keepdims=True), e.sum(axis=-1, keepdims=True).")
SOFTMAX_RAISING = [
    Mistake("hard-coded-axis", lambda error: isinstance(error, np.exceptions.AxisError),
            "softmax fails on one example of shape (k,): axis 1 does not exist.", SOFTMAX_AXIS_HINT),
    Mistake("missing-keepdims", lambda error: isinstance(error, ValueError) and "broadcast" in str(error),
            "softmax's row sums, shape (m,), do not broadcast against z (m, k).",
            "sum with keepdims=True (e.sum(axis=-1, keepdims=True)) so that the sums have shape (m, 1)."),
]
#: Raised only for one example, after a batch (m, k) passed: the 1-D case is not handled.
SOFTMAX_ONE_EXAMPLE = Mistake("fails-on-one-example", lambda error: True, "softmax fails on one example of shape (k,).",
                              "softmax must work on one example (k,) as on a batch (m, k): work along the last "
                              "axis (axis=-1), or view z as np.atleast_2d(z) and give the result z's shape back.")


def _softmax_mistakes(Z):
    Z = np.asarray(Z, dtype=float)
    e = np.exp(Z - Z.max())
    mistakes = [
        Mistake("sigmoid-not-softmax", reference.sigmoid(Z), "softmax applied the sigmoid to each entry.",
                "softmax(z)_k = exp(z_k) / sum_j exp(z_j) along each row."),
        Mistake("no-exp", Z / Z.sum(axis=-1, keepdims=True), "softmax divides the scores by their sum without exp.",
                "exponentiate first: exp(z_k) / sum_j exp(z_j)."),
    ]
    if Z.ndim == 2 and len(Z) > 1:
        mistakes = [
            Mistake("wrong-axis", e / e.sum(axis=0, keepdims=True),
                    "softmax normalises the columns (axis 0), not the rows.",
                    "each row is one example: normalise along the last axis, e.sum(axis=-1, keepdims=True) "
                    "(Python's sum(e) adds the rows, which is axis 0)."),
            Mistake("whole-batch-sum", e / e.sum(), "softmax divides by the sum of the whole batch.",
                    "normalise each row: e.sum(axis=-1, keepdims=True)."),
        ] + mistakes
    return mistakes


def _softmax_cases(rng, hidden):
    m, k = distinct_sizes(rng, 2, 3, 9)
    cases = [rng.normal(0.0, 3.0, size=(m, k)), rng.normal(0.0, 3.0, size=k), rng.normal(0.0, 3.0, size=(1, k)),
             rng.normal(0.0, 3.0, size=(k, m)).astype(np.float32)]
    if hidden:
        cases += [rng.normal(0.0, 3.0, size=(2 * m + 13, k + 11)), rng.normal(0.0, 3.0, size=(m, 1))]
    large = np.array([[1000.0, 999.0, 0.0, -3.0], [-1000.0, -999.0, -1001.0, -1003.0], [0.0, 0.0, 0.0, 0.0],
                      [EXTREME, -EXTREME, EXTREME - 1.0, 0.0]])
    cases += [large, large.astype(np.float32), np.array([1000.0, 999.0, 0.0])]
    return cases


@exercise("softmax", notebook=NOTEBOOK)
def check_softmax(func, rng, hidden):
    name = "softmax"
    cases = _softmax_cases(rng, hidden)
    for Z in cases:
        desc = describe(z=Z)
        got = call_student(name, func, Z, names=("z",), stable=True, input_desc=desc,
                           unstable_hint=SOFTMAX_STABILITY_HINT,
                           raising=SOFTMAX_RAISING + ([SOFTMAX_ONE_EXAMPLE] if Z.ndim == 1 else []))
        P = as_array(name, got, what="softmax(z)", input_desc=desc)
        mistakes = _softmax_mistakes(Z)
        expect_shape(name, P, Z.shape, what="softmax(z)", input_desc=desc, mistakes=mistakes)
        expect_float(name, P, what="softmax(z)", input_desc=desc, hint=FLOAT_HINT)
        expect_finite(name, P, what="softmax(z)", input_desc=desc, hint=SOFTMAX_STABILITY_HINT, mistake="unstable")
        rtol = tolerance(Z.dtype)
        expect_close(name, P, reference.softmax(Z), what="softmax(z)", input_desc=desc, mistakes=mistakes,
                     rtol=rtol, atol=1e-6 if Z.dtype == np.float32 else 1e-9)
        sums = P.astype(float).sum(axis=-1)
        if not np.allclose(sums, 1.0, rtol=0, atol=10 * rtol):
            fail(name, "the rows of softmax(z) do not sum to 1.", input=desc, got=f"row sums {format_array(sums)}")
    shifted = cases[0] + rng.normal(0.0, 50.0, size=(cases[0].shape[0], 1))
    got = call_student(name, func, shifted, names=("z",), stable=True, unstable_hint=SOFTMAX_STABILITY_HINT,
                       raising=SOFTMAX_RAISING)
    unshifted = reference.softmax(cases[0])
    if not matches(got, unshifted, rtol=1e-6, atol=1e-9):
        fail(name, "softmax(z + c) differs from softmax(z) for a constant c per row.",
             input=describe(z=shifted), expected=format_array(unshifted), got=format_array(got))
    return ("shapes (k,), (m, k) and (1, k), float32, rows sum to 1, shift invariance, logits like "
            "[1000, 999, 0] and 1e4 without overflow.")


# ---------------------------------------------------------------------------------------------
# Derivatives
# ---------------------------------------------------------------------------------------------

def _sigmoid_derivative_mistakes(Z):
    Z = np.asarray(Z, dtype=float)
    s = reference.sigmoid(Z)
    return [
        Mistake("plus-not-minus", s * (1 + s), "sigmoid_derivative(z) equals s (1 + s).",
                "the derivative of the sigmoid is s (1 - s) with s = sigmoid(z): minus, not plus."),
        Mistake("derivative-at-A", Z * (1 - Z), "sigmoid_derivative(z) equals z (1 - z): taken at A, not Z.",
                "z is the pre-activation here: first compute s = sigmoid(z), then s * (1 - s)."),
        Mistake("returned-activation", s, "sigmoid_derivative(z) returned sigmoid(z) itself.",
                "the derivative is s * (1 - s)."),
        Mistake("one-minus-s", 1 - s, "sigmoid_derivative(z) returned 1 - sigmoid(z).", "multiply by s: s * (1 - s)."),
    ]


@exercise("sigmoid_derivative", notebook=NOTEBOOK)
def check_sigmoid_derivative(func, rng, hidden):
    summary = check_elementwise("sigmoid_derivative", func, rng, hidden, reference=reference.sigmoid_derivative,
                                mistakes=_sigmoid_derivative_mistakes, unstable_hint=DERIVATIVE_STABILITY_HINT,
                                extreme_range=(0.0, 0.25))
    return "s (1 - s) at z, " + summary


def _tanh_derivative_mistakes(Z):
    Z = np.asarray(Z, dtype=float)
    t = np.tanh(Z)
    return [
        Mistake("derivative-at-A", 1 - Z**2, "tanh_derivative(z) equals 1 - z²: taken at A, not Z.",
                "1 - a² holds for a = tanh(z); here you get z, so compute 1 - np.tanh(z) ** 2."),
        Mistake("missing-square", 1 - t, "tanh_derivative(z) equals 1 - tanh(z).", "square it: 1 - tanh(z) ** 2."),
        Mistake("tanh-squared", t**2, "tanh_derivative(z) equals tanh(z)².", "it is 1 - tanh(z) ** 2."),
        Mistake("plus-not-minus", 1 + t**2, "tanh_derivative(z) equals 1 + tanh(z)².",
                "minus, not plus: 1 - tanh(z) ** 2."),
        Mistake("returned-activation", t, "tanh_derivative(z) returned tanh(z) itself.",
                "the derivative is 1 - tanh(z) ** 2."),
    ]


@exercise("tanh_derivative", notebook=NOTEBOOK)
def check_tanh_derivative(func, rng, hidden):
    summary = check_elementwise("tanh_derivative", func, rng, hidden, reference=reference.tanh_derivative,
                                mistakes=_tanh_derivative_mistakes, unstable_hint=DERIVATIVE_STABILITY_HINT,
                                extreme_range=(0.0, 1.0))
    return "1 - tanh(z)² at z, " + summary


def _relu_derivative_mistakes(Z):
    Z = np.asarray(Z, dtype=float)
    return [
        Mistake("returned-activation", np.maximum(Z, 0), "relu_derivative(z) returned relu(z).",
                "the derivative is 1 where z > 0 and 0 elsewhere: (z > 0).astype(float)."),
        Mistake("one-at-zero", (Z >= 0).astype(float), "relu_derivative(0) is 1; the course takes 0 there.",
                "the course takes ReLU's derivative to be 0 at z = 0: use z > 0, not z >= 0."),
        Mistake("no-mask", np.ones_like(Z), "relu_derivative(z) is 1 everywhere: it does not mask.",
                "the derivative is 0 wherever z <= 0."),
        Mistake("reversed-mask", (Z < 0).astype(float), "relu_derivative(z) is 1 for negative z.", "it is 1 where "
                                                                                                     "z > 0."),
        Mistake("sign-not-mask", np.sign(Z), "relu_derivative(z) equals sign(z) (-1 for negative z).",
                "it is 0, not -1, for z <= 0."),
    ]


@exercise("relu_derivative", notebook=NOTEBOOK)
def check_relu_derivative(func, rng, hidden):
    summary = check_elementwise("relu_derivative", func, rng, hidden, reference=reference.relu_derivative,
                                mistakes=_relu_derivative_mistakes, extreme_range=(0.0, 1.0))
    return "1.0 for z > 0, 0.0 for z <= 0 (including z = 0), " + summary


def _leaky_derivative_mistakes(alpha):
    def mistakes(Z):
        Z = np.asarray(Z, dtype=float)
        known = [
            Mistake("relu-derivative-not-leaky", (Z > 0).astype(float),
                    "leaky_relu_derivative(z) is 0 for z <= 0, like ReLU's.",
                    "leaky ReLU's slope is alpha for z <= 0: np.where(z > 0, 1.0, alpha)."),
            Mistake("one-at-zero", np.where(Z >= 0, 1.0, alpha), "leaky_relu_derivative(0) is 1, not alpha.",
                    "the contract says alpha at z = 0: use z > 0, not z >= 0."),
            Mistake("returned-activation", np.where(Z > 0, Z, alpha * Z),
                    "leaky_relu_derivative(z) returned leaky_relu(z).",
                    "the derivative is 1 where z > 0 and alpha elsewhere."),
            Mistake("slopes-swapped", np.where(Z > 0, alpha, 1.0), "leaky_relu_derivative(z) has the slopes swapped.",
                    "1 where z > 0, alpha elsewhere."),
        ]
        if alpha != 0.01:
            known.insert(0, Mistake("alpha-ignored", np.where(Z > 0, 1.0, 0.01),
                                    f"the function ignores alpha ({alpha} here; you used 0.01).",
                                    "use the parameter alpha, not the number 0.01."))
        return known
    return mistakes


@exercise("leaky_relu_derivative", notebook=NOTEBOOK)
def check_leaky_relu_derivative(func, rng, hidden):
    alpha = _alpha(rng)
    summary = check_elementwise("leaky_relu_derivative", func, rng, hidden,
                                reference=reference.leaky_relu_derivative, mistakes=_leaky_derivative_mistakes(alpha),
                                alpha=alpha)
    check_elementwise("leaky_relu_derivative", func, rng, False, reference=reference.leaky_relu_derivative,
                      mistakes=_leaky_derivative_mistakes(0.01))
    return f"1 for z > 0 and alpha for z <= 0 with alpha = {alpha} and the default 0.01, " + summary
