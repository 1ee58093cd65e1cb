"""The checks of notebook 08 (evaluation) against the bank of wrong and right implementations."""
from banks import evaluation
from banks.suite import BankTests, pytest_generate_tests  # noqa: F401 - parametrizes the tests


class TestEvaluationChecks(BankTests):
    bank = evaluation
    notebook = "08_evaluation_tuning_and_use"
    exercises = ("train_test_split", "standardize", "accuracy", "confusion_matrix")
