"""Notebook 05's figure: squared error and cross-entropy for one prediction."""
import numpy as np

from .figures import PALETTE, course_style, new_figure


@course_style
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
