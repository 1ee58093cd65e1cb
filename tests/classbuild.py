"""A synthetic class for the class report and the similarity check, written as a grading run leaves it.

Fifteen students, two notebooks (05_cost_functions, 06_backward_propagation):

    s01-s05  correct, each in their own style (two of them with a named mistake in 05)
    s06 s07  divide dW by m again in dense_backward (a named mistake), in their own styles; s07 times out
    s08      a one-sided difference in numerical_gradient; calls the reference relative_error (forbidden)
    s09      takes the derivative at A in activation_backward; backward fails with no named mistake
    s10      correct, own style, with a helper function in two cells
    s11      copied s10: every name changed, the helpers moved after the functions that use them
    s12      pasted nncourse.reference's code into every cell
    s13      handed both notebooks in untouched (not attempted)
    s14      attempted only mse in 05; did not submit 06
    s15      submitted nothing

Short exercises are written the one natural way by most students (as in a real class, where
`dZ @ W.T` has no other sensible form); the long ones (backward, numerical_gradient) are each
student's own. 05's functions come in two common variants.

`build_class(folder)` writes folder/class/<student>/<notebook>.ipynb (the submissions, as
released with the answer cells filled in), folder/out/scores.csv and folder/out/.state records
(with each exercise's code) as `nncourse autograde` writes them.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import nbformat

from nncourse.grading.similarity import answer_cells, reference_source
from nncourse.grading.source import nbgrader_meta

ROOT = Path(__file__).resolve().parents[1]
NB05, NB06 = "05_cost_functions", "06_backward_propagation"
NOTEBOOKS = (NB05, NB06)
EXERCISES = {NB05: {"mse": 1, "rmse": 1, "binary_cross_entropy": 2, "cross_entropy": 2},
             NB06: {"dense_backward": 2, "activation_backward": 2, "backward": 3, "numerical_gradient": 2,
                    "relative_error": 1}}
STUDENTS = [f"s{i:02d}" for i in range(1, 16)]

# ---- notebook 06: the natural short answers, and each student's long ones --------------------------------

DENSE_NATURAL = """\
dA_prev = dZ @ W.T
dW = A_prev.T @ dZ
db = np.sum(dZ, axis=0)
return dA_prev, dW, db
"""
ACTIVATION_NATURAL = "return dA * activation_derivative(Z, activation)\n"
RELATIVE_NATURAL = """\
a = np.asarray(a, dtype=float)
b = np.asarray(b, dtype=float)
return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
"""

BACKWARD = {
    "s01": """\
grads = []
dZ = dZ_L
L = len(params)
for layer in range(L - 1, -1, -1):
    A_prev, Z = caches[layer]
    W = params[layer][0]
    dA_prev, dW, db = dense_backward(dZ, A_prev, W)
    grads.append((dW, db))
    if layer > 0:
        dZ = activation_backward(dA_prev, caches[layer - 1][1], activations[layer - 1])
grads.reverse()
return grads
""",
    "s02": """\
result = []
i = len(params) - 1
grad_z = dZ_L
while i >= 0:
    a_in, _ = caches[i]
    dA, dW, db = dense_backward(grad_z, a_in, params[i][0])
    result.insert(0, (dW, db))
    if i == 0:
        break
    _, z_below = caches[i - 1]
    grad_z = activation_backward(dA, z_below, activations[i - 1])
    i -= 1
return result
""",
    "s03": """\
n_layers = len(params)
assert len(caches) == n_layers and len(activations) == n_layers
gradients = {}
delta = dZ_L
for k in reversed(range(n_layers)):
    inputs = caches[k][0]
    weights, _bias = params[k]
    gradients[k] = (inputs.T @ delta, delta.sum(axis=0))
    if k:
        upstream = delta @ weights.T
        delta = upstream * activation_derivative(caches[k - 1][1], activations[k - 1])
return [gradients[k] for k in range(n_layers)]
""",
    "s04": """\
layers = list(zip(caches, params, [None] + list(activations[:-1])))
grads = [None] * len(layers)
current = dZ_L
for position, ((a_prev, _z), (w, _b), below) in reversed(list(enumerate(layers))):
    d_prev, d_w, d_b = dense_backward(current, a_prev, w)
    grads[position] = (d_w, d_b)
    if below is not None:
        current = activation_backward(d_prev, caches[position - 1][1], below)
return grads
""",
    "s05": """\
def step(l, dZ):
    A_prev, _ = caches[l]
    dA_prev, dW, db = dense_backward(dZ, A_prev, params[l][0])
    if l == 0:
        return [(dW, db)]
    dZ_below = activation_backward(dA_prev, caches[l - 1][1], activations[l - 1])
    return step(l - 1, dZ_below) + [(dW, db)]

return step(len(params) - 1, dZ_L)
""",
    "s06": """\
out = [None for _ in params]
g = dZ_L
for idx in range(len(params))[::-1]:
    prev_activation = caches[idx][0]
    dA_prev, dW, db = dense_backward(g, prev_activation, params[idx][0])
    out[idx] = (dW, db)
    if idx != 0:
        pre = caches[idx - 1][1]
        g = activation_backward(dA_prev, pre, activations[idx - 1])
return out
""",
    "s07": """\
total = len(params)
collected = []
dz = dZ_L
for back in range(total):
    l = total - 1 - back
    a_prev = caches[l][0]
    w = params[l][0]
    da_prev, dw, db = dense_backward(dz, a_prev, w)
    collected.append((dw, db))
    if l > 0:
        dz = activation_backward(da_prev, caches[l - 1][1], activations[l - 1])
return collected[::-1]
""",
    "s08": """\
grads = list()
dZ_cur = dZ_L
for l in sorted(range(len(params)), reverse=True):
    (A_in, Z_cur), (W_cur, b_cur) = caches[l], params[l]
    dW_cur = A_in.T @ dZ_cur
    db_cur = dZ_cur.sum(axis=0)
    grads = [(dW_cur, db_cur)] + grads
    if l >= 1:
        dZ_cur = (dZ_cur @ W_cur.T) * activation_derivative(caches[l - 1][1], activations[l - 1])
return grads
""",
    "s09": """\
L = len(caches)
dZs = {L - 1: dZ_L}
grads = [None] * L
for l in range(L - 1, -1, -1):
    A_prev = caches[l][0]
    W = params[l][0]
    dA_prev, dW, db = dense_backward(dZs[l], A_prev, W)
    grads[l] = dW, db
    if l - 1 >= 0:
        dZs[l - 1] = activation_backward(dA_prev, caches[l - 1][1], activations[l - 1])
return grads
""",
}

NUMERICAL = {
    "s01": """\
x = np.asarray(x, dtype=float)
grad = np.zeros_like(x)
flat = x.reshape(-1)
for j in range(flat.size):
    saved = flat[j]
    flat[j] = saved + eps
    up = f(x)
    flat[j] = saved - eps
    down = f(x)
    flat[j] = saved
    grad.reshape(-1)[j] = (up - down) / (2 * eps)
return grad
""",
    "s02": """\
g = np.zeros(x.shape)
it = np.nditer(x, flags=["multi_index"])
while not it.finished:
    idx = it.multi_index
    keep = x[idx]
    x[idx] = keep + eps
    fp = float(f(x))
    x[idx] = keep - eps
    fm = float(f(x))
    x[idx] = keep
    g[idx] = (fp - fm) / (2.0 * eps)
    it.iternext()
return g
""",
    "s03": """\
result = np.empty_like(x, dtype=float)
for position in np.ndindex(*x.shape):
    original = float(x[position])
    try:
        x[position] = original + eps
        higher = f(x)
        x[position] = original - eps
        lower = f(x)
    finally:
        x[position] = original
    result[position] = (higher - lower) / eps / 2
return result
""",
    "s04": """\
import itertools
out = np.zeros(np.shape(x))
for index in itertools.product(*[range(n) for n in np.shape(x)]):
    before = x[index]
    x[index] = before + eps
    plus = f(x)
    x[index] = before - eps
    minus = f(x)
    x[index] = before
    out[index] = (plus - minus) / (eps + eps)
return out
""",
    "s05": """\
saved = x.copy()
grad = np.zeros(x.shape)
for flat_index in range(x.size):
    e = np.zeros(x.shape)
    e.flat[flat_index] = eps
    x += e
    f_hi = f(x)
    x -= 2 * e
    f_lo = f(x)
    np.copyto(x, saved)
    grad.flat[flat_index] = (f_hi - f_lo) / (2 * eps)
return grad
""",
    "s06": """\
def central(j):
    old = x.flat[j]
    x.flat[j] = old + eps
    right = f(x)
    x.flat[j] = old - eps
    left = f(x)
    x.flat[j] = old
    return (right - left) / (2 * eps)

return np.array([central(j) for j in range(x.size)]).reshape(x.shape)
""",
    "s07": """\
shape = x.shape
values = []
view = x.ravel()
for i, v in enumerate(view.copy()):
    view[i] = v + eps
    a = f(x)
    view[i] = v - eps
    c = f(x)
    view[i] = v
    values.append((a - c) / (2 * eps))
return np.array(values).reshape(shape)
""",
    "s08": """\
base = f(x)
grad = np.zeros(x.shape)
for j in range(x.size):
    old = x.flat[j]
    x.flat[j] = old + eps
    grad.flat[j] = (f(x) - base) / eps
    x.flat[j] = old
return grad
""",
    "s09": """\
h = eps
dx = np.zeros_like(x, dtype=np.float64)
with np.nditer(x, flags=["multi_index"], op_flags=["readwrite"]) as it:
    for value in it:
        i = it.multi_index
        start = value.copy()
        value[...] = start + h
        r = f(x)
        value[...] = start - h
        l = f(x)
        value[...] = start
        dx[i] = (r - l) / (2 * h)
return dx
""",
}

# s10 writes helpers before the functions that use them; s11 copied it, renamed everything and moved
# the helpers after the functions.
S10_BACKWARD_HELPER = """\
def layer_gradients(dZ, A_prev, W):
    m = A_prev.shape[0]
    dW = A_prev.T.dot(dZ)
    db = np.sum(dZ, axis=0, keepdims=False)
    dA_prev = dZ.dot(W.T)
    return dA_prev, dW, db
"""
S10_BACKWARD = """\
grads = [None] * len(params)
dZ = np.array(dZ_L, dtype=float)
for l in reversed(range(len(params))):
    A_prev, Z = caches[l]
    W, b = params[l]
    dA_prev, dW, db = layer_gradients(dZ, A_prev, W)
    grads[l] = (dW, db)
    if l == 0:
        continue
    Z_prev = caches[l - 1][1]
    dZ = activation_backward(dA_prev, Z_prev, activations[l - 1])
return grads
"""
S10_NUMERICAL_HELPER = """\
def nudged_value(f, x, j, delta):
    keep = x.flat[j]
    x.flat[j] = keep + delta
    try:
        return float(f(x))
    finally:
        x.flat[j] = keep
"""
S10_NUMERICAL = """\
if not np.issubdtype(np.asarray(x).dtype, np.floating):
    raise ValueError("x must hold floats")
slopes = np.zeros(x.shape)
for j in range(x.size):
    slopes.flat[j] = (nudged_value(f, x, j, eps) - nudged_value(f, x, j, -eps)) / (2 * eps)
return slopes
"""
S11_BACKWARD = """\
result = [None] * len(params)
delta = np.array(dZ_L, dtype=float)
for k in reversed(range(len(params))):
    inp, pre = caches[k]
    weights, bias = params[k]
    d_inp, d_weights, d_bias = grads_of_layer(delta, inp, weights)
    result[k] = (d_weights, d_bias)
    if k == 0:
        continue
    pre_below = caches[k - 1][1]
    delta = activation_backward(d_inp, pre_below, activations[k - 1])
return result
"""
S11_BACKWARD_HELPER = """\
def grads_of_layer(delta, inp, weights):
    n = inp.shape[0]
    d_weights = inp.T.dot(delta)
    d_bias = np.sum(delta, axis=0, keepdims=False)
    d_inp = delta.dot(weights.T)
    return d_inp, d_weights, d_bias
"""
S11_NUMERICAL = """\
if not np.issubdtype(np.asarray(x).dtype, np.floating):
    raise ValueError("x must hold floats")
result = np.zeros(x.shape)
for idx in range(x.size):
    result.flat[idx] = (f_shifted(f, x, idx, eps) - f_shifted(f, x, idx, -eps)) / (2 * eps)
return result
"""
S11_NUMERICAL_HELPER = """\
def f_shifted(fn, arr, idx, step):
    saved = arr.flat[idx]
    arr.flat[idx] = saved + step
    try:
        return float(fn(arr))
    finally:
        arr.flat[idx] = saved
"""

# ---- notebook 05: two common variants of each function ----------------------------------------------------

COSTS = {
    "mse": ["""\
y_pred = np.asarray(y_pred, dtype=float)
y = np.asarray(y, dtype=float).reshape(y_pred.shape)
return float(np.mean((y_pred - y) ** 2))
""", """\
diff = np.ravel(y_pred) - np.ravel(y)
return float(np.sum(diff * diff) / diff.size)
"""],
    "rmse": ["return float(np.sqrt(mse(y_pred, y)))\n", """\
squared = (np.ravel(y_pred) - np.ravel(y)) ** 2
return float(np.sqrt(squared.mean()))
"""],
    "binary_cross_entropy": ["""\
p = np.clip(np.asarray(p, dtype=float).reshape(-1), 1e-12, 1 - 1e-12)
y = np.asarray(y, dtype=float).reshape(-1)
return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
""", """\
probs = np.ravel(p).astype(float)
labels = np.ravel(y).astype(float)
probs = np.minimum(np.maximum(probs, 1e-12), 1 - 1e-12)
losses = labels * np.log(probs) + (1 - labels) * np.log(1 - probs)
return float(-losses.mean())
"""],
    "cross_entropy": ["""\
P = np.asarray(P, dtype=float)
y = np.asarray(y).astype(int).reshape(-1)
picked = P[np.arange(len(y)), y]
return float(-np.mean(np.log(np.maximum(picked, 1e-12))))
""", """\
total = 0.0
for row, label in zip(np.asarray(P, dtype=float), np.ravel(y)):
    total -= np.log(max(row[int(label)], 1e-12))
return float(total / len(P))
"""],
}
BCE_SUM = {  # the sum-not-mean mistake, one in each variant's style
    0: """\
p = np.clip(np.asarray(p, dtype=float).reshape(-1), 1e-12, 1 - 1e-12)
y = np.asarray(y, dtype=float).reshape(-1)
return float(-np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))
""",
    1: """\
probs = np.ravel(p).astype(float)
labels = np.ravel(y).astype(float)
probs = np.minimum(np.maximum(probs, 1e-12), 1 - 1e-12)
losses = labels * np.log(probs) + (1 - labels) * np.log(1 - probs)
return float(-losses.sum())
""",
}


def _variant(student: str) -> int:
    return int(student[1:]) % 2 if student != "s11" else 0   # s11 copied s10, which has variant 0


# ---- who wrote what ------------------------------------------------------------------------------------------

WHOLE_CELL = "<the whole cell is the code before>"


def answers(student: str) -> dict[str, dict[str, tuple[str, str, str]]]:
    """notebook -> exercise -> (code before the function, its body, code after it); {} for no submission.

    A body of None leaves the released stub untouched; WHOLE_CELL makes the code before the whole cell."""
    if student == "s15":
        return {}
    if student == "s12":
        pasted = {}
        for nb in NOTEBOOKS:
            seen: set[str] = set()   # each helper pasted once, into the first cell that needs it
            pasted[nb] = {e: (reference_source(e, seen), WHOLE_CELL, "") for e in EXERCISES[nb]}
        return pasted
    if student in ("s13", "s14"):
        blank = {nb: {e: ("", None, "") for e in EXERCISES[nb]} for nb in NOTEBOOKS}
        if student == "s14":
            blank[NB05]["mse"] = ("", COSTS["mse"][0], "")
            del blank[NB06]
        return blank
    variant = _variant(student)
    nb05 = {e: ("", COSTS[e][variant], "") for e in EXERCISES[NB05]}
    if student in ("s02", "s05"):
        nb05["binary_cross_entropy"] = ("", BCE_SUM[variant], "")
    nb06 = {"dense_backward": ("", DENSE_NATURAL, ""), "activation_backward": ("", ACTIVATION_NATURAL, ""),
            "relative_error": ("", RELATIVE_NATURAL, "")}
    if student in BACKWARD:
        nb06["backward"] = ("", BACKWARD[student], "")
        nb06["numerical_gradient"] = ("", NUMERICAL[student], "")
    if student == "s10":
        nb06["backward"] = (S10_BACKWARD_HELPER, S10_BACKWARD, "")
        nb06["numerical_gradient"] = (S10_NUMERICAL_HELPER, S10_NUMERICAL, "")
    if student == "s11":
        nb06["backward"] = ("", S11_BACKWARD, S11_BACKWARD_HELPER)
        nb06["numerical_gradient"] = ("", S11_NUMERICAL, S11_NUMERICAL_HELPER)
    if student in ("s06", "s07"):
        nb06["dense_backward"] = ("", DENSE_NATURAL.replace("A_prev.T @ dZ", "A_prev.T @ dZ / dZ.shape[0]"), "")
    if student == "s08":
        nb06["relative_error"] = ("", "from nncourse.reference import relative_error as ref\n"
                                      "return ref(a, b)\n", "")
    if student == "s09":
        nb06["activation_backward"] = ("", "A = sigmoid(Z) if activation == 'sigmoid' else np.maximum(Z, 0)\n"
                                           "return dA * activation_derivative(A, activation)\n", "")
    if student == "s04":
        nb06["dense_backward"] = ("", "return dZ @ W.T, A_prev.T @ dZ, dZ.sum(axis=0)\n", "")
    if student == "s05":
        nb06["relative_error"] = ("", """\
diff = np.abs(np.asarray(a, float) - np.asarray(b, float))
scale = np.maximum(np.abs(a) + np.abs(b), 1e-8)
return float((diff / scale).max())
""", "")
    return {NB05: nb05, NB06: nb06}


# (student, notebook, exercise) -> (status, mistake, message); anything not listed passed
OUTCOMES = {
    ("s02", NB05, "binary_cross_entropy"): ("failed", "sum-not-mean",
                                            "binary_cross_entropy: the cost is 7 times too large (m = 7)."),
    ("s05", NB05, "binary_cross_entropy"): ("failed", "sum-not-mean",
                                            "binary_cross_entropy: the cost is 7 times too large (m = 7)."),
    ("s03", NB05, "cross_entropy"): ("failed", "other", "cross_entropy: a hidden test failed."),
    ("s06", NB06, "dense_backward"): ("failed", "divided-by-m-again",
                                      "dense_backward: dW is exactly 7 times too small (m = 7)."),
    ("s07", NB06, "dense_backward"): ("failed", "divided-by-m-again",
                                      "dense_backward: dW is exactly 7 times too small (m = 7)."),
    ("s06", NB06, "backward"): ("failed", "other", "backward: dW of layer 1 is wrong."),
    ("s07", NB06, "backward"): ("failed", "other", "backward: dW of layer 2 is wrong."),
    ("s07", NB06, "numerical_gradient"): ("timeout", "", "numerical_gradient: did not finish within 30 s"),
    ("s08", NB06, "numerical_gradient"): ("failed", "one-sided-difference",
                                          "numerical_gradient: matches a one-sided difference."),
    ("s08", NB06, "relative_error"): ("forbidden", "", "relative_error: your code calls "
                                                      "nncourse.reference.relative_error"),
    ("s09", NB06, "activation_backward"): ("failed", "derivative-at-A",
                                           "activation_backward: g' was taken at A instead of Z."),
    ("s09", NB06, "backward"): ("failed", "other", "backward: dW of layer 1 is wrong."),
}


def outcome(student: str, notebook: str, exercise: str, submitted: dict) -> tuple[str, str, str]:
    if notebook not in submitted:
        return "missing", "", "not submitted"
    if submitted[notebook][exercise][1] is None and not submitted[notebook][exercise][2]:
        return "not attempted", "", f"{exercise}: not attempted (the stub still raises NotImplementedError)"
    return OUTCOMES.get((student, notebook, exercise), ("passed", "", f"{exercise}: passed"))


# ---- writing it ----------------------------------------------------------------------------------------------

def _indent(text: str) -> str:
    return "".join(("    " + line if line.strip() else line) for line in text.splitlines(True))


def fill(stub: str, before: str, body: str | None, after: str) -> str:
    """The released stub of an answer cell with the stub lines replaced by `body`, and code around it."""
    if body == WHOLE_CELL:
        return before
    cell = stub
    if body is not None:
        lines = stub.splitlines(True)
        start = next(i for i, line in enumerate(lines) if line.strip() == "# YOUR CODE HERE")
        cell = "".join(lines[:start]) + _indent(body)
    if after:
        cell = cell.rstrip("\n") + "\n\n\n" + after
    if before:
        cell = before.rstrip("\n") + "\n\n\n" + cell
    return cell


def release(notebook: str):
    return nbformat.read(ROOT / "notebooks" / notebook / f"{notebook}.ipynb", as_version=4)


def build_class(folder: Path, students=STUDENTS) -> tuple[Path, Path]:
    """Write the submissions (folder/class) and the grading results (folder/out); returns both."""
    submissions, out = Path(folder) / "class", Path(folder) / "out"
    rows = []
    for student in students:
        submitted = answers(student)
        for notebook in NOTEBOOKS:
            nb = release(notebook)
            stubs = answer_cells(nb)
            code = {}
            if notebook in submitted:
                for cell in nb.cells:
                    exercise = nbgrader_meta(cell).get("grade_id")
                    if exercise in submitted[notebook]:
                        cell.source = fill(stubs[exercise], *submitted[notebook][exercise])
                        code[exercise] = cell.source
                path = submissions / student / f"{notebook}.ipynb"
                path.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, path)
            results = []
            for exercise, points in EXERCISES[notebook].items():
                status, mistake, message = outcome(student, notebook, exercise, submitted)
                results.append({"exercise": exercise, "score": float(points if status == "passed" else 0),
                                "max_score": float(points), "status": status, "mistake": mistake,
                                "message": message, "code": code.get(exercise, "")})
                rows.append([student, notebook, exercise, points if status == "passed" else 0, points, status,
                             mistake, message])
            state = out / ".state" / student / f"{notebook}.json"
            state.parent.mkdir(parents=True, exist_ok=True)
            state.write_text(json.dumps({"student_id": student, "notebook": notebook, "key": "synthetic",
                                         "notes": [], "retry": False, "results": results}, indent=1))
    with open(out / "scores.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "notebook", "exercise", "score", "max_score", "status", "mistake",
                         "message"])
        writer.writerows(rows)
    return submissions, out
