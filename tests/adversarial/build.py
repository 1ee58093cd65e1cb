"""Building submissions from the course's own notebooks: the release notebook with solutions filled in.

Also the environment the grading tests run `nncourse` and `nbgrader` in.
"""
from __future__ import annotations

import copy
import json
import os
import sys
import zipfile
from pathlib import Path

import nbformat

from nncourse.grading.source import nbgrader_meta

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
RELEASE = ROOT / "notebooks"


def venv_env(**extra: str) -> dict:
    """This process's environment with this interpreter's bin/ first on PATH (nbgrader runs `alembic`)."""
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.update(extra)
    return env


def _grade_id(cell) -> str | None:
    return nbgrader_meta(cell).get("grade_id")


def correct_notebook(notebook: str):
    """The student notebook as released, with every solution cell answered as the instructor did."""
    source = nbformat.read(SOLUTIONS / notebook / f"{notebook}.ipynb", as_version=4)
    answers = {_grade_id(c): c.source for c in source.cells
               if nbgrader_meta(c).get("solution")}
    release_path = RELEASE / notebook / f"{notebook}.ipynb"
    nb = nbformat.read(release_path, as_version=4) if release_path.exists() else copy.deepcopy(source)
    for cell in nb.cells:
        if _grade_id(cell) in answers:
            cell.source = answers[_grade_id(cell)]
        if nbgrader_meta(cell).get("grade"):
            cell.source = cell.source.split("### BEGIN HIDDEN TESTS")[0].rstrip() + "\n"
    return nb


def cell_index(nb, grade_id: str) -> int:
    for i, cell in enumerate(nb.cells):
        if _grade_id(cell) == grade_id:
            return i
    raise KeyError(grade_id)


def set_solution(nb, grade_id: str, code: str) -> None:
    nb.cells[cell_index(nb, grade_id)].source = code


def test_cells(nb) -> list[int]:
    return [i for i, c in enumerate(nb.cells) if nbgrader_meta(c).get("grade")]


def write_case(case, folder: Path, context: dict) -> None:
    """Write one case as student `case.student` under `folder` (a folder, or a zip when case.as_zip)."""
    student = folder / case.student
    if case.raw is not None:
        student.mkdir(parents=True)
        (student / f"{case.notebook}.ipynb").write_bytes(case.raw)
        return
    nb = correct_notebook(case.notebook)
    for grade_id, code in case.solutions.items():
        set_solution(nb, grade_id, code.format(**context))
    if case.transform is not None:
        case.transform(nb)
    files = {f"{case.notebook}.ipynb": nbformat.writes(nb).encode()}
    files.update({name: text.format(**context).encode() for name, text in case.files.items()})
    if case.as_zip:
        folder.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(folder / f"{case.student}.zip", "w") as zf:
            for name, data in files.items():
                zf.writestr(name, data)
        return
    for name, data in files.items():
        path = student / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def exercises_of(notebook: str) -> list[str]:
    source = json.loads((SOLUTIONS / notebook / f"{notebook}.ipynb").read_text())
    names = []
    for cell in source["cells"]:
        meta = nbgrader_meta(cell)
        if meta.get("grade") and not meta.get("solution"):
            names.append(meta["grade_id"].removeprefix("check_"))
    return names


def written_answers_of(notebook: str) -> list[str]:
    """The grade ids of the notebook's written answers (manually graded markdown cells)."""
    source = json.loads((SOLUTIONS / notebook / f"{notebook}.ipynb").read_text())
    return [nbgrader_meta(cell)["grade_id"] for cell in source["cells"]
            if cell["cell_type"] == "markdown" and nbgrader_meta(cell).get("grade")
            and nbgrader_meta(cell).get("solution")]


def write_attack(attack, folder: Path, context: dict) -> None:
    """Write `attack` as its student under `folder`, then its correct classmate (same notebook)."""
    student = folder / attack.student
    if attack.folder_link is not None:
        student.symlink_to(attack.folder_link.format(**context), target_is_directory=True)
    elif attack.notebook_link is not None or attack.notebook_fifo:
        student.mkdir(parents=True)
        if attack.notebook_fifo:
            os.mkfifo(student / f"{attack.notebook}.ipynb")
        else:
            (student / f"{attack.notebook}.ipynb").symlink_to(attack.notebook_link.format(**context))
    else:
        nb = correct_notebook(attack.notebook)
        for grade_id, code in attack.solutions.items():
            set_solution(nb, grade_id, code.format(**context))
        if attack.transform is not None:
            attack.transform(nb)
        files = {f"{attack.notebook}.ipynb": nbformat.writes(nb, version=nbformat.NO_CONVERT).encode()}
        files.update({name: text.format(**context).encode() if isinstance(text, str) else text
                      for name, text in attack.files.items()})
        if attack.as_zip:
            with zipfile.ZipFile(folder / f"{attack.student}.zip", "w", zipfile.ZIP_DEFLATED) as zf:
                for name, data in files.items():
                    with zf.open(name, "w", force_zip64=True) as sink:
                        if isinstance(data, int):
                            for _ in range(data // 1_000_000):
                                sink.write(bytes(1_000_000))
                        else:
                            sink.write(data)
        else:
            student.mkdir(parents=True)
            for name, data in files.items():
                (student / name).write_bytes(data if isinstance(data, bytes) else bytes(data))
            for name, target in attack.extra_links.items():
                (student / name).symlink_to(target.format(**context))
    classmate = folder / attack.classmate
    classmate.mkdir(parents=True)
    nbformat.write(correct_notebook(attack.notebook), classmate / f"{attack.notebook}.ipynb")


def csv_student_id(name: str) -> str:
    """How a student folder's name appears in the CSVs: undecodable bytes as \\xNN, formulas neutralised."""
    text = os.fsencode(name).decode("utf-8", "backslashreplace")
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
