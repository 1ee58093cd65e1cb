"""Checks of notebook 05: cost functions (mse, rmse, binary_cross_entropy, cross_entropy).

Every cost is one number (a Python float or a 0-d numpy float), a mean over the examples. The
cross-entropies must stay finite, without warnings, when a probability is exactly 0 or 1.
"""
from __future__ import annotations

import numpy as np

from nncourse import reference

from ._framework import (
    Mistake,
    call_student,
    describe,
    distinct_sizes,
    exercise,
    expect_close,
    expect_finite,
    expect_number,
    fail,
    format_array,
    tolerance,
)

NOTEBOOK = "05_cost_functions"

CLIP_HINT_BCE = ("log(0) is -inf: clip p to [eps, 1 - eps] before taking logs, e.g. "
                 "p = np.clip(np.asarray(p, dtype=float), 1e-12, 1 - 1e-12) (in float64: in float32 "
                 "1 - 1e-12 is exactly 1); the cost is then large but finite.")
CLIP_HINT_CE = ("log(0) is -inf: clip the probabilities to at least a tiny eps before the log "
                "(np.maximum(p, 1e-12)), and take the log of the true class's probability only "
                "(0 * log(0) is nan).")
BROADCAST_HINT = ("y_pred is (m, 1) and y is (m,): y_pred - y broadcasts to an (m, m) matrix. Reshape first: "
                  "y = y.reshape(y_pred.shape).")
MEAN_HINT = "the cost is the mean over examples, not the sum: np.mean(...), or divide by m."


def _regression_pair(rng, shape, dtype=np.float64):
    y = rng.normal(0.0, 2.0, size=shape)
    y_pred = y + rng.normal(0.0, 1.0, size=shape)
    return y_pred.astype(dtype), y.astype(dtype)


def _regression_cases(rng, hidden):
    m, k = distinct_sizes(rng, 2, 3, 9)
    y_pred, y = _regression_pair(rng, (k + 2, 1))
    cases = [_regression_pair(rng, (m, k)), _regression_pair(rng, (m + 4,)), (y_pred, y.reshape(-1)),
             _regression_pair(rng, (k, m), np.float32), _regression_pair(rng, (1,))]
    if hidden:
        cases += [_regression_pair(rng, (1, 1)), _regression_pair(rng, (2 * m + 17, k + 3))]
    return cases


def _broadcast_mistake(name, reference_cost, y_pred, y):
    """The (m, 1) - (m,) broadcast, when y_pred and y have those shapes."""
    if y_pred.shape == y.shape or y_pred.ndim != 2:
        return []
    broadcast = y_pred.astype(np.float64) - y.astype(np.float64)      # (m, 1) - (m,) is (m, m)
    return [Mistake("broadcast-to-mxm", reference_cost(broadcast, np.zeros_like(broadcast)),
                    f"{name} matches y_pred {y_pred.shape} - y {y.shape} broadcast to {broadcast.shape}.",
                    BROADCAST_HINT)]


def _check_regression_cost(name, func, rng, hidden, reference_cost, mistakes):
    cases = _regression_cases(rng, hidden)
    for y_pred, y in cases:
        desc = describe(y_pred=y_pred, y=y)
        got = call_student(name, func, y_pred, y, names=("y_pred", "y"), input_desc=desc,
                           error_hint="y_pred and y have the same number of elements: reshape y to "
                                      "y_pred.shape before subtracting.")
        value = expect_number(name, got, what=f"{name}(y_pred, y)", input_desc=desc)
        expected = reference_cost(y_pred, y)
        d = y_pred.astype(np.float64) - y.astype(np.float64).reshape(y_pred.shape)
        known = _broadcast_mistake(name, reference_cost, y_pred, y) + mistakes(d, len(y))
        expect_close(name, value, expected, what=name, input_desc=desc, mistakes=known,
                     rtol=tolerance(y.dtype), atol=1e-9)
    y_pred, y = cases[0]
    desc = describe(y_pred=y, y=y) + " (the same array twice)"
    value = expect_number(name, call_student(name, func, y, y.copy(), names=("y_pred", "y"), input_desc=desc),
                          what=f"{name}(y, y)", input_desc=desc)
    if abs(value) > 1e-12:
        fail(name, f"{name}(y, y) is not 0: a perfect prediction must cost nothing.", input=desc,
             expected="0.0", got=format_array(value))
    shapes = ", ".join(str(y_pred.shape) if y_pred.shape == y.shape else f"{y_pred.shape} against {y.shape}"
                       for y_pred, y in cases)
    return f"shapes {shapes} (float32 too), one number, 0 for a perfect prediction."


# ---------------------------------------------------------------------------------------------
# mse, rmse
# ---------------------------------------------------------------------------------------------

def _mse_mistakes(d, m):
    sq = d ** 2
    return [
        Mistake("sum-not-mean", np.sum(sq), "mse is the sum of the squared errors, not their mean.",
                "MSE is the mean, not the sum: use np.mean((y_pred - y) ** 2)."),
        Mistake("divided-by-m", np.sum(sq) / m, f"mse divides by m = {m}, but y has {d.size} elements.",
                "MSE is the mean over every element: np.mean over the whole array, or divide by y.size."),
        Mistake("mean-absolute-error", np.mean(np.abs(d)), "mse is the mean absolute error |y_pred - y|.",
                "square the errors: np.mean((y_pred - y) ** 2)."),
        Mistake("half-mse", 0.5 * np.mean(sq), "mse is half the mean squared error.",
                "the course's MSE has no 1/2 factor: np.mean((y_pred - y) ** 2)."),
        Mistake("rmse-not-mse", np.sqrt(np.mean(sq)), "mse is the square root of the MSE (that is RMSE).",
                "MSE has no square root: np.mean((y_pred - y) ** 2)."),
    ]


@exercise("mse", notebook=NOTEBOOK)
def check_mse(func, rng, hidden):
    return _check_regression_cost("mse", func, rng, hidden, reference.mse, _mse_mistakes)


def _rmse_mistakes(d, m):
    sq = d ** 2
    root_hint = "RMSE is the square root of the mean of the squared errors: np.sqrt(np.mean((y_pred - y) ** 2))."
    return [
        Mistake("missing-sqrt", np.mean(sq), "rmse returned the MSE: the square root is missing.", root_hint),
        Mistake("sqrt-inside-mean", np.mean(np.abs(d)), "rmse is the mean absolute error: sqrt inside the mean.",
                root_hint),
        Mistake("sqrt-of-sum", np.sqrt(np.sum(sq)), "rmse is the square root of the sum of squared errors.",
                "take the mean of the squared errors before the square root: np.sqrt(np.mean((y_pred - y) ** 2))."),
        Mistake("mean-before-square", np.abs(np.mean(d)), "rmse is |mean(y_pred - y)|: averaged before squaring.",
                "square each error before averaging, or positive and negative errors cancel: "
                "np.sqrt(np.mean((y_pred - y) ** 2))."),
    ]


@exercise("rmse", notebook=NOTEBOOK)
def check_rmse(func, rng, hidden):
    return _check_regression_cost("rmse", func, rng, hidden, reference.rmse, _rmse_mistakes)


# ---------------------------------------------------------------------------------------------
# binary_cross_entropy
# ---------------------------------------------------------------------------------------------

def _bce_terms(p, y, eps=1e-12):
    p = np.clip(np.asarray(p, dtype=np.float64), eps, 1 - eps)
    return y * np.log(p) + (1 - y) * np.log(1 - p)


def _bce_mistakes(p, y, expected):
    m = len(y)
    flat = np.reshape(p, -1)
    mistakes = [
        Mistake("wrong-sign", np.mean(_bce_terms(flat, y)), "binary_cross_entropy is negative: the sign is wrong.",
                "the minus sign is missing: the cost is -mean(y log p + (1 - y) log(1 - p)), a positive number."),
        Mistake("only-y-log-p", -np.mean(y * np.log(np.clip(flat, 1e-12, 1))),
                "binary_cross_entropy keeps only the y log p term.",
                "the cost has both terms: -(y log p + (1 - y) log(1 - p)), averaged over examples."),
        Mistake("sum-not-mean", m * expected, f"binary_cross_entropy is m = {m} times the mean: a sum.", MEAN_HINT),
    ]
    if np.ndim(p) == 2:
        broadcast = -np.mean(_bce_terms(p, y))    # (m, 1) against (m,): an (m, m) matrix
        mistakes.insert(0, Mistake("broadcast-to-mxm", broadcast,
                                   f"p {np.shape(p)} and y {np.shape(y)} were broadcast to a ({m}, {m}) matrix.",
                                   "p is (m, 1) and y is (m,): together they broadcast to an (m, m) matrix. "
                                   "Flatten p first (p = p.reshape(-1)) or give y the shape of p."))
    return mistakes


def _probabilities(rng, m, low=0.03, high=0.97):
    return rng.uniform(low, high, size=m)


def _binary_labels(rng, m):
    y = rng.integers(0, 2, size=m).astype(np.float64)
    if m >= 2:
        y[:2] = [0.0, 1.0]   # both classes present
    return y


def _bce_call(func, p, y, desc):
    got = call_student("binary_cross_entropy", func, p, y, names=("p", "y"), stable=True, input_desc=desc,
                       unstable_hint=CLIP_HINT_BCE)
    value = expect_number("binary_cross_entropy", got, what="binary_cross_entropy(p, y)", input_desc=desc)
    expect_finite("binary_cross_entropy", value, what="the cost", input_desc=desc, hint=CLIP_HINT_BCE,
                  mistake="unstable")
    return value


@exercise("binary_cross_entropy", notebook=NOTEBOOK)
def check_binary_cross_entropy(func, rng, hidden):
    name = "binary_cross_entropy"
    m1, m2 = distinct_sizes(rng, 2, 5, 12)
    cases = [(_probabilities(rng, m1), _binary_labels(rng, m1)),
             (_probabilities(rng, m2).reshape(-1, 1), _binary_labels(rng, m2)),
             (_probabilities(rng, m1 + 3).astype(np.float32), _binary_labels(rng, m1 + 3).astype(np.float32)),
             (_probabilities(rng, 1).reshape(1, 1), np.array([1.0]))]
    if hidden:
        cases += [(_probabilities(rng, 1), np.array([0.0])),
                  (_probabilities(rng, 40).reshape(-1, 1), _binary_labels(rng, 40))]
    for p, y in cases:
        desc = describe(p=p, y=y)
        value = _bce_call(func, p, y, desc)
        expected = reference.binary_cross_entropy(p, y)
        expect_close(name, value, expected, what=name, input_desc=desc, mistakes=_bce_mistakes(p, y, expected),
                     rtol=tolerance(p.dtype), atol=1e-9)

    # p exactly 0 or 1 where the label agrees: the cost of those examples is (nearly) 0.
    m = m1 + 2
    for dtype in (np.float64, np.float32):
        p, y = _probabilities(rng, m).astype(dtype), _binary_labels(rng, m)
        p[:2], y[:2] = [0.0, 1.0], [0.0, 1.0]
        desc = describe(p=p, y=y) + " (p exactly 0 and 1, right labels)"
        value = _bce_call(func, p, y, desc)
        expect_close(name, value, reference.binary_cross_entropy(p, y), what=name, input_desc=desc,
                     rtol=1e-4, atol=1e-5)

        # p exactly 0 or 1 where the label disagrees: only a large, finite cost is required.
        p2 = p.copy()
        p2[:2] = [1.0, 0.0]
        desc = describe(p=p2, y=y) + " (p exactly 0 and 1, wrong labels)"
        wrong = _bce_call(func, p2, y, desc)
        if not wrong > value:
            fail(name, "a confident wrong prediction (p = 0 for y = 1) does not raise the cost.", input=desc,
                 expected=f"more than {value:.6g} (the cost with the right labels)", got=format_array(wrong),
                 hint="clip p to a tiny eps, not to a large one: np.clip(p, 1e-12, 1 - 1e-12).",
                 mistake="clips-too-much")
    shapes = ", ".join(str(np.shape(p)) for p, _ in cases)
    return (f"p of shapes {shapes} (float32 too) against y (m,), one number, finite without "
            "warnings for p exactly 0 and 1 (float64 and float32).")


# ---------------------------------------------------------------------------------------------
# cross_entropy
# ---------------------------------------------------------------------------------------------

def _softmax_rows(rng, m, k, scale=1.5):
    return reference.softmax(rng.normal(0.0, scale, size=(m, k)))


def _class_labels(rng, m, k):
    y = rng.integers(0, k, size=m)
    y[:min(m, k)] = np.arange(min(m, k))   # many classes present
    return rng.permutation(y)


CE_LABELS_HINT = ("y holds integer labels of shape (m,), not one-hot rows: pick P[np.arange(m), y], or "
                  "build one-hot rows first (np.eye(k)[y]).")


def _ce_mistakes(P, y, expected):
    m, k = P.shape
    logs = np.log(np.clip(np.asarray(P, dtype=np.float64), 1e-12, 1))
    mistakes = [
        Mistake("mean-over-all-entries", -np.mean(logs), "cross_entropy averages log P over every entry.",
                "pick the probability of the true class of each example: P[np.arange(m), y], then "
                "-np.mean(np.log(...))."),
        Mistake("sum-not-mean", m * expected, f"cross_entropy is m = {m} times the mean: a sum.", MEAN_HINT),
        Mistake("divided-by-m-times-k", expected / k, f"cross_entropy is k = {k} times too small.",
                f"you divided by m * k = {m * k} (np.mean over the whole (m, k) array): sum over the classes "
                "(or pick the true class), then take the mean over the examples."),
        Mistake("mean-over-classes", expected * m / k, f"cross_entropy divides by k = {k} classes, not m = {m}.",
                "sum over the classes (axis=1) for each example, then take the mean over the examples."),
    ]
    if m == k or m == 1:
        mistakes.append(Mistake("labels-as-one-hot", -np.mean(np.sum(np.asarray(y)[:, None] * logs, axis=1)),
                                "cross_entropy multiplies by the integer labels.", CE_LABELS_HINT))
    return mistakes


def _ce_call(func, P, y, desc):
    name = "cross_entropy"
    got = call_student(name, func, P, y, names=("P", "y"), stable=True, input_desc=desc,
                       unstable_hint=CLIP_HINT_CE, error_hint=CE_LABELS_HINT)
    value = expect_number(name, got, what="cross_entropy(P, y)", input_desc=desc)
    expect_finite(name, value, what="the cost", input_desc=desc, hint=CLIP_HINT_CE, mistake="unstable")
    return value


@exercise("cross_entropy", notebook=NOTEBOOK)
def check_cross_entropy(func, rng, hidden):
    name = "cross_entropy"
    m, k = distinct_sizes(rng, 2, 3, 9)
    cases = [(_softmax_rows(rng, m, k), _class_labels(rng, m, k)),
             (_softmax_rows(rng, k + 5, m).astype(np.float32), _class_labels(rng, k + 5, m)),
             (_softmax_rows(rng, 1, k), _class_labels(rng, 1, k))]
    if hidden:
        cases += [(_softmax_rows(rng, m, 2), _class_labels(rng, m, 2)),
                  (_softmax_rows(rng, 3 * m + 7, k + 8), rng.integers(0, 2, size=3 * m + 7))]
    for P, y in cases:
        desc = describe(P=P, y=y)
        value = _ce_call(func, P, y, desc)
        expected = reference.cross_entropy(P, y)
        expect_close(name, value, expected, what=name, input_desc=desc, mistakes=_ce_mistakes(P, y, expected),
                     rtol=tolerance(P.dtype), atol=1e-9)

    # Probabilities exactly 0 of other classes, and exactly 1 of the true class: the usual value.
    P, y = _softmax_rows(rng, m + 1, k), _class_labels(rng, m + 1, k)
    P[0] = 0.0
    P[0, y[0]] = 1.0
    other = (y[1] + 1) % k
    P[1, y[1]] += P[1, other]
    P[1, other] = 0.0
    desc = describe(P=P, y=y) + " (some probabilities exactly 0 and 1)"
    value = _ce_call(func, P, y, desc)
    expect_close(name, value, reference.cross_entropy(P, y), what=name, input_desc=desc, rtol=1e-6, atol=1e-6)

    # The true class's probability exactly 0: only a large, finite cost is required.
    P2 = P.copy()
    P2[2] = 1.0 / (k - 1)
    P2[2, y[2]] = 0.0
    desc = describe(P=P2, y=y) + " (the true class has probability 0 in row 2)"
    worse = _ce_call(func, P2, y, desc)
    if not worse > value:
        fail(name, "giving the true class probability 0 does not raise the cost.", input=desc,
             expected=f"more than {value:.6g}", got=format_array(worse),
             hint="clip to a tiny eps (1e-12), not a large one.", mistake="clips-too-much")
    shapes = ", ".join(str(P.shape) for P, _ in cases)
    return f"P of shapes {shapes} (float32 too), one number, finite without warnings at probabilities 0 and 1."
