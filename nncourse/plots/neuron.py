"""Notebook 01's figures: one neuron as a diagram, and one neuron on a two-input logic gate.

`logic_gate_outputs` is what both the gate figure and the neuron playground's truth table show:
what a neuron with weights w and bias b answers on the four inputs of a gate.
"""
import numbers

import numpy as np
from matplotlib.patches import Circle, FancyBboxPatch

from nncourse.datasets import LOGIC_GATES, logic_gate

from .figures import (
    ACTIVATION_LABELS,
    CLASS_COLORS,
    MARKERS,
    PALETTE,
    PROBABILITY_CMAP,
    activation_values,
    check_choice,
    check_integer,
    course_style,
    draw_arrow,
    figure_and_axes,
)


@course_style
def draw_neuron(n_inputs=3, activation="step", ax=None):
    """A labelled diagram of one neuron: a = g(x1 w1 + ... + xn wn + b).

    Inputs x1..xn on the left, a weight wi on each edge, the bias b, the sum node Σ, the
    activation g (a box showing its curve) and the output a.
    n_inputs: 1..8.   activation: one of the course's elementwise activation names.
    """
    n_inputs = check_integer(n_inputs, 1, 8, "n_inputs")
    activation = check_choice(activation, tuple(ACTIVATION_LABELS), "activation")
    fig, ax = figure_and_axes(ax, (7.8, 3.9))
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
        draw_arrow(ax, start, end)
        label_xy = start + 0.42 * (end - start)
        ax.text(*label_xy, f"$w_{{{i}}}$", ha="center", va="center", fontsize=12,
                color=PALETTE["vermillion"],
                bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none"))

    # bias
    bias_xy = (sum_xy[0], 2.15)
    ax.text(*bias_xy, "$b$  (bias)", ha="center", va="center", fontsize=12,
            color=PALETTE["vermillion"])
    draw_arrow(ax, (sum_xy[0], bias_xy[1] - 0.25), (sum_xy[0], sum_xy[1] + r_sum))

    # sum node
    ax.add_patch(Circle(sum_xy, r_sum, facecolor="#FFF1CC", edgecolor=PALETTE["orange"], lw=2))
    ax.text(*sum_xy, "Σ", ha="center", va="center", fontsize=20)

    # activation box with a sketch of g(z)
    box_x, box_w, box_h = 6.3, 1.6, 1.3
    ax.add_patch(FancyBboxPatch((box_x, -box_h / 2), box_w, box_h,
                                boxstyle="round,pad=0.05", facecolor="#DDF2EA",
                                edgecolor=PALETTE["green"], lw=2))
    z = np.linspace(-4, 4, 121)
    g = activation_values(activation, z, leaky_alpha=0.15)
    g = (g - g.min()) / max(np.ptp(g), 1e-12)
    ax.plot(box_x + 0.2 + (z + 4) / 8 * (box_w - 0.4), -box_h / 2 + 0.2 + g * (box_h - 0.4),
            color=PALETTE["green"], lw=2, solid_capstyle="round")
    draw_arrow(ax, (sum_xy[0] + r_sum, 0), (box_x - 0.05, 0))
    ax.text((sum_xy[0] + r_sum + box_x) / 2, 0.18, "$z$", ha="center", va="bottom", fontsize=12)

    # output
    draw_arrow(ax, (box_x + box_w + 0.05, 0), (9.4, 0))
    ax.text(9.55, 0, "$a$", ha="left", va="center", fontsize=14)

    # captions under each part
    caption_y = -2.45
    name = ACTIVATION_LABELS[activation]
    for x, text in ((0, "inputs"), (2.2, "weights"), (sum_xy[0], "weighted sum\n+ bias"),
                    (box_x + box_w / 2, f"activation\n{name}"), (9.6, "output")):
        ax.text(x, caption_y, text, ha="center", va="center", fontsize=10, color="#555555")
    g_name = {"sigmoid": r"\sigma", "step": r"\mathrm{step}", "tanh": r"\tanh",
              "relu": r"\mathrm{ReLU}", "leaky_relu": r"\mathrm{leaky\,ReLU}",
              "linear": r"\mathrm{linear}"}[activation]
    ax.set_title(rf"One neuron:  $z = x_1 w_1 + \dots + x_n w_n + b$,   $a = {g_name}(z)$",
                 fontsize=12)
    return fig


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
    gate = check_choice(gate, tuple(LOGIC_GATES), "gate")
    activation = check_choice(activation, ("step", "sigmoid"), "activation")
    X, target = logic_gate(gate)
    output = activation_values(activation, X @ w + float(b))
    computes = bool(np.all((output >= 0.5) == (target == 1)))
    return X, target, output, computes


def _signed(value):
    """'+ 1.5' or '− 0.5': a number written after a plus or minus sign."""
    return f"{'−' if value < 0 else '+'} {abs(value):.2g}"


@course_style
def plot_logic_gate(w, b, gate="and", activation="step", ax=None):
    """The four inputs of a two-input gate, coloured by the gate's truth, with the neuron's
    decision line w1 x1 + w2 x2 + b = 0 and the regions where it outputs 1 and 0 shaded.

    w: shape (2,).   b: a number.   gate: "and", "or", "nand", "nor" or "xor".
    activation: "step" or "sigmoid" (output 1 means g(z) >= 0.5, i.e. z >= 0, for both).
    """
    X, target, output, computes = logic_gate_outputs(w, b, gate, activation)
    w = np.asarray(w, dtype=float)
    b = float(b)
    fig, ax = figure_and_axes(ax, (6.0, 3.8))
    lim = (-0.5, 1.5)
    grid = np.linspace(*lim, 101)  # Z is linear, so even a coarse grid draws its contours exactly
    G1, G2 = np.meshgrid(grid, grid)
    Z = w[0] * G1 + w[1] * G2 + b
    if activation == "sigmoid":
        ax.contourf(G1, G2, activation_values("sigmoid", Z), levels=np.linspace(0, 1, 21),
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
        ax.scatter(X[mask, 0], X[mask, 1], s=170, c=CLASS_COLORS[value], marker=MARKERS[value],
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
