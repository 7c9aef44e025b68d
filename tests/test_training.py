"""Tests of lossedu.training, the references of the lesson exercises."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from helpers_numeric import PROPERTY_SETTINGS, central_difference, finite_floats
from lossedu.training import (
    anomaly_threshold,
    cost,
    gradient_descent_step,
    predict,
    regularized_cost,
    squared_error,
    steps_to_accuracy,
)

RTOL, ATOL = 1e-12, 1e-15
big_floats = finite_floats()


def test_squared_error_and_cost_by_hand():
    np.testing.assert_allclose(squared_error([3.0, -1.0, 2.0], [2.5, 0.0, 2.0]), [0.25, 1.0, 0.0],
                               rtol=RTOL, atol=ATOL)
    assert cost([3.0, -1.0, 2.0], [2.5, 0.0, 2.0]) == pytest.approx(1.25 / 3, rel=RTOL, abs=ATOL)
    assert squared_error([[1.0, 2.0]], [[0.0, 0.0]]).shape == (1, 2)
    assert squared_error(2.0, 5.0).shape == () and float(squared_error(2.0, 5.0)) == 9.0
    assert cost(2, 5) == 9.0
    assert isinstance(cost([1.0], [2.0]), float)


def test_cost_equals_lossedu_mse():
    from lossedu.regression import mse

    rng = np.random.default_rng(0)
    for shape in [(7,), (5, 3)]:
        y, y_hat = rng.normal(size=shape), rng.normal(size=shape)
        assert cost(y, y_hat) == pytest.approx(mse(y, y_hat), rel=1e-12, abs=1e-15)


@PROPERTY_SETTINGS
@given(hnp.arrays(np.float64, st.integers(1, 20), elements=big_floats), st.data())
def test_squared_error_properties(y_true, data):
    y_pred = data.draw(hnp.arrays(np.float64, y_true.shape, elements=big_floats))
    losses = squared_error(y_true, y_pred)
    assert (losses >= 0).all()
    assert cost(y_true, y_true) == 0.0
    assert cost(y_true, y_pred) == pytest.approx(losses.sum() / y_true.size, rel=1e-12, abs=1e-12)
    np.testing.assert_array_equal(squared_error(y_true, y_pred), squared_error(y_pred, y_true))


def test_predict_by_hand():
    np.testing.assert_allclose(predict([[1.0, 2.0], [0.0, -1.0], [2.0, 2.0]], [0.5, 1.0], 0.25),
                               [2.75, -0.75, 3.25], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(predict(np.ones((2, 1)), np.array([3]), np.float64(1)), [4.0, 4.0],
                               rtol=RTOL, atol=ATOL)


def test_gradient_descent_step_by_hand():
    # X = [[1], [2]], y = [2, 4], w = 0, b = 0: residual yhat - y = [-2, -4].
    # dC/dw = (2/2) * (1*-2 + 2*-4) = -10, dC/db = (2/2) * (-6) = -6.
    new_w, new_b = gradient_descent_step([[1.0], [2.0]], [2.0, 4.0], [0.0], 0.0, 0.1)
    np.testing.assert_allclose(new_w, [1.0], rtol=RTOL, atol=ATOL)
    assert new_b == pytest.approx(0.6, rel=RTOL, abs=ATOL)
    assert isinstance(new_b, float)


def test_gradient_descent_step_follows_the_finite_difference_gradient():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(8, 3)), rng.normal(size=8)
    w, b, rate = rng.normal(size=3), 0.4, 0.05
    new_w, new_b = gradient_descent_step(X, y, w, b, rate)
    grad_w = central_difference(lambda v: cost(y, X @ v + b), w)
    grad_b = float(central_difference(lambda c: cost(y, X @ w + c), b))
    np.testing.assert_allclose(new_w, w - rate * grad_w, rtol=1e-8, atol=1e-9)
    assert new_b == pytest.approx(b - rate * grad_b, rel=1e-8, abs=1e-9)


def test_repeated_steps_reach_least_squares_and_never_mutate():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(40, 2))
    y = X @ np.array([1.5, -2.0]) + 0.5 + rng.normal(0, 0.1, 40)
    w, b = np.zeros(2), 0.0
    costs = [cost(y, predict(X, w, b))]
    for _ in range(300):
        w_before = w.copy()
        new_w, b = gradient_descent_step(X, y, w, b, 0.1)
        np.testing.assert_array_equal(w, w_before)  # the old w is untouched
        assert new_w is not w
        w = new_w
        costs.append(cost(y, predict(X, w, b)))
    assert all(later <= earlier + 1e-15 for earlier, later in zip(costs, costs[1:]))
    solution, *_ = np.linalg.lstsq(np.column_stack([X, np.ones(40)]), y, rcond=None)
    np.testing.assert_allclose(np.append(w, b), solution, rtol=1e-6, atol=1e-8)


def test_too_large_a_learning_rate_makes_the_cost_grow():
    X, y = np.array([[1.0], [2.0], [3.0]]), np.array([1.0, 2.0, 3.0])
    w, b = np.zeros(1), 0.0
    first = cost(y, predict(X, w, b))
    for _ in range(5):
        w, b = gradient_descent_step(X, y, w, b, 1.0)
    assert cost(y, predict(X, w, b)) > 100 * first


def test_steps_to_accuracy():
    assert steps_to_accuracy([0.5, 0.7, 0.92, 0.95], 0.9) == 2
    assert steps_to_accuracy([0.5, 0.7], 0.9) == -1
    assert steps_to_accuracy([0.9, 0.1], 0.9) == 0  # reaching exactly the target counts
    assert steps_to_accuracy(np.array([0.2, 0.95, 0.5, 0.97]), 0.96) == 3
    assert steps_to_accuracy([], 0.5) == -1
    assert isinstance(steps_to_accuracy([1.0], 0.5), int)


def test_regularized_cost_by_hand_and_against_the_library():
    from lossedu.penalties import l2_penalty
    from lossedu.regression import mse

    # MSE = 0.25 / 2 = 0.125; penalty = 0.01 * (9 + 16) = 0.25.
    assert regularized_cost([1.0, 2.0], [1.5, 2.0], [3.0, -4.0], strength=0.01) == pytest.approx(
        0.375, rel=RTOL, abs=ATOL)
    assert regularized_cost([1.0, 2.0], [1.5, 2.0], [3.0, -4.0], strength=0.0) == pytest.approx(
        0.125, rel=RTOL, abs=ATOL)
    rng = np.random.default_rng(3)
    y, y_hat, w = rng.normal(size=9), rng.normal(size=9), rng.normal(size=(3, 2))
    assert regularized_cost(y, y_hat, w, strength=0.3) == pytest.approx(
        mse(y, y_hat) + l2_penalty(w, strength=0.3), rel=1e-12, abs=1e-15)
    with pytest.raises(TypeError):
        regularized_cost(y, y_hat, w)  # strength is required and keyword-only


def test_anomaly_threshold_by_hand():
    # mean 2.5, population variance 1.25.
    assert anomaly_threshold([1.0, 2.0, 3.0, 4.0], k=2.0) == pytest.approx(
        2.5 + 2 * math.sqrt(1.25), rel=RTOL, abs=ATOL)
    assert anomaly_threshold([1.0, 2.0, 3.0, 4.0]) == pytest.approx(
        2.5 + 3 * math.sqrt(1.25), rel=RTOL, abs=ATOL)
    assert anomaly_threshold([5.0, 5.0, 5.0]) == 5.0
    assert anomaly_threshold([[0.0, 2.0], [0.0, 2.0]], k=0.0) == 1.0
    rng = np.random.default_rng(4)
    errors = rng.exponential(size=200)
    errors_copy = errors.copy()
    threshold = anomaly_threshold(errors, k=2.5)
    np.testing.assert_array_equal(errors, errors_copy)
    flagged = np.count_nonzero(errors > threshold)
    assert 0 < flagged < 20


def test_training_helpers_refuse_bad_input():
    with pytest.raises(ValueError, match=r"y_true has shape \(3, 1\) but y_pred has shape \(3,\)"):
        cost(np.ones((3, 1)), np.ones(3))
    with pytest.raises(ValueError, match="y_pred is empty"):
        squared_error([], [])
    with pytest.raises(ValueError, match="y_pred contains NaN"):
        cost([1.0], [np.nan])
    with pytest.raises(ValueError, match=r"w needs one weight per feature"):
        predict(np.ones((4, 3)), np.ones(2), 0.0)
    with pytest.raises(ValueError, match=r"X must be a 2-d array"):
        predict(np.ones(4), np.ones(4), 0.0)
    with pytest.raises(ValueError, match="b must be a single number"):
        predict(np.ones((2, 2)), np.ones(2), [0.0, 1.0])
    with pytest.raises(ValueError, match="y needs one target per row of X"):
        gradient_descent_step(np.ones((3, 1)), np.ones(2), np.ones(1), 0.0, 0.1)
    with pytest.raises(ValueError, match="learning_rate must be a finite number > 0"):
        gradient_descent_step(np.ones((3, 1)), np.ones(3), np.ones(1), 0.0, 0.0)
    with pytest.raises(ValueError, match="accuracy_history contains NaN"):
        steps_to_accuracy([0.5, np.nan], 0.9)
    with pytest.raises(TypeError, match="target must be a finite number"):
        steps_to_accuracy([0.5], "high")
    with pytest.raises(ValueError, match="target must be a finite number, got nan"):
        steps_to_accuracy([0.5], float("nan"))
    with pytest.raises(ValueError, match="errors is empty"):
        anomaly_threshold([])
    with pytest.raises(ValueError, match="k must be a finite number >= 0"):
        anomaly_threshold([1.0, 2.0], k=-1.0)
