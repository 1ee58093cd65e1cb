"""Notebook 05: cost functions, and the gradient of the cost with respect to the last layer's Z.

Every cost is a mean over examples, returned as a Python float. Predictions come first, the
truth second, as in PyTorch: mse(y_pred, y).
"""
import numpy as np

from .activations import activation_derivative
from .arrays import as_float, as_labels


def mse(y_pred, y):
    """Mean squared error, the mean over all elements of (y_pred - y)**2.

    y_pred: (m,) or (m, k)   y: the same shape ((m,) and (m, 1) are treated alike)
    Returns a Python float.
    """
    y_pred, y = as_float(y_pred, "y_pred"), as_float(y, "y")
    if np.squeeze(y_pred).shape != np.squeeze(y).shape:
        raise ValueError(f"y_pred has shape {y_pred.shape} but y has shape {y.shape}: "
                         "give one value per example and output")
    return float(np.mean((y_pred - y.reshape(y_pred.shape)) ** 2))


def rmse(y_pred, y):
    """Root mean squared error, sqrt(mse(y_pred, y)), in the unit of y.

    y_pred: (m,) or (m, k)   y: the same shape ((m,) and (m, 1) are treated alike)
    Returns a Python float.
    """
    return float(np.sqrt(mse(y_pred, y)))


def binary_cross_entropy(p, y):
    """Binary cross-entropy: -mean(y * log(p) + (1 - y) * log(1 - p)), p clipped to [1e-12, 1 - 1e-12].

    p: (m,) or (m, 1) probabilities of class 1   y: (m,) or (m, 1) labels in {0, 1}
    Returns a Python float, finite even where p is exactly 0 or 1.
    """
    p = np.asarray(p, dtype=float).reshape(-1)   # float64: 1 - 1e-12 would round to 1 in float32
    y = np.asarray(y, dtype=float).reshape(-1)
    if p.shape != y.shape:
        raise ValueError(f"p has {p.size} probabilities but y has {y.size} labels")
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def cross_entropy(P, y):
    """Categorical cross-entropy: -mean(log P[i, y_i]), probabilities clipped below at 1e-12.

    P: (m, k) rows of class probabilities   y: (m,) integer labels in 0..k-1
    Returns a Python float, finite even where a probability is exactly 0.
    """
    P = np.asarray(P, dtype=float)
    if P.ndim != 2:
        raise ValueError(f"P must have shape (m, k), one row of probabilities per example, got {P.shape}")
    y = as_labels(y, "y", n_classes=P.shape[1])
    if len(y) != len(P):
        raise ValueError(f"P has {len(P)} rows but y has {len(y)} labels")
    p_true = P[np.arange(len(y)), y]
    return float(-np.mean(np.log(np.maximum(p_true, 1e-12))))


LOSSES = {"mse": mse, "bce": binary_cross_entropy, "ce": cross_entropy}


def cost(A_L, y, loss):
    """The cost of a network's output A_L (m, n_L) against y, for loss "mse", "bce" or "ce". A float.

    y: "bce" labels 0/1 (m,); "ce" integer labels (m,); "mse" targets (m,) or (m, n_L).
    """
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; known losses: {', '.join(LOSSES)}")
    return LOSSES[loss](A_L, y)


def one_hot(y, n_classes, dtype=np.float64):
    """Labels (m,) as rows of an (m, n_classes) matrix Y: Y[i, y_i] = 1, zeros elsewhere."""
    y = as_labels(y, "y", n_classes)
    Y = np.zeros((len(y), n_classes), dtype=dtype)
    Y[np.arange(len(y)), y] = 1
    return Y


def output_gradient(A_L, Z_L, y, loss, activation):
    """dZ_L, the gradient of cost(A_L, y, loss) with respect to the last layer's Z_L.

    A_L, Z_L: (m, n_L), A_L = g(Z_L) for the activation called `activation`   y: as for cost
    Returns dZ_L (m, n_L) in A_L's float type. Sigmoid + "bce" and softmax + "ce" simplify to
    (A_L - Y) / m (the table of notebook 06); any other pair takes dA_L = d cost / d A_L first,
    then dZ_L = dA_L * g'(Z_L).
    """
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; known losses: {', '.join(LOSSES)}")
    A = as_float(A_L, "A_L")
    if A.ndim != 2 or np.shape(Z_L) != A.shape:
        raise ValueError(f"A_L and Z_L must both be (m, n_L), got {A.shape} and {np.shape(Z_L)}")
    m, n_L = A.shape
    Y = one_hot(y, n_L, A.dtype) if loss == "ce" else as_float(y, "y").astype(A.dtype)
    if Y.size != A.size:
        raise ValueError(f"y has shape {np.shape(y)}, which does not fit A_L {A.shape}: "
                         "give one label, or one row of targets, per example")
    Y = Y.reshape(A.shape)                        # "bce" and "mse" targets may be (m,)
    if (loss, activation) in (("bce", "sigmoid"), ("ce", "softmax")):
        return (A - Y) / m

    eps = np.finfo(A.dtype).eps                   # keeps logs and divisions away from 0
    if loss == "mse":                             # cost = mean over all m * n_L elements
        dA = 2 * (A - Y) / A.size
    elif loss == "bce":                           # cost = -mean(Y log A + (1 - Y) log(1 - A))
        P = np.clip(A, eps, 1 - eps)
        dA = (P - Y) / (P * (1 - P)) / m
    else:                                         # cost = -mean(log A[i, y_i])
        dA = -Y / np.maximum(A, eps) / m
    if activation == "softmax":                   # softmax's Jacobian times dA, row by row
        return A * (dA - np.sum(dA * A, axis=1, keepdims=True))
    return dA * activation_derivative(Z_L, activation)
