"""The sandboxed worker: runs one student's notebook cells and calls their functions on request.

A job (see `zygote`) becomes a Worker once its sandbox is set up; its stdout and stderr are
/dev/null and Python-level output is counted and capped. The worker computes no verdict. It
answers the grader's requests (pickles, `wire`), each `(seq, kind, ...)`, with one plain reply
`(seq, kind, ...)`:

    setup options            seed the random generators; names that timed out before
    run label code limit     exec one cell in the notebook's namespace (as file "<cell LABEL>")
    lookup name              what `name` is in the namespace: a function, a value, or missing
    call name args limit     call the student's function; reply with its result as plain data

Time: every run and call has a soft limit: SIGALRM interrupts the student's code with a timeout
the worker reports without dying, and the function that was running is marked as timed out, so
that calling it again (from another exercise's tests, or a later cell) fails at once instead of
costing another timeout. Code that blocks or survives the alarm is killed by the grader.

This notebook's reference is not in the sandbox (`stubs`): calling it raises ForbiddenReference,
which the worker reports as `forbidden`.
"""
from __future__ import annotations

import builtins
import io
import os
import pickle
import random
import signal
import socket
import sys
import traceback
import types

from nncourse.grading.stubs import ForbiddenReference

# Bound before any student code runs, so that monkeypatching these modules later changes nothing here.
_exit = os._exit
_setitimer = signal.setitimer
_ITIMER_REAL = signal.ITIMER_REAL
_MemoryError = MemoryError
_RecursionError = RecursionError
_FunctionType = types.FunctionType
_GeneratorType = types.GeneratorType


class OutputLimitExceeded(BaseException):
    """Raised when the notebook printed more than the output limit."""


class SoftTimeout(BaseException):
    """Raised by the alarm in the student's code when a cell or call used up its time."""


class TimedOutBefore(BaseException):
    """Raised by a function that already timed out once: it is not run again."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CappedStream(io.TextIOBase):
    """A text stream that keeps nothing and counts characters; past `limit` it raises once per write."""

    def __init__(self, limit: int, state: dict):
        self._limit = limit
        self._state = state

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        n = len(text) if isinstance(text, str) else 0
        self._state["written"] += n
        if self._state["written"] > self._limit:
            self._state["over"] = True
            raise OutputLimitExceeded(f"printed more than {self._limit} characters")
        return n

    def flush(self) -> None:
        pass


def _innermost_student_function(tb_or_frames) -> str | None:
    """The name of the innermost function defined in a notebook cell, on a traceback or frame list."""
    found = None
    for code in tb_or_frames:
        if code.co_filename.startswith("<cell ") and code.co_name not in ("<module>", "<lambda>"):
            found = code.co_name
    return found


def _codes_of_traceback(tb):
    while tb is not None:
        yield tb.tb_frame.f_code
        tb = tb.tb_next


def _codes_of_stack(frame):
    codes = []
    while frame is not None:
        codes.append(frame.f_code)
        frame = frame.f_back
    return reversed(codes)


class Worker:
    """One student's notebook namespace and the loop that answers the grader's requests."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.namespace: dict = {"__name__": "__main__", "__builtins__": builtins}
        self.output = {"written": 0, "over": False}
        self.output_limit = 10_000_000
        self.seq = 0
        self.poisoned: dict[str, str] = {}   # function name -> why it is not run again
        self.limit = 0.0
        from nncourse.grading import wire
        self._send = wire.send
        self._recv = wire.recv
        self._encode = wire.encode

    # ---- set-up ------------------------------------------------------------------------------
    def setup(self, options: dict):
        self.output_limit = int(options.get("output_limit", self.output_limit))
        sys.stdout = CappedStream(self.output_limit, self.output)
        sys.stderr = CappedStream(self.output_limit, self.output)
        seed = int(options.get("seed", 0))
        random.seed(seed)
        import warnings

        import numpy as np
        np.random.seed(seed)
        self._Generator = np.random.Generator
        self._errstate = np.errstate
        self._catch_warnings = warnings.catch_warnings
        self._simplefilter = warnings.simplefilter
        self._loads = pickle.loads
        self.poisoned.update(dict(options.get("poisoned", {})))
        self.namespace["get_ipython"] = lambda: _NO_SHELL
        self.namespace["display"] = _display
        self.namespace["__nncourse_timed_out__"] = self._raise_timed_out
        signal.signal(signal.SIGALRM, self._on_alarm)
        return ("ready",)

    # ---- time ------------------------------------------------------------------------------------
    def _on_alarm(self, signum, frame):
        name = _innermost_student_function(_codes_of_stack(frame))
        try:   # tell the grader now: the student's code may swallow the exception
            self._send(self.sock, (self.seq, "note", "timeout", name), plain=True)
        except Exception:
            pass
        raise SoftTimeout(name)

    def _start_timer(self, seconds: float) -> None:
        self.limit = float(seconds)
        if seconds > 0:
            _setitimer(_ITIMER_REAL, seconds)

    def _stop_timer(self) -> None:
        _setitimer(_ITIMER_REAL, 0)

    def _raise_timed_out(self, name):
        raise TimedOutBefore(self.poisoned.get(name, f"{name} timed out before"))

    def _poison(self, name: str | None, message: str) -> None:
        """`name` timed out: from now on, calling it raises TimedOutBefore at once."""
        if not name:
            return
        self.poisoned.setdefault(name, message)
        self._apply_poison()

    def _apply_poison(self) -> None:
        for name in self.poisoned:
            func = self.namespace.get(name)
            if not isinstance(func, _FunctionType) or getattr(func, "__nncourse_poisoned__", False):
                continue
            if func.__code__.co_freevars:
                continue
            scope: dict = {}
            exec(compile(f"def {name}(*args, **kwargs):\n    raise __nncourse_timed_out__({name!r})\n",
                         "<timed out>", "exec"), scope)
            func.__code__ = scope[name].__code__
            func.__defaults__ = func.__kwdefaults__ = None
            func.__dict__["__nncourse_poisoned__"] = True

    def _timeout_message(self, name: str | None, what: str) -> str:
        subject = name or what
        return f"{subject} did not finish within {self.limit:g} s (an endless loop?)"

    # ---- requests ------------------------------------------------------------------------------
    def run_cell(self, label, code: str, limit: float):
        where = None
        try:
            compiled = compile(code, f"<cell {label}>", "exec")
            self._start_timer(limit)
            try:
                exec(compiled, self.namespace)
            finally:
                self._stop_timer()
            if self.output["over"]:
                raise OutputLimitExceeded()
            outcome, message = "ok", ""
        except (_MemoryError, OutputLimitExceeded):
            raise
        except ForbiddenReference as error:
            outcome, message, where = "forbidden", error.name, _student_line(error)
        except SoftTimeout as error:
            name = error.args[0] if error.args else None
            outcome, message, where = "timeout", self._timeout_message(name, "the cell"), _student_line(error)
            self._poison(name, message)
        except TimedOutBefore as error:
            outcome, message, where = "timeout", error.message, _student_line(error)
        except BaseException as error:
            if isinstance(error, _MemoryError) or self.output["over"]:
                raise
            outcome, message, where = "error", _describe_error(error), _student_line(error)
        self._apply_poison()
        return ("ran", outcome, message, where)

    def lookup(self, name: str):
        if name not in self.namespace:
            return ("looked", "missing", None)
        value = self.namespace[name]
        if callable(value):
            return ("looked", "callable", None)
        try:
            self._encode(value)
        except TypeError as error:
            return ("looked", "unsendable", str(error)[:300])
        return ("looked", "value", value)

    def call(self, name: str, args, kwargs, context: dict, limit: float):
        if name in self.poisoned:
            return ("timeout", self.poisoned[name], name)
        func = self.namespace.get(name)
        if func is None or not callable(func):
            return ("raised", "NameError", f"name {name!r} is not defined in your notebook", None)
        generator = False
        try:
            self._start_timer(limit)
            try:
                # the same floating-point and warning rules as the check set in the grader
                with self._errstate(**context.get("errstate", {})), self._catch_warnings():
                    self._simplefilter(context.get("runtime_warnings", "default"), RuntimeWarning)
                    result = func(*args, **kwargs)
                    generator = isinstance(result, _GeneratorType) or (
                        hasattr(result, "__next__") and hasattr(result, "__iter__")
                        and not isinstance(result, (str, bytes, list, tuple, dict)))
                    if generator:
                        result = list(result)
            finally:
                self._stop_timer()
        except (_MemoryError, OutputLimitExceeded):
            raise
        except ForbiddenReference as error:
            return ("forbidden", [error.name])
        except SoftTimeout as error:
            culprit = (error.args[0] if error.args else None) or name
            message = self._timeout_message(culprit, name)
            self._poison(culprit, message)
            return ("timeout", message, culprit)
        except TimedOutBefore as error:
            return ("timeout", error.message, name)
        except BaseException as error:
            if self.output["over"]:
                raise OutputLimitExceeded() from None
            return ("raised", type(error).__name__, _message(error), _student_line(error))
        if self.output["over"]:
            raise OutputLimitExceeded()
        try:
            self._encode(result)
        except TypeError as error:
            return ("raised", "TypeError", f"your function returned {error}", None)
        after_args = [self._after(a) for a in args]
        after_kwargs = {k: self._after(v) for k, v in kwargs.items()}
        return ("returned", result, generator, after_args, after_kwargs)

    def _after(self, value):
        """An argument after the call, as plain data, so the grader sees in-place changes."""
        return after_call(value, self._Generator, self._encode)

    # ---- the loop ----------------------------------------------------------------------------
    def serve(self) -> None:
        while True:
            try:
                request = self._recv(self.sock, plain=False)
            except (EOFError, OSError):
                _exit(0)
            self.seq, kind = request[0], request[1]
            self.output["written"] = 0
            self.output["over"] = False
            try:
                if kind == "setup":
                    reply = self.setup(request[2])
                elif kind == "run":
                    reply = self.run_cell(request[2], request[3], request[4])
                elif kind == "lookup":
                    reply = self.lookup(request[2])
                elif kind == "call":
                    args, kwargs = self._loads(request[3])
                    reply = self.call(request[2], args, kwargs, request[4], request[5])
                else:
                    reply = ("error", f"unknown request {kind!r}")
            except _MemoryError:
                self._fault("memory", "ran out of memory (the grader's memory limit)")
            except OutputLimitExceeded:
                self._fault("output", f"printed more than {self.output_limit // 1_000_000} MB of output")
            except _RecursionError:
                self._fault("crashed", "recursion too deep")
            except SoftTimeout:   # the alarm went off between the student's code and the reply
                reply = ("timeout", self._timeout_message(None, "the request"), None)
            self._send(self.sock, (self.seq,) + tuple(reply), plain=True)

    def _fault(self, kind: str, message: str) -> None:
        try:
            self._send(self.sock, (self.seq, "fault", kind, message), plain=True)
        finally:
            _exit(3)


def after_call(value, generator_type, encode):
    """What the grader needs to copy an argument's in-place changes back (see `proxy.sync_back`)."""
    if isinstance(value, generator_type):
        return ("rng", value.bit_generator.state)
    try:
        encode(value)
    except TypeError:
        return ("opaque",)
    return ("data", value)


def rebuild_function(code_bytes: bytes, name: str, defaults):
    """A function of a test cell sent by the grader as marshalled code; numpy is its only global."""
    import marshal

    import numpy
    scope = {"__builtins__": builtins, "np": numpy, "numpy": numpy, "__name__": "__grader__"}
    return types.FunctionType(marshal.loads(code_bytes), scope, name, defaults)


class _NoShell:
    """What `get_ipython()` returns while grading: magics and shell escapes do nothing."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


_NO_SHELL = _NoShell()


def _display(*objects, **kwargs):
    """IPython's display(): nothing is shown while grading."""


def _message(error: BaseException) -> str:
    try:
        text = str(error)
    except BaseException:   # noqa: B036 - a student's exception whose __str__ fails
        text = f"<{type(error).__name__} whose message cannot be shown>"
    return text if len(text) <= 2000 else text[:2000] + "..."


def _describe_error(error: BaseException) -> str:
    line = _student_line(error)
    text = f"{type(error).__name__}: {_message(error)}"
    return f"{text} ({line[0].strip('<>')}, line {line[1]})" if line else text


def _student_line(error: BaseException):
    """(filename, lineno) of the innermost frame of a notebook cell, or None."""
    found = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename.startswith("<cell "):
            found = (frame.filename, frame.lineno)
    return found
