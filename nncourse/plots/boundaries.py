"""Decision boundaries (notebooks 03, 04 and 07): what a classifier predicts everywhere in the plane."""

import matplotlib as mpl
import numpy as np
from matplotlib.colors import ListedColormap

from .figures import (
    CLASS_COLORS,
    MARKERS,
    PROBABILITY_CMAP,
    check_integer,
    check_labels,
    check_points,
    course_style,
    figure_and_axes,
    grid,
)


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


def draw_boundary(ax, predict_fn, X, y, resolution, legend=True, point_size=26):
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
                   marker=MARKERS[c % 10], edgecolors="black", linewidths=0.6, zorder=3,
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


@course_style
def plot_decision_boundary(predict_fn, X, y, ax=None, title=None, resolution=200):
    """What a classifier predicts everywhere in the plane, with the data points on top.

    predict_fn: maps a (k, 2) array to labels (k,) or probabilities of class 1 (k,) or (k, 1)
                (a (k, c) array of class probabilities is reduced with argmax).
    X: (m, 2).   y: (m,) integer labels.   resolution: grid points per axis.
    The title reports the accuracy on X.
    """
    X = check_points(X)
    y = check_labels(y, len(X))
    resolution = check_integer(resolution, 10, 1000, "resolution")
    if not callable(predict_fn):
        raise ValueError("predict_fn must be a function of a (k, 2) array.")
    fig, ax = figure_and_axes(ax, (5.6, 4.6))
    acc = draw_boundary(ax, predict_fn, X, y, resolution)
    ax.set_title(f"{title or 'Decision boundary'} (accuracy {acc:.0%})")
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    return fig


@course_style
def plot_boundary_snapshots(snapshots, X, y, ncols=4, resolution=100):
    """A grid of decision boundaries, one per (epoch, predict_fn) in snapshots, showing how
    the boundary changes while a network trains.

    snapshots: list of (epoch, predict_fn).   X: (m, 2).   y: (m,).
    """
    snapshots = list(snapshots)
    if not snapshots or any(not (isinstance(s, tuple) and len(s) == 2 and callable(s[1]))
                            for s in snapshots):
        raise ValueError("snapshots must be a non-empty list of (epoch, predict_fn) pairs.")
    X = check_points(X)
    y = check_labels(y, len(X))
    fig, axes = grid(len(snapshots), ncols, (2.15, 2.15))
    for ax, (epoch, predict_fn) in zip(axes, snapshots):
        acc = draw_boundary(ax, predict_fn, X, y, resolution, legend=False, point_size=10)
        ax.set_title(f"epoch {epoch}: {acc:.0%}", fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_aspect("equal", adjustable="box")
    fig.suptitle("The decision boundary while the network trains (accuracy on the data)")
    return fig
