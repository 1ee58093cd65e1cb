"""Notebook 08: splitting data, standardising features and measuring how good predictions are."""
import numpy as np

from .arrays import as_float, as_labels


def train_test_split(X, y, test_fraction=0.2, seed=0):
    """Shuffle the rows, then split off int(round(test_fraction * m)) of them as the test set.

    X: (m, n)   y: (m,)   test_fraction: in [0, 1]   seed: for the shuffle
    Returns X_train, X_test, y_train, y_test (disjoint, together all m rows).
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}: one label per example")
    if not 0 <= test_fraction <= 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    m = len(X)
    n_test = int(round(test_fraction * m))
    order = np.random.default_rng(seed).permutation(m)
    test_rows, train_rows = order[:n_test], order[n_test:]
    return X[train_rows], X[test_rows], y[train_rows], y[test_rows]


def standardize(X, mean, std):
    """(X - mean) / std column by column; a column with std 0 is only centred (divided by 1).

    X: (m, n)   mean: (n,)   std: (n,)
    Returns an array of X's shape, never inf or nan.
    """
    X, mean, std = as_float(X, "X"), as_float(mean, "mean"), as_float(std, "std")
    if mean.shape != X.shape[-1:] or std.shape != X.shape[-1:]:
        raise ValueError(f"X has {X.shape[-1]} columns but mean has shape {mean.shape} and std "
                         f"{std.shape}: give one mean and one std per column")
    safe_std = np.where(std == 0, 1.0, std)
    return (X - mean) / safe_std


def accuracy(y_pred, y_true):
    """Fraction of examples whose predicted label equals the true label, a float in [0, 1].

    y_pred, y_true: (m,) integer labels ((m, 1) accepted)
    """
    y_pred, y_true = np.asarray(y_pred).reshape(-1), np.asarray(y_true).reshape(-1)
    if y_pred.shape != y_true.shape or y_pred.size == 0:
        raise ValueError(f"y_pred has {y_pred.size} labels and y_true {y_true.size}: "
                         "they must be equally many, and at least one")
    return float(np.mean(y_pred == y_true))


def confusion_matrix(y_pred, y_true, n_classes):
    """C[i, j] = number of examples of true class i predicted as class j.

    y_pred, y_true: (m,) integer labels in 0..n_classes-1   n_classes: int
    Returns an int array (n_classes, n_classes), rows true class, columns predicted.
    """
    y_pred, y_true = as_labels(y_pred, "y_pred", n_classes), as_labels(y_true, "y_true", n_classes)
    if len(y_pred) != len(y_true):
        raise ValueError(f"y_pred has {len(y_pred)} labels and y_true {len(y_true)}")
    C = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(C, (y_true, y_pred), 1)   # C[y_true[i], y_pred[i]] += 1 for every example i
    return C
