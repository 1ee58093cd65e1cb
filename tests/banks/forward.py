"""Implementations of notebook 04's exercises (forward propagation) that the checks must judge rightly.

WRONG: (exercise, function, text the failure must contain, id of the mistake it names or None).
CORRECT: (exercise, function). They look activations up by name in this module's own table, as a
student's notebook does. Every function is module-level (picklable), as the grader calls students'
functions in another process.
"""
import numpy as np

import nncourse.reference


def _sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


ACTIVATIONS = {
    "linear": lambda z: z,
    "step": lambda z: np.where(z >= 0, 1.0, 0.0),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "softmax": _softmax,
}


# ---------------------------------------------------------------------------------------------
# forward
# ---------------------------------------------------------------------------------------------

def forward_caches_output(X, params, activations):
    A, caches = X, []
    for (W, b), name in zip(params, activations):
        Z = A @ W + b
        A = ACTIVATIONS[name](Z)
        caches.append((A, Z))
    return A, caches


def forward_caches_swapped(X, params, activations):
    A, caches = X, []
    for (W, b), name in zip(params, activations):
        Z = A @ W + b
        caches.append((Z, A))
        A = ACTIVATIONS[name](Z)
    return A, caches


def forward_last_layer_linear(X, params, activations):
    A, caches = X, []
    for l, ((W, b), name) in enumerate(zip(params, activations)):
        Z = A @ W + b
        caches.append((A, Z))
        A = ACTIVATIONS[name](Z) if l < len(params) - 1 else Z
    return A, caches


def forward_first_activation_everywhere(X, params, activations):
    A, caches = X, []
    for W, b in params:
        Z = A @ W + b
        caches.append((A, Z))
        A = ACTIVATIONS[activations[0]](Z)
    return A, caches


def forward_caches_activation(X, params, activations):
    A, caches = X, []
    for (W, b), name in zip(params, activations):
        Z = A @ W + b
        A = ACTIVATIONS[name](Z)
        caches.append((caches[-1][1] if caches else X, A))
    return A, caches


def forward_returns_output_only(X, params, activations):
    A = X
    for (W, b), name in zip(params, activations):
        A = ACTIVATIONS[name](A @ W + b)
    return A


def forward_two_layers_only(X, params, activations):
    (W1, b1), (W2, b2) = params[0], params[1]
    Z1 = X @ W1 + b1
    A1 = ACTIVATIONS[activations[0]](Z1)
    Z2 = A1 @ W2 + b2
    return ACTIVATIONS[activations[1]](Z2), [(X, Z1), (A1, Z2)]


def forward_centres_x_in_place(X, params, activations):
    X -= 0.5 * X  # "rescales" the caller's data
    A, caches = 2 * X, []
    for (W, b), name in zip(params, activations):
        Z = A @ W + b
        caches.append((A, Z))
        A = ACTIVATIONS[name](Z)
    return A, caches


def forward_partial_table(X, params, activations):
    """Knows only the activations of the visible examples (relu, tanh, sigmoid, softmax)."""
    table = {name: ACTIVATIONS[name] for name in ("relu", "tanh", "sigmoid", "softmax")}
    A, caches = X, []
    for (W, b), name in zip(params, activations):
        Z = A @ W + b
        caches.append((A, Z))
        A = table[name](Z)
    return A, caches


def forward_indexed(X, params, activations):
    caches = []
    A = X
    for l in range(len(params)):
        W, b = params[l]
        A_prev = A
        Z = np.dot(A_prev, W) + b
        A = ACTIVATIONS[activations[l]](Z)
        caches.append((A_prev, Z))
    return A, caches


def _forward_from(A, params, activations):
    if not params:
        return A, []
    (W, b), rest = params[0], params[1:]
    Z = A @ W + b
    A_L, caches = _forward_from(ACTIVATIONS[activations[0]](Z), rest, activations[1:])
    return A_L, [(A, Z)] + caches


def forward_recursive(X, params, activations):
    return _forward_from(X, list(params), list(activations))


def forward_lists_and_copies(X, params, activations):
    A = np.array(X, copy=True)
    caches = []
    for (W, b), name in zip(params, activations):
        Z = np.einsum("mi,io->mo", A, W) + b
        caches.append([A.copy(), Z.copy()])
        A = ACTIVATIONS[name](Z)
    return [A, caches]


# ---------------------------------------------------------------------------------------------
# predict
# ---------------------------------------------------------------------------------------------

def forward_reference_helpers(X, params, activations):
    """Builds on notebook 03's dense and notebook 02's activations from the reference, as the notebook does."""
    A, caches = X, []
    for (W, b), name in zip(params, activations):
        Z = nncourse.reference.dense(A, W, b)
        caches.append((A, Z))
        A = nncourse.reference.activate(Z, name)
    return A, caches


def predict_reference_forward(X, params, activations):
    """Calls the reference forward, an exercise of this same notebook."""
    A_L, _ = nncourse.reference.forward(X, params, activations)
    return (A_L[:, 0] >= 0.5).astype(int) if A_L.shape[1] == 1 else A_L.argmax(axis=1)


def predict_greater(X, params, activations):
    A, _ = forward_indexed(X, params, activations)
    return (A[:, 0] > 0.5).astype(int) if A.shape[1] == 1 else A.argmax(axis=1)


def predict_round(X, params, activations):
    A, _ = forward_indexed(X, params, activations)
    return np.round(A[:, 0]).astype(int) if A.shape[1] == 1 else A.argmax(axis=1)


def predict_argmax_axis0(X, params, activations):
    A, _ = forward_indexed(X, params, activations)
    return (A[:, 0] >= 0.5).astype(int) if A.shape[1] == 1 else A.argmax(axis=0)


def predict_bool(X, params, activations):
    A, _ = forward_indexed(X, params, activations)
    return A[:, 0] >= 0.5 if A.shape[1] == 1 else A.argmax(axis=1)


def predict_float(X, params, activations):
    A, _ = forward_indexed(X, params, activations)
    return np.where(A[:, 0] >= 0.5, 1.0, 0.0) if A.shape[1] == 1 else A.argmax(axis=1).astype(float)


def predict_column(X, params, activations):
    A, _ = forward_indexed(X, params, activations)
    return (A >= 0.5).astype(int) if A.shape[1] == 1 else A.argmax(axis=1)


def predict_always_argmax(X, params, activations):
    A, _ = forward_indexed(X, params, activations)
    return A.argmax(axis=1)


def predict_probabilities(X, params, activations):
    A, _ = forward_indexed(X, params, activations)
    return A[:, 0] if A.shape[1] == 1 else A


def predict_ravel(X, params, activations):
    A, _ = forward_recursive(X, params, activations)
    if A.shape[1] == 1:
        return (A >= 0.5).astype(np.int32).ravel()
    return np.argmax(A, axis=-1)


def predict_loop(X, params, activations):
    A, _ = forward_indexed(X, params, activations)
    labels = np.zeros(len(A), dtype=int)
    for i, row in enumerate(A):
        if len(row) == 1:
            labels[i] = 1 if row[0] >= 0.5 else 0
        else:
            labels[i] = int(np.argmax(row))
    return labels



def predict_squeezed(X, params, activations):
    A = np.squeeze(forward_indexed(X, params, activations)[0])
    if A.ndim == 1 and params[-1][0].shape[1] == 1:
        return (A >= 0.5).astype(int)
    return A.argmax(axis=-1)


WRONG = [
    ("predict", predict_reference_forward, "calls nncourse.reference.forward", "calls-reference"),
    ("forward", forward_caches_output, "not its input", "cache-holds-output"),
    ("forward", forward_caches_swapped, "order is swapped", "cache-order-swapped"),
    ("forward", forward_last_layer_linear, "its activation was not applied", "last-activation-missing"),
    ("forward", forward_first_activation_everywhere, "first activation", "one-activation-everywhere"),
    ("forward", forward_caches_activation, "is the activation A, not Z", "cache-holds-activation"),
    ("forward", forward_returns_output_only, "must return a pair (A_L, caches)", None),
    ("forward", forward_two_layers_only, "A_L has shape", None),
    ("forward", forward_centres_x_in_place, "changed its argument X in place", "modifies-input"),
    ("predict", predict_greater, "use >= 0.5", "strict-threshold"),
    ("predict", predict_round, "np.round also sends 0.5 to 0", "strict-threshold"),
    ("predict", predict_argmax_axis0, "axis 0", "argmax-over-examples"),
    ("predict", predict_bool, "booleans", "not-integer-labels"),
    ("predict", predict_float, "float64 values", "not-integer-labels"),
    ("predict", predict_column, "(m, 1)", "column-labels"),
    ("predict", predict_always_argmax, "argmax on one output unit", "argmax-single-unit"),
    ("predict", predict_probabilities, "not labels", "returned-probabilities"),
    ("forward", forward_partial_table, "raised KeyError: 'linear'", None),
    ("predict", predict_squeezed, "the label array has shape ()", None),
]

CORRECT = [
    ("forward", forward_indexed),
    ("forward", forward_recursive),
    ("forward", forward_lists_and_copies),
    ("forward", forward_reference_helpers),
    ("predict", predict_ravel),
    ("predict", predict_loop),
]
