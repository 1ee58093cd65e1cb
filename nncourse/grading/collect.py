"""Finding each student's notebooks in SUBMISSIONS, trusting nothing in it.

Accepted layouts (detected per entry, so they may be mixed):

    SUBMISSIONS/<student_id>/<notebook>.ipynb                 one folder per student
    SUBMISSIONS/<student_id>.zip                              one zip per student, same content
    SUBMISSIONS/<student_id>/<assignment>/<notebook>.ipynb    nbgrader's submitted/ layout
    COURSE/submitted/...                                      a course folder (it holds nbgrader_config.py,
                                                              gradebook.db, source/ or release/): its submitted/

Inside a student's folder or zip, a notebook is found at any depth by its release file name;
checkpoints and macOS metadata are skipped. A student named `submitted`, `feedback` or `.state` is
a student like any other; OUT, when it lies inside SUBMISSIONS, is not.

The grader may run as root and students control what SUBMISSIONS holds, so no symbolic link is
followed (a student folder or notebook that is one is refused, and the message says so), only
regular files are read (never a FIFO or a device), every read is bounded, and no message quotes a
file's bytes. Student ids are folder names; bytes that are not UTF-8 show as \\xNN. Zips are
extracted under OUT/.work (bounded per student and per class) and removed after the run.
"""
from __future__ import annotations

import errno
import os
import shutil
import stat
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MAX_NOTEBOOK_BYTES = 20_000_000       # a larger "notebook" is refused (error), not read
MAX_ZIP_BYTES = 100_000_000           # uncompressed bytes extracted from one student's zip
MAX_CLASS_ZIP_BYTES = 2_000_000_000   # uncompressed bytes extracted from all the zips of a run
MAX_DATA_BYTES = 50_000_000           # a student's data files copied into one job
MAX_DATA_FILES = 1000
SKIPPED_PARTS = (".ipynb_checkpoints", "__MACOSX", "__pycache__", ".git", ".DS_Store", ".Trashes")
IGNORED_SUFFIXES = (".py", ".pyc", ".pyo", ".so", ".pyd", ".pth", ".ipynb")   # never copied to a job
COURSE_MARKERS = ("nbgrader_config.py", "gradebook.db", "source", "release")


class InstructorError(Exception):
    """A mistake in the command line or the course (no such folder, no notebooks): exit non-zero."""


class Refused(ValueError):
    """A file the grader will not read; the message says why, in words a student understands."""


@dataclass
class Submission:
    student_id: str
    notebook: str
    data: bytes | None           # the notebook file's bytes, None when missing or refused
    folder: Path | None          # the student's folder (data files next to the notebook)
    path: Path | None = None     # the notebook file it was read from (a regular file), None when missing or refused
    problem: str | None = None   # "missing" or "error"
    message: str = ""
    skip: Path | None = None     # a folder inside `folder` that is not the student's (OUT)


def student_id(name: str) -> str:
    """A folder name as a student id: undecodable bytes become \\xNN (so every CSV can hold it)."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _skipped(part: str) -> bool:
    return part in SKIPPED_PARTS or part.startswith("._")


def submissions_root(folder: Path) -> Path:
    """The folder that holds one entry per student: a course folder's submitted/, else `folder`."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InstructorError(f"no such folder: {folder}")
    inner = folder / "submitted"
    if inner.is_dir() and not inner.is_symlink() and any((folder / m).exists() for m in COURSE_MARKERS):
        return inner
    return folder


def _reason(error: OSError) -> str:
    """The system's message for a failed open or stat (os.strerror of its errno)."""
    return os.strerror(error.errno) if error.errno is not None else str(error)


def _open_regular(path: Path, limit: int) -> int:
    """A read-only descriptor of `path` if it is a regular file, not a link, of at most `limit` bytes."""
    name = path.name
    try:
        info = os.lstat(path)
    except OSError as error:
        raise Refused(f"{name} cannot be read ({_reason(error)})") from None
    if stat.S_ISLNK(info.st_mode):
        raise Refused(f"{name} is a symbolic link: not graded")
    if not stat.S_ISREG(info.st_mode):
        raise Refused(f"{name} is not a regular file (a folder, FIFO or device): not graded")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise Refused(f"{name} is a symbolic link: not graded") from None
        raise Refused(f"{name} cannot be read ({_reason(error)})") from None
    info = os.fstat(fd)   # what was opened, whatever the path says now
    if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
        os.close(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Refused(f"{name} is not a regular file (a folder, FIFO or device): not graded")
        raise Refused(f"{name} is larger than {limit // 1_000_000} MB: not graded")
    return fd


def read_regular(path: Path, limit: int = MAX_NOTEBOOK_BYTES) -> bytes:
    """The bytes of a regular file that is not a symbolic link, at most `limit` of them; Refused otherwise."""
    fd = _open_regular(path, limit)
    try:
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise Refused(f"{path.name} is larger than {limit // 1_000_000} MB: not graded")
    return data


def _walk(folder: Path, skip: Path | None):
    """(relative path, path) of every regular-looking entry under `folder`, links never followed."""
    skip_real = os.path.realpath(skip) if skip else None
    for top, dirs, files, _dirfd in os.fwalk(folder, follow_symlinks=False):
        dirs[:] = sorted(d for d in dirs if not _skipped(d)
                         and not (skip_real and os.path.realpath(os.path.join(top, d)) == skip_real))
        for name in sorted(files):
            if not _skipped(name):
                path = Path(top) / name
                yield path.relative_to(folder), path


def data_files(folder: Path | None, skip: Path | None = None) -> dict[str, bytes]:
    """The student's data files (never code or notebooks), regular files only, bounded in number and size."""
    files: dict[str, bytes] = {}
    if folder is None or not os.path.isdir(folder) or os.path.islink(folder):
        return files
    total = 0
    for relative, path in _walk(folder, skip):
        if path.suffix in IGNORED_SUFFIXES or len(files) >= MAX_DATA_FILES:
            continue
        try:
            data = read_regular(path, MAX_DATA_BYTES - total)
        except Refused:
            continue
        total += len(data)
        files[str(relative)] = data
    return files


class _ZipBudget:
    def __init__(self):
        self.left = MAX_CLASS_ZIP_BYTES


def _extract_zip(archive: Path, target: Path, budget: _ZipBudget) -> None:
    """Extract safely: no absolute paths, no '..', no links or special files, bounded sizes."""
    handle = os.fdopen(_open_regular(archive, 1 << 40), "rb")   # the archive itself: a regular file
    with handle, zipfile.ZipFile(handle) as zf:
        total = 0
        for info in zf.infolist():
            name = PurePosixPath(info.filename)
            kind = (info.external_attr >> 16) & 0o170000
            if info.is_dir() or name.is_absolute() or ".." in name.parts or kind not in (0, 0o100000):
                continue
            total += info.file_size
            if total > MAX_ZIP_BYTES or total > budget.left:
                raise ValueError(f"it holds more than {min(MAX_ZIP_BYTES, budget.left) // 1_000_000} MB "
                                 "once extracted")
            destination = target.joinpath(*name.parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            written = 0
            with zf.open(info) as source, open(destination, "wb") as sink:
                while chunk := source.read(1 << 20):
                    written += len(chunk)
                    if written > info.file_size:
                        raise ValueError("a member is larger than it says")
                    sink.write(chunk)
        budget.left -= total


def extract_safely(archive: Path, target: Path) -> None:
    """Extract a zip with this module's rules (for LMS downloads, `lms`); raises ValueError or BadZipFile."""
    _extract_zip(archive, target, _ZipBudget())


def read_regular_file(path: Path, limit: int = MAX_NOTEBOOK_BYTES) -> bytes:
    """A student's file, if it is a regular file (not a link) of at most `limit` bytes; else ValueError."""
    return read_regular(Path(path), limit)


def _notebooks_in(folder: Path, notebooks: list[str], skip: Path | None) -> tuple[dict[str, Path], list[str]]:
    """Release notebooks found in `folder` (shallowest wins), and other .ipynb names seen."""
    found: dict[str, Path] = {}
    others: list[str] = []
    wanted = set(notebooks)
    candidates = sorted(((rel, path) for rel, path in _walk(folder, skip) if path.suffix == ".ipynb"),
                        key=lambda item: (len(item[0].parts), str(item[0])))
    for _relative, path in candidates:
        if path.stem in wanted:
            found.setdefault(path.stem, path)
        else:
            others.append(path.name)
    return found, others


def _inside(path: Path, folder: Path) -> bool:
    try:
        return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(folder))
    except OSError:
        return False


def collect(submissions: Path, notebooks: list[str], work: Path, out: Path | None = None,
            warn=lambda text: print(text, file=sys.stderr)) -> list[Submission]:
    """One Submission per (student, notebook), students sorted; zips are extracted under `work`."""
    root = submissions_root(submissions)
    if out is not None and os.path.realpath(out) == os.path.realpath(root):
        raise InstructorError(f"--out {out} is SUBMISSIONS itself: give another folder for the results")
    students: dict[str, Path | Exception] = {}
    budget = _ZipBudget()
    unzipped = 0
    for entry in sorted(os.scandir(root), key=lambda e: os.fsencode(e.name)):
        path = Path(entry.path)
        if _skipped(entry.name):
            continue
        if out is not None and _inside(out, path) and os.path.realpath(out) == os.path.realpath(path):
            warn(f"note: {path} is the output folder (--out), inside SUBMISSIONS: not graded as a student")
            continue
        is_zip = entry.name.lower().endswith(".zip")
        name = student_id(entry.name[:-4] if is_zip and not entry.is_dir(follow_symlinks=False) else entry.name)
        if name in (".", "..", ""):
            warn(f"note: {student_id(entry.name)} in SUBMISSIONS is not a usable student id: not graded")
            continue
        if entry.is_symlink():
            if name not in students:
                students[name] = ValueError(f"{student_id(entry.name)} is a symbolic link: not graded")
            continue
        if entry.is_dir(follow_symlinks=False):
            students[name] = path
        elif is_zip and name not in students:
            unzipped += 1
            target = work / "unzipped" / str(unzipped)
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            try:
                _extract_zip(path, target, budget)
                students[name] = target
            except (zipfile.BadZipFile, ValueError, OSError, EOFError, Refused, NotImplementedError,
                    RuntimeError) as error:
                shutil.rmtree(target, ignore_errors=True)
                reason = str(error) if isinstance(error, (ValueError, Refused)) else type(error).__name__
                students[name] = ValueError(f"{student_id(entry.name)} is not a readable zip file ({reason})")
    if not students:
        raise InstructorError(f"no submissions found in {root} (expected one folder or .zip per student)")
    result = []
    for student, folder in sorted(students.items()):
        if isinstance(folder, Exception):
            result += [Submission(student, nb, None, None, None, "error", str(folder)) for nb in notebooks]
            continue
        skip = Path(out) if out is not None and _inside(out, folder) else None
        found, others = _notebooks_in(folder, notebooks, skip)
        for notebook in notebooks:
            found_path = found.get(notebook)
            if found_path is None:
                message = "not submitted"
                if others:
                    seen = ", ".join(sorted(set(map(student_id, others)))[:3])
                    message += f" (found {seen}, not a release file name)"
                result.append(Submission(student, notebook, None, folder, None, "missing", message, skip))
                continue
            try:
                data = read_regular(found_path)
            except Refused as refused:
                result.append(Submission(student, notebook, None, folder, None, "error", str(refused), skip))
                continue
            result.append(Submission(student, notebook, data, found_path.parent, found_path, skip=skip))
    if all(sub.problem == "missing" for sub in result):
        looked_for = ", ".join(n + ".ipynb" for n in notebooks[:3]) + (", ..." if len(notebooks) > 3 else "")
        raise InstructorError(f"no notebooks found in {root} (looked for {looked_for} "
                              "in each student's folder or zip)")
    return result
