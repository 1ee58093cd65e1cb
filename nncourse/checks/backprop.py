"""Checks of notebook 06: backward propagation and gradient checking.

dense_backward, activation_backward and backward are compared with the reference on fresh,
self-consistent inputs (caches come from a real forward pass, so A = g(Z) holds) with distinct
widths, so that a transpose, a wrong axis or a wrong cache index cannot hide. numerical_gradient
gets a module-level function (picklable) whose gradient is known; relative_error gets entries
that are equal, both zero, and far apart.
"""
from __future__ import annotations

import functools
from typing import Any

import numpy as np

from nncourse import reference

from ._framework import (
    Mistake,
    as_array,
    call_student,
    describe,
    distinct_sizes,
    exercise,
    expect_close,
    expect_finite,
    expect_number,
    expect_shape,
    fail,
    format_array,
    matches,
    name_mistake,
    times,
    tolerance,
)

NOTEBOOK = "06_backward_propagation"

DIVIDE_AGAIN_HINT = "dZ already carries the 1/m from the cost; do not divide by m again here."


def _tuple_of(name, got, count, what, desc, hint):
    """`got` as a list of `count` items; fails unless it is a tuple or list of that length."""
    if not isinstance(got, (tuple, list)) or len(got) != count:
        fail(name, f"{what} should be a tuple of {count} arrays.", input=desc, got=format_array(got), hint=hint)
    return list(got)


# ---------------------------------------------------------------------------------------------
# dense_backward
# ---------------------------------------------------------------------------------------------

DENSE_RETURN_HINT = "return dA_prev, dW, db (in this order): return dZ @ W.T, A_prev.T @ dZ, dZ.sum(axis=0)."
DENSE_SHAPES_HINT = ("the shapes do not fit: dA_prev = dZ @ W.T is (m, n_in), dW = A_prev.T @ dZ is "
                     "(n_in, n_out), db = dZ.sum(axis=0) is (n_out,).")


def _dense_case(rng, m, n_in, n_out, dtype=np.float64):
    dZ = rng.normal(0.0, 1.0, size=(m, n_out)) / m
    A_prev = rng.normal(0.0, 1.0, size=(m, n_in))
    W = rng.normal(0.0, 1.0, size=(n_in, n_out)) / np.sqrt(n_in)
    return dZ.astype(dtype), A_prev.astype(dtype), W.astype(dtype)


def _dense_shape_mistakes(dZ, A_prev, W):
    """The known mistakes of each gradient that show in its shape."""
    return {
        "dA_prev": [Mistake("transposed-gradient", W @ dZ.T, "dA_prev is transposed (W @ dZ.T).",
                            "dA_prev = dZ @ W.T has one row per example, like A_prev: (m, n_in).")],
        "dW": [Mistake("transposed-gradient", dZ.T @ A_prev, "dW is transposed (dZ.T @ A_prev).",
                       "dW = A_prev.T @ dZ has the shape of W: (n_in, n_out).")],
        "db": [Mistake("db-wrong-axis", dZ.sum(axis=1), "db was summed over the units (axis=1), not the examples.",
                       "db = dZ.sum(axis=0) sums over the examples, one value per unit: shape (n_out,)."),
               Mistake("db-keepdims", dZ.sum(axis=0, keepdims=True), "db has shape (1, n_out): summed with keepdims.",
                       "b has shape (n_out,), so db must too: dZ.sum(axis=0) without keepdims."),
               Mistake("db-wrong-axis", dZ.mean(axis=1), "db was averaged over the units (axis=1).",
                       "db = dZ.sum(axis=0): sum over the examples (axis=0).")],
    }


@exercise("dense_backward", notebook=NOTEBOOK)
def check_dense_backward(func, rng, hidden):
    name = "dense_backward"
    m, n_in, n_out = distinct_sizes(rng, 3, 2, 9)
    cases = [_dense_case(rng, m, n_in, n_out), _dense_case(rng, n_out + 10, n_in, n_out),
             _dense_case(rng, m, n_out, n_in, np.float32), _dense_case(rng, 1, n_in, n_out),
             _dense_case(rng, m, n_in, 1)]
    if hidden:
        cases += [_dense_case(rng, 3 * m + 11, n_in + 12, n_out + 5)]
    for dZ, A_prev, W in cases:
        desc = describe(dZ=dZ, A_prev=A_prev, W=W)
        got = call_student(name, func, dZ, A_prev, W, names=("dZ", "A_prev", "W"), input_desc=desc,
                           error_hint=DENSE_SHAPES_HINT)
        parts = _tuple_of(name, got, 3, "dense_backward(dZ, A_prev, W)", desc, DENSE_RETURN_HINT)
        expected = reference.dense_backward(dZ, A_prev, W)
        rows, n_o = dZ.shape
        n_i = A_prev.shape[1]
        arrays = [as_array(name, part, what=label, input_desc=desc) for part, label in zip(parts, ("dA_prev", "dW",
                                                                                                    "db"))]
        shapes = [(rows, n_i), (n_i, n_o), (n_o,)]
        got_shapes = [a.shape for a in arrays]
        if got_shapes != shapes and sorted(got_shapes) == sorted(shapes) and len(set(shapes)) == 3:
            fail(name, "dense_backward returned its three gradients in another order.", input=desc,
                 expected=f"shapes {shapes[0]}, {shapes[1]}, {shapes[2]} for (dA_prev, dW, db)",
                 got="shapes " + ", ".join(str(a.shape) for a in arrays), hint=DENSE_RETURN_HINT,
                 mistake="gradients-out-of-order")
        shape_mistakes = _dense_shape_mistakes(*(a.astype(float) for a in (dZ, A_prev, W)))
        rtol = tolerance(dZ.dtype)
        for label, got_part, exp_part, shape in zip(("dA_prev", "dW", "db"), arrays, expected, shapes):
            expect_shape(name, got_part, shape, what=label, input_desc=desc, mistakes=shape_mistakes[label])
            expect_close(name, got_part, exp_part, what=label, input_desc=desc, rtol=rtol, atol=1e-7, mistakes=[
                Mistake("divided-by-m-again", times(exp_part, 1.0 / rows),
                        f"{label} is m = {rows} times too small: divided by m again.", DIVIDE_AGAIN_HINT)])
    summary = ", ".join(f"m={dZ.shape[0]}, n_in={A_prev.shape[1]}, n_out={dZ.shape[1]}" for dZ, A_prev, _ in cases)
    return f"shapes and values of dA_prev, dW, db for {summary} (float32 too)."


# ---------------------------------------------------------------------------------------------
# activation_backward
# ---------------------------------------------------------------------------------------------

ELEMENTWISE = ("linear", "sigmoid", "tanh", "relu", "leaky_relu")
RELU_HINT = "the ReLU's derivative is 1 where Z > 0 and 0 where Z <= 0: dZ = dA * (Z > 0)."
LEAKY_HINT = "leaky ReLU's derivative is 1 where Z > 0 and alpha = 0.01 where Z <= 0: dA * np.where(Z > 0, 1, 0.01)."


def _activation_mistakes(dA, Z, activation):
    derivative = functools.partial(reference.activation_derivative, name=activation)
    A = reference.activate(Z, activation)
    mistakes = [
        Mistake("missing-dA", derivative(Z), f"dZ is g'(Z) alone for {activation}: not multiplied by dA.",
                "multiply by dA (the chain rule): dZ = dA * g'(Z)."),
        Mistake("derivative-at-A", dA * derivative(A), f"dZ is dA * g'(A) for {activation}: taken at A, not Z.",
                "g' must be evaluated at Z (the pre-activation from the cache), not at A = g(Z)."),
    ]
    if activation == "sigmoid":
        mistakes.append(Mistake("derivative-at-A", dA * Z * (1 - Z), "dZ is dA * Z * (1 - Z) for sigmoid.",
                                "A (1 - A) is sigmoid's derivative written in terms of A = g(Z): compute "
                                "A = sigmoid(Z) first, then dA * A * (1 - A)."))
    if activation == "tanh":
        mistakes.append(Mistake("derivative-at-A", dA * (1 - Z ** 2), "dZ is dA * (1 - Z**2) for tanh.",
                                "1 - A**2 is tanh's derivative written in terms of A = g(Z): compute "
                                "A = np.tanh(Z) first, then dA * (1 - A**2)."))
    if activation in ("relu", "leaky_relu"):
        hint = RELU_HINT if activation == "relu" else LEAKY_HINT
        mistakes += [Mistake("no-mask", dA, f"dZ equals dA for {activation}: nothing masked where Z <= 0.", hint),
                     Mistake("mask-from-dA", dA * (dA > 0), f"dZ is dA * (dA > 0) for {activation}: mask from dA.",
                             hint)]
    if activation == "leaky_relu":
        mistakes.append(Mistake("relu-mask-for-leaky", dA * (Z > 0), "dZ is 0 where Z <= 0 for leaky_relu.",
                                LEAKY_HINT))
    return mistakes


def _away_from_kinks(rng, shape, dtype=np.float64):
    Z = rng.normal(0.0, 2.0, size=shape)
    Z = np.where(np.abs(Z) < 0.05, 0.05 + np.abs(Z), Z)   # relu's kink at 0 is a convention, not checked here
    return Z.astype(dtype)


@exercise("activation_backward", notebook=NOTEBOOK)
def check_activation_backward(func, rng, hidden):
    name = "activation_backward"
    m, n = distinct_sizes(rng, 2, 3, 9)
    cases: list[tuple[str, tuple[int, int], type[np.floating]]] = [
        (activation, (m, n), np.float64) for activation in ELEMENTWISE]
    cases += [("sigmoid", (n, m), np.float32), ("tanh", (1, n + 2), np.float64), ("relu", (1, n), np.float64)]
    if hidden:
        cases += [(activation, (2 * m + 9, n + 7), np.float64) for activation in ELEMENTWISE]
    for activation, shape, dtype in cases:
        Z = _away_from_kinks(rng, shape, dtype)
        dA = rng.normal(0.0, 1.0, size=shape).astype(dtype)
        desc = describe(dA=dA, Z=Z) + f", activation {activation!r}"
        got = call_student(name, func, dA, Z, activation, names=("dA", "Z", "activation"), input_desc=desc)
        dZ = as_array(name, got, what=f"activation_backward(dA, Z, {activation!r})", input_desc=desc)
        expected = reference.activation_backward(dA, Z, activation)
        mistakes = _activation_mistakes(dA.astype(float), Z.astype(float), activation)
        expect_shape(name, dZ, shape, what="dZ", input_desc=desc, mistakes=mistakes)
        expect_close(name, dZ, expected, what=f"dZ for {activation!r}", input_desc=desc, mistakes=mistakes,
                     hint={"relu": RELU_HINT, "leaky_relu": LEAKY_HINT}.get(activation),
                     rtol=tolerance(dtype), atol=1e-7)
    return f"dZ = dA * g'(Z) for {', '.join(ELEMENTWISE)}, shapes ({m}, {n}) and (1, n), float32."


# ---------------------------------------------------------------------------------------------
# backward
# ---------------------------------------------------------------------------------------------

HIDDEN_ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")
CHAIN_HINT = ("carry dZ down one layer at a time: dA_prev = dZ @ W.T, then the layer below's "
              "dZ = activation_backward(dA_prev, caches[l - 1][1], activations[l - 1]).")


def _network(rng, m, sizes, output="sigmoid"):
    """Params with non-zero biases, a self-consistent forward pass, and a dZ_L: the backward inputs."""
    params = [(rng.normal(0.0, 1.0, size=(n_in, n_out)) / np.sqrt(n_in), rng.normal(0.0, 0.3, size=n_out))
              for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    # Distinct hidden activations, the first a sigmoid or tanh: for relu g'(A) = g'(Z), which would hide
    # a derivative taken at A.
    smooth = [str(rng.choice(["sigmoid", "tanh"]))]
    hidden = smooth + [str(a) for a in rng.permutation(HIDDEN_ACTIVATIONS) if a != smooth[0]]
    activations = [hidden[l % len(hidden)] for l in range(len(sizes) - 2)] + [output]
    X = rng.normal(0.0, 1.0, size=(m, sizes[0]))
    _, caches = reference.forward(X, params, activations)
    dZ_L = rng.normal(0.0, 1.0, size=(m, sizes[-1])) / m
    return dZ_L, caches, params, activations


def _variant_backward(dZ_L, caches, params, activations, *, at="Z", offset=1, chain=True):
    """The backward pass with one known mistake switched on (at="A", offset=0, chain=False)."""
    L = len(params)
    grads: list[tuple[np.ndarray, np.ndarray] | None] = [None] * L
    dZ = dZ_L
    for l in reversed(range(L)):
        A_prev, _ = caches[l]
        W = params[l][0]
        grads[l] = (A_prev.T @ dZ, dZ.sum(axis=0))
        if l > 0:
            dA_prev = dZ @ W.T
            point = caches[l - 1][1] if at == "Z" else A_prev
            name = activations[l - offset]
            if name == "softmax" or not chain:
                dZ = dA_prev
            else:
                dZ = dA_prev * reference.activation_derivative(point, name)
    return grads


def _grads_match(got, expected):
    return len(got) == len(expected) and all(
        matches(g[0], e[0]) and matches(g[1], e[1]) for g, e in zip(got, expected))


def _as_grads(name, got, desc):
    if not isinstance(got, (list, tuple)):
        fail(name, "backward returned no list of (dW, db).", input=desc, got=format_array(got),
             hint="collect grads = [(dW1, db1), ..., (dWL, dbL)] and return the list.")
    grads = []
    for l, item in enumerate(got):
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            fail(name, f"grads[{l}] is not a pair (dW, db).", input=desc, got=format_array(item),
                 hint="each entry of grads is a tuple (dW, db) with the shapes of that layer's (W, b).")
        grads.append(tuple(as_array(name, part, what=f"grads[{l}][{i}]", input_desc=desc)
                           for i, part in enumerate(item)))
    return grads


def _backward_mistakes(dZ_L, caches, params, activations, expected, m):
    L = len(params)

    def shows(variant):
        return lambda grads: not _grads_match(expected, variant) and _grads_match(grads, variant)

    mistakes = [
        Mistake("divided-by-m-again", shows([(W / m, b / m) for W, b in expected]),
                f"every gradient is m = {m} times too small: divided by m again.",
                f"m = {m} examples here: dZ_L already carries the 1/m from the cost; do not divide by m in backward."),
    ]
    if L > 1:
        mistakes += [
            Mistake("grads-reversed", shows(expected[::-1]), "grads are in reverse order (the last layer's first).",
                    "grads[0] must be the first layer's (dW1, db1): insert at the front, or reverse the list you "
                    "appended to while going backwards."),
            Mistake("loop-stops-early", lambda grads: len(grads) == L - 1,
                    f"grads has {L - 1} entries for {L} layers: the loop stops one layer early.",
                    "loop over every layer, l = L-1 down to 0; the first layer's dW uses X = caches[0][0] "
                    "and needs no dA_prev."),
            Mistake("derivative-at-A", shows(_variant_backward(dZ_L, caches, params, activations, at="A")),
                    "the activation's derivative was taken at A_prev, not at Z.",
                    "g' must be evaluated at Z, not at A: use caches[l - 1][1], not caches[l][0]."),
            Mistake("wrong-layer-activation", shows(_variant_backward(dZ_L, caches, params, activations, offset=0)),
                    "the layer below used the current layer's activation.",
                    "going from layer l down to layer l - 1, use activations[l - 1] (the layer whose Z it is)."),
            Mistake("missing-activation-derivative",
                    shows(_variant_backward(dZ_L, caches, params, activations, chain=False)),
                    "dZ below is dZ @ W.T without the activation's derivative.",
                    "multiply by the activation's derivative: dZ = activation_backward(dA_prev, Z, activation)."),
        ]
    return mistakes


@exercise("backward", notebook=NOTEBOOK)
def check_backward(func, rng, hidden):
    name = "backward"
    sizes = distinct_sizes(rng, 5, 2, 9)
    m, layer_sizes = sizes[0], list(sizes[1:])
    networks = [(m, layer_sizes, "sigmoid"),                                # depth 3
                (m + 3, layer_sizes[:2], "linear"),                         # depth 1
                (1, [layer_sizes[0], 6, 5, 3, 4], "softmax")]               # depth 4, m = 1
    if hidden:
        networks += [(2 * m + 5, [layer_sizes[2], 12, 2], "sigmoid")]      # depth 2, wider
    for m_net, sizes_net, output in networks:
        dZ_L, caches, params, activations = _network(rng, m_net, sizes_net, output)
        L = len(params)
        desc = f"a {L}-layer network, layer sizes {sizes_net}, activations {activations}, m = {m_net}"
        got = call_student(name, func, dZ_L, caches, params, activations,
                           names=("dZ_L", "caches", "params", "activations"), input_desc=desc,
                           error_hint=CHAIN_HINT)
        grads = _as_grads(name, got, desc)
        expected = reference.backward(dZ_L, caches, params, activations)
        name_mistake(name, grads, _backward_mistakes(dZ_L, caches, params, activations, expected, m_net),
                     input_desc=desc)
        if len(grads) != L:
            fail(name, f"grads has {len(grads)} entries for {L} layers.", input=desc,
                 hint="return one (dW, db) per layer, in the order of params.")
        for l in reversed(range(L)):
            W, b = params[l]
            for part, what, shape in ((0, "dW", np.shape(W)), (1, "db", np.shape(b))):
                label = f"{what} of layer {l + 1} (grads[{l}][{part}])"
                expect_shape(name, grads[l][part], shape, what=label, input_desc=desc)
                expect_close(name, grads[l][part], expected[l][part], what=label, input_desc=desc,
                             rtol=1e-6, atol=1e-9,
                             hint=None if l == L - 1 else "the layers above it are right: " + CHAIN_HINT)
    depths = ", ".join(str(len(s) - 1) for _, s, _ in networks)
    return f"grads of every layer match for depths {depths} with mixed activations, one example and batches."


# ---------------------------------------------------------------------------------------------
# numerical_gradient
# ---------------------------------------------------------------------------------------------

def smooth_scalar(x, C, D):
    """f(x) = sum(C * sin(x)) + sum(D * x**3): a smooth scalar function with a known gradient.

    Module-level (and used through functools.partial) so that it can be sent to another process.
    """
    x = np.asarray(x, dtype=np.float64)
    return float(np.sum(C * np.sin(x)) + np.sum(D * x ** 3))


def _smooth_gradient(x, C, D):
    return C * np.cos(x) + 3 * D * x ** 2


def _loop_difference(f, x, forward, backward, divide):
    """(f(x + forward e_i) - f(x - backward e_i)) / divide for every entry i (known mistakes)."""
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[i] += forward
        minus[i] -= backward
        grad[i] = (f(plus) - f(minus)) / divide
    return grad


def _row_difference(f, x, eps):
    grad = np.zeros(x.shape)
    for i in range(len(x)):
        plus, minus = x.copy(), x.copy()
        plus[i] += eps
        minus[i] -= eps
        grad[i] = (f(plus) - f(minus)) / (2 * eps)
    return grad


NUDGE_HINT = ("nudging x itself is fine if you put every entry back exactly: save old = x.flat[j], "
              "then restore x.flat[j] = old (x[j] + eps - eps is not always x[j] in floating point); "
              "or nudge a copy.")


def _numgrad_mistakes(f, x, eps, default_eps=1e-5):
    centred_hint = ("use centred differences: (f(x + eps) - f(x - eps)) / (2 * eps), with x[i] "
                    "restored between the two evaluations.")
    mistakes = [
        Mistake("one-sided-difference", _loop_difference(f, x, eps, 0.0, eps),
                "the gradient is one-sided: (f(x + eps) - f(x)) / eps.", centred_hint),
        Mistake("one-sided-difference", _loop_difference(f, x, 0.0, eps, eps),
                "the gradient is one-sided: (f(x) - f(x - eps)) / eps.", centred_hint),
        Mistake("half-one-sided", _loop_difference(f, x, eps, 0.0, 2 * eps),
                "the gradient is half a one-sided difference.", centred_hint),
        Mistake("missing-2", _loop_difference(f, x, eps, eps, eps), "the gradient is exactly 2 times too large.",
                "divide the difference by 2 * eps: the two points are 2 * eps apart."),
        Mistake("fixed-eps", _loop_difference(f, x, default_eps, default_eps, 2 * default_eps),
                f"the gradient used eps = {default_eps}, not the eps = {eps} given.",
                "use the eps you were given, not a fixed number."),
    ]
    if x.ndim > 1:
        mistakes.append(Mistake("whole-row-nudged", _row_difference(f, x, eps),
                                "the gradient nudges a whole row of x at once.",
                                "nudge one entry at a time: loop over every index, e.g. for j in range(x.size) "
                                "with x.flat[j]."))
    return mistakes


@exercise("numerical_gradient", notebook=NOTEBOOK)
def check_numerical_gradient(func, rng, hidden):
    name = "numerical_gradient"
    m, n = distinct_sizes(rng, 2, 2, 6)
    shapes = [(m, n), (n + 3,), (1,), (2, 3, 2)]
    if hidden:
        shapes += [(1, m), (m + 4, n + 1)]
    done = []
    for index, shape in enumerate(shapes):
        x = rng.uniform(-1.5, 1.5, size=shape)
        C = rng.uniform(0.5, 2.0, size=shape)
        D = rng.uniform(0.5, 1.5, size=shape)
        f = functools.partial(smooth_scalar, C=C, D=D)
        for eps in (None, 0.1) if index == 0 else (None,):
            desc = describe(x=x) + ", f(x) = sum(C sin(x)) + sum(D x**3)" + (
                f", eps = {eps}" if eps is not None else " (default eps)")
            kwargs: dict[str, Any] = {} if eps is None else {"eps": eps}
            got = call_student(name, func, f, x, names=("f", "x"), input_desc=desc, modify_hint=NUDGE_HINT, **kwargs)
            grad = as_array(name, got, what="numerical_gradient(f, x)", input_desc=desc)
            used = 1e-5 if eps is None else eps
            expected = reference.numerical_gradient(f, x.copy(), used)
            mistakes = _numgrad_mistakes(f, x, used)
            expect_shape(name, grad, shape, what="the gradient", input_desc=desc, mistakes=mistakes)
            expect_finite(name, grad, what="the gradient", input_desc=desc)
            expect_close(name, grad, expected, what="the gradient", input_desc=desc, mistakes=mistakes,
                         rtol=1e-5, atol=1e-7)
            if eps is None:
                exact = _smooth_gradient(x, C, D)
                if not np.allclose(grad, exact, rtol=1e-5, atol=1e-6):
                    fail(name, "the gradient is far from the exact gradient of f.", input=desc,
                         expected=format_array(exact), got=format_array(grad))
        done.append(str(shape))
    return f"centred differences for x of shapes {', '.join(done)}, with the default and a given eps, x left as found."


# ---------------------------------------------------------------------------------------------
# relative_error
# ---------------------------------------------------------------------------------------------

def _relative_error_case(rng, shape):
    """a and b with equal entries, entries both 0, small and large differences of both signs."""
    a = rng.normal(0.0, 1.0, size=shape)
    b = a * (1 + rng.normal(0.0, 1e-3, size=shape))
    flat_a, flat_b = a.reshape(-1), b.reshape(-1)
    if flat_a.size >= 4:
        picks = rng.choice(flat_a.size, size=4, replace=False)
        flat_a[picks[0]] = flat_b[picks[0]] = 0.0                  # both zero: needs the 1e-8 guard
        flat_b[picks[1]] = flat_a[picks[1]]                        # equal
        flat_a[picks[2]], flat_b[picks[2]] = 1.0, 3.0              # the largest error, a < b
        flat_a[picks[3]], flat_b[picks[3]] = 2.0, 1.5              # a > b
    return a, b


def _relative_error_mistakes(a, b):
    diff = np.abs(a - b)
    den = np.maximum(1e-8, np.abs(a) + np.abs(b))
    return [
        Mistake("norm-not-elementwise", np.linalg.norm(a - b) / max(1e-8, float(np.linalg.norm(a) + np.linalg.norm(b))),
                "relative_error compares norms of the whole arrays.",
                "the relative error is elementwise: |a - b| / max(1e-8, |a| + |b|) for each entry, then "
                "the largest (np.max)."),
        Mistake("mean-not-max", np.mean(diff / den), "relative_error is the mean of the entries' errors, not the max.",
                "take the largest (np.max), not the mean: one wrong entry must show."),
        Mistake("missing-abs", np.max((a - b) / den), "relative_error takes the max of (a - b) without abs.",
                "use np.abs(a - b): a negative difference is an error too."),
        Mistake("max-denominator", np.max(diff / np.maximum(1e-8, np.maximum(np.abs(a), np.abs(b)))),
                "relative_error divides by max(|a|, |b|), not |a| + |b|.",
                "divide by |a| + |b| (guarded by 1e-8): np.maximum(1e-8, np.abs(a) + np.abs(b))."),
    ]


GUARD_HINT = ("where a and b are both 0, |a| + |b| is 0 and 0 / 0 is nan: divide by "
              "np.maximum(1e-8, np.abs(a) + np.abs(b)).")


@exercise("relative_error", notebook=NOTEBOOK)
def check_relative_error(func, rng, hidden):
    name = "relative_error"
    m, n = distinct_sizes(rng, 2, 3, 8)
    cases = [_relative_error_case(rng, (m, n)), _relative_error_case(rng, (n + 6,))]
    a32, b32 = _relative_error_case(rng, (n, m))
    cases.append((a32.astype(np.float32), b32.astype(np.float32)))
    same = rng.normal(0.0, 1.0, size=(n, m))
    cases += [(same, same.copy()), (np.zeros((2, 3)), np.zeros((2, 3))), (np.array([0.5]), np.array([0.25])),
              _relative_error_case(rng, (3, 4, 2))]
    if hidden:
        cases += [_relative_error_case(rng, (2 * m + 7, n + 5)), _relative_error_case(rng, (2, n, 3))]
    for a, b in cases:
        desc = describe(a=a, b=b)
        got = call_student(name, func, a, b, names=("a", "b"), input_desc=desc)
        value = expect_number(name, got, what="the result", input_desc=desc,
                              hint="return one number: the largest entry, np.max(...).")
        expect_finite(name, value, what="the result", input_desc=desc, hint=GUARD_HINT,
                      mistake="missing-guard")
        expected = reference.relative_error(a, b)
        expect_close(name, value, expected, what="relative_error", input_desc=desc,
                     mistakes=_relative_error_mistakes(a.astype(float), b.astype(float)),
                     rtol=tolerance(a.dtype), atol=1e-12)
    return "max |a - b| / max(1e-8, |a| + |b|) on entries equal, both 0, near and far; 0 for equal arrays."
