"""The checks of notebook 01 (the neuron) against the bank of wrong and right implementations."""
from banks import neuron
from banks.suite import BankTests, pytest_generate_tests  # noqa: F401 - parametrizes the tests


class TestNeuronChecks(BankTests):
    bank = neuron
    notebook = "01_the_neuron"
    exercises = ("weighted_sum", "step", "neuron", "and_neuron", "or_neuron")
