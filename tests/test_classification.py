"""Binary and categorical cross-entropy, on probabilities and on logits."""

import itertools
import math

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers_numeric import (
    EXTREME_LOGITS,
    EXTREME_ROWS,
    PROPERTY_SETTINGS,
    REDUCTIONS,
    assert_matches_mpmath,
    central_difference,
    finite_floats,
    float_arrays,
    high_precision,
    mp_log_softmax,
    mp_sigmoid,
    mp_softplus,
    reduced_value,
)
from lossedu.classification import (
    DEFAULT_EPS,
    binary_cross_entropy,
    binary_cross_entropy_grad,
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_grad,
    categorical_cross_entropy,
    categorical_cross_entropy_grad,
    categorical_cross_entropy_with_logits,
    categorical_cross_entropy_with_logits_grad,
)

LN2 = math.log(2.0)


# ----------------------------------------------------------------------------
# Binary cross-entropy on probabilities: hand-worked values
# ----------------------------------------------------------------------------

def test_worked_example_correct_prediction_costs_nothing_up_to_clipping():
    # y = 0, y_hat = 0: -log(1 - 0) = 0; the clipped value is -log(1 - eps) ~ eps
    value = binary_cross_entropy(0, 0)
    assert value == pytest.approx(-math.log1p(-DEFAULT_EPS), rel=1e-15, abs=1e-22)
    assert 0.0 < value < 1.1e-7


def test_worked_example_wrong_prediction_costs_ln_10():
    # y = 1, y_hat = 0.1: -log(0.1) = ln 10
    assert binary_cross_entropy(1, 0.1) == pytest.approx(math.log(10.0), rel=1e-15, abs=1e-15)


def test_binary_cross_entropy_hand_values():
    y_true = [1.0, 0.0, 1.0, 0.5]
    y_pred = [0.9, 0.2, 0.5, 0.5]
    expected = [-math.log(0.9), -math.log(0.8), LN2, LN2]
    np.testing.assert_allclose(binary_cross_entropy(y_true, y_pred, reduction="none"),
                               expected, rtol=1e-14, atol=1e-15)
    assert binary_cross_entropy(y_true, y_pred) == pytest.approx(sum(expected) / 4,
                                                                 rel=1e-14, abs=1e-15)
    weight = [1.0, 3.0, 0.0, 0.0]
    assert binary_cross_entropy(y_true, y_pred, sample_weight=weight) == pytest.approx(
        (expected[0] + 3 * expected[1]) / 4, rel=1e-14, abs=1e-15)


def test_binary_cross_entropy_clips_to_eps():
    # a confident mistake costs -log(eps), not inf
    assert binary_cross_entropy(1, 0.0) == pytest.approx(-math.log(1e-7), rel=1e-14, abs=1e-14)
    assert binary_cross_entropy(0, 1.0) == pytest.approx(-math.log(1e-7), rel=1e-6, abs=1e-12)
    assert binary_cross_entropy(1, 0.0, eps=1e-3) == pytest.approx(-math.log(1e-3), rel=1e-14,
                                                                   abs=1e-14)


def test_binary_cross_entropy_grad_hand_values_and_clipping():
    # d/dp of -[y log p + (1 - y) log(1 - p)] = (p - y) / (p (1 - p))
    np.testing.assert_allclose(binary_cross_entropy_grad([1, 0, 1], [0.25, 0.25, 0.5],
                                                         reduction="sum"),
                               [-4.0, 4.0 / 3.0, -2.0], rtol=1e-15, atol=1e-15)
    # where the clipping is active the clipped loss is flat
    np.testing.assert_array_equal(binary_cross_entropy_grad([1, 0, 1], [0.0, 1.0, 1e-9]), 0.0)


def test_binary_cross_entropy_on_sigmoid_agrees_with_the_logit_version():
    rng = np.random.default_rng(7)
    z = rng.normal(0.0, 3.0, 50)
    y = rng.uniform(0.0, 1.0, 50)
    p = 1.0 / (1.0 + np.exp(-z))
    np.testing.assert_allclose(binary_cross_entropy(y, p, reduction="none"),
                               binary_cross_entropy_with_logits(y, z, reduction="none"),
                               rtol=1e-9, atol=1e-12)


# ----------------------------------------------------------------------------
# Binary cross-entropy on logits
# ----------------------------------------------------------------------------

def test_binary_cross_entropy_with_logits_hand_values():
    np.testing.assert_allclose(
        binary_cross_entropy_with_logits([1, 0, 0.5], [0.0, 0.0, 0.0], reduction="none"),
        [LN2, LN2, LN2], rtol=1e-15, atol=1e-15)
    # y = 1, z = ln 3: -log(3/4); y = 0, z = ln 3: -log(1/4)
    np.testing.assert_allclose(
        binary_cross_entropy_with_logits([1, 0], [math.log(3.0)] * 2, reduction="none"),
        [-math.log(0.75), math.log(4.0)], rtol=1e-14, atol=1e-15)


def test_binary_cross_entropy_with_logits_pos_weight_hand_values():
    # only the positive term is weighted
    np.testing.assert_allclose(
        binary_cross_entropy_with_logits([1, 0], [0.0, 0.0], pos_weight=3.0, reduction="none"),
        [3 * LN2, LN2], rtol=1e-15, atol=1e-15)
    assert binary_cross_entropy_with_logits([1, 0], [0.0, 0.0], pos_weight=1.0) == \
        binary_cross_entropy_with_logits([1, 0], [0.0, 0.0])


def test_binary_cross_entropy_with_logits_at_logits_1e4():
    np.testing.assert_array_equal(
        binary_cross_entropy_with_logits([1, 0, 1, 0], [1e4, -1e4, -1e4, 1e4], reduction="none"),
        [0.0, 0.0, 1e4, 1e4])
    np.testing.assert_array_equal(
        binary_cross_entropy_with_logits_grad([1, 0, 1, 0], [1e4, -1e4, -1e4, 1e4],
                                              reduction="sum"),
        [0.0, 0.0, -1.0, 1.0])


BINARY_TARGETS = [0.0, 1.0, 0.3, 1.0 - 2.0 ** -30]


@pytest.mark.parametrize("pos_weight", [None, 0.25, 4.0])
def test_binary_cross_entropy_with_logits_matches_mpmath(pos_weight):
    pairs = list(itertools.product(BINARY_TARGETS, EXTREME_LOGITS))
    y = np.array([p[0] for p in pairs])
    z = np.array([p[1] for p in pairs])
    weight = 1.0 if pos_weight is None else pos_weight

    def reference():
        return [weight * mpmath.mpf(t) * mp_softplus(-v) + (1 - mpmath.mpf(t)) * mp_softplus(v)
                for t, v in pairs]

    actual = binary_cross_entropy_with_logits(y, z, pos_weight=pos_weight, reduction="none")
    assert_matches_mpmath(actual, high_precision(reference))


@pytest.mark.parametrize("pos_weight", [None, 4.0])
def test_binary_cross_entropy_with_logits_grad_matches_mpmath_for_hard_labels(pos_weight):
    pairs = list(itertools.product([0.0, 1.0], EXTREME_LOGITS))
    y = np.array([p[0] for p in pairs])
    z = np.array([p[1] for p in pairs])
    weight = 1.0 if pos_weight is None else pos_weight

    def reference():
        # (1 - y) sigma(z) - w y sigma(-z)
        return [(1 - t) * mp_sigmoid(v) - weight * t * mp_sigmoid(-v) for t, v in pairs]

    actual = binary_cross_entropy_with_logits_grad(y, z, pos_weight=pos_weight, reduction="none")
    assert_matches_mpmath(actual, high_precision(reference))


def test_binary_cross_entropy_with_logits_keeps_a_tiny_loss():
    # y = 1, z = 40: loss = log1p(e^-40) ~ 4.25e-18; softplus(z) - y z would give 0
    expected = high_precision(lambda: [mp_softplus(-40.0)])
    assert_matches_mpmath(binary_cross_entropy_with_logits([1.0], [40.0], reduction="none"),
                          expected)
    assert binary_cross_entropy_with_logits(1.0, 40.0) > 0.0


# ----------------------------------------------------------------------------
# Categorical cross-entropy on probabilities
# ----------------------------------------------------------------------------

PROBABILITIES = [[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]


def test_categorical_cross_entropy_hand_values():
    np.testing.assert_allclose(categorical_cross_entropy([0, 2], PROBABILITIES, reduction="none"),
                               [-math.log(0.7), -math.log(0.8)], rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(
        categorical_cross_entropy([[0.5, 0.5, 0.0], [0, 0, 1]], PROBABILITIES, reduction="none"),
        [-0.5 * math.log(0.7) - 0.5 * math.log(0.2), -math.log(0.8)], rtol=1e-15, atol=1e-15)
    assert categorical_cross_entropy([0, 2], PROBABILITIES, reduction="sum") == pytest.approx(
        -math.log(0.7) - math.log(0.8), rel=1e-15, abs=1e-15)


def test_categorical_cross_entropy_labels_and_one_hot_agree():
    for reduction in REDUCTIONS:
        np.testing.assert_allclose(
            categorical_cross_entropy([0, 2], PROBABILITIES, reduction=reduction),
            categorical_cross_entropy([[1, 0, 0], [0, 0, 1]], PROBABILITIES, reduction=reduction),
            rtol=1e-15, atol=1e-15)


def test_categorical_cross_entropy_clips_zero_probabilities():
    assert categorical_cross_entropy([1], [[1.0, 0.0]]) == pytest.approx(
        -math.log(1e-7), rel=1e-14, abs=1e-14)
    # a zero target times a zero probability contributes 0, not NaN
    assert categorical_cross_entropy([[1.0, 0.0]], [[1.0, 0.0]]) == 0.0
    np.testing.assert_array_equal(categorical_cross_entropy_grad([1], [[1.0, 0.0]]), 0.0)


def test_categorical_cross_entropy_single_sample():
    assert categorical_cross_entropy(1, [0.3, 0.7]) == pytest.approx(-math.log(0.7), rel=1e-15,
                                                                     abs=1e-15)
    assert categorical_cross_entropy(1, [0.3, 0.7], reduction="none").shape == (1,)
    assert categorical_cross_entropy_grad(1, [0.3, 0.7]).shape == (2,)
    assert categorical_cross_entropy_with_logits_grad(1, [0.3, 0.7]).shape == (2,)


# ----------------------------------------------------------------------------
# Categorical cross-entropy on logits
# ----------------------------------------------------------------------------

def test_categorical_cross_entropy_with_logits_hand_values():
    # row [0, 0] label 0: log 2; row [ln 3, 0] label 1: -log(1/4) = log 4
    z = [[0.0, 0.0], [math.log(3.0), 0.0]]
    np.testing.assert_allclose(categorical_cross_entropy_with_logits([0, 1], z, reduction="none"),
                               [LN2, 2 * LN2], rtol=1e-15, atol=1e-15)
    # class weights [1, 3]: (1 * log 2 + 3 * log 4) / (1 + 3) = 7/4 log 2
    assert categorical_cross_entropy_with_logits([0, 1], z, class_weight=[1.0, 3.0]) == \
        pytest.approx(1.75 * LN2, rel=1e-15, abs=1e-15)
    np.testing.assert_allclose(
        categorical_cross_entropy_with_logits([0, 1], z, class_weight=[1.0, 3.0],
                                              reduction="none"),
        [LN2, 6 * LN2], rtol=1e-15, atol=1e-15)


def test_categorical_cross_entropy_with_logits_label_smoothing_hand_values():
    # label 0, logits [ln 3, 0], smoothing 0.5 over 2 classes: targets [0.75, 0.25]
    value = categorical_cross_entropy_with_logits([0], [[math.log(3.0), 0.0]], label_smoothing=0.5)
    assert value == pytest.approx(-0.75 * math.log(0.75) - 0.25 * math.log(0.25),
                                  rel=1e-15, abs=1e-15)
    assert categorical_cross_entropy_with_logits([0], [[0.0, 0.0]], label_smoothing=0.2) == \
        pytest.approx(LN2, rel=1e-15, abs=1e-15)


def test_class_weighted_mean_is_the_same_for_labels_and_one_hot():
    rng = np.random.default_rng(11)
    z = rng.normal(size=(6, 3))
    labels = np.array([0, 1, 2, 2, 1, 0])
    rows = np.eye(3)[labels]
    for kwargs in ({"class_weight": [0.5, 2.0, 1.0]}, {"label_smoothing": 0.1},
                   {"class_weight": [0.5, 2.0, 1.0], "label_smoothing": 0.3,
                    "sample_weight": [1, 2, 0, 1, 1, 3]}):
        for reduction in REDUCTIONS:
            np.testing.assert_allclose(
                categorical_cross_entropy_with_logits(labels, z, reduction=reduction, **kwargs),
                categorical_cross_entropy_with_logits(rows, z, reduction=reduction, **kwargs),
                rtol=1e-14, atol=1e-15)
            np.testing.assert_allclose(
                categorical_cross_entropy_with_logits_grad(labels, z, reduction=reduction,
                                                           **kwargs),
                categorical_cross_entropy_with_logits_grad(rows, z, reduction=reduction,
                                                           **kwargs),
                rtol=1e-14, atol=1e-15)


def test_categorical_cross_entropy_with_logits_at_logits_spread_over_1e4():
    z = [[0.0, 1e4, -1e4], [0.0, 1e4, -1e4], [0.0, 1e4, -1e4]]
    np.testing.assert_array_equal(
        categorical_cross_entropy_with_logits([1, 0, 2], z, reduction="none"), [0.0, 1e4, 2e4])
    grad = categorical_cross_entropy_with_logits_grad([1, 0, 2], z, reduction="sum")
    np.testing.assert_array_equal(grad, [[0.0, 0.0, 0.0], [-1.0, 1.0, 0.0], [0.0, 1.0, -1.0]])


def _mp_cross_entropy(target_rows, logits, class_weight, label_smoothing):
    """-sum_c w_c y'_c log_softmax(z)_c at 50 digits, with y' = (1 - a) y + a / C."""
    losses = []
    for targets, row in zip(target_rows, logits):
        count = len(row)
        log_probabilities = mp_log_softmax(row)
        total = mpmath.mpf(0)
        for c in range(count):
            smoothed = (1 - mpmath.mpf(label_smoothing)) * mpmath.mpf(float(targets[c])) + \
                mpmath.mpf(label_smoothing) / count
            total -= mpmath.mpf(float(class_weight[c])) * smoothed * log_probabilities[c]
        losses.append(total)
    return losses


@pytest.mark.parametrize("class_weight", [None, [0.5, 2.0, 1.5]])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
@pytest.mark.parametrize("soft", [False, True], ids=["labels", "soft rows"])
def test_categorical_cross_entropy_with_logits_matches_mpmath(class_weight, label_smoothing, soft):
    logits = np.array([row for row in EXTREME_ROWS for _ in range(3)])
    labels = np.tile(np.arange(3), len(EXTREME_ROWS))
    if soft:
        targets = np.array([[0.6, 0.3, 0.1], [0.0, 0.25, 0.75], [1 / 3, 1 / 3, 1 - 2 / 3]])
        targets = np.tile(targets, (len(EXTREME_ROWS), 1))
    else:
        targets = np.eye(3)[labels]
    weights = [1.0, 1.0, 1.0] if class_weight is None else class_weight
    expected = high_precision(lambda: _mp_cross_entropy(targets, logits, weights,
                                                        label_smoothing))
    y_true = targets if soft else labels
    actual = categorical_cross_entropy_with_logits(
        y_true, logits, class_weight=class_weight, label_smoothing=label_smoothing,
        reduction="none")
    assert_matches_mpmath(actual, expected)


def test_categorical_cross_entropy_with_logits_grad_matches_mpmath_for_labels():
    logits = np.array([row for row in EXTREME_ROWS for _ in range(3)])
    labels = np.tile(np.arange(3), len(EXTREME_ROWS))

    def reference():
        rows = []
        for label, row in zip(labels, logits):
            probabilities = [mpmath.exp(v) for v in mp_log_softmax(row)]
            rows.append([p - (1 if c == label else 0) for c, p in enumerate(probabilities)])
        return rows

    actual = categorical_cross_entropy_with_logits_grad(labels, logits, reduction="none")
    assert_matches_mpmath(actual, high_precision(reference))


def test_categorical_cross_entropy_with_logits_keeps_a_tiny_loss():
    # confident and correct: loss ~ e^-50 ~ 1.9e-22, which log(sum(exp)) rounds to 0
    expected = high_precision(lambda: [-mp_log_softmax([50.0, 0.0])[0]])
    assert_matches_mpmath(categorical_cross_entropy_with_logits([0], [[50.0, 0.0]],
                                                                reduction="none"), expected)


# ----------------------------------------------------------------------------
# Gradients against central finite differences
# ----------------------------------------------------------------------------

RNG = np.random.default_rng(20240602)
N, C = 4, 3
SAMPLE_WEIGHT = np.array([0.5, 2.0, 0.0, 1.5])
BINARY_Y = np.array([1.0, 0.0, 0.3, 1.0])
BINARY_P = np.array([0.35, 0.6, 0.8, 0.93])
BINARY_Z = RNG.normal(0.0, 2.0, N)
LABELS = np.array([0, 2, 1, 2])
SOFT_ROWS = np.array([[0.2, 0.5, 0.3], [0.0, 0.0, 1.0], [0.6, 0.4, 0.0], [0.1, 0.1, 0.8]])
PROBABILITY_ROWS = np.array([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3], [0.25, 0.25, 0.5],
                             [0.05, 0.15, 0.8]])
LOGITS = RNG.normal(0.0, 2.0, (N, C))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
def test_binary_cross_entropy_grad_matches_finite_differences(reduction, weighted):
    kwargs = {"sample_weight": SAMPLE_WEIGHT} if weighted else {}
    numeric = central_difference(
        reduced_value(binary_cross_entropy, BINARY_Y, reduction, **kwargs), BINARY_P)
    np.testing.assert_allclose(
        binary_cross_entropy_grad(BINARY_Y, BINARY_P, reduction=reduction, **kwargs),
        numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
@pytest.mark.parametrize("pos_weight", [None, 3.0])
def test_binary_cross_entropy_with_logits_grad_matches_finite_differences(reduction, weighted,
                                                                          pos_weight):
    kwargs = {"pos_weight": pos_weight}
    if weighted:
        kwargs["sample_weight"] = SAMPLE_WEIGHT
    numeric = central_difference(
        reduced_value(binary_cross_entropy_with_logits, BINARY_Y, reduction, **kwargs), BINARY_Z)
    np.testing.assert_allclose(
        binary_cross_entropy_with_logits_grad(BINARY_Y, BINARY_Z, reduction=reduction, **kwargs),
        numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
@pytest.mark.parametrize("soft", [False, True], ids=["labels", "rows"])
def test_categorical_cross_entropy_grad_matches_finite_differences(reduction, weighted, soft):
    kwargs = {"sample_weight": SAMPLE_WEIGHT} if weighted else {}
    y_true = SOFT_ROWS if soft else LABELS
    # a step of 1e-7 keeps the perturbed rows within the 1e-6 sum tolerance
    numeric = central_difference(
        reduced_value(categorical_cross_entropy, y_true, reduction, **kwargs), PROBABILITY_ROWS,
        step=1e-7)
    np.testing.assert_allclose(
        categorical_cross_entropy_grad(y_true, PROBABILITY_ROWS, reduction=reduction, **kwargs),
        numeric, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
@pytest.mark.parametrize("soft", [False, True], ids=["labels", "rows"])
@pytest.mark.parametrize("class_weight", [None, [0.5, 2.0, 1.5]], ids=["", "class_weight"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2], ids=["", "smoothing"])
def test_categorical_cross_entropy_with_logits_grad_matches_finite_differences(
        reduction, weighted, soft, class_weight, label_smoothing):
    kwargs = {"class_weight": class_weight, "label_smoothing": label_smoothing}
    if weighted:
        kwargs["sample_weight"] = SAMPLE_WEIGHT
    y_true = SOFT_ROWS if soft else LABELS
    numeric = central_difference(
        reduced_value(categorical_cross_entropy_with_logits, y_true, reduction, **kwargs), LOGITS)
    analytic = categorical_cross_entropy_with_logits_grad(y_true, LOGITS, reduction=reduction,
                                                          **kwargs)
    assert analytic.shape == LOGITS.shape
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


def test_categorical_cross_entropy_with_logits_grad_without_weights_is_softmax_minus_targets():
    probabilities = np.exp(LOGITS) / np.exp(LOGITS).sum(axis=1, keepdims=True)
    targets = 0.8 * np.eye(C)[LABELS] + 0.2 / C
    np.testing.assert_allclose(
        categorical_cross_entropy_with_logits_grad(LABELS, LOGITS, label_smoothing=0.2),
        (probabilities - targets) / N, rtol=1e-12, atol=1e-15)


# ----------------------------------------------------------------------------
# Properties
# ----------------------------------------------------------------------------

binary_targets = st.lists(st.floats(0.0, 1.0), min_size=5, max_size=5).map(np.array)


@PROPERTY_SETTINGS
@given(binary_targets, float_arrays((5,)), float_arrays((5,), 0.0, 10.0))
def test_binary_losses_non_negative_and_reductions_consistent(y, z, weight):
    weight = weight + 0.1
    p = np.clip(1.0 / (1.0 + np.exp(-np.clip(z, -700, 700))), 0.0, 1.0)
    for loss, prediction in ((binary_cross_entropy_with_logits, z), (binary_cross_entropy, p)):
        per_sample = loss(y, prediction, reduction="none")
        assert np.all(np.isfinite(per_sample)) and np.all(per_sample >= 0.0)
        total = loss(y, prediction, reduction="sum")
        np.testing.assert_allclose(total, per_sample.sum(), rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(loss(y, prediction), total / 5, rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(loss(y, prediction, sample_weight=weight),
                                   np.sum(weight * per_sample) / np.sum(weight),
                                   rtol=1e-12, atol=1e-300)


@PROPERTY_SETTINGS
@given(st.lists(st.sampled_from([0.0, 1.0]), min_size=4, max_size=4).map(np.array),
       finite_floats(40.0, 1e3))
def test_binary_losses_vanish_at_perfect_prediction(y, margin):
    z = (2.0 * y - 1.0) * margin  # the right sign, confident
    np.testing.assert_allclose(binary_cross_entropy_with_logits(y, z), 0.0, rtol=0.0,
                               atol=1e-17)
    np.testing.assert_allclose(binary_cross_entropy(y, y), 0.0, rtol=0.0, atol=2e-7)


@PROPERTY_SETTINGS
@given(float_arrays((4, 3)), st.lists(st.integers(0, 2), min_size=4, max_size=4),
       finite_floats(-1e3, 1e3))
def test_categorical_cross_entropy_with_logits_is_shift_invariant(z, labels, shift):
    # z + shift rounds by up to half an ulp of 2e3, about 2e-13
    for kwargs in ({}, {"label_smoothing": 0.1, "class_weight": [1.0, 2.0, 0.5]}):
        np.testing.assert_allclose(
            categorical_cross_entropy_with_logits(labels, z + shift, reduction="none", **kwargs),
            categorical_cross_entropy_with_logits(labels, z, reduction="none", **kwargs),
            rtol=1e-9, atol=1e-9)


@PROPERTY_SETTINGS
@given(float_arrays((4, 3)), st.lists(st.integers(0, 2), min_size=4, max_size=4),
       float_arrays((4,), 0.0, 10.0))
def test_categorical_losses_non_negative_and_reductions_consistent(z, labels, weight):
    weight = weight + 0.1
    per_sample = categorical_cross_entropy_with_logits(labels, z, reduction="none")
    assert np.all(np.isfinite(per_sample)) and np.all(per_sample >= 0.0)
    total = categorical_cross_entropy_with_logits(labels, z, reduction="sum")
    np.testing.assert_allclose(total, per_sample.sum(), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(categorical_cross_entropy_with_logits(labels, z), total / 4,
                               rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(
        categorical_cross_entropy_with_logits(labels, z, sample_weight=weight),
        np.sum(weight * per_sample) / np.sum(weight), rtol=1e-12, atol=1e-300)
    # class-weighted mean: sum(w_y l) / sum(w_y)
    class_weight = np.array([1.0, 2.0, 0.5])
    weighted = categorical_cross_entropy_with_logits(labels, z, class_weight=class_weight,
                                                     reduction="none")
    np.testing.assert_allclose(
        categorical_cross_entropy_with_logits(labels, z, class_weight=class_weight),
        weighted.sum() / class_weight[labels].sum(), rtol=1e-12, atol=1e-300)


@PROPERTY_SETTINGS
@given(float_arrays((4, 3), -10.0, 10.0), st.lists(st.integers(0, 2), min_size=4, max_size=4))
def test_probability_and_logit_versions_agree(z, labels):
    probabilities = np.exp(z - z.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(
        categorical_cross_entropy(labels, probabilities, eps=1e-300, reduction="none"),
        categorical_cross_entropy_with_logits(labels, z, reduction="none"),
        rtol=1e-9, atol=1e-12)


@PROPERTY_SETTINGS
@given(st.lists(st.integers(0, 3), min_size=3, max_size=3))
def test_categorical_losses_vanish_at_perfect_prediction(labels):
    one_hot_rows = np.eye(4)[labels]
    assert categorical_cross_entropy(labels, one_hot_rows) == 0.0
    np.testing.assert_allclose(
        categorical_cross_entropy_with_logits(labels, 1e3 * one_hot_rows), 0.0,
        rtol=0.0, atol=1e-300)


# ----------------------------------------------------------------------------
# Inputs
# ----------------------------------------------------------------------------

def test_inputs_are_not_mutated():
    y = np.array([1.0, 0.0, 1.0])
    p = np.array([0.0, 0.5, 1.0])
    z = np.array([-3.0, 0.0, 50.0])
    labels = np.array([0, 2])
    rows = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    logits = np.array([[1.0, 2.0, 3.0], [0.0, 1e4, -1e4]])
    probabilities = np.array([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])
    weight = np.array([1.0, 2.0])
    class_weight = np.array([1.0, 2.0, 3.0])
    arrays = (y, p, z, labels, rows, logits, probabilities, weight, class_weight)
    copies = [a.copy() for a in arrays]
    for function in (binary_cross_entropy, binary_cross_entropy_grad):
        function(y, p)
    for function in (binary_cross_entropy_with_logits, binary_cross_entropy_with_logits_grad):
        function(y, z, pos_weight=2.0)
    for targets in (labels, rows):
        for function in (categorical_cross_entropy, categorical_cross_entropy_grad):
            function(targets, probabilities, sample_weight=weight)
        for function in (categorical_cross_entropy_with_logits,
                         categorical_cross_entropy_with_logits_grad):
            function(targets, logits, class_weight=class_weight, label_smoothing=0.1,
                     sample_weight=weight)
    for array, copy in zip(arrays, copies):
        np.testing.assert_array_equal(array, copy)


def test_lists_ints_and_zero_d_arrays_are_accepted():
    assert binary_cross_entropy([1, 0], [1, 0]) == binary_cross_entropy(
        np.array([1.0, 0.0]), np.array([1.0, 0.0]))
    assert isinstance(binary_cross_entropy_with_logits(np.array(1), np.array(0)), float)
    assert binary_cross_entropy_with_logits(1, 0, reduction="none").shape == (1,)
    assert binary_cross_entropy_with_logits_grad(1, 0).shape == ()
    assert categorical_cross_entropy_with_logits(np.array(2), [0, 0, 0]) == pytest.approx(
        math.log(3.0), rel=1e-15, abs=1e-15)
    assert categorical_cross_entropy_with_logits([2.0], [[0, 0, 0]]) == pytest.approx(
        math.log(3.0), rel=1e-15, abs=1e-15)
    assert categorical_cross_entropy_with_logits(np.array([[True, False]]), [[0, 0]]) == \
        pytest.approx(LN2, rel=1e-15, abs=1e-15)


# ----------------------------------------------------------------------------
# Extreme sample and class weights; logit gaps beyond the float64 range
# ----------------------------------------------------------------------------

def _mp_bce_mean(y, z, weight):
    """sum w_i l_i / sum w_i at 50 digits, l_i = y softplus(-z) + (1 - y) softplus(z)."""
    def compute():
        weights = [mpmath.mpf(float(w)) for w in weight]
        losses = [yi * mp_softplus(-zi) + (1 - yi) * mp_softplus(zi) for yi, zi in zip(y, z)]
        return mpmath.fsum(w * l for w, l in zip(weights, losses)) / mpmath.fsum(weights)
    return high_precision(compute)


def _mp_bce_mean_grad(y, z, weight):
    def compute():
        weights = [mpmath.mpf(float(w)) for w in weight]
        total = mpmath.fsum(weights)
        return [w * (mp_sigmoid(zi) - yi) / total for w, yi, zi in zip(weights, y, z)]
    return high_precision(compute)


@pytest.mark.parametrize("weight", [[1e308, 1e308], [1.7e308, 0.4e308], [5e-324, 5e-324],
                                    [5e-324, 1.5e-323], [1e300, 3e-300]])
def test_binary_logits_weighted_mean_for_extreme_sample_weights(weight):
    y, z = [1.0, 0.0], [0.3, 0.7]
    assert_matches_mpmath(
        binary_cross_entropy_with_logits(y, z, sample_weight=weight),
        _mp_bce_mean(y, z, weight), rtol=1e-14)
    assert_matches_mpmath(
        binary_cross_entropy_with_logits_grad(y, z, sample_weight=weight),
        _mp_bce_mean_grad(y, z, weight), rtol=1e-14)


def test_weighted_sum_and_none_keep_their_meaning_for_huge_weights():
    y, z = [1.0, 0.0], [0.3, 0.7]
    # sum w_i l_i with w = 1e308: about 1.66e308, still finite
    expected = high_precision(lambda: mpmath.mpf(1e308) * (mp_softplus(-0.3) + mp_softplus(0.7)))
    assert_matches_mpmath(binary_cross_entropy_with_logits(
        y, z, sample_weight=[1e308, 1e308], reduction="sum"), [expected], rtol=1e-14)
    # the per-sample w_i l_i
    expected = high_precision(lambda: [mpmath.mpf(1e308) * mp_softplus(-0.3),
                                       mpmath.mpf(1e308) * mp_softplus(0.7)])
    assert_matches_mpmath(binary_cross_entropy_with_logits(
        y, z, sample_weight=[1e308, 1e308], reduction="none"), expected, rtol=1e-14)


@pytest.mark.parametrize("sample_weight", [None, [1e308, 1e308], [5e-324, 5e-324]])
@pytest.mark.parametrize("class_weight", [[1.0, 0.5, 0.25], [1.6e308, 8e307, 4e307],
                                          [2e-323, 1e-323, 5e-324]])
def test_class_weighted_mean_for_extreme_weights(sample_weight, class_weight):
    # classes weighted 4 : 2 : 1 at every scale; equal sample weights cancel
    labels = [0, 2]
    logits = [[0.5, -1.0, 2.0], [1.0, 0.0, -3.0]]

    def compute():
        log_p = [mp_log_softmax(row) for row in logits]
        # (4 * -log p_00 + 1 * -log p_12) / (4 + 1)
        return (-4 * log_p[0][0] - log_p[1][2]) / 5

    expected = high_precision(compute)
    assert_matches_mpmath(categorical_cross_entropy_with_logits(
        labels, logits, class_weight=class_weight, sample_weight=sample_weight),
        [expected], rtol=1e-14)
    # the gradient against the one of plain weights (checked against finite differences above)
    np.testing.assert_allclose(
        categorical_cross_entropy_with_logits_grad(
            labels, logits, class_weight=class_weight, sample_weight=sample_weight),
        categorical_cross_entropy_with_logits_grad(labels, logits, class_weight=[4, 2, 1]),
        rtol=1e-14, atol=1e-300)


def test_logit_gaps_beyond_the_float64_range_times_a_small_weight_are_finite():
    logits = [[1e308, -1e308]]

    def loss(weights):  # -sum_c a_c log softmax_c at 50 digits
        return high_precision(lambda: -mpmath.fsum(
            a * lp for a, lp in zip(weights, mp_log_softmax(logits[0]))))

    # label smoothing 0.1 over 2 classes: targets (0.95, 0.05); 0.05 * 2e308 = 1e307
    assert_matches_mpmath(categorical_cross_entropy_with_logits(
        [0], logits, label_smoothing=0.1, reduction="none"),
        [loss([mpmath.mpf(0.95), mpmath.mpf(0.1) / 2])], rtol=1e-14)
    # class weight 0.1 on the true class: 0.1 * 2e308 = 2e307
    for reduction in ("none", "sum"):
        assert_matches_mpmath(categorical_cross_entropy_with_logits(
            [1], logits, class_weight=[1.0, 0.1], reduction=reduction),
            [loss([0, mpmath.mpf(0.1)])], rtol=1e-14)
    # the class-weighted mean divides by the weight again: 2e308 is beyond the range
    assert categorical_cross_entropy_with_logits(
        [1], logits, class_weight=[1.0, 0.1]) == math.inf
    # a one-hot row: the class with a zero target adds 0, not 0 * inf = NaN
    assert categorical_cross_entropy_with_logits([[1.0, 0.0]], logits, reduction="none") == [0.0]
    assert_matches_mpmath(categorical_cross_entropy_with_logits(
        [[0.5, 0.5]], logits, reduction="none"), [loss([0.5, 0.5])], rtol=1e-14)


def test_docstrings_state_the_clipping_the_code_does():
    import lossedu.classification as module

    # categorical: clipped from below only, [eps, 1]: a probability of 1 costs exactly 0
    assert categorical_cross_entropy([0], [[1.0, 0.0]]) == 0.0
    assert "``[eps, 1]``" in categorical_cross_entropy.__doc__
    assert "``[eps, 1]``" in module.__doc__
    # binary: [eps, 1 - eps], so a probability of 1 still costs -log(1 - eps)
    # (1 - eps rounds to float64: agreement to a few digits only)
    assert binary_cross_entropy(1, 1.0) == pytest.approx(
        -math.log1p(-DEFAULT_EPS), rel=1e-8, abs=0.0)
    assert "``[eps, 1 - eps]``" in binary_cross_entropy.__doc__
    with pytest.raises(ValueError, match="from below at eps") as error:
        categorical_cross_entropy([0], [[1.0, 0.0]], eps=0.6)
    assert "clipped to [eps, 1 - eps]" not in str(error.value)
