"""Implementations of notebook 08's exercises (evaluation) that the checks must judge rightly.

WRONG: (exercise, function, text the failure must contain, id of the mistake it names or None);
CORRECT: (exercise, function) right answers written another way. Every function is module-level
(picklable), as the grader calls students' functions in another process.
"""
import numpy as np

# ---------------------------------------------------------------------------------------------
# train_test_split
# ---------------------------------------------------------------------------------------------

def _n_test(m, test_fraction):
    return int(round(test_fraction * m))


def split_not_shuffled(X, y, test_fraction=0.2, seed=0):
    n_train = len(X) - _n_test(len(X), test_fraction)
    return X[:n_train], X[n_train:], y[:n_train], y[n_train:]


def split_int_size(X, y, test_fraction=0.2, seed=0):
    order = np.random.default_rng(seed).permutation(len(X))
    n_test = int(test_fraction * len(X))
    return X[order[n_test:]], X[order[:n_test]], y[order[n_test:]], y[order[:n_test]]


def split_ceil_size(X, y, test_fraction=0.2, seed=0):
    order = np.random.default_rng(seed).permutation(len(X))
    n_test = int(np.ceil(test_fraction * len(X)))
    return X[order[n_test:]], X[order[:n_test]], y[order[n_test:]], y[order[:n_test]]


def split_two_permutations(X, y, test_fraction=0.2, seed=0):
    rng = np.random.default_rng(seed)
    X, y = X[rng.permutation(len(X))], y[rng.permutation(len(y))]
    n_test = _n_test(len(X), test_fraction)
    return X[n_test:], X[:n_test], y[n_test:], y[:n_test]


def split_overlapping(X, y, test_fraction=0.2, seed=0):
    rng = np.random.default_rng(seed)
    n_test = _n_test(len(X), test_fraction)
    test = rng.choice(len(X), size=n_test, replace=False)
    train = rng.choice(len(X), size=len(X) - n_test, replace=False)
    return X[train], X[test], y[train], y[test]


def split_ignores_seed(X, y, test_fraction=0.2, seed=0):
    order = np.random.default_rng(42).permutation(len(X))
    n_test = _n_test(len(X), test_fraction)
    return X[order[n_test:]], X[order[:n_test]], y[order[n_test:]], y[order[:n_test]]


def split_sklearn_order_wrong(X, y, test_fraction=0.2, seed=0):
    order = np.random.default_rng(seed).permutation(len(X))
    n_test = _n_test(len(X), test_fraction)
    return X[order[n_test:]], y[order[n_test:]], X[order[:n_test]], y[order[:n_test]]


def split_negative_slice(X, y, test_fraction=0.2, seed=0):
    """order[-n_test:] is the whole order when n_test is 0."""
    order = np.random.default_rng(seed).permutation(len(X))
    n_test = _n_test(len(X), test_fraction)
    train, test = order[:len(X) - n_test], order[-n_test:]
    return X[train], X[test], y[train], y[test]


def split_shuffle_indices(X, y, test_fraction=0.2, seed=0):
    rng = np.random.default_rng(seed)
    indices = np.arange(len(X))
    rng.shuffle(indices)
    n_test = round(len(X) * test_fraction)
    test_idx, train_idx = indices[:n_test], indices[n_test:]
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx]


def split_no_checks(X, y, test_fraction=0.2, seed=0):
    """Right for good input, but a test_fraction of 1.5 quietly puts every row in the test set."""
    order = np.random.default_rng(seed).permutation(len(X))
    n_test = min(len(X), int(round(test_fraction * len(X))))
    return X[order[n_test:]], X[order[:n_test]], y[order[n_test:]], y[order[:n_test]]


def split_mask(X, y, test_fraction=0.2, seed=0):
    m = len(X)
    if len(y) != m or not 0.0 <= test_fraction <= 1.0:
        raise ValueError("X and y need the same number of rows, and test_fraction must lie in [0, 1]")
    n_test = int(np.round(test_fraction * m))
    is_test = np.zeros(m, dtype=bool)
    is_test[np.random.default_rng(seed).choice(m, size=n_test, replace=False)] = True
    order = np.random.default_rng(seed + 1).permutation(m)   # shuffle the rows too
    is_test, X, y = is_test[order], X[order], y[order]
    return X[~is_test], X[is_test], y[~is_test], y[is_test]


# ---------------------------------------------------------------------------------------------
# standardize
# ---------------------------------------------------------------------------------------------

def std_divides_by_zero(X, mean, std):
    return (X - mean) / std


def std_recomputes(X, mean, std):
    mean, std = X.mean(axis=0), X.std(axis=0)
    return (X - mean) / np.where(std == 0, 1, std)


def std_fixes_std_in_place(X, mean, std):
    std[std == 0] = 1
    return (X - mean) / std


def std_adds_epsilon(X, mean, std):
    return (X - mean) / (std + 1e-8)


def std_variance(X, mean, std):
    return (X - mean) / np.where(std == 0, 1, std ** 2)


def std_in_place_X(X, mean, std):
    X -= mean
    X /= np.where(std == 0, 1, std)
    return X


def std_where_after_division(X, mean, std):
    """np.where computes both branches (a silenced 0/0 inside), but returns the right values."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(std == 0, X - mean, (X - mean) / std)


def std_columns_loop(X, mean, std):
    out = np.empty(np.shape(X), dtype=float)
    for j in range(X.shape[1]):
        scale = std[j] if std[j] != 0 else 1.0
        out[:, j] = (X[:, j] - mean[j]) / scale
    return out


def std_safe_copy(X, mean, std):
    safe = np.array(std, dtype=float)
    safe[safe == 0] = 1.0
    return np.divide(np.subtract(X, mean), safe)


# ---------------------------------------------------------------------------------------------
# accuracy
# ---------------------------------------------------------------------------------------------

def acc_count(y_pred, y_true):
    return int(np.sum(y_pred == y_true))


def acc_percentage(y_pred, y_true):
    return 100.0 * np.mean(y_pred == y_true)


def acc_error_rate(y_pred, y_true):
    return float(np.mean(y_pred != y_true))


def acc_integer_division(y_pred, y_true):
    return np.sum(y_pred == y_true) // len(y_true)


def acc_boolean_array(y_pred, y_true):
    return y_pred == y_true


def acc_loop(y_pred, y_true):
    correct = 0
    for predicted, true in zip(np.ravel(y_pred), y_true):
        if predicted == true:
            correct += 1
    return correct / len(y_true)


def acc_count_nonzero(y_pred, y_true):
    return np.count_nonzero(np.equal(np.squeeze(y_pred), np.squeeze(y_true))) / np.size(y_true)


def acc_broadcast(y_pred, y_true):
    """Right for (m,) labels; (m, 1) predictions broadcast against (m,) into an (m, m) matrix."""
    return float(np.mean(y_pred == y_true))


def acc_numpy_mean(y_pred, y_true):
    return (np.ravel(y_pred) == np.ravel(y_true)).mean()


# ---------------------------------------------------------------------------------------------
# confusion_matrix
# ---------------------------------------------------------------------------------------------

def cm_transposed(y_pred, y_true, n_classes):
    C = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(C, (y_pred, y_true), 1)
    return C


def cm_float(y_pred, y_true, n_classes):
    C = np.zeros((n_classes, n_classes))
    for p, t in zip(y_pred, y_true):
        C[t, p] += 1
    return C


def cm_classes_from_labels(y_pred, y_true, n_classes):
    k = int(max(y_pred.max(), y_true.max())) + 1
    C = np.zeros((k, k), dtype=int)
    np.add.at(C, (y_true, y_pred), 1)
    return C


def cm_fancy_increment(y_pred, y_true, n_classes):
    C = np.zeros((n_classes, n_classes), dtype=int)
    C[y_true, y_pred] += 1
    return C


def cm_two_classes(y_pred, y_true, n_classes):
    C = np.zeros((2, 2), dtype=int)
    for p, t in zip(y_pred, y_true):
        if p < 2 and t < 2:
            C[t, p] += 1
    return C


def cm_loop(y_pred, y_true, n_classes):
    C = np.zeros((n_classes, n_classes), dtype=int)
    for t, p in zip(y_true, y_pred):
        C[int(t), int(p)] += 1
    return C


def cm_bincount(y_pred, y_true, n_classes):
    flat = np.asarray(y_true) * n_classes + np.asarray(y_pred)
    return np.bincount(flat, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def cm_int32_comparisons(y_pred, y_true, n_classes):
    C = np.empty((n_classes, n_classes), dtype=np.int32)
    for i in range(n_classes):
        for j in range(n_classes):
            C[i, j] = np.sum((y_true == i) & (y_pred == j))
    return C


WRONG = [
    ("train_test_split", split_shuffle_indices, "raised IndexError, not ValueError", "no-value-error"),
    ("train_test_split", split_no_checks, "not ValueError", "no-value-error"),
    ("train_test_split", split_not_shuffled, "shuffle", "not-shuffled"),
    ("train_test_split", split_int_size, "int(round(", "rounds-down"),
    ("train_test_split", split_ceil_size, "int(round(", "rounds-up"),
    ("train_test_split", split_two_permutations, "same permutation", "x-y-misaligned"),
    ("train_test_split", split_overlapping, "disjoint", "overlapping-sets"),
    ("train_test_split", split_ignores_seed, "seed", "seed-ignored"),
    ("train_test_split", split_sklearn_order_wrong, "(X_train, X_test, y_train, y_test)", "wrong-order"),
    ("standardize", std_divides_by_zero, "std is 0", "zero-std-not-guarded"),
    ("standardize", std_recomputes, "given mean and std", "own-statistics"),
    ("standardize", std_fixes_std_in_place, "in place", "modifies-input"),
    ("standardize", std_adds_epsilon, "std is 0", "epsilon-not-guard"),
    ("standardize", std_variance, "std", "divided-by-variance"),
    ("standardize", std_in_place_X, "in place", "modifies-input"),
    ("accuracy", acc_count, "count", "count-not-fraction"),
    ("accuracy", acc_percentage, "percentage", "percentage"),
    ("accuracy", acc_error_rate, "wrong", "error-rate"),
    ("accuracy", acc_integer_division, "//", "integer-division"),
    ("accuracy", acc_boolean_array, "one number", "not-a-number"),
    ("accuracy", acc_broadcast, "flatten", "broadcast-to-mxm"),
    ("confusion_matrix", cm_transposed, "rows", "transposed"),
    ("confusion_matrix", cm_float, "int", "not-integers"),
    ("confusion_matrix", cm_classes_from_labels, "n_classes", "size-from-labels"),
    ("confusion_matrix", cm_fancy_increment, "np.add.at", "counts-pairs-once"),
    ("confusion_matrix", cm_two_classes, "n_classes", "size-from-labels"),
    ("train_test_split", split_negative_slice, "X_test has 1 row for m = 1", "rounds-up"),
]

CORRECT = [
    ("train_test_split", split_mask),
    ("standardize", std_where_after_division),
    ("standardize", std_columns_loop),
    ("standardize", std_safe_copy),
    ("accuracy", acc_loop),
    ("accuracy", acc_count_nonzero),
    ("accuracy", acc_numpy_mean),
    ("confusion_matrix", cm_loop),
    ("confusion_matrix", cm_bincount),
    ("confusion_matrix", cm_int32_comparisons),
]
