"""The reference optimisers, training loops (train, fit), evaluation and model files (notebooks 07 and 08)."""
import copy

import numpy as np
import pytest

import nncourse.reference as ref
from nncourse import datasets


def float32(params):
    return [(W.astype(np.float32), b.astype(np.float32)) for W, b in params]


# --- 07 optimisers -------------------------------------------------------------------------------

def test_gd_update_returns_new_params_and_leaves_inputs_alone():
    params = ref.init_params([5, 4, 3], seed=0)
    grads = ref.init_params([5, 4, 3], seed=1)
    grads = [(dW, dW[0] + 1) for dW, _ in grads]
    snapshot = copy.deepcopy((params, grads))
    new = ref.gd_update(params, grads, 0.1)
    assert isinstance(new, list) and len(new) == 2
    for (W, b), (dW, db), (W_new, b_new) in zip(params, grads, new):
        np.testing.assert_allclose(W_new, W - 0.1 * dW)
        np.testing.assert_allclose(b_new, b - 0.1 * db)
        assert not np.shares_memory(W_new, W) and not np.shares_memory(W_new, dW)
    for (W, b), (W0, b0) in zip(params + grads, snapshot[0] + snapshot[1]):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)


def test_gd_update_rejects_mismatched_grads():
    params = ref.init_params([5, 4, 3])
    with pytest.raises(ValueError, match="layer 2"):
        ref.gd_update(params, [params[0], (np.ones((3, 4)), np.ones(3))], 0.1)
    with pytest.raises(ValueError, match="params has 2 layers but grads has 1"):
        ref.gd_update(params, params[:1], 0.1)


def quadratic_grads(params, targets):
    """Gradients of 0.5 * sum((theta - target)^2) over every parameter array."""
    return [(W - tW, b - tb) for (W, b), (tW, tb) in zip(params, targets)]


def distance(params, targets):
    return sum(np.sum((W - tW) ** 2) + np.sum((b - tb) ** 2) for (W, b), (tW, tb) in zip(params, targets))


@pytest.mark.parametrize("name, lr", [("sgd", 0.1), ("momentum", 0.1), ("adam", 0.05)])
def test_every_optimizer_descends_a_quadratic_without_touching_its_inputs(name, lr):
    params = float32(ref.init_params([4, 3, 2], seed=0))
    targets = float32(ref.init_params([4, 3, 2], seed=1))
    opt = ref.OPTIMIZERS[name](lr)
    start = distance(params, targets)
    for _ in range(200):
        grads = quadratic_grads(params, targets)
        snapshot = copy.deepcopy((params, grads))
        new = opt.step(params, grads)
        for a, b in zip(sum(map(list, params + grads), []), sum(map(list, snapshot[0] + snapshot[1]), [])):
            np.testing.assert_array_equal(a, b)
        params = new
    assert distance(params, targets) < 1e-3 * start
    assert all(p.dtype == np.float32 for pair in params for p in pair)


def test_first_steps_follow_the_update_rules():
    params = [(np.array([[1.0, -2.0]]), np.array([0.5, 0.0]))]
    grads = [(np.array([[0.4, -0.2]]), np.array([1.0, 0.0]))]
    (W,), = [ref.SGD(0.5).step(params, grads)[0][:1]]
    np.testing.assert_allclose(W, [[0.8, -1.9]])
    momentum = ref.Momentum(0.5, beta=0.9)
    W1 = momentum.step(params, grads)[0][0]
    np.testing.assert_allclose(W1, [[1 - 0.5 * 0.1 * 0.4, -2 + 0.5 * 0.1 * 0.2]])  # v = (1 - beta) g
    W2 = momentum.step(params, grads)[0][0]
    np.testing.assert_allclose(W2, [[1 - 0.5 * 0.19 * 0.4, -2 + 0.5 * 0.19 * 0.2]])  # v = 0.9 v + 0.1 g
    adam = ref.Adam(0.01)
    W_adam, b_adam = adam.step(params, grads)[0]
    np.testing.assert_allclose(W_adam, [[0.99, -1.99]], rtol=1e-6)  # first step: lr * sign(g)
    np.testing.assert_allclose(b_adam, [0.49, 0.0], atol=1e-9)


@pytest.mark.parametrize("name", ["momentum", "adam"])
def test_an_optimizer_with_state_refuses_a_network_of_other_shapes(name):
    opt = ref.OPTIMIZERS[name](0.1)
    small, large = ref.init_params([3, 2]), ref.init_params([4, 2])
    opt.step(small, small)
    with pytest.raises(ValueError, match="other shapes"):
        opt.step(large, large)


def test_optimizers_reject_bad_settings():
    assert set(ref.OPTIMIZERS) == {"sgd", "momentum", "adam"}
    with pytest.raises(ValueError, match="learning_rate"):
        ref.SGD(-0.1)
    with pytest.raises(ValueError, match="beta"):
        ref.Momentum(0.1, beta=1.0)
    with pytest.raises(ValueError, match="beta2"):
        ref.Adam(0.1, beta2=-0.5)
    with pytest.raises(ValueError, match="eps"):
        ref.Adam(0.1, eps=0.0)


def test_optimizers_keep_float32_with_a_numpy_float64_learning_rate():
    params = float32(ref.init_params([4, 3, 2], seed=0))
    for name in ref.OPTIMIZERS:
        new = ref.OPTIMIZERS[name](np.float64(0.1)).step(params, params)
        assert all(p.dtype == np.float32 for pair in new for p in pair), name


# --- 07 mini-batches and training ----------------------------------------------------------------

def test_minibatches_cover_every_example_once_in_shuffled_aligned_batches():
    X = np.arange(23 * 2, dtype=float).reshape(23, 2)
    y = np.arange(23)
    batches = list(ref.minibatches(X, y, 5, np.random.default_rng(0)))
    assert [len(yb) for _, yb in batches] == [5, 5, 5, 5, 3]
    seen = np.concatenate([yb for _, yb in batches])
    assert sorted(seen) == list(range(23)) and not np.array_equal(seen, np.arange(23))
    for Xb, yb in batches:
        np.testing.assert_array_equal(Xb[:, 0], 2 * yb)  # rows stay with their labels
    other = np.concatenate([yb for _, yb in ref.minibatches(X, y, 5, np.random.default_rng(1))])
    assert not np.array_equal(seen, other)
    assert len(list(ref.minibatches(X, y, 100, np.random.default_rng(0)))) == 1


@pytest.mark.parametrize("batch_size, rng", [(0, np.random.default_rng(0)), (2.5, np.random.default_rng(0)),
                                             (5, 0)])
def test_minibatches_rejects_bad_arguments(batch_size, rng):
    with pytest.raises(ValueError):
        list(ref.minibatches(np.ones((6, 2)), np.ones(6), batch_size, rng))


def test_train_learns_xor_and_records_one_float_cost_per_epoch():
    X, y = datasets.logic_gate("xor")
    params, history = ref.train(X, y, [2, 8, 1], ["tanh", "sigmoid"], "bce", learning_rate=1.0, epochs=500)
    np.testing.assert_array_equal(ref.predict(X, params, ["tanh", "sigmoid"]), y)
    assert type(history) is list and len(history) == 500 and history[-1] < 0.1 * history[0]
    assert all(isinstance(c, float) for c in history)


def test_train_takes_exactly_the_steps_of_the_functions_it_is_built_from():
    X, y = datasets.make_spirals(60, n_classes=3, seed=4)
    sizes, acts = [2, 6, 3], ["relu", "softmax"]
    params, history = ref.train(X, y, sizes, acts, "ce", learning_rate=0.3, epochs=3, batch_size=25, seed=2)
    expected, costs = ref.init_params(sizes, seed=2), []
    rng = np.random.default_rng(2)
    for _ in range(3):
        total = 0.0
        for X_batch, y_batch in ref.minibatches(X, y, 25, rng):
            A_L, caches = ref.forward(X_batch, expected, acts)
            total += ref.cost(A_L, y_batch, "ce") * len(X_batch)
            grads = ref.backward(ref.output_gradient(A_L, caches[-1][1], y_batch, "ce", "softmax"),
                                 caches, expected, acts)
            expected = ref.gd_update(expected, grads, 0.3)
        costs.append(total / len(X))
    assert history == costs
    for (W, b), (W_expected, b_expected) in zip(params, expected):
        np.testing.assert_array_equal(W, W_expected)
        np.testing.assert_array_equal(b, b_expected)


def test_train_fits_a_regression_with_mse():
    X, y = datasets.make_regression(100, noise=0.1, seed=0)
    params, history = ref.train(X, y, [1, 16, 1], ["tanh", "linear"], "mse", learning_rate=0.1, epochs=800)
    assert history[-1] < 0.05
    A, _ = ref.forward(X, params, ["tanh", "linear"])
    assert ref.rmse(A, y) < 0.25


def test_history_first_cost_is_the_cost_of_the_initial_network():
    X, y = datasets.make_circles(50, seed=1)
    sizes, acts = [2, 5, 1], ["tanh", "sigmoid"]
    _, history = ref.train(X, y, sizes, acts, "bce", epochs=3, seed=7)
    A_L, _ = ref.forward(X, ref.init_params(sizes, seed=7), acts)
    assert history[0] == pytest.approx(ref.binary_cross_entropy(A_L, y))


@pytest.mark.parametrize("trainer", [ref.train, ref.fit], ids=["train", "fit"])
def test_training_is_reproducible_keeps_float32_and_leaves_data_alone(trainer):
    X, y = datasets.make_spirals(90, seed=2)
    X32 = X.astype(np.float32)
    before = X32.copy()
    run = lambda seed: trainer(X32, y, [2, 8, 2], ["tanh", "softmax"], "ce", epochs=5,  # noqa: E731
                               batch_size=16, seed=seed)
    (p1, h1), (p2, h2), (p3, h3) = run(0), run(0), run(1)
    assert list(h1) == list(h2) and list(h1) != list(h3)
    for (W1, b1), (W2, b2) in zip(p1, p2):
        np.testing.assert_array_equal(W1, W2)
        np.testing.assert_array_equal(b1, b2)
    assert not np.array_equal(p1[0][0], p3[0][0])
    assert all(a.dtype == np.float32 for pair in p1 for a in pair)
    np.testing.assert_array_equal(X32, before)


# --- 07 fit: train with an optimiser, validation data, a progress bar and a callback -------------

def test_fit_with_sgd_takes_trains_steps_and_adds_the_training_accuracy():
    X, y = datasets.make_moons(80, noise=0.2, seed=3)
    args = (X, y, [2, 6, 1], ["tanh", "sigmoid"], "bce")
    params, history = ref.train(*args, learning_rate=0.5, epochs=4, batch_size=16, seed=1)
    fitted, fit_history = ref.fit(*args, learning_rate=0.5, epochs=4, batch_size=16, seed=1)
    assert list(fit_history) == history
    for (W, b), (W_fit, b_fit) in zip(params, fitted):
        np.testing.assert_array_equal(W, W_fit)
        np.testing.assert_array_equal(b, b_fit)
    assert fit_history.accuracy[-1] == ref.accuracy(ref.predict(X, fitted, ["tanh", "sigmoid"]), y)
    assert fit_history.val_loss == fit_history.val_accuracy == []


def test_fit_separates_moons_with_adam_and_minibatches():
    X, y = datasets.make_moons(200, noise=0.1, seed=0)
    acts = ["relu", "relu", "sigmoid"]
    params, _ = ref.fit(X, y, [2, 16, 16, 1], acts, "bce", learning_rate=0.05, epochs=100,
                        batch_size=16, optimizer="adam")
    assert ref.accuracy(ref.predict(X, params, acts), y) >= 0.97


def test_fit_classifies_three_spirals_with_cross_entropy():
    X, y = datasets.make_spirals(300, n_classes=3, seed=0)
    acts = ["relu", "relu", "softmax"]
    _, history = ref.fit(X, y, [2, 64, 64, 3], acts, "ce", learning_rate=0.01, epochs=200,
                         batch_size=32, optimizer=ref.Adam(0.01))
    assert history.accuracy[-1] >= 0.95


def test_fit_with_momentum_on_mse_records_no_accuracy():
    X, y = datasets.make_regression(100, noise=0.1, seed=0)
    _, history = ref.fit(X, y, [1, 16, 1], ["tanh", "linear"], "mse", learning_rate=0.1, epochs=500,
                         optimizer="momentum")
    assert history[-1] < 0.05 and history.accuracy == []


def test_breast_cancer_reaches_95_percent_test_accuracy():
    X, y = datasets.load_breast_cancer()
    X_train, X_test, y_train, y_test = ref.train_test_split(X, y, 0.2, seed=0)
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    acts = ["relu", "sigmoid"]
    params, _ = ref.train(ref.standardize(X_train, mean, std), y_train, [30, 16, 1], acts, "bce",
                          learning_rate=0.1, epochs=60, batch_size=32)
    assert ref.accuracy(ref.predict(ref.standardize(X_test, mean, std), params, acts), y_test) >= 0.95


def test_digits_reach_95_percent_test_accuracy_with_validation_curves():
    X, y = datasets.load_digits()
    X_train, X_test, y_train, y_test = ref.train_test_split(X / 16, y, 0.2, seed=0)
    acts = ["relu", "softmax"]
    params, history = ref.fit(X_train, y_train, [64, 64, 10], acts, "ce", learning_rate=0.1,
                              epochs=30, batch_size=32, X_val=X_test, y_val=y_test)
    assert ref.accuracy(ref.predict(X_test, params, acts), y_test) >= 0.95
    assert history.val_accuracy[-1] == ref.accuracy(ref.predict(X_test, params, acts), y_test)
    A_test, _ = ref.forward(X_test, params, acts)
    assert history.val_loss[-1] == ref.cross_entropy(A_test, y_test)


def test_fit_records_validation_curves_and_calls_back_every_epoch():
    X, y = datasets.make_moons(120, seed=0)
    X_val, y_val = datasets.make_moons(40, seed=1)
    seen = []

    def callback(epoch, params, history):
        seen.append((epoch, len(history), params[0][0].copy()))

    _, history = ref.fit(X, y, [2, 8, 1], ["relu", "sigmoid"], "bce", epochs=7, batch_size=32,
                         X_val=X_val, y_val=y_val, callback=callback)
    assert [(e, n) for e, n, _ in seen] == [(e, e + 1) for e in range(7)]
    assert not np.array_equal(seen[0][2], seen[-1][2])  # the weights moved
    assert len(history) == len(history.accuracy) == len(history.val_loss) == len(history.val_accuracy) == 7
    assert all(0 <= a <= 1 for a in history.accuracy + history.val_accuracy)


def test_fit_shows_a_progress_bar_only_when_asked(capsys):
    X, y = datasets.logic_gate("and")
    ref.fit(X, y, [2, 1], ["sigmoid"], "bce", epochs=4, progress=True)
    err = capsys.readouterr().err
    assert "4/4" in err and "loss" in err and "accuracy" in err
    ref.fit(X, y, [2, 1], ["sigmoid"], "bce", epochs=4)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("trainer, kwargs, message", [
    (ref.train, dict(loss="hinge"), "loss must be 'mse', 'bce' or 'ce'"),
    (ref.train, dict(activations=["sigmoid", "sigmoid"]), "1 layers need 1 activations, got 2"),
    (ref.train, dict(layer_sizes=[2, 0]), "positive integers"),
    (ref.train, dict(batch_size=0), "batch_size"),
    (ref.train, dict(y=np.array([0, 1, 2, 1]), layer_sizes=[2, 2], loss="ce"), "outside 0..1"),
    (ref.fit, dict(optimizer="lbfgs"), "known optimizers: sgd, momentum, adam"),
    (ref.fit, dict(X_val=np.ones((2, 2))), "both X_val and y_val"),
    (ref.fit, dict(loss="hinge"), "known losses"),
], ids=lambda value: getattr(value, "__name__", None))
def test_training_names_the_problem_with_its_arguments(trainer, kwargs, message):
    X, y = datasets.logic_gate("or")
    args = dict(X=X, y=y, layer_sizes=[2, 1], activations=["sigmoid"], loss="bce", epochs=1)
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        trainer(**args)


# --- 08 evaluation -------------------------------------------------------------------------------

def test_train_test_split_is_a_shuffled_partition_with_the_promised_size():
    X = np.arange(30, dtype=float).reshape(15, 2)
    y = np.arange(15)
    X_train, X_test, y_train, y_test = ref.train_test_split(X, y, test_fraction=0.3, seed=0)
    assert len(X_test) == len(y_test) == round(0.3 * 15) and len(X_train) == 15 - len(X_test)
    assert sorted(np.concatenate([y_train, y_test])) == list(range(15))
    np.testing.assert_array_equal(X_train[:, 0], 2 * y_train)
    np.testing.assert_array_equal(X_test[:, 0], 2 * y_test)
    assert not np.array_equal(np.concatenate([y_train, y_test]), np.arange(15))
    assert not np.array_equal(ref.train_test_split(X, y, 0.3, seed=1)[3], y_test)
    with pytest.raises(ValueError):
        ref.train_test_split(X, y[:-1])


def test_standardize_centres_scales_and_only_centres_constant_columns():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(5, 3, 50), np.full(50, 7.0), rng.normal(-2, 0.1, 50)])
    mean, std = X.mean(axis=0), X.std(axis=0)
    Xs = ref.standardize(X, mean, std)
    assert np.all(np.isfinite(Xs))
    np.testing.assert_allclose(Xs.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Xs.std(axis=0), [1, 0, 1])
    X32 = X.astype(np.float32)
    mean32, std32 = X32.mean(axis=0), X32.std(axis=0)
    assert ref.standardize(X32, mean32, std32).dtype == np.float32
    with pytest.raises(ValueError, match="one mean and one std per column"):
        ref.standardize(X, mean[:2], std[:2])


def test_accuracy_and_confusion_matrix():
    y_true = np.array([0, 0, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 2, 0, 2])
    assert ref.accuracy(y_pred, y_true) == pytest.approx(4 / 6)
    assert ref.accuracy(y_pred.reshape(-1, 1), y_true) == pytest.approx(4 / 6)
    C = ref.confusion_matrix(y_pred, y_true, 3)
    np.testing.assert_array_equal(C, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])  # rows: true class
    assert C.dtype.kind == "i" and C.sum() == 6 and np.trace(C) == 4
    assert ref.confusion_matrix(y_pred, y_true, 4).shape == (4, 4)
    with pytest.raises(ValueError, match="outside 0..1"):
        ref.confusion_matrix(y_pred, y_true, 2)
    with pytest.raises(ValueError):
        ref.accuracy(y_pred, y_true[:-1])


# --- 08 saving and loading -----------------------------------------------------------------------

def test_save_and_load_round_trip_predicts_the_same(tmp_path):
    X, y = datasets.load_breast_cancer()
    mean, std = X.mean(axis=0), X.std(axis=0)
    acts = ["relu", "sigmoid"]
    params, _ = ref.train(ref.standardize(X, mean, std), y, [30, 8, 1], acts, "bce", epochs=20)
    path = ref.save_model(tmp_path / "cancer", params, acts, mean=mean, std=std,
                          class_names=["benign", "malignant"])
    assert path.name == "cancer.npz" and path.exists()
    model = ref.load_model(path)
    assert model.activations == acts and model.class_names == ["benign", "malignant"]
    for (W, b), (W2, b2) in zip(params, model.params):
        np.testing.assert_array_equal(W, W2)
        np.testing.assert_array_equal(b, b2)
    # the model standardises raw inputs itself
    np.testing.assert_array_equal(model.predict(X), ref.predict(ref.standardize(X, mean, std), params, acts))


def test_model_without_standardisation_predicts_on_inputs_as_given(tmp_path):
    params = ref.init_params([4, 3], seed=0)
    model = ref.load_model(ref.save_model(tmp_path / "m.npz", params, ["softmax"]))
    X = np.random.default_rng(0).standard_normal((5, 4))
    np.testing.assert_array_equal(model.predict(X), ref.predict(X, params, ["softmax"]))
    assert model.mean is None and model.class_names is None


def test_load_model_rejects_files_that_are_not_models(tmp_path):
    np.savez(tmp_path / "other.npz", a=np.ones(3))
    np.save(tmp_path / "plain.npy", np.ones(3))
    np.savez(tmp_path / "pickled.npz", format=np.array(["nncourse-model-1"], dtype=object))
    (tmp_path / "text.npz").write_text("hello")
    for name in ("other.npz", "plain.npy", "pickled.npz", "text.npz", "missing.npz"):
        with pytest.raises(ValueError, match="not an nncourse model"):
            ref.load_model(tmp_path / name)


@pytest.mark.parametrize("name", ["momentum", "adam"])
def test_a_failed_step_changes_no_state(name):
    opt = ref.OPTIMIZERS[name](0.1)
    small = ref.init_params([3, 2, 2])
    opt.step(small, small)
    state = copy.deepcopy(vars(opt))
    other = [small[0], (np.ones((2, 5)), np.ones(5))]  # layer 1 fits, layer 2 does not
    with pytest.raises(ValueError, match="other shapes"):
        opt.step(other, other)
    after = vars(opt)
    for key, value in state.items():
        if isinstance(value, dict):
            assert value.keys() == after[key].keys()
            for l in value:
                np.testing.assert_equal(after[key][l], value[l])
