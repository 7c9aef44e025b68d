"""Lesson 03, mean squared error: its exercises, their inputs and their known mistakes.

Each mistake carries an example of the buggy learner function that earns it.
The registry collects the module's exercises; the course plan orders them.
"""

from __future__ import annotations

import numpy as np

from lossedu import gradcheck, regression, training
from lossedu.grading.cases import arr, case
from lossedu.grading.diagnoses import ratio, variant
from lossedu.grading.exercise import Array, Exercise, Number
from lossedu.grading.exercises.common import (
    broadcast_cost, divided_by_rows, either, from_case, gradient_missing_mean, gradient_sign,
    keyword, regression_case, sum_instead_of_mean, value_counts,
)
from lossedu.losses_table import LOSSES


_REGRESSION_FIXED = (
    case(arr(1.0, 2.0, 3.0), arr(1.5, 2.0, 0.5)),
    case(arr(-2.0, 0.5, 4.0, 1.0, 0.0), arr(1.0, 0.5, 3.0, -1.0, 0.25)),
    case(arr([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), arr([[1.5, 2.0], [2.0, 4.0], [5.0, 8.0]]),
         label="an (n, k) array: k outputs per sample"),
)

MSE = Exercise(
    id="mse",
    summary="Mean squared error over all values.",
    reference=LOSSES["mse"].function,
    parameters=("y_true", "y_pred"),
    output=Number("the cost"),
    fixed=_REGRESSION_FIXED,
    random=regression_case,
    forbidden=(training.cost, regression.huber, training.regularized_cost),
    mistakes=(
        sum_instead_of_mean("the squared errors", example=lambda y, p: np.sum((y - p) ** 2)),
        divided_by_rows(example=lambda y, p: np.sum((y - p) ** 2) / len(y)),
        ratio("half_factor", "extra 1/2 factor",
              "your result is exactly half the expected one: MSE is the plain mean of "
              "(y - ŷ)², without the 1/2 factor some derivations add.", 0.5,
              example=lambda y, p: np.mean((y - p) ** 2) / 2),
        variant("root_mean_squared", "square root taken",
                "your result is the square root of the MSE (the RMSE): return the mean of "
                "the squared errors itself.", lambda c: np.sqrt(regression.mse(*c.args)),
                example=lambda y, p: np.sqrt(np.mean((y - p) ** 2))),
        variant("absolute_instead_of_square", "missing square",
                "your result is the mean absolute error: MSE squares each error, "
                "np.mean((y_true - y_pred) ** 2).", lambda c: regression.mae(*c.args),
                example=lambda y, p: np.mean(np.abs(y - p))),
        either("missing_square", "missing square",
               "your result is the mean of the errors themselves, where positive and negative "
               "errors cancel: square each error before averaging.",
               variant("a", "", "", lambda c: np.mean(c.args[0] - c.args[1])),
               variant("b", "", "", lambda c: np.mean(c.args[1] - c.args[0])),
               example=lambda y, p: np.mean(y - p)),
        broadcast_cost(regression.mse, example=lambda y, p: np.mean((y.reshape(-1, 1) - p) ** 2)),
    ),
)

MSE_GRAD = Exercise(
    id="mse_grad",
    summary="Gradient of the MSE cost with respect to y_pred: 2 (y_pred - y_true) / (number of values).",
    reference=LOSSES["mse"].gradient,
    forbidden=(regression.huber_grad, gradcheck.numerical_gradient),
    parameters=("y_true", "y_pred"),
    output=Array("an array with the shape of y_pred"),
    fixed=_REGRESSION_FIXED,
    random=regression_case,
    mistakes=(
        gradient_missing_mean(example=lambda y, p: 2 * (p - y)),
        ratio("missing_factor_2", "factor 2 missing",
              "your gradient is exactly half the expected one: the derivative of (ŷ - y)² is "
              "2 (ŷ - y).", 0.5,
              example=lambda y, p: (p - y) / np.size(p)),
        ratio("half_mse_without_mean", "factor 2 and 1/n missing",
              "your gradient is y_pred - y_true, the gradient of one sample's ½(ŷ - y)². The "
              "MSE cost has no ½ and is a mean: its gradient is 2 (y_pred - y_true) / (number "
              "of values).", lambda c: [size / 2 for size in value_counts(c)],
              example=lambda y, p: p - y),
        gradient_sign(example=lambda y, p: 2 * (y - p) / np.size(p)),
        divided_by_rows(example=lambda y, p: 2 * (p - y) / len(p)),
    ),
)

MAE = Exercise(
    id="mae",
    summary="Mean absolute error over all values.",
    reference=LOSSES["mae"].function,
    parameters=("y_true", "y_pred"),
    output=Number("the cost"),
    fixed=_REGRESSION_FIXED,
    random=regression_case,
    mistakes=(
        sum_instead_of_mean("the absolute errors", example=lambda y, p: np.sum(np.abs(y - p))),
        divided_by_rows(example=lambda y, p: np.sum(np.abs(y - p)) / len(y)),
        variant("squared_instead_of_absolute", "squared instead of absolute",
                "your result is the MSE: MAE takes the absolute value of each error, "
                "np.mean(np.abs(y_true - y_pred)), without squaring.",
                lambda c: regression.mse(*c.args),
                example=lambda y, p: np.mean((y - p) ** 2)),
        variant("median_instead_of_mean", "median instead of mean",
                "your result is the median of the absolute errors: MAE is their *mean*, "
                "np.mean(np.abs(y_true - y_pred)). (The median is the best constant "
                "prediction under MAE, not the loss itself.)",
                lambda c: float(np.median(np.abs(c.args[0] - c.args[1]))),
                example=lambda y, p: np.median(np.abs(y - p))),
        either("missing_absolute_value", "missing absolute value",
               "your result is the mean of the signed errors, where positive and negative "
               "errors cancel: take np.abs of each error before averaging.",
               variant("a", "", "", lambda c: np.mean(c.args[0] - c.args[1])),
               variant("b", "", "", lambda c: np.mean(c.args[1] - c.args[0])),
               example=lambda y, p: np.mean(p - y)),
        broadcast_cost(regression.mae, example=lambda y, p: np.mean(np.abs(y.reshape(-1, 1) - p))),
    ),
)


def _huber_case(rng):
    c = regression_case(rng)
    if rng.random() < 0.6:
        return case(*c.args, delta=float(rng.choice([0.3, 0.5, 2.0, 3.0])))
    return c


# Wrong Huber formulas (stable, computed from a case by from_case): what each
# mistake returns.

def huber_delta_one(y_true, y_pred, delta=1.0):
    return regression.huber(y_true, y_pred, delta=1.0)


def huber_without_half(y_true, y_pred, delta=1.0):
    r = y_pred - y_true
    return np.mean(np.where(np.abs(r) <= delta, r ** 2, delta * (np.abs(r) - 0.5 * delta)))


def huber_without_offset(y_true, y_pred, delta=1.0):
    r = y_pred - y_true
    return np.mean(np.where(np.abs(r) <= delta, 0.5 * r ** 2, delta * np.abs(r)))


def huber_pieces_swapped(y_true, y_pred, delta=1.0):
    r = y_pred - y_true
    return np.mean(np.where(np.abs(r) <= delta, delta * (np.abs(r) - 0.5 * delta), 0.5 * r ** 2))


def huber_test_without_abs(y_true, y_pred, delta=1.0):
    r = y_pred - y_true
    return np.mean(np.where(r <= delta, 0.5 * r ** 2, delta * (np.abs(r) - 0.5 * delta)))


def huber_linear_without_abs(y_true, y_pred, delta=1.0):
    r = y_pred - y_true
    return np.mean(np.where(np.abs(r) <= delta, 0.5 * r ** 2, delta * (r - 0.5 * delta)))


def huber_linear_without_abs_truth_first(y_true, y_pred, delta=1.0):
    """The same slip with the error taken as y_true - y_pred."""
    return huber_linear_without_abs(y_pred, y_true, delta)


def huber_signed_error_truth_first(y_true, y_pred, delta=1.0):
    e = y_true - y_pred
    return np.mean(np.where(np.abs(e) <= delta, 0.5 * e ** 2, delta * (e - 0.5 * delta)))


_HUBER_FIXED = (
    case(arr(0.0, 0.0, 0.0, 0.0), arr(0.5, -3.0, 1.0, -0.25), label="errors on both sides of delta"),
    # errors 0.2, 2.5, -4, -0.8: one inside the band, one between delta and 1, two far out
    case(arr(1.0, 2.0, 3.0, -1.0), arr(1.2, 4.5, -1.0, -1.8), delta=0.5),
    case(arr(1.0, 2.0, 3.0, -1.0), arr(1.2, 4.5, -1.0, -1.5), delta=2.0),
    case(arr([[0.0, 1.0], [2.0, 3.0], [1.0, -1.0]]), arr([[2.0, 1.5], [-1.0, 3.0], [1.2, -3.5]]),
         delta=1.5, label="an (n, k) array"),
)


# Buggy learner functions, one per mistake of huber.

def _huber_losses(y, p, delta):
    """The per-sample Huber losses, as a learner computes them."""
    r = p - y
    return np.where(np.abs(r) <= delta, 0.5 * r ** 2, delta * (np.abs(r) - 0.5 * delta))


def huber_with_delta_fixed_at_one(y_true, y_pred, delta=1.0):
    return np.mean(_huber_losses(y_true, y_pred, 1.0))


def huber_with_r_squared_inside(y_true, y_pred, delta=1.0):
    r = np.abs(y_pred - y_true)
    return np.mean(np.where(r <= delta, r ** 2, delta * (r - 0.5 * delta)))


def huber_with_delta_times_r_outside(y_true, y_pred, delta=1.0):
    r = np.abs(y_pred - y_true)
    return np.mean(np.where(r <= delta, 0.5 * r ** 2, delta * r))


def huber_with_the_band_reversed(y_true, y_pred, delta=1.0):
    r = np.abs(y_pred - y_true)
    return np.mean(np.where(r > delta, 0.5 * r ** 2, delta * (r - 0.5 * delta)))


def huber_testing_the_signed_error(y_true, y_pred, delta=1.0):
    r = y_pred - y_true
    return np.mean(np.where(r <= delta, 0.5 * r ** 2, delta * (np.abs(r) - 0.5 * delta)))


def huber_with_a_signed_linear_piece(y_true, y_pred, delta=1.0):
    r = y_pred - y_true
    return np.mean(np.where(np.abs(r) <= delta, 0.5 * r ** 2, delta * (r - 0.5 * delta)))


HUBER = Exercise(
    id="huber",
    summary="Mean Huber loss: 0.5 r² where |r| <= delta, delta (|r| - delta / 2) elsewhere.",
    reference=LOSSES["huber"].function,
    parameters=("y_true", "y_pred"),
    hyperparameters={"delta": 1.0},
    output=Number("the cost"),
    fixed=_HUBER_FIXED,
    random=_huber_case,
    mistakes=(
        variant("delta_ignored", "delta ignored",
                "your result is the Huber loss with delta = 1 although the check passed "
                "another delta: use the delta argument in both the test |r| <= delta and the "
                "linear piece.", from_case(huber_delta_one),
                example=huber_with_delta_fixed_at_one),
        variant("quadratic_half_missing", "missing 1/2 factor in the quadratic piece",
                "where |r| <= delta the Huber loss is ½ r², with the factor 1/2 (so that both "
                "pieces have the same slope at |r| = delta).",
                from_case(huber_without_half), example=huber_with_r_squared_inside),
        variant("linear_offset_missing", "linear piece without - delta / 2",
                "the linear piece is delta (|r| - delta / 2): without the - delta / 2 the two "
                "pieces do not meet at |r| = delta.",
                from_case(huber_without_offset), example=huber_with_delta_times_r_outside),
        variant("branches_swapped", "pieces swapped",
                "your quadratic and linear pieces are swapped: use ½ r² for the small errors "
                "(|r| <= delta) and the linear piece for the large ones.",
                from_case(huber_pieces_swapped), example=huber_with_the_band_reversed),
        variant("test_without_abs", "|r| <= delta tested without the absolute value",
                "a large *negative* error got the quadratic piece: the test is on the size of "
                "the error, np.abs(r) <= delta, not r <= delta.",
                from_case(huber_test_without_abs), example=huber_testing_the_signed_error),
        either("linear_without_abs", "linear piece without the absolute value",
               "your linear piece is negative for large errors of one sign: it is "
               "delta * (|r| - delta / 2), with np.abs(r); a loss is never negative.",
               variant("prediction_first", "", "", from_case(huber_linear_without_abs)),
               variant("truth_first", "", "", from_case(huber_linear_without_abs_truth_first)),
               example=(huber_with_a_signed_linear_piece, huber_signed_error_truth_first)),
        ratio("smooth_l1", "Huber divided by delta (PyTorch's SmoothL1)",
              "your result is the Huber loss divided by delta: that is SmoothL1 as PyTorch "
              "defines it, ½ r² / delta inside the band. The Huber loss here is ½ r² inside "
              "and delta (|r| - delta / 2) outside.", lambda c: 1.0 / keyword(c, "delta", 1.0),
              example=lambda y, p, delta=1.0: np.mean(_huber_losses(y, p, delta)) / delta),
        sum_instead_of_mean("the per-sample losses",
                            example=lambda y, p, delta=1.0: np.sum(_huber_losses(y, p, delta))),
        divided_by_rows(example=lambda y, p, delta=1.0: np.sum(_huber_losses(y, p, delta)) / len(y)),
        broadcast_cost(regression.huber, example=lambda y, p, delta=1.0: np.mean(
            _huber_losses(y.reshape(-1, 1), p, delta))),
    ),
)


# Wrong Huber gradients (r = y_pred - y_true, divided by the number of values).

def huber_grad_delta_one(y_true, y_pred, delta=1.0):
    return regression.huber_grad(y_true, y_pred, delta=1.0)


def huber_grad_slope_one_outside(y_true, y_pred, delta=1.0):
    r = y_pred - y_true
    return np.where(np.abs(r) <= delta, r, np.sign(r)) / np.size(r)


def huber_grad_pieces_swapped(y_true, y_pred, delta=1.0):
    r = y_pred - y_true
    return np.where(np.abs(r) <= delta, delta * np.sign(r), r) / np.size(r)


def huber_grad_slope_2r_inside(y_true, y_pred, delta=1.0):
    r = y_pred - y_true
    return np.where(np.abs(r) <= delta, 2 * r, delta * np.sign(r)) / np.size(r)


def huber_grad_not_clipped(y_true, y_pred, delta=1.0):
    return (y_pred - y_true) / np.size(y_pred)


# Buggy learner functions, one per mistake of huber_grad.

def huber_grad_with_sign_outside(y_true, y_pred, delta=1.0):
    r = y_pred - y_true
    gradient = np.where(np.abs(r) <= delta, r, 1.0)
    gradient[r < -delta] = -1.0
    return gradient / r.size


def huber_grad_with_the_band_reversed(y_true, y_pred, delta=1.0):
    r = y_pred - y_true
    return np.where(np.abs(r) > delta, r, delta * np.sign(r)) / r.size


def huber_grad_differentiating_r_squared(y_true, y_pred, delta=1.0):
    r = y_pred - y_true
    return np.where(np.abs(r) <= delta, 2 * r, delta * np.sign(r)) / r.size


HUBER_GRAD = Exercise(
    id="huber_grad",
    summary="Gradient of the mean Huber loss w.r.t. y_pred: clip(r, -delta, delta) / (number of values).",
    reference=LOSSES["huber"].gradient,
    forbidden=(gradcheck.numerical_gradient,),
    parameters=("y_true", "y_pred"),
    hyperparameters={"delta": 1.0},
    output=Array("an array with the shape of y_pred"),
    fixed=_HUBER_FIXED,
    random=_huber_case,
    mistakes=(
        variant("delta_ignored", "delta ignored",
                "your gradient is the one for delta = 1 although the check passed another "
                "delta: clip the error to [-delta, delta] with the delta argument.",
                from_case(huber_grad_delta_one),
                example=lambda y, p, delta=1.0: np.clip(p - y, -1, 1) / np.size(p)),
        variant("slope_one_outside", "slope ±1 outside the band",
                "outside the band |r| <= delta the Huber loss is delta (|r| - delta / 2), whose "
                "slope is ±delta, not ±1: use delta * np.sign(r) there (or np.clip(r, -delta, "
                "delta) for both pieces at once).",
                from_case(huber_grad_slope_one_outside), example=huber_grad_with_sign_outside),
        variant("gradient_pieces_swapped", "gradient pieces swapped",
                "your pieces are swapped: inside the band |r| <= delta the slope is r (from "
                "½ r²), outside it is ±delta.",
                from_case(huber_grad_pieces_swapped), example=huber_grad_with_the_band_reversed),
        variant("quadratic_slope_doubled", "slope 2r inside the band",
                "inside the band the loss is ½ r², whose derivative is r, not 2r.",
                from_case(huber_grad_slope_2r_inside),
                example=huber_grad_differentiating_r_squared),
        variant("not_clipped", "gradient not clipped at ±delta",
                "for |r| > delta the Huber loss is linear, so its slope stays at ±delta: "
                "np.clip(y_pred - y_true, -delta, delta) / n.",
                from_case(huber_grad_not_clipped),
                example=lambda y, p, delta=1.0: (p - y) / np.size(p)),
        gradient_missing_mean(example=lambda y, p, delta=1.0: np.clip(p - y, -delta, delta)),
        gradient_sign(example=lambda y, p, delta=1.0: np.clip(y - p, -delta, delta) / np.size(p)),
        divided_by_rows(example=lambda y, p, delta=1.0: np.clip(p - y, -delta, delta) / len(p)),
    ),
)
