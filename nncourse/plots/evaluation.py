"""Notebook 08's figures: confusion matrices, digit images and the results of a hyperparameter search."""
import numbers

import numpy as np

from .figures import CLASS_COLORS, MARKERS, PALETTE, check_labels, course_style, figure_and_axes, grid


@course_style
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
    fig, ax = figure_and_axes(ax, (side + 0.6, side))
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


@course_style
def show_digits(X, y_true, y_pred=None, max_images=24, title=None, ncols=8):
    """8x8 digit images from the rows of X, captioned "true 3" or "true 3 / predicted 5";
    wrong predictions get a thick vermillion frame and a ✗.

    X: (m, 64) pixel rows.   y_true: (m,) labels.   y_pred: (m,) labels or None.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 64 or X.shape[0] == 0:
        raise ValueError(f"X must have shape (m, 64): one 8x8 image per row; got {X.shape}.")
    y_true = check_labels(y_true, len(X), "y_true")
    if y_pred is not None:
        y_pred = check_labels(y_pred, len(X), "y_pred")
    if isinstance(max_images, bool) or not isinstance(max_images, numbers.Integral) \
            or max_images < 1:
        raise ValueError(f"max_images must be a positive integer; got {max_images!r}.")
    n = min(len(X), max_images)
    fig, axes = grid(n, ncols, (1.05, 1.3))
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


@course_style
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

    fig, ax = figure_and_axes(ax, (6.8, 4.2))
    for g, group in enumerate(groups):
        rows = [i for i, r in enumerate(results) if hue is None or r[hue] == group]
        px, ps = positions[rows], scores[rows]
        color = CLASS_COLORS[g % 10]
        label = None if hue is None else f"{hue} = {group}"
        ax.scatter(px, ps, color=color, marker=MARKERS[g % 10], edgecolors="black",
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
