"""Tests of lossedu.gradcheck against analytic gradients."""

from __future__ import annotations

import numpy as np
import pytest

from lossedu.gradcheck import check_gradient, numerical_gradient, relative_error


def test_numerical_gradient_of_known_functions():
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    # sum(x^3): gradient 3 x^2.
    np.testing.assert_allclose(numerical_gradient(lambda v: float(np.sum(v ** 3)), x),
                               3 * x ** 2, rtol=1e-8, atol=1e-8)
    # log(sum(exp(x))): gradient softmax of all elements.
    softmax = np.exp(x) / np.exp(x).sum()
    np.testing.assert_allclose(numerical_gradient(lambda v: float(np.log(np.sum(np.exp(v)))), x),
                               softmax, rtol=1e-7, atol=1e-10)
    # A linear function is differentiated exactly up to rounding.
    a = np.array([[3.0, -2.0, 0.5], [1.0, 0.0, -4.0]])
    np.testing.assert_allclose(numerical_gradient(lambda v: float(np.sum(a * v)), x), a,
                               rtol=1e-9, atol=1e-9)


def test_numerical_gradient_of_a_scalar_and_of_lists():
    gradient = numerical_gradient(lambda v: float(np.sin(v)), 0.3)
    assert gradient.shape == ()
    assert float(gradient) == pytest.approx(np.cos(0.3), rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(numerical_gradient(lambda v: float(v @ v), [1, 2]), [2.0, 4.0],
                               rtol=1e-8, atol=1e-8)


def test_numerical_gradient_accuracy_improves_as_h_shrinks_then_rounding_takes_over():
    x = np.array([1.0])
    exact = np.exp(1.0)
    error = {h: abs(float(numerical_gradient(lambda v: float(np.exp(v[0])), x, h=h)[0]) - exact)
             for h in (1e-1, 1e-3, 1e-5, 1e-12)}
    # Truncation error ~ h^2 e / 6: a factor ~1e4 per 100-fold smaller h.
    assert error[1e-1] == pytest.approx(1e-2 * exact / 6, rel=0.05, abs=0.0)
    assert error[1e-3] < 1e-3 * error[1e-1]
    assert error[1e-12] > error[1e-5]  # rounding ~ eps / h dominates for tiny h


def test_numerical_gradient_never_mutates_x():
    x = np.array([1.0, 2.0, 3.0])
    original = x.copy()
    seen = []

    def cost(v):
        seen.append(v.copy())
        result = float(np.sum(v ** 2))
        v[:] = 1e9  # a careless f that overwrites its argument
        return result

    gradient = numerical_gradient(cost, x)
    np.testing.assert_array_equal(x, original)
    np.testing.assert_allclose(gradient, 2 * original, rtol=1e-8, atol=1e-8)
    # Every evaluation saw x with exactly one element moved by +-h.
    for v in seen:
        moved = np.flatnonzero(v != original)
        assert moved.size == 1 and abs(v[moved[0]] - original[moved[0]]) == pytest.approx(
            1e-6, rel=1e-6, abs=0.0)
    # Integer input is not turned into float in place either.
    integers = np.array([1, 2])
    numerical_gradient(lambda v: float(np.sum(v)), integers)
    assert integers.dtype.kind == "i" and integers.tolist() == [1, 2]


def test_numerical_gradient_matches_analytic_loss_gradients():
    from lossedu import dice_loss, dice_loss_grad, focal_loss, focal_loss_grad

    rng = np.random.default_rng(11)
    logits, labels = rng.normal(0, 2, 6), rng.integers(0, 2, 6)
    np.testing.assert_allclose(numerical_gradient(lambda z: focal_loss(labels, z), logits),
                               focal_loss_grad(labels, logits), rtol=1e-6, atol=1e-10)
    masks, probabilities = (rng.uniform(size=(2, 5)) > 0.5).astype(float), rng.uniform(0.1, 0.9, (2, 5))
    np.testing.assert_allclose(numerical_gradient(lambda p: dice_loss(masks, p), probabilities),
                               dice_loss_grad(masks, probabilities), rtol=1e-6, atol=1e-10)


def test_numerical_gradient_refuses_bad_f_and_x():
    with pytest.raises(TypeError, match="f must return a single real number.*shape \\(3,\\).*mean"):
        numerical_gradient(lambda v: v ** 2, np.ones(3))
    with pytest.raises(TypeError, match="f must be a callable"):
        numerical_gradient(3.0, np.ones(3))
    with pytest.raises(ValueError, match="x is empty"):
        numerical_gradient(lambda v: 0.0, [])
    with pytest.raises(ValueError, match="h must be a finite number > 0"):
        numerical_gradient(lambda v: 0.0, [1.0], h=0.0)
    with pytest.raises(ValueError, match="f returned inf"):
        numerical_gradient(lambda v: float(np.inf), [1.0])
    with pytest.raises(ValueError, match="x contains NaN"):
        numerical_gradient(lambda v: 0.0, [np.nan])


def test_relative_error_by_hand():
    assert relative_error([1.0, 200.0], [1.0, 202.0]) == pytest.approx(2 / 202, rel=1e-12, abs=0.0)
    assert relative_error([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert relative_error([0.0], [1e-20]) == 1.0  # exact zero vs anything: 100 %
    assert relative_error([1.0], [-1.0]) == 2.0
    # Scale-free: the same relative discrepancy at any magnitude.
    assert relative_error([1e-30], [1.01e-30]) == pytest.approx(relative_error([1e30], [1.01e30]),
                                                                rel=1e-12, abs=0.0)
    with pytest.raises(ValueError, match=r"a has shape \(2,\) but b has shape \(3,\)"):
        relative_error([1.0, 2.0], [1.0, 2.0, 3.0])


def test_check_gradient_passes_correct_and_names_the_wrong_element():
    x = np.array([[0.5, -1.5], [2.0, 0.1]])
    error = check_gradient(lambda v: float(np.sum(np.sin(v))), np.cos, x)
    assert 0.0 <= error < 1e-8
    wrong = lambda v: np.cos(v) * np.array([[1.0, 1.0], [1.0, 2.0]])  # noqa: E731
    with pytest.raises(AssertionError, match=r"at index \(1, 1\) grad_f gives .* central differences give"):
        check_gradient(lambda v: float(np.sum(np.sin(v))), wrong, x)
    # A gradient missing its 1/n is caught.
    with pytest.raises(AssertionError, match="gradient check failed"):
        check_gradient(lambda v: float(np.mean(v ** 2)), lambda v: 2 * v, x)
    with pytest.raises(ValueError, match=r"grad_f returned shape \(4,\) but x has shape \(2, 2\)"):
        check_gradient(lambda v: float(np.sum(v)), lambda v: np.ones(4), x)


def test_check_gradient_atol_covers_true_zeros():
    # d/dx of x^3 at 0 is 0; the central difference gives h^2 = 1e-12.
    x = np.zeros(2)
    cube = lambda v: float(np.sum(v ** 3))  # noqa: E731
    derivative = lambda v: 3 * v ** 2  # noqa: E731
    np.testing.assert_allclose(numerical_gradient(cube, x), [1e-12, 1e-12], rtol=1e-3, atol=0.0)
    assert check_gradient(cube, derivative, x) == 1.0  # relative error of exact 0 vs 1e-12
    with pytest.raises(AssertionError):
        check_gradient(cube, derivative, x, atol=0.0)
