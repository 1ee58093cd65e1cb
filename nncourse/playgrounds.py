"""Interactive playgrounds (ipywidgets) for the notebooks: one neuron, and a small network.

Both use only `nncourse.reference`, so they work before any exercise is solved.

Displaying a playground produces ONE output whose MIME bundle holds the widget view
(`application/vnd.jupyter.widget-view+json`), a PNG of the current figure (`image/png`) and a
line of text. JupyterLab with its widget manager ranks the widget view first (rank -10, before
images) and shows the live playground; anything without widgets (nbclient, nbconvert, GitHub)
shows the picture instead.
"""
import base64
import html

import ipywidgets as widgets
import numpy as np

from nncourse import datasets, reference
from nncourse.plots import figure_to_png, plot_logic_gate, plot_training_state
from nncourse.plots.neuron import logic_gate_outputs

__all__ = ["NeuronPlayground", "NetworkPlayground", "neuron_playground", "network_playground"]

#: The CSS class of the neuron playground's truth table (a stable hook for browser tests).
TRUTH_TABLE_CLASS = "nncourse-truth-table"


class _Playground:
    """What both playgrounds share: a root widget and a display bundle with a static fallback."""

    widget: widgets.Box  # the whole playground, built by each subclass

    def static_png(self):
        """PNG bytes of the figure the playground shows now."""
        raise NotImplementedError

    def describe(self):
        """One line of text for front ends that show neither widgets nor images."""
        raise NotImplementedError

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = dict(self.widget._repr_mimebundle_())
        bundle["image/png"] = base64.b64encode(self.static_png()).decode("ascii")
        bundle["text/plain"] = self.describe()
        return bundle


# --------------------------------------------------------------------------- one neuron

_GATE_OPTIONS = [("AND", "and"), ("OR", "or"), ("XOR", "xor"), ("NAND", "nand")]


def truth_table_html(w, b, gate, activation):
    """An HTML truth table of one neuron on a two-input gate: x1, x2, target, neuron output,
    and a verdict line "✓ computes AND" or "✗ does not compute AND (k of 4 rows wrong)"."""
    X, target, output, computes = logic_gate_outputs(w, b, gate, activation)
    name = gate.upper()
    rows = []
    for (x1, x2), t, a in zip(X, target, output):
        said = int(a >= 0.5)
        shown = f"{said}" if activation == "step" else f"{a:.2f} → {said}"
        mark = "✓" if said == t else "✗"
        rows.append(f"<tr><td>{x1:.0f}</td><td>{x2:.0f}</td><td>{t:.0f}</td>"
                    f"<td>{shown}</td><td>{mark}</td></tr>")
    n_wrong = int(np.sum((output >= 0.5) != (target == 1)))
    if computes:
        verdict = f'<p class="nncourse-verdict" style="color:#1B7F3B"><b>✓ computes {name}</b></p>'
    else:
        verdict = (f'<p class="nncourse-verdict" style="color:#D55E00"><b>✗ does not compute '
                   f'{name}</b> ({n_wrong} of 4 rows wrong)</p>')
    cell = "padding:2px 10px;text-align:center"
    head = "".join(f'<th style="{cell}">{h}</th>'
                   for h in ("x1", "x2", name, "neuron", ""))
    body = "".join(rows).replace("<td>", f'<td style="{cell}">')
    return (f'<table style="border-collapse:collapse"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>{verdict}")


class NeuronPlayground(_Playground):
    """Sliders for one neuron's weights w1, w2 and bias b on a two-input logic gate.

    Shows plot_logic_gate's figure and a live truth table; find weights for AND and OR by hand
    and see that no setting computes XOR.
    Attributes: w1, w2, b (FloatSlider), activation, gate (Dropdown), figure (Image),
    truth_table (HTML, CSS class "nncourse-truth-table"), widget (the whole playground).
    """

    def __init__(self, gate="and", activation="step", w=(0.5, 0.5), b=0.0):
        gates = [value for _, value in _GATE_OPTIONS]
        if not isinstance(gate, str) or gate.lower() not in gates:
            raise ValueError(f"gate must be one of {', '.join(gates)}; got {gate!r}.")
        if activation not in ("step", "sigmoid"):
            raise ValueError(f"activation must be 'step' or 'sigmoid'; got {activation!r}.")
        w = np.asarray(w, dtype=float)
        if w.shape != (2,):
            raise ValueError(f"w must hold two starting weights; got {w!r}.")

        def slider(name, value):
            return widgets.FloatSlider(value=float(value), min=-2.0, max=2.0, step=0.1,
                                       description=name, readout_format=".1f",
                                       continuous_update=True,
                                       layout=widgets.Layout(width="300px"))

        self.w1 = slider("w1", w[0])
        self.w2 = slider("w2", w[1])
        self.b = slider("b", b)
        self.activation = widgets.Dropdown(options=["step", "sigmoid"], value=activation,
                                           description="activation",
                                           layout=widgets.Layout(width="300px"))
        self.gate = widgets.Dropdown(options=_GATE_OPTIONS, value=gate.lower(),
                                     description="gate", layout=widgets.Layout(width="300px"))
        self._quiet = False
        self.truth_table = widgets.HTML()
        self.truth_table.add_class(TRUTH_TABLE_CLASS)
        # the figure shrinks to fit a narrow notebook; the controls keep their width
        self.figure = widgets.Image(format="png", layout=widgets.Layout(
            flex="0 1 600px", min_width="0", height="auto", object_fit="contain"))
        controls = widgets.VBox([self.gate, self.activation, self.w1, self.w2, self.b,
                                 self.truth_table], layout=widgets.Layout(width="320px", min_width="320px"))
        self.widget = widgets.HBox([controls, self.figure])
        for control in (self.w1, self.w2, self.b, self.activation, self.gate):
            control.observe(self._changed, names="value")
        self._changed()

    def set(self, w1=None, w2=None, b=None, gate=None, activation=None):
        """Move several controls at once and redraw once (e.g. set(w1=1, w2=1, b=-1.5))."""
        self._quiet = True
        try:
            for control, value in ((self.w1, w1), (self.w2, w2), (self.b, b),
                                   (self.gate, gate), (self.activation, activation)):
                if value is not None:
                    control.value = value
        finally:
            self._quiet = False
        self._changed()
        return self

    @property
    def weights(self):
        """(w, b): w shape (2,) and b, as the sliders are set."""
        return np.array([self.w1.value, self.w2.value]), float(self.b.value)

    def computes(self):
        """True when the neuron, as set, computes the chosen gate."""
        w, b = self.weights
        return logic_gate_outputs(w, b, self.gate.value, self.activation.value)[3]

    def static_png(self):
        w, b = self.weights
        return figure_to_png(plot_logic_gate(w, b, self.gate.value, self.activation.value),
                             trim=False)

    def describe(self):
        w, b = self.weights
        verdict = "computes" if self.computes() else "does not compute"
        return (f"Neuron playground: w1={w[0]:.1f} w2={w[1]:.1f} b={b:.1f} "
                f"({self.activation.value}) {verdict} {self.gate.value.upper()}")

    def _changed(self, change=None):
        if self._quiet:
            return
        w, b = self.weights
        self.truth_table.value = truth_table_html(w, b, self.gate.value, self.activation.value)
        self.figure.value = self.static_png()


def neuron_playground(gate="and", **options):
    """A neuron playground: sliders w1, w2, b, activation and gate dropdowns, the gate's plot
    and a live truth table. Make it the last line of a cell to show it.
    Options: activation="step", w=(0.5, 0.5), b=0.0 (starting values)."""
    return NeuronPlayground(gate, **options)


# --------------------------------------------------------------------------- a small network

DATASETS = {
    "moons": lambda: datasets.make_moons(200, noise=0.15, seed=0),
    "circles": lambda: datasets.make_circles(200, noise=0.08, seed=0),
    "spirals": lambda: datasets.make_spirals(300, n_classes=2, noise=0.15, seed=0),
    "xor": lambda: datasets.make_xor(200, noise=0.08, seed=0),
}


class NetworkPlayground(_Playground):
    """A small TensorFlow-Playground: choose the data, depth, width, activation, learning rate,
    optimiser and epochs, press Train, and watch the decision boundary and the loss change.

    Attributes: data, activation, optimizer (Dropdown); depth, width, epochs (IntSlider);
    learning_rate (FloatLogSlider); train_button (Button); figure (Image); status (HTML);
    params, history (the last training's result); widget (the whole playground).
    """

    def __init__(self, data="moons", depth=2, width=8, activation="tanh", learning_rate=0.1,
                 optimizer="adam", epochs=300, frames=8, seed=0):
        if data not in DATASETS:
            raise ValueError(f"data must be one of {', '.join(DATASETS)}; got {data!r}.")
        narrow = widgets.Layout(width="270px")
        self.data = widgets.Dropdown(options=list(DATASETS), value=data, description="data",
                                     layout=narrow)
        self.depth = widgets.IntSlider(value=depth, min=1, max=4, description="hidden layers",
                                       style={"description_width": "90px"}, layout=narrow)
        self.width = widgets.IntSlider(value=width, min=2, max=32, description="units/layer",
                                       style={"description_width": "90px"}, layout=narrow)
        self.activation = widgets.Dropdown(options=["tanh", "relu", "sigmoid", "leaky_relu"],
                                           value=activation, description="activation",
                                           layout=narrow)
        self.learning_rate = widgets.FloatLogSlider(value=learning_rate, base=10, min=-3,
                                                    max=0.5, step=0.25,
                                                    description="learning rate",
                                                    style={"description_width": "90px"},
                                                    layout=narrow)
        self.optimizer = widgets.Dropdown(options=["sgd", "momentum", "adam"], value=optimizer,
                                          description="optimizer", layout=narrow)
        self.epochs = widgets.IntSlider(value=epochs, min=10, max=1000, step=10,
                                        description="epochs", layout=narrow)
        self.train_button = widgets.Button(description="Train", button_style="primary",
                                           icon="play", layout=widgets.Layout(width="120px"))
        self.status = widgets.HTML()
        self.figure = widgets.Image(format="png", layout=widgets.Layout(
            width="100%", max_width="860px", height="auto", object_fit="contain"))
        self.frames = frames
        self.seed = seed
        self.params, self.history = None, reference.History()
        self.widget = widgets.VBox([
            widgets.HBox([self.data, self.depth, self.width]),
            widgets.HBox([self.activation, self.learning_rate, self.optimizer]),
            widgets.HBox([self.epochs, self.train_button, self.status]),
            self.figure,
        ])
        self.train_button.on_click(lambda button: self.train())
        for control in (self.data, self.depth, self.width, self.activation):
            control.observe(self._reset, names="value")
        self._reset()

    # the network the controls describe
    def layer_sizes(self):
        """[2, width, ..., width, 1]: two inputs, `depth` hidden layers, one output unit."""
        return [2] + [self.width.value] * self.depth.value + [1]

    def activations(self):
        """The chosen activation in every hidden layer, sigmoid at the output."""
        return [self.activation.value] * self.depth.value + ["sigmoid"]

    def dataset(self):
        """(X (m, 2), y (m,)) of the chosen data set."""
        return DATASETS[self.data.value]()

    def predict_proba(self, X, params=None):
        """The network's probability of class 1 for each row of X, shape (m, 1)."""
        params = self.params if params is None else params
        return reference.forward(X, params, self.activations())[0]

    def _draw(self, X, y, params, history, epoch):
        fig = plot_training_state(lambda Z: self.predict_proba(Z, params),
                                  X, y, history, epoch=epoch, resolution=60)
        self.figure.value = figure_to_png(fig, trim=False)

    def _reset(self, change=None):
        """New controls: show the untrained network (random initial weights)."""
        self.params = reference.init_params(self.layer_sizes(), seed=self.seed)
        self.history = reference.History()
        X, y = self.dataset()
        self._draw(X, y, self.params, self.history, 0)
        self.status.value = "press <b>Train</b>"

    def train(self):
        """Train with the chosen settings, redrawing about `frames` times; returns
        (params, history) and keeps them as .params and .history."""
        X, y = self.dataset()
        epochs = self.epochs.value
        every = max(1, epochs // self.frames)
        self.train_button.disabled = True
        self.status.value = "training…"

        def redraw(epoch, params, history):
            if (epoch + 1) % every == 0 or epoch + 1 == epochs:
                self._draw(X, y, params, history, epoch + 1)
                self.status.value = (f"epoch {epoch + 1}/{epochs}, "
                                     f"loss {history[-1]:.4f}")

        try:
            self.params, self.history = reference.fit(
                X, y, self.layer_sizes(), self.activations(), "bce",
                learning_rate=self.learning_rate.value, epochs=epochs, seed=self.seed,
                optimizer=self.optimizer.value, callback=redraw)
        except Exception as error:  # shown in the playground, not lost in a comm handler
            self.status.value = f"<span style='color:#D55E00'>{html.escape(str(error))}</span>"
            raise
        finally:
            self.train_button.disabled = False
        accuracy = self.history.accuracy[-1] if self.history.accuracy else float("nan")
        self.status.value = (f"done: loss {self.history[-1]:.4f}, "
                             f"accuracy {accuracy:.0%} after {epochs} epochs")
        return self.params, self.history

    def static_png(self):
        return bytes(self.figure.value)

    def describe(self):
        state = f"trained {len(self.history)} epochs" if self.history else "not trained"
        return (f"Network playground: {self.data.value}, layers {self.layer_sizes()}, "
                f"{self.activation.value}, {self.optimizer.value}, learning rate "
                f"{self.learning_rate.value:.3g} ({state})")


def network_playground(**options):
    """A network playground in the spirit of TensorFlow Playground (see NetworkPlayground).

    Options (starting values): data="moons" ("circles", "spirals", "xor"), depth=2, width=8,
    activation="tanh", learning_rate=0.1, optimizer="adam", epochs=300; train_now=False
    trains once before showing (so a notebook run without widgets records a trained picture).
    """
    train_now = options.pop("train_now", False)
    playground = NetworkPlayground(**options)
    if train_now:
        playground.train()
    return playground
