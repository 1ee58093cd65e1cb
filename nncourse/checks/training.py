"""Checks of notebook 07: gradient descent and training (gd_update, minibatches, train).

train's check compares behaviour, not numbers: a correct train may initialise its weights its own
way. With the same seed, two full-batch runs of one epoch that differ only in the learning rate
(eta and 2 eta) start from the same params P0, so P0 = 2 P1 - P2 and (P1 - P2) / eta is the
gradient train stepped along, which must be the course's cost gradient at P0. From P0 the rest
follows: history[0] of a full-batch epoch is the cost at P0 (measured before the step); with a tiny
learning rate every batch is measured at P0, so the epoch's cost weighted by batch sizes is the
cost at P0; and since the last batch is smaller, its examples weigh more in the epoch's step, so
epochs that shuffle afresh take different steps. Then: the cost goes down, the seed and
batch_size are used, and the ValueErrors the exercise asks for are raised.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from nncourse import reference

from ._framework import (
    Mistake,
    as_array,
    as_params,
    call_student,
    describe,
    distinct_sizes,
    exercise,
    expect_close,
    expect_raises,
    fail,
    format_array,
    matches,
    name_mistake,
    numbered_rows,
    times,
    tolerance,
)

NOTEBOOK = "07_gradient_descent_and_training"


def _describe_params(params) -> str:
    return "[" + ", ".join(f"(W {np.shape(W)}, b {np.shape(b)})" for W, b in params) + "]"


def _flat(params) -> np.ndarray:
    return np.concatenate([np.ravel(p).astype(np.float64) for layer in params for p in layer])


def _pairs_match(got, variant) -> bool:
    return len(got) == len(variant) and all(matches(g[0], v[0]) and matches(g[1], v[1])
                                            for g, v in zip(got, variant))


# ---------------------------------------------------------------------------------------------
# gd_update
# ---------------------------------------------------------------------------------------------

GD_HINT = ("return a new list: [(W - learning_rate * dW, b - learning_rate * db) "
           "for (W, b), (dW, db) in zip(params, grads)].")


def _random_params(rng, sizes, dtype=np.float64):
    return [(rng.normal(0.0, 1.0, size=(n_in, n_out)).astype(dtype), rng.normal(0.0, 1.0, size=n_out).astype(dtype))
            for n_in, n_out in zip(sizes[:-1], sizes[1:])]


def _gd_mistakes(params, grads, lr, expected):
    def shows(variant):
        return lambda got: not _pairs_match(expected, variant) and _pairs_match(got, variant)

    pairs = list(zip(params, grads))
    return [
        Mistake("ascent", shows([(W + lr * dW, b + lr * db) for (W, b), (dW, db) in pairs]),
                "the step goes up the gradient: W + learning_rate * dW.",
                "step against the gradient: W - learning_rate * dW, b - learning_rate * db."),
        Mistake("forgot-b", shows([(W - lr * dW, b) for (W, b), (dW, _) in pairs]), "the biases did not change.",
                "update the biases too: b - learning_rate * db."),
        Mistake("only-first-layer", shows([(W - lr * dW, b - lr * db) if l == 0 else (W, b)
                                           for l, ((W, b), (dW, db)) in enumerate(pairs)]),
                "only the first layer was updated.", "update every layer: loop over all (W, b) and (dW, db) pairs."),
        Mistake("no-rate-on-b", shows([(W - lr * dW, b - db) for (W, b), (dW, db) in pairs]),
                "the new b is b - db: the learning rate is missing.", "b - learning_rate * db, like W."),
    ]


@exercise("gd_update", notebook=NOTEBOOK)
def check_gd_update(func, rng, hidden):
    name = "gd_update"
    sizes = list(distinct_sizes(rng, 3, 2, 9))
    cases = [(sizes, float(rng.choice([0.05, 0.1, 0.3])), np.float64),
             (sizes + [1], float(rng.choice([0.2, 0.5])), np.float32),
             (sizes[:2], 0.7, np.float64)]
    if hidden:
        cases += [([3, 8, 6, 4, 2], 0.01, np.float64)]
    for layer_sizes, lr, dtype in cases:
        params = _random_params(rng, layer_sizes, dtype)
        grads = _random_params(rng, layer_sizes, dtype)
        desc = (f"params {_describe_params(params)} ({np.dtype(dtype).name}), grads of the same shapes, "
                f"learning_rate {lr}")
        got = call_student(name, func, params, grads, lr, names=("params", "grads", "learning_rate"),
                           input_desc=desc)
        new = as_params(name, got, layer_sizes, what="the new params", input_desc=desc, hint=GD_HINT)
        expected = reference.gd_update(params, grads, lr)
        name_mistake(name, new, _gd_mistakes(params, grads, lr, expected), input_desc=desc)
        rtol = tolerance(dtype)
        for l, ((W_new, b_new), (W_exp, b_exp)) in enumerate(zip(new, expected)):
            expect_close(name, W_new, W_exp, what=f"the new W of layer {l + 1}", input_desc=desc, rtol=rtol,
                         atol=1e-6)
            expect_close(name, b_new, b_exp, what=f"the new b of layer {l + 1}", input_desc=desc, rtol=rtol,
                         atol=1e-6)
    return "W - learning_rate * dW and b - learning_rate * db for every layer, inputs unchanged, float32 too."


# ---------------------------------------------------------------------------------------------
# minibatches
# ---------------------------------------------------------------------------------------------

def list_batches(func, X, y, batch_size, rng):
    """Call `func` and list what it yields, so that errors raised while iterating are the call's."""
    return list(func(X, y, batch_size, rng))


def _order(name, func, X, y, batch_size, seed, desc):
    """The row order of one pass, after checking batches, coverage and X/y alignment."""
    m = len(X)
    got = call_student(name, functools.partial(list_batches, func), X, y, batch_size,
                       np.random.default_rng(seed), names=("X", "y", "batch_size", "rng"), input_desc=desc)
    rows, labels, sizes = [], [], []
    for k, batch in enumerate(got):
        if not isinstance(batch, (tuple, list)) or len(batch) != 2:
            fail(name, f"batch {k} is not a pair (X_batch, y_batch).", input=desc, got=format_array(batch),
                 hint="yield X[batch], y[batch] for each batch of indices.")
        X_batch = as_array(name, batch[0], what=f"X_batch {k}", input_desc=desc, allow_list=True)
        y_batch = as_array(name, batch[1], what=f"y_batch {k}", input_desc=desc, allow_list=True)
        if X_batch.ndim != 2 or X_batch.shape[1] != X.shape[1] or y_batch.shape != (len(X_batch),) + y.shape[1:]:
            fail(name, f"batch {k} has X_batch {X_batch.shape} and y_batch {y_batch.shape}.", input=desc,
                 expected=f"(b, {X.shape[1]}) and (b,{' ' + str(y.shape[1]) if y.ndim == 2 else ''})",
                 hint="select whole rows: X[indices] and y[indices].")
        rows += [int(round(v)) for v in X_batch[:, 0]]
        labels += [int(round(v)) for v in np.reshape(y_batch, (len(y_batch), -1))[:, 0]]
        sizes.append(len(X_batch))
    seen = np.bincount(np.array(rows, dtype=int), minlength=m) if rows else np.zeros(m, dtype=int)
    if np.any(seen > 1):
        fail(name, f"{int(np.sum(seen > 1))} of {m} examples appear more than once in one pass.", input=desc,
             got=f"batch sizes {sizes}", mistake="repeats-examples",
             hint="every example exactly once per pass: draw one permutation (rng.permutation(m)) and "
                  "cut it into consecutive slices of batch_size.")
    if np.any(seen == 0):
        missing = int(np.sum(seen == 0))
        last = missing == m % batch_size
        fail(name, f"{missing} of {m} examples never appear" +
             (": the last, smaller batch is missing." if last else "."), input=desc,
             got=f"batch sizes {sizes}", mistake="drops-last-batch" if last else "misses-examples",
             hint=("keep the last batch even when it is smaller: for start in range(0, m, batch_size) "
                   "reaches every start below m." if last else "every example exactly once per pass."))
    if not np.array_equal(np.array(labels), 2 * np.array(rows) + 1):
        fail(name, "the batches pair rows of X with labels of other rows.", input=desc, mistake="x-y-misaligned",
             hint="use the same permutation for X and y: idx = rng.permutation(m), then X[idx] and y[idx].")
    full = [batch_size] * (m // batch_size) + ([m % batch_size] if m % batch_size else [])
    if sizes != full:
        fail(name, f"the batch sizes are {sizes}, expected {full}.", input=desc, mistake="wrong-batch-sizes",
             hint="every batch but the last has batch_size examples; the last may be smaller.")
    return rows


RNG_HINT = ("draw the order from the rng argument (order = rng.permutation(m)), not from np.random or "
            "a generator of your own.")


def _minibatch_cases(rng, hidden):
    n, batch_size = distinct_sizes(rng, 2, 2, 7)
    full = max(2, math.ceil(10 / batch_size))       # m >= 10: a shuffle cannot look unshuffled
    cases = [(full * batch_size + r, n, batch_size, 1) for r in range(batch_size)]   # every remainder
    cases += [(12, n, 5, 2), (1, n, 4, 1), (7, n, 1, 1), (5, n, 5, 1), (6, n, 10, 1)]
    if hidden:
        cases += [(50, n + 1, 8, 1), (23, n, 3, 3)]
    return cases


@exercise("minibatches", notebook=NOTEBOOK)
def check_minibatches(func, rng, hidden):
    name = "minibatches"
    seed = int(rng.integers(1000))
    cases = _minibatch_cases(rng, hidden)
    for m, n, batch_size, k in cases:
        X, y = numbered_rows(rng, m, n)
        if k > 1:
            y = np.stack([y] + [rng.integers(0, 5, size=m)] * (k - 1), axis=1)      # y of shape (m, k)
        desc = describe(X=X, y=y) + f", batch_size {batch_size}, rng np.random.default_rng({seed})"
        order = _order(name, func, X, y, batch_size, seed, desc)
        if m < 10:
            continue     # with few examples a fair shuffle keeps the order too often to demand otherwise
        if order == list(range(m)):
            fail(name, "the batches come in the original order: they are not shuffled.", input=desc,
                 hint="shuffle the order with rng first: order = rng.permutation(m).", mistake="not-shuffled")
        again = _order(name, func, X, y, batch_size, seed, desc + " (a second, identical generator)")
        if again != order:
            fail(name, "two generators with the same seed gave different orders.", input=desc, hint=RNG_HINT,
                 mistake="rng-ignored")
        other = _order(name, func, X, y, batch_size, seed + 1, desc + f" (then np.random.default_rng({seed + 1}))")
        if other == order:
            fail(name, "generators with different seeds gave the same order: rng is unused.", input=desc,
                 hint=RNG_HINT, mistake="rng-ignored")
    remainders = sorted({m % bs for m, _, bs, _ in cases})
    return (f"every example exactly once per pass with X and y together, batches of batch_size and a smaller "
            f"last one (remainders m % batch_size = {remainders}), y (m,) and (m, k), one example, batch_size 1 "
            "and larger than m, shuffled by rng and reproducible.")


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


TRAIN_HINT = "params is a list of (W, b), W of shape (layer_sizes[l], layer_sizes[l + 1])."


def _run(func, p, *, learning_rate, epochs, batch_size, seed):
    """Call the student's train; returns (params, history as floats, description) after checking their form."""
    name = "train"
    desc = _describe_problem(p, learning_rate=learning_rate, epochs=epochs, batch_size=batch_size, seed=seed)
    got = call_student(name, func, p["X"], p["y"], p["layer_sizes"], p["activations"], p["loss"],
                       names=("X", "y", "layer_sizes", "activations", "loss"), input_desc=desc,
                       learning_rate=learning_rate, epochs=epochs, batch_size=batch_size, seed=seed)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail(name, "train must return a pair (params, history).", input=desc, got=format_array(got),
             hint="return params, history at the end of train.")
    first, second = got
    if isinstance(second, (list, tuple)) and second and isinstance(second[0], (list, tuple)) \
            and not (isinstance(first, (list, tuple)) and first and isinstance(first[0], (list, tuple))):
        fail(name, "train returned (history, params): the two are swapped.", input=desc,
             hint="return params, history (in this order).", mistake="swapped-return")
    params = as_params(name, first, p["layer_sizes"], what="the returned params", input_desc=desc, hint=TRAIN_HINT)
    try:
        history = [float(v) for v in second]
    except (TypeError, ValueError):
        fail(name, "history is not a list of numbers (one cost per epoch).", input=desc, got=format_array(second),
             hint="append one float per epoch: history.append(epoch_cost).")
    n_batches = 1 if batch_size is None else math.ceil(len(p["X"]) / batch_size)
    if len(history) != epochs:
        per_batch = len(history) == epochs * n_batches and n_batches > 1
        fail(name, f"history has {len(history)} entries for epochs = {epochs}" +
             (": one per batch." if per_batch else "."), input=desc, mistake="history-per-batch" if per_batch else None,
             hint="history holds one mean cost per epoch: add up the epoch's batch costs (each times its "
                  "size), divide by m, and append that once per epoch.")
    if not all(math.isfinite(v) for v in history):
        fail(name, "history contains nan or inf.", input=desc, got=format_array(history))
    return params, history, desc


def _true_gradient(p, params):
    """The reference's gradient of the course's cost at params, flattened like _flat."""
    A_L, caches = reference.forward(p["X"], params, p["activations"])
    dZ_L = reference.output_gradient(A_L, caches[-1][1], p["y"], p["loss"], p["activations"][-1])
    return _flat(reference.backward(dZ_L, caches, params, p["activations"]))


def _cost_of(p, params, rows=None):
    X, y = (p["X"], p["y"]) if rows is None else (p["X"][rows], p["y"][rows])
    A_L, _ = reference.forward(X, params, p["activations"])
    return reference.cost(A_L, y, p["loss"])


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

    Returns P0, the initial params train used (after checking that the same seed gives the same run).
    """
    name = "train"
    P1, H1, desc = _run(func, p, learning_rate=eta, epochs=1, batch_size=None, seed=seed)
    again, _, _ = _run(func, p, learning_rate=eta, epochs=1, batch_size=None, seed=seed)
    if not _same(P1, again):
        fail(name, "two runs with the same seed gave different params.", input=desc, mistake="not-reproducible",
             hint="the same seed must give the same run: make every random draw from "
                  "np.random.default_rng(seed) (or init_params(layer_sizes, seed)), never unseeded np.random.")
    P2, _, _ = _run(func, p, learning_rate=2 * eta, epochs=1, batch_size=None, seed=seed)
    v1, v2 = _flat(P1), _flat(P2)
    P0 = _unflat(2 * v1 - v2, P1)
    if np.allclose(v1, v2, rtol=0, atol=1e-12):
        fail(name, f"the params did not change in one epoch of training ({p['loss']!r}).", input=desc,
             mistake="params-not-updated",
             hint="update the params with the gradients every batch: params = gd_update(params, grads, "
                  "learning_rate), and use the new params in the next step.")
    step = (v1 - v2) / eta                      # = the gradient train used at P0
    gradient = _true_gradient(p, P0)
    expect_close(name, step, gradient, what="the gradient of the first step", input_desc=desc, rtol=1e-5, atol=1e-9,
                 mistakes=[
                     Mistake("ascent", times(gradient, -1.0), "train stepped up the gradient: the cost goes up.",
                             "W - learning_rate * dW: subtract the gradient."),
                     Mistake("gradient-factor-2", times(gradient, 0.5), "the step is half the cost's gradient.",
                             f"check dA_L or dZ_L of the {p['loss']!r} cost (for 'mse', dA_L = 2 (A_L - Y) / "
                             "A_L.size): use output_gradient(A_L, Z_L, y, loss, activation)."),
                     Mistake("gradient-factor-2", times(gradient, 2.0), "the step is twice the cost's gradient.",
                             "check dA_L or dZ_L: use output_gradient(A_L, Z_L, y, loss, activation)."),
                 ],
                 hint="each step is params - learning_rate * grads, with grads = backward(output_gradient(...), "
                      "caches, params, activations) of the batch.")
    before, after = _cost_of(p, P0), _cost_of(p, P1)
    if not math.isclose(H1[0], before, rel_tol=1e-6, abs_tol=1e-9):
        if math.isclose(H1[0], after, rel_tol=1e-6, abs_tol=1e-9):
            fail(name, "history[0] is the cost after the epoch's step, not before it.", input=desc,
                 expected=f"{before:.6g} (the cost at the initial params)", got=f"{H1[0]:.6g}",
                 mistake="cost-after-step",
                 hint="measure each batch's cost from the forward pass that computes its gradient, before "
                      "the update.")
        fail(name, f"history[0] is {H1[0]:.6g}; the {p['loss']!r} cost at the start is {before:.6g}.",
             input=desc, mistake="wrong-epoch-cost",
             hint=f"record the mean {p['loss']!r} cost over the epoch's examples, as cost(A_L, y, loss) computes "
                  "it, measured before each step.")
    return P0


def _reference_batches(m, batch_size, seed, epochs):
    """The batches (row indices) of each epoch when one rng = default_rng(seed) shuffles every epoch."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(epochs):
        order = rng.permutation(m)
        out.append([order[start:start + batch_size] for start in range(0, m, batch_size)])
    return out


def _check_epoch_cost(func, p, seed, P0, tiny=1e-9):
    """With a tiny learning rate the params stay at P0: the epoch's cost, weighted by batch size, is the cost at P0."""
    name = "train"
    batch_size = p["batch_size"]
    m = len(p["X"])
    c0 = _cost_of(p, P0)
    _, H, desc = _run(func, p, learning_rate=tiny, epochs=2, batch_size=batch_size, seed=seed)
    for e, value in enumerate(H):
        if math.isclose(value, c0, rel_tol=1e-5, abs_tol=1e-9):
            continue
        batches = _reference_batches(m, batch_size, seed, e + 1)[e]
        plain = float(np.mean([_cost_of(p, P0, rows) for rows in batches]))
        if math.isclose(value, plain, rel_tol=1e-5, abs_tol=1e-9):
            fail(name, f"history[{e}] is the plain mean of the batch costs.", input=desc,
                 expected=f"{c0:.6g} (the mean cost over the epoch's examples)", got=f"{value:.6g}",
                 mistake="unweighted-epoch-mean",
                 details=[f"m = {m} and batch_size = {batch_size}: the last batch has {m % batch_size} examples."],
                 hint="weight each batch's cost by its number of examples: add cost * len(X_batch) over the "
                      "epoch and divide by m.")
        fail(name, f"history[{e}] is {value:.6g}; the epoch's mean cost is {c0:.6g}.", input=desc,
             mistake="wrong-epoch-cost",
             details=[f"with learning_rate {tiny} the params stay at the initial ones, whose cost is {c0:.6g}."],
             hint="record the mean cost over the epoch's examples: add each batch's cost times its size and "
                  "divide by m, once per epoch.")


def _check_fresh_shuffles(func, p, seed, P0, eta=1e-5):
    """Every epoch shuffles anew: the last, smaller batch holds other examples, so the epochs' steps differ."""
    name = "train"
    previous = _flat(P0)
    steps = []
    for epochs in (1, 2, 3):
        P, _, desc = _run(func, p, learning_rate=eta, epochs=epochs, batch_size=p["batch_size"], seed=seed)
        steps.append(previous - _flat(P))
        previous = _flat(P)
    scale = np.max(np.abs(steps[0]))
    if all(np.allclose(steps[0], s, rtol=1e-3, atol=1e-3 * scale) for s in steps[1:]):
        fail(name, "every epoch used the same batches: the shuffle is not fresh.", input=desc,
             mistake="same-shuffle-every-epoch",
             details=["the epochs' steps are equal, so each epoch's last, smaller batch held the same examples."],
             hint="make one rng = np.random.default_rng(seed) before the loop over the epochs and call "
                  "minibatches(X, y, batch_size, rng) in every epoch: the generator moves on, the order changes.")


def _check_whole_run(func, p, seed, eta=0.5, epochs=25):
    """The epoch cost, fresh shuffles, the seed, descent over many epochs, and batch_size."""
    name = "train"
    batch_size = p["batch_size"]
    P0 = _check_one_step(func, p, seed, eta)
    P_full, _, _ = _run(func, p, learning_rate=eta, epochs=1, batch_size=None, seed=seed)
    P_mini, _, desc = _run(func, p, learning_rate=eta, epochs=1, batch_size=batch_size, seed=seed)
    if _same(P_full, P_mini):
        fail(name, f"batch_size {batch_size} gave the params of full-batch training.", input=desc,
             mistake="batch-size-ignored",
             hint="cut each epoch into mini-batches of batch_size (minibatches(X, y, batch_size, rng)) "
                  "and take one step per batch.")
    _check_epoch_cost(func, p, seed, P0)
    _check_fresh_shuffles(func, p, seed, P0)
    P_other, _, desc_other = _run(func, p, learning_rate=1e-9, epochs=1, batch_size=None, seed=seed + 1)
    if np.allclose(_flat(P_other), _flat(P0), rtol=1e-6, atol=1e-7):
        fail(name, f"seeds {seed} and {seed + 1} gave the same initial params: seed is unused.", input=desc_other,
             mistake="seed-ignored", hint="pass seed on: init_params(layer_sizes, seed) and "
                                          "np.random.default_rng(seed) for the shuffling.")
    _, H_full, desc = _run(func, p, learning_rate=eta, epochs=epochs, batch_size=None, seed=seed)
    if not H_full[-1] < H_full[0]:
        fail(name, f"the cost did not go down in {epochs} epochs of full-batch training.", input=desc,
             got=format_array(np.array(H_full)), mistake="cost-not-decreasing",
             hint="subtract learning_rate * gradient every step, and use the new params in the next one.")
    _, H_mini, desc = _run(func, p, learning_rate=eta, epochs=epochs, batch_size=batch_size, seed=seed)
    if not H_mini[-1] < H_mini[0]:
        fail(name, f"the cost did not go down in {epochs} epochs of mini-batch training.", input=desc,
             got=format_array(np.array(H_mini)), mistake="cost-not-decreasing")


VALUE_ERROR_HINT = ("check the arguments first: `if loss not in (\"mse\", \"bce\", \"ce\"): raise ValueError(...)` "
                    "and `if len(activations) != len(layer_sizes) - 1: raise ValueError(...)`.")


def _check_value_errors(func, p, seed):
    name = "train"
    sizes, acts = p["layer_sizes"], p["activations"]
    common = {"learning_rate": 0.1, "epochs": 2, "batch_size": None, "seed": seed}
    names = ("X", "y", "layer_sizes", "activations", "loss")
    for loss, activations, why in (("hinge", acts, "loss 'hinge'"),
                                   (p["loss"], acts + [acts[-1]], f"{len(acts) + 1} activations for {len(acts)} "
                                                                  "layers"),
                                   (p["loss"], acts[1:], f"{len(acts) - 1} activations for {len(acts)} layers")):
        expect_raises(name, func, ValueError, p["X"], p["y"], sizes, activations, loss, names=names, why=why,
                      hint=VALUE_ERROR_HINT, mistake="no-value-error", **common)


def _train_problems(rng, hidden):
    n0, n1, m_batch = distinct_sizes(rng, 3, 3, 6)
    m = 3 * m_batch + m_batch - 1                          # the last batch is smaller, with >= 2 examples
    whole = [(_problem(rng, "bce", [n0, n1 + 2, 1], ["tanh", "sigmoid"], m, batch_size=m_batch), 0.5)]
    one_step = [_problem(rng, "mse", [n0, n1, 1], ["tanh", "linear"], m),
                _problem(rng, "ce", [n0, n1 + 1, 3], ["relu", "softmax"], m),
                _problem(rng, "bce", [n0, 1], ["sigmoid"], 1)]
    if hidden:
        one_step += [_problem(rng, "ce", [n0, 5, 4, 4], ["leaky_relu", "tanh", "softmax"], 13),
                     _problem(rng, "mse", [n0, 1], ["linear"], 6)]
        whole.append((_problem(rng, "ce", [n0, 6, 4, 3], ["relu", "tanh", "softmax"], 11, batch_size=4), 0.3))
    return one_step, whole


@exercise("train", notebook=NOTEBOOK)
def check_train(func, rng, hidden):
    seed = int(rng.integers(100))
    one_step, whole = _train_problems(rng, hidden)
    for p in one_step:
        _check_one_step(func, p, seed)
    for p, eta in whole:
        _check_whole_run(func, p, seed, eta)
    _check_value_errors(func, whole[0][0], seed)
    runs = one_step + [p for p, _ in whole]
    tried = ", ".join(f"{p['loss']!r} {p['layer_sizes']} m={len(p['X'])}" for p in runs)
    return ("each step is minus learning_rate times the gradient, history[e] is the epoch's mean cost measured "
            "before each step and weighted by batch size, fresh shuffles every epoch, the cost goes down, seed "
            f"and batch_size are used, ValueError for a bad loss or activations ({tried}).")
