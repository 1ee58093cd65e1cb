"""Figures stay readable in JupyterLab's dark theme: every figure is an opaque image (dark axis
labels drawn on a transparent background would vanish on the dark page)."""
from __future__ import annotations

import pytest
from labdriver import NOTEBOOK, LabNotebook

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# many kinds of figure
DARK_NOTEBOOK = "solutions/07_gradient_descent_and_training/07_gradient_descent_and_training.ipynb"
DARK, LIGHT = "JupyterLab Dark", "JupyterLab Light"

# For every decoded figure in the notebook's outputs: the alpha of its four corner pixels.
JS_CORNER_ALPHAS = f"""() => Array.from(document.querySelectorAll(
        '{NOTEBOOK} .jp-OutputArea-output[data-mime-type="image/png"] img'))
    .filter(img => img.complete && img.naturalWidth > 0)
    .map(img => {{
        const canvas = document.createElement('canvas');
        canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
        const context = canvas.getContext('2d');
        context.drawImage(img, 0, 0);
        const w = img.naturalWidth - 1, h = img.naturalHeight - 1;
        return [[0, 0], [w, 0], [0, h], [w, h]]
            .map(([x, y]) => context.getImageData(x, y, 1, 1).data[3]);
    }})"""


def change_theme(page, theme: str) -> None:
    page.evaluate("theme => window.jupyterapp.commands.execute('apputils:change-theme', {theme})",
                  theme)
    page.wait_for_function(
        "dark => document.body.dataset.jpThemeLight === String(!dark)", arg=theme == DARK)


def test_figures_are_opaque_images_in_the_dark_theme(page, lab_server, screenshot_dir):
    assert (lab_server.root / DARK_NOTEBOOK).exists(), f"{DARK_NOTEBOOK} does not exist"
    notebook = LabNotebook(page, lab_server, DARK_NOTEBOOK).open()
    change_theme(page, DARK)
    try:
        notebook.run_all()
        notebook.screenshot(screenshot_dir / "dark_theme__07_gradient_descent_and_training.png")
        alphas = page.evaluate(JS_CORNER_ALPHAS)
    finally:
        change_theme(page, LIGHT)  # the theme is a server-side setting shared by every test
    assert alphas, f"{DARK_NOTEBOOK} showed no figure"
    transparent = [index for index, corners in enumerate(alphas) if min(corners) < 255]
    assert not transparent, (
        f"figures {transparent} (of {len(alphas)}) have a transparent background: their dark "
        "labels disappear in the dark theme; give the figure an opaque light facecolor")
