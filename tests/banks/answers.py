"""The instructor's model answers (the solution cells of solutions/), loaded as a student's code.

`model_answers(notebook)` runs the notebook's set-up cell and every solution cell in a fresh module
`model_answers_<notebook>` (registered in sys.modules, so that its functions pickle like a bank's),
each cell compiled under its own name, "<solution NAME>": to the checks they are student code, not
the reference. `graded_cells(notebook)` gives each graded cell's source, as the grader runs it.
"""
import linecache
import sys
import types
from functools import cache
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _cells(notebook: str):
    return nbformat.read(ROOT / "solutions" / notebook / f"{notebook}.ipynb", as_version=4).cells


@cache
def model_answers(notebook: str) -> dict:
    """name -> the model answer's function, for every exercise of `notebook`."""
    module = types.ModuleType(f"model_answers_{notebook}")
    sys.modules[module.__name__] = module
    answers = {}
    for cell in _cells(notebook):
        meta = _meta(cell)
        if cell.cell_type != "code" or not (meta.get("grade_id") == "setup" or meta.get("solution")):
            continue
        filename = f"<solution {meta['grade_id']} of {notebook}>"
        linecache.cache[filename] = (len(cell.source), None, cell.source.splitlines(True), filename)
        exec(compile(cell.source, filename, "exec"), module.__dict__)
        if meta.get("solution"):
            function = module.__dict__[meta["grade_id"]]
            function.__qualname__ = function.__name__
            answers[meta["grade_id"]] = function
    return answers


@cache
def graded_cells(notebook: str) -> dict:
    """exercise name -> the source of its graded test cell (visible and hidden tests)."""
    return {_meta(cell)["grade_id"].removeprefix("check_"): cell.source
            for cell in _cells(notebook) if _meta(cell).get("grade")}
