"""nncourse.plots: every figure builds, says what it shows, renders, and rejects bad input."""
import ast
import io
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
from IPython.core.formatters import DisplayFormatter
from matplotlib.figure import Figure
from matplotlib.patches import Circle
from matplotlib.text import Text
from nbformat import read as read_notebook

from nncourse import plots, reference
from nncourse.datasets import load_digits, make_moons
from nncourse.plots.neuron import logic_gate_outputs
from nncourse.reference import History

ROOT = Path(__file__).resolve().parent.parent


def test_every_plots_name_a_notebook_uses_comes_from_nncourse_plots():
    used = set()
    for path in sorted((ROOT / "solutions").glob("*/*.ipynb")):
        for cell in read_notebook(path, as_version=4).cells:
            if cell.cell_type == "code":
                used |= {node.attr for node in ast.walk(ast.parse(cell.source)) if isinstance(node, ast.Attribute)
                         and isinstance(node.value, ast.Name) and node.value.id == "plots"}
    assert used, "the notebooks draw with nncourse.plots"
    assert sorted(name for name in used if name not in plots.__all__) == []


def texts(fig):
    """Every piece of text in the figure (titles, labels, annotations, legend entries)."""
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def all_text(fig):
    return "\n".join(texts(fig))


def renders(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert buffer.getvalue().startswith(b"\x89PNG")
    return buffer.getvalue()


def logistic_predict(Z):
    """P(class 1) for the moons: a fixed tilted line, a plausible but imperfect classifier."""
    return 1 / (1 + np.exp(-(Z[:, 0] - 2 * Z[:, 1] + 0.5) * 3))


@pytest.fixture(scope="module")
def moons():
    return make_moons(120, noise=0.1, seed=3)


# --------------------------------------------------------------------------- every function

def figure_cases():
    X, y = make_moons(80, noise=0.1, seed=1)
    history = History([1.0, 0.6, 0.4, 0.3])
    history.accuracy = [0.5, 0.7, 0.8, 0.9]
    digits_X, digits_y = load_digits()
    return [
        ("draw_neuron", lambda: plots.draw_neuron(3, "sigmoid"), 1, ["One neuron", "Σ"]),
        ("draw_network", lambda: plots.draw_network([2, 4, 1]), 1,
         ["input\nlayer", "hidden\nlayer 1", "output\nlayer", "17 parameters"]),
        ("plot_activations", lambda: plots.plot_activations(), 5,
         ["step", "sigmoid", "tanh", "ReLU", "leaky ReLU", "range (0, 1)", "g′(z)"]),
        ("plot_logic_gate", lambda: plots.plot_logic_gate([1, 1], -1.5, "and"), 1,
         ["computes AND", "x₁", "target 1"]),
        ("plot_decision_boundary", lambda: plots.plot_decision_boundary(logistic_predict, X, y),
         1, ["Decision boundary", "accuracy", "class 0", "class 1"]),
        ("plot_boundary_snapshots",
         lambda: plots.plot_boundary_snapshots([(0, logistic_predict), (5, logistic_predict),
                                                (9, logistic_predict)], X, y), 3,
         ["epoch 0", "epoch 5", "epoch 9"]),
        ("plot_history", lambda: plots.plot_history(history), 2,
         ["Loss per epoch", "Accuracy per epoch", "epoch", "training loss"]),
        ("plot_training_state",
         lambda: plots.plot_training_state(logistic_predict, X, y, [0.7, 0.5]), 2,
         ["epoch 2", "Loss per epoch"]),
        ("plot_gradient_descent_1d",
         lambda: plots.plot_gradient_descent_1d(lambda x: x ** 2, lambda x: 2 * x, 2.0, 0.1), 2,
         ["learning rate 0.1", "f(x) after each step", "step"]),
        ("plot_confusion_matrix", lambda: plots.plot_confusion_matrix([[5, 1], [2, 7]]), 1,
         ["Confusion matrix", "predicted class", "true class"]),
        ("show_digits", lambda: plots.show_digits(digits_X[:10], digits_y[:10]), 10,
         ["10 of 10 digits", f"true {digits_y[0]}"]),
        ("plot_search_results",
         lambda: plots.plot_search_results([{"learning_rate": lr, "val_accuracy": a}
                                            for lr, a in ((0.01, 0.7), (0.1, 0.9), (1.0, 0.6))]),
         1, ["val accuracy by learning rate", "best"]),
        ("plot_cost_functions", lambda: plots.plot_cost_functions(), 2,
         ["true label y = 1", "true label y = 0", "squared error"]),
    ]


@pytest.mark.parametrize("name, build, n_axes, expected", figure_cases(),
                         ids=[case[0] for case in figure_cases()])
def test_figure_has_its_axes_and_text_and_renders(name, build, n_axes, expected):
    fig = build()
    assert isinstance(fig, Figure)
    assert len(fig.axes) == n_axes
    text = all_text(fig)
    for piece in expected:
        assert piece in text, f"{name}: {piece!r} not in the figure's text"
    assert max(fig.get_size_inches()[0], 0) <= 8.6 + 1e-9, "wider than a notebook column"
    renders(fig)


def test_figures_never_touch_pyplot():
    before = plt.get_fignums()
    for _, build, _, _ in figure_cases():
        build()
    assert plt.get_fignums() == before


def test_figure_displays_once_as_png_without_pyplot_integration():
    fig = plots.plot_cost_functions()
    data, metadata = DisplayFormatter().format(fig)
    assert "image/png" in data
    png = data["image/png"]
    assert png.startswith(b"\x89PNG")
    width = int.from_bytes(png[16:20], "big")  # from the PNG's IHDR chunk
    # drawn at twice the size it is shown at, so it is sharp on HiDPI screens
    assert metadata["image/png"]["width"] == width // 2
    assert metadata["image/png"]["width"] <= 900


def test_figures_keep_a_light_background_and_dark_text_under_a_dark_style():
    with plt.style.context("dark_background"):
        fig = plots.plot_history([1.0, 0.5, 0.25])
        png = plots.figure_to_png(fig)
    assert mpl.colors.to_hex(fig.get_facecolor()) == "#ffffff"
    title = fig.axes[0].title
    assert sum(mpl.colors.to_rgb(title.get_color())) < 1.0, "title text is not dark"
    image = plt.imread(io.BytesIO(png))
    assert np.allclose(image[0, 0, :3], 1.0) and np.allclose(image[0, 0, 3], 1.0), \
        "the PNG corner is not opaque white"


def test_palette_is_okabe_ito_and_the_class_maps_have_2_and_10_colours():
    assert plots.PALETTE["orange"] == "#E69F00" and plots.PALETTE["blue"] == "#0072B2"
    assert plots.BINARY_CMAP.N == 2 and plots.CLASS_CMAP.N == 10
    assert len(set(plots.CLASS_COLORS)) == 10


def test_ax_option_draws_into_the_given_axes():
    fig = plots.new_figure((8, 3))
    left, right = fig.subplots(1, 2)
    X, y = make_moons(50, seed=0)
    assert plots.plot_decision_boundary(logistic_predict, X, y, ax=left) is fig
    assert plots.plot_confusion_matrix(np.eye(3) * 4, ax=right) is fig
    assert len(fig.axes) == 2
    assert "Decision boundary" in left.get_title() and "Confusion" in right.get_title()


# --------------------------------------------------------------------------- diagrams

@pytest.mark.parametrize("depth", [1, 2, 3, 4, 5, 6])
def test_draw_network_labels_every_layer_at_any_depth(depth):
    sizes = [3] + [5] * depth + [2]
    fig = plots.draw_network(sizes, ["relu"] * depth + ["softmax"])
    text = texts(fig)
    assert "input\nlayer" in text and "output\nlayer" in text
    for i in range(1, depth + 1):
        assert f"hidden\nlayer {i}" in text
    assert f"hidden\nlayer {depth + 1}" not in text
    assert len([p for p in fig.axes[0].patches if isinstance(p, Circle)]) == sum(sizes)
    assert f"{depth} hidden layer" in fig.axes[0].get_title()
    renders(fig)


def test_draw_network_elides_large_layers_and_counts_parameters():
    fig = plots.draw_network([64, 32, 10])
    circles = [p for p in fig.axes[0].patches if isinstance(p, Circle)]
    assert len(circles) == 7 + 7 + 7  # each layer of more than 8 units: 7 circles and a ⋮
    assert texts(fig).count("⋮") == 3
    assert "64 units" in texts(fig)
    assert f"{reference.count_params([64, 32, 10]):,} parameters" in fig.axes[0].get_title()


@pytest.mark.parametrize("bad", [[3], [], [2, 0, 1], [2, 2.5, 1], "2-3-1", [True, 2]])
def test_draw_network_rejects_bad_layer_sizes(bad):
    with pytest.raises(ValueError, match="layer_sizes"):
        plots.draw_network(bad)


def test_draw_network_wants_one_activation_per_layer_after_the_input():
    with pytest.raises(ValueError, match="activations"):
        plots.draw_network([2, 3, 1], ["relu"])


@pytest.mark.parametrize("n", [1, 2, 5, 8])
def test_draw_neuron_labels_each_input_and_weight(n):
    text = texts(plots.draw_neuron(n, "relu"))
    for i in range(1, n + 1):
        assert f"$x_{{{i}}}$" in text and f"$w_{{{i}}}$" in text
    assert f"$x_{{{n + 1}}}$" not in text
    assert any("bias" in t for t in text) and any("ReLU" in t for t in text)


@pytest.mark.parametrize("kwargs", [dict(n_inputs=0), dict(n_inputs=9), dict(n_inputs=2.0),
                                    dict(activation="softmax"), dict(activation="swish")])
def test_draw_neuron_rejects_bad_input(kwargs):
    with pytest.raises(ValueError):
        plots.draw_neuron(**kwargs)


# --------------------------------------------------------------------------- activations

def curves(ax):
    """The labelled curves of an activation panel (not the axis lines)."""
    return {line.get_label(): line for line in ax.get_lines()
            if not line.get_label().startswith("_")}


def test_plot_activations_one_panel_per_name_with_its_curves():
    fig = plots.plot_activations(("sigmoid", "relu"), derivatives=False)
    assert [ax.get_title() for ax in fig.axes] == ["sigmoid", "ReLU"]
    assert all(list(curves(ax)) == ["g(z)"] for ax in fig.axes)
    z, g = curves(fig.axes[0])["g(z)"].get_data()
    assert np.allclose(g, reference.sigmoid(z))
    fig = plots.plot_activations(("tanh",), derivatives=True)
    z, dg = curves(fig.axes[0])["g′(z)"].get_data()
    assert np.allclose(dg, reference.tanh_derivative(z))


def test_plot_activations_draws_the_step_without_a_vertical_jump():
    z, g = curves(plots.plot_activations(("step",)).axes[0])["g(z)"].get_data()
    finite = np.isfinite(g)
    assert np.all(np.abs(np.diff(g[finite][z[finite] < 0])) == 0)
    assert np.isnan(g).sum() == 1


@pytest.mark.parametrize("names", [("softmax",), ("sigmoid", "swish"), ()])
def test_plot_activations_rejects_unknown_or_row_wise_names(names):
    with pytest.raises(ValueError):
        plots.plot_activations(names)


# --------------------------------------------------------------------------- logic gates

def test_logic_gate_title_says_the_reference_and_or_neurons_compute_their_gates():
    for gate, make in (("and", reference.and_neuron), ("or", reference.or_neuron)):
        w, b = make()
        title = plots.plot_logic_gate(w, b, gate).axes[0].get_title()
        assert title == f"✓ this neuron computes {gate.upper()}"
        assert logic_gate_outputs(w, b, gate)[3]


def test_no_weights_make_one_neuron_compute_xor():
    rng = np.random.default_rng()
    for w1, w2, b in rng.uniform(-2, 2, size=(200, 3)):
        assert not logic_gate_outputs([w1, w2], b, "xor")[3]
    title = plots.plot_logic_gate([1, 1], -0.5, "xor").axes[0].get_title()
    assert title.startswith("✗ not XOR") and "1 of 4 inputs wrong" in title


def test_logic_gate_outputs_match_the_reference_neuron():
    X, target, output, computes = logic_gate_outputs([0.7, -0.3], 0.1, "nand", "sigmoid")
    assert np.allclose(output, reference.sigmoid(X @ np.array([0.7, -0.3]) + 0.1))
    assert list(target) == [1, 1, 1, 0]


@pytest.mark.parametrize("kwargs", [dict(w=[1, 1, 1]), dict(w=[1, np.nan]), dict(gate="xnor"),
                                    dict(activation="relu"), dict(b="x"), dict(b=[1, 2]),
                                    dict(b=np.inf)])
def test_plot_logic_gate_rejects_bad_input(kwargs):
    args = dict(w=[1, 1], b=-1.5, gate="and", activation="step") | kwargs
    with pytest.raises(ValueError):
        plots.plot_logic_gate(**args)


# --------------------------------------------------------------------------- decision boundaries

def test_decision_boundary_title_reports_the_accuracy_on_the_points(moons):
    X, y = moons
    fig = plots.plot_decision_boundary(logistic_predict, X, y, resolution=50)
    expected = np.mean((logistic_predict(X) >= 0.5) == y)
    assert f"(accuracy {expected:.0%})" in fig.axes[0].get_title()
    constant = plots.plot_decision_boundary(lambda Z: np.zeros(len(Z)), X, y, title="all zero")
    assert constant.axes[0].get_title() == f"all zero (accuracy {np.mean(y == 0):.0%})"


def test_decision_boundary_accepts_labels_column_probabilities_and_class_scores(moons):
    X, y = moons
    for predict in (lambda Z: (logistic_predict(Z) >= 0.5).astype(int),
                    lambda Z: logistic_predict(Z)[:, None],
                    lambda Z: np.column_stack([1 - logistic_predict(Z), logistic_predict(Z)])):
        renders(plots.plot_decision_boundary(predict, X, y, resolution=30))


def test_decision_boundary_draws_several_classes():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 2))
    y = np.digitize(X[:, 0], [-0.4, 0.4])
    fig = plots.plot_decision_boundary(lambda Z: np.digitize(Z[:, 0], [-0.4, 0.4]), X, y)
    assert "(accuracy 100%)" in fig.axes[0].get_title()
    assert {"class 0", "class 1", "class 2"} <= set(texts(fig))


@pytest.mark.parametrize("X, y, match", [
    (np.zeros((5, 3)), np.zeros(5), r"shape \(m, 2\)"),
    (np.zeros(10), np.zeros(5), r"shape \(m, 2\)"),
    (np.zeros((5, 2)), np.zeros(4), r"shape \(5,\)"),
    (np.zeros((5, 2)), np.full(5, 0.5), "class labels"),
])
def test_decision_boundary_rejects_bad_data(X, y, match):
    with pytest.raises(ValueError, match=match):
        plots.plot_decision_boundary(logistic_predict, X, y)


def test_decision_boundary_names_a_predict_fn_of_the_wrong_shape(moons):
    X, y = moons
    with pytest.raises(ValueError, match="predict_fn"):
        plots.plot_decision_boundary(lambda Z: np.zeros((len(Z) + 1,)), X, y)
    with pytest.raises(ValueError, match="probabilities in"):
        plots.plot_decision_boundary(lambda Z: Z[:, 0] * 10, X, y)


def test_boundary_snapshots_one_panel_per_snapshot_in_a_grid(moons):
    X, y = moons
    snapshots = [(epoch, logistic_predict) for epoch in range(0, 60, 10)]
    fig = plots.plot_boundary_snapshots(snapshots, X, y, ncols=4, resolution=20)
    assert len(fig.axes) == 6
    assert [ax.get_title().split(":")[0] for ax in fig.axes] == [f"epoch {e}" for e in
                                                                 range(0, 60, 10)]
    with pytest.raises(ValueError, match="snapshots"):
        plots.plot_boundary_snapshots([], X, y)
    with pytest.raises(ValueError, match="snapshots"):
        plots.plot_boundary_snapshots([logistic_predict], X, y)


# --------------------------------------------------------------------------- training curves

def test_history_of_plain_costs_is_one_panel_with_the_costs():
    costs = [0.9, 0.5, 0.3]
    fig = plots.plot_history(costs)
    assert len(fig.axes) == 1
    epochs, values = fig.axes[0].get_lines()[0].get_data()
    assert list(epochs) == [1, 2, 3] and list(values) == costs


def test_history_with_validation_and_accuracy_draws_four_curves():
    history = History([0.9, 0.5, 0.3])
    history.accuracy, history.val_loss, history.val_accuracy = [0.5, 0.8, 0.9], [1, .6, .4], [.4, .7, .8]
    fig = plots.plot_history(history)
    assert {"training loss", "validation loss", "training accuracy", "validation accuracy"} \
        <= set(texts(fig))
    one = plots.new_figure()
    plots.plot_history(history, ax=one.add_subplot(), title="mine")
    assert len(one.axes) == 2 and one.axes[0].get_title() == "mine"  # accuracy on a twin axis


def test_history_marks_where_the_loss_diverged():
    fig = plots.plot_history([1.0, 4.0, float("inf"), float("nan")])
    assert "diverged" in fig.axes[0].get_title()
    assert "loss became inf at epoch 3" in all_text(fig)
    renders(fig)


@pytest.mark.parametrize("bad", [[], "abc", [[1, 2], [3, 4]]])
def test_history_rejects_what_is_not_a_list_of_costs(bad):
    with pytest.raises(ValueError, match="history"):
        plots.plot_history(bad)


@pytest.mark.parametrize("learning_rate, words", [
    (0.01, "moves slowly"), (0.3, "converges"), (0.95, "zig-zags"), (1.0, "oscillates"),
    (1.2, "diverges")])
def test_gradient_descent_title_names_what_the_learning_rate_does(learning_rate, words):
    fig = plots.plot_gradient_descent_1d(lambda x: x ** 2, lambda x: 2 * x, 3.0, learning_rate)
    assert words in fig.axes[0].get_title()
    # the path drawn is x <- x - learning_rate * f'(x), from x0
    path_x = fig.axes[0].collections[0].get_offsets()[:, 0]
    assert path_x[0] == 3.0
    assert np.isclose(path_x[1], 3.0 - learning_rate * 6.0) or len(path_x) == 1


def test_gradient_descent_on_a_runaway_path_still_renders():
    fig = plots.plot_gradient_descent_1d(lambda x: x ** 2, lambda x: 2 * x, 1.0, 5.0, steps=50)
    assert "diverges" in fig.axes[0].get_title()
    renders(fig)


@pytest.mark.parametrize("kwargs", [dict(learning_rate=0), dict(learning_rate=-0.1),
                                    dict(steps=0), dict(f=3), dict(x0=np.nan)])
def test_gradient_descent_rejects_bad_input(kwargs):
    args = dict(f=lambda x: x ** 2, df=lambda x: 2 * x, x0=1.0, learning_rate=0.1) | kwargs
    with pytest.raises(ValueError):
        plots.plot_gradient_descent_1d(**args)


# --------------------------------------------------------------------------- evaluation

def test_confusion_matrix_writes_every_count_in_its_cell():
    rng = np.random.default_rng()
    cm = rng.integers(0, 50, size=(4, 4))
    fig = plots.plot_confusion_matrix(cm, ["a", "b", "c", "d"])
    ax = fig.axes[0]
    cells = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text()
             for t in ax.texts}
    assert cells == {(i, j): str(cm[i, j]) for i in range(4) for j in range(4)}
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c", "d"]
    assert f"{np.trace(cm) / cm.sum():.1%}" in ax.get_title()


def test_confusion_matrix_normalized_rows_sum_to_one():
    cm = np.array([[8, 2], [0, 0]])
    ax = plots.plot_confusion_matrix(cm, normalize=True).axes[0]
    values = {(round(t.get_position()[1]), round(t.get_position()[0])): float(t.get_text())
              for t in ax.texts}
    assert values == {(0, 0): 0.8, (0, 1): 0.2, (1, 0): 0.0, (1, 1): 0.0}


@pytest.mark.parametrize("cm, match", [(np.ones((2, 3)), "square"), (np.ones(4), "square"),
                                       (-np.ones((2, 2)), "non-negative")])
def test_confusion_matrix_rejects_bad_matrices(cm, match):
    with pytest.raises(ValueError, match=match):
        plots.plot_confusion_matrix(cm)


def test_confusion_matrix_wants_one_name_per_class():
    with pytest.raises(ValueError, match="class_names"):
        plots.plot_confusion_matrix(np.eye(3), ["a", "b"])


def test_show_digits_marks_exactly_the_wrong_predictions():
    X, y = load_digits()
    rng = np.random.default_rng()
    pred = y[:30].copy()
    wrong = rng.choice(30, size=4, replace=False)
    pred[wrong] = (pred[wrong] + 1) % 10
    fig = plots.show_digits(X[:30], y[:30], pred, max_images=30)
    assert len(fig.axes) == 30
    marked = [i for i, ax in enumerate(fig.axes) if ax.get_title().startswith("✗")]
    assert marked == sorted(wrong)
    i = int(wrong[0])
    assert fig.axes[i].get_title() == f"✗ true {y[i]}\npredicted {pred[i]}"
    assert "4 predicted wrong" in fig._suptitle.get_text()
    assert len(plots.show_digits(X[:100], y[:100]).axes) == 24


@pytest.mark.parametrize("X, y, match", [(np.zeros((3, 63)), np.zeros(3), r"\(m, 64\)"),
                                         (np.zeros((3, 8, 8)), np.zeros(3), r"\(m, 64\)"),
                                         (np.zeros((3, 64)), np.zeros(2), "y_true")])
def test_show_digits_rejects_bad_input(X, y, match):
    with pytest.raises(ValueError, match=match):
        plots.show_digits(X, y)


def test_search_results_by_hue_star_the_best_run():
    results = [{"learning_rate": lr, "optimizer": opt, "val_accuracy": acc}
               for lr, opt, acc in [(0.001, "sgd", 0.6), (0.01, "sgd", 0.8), (0.1, "sgd", 0.7),
                                    (0.001, "adam", 0.85), (0.01, "adam", 0.95),
                                    (0.1, "adam", 0.5)]]
    fig = plots.plot_search_results(results, hue="optimizer")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    text = texts(fig)
    assert "optimizer = sgd" in text and "optimizer = adam" in text
    assert "best: 0.95" in text
    assert any("learning_rate=0.01, optimizer=adam" in t for t in text)


def test_search_results_with_a_categorical_x():
    results = [{"activation": a, "val_accuracy": v} for a, v in
               [("relu", 0.9), ("tanh", 0.85), ("relu", 0.92)]]
    ax = plots.plot_search_results(results, x="activation").axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["relu", "tanh"]


@pytest.mark.parametrize("results, kwargs, match", [
    ([], {}, "non-empty"),
    ([{"learning_rate": 0.1}], {}, "val_accuracy"),
    ([{"learning_rate": 0.1, "val_accuracy": 0.9}], {"hue": "optimizer"}, "optimizer"),
])
def test_search_results_name_the_missing_key(results, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plots.plot_search_results(results, **kwargs)


def test_cost_functions_draw_both_costs_for_both_labels():
    fig = plots.plot_cost_functions()
    for ax, y in zip(fig.axes, (1, 0)):
        squared, bce = ax.get_lines()
        p, values = squared.get_data()
        assert np.allclose(values, (p - y) ** 2)
        p, values = bce.get_data()
        assert np.allclose(values, -np.log(p if y == 1 else 1 - p))
