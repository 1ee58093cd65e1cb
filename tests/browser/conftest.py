"""Fixtures of the real-browser suite: JupyterLab on a scratch copy of the course, driven by Chromium.

One JupyterLab server and one Chromium per test session; a fresh browser context (and no kernels
left running) per test. JupyterLab is started with the same command line as `python3 course.py lab`
(`course.lab_command`), so the suite proves what a student gets, Validate button included. Every
process started here is stopped in a `finally`, also when a test fails.
"""
from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from course_notebooks import write_harness_notebooks

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
SERVER_START_TIMEOUT = 90  # seconds; JupyterLab is usually ready in about 2 s
SERVER_STOP_TIMEOUT = 20

# What the scratch copy holds: the notebooks, their sources, and what Validate needs
# (nbgrader_config.py, read from the server's working directory).
COURSE_PATHS = ["notebooks", "solutions", "nbgrader_config.py"]

# JupyterLab user settings for the tests: never ask about news (no network here), and attach every
# cell to the DOM so that images can be counted and a tall screenshot shows the whole notebook.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def load_course_module():
    """course.py (the README's two commands) as a module, for `lab_command`."""
    spec = importlib.util.spec_from_file_location("nncourse_course_script", ROOT / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LabServer:
    """A running JupyterLab: where it listens, its token, and the scratch course it serves."""

    url: str
    token: str
    root: Path
    log: Path

    def api(self, method: str, path: str, timeout: float = 30) -> object:
        """Call the Jupyter REST API; returns the decoded JSON body (None when empty)."""
        request = urllib.request.Request(
            f"{self.url}{path}", method=method, headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def lab_url(self, path: str) -> str:
        """JupyterLab opened on `path` (relative to root) with a fresh layout (`reset`)."""
        return f"{self.url}/lab/tree/{path}?reset&token={self.token}"

    def shutdown_all_kernels(self) -> None:
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")
        for kernel in self.api("GET", "/api/kernels"):
            self.api("DELETE", f"/api/kernels/{kernel['id']}")

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@pytest.fixture(scope="session")
def chromium_executable() -> Path:
    """Debian's Chromium; the browser tests FAIL (never skip) when it is missing."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}. The browser tests need Debian's chromium "
            "package: run `apt-get update && apt-get install -y chromium` as root (python3 course.py "
            "test does it when run as root). Never `playwright install`.", pytrace=False)
    return CHROMIUM


@pytest.fixture(scope="session")
def course_copy(tmp_path_factory) -> Path:
    """A scratch copy of the course: autosave and Validate write into it, never into the repository."""
    scratch = tmp_path_factory.mktemp("course")
    for name in COURSE_PATHS:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, scratch / name,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        elif source.exists():
            shutil.copy2(source, scratch / name)
    write_harness_notebooks(scratch / "harness")
    return scratch


def _jupyter_environment(home: Path) -> dict[str, str]:
    """.venv's environment with every per-user Jupyter, IPython and JupyterLab path in `home`.

    Extensions and kernels installed in .venv (sys.prefix: nbgrader's lab and server extensions,
    jupyterlab_widgets, the python3 kernel) stay on Jupyter's paths.
    """
    env = load_course_module().venv_env()
    dirs = {
        "HOME": home,
        "JUPYTER_CONFIG_DIR": home / ".jupyter",
        "JUPYTER_DATA_DIR": home / ".local" / "share" / "jupyter",
        "JUPYTER_RUNTIME_DIR": home / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": home / ".jupyter" / "lab" / "user-settings",
        "JUPYTERLAB_WORKSPACES_DIR": home / ".jupyter" / "lab" / "workspaces",
        "IPYTHONDIR": home / ".ipython",
        "MPLCONFIGDIR": home / ".config" / "matplotlib",
    }
    for name, path in dirs.items():
        path.mkdir(parents=True, exist_ok=True)
        env[name] = str(path)
    for name, settings in LAB_SETTINGS.items():
        target = dirs["JUPYTERLAB_SETTINGS_DIR"] / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(settings))
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTER_CONFIG_PATH", None)
    return env


def _processes_mentioning(text: str) -> list[int]:
    """Ids of our processes whose command line contains `text` (kernels name their runtime dir)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            pids.append(int(entry.name))
    return pids


def _stop(process: subprocess.Popen, runtime_dir: Path) -> None:
    """Stop JupyterLab's process group, then any kernel it left behind (kernels get own sessions)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)  # JupyterLab shuts its kernels down on SIGTERM
            process.wait(timeout=SERVER_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=SERVER_STOP_TIMEOUT)
        except ProcessLookupError:
            pass
    for pid in _processes_mentioning(str(runtime_dir)):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="session")
def lab_server(course_copy, tmp_path_factory) -> LabServer:
    """JupyterLab, started as `python3 course.py lab` starts it, on the scratch copy of the course."""
    course = load_course_module()
    home = tmp_path_factory.mktemp("home")
    env = _jupyter_environment(home)
    port, token = free_port(), secrets.token_hex(16)
    command = course.lab_command(course_copy) + [
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", "--ServerApp.open_browser=False",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: read the notebook model
    ]
    log = home / "jupyterlab.log"
    server = LabServer(url=f"http://127.0.0.1:{port}", token=token, root=course_copy, log=log)
    with open(log, "wb") as log_file:
        process = subprocess.Popen(command, cwd=course_copy, env=env, stdin=subprocess.DEVNULL,
                                   stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"JupyterLab exited with code {process.returncode} while starting:\n"
                            f"{server.log_tail()}", pytrace=False)
            try:
                server.api("GET", "/api/status", timeout=5)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not answer within {SERVER_START_TIMEOUT} s:\n"
                                f"{server.log_tail()}", pytrace=False)
                time.sleep(0.2)  # polling the server's readiness, not waiting for a result
        yield server
    finally:
        runtime_dir = Path(env["JUPYTER_RUNTIME_DIR"])
        _stop(process, runtime_dir)
        leftovers = _processes_mentioning(str(runtime_dir))
        assert not leftovers, f"processes still running after JupyterLab stopped: {leftovers}"


@pytest.fixture(scope="session")
def browser(chromium_executable):
    """Headless Debian Chromium driven by Playwright (a fresh temporary profile)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright for Python is not installed: python3 course.py test installs the "
                    "course's test extras (pip install -e '.[test]').", pytrace=False)
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(chromium_executable), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="session")
def browser_context(browser):
    """One browser profile for the session: JupyterLab's scripts load from its cache after the
    first page (the layout is reset per page by the URL's `reset`)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(browser_context, lab_server):
    """A fresh browser tab; afterwards it is closed and every kernel is shut down."""
    tab = browser_context.new_page()
    try:
        yield tab
    finally:
        tab.close()
        lab_server.shutdown_all_kernels()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS

