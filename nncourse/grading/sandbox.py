"""The sandbox student code runs in, seen from the grader: prepare a run, start jobs, kill them.

A run (`prepare`) decides how jobs are isolated and writes what they need into a private run
folder: the stubbed reference modules of every notebook (`stubs`), matplotlib's font list, one
folder per grader process for its jobs' data files. Each grader process (`Slot`) starts one
zygote (`zygote`) under bubblewrap:

- as root: `setpriv` first drops to the slot's own unprivileged uid (one per grader process,
  from a range no login uses; no capabilities, parent-death signal), THEN `bwrap` makes the
  sandbox with that uid's permissions (bubblewrap started by root would map its sandbox uid to
  root outside, and the kernel's file permissions would not hold);
- not root: `bwrap` directly, as the grader's own user (no separate uid);
- `--unsafe-no-sandbox`: no sandbox at all (the instructor asked for it; the summary and every
  CSV say so).

bubblewrap gives the zygote a new user, PID, IPC, network, UTS and cgroup namespace, a read-only
view of exactly what Python needs (/usr, /etc, the interpreter, the virtual environment and the
nncourse package: no home folders, no course checkout, no solutions, submissions or output),
`--die-with-parent` and `--new-session`. Every job then gets namespaces of its own (see `zygote`).
Paths the sandbox uid may not enter (an interpreter under /root, a checkout in a 0700 folder)
are bind-mounted by root, in a private mount namespace of the launcher only, to a stage folder
the uid can reach, and bubblewrap binds them back to their own paths.
"""
from __future__ import annotations

import ctypes
import getpass
import glob
import os
import pickle
import random
import secrets
import select
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import wire
from .zygote import FONTS, HELLO, HOLD, HOME, JOB_DATA, STUBS

UID_RANGE = (1_000_000_000, 2_000_000_000)   # sandbox uids: no passwd entry needed, no login uses them
MAX_SLOTS = 256
CLONE_NEWNS = 0x00020000
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18

# Files a student adds that are never copied to the job (as nbgrader_config.py ignores them).
IGNORED_SUFFIXES = (".py", ".pyc", ".pyo", ".so", ".pyd", ".pth", ".ipynb")
MAX_DATA_BYTES = 50_000_000     # a student's data files copied into one job
MAX_DATA_FILES = 1000


@dataclass
class Limits:
    memory_bytes: int = 2 * 1024**3       # what a job may allocate beyond its warm start (RLIMIT_AS)
    cpu_seconds: int = 900                # RLIMIT_CPU of a job (a backstop: wall-clock limits act first)
    file_bytes: int = 50 * 1024**2        # RLIMIT_FSIZE: the largest file a job may write
    disk_bytes: int = 128 * 1024**2       # each private tmpfs of a job: /tmp and its home folder
    shm_bytes: int = 64 * 1024**2         # its /dev/shm
    processes: int = 64                   # RLIMIT_NPROC
    output_chars: int = 10_000_000        # characters a cell or call may print


class SandboxUnavailable(Exception):
    """This machine cannot give students a sandbox (no bwrap, no user namespaces): say what to do."""


class JobFailed(Exception):
    """A job (or the zygote it comes from) could not be started."""


@dataclass
class Sandbox:
    """How this run isolates student code; picklable, handed to every grader process."""
    limits: Limits = field(default_factory=Limits)
    mode: str = "bubblewrap"                  # or "unsafe"
    run_dir: str = ""
    uid_base: int | None = None               # as root: slot k runs as uid_base + k
    workers: int = 1
    user: str = ""
    python_path: str = ""                     # the folder holding the nncourse package
    view: list[tuple[str, str, str]] = field(default_factory=list)  # ("bind"|"symlink", source, target)
    staged: list[tuple[str, str]] = field(default_factory=list)     # (real path, stage) bound by root first
    stub_plan: dict = field(default_factory=dict)   # notebook -> [(module, stub inside, real path)]
    fonts: str | None = None

    @property
    def unsafe(self) -> bool:
        return self.mode == "unsafe"

    def carried(self) -> list[str]:
        """Folders the sandbox needs that lie in /tmp, which every job replaces by its own: carried over."""
        inside = [target for kind, _source, target in self.view if kind == "bind" and target.startswith("/tmp/")]
        return [path for path in inside if not any(path.startswith(other + "/") for other in inside)]

    def uid_range(self) -> tuple[int, int] | None:
        return None if self.uid_base is None else (self.uid_base, self.uid_base + self.workers - 1)

    def describe(self) -> str:
        if self.unsafe:
            return (f"NONE (--unsafe-no-sandbox): student code ran as {self.user} and could read and change "
                    "everything that user can")
        who = (f"one unprivileged uid per worker (uids {self.uid_base}-{self.uid_base + self.workers - 1})"
               if self.uid_base is not None else f"as {self.user} (not root: no separate uid)")
        return (f"bubblewrap, {who}; every notebook in fresh PID, IPC, network, mount and UTS namespaces "
                "(nothing it starts outlives it), read-only system, private /tmp and home, this notebook's "
                f"reference absent; memory {self.limits.memory_bytes // 1024**2} MB, "
                f"{self.limits.processes} processes")


def worker_environment(sandbox: Sandbox) -> dict[str, str]:
    """Only what a job needs; nothing inherited from the grader's environment."""
    return {
        "PATH": os.path.dirname(sys.executable) + ":/usr/bin:/bin",
        "HOME": HOME, "TMPDIR": "/tmp", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
        "PYTHONPATH": sandbox.python_path, "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "NUMEXPR_NUM_THREADS": "1", "VECLIB_MAXIMUM_THREADS": "1",
        "MPLBACKEND": "Agg", "MPLCONFIGDIR": FONTS, "NNCOURSE_GRADING": "1",
    }


# ---- preparing a run ----------------------------------------------------------------------------

def is_root() -> bool:
    return os.geteuid() == 0


def _others_may_enter(path: str) -> bool:
    """True when a uid with no relation to `path`'s owner may traverse every folder down to it."""
    parts = Path(path).parts
    for depth in range(1, len(parts) + 1):
        folder = str(Path(*parts[:depth]))
        try:
            mode = os.stat(folder).st_mode
        except OSError:
            return False
        if stat.S_ISDIR(mode) and not mode & 0o001:
            return False
    return True


def _needed_paths() -> list[str]:
    """Folders Python needs in the sandbox: interpreter, virtual environment, the nncourse package."""
    import nncourse
    package = os.path.dirname(os.path.realpath(nncourse.__file__))
    found: list[str] = []
    for path in (sys.base_prefix, sys.prefix, os.path.dirname(os.path.realpath(sys.executable)), package):
        path = os.path.realpath(path)
        if os.path.isdir(path) and not any(path == p or path.startswith(p + os.sep) for p in found):
            found = [p for p in found if not p.startswith(path + os.sep)] + [path]
    return sorted(found)


SYSTEM = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


def _view(run_dir: str, stage_all: bool) -> tuple[list, list]:
    view: list[tuple[str, str, str]] = []
    staged: list[tuple[str, str]] = []
    for top in SYSTEM:
        if os.path.islink(top):
            view.append(("symlink", os.readlink(top), top))
        elif os.path.isdir(top):
            view.append(("bind", top, top))
    for path in _needed_paths():
        if any(path == top or path.startswith(top + os.sep) for top in SYSTEM):
            continue
        source = path
        if stage_all and not _others_may_enter(path):
            source = os.path.join(run_dir, "stage", str(len(staged)))
            os.makedirs(source, mode=0o755)
            staged.append((path, source))
        view.append(("bind", source, path))
    return view, staged


def _build_fonts(run_dir: str) -> str | None:
    """matplotlib's font list for the sandbox: the grader's own when it has one, else built once per run."""
    folder = os.path.join(run_dir, "mplconfig")
    os.makedirs(folder, mode=0o755)
    try:
        import matplotlib
        cached = glob.glob(os.path.join(matplotlib.get_cachedir(), "fontlist-*.json"))
    except Exception:
        cached = []
    for path in cached:
        shutil.copy(path, folder)
    if not cached:
        env = {"MPLCONFIGDIR": folder, "PATH": os.path.dirname(sys.executable) + ":/usr/bin:/bin",
               "HOME": folder, "MPLBACKEND": "Agg"}
        try:
            subprocess.run([sys.executable, "-I", "-c", "import matplotlib.font_manager"], env=env, timeout=300,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return None
    for path in glob.glob(os.path.join(folder, "**"), recursive=True):
        os.chmod(path, 0o755 if os.path.isdir(path) else 0o644)
    return folder if glob.glob(os.path.join(folder, "fontlist-*.json")) else None


def _reachable_temp() -> str:
    """$TMPDIR when a sandbox uid may reach it, else /tmp: the run folder is bound into the sandbox."""
    folder = tempfile.gettempdir()
    return folder if not is_root() or _others_may_enter(folder) else "/tmp"


def prepare(limits: Limits | None = None, workers: int = 1, unsafe: bool = False) -> Sandbox:
    """Set up the run's sandbox; SandboxUnavailable (with what to do) when it cannot be had."""
    from .stubs import stub_plan
    limits = limits or Limits()
    sandbox = Sandbox(limits=limits, mode="unsafe" if unsafe else "bubblewrap", workers=max(1, workers),
                      user=getpass.getuser())
    if not unsafe and shutil.which("bwrap") is None:
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is not installed, and student code is never run without a sandbox: install it "
            "(Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap), or pass "
            "--unsafe-no-sandbox to run students' code as yourself")
    if not unsafe and is_root() and shutil.which("setpriv") is None:
        raise SandboxUnavailable("setpriv (util-linux) is needed to run the sandbox as an unprivileged uid; "
                                 "install util-linux, or run the grader as an ordinary user")
    import nncourse
    sandbox.python_path = os.path.dirname(os.path.dirname(os.path.realpath(nncourse.__file__)))
    sandbox.run_dir = tempfile.mkdtemp(prefix="nncourse-grading-", dir=_reachable_temp())
    try:
        os.chmod(sandbox.run_dir, 0o711)
        if is_root() and not unsafe:
            sandbox.uid_base = random.randrange(UID_RANGE[0] // MAX_SLOTS, UID_RANGE[1] // MAX_SLOTS) * MAX_SLOTS
        stubs = os.path.join(sandbox.run_dir, "stubs")
        os.mkdir(stubs, 0o755)
        for notebook, pairs in stub_plan(Path(stubs)).items():
            sandbox.stub_plan[notebook] = [(_module_name(real), stub if unsafe else stub.replace(stubs, STUBS, 1),
                                            real) for stub, real in pairs]
        sandbox.fonts = _build_fonts(sandbox.run_dir)
        if not unsafe:
            sandbox.view, sandbox.staged = _view(sandbox.run_dir, stage_all=sandbox.uid_base is not None)
            _probe(sandbox)
    except BaseException:
        cleanup(sandbox)
        raise
    return sandbox


def _module_name(path: str) -> str:
    import nncourse
    root = os.path.dirname(os.path.dirname(os.path.realpath(nncourse.__file__)))
    relative = os.path.relpath(os.path.splitext(path)[0], root)
    return relative.replace(os.sep, ".")


def _probe(sandbox: Sandbox) -> None:
    """The whole chain once, cheaply: a machine where the sandbox cannot run is told before grading."""
    slot = Slot(sandbox, 0)
    try:
        slot.probe(timeout=120)
    except JobFailed as failure:
        raise SandboxUnavailable(
            f"the sandbox does not work on this machine ({failure}); it needs bubblewrap and unprivileged "
            "user namespaces (sysctl kernel.unprivileged_userns_clone=1; on Ubuntu 24.04 also "
            "kernel.apparmor_restrict_unprivileged_userns=0), and the interpreter, virtual environment and "
            "nncourse readable by all users (chmod -R o+rX). Or pass --unsafe-no-sandbox") from None


def cleanup(sandbox: Sandbox) -> None:
    """After the run: no process of the run's uids alive, no file of it left."""
    found = sandbox.uid_range()
    if found is not None:
        for _ in range(3):
            if not _kill_uids(*found):
                break
            time.sleep(0.2)
    if sandbox.run_dir:
        shutil.rmtree(sandbox.run_dir, ignore_errors=True)


def _kill_uids(low: int, high: int) -> int:
    killed = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as handle:
                uids = next(line for line in handle if line.startswith("Uid:")).split()[1:]
        except (OSError, StopIteration):
            continue
        if any(low <= int(uid) <= high for uid in uids):
            try:
                os.kill(int(entry), signal.SIGKILL)
                killed += 1
            except OSError:
                pass
    return killed


# ---- one grader process: its zygote and its jobs ------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)


def _stage_mounts(staged: list[tuple[str, str]]):
    """preexec_fn: in a private mount namespace of the launcher only, bind the unreachable paths."""
    def run() -> None:
        if _libc.unshare(CLONE_NEWNS) != 0 or _libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None) != 0:
            raise OSError(ctypes.get_errno(), "private mount namespace")
        for real, stage in staged:
            if _libc.mount(real.encode(), stage.encode(), None, MS_BIND | MS_REC, None) != 0:
                raise OSError(ctypes.get_errno(), f"staging {real}")
    return run


def _parent_death():
    def run() -> None:
        _libc.prctl(1, signal.SIGKILL, 0, 0, 0)   # PR_SET_PDEATHSIG
        os.setsid()
    return run


class Job:
    """One running job: the grader's end of its socket, and a pidfd to end it."""

    def __init__(self, sock: socket.socket, pid: int, data_dir: str | None):
        self.sock = sock
        self.pid = pid
        self.data_dir = data_dir
        self.pidfd: int | None = None
        try:
            self.pidfd = os.pidfd_open(pid)
        except OSError:
            self.pidfd = None

    def alive(self) -> bool:
        if self.pidfd is None:
            return False
        ready, _, _ = select.select([self.pidfd], [], [], 0)
        return not ready

    def kill(self, wait: float = 10.0) -> None:
        """SIGKILL the job (PID 1 of its namespace: everything in it dies) and wait for it to go."""
        if self.pidfd is not None:
            try:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            except OSError:
                pass
            select.select([self.pidfd], [], [], wait)
            os.close(self.pidfd)
            self.pidfd = None
        try:
            self.sock.close()
        except OSError:
            pass
        if self.data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            self.data_dir = None


class Slot:
    """A grader process's zygote; `start_job` forks a fresh job from it."""

    def __init__(self, sandbox: Sandbox, index: int):
        self.sandbox = sandbox
        self.index = index
        self.uid = None if sandbox.uid_base is None else sandbox.uid_base + index % MAX_SLOTS
        self.folder = os.path.join(sandbox.run_dir, f"slot{index}")
        os.makedirs(self.folder, mode=0o711, exist_ok=True)
        self.process: subprocess.Popen | None = None
        self.control: socket.socket | None = None
        self.log = os.path.join(sandbox.run_dir, f"zygote{index}.log")

    # -- the zygote
    def probe(self, timeout: float) -> None:
        """Run `zygote --probe` in the sandbox: every namespace and mount a job needs, nothing warm."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        command = self._command(theirs.fileno())
        command[-1:] = [str(theirs.fileno()), "--probe"]
        env = worker_environment(self.sandbox)
        preexec = _stage_mounts(self.sandbox.staged) if self.sandbox.staged else None
        with open(self.log, "ab") as log:
            process = subprocess.Popen(command, pass_fds=[theirs.fileno()], env=env, stdin=subprocess.DEVNULL,
                                       stdout=log, stderr=log, cwd="/", preexec_fn=preexec or _parent_death())
        theirs.close()
        try:
            ours.send(pickle.dumps(("plan", self.sandbox.stub_plan, self.sandbox.carried())))
            process.wait(timeout=timeout)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait(timeout=10)
        finally:
            ours.close()
        if process.returncode != 0:
            raise JobFailed(f"the sandbox did not start{self._log_tail()}")

    def _command(self, fd: int) -> list[str]:
        python = [sys.executable, "-s", "-P", "-m", "nncourse.grading.zygote", str(fd)]
        if self.sandbox.unsafe:
            return python + ["--unsafe"]
        command = []
        if self.uid is not None:
            command = ["setpriv", f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups",
                       "--inh-caps=-all", "--bounding-set=-all", "--pdeathsig=KILL"]
        command += ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--hostname", "nncourse-sandbox",
                    "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
        for kind, source, target in self.sandbox.view:
            command += ["--symlink", source, target] if kind == "symlink" else ["--ro-bind", source, target]
        for k in range(len(self.sandbox.carried())):
            command += ["--dir", f"{HOLD}/{k}"]
        command += ["--dir", HOME, "--ro-bind", self.folder, JOB_DATA,
                    "--ro-bind", os.path.join(self.sandbox.run_dir, "stubs"), STUBS]
        if self.sandbox.fonts:
            command += ["--ro-bind", self.sandbox.fonts, FONTS]
        command += ["--remount-ro", "/dev", "--remount-ro", "/", "--chdir", "/tmp"]
        return command + python

    def _start_zygote(self, timeout: float) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = worker_environment(self.sandbox)
        if self.sandbox.unsafe:
            env["MPLCONFIGDIR"] = self.sandbox.fonts or env["MPLCONFIGDIR"]
            env["HOME"] = self.folder
        preexec = _stage_mounts(self.sandbox.staged) if self.sandbox.staged else None
        if self.uid is None:
            preexec = _parent_death()
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(self._command(theirs.fileno()), pass_fds=[theirs.fileno()], env=env,
                                            stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                            cwd=self.folder if self.sandbox.unsafe else "/", preexec_fn=preexec)
        theirs.close()
        self.control = ours
        ours.settimeout(timeout)
        try:
            ready = wire.decode(ours.recv(1 << 16))
        except (OSError, wire.WireError, socket.timeout) as error:
            self.close()
            raise JobFailed(f"the sandbox did not start ({type(error).__name__}){self._log_tail()}") from None
        if not (isinstance(ready, tuple) and ready[:1] == ("ready",)):
            self.close()
            raise JobFailed(f"the sandbox did not start{self._log_tail()}")
        ours.settimeout(timeout)
        ours.send(pickle.dumps(("plan", self.sandbox.stub_plan)))

    def _log_tail(self) -> str:
        try:
            with open(self.log, "rb") as handle:
                handle.seek(max(0, os.path.getsize(self.log) - 600))
                text = handle.read().decode("utf-8", "replace").strip()
        except OSError:
            return ""
        return f": {text.splitlines()[-1][:300]}" if text else ""

    def close(self) -> None:
        if self.control is not None:
            self.control.close()
            self.control = None
        if self.process is not None:
            try:
                self.process.kill()
            except OSError:
                pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            self.process = None

    # -- jobs
    def _write_data(self, files: dict[str, bytes]) -> tuple[str, str]:
        token = secrets.token_hex(16)
        folder = os.path.join(self.folder, token)
        os.mkdir(folder, 0o755)
        for relative, data in files.items():
            target = os.path.join(folder, relative)
            os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
            with open(target, "wb") as handle:
                handle.write(data)
            os.chmod(target, 0o644)
        return token, folder

    def start_job(self, notebook: str, files: dict[str, bytes], timeout: float = 60.0) -> Job:
        """Fork a fresh job for `notebook` with the student's data `files`; JobFailed if impossible."""
        token, folder = self._write_data(files)
        try:
            for attempt in range(2):
                if self.process is None or self.process.poll() is not None:
                    self.close()
                    self._start_zygote(timeout)
                ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
                ours.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
                spec = {"token": token, "limits": self.sandbox.limits.__dict__, "data_folder": folder,
                        "carried": self.sandbox.carried()}
                assert self.control is not None   # _start_zygote sets it with self.process, close() clears both
                try:
                    socket.send_fds(self.control, [pickle.dumps(("job", notebook, spec))], [theirs.fileno()])
                except OSError:
                    theirs.close()
                    ours.close()
                    self.close()
                    if attempt:
                        raise JobFailed("the sandbox stopped answering") from None
                    continue
                theirs.close()
                return self._greeted(ours, folder, timeout)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        raise JobFailed("the sandbox did not start a job")

    def _greeted(self, sock: socket.socket, folder: str, timeout: float) -> Job:
        """Read the job's greeting and credentials (its pid, as this process sees it)."""
        sock.settimeout(timeout)
        try:
            data, ancillary, _flags, _address = sock.recvmsg(len(HELLO) + 520, socket.CMSG_SPACE(12))
        except (OSError, socket.timeout) as error:
            sock.close()
            raise JobFailed(f"the job did not start ({type(error).__name__}){self._log_tail()}") from None
        pid = None
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS and len(payload) >= 12:
                pid = struct.unpack("iII", payload[:12])[0]
        if not data.startswith(HELLO) or pid is None or pid <= 0:
            sock.close()
            raise JobFailed(f"the job did not start{self._log_tail()}")
        job = Job(sock, pid, folder)
        problem = data[len(HELLO):].decode("utf-8", "replace").strip()
        if problem:
            job.kill()
            raise JobFailed(problem[:300])
        sock.settimeout(None)
        return job
