"""mse, mae, huber, log_cosh and their gradients."""

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given

from helpers_numeric import (
    PROPERTY_SETTINGS,
    REDUCTIONS,
    assert_matches_mpmath,
    central_difference,
    float_arrays,
    high_precision,
    reduced_value,
)
from lossedu.regression import (
    huber,
    huber_grad,
    log_cosh,
    log_cosh_grad,
    mae,
    mae_grad,
    mse,
    mse_grad,
)

LOSSES = {"mse": mse, "mae": mae, "huber": huber, "log_cosh": log_cosh}
GRADIENTS = {"mse": mse_grad, "mae": mae_grad, "huber": huber_grad, "log_cosh": log_cosh_grad}


# ----------------------------------------------------------------------------
# Hand-worked values
# ----------------------------------------------------------------------------

Y_TRUE = [1.0, 2.0, 3.0, 4.0]
Y_PRED = [1.5, 2.0, 1.0, 7.0]  # residuals 0.5, 0, -2, 3


def test_mse_hand_values():
    # squares 0.25, 0, 4, 9: sum 13.25
    assert mse(Y_TRUE, Y_PRED) == pytest.approx(13.25 / 4, rel=1e-15, abs=1e-15)
    assert mse(Y_TRUE, Y_PRED, reduction="sum") == pytest.approx(13.25, rel=1e-15, abs=1e-15)
    np.testing.assert_allclose(mse(Y_TRUE, Y_PRED, reduction="none"), [0.25, 0.0, 4.0, 9.0],
                               rtol=1e-15, atol=1e-15)


def test_mae_hand_values():
    assert mae(Y_TRUE, Y_PRED) == pytest.approx(5.5 / 4, rel=1e-15, abs=1e-15)
    np.testing.assert_allclose(mae(Y_TRUE, Y_PRED, reduction="none"), [0.5, 0.0, 2.0, 3.0],
                               rtol=1e-15, atol=1e-15)


def test_huber_hand_values():
    # delta = 1: 0.5 * 0.25, 0, 1 * (2 - 0.5), 1 * (3 - 0.5)
    np.testing.assert_allclose(huber(Y_TRUE, Y_PRED, reduction="none"),
                               [0.125, 0.0, 1.5, 2.5], rtol=1e-15, atol=1e-15)
    # delta = 2.5: 0.125, 0, 0.5 * 4, 2.5 * (3 - 1.25)
    np.testing.assert_allclose(huber(Y_TRUE, Y_PRED, delta=2.5, reduction="none"),
                               [0.125, 0.0, 2.0, 4.375], rtol=1e-15, atol=1e-15)
    assert huber(Y_TRUE, Y_PRED, reduction="sum") == pytest.approx(4.125, rel=1e-15, abs=1e-15)


def test_log_cosh_hand_values():
    expected = [math.log(math.cosh(r)) for r in (0.5, 0.0, -2.0, 3.0)]
    np.testing.assert_allclose(log_cosh(Y_TRUE, Y_PRED, reduction="none"), expected,
                               rtol=1e-14, atol=1e-15)


def test_sample_weight_gives_the_weighted_mean():
    weight = [1.0, 0.0, 2.0, 1.0]
    # sum(w * l) / sum(w) = (0.25 + 8 + 9) / 4
    assert mse(Y_TRUE, Y_PRED, sample_weight=weight) == pytest.approx(17.25 / 4, rel=1e-15,
                                                                      abs=1e-15)
    assert mse(Y_TRUE, Y_PRED, sample_weight=weight, reduction="sum") == pytest.approx(
        17.25, rel=1e-15, abs=1e-15)
    np.testing.assert_allclose(mse(Y_TRUE, Y_PRED, sample_weight=weight, reduction="none"),
                               [0.25, 0.0, 8.0, 9.0], rtol=1e-15, atol=1e-15)


def test_multi_output_rows_average_their_outputs():
    y_true = [[0.0, 0.0], [1.0, 1.0]]
    y_pred = [[1.0, 3.0], [1.0, 0.0]]
    np.testing.assert_allclose(mse(y_true, y_pred, reduction="none"), [5.0, 0.5],
                               rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(mae(y_true, y_pred, reduction="none"), [2.0, 0.5],
                               rtol=1e-15, atol=1e-15)
    assert mse(y_true, y_pred) == pytest.approx(2.75, rel=1e-15, abs=1e-15)


@pytest.mark.parametrize("name", LOSSES)
def test_scalars_are_one_sample(name):
    loss = LOSSES[name]
    assert loss(2, 5) == loss([2.0], [5.0])
    assert isinstance(loss(np.array(2.0), np.array(5.0)), float)
    assert loss(2, 5, reduction="none").shape == (1,)
    grad = GRADIENTS[name](2, 5)
    assert grad.shape == ()
    assert grad.dtype == np.float64


def test_gradient_hand_values():
    np.testing.assert_allclose(mse_grad(Y_TRUE, Y_PRED), [0.25, 0.0, -1.0, 1.5],
                               rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(mae_grad(Y_TRUE, Y_PRED, reduction="sum"), [1.0, 0.0, -1.0, 1.0],
                               rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(huber_grad(Y_TRUE, Y_PRED, reduction="sum"),
                               [0.5, 0.0, -1.0, 1.0], rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(log_cosh_grad(Y_TRUE, Y_PRED, reduction="sum"),
                               np.tanh([0.5, 0.0, -2.0, 3.0]), rtol=1e-15, atol=1e-15)


# ----------------------------------------------------------------------------
# mpmath on extreme inputs
# ----------------------------------------------------------------------------

RESIDUALS = [1e-300, 1e-150, 1e-8, 1e-3, 0.5, 0.999, 1.0, 1.001, 30.0, 700.0, 1e4, 1e300]


def test_log_cosh_matches_mpmath_from_tiny_to_huge_residuals():
    # small residuals: log cosh r ~ r^2 / 2, which |r| + log1p(e^-2|r|) - log 2 would lose
    def reference():
        return [mpmath.log(mpmath.cosh(mpmath.mpf(r))) for r in RESIDUALS]

    residuals = np.array(RESIDUALS)
    assert_matches_mpmath(log_cosh(np.zeros_like(residuals), residuals, reduction="none"),
                          high_precision(reference))
    assert_matches_mpmath(log_cosh(np.zeros_like(residuals), -residuals, reduction="none"),
                          high_precision(reference))


def test_log_cosh_grad_matches_mpmath():
    def reference():
        return [mpmath.tanh(mpmath.mpf(r)) for r in RESIDUALS]

    residuals = np.array(RESIDUALS)
    assert_matches_mpmath(log_cosh_grad(np.zeros_like(residuals), residuals, reduction="none"),
                          high_precision(reference))


def test_mean_of_large_losses_does_not_overflow():
    # each loss is 1e308 (finite): the sum overflows, the mean does not
    assert mse([0.0, 0.0], [1e154, 1e154]) == pytest.approx(1e308, rel=1e-12, abs=0.0)
    assert mae([0.0, 0.0, 0.0], [1.5e308, 1.5e308, 1.5e308]) == pytest.approx(
        1.5e308, rel=1e-12, abs=0.0)
    assert mae([[0.0, 0.0]], [[1.5e308, 1.5e308]]) == pytest.approx(1.5e308, rel=1e-12, abs=0.0)


def test_residual_beyond_float_range_gives_finite_results_where_the_truth_is():
    y_true = [-1e308, 0.0, 0.0, 0.0]
    y_pred = [1e308, 0.0, 0.0, 0.0]
    # huber: 0.25 * (2e308 - 0.125) = 5e307
    assert huber(y_true, y_pred, delta=0.25, reduction="sum") == pytest.approx(
        5e307, rel=1e-12, abs=0.0)
    # mse_grad: 2 * 2e308 / 4 = 1e308
    np.testing.assert_allclose(mse_grad(y_true, y_pred), [1e308, 0.0, 0.0, 0.0],
                               rtol=1e-12, atol=1e-300)
    # the true values of these exceed the float64 range
    assert mse(y_true, y_pred, reduction="none")[0] == np.inf
    assert mae(y_true, y_pred, reduction="none")[0] == np.inf


# ----------------------------------------------------------------------------
# Gradients against central finite differences
# ----------------------------------------------------------------------------

RNG = np.random.default_rng(20240601)
TRUE_1D = RNG.normal(size=5)
# residuals away from the kinks: |r| in [0.3, 0.7] or [1.3, 2], never 0 or delta = 1
_MAGNITUDES = np.array([0.3, 1.6, 0.7, 2.0, 1.3])
PRED_1D = TRUE_1D + _MAGNITUDES * np.array([1, -1, -1, 1, 1])
TRUE_2D = RNG.normal(size=(3, 2))
PRED_2D = TRUE_2D + np.array([[0.4, -1.5], [-0.6, 1.8], [1.4, -0.35]])
WEIGHT = np.array([0.5, 2.0, 1.0, 0.0, 3.0])


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
@pytest.mark.parametrize("two_d", [False, True], ids=["(n,)", "(n,k)"])
def test_gradient_matches_finite_differences(name, reduction, weighted, two_d):
    y_true, y_pred = (TRUE_2D, PRED_2D) if two_d else (TRUE_1D, PRED_1D)
    kwargs = {}
    if weighted:
        kwargs["sample_weight"] = WEIGHT[: y_true.shape[0]]
    if name == "huber":
        kwargs["delta"] = 1.0
    numeric = central_difference(reduced_value(LOSSES[name], y_true, reduction, **kwargs), y_pred)
    analytic = GRADIENTS[name](y_true, y_pred, reduction=reduction, **kwargs)
    assert analytic.shape == y_pred.shape
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


def test_huber_grad_with_other_delta_matches_finite_differences():
    numeric = central_difference(reduced_value(huber, TRUE_1D, "mean", delta=0.5), PRED_1D)
    np.testing.assert_allclose(huber_grad(TRUE_1D, PRED_1D, delta=0.5), numeric,
                               rtol=1e-6, atol=1e-8)


def test_mae_grad_is_zero_at_the_kink():
    np.testing.assert_array_equal(mae_grad([1.0, 2.0], [1.0, 3.0]), [0.0, 0.5])


# ----------------------------------------------------------------------------
# Properties
# ----------------------------------------------------------------------------

@PROPERTY_SETTINGS
@given(float_arrays((6,)), float_arrays((6,)))
def test_losses_are_non_negative_and_mean_is_sum_over_n(y_true, y_pred):
    for loss in LOSSES.values():
        per_sample = loss(y_true, y_pred, reduction="none")
        assert np.all(per_sample >= 0.0)
        total = loss(y_true, y_pred, reduction="sum")
        np.testing.assert_allclose(loss(y_true, y_pred), total / 6, rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(total, per_sample.sum(), rtol=1e-12, atol=1e-300)


@PROPERTY_SETTINGS
@given(float_arrays((5, 2)))
def test_losses_and_gradients_are_zero_at_perfect_prediction(y):
    for name, loss in LOSSES.items():
        assert loss(y, y) == 0.0
        np.testing.assert_array_equal(GRADIENTS[name](y, y), 0.0)


@PROPERTY_SETTINGS
@given(float_arrays((5,)), float_arrays((5,)), float_arrays((5,), 0.0, 10.0))
def test_weighted_mean(y_true, y_pred, weight):
    weight = weight + 0.1  # strictly positive total
    for loss in LOSSES.values():
        per_sample = loss(y_true, y_pred, reduction="none")
        expected = np.sum(weight * per_sample) / np.sum(weight)
        np.testing.assert_allclose(loss(y_true, y_pred, sample_weight=weight), expected,
                                   rtol=1e-12, atol=1e-300)


@PROPERTY_SETTINGS
@given(float_arrays((6,)), float_arrays((6,)))
def test_robust_losses_are_bounded_by_mse_and_mae(y_true, y_pred):
    residual = np.abs(y_pred - y_true)
    huber_losses = huber(y_true, y_pred, reduction="none")
    # huber <= r^2 / 2 and huber <= delta * |r|
    assert np.all(huber_losses <= 0.5 * residual ** 2 * (1 + 1e-12) + 1e-300)
    assert np.all(huber_losses <= residual * (1 + 1e-12) + 1e-300)
    # |r| - log 2 <= log cosh r <= |r|
    log_cosh_losses = log_cosh(y_true, y_pred, reduction="none")
    assert np.all(log_cosh_losses <= residual * (1 + 1e-12) + 1e-300)
    assert np.all(log_cosh_losses >= residual - math.log(2.0) - 1e-9)


def test_huber_is_continuous_at_delta():
    delta = 1.7
    below = huber(0.0, np.nextafter(delta, 0.0), delta=delta)
    above = huber(0.0, np.nextafter(delta, 3.0), delta=delta)
    assert below == pytest.approx(0.5 * delta ** 2, rel=1e-12, abs=1e-15)
    assert above == pytest.approx(0.5 * delta ** 2, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("name", LOSSES)
def test_inputs_are_not_mutated(name):
    y_true = np.array([[1.0, 2.0], [3.0, 4.0]])
    y_pred = np.array([[1.5, 0.0], [3.0, 9.0]])
    weight = np.array([1.0, 2.0])
    copies = (y_true.copy(), y_pred.copy(), weight.copy())
    LOSSES[name](y_true, y_pred, sample_weight=weight)
    GRADIENTS[name](y_true, y_pred, sample_weight=weight)
    for array, copy in zip((y_true, y_pred, weight), copies):
        np.testing.assert_array_equal(array, copy)


@pytest.mark.parametrize("name", LOSSES)
def test_lists_and_ints_are_accepted(name):
    value = LOSSES[name]([1, 2, 3], [1, 2, 4])
    assert isinstance(value, float)
    assert value == LOSSES[name](np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 4.0]))


# ----------------------------------------------------------------------------
# Extreme sample weights and gradients near the float64 edge
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("scale", [1e300, 1e308, 5e-324])
def test_weighted_mean_does_not_depend_on_the_scale_of_the_weights(scale):
    # squares 1e10 and 4e10, equal weights: the mean is 2.5e10 whatever the weights
    # (1e308 * 4e10 overflows, 5e-324 * l loses every digit to underflow)
    value = mse([0.0, 0.0], [1e5, 2e5], sample_weight=[scale, scale])
    assert value == pytest.approx(2.5e10, rel=1e-14, abs=0.0)
    # weights 1 : 3 (exact multiples of the scale): (1e10 + 3 * 4e10) / 4
    weight = np.array([0.5, 1.5]) * scale if scale > 1 else np.array([1.0, 3.0]) * scale
    assert mse([0.0, 0.0], [1e5, 2e5], sample_weight=weight) == pytest.approx(
        1.3e11 / 4, rel=1e-14, abs=0.0)
    # gradient of the mean: 2 r w / sum(w) = 2 * [1e5, 2e5] * [1, 3] / 4
    np.testing.assert_allclose(mse_grad([0.0, 0.0], [1e5, 2e5], sample_weight=weight),
                               [5e4, 3e5], rtol=1e-14, atol=0.0)
    for name in ("mae", "huber", "log_cosh"):
        # every residual is far beyond delta = 1 and log 2: each gradient is w / sum(w)
        np.testing.assert_allclose(
            GRADIENTS[name]([0.0, 0.0], [1e5, 2e5], sample_weight=weight),
            [0.25, 0.75], rtol=1e-14, atol=0.0)


def test_weighted_sum_is_still_the_sum_of_weighted_losses():
    # sum w_i l_i, not rescaled: 1e300 * (1 + 4) and, beyond the float64 range, inf
    assert mse([0.0, 0.0], [1.0, 2.0], sample_weight=[1e300, 1e300],
               reduction="sum") == pytest.approx(5e300, rel=1e-14, abs=0.0)
    assert mse([0.0, 0.0], [1e5, 2e5], sample_weight=[1e300, 1e300], reduction="sum") == math.inf
    # subnormal weights: 5 * 2**-1074 is representable exactly
    assert mse([0.0, 0.0], [1.0, 2.0], sample_weight=[5e-324, 5e-324],
               reduction="sum") == 5 * 5e-324
    np.testing.assert_allclose(
        mse([0.0, 0.0], [1.0, 2.0], sample_weight=[1e300, 2e300], reduction="none"),
        [1e300, 8e300], rtol=1e-14, atol=0.0)


def test_gradients_of_huge_residuals_are_finite_when_their_true_value_is():
    # 2 r / n = [1e308, 0]: forming 2 r first overflows
    np.testing.assert_allclose(mse_grad([0.0, 0.0], [1e308, 0.0]), [1e308, 0.0],
                               rtol=1e-15, atol=0.0)
    # 2 w r with w = 1/4: 5e307
    np.testing.assert_allclose(
        mse_grad([0.0], [1e308], sample_weight=[0.25], reduction="none"), [5e307],
        rtol=1e-15, atol=0.0)
    # a residual that itself overflows: 2 * 2e308 / 8 = 5e307
    np.testing.assert_allclose(mse_grad([-1e308] * 8, [1e308] * 8), [5e307] * 8,
                               rtol=1e-15, atol=0.0)
    # the bounded derivatives (sign, clip, tanh) times 1/n
    np.testing.assert_allclose(mae_grad([0.0, 0.0], [1e308, 0.0]), [0.5, 0.0],
                               rtol=1e-15, atol=0.0)
    np.testing.assert_allclose(huber_grad([-1e308, 0.0], [1e308, 0.0], delta=1e308),
                               [5e307, 0.0], rtol=1e-15, atol=0.0)
    np.testing.assert_allclose(log_cosh_grad([-1e308, 0.0], [1e308, 0.0]), [0.5, 0.0],
                               rtol=1e-15, atol=0.0)
