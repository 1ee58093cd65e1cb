"""The machinery every check shares: registering, calling the student's function, comparing, failing.

A check is a function registered for one exercise. It receives the student's function, a seeded
`numpy.random.Generator` and the `hidden` flag, verifies the exercise's properties one after the
other (each failure is one sentence), and returns the short summary printed on success:

    @exercise("sigmoid", notebook="02_activation_functions")
    def check_sigmoid(func, rng, hidden):
        Z = rng.standard_normal(distinct_sizes(rng, 2))
        got = call_student("sigmoid", func, Z, names=("z",), stable=True)
        expect_close("sigmoid", got, reference.sigmoid(Z), what="sigmoid(z)", input_desc=describe(z=Z))
        return "values and shape match the reference."

`check(name, func, seed=0, hidden=False)` (in `nncourse.checks`) looks the check up, seeds the
generator from `(seed, name)`, runs it with every warning of the check's own computations silenced
(the known-wrong variants may overflow) and prints "<name>: passed: <summary>". A check uses only
what `func` returns and passes it only picklable values: the grader runs `func` in another process.

Helpers for writing checks (all raise `CheckFailure` with a message in the course's form
"<exercise>: <fact>" followed by indented "input:", "expected:", "got:", "line:" and "Hint:"
lines):

- `exercise(name, notebook)`: decorator registering a check; fills `EXERCISES` (name -> notebook)
  in registration order.
- `fail(exercise, fact, *, input=None, expected=None, got=None, hint=None, line=None)`: raise a
  failure (`CheckFailure`, an AssertionError with attributes `exercise`, `fact`, `hint`).
- `call_student(exercise, func, *args, names=None, stable=False, input_desc=None,
  unstable_hint=None, error_hint=None, **kwargs)`: deep-copies the arguments, calls `func`, and
  turns what can go wrong into failures: `NotImplementedError` ("not implemented yet"), any other exception (type,
  message, and file:line plus source line of the innermost frame of student code), an argument
  modified in place (named with `names`, e.g. "params[1][0]"). With `stable=True` the call runs
  under `np.errstate(over/invalid/divide="raise")` with RuntimeWarnings as errors, and an
  overflow is reported as "the function overflowed in np.exp" with `unstable_hint`; otherwise
  warnings are silenced (nbgrader scores a cell 0 on any stderr output). `error_hint`
  replaces the default hint for a ValueError about shapes (broadcast/matmul).
- `as_array(exercise, got, *, what, input_desc=None, allow_list=False)`: the result as an
  ndarray; a list or tuple where an array is due fails with the "returned a list" hint.
- `expect_shape(exercise, got, shape, *, what, input_desc=None, hints=())`: `shape` is one tuple
  or a list of accepted tuples.
- `expect_float(exercise, got, *, what, input_desc=None, hint=None)`: floating dtype.
- `expect_finite(exercise, got, *, what, input_desc=None, hint=None)`: no nan or inf.
- `expect_close(exercise, got, expected, *, what, input_desc=None, hints=(), ratios=None,
  rtol=1e-6, atol=1e-9)`: returns when `got` is close to `expected`; otherwise names a known
  mistake (`hints` is a list of `(wrong_value, hint)` or `(wrong_value, fact, hint)`; a mistake
  whose value equals the right answer on these inputs is never named), then checks the shape,
  then the values. `ratios` maps a factor k to a hint: when `got == k * expected` the fact reads
  "... is exactly k times too large" (k = m: a missing 1/m; k = 1/m: a doubled one).
- `constant_ratio(got, expected)`: k when `got` is a constant multiple of `expected`, else None.
- `matches(got, wrong)`: `got` equals the known-wrong value (same shape, allclose); None-safe.
- `format_array(a)`, `describe(**named_values)`: compact one-line descriptions for messages.
- `distinct_sizes(rng, k, low=2, high=9)`: k distinct sizes in [low, high] (non-square inputs).
- `tolerance(dtype)`: rtol for a result computed from inputs of that dtype.
- `expect_number(exercise, got, *, what, input_desc=None, hint=None)`: `got` as a Python float;
  fails unless it is one real number (costs, relative_error, accuracy return one).
- `known(expected, variants)`: the `(value, fact, hint)` variants whose value differs from
  `expected` (a mistake that gives the right answer on these inputs cannot be named).
"""
from __future__ import annotations

import copy
import linecache
import math
import os
import re
import traceback
import warnings
from collections.abc import Callable

import numpy as np

#: name -> notebook id, in registration order (the checks modules are imported in notebook order).
EXERCISES: dict[str, str] = {}
#: name -> the registered check function `check_fn(func, rng, hidden) -> summary`.
CHECKS: dict[str, Callable] = {}


class CheckFailure(AssertionError):
    """A check found a problem. `exercise` is the exercise's name, `hint` the named mistake (or None).

    `mistake` is the stable short id of the known mistake the check recognised (for example
    "missing-1/m"), or None when it matched none; the grader records it in scores.csv ("other").
    """

    def __init__(self, exercise: str, fact: str, *, input=None, expected=None, got=None, hint=None,
                 line=None, mistake: str | None = None):
        self.exercise = exercise
        self.fact = fact
        self.hint = hint
        self.mistake = mistake
        lines = [f"{exercise}: {fact}"]
        for label, value in (("input", input), ("expected", expected), ("got", got), ("line", line)):
            if value is not None:
                lines.append(f"  {label}: {value}")
        if hint:
            lines.append(f"  Hint: {hint}")
        super().__init__("\n".join(lines))


def fail(exercise: str, fact: str, *, input=None, expected=None, got=None, hint=None, line=None,
         mistake: str | None = None):
    """Raise a CheckFailure; `input`, `expected`, `got` and `line` are strings shown on their own lines."""
    raise CheckFailure(exercise, fact, input=input, expected=expected, got=got, hint=hint, line=line,
                       mistake=mistake)


def exercise(name: str, *, notebook: str):
    """Register the decorated function as the check of exercise `name` from notebook `notebook`."""
    def register(check_fn):
        if name in CHECKS:
            raise ValueError(f"exercise {name!r} registered twice")
        CHECKS[name] = check_fn
        EXERCISES[name] = notebook
        return check_fn
    return register


# ---------------------------------------------------------------------------------------------
# Describing values in messages
# ---------------------------------------------------------------------------------------------

def _format_number(x) -> str:
    return f"{float(x):.6g}"


def format_array(a, max_items: int = 6) -> str:
    """One line: `shape (7, 5) float64 [[0.1, -0.5, ...], ...]`, scalars as plain numbers."""
    if isinstance(a, (list, tuple)) and not _is_numeric_sequence(a):
        kind = type(a).__name__
        return f"{kind} of {len(a)}: [" + ", ".join(format_array(x, max_items) for x in a[:4]) + (
            ", ...]" if len(a) > 4 else "]")
    if isinstance(a, (float, np.floating)):
        return f"{type(a).__name__} {_format_number(a)}"
    if isinstance(a, (bool, int, np.integer, np.bool_)):
        return f"{type(a).__name__} {a!r}"
    try:
        arr = np.asarray(a)
    except Exception:
        return f"{type(a).__name__} object"
    if arr.dtype == object:
        return f"{type(a).__name__} of objects"
    prefix = "" if isinstance(a, np.ndarray) else f"{type(a).__name__} "
    if arr.ndim == 0:
        return f"{prefix}0-d array {arr.dtype} {arr.item()!r}"
    body = np.array2string(arr, threshold=max_items, edgeitems=2, separator=", ", max_line_width=10_000,
                           formatter={"float_kind": lambda x: f"{x:.4g}"})
    body = re.sub(r"\s+", " ", body).replace("[ ", "[")
    if len(body) > 120:
        body = body[:117] + "..."
    return f"{prefix}shape {arr.shape} {arr.dtype} {body}"


def _is_numeric_sequence(a) -> bool:
    try:
        return np.asarray(a).dtype != object
    except Exception:
        return False


def describe(**named) -> str:
    """`describe(X=X, W=W)` -> "X shape (7, 5) float64 [...], W shape (5, 3) ..."."""
    return ", ".join(f"{key} {format_array(value)}" for key, value in named.items())


def distinct_sizes(rng: np.random.Generator, k: int, low: int = 2, high: int = 9) -> tuple[int, ...]:
    """k distinct integers in [low, high], so that no two dimensions of a test input are equal."""
    if high - low + 1 < k:
        raise ValueError(f"cannot draw {k} distinct sizes from [{low}, {high}]")
    return tuple(int(s) for s in rng.choice(np.arange(low, high + 1), size=k, replace=False))


def tolerance(dtype) -> float:
    """Relative tolerance for results computed from inputs of `dtype` (float32 is relaxed)."""
    return 2e-5 if np.dtype(dtype) == np.float32 else 1e-6


# ---------------------------------------------------------------------------------------------
# Calling the student's function
# ---------------------------------------------------------------------------------------------

_NNCOURSE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_STDLIB_DIR = os.path.dirname(os.__file__)


def _is_student_frame(filename: str) -> bool:
    """False for numpy, nncourse, the standard library and installed packages: not the student's code."""
    if filename.startswith("<frozen"):
        return False
    path = os.path.abspath(filename)
    parts = path.split(os.sep)
    if "site-packages" in parts or "dist-packages" in parts:
        return False
    return not (path.startswith(_NNCOURSE_DIR + os.sep) or path.startswith(_STDLIB_DIR + os.sep))


def _student_line(error: BaseException) -> str | None:
    """'file:line: source' of the innermost traceback frame that is student code."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if _is_student_frame(frame.filename)]
    if not frames:
        return None
    frame = frames[-1]
    source = (frame.line or linecache.getline(frame.filename, frame.lineno) or "").strip()
    where = f"{frame.filename}:{frame.lineno}"
    return f"{where}: {source}" if source else where


_NUMPY_PROBLEM = re.compile(r"(overflow|invalid value|divide by zero|underflow) encountered in (\w+)")
_PROBLEM_WORDS = {"overflow": "overflowed", "invalid value": "produced an invalid value (nan)",
                  "divide by zero": "divided by zero", "underflow": "underflowed"}


def _first_difference(before, after, path: str) -> str | None:
    """The path of the first place where `after` differs from `before`, or None."""
    if isinstance(before, np.random.Generator) or callable(before):
        return None  # a generator is meant to advance; functions are not data
    if isinstance(before, np.ndarray):
        if not isinstance(after, np.ndarray) or after.shape != before.shape or after.dtype != before.dtype:
            return path
        equal = np.array_equal(before, after, equal_nan=before.dtype.kind in "fc")
        return None if equal else path
    if isinstance(before, (list, tuple)):
        if type(after) is not type(before) or len(after) != len(before):
            return path
        for i, (b, a) in enumerate(zip(before, after)):
            found = _first_difference(b, a, f"{path}[{i}]")
            if found:
                return found
        return None
    if isinstance(before, dict):
        if not isinstance(after, dict) or after.keys() != before.keys():
            return path
        for key in before:
            found = _first_difference(before[key], after[key], f"{path}[{key!r}]")
            if found:
                return found
        return None
    try:
        same = before == after
        same = bool(np.all(same))
    except Exception:
        return None
    return None if same else path


def call_student(exercise: str, func, *args, names=None, stable: bool = False, input_desc=None,
                 unstable_hint=None, error_hint=None, **kwargs):
    """Call `func(*args, **kwargs)` on deep copies and return its result; failures become CheckFailure.

    names: the contract's argument names for `args` (used to name an argument modified in place).
    stable: the exercise must be numerically stable on these inputs (no overflow, no nan).
    input_desc: how the inputs are described in a failure ("z = [-1e4, 0, 1e4]").
    unstable_hint: the hint shown when a stable call overflows or produces nan.
    error_hint: the hint shown when the function raises a ValueError about shapes (broadcasting,
        matmul); by default a reminder of the batch-first shapes.
    """
    if not callable(func):
        fail(exercise, f"expected a function, got {type(func).__name__}.",
             hint=f"pass the function itself: check({exercise!r}, {exercise}), without calling it.")
    names = list(names or [])
    names += [f"argument {i + 1}" for i in range(len(names), len(args))]
    # The student gets copies (the caller's arrays stay intact whatever happens) and the copies
    # are compared after the call with a second, untouched set of copies.
    before_args, before_kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
    call_args, call_kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
    if not input_desc:
        input_desc = describe(**dict(zip(names, args)), **kwargs)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbgrader scores a cell 0 on any stderr output
            if stable:
                warnings.simplefilter("error", RuntimeWarning)
                with np.errstate(over="raise", invalid="raise", divide="raise"):
                    result = func(*call_args, **call_kwargs)
            else:
                with np.errstate(all="ignore"):
                    result = func(*call_args, **call_kwargs)
    except NotImplementedError:
        fail(exercise, "not implemented yet (the function still raises NotImplementedError).",
             hint="replace `raise NotImplementedError()` with your code, run that cell, then this one.")
    except (FloatingPointError, RuntimeWarning, OverflowError) as error:
        problem = _NUMPY_PROBLEM.search(str(error))
        if problem and stable:
            fact = f"{_PROBLEM_WORDS[problem.group(1)]} in np.{problem.group(2)}"
        elif isinstance(error, OverflowError):
            fact = f"overflowed ({error})"
        else:
            fact = f"raised {type(error).__name__}: {error}"
        fail(exercise, f"the function {fact}.", input=input_desc, line=_student_line(error),
             hint=unstable_hint if stable else None)
    except Exception as error:
        fail(exercise, f"the function raised {type(error).__name__}: {error}",
             input=input_desc, line=_student_line(error), hint=_exception_hint(error, error_hint))
    for name, before, after in zip(names, before_args, call_args):
        changed = _first_difference(before, after, name)
        if changed:
            fail(exercise, f"the function modified its argument {changed} in place.",
                 input=input_desc,
                 hint="never change an input: compute new arrays (Z = X @ W + b, A = np.maximum(0, Z)) "
                      "or work on a copy (X = X.copy()); `x[...] = ...`, `x += ...` and `x -= ...` "
                      "change the caller's array.")
    for key, before in before_kwargs.items():
        changed = _first_difference(before, call_kwargs[key], key)
        if changed:
            fail(exercise, f"the function modified its argument {changed} in place.",
                 input=input_desc, hint="never change an input; work on a copy.")
    return result


def _exception_hint(error: BaseException, shape_hint=None) -> str | None:
    message = str(error)
    if isinstance(error, ValueError) and ("matmul" in message or "shapes" in message
                                          or "broadcast" in message):
        return shape_hint or ("the shapes do not fit: the course is batch-first, X is (m, n_in), W is (n_in, n_out), "
                "b is (n_out,), and Z = X @ W + b is (m, n_out). Check the order of the product and "
                "any transposes.")
    if isinstance(error, NameError):
        return ("a name is not defined inside your function: define it there, or run the cell that "
                "defines it; do not rely on variables from other cells.")
    if isinstance(error, TypeError) and "argument" in message:
        return "check the function's signature against the exercise statement."
    return None


# ---------------------------------------------------------------------------------------------
# Comparing results
# ---------------------------------------------------------------------------------------------

def as_array(exercise: str, got, *, what: str, input_desc=None, allow_list: bool = False) -> np.ndarray:
    """`got` as an ndarray (numpy scalars and Python numbers become 0-d arrays)."""
    if got is None:
        fail(exercise, f"{what} returned None.", input=input_desc,
             hint="did you forget the `return` statement?")
    if isinstance(got, (list, tuple)) and not allow_list:
        fail(exercise, f"{what} returned a {type(got).__name__}, not a numpy array.", input=input_desc,
             got=format_array(got),
             hint="return a numpy array (build it with numpy operations, or wrap it in np.array(...)).")
    try:
        arr = np.asarray(got)
    except Exception:
        fail(exercise, f"{what} returned {type(got).__name__}, which is not a number or array.",
             input=input_desc)
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        fail(exercise, f"{what} returned {type(got).__name__} of dtype {arr.dtype}, not numbers.",
             input=input_desc, got=format_array(got))
    return arr


def _shape_text(shape) -> str:
    return str(tuple(shape))


def expect_shape(exercise: str, got, shape, *, what: str, input_desc=None, hints=()):
    """Fail unless np.shape(got) is `shape` (a tuple) or one of `shape` (a list of tuples)."""
    accepted = [tuple(s) for s in shape] if isinstance(shape, list) else [tuple(shape)]
    actual = np.shape(got)
    if actual in accepted:
        return
    _check_known_mistakes(exercise, got, hints, what=what, input_desc=input_desc)
    expected = " or ".join(_shape_text(s) for s in accepted)
    fail(exercise, f"{what} has shape {_shape_text(actual)}, expected {expected}.", input=input_desc,
         expected=f"shape {expected}", got=format_array(got))


def expect_float(exercise: str, got, *, what: str, input_desc=None, hint=None):
    """Fail unless `got` has a floating dtype (Python float, numpy floating scalar or array)."""
    dtype = np.asarray(got).dtype
    if dtype.kind != "f":
        fail(exercise, f"{what} has dtype {dtype}, expected floats.", input=input_desc,
             got=format_array(got),
             hint=hint or "return floats, e.g. np.where(cond, 1.0, 0.0) or .astype(float).")


def expect_finite(exercise: str, got, *, what: str, input_desc=None, hint=None):
    """Fail when `got` contains nan or inf."""
    arr = np.asarray(got, dtype=float)
    if not np.all(np.isfinite(arr)):
        bad = "nan" if np.any(np.isnan(arr)) else "inf"
        fail(exercise, f"{what} contains {bad}.", input=input_desc, got=format_array(got), hint=hint)


def matches(got, wrong, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """True when `got` equals the known-wrong value `wrong` (same shape and allclose)."""
    if wrong is None:
        return False
    try:
        g = np.asarray(got, dtype=float)
        w = np.asarray(wrong, dtype=float)
    except (TypeError, ValueError):
        return False
    if g.shape != w.shape:
        return False
    with np.errstate(all="ignore"):
        return bool(np.allclose(g, w, rtol=rtol, atol=atol, equal_nan=True))


def _check_known_mistakes(exercise, got, hints, *, what, input_desc, expected=None, rtol=1e-6, atol=1e-9):
    for item in hints:
        if len(item) == 2:
            wrong, hint = item
            fact = f"{what} is wrong: it matches a known mistake."
        else:
            wrong, fact, hint = item
        if expected is not None and matches(wrong, expected, rtol, atol):
            continue  # on these inputs the mistake gives the right answer: it cannot be told apart
        if matches(got, wrong, rtol, atol):
            fail(exercise, fact, input=input_desc,
                 expected=None if expected is None else format_array(expected),
                 got=format_array(got), hint=hint)


def constant_ratio(got, expected, rtol: float = 1e-6) -> float | None:
    """k when got == k * expected for one constant k != 1 (expected not all zero), else None."""
    g = np.asarray(got, dtype=float)
    e = np.asarray(expected, dtype=float)
    if g.shape != e.shape or not np.all(np.isfinite(g)) or not np.any(e != 0):
        return None
    k = float(np.sum(g * e) / np.sum(e * e))
    if not np.isfinite(k) or k == 0 or math.isclose(k, 1.0, rel_tol=1e-3):
        return None
    if not np.allclose(g, k * e, rtol=rtol, atol=1e-12):
        return None
    return k


def _ratio_text(k: float) -> str:
    if math.isclose(k, -1.0, rel_tol=1e-3):
        return "right in size but of the wrong sign"
    if abs(k) >= 1:
        if k > 0:
            return f"exactly {k:.4g} times too large"
        return f"exactly {-k:.4g} times too large and of the wrong sign"
    inverse = 1 / k
    return f"exactly {abs(inverse):.4g} times too small" + ("" if k > 0 else " and of the wrong sign")


def expect_close(exercise: str, got, expected, *, what: str, input_desc=None, hints=(), ratios=None,
                 rtol: float = 1e-6, atol: float = 1e-9):
    """Fail unless `got` matches `expected`; name a known mistake when `got` matches one.

    hints: [(wrong_value, hint)] or [(wrong_value, fact, hint)], tried in order before anything else.
    ratios: {k: hint} for "exactly k times too large" (k = m for a missing 1/m, 1/m for a doubled one).
    """
    exp = np.asarray(expected)
    g = np.asarray(got)
    if g.shape == exp.shape:
        with np.errstate(all="ignore"):
            if np.allclose(g.astype(float), exp.astype(float), rtol=rtol, atol=atol):
                return
    _check_known_mistakes(exercise, got, hints, what=what, input_desc=input_desc, expected=expected,
                          rtol=rtol, atol=atol)
    if g.shape != exp.shape:
        fail(exercise, f"{what} has shape {_shape_text(g.shape)}, expected {_shape_text(exp.shape)}.",
             input=input_desc, expected=format_array(expected), got=format_array(got))
    g = g.astype(float)
    e = exp.astype(float)
    with np.errstate(all="ignore"):
        close = np.isclose(g, e, rtol=rtol, atol=atol, equal_nan=False)
    if np.all(close):
        return
    k = constant_ratio(g, e)
    if k is not None:
        hint = None
        for factor, text in (ratios or {}).items():
            if math.isclose(k, factor, rel_tol=1e-6):
                hint = text
        fail(exercise, f"{what} is {_ratio_text(k)}.", input=input_desc, expected=format_array(expected),
             got=format_array(got), hint=hint)
    where = np.argwhere(~close)
    first = tuple(int(i) for i in where[0])
    at = f" at index {first}" if g.ndim else ""
    fail(exercise, f"{what} differs from the expected value in {len(where)} of {g.size} entries"
                   f" (first{at}: expected {_format_number(e[first])}, got {_format_number(g[first])}).",
         input=input_desc, expected=format_array(expected), got=format_array(got))


ONE_NUMBER_HINT = ("a cost is one number: take the mean over all elements (np.mean without axis) "
                   "and return it, e.g. float(np.mean(...)).")


def expect_number(exercise_name: str, got, *, what: str, input_desc=None, hint=None) -> float:
    """`got` as a Python float; fails unless it is a single real number (float, int or 0-d array)."""
    arr = as_array(exercise_name, got, what=what, input_desc=input_desc)
    if arr.ndim != 0:
        fail(exercise_name, f"{what} returned an array of shape {arr.shape}, expected one number.",
             input=input_desc, got=format_array(got), hint=hint or ONE_NUMBER_HINT)
    return float(arr)


def known(expected, variants):
    """Keep the (value, fact, hint) variants whose value differs from `expected` (else they cannot be told apart)."""
    kept = []
    for value, fact, hint in variants:
        with np.errstate(all="ignore"):
            same = np.allclose(np.asarray(value, dtype=float), np.asarray(expected, dtype=float),
                               rtol=1e-6, atol=1e-12, equal_nan=True)
        if not same:
            kept.append((value, fact, hint))
    return kept
