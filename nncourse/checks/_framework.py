"""The machinery every check shares: registering, calling the student's function, comparing, failing.

A check is a function registered for one exercise. It receives the student's function, a seeded
`numpy.random.Generator` and the `hidden` flag, verifies the exercise's properties one after the
other (each failure is one sentence), and returns the short summary printed on success:

    @exercise("sigmoid", notebook="02_activation_functions")
    def check_sigmoid(func, rng, hidden):
        Z = rng.standard_normal(distinct_sizes(rng, 2))
        got = call_student("sigmoid", func, Z, names=("z",), stable=True)
        expect_close("sigmoid", got, reference.sigmoid(Z), what="sigmoid(z)", mistakes=[
            Mistake("sign-in-exponent", 1 / (1 + np.exp(Z)), "sigmoid(z) equals sigmoid(-z).",
                    "the exponent is minus z: 1 / (1 + exp(-z))."),
        ])
        return "values and shape match the reference."

`check(name, func, seed=0, hidden=False)` (in `nncourse.checks`) looks the check up, seeds the
generator from `(seed, name)` and prints "<name>: passed: <summary>". `hidden=True` draws other and
larger inputs of the same kinds, never a new kind of requirement: whatever the hidden tests reject,
the public check rejects too. A check uses only what `func` returns and passes it only picklable
values: the grader runs `func` in another process.

A failure is a `CheckFailure` (an AssertionError) whose message reads

    <exercise>: <fact, at most 80 characters in all>
      error: / input: / expected: / got: / line: ...    (details, one per line)
      Hint: <what to do>

and whose `mistake` is the stable id of the known mistake it names (listed in docs/exercises.md),
or None. Known mistakes are `Mistake(id, value, fact, hint)`: the wrong result a mistake gives (or
a predicate on the result), tried by `expect_close`, `expect_shape` and `name_mistake`; a mistake
whose value equals the right answer on the inputs at hand is never named.

Sections: the registry and failures; describing values; calling the student's function (exceptions,
in-place changes, numerical stability, Python-vs-numpy slips, use of the reference); comparing
results; helpers several checks share (elementwise functions, numbered rows, params).
"""
from __future__ import annotations

import copy
import linecache
import math
import os
import re
import sys
import textwrap
import traceback
import types
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

#: name -> notebook id, in registration order (the check modules are imported in course order).
EXERCISES: dict[str, str] = {}
#: name -> the registered check function `check_fn(func, rng, hidden) -> summary`.
CHECKS: dict[str, Callable] = {}

#: The longest first line of a failure: nbgrader's Validate shows a short form of the message.
FIRST_LINE = 80


# ---------------------------------------------------------------------------------------------
# The registry and failures
# ---------------------------------------------------------------------------------------------

class CheckFailure(AssertionError):
    """A check found a problem. `exercise` is the exercise's name, `fact` what is wrong, `hint` the advice.

    `mistake` is the stable short id of the known mistake the check recognised (for example
    "missing-1/m"), or None when it matched none; the grader records it in scores.csv ("other").
    The first line of the message, "<exercise>: <fact>", fits in FIRST_LINE characters (a longer
    fact continues on the next, indented line).
    """

    def __init__(self, exercise: str, fact: str, *, input=None, expected=None, got=None, line=None,
                 error=None, details=(), hint=None, mistake: str | None = None):
        self.exercise = exercise
        self.fact = fact
        self.hint = hint
        self.mistake = mistake
        lines = _wrap_first_line(f"{exercise}: {fact}")
        for label, value in (("error", error), ("input", input), ("expected", expected), ("got", got),
                             ("line", line)):
            if value is not None:
                lines.append(f"  {label}: {value}")
        lines += [f"  {detail}" for detail in details]
        if hint:
            lines.append(f"  Hint: {hint}")
        super().__init__("\n".join(lines))


def _wrap_first_line(text: str) -> list[str]:
    """`text` as lines: the first at most FIRST_LINE characters, the rest indented by two spaces."""
    if len(text) <= FIRST_LINE:
        return [text]
    first, *rest = textwrap.wrap(text, FIRST_LINE, break_long_words=True, break_on_hyphens=False)
    return [first] + textwrap.wrap(" ".join(rest), FIRST_LINE - 2, initial_indent="  ", subsequent_indent="  ")


def fitting(exercise: str, *facts: str) -> str:
    """The first of `facts` that fits the first line after "<exercise>: ", else the last (the shortest)."""
    return next((fact for fact in facts if len(f"{exercise}: {fact}") <= FIRST_LINE), facts[-1])


def fail(exercise: str, fact: str, *, input=None, expected=None, got=None, line=None, error=None, details=(),
         hint=None, mistake: str | None = None):
    """Raise a CheckFailure; `input`, `expected`, `got`, `line` and `error` are shown on their own lines."""
    raise CheckFailure(exercise, fact, input=input, expected=expected, got=got, line=line, error=error,
                       details=details, hint=hint, mistake=mistake)


def exercise(name: str, *, notebook: str):
    """Register the decorated function as the check of exercise `name` from notebook `notebook`."""
    def register(check_fn):
        if name in CHECKS:
            raise ValueError(f"exercise {name!r} registered twice")
        CHECKS[name] = check_fn
        EXERCISES[name] = notebook
        return check_fn
    return register


@dataclass(frozen=True)
class Mistake:
    """A known mistake: its stable `id`, the wrong `value` it gives (or a predicate `value(got) -> bool`),
    the `fact` a failure states and the `hint` it gives. Every id is listed in docs/exercises.md."""

    id: str
    value: Any
    fact: str
    hint: str | None = None

    def found_in(self, got, expected=None, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
        """True when `got` shows this mistake (and the mistake does not give the right answer here)."""
        if callable(self.value) and not isinstance(self.value, np.ndarray):
            return bool(self.value(got))
        if expected is not None and matches(self.value, expected, rtol, atol):
            return False   # on these inputs the mistake gives the right answer: it cannot be told apart
        return matches(got, self.value, rtol, atol)


def name_mistake(exercise: str, got, mistakes, *, expected=None, input_desc=None, rtol: float = 1e-6,
                 atol: float = 1e-9) -> None:
    """Fail with the first of `mistakes` that `got` shows; return when it shows none."""
    for mistake in mistakes:
        if mistake.found_in(got, expected, rtol, atol):
            fail(exercise, mistake.fact, input=input_desc,
                 expected=None if expected is None else format_array(expected),
                 got=format_array(got), hint=mistake.hint, mistake=mistake.id)


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
# Whose code is it? (for the cited line of an exception and for the use of the reference)
# ---------------------------------------------------------------------------------------------

_NNCOURSE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_REFERENCE_DIR = os.path.join(_NNCOURSE_DIR, "reference") + os.sep
_CHECKS_DIR = os.path.join(_NNCOURSE_DIR, "checks") + os.sep
_GRADING_DIR = os.path.join(_NNCOURSE_DIR, "grading") + os.sep
_STDLIB_DIR = os.path.dirname(os.__file__)


def _is_library_file(filename: str) -> bool:
    """True for numpy, nncourse, the standard library and installed packages: not the student's code."""
    if filename.startswith("<frozen"):
        return True
    path = os.path.abspath(filename)
    parts = path.split(os.sep)
    if "site-packages" in parts or "dist-packages" in parts:
        return True
    return path.startswith(_NNCOURSE_DIR + os.sep) or path.startswith(_STDLIB_DIR + os.sep)


def _student_frame(error: BaseException):
    """The innermost traceback frame that is student code, or None."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if not _is_library_file(frame.filename)]
    return frames[-1] if frames else None


def _student_line(error: BaseException) -> tuple[str | None, str]:
    """('where: source', source) of the innermost traceback frame that is student code.

    A notebook cell's code (IPython's /tmp/ipykernel_*/*.py, or the grader's "<cell ...>") is
    "cell line N": the file name means nothing to a student; a file keeps its name.
    """
    frame = _student_frame(error)
    if frame is None:
        return None, ""
    source = (frame.line or linecache.getline(frame.filename, frame.lineno) or "").strip()
    in_cell = "ipykernel_" in frame.filename or frame.filename.startswith("<")
    where = f"cell line {frame.lineno}" if in_cell else f"{frame.filename}:{frame.lineno}"
    return (f"{where}: {source}" if source else where), source


# ---------------------------------------------------------------------------------------------
# The use of the reference implementation
# ---------------------------------------------------------------------------------------------

def reference_use_message(exercise: str, names) -> str:
    """The message of a check (and of the grader) when the student's code calls the reference.

    names: what was called, bare ("relu") or dotted from the package ("layers._dense").
    Two lines: the first, at most FIRST_LINE characters, names what was called (the first name,
    "and N more" where it fits); the second says what it costs.
    """
    called = [name if name.startswith("nncourse.") else f"nncourse.reference.{name}"
              for name in dict.fromkeys(names)] or ["nncourse.reference"]
    more = f" (and {len(called) - 1} more)" if len(called) > 1 else ""
    candidates = [f"{exercise}: {verb} {called[0]}{tail}"
                  for verb in ("your function calls", "your code calls", "calls") for tail in (more, "")]
    fitting = [line for line in candidates if len(line) <= FIRST_LINE]
    first = fitting[0] if fitting else f"{exercise}: your function calls the reference implementation"
    return first + "\n  the grader gives 0 for calling the reference; write your own"


class ReferenceUsed(BaseException):
    """The student's code called the reference of this notebook's exercises.

    A BaseException, so that `except Exception` in the student's code does not hide it (the call
    is recorded anyway).
    """


_GUARD_NAME = "__nncourse_check_guard__"
#: function -> its own code, captured before any guard swaps it.
_ORIGINAL_CODE: dict[types.FunctionType, types.CodeType] = {}
_GUARDS: dict[str, _ReferenceGuard] = {}


class _ReferenceGuard:
    """While active, the reference functions of one notebook's exercises (and the private helpers of
    their modules) report a call whose nearest deciding caller is student code.

    Walking outward from the caller, the first frame that decides is either student code
    (forbidden) or trusted: the reference module of an earlier notebook, nncourse's own library
    (plots, playgrounds, datasets, progress) or the checks (a function a check passes as an
    argument). numpy, the standard library and this notebook's reference modules do not decide.
    Reaching the check's own call of the function under test first means that function is the
    reference itself (`from nncourse.reference import relu`): forbidden too. Like the grader's
    tripwire, the guard swaps the functions' `__code__`, so every alias and
    import spelling reaches it; only functions called while the student's function runs are seen.
    """

    def __init__(self, notebook: str):
        from nncourse import reference

        self.hits: list[str] = []
        self.depth = 0
        self.functions: list[tuple[types.FunctionType, types.CodeType]] = []
        self.originals: list[types.FunctionType] = []
        owners: dict[str, set[str]] = {}
        modules: dict[str, types.ModuleType] = {}
        for name, nb in EXERCISES.items():
            func = getattr(reference, name, None)
            module = sys.modules.get(getattr(func, "__module__", "") or "")
            if isinstance(func, types.FunctionType) and module is not None:
                owners.setdefault(module.__name__, set()).add(nb)
                modules[module.__name__] = module
        self.allowed_files = frozenset(
            os.path.abspath(file) for m, nbs in owners.items()
            if all(nb < notebook for nb in nbs) and (file := getattr(modules[m], "__file__", None)))
        targets: dict[types.FunctionType, str] = {}
        for name, nb in EXERCISES.items():
            func = getattr(reference, name, None)
            if nb != notebook or not isinstance(func, types.FunctionType):
                continue
            targets[func] = name
            module = sys.modules[func.__module__]   # imported: its function is in hand
            for attribute, value in vars(module).items():
                if attribute.startswith("_") and isinstance(value, types.FunctionType) \
                        and value.__module__ == module.__name__:
                    targets.setdefault(value, f"{module.__name__.rsplit('.', 1)[-1]}.{attribute}")
        for func, shown in targets.items():
            if func.__code__.co_freevars:
                continue   # a closure cannot take another __code__; no reference function is one
            original_code = _ORIGINAL_CODE.setdefault(func, func.__code__)
            original = types.FunctionType(original_code, func.__globals__, func.__name__, func.__defaults__,
                                          func.__closure__)
            original.__kwdefaults__ = func.__kwdefaults__
            index = len(self.originals)
            self.originals.append(original)
            source = (f"def {func.__name__}(*args, **kwargs):\n"
                      f"    return {_GUARD_NAME}({notebook!r}, {index}, {shown!r}, args, kwargs)\n")
            scope: dict = {}
            exec(compile(source, original_code.co_filename, "exec"), func.__globals__, scope)
            func.__globals__[_GUARD_NAME] = _guarded_call
            self.functions.append((func, scope[func.__name__].__code__))

    def __enter__(self):
        self.depth += 1
        if self.depth == 1:
            self.hits.clear()
            for func, wrapper in self.functions:
                func.__code__ = wrapper
        return self

    def __exit__(self, *exc_info):
        self.depth -= 1
        if self.depth == 0:
            for func, _ in self.functions:
                func.__code__ = _ORIGINAL_CODE[func]
        return False

    def allows(self, frame) -> bool:
        """True when the nearest deciding frame, from `frame` outward, is not student code."""
        while frame is not None:
            if frame.f_code is _run.__code__:
                return False   # nothing but library code between the check and the reference: the
                #                function under test is the reference itself (`relu = reference.relu`)
            filename = frame.f_code.co_filename
            if filename.startswith("<frozen"):
                frame = frame.f_back
                continue
            path = os.path.abspath(filename) if not filename.startswith("<") else filename
            if path in self.allowed_files or path.startswith(_CHECKS_DIR):
                return True
            if path.startswith(_REFERENCE_DIR) or path.startswith(_GRADING_DIR):
                frame = frame.f_back
                continue
            if path.startswith(_NNCOURSE_DIR + os.sep):
                return True
            if _is_library_file(filename):
                frame = frame.f_back
                continue
            return False
        return True


def _guarded_call(notebook: str, index: int, shown: str, args, kwargs):
    guard = _GUARDS[notebook]
    if guard.allows(sys._getframe(2)):
        return guard.originals[index](*args, **kwargs)
    guard.hits.append(shown)
    raise ReferenceUsed(shown)


def _reference_guard(exercise: str) -> _ReferenceGuard | None:
    notebook = EXERCISES.get(exercise)
    if notebook is None:
        return None
    if notebook not in _GUARDS:
        _GUARDS[notebook] = _ReferenceGuard(notebook)
    return _GUARDS[notebook]


# ---------------------------------------------------------------------------------------------
# Calling the student's function
# ---------------------------------------------------------------------------------------------

_NUMPY_PROBLEM = re.compile(r"(overflow|invalid value|divide by zero|underflow) encountered in (\w+)")
_PROBLEM_WORDS = {"overflow": "overflowed", "invalid value": "produced nan (an invalid value)",
                  "divide by zero": "divided by zero", "underflow": "underflowed"}

MODIFY_HINT = ("never change an input: build new arrays, or work on a copy (x = x.copy()); "
               "`x[...] = ...`, `x += ...` and `x -= ...` change the caller's array.")

#: Python-vs-numpy slips, recognised from the student's line and the error they raise:
#: (id, pattern in the line, error type, pattern in the message, fact, hint).
_SLIPS: list[tuple[str, str, type[BaseException] | tuple[type[BaseException], ...], str, str, str]] = [
    ("python-max-on-array", r"(?<![\w.])max\s*\(", ValueError, r"truth value of an array",
     "Python's max() cannot compare arrays entry by entry.",
     "use np.maximum(a, b) for the larger of two arrays entry by entry (np.maximum(0, z)), or "
     "z.max(axis=-1, keepdims=True) for the largest entry of each row."),
    ("python-min-on-array", r"(?<![\w.])min\s*\(", ValueError, r"truth value of an array",
     "Python's min() cannot compare arrays entry by entry.",
     "use np.minimum(a, b) entry by entry, or z.min(axis=-1, keepdims=True) for each row."),
    ("numpy-max-of-two-arrays", r"np\.max\s*\([^,()]+,", TypeError, r"integer|axis|index",
     "np.max(a, b) reads b as an axis: it is not the larger of a and b.",
     "np.maximum(a, b) takes the larger of a and b entry by entry; np.max(a) is the largest entry."),
    ("math-on-array", r"math\.\w+\s*\(", TypeError, r"arrays can be converted to Python scalars",
     "the math module works on one number, not on an array.",
     "use numpy's version, which works entry by entry: np.exp, np.log, np.sqrt, np.tanh instead of "
     "math.exp, math.log, math.sqrt, math.tanh."),
    ("python-float-on-array", r"(?<![\w.])float\s*\(", TypeError, r"arrays can be converted to Python scalars",
     "float() turns one number into a float, not an array.",
     "keep arrays as arrays (use .astype(float) for a float array); float() only for a single number."),
    ("python-sum-on-array", r"(?<![\w.])sum\s*\(", (TypeError, ValueError), r"",
     "Python's sum() adds the rows of an array one by one.",
     "use numpy's sum with an axis: a.sum(axis=-1) adds along each row, np.sum(a) adds everything."),
    ("python-round-on-array", r"(?<![\w.])round\s*\(", TypeError, r"__round__",
     "Python's round() does not work on arrays.", "use np.round(a) for an array."),
]


def _python_slip(error: BaseException, source: str):
    """(id, fact, hint) of the Python-vs-numpy slip that explains `error` raised on line `source`, or None."""
    message = str(error)
    for slip_id, in_line, kind, in_message, fact, hint in _SLIPS:
        if isinstance(error, kind) and re.search(in_line, source) and re.search(in_message, message):
            return slip_id, fact, hint
    return None


def _exception_hint(error: BaseException, shape_hint=None) -> str | None:
    message = str(error)
    if isinstance(error, ValueError) and ("matmul" in message or "shapes" in message or "broadcast" in message):
        return shape_hint or ("the shapes of your arrays do not fit together: print their shapes "
                              "(x.shape) and compare them with the shapes the exercise gives.")
    if isinstance(error, NameError):
        return ("a name is not defined inside your function: define it there, or run the cell that "
                "defines it; do not rely on variables from other cells.")
    if isinstance(error, TypeError) and "argument" in message:
        return "check the function's signature against the exercise statement."
    return None


def _raised(exercise: str, error: BaseException, input_desc, *, shape_hint=None):
    """Fail for an exception the student's function raised: its type, message and line."""
    where, source = _student_line(error)
    slip = _python_slip(error, source)
    text = f"{type(error).__name__}: {error}"
    if slip is not None:
        slip_id, fact, hint = slip
        fail(exercise, fact, error=text, input=input_desc, line=where, hint=hint, mistake=slip_id)
    first = f"the function raised {text}"
    shown_error = None
    if len(f"{exercise}: {first}") > FIRST_LINE:
        room = FIRST_LINE - len(f"{exercise}: the function raised {type(error).__name__}: ") - 3
        short = str(error).splitlines()[0] if str(error) else ""
        cut = short[:max(room, 0)].rsplit(" ", 1)[0] if len(short) > room else short
        first = f"the function raised {type(error).__name__}: {cut}..." if cut else \
            f"the function raised {type(error).__name__}."
        shown_error = text
    fail(exercise, first, error=shown_error, input=input_desc, line=where,
         hint=_exception_hint(error, shape_hint))


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


def _describe_call(names, args, kwargs) -> str:
    return describe(**dict(zip(names, args)), **kwargs)


def _run(exercise: str, func, args, kwargs, *, stable: bool):
    """func(*args, **kwargs) under the check's rules for warnings and the reference; returns the result."""
    guard = _reference_guard(exercise)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbgrader scores a cell 0 on any stderr output
        if stable:
            warnings.simplefilter("error", RuntimeWarning)
            state = np.errstate(over="raise", invalid="raise", divide="raise")
        else:
            state = np.errstate(all="ignore")
        with state:
            if guard is None:
                return func(*args, **kwargs)
            with guard:
                try:
                    return func(*args, **kwargs)
                finally:
                    if guard.hits:
                        raise _reference_failure(exercise, list(guard.hits))


def _reference_failure(exercise: str, used) -> CheckFailure:
    """The CheckFailure whose message is reference_use_message(exercise, used)."""
    first, *rest = reference_use_message(exercise, used).split("\n")
    return CheckFailure(exercise, first.split(": ", 1)[1], details=[line[2:] for line in rest],
                        mistake="calls-reference")


def call_student(exercise: str, func, *args, names=None, stable: bool = False, input_desc=None,
                 unstable_hint=None, error_hint=None, modify_hint=None, raising=(), **kwargs):
    """Call `func(*args, **kwargs)` on deep copies and return its result; failures become CheckFailure.

    names: the contract's argument names for `args` (used to name an argument modified in place).
    stable: the exercise must be numerically stable on these inputs (no overflow, no nan, no warning).
    input_desc: how the inputs are described in a failure ("z = [-1e4, 0, 1e4]").
    unstable_hint: the hint shown when a stable call overflows or produces nan.
    error_hint: the hint shown when the function raises a ValueError about shapes (broadcasting, matmul).
    modify_hint: the hint shown when the function changed an argument in place.
    raising: `Mistake`s whose value is a predicate on the exception the function raised.
    A call of the reference implementation of this notebook's exercises fails as in grading.
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
        input_desc = _describe_call(names, args, kwargs)
    try:
        result = _run(exercise, func, call_args, call_kwargs, stable=stable)
    except CheckFailure:
        raise
    except NotImplementedError:
        fail(exercise, "not implemented yet.", details=["the function still raises NotImplementedError."],
             hint="replace `raise NotImplementedError(...)` with your code, run that cell, then this one.")
    except (FloatingPointError, RuntimeWarning, OverflowError) as error:
        problem = _NUMPY_PROBLEM.search(str(error))
        if stable and (problem or isinstance(error, OverflowError)):
            fact = (f"the function {_PROBLEM_WORDS[problem.group(1)]} in np.{problem.group(2)}." if problem
                    else f"the function overflowed ({error}).")
            where, _ = _student_line(error)
            fail(exercise, fact, input=input_desc, line=where, hint=unstable_hint, mistake="unstable")
        _raised(exercise, error, input_desc, shape_hint=error_hint)
    except Exception as error:
        for mistake in raising:
            if mistake.value(error):
                where, _ = _student_line(error)
                fail(exercise, mistake.fact, error=f"{type(error).__name__}: {error}", input=input_desc,
                     line=where, hint=mistake.hint, mistake=mistake.id)
        _raised(exercise, error, input_desc, shape_hint=error_hint)
    for name, before, after in zip(names, before_args, call_args):
        changed = _first_difference(before, after, name)
        if changed:
            fail(exercise, f"the function changed its argument {changed} in place.", input=input_desc,
                 hint=modify_hint or MODIFY_HINT, mistake="modifies-input")
    for key, before in before_kwargs.items():
        changed = _first_difference(before, call_kwargs[key], key)
        if changed:
            fail(exercise, f"the function changed its argument {changed} in place.", input=input_desc,
                 hint=modify_hint or MODIFY_HINT, mistake="modifies-input")
    return result


def expect_raises(exercise: str, func, error_type: type[BaseException], *args, names=None, why: str,
                  hint: str, mistake: str, **kwargs) -> None:
    """Fail unless `func(*args, **kwargs)` raises `error_type` (the exercise text asks for it).

    why: the input, in words ("loss 'hinge'"); the failure reads "<why> did not raise ValueError".
    """
    names = list(names or [])
    names += [f"argument {i + 1}" for i in range(len(names), len(args))]
    input_desc = _describe_call(names, args, kwargs)
    try:
        _run(exercise, func, copy.deepcopy(args), copy.deepcopy(kwargs), stable=False)
    except CheckFailure:
        raise
    except error_type:
        return
    except NotImplementedError:
        fail(exercise, "not implemented yet.", details=["the function still raises NotImplementedError."],
             hint="replace `raise NotImplementedError(...)` with your code, run that cell, then this one.")
    except Exception as error:
        where, _ = _student_line(error)
        fail(exercise, f"{why}: raised {type(error).__name__}, not {error_type.__name__}.",
             error=f"{type(error).__name__}: {error}", input=input_desc, line=where, hint=hint, mistake=mistake)
    fail(exercise, f"{why}: no {error_type.__name__} was raised.", input=input_desc, hint=hint, mistake=mistake)


# ---------------------------------------------------------------------------------------------
# Comparing results
# ---------------------------------------------------------------------------------------------

def as_array(exercise: str, got, *, what: str, input_desc=None, allow_list: bool = False) -> np.ndarray:
    """`got` as an ndarray (numpy scalars and Python numbers become 0-d arrays)."""
    if got is None:
        fail(exercise, fitting(exercise, f"{what} returned None.", "the function returned None."), input=input_desc,
             hint="did you forget the `return` statement?",
             mistake="returns-none")
    if isinstance(got, (list, tuple)) and not allow_list:
        fail(exercise, fitting(exercise, f"{what} returned a {type(got).__name__}, not a numpy array.",
                               f"the result is a {type(got).__name__}, not a numpy array."), input=input_desc,
             got=format_array(got),
             hint="return a numpy array (build it with numpy operations, or wrap it in np.array(...)).",
             mistake="returns-list")
    try:
        arr = np.asarray(got)
    except Exception:
        fail(exercise, f"{what} returned {type(got).__name__}, not a number or array.", input=input_desc)
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        fail(exercise, f"{what} returned {type(got).__name__} of dtype {arr.dtype}, not numbers.",
             input=input_desc, got=format_array(got))
    return arr


def _shape_text(shape) -> str:
    return str(tuple(shape))


def expect_shape(exercise: str, got, shape, *, what: str, input_desc=None, mistakes=(), hint=None):
    """Fail unless np.shape(got) is `shape` (a tuple) or one of `shape` (a list of tuples)."""
    accepted = [tuple(s) for s in shape] if isinstance(shape, list) else [tuple(shape)]
    actual = np.shape(got)
    if actual in accepted:
        return
    name_mistake(exercise, got, mistakes, input_desc=input_desc)
    expected = " or ".join(_shape_text(s) for s in accepted)
    fail(exercise, fitting(exercise, f"{what} has shape {_shape_text(actual)}, expected {expected}.",
                           f"the result has shape {_shape_text(actual)}, expected {expected}."),
         input=input_desc, got=format_array(got), hint=hint)


def expect_float(exercise: str, got, *, what: str, input_desc=None, hint=None):
    """Fail unless `got` has a floating dtype (Python float, numpy floating scalar or array)."""
    dtype = np.asarray(got).dtype
    if dtype.kind != "f":
        fail(exercise, fitting(exercise, f"{what} has dtype {dtype}, expected floats.",
                               f"the result has dtype {dtype}, expected floats."), input=input_desc,
             got=format_array(got), hint=hint or "return floats, e.g. np.where(cond, 1.0, 0.0) or .astype(float).",
             mistake="not-floats")


def expect_finite(exercise: str, got, *, what: str, input_desc=None, hint=None, mistake=None):
    """Fail when `got` contains nan or inf."""
    arr = np.asarray(got, dtype=float)
    if not np.all(np.isfinite(arr)):
        bad = "nan" if np.any(np.isnan(arr)) else "inf"
        fail(exercise, fitting(exercise, f"{what} contains {bad}.", f"the result contains {bad}."), input=input_desc,
             got=format_array(got), hint=hint, mistake=mistake)


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
        return f"exactly {abs(k):.4g} times too large" + ("" if k > 0 else " and of the wrong sign")
    return f"exactly {abs(1 / k):.4g} times too small" + ("" if k > 0 else " and of the wrong sign")


def expect_close(exercise: str, got, expected, *, what: str, input_desc=None, mistakes=(), hint=None,
                 rtol: float = 1e-6, atol: float = 1e-9):
    """Fail unless `got` matches `expected`; name a known mistake when `got` shows one.

    mistakes: `Mistake`s tried in order before anything else. hint: the advice for a wrong result
    that no mistake explains. "Exactly k times too large" is said only of arrays whose error a
    single factor explains over at least three entries (a factor a mistake predicts is a Mistake).
    """
    exp = np.asarray(expected)
    g = np.asarray(got)
    if g.shape == exp.shape:
        with np.errstate(all="ignore"):
            if np.allclose(g.astype(float), exp.astype(float), rtol=rtol, atol=atol):
                return
    name_mistake(exercise, got, mistakes, expected=expected, input_desc=input_desc, rtol=rtol, atol=atol)
    if g.shape != exp.shape:
        fail(exercise, fitting(exercise, f"{what} has shape {_shape_text(g.shape)}, expected {_shape_text(exp.shape)}.",
                               f"the result has shape {_shape_text(g.shape)}, expected {_shape_text(exp.shape)}."),
             input=input_desc, expected=format_array(expected), got=format_array(got), hint=hint)
    g = g.astype(float)
    e = exp.astype(float)
    with np.errstate(all="ignore"):
        close = np.isclose(g, e, rtol=rtol, atol=atol, equal_nan=False)
    if np.all(close):
        return
    k = constant_ratio(g, e) if np.count_nonzero(e) >= 3 else None
    if k is not None:
        fail(exercise, fitting(exercise, f"{what} is {_ratio_text(k)}.", f"the result is {_ratio_text(k)}."),
             input=input_desc, expected=format_array(expected),
             got=format_array(got), hint=hint)
    if g.ndim == 0:
        fail(exercise, fitting(exercise, f"{what} is {_format_number(g)}, expected {_format_number(e)}.",
                               f"the result is {_format_number(g)}, expected {_format_number(e)}."),
             input=input_desc, hint=hint)
    where = np.argwhere(~close)
    first = tuple(int(i) for i in where[0])
    fail(exercise, fitting(exercise, f"{what} is wrong in {len(where)} of {g.size} entries.",
                           f"the result is wrong in {len(where)} of {g.size} entries."), input=input_desc,
         expected=format_array(expected), got=format_array(got),
         details=[f"first wrong entry at index {first}: expected {_format_number(e[first])}, "
                  f"got {_format_number(g[first])}"], hint=hint)


def times(expected, k: float):
    """`k * expected` as floats: the value of a mistake that scales the right answer by k."""
    return k * np.asarray(expected, dtype=float)


ONE_NUMBER_HINT = ("a cost is one number: take the mean over all elements (np.mean without axis) "
                   "and return it, e.g. float(np.mean(...)).")


def expect_number(exercise: str, got, *, what: str, input_desc=None, hint=None) -> float:
    """`got` as a Python float; fails unless it is a single real number (float, int or 0-d array)."""
    arr = as_array(exercise, got, what=what, input_desc=input_desc)
    if arr.ndim != 0:
        fail(exercise, fitting(exercise, f"{what} is an array of shape {arr.shape}, not one number.",
                               f"the result is an array of shape {arr.shape}, not one number."),
             input=input_desc, got=format_array(got), hint=hint or ONE_NUMBER_HINT, mistake="not-a-number")
    return float(arr)


# ---------------------------------------------------------------------------------------------
# Helpers several checks share
# ---------------------------------------------------------------------------------------------

#: The four inputs of a two-input logic gate, one per row: (0,0), (0,1), (1,0), (1,1) (notebooks 01, 03).
TRUTH_TABLE_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
#: The names of the truth tables a two-input gate can compute, by its outputs on TRUTH_TABLE_X.
TABLE_NAMES: dict[tuple[int, ...], str] = {
    (0, 0, 0, 1): "AND", (0, 1, 1, 1): "OR", (1, 1, 1, 0): "NAND", (1, 0, 0, 0): "NOR",
    (0, 1, 1, 0): "XOR", (1, 0, 0, 1): "XNOR", (0, 0, 0, 0): "always 0", (1, 1, 1, 1): "always 1",
}


def truth_table(outputs) -> str:
    """'(0, 0) -> 0, (0, 1) -> 1, ...' for the outputs on TRUTH_TABLE_X."""
    return ", ".join(f"{tuple(int(v) for v in x)} -> {int(o)}" for x, o in zip(TRUTH_TABLE_X, outputs))


FLOAT_HINT = ("return float values (for example with .astype(float) or np.where(cond, 1.0, 0.0)), "
              "not booleans or integers.")
#: The range over which every activation and derivative must stay finite and warning-free.
EXTREME = 1e4


def elementwise_input(rng, shape, scale=2.5, zeros=2):
    """Normal values of the given shape with a few exact zeros (kinks and z >= 0 must be handled)
    and, where there is room, one value in (0, 1) and one in (-1, 0) (so that capping at 1 shows)."""
    Z = rng.normal(0.0, scale, size=shape)
    special = rng.choice(Z.size, size=min(zeros + 2, Z.size), replace=False)
    Z.flat[special[:zeros]] = 0.0
    if len(special) == zeros + 2:
        Z.flat[special[zeros]] = rng.uniform(0.1, 0.9)
        Z.flat[special[zeros + 1]] = -rng.uniform(0.1, 0.9)
    return Z


def check_elementwise(name, func, rng, hidden, *, reference, mistakes=lambda Z: (), unstable_hint=None,
                      extreme_range=None, properties=None, **kwargs):
    """The checks every elementwise function (an activation or a derivative) shares; returns the summary.

    Shapes (m, n), (n,), (1, n), three axes and a Python float; float32 input; values up to
    |z| = 1e4 in float64 and float32 with no overflow, no nan and no warning, inside `extreme_range`.
    reference(Z, **kwargs): the expected values.   mistakes(Z): the known mistakes on input Z.
    properties(call, Z, A): extra property checks on the (m, n) case.
    """
    what = f"{name}(z)"

    def call(Z, desc=None):
        desc = desc or describe(z=Z)
        return call_student(name, func, Z, names=("z",), stable=True, input_desc=desc,
                            unstable_hint=unstable_hint, **kwargs), desc

    def compare(Z, got, desc, *, atol=1e-9):
        A = as_array(name, got, what=what, input_desc=desc)
        known = mistakes(Z)
        expect_shape(name, A, np.shape(Z), what=what, input_desc=desc, mistakes=known)
        expect_float(name, A, what=what, input_desc=desc, hint=FLOAT_HINT)
        expect_close(name, A, reference(Z, **kwargs), what=what, input_desc=desc, mistakes=known,
                     rtol=tolerance(np.asarray(Z).dtype), atol=atol)
        return A

    m, n = distinct_sizes(rng, 2, 3, 9)
    shapes = [(m, n), (n,), (1, n), tuple(distinct_sizes(rng, 3, 2, 5))]
    if hidden:
        shapes += [(2 * m + 11, n + 9)]
    for shape in shapes:
        Z = elementwise_input(rng, shape)
        got, desc = call(Z)
        A = compare(Z, got, desc)
        if properties is not None and shape == shapes[0]:
            properties(lambda z: np.asarray(call(z)[0], dtype=float), Z, A)

    z0 = float(rng.normal(0.0, 2.0))
    got, desc = call(z0, f"z = {z0:.6g} (a Python float)")
    compare(z0, got, desc)

    Z32 = elementwise_input(rng, (n, m)).astype(np.float32)
    got, desc = call(Z32)
    compare(Z32, got, desc, atol=1e-6)

    for dtype in (np.float64, np.float32):
        Ze = np.array([-EXTREME, -1000.0, -100.0, -40.0, -1.0, 0.0, 1.0, 40.0, 100.0, 1000.0, EXTREME], dtype=dtype)
        desc = f"z = {format_array(Ze)}"
        got, desc = call(Ze, desc)
        A = as_array(name, got, what=what, input_desc=desc)
        expect_shape(name, A, Ze.shape, what=what, input_desc=desc)
        expect_finite(name, A, what=f"{what} at large |z|", input_desc=desc, hint=unstable_hint, mistake="unstable")
        if extreme_range is not None:
            lo, hi = extreme_range
            if np.any(A < lo) or np.any(A > hi):
                fail(name, f"{what} left the range [{lo}, {hi}] at large |z|.", input=desc, got=format_array(A))
        with np.errstate(all="ignore"):
            clipped = reference(np.clip(Ze.astype(float), -10.0, 10.0), **kwargs)
        expect_close(name, A, reference(Ze, **kwargs), what=f"{what} at large |z|", input_desc=desc,
                     rtol=1e-5, atol=1e-6, mistakes=[
                         Mistake("clips-input", clipped,
                                 f"{what} at large |z| equals {name} of z clipped to [-10, 10].",
                                 "clip only where it cannot change the result (|z| > 700 or so), or better, "
                                 "avoid overflow without clipping.")])
    done = ", ".join(str(s) for s in shapes)
    return f"shapes {done}, a scalar, float32, |z| up to 1e4 (float64 and float32) without warnings."


def numbered_rows(rng, m, n):
    """X (m, n) whose first column numbers the rows, and y = 2 * row + 1 (every y belongs to one row)."""
    X = rng.normal(0.0, 1.0, size=(m, n))
    X[:, 0] = np.arange(m)
    y = 2 * np.arange(m) + 1
    return X, y


BATCH_FIRST_HINT = ("the course is batch-first: X is (m, n_in), W is (n_in, n_out), b is (n_out,), and "
                    "Z = X @ W + b is (m, n_out), one row per example.")


def as_params(exercise: str, got, layer_sizes, *, what: str, input_desc=None, hint=None,
              floats: bool = False) -> list[tuple[np.ndarray, np.ndarray]]:
    """`got` as a list of (W, b) arrays with W (layer_sizes[l], layer_sizes[l + 1]) and b (layer_sizes[l + 1],).

    floats: W and b must hold floats (init_params); otherwise any numbers do.
    """
    L = len(layer_sizes) - 1
    hint = hint or "return a list with one (W, b) per layer: params.append((W, b))."
    if not isinstance(got, (list, tuple)):
        fail(exercise, f"{what} must be a list of (W, b) pairs, not {type(got).__name__}.", input=input_desc,
             got=format_array(got) if got is not None else "None", hint=hint)
    if len(got) != L:
        fail(exercise, f"{len(got)} layers in {what}, expected {L}.", input=input_desc,
             details=["the input layer has no (W, b)."] if len(got) == L + 1 else (),
             hint="there is one (W, b) per pair of consecutive sizes: zip(layer_sizes[:-1], layer_sizes[1:]).")
    params = []
    for l, pair in enumerate(got):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            fail(exercise, f"{what}[{l}] is not a pair (W, b).", input=input_desc, got=format_array(pair), hint=hint)
        n_in, n_out = layer_sizes[l], layer_sizes[l + 1]
        W = as_array(exercise, pair[0], what=f"W of layer {l + 1}", input_desc=input_desc)
        b = as_array(exercise, pair[1], what=f"b of layer {l + 1}", input_desc=input_desc)
        if W.shape == (n_out, n_in) and n_in != n_out:
            fail(exercise, f"W of layer {l + 1} has shape {W.shape}: it is transposed.", input=input_desc,
                 expected=f"shape ({n_in}, {n_out})", mistake="transposed-W",
                 hint="W of a layer is (n_in, n_out) = (layer_sizes[l], layer_sizes[l+1]), so that X @ W "
                      "works. " + BATCH_FIRST_HINT)
        expect_shape(exercise, W, (n_in, n_out), what=f"W of layer {l + 1}", input_desc=input_desc)
        if b.shape in ((1, n_out), (n_out, 1)) and n_out > 1 or b.shape == (1, 1):
            fail(exercise, f"b of layer {l + 1} has shape {b.shape}, expected ({n_out},).", input=input_desc,
                 hint="the bias is 1-D: np.zeros(n_out); it broadcasts over the rows of X @ W.",
                 mistake="2d-bias")
        expect_shape(exercise, b, (n_out,), what=f"b of layer {l + 1}", input_desc=input_desc)
        if floats:
            expect_float(exercise, W, what=f"W of layer {l + 1}", input_desc=input_desc)
            expect_float(exercise, b, what=f"b of layer {l + 1}", input_desc=input_desc,
                         hint="np.zeros(n_out) gives float zeros.")
        params.append((W, b))
    return params
