"""Every figure the notebooks draw.

Each function builds a `matplotlib.figure.Figure` (never through pyplot) and returns it, so a
figure shows exactly once when it is the last expression of a cell, and a loop that builds
figures leaks none. The figures are `CourseFigure`s: they display themselves as a PNG in any
Jupyter front end, with or without `%matplotlib inline`.

Functions that draw one panel accept `ax=`, an existing Axes to draw into; they then return
that Axes' figure.

Colours come from the Okabe-Ito palette, which stays distinguishable with every common form of
colour blindness; points also differ by marker shape. Figures carry their own white background
and dark text, so they read the same in JupyterLab's light and dark themes.
"""
import functools
import io
import math
import numbers

import matplotlib as mpl
import numpy as np
from matplotlib.colors import LinearSegmentedColormap, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
from matplotlib.ticker import MaxNLocator

from nncourse.datasets import LOGIC_GATES, logic_gate
from nncourse.reference import activations as _activations
from nncourse.reference.layers import count_params

__all__ = [
    "PALETTE", "BINARY_CMAP", "CLASS_CMAP", "PROBABILITY_CMAP", "CLASS_COLORS",
    "CourseFigure", "new_figure", "figure_to_png",
    "draw_neuron", "draw_network", "plot_activations", "plot_logic_gate",
    "plot_decision_boundary", "plot_boundary_snapshots", "plot_history", "plot_training_state",
    "logic_gate_outputs",
    "plot_gradient_descent_1d", "plot_confusion_matrix", "show_digits",
    "plot_search_results", "plot_cost_functions",
]

# --------------------------------------------------------------------------- colours and style

#: The Okabe-Ito palette (Okabe & Ito, "Color Universal Design", 2008), in its usual order.
PALETTE = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}

#: One colour per class label 0..9: Okabe-Ito first (most contrasting first), then grey and wine.
CLASS_COLORS = (
    PALETTE["blue"], PALETTE["vermillion"], PALETTE["green"], PALETTE["orange"],
    PALETTE["purple"], PALETTE["sky_blue"], PALETTE["yellow"], PALETTE["black"],
    "#999999", "#882255",
)
#: Class 0 blue, class 1 vermillion.
BINARY_CMAP = ListedColormap(CLASS_COLORS[:2], name="nncourse_binary")
#: Ten classes (the digits).
CLASS_CMAP = ListedColormap(CLASS_COLORS, name="nncourse_classes")
#: A probability p of class 1: light blue at 0, white at 0.5, light vermillion at 1.
PROBABILITY_CMAP = LinearSegmentedColormap.from_list(
    "nncourse_probability", ["#8FC3E6", "#FFFFFF", "#F2AE85"])

#: One marker per class so the classes differ in shape too, not only in colour.
_MARKERS = ("o", "^", "s", "D", "v", "P", "X", "*", "h", "p")

# Our own rc settings, applied while a figure is built, so a dark matplotlib style (or JupyterLab's
# dark theme) can never give dark text on a dark background.
_STYLE = {
    "figure.facecolor": "white",
    "figure.edgecolor": "white",
    "savefig.facecolor": "white",
    "axes.facecolor": "white",
    "axes.edgecolor": "#333333",
    "axes.labelcolor": "#222222",
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "axes.grid": False,
    "axes.prop_cycle": mpl.cycler(color=list(CLASS_COLORS)),
    "text.color": "#222222",
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "grid.color": "#DDDDDD",
    "legend.facecolor": "white",
    "legend.edgecolor": "#CCCCCC",
    "legend.fontsize": 9,
    "legend.framealpha": 0.9,
    "font.size": 11,
    "lines.linewidth": 2,
}

#: Widest figure, in inches: at 100 dpi it fits a 900 px notebook column.
_MAX_WIDTH = 8.6
#: Pixels per inch of the PNG a notebook shows (rendered at twice that for sharp HiDPI screens).
_DISPLAY_DPI = 100


class CourseFigure(Figure):
    """A matplotlib Figure that displays itself as a PNG in Jupyter without pyplot.

    IPython shows an object that has `_repr_png_`; a plain Figure made without pyplot would only
    show as "<Figure size ...>". The PNG is drawn at twice the display resolution and shown at
    its nominal size, so it is sharp on HiDPI screens.
    """

    def _repr_png_(self):
        png = figure_to_png(self, dpi=2 * _DISPLAY_DPI)
        width, height = _png_size(png)
        return png, {"width": width // 2, "height": height // 2}


def _png_size(png):
    """(width, height) in pixels, read from a PNG's IHDR chunk."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def figure_to_png(fig, dpi=_DISPLAY_DPI, trim=True):
    """The figure as PNG bytes, on its own white background.

    trim: cut the margins to the content (draws the figure twice; False is about twice as fast).
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight" if trim else None,
                facecolor=fig.get_facecolor(), edgecolor="none")
    return buffer.getvalue()


def _course_style(function):
    """Build the figure inside our rc settings (see `_STYLE`)."""
    @functools.wraps(function)
    def styled(*args, **kwargs):
        with mpl.rc_context(_STYLE):
            return function(*args, **kwargs)
    return styled


@_course_style
def new_figure(figsize=(6.4, 4.2)):
    """An empty `CourseFigure` in the course's style (for a notebook's own plots).

    figsize: (width, height) in inches; width at most 8.6 so the figure fits a notebook column.
    """
    width, height = figsize
    if width > _MAX_WIDTH:
        height, width = height * _MAX_WIDTH / width, _MAX_WIDTH
    return CourseFigure(figsize=(width, height), layout="constrained")


def _figure_and_axes(ax, figsize):
    """(fig, ax): the given Axes and its figure, or a new figure with one Axes."""
    if ax is not None:
        return ax.figure, ax
    fig = new_figure(figsize)
    return fig, fig.add_subplot()


def _grid(n_panels, ncols, panel_size, **subplot_kw):
    """A figure with n_panels Axes on a grid of ncols columns (unused cells removed)."""
    ncols = max(1, min(ncols, n_panels))
    nrows = math.ceil(n_panels / ncols)
    width, height = panel_size
    fig = new_figure((ncols * width, nrows * height))
    axes = fig.subplots(nrows, ncols, squeeze=False, **subplot_kw).ravel()
    for ax in axes[n_panels:]:
        ax.remove()
    return fig, list(axes[:n_panels])


# --------------------------------------------------------------------------- input checks

def _as_points(X, name="X"):
    """X as a float array (m, 2); ValueError otherwise."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2 or X.shape[0] == 0:
        raise ValueError(f"{name} must have shape (m, 2) with m >= 1 (two features, to draw them "
                         f"in the plane); got shape {X.shape}.")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} contains nan or inf.")
    return X


def _as_labels(y, m, name="y"):
    """y as an integer array (m,); accepts (m, 1). ValueError otherwise."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.shape != (m,):
        raise ValueError(f"{name} must have shape ({m},), one label per row of X; "
                         f"got shape {y.shape}.")
    if not np.all(np.isfinite(y.astype(float))) or np.any(y != np.round(y)) or np.any(y < 0):
        raise ValueError(f"{name} must hold class labels 0, 1, 2, ...; got values like "
                         f"{np.unique(y)[:5]}.")
    return y.astype(int)


def _check_choice(value, choices, name):
    """value (lower-cased) if it is one of choices; ValueError naming the choices otherwise."""
    if not isinstance(value, str) or value.lower() not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}.")
    return value.lower()


# --------------------------------------------------------------------------- diagrams

def _draw_arrow(ax, start, end, color="#444444", lw=1.4, **kwargs):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color=color,
                                 lw=lw, shrinkA=0, shrinkB=0, **kwargs))


@_course_style
def draw_neuron(n_inputs=3, activation="step", ax=None):
    """A labelled diagram of one neuron: a = g(x1 w1 + ... + xn wn + b).

    Inputs x1..xn on the left, a weight wi on each edge, the bias b, the sum node Σ, the
    activation g (a box showing its curve) and the output a.
    n_inputs: 1..8.   activation: one of the course's elementwise activation names.
    """
    if isinstance(n_inputs, bool) or not isinstance(n_inputs, numbers.Integral) \
            or not 1 <= n_inputs <= 8:
        raise ValueError(f"n_inputs must be an integer from 1 to 8; got {n_inputs!r}.")
    activation = _check_choice(activation, tuple(_PRETTY), "activation")
    fig, ax = _figure_and_axes(ax, (7.8, 3.9))
    ax.set_xlim(-1.2, 10.2)
    ax.set_ylim(-2.75, 2.6)
    ax.set_aspect("equal")
    ax.axis("off")

    # inputs, each joined to the sum node by an edge carrying its weight
    sum_xy, r_in, r_sum = (4.6, 0.0), 0.34, 0.55
    ys = np.linspace(1.7, -1.7, n_inputs) if n_inputs > 1 else np.array([0.0])
    for i, y in enumerate(ys, start=1):
        ax.add_patch(Circle((0, y), r_in, facecolor="#D6ECF9", edgecolor=PALETTE["blue"], lw=1.5))
        ax.text(0, y, f"$x_{{{i}}}$", ha="center", va="center", fontsize=12)
        direction = np.array(sum_xy) - (0, y)
        direction /= np.linalg.norm(direction)
        start = np.array((0, y)) + r_in * direction
        end = np.array(sum_xy) - r_sum * direction
        _draw_arrow(ax, start, end)
        label_xy = start + 0.42 * (end - start)
        ax.text(*label_xy, f"$w_{{{i}}}$", ha="center", va="center", fontsize=12,
                color=PALETTE["vermillion"],
                bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none"))

    # bias
    bias_xy = (sum_xy[0], 2.15)
    ax.text(*bias_xy, "$b$  (bias)", ha="center", va="center", fontsize=12,
            color=PALETTE["vermillion"])
    _draw_arrow(ax, (sum_xy[0], bias_xy[1] - 0.25), (sum_xy[0], sum_xy[1] + r_sum))

    # sum node
    ax.add_patch(Circle(sum_xy, r_sum, facecolor="#FFF1CC", edgecolor=PALETTE["orange"], lw=2))
    ax.text(*sum_xy, "Σ", ha="center", va="center", fontsize=20)

    # activation box with a sketch of g(z)
    box_x, box_w, box_h = 6.3, 1.6, 1.3
    ax.add_patch(FancyBboxPatch((box_x, -box_h / 2), box_w, box_h,
                                boxstyle="round,pad=0.05", facecolor="#DDF2EA",
                                edgecolor=PALETTE["green"], lw=2))
    z = np.linspace(-4, 4, 121)
    g = _activation_values(activation, z, leaky_alpha=0.15)
    g = (g - g.min()) / max(np.ptp(g), 1e-12)
    ax.plot(box_x + 0.2 + (z + 4) / 8 * (box_w - 0.4), -box_h / 2 + 0.2 + g * (box_h - 0.4),
            color=PALETTE["green"], lw=2, solid_capstyle="round")
    _draw_arrow(ax, (sum_xy[0] + r_sum, 0), (box_x - 0.05, 0))
    ax.text((sum_xy[0] + r_sum + box_x) / 2, 0.18, "$z$", ha="center", va="bottom", fontsize=12)

    # output
    _draw_arrow(ax, (box_x + box_w + 0.05, 0), (9.4, 0))
    ax.text(9.55, 0, "$a$", ha="left", va="center", fontsize=14)

    # captions under each part
    caption_y = -2.45
    name = _PRETTY[activation]
    for x, text in ((0, "inputs"), (2.2, "weights"), (sum_xy[0], "weighted sum\n+ bias"),
                    (box_x + box_w / 2, f"activation\n{name}"), (9.6, "output")):
        ax.text(x, caption_y, text, ha="center", va="center", fontsize=10, color="#555555")
    g_name = {"sigmoid": r"\sigma", "step": r"\mathrm{step}", "tanh": r"\tanh",
              "relu": r"\mathrm{ReLU}", "leaky_relu": r"\mathrm{leaky\,ReLU}",
              "linear": r"\mathrm{linear}"}[activation]
    ax.set_title(rf"One neuron:  $z = x_1 w_1 + \dots + x_n w_n + b$,   $a = {g_name}(z)$",
                 fontsize=12)
    return fig


def _layer_names(n_layers):
    """'input layer', 'hidden layer 1', ..., 'output layer' for n_layers >= 2 layers."""
    hidden = [f"hidden layer {i}" for i in range(1, n_layers - 1)]
    return ["input layer", *hidden, "output layer"]


@_course_style
def draw_network(layer_sizes, activations=None, ax=None, title=None, max_units=8):
    """A diagram of a dense network: one column of circles per layer, every unit joined to
    every unit of the next layer.

    layer_sizes: [n_in, n_1, ..., n_out], at least two layers (input and output), each >= 1.
    activations: optional, one name per layer after the input (len(layer_sizes) - 1).
    A layer with more than max_units units shows its first and last few with "⋮" between.
    """
    sizes = list(layer_sizes) if not isinstance(layer_sizes, (str, bytes)) else None
    if not sizes or len(sizes) < 2 or any(
            isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1 for n in sizes):
        raise ValueError("layer_sizes must be a list of at least two positive integers "
                         f"[n_in, ..., n_out]; got {layer_sizes!r}.")
    if activations is not None:
        activations = list(activations)
        if len(activations) != len(sizes) - 1:
            raise ValueError(f"activations needs one name per layer after the input "
                             f"({len(sizes) - 1}); got {len(activations)}.")
    n_layers = len(sizes)

    # y positions of the drawn units per layer; a unit of None marks the "⋮"
    shown = []
    for n in sizes:
        if n <= max_units:
            slots = list(range(n))
        else:
            head = (max_units - 1) // 2 + 1
            tail = max_units - 1 - head
            slots = list(range(head)) + [None] + list(range(n - tail, n))
        ys = np.linspace((len(slots) - 1) / 2, -(len(slots) - 1) / 2, len(slots))
        shown.append(list(zip(slots, ys)))
    top = max(len(s) for s in shown) / 2
    dx = 2.0  # horizontal distance between layers; units are 1 apart vertically
    x_lim = (-1.0, (n_layers - 1) * dx + 1.0)
    y_lim = (-top - 1.3, top + 1.3)
    width = min(_MAX_WIDTH, 1.0 + 1.3 * n_layers)
    height = max(3.0, width * np.ptp(y_lim) / np.ptp(x_lim) + 0.4)
    fig, ax = _figure_and_axes(ax, (width, min(height, 6.5)))
    ax.axis("off")

    radius = 0.3
    for l in range(n_layers - 1):
        for unit, y0 in shown[l]:
            for unit_next, y1 in shown[l + 1]:
                if unit is not None and unit_next is not None:
                    ax.plot([l * dx, (l + 1) * dx], [y0, y1], color="#9A9A9A", lw=0.7,
                            alpha=0.6, zorder=1)

    fills = {"input": ("#D6ECF9", PALETTE["blue"]), "hidden": ("#DDF2EA", PALETTE["green"]),
             "output": ("#FBE0CC", PALETTE["vermillion"])}
    names = _layer_names(n_layers)
    for l, units in enumerate(shown):
        kind = "input" if l == 0 else "output" if l == n_layers - 1 else "hidden"
        face, edge = fills[kind]
        for unit, y in units:
            if unit is None:
                ax.text(l * dx, y, "⋮", ha="center", va="center", fontsize=16, color="#444444")
            else:
                ax.add_patch(Circle((l * dx, y), radius, facecolor=face, edgecolor=edge, lw=1.5,
                                    zorder=2))
        ax.text(l * dx, top + 0.1, names[l].replace(" layer", "\nlayer"), ha="center",
                va="bottom", fontsize=10, color=edge, fontweight="bold")
        below = f"{sizes[l]} unit" + ("s" if sizes[l] != 1 else "")
        if activations is not None and l > 0:
            below += f"\n{activations[l - 1]}"
        ax.text(l * dx, -top - 0.05, below, ha="center", va="top", fontsize=9, color="#444444")

    ax.set_xlim(*x_lim)
    ax.set_ylim(*y_lim)
    ax.set_aspect("equal")
    if title is None:
        n_hidden = n_layers - 2
        n_params = count_params(sizes)
        title = (f"{'-'.join(map(str, sizes))} network: {n_hidden} hidden "
                 f"layer{'s' if n_hidden != 1 else ''}, {n_params:,} parameters")
    ax.set_title(title)
    return fig


# --------------------------------------------------------------------------- activations

_RANGES = {
    "linear": "(-∞, ∞)", "step": "{0, 1}", "sigmoid": "(0, 1)", "tanh": "(-1, 1)",
    "relu": "[0, ∞)", "leaky_relu": "(-∞, ∞)",
}
_PRETTY = {"linear": "linear", "step": "step", "sigmoid": "sigmoid", "tanh": "tanh",
           "relu": "ReLU", "leaky_relu": "leaky ReLU"}


def _activation_values(name, z, leaky_alpha=0.01, derivative=False):
    """g(z) or g'(z) for a named elementwise activation, from nncourse.reference."""
    if name == "leaky_relu":
        function = _activations.leaky_relu_derivative if derivative else _activations.leaky_relu
        return function(z, alpha=leaky_alpha)
    return (_activations.DERIVATIVES if derivative else _activations.ACTIVATIONS)[name](z)


def _break_jumps(z, g):
    """g with nan inserted where it jumps, so a step is not drawn with a vertical line."""
    g = np.array(g, dtype=float)
    jumps = np.abs(np.diff(g)) > 0.5
    g[1:][jumps] = np.nan
    return g


@_course_style
def plot_activations(names=("step", "sigmoid", "tanh", "relu", "leaky_relu"), derivatives=True,
                     z_range=(-5.0, 5.0), leaky_alpha=0.1):
    """One panel per activation g(z), with its derivative g'(z) dashed and its range written in.

    names: elementwise activation names (softmax acts on a whole row and is not drawn here).
    leaky_alpha: the slope drawn for leaky ReLU (the default 0.01 would look like ReLU).
    """
    if isinstance(names, str):
        names = (names,)
    names = [_check_choice(n, tuple(_RANGES), "each activation name") for n in names]
    if not names:
        raise ValueError("names must list at least one activation.")
    lo, hi = z_range
    if not lo < hi:
        raise ValueError(f"z_range must be (low, high) with low < high; got {z_range}.")
    fig, axes = _grid(len(names), 3, (2.85, 2.6))
    z = np.linspace(lo, hi, 801)
    for ax, name in zip(axes, names):
        g = _activation_values(name, z, leaky_alpha)
        ax.axhline(0, color="#BBBBBB", lw=0.8, zorder=0)
        ax.axvline(0, color="#BBBBBB", lw=0.8, zorder=0)
        ax.plot(z, _break_jumps(z, g), color=PALETTE["blue"], label="g(z)")
        if derivatives:
            dg = _activation_values(name, z, leaky_alpha, derivative=True)
            ax.plot(z, _break_jumps(z, dg), color=PALETTE["vermillion"], ls="--",
                    label="g′(z)")
        title = _PRETTY[name] + (f" (α = {leaky_alpha:g})" if name == "leaky_relu" else "")
        ax.set_title(title)
        ax.set_xlabel("z")
        ax.text(0.03, 0.96, f"range {_RANGES[name]}", transform=ax.transAxes, ha="left",
                va="top", fontsize=9, bbox=dict(boxstyle="round,pad=0.25", facecolor="white",
                                                edgecolor="#CCCCCC"))
        ax.grid(True, lw=0.5)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center",
               ncols=2, fontsize=10)
    if derivatives:
        fig.suptitle("Activation functions g(z) (solid) and their derivatives g′(z) (dashed)")
    else:
        fig.suptitle("Activation functions g(z)")
    return fig


# --------------------------------------------------------------------------- logic gates

def logic_gate_outputs(w, b, gate="and", activation="step"):
    """What one neuron does on the four inputs of a two-input gate.

    w: shape (2,).   b: a number.   gate: "and", "or", "nand", "nor" or "xor".
    activation: "step" or "sigmoid".
    Returns (X (4, 2), target (4,), output (4,), computes) where output = g(X @ w + b) and
    computes is True when thresholding output at 0.5 matches the gate's target on all four.
    """
    w = np.asarray(w, dtype=float)
    if w.shape != (2,) or not np.all(np.isfinite(w)):
        raise ValueError(f"w must be two finite weights, shape (2,); got {np.asarray(w)!r}.")
    if np.ndim(b) != 0 or not isinstance(np.asarray(b).item(), numbers.Real) \
            or not np.isfinite(float(b)):
        raise ValueError(f"b must be one finite number; got {b!r}.")
    gate = _check_choice(gate, tuple(LOGIC_GATES), "gate")
    activation = _check_choice(activation, ("step", "sigmoid"), "activation")
    X, target = logic_gate(gate)
    output = _activation_values(activation, X @ w + float(b))
    computes = bool(np.all((output >= 0.5) == (target == 1)))
    return X, target, output, computes


def _signed(value):
    """'+ 1.5' or '− 0.5': a number written after a plus or minus sign."""
    return f"{'−' if value < 0 else '+'} {abs(value):.2g}"


@_course_style
def plot_logic_gate(w, b, gate="and", activation="step", ax=None):
    """The four inputs of a two-input gate, coloured by the gate's truth, with the neuron's
    decision line w1 x1 + w2 x2 + b = 0 and the regions where it outputs 1 and 0 shaded.

    w: shape (2,).   b: a number.   gate: "and", "or", "nand", "nor" or "xor".
    activation: "step" or "sigmoid" (output 1 means g(z) >= 0.5, i.e. z >= 0, for both).
    """
    X, target, output, computes = logic_gate_outputs(w, b, gate, activation)
    w = np.asarray(w, dtype=float)
    b = float(b)
    fig, ax = _figure_and_axes(ax, (6.0, 3.8))
    lim = (-0.5, 1.5)
    grid = np.linspace(*lim, 101)  # Z is linear, so even a coarse grid draws its contours exactly
    G1, G2 = np.meshgrid(grid, grid)
    Z = w[0] * G1 + w[1] * G2 + b
    if activation == "sigmoid":
        ax.contourf(G1, G2, _activation_values("sigmoid", Z), levels=np.linspace(0, 1, 21),
                    cmap=PROBABILITY_CMAP, alpha=0.8, zorder=0)
    else:
        ax.contourf(G1, G2, (Z >= 0).astype(float), levels=[-0.5, 0.5, 1.5],
                    cmap=PROBABILITY_CMAP, alpha=0.8, zorder=0)
    if np.any(w != 0):
        ax.contour(G1, G2, Z, levels=[0], colors="#222222", linewidths=2, zorder=1)
    ax.plot([], [], color="#222222", lw=2,
            label=f"{w[0]:.2g}·x₁ {_signed(w[1])}·x₂ {_signed(b)} = 0")

    for value, name in ((0, "target 0"), (1, "target 1")):
        mask = target == value
        ax.scatter(X[mask, 0], X[mask, 1], s=170, c=CLASS_COLORS[value], marker=_MARKERS[value],
                   edgecolors="black", linewidths=1.2, zorder=3, label=name)
    wrong = (output >= 0.5) != (target == 1)
    if wrong.any():
        ax.scatter(X[wrong, 0], X[wrong, 1], s=520, facecolors="none", edgecolors="black",
                   linewidths=1.5, linestyle="--", zorder=2, label="wrong output")
    ax.set_xlim(*lim)
    ax.set_ylim(*lim)
    ax.set_aspect("equal")
    ax.set_xticks([0, 1])
    ax.set_yticks([0, 1])
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0, markerscale=0.6)
    shading = ("shaded: orange where the\nneuron outputs 1, blue 0" if activation == "step" else
               "shaded: the neuron's output,\nblue 0, white 0.5, orange 1")
    ax.text(1.04, 0.0, shading, transform=ax.transAxes, fontsize=8.5, va="bottom", ha="left",
            color="#444444")
    gate_name = gate.upper()
    if computes:
        title = f"✓ this neuron computes {gate_name}"
    else:
        title = f"✗ not {gate_name}: {int(wrong.sum())} of 4 inputs wrong"
    ax.set_title(title, color="#1B7F3B" if computes else PALETTE["vermillion"],
                 fontweight="bold")
    return fig


# --------------------------------------------------------------------------- decision boundaries

def _predict_on(predict_fn, points):
    """predict_fn(points) as a float array (k,); (k, 1) is flattened, (k, c) becomes argmax."""
    out = np.asarray(predict_fn(points), dtype=float)
    k = len(points)
    if out.ndim == 2 and out.shape == (k, 1):
        out = out[:, 0]
    elif out.ndim == 2 and out.shape[0] == k and out.shape[1] > 1:
        out = out.argmax(axis=1).astype(float)
    if out.shape != (k,):
        raise ValueError(f"predict_fn must map a (k, 2) array to labels or probabilities of "
                         f"shape (k,) or (k, 1); for k = {k} it returned shape {out.shape}.")
    return out


def _is_labels(values):
    return bool(np.all(np.isfinite(values)) and np.all(values == np.round(values)))


def _draw_boundary(ax, predict_fn, X, y, resolution, legend=True, point_size=26):
    """Filled regions of predict_fn over the range of X, the 0.5 contour, and the points.

    Returns the accuracy of predict_fn on X (thresholded at 0.5 for probabilities).
    """
    pad_x = 0.1 * max(np.ptp(X[:, 0]), 1e-3)
    pad_y = 0.1 * max(np.ptp(X[:, 1]), 1e-3)
    gx = np.linspace(X[:, 0].min() - pad_x, X[:, 0].max() + pad_x, resolution)
    gy = np.linspace(X[:, 1].min() - pad_y, X[:, 1].max() + pad_y, resolution)
    G1, G2 = np.meshgrid(gx, gy)
    out = _predict_on(predict_fn, np.column_stack([G1.ravel(), G2.ravel()])).reshape(G1.shape)
    n_classes = int(max(y.max() + 1, 2))
    if _is_labels(out) and (out.max() > 1 or n_classes > 2):
        n_classes = int(max(n_classes, out.max() + 1))
        light = ListedColormap([_lighten(c) for c in CLASS_COLORS[:n_classes]])
        ax.contourf(G1, G2, out, levels=np.arange(-0.5, n_classes), cmap=light, zorder=0)
        ax.contour(G1, G2, out, levels=np.arange(0.5, n_classes - 1), colors="#444444",
                   linewidths=1, zorder=1)
        predicted = _predict_on(predict_fn, X)
    else:
        if np.nanmin(out) < -1e-9 or np.nanmax(out) > 1 + 1e-9:
            raise ValueError("predict_fn must return labels 0, 1, ... or probabilities in "
                             f"[0, 1]; got values from {np.nanmin(out):.3g} to "
                             f"{np.nanmax(out):.3g}.")
        ax.contourf(G1, G2, out, levels=np.linspace(0, 1, 11), cmap=PROBABILITY_CMAP,
                    alpha=0.7, zorder=0)
        if out.min() < 0.5 < out.max():  # the boundary is in view
            ax.contour(G1, G2, out, levels=[0.5], colors="#222222", linewidths=2, zorder=1)
        ax.plot([], [], color="#222222", lw=2, label="boundary p = 0.5")
        predicted = (_predict_on(predict_fn, X) >= 0.5).astype(float)
    for c in np.unique(y):
        mask = y == c
        ax.scatter(X[mask, 0], X[mask, 1], s=point_size, c=CLASS_COLORS[c % 10],
                   marker=_MARKERS[c % 10], edgecolors="black", linewidths=0.6, zorder=3,
                   label=f"class {c}")
    ax.set_xlim(gx[0], gx[-1])
    ax.set_ylim(gy[0], gy[-1])
    if legend:
        ax.legend(loc="best")
    return float(np.mean(predicted == y))


def _lighten(color, amount=0.6):
    """color mixed with white (amount 0: unchanged, 1: white)."""
    rgb = np.array(mpl.colors.to_rgb(color))
    return tuple(rgb + (1 - rgb) * amount)


@_course_style
def plot_decision_boundary(predict_fn, X, y, ax=None, title=None, resolution=200):
    """What a classifier predicts everywhere in the plane, with the data points on top.

    predict_fn: maps a (k, 2) array to labels (k,) or probabilities of class 1 (k,) or (k, 1)
                (a (k, c) array of class probabilities is reduced with argmax).
    X: (m, 2).   y: (m,) integer labels.   resolution: grid points per axis.
    The title reports the accuracy on X.
    """
    X = _as_points(X)
    y = _as_labels(y, len(X))
    if isinstance(resolution, bool) or not isinstance(resolution, numbers.Integral) \
            or not 10 <= resolution <= 1000:
        raise ValueError(f"resolution must be an integer from 10 to 1000; got {resolution!r}.")
    if not callable(predict_fn):
        raise ValueError("predict_fn must be a function of a (k, 2) array.")
    fig, ax = _figure_and_axes(ax, (5.6, 4.6))
    acc = _draw_boundary(ax, predict_fn, X, y, resolution)
    ax.set_title(f"{title or 'Decision boundary'} (accuracy {acc:.0%})")
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    return fig


@_course_style
def plot_boundary_snapshots(snapshots, X, y, ncols=4, resolution=100):
    """A grid of decision boundaries, one per (epoch, predict_fn) in snapshots, showing how
    the boundary changes while a network trains.

    snapshots: list of (epoch, predict_fn).   X: (m, 2).   y: (m,).
    """
    snapshots = list(snapshots)
    if not snapshots or any(not (isinstance(s, tuple) and len(s) == 2 and callable(s[1]))
                            for s in snapshots):
        raise ValueError("snapshots must be a non-empty list of (epoch, predict_fn) pairs.")
    X = _as_points(X)
    y = _as_labels(y, len(X))
    fig, axes = _grid(len(snapshots), ncols, (2.15, 2.15))
    for ax, (epoch, predict_fn) in zip(axes, snapshots):
        acc = _draw_boundary(ax, predict_fn, X, y, resolution, legend=False, point_size=10)
        ax.set_title(f"epoch {epoch}: {acc:.0%}", fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_aspect("equal", adjustable="box")
    fig.suptitle("The decision boundary while the network trains (accuracy on the data)")
    return fig


# --------------------------------------------------------------------------- training curves

def _series(history, name):
    """history.<name> as a float array, or None when it is absent or empty."""
    values = getattr(history, name, None)
    if values is None or len(values) == 0:
        return None
    return np.asarray(values, dtype=float)


@_course_style
def plot_history(history, ax=None, title=None, log=False):
    """The loss per epoch, and the accuracy when the history has it.

    history: a list of costs (one per epoch), or a History from nncourse.reference.train with
    optional .accuracy, .val_loss and .val_accuracy (validation curves are dashed).
    Without ax: a loss panel and, when there is accuracy, an accuracy panel beside it.
    With ax: everything on that Axes, accuracy on a second y axis.
    log: draw the loss on a log scale.
    """
    loss = np.asarray(list(history), dtype=float) if not isinstance(history, str) else None
    if loss is None or loss.ndim != 1 or loss.size == 0:
        raise ValueError("history must be a non-empty list of per-epoch costs (or a History).")
    val_loss = _series(history, "val_loss")
    accuracy = _series(history, "accuracy")
    val_accuracy = _series(history, "val_accuracy")
    if ax is None:
        if accuracy is not None or val_accuracy is not None:
            fig = new_figure((8.6, 3.5))
            loss_ax, acc_ax = fig.subplots(1, 2)
        else:
            fig = new_figure((6.0, 3.8))
            loss_ax, acc_ax = fig.add_subplot(), None
    else:
        fig, loss_ax = ax.figure, ax
        acc_ax = ax.twinx() if accuracy is not None or val_accuracy is not None else None

    def draw(ax, values, label, color, dashed=False):
        epochs = np.arange(1, len(values) + 1)
        ax.plot(epochs, values, color=color, ls="--" if dashed else "-", label=label,
                marker="o" if len(values) <= 12 else None, markersize=4)

    draw(loss_ax, loss, "training loss", PALETTE["blue"])
    if val_loss is not None:
        draw(loss_ax, val_loss, "validation loss", PALETTE["blue"], dashed=True)
    bad = ~np.isfinite(loss)
    if bad.any():
        first = int(np.argmax(bad)) + 1
        loss_ax.axvline(first, color=PALETTE["vermillion"], lw=1)
        loss_ax.text(first, 0.5, f"loss became {loss[first - 1]} at epoch {first} \n"
                     "(learning rate too large?) ", transform=loss_ax.get_xaxis_transform(),
                     color=PALETTE["vermillion"], fontsize=9, va="center", ha="right")
        loss_ax.set_xlim(right=len(loss) + 0.5)
    if log and np.all(loss[np.isfinite(loss)] > 0):
        loss_ax.set_yscale("log")
    loss_ax.set_xlabel("epoch")
    loss_ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    loss_ax.set_ylabel("loss (cost)")
    loss_ax.grid(True, lw=0.5)
    handles, labels = loss_ax.get_legend_handles_labels()
    if acc_ax is not None:
        acc_color = PALETTE["vermillion"] if ax is not None else PALETTE["green"]
        if accuracy is not None:
            draw(acc_ax, accuracy, "training accuracy", acc_color)
        if val_accuracy is not None:
            draw(acc_ax, val_accuracy, "validation accuracy", acc_color, dashed=True)
        acc_ax.set_ylabel("accuracy")
        acc_ax.set_ylim(-0.02, 1.02)
        if ax is None:
            acc_ax.set_xlabel("epoch")
            acc_ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            acc_ax.grid(True, lw=0.5)
            acc_ax.set_title("Accuracy per epoch")
            acc_ax.legend(loc="lower right")
        else:
            more_handles, more_labels = acc_ax.get_legend_handles_labels()
            handles, labels = handles + more_handles, labels + more_labels
    legend_ax = acc_ax if ax is not None and acc_ax is not None else loss_ax  # the top Axes
    legend_ax.legend(handles, labels, loc="center right")
    final = loss[np.isfinite(loss)]
    if bad.any():
        default = "Loss per epoch (training diverged)"
    else:
        default = f"Loss per epoch (last {final[-1]:.4g})"
    loss_ax.set_title(title or default)
    return fig


@_course_style
def plot_training_state(predict_fn, X, y, history, epoch=None, title=None, resolution=80):
    """Training at a glance: the decision boundary now (left) and the loss so far (right).

    predict_fn, X, y: as for plot_decision_boundary.   history: the costs so far (list/History).
    epoch: the epoch shown (default: len(history)).
    """
    X = _as_points(X)
    y = _as_labels(y, len(X))
    fig = new_figure((8.6, 3.7))
    boundary_ax, loss_ax = fig.subplots(1, 2, width_ratios=[1.1, 1])
    acc = _draw_boundary(boundary_ax, predict_fn, X, y, resolution, point_size=14)
    epoch = len(history) if epoch is None else epoch
    boundary_ax.set_title(f"epoch {epoch}: accuracy {acc:.0%}")
    boundary_ax.set_xlabel("x₁")
    boundary_ax.set_ylabel("x₂")
    if len(history):
        plot_history(history, ax=loss_ax)
    else:
        loss_ax.set_title("Loss per epoch (not trained yet)")
        loss_ax.text(0.5, 0.5, "the loss curve appears\nwhile the network trains",
                     transform=loss_ax.transAxes, ha="center", va="center", color="#777777")
        loss_ax.set_xticks([])
        loss_ax.set_yticks([])
        loss_ax.set_xlabel("epoch")
        loss_ax.set_ylabel("loss (cost)")
    if title:
        fig.suptitle(title)
    return fig


@_course_style
def plot_gradient_descent_1d(f, df, x0, learning_rate, steps=10, ax=None):
    """The path of gradient descent x <- x - learning_rate * f'(x) on a function of one number.

    f, df: the function and its derivative (numpy-vectorised or not).   x0: the start.
    Without ax: the path on the curve f, and f(x) per step beside it. With ax: the path only.
    The title says whether the steps converge, oscillate or diverge.
    """
    if not (callable(f) and callable(df)):
        raise ValueError("f and df must be functions of one number.")
    if not (isinstance(learning_rate, numbers.Real) and learning_rate > 0):
        raise ValueError(f"learning_rate must be a positive number; got {learning_rate!r}.")
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or not 1 <= steps <= 1000:
        raise ValueError(f"steps must be an integer from 1 to 1000; got {steps!r}.")
    x0 = float(x0)
    if not np.isfinite(x0):
        raise ValueError(f"x0 must be a finite number; got {x0}.")
    path = [x0]
    for _ in range(steps):
        x = path[-1] - learning_rate * float(df(path[-1]))
        path.append(x)
        if not np.isfinite(x) or abs(x) > 1e6 * max(1.0, abs(x0)):
            break
    path = np.array(path)
    values = np.array([float(f(x)) if np.isfinite(x) else np.nan for x in path])

    if ax is None:
        fig = new_figure((8.6, 3.6))
        ax, value_ax = fig.subplots(1, 2, width_ratios=[1.5, 1])
    else:
        fig, value_ax = ax.figure, None

    # draw the curve over the part of the path near the start (a diverging path runs away)
    near = path[np.isfinite(path) & (np.abs(path - x0) <= 8 * max(1.0, abs(x0)))]
    lo, hi = near.min(), near.max()
    span = max(hi - lo, 1.0)
    grid = np.linspace(lo - 0.25 * span, hi + 0.25 * span, 400)
    curve = np.array([float(f(x)) for x in grid])
    ax.plot(grid, curve, color="#555555", lw=2, label="f(x)", zorder=1)
    shown = np.isfinite(path) & (path >= grid[0]) & (path <= grid[-1])
    for i in range(len(path) - 1):
        if shown[i] and shown[i + 1]:
            _draw_arrow(ax, (path[i], values[i]), (path[i + 1], values[i + 1]),
                        color=PALETTE["vermillion"], lw=1.2)
    order = np.arange(len(path))
    ax.scatter(path[shown], values[shown], c=order[shown], cmap="viridis", s=40,
               edgecolors="black", linewidths=0.6, zorder=3, label="x after each step")
    ax.scatter([x0], [values[0]], s=120, facecolors="none", edgecolors="black", zorder=4,
               label="start")
    ax.set_ylim(min(curve.min(), np.nanmin(values[shown])) - 0.1 * np.ptp(curve),
                np.max(curve) + 0.1 * np.ptp(curve) + 1e-9)
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    ax.legend(loc="upper center", fontsize=8)

    behaviour = _describe_descent(path, values)
    ax.set_title(f"learning rate {learning_rate:g}: {behaviour}")
    if value_ax is not None:
        value_ax.plot(order, values, color=PALETTE["blue"], marker="o", markersize=4)
        value_ax.set_xlabel("step")
        value_ax.set_ylabel("f(x)")
        value_ax.set_title("f(x) after each step")
        value_ax.grid(True, lw=0.5)
        if np.all(values[np.isfinite(values)] > 0) and np.nanmax(values) > 100 * max(
                np.nanmin(values), 1e-12):
            value_ax.set_yscale("log")
    return fig


def _describe_descent(path, values):
    """A few words on how the path went: diverges, oscillates, zig-zags, moves slowly or
    converges (judged from how f(x) and the step lengths change)."""
    if not np.all(np.isfinite(values)) or values[-1] > values[0] + 1e-12:
        return "diverges"
    moves = np.abs(np.diff(path))
    if len(moves) < 2 or moves[0] == 0:
        return "converges" if len(moves) and moves[0] == 0 else "one step"
    turns = np.sum(np.sign(np.diff(path))[1:] != np.sign(np.diff(path))[:-1])
    if turns >= (len(moves) - 1) / 2:
        if values[-1] >= values[0] - 1e-9 * max(1.0, abs(values[0])):
            return "oscillates, no progress"
        return "zig-zags towards the minimum"
    if moves[-1] > 0.25 * moves[0]:
        return "moves slowly"
    return "converges"


# --------------------------------------------------------------------------- evaluation

@_course_style
def plot_confusion_matrix(cm, class_names=None, ax=None, title=None, normalize=False):
    """A confusion matrix with the count in every cell: rows true class, columns predicted.

    cm: (k, k) non-negative counts.   class_names: k names (default 0..k-1).
    normalize: show each row as fractions of its true class (rows sum to 1).
    """
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or cm.shape[0] == 0:
        raise ValueError(f"cm must be a square (k, k) matrix; got shape {cm.shape}.")
    if not np.all(np.isfinite(cm)) or np.any(cm < 0):
        raise ValueError("cm must hold non-negative counts.")
    k = cm.shape[0]
    names = [str(i) for i in range(k)] if class_names is None else [str(n) for n in class_names]
    if len(names) != k:
        raise ValueError(f"class_names needs {k} names, one per row of cm; got {len(names)}.")
    totals = cm.sum(axis=1, keepdims=True)
    shown = np.divide(cm, totals, out=np.zeros(cm.shape), where=totals > 0) if normalize \
        else cm
    side = min(6.2, 2.4 + 0.45 * k)
    fig, ax = _figure_and_axes(ax, (side + 0.6, side))
    vmax = 1.0 if normalize else max(float(shown.max()), 1.0)
    image = ax.imshow(shown, cmap="Blues", vmin=0, vmax=vmax)
    font = 12 if k <= 4 else 10 if k <= 8 else 8.5
    for i in range(k):
        for j in range(k):
            text = f"{shown[i, j]:.2f}" if normalize else f"{int(round(cm[i, j]))}"
            dark = image.cmap(image.norm(shown[i, j]))[:3]
            color = "white" if np.dot(dark, (0.299, 0.587, 0.114)) < 0.5 else "#222222"
            ax.text(j, i, text, ha="center", va="center", fontsize=font, color=color,
                    fontweight="bold" if i == j else "normal")
    ax.set_xticks(range(k), names, rotation=45 if max(map(len, names)) > 3 else 0)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    total = cm.sum()
    acc = np.trace(cm) / total if total > 0 else float("nan")
    ax.set_title(title or f"Confusion matrix (accuracy {acc:.1%})")
    return fig


@_course_style
def show_digits(X, y_true, y_pred=None, max_images=24, title=None, ncols=8):
    """8x8 digit images from the rows of X, captioned "true 3" or "true 3 / predicted 5";
    wrong predictions get a thick vermillion frame and a ✗.

    X: (m, 64) pixel rows.   y_true: (m,) labels.   y_pred: (m,) labels or None.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 64 or X.shape[0] == 0:
        raise ValueError(f"X must have shape (m, 64): one 8x8 image per row; got {X.shape}.")
    y_true = _as_labels(y_true, len(X), "y_true")
    if y_pred is not None:
        y_pred = _as_labels(y_pred, len(X), "y_pred")
    if isinstance(max_images, bool) or not isinstance(max_images, numbers.Integral) \
            or max_images < 1:
        raise ValueError(f"max_images must be a positive integer; got {max_images!r}.")
    n = min(len(X), max_images)
    fig, axes = _grid(n, ncols, (1.05, 1.3))
    for i, ax in enumerate(axes):
        ax.imshow(X[i].reshape(8, 8), cmap="gray_r", interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        if y_pred is None:
            ax.set_title(f"true {y_true[i]}", fontsize=9)
        elif y_pred[i] == y_true[i]:
            ax.set_title(f"true {y_true[i]}\npredicted {y_pred[i]}", fontsize=8.5)
        else:
            ax.set_title(f"✗ true {y_true[i]}\npredicted {y_pred[i]}", fontsize=8.5,
                         color=PALETTE["vermillion"], fontweight="bold")
            for spine in ax.spines.values():
                spine.set_edgecolor(PALETTE["vermillion"])
                spine.set_linewidth(3.5)
    if title is None:
        title = f"{n} of {len(X)} digits"
        if y_pred is not None:
            n_wrong = int(np.sum(y_pred[:n] != y_true[:n]))
            title += f": {n_wrong} predicted wrong (framed)"
    fig.suptitle(title)
    return fig


@_course_style
def plot_search_results(results, x="learning_rate", hue=None, metric="val_accuracy", ax=None):
    """Results of a hyperparameter search: metric against one hyperparameter x, one line per
    value of hue. The best run is starred and described.

    results: list of dicts, one per run, e.g. {"learning_rate": 0.1, "optimizer": "adam",
    "val_accuracy": 0.93}. Several runs with the same x and hue are shown as points with a
    line through their mean. A numeric x spanning more than a factor 20 gets a log axis.
    """
    results = list(results)
    if not results or not all(isinstance(r, dict) for r in results):
        raise ValueError("results must be a non-empty list of dicts, one per run.")
    for key in (x, metric) + ((hue,) if hue is not None else ()):
        missing = [i for i, r in enumerate(results) if key not in r]
        if missing:
            raise ValueError(f"result {missing[0]} has no key {key!r} (it has "
                             f"{', '.join(map(repr, results[missing[0]]))}).")
    xs = [r[x] for r in results]
    numeric = all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in xs)
    if numeric:
        positions = np.array(xs, dtype=float)
        ticks = None
    else:
        categories = list(dict.fromkeys(str(v) for v in xs))
        positions = np.array([categories.index(str(v)) for v in xs], dtype=float)
        ticks = categories
    scores = np.array([float(r[metric]) for r in results])
    groups = list(dict.fromkeys(r[hue] for r in results)) if hue is not None else [None]

    fig, ax = _figure_and_axes(ax, (6.8, 4.2))
    for g, group in enumerate(groups):
        rows = [i for i, r in enumerate(results) if hue is None or r[hue] == group]
        px, ps = positions[rows], scores[rows]
        color = CLASS_COLORS[g % 10]
        label = None if hue is None else f"{hue} = {group}"
        ax.scatter(px, ps, color=color, marker=_MARKERS[g % 10], edgecolors="black",
                   linewidths=0.5, s=45, zorder=3, label=label)
        xs_unique = np.unique(px)
        means = [ps[px == u].mean() for u in xs_unique]
        if len(xs_unique) > 1:
            ax.plot(xs_unique, means, color=color, lw=1.5, zorder=2)
    best = int(np.nanargmax(scores))
    ax.scatter([positions[best]], [scores[best]], marker="*", s=320, color=PALETTE["yellow"],
               edgecolors="black", zorder=4, label=f"best: {scores[best]:.3g}")
    described = ", ".join(f"{k}={v}" for k, v in results[best].items()
                          if k != metric and not isinstance(v, (list, dict, np.ndarray)))
    ax.text(0.01, 0.01, f"best run: {described}", transform=ax.transAxes, fontsize=8.5,
            ha="left", va="bottom", color="#444444", wrap=True)
    if numeric and positions.min() > 0 and positions.max() / positions.min() > 20:
        ax.set_xscale("log")
    if ticks is not None:
        ax.set_xticks(range(len(ticks)), ticks)
    ax.set_xlabel(x.replace("_", " "))
    ax.set_ylabel(metric.replace("_", " "))
    ax.grid(True, lw=0.5)
    ax.legend(loc="best")
    ax.set_title(f"{metric.replace('_', ' ')} by {x.replace('_', ' ')}"
                 + (f" and {hue.replace('_', ' ')}" if hue else "") + f" ({len(results)} runs)")
    return fig


@_course_style
def plot_cost_functions(eps=1e-3):
    """The cost of one prediction p against its true label y, for y = 1 and y = 0:
    squared error (p - y)^2 and binary cross-entropy -(y log p + (1 - y) log(1 - p)).
    """
    p = np.linspace(eps, 1 - eps, 500)
    fig = new_figure((8.6, 3.7))
    axes = fig.subplots(1, 2, sharey=True)
    for ax, y in zip(axes, (1, 0)):
        squared = (p - y) ** 2
        bce = -(y * np.log(p) + (1 - y) * np.log(1 - p))
        ax.plot(p, squared, color=PALETTE["blue"], label="squared error $(p - y)^2$")
        ax.plot(p, bce, color=PALETTE["vermillion"], ls="--",
                label="cross-entropy $-\\log p$" if y == 1 else "cross-entropy $-\\log(1-p)$")
        ax.set_ylim(0, 5)
        ax.set_xlim(0, 1)
        ax.set_xlabel("prediction p (probability of class 1)")
        ax.set_title(f"true label y = {y}")
        ax.grid(True, lw=0.5)
        ax.legend(loc="upper center")
        wrong_end = 0.03 if y == 1 else 0.97
        ax.annotate("confidently wrong:\ncross-entropy → ∞,\nsquared error ≤ 1",
                    xy=(wrong_end, 4.6), xytext=(0.5, 3.0), ha="center", fontsize=9,
                    arrowprops=dict(arrowstyle="->", color="#444444"))
    axes[0].set_ylabel("cost of this one example")
    fig.suptitle("Squared error and cross-entropy for one prediction")
    return fig
