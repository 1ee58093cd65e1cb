"""The checks of notebook 07 (gradient descent and training) against the bank of wrong and right implementations."""
from banks import training
from banks.suite import BankTests, pytest_generate_tests  # noqa: F401 - parametrizes the tests


class TestTrainingChecks(BankTests):
    bank = training
    notebook = "07_gradient_descent_and_training"
    exercises = ("gd_update", "minibatches", "train")
