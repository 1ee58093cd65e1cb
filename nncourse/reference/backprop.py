"""Notebook 06: backward propagation (the chain rule, layer by layer) and gradient checking."""
import numpy as np

from ._arrays import as_float
from .activations import activation_derivative


def dense_backward(dZ, A_prev, W):
    """Gradients of a dense layer Z = A_prev @ W + b.

    dZ: (m, n_out)   A_prev: (m, n_in)   W: (n_in, n_out)
    Returns dA_prev (m, n_in), dW (n_in, n_out), db (n_out,).
    """
    db = dZ.sum(axis=0)  # first, while dZ is still in the cache (the products below evict it)
    dW = A_prev.T @ dZ
    dA_prev = dZ @ W.T
    return dA_prev, dW, db


def activation_backward(dA, Z, activation):
    """dZ = dA * g'(Z) for the elementwise activation g called `activation` (not softmax).

    dA, Z: (m, n)   Returns dZ (m, n). g' is evaluated at Z, the pre-activation.
    """
    if np.shape(dA) != np.shape(Z):
        raise ValueError(f"dA has shape {np.shape(dA)} but Z has shape {np.shape(Z)}: they must match")
    return _activation_backward(dA, Z, activation)


def _activation_backward(dA, Z, activation, overwrite_dA=False):
    """activation_backward without the shape check; overwrite_dA=True may write dZ into dA."""
    if activation == "relu":
        # g'(Z) as a mask of booleans: no array of 0.0s and 1.0s to build
        return np.multiply(dA, Z > 0, out=dA if overwrite_dA else None)
    return dA * activation_derivative(Z, activation)


def backward(dZ_L, caches, params, activations):
    """Backward pass: gradients of the cost for every layer, from the last to the first.

    dZ_L: (m, n_L), the gradient of the cost with respect to the last layer's Z.
    caches[l] = (A_prev, Z) from forward; params, activations as for forward.
    Returns grads = [(dW1, db1), ..., (dWL, dbL)], each the shape of its (W, b).
    For l = L, ..., 1: dW, db from dZ (dense_backward); then dA_prev = dZ @ W.T and
    dZ of the layer below = activation_backward(dA_prev, Z, activation).
    """
    L = len(params)
    if not (len(caches) == len(activations) == L):
        raise ValueError(f"got {L} layers of params, {len(caches)} caches and "
                         f"{len(activations)} activations: they must be equal")
    dZ_L = as_float(dZ_L, "dZ_L")
    shape = dZ_L.shape
    for l in reversed(range(L)):  # the shape of every dZ, as the loop of _backward will find it
        Z = caches[l][1]
        if shape != np.shape(Z):
            raise ValueError(f"layer {l + 1}: dZ has shape {shape} but Z has shape {np.shape(Z)}")
        shape = (shape[0], np.shape(params[l][0])[0])  # dA_prev = dZ @ W.T
    return _backward(dZ_L, caches, params, activations)


def _backward(dZ_L, caches, params, activations, optimizer=None):
    """backward without the checks: every shape known to fit (as after forward).

    With an optimizer (one with update_layer, see optimizers.py), nothing is returned: each
    layer's parameters are updated in place as soon as its gradients are known, last layer
    first, while dW is still in the CPU's cache. The gradient for the layer below is computed
    from W before W changes.
    """
    grads = [None] * len(params)
    dZ = dZ_L
    for l in reversed(range(len(params))):
        A_prev, _ = caches[l]
        W, _ = params[l]
        if l > 0:
            dA_prev, dW, db = dense_backward(dZ, A_prev, W)
            # dA_prev is this loop's own new array: dZ may reuse its memory (one allocation less)
            dZ = _activation_backward(dA_prev, caches[l - 1][1], activations[l - 1], overwrite_dA=True)
        else:  # the input X needs no gradient: skip dA_prev, the largest product of all
            db = dZ.sum(axis=0)
            dW = A_prev.T @ dZ
        if optimizer is None:
            grads[l] = (dW, db)
        else:
            optimizer.update_layer(params, l, dW, db)
    return grads if optimizer is None else None


def numerical_gradient(f, x, eps=1e-5):
    """Centred-difference gradient of a scalar function f at the array x.

    df/dx[i] ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps), one entry at a time.
    x: a float array of any shape, changed in place during the call and restored after it
    (f usually reads x through a closure). Returns an array of x's shape.
    """
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise ValueError("x must be a numpy array of floats (it is perturbed in place)")
    grad = np.zeros(x.shape, dtype=np.float64)
    for i in np.ndindex(x.shape):
        original = x[i]
        try:
            x[i] = original + eps
            f_plus = float(f(x))
            x[i] = original - eps
            f_minus = float(f(x))
        finally:
            x[i] = original
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a, b):
    """max(|a - b| / max(1e-8, |a| + |b|)), a float: below 1e-7 means a and b agree."""
    a, b = as_float(a, "a"), as_float(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a has shape {a.shape} but b has shape {b.shape}")
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
