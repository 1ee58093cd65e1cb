"""Checks of notebook 01: the weighted sum, the step function, one neuron, AND and OR neurons."""
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
    expect_float,
    expect_shape,
    fail,
    format_array,
    tolerance,
)
from .activations import FLOAT_HINT, check_elementwise

NOTEBOOK = "01_the_neuron"

#: The four inputs of a two-input logic gate, one per row: (0,0), (0,1), (1,0), (1,1).
TRUTH_TABLE_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


# ---------------------------------------------------------------------------------------------
# weighted_sum
# ---------------------------------------------------------------------------------------------

def _weighted_sum_wrongs(x, w):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    if x.shape[:1] == (1,) and x.ndim == 2:
        batch_total = ((x @ w).reshape(()), "weighted_sum returned a number for a batch of one example.",
                       "a batch x of shape (1, n) gives shape (1,); do not np.squeeze or float() the result.")
    else:
        batch_total = ((x * w).sum(), "weighted_sum added the products of the whole batch into one number.",
                       "each example (row of x) gets its own sum: sum over the last axis only, or x @ w.")
    return [
        (x * w, "weighted_sum multiplied x and w entry by entry but did not add the products up.",
         "add the products over the features: (x * w).sum(axis=-1), or simply x @ w."),
        batch_total,
        (x.sum(axis=-1) * w.sum(), "weighted_sum multiplied the sum of x by the sum of w.",
         "multiply each x_i by its own w_i, then add: x1*w1 + ... + xn*wn."),
        (x.sum(axis=-1) + w.sum(), "weighted_sum added x and w instead of multiplying them.",
         "multiply each x_i by its own w_i, then add: x1*w1 + ... + xn*wn."),
        ((x @ w)[..., None], "weighted_sum returned shape (m, 1) instead of (m,).",
         "w has shape (n,), so x @ w is already (m,); do not reshape w into a column."),
    ]


@exercise("weighted_sum", notebook=NOTEBOOK)
def check_weighted_sum(func, rng, hidden):
    name = "weighted_sum"
    m, n = distinct_sizes(rng, 2, 3, 9)
    cases = [(rng.normal(size=n), rng.normal(size=n)), (rng.normal(size=(m, n)), rng.normal(size=n)),
             (rng.normal(size=(n, m)).astype(np.float32), rng.normal(size=m).astype(np.float32))]
    if hidden:
        wide = int(rng.integers(40, 60))
        cases += [(rng.normal(size=(1, n)), rng.normal(size=n)),
                  (rng.normal(size=(2 * m + 9, wide)), rng.normal(size=wide))]
    for x, w in cases:
        desc = describe(x=x, w=w)
        got = call_student(name, func, x, w, names=("x", "w"), input_desc=desc)
        what = f"weighted_sum(x, w) for x of shape {x.shape}"
        value = as_array(name, got, what=what, input_desc=desc)
        expected = ref.weighted_sum(x, w)
        mistakes = _weighted_sum_wrongs(x, w)
        expect_shape(name, value, expected.shape, what=what, input_desc=desc, hints=mistakes)
        expect_float(name, value, what=what, input_desc=desc, hint=FLOAT_HINT)
        expect_close(name, value, expected, what=what, input_desc=desc, hints=mistakes,
                     rtol=tolerance(x.dtype), atol=1e-5 if x.dtype == np.float32 else 1e-9)
    shapes = ", ".join(str(x.shape) for x, _ in cases)
    return f"x of shapes {shapes} (a number for one example, one sum per row for a batch), float32 input."


# ---------------------------------------------------------------------------------------------
# step
# ---------------------------------------------------------------------------------------------

def _step_wrongs(Z):
    Z = np.asarray(Z, dtype=float)
    return [
        ((Z > 0).astype(float), "step(0) returned 0: the comparison is z > 0.",
         "the step is 1.0 where z >= 0: use >=, not >."),
        (np.sign(Z), "step(z) returned sign(z) (-1 for negative z).", "negative z give 0.0, not -1."),
        ((Z < 0).astype(float), "step(z) is 1 for negative z and 0 for positive z.",
         "it is 1.0 where z >= 0 and 0.0 elsewhere."),
        (np.maximum(Z, 0), "step(z) returned max(0, z), the ReLU.", "the step's value is 1.0, not z, for z >= 0."),
    ]


@exercise("step", notebook=NOTEBOOK)
def check_step(func, rng, hidden):
    summary = check_elementwise("step", func, rng, hidden, reference=ref.step, wrongs=_step_wrongs,
                                extremes=[-1e4, -1e-12, 0.0, 1e-12, 1e4], extreme_range=(0.0, 1.0))
    return "1.0 for z >= 0 (including z = 0), 0.0 below, float values, " + summary


# ---------------------------------------------------------------------------------------------
# neuron
# ---------------------------------------------------------------------------------------------

def _neuron_wrongs(x, w, b, activation):
    z = np.asarray(x, dtype=float) @ np.asarray(w, dtype=float)
    return [
        (activation(z) + b, "neuron added the bias after the activation.",
         "the bias belongs inside: activation(weighted_sum(x, w) + b)."),
        (activation(z), "neuron ignored the bias b.", "add b to the weighted sum before the activation."),
        (z + b, "neuron returned z = weighted_sum(x, w) + b without the activation.",
         "apply the activation to z: activation(z)."),
        (ref.step(z + b), "neuron used the step function instead of the activation it was given.",
         "call the `activation` argument, not step directly: activation(weighted_sum(x, w) + b)."),
        (activation(z - b), "neuron subtracted the bias.", "z = weighted_sum(x, w) + b."),
    ]


@exercise("neuron", notebook=NOTEBOOK)
def check_neuron(func, rng, hidden):
    name = "neuron"
    m, n = distinct_sizes(rng, 2, 3, 9)
    activations = [ref.sigmoid, ref.tanh]
    cases = [(rng.normal(size=(m, n)), rng.normal(size=n), float(rng.normal()), act) for act in activations]
    cases.append((rng.normal(size=n), rng.normal(size=n), float(rng.normal()), ref.sigmoid))
    if hidden:
        cases += [(rng.normal(size=(1, n)), rng.normal(size=n), float(rng.normal()), ref.relu),
                  (rng.normal(size=(2 * m + 7, n + 20)), rng.normal(size=n + 20), float(rng.normal()),
                   ref.sigmoid)]
    for x, w, b, activation in cases:
        desc = describe(x=x, w=w, b=b) + f", activation {activation.__name__}"
        got = call_student(name, func, x, w, b, activation, names=("x", "w", "b", "activation"), input_desc=desc)
        what = f"neuron(x, w, b, {activation.__name__})"
        value = as_array(name, got, what=what, input_desc=desc)
        expected = ref.neuron(x, w, b, activation)
        hints = _neuron_wrongs(x, w, b, activation)
        expect_shape(name, value, expected.shape, what=what, input_desc=desc, hints=hints)
        expect_close(name, value, expected, what=what, input_desc=desc, hints=hints)
    # The default activation is the step function.
    x, w = rng.normal(size=(m, n)), rng.normal(size=n)
    b = float(rng.normal())
    desc = describe(x=x, w=w, b=b) + ", activation left at its default"
    got = call_student(name, func, x, w, b, names=("x", "w", "b"), input_desc=desc)
    value = as_array(name, got, what="neuron(x, w, b)", input_desc=desc)
    expect_close(name, value, ref.neuron(x, w, b), what="neuron(x, w, b) with the default activation",
                 input_desc=desc, hints=[(x @ w + b, "neuron without an activation argument skipped the activation.",
                                          "the default activation is step: def neuron(x, w, b, activation=step).")])
    return "sigmoid and tanh activations passed in, step by default, one example and a batch."


# ---------------------------------------------------------------------------------------------
# and_neuron, or_neuron
# ---------------------------------------------------------------------------------------------

_GATES = {
    "and_neuron": ("AND", np.array([0.0, 0.0, 0.0, 1.0])),
    "or_neuron": ("OR", np.array([0.0, 1.0, 1.0, 1.0])),
}
_KNOWN_TABLES = {
    (0, 0, 0, 1): "AND", (0, 1, 1, 1): "OR", (1, 1, 1, 0): "NAND", (1, 0, 0, 0): "NOR",
    (0, 1, 1, 0): "XOR", (0, 0, 0, 0): "always 0", (1, 1, 1, 1): "always 1",
}


def _check_gate(name, func):
    gate, truth = _GATES[name]
    got = call_student(name, func, input_desc="no arguments")
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail(name, f"{name}() must return a pair (w, b).", got=format_array(got) if got is not None else "None",
             hint="end with `return w, b`, with w = np.array([w1, w2]) and b a number.")
    w, b = got
    w = as_array(name, w, what="w", allow_list=True)
    expect_shape(name, w, (2,), what="w")
    b_arr = as_array(name, b, what="b", allow_list=True)
    if b_arr.size != 1:
        fail(name, f"b must be one number, got shape {b_arr.shape}.", got=format_array(b),
             hint="a neuron has a single bias: b = -1.5, for example.")
    b = float(b_arr.reshape(()))
    outputs = ref.step(TRUTH_TABLE_X @ w.astype(float) + b)
    if not np.array_equal(outputs, truth):
        table = ", ".join(f"{tuple(int(v) for v in x)} -> {int(o)}" for x, o in zip(TRUTH_TABLE_X, outputs))
        computed = _KNOWN_TABLES.get(tuple(int(o) for o in outputs))
        fact = f"neuron(x, w, b, step) does not compute {gate}" + (f": it computes {computed}." if computed else ".")
        if gate == "AND":
            hint = ("with w = [1, 1], the weighted sum is 0, 1 or 2; choose b so that only the sum 2 "
                    "reaches 0 once b is added.")
        else:
            hint = ("with w = [1, 1], the weighted sum is 0, 1 or 2; choose b so that the sums 1 and 2 "
                    "reach 0 once b is added, but the sum 0 does not.")
        fail(name, fact, input="the four inputs (0,0), (0,1), (1,0), (1,1)",
             expected=", ".join(f"{tuple(int(v) for v in x)} -> {int(t)}" for x, t in zip(TRUTH_TABLE_X, truth)),
             got=table, hint=hint)
    return f"w = {format_array(w)}, b = {b:.4g} computes {gate} on all four inputs."


@exercise("and_neuron", notebook=NOTEBOOK)
def check_and_neuron(func, rng, hidden):
    return _check_gate("and_neuron", func)


@exercise("or_neuron", notebook=NOTEBOOK)
def check_or_neuron(func, rng, hidden):
    return _check_gate("or_neuron", func)
