"""Notebook 06: backward propagation (the chain rule, layer by layer) and gradient checking."""
import numpy as np

from .activations import activation_derivative
from .arrays import as_float


def dense_backward(dZ, A_prev, W):
    """Gradients of a dense layer Z = A_prev @ W + b.

    dZ: (m, n_out)   A_prev: (m, n_in)   W: (n_in, n_out)
    Returns dA_prev (m, n_in), dW (n_in, n_out), db (n_out,).
    """
    dA_prev = dZ @ W.T
    dW = A_prev.T @ dZ
    db = dZ.sum(axis=0)
    return dA_prev, dW, db


def activation_backward(dA, Z, activation):
    """dZ = dA * g'(Z) for a named elementwise activation g (not softmax).

    dA: (m, n)   Z: (m, n), the activation's input   activation: a name such as "relu"
    Returns dZ (m, n).
    """
    if np.shape(dA) != np.shape(Z):
        raise ValueError(f"dA has shape {np.shape(dA)} but Z has shape {np.shape(Z)}: they must match")
    return dA * activation_derivative(Z, activation)


def backward(dZ_L, caches, params, activations):
    """Backward pass: the gradient of the cost with respect to every W and b.

    dZ_L: (m, n_L), the gradient of the cost with respect to the last layer's Z
    caches: list of (A_prev, Z) per layer, from forward   params: list of (W, b)
    activations: one name per layer
    Returns grads, a list of (dW, db) with the shapes of params.
    """
    if not (len(caches) == len(params) == len(activations)):
        raise ValueError(f"got {len(caches)} caches, {len(params)} layers of params and "
                         f"{len(activations)} activations: give one of each per layer")
    grads = [None] * len(params)
    dZ = as_float(dZ_L, "dZ_L")
    for l in reversed(range(len(params))):           # from the last layer to the first
        A_prev, _ = caches[l]
        W, _ = params[l]
        grads[l] = (A_prev.T @ dZ, dZ.sum(axis=0))    # dW and db, as in dense_backward
        if l > 0:  # dA_prev = dZ @ W.T, then the layer below's dZ (the data X needs no gradient)
            _, Z_prev = caches[l - 1]
            dZ = activation_backward(dZ @ W.T, Z_prev, activations[l - 1])
    return grads


def numerical_gradient(f, x, eps=1e-5):
    """Centred differences (f(x + eps e_j) - f(x - eps e_j)) / (2 eps) for every entry j of x.

    f: function of an array shaped like x, returning a scalar   x: float array, any shape
    Returns grad, shaped like x. x is left exactly as it was found.
    """
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise ValueError("x must be a numpy array of floats: it is nudged by eps, in place")
    grad = np.zeros(x.shape)
    for j in np.ndindex(x.shape):
        original = x[j]
        try:
            x[j] = original + eps
            f_plus = float(f(x))
            x[j] = original - eps
            f_minus = float(f(x))
        finally:
            x[j] = original
        grad[j] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a, b):
    """max(|a - b| / max(1e-8, |a| + |b|)), the worst entry's relative difference.

    a, b: arrays of the same shape (or scalars)
    Returns a Python float.
    """
    a, b = as_float(a, "a"), as_float(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a has shape {a.shape} but b has shape {b.shape}")
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
