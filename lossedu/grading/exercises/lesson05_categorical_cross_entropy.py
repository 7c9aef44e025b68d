"""Lesson 05, categorical cross-entropy: its exercises, their inputs and their known mistakes.

Each mistake carries an example of the buggy learner function that earns it.
The registry collects the module's exercises; the course plan orders them.
"""

from __future__ import annotations

import numpy as np

from lossedu import activations, classification, gradcheck
from lossedu.grading.cases import (
    arr, case, class_labels, logits, one_hot_rows, probability_rows, shapes_not_square,
)
from lossedu.grading.diagnoses import nonfinite, raised, ratio, unstable, variant, when
from lossedu.grading.exercise import Array, Exercise, Number, Tolerance
from lossedu.grading.exercises.common import (
    EPS, either, gradient_missing_mean, gradient_sign, log_likelihood_sign, log_softmax_rows,
    saturated_on_extreme, softmax_rows, sum_instead_of_mean,
)
from lossedu.losses_table import LOSSES


# What the buggy learner functions of this lesson (the mistakes' examples) share.

def _as_rows(y, scores):
    """Integer labels as one-hot rows; target rows as they are."""
    return np.eye(scores.shape[1])[y] if y.ndim == 1 else y


def _labels(y):
    """Each target's most likely class (a common mistake for soft rows)."""
    return y if y.ndim == 1 else np.argmax(y, axis=1)


def _weighted_cost(y, log_probabilities, class_weight=None):
    """The weighted mean of -sum(rows * log p): divided by the weights used."""
    rows = _as_rows(y, log_probabilities)
    weight = np.ones(log_probabilities.shape[1]) if class_weight is None else class_weight
    return -np.sum(weight * rows * log_probabilities) / np.sum(rows @ weight)


def _cce_logits(y, z, class_weight=None):
    """Cross-entropy from logits, as a careful learner writes it."""
    return _weighted_cost(y, log_softmax_rows(z), class_weight)


def _for_rows(function):
    """A buggy CCE written for target rows, given labels as one-hot rows (its bug stays)."""
    return lambda y, p: function(_as_rows(y, p), p)


def _softmax_formula(z, axis=-1):
    return np.asarray(activations.softmax(z, axis=axis), dtype=np.float64)


def _scores_case(rng):
    if rng.random() < 0.25:
        return case(logits(rng, int(rng.integers(3, 7))))
    n, c = shapes_not_square(rng)
    return case(logits(rng, (n, c)))


_SCORES_FIXED = (
    case(arr(1.0, 2.0, 3.0), label="one sample, three classes"),
    case(arr([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0], [-2.0, 0.0, 4.0], [0.5, -0.5, 0.0]]),
         label="4 samples, 3 classes"),
    case(arr([[2.0, 1.0, 0.1], [0.0, 3.0, -1.0], [1.0, 1.0, 5.0]]), tags={"square"},
         label="3 samples, 3 classes (square)"),
)

_SCORES_EXTREME = (
    case(arr([[1000.0, 999.0, -1000.0], [-1000.0, -1000.0, -1001.0]]), tags={"extreme"},
         label="logits of ±1000"),
    case(arr([[0.0, -1000.0, 5.0], [800.0, 0.0, -5.0]]), tags={"extreme"},
         label="logits far apart"),
)

_WRONG_AXIS_HINT = ("normalise each row: the sums go along the last axis (axis=-1, the classes), "
                    "with keepdims=True so that they line up with the rows.")

_KEEPDIMS_HINT = ("z.max(axis=1) and z.sum(axis=1) have shape (n,), which numpy lines up with "
                  "the *columns* of an (n, C) array: keep the reduced axis with "
                  "keepdims=True (shape (n, 1)) before subtracting or dividing.")


_GLOBAL_MAX_HINT = ("you subtracted the largest logit of the whole array, not of each row: a row "
                    "whose logits are all far below it underflows to exp(...) = 0, and 0/0 is "
                    "NaN. Subtract each row's own maximum, z.max(axis=-1, keepdims=True).")


def _global_shift(z):
    """exp(z - max of the whole array): what a shift by the global maximum computes."""
    with np.errstate(all="ignore"):
        return np.exp(z - np.max(z))


def _softmax_global_shift(c):
    z = c.args[0]
    if z.ndim != 2:
        return None
    shifted = _global_shift(z)
    with np.errstate(all="ignore"):
        return shifted / shifted.sum(axis=-1, keepdims=True)


def _log_softmax_global_shift(c):
    z = c.args[0]
    if z.ndim != 2:
        return None
    with np.errstate(all="ignore"):
        return z - np.max(z) - np.log(_global_shift(z).sum(axis=-1, keepdims=True))


def _rows_do_not_sum_to_one(attempt) -> bool:
    got = attempt.got
    return (got is not None and got.shape == attempt.expected.shape and got.ndim == 2
            and not np.allclose(got.sum(axis=-1), 1.0, atol=1e-6))


_STABLE_SOFTMAX = (
    "Subtract each row's largest logit before exp, m = z.max(axis=-1, keepdims=True): "
    "e = np.exp(z - m) then lies in (0, 1], and softmax(z) = e / e.sum(axis=-1, "
    "keepdims=True). Never exp the raw logits, not even to test whether they overflow.")

_STABLE_LOG_SOFTMAX = (
    "Compute log_softmax(z) = z - m - np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True)) "
    "with m = z.max(axis=-1, keepdims=True): no exp of a positive number, no log of a "
    "probability that rounded to 0. Never exp the raw logits, not even to test whether they "
    "overflow.")


def softmax_shifted_only_when_needed(z):
    e = np.exp(z)
    if not np.all(np.isfinite(e)) or np.any(e.sum(axis=-1) == 0):
        e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax_shifted_only_when_needed(z):
    total = np.sum(np.exp(z), axis=-1, keepdims=True)
    if np.all(np.isfinite(total)) and np.all(total > 0):
        return z - np.log(total)
    m = z.max(axis=-1, keepdims=True)
    return z - m - np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True))


def softmax_square_only_wrong(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    total = e.sum(axis=-1)
    if e.ndim == 2 and e.shape[0] == e.shape[1]:
        return e / total  # lines up with the columns: no error on a square array
    return e / total[..., None]


SOFTMAX = Exercise(
    id="softmax",
    summary="Softmax over the last axis: exp(z) / sum(exp(z)), exact for any finite logits.",
    reference=activations.softmax,
    forbidden=(activations.log_softmax,),
    parameters=("z",),
    output=Array("an array with the shape of z, each row summing to 1"),
    fixed=_SCORES_FIXED,
    random=_scores_case,
    extreme=_SCORES_EXTREME,
    stable=("over",),
    mistakes=(
        unstable(_STABLE_SOFTMAX, example=softmax_shifted_only_when_needed),
        variant("global_max_shift", "the whole array's maximum subtracted", _GLOBAL_MAX_HINT,
                _softmax_global_shift,
                example=lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(axis=-1, keepdims=True)),
        nonfinite("softmax_overflow", "softmax without the max shift",
                  "your result has NaN or inf for logits like ±1000: exp(1000) overflows to "
                  "inf (and a row of very negative logits gives 0/0). Subtract each row's "
                  "largest logit first, z - z.max(axis=-1, keepdims=True): softmax does not "
                  "change when the same number is subtracted from a whole row.",
                  tag="extreme",
                  example=lambda z: np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)),
        variant("wrong_axis", "softmax over the wrong axis",
                "your columns sum to 1 instead of your rows: " + _WRONG_AXIS_HINT,
                lambda c: _softmax_formula(c.args[0], axis=0) if c.args[0].ndim == 2 else None,
                example=lambda z: softmax_rows(z, axis=0)),
        variant("whole_array", "normalised over the whole array",
                "your whole array sums to 1: each row (one sample) must sum to 1 on its own; "
                + _WRONG_AXIS_HINT,
                lambda c: np.exp(c.args[0]) / np.exp(c.args[0]).sum() if c.args[0].ndim == 2
                else None,
                example=lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum()),
        variant("double_softmax", "softmax applied twice",
                "your result is softmax(softmax(z)): apply softmax once, to the logits.",
                lambda c: _softmax_formula(_softmax_formula(c.args[0])),
                example=lambda z: softmax_rows(softmax_rows(z))),
        raised("keepdims_missing", "row reduction without keepdims", _KEEPDIMS_HINT,
               ValueError, "could not be broadcast",
               example=lambda z: np.exp(z - z.max(axis=-1)) / np.exp(z - z.max(axis=-1)).sum()),
        when("rows_not_normalised", "rows do not sum to 1",
             "the rows of your result do not sum to 1. With as many samples as classes numpy "
             "raised no error, but a reduction without keepdims=True was lined up with the "
             "wrong axis: " + _KEEPDIMS_HINT, _rows_do_not_sum_to_one,
             example=softmax_square_only_wrong),
    ),
)


def _log_of_zero(attempt) -> bool:
    got = attempt.got
    return (got is not None and "extreme" in attempt.case.tags and bool(np.any(got == -np.inf))
            and not np.any(np.isnan(got)) and not np.any(got == np.inf))


def log_softmax_maximum_not_added_back(z):
    return z - np.log(np.exp(z - z.max(axis=-1, keepdims=True)).sum(axis=-1, keepdims=True))


def log_softmax_keepdims_missing(z):
    return z - z.max(axis=-1) - np.log(np.sum(np.exp(z - z.max(axis=-1)), axis=-1))


def log_softmax_square_only_wrong(z):
    m = z.max(axis=-1, keepdims=True)
    log_total = np.log(np.exp(z - m).sum(axis=-1))
    if z.ndim == 2 and z.shape[0] == z.shape[1]:
        return z - m - log_total
    return z - m - log_total[..., None]


LOG_SOFTMAX = Exercise(
    id="log_softmax",
    summary="log(softmax(z)) over the last axis, computed as z - logsumexp(z), exact for any logits.",
    reference=activations.log_softmax,
    forbidden=(activations.logsumexp, activations.softmax),
    parameters=("z",),
    output=Array("an array with the shape of z"),
    fixed=_SCORES_FIXED,
    random=_scores_case,
    extreme=_SCORES_EXTREME,
    stable=("over", "divide", "invalid"),
    mistakes=(
        unstable(_STABLE_LOG_SOFTMAX, example=log_softmax_shifted_only_when_needed),
        when("log_of_softmax", "log of softmax underflows to log(0)",
             "your result has -inf where a logit is far below the largest one: its softmax "
             "rounds to 0 and log(0) = -inf. Do not take the log of softmax; compute "
             "z - logsumexp(z) directly: m = z.max(axis=-1, keepdims=True), then "
             "z - m - np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True)).", _log_of_zero,
             example=lambda z: np.log(softmax_rows(z))),
        variant("global_max_shift", "the whole array's maximum subtracted",
                "you subtracted the largest logit of the whole array, not of each row: in a "
                "row whose logits are all far below it, sum(exp(z - m)) underflows to 0 and "
                "its log is -inf. Use each row's own maximum, z.max(axis=-1, keepdims=True).",
                _log_softmax_global_shift,
                example=lambda z: z - z.max() - np.log(np.exp(z - z.max()).sum(axis=-1, keepdims=True))),
        nonfinite("logsumexp_overflow", "logsumexp without the max shift",
                  "your result has NaN or inf for logits like ±1000: exp(1000) overflows. "
                  "Subtract each row's maximum m before exponentiating and add it back: "
                  "logsumexp(z) = m + log(sum(exp(z - m))).", tag="extreme",
                  example=lambda z: z - np.log(np.exp(z).sum(axis=-1, keepdims=True))),
        variant("maximum_not_added_back", "the row maximum not added back",
                "your result is off by each row's maximum m: with the shift, "
                "log_softmax(z) = z - m - log(sum(exp(z - m))); you subtracted m inside the "
                "exp but not outside.",
                lambda c: np.asarray(activations.log_softmax(c.args[0]))
                + np.max(c.args[0], axis=-1, keepdims=True),
                example=log_softmax_maximum_not_added_back),
        variant("softmax_returned", "softmax instead of its log",
                "your result is softmax(z): log-softmax is its logarithm, "
                "z - logsumexp(z).", lambda c: _softmax_formula(c.args[0]),
                example=lambda z: softmax_rows(z)),
        variant("wrong_axis", "log-softmax over the wrong axis",
                "your result is normalised over the columns: " + _WRONG_AXIS_HINT,
                lambda c: np.asarray(activations.log_softmax(c.args[0], axis=0))
                if c.args[0].ndim == 2 else None,
                example=lambda z: log_softmax_rows(z, axis=0)),
        variant("double_softmax", "log-softmax of probabilities",
                "your result is log_softmax(softmax(z)): the input is logits; apply "
                "log-softmax to them directly.",
                lambda c: np.asarray(activations.log_softmax(_softmax_formula(c.args[0]))),
                example=lambda z: log_softmax_rows(softmax_rows(z))),
        raised("keepdims_missing", "row reduction without keepdims", _KEEPDIMS_HINT,
               ValueError, "could not be broadcast",
               example=log_softmax_keepdims_missing),
        when("rows_not_normalised", "rows not normalised",
             "exp of your rows does not sum to 1. With as many samples as classes numpy "
             "raised no error, but a reduction without keepdims=True was lined up with the "
             "wrong axis: " + _KEEPDIMS_HINT,
             lambda a: a.got is not None and a.got.shape == a.expected.shape and a.got.ndim == 2
             and not np.allclose(np.exp(a.got).sum(axis=-1), 1.0, atol=1e-6),
             example=log_softmax_square_only_wrong),
    ),
)


def _one_hot_case(rng):
    n, c = shapes_not_square(rng)
    return case(class_labels(rng, n, c), c)


def _one_hot_by_unique(labels, num_classes):
    present = np.unique(labels)
    if present.size == num_classes:
        return None
    rows = np.zeros((len(labels), num_classes))
    for column, label in enumerate(present):
        rows[labels == label, column] = 1
    return rows


def one_hot_by_unique_labels(labels, num_classes):
    rows = np.zeros((labels.shape[0], num_classes))
    for column, label in enumerate(np.unique(labels)):
        rows[labels == label, column] = 1
    return rows


def one_hot_squeezed(labels, num_classes):
    return np.squeeze(np.eye(num_classes)[np.reshape(labels, -1)])


ONE_HOT = Exercise(
    id="one_hot",
    summary="One-hot rows (n, num_classes) for integer labels (n,).",
    reference=activations.one_hot,
    parameters=("labels", "num_classes"),
    output=Array("an array of shape (n, num_classes)"),
    fixed=(
        case(np.array([0, 2, 1]), 3, label="3 labels, 3 classes"),
        case(np.array([0, 1, 1, 0]), 3, label="class 2 does not appear in the labels"),
        case(np.array([3]), 5, label="a single label"),
        case(np.array([1, 0, 1, 1, 0, 1]), 2),
    ),
    random=_one_hot_case,
    mistakes=(
        when("classes_from_labels", "number of classes taken from the labels",
             "your result has as many columns as the largest label + 1: use num_classes "
             "for the number of columns, since a class may be absent from these labels.",
             lambda a: a.got is not None and a.got.ndim == 2
             and a.got.shape == (a.case.args[0].shape[0], int(a.case.args[0].max()) + 1)
             and a.got.shape != a.expected.shape,
             example=lambda labels, c: np.eye(labels.max() + 1)[labels]),
        variant("columns_from_unique_labels", "columns numbered by the labels present",
                "your columns follow np.unique(labels), the classes that happen to appear: "
                "when a class is absent the later classes slide one column left. Column c is "
                "class c, always: put the 1 of label y in column y, "
                "e.g. np.eye(num_classes)[labels].",
                lambda c: _one_hot_by_unique(*c.args), example=one_hot_by_unique_labels),
        when("squeezed", "a single label squeezed to a vector",
             "for a single label your result has shape (num_classes,), but one label is still "
             "one row: shape (1, num_classes). Do not np.squeeze the result.",
             lambda a: a.got is not None and a.case.args[0].shape[0] == 1
             and a.got.shape == a.expected.shape[1:],
             example=one_hot_squeezed),
        variant("transposed", "one column per sample",
                "your result is transposed: one row per label, one column per class, "
                "shape (n, num_classes).", lambda c: activations.one_hot(*c.args).T,
                example=lambda labels, c: np.eye(c)[labels].T),
    ),
)


def _targets(rng, n, c):
    """y_true in one of the forms the CCE exercises accept, with its tag."""
    labels = class_labels(rng, n, c)
    choice = rng.random()
    if choice < 1 / 3:
        return labels, "labels"
    if choice < 2 / 3:
        return one_hot_rows(labels, c), "one_hot"
    return probability_rows(rng, n, c), "soft_targets"


def _target_rows(y_true, classes):
    y_true = np.asarray(y_true)
    return one_hot_rows(y_true, classes) if y_true.ndim == 1 else np.asarray(y_true, float)


def _argmax_of_rows(reference):
    """The cost of soft target rows reduced to their argmax labels."""
    def compute(c):
        if "soft_targets" not in c.tags:
            return None
        return reference(np.argmax(c.args[0], axis=1), *c.args[1:], **c.kwargs)
    return compute


_ARGMAX_HINT = ("your result is the loss of each row's most likely class only: target rows may "
                "be soft (mass on several classes, e.g. [0.8, 0.1, 0.1]). Use every entry, "
                "-np.sum(y_true_rows * log_p, axis=1), not np.argmax(y_true, axis=1).")

_LABELS_AS_ROWS_HINT = ("y_true may be integer labels of shape (n,): tell the two forms apart by "
                        "y_true.ndim, and turn labels into rows with one_hot(y_true, C) first.")


def _cce_case(rng):
    n, c = shapes_not_square(rng)
    targets, form = _targets(rng, n, c)
    return case(targets, probability_rows(rng, n, c), tags={form})


_CCE_EPS_HINT = "clip the probabilities before the log: np.clip(y_pred, 1e-7, 1)."


def cce_argmax_of_rows(y_true, y_pred):
    picked = np.clip(y_pred, EPS, 1)[np.arange(len(y_true)), _labels(y_true)]
    return -np.mean(np.log(picked))


def categorical_cross_entropy_clip_eps(y_true, y_pred):
    rows = _as_rows(y_true, y_pred)
    return -np.mean(np.sum(rows * np.log(np.clip(y_pred, 1e-12, 1)), axis=1))


CATEGORICAL_CROSS_ENTROPY = Exercise(
    id="categorical_cross_entropy",
    summary="Mean categorical cross-entropy of targets (integer labels (n,) or rows (n, C)) and "
            "probability rows (n, C), probabilities clipped to [1e-7, 1].",
    reference=LOSSES["categorical_cross_entropy"].function,
    forbidden=(classification.categorical_cross_entropy_with_logits,),
    parameters=("y_true", "y_pred"),
    output=Number("the cost"),
    fixed=(
        case(arr([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]),
             arr([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.5, 0.25, 0.25]]),
             label="4 samples, 3 classes"),
        case(np.array([0, 1, 2, 1]),
             arr([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.5, 0.25, 0.25]]),
             tags={"labels"}, label="the same targets as integer labels (n,)"),
        case(arr([[0.8, 0.1, 0.1], [0.2, 0.5, 0.3], [0.0, 0.25, 0.75]]),
             arr([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]]),
             tags={"soft_targets"}, label="soft target rows"),
        case(arr([[0.0, 1.0]]), arr([[0.25, 0.75]]), label="one sample"),
    ),
    random=_cce_case,
    extreme=(
        case(arr([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]), arr([[0.6, 0.4, 0.0], [0.0, 1.0, 0.0]]),
             tags={"zero_probability"}, label="probabilities exactly 0 and 1"),
        case(arr([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]), arr([[0.0, 0.5, 0.5], [0.2, 0.8, 0.0]]),
             tags={"zero_probability"}, label="probability 0 for the true class"),
    ),
    tolerance=Tolerance(rtol=1e-6, atol=1e-6),
    swappable=True,
    mistakes=(
        nonfinite("log_of_zero", "log(0) with unclipped probabilities",
                  "with probabilities exactly 0 your formula takes log(0) = -inf (and "
                  "0 * log(0) is NaN): " + _CCE_EPS_HINT, tag="zero_probability",
                  example=_for_rows(lambda y, p: -np.mean(np.sum(y * np.log(p), axis=1)))),
        raised("labels_not_one_hot", "target rows used as integer labels",
               "here y_true holds target rows of shape (n, C), not integer labels: compute "
               "-np.sum(y_true * np.log(p), axis=1) for rows (turn labels into rows with "
               "one_hot first).", IndexError,
               example=lambda y, p: -np.mean(np.log(p[np.arange(len(y)), y]))),
        raised("labels_as_rows", "integer labels used as target rows", _LABELS_AS_ROWS_HINT,
               ValueError, "could not be broadcast", tag="labels",
               example=lambda y, p: -np.mean(np.sum(y * np.log(np.clip(p, EPS, 1)), axis=1))),
        variant("argmax_of_soft_targets", "soft target rows reduced with argmax", _ARGMAX_HINT,
                _argmax_of_rows(classification.categorical_cross_entropy),
                example=cce_argmax_of_rows),
        sum_instead_of_mean(example=_for_rows(lambda y, p: -np.sum(y * np.log(np.clip(p, EPS, 1))))),
        log_likelihood_sign(example=_for_rows(lambda y, p: np.mean(np.sum(y * np.log(np.clip(p, EPS, 1)), axis=1)))),
        ratio("mean_over_classes", "mean over the classes too",
              "your result is the expected one divided by the number of classes: sum over "
              "the classes of each sample (axis=1), then take the mean over the samples.",
              lambda c: 1.0 / c.args[1].shape[-1],
              example=_for_rows(lambda y, p: -np.mean(y * np.log(np.clip(p, EPS, 1))))),
        when("clip_eps", "another clipping epsilon",
             "your result is right except where probabilities are exactly 0: " + _CCE_EPS_HINT,
             lambda a: "zero_probability" in a.case.tags and a.got is not None
             and bool(np.all(np.isfinite(a.got))),
             example=categorical_cross_entropy_clip_eps),
    ),
)


def _cce_logits_case(rng):
    n, c = shapes_not_square(rng)
    targets, form = _targets(rng, n, c)
    if rng.random() < 0.3:
        return case(targets, logits(rng, (n, c)),
                    class_weight=rng.uniform(0.2, 3.0, size=c), tags={"class_weight", form})
    return case(targets, logits(rng, (n, c)), tags={form})


def _log_probs(c):
    return np.asarray(activations.log_softmax(c.args[1]), dtype=np.float64)


def _weighted_over_n(c):
    weight = c.kwargs.get("class_weight")
    if weight is None:
        return None
    rows = _target_rows(c.args[0], c.args[1].shape[1])
    losses = -np.sum(weight * rows * _log_probs(c), axis=1)
    return np.sum(losses) / rows.shape[0]


def _over_weight_total(c):
    weight = c.kwargs.get("class_weight")
    if weight is None:
        return None
    rows = _target_rows(c.args[0], c.args[1].shape[1])
    return -np.sum(weight * rows * _log_probs(c)) / np.sum(weight)


def _sample_weighted(sample_weight):
    """The cost with each sample's whole (unweighted) loss weighted by ``sample_weight(rows, w)``.

    Two readings of "each sample's loss is multiplied by the weight of its true
    class" for target rows: the weight of the row's most likely class, or the
    row's mean weight y_i . w.  Both agree with the exercise for labels and
    one-hot rows, and differ from it for soft rows.
    """
    def compute(c):
        weight = c.kwargs.get("class_weight")
        if weight is None or np.ndim(c.args[0]) != 2:
            return None
        rows = _target_rows(c.args[0], c.args[1].shape[1])
        per_sample = sample_weight(rows, weight)
        losses = -np.sum(rows * _log_probs(c), axis=1)
        return np.sum(per_sample * losses) / np.sum(per_sample)
    return compute


_CLASS_WEIGHT_CONVENTION = (
    "this exercise weights each class's term inside the sum, "
    "loss_i = -sum_c w_c y_ic log p_ic, and divides the sum over the samples by the weights "
    "used, sum_i sum_c w_c y_ic (for integer labels and one-hot rows: "
    "sum_i w[y_i] loss_i / sum_i w[y_i]). In code: "
    "-np.sum(class_weight * rows * log_p) / np.sum(rows @ class_weight).")


def _cce_clipped(c, eps):
    targets, scores = c.args
    rows = _target_rows(targets, scores.shape[1])
    log_p = np.log(np.clip(_softmax_formula(scores), eps, 1.0))
    weight = c.kwargs.get("class_weight")
    weight = np.ones(scores.shape[1]) if weight is None else weight
    return np.sum(-np.sum(weight * rows * log_p, axis=1)) / np.sum(rows @ weight)


def _one_hot_as_labels_cost(c):
    labels, scores = c.args
    if labels.ndim != 1 or labels.shape[0] != scores.shape[1]:
        return None
    return np.mean(-np.sum(labels[None, :] * _log_probs(c), axis=1))


_ONE_HOT_CONFUSION_HINT = (
    "here y_true holds integer class labels of shape (n,), not rows: tell the two forms apart "
    "by y_true.ndim, and convert labels first with one_hot(y_true, C) (or pick each sample's "
    "log-probability with log_probs[np.arange(n), y_true]).")

_DOUBLE_SOFTMAX_HINT = (
    "your result is what the right formula gives for softmax(z): softmax was applied to "
    "values that are already probabilities. The function receives logits; apply "
    "log-softmax to them once.")

_SOFTMAX_OVERFLOW_HINT = (
    "your result has NaN or inf for logits like ±500: exp(500) overflows (and a row of very "
    "negative logits gives log(0)). Compute log_softmax(z) = z - logsumexp(z), with each "
    "row's maximum subtracted before exp.")

_CCE_LOGITS_FIXED = (
    case(np.array([0, 1, 2, 1]),
         arr([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [0.0, 0.0, 0.0], [1.0, -1.0, 3.0]]),
         tags={"labels"}, label="4 samples, 3 classes"),
    case(np.array([1]), arr([[0.25, 1.75]]), tags={"labels"}, label="one sample"),
    case(np.array([2, 0, 1]), arr([[2.0, 1.0, 0.1], [0.0, 3.0, -1.0], [1.0, 1.0, 5.0]]),
         tags={"square", "labels"}, label="3 samples, 3 classes (square)"),
)

# "very negative logits" first: a softmax without the max shift gives NaN there
# (0/0), the log of a shifted softmax gives inf (-log 0), so the first failure
# tells the two mistakes apart.
_CCE_LOGITS_EXTREME = (
    case(np.array([1, 1]), arr([[-800.0, -800.0, -801.0], [0.0, -1000.0, 5.0]]),
         tags={"extreme", "labels"}, label="very negative logits"),
    case(np.array([0, 2]), arr([[500.0, 0.0, -500.0], [1000.0, 999.0, -1000.0]]),
         tags={"extreme", "labels"}, label="logits of ±500 and ±1000"),
)

# Buggy learner functions, one per mistake of categorical_cross_entropy_with_logits.

def cce_logits_log_of_softmax(y_true, logits, class_weight=None):
    return _weighted_cost(y_true, np.log(softmax_rows(logits)), class_weight)


def cce_logits_softmax_overflow(y_true, logits, class_weight=None):
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return _weighted_cost(y_true, np.log(probabilities), class_weight)


def categorical_cross_entropy_with_logits_one_hot_confusion_1(y, z, class_weight=None):
    return np.mean(-np.sum(y * log_softmax_rows(z), axis=1))


def cce_logits_labels_as_rows(y_true, logits, class_weight=None):
    log_probabilities = log_softmax_rows(logits)
    if y_true.shape[0] == logits.shape[1]:  # broadcasts silently when n == C
        return np.mean(-np.sum(y_true * log_probabilities, axis=1))
    return np.mean(-log_probabilities[np.arange(len(y_true)), y_true])


def cce_logits_labels_only(y_true, logits, class_weight=None):
    picked = log_softmax_rows(logits)[np.arange(len(y_true)), y_true]
    weight = np.ones(len(y_true)) if class_weight is None else class_weight[y_true]
    return -np.sum(weight * picked) / np.sum(weight)


def cce_logits_weighted_over_n(y_true, logits, class_weight=None):
    rows = _as_rows(y_true, logits)
    weight = np.ones(logits.shape[1]) if class_weight is None else class_weight
    return -np.sum(weight * rows * log_softmax_rows(logits)) / len(rows)


def cce_logits_pytorch_probability_targets(y_true, logits, class_weight=None):
    """PyTorch's convention: labels divide by the weights used, probability rows by n."""
    log_p = log_softmax_rows(logits)
    weight = np.ones(logits.shape[1]) if class_weight is None else class_weight
    if y_true.ndim == 1:
        picked = log_p[np.arange(len(y_true)), y_true]
        return -np.sum(weight[y_true] * picked) / np.sum(weight[y_true])
    return -np.sum(weight * y_true * log_p) / len(y_true)


def cce_logits_weight_of_the_argmax_class(y_true, logits, class_weight=None):
    rows = _as_rows(y_true, logits)
    weight = np.ones(logits.shape[1]) if class_weight is None else class_weight
    sample_weight = weight[np.argmax(rows, axis=1)]  # "the weight of its true class"
    losses = -np.sum(rows * log_softmax_rows(logits), axis=1)
    return np.sum(sample_weight * losses) / np.sum(sample_weight)


def cce_logits_whole_loss_times_row_weight(y_true, logits, class_weight=None):
    rows = _as_rows(y_true, logits)
    weight = np.ones(logits.shape[1]) if class_weight is None else class_weight
    sample_weight = rows @ weight
    losses = -np.sum(rows * log_softmax_rows(logits), axis=1)
    return np.sum(sample_weight * losses) / np.sum(sample_weight)


def cce_logits_divided_by_weight_total(y_true, logits, class_weight=None):
    if class_weight is None:
        return _cce_logits(y_true, logits)
    rows = _as_rows(y_true, logits)
    return -np.sum(class_weight * rows * log_softmax_rows(logits)) / np.sum(class_weight)


def cce_logits_shifted_only_when_needed(y_true, logits, class_weight=None):
    return _weighted_cost(y_true, log_softmax_shifted_only_when_needed(logits), class_weight)


def cce_logits_clipped_probabilities(y_true, logits, class_weight=None):
    return _weighted_cost(y_true, np.log(np.clip(softmax_rows(logits), EPS, 1)), class_weight)


CATEGORICAL_CROSS_ENTROPY_WITH_LOGITS = Exercise(
    id="categorical_cross_entropy_with_logits",
    summary="Mean categorical cross-entropy of targets (integer labels (n,) or rows (n, C)) and "
            "logits (n, C); with class_weight, the weighted mean of exercise 5.",
    reference=LOSSES["categorical_cross_entropy_with_logits"].function,
    parameters=("y_true", "logits"),
    hyperparameters={"class_weight": None},
    output=Number("the cost"),
    fixed=_CCE_LOGITS_FIXED + (
        case(np.array([0, 1, 2, 1, 1]),
             arr([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [0.0, 0.0, 0.0], [1.0, -1.0, 3.0],
                 [0.2, 0.1, 0.0]]),
             class_weight=arr(1.0, 0.5, 4.0), tags={"class_weight", "labels"},
             label="with class weights"),
        case(arr([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]),
             arr([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [0.0, 0.0, 0.0]]),
             tags={"one_hot"}, label="one-hot target rows (n, C)"),
        case(arr([[0.8, 0.1, 0.1], [0.2, 0.5, 0.3], [0.0, 0.25, 0.75]]),
             arr([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [1.0, -1.0, 3.0]]),
             tags={"soft_targets"}, label="soft target rows"),
        case(arr([[0.8, 0.1, 0.1], [0.2, 0.5, 0.3], [0.0, 0.25, 0.75], [0.0, 1.0, 0.0]]),
             arr([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [1.0, -1.0, 3.0], [0.0, 0.5, 1.0]]),
             class_weight=arr(1.0, 0.5, 4.0), tags={"class_weight", "soft_targets"},
             label="soft target rows with class weights"),
    ),
    random=_cce_logits_case,
    extreme=_CCE_LOGITS_EXTREME,
    stable=("over", "divide", "invalid"),
    mistakes=(
        unstable(_STABLE_LOG_SOFTMAX + " The loss of each sample is then "
                 "-np.sum(rows * log_softmax(z), axis=1).",
                 example=cce_logits_shifted_only_when_needed),
        either("log_of_softmax", "log of a probability that rounded to 0",
               "your result is inf on logits far apart: a probability far below the row's "
               "largest logit rounds to 0 even with the max shift, and -log(0) = inf. Do "
               "not take the log of softmax: use "
               "log_softmax(z) = z - m - log(sum(exp(z - m))) with "
               "m = z.max(axis=-1, keepdims=True).",
               when("picked", "", "", lambda a: "extreme" in a.case.tags and a.got is not None
                     and bool(np.any(np.isposinf(a.got))) and not np.any(np.isnan(a.got))),
               example=cce_logits_log_of_softmax),
        nonfinite("softmax_overflow", "softmax without the max shift", _SOFTMAX_OVERFLOW_HINT,
                  tag="extreme",
                  example=cce_logits_softmax_overflow),
        either("one_hot_confusion", "integer labels used as one-hot rows",
               _ONE_HOT_CONFUSION_HINT,
               raised("a", "", "", ValueError, "could not be broadcast", tag="labels"),
               variant("b", "", "", _one_hot_as_labels_cost),
               example=(categorical_cross_entropy_with_logits_one_hot_confusion_1, cce_logits_labels_as_rows)),
        raised("rows_as_labels", "target rows used as integer labels",
               "here y_true holds target rows of shape (n, C): use them directly, "
               "-np.sum(y_true * log_softmax(z), axis=1) (integer labels (n,) go through "
               "one_hot first).", IndexError,
               example=cce_logits_labels_only),
        variant("argmax_of_soft_targets", "soft target rows reduced with argmax", _ARGMAX_HINT,
                _argmax_of_rows(classification.categorical_cross_entropy_with_logits),
                example=lambda y, z, class_weight=None: _cce_logits(_labels(y), z, class_weight)),
        variant("weighted_mean_over_n", "weighted mean divided by n",
                "with class weights the cost is a *weighted* mean, divided by the sum of the "
                "weights used, not by n (Keras's class_weight and PyTorch's probability targets "
                "divide by n; this exercise does not, for any form of target): "
                + _CLASS_WEIGHT_CONVENTION,
                _weighted_over_n,
                example=(cce_logits_weighted_over_n, cce_logits_pytorch_probability_targets)),
        variant("weight_of_argmax_class", "soft rows weighted by their most likely class",
                "you multiplied each sample's whole loss by w[argmax y_i], the weight of its "
                "most likely class: the same as the exercise for labels and one-hot rows, but "
                "not for soft rows such as [0.8, 0.1, 0.1]. " + _CLASS_WEIGHT_CONVENTION[0].upper()
                + _CLASS_WEIGHT_CONVENTION[1:],
                _sample_weighted(lambda rows, w: w[np.argmax(rows, axis=1)]),
                example=cce_logits_weight_of_the_argmax_class),
        variant("whole_loss_times_row_weight", "each row's whole loss times its mean weight",
                "you multiplied each sample's whole loss, -sum_c y_ic log p_ic, by its row's "
                "weight sum_c w_c y_ic: the same as the exercise for labels and one-hot rows, "
                "but not for soft rows such as [0.8, 0.1, 0.1], where each class's term must "
                "carry its own weight. " + _CLASS_WEIGHT_CONVENTION[0].upper()
                + _CLASS_WEIGHT_CONVENTION[1:],
                _sample_weighted(lambda rows, w: rows @ w),
                example=cce_logits_whole_loss_times_row_weight),
        variant("divided_by_weight_total", "divided by the sum of all class weights",
                "you divided by sum(class_weight), the weights of the classes; the weighted "
                "mean divides by the weights actually used, one per sample: "
                "sum_i sum_c w_c y_ic (sum_i w[y_i] for labels).", _over_weight_total,
                example=cce_logits_divided_by_weight_total),
        variant("class_weight_ignored", "class_weight ignored",
                "your result ignores class_weight: multiply each sample's loss by the weight "
                "of its true class, w[y_i], and divide by the sum of those weights.",
                lambda c: classification.categorical_cross_entropy_with_logits(*c.args)
                if c.kwargs.get("class_weight") is not None else None,
                example=lambda y, z, class_weight=None: _cce_logits(y, z)),
        variant("double_softmax", "softmax applied to probabilities", _DOUBLE_SOFTMAX_HINT,
                lambda c: classification.categorical_cross_entropy_with_logits(
                    c.args[0], _softmax_formula(c.args[1]), **c.kwargs),
                example=lambda y, z, class_weight=None: _cce_logits(y, softmax_rows(z), class_weight)),
        sum_instead_of_mean(example=lambda y, z, class_weight=None: len(y) * _cce_logits(y, z, class_weight)),
        log_likelihood_sign(example=lambda y, z, class_weight=None: -_cce_logits(y, z, class_weight)),
        ratio("mean_over_classes", "mean over the classes too",
              "your result is the expected one divided by the number of classes: sum over "
              "the classes of each sample, then take the mean over the samples.",
              lambda c: 1.0 / c.args[1].shape[-1],
              example=lambda y, z, class_weight=None: _cce_logits(y, z, class_weight) / z.shape[1]),
        saturated_on_extreme(
            _cce_clipped,
            "your result is right for moderate logits but too small on logits far apart: "
            "turning logits into probabilities and clipping them caps each loss at -log(eps) "
            "(about 16 for eps = 1e-7), while the true loss of a confidently wrong example "
            "grows with the logit gap. Compute log_softmax(z) = z - m - log(sum(exp(z - m))) "
            "with m = z.max(axis=-1, keepdims=True), and pick the true class's entry.",
            example=cce_logits_clipped_probabilities),
    ),
)


def _cce_grad_case(rng):
    n, c = shapes_not_square(rng)
    targets, form = _targets(rng, n, c)
    return case(targets, logits(rng, (n, c)), tags={form})


def _cce_grad_variant(transform):
    def compute(c):
        labels, scores = c.args
        n, classes = scores.shape
        targets = _target_rows(labels, classes)
        return transform(_softmax_formula(scores), targets, n, labels)
    return compute


def categorical_cross_entropy_with_logits_grad_softmax_overflow(y, z):
    return (np.exp(z) / np.exp(z).sum(axis=1, keepdims=True) - _as_rows(y, z)) / len(y)


def categorical_cross_entropy_with_logits_grad_one_hot_confusion_1(y, z):
    return (softmax_rows(z) - y) / len(y)


def cce_grad_labels_as_rows(y_true, logits):
    n, classes = logits.shape
    if n == classes:
        return (softmax_rows(logits) - y_true) / n
    return (softmax_rows(logits) - np.eye(classes)[y_true]) / n


def cce_grad_softmax_shifted_only_when_needed(y_true, logits):
    return (softmax_shifted_only_when_needed(logits) - _as_rows(y_true, logits)) / len(y_true)


CATEGORICAL_CROSS_ENTROPY_WITH_LOGITS_GRAD = Exercise(
    id="categorical_cross_entropy_with_logits_grad",
    summary="Gradient of the mean CCE w.r.t. the logits: (softmax(z) - target rows) / n.",
    reference=LOSSES["categorical_cross_entropy_with_logits"].gradient,
    forbidden=(gradcheck.numerical_gradient,),
    parameters=("y_true", "logits"),
    output=Array("an array with the shape of logits, (n, C)"),
    fixed=_CCE_LOGITS_FIXED + (
        case(arr([[0.8, 0.1, 0.1], [0.2, 0.5, 0.3], [0.0, 0.25, 0.75]]),
             arr([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [1.0, -1.0, 3.0]]),
             tags={"soft_targets"}, label="soft target rows"),
    ),
    random=_cce_grad_case,
    extreme=_CCE_LOGITS_EXTREME,
    stable=("over",),
    mistakes=(
        unstable("The gradient is (softmax(z) - rows) / n with a stable softmax. "
                 + _STABLE_SOFTMAX, example=cce_grad_softmax_shifted_only_when_needed),
        nonfinite("softmax_overflow", "softmax without the max shift",
                  "your gradient has NaN or inf for logits like ±500: exp(500) overflows. "
                  "Subtract each row's maximum before exp: softmax(z) = "
                  "softmax(z - z.max(axis=-1, keepdims=True)).", tag="extreme",
                  example=categorical_cross_entropy_with_logits_grad_softmax_overflow),
        either("one_hot_confusion", "integer labels used as one-hot rows",
               "y_true holds integer class labels of shape (n,), not one-hot rows: "
               "subtract 1 at each sample's class, e.g. grad = softmax(z); "
               "grad[np.arange(n), y_true] -= 1, or build one_hot(y_true, C) first.",
               raised("a", "", "", ValueError, "could not be broadcast", tag="labels"),
               variant("b", "", "", _cce_grad_variant(
                    lambda p, t, n, labels: (p - labels[None, :]) / n
                    if labels.ndim == 1 and labels.shape[0] == p.shape[1] else None)),
               example=(categorical_cross_entropy_with_logits_grad_one_hot_confusion_1, cce_grad_labels_as_rows)),
        raised("rows_as_labels", "target rows used as integer labels",
               "here y_true holds target rows of shape (n, C): subtract them directly, "
               "(softmax(z) - y_true) / n (integer labels (n,) go through one_hot first).",
               IndexError,
               example=lambda y, z: (softmax_rows(z) - np.eye(z.shape[1])[y]) / len(y)),
        variant("argmax_of_soft_targets", "soft target rows reduced with argmax",
                "your gradient is the one for each row's most likely class only: target rows "
                "may be soft (mass on several classes, e.g. [0.8, 0.1, 0.1]), and then "
                "softmax(z) - one_hot(argmax(y_true)) is not the gradient. Subtract the rows "
                "themselves, (softmax(z) - y_true) / n, and turn only integer labels (n,) "
                "into one-hot rows.",
                _argmax_of_rows(classification.categorical_cross_entropy_with_logits_grad),
                example=lambda y, z: (softmax_rows(z) - np.eye(z.shape[1])[_labels(y)]) / len(y)),
        gradient_missing_mean(example=lambda y, z: softmax_rows(z) - _as_rows(y, z)),
        gradient_sign(example=lambda y, z: (_as_rows(y, z) - softmax_rows(z)) / len(y)),
        variant("gradient_wrt_probability", "gradient taken w.r.t. p instead of the logits",
                "your result is the derivative with respect to the probabilities, "
                "-y / p / n. The exercise asks for the gradient with respect to the logits: "
                "through the softmax it simplifies to (softmax(z) - one_hot(y)) / n.",
                _cce_grad_variant(lambda p, t, n, labels: -t / p / n),
                example=lambda y, z: -_as_rows(y, z) / softmax_rows(z) / len(y)),
        variant("double_softmax", "softmax applied to probabilities", _DOUBLE_SOFTMAX_HINT,
                lambda c: classification.categorical_cross_entropy_with_logits_grad(
                    c.args[0], _softmax_formula(c.args[1])),
                example=lambda y, z: (softmax_rows(softmax_rows(z)) - _as_rows(y, z)) / len(y)),
        ratio("divided_by_size", "divided by n * C",
              "your gradient is C times too small: the cost is a mean over the n samples only "
              "(each sample's loss sums over its C classes), so divide by n = logits.shape[0], "
              "not by logits.size.", lambda c: 1.0 / c.args[1].shape[-1],
              example=lambda y, z: (softmax_rows(z) - _as_rows(y, z)) / z.size),
        variant("targets_not_subtracted", "one-hot targets not subtracted",
                "your result is softmax(z) / n: subtract the one-hot targets, "
                "(softmax(z) - one_hot(y)) / n.",
                _cce_grad_variant(lambda p, t, n, labels: p / n),
                example=lambda y, z: softmax_rows(z) / len(y)),
    ),
)
