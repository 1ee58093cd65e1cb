"""The adversarial bank, graded end to end by `nncourse autograde` in one run: exact score and status."""
from __future__ import annotations

import csv
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from adversarial.build import ROOT, SOLUTIONS, exercises_of, venv_env, write_case
from adversarial.cases import CASES, NB1, NB2

pytestmark = pytest.mark.slow

SECRET = "NNCOURSE_GRADER_SECRET"


def autograde(submissions: Path, out: Path, *args: str, env=None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "nncourse.cli", "autograde", str(submissions), "--out", str(out),
               "--source", str(SOLUTIONS), "--no-progress", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env or venv_env(), cwd=ROOT,
                          timeout=1800)


def read_scores(out: Path) -> tuple[dict, dict]:
    """From scores.csv: {(student, notebook, exercise): (score, status, message)} and the same keys' max scores."""
    with open(out / "scores.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    keys = [(r["student_id"], r["notebook"], r["exercise"]) for r in rows]
    return ({key: (float(r["score"]), r["status"], r["message"]) for key, r in zip(keys, rows)},
            {key: float(r["max_score"]) for key, r in zip(keys, rows)})


@pytest.fixture(scope="module")
def listening_port():
    """A TCP server on the grader's loopback: a sandboxed worker must not reach it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    stop = threading.Event()

    def accept():
        server.settimeout(0.5)
        while not stop.is_set():
            try:
                connection, _ = server.accept()
                connection.close()
            except OSError:
                pass
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    server.close()


@pytest.fixture(scope="module")
def graded_bank(listening_port):
    # not tmp_path_factory: pytest runs of other sessions prune old basetemps while this one runs
    with tempfile.TemporaryDirectory(prefix="nncourse-bank-") as folder:
        yield _grade_bank(Path(folder), listening_port)


def _grade_bank(base: Path, listening_port: int) -> dict:
    submissions, out = base / "submissions", base / "out"
    submissions.mkdir()
    # an innocent classmate whose notebook the probes try to read
    other = submissions / "zz_classmate"
    other.mkdir()
    (other / f"{NB1}.ipynb").write_text("{}")
    context = {"solutions": str(SOLUTIONS), "out": str(out), "port": listening_port,
               "other_student": str(other / f"{NB1}.ipynb"), "secret_variable": SECRET}
    for case in CASES:
        write_case(case, submissions, context)
    (submissions / "corrupt_zip.zip").write_bytes(b"PK\x03\x04 broken")
    result = autograde(submissions, out, "--notebooks", NB1, NB2, "--workers", "2", "--timeout", "5",
                       "--cell-timeout", "10", "--memory", "1024", env=venv_env(**{SECRET: "1"}))
    scores, max_scores = read_scores(out) if (out / "scores.csv").exists() else ({}, {})
    return {"result": result, "out": out, "scores": scores, "max_scores": max_scores}


def test_bank_run_exits_zero_with_a_summary(graded_bank):
    result = graded_bank["result"]
    assert result.returncode == 0, result.stderr[-3000:]
    assert "students x 2 notebooks" in result.stdout
    assert "passed" in result.stdout and "sandbox:" in result.stdout


@pytest.mark.parametrize("case", CASES, ids=[c.student for c in CASES])
def test_adversarial_case_gets_its_exact_verdict(graded_bank, case):
    scores = graded_bank["scores"]
    for exercise in exercises_of(case.notebook):
        got = scores.get((case.student, case.notebook, exercise))
        assert got is not None, f"no row for {case.student} {case.notebook} {exercise}"
        if case.expect_all is not None:
            expected = case.expect_all
        else:
            expected = case.expect.get(exercise)
        if expected is None:
            expected = (graded_bank["max_scores"][(case.student, case.notebook, exercise)], "passed")
        assert (got[0], got[1]) == (float(expected[0]), expected[1]), (
            f"{case.student}: {exercise} got {got[1]} {got[0]} ({got[2]}), expected {expected[1]} {expected[0]}")


def test_forbidden_message_says_why(graded_bank):
    score, status, message = graded_bank["scores"][("forbidden_import", NB1, "or_neuron")]
    assert status == "forbidden"
    assert "nncourse.reference.or_neuron" in message and "reference implementation" in message


def test_student_exceptions_reach_the_check_with_type_and_line(graded_bank):
    scores = graded_bank["scores"]
    assert "not implemented yet" in scores[("stub_not_implemented", NB1, "or_neuron")][2]
    score, status, message = scores[("raises_inside_function", NB1, "or_neuron")]
    assert "ValueError" in message and "matmul" in message


def test_nothing_is_written_where_students_must_not_write(graded_bank):
    assert not (graded_bank["out"] / "hacked.txt").exists()
    assert not (SOLUTIONS / "hacked.txt").exists()


def test_every_student_and_notebook_appears_in_the_csvs(graded_bank):
    scores = graded_bank["scores"]
    students = {c.student for c in CASES} | {"zz_classmate", "corrupt_zip"}
    for student in students:
        for notebook in (NB1, NB2):
            for exercise in exercises_of(notebook):
                assert (student, notebook, exercise) in scores, (student, notebook, exercise)
    with open(graded_bank["out"] / "grades.csv", newline="") as handle:
        graded = {row["student_id"] for row in csv.DictReader(handle)}
    assert graded == students


def test_missing_and_unreadable_submissions_are_reported(graded_bank):
    scores = graded_bank["scores"]
    assert scores[("correct", NB2, "relu")][1] == "missing"
    assert scores[("corrupt_zip", NB1, "step")][1] == "error"
    assert "zip" in scores[("corrupt_zip", NB1, "step")][2]
    assert scores[("zz_classmate", NB1, "step")][1] == "error"
    assert "not a valid notebook" in scores[("not_json", NB1, "step")][2]


def test_feedback_pages_hold_no_hidden_test_source(graded_bank):
    pages = list((graded_bank["out"] / "feedback").rglob("*.html"))
    # one page per submitted (student, notebook); a notebook never handed in gets none
    handed_in = {(student, notebook) for (student, notebook, _), (_, status, _) in graded_bank["scores"].items()
                 if status != "missing"}
    assert len(pages) == len(handed_in) > 2 * len(CASES) // 2
    hidden = [line for nb in (NB1, NB2) for line in _hidden_lines(nb)]
    assert hidden
    for page in pages:
        text = page.read_text()
        assert "BEGIN HIDDEN TESTS" not in text
        for line in hidden:
            assert line not in text, (page, line)


def _hidden_lines(notebook: str) -> list[str]:
    import nbformat
    nb = nbformat.read(SOLUTIONS / notebook / f"{notebook}.ipynb", as_version=4)
    lines = []
    for cell in nb.cells:
        if "### BEGIN HIDDEN TESTS" in cell.source:
            block = cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
            lines += [line.strip() for line in block.splitlines() if len(line.strip()) > 12]
    return lines


def test_nbgrader_export_reads_the_gradebook(graded_bank, tmp_path):
    out = graded_bank["out"]
    target = tmp_path / "export.csv"
    result = subprocess.run(["nbgrader", "export", "--db", f"sqlite:///{out / 'gradebook.db'}", "--to", str(target)],
                            capture_output=True, text=True, env=venv_env(), cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    totals: dict[str, float] = {}
    with open(target, newline="") as handle:
        for row in csv.DictReader(handle):  # one row per student and assignment
            totals[row["student_id"]] = totals.get(row["student_id"], 0.0) + float(row["score"])
    with open(out / "grades.csv", newline="") as handle:
        grades = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert set(totals) == set(grades)
    for student, total in totals.items():
        assert total == float(grades[student]["total"]), student
