"""The checks of notebooks 01-04 against their banks of wrong and right implementations."""
import pytest

from banks import activations, forward, layers, neuron
from banks.proxy import through_pickle
from nncourse import reference
from nncourse.checks import EXERCISES, CheckFailure, check

BANKS = (neuron, activations, layers, forward)
NOTEBOOKS = ("01_the_neuron", "02_activation_functions", "03_layers_and_deep_networks", "04_forward_propagation")
NAMES = [name for name, notebook in EXERCISES.items() if notebook in NOTEBOOKS]
WRONG = [entry for bank in BANKS for entry in bank.WRONG]
WRONG_HIDDEN = [entry for bank in BANKS for entry in bank.WRONG_HIDDEN]
CORRECT = [entry for bank in BANKS for entry in bank.CORRECT]
HIDDEN_SEED = 12345


def _ids(entries):
    return [f"{entry[0]}-{entry[1].__name__}" for entry in entries]


def _raise_not_implemented(*args, **kwargs):
    raise NotImplementedError()


def test_notebooks_01_to_04_have_their_twenty_exercises():
    assert NAMES == ["weighted_sum", "step", "neuron", "and_neuron", "or_neuron",
                     "sigmoid", "tanh", "relu", "leaky_relu", "softmax", "sigmoid_derivative",
                     "tanh_derivative", "relu_derivative", "leaky_relu_derivative",
                     "dense", "init_params", "count_params", "xor_params", "forward", "predict"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("seed, hidden", [(0, False), (1, False), (HIDDEN_SEED, True), (7, True)])
def test_reference_passes_its_own_check(name, seed, hidden, capsys):
    check(name, through_pickle(getattr(reference, name)), seed=seed, hidden=hidden)
    captured = capsys.readouterr()
    assert captured.out.startswith(f"{name}: passed: ")
    assert captured.out.count("\n") == 1
    assert captured.err == ""


@pytest.mark.parametrize("name, func", CORRECT, ids=_ids(CORRECT))
@pytest.mark.parametrize("seed, hidden", [(0, False), (1, False), (2, False), (HIDDEN_SEED, True), (7, True)])
def test_check_accepts_correct_implementation_written_another_way(name, func, seed, hidden, capsys):
    check(name, through_pickle(func), seed=seed, hidden=hidden)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("name, func, hint", WRONG, ids=_ids(WRONG))
@pytest.mark.parametrize("seed, hidden", [(0, False), (3, False), (HIDDEN_SEED, True)])
def test_check_rejects_wrong_implementation_naming_the_mistake(name, func, hint, seed, hidden, capsys):
    with pytest.raises(CheckFailure) as failure:
        check(name, through_pickle(func), seed=seed, hidden=hidden)
    message = str(failure.value)
    assert message.startswith(f"{name}: ")
    assert failure.value.exercise == name
    assert hint in message
    assert capsys.readouterr().err == "", "a failing check must not print warnings (nbgrader scores stderr 0)"


@pytest.mark.parametrize("name, func, hint", WRONG_HIDDEN, ids=_ids(WRONG_HIDDEN))
def test_hidden_check_rejects_edge_case_mistake(name, func, hint):
    check(name, through_pickle(func), seed=HIDDEN_SEED, hidden=False)
    with pytest.raises(CheckFailure) as failure:
        check(name, through_pickle(func), seed=HIDDEN_SEED, hidden=True)
    assert hint in str(failure.value)


@pytest.mark.parametrize("name", NAMES)
def test_stub_is_reported_as_not_implemented(name):
    with pytest.raises(CheckFailure, match="not implemented yet"):
        check(name, through_pickle(_raise_not_implemented))


@pytest.mark.parametrize("name, func, hint", WRONG, ids=_ids(WRONG))
def test_verdict_and_message_are_deterministic(name, func, hint):
    messages = []
    for _ in range(2):
        with pytest.raises(CheckFailure) as failure:
            check(name, func, seed=5)
        messages.append(str(failure.value))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("bank", BANKS, ids=lambda bank: bank.__name__)
def test_bank_covers_every_exercise_of_its_notebook(bank):
    names = {entry[0] for entry in bank.WRONG + bank.CORRECT}
    for name in names:
        assert sum(entry[0] == name for entry in bank.WRONG + bank.WRONG_HIDDEN) >= 3, name
        assert sum(entry[0] == name for entry in bank.CORRECT) >= 1, name
    assert names <= set(NAMES)


def test_banks_cover_all_twenty_exercises():
    assert {entry[0] for entry in WRONG} == set(NAMES)
    assert {entry[0] for entry in CORRECT} == set(NAMES)


@pytest.mark.slow
@pytest.mark.parametrize("bank", BANKS, ids=lambda bank: bank.__name__)
def test_verdicts_hold_for_many_seeds(bank, capsys):
    """No seed makes a check reject a right answer, accept a wrong one, or name the wrong mistake."""
    for seed in range(20):
        for hidden in (False, True):
            for name, func in bank.CORRECT + [(name, getattr(reference, name)) for name, _ in bank.CORRECT]:
                check(name, func, seed=seed, hidden=hidden)
            for name, func, hint in bank.WRONG:
                with pytest.raises(CheckFailure) as failure:
                    check(name, func, seed=seed, hidden=hidden)
                assert hint in str(failure.value), (seed, hidden, str(failure.value))
    assert capsys.readouterr().err == ""
