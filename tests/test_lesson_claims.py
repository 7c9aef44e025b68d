"""The numeric claims the lessons' prose makes, recomputed with lossedu on the lessons' own data.

Each test rebuilds the data and settings of one lesson cell (same generators, seeds,
learning rates and steps) and asserts the relation the sentence next to it states:
"the lowest error comes before the lowest hinge cost", "recall at 0.5 is close to
the Bayes rule's", "a threshold of 0.1 raises recall". When a lesson or the library
changes so that a sentence is no longer true, the test says which one.
Expected values come from outside the code under test: Bayes' rule written out for
``make_binary``, the empirical CDFs integrated piece by piece, log-sum-exp in plain
numpy, finite differences, brute force.
"""

import math
from functools import lru_cache

import numpy as np
import pytest

from lossedu import dice_loss, wasserstein_1d
from lossedu.activations import sigmoid, softmax
from lossedu.classification import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits_grad,
    categorical_cross_entropy_with_logits,
    categorical_cross_entropy_with_logits_grad,
)
from lossedu.data import (
    load_breast_cancer,
    load_diabetes,
    make_binary,
    make_line,
    make_masks,
    standardize,
    train_test_split,
)
from lossedu.gradcheck import numerical_gradient
from lossedu.metrics import f1_score, precision, recall
from lossedu.models import train_linear_model
from lossedu.regression import mae
from lossedu.training import steps_to_accuracy

TOL = dict(rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------
# Lesson 6, section 3: class imbalance (make_binary(2000, separation=2.5, 5% positives))

SEPARATION, POSITIVE_FRACTION = 2.5, 0.05


@lru_cache(maxsize=None)
def imbalanced():
    X, labels = make_binary(2000, separation=SEPARATION, positive_fraction=POSITIVE_FRACTION, seed=0)
    X_raw_train, X_raw_test, y_train, y_test = train_test_split(X, labels, test_fraction=0.5, seed=0)
    X_train, X_test = standardize(X_raw_train, X_raw_test)
    return X_raw_test, X_train, X_test, y_train, y_test


@lru_cache(maxsize=None)
def imbalanced_model(loss="bce", **loss_kwargs):
    _, X_train, _, y_train, _ = imbalanced()
    return train_linear_model(X_train, y_train, loss=loss, output="sigmoid", learning_rate=0.5,
                              steps=300, loss_kwargs=loss_kwargs, seed=0)


def true_probability(X_raw):
    """P(y = 1 | x) for make_binary, by Bayes' rule: two unit Gaussians, means +-s/2 on the diagonal."""
    along_means = X_raw @ (np.array([1.0, 1.0]) / math.sqrt(2.0))
    log_prior_odds = math.log(POSITIVE_FRACTION / (1.0 - POSITIVE_FRACTION))
    return 1.0 / (1.0 + np.exp(-(SEPARATION * along_means + log_prior_odds)))


def test_about_half_of_the_positives_have_a_true_probability_above_one_half():
    # theory: pi > 1/2 iff t > log(19)/s, and t ~ N(s/2, 1) for a positive
    threshold = math.log((1 - POSITIVE_FRACTION) / POSITIVE_FRACTION) / SEPARATION
    theory = 0.5 * math.erfc((threshold - SEPARATION / 2) / math.sqrt(2.0))
    assert threshold == pytest.approx(1.18, abs=0.005)
    assert theory == pytest.approx(0.53, abs=0.005)
    X_raw_test, _, _, _, y_test = imbalanced()
    in_sample = np.mean(true_probability(X_raw_test)[y_test == 1] > 0.5)
    assert abs(in_sample - theory) < 0.05


def test_plain_bce_estimates_the_probabilities_and_matches_the_bayes_rule_recall():
    X_raw_test, _, X_test, _, y_test = imbalanced()
    pi = true_probability(X_raw_test)
    p = imbalanced_model().predict(X_test)
    assert np.mean(np.abs(p - pi)) < 0.02                      # "within about a hundredth"
    bayes_recall = recall(y_test, (pi >= 0.5).astype(int))
    bce_recall = recall(y_test, imbalanced_model().predict_labels(X_test))
    assert 0.4 < bce_recall < 0.6                               # "finds only half of the positives"
    assert abs(bce_recall - bayes_recall) <= 0.05               # "about as many as the Bayes rule"


def test_a_threshold_chosen_for_recall_raises_recall_with_the_same_model():
    _, _, X_test, _, y_test = imbalanced()
    p = imbalanced_model().predict(X_test)
    at_half, at_tenth = (p >= 0.5).astype(int), (p >= 0.1).astype(int)
    assert recall(y_test, at_tenth) > recall(y_test, at_half) + 0.3        # "finds most of the positives"
    assert recall(y_test, at_tenth) > 0.8
    assert precision(y_test, at_tenth) < precision(y_test, at_half)        # "more false alarms"


def test_a_weighted_model_decides_like_the_plain_model_at_threshold_one_over_one_plus_w():
    _, _, X_test, y_train, y_test = imbalanced()
    p = imbalanced_model().predict(X_test)
    balanced = float((y_train == 0).sum() / (y_train == 1).sum())
    for weight in (2.0, 4.0, balanced):
        weighted = recall(y_test, imbalanced_model(pos_weight=weight).predict_labels(X_test))
        thresholded = recall(y_test, (p >= 1.0 / (1.0 + weight)).astype(int))
        if weight in (2.0, 4.0):
            assert weighted == thresholded, weight                  # "the same recall at w = 2 and 4"
        else:
            assert 0 < thresholded - weighted <= 0.05               # "a couple more positives"


def test_focal_alpha_of_lin_et_al_lowers_recall_and_alpha_075_lands_near_weighted_bce():
    _, _, X_test, _, y_test = imbalanced()
    plain_recall = recall(y_test, imbalanced_model().predict_labels(X_test))
    quarter = imbalanced_model("focal", gamma=2.0, alpha=0.25).predict_labels(X_test)
    assert recall(y_test, quarter) < plain_recall
    three_quarters = imbalanced_model("focal", gamma=2.0, alpha=0.75).predict_labels(X_test)
    best_weighted = max(f1_score(y_test, imbalanced_model(pos_weight=w).predict_labels(X_test))
                        for w in (2.0, 4.0))
    assert abs(f1_score(y_test, three_quarters) - best_weighted) < 0.02


# ---------------------------------------------------------------------------
# Lesson 6, section 4: Dice on make_masks(20, size=16, seed=0), padded with pixels at 0.001

def padded(extra):
    masks, predicted = make_masks(20, size=16, seed=0)
    return (np.hstack([masks, np.zeros((20, extra))]), np.hstack([predicted, np.full((20, extra), 0.001)]))


def test_padding_lowers_bce_sixteen_fold_and_moves_dice_slightly_up():
    extras = (0, 256, 1024, 4096)
    bce = [binary_cross_entropy(*(a.ravel() for a in padded(extra))) for extra in extras]
    dice = [dice_loss(*padded(extra)) for extra in extras]
    assert 14.0 < bce[0] / bce[-1] < 18.0                    # "about sixteen-fold"
    assert np.all(np.diff(dice) > 0)                         # "the wrong way"
    assert 0.0 < dice[-1] - dice[0] < 0.05                   # "up by a few hundredths"


def test_the_padding_adds_four_to_sum_p_against_the_objects_sums():
    masks, predicted = make_masks(20, size=16, seed=0)
    y, p = padded(4096)
    np.testing.assert_allclose(p.sum(axis=1) - predicted.sum(axis=1), 4.096, **TOL)
    np.testing.assert_allclose((y * p).sum(axis=1), (masks * predicted).sum(axis=1), **TOL)
    assert 29.0 < masks.sum(axis=1).mean() < 32.0            # "sum y about 30"
    assert 35.0 < predicted.sum(axis=1).mean() < 39.0        # "sum p about 37"


def test_dice_per_image_and_pooled_differ_because_small_discs_are_hard():
    masks, predicted = make_masks(20, size=16, seed=0)
    per_image = dice_loss(masks, predicted, reduction="none")
    # the pooled ratio written out from its definition, smooth = 1
    pooled = 1.0 - (2.0 * np.sum(masks * predicted) + 1.0) / (masks.sum() + predicted.sum() + 1.0)
    assert np.corrcoef(masks.sum(axis=1), per_image)[0, 1] < -0.5
    assert pooled < per_image.mean() - 0.02


# ---------------------------------------------------------------------------
# Lesson 6, section 5: hinge on make_binary(200, separation=2.0, seed=1), 100 steps, rate 0.1

@lru_cache(maxsize=None)
def hinge_run():
    X_small, labels_small = make_binary(200, separation=2.0, seed=1)
    return train_linear_model(X_small, 2 * labels_small - 1, loss="hinge", learning_rate=0.1,
                              steps=100, seed=0)


def test_hinge_run_lowest_error_comes_before_lowest_hinge_and_the_error_rises_after():
    run = hinge_run()
    error = 1.0 - run.accuracies
    assert np.all(np.diff(run.losses) <= 0)                  # "falls at every step"
    lowest_error_step, lowest_hinge_step = int(np.argmin(error)), int(np.argmin(run.losses))
    assert lowest_error_step < lowest_hinge_step == len(run.losses) - 1
    assert error[-1] > error[lowest_error_step]              # "creeps back up"
    assert error[0] > 0.4 and error[1:10].max() < 0.16       # "from about a half to about 0.15"


def test_the_mean_hinge_loss_bounds_the_error_rate_at_every_step():
    run = hinge_run()
    assert np.all(run.losses >= 1.0 - run.accuracies)


# ---------------------------------------------------------------------------
# Lesson 6, section 7: W1 is the area between the empirical CDFs, also for different sizes

def area_between_empirical_cdfs(u, v):
    """Exact integral of |F_u - F_v|: both are constant between consecutive sample values."""
    u, v = np.sort(np.asarray(u, dtype=float)), np.sort(np.asarray(v, dtype=float))
    points = np.union1d(u, v)
    cdf_u = np.searchsorted(u, points[:-1], side="right") / u.size
    cdf_v = np.searchsorted(v, points[:-1], side="right") / v.size
    return float(np.sum(np.abs(cdf_u - cdf_v) * np.diff(points)))


@pytest.mark.parametrize("u, v", [
    ([0.0, 0.3, 1.0], [0.2, 0.5, 0.6]),
    ([0.0, 1.0], [0.0, 0.5, 1.0]),
    (np.random.default_rng(0).normal(size=7), np.random.default_rng(1).normal(size=12)),
])
def test_wasserstein_is_the_area_between_the_cdfs(u, v):
    np.testing.assert_allclose(wasserstein_1d(u, v), area_between_empirical_cdfs(u, v), **TOL)
    if len(u) == len(v):   # equal sizes: the sorted-pairs mean of the exercise
        np.testing.assert_allclose(area_between_empirical_cdfs(u, v),
                                   np.mean(np.abs(np.sort(u) - np.sort(v))), **TOL)


def test_the_lesson_example_of_different_sizes_is_one_sixth():
    # F_u = 1/2 on [0, 1); F_v = 1/3 on [0, 0.5), 2/3 on [0.5, 1): the gap is 1/6 over a length 1
    np.testing.assert_allclose(wasserstein_1d([0.0, 1.0], [0.0, 0.5, 1.0]), 1.0 / 6.0, **TOL)


# ---------------------------------------------------------------------------
# Lesson 5: class weights under the two conventions, and the softmax Jacobian

LOGITS = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 0.5]])
LABELS = np.array([0, 2])
CLASS_WEIGHT = np.array([1.0, 2.0, 4.0])
SOFT_ROWS = np.array([[0.7, 0.3, 0.0], [0.0, 0.2, 0.8]])


def weighted_sum_by_hand(rows):
    log_p = LOGITS - np.log(np.sum(np.exp(LOGITS), axis=1, keepdims=True))
    return float(-np.sum(CLASS_WEIGHT * rows * log_p))


def test_class_weighted_mean_divides_by_the_weight_of_the_targets_for_labels_and_rows():
    one_hot_rows = np.eye(3)[LABELS]
    for targets, rows in ((LABELS, one_hot_rows), (one_hot_rows, one_hot_rows), (SOFT_ROWS, SOFT_ROWS)):
        expected = weighted_sum_by_hand(rows) / float(np.sum(rows @ CLASS_WEIGHT))
        np.testing.assert_allclose(
            categorical_cross_entropy_with_logits(targets, LOGITS, class_weight=CLASS_WEIGHT), expected, **TOL)
        np.testing.assert_allclose(
            categorical_cross_entropy_with_logits(targets, LOGITS, class_weight=CLASS_WEIGHT, reduction="sum"),
            weighted_sum_by_hand(rows), **TOL)


def test_the_two_conventions_differ_by_the_target_weight_over_n():
    one_hot_rows = np.eye(3)[LABELS]
    course = categorical_cross_entropy_with_logits(one_hot_rows, LOGITS, class_weight=CLASS_WEIGHT)
    divided_by_n = weighted_sum_by_hand(one_hot_rows) / len(LOGITS)
    np.testing.assert_allclose(divided_by_n / course, CLASS_WEIGHT[LABELS].sum() / len(LOGITS), **TOL)
    assert round(course, 4) == 0.9925 and round(divided_by_n, 4) == 2.4812   # the lesson's sentence


def test_pytorch_uses_the_weight_sum_for_labels_and_n_for_probability_targets():
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    logits, weight = torch.tensor(LOGITS), torch.tensor(CLASS_WEIGHT)
    np.testing.assert_allclose(
        functional.cross_entropy(logits, torch.tensor(LABELS), weight=weight).item(),
        categorical_cross_entropy_with_logits(LABELS, LOGITS, class_weight=CLASS_WEIGHT), **TOL)
    for rows in (np.eye(3)[LABELS], SOFT_ROWS):
        np.testing.assert_allclose(
            functional.cross_entropy(logits, torch.tensor(rows), weight=weight).item(),
            weighted_sum_by_hand(rows) / len(LOGITS), **TOL)


def test_softmax_jacobian_is_diag_p_minus_p_pT_and_turns_minus_y_over_p_into_p_minus_y():
    z, y = np.array([2.0, 1.0, 0.1]), np.array([0.0, 1.0, 0.0])
    p = softmax(z)
    jacobian = np.diag(p) - np.outer(p, p)
    numeric = np.array([numerical_gradient(lambda v, c=c: softmax(v)[c], z) for c in range(3)])
    np.testing.assert_allclose(numeric, jacobian, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(jacobian, jacobian.T, **TOL)
    np.testing.assert_allclose(jacobian.sum(axis=1), 0.0, rtol=0, atol=1e-15)
    np.testing.assert_allclose(jacobian @ (-y / p),
                               categorical_cross_entropy_with_logits_grad([1], z[None, :], reduction="sum")[0],
                               **TOL)


# ---------------------------------------------------------------------------
# Lesson 2, question 4: the sum's gradient against the mean's

def test_sum_gradient_is_n_times_the_mean_gradient_on_ten_times_more_data():
    rng = np.random.default_rng(0)
    n = 30
    y_old, z_old = rng.integers(0, 2, size=n).astype(float), rng.normal(size=n)
    y_new, z_new = np.tile(y_old, 10), np.tile(z_old, 10)       # ten times the data, same mean
    mean_old = binary_cross_entropy_with_logits_grad(y_old, z_old)
    sum_old = binary_cross_entropy_with_logits_grad(y_old, z_old, reduction="sum")
    mean_new = binary_cross_entropy_with_logits_grad(y_new, z_new)
    sum_new = binary_cross_entropy_with_logits_grad(y_new, z_new, reduction="sum")
    # per sample, the sum's step on the new data is 10n times the mean's and 10 times the old sum's
    np.testing.assert_allclose(sum_new, 10 * n * mean_new, **TOL)
    np.testing.assert_allclose(sum_new[:n], sum_old, **TOL)
    np.testing.assert_allclose(np.sum(sum_new.reshape(10, n), axis=0), 10 * sum_old, **TOL)
    np.testing.assert_allclose(np.sum(mean_new.reshape(10, n), axis=0), mean_old, **TOL)


# ---------------------------------------------------------------------------
# Lesson 4: at learning rate 0.001 the accuracy passes 95 % and falls back while the cost falls

@pytest.mark.parametrize("loss, first_step", [("bce", 27), ("mse", 53)])
def test_accuracy_passes_the_target_and_falls_back_while_the_cost_falls(loss, first_step):
    data = load_breast_cancer()
    X_train, X_test, y_train, _ = train_test_split(data.X, data.y, test_fraction=0.25, seed=0)
    X_train, _ = standardize(X_train, X_test)
    model = train_linear_model(X_train, y_train, loss=loss, output="sigmoid", learning_rate=0.001,
                               steps=300, seed=0)
    assert steps_to_accuracy(model.accuracies, 0.95) == first_step
    assert model.accuracies[-1] < 0.95
    assert np.all(np.diff(model.losses) < 0)
    # 0.948 and 0.95 are a single tumour apart
    assert 0.0 < 0.95 * y_train.size - model.accuracies[-1] * y_train.size < 1.0


# ---------------------------------------------------------------------------
# Lesson 7: weight decay, and subgradients at the corners of MAE

def test_one_l2_step_decays_the_weights_by_one_minus_two_eta_lambda():
    x_train, y_line_train = make_line(20, noise=2.0, seed=3)
    u = (x_train - 5.0) / 5.0
    raw = np.vander(u, 11, increasing=True)[:, 1:]
    features = (raw - raw.mean(axis=0)) / raw.std(axis=0)
    eta, strength = 0.15, 0.1
    start, without, with_penalty = (
        train_linear_model(features, y_line_train, loss="mse", l2=l2, learning_rate=eta, steps=steps, seed=0)
        for steps, l2 in ((0, 0.0), (1, 0.0), (1, strength)))
    # the MSE gradient at the start, written out: d/dw mean((Xw + b - y)^2) = 2 X^T r / n
    residual = features @ start.weights + start.bias - y_line_train
    mse_gradient = 2.0 * features.T @ residual / len(residual)
    np.testing.assert_allclose(with_penalty.weights,
                               (1 - 2 * eta * strength) * start.weights - eta * mse_gradient, **TOL)
    np.testing.assert_allclose(without.weights, start.weights - eta * mse_gradient, **TOL)


def test_the_best_constant_under_mae_is_the_median_and_a_subgradient_step_can_raise_the_cost():
    values = np.array([1.0, 2.0, 4.0, 7.0, 11.0])
    cost = lambda c: mae(values, np.full(values.size, c))  # noqa: E731
    grid = np.linspace(0.0, 12.0, 1201)
    assert grid[np.argmin([cost(c) for c in grid])] == pytest.approx(np.median(values), abs=1e-12)
    # one-sided slopes at the median: (#below - #at-or-above) / n and (#at-or-below - #above) / n
    h = 1e-7
    left_slope, right_slope = (cost(4.0) - cost(4.0 - h)) / h, (cost(4.0 + h) - cost(4.0)) / h
    assert left_slope == pytest.approx(-0.2, abs=1e-6) and right_slope == pytest.approx(0.2, abs=1e-6)
    assert cost(4.0 - 0.5 * 0.2) > cost(4.0)


def test_the_best_line_under_mae_passes_through_as_many_points_as_it_has_parameters():
    x, y = make_line(9, noise=2.0, seed=3)
    line_cost = lambda w, b: mae(y, w * x + b)  # noqa: E731
    # brute force over the lines through two data points
    through_pairs = min(line_cost((y[j] - y[i]) / (x[j] - x[i]), y[i] - x[i] * (y[j] - y[i]) / (x[j] - x[i]))
                        for i in range(9) for j in range(i + 1, 9))
    # no line on a fine grid of slopes and intercepts does better
    slopes, intercepts = np.meshgrid(np.linspace(0.0, 4.0, 401), np.linspace(-6.0, 8.0, 401))
    grid_costs = np.mean(np.abs(y - (slopes[..., None] * x + intercepts[..., None])), axis=-1)
    assert through_pairs <= grid_costs.min() + 1e-12
    assert grid_costs.min() - through_pairs < 0.05          # and the grid gets close to it


def test_mae_descent_rises_on_some_steps_near_its_minimum_and_hinge_does_not():
    diabetes = load_diabetes()
    D_train, D_test, t_train, _ = train_test_split(diabetes.X, diabetes.y, test_fraction=0.25, seed=0)
    D_train, _ = standardize(D_train, D_test)
    t_train = (t_train - t_train.mean()) / t_train.std()
    mae_run = train_linear_model(D_train, t_train, loss="mae", learning_rate=0.1, steps=300)
    rises = np.diff(mae_run.losses)
    assert np.sum(rises > 0) > 30
    assert rises.max() < 1e-3 < mae_run.losses[0] - mae_run.losses[-1]   # "by tiny amounts"
    cancer = load_breast_cancer()
    X_train, X_test, y_train, _ = train_test_split(cancer.X, cancer.y, test_fraction=0.3, seed=0)
    X_train, _ = standardize(X_train, X_test)
    hinge = train_linear_model(X_train, 2 * y_train - 1, loss="hinge", learning_rate=0.1, steps=300)
    assert np.all(np.diff(hinge.losses) <= 0)


def test_bayes_rule_through_lossedu_sigmoid_matches_the_hand_formula():
    # lesson 6 computes Bayes' rule with lossedu's sigmoid: same values as the hand formula
    X_raw_test = imbalanced()[0]
    along_means = X_raw_test @ (np.array([1.0, 1.0]) / math.sqrt(2.0))
    np.testing.assert_allclose(sigmoid(2.5 * along_means + math.log(0.05 / 0.95)),
                               true_probability(X_raw_test), **TOL)
