"""Lesson 06, custom losses: its exercises, their inputs and their known mistakes.

Each mistake carries an example of the buggy learner function that earns it.
The registry collects the module's exercises; the course plan orders them.
"""

from __future__ import annotations

import numpy as np

from lossedu import classification, distributions, embeddings, gradcheck, margins, segmentation
from lossedu.grading.cases import ScalarFunction, arr, binary_labels, case, logits, signed_labels
from lossedu.grading.diagnoses import nonfinite, raised, ratio, variant, when
from lossedu.grading.exercise import Array, Exercise, Number, Tolerance
from lossedu.grading.exercises.common import (
    EPS, EXTREME_BINARY_LOGITS, EXTREME_LABELS, broadcast_cost, either, from_case, keyword,
    log_likelihood_sign, logits_as_probabilities, saturated_on_extreme, sigmoid, softplus,
    sum_instead_of_mean,
)
from lossedu.losses_table import LOSSES


_CUBE = ScalarFunction("np.sum(x ** 3)", "3 * x ** 2")
_EXP = ScalarFunction("np.sum(np.exp(2 * x))", "2 * np.exp(2 * x)")
_WAVE = ScalarFunction("np.sum(np.sin(3 * x)) + np.sum(x ** 2)", "3 * np.cos(3 * x) + 2 * x")
_WEIGHTED = ScalarFunction("np.sum(np.arange(1, x.size + 1).reshape(x.shape) * x ** 2)",
                           "2 * np.arange(1, x.size + 1).reshape(x.shape) * x")
_MEAN_SQUARE = ScalarFunction("np.mean((x - 1.5) ** 2)", "2 * (x - 1.5) / x.size")
# Not a sum of one-variable terms: an element left at x[j] - h changes every later difference.
_LOGSUMEXP = ScalarFunction("np.log(np.sum(np.exp(x)))", "np.exp(x) / np.sum(np.exp(x))")
_FUNCTIONS = (_CUBE, _EXP, _WAVE, _WEIGHTED, _MEAN_SQUARE, _LOGSUMEXP)


def _rows_moved(c):
    """The difference when a 2-d x's rows, not its elements, are moved by ±h."""
    f, x = c.args
    point = np.array(x, dtype=np.float64)
    if point.ndim != 2:
        return None
    h = keyword(c, "h", 1e-6)
    gradient = np.zeros_like(point)
    for row in range(point.shape[0]):
        up, down = point.copy(), point.copy()
        up[row] += h
        down[row] -= h
        gradient[row] = (f(up) - f(down)) / (2 * h)
    return gradient


def _all_at_once(c):
    f, x = c.args
    point = np.array(x, dtype=np.float64)
    h = keyword(c, "h", 1e-6)
    return np.full(point.shape, (f(point + h) - f(point - h)) / (2 * h))


def _numerical_case(rng):
    function = _FUNCTIONS[int(rng.integers(0, len(_FUNCTIONS)))]
    shape = (int(rng.integers(2, 7)),) if rng.random() < 0.7 else (2, int(rng.integers(2, 4)))
    x = rng.normal(0, 1, size=shape)
    step = rng.choice([0.0, 1e-3, 1e-4])
    return case(function, x, h=float(step)) if step else case(function, x)


# Wrong numerical gradients (what each mistake returns), one coordinate at a time.

def forward_difference(f, x, h=1e-6):
    point = np.array(x, dtype=np.float64)
    gradient = np.zeros_like(point)
    for j in np.ndindex(point.shape):
        step = np.zeros_like(point)
        step[j] = h
        gradient[j] = (f(point + step) - f(point)) / h
    return gradient


def backward_difference(f, x, h=1e-6):
    point = np.array(x, dtype=np.float64)
    gradient = np.zeros_like(point)
    for j in np.ndindex(point.shape):
        step = np.zeros_like(point)
        step[j] = h
        gradient[j] = (f(point) - f(point - step)) / h
    return gradient


def central_difference_not_restored(f, x, h=1e-6):
    """Each element is left at x[j] - h before the next one moves."""
    point = np.array(x, dtype=np.float64)
    gradient = np.zeros_like(point)
    for j in np.ndindex(point.shape):
        old = point[j]
        point[j] = old + h
        up = f(point)
        point[j] = old - h
        gradient[j] = (up - f(point)) / (2 * h)
    return gradient


#: Steps a learner may use for a one-sided difference besides the case's own h.
_USUAL_STEPS = (1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8)


def _one_sided_with_step(formula, step):
    """``formula`` with the learner's own ``step``, when its one-sidedness shows at that step.

    A one-sided difference with a tiny step is as close to the derivative as
    any accurate answer: it only names the mistake where it differs from the
    central difference with the same step.
    """
    def compute(c):
        f, x = c.args
        wrong = formula(f, x, h=step)
        if np.allclose(wrong, gradcheck.numerical_gradient(f, x, h=step), rtol=1e-5, atol=1e-6):
            return None
        return wrong
    return compute


def _one_sided(name, formula):
    """The one-sided difference recognised with the case's h or any usual step."""
    tests = [variant(f"{name}_h", "", "", from_case(formula))]
    tests += [variant(f"{name}_{step:g}", "", "", _one_sided_with_step(formula, step))
              for step in _USUAL_STEPS]
    return tests


def numerical_gradient_forward_own_step(f, x, h=1e-5):
    gradient = np.zeros(np.shape(x))
    for i in range(np.size(x)):
        step = np.zeros(np.shape(x))
        step.flat[i] = h
        gradient.flat[i] = (f(x + step) - f(x)) / h
    return gradient


# Buggy learner functions, one per mistake of numerical_gradient.

def numerical_gradient_forward(f, x, h=1e-6):
    x = np.array(x, dtype=float)
    gradient = np.zeros_like(x)
    for i in range(x.size):
        up = x.copy()
        up.flat[i] += h
        gradient.flat[i] = (f(up) - f(x)) / h
    return gradient


def numerical_gradient_backward(f, x, h=1e-6):
    x = np.array(x, dtype=float)
    gradient = np.zeros_like(x)
    for i in range(x.size):
        down = x.copy()
        down.flat[i] -= h
        gradient.flat[i] = (f(x) - f(down)) / h
    return gradient


def numerical_gradient_over_h(f, x, h=1e-6):
    x = np.array(x, dtype=float)
    gradient = np.zeros_like(x)
    for i in range(x.size):
        up, down = x.copy(), x.copy()
        up.flat[i] += h
        down.flat[i] -= h
        gradient.flat[i] = (f(up) - f(down)) / h
    return gradient


def numerical_gradient_integer_copy(f, x, h=1e-6):
    gradient = np.zeros(np.shape(x))
    for index in np.ndindex(np.shape(x)):
        up, down = x.copy(), x.copy()  # an integer x stays integer
        up[index] += h
        down[index] -= h
        gradient[index] = (f(up) - f(down)) / (2 * h)
    return gradient


def numerical_gradient_fixed_h(f, x, h=1e-6):
    point = np.array(x, dtype=float)
    gradient = np.zeros_like(point)
    for index in np.ndindex(point.shape):
        step = np.zeros_like(point)
        step[index] = 1e-6
        gradient[index] = (f(point + step) - f(point - step)) / 2e-6
    return gradient


def numerical_gradient_over_len(f, x, h=1e-6):
    x = np.array(x, dtype=float)
    gradient = np.zeros_like(x)
    for j in range(len(x)):          # for a 2-d x, x[j] is a whole row
        up, down = x.copy(), x.copy()
        up[j] += h
        down[j] -= h
        gradient[j] = (f(up) - f(down)) / (2 * h)
    return gradient


def numerical_gradient_all_at_once(f, x, h=1e-6):
    x = np.asarray(x, float)
    return np.full(np.shape(x), (f(x + h) - f(x - h)) / (2 * h))


def numerical_gradient_not_restored(f, x, h=1e-6):
    point = np.array(x, dtype=float)
    gradient = np.zeros_like(point)
    for index in np.ndindex(point.shape):
        point[index] += h
        up = f(point)
        point[index] -= 2 * h
        down = f(point)
        gradient[index] = (up - down) / (2 * h)  # point[index] stays at x - h
    return gradient


NUMERICAL_GRADIENT = Exercise(
    id="numerical_gradient",
    summary="Central-difference gradient (f(x + h e_j) - f(x - h e_j)) / (2h) of f: array -> float.",
    reference=gradcheck.numerical_gradient,
    parameters=("f", "x"),
    hyperparameters={"h": 1e-6},
    output=Array("an array with the shape of x"),
    fixed=(
        case(_CUBE, arr(1.0, -2.0, 0.5)),
        case(_WEIGHTED, arr([[1.0, -1.0, 0.5], [2.0, 0.0, -0.5]]), label="a 2-d x"),
        case(_MEAN_SQUARE, arr(0.0, 1.0, 2.0, 3.0)),
        case(_CUBE, arr(1.0, -2.0, 0.5), h=1e-3, label="h = 1e-3"),
        case(_EXP, arr(0.3, -0.2), h=0.05, label="h = 0.05"),
        case(_WAVE, arr(0.1, 0.7, -1.2), h=1e-2, label="h = 0.01"),
        case(_LOGSUMEXP, arr(0.5, -1.0, 2.0, 0.0), h=1e-3, label="h = 1e-3"),
        case(_CUBE, np.array([1, 2, 3]), tags={"integer_input"}, label="x holds integers"),
    ),
    random=_numerical_case,
    samples=lambda c: int(np.size(c.args[1])),
    tolerance=Tolerance(rtol=1e-5, atol=1e-6),
    mistakes=(
        when("integer_input", "integer x perturbed in place",
             "x holds integers, so x.copy() does too, and adding h = 1e-6 to an integer "
             "element rounds it back: your differences came out wrong. Make a float copy "
             "first: x = np.array(x, dtype=float).",
             lambda a: "integer_input" in a.case.tags and a.got is not None,
             example=numerical_gradient_integer_copy),
        either("forward_difference", "forward difference",
               "your result is the forward difference (f(x + h) - f(x)) / h: use the "
               "central difference (f(x + h e_j) - f(x - h e_j)) / (2h), which is far more "
               "accurate for the same h (its error shrinks like h², the forward one's like h).",
               *_one_sided("forward", forward_difference),
               example=(numerical_gradient_forward, numerical_gradient_forward_own_step)),
        either("backward_difference", "backward difference",
               "your result is the backward difference (f(x) - f(x - h)) / h: use the "
               "central difference (f(x + h e_j) - f(x - h e_j)) / (2h).",
               *_one_sided("backward", backward_difference),
               example=numerical_gradient_backward),
        ratio("divided_by_h", "divided by h instead of 2h",
              "your result is twice the expected one: the two points x + h and x - h are 2h "
              "apart, so divide their difference by 2h.", 2.0,
              example=numerical_gradient_over_h),
        variant("h_ignored", "h ignored",
                "your result is the one for h = 1e-6 although the check passed another h: use "
                "the h argument.",
                lambda c: gradcheck.numerical_gradient(*c.args) if "h" in c.kwargs else None,
                example=numerical_gradient_fixed_h),
        variant("rows_moved", "whole rows moved (a loop over len(x))",
                "for a 2-d x, a loop over range(len(x)) moves a whole row x[j] at once: loop "
                "over every element, e.g. for j in np.ndindex(x.shape) (or over a flat view, "
                "x.reshape(-1)).", _rows_moved,
                example=numerical_gradient_over_len),
        variant("all_at_once", "all coordinates moved together",
                "your result moves every coordinate at once, (f(x + h) - f(x - h)) / (2h): "
                "that is a directional derivative, one number. Move one coordinate j at a "
                "time, x + h e_j, for each component of the gradient.", _all_at_once,
                example=numerical_gradient_all_at_once),
        variant("not_restored", "element not put back",
                "after moving x[j] by ±h, put it back to its old value before moving the "
                "next element: your later elements were evaluated at a shifted point.",
                from_case(central_difference_not_restored),
                example=numerical_gradient_not_restored),
    ),
)


# Wrong focal losses (stable: -log p_t = softplus(-m), (1 - p_t)^γ = exp(-γ softplus(m)),
# m = z for y = 1 and -z for y = 0).

def _focal_losses(y_true, logits, gamma):
    m = np.where(y_true == 1, logits, -logits)
    return np.exp(-gamma * softplus(m)) * softplus(-m)


def _alpha_weights(y_true, alpha):
    return 1.0 if alpha is None else np.where(y_true == 1, alpha, 1 - alpha)


def focal_with_gamma_two(y_true, logits, gamma=2.0, alpha=None):
    return np.mean(_focal_losses(y_true, logits, 2.0) * _alpha_weights(y_true, alpha))


def focal_without_alpha(y_true, logits, gamma=2.0, alpha=None):
    return np.mean(_focal_losses(y_true, logits, gamma))


def focal_positive_term_only(y_true, logits, gamma=2.0, alpha=None):
    """The categorical focal loss -y (1 - p)^gamma log p applied to binary labels."""
    positives = np.asarray(y_true == 1, dtype=float)
    weight = 1.0 if alpha is None else alpha
    return np.mean(_focal_losses(y_true, logits, gamma) * positives * weight)


def focal_alpha_on_every_sample(y_true, logits, gamma=2.0, alpha=None):
    return np.mean(_focal_losses(y_true, logits, gamma) * alpha)


def focal_loss_positive_term_only(y_true, logits, gamma=2.0, alpha=None):
    p = np.exp(-np.logaddexp(0, -logits))
    log_p = -np.logaddexp(0, -logits)
    weight = 1.0 if alpha is None else alpha
    return np.mean(-weight * y_true * (1 - p) ** gamma * log_p)


def focal_loss_alpha_on_every_sample(y_true, logits, gamma=2.0, alpha=None):
    log_p_t = -np.logaddexp(0, -np.where(y_true == 1, logits, -logits))
    losses = -(1 - np.exp(log_p_t)) ** gamma * log_p_t
    return np.mean(losses if alpha is None else alpha * losses)


def focal_with_alpha_swapped(y_true, logits, gamma=2.0, alpha=None):
    return np.mean(_focal_losses(y_true, logits, gamma) * _alpha_weights(y_true, 1 - alpha))


def focal_with_p_t_to_the_gamma(y_true, logits, gamma=2.0, alpha=None):
    m = np.where(y_true == 1, logits, -logits)
    losses = np.exp(-gamma * softplus(-m)) * softplus(-m)
    return np.mean(losses * _alpha_weights(y_true, alpha))


def _focal_clipped(c, eps):
    y, z = c.args
    p_t = np.clip(sigmoid(np.where(y == 1, z, -z)), eps, 1 - eps)
    alpha = keyword(c, "alpha", None)
    weight = 1.0 if alpha is None else np.where(y == 1, alpha, 1 - alpha)
    return np.mean(-weight * (1 - p_t) ** keyword(c, "gamma", 2.0) * np.log(p_t))


def _focal_case(rng):
    n = int(rng.integers(4, 13))
    kwargs = {}
    if rng.random() < 0.5:
        kwargs["gamma"] = float(rng.choice([0.0, 0.5, 1.0, 3.0]))
    if rng.random() < 0.5:
        kwargs["alpha"] = float(rng.choice([0.25, 0.6, 0.75]))
    return case(binary_labels(rng, n), logits(rng, n), **kwargs)


# Buggy learner functions, one per mistake of focal_loss.

def _focal_per_sample(y, z, gamma=2.0, alpha=None):
    """The per-sample focal losses, as a learner computes them (stably)."""
    log_p_t = -np.logaddexp(0, -np.where(y == 1, z, -z))
    losses = -(1 - np.exp(log_p_t)) ** gamma * log_p_t
    return losses if alpha is None else losses * np.where(y == 1, alpha, 1 - alpha)


def focal_loss_log_sigmoid_overflow(y_true, logits, gamma=2.0, alpha=None):
    p = 1 / (1 + np.exp(-logits))
    p_t = np.where(y_true == 1, p, 1 - p)
    weight = 1 if alpha is None else np.where(y_true == 1, alpha, 1 - alpha)
    return np.mean(-weight * (1 - p_t) ** gamma * np.log(p_t))


def focal_loss_with_gamma_two(y_true, logits, gamma=2.0, alpha=None):
    return np.mean(_focal_per_sample(y_true, logits, 2.0, alpha))


def focal_loss_alpha_swapped(y_true, logits, gamma=2.0, alpha=None):
    losses = _focal_per_sample(y_true, logits, gamma)
    if alpha is not None:
        losses = losses * np.where(y_true == 1, 1 - alpha, alpha)
    return np.mean(losses)


def focal_loss_modulating_factor_inverted(y_true, logits, gamma=2.0, alpha=None):
    log_p_t = -np.logaddexp(0, -np.where(y_true == 1, logits, -logits))
    losses = -np.exp(log_p_t) ** gamma * log_p_t
    if alpha is not None:
        losses = losses * np.where(y_true == 1, alpha, 1 - alpha)
    return np.mean(losses)


def focal_on_probabilities(y_true, logits, gamma=2.0, alpha=None):
    p_t = np.where(y_true == 1, logits, 1 - logits)   # the logits taken as probabilities
    losses = -(1 - p_t) ** gamma * np.log(p_t)
    if alpha is not None:
        losses = losses * np.where(y_true == 1, alpha, 1 - alpha)
    return np.mean(losses)


def focal_loss_broadcast_column_vector(y_true, logits, gamma=2.0, alpha=None):
    return np.mean(_focal_per_sample(y_true.reshape(-1, 1), logits, gamma, alpha))


def focal_loss_clipped_probabilities(y_true, logits, gamma=2.0, alpha=None):
    p_t = np.clip(np.where(y_true == 1, sigmoid(logits), sigmoid(-logits)), EPS, 1 - EPS)
    weight = 1 if alpha is None else np.where(y_true == 1, alpha, 1 - alpha)
    return np.mean(-weight * (1 - p_t) ** gamma * np.log(p_t))


FOCAL_LOSS = Exercise(
    id="focal_loss",
    summary="Mean binary focal loss from logits: -alpha_t (1 - p_t)^gamma log p_t, stable.",
    reference=LOSSES["focal_loss"].function,
    parameters=("y_true", "logits"),
    hyperparameters={"gamma": 2.0, "alpha": None},
    output=Number("the cost"),
    fixed=(
        case(arr(1.0, 0.0), arr(2.0, -1.0)),
        case(arr(1.0, 0.0, 1.0, 0.0), arr(0.5, 0.5, -2.0, 3.0), gamma=0.0,
             label="gamma = 0: binary cross-entropy"),
        case(arr(1.0, 0.0, 1.0, 0.0, 0.0), arr(1.5, -0.5, -1.0, 2.0, 0.0), alpha=0.25),
        case(arr(0.0, 1.0, 1.0), arr(-3.0, 0.2, 4.0), gamma=1.0, alpha=0.75),
    ),
    random=_focal_case,
    extreme=(case(EXTREME_LABELS, EXTREME_BINARY_LOGITS, tags={"extreme"},
                  label="logits of ±500 and ±800"),),
    mistakes=(
        nonfinite("log_sigmoid_overflow", "log(sigmoid(z)) overflow",
                  "your result has inf or NaN on logits like ±500: σ(z) rounds to exactly 0 "
                  "or 1 there and log(p_t) = log(0). With m = z for y = 1 and m = -z for "
                  "y = 0: -log p_t = np.logaddexp(0, -m) and (1 - p_t)^γ = "
                  "np.exp(-γ * np.logaddexp(0, m)); nothing overflows.", tag="extreme",
                  example=focal_loss_log_sigmoid_overflow),
        variant("gamma_ignored", "gamma ignored",
                "your result is the one for gamma = 2 although the check passed another "
                "gamma: use the gamma argument in (1 - p_t) ** gamma.",
                lambda c: focal_with_gamma_two(*c.args, **c.kwargs) if "gamma" in c.kwargs else None,
                example=focal_loss_with_gamma_two),
        variant("alpha_ignored", "alpha ignored",
                "your result ignores alpha: weight positives by alpha and negatives by "
                "1 - alpha.", lambda c: focal_without_alpha(*c.args, **c.kwargs)
                if c.kwargs.get("alpha") is not None else None,
                example=lambda y, z, gamma=2.0, alpha=None: np.mean(_focal_per_sample(y, z, gamma))),
        variant("positive_term_only", "only the positives' term",
                "your result has only the term of the positive samples, "
                "-alpha (1 - p)^gamma log p: that is the categorical focal loss applied to one "
                "probability. With binary labels the negatives (y = 0) cost "
                "-(1 - alpha) p^gamma log(1 - p): use p_t = p for y = 1 and 1 - p for y = 0, "
                "and -alpha_t (1 - p_t)^gamma log p_t for every sample.",
                from_case(focal_positive_term_only), example=focal_loss_positive_term_only),
        variant("alpha_on_every_sample", "alpha on every sample",
                "you multiplied every sample's loss by alpha: alpha is the weight of the "
                "positives only, and the negatives get 1 - alpha (alpha_t = alpha for y = 1, "
                "1 - alpha for y = 0), so that alpha balances the two classes.",
                lambda c: focal_alpha_on_every_sample(*c.args, **c.kwargs)
                if c.kwargs.get("alpha") is not None else None,
                example=focal_loss_alpha_on_every_sample),
        variant("alpha_swapped", "alpha on the wrong class",
                "alpha weights the positive class (y = 1) and 1 - alpha the negatives; "
                "yours are the other way round.",
                lambda c: focal_with_alpha_swapped(*c.args, **c.kwargs)
                if c.kwargs.get("alpha") is not None else None,
                example=focal_loss_alpha_swapped),
        variant("modulating_factor_inverted", "p_t ** gamma instead of (1 - p_t) ** gamma",
                "the modulating factor is (1 - p_t) ** gamma, which shrinks the loss of "
                "well-classified samples (p_t close to 1); yours uses p_t ** gamma.",
                from_case(focal_with_p_t_to_the_gamma),
                example=focal_loss_modulating_factor_inverted),
        logits_as_probabilities(example=focal_on_probabilities),
        sum_instead_of_mean(example=lambda y, z, gamma=2.0, alpha=None: np.sum(
            _focal_per_sample(y, z, gamma, alpha))),
        log_likelihood_sign(example=lambda y, z, gamma=2.0, alpha=None: -np.mean(
            _focal_per_sample(y, z, gamma, alpha))),
        broadcast_cost(classification.focal_loss, example=focal_loss_broadcast_column_vector),
        saturated_on_extreme(_focal_clipped, example=focal_loss_clipped_probabilities),
    ),
)


# Wrong Dice losses (masks as rows; a single mask (d,) is one row).

def _overlap_and_total(y_true, y_pred):
    y, p = np.atleast_2d(y_true), np.atleast_2d(y_pred)
    return np.sum(y * p, axis=1), np.sum(y, axis=1) + np.sum(p, axis=1)


def dice_without_smooth(y_true, y_pred, smooth=1.0):
    overlap, total = _overlap_and_total(y_true, y_pred)
    return np.mean(1 - 2 * overlap / total)


def dice_smooth_in_denominator_only(y_true, y_pred, smooth=1.0):
    overlap, total = _overlap_and_total(y_true, y_pred)
    return np.mean(1 - 2 * overlap / (total + smooth))


def dice_smooth_in_numerator_only(y_true, y_pred, smooth=1.0):
    overlap, total = _overlap_and_total(y_true, y_pred)
    return np.mean(1 - (2 * overlap + smooth) / total)


def dice_without_factor_2(y_true, y_pred, smooth=1.0):
    overlap, total = _overlap_and_total(y_true, y_pred)
    return np.mean(1 - (overlap + smooth) / (total + smooth))


def dice_coefficient(y_true, y_pred, smooth=1.0):
    overlap, total = _overlap_and_total(y_true, y_pred)
    return np.mean((2 * overlap + smooth) / (total + smooth))


def dice_of_the_pooled_masks(y_true, y_pred, smooth=1.0):
    return segmentation.dice_loss(np.ravel(y_true), np.ravel(y_pred), smooth=smooth)


def dice_with_squares_in_the_denominator(y_true, y_pred, smooth=1.0):
    y, p = np.atleast_2d(y_true), np.atleast_2d(y_pred)
    total = np.sum(y ** 2, axis=1) + np.sum(p ** 2, axis=1)
    return np.mean(1 - (2 * np.sum(y * p, axis=1) + smooth) / (total + smooth))


def _dice_case(rng):
    n = int(rng.integers(2, 6))
    d = int(rng.integers(6, 17))
    truth = (rng.random((n, d)) < 0.4).astype(np.float64)
    prediction = np.clip(truth * rng.uniform(0.4, 1.0, (n, d)) + rng.uniform(0, 0.4, (n, d)), 0, 1)
    if rng.random() < 0.4:
        return case(truth, prediction, smooth=float(rng.choice([0.1, 0.5, 2.0])))
    return case(truth, prediction)


# Buggy learner functions, one per mistake of dice_loss.

def _dice_per_mask(y, p, smooth=1.0):
    """Each mask's Dice loss, as a learner computes it."""
    y, p = np.atleast_2d(y), np.atleast_2d(p)
    return 1 - (2 * (y * p).sum(-1) + smooth) / (y.sum(-1) + p.sum(-1) + smooth)


def dice_loss_smooth_below_only(y_true, y_pred, smooth=1.0):
    y, p = np.atleast_2d(y_true), np.atleast_2d(y_pred)
    return np.mean(1 - 2 * (y * p).sum(-1) / (y.sum(-1) + p.sum(-1) + smooth))


def dice_loss_smooth_above_only(y_true, y_pred, smooth=1.0):
    y, p = np.atleast_2d(y_true), np.atleast_2d(y_pred)
    return np.mean(1 - (2 * (y * p).sum(-1) + smooth) / (y.sum(-1) + p.sum(-1)))


def dice_loss_overlap_counted_once(y_true, y_pred, smooth=1.0):
    y, p = np.atleast_2d(y_true), np.atleast_2d(y_pred)
    return np.mean(1 - ((y * p).sum(-1) + smooth) / (y.sum(-1) + p.sum(-1) + smooth))


def dice_loss_with_squared_sums(y_true, y_pred, smooth=1.0):
    y, p = np.atleast_2d(y_true), np.atleast_2d(y_pred)
    return np.mean(1 - (2 * (y * p).sum(-1) + smooth) / ((y ** 2).sum(-1) + (p ** 2).sum(-1) + smooth))


def dice_loss_single_mask_axis(y_true, y_pred, smooth=1.0):
    overlap = np.sum(y_true * y_pred, axis=1)
    return np.mean(1 - (2 * overlap + smooth) / (np.sum(y_true, axis=1) + np.sum(y_pred, axis=1) + smooth))


DICE_LOSS = Exercise(
    id="dice_loss",
    summary="Mean soft Dice loss of masks (n, d) (or one mask (d,)): "
            "1 - (2 sum(y p) + smooth) / (sum(y) + sum(p) + smooth) per row.",
    reference=LOSSES["dice_loss"].function,
    parameters=("y_true", "y_pred"),
    hyperparameters={"smooth": 1.0},
    output=Number("the cost"),
    fixed=(
        case(arr([[1.0, 1.0, 0.0, 0.0, 1.0, 0.0], [0.0, 1.0, 1.0, 0.0, 0.0, 0.0]]),
             arr([[0.9, 0.7, 0.2, 0.1, 0.6, 0.0], [0.2, 0.8, 0.4, 0.1, 0.0, 0.3]]),
             label="2 masks of 6 pixels"),
        case(arr(1.0, 1.0, 0.0, 0.0), arr(0.9, 0.6, 0.2, 0.1), label="a single mask (d,)"),
        case(arr([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 1.0, 1.0]]),
             arr([[0.8, 0.1, 0.6], [0.3, 0.9, 0.2], [0.5, 0.5, 0.5]]), smooth=0.0,
             label="smooth = 0"),
    ),
    random=_dice_case,
    extreme=(
        case(arr([[0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 1.0, 0.0]]),
             arr([[0.0, 0.0, 0.0, 0.0], [0.9, 0.2, 0.7, 0.1]]), tags={"empty_mask"},
             label="an empty mask predicted empty"),
    ),
    mistakes=(
        variant("smooth_missing", "smooth term missing",
                "your result is the Dice loss without smooth: add smooth to both the "
                "numerator and the denominator, 1 - (2 sum(y p) + smooth) / "
                "(sum(y) + sum(p) + smooth); it also keeps an empty mask from giving 0/0.",
                lambda c: dice_without_smooth(*c.args) if keyword(c, "smooth", 1.0) else None,
                example=lambda y, p, smooth=1.0: np.mean(_dice_per_mask(y, p, 0.0))),
        variant("smooth_denominator_only", "smooth only in the denominator",
                "add smooth to the numerator too, so that an empty mask predicted empty has "
                "Dice 1 (loss 0).", from_case(dice_smooth_in_denominator_only),
                example=dice_loss_smooth_below_only),
        variant("smooth_numerator_only", "smooth only in the numerator",
                "add smooth to the denominator too.",
                from_case(dice_smooth_in_numerator_only), example=dice_loss_smooth_above_only),
        variant("missing_factor_2", "factor 2 missing",
                "the Dice coefficient has 2 sum(y p) in the numerator (the overlap counts for "
                "both masks).", from_case(dice_without_factor_2),
                example=dice_loss_overlap_counted_once),
        variant("coefficient_instead_of_loss", "Dice coefficient instead of the loss",
                "your result is the Dice coefficient (1 is perfect): the loss is "
                "1 - coefficient, so that lower is better.",
                from_case(dice_coefficient),
                example=lambda y, p, smooth=1.0: np.mean(1 - _dice_per_mask(y, p, smooth))),
        variant("whole_batch", "one Dice for the whole batch",
                "your result is the Dice loss of all masks pooled together: compute it for "
                "each row (one mask) with sums along axis=-1, then average the rows.",
                lambda c: dice_of_the_pooled_masks(*c.args, **c.kwargs)
                if np.ndim(c.args[0]) == 2 and c.args[0].shape[0] > 1 else None,
                example=lambda y, p, smooth=1.0: float(_dice_per_mask(y.ravel(), p.ravel(), smooth)[0])),
        variant("squared_denominator", "squares in the denominator",
                "this exercise uses the plain sums sum(y) + sum(p) in the denominator, not "
                "sums of squares.", from_case(dice_with_squares_in_the_denominator),
                example=dice_loss_with_squared_sums),
        raised("single_mask_axis", "a single mask (d,) not handled",
               "a 1-d input of shape (d,) is one mask: sum along axis=-1 (which works for "
               "both shapes) or reshape it to (1, d) first.",
               Exception, "axis 1 is out of bounds|too many indices",
               example=dice_loss_single_mask_axis),
        sum_instead_of_mean(example=lambda y, p, smooth=1.0: np.sum(_dice_per_mask(y, p, smooth))),
    ),
)


def _hinge_case(rng):
    n = int(rng.integers(4, 13))
    return case(signed_labels(rng, n), rng.normal(0, 1.5, size=n))


HINGE_LOSS = Exercise(
    id="hinge_loss",
    summary="Mean hinge loss max(0, 1 - y s) of labels in {-1, +1} and raw scores.",
    reference=LOSSES["hinge_loss"].function,
    parameters=("y_true", "y_pred"),
    output=Number("the cost"),
    fixed=(
        case(arr(1.0, -1.0, 1.0, -1.0), arr(2.0, -0.5, 0.3, 1.5)),
        case(arr(1.0, -1.0, 1.0), arr(1.0, -1.0, 3.0), label="margins exactly 1 or more: loss 0"),
        case(np.array([1, -1, -1, 1, 1]), arr(-0.2, 0.4, -2.0, 0.9, 0.0), label="integer labels"),
    ),
    random=_hinge_case,
    mistakes=(
        variant("missing_max", "max(0, ...) missing",
                "your result is mean(1 - y s) without the clip at 0: samples beyond the margin "
                "must cost 0, not a negative amount; use np.maximum(0, 1 - y * s).",
                lambda c: np.mean(1 - c.args[0] * c.args[1]),
                example=lambda y, s: np.mean(1 - y * s)),
        variant("margin_missing", "margin 1 missing",
                "your result is mean(max(0, -y s)): the hinge loss asks for a margin of 1, "
                "max(0, 1 - y s).", lambda c: np.mean(np.maximum(0, -c.args[0] * c.args[1])),
                example=lambda y, s: np.mean(np.maximum(0, -y * s))),
        variant("labels_converted", "labels converted from {0, 1}",
                "the labels are already -1 and +1: use them as they are (2 y - 1 is only "
                "needed for labels in {0, 1}).",
                lambda c: np.mean(np.maximum(0, 1 - (2 * c.args[0] - 1) * c.args[1])),
                example=lambda y, s: np.mean(np.maximum(0, 1 - (2 * y - 1) * s))),
        variant("squared_hinge", "squared hinge",
                "your result is the squared hinge loss: this exercise asks for "
                "max(0, 1 - y s) itself, not its square.",
                lambda c: np.mean(np.maximum(0, 1 - c.args[0] * c.args[1]) ** 2),
                example=lambda y, s: np.mean(np.maximum(0, 1 - y * s) ** 2)),
        sum_instead_of_mean(example=lambda y, s: np.sum(np.maximum(0, 1 - y * s))),
        broadcast_cost(margins.hinge_loss,
                       example=lambda y, s: np.mean(np.maximum(0, 1 - y.reshape(-1, 1) * s))),
    ),
)


# Wrong triplet losses (one triplet (d,) is one row).

def _distances(anchor, positive, negative, axis=-1):
    a, p, n = np.atleast_2d(anchor), np.atleast_2d(positive), np.atleast_2d(negative)
    return np.linalg.norm(a - p, axis=axis), np.linalg.norm(a - n, axis=axis)


def triplet_norms_of_whole_arrays(anchor, positive, negative, margin=1.0):
    """np.linalg.norm without axis: one norm of the whole (n, d) difference."""
    to_positive = np.linalg.norm(np.asarray(anchor) - np.asarray(positive))
    to_negative = np.linalg.norm(np.asarray(anchor) - np.asarray(negative))
    return max(0.0, float(to_positive - to_negative + margin))


def triplet_loss_norm_without_axis(anchor, positive, negative, margin=1.0):
    gap = np.linalg.norm(anchor - positive) - np.linalg.norm(anchor - negative)
    return np.maximum(0.0, gap + margin)


def triplet_with_squared_distances(anchor, positive, negative, margin=1.0):
    a, p, n = np.atleast_2d(anchor), np.atleast_2d(positive), np.atleast_2d(negative)
    return np.mean(np.maximum(0, np.sum((a - p) ** 2, axis=-1) - np.sum((a - n) ** 2, axis=-1)
                              + margin))


def triplet_without_max(anchor, positive, negative, margin=1.0):
    to_positive, to_negative = _distances(anchor, positive, negative)
    return np.mean(to_positive - to_negative + margin)


def triplet_largest_of_the_batch(anchor, positive, negative, margin=1.0):
    to_positive, to_negative = _distances(anchor, positive, negative)
    return np.max(to_positive - to_negative + margin)


def triplet_distances_along_axis_0(anchor, positive, negative, margin=1.0):
    to_positive, to_negative = _distances(anchor, positive, negative, axis=0)
    return np.mean(np.maximum(0, to_positive - to_negative + margin))


def _triplet_case(rng):
    n = int(rng.integers(3, 7))
    d = int(rng.integers(2, 6))
    if d == n:
        d += 1
    anchor = rng.normal(size=(n, d))
    positive = anchor + rng.normal(0, 0.5, size=(n, d))
    negative = anchor + rng.normal(0, 1.0, size=(n, d))
    if rng.random() < 0.4:
        return case(anchor, positive, negative, margin=float(rng.choice([0.2, 0.5, 2.0])))
    return case(anchor, positive, negative)


# Buggy learner functions, one per mistake of triplet_loss.

def _triplet_per_row(a, p, n, margin=1.0):
    """Each triplet's loss, as a learner computes it."""
    a, p, n = np.atleast_2d(a), np.atleast_2d(p), np.atleast_2d(n)
    return np.maximum(0, np.linalg.norm(a - p, axis=-1) - np.linalg.norm(a - n, axis=-1) + margin)


def triplet_loss_squared_distance(anchor, positive, negative, margin=1.0):
    a, p, n = np.atleast_2d(anchor), np.atleast_2d(positive), np.atleast_2d(negative)
    return np.mean(np.maximum(0, ((a - p) ** 2).sum(-1) - ((a - n) ** 2).sum(-1) + margin))


def triplet_loss_missing_max(anchor, positive, negative, margin=1.0):
    a, p, n = np.atleast_2d(anchor), np.atleast_2d(positive), np.atleast_2d(negative)
    return np.mean(np.linalg.norm(a - p, axis=-1) - np.linalg.norm(a - n, axis=-1) + margin)


def triplet_loss_np_max_instead_of_maximum(anchor, positive, negative, margin=1.0):
    a, p, n = np.atleast_2d(anchor), np.atleast_2d(positive), np.atleast_2d(negative)
    values = np.linalg.norm(a - p, axis=-1) - np.linalg.norm(a - n, axis=-1) + margin
    return np.mean(np.max(values, 0))


def triplet_loss_norm_along_axis_0(anchor, positive, negative, margin=1.0):
    a, p, n = np.atleast_2d(anchor), np.atleast_2d(positive), np.atleast_2d(negative)
    return np.mean(np.maximum(0, np.linalg.norm(a - p, axis=0) - np.linalg.norm(a - n, axis=0) + margin))


TRIPLET_LOSS = Exercise(
    id="triplet_loss",
    summary="Mean triplet loss max(0, |a - p| - |a - n| + margin) with Euclidean distances per row.",
    reference=embeddings.triplet_loss,
    parameters=("anchor", "positive", "negative"),
    hyperparameters={"margin": 1.0},
    output=Number("the cost"),
    fixed=(
        # d(a, p) = 0.5, 1, 1.5 and d(a, n) = 2, 0.5, 0.8: losses 0, 1.5, 1.7
        case(arr([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]]), arr([[0.5, 0.0], [1.0, 2.0], [2.0, 1.5]]),
             arr([[2.0, 0.0], [1.5, 1.0], [2.0, 0.8]]), label="3 triplets in 2-d"),
        case(arr(0.0, 0.0, 0.0), arr(1.0, 0.0, 0.0), arr(0.0, 0.5, 0.0), label="one triplet (d,)"),
        case(arr([[1.0, 2.0, 0.0, 1.0], [0.0, 0.0, 1.0, 1.0]]),
             arr([[1.0, 1.0, 0.0, 1.0], [0.5, 0.0, 1.0, 0.0]]),
             arr([[0.0, 2.0, 0.5, 1.0], [3.0, 1.0, 1.0, 1.0]]), margin=0.5),
    ),
    random=_triplet_case,
    mistakes=(
        variant("squared_distance", "squared distances",
                "your result uses squared distances: this exercise uses the Euclidean "
                "distance, the square root of the sum of squares (np.linalg.norm(a - p, "
                "axis=-1)).", from_case(triplet_with_squared_distances),
                example=triplet_loss_squared_distance),
        variant("missing_max", "max(0, ...) missing",
                "a triplet whose negative is already far enough must cost 0, not a negative "
                "amount: clip each triplet with np.maximum(0, ...), then average.",
                from_case(triplet_without_max),
                example=triplet_loss_missing_max),
        variant("positive_negative_swapped", "positive and negative swapped",
                "the loss is d(anchor, positive) - d(anchor, negative) + margin: the positive "
                "should end up closer than the negative.",
                lambda c: embeddings.triplet_loss(c.args[0], c.args[2], c.args[1], **c.kwargs),
                example=lambda a, p, n, margin=1.0: np.mean(_triplet_per_row(a, n, p, margin))),
        variant("margin_ignored", "margin ignored",
                "your result is the one for margin = 1 although the check passed another "
                "margin: use the margin argument.",
                lambda c: embeddings.triplet_loss(*c.args) if "margin" in c.kwargs else None,
                example=lambda a, p, n, margin=1.0: np.mean(_triplet_per_row(a, p, n, 1.0))),
        variant("np_max_instead_of_maximum", "np.max instead of np.maximum",
                "your result is the largest triplet value of the batch: np.max(x, 0) reduces "
                "along axis 0. The clip at zero is elementwise, np.maximum(0, x), followed by "
                "the mean.", from_case(triplet_largest_of_the_batch),
                example=triplet_loss_np_max_instead_of_maximum),
        variant("distance_wrong_axis", "distance over the wrong axis",
                "each row is one embedding: take the norm along axis=-1 (the features), one "
                "distance per triplet.",
                lambda c: triplet_distances_along_axis_0(*c.args, **c.kwargs)
                if np.ndim(c.args[0]) == 2 else None,
                example=triplet_loss_norm_along_axis_0),
        variant("norm_without_axis", "one norm of the whole array",
                "np.linalg.norm(anchor - positive) without an axis is one norm of the whole "
                "(n, d) array, all triplets together: pass axis=-1 (one distance per row, "
                "per triplet), then take the hinge of each triplet and their mean.",
                lambda c: triplet_norms_of_whole_arrays(*c.args, **c.kwargs)
                if np.ndim(c.args[0]) == 2 and np.shape(c.args[0])[0] > 1 else None,
                example=triplet_loss_norm_without_axis),
        sum_instead_of_mean(example=lambda a, p, n, margin=1.0: np.sum(_triplet_per_row(a, p, n, margin))),
    ),
)


def _wasserstein_case(rng):
    n = int(rng.integers(3, 13))
    return case(rng.normal(0, 1, size=n), rng.normal(rng.uniform(-1, 1), rng.uniform(0.5, 2), size=n))


def wasserstein_1d_cumulative_sums(u_values, v_values):
    u_cdf = np.cumsum(np.sort(np.ravel(u_values)))
    v_cdf = np.cumsum(np.sort(np.ravel(v_values)))
    return float(np.mean(np.abs(u_cdf - v_cdf)))


WASSERSTEIN_1D = Exercise(
    id="wasserstein_1d",
    summary="Wasserstein-1 distance of two equal-size 1-d samples: mean |sort(u) - sort(v)|.",
    reference=distributions.wasserstein_1d,
    parameters=("u_values", "v_values"),
    output=Number("the distance"),
    fixed=(
        case(arr(0.0, 1.0, 3.0), arr(5.0, 6.0, 8.0), label="shifted by 5"),
        case(arr(2.5, -1.0, 0.3, 1.7), arr(0.4, 2.2, -0.8, 3.1), label="unsorted samples"),
        case(arr(1.0, 2.0, 3.0), arr(3.0, 1.0, 2.0), label="the same values in another order"),
        case(arr(2.0), arr(-1.0), label="one value each"),
    ),
    random=_wasserstein_case,
    mistakes=(
        variant("not_sorted", "samples not sorted",
                "your result is mean |u - v| in the given order: sort both samples first, "
                "so that the smallest value of u is paired with the smallest of v, and so on.",
                lambda c: np.mean(np.abs(c.args[0] - c.args[1])),
                example=lambda u, v: np.mean(np.abs(u - v))),
        variant("difference_of_means", "difference of the means",
                "your result is |mean(u) - mean(v)|: that only compares the centres (it is a "
                "lower bound); W1 is mean |sort(u) - sort(v)|.",
                lambda c: abs(np.mean(c.args[0]) - np.mean(c.args[1])),
                example=lambda u, v: abs(np.mean(u) - np.mean(v))),
        variant("squared_differences", "squared differences",
                "your result is the mean *squared* difference of the sorted samples: W1 uses "
                "the absolute difference.",
                lambda c: np.mean((np.sort(c.args[0]) - np.sort(c.args[1])) ** 2),
                example=lambda u, v: np.mean((np.sort(u) - np.sort(v)) ** 2)),
        variant("opposite_order", "one sample sorted in reverse",
                "sort both samples in the same (increasing) order.",
                lambda c: np.mean(np.abs(np.sort(c.args[0]) - np.sort(c.args[1])[::-1])),
                example=lambda u, v: np.mean(np.abs(np.sort(u) - np.sort(v)[::-1]))),
        variant("cumulative_sums", "cumulative sums of the sorted values",
                "your result compares the running sums np.cumsum(np.sort(u)) and "
                "np.cumsum(np.sort(v)): those are not the distributions' CDFs. With equal-size "
                "samples the sorted values themselves are the quantiles to pair: "
                "W1 = mean |sort(u) - sort(v)|.",
                lambda c: np.mean(np.abs(np.cumsum(np.sort(c.args[0]))
                                         - np.cumsum(np.sort(c.args[1])))),
                example=wasserstein_1d_cumulative_sums),
        sum_instead_of_mean("the differences",
                            example=lambda u, v: np.sum(np.abs(np.sort(u) - np.sort(v)))),
    ),
)
