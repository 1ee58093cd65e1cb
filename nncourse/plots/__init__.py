"""Every figure the notebooks draw, one module per notebook topic.

    figures       colours, style, CourseFigure, new_figure, figure_to_png (what every figure shares)
    neuron        01: draw_neuron, plot_logic_gate (and logic_gate_outputs, the gate's truth table)
    activations   02: plot_activations
    layers        03: draw_network
    boundaries    03, 04, 07: plot_decision_boundary, plot_boundary_snapshots
    costs         05: plot_cost_functions
    training      07: plot_gradient_descent_1d, plot_history, plot_training_state
    evaluation    08: plot_confusion_matrix, show_digits, plot_search_results

Each function builds a `matplotlib.figure.Figure` (never through pyplot) and returns it: a
`CourseFigure`, which displays itself as a PNG in any Jupyter front end. Functions that draw one
panel accept `ax=`, an existing Axes to draw into, and then return that Axes' figure. A notebook
uses them as `from nncourse import plots` and `plots.draw_network(...)`.
"""
from .activations import plot_activations
from .boundaries import plot_boundary_snapshots, plot_decision_boundary
from .costs import plot_cost_functions
from .evaluation import plot_confusion_matrix, plot_search_results, show_digits
from .figures import (
    BINARY_CMAP,
    CLASS_CMAP,
    CLASS_COLORS,
    PALETTE,
    PROBABILITY_CMAP,
    CourseFigure,
    figure_to_png,
    new_figure,
)
from .layers import draw_network
from .neuron import draw_neuron, plot_logic_gate
from .training import plot_gradient_descent_1d, plot_history, plot_training_state

__all__ = [
    "PALETTE", "BINARY_CMAP", "CLASS_CMAP", "PROBABILITY_CMAP", "CLASS_COLORS",
    "CourseFigure", "new_figure", "figure_to_png",
    "draw_neuron", "plot_logic_gate", "plot_activations", "draw_network",
    "plot_decision_boundary", "plot_boundary_snapshots", "plot_cost_functions",
    "plot_gradient_descent_1d", "plot_history", "plot_training_state",
    "plot_confusion_matrix", "show_digits", "plot_search_results",
]
