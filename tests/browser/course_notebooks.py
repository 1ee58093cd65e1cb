"""The notebooks the browser suite opens, read from disk: which exist, which cells nbgrader grades.

Also builds two notebooks of the suite's own: a small harness notebook that proves the suite's
detectors can fail, and a "solved" student notebook (a student notebook whose solution cells hold
the instructor's answers) for the Validate button.
"""
from __future__ import annotations

from pathlib import Path

import nbformat

from nncourse.grading.source import nbgrader_meta

ROOT = Path(__file__).resolve().parents[2]

# The course's notebooks (CONTRIBUTING.md): solutions/<name>/<name>.ipynb and notebooks/<name>/<name>.ipynb.
NOTEBOOK_NAMES = [
    "01_the_neuron", "02_activation_functions", "03_layers_and_deep_networks",
    "04_forward_propagation", "05_cost_functions", "06_backward_propagation",
    "07_gradient_descent_and_training", "08_evaluation_tuning_and_use",
]
FOLDERS = ["notebooks", "solutions"]  # student notebooks, instructor notebooks


def course_notebook_paths() -> list[str]:
    """Every student and solution notebook, relative to the course root.

    The eight listed in CONTRIBUTING.md always (a missing one fails its test), plus any other
    notebook found in those folders.
    """
    paths = {f"{folder}/{name}/{name}.ipynb" for folder in FOLDERS for name in NOTEBOOK_NAMES}
    for folder in FOLDERS:
        paths.update(path.relative_to(ROOT).as_posix() for path in (ROOT / folder).glob("*/*.ipynb"))
    return sorted(paths)


def graded_cell_indices(notebook) -> set[int]:
    """Indices of the cells nbgrader grades (`grade: true`): in a student notebook, the checks."""
    return {index for index, cell in enumerate(notebook["cells"])
            if cell["cell_type"] == "code" and nbgrader_meta(cell).get("grade")}


def graded_check_sources(notebook) -> list[str]:
    """The source of every graded code cell, stripped (as Validate lists a failing cell)."""
    return [notebook["cells"][index]["source"].strip()
            for index in sorted(graded_cell_indices(notebook))]


def written_answer_sources(notebook) -> list[str]:
    """The source of every written answer (a manually graded markdown cell), stripped: Validate
    lists one left as released with "You did not provide a response." """
    return [cell["source"].strip() for cell in notebook["cells"]
            if cell["cell_type"] == "markdown" and nbgrader_meta(cell).get("grade")
            and nbgrader_meta(cell).get("solution")]


def write_solved_notebook(student: Path, solution: Path, target: Path) -> None:
    """A student notebook whose solution cells hold the instructor's code, matched by grade_id.

    Everything else (locked test cells, checksums) stays as released, so Validate sees what a
    student who solved every exercise would submit.
    """
    answers = {nbgrader_meta(cell)["grade_id"]: cell["source"]
               for cell in nbformat.read(solution, as_version=4).cells
               if nbgrader_meta(cell).get("solution") and "grade_id" in nbgrader_meta(cell)}
    notebook = nbformat.read(student, as_version=4)
    replaced = 0
    for cell in notebook.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if nbgrader_meta(cell).get("solution") and grade_id in answers:
            cell.source = answers[grade_id]
            replaced += 1
    if replaced == 0:
        raise ValueError(f"{student} has no solution cell whose grade_id is in {solution}")
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, target)


def _nbgrader(grade_id: str, *, solution=False, grade=False, points=0) -> dict:
    meta = {"grade_id": grade_id, "solution": solution, "grade": grade, "locked": not solution,
            "schema_version": 3}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


HARNESS_GRADED_CELL = 3
HARNESS_STDERR_CELL = 5
HARNESS_FIGURE_CELLS = [4, 6]
HARNESS_BROKEN_IMAGE_CELL = 7


def write_harness_notebooks(folder: Path) -> None:
    """`harness/student.ipynb`: a graded check that fails (tagged `raises-exception`, as the course's
    graded cells are, so Run All goes on), two figures, one unexpected stderr line, and a PNG
    output whose bytes are not an image (the browser cannot decode it)."""
    cells = [
        nbformat.v4.new_markdown_cell("# Harness\nThe browser suite's own notebook."),
        nbformat.v4.new_code_cell("import sys\nimport numpy as np\nimport matplotlib.pyplot as plt"),
        nbformat.v4.new_code_cell(
            "def double(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()",
            metadata=_nbgrader("double", solution=True)),
        nbformat.v4.new_code_cell(
            "assert double(2) == 4", metadata={
                **_nbgrader("check_double", grade=True, points=1), "tags": ["raises-exception"]}),
        nbformat.v4.new_code_cell(
            "x = np.linspace(-3, 3, 50)\nfig, ax = plt.subplots(figsize=(4, 3))\n"
            "ax.plot(x, np.tanh(x))\nax.set_title('first figure')\nplt.show()"),
        nbformat.v4.new_code_cell("print('an unexpected warning', file=sys.stderr)"),
        nbformat.v4.new_code_cell(
            "fig, ax = plt.subplots(figsize=(4, 3))\nax.scatter(x, x ** 2)\n"
            "ax.set_title('second figure')\nplt.show()"),
        nbformat.v4.new_code_cell(
            "from IPython.display import Image\nImage(data=b'these bytes are no PNG', format='png')"),
    ]
    notebook = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                       "language": "python"},
        "language_info": {"name": "python"},
    })
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, folder / "student.ipynb")
