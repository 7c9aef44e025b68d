"""lossedu's losses and gradients against torch.nn.functional, in float64.

PyTorch is an independent implementation of the same losses, so agreement
to 1e-12 checks the formulas, the reductions and the weighting semantics.
Gradients are compared with torch's autograd.

Without torch these tests are skipped, unless LOSSEDU_REQUIRE_TORCH=1 (set
by CI), where a missing torch is a failure.
"""

import os
import sys

import numpy as np
import pytest

from conftest import REPO_ROOT
from helpers_numeric import REDUCTIONS
from lossedu.classification import (
    binary_cross_entropy,
    binary_cross_entropy_grad,
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_grad,
    categorical_cross_entropy_with_logits,
    categorical_cross_entropy_with_logits_grad,
)
from lossedu.regression import huber, huber_grad, mae, mae_grad, mse, mse_grad

TORCH_VERSION = "2.13.0"
# Into the course's .venv, where the tests run (a bare `pip` installs elsewhere).
INSTALL_TORCH = f".venv/bin/python -m pip install torch=={TORCH_VERSION}"
RTOL, ATOL = 1e-12, 1e-13


def require_torch():
    """Import torch: skip without it, or fail when LOSSEDU_REQUIRE_TORCH=1."""
    if os.environ.get("LOSSEDU_REQUIRE_TORCH") == "1":
        try:
            import torch
        except ImportError:
            pytest.fail(
                "LOSSEDU_REQUIRE_TORCH=1 but torch is not installed; the PyTorch oracle "
                f"tests need it: run `{INSTALL_TORCH}`",
                pytrace=False,
            )
        return torch
    return pytest.importorskip("torch", reason=f"torch is not installed; run `{INSTALL_TORCH}`")


@pytest.fixture(scope="module")
def torch():
    return require_torch()


@pytest.fixture
def without_torch(monkeypatch):
    """`import torch` fails, as where torch is not installed."""
    monkeypatch.setitem(sys.modules, "torch", None)


def test_skip_message_installs_torch_into_the_course_venv(without_torch, monkeypatch):
    monkeypatch.delenv("LOSSEDU_REQUIRE_TORCH", raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        require_torch()
    assert "`.venv/bin/python -m pip install torch==2.13.0`" in skipped.value.msg


def test_required_torch_missing_fails_with_the_same_command(without_torch, monkeypatch):
    monkeypatch.setenv("LOSSEDU_REQUIRE_TORCH", "1")
    with pytest.raises(pytest.fail.Exception) as failed:
        require_torch()
    assert "`.venv/bin/python -m pip install torch==2.13.0`" in failed.value.msg


def test_ci_installs_the_torch_version_the_messages_name():
    assert f" torch=={TORCH_VERSION}\n" in (REPO_ROOT / ".ci" / "run").read_text()


def tensor(torch, array, requires_grad=False):
    return torch.tensor(np.asarray(array), dtype=torch.float64, requires_grad=requires_grad)


def torch_value_and_grad(torch, function, prediction):
    """torch's loss and the gradient of its reduced value wrt ``prediction``."""
    prediction = tensor(torch, prediction, requires_grad=True)
    value = function(prediction)
    if value.dim() == 0:
        value.backward()
        return float(value.detach()), prediction.grad.numpy()
    # "none": gradient of the sum = each per-sample loss's own gradient
    value.sum().backward()
    return value.detach().numpy(), prediction.grad.numpy()


RNG = np.random.default_rng(2024)
Y_REGRESSION = RNG.normal(0.0, 2.0, 40)
P_REGRESSION = Y_REGRESSION + RNG.normal(0.0, 2.0, 40)


# ----------------------------------------------------------------------------
# Regression
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_and_mae_match_torch(torch, reduction):
    functional = torch.nn.functional
    target = tensor(torch, Y_REGRESSION)
    for ours, our_grad, theirs in ((mse, mse_grad, functional.mse_loss),
                                   (mae, mae_grad, functional.l1_loss)):
        expected, expected_grad = torch_value_and_grad(
            torch, lambda p, theirs=theirs: theirs(p, target, reduction=reduction), P_REGRESSION)
        np.testing.assert_allclose(ours(Y_REGRESSION, P_REGRESSION, reduction=reduction),
                                   expected, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(our_grad(Y_REGRESSION, P_REGRESSION, reduction=reduction),
                                   expected_grad, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("delta", [0.5, 1.0, 2.5])
def test_huber_matches_torch(torch, reduction, delta):
    target = tensor(torch, Y_REGRESSION)
    expected, expected_grad = torch_value_and_grad(
        torch, lambda p: torch.nn.functional.huber_loss(p, target, reduction=reduction,
                                                         delta=delta), P_REGRESSION)
    np.testing.assert_allclose(huber(Y_REGRESSION, P_REGRESSION, delta=delta,
                                     reduction=reduction), expected, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(huber_grad(Y_REGRESSION, P_REGRESSION, delta=delta,
                                          reduction=reduction), expected_grad,
                               rtol=RTOL, atol=ATOL)


def test_multi_output_mean_matches_torch(torch):
    y = Y_REGRESSION.reshape(10, 4)
    p = P_REGRESSION.reshape(10, 4)
    target = tensor(torch, y)
    expected, expected_grad = torch_value_and_grad(
        torch, lambda q: torch.nn.functional.mse_loss(q, target), p)
    np.testing.assert_allclose(mse(y, p), expected, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(mse_grad(y, p), expected_grad, rtol=RTOL, atol=ATOL)


# ----------------------------------------------------------------------------
# Binary cross-entropy
# ----------------------------------------------------------------------------

Y_BINARY = np.concatenate([RNG.integers(0, 2, 30).astype(float), RNG.uniform(0, 1, 10)])
P_BINARY = RNG.uniform(0.01, 0.99, 40)
Z_BINARY = np.concatenate([RNG.normal(0.0, 4.0, 34), [-1e4, 1e4, -40.0, 40.0, -745.0, 745.0]])
WEIGHT_BINARY = RNG.uniform(0.0, 3.0, 40)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_matches_torch(torch, reduction):
    target = tensor(torch, Y_BINARY)
    expected, expected_grad = torch_value_and_grad(
        torch, lambda p: torch.nn.functional.binary_cross_entropy(p, target, reduction=reduction),
        P_BINARY)
    np.testing.assert_allclose(binary_cross_entropy(Y_BINARY, P_BINARY, reduction=reduction),
                               expected, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(binary_cross_entropy_grad(Y_BINARY, P_BINARY, reduction=reduction),
                               expected_grad, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("pos_weight", [None, 0.3, 4.0])
def test_binary_cross_entropy_with_logits_matches_torch(torch, reduction, pos_weight):
    target = tensor(torch, Y_BINARY)
    weight = None if pos_weight is None else tensor(torch, [pos_weight])
    expected, expected_grad = torch_value_and_grad(
        torch, lambda z: torch.nn.functional.binary_cross_entropy_with_logits(
            z, target, pos_weight=weight, reduction=reduction), Z_BINARY)
    np.testing.assert_allclose(
        binary_cross_entropy_with_logits(Y_BINARY, Z_BINARY, pos_weight=pos_weight,
                                         reduction=reduction),
        expected, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(
        binary_cross_entropy_with_logits_grad(Y_BINARY, Z_BINARY, pos_weight=pos_weight,
                                              reduction=reduction),
        expected_grad, rtol=RTOL, atol=ATOL)


def test_binary_sample_weight_matches_torch_weight(torch):
    # torch's weight= multiplies each loss; its "mean" divides by n, ours by sum(w),
    # so the sums agree and our mean is torch's sum / sum(w).
    functional = torch.nn.functional
    target = tensor(torch, Y_BINARY)
    weight = tensor(torch, WEIGHT_BINARY)
    expected, expected_grad = torch_value_and_grad(
        torch, lambda z: functional.binary_cross_entropy_with_logits(
            z, target, weight=weight, pos_weight=tensor(torch, [2.0]), reduction="sum"),
        Z_BINARY)
    kwargs = {"pos_weight": 2.0, "sample_weight": WEIGHT_BINARY}
    np.testing.assert_allclose(
        binary_cross_entropy_with_logits(Y_BINARY, Z_BINARY, reduction="sum", **kwargs),
        expected, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(
        binary_cross_entropy_with_logits(Y_BINARY, Z_BINARY, **kwargs),
        expected / WEIGHT_BINARY.sum(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(
        binary_cross_entropy_with_logits_grad(Y_BINARY, Z_BINARY, reduction="sum", **kwargs),
        expected_grad, rtol=RTOL, atol=ATOL)
    expected, _ = torch_value_and_grad(
        torch, lambda p: functional.binary_cross_entropy(p, target, weight=weight,
                                                         reduction="sum"), P_BINARY)
    np.testing.assert_allclose(
        binary_cross_entropy(Y_BINARY, P_BINARY, sample_weight=WEIGHT_BINARY, reduction="sum"),
        expected, rtol=RTOL, atol=ATOL)


# ----------------------------------------------------------------------------
# Categorical cross-entropy
# ----------------------------------------------------------------------------

N, C = 30, 5
LABELS = RNG.integers(0, C, N)
LOGITS = np.concatenate([RNG.normal(0.0, 3.0, (N - 3, C)),
                         [[0.0, 1e4, -1e4, 5.0, 0.0], [40.0, 0.0, 0.0, 0.0, -40.0],
                          [-1e3, -1e3, -999.0, -1e3, -1e3]]])
SOFT_TARGETS = RNG.dirichlet(np.ones(C), N)
CLASS_WEIGHT = np.array([0.5, 2.0, 1.0, 0.0, 3.0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("class_weight", [None, CLASS_WEIGHT], ids=["", "weight"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.15], ids=["", "smoothing"])
def test_cross_entropy_with_integer_targets_matches_torch(torch, reduction, class_weight,
                                                          label_smoothing):
    target = torch.tensor(LABELS, dtype=torch.int64)
    weight = None if class_weight is None else tensor(torch, class_weight)
    expected, expected_grad = torch_value_and_grad(
        torch, lambda z: torch.nn.functional.cross_entropy(
            z, target, weight=weight, label_smoothing=label_smoothing, reduction=reduction),
        LOGITS)
    kwargs = {"class_weight": class_weight, "label_smoothing": label_smoothing,
              "reduction": reduction}
    np.testing.assert_allclose(categorical_cross_entropy_with_logits(LABELS, LOGITS, **kwargs),
                               expected, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(
        categorical_cross_entropy_with_logits_grad(LABELS, LOGITS, **kwargs),
        expected_grad, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.15], ids=["", "smoothing"])
def test_cross_entropy_with_probability_targets_matches_torch(torch, reduction, label_smoothing):
    # without class weights: with them, torch's mean divides by n, ours by the
    # targets' total weight (so that labels and one-hot rows agree)
    target = tensor(torch, SOFT_TARGETS)
    expected, expected_grad = torch_value_and_grad(
        torch, lambda z: torch.nn.functional.cross_entropy(
            z, target, label_smoothing=label_smoothing, reduction=reduction), LOGITS)
    kwargs = {"label_smoothing": label_smoothing, "reduction": reduction}
    np.testing.assert_allclose(
        categorical_cross_entropy_with_logits(SOFT_TARGETS, LOGITS, **kwargs),
        expected, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(
        categorical_cross_entropy_with_logits_grad(SOFT_TARGETS, LOGITS, **kwargs),
        expected_grad, rtol=RTOL, atol=ATOL)


def test_cross_entropy_with_probability_targets_and_class_weight_sums_match_torch(torch):
    target = tensor(torch, SOFT_TARGETS)
    expected, expected_grad = torch_value_and_grad(
        torch, lambda z: torch.nn.functional.cross_entropy(
            z, target, weight=tensor(torch, CLASS_WEIGHT), reduction="sum"), LOGITS)
    np.testing.assert_allclose(
        categorical_cross_entropy_with_logits(SOFT_TARGETS, LOGITS, class_weight=CLASS_WEIGHT,
                                              reduction="sum"),
        expected, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(
        categorical_cross_entropy_with_logits_grad(SOFT_TARGETS, LOGITS,
                                                   class_weight=CLASS_WEIGHT, reduction="sum"),
        expected_grad, rtol=RTOL, atol=ATOL)
