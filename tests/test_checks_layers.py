"""The checks of notebook 03 (layers and deep networks) against the bank of wrong and right implementations."""
from banks import layers
from banks.suite import BankTests, pytest_generate_tests  # noqa: F401 - parametrizes the tests


class TestLayersChecks(BankTests):
    bank = layers
    notebook = "03_layers_and_deep_networks"
    exercises = ("dense", "init_params", "count_params", "xor_params")
