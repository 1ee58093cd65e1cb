"""Isolated execution: start a worker process that student code cannot escape from cheaply.

What a worker gets (see README, "For instructors", for the honest list):
- as root: its own unprivileged user (`nncourse-sandbox`, created with useradd when missing),
  its own network namespace (no interface but a downed loopback: no network at all) and its own
  mount namespace in which the grader's folders (sources, submissions, output, gradebook, the
  course checkout around the nncourse package) are covered by empty read-only tmpfs mounts;
- always: resource limits (address space, CPU seconds, size of files written, number of
  processes), an environment with nothing of the grader's (no PATH entries but the interpreter's,
  no proxies, fixed PYTHONHASHSEED, one BLAS thread), `python -s -P` (no user site, no current
  folder on sys.path), a fresh scratch folder as working directory and home,
  stdin/stdout/stderr on /dev/null, its own session so that the grader kills the whole group.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os
import pwd
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SANDBOX_USER = "nncourse-sandbox"
UID_RANGE_START = 2_000_000
MAX_SLOTS = 256

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18

# Files a student adds that are never copied into the scratch folder (as nbgrader_config ignores them).
IGNORED_SUFFIXES = (".py", ".pyc", ".pyo", ".so", ".pyd", ".pth", ".ipynb")
MAX_COPIED_BYTES = 50_000_000


@dataclass
class Limits:
    memory_bytes: int = 2 * 1024**3       # RLIMIT_AS of a worker
    cpu_seconds: int = 900                # RLIMIT_CPU of a worker (a backstop: wall-clock limits act first)
    file_bytes: int = 50 * 1024**2        # RLIMIT_FSIZE: largest file a worker may write
    processes: int = 64                   # RLIMIT_NPROC for the sandbox user (as root only)
    output_chars: int = 10_000_000        # characters a cell or call may print


#: folders every worker gets a fresh, empty copy of (private to its mount namespace)
PRIVATE_TEMP_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm")


@dataclass
class Isolation:
    """How workers are isolated in this run; `describe()` says it in one line for the summary."""
    limits: Limits = field(default_factory=Limits)
    hidden_paths: list[str] = field(default_factory=list)
    uid: int | None = None       # the uid workers run as (set per grader process by `use_slot`)
    gid: int | None = None       # the group of the nncourse-sandbox user
    uid_base: int | None = None  # first of the run's worker uids
    namespaces: bool = False
    scratch_root: str = ""
    font_cache: str | None = None
    # (blocked folder, [(target, staging folder)]): folders the sandbox user may not traverse
    # (e.g. /root holding a pyenv interpreter) are covered by a tmpfs in the worker's mount
    # namespace, and only the targets the worker needs (the interpreter) are bound back into it.
    reopened: list = field(default_factory=list)
    # a root-only folder outside /tmp where a worker's scratch is held while its private /tmp is made
    private_stage: str | None = None
    # folders the worker needs (venv, nncourse) that lie in /tmp, /var/tmp or /dev/shm: carried
    # into the worker's private /tmp like its scratch (a checkout cloned into /tmp, say)
    carried: list[str] = field(default_factory=list)

    def describe(self) -> str:
        parts = []
        parts.append(f"one unprivileged uid per worker (group {SANDBOX_USER})" if self.uid is not None
                     else "same user as the grader")
        parts.append("no network, grader folders hidden, private /tmp (namespaces)" if self.namespaces
                     else "network and folders NOT isolated (not root)")
        parts.append(f"memory {self.limits.memory_bytes // 1024**2} MB")
        return ", ".join(parts)


def is_root() -> bool:
    return os.geteuid() == 0


def ensure_sandbox_user() -> tuple[int, int] | None:
    """(uid, gid) of the sandbox user, created if missing; None when not running as root."""
    if not is_root():
        return None
    try:
        entry = pwd.getpwnam(SANDBOX_USER)
    except KeyError:
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        try:
            subprocess.run([useradd, "--system", "--no-create-home", "--home-dir", "/nonexistent",
                            "--shell", "/usr/sbin/nologin", "--user-group", SANDBOX_USER],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            entry = pwd.getpwnam(SANDBOX_USER)
        except (OSError, subprocess.CalledProcessError, KeyError):
            entry = pwd.getpwnam("nobody")   # no useradd here: the workers' group is nobody's
    return entry.pw_uid, entry.pw_gid


def namespaces_work() -> bool:
    """True when this process may create mount and network namespaces (root in most containers)."""
    if not is_root():
        return False
    probe = subprocess.run([sys.executable, "-I", "-c",
                            "import ctypes, sys; libc = ctypes.CDLL(None, use_errno=True);"
                            f"sys.exit(0 if libc.unshare({CLONE_NEWNS | CLONE_NEWNET}) == 0 else 1)"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return probe.returncode == 0


def course_checkout_paths() -> list[str]:
    """Everything in the checkout around the installed nncourse package, except the package and the venv.

    When nncourse runs from a git checkout (an editable install), the checkout holds solutions/,
    .git (the solutions' history) and maybe a gradebook: a worker sees none of them.
    """
    import nncourse
    package = Path(nncourse.__file__).resolve().parent
    root = package.parent
    if not ((root / "pyproject.toml").exists() or (root / ".git").exists()):
        return []
    keep = {package, Path(sys.prefix).resolve()}
    hidden = []
    for entry in root.iterdir():
        resolved = entry.resolve()
        if resolved in keep or any(k.is_relative_to(resolved) for k in keep):
            continue
        hidden.append(str(entry))
    return hidden


def prepare(hidden_paths: list[str], limits: Limits | None = None) -> Isolation:
    """Set up the run's isolation: user, namespaces, scratch root (0711, root-owned) and font cache."""
    limits = limits or Limits()
    ids = ensure_sandbox_user()
    isolation = Isolation(limits=limits, uid=ids[0] if ids else None, gid=ids[1] if ids else None)
    if ids:
        # Workers graded at the same time must not share a uid: the same uid could read each
        # other's /proc/<pid>/cwd and memory. Each grader process takes its own uid from a range
        # no login uses (no passwd entry is needed to run as a uid); the range depends on the run,
        # so two runs on one machine do not share uids either.
        isolation.uid_base = UID_RANGE_START + (os.getpid() % 10_000) * MAX_SLOTS
    isolation.namespaces = namespaces_work()
    isolation.scratch_root = tempfile.mkdtemp(prefix="nncourse-grading-")
    os.chmod(isolation.scratch_root, 0o711)
    paths = set(hidden_paths) | set(course_checkout_paths())
    import nncourse
    needed = [isolation.scratch_root, sys.prefix, sys.base_prefix, os.path.dirname(nncourse.__file__)]

    def covers_needed(path: str) -> bool:
        return any(Path(n).resolve().is_relative_to(Path(path).resolve()) for n in needed)
    isolation.hidden_paths = sorted(p for p in paths if os.path.exists(p) and not covers_needed(p))
    isolation.font_cache = _build_font_cache(isolation.scratch_root)
    if isolation.namespaces and isolation.uid is not None:
        isolation.reopened = _plan_reopened(isolation)
        if os.path.isdir("/run") and os.access("/run", os.W_OK):
            isolation.private_stage = tempfile.mkdtemp(prefix="nncourse-grading-stage-", dir="/run")
            isolation.carried = _carried_through_private_tmp(needed[1:])
            for k in range(1 + len(isolation.carried)):   # stage 0 holds the worker's scratch
                os.mkdir(os.path.join(isolation.private_stage, str(k)), 0o700)
    return isolation


def _carried_through_private_tmp(needed: list[str]) -> list[str]:
    """The needed folders that lie in a folder the worker gets a fresh, empty copy of (/tmp, ...)."""
    shared = [os.path.realpath(folder) for folder in PRIVATE_TEMP_FOLDERS if os.path.isdir(folder)]
    inside = sorted({os.path.realpath(path) for path in needed
                     if any(Path(os.path.realpath(path)).is_relative_to(folder) for folder in shared)})
    # keep only the outermost: the venv may hold nncourse, say
    return [path for path in inside if not any(path != other and Path(path).is_relative_to(other)
                                                for other in inside)]


def use_slot(isolation: Isolation, slot: int) -> None:
    """Run this grader process's workers as uid `uid_base + slot` (one slot per grader process)."""
    if isolation.uid_base is not None:
        isolation.uid = isolation.uid_base + slot % MAX_SLOTS


def _may_traverse(path: str, uid: int, gid: int) -> bool:
    st = os.stat(path)
    if st.st_uid == uid:
        return bool(st.st_mode & 0o100)
    if st.st_gid == gid:
        return bool(st.st_mode & 0o010)
    return bool(st.st_mode & 0o001)


def _plan_reopened(isolation: Isolation) -> list:
    """Which folders the worker needs (interpreter, venv, nncourse) lie behind one it may not traverse."""
    import nncourse
    needed = {os.path.realpath(p) for p in (sys.base_prefix, sys.prefix, sys.executable,
                                            os.path.dirname(nncourse.__file__))}
    needed = {p if os.path.isdir(p) else os.path.dirname(p) for p in needed}
    plan: dict[str, list[str]] = {}
    for target in sorted(needed):
        parts = Path(target).parts
        for depth in range(1, len(parts)):
            ancestor = str(Path(*parts[:depth]))
            if not _may_traverse(ancestor, isolation.uid, isolation.gid):
                if not any(target.startswith(t + os.sep) for t in plan.get(ancestor, [])):
                    plan.setdefault(ancestor, []).append(target)
                break
    reopened = []
    for number, (blocked, targets) in enumerate(sorted(plan.items())):
        staged = []
        for k, target in enumerate(targets):
            stage = os.path.join(isolation.scratch_root, f".stage-{number}-{k}")
            os.mkdir(stage, 0o700)
            staged.append((target, stage))
        reopened.append((blocked, staged))
    return reopened


def cleanup(isolation: Isolation) -> None:
    shutil.rmtree(isolation.scratch_root, ignore_errors=True)
    if isolation.private_stage:
        shutil.rmtree(isolation.private_stage, ignore_errors=True)


def _build_font_cache(scratch_root: str) -> str | None:
    """Build matplotlib's font list once per run, so that no worker spends seconds building it."""
    folder = os.path.join(scratch_root, "mplconfig")
    os.makedirs(folder, exist_ok=True)
    env = {"MPLCONFIGDIR": folder, "PATH": os.path.dirname(sys.executable) + ":/usr/bin:/bin",
           "HOME": folder, "MPLBACKEND": "Agg"}
    subprocess.run([sys.executable, "-I", "-c", "import matplotlib.font_manager"], env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return folder if glob.glob(os.path.join(folder, "fontlist-*.json")) else None


def make_scratch(isolation: Isolation, submission_dir: str | None) -> str:
    """A fresh folder with the student's data files (never .py or notebooks), owned by the sandbox user."""
    scratch = os.path.join(isolation.scratch_root, secrets.token_hex(16))
    os.mkdir(scratch, 0o700)
    copied = 0
    if submission_dir and os.path.isdir(submission_dir):
        for path in sorted(Path(submission_dir).rglob("*")):
            relative = path.relative_to(submission_dir)
            if any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
                continue
            if path.is_symlink() or not path.is_file() or path.suffix in IGNORED_SUFFIXES:
                continue
            size = path.stat().st_size
            if copied + size > MAX_COPIED_BYTES:
                break
            target = Path(scratch) / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            copied += size
    if isolation.font_cache:
        target = os.path.join(scratch, ".config", "matplotlib")
        shutil.copytree(isolation.font_cache, target)
    if isolation.uid is not None:
        for folder, _dirs, files in os.walk(scratch):
            os.chown(folder, isolation.uid, isolation.gid)
            for name in files:
                os.chown(os.path.join(folder, name), isolation.uid, isolation.gid)
    return scratch


def worker_environment(scratch: str) -> dict[str, str]:
    """Only what the worker needs; nothing inherited from the grader's environment."""
    return {
        "PATH": os.path.dirname(sys.executable) + ":/usr/bin:/bin",
        "HOME": scratch,
        "TMPDIR": scratch,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "NUMEXPR_NUM_THREADS": "1",
        "VECLIB_MAXIMUM_THREADS": "1",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": os.path.join(scratch, ".config", "matplotlib"),
        "NNCOURSE_GRADING": "1",
    }


def _libc():
    return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


def _mount(libc, source, target, fstype, flags, data=None) -> None:
    def encode(text):
        return None if text is None else text.encode()

    if libc.mount(encode(source), encode(target), encode(fstype), flags, encode(data)) != 0:
        raise OSError(ctypes.get_errno(), f"mount {source} on {target} failed")


def _preexec(isolation: Isolation, scratch: str):
    """What the child does between fork and exec: session, namespaces, mounts, limits, user."""
    limits = isolation.limits
    hidden = list(isolation.hidden_paths)
    reopened = list(isolation.reopened)
    scratch_stage = isolation.private_stage
    carried_folders = list(isolation.carried)
    libc = _libc() if isolation.namespaces else None

    def run() -> None:
        os.setsid()
        if libc is not None:
            if libc.unshare(CLONE_NEWNS | CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "unshare failed")
            if libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None) != 0:
                raise OSError(ctypes.get_errno(), "making / private failed")
            for blocked, staged in reopened:
                for target, stage in staged:
                    _mount(libc, target, stage, None, MS_BIND | MS_REC)
                _mount(libc, "tmpfs", blocked, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755")
                for target, stage in staged:
                    os.makedirs(target, mode=0o755, exist_ok=True)
                    _mount(libc, stage, target, None, MS_BIND | MS_REC)
            for path in hidden:
                encoded = path.encode()
                if os.path.isdir(path):
                    ok = libc.mount(b"tmpfs", encoded, b"tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                                    b"size=4k,mode=0555")
                else:
                    ok = libc.mount(b"/dev/null", encoded, None, MS_BIND, None)
                if ok != 0:
                    raise OSError(ctypes.get_errno(), f"hiding {path} failed")
            if scratch_stage:
                # a private, empty /tmp (and /var/tmp, /dev/shm) holding only this worker's scratch
                # and the folders it needs to run (a venv in /tmp), so that workers graded at the
                # same time cannot leave files for each other
                carried = [scratch] + carried_folders
                for k, path in enumerate(carried):
                    _mount(libc, path, os.path.join(scratch_stage, str(k)), None, MS_BIND | MS_REC)
                for shared in PRIVATE_TEMP_FOLDERS:
                    if os.path.isdir(shared):
                        _mount(libc, "tmpfs", shared, "tmpfs", MS_NOSUID | MS_NODEV, "size=256m,mode=1777")
                for k, path in enumerate(carried):
                    os.makedirs(path, mode=0o755, exist_ok=True)
                    _mount(libc, os.path.join(scratch_stage, str(k)), path, None, MS_BIND | MS_REC)
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if isolation.uid is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
            os.setgroups([])
            os.setgid(isolation.gid)
            os.setuid(isolation.uid)
        os.umask(0o077)

    return run


class WorkerProcess:
    """A running worker and the grader's end of its socket."""

    def __init__(self, isolation: Isolation, scratch: str):
        grader_end, worker_end = socket.socketpair()
        self.sock = grader_end
        self.proc = subprocess.Popen(
            [sys.executable, "-s", "-P", "-m", "nncourse.grading.worker", str(worker_end.fileno())],
            pass_fds=[worker_end.fileno()], cwd=scratch, env=worker_environment(scratch),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=_preexec(isolation, scratch), close_fds=True)
        worker_end.close()

    def kill(self) -> None:
        """SIGKILL the worker's whole session (it ignores nothing: SIGKILL cannot be caught)."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.kill()
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.sock.close()

    def exit_description(self) -> str:
        code = self.proc.poll()
        if code is None:
            return "the worker stopped answering"
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"the process was killed by {name}" + (" (segmentation fault)" if name == "SIGSEGV" else "")
        return f"the process exited with code {code}"
