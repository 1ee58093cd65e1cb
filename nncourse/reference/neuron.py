"""Notebook 01: one artificial neuron, z = x1*w1 + ... + xn*wn + b, followed by an activation."""
import numpy as np

from ._arrays import as_float


def weighted_sum(x, w):
    """The weighted sum x1*w1 + ... + xn*wn, i.e. x @ w.

    x: (n,) for one example or (m, n) for a batch   w: (n,)
    Returns a scalar for x of shape (n,), shape (m,) for a batch.
    """
    x, w = as_float(x, "x"), as_float(w, "w")
    if w.ndim != 1:
        raise ValueError(f"w must have shape (n,), got {w.shape}")
    if x.ndim not in (1, 2) or x.shape[-1] != w.shape[0]:
        raise ValueError(f"x has shape {x.shape} but w has {w.shape[0]} weights: "
                         f"x must be ({w.shape[0]},) or (m, {w.shape[0]})")
    return x @ w


def step(z):
    """Binary step: 1.0 where z >= 0, else 0.0. Any shape; float (float32 stays float32)."""
    z = as_float(z, "z")
    return (z >= 0).astype(z.dtype)


def neuron(x, w, b, activation=step):
    """One neuron: activation(x @ w + b).

    x: (n,) or (m, n)   w: (n,)   b: a number   activation: a function of an array
    Returns a scalar for one example, shape (m,) for a batch.
    """
    z = weighted_sum(x, w) + b
    return activation(z)


def and_neuron():
    """Weights and bias so that neuron(x, w, b, step) is AND on {0, 1}^2.

    x1 + x2 - 1.5 >= 0 only when both inputs are 1.
    """
    return np.array([1.0, 1.0]), -1.5


def or_neuron():
    """Weights and bias so that neuron(x, w, b, step) is OR on {0, 1}^2.

    x1 + x2 - 0.5 >= 0 as soon as one input is 1.
    """
    return np.array([1.0, 1.0]), -0.5
