"""Notebook 04: forward propagation through a whole network, layer by layer."""
import numpy as np

from ._arrays import as_float
from .activations import ACTIVATIONS, _check_name
from .layers import _dense


def _check_network(X, params, activations):
    if X.ndim != 2:
        raise ValueError(f"X must be a batch of shape (m, n_in), got shape {X.shape}")
    if len(activations) != len(params):
        raise ValueError(f"got {len(activations)} activation names for {len(params)} layers: "
                         "give one activation per layer")
    for name in activations:
        _check_name(name)
    n_prev = X.shape[1]
    for l, (W, b) in enumerate(params, start=1):
        W_shape, b_shape = np.shape(W), np.shape(b)
        if len(W_shape) != 2 or W_shape[0] != n_prev or b_shape != (W_shape[-1],):
            what = "X has" if l == 1 else f"layer {l - 1} gives"
            raise ValueError(f"layer {l}: W has shape {W_shape} and b {b_shape}, but {what} "
                             f"{n_prev} columns: expected W ({n_prev}, n_out) and b (n_out,)")
        n_prev = W_shape[1]


def forward(X, params, activations):
    """Forward pass: for each layer l, Z = A_prev @ W + b and A = g_l(Z), starting from A = X.

    X: (m, n_0)   params: [(W, b), ...] with W (n_{l-1}, n_l)   activations: one name per layer.
    Returns (A_L, caches): A_L (m, n_L) the output, caches[l] = (A_prev, Z) for layer l
    (the input and pre-activation that the backward pass needs).
    """
    X = as_float(X, "X")
    params = [(as_float(W, "W"), as_float(b, "b")) for W, b in params]
    _check_network(X, params, activations)
    return _forward(X, params, activations)


def _forward(X, params, activations):
    """forward without the checks: X a float array, params and activation names known to fit."""
    A = X
    caches = []
    for (W, b), name in zip(params, activations):
        A_prev = A
        Z = _dense(A_prev, W, b)
        A = ACTIVATIONS[name](Z)
        caches.append((A_prev, Z))
    return A, caches


def labels_from_output(A_L):
    """Class labels (m,) int from an output A_L (m, n_L): A_L >= 0.5 for one unit, else argmax."""
    if A_L.shape[1] == 1:
        return (A_L[:, 0] >= 0.5).astype(np.int64)
    return A_L.argmax(axis=1)


def predict(X, params, activations):
    """Class labels (m,) int: A_L >= 0.5 for one output unit, argmax over units otherwise."""
    A_L, _ = forward(X, params, activations)
    return labels_from_output(A_L)
