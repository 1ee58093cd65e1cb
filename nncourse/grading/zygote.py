"""Inside the sandbox: the warm parent every job (one student's notebook) is forked from.

Started by `sandbox.Slot` as `python -s -P -m nncourse.grading.zygote FD [--unsafe]` inside
bubblewrap, as the slot's unprivileged uid. Three generations of processes:

    zygote             numpy, matplotlib, ipywidgets, tqdm, ... imported once per grader process;
    |                  it never runs student code and holds no writable path a job can reach
    +- notebook zygote one per notebook, forked on first use: its own user and mount namespaces in
    |                  which this notebook's reference modules are stubbed (`stubs`), then
    |                  `nncourse` imported, so each job starts warm
    +- job             forked per submission: fresh user, mount, PID, IPC, UTS and network
                       namespaces; PID 1 of its PID namespace, so every process it starts dies with
                       it; a new /proc, private tmpfs /tmp, /dev/shm and home (its data files copied
                       in); no capabilities, no new privileges, no further user namespaces; resource
                       limits; then `worker.Worker` answers the grader on the job's socket.

The grader sends `("job", notebook, spec)` on the control socket (a SOCK_SEQPACKET) with the job's
socket passed as a file descriptor; the job greets the grader on that socket with its credentials
(SCM_CREDENTIALS), so the grader learns its pid and kills it with a pidfd when the job is over.
"""
from __future__ import annotations

import ctypes
import os
import pickle
import resource
import shutil
import signal
import socket
import struct
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP = 1, 4, 24
PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 38, 47, 4

JOB_DATA = "/nncourse/job"        # the slot's job folders (read-only): one per job, with its data files
STUBS = "/nncourse/stubs"         # the stubbed reference modules, one folder per notebook
FONTS = "/nncourse/mplconfig"     # matplotlib's font list, built once per run
HOLD = "/nncourse/hold"           # where a job holds the folders it needs from /tmp while it replaces /tmp
HOME = "/home/student"            # a job's working folder and home
HELLO = b"nncourse-job-hello\n"

_libc = ctypes.CDLL(None, use_errno=True)


class SetupError(Exception):
    """A namespace, mount or limit the job needs could not be set up."""


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise SetupError(f"{what}: {os.strerror(error)}")


def _mount(source, target, fstype, flags, data=None) -> None:
    def encode(text):
        return None if text is None else str(text).encode()
    _check(_libc.mount(encode(source), encode(target), encode(fstype), flags, encode(data)),
           f"mount {source} on {target}")


def _enter_user_namespace(extra: int) -> None:
    """New user namespace (plus `extra` namespaces), keeping this uid and gid."""
    uid, gid = os.getuid(), os.getgid()
    _check(_libc.unshare(CLONE_NEWUSER | extra), "unshare")
    with open("/proc/self/uid_map", "w") as handle:
        handle.write(f"{uid} {uid} 1")
    with open("/proc/self/setgroups", "w") as handle:
        handle.write("deny")
    with open("/proc/self/gid_map", "w") as handle:
        handle.write(f"{gid} {gid} 1")


def _prctl(option: int, value: int = 0, more: int = 0) -> int:
    return _libc.prctl(option, ctypes.c_ulong(value), ctypes.c_ulong(more), ctypes.c_ulong(0), ctypes.c_ulong(0))


def _drop_capabilities() -> None:
    """No capabilities left, none to regain: bounding set, ambient set, no_new_privs, capset(0)."""
    for cap in range(64):
        _prctl(PR_CAPBSET_DROP, cap)
    _prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    _check(_prctl(PR_SET_NO_NEW_PRIVS, 1), "no_new_privs")
    header = struct.pack("Ii", 0x20080522, 0)     # _LINUX_CAPABILITY_VERSION_3, this process
    data = bytes(24)                               # effective, permitted, inheritable: all empty
    _check(_libc.capset(ctypes.c_char_p(header), ctypes.c_char_p(data)), "capset")


def _preload() -> None:
    """Import what every notebook imports, once, before any fork."""
    import matplotlib
    matplotlib.use("Agg")
    import IPython.display  # noqa: F401
    import ipywidgets  # noqa: F401
    import matplotlib.backends.backend_agg
    import matplotlib.figure
    import matplotlib.pyplot
    import numpy  # noqa: F401
    import tqdm.auto
    import tqdm.notebook  # noqa: F401

    import nncourse.grading.worker  # noqa: F401


# ---- the notebook zygote ----------------------------------------------------------------------------

class _StubFinder:
    """--unsafe only (no mount namespace): serve the stubs through the import system instead."""

    def __init__(self, stubs: dict[str, str]):
        self.stubs = stubs   # module name -> stub file

    def find_spec(self, name, path=None, target=None):
        import importlib.util
        if name in self.stubs:
            return importlib.util.spec_from_file_location(name, self.stubs[name])
        return None


def _stub_the_reference(plan: list[tuple[str, str, str]], unsafe: bool) -> None:
    """plan: (module name, stub file inside the sandbox, real file): put each stub over its file."""
    if unsafe:
        sys.meta_path.insert(0, _StubFinder({name: stub for name, stub, _ in plan}))
        return
    _prctl(PR_SET_DUMPABLE, 1)           # /proc/self/uid_map is ours to write only while dumpable
    _enter_user_namespace(CLONE_NEWNS)
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    caches = set()
    for _name, stub, real in plan:
        _mount(stub, real, None, MS_BIND)   # read-only: the stubs folder is bound read-only
        caches.add(os.path.join(os.path.dirname(real), "__pycache__"))
    for cache in sorted(caches):            # the real modules' bytecode: hidden too
        if os.path.isdir(cache):
            _mount("tmpfs", cache, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555")


def _install_checks_stub() -> None:
    """`from nncourse.checks import check` gives a check that does nothing: the grader checks."""
    import types

    import nncourse
    checks = types.ModuleType("nncourse.checks", "The checks run in the grader; while grading, check() does nothing.")
    checks.__path__ = [os.path.join(os.path.dirname(nncourse.__file__), "checks")]

    def check(name, func, *, seed=0, hidden=False):
        """Checks run in the grader; during grading this call does nothing."""

    checks.__dict__["check"] = check
    sys.modules["nncourse.checks"] = checks
    nncourse.checks = checks


def _warm_nncourse() -> None:
    _install_checks_stub()
    for name in ("nncourse.reference", "nncourse.datasets", "nncourse.progress", "nncourse.plots",
                 "nncourse.playgrounds"):
        try:
            __import__(name)
        except BaseException:   # noqa: B036 - the student's own import will show the problem
            pass


def _next_message(sock: socket.socket, size: int) -> tuple:
    """The next message from the parent (the grader or the zygote) with the file descriptor it
    passes, if any; when the parent hangs up, this process ends."""
    try:
        message, fds, _flags, _address = socket.recv_fds(sock, size, 1)
    except OSError:
        os._exit(0)
    if not message:
        os._exit(0)
    return pickle.loads(message), fds


def notebook_zygote(sock: socket.socket, plan, unsafe: bool) -> None:
    """Serve jobs of one notebook: fork each one into its own namespaces."""
    _stub_the_reference(plan, unsafe)
    _prctl(PR_SET_DUMPABLE, 0)
    _warm_nncourse()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)   # finished jobs are reaped by the kernel
    while True:
        spec, fds = _next_message(sock, 1 << 16)
        if not fds:
            continue
        if os.fork() == 0:
            try:
                sock.close()
                _job(fds[0], spec, unsafe)
            finally:
                os._exit(70)
        os.close(fds[0])


# ---- one job ------------------------------------------------------------------------------------

def _job(fd: int, spec: dict, unsafe: bool) -> None:
    """In the child of a notebook zygote: make the job's namespaces, then become PID 1 in them."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    _prctl(PR_SET_DUMPABLE, 1)
    os.closerange(3, fd)
    os.closerange(fd + 1, 1 << 16)
    null = os.open("/dev/null", os.O_RDWR)
    for standard in (0, 1, 2):
        os.dup2(null, standard)
    os.close(null)
    if not unsafe:
        _enter_user_namespace(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET)
    child = os.fork()
    if child:
        _report_exit(fd, child)
        os._exit(0)
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    sock = socket.socket(fileno=fd)
    try:
        home = _jail(spec) if not unsafe else _unsafe_home(spec)
        _limits(spec["limits"])
    except BaseException as error:   # noqa: B036 - tell the grader why, then stop
        _greet(sock, f"the sandbox could not be set up: {type(error).__name__}: {error}")
        os._exit(71)
    os.chdir(home)
    os.environ["HOME"] = home
    _greet(sock, "")
    from nncourse.grading.worker import Worker
    Worker(sock).serve()
    os._exit(0)


def _report_exit(fd: int, child: int) -> None:
    """Wait for the job's PID 1; tell the grader how it ended (unless the grader ended it)."""
    status = None
    while status is None:
        try:
            _, status = os.waitpid(child, 0)
        except ChildProcessError:
            break
        except InterruptedError:
            continue
    if status is None:
        how = "the worker ended"
    elif os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        how = f"the process was killed by {name}" + (" (segmentation fault)" if name == "SIGSEGV" else "")
    else:
        how = f"the process exited with code {os.WEXITSTATUS(status)}"
    try:
        from nncourse.grading import wire
        wire.send(socket.socket(fileno=fd), (-1, "exit", how), plain=True)
    except OSError:
        pass


def _copy_data(source: str, target: str) -> None:
    if os.path.isdir(source):
        shutil.copytree(source, target, dirs_exist_ok=True, symlinks=True)


def _jail(spec: dict) -> str:
    """Mounts of the job's own namespace: a new /proc and private, size-limited tmpfs."""
    limits = spec["limits"]
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    size = f"size={limits['disk_bytes']}"
    carried = list(spec.get("carried", []))   # the virtual environment or nncourse, when they live in /tmp
    for k, path in enumerate(carried):
        _mount(path, f"{HOLD}/{k}", None, MS_BIND | MS_REC)
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, size + ",mode=1777")
    for k, path in enumerate(carried):
        os.makedirs(path, mode=0o755, exist_ok=True)
        _mount(f"{HOLD}/{k}", path, None, MS_BIND | MS_REC)
    _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, f"size={limits['shm_bytes']},mode=1777")
    _mount("tmpfs", HOME, "tmpfs", MS_NOSUID | MS_NODEV, size + ",mode=0700")
    if spec.get("token"):
        _copy_data(os.path.join(JOB_DATA, spec["token"]), HOME)
    _mount("tmpfs", JOB_DATA, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555")
    try:
        with open("/proc/sys/user/max_user_namespaces", "w") as handle:
            handle.write("0")
    except OSError:
        pass
    _libc.sethostname(b"nncourse-job", 12)
    _drop_capabilities()
    return HOME


def _unsafe_home(spec: dict) -> str:
    import tempfile
    home = tempfile.mkdtemp(prefix="nncourse-job-")
    _copy_data(spec.get("data_folder") or "", home)
    os.setsid()
    return home


def _limits(limits: dict) -> None:
    with open("/proc/self/status") as handle:
        size = next(int(line.split()[1]) * 1024 for line in handle if line.startswith("VmSize:"))
    memory = size + int(limits["memory_bytes"])    # what the student may allocate, on top of the warm start
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_seconds"], limits["cpu_seconds"] + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file_bytes"], limits["file_bytes"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NPROC, (limits["processes"], limits["processes"]))
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
    # RLIMIT_AS holds per process: if a job's processes fill the machine's memory, the kernel's OOM
    # killer must end them, not the grader or a classmate. 1000 makes them its first choice, and
    # without CAP_SYS_RESOURCE in the first user namespace no process of the job can lower it again.
    with open("/proc/self/oom_score_adj", "w") as handle:
        handle.write("1000")
    os.umask(0o077)


def _greet(sock: socket.socket, problem: str) -> None:
    """The job's first bytes, with its credentials: the grader learns its pid (to kill it later)."""
    credentials = struct.pack("iII", os.getpid(), os.getuid(), os.getgid())
    sock.sendmsg([HELLO + problem.encode("utf-8", "replace")[:500] + b"\n"],
                 [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, credentials)])


# ---- the zygote -----------------------------------------------------------------------------------

def probe(control: socket.socket) -> None:
    """What a job needs, once, without the warm imports: exit 0 when the sandbox works here."""
    _request, plans, carried = pickle.loads(control.recv(1 << 20))
    notebook, plan = next(iter(plans.items()), ("", []))
    if os.fork() == 0:
        try:
            _stub_the_reference(plan, unsafe=False)
            import numpy  # noqa: F401

            import nncourse  # noqa: F401
            ours, theirs = socket.socketpair()
            if os.fork() == 0:
                ours.close()
                _job(theirs.fileno(), {"token": "", "limits": _PROBE_LIMITS, "carried": carried}, unsafe=False)
            theirs.close()
            ours.settimeout(60)
            greeting = ours.recv(4096)
            if greeting != HELLO + b"\n":
                problem = greeting[len(HELLO):] if greeting.startswith(HELLO) else b"no greeting"
                print(f"sandbox probe: {problem.decode('utf-8', 'replace').strip()}", file=sys.stderr, flush=True)
                os._exit(1)
            os._exit(0)
        except BaseException as error:   # noqa: B036 - say why on stderr (the run's log), then fail
            print(f"sandbox probe: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
            os._exit(1)
    _, status = os.waitpid(-1, 0)
    os._exit(os.waitstatus_to_exitcode(status))


_PROBE_LIMITS = {"memory_bytes": 1 << 30, "cpu_seconds": 60, "file_bytes": 1 << 20, "disk_bytes": 1 << 20,
                 "shm_bytes": 1 << 20, "processes": 16}


def main(argv: list[str]) -> None:
    control = socket.socket(fileno=int(argv[1]))
    if "--probe" in argv:
        probe(control)
    unsafe = "--unsafe" in argv
    _prctl(PR_SET_DUMPABLE, 0)    # a job cannot read or write the zygote's memory through /proc
    if not unsafe:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.path.isdir(FONTS):      # matplotlib wants a writable config folder: a private copy
        shutil.copytree(FONTS, "/tmp/mplconfig", dirs_exist_ok=True)
        os.environ["MPLCONFIGDIR"] = "/tmp/mplconfig"
    _preload()
    from nncourse.grading import wire
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    plans: dict = {}
    notebooks: dict[str, socket.socket | None] = {}
    control.send(wire.encode(("ready", os.getpid())))
    while True:
        request, fds = _next_message(control, 1 << 20)
        if request[0] == "plan":
            plans = request[1]
            continue
        if request[0] != "job" or not fds:
            for fd in fds:
                os.close(fd)
            continue
        _kind, notebook, spec = request
        sub = notebooks.get(notebook)
        for _attempt in range(2):
            if sub is None:
                sub = _start_notebook_zygote(notebook, plans.get(notebook, []), unsafe, control, notebooks)
                notebooks[notebook] = sub
            try:
                socket.send_fds(sub, [pickle.dumps(spec)], fds)
                break
            except OSError:
                sub.close()
                sub = notebooks[notebook] = None
        os.close(fds[0])


def _start_notebook_zygote(notebook, plan, unsafe, control, notebooks) -> socket.socket:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    if os.fork() == 0:
        try:
            control.close()
            ours.close()
            for other in notebooks.values():
                if other is not None:
                    other.close()
            _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            notebook_zygote(theirs, plan, unsafe)
        finally:
            os._exit(72)
    theirs.close()
    return ours


if __name__ == "__main__":
    main(sys.argv)
