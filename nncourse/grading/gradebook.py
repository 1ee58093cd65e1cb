"""Recording grades in nbgrader's own gradebook, as nbgrader would, so that formgrader, `nbgrader
export` and `nbgrader generate_feedback` see them; and reading them back (a TA's hand grading
included).

The gradebook is any SQLAlchemy URL nbgrader accepts: `sqlite:///OUT/gradebook.db` by default,
`postgresql+psycopg://user@host:5432/course` for a class graded on several machines at once.

- `ensure_structure`: one nbgrader assignment per folder of solutions/ with its notebook; the
  notebook's cells are saved by nbgrader's own SaveCells after the release preprocessors
  (exactly what `nbgrader generate_assignment` with a database records: grade cells with their
  points and type, solution cells, read-only source cells with their checksums).
- `record`: per graded (student, notebook) with a submitted file: the student, the submission and
  its time, `auto_score` of every test cell, the written answers left for a TA
  (`needs_manual_grade`), a comment per answer cell ("<status>: <message>", shown beside the
  student's code in formgrader), and the late penalty. A TA's `manual_score` is never overwritten.
- `read`: everything exports need, in plain Python.

Each grader writes only its own students' rows; database conflicts (another grader at the same
moment) are retried.
"""
from __future__ import annotations

import contextlib
import copy
import os
import random
import shutil
import sys
import time
import warnings
from dataclasses import dataclass, field

from .late import LatePolicy, parse_time
from .records import Record, Status
from .source import SourceNotebook

NO_RESPONSE = "No response."     # nbgrader's comment for an answer cell left as released


def _ensure_alembic_on_path() -> None:
    """nbgrader runs the `alembic` executable from PATH when it creates a gradebook."""
    bin_dir = os.path.dirname(sys.executable)
    if shutil.which("alembic") is None and os.path.exists(os.path.join(bin_dir, "alembic")):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def _retry(action, attempts: int = 8):
    """Run `action`; on a database conflict (another grader got there first) roll back and retry."""
    from nbgrader.api import InvalidEntry
    from sqlalchemy.exc import DBAPIError, IntegrityError
    for attempt in range(attempts):
        try:
            return action()
        except (InvalidEntry, IntegrityError, DBAPIError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 + random.random() * 0.2 * (attempt + 1))


def open_gradebook(db_url: str):
    """nbgrader's Gradebook; creating the tables is retried (two graders may start together)."""
    from nbgrader.api import Gradebook
    _ensure_alembic_on_path()
    return _retry(lambda: Gradebook(db_url), attempts=3)


@contextlib.contextmanager
def _quiet():
    """nbgrader's add_submission triggers SQLAlchemy autoflush notices that say nothing wrong."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


# ---- structure ------------------------------------------------------------------------------------

class StructureChanged(Exception):
    """The source notebook's graded cells differ from the gradebook's, which already has submissions."""


def _save_cells_in_place():
    """nbgrader's SaveCells, except that a notebook already recorded with the same cells is updated
    in place. SaveCells removes a notebook without submissions and adds it again; another grader
    sharing the gradebook may be adding a submission of it at that moment, which then has no
    notebook (or is removed with it)."""
    from nbgrader.api import MissingEntry
    from nbgrader.preprocessors import SaveCells

    class SaveCellsInPlace(SaveCells):
        def _create_notebook(self, nb) -> None:
            try:
                notebook = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
            except MissingEntry:
                return super()._create_notebook(nb)
            kinds = {"grade": self.new_grade_cells, "solution": self.new_solution_cells,
                     "task": self.new_task_cells, "source": self.new_source_cells}
            recorded = {kind: {cell.name for cell in getattr(notebook, f"{kind}_cells")} for kind in kinds}
            if any(recorded[kind] != set(cells) for kind, cells in kinds.items()):
                return super()._create_notebook(nb)    # cells added or removed: nbgrader's own rules
            for kind, cells in kinds.items():
                update = getattr(self.gradebook, f"update_or_create_{kind}_cell")
                for name, info in cells.items():
                    update(name, self.notebook_id, self.assignment_id, **info)

    return SaveCellsInPlace


def ensure_structure(db_url: str, sources: dict[str, SourceNotebook], config=None) -> None:
    """The assignments, their notebooks and cells, recorded as `nbgrader generate_assignment` does."""
    import nbformat
    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearOutput,
        ClearSolutions,
        ComputeChecksums,
        LockCells,
    )
    from traitlets.config import Config
    save_cells = _save_cells_in_place()
    config = copy.deepcopy(config) if config is not None else Config()
    gb = open_gradebook(db_url)
    try:
        for source in sources.values():
            def create(source=source):
                try:
                    gb.update_or_create_assignment(source.assignment)
                except Exception:
                    gb.db.rollback()
                    raise
            _retry(create)
    finally:
        gb.close()
    for name, source in sources.items():
        nb = nbformat.read(source.path, as_version=4)
        resources = {"nbgrader": {"notebook": name, "assignment": source.assignment, "db_url": db_url}}

        def save(nb=nb, resources=resources):
            work = copy.deepcopy(nb)
            for step in (LockCells, ClearSolutions, ClearOutput, CheckCellMetadata, ComputeChecksums):
                work, _ = step(config=config).preprocess(work, copy.deepcopy(resources))
            with _quiet():
                save_cells(config=config).preprocess(work, copy.deepcopy(resources))
        try:
            _retry(save)
        except RuntimeError as error:
            if "Cannot add or remove cells" in str(error):
                raise StructureChanged(
                    f"{name}: the graded or answer cells of {source.path} differ from those of the notebooks "
                    "already graded in this gradebook; grade into a new --out (or --db), or restore the cells"
                ) from None
            raise


# ---- writing grades -------------------------------------------------------------------------------

def comment_text(status: Status, message: str) -> str:
    """The auto_comment of an answer cell: the status, then the message (read back by `read`)."""
    return f"{status}: {message}" if message else str(status)


def parse_comment(text: str | None) -> tuple[Status | None, str]:
    if not text:
        return None, ""
    if text.strip() == NO_RESPONSE:
        return Status.NOT_ATTEMPTED, "no answer written"
    for status in sorted(Status, key=lambda s: -len(s.value)):
        if text == status.value or text.startswith(status.value + ": "):
            return status, text[len(status.value) + 2:]
    return None, text


def record(db_url: str, sources: dict[str, SourceNotebook], records: list[Record],
           policy: LatePolicy | None = None) -> int:
    """Write the results of every record that has a submitted file; returns the grades written."""
    gb = open_gradebook(db_url)
    try:
        with _quiet():
            return _record(gb, sources, records, policy or LatePolicy())
    finally:
        gb.close()


def _grade_name(sources: dict[str, SourceNotebook], notebook: str, exercise: str) -> str:
    """The grade cell of an exercise (its test cell), or of a written answer (the answer cell itself)."""
    for e in sources[notebook].exercises:
        if e.name == exercise:
            return e.grade_id
    return exercise


def _record(gb, sources, records, policy: LatePolicy) -> int:
    from nbgrader.api import MissingEntry
    written = 0
    for rec in records:
        if rec.notebook not in sources or not rec.submitted or rec.retry:
            continue
        source = sources[rec.notebook]
        answer_cells = {answer.name for answer in source.written}
        timestamp = parse_time(rec.timestamp)

        def add(rec=rec, source=source, timestamp=timestamp):
            try:
                try:
                    gb.find_student(rec.student_id)
                except MissingEntry:
                    gb.update_or_create_student(rec.student_id)
                try:
                    submission = gb.find_submission(source.assignment, rec.student_id)
                    submission.timestamp = timestamp
                except MissingEntry:
                    gb.add_submission(source.assignment, rec.student_id, timestamp=timestamp)
                gb.db.commit()
            except Exception:
                gb.db.rollback()
                raise
        _retry(add)
        notebook = gb.find_submission_notebook(rec.notebook, source.assignment, rec.student_id)
        grades = {grade.name: grade for grade in notebook.grades}
        comments = {comment.name: comment for comment in notebook.comments}
        for result in rec.results:
            name = _grade_name(sources, rec.notebook, result.exercise)
            grade = grades.get(name)
            if grade is not None:
                if result.status == Status.MANUAL:
                    grade.auto_score = None
                    grade.needs_manual_grade = grade.manual_score is None
                else:
                    grade.auto_score = result.score
                    grade.needs_manual_grade = False
                written += 1
            answer = result.exercise if result.exercise in comments else None
            if answer is not None:
                if result.status == Status.NOT_ATTEMPTED and result.exercise in answer_cells:
                    comments[answer].auto_comment = NO_RESPONSE
                else:
                    comments[answer].auto_comment = comment_text(result.status, result.message)
        gb.db.flush()
        late = notebook.assignment.total_seconds_late
        penalty = policy.penalty(float(notebook.score or 0.0), late) if late > 0 else 0.0
        notebook.late_submission_penalty = penalty or None
        _retry(gb.db.commit)
    return written


# ---- students and due dates -----------------------------------------------------------------------

def import_students(db_url: str, students) -> int:
    """Create or update every student (objects with id, first_name, last_name, email, lms_user_id)."""
    gb = open_gradebook(db_url)
    try:
        for student in students:
            def update(student=student):
                try:
                    gb.update_or_create_student(student.id, first_name=student.first_name or None,
                                                last_name=student.last_name or None, email=student.email or None,
                                                lms_user_id=student.lms_user_id or None)
                except Exception:
                    gb.db.rollback()
                    raise
            _retry(update)
        return len(students)
    finally:
        gb.close()


def set_duedate(db_url: str, assignment: str, duedate: str | None) -> str | None:
    """Set (or clear, with None) an assignment's due date; returns it as stored (UTC)."""
    gb = open_gradebook(db_url)
    try:
        stored = gb.update_or_create_assignment(assignment, duedate=parse_time(duedate) if duedate else None)
        return stored.duedate.isoformat(sep=" ") if stored.duedate else None
    finally:
        gb.close()


# ---- reading back ---------------------------------------------------------------------------------

@dataclass
class GradeRow:
    max_score: float
    auto_score: float | None
    manual_score: float | None
    needs_manual_grade: bool
    cell_type: str


@dataclass
class NotebookRow:
    student_id: str
    assignment: str
    notebook: str
    timestamp: str | None
    duedate: str | None                # the student's (extensions included), UTC
    seconds_late: float
    grades: dict[str, GradeRow] = field(default_factory=dict)
    comments: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)  # auto, manual


@dataclass
class GradebookView:
    students: dict[str, dict] = field(default_factory=dict)
    duedates: dict[str, str | None] = field(default_factory=dict)          # assignment -> UTC
    maxima: dict[str, dict[str, GradeRow]] = field(default_factory=dict)   # notebook -> grade cell -> row
    assignment_of: dict[str, str] = field(default_factory=dict)            # notebook -> assignment
    notebooks: dict[tuple[str, str], NotebookRow] = field(default_factory=dict)  # (student, notebook)


def _text(moment) -> str | None:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f UTC") if moment is not None else None


def read(db_url: str) -> GradebookView:
    gb = open_gradebook(db_url)
    view = GradebookView()
    try:
        for student in gb.students:
            view.students[student.id] = {"first_name": student.first_name or "", "last_name": student.last_name or "",
                                         "email": student.email or "", "lms_user_id": student.lms_user_id or ""}
        for assignment in gb.assignments:
            view.duedates[assignment.name] = _text(assignment.duedate)
            for notebook in assignment.notebooks:
                view.assignment_of[notebook.name] = assignment.name
                view.maxima[notebook.name] = {cell.name: GradeRow(float(cell.max_score or 0.0), None, None, False,
                                                                  cell.cell_type) for cell in notebook.grade_cells}
            for submission in gb.assignment_submissions(assignment.name):
                for notebook in submission.notebooks:
                    row = NotebookRow(submission.student.id, assignment.name, notebook.name,
                                      _text(submission.timestamp), _text(submission.duedate),
                                      float(submission.total_seconds_late or 0.0))
                    for grade in notebook.grades:
                        row.grades[grade.name] = GradeRow(float(grade.max_score or 0.0), grade.auto_score,
                                                          grade.manual_score, bool(grade.needs_manual_grade),
                                                          grade.cell.cell_type)
                    for comment in notebook.comments:
                        row.comments[comment.name] = (comment.auto_comment, comment.manual_comment)
                    view.notebooks[(row.student_id, row.notebook)] = row
        return view
    finally:
        gb.close()


def read_scores(db_url: str) -> list[dict]:
    """(student, assignment, notebook, grade cell, score, max score) rows as the gradebook holds them."""
    rows = []
    for (student, notebook), row in sorted(read(db_url).notebooks.items()):
        for name, grade in row.grades.items():
            score = grade.manual_score if grade.manual_score is not None else (grade.auto_score or 0.0)
            rows.append({"student_id": student, "assignment": row.assignment, "notebook": notebook,
                         "grade_id": name, "score": score, "max_score": grade.max_score})
    return rows
