"""Two graders on different students at once, against one real PostgreSQL gradebook: no row lost.

The test starts its own PostgreSQL (Debian's package, installed by course.py / .ci/run) as an
unprivileged user in a temporary folder on a free port, and stops it afterwards. Without
PostgreSQL it fails with a message saying what to install; it is never skipped silently.
"""
from __future__ import annotations

import csv
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from adversarial.build import ROOT, SOLUTIONS, correct_notebook, set_solution, venv_env

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

NOTEBOOKS = ("01_the_neuron", "02_activation_functions")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        pytest.fail(f"PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/{name}): "
                    "apt-get install postgresql, or run python3 course.py test as root")
    return found[-1]


def _as_user(user: str):
    if os.geteuid() != 0:
        return None
    entry = pwd.getpwnam(user)

    def demote():
        os.setgid(entry.pw_gid)
        os.setuid(entry.pw_uid)
    return demote


@pytest.fixture(scope="module")
def postgres_url():
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    user = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    folder = Path(tempfile.mkdtemp(prefix="nncourse-pg-"))
    data, sockets = folder / "data", folder / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
        os.chown(sockets, entry.pw_uid, entry.pw_gid)
    port = _free_port()
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(folder)}
    run = dict(preexec_fn=_as_user(user), env=env, capture_output=True, text=True, cwd=folder)
    result = subprocess.run([initdb, "-D", str(data), "-U", "grader", "--auth=trust", "-E", "UTF8"], **run)
    assert result.returncode == 0, result.stderr
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c max_connections=50 -c fsync=off"
    result = subprocess.run([pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"],
                            **run)
    assert result.returncode == 0, result.stderr + (folder / "log").read_text()
    try:
        result = subprocess.run([_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "grader", "course"],
                                **run)
        assert result.returncode == 0, result.stderr
        yield f"postgresql+psycopg://grader@127.0.0.1:{port}/course"
    finally:
        subprocess.run([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"], **run)
        shutil.rmtree(folder, ignore_errors=True)


def _class(folder: Path, prefix: str, students: int) -> None:
    for s in range(students):
        for notebook in NOTEBOOKS:
            nb = correct_notebook(notebook)
            if s % 2:   # every other student gets one exercise wrong
                first = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
                set_solution(nb, first.metadata["nbgrader"]["grade_id"],
                             f"def {first.metadata['nbgrader']['grade_id']}(*args, **kwargs):\n    return 0\n")
            path = folder / f"{prefix}{s}" / f"{notebook}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, path)


def test_two_graders_at_once_lose_no_row_in_postgresql(postgres_url):
    from nncourse.grading.gradebook import read_scores
    with tempfile.TemporaryDirectory(prefix="nncourse-pg-class-") as tmp:
        base = Path(tmp)
        _class(base / "class_a", "a", 3)
        _class(base / "class_b", "b", 3)
        graders = [subprocess.Popen([sys.executable, "-m", "nncourse.cli", "autograde", str(base / f"class_{x}"),
                                     "--out", str(base / f"out_{x}"), "--db", postgres_url,
                                     "--source", str(SOLUTIONS), "--notebooks", *NOTEBOOKS,
                                     "--workers", "1", "--no-progress"],
                                    cwd=ROOT, env=venv_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                   for x in ("a", "b")]
        outputs = [g.communicate(timeout=900) for g in graders]
        for grader, (_stdout, stderr) in zip(graders, outputs):
            assert grader.returncode == 0, stderr[-3000:]

        rows = read_scores(postgres_url)
        exercises = sum(1 for nb in NOTEBOOKS for c in nbformat.read(SOLUTIONS / nb / f"{nb}.ipynb", as_version=4).cells
                        if c.metadata.get("nbgrader", {}).get("grade"))
        assert len(rows) == 6 * exercises
        totals: dict[str, float] = {}
        for row in rows:
            assert row["score"] is not None, row
            totals[row["student_id"]] = totals.get(row["student_id"], 0.0) + float(row["score"])
        for x in ("a", "b"):
            with open(base / f"out_{x}" / "grades.csv", newline="") as handle:
                for grade in csv.DictReader(handle):
                    assert totals[grade["student_id"]] == float(grade["total"])
        assert sorted(totals) == ["a0", "a1", "a2", "b0", "b1", "b2"]
        assert totals["a0"] > totals["a1"]
