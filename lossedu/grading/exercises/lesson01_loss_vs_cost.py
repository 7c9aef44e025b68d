"""Lesson 01, loss vs cost: its exercises, their inputs and their known mistakes.

Each mistake carries an example of the buggy learner function that earns it.
The registry collects the module's exercises; the course plan orders them.
"""

from __future__ import annotations

import numpy as np

from lossedu import regression, training
from lossedu.grading.cases import arr, case
from lossedu.grading.diagnoses import raised, ratio, variant, when
from lossedu.grading.exercise import Array, Exercise, Number, Tolerance, TupleOf
from lossedu.grading.exercises.common import (
    broadcast_cost, divided_by_rows, either, regression_case, sum_instead_of_mean,
)


SQUARED_ERROR = Exercise(
    id="squared_error",
    summary="The loss of each sample, (y_true - y_pred) ** 2, with the shape of the inputs.",
    reference=training.squared_error,
    parameters=("y_true", "y_pred"),
    output=Array("an array with the shape of the inputs, one loss per value"),
    fixed=(
        case(arr(1.0, 2.0, 3.0), arr(1.5, 2.0, 1.0)),
        case(arr(-2.0, 0.5, 4.0, 1.0, 0.0), arr(1.0, 0.5, 3.0, -1.0, 0.25)),
        case(arr([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), arr([[1.5, 2.0], [2.0, 4.0], [5.0, 8.0]]),
             label="an (n, k) array"),
        case(np.array(3.0), np.array(1.0), label="a single number"),
    ),
    random=regression_case,
    mistakes=(
        ratio("half_factor", "extra 1/2 factor",
              "your result is exactly half the expected one: the squared error here is "
              "(y - ŷ)², without the 1/2 that some books add to simplify the derivative.", 0.5,
              example=lambda y, p: 0.5 * (y - p) ** 2),
        variant("missing_square", "missing square",
                "your result is the absolute difference |y - ŷ|: square the difference "
                "instead, (y_true - y_pred) ** 2.",
                lambda c: np.abs(c.args[0] - c.args[1]),
                example=lambda y, p: np.abs(y - p)),
        either("missing_square_signed", "missing square",
               "your result is the difference itself; square it: (y_true - y_pred) ** 2.",
               variant("a", "", "", lambda c: c.args[0] - c.args[1]),
               variant("b", "", "", lambda c: c.args[1] - c.args[0]),
               example=lambda y, p: y - p),
        when("cost_instead_of_losses", "the cost instead of each sample's loss",
             "you returned one number, the mean of the losses: that is the cost. "
             "squared_error is the loss of *each* sample, an array with the shape of the "
             "inputs; averaging them is the job of cost.",
             lambda a: a.got is not None and a.got.ndim == 0 and a.expected.ndim > 0
             and a.matches(np.mean(a.expected)),
             example=lambda y, p: np.mean((y - p) ** 2)),
    ),
)

COST = Exercise(
    id="cost",
    summary="The cost: the mean of the squared errors of all samples.",
    reference=training.cost,
    parameters=("y_true", "y_pred"),
    output=Number("the cost"),
    fixed=(
        case(arr(1.0, 2.0, 3.0), arr(1.5, 2.0, 1.0)),
        case(arr(-2.0, 0.5, 4.0, 1.0, 0.0), arr(1.0, 0.5, 3.0, -1.0, 0.25)),
        case(arr([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), arr([[1.5, 2.0], [2.0, 4.0], [5.0, 8.0]]),
             label="an (n, k) array"),
    ),
    random=regression_case,
    forbidden=(regression.mse,),
    mistakes=(
        sum_instead_of_mean("the squared errors", example=lambda y, p: np.sum((y - p) ** 2)),
        divided_by_rows(example=lambda y, p: np.sum((y - p) ** 2) / len(y)),
        ratio("half_factor", "extra 1/2 factor",
              "your result is exactly half the expected one: the cost here is the plain mean "
              "of (y - ŷ)², without a 1/2 factor.", 0.5,
              example=lambda y, p: 0.5 * np.mean((y - p) ** 2)),
        variant("root_mean_squared", "square root taken",
                "your result is the square root of the cost (the RMSE): the cost is the mean "
                "of the squared errors itself.", lambda c: np.sqrt(training.cost(*c.args)),
                example=lambda y, p: np.sqrt(np.mean((y - p) ** 2))),
        either("missing_square", "missing square",
               "your result is the mean of the errors without squaring them: square each "
               "difference, then average.",
               variant("a", "", "", lambda c: np.mean(np.abs(c.args[0] - c.args[1]))),
               variant("b", "", "", lambda c: np.mean(c.args[0] - c.args[1])),
               variant("c", "", "", lambda c: np.mean(c.args[1] - c.args[0])),
               example=lambda y, p: np.mean(np.abs(y - p))),
        broadcast_cost(training.cost, example=lambda y, p: np.mean((y.reshape(-1, 1) - p) ** 2)),
    ),
)


def _predict_case(rng):
    n = int(rng.integers(3, 9))
    d = int(rng.integers(1, 5))
    if d == n:
        n += 1
    return case(rng.normal(size=(n, d)), rng.normal(size=d), float(rng.normal(0, 2)))


PREDICT = Exercise(
    id="predict",
    summary="Predictions of a linear model: X @ w + b, one per row of X.",
    reference=training.predict,
    parameters=("X", "w", "b"),
    output=Array("an array of shape (n,), one prediction per row of X"),
    fixed=(
        case(arr([[1.0, 2.0], [3.0, 4.0], [0.5, -1.0]]), arr(0.5, -0.25), 1.0),
        case(arr([[1.0], [2.0], [3.0], [4.0]]), arr(2.0), -1.0, label="one feature"),
        case(arr([[1.0, -2.0, 0.5]]), arr(3.0, 1.0, 2.0), 0.5, label="one sample"),
        case(arr([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]]), arr(1.5, -0.5), 0.0, label="no bias"),
    ),
    random=_predict_case,
    mistakes=(
        variant("missing_bias", "bias forgotten",
                "your predictions equal X @ w: add the bias b to every prediction.",
                lambda c: c.args[0] @ c.args[1],
                example=lambda X, w, b: X @ w),
        when("summed_over_samples", "summed over the wrong axis",
             "your result has one value per feature instead of one per sample: each "
             "prediction is the sum over the features of one row, X @ w (or "
             "np.sum(X * w, axis=1)) + b.",
             lambda a: a.got is not None and a.got.shape == (a.case.args[0].shape[1],)
             and a.got.shape != a.expected.shape,
             example=lambda X, w, b: np.sum(X * w, axis=0) + b),
        raised("weights_before_features", "w @ X instead of X @ w",
               "X has one row per sample and one column per feature, w one weight per "
               "feature: the product is X @ w (the rows of X times w), not w @ X.",
               ValueError, "matmul|aligned|mismatch",
               example=lambda X, w, b: w @ X + b),
    ),
)


def _descent_case(rng):
    n = int(rng.integers(4, 10))
    d = int(rng.integers(1, 4))
    X = rng.normal(size=(n, d))
    y = X @ rng.normal(size=d) + rng.normal(0, 0.3, size=n)
    return case(X, y, rng.normal(size=d), float(rng.normal()), float(rng.choice([0.01, 0.05, 0.1])))


def _descent_variant(transform):
    """A mistaken step derived from the reference's step: transform(w, b, gw, gb, lr, n)."""
    def compute(c):
        X, y, w, b, lr = c.args
        new_w, new_b = training.gradient_descent_step(X, y, w, b, lr)
        gradient_w, gradient_b = (w - new_w) / lr, (b - new_b) / lr
        return transform(w, b, gradient_w, gradient_b, lr, X.shape[0])
    return compute


def _divided_by_features(c):
    """The step of a gradient divided by X.size = n * d instead of n."""
    features = c.args[0].shape[1]
    if features == 1:
        return None
    return _descent_variant(lambda w, b, gw, gb, lr, n: (w - lr * gw / features,
                                                         b - lr * gb / features))(c)


# Buggy learner functions, one per mistake of gradient_descent_step (r = X w + b - y).

def descent_step_uphill(X, y, w, b, learning_rate):
    r = X @ w + b - y
    return w + learning_rate * 2 / len(y) * (X.T @ r), b + learning_rate * 2 / len(y) * r.sum()


def descent_step_over_size(X, y, w, b, learning_rate):
    r = X @ w + b - y
    return w - learning_rate * 2 / X.size * (X.T @ r), b - learning_rate * 2 / X.size * r.sum()


def descent_step_without_2(X, y, w, b, learning_rate):
    r = X @ w + b - y
    return w - learning_rate / len(y) * (X.T @ r), b - learning_rate / len(y) * r.sum()


def descent_step_without_mean(X, y, w, b, learning_rate):
    r = X @ w + b - y
    return w - learning_rate * 2 * (X.T @ r), b - learning_rate * 2 * r.sum()


def descent_step_keeping_b(X, y, w, b, learning_rate):
    r = X @ w + b - y
    return w - learning_rate * 2 / len(y) * (X.T @ r), b


def descent_step_without_learning_rate(X, y, w, b, learning_rate):
    r = X @ w + b - y
    return w - 2 / len(y) * (X.T @ r), b - 2 / len(y) * r.sum()


GRADIENT_DESCENT_STEP = Exercise(
    id="gradient_descent_step",
    summary="One gradient-descent step on the MSE cost of predict: returns (new_w, new_b).",
    reference=training.gradient_descent_step,
    parameters=("X", "y", "w", "b", "learning_rate"),
    output=TupleOf((Array("new_w"), Number("new_b", per_sample=False)), ("new_w", "new_b")),
    fixed=(
        case(arr([[1.0], [2.0]]), arr(2.0, 4.0), arr(0.0), 0.0, 0.1, label="one feature"),
        case(arr([[1.0, 2.0, 0.5], [3.0, -1.0, 1.0], [0.5, 0.5, -1.0]]), arr(1.0, -2.0, 0.5),
             arr(0.5, 0.5, 0.25), 0.25, 0.05),
        case(arr([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, -1.0]]), arr(1.0, 2.0, 3.0, 0.0),
             arr(1.0, 2.0), 0.0, 0.1, label="already at the minimum"),
    ),
    random=_descent_case,
    samples=lambda c: c.args[0].shape[0],
    tolerance=Tolerance(rtol=1e-6, atol=1e-9),
    mistakes=(
        variant("gradient_ascent", "step along the gradient",
                "your step goes uphill. Either the residual has the wrong order (the "
                "gradient uses prediction minus truth, (2/n) X^T (ŷ - y)), or the gradient is "
                "added instead of subtracted: w - learning_rate * dC/dw (the same for b).",
                _descent_variant(lambda w, b, gw, gb, lr, n: (w + lr * gw, b + lr * gb)),
                example=descent_step_uphill),
        variant("divided_by_size", "divided by X.size instead of n",
                "your step is d times too short, d the number of features: the mean is over "
                "the n samples, so divide by n = X.shape[0] (or len(y)), not by X.size = n·d.",
                _divided_by_features,
                example=descent_step_over_size),
        variant("missing_factor_2", "factor 2 missing",
                "your step is half as long as it should be: the derivative of (ŷ - y)² is "
                "2 (ŷ - y), so the gradient of the cost is (2/n) X^T (ŷ - y) for w and "
                "(2/n) sum(ŷ - y) for b.",
                _descent_variant(lambda w, b, gw, gb, lr, n: (w - lr * gw / 2, b - lr * gb / 2)),
                example=descent_step_without_2),
        variant("gradient_missing_mean", "gradient missing 1/n",
                "your step is n times too long: the cost is a mean over the n samples, so its "
                "gradient keeps the 1/n: (2/n) X^T (ŷ - y).",
                _descent_variant(lambda w, b, gw, gb, lr, n: (w - lr * gw * n, b - lr * gb * n)),
                example=descent_step_without_mean),
        variant("bias_not_updated", "bias not updated",
                "your new_w is right but new_b is the old b: the bias takes a step too, "
                "b - learning_rate * (2/n) sum(ŷ - y).",
                _descent_variant(lambda w, b, gw, gb, lr, n: (w - lr * gw, b)),
                example=descent_step_keeping_b),
        variant("learning_rate_ignored", "learning rate not applied",
                "your step ignores the learning rate: multiply the gradient by learning_rate "
                "before subtracting it.",
                _descent_variant(lambda w, b, gw, gb, lr, n: (w - gw, b - gb)),
                example=descent_step_without_learning_rate),
    ),
)
