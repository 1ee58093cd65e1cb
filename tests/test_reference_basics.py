"""The reference implementations of notebooks 01-05: neuron, activations, layers, forward, costs."""
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import nncourse.reference as ref

ELEMENTWISE = ["linear", "step", "sigmoid", "tanh", "relu", "leaky_relu"]
FUNCTIONS = [ref.linear, ref.step, ref.sigmoid, ref.tanh, ref.relu, ref.leaky_relu, ref.softmax,
             ref.linear_derivative, ref.step_derivative, ref.sigmoid_derivative, ref.tanh_derivative,
             ref.relu_derivative, ref.leaky_relu_derivative]
finite = st.floats(-50, 50, allow_nan=False, width=64)


def test_all_names_are_exported_once_and_importable():
    assert len(ref.__all__) == len(set(ref.__all__))
    for name in ref.__all__:
        assert hasattr(ref, name), name


# --- 01 the neuron -------------------------------------------------------------------------------

def test_weighted_sum_gives_a_scalar_for_one_example_and_a_vector_for_a_batch():
    rng = np.random.default_rng(0)
    X, w = rng.standard_normal((7, 5)), rng.standard_normal(5)
    assert np.ndim(ref.weighted_sum(X[0], w)) == 0
    assert ref.weighted_sum(X[0], w) == pytest.approx(sum(X[0, j] * w[j] for j in range(5)))
    np.testing.assert_allclose(ref.weighted_sum(X, w), [ref.weighted_sum(x, w) for x in X])


def test_weighted_sum_rejects_mismatched_sizes():
    with pytest.raises(ValueError, match=r"x has shape \(7, 5\) and w has shape \(4,\)"):
        ref.weighted_sum(np.ones((7, 5)), np.ones(4))
    with pytest.raises(ValueError, match="must hold real numbers"):
        ref.weighted_sum(["a", "b"], np.ones(2))


def test_step_is_one_from_zero_on_and_float():
    z = np.array([-2.0, -1e-12, 0.0, 1e-12, 3.0])
    out = ref.step(z)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [0, 0, 1, 1, 1])
    assert ref.step(np.array([1, -1])).dtype.kind == "f"  # integers in, floats out


@pytest.mark.parametrize("gate, truth", [(ref.and_neuron, [0, 0, 0, 1]), (ref.or_neuron, [0, 1, 1, 1])])
def test_gate_neurons_compute_their_truth_table(gate, truth):
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    w, b = gate()
    assert np.shape(w) == (2,)
    np.testing.assert_array_equal(ref.neuron(X, w, b, ref.step), truth)
    assert [ref.neuron(x, w, b) for x in X] == truth  # one example at a time, step by default


# --- 02 activations ------------------------------------------------------------------------------

@given(arrays(np.float64, st.integers(1, 20), elements=st.floats(-1e4, 1e4)))
def test_sigmoid_is_in_the_unit_interval_symmetric_and_warning_free(z):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            s = ref.sigmoid(z)
            s_neg = ref.sigmoid(-z)
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(s + s_neg, 1.0, atol=1e-15)


def test_sigmoid_matches_the_formula_and_its_extremes():
    z = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(ref.sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-12)
    np.testing.assert_array_equal(ref.sigmoid(np.array([-1e4, 1e4])), [0.0, 1.0])
    assert ref.sigmoid(0.0) == 0.5  # scalars too
    assert ref.sigmoid(-745.0) > 0  # the tiny tail is kept, not rounded to 0


@given(arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 6)), elements=st.floats(-1e3, 1e3)))
def test_softmax_rows_are_probabilities_and_shift_invariant(Z):
    P = ref.softmax(Z)
    assert P.shape == Z.shape
    assert np.all((P >= 0) & (P <= 1))
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(ref.softmax(Z - 7.0), P, atol=1e-12)


def test_softmax_is_exact_for_huge_logits_and_works_on_one_row():
    expected = np.array([np.exp(1) / (1 + np.exp(1)), 1 / (1 + np.exp(1)), 0.0])
    np.testing.assert_allclose(ref.softmax(np.array([[1000.0, 999.0, 0.0]]))[0], expected, rtol=1e-12)
    np.testing.assert_allclose(ref.softmax(np.array([1000.0, 999.0, 0.0])), expected, rtol=1e-12)
    with pytest.raises(ValueError):
        ref.softmax(3.0)


def test_simple_activations_match_their_definitions():
    z = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
    np.testing.assert_array_equal(ref.relu(z), [0, 0, 0, 0.5, 3])
    np.testing.assert_allclose(ref.leaky_relu(z), [-0.03, -0.005, 0, 0.5, 3])
    np.testing.assert_allclose(ref.leaky_relu(z, alpha=0.2), [-0.6, -0.1, 0, 0.5, 3])
    np.testing.assert_allclose(ref.tanh(z), np.tanh(z))
    np.testing.assert_array_equal(ref.linear(z), z)
    np.testing.assert_array_equal(ref.relu_derivative(z), [0, 0, 0, 1, 1])
    np.testing.assert_allclose(ref.leaky_relu_derivative(z, alpha=0.2), [0.2, 0.2, 0.2, 1, 1])
    np.testing.assert_array_equal(ref.step_derivative(z), 0)
    assert ref.sigmoid_derivative(0.0) == pytest.approx(0.25)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivatives_match_numerical_derivatives_away_from_kinks(name):
    rng = np.random.default_rng(1)
    z = rng.uniform(-4, 4, size=(6, 5))
    z = z[np.abs(z) > 1e-3]  # relu, leaky relu and step have a kink at 0
    numeric = (ref.activate(z + 1e-6, name) - ref.activate(z - 1e-6, name)) / 2e-6
    np.testing.assert_allclose(ref.activation_derivative(z, name), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("func", FUNCTIONS, ids=lambda f: f.__name__)
def test_activations_keep_float32_and_the_shape_and_leave_the_input_alone(func):
    z = np.random.default_rng(2).standard_normal((7, 3)).astype(np.float32)
    before = z.copy()
    out = func(z)
    assert out.dtype == np.float32 and out.shape == z.shape
    np.testing.assert_array_equal(z, before)
    assert not np.shares_memory(out, z)


def test_activation_registry_knows_every_name_and_rejects_others():
    assert set(ref.ACTIVATIONS) == {"linear", "step", "sigmoid", "tanh", "relu", "leaky_relu", "softmax"}
    Z = np.array([[-1.0, 2.0]])
    np.testing.assert_array_equal(ref.activate(Z, "relu"), ref.relu(Z))
    with pytest.raises(ValueError, match="known activations: linear, step, sigmoid"):
        ref.activate(Z, "swish")
    with pytest.raises(ValueError, match="swish"):
        ref.activation_derivative(Z, "swish")
    with pytest.raises(ValueError, match="softmax"):
        ref.activation_derivative(Z, "softmax")


# --- 03 layers -----------------------------------------------------------------------------------

def test_dense_is_x_at_w_plus_b_and_checks_shapes():
    rng = np.random.default_rng(3)
    X, W, b = rng.standard_normal((7, 5)), rng.standard_normal((5, 3)), rng.standard_normal(3)
    np.testing.assert_allclose(ref.dense(X, W, b), X @ W + b)
    with pytest.raises(ValueError, match=r"X has shape \(7, 4\), W \(5, 3\) and b \(3,\)"):
        ref.dense(X[:, :4], W, b)
    with pytest.raises(ValueError, match=r"b \(2,\)"):
        ref.dense(X, W, b[:2])


def test_init_params_shapes_scale_and_seeding():
    sizes = [400, 300, 3]
    params = ref.init_params(sizes, seed=0)
    assert [(W.shape, b.shape) for W, b in params] == [((400, 300), (300,)), ((300, 3), (3,))]
    for (W, b), n_in in zip(params, sizes):
        assert 0.5 / np.sqrt(n_in) < W.std() < 2 / np.sqrt(n_in)
        np.testing.assert_array_equal(b, 0)
        assert len(np.unique(W[0])) == W.shape[1]  # no two units start alike
    again, other = ref.init_params(sizes, seed=0), ref.init_params(sizes, seed=1)
    assert all(np.array_equal(W, W2) for (W, _), (W2, _) in zip(params, again))
    assert not np.array_equal(params[0][0], other[0][0])


@pytest.mark.parametrize("bad", [[3], [3, 0, 1], [3, 2.5, 1]])
def test_init_params_rejects_bad_layer_sizes(bad):
    with pytest.raises(ValueError):
        ref.init_params(bad)


def test_count_params_counts_every_weight_and_bias():
    for sizes in ([2, 2, 1], [30, 16, 8, 1], [64, 10]):
        params = ref.init_params(sizes)
        assert ref.count_params(sizes) == sum(W.size + b.size for W, b in params)
        assert isinstance(ref.count_params(sizes), int)
    assert ref.count_params([2, 2, 1]) == 9


def test_xor_params_compute_xor_with_step_units():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    A, _ = ref.forward(X, ref.xor_params(), ["step", "step"])
    np.testing.assert_array_equal(A[:, 0], [0, 1, 1, 0])


# --- 04 forward ----------------------------------------------------------------------------------

def test_forward_caches_the_input_and_pre_activation_of_every_layer():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((7, 5))
    params = ref.init_params([5, 4, 3, 2], seed=4)
    acts = ["tanh", "relu", "softmax"]
    A_L, caches = ref.forward(X, params, acts)
    assert len(caches) == 3
    A = X
    for (A_prev, Z), (W, b), name in zip(caches, params, acts):
        np.testing.assert_array_equal(A_prev, A)
        np.testing.assert_allclose(Z, A @ W + b)
        A = ref.activate(Z, name)
    np.testing.assert_allclose(A_L, A)


def test_forward_says_which_shapes_do_not_fit():
    params = ref.init_params([5, 4, 3])
    with pytest.raises(ValueError, match=r"X has shape \(7, 6\), W \(5, 4\)"):
        ref.forward(np.ones((7, 6)), params, ["relu", "sigmoid"])
    bad = [params[0], (np.ones((3, 3)), np.zeros(3))]
    with pytest.raises(ValueError, match=r"X has shape \(7, 4\), W \(3, 3\)"):  # layer 1 gives 4 columns
        ref.forward(np.ones((7, 5)), bad, ["relu", "sigmoid"])
    with pytest.raises(ValueError, match="2 layers"):
        ref.forward(np.ones((7, 5)), params, ["relu"])
    with pytest.raises(ValueError, match="unknown activation"):
        ref.forward(np.ones((7, 5)), params, ["relu", "sigmod"])


def test_forward_keeps_float32():
    X = np.ones((7, 5), dtype=np.float32)
    params = [(W.astype(np.float32), b.astype(np.float32)) for W, b in ref.init_params([5, 4, 3])]
    A_L, caches = ref.forward(X, params, ["leaky_relu", "softmax"])
    assert A_L.dtype == np.float32 and all(Z.dtype == np.float32 for _, Z in caches)


def test_predict_thresholds_one_unit_at_a_half_and_takes_argmax_otherwise():
    X = np.array([[-1.0], [0.0], [2.0]])
    one_unit = [(np.array([[1.0]]), np.array([0.0]))]
    labels = ref.predict(X, one_unit, ["sigmoid"])
    np.testing.assert_array_equal(labels, [0, 1, 1])  # sigmoid(0) = 0.5 counts as class 1
    assert labels.dtype.kind == "i" and labels.shape == (3,)
    three_units = [(np.array([[1.0, 0.0, -1.0]]), np.zeros(3))]
    np.testing.assert_array_equal(ref.predict(X, three_units, ["softmax"]), [2, 0, 0])


# --- 05 costs ------------------------------------------------------------------------------------

def test_mse_and_rmse_are_means_over_all_elements():
    y_pred, y = np.array([[1.0, 2.0], [3.0, 5.0]]), np.array([[1.0, 0.0], [3.0, 1.0]])
    assert ref.mse(y_pred, y) == pytest.approx((4 + 16) / 4)
    assert ref.rmse(y_pred, y) == pytest.approx(np.sqrt(5))
    assert isinstance(ref.mse(y_pred, y), float)
    # (m, 1) predictions against (m,) targets: one value per example, not an (m, m) broadcast
    assert ref.mse(np.array([[1.0], [2.0], [4.0]]), np.array([1.0, 2.0, 3.0])) == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="shape"):
        ref.mse(np.ones((3, 2)), np.ones(4))


@given(arrays(np.float64, st.integers(1, 10), elements=st.floats(0, 1)), st.data())
def test_binary_cross_entropy_is_finite_nonnegative_and_shape_agnostic(p, data):
    y = data.draw(arrays(np.int64, p.shape, elements=st.integers(0, 1)))
    c = ref.binary_cross_entropy(p, y)
    assert np.isfinite(c) and c >= 0
    assert ref.binary_cross_entropy(p.reshape(-1, 1), y) == pytest.approx(c)


def test_binary_cross_entropy_formula_and_extremes():
    p, y = np.array([0.9, 0.2, 0.6]), np.array([1, 0, 0])
    assert ref.binary_cross_entropy(p, y) == pytest.approx(-np.mean([np.log(0.9), np.log(0.8), np.log(0.4)]))
    for dtype in (np.float64, np.float32):
        worst = ref.binary_cross_entropy(np.array([0.0, 1.0], dtype=dtype), np.array([1, 0]))
        assert np.isfinite(worst) and worst > 10
        assert ref.binary_cross_entropy(np.array([1.0, 0.0], dtype=dtype), np.array([1, 0])) < 1e-6


def test_cross_entropy_formula_zero_probabilities_and_bad_labels():
    P = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.5, 0.5, 0.0]])
    y = np.array([0, 2, 1])
    assert ref.cross_entropy(P, y) == pytest.approx(-np.mean(np.log([0.7, 0.8, 0.5])))
    assert np.isfinite(ref.cross_entropy(P, np.array([0, 2, 2]))) and ref.cross_entropy(P, np.array([0, 2, 2])) > 5
    with pytest.raises(ValueError, match="outside 0..2"):
        ref.cross_entropy(P, np.array([0, 3, 1]))


def test_cost_dispatches_by_loss_name():
    rng = np.random.default_rng(5)
    A = ref.softmax(rng.standard_normal((7, 3)))
    y = rng.integers(0, 3, 7)
    assert ref.cost(A, y, "ce") == ref.cross_entropy(A, y)
    assert ref.cost(A[:, :1], y % 2, "bce") == ref.binary_cross_entropy(A[:, :1], y % 2)
    assert ref.cost(A, A * 2, "mse") == ref.mse(A, A * 2)
    with pytest.raises(ValueError, match="known losses: mse, bce, ce"):
        ref.cost(A, y, "hinge")
    with pytest.raises(ValueError, match="hinge"):
        ref.output_gradient(A, A, y, "hinge", "softmax")


def test_costs_leave_their_inputs_alone():
    p = np.array([0.0, 0.5, 1.0])
    y = np.array([1, 0, 1])
    before = p.copy()
    ref.binary_cross_entropy(p, y)
    np.testing.assert_array_equal(p, before)
