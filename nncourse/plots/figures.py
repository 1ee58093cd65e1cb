"""What every figure of the course shares: colours, style, the CourseFigure that displays itself,
and the small helpers the figure modules build on (layout, arrows, input checks, activations).

Each figure is a `matplotlib.figure.Figure` built without pyplot and returned, so it shows exactly
once when it is the last expression of a cell, and a loop that builds figures leaks none.
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
from cycler import cycler
from matplotlib.colors import LinearSegmentedColormap, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from nncourse import reference

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
MARKERS = ("o", "^", "s", "D", "v", "P", "X", "*", "h", "p")

# Our own rc settings, applied while a figure is built, so a dark matplotlib style (or JupyterLab's
# dark theme) can never give dark text on a dark background.
_STYLE: dict = {  # a plain dict: matplotlib's stubs type every rc key apart
    "figure.facecolor": "white",
    "figure.edgecolor": "white",
    "savefig.facecolor": "white",
    "axes.facecolor": "white",
    "axes.edgecolor": "#333333",
    "axes.labelcolor": "#222222",
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "axes.grid": False,
    "axes.prop_cycle": cycler(color=list(CLASS_COLORS)),
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
MAX_WIDTH = 8.6
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


def course_style(function):
    """Build the figure inside our rc settings (see `_STYLE`)."""
    @functools.wraps(function)
    def styled(*args, **kwargs):
        with mpl.rc_context(_STYLE):
            return function(*args, **kwargs)
    return styled


@course_style
def new_figure(figsize=(6.4, 4.2)):
    """An empty `CourseFigure` in the course's style (for a notebook's own plots).

    figsize: (width, height) in inches; width at most 8.6 so the figure fits a notebook column.
    """
    width, height = figsize
    if width > MAX_WIDTH:
        height, width = height * MAX_WIDTH / width, MAX_WIDTH
    return CourseFigure(figsize=(width, height), layout="constrained")


def figure_and_axes(ax, figsize):
    """(fig, ax): the given Axes and its figure, or a new figure with one Axes."""
    if ax is not None:
        return ax.figure, ax
    fig = new_figure(figsize)
    return fig, fig.add_subplot()


def grid(n_panels, ncols, panel_size, **subplot_kw):
    """A figure with n_panels Axes on a grid of ncols columns (unused cells removed)."""
    ncols = max(1, min(ncols, n_panels))
    nrows = math.ceil(n_panels / ncols)
    width, height = panel_size
    fig = new_figure((ncols * width, nrows * height))
    axes = fig.subplots(nrows, ncols, squeeze=False, **subplot_kw).ravel()
    for ax in axes[n_panels:]:
        ax.remove()
    return fig, list(axes[:n_panels])


def draw_arrow(ax, start, end, color="#444444", lw=1.4, **kwargs):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color=color,
                                 lw=lw, shrinkA=0, shrinkB=0, **kwargs))


def check_points(X, name="X"):
    """X as a float array (m, 2); ValueError otherwise."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2 or X.shape[0] == 0:
        raise ValueError(f"{name} must have shape (m, 2) with m >= 1 (two features, to draw them "
                         f"in the plane); got shape {X.shape}.")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} contains nan or inf.")
    return X


def check_labels(y, m, name="y"):
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


def check_integer(value, low, high, name):
    """value as an int if it is an integer from low to high; ValueError naming the range otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not low <= int(value) <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}; got {value!r}.")
    return int(value)


def check_choice(value, choices, name):
    """value (lower-cased) if it is one of choices; ValueError naming the choices otherwise."""
    if not isinstance(value, str) or value.lower() not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}.")
    return value.lower()


# activations, as the figures of notebooks 01 and 02 name and draw them

#: The name a figure gives each elementwise activation.
ACTIVATION_LABELS = {"linear": "linear", "step": "step", "sigmoid": "sigmoid", "tanh": "tanh",
           "relu": "ReLU", "leaky_relu": "leaky ReLU"}


def activation_values(name, z, leaky_alpha=0.01, derivative=False):
    """g(z), or g'(z) with derivative=True, for an elementwise activation of nncourse.reference."""
    if name == "leaky_relu":
        function = reference.leaky_relu_derivative if derivative else reference.leaky_relu
        return function(z, alpha=leaky_alpha)
    return (reference.DERIVATIVES if derivative else reference.ACTIVATIONS)[name](z)
