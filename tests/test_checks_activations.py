"""The checks of notebook 02 (activation functions) against the bank of wrong and right implementations."""
from banks import activations
from banks.suite import BankTests, pytest_generate_tests  # noqa: F401 - parametrizes the tests


class TestActivationsChecks(BankTests):
    bank = activations
    notebook = "02_activation_functions"
    exercises = ("sigmoid", "tanh", "relu", "leaky_relu", "softmax", "sigmoid_derivative", "tanh_derivative",
                 "relu_derivative", "leaky_relu_derivative")
