"""Notebook 03: dense layers, initialisation and parameter counting.

A network's parameters are a list of (W, b), one per layer (the input layer has none):
W has shape (n_in, n_out), b has shape (n_out,).
"""
import numpy as np

from .arrays import as_float


def dense(X, W, b):
    """Pre-activation of a dense layer, Z = X @ W + b.

    X: (m, n_in)   W: (n_in, n_out)   b: (n_out,)
    Returns Z: (m, n_out), one row per example, one column per neuron.
    """
    X, W, b = as_float(X, "X"), as_float(W, "W"), as_float(b, "b")
    if X.ndim != 2 or W.ndim != 2 or X.shape[1] != W.shape[0] or b.shape != W.shape[1:]:
        raise ValueError(f"X has shape {X.shape}, W {W.shape} and b {b.shape}: "
                         "they must be (m, n_in), (n_in, n_out) and (n_out,)")
    return X @ W + b


def init_params(layer_sizes, seed=0):
    """Random weights and zero biases for a network with the given layer sizes.

    layer_sizes: [n_0, n_1, ..., n_L], n_0 the number of inputs.
    Returns [(W1, b1), ..., (WL, bL)] with W_l: (n_{l-1}, n_l) random, std sqrt(2 / n_{l-1}),
    and b_l: (n_l,) zeros.
    """
    if len(layer_sizes) < 2 or not all(isinstance(n, (int, np.integer)) and n >= 1 for n in layer_sizes):
        raise ValueError(f"layer_sizes must list at least two positive integers, got {layer_sizes}")
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        W = rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)
        b = np.zeros(n_out)
        params.append((W, b))
    return params


def count_params(layer_sizes):
    """Number of weights plus biases of a dense network with these layer sizes, an int.

    layer_sizes: [n_0, n_1, ..., n_L]. Each layer contributes n_in * n_out + n_out.
    """
    return int(sum(n_in * n_out + n_out for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:])))


def xor_params():
    """Parameters of a 2-2-1 step network that computes XOR on {0, 1}^2.

    Returns [(W1, b1), (W2, b2)] with W1: (2, 2), b1: (2,), W2: (2, 1), b2: (1,).
    """
    W1 = np.array([[1.0, 1.0],
                   [1.0, 1.0]])       # column 0: OR, column 1: AND
    b1 = np.array([-0.5, -1.5])
    W2 = np.array([[1.0],
                   [-1.0]])           # OR and not AND
    b2 = np.array([-0.5])
    return [(W1, b1), (W2, b2)]
