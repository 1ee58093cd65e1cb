"""Checks of notebook 07: gradient descent and training (gd_update, minibatches, train).

train's check compares behaviour, not numbers: a correct train may initialise its weights its own
way. With the same seed, two runs that differ only in the learning rate (eta and 2 eta, one epoch,
full batch) start from the same params P0, so P0 = 2 P1 - P2 and (P1 - P2) / eta must be the
gradient of the course's cost at P0, whatever the initialisation. The rest are properties: one
finite mean cost per epoch, the cost goes down, the same seed gives the same run, another seed
other params, and batch_size changes the run.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from nncourse.reference.backprop import backward as reference_backward
from nncourse.reference.costs import cost as reference_cost
from nncourse.reference.costs import output_gradient as reference_output_gradient
from nncourse.reference.forward import forward as reference_forward
from nncourse.reference.optimizers import gd_update as reference_gd_update

from ._framework import (
    as_array,
    call_student,
    describe,
    distinct_sizes,
    exercise,
    expect_close,
    expect_shape,
    fail,
    format_array,
    matches,
    tolerance,
)

NOTEBOOK = "07_gradient_descent_and_training"


def _describe_params(params) -> str:
    return "[" + ", ".join(f"(W {np.shape(W)}, b {np.shape(b)})" for W, b in params) + "]"


def _as_params(name, got, shapes, what, desc, hint):
    """`got` as a list of (W, b) arrays with the given shapes [(W shape, b shape), ...]."""
    if not isinstance(got, (list, tuple)):
        fail(name, f"{what} is {format_array(got)}, expected a list of (W, b), one per layer.",
             input=desc, hint=hint)
    if len(got) != len(shapes):
        fail(name, f"{what} has {len(got)} layers, expected {len(shapes)}.", input=desc,
             got=format_array(got), hint=hint)
    params = []
    for l, (item, (W_shape, b_shape)) in enumerate(zip(got, shapes)):
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            fail(name, f"{what}[{l}] is {format_array(item)}, expected a pair (W, b).", input=desc, hint=hint)
        W = as_array(name, item[0], what=f"{what}[{l}][0] (W of layer {l + 1})", input_desc=desc)
        b = as_array(name, item[1], what=f"{what}[{l}][1] (b of layer {l + 1})", input_desc=desc)
        expect_shape(name, W, W_shape, what=f"{what}[{l}][0] (W of layer {l + 1})", input_desc=desc)
        expect_shape(name, b, b_shape, what=f"{what}[{l}][1] (b of layer {l + 1})", input_desc=desc)
        params.append((W, b))
    return params


def _flat(params) -> np.ndarray:
    return np.concatenate([np.ravel(p).astype(np.float64) for layer in params for p in layer])


# ---------------------------------------------------------------------------------------------
# gd_update
# ---------------------------------------------------------------------------------------------

GD_HINT = ("return a new list: [(W - learning_rate * dW, b - learning_rate * db) "
           "for (W, b), (dW, db) in zip(params, grads)].")


def _random_params(rng, sizes, dtype=np.float64):
    return [(rng.normal(0.0, 1.0, size=(n_in, n_out)).astype(dtype), rng.normal(0.0, 1.0, size=n_out).astype(dtype))
            for n_in, n_out in zip(sizes[:-1], sizes[1:])]


@exercise("gd_update", notebook=NOTEBOOK)
def check_gd_update(func, rng, hidden):
    name = "gd_update"
    sizes = list(distinct_sizes(rng, 3, 2, 9))
    cases = [(sizes, float(rng.choice([0.05, 0.1, 0.3])), np.float64),
             (sizes + [1], float(rng.choice([0.2, 0.5])), np.float32)]
    if hidden:
        cases += [(sizes[:2], 0.7, np.float64), ([3, 8, 6, 4, 2], 0.01, np.float64), (sizes, 0.0, np.float64)]
    for layer_sizes, lr, dtype in cases:
        params = _random_params(rng, layer_sizes, dtype)
        grads = _random_params(rng, layer_sizes, dtype)
        desc = (f"params {_describe_params(params)} ({np.dtype(dtype).name}), grads of the same shapes, "
                f"learning_rate {lr}")
        got = call_student(name, func, params, grads, lr, names=("params", "grads", "learning_rate"),
                           input_desc=desc)
        shapes = [(W.shape, b.shape) for W, b in params]
        new = _as_params(name, got, shapes, "the returned params", desc, GD_HINT)
        expected = reference_gd_update(params, grads, lr)
        if lr > 0:
            # The cost 1/2 |theta - (theta_old - grad)|^2 has gradient `grads` at params: a step must lower it.
            flat_params = _flat(params)
            target = flat_params - _flat(grads)
            before = 0.5 * np.sum((flat_params - target) ** 2)
            after = 0.5 * np.sum((_flat(new) - target) ** 2)
            if after > before:
                fail(name, f"the cost went up after one step (from {before:.6g} to {after:.6g}) on a cost "
                           "whose gradient is grads.", input=desc,
                     hint="step against the gradient: W - learning_rate * dW, b - learning_rate * db.")
        L = len(params)
        for l in range(L):
            (W, b), (_, db), (W_new, b_new) = params[l], grads[l], new[l]
            (W_exp, b_exp) = expected[l]
            if lr > 0 and l > 0 and matches(W_new, W) and matches(b_new, b) and not matches(new[0][0], params[0][0]):
                fail(name, f"layer {l + 1} did not change: only the first layer was updated.", input=desc,
                     hint="update every layer: loop over all (W, b) and (dW, db) pairs.")
            if lr > 0 and matches(b_new, b) and not matches(b_exp, b):
                fail(name, f"the biases did not change (layer {l + 1}).", input=desc,
                     expected=format_array(b_exp), got=format_array(b_new),
                     hint="update the biases too: b - learning_rate * db.")
            rtol = tolerance(dtype)
            expect_close(name, W_new, W_exp, what=f"the new W of layer {l + 1}", input_desc=desc,
                         rtol=rtol, atol=1e-6)
            expect_close(name, b_new, b_exp, what=f"the new b of layer {l + 1}", input_desc=desc,
                         hints=[(b - db, "the new b is b - db: the learning rate is missing.",
                                 "b - learning_rate * db, like W.")] if lr not in (0.0, 1.0) else (),
                         rtol=rtol, atol=1e-6)
    return "W - learning_rate * dW and b - learning_rate * db for every layer, inputs unchanged, float32 too."


# ---------------------------------------------------------------------------------------------
# minibatches
# ---------------------------------------------------------------------------------------------

def list_batches(func, X, y, batch_size, rng):
    """Call `func` and list what it yields, so that errors raised while iterating are the call's."""
    return list(func(X, y, batch_size, rng))


def _batch_data(rng, m, n):
    """X whose first column numbers the rows, y = 2 * row + 1 (so every y belongs to one row)."""
    X = rng.normal(0.0, 1.0, size=(m, n))
    X[:, 0] = np.arange(m)
    y = 2 * np.arange(m) + 1
    return X, y


def _order(name, func, X, y, batch_size, seed, desc):
    """The row order of one pass, after checking batches, coverage and X/y alignment."""
    m = len(X)
    got = call_student(name, functools.partial(list_batches, func), X, y, batch_size,
                       np.random.default_rng(seed), names=("X", "y", "batch_size", "rng"), input_desc=desc)
    rows, labels, sizes = [], [], []
    for k, batch in enumerate(got):
        if not isinstance(batch, (tuple, list)) or len(batch) != 2:
            fail(name, f"batch {k} is {format_array(batch)}, expected a pair (X_batch, y_batch).",
                 input=desc, hint="yield X[batch], y[batch] for each batch of indices.")
        X_batch = as_array(name, batch[0], what=f"X_batch {k}", input_desc=desc, allow_list=True)
        y_batch = as_array(name, batch[1], what=f"y_batch {k}", input_desc=desc, allow_list=True)
        if X_batch.ndim != 2 or X_batch.shape[1] != X.shape[1] or y_batch.shape != (len(X_batch),):
            fail(name, f"batch {k} has X_batch {X_batch.shape} and y_batch {y_batch.shape}, expected "
                       f"(b, {X.shape[1]}) and (b,).", input=desc,
                 hint="select whole rows: X[indices] and y[indices].")
        rows += [int(round(v)) for v in X_batch[:, 0]]
        labels += list(y_batch)
        sizes.append(len(X_batch))
    seen = np.bincount(np.array(rows, dtype=int), minlength=m) if rows else np.zeros(m, dtype=int)
    if np.any(seen > 1):
        fail(name, f"some examples appear more than once in one pass ({int(np.sum(seen > 1))} of {m}).",
             input=desc, got=f"batch sizes {sizes}",
             hint="every example exactly once per pass: draw one permutation (rng.permutation(m)) and "
                  "cut it into consecutive slices of batch_size.")
    if np.any(seen == 0):
        missing = int(np.sum(seen == 0))
        last = missing == m % batch_size
        fail(name, f"{missing} of {m} examples never appear in a pass" +
             (": the last, smaller batch is missing." if last else "."), input=desc,
             got=f"batch sizes {sizes}",
             hint=("keep the last batch even when it is smaller: loop start = 0, batch_size, ... while "
                   "start < m." if last else "every example exactly once per pass."))
    if not np.array_equal(np.array(labels), 2 * np.array(rows) + 1):
        fail(name, "the batches pair rows of X with labels of other rows: X and y were shuffled "
                   "differently.", input=desc,
             hint="use the same permutation for X and y: idx = rng.permutation(m), then X[idx] and y[idx].")
    full = [batch_size] * (m // batch_size) + ([m % batch_size] if m % batch_size else [])
    if sizes != full:
        fail(name, f"the batch sizes are {sizes}, expected {full}.", input=desc,
             hint="every batch but the last has batch_size examples; the last may be smaller.")
    return rows


RNG_HINT = ("draw the order from the rng argument (order = rng.permutation(m)), not from np.random or "
            "a generator of your own.")


@exercise("minibatches", notebook=NOTEBOOK)
def check_minibatches(func, rng, hidden):
    name = "minibatches"
    n, batch_size = distinct_sizes(rng, 2, 2, 7)
    m = 4 * batch_size + int(rng.integers(1, batch_size))        # the last batch is smaller
    cases = [(m, n, batch_size), (5 * batch_size, n, batch_size)]     # m >= 10: a shuffle cannot look unshuffled
    if hidden:
        cases += [(1, n, 4), (7, n, 1), (5, n, 5), (6, n, 10), (50, n + 1, 8)]
    seed = int(rng.integers(1000))
    for m_case, n_case, bs in cases:
        X, y = _batch_data(rng, m_case, n_case)
        desc = describe(X=X, y=y) + f", batch_size {bs}, rng np.random.default_rng({seed})"
        order = _order(name, func, X, y, bs, seed, desc)
        if m_case < 10:
            continue     # with few examples a fair shuffle keeps the order too often to demand otherwise
        if order == list(range(m_case)):
            fail(name, "the batches come in the original order: they are not shuffled.", input=desc,
                 hint="shuffle the order with rng first: order = rng.permutation(m).")
        again = _order(name, func, X, y, bs, seed, desc + " (a second, identical generator)")
        if again != order:
            fail(name, "two generators with the same seed gave different orders.", input=desc, hint=RNG_HINT)
        other = _order(name, func, X, y, bs, seed + 1, desc + f" (then np.random.default_rng({seed + 1}))")
        if other == order:
            fail(name, "generators with different seeds gave the same order: rng is not used.", input=desc,
                 hint=RNG_HINT)
    return (f"every example exactly once per pass with X and y together, batches of batch_size and a smaller "
            f"last one (m = {m}, batch_size = {batch_size}), shuffled by rng and reproducible.")


# ---------------------------------------------------------------------------------------------
# train
# ---------------------------------------------------------------------------------------------

def _problem(rng, loss, layer_sizes, activations, m, batch_size=None):
    """A small learnable data set for `loss` and the network that trains on it."""
    n0 = layer_sizes[0]
    X = rng.normal(0.0, 1.0, size=(m, n0))
    w = rng.normal(0.0, 1.0, size=n0)
    score = X @ w
    if loss == "bce":
        y = (score > np.median(score)).astype(np.int64) if m > 1 else np.array([1])
    elif loss == "ce":
        k = layer_sizes[-1]
        y = np.digitize(score, np.quantile(score, np.linspace(0, 1, k + 1)[1:-1])) if m >= k else np.arange(m) % k
    else:
        y = np.sin(score) + 0.5 * X[:, 0]
    return {"X": X, "y": y, "layer_sizes": list(layer_sizes), "activations": list(activations),
            "loss": loss, "batch_size": batch_size}


def _describe_problem(p, **settings):
    text = (f"X {p['X'].shape}, y {p['y'].shape}, layer_sizes {p['layer_sizes']}, activations "
            f"{p['activations']}, loss {p['loss']!r}")
    return text + "".join(f", {key} {value}" for key, value in settings.items())


def _run(func, p, *, learning_rate, epochs, batch_size, seed):
    """Call the student's train; returns (params, history as floats) after checking their form."""
    name = "train"
    desc = _describe_problem(p, learning_rate=learning_rate, epochs=epochs, batch_size=batch_size, seed=seed)
    got = call_student(name, func, p["X"], p["y"], p["layer_sizes"], p["activations"], p["loss"],
                       names=("X", "y", "layer_sizes", "activations", "loss"), input_desc=desc,
                       learning_rate=learning_rate, epochs=epochs, batch_size=batch_size, seed=seed)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail(name, f"train returned {format_array(got)}, expected (params, history).", input=desc,
             hint="return params, history at the end of train.")
    first, second = got
    if isinstance(second, (list, tuple)) and second and isinstance(second[0], (list, tuple)) \
            and not (isinstance(first, (list, tuple)) and first and isinstance(first[0], (list, tuple))):
        fail(name, "train returned (history, params): the two are swapped.", input=desc,
             hint="return params, history (in this order).")
    sizes = p["layer_sizes"]
    shapes = [((n_in, n_out), (n_out,)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    params = _as_params(name, got[0], shapes, "the returned params", desc,
                        "params is a list of (W, b), W of shape (layer_sizes[l], layer_sizes[l + 1]).")
    history = got[1]
    try:
        history = [float(v) for v in history]
    except (TypeError, ValueError):
        fail(name, f"history is {format_array(got[1])}, expected a list of numbers (one cost per epoch).",
             input=desc, hint="append one float per epoch: history.append(epoch_cost).")
    n_batches = 1 if batch_size is None else math.ceil(len(p["X"]) / batch_size)
    if len(history) != epochs:
        per_batch = len(history) == epochs * n_batches and n_batches > 1
        fail(name, f"history has {len(history)} entries for epochs = {epochs}" +
             (f": one per batch ({n_batches} batches per epoch)." if per_batch else "."), input=desc,
             hint="history holds one mean cost per epoch: average the batch costs of an epoch and append "
                  "that once per epoch.")
    if not all(math.isfinite(v) for v in history):
        fail(name, "history contains nan or inf.", input=desc, got=format_array(history))
    return params, history, desc


def _true_gradient(p, params):
    """The reference's gradient of the course's cost at params, flattened like _flat."""
    A_L, caches = reference_forward(p["X"], params, p["activations"])
    dZ_L = reference_output_gradient(A_L, caches[-1][1], p["y"], p["loss"], p["activations"][-1])
    return _flat(reference_backward(dZ_L, caches, params, p["activations"]))


def _cost_of(p, params):
    A_L, _ = reference_forward(p["X"], params, p["activations"])
    return reference_cost(A_L, p["y"], p["loss"])


def _unflat(vector, like):
    out, start = [], 0
    for W, b in like:
        W_new = vector[start:start + W.size].reshape(W.shape)
        start += W.size
        b_new = vector[start:start + b.size].reshape(b.shape)
        start += b.size
        out.append((W_new, b_new))
    return out


def _same(a, b):
    return np.allclose(_flat(a), _flat(b), rtol=1e-9, atol=1e-12)


def _check_one_step(func, p, seed, eta=0.5):
    """Two one-epoch full-batch runs (eta, 2 eta) from the same seed: the step is eta times the gradient.

    Returns (P0, cost at P0): the initial params train used (after checking that the same seed gives the
    same run) and the course's cost of the training data at them.
    """
    name = "train"
    P1, H1, desc = _run(func, p, learning_rate=eta, epochs=1, batch_size=None, seed=seed)
    again, _, _ = _run(func, p, learning_rate=eta, epochs=1, batch_size=None, seed=seed)
    if not _same(P1, again):
        fail(name, "two runs with the same seed gave different params.", input=desc,
             hint="the same seed must give the same run: make every random draw from "
                  "np.random.default_rng(seed) (or init_params(layer_sizes, seed)), never unseeded np.random.")
    P2, _, _ = _run(func, p, learning_rate=2 * eta, epochs=1, batch_size=None, seed=seed)
    v1, v2 = _flat(P1), _flat(P2)
    P0 = _unflat(2 * v1 - v2, P1)
    step = (v1 - v2) / eta                      # = the gradient train used at P0
    gradient = _true_gradient(p, P0)
    what = (f"the gradient train stepped along in its first epoch (measured from full-batch runs with "
            f"learning_rate {eta} and {2 * eta}, flattened)")
    if np.allclose(v1, v2, rtol=0, atol=1e-12):
        fail(name, f"the params did not change in one epoch of training ({p['loss']!r}).", input=desc,
             hint="update the params with the gradients every batch: params = gd_update(params, grads, "
                  "learning_rate), and use the new params in the next step.")
    if matches(step, -gradient, rtol=1e-5, atol=1e-9):
        fail(name, "the cost went up: train stepped along the gradient instead of against it.", input=desc,
             hint="W - learning_rate * dW: subtract the gradient.")
    expect_close(name, step, gradient, what=what, input_desc=desc, rtol=1e-5, atol=1e-9,
                 ratios={0.5: f"the gradient of the {p['loss']!r} cost is off by a factor 2: for 'mse' "
                              "dA_L = 2 (A_L - Y) / A_L.size, then through the output activation.",
                         2.0: "the gradient is twice the course's cost gradient: check dA_L or dZ_L."})
    before, after = _cost_of(p, P0), _cost_of(p, P1)
    if not (math.isclose(H1[0], before, rel_tol=1e-6, abs_tol=1e-9) or
            math.isclose(H1[0], after, rel_tol=1e-6, abs_tol=1e-9)):
        fail(name, f"history[0] is {H1[0]:.6g}, but the {p['loss']!r} cost of the training data is "
                   f"{before:.6g} before the epoch's step and {after:.6g} after it.", input=desc,
             hint=f"record the mean {p['loss']!r} cost over the epoch's examples, as cost(A_L, y) computes it.")
    return P0, before


def _check_whole_run(func, p, seed, eta=0.5, epochs=25):
    """The seed, the history of a mini-batch epoch, descent over many epochs, and batch_size."""
    name = "train"
    batch_size = p["batch_size"]
    m = len(p["X"])
    P0, c0 = _check_one_step(func, p, seed, eta)
    tiny = 1e-9      # a learning rate so small that the params stay at P0 during the epoch
    _, H, desc = _run(func, p, learning_rate=tiny, epochs=2, batch_size=batch_size, seed=seed)
    for e, value in enumerate(H):
        if not math.isclose(value, c0, rel_tol=1e-5, abs_tol=1e-9):
            ratio = value / c0 if c0 else float("nan")
            fail(name, f"history[{e}] is {value:.6g}, but with learning_rate {tiny} the mean cost over the "
                       f"epoch is the cost of the initial params, {c0:.6g}" +
                 (f" ({ratio:.4g} times it)" if math.isfinite(ratio) else "") + ".", input=desc,
                 hint=f"record the mean cost over the epoch's batches ({m // batch_size} batches of {batch_size}):"
                      " add up each batch's cost times its size and divide by m, once per epoch.")

    P_other, _, desc_other = _run(func, p, learning_rate=tiny, epochs=1, batch_size=None, seed=seed + 1)
    if np.allclose(_flat(P_other), _flat(P0), rtol=1e-6, atol=1e-7):
        fail(name, f"seeds {seed} and {seed + 1} gave the same initial params: the seed is ignored.",
             input=desc_other, hint="pass seed on: init_params(layer_sizes, seed) and np.random.default_rng(seed) "
                                    "for the shuffling.")

    P_full, H_full, desc = _run(func, p, learning_rate=eta, epochs=epochs, batch_size=None, seed=seed)
    if not H_full[-1] < H_full[0]:
        fail(name, f"the cost did not go down in {epochs} epochs of full-batch training (from {H_full[0]:.6g} "
                   f"to {H_full[-1]:.6g}).", input=desc, got=format_array(np.array(H_full)),
             hint="the cost went up or stayed: subtract learning_rate * gradient every step, with the new params.")
    P_mini, H_mini, desc = _run(func, p, learning_rate=eta, epochs=epochs, batch_size=batch_size, seed=seed)
    if not H_mini[-1] < H_mini[0]:
        fail(name, f"the cost did not go down in {epochs} epochs of mini-batch training.", input=desc,
             got=format_array(np.array(H_mini)))
    if _same(P_full, P_mini):
        fail(name, f"batch_size {batch_size} gave exactly the params of full-batch training: batch_size is ignored.",
             input=desc, hint="cut each epoch into mini-batches of batch_size (minibatches(X, y, batch_size, rng)) "
                              "and take one step per batch.")


@exercise("train", notebook=NOTEBOOK)
def check_train(func, rng, hidden):
    n0, n1, m_batch = distinct_sizes(rng, 3, 2, 6)
    seed = int(rng.integers(100))
    m = 3 * m_batch
    bce = _problem(rng, "bce", [n0, n1 + 2, 1], ["tanh", "sigmoid"], m, batch_size=m_batch)
    one_step = [_problem(rng, "mse", [n0, n1, 1], ["tanh", "linear"], m),
                _problem(rng, "ce", [n0, n1 + 1, 3], ["relu", "softmax"], m)]
    whole_runs = [(bce, 0.5)]
    if hidden:
        one_step += [_problem(rng, "bce", [n0, 3, 1], ["sigmoid", "sigmoid"], 1),
                     _problem(rng, "ce", [n0, 5, 4, 4], ["leaky_relu", "tanh", "softmax"], 13),
                     _problem(rng, "mse", [n0, 1], ["linear"], 6)]
        whole_runs.append((_problem(rng, "bce", [n0, 6, 4, 1], ["relu", "tanh", "sigmoid"], 10, batch_size=5), 0.3))
    for p in one_step:
        _check_one_step(func, p, seed)
    for p, eta in whole_runs:
        _check_whole_run(func, p, seed, eta)
    runs = one_step + [p for p, _ in whole_runs]
    tried = ", ".join(f"{p['loss']!r} {p['layer_sizes']} m={len(p['X'])}" for p in runs)
    return ("one epoch steps by minus learning_rate times the gradient, one mean cost per epoch, the cost goes "
            f"down, seed and batch_size are used ({tried}).")
