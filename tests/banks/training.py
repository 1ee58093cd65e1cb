"""Implementations of notebook 07's exercises (gradient descent and training) the checks must judge rightly.

WRONG: (exercise, function, text the failure must contain, id of the mistake it names or None);
CORRECT: (exercise, function) right answers written another way. Every function is module-level
(picklable), as the grader calls students' functions in another process. The trains build on the
reference implementations of earlier notebooks (init_params, forward, cost, output_gradient,
backward), imported as notebook 07's set-up cell imports them.
"""
import math

import numpy as np

import nncourse.reference
from nncourse.reference import activate, backward, cost, forward, init_params, output_gradient

# ---------------------------------------------------------------------------------------------
# gd_update
# ---------------------------------------------------------------------------------------------

def gd_ascent(params, grads, learning_rate):
    return [(W + learning_rate * dW, b + learning_rate * db) for (W, b), (dW, db) in zip(params, grads)]


def gd_forgets_b(params, grads, learning_rate):
    return [(W - learning_rate * dW, b) for (W, b), (dW, _) in zip(params, grads)]


def gd_in_place(params, grads, learning_rate):
    for (W, b), (dW, db) in zip(params, grads):
        W -= learning_rate * dW
        b -= learning_rate * db
    return params


def gd_replaces_list_items(params, grads, learning_rate):
    for l, ((W, b), (dW, db)) in enumerate(zip(params, grads)):
        params[l] = (W - learning_rate * dW, b - learning_rate * db)
    return params


def gd_no_rate_on_b(params, grads, learning_rate):
    return [(W - learning_rate * dW, b - db) for (W, b), (dW, db) in zip(params, grads)]


def gd_first_layer_only(params, grads, learning_rate):
    (W, b), (dW, db) = params[0], grads[0]
    return [(W - learning_rate * dW, b - learning_rate * db)] + list(params[1:])


def gd_loop_lists(params, grads, learning_rate):
    new_params = []
    for l in range(len(params)):
        W, b = params[l]
        dW, db = grads[l]
        new_params.append([np.subtract(W, learning_rate * dW), np.subtract(b, learning_rate * db)])
    return new_params


def gd_copies(params, grads, learning_rate):
    new_params = []
    for (W, b), (dW, db) in zip(params, grads):
        W, b = W.copy(), b.copy()
        W -= learning_rate * dW
        b -= learning_rate * db
        new_params.append((W, b))
    return new_params


def gd_tuples(params, grads, learning_rate):
    """A tuple of tuples instead of a list: unpacks the same way."""
    return tuple((np.dot(1.0, W) - learning_rate * dW, b - learning_rate * db)
                 for (W, b), (dW, db) in zip(params, grads))


# ---------------------------------------------------------------------------------------------
# minibatches
# ---------------------------------------------------------------------------------------------

def mb_not_shuffled(X, y, batch_size, rng):
    for start in range(0, len(X), batch_size):
        yield X[start:start + batch_size], y[start:start + batch_size]


def mb_with_replacement(X, y, batch_size, rng):
    order = rng.choice(len(X), size=len(X), replace=True)
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        yield X[batch], y[batch]


def mb_drops_last(X, y, batch_size, rng):
    order = rng.permutation(len(X))
    for k in range(len(X) // batch_size):
        batch = order[k * batch_size:(k + 1) * batch_size]
        yield X[batch], y[batch]


def mb_two_permutations(X, y, batch_size, rng):
    X_shuffled = X[rng.permutation(len(X))]
    y_shuffled = y[rng.permutation(len(y))]
    for start in range(0, len(X), batch_size):
        yield X_shuffled[start:start + batch_size], y_shuffled[start:start + batch_size]


def mb_global_random(X, y, batch_size, rng):
    order = np.random.permutation(len(X))
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        yield X[batch], y[batch]


def mb_own_seed(X, y, batch_size, rng):
    order = np.random.default_rng(0).permutation(len(X))
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        yield X[batch], y[batch]


def mb_range_m_minus_1(X, y, batch_size, rng):
    """range(0, m - 1, batch_size): loses the last batch when it has one example (m % batch_size == 1)."""
    m = len(X)
    order = rng.permutation(m)
    for start in range(0, m - 1, batch_size):
        batch = order[start:start + batch_size]
        yield X[batch], y[batch]


def mb_overlapping(X, y, batch_size, rng):
    """Steps by batch_size - 1: neighbouring batches share an example."""
    order = rng.permutation(len(X))
    step = max(1, batch_size - 1)
    for start in range(0, len(X), step):
        batch = order[start:start + batch_size]
        yield X[batch], y[batch]


def mb_list_shuffle(X, y, batch_size, rng):
    indices = np.arange(len(X))
    rng.shuffle(indices)
    batches = []
    for start in range(0, len(indices), batch_size):
        chosen = indices[start:start + batch_size]
        batches.append((X[chosen], y[chosen]))
    return batches


def mb_take(X, y, batch_size, rng):
    order = rng.permuted(np.arange(len(X)))
    n_batches = math.ceil(len(X) / batch_size)
    for k in range(n_batches):
        batch = order[k * batch_size:min(len(X), (k + 1) * batch_size)]
        yield np.take(X, batch, axis=0), np.take(y, batch, axis=0)


def mb_shuffled_copies(X, y, batch_size, rng):
    order = rng.permutation(len(X))
    X_shuffled, y_shuffled = X[order], y[order]
    start = 0
    while start < len(X):
        yield X_shuffled[start:start + batch_size], y_shuffled[start:start + batch_size]
        start += batch_size


def mb_choice_lists(X, y, batch_size, rng):
    """rng.choice without replacement, batches as lists [X_batch, y_batch]."""
    order = rng.choice(len(X), size=len(X), replace=False)
    return [[X[order[i:i + batch_size]], y[order[i:i + batch_size]]] for i in range(0, len(X), batch_size)]


def mb_python_lists(X, y, batch_size, rng):
    """Batches built row by row as Python lists: numpy turns them into arrays when they are used."""
    order = list(rng.permutation(len(X)))
    while order:
        chosen, order = order[:batch_size], order[batch_size:]
        yield [X[i] for i in chosen], [y[i] for i in chosen]


# ---------------------------------------------------------------------------------------------
# train
# ---------------------------------------------------------------------------------------------

def _batches(X, y, batch_size, rng):
    order = rng.permutation(len(X))
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        yield X[batch], y[batch]


def _step(params, X_batch, y_batch, activations, loss, learning_rate):
    """One forward/backward/update on a batch; returns (new params, the batch's cost before it)."""
    A_L, caches = forward(X_batch, params, activations)
    batch_cost = cost(A_L, y_batch, loss)
    dZ_L = output_gradient(A_L, caches[-1][1], y_batch, loss, activations[-1])
    grads = backward(dZ_L, caches, params, activations)
    new_params = [(W - learning_rate * dW, b - learning_rate * db)
                  for (W, b), (dW, db) in zip(params, grads)]
    return new_params, batch_cost


def _train(X, y, layer_sizes, activations, loss, learning_rate=0.1, epochs=100, batch_size=None,
           seed=0, *, sign=1.0, history_of="weighted", init_seed=None, shuffle_seed=None,
           ignore_batch_size=False, update=True, fresh_rng_each_epoch=False, cost_after_step=False):
    """A training loop with switches that reproduce the usual mistakes."""
    X = np.asarray(X, dtype=float)
    params = init_params(layer_sizes, seed if init_seed is None else init_seed)
    rng = np.random.default_rng(seed if shuffle_seed is None else shuffle_seed)
    size = len(X) if batch_size is None or ignore_batch_size else batch_size
    history = []
    for _ in range(epochs):
        if fresh_rng_each_epoch:
            rng = np.random.default_rng(seed)
        costs, sizes = [], []
        for X_batch, y_batch in _batches(X, y, size, rng):
            new_params, batch_cost = _step(params, X_batch, y_batch, activations, loss,
                                           sign * learning_rate)
            if update:
                params = new_params
            if cost_after_step:
                batch_cost = cost(forward(X_batch, params, activations)[0], y_batch, loss)
            costs.append(batch_cost)
            sizes.append(len(X_batch))
        if history_of == "weighted":
            history.append(float(np.dot(costs, sizes) / np.sum(sizes)))
        elif history_of == "per batch":
            history.extend(costs)
        elif history_of == "last batch":
            history.append(costs[-1])
        elif history_of == "plain mean":
            history.append(float(np.mean(costs)))
        elif history_of == "sum":
            history.append(float(np.sum(costs)))
    return params, history


def train_ascent(X, y, layer_sizes, activations, loss, learning_rate=0.1, epochs=100,
                 batch_size=None, seed=0):
    return _train(X, y, layer_sizes, activations, loss, learning_rate, epochs, batch_size, seed,
                  sign=-1.0)


def train_history_per_batch(X, y, layer_sizes, activations, loss, learning_rate=0.1, epochs=100,
                            batch_size=None, seed=0):
    return _train(X, y, layer_sizes, activations, loss, learning_rate, epochs, batch_size, seed,
                  history_of="per batch")


def train_history_last_batch(X, y, layer_sizes, activations, loss, learning_rate=0.1, epochs=100,
                             batch_size=None, seed=0):
    return _train(X, y, layer_sizes, activations, loss, learning_rate, epochs, batch_size, seed,
                  history_of="last batch")


def train_history_sum(X, y, layer_sizes, activations, loss, learning_rate=0.1, epochs=100,
                      batch_size=None, seed=0):
    return _train(X, y, layer_sizes, activations, loss, learning_rate, epochs, batch_size, seed,
                  history_of="sum")


def train_ignores_seed(X, y, layer_sizes, activations, loss, learning_rate=0.1, epochs=100,
                       batch_size=None, seed=0):
    return _train(X, y, layer_sizes, activations, loss, learning_rate, epochs, batch_size, seed,
                  init_seed=0, shuffle_seed=0)


def train_ignores_batch_size(X, y, layer_sizes, activations, loss, learning_rate=0.1, epochs=100,
                             batch_size=None, seed=0):
    return _train(X, y, layer_sizes, activations, loss, learning_rate, epochs, batch_size, seed,
                  ignore_batch_size=True)


def train_never_updates(X, y, layer_sizes, activations, loss, learning_rate=0.1, epochs=100,
                        batch_size=None, seed=0):
    return _train(X, y, layer_sizes, activations, loss, learning_rate, epochs, batch_size, seed,
                  update=False)


def train_history_with_initial_cost(X, y, layer_sizes, activations, loss, learning_rate=0.1,
                                    epochs=100, batch_size=None, seed=0):
    params, history = _train(X, y, layer_sizes, activations, loss, learning_rate, epochs,
                             batch_size, seed)
    A_L, _ = forward(np.asarray(X, dtype=float), init_params(layer_sizes, seed), activations)
    return params, [cost(A_L, y, loss)] + history


def train_unseeded_global_random(X, y, layer_sizes, activations, loss, learning_rate=0.1,
                                 epochs=100, batch_size=None, seed=0):
    params = [(np.random.randn(n_in, n_out) / math.sqrt(n_in), np.zeros(n_out))
              for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:])]
    size = len(X) if batch_size is None else batch_size
    history = []
    for _ in range(epochs):
        order = np.random.permutation(len(X))
        total = 0.0
        for start in range(0, len(X), size):
            batch = order[start:start + size]
            params, batch_cost = _step(params, X[batch], y[batch], activations, loss, learning_rate)
            total += batch_cost * len(batch)
        history.append(total / len(X))
    return params, history


def train_mse_half_gradient(X, y, layer_sizes, activations, loss, learning_rate=0.1, epochs=100,
                            batch_size=None, seed=0):
    """Uses dZ = (A - Y) / m for every loss: right for sigmoid + bce and softmax + ce only."""
    X = np.asarray(X, dtype=float)
    params = init_params(layer_sizes, seed)
    rng = np.random.default_rng(seed)
    size = len(X) if batch_size is None else batch_size
    history = []
    for _ in range(epochs):
        total = 0.0
        for X_batch, y_batch in _batches(X, y, size, rng):
            A_L, caches = forward(X_batch, params, activations)
            total += cost(A_L, y_batch, loss) * len(X_batch)
            Y = np.eye(A_L.shape[1])[y_batch] if loss == "ce" else np.reshape(y_batch, A_L.shape)
            grads = backward((A_L - Y) / len(X_batch), caches, params, activations)
            params = [(W - learning_rate * dW, b - learning_rate * db)
                      for (W, b), (dW, db) in zip(params, grads)]
        history.append(total / len(X))
    return params, history


def train_returns_history_first(X, y, layer_sizes, activations, loss, learning_rate=0.1, epochs=100,
                                batch_size=None, seed=0):
    params, history = _train(X, y, layer_sizes, activations, loss, learning_rate, epochs, batch_size, seed)
    return history, params


def train_unweighted_mean(X, y, layer_sizes, activations, loss, learning_rate=0.1, epochs=100,
                          batch_size=None, seed=0):
    """The plain mean of the batch costs: the smaller last batch weighs as much as a full one."""
    return _train(X, y, layer_sizes, activations, loss, learning_rate, epochs, batch_size, seed,
                  history_of="plain mean")


def train_cost_after_step(X, y, layer_sizes, activations, loss, learning_rate=0.1, epochs=100,
                          batch_size=None, seed=0):
    return _train(X, y, layer_sizes, activations, loss, learning_rate, epochs, batch_size, seed,
                  cost_after_step=True)


def train_same_shuffle_every_epoch(X, y, layer_sizes, activations, loss, learning_rate=0.1, epochs=100,
                                   batch_size=None, seed=0):
    """Makes rng = default_rng(seed) inside the epoch loop: every epoch sees the same batches."""
    return _train(X, y, layer_sizes, activations, loss, learning_rate, epochs, batch_size, seed,
                  fresh_rng_each_epoch=True)


def _own_forward(X, params, activations):
    """A forward pass that zips params with activations: extra names are silently ignored."""
    A, caches = X, []
    for (W, b), name in zip(params, activations):
        Z = A @ W + b
        caches.append((A, Z))
        A = activate(Z, name)
    return A, caches


def train_no_value_error(X, y, layer_sizes, activations, loss, learning_rate=0.1, epochs=100,
                         batch_size=None, seed=0):
    """Right for valid arguments, but an unknown loss is taken as "mse" and extra activations are ignored."""
    params = init_params(layer_sizes, seed)
    rng = np.random.default_rng(seed)
    known = loss if loss in ("bce", "ce") else "mse"
    size = len(X) if batch_size is None else batch_size
    history = []
    for _ in range(epochs):
        total = 0.0
        for X_batch, y_batch in _batches(X, y, size, rng):
            A_L, caches = _own_forward(X_batch, params, activations)
            total += cost(A_L, y_batch, known) * len(X_batch)
            dZ_L = output_gradient(A_L, caches[-1][1], y_batch, known, activations[len(params) - 1])
            grads = backward(dZ_L, caches, params, activations[:len(params)])
            params = [(W - learning_rate * dW, b - learning_rate * db) for (W, b), (dW, db) in zip(params, grads)]
        history.append(total / len(X))
    return params, history


def train_calls_reference_minibatches(X, y, layer_sizes, activations, loss, learning_rate=0.1, epochs=100,
                                      batch_size=None, seed=0):
    """Everything right, but the batches come from nncourse.reference.minibatches, an exercise of this notebook."""
    params = init_params(layer_sizes, seed)
    rng = np.random.default_rng(seed)
    history = []
    for _ in range(epochs):
        total = 0.0
        batches = [(X, y)] if batch_size is None else nncourse.reference.minibatches(X, y, batch_size, rng)
        for X_batch, y_batch in batches:
            params, batch_cost = _step(params, X_batch, y_batch, activations, loss, learning_rate)
            total += batch_cost * len(X_batch)
        history.append(total / len(X))
    return params, history


def train_reference_style(X, y, layer_sizes, activations, loss, learning_rate=0.1, epochs=100,
                          batch_size=None, seed=0):
    return _train(X, y, layer_sizes, activations, loss, learning_rate, epochs, batch_size, seed)


def train_own_init_cost_after_epoch(X, y, layer_sizes, activations, loss, learning_rate=0.1,
                                    epochs=100, batch_size=None, seed=0):
    """Glorot-uniform weights, small random biases, history measured on all data after each epoch."""
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        limit = math.sqrt(6 / (n_in + n_out))
        params.append((rng.uniform(-limit, limit, (n_in, n_out)), rng.normal(0, 0.1, n_out)))
    m = len(X)
    size = m if batch_size is None else batch_size
    history = []
    for _ in range(epochs):
        order = rng.permutation(m) if size < m else np.arange(m)
        for start in range(0, m, size):
            batch = order[start:start + size]
            params, _ = _step(params, X[batch], y[batch], activations, loss, learning_rate)
        A_L, _ = forward(X, params, activations)
        history.append(cost(A_L, y, loss))
    return params, history


def train_seeded_global(X, y, layer_sizes, activations, loss, learning_rate=0.1,
                        epochs=100, batch_size=None, seed=0):
    """np.random.seed(seed) instead of one generator: reproducible, shuffled afresh every epoch, so fine."""
    np.random.seed(seed)
    params = [(np.random.normal(0, 1 / math.sqrt(n_in), (n_in, n_out)), np.zeros(n_out))
              for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:])]
    size = len(X) if batch_size is None else batch_size
    history = []
    for _ in range(epochs):
        order = np.random.permutation(len(X))
        total = 0.0
        for start in range(0, len(X), size):
            batch = order[start:start + size]
            params, batch_cost = _step(params, X[batch], y[batch], activations, loss, learning_rate)
            total += batch_cost * len(batch)
        history.append(total / len(X))
    return params, history


WRONG = [
    ("gd_update", gd_ascent, "goes up the gradient", "ascent"),
    ("gd_update", gd_forgets_b, "biases", "forgot-b"),
    ("gd_update", gd_in_place, "in place", "modifies-input"),
    ("gd_update", gd_replaces_list_items, "in place", "modifies-input"),
    ("gd_update", gd_no_rate_on_b, "learning_rate * db", "no-rate-on-b"),
    ("gd_update", gd_first_layer_only, "every layer", "only-first-layer"),
    ("gd_update", nncourse.reference.gd_update, "calls nncourse.reference.gd_update", "calls-reference"),
    ("minibatches", mb_not_shuffled, "shuffle", "not-shuffled"),
    ("minibatches", mb_with_replacement, "exactly once", "repeats-examples"),
    ("minibatches", mb_drops_last, "the last, smaller batch is missing", "drops-last-batch"),
    ("minibatches", mb_range_m_minus_1, "the last, smaller batch is missing", "drops-last-batch"),
    ("minibatches", mb_two_permutations, "same permutation", "x-y-misaligned"),
    ("minibatches", mb_global_random, "rng", "rng-ignored"),
    ("minibatches", mb_own_seed, "rng", "rng-ignored"),
    ("minibatches", mb_overlapping, "exactly once", "repeats-examples"),
    ("train", train_ascent, "stepped up the gradient", "ascent"),
    ("train", train_history_per_batch, "one per batch", "history-per-batch"),
    ("train", train_history_last_batch, "epoch's mean cost", "wrong-epoch-cost"),
    ("train", train_history_sum, "epoch's mean cost", "wrong-epoch-cost"),
    ("train", train_unweighted_mean, "plain mean of the batch costs", "unweighted-epoch-mean"),
    ("train", train_cost_after_step, "after the epoch's step", "cost-after-step"),
    ("train", train_own_init_cost_after_epoch, "after the epoch's step", "cost-after-step"),
    ("train", train_same_shuffle_every_epoch, "same batches", "same-shuffle-every-epoch"),
    ("train", train_no_value_error, "no ValueError was raised", "no-value-error"),
    ("train", train_calls_reference_minibatches, "calls nncourse.reference.minibatches", "calls-reference"),
    ("train", train_ignores_seed, "seed", "seed-ignored"),
    ("train", train_ignores_batch_size, "batch_size", "batch-size-ignored"),
    ("train", train_never_updates, "did not change", "params-not-updated"),
    ("train", train_history_with_initial_cost, "entries for epochs", None),
    ("train", train_unseeded_global_random, "same seed", "not-reproducible"),
    ("train", train_mse_half_gradient, "half the cost's gradient", "gradient-factor-2"),
    ("train", train_returns_history_first, "swapped", "swapped-return"),
]

CORRECT = [
    ("gd_update", gd_loop_lists),
    ("gd_update", gd_copies),
    ("gd_update", gd_tuples),
    ("minibatches", mb_list_shuffle),
    ("minibatches", mb_take),
    ("minibatches", mb_shuffled_copies),
    ("minibatches", mb_choice_lists),
    ("minibatches", mb_python_lists),
    ("train", train_reference_style),
    ("train", train_seeded_global),
]
