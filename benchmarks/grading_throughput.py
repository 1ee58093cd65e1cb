#!/usr/bin/env python3
"""Throughput of `nncourse autograde` against plain `nbgrader autograde`, on one synthetic class.

    .venv/bin/python benchmarks/grading_throughput.py [--students 100] [--workers N] [--skip-nbgrader]

Builds a class of STUDENTS x 8 notebooks from the course's own notebooks: most submissions are
correct, some have one exercise left as the release stub (wrong), some are adversarial (np.allclose
patched, a numpy.py next to the notebook, a call to this notebook's reference implementation, test
cells deleted, a worker that calls os._exit). Then it grades the class twice:

1. `nncourse autograde --workers N` with every trust guarantee on (sandbox user, namespaces,
   limits, grader-side verdict);
2. plain `nbgrader autograde` (serial, as nbgrader runs) in a course folder with the repository's
   nbgrader_config.py;

and prints both times and the throughput ratio, with a progress bar for each run on standard
error. It is a script, not a test: timings depend on the
machine and on whatever else runs on it.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from nncourse.grading.source import nbgrader_meta
from nncourse.progress import progress_bar

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
RELEASE = ROOT / "notebooks"


def correct(notebook: str):
    """The release notebook with the instructor's solutions filled in."""
    source = nbformat.read(SOLUTIONS / notebook / f"{notebook}.ipynb", as_version=4)
    answers = {nbgrader_meta(c)["grade_id"]: c.source for c in source.cells if nbgrader_meta(c).get("solution")}
    nb = nbformat.read(RELEASE / notebook / f"{notebook}.ipynb", as_version=4)
    for cell in nb.cells:
        if nbgrader_meta(cell).get("grade_id") in answers:
            cell.source = answers[nbgrader_meta(cell)["grade_id"]]
    return nb


def variant(notebook: str, kind: str, rng: random.Random):
    """A submission of `kind` for `notebook` and the extra files that go with it."""
    nb = correct(notebook)
    release = nbformat.read(RELEASE / notebook / f"{notebook}.ipynb", as_version=4)
    stubs = {nbgrader_meta(c)["grade_id"]: c.source for c in release.cells if nbgrader_meta(c).get("solution")}
    solution_cells = [c for c in nb.cells if nbgrader_meta(c).get("solution")]
    target = rng.choice(solution_cells)
    name = nbgrader_meta(target)["grade_id"]
    files = {}
    if kind == "wrong":
        target.source = stubs[name]
    elif kind == "patch_allclose":
        target.source = "np.allclose = lambda *a, **k: True\n" + stubs[name]
    elif kind == "numpy_py":
        target.source = stubs[name]
        files["numpy.py"] = "allclose = lambda *a, **k: True\n"
    elif kind == "forbidden":
        target.source = (f"from nncourse.reference import {name} as _reference\n"
                         f"def {name}(*args, **kwargs):\n    return _reference(*args, **kwargs)\n")
    elif kind == "deleted_tests":
        nb.cells = [c for c in nb.cells if not nbgrader_meta(c).get("grade")]
    elif kind == "os_exit":
        target.source = f"import os\ndef {name}(*args, **kwargs):\n    os._exit(1)\n"
    return nb, files


KINDS = ["correct"] * 12 + ["wrong"] * 4 + ["patch_allclose", "numpy_py", "forbidden", "deleted_tests",
                                             "os_exit"]


def build_class(folder: Path, students: int, notebooks: list[str], seed: int = 0) -> dict:
    rng = random.Random(seed)
    counts: dict[str, int] = {}
    for s in range(students):
        for notebook in notebooks:  # nbgrader's submitted/<student>/<assignment>/<notebook>.ipynb
            assignment = folder / f"student{s:03d}" / notebook
            assignment.mkdir(parents=True)
            kind = rng.choice(KINDS)
            counts[kind] = counts.get(kind, 0) + 1
            nb, files = variant(notebook, kind, rng)
            nbformat.write(nb, assignment / f"{notebook}.ipynb")
            for name, text in files.items():
                (assignment / name).write_text(text)
    return counts


def venv_env() -> dict:
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


def run_nncourse(submissions: Path, out: Path, workers: int) -> float:
    started = time.perf_counter()
    # its progress bar and any error go straight to this terminal (stderr); its summary is printed below
    result = subprocess.run([sys.executable, "-m", "nncourse.cli", "autograde", str(submissions),
                             "--out", str(out), "--workers", str(workers), "--source", str(SOLUTIONS)],
                            env=venv_env(), cwd=ROOT, stdout=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"nncourse autograde failed (exit {result.returncode}; its error is above)")
    print(result.stdout.strip())
    return elapsed


def run_nbgrader(submissions: Path, course: Path, notebooks: list[str]) -> float:
    """Plain nbgrader: generate_assignment (not timed), then `nbgrader autograde` per assignment, serially (timed)."""
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(SOLUTIONS, course / "solutions")
    env = venv_env()
    for assignment in notebooks:  # one assignment per notebook, of the same name
        subprocess.run(["nbgrader", "generate_assignment", assignment, "--force"], cwd=course, env=env,
                       check=True, capture_output=True)
    shutil.copytree(submissions, course / "submitted")
    total = sum(1 for _ in (course / "submitted").glob("*/*/*.ipynb"))
    started = time.perf_counter()
    failed = 0
    # nbgrader has no progress bar: count its "Autograding <notebook>" log lines, one per submission
    with progress_bar(total, desc="nbgrader", unit="notebook", widget=False, file=sys.stderr) as bar:
        for assignment in notebooks:
            process = subprocess.Popen(["nbgrader", "autograde", assignment, "--force", "--create"], cwd=course,
                                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            for line in process.stderr:
                if "| INFO] Autograding " in line:
                    bar.update(1)
            failed += process.wait() != 0
    elapsed = time.perf_counter() - started
    if failed:
        print(f"(nbgrader autograde failed on {failed} assignments: some submissions failed entirely)")
    return elapsed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-nbgrader", action="store_true", help="time nncourse autograde only")
    args = parser.parse_args(argv)
    notebooks = sorted(p.stem for p in SOLUTIONS.glob("*/*.ipynb"))
    with tempfile.TemporaryDirectory(prefix="nncourse-benchmark-") as folder:
        base = Path(folder)
        counts = build_class(base / "submissions", args.students, notebooks)
        total = args.students * len(notebooks)
        print(f"class: {args.students} students x {len(notebooks)} notebooks = {total} submissions "
              f"({', '.join(f'{v} {k}' for k, v in sorted(counts.items()))}); {os.cpu_count()} cores")
        ours = run_nncourse(base / "submissions", base / "out", args.workers)
        print(f"nncourse autograde --workers {args.workers}: {ours:.1f} s ({total / ours:.2f} notebooks/s)")
        if args.skip_nbgrader:
            return 0
        theirs = run_nbgrader(base / "submissions", base / "course", notebooks)
        print(f"nbgrader autograde (serial):      {theirs:.1f} s ({total / theirs:.2f} notebooks/s)")
        print(f"throughput ratio nncourse / nbgrader: {theirs / ours:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
