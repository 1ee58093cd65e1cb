"""Notebook 08: splitting data, standardising features and measuring how good predictions are."""
import numpy as np

from ._arrays import as_float, as_labels


def train_test_split(X, y, test_fraction=0.2, seed=0):
    """Shuffle the rows and split them into a training and a test set.

    X: (m, n)   y: (m,) or (m, k)   test_fraction: in [0, 1].
    Returns X_train, X_test, y_train, y_test: disjoint, together all m rows;
    X_test has int(round(test_fraction * m)) rows.
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}: one label per example")
    if not 0 <= test_fraction <= 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    m = len(X)
    n_test = int(round(test_fraction * m))
    order = np.random.default_rng(seed).permutation(m)
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def fit_standardizer(X):
    """Column means and standard deviations of the training data X (m, n): (mean (n,), std (n,)).

    Fit them on the training set only, then standardize train, test and new data with them.
    """
    X = as_float(X, "X")
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"X must be (m, n) with m >= 1, got shape {X.shape}")
    return X.mean(axis=0), X.std(axis=0)


def standardize(X, mean, std):
    """(X - mean) / std column by column; a column whose std is 0 is only centred.

    X: (m, n)   mean, std: (n,). Returns an array of X's shape, never inf or nan.
    """
    X, mean, std = as_float(X, "X"), as_float(mean, "mean"), as_float(std, "std")
    if mean.shape != X.shape[-1:] or std.shape != X.shape[-1:]:
        raise ValueError(f"X has {X.shape[-1]} columns but mean is {mean.shape} and std "
                         f"{std.shape}: give one mean and one std per column")
    safe_std = np.where(std == 0, 1, std).astype(std.dtype)
    return (X - mean) / safe_std


def accuracy(y_pred, y_true):
    """Fraction of examples whose predicted label equals the true one, a float in [0, 1].

    y_pred, y_true: (m,) labels ((m, 1) is accepted too).
    """
    y_pred, y_true = np.asarray(y_pred), np.asarray(y_true)
    if y_pred.size != y_true.size or y_pred.size == 0:
        raise ValueError(f"y_pred has {y_pred.size} labels and y_true {y_true.size}: "
                         "they must be equally many, and at least one")
    return float(np.mean(y_pred.reshape(-1) == y_true.reshape(-1)))


def confusion_matrix(y_pred, y_true, n_classes):
    """Counts C[i, j] of examples of true class i predicted as class j. Int array (k, k).

    y_pred, y_true: (m,) integer labels in 0..n_classes-1. The diagonal holds the correct ones.
    """
    y_pred, y_true = as_labels(y_pred, "y_pred"), as_labels(y_true, "y_true")
    if len(y_pred) != len(y_true):
        raise ValueError(f"y_pred has {len(y_pred)} labels and y_true {len(y_true)}")
    for name, y in (("y_pred", y_pred), ("y_true", y_true)):
        if len(y) and (y.min() < 0 or y.max() >= n_classes):
            raise ValueError(f"{name} has labels from {y.min()} to {y.max()}, outside "
                             f"0..{n_classes - 1} for n_classes={n_classes}")
    C = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(C, (y_true, y_pred), 1)
    return C
