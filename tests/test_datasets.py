"""nncourse.datasets: the shipped data sets and the toy-data generators."""
import numpy as np
import pytest

from nncourse import datasets


def test_breast_cancer_shapes_types_and_label_coding():
    X, y = datasets.load_breast_cancer()
    assert X.shape == (569, 30) and X.dtype == np.float64
    assert y.shape == (569,) and y.dtype == np.int64
    assert np.sum(y == 1) == 212 and np.sum(y == 0) == 357  # 1 = malignant
    features, classes = datasets.breast_cancer_names()
    assert len(features) == 30 and features[0] == "mean radius"
    assert classes == ["benign", "malignant"]
    # malignant masses are larger on average (a sanity check that labels were not flipped)
    assert X[y == 1, 0].mean() > X[y == 0, 0].mean()


def test_digits_shapes_types_and_pixel_range():
    X, y = datasets.load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0 and X.max() == 16 and np.all(X == np.round(X))
    assert sorted(np.unique(y)) == list(range(10))
    assert datasets.DIGITS_CLASS_NAMES == [str(d) for d in range(10)]


def test_loaders_return_fresh_arrays():
    X, _ = datasets.load_digits()
    X[:] = -1
    assert datasets.load_digits()[0].min() == 0


@pytest.mark.parametrize("name, truth", [("and", [0, 0, 0, 1]), ("or", [0, 1, 1, 1]), ("xor", [0, 1, 1, 0]),
                                         ("nand", [1, 1, 1, 0]), ("nor", [1, 0, 0, 0])])
def test_logic_gates_are_truth_tables(name, truth):
    X, y = datasets.logic_gate(name)
    assert X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, truth)
    ops = {"and": np.logical_and, "or": np.logical_or, "xor": np.logical_xor,
           "nand": lambda a, b: ~np.logical_and(a, b), "nor": lambda a, b: ~np.logical_or(a, b)}
    np.testing.assert_array_equal(y, ops[name](X[:, 0] > 0, X[:, 1] > 0))


def test_unknown_logic_gate_lists_the_known_ones():
    with pytest.raises(ValueError, match="and, or, xor, nand, nor"):
        datasets.logic_gate("implies")


GENERATORS = [
    (datasets.make_moons, dict(n=201), 2),
    (datasets.make_circles, dict(n=201), 2),
    (datasets.make_spirals, dict(n=301, n_classes=2), 2),
    (datasets.make_spirals, dict(n=301, n_classes=3), 3),
]


@pytest.mark.parametrize("make, kwargs, n_classes", GENERATORS)
def test_generators_give_balanced_shuffled_batch_first_data(make, kwargs, n_classes):
    X, y = make(**kwargs, seed=0)
    n = kwargs["n"]
    assert X.shape == (n, 2) and X.dtype == np.float64 and np.all(np.isfinite(X))
    assert y.shape == (n,) and y.dtype == np.int64
    counts = np.bincount(y, minlength=n_classes)
    assert len(counts) == n_classes and counts.max() - counts.min() <= 1
    assert 0 < np.sum(np.diff(y) != 0)  # classes are interleaved, not in blocks
    X_again, y_again = make(**kwargs, seed=0)
    np.testing.assert_array_equal(X, X_again)
    np.testing.assert_array_equal(y, y_again)
    assert not np.array_equal(make(**kwargs, seed=1)[0], X)


def test_circles_have_the_small_circle_inside():
    X, y = datasets.make_circles(400, noise=0.0, factor=0.4)
    radius = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(radius[y == 0], 1.0)
    np.testing.assert_allclose(radius[y == 1], 0.4)


def test_moons_without_noise_lie_on_their_half_circles():
    X, y = datasets.make_moons(100, noise=0.0)
    np.testing.assert_allclose(np.linalg.norm(X[y == 0], axis=1), 1.0)
    np.testing.assert_allclose(np.linalg.norm(X[y == 1] - [1.0, 0.5], axis=1), 1.0)


def test_xor_labels_points_by_the_signs_of_their_coordinates():
    X, y = datasets.make_xor(500, noise=0.0, seed=4)
    assert X.shape == (500, 2) and X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int))
    assert 200 < y.sum() < 300  # about half the quadrants' points
    np.testing.assert_array_equal(datasets.make_xor(50, seed=1)[0], datasets.make_xor(50, seed=1)[0])


def test_regression_sets():
    X, y = datasets.make_regression(50, n_features=3, noise=0.0, kind="linear", seed=0)
    assert X.shape == (50, 3) and y.shape == (50,) and y.dtype == np.float64
    np.testing.assert_allclose(y, X @ [1, -0.5, 0.25] + 0.5)
    X, y = datasets.make_regression(50, noise=0.0, seed=0)
    np.testing.assert_allclose(y, np.sin(np.pi * X[:, 0]))
    assert np.all(np.abs(X) <= 1)
    noisy = datasets.make_regression(50, noise=0.3, seed=0)[1]
    assert 0.1 < np.std(noisy - y) < 0.6


@pytest.mark.parametrize("call", [
    lambda: datasets.make_moons(n=1),
    lambda: datasets.make_moons(noise=-0.1),
    lambda: datasets.make_circles(factor=1.5),
    lambda: datasets.make_spirals(n_classes=4),
    lambda: datasets.make_spirals(n=2, n_classes=3),
    lambda: datasets.make_regression(n=10.5),
    lambda: datasets.make_regression(n_features=0),
    lambda: datasets.make_regression(kind="cubic"),
    lambda: datasets.make_xor(noise=-0.1),
])
def test_generators_reject_bad_arguments(call):
    with pytest.raises(ValueError):
        call()
