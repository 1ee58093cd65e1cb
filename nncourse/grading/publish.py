"""After grading: OUT as an nbgrader course folder, the gradebook, the exports and the feedback.

`publish` runs at the end of `nncourse autograde`; `rebuild` is `nncourse export` and `nncourse
feedback` (no grading: the stored results, the gradebook and the roster only).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .coursefolder import CourseFolder, atomic_write, mirror_submission
from .late import LatePolicy, parse_time, utc_text
from .records import Record
from .source import SourceNotebook
from .term import Term, load_term

MAX_TIMESTAMP_BYTES = 200


@dataclass
class Published:
    term: Term
    notes: list[str]
    feedback_pages: int


def _read_timestamp(path: Path) -> str | None:
    """nbgrader's timestamp.txt, if it is a small regular file that parses."""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_TIMESTAMP_BYTES:
            return None
        return utc_text(parse_time(path.read_text(encoding="utf-8", errors="replace")))
    except (OSError, ValueError, OverflowError):
        return None


def submission_time(path: Path | None, folder: Path | None, root: Path | None = None,
                    work: Path | None = None) -> str | None:
    """When a notebook was submitted: nbgrader's timestamp.txt beside it or in the student's folder, else
    the modification time of the student's zip (for a notebook extracted from one), else of the file."""
    if path is None:
        return None
    for candidate in (path.parent / "timestamp.txt", folder / "timestamp.txt" if folder else None):
        if candidate is not None:
            found = _read_timestamp(candidate)
            if found:
                return found
    source = path
    if work is not None and root is not None:
        try:
            student = path.resolve().relative_to((work / "unzipped").resolve()).parts[0]
            if (root / f"{student}.zip").is_file():
                source = root / f"{student}.zip"
        except (ValueError, IndexError):
            pass
    try:
        return utc_text(datetime.fromtimestamp(source.stat().st_mtime, timezone.utc))
    except OSError:
        return None


def write_autograded(folder: CourseFolder, source: SourceNotebook, record: Record, notebook_path: Path,
                     refresh: bool) -> None:
    """OUT/autograded/<student>/<assignment>/<notebook>.ipynb for formgrader."""
    import nbformat

    from .manual import autograded_notebook
    target = folder.autograded(record.student_id, source.assignment) / f"{record.notebook}.ipynb"
    if target.exists() and not refresh:
        return
    from .collect import read_regular
    try:
        submitted = nbformat.reads(read_regular(notebook_path).decode("utf-8"), as_version=4)
    except Exception:
        return
    nb = autograded_notebook(source, submitted, record)
    atomic_write(target, (nbformat.writes(nb) + "\n").encode("utf-8"))


def publish(folder: CourseFolder, sources: dict[str, SourceNotebook], selected: dict[str, SourceNotebook],
            run: list[tuple[Record, Path | None, bool]], policy: LatePolicy, missing: str) -> Published:
    """run: (record, submitted notebook file or None, graded now) for every pair of this run."""
    from . import feedback, gradebook, report
    for record, path, now in run:
        if path is None or record.retry or record.notebook not in selected:
            continue
        source = selected[record.notebook]
        mirror_submission(folder, record.student_id, source.assignment, path, record.timestamp)
        write_autograded(folder, source, record, path, refresh=now)
    gradebook.record(folder.db_url, selected, [record for record, _, _ in run], policy)
    term = load_term(folder.out, folder.db_url, sources, policy)
    notes = report.write_exports(folder.out, term, missing)
    pages = feedback.write_feedback(folder.out, term, sources)
    return Published(term, notes, pages)


def rebuild(out: Path, db_url: str, sources: dict[str, SourceNotebook], policy: LatePolicy, missing: str,
            exports: bool = True, pages: bool = True) -> Published:
    from . import feedback, report
    term = load_term(out, db_url, sources, policy)
    notes = report.write_exports(out, term, missing) if exports else []
    count = feedback.write_feedback(out, term, sources) if pages else 0
    return Published(term, notes, count)
