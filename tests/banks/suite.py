"""The tests every notebook's checks get from its bank, written once.

A test module sets `bank` (a module with WRONG, WRONG_HIDDEN and CORRECT) and `exercises` on a
subclass of `BankTests` and imports `pytest_generate_tests` from here, which parametrizes the
methods from the bank:

    from banks import costs
    from banks.suite import BankTests, pytest_generate_tests

    class TestCostChecks(BankTests):
        bank = costs
        exercises = ("mse", "rmse", "binary_cross_entropy", "cross_entropy")
"""
import pytest

from nncourse import reference
from nncourse.checks import CheckFailure, check

from .proxy import through_pickle

HIDDEN_SEED = 12345
CORRECT_RUNS = [(0, False), (1, False), (2, False), (HIDDEN_SEED, True), (7, True)]
WRONG_RUNS = [(0, False), (3, False), (HIDDEN_SEED, True)]
REFERENCE_RUNS = [(0, False), (1, False), (HIDDEN_SEED, True), (7, True)]


def pytest_generate_tests(metafunc):
    cls = metafunc.cls
    if cls is None or not issubclass(cls, BankTests) or cls.bank is None:
        return
    bank = cls.bank
    fixtures = set(metafunc.fixturenames)
    if "hint" in fixtures:
        # every mistake fails the visible and the hidden check; edge-case mistakes the hidden one
        runs = [(*entry, seed, hidden) for entry in bank.WRONG for seed, hidden in WRONG_RUNS]
        runs += [(*entry, HIDDEN_SEED, True) for entry in bank.WRONG_HIDDEN]
        ids = [f"{name}-{func.__name__}-{seed}{'-hidden' if hidden else ''}"
               for name, func, _, seed, hidden in runs]
        metafunc.parametrize("name, func, hint, seed, hidden", runs, ids=ids)
    elif "func" in fixtures:
        runs = [(*entry, seed, hidden) for entry in bank.CORRECT for seed, hidden in CORRECT_RUNS]
        ids = [f"{name}-{func.__name__}-{seed}{'-hidden' if hidden else ''}" for name, func, seed, hidden in runs]
        metafunc.parametrize("name, func, seed, hidden", runs, ids=ids)
    elif "seed" in fixtures:
        runs = [(name, seed, hidden) for name in cls.exercises for seed, hidden in REFERENCE_RUNS]
        metafunc.parametrize("name, seed, hidden", runs,
                             ids=[f"{name}{'-hidden' if hidden else ''}" for name, _, hidden in runs])
    elif "name" in fixtures:
        metafunc.parametrize("name", cls.exercises)


def _raise_not_implemented(*args, **kwargs):
    raise NotImplementedError()


class BankTests:
    """Tests of one notebook's checks, parametrized from `bank` by `pytest_generate_tests`."""

    bank = None
    exercises = ()

    def test_reference_passes_its_own_check(self, name, seed, hidden, capsys):
        check(name, through_pickle(getattr(reference, name)), seed=seed, hidden=hidden)
        captured = capsys.readouterr()
        assert captured.out.startswith(f"{name}: passed: ") and captured.out.count("\n") == 1
        assert captured.err == ""

    def test_check_accepts_correct_implementation_written_another_way(self, name, func, seed, hidden, capsys):
        check(name, through_pickle(func), seed=seed, hidden=hidden)
        assert capsys.readouterr().err == ""

    def test_check_rejects_wrong_implementation_naming_the_mistake(self, name, func, hint, seed, hidden, capsys):
        with pytest.raises(CheckFailure) as failure:
            check(name, through_pickle(func), seed=seed, hidden=hidden)
        message = str(failure.value)
        assert message.startswith(f"{name}: ") and failure.value.exercise == name
        assert hint in message
        assert capsys.readouterr().err == "", "a failing check must not print warnings (nbgrader scores stderr 0)"

    @pytest.mark.slow
    def test_check_accepts_correct_implementations_for_many_seeds(self, name):
        for func in [entry[1] for entry in self.bank.CORRECT if entry[0] == name] + [getattr(reference, name)]:
            for seed in range(40):
                check(name, func, seed=seed, hidden=seed % 2 == 1)

    @pytest.mark.slow
    def test_check_rejects_wrong_implementations_for_many_seeds(self, name):
        for _, func, hint in [entry for entry in self.bank.WRONG if entry[0] == name]:
            for seed in range(20):
                with pytest.raises(CheckFailure) as failure:
                    check(name, func, seed=seed, hidden=seed % 2 == 1)
                assert hint in str(failure.value), (func.__name__, seed)

    def test_stub_is_reported_as_not_implemented(self, name):
        with pytest.raises(CheckFailure, match="not implemented yet"):
            check(name, _raise_not_implemented)

    def test_verdict_is_deterministic(self, name):
        wrong = [entry for entry in self.bank.WRONG if entry[0] == name][0][1]
        messages = []
        for _ in range(2):
            with pytest.raises(CheckFailure) as failure:
                check(name, wrong, seed=5)
            messages.append(str(failure.value))
        assert messages[0] == messages[1]
