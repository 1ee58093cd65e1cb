"""Implementations of notebook 02's exercises (activation functions) that the checks must judge rightly.

WRONG: (exercise, function, text the failure must contain, id of the mistake it must name or None).
CORRECT: (exercise, function). Every function is module-level (picklable), as the grader calls
students' functions in another process.
"""
import math

import numpy as np

import nncourse.reference


def _each(function, z):
    """Apply a function of one Python float to every entry of z (how a loop-writing student works)."""
    z = np.asarray(z)
    out = np.empty(z.shape, dtype=z.dtype if z.dtype.kind == "f" else float)
    for index in np.ndindex(z.shape):
        out[index] = function(float(z[index]))
    return out


# ---------------------------------------------------------------------------------------------
# sigmoid
# ---------------------------------------------------------------------------------------------

def sigmoid_naive(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_where_both_branches(z):
    """Both branches are evaluated, so exp(-z) still overflows for z = -1e4."""
    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))


def sigmoid_math_naive(z):
    return _each(lambda v: 1 / (1 + math.exp(-v)), z)


def sigmoid_wrong_sign(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, e / (1 + e), 1 / (1 + e))


def sigmoid_is_tanh(z):
    return np.tanh(z)


def sigmoid_clipped_narrow(z):
    return 1 / (1 + np.exp(-np.clip(z, -10, 10)))


def sigmoid_logaddexp(z):
    return np.exp(-np.logaddexp(0, -np.asarray(z)))


def sigmoid_stable(z):
    z = np.asarray(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_via_tanh(z):
    return 0.5 * (1 + np.tanh(np.asarray(z) / 2))


def sigmoid_clipped_500(z):
    """exp(500) fits a float64 but not a float32: overflows for float32 input."""
    return 1 / (1 + np.exp(-np.clip(z, -500, 500)))


def sigmoid_clipped(z):
    """exp(80) fits a float32 too; sigmoid(80) is 1 to 35 digits."""
    return 1 / (1 + np.exp(-np.clip(z, -80, 80)))


def sigmoid_math_exp(z):
    return 1 / (1 + math.exp(-z))


def _sigmoid_one(v):
    if v >= 0:
        return 1 / (1 + math.exp(-v))
    e = math.exp(v)
    return e / (1 + e)


def sigmoid_loop(z):
    return _each(_sigmoid_one, z)


# ---------------------------------------------------------------------------------------------
# tanh
# ---------------------------------------------------------------------------------------------

def tanh_half(z):
    return 2 * sigmoid_stable(z) - 1


def tanh_is_sigmoid(z):
    return sigmoid_stable(z)


def tanh_sinh(z):
    return (np.exp(z) - np.exp(-z)) / 2


def tanh_formula(z):
    return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))


def tanh_from_sigmoid(z):
    return 2 * sigmoid_stable(2 * np.asarray(z)) - 1


def tanh_reference(z):
    """A notebook's set-up cell imports from nncourse.reference; this one calls it for its own exercise."""
    return nncourse.reference.tanh(z)


def tanh_loop(z):
    return _each(math.tanh, z)


# ---------------------------------------------------------------------------------------------
# relu
# ---------------------------------------------------------------------------------------------

def relu_abs(z):
    return np.abs(z)


def relu_capped(z):
    return np.clip(z, 0, 1)


def relu_in_place(z):
    z = np.asarray(z)
    if z.ndim == 0:
        return np.maximum(z, 0)
    z[z < 0] = 0
    return z


def relu_leaky(z):
    return np.where(z > 0, z, 0.01 * z)


def relu_mask(z):
    z = np.asarray(z)
    return z * (z > 0)


def relu_halves(z):
    return (np.abs(z) + z) / 2


def relu_clip_method(z):
    return np.asarray(z).clip(min=0)


def relu_loop(z):
    return _each(lambda v: max(v, 0.0), z)


def relu_python_max(z):
    return max(0, z)


def relu_where(z):
    return np.where(np.asarray(z) > 0, z, 0.0)


# ---------------------------------------------------------------------------------------------
# leaky_relu
# ---------------------------------------------------------------------------------------------

def leaky_fixed_alpha(z, alpha=0.01):
    return np.where(z > 0, z, 0.01 * z)


def leaky_is_relu(z, alpha=0.01):
    return np.maximum(z, 0)


def leaky_scales_everything(z, alpha=0.01):
    return alpha * np.asarray(z)


def leaky_constant(z, alpha=0.01):
    return np.where(z > 0, z, alpha)


def leaky_maximum(z, alpha=0.01):
    return np.maximum(z, alpha * np.asarray(z))


def leaky_loop(z, alpha=0.01):
    return _each(lambda v: v if v > 0 else alpha * v, z)


# ---------------------------------------------------------------------------------------------
# softmax
# ---------------------------------------------------------------------------------------------

def softmax_axis0(z):
    e = np.exp(z - np.max(z, axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def softmax_no_shift(z):
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def softmax_axis1(z):
    """Right for a batch (m, k), but axis=1 does not exist for one example (k,)."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def softmax_no_keepdims(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1)


def softmax_global_sum(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def softmax_global_shift(z):
    e = np.exp(z - z.max())
    return e / e.sum(axis=-1, keepdims=True)


def softmax_stable(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_rows_loop(z):
    out = np.empty(np.shape(z))
    for i, row in enumerate(z):
        top = max(row)
        exps = [math.exp(v - top) for v in row]
        total = sum(exps)
        out[i] = [e / total for e in exps]
    return out


def softmax_logsumexp_axis1(z):
    shifted = z - z.max(axis=1)[:, None]
    return np.exp(shifted - np.log(np.exp(shifted).sum(axis=1))[:, None])


def softmax_logsumexp(z):
    shifted = z - z.max(axis=-1, keepdims=True)
    return np.exp(shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True)))


def softmax_rows_loop_any_shape(z):
    """A loop over the rows of a 2-D view: one example (k,) is a batch of one row."""
    z = np.asarray(z, dtype=float)
    rows = np.atleast_2d(z)
    out = np.empty(rows.shape)
    for i, row in enumerate(rows):
        top = max(row)
        exps = [math.exp(v - top) for v in row]
        total = sum(exps)
        out[i] = [e / total for e in exps]
    return out.reshape(z.shape)


# ---------------------------------------------------------------------------------------------
# derivatives
# ---------------------------------------------------------------------------------------------

def sigmoid_derivative_plus(z):
    s = sigmoid_stable(z)
    return s * (1 + s)


def sigmoid_derivative_at_a(z):
    return z * (1 - z)


def sigmoid_derivative_is_sigmoid(z):
    return sigmoid_stable(z)


def sigmoid_derivative_product(z):
    return sigmoid_stable(z) * sigmoid_stable(-np.asarray(z))


def sigmoid_derivative_exp(z):
    e = np.exp(-np.asarray(z))
    return e / (1 + e) ** 2


def sigmoid_derivative_loop(z):
    return _each(lambda v: _sigmoid_one(v) * (1 - _sigmoid_one(v)), z)


def tanh_derivative_at_a(z):
    return 1 - z**2


def tanh_derivative_no_square(z):
    return 1 - np.tanh(z)


def tanh_derivative_square(z):
    return np.tanh(z) ** 2


def tanh_derivative_cosh(z):
    """cosh overflows for |z| above about 710 (89 in float32), with a warning."""
    return 1 / np.cosh(z) ** 2


def tanh_derivative_sech_clipped(z):
    """sech(z)^2 with |z| clipped to 40, where it is already 0 to 34 digits: no overflow."""
    return 1 / np.cosh(np.clip(z, -40, 40)) ** 2


def sigmoid_derivative_reference(z):
    """Calls the reference sigmoid, an exercise of this same notebook."""
    s = nncourse.reference.sigmoid(z)
    return s * (1 - s)


def tanh_derivative_loop(z):
    return _each(lambda v: 1 - math.tanh(v) ** 2, z)


def relu_derivative_is_relu(z):
    return np.maximum(z, 0)


def relu_derivative_at_zero(z):
    return np.where(np.asarray(z) >= 0, 1.0, 0.0)


def relu_derivative_ones(z):
    return np.ones_like(np.asarray(z, dtype=float))


def relu_derivative_bool(z):
    return np.asarray(z) > 0


def relu_derivative_in_place(z):
    z = np.asarray(z)
    if z.ndim == 0:
        return np.float64(z > 0)
    z[z <= 0] = 0.0
    z[z > 0] = 1.0
    return z


def relu_derivative_astype(z):
    return (np.asarray(z) > 0).astype(float)


def relu_derivative_heaviside(z):
    return np.heaviside(z, 0.0)


def relu_derivative_loop(z):
    return _each(lambda v: 1.0 if v > 0 else 0.0, z)


def leaky_derivative_fixed_alpha(z, alpha=0.01):
    return np.where(np.asarray(z) > 0, 1.0, 0.01)


def leaky_derivative_is_relu_derivative(z, alpha=0.01):
    return (np.asarray(z) > 0).astype(float)


def leaky_derivative_at_zero(z, alpha=0.01):
    return np.where(np.asarray(z) >= 0, 1.0, alpha)


def leaky_derivative_is_leaky(z, alpha=0.01):
    return np.where(z > 0, z, alpha * np.asarray(z))


def leaky_derivative_where(z, alpha=0.01):
    return np.where(np.asarray(z) > 0, 1.0, alpha)


def leaky_derivative_loop(z, alpha=0.01):
    return _each(lambda v: 1.0 if v > 0 else alpha, z)



def relu_two_axes(z):
    """Loops over at most two axes: right for numbers, vectors and matrices only."""
    z = np.asarray(z, dtype=float)
    if z.ndim == 0:
        return max(float(z), 0.0)
    rows = z.reshape(1, -1) if z.ndim == 1 else z
    out = np.array([[max(v, 0.0) for v in row] for row in rows])
    return out.reshape(z.shape) if z.ndim == 1 else out.reshape(rows.shape[0], rows.shape[1])


def softmax_squeezed(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return np.squeeze(e / e.sum(axis=-1, keepdims=True))


WRONG = [
    ("sigmoid", sigmoid_naive, "overflowed in np.exp", "unstable"),
    ("sigmoid", sigmoid_where_both_branches, "np.where evaluates both branches", "unstable"),
    ("sigmoid", sigmoid_math_naive, "overflowed", "unstable"),
    ("sigmoid", sigmoid_math_exp, "np.exp", "math-on-array"),
    ("sigmoid", sigmoid_clipped_500, "overflowed in np.exp", "unstable"),
    ("sigmoid", sigmoid_wrong_sign, "the exponent is minus z", "sign-in-exponent"),
    ("sigmoid", sigmoid_is_tanh, "equals tanh(z)", "tanh-not-sigmoid"),
    ("sigmoid", sigmoid_clipped_narrow, "z clipped to [-10, 10]", "clips-input"),
    ("tanh", tanh_half, "tanh(z / 2)", "tanh-half-argument"),
    ("tanh", tanh_is_sigmoid, "equals sigmoid(z)", "sigmoid-not-tanh"),
    ("tanh", tanh_sinh, "sinh", "sinh-not-tanh"),
    ("tanh", tanh_formula, "overflowed in np.exp", "unstable"),
    ("tanh", tanh_reference, "your function calls nncourse.reference.tanh", "calls-reference"),
    ("relu", relu_abs, "equals |z|", "abs-not-relu"),
    ("relu", relu_capped, "capped at 1", "capped-at-1"),
    ("relu", relu_in_place, "changed its argument z in place", "modifies-input"),
    ("relu", relu_leaky, "equals leaky_relu(z)", "leaky-not-relu"),
    ("relu", relu_python_max, "np.maximum(0, z)", "python-max-on-array"),
    ("relu", relu_two_axes, "Python's max()", "python-max-on-array"),
    ("relu", nncourse.reference.relu, "your function calls nncourse.reference.relu", "calls-reference"),
    ("leaky_relu", leaky_fixed_alpha, "ignores alpha", "alpha-ignored"),
    ("leaky_relu", leaky_is_relu, "like relu", "relu-not-leaky"),
    ("leaky_relu", leaky_scales_everything, "alpha * z everywhere", "alpha-everywhere"),
    ("leaky_relu", leaky_constant, "the constant alpha", "constant-alpha"),
    ("softmax", softmax_axis0, "columns (axis 0)", "wrong-axis"),
    ("softmax", softmax_axis1, "one example of shape (k,)", "hard-coded-axis"),
    ("softmax", softmax_logsumexp_axis1, "one example of shape (k,)", "hard-coded-axis"),
    ("softmax", softmax_rows_loop, "one example of shape (k,)", "fails-on-one-example"),
    ("softmax", softmax_no_shift, "Subtract each row's own maximum", "unstable"),
    ("softmax", softmax_no_keepdims, "keepdims=True", "missing-keepdims"),
    ("softmax", softmax_global_sum, "sum of the whole batch", "whole-batch-sum"),
    ("softmax", softmax_global_shift, "Subtract each row's own maximum", "unstable"),
    ("softmax", softmax_squeezed, "expected (1, ", None),
    ("sigmoid_derivative", sigmoid_derivative_plus, "minus, not plus", "plus-not-minus"),
    ("sigmoid_derivative", sigmoid_derivative_at_a, "taken at A, not Z", "derivative-at-A"),
    ("sigmoid_derivative", sigmoid_derivative_is_sigmoid, "returned sigmoid(z) itself", "returned-activation"),
    ("sigmoid_derivative", sigmoid_derivative_exp, "overflowed in np.exp", "unstable"),
    ("sigmoid_derivative", sigmoid_derivative_reference, "calls nncourse.reference.sigmoid", "calls-reference"),
    ("tanh_derivative", tanh_derivative_at_a, "taken at A, not Z", "derivative-at-A"),
    ("tanh_derivative", tanh_derivative_no_square, "square it", "missing-square"),
    ("tanh_derivative", tanh_derivative_square, "equals tanh(z)²", "tanh-squared"),
    ("tanh_derivative", tanh_derivative_cosh, "overflowed in np.cosh", "unstable"),
    ("relu_derivative", relu_derivative_is_relu, "returned relu(z)", "returned-activation"),
    ("relu_derivative", relu_derivative_at_zero, "not z >= 0", "one-at-zero"),
    ("relu_derivative", relu_derivative_ones, "does not mask", "no-mask"),
    ("relu_derivative", relu_derivative_bool, "not booleans or integers", "not-floats"),
    ("relu_derivative", relu_derivative_in_place, "changed its argument z in place", "modifies-input"),
    ("leaky_relu_derivative", leaky_derivative_fixed_alpha, "ignores alpha", "alpha-ignored"),
    ("leaky_relu_derivative", leaky_derivative_is_relu_derivative, "like ReLU's", "relu-derivative-not-leaky"),
    ("leaky_relu_derivative", leaky_derivative_at_zero, "alpha at z = 0", "one-at-zero"),
    ("leaky_relu_derivative", leaky_derivative_is_leaky, "returned leaky_relu(z)", "returned-activation"),
]

CORRECT = [
    ("sigmoid", sigmoid_stable),
    ("sigmoid", sigmoid_via_tanh),
    ("sigmoid", sigmoid_clipped),
    ("sigmoid", sigmoid_loop),
    ("sigmoid", sigmoid_logaddexp),
    ("tanh", tanh_from_sigmoid),
    ("tanh", tanh_loop),
    ("relu", relu_mask),
    ("relu", relu_halves),
    ("relu", relu_loop),
    ("relu", relu_clip_method),
    ("relu", relu_where),
    ("leaky_relu", leaky_maximum),
    ("leaky_relu", leaky_loop),
    ("softmax", softmax_stable),
    ("softmax", softmax_rows_loop_any_shape),
    ("softmax", softmax_logsumexp),
    ("sigmoid_derivative", sigmoid_derivative_product),
    ("sigmoid_derivative", sigmoid_derivative_loop),
    ("tanh_derivative", tanh_derivative_sech_clipped),
    ("tanh_derivative", tanh_derivative_loop),
    ("relu_derivative", relu_derivative_astype),
    ("relu_derivative", relu_derivative_heaviside),
    ("relu_derivative", relu_derivative_loop),
    ("leaky_relu_derivative", leaky_derivative_where),
    ("leaky_relu_derivative", leaky_derivative_loop),
]
