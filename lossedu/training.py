"""The training loop in its smallest pieces: loss, cost, prediction, one step.

These are the reference versions of the exercises of lessons 01, 04 and 07,
written the way a learner should write them: plain vectorized numpy, with
the same input checks as the rest of :mod:`lossedu`.

* :func:`squared_error` -- the loss of each sample, :math:`(y - \\hat y)^2`.
* :func:`cost` -- the average loss over the data set (the mean squared error).
* :func:`predict` -- a linear model, :math:`\\hat y = Xw + b`.
* :func:`gradient_descent_step` -- one step downhill on the cost.
* :func:`steps_to_accuracy` -- how long training took to reach a target.
* :func:`regularized_cost` -- the cost plus an L2 penalty on the weights.
* :func:`anomaly_threshold` -- flag errors beyond mean + k standard deviations.
"""

from __future__ import annotations

import numbers

import numpy as np

from lossedu._validation import (
    as_float_array,
    check_ndim,
    check_not_empty,
    check_positive_number,
    check_same_shape,
)
from lossedu.penalties import l2_penalty

__all__ = [
    "anomaly_threshold",
    "cost",
    "gradient_descent_step",
    "predict",
    "regularized_cost",
    "squared_error",
    "steps_to_accuracy",
]


def squared_error(y_true, y_pred):
    r"""The squared-error loss of each sample.

    .. math::

        \ell_i = (y_i - \hat y_i)^2

    A *loss* measures one prediction; the *cost* (:func:`cost`) averages the
    losses over the data set.

    Parameters
    ----------
    y_true : array_like, any shape (a scalar too)
        Targets.
    y_pred : array_like, same shape as ``y_true``
        Predictions.

    Returns
    -------
    numpy.ndarray
        float64, the shape of the inputs: one loss per value.

    Notes
    -----
    Stability: exact up to rounding; overflows to ``inf`` only where the true
    value exceeds the float64 range.

    Examples
    --------
    >>> from lossedu.training import squared_error
    >>> squared_error([3.0, -1.0, 2.0], [2.5, 0.0, 2.0])
    array([0.25, 1.  , 0.  ])
    """
    truth = as_float_array(y_true, "y_true")
    prediction = as_float_array(y_pred, "y_pred")
    check_same_shape(truth, prediction)
    check_not_empty(prediction, "y_pred")
    with np.errstate(over="ignore"):  # inf only where the true value is out of range
        residual = truth - prediction
        return residual * residual


def cost(y_true, y_pred):
    r"""The cost: the average squared error over all samples (MSE).

    .. math::

        C = \frac{1}{n} \sum_i (y_i - \hat y_i)^2

    Parameters
    ----------
    y_true : array_like, any shape
        Targets.
    y_pred : array_like, same shape as ``y_true``
        Predictions.

    Returns
    -------
    float
        The mean of the squared errors, ``>= 0``.

    Notes
    -----
    Equals :func:`lossedu.regression.mse` (for ``(n, k)`` inputs too: the
    mean over rows of the mean over outputs is the mean of all values).

    Examples
    --------
    >>> from lossedu.training import cost
    >>> cost([3.0, -1.0, 2.0], [2.5, 0.0, 2.0])  # (0.25 + 1 + 0) / 3
    0.4166666666666667
    """
    return float(np.mean(squared_error(y_true, y_pred)))


def _check_linear_model(X, w, b):
    features = as_float_array(X, "X")
    weights = as_float_array(w, "w")
    check_ndim(features, "X", (2,))
    check_ndim(weights, "w", (1,))
    check_not_empty(features, "X")
    if features.shape[1] != weights.shape[0]:
        raise ValueError(
            f"X has shape {features.shape} ({features.shape[1]} features) but w has shape "
            f"{weights.shape}; w needs one weight per feature (column of X)"
        )
    bias = as_float_array(b, "b")
    if bias.ndim != 0:
        raise ValueError(f"b must be a single number (the bias), got shape {bias.shape}")
    return features, weights, float(bias)


def predict(X, w, b):
    r"""Predictions of a linear model.

    .. math::

        \hat y = X w + b

    Parameters
    ----------
    X : array_like, shape (n, d)
        One sample per row, one feature per column.
    w : array_like, shape (d,)
        One weight per feature.
    b : float
        The bias (intercept).

    Returns
    -------
    numpy.ndarray
        The predictions :math:`\hat y`, shape ``(n,)``.

    Notes
    -----
    A matrix-vector product; no stability concern.

    Examples
    --------
    >>> from lossedu.training import predict
    >>> predict([[1.0, 2.0], [0.0, -1.0]], [0.5, 1.0], 0.25)
    array([ 2.75, -0.75])
    """
    features, weights, bias = _check_linear_model(X, w, b)
    return features @ weights + bias


def gradient_descent_step(X, y, w, b, learning_rate):
    r"""One step of gradient descent on the MSE cost of :func:`predict`.

    With :math:`\hat y = Xw + b` and :math:`C = \frac{1}{n}\sum_i (\hat y_i - y_i)^2`,

    .. math::

        \frac{\partial C}{\partial w} = \frac{2}{n} X^\top (\hat y - y), \qquad
        \frac{\partial C}{\partial b} = \frac{2}{n} \sum_i (\hat y_i - y_i),

    and the step moves against the gradient:
    :math:`w \leftarrow w - \eta\, \partial C / \partial w`,
    :math:`b \leftarrow b - \eta\, \partial C / \partial b`.

    Parameters
    ----------
    X : array_like, shape (n, d)
    y : array_like, shape (n,)
        Targets.
    w : array_like, shape (d,)
    b : float
    learning_rate : float
        The step size :math:`\eta > 0`.

    Returns
    -------
    new_w : ndarray, shape (d,)
        A new array; ``w`` is not modified.
    new_b : float

    Notes
    -----
    Too large a learning rate makes the cost grow instead of shrink.  The
    cost is a quadratic in :math:`(w, b)` whose Hessian is
    :math:`H = \frac{2}{n} \tilde X^\top \tilde X` with
    :math:`\tilde X = [X, 1]` (a column of ones for the bias); gradient
    descent converges for :math:`0 < \eta < 2 / \lambda_{\max}(H)` and
    diverges above.

    Examples
    --------
    >>> from lossedu.training import gradient_descent_step
    >>> new_w, new_b = gradient_descent_step([[1.0], [2.0]], [2.0, 4.0], [0.0], 0.0, 0.1)
    >>> new_w, new_b  # gradients -10 and -6
    (array([1.]), 0.6)
    """
    features, weights, bias = _check_linear_model(X, w, b)
    targets = as_float_array(y, "y")
    check_ndim(targets, "y", (1,))
    if targets.shape[0] != features.shape[0]:
        raise ValueError(
            f"y has shape {targets.shape} but X has {features.shape[0]} rows; "
            "y needs one target per row of X"
        )
    learning_rate = check_positive_number(learning_rate, "learning_rate")
    residual = features @ weights + bias - targets
    n = features.shape[0]
    gradient_w = (2.0 / n) * (features.T @ residual)
    gradient_b = (2.0 / n) * float(np.sum(residual))
    return weights - learning_rate * gradient_w, bias - learning_rate * gradient_b


def steps_to_accuracy(accuracy_history, target):
    r"""The first step at which the accuracy reached ``target``.

    Parameters
    ----------
    accuracy_history : array_like, shape (steps,)
        Accuracy after each step (index 0 is usually before training).
    target : float
        The accuracy to reach.

    Returns
    -------
    int
        The first index ``i`` with ``accuracy_history[i] >= target``, or ``-1``
        if it is never reached (an empty history never reaches it).

    Notes
    -----
    Exact comparisons; a history containing NaN is refused.

    Examples
    --------
    >>> from lossedu.training import steps_to_accuracy
    >>> steps_to_accuracy([0.5, 0.7, 0.92, 0.95], 0.9)
    2
    >>> steps_to_accuracy([0.5, 0.7], 0.9)
    -1
    """
    history = as_float_array(accuracy_history, "accuracy_history")
    check_ndim(history, "accuracy_history", (1,))
    if isinstance(target, bool) or not isinstance(target, numbers.Real):
        raise TypeError(f"target must be a finite number, got {type(target).__name__} {target!r}")
    if not np.isfinite(target):
        raise ValueError(f"target must be a finite number, got {target!r}")
    reached = np.flatnonzero(history >= target)
    return int(reached[0]) if reached.size else -1


def regularized_cost(y_true, y_pred, weights, *, strength):
    r"""MSE cost plus an L2 penalty on the weights.

    .. math::

        C = \frac{1}{n} \sum_i (y_i - \hat y_i)^2 + \lambda \sum_j w_j^2

    Parameters
    ----------
    y_true : array_like, any shape
        Targets.
    y_pred : array_like, same shape as ``y_true``
        Predictions.
    weights : array_like, any shape
        The model's weights (the bias is usually left out).
    strength : float
        :math:`\lambda \ge 0` (keyword-only, required).

    Returns
    -------
    float
        The regularized cost.

    Notes
    -----
    The same as ``mse(y_true, y_pred) + l2_penalty(weights, strength=strength)``
    from :mod:`lossedu.regression` and :mod:`lossedu.penalties`.

    Examples
    --------
    >>> from lossedu.training import regularized_cost
    >>> regularized_cost([1.0, 2.0], [1.5, 2.0], [3.0, -4.0], strength=0.01)  # 0.125 + 0.25
    0.375
    """
    return cost(y_true, y_pred) + l2_penalty(weights, strength=strength)


def anomaly_threshold(errors, *, k=3.0):
    r"""A threshold for anomalies: mean plus ``k`` standard deviations.

    .. math::

        t = \bar e + k \, \sigma_e ,\qquad
        \sigma_e = \sqrt{\tfrac{1}{n} \textstyle\sum_i (e_i - \bar e)^2}

    Samples whose reconstruction (or prediction) error exceeds ``t`` are
    flagged as anomalies.

    Parameters
    ----------
    errors : array_like, any shape
        Errors of normal data (all values are used).
    k : float, default 3.0
        Number of standard deviations, ``>= 0``.

    Returns
    -------
    float
        The threshold :math:`t`.

    Notes
    -----
    The population standard deviation (``ddof=0``), as ``numpy.std``
    computes by default.

    Examples
    --------
    >>> from lossedu.training import anomaly_threshold
    >>> anomaly_threshold([1.0, 2.0, 3.0, 4.0], k=2.0)  # 2.5 + 2 * sqrt(1.25)
    4.73606797749979
    """
    values = as_float_array(errors, "errors")
    check_not_empty(values, "errors")
    k = check_positive_number(k, "k", allow_zero=True)
    return float(np.mean(values) + k * np.std(values))
