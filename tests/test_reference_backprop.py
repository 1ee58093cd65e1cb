"""The reference backward pass (notebook 06) against numerical gradients, on random networks."""
import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nncourse.reference as ref

HIDDEN = ["linear", "sigmoid", "tanh", "relu", "leaky_relu"]
# (loss, output activation, output units): every pairing the course can train
OUTPUTS = [("bce", "sigmoid", 1), ("ce", "softmax", 3), ("mse", "linear", 2), ("mse", "sigmoid", 1),
           ("mse", "tanh", 2), ("mse", "softmax", 3), ("bce", "linear", 1), ("ce", "sigmoid", 3),
           ("mse", "relu", 2), ("bce", "tanh", 1)]


def targets(loss, m, n_out, rng):
    if loss == "ce":
        return rng.integers(0, n_out, m)
    if loss == "bce":
        return rng.integers(0, 2, m)
    return rng.standard_normal((m, n_out)) if n_out > 1 else rng.standard_normal(m)


def network_cost(X, y, params, activations, loss):
    A_L, _ = ref.forward(X, params, activations)
    if loss == "bce" and activations[-1] in ("linear", "tanh"):
        A_L = np.clip(A_L, 0, 1)  # those outputs are only probabilities on [0, 1]; we keep them there
    return ref.cost(A_L, y, loss)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), depth=st.integers(1, 4), m=st.integers(1, 6),
       output=st.sampled_from(OUTPUTS), data=st.data())
def test_backward_matches_numerical_gradients_of_random_networks(seed, depth, m, output, data):
    loss, out_act, n_out = output
    hidden = data.draw(st.lists(st.sampled_from(HIDDEN), min_size=depth - 1, max_size=depth - 1))
    activations = hidden + [out_act]
    rng = np.random.default_rng(seed)
    sizes = [int(rng.integers(1, 5)) for _ in range(depth)] + [n_out]
    params = ref.init_params(sizes, seed=seed)
    params = [(W, rng.standard_normal(b.shape) * 0.1) for W, b in params]  # non-zero biases
    X = rng.standard_normal((m, sizes[0]))
    y = targets(loss, m, n_out, rng)
    if loss == "bce" and out_act in ("linear", "tanh"):
        params[-1] = (params[-1][0] * 0.05, params[-1][1] * 0 + 0.5)  # outputs well inside (0, 1)

    A_L, caches = ref.forward(X, params, activations)
    if loss == "bce" and out_act in ("linear", "tanh"):
        assert np.all((A_L > 0) & (A_L < 1))
    dZ_L = ref.output_gradient(A_L, caches[-1][1], y, loss, out_act)
    grads = ref.backward(dZ_L, caches, params, activations)

    kinks = [Z for (_, Z), name in zip(caches, activations) if name in ("relu", "leaky_relu")]
    if any(np.min(np.abs(Z)) < 1e-4 for Z in kinks):
        return  # a pre-activation sits on a kink, where the numerical gradient is meaningless
    if loss != "mse" and np.any((A_L < 1e-10) | (A_L > 1 - 1e-10)):
        return  # a probability within reach of the cost's clip at 1e-12, where the cost is flat
    for l, (W, b) in enumerate(params):
        for array, grad in ((W, grads[l][0]), (b, grads[l][1])):
            assert grad.shape == array.shape
            numeric = ref.numerical_gradient(lambda _: network_cost(X, y, params, activations, loss), array)
            # rtol for the big entries; atol for tiny ones, where round-off in f (~1e-16 / eps)
            # dominates the centred difference
            np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8,
                                       err_msg=f"layer {l + 1} of {activations} with {loss}")


def test_output_gradient_uses_the_simplified_form_for_matching_pairs():
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((7, 3))
    y = rng.integers(0, 3, 7)
    A = ref.softmax(Z)
    np.testing.assert_allclose(ref.output_gradient(A, Z, y, "ce", "softmax"), (A - np.eye(3)[y]) / 7)
    Z1 = Z[:, :1]
    y1 = y % 2
    A1 = ref.sigmoid(Z1)
    dZ = ref.output_gradient(A1, Z1, y1, "bce", "sigmoid")
    np.testing.assert_allclose(dZ, (A1 - y1[:, None]) / 7)
    np.testing.assert_allclose(ref.output_gradient(A1[:, 0:1], Z1, y1.reshape(-1, 1), "bce", "sigmoid"), dZ)


def test_output_gradient_keeps_float32():
    Z = np.random.default_rng(1).standard_normal((7, 3)).astype(np.float32)
    y = np.array([0, 1, 2, 0, 1, 2, 0])
    for loss, act in (("ce", "softmax"), ("mse", "tanh"), ("ce", "sigmoid")):
        A = ref.activate(Z, act)
        target = y if loss == "ce" else Z * 2
        assert ref.output_gradient(A, Z, target, loss, act).dtype == np.float32


def test_dense_backward_shapes_and_values():
    rng = np.random.default_rng(2)
    dZ, A_prev, W = rng.standard_normal((7, 3)), rng.standard_normal((7, 5)), rng.standard_normal((5, 3))
    dA_prev, dW, db = ref.dense_backward(dZ, A_prev, W)
    assert (dA_prev.shape, dW.shape, db.shape) == ((7, 5), (5, 3), (3,))
    # the gradients of the scalar sum(dZ * Z), whose gradient with respect to Z is dZ
    b = np.zeros(3)
    f = lambda _: np.sum(dZ * (A_prev @ W + b))  # noqa: E731
    for analytic, x in ((dA_prev, A_prev), (dW, W), (db, b)):
        assert ref.relative_error(analytic, ref.numerical_gradient(f, x)) < 1e-7


def test_activation_backward_multiplies_by_the_derivative_at_z_and_refuses_softmax():
    rng = np.random.default_rng(3)
    dA, Z = rng.standard_normal((7, 3)), rng.standard_normal((7, 3))
    for name in ("linear", "step", "sigmoid", "tanh", "relu", "leaky_relu"):
        np.testing.assert_allclose(ref.activation_backward(dA, Z, name), dA * ref.activation_derivative(Z, name))
    with pytest.raises(ValueError, match="softmax"):
        ref.activation_backward(dA, Z, "softmax")
    with pytest.raises(ValueError, match="shape"):
        ref.activation_backward(dA, Z[:, :2], "relu")


def test_backward_leaves_caches_and_params_alone_and_checks_lengths():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((7, 5))
    params = ref.init_params([5, 4, 3], seed=1)
    acts = ["relu", "softmax"]
    A_L, caches = ref.forward(X, params, acts)
    dZ_L = ref.output_gradient(A_L, caches[-1][1], rng.integers(0, 3, 7), "ce", "softmax")
    snapshot = copy.deepcopy((dZ_L, caches, params))
    ref.backward(dZ_L, caches, params, acts)
    for before, after in zip(np.concatenate([np.ravel(a) for a in _arrays(snapshot)]),
                             np.concatenate([np.ravel(a) for a in _arrays((dZ_L, caches, params))])):
        assert before == after
    with pytest.raises(ValueError, match="got 1 caches, 2 layers of params and 2 activations"):
        ref.backward(dZ_L, caches[:1], params, acts)


def _arrays(nested):
    if isinstance(nested, np.ndarray):
        return [nested]
    return [a for item in nested for a in _arrays(item)]


def test_backward_keeps_float32():
    X = np.random.default_rng(5).standard_normal((7, 5)).astype(np.float32)
    params = [(W.astype(np.float32), b.astype(np.float32)) for W, b in ref.init_params([5, 4, 1])]
    acts = ["relu", "sigmoid"]
    A_L, caches = ref.forward(X, params, acts)
    grads = ref.backward(ref.output_gradient(A_L, caches[-1][1], np.ones(7, int), "bce", "sigmoid"),
                         caches, params, acts)
    assert all(g.dtype == np.float32 for pair in grads for g in pair)


def test_numerical_gradient_of_any_shape_restores_x():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 3, 4))
    before = x.copy()
    grad = ref.numerical_gradient(lambda v: np.sum(v**3), x)
    assert grad.shape == x.shape
    np.testing.assert_allclose(grad, 3 * before**2, rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(x, before)

    def failing(v):
        raise RuntimeError("boom")
    with pytest.raises(RuntimeError):
        ref.numerical_gradient(failing, x)
    np.testing.assert_array_equal(x, before)
    with pytest.raises(ValueError):
        ref.numerical_gradient(lambda v: 0.0, [1.0, 2.0])


def test_relative_error_follows_its_formula():
    a, b = np.array([1.0, 0.0, 2.0]), np.array([1.0, 1e-10, 1.0])
    assert ref.relative_error(a, b) == pytest.approx(1 / 3)
    assert ref.relative_error(a, a) == 0.0
    assert ref.relative_error(np.zeros(2), np.array([0, 1e-10])) == pytest.approx(1e-2)


@pytest.mark.parametrize("loss, activation, n_out", [("ce", "softmax", 3), ("bce", "sigmoid", 1), ("mse", "tanh", 2)])
def test_output_gradient_names_targets_that_do_not_fit_the_output(loss, activation, n_out):
    Z = np.zeros((7, n_out))
    A = ref.activate(Z, activation)
    with pytest.raises(ValueError, match=r"does not fit A_L \(7, "):
        ref.output_gradient(A, Z, np.zeros(6, dtype=int), loss, activation)
