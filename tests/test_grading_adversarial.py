"""The adversarial banks, graded end to end by `nncourse autograde`: exact score and status.

- the cheating bank (`adversarial.cases`): one run with two workers;
- the attacks on grading itself (`adversarial.attacks`, issue 11): each attacker followed, in the same
  worker slot, by a correct classmate who must get full marks; after every run nothing of it may be
  alive (no process of a sandbox uid) or left behind (no SysV IPC object, no file outside OUT);
- layouts and locations: a checkout in a folder only root may enter, OUT inside SUBMISSIONS, a
  course folder, students named like the grader's own folders.
"""
from __future__ import annotations

import csv
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import nbformat
import pytest
from adversarial.attacks import COLLECTION_ATTACKS, SANDBOX_ATTACKS, SHM_KEY
from adversarial.build import (
    ROOT,
    SOLUTIONS,
    correct_notebook,
    csv_student_id,
    exercises_of,
    set_solution,
    venv_env,
    write_attack,
    write_case,
    written_answers_of,
)
from adversarial.cases import CASES, NB1, NB2, WRONG_OR

pytestmark = pytest.mark.slow

SECRET = "NNCOURSE_GRADER_SECRET"


def autograde(submissions: Path, out: Path, *args: str, env=None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "nncourse.cli", "autograde", str(submissions), "--out", str(out),
               "--source", str(SOLUTIONS), "--no-progress", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env or venv_env(), cwd=ROOT,
                          timeout=900)


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
    assert message == "or_neuron: your function calls nncourse.reference.or_neuron"   # scores.csv: the first line
    import json
    record = json.loads((graded_bank["out"] / ".state" / "forbidden_import" / f"{NB1}.json").read_text())
    full = next(r["message"] for r in record["results"] if r["exercise"] == "or_neuron")
    assert full.splitlines()[1].strip() == "the grader gives 0 for calling the reference; write your own"


def test_student_exceptions_reach_the_check_with_type_and_line(graded_bank):
    scores = graded_bank["scores"]
    assert "not attempted" in scores[("stub_not_implemented", NB1, "or_neuron")][2]
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


# ==== attacks on grading itself (issue 11) =========================================================

def _uid_range(summary: str) -> tuple[int, int]:
    found = re.search(r"uids (\d+)-(\d+)", summary)
    assert found, f"the summary does not say which uids the sandbox used:\n{summary}"
    return int(found.group(1)), int(found.group(2))


def _processes_of(low: int, high: int) -> list[str]:
    alive = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        uids = [int(n) for n in re.search(r"^Uid:\s+(.*)$", status, re.M).group(1).split()]
        if any(low <= uid <= high for uid in uids):
            alive.append(f"pid {entry}: {status.splitlines()[0]}")
    return alive


def _sysv_objects(low: int, high: int) -> list[str]:
    """SysV IPC objects owned by the run's uids, or with the attacker's key."""
    found = []
    for kind in ("shm", "sem", "msg"):
        lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()
        header = lines[0].split()
        for line in lines[1:]:
            row = dict(zip(header, line.split()))
            if int(row["key"]) == SHM_KEY or low <= int(row["uid"]) <= high or low <= int(row["cuid"]) <= high:
                found.append(f"{kind}: {line.strip()}")
    return found


def _files_under(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.rglob("*")) if folder.exists() else []


def run_attacks(base: Path, attacks, notebooks: list[str], *extra: str) -> dict:
    """Grade `attacks` (plus a victim) with one worker; return scores, summary and what the run left."""
    token = secrets.token_hex(6)
    submissions, out, temp = base / "submissions", base / "out", base / "temp"
    submissions.mkdir()
    temp.mkdir()
    os.chmod(base, 0o711)   # the run's own folder goes to TMPDIR when a sandbox uid may reach it
    victim = submissions / "victim"
    victim.mkdir()
    wrong = correct_notebook(NB1)
    set_solution(wrong, "or_neuron", WRONG_OR)
    nbformat.write(wrong, victim / f"{NB1}.ipynb")
    context = {"solutions": str(SOLUTIONS), "token": token, "victim_folder": str(victim),
               "victim_notebook": str(victim / f"{NB1}.ipynb")}
    for attack in attacks:
        write_attack(attack, submissions, context)
    result = autograde(submissions, out, "--notebooks", *notebooks, "--workers", "1", "--timeout", "10",
                       "--cell-timeout", "20", *extra, env=venv_env(TMPDIR=str(temp)))
    scores, max_scores = read_scores(out) if (out / "scores.csv").exists() else ({}, {})
    left = {"files in TMPDIR": _files_under(temp), "zip extractions": _files_under(out / ".work")}
    for attack in attacks:
        for path in attack.leftovers:
            if os.path.lexists(path.format(**context)):
                left.setdefault("files on the host", []).append(path.format(**context))
    try:
        low, high = _uid_range(result.stdout)
        left["processes"] = _processes_of(low, high)
        left["sysv ipc"] = _sysv_objects(low, high)
    except AssertionError as error:
        left["uids"] = [str(error)]
    return {"result": result, "out": out, "scores": scores, "max_scores": max_scores, "left": left,
            "token": token}


@pytest.fixture(scope="module")
def sandbox_attacks():
    with tempfile.TemporaryDirectory(prefix="nncourse-attacks-") as folder:
        notebooks = sorted({a.notebook for a in SANDBOX_ATTACKS} | {NB1})
        yield run_attacks(Path(folder), SANDBOX_ATTACKS, notebooks)


@pytest.fixture(scope="module")
def collection_attacks():
    with tempfile.TemporaryDirectory(prefix="nncourse-collection-") as folder:
        yield run_attacks(Path(folder), COLLECTION_ATTACKS, [NB1])


def _expected(attack, exercise, max_scores, student):
    expected = attack.expect_all or attack.expect.get(exercise)
    if expected is None:
        return max_scores[(student, attack.notebook, exercise)], "passed"
    return float(expected[0]), expected[1]


def _assert_verdicts(run, attack):
    assert run["result"].returncode == 0, run["result"].stderr[-3000:]
    scores = run["scores"]
    for who in (attack.student, attack.classmate):
        student = csv_student_id(who)
        for exercise in exercises_of(attack.notebook):
            got = scores.get((student, attack.notebook, exercise))
            assert got is not None, f"no row for {student!r} {attack.notebook} {exercise}"
            if who == attack.classmate:
                expected = (run["max_scores"][(student, attack.notebook, exercise)], "passed")
            else:
                expected = _expected(attack, exercise, run["max_scores"], student)
            assert (got[0], got[1]) == expected, f"{student!r}: {exercise} got {got}, expected {expected}"
            if who == attack.student and attack.message and expected[1] != "passed":
                assert attack.message in got[2], f"{student!r}: {exercise}: {got[2]!r}"


@pytest.mark.parametrize("attack", SANDBOX_ATTACKS, ids=[a.student for a in SANDBOX_ATTACKS])
def test_attack_from_student_code_and_the_classmate_after_it(sandbox_attacks, attack):
    _assert_verdicts(sandbox_attacks, attack)


@pytest.mark.parametrize("attack", COLLECTION_ATTACKS, ids=[ascii(a.student) for a in COLLECTION_ATTACKS])
def test_attack_through_files_and_the_classmate_after_it(collection_attacks, attack):
    _assert_verdicts(collection_attacks, attack)


@pytest.mark.parametrize("run", ["sandbox_attacks", "collection_attacks"])
def test_nothing_of_the_run_is_alive_or_left_behind(request, run):
    left = request.getfixturevalue(run)["left"]
    assert not any(left.values()), left


def test_docs_list_every_attack_of_the_bank():
    """docs/sandbox.md's attack table is what an instructor reads: no attack may be missing there."""
    table = (ROOT / "docs" / "sandbox.md").read_text()

    def as_written(student):   # a name that is not UTF-8 as its bytes, a table's `|` escaped
        return repr(os.fsencode(student))[2:-1].replace("|", "\\|")

    missing = [a.student for a in SANDBOX_ATTACKS + COLLECTION_ATTACKS if f"`{as_written(a.student)}`" not in table]
    assert not missing, f"docs/sandbox.md does not list: {missing}"


def test_an_attacker_costs_its_classmates_nothing(sandbox_attacks):
    """The victim (graded after every collection attack too) keeps its own, exact verdict."""
    scores = sandbox_attacks["scores"]
    assert scores[("victim", NB1, "or_neuron")][:2] == (0.0, "failed")
    assert scores[("victim", NB1, "and_neuron")][1] == "passed"


def test_refusals_never_quote_bytes_the_student_could_not_read(collection_attacks):
    out = collection_attacks["out"]
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in out.glob("*.csv")]
    texts += [p.read_text(encoding="utf-8", errors="replace") for p in (out / "feedback").rglob("*.html")]
    secret_line = Path("/etc/shadow").read_text().splitlines()[0]
    for text in texts:
        assert "root:" not in text and secret_line not in text
        assert "NNCOURSE" not in text and "PATH=" not in text


def test_every_csv_neutralises_formulas_and_survives_undecodable_names(collection_attacks):
    out = collection_attacks["out"]
    dangerous = ("=", "+", "-", "@", "\t", "\r")
    uploads = sorted((out / "gradescope").glob("*.csv"))   # one Gradescope upload per assignment
    assert uploads, "no Gradescope upload written"
    for path in [out / "scores.csv", out / "grades.csv", out / "canvas.csv", *uploads]:
        name = path.relative_to(out).as_posix()
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        cells = [cell for row in rows for cell in row]
        assert not [cell for cell in cells if cell.startswith(dangerous) and not _is_number(cell)], name
        ids = {cell for cell in cells}
        assert "'=cmd|' -C calc'!A0" in ids and "not_utf8_\\xe9t\\xe9" in ids, name


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


# ==== time: one endless loop costs one timeout ======================================================

@pytest.mark.parametrize("student, limit", [("endless_loop", 5), ("endless_loop_ignoring_sigint", 5),
                                            ("endless_loop_in_cell", 10)])
def test_an_endless_loop_costs_one_timeout_not_reruns(graded_bank, student, limit):
    import json
    record = json.loads((graded_bank["out"] / ".state" / student / f"{NB1}.json").read_text())
    assert record["seconds"] < limit + 6, f"{student} took {record['seconds']:.1f} s for a {limit} s timeout"


# ==== layouts and locations ==========================================================================

def _one_student(folder: Path, name: str = "alice", notebook: str = NB1) -> Path:
    student = folder / name
    student.mkdir(parents=True)
    nbformat.write(correct_notebook(notebook), student / f"{notebook}.ipynb")
    return student


def _full_marks(out: Path, students: set[str]) -> None:
    """Every exercise passed; every written answer waits for a TA (0 points until graded by hand)."""
    scores, max_scores = read_scores(out)
    assert {key[0] for key in scores} == students
    written = {(notebook, answer) for notebook in {key[1] for key in scores}
               for answer in written_answers_of(notebook)}
    for key, (score, status, message) in scores.items():
        expected = (0.0, "needs manual grading") if key[1:] in written else (max_scores[key], "passed")
        assert (score, status) == expected, (key, status, message)


@pytest.fixture
def layout_dir():
    with tempfile.TemporaryDirectory(prefix="nncourse-layout-") as folder:
        yield Path(folder)


def test_a_checkout_inside_a_folder_only_root_may_enter(layout_dir):
    hidden = Path(tempfile.mkdtemp(prefix="nncourse-private-"))   # mode 0700, like mktemp -d or a home
    try:
        course = hidden / "course"
        course.mkdir()
        for name in ("nncourse", "solutions"):
            shutil.copytree(ROOT / name, course / name, ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(ROOT / "nbgrader_config.py", course)
        _one_student(layout_dir / "class")
        out = layout_dir / "out"
        env = venv_env(PYTHONPATH=str(course))
        command = [sys.executable, "-m", "nncourse.cli", "autograde", str(layout_dir / "class"), "--out", str(out),
                   "--notebooks", NB1, "--no-progress"]
        result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=course, timeout=900)
        assert result.returncode == 0, result.stderr[-3000:]
        _full_marks(out, {"alice"})
    finally:
        shutil.rmtree(hidden)


def test_out_inside_submissions_is_not_taken_for_a_student(layout_dir):
    submissions = layout_dir / "class"
    _one_student(submissions)
    result = autograde(submissions, submissions / "results", "--notebooks", NB1)
    assert result.returncode == 0, result.stderr[-3000:]
    _full_marks(submissions / "results", {"alice"})
    assert "results" in result.stderr and "not graded" in result.stderr


def test_a_course_folder_is_graded_from_its_submitted_folder(layout_dir):
    course = layout_dir / "course"
    (course / "source").mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    _one_student(course / "submitted" / "alice", name=NB1)
    _one_student(course / "submitted" / "bob", name=NB1)
    result = autograde(course, layout_dir / "out", "--notebooks", NB1)
    assert result.returncode == 0, result.stderr[-3000:]
    _full_marks(layout_dir / "out", {"alice", "bob"})


def test_students_named_like_the_graders_own_folders_are_students(layout_dir):
    submissions = layout_dir / "class"
    names = {"alice", "submitted", "feedback", ".state"}
    for name in names:
        _one_student(submissions, name)
    result = autograde(submissions, layout_dir / "out", "--notebooks", NB1)
    assert result.returncode == 0, result.stderr[-3000:]
    _full_marks(layout_dir / "out", names)


def test_a_fault_in_an_instructor_cell_is_an_error_not_the_students_mistake(layout_dir):
    source = layout_dir / "source"
    shutil.copytree(SOLUTIONS / NB1, source / NB1)
    path = source / NB1 / f"{NB1}.ipynb"
    nb = nbformat.read(path, as_version=4)
    setup = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
    setup.source += "\nimport os\nos._exit(3)\n"
    nbformat.write(nb, path)
    _one_student(layout_dir / "class")
    out = layout_dir / "out"
    command = ["--notebooks", NB1, "--source", str(source)]
    first = autograde(layout_dir / "class", out, *command)
    scores, _ = read_scores(out)
    scores = {key: value for key, value in scores.items() if key[2] in exercises_of(NB1)}  # a TA reads answers
    assert {status for _, status, _ in scores.values()} == {"error"}, scores
    assert all("set-up cell" in message and "not your mistake" in message for _, _, message in scores.values())
    again = autograde(layout_dir / "class", out, *command)   # a permanent fault is not retried forever
    assert "0 notebooks graded now" in again.stdout, again.stdout
    assert first.returncode == again.returncode == 0, first.stderr + again.stderr


# ==== issue 10: an honest student is never accused ===================================================

def test_the_model_answers_of_every_notebook_get_full_marks_and_no_note(layout_dir):
    """Every notebook submitted with exactly the model answers: full marks, not one note of
    forbidden or tampered work (the notebooks' own demo and set-up cells use the reference)."""
    import json
    notebooks = sorted(p.stem for p in SOLUTIONS.glob("*/*.ipynb"))
    student = layout_dir / "class" / "honest"
    student.mkdir(parents=True)
    for notebook in notebooks:
        nbformat.write(correct_notebook(notebook), student / f"{notebook}.ipynb")
    out = layout_dir / "out"
    result = autograde(layout_dir / "class", out, "--workers", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    _full_marks(out, {"honest"})
    for notebook in notebooks:
        record = json.loads((out / ".state" / "honest" / f"{notebook}.json").read_text())
        for note in record["notes"]:
            assert not re.search(r"forbidden|reference|tamper|write your own", note, re.I), (notebook, note)
