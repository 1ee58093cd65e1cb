"""A class on the hub that `python3 course.py hub` starts, every step through the web pages.

The test starts the recipe as an instructor would (`python3 course.py hub`, then
`nncourse hub add-students roster.csv` while the hub runs) in a throwaway prefix with unique user
names, and drives it in Debian's Chromium with one browser context per person:

 1. the instructor logs in and, in a JupyterLab terminal, releases 01_the_neuron
    (`nbgrader release_assignment`);
 2. alice logs in, fetches it in the Assignment List, solves it (her browser session saves the
    answers, as JupyterLab's save does) and submits it;
 3. the instructor sets a due date in the gradebook (`nbgrader db assignment add --duedate`, now);
 4. bob logs in, fetches it and submits it blank: late;
 5. the instructor collects (`nbgrader collect`), grades the collected submitted/ folder with
    `nncourse autograde` into the course's gradebook, sees both in formgrader, and releases
    feedback (`nbgrader release_feedback`);
 6. each student fetches feedback in the Assignment List and sees their own, not the other's.

Then, as each student (runuser), nothing of the instructor's (solutions/, the gradebook), of the
exchange's inbound copies, or of the other student's home can be read. Screenshots of every step
go to test-artifacts/hub/. Users, groups, homes, the prefix and every process are removed after,
also when the test fails.
"""
from __future__ import annotations

import concurrent.futures
import csv
import json
import os
import pwd
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
from hubmachine import as_user, remove, stop_process_group

from nncourse.grading.source import nbgrader_meta

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts" / "hub"
ASSIGNMENT = "01_the_neuron"
SOLUTION_REGION = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)

HUB_START_TIMEOUT = 1500   # s: the first run creates the shared environment (pip, npm) on a loaded machine
SERVER_TIMEOUT = 240_000   # ms: a user's JupyterLab starts (LocalProcessSpawner) and loads
STEP_TIMEOUT = 600         # s: one command in the instructor's terminal (autograde is the longest)
UI_TIMEOUT = 120_000       # ms: a button's effect shows in the Assignment List or formgrader


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Hub:
    tag: str
    prefix: Path
    url: str
    course_id: str
    instructor: str
    students: list[str]
    process: subprocess.Popen | None = None
    log: Path | None = None
    passwords: dict[str, str] = field(default_factory=dict)

    @property
    def course_dir(self) -> Path:
        return self.home(self.instructor) / self.course_id

    @property
    def exchange(self) -> Path:
        return self.prefix / "exchange" / self.course_id

    def home(self, user: str) -> Path:
        return self.prefix / "home" / user

    def log_tail(self, lines: int = 60) -> str:
        text = self.log.read_text(errors="replace") if self.log and self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _admin_environment() -> dict[str, str]:
    """Root's environment as an administrator's shell has it: without this test run's .venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    venv_bin = str(Path(sys.prefix) / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "/usr/bin:/bin").split(os.pathsep) if p != venv_bin)
    return env


def _wait_for_hub(hub: Hub) -> None:
    deadline = time.monotonic() + HUB_START_TIMEOUT
    while True:
        if hub.process.poll() is not None:
            pytest.fail(f"python3 course.py hub exited with {hub.process.returncode}:\n{hub.log_tail()}",
                        pytrace=False)
        try:
            with urllib.request.urlopen(f"{hub.url}/hub/api/", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"the hub did not answer within {HUB_START_TIMEOUT} s:\n{hub.log_tail()}", pytrace=False)
        time.sleep(1)  # polling the hub's readiness


def _write_lab_settings(hub: Hub, user: str) -> None:
    """Every notebook cell in the DOM (screenshots show whole notebooks), as a user's own settings."""
    entry = pwd.getpwnam(user)
    folder = hub.home(user) / ".jupyter" / "lab" / "user-settings" / "@jupyterlab" / "notebook-extension"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    for path in [hub.home(user) / ".jupyter", *(hub.home(user) / ".jupyter").rglob("*")]:
        os.chown(path, entry.pw_uid, entry.pw_gid)


@pytest.fixture(scope="module")
def hub() -> Hub:
    if os.geteuid() != 0:
        pytest.fail("the hub test creates Linux users and must run as root (CI does)", pytrace=False)
    tag = "nnc" + secrets.token_hex(3)
    prefix = Path(tempfile.mkdtemp(prefix=f"{tag}-", dir="/tmp"))
    prefix.chmod(0o755)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()  # screenshots of an earlier run
    hub = Hub(tag=tag, prefix=prefix, url="", course_id=tag, instructor=f"{tag}-teacher",
              students=[f"{tag}-alice", f"{tag}-bob"])
    port = free_port()
    hub.url = f"http://127.0.0.1:{port}"
    hub.log = prefix / "course-py-hub.log"
    try:
        command = [sys.executable, str(ROOT / "course.py"), "hub", "--prefix", str(prefix),
                   "--course-id", tag, "--instructor", hub.instructor, "--home-base", str(prefix / "home"),
                   "--ip", "127.0.0.1", "--port", str(port), "--hub-port", str(free_port()),
                   "--proxy-api-port", str(free_port())]
        with open(hub.log, "wb") as log:
            hub.process = subprocess.Popen(command, cwd=ROOT, env=_admin_environment(), stdin=subprocess.DEVNULL,
                                           stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        _wait_for_hub(hub)
        # the students come after the hub is up: adding them needs no restart
        roster = prefix / "roster.csv"
        roster.write_text("id,first_name,last_name,email\n" + "".join(
            f"{s},{s.rsplit('-', 1)[1].title()},Student,{s}@example.org\n" for s in hub.students))
        added = subprocess.run([str(prefix / "venv" / "bin" / "nncourse"), "hub", "add-students", str(roster),
                                "--prefix", str(prefix)], text=True, capture_output=True, env=_admin_environment())
        assert added.returncode == 0, added.stdout + added.stderr
        with open(prefix / "hub" / "passwords.csv", newline="") as handle:
            hub.passwords = {row["user"]: row["password"] for row in csv.DictReader(handle)}
        assert set(hub.passwords) == {hub.instructor, *hub.students}
        for user in (hub.instructor, *hub.students):
            _write_lab_settings(hub, user)
        yield hub
    finally:
        if hub.process is not None:
            stop_process_group(hub.process)
        if hub.log and hub.log.exists():
            (ARTIFACTS / "course-py-hub.log").write_bytes(hub.log.read_bytes())
        left = remove(tag, prefix)
        assert not left, f"the hub test left behind: {left}"


def in_a_thread_of_its_own(function):
    """Run `function` in a new thread: Playwright's sync API refuses to start in a thread where
    another one runs (tests/browser keeps its browser for the whole session), and a new thread has
    no event loop yet. Exceptions (failed assertions) come back to the caller."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function).result()


def launch_chromium(playwright):
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: python3 course.py test installs Debian's chromium "
                    "when run as root (never `playwright install`)", pytrace=False)
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)


class Person:
    """One person's browser context on the hub, logged in, with numbered screenshots."""

    step = 0

    def __init__(self, hub: Hub, browser, user: str):
        self.hub, self.user = hub, user
        self.context = browser.new_context(viewport={"width": 1400, "height": 900})
        self.context.set_default_timeout(UI_TIMEOUT)
        self.page = self.context.new_page()
        self.base = f"{hub.url}/user/{user}"

    def shot(self, name: str, page=None) -> None:
        Person.step += 1
        who = self.user.split("-", 1)[1]
        (page or self.page).screenshot(path=str(ARTIFACTS / f"{Person.step:02d}-{who}-{name}.png"))

    def login(self) -> None:
        page = self.page
        page.goto(f"{self.hub.url}/hub/login")
        page.fill("#username_input", self.user)
        page.fill("#password_input", self.hub.passwords[self.user])
        self.shot("login")
        page.click("#login_submit")
        page.wait_for_url(f"{self.base}/lab**", timeout=SERVER_TIMEOUT)
        page.wait_for_selector("#jp-main-statusbar", timeout=SERVER_TIMEOUT)
        page.wait_for_selector("#jp-MainMenu >> text=Nbgrader", timeout=SERVER_TIMEOUT)

    def open_assignment_list(self) -> None:
        page = self.page
        if not page.query_selector("#assignments:visible"):
            page.click("#jp-MainMenu >> text=Nbgrader")
            page.click(".lm-Menu-content >> text=Assignment List")
        page.click("#refresh_assignments_list")
        page.wait_for_selector("#released_assignments_list_loading", state="hidden")

    def item(self, listing: str):
        """The Assignment List's row for the assignment in `listing` (released, fetched, submitted)."""
        return self.page.locator(f"#{listing}_assignments_list .list_item", has_text=ASSIGNMENT).first

    def api(self, method: str, path: str, body: object | None = None) -> object:
        """The user's Jupyter REST API, called from their logged-in page (cookie and XSRF token)."""
        return self.page.evaluate(
            """async ([url, method, body]) => {
                const xsrf = (document.cookie.match(/(?:^|; )_xsrf=([^;]*)/) || [])[1] || '';
                const response = await fetch(url, {method, headers: {'X-XSRFToken': decodeURIComponent(xsrf),
                    'Content-Type': 'application/json'}, body: body === null ? undefined : JSON.stringify(body)});
                if (!response.ok) { throw new Error(method + ' ' + url + ': ' + response.status); }
                const text = await response.text();
                return text ? JSON.parse(text) : null;
            }""", [f"{self.base}{path}", method, body])

    def close(self) -> None:
        self.context.close()


class Instructor(Person):
    """The instructor: commands typed into a JupyterLab terminal, formgrader in its own tab."""

    def open_terminal(self) -> None:
        page = self.page
        page.click(".jp-LauncherCard[data-category='Other'] >> text=Terminal")
        page.wait_for_selector(".jp-Terminal .xterm", timeout=SERVER_TIMEOUT)
        self.terminal_step = 0

    def terminal(self, name: str, command: str) -> str:
        """Type `command` in the terminal; wait for it to end; its output (also on the screen)."""
        self.terminal_step += 1
        marker = f".nnc-test-{self.terminal_step}"
        home = self.hub.home(self.user)
        for leftover in home.glob(marker + ".*"):
            leftover.unlink()
        self.page.click(".jp-Terminal .xterm")
        self.page.keyboard.type(f"cd ~/{self.hub.course_id} && clear; ({command}) > ~/{marker}.log 2>&1; "
                                f"echo $? > ~/{marker}.rc; tail -n 25 ~/{marker}.log\n")
        deadline = time.monotonic() + STEP_TIMEOUT
        while not (home / f"{marker}.rc").exists() or not (home / f"{marker}.rc").read_text().strip():
            assert time.monotonic() < deadline, f"`{command}` did not end within {STEP_TIMEOUT} s"
            time.sleep(0.5)  # waiting for the typed command to finish
        output = (home / f"{marker}.log").read_text(errors="replace")
        code = int((home / f"{marker}.rc").read_text())
        time.sleep(1)  # let the terminal draw the output's tail before the screenshot
        self.shot(name)
        assert code == 0, f"`{command}` failed with exit code {code}:\n{output}"
        return output

    def formgrader(self, path: str, name: str, expect: str):
        """A formgrader page in a tab of its own (JupyterHub >= 4.1 forbids it in JupyterLab's frame)."""
        page = self.context.new_page()
        page.goto(f"{self.base}/formgrader/{path}")
        page.wait_for_selector(f"text={expect}")
        page.wait_for_load_state("networkidle")
        self.shot(name, page)
        return page


def solve(notebook: dict) -> tuple[dict, int]:
    """The released notebook with the model answers of solutions/ in its solution cells."""
    solution = nbformat.read(ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    answers = {nbgrader_meta(c)["grade_id"]: SOLUTION_REGION.sub("", c.source)
               for c in solution.cells if nbgrader_meta(c).get("solution")}
    replaced = 0
    for cell in notebook["cells"]:
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if meta.get("solution") and meta.get("grade_id") in answers:
            cell["source"] = answers[meta["grade_id"]]
            replaced += 1
    return notebook, replaced


def fetch_and_submit(student: Person, solve_it: bool) -> None:
    page = student.page
    student.open_assignment_list()
    student.item("released").locator("button", has_text="Fetch").click()
    student.item("fetched").wait_for()
    student.shot("fetched")
    path = f"/api/contents/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
    if solve_it:
        model = student.api("GET", path + "?content=1")
        notebook, replaced = solve(model["content"])
        assert replaced >= 3, "the released notebook has too few solution cells to solve"
        student.api("PUT", path, {"type": "notebook", "format": "json", "content": notebook})
    page.goto(f"{student.base}/lab/tree/{ASSIGNMENT}/{ASSIGNMENT}.ipynb")
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell")
    student.shot("solved" if solve_it else "left-blank")
    student.open_assignment_list()
    student.item("fetched").locator("button", has_text="Submit").click()
    student.item("submitted").wait_for()
    student.shot("submitted")


def gradebook_rows(hub: Hub) -> dict[str, dict]:
    """Per student: score, max score, seconds late, as formgrader reads them from the gradebook."""
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{hub.course_dir / 'gradebook.db'}") as gradebook:
        return {s.student.id: {"score": s.score, "max_score": s.max_score, "code_score": s.code_score,
                               "max_code_score": s.max_code_score, "late": s.total_seconds_late,
                               "timestamp": s.timestamp}
                for s in gradebook.assignment_submissions(ASSIGNMENT)}


def test_a_class_on_the_hub_releases_submits_grades_and_returns_feedback(hub):
    rows = in_a_thread_of_its_own(lambda: the_loop_in_the_browser(hub))
    alice_row, bob_row = rows[hub.students[0]], rows[hub.students[1]]
    check_what_students_cannot_read(hub)
    # bob's submission came after the due date: the gradebook (and so formgrader and exports) says so
    assert not alice_row["late"] and bob_row["late"] > 0, rows


def the_loop_in_the_browser(hub: Hub) -> dict[str, dict]:
    """Steps 1 to 6 in Chromium; returns the gradebook's rows as nncourse autograde left them."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            return run_the_loop(hub, browser)
        finally:
            browser.close()


def run_the_loop(hub: Hub, browser) -> dict[str, dict]:
    teacher = Instructor(hub, browser, hub.instructor)
    alice = Person(hub, browser, hub.students[0])
    bob = Person(hub, browser, hub.students[1])
    try:
        # 1. the instructor releases the first assignment
        teacher.login()
        teacher.shot("lab")
        teacher.open_terminal()
        teacher.terminal("release", f"nbgrader release_assignment {ASSIGNMENT}")
        assert (hub.exchange / "outbound" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()

        # 2. alice fetches, solves and submits on time
        alice.login()
        fetch_and_submit(alice, solve_it=True)

        # 3. the due date passes: set in the gradebook after alice's submission, before bob's
        teacher.page.bring_to_front()
        teacher.terminal("due-date", f"nbgrader db assignment add {ASSIGNMENT} "
                                     "--duedate=\"$(date -u '+%Y-%m-%d %H:%M:%S') UTC\"")
        time.sleep(2)  # bob's submission time must be strictly later than the due date (1 s resolution)

        # 4. bob fetches and submits it blank, late
        bob.login()
        fetch_and_submit(bob, solve_it=False)

        # 5. the instructor collects, grades with nncourse autograde, looks in formgrader, releases feedback
        teacher.page.bring_to_front()
        collected = teacher.terminal("collect", f"nbgrader collect {ASSIGNMENT}")
        for student in hub.students:
            assert student in collected
            assert (hub.course_dir / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()
        graded = teacher.terminal("autograde", f"nncourse autograde submitted --out . --notebooks {ASSIGNMENT} "
                                               "--workers 1 --no-progress")
        assert "graded 2 students" in graded, graded
        rows = gradebook_rows(hub)
        alice_row, bob_row = rows[alice.user], rows[bob.user]
        # every autograded exercise right for alice, none for bob (written answers wait for a TA)
        assert alice_row["max_code_score"] > 0 and alice_row["code_score"] == alice_row["max_code_score"], rows
        assert bob_row["score"] == 0, rows

        needed = [hub.course_dir / "feedback" / s / ASSIGNMENT / name for s in hub.students
                  for name in (f"{ASSIGNMENT}.html", "timestamp.txt", "submission_secret.txt")]
        if not all(path.exists() for path in needed):
            # This checkout's `nncourse autograde` does not yet leave feedback/<student>/<assignment>/
            # as release_feedback reads it (the page, timestamp.txt and submission_secret.txt):
            # nbgrader's own autograde and generate_feedback make it (--force: over what is there).
            missing = [str(path.relative_to(hub.course_dir)) for path in needed if not path.exists()]
            warnings.warn(f"nncourse autograde wrote no releasable feedback (missing {missing}): the hub test "
                          "generated the feedback with nbgrader generate_feedback", stacklevel=1)
            teacher.terminal("generate-feedback", f"nbgrader autograde --force {ASSIGNMENT} && "
                                                  f"nbgrader generate_feedback --force {ASSIGNMENT}")
        assignments = teacher.formgrader("manage_assignments", "formgrader-assignments", ASSIGNMENT)
        row = assignments.locator("tr", has_text=ASSIGNMENT).first
        cells = [cell.strip() for cell in row.locator("td").all_inner_texts()]
        assert cells[1].startswith("20") and "2" in cells[2:], cells   # the due date; 2 submissions
        submissions = teacher.formgrader(f"manage_submissions/{ASSIGNMENT}", "formgrader-submissions", alice.user)
        for student, score in ((alice.user, alice_row["code_score"]), (bob.user, 0)):
            row = submissions.locator("tr", has_text=student).first.inner_text()
            assert re.search(rf"(^|\s){score:g}(\.0+)? / {alice_row['max_score']:g}(\.0+)?(\s|$)", row), row
            assert "needs autograding" not in row, row
        students = teacher.formgrader("manage_students", "formgrader-students", bob.user)
        assert alice.user in students.inner_text("body")

        teacher.page.bring_to_front()
        released = teacher.terminal("release-feedback", f"nbgrader release_feedback {ASSIGNMENT}")
        for student in hub.students:
            assert f"Releasing feedback for student '{student}'" in released, released

        # 6. each student fetches their own feedback and sees only theirs
        for student, other in ((alice, bob), (bob, alice)):
            student.page.bring_to_front()
            student.open_assignment_list()
            row = student.item("submitted")
            row.locator("button", has_text="Fetch Feedback").click()
            link = row.locator("a", has_text="view feedback")
            link.wait_for()
            student.shot("feedback-fetched")
            link.click()   # the file browser goes to the fetched feedback
            student.page.locator(".jp-DirListing-item", has_text=f"{ASSIGNMENT}.html").first.dblclick()
            viewer = student.page.frame_locator(".jp-HTMLViewer iframe").last
            viewer.locator("body", has_text=ASSIGNMENT).wait_for()   # the viewer fills its frame after it appears
            text = viewer.locator("body").inner_text()
            student.shot("feedback")
            assert text.strip() and other.user not in text, text[:2000]
            fetched = list((hub.home(student.user) / ASSIGNMENT / "feedback").rglob(f"{ASSIGNMENT}.html"))
            assert len(fetched) == 1, fetched
            released = {s: (hub.course_dir / "feedback" / s / ASSIGNMENT / f"{ASSIGNMENT}.html").read_bytes()
                        for s in hub.students}
            assert fetched[0].read_bytes() == released[student.user] != released[other.user]

        # the instructor is a hub admin: the admin page lists the students' servers (to restart one)
        admin = teacher.context.new_page()
        admin.goto(f"{hub.url}/hub/admin")
        for student in hub.students:
            admin.get_by_text(student, exact=True).first.wait_for()
        teacher.shot("hub-admin", admin)
    finally:
        for person in (teacher, alice, bob):
            person.close()
    return rows


def check_what_students_cannot_read(hub: Hub) -> None:
    # 7. as each student: nothing of the instructor's, of the exchange's inbound copies, or of the
    #    other student can be read
    inbound = hub.exchange / "inbound"
    copies = {s: [p for p in inbound.iterdir() if p.name.startswith(s + "+")] for s in hub.students}
    for student, other in ((hub.students[0], hub.students[1]), (hub.students[1], hub.students[0])):
        assert copies[other], f"no inbound copy of {other}"
        theirs = copies[other][0] / f"{ASSIGNMENT}.ipynb"
        mine = copies[student][0] / f"{ASSIGNMENT}.ipynb"
        own_work = hub.home(student) / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        # what the student may read: the check below is not vacuous
        for allowed in (f"cat '{own_work}'", f"cat '{mine}'",
                        f"{hub.prefix}/venv/bin/python -c 'import nncourse'"):
            result = as_user(student, allowed + " > /dev/null")
            assert result.returncode == 0, f"{student} cannot run `{allowed}`: {result.stdout}"
        forbidden = [
            f"ls '{hub.course_dir / 'solutions'}'",
            f"cat '{hub.course_dir / 'solutions' / ASSIGNMENT / (ASSIGNMENT + '.ipynb')}'",
            f"cat '{hub.course_dir / 'gradebook.db'}'",
            f"ls '{hub.course_dir}'",
            f"ls '{inbound}'",
            f"cat '{theirs}'",
            f"ls '{copies[other][0]}'",
            f"ls '{hub.home(other)}'",
            f"cat '{hub.home(other) / ASSIGNMENT / (ASSIGNMENT + '.ipynb')}'",
            f"ls '{hub.exchange / 'feedback'}'",
            f"cat '{hub.prefix / 'hub' / 'passwords.csv'}'",
        ]
        for command in forbidden:
            result = as_user(student, command)
            assert result.returncode != 0 and "Permission denied" in result.stdout, (
                f"{student} could run `{command}`: {result.stdout[:500]}")
