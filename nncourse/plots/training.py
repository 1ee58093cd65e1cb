"""Notebook 07's figures: gradient descent on one number, loss curves, and training at a glance."""
import numbers

import numpy as np
from matplotlib.ticker import MaxNLocator

from .boundaries import draw_boundary
from .figures import (
    PALETTE,
    check_integer,
    check_labels,
    check_points,
    course_style,
    draw_arrow,
    new_figure,
)


@course_style
def plot_gradient_descent_1d(f, df, x0, learning_rate, steps=10, ax=None):
    """The path of gradient descent x <- x - learning_rate * f'(x) on a function of one number.

    f, df: the function and its derivative (numpy-vectorised or not).   x0: the start.
    Without ax: the path on the curve f, and f(x) per step beside it. With ax: the path only.
    The title says whether the steps converge, oscillate or diverge.
    """
    if not (callable(f) and callable(df)):
        raise ValueError("f and df must be functions of one number.")
    if not (isinstance(learning_rate, numbers.Real) and float(learning_rate) > 0):
        raise ValueError(f"learning_rate must be a positive number; got {learning_rate!r}.")
    steps = check_integer(steps, 1, 1000, "steps")
    x0 = float(x0)
    if not np.isfinite(x0):
        raise ValueError(f"x0 must be a finite number; got {x0}.")
    xs = [x0]
    for _ in range(steps):
        x = xs[-1] - learning_rate * float(df(xs[-1]))
        xs.append(x)
        if not np.isfinite(x) or abs(x) > 1e6 * max(1.0, abs(x0)):
            break
    path = np.array(xs)
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
            draw_arrow(ax, (path[i], values[i]), (path[i + 1], values[i + 1]),
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


def _series(history, name):
    """history.<name> as a float array, or None when it is absent or empty."""
    values = getattr(history, name, None)
    if values is None or len(values) == 0:
        return None
    return np.asarray(values, dtype=float)


@course_style
def plot_history(history, ax=None, title=None, log=False):
    """The loss per epoch, and the accuracy when the history has it.

    history: a list of costs (one per epoch), or a History from nncourse.reference.fit with
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


@course_style
def plot_training_state(predict_fn, X, y, history, epoch=None, title=None, resolution=80):
    """Training at a glance: the decision boundary now (left) and the loss so far (right).

    predict_fn, X, y: as for plot_decision_boundary.   history: the costs so far (list/History).
    epoch: the epoch shown (default: len(history)).
    """
    X = check_points(X)
    y = check_labels(y, len(X))
    fig = new_figure((8.6, 3.7))
    boundary_ax, loss_ax = fig.subplots(1, 2, width_ratios=[1.1, 1])
    acc = draw_boundary(boundary_ax, predict_fn, X, y, resolution, point_size=14)
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
