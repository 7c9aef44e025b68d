"""Lesson 04, MSE vs BCE for classification: its exercises, their inputs and their known mistakes.

Each mistake carries an example of the buggy learner function that earns it.
The registry collects the module's exercises; the course plan orders them.
"""

from __future__ import annotations

import numpy as np

from lossedu import metrics, training
from lossedu.grading.cases import arr, case, class_labels
from lossedu.grading.diagnoses import nonfinite, raised, ratio, variant, when
from lossedu.grading.exercise import Exercise, Integer, Number
from lossedu.grading.exercises.common import either


# What the buggy learner functions of this lesson (the mistakes' examples) share.

def _counts(y, p):
    tp = np.sum((y == 1) & (p == 1))
    return tp, np.sum((y == 0) & (p == 1)), np.sum((y == 1) & (p == 0))


def _safe(a, b):
    return a / b if b else 0.0


def _labels_with_errors(rng, n, classes):
    truth = class_labels(rng, n, classes)
    prediction = truth.copy()
    wrong = rng.random(n) < rng.uniform(0.1, 0.6)
    prediction[wrong] = rng.integers(0, classes, size=int(wrong.sum()))
    return truth, prediction


def _accuracy_case(rng):
    return case(*_labels_with_errors(rng, int(rng.integers(5, 16)), int(rng.integers(2, 5))))


ACCURACY = Exercise(
    id="accuracy",
    summary="The fraction of samples whose predicted label equals the true label.",
    reference=metrics.accuracy,
    parameters=("y_true", "y_pred"),
    output=Number("the accuracy"),
    fixed=(
        case(np.array([0, 1, 2, 1]), np.array([0, 2, 2, 1])),
        case(np.array([1, 0, 1, 1, 0]), np.array([1, 0, 1, 1, 0]), label="all correct"),
        case(np.array([1, 0, 0]), np.array([0, 1, 1]), label="all wrong"),
    ),
    random=_accuracy_case,
    mistakes=(
        ratio("count_instead_of_fraction", "count instead of fraction",
              "your result is the number of correct predictions: the accuracy is the "
              "fraction, that count divided by the number of samples (np.mean of the "
              "comparison).", lambda c: c.args[0].shape[0],
              example=lambda y, p: np.sum(y == p)),
        ratio("percentage", "percentage instead of fraction",
              "your result is a percentage: return a fraction between 0 and 1.", 100.0,
              example=lambda y, p: 100 * np.mean(y == p)),
        variant("error_rate", "error rate instead of accuracy",
                "your result is the fraction of *wrong* predictions: accuracy counts the "
                "samples where y_pred == y_true.",
                lambda c: 1.0 - metrics.accuracy(*c.args),
                example=lambda y, p: np.mean(y != p)),
        variant("integer_division", "integer division",
                "your result is a whole number: `//` divides and rounds down, so a fraction "
                "such as 7 // 10 is 0. Divide with `/`, or take np.mean(y_true == y_pred).",
                lambda c: float(np.sum(c.args[0] == c.args[1]) // c.args[0].shape[0]),
                example=lambda y, p: np.sum(y == p) // len(y)),
    ),
)


def _jaccard(y_true, y_pred):
    true_positive = np.sum((y_true == 1) & (y_pred == 1))
    wrong = np.sum(y_true != y_pred)
    return None if true_positive + wrong == 0 else true_positive / (true_positive + wrong)


def _f1_case(rng):
    return case(*_labels_with_errors(rng, int(rng.integers(6, 16)), 2))


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


def f1_score_arithmetic_mean(y, p):
    return (_safe(_counts(y, p)[0], np.sum(p == 1)) + _safe(_counts(y, p)[0], np.sum(y == 1))) / 2


def f1_score_jaccard(y, p):
    true_positives = np.sum((y == 1) & (p == 1))
    return true_positives / (true_positives + np.sum(y != p))


def f1_score_positive_class_swapped(y, p):
    return _safe(2 * np.sum((y == 0) & (p == 0)), 2 * np.sum((y == 0) & (p == 0)) + np.sum(y != p))


F1_SCORE = Exercise(
    id="f1_score",
    summary="F1 score of binary labels (positive class 1); 0.0 when it is 0/0.",
    reference=metrics.f1_score,
    forbidden=(metrics.precision, metrics.recall),
    parameters=("y_true", "y_pred"),
    output=Number("the F1 score", per_sample=False),
    fixed=(
        case(np.array([1, 0, 1, 0]), np.array([1, 1, 0, 0])),
        case(np.array([1, 1, 1, 0, 0, 0, 0, 0, 0, 0]), np.array([1, 1, 0, 1, 1, 0, 0, 0, 0, 0]),
             label="TP = 2, FN = 1, FP = 2, TN = 5"),
        case(np.array([1, 1, 0, 0, 1, 0, 1]), np.array([1, 0, 0, 1, 1, 0, 1])),
        case(np.array([1, 0, 1, 0, 0]), np.array([1, 0, 1, 0, 0]), label="all correct"),
        case(np.array([1, 1, 0, 0]), np.array([0, 0, 1, 1]), tags={"zero_division"},
             label="no true positives: precision and recall are 0"),
        case(np.array([0, 0, 0]), np.array([0, 0, 0]), tags={"zero_division"},
             label="no positive labels and no positive predictions"),
    ),
    random=_f1_case,
    mistakes=(
        when("zero_division_as_one", "1.0 at 0/0",
             "with no positive label and no positive prediction, TP = FP = FN = 0 and "
             "2TP / (2TP + FP + FN) is 0/0. Conventions differ; this course, like "
             "scikit-learn's default, defines F1 as 0.0 there, not 1.0.",
             lambda a: "zero_division" in a.case.tags and a.matches(1.0),
             example=f1_one_at_zero_over_zero),
        either("zero_division", "0/0 not handled",
               "when there are no true positives, precision, recall or 2PR / (P + R) can be "
               "0/0 (with no positive label and no positive prediction, even TP + FP and "
               "TP + FN are 0). Compute F1 as 2TP / (2TP + FP + FN) and return 0.0 when the "
               "denominator is 0.",
               nonfinite("a", "", "", tag="zero_division"),
               raised("b", "", "", ZeroDivisionError),
               example=(f1_with_numpy_division, f1_with_python_division)),
        variant("accuracy_instead", "accuracy instead of F1",
                "your result is the accuracy: F1 only looks at the positive class, "
                "2TP / (2TP + FP + FN).", lambda c: metrics.accuracy(*c.args),
                example=lambda y, p: np.mean(y == p)),
        variant("precision_instead", "precision instead of F1",
                "your result is the precision TP / (TP + FP): F1 is the harmonic mean of "
                "precision and recall.", lambda c: metrics.precision(*c.args),
                example=lambda y, p: _safe(_counts(y, p)[0], np.sum(p == 1))),
        variant("recall_instead", "recall instead of F1",
                "your result is the recall TP / (TP + FN): F1 is the harmonic mean of "
                "precision and recall.", lambda c: metrics.recall(*c.args),
                example=lambda y, p: _safe(_counts(y, p)[0], np.sum(y == 1))),
        variant("arithmetic_mean", "arithmetic instead of harmonic mean",
                "your result is (precision + recall) / 2: F1 is the *harmonic* mean, "
                "2 P R / (P + R).",
                lambda c: (metrics.precision(*c.args) + metrics.recall(*c.args)) / 2,
                example=f1_score_arithmetic_mean),
        variant("jaccard", "TP / (TP + FP + FN)",
                "your result is TP / (TP + FP + FN), the Jaccard index (IoU): F1 counts the "
                "true positives twice, 2TP / (2TP + FP + FN).",
                lambda c: _jaccard(*c.args),
                example=f1_score_jaccard),
        variant("positive_class_swapped", "positive class 0",
                "your result is the F1 score of class 0: the positive class is 1.",
                lambda c: metrics.f1_score(1 - c.args[0], 1 - c.args[1]),
                example=f1_score_positive_class_swapped),
    ),
)


def _history_case(rng):
    steps = int(rng.integers(8, 25))
    history = np.clip(np.cumsum(rng.uniform(-0.02, 0.08, size=steps)) + rng.uniform(0.3, 0.6),
                      0.0, 1.0)
    history = np.round(history, 3)
    choice = rng.random()
    if choice < 0.4:
        target = float(history[int(rng.integers(0, steps))])  # exactly reached
    elif choice < 0.7:
        target = float(np.round(rng.uniform(history.min(), history.max()), 3))
    else:
        target = float(np.round(history.max() + rng.uniform(0.001, 0.05), 3))  # never
    tags = {"never"} if training.steps_to_accuracy(history, target) == -1 else set()
    return case(history, target, tags=tags)


def _stays_above(c):
    """The first index from which every later accuracy reaches the target (or -1)."""
    reached = np.asarray(c.args[0]) >= c.args[1]
    below = np.flatnonzero(~reached)
    if not reached.any() or (below.size and below[-1] == reached.size - 1):
        return -1
    return int(below[-1] + 1) if below.size else 0


def _first_index(c, test):
    hits = np.flatnonzero(test(np.asarray(c.args[0]), c.args[1]))
    return int(hits[0]) if hits.size else None


def steps_strict(history, target):
    for i, value in enumerate(history):
        if value > target:
            return i
    return -1


def steps_plus_one(history, target):
    for i, value in enumerate(history):
        if value >= target:
            return i + 1
    return -1


def steps_from_which_it_stays_above(history, target):
    step = -1
    for index, accuracy in enumerate(history):
        if accuracy >= target:
            if step == -1:
                step = index
        else:
            step = -1
    return step


def steps_length_when_never(history, target):
    for i, value in enumerate(history):
        if value >= target:
            return i
    return len(history)


def steps_none_when_never(history, target):
    for i, value in enumerate(history):
        if value >= target:
            return i


STEPS_TO_ACCURACY = Exercise(
    id="steps_to_accuracy",
    summary="The first index i with accuracy_history[i] >= target, or -1 if never reached.",
    reference=training.steps_to_accuracy,
    parameters=("accuracy_history", "target"),
    output=Integer("the index of the first step that reaches the target, or -1"),
    fixed=(
        case(arr(0.5, 0.7, 0.92, 0.95), 0.9),
        case(arr(0.5, 0.9, 0.95), 0.9, label="one value equals the target"),
        case(arr(0.95, 0.97, 0.99), 0.9, label="reached at step 0"),
        case(arr(0.5, 0.91, 0.85, 0.95), 0.9, label="accuracy goes down again"),
        case(arr(0.5, 0.7, 0.8), 0.9, tags={"never"}, label="never reached"),
    ),
    random=_history_case,
    samples=lambda c: np.asarray(c.args[0]).shape[0],
    mistakes=(
        variant("strict_inequality", "> instead of >=",
                "reaching the target includes being equal to it: look for the first accuracy "
                ">= target.",
                lambda c: _first_index(c, np.greater) if _first_index(c, np.greater) is not None
                else -1,
                example=steps_strict),
        variant("off_by_one", "index plus one",
                "your answer is one too large: indices start at 0, and history[0] is step 0; "
                "return the index i itself.",
                lambda c: None if "never" in c.tags else _first_index(c, np.greater_equal) + 1,
                example=steps_plus_one),
        variant("argmax_when_never", "0 when the target is never reached",
                "when no accuracy reaches the target you return 0: np.argmax returns 0 when "
                "nothing is True. Check first whether any value reaches the target "
                "(np.any) and return -1 if not.",
                lambda c: 0 if "never" in c.tags else None,
                example=lambda h, t: int(np.argmax(np.asarray(h) >= t))),
        variant("stays_above", "the step from which it stays above",
                "the first time the target is reached counts, even if the accuracy drops "
                "below it again later.", _stays_above,
                example=steps_from_which_it_stays_above),
        variant("length_when_never", "len(history) when never reached",
                "when the target is never reached, return -1 (not the length of the history).",
                lambda c: len(c.args[0]) if "never" in c.tags else None,
                example=steps_length_when_never),
        when("none_when_never", "None when never reached",
             "your function returned None when the target is never reached: return -1 in "
             "that case.", lambda a: a.raw is None and a.error is None and "never" in a.case.tags,
             example=steps_none_when_never),
    ),
)
