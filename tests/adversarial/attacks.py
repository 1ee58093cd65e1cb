"""Attacks on grading itself, each reproduced as a submission (issue 11), with the exact verdict.

Every attack is one student; right after it, in the same worker slot, a correct classmate
(`<attacker>!classmate`, which sorts right after the attacker) submits the same notebook and must
get full marks. After each run nothing of it may be alive or left behind (see
`tests/test_grading_adversarial.py`).

`SANDBOX_ATTACKS` run student code (they are graded with one worker, so attacker and classmate
share the slot); `COLLECTION_ATTACKS` are files the grader must refuse before any code runs.
Placeholders in code ({solutions}, {token}, ...) are filled in with the run's real values.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .cases import CORRECT_OR, NB1

NB7 = "07_gradient_descent_and_training"
SHM_KEY = 0x6E6E6301   # the SysV shared-memory key the attacker leaves behind (if it can)


@dataclass
class Attack:
    student: str
    notebook: str = NB1
    solutions: dict[str, str] = field(default_factory=dict)   # grade_id -> new solution cell
    files: dict[str, str | int] = field(default_factory=dict)    # extra files: text (formatted) or that many zero bytes
    transform: Callable | None = None                         # edits of the notebook itself
    notebook_link: str | None = None                          # the notebook is a symbolic link to this
    notebook_fifo: bool = False                               # the notebook is a FIFO
    folder_link: str | None = None                            # the student's folder is a link to this
    extra_links: dict[str, str] = field(default_factory=dict)  # symbolic links next to the notebook
    as_zip: bool = False
    expect: dict[str, tuple[float, str]] = field(default_factory=dict)
    expect_all: tuple[float, str] | None = None
    message: str = ""                                          # every expected row's message contains this
    leftovers: tuple[str, ...] = ()                            # host paths that must not exist afterwards

    @property
    def classmate(self) -> str:
        return self.student + "!classmate"


# ---- processes that outlive their job -------------------------------------------------------------

# A daemon (fork, setsid, fork) that waits for its own worker to end, then goes after every other
# process of its uid for two minutes: the next worker graded in the same slot runs as that uid.
_DAEMON = '''
import os, signal, time

def _after_my_worker(action, seconds=120):
    worker = os.getpid()
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            me, uid, end = os.getpid(), os.getuid(), time.time() + seconds
            while time.time() < end:
                try:
                    os.kill(worker, 0)
                    time.sleep(0.02)
                    continue
                except OSError:
                    pass
                for entry in os.listdir("/proc"):
                    if entry.isdigit() and int(entry) != me:
                        try:
                            if os.stat("/proc/" + entry).st_uid == uid:
                                action(int(entry))
                        except OSError:
                            pass
                time.sleep(0.02)
            os._exit(0)
        os._exit(0)
    os.waitpid(-1, 0)
'''

DAEMON_KILLS = _DAEMON + '''
_after_my_worker(lambda pid: os.kill(pid, signal.SIGKILL))
''' + CORRECT_OR

DAEMON_PTRACES = _DAEMON + '''
import ctypes
_libc = ctypes.CDLL(None, use_errno=True)
_held = set()

def _hold(pid):
    # PTRACE_ATTACH and never detach nor reap: the tracee stops, and its parent cannot reap it
    if pid not in _held and _libc.ptrace(16, pid, None, None) == 0:
        _held.add(pid)
        try:
            stolen = open("/proc/%d/cmdline" % pid, "rb").read()
            with open("/run/lock/nncourse-stolen-{token}", "wb") as sink:
                sink.write(stolen)
        except OSError:
            pass

_after_my_worker(_hold)
''' + CORRECT_OR

DAEMON_OUTLIVES = '''
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.environ["NNCOURSE_ATTACK"] = "{token}"
        time.sleep(900)
        os._exit(0)
    os._exit(0)
os.waitpid(-1, 0)
''' + CORRECT_OR

# ---- the host ------------------------------------------------------------------------------------

WRITES_RUN_LOCK = '''
def or_neuron():
    try:
        with open("/run/lock/nncourse-attack-{token}", "w") as handle:
            handle.write("left behind by a student")
        return np.array([1.0, 1.0]), -1.5          # reached the host: wrong on purpose
    except OSError:
        return np.array([1.0, 1.0]), -0.5
'''

LEAVES_SYSV_SHM = '''
import ctypes
_libc = ctypes.CDLL(None, use_errno=True)
_libc.shmget.restype = ctypes.c_int
_segment = _libc.shmget(ctypes.c_int(%d), ctypes.c_size_t(4096), ctypes.c_int(0o1000 | 0o666))
''' % SHM_KEY + CORRECT_OR

READS_SHADOW = '''
def or_neuron():
    try:
        open("/etc/shadow").read()
        return np.array([1.0, 1.0]), -1.5
    except OSError:
        return np.array([1.0, 1.0]), -0.5
'''

# A job that fills the machine's memory (many processes, each under --memory) must be what the
# kernel's OOM killer ends, not the grader or a classmate: every job starts with oom_score_adj
# 1000, the most killable, and may not lower it.
SHIELDS_FROM_OOM_KILLER = '''
import os

def _oom_score_adj():
    with open("/proc/self/oom_score_adj") as handle:
        return int(handle.read())

def _can_lower_it():
    try:
        with open("/proc/self/oom_score_adj", "w") as handle:
            handle.write("-1000")
        return True
    except OSError:
        return False

def or_neuron():
    child = os.fork()
    if child == 0:                      # a process the job starts inherits the score
        os._exit(0 if _oom_score_adj() == 1000 and not _can_lower_it() else 1)
    _, status = os.waitpid(child, 0)
    if _oom_score_adj() == 1000 and not _can_lower_it() and os.WEXITSTATUS(status) == 0:
        return np.array([1.0, 1.0]), -0.5
    return np.array([1.0, 1.0]), -1.5
'''

# ---- the reference reached another way -----------------------------------------------------------

RELOADS = '''
import importlib
import importlib
_neuron_module = importlib.import_module("nncourse.reference.neuron")
_fresh = importlib.reload(_neuron_module)

def or_neuron():
    return _fresh.or_neuron()
'''

REIMPORTS = '''
import importlib, sys
for _name in [name for name in sys.modules if name.startswith("nncourse.reference")]:
    del sys.modules[_name]
_fresh = importlib.import_module("nncourse.reference.neuron")

def or_neuron():
    return _fresh.or_neuron()
'''

EXECS_SOURCE = '''
import importlib
_neuron_module = importlib.import_module("nncourse.reference.neuron")
_scope = {{"__name__": "nncourse.reference.neuron", "__package__": "nncourse.reference"}}
exec(compile(open(_neuron_module.__file__).read(), _neuron_module.__file__, "exec"), _scope)

def or_neuron():
    return _scope["or_neuron"]()
'''

SPEC_FROM_FILE = '''
import importlib.util
import importlib
_neuron_module = importlib.import_module("nncourse.reference.neuron")
_spec = importlib.util.spec_from_file_location("nncourse.reference.my_copy", _neuron_module.__file__)
_copy = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_copy)

def or_neuron():
    return _copy.or_neuron()
'''

ORIGINAL_FROM_GC = '''
import gc, types

def _untouched(name):
    for obj in gc.get_objects():
        if (isinstance(obj, types.FunctionType) and obj.__name__ == name
                and obj.__code__.co_filename.endswith("neuron.py")
                and not any("tripwire" in n for n in obj.__code__.co_names)):
            return obj

def or_neuron():
    return _untouched("or_neuron")()
'''

FUNCTION_TYPE_COPY = '''
import types
import importlib
_neuron_module = importlib.import_module("nncourse.reference.neuron")
_copy = types.FunctionType(_neuron_module.or_neuron.__code__, dict(vars(_neuron_module)), "or_neuron")

def or_neuron():
    return _copy()
'''

LIBRARY_FILENAME = '''
import nncourse.plots as _plots
_scope = {{}}
exec(compile("import nncourse.reference as R\\ndef or_neuron():\\n    return R.or_neuron()\\n",
             _plots.__file__, "exec"), _scope)
or_neuron = _scope["or_neuron"]
'''

PRECOMPUTED = '''
import nncourse.reference as _R
_answer = _R.or_neuron()

def or_neuron():
    return _answer
'''

PRIVATE_CORE = '''
import importlib
_optimizers = importlib.import_module("nncourse.reference.optimizers")

def gd_update(params, grads, learning_rate):
    learning_rate = _optimizers._positive(learning_rate)          # a private helper of the reference
    return _optimizers.SGD(learning_rate).step(params, grads)     # and a method of it
'''

# ---- the wire ------------------------------------------------------------------------------------

# The student's process owns its end of the socket: it may write anything there. A reply whose
# pickle shares one node 2**40 times, and one that cites line 4,000,000,000 of a cell.
_FIND_SOCKET = '''
import os, stat, struct

def _wire_fds():
    return [fd for fd in range(3, 256) if _is_socket(fd)]

def _is_socket(fd):
    try:
        return stat.S_ISSOCK(os.fstat(fd).st_mode)
    except OSError:
        return False
'''

WIRE_DAG = _FIND_SOCKET + '''
import pickle

def or_neuron():
    node = ("v", 1.0)
    for _ in range(40):
        node = ("l", [node, node])
    forged = pickle.dumps(("returned", node, False, [], {{}}), protocol=4)
    for fd in _wire_fds():
        os.write(fd, struct.pack("!Q", len(forged)) + forged)
    os._exit(0)
'''

HUGE_LINE_NUMBER = '''
import gc, os, sys

def or_neuron():
    from nncourse.grading import wire
    worker = next(o for o in gc.get_objects() if type(o).__name__ == "Worker")
    cell = sys._getframe().f_code.co_filename
    wire.send(worker.sock, (worker.seq, "raised", "ValueError", "boom", (cell, 4_000_000_000)), plain=True)
    os._exit(0)
'''

SANDBOX_ATTACKS = [
    Attack("daemon_kills_next_worker", solutions={"or_neuron": DAEMON_KILLS}),
    Attack("daemon_ptraces_next_worker", solutions={"or_neuron": DAEMON_PTRACES},
           leftovers=("/run/lock/nncourse-stolen-{token}",)),
    Attack("daemon_outlives_the_run", solutions={"or_neuron": DAEMON_OUTLIVES}),
    Attack("writes_run_lock", solutions={"or_neuron": WRITES_RUN_LOCK},
           leftovers=("/run/lock/nncourse-attack-{token}",)),
    Attack("leaves_sysv_shared_memory", solutions={"or_neuron": LEAVES_SYSV_SHM}),
    Attack("reads_etc_shadow", solutions={"or_neuron": READS_SHADOW}),
    Attack("shields_itself_from_the_oom_killer", solutions={"or_neuron": SHIELDS_FROM_OOM_KILLER}),
    Attack("reloads_the_reference", solutions={"or_neuron": RELOADS}, expect={"or_neuron": (0, "forbidden")},
           message="nncourse.reference.or_neuron"),
    Attack("reimports_the_reference", solutions={"or_neuron": REIMPORTS}, expect={"or_neuron": (0, "forbidden")}),
    Attack("execs_the_reference_source", solutions={"or_neuron": EXECS_SOURCE},
           expect={"or_neuron": (0, "forbidden")}),
    Attack("loads_the_reference_file_as_a_module", solutions={"or_neuron": SPEC_FROM_FILE},
           expect={"or_neuron": (0, "forbidden")}),
    Attack("finds_the_original_with_gc", solutions={"or_neuron": ORIGINAL_FROM_GC},
           expect={"or_neuron": (0, "forbidden")}),
    Attack("copies_the_code_object", solutions={"or_neuron": FUNCTION_TYPE_COPY},
           expect={"or_neuron": (0, "forbidden")}),
    Attack("compiles_as_a_library_file", solutions={"or_neuron": LIBRARY_FILENAME},
           expect={"or_neuron": (0, "forbidden")}),
    Attack("precomputes_in_its_cell", solutions={"or_neuron": PRECOMPUTED},
           expect={"or_neuron": (0, "forbidden")}),
    # train calls the student's gd_update, so it rests on the reference too
    Attack("calls_a_private_helper", notebook=NB7, solutions={"gd_update": PRIVATE_CORE},
           expect={"gd_update": (0, "forbidden"), "train": (0, "forbidden")},
           message="nncourse.reference.optimizers._positive"),
    Attack("forges_a_dag_reply", solutions={"or_neuron": WIRE_DAG}, expect={"or_neuron": (0, "tampered")}),
    Attack("forges_a_huge_line_number", solutions={"or_neuron": HUGE_LINE_NUMBER},
           expect={"or_neuron": (0, "failed")}, message="boom"),
]


# ---- files the grader must refuse ------------------------------------------------------------------

REFUSED_LINK = "01_the_neuron.ipynb is a symbolic link: not graded"


def _bad_metadata(kind: str):
    def transform(nb):
        from .build import cell_index
        cell = nb.cells[cell_index(nb, "or_neuron")]
        if kind == "string_metadata":
            cell["metadata"]["nbgrader"] = "solution"
        elif kind == "int_source":
            cell["source"] = 42
        elif kind == "list_grade_id":
            cell["metadata"]["nbgrader"]["grade_id"] = ["or_neuron"]
    return transform


COLLECTION_ATTACKS = [
    Attack("links_to_the_solutions", notebook_link="{solutions}/01_the_neuron/01_the_neuron.ipynb",
           expect_all=(0, "error"), message=REFUSED_LINK),
    Attack("links_to_a_classmate", notebook_link="{victim_notebook}", expect_all=(0, "error"),
           message=REFUSED_LINK),
    Attack("links_to_etc_shadow", notebook_link="/etc/shadow", expect_all=(0, "error"), message=REFUSED_LINK),
    Attack("links_to_proc_environ", notebook_link="/proc/self/environ", expect_all=(0, "error"),
           message=REFUSED_LINK),
    Attack("links_to_dev_zero", notebook_link="/dev/zero", expect_all=(0, "error"), message=REFUSED_LINK),
    Attack("fifo_named_like_a_notebook", notebook_fifo=True, expect_all=(0, "error"),
           message="01_the_neuron.ipynb is not a regular file"),
    Attack("folder_links_to_a_classmate", folder_link="{victim_folder}", expect_all=(0, "error"),
           message="is a symbolic link: not graded"),
    Attack("data_file_links_to_etc_shadow", extra_links={"shadow.txt": "/etc/shadow"}, solutions={"or_neuron": '''
def or_neuron():
    try:
        if "root:" in open("shadow.txt").read():
            return np.array([1.0, 1.0]), -1.5
    except OSError:
        pass
    return np.array([1.0, 1.0]), -0.5
'''}),
    Attack("metadata_is_a_string", transform=_bad_metadata("string_metadata")),
    Attack("grade_id_is_a_list", transform=_bad_metadata("list_grade_id")),
    Attack("source_is_an_int", transform=_bad_metadata("int_source"), expect_all=(0, "error"),
           message="01_the_neuron.ipynb is not a valid notebook"),
    Attack("zip_bomb", as_zip=True, files={"zeros.bin": 120_000_000}, expect_all=(0, "error"),
           message="more than"),
    Attack("not_utf8_\udce9t\udce9"),            # a folder name that is not UTF-8 (b"...\xe9t\xe9")
    Attack("=cmd|' -C calc'!A0"),
    Attack("+formula"),
    Attack("@sum(A1)"),
    Attack("-2+3"),
    Attack("\tindented"),
]
