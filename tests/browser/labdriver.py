"""Drive JupyterLab 4.6 in a Playwright page as a student does: open, Run All, read what appeared.

Waits are on JupyterLab's own state (the status bar's kernel status, the cells' prompts), never on
fixed sleeps. The DOM hooks are the ones listed in ../shared/NOTES.md ("Notebooks and the browser").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout

NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"
STATUS_BAR = "#jp-main-statusbar"
RUN_ALL = '[data-command="runmenu:run-all"]'

OPEN_TIMEOUT = 90_000       # ms: JupyterLab loads, the kernel starts and connects
START_TIMEOUT = 5_000       # ms: a Run All that shows no running cell by then was lost: click again
RUN_TIMEOUT = 300_000       # ms: the slowest notebook's Run All
RUN_ALL_ATTEMPTS = 3
IMAGES_TIMEOUT = 30_000     # ms: the browser decodes every image of the outputs

# True when the status bar shows the kernel connected and idle ("Python 3 (ipykernel) | Idle").
JS_KERNEL_IDLE = f"""() => {{
    const bar = document.querySelector('{STATUS_BAR}');
    return !!bar && bar.textContent.includes('| Idle');
}}"""

# The prompt of every code cell ("[ ]:", "[*]:", "[3]:"), in notebook order.
JS_PROMPTS = f"""() => Array.from(document.querySelectorAll('{NOTEBOOK} .jp-Cell'))
    .filter(cell => cell.classList.contains('jp-CodeCell'))
    .map(cell => (cell.querySelector('.jp-InputPrompt') || {{textContent: ''}}).textContent.trim())"""

JS_RUNNING = f"""() => ({JS_PROMPTS})().some(prompt => prompt.includes('*'))"""

QUIET_MS = 10_000  # ms: idle with nothing queued for this long, though some cells never ran

# Every non-empty code cell, in notebook order: has it an execution number?
JS_NUMBERED = f"""() => Array.from(document.querySelectorAll('{NOTEBOOK} .jp-Cell.jp-CodeCell'))
    .filter(cell => (cell.querySelector('.cm-content') || {{textContent: ''}}).textContent.trim())
    .map(cell => /\\[\\d+\\]/.test(cell.querySelector('.jp-InputPrompt').textContent))"""

# Run All has finished when the kernel is idle, no cell is queued or running, and either every
# non-empty code cell has its number or this state has lasted QUIET_MS (some cells never ran:
# the report says which). "Idle and nothing queued" alone is not enough: after a cell tagged
# raises-exception fails, JupyterLab stops showing [*] on the cells still queued in the kernel
# while the kernel goes on running them, and the status bar flickers to Idle between two of them
# (seen: 0.5 s of "Idle, nothing queued" before the last cell of notebook 01 got its number).
JS_FINISHED = f"""() => {{
    const quiet = !({JS_RUNNING})() && ({JS_KERNEL_IDLE})();
    if (!quiet) {{ window.__nncourseQuietSince = null; return false; }}
    if (({JS_NUMBERED})().every(Boolean)) return true;
    window.__nncourseQuietSince = window.__nncourseQuietSince || Date.now();
    return Date.now() - window.__nncourseQuietSince > {QUIET_MS};
}}"""

# Per cell, in notebook order: images in the cell's own outputs (not inside widgets), how many of
# them the browser actually decoded, and widget views with their rendering errors.
JS_RENDERED = f"""() => Array.from(document.querySelectorAll('{NOTEBOOK} .jp-Cell')).map(cell => {{
    const area = cell.querySelector('.jp-Cell-outputArea');
    if (!area) return {{images: 0, loaded: 0, widgets: 0, widget_errors: []}};
    const own = Array.from(area.querySelectorAll('.jp-OutputArea-output'))
        .filter(out => out.parentElement.closest('.jp-OutputArea') === area);
    const images = own.filter(out => out.dataset.mimeType === 'image/png')
        .flatMap(out => Array.from(out.querySelectorAll('img')));
    // A widget view's output element carries no data-mime-type: find the widget inside it.
    const widgets = own.filter(out => out.querySelector('.jupyter-widgets'));
    const widgetErrors = own.map(out => out.textContent.trim())
        .filter(text => /Error displaying widget|model not found|Loading widget/i.test(text));
    return {{
        images: images.length,
        loaded: images.filter(img => img.complete && img.naturalWidth > 0).length,
        widgets: widgets.length,
        widget_errors: widgetErrors,
    }};
}})"""

# The notebook as JupyterLab holds it (nbformat JSON, outputs included): window.jupyterapp exists
# because the suite starts JupyterLab with --LabApp.expose_app_in_browser.
JS_MODEL = """() => window.jupyterapp.shell.currentWidget.content.model.toJSON()"""


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# The MIME types JupyterLab (with ipywidgets) prefers, best first, down to PNG: an output whose
# bundle also holds one of the earlier types (a playground's widget view with its static PNG
# fallback) is shown as that type, not as an image.
PREFERRED_MIME_TYPES = [WIDGET_VIEW, "text/html", "text/markdown", "text/latex", "image/svg+xml",
                        "image/bmp", "image/png"]


def shown_as(data: dict) -> str | None:
    """The MIME type JupyterLab renders an output bundle as (None: something after PNG)."""
    return next((mime for mime in PREFERRED_MIME_TYPES if mime in data), None)


class LabError(AssertionError):
    """JupyterLab did not do what a student expects (with what it showed instead)."""


@dataclass
class CellProblem:
    index: int
    kind: str       # "error" (a traceback) or "stderr"
    text: str
    grade_id: str | None

    def __str__(self) -> str:
        where = f"cell {self.index}" + (f" (grade_id {self.grade_id})" if self.grade_id else "")
        return f"{where}: {self.kind}: {self.text[-600:]}"


@dataclass
class RunReport:
    """What Run All left in a notebook, from JupyterLab's model and from the DOM."""

    model: dict
    rendered: list[dict]
    problems: list[CellProblem] = field(default_factory=list)
    never_ran: list[int] = field(default_factory=list)
    expected_images: dict[int, int] = field(default_factory=dict)
    expected_widgets: dict[int, int] = field(default_factory=dict)

    @classmethod
    def build(cls, model: dict, rendered: list[dict]) -> RunReport:
        report = cls(model=model, rendered=rendered)
        for index, cell in enumerate(model["cells"]):
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            if source.strip() and cell.get("execution_count") is None:
                report.never_ran.append(index)
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            for output in cell.get("outputs", []):
                if output["output_type"] == "error":
                    text = f"{output['ename']}: {output['evalue']}"
                    report.problems.append(CellProblem(index, "error", text, grade_id))
                elif output["output_type"] == "stream" and output["name"] == "stderr":
                    text = output["text"] if isinstance(output["text"], str) else "".join(output["text"])
                    report.problems.append(CellProblem(index, "stderr", text, grade_id))
                elif shown_as(output.get("data", {})) == "image/png":
                    report.expected_images[index] = report.expected_images.get(index, 0) + 1
                elif shown_as(output.get("data", {})) == WIDGET_VIEW:
                    report.expected_widgets[index] = report.expected_widgets.get(index, 0) + 1
        return report

    def image_mismatches(self) -> list[str]:
        """Cells whose PNG outputs did not all render as decoded <img> elements."""
        found = []
        for index, cell in enumerate(self.rendered):
            expected = self.expected_images.get(index, 0)
            if (cell["images"], cell["loaded"]) != (expected, expected):
                found.append(f"cell {index}: {expected} PNG outputs, {cell['images']} <img> "
                             f"elements, {cell['loaded']} decoded")
        return found

    def widget_errors(self) -> list[str]:
        """Widget views missing from the DOM, or showing an error instead of the widget."""
        found = [f"cell {index}: {text}" for index, cell in enumerate(self.rendered)
                 for text in cell["widget_errors"]]
        for index, cell in enumerate(self.rendered):
            expected = self.expected_widgets.get(index, 0)
            if cell["widgets"] != expected:
                found.append(f"cell {index}: {expected} widget outputs, {cell['widgets']} shown")
        return found


class LabNotebook:
    """One notebook open in JupyterLab in a Playwright page."""

    def __init__(self, page, server, path: str):
        self.page, self.server, self.path = page, server, path

    def open(self) -> LabNotebook:
        """Load JupyterLab on the notebook and wait until its kernel is connected and idle."""
        self.page.goto(self.server.lab_url(self.path), timeout=OPEN_TIMEOUT)
        self.page.locator(f"{NOTEBOOK} .jp-Cell").first.wait_for(timeout=OPEN_TIMEOUT)
        self.wait_until(JS_KERNEL_IDLE, OPEN_TIMEOUT, "the kernel to connect and go idle")
        return self

    def wait_until(self, js: str, timeout_ms: int, what: str) -> None:
        try:
            self.page.wait_for_function(js, timeout=timeout_ms, polling=200)
        except PlaywrightTimeout as error:
            status = self.page.locator(STATUS_BAR).text_content(timeout=5_000)
            raise LabError(f"{self.path}: waited {timeout_ms / 1000:.0f} s for {what}; "
                           f"status bar: {status!r}") from error

    def run_all(self) -> None:
        """Run > Run All Cells, clicked again when no cell starts (a click right after load can be
        lost), then wait until no cell is queued or running and the kernel is idle."""
        before = self.page.evaluate(JS_PROMPTS)
        for _attempt in range(RUN_ALL_ATTEMPTS):
            self.page.locator("#jp-MainMenu").get_by_text("Run", exact=True).click()
            self.page.locator(RUN_ALL).click()
            try:
                # Started: some cell shows [*], or the prompts changed (a quick run is over).
                self.page.wait_for_function(
                    f"""before => ({JS_RUNNING})()
                        || JSON.stringify(({JS_PROMPTS})()) !== JSON.stringify(before)""",
                    arg=before, timeout=START_TIMEOUT, polling=100)
                break
            except PlaywrightTimeout:
                self.page.keyboard.press("Escape")  # close the menu if it is still open
        else:
            raise LabError(f"{self.path}: Run All started no cell in {RUN_ALL_ATTEMPTS} tries")
        self.page.evaluate("() => { window.__nncourseQuietSince = null; }")
        self.wait_until(JS_FINISHED, RUN_TIMEOUT, "Run All to finish")

    def report(self) -> RunReport:
        """What Run All left, once the browser has finished loading every image (a broken one
        counts as finished too: it is then reported as not decoded)."""
        self.wait_until(f"""() => Array.from(document.querySelectorAll('{NOTEBOOK} img'))
                                .every(img => img.complete)""",
                        IMAGES_TIMEOUT, "the images to load")
        return RunReport.build(self.page.evaluate(JS_MODEL), self.page.evaluate(JS_RENDERED))

    def screenshot(self, target: Path, max_height: int = 32_000) -> Path:
        """A screenshot of the whole notebook: the side bar is closed and the window made as tall
        as the notebook's scrolled content (JupyterLab scrolls inside the notebook, not the page)."""
        self.page.evaluate("""() => {
            if (!window.jupyterapp.shell.leftCollapsed)
                return window.jupyterapp.commands.execute('application:toggle-left-area');
        }""")
        viewport = self.page.viewport_size
        height = viewport["height"]
        for _ in range(3):  # growing the window can reflow the notebook: measure until stable
            # How far the last cell ends below the visible part (not the padding after it).
            overflow = self.page.evaluate(f"""() => {{
                const notebook = document.querySelector('{NOTEBOOK}');
                const scroller = notebook.closest('.jp-WindowedPanel-outer')
                    || notebook.querySelector('.jp-WindowedPanel-outer') || notebook;
                scroller.scrollTop = 0;
                const cells = notebook.querySelectorAll('.jp-Cell');
                const last = cells[cells.length - 1].getBoundingClientRect().bottom;
                return Math.ceil(last + 40 - scroller.getBoundingClientRect().bottom);
            }}""")
            if overflow <= 0 or height >= max_height:
                break
            height = min(max_height, height + overflow)
            self.page.set_viewport_size({"width": viewport["width"], "height": height})
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(target), full_page=True)
        finally:
            self.page.set_viewport_size(viewport)
        return target
