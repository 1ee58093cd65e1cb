"""The checks of notebook 04 (forward propagation) against the bank of wrong and right implementations."""
from banks import forward
from banks.suite import BankTests, pytest_generate_tests  # noqa: F401 - parametrizes the tests


class TestForwardChecks(BankTests):
    bank = forward
    notebook = "04_forward_propagation"
    exercises = ("forward", "predict")
