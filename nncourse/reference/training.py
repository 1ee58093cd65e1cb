"""Notebook 07: the training loop: forward, cost, backward, update, over mini-batches and epochs."""
import numpy as np

from ._arrays import as_float, as_labels
from .backprop import _backward
from .costs import _check_loss, _cost_and_output_gradient, cost
from .evaluation import accuracy
from .forward import _check_network, _forward, forward, labels_from_output
from .layers import init_params
from .optimizers import make_optimizer


class History(list):
    """The mean training cost of every epoch (a list of floats), with more curves as attributes:

    .accuracy       training accuracy per epoch ("bce" and "ce" only)
    .val_loss       validation cost per epoch (when validation data is given)
    .val_accuracy   validation accuracy per epoch ("bce" and "ce" with validation data)
    """

    def __init__(self, costs=()):
        super().__init__(costs)
        self.accuracy = []
        self.val_loss = []
        self.val_accuracy = []


def minibatches(X, y, batch_size, rng):
    """Yield (X_batch, y_batch) pairs that cover every example exactly once, in shuffled order.

    X: (m, n)   y: (m,) or (m, k)   batch_size: examples per batch (the last may be smaller)
    rng: a numpy.random.Generator, e.g. np.random.default_rng(0), which draws the order.
    """
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}: one label per example")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), "
                         f"got {type(rng).__name__}")
    order = rng.permutation(len(X))
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        yield X[batch], y[batch]


def _check_targets(y, m, n_out, loss, name="y"):
    """y as the array the loss expects, or a ValueError saying what is wrong."""
    if len(y) != m:
        raise ValueError(f"{name} has {len(y)} labels for {m} examples")
    if loss == "mse":
        y = as_float(y, name)
        if y.shape not in ((m,), (m, n_out)) or (y.ndim == 1 and n_out != 1):
            raise ValueError(f"for 'mse' {name} must be (m,) with one output unit or (m, n_out) = "
                             f"({m}, {n_out}), got {y.shape}")
        return y
    y = as_labels(y, name)
    if loss == "bce":
        if n_out != 1:
            raise ValueError(f"'bce' needs one output unit (the probability of class 1), "
                             f"the network has {n_out}")
        if not np.isin(y, (0, 1)).all():
            raise ValueError(f"for 'bce' {name} must hold labels 0 and 1 only")
    elif len(y) and (y.min() < 0 or y.max() >= n_out):
        raise ValueError(f"for 'ce' {name} must hold labels 0..{n_out - 1} (one output unit per "
                         f"class), got labels from {y.min()} to {y.max()}")
    return y


def training_step(X, y, params, activations, loss, optimizer):
    """One step of gradient descent on a batch: forward, cost, backward, update.

    Returns (params, cost, A_L): the parameters after the update, the batch's cost before it
    and the network's output A_L. An optimiser with an `update_layer` method (SGD, Momentum,
    Adam) changes the arrays in `params` in place, so call this only on parameters you own, as
    `train` does; any other optimiser object's `step` returns new parameters.
    """
    # the unchecked cores: train checks X, y, params, activations and loss once, before any step
    A_L, caches = _forward(X, params, activations)
    in_place = hasattr(optimizer, "update_layer")
    # In place, update_layer expects the gradients times the optimiser's gradient_scale: starting
    # backpropagation from gradient_scale * dZ_L gives exactly those (it is linear in dZ_L; see
    # optimizers.py), and _backward updates each layer as soon as it reaches it.
    scale = getattr(optimizer, "gradient_scale", 1.0) if in_place else 1.0
    batch_cost, dZ_L = _cost_and_output_gradient(A_L, caches[-1][1], y, loss, activations[-1], scale)
    if in_place:
        _backward(dZ_L, caches, params, activations, optimizer)
        return params, batch_cost, A_L
    grads = _backward(dZ_L, caches, params, activations)
    return optimizer.step(params, grads), batch_cost, A_L


def train(X, y, layer_sizes, activations, loss, learning_rate=0.1, epochs=100, batch_size=None,
          seed=0, *, optimizer="sgd", X_val=None, y_val=None, progress=False, callback=None):
    """Train a network by gradient descent; returns (params, history).

    X: (m, n_0)   y: "bce" labels 0/1 (m,); "ce" integer labels (m,); "mse" (m,) or (m, n_L)
    layer_sizes: [n_0, ..., n_L]   activations: one name per layer   loss: "mse", "bce" or "ce"
    batch_size: None for full-batch gradient descent, else mini-batches shuffled every epoch.
    seed: sets both the initial weights and the shuffling.
    optimizer: "sgd", "momentum", "adam" (made with learning_rate) or an object with .step
    (and optionally .update_layer, the same step in place, with .gradient_scale if it wants its
    gradients scaled; see training_step and optimizers.py).
    X_val, y_val: optional validation data, scored after every epoch.
    progress: show a progress bar with the cost and accuracy.
    callback: called as callback(epoch, params, history) after every epoch. The arrays in
    params are train's own, updated in place by the epochs that follow: copy what you keep.
    history: a History, the mean cost over each epoch's examples (measured on each batch
    before its update), plus .accuracy, .val_loss and .val_accuracy.
    """
    X = as_float(X, "X")
    _check_loss(loss)
    sizes = list(layer_sizes)
    if X.ndim != 2 or len(sizes) < 2 or X.shape[1] != sizes[0]:
        raise ValueError(f"X must be (m, layer_sizes[0]) = (m, {sizes[0] if sizes else '?'}), "
                         f"got {X.shape}")
    if len(activations) != len(sizes) - 1:
        raise ValueError(f"{len(sizes) - 1} layers need {len(sizes) - 1} activations, "
                         f"got {len(activations)}")
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer))
                                   or batch_size < 1):
        raise ValueError(f"batch_size must be None (full batch) or a positive integer, got {batch_size!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    y = _check_targets(y, len(X), sizes[-1], loss)
    validate = X_val is not None or y_val is not None
    if validate:
        if X_val is None or y_val is None:
            raise ValueError("give both X_val and y_val, or neither")
        X_val = as_float(X_val, "X_val").astype(X.dtype, copy=False)
        y_val = _check_targets(y_val, len(X_val), sizes[-1], loss, "y_val")
    classify = loss != "mse"
    opt = make_optimizer(optimizer, learning_rate) if isinstance(optimizer, str) else optimizer

    # astype copies: these arrays are train's own, which the optimiser may update in place
    params = [(W.astype(X.dtype), b.astype(X.dtype)) for W, b in init_params(sizes, seed)]
    _check_network(X, params, activations)  # once: training_step checks nothing
    rng = np.random.default_rng(seed)
    history = History()
    bar = None
    if progress:
        from nncourse.progress import progress_bar  # here, not at the top: it imports IPython
        bar = progress_bar(epochs, desc="training")
    try:
        for epoch in range(epochs):
            total_cost, n_correct = 0.0, 0
            batches = [(X, y)] if batch_size is None else minibatches(X, y, batch_size, rng)
            for X_batch, y_batch in batches:
                params, batch_cost, A_L = training_step(X_batch, y_batch, params, activations, loss, opt)
                total_cost += batch_cost * len(X_batch)
                if classify:
                    n_correct += int(np.sum(labels_from_output(A_L) == y_batch))

            history.append(total_cost / len(X))
            if classify:
                history.accuracy.append(n_correct / len(X))
            if validate:
                A_val, _ = forward(X_val, params, activations)
                history.val_loss.append(cost(A_val, y_val, loss))
                if classify:
                    history.val_accuracy.append(accuracy(labels_from_output(A_val), y_val))
            if bar is not None:
                shown = {"loss": history[-1]}
                if classify:
                    shown["accuracy"] = history.accuracy[-1]
                if validate:
                    shown["val_loss"] = history.val_loss[-1]
                bar.update(1, **shown)
            if callback is not None:
                callback(epoch, params, history)
    finally:
        if bar is not None:
            bar.close()
    return params, history
