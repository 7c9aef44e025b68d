"""Lesson 07, choosing a loss: its exercises, their inputs and their known mistakes.

Each mistake carries an example of the buggy learner function that earns it.
The registry collects the module's exercises; the course plan orders them.
"""

from __future__ import annotations

import numpy as np

from lossedu import penalties, regression, training
from lossedu.grading.cases import arr, case, regression_pair
from lossedu.grading.diagnoses import ratio, variant
from lossedu.grading.exercise import Exercise, Number, REQUIRED
from lossedu.grading.exercises.common import from_case, keyword


def _weights_case(rng):
    shape = (int(rng.integers(2, 9)),) if rng.random() < 0.7 else \
        (int(rng.integers(2, 5)), int(rng.integers(2, 4)))
    weights = rng.normal(0, 1.5, size=shape)
    if rng.random() < 0.6:
        return case(weights, strength=float(rng.choice([0.01, 0.1, 0.5, 2.0])))
    return case(weights)


L2_PENALTY = Exercise(
    id="l2_penalty",
    summary="L2 penalty: strength * sum(weights ** 2) over all weights.",
    reference=penalties.l2_penalty,
    parameters=("weights",),
    hyperparameters={"strength": 1.0},
    output=Number("the penalty", per_sample=False),
    fixed=(
        case(arr(3.0, -4.0, 12.0)),
        case(arr(3.0, -4.0), strength=0.1),
        case(arr([[1.0, -2.0], [0.5, 0.0], [-1.0, 3.0]]), strength=0.01, label="a 2-d weight matrix"),
        case(arr(0.0, 0.0, 0.0), strength=0.5, label="all weights zero"),
    ),
    random=_weights_case,
    mistakes=(
        variant("norm_not_squared", "norm instead of squared norm",
                "your result is strength times the Euclidean norm: the L2 penalty is the sum "
                "of the *squared* weights, strength * np.sum(weights ** 2).",
                lambda c: keyword(c, "strength", 1.0) * np.sqrt(np.sum(c.args[0] ** 2)),
                example=lambda w, strength=1.0: strength * np.linalg.norm(w)),
        ratio("mean_instead_of_sum", "mean instead of sum",
              "your result is divided by the number of weights: the penalty is the sum of the "
              "squared weights, not their mean.", lambda c: 1.0 / c.args[0].size,
              example=lambda w, strength=1.0: strength * np.mean(w ** 2)),
        ratio("half_factor", "extra 1/2 factor",
              "your result is exactly half the expected one: this penalty is "
              "strength * sum(w²) without a 1/2.", 0.5,
              example=lambda w, strength=1.0: 0.5 * strength * np.sum(w ** 2)),
        variant("l1_instead", "L1 instead of L2",
                "your result is the L1 penalty strength * sum|w|: square the weights instead "
                "of taking their absolute value.",
                lambda c: keyword(c, "strength", 1.0) * np.sum(np.abs(c.args[0])),
                example=lambda w, strength=1.0: strength * np.sum(np.abs(w))),
        variant("strength_ignored", "strength ignored",
                "your result ignores strength: multiply the sum of squares by it.",
                lambda c: np.sum(c.args[0] ** 2) if keyword(c, "strength", 1.0) != 1.0 else None,
                example=lambda w, strength=1.0: np.sum(w ** 2)),
    ),
)


def _regularized_case(rng):
    n = int(rng.integers(3, 11))
    y_true, y_pred = regression_pair(rng, (n,))
    weights = rng.normal(0, 1.5, size=int(rng.integers(2, 6)))
    return case(y_true, y_pred, weights, strength=float(rng.choice([0.0, 0.01, 0.1, 0.5])))


# Wrong regularized costs (what each mistake returns).

def regularized_with_strength_one(y_true, y_pred, weights, strength):
    return regression.mse(y_true, y_pred) + np.sum(weights ** 2)


def regularized_penalty_over_n(y_true, y_pred, weights, strength):
    return regression.mse(y_true, y_pred) + strength * np.sum(weights ** 2) / len(y_true)


def regularized_half_penalty(y_true, y_pred, weights, strength):
    return regression.mse(y_true, y_pred) + 0.5 * strength * np.sum(weights ** 2)


def regularized_half_data_term(y_true, y_pred, weights, strength):
    return 0.5 * regression.mse(y_true, y_pred) + strength * np.sum(weights ** 2)


def regularized_l1(y_true, y_pred, weights, strength):
    return regression.mse(y_true, y_pred) + strength * np.sum(np.abs(weights))


def regularized_norm(y_true, y_pred, weights, strength):
    return regression.mse(y_true, y_pred) + strength * np.sqrt(np.sum(weights ** 2))


def regularized_sum_of_squared_errors(y_true, y_pred, weights, strength):
    return len(y_true) * regression.mse(y_true, y_pred) + strength * np.sum(weights ** 2)


# Buggy learner functions, one per mistake of regularized_cost.

def regularized_cost_penalty_divided_by_n(y, p, w, strength):
    return np.mean((y - p) ** 2) + strength * np.sum(w ** 2) / len(y)


def regularized_cost_half_penalty(y, p, w, strength):
    return np.mean((y - p) ** 2) + 0.5 * strength * np.sum(w ** 2)


def regularized_cost_half_data_term(y, p, w, strength):
    return 0.5 * np.mean((y - p) ** 2) + strength * np.sum(w ** 2)


REGULARIZED_COST = Exercise(
    id="regularized_cost",
    summary="MSE cost plus an L2 penalty: mse(y_true, y_pred) + strength * sum(weights ** 2).",
    reference=training.regularized_cost,
    forbidden=(penalties.l2_penalty, regression.mse, training.cost),
    parameters=("y_true", "y_pred", "weights"),
    hyperparameters={"strength": REQUIRED},
    output=Number("the regularized cost"),
    fixed=(
        case(arr(1.0, 2.0, 0.0), arr(1.5, 2.0, 0.5), arr(3.0, -4.0), strength=0.01),
        case(arr(0.0, 1.0, 2.0, 3.0), arr(0.5, 0.5, 2.5, 2.0), arr(1.0, -1.0, 2.0), strength=0.1),
        case(arr(0.0, 1.0, 2.0), arr(1.0, 1.0, 1.0), arr(5.0, 5.0), strength=0.0,
             label="strength 0: no penalty"),
    ),
    random=_regularized_case,
    mistakes=(
        variant("penalty_missing", "penalty not added",
                "your result is the MSE alone: add the penalty strength * sum(weights ** 2).",
                lambda c: regression.mse(c.args[0], c.args[1])
                if c.kwargs["strength"] != 0 else None,
                example=lambda y, p, w, strength: np.mean((y - p) ** 2)),
        variant("strength_ignored", "strength ignored",
                "your penalty ignores strength: it is strength * sum(weights ** 2).",
                lambda c: regularized_with_strength_one(*c.args, **c.kwargs)
                if c.kwargs["strength"] != 1 else None,
                example=lambda y, p, w, strength: np.mean((y - p) ** 2) + np.sum(w ** 2)),
        variant("penalty_divided_by_n", "penalty divided by n",
                "your penalty is divided by the number of samples: in this exercise only the "
                "data term is a mean; add strength * sum(weights ** 2) as it is.",
                from_case(regularized_penalty_over_n),
                example=regularized_cost_penalty_divided_by_n),
        variant("half_penalty", "½ in front of the penalty",
                "your penalty is ½ strength * sum(weights ** 2): some books write the L2 "
                "penalty with a ½; in this exercise it is strength * sum(weights ** 2).",
                from_case(regularized_half_penalty),
                example=regularized_cost_half_penalty),
        variant("half_data_term", "½ in front of the MSE",
                "your data term is half the MSE: here it is the plain mean of the squared "
                "errors, without a ½.", from_case(regularized_half_data_term),
                example=regularized_cost_half_data_term),
        variant("l1_penalty", "L1 penalty instead of L2",
                "your penalty is strength * sum|w|: the L2 penalty squares the weights.",
                from_case(regularized_l1),
                example=lambda y, p, w, strength: np.mean((y - p) ** 2) + strength * np.sum(np.abs(w))),
        variant("penalty_not_squared", "norm instead of squared norm",
                "your penalty is strength * ||w||: the L2 penalty is the sum of the squared "
                "weights, without a square root.", from_case(regularized_norm),
                example=lambda y, p, w, strength: np.mean((y - p) ** 2) + strength * np.linalg.norm(w)),
        variant("sum_of_squared_errors", "sum of squared errors instead of the mean",
                "the data term is the *mean* squared error: you added up the squared errors.",
                from_case(regularized_sum_of_squared_errors),
                example=lambda y, p, w, strength: np.sum((y - p) ** 2) + strength * np.sum(w ** 2)),
    ),
)


def _anomaly_case(rng):
    errors = np.abs(rng.normal(0, 1, size=int(rng.integers(5, 30))))
    if rng.random() < 0.6:
        return case(errors, k=float(rng.choice([0.0, 1.0, 2.0, 2.5])))
    return case(errors)


# Wrong thresholds (what each mistake returns).

def threshold_with_sample_std(errors, k=3.0):
    return np.mean(errors) + k * np.std(errors, ddof=1)


def threshold_with_variance(errors, k=3.0):
    return np.mean(errors) + k * np.var(errors)


def threshold_from_median(errors, k=3.0):
    return np.median(errors) + k * np.std(errors)


def threshold_below_the_mean(errors, k=3.0):
    return np.mean(errors) - k * np.std(errors)


# Buggy learner functions, one per mistake of anomaly_threshold.

def anomaly_threshold_sample_std(errors, k=3.0):
    n = len(errors)
    mean = sum(errors) / n
    return mean + k * (sum((e - mean) ** 2 for e in errors) / (n - 1)) ** 0.5


def anomaly_threshold_variance(errors, k=3.0):
    return errors.mean() + k * ((errors - errors.mean()) ** 2).mean()


def anomaly_threshold_k_fixed(errors, k=3.0):
    return errors.mean() + 3.0 * errors.std()


def anomaly_threshold_median(errors, k=3.0):
    return np.median(errors) + k * errors.std()


def anomaly_threshold_minus(errors, k=3.0):
    return errors.mean() - k * errors.std()


ANOMALY_THRESHOLD = Exercise(
    id="anomaly_threshold",
    summary="Anomaly threshold mean(errors) + k * std(errors) (population std, ddof=0).",
    reference=training.anomaly_threshold,
    parameters=("errors",),
    hyperparameters={"k": 3.0},
    output=Number("the threshold", per_sample=False),
    fixed=(
        case(arr(1.0, 2.0, 3.0, 4.0), k=2.0),
        case(arr(0.2, 0.1, 0.4, 0.3, 0.25, 0.15)),
        case(arr(0.5, 1.5, 1.0), k=0.0, label="k = 0: the mean"),
    ),
    random=_anomaly_case,
    mistakes=(
        variant("sample_std", "sample standard deviation",
                "your result uses the sample standard deviation (ddof=1): this threshold uses "
                "the population standard deviation, np.std(errors) (ddof=0).",
                from_case(threshold_with_sample_std), example=anomaly_threshold_sample_std),
        variant("variance_instead", "variance instead of standard deviation",
                "your result uses the variance: use the standard deviation, its square root.",
                from_case(threshold_with_variance), example=anomaly_threshold_variance),
        variant("k_ignored", "k ignored",
                "your result is the one for k = 3 although the check passed another k: use "
                "the k argument.",
                lambda c: training.anomaly_threshold(c.args[0]) if "k" in c.kwargs else None,
                example=anomaly_threshold_k_fixed),
        variant("median_instead", "median instead of mean",
                "your threshold starts from the median: use the mean of the errors.",
                from_case(threshold_from_median), example=anomaly_threshold_median),
        variant("minus_instead_of_plus", "mean - k std",
                "anomalies have *large* errors: the threshold is mean + k * std.",
                from_case(threshold_below_the_mean), example=anomaly_threshold_minus),
    ),
)
