"""Every student and solution notebook, opened in JupyterLab and run with Run All as a student does.

In a student notebook only the graded check cells may fail (the exercises are not solved yet);
in a solution notebook nothing may fail. Every figure must render as an image, every widget must
display, and a screenshot of each notebook lands in test-artifacts/screenshots/.
"""
from __future__ import annotations

import nbformat
import pytest
from course_notebooks import (
    HARNESS_BROKEN_IMAGE_CELL,
    HARNESS_FIGURE_CELLS,
    HARNESS_GRADED_CELL,
    HARNESS_STDERR_CELL,
    course_notebook_paths,
    graded_cell_indices,
)
from labdriver import LabNotebook

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def screenshot_name(path: str) -> str:
    return path.removesuffix(".ipynb").replace("/", "__") + ".png"


@pytest.mark.parametrize("path", course_notebook_paths())
def test_notebook_runs_all_cells_in_jupyterlab_and_shows_its_figures(
        path, page, lab_server, screenshot_dir):
    notebook_file = lab_server.root / path
    assert notebook_file.exists(), f"{path} does not exist (CONTRIBUTING.md lists it)"
    student = path.startswith("notebooks/")
    may_fail = graded_cell_indices(nbformat.read(notebook_file, as_version=4)) if student else set()

    notebook = LabNotebook(page, lab_server, path).open()
    try:
        notebook.run_all()
        report = notebook.report()
    finally:  # the screenshot shows what went wrong too
        notebook.screenshot(screenshot_dir / screenshot_name(path))

    unexpected = [str(problem) for problem in report.problems if problem.index not in may_fail]
    assert not unexpected, (
        f"{path}: error output outside the graded check cells:\n" + "\n".join(unexpected))
    assert not report.never_ran, (
        f"{path}: Run All never ran code cells {report.never_ran}. A failing cell stops Run All; "
        "a graded check cell that fails in the student notebook needs the cell tag "
        "'raises-exception' so that the cells after it still run.")
    assert report.expected_images, f"{path}: Run All drew no figure (no image/png output)"
    mismatches = report.image_mismatches()
    assert not mismatches, f"{path}: figures that did not render:\n" + "\n".join(mismatches)
    widget_errors = report.widget_errors()
    assert not widget_errors, f"{path}: widgets that did not display:\n" + "\n".join(widget_errors)


def test_suite_reports_each_error_in_its_cell_and_counts_every_figure(page, lab_server):
    """The detectors above can fail: on the suite's own harness notebook they find the failing
    graded cell, the unexpected stderr line, both figures, and the PNG the browser cannot decode,
    each in its own cell."""
    path = "harness/student.ipynb"
    on_disk = nbformat.read(lab_server.root / path, as_version=4)
    notebook = LabNotebook(page, lab_server, path).open()
    notebook.run_all()
    report = notebook.report()

    assert graded_cell_indices(on_disk) == {HARNESS_GRADED_CELL}
    assert [(problem.index, problem.kind) for problem in report.problems] == [
        (HARNESS_GRADED_CELL, "error"), (HARNESS_STDERR_CELL, "stderr")]
    assert "NotImplementedError" in report.problems[0].text
    assert report.problems[0].grade_id == "check_double"
    assert report.never_ran == []  # the failing graded cell is tagged raises-exception
    assert report.expected_images == {
        index: 1 for index in [*HARNESS_FIGURE_CELLS, HARNESS_BROKEN_IMAGE_CELL]}
    assert [cell["loaded"] for cell in report.rendered] == [
        1 if index in HARNESS_FIGURE_CELLS else 0 for index in range(len(on_disk.cells))]
    assert report.image_mismatches() == [
        f"cell {HARNESS_BROKEN_IMAGE_CELL}: 1 PNG outputs, 1 <img> elements, 0 decoded"]
