"""The checks of notebook 05 (cost functions) against the bank of wrong and right implementations."""
from banks import costs
from banks.suite import BankTests, pytest_generate_tests  # noqa: F401 - parametrizes the tests


class TestCostChecks(BankTests):
    bank = costs
    notebook = "05_cost_functions"
    exercises = ("mse", "rmse", "binary_cross_entropy", "cross_entropy")
