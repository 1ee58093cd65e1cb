"""Checks of notebook 03: a dense layer, initialisation, parameter counting, XOR with a hidden layer."""
from __future__ import annotations

import math
import numbers

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
from .neuron import TRUTH_TABLE_X

NOTEBOOK = "03_layers_and_deep_networks"

BATCH_FIRST_HINT = ("The course is batch-first: X is (m, n_in), W is (n_in, n_out), b is (n_out,), and "
                    "Z = X @ W + b is (m, n_out), one row per example.")


# ---------------------------------------------------------------------------------------------
# dense
# ---------------------------------------------------------------------------------------------

def _dense_wrongs(X, W, b):
    X, W, b = (np.asarray(a, dtype=float) for a in (X, W, b))
    Z = X @ W
    return [
        ((W.T @ X.T), "dense returned Z transposed, (n_out, m) instead of (m, n_out).",
         "compute X @ W: the examples stay in the rows. " + BATCH_FIRST_HINT),
        ((W.T @ X.T) + b[:, None], "dense returned Z transposed, (n_out, m) instead of (m, n_out).",
         "compute X @ W + b: the examples stay in the rows. " + BATCH_FIRST_HINT),
        (Z, "dense forgot the bias b.", "Z = X @ W + b: add b (it broadcasts over the rows)."),
        (Z - b, "dense subtracted the bias b.", "Z = X @ W + b."),
        (Z + b.sum(), "dense added the sum of b to every entry.",
         "add b itself: each output unit has its own bias, X @ W + b."),
        (np.maximum(Z + b, 0), "dense applied ReLU to Z.",
         "dense computes only Z = X @ W + b; the activation comes after."),
        (ref.sigmoid(Z + b), "dense applied the sigmoid to Z.",
         "dense computes only Z = X @ W + b; the activation comes after."),
    ]


@exercise("dense", notebook=NOTEBOOK)
def check_dense(func, rng, hidden):
    name = "dense"
    m, n_in, n_out = distinct_sizes(rng, 3, 2, 9)
    shapes = [(m, n_in, n_out)]
    if hidden:
        shapes += [(1, n_in, n_out), (2 * m + 17, n_in + 30, n_out + 11), (m, n_in, 1)]
    cases = [(rng.normal(size=(a, c)), rng.normal(size=(c, d)), rng.normal(size=d)) for a, c, d in shapes]
    cases.append(tuple(rng.normal(size=s).astype(np.float32) for s in ((n_out, m), (m, n_in), (n_in,))))
    for X, W, b in cases:
        desc = describe(X=X, W=W, b=b)
        got = call_student(name, func, X, W, b, names=("X", "W", "b"), input_desc=desc,
                           error_hint=BATCH_FIRST_HINT)
        Z = as_array(name, got, what="dense(X, W, b)", input_desc=desc)
        expected = ref.dense(X, W, b)
        hints = _dense_wrongs(X, W, b)
        expect_shape(name, Z, expected.shape, what="dense(X, W, b)", input_desc=desc, hints=hints)
        expect_float(name, Z, what="dense(X, W, b)", input_desc=desc)
        expect_close(name, Z, expected, what="dense(X, W, b)", input_desc=desc, hints=hints,
                     rtol=tolerance(X.dtype), atol=1e-5 if X.dtype == np.float32 else 1e-9)
    sizes = ", ".join(str(s) for s in shapes)
    return f"Z = X @ W + b (m, n_out) for (m, n_in, n_out) = {sizes} and float32 input."


# ---------------------------------------------------------------------------------------------
# init_params
# ---------------------------------------------------------------------------------------------

def _as_params(name, got, layer_sizes, what, network=None):
    """Check the structure [(W, b), ...] with the right shapes; return a list of (W, b) arrays."""
    L = len(layer_sizes) - 1
    network = network or f"layer_sizes {list(layer_sizes)}"
    if not isinstance(got, (list, tuple)):
        fail(name, f"{what} returned {type(got).__name__}, expected a list of (W, b) pairs.",
             got=format_array(got) if got is not None else "None",
             hint="build a list: params = [], then params.append((W, b)) for each layer, and return params.")
    if len(got) != L:
        extra = (" (one pair per layer; the input layer has no parameters)" if len(got) == L + 1 else "")
        fail(name, f"{what} returned {len(got)} layers for layer_sizes {list(layer_sizes)}, expected {L}{extra}.",
             hint="there is one (W, b) per pair of consecutive sizes: zip(layer_sizes[:-1], layer_sizes[1:]).")
    params = []
    for l, pair in enumerate(got):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            fail(name, f"params[{l}] is not a pair (W, b).", got=format_array(pair))
        n_in, n_out = layer_sizes[l], layer_sizes[l + 1]
        W = as_array(name, pair[0], what=f"W of layer {l + 1}")
        b = as_array(name, pair[1], what=f"b of layer {l + 1}")
        if W.shape == (n_out, n_in) and n_in != n_out:
            fail(name, f"W of layer {l + 1} has shape {W.shape}, expected ({n_in}, {n_out}): it is transposed.",
                 input=network,
                 hint="W of a layer is (n_in, n_out) = (layer_sizes[l], layer_sizes[l+1]), so that X @ W works. "
                      + BATCH_FIRST_HINT)
        expect_shape(name, W, (n_in, n_out), what=f"W of layer {l + 1}", input_desc=network)
        if b.shape in ((1, n_out), (n_out, 1)):
            fail(name, f"b of layer {l + 1} has shape {b.shape}, expected ({n_out},).",
                 hint="the bias is 1-D: np.zeros(n_out); it broadcasts over the rows of X @ W.")
        expect_shape(name, b, (n_out,), what=f"b of layer {l + 1}", input_desc=network)
        expect_float(name, W, what=f"W of layer {l + 1}")
        expect_float(name, b, what=f"b of layer {l + 1}", hint="np.zeros(n_out) gives float zeros.")
        params.append((W, b))
    return params


def _same_params(p, q):
    return all(np.array_equal(W1, W2) and np.array_equal(b1, b2) for (W1, b1), (W2, b2) in zip(p, q))


def _check_init_values(name, params, statistics):
    for l, (W, b) in enumerate(params):
        n_in, n_out = W.shape
        where = f"layer {l + 1} (n_in = {n_in}, n_out = {n_out})"
        if np.any(b != 0):
            fail(name, f"b of {where} is not all zeros.", got=format_array(b),
                 hint="initialise the biases with np.zeros(n_out); only W needs random values.")
        if not np.all(np.isfinite(W)):
            fail(name, f"W of {where} contains nan or inf.", got=format_array(W))
        if np.all(W == 0):
            fail(name, f"W of {where} is all zeros: every unit of the layer computes the same thing "
                       "and gets the same gradient, so they stay identical forever (symmetry).",
                 got=format_array(W),
                 hint="draw W at random, e.g. rng.standard_normal((n_in, n_out)) * np.sqrt(2 / n_in).")
        if n_out > 1 and np.all(W == W[:, :1]):
            fail(name, f"the columns of W of {where} are identical: every unit of the layer has the same "
                       "weights, so the units stay identical during training (symmetry).",
                 got=format_array(W),
                 hint="draw every entry of W independently: rng.standard_normal((n_in, n_out)) * scale.")
        if n_in > 1 and np.all(W == W[:1, :]):
            fail(name, f"the rows of W of {where} are identical: every input gets the same weights.",
                 got=format_array(W),
                 hint="draw every entry of W independently: rng.standard_normal((n_in, n_out)) * scale.")
        if not statistics:
            continue
        std = float(np.sqrt(np.mean(W.astype(float) ** 2)))
        scaled = std * math.sqrt(n_in)
        if not 0.5 <= scaled <= 2.0:
            fail(name, f"W of {where} has standard deviation {std:.3g} = {scaled:.3g} / sqrt(n_in); "
                       f"expected between 0.5 / sqrt(n_in) = {0.5 / math.sqrt(n_in):.3g} and "
                       f"2 / sqrt(n_in) = {2 / math.sqrt(n_in):.3g}.",
                 hint="scale the random weights by the layer's fan-in: rng.standard_normal((n_in, n_out)) * "
                      "np.sqrt(1 / n_in) (or np.sqrt(2 / n_in) for ReLU). 0.01 is too small for deep networks "
                      "and 1 too large: the signal vanishes or explodes.")
        negative = float(np.mean(W < 0))
        if not 0.3 <= negative <= 0.7:
            fail(name, f"W of {where} has {100 * negative:.0f}% negative entries; random weights should be "
                       "centred on 0 (about half negative).",
                 got=format_array(W), hint="use a distribution with mean 0: rng.standard_normal(...) * scale, "
                                           "or rng.uniform(-limit, limit, ...).")


@exercise("init_params", notebook=NOTEBOOK)
def check_init_params(func, rng, hidden):
    name = "init_params"
    small = list(distinct_sizes(rng, 4, 2, 9))
    seed = int(rng.integers(1, 1000))
    cases = [small, [small[0], small[1]]]
    if hidden:
        cases += [list(distinct_sizes(rng, 6, 1, 12)), (small[2], small[0], small[1])]
    for sizes in cases:
        desc = f"layer_sizes {sizes}, seed={seed}"
        params = _as_params(name, call_student(name, func, sizes, names=("layer_sizes",), input_desc=desc, seed=seed),
                            sizes, f"init_params({sizes}, seed={seed})")
        _check_init_values(name, params, statistics=False)
    # Scale and centring, measured on layers wide enough for the statistics to be reliable.
    wide = [int(rng.integers(60, 80)), int(rng.integers(40, 55)), int(rng.integers(25, 35))]
    desc = f"layer_sizes {wide}, seed={seed}"
    params = _as_params(name, call_student(name, func, wide, names=("layer_sizes",), input_desc=desc, seed=seed),
                        wide, f"init_params({wide}, seed={seed})")
    _check_init_values(name, params, statistics=True)
    # Reproducible from the seed, different for another seed, and seed=0 by default.
    again = call_student(name, func, wide, names=("layer_sizes",), input_desc=desc, seed=seed)
    again = _as_params(name, again, wide, f"init_params({wide}, seed={seed})")
    if not _same_params(params, again):
        fail(name, f"two calls with the same seed ({seed}) returned different parameters.",
             input=desc, hint="create the generator from the seed inside the function, "
                              "rng = np.random.default_rng(seed), and draw every W from rng.")
    other = call_student(name, func, wide, names=("layer_sizes",), input_desc=desc, seed=seed + 1)
    other = _as_params(name, other, wide, f"init_params({wide}, seed={seed + 1})")
    if _same_params(params, other):
        fail(name, f"seeds {seed} and {seed + 1} gave the same parameters: the seed is ignored.",
             input=desc, hint="use the seed argument: rng = np.random.default_rng(seed), not a fixed number.")
    default = call_student(name, func, wide, names=("layer_sizes",), input_desc=f"layer_sizes {wide}")
    default = _as_params(name, default, wide, f"init_params({wide})")
    zero = _as_params(name, call_student(name, func, wide, names=("layer_sizes",), input_desc=desc, seed=0),
                      wide, f"init_params({wide}, seed=0)")
    if not _same_params(default, zero):
        fail(name, "init_params(layer_sizes) differs from init_params(layer_sizes, seed=0).",
             input=f"layer_sizes {wide}", hint="the default is seed=0: def init_params(layer_sizes, seed=0).")
    shown = ", ".join(str(list(s)) for s in cases + [wide])
    return (f"layer sizes {shown}: shapes (n_in, n_out) and (n_out,), zero b, random W with "
            "std in [0.5, 2] / sqrt(n_in) and no symmetric units, same seed same params, other seed other params.")


# ---------------------------------------------------------------------------------------------
# count_params
# ---------------------------------------------------------------------------------------------

def _count_wrongs(sizes):
    pairs = list(zip(sizes[:-1], sizes[1:]))
    weights = sum(a * b for a, b in pairs)
    return [
        (weights, "count_params counted the weights but not the biases.",
         "each layer also has one bias per output unit: n_in * n_out + n_out."),
        (weights + sum(sizes), "count_params gave a bias to the input layer too.",
         "the input layer has no bias: add n_out (not n_in) per layer."),
        (weights + sum(a for a, _ in pairs), "count_params counted one bias per input unit instead of per output unit.",
         "b has shape (n_out,): n_in * n_out + n_out per layer."),
        (sum(sizes), "count_params counted the units, not the parameters.",
         "count the entries of every W (n_in * n_out) and b (n_out)."),
        (sum(a * b + b for a, b in pairs[1:]), "count_params skipped the first layer.",
         "loop over all pairs of consecutive sizes: zip(layer_sizes[:-1], layer_sizes[1:])."),
        (sum(a * b + b for a, b in pairs[:-1]), "count_params skipped the last layer.",
         "loop over all pairs of consecutive sizes: zip(layer_sizes[:-1], layer_sizes[1:])."),
    ]


@exercise("count_params", notebook=NOTEBOOK)
def check_count_params(func, rng, hidden):
    name = "count_params"
    sizes = list(distinct_sizes(rng, 4, 2, 12))
    cases = [sizes, sizes[:2], [int(rng.integers(100, 800)), int(rng.integers(20, 90)), int(rng.integers(2, 12))]]
    if hidden:
        cases += [list(distinct_sizes(rng, 7, 1, 30)), [1, 1], (784, 256, 128, 10)]
    for layer_sizes in cases:
        desc = f"layer_sizes {list(layer_sizes)}"
        got = call_student(name, func, layer_sizes, names=("layer_sizes",), input_desc=desc)
        expected = ref.count_params(layer_sizes)
        if isinstance(got, bool) or not isinstance(got, numbers.Integral):
            if isinstance(got, (float, np.floating)) and float(got) == expected:
                fail(name, f"count_params returned the float {got!r}, expected the int {expected}.", input=desc,
                     hint="a count is an integer: avoid np.prod/np.sum of floats or '/', or return int(total).")
            if isinstance(got, np.ndarray) and got.size == 1 and float(got) == expected:
                fail(name, f"count_params returned an array {format_array(got)}, expected the int {expected}.",
                     input=desc, hint="return a plain number: int(total).")
            for wrong, fact, hint in _count_wrongs(list(layer_sizes)):
                if isinstance(got, (int, float, np.number)) and float(got) == wrong and wrong != expected:
                    fail(name, fact, input=desc, expected=str(expected), got=repr(got), hint=hint)
            fail(name, f"count_params returned {type(got).__name__} {format_array(got)}, expected the int {expected}.",
                 input=desc)
        if int(got) != expected:
            for wrong, fact, hint in _count_wrongs(list(layer_sizes)):
                if int(got) == wrong and wrong != expected:
                    fail(name, fact, input=desc, expected=str(expected), got=str(int(got)), hint=hint)
            fail(name, f"count_params({list(layer_sizes)}) returned {int(got)}, expected {expected}.", input=desc,
                 hint="per layer: n_in * n_out weights plus n_out biases; add up over the layers.")
    return "weights plus biases, an int, for " + ", ".join(str(list(s)) for s in cases) + "."


# ---------------------------------------------------------------------------------------------
# xor_params
# ---------------------------------------------------------------------------------------------

_XOR = np.array([0.0, 1.0, 1.0, 0.0])
_TABLE_NAMES = {(0, 0, 0, 1): "AND", (0, 1, 1, 1): "OR", (1, 1, 1, 0): "NAND", (1, 0, 0, 0): "NOR",
                (1, 0, 0, 1): "XNOR (not XOR)", (0, 0, 0, 0): "always 0", (1, 1, 1, 1): "always 1"}


@exercise("xor_params", notebook=NOTEBOOK)
def check_xor_params(func, rng, hidden):
    name = "xor_params"
    got = call_student(name, func, input_desc="no arguments")
    params = _as_params(name, got, [2, 2, 1], "xor_params()", network="a 2-2-1 network")
    outputs = ref.forward(TRUTH_TABLE_X, params, ["step", "step"])[0][:, 0]
    if not np.array_equal(outputs, _XOR):
        computed = _TABLE_NAMES.get(tuple(int(o) for o in outputs))
        fail(name, "the 2-2-1 step network does not compute XOR" + (f": it computes {computed}." if computed else "."),
             input="the four inputs (0,0), (0,1), (1,0), (1,1), step activations in both layers",
             expected="(0,0) -> 0, (0,1) -> 1, (1,0) -> 1, (1,1) -> 0",
             got=", ".join(f"{tuple(int(v) for v in x)} -> {int(o)}" for x, o in zip(TRUTH_TABLE_X, outputs)),
             hint="let one hidden unit compute OR and the other AND (the neurons of notebook 01: column l of W1 "
                  "and b1[l] are unit l's weights and bias); the output unit then computes 'OR and not AND': "
                  "a positive weight on the OR unit, a negative one on the AND unit.")
    return "W1 (2, 2), b1 (2,), W2 (2, 1), b2 (1,), and the step network computes XOR on all four inputs."
