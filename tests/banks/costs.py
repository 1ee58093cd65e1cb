"""Implementations of notebook 05's exercises (cost functions) that the checks must judge rightly.

WRONG: (exercise, function, text the failure must contain, id of the mistake it names or None):
realistic mistakes; the text is the named mistake's fact or hint where the check names one.
CORRECT: (exercise, function): right answers written another way; the check must accept them.
Every function is module-level (picklable), as the grader calls students' functions in another process.
"""
import math

import numpy as np

EPS = 1e-12


# ---------------------------------------------------------------------------------------------
# mse
# ---------------------------------------------------------------------------------------------

def mse_sum(y_pred, y):
    return float(np.sum((y_pred - y) ** 2))


def mse_divides_by_m(y_pred, y):
    """Mean over examples only: right for (m,), k times too small for (m, k)."""
    return float(np.sum((y_pred - y) ** 2) / len(y))


def mse_absolute(y_pred, y):
    return float(np.mean(np.abs(y_pred - y)))


def mse_half(y_pred, y):
    return float(0.5 * np.mean((y_pred - y) ** 2))


def mse_per_column(y_pred, y):
    return np.mean((y_pred - y) ** 2, axis=0)


def mse_in_place(y_pred, y):
    y_pred -= y
    return float(np.mean(y_pred ** 2))


def mse_root(y_pred, y):
    return float(np.sqrt(np.mean((y_pred - y) ** 2)))


def mse_broadcast(y_pred, y):
    """No reshape: (m, 1) predictions against (m,) targets become an (m, m) matrix."""
    return float(np.mean((y_pred - y) ** 2))


def rmse_broadcast(y_pred, y):
    return float(np.sqrt(np.mean((y_pred - y) ** 2)))


def mse_loops(y_pred, y):
    total, count = 0.0, 0
    for a, t in zip(np.ravel(y_pred), np.ravel(y)):
        total += (float(a) - float(t)) ** 2
        count += 1
    return total / count


def mse_dot(y_pred, y):
    d = np.subtract(np.ravel(y_pred), np.ravel(y))
    return np.dot(d, d) / d.size


def mse_numpy_scalar(y_pred, y):
    """Returns a 0-d numpy float (float32 for float32 input): allowed by the contract."""
    return np.square(y_pred - np.reshape(y, np.shape(y_pred))).mean()


# ---------------------------------------------------------------------------------------------
# rmse
# ---------------------------------------------------------------------------------------------

def rmse_no_sqrt(y_pred, y):
    return float(np.mean((y_pred - y) ** 2))


def rmse_sqrt_inside(y_pred, y):
    return float(np.mean(np.sqrt((y_pred - y) ** 2)))


def rmse_sqrt_of_sum(y_pred, y):
    return float(np.sqrt(np.sum((y_pred - y) ** 2)))


def rmse_square_of_mean(y_pred, y):
    return float(np.sqrt(np.mean(y_pred - y) ** 2))


def rmse_loops(y_pred, y):
    return math.sqrt(mse_loops(y_pred, y))


def rmse_norm(y_pred, y):
    d = np.asarray(y_pred).reshape(-1) - np.asarray(y).reshape(-1)
    return np.linalg.norm(d) / np.sqrt(d.size)


# ---------------------------------------------------------------------------------------------
# binary_cross_entropy
# ---------------------------------------------------------------------------------------------

def bce_no_clip(p, y):
    p = np.reshape(p, np.shape(y))
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def bce_clip_to_unit_interval(p, y):
    p = np.clip(np.reshape(p, np.shape(y)), 0, 1)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def bce_broadcast(p, y):
    """No reshape: p (m, 1) against y (m,) silently becomes an (m, m) matrix."""
    p = np.clip(p, EPS, 1 - EPS)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def bce_sum(p, y):
    p = np.clip(np.reshape(p, np.shape(y)), EPS, 1 - EPS)
    return float(-np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))


def bce_no_minus(p, y):
    p = np.clip(np.reshape(p, np.shape(y)), EPS, 1 - EPS)
    return float(np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def bce_one_term(p, y):
    p = np.clip(np.reshape(p, np.shape(y)), EPS, 1 - EPS)
    return float(-np.mean(y * np.log(p)))


def bce_loops(p, y):
    p = np.ravel(p)
    total = 0.0
    for p_i, y_i in zip(p, np.ravel(y)):
        p_i = min(max(float(p_i), EPS), 1 - EPS)
        total += -math.log(p_i) if y_i == 1 else -math.log(1 - p_i)
    return total / len(p)


def bce_where_squeeze(p, y):
    """np.squeeze turns (1, 1) into a 0-d array: still right for m = 1."""
    p = np.clip(np.squeeze(p), 1e-7, 1 - 1e-7)
    return np.mean(np.where(y == 1, -np.log(p), -np.log1p(-p)))


def bce_flatten(p, y):
    p = np.clip(np.asarray(p, dtype=np.float64).reshape(-1), 1e-15, 1 - 1e-15)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    return -(y @ np.log(p) + (1 - y) @ np.log(1 - p)) / len(y)


def bce_add_eps(p, y):
    """log(p + eps) instead of clipping: finite at 0 and 1 as well."""
    p = np.asarray(p).reshape(np.shape(y))
    eps = 1e-12
    return float(np.mean(-y * np.log(p + eps) - (1 - y) * np.log(1 - p + eps)))


# ---------------------------------------------------------------------------------------------
# cross_entropy
# ---------------------------------------------------------------------------------------------

def ce_no_clip(P, y):
    return float(-np.mean(np.log(P[np.arange(len(y)), y])))


def ce_one_hot_no_clip(P, y):
    Y = np.eye(P.shape[1])[y]
    return float(-np.mean(np.sum(Y * np.log(P), axis=1)))


def ce_mean_over_all_entries(P, y):
    Y = np.eye(P.shape[1])[y]
    return float(-np.mean(Y * np.log(np.clip(P, EPS, 1))))


def ce_mean_over_classes(P, y):
    """Sums over examples (axis 0), then averages over the k classes."""
    Y = np.eye(P.shape[1])[y]
    return float(-np.mean(np.sum(Y * np.log(np.clip(P, EPS, 1)), axis=0)))


def ce_all_probabilities(P, y):
    """Forgets to pick the true class: averages log P over every entry."""
    return float(-np.mean(np.log(np.clip(P, EPS, 1))))


def ce_labels_as_one_hot(P, y):
    """Multiplies by the integer labels as if they were one-hot rows."""
    return float(-np.mean(np.sum(y * np.log(np.clip(P, EPS, 1)), axis=1)))


def ce_sum(P, y):
    return float(-np.sum(np.log(np.clip(P[np.arange(len(y)), y], EPS, 1))))


def ce_loops(P, y):
    total = 0.0
    for i, label in enumerate(y):
        total -= math.log(max(float(P[i][int(label)]), EPS))
    return total / len(y)


def ce_take_along_axis(P, y):
    p_true = np.take_along_axis(P, np.asarray(y).reshape(-1, 1), axis=1)
    return -np.log(np.maximum(p_true, 1e-15)).mean()


def ce_one_hot(P, y):
    Y = np.zeros_like(P, dtype=np.float64)
    Y[np.arange(len(y)), y] = 1.0
    return -np.sum(Y * np.log(np.clip(P, 1e-12, 1.0))) / P.shape[0]


def mse_variance(y_pred, y):
    """The variance of the errors: right only when they average to 0. No factor explains it."""
    return float(np.var(np.asarray(y_pred, dtype=float).reshape(-1) - np.asarray(y, dtype=float).reshape(-1)))


def rmse_math_sqrt(y_pred, y):
    """math.sqrt of one number is fine."""
    d = np.asarray(y_pred, dtype=float).reshape(-1) - np.asarray(y, dtype=float).reshape(-1)
    return math.sqrt(np.mean(d ** 2))


WRONG = [
    ("mse", mse_variance, "mse is ", None),
    ("mse", mse_sum, "not the sum", "sum-not-mean"),
    ("mse", mse_divides_by_m, "every element", "divided-by-m"),
    ("mse", mse_absolute, "square", "mean-absolute-error"),
    ("mse", mse_half, "no 1/2", "half-mse"),
    ("mse", mse_per_column, "one number", "not-a-number"),
    ("mse", mse_in_place, "in place", "modifies-input"),
    ("mse", mse_root, "square root", "rmse-not-mse"),
    ("mse", mse_broadcast, "broadcast", "broadcast-to-mxm"),
    ("rmse", rmse_no_sqrt, "square root of the mean", "missing-sqrt"),
    ("rmse", rmse_sqrt_inside, "square root of the mean", "sqrt-inside-mean"),
    ("rmse", rmse_sqrt_of_sum, "mean of the squared errors", "sqrt-of-sum"),
    ("rmse", rmse_square_of_mean, "square each error", "mean-before-square"),
    ("rmse", rmse_broadcast, "broadcast", "broadcast-to-mxm"),
    ("binary_cross_entropy", bce_no_clip, "clip p to [eps, 1 - eps]", "unstable"),
    ("binary_cross_entropy", bce_clip_to_unit_interval, "clip p to [eps, 1 - eps]", "unstable"),
    ("binary_cross_entropy", bce_broadcast, "broadcast", "broadcast-to-mxm"),
    ("binary_cross_entropy", bce_sum, "mean over examples", "sum-not-mean"),
    ("binary_cross_entropy", bce_no_minus, "minus sign", "wrong-sign"),
    ("binary_cross_entropy", bce_one_term, "both terms", "only-y-log-p"),
    ("cross_entropy", ce_no_clip, "clip", "unstable"),
    ("cross_entropy", ce_one_hot_no_clip, "clip", "unstable"),
    ("cross_entropy", ce_mean_over_all_entries, "divided by m * k", "divided-by-m-times-k"),
    ("cross_entropy", ce_mean_over_classes, "mean over the examples", "mean-over-classes"),
    ("cross_entropy", ce_all_probabilities, "true class", "mean-over-all-entries"),
    ("cross_entropy", ce_labels_as_one_hot, "integer labels", None),
    ("cross_entropy", ce_sum, "mean over examples", "sum-not-mean"),
]

CORRECT = [
    ("rmse", rmse_math_sqrt),
    ("mse", mse_loops),
    ("mse", mse_dot),
    ("mse", mse_numpy_scalar),
    ("rmse", rmse_loops),
    ("rmse", rmse_norm),
    ("binary_cross_entropy", bce_loops),
    ("binary_cross_entropy", bce_where_squeeze),
    ("binary_cross_entropy", bce_flatten),
    ("binary_cross_entropy", bce_add_eps),
    ("cross_entropy", ce_loops),
    ("cross_entropy", ce_take_along_axis),
    ("cross_entropy", ce_one_hot),
]
