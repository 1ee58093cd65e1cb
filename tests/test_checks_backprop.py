"""The checks of notebook 06 (backward propagation) against the bank of wrong and right implementations."""
from banks import backprop
from banks.suite import BankTests, pytest_generate_tests  # noqa: F401 - parametrizes the tests


class TestBackpropChecks(BankTests):
    bank = backprop
    notebook = "06_backward_propagation"
    exercises = ("dense_backward", "activation_backward", "backward", "numerical_gradient", "relative_error")
