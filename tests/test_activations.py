"""sigmoid, log_sigmoid, softmax, log_softmax, logsumexp and one_hot."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers_numeric import (
    EXTREME_LOGITS,
    EXTREME_ROWS,
    PROPERTY_SETTINGS,
    assert_matches_mpmath,
    finite_floats,
    float_arrays,
    high_precision,
    mp_log_softmax,
    mp_logsumexp,
    mp_sigmoid,
    mp_softplus,
)
from lossedu.activations import (
    log_sigmoid,
    log_softmax,
    logsumexp,
    one_hot,
    sigmoid,
    softmax,
)


# ----------------------------------------------------------------------------
# Hand-worked values
# ----------------------------------------------------------------------------

def test_sigmoid_hand_values():
    # sigma(0) = 1/2, sigma(ln 3) = 3/4, sigma(-ln 3) = 1/4
    np.testing.assert_allclose(sigmoid([0.0, math.log(3.0), -math.log(3.0)]),
                               [0.5, 0.75, 0.25], rtol=1e-15, atol=1e-16)


def test_sigmoid_of_a_scalar_is_a_float():
    assert isinstance(sigmoid(0), float)
    assert sigmoid(0) == 0.5
    assert isinstance(log_sigmoid(np.float64(0.0)), float)


def test_log_sigmoid_hand_values():
    np.testing.assert_allclose(log_sigmoid([0.0, math.log(3.0)]),
                               [-math.log(2.0), math.log(0.75)], rtol=1e-15, atol=1e-16)


def test_log_sigmoid_is_exact_for_very_negative_logits():
    assert log_sigmoid(-1e4) == -1e4
    assert log_sigmoid(-1e308) == -1e308
    assert log_sigmoid(1e4) == 0.0


def test_softmax_hand_values():
    # exp of [0, ln 2, ln 3] is [1, 2, 3]: probabilities 1/6, 2/6, 3/6
    z = [0.0, math.log(2.0), math.log(3.0)]
    np.testing.assert_allclose(softmax(z), [1 / 6, 2 / 6, 3 / 6], rtol=1e-15, atol=1e-16)
    np.testing.assert_allclose(log_softmax(z), np.log([1 / 6, 2 / 6, 3 / 6]),
                               rtol=1e-15, atol=1e-16)
    assert logsumexp(z) == pytest.approx(math.log(6.0), rel=1e-15, abs=1e-16)


def test_logsumexp_of_a_matrix_reduces_the_axis():
    z = np.array([[0.0, 0.0], [1000.0, 1000.0], [1.0, -np.log(2.0) + 1.0]])
    np.testing.assert_allclose(logsumexp(z), [math.log(2.0), 1000.0 + math.log(2.0),
                                              1.0 + math.log(1.5)], rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(logsumexp(z, axis=0),
                               [1000.0, 1000.0], rtol=1e-15, atol=1e-15)


def test_one_hot_hand_values():
    np.testing.assert_array_equal(one_hot([2, 0], 3), [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    assert one_hot([2, 0], 3).dtype == np.float64
    np.testing.assert_array_equal(one_hot(1, 2), [0.0, 1.0])
    np.testing.assert_array_equal(one_hot(np.array([1.0, 0.0]), 2), [[0.0, 1.0], [1.0, 0.0]])


# ----------------------------------------------------------------------------
# mpmath on extreme inputs
# ----------------------------------------------------------------------------

def test_sigmoid_matches_mpmath_on_extreme_logits():
    expected = high_precision(lambda: [mp_sigmoid(z) for z in EXTREME_LOGITS])
    assert_matches_mpmath(sigmoid(EXTREME_LOGITS), expected)


def test_log_sigmoid_matches_mpmath_on_extreme_logits():
    expected = high_precision(lambda: [-mp_softplus(-z) for z in EXTREME_LOGITS])
    assert_matches_mpmath(log_sigmoid(EXTREME_LOGITS), expected)


def test_log_softmax_matches_mpmath_on_rows_spread_over_1e4():
    expected = high_precision(lambda: [mp_log_softmax(row) for row in EXTREME_ROWS])
    assert_matches_mpmath(log_softmax(EXTREME_ROWS), expected)


def test_softmax_matches_mpmath_on_rows_spread_over_1e4():
    import mpmath

    def reference():
        return [[mpmath.exp(value) for value in mp_log_softmax(row)] for row in EXTREME_ROWS]

    assert_matches_mpmath(softmax(EXTREME_ROWS), high_precision(reference))


def test_logsumexp_matches_mpmath_on_rows_spread_over_1e4():
    expected = high_precision(lambda: [mp_logsumexp(row) for row in EXTREME_ROWS])
    assert_matches_mpmath(logsumexp(EXTREME_ROWS), expected)


def test_log_softmax_keeps_the_digits_of_a_confident_class():
    # log(1 - tiny) ~ -tiny: a plain log(sum(exp)) would round it to 0.
    z = [50.0, 0.0]
    expected = high_precision(lambda: mp_log_softmax(z))
    assert_matches_mpmath(log_softmax(z), expected)
    assert log_softmax(z)[0] < 0.0


def test_sigmoid_extremes_are_finite_and_in_range():
    values = sigmoid(EXTREME_LOGITS)
    assert np.all(np.isfinite(values))
    assert np.all((values >= 0.0) & (values <= 1.0))
    assert sigmoid(-700.0) > 0.0


# ----------------------------------------------------------------------------
# Properties
# ----------------------------------------------------------------------------

@PROPERTY_SETTINGS
@given(float_arrays((4, 5)))
def test_softmax_rows_sum_to_one(z):
    probabilities = softmax(z)
    assert np.all((probabilities >= 0.0) & (probabilities <= 1.0))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-12, atol=1e-12)


@PROPERTY_SETTINGS
@given(float_arrays((3, 4)), finite_floats(-1e3, 1e3))
def test_softmax_and_log_softmax_are_shift_invariant(z, shift):
    shifted = z + shift
    np.testing.assert_allclose(softmax(shifted), softmax(z), rtol=1e-9, atol=1e-12)
    # z + shift rounds by up to half an ulp of 2e3 (~2e-13): compare to that scale
    np.testing.assert_allclose(log_softmax(shifted), log_softmax(z), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(logsumexp(shifted), logsumexp(z) + shift, rtol=1e-12, atol=1e-9)


@PROPERTY_SETTINGS
@given(float_arrays((3, 4)))
def test_log_softmax_is_log_of_softmax_and_logsumexp_bounds(z):
    log_probabilities = log_softmax(z)
    assert np.all(log_probabilities <= 0.0)
    np.testing.assert_allclose(np.exp(log_probabilities), softmax(z), rtol=1e-12, atol=1e-300)
    total = logsumexp(z)
    # max <= logsumexp <= max + log(C)
    assert np.all(total >= z.max(axis=1))
    assert np.all(total <= z.max(axis=1) + math.log(4) + 1e-12)


@PROPERTY_SETTINGS
@given(float_arrays((6,)))
def test_sigmoid_symmetry_and_log_sigmoid_consistency(z):
    np.testing.assert_allclose(sigmoid(z) + sigmoid(-z), 1.0, rtol=1e-15, atol=1e-15)
    log_values = log_sigmoid(z)
    assert np.all(log_values <= 0.0)
    np.testing.assert_allclose(np.exp(log_values), sigmoid(z), rtol=1e-13, atol=1e-300)


def test_softmax_axis_argument():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(3, 4, 5))
    for axis in (0, 1, 2, -1, -2):
        expected = np.moveaxis(softmax(np.moveaxis(z, axis, -1).reshape(-1, z.shape[axis])
                                       ).reshape(np.moveaxis(z, axis, -1).shape), -1, axis)
        np.testing.assert_allclose(softmax(z, axis=axis), expected, rtol=1e-15, atol=1e-16)
        np.testing.assert_allclose(softmax(z, axis=axis).sum(axis=axis), 1.0,
                                   rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(log_softmax(z.T, axis=0), log_softmax(z, axis=-1).T,
                               rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(logsumexp(z, axis=1), logsumexp(np.swapaxes(z, 1, 2), axis=2),
                               rtol=1e-15, atol=1e-15)


def test_inputs_are_not_mutated():
    z = np.array([[1.0, -2.0, 3.0], [0.0, 1e4, -1e4]])
    before = z.copy()
    for function in (sigmoid, log_sigmoid, softmax, log_softmax, logsumexp):
        function(z)
        np.testing.assert_array_equal(z, before)
    labels = np.array([0, 2])
    one_hot(labels, 3)
    np.testing.assert_array_equal(labels, [0, 2])


def test_softmax_does_not_return_a_view_of_its_input():
    z = np.array([0.0, 0.0])
    probabilities = softmax(z)
    probabilities[0] = 7.0
    np.testing.assert_array_equal(z, [0.0, 0.0])


@pytest.mark.parametrize("labels", [[0, 1, 2], np.array([2.0, 2.0]), 1])
def test_one_hot_rows_have_a_single_one(labels):
    encoded = one_hot(labels, 3)
    np.testing.assert_array_equal(encoded.sum(axis=-1), 1.0)
    np.testing.assert_array_equal(np.argmax(encoded, axis=-1), np.asarray(labels, dtype=int))


@PROPERTY_SETTINGS
@given(st.lists(st.integers(0, 4), min_size=1, max_size=8))
def test_one_hot_property(labels):
    encoded = one_hot(labels, 5)
    assert encoded.shape == (len(labels), 5)
    np.testing.assert_array_equal(np.argmax(encoded, axis=1), labels)
    np.testing.assert_array_equal(encoded.sum(axis=1), 1.0)
