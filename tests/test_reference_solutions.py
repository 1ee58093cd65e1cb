"""One source for every exercise: the model answer in solutions/ IS nncourse.reference.<name>.

Each solution cell holds the reference function's source character for character, with nbgrader's
`### BEGIN SOLUTION` / `### END SOLUTION` lines around its body. Change one, copy it to the other:
a failing test prints the cell as it should read. The reference modules also follow the course:
each exercise lives in the module of its notebook, and no module imports a later notebook's
module or another module's private names.
"""
from __future__ import annotations

import ast
import difflib
import importlib
import inspect
import re
import types
from pathlib import Path

import nbformat
import pytest

import nncourse
from nncourse import reference
from nncourse.grading.source import nbgrader_meta

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(nncourse.__file__).resolve().parent
REFERENCE = PACKAGE / "reference"
MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*(\n|\Z)", re.MULTILINE)


def model_answers():
    """(notebook number, exercise name, solution cell source) for every solution cell."""
    answers = []
    for path in sorted((ROOT / "solutions").glob("*/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = nbgrader_meta(cell)
            if meta.get("solution") and cell.cell_type == "code":
                answers.append((int(path.stem[:2]), meta["grade_id"], cell.source))
    return answers


ANSWERS = model_answers()


def module_notebook(module_name: str) -> int:
    """The notebook a reference module belongs to, from its docstring ("Notebook 05: ..."); 0 for
    helpers of the whole course (arrays)."""
    doc = importlib.import_module(f"nncourse.reference.{module_name}").__doc__ or ""
    found = re.match(r"Notebook (\d\d):", doc)
    return int(found.group(1)) if found else 0


MODULES = sorted(path.stem for path in REFERENCE.glob("*.py") if path.stem != "__init__")


def expected_cell(func) -> str:
    """The solution cell a reference function makes: its source, markers around the body."""
    source = inspect.getsource(func).rstrip("\n")
    definition = ast.parse(source).body[0]
    lines = source.split("\n")
    docstring_end = definition.body[0].end_lineno
    indent = " " * definition.body[1].col_offset
    return "\n".join(lines[:docstring_end] + [f"{indent}### BEGIN SOLUTION"] + lines[docstring_end:]
                     + [f"{indent}### END SOLUTION"])


def test_there_is_a_model_answer_for_every_notebook():
    assert {notebook for notebook, _, _ in ANSWERS} == set(range(1, 9))


@pytest.mark.parametrize("notebook, name, cell", ANSWERS, ids=[name for _, name, _ in ANSWERS])
def test_model_answer_is_the_reference_function_character_for_character(notebook, name, cell):
    func = getattr(reference, name, None)
    assert isinstance(func, types.FunctionType), f"nncourse.reference.{name} is not a plain function"
    answer = MARKER.sub("", cell).rstrip("\n")
    source = inspect.getsource(func).rstrip("\n")
    if answer != source:
        diff = "\n".join(difflib.unified_diff(answer.split("\n"), source.split("\n"), f"solution cell {name}",
                                              f"{func.__module__}.{name}", lineterm=""))
        pytest.fail(f"the model answer of {name} and nncourse.reference.{name} differ:\n{diff}\n\n"
                    f"The solution cell for this reference reads:\n{expected_cell(func)}")
    assert cell.rstrip("\n") == expected_cell(func), \
        f"{name}: the markers belong right after the docstring and after the last line"


@pytest.mark.parametrize("notebook, name, cell", ANSWERS, ids=[name for _, name, _ in ANSWERS])
def test_each_exercise_lives_in_the_module_of_its_notebook(notebook, name, cell):
    func = getattr(reference, name)
    module = func.__module__.rpartition(".")[2]
    assert func.__qualname__ == name, f"{name} must be a module-level function"
    assert module_notebook(module) == notebook, \
        f"{name} (notebook {notebook:02d}) is defined in reference/{module}.py, a module of notebook " \
        f"{module_notebook(module):02d}"


def test_every_reference_module_but_the_course_helpers_names_its_notebook():
    assert [m for m in MODULES if module_notebook(m) == 0] == ["arrays"]


@pytest.mark.parametrize("module", MODULES)
def test_no_reference_module_imports_a_later_notebooks_module(module):
    tree = ast.parse((REFERENCE / f"{module}.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            imported = node.module
            assert module_notebook(imported) <= module_notebook(module), \
                f"reference/{module}.py (notebook {module_notebook(module):02d}) imports {imported}.py " \
                f"(notebook {module_notebook(imported):02d}): the course order runs the other way"


def resolve(path: Path, node: ast.ImportFrom) -> str:
    """The absolute module name of a `from ... import` in the file at `path`."""
    if node.level == 0:
        return node.module or ""
    package = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)[:-node.level]
    return ".".join(package + ([node.module] if node.module else []))


def test_no_private_name_of_the_reference_or_of_the_course_modules_is_imported_elsewhere():
    """Whatever nncourse imports from the reference (and the reference, plots, playgrounds and
    datasets import from each other) is a public name: what one module offers another, a reader
    finds among its public names."""
    ours = ("nncourse.reference", "nncourse.plots", "nncourse.playgrounds", "nncourse.datasets")
    offences = []
    for path in sorted(PACKAGE.rglob("*.py")):
        importer = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom):
                continue
            origin = resolve(path, node)
            if origin.startswith("nncourse.reference") or importer.startswith(ours) and origin.startswith(ours):
                offences += [f"{importer}: from {origin} import {alias.name}"
                             for alias in node.names if alias.name.startswith("_")]
    assert not offences, "private names imported across modules:\n" + "\n".join(offences)
