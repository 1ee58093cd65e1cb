"""Validate says what the check says: nbgrader's validator run on student notebooks carrying bank code.

For each notebook, the released student notebook is cut down to its set-up cell, its exercise cells
and its check cells; each exercise cell imports an implementation from the banks (a wrong one, or a
correct one when an exercise has run out of wrong ones). nbgrader's Validator (what the Validate
button runs) executes it; every check cell must fail exactly when `check(name, func)` fails here,
with the check's first line in its error, and the CLI's short form (lines cut at 87 characters)
must still show the start of that line.
"""
import re
from pathlib import Path

import nbformat
import pytest
from banks import activations, backprop, costs, evaluation, forward, layers, neuron, training
from banks.suite import public_verdict
from nbgrader.validator import Validator
from traitlets.config import Config

from nncourse.checks import EXERCISES

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
BANKS = {"01_the_neuron": neuron, "02_activation_functions": activations, "03_layers_and_deep_networks": layers,
         "04_forward_propagation": forward, "05_cost_functions": costs, "06_backward_propagation": backprop,
         "07_gradient_descent_and_training": training, "08_evaluation_tuning_and_use": evaluation}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def rounds(notebook):
    """How many notebooks it takes to validate every wrong implementation of the notebook's bank once."""
    bank = BANKS[notebook]
    return max(sum(1 for entry in bank.WRONG if entry[0] == name) for name, nb in EXERCISES.items() if nb == notebook)


def implementations(notebook, round_):
    """exercise -> the bank function the student notebook of this round carries."""
    bank = BANKS[notebook]
    chosen = {}
    for name in [name for name, nb in EXERCISES.items() if nb == notebook]:
        wrong = [entry[1] for entry in bank.WRONG if entry[0] == name]
        correct = [entry[1] for entry in bank.CORRECT if entry[0] == name]
        chosen[name] = wrong[round_] if round_ < len(wrong) else correct[round_ % len(correct)]
    return chosen


def student_notebook(notebook, chosen, folder: Path) -> Path:
    """The released notebook, cut to set-up, exercise and check cells, the exercises importing `chosen`."""
    nb = nbformat.read(ROOT / "notebooks" / notebook / f"{notebook}.ipynb", as_version=4)
    kept = []
    for cell in nb.cells:
        meta = _meta(cell)
        if meta.get("grade_id") == "setup" or (meta.get("grade") and meta["grade_id"].startswith("check_")):
            kept.append(cell)
        elif meta.get("solution") and meta["grade_id"] in chosen:
            func = chosen[meta["grade_id"]]
            if func.__module__.startswith("banks."):
                cell.source = (f"import sys\nsys.path.insert(0, {str(TESTS)!r})\n"
                               f"from {func.__module__} import {func.__name__} as {meta['grade_id']}")
            else:   # the reference itself, imported as the set-up cells import earlier ones
                cell.source = f"from nncourse.reference import {func.__name__} as {meta['grade_id']}"
            kept.append(cell)
    nb.cells = kept
    path = folder / f"{notebook}.ipynb"
    nbformat.write(nb, path)
    return path


def validate(path: Path) -> dict[str, str]:
    """exercise -> the error Validate shows for its check cell (absent when the cell passed)."""
    config = Config()
    config.Execute.timeout = 120
    results = Validator(config=config).validate(str(path))
    assert "changed" not in results and "type_changed" not in results, results
    failed = {}
    for cell in results.get("failed", []):
        name = re.match(r'check\("(\w+)"', cell["source"]).group(1)
        failed[name] = ANSI.sub("", cell["raw_error"])
    return failed


def assert_validate_agrees(notebook, round_, tmp_path):
    chosen = implementations(notebook, round_)
    failed = validate(student_notebook(notebook, chosen, tmp_path))
    short_form = Validator(config=Config())
    for name, func in chosen.items():
        first = public_verdict(name, func)
        if first is None:
            assert name not in failed, f"{name} ({func.__name__}) passes the check, fails Validate: {failed.get(name)}"
            continue
        assert name in failed, f"{name} ({func.__name__}) fails the check ({first}) but passes Validate"
        assert f"CheckFailure: {first}" in failed[name], (first, failed[name][-2000:])
        cut = [line for line in short_form._indent(failed[name]).splitlines() if "CheckFailure: " in line][-1]
        shown = cut.split("CheckFailure: ", 1)[1].removesuffix("...")
        assert first.startswith(shown) and len(shown) >= min(len(first), 60), (shown, first)


def test_validate_shows_the_checks_verdict_and_first_line(tmp_path):
    assert_validate_agrees("02_activation_functions", 0, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("notebook, round_", [(notebook, r) for notebook in BANKS for r in range(rounds(notebook))])
def test_validate_shows_the_checks_verdict_for_every_bank_implementation(notebook, round_, tmp_path):
    assert_validate_agrees(notebook, round_, tmp_path)


def test_the_cut_notebook_keeps_every_check_cell(tmp_path):
    notebook = "05_cost_functions"
    path = student_notebook(notebook, implementations(notebook, 0), tmp_path)
    nb = nbformat.read(path, as_version=4)
    checks = [_meta(cell)["grade_id"] for cell in nb.cells if _meta(cell).get("grade")]
    assert checks == [f"check_{name}" for name, nb_ in EXERCISES.items() if nb_ == notebook]
