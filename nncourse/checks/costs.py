"""Checks of notebook 05: cost functions (mse, rmse, binary_cross_entropy, cross_entropy).

Every cost is one number (a Python float or a 0-d numpy float), a mean over the examples. The
cross-entropies must stay finite, without warnings, when a probability is exactly 0 or 1.
"""
from __future__ import annotations

import numpy as np

from nncourse.reference import costs as ref
from nncourse.reference import softmax

from ._framework import (
    call_student,
    describe,
    distinct_sizes,
    exercise,
    expect_close,
    expect_finite,
    expect_number,
    fail,
    format_array,
    known,
    tolerance,
)

NOTEBOOK = "05_cost_functions"

CLIP_HINT_BCE = ("log(0) is -inf: clip p to [eps, 1 - eps] before taking logs, e.g. "
                 "p = np.clip(p, 1e-12, 1 - 1e-12); the cost is then large but finite.")
CLIP_HINT_CE = ("log(0) is -inf: clip the probabilities to at least a tiny eps before the log "
                "(np.maximum(p, 1e-12)), and take the log of the true class's probability only "
                "(0 * log(0) is nan).")


BROADCAST_HINT = ("y_pred is (m, 1) and y is (m,): y_pred - y broadcasts to an (m, m) matrix. Reshape first: "
                  "y = y.reshape(y_pred.shape).")


def _regression_pair(rng, shape, dtype=np.float64):
    y = rng.normal(0.0, 2.0, size=shape)
    y_pred = y + rng.normal(0.0, 1.0, size=shape)
    return y_pred.astype(dtype), y.astype(dtype)


def _regression_cases(rng, hidden):
    m, k = distinct_sizes(rng, 2, 3, 9)
    y_pred, y = _regression_pair(rng, (k + 2, 1))
    cases = [_regression_pair(rng, (m, k)), _regression_pair(rng, (m + 4,)), (y_pred, y.reshape(-1)),
             _regression_pair(rng, (k, m), np.float32)]
    if hidden:
        cases += [_regression_pair(rng, (1,)), _regression_pair(rng, (1, 1)),
                  _regression_pair(rng, (2 * m + 17, k + 3))]
    return cases


def _check_regression_cost(name, func, rng, hidden, reference, variants, ratios):
    cases = _regression_cases(rng, hidden)
    for y_pred, y in cases:
        desc = describe(y_pred=y_pred, y=y)
        got = call_student(name, func, y_pred, y, names=("y_pred", "y"), input_desc=desc)
        value = expect_number(name, got, what=f"{name}(y_pred, y)", input_desc=desc)
        expected = reference(y_pred, y)
        d = y_pred.astype(np.float64) - y.astype(np.float64).reshape(y_pred.shape)
        hints = variants(d, len(y))
        if y_pred.shape != y.shape:
            broadcast = y_pred.astype(np.float64) - y.astype(np.float64)      # (m, 1) - (m,) is (m, m)
            hints.insert(0, (reference(broadcast, np.zeros_like(broadcast)),
                             f"{name}(y_pred, y) matches y_pred {y_pred.shape} - y {y.shape} broadcast into an "
                             f"{broadcast.shape} matrix.", BROADCAST_HINT))
        expect_close(name, value, expected, what=f"{name}(y_pred, y)", input_desc=desc,
                     hints=known(expected, hints),
                     ratios=ratios(d, len(y)),
                     rtol=tolerance(y.dtype), atol=1e-9)
    y_pred, y = cases[0]
    desc = describe(y_pred=y, y=y) + " (the same array twice)"
    value = expect_number(name, call_student(name, func, y, y.copy(), names=("y_pred", "y"),
                                             input_desc=desc), what=f"{name}(y, y)", input_desc=desc)
    if abs(value) > 1e-12:
        fail(name, f"{name}(y, y) is not 0: a perfect prediction must cost nothing.", input=desc,
             expected="0.0", got=format_array(value))
    shapes = ", ".join(str(y_pred.shape) if y_pred.shape == y.shape else f"{y_pred.shape} against {y.shape}"
                       for y_pred, y in cases)
    return f"shapes {shapes} (float32 too), one number, 0 for a perfect prediction."


# ---------------------------------------------------------------------------------------------
# mse, rmse
# ---------------------------------------------------------------------------------------------

def _mse_variants(d, m):
    sq = d ** 2
    return [
        (np.sum(sq), "mse(y_pred, y) is the sum of the squared errors, not their mean.",
         "MSE is the mean, not the sum: use np.mean((y_pred - y) ** 2)."),
        (np.sum(sq) / m, f"mse(y_pred, y) divides by m = {m} only, but y has {d.size} elements.",
         "MSE is the mean over every element: np.mean over the whole array, or divide by y.size."),
        (np.mean(np.abs(d)), "mse(y_pred, y) is the mean absolute error |y_pred - y|.",
         "square the errors: np.mean((y_pred - y) ** 2)."),
        (0.5 * np.mean(sq), "mse(y_pred, y) is half the mean squared error.",
         "the course's MSE has no 1/2 factor: np.mean((y_pred - y) ** 2)."),
        (np.sqrt(np.mean(sq)), "mse(y_pred, y) is the square root of the MSE (that is RMSE).",
         "MSE has no square root: np.mean((y_pred - y) ** 2)."),
    ]


def _mse_ratios(d, m):
    return {float(d.size): "MSE is the mean, not the sum: divide by the number of elements.",
            0.5: "the course's MSE has no 1/2 factor: np.mean((y_pred - y) ** 2)."}


@exercise("mse", notebook=NOTEBOOK)
def check_mse(func, rng, hidden):
    return _check_regression_cost("mse", func, rng, hidden, ref.mse, _mse_variants, _mse_ratios)


def _rmse_variants(d, m):
    sq = d ** 2
    root_hint = "RMSE is the square root of the mean of the squared errors: np.sqrt(np.mean((y_pred - y) ** 2))."
    return [
        (np.mean(sq), "rmse(y_pred, y) returned the MSE: the square root is missing.", root_hint),
        (np.mean(np.abs(d)), "rmse(y_pred, y) is the mean of the square roots (the mean absolute error): "
                             "the square root was taken inside the mean.", root_hint),
        (np.sqrt(np.sum(sq)), "rmse(y_pred, y) is the square root of the sum of the squared errors.",
         "take the mean of the squared errors before the square root: np.sqrt(np.mean((y_pred - y) ** 2))."),
        (np.abs(np.mean(d)), "rmse(y_pred, y) is |mean(y_pred - y)|: the errors were averaged before squaring.",
         "square each error before averaging, or positive and negative errors cancel: "
         "np.sqrt(np.mean((y_pred - y) ** 2))."),
    ]


def _rmse_ratios(d, m):
    return {float(np.sqrt(d.size)): "take the mean of the squared errors before the square root, not the sum."}


@exercise("rmse", notebook=NOTEBOOK)
def check_rmse(func, rng, hidden):
    return _check_regression_cost("rmse", func, rng, hidden, ref.rmse, _rmse_variants, _rmse_ratios)


# ---------------------------------------------------------------------------------------------
# binary_cross_entropy
# ---------------------------------------------------------------------------------------------

def _bce_terms(p, y, eps=1e-12):
    p = np.clip(np.asarray(p, dtype=np.float64), eps, 1 - eps)
    return y * np.log(p) + (1 - y) * np.log(1 - p)


def _bce_variants(p, y):
    m = len(y)
    flat = np.reshape(p, -1)
    variants = [
        (np.mean(_bce_terms(flat, y)), "binary_cross_entropy(p, y) has the wrong sign (it is negative).",
         "the minus sign is missing: the cost is -mean(y log p + (1 - y) log(1 - p)), a positive number."),
        (-np.mean(y * np.log(np.clip(flat, 1e-12, 1))), "binary_cross_entropy(p, y) keeps only the "
         "y log p term.", "the cost has both terms: -(y log p + (1 - y) log(1 - p)), averaged over examples."),
    ]
    if np.ndim(p) == 2:
        broadcast = -np.mean(_bce_terms(p, y))    # (m, 1) against (m,): an (m, m) matrix
        variants.insert(0, (broadcast, f"binary_cross_entropy(p, y) matches p of shape {np.shape(p)} and y "
                            f"of shape {np.shape(y)} broadcast into an ({m}, {m}) matrix.",
                            "p is (m, 1) and y is (m,): together they broadcast to an (m, m) matrix. "
                            "Flatten p first (p = p.reshape(-1)) or give y the shape of p."))
    return variants


def _bce_ratios(m):
    return {float(m): "the cost is the mean over examples, not the sum: np.mean(...), or divide by m.",
            -1.0: "the minus sign is missing: the cost is -mean(y log p + (1 - y) log(1 - p)), "
                  "a positive number."}


def _probabilities(rng, m, low=0.03, high=0.97):
    return rng.uniform(low, high, size=m)


def _binary_labels(rng, m):
    y = rng.integers(0, 2, size=m).astype(np.float64)
    if m >= 2:
        y[:2] = [0.0, 1.0]   # both classes present
    return y


@exercise("binary_cross_entropy", notebook=NOTEBOOK)
def check_binary_cross_entropy(func, rng, hidden):
    name = "binary_cross_entropy"
    m1, m2 = distinct_sizes(rng, 2, 5, 12)
    cases = [(_probabilities(rng, m1), _binary_labels(rng, m1)),
             (_probabilities(rng, m2).reshape(-1, 1), _binary_labels(rng, m2)),
             (_probabilities(rng, m1 + 3).astype(np.float32), _binary_labels(rng, m1 + 3).astype(np.float32))]
    if hidden:
        cases += [(_probabilities(rng, 1).reshape(1, 1), np.array([1.0])),
                  (_probabilities(rng, 1), np.array([0.0])),
                  (_probabilities(rng, 40).reshape(-1, 1), _binary_labels(rng, 40))]
    for p, y in cases:
        desc = describe(p=p, y=y)
        got = call_student(name, func, p, y, names=("p", "y"), stable=True, input_desc=desc,
                           unstable_hint=CLIP_HINT_BCE)
        value = expect_number(name, got, what="binary_cross_entropy(p, y)", input_desc=desc)
        expected = ref.binary_cross_entropy(p, y)
        expect_close(name, value, expected, what="binary_cross_entropy(p, y)", input_desc=desc,
                     hints=known(expected, _bce_variants(p, y)), ratios=_bce_ratios(len(y)),
                     rtol=tolerance(p.dtype), atol=1e-9)

    # p exactly 0 or 1 where the label agrees: the cost of those examples is (nearly) 0.
    m = m1 + 2
    p, y = _probabilities(rng, m), _binary_labels(rng, m)
    p[:2], y[:2] = [0.0, 1.0], [0.0, 1.0]
    desc = describe(p=p, y=y) + " (p exactly 0 and 1, right labels)"
    got = call_student(name, func, p, y, names=("p", "y"), stable=True, input_desc=desc,
                       unstable_hint=CLIP_HINT_BCE)
    value = expect_number(name, got, what="binary_cross_entropy(p, y)", input_desc=desc)
    expect_finite(name, value, what="binary_cross_entropy(p, y)", input_desc=desc, hint=CLIP_HINT_BCE)
    expect_close(name, value, ref.binary_cross_entropy(p, y), what="binary_cross_entropy(p, y)",
                 input_desc=desc, rtol=1e-4, atol=1e-5)

    # p exactly 0 or 1 where the label disagrees: only a large, finite cost is required.
    p2 = p.copy()
    p2[:2] = [1.0, 0.0]
    desc = describe(p=p2, y=y) + " (p exactly 0 and 1, wrong labels)"
    got = call_student(name, func, p2, y, names=("p", "y"), stable=True, input_desc=desc,
                       unstable_hint=CLIP_HINT_BCE)
    wrong = expect_number(name, got, what="binary_cross_entropy(p, y)", input_desc=desc)
    expect_finite(name, wrong, what="binary_cross_entropy(p, y)", input_desc=desc, hint=CLIP_HINT_BCE)
    if not wrong > value:
        fail(name, "a confident wrong prediction (p = 0 for y = 1) does not raise the cost.", input=desc,
             expected=f"more than {value:.6g} (the cost with the right labels)", got=format_array(wrong),
             hint="clip p to a tiny eps, not to a large one: np.clip(p, 1e-12, 1 - 1e-12).")
    shapes = ", ".join(str(np.shape(p)) for p, _ in cases)
    return (f"p of shapes {shapes} (float32 too) against y (m,), one number, finite without "
            "warnings for p exactly 0 and 1.")


# ---------------------------------------------------------------------------------------------
# cross_entropy
# ---------------------------------------------------------------------------------------------

def _softmax_rows(rng, m, k, scale=1.5):
    return softmax(rng.normal(0.0, scale, size=(m, k)))


def _class_labels(rng, m, k):
    y = rng.integers(0, k, size=m)
    y[:min(m, k)] = np.arange(min(m, k))   # many classes present
    return rng.permutation(y)


def _ce_variants(P, y):
    m, k = P.shape
    logs = np.log(np.clip(np.asarray(P, dtype=np.float64), 1e-12, 1))
    return [
        (-np.mean(logs), "cross_entropy(P, y) averages log P over every entry, not only the true class's.",
         "pick the probability of the true class of each example: P[np.arange(m), y], then "
         "-np.mean(np.log(...))."),
    ]


def _ce_ratios(m, k):
    return {float(m): "the cost is the mean over examples, not the sum: divide by m.",
            1.0 / k: f"you divided by m * k = {m * k} (np.mean over the whole (m, k) array): sum over the "
                     "classes (or pick the true class), then take the mean over the examples.",
            m / k: f"you averaged over the k = {k} classes instead of the m = {m} examples: sum over the "
                   "classes (axis=1) for each example, then take the mean over the examples."}


CE_LABELS_HINT = ("y holds integer labels of shape (m,), not one-hot rows: pick P[np.arange(m), y], or "
                  "build one-hot rows first (np.eye(k)[y]).")


@exercise("cross_entropy", notebook=NOTEBOOK)
def check_cross_entropy(func, rng, hidden):
    name = "cross_entropy"
    m, k = distinct_sizes(rng, 2, 3, 9)
    cases = [(_softmax_rows(rng, m, k), _class_labels(rng, m, k)),
             (_softmax_rows(rng, k + 5, m).astype(np.float32), _class_labels(rng, k + 5, m))]
    if hidden:
        cases += [(_softmax_rows(rng, 1, k), _class_labels(rng, 1, k)),
                  (_softmax_rows(rng, m, 2), _class_labels(rng, m, 2)),
                  (_softmax_rows(rng, 3 * m + 7, k + 8), rng.integers(0, 2, size=3 * m + 7))]
    for P, y in cases:
        desc = describe(P=P, y=y)
        got = call_student(name, func, P, y, names=("P", "y"), stable=True, input_desc=desc,
                           unstable_hint=CLIP_HINT_CE, error_hint=CE_LABELS_HINT)
        value = expect_number(name, got, what="cross_entropy(P, y)", input_desc=desc)
        expected = ref.cross_entropy(P, y)
        labels_as_one_hot = -np.mean(np.sum(np.asarray(y)[:, None] * np.log(np.clip(P, 1e-12, 1)), axis=1)) \
            if P.shape[0] == P.shape[1] or P.shape[0] == 1 else None
        variants = _ce_variants(P, y)
        if labels_as_one_hot is not None:
            variants.append((labels_as_one_hot, "cross_entropy(P, y) multiplies by the integer labels.",
                             CE_LABELS_HINT))
        expect_close(name, value, expected, what="cross_entropy(P, y)", input_desc=desc,
                     hints=known(expected, variants), ratios=_ce_ratios(*P.shape),
                     rtol=tolerance(P.dtype), atol=1e-9)

    # Probabilities exactly 0 of other classes, and exactly 1 of the true class: the usual value.
    P, y = _softmax_rows(rng, m + 1, k), _class_labels(rng, m + 1, k)
    P[0] = 0.0
    P[0, y[0]] = 1.0
    other = (y[1] + 1) % k
    P[1, y[1]] += P[1, other]
    P[1, other] = 0.0
    desc = describe(P=P, y=y) + " (some probabilities exactly 0 and 1)"
    got = call_student(name, func, P, y, names=("P", "y"), stable=True, input_desc=desc,
                       unstable_hint=CLIP_HINT_CE, error_hint=CE_LABELS_HINT)
    value = expect_number(name, got, what="cross_entropy(P, y)", input_desc=desc)
    expect_finite(name, value, what="cross_entropy(P, y)", input_desc=desc, hint=CLIP_HINT_CE)
    expect_close(name, value, ref.cross_entropy(P, y), what="cross_entropy(P, y)", input_desc=desc,
                 rtol=1e-6, atol=1e-6)

    # The true class's probability exactly 0: only a large, finite cost is required.
    P2 = P.copy()
    P2[2] = 1.0 / (k - 1)
    P2[2, y[2]] = 0.0
    desc = describe(P=P2, y=y) + " (the true class has probability 0 in row 2)"
    got = call_student(name, func, P2, y, names=("P", "y"), stable=True, input_desc=desc,
                       unstable_hint=CLIP_HINT_CE, error_hint=CE_LABELS_HINT)
    worse = expect_number(name, got, what="cross_entropy(P, y)", input_desc=desc)
    expect_finite(name, worse, what="cross_entropy(P, y)", input_desc=desc, hint=CLIP_HINT_CE)
    if not worse > value:
        fail(name, "giving the true class probability 0 does not raise the cost.", input=desc,
             expected=f"more than {value:.6g}", got=format_array(worse),
             hint="clip to a tiny eps (1e-12), not a large one.")
    shapes = ", ".join(str(P.shape) for P, _ in cases)
    return f"P of shapes {shapes} (float32 too), one number, finite without warnings at probabilities 0 and 1."
