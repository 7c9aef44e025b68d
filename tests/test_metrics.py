"""Tests of lossedu.metrics against hand-counted confusion matrices."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from helpers_numeric import PROPERTY_SETTINGS
from lossedu.metrics import (
    accuracy,
    confusion_matrix,
    f1_score,
    precision,
    recall,
    top_k_accuracy,
)

RTOL, ATOL = 1e-12, 1e-15

# Ten samples counted by hand:
#   index      0  1  2  3  4  5  6  7  8  9
#   y_true     1  1  1  1  0  0  0  0  0  1
#   y_pred     1  1  0  1  0  1  0  0  1  0
# TP = 3 (0, 1, 3), FN = 2 (2, 9), FP = 2 (5, 8), TN = 3 (4, 6, 7).
Y_TRUE = [1, 1, 1, 1, 0, 0, 0, 0, 0, 1]
Y_PRED = [1, 1, 0, 1, 0, 1, 0, 0, 1, 0]


def test_binary_metrics_from_hand_counted_matrix():
    np.testing.assert_array_equal(confusion_matrix(Y_TRUE, Y_PRED), [[3, 2], [2, 3]])
    assert accuracy(Y_TRUE, Y_PRED) == pytest.approx(6 / 10, rel=RTOL, abs=ATOL)
    assert precision(Y_TRUE, Y_PRED) == pytest.approx(3 / 5, rel=RTOL, abs=ATOL)
    assert recall(Y_TRUE, Y_PRED) == pytest.approx(3 / 5, rel=RTOL, abs=ATOL)
    assert f1_score(Y_TRUE, Y_PRED) == pytest.approx(6 / 10, rel=RTOL, abs=ATOL)


def test_precision_and_recall_differ_when_errors_are_asymmetric():
    # TP = 1, FP = 3, FN = 1, TN = 1.
    truth = [1, 1, 0, 0, 0, 0]
    prediction = [1, 0, 1, 1, 1, 0]
    np.testing.assert_array_equal(confusion_matrix(truth, prediction), [[1, 3], [1, 1]])
    assert precision(truth, prediction) == pytest.approx(1 / 4, rel=RTOL, abs=ATOL)
    assert recall(truth, prediction) == pytest.approx(1 / 2, rel=RTOL, abs=ATOL)
    # harmonic mean 2 * (1/4) * (1/2) / (3/4) = 1/3
    assert f1_score(truth, prediction) == pytest.approx(1 / 3, rel=RTOL, abs=ATOL)


def test_zero_division_gives_zero_without_warning():
    assert precision([1, 0, 1], [0, 0, 0]) == 0.0  # nothing predicted positive
    assert recall([0, 0, 0], [1, 0, 1]) == 0.0  # no positive sample
    assert f1_score([0, 0], [0, 0]) == 0.0
    assert accuracy([0, 0], [0, 0]) == 1.0


def test_majority_classifier_has_high_accuracy_and_zero_f1():
    truth = [0] * 95 + [1] * 5
    always_negative = [0] * 100
    assert accuracy(truth, always_negative) == pytest.approx(0.95, rel=RTOL, abs=ATOL)
    assert f1_score(truth, always_negative) == 0.0
    assert recall(truth, always_negative) == 0.0


def test_multiclass_confusion_matrix_and_accuracy():
    truth = [0, 0, 1, 2, 2, 2, 1]
    prediction = [0, 2, 1, 2, 1, 2, 1]
    expected = [[1, 0, 1],
                [0, 2, 0],
                [0, 1, 2]]
    matrix = confusion_matrix(truth, prediction)
    np.testing.assert_array_equal(matrix, expected)
    assert matrix.dtype == np.int64
    assert accuracy(truth, prediction) == pytest.approx(5 / 7, rel=RTOL, abs=ATOL)
    padded = confusion_matrix(truth, prediction, num_classes=4)
    assert padded.shape == (4, 4) and padded[:3, :3].tolist() == expected and padded[3].sum() == 0
    # A class that is only predicted still gets its row and column.
    np.testing.assert_array_equal(confusion_matrix([0, 0], [0, 2]), [[1, 0, 1], [0, 0, 0], [0, 0, 0]])


def test_top_k_accuracy_by_hand():
    scores = np.array([[0.1, 0.6, 0.3],    # true 2: second best
                       [0.5, 0.2, 0.3],    # true 2: second best
                       [0.2, 0.3, 0.5],    # true 2: best
                       [0.7, 0.2, 0.1]])   # true 2: third
    labels = [2, 2, 2, 2]
    assert top_k_accuracy(labels, scores, k=1) == pytest.approx(0.25, rel=RTOL, abs=ATOL)
    assert top_k_accuracy(labels, scores, k=2) == pytest.approx(0.75, rel=RTOL, abs=ATOL)
    assert top_k_accuracy(labels, scores, k=3) == 1.0
    # Logits give the same answer (only the order matters); one sample as (C,).
    assert top_k_accuracy(labels, np.log(scores) * 3.0 + 7.0, k=2) == pytest.approx(
        0.75, rel=RTOL, abs=ATOL)
    assert top_k_accuracy(1, [0.2, 0.5, 0.3]) == 1.0
    # Ties count in the sample's favour.
    assert top_k_accuracy([0, 1], [[1.0, 1.0], [1.0, 1.0]], k=1) == 1.0


@PROPERTY_SETTINGS
@given(st.integers(1, 30), st.integers(2, 5), st.data())
def test_metric_properties(n, classes, data):
    truth = data.draw(hnp.arrays(np.int64, n, elements=st.integers(0, classes - 1)))
    prediction = data.draw(hnp.arrays(np.int64, n, elements=st.integers(0, classes - 1)))
    matrix = confusion_matrix(truth, prediction, num_classes=classes)
    assert matrix.sum() == n
    np.testing.assert_array_equal(matrix.sum(axis=1), np.bincount(truth, minlength=classes))
    assert accuracy(truth, prediction) == pytest.approx(np.trace(matrix) / n, rel=RTOL, abs=ATOL)
    assert accuracy(truth, truth) == 1.0
    binary_truth, binary_prediction = (truth == 0).astype(int), (prediction == 0).astype(int)
    p, r = precision(binary_truth, binary_prediction), recall(binary_truth, binary_prediction)
    f1 = f1_score(binary_truth, binary_prediction)
    assert 0.0 <= f1 <= 1.0
    if p + r > 0:
        assert f1 == pytest.approx(2 * p * r / (p + r), rel=1e-12, abs=1e-15)
    scores = data.draw(hnp.arrays(np.float64, (n, classes), elements=st.floats(-1e3, 1e3)))
    top = [top_k_accuracy(truth, scores, k=k) for k in range(1, classes + 1)]
    assert top == sorted(top) and top[-1] == 1.0


def test_metrics_refuse_bad_input():
    with pytest.raises(ValueError, match=r"y_pred must hold integer class labels.*\(p >= 0.5\)"):
        accuracy([0, 1], [0.2, 0.9])
    with pytest.raises(ValueError, match=r"y_true has shape \(3,\) but y_pred has shape \(2,\)"):
        accuracy([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="y_true must contain only the binary labels 0 and 1"):
        f1_score([0, 2], [0, 1])
    with pytest.raises(ValueError, match="y_pred is empty"):
        precision([], [])
    with pytest.raises(ValueError, match="y_true contains NaN"):
        recall([np.nan, 1], [0, 1])
    with pytest.raises(ValueError, match="k must be between 1 and the number of classes 3"):
        top_k_accuracy([0], [[0.1, 0.2, 0.7]], k=4)
    with pytest.raises(TypeError, match="k must be an integer"):
        top_k_accuracy([0], [[0.1, 0.2, 0.7]], k=1.5)
    with pytest.raises(ValueError, match=r"y_true must hold class labels in 0..2"):
        top_k_accuracy([3], [[0.1, 0.2, 0.7]])
    with pytest.raises(ValueError, match=r"y_pred must hold class labels in 0..1"):
        confusion_matrix([0, 1], [0, 2], num_classes=2)
    with pytest.raises(ValueError, match="y_true must hold class labels >= 0"):
        confusion_matrix([-1, 1], [0, 1])


def test_metrics_accept_lists_scalars_and_booleans_and_do_not_mutate():
    assert accuracy(1, 1) == 1.0
    assert f1_score(np.array([True, False]), np.array([True, True])) == pytest.approx(
        2 / 3, rel=RTOL, abs=ATOL)
    truth, prediction = np.array([1, 0, 1]), np.array([1, 1, 0])
    truth_copy, prediction_copy = truth.copy(), prediction.copy()
    for metric in (accuracy, precision, recall, f1_score, confusion_matrix):
        metric(truth, prediction)
    np.testing.assert_array_equal(truth, truth_copy)
    np.testing.assert_array_equal(prediction, prediction_copy)


def test_accuracy_is_piecewise_constant_in_a_parameter():
    """The module's claim: a metric has zero gradient almost everywhere."""
    x = np.array([-2.0, -1.0, 0.5, 1.5, 3.0])
    labels = np.array([0, 0, 1, 1, 1])

    def accuracy_of_threshold(t):
        return accuracy(labels, (x > t).astype(int))

    thresholds = np.linspace(-3, 3, 601)
    values = np.array([accuracy_of_threshold(t) for t in thresholds])
    jumps = np.count_nonzero(np.diff(values))
    assert jumps <= len(x)  # changes only where the threshold crosses a sample
    h = 1e-6
    flat = [t for t in thresholds if np.min(np.abs(x - t)) > 2 * h]
    derivatives = [(accuracy_of_threshold(t + h) - accuracy_of_threshold(t - h)) / (2 * h) for t in flat]
    assert np.count_nonzero(derivatives) == 0


def test_confusion_matrix_refuses_to_infer_a_huge_mostly_empty_matrix():
    # [0, 10**6] would give a 10**6 x 10**6 matrix (8 TB) for two classes
    with pytest.raises(ValueError, match=r"(?s)y_true.*1000000.*num_classes"):
        confusion_matrix([0, 10**6], [0, 1])
    with pytest.raises(ValueError, match=r"(?s)y_pred.*1000000.*num_classes"):
        confusion_matrix([0, 1], [0, 10**6])
    # many classes that are all present are fine
    labels = np.arange(1500)
    np.testing.assert_array_equal(np.diag(confusion_matrix(labels, labels)), np.ones(1500))
    # a few absent classes are fine too: labels 0 and 5 give a 6 x 6 matrix
    assert confusion_matrix([0, 5], [5, 5]).shape == (6, 6)


def test_labels_beyond_the_int64_range_and_masked_arrays_are_refused():
    for function in (accuracy, confusion_matrix, precision):
        with pytest.raises(ValueError, match=r"y_true.*100000000000000000000"):
            function([0, 1e20], [0, 1])
    masked = np.ma.masked_array([0, 1, 1], mask=[0, 1, 0])
    with pytest.raises(TypeError, match=r"y_pred is a masked array"):
        accuracy([0, 1, 1], masked)
    with pytest.raises(TypeError, match=r"y_true is a masked array"):
        confusion_matrix(masked, [0, 1, 1])
