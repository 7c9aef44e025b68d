"""Lesson 03, mean squared error: its exercises, their inputs and their known mistakes.

Each mistake carries an example of the buggy learner function that earns it.
``EXERCISES`` at the end lists the exercises in the course plan's order.
"""

from __future__ import annotations

import numpy as np

from lossedu import gradcheck, regression, training
from lossedu.grading.cases import arr, case
from lossedu.grading.diagnoses import ratio, variant
from lossedu.grading.exercise import Array, Exercise, Number
from lossedu.grading.exercises.common import (
    broadcast_cost, divided_by_rows, either, gradient_missing_mean, gradient_sign, keyword,
    regression_case, sum_instead_of_mean, value_counts,
)


# Buggy learner functions' shared parts (the examples below are built from them).

def _huber_values(y, p, delta, half=0.5, offset=True, swap=False):
    r = p - y
    small = np.abs(r) <= delta
    if swap:
        small = ~small
    linear = delta * (np.abs(r) - 0.5 * delta) if offset else delta * np.abs(r)
    return np.where(small, half * r ** 2, linear)


_REGRESSION_FIXED = (
    case(arr(1.0, 2.0, 3.0), arr(1.5, 2.0, 0.5)),
    case(arr(-2.0, 0.5, 4.0, 1.0, 0.0), arr(1.0, 0.5, 3.0, -1.0, 0.25)),
    case(arr([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), arr([[1.5, 2.0], [2.0, 4.0], [5.0, 8.0]]),
         label="an (n, k) array: k outputs per sample"),
)

MSE = Exercise(
    id="mse",
    summary="Mean squared error over all values.",
    reference=regression.mse,
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
    reference=regression.mse_grad,
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
    reference=regression.mae,
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


def _huber_formula(c, *, quadratic_half=True, offset=True, swapped=False, delta=None,
                   signed_test=False, signed_linear=False):
    r = c.args[1] - c.args[0]
    d = keyword(c, "delta", 1.0) if delta is None else delta
    small = (r <= d) if signed_test else (np.abs(r) <= d)
    if swapped:
        small = ~small
    quadratic = (0.5 if quadratic_half else 1.0) * r ** 2
    size = r if signed_linear else np.abs(r)
    linear = d * (size - 0.5 * d) if offset else d * size
    return np.mean(np.where(small, quadratic, linear))


_HUBER_FIXED = (
    case(arr(0.0, 0.0, 0.0, 0.0), arr(0.5, -3.0, 1.0, -0.25), label="errors on both sides of delta"),
    # errors 0.2, 2.5, -4, -0.8: one inside the band, one between delta and 1, two far out
    case(arr(1.0, 2.0, 3.0, -1.0), arr(1.2, 4.5, -1.0, -1.8), delta=0.5),
    case(arr(1.0, 2.0, 3.0, -1.0), arr(1.2, 4.5, -1.0, -1.5), delta=2.0),
    case(arr([[0.0, 1.0], [2.0, 3.0], [1.0, -1.0]]), arr([[2.0, 1.5], [-1.0, 3.0], [1.2, -3.5]]),
         delta=1.5, label="an (n, k) array"),
)

def huber_test_without_abs(y, p, delta=1.0):
    return (np.mean(np.where(
p - y <= delta, 0.5 * (p - y) ** 2, delta * (np.abs(p - y) - 0.5 * delta))))


def huber_linear_without_abs(y, p, delta=1.0):
    return (np.mean(np.where(
np.abs(p - y) <= delta, 0.5 * (p - y) ** 2, delta * ((p - y) - 0.5 * delta))))


HUBER = Exercise(
    id="huber",
    summary="Mean Huber loss: 0.5 r² where |r| <= delta, delta (|r| - delta / 2) elsewhere.",
    reference=regression.huber,
    parameters=("y_true", "y_pred"),
    hyperparameters={"delta": 1.0},
    output=Number("the cost"),
    fixed=_HUBER_FIXED,
    random=_huber_case,
    mistakes=(
        variant("delta_ignored", "delta ignored",
                "your result is the Huber loss with delta = 1 although the check passed "
                "another delta: use the delta argument in both the test |r| <= delta and the "
                "linear piece.", lambda c: _huber_formula(c, delta=1.0),
                example=lambda y, p, delta=1.0: np.mean(_huber_values(y, p, 1.0))),
        variant("quadratic_half_missing", "missing 1/2 factor in the quadratic piece",
                "where |r| <= delta the Huber loss is ½ r², with the factor 1/2 (so that both "
                "pieces have the same slope at |r| = delta).",
                lambda c: _huber_formula(c, quadratic_half=False),
                example=lambda y, p, delta=1.0: np.mean(_huber_values(y, p, delta, half=1.0))),
        variant("linear_offset_missing", "linear piece without - delta / 2",
                "the linear piece is delta (|r| - delta / 2): without the - delta / 2 the two "
                "pieces do not meet at |r| = delta.",
                lambda c: _huber_formula(c, offset=False),
                example=lambda y, p, delta=1.0: np.mean(_huber_values(y, p, delta, offset=False))),
        variant("branches_swapped", "pieces swapped",
                "your quadratic and linear pieces are swapped: use ½ r² for the small errors "
                "(|r| <= delta) and the linear piece for the large ones.",
                lambda c: _huber_formula(c, swapped=True),
                example=lambda y, p, delta=1.0: np.mean(_huber_values(y, p, delta, swap=True))),
        variant("test_without_abs", "|r| <= delta tested without the absolute value",
                "a large *negative* error got the quadratic piece: the test is on the size of "
                "the error, np.abs(r) <= delta, not r <= delta.",
                lambda c: _huber_formula(c, signed_test=True),
                example=huber_test_without_abs),
        variant("linear_without_abs", "linear piece without the absolute value",
                "your linear piece is negative for large negative errors: it is "
                "delta * (|r| - delta / 2), with np.abs(r); a loss is never negative.",
                lambda c: _huber_formula(c, signed_linear=True),
                example=huber_linear_without_abs),
        ratio("smooth_l1", "Huber divided by delta (PyTorch's SmoothL1)",
              "your result is the Huber loss divided by delta: that is SmoothL1 as PyTorch "
              "defines it, ½ r² / delta inside the band. The Huber loss here is ½ r² inside "
              "and delta (|r| - delta / 2) outside.", lambda c: 1.0 / keyword(c, "delta", 1.0),
              example=lambda y, p, delta=1.0: np.mean(_huber_values(y, p, delta)) / delta),
        sum_instead_of_mean("the per-sample losses",
                            example=lambda y, p, delta=1.0: np.sum(_huber_values(y, p, delta))),
        divided_by_rows(example=lambda y, p, delta=1.0: np.sum(_huber_values(y, p, delta)) / len(y)),
        broadcast_cost(regression.huber,
                       example=lambda y, p, delta=1.0: np.mean(_huber_values(y.reshape(-1, 1), p, delta))),
    ),
)


def _huber_grad_formula(c, *, clip=True, delta=None, outside=None, inside=None):
    r = c.args[1] - c.args[0]
    d = keyword(c, "delta", 1.0) if delta is None else delta
    if outside is not None or inside is not None:  # a mistaken piece
        small = np.abs(r) <= d
        inside_value = r if inside is None else inside(r, d)
        outside_value = d * np.sign(r) if outside is None else outside(r, d)
        return np.where(small, inside_value, outside_value) / np.size(r)
    return (np.clip(r, -d, d) if clip else r) / np.size(r)


def huber_grad_slope_one_outside(y, p, delta=1.0):
    return (np.where(
np.abs(p - y) <= delta, p - y, np.sign(p - y)) / np.size(p))


def huber_grad_gradient_pieces_swapped(y, p, delta=1.0):
    return (np.where(
np.abs(p - y) <= delta, delta * np.sign(p - y), p - y) / np.size(p))


def huber_grad_quadratic_slope_doubled(y, p, delta=1.0):
    return (np.where(
np.abs(p - y) <= delta, 2 * (p - y), delta * np.sign(p - y)) / np.size(p))


HUBER_GRAD = Exercise(
    id="huber_grad",
    summary="Gradient of the mean Huber loss w.r.t. y_pred: clip(r, -delta, delta) / (number of values).",
    reference=regression.huber_grad,
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
                lambda c: _huber_grad_formula(c, delta=1.0),
                example=lambda y, p, delta=1.0: np.clip(p - y, -1, 1) / np.size(p)),
        variant("slope_one_outside", "slope ±1 outside the band",
                "outside the band |r| <= delta the Huber loss is delta (|r| - delta / 2), whose "
                "slope is ±delta, not ±1: use delta * np.sign(r) there (or np.clip(r, -delta, "
                "delta) for both pieces at once).",
                lambda c: _huber_grad_formula(c, outside=lambda r, d: np.sign(r)),
                example=huber_grad_slope_one_outside),
        variant("gradient_pieces_swapped", "gradient pieces swapped",
                "your pieces are swapped: inside the band |r| <= delta the slope is r (from "
                "½ r²), outside it is ±delta.",
                lambda c: _huber_grad_formula(c, inside=lambda r, d: d * np.sign(r),
                                              outside=lambda r, d: r),
                example=huber_grad_gradient_pieces_swapped),
        variant("quadratic_slope_doubled", "slope 2r inside the band",
                "inside the band the loss is ½ r², whose derivative is r, not 2r.",
                lambda c: _huber_grad_formula(c, inside=lambda r, d: 2 * r),
                example=huber_grad_quadratic_slope_doubled),
        variant("not_clipped", "gradient not clipped at ±delta",
                "for |r| > delta the Huber loss is linear, so its slope stays at ±delta: "
                "np.clip(y_pred - y_true, -delta, delta) / n.",
                lambda c: _huber_grad_formula(c, clip=False),
                example=lambda y, p, delta=1.0: (p - y) / np.size(p)),
        gradient_missing_mean(example=lambda y, p, delta=1.0: np.clip(p - y, -delta, delta)),
        gradient_sign(example=lambda y, p, delta=1.0: np.clip(y - p, -delta, delta) / np.size(p)),
        divided_by_rows(example=lambda y, p, delta=1.0: np.clip(p - y, -delta, delta) / len(p)),
    ),
)

#: This lesson's exercises, in the order the course plan gives.
EXERCISES = (MSE, MSE_GRAD, MAE, HUBER, HUBER_GRAD)
