"""Notebook 01: one artificial neuron, z = x1*w1 + ... + xn*wn + b, followed by an activation."""
import numpy as np

from .arrays import as_float


def weighted_sum(x, w):
    """The weighted sum x1*w1 + ... + xn*wn.

    x: (n,) for one example or (m, n) for a batch   w: (n,)
    Returns a number for x of shape (n,), an array of shape (m,) for a batch.
    """
    x, w = as_float(x, "x"), as_float(w, "w")
    if w.ndim != 1 or x.ndim not in (1, 2) or x.shape[-1] != len(w):
        raise ValueError(f"x has shape {x.shape} and w has shape {w.shape}: "
                         "w must be (n,) and x (n,) or (m, n), with the same n")
    return x @ w


def step(z):
    """Binary step: 1.0 where z >= 0, else 0.0.

    z: a number or an array of any shape. Returns floats of the same shape.
    """
    z = as_float(z, "z")
    return (z >= 0).astype(z.dtype)


def neuron(x, w, b, activation=step):
    """One neuron: activation(weighted_sum(x, w) + b).

    x: (n,) or (m, n)   w: (n,)   b: a number   activation: a function applied elementwise
    Returns a number for one example, shape (m,) for a batch.
    """
    z = weighted_sum(x, w) + b
    return activation(z)


def and_neuron():
    """Weights and bias so that neuron(x, w, b, step) is AND on {0, 1}^2.

    Returns (w, b): w has shape (2,), b is a number.
    """
    return np.array([1.0, 1.0]), -1.5


def or_neuron():
    """Weights and bias so that neuron(x, w, b, step) is OR on {0, 1}^2.

    Returns (w, b): w has shape (2,), b is a number.
    """
    return np.array([1.0, 1.0]), -0.5
