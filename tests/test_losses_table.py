"""The one table of losses (lossedu.losses_table) pairs each loss with its own gradient."""

import inspect

import pytest

import lossedu
from lossedu.losses_table import LOSSES, PREDICTIONS


@pytest.mark.parametrize("name", list(LOSSES))
def test_each_entry_pairs_a_public_loss_with_its_gradient(name):
    entry = LOSSES[name]
    assert entry.name == name and entry.gradient.__name__ == f"{name}_grad"
    assert getattr(lossedu, name) is entry.function and getattr(lossedu, f"{name}_grad") is entry.gradient
    assert entry.prediction in PREDICTIONS
    for function in (entry.function, entry.gradient):
        parameters = inspect.signature(function).parameters
        assert {"reduction", "sample_weight", *entry.hyperparameters} <= set(parameters), function


def test_every_public_loss_with_a_gradient_is_in_the_table():
    with_gradient = {name for name in lossedu.__all__
                     if f"{name}_grad" in lossedu.__all__ and "reduction" in
                     inspect.signature(getattr(lossedu, name)).parameters}
    assert with_gradient == set(LOSSES)
