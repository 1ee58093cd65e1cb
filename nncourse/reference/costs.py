"""Notebook 05: cost functions, and the gradient of the cost with respect to the last layer's Z.

Every cost is a mean over examples, returned as a Python float. Predictions come first, the
truth second, as in PyTorch: mse(y_pred, y).
"""
import numpy as np

from ._arrays import as_float, as_labels
from .backprop import activation_backward

LOSSES = ("mse", "bce", "ce")


# The smallest probability we take a log of, per float type: 1e-12, or for float32 its
# resolution near 1 (1 - 1e-12 would round to 1 in float32, and log(1 - p) to log(0))
_EPSILON = {np.dtype(np.float32): float(np.finfo(np.float32).eps), np.dtype(np.float64): 1e-12}


def _same_shape(y_pred, y, what):
    """y reshaped to y_pred's shape when one is (m,) and the other (m, 1); ValueError otherwise."""
    if y.shape == y_pred.shape:
        return y
    if y.size == y_pred.size and y_pred.ndim <= 2 and y.ndim <= 2 and len(y) == len(y_pred):
        return y.reshape(y_pred.shape)
    raise ValueError(f"{what}: predictions have shape {y_pred.shape} but the truth has shape "
                     f"{y.shape}; they must match (one value per example and output)")


def mse(y_pred, y):
    """Mean squared error, mean over all elements of (y_pred - y)^2. A float.

    y_pred and y: the same shape, e.g. (m,) or (m, n_out); (m, 1) against (m,) is accepted.
    """
    y_pred, y = as_float(y_pred, "y_pred"), as_float(y, "y")
    y = _same_shape(y_pred, y, "mse")
    return float(np.mean((y_pred - y) ** 2))


def rmse(y_pred, y):
    """Root mean squared error sqrt(mse(y_pred, y)), in the units of y. A float."""
    return float(np.sqrt(mse(y_pred, y)))


def binary_cross_entropy(p, y):
    """Binary cross-entropy -mean(y log p + (1 - y) log(1 - p)). A float.

    p: (m,) or (m, 1) probabilities of class 1   y: (m,) or (m, 1) labels 0/1.
    p is clipped to [eps, 1 - eps] first, so p exactly 0 or 1 gives a large but finite cost.
    """
    p, y = as_float(p, "p"), as_float(y, "y")
    y = _same_shape(p, y, "binary_cross_entropy")
    eps = _EPSILON[p.dtype]
    p = np.clip(p, eps, 1 - eps)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def cross_entropy(P, y):
    """Categorical cross-entropy: the mean over examples of -log P[i, y_i]. A float.

    P: (m, k) probabilities (rows sum to 1)   y: (m,) integer labels in 0..k-1.
    The probability of the true class is clipped to at least eps, so P = 0 stays finite.
    """
    P, y = as_float(P, "P"), as_labels(y, "y")
    _check_class_labels(P, y, "cross_entropy")
    return _cross_entropy_of(P[np.arange(len(y)), y])


def _cross_entropy_of(p_true):
    """The mean of -log p_true over examples, p_true clipped to at least eps, as a float."""
    # sum / m rather than np.mean: the same number, without np.mean's extra Python calls,
    # which cost more than the arithmetic on a batch of 128 (this runs on every training step)
    return float(-np.log(np.maximum(p_true, _EPSILON[p_true.dtype])).sum() / len(p_true))


def _softmax_cross_entropy(P, y, scale=1.0):
    """cross_entropy(P, y) and scale times its gradient (P - Y) / m with respect to the softmax's
    Z, unchecked.

    P: (m, k) float   y: (m,) int labels in 0..k-1. Both need only each example's probability
    of its true class, so one gather serves both, and no one-hot matrix Y is built.
    """
    m = len(y)
    rows = np.arange(m)
    dZ = P * (scale / m)          # a new array: scale * P / m ...
    dZ[rows, y] -= scale / m      # ... minus scale * Y / m, Y 1 in each row's true class only
    return _cross_entropy_of(P[rows, y]), dZ


def _check_class_labels(P, y, what):
    if P.ndim != 2 or len(P) != len(y):
        raise ValueError(f"{what}: P must be (m, k) with one row per label, got P {P.shape} "
                         f"and y {y.shape}")
    if len(y) and (y.min() < 0 or y.max() >= P.shape[1]):
        raise ValueError(f"{what}: labels must lie in 0..{P.shape[1] - 1} for {P.shape[1]} "
                         f"classes, got labels from {y.min()} to {y.max()}")


def _check_loss(loss):
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; known losses: {', '.join(LOSSES)}")


def cost(A_L, y, loss):
    """The cost of a network's output A_L (m, n_L) against y, for loss "mse", "bce" or "ce".

    y: "bce" labels 0/1 (m,); "ce" integer labels (m,); "mse" targets (m,) or (m, n_L).
    """
    _check_loss(loss)
    if loss == "mse":
        return mse(A_L, y)
    if loss == "bce":
        return binary_cross_entropy(A_L, y)
    return cross_entropy(A_L, y)


def one_hot(y, n_classes, dtype=np.float64):
    """Labels (m,) as rows of a (m, n_classes) matrix: Y[i, y_i] = 1, zeros elsewhere."""
    y = as_labels(y)
    Y = np.zeros((len(y), n_classes), dtype=dtype)
    Y[np.arange(len(y)), y] = 1
    return Y


def output_gradient(A_L, Z_L, y, loss, activation):
    """dZ_L, the gradient of cost(A_L, y, loss) with respect to the last layer's Z_L.

    A_L, Z_L: (m, n_L), A_L = activation(Z_L)   y: as for `cost`.   Returns dZ_L (m, n_L).
    sigmoid + "bce" and softmax + "ce" simplify to dZ_L = (A_L - Y) / m. Otherwise first
    dA_L = d cost / d A_L, then dZ_L = activation_backward(dA_L, Z_L, activation).
    """
    _check_loss(loss)
    A, Z = as_float(A_L, "A_L"), as_float(Z_L, "Z_L")
    if A.ndim != 2 or A.shape != Z.shape:
        raise ValueError(f"A_L and Z_L must both be (m, n_L), got {A.shape} and {Z.shape}")
    m, n_L = A.shape
    if loss == "ce":
        y = as_labels(y)
        _check_class_labels(A, y, "output_gradient")
        Y = one_hot(y, n_L, A.dtype)
    else:
        Y = _same_shape(A, as_float(y, "y"), "output_gradient").astype(A.dtype, copy=False)

    if (loss, activation) in (("bce", "sigmoid"), ("ce", "softmax")):
        return (A - Y) / m

    eps = _EPSILON[A.dtype]
    if loss == "mse":                              # cost = mean over all m * n_L elements
        dA = 2 * (A - Y) / A.size
    elif loss == "bce":                            # cost = -mean(Y log A + (1 - Y) log(1 - A))
        P = np.clip(A, eps, 1 - eps)
        dA = (P - Y) / (P * (1 - P)) / m
    else:                                          # cost = -mean(log A[i, y_i])
        dA = -Y / np.maximum(A, eps) / m

    if activation == "softmax":                    # Jacobian of softmax times dA, row by row
        return A * (dA - np.sum(dA * A, axis=1, keepdims=True))
    return activation_backward(dA, Z, activation)


def _cost_and_output_gradient(A_L, Z_L, y, loss, activation, scale=1.0):
    """(cost(A_L, y, loss), scale * output_gradient(A_L, Z_L, y, loss, activation)), checked inputs.

    softmax + "ce", the common case, shares its work and skips the checks; the other pairs are
    computed by the public functions (with their checks: a few microseconds per batch).
    scale: see training_step (an optimiser may ask for its gradients scaled).
    """
    if loss == "ce" and activation == "softmax":
        return _softmax_cross_entropy(A_L, y, scale)
    return cost(A_L, y, loss), scale * output_gradient(A_L, Z_L, y, loss, activation)
