"""The code, tests, benchmarks and notebooks pass the linter (ruff), and the grader and the checks pass
mypy (both configured in pyproject.toml)."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing_to_fix():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", "."],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All checks passed" in result.stdout


def test_mypy_finds_no_type_errors_in_the_package():
    # mypy must be installed (the test extra): a missing mypy fails here, it is not skipped.
    # pyproject.toml leaves the reference (the model answers, plain code) unchecked
    command = [sys.executable, "-m", "mypy", "--cache-dir", os.devnull, "nncourse"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout
