"""The course notebooks: nbgrader structure, committed form, release sync, and execution.

Generic over every solutions/<assignment>/*.ipynb, so a new notebook is covered as soon as it exists.
Executing notebooks is marked slow; the structural tests run in a second or two.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from nncourse import release
from nncourse.grading.source import nbgrader_meta

ROOT = Path(__file__).resolve().parent.parent
SOLUTION_PATHS = sorted((ROOT / "solutions").glob("*/*.ipynb"))
STUDENT_PATHS = sorted((ROOT / "notebooks").glob("*/*.ipynb"))
NOTEBOOK_NAMES = [path.stem for path in SOLUTION_PATHS]
CELL_TIMEOUT = 60  # seconds, as nbgrader_config.py's per-cell timeout

FUNCTION_NAME = re.compile(r"^def\s+([A-Za-z_]\w*)\s*\(", re.MULTILINE)


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def solution_cells(nb):
    """The exercises' code cells (written answers, markdown cells graded by hand, are not exercises)."""
    return [cell for cell in nb.cells if nbgrader_meta(cell).get("solution") and cell.cell_type == "code"]


def graded_cells(nb):
    """The autograded test cells (not the written answers a TA grades by hand)."""
    return [cell for cell in nb.cells if nbgrader_meta(cell).get("grade") and cell.cell_type == "code"]


def execute(nb: nbformat.NotebookNode, workdir: Path, *, allow_errors: bool) -> nbformat.NotebookNode:
    """Run `nb` top to bottom in a fresh python3 kernel (this interpreter), in `workdir`."""
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=allow_errors,
                            resources={"metadata": {"path": str(workdir)}})
    client.execute()
    return nb


def error_text(cell) -> str:
    """The error outputs of an executed cell as one string ('' if none)."""
    return "\n".join(f"{out.ename}: {out.evalue}" for out in cell.get("outputs", [])
                     if out.output_type == "error")


def stream_text(cell, name: str) -> str:
    return "".join(out.text for out in cell.get("outputs", [])
                   if out.output_type == "stream" and out.name == name)


@pytest.fixture(params=SOLUTION_PATHS, ids=NOTEBOOK_NAMES)
def solution_path(request) -> Path:
    return request.param


def test_there_are_solution_notebooks_with_their_student_twins():
    assert SOLUTION_PATHS, "solutions/ holds no notebooks"
    assert [p.relative_to(ROOT / "notebooks") for p in STUDENT_PATHS] == \
        [p.relative_to(ROOT / "solutions") for p in SOLUTION_PATHS], \
        "notebooks/ and solutions/ must hold the same notebooks; run `nncourse release`"


# ---------------------------------------------------------------------------------------------
# Structure: one exercise at a time, on the conventions of CONTRIBUTING.md
# ---------------------------------------------------------------------------------------------

def test_every_exercise_has_a_solution_cell_and_a_locked_graded_check_cell(solution_path):
    nb = read(solution_path)
    assert nb.nbformat == 4
    ids = [nbgrader_meta(cell)["grade_id"] for cell in nb.cells if "nbgrader" in cell.metadata]
    assert len(ids) == len(set(ids)), f"duplicate grade_id in {solution_path.name}: {sorted(ids)}"
    for cell in nb.cells:
        if "nbgrader" in cell.metadata:
            assert nbgrader_meta(cell)["schema_version"] == 3
            assert re.fullmatch(r"[A-Za-z0-9_\-]+", nbgrader_meta(cell)["grade_id"])

    exercises = [nbgrader_meta(cell)["grade_id"] for cell in solution_cells(nb)]
    assert exercises, f"{solution_path.name} has no exercise"
    checks = {nbgrader_meta(cell)["grade_id"]: cell for cell in graded_cells(nb)}
    assert checks, f"{solution_path.name} has no graded cell"
    assert set(checks) <= {f"check_{name}" for name in exercises}, \
        "every graded cell is check_NAME for an exercise NAME of the notebook (a solution cell without " \
        "a check is an optional, ungraded exercise)"
    for cell in solution_cells(nb):
        name = nbgrader_meta(cell)["grade_id"]
        assert cell.cell_type == "code" and not nbgrader_meta(cell)["grade"]
        source = cell.source
        assert FUNCTION_NAME.findall(source)[:1] == [name], f"solution cell {name} must define {name}()"
        begin, end = source.index("### BEGIN SOLUTION"), source.index("### END SOLUTION")
        head = source[:begin]
        assert f"def {name}(" in head and '"""' in head, \
            f"{name}: the def line and the docstring stay outside the solution region"
        assert begin < end
    for name in [name for name in exercises if f"check_{name}" in checks]:
        cell = checks[f"check_{name}"]
        meta = nbgrader_meta(cell)
        assert meta["locked"] and meta["points"] > 0 and not meta["solution"]
        visible, _, rest = cell.source.partition("### BEGIN HIDDEN TESTS")
        assert f'check("{name}", {name})' in visible, f"check_{name} must call check(\"{name}\", {name})"
        hidden, _, _ = rest.partition("### END HIDDEN TESTS")
        assert re.search(rf'check\("{name}", {name}, seed=\d+, hidden=True\)', hidden), \
            f"check_{name} needs a hidden check with another seed"
        assert "### END HIDDEN TESTS" in rest


def test_every_graded_test_cell_is_tagged_raises_exception_so_run_all_goes_on(solution_path, generated):
    """JupyterLab's Run All stops at the first error unless the cell carries `raises-exception`:
    a student with one unfinished exercise must still see every later cell run."""
    released = generated[solution_path.relative_to(ROOT / "solutions").as_posix()].decode()
    for nb, where in [(read(solution_path), "solutions"), (nbformat.reads(released, as_version=4), "notebooks")]:
        for cell in graded_cells(nb):
            assert "raises-exception" in cell.metadata.get("tags", []), \
                f"{where}/{solution_path.name}: {nbgrader_meta(cell)['grade_id']} lacks the raises-exception tag"
        for cell in nb.cells:
            if "raises-exception" in cell.metadata.get("tags", []):
                assert nbgrader_meta(cell).get("grade"), \
                    f"{where}/{solution_path.name}: only graded test cells may hide their errors from Run All"


def test_test_cells_pass_only_picklable_values_no_lambdas_or_local_functions(solution_path):
    """The grader calls the student's function through a proxy in another process and pickles the
    arguments: a lambda or a function defined in the test cell cannot be sent. Use a module-level
    function (nncourse.reference.linear, functools.partial of one) instead."""
    for cell in graded_cells(read(solution_path)):
        grade_id = nbgrader_meta(cell)["grade_id"]
        for node in ast.walk(ast.parse(cell.source)):
            assert not isinstance(node, ast.Lambda), \
                f"{solution_path.name} {grade_id}, line {node.lineno}: a lambda cannot be pickled for the grader"
            assert not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)), \
                f"{solution_path.name} {grade_id}, line {node.lineno}: `{node.name}` is defined in a test " \
                "cell; only module-level functions can be pickled for the grader"


def test_notebook_never_imports_the_reference_of_its_own_exercises(solution_path):
    nb = read(solution_path)
    own = {nbgrader_meta(cell)["grade_id"] for cell in solution_cells(nb)}
    imported = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("nncourse.reference"):
                imported |= {alias.name for alias in node.names}
                assert "*" not in imported, "no `import *` from nncourse.reference"
            if isinstance(node, ast.Attribute) and node.attr in own and \
                    isinstance(node.value, ast.Name) and node.value.id == "reference":
                imported.add(node.attr)
    assert not (own & imported), f"{solution_path.name} imports its own exercises from the reference: {own & imported}"


@pytest.mark.parametrize("folder", ["solutions", "notebooks"])
def test_notebooks_are_committed_without_outputs_or_execution_counts(folder):
    for path in sorted((ROOT / folder).glob("*/*.ipynb")):
        for index, cell in enumerate(read(path).cells):
            if cell.cell_type == "code":
                assert cell.outputs == [], f"{folder}/{path.name} cell {index} has outputs"
                assert cell.execution_count is None, f"{folder}/{path.name} cell {index} has an execution count"


# ---------------------------------------------------------------------------------------------
# Release: notebooks/ is exactly what nbgrader generates from solutions/
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def generated() -> dict[str, bytes]:
    return release.generate(ROOT / "solutions")


def test_release_regenerates_exactly_the_committed_student_notebooks(generated, tmp_path):
    release.write(generated, tmp_path)
    for path in SOLUTION_PATHS:
        relative = path.relative_to(ROOT / "solutions")
        assert (tmp_path / relative).read_bytes() == (ROOT / "notebooks" / relative).read_bytes(), \
            f"notebooks/{relative} differs from what solutions/ generates: run `nncourse release`"
    assert release.differences(generated, ROOT / "notebooks") == []


def test_release_is_byte_stable_and_normalisation_is_idempotent(generated):
    for name, data in generated.items():
        if name.endswith(".ipynb"):
            nb = nbformat.reads(data.decode("utf-8"), as_version=4)
            again = release.to_text(release.normalise(nb)).encode("utf-8")
            assert again == data, f"normalising {name} again changed it"


def test_release_check_lists_stale_missing_and_orphaned_notebooks(generated, tmp_path):
    release.write(generated, tmp_path)
    first, *others = sorted(generated)
    assert release.differences(generated, tmp_path) == []
    (tmp_path / first).write_text((tmp_path / first).read_text() + " ")
    (tmp_path / "99_orphan").mkdir()
    (tmp_path / "99_orphan" / "99_orphan.ipynb").write_text("{}")
    if others:
        (tmp_path / others[0]).unlink()
    assert release.differences(generated, tmp_path) == sorted([first, "99_orphan/99_orphan.ipynb", *others[:1]])
    release.write(generated, tmp_path)
    assert release.differences(generated, tmp_path) == []
    assert not (tmp_path / "99_orphan").exists(), "an assignment without a source is removed from the release"


def test_student_notebooks_hide_solutions_and_hidden_tests(generated):
    for name, data in generated.items():
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
        for cell in nb.cells:
            assert "BEGIN SOLUTION" not in cell.source and "HIDDEN TESTS" not in cell.source, name
            assert "hidden=True" not in cell.source, f"{name}: a hidden test leaked into the release"
        for cell in solution_cells(nb):
            assert 'raise NotImplementedError("not implemented yet' in cell.source
            assert f"def {nbgrader_meta(cell)['grade_id']}(" in cell.source, "the signature stays visible"
        for cell in graded_cells(nb):
            assert cell.metadata.get("editable") is False and cell.metadata.get("deletable") is False


def test_normalise_drops_outputs_counts_and_editor_metadata():
    nb = nbformat.v4.new_notebook(metadata={"widgets": {"state": {}},
                                            "kernelspec": {"name": "other", "display_name": "Other"}})
    cell = nbformat.v4.new_code_cell("1 + 1", id="x", execution_count=3,
                                     outputs=[nbformat.v4.new_output("execute_result", {"text/plain": "2"})],
                                     metadata={"scrolled": True, "tags": ["keep"]})
    nb.cells = [cell]
    clean = release.normalise(nb)
    assert clean.cells[0].outputs == [] and clean.cells[0].execution_count is None
    assert dict(clean.cells[0].metadata) == {"tags": ["keep"]}
    assert dict(clean.metadata) == {"kernelspec": release.KERNELSPEC, "language_info": release.LANGUAGE_INFO}
    assert nb.cells[0].execution_count == 3, "normalise must not modify its input"


# ---------------------------------------------------------------------------------------------
# Execution
# ---------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_solution_notebook_runs_top_to_bottom_and_passes_every_check(solution_path, tmp_path):
    nb = execute(read(solution_path), tmp_path, allow_errors=False)
    for cell in graded_cells(nb):
        name = nbgrader_meta(cell)["grade_id"].removeprefix("check_")
        printed = stream_text(cell, "stdout")
        assert printed.count(f"{name}: passed") >= 2, f"check_{name} printed {printed!r}"
        assert stream_text(cell, "stderr") == "", \
            f"check_{name} wrote to stderr, which costs the points under nbgrader: {stream_text(cell, 'stderr')!r}"


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_student_notebook_fails_only_in_graded_cells_each_saying_not_implemented(name, tmp_path):
    nb = execute(read(ROOT / "notebooks" / name / f"{name}.ipynb"), tmp_path, allow_errors=True)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        errors = error_text(cell)
        if nbgrader_meta(cell).get("grade"):
            assert "not implemented" in errors.lower(), (
                f"{name} graded cell {nbgrader_meta(cell)['grade_id']} should fail with 'not implemented'; "
                f"got {errors!r}")
        else:
            assert errors == "", f"{name} cell {index} (not graded) fails with the stubs: {errors}\n{cell.source}"
