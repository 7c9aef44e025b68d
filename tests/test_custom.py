"""Tests of the losses of lesson 06 and the penalties, by family.

Focal loss (lossedu.classification), Dice (lossedu.segmentation), hinge
(lossedu.margins), triplet (lossedu.embeddings), Wasserstein
(lossedu.distributions), L1/L2 (lossedu.penalties).

Expected values come from outside the implementation: hand-worked numbers,
mpmath at 50 digits, central finite differences, and independent
re-implementations written here (a CDF integral for Wasserstein, loops for
the multiclass hinge, ``math.dist`` for the triplet loss).
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from helpers_numeric import (
    PROPERTY_SETTINGS,
    REDUCTIONS,
    SMALLEST_NORMAL,
    central_difference,
    finite_floats,
    reduced_value,
)
from lossedu.classification import focal_loss, focal_loss_grad
from lossedu.distributions import wasserstein_1d
from lossedu.embeddings import triplet_loss
from lossedu.margins import hinge_loss, hinge_loss_grad, multiclass_hinge_loss, multiclass_hinge_loss_grad
from lossedu.penalties import l1_penalty, l1_penalty_grad, l2_penalty, l2_penalty_grad
from lossedu.segmentation import dice_loss, dice_loss_grad

RTOL, ATOL = 1e-12, 1e-15
big_floats = finite_floats()


def fd_reduced(loss, y_true, y_pred, reduction, **kwargs):
    """Finite-difference gradient of the reduced cost (for "none": of each row's own loss)."""
    return central_difference(reduced_value(loss, y_true, reduction, **kwargs), y_pred)


# ---------------------------------------------------------------------------
# focal loss
# ---------------------------------------------------------------------------

def focal_mpmath_raw(y, z, gamma, alpha):
    """-alpha_t (1 - p_t)^gamma log p_t at mpmath's working precision, without cancellation."""
    m = mpmath.mpf(z) if y == 1 else -mpmath.mpf(z)
    one_minus_pt = 1 / (1 + mpmath.exp(m))
    log_pt = -mpmath.log1p(mpmath.exp(-m))
    alpha_t = 1 if alpha is None else (alpha if y == 1 else 1 - alpha)
    return -mpmath.mpf(alpha_t) * one_minus_pt ** gamma * log_pt


def focal_mpmath(y, z, gamma, alpha):
    with mpmath.workdps(50):
        return focal_mpmath_raw(y, z, gamma, alpha)


def bce_with_logits_independent(y, z):
    """max(z, 0) - z*y + log1p(exp(-|z|)), the textbook stable BCE with logits."""
    y, z = np.asarray(y, float), np.asarray(z, float)
    return np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))


EXTREME_LOGITS = [-1e4, -1000.0, -745.0, -300.0, -50.0, -30.0, -5.0, -1e-8, 0.0, 1e-8,
                  5.0, 30.0, 50.0, 300.0, 700.0, 745.0, 1000.0, 1e4]


def test_focal_hand_worked_values():
    # z = 0: p_t = 1/2, (1 - p_t)^2 = 1/4, -log p_t = log 2.
    quarter_log2 = 0.25 * math.log(2.0)
    assert focal_loss([1], [0.0]) == pytest.approx(quarter_log2, rel=RTOL, abs=ATOL)
    values = focal_loss([1, 0], [0.0, 0.0], alpha=0.25, reduction="none")
    np.testing.assert_allclose(values, [0.25 * quarter_log2, 0.75 * quarter_log2], rtol=RTOL, atol=ATOL)
    # gamma = 0: plain cross-entropy, y = 1, z = log 3: p = 3/4.
    assert focal_loss([1], [math.log(3.0)], gamma=0.0) == pytest.approx(
        math.log(4.0 / 3.0), rel=RTOL, abs=ATOL)
    # y = 0, z = log 3: p_t = 1/4, (3/4)^2 * log 4.
    assert focal_loss([0], [math.log(3.0)]) == pytest.approx(
        9.0 / 16.0 * math.log(4.0), rel=RTOL, abs=ATOL)


@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 5.0])
@pytest.mark.parametrize("alpha", [None, 0.25])
def test_focal_matches_mpmath_at_extreme_logits(gamma, alpha):
    logits = np.array(EXTREME_LOGITS * 2)
    labels = np.array([1.0] * len(EXTREME_LOGITS) + [0.0] * len(EXTREME_LOGITS))
    values = focal_loss(labels, logits, gamma=gamma, alpha=alpha, reduction="none")
    assert np.isfinite(values).all()
    for y, z, value in zip(labels, logits, values):
        exact = focal_mpmath(y, z, gamma, alpha)
        if exact >= SMALLEST_NORMAL:
            assert value == pytest.approx(float(exact), rel=1e-12, abs=0.0), (y, z)
        else:  # the true value is subnormal or below: only its size is meaningful
            assert 0.0 <= value <= 2 * SMALLEST_NORMAL, (y, z, value)


@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0])
def test_focal_grad_matches_mpmath_derivative(gamma):
    logits = [-1000.0, -40.0, -3.0, -0.5, 0.7, 4.0, 40.0, 1000.0]
    for y in (0, 1):
        gradient = focal_loss_grad([y] * len(logits), logits, gamma=gamma, reduction="none")
        assert np.isfinite(gradient).all()
        for z, value in zip(logits, gradient):
            with mpmath.workdps(50):
                exact = mpmath.diff(lambda t: focal_mpmath_raw(y, t, gamma, None), mpmath.mpf(z))
            if abs(exact) >= SMALLEST_NORMAL:
                assert value == pytest.approx(float(exact), rel=1e-10, abs=0.0), (y, z)
            else:
                assert abs(value) <= 2 * SMALLEST_NORMAL, (y, z, value)


def test_focal_is_finite_at_plus_minus_1e4():
    for gamma in (0.0, 0.3, 2.0, 10.0):
        for alpha in (None, 0.0, 0.5, 1.0):
            labels, logits = [0, 0, 1, 1], [-1e4, 1e4, -1e4, 1e4]
            values = focal_loss(labels, logits, gamma=gamma, alpha=alpha, reduction="none")
            gradient = focal_loss_grad(labels, logits, gamma=gamma, alpha=alpha)
            assert np.isfinite(values).all() and np.isfinite(gradient).all()
    # confidently wrong costs |z| (times alpha_t); confidently right costs 0.
    np.testing.assert_allclose(
        focal_loss([1, 0, 1, 0], [-1e4, 1e4, 1e4, -1e4], reduction="none"),
        [1e4, 1e4, 0.0, 0.0], rtol=RTOL, atol=ATOL)


@PROPERTY_SETTINGS
@given(hnp.arrays(np.float64, st.integers(1, 20), elements=big_floats), st.data())
def test_focal_with_gamma_0_equals_bce_with_logits(logits, data):
    labels = data.draw(hnp.arrays(np.float64, logits.shape, elements=st.sampled_from([0.0, 1.0])))
    expected = bce_with_logits_independent(labels, logits)
    np.testing.assert_allclose(focal_loss(labels, logits, gamma=0.0, reduction="none"),
                               expected, rtol=1e-12, atol=1e-300)
    # sigmoid(z) - y without cancellation: -1/(1 + e^z) for y = 1, 1/(1 + e^-z) for y = 0.
    with np.errstate(over="ignore"):
        expected_grad = np.where(labels == 1, -1 / (1 + np.exp(logits)), 1 / (1 + np.exp(-logits)))
    np.testing.assert_allclose(focal_loss_grad(labels, logits, gamma=0.0, reduction="sum"),
                               expected_grad, rtol=1e-12, atol=1e-300)


def test_focal_with_gamma_0_equals_lossedu_bce_with_logits():
    from lossedu.classification import (
        binary_cross_entropy_with_logits,
        binary_cross_entropy_with_logits_grad,
    )
    rng = np.random.default_rng(7)
    logits = np.concatenate([rng.normal(0, 5, 30), [-1e4, -800.0, 800.0, 1e4]])
    labels = rng.integers(0, 2, logits.shape[0]).astype(float)
    weight = rng.uniform(0.1, 2.0, logits.shape[0])
    for reduction in REDUCTIONS:
        np.testing.assert_allclose(
            focal_loss(labels, logits, gamma=0.0, reduction=reduction, sample_weight=weight),
            binary_cross_entropy_with_logits(labels, logits, reduction=reduction,
                                             sample_weight=weight),
            rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(
            focal_loss_grad(labels, logits, gamma=0.0, reduction=reduction, sample_weight=weight),
            binary_cross_entropy_with_logits_grad(labels, logits, reduction=reduction,
                                                  sample_weight=weight),
            rtol=1e-12, atol=1e-300)


def test_focal_downweights_easy_examples():
    # An easy example (p_t = 0.9) loses a factor (0.1)^2 = 100 relative to BCE;
    # a hard one (p_t = 0.1) only (0.9)^2.
    easy, hard = math.log(9.0), -math.log(9.0)
    ratio_easy = focal_loss([1], [easy]) / focal_loss([1], [easy], gamma=0.0)
    ratio_hard = focal_loss([1], [hard]) / focal_loss([1], [hard], gamma=0.0)
    assert ratio_easy == pytest.approx(0.01, rel=1e-12, abs=1e-15)
    assert ratio_hard == pytest.approx(0.81, rel=1e-12, abs=1e-15)


def test_focal_alpha_weights_classes():
    labels, logits = [1, 0, 1, 0], [0.3, -0.2, -1.0, 2.0]
    per_sample = focal_loss(labels, logits, reduction="none")
    with_alpha = focal_loss(labels, logits, alpha=0.75, reduction="none")
    np.testing.assert_allclose(with_alpha, per_sample * [0.75, 0.25, 0.75, 0.25], rtol=RTOL, atol=ATOL)
    assert focal_loss([0, 0], [3.0, -1.0], alpha=1.0) == 0.0


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("gamma,alpha", [(0.0, None), (2.0, None), (0.5, 0.3), (3.0, 0.8)])
def test_focal_grad_matches_finite_differences(reduction, weighted, gamma, alpha):
    rng = np.random.default_rng(1)
    logits = rng.normal(0, 3, 7)
    labels = rng.integers(0, 2, 7)
    weight = rng.uniform(0.2, 3.0, 7) if weighted else None
    kwargs = dict(gamma=gamma, alpha=alpha, sample_weight=weight)
    analytic = focal_loss_grad(labels, logits, reduction=reduction, **kwargs)
    numeric = fd_reduced(focal_loss, labels, logits, reduction, **kwargs)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


@PROPERTY_SETTINGS
@given(hnp.arrays(np.float64, st.integers(1, 15), elements=big_floats), st.data(),
       st.floats(0, 5), st.one_of(st.none(), st.floats(0, 1)))
def test_focal_properties(logits, data, gamma, alpha):
    labels = data.draw(hnp.arrays(np.float64, logits.shape, elements=st.sampled_from([0.0, 1.0])))
    weight = data.draw(hnp.arrays(np.float64, logits.shape, elements=st.floats(0.1, 10)))
    kwargs = dict(gamma=gamma, alpha=alpha)
    per_sample = focal_loss(labels, logits, reduction="none", **kwargs)
    assert (per_sample >= 0).all() and np.isfinite(per_sample).all()
    total = focal_loss(labels, logits, reduction="sum", **kwargs)
    mean = focal_loss(labels, logits, **kwargs)
    assert mean == pytest.approx(total / logits.size, rel=1e-12, abs=1e-300)
    weighted = focal_loss(labels, logits, sample_weight=weight, **kwargs)
    assert weighted == pytest.approx(np.sum(weight * per_sample) / np.sum(weight),
                                      rel=1e-12, abs=1e-300)
    assert np.isfinite(focal_loss_grad(labels, logits, **kwargs)).all()


def test_focal_scalar_input_is_one_sample():
    assert focal_loss(1, 0.0, reduction="none").shape == (1,)
    assert focal_loss(np.array(1), np.array(0.0)) == pytest.approx(0.25 * math.log(2), rel=RTOL, abs=ATOL)
    gradient = focal_loss_grad(1, 0.0, gamma=0.0)
    assert gradient.shape == () and float(gradient) == -0.5


def test_focal_refuses_bad_input():
    with pytest.raises(ValueError, match="y_true must contain only the labels"):
        focal_loss([0, 2], [0.0, 1.0])
    with pytest.raises(ValueError, match=r"y_true has shape \(2, 1\) but logits has shape \(2,\)"):
        focal_loss([[0], [1]], [0.0, 1.0])
    with pytest.raises(ValueError, match="alpha must be None or a number in"):
        focal_loss([0, 1], [0.0, 1.0], alpha=1.5)
    with pytest.raises(ValueError, match="gamma must be a finite number >= 0"):
        focal_loss([0, 1], [0.0, 1.0], gamma=-1.0)
    with pytest.raises(ValueError, match="reduction must be one of"):
        focal_loss([0, 1], [0.0, 1.0], reduction="average")
    with pytest.raises(ValueError, match="logits contains NaN"):
        focal_loss([0, 1], [0.0, np.nan])
    with pytest.raises(ValueError, match="logits is empty"):
        focal_loss([], [])
    with pytest.raises(TypeError, match="logits must be an array of numbers"):
        focal_loss([0, 1], "ab")


# ---------------------------------------------------------------------------
# Dice loss
# ---------------------------------------------------------------------------

def test_dice_hand_worked_values():
    truth, prediction = [1, 1, 0, 0], [1.0, 0.0, 0.0, 1.0]
    # Overlap 1, sizes 2 and 2: 1 - 2/4, and with smooth 1: 1 - 3/5.
    assert dice_loss(truth, prediction, smooth=0.0) == pytest.approx(0.5, rel=RTOL, abs=ATOL)
    assert dice_loss(truth, prediction) == pytest.approx(0.4, rel=RTOL, abs=ATOL)
    # Soft prediction: 2 * (0.5 + 0.25) / (2 + 1) with smooth 0.
    assert dice_loss([1, 1, 0], [0.5, 0.25, 0.25], smooth=0.0) == pytest.approx(
        1 - 1.5 / 3.0, rel=RTOL, abs=ATOL)
    # Two masks, one per row; both empty masks give 1 - s/s = 0.
    per_sample = dice_loss([[1, 0], [0, 0]], [[0.0, 1.0], [0.0, 0.0]], reduction="none")
    np.testing.assert_allclose(per_sample, [1 - 1 / 3, 0.0], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_dice_grad_matches_finite_differences(reduction, weighted):
    rng = np.random.default_rng(2)
    truth = (rng.uniform(size=(4, 6)) > 0.5).astype(float)
    prediction = rng.uniform(0.05, 0.95, size=(4, 6))
    weight = rng.uniform(0.2, 3.0, 4) if weighted else None
    analytic = dice_loss_grad(truth, prediction, reduction=reduction, sample_weight=weight)
    numeric = fd_reduced(dice_loss, truth, prediction, reduction, sample_weight=weight)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)
    one = dice_loss_grad(truth[0], prediction[0], smooth=0.5)
    numeric_one = central_difference(lambda p: dice_loss(truth[0], p, smooth=0.5), prediction[0])
    np.testing.assert_allclose(one, numeric_one, rtol=1e-6, atol=1e-9)


@PROPERTY_SETTINGS
@given(st.integers(1, 4), st.integers(1, 12), st.data())
def test_dice_properties(n, d, data):
    truth = data.draw(hnp.arrays(np.float64, (n, d), elements=st.sampled_from([0.0, 1.0])))
    prediction = data.draw(hnp.arrays(np.float64, (n, d), elements=st.floats(0, 1)))
    weight = data.draw(hnp.arrays(np.float64, (n,), elements=st.floats(0.1, 10)))
    per_sample = dice_loss(truth, prediction, reduction="none")
    assert ((per_sample >= -1e-15) & (per_sample <= 1 + 1e-15)).all()
    assert dice_loss(truth, truth) == pytest.approx(0.0, rel=0, abs=1e-15)
    assert dice_loss(truth, prediction) == pytest.approx(
        dice_loss(truth, prediction, reduction="sum") / n, rel=1e-12, abs=1e-15)
    assert dice_loss(truth, prediction, sample_weight=weight) == pytest.approx(
        np.sum(weight * per_sample) / np.sum(weight), rel=1e-12, abs=1e-15)


def test_dice_refuses_bad_input():
    with pytest.raises(ValueError, match="y_pred must hold probabilities in .0, 1.*apply a sigmoid"):
        dice_loss([1, 0], [2.5, 0.0])
    with pytest.raises(ValueError, match="all zeros and smooth=0"):
        dice_loss([[0, 0]], [[0.0, 0.0]], smooth=0.0)
    with pytest.raises(ValueError, match=r"y_true has shape \(2, 3\) but y_pred has shape \(3, 2\)"):
        dice_loss(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="smooth must be a finite number >= 0"):
        dice_loss([1, 0], [0.5, 0.5], smooth=-1)
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(2,\)"):
        dice_loss(np.ones((2, 3)), np.ones((2, 3)), sample_weight=[1.0, 2.0, 3.0])


# ---------------------------------------------------------------------------
# hinge losses
# ---------------------------------------------------------------------------

def test_hinge_hand_worked_values():
    np.testing.assert_allclose(
        hinge_loss([1, -1, 1, -1], [2.0, -0.5, -1.0, 0.25], reduction="none"),
        [0.0, 0.5, 2.0, 1.25], rtol=RTOL, atol=ATOL)
    assert hinge_loss([1, -1], [0.0, 0.0], reduction="sum") == 2.0
    assert hinge_loss([1, -1], [0.5, 0.0], sample_weight=[3.0, 1.0]) == pytest.approx(
        (3 * 0.5 + 1 * 1.0) / 4, rel=RTOL, abs=ATOL)
    # Subgradient 0 at the kink y*s = 1.
    np.testing.assert_array_equal(hinge_loss_grad([1, -1], [1.0, -1.0]), [0.0, 0.0])


def test_hinge_on_0_1_labels_says_how_to_convert():
    with pytest.raises(ValueError, match=r"labels -1 or \+1.*\{0, 1\}.*2 \* y - 1"):
        hinge_loss([0, 1, 1], [0.3, 0.2, -1.0])
    with pytest.raises(ValueError, match=r"labels -1 or \+1.*got 2.0"):
        hinge_loss([2, 1], [0.3, 0.2])
    with pytest.raises(ValueError, match="2 \\* y - 1"):
        hinge_loss_grad([0.0, 1.0], [0.3, 0.2])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_hinge_grad_matches_finite_differences_away_from_kink(reduction, weighted):
    labels = np.array([1, -1, 1, -1, 1, -1])
    scores = np.array([0.3, 0.2, 2.5, -3.0, -1.7, 0.9])  # y*s never within 1e-3 of 1
    weight = np.linspace(0.5, 2.0, 6) if weighted else None
    analytic = hinge_loss_grad(labels, scores, reduction=reduction, sample_weight=weight)
    numeric = fd_reduced(hinge_loss, labels, scores, reduction, sample_weight=weight)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


@PROPERTY_SETTINGS
@given(hnp.arrays(np.float64, st.integers(1, 20), elements=big_floats), st.data())
def test_hinge_properties(scores, data):
    labels = data.draw(hnp.arrays(np.float64, scores.shape, elements=st.sampled_from([-1.0, 1.0])))
    per_sample = hinge_loss(labels, scores, reduction="none")
    assert (per_sample >= 0).all()
    assert hinge_loss(labels, scores) == pytest.approx(
        hinge_loss(labels, scores, reduction="sum") / scores.size, rel=1e-12, abs=1e-12)
    # Correct side with margin >= 1 costs nothing.
    assert hinge_loss(labels, labels * (1 + np.abs(scores))) == 0.0


def multiclass_hinge_loop(labels, scores, margin):
    losses = []
    for label, row in zip(labels, scores):
        losses.append(sum(max(0.0, margin + row[j] - row[label])
                          for j in range(len(row)) if j != label))
    return np.array(losses)


def test_multiclass_hinge_hand_and_loop():
    # Row 0: classes 1 and 2 vs true 0: max(0, 1 + 1 - 3) + max(0, 1 + 2.5 - 3) = 0 + 0.5.
    scores = [[3.0, 1.0, 2.5], [1.0, 2.0, 2.5]]
    np.testing.assert_allclose(multiclass_hinge_loss([0, 2], scores, reduction="none"),
                               [0.5, 0.5], rtol=RTOL, atol=ATOL)
    rng = np.random.default_rng(3)
    scores = rng.normal(0, 2, (9, 4))
    labels = rng.integers(0, 4, 9)
    for margin in (0.0, 1.0, 2.5):
        np.testing.assert_allclose(
            multiclass_hinge_loss(labels, scores, margin=margin, reduction="none"),
            multiclass_hinge_loop(labels, scores, margin), rtol=RTOL, atol=ATOL)
    weight = rng.uniform(0.5, 2, 9)
    assert multiclass_hinge_loss(labels, scores, sample_weight=weight) == pytest.approx(
        np.sum(weight * multiclass_hinge_loop(labels, scores, 1.0)) / np.sum(weight),
        rel=RTOL, abs=ATOL)
    assert multiclass_hinge_loss(1, [0.0, 0.0], reduction="none").shape == (1,)


@PROPERTY_SETTINGS
@given(st.integers(1, 6), st.integers(2, 5), st.data())
def test_multiclass_hinge_properties(n, classes, data):
    scores = data.draw(hnp.arrays(np.float64, (n, classes), elements=big_floats))
    labels = data.draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, classes - 1)))
    assert (multiclass_hinge_loss(labels, scores, reduction="none") >= 0).all()
    separated = scores.copy()
    separated[np.arange(n), labels] = scores.max(axis=1) + 1.0  # margin exactly met or exceeded
    assert multiclass_hinge_loss(labels, separated) == 0.0


def test_multiclass_hinge_grad_by_hand():
    # Row 0, true class 0: only class 2 violates (0.5 > 0): +1 on it, -1 on the true class.
    # Row 1, true class 2: class 1 violates (1 + 2 - 2.5 = 0.5), class 0 does not (-0.5).
    scores = [[3.0, 1.0, 2.5], [1.0, 2.0, 2.5]]
    np.testing.assert_array_equal(
        multiclass_hinge_loss_grad([0, 2], scores, reduction="sum"),
        [[-1.0, 0.0, 1.0], [0.0, 1.0, -1.0]])
    # Both wrong classes violate: the true class is pushed up twice.
    np.testing.assert_array_equal(
        multiclass_hinge_loss_grad(0, [0.0, 0.0, 0.0]), [-2.0, 1.0, 1.0])
    # Exactly at the margin (a kink) the subgradient 0 is chosen.
    np.testing.assert_array_equal(multiclass_hinge_loss_grad([0], [[1.0, 0.0]]), [[0.0, 0.0]])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_multiclass_hinge_grad_matches_finite_differences_away_from_kinks(reduction, weighted):
    rng = np.random.default_rng(8)
    scores = rng.normal(0, 2, (6, 4))
    labels = rng.integers(0, 4, 6)
    gaps = 1.0 + scores - scores[np.arange(6), labels][:, None]
    assert np.abs(gaps).min() > 1e-3  # no kink within the finite-difference step
    weight = rng.uniform(0.2, 3.0, 6) if weighted else None
    analytic = multiclass_hinge_loss_grad(labels, scores, reduction=reduction,
                                          sample_weight=weight)
    numeric = fd_reduced(multiclass_hinge_loss, labels, scores, reduction, sample_weight=weight)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


def test_multiclass_hinge_refuses_bad_input():
    with pytest.raises(ValueError, match=r"y_true must hold class labels in 0..2"):
        multiclass_hinge_loss([0, 3], np.zeros((2, 3)))
    with pytest.raises(ValueError, match="one integer label per row"):
        multiclass_hinge_loss([0, 1, 2], np.zeros((2, 3)))
    with pytest.raises(ValueError, match="at least 2 class scores"):
        multiclass_hinge_loss([0, 0], np.zeros((2, 1)))


# ---------------------------------------------------------------------------
# triplet loss
# ---------------------------------------------------------------------------

def triplet_reference(anchor, positive, negative, margin):
    return np.array([max(0.0, math.dist(a, p) - math.dist(a, n) + margin)
                     for a, p, n in zip(anchor, positive, negative)])


def test_triplet_hand_worked_values():
    assert triplet_loss([0.0, 0.0], [3.0, 4.0], [1.0, 0.0]) == 5.0  # 5 - 1 + 1
    assert triplet_loss([0.0, 0.0], [1.0, 0.0], [3.0, 4.0]) == 0.0  # 1 - 5 + 1 < 0
    assert triplet_loss([0.0, 0.0], [1.0, 0.0], [0.0, 2.0], margin=0.5) == 0.0  # 1 - 2 + 0.5
    assert triplet_loss([0.0, 0.0], [1.0, 0.0], [0.0, 2.0], margin=1.5) == pytest.approx(
        0.5, rel=RTOL, abs=ATOL)


def test_triplet_matches_reference_with_reductions_and_weights():
    rng = np.random.default_rng(4)
    anchor, positive, negative = (rng.normal(0, 1, (8, 3)) for _ in range(3))
    weight = rng.uniform(0.2, 2, 8)
    expected = triplet_reference(anchor, positive, negative, 1.0)
    np.testing.assert_allclose(triplet_loss(anchor, positive, negative, reduction="none"),
                               expected, rtol=1e-12, atol=1e-15)
    assert triplet_loss(anchor, positive, negative, reduction="sum") == pytest.approx(
        expected.sum(), rel=1e-12, abs=1e-15)
    assert triplet_loss(anchor, positive, negative, sample_weight=weight) == pytest.approx(
        np.sum(weight * expected) / weight.sum(), rel=1e-12, abs=1e-15)


def test_triplet_has_no_overflow_or_underflow():
    a, p, n = np.array([0.0, 0.0]), np.array([3.0, 4.0]), np.array([1.0, 0.0])
    for scale in (1e-200, 1e200):
        assert triplet_loss(a * scale, p * scale, n * scale, margin=0.0) == pytest.approx(
            4.0 * scale, rel=1e-14, abs=0.0)
    # The difference 1e308 - (-1e308) overflows, the gap does not.
    assert triplet_loss([1e308, 0.0], [-1e308, 0.0], [-1e308, 1e307], margin=0.0) == 0.0


@PROPERTY_SETTINGS
@given(st.integers(1, 5), st.integers(1, 4), st.data())
def test_triplet_properties(n, d, data):
    anchor, positive, negative = (data.draw(hnp.arrays(np.float64, (n, d), elements=big_floats))
                                  for _ in range(3))
    per_sample = triplet_loss(anchor, positive, negative, reduction="none")
    assert (per_sample >= 0).all()
    np.testing.assert_allclose(per_sample, triplet_reference(anchor, positive, negative, 1.0),
                               rtol=1e-9, atol=1e-9)
    # positive == anchor and a negative beyond the margin: zero loss.
    far = anchor + 2.0
    assert triplet_loss(anchor, anchor, far) == 0.0


def test_triplet_refuses_bad_input():
    with pytest.raises(ValueError, match=r"anchor has shape \(2, 3\) but negative has shape \(2, 2\)"):
        triplet_loss(np.zeros((2, 3)), np.zeros((2, 3)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="margin must be a finite number >= 0"):
        triplet_loss([0.0], [1.0], [2.0], margin=-1.0)


# ---------------------------------------------------------------------------
# Wasserstein distance
# ---------------------------------------------------------------------------

def wasserstein_by_cdf(u, v):
    """Exact W1 = integral of |F_u(x) - F_v(x)| dx, in rational arithmetic."""
    u = [Fraction(float(x)) for x in u]
    v = [Fraction(float(x)) for x in v]
    points = sorted(set(u) | set(v))
    total = Fraction(0)
    for left, right in zip(points, points[1:]):
        cdf_u = Fraction(sum(x <= left for x in u), len(u))
        cdf_v = Fraction(sum(x <= left for x in v), len(v))
        total += abs(cdf_u - cdf_v) * (right - left)
    return float(total)


def test_wasserstein_closed_forms():
    sample = np.array([0.3, -1.2, 4.0, 2.2, 0.0])
    for shift in (0.0, 1.5, -7.25):
        assert wasserstein_1d(sample, sample + shift) == pytest.approx(abs(shift), rel=1e-14, abs=1e-15)
    assert wasserstein_1d([2.0], [-3.0]) == 5.0  # two point masses
    assert wasserstein_1d([0.0, 1.0], [0.0]) == 0.5  # half the mass moves by 1
    assert wasserstein_1d([0.0, 1.0], [0.0, 0.5, 1.0]) == pytest.approx(1 / 6, rel=1e-14, abs=1e-15)
    assert wasserstein_1d(3.0, [3.0, 3.0, 3.0]) == 0.0
    # Order does not matter, and the distance is symmetric.
    assert wasserstein_1d([3.0, 1.0, 2.0], [1.0, 2.0, 3.0]) == 0.0
    assert wasserstein_1d([0.0, 5.0], [1.0, 2.0, 9.0]) == wasserstein_1d([1.0, 2.0, 9.0], [0.0, 5.0])


@PROPERTY_SETTINGS
@given(hnp.arrays(np.float64, st.integers(1, 12), elements=big_floats),
       hnp.arrays(np.float64, st.integers(1, 12), elements=big_floats))
def test_wasserstein_matches_cdf_integration(u, v):
    expected = wasserstein_by_cdf(u, v)
    assert wasserstein_1d(u, v) == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert wasserstein_1d(u, v) >= 0
    assert wasserstein_1d(u, u) == 0.0


def test_wasserstein_does_not_overflow_near_the_range_limit():
    assert wasserstein_1d([1e308, -1e308, 0.0, 0.0], [-1e308, 1e308, 1.0, 1.0]) == pytest.approx(
        0.5, rel=1e-12, abs=0.0)
    assert wasserstein_1d([1e308, 0.0, 0.0, 0.0], [-1e308, 0.0, 0.0, 0.0]) == pytest.approx(
        5e307, rel=1e-12, abs=0.0)


def test_wasserstein_refuses_bad_input():
    with pytest.raises(ValueError, match="u_values is empty"):
        wasserstein_1d([], [1.0])
    with pytest.raises(ValueError, match="v_values must be a scalar or a 1-d array"):
        wasserstein_1d([1.0], [[1.0, 2.0]])
    with pytest.raises(ValueError, match="v_values contains NaN"):
        wasserstein_1d([1.0], [np.nan])


# ---------------------------------------------------------------------------
# penalties
# ---------------------------------------------------------------------------

def test_penalties_hand_worked_values():
    weights = [[1.0, -2.0], [0.5, 0.0]]
    assert l1_penalty(weights) == 3.5
    assert l2_penalty(weights) == 5.25
    assert l1_penalty(weights, strength=0.1) == pytest.approx(0.35, rel=RTOL, abs=ATOL)
    assert l2_penalty(weights, strength=0.0) == 0.0
    assert l2_penalty(3.0, strength=2.0) == 18.0
    # strength 0 switches the penalty off even where the sum of squares overflows
    assert l2_penalty([1e200, 1e200], strength=0.0) == 0.0
    assert l1_penalty([1.7e308, 1.7e308], strength=0.0) == 0.0
    np.testing.assert_array_equal(l1_penalty_grad([2.0, -3.0, 0.0], strength=0.5), [0.5, -0.5, 0.0])
    np.testing.assert_array_equal(l2_penalty_grad(weights, strength=0.5), weights)


@pytest.mark.parametrize("strength", [0.0, 0.3, 2.0])
def test_penalty_grads_match_finite_differences(strength):
    weights = np.random.default_rng(5).normal(0, 1, (3, 4))  # no element within 1e-6 of 0
    assert np.abs(weights).min() > 1e-3
    for penalty, gradient in ((l1_penalty, l1_penalty_grad), (l2_penalty, l2_penalty_grad)):
        numeric = central_difference(lambda w: penalty(w, strength=strength), weights)
        np.testing.assert_allclose(gradient(weights, strength=strength), numeric,
                                   rtol=1e-6, atol=1e-9)


@PROPERTY_SETTINGS
@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4), elements=big_floats),
       st.floats(0, 10))
def test_penalty_properties(weights, strength):
    assert l1_penalty(weights, strength=strength) >= 0
    assert l2_penalty(weights, strength=strength) >= 0
    assert l1_penalty(np.zeros_like(weights), strength=strength) == 0.0
    assert l2_penalty_grad(weights, strength=strength).shape == weights.shape


def test_penalties_refuse_bad_input():
    with pytest.raises(ValueError, match="strength must be a finite number >= 0"):
        l2_penalty([1.0], strength=-0.1)
    with pytest.raises(ValueError, match="weights is empty"):
        l1_penalty([])
    with pytest.raises(TypeError, match="strength must be a number"):
        l1_penalty([1.0], strength="strong")


# ---------------------------------------------------------------------------
# contract shared by every function
# ---------------------------------------------------------------------------

def test_no_function_mutates_its_inputs():
    rng = np.random.default_rng(6)
    logits, labels = rng.normal(0, 2, 5), rng.integers(0, 2, 5).astype(float)
    masks, probabilities = (rng.uniform(size=(2, 4)) > 0.5).astype(float), rng.uniform(size=(2, 4))
    scores = rng.normal(0, 1, (5, 3))
    weight = rng.uniform(0.5, 1, 5)
    calls = [
        (focal_loss, (labels, logits), dict(sample_weight=weight)),
        (focal_loss_grad, (labels, logits), dict(sample_weight=weight)),
        (dice_loss, (masks, probabilities), {}),
        (dice_loss_grad, (masks, probabilities), {}),
        (hinge_loss, (2 * labels - 1, logits), {}),
        (hinge_loss_grad, (2 * labels - 1, logits), {}),
        (multiclass_hinge_loss, (labels, scores), {}),
        (triplet_loss, (scores, scores[::-1].copy(), scores + 1), {}),
        (wasserstein_1d, (logits, scores[:, 0].copy()), {}),
        (l1_penalty_grad, (scores,), {}),
        (l2_penalty_grad, (scores,), {}),
    ]
    for function, arguments, kwargs in calls:
        copies = [a.copy() for a in arguments]
        weight_copy = weight.copy()
        function(*arguments, **kwargs)
        for original, copy in zip(arguments, copies):
            np.testing.assert_array_equal(original, copy, err_msg=function.__name__)
        np.testing.assert_array_equal(weight, weight_copy, err_msg=function.__name__)


def test_gradients_are_float64_arrays_with_the_prediction_shape():
    assert focal_loss_grad([1, 0], [1, 2]).dtype == np.float64  # int logits accepted
    assert dice_loss_grad([[1, 0, 1]], [[1, 0, 0]]).shape == (1, 3)
    assert hinge_loss_grad([1], [0]).shape == (1,)
    assert l1_penalty_grad([[1, -1]]).dtype == np.float64


# ---------------------------------------------------------------------------
# extreme valid input: the right value, and no warning
# ---------------------------------------------------------------------------

def test_extreme_logits_and_scores_give_the_value_without_a_warning():
    # pytest turns warnings into errors: these used to warn "overflow encountered"
    # focal, confidently right: (1 - p_t)^2 = e^(-2e308) = 0 and -log p_t = 0
    assert focal_loss([1.0], [1e308]) == 0.0
    np.testing.assert_array_equal(focal_loss_grad([1.0], [1e308]), [0.0])
    # focal, confidently wrong: (1 - p_t)^2 = 1 and -log p_t = 1e308
    assert focal_loss([1.0], [-1e308]) == 1e308
    # hinge: 1 + 1e308 rounds to 1e308; the mean of two is 1e308 (their sum overflows)
    assert hinge_loss([1, 1], [-1e308, -1e308]) == 1e308
    assert hinge_loss([1, 1], [-1e308, -1e308], reduction="sum") == math.inf
    # multiclass hinge: 1 + 1e308 - (-1e308) is beyond the range: the true value is inf
    assert multiclass_hinge_loss([0], [[-1e308, 1e308]]) == math.inf
    # triplet: distances 0 and 2e308, the gap below -margin: loss 0
    assert triplet_loss([1e308], [1e308], [-1e308]) == 0.0
    assert l2_penalty([1e200]) == math.inf
