"""Every known mistake is recognised: a function with exactly that bug gets exactly that hint.

``BUGGY`` lists, for every mistake each exercise declares (and every generic
mistake), a function written with that bug.  The check must fail with that
diagnosis, and its message must name the mistake and show the input, the
expected value and what came back.
"""

import numpy as np
import pytest

from lossedu.grading import EXERCISES, CheckFailed, check
from lossedu.grading.diagnoses import GENERIC_AFTER, GENERIC_BEFORE

EPS = 1e-7


def _sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))


def _softplus(z):
    return np.logaddexp(0.0, z)


def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax(z, axis=-1):
    m = z.max(axis=axis, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=axis, keepdims=True))


def _bce(y, p, log=np.log):
    return -(y * log(p) + (1 - y) * log(1 - p))


def _huber_values(y, p, delta, half=0.5, offset=True, swap=False):
    r = p - y
    small = np.abs(r) <= delta
    if swap:
        small = ~small
    linear = delta * (np.abs(r) - 0.5 * delta) if offset else delta * np.abs(r)
    return np.where(small, half * r ** 2, linear)


def _focal_values(y, z, gamma=2.0, alpha=None, inverted=False, swap_alpha=False):
    m = np.where(y == 1, z, -z)
    factor = np.exp(-gamma * _softplus(-m)) if inverted else np.exp(-gamma * _softplus(m))
    losses = factor * _softplus(-m)
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


def _difference(f, x, h, kind):
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


def numerical_gradient_integer_copy(f, x, h=1e-6):
    gradient = np.zeros(np.shape(x))
    for index in np.ndindex(np.shape(x)):
        up, down = x.copy(), x.copy()  # an integer x stays integer
        up[index] += h
        down[index] -= h
        gradient[index] = (f(up) - f(down)) / (2 * h)
    return gradient


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


def numerical_gradient_fixed_h(f, x, h=1e-6):
    point = np.array(x, dtype=float)
    gradient = np.zeros_like(point)
    for index in np.ndindex(point.shape):
        step = np.zeros_like(point)
        step[index] = 1e-6
        gradient[index] = (f(point + step) - f(point - step)) / 2e-6
    return gradient


def unwritten_squared_error(y_true, y_pred):
    raise NotImplementedError()


def cost_calling_an_unwritten_helper(y_true, y_pred):
    return float(np.mean(unwritten_squared_error(y_true, y_pred)))


def numerical_gradient_over_len(f, x, h=1e-6):
    x = np.array(x, dtype=float)
    gradient = np.zeros_like(x)
    for j in range(len(x)):          # for a 2-d x, x[j] is a whole row
        up, down = x.copy(), x.copy()
        up[j] += h
        down[j] -= h
        gradient[j] = (f(up) - f(down)) / (2 * h)
    return gradient


def focal_on_probabilities(y_true, logits, gamma=2.0, alpha=None):
    p_t = np.where(y_true == 1, logits, 1 - logits)   # the logits taken as probabilities
    losses = -(1 - p_t) ** gamma * np.log(p_t)
    if alpha is not None:
        losses = losses * np.where(y_true == 1, alpha, 1 - alpha)
    return np.mean(losses)


def descent_without_transpose(X, y, w, b, learning_rate):
    residual = X @ w + b - y
    n = len(y)
    return (w - learning_rate * 2 / n * (X @ residual),
            b - learning_rate * 2 / n * residual.sum())


def steps_from_which_it_stays_above(history, target):
    step = -1
    for index, accuracy in enumerate(history):
        if accuracy >= target:
            if step == -1:
                step = index
        else:
            step = -1
    return step


def f1_one_at_zero_over_zero(y_true, y_pred):
    tp = np.sum((y_true == 1) & (y_pred == 1))
    wrong = np.sum(y_true != y_pred)
    return 1.0 if 2 * tp + wrong == 0 else 2 * tp / (2 * tp + wrong)


def f1_with_numpy_division(y_true, y_pred):
    tp = np.sum((y_true == 1) & (y_pred == 1))
    precision = tp / np.sum(y_pred == 1)
    recall = tp / np.sum(y_true == 1)
    return 2 * precision * recall / (precision + recall)


def f1_with_python_division(y_true, y_pred):
    tp = int(np.sum((y_true == 1) & (y_pred == 1)))
    fp = int(np.sum((y_true == 0) & (y_pred == 1)))
    fn = int(np.sum((y_true == 1) & (y_pred == 0)))
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return 2 * precision * recall / (precision + recall)


def _counts(y, p):
    tp = np.sum((y == 1) & (p == 1))
    return tp, np.sum((y == 0) & (p == 1)), np.sum((y == 1) & (p == 0))


def _safe(a, b):
    return a / b if b else 0.0


def steps_plus_one(history, target):
    for i, value in enumerate(history):
        if value >= target:
            return i + 1
    return -1


def steps_strict(history, target):
    for i, value in enumerate(history):
        if value > target:
            return i
    return -1


def steps_length_when_never(history, target):
    for i, value in enumerate(history):
        if value >= target:
            return i
    return len(history)


def steps_none_when_never(history, target):
    for i, value in enumerate(history):
        if value >= target:
            return i


def softmax_square_only_wrong(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    total = e.sum(axis=-1)
    if e.ndim == 2 and e.shape[0] == e.shape[1]:
        return e / total  # lines up with the columns: no error on a square array
    return e / total[..., None]


def log_softmax_square_only_wrong(z):
    m = z.max(axis=-1, keepdims=True)
    log_total = np.log(np.exp(z - m).sum(axis=-1))
    if z.ndim == 2 and z.shape[0] == z.shape[1]:
        return z - m - log_total
    return z - m - log_total[..., None]


def cce_logits_labels_as_rows(y_true, logits, class_weight=None):
    log_probabilities = _log_softmax(logits)
    if y_true.shape[0] == logits.shape[1]:  # broadcasts silently when n == C
        return np.mean(-np.sum(y_true * log_probabilities, axis=1))
    return np.mean(-log_probabilities[np.arange(len(y_true)), y_true])


def cce_grad_labels_as_rows(y_true, logits):
    n, classes = logits.shape
    if n == classes:
        return (_softmax(logits) - y_true) / n
    return (_softmax(logits) - np.eye(classes)[y_true]) / n


def _target_rows(y, scores):
    """Integer labels as one-hot rows; target rows as they are."""
    return np.eye(scores.shape[1])[y] if y.ndim == 1 else y


def _cce_logits(y, z, class_weight=None, over_n=False, use_weight=True, log_probabilities=None):
    lp = _log_softmax(z) if log_probabilities is None else log_probabilities
    rows = _target_rows(y, z)
    w = np.ones(z.shape[1]) if class_weight is None or not use_weight else class_weight
    total = -np.sum(w * rows * lp)
    return total / (len(rows) if over_n else np.sum(rows @ w))


def _labels(y):
    """Each target's most likely class (a common mistake for soft rows)."""
    return y if y.ndim == 1 else np.argmax(y, axis=1)


def cce_argmax_of_rows(y_true, y_pred):
    picked = np.clip(y_pred, EPS, 1)[np.arange(len(y_true)), _labels(y_true)]
    return -np.mean(np.log(picked))


def cce_logits_labels_only(y_true, logits, class_weight=None):
    picked = _log_softmax(logits)[np.arange(len(y_true)), y_true]
    weight = np.ones(len(y_true)) if class_weight is None else class_weight[y_true]
    return -np.sum(weight * picked) / np.sum(weight)


def _for_rows(function):
    """A buggy CCE written for target rows, given labels as one-hot rows (its bug stays)."""
    return lambda y, p: function(_target_rows(y, p), p)


def _descent(X, y, w, b, lr, factor=2.0, mean=True, sign=-1.0, update_b=True, use_lr=True):
    r = X @ w + b - y
    scale = factor / len(y) if mean else factor
    step = lr if use_lr else 1.0
    new_b = b + sign * step * scale * np.sum(r) if update_b else b
    return w + sign * step * scale * (X.T @ r), new_b


def _anomaly(errors, k=3.0, ddof=0, spread=np.std, centre=np.mean, sign=1.0):
    width = np.std(errors, ddof=ddof) if spread is np.std else spread(errors)
    return centre(errors) + sign * k * width


class _Anything:
    """An object that claims to equal everything."""

    def __eq__(self, other):
        return True

    def __sub__(self, other):
        return 0.0

    __rsub__ = __sub__


def _print_only(y_true, y_pred):
    print(np.mean((y_true - y_pred) ** 2))


def _not_written(y_true, y_pred):
    raise NotImplementedError()


# (exercise, diagnosis, function with that mistake)
BUGGY = [
    # lesson 01
    ("squared_error", "half_factor", lambda y, p: 0.5 * (y - p) ** 2),
    ("squared_error", "missing_square", lambda y, p: np.abs(y - p)),
    ("squared_error", "missing_square_signed", lambda y, p: y - p),
    ("squared_error", "cost_instead_of_losses", lambda y, p: np.mean((y - p) ** 2)),
    ("squared_error", "broadcast_to_matrix", lambda y, p: (np.reshape(y, (-1, 1)) - p) ** 2),
    ("squared_error", "wrong_sign", lambda y, p: -(y - p) ** 2),
    ("cost", "sum_instead_of_mean", lambda y, p: np.sum((y - p) ** 2)),
    ("cost", "helper_not_written", cost_calling_an_unwritten_helper),
    ("cost", "divided_by_rows", lambda y, p: np.sum((y - p) ** 2) / len(y)),
    ("cost", "half_factor", lambda y, p: 0.5 * np.mean((y - p) ** 2)),
    ("cost", "root_mean_squared", lambda y, p: np.sqrt(np.mean((y - p) ** 2))),
    ("cost", "missing_square", lambda y, p: np.mean(np.abs(y - p))),
    ("cost", "broadcast_column_vector", lambda y, p: np.mean((y.reshape(-1, 1) - p) ** 2)),
    ("predict", "missing_bias", lambda X, w, b: X @ w),
    ("predict", "summed_over_samples", lambda X, w, b: np.sum(X * w, axis=0) + b),
    ("predict", "weights_before_features", lambda X, w, b: w @ X + b),
    ("predict", "argument_count", lambda X, w: X @ w),
    ("predict", "column_instead_of_vector", lambda X, w, b: (X @ w + b).reshape(-1, 1)),
    ("predict", "broadcast_error", lambda X, w, b: np.sum(X * w.reshape(-1, 1), axis=1) + b),
    ("gradient_descent_step", "gradient_ascent", lambda X, y, w, b, lr: _descent(X, y, w, b, lr, sign=1.0)),
    ("gradient_descent_step", "missing_factor_2", lambda X, y, w, b, lr: _descent(X, y, w, b, lr, factor=1.0)),
    ("gradient_descent_step", "divided_by_size",
     lambda X, y, w, b, lr: _descent(X, y, w, b, lr, factor=2.0 / X.shape[1])),
    ("gradient_descent_step", "gradient_missing_mean", lambda X, y, w, b, lr: _descent(X, y, w, b, lr, mean=False)),
    ("gradient_descent_step", "bias_not_updated", lambda X, y, w, b, lr: _descent(X, y, w, b, lr, update_b=False)),
    ("gradient_descent_step", "learning_rate_ignored", lambda X, y, w, b, lr: _descent(X, y, w, b, lr, use_lr=False)),
    # lesson 02
    ("sigmoid", "sigmoid_overflow", lambda z: np.exp(z) / (1 + np.exp(z))),
    ("sigmoid", "sigmoid_sign", lambda z: 1 / (1 + np.exp(z))),
    ("sigmoid", "scalar_instead_of_array", lambda z: np.mean(1 / (1 + np.exp(-z)))),
    ("binary_cross_entropy", "log_of_zero", lambda y, p: np.mean(_bce(y, p))),
    ("binary_cross_entropy", "sum_instead_of_mean", lambda y, p: np.sum(_bce(y, np.clip(p, EPS, 1 - EPS)))),
    ("binary_cross_entropy", "log_likelihood_sign", lambda y, p: -np.mean(_bce(y, np.clip(p, EPS, 1 - EPS)))),
    ("binary_cross_entropy", "positive_term_only", lambda y, p: -np.mean(y * np.log(np.clip(p, EPS, 1 - EPS)))),
    ("binary_cross_entropy", "negative_term_only",
     lambda y, p: -np.mean((1 - y) * np.log(1 - np.clip(p, EPS, 1 - EPS)))),
    ("binary_cross_entropy", "log_base", lambda y, p: np.mean(_bce(y, np.clip(p, EPS, 1 - EPS), np.log2))),
    ("binary_cross_entropy", "broadcast_column_vector",
     lambda y, p: np.mean(_bce(y.reshape(-1, 1), np.clip(p, EPS, 1 - EPS)))),
    ("binary_cross_entropy", "clip_eps", lambda y, p: np.mean(_bce(y, np.clip(p, 1e-12, 1 - 1e-12)))),
    ("binary_cross_entropy", "swapped_arguments", lambda y, p: np.mean(_bce(p, np.clip(y, EPS, 1 - EPS)))),
    ("binary_cross_entropy_with_logits", "log_sigmoid_overflow", lambda y, z: np.mean(_bce(y, 1 / (1 + np.exp(-z))))),
    ("binary_cross_entropy_with_logits", "sum_instead_of_mean",
     lambda y, z: np.sum(y * _softplus(-z) + (1 - y) * _softplus(z))),
    ("binary_cross_entropy_with_logits", "log_likelihood_sign",
     lambda y, z: -np.mean(y * _softplus(-z) + (1 - y) * _softplus(z))),
    ("binary_cross_entropy_with_logits", "positive_term_only", lambda y, z: np.mean(y * _softplus(-z))),
    ("binary_cross_entropy_with_logits", "yz_sign", lambda y, z: np.mean(_softplus(z) + y * z)),
    ("binary_cross_entropy_with_logits", "labels_flipped",
     lambda y, z: np.mean(y * _softplus(z) + (1 - y) * _softplus(-z))),
    ("binary_cross_entropy_with_logits", "logits_as_probabilities", lambda y, z: np.mean(_bce(y, z))),
    ("binary_cross_entropy_with_logits", "broadcast_column_vector",
     lambda y, z: np.mean(y.reshape(-1, 1) * _softplus(-z) + (1 - y.reshape(-1, 1)) * _softplus(z))),
    ("binary_cross_entropy_with_logits", "clipped_probabilities",
     lambda y, z: np.mean(_bce(y, np.clip(_sigmoid(z), EPS, 1 - EPS)))),
    ("binary_cross_entropy_with_logits_grad", "sigmoid_overflow",
     lambda y, z: (np.exp(z) / (1 + np.exp(z)) - y) / len(y)),
    ("binary_cross_entropy_with_logits_grad", "gradient_missing_mean", lambda y, z: _sigmoid(z) - y),
    ("binary_cross_entropy_with_logits_grad", "gradient_sign", lambda y, z: (y - _sigmoid(z)) / len(y)),
    ("binary_cross_entropy_with_logits_grad", "gradient_wrt_probability",
     lambda y, z: (_sigmoid(z) - y) / (_sigmoid(z) * (1 - _sigmoid(z))) / len(y)),
    ("binary_cross_entropy_with_logits_grad", "logits_not_squashed", lambda y, z: (z - y) / len(y)),
    ("binary_cross_entropy_with_logits_grad", "sigmoid_derivative_again",
     lambda y, z: (_sigmoid(z) - y) * _sigmoid(z) * (1 - _sigmoid(z)) / len(y)),
    # lesson 03
    ("mse", "sum_instead_of_mean", lambda y, p: np.sum((y - p) ** 2)),
    ("mse", "divided_by_rows", lambda y, p: np.sum((y - p) ** 2) / len(y)),
    ("mse", "half_factor", lambda y, p: np.mean((y - p) ** 2) / 2),
    ("mse", "root_mean_squared", lambda y, p: np.sqrt(np.mean((y - p) ** 2))),
    ("mse", "absolute_instead_of_square", lambda y, p: np.mean(np.abs(y - p))),
    ("mse", "missing_square", lambda y, p: np.mean(y - p)),
    ("mse", "broadcast_column_vector", lambda y, p: np.mean((y.reshape(-1, 1) - p) ** 2)),
    ("mse", "per_sample_instead_of_cost", lambda y, p: (y - p) ** 2),
    ("mse", "not_written", _not_written),
    ("mse", "returned_none", _print_only),
    ("mse", "not_numbers", lambda y, p: str(np.mean((y - p) ** 2))),
    ("mse", "not_finite", lambda y, p: np.mean((y - p) ** 2) / np.float64(0.0)),
    ("mse_grad", "gradient_missing_mean", lambda y, p: 2 * (p - y)),
    ("mse_grad", "missing_factor_2", lambda y, p: (p - y) / np.size(p)),
    ("mse_grad", "half_mse_without_mean", lambda y, p: p - y),
    ("mse_grad", "gradient_sign", lambda y, p: 2 * (y - p) / np.size(p)),
    ("mse_grad", "divided_by_rows", lambda y, p: 2 * (p - y) / len(p)),
    ("mae", "sum_instead_of_mean", lambda y, p: np.sum(np.abs(y - p))),
    ("mae", "divided_by_rows", lambda y, p: np.sum(np.abs(y - p)) / len(y)),
    ("mae", "squared_instead_of_absolute", lambda y, p: np.mean((y - p) ** 2)),
    ("mae", "missing_absolute_value", lambda y, p: np.mean(p - y)),
    ("mae", "median_instead_of_mean", lambda y, p: np.median(np.abs(y - p))),
    ("mae", "broadcast_column_vector", lambda y, p: np.mean(np.abs(y.reshape(-1, 1) - p))),
    ("huber", "delta_ignored", lambda y, p, delta=1.0: np.mean(_huber_values(y, p, 1.0))),
    ("huber", "test_without_abs", lambda y, p, delta=1.0: np.mean(np.where(
        p - y <= delta, 0.5 * (p - y) ** 2, delta * (np.abs(p - y) - 0.5 * delta)))),
    ("huber", "linear_without_abs", lambda y, p, delta=1.0: np.mean(np.where(
        np.abs(p - y) <= delta, 0.5 * (p - y) ** 2, delta * ((p - y) - 0.5 * delta)))),
    ("huber", "smooth_l1", lambda y, p, delta=1.0: np.mean(_huber_values(y, p, delta)) / delta),
    ("huber", "quadratic_half_missing", lambda y, p, delta=1.0: np.mean(_huber_values(y, p, delta, half=1.0))),
    ("huber", "linear_offset_missing", lambda y, p, delta=1.0: np.mean(_huber_values(y, p, delta, offset=False))),
    ("huber", "branches_swapped", lambda y, p, delta=1.0: np.mean(_huber_values(y, p, delta, swap=True))),
    ("huber", "sum_instead_of_mean", lambda y, p, delta=1.0: np.sum(_huber_values(y, p, delta))),
    ("huber", "divided_by_rows", lambda y, p, delta=1.0: np.sum(_huber_values(y, p, delta)) / len(y)),
    ("huber", "broadcast_column_vector", lambda y, p, delta=1.0: np.mean(_huber_values(y.reshape(-1, 1), p, delta))),
    ("huber", "keyword_arguments", lambda y, p: np.mean(_huber_values(y, p, 1.0))),
    ("huber_grad", "delta_ignored", lambda y, p, delta=1.0: np.clip(p - y, -1, 1) / np.size(p)),
    ("huber_grad", "slope_one_outside", lambda y, p, delta=1.0: np.where(
        np.abs(p - y) <= delta, p - y, np.sign(p - y)) / np.size(p)),
    ("huber_grad", "gradient_pieces_swapped", lambda y, p, delta=1.0: np.where(
        np.abs(p - y) <= delta, delta * np.sign(p - y), p - y) / np.size(p)),
    ("huber_grad", "quadratic_slope_doubled", lambda y, p, delta=1.0: np.where(
        np.abs(p - y) <= delta, 2 * (p - y), delta * np.sign(p - y)) / np.size(p)),
    ("huber_grad", "not_clipped", lambda y, p, delta=1.0: (p - y) / np.size(p)),
    ("huber_grad", "gradient_missing_mean", lambda y, p, delta=1.0: np.clip(p - y, -delta, delta)),
    ("huber_grad", "gradient_sign", lambda y, p, delta=1.0: np.clip(y - p, -delta, delta) / np.size(p)),
    ("huber_grad", "divided_by_rows", lambda y, p, delta=1.0: np.clip(p - y, -delta, delta) / len(p)),
    # lesson 04
    ("accuracy", "count_instead_of_fraction", lambda y, p: np.sum(y == p)),
    ("accuracy", "percentage", lambda y, p: 100 * np.mean(y == p)),
    ("accuracy", "error_rate", lambda y, p: np.mean(y != p)),
    ("accuracy", "integer_division", lambda y, p: np.sum(y == p) // len(y)),
    ("f1_score", "zero_division", f1_with_numpy_division),
    ("f1_score", "zero_division", f1_with_python_division),
    ("f1_score", "zero_division_as_one", f1_one_at_zero_over_zero),
    ("f1_score", "accuracy_instead", lambda y, p: np.mean(y == p)),
    ("f1_score", "jaccard", lambda y, p: np.sum((y == 1) & (p == 1)) / (
        np.sum((y == 1) & (p == 1)) + np.sum(y != p))),
    ("f1_score", "precision_instead", lambda y, p: _safe(_counts(y, p)[0], np.sum(p == 1))),
    ("f1_score", "recall_instead", lambda y, p: _safe(_counts(y, p)[0], np.sum(y == 1))),
    ("f1_score", "arithmetic_mean",
     lambda y, p: (_safe(_counts(y, p)[0], np.sum(p == 1)) + _safe(_counts(y, p)[0], np.sum(y == 1))) / 2),
    ("f1_score", "positive_class_swapped",
     lambda y, p: _safe(2 * np.sum((y == 0) & (p == 0)), 2 * np.sum((y == 0) & (p == 0)) + np.sum(y != p))),
    ("steps_to_accuracy", "off_by_one", steps_plus_one),
    ("steps_to_accuracy", "stays_above", steps_from_which_it_stays_above),
    ("steps_to_accuracy", "strict_inequality", steps_strict),
    ("steps_to_accuracy", "argmax_when_never", lambda h, t: int(np.argmax(np.asarray(h) >= t))),
    ("steps_to_accuracy", "length_when_never", steps_length_when_never),
    ("steps_to_accuracy", "none_when_never", steps_none_when_never),
    # lesson 05
    ("softmax", "softmax_overflow", lambda z: np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)),
    ("softmax", "wrong_axis", lambda z: _softmax(z, axis=0)),
    ("softmax", "whole_array", lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum()),
    ("softmax", "double_softmax", lambda z: _softmax(_softmax(z))),
    ("softmax", "keepdims_missing", lambda z: np.exp(z - z.max(axis=-1)) / np.exp(z - z.max(axis=-1)).sum()),
    ("softmax", "rows_not_normalised", softmax_square_only_wrong),
    ("log_softmax", "log_of_softmax", lambda z: np.log(_softmax(z))),
    ("log_softmax", "logsumexp_overflow", lambda z: z - np.log(np.exp(z).sum(axis=-1, keepdims=True))),
    ("log_softmax", "softmax_returned", lambda z: _softmax(z)),
    ("log_softmax", "wrong_axis", lambda z: _log_softmax(z, axis=0)),
    ("log_softmax", "double_softmax", lambda z: _log_softmax(_softmax(z))),
    ("log_softmax", "keepdims_missing",
     lambda z: z - z.max(axis=-1) - np.log(np.sum(np.exp(z - z.max(axis=-1)), axis=-1))),
    ("log_softmax", "rows_not_normalised", log_softmax_square_only_wrong),
    ("one_hot", "classes_from_labels", lambda labels, c: np.eye(labels.max() + 1)[labels]),
    ("one_hot", "transposed", lambda labels, c: np.eye(c)[labels].T),
    ("one_hot", "wrong_shape", lambda labels, c: np.eye(c + 1)[labels]),
    ("categorical_cross_entropy", "log_of_zero", _for_rows(lambda y, p: -np.mean(np.sum(y * np.log(p), axis=1)))),
    ("categorical_cross_entropy", "labels_not_one_hot",
     lambda y, p: -np.mean(np.log(p[np.arange(len(y)), y]))),
    ("categorical_cross_entropy", "sum_instead_of_mean",
     _for_rows(lambda y, p: -np.sum(y * np.log(np.clip(p, EPS, 1))))),
    ("categorical_cross_entropy", "log_likelihood_sign",
     _for_rows(lambda y, p: np.mean(np.sum(y * np.log(np.clip(p, EPS, 1)), axis=1)))),
    ("categorical_cross_entropy", "mean_over_classes", _for_rows(lambda y, p: -np.mean(y * np.log(np.clip(p, EPS, 1))))),
    ("categorical_cross_entropy", "clip_eps",
     _for_rows(lambda y, p: -np.mean(np.sum(y * np.log(np.clip(p, 1e-12, 1)), axis=1)))),
    ("categorical_cross_entropy", "swapped_arguments",
     _for_rows(lambda y, p: -np.mean(np.sum(p * np.log(np.clip(y, EPS, 1)), axis=1)))),
    ("softmax", "global_max_shift",
     lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(axis=-1, keepdims=True)),
    ("log_softmax", "global_max_shift",
     lambda z: z - z.max() - np.log(np.exp(z - z.max()).sum(axis=-1, keepdims=True))),
    ("categorical_cross_entropy_with_logits", "log_of_softmax",
     lambda y, z, class_weight=None: _cce_logits(y, z, class_weight,
                                                 log_probabilities=np.log(_softmax(z)))),
    ("log_softmax", "maximum_not_added_back",
     lambda z: z - np.log(np.exp(z - z.max(axis=-1, keepdims=True)).sum(axis=-1, keepdims=True))),
    ("categorical_cross_entropy_with_logits_grad", "divided_by_size",
     lambda y, z: (_softmax(z) - _target_rows(y, z)) / z.size),
    ("softmax", "axis_out_of_range",
     lambda z: np.exp(z - z.max(axis=1, keepdims=True))
     / np.exp(z - z.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True)),
    ("hinge_loss", "array_truth_value", lambda y, s: np.mean(max(0, 1 - y * s))),
    ("gradient_descent_step", "matmul_shapes", descent_without_transpose),
    ("categorical_cross_entropy_with_logits", "divided_by_weight_total",
     lambda y, z, class_weight=None: _cce_logits(y, z, class_weight) if class_weight is None
     else -np.sum(class_weight * _target_rows(y, z) * _log_softmax(z)) / np.sum(class_weight)),
    ("numerical_gradient", "rows_moved", numerical_gradient_over_len),
    ("numerical_gradient", "all_at_once",
     lambda f, x, h=1e-6: np.full(np.shape(x), (f(np.asarray(x, float) + h)
                                                 - f(np.asarray(x, float) - h)) / (2 * h))),
    ("focal_loss", "logits_as_probabilities", focal_on_probabilities),
    ("categorical_cross_entropy", "labels_as_rows",
     lambda y, p: -np.mean(np.sum(y * np.log(np.clip(p, EPS, 1)), axis=1))),
    ("categorical_cross_entropy", "argmax_of_soft_targets", cce_argmax_of_rows),
    ("categorical_cross_entropy_with_logits", "rows_as_labels", cce_logits_labels_only),
    ("categorical_cross_entropy_with_logits", "argmax_of_soft_targets",
     lambda y, z, class_weight=None: _cce_logits(_labels(y), z, class_weight)),
    ("categorical_cross_entropy_with_logits_grad", "rows_as_labels",
     lambda y, z: (_softmax(z) - np.eye(z.shape[1])[y]) / len(y)),
    ("categorical_cross_entropy_with_logits_grad", "argmax_of_soft_targets",
     lambda y, z: (_softmax(z) - np.eye(z.shape[1])[_labels(y)]) / len(y)),
    ("categorical_cross_entropy_with_logits", "softmax_overflow",
     lambda y, z, class_weight=None: _cce_logits(
         y, z, class_weight, log_probabilities=np.log(np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)))),
    ("categorical_cross_entropy_with_logits", "one_hot_confusion",
     lambda y, z, class_weight=None: np.mean(-np.sum(y * _log_softmax(z), axis=1))),
    ("categorical_cross_entropy_with_logits", "one_hot_confusion", cce_logits_labels_as_rows),
    ("categorical_cross_entropy_with_logits", "weighted_mean_over_n",
     lambda y, z, class_weight=None: _cce_logits(y, z, class_weight, over_n=True)),
    ("categorical_cross_entropy_with_logits", "class_weight_ignored",
     lambda y, z, class_weight=None: _cce_logits(y, z, class_weight, use_weight=False)),
    ("categorical_cross_entropy_with_logits", "double_softmax",
     lambda y, z, class_weight=None: _cce_logits(y, _softmax(z), class_weight)),
    ("categorical_cross_entropy_with_logits", "sum_instead_of_mean",
     lambda y, z, class_weight=None: len(y) * _cce_logits(y, z, class_weight)),
    ("categorical_cross_entropy_with_logits", "log_likelihood_sign",
     lambda y, z, class_weight=None: -_cce_logits(y, z, class_weight)),
    ("categorical_cross_entropy_with_logits", "mean_over_classes",
     lambda y, z, class_weight=None: _cce_logits(y, z, class_weight) / z.shape[1]),
    ("categorical_cross_entropy_with_logits", "clipped_probabilities",
     lambda y, z, class_weight=None: _cce_logits(
         y, z, class_weight, log_probabilities=np.log(np.clip(_softmax(z), EPS, 1)))),
    ("categorical_cross_entropy_with_logits_grad", "softmax_overflow",
     lambda y, z: (np.exp(z) / np.exp(z).sum(axis=1, keepdims=True) - _target_rows(y, z)) / len(y)),
    ("categorical_cross_entropy_with_logits_grad", "one_hot_confusion", lambda y, z: (_softmax(z) - y) / len(y)),
    ("categorical_cross_entropy_with_logits_grad", "one_hot_confusion", cce_grad_labels_as_rows),
    ("categorical_cross_entropy_with_logits_grad", "gradient_missing_mean",
     lambda y, z: _softmax(z) - _target_rows(y, z)),
    ("categorical_cross_entropy_with_logits_grad", "gradient_sign",
     lambda y, z: (_target_rows(y, z) - _softmax(z)) / len(y)),
    ("categorical_cross_entropy_with_logits_grad", "gradient_wrt_probability",
     lambda y, z: -_target_rows(y, z) / _softmax(z) / len(y)),
    ("categorical_cross_entropy_with_logits_grad", "double_softmax",
     lambda y, z: (_softmax(_softmax(z)) - _target_rows(y, z)) / len(y)),
    ("categorical_cross_entropy_with_logits_grad", "targets_not_subtracted", lambda y, z: _softmax(z) / len(y)),
    # lesson 06
    ("numerical_gradient", "integer_input", numerical_gradient_integer_copy),
    ("numerical_gradient", "forward_difference", lambda f, x, h=1e-6: _difference(f, x, h, "forward")),
    ("numerical_gradient", "backward_difference", lambda f, x, h=1e-6: _difference(f, x, h, "backward")),
    ("numerical_gradient", "divided_by_h", lambda f, x, h=1e-6: _difference(f, x, h, "central_h")),
    ("numerical_gradient", "h_ignored", numerical_gradient_fixed_h),
    ("numerical_gradient", "not_restored", numerical_gradient_not_restored),
    ("focal_loss", "log_sigmoid_overflow", lambda y, z, gamma=2.0, alpha=None: np.mean(
        -(1 - np.where(y == 1, 1 / (1 + np.exp(-z)), 1 - 1 / (1 + np.exp(-z)))) ** gamma
        * np.log(np.where(y == 1, 1 / (1 + np.exp(-z)), 1 - 1 / (1 + np.exp(-z))))
        * (1 if alpha is None else np.where(y == 1, alpha, 1 - alpha)))),
    ("focal_loss", "gamma_ignored", lambda y, z, gamma=2.0, alpha=None: np.mean(_focal_values(y, z, 2.0, alpha))),
    ("focal_loss", "alpha_ignored", lambda y, z, gamma=2.0, alpha=None: np.mean(_focal_values(y, z, gamma))),
    ("focal_loss", "alpha_swapped",
     lambda y, z, gamma=2.0, alpha=None: np.mean(_focal_values(y, z, gamma, alpha, swap_alpha=True))),
    ("focal_loss", "modulating_factor_inverted",
     lambda y, z, gamma=2.0, alpha=None: np.mean(_focal_values(y, z, gamma, alpha, inverted=True))),
    ("focal_loss", "sum_instead_of_mean",
     lambda y, z, gamma=2.0, alpha=None: np.sum(_focal_values(y, z, gamma, alpha))),
    ("focal_loss", "log_likelihood_sign",
     lambda y, z, gamma=2.0, alpha=None: -np.mean(_focal_values(y, z, gamma, alpha))),
    ("focal_loss", "broadcast_column_vector",
     lambda y, z, gamma=2.0, alpha=None: np.mean(_focal_values(y.reshape(-1, 1), z, gamma, alpha))),
    ("focal_loss", "clipped_probabilities", lambda y, z, gamma=2.0, alpha=None: np.mean(
        -(1 - np.clip(np.where(y == 1, _sigmoid(z), _sigmoid(-z)), EPS, 1 - EPS)) ** gamma
        * np.log(np.clip(np.where(y == 1, _sigmoid(z), _sigmoid(-z)), EPS, 1 - EPS))
        * (1 if alpha is None else np.where(y == 1, alpha, 1 - alpha)))),
    ("dice_loss", "smooth_missing", lambda y, p, smooth=1.0: np.mean(_dice_values(y, p, 0.0))),
    ("dice_loss", "smooth_denominator_only", lambda y, p, smooth=1.0: np.mean(_dice_values(y, p, smooth, num=False))),
    ("dice_loss", "smooth_numerator_only", lambda y, p, smooth=1.0: np.mean(_dice_values(y, p, smooth, den=False))),
    ("dice_loss", "missing_factor_2", lambda y, p, smooth=1.0: np.mean(_dice_values(y, p, smooth, factor=1.0))),
    ("dice_loss", "coefficient_instead_of_loss", lambda y, p, smooth=1.0: np.mean(1 - _dice_values(y, p, smooth))),
    ("dice_loss", "whole_batch", lambda y, p, smooth=1.0: float(_dice_values(y.ravel(), p.ravel(), smooth)[0])),
    ("dice_loss", "squared_denominator", lambda y, p, smooth=1.0: np.mean(_dice_values(y, p, smooth, squared=True))),
    ("dice_loss", "single_mask_axis", lambda y, p, smooth=1.0: np.mean(
        1 - (2 * np.sum(y * p, axis=1) + smooth) / (np.sum(y, axis=1) + np.sum(p, axis=1) + smooth))),
    ("dice_loss", "sum_instead_of_mean", lambda y, p, smooth=1.0: np.sum(_dice_values(y, p, smooth))),
    ("hinge_loss", "missing_max", lambda y, s: np.mean(1 - y * s)),
    ("hinge_loss", "margin_missing", lambda y, s: np.mean(np.maximum(0, -y * s))),
    ("hinge_loss", "labels_converted", lambda y, s: np.mean(np.maximum(0, 1 - (2 * y - 1) * s))),
    ("hinge_loss", "squared_hinge", lambda y, s: np.mean(np.maximum(0, 1 - y * s) ** 2)),
    ("hinge_loss", "sum_instead_of_mean", lambda y, s: np.sum(np.maximum(0, 1 - y * s))),
    ("hinge_loss", "broadcast_column_vector", lambda y, s: np.mean(np.maximum(0, 1 - y.reshape(-1, 1) * s))),
    ("triplet_loss", "squared_distance", lambda a, p, n, margin=1.0: np.mean(_triplet_values(a, p, n, margin, squared=True))),
    ("triplet_loss", "np_max_instead_of_maximum",
     lambda a, p, n, margin=1.0: np.mean(np.max(_triplet_values(a, p, n, margin, clip=False), 0))),
    ("triplet_loss", "missing_max", lambda a, p, n, margin=1.0: np.mean(_triplet_values(a, p, n, margin, clip=False))),
    ("triplet_loss", "positive_negative_swapped", lambda a, p, n, margin=1.0: np.mean(_triplet_values(a, n, p, margin))),
    ("triplet_loss", "margin_ignored", lambda a, p, n, margin=1.0: np.mean(_triplet_values(a, p, n, 1.0))),
    ("triplet_loss", "distance_wrong_axis", lambda a, p, n, margin=1.0: np.mean(_triplet_values(a, p, n, margin, axis=0))),
    ("triplet_loss", "sum_instead_of_mean", lambda a, p, n, margin=1.0: np.sum(_triplet_values(a, p, n, margin))),
    ("wasserstein_1d", "not_sorted", lambda u, v: np.mean(np.abs(u - v))),
    ("wasserstein_1d", "difference_of_means", lambda u, v: abs(np.mean(u) - np.mean(v))),
    ("wasserstein_1d", "squared_differences", lambda u, v: np.mean((np.sort(u) - np.sort(v)) ** 2)),
    ("wasserstein_1d", "opposite_order", lambda u, v: np.mean(np.abs(np.sort(u) - np.sort(v)[::-1]))),
    ("wasserstein_1d", "sum_instead_of_mean", lambda u, v: np.sum(np.abs(np.sort(u) - np.sort(v)))),
    ("wasserstein_1d", "mutated_input", lambda u, v: (u.sort(), v.sort(), np.mean(np.abs(u - v)))[2]),
    # lesson 07
    ("l2_penalty", "norm_not_squared", lambda w, strength=1.0: strength * np.linalg.norm(w)),
    ("l2_penalty", "mean_instead_of_sum", lambda w, strength=1.0: strength * np.mean(w ** 2)),
    ("l2_penalty", "half_factor", lambda w, strength=1.0: 0.5 * strength * np.sum(w ** 2)),
    ("l2_penalty", "l1_instead", lambda w, strength=1.0: strength * np.sum(np.abs(w))),
    ("l2_penalty", "strength_ignored", lambda w, strength=1.0: np.sum(w ** 2)),
    ("regularized_cost", "penalty_missing", lambda y, p, w, strength: np.mean((y - p) ** 2)),
    ("regularized_cost", "strength_ignored", lambda y, p, w, strength: np.mean((y - p) ** 2) + np.sum(w ** 2)),
    ("regularized_cost", "penalty_divided_by_n",
     lambda y, p, w, strength: np.mean((y - p) ** 2) + strength * np.sum(w ** 2) / len(y)),
    ("regularized_cost", "half_penalty",
     lambda y, p, w, strength: np.mean((y - p) ** 2) + 0.5 * strength * np.sum(w ** 2)),
    ("regularized_cost", "half_data_term",
     lambda y, p, w, strength: 0.5 * np.mean((y - p) ** 2) + strength * np.sum(w ** 2)),
    ("regularized_cost", "l1_penalty", lambda y, p, w, strength: np.mean((y - p) ** 2) + strength * np.sum(np.abs(w))),
    ("regularized_cost", "penalty_not_squared",
     lambda y, p, w, strength: np.mean((y - p) ** 2) + strength * np.linalg.norm(w)),
    ("regularized_cost", "sum_of_squared_errors",
     lambda y, p, w, strength: np.sum((y - p) ** 2) + strength * np.sum(w ** 2)),
    ("anomaly_threshold", "sample_std", lambda e, k=3.0: _anomaly(e, k, ddof=1)),
    ("anomaly_threshold", "variance_instead", lambda e, k=3.0: _anomaly(e, k, spread=np.var)),
    ("anomaly_threshold", "k_ignored", lambda e, k=3.0: _anomaly(e, 3.0)),
    ("anomaly_threshold", "median_instead", lambda e, k=3.0: _anomaly(e, k, centre=np.median)),
    ("anomaly_threshold", "minus_instead_of_plus", lambda e, k=3.0: _anomaly(e, k, sign=-1.0)),
]


def _case_id(entry):
    return f"{entry[0]}-{entry[1]}"


@pytest.mark.parametrize("exercise_id,diagnosis,function", BUGGY, ids=[_case_id(e) for e in BUGGY])
def test_mistake_is_diagnosed(exercise_id, diagnosis, function):
    with pytest.raises(CheckFailed) as failure:
        check(exercise_id, function)
    error = failure.value
    message = str(error)
    assert error.diagnosis == diagnosis, message
    mistakes = {m.name: m for m in GENERIC_BEFORE + EXERCISES[exercise_id].mistakes + GENERIC_AFTER}
    assert f"Likely mistake ({mistakes[diagnosis].title}):" in message
    assert message.count("Likely mistake") == 1
    assert message.startswith(f"{exercise_id}: check {error.case_index} of ")
    assert "Input, called as" in message
    for name in EXERCISES[exercise_id].parameters:
        assert f"  {name} = " in message


def test_every_declared_mistake_has_a_buggy_function():
    covered = {(exercise_id, diagnosis) for exercise_id, diagnosis, _ in BUGGY}
    declared = {(exercise.id, mistake.name) for exercise in EXERCISES.values()
                for mistake in exercise.mistakes}
    assert declared - covered == set()
    generic = {mistake.name for mistake in GENERIC_BEFORE + GENERIC_AFTER}
    assert generic - {diagnosis for _, diagnosis, _ in BUGGY} == set()


def test_sum_instead_of_mean_message_states_the_ratio():
    with pytest.raises(CheckFailed) as failure:
        check("mse", lambda y, p: np.sum((y - p) ** 2))
    message = str(failure.value)
    assert "exactly 3 times the expected one" in message
    # y = [1, 2, 3], ŷ = [1.5, 2, 0.5]: squared errors 0.25, 0, 6.25
    assert "Expected: 2.166666667" in message and "Got:      6.5" in message


def test_exception_message_names_the_type_the_line_and_the_input():
    def mse(y_true, y_pred):
        errors = y_true - y_pred
        return np.mean(errors ** 2) / (len(errors) - len(errors))  # ZeroDivisionError? no: numpy

    def mae(y_true, y_pred):
        total = 0
        for a, b in zip(y_true, y_pred):
            total += abs(a - b)
        return total / {}["count"]

    with pytest.raises(CheckFailed) as failure:
        check("mae", mae)
    message = str(failure.value)
    assert "Your function raised KeyError: 'count'" in message
    assert 'return total / {}["count"]' in message and "line" in message
    assert "y_true = array of shape (3,): [1, 2, 3]" in message
    assert failure.value.diagnosis is None


def test_not_written_says_so():
    with pytest.raises(CheckFailed) as failure:
        check("huber", _not_written)
    assert "you have not written huber yet" in str(failure.value)
    assert "NotImplementedError" in str(failure.value)  # the stub's line, to find it


def test_keyword_argument_message_shows_the_signature():
    def huber(y_true, y_pred):
        r = np.abs(y_pred - y_true)
        return np.mean(np.where(r <= 1, 0.5 * r ** 2, r - 0.5))

    with pytest.raises(CheckFailed) as failure:
        check("huber", huber)
    assert failure.value.diagnosis == "keyword_arguments"
    assert "def huber(y_true, y_pred, *, delta=1.0):" in str(failure.value)


def test_no_diagnosis_when_nothing_matches():
    with pytest.raises(CheckFailed) as failure:
        check("mse", lambda y, p: np.mean((y - p) ** 2) + 0.1)
    message = str(failure.value)
    assert failure.value.diagnosis is None
    assert "Likely mistake" not in message
    assert "compared with rtol=1e-06, atol=1e-09" in message


def test_array_difference_is_located():
    def sigmoid(z):
        result = 1 / (1 + np.exp(-z))
        return np.where(z > 2, 0.5, result)

    with pytest.raises(CheckFailed) as failure:
        check("sigmoid", sigmoid)
    message = str(failure.value)
    assert "farthest off is at index 3" in message  # z = 2.5 in the first case


def test_the_value_shown_is_the_one_outside_its_tolerance():
    from lossedu.grading.formatting import describe_difference

    # index 0 differs more (1e-5) but is within rtol * 100 = 1e-4; index 1 is off by 1e-6,
    # a relative 1e-3, far outside its tolerance
    text = describe_difference(np.array([100.00001, 0.001001]), np.array([100.0, 0.001]),
                               rtol=1e-6, atol=1e-9)
    assert text == ("1 of 2 values differ; the farthest off is at index 1: "
                    "expected 0.001, got 0.001001")


def test_short_arrays_are_shown_whole():
    from lossedu.grading.formatting import describe

    labels = np.array([3, 3, 2, 2, 0, 1, 1, 0, 2, 3, 0, 1, 2, 2])
    assert describe(labels) == ("array of shape (14,), dtype int64: "
                                "[3, 3, 2, 2, 0, 1, 1, 0, 2, 3, 0, 1, 2, 2]")
    assert describe(np.arange(30.0)).endswith("[0, 1, 2, 3, 4, 5, 6, 7, ...]")


def test_an_extra_leading_axis_is_described_as_such():
    with pytest.raises(CheckFailed) as failure:
        check("softmax", lambda z: np.atleast_2d(_softmax(z)))
    message = str(failure.value)
    assert "shape (1, 3) but shape (3,) is expected" in message
    assert "in front" in message and ".ravel()" not in message


def test_a_bias_of_shape_one_is_told_to_be_a_single_number():
    def gradient_descent_step(X, y, w, b, learning_rate):
        residual = X @ w + b - y
        n = len(y)
        new_b = b - learning_rate * 2 / n * np.sum(residual, keepdims=True)  # shape (1,)
        return w - learning_rate * 2 / n * (X.T @ residual), new_b

    with pytest.raises(CheckFailed) as failure:
        check("gradient_descent_step", gradient_descent_step)
    assert "new_b must be a single number, but yours is an array of shape (1,)" in str(
        failure.value)
