"""Notebook 02: activation functions g(z) and their derivatives g'(z), elementwise on any shape.

Every function takes a number or an array `z` and returns an array of the same shape (float32
stays float32). `ACTIVATIONS` and `DERIVATIVES` map the course's activation names to the
functions; `activate(Z, name)` and `activation_derivative(Z, name)` look them up.
"""
import numpy as np

from .arrays import as_float
from .neuron import step


def linear(z):
    """Identity g(z) = z (no activation). Any shape; a new array."""
    return as_float(z, "z").copy()


def linear_derivative(z):
    """g'(z) = 1 everywhere."""
    return np.ones_like(as_float(z, "z"))


def step_derivative(z):
    """g'(z) = 0 everywhere (the jump at 0 has none): why step networks cannot learn by gradients."""
    return np.zeros_like(as_float(z, "z"))


def sigmoid(z):
    """Logistic sigmoid 1 / (1 + exp(-z)), elementwise; values in (0, 1).

    z: a number or an array of any shape. Returns an array of the same shape.
    Never overflows: exp is only taken of -|z| <= 0.
    """
    z = as_float(z, "z")
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def tanh(z):
    """Hyperbolic tangent, elementwise; values in (-1, 1).

    z: a number or an array of any shape. Returns an array of the same shape.
    """
    return np.tanh(as_float(z, "z"))


def relu(z):
    """Rectified linear unit max(0, z), elementwise; values in [0, inf).

    z: a number or an array of any shape. Returns an array of the same shape.
    """
    return np.maximum(as_float(z, "z"), 0.0)


def leaky_relu(z, alpha=0.01):
    """Leaky ReLU, elementwise: z where z > 0, alpha * z elsewhere.

    z: a number or an array of any shape; alpha: the slope for z <= 0.
    Returns an array of the same shape.
    """
    z = as_float(z, "z")
    return np.where(z > 0, z, alpha * z)


def sigmoid_derivative(z):
    """Derivative of the sigmoid at z: s * (1 - s) with s = sigmoid(z). Elementwise, any shape."""
    s = sigmoid(z)
    return s * (1 - s)


def tanh_derivative(z):
    """Derivative of tanh at z: 1 - tanh(z)**2. Elementwise, any shape."""
    return 1 - tanh(z) ** 2


def relu_derivative(z):
    """Derivative of ReLU at z: 1.0 where z > 0, else 0.0 (0 at z = 0). Elementwise, any shape."""
    z = as_float(z, "z")
    return (z > 0).astype(z.dtype)


def leaky_relu_derivative(z, alpha=0.01):
    """Derivative of leaky ReLU at z: 1.0 where z > 0, alpha elsewhere (alpha at z = 0).

    z: a number or an array of any shape. Returns an array of the same shape.
    """
    z = as_float(z, "z")
    return np.where(z > 0, 1.0, alpha).astype(z.dtype)


def softmax(z):
    """Softmax along the last axis: exp(z_i) / sum_j exp(z_j); every row sums to 1.

    z: (k,) or (m, k) scores. Returns probabilities of the same shape.
    Subtracts each row's maximum first, so large scores cannot overflow.
    """
    z = as_float(z, "z")
    if z.ndim == 0:
        raise ValueError("softmax needs at least one axis of scores, got a single number")
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


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


def activate(Z, name):
    """g(Z) for the activation called `name`, e.g. activate(Z, "relu")."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; known activations: {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name](Z)


def activation_derivative(Z, name):
    """g'(Z) for the elementwise activation called `name`.

    Softmax has none: each of its outputs depends on the whole row. Pair it with cross-entropy,
    whose gradient with respect to Z comes from costs.output_gradient.
    """
    if name == "softmax":
        raise ValueError("softmax is not elementwise, so it has no elementwise derivative; use it in "
                         "the last layer with the 'ce' loss (output_gradient gives that layer's dZ)")
    if name not in DERIVATIVES:
        raise ValueError(f"unknown activation {name!r}; known activations: {', '.join(ACTIVATIONS)}")
    return DERIVATIVES[name](Z)
