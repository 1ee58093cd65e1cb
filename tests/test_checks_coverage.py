"""Every exercise of the syllabus has a check, in course order, and a bank that tests it."""
import re
from pathlib import Path

import pytest
from banks import activations, backprop, costs, evaluation, forward, layers, neuron, training

from nncourse import reference
from nncourse.checks import EXERCISES

BANKS = (neuron, activations, layers, forward, costs, backprop, training, evaluation)
SYLLABUS = Path(__file__).resolve().parents[2] / "shared" / "SYLLABUS.md"


def syllabus_exercises():
    """(notebook number, name) of every graded exercise, read from the syllabus's contract table."""
    found = []
    for number, cell in re.findall(r"^\| (\d\d) \| (`.*?) \|", SYLLABUS.read_text(), re.M):
        found += [(number, name) for name in re.findall(r"`([a-z_]+)\(", cell)]
    return found


@pytest.mark.skipif(not SYLLABUS.exists(), reason="the syllabus lies beside the repository, in ../shared")
def test_every_syllabus_exercise_has_a_check_in_course_order():
    expected = syllabus_exercises()
    assert len(expected) == 36
    assert list(EXERCISES) == [name for _, name in expected]
    assert [EXERCISES[name][:2] for _, name in expected] == [number for number, _ in expected]


def test_every_exercise_has_an_exported_reference_implementation():
    for name in EXERCISES:
        assert name in reference.__all__ and callable(getattr(reference, name, None)), name


@pytest.mark.parametrize("name", list(EXERCISES))
def test_every_exercise_has_three_wrong_and_one_correct_implementation_in_a_bank(name):
    wrong = [entry for bank in BANKS for entry in bank.WRONG if entry[0] == name]
    correct = [entry for bank in BANKS for entry in bank.CORRECT if entry[0] == name]
    assert len(wrong) >= 3, f"{name}: only {len(wrong)} wrong implementations"
    assert len(correct) >= 1, f"{name}: no correct implementation written another way"
