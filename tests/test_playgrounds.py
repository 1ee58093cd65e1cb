"""nncourse.playgrounds: built without a widget front end, they react to their controls and
carry a static picture for front ends without widgets."""
import base64
import re

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from nncourse import reference
from nncourse.playgrounds import network_playground, neuron_playground

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def set_neuron(playground, w1, w2, b):
    """Move the three sliders one after the other, as a student would."""
    playground.w1.value, playground.w2.value, playground.b.value = w1, w2, b


# --------------------------------------------------------------------------- neuron

def test_neuron_playground_has_the_controls_a_browser_test_looks_for():
    playground = neuron_playground()
    assert [s.description for s in (playground.w1, playground.w2, playground.b)] == \
        ["w1", "w2", "b"]
    for slider in (playground.w1, playground.w2, playground.b):
        assert (slider.min, slider.max, slider.step) == (-2.0, 2.0, 0.1)
    assert playground.truth_table._dom_classes == ("nncourse-truth-table",)
    assert [label for label, _ in playground.gate.options] == ["AND", "OR", "XOR", "NAND"]
    assert list(playground.activation.options) == ["step", "sigmoid"]


def test_moving_the_sliders_updates_the_truth_table_and_the_figure():
    playground = neuron_playground("and")
    before_png = playground.figure.value
    assert "✗ does not compute AND" in playground.truth_table.value
    set_neuron(playground, 1.0, 1.0, -1.5)
    assert "✓ computes AND" in playground.truth_table.value
    assert playground.computes()
    assert playground.figure.value != before_png and bytes(playground.figure.value[:4]) == b"\x89PNG"
    playground.b.value = -0.5
    assert "✗ does not compute AND" in playground.truth_table.value
    assert "2 of 4 rows wrong" in playground.truth_table.value  # it computes OR now


def test_choosing_another_gate_rechecks_the_same_weights():
    playground = neuron_playground("and")
    set_neuron(playground, 1.0, 1.0, -0.5)
    assert "✓" not in playground.truth_table.value.split("</table>")[1]
    playground.gate.value = "or"
    assert "✓ computes OR" in playground.truth_table.value
    playground.gate.value = "xor"
    assert "✗ does not compute XOR" in playground.truth_table.value
    set_neuron(playground, -1.0, -1.0, 1.5)
    playground.gate.value = "nand"
    assert "✓ computes NAND" in playground.truth_table.value


def test_truth_table_rows_show_target_and_output_for_each_input():
    playground = neuron_playground("or")
    set_neuron(playground, 1.0, 1.0, -0.5)
    rows = playground.truth_table.value.split("<tbody>")[1].split("</tbody>")[0].split("</tr>")
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in rows if row]
    assert cells == [["0", "0", "0", "0", "✓"], ["0", "1", "1", "1", "✓"],
                     ["1", "0", "1", "1", "✓"], ["1", "1", "1", "1", "✓"]]
    playground.activation.value = "sigmoid"
    z = np.array([-0.5, 0.5, 0.5, 1.5])
    for p in reference.sigmoid(z):
        assert f"{p:.2f} → {int(p >= 0.5)}" in playground.truth_table.value


def test_no_slider_setting_computes_xor():
    grid = np.round(np.arange(-2.0, 2.01, 0.1), 1)
    playground = neuron_playground("xor")
    rng = np.random.default_rng()
    for w1, w2, b in rng.choice(grid, size=(8, 3)):
        playground.set(w1=w1, w2=w2, b=b)
        assert not playground.computes()
        assert "✗ does not compute XOR" in playground.truth_table.value


def test_set_moves_several_controls_with_one_redraw(monkeypatch):
    playground = neuron_playground("and")
    redraws = []
    monkeypatch.setattr(playground, "static_png", lambda: redraws.append(1) or b"\x89PNG")
    playground.set(w1=1.0, w2=1.0, b=-0.5, gate="or")
    assert len(redraws) == 1
    assert (playground.w1.value, playground.w2.value, playground.b.value) == (1.0, 1.0, -0.5)
    assert "✓ computes OR" in playground.truth_table.value


def test_neuron_display_bundle_holds_the_widget_and_a_static_png():
    playground = neuron_playground("and", w=(1.0, 1.0), b=-1.5)
    bundle = playground._repr_mimebundle_()
    assert WIDGET_VIEW in bundle
    assert bundle[WIDGET_VIEW]["model_id"] == playground.widget.model_id
    png = base64.b64decode(bundle["image/png"])
    assert png.startswith(b"\x89PNG")
    assert "computes AND" in bundle["text/plain"]


@pytest.mark.parametrize("kwargs", [dict(gate="xnor"), dict(gate=3), dict(activation="relu"),
                                    dict(w=(1, 2, 3))])
def test_neuron_playground_rejects_bad_options(kwargs):
    with pytest.raises(ValueError):
        neuron_playground(**kwargs)


# --------------------------------------------------------------------------- network

def test_network_playground_starts_untrained_with_a_picture():
    playground = network_playground()
    assert playground.history == []
    assert bytes(playground.figure.value).startswith(b"\x89PNG")
    assert playground.layer_sizes() == [2, 8, 8, 1]
    assert playground.activations() == ["tanh", "tanh", "sigmoid"]
    assert "press" in playground.status.value


def test_controls_describe_the_network_that_is_trained():
    playground = network_playground()
    playground.depth.value, playground.width.value = 3, 5
    playground.activation.value = "relu"
    assert playground.layer_sizes() == [2, 5, 5, 5, 1]
    assert playground.activations() == ["relu", "relu", "relu", "sigmoid"]
    assert [W.shape for W, _ in playground.params] == [(2, 5), (5, 5), (5, 5), (5, 1)]


def test_train_runs_a_short_training_and_redraws_as_it_goes(monkeypatch):
    playground = network_playground(data="xor", epochs=40, frames=4)
    drawn = []
    original = playground._draw

    def counting_draw(X, y, params, history, epoch):
        drawn.append((epoch, len(history)))
        original(X, y, params, history, epoch)

    monkeypatch.setattr(playground, "_draw", counting_draw)
    before = playground.figure.value
    params, history = playground.train()
    assert len(history) == 40 and history is playground.history
    assert drawn == [(10, 10), (20, 20), (30, 30), (40, 40)]
    assert playground.figure.value != before
    assert history[-1] < history[0]
    assert playground.status.value.startswith("done: loss")
    assert not playground.train_button.disabled
    # what the playground shows is what reference.fit gives for these settings
    X, y = playground.dataset()
    expected, _ = reference.fit(X, y, playground.layer_sizes(), playground.activations(), "bce",
                                learning_rate=playground.learning_rate.value, epochs=40,
                                optimizer=playground.optimizer.value)
    for (W, b), (W_ref, b_ref) in zip(params, expected):
        assert np.allclose(W, W_ref) and np.allclose(b, b_ref)


def test_the_train_button_trains_and_changing_the_network_resets():
    playground = network_playground(epochs=20, frames=2)
    playground.train_button.click()
    assert len(playground.history) == 20
    playground.width.value = 4
    assert playground.history == [] and "press" in playground.status.value


@pytest.mark.parametrize("data, optimizer", [("moons", "sgd"), ("circles", "momentum"),
                                             ("spirals", "adam"), ("xor", "sgd")])
def test_every_data_set_and_optimizer_trains(data, optimizer):
    playground = network_playground(data=data, optimizer=optimizer, epochs=10, frames=1)
    X, y = playground.dataset()
    assert X.shape[1] == 2 and set(np.unique(y)) == {0, 1}
    _, history = playground.train()
    assert len(history) == 10 and np.all(np.isfinite(history))


def test_network_display_bundle_shows_the_current_figure():
    playground = network_playground(epochs=10, frames=1, train_now=True)
    bundle = playground._repr_mimebundle_()
    assert WIDGET_VIEW in bundle
    assert base64.b64decode(bundle["image/png"]) == bytes(playground.figure.value)
    assert "trained 10 epochs" in bundle["text/plain"]


def test_network_playground_rejects_an_unknown_data_set():
    with pytest.raises(ValueError, match="data"):
        network_playground(data="iris")


# --------------------------------------------------------------------------- in a real kernel

@pytest.mark.slow
def test_a_kernel_without_a_front_end_records_widget_and_picture_in_one_output():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("from nncourse.playgrounds import neuron_playground\n"
                                  "neuron_playground('or', w=(1, 1), b=-0.5)"),
        nbformat.v4.new_code_cell("from nncourse.playgrounds import network_playground\n"
                                  "network_playground(epochs=10, frames=1, train_now=True)"),
    ]
    NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    for cell, words in zip(nb.cells, ("computes OR", "trained 10 epochs")):
        assert len(cell.outputs) == 1, [o.output_type for o in cell.outputs]
        data = cell.outputs[0].data
        assert WIDGET_VIEW in data
        assert base64.b64decode(data["image/png"]).startswith(b"\x89PNG")
        assert words in data["text/plain"]
