"""Finding each student's notebooks in SUBMISSIONS.

Accepted layouts (detected per entry, so they may be mixed):

    SUBMISSIONS/<student_id>/<notebook>.ipynb                 one folder per student
    SUBMISSIONS/<student_id>.zip                              one zip per student, same content
    SUBMISSIONS/<student_id>/<assignment>/<notebook>.ipynb    nbgrader's submitted/ layout
    COURSE/submitted/...                                      a course folder: its submitted/ is used

Inside a student's folder or zip, a notebook is found at any depth by its release file name;
checkpoints and macOS metadata are skipped. A notebook that is absent is `missing`; a zip that
cannot be read gives every notebook of that student `error` with the reason.
"""
from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MAX_NOTEBOOK_BYTES = 20_000_000      # a larger "notebook" is refused (error), not read
MAX_ZIP_BYTES = 100_000_000          # total uncompressed size extracted from one zip
SKIPPED_PARTS = (".ipynb_checkpoints", "__MACOSX", "__pycache__")


class InstructorError(Exception):
    """A mistake in the command line or the course (no such folder, no notebooks): exit non-zero."""


@dataclass
class Submission:
    student_id: str
    notebook: str
    path: Path | None            # the notebook file, None when missing or unreadable
    folder: Path | None          # the student's folder (data files next to the notebook)
    problem: str | None = None   # "missing" or "error"
    message: str = ""


def _skipped(relative: Path) -> bool:
    return any(part in SKIPPED_PARTS or part.startswith("._") for part in relative.parts)


def submissions_root(folder: Path) -> Path:
    """The folder that holds one entry per student (a course folder's submitted/ if there is one)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InstructorError(f"no such folder: {folder}")
    inner = folder / "submitted"
    if inner.is_dir() and not any(folder.glob("*.zip")):
        return inner
    return folder


def _extract_zip(archive: Path, target: Path) -> None:
    """Extract safely: no absolute paths, no '..', no links, bounded size."""
    with zipfile.ZipFile(archive) as zf:
        total = 0
        for info in zf.infolist():
            name = PurePosixPath(info.filename)
            if info.is_dir() or name.is_absolute() or ".." in name.parts:
                continue
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                continue  # a symbolic link
            total += info.file_size
            if total > MAX_ZIP_BYTES:
                raise ValueError(f"the zip holds more than {MAX_ZIP_BYTES // 1_000_000} MB")
            destination = target.joinpath(*name.parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as source, open(destination, "wb") as sink:
                shutil.copyfileobj(source, sink)


def extract_safely(archive: Path, target: Path) -> None:
    """Extract a zip with this module's rules (for LMS downloads, `lms`); raises ValueError or BadZipFile."""
    _extract_zip(archive, target)


def read_regular_file(path: Path, limit: int = MAX_NOTEBOOK_BYTES) -> bytes:
    """A student's file, if it is a regular file (not a link) of at most `limit` bytes; else ValueError."""
    import os
    import stat
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise ValueError(f"{Path(path).name} cannot be read ({error.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{Path(path).name} is not a regular file")
        if info.st_size > limit:
            raise ValueError(f"{Path(path).name} is larger than {limit // 1_000_000} MB")
        return handle.read(limit + 1)[:limit]


def _notebooks_in(folder: Path, notebooks: list[str]) -> tuple[dict[str, Path], list[str]]:
    """Release notebooks found in `folder` (shallowest wins), and other .ipynb names seen."""
    found: dict[str, Path] = {}
    others: list[str] = []
    wanted = set(notebooks)
    candidates = sorted((p for p in folder.rglob("*.ipynb") if not _skipped(p.relative_to(folder))),
                        key=lambda p: (len(p.relative_to(folder).parts), str(p)))
    for path in candidates:
        if path.stem in wanted:
            found.setdefault(path.stem, path)
        else:
            others.append(path.name)
    return found, others


def collect(submissions: Path, notebooks: list[str], work: Path) -> list[Submission]:
    """One Submission per (student, notebook), students sorted; zips are extracted under `work`."""
    root = submissions_root(submissions)
    students: dict[str, Path | Exception] = {}
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            students[entry.name] = entry
        elif entry.suffix.lower() == ".zip" and entry.stem not in students:
            target = work / "unzipped" / entry.stem
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            try:
                _extract_zip(entry, target)
                students[entry.stem] = target
            except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
                students[entry.stem] = ValueError(f"{entry.name} is not a readable zip file ({error})")
    if not students:
        raise InstructorError(f"no submissions found in {root} (expected one folder or .zip per student)")
    result = []
    for student_id, folder in students.items():
        if isinstance(folder, Exception):
            result += [Submission(student_id, nb, None, None, "error", str(folder)) for nb in notebooks]
            continue
        found, others = _notebooks_in(folder, notebooks)
        for notebook in notebooks:
            path = found.get(notebook)
            if path is None:
                message = "not submitted"
                if others:
                    message += f" (found {', '.join(sorted(set(others))[:3])}, not a release file name)"
                result.append(Submission(student_id, notebook, None, folder, "missing", message))
            elif path.stat().st_size > MAX_NOTEBOOK_BYTES:
                result.append(Submission(student_id, notebook, None, folder, "error",
                                         f"{path.name} is larger than {MAX_NOTEBOOK_BYTES // 1_000_000} MB"))
            else:
                result.append(Submission(student_id, notebook, path, path.parent))
    if all(sub.problem == "missing" for sub in result):
        looked_for = ", ".join(n + ".ipynb" for n in notebooks[:3]) + (", ..." if len(notebooks) > 3 else "")
        raise InstructorError(f"no notebooks found in {root} (looked for {looked_for} "
                              "in each student's folder or zip)")
    return result
