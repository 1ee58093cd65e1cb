"""Kill rate and false rejects of the banks, per notebook and in total.

    .venv/bin/python tests/banks/measure.py

Every wrong implementation of the banks should be rejected (kill rate 100%) and every correct one
accepted (false rejects 0), by the public check a student runs (`check(name, func)`) and by the
graded cell the grader runs (the public check and the hidden tests). The table counts both, and
the share of wrong implementations whose failure names a known mistake (its id, checked by the bank
tests); tests/test_checks_banks.py asserts them.
"""
import contextlib
import io
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from banks import activations, backprop, costs, evaluation, forward, layers, neuron, training
from banks.answers import graded_cells
from banks.proxy import through_pickle
from banks.suite import public_verdict
from nncourse.checks import EXERCISES, check

BANKS = {"01_the_neuron": neuron, "02_activation_functions": activations, "03_layers_and_deep_networks": layers,
         "04_forward_propagation": forward, "05_cost_functions": costs, "06_backward_propagation": backprop,
         "07_gradient_descent_and_training": training, "08_evaluation_tuning_and_use": evaluation}


def graded_cell_rejects(notebook, name, func) -> bool:
    """True when the grader's test cell for `name` (visible and hidden tests) fails for `func`."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(graded_cells(notebook)[name], f"<graded cell of {name}>", "exec"),
                 {"check": check, "np": np, name: func})
    except AssertionError:
        return True
    return False


def measure() -> dict[str, dict[str, int]]:
    """notebook -> counts: wrong, killed (public), killed (graded), named (the failure names a known mistake),
    correct, rejected (public), rejected (graded)."""
    table = {}
    for notebook, bank in BANKS.items():
        row = dict.fromkeys(("wrong", "killed_public", "killed_graded", "named", "correct", "rejected_public",
                             "rejected_graded"), 0)
        for name, func, _, mistake in bank.WRONG:
            assert EXERCISES[name] == notebook
            row["wrong"] += 1
            row["named"] += mistake is not None
            row["killed_public"] += public_verdict(name, through_pickle(func)) is not None
            row["killed_graded"] += graded_cell_rejects(notebook, name, through_pickle(func))
        for name, func in bank.CORRECT:
            row["correct"] += 1
            row["rejected_public"] += public_verdict(name, through_pickle(func)) is not None
            row["rejected_graded"] += graded_cell_rejects(notebook, name, through_pickle(func))
        table[notebook] = row
    return table


def report(table) -> str:
    lines = [f"{'notebook':<34} {'wrong':>5} {'kill rate (check / graded)':>27} {'named':>6} {'correct':>7} "
             f"{'false rejects (check / graded)':>31}"]
    total = dict.fromkeys(next(iter(table.values())), 0)
    for notebook, row in [*table.items(), ("total", total)]:
        if notebook != "total":
            for key, value in row.items():
                total[key] += value
        kill = f"{row['killed_public'] / row['wrong']:.0%} / {row['killed_graded'] / row['wrong']:.0%}"
        false = f"{row['rejected_public']} / {row['rejected_graded']}"
        named = f"{row['named'] / row['wrong']:.0%}"
        lines.append(f"{notebook:<34} {row['wrong']:>5} {kill:>27} {named:>6} {row['correct']:>7} {false:>31}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(measure()))
