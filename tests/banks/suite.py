"""The tests every notebook's checks get from its bank, written once.

A test module sets `bank` (a module with WRONG and CORRECT), `notebook` and `exercises` on a
subclass of `BankTests` and imports `pytest_generate_tests` from here, which parametrizes the
methods from the bank:

    from banks import costs
    from banks.suite import BankTests, pytest_generate_tests

    class TestCostChecks(BankTests):
        bank = costs
        notebook = "05_cost_functions"
        exercises = ("mse", "rmse", "binary_cross_entropy", "cross_entropy")

One verdict in three windows: the check a student runs, the graded cell the grader runs (the same
check plus hidden tests with other seeds) and Validate (tests/test_checks_validate.py) must agree.
"""
import contextlib
import io

import numpy as np
import pytest

from nncourse.checks import CheckFailure, check
from nncourse.checks._framework import FIRST_LINE

from .answers import graded_cells, model_answers
from .proxy import through_pickle

HIDDEN_SEED = 12345
CORRECT_RUNS = [(0, False), (1, False), (2, False), (HIDDEN_SEED, True), (7, True)]
WRONG_RUNS = [(0, False), (3, False), (HIDDEN_SEED, True)]
ANSWER_RUNS = [(0, False), (1, False), (HIDDEN_SEED, True), (7, True)]


def _ids(entries):
    return [f"{entry[0]}-{getattr(entry[1], '__name__', 'function')}" for entry in entries]


def pytest_generate_tests(metafunc):
    cls = metafunc.cls
    if cls is None or not issubclass(cls, BankTests) or cls.bank is None:
        return
    bank = cls.bank
    fixtures = set(metafunc.fixturenames)
    if "mistake" in fixtures:
        runs = [(*entry, seed, hidden) for entry in bank.WRONG for seed, hidden in WRONG_RUNS]
        ids = [f"{name}-{func.__name__}-{seed}{'-hidden' if hidden else ''}" for name, func, _, _, seed, hidden in runs]
        metafunc.parametrize("name, func, text, mistake, seed, hidden", runs, ids=ids)
    elif "verdict" in fixtures:
        entries = [(name, func, "rejects") for name, func, *_ in bank.WRONG]
        entries += [(name, func, "accepts") for name, func in bank.CORRECT]
        metafunc.parametrize("name, func, verdict", entries, ids=_ids(entries))
    elif "func" in fixtures:
        runs = [(*entry, seed, hidden) for entry in bank.CORRECT for seed, hidden in CORRECT_RUNS]
        ids = [f"{name}-{func.__name__}-{seed}{'-hidden' if hidden else ''}" for name, func, seed, hidden in runs]
        metafunc.parametrize("name, func, seed, hidden", runs, ids=ids)
    elif "seed" in fixtures:
        runs = [(name, seed, hidden) for name in cls.exercises for seed, hidden in ANSWER_RUNS]
        metafunc.parametrize("name, seed, hidden", runs,
                             ids=[f"{name}-{seed}{'-hidden' if hidden else ''}" for name, seed, hidden in runs])
    elif "name" in fixtures:
        metafunc.parametrize("name", cls.exercises)


def _raise_not_implemented(*args, **kwargs):
    raise NotImplementedError()


def public_verdict(name, func) -> str | None:
    """The first line of the public check's failure, or None when it passes."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            check(name, func)
    except CheckFailure as failure:
        return str(failure).splitlines()[0]
    return None


def hidden_verdict(notebook, name, func) -> str | None:
    """The first line of the failure of the graded cell's hidden tests alone, or None when they pass."""
    source = graded_cells(notebook)[name]
    hidden = source.partition("### BEGIN HIDDEN TESTS")[2].partition("### END HIDDEN TESTS")[0]
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(hidden, f"<hidden tests of {name}>", "exec"), {"check": check, "np": np, name: func})
    except AssertionError as failure:
        return str(failure).splitlines()[0] if str(failure) else f"{name}: a hidden assert failed"
    return None


class BankTests:
    """Tests of one notebook's checks, parametrized from `bank` by `pytest_generate_tests`."""

    bank = None
    notebook = ""
    exercises = ()

    def test_model_answer_passes_its_check(self, name, seed, hidden, capsys):
        check(name, through_pickle(model_answers(self.notebook)[name]), seed=seed, hidden=hidden)
        captured = capsys.readouterr()
        assert captured.out.startswith(f"{name}: passed: ") and captured.out.count("\n") == 1
        assert captured.err == ""

    def test_check_accepts_correct_implementation_written_another_way(self, name, func, seed, hidden, capsys):
        check(name, through_pickle(func), seed=seed, hidden=hidden)
        assert capsys.readouterr().err == ""

    def test_check_rejects_wrong_implementation_naming_the_mistake(self, name, func, text, mistake, seed, hidden,
                                                                   capsys):
        with pytest.raises(CheckFailure) as failure:
            check(name, through_pickle(func), seed=seed, hidden=hidden)
        message = str(failure.value)
        first = message.splitlines()[0]
        assert first.startswith(f"{name}: ") and failure.value.exercise == name
        assert len(first) <= FIRST_LINE, f"the first line has {len(first)} characters: {first!r}"
        assert len(f"{name}: {failure.value.fact}") <= FIRST_LINE, "the fact itself must fit the first line"
        assert text in message
        assert failure.value.mistake == mistake
        assert capsys.readouterr().err == "", "a failing check must not print warnings (nbgrader scores stderr 0)"

    def test_hidden_tests_give_the_public_checks_verdict(self, name, func, verdict):
        """What the graded cell's hidden tests reject, the public check rejects, and the other way round."""
        public = public_verdict(name, through_pickle(func))
        hidden = hidden_verdict(self.notebook, name, through_pickle(func))
        assert (public is None) == (verdict == "accepts"), public
        assert (hidden is None) == (public is None), f"public: {public!r}, hidden: {hidden!r}"

    def test_graded_cell_of_the_model_answer_passes(self, name):
        namespace = {"check": check, "np": np, name: through_pickle(model_answers(self.notebook)[name])}
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            exec(compile(graded_cells(self.notebook)[name], f"<graded cell of {name}>", "exec"), namespace)
        assert printed.getvalue().count(f"{name}: passed: ") >= 2

    @pytest.mark.slow
    def test_check_accepts_correct_implementations_for_many_seeds(self, name):
        answer = model_answers(self.notebook)[name]
        for func in [entry[1] for entry in self.bank.CORRECT if entry[0] == name] + [answer]:
            for seed in range(40):
                with contextlib.redirect_stdout(io.StringIO()):
                    check(name, func, seed=seed, hidden=seed % 2 == 1)

    @pytest.mark.slow
    def test_check_rejects_wrong_implementations_for_many_seeds(self, name):
        for _, func, text, mistake in [entry for entry in self.bank.WRONG if entry[0] == name]:
            for seed in range(20):
                with pytest.raises(CheckFailure) as failure:
                    check(name, func, seed=seed, hidden=seed % 2 == 1)
                assert text in str(failure.value) and failure.value.mistake == mistake, (func.__name__, seed)

    def test_stub_is_reported_as_not_implemented(self, name):
        with pytest.raises(CheckFailure, match="not implemented yet") as failure:
            check(name, _raise_not_implemented)
        assert failure.value.mistake is None, "not attempted is not a mistake"

    def test_verdict_is_deterministic(self, name):
        wrong = [entry for entry in self.bank.WRONG if entry[0] == name][0][1]
        messages = []
        for _ in range(2):
            with pytest.raises(CheckFailure) as failure:
                check(name, wrong, seed=5)
            messages.append(str(failure.value))
        assert messages[0] == messages[1]
