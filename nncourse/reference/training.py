"""Notebook 07: the training loop: forward, cost, backward, update, over mini-batches and epochs.

`train` is the exercise: the loop a student writes from the functions of notebooks 03 to 07.
`fit` is the same loop with what notebook 08 and the playgrounds need besides: an optimiser
other than plain gradient descent, validation data, a progress bar and a callback.
"""
import numpy as np

from .arrays import as_float
from .backprop import backward
from .costs import cost, output_gradient
from .forward import forward, predict
from .layers import init_params
from .optimizers import OPTIMIZERS, gd_update


def minibatches(X, y, batch_size, rng):
    """Yield (X_batch, y_batch) pairs covering every row of X exactly once, in a shuffled order.

    X: (m, n)   y: (m,) or (m, k)   batch_size: int >= 1   rng: numpy.random.Generator
    Every batch has batch_size rows except perhaps the last, which is smaller.
    """
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}: one label per example")
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, such as np.random.default_rng(0), "
                         f"got {rng!r}")
    order = rng.permutation(len(X))
    for start in range(0, len(X), batch_size):
        rows = order[start:start + batch_size]
        yield X[rows], y[rows]


def train(X, y, layer_sizes, activations, loss, learning_rate=0.1, epochs=100, batch_size=None, seed=0):
    """Train a dense network with (mini-batch) gradient descent.

    X: (m, n_in)   y: labels (m,) for "bce" and "ce", targets (m,) or (m, n_out) for "mse"
    layer_sizes: [n_in, ..., n_out]   activations: one name per layer   loss: "mse", "bce" or "ce"
    batch_size: None for full batch, else the mini-batch size
    Returns (params, history): the trained list of (W, b), and one mean cost per epoch.
    """
    if loss not in ("mse", "bce", "ce"):
        raise ValueError(f"loss must be 'mse', 'bce' or 'ce', got {loss!r}")
    if len(activations) != len(layer_sizes) - 1:
        raise ValueError(f"{len(layer_sizes) - 1} layers need {len(layer_sizes) - 1} activations, "
                         f"got {len(activations)}")
    X, y = as_float(X, "X"), np.asarray(y)
    # the parameters in X's float type: float32 data trains in float32
    params = [(W.astype(X.dtype), b.astype(X.dtype)) for W, b in init_params(layer_sizes, seed)]
    rng = np.random.default_rng(seed)
    history = []
    for _ in range(epochs):
        batches = [(X, y)] if batch_size is None else minibatches(X, y, batch_size, rng)
        total_cost = 0.0
        for X_batch, y_batch in batches:
            A_L, caches = forward(X_batch, params, activations)
            total_cost += cost(A_L, y_batch, loss) * len(X_batch)
            dZ_L = output_gradient(A_L, caches[-1][1], y_batch, loss, activations[-1])
            grads = backward(dZ_L, caches, params, activations)
            params = gd_update(params, grads, learning_rate)
        history.append(total_cost / len(X))
    return params, history


class History(list):
    """What fit records: the mean training cost of every epoch (a list of floats), and as attributes

    .accuracy       training accuracy after every epoch ("bce" and "ce")
    .val_loss       validation cost after every epoch (with validation data)
    .val_accuracy   validation accuracy after every epoch ("bce" and "ce", with validation data)
    """

    def __init__(self, costs=()):
        super().__init__(costs)
        self.accuracy = []
        self.val_loss = []
        self.val_accuracy = []


def fit(X, y, layer_sizes, activations, loss, learning_rate=0.1, epochs=100, batch_size=None, seed=0,
        optimizer="sgd", X_val=None, y_val=None, progress=False, callback=None):
    """train, with the options notebook 08 uses. Returns (params, history).

    The arguments up to seed are train's. Besides:
    optimizer: "sgd", "momentum" or "adam" (made with learning_rate), or an optimiser object
      with step(params, grads) -> new params, such as Adam(0.01).
    X_val, y_val: validation data, scored after every epoch.
    progress: show a progress bar with the cost and the accuracy.
    callback: called as callback(epoch, params, history) after every epoch (the first is epoch 0).
    history: a History, train's list of costs with .accuracy, .val_loss and .val_accuracy.
    """
    if isinstance(optimizer, str):
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {optimizer!r}; known optimizers: {', '.join(OPTIMIZERS)}")
        optimizer = OPTIMIZERS[optimizer](learning_rate)
    if (X_val is None) != (y_val is None):
        raise ValueError("give both X_val and y_val, or neither")
    X, y = as_float(X, "X"), np.asarray(y)
    params = [(W.astype(X.dtype), b.astype(X.dtype)) for W, b in init_params(layer_sizes, seed)]
    rng = np.random.default_rng(seed)
    history = History()
    classify = loss != "mse"
    bar = None
    if progress:
        from nncourse.progress import progress_bar  # imported only when asked for: it loads IPython
        bar = progress_bar(epochs)
    try:
        for epoch in range(epochs):
            # train's epoch, with the optimiser's step in place of gd_update
            batches = [(X, y)] if batch_size is None else minibatches(X, y, batch_size, rng)
            total_cost = 0.0
            for X_batch, y_batch in batches:
                A_L, caches = forward(X_batch, params, activations)
                total_cost += cost(A_L, y_batch, loss) * len(X_batch)
                dZ_L = output_gradient(A_L, caches[-1][1], y_batch, loss, activations[-1])
                params = optimizer.step(params, backward(dZ_L, caches, params, activations))
            history.append(total_cost / len(X))
            shown = {"loss": history[-1]}
            if classify:
                history.accuracy.append(float(np.mean(predict(X, params, activations) == y)))
                shown["accuracy"] = history.accuracy[-1]
            if X_val is not None:
                A_val, _ = forward(X_val, params, activations)
                history.val_loss.append(cost(A_val, y_val, loss))
                if classify:
                    history.val_accuracy.append(float(np.mean(predict(X_val, params, activations) == y_val)))
            if bar is not None:
                bar.update(1, **shown)
            if callback is not None:
                callback(epoch, params, history)
    finally:
        if bar is not None:
            bar.close()
    return params, history
