"""Checks of notebook 04: forward propagation with caches, and predictions from the output layer."""
from __future__ import annotations

import numpy as np

from nncourse import reference

from ._framework import (
    BATCH_FIRST_HINT,
    Mistake,
    as_array,
    call_student,
    distinct_sizes,
    exercise,
    expect_close,
    expect_shape,
    fail,
    format_array,
    tolerance,
)

NOTEBOOK = "04_forward_propagation"


def _network(rng, sizes, *, bias_scale=0.5, dtype=np.float64):
    """Random params [(W, b), ...] for `sizes`, with non-zero biases so that bias mistakes show."""
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        W = (rng.normal(size=(n_in, n_out)) * 1.5 / np.sqrt(n_in)).astype(dtype)
        b = (rng.normal(size=n_out) * bias_scale).astype(dtype)
        params.append((W, b))
    return params


def _describe_network(X, params, activations):
    shapes = ", ".join(f"(W {W.shape}, b {b.shape})" for W, b in params)
    return f"X shape {X.shape} {X.dtype}, params [{shapes}], activations {activations}"


def _variant(X, params, activations, *, last_activation=True, bias=True, names=None):
    """Forward pass with one of the classic mistakes switched on (or a different list of names)."""
    names = names or activations
    A = np.asarray(X, dtype=float)
    for l, ((W, b), name) in enumerate(zip(params, names)):
        Z = A @ W + (b if bias else 0)
        A = Z if (l == len(params) - 1 and not last_activation) else reference.activate(Z, name)
    return A


def _output_mistakes(X, params, activations):
    L = len(params)
    mistakes = [
        Mistake("last-activation-missing", _variant(X, params, activations, last_activation=False),
                "A_L equals Z of the last layer: its activation was not applied.",
                "apply every layer's activation, the last one included: A = g_l(Z) for l = 1..L."),
        Mistake("no-bias", _variant(X, params, activations, bias=False), "A_L is computed without the biases.",
                "Z = A_prev @ W + b in every layer."),
        Mistake("one-activation-everywhere", _variant(X, params, activations, names=[activations[0]] * L),
                f"A_L used the first activation ({activations[0]!r}) in every layer.",
                "layer l uses activations[l]: zip(params, activations)."),
        Mistake("one-activation-everywhere", _variant(X, params, activations, names=[activations[-1]] * L),
                f"A_L used the last activation ({activations[-1]!r}) in every layer.",
                "layer l uses activations[l]: zip(params, activations)."),
    ]
    if L > 1:
        mistakes += [
            Mistake("hidden-activations-missing",
                    _variant(X, params, activations, names=["linear"] * (L - 1) + [activations[-1]]),
                    "the hidden layers' activations were not applied (only the last's).",
                    "apply activations[l] after every layer, not only the last."),
            Mistake("activations-shifted",
                    _variant(X, params, activations, names=list(activations[1:]) + [activations[0]]),
                    "the activation names are shifted by one layer.",
                    "layer l (counting from 0) uses activations[l]: zip(params, activations)."),
        ]
    return mistakes


def _as_pair(name, got, what, hint):
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        kind = type(got).__name__
        fail(name, f"{what} must return a pair (A_L, caches), not {kind}"
                   + (f" of length {len(got)}." if isinstance(got, (tuple, list)) else "."),
             got=format_array(got) if got is not None else "None", hint=hint)
    return got


def _check_caches(name, caches, expected, A_L, dtype, desc):
    """caches against the reference's `expected` caches, `A_L` the reference output (of inputs of `dtype`)."""
    L = len(expected)
    if not isinstance(caches, (list, tuple)):
        fail(name, f"caches is a {type(caches).__name__}, not a list of (A_prev, Z).", input=desc,
             got=format_array(caches), hint="caches = [] before the loop, caches.append((A_prev, Z)) inside.")
    if len(caches) != L:
        fail(name, f"caches has {len(caches)} entries for {L} layers, expected one per layer.", input=desc,
             hint="append exactly one (A_prev, Z) per layer, inside the loop over the layers.",
             mistake="caches-length")
    rtol = tolerance(dtype)
    atol = 1e-5 if dtype == np.float32 else 1e-9
    A_outputs = [A_prev for A_prev, _ in expected[1:]] + [A_L]
    for l, (cache, (A_prev, Z), A) in enumerate(zip(caches, expected, A_outputs)):
        if not isinstance(cache, (list, tuple)) or len(cache) != 2:
            fail(name, f"caches[{l}] is not a pair (A_prev, Z).", input=desc, got=format_array(cache),
                 hint="store caches.append((A_prev, Z)) for every layer.")
        got_first = as_array(name, cache[0], what=f"caches[{l}][0]", input_desc=desc)
        got_second = as_array(name, cache[1], what=f"caches[{l}][1]", input_desc=desc)
        expect_close(name, got_first, A_prev, what=f"caches[{l}][0] (A_prev of layer {l})", input_desc=desc,
                     rtol=rtol, atol=atol, mistakes=[
                         Mistake("cache-order-swapped", Z, f"caches[{l}] holds (Z, A_prev): the order is swapped.",
                                 "store (A_prev, Z): first the layer's input, then its pre-activation."),
                         Mistake("cache-holds-output", A, f"caches[{l}][0] is the layer's output A, not its input.",
                                 "keep the input before overwriting it: A_prev = A; Z = A_prev @ W + b; A = g(Z); "
                                 "caches.append((A_prev, Z))."),
                     ])
        expect_close(name, got_second, Z, what=f"caches[{l}][1] (Z of layer {l})", input_desc=desc,
                     rtol=rtol, atol=atol, mistakes=[
                         Mistake("cache-holds-activation", A, f"caches[{l}][1] is the activation A, not Z.",
                                 "store Z = A_prev @ W + b, before the activation: the backward pass needs g'(Z)."),
                     ])


def _forward_cases(rng, hidden):
    m, n0, n1, n2, n3 = distinct_sizes(rng, 5, 2, 11)
    cases = [
        ([n0, n1, n2, n3], ["relu", "tanh", "softmax"], np.float64, m),
        ([n0, n2, 1], ["tanh", "sigmoid"], np.float64, m),
        ([n0, n1], ["linear"], np.float64, 1),
        ([n2, n0, n3], ["step", "softmax"], np.float64, m),
        ([n0, n1, n2], ["leaky_relu", "sigmoid"], np.float32, m),
        ([n1, n0, n2, n1, n3], ["tanh", "relu", "leaky_relu", "linear"], np.float64, m),
    ]
    if hidden:
        cases += [([n0, n1 + 20, n2 + 12, n1, n3], ["leaky_relu", "sigmoid", "relu", "linear"], np.float64, 2 * m),
                  ([n1, n0, 1], ["relu", "sigmoid"], np.float64, 1)]
    return cases


@exercise("forward", notebook=NOTEBOOK)
def check_forward(func, rng, hidden):
    name = "forward"
    cases = _forward_cases(rng, hidden)
    for sizes, activations, dtype, m in cases:
        X = rng.normal(size=(m, sizes[0])).astype(dtype)
        params = _network(rng, sizes, dtype=dtype)
        desc = _describe_network(X, params, activations)
        got = call_student(name, func, X, params, list(activations), names=("X", "params", "activations"),
                           input_desc=desc, error_hint=BATCH_FIRST_HINT)
        A_L, caches = _as_pair(name, got, "forward", "end with `return A, caches`.")
        A_L = as_array(name, A_L, what="A_L", input_desc=desc)
        expected, expected_caches = reference.forward(X, params, activations)
        mistakes = _output_mistakes(X, params, activations)
        expect_shape(name, A_L, expected.shape, what="A_L", input_desc=desc, mistakes=mistakes)
        expect_close(name, A_L, expected, what="A_L", input_desc=desc, mistakes=mistakes,
                     rtol=tolerance(dtype), atol=1e-5 if dtype == np.float32 else 1e-9)
        _check_caches(name, caches, expected_caches, expected, X.dtype, desc)
    depths = sorted({len(sizes) - 1 for sizes, _, _, _ in cases})
    return (f"A_L and caches[l] == (A_prev, Z) on {len(cases)} networks of depth {', '.join(map(str, depths))} "
            "with every activation, one example and batches, float32, inputs unchanged.")


# ---------------------------------------------------------------------------------------------
# predict
# ---------------------------------------------------------------------------------------------

LABELS_HINT = "return integer labels of shape (m,): (A_L[:, 0] >= 0.5).astype(int), or A_L.argmax(axis=1)."


def _binary_network(rng, m, n0, n1, dtype=np.float64):
    """A relu-sigmoid network and a batch X whose first row gives exactly A_L = 0.5.

    The first row of X is zeros and every hidden bias is negative, so the hidden layer outputs 0
    there; with b2 = 0 the output is sigmoid(0) = 0.5 exactly: `>= 0.5` and `> 0.5` disagree.
    """
    for _ in range(100):  # redraw until the other rows give both labels, none of them exactly 0.5
        W1 = rng.normal(size=(n0, n1)) * 2.0 / np.sqrt(n0)
        b1 = -np.abs(rng.normal(size=n1)) * 0.3 - 0.05
        W2 = rng.normal(size=(n1, 1)) * 2.0 / np.sqrt(n1)
        b2 = np.zeros(1)
        X = rng.normal(size=(m, n0)) * 2.0
        X[0] = 0.0
        A_L, _ = reference.forward(X[1:], [(W1, b1), (W2, b2)], ["relu", "sigmoid"])
        if np.sum(A_L > 0.5) >= 2 and np.sum(A_L < 0.5) >= 2 and not np.any(A_L == 0.5):
            break
    params = [(W1.astype(dtype), b1.astype(dtype)), (W2.astype(dtype), b2.astype(dtype))]
    return X.astype(dtype), params


def _predict_mistakes(X, params, activations):
    A_L, _ = reference.forward(X, params, activations)
    mistakes = [
        Mistake("argmax-over-examples", A_L.argmax(axis=0), "the labels are an argmax over axis 0 (the examples).",
                "each row is one example: argmax over the units, A_L.argmax(axis=1)."),
        Mistake("returned-probabilities", A_L, "predict returned the output probabilities A_L, not labels.",
                LABELS_HINT),
        Mistake("argmin", A_L.argmin(axis=1), "predict took the argmin instead of the argmax.",
                "use A_L.argmax(axis=1)."),
    ]
    if A_L.shape[1] == 1:
        mistakes = [
            Mistake("strict-threshold", (A_L[:, 0] > 0.5).astype(int), "predict gave label 0 where A_L is exactly 0.5.",
                    "the contract is A_L >= 0.5 -> 1 (np.round also sends 0.5 to 0): use >= 0.5."),
            Mistake("column-labels", (A_L >= 0.5).astype(int), "predict returned labels of shape (m, 1), not (m,).",
                    "take the single output column first: (A_L[:, 0] >= 0.5).astype(int), or .ravel()."),
            Mistake("argmax-single-unit", A_L.argmax(axis=1), "predict used argmax on one output unit (always 0).",
                    "for one output unit threshold the probability: A_L[:, 0] >= 0.5."),
            Mistake("returned-probabilities", A_L[:, 0], "predict returned the output probabilities, not labels.",
                    LABELS_HINT),
        ] + mistakes
    return mistakes


@exercise("predict", notebook=NOTEBOOK)
def check_predict(func, rng, hidden):
    name = "predict"
    n0, n1, k = distinct_sizes(rng, 3, 3, 11)
    m = int(rng.integers(12, 21))  # more examples than units, so that every class shows up
    X_binary, binary_params = _binary_network(rng, m, n0, n1)
    X32, params32 = _binary_network(rng, m, n1, n0, dtype=np.float32)
    cases = [
        (X_binary, binary_params, ["relu", "sigmoid"]),
        (rng.normal(size=(m, n0)) * 2, _network(rng, [n0, n1, k], bias_scale=1.0), ["tanh", "softmax"]),
        (X32, params32, ["relu", "sigmoid"]),
        (rng.normal(size=(1, n0)), _network(rng, [n0, k + 3], bias_scale=1.0), ["softmax"]),
    ]
    if hidden:
        cases += [(rng.normal(size=(m + 20, n1)), _network(rng, [n1, n0, n0 + 5, 1]), ["relu", "tanh", "sigmoid"])]
    for X, params, activations in cases:
        desc = _describe_network(X, params, activations)
        got = call_student(name, func, X, params, list(activations), names=("X", "params", "activations"),
                           input_desc=desc, error_hint=BATCH_FIRST_HINT)
        expected = reference.predict(X, params, activations)
        mistakes = _predict_mistakes(X, params, activations)
        labels = as_array(name, got, what="predict(X, params, activations)", input_desc=desc)
        expect_shape(name, labels, expected.shape, what="the label array", input_desc=desc, mistakes=mistakes)
        expect_close(name, labels, expected, what="the label array", input_desc=desc, mistakes=mistakes, rtol=0, atol=0)
        if labels.dtype.kind not in "iu":
            kind = "booleans" if labels.dtype == bool else f"{labels.dtype} values"
            fail(name, f"the labels are right but they are {kind}, not integers.", input=desc,
                 got=format_array(labels), hint=LABELS_HINT, mistake="not-integer-labels")
    return ("integer labels (m,): A_L >= 0.5 for one output unit (A_L = 0.5 exactly gives 1), "
            "argmax over the units otherwise, one example and float32 too.")
