"""The instructor's source notebooks (solutions/) and what they say about grading.

A source notebook gives the grader three things:
- its exercises: every graded test cell (`grade: true`, grade_id `check_NAME`) with its points and
  its full source, hidden tests included (the grader runs these, never the student's copy);
- its read-only cells (`locked: true`, not graded), restored from the source when a student edits
  or deletes them, as nbgrader's OverwriteCells does;
- the cell plan of a submission: which code the worker runs, in the student's order, and whose
  each cell is (the notebook's own read-only and demonstration cells, or the student's).
"""
from __future__ import annotations

import builtins
import hashlib
import re
import symtable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

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
    demo_sources: set[str] = field(default_factory=set)  # code of the notebook's other cells (demos), stripped
    solution_ids: set[str] = field(default_factory=set)  # grade_ids of the solution cells (one per exercise)
    written: list[WrittenAnswer] = field(default_factory=list)  # markdown answers a TA grades by hand
    hints: dict[str, str] = field(default_factory=dict)         # exercise -> the "*Hint:*" lines of its text
    has_solutions: bool = True                 # False for a student release (no BEGIN SOLUTION, no hidden tests)

    @property
    def assignment(self) -> str:
        """The nbgrader assignment the notebook belongs to: the name of its folder."""
        return self.path.parent.name


def nbgrader_meta(cell) -> dict:
    """A cell's nbgrader metadata as a dict; {} for anything malformed (a string, a list, ...)."""
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    meta = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return dict(meta) if isinstance(meta, dict) else {}


def grade_id_of(cell) -> str | None:
    """The cell's grade_id when it is a non-empty string, else None (a list, a number: ignored)."""
    grade_id = nbgrader_meta(cell).get("grade_id")
    return grade_id if isinstance(grade_id, str) and grade_id else None


def load_source(path: Path) -> SourceNotebook:
    """Read an instructor notebook; raises ValueError naming the problem for a malformed one."""
    path = Path(path)
    raw = path.read_bytes()
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    except Exception as error:
        raise ValueError(f"{path}: not a readable notebook ({error})") from None
    exercises, locked, test_ids, order, demos, solutions = [], {}, set(), [], set(), set()
    written, hints, pending_hints = [], {}, []
    has_solutions = False
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        grade_id = grade_id_of(cell)
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
        if cell.cell_type != "code":
            continue
        if not grade_id:
            demos.add(cell.source.strip())
            continue
        order.append(grade_id)
        if meta.get("solution"):
            solutions.add(grade_id)
        elif not meta.get("grade") and not meta.get("locked"):
            demos.add(cell.source.strip())
        if meta.get("grade") and not meta.get("solution"):
            name = grade_id[len("check_"):] if grade_id.startswith("check_") else grade_id
            exercises.append(Exercise(name, grade_id, float(meta.get("points", 0) or 0), cell.source))
            test_ids.add(grade_id)
        elif meta.get("locked") and not meta.get("solution"):
            locked[grade_id] = cell.source
    if not exercises:
        raise ValueError(f"{path}: no graded test cells (grade: true) in this notebook")
    return SourceNotebook(path.stem, path, exercises, locked, test_ids, order,
                          hashlib.sha256(raw).hexdigest(), demos, solutions, written, hints, has_solutions)


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
    cells = submitted.get("cells") if isinstance(submitted, dict) else None
    for cell in cells if isinstance(cells, list) else []:
        grade_id = grade_id_of(cell)
        if grade_id and nbgrader_meta(cell).get("solution"):
            try:
                answers.setdefault(grade_id, _text(cell.get("source", "")))
            except ValueError:
                continue
    return answers


class PlannedCell(NamedTuple):
    label: int | str        # the cell's position in the student's notebook (1-based, all cells counted, as
                            # they appear in JupyterLab), or "restored <grade_id>" for a read-only cell put back
    code: str
    grade_id: str | None
    kind: str               # "setup" (read-only), "solution", "demo" (the notebook's own, unchanged), "added"
    first_line: str         # the cell's first non-empty line, as the student sees it

    @property
    def students(self) -> bool:
        """True for the student's own code: solution cells and cells they added or changed."""
        return self.kind in ("solution", "added")


@dataclass
class CellPlan:
    cells: list[PlannedCell] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)       # what was restored or ignored, for feedback
    changed_tests: set[str] = field(default_factory=set)  # exercises whose test cell the student changed

    def to_run(self) -> list[PlannedCell]:
        """The cells grading runs: the student's, the read-only ones, and only those demonstration cells
        whose names a student's cell uses (the rest only show things; grading needs none of it)."""
        setup_names = set().union(*(_names(c.code)[0] for c in self.cells if c.kind == "setup"))
        ignored = set(dir(builtins)) | setup_names
        wanted = set().union(*(_names(c.code)[1] for c in self.cells if c.students)) - ignored
        demos = [c for c in self.cells if c.kind == "demo"]
        needed: set[int] = set()
        changed = True
        while changed:
            changed = False
            for index, cell in enumerate(demos):
                assigned, loaded = _names(cell.code)
                if index not in needed and assigned & wanted:
                    needed.add(index)
                    wanted |= loaded - ignored
                    changed = True
        keep = {id(demos[i]) for i in needed}
        return [c for c in self.cells if c.kind != "demo" or id(c) in keep]


def _names(code: str) -> tuple[set[str], set[str]]:
    """(global names the code binds, global names it reads, in its functions too); nothing if unparsable."""
    try:
        table = symtable.symtable(code, "<cell>", "exec")
    except (SyntaxError, ValueError, RecursionError):
        return set(), set()
    assigned = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()
                or s.is_namespace()}
    loaded = {s.get_name() for s in table.get_symbols() if s.is_referenced()}
    scopes = list(table.get_children())
    while scopes:
        scope = scopes.pop()
        scopes += scope.get_children()
        for symbol in scope.get_symbols():
            if symbol.is_global() and symbol.is_referenced():
                loaded.add(symbol.get_name())
            if symbol.is_declared_global() and symbol.is_assigned():
                assigned.add(symbol.get_name())
    return assigned, loaded


def _text(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return "".join(value)
    raise ValueError("a cell's source is not text")


def first_line(code: str) -> str:
    line = next((line.strip() for line in code.splitlines() if line.strip()), "")
    return line if len(line) <= 60 else line[:57] + "..."


def plan_cells(source: SourceNotebook, submitted) -> CellPlan:
    """The code the worker runs for a submitted notebook (a dict with a list of cells, as in the file).

    Student order; graded test cells are left out (the grader runs the source's); read-only cells
    are taken from the source and re-inserted where the student deleted them; IPython magics and
    shell escapes are turned into plain Python (`get_ipython()` calls, which the worker ignores).
    Malformed metadata is ignored (the cell counts as one the student added); a cell that is not a
    dict or whose source is not text makes the notebook invalid (ValueError).
    """
    plan = CellPlan()
    tests_by_id = {e.grade_id: e for e in source.exercises}
    seen_tests: dict[str, int] = {}
    present: set[str] = set()
    cells = submitted.get("cells") if isinstance(submitted, dict) else None
    if not isinstance(cells, list):
        raise ValueError("it has no list of cells")
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            raise ValueError(f"cell {number} is not a cell")
        if cell.get("cell_type") != "code":
            continue
        grade_id = grade_id_of(cell)
        try:
            text = _text(cell.get("source", ""))
        except ValueError:
            raise ValueError(f"cell {number}'s source is not text") from None
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
                plan.notes.append(f"the read-only cell {grade_id!r} was edited; the original was used")
            text = source.locked_cells[grade_id]
            kind = "setup"
        elif grade_id in source.solution_ids:
            kind = "solution"
        elif text.strip() in source.demo_sources:
            kind = "demo"
        else:
            kind = "added"
        if grade_id:
            present.add(grade_id)
        plan.cells.append(PlannedCell(number, text, grade_id, kind, first_line(text)))
    for grade_id, count in seen_tests.items():
        if count > 1:
            plan.changed_tests.add(tests_by_id[grade_id].name)
    for exercise in source.exercises:
        if exercise.grade_id not in seen_tests:
            plan.changed_tests.add(exercise.name)
    _restore_missing_locked(source, plan, present)
    plan.cells = [cell._replace(code=to_python(cell.code)) for cell in plan.cells]
    return plan


def _restore_missing_locked(source: SourceNotebook, plan: CellPlan, present: set[str]) -> None:
    """Insert deleted read-only cells after the nearest earlier source cell that is present."""
    for position, grade_id in enumerate(source.order):
        if grade_id not in source.locked_cells or grade_id in present:
            continue
        insert_at = 0
        for earlier in reversed(source.order[:position]):
            indices = [i for i, cell in enumerate(plan.cells) if cell.grade_id == earlier]
            if indices:
                insert_at = indices[-1] + 1
                break
        code = source.locked_cells[grade_id]
        plan.cells.insert(insert_at, PlannedCell(f"restored {grade_id}", code, grade_id, "setup", first_line(code)))
        present.add(grade_id)
        plan.notes.append(f"the read-only cell {grade_id!r} was missing; the original was inserted")


def to_python(code: str) -> str:
    """Turn IPython syntax (%magic, !shell) into Python that calls get_ipython() (ignored by the worker)."""
    if not _MAGIC.search(code):
        return code
    from IPython.core.inputtransformer2 import TransformerManager
    try:
        return TransformerManager().transform_cell(code)
    except Exception:
        return code
