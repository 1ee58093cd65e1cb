"""Notebook 03's figure: a dense network as a diagram of layers of units."""
import numbers

import numpy as np
from matplotlib.patches import Circle

from nncourse.reference import count_params

from .figures import MAX_WIDTH, PALETTE, course_style, figure_and_axes


def _layer_names(n_layers):
    """'input layer', 'hidden layer 1', ..., 'output layer' for n_layers >= 2 layers."""
    hidden = [f"hidden layer {i}" for i in range(1, n_layers - 1)]
    return ["input layer", *hidden, "output layer"]


@course_style
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
            slots: list[int | None] = list(range(n))
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
    width = min(MAX_WIDTH, 1.0 + 1.3 * n_layers)
    height = max(3.0, width * np.ptp(y_lim) / np.ptp(x_lim) + 0.4)
    fig, ax = figure_and_axes(ax, (width, min(height, 6.5)))
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
