"""nbgrader's Validate button in the notebook toolbar, as `python3 course.py lab` serves it.

Validate saves the notebook, runs it in a kernel on the server with the course's
nbgrader_config.py, and shows a dialog: success for a solved notebook, and for an unsolved one
every failing graded cell with its error.
"""
from __future__ import annotations

import json
import urllib.parse

import nbformat
import nbgrader
import pytest
from course_notebooks import graded_check_sources, write_solved_notebook, written_answer_sources
from labdriver import LabNotebook

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VALIDATE_NOTEBOOK = "01_the_neuron"
VALIDATE_TIMEOUT = 180_000  # ms: Validate runs the whole notebook on the server
RESULT = "#validation-message"


def click_validate(page, notebook: LabNotebook):
    """Click the toolbar's Validate button and return the dialog's result element."""
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar").get_by_text(
        "Validate", exact=True).click()
    result = page.locator(f".jp-Dialog {RESULT}")
    result.wait_for(timeout=VALIDATE_TIMEOUT)
    return result


def test_nbgrader_server_extension_answers_the_validate_extension(lab_server):
    """The Validate button first asks the server for nbgrader's version: the extension is on."""
    query = urllib.parse.urlencode({"version": nbgrader.__version__})
    assert lab_server.api("GET", f"/nbgrader_version?{query}") == {"success": True}


def test_validate_on_a_solved_student_notebook_reports_success(page, lab_server, screenshot_dir):
    root = lab_server.root
    solved = f"notebooks/{VALIDATE_NOTEBOOK}/{VALIDATE_NOTEBOOK}_solved.ipynb"
    write_solved_notebook(root / f"notebooks/{VALIDATE_NOTEBOOK}/{VALIDATE_NOTEBOOK}.ipynb",
                          root / f"solutions/{VALIDATE_NOTEBOOK}/{VALIDATE_NOTEBOOK}.ipynb", root / solved)
    notebook = LabNotebook(page, lab_server, solved).open()
    result = click_validate(page, notebook)
    page.screenshot(path=str(screenshot_dir / "validate__solved.png"))
    classes = result.get_attribute("class") or ""
    assert "validation-success" in classes, f"Validate did not report success:\n{result.inner_text()}"
    assert "Success! Your notebook passes all the tests." in result.inner_text()


def test_validate_on_an_unsolved_student_notebook_lists_every_failing_check(
        page, lab_server, screenshot_dir):
    path = f"notebooks/{VALIDATE_NOTEBOOK}/{VALIDATE_NOTEBOOK}.ipynb"
    released = nbformat.read(lab_server.root / path, as_version=4)
    checks, written = graded_check_sources(released), written_answer_sources(released)
    assert checks and written, f"{path} has no graded cell or no written answer"
    notebook = LabNotebook(page, lab_server, path).open()
    result = click_validate(page, notebook)
    page.screenshot(path=str(screenshot_dir / "validate__unsolved.png"))
    classes = result.get_attribute("class") or ""
    assert "validation-failed" in classes, f"Validate did not report failures:\n{result.inner_text()}"
    # The dialog lists each failing cell as "The following cell failed:", its source, its error:
    # every check (the stubs raise NotImplementedError) and every written answer left as released.
    blocks = result.locator(".jp-RenderedText pre").all_inner_texts()
    listed = dict(zip((source.strip() for source in blocks[0::2]), blocks[1::2]))
    assert sorted(listed) == sorted(checks + written)
    errors = [listed[source] for source in checks]
    assert all("NotImplementedError" in error or "not implemented" in error.lower()
               for error in errors), json.dumps(errors, indent=1)[:2000]
    assert all("did not provide a response" in listed[source] for source in written), listed
