"""A term end to end, on the committed course: roster, LMS downloads, due dates, grading, formgrader, exports.

Four students in a Canvas course, two weeks:

- week 1 (01_the_neuron, due 2027-01-15 23:59 UTC) comes as Canvas's bulk-download zip: Ada handed
  in the untouched release, then a solved resubmission (`-1`); Alan handed in a solved copy renamed
  `01_The_Neuron-Copy1`, 1 day 10 hours late (marked `late` by Canvas); Grace handed in `... (1).ipynb`
  with a wrong `step` and her written answer left as released; a stranger's file and a text file
  are in the zip too;
- week 2 (02_activation_functions, due 2027-01-22 23:59 UTC) comes as Moodle's folders: Ada on time,
  Edsger a day late, a stranger.

The course's late policy is "10%/day max 50%". After `nncourse autograde`, a TA grades written answers
through formgrader's REST API (the real server, started here); `nncourse export` and `nncourse feedback`
then include the TA's grades, the late penalties and every status, and canvas.csv is compared cell by
cell with what Canvas's gradebook import reads.
"""
from __future__ import annotations

import calendar
import csv
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

import nbformat
import pytest
from adversarial.build import ROOT, correct_notebook, set_solution, venv_env

from nncourse.grading.source import load_source, nbgrader_meta

pytestmark = pytest.mark.slow

NB1, NB2 = "01_the_neuron", "02_activation_functions"
POLICY = "10%/day max 50%"
WRONG_STEP = "def step(z):\n    return (np.asarray(z) > 0).astype(float)\n"


def nncourse(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nncourse.cli", *args], capture_output=True, text=True,
                          env=venv_env(), cwd=cwd, timeout=1200)


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result.stdout


def rows(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def maxima(course: Path) -> dict[str, tuple[float, float]]:
    """notebook -> (autograded points, written points)."""
    result = {}
    for nb in (NB1, NB2):
        source = load_source(course / "solutions" / nb / f"{nb}.ipynb")
        result[nb] = (sum(e.points for e in source.exercises), sum(a.points for a in source.written))
    return result


def released_answer(nb: nbformat.NotebookNode, notebook: str) -> None:
    """Put every written answer of `nb` back as released (not attempted)."""
    release = nbformat.read(ROOT / "notebooks" / notebook / f"{notebook}.ipynb", as_version=4)
    stubs = {nbgrader_meta(c)["grade_id"]: c.source for c in release.cells if nbgrader_meta(c).get("grade_id")}
    for cell in nb.cells:
        if cell.cell_type == "markdown" and nbgrader_meta(cell).get("solution"):
            cell.source = stubs[nbgrader_meta(cell)["grade_id"]]


def canvas_export(course: Path) -> str:
    m = maxima(course)
    return (f"Student,ID,SIS User ID,SIS Login ID,Section,01 The Neuron (1001),02 Activation Functions (1002),"
            f"Current Score,Final Score\n"
            f"    Points Possible,,,,,{sum(m[NB1]):.2f},{sum(m[NB2]):.2f},(read only),(read only)\n"
            '"Lovelace, Ada",501,s001,ada,Section A,,,,\n'
            '"Turing, Alan",502,s002,alan,Section A,,,,\n'
            '"Hopper, Grace",503,s003,grace,Section B,,,,\n'
            '"Dijkstra, Edsger",504,s004,edsger,Section B,,,,\n'
            '"Student, Test",999,,,Section A,,,,\n')


def _entry(zf: zipfile.ZipFile, name: str, when: tuple, nb) -> None:
    zf.writestr(zipfile.ZipInfo(name, when), nbformat.writes(nb))


class Formgrader:
    """nbgrader's formgrader (the real Jupyter server, started as `nncourse formgrader` starts it)."""

    def __init__(self, out: Path):
        from nncourse.grading.formgrader import command, environment
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.token = "term-test-token"
        self.log = open(out.parent / "formgrader.log", "wb")
        self.process = subprocess.Popen(command(out, self.port, "127.0.0.1", False, app="server")
                                        + [f"--ServerApp.token={self.token}"],
                                        cwd=out, env=environment(), stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while True:
            try:
                self.get("/formgrader/api/status")
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise AssertionError("formgrader did not start:\n"
                                         + (out.parent / "formgrader.log").read_text()[-3000:]) from None
                time.sleep(0.5)

    def request(self, method: str, path: str, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                         headers={"Authorization": f"token {self.token}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read().decode()
        return json.loads(text) if text.strip().startswith(("[", "{")) else text

    def get(self, path: str):
        return self.request("GET", path)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture(scope="module")
def term():
    """The term above, collected and autograded: {"course", "out", "collect1", "collect2", "grade"}."""
    with tempfile.TemporaryDirectory(prefix="nncourse-term-") as folder:
        base = Path(folder)
        course, out = base / "course", base / "out"
        shutil.copytree(ROOT / "solutions", course / "solutions")
        shutil.copytree(ROOT / "notebooks", course / "notebooks")
        config = (ROOT / "nbgrader_config.py").read_text()
        assert 'c.LatePenalty.policy = "none"' in config
        (course / "nbgrader_config.py").write_text(config.replace('c.LatePenalty.policy = "none"',
                                                                  f'c.LatePenalty.policy = "{POLICY}"'))
        (base / "canvas_export.csv").write_text(canvas_export(course))
        ok(nncourse("roster", "import", str(base / "canvas_export.csv"), "--out", str(out)))
        ok(nncourse("duedate", str(out), NB1, "2027-01-15 23:59:00 UTC"))
        ok(nncourse("duedate", str(out), NB2, "2027-01-22 23:59:00 UTC"))

        solved1 = correct_notebook(NB1)
        grace = correct_notebook(NB1)
        set_solution(grace, "step", WRONG_STEP)
        released_answer(grace, NB1)
        untouched = nbformat.read(ROOT / "notebooks" / NB1 / f"{NB1}.ipynb", as_version=4)
        with zipfile.ZipFile(base / "submissions.zip", "w") as zf:
            _entry(zf, f"lovelaceada_501_9001_{NB1}.ipynb", (2027, 1, 10, 9, 0, 0), untouched)
            _entry(zf, f"lovelaceada_501_9002_{NB1}-1.ipynb", (2027, 1, 12, 9, 0, 0), solved1)
            _entry(zf, "turingalan_late_502_9003_01_The_Neuron-Copy1.ipynb", (2027, 1, 17, 10, 0, 0), solved1)
            _entry(zf, f"hoppergrace_503_9004_{NB1} (1).ipynb", (2027, 1, 14, 20, 0, 0), grace)
            _entry(zf, f"nobody_777_9005_{NB1}.ipynb", (2027, 1, 11, 9, 0, 0), solved1)
            zf.writestr(zipfile.ZipInfo("hoppergrace_503_9006_notes.txt", (2027, 1, 11, 9, 0, 0)), "my notes")
        moodle = base / "moodle"
        solved2 = correct_notebook(NB2)
        for folder_name, file_name, when in [
                ("Ada Lovelace_31_assignsubmission_file_", f"{NB2}.ipynb", "2027-01-20 12:00:00"),
                ("Edsger Dijkstra_34_assignsubmission_file_", "02_Activation_Functions-Copy1.ipynb",
                 "2027-01-23 08:00:00"),
                ("Someone Else_40_assignsubmission_file_", f"{NB2}.ipynb", "2027-01-20 12:00:00")]:
            path = moodle / folder_name / file_name
            path.parent.mkdir(parents=True)
            nbformat.write(solved2, path)
            stamp = calendar.timegm(time.strptime(when, "%Y-%m-%d %H:%M:%S"))
            os.utime(path, (stamp, stamp))

        collect1 = ok(nncourse("collect", str(base / "submissions.zip"), "--out", str(out),
                               "--source", str(course / "solutions")))
        collect2 = ok(nncourse("collect", str(moodle), "--out", str(out), "--assignment", NB2,
                               "--source", str(course / "solutions")))
        grade = ok(nncourse("autograde", str(out / "submitted"), "--out", str(out), "--source",
                            str(course / "solutions"), "--workers", "2", "--no-progress"))
        yield {"base": base, "course": course, "out": out, "collect1": collect1, "collect2": collect2,
               "grade": grade}


def test_lms_downloads_land_in_nbgraders_submitted_folder(term):
    out = term["out"]
    submitted = {(p.parent.parent.name, p.parent.name) for p in (out / "submitted").glob("*/*/*.ipynb")}
    assert submitted == {("s001", NB1), ("s002", NB1), ("s003", NB1), ("s001", NB2), ("s004", NB2)}
    assert (out / "submitted" / "s001" / NB1 / "timestamp.txt").read_text().strip() == \
        "2027-01-12 09:00:00.000000 UTC", "the resubmission (-1) replaced the first upload"
    assert (out / "submitted" / "s004" / NB2 / "timestamp.txt").read_text().strip() == \
        "2027-01-23 08:00:00.000000 UTC", "Moodle's file time"
    unmatched = {row["file"]: row["reason"] for row in rows(out / "unmatched.csv")}
    assert set(unmatched) == {f"nobody_777_9005_{NB1}.ipynb", "hoppergrace_503_9006_notes.txt",
                              f"Someone Else_40_assignsubmission_file_/{NB2}.ipynb"}
    assert "1 marked late by the LMS: s002" in term["collect1"]
    assert "2 files not matched" in term["collect1"] and "1 files not matched" in term["collect2"]


def test_autograde_grades_the_two_weeks_and_leaves_written_answers_for_a_ta(term):
    out, grade = term["out"], term["grade"]
    assert "graded 4 students x 2 notebooks" in grade
    assert "late: 2 notebooks submitted after their due date (10% of the score per started day late, " \
           "at most 50%)" in grade
    scores = {(r["student_id"], r["notebook"], r["exercise"]): r for r in rows(out / "scores.csv")}
    assert scores[("s001", NB1, "answer_xor_proof")]["status"] == "needs manual grading"
    assert scores[("s003", NB1, "answer_xor_proof")]["status"] == "not attempted"
    assert scores[("s003", NB1, "step")]["status"] == "failed"
    assert scores[("s003", NB2, "sigmoid")]["status"] == "missing"
    assert scores[("s004", NB1, "step")]["status"] == "missing"
    assert "incomplete:" in grade and "missing:" in grade


@pytest.fixture(scope="module")
def graded_by_hand(term):
    """A TA grades through formgrader's REST API: Ada's and Alan's week-1 answers, Edsger's week-2 one."""
    out = term["out"]
    server = Formgrader(out)
    try:
        assignments = {a["name"]: a for a in server.get("/formgrader/api/assignments")}
        submissions = {nb: {s["student"]: s for s in server.get(f"/formgrader/api/submissions/{nb}")}
                       for nb in (NB1, NB2)}
        notebooks = {nb: {s["student"]: s for s in server.get(f"/formgrader/api/submitted_notebooks/{nb}/{nb}")}
                     for nb in (NB1, NB2)}
        page = server.get(f"/formgrader/submissions/{notebooks[NB1]['s001']['id']}/")

        def grade(nb, student, answer, points, comment=None):
            sid = notebooks[nb][student]["id"]
            (cell,) = [g for g in server.get(f"/formgrader/api/grades?submission_id={sid}") if g["name"] == answer]
            assert cell["needs_manual_grade"] and cell["auto_score"] is None and cell["cell_type"] == "markdown"
            graded = server.request("PUT", f"/formgrader/api/grade/{cell['id']}", {"manual_score": points})
            assert graded["manual_score"] == points and not graded["needs_manual_grade"]
            if comment:
                (note,) = [c for c in server.get(f"/formgrader/api/comments?submission_id={sid}")
                           if c["name"] == answer]
                server.request("PUT", f"/formgrader/api/comment/{note['id']}", {"manual_comment": comment})

        grade(NB1, "s001", "answer_xor_proof", 2, "Clear and complete.")
        grade(NB1, "s002", "answer_xor_proof", 1)
        grade(NB2, "s004", "answer_why_nonlinear", 2)
    finally:
        server.stop()
    export = ok(nncourse("export", str(out), "--missing", "zero"))
    return {"assignments": assignments, "submissions": submissions, "notebooks": notebooks, "page": page,
            "export": export}


def test_formgrader_shows_every_assignment_submission_and_score(term, graded_by_hand):
    m = maxima(term["course"])
    assignments, submissions = graded_by_hand["assignments"], graded_by_hand["submissions"]
    assert {NB1, NB2} <= set(assignments)
    assert assignments[NB1]["num_submissions"] == 3 and assignments[NB2]["num_submissions"] == 2
    assert assignments[NB1]["duedate"].startswith("2027-01-15T23:59:00")
    week1 = submissions[NB1]
    assert set(week1) == {"s001", "s002", "s003"}
    assert all(s["autograded"] and s["submitted"] for s in week1.values())
    assert week1["s001"]["first_name"] == "Ada" and week1["s001"]["needs_manual_grade"]
    assert (week1["s001"]["code_score"], week1["s003"]["code_score"]) == (m[NB1][0], m[NB1][0] - 1)
    assert week1["s002"]["timestamp"].startswith("2027-01-17T10:00:00")
    assert "Write your answer here" not in graded_by_hand["page"] and "finitely many" in graded_by_hand["page"]


def test_canvas_csv_is_what_canvas_imports_cell_by_cell(term, graded_by_hand):
    """Canvas's importer: header Student, ID, SIS User ID, SIS Login ID, Section, then assignment columns
    matched by the id in "Title (id)"; a "Points Possible" row; students matched by ID; blank = no change."""
    m = maxima(term["course"])
    table = list(csv.reader(io.StringIO((term["out"] / "canvas.csv").read_text(encoding="utf-8"))))
    ada1 = sum(m[NB1])                                    # all autograded points + 2 by hand, on time
    alan1 = round((m[NB1][0] + 1) * 0.8, 6)               # 1 of 2 by hand; 1 day 10 h late: 2 days, 20%
    grace1 = m[NB1][0] - 1                                # step wrong, written answer not attempted
    ada2 = m[NB2][0]                                      # written answer not graded yet: partial
    edsger2 = round((m[NB2][0] + 2) * 0.9, 6)             # 8 hours late: 1 day, 10%

    def n(x):
        return str(int(x)) if float(x).is_integer() else f"{x:.4g}"
    assert table == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "01 The Neuron (1001)",
         "02 Activation Functions (1002)"],
        ["Points Possible", "", "", "", "", f"{sum(m[NB1]):.2f}", f"{sum(m[NB2]):.2f}"],
        ["Lovelace, Ada", "501", "s001", "ada", "Section A", n(ada1), n(ada2)],
        ["Turing, Alan", "502", "s002", "alan", "Section A", n(alan1), "0"],
        ["Hopper, Grace", "503", "s003", "grace", "Section B", n(grace1), "0"],
        ["Dijkstra, Edsger", "504", "s004", "edsger", "Section B", "0", n(edsger2)],
    ]
    export = graded_by_hand["export"]
    assert "incomplete: 1 notebook totals of 1 students" in export
    assert f"missing: 2 students have no {NB2} submission (s002, s003): exported as 0" in export
    grades = {r["student_id"]: r for r in rows(term["out"] / "grades.csv")}
    assert grades["s001"]["pending"] == NB2 and grades["s002"]["pending"] == ""
    assert float(grades["s002"]["late_penalty"]) == pytest.approx((m[NB1][0] + 1) * 0.2)
    upload = rows(term["out"] / "gradescope" / f"{NB1}.csv")
    assert upload[0] == {"Name": "Ada Lovelace", "SID": "s001", "Email": "", "Total Score": n(ada1)}


def test_export_keeps_every_status_and_message_and_the_tas_grades(term, graded_by_hand):
    scores = {(r["student_id"], r["notebook"], r["exercise"]): r for r in rows(term["out"] / "scores.csv")}
    assert scores[("s003", NB2, "sigmoid")]["status"] == "missing"
    assert scores[("s003", NB2, "sigmoid")]["message"] == "not submitted"
    assert scores[("s003", NB1, "step")]["status"] == "failed" and "z > 0" in scores[("s003", NB1, "step")]["message"]
    ada = scores[("s001", NB1, "answer_xor_proof")]
    assert (ada["status"], ada["score"]) == ("passed", "2")
    assert ada["message"] == "graded by hand: 2 of 2 points Grader's comment: Clear and complete."
    assert scores[("s002", NB1, "answer_xor_proof")]["status"] == "failed"
    assert scores[("s001", NB2, "answer_why_nonlinear")]["status"] == "needs manual grading"

    # a class graded on another machine: the same gradebook, no local state; statuses come back too
    elsewhere = term["base"] / "elsewhere"
    ok(nncourse("export", str(elsewhere), "--db", f"sqlite:///{term['out'] / 'gradebook.db'}",
                "--late-policy", POLICY))
    again = {(r["student_id"], r["notebook"], r["exercise"]): r for r in rows(elsewhere / "scores.csv")}
    assert again[("s003", NB1, "step")]["status"] == "failed"
    assert again[("s003", NB1, "step")]["message"] == scores[("s003", NB1, "step")]["message"]
    assert again[("s001", NB1, "answer_xor_proof")]["score"] == "2"
    assert {r["student_id"]: r["total"] for r in rows(elsewhere / "grades.csv")} == \
        {r["student_id"]: r["total"] for r in rows(term["out"] / "grades.csv")}


def test_feedback_pages_for_students_and_nbgraders_own_export(term, graded_by_hand):
    out = term["out"]
    ok(nncourse("feedback", str(out)))
    alan = (out / "feedback" / "s002" / NB1 / f"{NB1}.html").read_text()
    assert "late penalty" in alan and "1 day 10 hours late" in alan and "Alan Turing" in alan
    grace = (out / "feedback" / "s003" / NB1 / f"{NB1}.html").read_text()
    assert "not yet right" in grace and "(np.asarray(z) &gt; 0)" in grace, "her own code beside the failure"
    assert "not attempted" in grace and "passed: passed" not in grace
    ada = (out / "feedback" / "s001" / NB1 / f"{NB1}.html").read_text()
    assert "Grader&#x27;s comment: Clear and complete." in ada
    with zipfile.ZipFile(out / "feedback-zips" / "s001.zip") as zf:
        assert {f"s001/{NB1}/{NB1}.html", f"s001/{NB2}/{NB2}.html", "s001/index.html"} == set(zf.namelist())

    env = dict(venv_env())
    result = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "export", "--to", "nbgrader.csv"],
                            cwd=out, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    theirs = {(r["student_id"], r["assignment"]): r for r in rows(out / "nbgrader.csv")}
    assert float(theirs[("s002", NB1)]["late_submission_penalty"]) > 0
    assert theirs[("s001", NB1)]["first_name"] == "Ada"


def test_reruns_regrade_what_changed_and_a_partial_run_keeps_every_total(term, graded_by_hand):
    out, course = term["out"], term["course"]
    canvas = (out / "canvas.csv").read_text()
    args = ("autograde", str(out / "submitted"), "--out", str(out), "--source", str(course / "solutions"),
            "--workers", "2", "--no-progress", "--missing", "zero")
    same = ok(nncourse(*args))
    assert "0 notebooks graded now, 8 reused" in same
    assert (out / "canvas.csv").read_text() == canvas, "the TA's grades survive a rerun"
    partial = ok(nncourse(*args, "--notebooks", NB1, "--timeout", "20"))
    assert "(4 notebooks graded now, 0 reused" in partial, "a changed timeout regrades"
    assert (out / "canvas.csv").read_text() == canvas, "a run on one notebook keeps the other's scores"
    forced = ok(nncourse(*args, "--notebooks", NB2, "--force"))
    assert "(4 notebooks graded now, 0 reused" in forced
