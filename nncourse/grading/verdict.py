"""The verdict, computed in the grader's own process where student code cannot reach.

For one submitted notebook: a sandboxed worker runs the student's cells (see `worker`), then for
each exercise the grader executes the SOURCE notebook's test cell (visible and hidden tests) with
its own trusted `nncourse.checks.check` and numpy. Every name the test cell reads that the grader
does not define (the student's `sigmoid`, `neuron`, ...) resolves to a proxy: calling it pickles
the arguments to the worker, calls the student's function there under the exercise's time limit,
and brings back the result as plain data (plus the arguments as they are after the call, so that
a check still sees an input modified in place).

Faults cost one exercise: a timeout (SIGKILL, so ignoring SIGINT does not help), a crash
(os._exit, a segfault), running out of memory or printing past the output limit ends the worker;
the exercise gets `timeout` or `crashed`, and a new worker re-runs the notebook's cells, minus
any cell that itself faulted, for the exercises that follow.
"""
from __future__ import annotations

import builtins
import contextlib
import io
import linecache
import marshal
import pickle
import socket
import time
import warnings
from dataclasses import dataclass

import numpy as np

from . import sandbox, wire
from .records import ExerciseResult
from .source import CellPlan, Exercise, SourceNotebook


@dataclass
class Timeouts:
    cell: float = 60.0        # seconds per notebook cell (as c.ExecutePreprocessor.timeout)
    exercise: float = 30.0    # seconds for all the calls one exercise's tests make
    notebook: float = 600.0   # seconds for the whole notebook, restarts included
    startup: float = 60.0     # seconds for a worker to start and import numpy


class WorkerFault(BaseException):
    """The worker timed out or died. A BaseException, so that a check's `except Exception` lets it by."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class GraderError(Exception):
    """The grader itself could not run (a worker that cannot even start): every exercise is `error`."""


class _Forbidden(BaseException):
    def __init__(self, names):
        super().__init__(names)
        self.names = names


class _Tampered(WorkerFault):
    """The worker's replies broke the protocol (student code wrote to the wire): `tampered`."""

    def __init__(self, message: str):
        super().__init__("tampered", message)


# ---- one worker ---------------------------------------------------------------------------------

class Session:
    """A live worker that has run the notebook's cells, with the grader's end of the wire."""

    def __init__(self, isolation, scratch: str, deadline: float):
        self.deadline = deadline
        self.process = sandbox.WorkerProcess(isolation, scratch)
        self.sources: dict[str, str] = {}

    def request(self, message, timeout: float):
        """Send one request and wait for its reply; WorkerFault on timeout or death."""
        limit = min(time.monotonic() + timeout, self.deadline)
        try:
            wire.send(self.process.sock, message, plain=False)
        except OSError:
            raise self._died() from None
        while True:
            remaining = limit - time.monotonic()
            if remaining <= 0:
                self.close()
                raise WorkerFault("timeout", f"did not finish within {timeout:g} s")
            self.process.sock.settimeout(remaining)
            try:
                reply = wire.recv(self.process.sock, plain=True)
            except (socket.timeout, TimeoutError):
                continue
            except (EOFError, OSError):
                raise self._died() from None
            except wire.MessageTooLarge:
                self.close()
                raise WorkerFault("crashed", f"returned more than {wire.MAX_MESSAGE_BYTES // 2**20} MB "
                                             "of data") from None
            except wire.WireError as error:
                self.close()
                raise _Tampered(f"the worker sent a message the grader refuses ({error})") from None
            if not isinstance(reply, tuple) or not reply:
                self.close()
                raise _Tampered("the worker sent a malformed reply")
            if reply[0] == "fault":
                self.close()
                raise WorkerFault("crashed", str(reply[2]) if len(reply) > 2 else "the worker failed")
            return reply

    def _died(self) -> WorkerFault:
        try:
            self.process.proc.wait(timeout=5)
        except Exception:
            pass
        description = self.process.exit_description()
        self.close()
        return WorkerFault("crashed", f"crashed: {description}")

    def close(self) -> None:
        self.process.kill()


# ---- the proxy the checks call ----------------------------------------------------------------------

def _runtime_warning_action() -> str:
    """What the grader's current warning filters do with a RuntimeWarning (error, ignore, default)."""
    for action, message, category, _module, lineno in warnings.filters:
        if issubclass(RuntimeWarning, category) and (message is None or message.match("")) and not lineno:
            return action
    return "default"


_EXCEPTION_TYPES: dict[str, type] = {}


def _rebuild_exception(type_name: str, message: str, where, sources: dict[str, str]) -> BaseException:
    """An exception like the student's, raised from their cell and line so that checks can cite it."""
    cls = getattr(builtins, str(type_name), None)
    if not (isinstance(cls, type) and issubclass(cls, Exception)):
        cls = _EXCEPTION_TYPES.setdefault(str(type_name), type(str(type_name), (Exception,), {}))
    try:
        error = cls(message)
    except Exception:
        cls = _EXCEPTION_TYPES.setdefault(str(type_name), type(str(type_name), (Exception,), {}))
        error = cls(message)
    if where and isinstance(where, tuple) and len(where) == 2 and str(where[0]) in sources:
        filename, lineno = str(where[0]), int(where[1])
        text = sources[filename]
        linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
        try:
            exec(compile("\n" * max(lineno - 1, 0) + "raise __error__", filename, "exec"), {"__error__": error})
        except BaseException as raised:
            return raised.with_traceback(raised.__traceback__.tb_next)
    return error


def _sync_back(original, after) -> None:
    """Make the grader's argument look as the worker's did after the call (in-place changes)."""
    if isinstance(after, tuple) and after and after[0] == "rng" and isinstance(original, np.random.Generator):
        try:
            original.bit_generator.state = wire.from_plain(after[1])
        except Exception:
            pass
        return
    if not (isinstance(after, tuple) and after and after[0] == "data"):
        return
    _copy_into(original, wire.from_plain(after[1]))


def _copy_into(original, value) -> None:
    if isinstance(original, np.ndarray):
        if isinstance(value, np.ndarray) and value.shape == original.shape and original.flags.writeable:
            if not np.array_equal(original, value, equal_nan=original.dtype.kind in "fc"):
                np.copyto(original, value, casting="unsafe")
        return
    if isinstance(original, list) and isinstance(value, list):
        if len(original) == len(value):
            for i, (o, v) in enumerate(zip(original, value)):
                if isinstance(o, (np.ndarray, list, dict, tuple)):
                    _copy_into(o, v)
                elif not _same(o, v):
                    original[i] = v
        else:
            original[:] = value
        return
    if isinstance(original, tuple) and isinstance(value, tuple) and len(original) == len(value):
        for o, v in zip(original, value):
            _copy_into(o, v)
        return
    if isinstance(original, dict) and isinstance(value, dict):
        for key in list(original):
            if key not in value:
                del original[key]
        for key, v in value.items():
            if key in original and isinstance(original[key], (np.ndarray, list, dict, tuple)):
                _copy_into(original[key], v)
            elif key not in original or not _same(original[key], v):
                original[key] = v


def _same(a, b) -> bool:
    try:
        return bool(np.all(a == b)) and type(a) is type(b)
    except Exception:
        return False


class _TestCellPickler(pickle.Pickler):
    """Pickles functions defined in a test cell (a hidden test's `lambda z: 2 * z`) by their code.

    The worker trusts the grader, so it may rebuild them from marshalled code; they run there as
    trusted code, with numpy as their only global.
    """

    def reducer_override(self, obj):
        import types
        if isinstance(obj, types.FunctionType) and obj.__module__ == "__grader__":
            if obj.__closure__:
                raise TypeError(f"the test's function {obj.__name__} uses a closure; use module-level functions")
            return (_worker_rebuild_function(), (marshal.dumps(obj.__code__), obj.__name__, obj.__defaults__))
        return NotImplemented


def _worker_rebuild_function():
    from .worker import rebuild_function
    return rebuild_function


def _dumps_for_worker(value) -> bytes:
    buffer = io.BytesIO()
    _TestCellPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


class FunctionProxy:
    """Stands for the student's function `name` in the grader; every call runs in the worker."""

    def __init__(self, session: Session, name: str, timeout: float):
        self._session = session
        self._timeout = timeout
        self.__name__ = self.__qualname__ = name
        self.__doc__ = f"the student's {name}, running in the sandbox"

    def __repr__(self) -> str:
        return f"<function {self.__name__} (student's, sandboxed)>"

    def __call__(self, *args, **kwargs):
        try:
            payload = _dumps_for_worker((args, kwargs))
        except Exception as error:
            raise TypeError(f"the grader cannot send these arguments to the sandbox: {error}") from None
        context = {"errstate": np.geterr(), "runtime_warnings": _runtime_warning_action()}
        reply = self._session.request(("call", self.__name__, payload, context), self._timeout)
        kind = reply[0]
        if kind == "returned" and len(reply) == 5:
            try:
                result = wire.from_plain(reply[1])
                for original, after in zip(args, reply[3]):
                    _sync_back(original, after)
                for key, after in dict(reply[4]).items():
                    if key in kwargs:
                        _sync_back(kwargs[key], after)
            except wire.WireError as error:
                raise _Tampered(f"the worker's reply was malformed ({error})") from None
            return (item for item in result) if reply[2] else result
        if kind == "raised" and len(reply) == 4:
            raise _rebuild_exception(reply[1], str(reply[2]), reply[3], self._session.sources)
        if kind == "forbidden":
            raise _Forbidden(list(reply[1]))
        raise _Tampered(f"the worker answered a call with {kind!r}")


class StudentNames(dict):
    """The test cell's namespace: the grader's own names, and, for any other name, the student's.

    Used as the globals of the test cell, so that functions a test cell defines see the student's
    names too. A name that is neither the grader's nor a builtin is looked up in the worker: a
    function there becomes a FunctionProxy, a plain value is copied, a missing name stays missing.
    """

    def __init__(self, session: Session, grader_names: dict, timeout: float):
        super().__init__(grader_names)
        self._session = session
        self._timeout = timeout

    def __missing__(self, name):
        if hasattr(builtins, name) or name.startswith("__"):
            raise KeyError(name)
        reply = self._session.request(("lookup", name), self._timeout)
        if reply[0] != "looked" or len(reply) != 4:
            raise _Tampered("the worker answered a lookup with something else")
        kind = reply[2]
        if kind == "callable":
            value = FunctionProxy(self._session, name, self._timeout)
        elif kind == "value":
            try:
                value = wire.from_plain(reply[3])
            except wire.WireError as error:
                raise _Tampered(str(error)) from None
        elif kind == "unsendable":
            raise TypeError(f"{name} in your notebook is {reply[3]}")
        else:
            raise KeyError(name)
        self[name] = value
        return value


# ---- one notebook -----------------------------------------------------------------------------------

def _shorten(text: str, limit: int = 4000) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + " ..."


def _trusted_check():
    from nncourse.checks import check
    return check


def grade_notebook(source: SourceNotebook, plan: CellPlan, isolation, scratch: str, setup: dict,
                   timeouts: Timeouts) -> tuple[list[ExerciseResult], list[str]]:
    """Grade one submitted notebook; returns one result per exercise of `source`, and notes."""
    start = time.monotonic()
    deadline = start + timeouts.notebook
    faulty: dict[int, WorkerFault] = {}
    cell_errors: dict[int, str] = {}
    notes = list(plan.notes)
    sources = {f"<cell {index}>": code for index, code, _ in plan.cells}
    cell_of = {gid: index for index, _, gid in plan.cells if gid}
    results: list[ExerciseResult] = []
    session: Session | None = None

    def boot() -> Session:
        while True:
            live = Session(isolation, scratch, deadline)
            live.sources = sources
            try:
                ready = live.request(("setup", setup), timeouts.startup)
            except WorkerFault as fault:
                raise GraderError(f"the sandboxed worker did not start ({fault.message})") from None
            if ready != ("ready",):
                live.close()
                raise GraderError(f"the sandboxed worker did not start ({ready!r})")
            try:
                for index, code, grade_id in plan.cells:  # noqa: B007 - the except below names the faulty cell
                    if index in faulty:
                        continue
                    reply = live.request(("run", index, code), timeouts.cell)
                    if reply[0] == "ran" and reply[2] != "ok":
                        cell_errors[index] = str(reply[3])
                return live
            except WorkerFault as fault:
                if time.monotonic() >= deadline:
                    raise
                faulty[index] = fault
                notes.append(f"cell {index} ({grade_id or 'your code'}): {fault.status}: "
                             f"{fault.message}; the notebook was re-run without it")

    trusted_check = _trusted_check()
    for exercise in source.exercises:
        cell = cell_of.get(exercise.name)
        if cell in faulty:
            fault = faulty[cell]
            results.append(ExerciseResult(exercise.name, 0.0, exercise.points, fault.status,
                                          f"your cell {fault.message}"))
            continue
        if time.monotonic() >= deadline:
            results.append(ExerciseResult(exercise.name, 0.0, exercise.points, "timeout",
                                          f"the notebook used up its {timeouts.notebook:g} s"))
            continue
        try:
            if session is None:
                session = boot()
            results.append(_run_tests(session, exercise, trusted_check, timeouts, cell_errors.get(cell)))
        except WorkerFault as fault:
            session = None
            results.append(ExerciseResult(exercise.name, 0.0, exercise.points, fault.status,
                                          f"{exercise.name}: {fault.message}"))
        if results[-1].status in ("timeout", "crashed", "tampered"):
            if session is not None:
                session.close()
            session = None
    if session is not None:
        session.close()
    for index, message in sorted(cell_errors.items(), key=lambda item: str(item[0])):
        notes.append(f"cell {index} raised {message}")
    return results, notes


def _run_tests(session: Session, exercise: Exercise, trusted_check, timeouts: Timeouts,
               cell_error: str | None) -> ExerciseResult:
    """Execute the source's test cell for `exercise` in the grader, against the sandboxed functions."""
    names = StudentNames(session, {"__builtins__": builtins, "__name__": "__grader__",
                                   "check": trusted_check, "np": np, "numpy": np}, timeouts.exercise)
    printed = io.StringIO()
    started = time.monotonic()
    code = compile(exercise.test_source, f"<tests of {exercise.name}>", "exec")

    def result(status: str, message: str, score: float = 0.0, mistake: str = "") -> ExerciseResult:
        return ExerciseResult(exercise.name, score, exercise.points, status, _shorten(message), mistake)

    # one budget for all the calls of this exercise's tests
    exercise_deadline = started + timeouts.exercise
    saved_deadline = session.deadline
    session.deadline = min(saved_deadline, exercise_deadline)
    try:
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            exec(code, names)
    except WorkerFault as fault:  # also _Tampered
        if fault.status == "timeout":
            return result("timeout", f"{exercise.name}: did not finish within {timeouts.exercise:g} s "
                                     "(an endless loop?)")
        return result(fault.status, f"{exercise.name}: {fault.message}")
    except _Forbidden as forbidden:
        called = ", ".join(f"nncourse.reference.{n}" for n in dict.fromkeys(forbidden.names))
        return result("forbidden", f"{exercise.name}: your code calls {called}, the reference "
                                   "implementation of an exercise of this notebook. Write your own: "
                                   "the reference implementations of earlier notebooks are allowed.")
    except NameError as error:
        message = f"{exercise.name}: {error} in your notebook."
        if cell_error:
            message += f" Your cell raised {cell_error}."
        return result("failed", message, mistake="other")
    except AssertionError as error:
        text = str(error) or f"{exercise.name}: a hidden test failed."
        mistake = str(getattr(error, "mistake", None) or "other")
        if mistake == "not-implemented":   # the check saw the released stub still raising
            return result("not attempted", text)
        return result("failed", text, mistake=mistake)
    except Exception as error:
        return result("failed", f"{exercise.name}: {type(error).__name__}: {error}", mistake="other")
    finally:
        session.deadline = saved_deadline
    lines = [line for line in printed.getvalue().splitlines() if line.strip()]
    return result("passed", lines[-1] if lines else f"{exercise.name}: passed", exercise.points)
