"""Data sets for the course: two real ones shipped with the package, and toy-data generators.

Everything is batch-first: X is float64 of shape (m, n_features), y is int64 of shape (m,)
(float64 targets for make_regression). Nothing is downloaded; sources and licences are in
data/DATA-LICENSE.md.

    load_breast_cancer()   569 x 30, 1 = malignant, 0 = benign      (cancer detection)
    load_digits()          1797 x 64 pixels of 8x8 images, 0-9       (digit recognition)
    logic_gate(name)       the 4 inputs of {0, 1}^2 and an AND/OR/XOR/NAND/NOR truth table
    make_moons, make_circles, make_spirals, make_xor   2-D classification sets for decision boundaries
    make_regression        a small regression set for MSE and RMSE
"""
from pathlib import Path

import numpy as np

__all__ = [
    "load_breast_cancer", "breast_cancer_names", "load_digits", "DIGITS_CLASS_NAMES",
    "logic_gate", "LOGIC_GATES", "make_moons", "make_circles", "make_spirals", "make_xor", "make_regression",
]

DATA_DIR = Path(__file__).parent / "data"
DIGITS_CLASS_NAMES = [str(digit) for digit in range(10)]


def _load(name):
    with np.load(DATA_DIR / f"{name}.npz", allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def load_breast_cancer():
    """Breast Cancer Wisconsin (Diagnostic), UCI ML Repository (Wolberg, Street, Mangasarian 1995).

    Returns X float64 (569, 30): ten measurements of cell nuclei (mean, standard error and
    worst value each) from images of breast-mass aspirates; y int64 (569,): 1 = malignant,
    0 = benign (212 malignant, 357 benign). Standardise X before training.
    """
    data = _load("breast_cancer")
    return data["X"].astype(np.float64), data["y"].astype(np.int64)


def breast_cancer_names():
    """(feature_names, class_names) of load_breast_cancer: 30 column names, ["benign", "malignant"]."""
    data = _load("breast_cancer")
    return [str(name) for name in data["feature_names"]], [str(name) for name in data["target_names"]]


def load_digits():
    """Optical Recognition of Handwritten Digits, UCI ML Repository (Alpaydin, Kaynak 1998).

    Returns X float64 (1797, 64): 8x8 images flattened row by row, each pixel a count 0-16
    (X[i].reshape(8, 8) is the image; divide by 16 to scale to [0, 1]); y int64 (1797,): the digit.
    """
    data = _load("digits")
    return data["X"].astype(np.float64), data["y"].astype(np.int64)


LOGIC_GATES = {
    "and": (0, 0, 0, 1),
    "or": (0, 1, 1, 1),
    "xor": (0, 1, 1, 0),
    "nand": (1, 1, 1, 0),
    "nor": (1, 0, 0, 0),
}


def logic_gate(name):
    """The truth table of a logic gate: X float64 (4, 2), the rows 00, 01, 10, 11; y int64 (4,).

    name: "and", "or", "xor", "nand" or "nor".
    """
    if name not in LOGIC_GATES:
        raise ValueError(f"unknown logic gate {name!r}; known gates: {', '.join(LOGIC_GATES)}")
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array(LOGIC_GATES[name], dtype=np.int64)
    return X, y


def _check_count(n, minimum, name="n"):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {n!r}")
    return int(n)


def _check_noise(noise):
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    return float(noise)


def _shuffled(X, y, rng):
    order = rng.permutation(len(X))
    return X[order], y[order]


def make_moons(n=200, noise=0.1, seed=0):
    """Two interleaving half circles: X float64 (n, 2), y int64 (n,) in {0, 1}, n // 2 of class 1.

    noise: standard deviation of Gaussian noise added to every coordinate.
    """
    n, noise = _check_count(n, 2), _check_noise(noise)
    rng = np.random.default_rng(seed)
    n1 = n // 2
    n0 = n - n1
    angle0, angle1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    upper = np.column_stack([np.cos(angle0), np.sin(angle0)])
    lower = np.column_stack([1 - np.cos(angle1), 0.5 - np.sin(angle1)])
    X = np.vstack([upper, lower]) + noise * rng.standard_normal((n, 2))
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n0, n1])
    return _shuffled(X, y, rng)


def make_circles(n=200, noise=0.05, factor=0.5, seed=0):
    """A small circle (class 1, radius `factor`) inside a large one (class 0, radius 1).

    Returns X float64 (n, 2), y int64 (n,), n // 2 of class 1. No straight line separates them.
    """
    n, noise = _check_count(n, 2), _check_noise(noise)
    if not 0 < factor < 1:
        raise ValueError(f"factor (inner radius / outer radius) must be in (0, 1), got {factor}")
    rng = np.random.default_rng(seed)
    n1 = n // 2
    n0 = n - n1
    angle0 = np.linspace(0, 2 * np.pi, n0, endpoint=False)
    angle1 = np.linspace(0, 2 * np.pi, n1, endpoint=False)
    outer = np.column_stack([np.cos(angle0), np.sin(angle0)])
    inner = factor * np.column_stack([np.cos(angle1), np.sin(angle1)])
    X = np.vstack([outer, inner]) + noise * rng.standard_normal((n, 2))
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n0, n1])
    return _shuffled(X, y, rng)


def make_spirals(n=300, n_classes=2, noise=0.2, seed=0):
    """Interleaved spiral arms, one per class: X float64 (n, 2), y int64 (n,) in 0..n_classes-1.

    Arm k: radius r from 0 to 1, angle 4 r + 2 pi k / n_classes (plus noise * N(0, 1) on the
    angle). n_classes: 2 or 3; the classes differ in size by at most one example.
    """
    n, noise = _check_count(n, 2), _check_noise(noise)
    if n_classes not in (2, 3):
        raise ValueError(f"n_classes must be 2 or 3, got {n_classes!r}")
    if n < n_classes:
        raise ValueError(f"n must be at least n_classes = {n_classes}, got {n}")
    rng = np.random.default_rng(seed)
    sizes = [n // n_classes + (k < n % n_classes) for k in range(n_classes)]
    X_parts, y_parts = [], []
    for k, size in enumerate(sizes):
        r = np.linspace(0.05, 1, size)
        angle = 4 * r + 2 * np.pi * k / n_classes + noise * rng.standard_normal(size)
        X_parts.append(np.column_stack([r * np.sin(angle), r * np.cos(angle)]))
        y_parts.append(np.full(size, k, dtype=np.int64))
    return _shuffled(np.vstack(X_parts), np.concatenate(y_parts), rng)


def make_xor(n=200, noise=0.1, seed=0):
    """Points in [-1, 1]^2, class 1 where x1 and x2 have different signs (the XOR of the signs).

    Returns X float64 (n, 2), with Gaussian noise of standard deviation `noise` added after
    labelling, and y int64 (n,). No straight line separates the classes.
    """
    n, noise = _check_count(n, 1), _check_noise(noise)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 2))
    y = (X[:, 0] * X[:, 1] < 0).astype(np.int64)
    return X + noise * rng.standard_normal((n, 2)), y


def make_regression(n=100, n_features=1, noise=0.1, kind="sine", seed=0):
    """A small regression set: X float64 (n, n_features) uniform in [-1, 1], y float64 (n,).

    kind="linear": y = X @ w + 0.5 + noise * N(0, 1), w = (1, -0.5, 0.25, ...)
    kind="sine":   y = sum over features of sin(pi x_j) + noise * N(0, 1) (needs a hidden layer)
    """
    n, n_features, noise = _check_count(n, 1), _check_count(n_features, 1, "n_features"), _check_noise(noise)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, n_features))
    if kind == "linear":
        w = (-0.5) ** np.arange(n_features)
        target = X @ w + 0.5
    elif kind == "sine":
        target = np.sin(np.pi * X).sum(axis=1)
    else:
        raise ValueError(f"unknown kind {kind!r}; known kinds: linear, sine")
    return X, target + noise * rng.standard_normal(n)
