"""Checks of notebook 08: train_test_split, standardize, accuracy, confusion_matrix.

The split's rows are numbered (X[:, 0] is the row index, y = 2 * row + 1), so that the check can
tell which rows went where, whether X and y stayed together, and whether they were shuffled.
"""
from __future__ import annotations

import math

import numpy as np

from nncourse import reference

from ._framework import (
    Mistake,
    as_array,
    call_student,
    describe,
    distinct_sizes,
    exercise,
    expect_close,
    expect_finite,
    expect_number,
    expect_raises,
    expect_shape,
    fail,
    format_array,
    numbered_rows,
    tolerance,
)

NOTEBOOK = "08_evaluation_tuning_and_use"


# ---------------------------------------------------------------------------------------------
# train_test_split
# ---------------------------------------------------------------------------------------------

SPLIT_ORDER_HINT = "return the four arrays as (X_train, X_test, y_train, y_test), in this order, as scikit-learn does."
SIZE_HINT = "the test set has int(round(test_fraction * m)) rows: round to the nearest integer, not down or up."
SEED_HINT = "shuffle with np.random.default_rng(seed).permutation(m), so that the seed chooses the split."
SPLIT_VALUE_ERROR_HINT = ("check the arguments first: `if len(X) != len(y): raise ValueError(...)` and "
                          "`if not 0 <= test_fraction <= 1: raise ValueError(...)`.")


def _split_fractions(rng, hidden):
    """(m, test_fraction) pairs whose test size rounds differently from int() and from ceil(), and the ends."""
    k = int(rng.integers(3, 6))
    cases = [(5 * k + 3, 0.2), (10 * k + 1, 0.3), (1, 0.2), (2, 0.5), (9, 0.0), (8, 1.0)]   # 0.2 m ends in .6
    if hidden:
        cases += [(100, 0.15), (9, 0.7)]
    return cases


def _split(name, func, X, y, desc, **kwargs):
    got = call_student(name, func, X, y, names=("X", "y"), input_desc=desc, **kwargs)
    if not isinstance(got, (tuple, list)) or len(got) != 4:
        fail(name, "train_test_split must return four arrays.", input=desc, got=format_array(got),
             hint=SPLIT_ORDER_HINT)
    parts = [as_array(name, part, what=label, input_desc=desc)
             for part, label in zip(got, ("X_train", "X_test", "y_train", "y_test"))]
    if parts[1].ndim == 1 and parts[2].ndim == 2:
        fail(name, "the arrays are out of order: the second is 1-D, the third 2-D.", input=desc,
             got="shapes " + ", ".join(str(p.shape) for p in parts), hint=SPLIT_ORDER_HINT, mistake="wrong-order")
    return parts


def _rows_of(name, X_part, y_part, what, n, desc):
    if X_part.ndim != 2 or X_part.shape[1] != n:
        fail(name, f"X_{what} has shape {X_part.shape}, expected (rows, {n}).", input=desc, hint=SPLIT_ORDER_HINT)
    if y_part.shape != (len(X_part),):
        fail(name, f"y_{what} has shape {y_part.shape} but X_{what} has {len(X_part)} rows.", input=desc,
             hint="split y with the same indices as X.")
    rows = [int(round(v)) for v in X_part[:, 0]]
    if not np.array_equal(y_part, 2 * np.array(rows, dtype=int) + 1):
        fail(name, f"y_{what} does not belong to the rows of X_{what}.", input=desc, mistake="x-y-misaligned",
             details=["X and y were shuffled differently."],
             hint="use the same permutation for X and y: order = rng.permutation(m), then X[order] and y[order].")
    return rows


@exercise("train_test_split", notebook=NOTEBOOK)
def check_train_test_split(func, rng, hidden):
    name = "train_test_split"
    n = int(rng.integers(2, 6))
    seed = int(rng.integers(1000))
    cases = [(m, fraction, {"test_fraction": fraction, "seed": seed}) for m, fraction in _split_fractions(rng, hidden)]
    cases.append((cases[0][0], 0.2, {}))          # the defaults: test_fraction=0.2, seed=0
    for m, fraction, kwargs in cases:
        X, y = numbered_rows(rng, m, n)
        settings = ", ".join(f"{k} {v}" for k, v in kwargs.items()) or "default test_fraction and seed"
        desc = describe(X=X, y=y) + f" (X[:, 0] numbers the rows, y = 2 * row + 1), {settings}"
        X_train, X_test, y_train, y_test = _split(name, func, X, y, desc, **kwargs)
        n_test = int(round(fraction * m))
        if len(X_test) != n_test:
            why, mistake = "", "wrong-test-size"
            if len(X_test) == int(fraction * m):
                why, mistake = f" (int({fraction} * {m}) rounds down)", "rounds-down"
            elif len(X_test) == math.ceil(fraction * m):
                why, mistake = f" (ceil({fraction} * {m}) rounds up)", "rounds-up"
            rows = "row" if len(X_test) == 1 else "rows"
            fail(name, f"X_test has {len(X_test)} {rows} for m = {m}, test_fraction {fraction}.", input=desc,
                 expected=f"int(round({fraction} * {m})) = {n_test} rows{why}", hint=SIZE_HINT, mistake=mistake)
        train_rows = _rows_of(name, X_train, y_train, "train", n, desc)
        test_rows = _rows_of(name, X_test, y_test, "test", n, desc)
        if set(train_rows) & set(test_rows) or len(set(train_rows)) != len(train_rows) or \
                len(set(test_rows)) != len(test_rows):
            fail(name, "some rows appear twice (in both sets, or twice in one).", input=desc,
                 got=f"{len(set(train_rows) & set(test_rows))} rows in both sets", mistake="overlapping-sets",
                 hint="the sets must be disjoint: take one permutation, its first n_test indices for the test "
                      "set and the rest for training.")
        if sorted(train_rows + test_rows) != list(range(m)):
            fail(name, f"together the two sets hold {len(train_rows) + len(test_rows)} rows, not all {m}.",
                 input=desc, hint="every row goes to exactly one of the two sets.", mistake="misses-rows")
        if m >= 8 and (train_rows + test_rows == list(range(m)) or test_rows + train_rows == list(range(m))):
            fail(name, "the rows keep their original order: they were not shuffled.", input=desc,
                 hint="shuffle before splitting: order = np.random.default_rng(seed).permutation(m).",
                 mistake="not-shuffled")
        if m >= 8 and 0 < fraction < 1 and kwargs:
            again = _split(name, func, X, y, desc + " (called a second time)", **kwargs)
            if not (np.array_equal(again[1], X_test) and np.array_equal(again[0], X_train)):
                fail(name, "the same seed gave a different split.", input=desc, hint=SEED_HINT,
                     mistake="not-reproducible")
            other = _split(name, func, X, y, desc + f" (then seed {seed + 1})", **{**kwargs, "seed": seed + 1})
            if np.array_equal(other[1], X_test) and np.array_equal(other[0], X_train):
                fail(name, f"seeds {seed} and {seed + 1} gave the same split: the seed is unused.", input=desc,
                     hint=SEED_HINT, mistake="seed-ignored")
    X, y = numbered_rows(rng, 6, n)
    for X_bad, y_bad, fraction, why in ((X, y[:-1], 0.2, "X with 6 rows and y with 5"),
                                        (X, y, 1.5, "test_fraction 1.5"), (X, y, -0.1, "test_fraction -0.1")):
        expect_raises(name, func, ValueError, X_bad, y_bad, names=("X", "y"), why=why, hint=SPLIT_VALUE_ERROR_HINT,
                      mistake="no-value-error", test_fraction=fraction, seed=seed)
    return ("disjoint, all rows, X and y together, shuffled by the seed, test size int(round(test_fraction * m)) "
            f"for m and test_fraction {', '.join(f'{m}/{f}' for m, f, _ in cases)}, ValueError for bad input.")


# ---------------------------------------------------------------------------------------------
# standardize
# ---------------------------------------------------------------------------------------------

ZERO_STD_HINT = ("a column whose std is 0 must only be centred: divide by np.where(std == 0, 1.0, std), "
                 "never by 0.")


def _standardize_mistakes(X, mean, std):
    safe = np.where(std == 0, 1, std)
    X_mean, X_std = X.mean(axis=0), X.std(axis=0)
    with np.errstate(all="ignore"):
        return [
            Mistake("own-statistics", (X - X_mean) / np.where(X_std == 0, 1, X_std),
                    "standardize ignored the given mean and std and computed X's own.",
                    "use the given mean and std (the training set's); never recompute them from the data you "
                    "standardise, or test data gets other units than training data."),
            Mistake("epsilon-not-guard", (X - mean) / (std + 1e-8),
                    "standardize divided by std + 1e-8: a column of std 0 became huge.", ZERO_STD_HINT),
            Mistake("divided-by-variance", (X - mean) / safe ** 2, "standardize divided by std ** 2 (the variance).",
                    "divide by the standard deviation std itself: (X - mean) / std."),
            Mistake("not-divided", X - mean, "standardize only subtracted the mean.", "divide by std too: "
                                                                                      "(X - mean) / std."),
            Mistake("not-centred", X / safe, "standardize divided X by std without subtracting the mean.",
                    "subtract the mean first: (X - mean) / std."),
        ]


@exercise("standardize", notebook=NOTEBOOK)
def check_standardize(func, rng, hidden):
    name = "standardize"
    m, n = distinct_sizes(rng, 2, 3, 9)
    shapes = [((m, n), False, np.float64), ((n + 2, m), True, np.float64), ((m, n), True, np.float32),
              ((1, n), True, np.float64), ((m, n), "all", np.float64), ((m + 2, 1), True, np.float64)]
    if hidden:
        shapes += [((2 * m + 5, 1), True, np.float64), ((3 * m, n + 4), True, np.float64)]
    for shape, zero, dtype in shapes:
        X = rng.normal(1.0, 3.0, size=shape).astype(dtype)
        mean = rng.normal(0.0, 1.0, size=shape[1])             # the training set's statistics, not X's
        std = rng.uniform(0.5, 2.0, size=shape[1])
        if zero == "all":
            std[:] = 0.0
        elif zero:
            std[rng.integers(shape[1])] = 0.0
        desc = describe(X=X, mean=mean, std=std)
        got = call_student(name, func, X, mean, std, names=("X", "mean", "std"), input_desc=desc,
                           error_hint="X is (m, n) and mean and std are (n,): (X - mean) / std broadcasts "
                                      "over the rows without any reshaping.")
        Z = as_array(name, got, what="standardize(X, mean, std)", input_desc=desc)
        expected = reference.standardize(X, mean, std)
        mistakes = _standardize_mistakes(X.astype(float), mean, std)
        expect_shape(name, Z, shape, what="standardize(X, mean, std)", input_desc=desc, mistakes=mistakes)
        expect_finite(name, Z, what="standardize(X, mean, std)", input_desc=desc, hint=ZERO_STD_HINT,
                      mistake="zero-std-not-guarded")
        expect_close(name, Z, expected, what="standardize(X, mean, std)", input_desc=desc, mistakes=mistakes,
                     rtol=tolerance(dtype), atol=1e-6)
    return "(X - mean) / std with the given mean and std, columns of std 0 only centred, one row, float32 too."


# ---------------------------------------------------------------------------------------------
# accuracy
# ---------------------------------------------------------------------------------------------

def _predictions(rng, m, k, wrong_fraction=0.3):
    y_true = rng.integers(0, k, size=m)
    y_pred = y_true.copy()
    flip = rng.random(m) < wrong_fraction
    if m >= 3:
        flip[:2] = [True, False]     # at least one right and one wrong
    y_pred[flip] = (y_true[flip] + rng.integers(1, k, size=int(flip.sum()))) % k
    return y_pred, y_true


def _accuracy_mistakes(y_pred, y_true):
    correct = int(np.sum(np.reshape(y_pred, -1) == y_true))
    m = len(y_true)
    broadcast = [] if np.ndim(y_pred) == 1 else [
        Mistake("broadcast-to-mxm", float(np.mean(y_pred == y_true)),
                f"accuracy compared y_pred {np.shape(y_pred)} with y_true {np.shape(y_true)} as ({m}, {m}).",
                "flatten the labels first: y_pred.reshape(-1) == y_true.reshape(-1) (an (m, 1) against an (m,) "
                "array broadcasts to (m, m)).")]
    return broadcast + [
        Mistake("count-not-fraction", correct, f"accuracy returned {correct}, the count of correct predictions.",
                "divide the count by the number of examples: the accuracy is a fraction in [0, 1]."),
        Mistake("percentage", 100.0 * correct / m, "accuracy returned a percentage (0 to 100).",
                "return the fraction in [0, 1], without the factor 100."),
        Mistake("error-rate", 1.0 - correct / m, "accuracy returned the fraction of wrong predictions.",
                "count the predictions equal to the truth: np.mean(y_pred == y_true)."),
        Mistake("integer-division", correct // m, "accuracy used integer division (//), which rounds down.",
                "use / (true division) or np.mean(y_pred == y_true)."),
    ]


@exercise("accuracy", notebook=NOTEBOOK)
def check_accuracy(func, rng, hidden):
    name = "accuracy"
    m, k = distinct_sizes(rng, 2, 4, 9)
    cases = [_predictions(rng, 3 * m, k), _predictions(rng, 2 * m + 1, 2)]
    y_pred, y_true = _predictions(rng, m + 5, 2)
    cases.append((y_pred.astype(np.float64), y_true))          # float labels from a threshold
    while True:                                                # a binary network's (m, 1) labels, drawn so
        y_pred, y_true = _predictions(rng, m + 3, 2)           # that an (m, m) broadcast gives another value
        if np.mean(y_pred[:, None] == y_true) != np.mean(y_pred == y_true):
            break
    cases += [(y_pred.reshape(-1, 1), y_true), (np.array([1]), np.array([1])), (np.array([0]), np.array([2]))]
    if hidden:
        cases += [_predictions(rng, 200, 10), (np.arange(7) % 3, np.arange(7) % 3)]
    for y_pred, y_true in cases:
        desc = describe(y_pred=y_pred, y_true=y_true)
        got = call_student(name, func, y_pred, y_true, names=("y_pred", "y_true"), input_desc=desc)
        value = expect_number(name, got, what="the accuracy", input_desc=desc,
                              hint="return one number: the fraction of correct predictions, "
                                   "np.mean(y_pred == y_true).")
        expected = reference.accuracy(y_pred, y_true)
        expect_close(name, value, expected, what="the accuracy", input_desc=desc,
                     mistakes=_accuracy_mistakes(y_pred, y_true), rtol=1e-9, atol=1e-12)
    return "the fraction of correct predictions, a number in [0, 1], for binary and multi-class labels, (m, 1) too."


# ---------------------------------------------------------------------------------------------
# confusion_matrix
# ---------------------------------------------------------------------------------------------

CM_SHAPE_HINT = ("the matrix is (n_classes, n_classes) whatever labels occur: np.zeros((n_classes, n_classes), "
                 "dtype=int); a class may be missing from a small batch, and n_classes is given.")


def _confusion_mistakes(expected):
    return [
        Mistake("transposed", expected.T, "the matrix is transposed: its rows are the predicted classes.",
                "rows are the true class and columns the predicted one: C[y_true[i], y_pred[i]] += 1."),
        Mistake("counts-pairs-once", (expected > 0).astype(int), "the matrix counts repeated pairs only once.",
                "C[y_true, y_pred] += 1 adds 1 once per distinct pair: use np.add.at(C, (y_true, y_pred), 1) "
                "or a loop over the examples."),
    ]


@exercise("confusion_matrix", notebook=NOTEBOOK)
def check_confusion_matrix(func, rng, hidden):
    name = "confusion_matrix"
    k = int(rng.integers(3, 6))
    m = 6 * k + int(rng.integers(1, 5))
    while True:                                                # not symmetric, so a transpose shows
        y_pred, y_true = _predictions(rng, m, k, 0.4)
        C = reference.confusion_matrix(y_pred, y_true, k)
        if not np.array_equal(C, C.T):
            break
    cases = [(y_pred, y_true, k)]
    y_pred, y_true = _predictions(rng, m, k - 1, 0.4)            # the last class never occurs
    cases += [(y_pred, y_true, k), (np.array([1]), np.array([0]), 2)]
    if hidden:
        cases += [(*_predictions(rng, 40, 2, 0.3), 2), (*_predictions(rng, 9, 4, 0.5), 10)]
    for y_pred, y_true, n_classes in cases:
        desc = describe(y_pred=y_pred, y_true=y_true) + f", n_classes {n_classes}"
        got = call_student(name, func, y_pred, y_true, n_classes, names=("y_pred", "y_true", "n_classes"),
                           input_desc=desc)
        C = as_array(name, got, what="confusion_matrix(y_pred, y_true, n_classes)", input_desc=desc)
        expected = reference.confusion_matrix(y_pred, y_true, n_classes)
        if C.shape != expected.shape:
            fail(name, f"the matrix has shape {C.shape}, expected ({n_classes}, {n_classes}).", input=desc,
                 got=format_array(C), hint=CM_SHAPE_HINT, mistake="size-from-labels")
        expect_close(name, C, expected, what="the confusion matrix", input_desc=desc,
                     mistakes=_confusion_mistakes(expected), rtol=0, atol=1e-9)
        if C.dtype.kind not in "iu":
            fail(name, f"the matrix has dtype {C.dtype}, expected integers (counts).", input=desc,
                 got=format_array(C), hint="make it an int array: np.zeros((n_classes, n_classes), dtype=int).",
                 mistake="not-integers")
    return "counts with rows = true class and columns = predicted class, shape (n_classes, n_classes), int."
