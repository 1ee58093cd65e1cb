"""Notebook 02's figure: activation functions and their derivatives, one panel each."""
import numpy as np

from .figures import ACTIVATION_LABELS, PALETTE, activation_values, check_choice, course_style, grid

_RANGES = {
    "linear": "(-∞, ∞)", "step": "{0, 1}", "sigmoid": "(0, 1)", "tanh": "(-1, 1)",
    "relu": "[0, ∞)", "leaky_relu": "(-∞, ∞)",
}


def _break_jumps(z, g):
    """g with nan inserted where it jumps, so a step is not drawn with a vertical line."""
    g = np.array(g, dtype=float)
    jumps = np.abs(np.diff(g)) > 0.5
    g[1:][jumps] = np.nan
    return g


@course_style
def plot_activations(names=("step", "sigmoid", "tanh", "relu", "leaky_relu"), derivatives=True,
                     z_range=(-5.0, 5.0), leaky_alpha=0.1):
    """One panel per activation g(z), with its derivative g'(z) dashed and its range written in.

    names: elementwise activation names (softmax acts on a whole row and is not drawn here).
    leaky_alpha: the slope drawn for leaky ReLU (the default 0.01 would look like ReLU).
    """
    if isinstance(names, str):
        names = (names,)
    names = [check_choice(n, tuple(_RANGES), "each activation name") for n in names]
    if not names:
        raise ValueError("names must list at least one activation.")
    lo, hi = z_range
    if not lo < hi:
        raise ValueError(f"z_range must be (low, high) with low < high; got {z_range}.")
    fig, axes = grid(len(names), 3, (2.85, 2.6))
    z = np.linspace(lo, hi, 801)
    for ax, name in zip(axes, names):
        g = activation_values(name, z, leaky_alpha)
        ax.axhline(0, color="#BBBBBB", lw=0.8, zorder=0)
        ax.axvline(0, color="#BBBBBB", lw=0.8, zorder=0)
        ax.plot(z, _break_jumps(z, g), color=PALETTE["blue"], label="g(z)")
        if derivatives:
            dg = activation_values(name, z, leaky_alpha, derivative=True)
            ax.plot(z, _break_jumps(z, dg), color=PALETTE["vermillion"], ls="--",
                    label="g′(z)")
        title = ACTIVATION_LABELS[name] + (f" (α = {leaky_alpha:g})" if name == "leaky_relu" else "")
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
