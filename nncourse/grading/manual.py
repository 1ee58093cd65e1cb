"""Written answers (graded by hand) and the autograded notebooks formgrader shows.

A written answer is an nbgrader manually graded cell: a markdown cell with `solution: true,
grade: true` and points. `nncourse autograde` never scores it: an answer the student wrote is
"needs manual grading" (0 points until a TA grades it in formgrader); an answer left as released,
emptied or deleted is "not attempted". Exports read the TA's score back from the gradebook and say
which totals are still incomplete.

`autograded_notebook` builds what nbgrader's autograde would leave in
autograded/<student>/<assignment>/<notebook>.ipynb: the student's notebook with the source's test
cells restored (hidden tests included, as nbgrader does), each showing its verdict as output (an
error output for anything but "passed"), missing graded and answer cells re-inserted, and no other
output (a student's saved outputs are never shown to a TA's browser).
"""
from __future__ import annotations

import copy

import nbformat

from .records import ExerciseResult, Record, Status
from .source import SourceNotebook, answer_sources, grade_id_of, nbgrader_meta

MANUAL_MESSAGE = "a TA grades this written answer by hand"


def _unchanged(cell) -> bool:
    """True when an answer cell is exactly as released (nbgrader's checksum still matches)."""
    from nbgrader.utils import compute_checksum
    checksum = nbgrader_meta(cell).get("checksum")
    try:
        node = nbformat.from_dict(cell)   # a copy as a notebook node (the submission is plain JSON)
        if isinstance(node.get("source"), list):
            node.source = "".join(node.source)
        return bool(checksum) and compute_checksum(node) == checksum
    except Exception:
        return False


def grade_written(source: SourceNotebook, submitted) -> list[ExerciseResult]:
    """One result per written answer of `source` for a submitted notebook (nbformat node)."""
    cells: dict[str, dict] = {}
    for cell in submitted.get("cells", []):
        grade_id = grade_id_of(cell)   # None for malformed metadata: the cell counts as the student's own
        if grade_id and grade_id not in cells:
            cells[grade_id] = cell
    answers = answer_sources(submitted)
    results = []
    for answer in source.written:
        cell = cells.get(answer.name)
        if cell is None:
            results.append(ExerciseResult(answer.name, 0.0, answer.points, Status.NOT_ATTEMPTED,
                                          "the answer cell is missing (deleted, or its nbgrader metadata changed)"))
            continue
        text = answers.get(answer.name, "")
        if not text.strip() or _unchanged(cell):
            results.append(ExerciseResult(answer.name, 0.0, answer.points, Status.NOT_ATTEMPTED,
                                          "no answer written", code=text))
        else:
            results.append(ExerciseResult(answer.name, 0.0, answer.points, Status.MANUAL, MANUAL_MESSAGE, code=text))
    return results


def written_for_all(source: SourceNotebook, status: Status, message: str) -> list[ExerciseResult]:
    return [ExerciseResult(a.name, 0.0, a.points, status, message) for a in source.written]


def _output(result: ExerciseResult):
    if result.status == Status.PASSED:
        return nbformat.v4.new_output("stream", name="stdout", text=(result.message or "passed") + "\n")
    lines = (result.message or str(result.status)).splitlines() or [str(result.status)]
    return nbformat.v4.new_output("error", ename=str(result.status), evalue=lines[0], traceback=lines)


def autograded_notebook(source: SourceNotebook, submitted, record: Record):
    """The notebook formgrader shows for `record` (see the module docstring)."""
    nb = nbformat.from_dict(copy.deepcopy(submitted))
    original = nbformat.read(source.path, as_version=4)
    source_cells = {nbgrader_meta(c).get("grade_id"): c for c in original.cells if nbgrader_meta(c).get("grade_id")}
    results = {r.exercise: r for r in record.results}
    by_test = {e.grade_id: e for e in source.exercises}
    written = {a.name for a in source.written}
    present: set[str] = set()
    kept = []
    for cell in nb.cells:
        grade_id = grade_id_of(cell)
        if grade_id in present and (grade_id in by_test or grade_id in written):
            continue                                   # a duplicated graded cell is shown once
        if grade_id:
            present.add(grade_id)
        if cell.get("cell_type") == "code":
            cell.outputs = []
            cell.execution_count = None
            if grade_id in by_test:
                cell.source = by_test[grade_id].test_source
                cell.metadata = copy.deepcopy(source_cells[grade_id].metadata)
                result = results.get(by_test[grade_id].name)
                if result is not None:
                    cell.outputs = [_output(result)]
        kept.append(cell)
    nb.cells = kept
    # re-insert graded and answer cells the student deleted, after the nearest earlier source cell
    order = [nbgrader_meta(c).get("grade_id") for c in original.cells]
    for position, grade_id in enumerate(order):
        if grade_id is None or grade_id in present or not (grade_id in by_test or grade_id in written):
            continue
        cell = copy.deepcopy(source_cells[grade_id])
        if grade_id in written:
            cell.source = "(the answer cell was deleted from the notebook)"
        else:
            cell.outputs = [_output(results[by_test[grade_id].name])] if by_test[grade_id].name in results else []
            cell.execution_count = None
        insert_at = 0
        for earlier in reversed(order[:position]):
            indices = [i for i, c in enumerate(nb.cells) if earlier and grade_id_of(c) == earlier]
            if indices:
                insert_at = indices[-1] + 1
                break
        nb.cells.insert(insert_at, cell)
        present.add(grade_id)
    return nb
