"""The benchmark scripts run and print their figures (their timings are not tested: they are goals)."""
import subprocess
import sys
from pathlib import Path

import pytest

from nncourse.checks import EXERCISES

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def run(script, *args, timeout=600, returncode=0):
    result = subprocess.run([sys.executable, str(BENCHMARKS / script), *args], capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == returncode, result.stdout + result.stderr
    return result


@pytest.mark.slow
def test_grading_throughput_grades_a_synthetic_class_with_a_progress_bar():
    result = run("grading_throughput.py", "--students", "1", "--skip-nbgrader")
    assert "class: 1 students x 8 notebooks = 8 submissions" in result.stdout
    assert "nncourse autograde --workers" in result.stdout and "notebooks/s" in result.stdout
    assert "graded 1 students x 8 notebooks" in result.stdout  # autograde's own summary, passed through
    assert "8/8" in result.stderr  # the progress bar reached the end


@pytest.mark.slow
def test_notebook_times_times_the_chosen_notebooks():
    result = run("notebook_times.py", "01")
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["notebook", "total", "s"]
    assert [line.split()[0] for line in lines[1:]] == ["01_the_neuron", "all"]
    assert "budget 60 s" in lines[-1]


@pytest.mark.slow
def test_check_times_times_every_exercise_against_the_target():
    # The 0.2 s target is a benchmark's, not a timed test's: this only runs it.
    result = run("check_times.py", "--repeat", "1")
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines[1:-1]] == list(EXERCISES)
    assert lines[-1].startswith("slowest check: ") and "of the 0.2 s target" in lines[-1]
    bad = run("check_times.py", "no_such_exercise", timeout=60, returncode=2)
    assert "unknown exercise(s): no_such_exercise" in bad.stderr


@pytest.mark.slow
def test_train_step_runs_and_prints_its_ratios():
    out = run("train_step.py", "--samples", "2", "--sample-seconds", "0.01", timeout=300).stdout
    assert "reference step (forward, cost, output_gradient, backward, gd_update)" in out
    assert "torch not installed; skipping the PyTorch comparison" in out or "reference / PyTorch" in out
    assert "breast cancer" in out and "random search of 12 designs" in out and "the best design" in out
