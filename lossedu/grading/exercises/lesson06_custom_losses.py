"""Lesson 06, custom losses: its exercises, their inputs and their known mistakes.

Each mistake carries an example of the buggy learner function that earns it.
``EXERCISES`` at the end lists the exercises in the course plan's order.
"""

from __future__ import annotations

import numpy as np

from lossedu import custom, gradcheck
from lossedu.grading.cases import ScalarFunction, arr, binary_labels, case, logits, signed_labels
from lossedu.grading.diagnoses import nonfinite, raised, ratio, variant, when
from lossedu.grading.exercise import Array, Exercise, Number, Tolerance
from lossedu.grading.exercises.common import (
    EPS, EXTREME_BINARY_LOGITS, EXTREME_LABELS, broadcast_cost, keyword, log_likelihood_sign,
    logits_as_probabilities, saturated_on_extreme, sigmoid, softplus, sum_instead_of_mean,
)


# Buggy learner functions' shared parts (the examples below are built from them).

def _focal_values(y, z, gamma=2.0, alpha=None, inverted=False, swap_alpha=False):
    m = np.where(y == 1, z, -z)
    factor = np.exp(-gamma * softplus(-m)) if inverted else np.exp(-gamma * softplus(m))
    losses = factor * softplus(-m)
    if alpha is not None:
        a = 1 - alpha if swap_alpha else alpha
        losses = losses * np.where(y == 1, a, 1 - a)
    return losses


def _dice_values(y, p, smooth=1.0, num=True, den=True, factor=2.0, squared=False):
    y, p = np.atleast_2d(y), np.atleast_2d(p)
    total = (y ** 2).sum(-1) + (p ** 2).sum(-1) if squared else y.sum(-1) + p.sum(-1)
    return 1 - (factor * (y * p).sum(-1) + (smooth if num else 0)) / (total + (smooth if den else 0))


def _triplet_values(a, p, n, margin=1.0, squared=False, clip=True, axis=-1):
    a, p, n = np.atleast_2d(a), np.atleast_2d(p), np.atleast_2d(n)
    if squared:
        dp, dn = ((a - p) ** 2).sum(axis), ((a - n) ** 2).sum(axis)
    else:
        dp, dn = np.linalg.norm(a - p, axis=axis), np.linalg.norm(a - n, axis=axis)
    value = dp - dn + margin
    return np.maximum(0, value) if clip else value


def _differences(f, x, h, kind):
    x = np.array(x, dtype=float)
    gradient = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = h
        if kind == "forward":
            gradient[index] = (f(x + step) - f(x)) / h
        elif kind == "backward":
            gradient[index] = (f(x) - f(x - step)) / h
        else:  # central, divided by h only
            gradient[index] = (f(x + step) - f(x - step)) / h
    return gradient


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


def _difference(c, kind: str, step=None, restore=True):
    f, x = c.args
    h = keyword(c, "h", 1e-6) if step is None else step
    point = np.array(x, dtype=np.float64)
    gradient = np.zeros_like(point)
    flat = point.reshape(-1)
    for j in range(flat.size):
        base = flat.copy() if restore else flat
        old = base[j]
        base[j] = old + h
        up = f(base.reshape(point.shape))
        base[j] = old - h
        down = f(base.reshape(point.shape))
        if restore:
            base[j] = old
        centre = f(point) if kind != "central" else 0.0
        gradient.reshape(-1)[j] = {"central": (up - down) / (2 * h), "forward": (up - centre) / h,
                                   "backward": (centre - down) / h}[kind]
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


def numerical_gradient_all_at_once(f, x, h=1e-06):
    return (np.full(np.shape(x), (f(np.asarray(x, float) + h)
                                   - f(np.asarray(x, float) - h)) / (2 * h)))


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
        variant("forward_difference", "forward difference",
                "your result is the forward difference (f(x + h) - f(x)) / h: use the "
                "central difference (f(x + h e_j) - f(x - h e_j)) / (2h), which is far more "
                "accurate for the same h.", lambda c: _difference(c, "forward"),
                example=lambda f, x, h=1e-6: _differences(f, x, h, "forward")),
        variant("backward_difference", "backward difference",
                "your result is the backward difference (f(x) - f(x - h)) / h: use the "
                "central difference (f(x + h e_j) - f(x - h e_j)) / (2h).",
                lambda c: _difference(c, "backward"),
                example=lambda f, x, h=1e-6: _differences(f, x, h, "backward")),
        ratio("divided_by_h", "divided by h instead of 2h",
              "your result is twice the expected one: the two points x + h and x - h are 2h "
              "apart, so divide their difference by 2h.", 2.0,
              example=lambda f, x, h=1e-6: _differences(f, x, h, "central_h")),
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
                lambda c: _difference(c, "central", restore=False),
                example=numerical_gradient_not_restored),
    ),
)


def _focal_formula(c, *, gamma=None, alpha="case", inverted=False, swap_alpha=False):
    y, z = c.args
    g = keyword(c, "gamma", 2.0) if gamma is None else gamma
    a = keyword(c, "alpha", None) if alpha == "case" else alpha
    signed = np.where(y == 1, z, -z)
    minus_log_pt = softplus(-signed)
    factor = np.exp(-g * softplus(-signed)) if inverted else np.exp(-g * softplus(signed))
    losses = factor * minus_log_pt
    if a is not None:
        weight = (1 - a) if swap_alpha else a
        losses = losses * np.where(y == 1, weight, 1 - weight)
    return np.mean(losses)


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


def focal_loss_log_sigmoid_overflow(y, z, gamma=2.0, alpha=None):
    return (np.mean(
-(1 - np.where(y == 1, 1 / (1 + np.exp(-z)), 1 - 1 / (1 + np.exp(-z)))) ** gamma
* np.log(np.where(y == 1, 1 / (1 + np.exp(-z)), 1 - 1 / (1 + np.exp(-z))))
* (1 if alpha is None else np.where(y == 1, alpha, 1 - alpha))))


def focal_loss_alpha_swapped(y, z, gamma=2.0, alpha=None):
    return np.mean(_focal_values(y, z, gamma, alpha, swap_alpha=True))


def focal_loss_modulating_factor_inverted(y, z, gamma=2.0, alpha=None):
    return np.mean(_focal_values(y, z, gamma, alpha, inverted=True))


def focal_on_probabilities(y_true, logits, gamma=2.0, alpha=None):
    p_t = np.where(y_true == 1, logits, 1 - logits)   # the logits taken as probabilities
    losses = -(1 - p_t) ** gamma * np.log(p_t)
    if alpha is not None:
        losses = losses * np.where(y_true == 1, alpha, 1 - alpha)
    return np.mean(losses)


def focal_loss_broadcast_column_vector(y, z, gamma=2.0, alpha=None):
    return np.mean(_focal_values(y.reshape(-1, 1), z, gamma, alpha))


def focal_loss_clipped_probabilities(y, z, gamma=2.0, alpha=None):
    return (np.mean(
-(1 - np.clip(np.where(y == 1, sigmoid(z), sigmoid(-z)), EPS, 1 - EPS)) ** gamma
* np.log(np.clip(np.where(y == 1, sigmoid(z), sigmoid(-z)), EPS, 1 - EPS))
* (1 if alpha is None else np.where(y == 1, alpha, 1 - alpha))))


FOCAL_LOSS = Exercise(
    id="focal_loss",
    summary="Mean binary focal loss from logits: -alpha_t (1 - p_t)^gamma log p_t, stable.",
    reference=custom.focal_loss,
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
                lambda c: _focal_formula(c, gamma=2.0) if "gamma" in c.kwargs else None,
                example=lambda y, z, gamma=2.0, alpha=None: np.mean(_focal_values(y, z, 2.0, alpha))),
        variant("alpha_ignored", "alpha ignored",
                "your result ignores alpha: weight positives by alpha and negatives by "
                "1 - alpha.", lambda c: _focal_formula(c, alpha=None)
                if c.kwargs.get("alpha") is not None else None,
                example=lambda y, z, gamma=2.0, alpha=None: np.mean(_focal_values(y, z, gamma))),
        variant("alpha_swapped", "alpha on the wrong class",
                "alpha weights the positive class (y = 1) and 1 - alpha the negatives; "
                "yours are the other way round.",
                lambda c: _focal_formula(c, swap_alpha=True)
                if c.kwargs.get("alpha") is not None else None,
                example=focal_loss_alpha_swapped),
        variant("modulating_factor_inverted", "p_t ** gamma instead of (1 - p_t) ** gamma",
                "the modulating factor is (1 - p_t) ** gamma, which shrinks the loss of "
                "well-classified samples (p_t close to 1); yours uses p_t ** gamma.",
                lambda c: _focal_formula(c, inverted=True),
                example=focal_loss_modulating_factor_inverted),
        logits_as_probabilities(example=focal_on_probabilities),
        sum_instead_of_mean(example=lambda y, z, gamma=2.0, alpha=None: np.sum(_focal_values(y, z, gamma, alpha))),
        log_likelihood_sign(example=lambda y, z, gamma=2.0, alpha=None: -np.mean(_focal_values(y, z, gamma, alpha))),
        broadcast_cost(custom.focal_loss, example=focal_loss_broadcast_column_vector),
        saturated_on_extreme(_focal_clipped, example=focal_loss_clipped_probabilities),
    ),
)


def _dice_formula(c, *, smooth=None, numerator_smooth=True, denominator_smooth=True, factor=2.0,
                  squared=False, whole_batch=False, coefficient=False):
    y, p = np.atleast_2d(c.args[0]), np.atleast_2d(c.args[1])
    if whole_batch:
        y, p = y.reshape(1, -1), p.reshape(1, -1)
    s = keyword(c, "smooth", 1.0) if smooth is None else smooth
    inter = np.sum(y * p, axis=1)
    total = np.sum(y ** 2, axis=1) + np.sum(p ** 2, axis=1) if squared else \
        np.sum(y, axis=1) + np.sum(p, axis=1)
    dice = (factor * inter + (s if numerator_smooth else 0.0)) / \
        (total + (s if denominator_smooth else 0.0))
    return np.mean(dice if coefficient else 1 - dice)


def _dice_case(rng):
    n = int(rng.integers(2, 6))
    d = int(rng.integers(6, 17))
    truth = (rng.random((n, d)) < 0.4).astype(np.float64)
    prediction = np.clip(truth * rng.uniform(0.4, 1.0, (n, d)) + rng.uniform(0, 0.4, (n, d)), 0, 1)
    if rng.random() < 0.4:
        return case(truth, prediction, smooth=float(rng.choice([0.1, 0.5, 2.0])))
    return case(truth, prediction)


def dice_loss_single_mask_axis(y, p, smooth=1.0):
    return (np.mean(
1 - (2 * np.sum(y * p, axis=1) + smooth) / (np.sum(y, axis=1) + np.sum(p, axis=1) + smooth)))


DICE_LOSS = Exercise(
    id="dice_loss",
    summary="Mean soft Dice loss of masks (n, d) (or one mask (d,)): "
            "1 - (2 sum(y p) + smooth) / (sum(y) + sum(p) + smooth) per row.",
    reference=custom.dice_loss,
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
                lambda c: _dice_formula(c, smooth=0.0) if keyword(c, "smooth", 1.0) else None,
                example=lambda y, p, smooth=1.0: np.mean(_dice_values(y, p, 0.0))),
        variant("smooth_denominator_only", "smooth only in the denominator",
                "add smooth to the numerator too, so that an empty mask predicted empty has "
                "Dice 1 (loss 0).", lambda c: _dice_formula(c, numerator_smooth=False),
                example=lambda y, p, smooth=1.0: np.mean(_dice_values(y, p, smooth, num=False))),
        variant("smooth_numerator_only", "smooth only in the numerator",
                "add smooth to the denominator too.",
                lambda c: _dice_formula(c, denominator_smooth=False),
                example=lambda y, p, smooth=1.0: np.mean(_dice_values(y, p, smooth, den=False))),
        variant("missing_factor_2", "factor 2 missing",
                "the Dice coefficient has 2 sum(y p) in the numerator (the overlap counts for "
                "both masks).", lambda c: _dice_formula(c, factor=1.0),
                example=lambda y, p, smooth=1.0: np.mean(_dice_values(y, p, smooth, factor=1.0))),
        variant("coefficient_instead_of_loss", "Dice coefficient instead of the loss",
                "your result is the Dice coefficient (1 is perfect): the loss is "
                "1 - coefficient, so that lower is better.",
                lambda c: _dice_formula(c, coefficient=True),
                example=lambda y, p, smooth=1.0: np.mean(1 - _dice_values(y, p, smooth))),
        variant("whole_batch", "one Dice for the whole batch",
                "your result is the Dice loss of all masks pooled together: compute it for "
                "each row (one mask) with sums along axis=-1, then average the rows.",
                lambda c: _dice_formula(c, whole_batch=True) if np.ndim(c.args[0]) == 2
                and c.args[0].shape[0] > 1 else None,
                example=lambda y, p, smooth=1.0: float(_dice_values(y.ravel(), p.ravel(), smooth)[0])),
        variant("squared_denominator", "squares in the denominator",
                "this exercise uses the plain sums sum(y) + sum(p) in the denominator, not "
                "sums of squares.", lambda c: _dice_formula(c, squared=True),
                example=lambda y, p, smooth=1.0: np.mean(_dice_values(y, p, smooth, squared=True))),
        raised("single_mask_axis", "a single mask (d,) not handled",
               "a 1-d input of shape (d,) is one mask: sum along axis=-1 (which works for "
               "both shapes) or reshape it to (1, d) first.",
               Exception, "axis 1 is out of bounds|too many indices",
               example=dice_loss_single_mask_axis),
        sum_instead_of_mean(example=lambda y, p, smooth=1.0: np.sum(_dice_values(y, p, smooth))),
    ),
)


def _hinge_case(rng):
    n = int(rng.integers(4, 13))
    return case(signed_labels(rng, n), rng.normal(0, 1.5, size=n))


HINGE_LOSS = Exercise(
    id="hinge_loss",
    summary="Mean hinge loss max(0, 1 - y s) of labels in {-1, +1} and raw scores.",
    reference=custom.hinge_loss,
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
        broadcast_cost(custom.hinge_loss,
                       example=lambda y, s: np.mean(np.maximum(0, 1 - y.reshape(-1, 1) * s))),
    ),
)


def _triplet_formula(c, *, squared=False, use_max=True, margin=None, axis=-1, swap=False,
                     largest=False):
    a, p, n = (np.atleast_2d(v) for v in c.args)
    if swap:
        p, n = n, p
    m = keyword(c, "margin", 1.0) if margin is None else margin
    if squared:
        dp, dn = np.sum((a - p) ** 2, axis=axis), np.sum((a - n) ** 2, axis=axis)
    else:
        dp, dn = np.linalg.norm(a - p, axis=axis), np.linalg.norm(a - n, axis=axis)
    value = dp - dn + m
    if largest:  # np.max(value, 0): the largest over the batch, not a clip
        return np.max(value)
    return np.mean(np.maximum(0, value) if use_max else value)


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


def triplet_loss_squared_distance(a, p, n, margin=1.0):
    return np.mean(_triplet_values(a, p, n, margin, squared=True))


def triplet_loss_missing_max(a, p, n, margin=1.0):
    return np.mean(_triplet_values(a, p, n, margin, clip=False))


def triplet_loss_np_max_instead_of_maximum(a, p, n, margin=1.0):
    return np.mean(np.max(_triplet_values(a, p, n, margin, clip=False), 0))


TRIPLET_LOSS = Exercise(
    id="triplet_loss",
    summary="Mean triplet loss max(0, |a - p| - |a - n| + margin) with Euclidean distances per row.",
    reference=custom.triplet_loss,
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
                "axis=-1)).", lambda c: _triplet_formula(c, squared=True),
                example=triplet_loss_squared_distance),
        variant("missing_max", "max(0, ...) missing",
                "a triplet whose negative is already far enough must cost 0, not a negative "
                "amount: clip each triplet with np.maximum(0, ...), then average.",
                lambda c: _triplet_formula(c, use_max=False),
                example=triplet_loss_missing_max),
        variant("positive_negative_swapped", "positive and negative swapped",
                "the loss is d(anchor, positive) - d(anchor, negative) + margin: the positive "
                "should end up closer than the negative.",
                lambda c: _triplet_formula(c, swap=True),
                example=lambda a, p, n, margin=1.0: np.mean(_triplet_values(a, n, p, margin))),
        variant("margin_ignored", "margin ignored",
                "your result is the one for margin = 1 although the check passed another "
                "margin: use the margin argument.",
                lambda c: _triplet_formula(c, margin=1.0) if "margin" in c.kwargs else None,
                example=lambda a, p, n, margin=1.0: np.mean(_triplet_values(a, p, n, 1.0))),
        variant("np_max_instead_of_maximum", "np.max instead of np.maximum",
                "your result is the largest triplet value of the batch: np.max(x, 0) reduces "
                "along axis 0. The clip at zero is elementwise, np.maximum(0, x), followed by "
                "the mean.", lambda c: _triplet_formula(c, largest=True),
                example=triplet_loss_np_max_instead_of_maximum),
        variant("distance_wrong_axis", "distance over the wrong axis",
                "each row is one embedding: take the norm along axis=-1 (the features), one "
                "distance per triplet.",
                lambda c: _triplet_formula(c, axis=0) if np.ndim(c.args[0]) == 2 else None,
                example=lambda a, p, n, margin=1.0: np.mean(_triplet_values(a, p, n, margin, axis=0))),
        sum_instead_of_mean(example=lambda a, p, n, margin=1.0: np.sum(_triplet_values(a, p, n, margin))),
    ),
)


def _wasserstein_case(rng):
    n = int(rng.integers(3, 13))
    return case(rng.normal(0, 1, size=n), rng.normal(rng.uniform(-1, 1), rng.uniform(0.5, 2), size=n))


WASSERSTEIN_1D = Exercise(
    id="wasserstein_1d",
    summary="Wasserstein-1 distance of two equal-size 1-d samples: mean |sort(u) - sort(v)|.",
    reference=custom.wasserstein_1d,
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
        sum_instead_of_mean("the differences",
                            example=lambda u, v: np.sum(np.abs(np.sort(u) - np.sort(v)))),
    ),
)

#: This lesson's exercises, in the order the course plan gives.
EXERCISES = (NUMERICAL_GRADIENT, FOCAL_LOSS, DICE_LOSS, HINGE_LOSS, TRIPLET_LOSS, WASSERSTEIN_1D)
