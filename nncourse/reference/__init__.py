"""Reference implementations of every graded exercise, one module per idea of the course.

Each exercise's function here is, character for character, the model answer in the instructor
notebook (solutions/): read the module named after a notebook's idea (neuron, activations,
layers, forward, costs, backprop, optimizers, training, evaluation, model) after that notebook.
Conventions: a batch X is (m, n_in), one row per example; W is (n_in, n_out), b is (n_out,);
params is a list of (W, b); costs are Python floats; float32 in stays float32 (arrays.as_float);
no function changes its inputs; bad input raises a ValueError that names the problem.
"""
from .activations import (
    ACTIVATIONS,
    DERIVATIVES,
    activate,
    activation_derivative,
    leaky_relu,
    leaky_relu_derivative,
    linear,
    linear_derivative,
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    softmax,
    step_derivative,
    tanh,
    tanh_derivative,
)
from .arrays import as_float, as_labels
from .backprop import activation_backward, backward, dense_backward, numerical_gradient, relative_error
from .costs import LOSSES, binary_cross_entropy, cost, cross_entropy, mse, one_hot, output_gradient, rmse
from .evaluation import accuracy, confusion_matrix, standardize, train_test_split
from .forward import forward, predict
from .layers import count_params, dense, init_params, xor_params
from .model import Model, load_model, save_model
from .neuron import and_neuron, neuron, or_neuron, step, weighted_sum
from .optimizers import OPTIMIZERS, SGD, Adam, Momentum, gd_update
from .training import History, fit, minibatches, train

__all__ = [
    # the course's array conventions
    "as_float", "as_labels",
    # 01 the neuron
    "weighted_sum", "step", "neuron", "and_neuron", "or_neuron",
    # 02 activation functions
    "linear", "sigmoid", "tanh", "relu", "leaky_relu", "softmax",
    "linear_derivative", "step_derivative", "sigmoid_derivative", "tanh_derivative",
    "relu_derivative", "leaky_relu_derivative",
    "ACTIVATIONS", "DERIVATIVES", "activate", "activation_derivative",
    # 03 layers and deep networks
    "dense", "init_params", "count_params", "xor_params",
    # 04 forward propagation
    "forward", "predict",
    # 05 cost functions
    "mse", "rmse", "binary_cross_entropy", "cross_entropy", "LOSSES", "cost", "one_hot",
    "output_gradient",
    # 06 backward propagation
    "dense_backward", "activation_backward", "backward", "numerical_gradient", "relative_error",
    # 07 gradient descent and training
    "gd_update", "SGD", "Momentum", "Adam", "OPTIMIZERS", "minibatches", "train", "fit", "History",
    # 08 evaluation, tuning and use
    "train_test_split", "standardize", "accuracy", "confusion_matrix", "save_model", "load_model", "Model",
]
