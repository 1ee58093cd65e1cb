"""The options of `nncourse autograde`: their checks, the resume key, and what the course configures.

Every mistake an instructor can make on the command line is found here, before anything is graded
or written, and reported in one line (`InstructorError`): a zero or negative timeout, a memory limit
too small for Python and numpy to start, the student release given as `--source` (no solutions,
no hidden tests), a file given as `--out`, an unknown notebook, an unreadable late policy.

The resume key of a (student, notebook) is a digest of everything that can change its grade: the
submitted file, the source notebook, the grading options (timeouts, memory and other limits), the
trusted code that grades (nncourse's version and the checksum of its checks, reference and grading
modules), and the grader's protocol version. A rerun regrades exactly what changed; `--force`
regrades everything.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import resource
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

from .collect import InstructorError
from .late import LatePolicy, PolicyError, policy_from_config
from .source import SourceNotebook, find_sources

GRADER_VERSION = "2"   # bump when a change must regrade everything (2: written answers, typed records)
MINIMUM_MEMORY_MB = 32


def available_cpus() -> int:
    """The CPUs this process may use: its affinity mask, capped by a cgroup CPU quota (containers)."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    quota = _cgroup_quota()
    if quota is not None:
        count = min(count, max(1, math.ceil(quota)))
    return max(1, count)


def _cgroup_quota() -> float | None:
    """CPUs allowed by the cgroup (v2 cpu.max, v1 cfs quota/period), None when unlimited."""
    try:
        text = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if text and text[0] != "max":
            return int(text[0]) / int(text[1])
        if text:
            return None
    except (OSError, ValueError, IndexError):
        pass
    for base in ("/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"):
        try:
            quota = int(Path(base, "cpu.cfs_quota_us").read_text())
            period = int(Path(base, "cpu.cfs_period_us").read_text())
        except (OSError, ValueError):
            continue
        return quota / period if quota > 0 and period > 0 else None
    return None


def check_positive(name: str, value: float) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise InstructorError(f"{name} must be a positive number of seconds, got {value:g}")


def check_out(out: Path) -> None:
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InstructorError(f"--out {out} is a file, not a folder")
    parent = out.resolve().parent
    if not out.exists() and not parent.is_dir():
        raise InstructorError(f"--out {out}: its parent folder {parent} does not exist")


def check_memory(memory_bytes: int) -> None:
    """Start Python with numpy and the checks under the worker's address-space limit, as a worker would."""
    megabytes = memory_bytes // 1024**2
    if megabytes < MINIMUM_MEMORY_MB:
        raise InstructorError(f"--memory {megabytes} MB is too little for a worker to start Python with numpy "
                              f"(use at least {MINIMUM_MEMORY_MB}; the default is 2048)")

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        result = subprocess.run([sys.executable, "-c", "import numpy, nncourse.checks"], preexec_fn=limit,
                                capture_output=True, timeout=120, env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    except subprocess.TimeoutExpired:
        return
    if result.returncode != 0:
        raise InstructorError(f"--memory {megabytes} MB is too little: Python with numpy and the checks does not "
                              "start within it (try 1024 or more; the default is 2048)")


def load_sources(source_dir: Path, notebooks: list[str] | None) -> tuple[dict[str, SourceNotebook], list[str]]:
    """The source notebooks and the names selected by --notebooks (course order)."""
    source_dir = Path(source_dir)
    if not source_dir.is_dir():
        raise InstructorError(f"no such folder: {source_dir} (the source notebooks; pass --source)")
    try:
        sources = find_sources(source_dir)
    except ValueError as error:
        raise InstructorError(str(error)) from None
    if not sources:
        raise InstructorError(f"no notebooks found in {source_dir}")
    released = [name for name, s in sources.items() if not s.has_solutions]
    if released:
        raise InstructorError(f"{source_dir} holds the student release, not the instructor notebooks "
                              f"({released[0]} has no solutions and no hidden tests): pass --source solutions")
    names = list(sources)
    if notebooks:
        unknown = [n for n in notebooks if n not in sources]
        if unknown:
            raise InstructorError(f"unknown notebook names: {', '.join(unknown)} (known: {', '.join(names)})")
        names = [n for n in names if n in notebooks]
    return sources, names


def course_config(source_dir: Path):
    """The course's nbgrader configuration (nbgrader_config.py beside the source folder), or an empty Config."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader
    folder = Path(source_dir).resolve().parent
    if not (folder / "nbgrader_config.py").exists():
        return Config()
    try:
        return PyFileConfigLoader("nbgrader_config.py", path=str(folder)).load_config()
    except Exception as error:
        raise InstructorError(f"cannot read {folder / 'nbgrader_config.py'}: {type(error).__name__}: {error}") from None


def folder_config(out: Path):
    """OUT/nbgrader_config.py as a Config (it loads the course's own first), or None when there is none."""
    from traitlets.config.loader import PyFileConfigLoader
    out = Path(out)
    if not (out / "nbgrader_config.py").is_file():
        return None
    try:
        return PyFileConfigLoader("nbgrader_config.py", path=str(out.resolve())).load_config()
    except Exception as error:
        raise InstructorError(f"cannot read {out / 'nbgrader_config.py'}: {type(error).__name__}: {error}") from None


def effective_policy(out: Path, config, override: str | None) -> LatePolicy:
    """--late-policy, else the one an earlier run into OUT used, else the course's."""
    if override is not None:
        try:
            return LatePolicy.parse(override)
        except PolicyError as error:
            raise InstructorError(f"--late-policy: {error}") from None
    from .coursefolder import MARK
    path = Path(out) / "nbgrader_config.py"
    if path.is_file() and path.read_text(encoding="utf-8").startswith(MARK):
        return late_policy(folder_config(out))
    return late_policy(config)


def late_policy(config) -> LatePolicy:
    try:
        return policy_from_config(config)
    except PolicyError as error:
        raise InstructorError(f"nbgrader_config.py: {error}") from None


# ---- the resume key -------------------------------------------------------------------------------

_CODE_DIGEST: str | None = None


def code_digest() -> str:
    """Checksum of the trusted code that decides grades (checks, reference, grading) and nncourse's version."""
    global _CODE_DIGEST
    if _CODE_DIGEST is None:
        import nncourse
        package = Path(nncourse.__file__).resolve().parent
        h = hashlib.sha256(nncourse.__version__.encode())
        for folder in ("checks", "reference", "grading"):
            for path in sorted((package / folder).rglob("*.py")):
                h.update(path.relative_to(package).as_posix().encode())
                h.update(path.read_bytes())
        _CODE_DIGEST = h.hexdigest()
    return _CODE_DIGEST


def grading_settings(timeouts, limits, setup: dict) -> str:
    """Everything besides the files that can change a grade, as one canonical string."""
    return json.dumps({"grader": GRADER_VERSION, "code": code_digest(), "timeouts": asdict(timeouts),
                       "limits": asdict(limits), "setup": setup}, sort_keys=True, default=str)


def resume_key(notebook: bytes | str | None, source: SourceNotebook, settings: str, problem: str | None,
               message: str) -> str:
    """notebook: the submitted notebook's bytes as collected (or its path, read as `collect` reads)."""
    h = hashlib.sha256(f"{settings}|{source.digest}|{problem}|{message}".encode())
    if isinstance(notebook, str):
        from .collect import read_regular
        try:
            notebook = read_regular(Path(notebook))
        except ValueError as error:
            h.update(str(error).encode())
            notebook = None
    if notebook is not None:
        h.update(notebook)
    return h.hexdigest()
