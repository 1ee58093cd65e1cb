"""Notebook 02: activation functions g(z) and their derivatives g'(z), elementwise on any shape.

Every function takes an array (or a number) `z` and returns an array of the same shape, in the
same float type (float32 stays float32). `ACTIVATIONS` maps the course's activation names to the
functions; `activate(Z, name)` and `activation_derivative(Z, name)` look them up.
"""
import numpy as np

from ._arrays import as_float
from .neuron import step


def linear(z):
    """Identity g(z) = z (no activation). Any shape."""
    return as_float(z, "z").copy()


def linear_derivative(z):
    """g'(z) = 1 everywhere."""
    z = as_float(z, "z")
    return np.ones_like(z)


def step_derivative(z):
    """g'(z) = 0 everywhere (the jump at 0 has no derivative).

    A zero gradient is why a network of step units cannot be trained by gradient descent.
    """
    z = as_float(z, "z")
    return np.zeros_like(z)


def sigmoid(z):
    """Logistic sigmoid 1 / (1 + exp(-z)), values in (0, 1). Any shape.

    Stable for any z: exp is only ever taken of -|z| <= 0, so it never overflows.
    z >= 0: 1 / (1 + exp(-z));   z < 0: exp(z) / (1 + exp(z)).
    """
    z = as_float(z, "z")
    e = np.exp(-np.abs(z))  # in (0, 1]
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_derivative(z):
    """g'(z) = s (1 - s) with s = sigmoid(z); at most 0.25, at z = 0."""
    s = sigmoid(z)
    return s * (1 - s)


def tanh(z):
    """Hyperbolic tangent, values in (-1, 1). Any shape."""
    return np.tanh(as_float(z, "z"))


def tanh_derivative(z):
    """g'(z) = 1 - tanh(z)^2."""
    t = tanh(z)
    return 1 - t**2


def relu(z):
    """Rectified linear unit max(0, z). Any shape."""
    return np.maximum(as_float(z, "z"), 0)


def relu_derivative(z):
    """g'(z) = 1 where z > 0, else 0 (we take 0 at z = 0)."""
    z = as_float(z, "z")
    return (z > 0).astype(z.dtype)


def leaky_relu(z, alpha=0.01):
    """Leaky ReLU: z where z > 0, alpha * z elsewhere. Any shape."""
    z = as_float(z, "z")
    return np.where(z > 0, z, z.dtype.type(alpha) * z)


def leaky_relu_derivative(z, alpha=0.01):
    """g'(z) = 1 where z > 0, alpha elsewhere (alpha at z = 0)."""
    z = as_float(z, "z")
    return np.where(z > 0, z.dtype.type(1), z.dtype.type(alpha))


def softmax(z):
    """Softmax along the last axis: exp(z_k) / sum_j exp(z_j); every row sums to 1.

    z: (k,) or (m, k). Subtracting the row maximum first changes nothing mathematically and keeps
    exp from overflowing, so logits like [1000, 999, 0] give [0.731, 0.269, 0.0] exactly.
    """
    z = as_float(z, "z")
    if z.ndim == 0:
        raise ValueError("softmax needs at least one axis of scores, got a single number")
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)  # in place: e is our own new array
    return e


ACTIVATIONS = {
    "linear": linear,
    "step": step,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "softmax": softmax,
}

DERIVATIVES = {
    "linear": linear_derivative,
    "step": step_derivative,
    "sigmoid": sigmoid_derivative,
    "tanh": tanh_derivative,
    "relu": relu_derivative,
    "leaky_relu": leaky_relu_derivative,
}


def _check_name(name):
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; known activations: {', '.join(ACTIVATIONS)}")


def activate(Z, name):
    """The activation called `name` applied to Z, e.g. activate(Z, "relu")."""
    _check_name(name)
    return ACTIVATIONS[name](Z)


def activation_derivative(Z, name):
    """g'(Z) for the elementwise activation called `name`.

    Softmax has none: each output depends on the whole row, so its derivative is a matrix per
    example. Pair softmax with cross-entropy and use costs.output_gradient instead.
    """
    _check_name(name)
    if name == "softmax":
        raise ValueError("softmax is not elementwise, so it has no elementwise derivative; "
                         "use it as the last layer with the 'ce' loss (output_gradient gives dZ)")
    return DERIVATIVES[name](Z)
