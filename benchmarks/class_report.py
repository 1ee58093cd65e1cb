#!/usr/bin/env python3
"""Time of `nncourse report` and `nncourse similarity` on a large synthetic class (target: under a minute).

    .venv/bin/python benchmarks/class_report.py [--students 1000] [--workers 2] [--keep DIR]

Writes an OUT folder as `nncourse autograde` leaves it for STUDENTS x 8 notebooks (scores.csv and a
record per submission that holds each exercise's code), then runs, each in a fresh process as an
instructor would:

1. `nncourse report OUT --no-similarity`   the numbers and the figures only;
2. `nncourse similarity OUT --format json` every pair of students per notebook, and the baselines;
3. `nncourse report OUT`                   both on one page: the figure the target is about.

The students' code is the instructor's answer to each exercise, varied the way a class varies it:
each student follows one of three styles per exercise (extra checks, conversions, debugging lines
at set places: shared by hundreds, so set aside as common code), adds two to four statements of
their own at random places (about half of their code, as students' code differs from the model
answer; the same statement at the same place is shared by a few, so many pairs share some
fingerprints and must be compared), and has their own names for everything. 2% of the
students copied another student's notebook (names changed). Statuses
are drawn at random (70% passed, 15% failed with a named mistake or none, the rest not attempted,
missing, timeout, error).

Most of every generated notebook is the model answer (which is also the reference implementation),
which the whole class shares and the similarity check sets aside as common code: a copied notebook
is found when what the two students added themselves is enough of it (the printed count of copies
found measures the generator as much as the check; the tests measure the check on students who
write their own code, and on one who pasted the reference).

It prints each command's wall-clock time and the CPU time it used (all its processes), with the
load average: on a machine that other work shares, the wall-clock time is longer than on an idle
one. It is a script, not a test: timings depend on the machine and on whatever else runs on it.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from nncourse.grading.similarity import SOLUTION_MARKERS, answer_cells
from nncourse.progress import progress_bar

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
RELEASE = ROOT / "notebooks"
TARGET_SECONDS = 60.0

# statements a student adds; {v} is one of the function's parameters, {c} a constant of their own
EXTRAS = [
    "assert {v} is not None",
    "{v} = np.asarray({v})",
    "if np.any(np.isnan(np.asarray({v}, dtype=float))):\n    raise ValueError('nan in the input')",
    "print('debug', np.shape({v}))",
    "n_items = np.size({v})",
    "scale = {c}",
    "if np.ndim({v}) > 3:\n    raise ValueError('too many dimensions')",
    "checked = np.all(np.isfinite(np.asarray({v}, dtype=float)))",
    "tolerance = {c} * 1e-9",
    "{v}_original = np.array({v}, copy=True)",
]
MISTAKES = ["missing-1/m", "wrong-axis", "derivative-at-A", "transposed-W", "divided-by-m-twice", "no-clipping"]


def model_bodies(notebook: str) -> tuple[dict[str, str], dict[str, str]]:
    """exercise -> the instructor's answer (between the solution markers), and -> the released stub cell."""
    path = next(SOLUTIONS.glob(f"*/{notebook}.ipynb"))
    bodies = {}
    for exercise, cell in answer_cells(nbformat.read(path, as_version=4)).items():
        lines = cell.splitlines()
        start = next(i for i, line in enumerate(lines) if line.strip() == SOLUTION_MARKERS[0])
        end = next(i for i, line in enumerate(lines) if line.strip() == SOLUTION_MARKERS[1])
        bodies[exercise] = "\n".join(lines[start + 1:end])
    stubs = answer_cells(nbformat.read(RELEASE / path.parent.name / path.name, as_version=4))
    return bodies, stubs


def parameters(stub: str) -> list[str]:
    match = re.search(r"def \w+\(([^)]*)\)", stub)
    names = [p.split("=")[0].strip() for p in (match.group(1).split(",") if match else [])]
    return [n for n in names if n.isidentifier()] or ["x"]


def insert(body: str, statement: str, position: int) -> str:
    """Put a statement before line `position` of the body, at that line's indentation."""
    lines = body.splitlines()
    position = min(position, len(lines) - 1)
    indent = re.match(r"\s*", lines[position]).group(0)
    new = [indent + line for line in statement.splitlines()]
    return "\n".join(lines[:position] + new + lines[position:])


def rename(code: str, rng: random.Random, protected: set[str]) -> str:
    """Give every name the code assigns a student's own name (parameters and library names are kept)."""
    assigned = set(re.findall(r"^\s*([A-Za-z_]\w*)\s*=[^=]", code, re.MULTILINE))
    assigned |= set(re.findall(r"\bfor\s+([A-Za-z_]\w*)\s+in\b", code))
    for name in sorted(assigned - protected):
        new = f"{name[:2].lower()}_{rng.randrange(10**6)}"
        code = re.sub(rf"\b{name}\b", new, code)
    return code


def student_body(body: str, stub: str, style: int, rng: random.Random) -> str:
    params = parameters(stub)
    styled = random.Random(style)      # a style: the same extras at the same places for everyone who has it
    for _ in range(style % 4):
        extra = styled.choice(EXTRAS).format(v=styled.choice(params), c=styled.choice(["1.0", "2.0", "0.5"]))
        body = insert(body, extra, styled.randrange(len(body.splitlines())))
    for _ in range(rng.choice([2, 3, 4])):    # statements of their own
        extra = rng.choice(EXTRAS).format(v=rng.choice(params), c=f"{rng.uniform(0.1, 9):.2f}")
        body = insert(body, extra, rng.randrange(len(body.splitlines())))
    return rename(body, rng, set(params) | {"np", "eps"})


def fill(stub: str, body: str) -> str:
    lines = stub.splitlines(True)
    start = next(i for i, line in enumerate(lines) if line.strip() == "# YOUR CODE HERE")
    return "".join(lines[:start]) + body + "\n"


def build(out: Path, students: int, seed: int = 0) -> dict[str, str]:
    """Write OUT; returns who copied whom (copier -> original)."""
    rng = random.Random(seed)
    ids = [f"student{i:04d}" for i in range(students)]
    notebooks = sorted(p.stem for p in SOLUTIONS.glob("*/*.ipynb"))
    copies = {ids[i]: ids[i - 1] for i in range(1, students, 50)}          # 2%: copied the one before
    rows = []
    bar = progress_bar(students * len(notebooks), desc="building the class", unit="submission", widget=False)
    for notebook in notebooks:
        bodies, stubs = model_bodies(notebook)
        code_of: dict[str, dict[str, str]] = {}
        for student in ids:
            if student in copies:
                original = code_of[copies[student]]
                code = {e: rename(c, rng, set(parameters(stubs[e])) | {"np", "eps"}) for e, c in original.items()}
            else:
                code = {e: fill(stubs[e], student_body(bodies[e], stubs[e], rng.randrange(3), rng))
                        for e in bodies}
            code_of[student] = code
            results = []
            for exercise in bodies:
                draw = rng.random()
                status, mistake = (("passed", "") if draw < 0.70 else
                                   ("failed", rng.choice(MISTAKES + ["other"] * 3)) if draw < 0.85 else
                                   ("not attempted", "") if draw < 0.92 else
                                   ("missing", "") if draw < 0.97 else
                                   (rng.choice(["timeout", "error", "crashed"]), ""))
                message = f"{exercise}: {status}" + (f" ({mistake})" if mistake else "")
                points = 2.0
                results.append({"exercise": exercise, "score": points if status == "passed" else 0.0,
                                "max_score": points, "status": status, "mistake": mistake, "message": message,
                                "code": "" if status in ("missing", "not attempted") else code[exercise]})
                rows.append([student, notebook, exercise, results[-1]["score"], points, status, mistake, message])
            path = out / ".state" / student / f"{notebook}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"student_id": student, "notebook": notebook, "key": "benchmark",
                                        "notes": [], "retry": False, "results": results}, indent=1))
            bar.update(1)
    bar.close()
    with open(out / "scores.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "notebook", "exercise", "score", "max_score", "status", "mistake", "message"])
        writer.writerows(rows)
    return copies


def timed(*args: str) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds of the command and its worker processes)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nncourse.cli", *args], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def line(label: str, wall: float, cpu: float, extra: str = "") -> str:
    return (f"{label:<36} {wall:6.1f} s wall, {cpu:6.1f} s CPU, load average {os.getloadavg()[0]:.1f}"
            + (f"  ({extra})" if extra else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep", type=Path, default=None, help="build the class here and keep it")
    args = parser.parse_args(argv)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="nncourse-class-report-"))
    out = folder / "out"
    try:
        if out.exists():
            shutil.rmtree(out)
        copies = build(out, args.students)
        print(f"class: {args.students} students x 8 notebooks; {os.cpu_count()} cores, {args.workers} workers")
        workers = ("--workers", str(args.workers), "--source", str(SOLUTIONS))
        print(line("nncourse report --no-similarity:", *timed("report", str(out), "--no-similarity", *workers)))
        wall, cpu = timed("similarity", str(out), "--format", "json", *workers)
        found = json.loads((out / "similarity.json").read_text())["pairs"]
        copied = sum(1 for p in found if copies.get(p["b"]) == p["a"] or copies.get(p["a"]) == p["b"])
        print(line("nncourse similarity:", wall, cpu,
                   f"{len(found)} pairs listed, {copied} of them of the {8 * len(copies)} copied notebooks"))
        wall, cpu = timed("report", str(out), *workers)
        size = (out / "report.html").stat().st_size / 1e6
        print(line("nncourse report (with similarity):", wall, cpu, f"{size:.1f} MB page"))
        print(f"report + similarity: {wall:.1f} s wall-clock, {wall / TARGET_SECONDS:.2f} of the "
              f"{TARGET_SECONDS:.0f} s target ({cpu:.1f} s of CPU for {args.workers} workers)")
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
