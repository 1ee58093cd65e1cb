"""`nncourse autograde` as instructors meet it: mistakes, layouts, determinism, resume, export."""
from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import nbformat
import pytest
from adversarial.build import ROOT, SOLUTIONS, correct_notebook, set_solution, venv_env

NB1 = "01_the_neuron"
WRITTEN_ANSWERS = [("01_the_neuron", "answer_xor_proof"), ("02_activation_functions", "answer_why_nonlinear"),
                   ("07_gradient_descent_and_training", "answer_learning_rates")]


def nncourse(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nncourse.cli", *args], capture_output=True, text=True,
                          env=venv_env(), cwd=cwd, timeout=900)


@pytest.fixture
def workdir():
    # not tmp_path: pytest runs of other sessions prune old basetemps while this one runs
    with tempfile.TemporaryDirectory(prefix="nncourse-cli-") as folder:
        yield Path(folder)


# ---- instructor mistakes: non-zero exit, one line --------------------------------------------------

def _one_line_error(result) -> str:
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_autograde_reports_a_missing_submissions_folder(workdir):
    line = _one_line_error(nncourse("autograde", str(workdir / "nope"), "--out", str(workdir / "out")))
    assert "no such folder" in line and "nope" in line


def test_autograde_reports_a_folder_without_submissions(workdir):
    (workdir / "class").mkdir()
    line = _one_line_error(nncourse("autograde", str(workdir / "class"), "--out", str(workdir / "out"),
                                    "--source", str(SOLUTIONS)))
    assert "no submissions found" in line


def test_autograde_reports_student_folders_without_any_notebook(workdir):
    (workdir / "class" / "alice").mkdir(parents=True)
    (workdir / "class" / "alice" / "notes.txt").write_text("hello")
    line = _one_line_error(nncourse("autograde", str(workdir / "class"), "--out", str(workdir / "out"),
                                    "--source", str(SOLUTIONS)))
    assert "no notebooks found" in line and "01_the_neuron.ipynb" in line


@pytest.mark.slow
def test_autograde_reports_an_unusable_gradebook_before_grading(workdir):
    _write(correct_notebook(NB1), workdir / "class" / "alice" / f"{NB1}.ipynb")
    line = _one_line_error(nncourse("autograde", str(workdir / "class"), "--out", str(workdir / "out"),
                                    "--source", str(SOLUTIONS), "--notebooks", NB1,
                                    "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none"))
    assert "cannot use the gradebook" in line
    assert not (workdir / "out" / "scores.csv").exists()


def test_autograde_reports_a_source_folder_without_notebooks(workdir):
    (workdir / "class" / "alice").mkdir(parents=True)
    (workdir / "empty").mkdir()
    line = _one_line_error(nncourse("autograde", str(workdir / "class"), "--out", str(workdir / "out"),
                                    "--source", str(workdir / "empty")))
    assert "no notebooks found" in line


def test_autograde_reports_unknown_notebook_names(workdir):
    (workdir / "class" / "alice").mkdir(parents=True)
    line = _one_line_error(nncourse("autograde", str(workdir / "class"), "--out", str(workdir / "out"),
                                    "--source", str(SOLUTIONS), "--notebooks", "09_transformers"))
    assert "unknown notebook names: 09_transformers" in line


# ---- a small class, graded end to end --------------------------------------------------------------

def _write(nb, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def _small_class(folder: Path) -> None:
    """alice: correct; bob: wrong step and an unseeded coin flip; carol: zip; dave: nbgrader layout."""
    _write(correct_notebook(NB1), folder / "alice" / f"{NB1}.ipynb")
    bob = correct_notebook(NB1)
    set_solution(bob, "step", "def step(z):\n    return (np.asarray(z) > 0).astype(float)\n")
    # randomness and hashing that would differ between runs without the grader's seeds
    set_solution(bob, "or_neuron", "import random\nflip = np.random.rand() < 0.5 and random.random() < 2 "
                                   "and hash('nncourse') % 2 == 0\ndef or_neuron():\n"
                                   "    return np.array([1.0, 1.0]), (-0.5 if flip else -1.5)\n")
    _write(bob, folder / "bob" / f"{NB1}.ipynb")
    with zipfile.ZipFile(folder / "carol.zip", "w") as zf:
        zf.writestr(f"carol/{NB1}.ipynb", nbformat.writes(correct_notebook(NB1)))
    _write(correct_notebook(NB1), folder / "dave" / "assignment1" / f"{NB1}.ipynb")


def _rows(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


SMALL_CLASS_ARGS = ("--source", str(SOLUTIONS), "--notebooks", NB1, "--workers", "2", "--no-progress")


@pytest.fixture(scope="module")
def graded_class():
    """The small class in class/, autograded once into out/: (folder, result). Tests that change either
    copy it first."""
    # not tmp_path_factory: pytest runs of other sessions prune old basetemps while this one runs
    with tempfile.TemporaryDirectory(prefix="nncourse-cli-class-") as folder:
        folder = Path(folder)
        _small_class(folder / "class")
        result = nncourse("autograde", str(folder / "class"), "--out", str(folder / "out"), *SMALL_CLASS_ARGS)
        yield folder, result


@pytest.mark.slow
def test_autograde_grades_every_layout_and_writes_every_file(graded_class):
    folder, result = graded_class
    out = folder / "out"
    assert result.returncode == 0, result.stderr[-3000:]
    assert "graded 4 students x 1 notebooks" in result.stdout
    grades = {row["student_id"]: row for row in _rows(out / "grades.csv")}
    assert set(grades) == {"alice", "bob", "carol", "dave"}
    for student in ("alice", "carol", "dave"):
        # 5 autograded points of 7: the written answer (2 points) waits for a TA
        assert (grades[student]["total"], grades[student]["max_score"]) == ("5", "7")
        assert grades[student]["pending"] == NB1
    scores = {(r["student_id"], r["exercise"]): r for r in _rows(out / "scores.csv")}
    assert scores[("bob", "step")]["status"] == "failed" and scores[("bob", "step")]["score"] == "0"
    assert scores[("bob", "step")]["message"] == ("step: step(0) returned 0: the comparison is z > 0. "
                                                  "Hint: the step is 1.0 where z >= 0: use >=, not >.")
    assert scores[("bob", "step")]["mistake"], "a failed exercise names its mistake (or 'other')"
    assert scores[("alice", "step")]["mistake"] == "", "only a failure has a mistake"
    assert list(_rows(out / "scores.csv")[0]) == ["student_id", "notebook", "exercise", "score", "max_score",
                                                   "status", "mistake", "message"]
    canvas = list(csv.reader(open(out / "canvas.csv")))
    assert canvas[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert canvas[1][0] == "Points Possible" and canvas[1][5] == "7"
    gradescope = _rows(out / "gradescope" / f"{NB1}.csv")
    assert list(gradescope[0]) == ["Name", "SID", "Email", "Total Score"]
    assert {row["SID"]: row["Total Score"] for row in gradescope}["alice"] == "5"
    assert scores[("alice", "answer_xor_proof")]["status"] == "needs manual grading"
    for student in grades:
        assert (out / "feedback" / student / NB1 / f"{NB1}.html").exists()
        assert (out / "autograded" / student / NB1 / f"{NB1}.ipynb").exists()
        assert (out / "submitted" / student / NB1 / "timestamp.txt").exists()


@pytest.mark.slow
def test_regrading_gives_identical_csvs_and_resume_skips_what_is_done(graded_class, workdir):
    folder, result = graded_class
    assert result.returncode == 0, result.stderr[-3000:]
    first, second = folder / "out", workdir / "second"
    shutil.copytree(folder / "class", workdir / "class")   # bob's submission changes below
    assert nncourse("autograde", str(workdir / "class"), "--out", str(second), *SMALL_CLASS_ARGS).returncode == 0
    for name in ("scores.csv", "grades.csv", "canvas.csv", f"gradescope/{NB1}.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name

    # resume: nothing changed -> nothing regraded; a lost state and a changed submission -> regraded
    (second / ".state" / "alice" / f"{NB1}.json").unlink()
    bob = workdir / "class" / "bob" / f"{NB1}.ipynb"
    nb = nbformat.read(bob, as_version=4)
    set_solution(nb, "step", "def step(z):\n    return np.where(np.asarray(z) >= 0, 1.0, 0.0)\n")
    nbformat.write(nb, bob)
    result = nncourse("autograde", str(workdir / "class"), "--out", str(second), *SMALL_CLASS_ARGS)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "2 notebooks graded now, 2 reused" in result.stdout
    scores = {(r["student_id"], r["exercise"]): r for r in _rows(second / "scores.csv")}
    assert scores[("bob", "step")]["status"] == "passed"
    assert scores[("alice", "step")]["status"] == "passed"


@pytest.mark.slow
def test_feedback_and_export_rebuild_from_stored_results(graded_class, workdir):
    folder, result = graded_class
    assert result.returncode == 0, result.stderr[-3000:]
    out = workdir / "out"
    shutil.copytree(folder / "out", out)   # its feedback and grades.csv are deleted below
    grades = (out / "grades.csv").read_bytes()
    shutil.rmtree(out / "feedback")
    (out / "grades.csv").unlink()
    assert nncourse("feedback", str(out)).returncode == 0
    assert (out / "feedback" / "bob" / NB1 / f"{NB1}.html").exists()
    assert nncourse("export", str(out)).returncode == 0
    assert (out / "grades.csv").read_bytes() == grades
    exported = workdir / "from-db"
    result = nncourse("export", str(exported), "--db", f"sqlite:///{out / 'gradebook.db'}")
    assert result.returncode == 0, result.stderr
    from_db = {row["student_id"]: row["total"] for row in _rows(exported / "grades.csv")}
    assert from_db == {row["student_id"]: row["total"] for row in _rows(out / "grades.csv")}


def test_state_files_are_plain_json(tmp_path):
    from nncourse.grading.records import ExerciseResult, Record, ResumeState, Status
    record = Record("s1", NB1, [ExerciseResult("step", 0, 1, Status.NOT_ATTEMPTED, "not implemented yet",
                                               code="raise NotImplementedError()")], key="k")
    state = ResumeState(tmp_path)
    state.save(record)
    stored = json.loads((tmp_path / ".state" / "s1" / f"{NB1}.json").read_text())
    assert stored["results"][0]["status"] == "not attempted" and stored["key"] == "k"
    assert state.load("s1", NB1, "k") == record
    assert state.load("s1", NB1, "other key") is None
    assert state.records() == [record]


@pytest.mark.slow
def test_the_model_answers_of_every_notebook_get_full_marks(workdir):
    """No false alarm anywhere: tripwires, proxies and the sandbox leave correct answers alone."""
    notebooks = sorted(p.stem for p in SOLUTIONS.glob("*/*.ipynb"))
    for notebook in notebooks:
        _write(correct_notebook(notebook), workdir / "class" / "model" / f"{notebook}.ipynb")
    out = workdir / "out"
    result = nncourse("autograde", str(workdir / "class"), "--out", str(out), "--source", str(SOLUTIONS),
                      "--workers", "2", "--no-progress")
    assert result.returncode == 0, result.stderr[-3000:]
    not_passed = [(r["notebook"], r["exercise"], r["status"], r["message"])
                  for r in _rows(out / "scores.csv") if r["status"] != "passed"]
    # the written answers wait for a TA; every exercise the grader judges passes
    assert {(nb, exercise, status) for nb, exercise, status, _ in not_passed} == {
        (nb, exercise, "needs manual grading") for nb, exercise in WRITTEN_ANSWERS}
    (grades,) = _rows(out / "grades.csv")
    assert float(grades["max_score"]) - float(grades["total"]) == 2 * len(WRITTEN_ANSWERS)


@pytest.mark.slow
def test_an_interrupted_run_resumes_without_regrading_what_is_done(workdir):
    import signal
    import time
    class_size = 20   # enough that an interrupt lands part-way however fast one notebook is graded
    for s in range(class_size):
        _write(correct_notebook(NB1), workdir / "class" / f"s{s}" / f"{NB1}.ipynb")
    out = workdir / "out"
    command = [sys.executable, "-m", "nncourse.cli", "autograde", str(workdir / "class"), "--out", str(out),
               "--source", str(SOLUTIONS), "--notebooks", NB1, "--workers", "1", "--no-progress"]
    grader = subprocess.Popen(command, env=venv_env(), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(list((out / ".state").glob("*/*.json"))) < 1:
        time.sleep(0.05)
    grader.send_signal(signal.SIGINT)
    _, stderr = grader.communicate(timeout=120)
    done = len(list((out / ".state").glob("*/*.json")))
    assert 1 <= done < class_size, "interrupt the run part-way (it finished or never started)"
    assert not (out / "scores.csv").exists()
    assert grader.returncode == 130
    assert stderr.decode().strip().splitlines() == [
        f"nncourse autograde: interrupted: {done} of {class_size} notebooks graded and saved in {out}; "
        "rerun the same command to grade the rest"]

    result = nncourse(*command[3:])
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"{class_size - done} notebooks graded now, {done} reused" in result.stdout
    rows = _rows(out / "scores.csv")
    assert {r["student_id"] for r in rows} == {f"s{s}" for s in range(class_size)}
    assert {r["status"] for r in rows if r["exercise"] != "answer_xor_proof"} == {"passed"}
    assert {r["status"] for r in rows if r["exercise"] == "answer_xor_proof"} == {"needs manual grading"}


@pytest.mark.parametrize("args, expected", [
    (("--timeout", "0"), "--timeout must be a positive number of seconds, got 0"),
    (("--cell-timeout", "-5"), "--cell-timeout must be a positive number of seconds, got -5"),
    (("--workers", "0"), "--workers must be at least 1, got 0"),
    (("--late-policy", "5 points a day"), "--late-policy: cannot read the late policy '5 points a day'"),
    (("--source", str(ROOT / "notebooks")), "holds the student release, not the instructor notebooks"),
])
def test_bad_options_fail_before_grading_with_one_line(workdir, args, expected):
    _write(correct_notebook(NB1), workdir / "class" / "alice" / f"{NB1}.ipynb")
    line = _one_line_error(nncourse("autograde", str(workdir / "class"), "--out", str(workdir / "out"),
                                    "--notebooks", NB1, *(("--source", str(SOLUTIONS)) if "--source" not in args
                                                          else ()), *args))
    assert expected in line
    assert not (workdir / "out").exists(), "a failed run leaves no OUT behind"


def test_a_file_as_out_is_refused(workdir):
    _write(correct_notebook(NB1), workdir / "class" / "alice" / f"{NB1}.ipynb")
    (workdir / "results.csv").write_text("not a folder")
    line = _one_line_error(nncourse("autograde", str(workdir / "class"), "--out", str(workdir / "results.csv"),
                                    "--source", str(SOLUTIONS)))
    assert line == f"nncourse autograde: error: --out {workdir / 'results.csv'} is a file, not a folder"


def test_a_memory_limit_too_small_for_python_fails_before_grading(workdir):
    _write(correct_notebook(NB1), workdir / "class" / "alice" / f"{NB1}.ipynb")
    for memory in ("1", "10", "60"):   # 10: below any Python; 60: Python starts, numpy does not
        line = _one_line_error(nncourse("autograde", str(workdir / "class"), "--out", str(workdir / "out"),
                                        "--source", str(SOLUTIONS), "--notebooks", NB1, "--memory", memory))
        assert f"--memory {memory} MB is too little" in line
        assert not (workdir / "out").exists(), "a failed run leaves no OUT behind"


@pytest.mark.slow
def test_unsandboxed_results_carry_their_warning_until_every_one_is_regraded_in_the_sandbox(workdir):
    """--unsafe-no-sandbox says so in the summary and every CSV, for as long as OUT holds a result
    graded without the sandbox: after a run of some notebooks, and after a run of all of them that
    a student was missing from; a run that regrades the last of them lifts it."""
    notebooks = sorted(p.stem for p in SOLUTIONS.glob("*/*.ipynb"))
    for notebook in notebooks:
        _write(correct_notebook(notebook), workdir / "class" / "alice" / f"{notebook}.ipynb")
    _write(correct_notebook(NB1), workdir / "class" / "bob" / f"{NB1}.ipynb")
    out = workdir / "out"
    grade = ("autograde", str(workdir / "class"), "--out", str(out), "--source", str(SOLUTIONS), "--no-progress")
    warning = "WARNING: graded with --unsafe-no-sandbox: student code ran without a sandbox"

    def warned() -> list[bool]:
        files = [out / "scores.csv", out / "grades.csv", out / "canvas.csv", *(out / "gradescope").glob("*.csv")]
        return [path.read_text().rstrip().endswith(warning) for path in files]

    def run(*args: str) -> str:
        result = nncourse(*grade, *args)
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stdout

    assert "sandbox: NONE (--unsafe-no-sandbox)" in run("--notebooks", NB1, "--unsafe-no-sandbox")
    assert all(warned())

    assert "sandbox: bubblewrap" in run("--notebooks", notebooks[1])
    assert all(warned()), "NB1's unsandboxed results are still in OUT"

    shutil.move(workdir / "class" / "bob", workdir / "bob")
    assert "1 reused" in run()            # alice's notebook 02 from the run before; her NB1 again, sandboxed
    assert all(warned()), "bob's unsandboxed NB1 is still in OUT"

    shutil.move(workdir / "bob", workdir / "class" / "bob")
    assert f"{len(notebooks)} reused" in run()   # alice's; bob's NB1 graded again, in the sandbox
    assert not any(warned())
    assert all(json.loads(path.read_text())["sandboxed"] for path in (out / ".state").glob("*/*.json"))
