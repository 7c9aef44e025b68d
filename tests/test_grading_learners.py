"""Wrong answers written the way learners write them, and the share told their actual mistake.

The wrong functions below are written after the forms learners' solutions of
these exercises take in public code (a typo such as ``(1 - y) + log(1 - p)``,
``math.exp`` on an array, ``np.max(0, x)``, a Keras-style focal loss with only
the positives' term, a list of per-sample losses, ...), each labelled with the
mistake it has.  Together with every declared mistake's own example they
measure the share of wrong functions whose failure names their actual
mistake; the goal is at least 90%.  Correct answers written in the same
styles must pass.

Run ``python tests/test_grading_learners.py`` to print the figure.
"""

import contextlib
import io
import math
import os
import sys

import numpy as np
import pytest

from lossedu.grading import CheckFailed, check

EPS = 1e-7
WRONG = []  # (exercise id, the mistake it has, function)


def wrong(exercise_id, mistake):
    def register(function):
        WRONG.append((exercise_id, mistake, function))
        return function
    return register

@wrong("binary_cross_entropy", "clip_eps")
def bce_eps_inside_log(y_true, y_pred):
    tiny = 1e-10
    return -np.mean(y_true * np.log(y_pred + tiny) + (1 - y_true) * np.log(1 - y_pred + tiny))


@wrong("binary_cross_entropy", "plus_instead_of_times")
def bce_plus_typo(y_true, y_pred):
    p = np.clip(y_pred, EPS, 1 - EPS)
    n = y_true.shape[0]
    return -np.sum(y_true * np.log(p) + (1 - y_true) + np.log(1 - p)) / n


@wrong("binary_cross_entropy", "log1p_instead_of_log")
def bce_log1p(y_true, y_pred):
    p = np.clip(y_pred, EPS, 1 - EPS)
    return np.mean(-y_true * np.log1p(p) - (1 - y_true) * np.log1p(1 - p))


@wrong("binary_cross_entropy", "log_of_zero")
def bce_unclipped(y_true, y_pred):
    return np.mean(-y_true * np.log(y_pred) - (1 - y_true) * np.log(1 - y_pred))


@wrong("binary_cross_entropy", "swapped_arguments")
def bce_prediction_first(y_pred, y_true):
    p = np.clip(y_pred, EPS, 1 - EPS)
    return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))


@wrong("softmax", "whole_array")
def softmax_global_sum(z):
    return np.exp(z) / np.sum(np.exp(z))


@wrong("softmax", "wrong_axis")
def softmax_axis0(z):
    e = np.exp(z - np.max(z, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)


@wrong("softmax", "softmax_overflow")
def softmax_transposed(z):
    return (np.exp(z).T / np.sum(np.exp(z), axis=-1)).T


@wrong("softmax", "global_max_shift")
def softmax_global_max(z):
    e = np.exp(z - np.max(z))
    return e / e.sum(axis=-1, keepdims=True)


@wrong("sigmoid", "math_on_array")
def sigmoid_math(z):
    return 1 / (1 + math.exp(-z))


@wrong("sigmoid", "unstable")
def sigmoid_plain(z):
    return 1.0 / (1.0 + np.exp(-z))


@wrong("huber", "sum_instead_of_mean")
def huber_summed(y_true, y_pred, *, delta=1.0):
    r = np.abs(y_true - y_pred)
    return np.sum(np.where(r < delta, 0.5 * r ** 2, delta * r - 0.5 * delta ** 2))


@wrong("huber", "linear_without_abs")
def huber_signed_linear(y_true, y_pred, *, delta=1.0):
    e = y_true - y_pred
    return np.mean(np.where(np.abs(e) <= delta, 0.5 * e ** 2, delta * (e - 0.5 * delta)))


@wrong("mse", "axis_out_of_range")
def mse_axis1(y_true, y_pred):
    return np.mean(np.mean(np.square(y_true - y_pred), axis=1))


@wrong("mse", "root_mean_squared")
def mse_rooted(y_true, y_pred):
    return np.sqrt(np.mean((y_true - y_pred) ** 2))


@wrong("mse", "divided_by_rows")
def mse_over_len(y_true, y_pred):
    return np.sum((y_true - y_pred) ** 2) / len(y_true)


@wrong("dice_loss", "whole_batch")
def dice_flat(y_true, y_pred, *, smooth=1.0):
    a, b = y_pred.reshape(-1), y_true.reshape(-1)
    overlap = np.sum(a * b)
    return 1 - (2 * overlap + smooth) / (a.sum() + b.sum() + smooth)


@wrong("triplet_loss", "squared_distance")
def triplet_squared(anchor, positive, negative, *, margin=1.0):
    d_ap = np.sum((anchor - positive) ** 2, axis=-1)
    d_an = np.sum((anchor - negative) ** 2, axis=-1)
    return np.mean(np.maximum(d_ap - d_an + margin, 0.0))


@wrong("triplet_loss", "sum_instead_of_mean")
def triplet_summed(anchor, positive, negative, *, margin=1.0):
    d_ap = np.linalg.norm(anchor - positive, axis=1)
    d_an = np.linalg.norm(anchor - negative, axis=1)
    return np.sum(np.maximum(0.0, d_ap - d_an + margin))


@wrong("triplet_loss", "norm_without_axis")
def triplet_norm_of_matrix(anchor, positive, negative, *, margin=1.0):
    d_ap = np.linalg.norm(anchor - positive)
    d_an = np.linalg.norm(anchor - negative)
    return np.maximum(0.0, d_ap - d_an + margin)


@wrong("focal_loss", "positive_term_only")
def focal_positive_only(y_true, logits, *, gamma=2.0, alpha=None):
    p = np.clip(1 / (1 + np.exp(-np.clip(logits, -50, 50))), EPS, 1 - EPS)
    weight = 1.0 if alpha is None else alpha
    return np.mean(-y_true * weight * (1 - p) ** gamma * np.log(p))


@wrong("focal_loss", "alpha_on_every_sample")
def focal_alpha_everywhere(y_true, logits, *, gamma=2.0, alpha=None):
    log_p = -np.logaddexp(0, -logits)
    log_q = -np.logaddexp(0, logits)
    p_t = np.where(y_true == 1, np.exp(log_p), np.exp(log_q))
    ce = -np.where(y_true == 1, log_p, log_q)
    weight = 1.0 if alpha is None else alpha
    return np.mean(weight * (1 - p_t) ** gamma * ce)


@wrong("categorical_cross_entropy", "mean_over_classes")
def cce_mean_everything(y_true, y_pred):
    rows = np.eye(y_pred.shape[1])[y_true] if y_true.ndim == 1 else y_true
    return -np.mean(rows * np.log(np.clip(y_pred, 1e-7, 1)))


@wrong("categorical_cross_entropy", "log_of_zero")
def cce_unclipped(y_true, y_pred):
    rows = np.eye(y_pred.shape[1])[y_true] if y_true.ndim == 1 else y_true
    return -np.sum(rows * np.log(y_pred)) / len(rows)


@wrong("one_hot", "classes_from_labels")
def one_hot_from_max(labels, num_classes):
    out = np.zeros((len(labels), np.max(labels) + 1))
    out[np.arange(len(labels)), labels] = 1
    return out


@wrong("hinge_loss", "max_instead_of_maximum")
def hinge_np_max(y_true, y_pred):
    return np.mean(np.max(0, 1 - y_true * y_pred))


@wrong("hinge_loss", "array_truth_value")
def hinge_python_max(y_true, y_pred):
    return np.mean(max(0, 1 - y_true * y_pred))


@wrong("wasserstein_1d", "not_sorted")
def wasserstein_unsorted(u_values, v_values):
    return np.mean(np.abs(u_values - v_values))


@wrong("l2_penalty", "norm_not_squared")
def l2_norm(weights, *, strength=1.0):
    return strength * np.linalg.norm(weights)


@wrong("l2_penalty", "half_factor")
def l2_half(weights, *, strength=1.0):
    return 0.5 * strength * np.sum(weights ** 2)


@wrong("log_softmax", "logsumexp_overflow")
def log_softmax_plain(z):
    return z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))


@wrong("binary_cross_entropy", "list_instead_of_number")
def bce_list(y_true, y_pred):
    out = []
    for y, p in zip(y_true, y_pred):
        p = min(max(p, 1e-7), 1 - 1e-7)
        out.append(-(y * math.log(p) + (1 - y) * math.log(1 - p)))
    return out


@wrong("accuracy", "percentage")
def accuracy_percent(y_true, y_pred):
    return 100.0 * np.mean(y_true == y_pred)


@wrong("mse_grad", "gradient_missing_mean")
def mse_grad_no_mean(y_true, y_pred):
    return 2 * (y_pred - y_true)


@wrong("cost", "sum_instead_of_mean")
def cost_summed(y_true, y_pred):
    return np.sum((y_true - y_pred) ** 2)


@wrong("sigmoid", "sigmoid_precedence")
def sigmoid_precedence(z):
    return 1.0 / 1.0 + np.exp(-z)


@wrong("categorical_cross_entropy", "sum_instead_of_mean")
def cce_total(y_true, y_pred):
    rows = np.eye(y_pred.shape[1])[y_true] if y_true.ndim == 1 else y_true
    return -np.sum(rows * np.log(np.clip(y_pred, 1e-7, 1.0)))


@wrong("categorical_cross_entropy", "clip_eps")
def cce_eps_added(y_true, y_pred):
    rows = np.eye(y_pred.shape[1])[y_true] if y_true.ndim == 1 else y_true
    return -np.sum(rows * np.log(y_pred + 1e-9)) / rows.shape[0]


@wrong("categorical_cross_entropy", "per_sample_instead_of_cost")
def cce_per_sample(y_true, y_pred):
    rows = np.eye(y_pred.shape[1])[y_true] if y_true.ndim == 1 else y_true
    return -np.sum(rows * np.log(np.clip(y_pred, 1e-7, 1.0)), axis=-1)


@wrong("categorical_cross_entropy", "labels_as_rows")
def cce_rows_only(y_true, y_pred):
    return -np.mean(np.sum(y_true * np.log(np.clip(y_pred, 1e-7, 1.0)), axis=-1))


@wrong("gradient_descent_step", "gradient_ascent")
def gd_plus(X, y, w, b, learning_rate):
    residual = X @ w + b - y
    n = len(y)
    step = learning_rate * 2 / n
    return w + step * (X.T @ residual), b + step * np.sum(residual)


@wrong("gradient_descent_step", "missing_factor_2")
def gd_no_two(X, y, w, b, learning_rate):
    m = X.shape[0]
    y_hat = np.dot(X, w) + b
    dw = -(1 / m) * np.dot(X.T, (y - y_hat))
    db = -(1 / m) * np.sum(y - y_hat)
    return w - learning_rate * dw, b - learning_rate * db


@wrong("mae", "missing_absolute_value")
def mae_signed(y_true, y_pred):
    return np.mean(y_true - y_pred)


@wrong("f1_score", "zero_division")
def f1_nan(y_true, y_pred):
    tp = np.sum((y_true == 1) & (y_pred == 1))
    fp = np.sum((y_true == 0) & (y_pred == 1))
    fn = np.sum((y_true == 1) & (y_pred == 0))
    precision = tp / (tp + fp)
    recall = tp / (tp + fn)
    return 2 * precision * recall / (precision + recall)


@wrong("accuracy", "count_instead_of_fraction")
def accuracy_count(y_true, y_pred):
    return np.sum(y_true == y_pred)


@wrong("dice_loss", "coefficient_instead_of_loss")
def dice_coefficient(y_true, y_pred, *, smooth=1.0):
    axes = tuple(range(1, y_true.ndim))
    overlap = np.sum(y_true * y_pred, axis=axes)
    total = y_true.sum(axis=axes) + y_pred.sum(axis=axes)
    return np.mean((2 * overlap + smooth) / (total + smooth))


@wrong("huber", "branches_swapped")
def huber_swapped(y_true, y_pred, *, delta=1.0):
    r = np.abs(y_pred - y_true)
    return np.mean(np.where(r > delta, 0.5 * r ** 2, delta * (r - 0.5 * delta)))


@wrong("steps_to_accuracy", "list_instead_of_number")
def steps_all_indices(accuracy_history, target):
    return [i for i, value in enumerate(accuracy_history) if value >= target] or -1


@wrong("one_hot", "columns_from_unique_labels")
def one_hot_unique(labels, num_classes):
    out = np.zeros((len(labels), num_classes))
    for j, value in enumerate(np.unique(labels)):
        out[labels == value, j] = 1.0
    return out


@wrong("one_hot", "squeezed")
def one_hot_squeeze(labels, num_classes):
    return np.eye(num_classes)[labels].squeeze()


@wrong("wasserstein_1d", "cumulative_sums")
def wasserstein_running_sums(u_values, v_values):
    return np.mean(np.abs(np.cumsum(np.sort(u_values)) - np.cumsum(np.sort(v_values))))


@wrong("anomaly_threshold", "sample_std")
def threshold_sample_std(errors, *, k=3.0):
    return np.mean(errors) + k * np.std(errors, ddof=1)


# A second set, for the exercises the first did not cover, each told its mistake
# without a new diagnosis (of the first set, 28 of 35 were told theirs before the
# diagnoses it called for were added).

@wrong("squared_error", "cost_instead_of_losses")
def se_mean(y_true, y_pred):
    return np.mean((y_true - y_pred) ** 2)

@wrong("squared_error", "half_factor")
def se_half(y_true, y_pred):
    return 0.5 * (y_pred - y_true) ** 2

@wrong("predict", "missing_bias")
def predict_no_b(X, w, b):
    return np.dot(X, w)

@wrong("predict", "weights_before_features")
def predict_w_first(X, w, b):
    return w @ X + b

@wrong("mse_grad", "gradient_sign")
def mse_grad_sign(y_true, y_pred):
    return 2 * (y_true - y_pred) / y_true.size

@wrong("mse_grad", "missing_factor_2")
def mse_grad_no2(y_true, y_pred):
    return (y_pred - y_true) / y_true.size

@wrong("huber_grad", "not_clipped")
def huber_grad_raw(y_true, y_pred, *, delta=1.0):
    return (y_pred - y_true) / y_true.size

@wrong("huber_grad", "slope_one_outside")
def huber_grad_sign_only(y_true, y_pred, *, delta=1.0):
    r = y_pred - y_true
    return np.where(np.abs(r) <= delta, r, np.sign(r)) / r.size

@wrong("f1_score", "arithmetic_mean")
def f1_average(y_true, y_pred):
    tp = np.sum(y_true * y_pred)
    fp = np.sum((1 - y_true) * y_pred)
    fn = np.sum(y_true * (1 - y_pred))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return (p + r) / 2

@wrong("f1_score", "precision_instead")
def f1_precision(y_true, y_pred):
    tp = np.sum((y_true == 1) & (y_pred == 1))
    fp = np.sum((y_true == 0) & (y_pred == 1))
    return tp / (tp + fp) if tp + fp else 0.0

@wrong("steps_to_accuracy", "strict_inequality")
def steps_strict(accuracy_history, target):
    for i, a in enumerate(accuracy_history):
        if a > target:
            return i
    return -1

@wrong("steps_to_accuracy", "none_when_never")
def steps_none(accuracy_history, target):
    for i, a in enumerate(accuracy_history):
        if a >= target:
            return i

@wrong("log_softmax", "log_of_softmax")
def log_softmax_via_softmax(z):
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return np.log(e / np.sum(e, axis=-1, keepdims=True))

@wrong("categorical_cross_entropy_with_logits", "class_weight_ignored")
def cce_logits_no_weight(y_true, logits, class_weight=None):
    m = logits.max(axis=1, keepdims=True)
    lsm = logits - m - np.log(np.exp(logits - m).sum(axis=1, keepdims=True))
    rows = np.eye(logits.shape[1])[y_true] if y_true.ndim == 1 else y_true
    return -np.sum(rows * lsm) / len(rows)

@wrong("categorical_cross_entropy_with_logits", "one_hot_confusion")
def cce_logits_rows_assumed(y_true, logits, class_weight=None):
    m = logits.max(axis=1, keepdims=True)
    lsm = logits - m - np.log(np.exp(logits - m).sum(axis=1, keepdims=True))
    return -np.mean(np.sum(y_true * lsm, axis=1))

@wrong("categorical_cross_entropy_with_logits_grad", "gradient_missing_mean")
def cce_grad_no_n(y_true, logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    rows = np.eye(logits.shape[1])[y_true] if y_true.ndim == 1 else y_true
    return p - rows

@wrong("binary_cross_entropy_with_logits_grad", "gradient_wrt_probability")
def bce_grad_wrt_p(y_true, logits):
    p = np.exp(-np.logaddexp(0, -logits))
    return (-(y_true / p) + (1 - y_true) / (1 - p)) / len(y_true)

@wrong("binary_cross_entropy_with_logits", "clipped_probabilities")
def bce_logits_clip(y_true, logits):
    p = np.clip(0.5 * (1 + np.tanh(0.5 * logits)), 1e-7, 1 - 1e-7)
    return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))

@wrong("numerical_gradient", "divided_by_h")
def ng_over_h(f, x, *, h=1e-6):
    g = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        xp = x.astype(float).copy()
        xm = x.astype(float).copy()
        xp[i] += h
        xm[i] -= h
        g[i] = (f(xp) - f(xm)) / h
    return g

@wrong("numerical_gradient", "rows_moved")
def ng_rows(f, x, *, h=1e-6):
    x = x.astype(float)
    g = np.zeros_like(x)
    for i in range(len(x)):
        xp = x.copy()
        xm = x.copy()
        xp[i] += h
        xm[i] -= h
        g[i] = (f(xp) - f(xm)) / (2 * h)
    return g

@wrong("focal_loss", "gamma_ignored")
def focal_gamma2(y_true, logits, *, gamma=2.0, alpha=None):
    lp = -np.logaddexp(0, -np.where(y_true == 1, logits, -logits))
    w = 1.0 if alpha is None else np.where(y_true == 1, alpha, 1 - alpha)
    return np.mean(-w * (1 - np.exp(lp)) ** 2 * lp)

@wrong("dice_loss", "smooth_missing")
def dice_no_smooth(y_true, y_pred, *, smooth=1.0):
    axes = tuple(range(1, y_true.ndim))
    inter = np.sum(y_true * y_pred, axis=axes)
    return np.mean(1 - 2 * inter / (np.sum(y_true, axis=axes) + np.sum(y_pred, axis=axes)))

@wrong("hinge_loss", "squared_hinge")
def hinge_sq(y_true, y_pred):
    return np.mean(np.maximum(0, 1 - y_true * y_pred) ** 2)

@wrong("hinge_loss", "labels_converted")
def hinge_convert(y_true, y_pred):
    y = 2 * y_true - 1
    return np.mean(np.maximum(0, 1 - y * y_pred))

@wrong("l2_penalty", "mean_instead_of_sum")
def l2_mean(weights, *, strength=1.0):
    return strength * np.mean(weights ** 2)

@wrong("regularized_cost", "penalty_divided_by_n")
def reg_cost_over_n(y_true, y_pred, weights, *, strength):
    n = len(y_true)
    return np.mean((y_true - y_pred) ** 2) + strength * np.sum(weights ** 2) / n

@wrong("regularized_cost", "l1_penalty")
def reg_cost_l1(y_true, y_pred, weights, *, strength):
    return np.mean((y_true - y_pred) ** 2) + strength * np.sum(np.abs(weights))

@wrong("anomaly_threshold", "k_ignored")
def threshold_3(errors, *, k=3.0):
    return errors.mean() + 3 * errors.std()

@wrong("anomaly_threshold", "median_instead")
def threshold_median(errors, *, k=3.0):
    return np.median(errors) + k * np.std(errors)

@wrong("cost", "root_mean_squared")
def cost_rmse(y_true, y_pred):
    return math.sqrt(np.mean((y_true - y_pred) ** 2))

@wrong("gradient_descent_step", "bias_not_updated")
def gd_no_bias(X, y, w, b, learning_rate):
    err = X @ w + b - y
    return w - learning_rate * 2 * X.T @ err / len(y), b

@wrong("mae", "squared_instead_of_absolute")
def mae_sq(y_true, y_pred):
    return np.mean(np.square(y_true - y_pred))

@wrong("accuracy", "error_rate")
def acc_err(y_true, y_pred):
    return np.mean(y_true != y_pred)

@wrong("softmax", "double_softmax")
def softmax_twice(z):
    def sm(v):
        e = np.exp(v - v.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    return sm(sm(z))

@wrong("categorical_cross_entropy_with_logits", "double_softmax")
def cce_logits_of_probs(y_true, logits, class_weight=None):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    m = p.max(axis=1, keepdims=True)
    lsm = p - m - np.log(np.exp(p - m).sum(axis=1, keepdims=True))
    rows = np.eye(logits.shape[1])[y_true] if y_true.ndim == 1 else y_true
    w = np.ones(logits.shape[1]) if class_weight is None else class_weight
    return -np.sum(w * rows * lsm) / np.sum(rows @ w)


# --- correct answers in the same styles -------------------------------------------

def bce_clipped_loop(y_true, y_pred):
    total = 0.0
    for y, p in zip(y_true, y_pred):
        p = min(max(float(p), 1e-7), 1 - 1e-7)
        total += -(y * math.log(p) + (1 - y) * math.log(1 - p))
    return total / len(y_true)


def softmax_keepdims(z):
    shifted = z - np.max(z, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)


def huber_strict_inequality(y_true, y_pred, *, delta=1.0):
    r = np.abs(y_true - y_pred)
    return np.mean(np.where(r < delta, 0.5 * r ** 2, delta * r - 0.5 * delta ** 2))


def triplet_relu(anchor, positive, negative, *, margin=1.0):
    d_ap = np.linalg.norm(anchor - positive, axis=-1)
    d_an = np.linalg.norm(anchor - negative, axis=-1)
    return np.mean(np.maximum(d_ap - d_an + margin, 0.0))


def sigmoid_tanh(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def cce_with_eps_clip(y_true, y_pred):
    rows = np.eye(y_pred.shape[1])[y_true] if y_true.ndim == 1 else y_true
    return float(np.mean(-np.sum(rows * np.log(np.clip(y_pred, 1e-7, 1.0)), axis=-1)))


def one_hot_indexing(labels, num_classes):
    out = np.zeros((labels.shape[0], num_classes))
    out[np.arange(labels.shape[0]), labels] = 1
    return out


RIGHT = [
    ("one_hot", one_hot_indexing),
    ("binary_cross_entropy", bce_clipped_loop),
    ("softmax", softmax_keepdims),
    ("huber", huber_strict_inequality),
    ("triplet_loss", triplet_relu),
    ("sigmoid", sigmoid_tanh),
    ("categorical_cross_entropy", cce_with_eps_clip),
]


def diagnosis(exercise_id, function):
    """The diagnosis the check gives, "PASSED" when it passes."""
    try:
        check(exercise_id, function)
    except CheckFailed as failure:
        return failure.diagnosis
    return "PASSED"


@pytest.mark.parametrize("exercise_id,mistake,function", WRONG,
                         ids=[f"{e}-{m}-{f.__name__}" for e, m, f in WRONG])
def test_a_learners_wrong_answer_is_told_its_mistake(exercise_id, mistake, function):
    assert diagnosis(exercise_id, function) == mistake


@pytest.mark.parametrize("exercise_id,function", RIGHT, ids=[f.__name__ for _, f in RIGHT])
def test_a_learners_right_answer_passes(exercise_id, function):
    assert diagnosis(exercise_id, function) == "PASSED"


def share_told_their_mistake():
    """(told, total, misses) over the learners' wrong answers and every mistake's example."""
    from tests.test_grading_mistakes import EXAMPLES, as_learner_code

    answers = [(e, m, f) for e, m, f in WRONG]
    answers += [(e, mistake.name, as_learner_code(f)) for e, mistake, f in EXAMPLES]
    with contextlib.redirect_stdout(io.StringIO()):  # what the examples print
        misses = [(e, m, f.__name__, got) for e, m, f in answers
                  if (got := diagnosis(e, f)) != m]
    return len(answers) - len(misses), len(answers), misses


def test_at_least_nine_in_ten_wrong_answers_are_told_their_mistake():
    told, total, misses = share_told_their_mistake()
    assert not [miss for miss in misses if miss[3] == "PASSED"], "a wrong answer passed"
    assert told / total >= 0.9, misses


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    told, total, misses = share_told_their_mistake()
    print(f"{told} of {total} wrong answers told their actual mistake ({told / total:.1%})")
    for miss in misses:
        print("  not told:", *miss)
