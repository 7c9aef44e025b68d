"""Every exercise accepts its reference and correct learner solutions written differently.

For each exercise of the course there are two (sometimes three) correct
implementations written the way a learner might: a plain Python loop, and
a vectorised numpy version that differs from the reference; between them
they return a Python float, a numpy float64 and a 0-d array where a number
is expected.  All must pass the visible check and a hidden check.
"""

import inspect
import math
import types

import numpy as np
import pytest

from lossedu.grading import EXERCISES, check
from lossedu.grading.exercise import REQUIRED, Array, Integer, Number, TupleOf

EPS = 1e-7


def _softplus(x):
    """log(1 + e^x) for one float, without overflow."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _sigmoid(x):
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


# --- lesson 01 ------------------------------------------------------------------

def squared_error_loop(y_true, y_pred):
    out = np.empty(np.shape(y_true))
    for index in np.ndindex(out.shape):
        difference = float(y_true[index]) - float(y_pred[index])
        out[index] = difference * difference
    return out


def squared_error_vectorised(y_true, y_pred):
    return np.square(np.subtract(y_pred, y_true))


def cost_loop(y_true, y_pred):
    total, count = 0.0, 0
    for a, b in zip(np.ravel(y_true), np.ravel(y_pred)):
        total += (a - b) ** 2
        count += 1
    return float(total / count)


def cost_vectorised(y_true, y_pred):
    difference = (np.asarray(y_pred) - y_true).ravel()
    return np.array(difference @ difference / difference.size)  # a 0-d array


def predict_loop(X, w, b):
    return np.array([sum(X[i, j] * w[j] for j in range(X.shape[1])) + b for i in range(X.shape[0])])


def predict_vectorised(X, w, b):
    return np.einsum("ij,j->i", X, w) + b


def gradient_descent_step_loop(X, y, w, b, learning_rate):
    n, d = X.shape
    residuals = [sum(X[i, j] * w[j] for j in range(d)) + b - y[i] for i in range(n)]
    gradient_w = [2.0 / n * sum(X[i, j] * residuals[i] for i in range(n)) for j in range(d)]
    gradient_b = 2.0 / n * sum(residuals)
    new_w = np.array([w[j] - learning_rate * gradient_w[j] for j in range(d)])
    return new_w, float(b - learning_rate * gradient_b)


def gradient_descent_step_vectorised(X, y, w, b, learning_rate):
    error = X @ w + b - y
    new_w = w - learning_rate * 2 * X.T @ error / len(y)
    new_b = np.array(b - learning_rate * 2 * np.mean(error))  # a 0-d array
    return new_w, new_b


# --- lesson 02 ------------------------------------------------------------------

def sigmoid_loop(z):
    z = np.asarray(z, dtype=float)
    out = np.empty(z.shape)
    for index in np.ndindex(z.shape):
        out[index] = _sigmoid(float(z[index]))
    return out


def sigmoid_where(z):
    # Both branches are evaluated, but exp only ever sees -|z| <= 0: no overflow
    # (np.where over exp(-z) and exp(z) overflows, and is refused: the exercise
    # asks for a stable sigmoid).
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_logaddexp(z):
    return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=float)))


def binary_cross_entropy_loop(y_true, y_pred):
    total = 0.0
    for y, p in zip(y_true, y_pred):
        p = min(max(float(p), EPS), 1 - EPS)
        total -= y * math.log(p) + (1 - y) * math.log(1 - p)
    return total / len(y_true)


def binary_cross_entropy_vectorised(y_true, y_pred):
    p = np.clip(y_pred, EPS, 1 - EPS)
    return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log1p(-p))


def binary_cross_entropy_eps(y_true, y_pred):
    # eps added inside the log instead of clipping: differs by about 1e-7
    return -np.mean(y_true * np.log(y_pred + EPS) + (1 - y_true) * np.log(1 - y_pred + EPS))


def binary_cross_entropy_with_logits_loop(y_true, logits):
    losses = [y * _softplus(-z) + (1 - y) * _softplus(z) for y, z in zip(y_true, logits)]
    return sum(losses) / len(losses)


def binary_cross_entropy_with_logits_vectorised(y_true, logits):
    # max(z, 0) - z y + log(1 + e^-|z|), the form TensorFlow documents
    losses = np.maximum(logits, 0) - logits * y_true + np.log1p(np.exp(-np.abs(logits)))
    return np.asarray(losses.mean())


def binary_cross_entropy_with_logits_grad_loop(y_true, logits):
    n = len(y_true)
    return np.array([(_sigmoid(float(z)) - y) / n for y, z in zip(y_true, logits)])


def binary_cross_entropy_with_logits_grad_vectorised(y_true, logits):
    probabilities = 0.5 * (1.0 + np.tanh(0.5 * logits))
    return (probabilities - y_true) / y_true.size


# --- lesson 03 ------------------------------------------------------------------

def mse_loop(y_true, y_pred):
    values = [(float(a) - float(b)) ** 2 for a, b in zip(np.ravel(y_true), np.ravel(y_pred))]
    return sum(values) / len(values)


def mse_vectorised(y_true, y_pred):
    return np.average(np.square(np.asarray(y_true) - y_pred))


def mse_grad_loop(y_true, y_pred):
    out = np.empty(np.shape(y_pred))
    size = out.size
    for index in np.ndindex(out.shape):
        out[index] = 2.0 * (y_pred[index] - y_true[index]) / size
    return out


def mse_grad_vectorised(y_true, y_pred):
    return 2.0 * (np.asarray(y_pred) - y_true) / np.size(y_pred)


def mae_loop(y_true, y_pred):
    values = [abs(float(a) - float(b)) for a, b in zip(np.ravel(y_true), np.ravel(y_pred))]
    return sum(values) / len(values)


def mae_vectorised(y_true, y_pred):
    return np.mean(np.abs(np.asarray(y_pred) - y_true))


def huber_loop(y_true, y_pred, delta=1.0):
    total, count = 0.0, 0
    for a, b in zip(np.ravel(y_true), np.ravel(y_pred)):
        r = abs(float(b) - float(a))
        total += 0.5 * r * r if r <= delta else delta * (r - 0.5 * delta)
        count += 1
    return total / count


def huber_vectorised(y_true, y_pred, delta=1.0):
    r = np.abs(np.asarray(y_pred) - y_true)
    quadratic = np.minimum(r, delta)
    linear = r - quadratic
    return np.mean(0.5 * quadratic ** 2 + delta * linear)  # the same function, rewritten


def huber_grad_loop(y_true, y_pred, delta=1.0):
    out = np.empty(np.shape(y_pred))
    for index in np.ndindex(out.shape):
        r = float(y_pred[index]) - float(y_true[index])
        out[index] = (r if abs(r) <= delta else math.copysign(delta, r)) / out.size
    return out


def huber_grad_vectorised(y_true, y_pred, delta=1.0):
    r = np.asarray(y_pred) - y_true
    return np.where(np.abs(r) <= delta, r, delta * np.sign(r)) / r.size


# --- lesson 04 ------------------------------------------------------------------

def accuracy_loop(y_true, y_pred):
    correct = 0
    for a, b in zip(y_true, y_pred):
        correct += int(a == b)
    return correct / len(y_true)


def accuracy_vectorised(y_true, y_pred):
    return np.mean(np.equal(y_true, y_pred))


def f1_score_loop(y_true, y_pred):
    tp = fp = fn = 0
    for a, b in zip(y_true, y_pred):
        tp += a == 1 and b == 1
        fp += a == 0 and b == 1
        fn += a == 1 and b == 0
    return 0.0 if 2 * tp + fp + fn == 0 else 2 * tp / (2 * tp + fp + fn)


def f1_score_vectorised(y_true, y_pred):
    tp = np.sum((y_true == 1) & (y_pred == 1))
    precision = tp / max(np.sum(y_pred == 1), 1)
    recall = tp / max(np.sum(y_true == 1), 1)
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def steps_to_accuracy_loop(accuracy_history, target):
    for step, value in enumerate(accuracy_history):
        if value >= target:
            return step
    return -1


def steps_to_accuracy_vectorised(accuracy_history, target):
    reached = np.asarray(accuracy_history) >= target
    return np.argmax(reached) if reached.any() else -1  # a numpy int64


# --- lesson 05 ------------------------------------------------------------------

def _rows(z):
    z = np.asarray(z, dtype=float)
    return z.reshape(-1, z.shape[-1]), z.shape


def softmax_loop(z):
    rows, shape = _rows(z)
    out = np.empty(rows.shape)
    for i, row in enumerate(rows):
        largest = max(row)
        exps = [math.exp(v - largest) for v in row]
        total = sum(exps)
        out[i] = [e / total for e in exps]
    return out.reshape(shape)


def softmax_vectorised(z):
    shifted = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def log_softmax_loop(z):
    rows, shape = _rows(z)
    out = np.empty(rows.shape)
    for i, row in enumerate(rows):
        largest = max(row)
        log_total = largest + math.log(sum(math.exp(v - largest) for v in row))
        out[i] = [v - log_total for v in row]
    return out.reshape(shape)


def log_softmax_vectorised(z):
    largest = z.max(axis=-1, keepdims=True)
    return z - largest - np.log(np.exp(z - largest).sum(axis=-1, keepdims=True))


def one_hot_loop(labels, num_classes):
    out = np.zeros((len(labels), num_classes))
    for i, label in enumerate(labels):
        out[i, label] = 1.0
    return out


def one_hot_vectorised(labels, num_classes):
    return np.eye(num_classes)[labels]


def one_hot_boolean(labels, num_classes):
    return labels[:, None] == np.arange(num_classes)  # a boolean array is fine


def target_row_list(y_true, classes):
    """Each sample's target as a list of C numbers (labels become one-hot)."""
    rows = []
    for target in y_true:
        if np.ndim(target) == 0:
            rows.append([1.0 if c == int(target) else 0.0 for c in range(classes)])
        else:
            rows.append([float(t) for t in target])
    return rows


def categorical_cross_entropy_loop(y_true, y_pred):
    total = 0.0
    for targets, probabilities in zip(target_row_list(y_true, len(y_pred[0])), y_pred):
        total -= sum(t * math.log(max(p, EPS)) for t, p in zip(targets, probabilities))
    return total / len(y_true)


def categorical_cross_entropy_vectorised(y_true, y_pred):
    if y_true.ndim == 1:
        y_true = np.eye(y_pred.shape[1])[y_true]
    # clipping to [eps, 1 - eps] differs from [eps, 1] by about 1e-7: within tolerance
    return -np.mean(np.sum(y_true * np.log(np.clip(y_pred, EPS, 1 - EPS)), axis=1))


def categorical_cross_entropy_with_logits_loop(y_true, logits, class_weight=None):
    classes = len(logits[0])
    weights_of_class = [1.0] * classes if class_weight is None else list(class_weight)
    total = weights = 0.0
    for targets, row in zip(target_row_list(y_true, classes), logits):
        largest = max(row)
        log_total = largest + math.log(sum(math.exp(v - largest) for v in row))
        for c in range(classes):
            total += weights_of_class[c] * targets[c] * (log_total - row[c])
            weights += weights_of_class[c] * targets[c]
    return total / weights


def categorical_cross_entropy_with_logits_vectorised(y_true, logits, class_weight=None):
    log_probabilities = log_softmax_vectorised(logits)
    if y_true.ndim == 1:
        picked = log_probabilities[np.arange(len(y_true)), y_true]
        weight = np.ones(len(y_true)) if class_weight is None else np.asarray(class_weight)[y_true]
        return -np.sum(weight * picked) / np.sum(weight)
    weight = np.ones(logits.shape[1]) if class_weight is None else np.asarray(class_weight)
    return -np.sum(weight * y_true * log_probabilities) / np.sum(y_true @ weight)


def categorical_cross_entropy_with_logits_grad_loop(y_true, logits):
    n = len(y_true)
    out = softmax_loop(logits)
    for i, targets in enumerate(target_row_list(y_true, out.shape[1])):
        for c, target in enumerate(targets):
            out[i, c] -= target
    return out / n


def categorical_cross_entropy_with_logits_grad_vectorised(y_true, logits):
    n, classes = logits.shape
    targets = np.eye(classes)[y_true] if y_true.ndim == 1 else y_true
    return (softmax_vectorised(logits) - targets) / n


# --- lesson 06 ------------------------------------------------------------------

def numerical_gradient_loop(f, x, h=1e-6):
    point = np.array(x, dtype=float)
    gradient = np.zeros_like(point)
    for index in np.ndindex(point.shape):
        old = point[index]
        point[index] = old + h
        up = f(point)
        point[index] = old - h
        down = f(point)
        point[index] = old
        gradient[index] = (up - down) / (2 * h)
    return gradient


def numerical_gradient_basis(f, x, h=1e-6):
    point = np.asarray(x, dtype=float)
    steps = h * np.eye(point.size)
    values = [(f(point + step.reshape(point.shape)) - f(point - step.reshape(point.shape))) / (2 * h)
              for step in steps]
    return np.array(values).reshape(point.shape)


def focal_loss_loop(y_true, logits, gamma=2.0, alpha=None):
    total = 0.0
    for y, z in zip(y_true, logits):
        m = z if y == 1 else -z
        weight = 1.0 if alpha is None else (alpha if y == 1 else 1 - alpha)
        total += weight * math.exp(-gamma * _softplus(m)) * _softplus(-m)
    return total / len(y_true)


def focal_loss_vectorised(y_true, logits, gamma=2.0, alpha=None):
    m = np.where(y_true == 1, logits, -logits)
    one_minus_pt = np.exp(-np.logaddexp(0, m))  # sigmoid(-m), stable
    losses = one_minus_pt ** gamma * np.logaddexp(0, -m)
    if alpha is not None:
        losses = losses * np.where(y_true == 1, alpha, 1 - alpha)
    return float(losses.mean())


def dice_loss_loop(y_true, y_pred, smooth=1.0):
    truth, prediction = np.atleast_2d(y_true), np.atleast_2d(y_pred)
    losses = []
    for t_row, p_row in zip(truth, prediction):
        overlap = sum(t * p for t, p in zip(t_row, p_row))
        losses.append(1 - (2 * overlap + smooth) / (sum(t_row) + sum(p_row) + smooth))
    return sum(losses) / len(losses)


def dice_loss_vectorised(y_true, y_pred, smooth=1.0):
    overlap = np.sum(y_true * y_pred, axis=-1)
    total = np.sum(y_true, axis=-1) + np.sum(y_pred, axis=-1)
    return np.mean(1 - (2 * overlap + smooth) / (total + smooth))


def hinge_loss_loop(y_true, y_pred):
    return sum(max(0.0, 1 - y * s) for y, s in zip(y_true, y_pred)) / len(y_true)


def hinge_loss_vectorised(y_true, y_pred):
    return np.mean(np.clip(1 - y_true * y_pred, 0, None))


def triplet_loss_loop(anchor, positive, negative, margin=1.0):
    a, p, n = (np.atleast_2d(v) for v in (anchor, positive, negative))
    losses = [max(0.0, math.dist(ai, pi) - math.dist(ai, ni) + margin) for ai, pi, ni in zip(a, p, n)]
    return sum(losses) / len(losses)


def triplet_loss_vectorised(anchor, positive, negative, margin=1.0):
    positive_distance = np.sqrt(np.sum((anchor - positive) ** 2, axis=-1))
    negative_distance = np.sqrt(np.sum((anchor - negative) ** 2, axis=-1))
    return np.mean(np.maximum(positive_distance - negative_distance + margin, 0))


def wasserstein_1d_loop(u_values, v_values):
    pairs = zip(sorted(u_values), sorted(v_values))
    return sum(abs(a - b) for a, b in pairs) / len(u_values)


def wasserstein_1d_vectorised(u_values, v_values):
    return np.abs(np.sort(u_values) - np.sort(v_values)).mean()


# --- lesson 07 ------------------------------------------------------------------

def l2_penalty_loop(weights, strength=1.0):
    return strength * sum(float(w) ** 2 for w in np.ravel(weights))


def l2_penalty_vectorised(weights, strength=1.0):
    return strength * np.vdot(weights, weights)


def regularized_cost_loop(y_true, y_pred, weights, strength):
    data = sum((a - b) ** 2 for a, b in zip(y_true, y_pred)) / len(y_true)
    return float(data + strength * sum(w * w for w in weights))


def regularized_cost_vectorised(y_true, y_pred, weights, strength):
    return np.mean((y_true - y_pred) ** 2) + strength * np.sum(np.square(weights))


def anomaly_threshold_loop(errors, k=3.0):
    values = [float(e) for e in np.ravel(errors)]
    mean = sum(values) / len(values)
    spread = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    return mean + k * spread


def anomaly_threshold_vectorised(errors, k=3.0):
    centred = errors - errors.mean()
    return np.array(errors.mean() + k * np.sqrt(np.mean(centred ** 2)))


def _alternatives():
    names = {}
    for name, value in globals().items():
        if isinstance(value, types.FunctionType) and not name.startswith("_") and \
                not name.startswith("test_"):
            for exercise_id in EXERCISES:
                if name.startswith(exercise_id + "_") and name[len(exercise_id) + 1:] in (
                        "loop", "vectorised", "where", "logaddexp", "boolean", "basis", "eps"):
                    names.setdefault(exercise_id, []).append(value)
    return names


ALTERNATIVES = _alternatives()

def reference_copy(exercise):
    """The reference under a fresh code object (another name), so check() grades it
    as a learner's function instead of refusing it."""
    function = inspect.unwrap(exercise.reference)
    code = function.__code__.replace(co_name=function.__code__.co_name + "_copy")
    copy = types.FunctionType(code, function.__globals__, function.__name__,
                              function.__defaults__, function.__closure__)
    copy.__kwdefaults__ = function.__kwdefaults__
    return copy


@pytest.mark.parametrize("exercise_id", list(EXERCISES))
def test_exercise_declaration(exercise_id):
    exercise = EXERCISES[exercise_id]
    assert exercise.id == exercise.reference.__name__ == exercise_id
    assert exercise.summary and exercise.lesson
    assert exercise.signature.startswith(f"{exercise_id}(")
    for name, default in exercise.hyperparameters.items():
        if default is not REQUIRED:
            reference_default = inspect.signature(exercise.reference).parameters[name].default
            assert reference_default == default or (default is None and reference_default is None)
    assert isinstance(exercise.output, (Number, Array, Integer, TupleOf))
    assert exercise.tolerance.rtol > 0 and exercise.tolerance.atol > 0
    names = [mistake.name for mistake in exercise.mistakes]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("exercise_id", list(EXERCISES))
def test_reference_passes(exercise_id):
    exercise = EXERCISES[exercise_id]
    result = check(exercise_id, reference_copy(exercise))
    assert result.passed == len(exercise.fixed) + exercise.random_counts[0] + len(exercise.extreme)
    assert repr(result) == f"{exercise_id}: {result.passed} checks passed"
    hidden = check(exercise_id, reference_copy(exercise), hidden=True)
    assert hidden.passed == len(exercise.fixed) + exercise.random_counts[1] + len(exercise.extreme)


def test_every_exercise_has_two_alternatives():
    assert set(ALTERNATIVES) == set(EXERCISES)
    assert all(len(functions) >= 2 for functions in ALTERNATIVES.values())


@pytest.mark.parametrize("exercise_id,function", [
    (exercise_id, function) for exercise_id, functions in ALTERNATIVES.items()
    for function in functions
], ids=lambda value: getattr(value, "__name__", value))
def test_correct_alternative_passes(exercise_id, function):
    assert check(exercise_id, function).passed > 0
    assert check(exercise_id, function, hidden=True).hidden


def test_alternatives_return_every_kind_of_number():
    """Between them, the alternatives return float, numpy float64 and 0-d arrays."""
    kinds = set()
    for exercise_id, functions in ALTERNATIVES.items():
        exercise = EXERCISES[exercise_id]
        if not isinstance(exercise.output, Number):
            continue
        case = exercise.fixed[0]
        for function in functions:
            value = function(*case.args, **case.kwargs)
            kinds.add("0-d array" if isinstance(value, np.ndarray) else type(value).__name__)
    assert {"float", "float64", "0-d array"} <= kinds
