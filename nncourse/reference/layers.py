"""Notebook 03: dense layers, initialisation and parameter counting.

A network's parameters are a list of (W, b), one per layer (the input layer has none):
W has shape (n_in, n_out), b has shape (n_out,).
"""
import math

import numpy as np

from ._arrays import as_float


def dense(X, W, b):
    """Pre-activation of a dense layer, Z = X @ W + b.

    X: (m, n_in)   W: (n_in, n_out)   b: (n_out,)   Returns Z: (m, n_out).
    """
    X, W, b = as_float(X, "X"), as_float(W, "W"), as_float(b, "b")
    if W.ndim != 2 or b.shape != (W.shape[1],):
        raise ValueError(f"W must be (n_in, n_out) and b (n_out,), got W {W.shape} and b {b.shape}")
    if X.shape[-1] != W.shape[0]:
        raise ValueError(f"X has {X.shape[-1]} columns (shape {X.shape}) but W has "
                         f"{W.shape[0]} rows (shape {W.shape}): they must be equal")
    return _dense(X, W, b)


def _dense(X, W, b):
    """Z = X @ W + b without the checks (for callers that checked the shapes already)."""
    Z = X @ W
    Z += b  # in place on the new Z: one (m, n_out) array, not two
    return Z


def _check_layer_sizes(layer_sizes):
    sizes = list(layer_sizes)
    if len(sizes) < 2:
        raise ValueError(f"layer_sizes needs at least an input and an output size, got {sizes}")
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1 for n in sizes):
        raise ValueError(f"layer sizes must be positive integers, got {sizes}")
    return [int(n) for n in sizes]


def init_params(layer_sizes, seed=0):
    """Random weights and zero biases for a network with the given layer sizes.

    layer_sizes: [n_0, n_1, ..., n_L], n_0 the number of inputs.
    Returns [(W1, b1), ..., (WL, bL)], W_l: (n_{l-1}, n_l) drawn from N(0, 2 / n_{l-1})
    (He initialisation: std sqrt(2 / n_in)), b_l: zeros (n_l,). Random W breaks the symmetry
    between the units of a layer; zero b is fine once W differs.
    """
    sizes = _check_layer_sizes(layer_sizes)
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        W = rng.standard_normal((n_in, n_out)) * math.sqrt(2.0 / n_in)
        b = np.zeros(n_out)
        params.append((W, b))
    return params


def count_params(layer_sizes):
    """Number of weights plus biases: sum over layers of n_in * n_out + n_out. An int."""
    sizes = _check_layer_sizes(layer_sizes)
    return sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))


def xor_params():
    """Parameters of a 2-2-1 step network that computes XOR on {0, 1}^2.

    Hidden unit 1 is OR (x1 + x2 - 0.5 >= 0), hidden unit 2 is AND (x1 + x2 - 1.5 >= 0);
    the output is OR and not AND: h1 - h2 - 0.5 >= 0.
    """
    W1 = np.array([[1.0, 1.0],
                   [1.0, 1.0]])
    b1 = np.array([-0.5, -1.5])
    W2 = np.array([[1.0],
                   [-1.0]])
    b2 = np.array([-0.5])
    return [(W1, b1), (W2, b2)]
