"""The term's pieces one at a time: late policies, rosters, LMS file names, written answers, exports, feedback."""
from __future__ import annotations

import copy
import csv
import io
import json
import zipfile
from pathlib import Path

import nbformat
import pytest
from adversarial.build import ROOT, SOLUTIONS, correct_notebook

from nncourse.grading import late
from nncourse.grading.gradebook import comment_text, parse_comment
from nncourse.grading.lms import Candidate, detect_layout, match, notebook_for
from nncourse.grading.manual import autograded_notebook, grade_written
from nncourse.grading.options import available_cpus, grading_settings, resume_key
from nncourse.grading.records import ExerciseResult, Record, ResumeState, Status
from nncourse.grading.roster import Roster, RosterError, Student, read_roster
from nncourse.grading.sandbox import Limits
from nncourse.grading.source import load_source, nbgrader_meta
from nncourse.grading.verdict import Timeouts

NB1 = "01_the_neuron"
RELEASED_NB1 = ROOT / "notebooks" / NB1 / f"{NB1}.ipynb"

CANVAS_EXPORT = """\
Student,ID,SIS User ID,SIS Login ID,Section,01 The Neuron (1001),Week 2: activation functions (1002),Current Score,\
Unposted Current Score,Final Score
    Points Possible,,,,,7.00,18.00,(read only),(read only),(read only)
"Lovelace, Ada",501,s001,ada,Section A,,,,,
"Turing, Alan",502,s002,alan,Section B,3,,,,
"Student, Test",999,,,Section A,,,,,
"""


# ---- late policies ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, late_seconds, score, penalty", [
    ("none", 10 * 86400, 8.0, 0.0),
    ("zero", 1, 8.0, 8.0),
    ("10%/day", 1, 8.0, 0.8),                  # one second late: one started day
    ("10%/day", 86400 + 1, 8.0, 1.6),
    ("2%/hour", 3 * 3600, 10.0, 0.6),
    ("10% per day max 50%", 9 * 86400, 10.0, 5.0),
    ("10%/day, cap 30%", 0, 10.0, 0.0),         # on time
])
def test_late_policies(text, late_seconds, score, penalty):
    assert late.LatePolicy.parse(text).penalty(score, late_seconds) == pytest.approx(penalty)


@pytest.mark.parametrize("text", ["5 points a day", "150%/day", "10%/week", "10%/day max 0%"])
def test_unreadable_late_policies_say_how_to_write_one(text):
    with pytest.raises(late.PolicyError, match="late policy|between 0 and 100"):
        late.LatePolicy.parse(text)


def test_nbgraders_late_plugin_applies_the_same_policy():
    plugin = late.LatePenalty(policy="25%/day max 50%")
    assert plugin.late_submission_penalty("s1", 4.0, 2 * 86400 + 5) == pytest.approx(2.0)
    assert plugin.late_submission_penalty("s1", 4.0, 0) is None


def test_seconds_late_reads_nbgraders_timestamps():
    assert late.seconds_late("2027-01-16 00:59:00.000000 UTC", "2027-01-15 23:59:00 UTC") == 3600
    assert late.seconds_late("2027-01-15 12:00:00 UTC", "2027-01-15 23:59:00 UTC") == 0
    assert late.seconds_late(None, "2027-01-15 23:59:00 UTC") == 0
    assert late.describe_lateness(2 * 86400 + 3 * 3600) == "2 days 3 hours late"


# ---- records and the resume key -------------------------------------------------------------------

def test_statuses_have_plain_words_and_not_attempted_is_its_own():
    assert Status("not attempted") is Status.NOT_ATTEMPTED and Status.FAILED.words == "not yet right"
    assert {s.words for s in Status}.isdisjoint({"passed: passed"})
    assert len({s.words for s in Status}) == len(Status)


def test_resume_state_lists_and_reloads_records(tmp_path):
    state = ResumeState(tmp_path)
    first = Record("s1", NB1, [ExerciseResult("step", 1, 1, Status.PASSED, "ok")], key="k1", timestamp="t")
    second = Record("s0", NB1, [ExerciseResult("step", 0, 1, "missing", "not submitted")], key="k2")
    state.save(first)
    state.save(second)
    assert [r.student_id for r in state.records()] == ["s0", "s1"]
    assert state.load("s1", NB1, "k1") == first and state.load("s1", NB1, "k2") is None
    (tmp_path / ".state" / "s1" / f"{NB1}.json").write_text("{not json")
    assert state.load("s1", NB1) is None and [r.student_id for r in state.records()] == ["s0"]


def test_the_resume_key_changes_with_every_option_that_can_change_a_grade(tmp_path):
    source = load_source(SOLUTIONS / NB1 / f"{NB1}.ipynb")
    notebook = tmp_path / "a.ipynb"
    notebook.write_text("{}")
    base = grading_settings(Timeouts(), Limits(), {"seed": 0})
    keys = {
        resume_key(str(notebook), source, base, None, ""),
        resume_key(str(notebook), source, grading_settings(Timeouts(exercise=5), Limits(), {"seed": 0}), None, ""),
        resume_key(str(notebook), source, grading_settings(Timeouts(cell=5), Limits(), {"seed": 0}), None, ""),
        resume_key(str(notebook), source, grading_settings(Timeouts(), Limits(memory_bytes=2**29), {"seed": 0}),
                   None, ""),
        resume_key(str(notebook), source, grading_settings(Timeouts(), Limits(), {"seed": 1}), None, ""),
    }
    changed = copy.copy(source)
    changed.digest = "another source"
    keys.add(resume_key(str(notebook), changed, base, None, ""))
    notebook.write_text('{"cells": []}')
    keys.add(resume_key(str(notebook), source, base, None, ""))
    assert len(keys) == 7
    assert resume_key(str(notebook), source, base, None, "") == resume_key(str(notebook), source, base, None, "")


def test_workers_default_to_the_cpus_this_process_may_use(monkeypatch):
    import os

    from nncourse.grading import options
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3, 4, 5, 6, 7})
    monkeypatch.setattr(options, "_cgroup_quota", lambda: 2.5)
    assert available_cpus() == 3
    monkeypatch.setattr(options, "_cgroup_quota", lambda: None)
    assert available_cpus() == 8
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {3})
    assert available_cpus() == 1


def test_comments_carry_status_and_message_through_the_gradebook():
    for status in Status:
        assert parse_comment(comment_text(status, "step(0) returned 0: the comparison is z > 0")) == \
            (status, "step(0) returned 0: the comparison is z > 0")
    assert parse_comment("No response.") == (Status.NOT_ATTEMPTED, "no answer written")


# ---- rosters ------------------------------------------------------------------------------------------

def test_a_canvas_gradebook_export_becomes_a_roster(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(CANVAS_EXPORT, encoding="utf-8-sig")
    roster = read_roster(path)
    assert set(roster.students) == {"s001", "s002"}, "the Student View test user is left out"
    ada = roster.students["s001"]
    assert (ada.first_name, ada.last_name, ada.lms_user_id, ada.sis_login_id, ada.section, ada.lms_name) == \
        ("Ada", "Lovelace", "501", "ada", "Section A", "Lovelace, Ada")
    assert roster.canvas.headers == ["01 The Neuron (1001)", "Week 2: activation functions (1002)"]
    assert roster.canvas.points["01 The Neuron (1001)"] == "7.00"
    assert roster.canvas.column_for("01_the_neuron") == "01 The Neuron (1001)"
    assert roster.canvas.column_for("02_activation_functions") is None
    roster.save(tmp_path)
    assert Roster.load(tmp_path).students == roster.students


def test_a_plain_csv_roster_and_its_mistakes(tmp_path):
    path = tmp_path / "class.csv"
    path.write_text("Student ID,First Name,Last Name,E-mail,LMS ID\nu1,Ada,Lovelace,ada@x.org,77\n")
    (student,) = read_roster(path).students.values()
    assert student == Student("u1", "Ada", "Lovelace", "ada@x.org", "77")
    path.write_text("name,email\nAda,ada@x.org\n")
    with pytest.raises(RosterError, match="no student id column"):
        read_roster(path)
    path.write_text("id,name\n../etc,Eve\n")
    with pytest.raises(RosterError, match="cannot be an nbgrader student id"):
        read_roster(path)


# ---- LMS downloads ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["01_the_neuron.ipynb", "01_the_neuron-1.ipynb", "01_The_Neuron-Copy1.ipynb",
                                  "01_the_neuron (1).ipynb", "01 the neuron - Copy.ipynb",
                                  "01-the-neuron-Copy2 (3).ipynb"])
def test_renamed_notebooks_are_recognised(name):
    assert notebook_for(name, [NB1, "02_activation_functions"]) == NB1


@pytest.mark.parametrize("name", ["neuron.ipynb", "01_the_neuron.py", "01_the_neuron.ipynb.zip"])
def test_other_files_are_not_notebooks_of_the_course(name):
    assert notebook_for(name, [NB1]) is None


def _roster() -> Roster:
    return Roster({"s001": Student("s001", "Ada", "Lovelace", lms_user_id="501", lms_name="Lovelace, Ada"),
                   "s002": Student("s002", "Alan", "Turing", lms_user_id="502")})


def test_canvas_names_give_student_notebook_and_lateness():
    names = ["lovelaceada_501_9001_01_the_neuron-1.ipynb", "turingalan_late_502_9002_01_The_Neuron-Copy1.ipynb",
             "nobody_777_9003_01_the_neuron.ipynb", "lovelaceada_501_9004_notes.txt",
             "turingalan_502_9005_upload.zip/work/01_the_neuron (1).ipynb"]
    candidates = [Candidate(n, b"{}", None) for n in names]
    assert detect_layout(candidates) == "canvas"
    match(candidates, "canvas", _roster(), [NB1])
    got = [(c.student, c.notebook, c.late, c.reason.split(" (")[0]) for c in candidates]
    assert got == [("s001", NB1, False, ""), ("s002", NB1, True, ""),
                   (None, None, False, "Canvas user 777"), ("s001", None, False, "not a notebook"),
                   ("s002", NB1, False, "")]


def test_moodle_folders_are_matched_by_name():
    names = ["Ada Lovelace_1234_assignsubmission_file_/01_the_neuron.ipynb",
             "alan turing_1235_assignsubmission_file_01_the_neuron (1).ipynb",
             "Grace Hopper_1236_assignsubmission_file_/01_the_neuron.ipynb"]
    candidates = [Candidate(n, b"{}", None) for n in names]
    assert detect_layout(candidates) == "moodle"
    match(candidates, "moodle", _roster(), [NB1])
    assert [(c.student, c.notebook) for c in candidates] == [("s001", NB1), ("s002", NB1), (None, None)]
    assert "Grace Hopper is not in the roster" in candidates[2].reason


def test_a_pattern_like_nbgraders_zip_collect():
    candidates = [Candidate("ps1_s001_attempt_2027-01-30-15-00-00_01_the_neuron.ipynb", b"{}", None)]
    match(candidates, "pattern", _roster(), [NB1],
          pattern=r"ps1_(?P<student_id>\w+?)_attempt_(?P<timestamp>[0-9\-]+)_(?P<file>.+)")
    assert (candidates[0].student, candidates[0].notebook) == ("s001", NB1)


def test_with_an_assignment_a_students_only_notebook_counts_whatever_its_name():
    candidates = [Candidate("lovelaceada_501_9001_my work.ipynb", b"{}", None)]
    match(candidates, "canvas", _roster(), [NB1], assignment_notebooks=[NB1])
    assert candidates[0].notebook == NB1 and "only notebook" in candidates[0].how


def test_collect_keeps_the_latest_resubmission_and_lists_every_unmatched_file(tmp_path):
    from nncourse.grading.coursefolder import CourseFolder
    from nncourse.grading.lms import collect_download
    download = tmp_path / "submissions.zip"
    with zipfile.ZipFile(download, "w") as zf:
        zf.writestr(zipfile.ZipInfo("lovelaceada_501_9001_01_the_neuron.ipynb", (2027, 1, 10, 9, 0, 0)), "old")
        zf.writestr(zipfile.ZipInfo("lovelaceada_501_9002_01_the_neuron-1.ipynb", (2027, 1, 11, 9, 0, 0)), "new")
        zf.writestr(zipfile.ZipInfo("x_888_1_01_the_neuron.ipynb", (2027, 1, 11, 9, 0, 0)), "who?")
    folder = CourseFolder(tmp_path / "out", SOLUTIONS, "sqlite://")
    result = collect_download(download, folder, {NB1: NB1}, _roster())
    submitted = tmp_path / "out" / "submitted" / "s001" / NB1
    assert (submitted / f"{NB1}.ipynb").read_text() == "new"
    assert (submitted / "timestamp.txt").read_text().strip() == "2027-01-11 09:00:00.000000 UTC"
    assert [c.relative for c in result.replaced] == ["lovelaceada_501_9001_01_the_neuron.ipynb"]
    with open(tmp_path / "out" / "unmatched.csv", newline="") as handle:
        assert [row["file"] for row in csv.DictReader(handle)] == ["x_888_1_01_the_neuron.ipynb"]
    assert "1 files not matched" in result.summary(tmp_path / "out")


# ---- written answers and the autograded notebook ------------------------------------------------------

def test_written_answers_are_left_for_a_ta_unless_untouched_or_deleted():
    source = load_source(SOLUTIONS / NB1 / f"{NB1}.ipynb")
    assert [(a.name, a.points) for a in source.written] == [("answer_xor_proof", 2.0)]
    released = nbformat.read(RELEASED_NB1, as_version=4)
    (untouched,) = grade_written(source, released)
    assert (untouched.status, untouched.score, untouched.max_score) == (Status.NOT_ATTEMPTED, 0, 2)
    answered = correct_notebook(NB1)
    (written,) = grade_written(source, answered)
    assert written.status == Status.MANUAL and "finitely many" in written.code
    without = copy.deepcopy(released)
    without.cells = [c for c in without.cells if nbgrader_meta(c).get("grade_id") != "answer_xor_proof"]
    (deleted,) = grade_written(source, without)
    assert deleted.status == Status.NOT_ATTEMPTED and "deleted" in deleted.message


def test_the_autograded_notebook_restores_tests_shows_verdicts_and_no_student_output():
    source = load_source(SOLUTIONS / NB1 / f"{NB1}.ipynb")
    student = correct_notebook(NB1)
    student.cells = [c for c in student.cells if nbgrader_meta(c).get("grade_id") not in ("check_step",
                                                                                         "answer_xor_proof")]
    setup = next(c for c in student.cells if nbgrader_meta(c).get("grade_id") == "setup")
    setup.outputs = [nbformat.v4.new_output("display_data", data={"text/html": "<script>alert(1)</script>"})]
    results = [ExerciseResult(e.name, 0 if e.name == "step" else e.points, e.points,
                              Status.FAILED if e.name == "step" else Status.PASSED, f"{e.name}: message")
               for e in source.exercises]
    nb = autograded_notebook(source, student, Record("s1", NB1, results))
    cells = {nbgrader_meta(c).get("grade_id"): c for c in nb.cells if nbgrader_meta(c).get("grade_id")}
    assert "### BEGIN HIDDEN TESTS" in cells["check_step"].source, "hidden tests restored, as nbgrader does"
    assert cells["check_step"].outputs[0].output_type == "error"
    assert cells["check_neuron"].outputs[0].output_type == "stream"
    assert cells["answer_xor_proof"].cell_type == "markdown", "a deleted answer cell is re-inserted for the TA"
    assert cells["setup"].outputs == []
    order = [nbgrader_meta(c).get("grade_id") for c in nb.cells if nbgrader_meta(c).get("grade_id")]
    assert order.index("step") < order.index("check_step") < order.index("neuron")


# ---- exports and feedback from a term -----------------------------------------------------------------

def _term(tmp_path: Path):
    from nncourse.grading.term import load_term
    roster = read_roster(_write(tmp_path / "export.csv", CANVAS_EXPORT))
    roster.save(tmp_path)
    state = ResumeState(tmp_path)
    source = load_source(SOLUTIONS / NB1 / f"{NB1}.ipynb")
    exercises = [(e.name, e.points) for e in source.exercises]
    ada = [ExerciseResult(n, p, p, Status.PASSED, f"{n}: passed: fine") for n, p in exercises]
    ada[1] = ExerciseResult("step", 0, 1, Status.FAILED, "step: step(0) returned 0: the comparison is z > 0.\n"
                            "Hint: use >=.", "other", code="def step(z):\n    return (z > 0) * 1.0\n")
    ada.append(ExerciseResult("answer_xor_proof", 0, 2, Status.MANUAL, "a TA grades this written answer by hand",
                              code="Because XOR is not linearly separable."))
    state.save(Record("s001", NB1, ada, timestamp="2027-01-17 00:00:00.000000 UTC"))
    return load_term(tmp_path, None, {NB1: source}, late.LatePolicy.parse("10%/day"))


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_canvas_csv_is_canvass_import_format_cell_by_cell(tmp_path):
    from nncourse.grading.report import write_exports
    term = _term(tmp_path)
    notes = write_exports(tmp_path, term, missing="zero")
    rows = list(csv.reader(io.StringIO((tmp_path / "canvas.csv").read_text())))
    assert rows == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "01 The Neuron (1001)"],
        ["Points Possible", "", "", "", "", "7.00"],
        ["Lovelace, Ada", "501", "s001", "ada", "Section A", "4"],   # 4 earned of 7, on time (no due date)
        ["Turing, Alan", "502", "s002", "alan", "Section B", "0"],   # no submission, --missing zero
    ]
    assert any("incomplete: 1 notebook totals" in n for n in notes)
    assert any("missing: 1 students have no 01_the_neuron submission (s002): exported as 0" in n for n in notes)
    gradescope = list(csv.DictReader(io.StringIO((tmp_path / "gradescope" / f"{NB1}.csv").read_text())))
    assert gradescope[0] == {"Name": "Ada Lovelace", "SID": "s001", "Email": "", "Total Score": "4"}
    write_exports(tmp_path, term, missing="blank")
    assert list(csv.reader(io.StringIO((tmp_path / "canvas.csv").read_text())))[3][5] == ""


def test_feedback_shows_statuses_in_words_the_students_code_and_the_notebooks_hint(tmp_path):
    from nncourse.grading.feedback import write_feedback
    term = _term(tmp_path)
    source = load_source(SOLUTIONS / NB1 / f"{NB1}.ipynb")
    assert write_feedback(tmp_path, term, {NB1: source}) == 1
    text = (tmp_path / "feedback" / "s001" / NB1 / f"{NB1}.html").read_text()
    assert "passed: passed" not in text and "not yet right" in text and "to be graded by hand" in text
    assert "return (z &gt; 0) * 1.0" in text, "the student's own code beside the failure"
    assert "a comparison like `z &gt;= 0` gives an array of booleans" in text, "the notebook's hint"
    assert "Because XOR is not linearly separable." in text
    assert "not final" in text
    with zipfile.ZipFile(tmp_path / "feedback-zips" / "s001.zip") as zf:
        assert sorted(zf.namelist()) == ["s001/01_the_neuron/01_the_neuron.html", "s001/index.html"]


def test_the_hints_of_a_notebook_belong_to_the_exercise_after_them():
    source = load_source(SOLUTIONS / NB1 / f"{NB1}.ipynb")
    assert source.hints["step"].startswith("*Hint:* a comparison like `z >= 0`")
    assert "answer_xor_proof" not in source.hints
    assert json.dumps(source.hints)  # plain text


def test_students_imported_with_nbgraders_own_command_reach_every_export(tmp_path):
    """`nbgrader db student import` fills the same table: names, emails and LMS ids come from it."""
    from nncourse.grading.gradebook import import_students
    from nncourse.grading.report import write_exports
    from nncourse.grading.term import load_term
    db_url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    import_students(db_url, [Student("s001", "Ada", "Lovelace", "ada@uni.edu", "501")])
    source = load_source(SOLUTIONS / NB1 / f"{NB1}.ipynb")
    ResumeState(tmp_path).save(Record("s001", NB1, [ExerciseResult(e.name, e.points, e.points, Status.PASSED)
                                                    for e in source.exercises]))
    write_exports(tmp_path, load_term(tmp_path, db_url, {NB1: source}))
    canvas = list(csv.reader(io.StringIO((tmp_path / "canvas.csv").read_text())))
    assert canvas[2][:3] == ["Lovelace, Ada", "501", "s001"]
    gradescope = list(csv.DictReader(io.StringIO((tmp_path / "gradescope" / f"{NB1}.csv").read_text())))
    assert gradescope == [{"Name": "Ada Lovelace", "SID": "s001", "Email": "ada@uni.edu", "Total Score": "5"}]


def test_collect_and_roster_mistakes_fail_with_one_line_and_leave_nothing(tmp_path, capsys):
    from nncourse.cli import main
    (tmp_path / "bad.zip").write_text("not a zip")
    assert main(["collect", str(tmp_path / "bad.zip"), "--out", str(tmp_path / "out"),
                 "--source", str(SOLUTIONS)]) == 2
    assert main(["roster", "import", str(tmp_path / "bad.zip"), "--out", str(tmp_path / "out")]) == 2
    assert main(["duedate", str(tmp_path / "out"), NB1, "next tuesday"]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert [line.split(": error: ")[0] for line in errors] == \
        ["nncourse collect", "nncourse roster import", "nncourse duedate"]
    assert "not a readable zip file" in errors[0] and "no student id column" in errors[1]
    assert not (tmp_path / "out").exists()
