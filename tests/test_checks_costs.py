"""The checks of notebook 05 (cost functions) against the bank of wrong and right implementations."""
import pytest

from banks import costs as bank
from banks.proxy import through_pickle
from nncourse import reference
from nncourse.checks import CheckFailure, check

EXERCISES = ("mse", "rmse", "binary_cross_entropy", "cross_entropy")
HIDDEN_SEED = 12345


def _ids(entries):
    return [f"{entry[0]}-{entry[1].__name__}" for entry in entries]


def _raise_not_implemented(*args, **kwargs):
    raise NotImplementedError()


@pytest.mark.parametrize("name", EXERCISES)
@pytest.mark.parametrize("hidden", [False, True])
def test_reference_passes_its_own_check(name, hidden):
    check(name, through_pickle(getattr(reference, name)), seed=HIDDEN_SEED if hidden else 0, hidden=hidden)


@pytest.mark.parametrize("name, func", bank.CORRECT, ids=_ids(bank.CORRECT))
@pytest.mark.parametrize("seed, hidden", [(0, False), (1, False), (2, False), (HIDDEN_SEED, True), (7, True)])
def test_check_accepts_correct_implementation_written_another_way(name, func, seed, hidden):
    check(name, through_pickle(func), seed=seed, hidden=hidden)


@pytest.mark.parametrize("name, func, hint", bank.WRONG, ids=_ids(bank.WRONG))
@pytest.mark.parametrize("seed, hidden", [(0, False), (3, False), (HIDDEN_SEED, True)])
def test_check_rejects_wrong_implementation_naming_the_mistake(name, func, hint, seed, hidden):
    with pytest.raises(CheckFailure) as failure:
        check(name, through_pickle(func), seed=seed, hidden=hidden)
    message = str(failure.value)
    assert message.startswith(f"{name}: ")
    assert hint in message


@pytest.mark.parametrize("name, func, hint", bank.WRONG_HIDDEN, ids=_ids(bank.WRONG_HIDDEN))
def test_hidden_check_rejects_edge_case_mistake(name, func, hint):
    with pytest.raises(CheckFailure) as failure:
        check(name, through_pickle(func), seed=HIDDEN_SEED, hidden=True)
    assert hint in str(failure.value)


@pytest.mark.parametrize("name", EXERCISES)
def test_stub_is_reported_as_not_implemented(name):
    with pytest.raises(CheckFailure, match="not implemented yet"):
        check(name, _raise_not_implemented)


@pytest.mark.parametrize("name, func, hint", bank.WRONG[:4], ids=_ids(bank.WRONG[:4]))
def test_verdict_is_deterministic(name, func, hint):
    messages = []
    for _ in range(2):
        with pytest.raises(CheckFailure) as failure:
            check(name, func, seed=5)
        messages.append(str(failure.value))
    assert messages[0] == messages[1]


def test_bank_covers_every_exercise():
    for name in EXERCISES:
        assert sum(entry[0] == name for entry in bank.WRONG) >= 3, name
        assert sum(entry[0] == name for entry in bank.CORRECT) >= 1, name
