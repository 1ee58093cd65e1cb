"""Recording grades in nbgrader's own gradebook, so that `nbgrader export` and formgrader see them.

The gradebook is any SQLAlchemy URL nbgrader accepts: `sqlite:///OUT/gradebook.db` by default,
`postgresql+psycopg://user@host:5432/course` for a class graded on several machines at once.
The structure mirrors nbgrader_config.py: one assignment per folder of solutions/ (the
assignment id is the folder's name), its notebooks, and their grade cells (the graded test cells
`check_NAME`, with their points). Each grader writes only its own students' rows; creating the shared
structure is retried when another grader created it at the same moment.
"""
from __future__ import annotations

import os
import random
import shutil
import sys
import time
import warnings

from .records import Record
from .source import SourceNotebook


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


def ensure_structure(gb, sources: dict[str, SourceNotebook]) -> None:
    """The assignments, their notebooks and their grade cells (points from the source notebooks)."""
    def create():
        try:
            for name, source in sources.items():
                gb.update_or_create_assignment(source.assignment)
                gb.update_or_create_notebook(name, source.assignment)
                for exercise in source.exercises:
                    gb.update_or_create_grade_cell(exercise.grade_id, name, source.assignment,
                                                   max_score=exercise.points, cell_type="code")
        except Exception:
            gb.db.rollback()
            raise
    _retry(create)


def record(db_url: str, sources: dict[str, SourceNotebook], records: list[Record]) -> int:
    """Write every result of `records` as an autograded score; returns the number of grades written."""
    grade_ids = {name: {e.name: e.grade_id for e in s.exercises} for name, s in sources.items()}
    gb = open_gradebook(db_url)
    try:
        with warnings.catch_warnings():
            # nbgrader's add_submission triggers SQLAlchemy autoflush notices that say nothing wrong
            warnings.simplefilter("ignore")
            written = _record(gb, sources, records, grade_ids)
    finally:
        gb.close()
    return written


def _record(gb, sources, records, grade_ids) -> int:
    from nbgrader.api import MissingEntry
    ensure_structure(gb, sources)
    for student, assignment in sorted({(r.student_id, sources[r.notebook].assignment) for r in records
                                       if r.notebook in sources}):
        def add(student=student, assignment=assignment):
            try:
                gb.update_or_create_student(student)
                try:
                    gb.find_submission(assignment, student)
                except MissingEntry:
                    gb.add_submission(assignment, student)
            except Exception:
                gb.db.rollback()
                raise
        _retry(add)
    written = 0
    for record in records:
        if record.notebook not in sources:
            continue
        assignment = sources[record.notebook].assignment
        for result in record.results:
            grade_id = grade_ids.get(record.notebook, {}).get(result.exercise)
            if grade_id is None:
                continue
            try:
                grade = gb.find_grade(grade_id, record.notebook, assignment, record.student_id)
            except MissingEntry:
                continue  # a submission created before this notebook existed
            grade.auto_score = result.score
            written += 1
    _retry(gb.db.commit)
    return written


def read_scores(db_url: str) -> list[dict]:
    """(student, assignment, notebook, grade cell, score, max score) rows as the gradebook holds them."""
    gb = open_gradebook(db_url)
    try:
        rows = []
        for assignment in gb.assignments:
            for submission in gb.assignment_submissions(assignment.name):
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        rows.append({"student_id": submission.student.id, "assignment": assignment.name,
                                     "notebook": notebook.name, "grade_id": grade.name,
                                     "score": grade.score, "max_score": grade.max_score})
        return rows
    finally:
        gb.close()
