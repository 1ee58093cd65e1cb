"""Checks of notebook 03: a dense layer, initialisation, parameter counting, XOR with a hidden layer."""
from __future__ import annotations

import math
import numbers

import numpy as np

from nncourse import reference

from ._framework import (
    BATCH_FIRST_HINT,
    TABLE_NAMES,
    TRUTH_TABLE_X,
    Mistake,
    as_array,
    as_params,
    call_student,
    describe,
    distinct_sizes,
    exercise,
    expect_close,
    expect_shape,
    fail,
    format_array,
    name_mistake,
    tolerance,
    truth_table,
)

NOTEBOOK = "03_layers_and_deep_networks"


# ---------------------------------------------------------------------------------------------
# dense
# ---------------------------------------------------------------------------------------------

def _dense_mistakes(X, W, b):
    X, W, b = (np.asarray(a, dtype=float) for a in (X, W, b))
    Z = X @ W
    return [
        Mistake("transposed-output", W.T @ X.T, "dense returned Z transposed, (n_out, m).",
                "compute X @ W: the examples stay in the rows. " + BATCH_FIRST_HINT),
        Mistake("transposed-output", W.T @ X.T + b[:, None], "dense returned Z transposed, (n_out, m).",
                "compute X @ W + b: the examples stay in the rows. " + BATCH_FIRST_HINT),
        Mistake("no-bias", Z, "dense forgot the bias b.", "Z = X @ W + b: add b (it broadcasts over the rows)."),
        Mistake("bias-subtracted", Z - b, "dense subtracted the bias b.", "Z = X @ W + b."),
        Mistake("summed-bias", Z + b.sum(), "dense added the sum of b to every entry.",
                "add b itself: each output unit has its own bias, X @ W + b."),
        Mistake("activation-applied", np.maximum(Z + b, 0), "dense applied ReLU to Z.",
                "dense computes only Z = X @ W + b; the activation comes after."),
        Mistake("activation-applied", reference.sigmoid(Z + b), "dense applied the sigmoid to Z.",
                "dense computes only Z = X @ W + b; the activation comes after."),
    ]


@exercise("dense", notebook=NOTEBOOK)
def check_dense(func, rng, hidden):
    name = "dense"
    m, n_in, n_out = distinct_sizes(rng, 3, 2, 9)
    shapes = [(m, n_in, n_out), (1, n_in, n_out), (m, n_in, 1)]
    if hidden:
        shapes += [(2 * m + 17, n_in + 30, n_out + 11)]
    cases = [(rng.normal(size=(a, c)), rng.normal(size=(c, d)), rng.normal(size=d)) for a, c, d in shapes]
    cases.append(tuple(rng.normal(size=s).astype(np.float32) for s in ((n_out, m), (m, n_in), (n_in,))))
    for X, W, b in cases:
        desc = describe(X=X, W=W, b=b)
        got = call_student(name, func, X, W, b, names=("X", "W", "b"), input_desc=desc, error_hint=BATCH_FIRST_HINT)
        Z = as_array(name, got, what="dense(X, W, b)", input_desc=desc)
        expected = reference.dense(X, W, b)
        mistakes = _dense_mistakes(X, W, b)
        expect_shape(name, Z, expected.shape, what="dense(X, W, b)", input_desc=desc, mistakes=mistakes)
        expect_close(name, Z, expected, what="dense(X, W, b)", input_desc=desc, mistakes=mistakes,
                     rtol=tolerance(X.dtype), atol=1e-5 if X.dtype == np.float32 else 1e-9)
    sizes = ", ".join(str(s) for s in shapes)
    return f"Z = X @ W + b (m, n_out) for (m, n_in, n_out) = {sizes} and float32 input."


# ---------------------------------------------------------------------------------------------
# init_params
# ---------------------------------------------------------------------------------------------

def _same_params(p, q):
    return all(np.array_equal(W1, W2) and np.array_equal(b1, b2) for (W1, b1), (W2, b2) in zip(p, q))


def _check_init_values(name, params, statistics):
    for l, (W, b) in enumerate(params):
        n_in, n_out = W.shape
        where = f"layer {l + 1}"
        shape = f"layer {l + 1} has n_in = {n_in}, n_out = {n_out}"
        if np.any(b != 0):
            fail(name, f"b of {where} is not all zeros.", got=format_array(b), mistake="nonzero-bias",
                 hint="initialise the biases with np.zeros(n_out); only W needs random values.")
        if not np.all(np.isfinite(W)):
            fail(name, f"W of {where} contains nan or inf.", got=format_array(W))
        if np.all(W == 0):
            fail(name, f"W of {where} is all zeros: its units stay identical (symmetry).", input=shape,
                 got=format_array(W), mistake="zero-weights",
                 details=["every unit of the layer computes the same thing and gets the same gradient."],
                 hint="draw W at random, e.g. rng.standard_normal((n_in, n_out)) * np.sqrt(2 / n_in).")
        if n_out > 1 and np.all(W == W[:, :1]):
            fail(name, f"W of {where} has identical columns: its units stay identical.", input=shape,
                 got=format_array(W), mistake="symmetric-units",
                 hint="draw every entry of W independently: rng.standard_normal((n_in, n_out)) * scale.")
        if n_in > 1 and np.all(W == W[:1, :]):
            fail(name, f"W of {where} has identical rows: every input gets the same weights.", input=shape,
                 got=format_array(W), mistake="symmetric-units",
                 hint="draw every entry of W independently: rng.standard_normal((n_in, n_out)) * scale.")
        if not statistics:
            continue
        std = float(np.sqrt(np.mean(W.astype(float) ** 2)))
        scaled = std * math.sqrt(n_in)
        if not 0.5 <= scaled <= 2.0:
            fail(name, f"W of {where} has standard deviation {scaled:.3g} / sqrt(n_in).", input=shape,
                 expected=f"between 0.5 / sqrt(n_in) = {0.5 / math.sqrt(n_in):.3g} and 2 / sqrt(n_in) = "
                          f"{2 / math.sqrt(n_in):.3g}", got=f"standard deviation {std:.3g}", mistake="wrong-scale",
                 hint="scale the random weights by the layer's fan-in: rng.standard_normal((n_in, n_out)) * "
                      "np.sqrt(2 / n_in). 0.01 is too small for deep networks and 1 too large: the signal "
                      "vanishes or explodes.")
        negative = float(np.mean(W < 0))
        if not 0.3 <= negative <= 0.7:
            fail(name, f"W of {where} has {100 * negative:.0f}% negative entries, not about half.", input=shape,
                 got=format_array(W), mistake="not-centred",
                 hint="use a distribution with mean 0: rng.standard_normal(...) * scale, or "
                      "rng.uniform(-limit, limit, ...).")


def _init(name, func, sizes, seed=None):
    kwargs = {} if seed is None else {"seed": seed}
    desc = f"layer_sizes {sizes}" + (f", seed={seed}" if seed is not None else "")
    got = call_student(name, func, list(sizes), names=("layer_sizes",), input_desc=desc, **kwargs)
    return as_params(name, got, sizes, what="the params",
                     input_desc=desc, floats=True), desc


@exercise("init_params", notebook=NOTEBOOK)
def check_init_params(func, rng, hidden):
    name = "init_params"
    small = list(distinct_sizes(rng, 4, 2, 9))
    seed = int(rng.integers(1, 1000))
    cases = [small, [small[0], small[1]], [1, small[2], 1]]
    if hidden:
        cases += [list(distinct_sizes(rng, 6, 1, 12))]
    for sizes in cases:
        params, _ = _init(name, func, sizes, seed)
        _check_init_values(name, params, statistics=False)
    # Scale and centring, measured on layers wide enough for the statistics to be reliable.
    wide = [int(rng.integers(60, 80)), int(rng.integers(40, 55)), int(rng.integers(25, 35))]
    params, desc = _init(name, func, wide, seed)
    _check_init_values(name, params, statistics=True)
    # Reproducible from the seed, different for another seed, and seed=0 by default.
    again, _ = _init(name, func, wide, seed)
    if not _same_params(params, again):
        fail(name, f"two calls with the same seed ({seed}) returned different parameters.", input=desc,
             mistake="not-reproducible",
             hint="create the generator from the seed inside the function, rng = np.random.default_rng(seed), "
                  "and draw every W from rng.")
    other, _ = _init(name, func, wide, seed + 1)
    if _same_params(params, other):
        fail(name, f"seeds {seed} and {seed + 1} gave the same parameters: the seed is ignored.", input=desc,
             mistake="seed-ignored",
             hint="use the seed argument: rng = np.random.default_rng(seed), not a fixed number.")
    default, _ = _init(name, func, wide)
    zero, _ = _init(name, func, wide, 0)
    if not _same_params(default, zero):
        fail(name, "init_params(layer_sizes) differs from init_params(layer_sizes, seed=0).",
             input=f"layer_sizes {wide}", hint="the default is seed=0: def init_params(layer_sizes, seed=0).",
             mistake="wrong-default-seed")
    shown = ", ".join(str(list(s)) for s in cases + [wide])
    return (f"layer sizes {shown}: shapes (n_in, n_out) and (n_out,), float zero b, random W with "
            "std in [0.5, 2] / sqrt(n_in) and no symmetric units, same seed same params, other seed other params.")


# ---------------------------------------------------------------------------------------------
# count_params
# ---------------------------------------------------------------------------------------------

def _count_mistakes(sizes):
    pairs = list(zip(sizes[:-1], sizes[1:]))
    weights = sum(a * b for a, b in pairs)
    return [
        Mistake("weights-only", weights, "count_params counted the weights but not the biases.",
                "each layer also has one bias per output unit: n_in * n_out + n_out."),
        Mistake("input-layer-bias", weights + sum(sizes), "count_params gave a bias to the input layer too.",
                "the input layer has no bias: add n_out (not n_in) per layer."),
        Mistake("bias-per-input", weights + sum(a for a, _ in pairs),
                "count_params counted one bias per input unit, not per output unit.",
                "b has shape (n_out,): n_in * n_out + n_out per layer."),
        Mistake("counted-units", sum(sizes), "count_params counted the units, not the parameters.",
                "count the entries of every W (n_in * n_out) and b (n_out)."),
        Mistake("skipped-first-layer", sum(a * b + b for a, b in pairs[1:]), "count_params skipped the first layer.",
                "loop over all pairs of consecutive sizes: zip(layer_sizes[:-1], layer_sizes[1:])."),
        Mistake("skipped-last-layer", sum(a * b + b for a, b in pairs[:-1]), "count_params skipped the last layer.",
                "loop over all pairs of consecutive sizes: zip(layer_sizes[:-1], layer_sizes[1:])."),
    ]


@exercise("count_params", notebook=NOTEBOOK)
def check_count_params(func, rng, hidden):
    name = "count_params"
    sizes = list(distinct_sizes(rng, 4, 2, 12))
    cases = [sizes, sizes[:2], [int(rng.integers(100, 800)), int(rng.integers(20, 90)), int(rng.integers(2, 12))],
             [1, 1]]
    if hidden:
        cases += [list(distinct_sizes(rng, 7, 1, 30)), [784, 256, 128, 10]]
    for layer_sizes in cases:
        desc = f"layer_sizes {layer_sizes}"
        got = call_student(name, func, list(layer_sizes), names=("layer_sizes",), input_desc=desc)
        expected = reference.count_params(layer_sizes)
        numeric = isinstance(got, (int, float, np.number)) and not isinstance(got, bool)
        if numeric and float(got) != expected:
            name_mistake(name, float(got), _count_mistakes(list(layer_sizes)), expected=expected, input_desc=desc)
            fail(name, f"count_params({layer_sizes}) returned {got}, expected {expected}.", input=desc,
                 hint="per layer: n_in * n_out weights plus n_out biases; add up over the layers.")
        if not isinstance(got, numbers.Integral) or isinstance(got, bool):
            value = format_array(got)
            fail(name, f"count_params returned {type(got).__name__}, expected the int {expected}.", input=desc,
                 got=value, mistake="not-an-int",
                 hint="a count is an integer: avoid '/' and float arrays, or return int(total).")
    return "weights plus biases, an int, for " + ", ".join(str(list(s)) for s in cases) + "."


# ---------------------------------------------------------------------------------------------
# xor_params
# ---------------------------------------------------------------------------------------------

_XOR = np.array([0.0, 1.0, 1.0, 0.0])


@exercise("xor_params", notebook=NOTEBOOK)
def check_xor_params(func, rng, hidden):
    name = "xor_params"
    got = call_student(name, func, input_desc="no arguments")
    params = as_params(name, got, [2, 2, 1], what="xor_params()", input_desc="a 2-2-1 network")
    hidden_units = reference.step(TRUTH_TABLE_X @ params[0][0].astype(float) + params[0][1].astype(float))
    outputs = reference.step(hidden_units @ params[1][0].astype(float) + params[1][1].astype(float))[:, 0]
    if not np.array_equal(outputs, _XOR):
        computed = TABLE_NAMES.get(tuple(int(o) for o in outputs))
        fail(name, f"the network computes {computed}, not XOR." if computed else "the network does not compute XOR.",
             input="the four inputs (0,0), (0,1), (1,0), (1,1), step activations in both layers",
             expected=truth_table(_XOR), got=truth_table(outputs), mistake="not-xor",
             hint="let one hidden unit compute OR and the other AND (the neurons of notebook 01: column l of W1 "
                  "and b1[l] are unit l's weights and bias); the output unit then computes 'OR and not AND': "
                  "a positive weight on the OR unit, a negative one on the AND unit.")
    return "W1 (2, 2), b1 (2,), W2 (2, 1), b2 (1,), and the step network computes XOR on all four inputs."
