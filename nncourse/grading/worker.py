"""The sandboxed worker: runs one student's notebook cells and calls their functions on request.

Started by `nncourse.grading.sandbox` as `python -s -P -m nncourse.grading.worker FD` in an
environment the grader builds from scratch (no PYTHONPATH; PYTHONHASHSEED fixed, which `-I` would
ignore): no user site, and neither the current folder nor the script's folder on sys.path, so a
numpy.py, nncourse/ or sitecustomize.py next to the notebook is never imported. FD is the
worker's end of a socket pair; stdout and stderr go to /dev/null and Python-level output is
counted and capped.

The worker computes no verdict. It answers four requests from the grader (see `wire`):

    ("setup", options)          install the tripwires, seed the random generators
    ("run", label, code)        exec one cell in the notebook's namespace (as file "<cell label>")
    ("lookup", name)            what `name` is in the namespace: a function, a value, or missing
    ("call", name, args, kw)    call the student's function; reply with its result as plain data

Forbidden shortcuts: the reference implementations of the current notebook's exercises get a
tripwire in place of their code (their `__code__` is swapped, so every alias, import spelling and
helper that reaches the same function object hits it). A tripwire raises ForbiddenReference and
records the hit, unless the call comes from a function the grader handed over as an argument or
from the reference implementation of an earlier notebook's exercise (which may use later helpers).
"""
from __future__ import annotations

import builtins
import io
import os
import pickle
import random
import socket
import sys
import traceback
import types

# Bound before any student code runs, so that monkeypatching these modules later changes nothing here.
_exit = os._exit
_getframe = sys._getframe
_MemoryError = MemoryError
_RecursionError = RecursionError


class ForbiddenReference(BaseException):
    """Raised when student code calls the reference implementation of this notebook's exercise.

    A BaseException, so that `except Exception` in student code does not hide it (the hit is
    recorded anyway).
    """


class OutputLimitExceeded(BaseException):
    """Raised when the notebook printed more than the output limit."""


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


class Worker:
    """One student's notebook namespace and the loop that answers the grader's requests."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.namespace: dict = {"__name__": "__main__", "__builtins__": builtins}
        self.output = {"written": 0, "over": False}
        self.output_limit = 10_000_000
        self.hits: list[str] = []          # names of forbidden references called, in order
        self.originals: dict = {}          # tripwired function object -> callable copy of its original
        self._by_name: dict = {}           # exercise name -> callable copy of its original
        self.allowed_files: set[str] = set()
        self.trusted_code = set()          # code objects of trusted frames (grader-supplied calls)
        # imported here so that `send` never looks anything up in a module the student can patch
        from nncourse.grading import wire
        self._send = wire.send
        self._recv = wire.recv
        self._to_plain = wire.to_plain

    # ---- set-up ------------------------------------------------------------------------------
    def setup(self, options: dict) -> None:
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
        try:
            import matplotlib
            matplotlib.use("Agg")
        except Exception:
            pass
        try:  # the notebooks' `check` cells are graded by the grader, not here
            import nncourse.checks as checks

            def check(name, func, *, seed=0, hidden=False):
                """Checks run in the grader; during grading this call does nothing."""
            checks.check = check
        except Exception:
            pass
        self.namespace["get_ipython"] = lambda: _NoShell
        self.namespace["display"] = _display
        self._install_tripwires(options.get("forbidden", {}), options.get("earlier_modules", []))
        self.trusted_code.add(Worker._call_trusted.__code__)

    def _install_tripwires(self, forbidden: dict, earlier_modules: list) -> None:
        """forbidden: name -> notebook; replace nncourse.reference.<name>'s code by a tripwire."""
        if not forbidden:
            return
        import nncourse
        import nncourse.reference as reference
        library = os.path.dirname(os.path.abspath(nncourse.__file__))
        self._library_dir = library + os.sep
        self._private_dirs = tuple(os.path.join(library, sub) + os.sep
                                   for sub in ("reference", "checks", "grading"))
        for module_name in earlier_modules:
            module = sys.modules.get(module_name)
            if module is not None and getattr(module, "__file__", None):
                self.allowed_files.add(os.path.abspath(module.__file__))
        for name, notebook in forbidden.items():
            func = getattr(reference, name, None)
            if not isinstance(func, types.FunctionType) or func in self.originals:
                continue
            original = types.FunctionType(func.__code__, func.__globals__, func.__name__,
                                          func.__defaults__, func.__closure__)
            original.__kwdefaults__ = func.__kwdefaults__
            self.originals[func] = original
            if func.__code__.co_freevars:
                continue  # a closure cannot take a new __code__; none of the references is one
            guard_name = "__nncourse_tripwire__"
            func.__globals__[guard_name] = self._tripwire
            source = (f"def {func.__name__}(*args, **kwargs):\n"
                      f"    return {guard_name}({name!r}, {notebook!r}, args, kwargs)\n")
            scope: dict = {}
            exec(compile(source, func.__code__.co_filename, "exec"), func.__globals__, scope)
            func.__code__ = scope[func.__name__].__code__
            func.__defaults__ = None
            func.__kwdefaults__ = None
            self._by_name[name] = original

    def _tripwire(self, name: str, notebook: str, args, kwargs):
        if self._call_is_allowed():
            return self._by_name[name](*args, **kwargs)
        self.hits.append(name)
        raise ForbiddenReference(
            f"your code calls nncourse.reference.{name}, the reference implementation of exercise "
            f"{name!r} of this notebook ({notebook}); write your own")

    def _call_is_allowed(self) -> bool:
        """True when the nearest deciding frame on the stack is not student code.

        Walking outward from the caller, the first frame that decides is either student code
        (compiled from a cell or a string: forbidden) or trusted code: a function the grader handed
        over, the reference implementation of an earlier notebook, or nncourse's own library
        (plots, playgrounds, datasets, progress), which may draw with the references. Numpy, the
        standard library and this notebook's own reference modules do not decide.
        """
        frame = _getframe(3)
        while frame is not None:
            code = frame.f_code
            filename = code.co_filename
            if code in self.trusted_code or filename in self.allowed_files:
                return True
            if filename.startswith("<") and not filename.startswith("<frozen"):
                return False
            if filename.startswith(self._library_dir) and not filename.startswith(self._private_dirs):
                return True
            frame = frame.f_back
        return False

    # ---- requests ------------------------------------------------------------------------------
    def run_cell(self, index, code: str):
        self.hits.clear()
        try:
            compiled = compile(code, f"<cell {index}>", "exec")
            exec(compiled, self.namespace)
            if self.output["over"]:
                raise OutputLimitExceeded()
        except (_MemoryError, OutputLimitExceeded):
            raise
        except ForbiddenReference as error:
            return ("ran", index, "forbidden", str(error), list(self.hits))
        except BaseException as error:
            if isinstance(error, _MemoryError) or self.output["over"]:
                raise
            return ("ran", index, "error", _describe_error(error), list(self.hits))
        return ("ran", index, "ok", "", list(self.hits))

    def lookup(self, name: str):
        if name not in self.namespace:
            return ("looked", name, "missing", None)
        value = self.namespace[name]
        if callable(value):
            return ("looked", name, "callable", None)
        try:
            return ("looked", name, "value", self._to_plain(value))
        except TypeError as error:
            return ("looked", name, "unsendable", str(error))

    def _call_trusted(self, func, args, kwargs):
        return func(*args, **kwargs)

    def call(self, name: str, args, kwargs, context: dict):
        self.hits.clear()
        func = self.namespace.get(name)
        if func is None or not callable(func):
            return ("raised", "NameError", f"name {name!r} is not defined in your notebook", None)
        try:
            # the same floating-point and warning rules as the check set in the grader
            with self._errstate(**context.get("errstate", {})), self._catch_warnings():
                self._simplefilter(context.get("runtime_warnings", "default"), RuntimeWarning)
                result = func(*args, **kwargs)
            generator = isinstance(result, types.GeneratorType) or (
                hasattr(result, "__next__") and hasattr(result, "__iter__")
                and not isinstance(result, (str, bytes, list, tuple, dict)))
            if generator:
                result = list(result)
        except (_MemoryError, OutputLimitExceeded):
            raise
        except BaseException as error:
            if self.output["over"]:
                raise OutputLimitExceeded() from None
            if self.hits:
                return ("forbidden", list(self.hits))
            return ("raised", type(error).__name__, _message(error), _student_line(error))
        if self.output["over"]:
            raise OutputLimitExceeded()
        if self.hits:
            return ("forbidden", list(self.hits))
        try:
            plain = self._to_plain(result)
        except TypeError as error:
            return ("raised", "TypeError", f"your function returned {error}", None)
        after_args = [self._after(a) for a in args]
        after_kwargs = {k: self._after(v) for k, v in kwargs.items()}
        return ("returned", plain, generator, after_args, after_kwargs)

    def _after(self, value):
        """An argument after the call, as plain data, so the grader sees in-place changes."""
        if isinstance(value, self._Generator):
            return ("rng", self._to_plain(value.bit_generator.state))
        try:
            return ("data", self._to_plain(value))
        except TypeError:
            return ("opaque",)

    # ---- the loop ----------------------------------------------------------------------------
    def serve(self) -> None:
        while True:
            try:
                request = self._recv(self.sock, plain=False)
            except EOFError:
                _exit(0)
            kind = request[0]
            self.output["written"] = 0
            self.output["over"] = False
            try:
                if kind == "setup":
                    self.setup(request[1])
                    reply = ("ready",)
                elif kind == "run":
                    reply = self.run_cell(request[1], request[2])
                elif kind == "lookup":
                    reply = self.lookup(request[1])
                elif kind == "call":
                    args, kwargs = self._loads(request[2])
                    args, kwargs = self._trusted_args(args, kwargs)
                    reply = self.call(request[1], args, kwargs, request[3])
                else:
                    reply = ("error", f"unknown request {kind!r}")
            except _MemoryError:
                self._fault("memory", "ran out of memory (the grader's memory limit)")
            except OutputLimitExceeded:
                self._fault("output", f"printed more than {self.output_limit // 1_000_000} MB of output")
            except _RecursionError:
                self._fault("crashed", "recursion too deep")
            self._send(self.sock, reply, plain=True)

    def _trusted_args(self, args, kwargs):
        """Callables the grader sends as arguments run as trusted code (they may use the references)."""
        wrap = self._wrap_trusted
        return [wrap(a) for a in args], {k: wrap(v) for k, v in kwargs.items()}

    def _wrap_trusted(self, value):
        if callable(value) and not isinstance(value, (type, self._Generator)):
            call_trusted, func = self._call_trusted, value

            def trusted(*args, **kwargs):
                return call_trusted(func, args, kwargs)
            trusted.__name__ = getattr(value, "__name__", "function")
            trusted.__doc__ = getattr(value, "__doc__", None)
            return trusted
        return value

    def _fault(self, kind: str, message: str) -> None:
        try:
            self._send(self.sock, ("fault", kind, message), plain=True)
        finally:
            _exit(3)


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


_NoShell = _NoShell()


def _display(*objects, **kwargs):
    """IPython's display(): nothing is shown while grading."""


def _message(error: BaseException) -> str:
    text = str(error)
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


def main(argv: list[str]) -> None:
    fd = int(argv[1])
    sock = socket.socket(fileno=fd)
    Worker(sock).serve()


if __name__ == "__main__":
    main(sys.argv)
