"""The instructor's source notebooks (solutions/) and what they say about grading.

A source notebook gives the grader three things:
- its exercises: every graded test cell (`grade: true`, grade_id `check_NAME`) with its points and
  its full source, hidden tests included (the grader runs these, never the student's copy);
- its read-only cells (`locked: true`, not graded), restored from the source when a student edits
  or deletes them, as nbgrader's OverwriteCells does;
- the cell plan of a submission: which code the worker runs, in the student's order.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

_MAGIC = re.compile(r"^\s*[%!]", re.MULTILINE)
_HINT = re.compile(r"^\s*\*+Hint:?\*+:?.*(?:\n(?!\s*$).*)*", re.MULTILINE)   # a "*Hint:*" paragraph


@dataclass
class Exercise:
    name: str            # the exercise, e.g. "sigmoid"
    grade_id: str        # its test cell's grade_id, e.g. "check_sigmoid"
    points: float
    test_source: str     # the source notebook's test cell, hidden tests included


@dataclass
class WrittenAnswer:
    name: str            # the answer cell's grade_id, e.g. "answer_xor_proof"
    points: float


@dataclass
class SourceNotebook:
    name: str                                  # notebook id, e.g. "02_activation_functions"
    path: Path                                 # solutions/<assignment>/<name>.ipynb
    exercises: list[Exercise]
    locked_cells: dict[str, str]               # grade_id -> source of read-only, ungraded code cells
    test_ids: set[str]                         # grade_ids of graded test cells
    order: list[str]                           # grade_ids of the source's code cells, in order
    digest: str = ""                           # sha256 of the source file (part of the resume key)
    written: list[WrittenAnswer] = field(default_factory=list)  # markdown answers a TA grades by hand
    hints: dict[str, str] = field(default_factory=dict)         # exercise -> the "*Hint:*" lines of its text
    has_solutions: bool = True                 # False for a student release (no BEGIN SOLUTION, no hidden tests)

    @property
    def assignment(self) -> str:
        """The nbgrader assignment the notebook belongs to: the name of its folder."""
        return self.path.parent.name


def nbgrader_meta(cell) -> dict:
    return dict(cell.get("metadata", {}).get("nbgrader", {}) or {})


def load_source(path: Path) -> SourceNotebook:
    """Read an instructor notebook; raises ValueError naming the problem for a malformed one."""
    path = Path(path)
    raw = path.read_bytes()
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    except Exception as error:
        raise ValueError(f"{path}: not a readable notebook ({error})") from None
    exercises, locked, test_ids, order = [], {}, set(), []
    written, hints, pending_hints = [], {}, []
    has_solutions = False
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        grade_id = meta.get("grade_id")
        if "### BEGIN SOLUTION" in cell.source or "### BEGIN HIDDEN TESTS" in cell.source:
            has_solutions = True
        if cell.cell_type == "markdown":
            if meta.get("grade") and meta.get("solution") and grade_id:
                written.append(WrittenAnswer(grade_id, float(meta.get("points", 0) or 0)))
            else:
                pending_hints += [line.strip() for line in _HINT.findall(cell.source)]
            continue
        if meta.get("solution") and grade_id:
            if pending_hints:
                hints[grade_id] = "\n".join(pending_hints)
            pending_hints = []
        if cell.cell_type != "code" or not grade_id:
            continue
        order.append(grade_id)
        if meta.get("grade") and not meta.get("solution"):
            name = grade_id[len("check_"):] if grade_id.startswith("check_") else grade_id
            exercises.append(Exercise(name, grade_id, float(meta.get("points", 0) or 0), cell.source))
            test_ids.add(grade_id)
        elif meta.get("locked") and not meta.get("solution"):
            locked[grade_id] = cell.source
    if not exercises:
        raise ValueError(f"{path}: no graded test cells (grade: true) in this notebook")
    return SourceNotebook(path.stem, path, exercises, locked, test_ids, order,
                          hashlib.sha256(raw).hexdigest(), written, hints, has_solutions)


def find_sources(folder: Path) -> dict[str, SourceNotebook]:
    """notebook id -> SourceNotebook for every <folder>/<assignment>/*.ipynb (sorted by name).

    `folder` is laid out as nbgrader's source folder: one folder per assignment. Notebook ids must be
    unique across assignments (they name the notebook in scores.csv and the feedback).
    """
    folder = Path(folder)
    loose = sorted(p.name for p in folder.glob("*.ipynb"))
    if loose:
        raise ValueError(f"{folder} holds notebooks outside an assignment folder ({', '.join(loose[:3])}): "
                         "nbgrader's layout is <source>/<assignment>/<notebook>.ipynb")
    sources: dict[str, SourceNotebook] = {}
    for path in sorted(folder.glob("*/*.ipynb")):
        if path.stem in sources:
            raise ValueError(f"two assignments hold a notebook named {path.name}: "
                             f"{sources[path.stem].path.parent.name} and {path.parent.name}")
        sources[path.stem] = load_source(path)
    return dict(sorted(sources.items()))


def answer_sources(submitted) -> dict[str, str]:
    """grade_id -> source of every answer cell (`solution: true`) of a submitted notebook (the first of
    duplicates): the student's own code for an exercise, or their text for a written answer."""
    answers: dict[str, str] = {}
    for cell in submitted.get("cells", []):
        meta = nbgrader_meta(cell)
        if meta.get("solution") and meta.get("grade_id"):
            text = cell.get("source", "")
            answers.setdefault(str(meta["grade_id"]), "".join(text) if isinstance(text, list) else str(text))
    return answers


@dataclass
class CellPlan:
    # (label, code, grade_id): label is the cell's number in the student's notebook (1-based, as
    # students count), or "restored <grade_id>" for a read-only cell put back from the source
    cells: list[tuple[int | str, str, str | None]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)       # what was restored or ignored, for feedback
    changed_tests: set[str] = field(default_factory=set)  # exercises whose test cell the student changed


def plan_cells(source: SourceNotebook, submitted) -> CellPlan:
    """The code the worker runs for a submitted notebook (an nbformat NotebookNode).

    Student order; graded test cells are left out (the grader runs the source's); read-only cells
    are taken from the source and re-inserted where the student deleted them; IPython magics and
    shell escapes are turned into plain Python (`get_ipython()` calls, which the worker ignores).
    """
    plan = CellPlan()
    tests_by_id = {e.grade_id: e for e in source.exercises}
    seen_tests: dict[str, int] = {}
    present: set[str] = set()
    for number, cell in enumerate(submitted.cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        meta = nbgrader_meta(cell)
        grade_id = meta.get("grade_id")
        text = cell.get("source", "")
        if isinstance(text, list):
            text = "".join(text)
        if grade_id in tests_by_id:
            seen_tests[grade_id] = seen_tests.get(grade_id, 0) + 1
            visible = tests_by_id[grade_id].test_source.split("### BEGIN HIDDEN TESTS")[0]
            if text.strip() not in (visible.strip(), tests_by_id[grade_id].test_source.strip()):
                plan.changed_tests.add(tests_by_id[grade_id].name)
            continue
        if grade_id in source.locked_cells:
            if grade_id in present:
                continue  # a duplicated read-only cell runs once
            if text != source.locked_cells[grade_id]:
                plan.notes.append(f"read-only cell {grade_id!r} was edited; the original was used")
            text = source.locked_cells[grade_id]
        if grade_id:
            present.add(grade_id)
        plan.cells.append((number, text, grade_id))
    for grade_id, count in seen_tests.items():
        if count > 1:
            plan.changed_tests.add(tests_by_id[grade_id].name)
    for exercise in source.exercises:
        if exercise.grade_id not in seen_tests:
            plan.changed_tests.add(exercise.name)
    _restore_missing_locked(source, plan, present)
    plan.cells = [(label, to_python(code), gid) for label, code, gid in plan.cells]
    return plan


def _restore_missing_locked(source: SourceNotebook, plan: CellPlan, present: set[str]) -> None:
    """Insert deleted read-only cells after the nearest earlier source cell that is present."""
    for position, grade_id in enumerate(source.order):
        if grade_id not in source.locked_cells or grade_id in present:
            continue
        insert_at = 0
        for earlier in reversed(source.order[:position]):
            indices = [i for i, (_, _, gid) in enumerate(plan.cells) if gid == earlier]
            if indices:
                insert_at = indices[-1] + 1
                break
        plan.cells.insert(insert_at, (f"restored {grade_id}", source.locked_cells[grade_id], grade_id))
        present.add(grade_id)
        plan.notes.append(f"read-only cell {grade_id!r} was missing; the original was inserted")


def to_python(code: str) -> str:
    """Turn IPython syntax (%magic, !shell) into Python that calls get_ipython() (ignored by the worker)."""
    if not _MAGIC.search(code):
        return code
    from IPython.core.inputtransformer2 import TransformerManager
    try:
        return TransformerManager().transform_cell(code)
    except Exception:
        return code
