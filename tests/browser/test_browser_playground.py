"""The neuron playground of notebook 01 in a real widget front end: a slider moves, the truth
table follows. It runs in the student notebook, where no exercise is solved yet."""
from __future__ import annotations

import pytest
from labdriver import LabNotebook
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PLAYGROUND_NOTEBOOK = "notebooks/01_the_neuron/01_the_neuron.ipynb"
TRUTH_TABLE = ".nncourse-truth-table"
UPDATE_TIMEOUT = 30_000  # ms: the kernel recomputes the table and the front end redraws it

JS_TABLE_TEXT = f"""() => Array.from(document.querySelectorAll('{TRUTH_TABLE}'))
    .filter(element => element.offsetParent !== null)
    .map(element => element.textContent.trim().replace(/\\s+/g, ' ')).join(' | ')"""


def slider(page, description: str):
    """The ipywidgets slider whose description (its label) reads `description`."""
    sliders = page.locator(".widget-slider").filter(
        has=page.locator(".widget-label", has_text=description))
    exact = [index for index in range(sliders.count())
             if sliders.nth(index).locator(".widget-label").first.inner_text().strip() == description]
    assert exact, f"no slider labelled {description!r} in the playground"
    return sliders.nth(exact[0])


def drag_handle(page, widget, dx: float) -> None:
    """Drag the slider's handle `dx` pixels to the right with the mouse, as a student does."""
    handle = widget.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y, steps=10)
    page.mouse.up()


def test_moving_a_neuron_playground_slider_changes_the_truth_table(page, lab_server, screenshot_dir):
    assert (lab_server.root / PLAYGROUND_NOTEBOOK).exists(), f"{PLAYGROUND_NOTEBOOK} does not exist"
    notebook = LabNotebook(page, lab_server, PLAYGROUND_NOTEBOOK).open()
    notebook.run_all()
    report = notebook.report()
    playground_cells = [index for index, cell in enumerate(report.model["cells"])
                        if "neuron_playground(" in "".join(cell["source"])]
    assert playground_cells, f"{PLAYGROUND_NOTEBOOK} never calls neuron_playground()"
    assert not set(playground_cells) & set(report.never_ran), (
        f"Run All never reached the playground (cells {report.never_ran} did not run): a failing "
        "graded check cell needs the tag 'raises-exception' so that Run All goes on")
    for description in ("w1", "w2", "b"):
        slider(page, description)  # all three are there
    page.wait_for_function(f"() => ({JS_TABLE_TEXT})() !== ''", timeout=UPDATE_TIMEOUT)
    before = page.evaluate(JS_TABLE_TEXT)

    # Far left first (the neuron then fires for no input); if the table showed that already,
    # far right (it fires for every input).
    for dx, timeout in ((-600, UPDATE_TIMEOUT // 3), (600, UPDATE_TIMEOUT)):
        readout_before = slider(page, "b").locator(".widget-readout").inner_text()
        drag_handle(page, slider(page, "b"), dx)
        readout_after = slider(page, "b").locator(".widget-readout").inner_text()
        assert readout_after != readout_before, f"dragging the b slider did not move it ({dx} px)"
        try:
            page.wait_for_function(f"before => ({JS_TABLE_TEXT})() !== before", arg=before,
                                   timeout=timeout, polling=100)
            break
        except PlaywrightTimeout:
            continue
    notebook.screenshot(screenshot_dir / "playground__neuron_after_slider.png")
    after = page.evaluate(JS_TABLE_TEXT)
    assert after != before, f"moving b to both ends left the truth table as it was: {before!r}"
