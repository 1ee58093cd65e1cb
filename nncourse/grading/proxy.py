"""The student's functions as the grader's checks see them: proxies that call into the sandbox.

The grader executes the source notebook's test cell with its own `check` and numpy. Every name
the test cell reads that the grader does not define resolves (`StudentNames`) to the student's
value: a plain value is copied, a function becomes a `FunctionProxy`. Calling a proxy pickles the
arguments to the worker, calls the function there, and brings back plain data: the result, or
the exception (rebuilt with its type and the student's cell and line, `rebuild_exception`), and
each argument as it is after the call, copied back into the caller's objects (`sync_back`), so a
check still sees an input the student changed in place.

`call_through_the_wire` does the whole round trip in one process, with the same code on both
sides: the checks' tests (tests/banks/proxy.py) use it to call a function the way grading does.
"""
from __future__ import annotations

import builtins
import io
import linecache
import marshal
import pickle
import types
import warnings

import numpy as np

from . import wire
from .records import Status
from .session import Tampered, WorkerFault, bounded

MAX_LINE = 100_000     # a cited line number beyond any cell's length is not believed


class Forbidden(BaseException):
    """The student's code called this notebook's reference (it is not in the sandbox)."""

    def __init__(self, names):
        super().__init__(names)
        self.names = [bounded(name, 120) for name in names][:5]


class CallTimedOut(WorkerFault):
    """The worker stopped the student's function at its soft limit and lives on."""

    def __init__(self, message: str, culprit: str | None):
        super().__init__(Status.TIMEOUT, message, culprit)


def runtime_warning_action() -> str:
    """What the grader's current warning filters do with a RuntimeWarning (error, ignore, default)."""
    for action, message, category, _module, lineno in warnings.filters:
        if issubclass(RuntimeWarning, category) and (message is None or message.match("")) and not lineno:
            return action
    return "default"


# ---- exceptions -----------------------------------------------------------------------------------

_EXCEPTION_TYPES: dict[str, type] = {}


def _exception_type(name: str) -> type:
    cls = getattr(builtins, name, None)
    if isinstance(cls, type) and issubclass(cls, Exception):
        return cls
    if not name.isidentifier():
        name = "StudentError"
    return _EXCEPTION_TYPES.setdefault(name, type(name, (Exception,), {}))


def rebuild_exception(type_name, message, where, sources: dict[str, str]) -> BaseException:
    """An exception like the student's, raised from their cell and line so that checks can cite it."""
    type_name, message = bounded(type_name, 60), bounded(message, 2000)
    cls = _exception_type(type_name)
    try:
        error = cls(message)
    except Exception:
        cls = _EXCEPTION_TYPES.setdefault(type_name, type(type_name, (Exception,), {}))
        error = cls(message)
    if not (isinstance(where, tuple) and len(where) == 2 and isinstance(where[0], str) and where[0] in sources
            and isinstance(where[1], int)):
        return error
    filename, text = where[0], sources[where[0]]
    lineno = where[1]
    if not 1 <= lineno <= min(text.count("\n") + 1, MAX_LINE):
        return error
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    code = compile("raise __error__", filename, "exec").replace(co_firstlineno=lineno)
    try:
        exec(code, {"__error__": error})
    except BaseException as raised:   # noqa: B036 - the very exception we raised
        frame = raised.__traceback__    # this function's frame, then the cell's: keep the cell's
        return raised.with_traceback(frame.tb_next if frame is not None else None)
    return error


# ---- in-place changes -------------------------------------------------------------------------------

def sync_back(original, after) -> None:
    """Make the caller's argument look as the worker's did after the call (see worker.after_call)."""
    if not (isinstance(after, tuple) and after):
        return
    if after[0] == "rng" and len(after) == 2 and isinstance(original, np.random.Generator):
        try:
            original.bit_generator.state = after[1]
        except Exception:
            pass
    elif after[0] == "data" and len(after) == 2:
        copy_into(original, after[1])


def copy_into(original, value) -> None:
    """Copy `value` (the argument as it was after the call) into `original`, in place."""
    if isinstance(original, np.ndarray):
        if isinstance(value, np.ndarray) and value.shape == original.shape and original.flags.writeable:
            if not np.array_equal(original, value, equal_nan=original.dtype.kind in "fc"):
                np.copyto(original, value, casting="unsafe")
        return
    if isinstance(original, list) and isinstance(value, list):
        if len(original) == len(value):
            for i, (o, v) in enumerate(zip(original, value)):
                if isinstance(o, (np.ndarray, list, dict, tuple)):
                    copy_into(o, v)
                elif not _same(o, v):
                    original[i] = v
        else:
            original[:] = value
        return
    if isinstance(original, tuple) and isinstance(value, tuple) and len(original) == len(value):
        for o, v in zip(original, value):
            copy_into(o, v)
        return
    if isinstance(original, dict) and isinstance(value, dict):
        for key in list(original):
            if key not in value:
                del original[key]
        for key, v in value.items():
            if key in original and isinstance(original[key], (np.ndarray, list, dict, tuple)):
                copy_into(original[key], v)
            elif key not in original or not _same(original[key], v):
                original[key] = v


def _same(a, b) -> bool:
    try:
        return bool(np.all(a == b)) and type(a) is type(b)
    except Exception:
        return False


# ---- arguments to the worker ------------------------------------------------------------------------

class _TestCellPickler(pickle.Pickler):
    """Pickles functions defined in a test cell (a hidden test's `lambda z: 2 * z`) by their code.

    The worker trusts the grader, so it may rebuild them from marshalled code; they run there with
    numpy as their only global.
    """

    def reducer_override(self, obj):
        if isinstance(obj, types.FunctionType) and obj.__module__ == "__grader__":
            if obj.__closure__:
                raise TypeError(f"the test's function {obj.__name__} uses a closure; use module-level functions")
            from .worker import rebuild_function
            return (rebuild_function, (marshal.dumps(obj.__code__), obj.__name__, obj.__defaults__))
        return NotImplemented


def dumps_for_worker(value) -> bytes:
    buffer = io.BytesIO()
    _TestCellPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


# ---- a call's reply -----------------------------------------------------------------------------------

def result_of_call(reply: tuple, args, kwargs, sources: dict[str, str], on_raise=None):
    """The value a call returned (arguments synced back), or the exception it raised, from its reply.

    reply: the worker's reply to a call, without its sequence number (see worker.Worker.call).
    on_raise(type name, where) is told about every exception the student's function raised.
    """
    kind = reply[0] if reply else None
    if kind == "returned" and len(reply) == 5 and isinstance(reply[3], list) and isinstance(reply[4], dict):
        for original, after in zip(args, reply[3]):
            sync_back(original, after)
        for key, after in reply[4].items():
            if key in kwargs:
                sync_back(kwargs[key], after)
        result = reply[1]
        return (item for item in result) if reply[2] and isinstance(result, list) else result
    if kind == "raised" and len(reply) == 4:
        if on_raise is not None:
            on_raise(reply[1], reply[3])
        raise rebuild_exception(reply[1], reply[2], reply[3], sources)
    if kind == "forbidden" and len(reply) == 2 and isinstance(reply[1], list):
        raise Forbidden([str(name) for name in reply[1]])
    if kind == "timeout" and len(reply) == 3:
        raise CallTimedOut(bounded(reply[1]), reply[2] if isinstance(reply[2], str) else None)
    raise Tampered(f"the worker answered a call with {bounded(kind, 40)!r}")


def call_through_the_wire(func, *args, **kwargs):
    """Call `func` as grading does, in this process: pickled arguments, a plain reply, in-place
    changes copied back (the checks' tests use it to prove a check survives the process boundary)."""
    from .worker import after_call
    sent_args, sent_kwargs = pickle.loads(dumps_for_worker((args, kwargs)))
    result = func(*sent_args, **sent_kwargs)   # an exception goes straight to the check, with its traceback
    generator = isinstance(result, types.GeneratorType)
    if generator:
        result = list(result)
    reply = ("returned", result, generator,
             [after_call(a, np.random.Generator, wire.encode) for a in sent_args],
             {k: after_call(v, np.random.Generator, wire.encode) for k, v in sent_kwargs.items()})
    return result_of_call(wire.decode(wire.encode(reply)), args, kwargs, {})


class FunctionProxy:
    """Stands for the student's function `name` in the grader; every call runs in the sandbox."""

    def __init__(self, session, name: str, budget, on_raise=None):
        self._session = session
        self._budget = budget          # budget() -> seconds left for this exercise's calls
        self._on_raise = on_raise
        self.__name__ = self.__qualname__ = name
        self.__doc__ = f"the student's {name}, running in the sandbox"

    def __repr__(self) -> str:
        return f"<function {self.__name__} (student's, sandboxed)>"

    def __call__(self, *args, **kwargs):
        try:
            payload = dumps_for_worker((args, kwargs))
        except Exception as error:
            raise TypeError(f"the grader cannot send these arguments to the sandbox: {error}") from None
        context = {"errstate": np.geterr(), "runtime_warnings": runtime_warning_action()}
        left = self._budget()
        if left <= 0:
            raise CallTimedOut(f"{self.__name__}: the exercise's time ran out", None)
        reply = self._session.request("call", self.__name__, payload, context, timeout=left, soft=left)
        return result_of_call(reply, args, kwargs, self._session.sources, self._on_raise)


class StudentNames(dict):
    """The test cell's namespace: the grader's own names, and, for any other name, the student's.

    Used as the globals of the test cell, so that functions a test cell defines see the student's
    names too. A name that is neither the grader's nor a builtin is looked up in the worker: a
    function there becomes a FunctionProxy, a plain value is copied, a missing name stays missing.
    """

    def __init__(self, session, grader_names: dict, budget, on_raise=None):
        super().__init__(grader_names)
        self._session = session
        self._budget = budget
        self._on_raise = on_raise

    def __missing__(self, name):
        if hasattr(builtins, name) or name.startswith("__"):
            raise KeyError(name)
        reply = self._session.request("lookup", name, timeout=max(self._budget(), 1.0))
        if not (reply[0] == "looked" and len(reply) == 3):
            raise Tampered("the worker answered a lookup with something else")
        kind = reply[1]
        if kind == "callable":
            value = FunctionProxy(self._session, name, self._budget, self._on_raise)
        elif kind == "value":
            value = reply[2]
        elif kind == "unsendable":
            raise TypeError(f"{name} in your notebook is {bounded(reply[2], 300)}")
        else:
            raise KeyError(name)
        self[name] = value
        return value
