"""Implementations of notebook 06's exercises (backward propagation) that the checks must judge rightly.

WRONG: (exercise, function, text the failure must contain, id of the mistake it names or None);
CORRECT: (exercise, function) right answers written another way. Every function is module-level
(picklable), as the grader calls students' functions in another process.
"""
import math

import numpy as np

import nncourse.reference

# ---------------------------------------------------------------------------------------------
# Activation derivatives the bank's implementations share (a student writes these in notebook 02)
# ---------------------------------------------------------------------------------------------

def _sigmoid(Z):
    return 0.5 * (1 + np.tanh(0.5 * Z))


def _derivative(Z, activation):
    if activation == "linear":
        return np.ones_like(Z)
    if activation == "sigmoid":
        s = _sigmoid(Z)
        return s * (1 - s)
    if activation == "tanh":
        return 1 - np.tanh(Z) ** 2
    if activation == "relu":
        return (Z > 0).astype(Z.dtype)
    if activation == "leaky_relu":
        return np.where(Z > 0, 1.0, 0.01).astype(Z.dtype)
    raise ValueError(f"unknown activation {activation}")


def _activate(Z, activation):
    return {"linear": lambda z: z, "sigmoid": _sigmoid, "tanh": np.tanh,
            "relu": lambda z: np.maximum(z, 0), "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
            }[activation](Z)


# ---------------------------------------------------------------------------------------------
# dense_backward
# ---------------------------------------------------------------------------------------------

def dense_dW_divided_by_m(dZ, A_prev, W):
    m = len(dZ)
    return dZ @ W.T, A_prev.T @ dZ / m, dZ.sum(axis=0) / m


def dense_db_mean(dZ, A_prev, W):
    return dZ @ W.T, A_prev.T @ dZ, dZ.mean(axis=0)


def dense_db_wrong_axis(dZ, A_prev, W):
    return dZ @ W.T, A_prev.T @ dZ, dZ.sum(axis=1)


def dense_db_keepdims(dZ, A_prev, W):
    return dZ @ W.T, A_prev.T @ dZ, dZ.sum(axis=0, keepdims=True)


def dense_dW_transposed(dZ, A_prev, W):
    return dZ @ W.T, dZ.T @ A_prev, dZ.sum(axis=0)


def dense_dA_transposed(dZ, A_prev, W):
    return W @ dZ.T, A_prev.T @ dZ, dZ.sum(axis=0)


def dense_no_transpose(dZ, A_prev, W):
    return dZ @ W, A_prev.T @ dZ, dZ.sum(axis=0)


def dense_wrong_order(dZ, A_prev, W):
    return A_prev.T @ dZ, dZ.sum(axis=0), dZ @ W.T


def dense_loops(dZ, A_prev, W):
    m, n_out = dZ.shape
    n_in = A_prev.shape[1]
    dA_prev = np.zeros((m, n_in))
    dW = np.zeros((n_in, n_out))
    db = np.zeros(n_out)
    for i in range(m):
        for k in range(n_out):
            db[k] += dZ[i, k]
            for j in range(n_in):
                dW[j, k] += A_prev[i, j] * dZ[i, k]
                dA_prev[i, j] += dZ[i, k] * W[j, k]
    return dA_prev, dW, db


def dense_dot(dZ, A_prev, W):
    return np.dot(dZ, W.T), np.dot(A_prev.T, dZ), np.sum(dZ, axis=0)


def dense_einsum(dZ, A_prev, W):
    return (np.einsum("mo,io->mi", dZ, W), np.einsum("mi,mo->io", A_prev, dZ),
            np.einsum("mo->o", dZ))


# ---------------------------------------------------------------------------------------------
# activation_backward
# ---------------------------------------------------------------------------------------------

def act_derivative_at_A(dA, Z, activation):
    return dA * _derivative(_activate(Z, activation), activation)


def act_formula_of_A_applied_to_Z(dA, Z, activation):
    """Writes sigmoid' as A (1 - A) and tanh' as 1 - A^2, then plugs in Z for A."""
    if activation == "sigmoid":
        return dA * Z * (1 - Z)
    if activation == "tanh":
        return dA * (1 - Z ** 2)
    return dA * _derivative(Z, activation)


def act_relu_no_mask(dA, Z, activation):
    if activation in ("relu", "leaky_relu"):
        return dA.copy()
    return dA * _derivative(Z, activation)


def act_relu_mask_on_dA(dA, Z, activation):
    if activation == "relu":
        return dA * (dA > 0)
    return dA * _derivative(Z, activation)


def act_relu_in_place(dA, Z, activation):
    if activation == "relu":
        dA[Z <= 0] = 0
        return dA
    return dA * _derivative(Z, activation)


def act_leaky_without_alpha(dA, Z, activation):
    if activation == "leaky_relu":
        return dA * (Z > 0)
    return dA * _derivative(Z, activation)


def act_forgets_dA(dA, Z, activation):
    return _derivative(Z, activation)


def act_dispatch(dA, Z, activation):
    derivatives = {
        "linear": lambda z: np.ones_like(z),
        "sigmoid": lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2,
        "tanh": lambda z: 1 / np.cosh(z) ** 2,
        "relu": lambda z: np.heaviside(z, 0.0),
        "leaky_relu": lambda z: np.where(z > 0, 1.0, 0.01),
    }
    return dA * derivatives[activation](Z)


def act_through_A(dA, Z, activation):
    """Computes A = g(Z) first, then g'(Z) written in terms of A: right."""
    if activation == "sigmoid":
        A = 1 / (1 + np.exp(-Z))
        return dA * A * (1 - A)
    if activation == "tanh":
        A = np.tanh(Z)
        return dA * (1 - A * A)
    if activation == "relu":
        return np.where(Z > 0, dA, 0.0)
    if activation == "leaky_relu":
        return np.where(Z > 0, dA, 0.01 * dA)
    return dA * 1.0


def act_loops(dA, Z, activation):
    dZ = np.empty(np.shape(Z), dtype=np.result_type(dA, Z))
    for index in np.ndindex(dZ.shape):
        dZ[index] = dA[index] * _derivative(np.array(Z[index]), activation)
    return dZ


# ---------------------------------------------------------------------------------------------
# backward
# ---------------------------------------------------------------------------------------------

def _backward(dZ_L, caches, params, activations, *, stop=0, reverse=False, derivative_at="Z",
              activation_offset=1, scale=1.0, chain=True):
    """The backward pass with switches that reproduce the usual mistakes."""
    L = len(params)
    grads = []
    dZ = dZ_L
    for l in range(L - 1, stop - 1, -1):
        A_prev, Z = caches[l]
        W = params[l][0]
        grads.append((A_prev.T @ dZ * scale, dZ.sum(axis=0) * scale))
        if l > 0:
            dA_prev = dZ @ W.T
            name = activations[l - activation_offset]
            at = caches[l - 1][1] if derivative_at == "Z" else A_prev
            dZ = dA_prev * _derivative(at, name) if chain else dA_prev
    return grads if reverse else grads[::-1]


def backward_skips_first_layer(dZ_L, caches, params, activations):
    return _backward(dZ_L, caches, params, activations, stop=1)


def backward_reverse_order(dZ_L, caches, params, activations):
    return _backward(dZ_L, caches, params, activations, reverse=True)


def backward_derivative_at_A(dZ_L, caches, params, activations):
    return _backward(dZ_L, caches, params, activations, derivative_at="A")


def backward_wrong_activation_index(dZ_L, caches, params, activations):
    return _backward(dZ_L, caches, params, activations, activation_offset=0)


def backward_divides_by_m(dZ_L, caches, params, activations):
    return _backward(dZ_L, caches, params, activations, scale=1 / len(dZ_L))


def backward_no_activation_derivative(dZ_L, caches, params, activations):
    return _backward(dZ_L, caches, params, activations, chain=False)


def backward_uses_own_Z(dZ_L, caches, params, activations):
    """Takes the derivative at the current layer's Z instead of the layer below's."""
    grads = []
    dZ = dZ_L
    for l in reversed(range(len(params))):
        A_prev, Z = caches[l]
        W = params[l][0]
        grads.insert(0, (A_prev.T @ dZ, dZ.sum(axis=0)))
        dA_prev = dZ @ W.T
        dZ = dA_prev * _derivative(Z, activations[l])
    return grads


def backward_recursive(dZ_L, caches, params, activations):
    def grads_up_to(l, dZ):
        A_prev, _ = caches[l]
        W = params[l][0]
        here = [(np.dot(A_prev.T, dZ), np.sum(dZ, axis=0))]
        if l == 0:
            return here
        dZ_below = act_dispatch(np.dot(dZ, W.T), caches[l - 1][1], activations[l - 1])
        return grads_up_to(l - 1, dZ_below) + here
    return grads_up_to(len(params) - 1, dZ_L)


def backward_preallocated(dZ_L, caches, params, activations):
    L = len(params)
    grads = [None] * L
    dZ = dZ_L
    for l in range(L, 0, -1):          # layers numbered 1..L as in the notebook
        A_prev, Z = caches[l - 1]
        W, b = params[l - 1]
        dA_prev, dW, db = dense_dot(dZ, A_prev, W)
        grads[l - 1] = [dW, db]
        if l > 1:
            dZ = act_through_A(dA_prev, caches[l - 2][1], activations[l - 2])
    return grads


# ---------------------------------------------------------------------------------------------
# numerical_gradient
# ---------------------------------------------------------------------------------------------

def _perturbed(f, x, index, delta):
    x_shift = x.copy()
    x_shift[index] += delta
    return float(f(x_shift))


def numgrad_one_sided(f, x, eps=1e-5):
    grad = np.zeros(x.shape)
    fx = float(f(x))
    for index in np.ndindex(x.shape):
        grad[index] = (_perturbed(f, x, index, eps) - fx) / eps
    return grad


def numgrad_divides_by_eps(f, x, eps=1e-5):
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        grad[index] = (_perturbed(f, x, index, eps) - _perturbed(f, x, index, -eps)) / eps
    return grad


def numgrad_not_restored(f, x, eps=1e-5):
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        x[index] += eps
        f_plus = float(f(x))
        x[index] -= 2 * eps
        f_minus = float(f(x))
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad


def numgrad_fixed_eps(f, x, eps=1e-5):
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        grad[index] = (_perturbed(f, x, index, 1e-5) - _perturbed(f, x, index, -1e-5)) / 2e-5
    return grad


def numgrad_no_restore_between(f, x, eps=1e-5):
    """+eps then -eps brings x back, so the second value is f(x): half a one-sided difference."""
    x = x.copy()
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        x[index] += eps
        f_plus = float(f(x))
        x[index] -= eps
        f_minus = float(f(x))
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad


def numgrad_rows_only(f, x, eps=1e-5):
    """Loops over range(len(x)): perturbs whole rows of a matrix at once."""
    x = x.copy()
    grad = np.zeros(x.shape)
    for i in range(len(x)):
        old = x[i].copy()
        x[i] = old + eps
        f_plus = float(f(x))
        x[i] = old - eps
        f_minus = float(f(x))
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def numgrad_in_place_restored(f, x, eps=1e-5):
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        saved = x[i].copy()
        x[i] = saved + eps
        f_plus = f(x)
        x[i] = saved - eps
        f_minus = f(x)
        x[i] = saved
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def numgrad_flat_copy(f, x, eps=1e-5):
    flat = x.astype(np.float64).ravel()
    grad = np.empty_like(flat)
    for i in range(flat.size):
        e = np.zeros_like(flat)
        e[i] = eps
        grad[i] = (f((flat + e).reshape(x.shape)) - f((flat - e).reshape(x.shape))) / (2 * eps)
    return grad.reshape(x.shape)


# ---------------------------------------------------------------------------------------------
# relative_error
# ---------------------------------------------------------------------------------------------

def relerr_no_guard(a, b):
    return float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b))))


def relerr_norms(a, b):
    return float(np.linalg.norm(a - b) / max(1e-8, np.linalg.norm(a) + np.linalg.norm(b)))


def relerr_mean(a, b):
    return float(np.mean(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def relerr_no_abs(a, b):
    return float(np.max((a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def relerr_elementwise(a, b):
    return np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))


def relerr_max_denominator(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.maximum(np.abs(a), np.abs(b)))))


def relerr_python_max(a, b):
    """Right for vectors; on a matrix, Python's max compares whole rows."""
    return float(max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def relerr_math_fabs(a, b):
    return float(np.max(math.fabs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def dense_backward_reference(dZ, A_prev, W):
    """Calls the reference dense_backward, an exercise of this same notebook."""
    return nncourse.reference.dense_backward(dZ, A_prev, W)


def numgrad_restored_exactly(f, x, eps=1e-5):
    """Nudges x itself, with the flat index the exercise suggests, and puts each entry back exactly."""
    grad = np.zeros(x.shape)
    for j in range(x.size):
        old = x.flat[j]
        x.flat[j] = old + eps
        f_plus = f(x)
        x.flat[j] = old - eps
        f_minus = f(x)
        x.flat[j] = old
        grad.flat[j] = (f_plus - f_minus) / (2 * eps)
    return grad


def relerr_loops(a, b):
    worst = 0.0
    for x, y in zip(np.ravel(a), np.ravel(b)):
        worst = max(worst, abs(x - y) / max(1e-8, abs(x) + abs(y)))
    return float(worst)


def relerr_clip(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return (np.abs(a - b) / np.clip(np.abs(a) + np.abs(b), 1e-8, None)).max()


WRONG = [
    ("dense_backward", dense_backward_reference, "calls nncourse.reference.dense_backward", "calls-reference"),
    ("relative_error", relerr_python_max, "Python's max()", "python-max-on-array"),
    ("relative_error", relerr_math_fabs, "np.exp, np.log", "math-on-array"),
    ("dense_backward", dense_dW_divided_by_m, "do not divide by m again", "divided-by-m-again"),
    ("dense_backward", dense_db_mean, "do not divide by m again", "divided-by-m-again"),
    ("dense_backward", dense_db_wrong_axis, "axis=0", "db-wrong-axis"),
    ("dense_backward", dense_db_keepdims, "keepdims", "db-keepdims"),
    ("dense_backward", dense_dW_transposed, "A_prev.T @ dZ", "transposed-gradient"),
    ("dense_backward", dense_dA_transposed, "dZ @ W.T", "transposed-gradient"),
    ("dense_backward", dense_no_transpose, "raised ValueError", None),
    ("dense_backward", dense_wrong_order, "(dA_prev, dW, db)", "gradients-out-of-order"),
    ("activation_backward", act_derivative_at_A, "not at A", "derivative-at-A"),
    ("activation_backward", act_formula_of_A_applied_to_Z, "in terms of A", "derivative-at-A"),
    ("activation_backward", act_relu_no_mask, "Z <= 0", "no-mask"),
    ("activation_backward", act_relu_mask_on_dA, "Z <= 0", "mask-from-dA"),
    ("activation_backward", act_relu_in_place, "in place", "modifies-input"),
    ("activation_backward", act_leaky_without_alpha, "alpha", "relu-mask-for-leaky"),
    ("activation_backward", act_forgets_dA, "multiply by dA", "missing-dA"),
    ("backward", backward_skips_first_layer, "one layer early", "loop-stops-early"),
    ("backward", backward_reverse_order, "reverse order", "grads-reversed"),
    ("backward", backward_derivative_at_A, "not at A", "derivative-at-A"),
    ("backward", backward_wrong_activation_index, "activations[l - 1]", "wrong-layer-activation"),
    ("backward", backward_divides_by_m, "do not divide by m", "divided-by-m-again"),
    ("backward", backward_no_activation_derivative, "activation's derivative", "missing-activation-derivative"),
    ("backward", backward_uses_own_Z, "layer below", None),
    ("numerical_gradient", numgrad_one_sided, "centred", "one-sided-difference"),
    ("numerical_gradient", numgrad_divides_by_eps, "2 * eps", "missing-2"),
    ("numerical_gradient", numgrad_not_restored, "put every entry back exactly", "modifies-input"),
    ("numerical_gradient", numgrad_fixed_eps, "eps you were given", "fixed-eps"),
    ("numerical_gradient", numgrad_no_restore_between, "centred", "half-one-sided"),
    ("numerical_gradient", numgrad_rows_only, "one entry at a time", "whole-row-nudged"),
    ("relative_error", relerr_no_guard, "1e-8", "missing-guard"),
    ("relative_error", relerr_norms, "elementwise", "norm-not-elementwise"),
    ("relative_error", relerr_mean, "largest", "mean-not-max"),
    ("relative_error", relerr_no_abs, "abs", "missing-abs"),
    ("relative_error", relerr_elementwise, "one number", "not-a-number"),
    ("relative_error", relerr_max_denominator, "|a| + |b|", "max-denominator"),
]

CORRECT = [
    ("dense_backward", dense_loops),
    ("dense_backward", dense_dot),
    ("dense_backward", dense_einsum),
    ("activation_backward", act_dispatch),
    ("activation_backward", act_through_A),
    ("activation_backward", act_loops),
    ("backward", backward_recursive),
    ("backward", backward_preallocated),
    ("numerical_gradient", numgrad_in_place_restored),
    ("numerical_gradient", numgrad_flat_copy),
    ("numerical_gradient", numgrad_restored_exactly),
    ("relative_error", relerr_loops),
    ("relative_error", relerr_clip),
]
