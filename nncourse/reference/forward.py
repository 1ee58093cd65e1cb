"""Notebook 04: forward propagation through a whole network, layer by layer, and predictions."""
import numpy as np

from .activations import activate
from .layers import dense


def forward(X, params, activations):
    """Forward pass: starting from A = X, each layer computes Z = A_prev @ W + b and A = g(Z).

    X: (m, n_0)   params: [(W1, b1), ..., (WL, bL)], W_l: (n_{l-1}, n_l), b_l: (n_l,)
    activations: one activation name per layer, e.g. ["relu", "sigmoid"].
    Returns (A_L, caches): A_L: (m, n_L) the output; caches[l] = (A_prev, Z) for layer l.
    """
    if len(activations) != len(params):
        raise ValueError(f"got {len(activations)} activation names for {len(params)} layers: "
                         "give one activation per layer")
    A = X
    caches = []
    for (W, b), name in zip(params, activations):
        A_prev = A
        Z = dense(A_prev, W, b)
        A = activate(Z, name)
        caches.append((A_prev, Z))
    return A, caches


def predict(X, params, activations):
    """Class labels for the batch X: an int array of shape (m,).

    One output unit: 1 where A_L >= 0.5, else 0. Several units: the argmax of each row of A_L.
    X, params, activations as for forward.
    """
    A_L, _ = forward(X, params, activations)
    if A_L.shape[1] == 1:
        return (A_L[:, 0] >= 0.5).astype(int)
    return np.argmax(A_L, axis=1)
