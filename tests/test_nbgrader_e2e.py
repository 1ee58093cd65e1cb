"""nbgrader end to end on the real notebooks, in a temporary course folder laid out like the repository.

The course folder holds a copy of nbgrader_config.py and solutions/ (one assignment per notebook,
nbgrader's standard layout); the real `nbgrader` commands (generate_assignment, autograde,
generate_feedback, export) run in it for every assignment as an instructor would run them from the
repository root. Submitted students:

- `solved`: every student notebook with the solution bodies typed in: full marks;
- `untouched`: the student notebooks as released: 0 everywhere;
- `one_wrong`: solved, except that the last exercise of each notebook returns None: loses exactly
  that exercise's points (the last exercise, so no other exercise builds on it);
- `tidy`: only notebook 01, solved, with a graded cell deleted, a hostile numpy.py beside it and a
  DeprecationWarning on stderr in every graded cell: the cell is restored, the .py file ignored and
  the warning ignored, so notebook 01 still scores full marks.
"""
from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from nncourse.grading.source import nbgrader_meta

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent          # nbgrader and alembic live beside this interpreter
SOLUTION_PATHS = sorted((ROOT / "solutions").glob("*/*.ipynb"))
# Makes every graded cell of notebook 01 write a DeprecationWarning to stderr, which nbgrader would
# count as a failure without nbgrader_config.py's IgnorePattern.
HARMLESS_STDERR = """\
import warnings
_course_check = check

def check(*args, **kwargs):
    warnings.warn("a harmless library notice", DeprecationWarning)
    return _course_check(*args, **kwargs)
"""
SOLUTION_REGION = re.compile(r"^([ \t]*)### BEGIN SOLUTION\n.*?### END SOLUTION[ \t]*$", re.DOTALL | re.MULTILINE)


def nbgrader(course: Path, *args: str) -> str:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    result = subprocess.run([str(BIN / "nbgrader"), *args], cwd=course, env=env, capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def points(path: Path) -> dict[str, float]:
    """{grade_id: points} of the autograded test cells of a notebook, in notebook order."""
    return {nbgrader_meta(c)["grade_id"]: float(nbgrader_meta(c)["points"])
            for c in nbformat.read(path, as_version=4).cells
            if nbgrader_meta(c).get("grade") and c.cell_type == "code"}


def written(path: Path) -> dict[str, float]:
    """{grade_id: points} of the written answers a TA grades by hand (markdown grade + solution cells)."""
    return {nbgrader_meta(c)["grade_id"]: float(nbgrader_meta(c)["points"])
            for c in nbformat.read(path, as_version=4).cells
            if nbgrader_meta(c).get("grade") and c.cell_type == "markdown"}


def last_exercise(path: Path) -> str:
    """The notebook's last graded exercise (optional, ungraded exercises are skipped)."""
    return list(points(path))[-1].removeprefix("check_")


def solve(student: nbformat.NotebookNode, solution: nbformat.NotebookNode, wrong: str | None = None):
    """The student notebook with every solution cell typed in; exercise `wrong` returns None instead."""
    answers = {nbgrader_meta(c)["grade_id"]: c.source for c in solution.cells if nbgrader_meta(c).get("solution")}
    nb = nbformat.from_dict(student)
    for cell in nb.cells:
        name = nbgrader_meta(cell).get("grade_id")
        if nbgrader_meta(cell).get("solution"):
            body = r"\1return None  # a wrong answer" if name == wrong else r"\g<0>"
            cell.source = SOLUTION_REGION.sub(body, answers[name])
            assert (name == wrong) == ("return None  # a wrong answer" in cell.source)
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A graded course folder: released, four students submitted, autograded, feedback, export."""
    course = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions", course / "solutions")
    for path in SOLUTION_PATHS:
        nbgrader(course, "generate_assignment", path.parent.name, "--force")

    released = {p.stem: nbformat.read(course / "notebooks" / p.parent.name / p.name, as_version=4)
                for p in SOLUTION_PATHS}
    solutions = {p.stem: nbformat.read(p, as_version=4) for p in SOLUTION_PATHS}
    for name, student_nb in released.items():
        answers = {"solved": solve(student_nb, solutions[name]), "untouched": student_nb,
                   "one_wrong": solve(student_nb, solutions[name], wrong=last_exercise(path_of(name)))}
        for student, nb in answers.items():
            submitted(course, student, name).parent.mkdir(parents=True)
            nbformat.write(nb, submitted(course, student, name))

    first = SOLUTION_PATHS[0].stem
    tidy = solve(released[first], solutions[first])
    del tidy.cells[next(i for i, c in enumerate(tidy.cells) if nbgrader_meta(c).get("grade"))]
    setup = next(i for i, c in enumerate(tidy.cells) if nbgrader_meta(c).get("grade_id") == "setup")
    tidy.cells.insert(setup + 1, nbformat.v4.new_code_cell(HARMLESS_STDERR))
    submitted(course, "tidy", first).parent.mkdir(parents=True)
    nbformat.write(tidy, submitted(course, "tidy", first))
    (submitted(course, "tidy", first).parent / "numpy.py").write_text(
        "raise ImportError('a student file shadowed numpy')\n")

    for path in SOLUTION_PATHS:
        nbgrader(course, "autograde", path.parent.name, "--force")
        nbgrader(course, "generate_feedback", path.parent.name, "--force")
    nbgrader(course, "export")
    return course


def path_of(name: str) -> Path:
    """The source notebook `name` (its assignment has the same name)."""
    return ROOT / "solutions" / name / f"{name}.ipynb"


def submitted(course: Path, student: str, name: str) -> Path:
    """nbgrader's submitted/<student>/<assignment>/<notebook>.ipynb."""
    return course / "submitted" / student / name / f"{name}.ipynb"


def scores(course: Path, student: str, manual: bool = False) -> dict[str, dict]:
    """{notebook: {grade_id: score}} from the gradebook for each assignment the student submitted: the
    autograded cells, or (manual=True) the written answers with whether they wait for a TA."""
    from nbgrader.api import Gradebook

    result = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for path in SOLUTION_PATHS:
            if not submitted(course, student, path.stem).exists():
                continue
            submission = gradebook.find_submission_notebook(path.stem, path.parent.name, student)
            result[path.stem] = {grade.name: (grade.needs_manual_grade if manual else float(grade.score))
                                 for grade in submission.grades if (grade.cell.cell_type == "markdown") == manual}
    return result


def test_solved_notebooks_score_full_marks(course):
    got = scores(course, "solved")
    for path in SOLUTION_PATHS:
        assert got[path.stem] == points(path), f"{path.stem}: lost points with correct solutions"


def test_written_answers_wait_for_a_ta_in_nbgraders_gradebook(course):
    assert sum(len(written(path)) for path in SOLUTION_PATHS) >= 3, "the course has written answers"
    got = scores(course, "solved", manual=True)
    for path in SOLUTION_PATHS:
        assert got[path.stem] == {name: True for name in written(path)}, path.stem


def test_untouched_student_notebooks_score_zero(course):
    got = scores(course, "untouched")
    for path in SOLUTION_PATHS:
        assert set(got[path.stem]) == set(points(path))
        assert all(score == 0 for score in got[path.stem].values()), f"{path.stem}: {got[path.stem]}"


def test_one_wrong_exercise_loses_exactly_its_own_points(course):
    got = scores(course, "one_wrong")
    for path in SOLUTION_PATHS:
        wrong = f"check_{last_exercise(path)}"
        expected = dict(points(path), **{wrong: 0.0})
        assert got[path.stem] == expected, f"{path.stem}: only {wrong} should score 0"


def test_deleted_cell_is_restored_and_student_python_files_and_harmless_stderr_are_ignored(course):
    first = SOLUTION_PATHS[0]
    tidy = nbformat.read(submitted(course, "tidy", first.stem), as_version=4)
    assert len([c for c in tidy.cells if nbgrader_meta(c).get("grade") and c.cell_type == "code"]) == \
        len(points(first)) - 1
    assert (course / "autograded" / "tidy" / first.stem / first.name).exists()
    assert not (course / "autograded" / "tidy" / first.stem / "numpy.py").exists()
    assert scores(course, "tidy")[first.stem] == points(first)


def test_feedback_and_export_cover_every_student(course):
    for student in ("solved", "untouched", "one_wrong"):
        for path in SOLUTION_PATHS:
            assert (course / "feedback" / student / path.stem / f"{path.stem}.html").exists()
    with open(course / "grades.csv", newline="") as handle:
        rows = {(row["student_id"], row["assignment"]): row for row in csv.DictReader(handle)}
    for path in SOLUTION_PATHS:
        total = sum(points(path).values())
        maximum = total + sum(written(path).values())
        wrong_points = points(path)[f"check_{last_exercise(path)}"]
        assignment = path.parent.name
        assert float(rows["solved", assignment]["raw_score"]) == total
        assert float(rows["solved", assignment]["max_score"]) == maximum
        assert float(rows["untouched", assignment]["raw_score"]) == 0
        assert float(rows["one_wrong", assignment]["raw_score"]) == total - wrong_points


def test_plain_nbgrader_generate_assignment_from_the_repository_layout_gives_the_committed_notebooks(course):
    """nbgrader_config.py maps solutions/ -> notebooks/, so nbgrader's own command needs no wrapper
    (the course fixture ran it in a copy of the repository's layout)."""
    for path in SOLUTION_PATHS:
        relative = path.relative_to(ROOT / "solutions")
        assert (course / "notebooks" / relative).read_bytes() == (ROOT / "notebooks" / relative).read_bytes(), \
            f"nbgrader generate_assignment and nncourse release disagree on {relative}"


def test_nbgrader_validate_passes_the_model_answers_and_fails_the_release(course):
    first = SOLUTION_PATHS[0].relative_to(ROOT)
    assert "Success! Your notebook passes all the tests." in nbgrader(course, "validate", str(first))
    released = Path("notebooks") / first.relative_to("solutions")
    assert "VALIDATION FAILED" in nbgrader(course, "validate", str(released))


# ---- the exchange: release, fetch, submit, collect, nncourse autograde, release and fetch feedback -----

def test_a_week_through_nbgraders_exchange_with_nncourse_grading(tmp_path):
    """An instructor releases notebook 01 from the repository layout; a student fetches, solves and submits
    it; the instructor collects, grades with `nncourse autograde` into the course folder itself, and
    releases the feedback pages nncourse wrote; the student fetches them with nbgrader."""
    first = SOLUTION_PATHS[0]
    assignment = first.parent.name
    course, student, exchange = tmp_path / "course", tmp_path / "student", tmp_path / "exchange"
    course.mkdir()
    student.mkdir()
    exchange.mkdir()
    exchange.chmod(0o777)
    shutil.copytree(ROOT / "solutions", course / "solutions")
    exchange_config = f'c.CourseDirectory.course_id = "nncourse"\nc.Exchange.root = "{exchange}"\n'
    (course / "nbgrader_config.py").write_text((ROOT / "nbgrader_config.py").read_text() + exchange_config)
    (student / "nbgrader_config.py").write_text("c = get_config()  # noqa: F821\n" + exchange_config)

    nbgrader(course, "generate_assignment", assignment, "--force")
    nbgrader(course, "release_assignment", assignment)
    nbgrader(student, "fetch_assignment", assignment)
    fetched = student / assignment / first.name
    solution = nbformat.read(first, as_version=4)
    nbformat.write(solve(nbformat.read(fetched, as_version=4), solution, wrong=last_exercise(first)), fetched)
    nbgrader(student, "submit", assignment)
    nbgrader(course, "collect", assignment)
    (who,) = [p.name for p in (course / "submitted").iterdir()]

    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    result = subprocess.run([sys.executable, "-m", "nncourse.cli", "autograde", str(course / "submitted"),
                             "--out", str(course), "--source", str(course / "solutions"), "--no-progress"],
                            cwd=course, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"not graded (no student handed them in): {SOLUTION_PATHS[1].stem}" in result.stdout
    assert "Written by nncourse" not in (course / "nbgrader_config.py").read_text(), \
        "a course's own nbgrader_config.py is never replaced"
    assert scores(course, who)[first.stem] == dict(points(first), **{f"check_{last_exercise(first)}": 0.0})

    nbgrader(course, "release_feedback", assignment)
    nbgrader(student, "fetch_feedback", assignment)
    (page,) = (student / assignment / "feedback").glob(f"*/{first.stem}.html")
    assert page.read_bytes() == (course / "feedback" / who / assignment / f"{first.stem}.html").read_bytes()
    assert "not yet right" in page.read_text()
