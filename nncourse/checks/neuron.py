"""Checks of notebook 01: the weighted sum, the step function, one neuron, AND and OR neurons."""
from __future__ import annotations

import numpy as np

from nncourse import reference

from ._framework import (
    TABLE_NAMES,
    TRUTH_TABLE_X,
    Mistake,
    as_array,
    call_student,
    check_elementwise,
    describe,
    distinct_sizes,
    exercise,
    expect_close,
    expect_shape,
    fail,
    format_array,
    tolerance,
    truth_table,
)

NOTEBOOK = "01_the_neuron"

# ---------------------------------------------------------------------------------------------
# weighted_sum
# ---------------------------------------------------------------------------------------------

WEIGHTED_SUM_SHAPES_HINT = ("x is (n,) for one example or (m, n) for a batch, and w is (n,): x @ w gives a "
                            "number or shape (m,); do not transpose x or reshape w.")


def _weighted_sum_mistakes(x, w):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    mistakes = [
        Mistake("no-sum", x * w, "weighted_sum multiplied x and w but did not add the products.",
                "add the products over the features: (x * w).sum(axis=-1), or simply x @ w."),
        Mistake("sum-times-sum", x.sum(axis=-1) * w.sum(), "weighted_sum multiplied the sum of x by the sum of w.",
                "multiply each x_i by its own w_i, then add: x1*w1 + ... + xn*wn."),
        Mistake("added-not-multiplied", x.sum(axis=-1) + w.sum(), "weighted_sum added x and w.",
                "multiply each x_i by its own w_i, then add: x1*w1 + ... + xn*wn."),
        Mistake("column-output", (x @ w)[..., None], "weighted_sum returned shape (m, 1) instead of (m,).",
                "w has shape (n,), so x @ w is already (m,); do not reshape w into a column."),
    ]
    if x.ndim == 2 and len(x) == 1:
        mistakes.append(Mistake("squeezed-batch", (x @ w).reshape(()),
                                "weighted_sum returned a number for a batch of one example.",
                                "a batch x of shape (1, n) gives shape (1,); do not np.squeeze or float() "
                                "the result."))
    elif x.ndim == 2:
        mistakes += [
            Mistake("summed-whole-batch", (x * w).sum(), "weighted_sum added up the whole batch into one number.",
                    "each example (row of x) gets its own sum: sum over the last axis only, or x @ w."),
            Mistake("python-sum-on-array", (x * w).sum(axis=0),
                    "weighted_sum added down the columns, as Python's sum() does.",
                    "Python's sum() adds the rows of a 2-D array; sum each row with (x * w).sum(axis=-1), "
                    "or use x @ w."),
        ]
    return mistakes


@exercise("weighted_sum", notebook=NOTEBOOK)
def check_weighted_sum(func, rng, hidden):
    name = "weighted_sum"
    m, n = distinct_sizes(rng, 2, 3, 9)
    cases = [(rng.normal(size=n), rng.normal(size=n)), (rng.normal(size=(m, n)), rng.normal(size=n)),
             (rng.normal(size=(1, n)), rng.normal(size=n)),
             (rng.normal(size=(n, m)).astype(np.float32), rng.normal(size=m).astype(np.float32))]
    if hidden:
        wide = int(rng.integers(40, 60))
        cases += [(rng.normal(size=(2 * m + 9, wide)), rng.normal(size=wide))]
    for x, w in cases:
        desc = describe(x=x, w=w)
        got = call_student(name, func, x, w, names=("x", "w"), input_desc=desc, error_hint=WEIGHTED_SUM_SHAPES_HINT)
        what = f"weighted_sum for x {x.shape}"
        value = as_array(name, got, what=what, input_desc=desc)
        expected = reference.weighted_sum(x, w)
        mistakes = _weighted_sum_mistakes(x, w)
        expect_shape(name, value, np.shape(expected), what=what, input_desc=desc, mistakes=mistakes)
        expect_close(name, value, expected, what=what, input_desc=desc, mistakes=mistakes,
                     rtol=tolerance(x.dtype), atol=1e-5 if x.dtype == np.float32 else 1e-9)
    shapes = ", ".join(str(x.shape) for x, _ in cases)
    return f"x of shapes {shapes} (a number for one example, one sum per row for a batch), float32 input."


# ---------------------------------------------------------------------------------------------
# step
# ---------------------------------------------------------------------------------------------

def _step_mistakes(Z):
    Z = np.asarray(Z, dtype=float)
    return [
        Mistake("strict-inequality", (Z > 0).astype(float), "step(0) returned 0: the comparison is z > 0.",
                "the step is 1.0 where z >= 0: use >=, not >."),
        Mistake("sign-not-step", np.sign(Z), "step(z) returned sign(z) (-1 for negative z).",
                "negative z give 0.0, not -1."),
        Mistake("reversed-step", (Z < 0).astype(float), "step(z) is 1 for negative z and 0 for positive z.",
                "it is 1.0 where z >= 0 and 0.0 elsewhere."),
        Mistake("relu-not-step", np.maximum(Z, 0), "step(z) returned max(0, z), the ReLU.",
                "the step's value is 1.0, not z, for z >= 0."),
    ]


@exercise("step", notebook=NOTEBOOK)
def check_step(func, rng, hidden):
    summary = check_elementwise("step", func, rng, hidden, reference=reference.step, mistakes=_step_mistakes,
                                extreme_range=(0.0, 1.0))
    return "1.0 for z >= 0 (including z = 0), 0.0 below, float values, " + summary


# ---------------------------------------------------------------------------------------------
# neuron
# ---------------------------------------------------------------------------------------------

def _neuron_mistakes(x, w, b, activation):
    z = np.asarray(x, dtype=float) @ np.asarray(w, dtype=float)
    return [
        Mistake("bias-after-activation", activation(z) + b, "neuron added the bias after the activation.",
                "the bias belongs inside: activation(weighted_sum(x, w) + b)."),
        Mistake("no-bias", activation(z), "neuron ignored the bias b.", "add b to the weighted sum before the "
                                                                         "activation."),
        Mistake("no-activation", z + b, "neuron returned z = weighted_sum(x, w) + b without the activation.",
                "apply the activation to z: activation(z)."),
        Mistake("always-step", reference.step(z + b), "neuron used step instead of the activation it was given.",
                "call the `activation` argument, not step directly: activation(weighted_sum(x, w) + b)."),
        Mistake("bias-subtracted", activation(z - b), "neuron subtracted the bias.", "z = weighted_sum(x, w) + b."),
    ]


@exercise("neuron", notebook=NOTEBOOK)
def check_neuron(func, rng, hidden):
    name = "neuron"
    m, n = distinct_sizes(rng, 2, 3, 9)
    cases = [(rng.normal(size=(m, n)), rng.normal(size=n), float(rng.normal()), act)
             for act in (reference.sigmoid, reference.tanh)]
    cases += [(rng.normal(size=n), rng.normal(size=n), float(rng.normal()), reference.sigmoid),
              (rng.normal(size=(1, n)), rng.normal(size=n), float(rng.normal()), reference.relu)]
    if hidden:
        cases += [(rng.normal(size=(2 * m + 7, n + 20)), rng.normal(size=n + 20), float(rng.normal()),
                   reference.sigmoid)]
    for x, w, b, activation in cases:
        desc = describe(x=x, w=w, b=b) + f", activation {activation.__name__}"
        got = call_student(name, func, x, w, b, activation, names=("x", "w", "b", "activation"), input_desc=desc,
                           error_hint=WEIGHTED_SUM_SHAPES_HINT)
        what = f"neuron(x, w, b, {activation.__name__})"
        value = as_array(name, got, what=what, input_desc=desc)
        expected = reference.neuron(x, w, b, activation)
        mistakes = _neuron_mistakes(x, w, b, activation)
        expect_shape(name, value, np.shape(expected), what=what, input_desc=desc, mistakes=mistakes)
        expect_close(name, value, expected, what=what, input_desc=desc, mistakes=mistakes)
    # The default activation is the step function.
    x, w = rng.normal(size=(m, n)), rng.normal(size=n)
    b = float(rng.normal())
    desc = describe(x=x, w=w, b=b) + ", activation left at its default"
    got = call_student(name, func, x, w, b, names=("x", "w", "b"), input_desc=desc)
    value = as_array(name, got, what="neuron(x, w, b)", input_desc=desc)
    expect_close(name, value, reference.neuron(x, w, b), what="neuron(x, w, b) (default activation)",
                 input_desc=desc, mistakes=[
                     Mistake("default-activation", x @ w + b, "neuron(x, w, b) skipped the default activation.",
                             "the default activation is step: def neuron(x, w, b, activation=step).")])
    return "sigmoid, tanh and relu activations passed in, step by default, one example and batches."


# ---------------------------------------------------------------------------------------------
# and_neuron, or_neuron
# ---------------------------------------------------------------------------------------------

_GATES = {
    "and_neuron": ("AND", np.array([0.0, 0.0, 0.0, 1.0])),
    "or_neuron": ("OR", np.array([0.0, 1.0, 1.0, 1.0])),
}
def _check_gate(name, func):
    gate, truth = _GATES[name]
    got = call_student(name, func, input_desc="no arguments")
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail(name, f"{name}() must return a pair (w, b).", got=format_array(got) if got is not None else "None",
             hint="end with `return w, b`, with w = np.array([w1, w2]) and b a number.", mistake="not-a-pair")
    w, b = got
    w = as_array(name, w, what="w", allow_list=True)
    expect_shape(name, w, (2,), what="w")
    b_arr = as_array(name, b, what="b", allow_list=True)
    if b_arr.size != 1:
        fail(name, f"b must be one number, got shape {b_arr.shape}.", got=format_array(b),
             hint="a neuron has a single bias: b = -1.5, for example.")
    b = float(b_arr.reshape(()))
    outputs = reference.step(TRUTH_TABLE_X @ w.astype(float) + b)
    if not np.array_equal(outputs, truth):
        computed = TABLE_NAMES.get(tuple(int(o) for o in outputs))
        fact = f"the neuron computes {computed}, not {gate}." if computed else f"the neuron does not compute {gate}."
        if gate == "AND":
            hint = ("with w = [1, 1], the weighted sum is 0, 1 or 2; choose b so that only the sum 2 "
                    "reaches 0 once b is added.")
        else:
            hint = ("with w = [1, 1], the weighted sum is 0, 1 or 2; choose b so that the sums 1 and 2 "
                    "reach 0 once b is added, but the sum 0 does not.")
        fail(name, fact, input=f"w = {format_array(w)}, b = {b:.6g}, the four inputs (0,0), (0,1), (1,0), (1,1)",
             expected=truth_table(truth), got=truth_table(outputs), hint=hint, mistake="wrong-gate")
    return f"w = {format_array(w)}, b = {b:.4g} computes {gate} on all four inputs."


@exercise("and_neuron", notebook=NOTEBOOK)
def check_and_neuron(func, rng, hidden):
    return _check_gate("and_neuron", func)


@exercise("or_neuron", notebook=NOTEBOOK)
def check_or_neuron(func, rng, hidden):
    return _check_gate("or_neuron", func)
