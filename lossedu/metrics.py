"""Classification metrics: how good the predicted labels are.

Metrics are not losses.  A metric such as accuracy counts correct labels,
and a label only changes when a score crosses the decision threshold.  As a
function of the model's parameters a metric is therefore *piecewise
constant*: flat almost everywhere, with jumps where some prediction flips.
Its gradient is zero almost everywhere (and undefined at the jumps), so
gradient descent on a metric gets no signal about which way to move.  We
train on a smooth loss (cross-entropy, hinge, ...) that is a differentiable
surrogate for the metric, and we *report* the metric.

All functions take labels, not probabilities: threshold probabilities first,
e.g. ``(p >= 0.5).astype(int)``, or take ``argmax`` over classes.  Inputs are
never mutated, and every metric returns a Python float (the confusion
matrix an int64 array).

* :func:`accuracy` -- fraction of correct labels (any number of classes).
* :func:`precision`, :func:`recall`, :func:`f1_score` -- binary, positive
  class 1.  A ratio whose denominator is 0 is defined as 0.0.
* :func:`top_k_accuracy` -- the true class among the ``k`` highest scores.
* :func:`confusion_matrix` -- counts of (true class, predicted class) pairs.
"""

from __future__ import annotations

import numbers

import numpy as np

from lossedu._validation import (
    as_float_array,
    as_labels,
    check_int64_range,
    check_ndim,
    check_not_empty,
    check_same_shape,
)

__all__ = [
    "accuracy",
    "confusion_matrix",
    "f1_score",
    "precision",
    "recall",
    "top_k_accuracy",
]


_MAX_SPARSE_CLASSES = 1000
"""confusion_matrix infers at most this many classes when most of them are absent."""


def _as_int_labels(value, name: str) -> np.ndarray:
    """Return integer labels as int64, with a hint when probabilities came instead."""
    array = as_float_array(value, name)
    fractional = array != np.round(array)
    if fractional.any():
        raise ValueError(
            f"{name} must hold integer class labels, got the non-integer value "
            f"{float(array[fractional].ravel()[0])!r}; metrics compare labels: threshold "
            "probabilities first, e.g. (p >= 0.5).astype(int), or take argmax over the classes"
        )
    check_int64_range(array, name)
    return array.astype(np.int64)


def _as_label_pair(y_true, y_pred):
    """Validate two label arrays of the same shape; return them as int64 vectors."""
    truth = _as_int_labels(y_true, "y_true")
    prediction = _as_int_labels(y_pred, "y_pred")
    check_same_shape(truth, prediction)
    check_ndim(prediction, "y_pred", (0, 1))
    check_not_empty(prediction, "y_pred")
    return truth.reshape(-1), prediction.reshape(-1)


def _as_binary_pair(y_true, y_pred):
    truth, prediction = _as_label_pair(y_true, y_pred)
    for array, name in ((truth, "y_true"), (prediction, "y_pred")):
        bad = (array != 0) & (array != 1)
        if bad.any():
            raise ValueError(
                f"{name} must contain only the binary labels 0 and 1 (positive class 1), "
                f"got {int(array[bad][0])}; for more classes compute the metric one "
                "class at a time, e.g. (y == c).astype(int)"
            )
    return truth, prediction


def _counts(truth: np.ndarray, prediction: np.ndarray) -> tuple[int, int, int]:
    """True positives, false positives, false negatives."""
    true_positives = int(np.sum((truth == 1) & (prediction == 1)))
    false_positives = int(np.sum((truth == 0) & (prediction == 1)))
    false_negatives = int(np.sum((truth == 1) & (prediction == 0)))
    return true_positives, false_positives, false_negatives


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def accuracy(y_true, y_pred):
    r"""Fraction of samples whose predicted label equals the true label.

    .. math::

        \text{accuracy} = \frac{1}{n} \sum_i [\hat y_i = y_i]

    Parameters
    ----------
    y_true, y_pred : array_like of int, shape (n,) or scalar
        Class labels (any integer classes), same shape.

    Returns
    -------
    float
        In [0, 1].

    Notes
    -----
    A count, exact.  On imbalanced data a high accuracy can hide a useless
    model: predicting the majority class everywhere scores the majority's
    share.

    Examples
    --------
    >>> from lossedu.metrics import accuracy
    >>> accuracy([0, 1, 2, 2], [0, 2, 2, 2])
    0.75
    """
    truth, prediction = _as_label_pair(y_true, y_pred)
    return float(np.mean(truth == prediction))


def precision(y_true, y_pred):
    r"""Of the samples predicted positive, the fraction that are positive.

    .. math::

        \text{precision} = \frac{TP}{TP + FP}

    Parameters
    ----------
    y_true, y_pred : array_like, shape (n,) or scalar
        Binary labels in {0, 1}; the positive class is 1.

    Returns
    -------
    float
        In [0, 1]; 0.0 when nothing is predicted positive (0/0).

    Notes
    -----
    Counts, exact.  The 0/0 case returns 0.0 without a warning (the choice
    scikit-learn makes with ``zero_division=0``).

    Examples
    --------
    >>> from lossedu.metrics import precision
    >>> precision([1, 0, 1, 0], [1, 1, 0, 0])  # TP = 1, FP = 1
    0.5
    """
    true_positives, false_positives, _ = _counts(*_as_binary_pair(y_true, y_pred))
    return _ratio(true_positives, true_positives + false_positives)


def recall(y_true, y_pred):
    r"""Of the positive samples, the fraction predicted positive.

    .. math::

        \text{recall} = \frac{TP}{TP + FN}

    Parameters
    ----------
    y_true, y_pred : array_like, shape (n,) or scalar
        Binary labels in {0, 1}; the positive class is 1.

    Returns
    -------
    float
        In [0, 1]; 0.0 when there is no positive sample (0/0).

    Notes
    -----
    Counts, exact; the 0/0 case returns 0.0 without a warning.

    Examples
    --------
    >>> from lossedu.metrics import recall
    >>> recall([1, 1, 1, 0], [1, 0, 0, 1])  # TP = 1, FN = 2
    0.3333333333333333
    """
    true_positives, _, false_negatives = _counts(*_as_binary_pair(y_true, y_pred))
    return _ratio(true_positives, true_positives + false_negatives)


def f1_score(y_true, y_pred):
    r"""Harmonic mean of precision and recall.

    .. math::

        F_1 = \frac{2\,\text{precision}\cdot\text{recall}}{\text{precision} + \text{recall}}
            = \frac{2\,TP}{2\,TP + FP + FN}

    Parameters
    ----------
    y_true, y_pred : array_like, shape (n,) or scalar
        Binary labels in {0, 1}; the positive class is 1.

    Returns
    -------
    float
        In [0, 1]; 0.0 when there are neither positive samples nor positive
        predictions (0/0).

    Notes
    -----
    Computed from the counts with the second form, so it is exact and needs
    no special case when precision or recall is 0.

    Examples
    --------
    >>> from lossedu.metrics import f1_score
    >>> f1_score([1, 0, 1, 0], [1, 1, 0, 0])  # 2 / (2 + 1 + 1)
    0.5
    """
    true_positives, false_positives, false_negatives = _counts(*_as_binary_pair(y_true, y_pred))
    return _ratio(2 * true_positives, 2 * true_positives + false_positives + false_negatives)


def top_k_accuracy(y_true, scores, *, k=1):
    r"""Fraction of samples whose true class is among the ``k`` highest scores.

    .. math::

        \frac{1}{n} \sum_i \bigl[\#\{c : s_{ic} > s_{i y_i}\} < k\bigr]

    Parameters
    ----------
    y_true : array_like of int, shape (n,) or scalar
        True class labels in ``0 .. C-1``.
    scores : array_like, shape (n, C) or (C,)
        Class scores: logits or probabilities (only their order matters).
    k : int, default 1
        How many top classes count, ``1 <= k <= C``.  ``k=1`` is accuracy of
        the argmax.

    Returns
    -------
    float
        In [0, 1].

    Notes
    -----
    Ties count in the sample's favour: the true class is in the top ``k``
    when fewer than ``k`` classes score *strictly* higher, whatever the class
    order.

    Examples
    --------
    >>> from lossedu.metrics import top_k_accuracy
    >>> scores = [[0.1, 0.6, 0.3], [0.5, 0.2, 0.3]]
    >>> top_k_accuracy([2, 2], scores, k=1)
    0.0
    >>> top_k_accuracy([2, 2], scores, k=2)
    1.0
    """
    values = as_float_array(scores, "scores")
    check_ndim(values, "scores", (1, 2))
    check_not_empty(values, "scores")
    single = values.ndim == 1
    if single:
        values = values.reshape(1, -1)
    num_classes = values.shape[1]
    labels = as_labels(y_true, "y_true", num_classes)
    expected = ((), (1,)) if single else ((values.shape[0],),)
    if labels.shape not in expected:
        raise ValueError(
            f"y_true has shape {labels.shape} but scores has shape {np.shape(scores)}; "
            "y_true must hold one integer label per row of scores"
        )
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"k must be an integer, got {type(k).__name__} {k!r}")
    if not 1 <= k <= num_classes:
        raise ValueError(f"k must be between 1 and the number of classes {num_classes}, got {k}")
    labels = labels.reshape(-1)
    true_scores = values[np.arange(values.shape[0]), labels]
    higher = np.sum(values > true_scores[:, None], axis=1)
    return float(np.mean(higher < k))


def confusion_matrix(y_true, y_pred, *, num_classes=None):
    r"""Counts of each (true class, predicted class) pair.

    .. math::

        M_{ab} = \#\{i : y_i = a,\ \hat y_i = b\}

    Rows are the true classes, columns the predicted classes, so the
    diagonal holds the correct predictions.  For binary labels
    ``[[TN, FP], [FN, TP]]``.

    Parameters
    ----------
    y_true, y_pred : array_like of int, shape (n,) or scalar
        Class labels ``>= 0``, same shape.
    num_classes : int, optional
        Number of classes C (labels must be below it).  Default: the largest
        label in either input plus one; labels far above the number of
        distinct labels (``[0, 10**6]``: a 10^6 x 10^6 matrix for two
        classes) are refused, pass ``num_classes`` or relabel the classes
        ``0 .. C-1`` first.

    Returns
    -------
    numpy.ndarray
        int64 counts of shape ``(C, C)``; row ``a`` holds the samples of true
        class ``a``.

    Notes
    -----
    Counts, exact.

    Examples
    --------
    >>> from lossedu.metrics import confusion_matrix
    >>> confusion_matrix([0, 0, 1, 1, 1], [0, 1, 1, 1, 0])
    array([[1, 1],
           [1, 2]])
    """
    truth, prediction = _as_label_pair(y_true, y_pred)
    if num_classes is None:
        for array, name in ((truth, "y_true"), (prediction, "y_pred")):
            if (array < 0).any():
                raise ValueError(
                    f"{name} must hold class labels >= 0, got {int(array[array < 0][0])}"
                )
        num_classes = int(max(truth.max(), prediction.max())) + 1
        distinct = np.union1d(truth, prediction).size
        if num_classes > _MAX_SPARSE_CLASSES and num_classes > 2 * distinct:
            name = "y_true" if truth.max() >= prediction.max() else "y_pred"
            raise ValueError(
                f"{name} holds the label {num_classes - 1}, but the inputs hold only "
                f"{distinct} distinct labels: the confusion matrix would have "
                f"{num_classes} x {num_classes} entries, mostly empty classes.  Classes "
                "are numbered 0 .. C-1: relabel them (e.g. np.unique(labels, "
                "return_inverse=True)) or pass num_classes explicitly"
            )
    else:
        if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral):
            raise TypeError(
                f"num_classes must be an integer, got {type(num_classes).__name__} {num_classes!r}"
            )
        if num_classes < 1:
            raise ValueError(f"num_classes must be >= 1, got {num_classes}")
        num_classes = int(num_classes)
        as_labels(truth, "y_true", num_classes)
        as_labels(prediction, "y_pred", num_classes)
    flat = np.bincount(truth * num_classes + prediction, minlength=num_classes * num_classes)
    return flat.reshape(num_classes, num_classes).astype(np.int64)
