"""Tests of lossedu.models: gradient descent on a linear model with each loss."""

from __future__ import annotations

import numpy as np
import pytest

from helpers_numeric import central_difference
from lossedu.activations import one_hot
from lossedu.classification import (
    binary_cross_entropy_with_logits,
    categorical_cross_entropy_with_logits,
)
from lossedu.classification import focal_loss
from lossedu.margins import hinge_loss
from lossedu.models import TrainingResult, train_linear_model
from lossedu.regression import huber, log_cosh, mae, mse


def stable_sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))


def stable_softmax(z):
    shifted = z - z.max(axis=1, keepdims=True)
    return np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)


REGRESSION = {"mse": mse, "mae": mae, "huber": huber, "log_cosh": log_cosh}


def objective(loss, output, X, y, weights, bias, *, loss_kwargs=None, l2=0.0, sample_weight=None):
    """The training objective written out independently of lossedu.models."""
    kwargs = dict(loss_kwargs or {}, sample_weight=sample_weight)
    z = X @ weights + bias
    if loss == "bce":
        value = binary_cross_entropy_with_logits(y, z, **kwargs)
    elif loss == "focal":
        value = focal_loss(y, z, **kwargs)
    elif loss == "cce":
        value = categorical_cross_entropy_with_logits(y, z, **kwargs)
    elif loss == "hinge":
        value = hinge_loss(y, z, **kwargs)
    elif output == "linear":
        value = REGRESSION[loss](y, z, **kwargs)
    elif output == "sigmoid":
        value = REGRESSION[loss](y, stable_sigmoid(z), **kwargs)
    else:
        value = REGRESSION[loss](one_hot(y, z.shape[1]), stable_softmax(z), **kwargs)
    return value + l2 * float(np.sum(weights ** 2))


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    binary = (X @ np.array([1.0, -1.0, 0.5]) + 0.3 * rng.normal(size=60) > 0).astype(int)
    three = np.digitize(X[:, 0] + 0.2 * rng.normal(size=60), [-0.5, 0.5])
    real = X @ np.array([2.0, -1.0, 0.5]) + 1.0 + 0.1 * rng.normal(size=60)
    return X, binary, three, real


def targets_for(loss, output, data):
    X, binary, three, real = data
    if output == "softmax":
        return three
    if output == "sigmoid":
        return binary
    if loss == "hinge":
        return 2 * binary - 1
    return real


COMBINATIONS = [
    ("mse", "linear"), ("mae", "linear"), ("huber", "linear"), ("log_cosh", "linear"),
    ("mse", "sigmoid"), ("mae", "sigmoid"), ("huber", "sigmoid"), ("log_cosh", "sigmoid"),
    ("mse", "softmax"), ("huber", "softmax"),
    ("bce", "sigmoid"), ("focal", "sigmoid"), ("cce", "softmax"), ("hinge", "linear"),
]


@pytest.mark.parametrize("loss,output", COMBINATIONS)
def test_training_reduces_the_loss_and_histories_have_the_right_shapes(loss, output, data):
    X = data[0]
    y = targets_for(loss, output, data)
    result = train_linear_model(X, y, loss=loss, output=output, learning_rate=0.2, steps=60)
    assert isinstance(result, TrainingResult)
    assert result.losses.shape == (61,) and result.gradient_norms.shape == (60,)
    assert np.isfinite(result.losses).all() and np.isfinite(result.gradient_norms).all()
    assert result.losses[-1] < 0.8 * result.losses[0]
    classifier = output != "linear" or loss == "hinge"
    if classifier:
        assert result.accuracies.shape == (61,)
        assert result.accuracies[-1] >= 0.75
        np.testing.assert_allclose(result.accuracies[-1], np.mean(result.predict_labels(X) == y),
                                   rtol=0, atol=1e-15)
    else:
        assert result.accuracies is None
    weight_shape = (3, 3) if output == "softmax" else (3,)
    assert result.weights.shape == weight_shape
    assert np.shape(result.bias) == ((3,) if output == "softmax" else ())
    # The recorded loss is the objective at the final parameters.
    assert result.losses[-1] == pytest.approx(
        objective(loss, output, X, y, result.weights, result.bias), rel=1e-12, abs=1e-15)


CHECKED = [
    ("mse", "sigmoid", None, 0.0, False),
    ("log_cosh", "linear", None, 0.1, True),
    ("huber", "softmax", {"delta": 0.3}, 0.0, True),
    ("mse", "softmax", None, 0.05, False),
    ("bce", "sigmoid", {"pos_weight": 2.5}, 0.2, True),
    ("focal", "sigmoid", {"gamma": 2.0, "alpha": 0.25}, 0.0, True),
    ("cce", "softmax", {"class_weight": [1.0, 2.0, 0.5], "label_smoothing": 0.1}, 0.1, True),
    ("hinge", "linear", None, 0.0, True),
]


@pytest.mark.parametrize("loss,output,loss_kwargs,l2,weighted", CHECKED)
def test_each_step_follows_the_finite_difference_gradient(loss, output, loss_kwargs, l2, weighted,
                                                          data):
    X = data[0] * 3.0  # larger logits exercise the sigmoid/softmax chain rule
    y = targets_for(loss, output, data)
    weight = np.linspace(0.5, 2.0, X.shape[0]) if weighted else None
    options = dict(loss=loss, output=output, loss_kwargs=loss_kwargs, l2=l2,
                   sample_weight=weight, learning_rate=0.3, seed=3)
    start = train_linear_model(X, y, steps=0, **options)
    after = train_linear_model(X, y, steps=1, **options)
    settings = dict(loss_kwargs=loss_kwargs, l2=l2, sample_weight=weight)
    grad_w = central_difference(
        lambda w: objective(loss, output, X, y, w, start.bias, **settings), start.weights)
    grad_b = central_difference(
        lambda b: objective(loss, output, X, y, start.weights, b, **settings), start.bias)
    np.testing.assert_allclose(after.weights, start.weights - 0.3 * grad_w, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(after.bias, start.bias - 0.3 * grad_b, rtol=1e-6, atol=1e-8)
    norm = np.sqrt(np.sum(grad_w ** 2) + np.sum(grad_b ** 2))
    assert after.gradient_norms[0] == pytest.approx(norm, rel=1e-6, abs=1e-8)
    assert start.losses[0] == pytest.approx(
        objective(loss, output, X, y, start.weights, start.bias, **settings), rel=1e-12, abs=1e-15)


def test_mse_on_sigmoid_saturates_when_confidently_wrong():
    # One large feature makes the initial logits large; the labels are chosen
    # opposite to the initial prediction, so the model starts confidently wrong.
    X = np.array([[2500.0], [-2600.0], [3000.0], [-2200.0]])
    start = train_linear_model(X, [0, 0, 0, 0], loss="bce", output="sigmoid", steps=0, seed=1)
    logits = X @ start.weights
    assert np.abs(logits).min() > 5  # confident: p below 0.007 or above 0.993
    wrong = 1 - start.predict_labels(X)
    bce = train_linear_model(X, wrong, loss="bce", output="sigmoid", steps=1, seed=1)
    squared = train_linear_model(X, wrong, loss="mse", output="sigmoid", steps=1, seed=1)
    assert bce.accuracies[0] == 0.0 and squared.accuracies[0] == 0.0
    assert squared.gradient_norms[0] < 0.05 * bce.gradient_norms[0]
    # Expected sizes: BCE's gradient wrt a logit is sigmoid(z) - y (about 1 in
    # size); MSE's is 2 (p - y) p (1 - p), tiny when p is near 0 or 1.
    p = stable_sigmoid(logits)
    expected_bce = np.hypot(np.sum((p - wrong) * X[:, 0]) / 4, np.sum(p - wrong) / 4)
    assert bce.gradient_norms[0] == pytest.approx(expected_bce, rel=1e-10, abs=1e-12)
    derivative = p * stable_sigmoid(-logits)  # p (1 - p) without cancellation
    bias_gradient = np.sum(2 * (p - wrong) * derivative) / 4
    weight_gradient = np.sum(2 * (p - wrong) * derivative * X[:, 0]) / 4
    assert squared.gradient_norms[0] == pytest.approx(np.hypot(weight_gradient, bias_gradient),
                                                      rel=1e-8, abs=1e-300)


def test_training_is_reproducible_with_a_seed(data):
    X, binary = data[0], data[1]
    first = train_linear_model(X, binary, loss="bce", output="sigmoid", steps=20, seed=5)
    second = train_linear_model(X, binary, loss="bce", output="sigmoid", steps=20, seed=5)
    other = train_linear_model(X, binary, loss="bce", output="sigmoid", steps=20, seed=6)
    np.testing.assert_array_equal(first.weights, second.weights)
    np.testing.assert_array_equal(first.losses, second.losses)
    np.testing.assert_array_equal(first.accuracies, second.accuracies)
    assert not np.array_equal(first.weights, other.weights)
    start = train_linear_model(X, binary, loss="bce", output="sigmoid", steps=0, seed=5)
    assert start.bias == 0.0 and 0 < np.abs(start.weights).max() < 0.1  # small random start
    assert start.losses.shape == (1,) and start.gradient_norms.shape == (0,)


def test_l2_shrinks_the_weights(data):
    X, _, _, real = data
    plain = train_linear_model(X, real, loss="mse", steps=200)
    ridge = train_linear_model(X, real, loss="mse", steps=200, l2=0.5)
    assert np.linalg.norm(ridge.weights) < 0.8 * np.linalg.norm(plain.weights)
    # At the optimum of mse + l2 |w|^2 the gradient vanishes: (2/n) X^T r + 2 l2 w = 0.
    residual = X @ ridge.weights + ridge.bias - real
    np.testing.assert_allclose((2 / len(real)) * X.T @ residual + 2 * 0.5 * ridge.weights,
                               np.zeros(3), rtol=0, atol=1e-6)


def test_predict_and_predict_labels(data):
    X, binary, three, real = data
    model = train_linear_model(X, binary, loss="bce", output="sigmoid", steps=30)
    probabilities = model.predict(X[:5])
    np.testing.assert_allclose(probabilities,
                               stable_sigmoid(X[:5] @ model.weights + model.bias), rtol=1e-12,
                               atol=1e-15)
    np.testing.assert_array_equal(model.predict_labels(X[:5]), (probabilities >= 0.5).astype(int))
    softmax_model = train_linear_model(X, three, loss="cce", output="softmax", steps=30)
    rows = softmax_model.predict(X[:4])
    assert rows.shape == (4, 3)
    np.testing.assert_allclose(rows.sum(axis=1), np.ones(4), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(softmax_model.predict_labels(X[:4]), rows.argmax(axis=1))
    hinge_model = train_linear_model(X, 2 * binary - 1, loss="hinge", steps=30)
    assert set(hinge_model.predict_labels(X).tolist()) <= {-1, 1}
    regression = train_linear_model(X, real, loss="huber", steps=30)
    assert regression.predict(X).shape == (60,)
    with pytest.raises(ValueError, match="predicts numbers, not labels"):
        regression.predict_labels(X)
    with pytest.raises(ValueError, match="X has 2 features"):
        model.predict(X[:, :2])
    assert "final accuracy" in repr(model) and "final accuracy" not in repr(regression)


def test_inputs_are_not_mutated(data):
    X, binary = data[0].copy(), data[1].copy()
    weight = np.ones(60)
    kwargs = {"pos_weight": 2.0}
    train_linear_model(X, binary, loss="bce", output="sigmoid", steps=5, sample_weight=weight,
                       loss_kwargs=kwargs)
    np.testing.assert_array_equal(X, data[0])
    np.testing.assert_array_equal(binary, data[1])
    np.testing.assert_array_equal(weight, np.ones(60))
    assert kwargs == {"pos_weight": 2.0}


def test_divergence_is_reported():
    X = np.array([[10.0], [20.0], [30.0]])
    with pytest.raises(FloatingPointError, match="diverged at step .*lower learning_rate"):
        train_linear_model(X, [1.0, 2.0, 3.0], loss="mse", learning_rate=10.0, steps=500)


def test_bad_arguments_are_refused(data):
    X, binary, three, real = data
    with pytest.raises(ValueError, match="loss='bce' needs output='sigmoid'"):
        train_linear_model(X, binary, loss="bce")
    with pytest.raises(ValueError, match="loss='cce' needs output='softmax'"):
        train_linear_model(X, three, loss="cce", output="sigmoid")
    with pytest.raises(ValueError, match="loss='hinge' needs output='linear'"):
        train_linear_model(X, binary, loss="hinge", output="sigmoid")
    with pytest.raises(ValueError, match="loss must be one of"):
        train_linear_model(X, real, loss="cross_entropy")
    with pytest.raises(ValueError, match="output must be one of"):
        train_linear_model(X, real, loss="mse", output="relu")
    with pytest.raises(ValueError, match=r"2 \* y - 1"):
        train_linear_model(X, binary, loss="hinge")
    with pytest.raises(ValueError, match="y must contain only the labels"):
        train_linear_model(X, three, loss="bce", output="sigmoid")
    with pytest.raises(ValueError, match="X must be a 2-d array"):
        train_linear_model(X[:, 0], real, loss="mse")
    with pytest.raises(ValueError, match=r"y must have shape \(60,\)"):
        train_linear_model(X, real[:10], loss="mse")
    with pytest.raises(ValueError, match="loss_kwargs must not contain"):
        train_linear_model(X, real, loss="mse", loss_kwargs={"reduction": "sum"})
    with pytest.raises(TypeError, match="steps must be an integer"):
        train_linear_model(X, real, loss="mse", steps=2.5)
    with pytest.raises(ValueError, match="learning_rate must be a finite number > 0"):
        train_linear_model(X, real, loss="mse", learning_rate=-0.1)
    with pytest.raises(TypeError, match="seed must be an integer"):
        train_linear_model(X, real, loss="mse", seed=None)
