"""Implementations of notebook 01's exercises (the neuron) that the checks must judge rightly.

WRONG: (exercise, function, text the failure must contain, id of the mistake it must name or None).
CORRECT: (exercise, function). Every function is module-level (picklable), as the grader calls
students' functions in another process.
"""
import numpy as np

from nncourse import reference

# ---------------------------------------------------------------------------------------------
# weighted_sum
# ---------------------------------------------------------------------------------------------

def ws_elementwise(x, w):
    return x * w


def ws_total(x, w):
    return np.sum(x * w)


def ws_transposed(x, w):
    return np.dot(x.T, w)


def ws_column(x, w):
    return x @ w.reshape(-1, 1)


def ws_sum_of_sums(x, w):
    return np.sum(x, axis=-1) * np.sum(w)


def ws_python_sum(x, w):
    """Right for one example; for a batch, Python's sum adds the rows (axis 0)."""
    return sum(x * w)


def ws_in_place(x, w):
    x *= w
    return x.sum(axis=-1)


def ws_loop(x, w):
    x = np.asarray(x)
    if x.ndim == 1:
        return sum(x[i] * w[i] for i in range(len(w)))
    return np.array([sum(row[i] * w[i] for i in range(len(w))) for row in x])


def ws_dot(x, w):
    return np.dot(x, w)


def ws_broadcast_sum(x, w):
    return (x * w).sum(axis=-1)


def ws_einsum(x, w):
    return np.einsum("...i,i->...", x, w)


# ---------------------------------------------------------------------------------------------
# step
# ---------------------------------------------------------------------------------------------

def step_greater(z):
    return np.where(np.asarray(z) > 0, 1.0, 0.0)


def step_bool(z):
    return np.asarray(z) >= 0


def step_int(z):
    return np.where(np.asarray(z) >= 0, 1, 0)


def step_sign(z):
    return np.sign(z)


def step_in_place(z):
    z = np.asarray(z)
    if z.ndim == 0:
        return np.float64(z >= 0)
    positive = z >= 0
    z[positive] = 1.0
    z[~positive] = 0.0
    return z


def step_where(z):
    return np.where(np.asarray(z) >= 0, 1.0, 0.0)


def step_heaviside(z):
    return np.heaviside(z, 1.0)


def step_loop(z):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    for index in np.ndindex(z.shape):
        out[index] = 1.0 if z[index] >= 0 else 0.0
    return out


def step_multiply(z):
    z = np.asarray(z)
    return (z >= 0) * np.ones_like(z)


# ---------------------------------------------------------------------------------------------
# neuron (its default activation is this module's correct step)
# ---------------------------------------------------------------------------------------------

def neuron_bias_after(x, w, b, activation=step_where):
    return activation(x @ w) + b


def neuron_always_step(x, w, b, activation=step_where):
    return step_where(x @ w + b)


def neuron_no_activation(x, w, b, activation=step_where):
    return x @ w + b


def neuron_no_bias(x, w, b, activation=step_where):
    return activation(x @ w)


def neuron_default_sigmoid(x, w, b, activation=None):
    z = x @ w + b
    return activation(z) if activation is not None else z


def neuron_dot(x, w, b, activation=step_where):
    return activation(np.dot(x, w) + b)


def neuron_reference_step(x, w, b, activation=reference.step):
    """Copies the set-up cells' pattern for its own exercise: the default is the reference's step."""
    return activation(x @ w + b)


def neuron_loop(x, w, b, activation=step_heaviside):
    z = ws_loop(x, w) + b
    return activation(z)


# ---------------------------------------------------------------------------------------------
# and_neuron, or_neuron
# ---------------------------------------------------------------------------------------------

def and_gives_or():
    return np.array([1.0, 1.0]), -0.5


def and_positive_bias():
    return np.array([1.0, 1.0]), 1.5


def and_weights_only():
    return np.array([1.0, 1.0])


def and_column_weights():
    return np.array([[1.0], [1.0]]), -1.5


def and_nand():
    return np.array([-1.0, -1.0]), 1.5


def and_edge():
    """Exactly 0 at (1, 1): step(0) = 1, so this is AND too."""
    return np.array([1, 1]), -2


def and_list():
    return [0.5, 0.5], -0.75


def or_gives_and():
    return np.array([1.0, 1.0]), -1.5


def or_zero_bias():
    return np.array([1.0, 1.0]), 0.0


def or_too_low():
    return np.array([1.0, 1.0]), -2.5


def or_edge():
    return np.array([1.0, 1.0]), -1.0


def or_scaled():
    return np.array([2.0, 2.0]), np.float64(-1.0)



def ws_squeezed(x, w):
    """np.squeeze turns the (1,) result of a one-example batch into a number."""
    return np.squeeze(np.asarray(x) @ w)


WRONG = [
    ("weighted_sum", ws_elementwise, "did not add the products", "no-sum"),
    ("weighted_sum", ws_total, "whole batch", "summed-whole-batch"),
    ("weighted_sum", ws_transposed, "raised ValueError", None),
    ("weighted_sum", ws_column, "(m, 1)", "column-output"),
    ("weighted_sum", ws_sum_of_sums, "sum of x by the sum of w", "sum-times-sum"),
    ("weighted_sum", ws_squeezed, "a batch of one example", "squeezed-batch"),
    ("weighted_sum", ws_python_sum, "Python's sum()", "python-sum-on-array"),
    ("weighted_sum", ws_in_place, "changed its argument x in place", "modifies-input"),
    ("step", step_greater, "use >=, not >", "strict-inequality"),
    ("step", step_bool, "expected floats", "not-floats"),
    ("step", step_int, "expected floats", "not-floats"),
    ("step", step_sign, "sign(z)", "sign-not-step"),
    ("step", step_in_place, "changed its argument z in place", "modifies-input"),
    ("neuron", neuron_bias_after, "added the bias after the activation", "bias-after-activation"),
    ("neuron", neuron_always_step, "instead of the activation it was given", "always-step"),
    ("neuron", neuron_no_activation, "without the activation", "no-activation"),
    ("neuron", neuron_no_bias, "ignored the bias", "no-bias"),
    ("neuron", neuron_default_sigmoid, "default activation is step", "default-activation"),
    ("neuron", neuron_reference_step, "calls nncourse.reference.step", "calls-reference"),
    ("and_neuron", and_gives_or, "computes OR, not AND", "wrong-gate"),
    ("and_neuron", and_positive_bias, "computes always 1", "wrong-gate"),
    ("and_neuron", and_weights_only, "must return a pair (w, b)", "not-a-pair"),
    ("and_neuron", and_column_weights, "w has shape (2, 1)", None),
    ("and_neuron", and_nand, "computes NAND", "wrong-gate"),
    ("or_neuron", or_gives_and, "computes AND, not OR", "wrong-gate"),
    ("or_neuron", or_zero_bias, "computes always 1", "wrong-gate"),
    ("or_neuron", or_too_low, "computes always 0", "wrong-gate"),
]

CORRECT = [
    ("weighted_sum", ws_loop),
    ("weighted_sum", ws_dot),
    ("weighted_sum", ws_broadcast_sum),
    ("weighted_sum", ws_einsum),
    ("step", step_where),
    ("step", step_heaviside),
    ("step", step_loop),
    ("step", step_multiply),
    ("neuron", neuron_dot),
    ("neuron", neuron_loop),
    ("and_neuron", and_edge),
    ("and_neuron", and_list),
    ("or_neuron", or_edge),
    ("or_neuron", or_scaled),
]
