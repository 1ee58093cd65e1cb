"""Print how long `nncourse.checks.check` takes on a correct function (the model answer), for every exercise.

    .venv/bin/python benchmarks/check_times.py              # each check, best of 5 runs
    .venv/bin/python benchmarks/check_times.py --repeat 1 sigmoid train

The contract (../shared/SYLLABUS.md, issue 2) asks that every check return in under 0.2 s for a
correct function. The student's call is timed as a student makes it, `check(name, func)`, and as
the autograder's hidden test makes it, `check(name, func, seed=..., hidden=True)` (more cases).
Each time is the best of --repeat runs (the least disturbed on a shared machine), printed with
its ratio to the 0.2 s target; lines over the target are marked with "!". A goal, not a test.
The correct function is the model answer of solutions/, run as a student's code (the checks refuse
the reference implementation itself, as the grader does).
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import nbformat

from nncourse.checks import EXERCISES, check

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

TARGET = 0.2


def model_answer(name: str):
    """Exercise `name`'s model answer: the notebook's set-up and solution cells, run as a student's cells."""
    notebook = EXERCISES[name]
    nb = nbformat.read(os.path.join(ROOT, "solutions", notebook, f"{notebook}.ipynb"), as_version=4)
    namespace: dict = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and (meta.get("grade_id") == "setup" or meta.get("solution")):
            exec(compile(cell.source, f"<cell {meta['grade_id']}>", "exec"), namespace)
    return namespace[name]


def best_time(name: str, repeat: int, **kwargs) -> float:
    """Seconds of the fastest of `repeat` calls of check(name, <model answer>, **kwargs)."""
    best = float("inf")
    func = model_answer(name)
    for _ in range(repeat):
        with contextlib.redirect_stdout(io.StringIO()):  # the check's one line of praise
            start = time.perf_counter()
            check(name, func, **kwargs)
            best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="only these exercises (default: all, in course order)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per check; report the best (default 5)")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in EXERCISES]
    if unknown:
        parser.error(f"unknown exercise(s): {', '.join(unknown)}")
    names = args.names or list(EXERCISES)

    print(f"{'exercise':<28} {'check ms':>9} {'hidden ms':>10} {'slowest / 0.2 s':>16}")
    slowest = 0.0
    for name in names:
        plain = best_time(name, args.repeat)
        hidden = best_time(name, args.repeat, seed=3, hidden=True)
        ratio = max(plain, hidden) / TARGET
        slowest = max(slowest, ratio)
        mark = "  !" if ratio > 1 else ""
        print(f"{name:<28} {plain * 1000:9.1f} {hidden * 1000:10.1f} {ratio:16.2f}{mark}")
    print(f"slowest check: {slowest:.2f} of the 0.2 s target ({'met' if slowest <= 1 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
