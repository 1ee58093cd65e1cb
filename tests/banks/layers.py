"""Implementations of notebook 03's exercises (layers and deep networks) that the checks must judge rightly.

WRONG: (exercise, function, text the failure must contain, id of the mistake it names or None).
CORRECT: (exercise, function). Every function is module-level (picklable), as the grader calls
students' functions in another process.
"""
import math

import numpy as np


def _pairs(layer_sizes):
    return list(zip(layer_sizes[:-1], layer_sizes[1:]))


# ---------------------------------------------------------------------------------------------
# dense
# ---------------------------------------------------------------------------------------------

def dense_no_bias(X, W, b):
    return X @ W


def dense_transposed(X, W, b):
    return W.T @ X.T + b[:, None]


def dense_wrong_order(X, W, b):
    return X @ W.T + b


def dense_column_bias(X, W, b):
    return X @ W + b.reshape(-1, 1)


def dense_with_relu(X, W, b):
    return np.maximum(X @ W + b, 0)


def dense_in_place(X, W, b):
    """The right values, but scaling X in place changes the caller's array."""
    X *= 2.0
    return (X @ W) / 2.0 + b


def dense_dot(X, W, b):
    return np.dot(X, W) + b


def dense_loops(X, W, b):
    m, n_in = X.shape
    n_out = W.shape[1]
    Z = np.zeros((m, n_out))
    for i in range(m):
        for j in range(n_out):
            Z[i, j] = sum(X[i, k] * W[k, j] for k in range(n_in)) + b[j]
    return Z


def dense_einsum(X, W, b):
    return np.einsum("mi,io->mo", X, W) + b


def dense_transpose_back(X, W, b):
    return (W.T @ X.T).T + b


# ---------------------------------------------------------------------------------------------
# init_params
# ---------------------------------------------------------------------------------------------

def init_zeros(layer_sizes, seed=0):
    return [(np.zeros((n_in, n_out)), np.zeros(n_out)) for n_in, n_out in _pairs(layer_sizes)]


def init_identical_columns(layer_sizes, seed=0):
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in _pairs(layer_sizes):
        column = rng.standard_normal((n_in, 1)) / np.sqrt(n_in)
        params.append((np.tile(column, (1, n_out)), np.zeros(n_out)))
    return params


def init_small(layer_sizes, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((n_in, n_out)) * 0.01, np.zeros(n_out)) for n_in, n_out in _pairs(layer_sizes)]


def init_unscaled(layer_sizes, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((n_in, n_out)), np.zeros(n_out)) for n_in, n_out in _pairs(layer_sizes)]


def init_ignores_seed(layer_sizes, seed=0):
    rng = np.random.default_rng(0)
    return [(rng.standard_normal((n_in, n_out)) / np.sqrt(n_in), np.zeros(n_out))
            for n_in, n_out in _pairs(layer_sizes)]


def init_global_random(layer_sizes, seed=0):
    return [(np.random.randn(n_in, n_out) / np.sqrt(n_in), np.zeros(n_out)) for n_in, n_out in _pairs(layer_sizes)]


def init_transposed(layer_sizes, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((n_out, n_in)) / np.sqrt(n_in), np.zeros(n_out))
            for n_in, n_out in _pairs(layer_sizes)]


def init_row_bias(layer_sizes, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((n_in, n_out)) / np.sqrt(n_in), np.zeros((1, n_out)))
            for n_in, n_out in _pairs(layer_sizes)]


def init_positive(layer_sizes, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.uniform(0, 2, (n_in, n_out)) / np.sqrt(n_in), np.zeros(n_out)) for n_in, n_out in _pairs(layer_sizes)]


def init_random_bias(layer_sizes, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((n_in, n_out)) / np.sqrt(n_in), rng.standard_normal(n_out))
            for n_in, n_out in _pairs(layer_sizes)]


def init_includes_input_layer(layer_sizes, seed=0):
    rng = np.random.default_rng(seed)
    sizes = [layer_sizes[0]] + list(layer_sizes)
    return [(rng.standard_normal((n_in, n_out)) / np.sqrt(n_in), np.zeros(n_out)) for n_in, n_out in _pairs(sizes)]


def init_dict(layer_sizes, seed=0):
    """The dictionary {"W1": ..., "b1": ...} of another course's convention."""
    rng = np.random.default_rng(seed)
    params = {}
    for l, (n_in, n_out) in enumerate(_pairs(layer_sizes), start=1):
        params[f"W{l}"] = rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)
        params[f"b{l}"] = np.zeros(n_out)
    return params


def init_he(layer_sizes, seed=0):
    rng = np.random.default_rng(seed)
    params = []
    for l in range(1, len(layer_sizes)):
        n_in, n_out = layer_sizes[l - 1], layer_sizes[l]
        params.append((rng.normal(0.0, math.sqrt(2 / n_in), size=(n_in, n_out)), np.zeros(n_out)))
    return params


def init_xavier_uniform(layer_sizes, seed=0):
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in _pairs(layer_sizes):
        limit = np.sqrt(6 / (n_in + n_out))
        params.append((rng.uniform(-limit, limit, size=(n_in, n_out)), np.zeros(n_out)))
    return params


def init_generator_per_layer(layer_sizes, seed=0):
    return [(np.random.default_rng(seed + l).normal(0.0, 1 / np.sqrt(n_in), (n_in, n_out)), np.zeros(n_out))
            for l, (n_in, n_out) in enumerate(_pairs(layer_sizes))]


def init_legacy_seed(layer_sizes, seed=0):
    np.random.seed(seed)
    return [(np.random.randn(n_in, n_out) * np.sqrt(1 / n_in), np.zeros(n_out)) for n_in, n_out in _pairs(layer_sizes)]


def init_lists_float32(layer_sizes, seed=0):
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal((n_in, n_out), dtype=np.float32) / np.float32(math.sqrt(n_in)),
             np.zeros(n_out, dtype=np.float32)] for n_in, n_out in _pairs(layer_sizes)]


# ---------------------------------------------------------------------------------------------
# count_params
# ---------------------------------------------------------------------------------------------

def count_weights_only(layer_sizes):
    return sum(a * b for a, b in _pairs(layer_sizes))


def count_input_bias(layer_sizes):
    return sum(a * b + a for a, b in _pairs(layer_sizes)) + layer_sizes[-1]


def count_bias_per_input(layer_sizes):
    return sum(a * b + a for a, b in _pairs(layer_sizes))


def count_float(layer_sizes):
    sizes = np.array(layer_sizes, dtype=float)
    return float(np.sum(sizes[:-1] * sizes[1:] + sizes[1:]))


def count_units(layer_sizes):
    return sum(layer_sizes)


def count_skips_first(layer_sizes):
    return sum(a * b + b for a, b in _pairs(layer_sizes)[1:])


def count_loop(layer_sizes):
    total = 0
    for l in range(1, len(layer_sizes)):
        total += layer_sizes[l - 1] * layer_sizes[l]
        total += layer_sizes[l]
    return total


def count_numpy(layer_sizes):
    sizes = np.asarray(layer_sizes)
    return np.sum(sizes[:-1] * sizes[1:] + sizes[1:])


def count_by_building(layer_sizes):
    return int(sum(np.zeros((a, b)).size + np.zeros(b).size for a, b in _pairs(layer_sizes)))


# ---------------------------------------------------------------------------------------------
# xor_params
# ---------------------------------------------------------------------------------------------

def xor_is_or():
    return [(np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([-0.5, -0.5])), (np.array([[1.0], [1.0]]), np.array([-0.5]))]


def xor_is_xnor():
    return [(np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([-0.5, -1.5])), (np.array([[-1.0], [1.0]]), np.array([0.5]))]


def xor_row_output_weights():
    return [(np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([-0.5, -1.5])), (np.array([[1.0, -1.0]]), np.array([-0.5]))]


def xor_flat():
    return [np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([-0.5, -1.5]), np.array([[1.0], [-1.0]]), np.array([-0.5])]


def xor_nand_or_and():
    """Hidden units OR and NAND, output AND: another XOR network."""
    W1 = np.array([[1.0, -1.0], [1.0, -1.0]])
    b1 = np.array([-0.5, 1.5])
    W2 = np.array([[1.0], [1.0]])
    b2 = np.array([-1.5])
    return [(W1, b1), (W2, b2)]


def xor_scaled():
    return [(np.array([[2.0, 3.0], [2.0, 3.0]]), np.array([-1.0, -4.5])),
            (np.array([[5.0], [-10.0]]), np.array([-1.0]))]



def xor_integer_arrays():
    """Integer weights and biases: the exercise asks for numbers, not floats."""
    return [(np.array([[1, 1], [1, 1]]), np.array([-1, -2])), (np.array([[2], [-2]]), np.array([-1]))]


def dense_squeezed(X, W, b):
    return np.squeeze(X @ W + b)


WRONG = [
    ("dense", dense_no_bias, "forgot the bias", "no-bias"),
    ("dense", dense_transposed, "transposed", "transposed-output"),
    ("dense", dense_wrong_order, "batch-first", None),
    ("dense", dense_column_bias, "batch-first", None),
    ("dense", dense_with_relu, "applied ReLU", "activation-applied"),
    ("dense", dense_in_place, "changed its argument X in place", "modifies-input"),
    ("init_params", init_zeros, "symmetry", "zero-weights"),
    ("init_params", init_identical_columns, "W of layer 1 has identical columns", "symmetric-units"),
    ("init_params", init_small, "standard deviation", "wrong-scale"),
    ("init_params", init_unscaled, "standard deviation", "wrong-scale"),
    ("init_params", init_ignores_seed, "the seed is ignored", "seed-ignored"),
    ("init_params", init_global_random, "same seed", "not-reproducible"),
    ("init_params", init_transposed, "transposed", "transposed-W"),
    ("init_params", init_row_bias, "has shape (1, ", "2d-bias"),
    ("init_params", init_positive, "negative entries", "not-centred"),
    ("init_params", init_random_bias, "not all zeros", "nonzero-bias"),
    ("init_params", init_includes_input_layer, "the input layer has no (W, b)", None),
    ("init_params", init_dict, "must be a list of (W, b) pairs, not dict", None),
    ("count_params", count_weights_only, "not the biases", "weights-only"),
    ("count_params", count_input_bias, "bias to the input layer", "input-layer-bias"),
    ("count_params", count_bias_per_input, "per input unit", "bias-per-input"),
    ("count_params", count_float, "expected the int", "not-an-int"),
    ("count_params", count_units, "counted the units", "counted-units"),
    ("count_params", count_skips_first, "skipped the first layer", "skipped-first-layer"),
    ("xor_params", xor_is_or, "computes OR, not XOR", "not-xor"),
    ("xor_params", xor_is_xnor, "XNOR", "not-xor"),
    ("xor_params", xor_row_output_weights, "transposed", "transposed-W"),
    ("xor_params", xor_flat, "4 layers", None),
    ("dense", dense_squeezed, "has shape (", None),
]

CORRECT = [
    ("dense", dense_dot),
    ("dense", dense_loops),
    ("dense", dense_einsum),
    ("dense", dense_transpose_back),
    ("init_params", init_he),
    ("init_params", init_xavier_uniform),
    ("init_params", init_legacy_seed),
    ("init_params", init_generator_per_layer),
    ("init_params", init_lists_float32),
    ("count_params", count_loop),
    ("count_params", count_numpy),
    ("count_params", count_by_building),
    ("xor_params", xor_nand_or_and),
    ("xor_params", xor_scaled),
    ("xor_params", xor_integer_arrays),
]
