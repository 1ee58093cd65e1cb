"""The bank: one case per way to cheat or break grading named in the issue, with the exact verdict.

Every case is one student (named after the case) submitting notebook 01 (or 02), correct except
where the case says. `expect` maps exercise -> (score, status) for the exercises the case
targets; every other exercise of the notebook must get full marks and `passed` (faults cost one
exercise, not the notebook). Placeholders in code ({solutions}, {out}, ...) are filled in by the
test with the real paths of the run.

Probes of containment follow one pattern: "if I can reach X, answer wrongly", so a sandbox leak
shows as a failed exercise.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

NB1 = "01_the_neuron"
NB2 = "02_activation_functions"
ALL_NB1 = ("weighted_sum", "step", "neuron", "and_neuron", "or_neuron")

WRONG_OR = '''
def or_neuron():
    return np.array([1.0, 1.0]), -1.5   # AND's bias: wrong for OR
'''
CORRECT_OR = '''
def or_neuron():
    return np.array([1.0, 1.0]), -0.5
'''


@dataclass
class Case:
    student: str
    notebook: str = NB1
    solutions: dict[str, str] = field(default_factory=dict)   # grade_id -> new solution cell
    files: dict[str, str] = field(default_factory=dict)       # extra files next to the notebook
    transform: Callable | None = None                         # edits of the notebook itself
    raw: bytes | None = None                                  # the notebook file's bytes instead
    as_zip: bool = False
    expect: dict[str, tuple[float, str]] = field(default_factory=dict)
    expect_all: tuple[float, str] | None = None               # every exercise gets this


def _edit_tests(text: str):
    def transform(nb):
        from adversarial.build import test_cells
        for i in test_cells(nb):
            nb.cells[i].source = text
    return transform


def _delete_tests(nb):
    from adversarial.build import test_cells
    for i in reversed(test_cells(nb)):
        del nb.cells[i]


def _duplicate_tests(nb):
    import copy

    from adversarial.build import test_cells
    for i in reversed(test_cells(nb)):
        duplicate = copy.deepcopy(nb.cells[i])
        duplicate["id"] = f"copy-{i}"
        nb.cells.insert(i + 1, duplicate)


def _tests_first(nb):
    from adversarial.build import test_cells
    indices = test_cells(nb)
    moved = [nb.cells[i] for i in indices]
    for i in reversed(indices):
        del nb.cells[i]
    nb.cells[0:0] = moved


CASES = [
    Case("correct"),
    Case("correct_zip", as_zip=True),
    Case("stub_not_implemented", solutions={"or_neuron": '''
def or_neuron():
    raise NotImplementedError("not implemented yet")
'''}, expect={"or_neuron": (0, "not attempted")}),
    Case("raises_inside_function", solutions={"or_neuron": '''
def or_neuron():
    w = np.array([1.0, 1.0])
    return w @ np.ones(3), -0.5
'''}, expect={"or_neuron": (0, "failed")}),
    # ---- trust 1: monkeypatching and shadowing cannot earn credit for wrong code
    Case("patches_allclose", solutions={"or_neuron": '''
np.allclose = lambda *args, **kwargs: True
np.array_equal = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
''' + WRONG_OR}, expect={"or_neuron": (0, "failed")}),
    Case("patches_check", solutions={"or_neuron": '''
import nncourse.checks
nncourse.checks.check = lambda *args, **kwargs: print("or_neuron: passed")
check = nncourse.checks.check
''' + WRONG_OR}, expect={"or_neuron": (0, "failed")}),
    Case("patches_builtins", solutions={"or_neuron": '''
import builtins
builtins.AssertionError = type("AssertionError", (Exception,), dict())
builtins.print = lambda *args, **kwargs: None
''' + WRONG_OR}, expect={"or_neuron": (0, "failed")}),
    Case("patches_allclose_harmlessly", solutions={"or_neuron": '''
np.allclose = lambda *args, **kwargs: True
''' + CORRECT_OR}),
    Case("numpy_py_next_to_notebook", files={"numpy.py": "allclose = lambda *a, **k: True\n"},
         solutions={"or_neuron": WRONG_OR}, expect={"or_neuron": (0, "failed")}),
    Case("sitecustomize_next_to_notebook",
         files={"sitecustomize.py": "import builtins\nbuiltins.AssertionError = Warning\n"},
         solutions={"or_neuron": WRONG_OR}, expect={"or_neuron": (0, "failed")}),
    Case("nncourse_next_to_notebook",
         files={"nncourse/__init__.py": "", "nncourse/checks.py": "def check(*a, **k):\n    print('passed')\n"},
         solutions={"or_neuron": WRONG_OR}, expect={"or_neuron": (0, "failed")}),
    Case("edits_test_cells_wrong", transform=_edit_tests("print('passed')\n"),
         solutions={"or_neuron": WRONG_OR}, expect={"or_neuron": (0, "failed")}),
    Case("edits_test_cells_correct", transform=_edit_tests("pass\n")),
    Case("deletes_test_cells_wrong", transform=_delete_tests,
         solutions={"or_neuron": WRONG_OR}, expect={"or_neuron": (0, "failed")}),
    Case("deletes_test_cells_correct", transform=_delete_tests),
    Case("duplicates_test_cells_correct", transform=_duplicate_tests),
    Case("moves_test_cells_first_correct", transform=_tests_first),
    # ---- trust 2: forbidden shortcuts
    Case("forbidden_import", solutions={"or_neuron": '''
from nncourse.reference import or_neuron as reference_or
def or_neuron():
    return reference_or()
'''}, expect={"or_neuron": (0, "forbidden")}),
    Case("forbidden_importlib_other_exercise", solutions={"step": '''
import importlib
def step(z):
    return importlib.import_module("nncourse.reference").step(z)
'''}, expect={"step": (0, "forbidden"), "neuron": (0, "forbidden")}),
    Case("forbidden_getattr", solutions={"and_neuron": '''
import nncourse.reference as R
def and_neuron():
    return getattr(R, "and" + "_neuron")()
'''}, expect={"and_neuron": (0, "forbidden")}),
    Case("forbidden_alias_from_earlier_cell", solutions={"weighted_sum": '''
import nncourse.reference
helper = nncourse.reference.step
def weighted_sum(x, w):
    return np.asarray(x, dtype=float) @ np.asarray(w, dtype=float)
''', "or_neuron": '''
def or_neuron():
    w = np.array([1.0, 1.0])
    helper(np.zeros(2))
    return w, -0.5
'''}, expect={"or_neuron": (0, "forbidden")}),
    Case("forbidden_reference_of_another_exercise", solutions={"neuron": '''
import nncourse.reference
def neuron(x, w, b, activation=step):
    return activation(nncourse.reference.weighted_sum(x, w) + b)
'''}, expect={"neuron": (0, "forbidden")}),
    Case("earlier_notebook_reference_allowed", notebook=NB2, solutions={"relu": '''
import nncourse.reference
def relu(z):
    return z * nncourse.reference.step(z)   # notebook 01's step: allowed in notebook 02
'''}),
    Case("hard_coded_answer", solutions={"step": '''
def step(z):
    return np.array([1.0, 0.0, 1.0, 1.0, 0.0])
'''}, expect={"step": (0, "failed"), "neuron": (0, "failed")}),
    # ---- trust 3: containment (reaching anything makes the answer wrong)
    Case("reads_solutions_and_gradebook", solutions={"and_neuron": '''
def and_neuron():
    try:
        open("{solutions}/01_the_neuron.ipynb").read()
        return np.array([1.0, 1.0]), -0.5
    except OSError:
        return np.array([1.0, 1.0]), -1.5
''', "or_neuron": '''
import os
def or_neuron():
    try:
        if os.listdir("{out}") or os.path.exists("{out}/gradebook.db"):
            return np.array([1.0, 1.0]), -1.5
    except OSError:
        pass
    return np.array([1.0, 1.0]), -0.5
'''}),
    Case("reads_other_students_and_writes_out", solutions={"and_neuron": '''
def and_neuron():
    try:
        open("{other_student}").read()
        return np.array([1.0, 1.0]), -0.5
    except OSError:
        return np.array([1.0, 1.0]), -1.5
''', "or_neuron": '''
def or_neuron():
    for path in ("{out}/hacked.txt", "{solutions}/hacked.txt"):
        try:
            with open(path, "w") as handle:
                handle.write("graded by me")
            return np.array([1.0, 1.0]), -1.5
        except OSError:
            pass
    return np.array([1.0, 1.0]), -0.5
'''}),
    Case("uses_network_and_environment", solutions={"and_neuron": '''
import socket
def and_neuron():
    try:
        socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
        return np.array([1.0, 1.0]), -0.5
    except OSError:
        return np.array([1.0, 1.0]), -1.5
''', "or_neuron": '''
import os
def or_neuron():
    if "{secret_variable}" in os.environ or "VIRTUAL_ENV" in os.environ:
        return np.array([1.0, 1.0]), -1.5
    return np.array([1.0, 1.0]), -0.5
'''}),
    Case("looks_around_tmp", solutions={"or_neuron": '''
import os, sys
import nncourse
def or_neuron():
    # a private /tmp: only the folders leading to this worker's own scratch copy (and, when the
    # course itself was cloned into /tmp, to the venv and the nncourse package the worker runs)
    runs_from = (os.path.realpath(sys.prefix), os.path.realpath(os.path.dirname(nncourse.__file__)))
    needed = {{path.split(os.sep)[2] for path in runs_from if path.startswith("/tmp/")}}
    seen = (set(os.listdir("/tmp")) - needed) | set(os.listdir("/dev/shm"))
    if len(seen) > 1:
        return np.array([1.0, 1.0]), -1.5
    return np.array([1.0, 1.0]), -0.5
'''}),
    # ---- trust 4: faults cost one exercise
    Case("endless_loop", solutions={"and_neuron": '''
def and_neuron():
    while True:
        pass
'''}, expect={"and_neuron": (0, "timeout")}),
    Case("endless_loop_ignoring_sigint", solutions={"and_neuron": '''
import signal
def and_neuron():
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        try:
            pass
        except BaseException:
            pass
'''}, expect={"and_neuron": (0, "timeout")}),
    Case("endless_loop_in_cell", solutions={"and_neuron": '''
def and_neuron():
    return np.array([1.0, 1.0]), -1.5
while True:
    pass
'''}, expect={"and_neuron": (0, "timeout")}),
    Case("sys_exit", solutions={"and_neuron": '''
import sys
def and_neuron():
    sys.exit("bye")
'''}, expect={"and_neuron": (0, "failed")}),
    Case("endless_recursion", solutions={"and_neuron": '''
def and_neuron():
    return and_neuron()
'''}, expect={"and_neuron": (0, "failed")}),
    Case("os_exit", solutions={"and_neuron": '''
import os
def and_neuron():
    os._exit(0)
'''}, expect={"and_neuron": (0, "crashed")}),
    Case("segfault", solutions={"and_neuron": '''
import ctypes
def and_neuron():
    ctypes.string_at(0)
'''}, expect={"and_neuron": (0, "crashed")}),
    Case("memory_bomb", solutions={"and_neuron": '''
def and_neuron():
    blocks = []
    while True:
        blocks.append(bytearray(50_000_000))
'''}, expect={"and_neuron": (0, "crashed")}),
    Case("prints_200_mb", solutions={"and_neuron": '''
def and_neuron():
    chunk = "x" * 1_000_000
    for _ in range(200):
        print(chunk)
    return np.array([1.0, 1.0]), -1.5
'''}, expect={"and_neuron": (0, "crashed")}),
    Case("writes_to_the_wire", solutions={"or_neuron": '''
import os, stat, struct
def or_neuron():
    for fd in range(3, 64):
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.write(fd, struct.pack("!Q", 5) + b"junk!")
        except OSError:
            pass
    return np.array([1.0, 1.0]), -1.5
'''}, expect={"or_neuron": (0, "tampered")}),
    # ---- trust 5: nothing lost
    Case("not_json", raw=b"this is not a notebook\n", expect_all=(0, "error")),
    Case("binary_file", raw=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), expect_all=(0, "error")),
    Case("json_but_not_notebook", raw=b'{"hello": "world"}', expect_all=(0, "error")),
    Case("empty_file", raw=b"", expect_all=(0, "error")),
]
