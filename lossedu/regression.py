r"""Regression losses: squared, absolute, Huber and log-cosh error.

Every loss compares real-valued targets ``y_true`` with predictions
``y_pred`` of the same shape: ``(n,)`` (one output per sample), ``(n, k)``
(``k`` outputs per sample; the loss of a sample is the mean over its
outputs) or a scalar (one sample).  With the residual
:math:`r = \hat y - y`:

=============  ========================================================  =====================
loss           per-output value                                          derivative wrt ŷ
=============  ========================================================  =====================
``mse``        :math:`r^2`                                               :math:`2r`
``mae``        :math:`|r|`                                               :math:`\operatorname{sign}(r)`
``huber``      :math:`r^2/2` if :math:`|r| \le \delta`, else             :math:`\operatorname{clip}(r, -\delta, \delta)`
               :math:`\delta(|r| - \delta/2)`
``log_cosh``   :math:`\log\cosh r`                                       :math:`\tanh r`
=============  ========================================================  =====================

``reduction="mean"`` (the default) returns the cost, the average loss;
``"sum"`` the total and ``"none"`` the per-sample losses.  With
``sample_weight`` the mean is :math:`\sum_i w_i \ell_i / \sum_i w_i`.
Each ``*_grad`` function returns the derivative of that reduced value with
respect to ``y_pred`` (the :math:`1/n` of the mean included), with the shape
of ``y_pred``.

Numerics: a result is ``inf`` only when some per-output loss truly exceeds
the float64 range (about 1.8e308).  The residual of two huge inputs can
overflow (``1e308 - (-1e308)``) although a loss of it is finite (Huber with
a small ``delta``, a gradient divided by ``n``): such residuals are
recomputed from half the inputs.  Row means of large finite values are
rescaled before summing.
"""

from __future__ import annotations


import numpy as np

from lossedu._validation import (
    as_float_array,
    as_sample_weight,
    check_ndim,
    check_not_empty,
    check_positive_number,
    check_reduction,
    check_same_shape,
    difference_with_halves,
    overflow_gives_inf,
    reduce,
    reduction_scale,
)

__all__ = [
    "huber",
    "huber_grad",
    "log_cosh",
    "log_cosh_grad",
    "mae",
    "mae_grad",
    "mse",
    "mse_grad",
]

_LOG_2 = float(np.log(2.0))


class _Residuals:
    """Validated inputs of a regression loss, as residuals of shape ``(n, k)``."""

    def __init__(self, y_true, y_pred, reduction, sample_weight):
        check_reduction(reduction)
        y_true = as_float_array(y_true, "y_true", copy=False)
        y_pred = as_float_array(y_pred, "y_pred", copy=False)
        check_ndim(y_true, "y_true", (0, 1, 2))
        check_ndim(y_pred, "y_pred", (0, 1, 2))
        check_same_shape(y_true, y_pred)
        check_not_empty(y_pred, "y_pred")
        self.shape = y_pred.shape
        y_true = y_true.reshape(y_pred.size if y_pred.ndim < 2 else y_pred.shape[0], -1)
        y_pred = y_pred.reshape(y_true.shape)
        self.n, self.k = y_true.shape
        self.reduction = reduction
        self.weight = as_sample_weight(sample_weight, self.n)
        # |y_pred - y_true| can exceed the float64 range although both are
        # finite; half of it never does (the shared rescue of lossedu._validation).
        self.residual, self.overflowed, self.half_residual = difference_with_halves(
            y_pred, y_true)

    def reduce(self, per_output: np.ndarray):
        """Mean over the k outputs of each sample, then the requested reduction."""
        return reduce(_mean_over_outputs(per_output), self.reduction, self.weight)

    def gradient(self, per_output_grad: np.ndarray) -> np.ndarray:
        """Chain d(reduced)/d(per-sample loss) (times 1/k) into an elementwise derivative."""
        scale = reduction_scale(self.n, self.reduction, self.weight) / self.k
        return (per_output_grad * scale[:, None]).reshape(self.shape)


def _mean_over_outputs(values: np.ndarray) -> np.ndarray:
    """Row means of an ``(n, k)`` array, without overflow in the row sums."""
    if values.shape[1] == 1:
        return values[:, 0].copy()
    means = values.mean(axis=1)
    # A row of finite values whose sum overflows: rescale by its largest value.
    bad = np.isinf(means) & np.isfinite(values).all(axis=1)
    if bad.any():
        rows = values[bad]
        largest = np.abs(rows).max(axis=1, keepdims=True)
        means[bad] = (rows / largest).mean(axis=1) * largest[:, 0]
    return means


def _check_delta(delta) -> float:
    return check_positive_number(delta, "delta")


@overflow_gives_inf
def mse(y_true, y_pred, *, reduction="mean", sample_weight=None):
    r"""Mean squared error.

    .. math::

        \ell_i = \frac{1}{k} \sum_{j=1}^{k} (\hat y_{ij} - y_{ij})^2, \qquad
        \text{MSE} = \frac{1}{n} \sum_{i=1}^{n} \ell_i

    The maximum-likelihood loss for Gaussian noise; squaring makes it the
    most outlier-sensitive of the regression losses.

    Parameters
    ----------
    y_true : array_like, shape (n,) or (n, k) or scalar
        Targets.
    y_pred : array_like, same shape as ``y_true``
        Predictions.
    reduction : {"mean", "sum", "none"}, default "mean"
        ``"mean"``: the cost (weighted mean with ``sample_weight``);
        ``"sum"``: the total; ``"none"``: per-sample losses, shape ``(n,)``.
    sample_weight : array_like, shape (n,), optional
        Non-negative weight of each sample.

    Returns
    -------
    float or numpy.ndarray
        A float for ``"mean"`` and ``"sum"``, an array ``(n,)`` for ``"none"``
        (each loss multiplied by its weight).

    Notes
    -----
    Stability: the squares are exact to half an ulp; a result is ``inf``
    only when the true value exceeds the float64 range (about 1.8e308).

    Examples
    --------
    >>> from lossedu.regression import mse
    >>> mse([1.0, 2.0, 3.0], [1.0, 2.0, 5.0])  # (0 + 0 + 4) / 3
    1.3333333333333333
    >>> mse([1.0, 2.0, 3.0], [1.0, 2.0, 5.0], reduction="none")
    array([0., 0., 4.])
    >>> mse([1.0, 2.0, 3.0], [1.0, 2.0, 5.0], sample_weight=[1.0, 1.0, 2.0])  # 8 / 4
    2.0
    """
    inputs = _Residuals(y_true, y_pred, reduction, sample_weight)
    return inputs.reduce(np.square(inputs.residual))


@overflow_gives_inf
def mse_grad(y_true, y_pred, *, reduction="mean", sample_weight=None):
    r"""Gradient of :func:`mse` with respect to ``y_pred``.

    .. math::

        \frac{\partial\,\text{MSE}}{\partial \hat y_{ij}} = \frac{2}{nk}(\hat y_{ij} - y_{ij})

    (with ``sample_weight``: :math:`2 w_i (\hat y_{ij} - y_{ij}) / (k \sum w)`;
    ``"sum"`` drops the :math:`1/n`; ``"none"`` gives each sample's own
    derivative :math:`2 w_i r_{ij} / k`).

    Parameters
    ----------
    y_true, y_pred, reduction, sample_weight
        As in :func:`mse`.

    Returns
    -------
    numpy.ndarray
        float64 array with the shape of ``y_pred``.

    Notes
    -----
    Stability: a residual that overflows is recomputed from half the
    inputs, so the gradient is finite whenever its true value is.

    Examples
    --------
    >>> from lossedu.regression import mse_grad
    >>> mse_grad([1.0, 2.0, 3.0], [1.0, 2.0, 5.0])  # 2 * [0, 0, 2] / 3
    array([0.        , 0.        , 1.33333333])
    """
    inputs = _Residuals(y_true, y_pred, reduction, sample_weight)
    scale = reduction_scale(inputs.n, inputs.reduction, inputs.weight) / inputs.k
    # 2 * (r * scale), not (2 * r) * scale: 2r overflows for |r| > 9e307
    # although the gradient, divided by n, is finite.
    grad = 2.0 * (inputs.residual * scale[:, None])
    if inputs.half_residual is not None:
        rows = np.nonzero(inputs.overflowed)[0]
        grad[inputs.overflowed] = 4.0 * (inputs.half_residual * scale[rows])
    return grad.reshape(inputs.shape)


@overflow_gives_inf
def mae(y_true, y_pred, *, reduction="mean", sample_weight=None):
    r"""Mean absolute error.

    .. math::

        \ell_i = \frac{1}{k} \sum_{j=1}^{k} |\hat y_{ij} - y_{ij}|, \qquad
        \text{MAE} = \frac{1}{n} \sum_{i=1}^{n} \ell_i

    The maximum-likelihood loss for Laplace noise; its minimiser over a
    constant prediction is the median, so outliers pull it much less than
    :func:`mse`.

    Parameters
    ----------
    y_true : array_like, shape (n,) or (n, k) or scalar
        Targets.
    y_pred : array_like, same shape as ``y_true``
        Predictions.
    reduction : {"mean", "sum", "none"}, default "mean"
        See :func:`mse`.
    sample_weight : array_like, shape (n,), optional
        Non-negative weight of each sample.

    Returns
    -------
    float or numpy.ndarray
        A float for ``"mean"``/``"sum"``, per-sample losses ``(n,)`` for ``"none"``.

    Notes
    -----
    Stability: exact up to the rounding of the subtraction; ``inf`` only
    when a residual exceeds the float64 range.

    Examples
    --------
    >>> from lossedu.regression import mae
    >>> mae([1.0, 2.0, 3.0], [1.0, 2.0, 5.0])  # (0 + 0 + 2) / 3
    0.6666666666666666
    >>> mae([[0.0, 0.0], [1.0, 1.0]], [[1.0, -3.0], [1.0, 1.0]], reduction="none")
    array([2., 0.])
    """
    inputs = _Residuals(y_true, y_pred, reduction, sample_weight)
    return inputs.reduce(np.abs(inputs.residual))


@overflow_gives_inf
def mae_grad(y_true, y_pred, *, reduction="mean", sample_weight=None):
    r"""(Sub)gradient of :func:`mae` with respect to ``y_pred``.

    .. math::

        \frac{\partial\,\text{MAE}}{\partial \hat y_{ij}}
        = \frac{1}{nk}\operatorname{sign}(\hat y_{ij} - y_{ij})

    with :math:`\operatorname{sign}(0) = 0` at the kink (a valid subgradient).

    Parameters
    ----------
    y_true, y_pred, reduction, sample_weight
        As in :func:`mae`.

    Returns
    -------
    numpy.ndarray
        float64 array with the shape of ``y_pred``.

    Examples
    --------
    >>> from lossedu.regression import mae_grad
    >>> mae_grad([1.0, 2.0, 3.0], [0.0, 2.0, 5.0])
    array([-0.33333333,  0.        ,  0.33333333])
    """
    inputs = _Residuals(y_true, y_pred, reduction, sample_weight)
    return inputs.gradient(np.sign(inputs.residual))


@overflow_gives_inf
def huber(y_true, y_pred, *, delta=1.0, reduction="mean", sample_weight=None):
    r"""Huber loss: quadratic for small residuals, linear for large ones.

    .. math::

        h_\delta(r) = \begin{cases}
            \tfrac12 r^2 & |r| \le \delta \\
            \delta\,(|r| - \tfrac12 \delta) & |r| > \delta
        \end{cases}, \qquad r = \hat y - y

    The two pieces meet with equal value and slope at :math:`|r| = \delta`,
    so the loss is smooth like :func:`mse` near 0 and robust like
    :func:`mae` far away.  Same definition as
    ``torch.nn.functional.huber_loss``.

    Parameters
    ----------
    y_true : array_like, shape (n,) or (n, k) or scalar
        Targets.
    y_pred : array_like, same shape as ``y_true``
        Predictions.
    delta : float, default 1.0
        Where the loss turns from quadratic to linear (> 0).
    reduction : {"mean", "sum", "none"}, default "mean"
        See :func:`mse`.
    sample_weight : array_like, shape (n,), optional
        Non-negative weight of each sample.

    Returns
    -------
    float or numpy.ndarray
        A float for ``"mean"``/``"sum"``, per-sample losses ``(n,)`` for ``"none"``.

    Notes
    -----
    Stability: the linear piece is computed as :math:`\delta(|r| - \delta/2)`,
    a difference of at least :math:`\delta/2`, so nothing cancels.

    Examples
    --------
    >>> from lossedu.regression import huber
    >>> huber([0.0, 0.0], [0.5, 3.0], reduction="none")  # 0.5 * 0.25 and 1 * (3 - 0.5)
    array([0.125, 2.5  ])
    >>> huber([0.0, 0.0], [0.5, 3.0], delta=2.0)  # (0.125 + 2 * (3 - 1)) / 2
    2.0625
    """
    delta = _check_delta(delta)
    inputs = _Residuals(y_true, y_pred, reduction, sample_weight)
    size = np.abs(inputs.residual)
    losses = np.where(size <= delta, 0.5 * np.square(size), delta * (size - 0.5 * delta))
    if inputs.half_residual is not None:
        # delta * (2|h| - delta/2), finite when delta is small enough.
        half = np.abs(inputs.half_residual)
        losses[inputs.overflowed] = 2.0 * (delta * (half - 0.25 * delta))
    return inputs.reduce(losses)


@overflow_gives_inf
def huber_grad(y_true, y_pred, *, delta=1.0, reduction="mean", sample_weight=None):
    r"""Gradient of :func:`huber` with respect to ``y_pred``.

    .. math::

        h_\delta'(r) = \operatorname{clip}(r, -\delta, \delta)

    times the reduction's factor (:math:`1/(nk)` for the mean).

    Parameters
    ----------
    y_true, y_pred, delta, reduction, sample_weight
        As in :func:`huber`.

    Returns
    -------
    numpy.ndarray
        float64 array with the shape of ``y_pred``.

    Examples
    --------
    >>> from lossedu.regression import huber_grad
    >>> huber_grad([0.0, 0.0], [0.5, 3.0], reduction="sum")
    array([0.5, 1. ])
    """
    delta = _check_delta(delta)
    inputs = _Residuals(y_true, y_pred, reduction, sample_weight)
    return inputs.gradient(np.clip(inputs.residual, -delta, delta))


@overflow_gives_inf
def log_cosh(y_true, y_pred, *, reduction="mean", sample_weight=None):
    r"""Log-cosh loss: about :math:`r^2/2` for small residuals, :math:`|r| - \log 2` for large ones.

    .. math::

        \ell(r) = \log\cosh r = |r| + \log\left(1 + e^{-2|r|}\right) - \log 2

    Parameters
    ----------
    y_true : array_like, shape (n,) or (n, k) or scalar
        Targets.
    y_pred : array_like, same shape as ``y_true``
        Predictions.
    reduction : {"mean", "sum", "none"}, default "mean"
        See :func:`mse`.
    sample_weight : array_like, shape (n,), optional
        Non-negative weight of each sample.

    Returns
    -------
    float or numpy.ndarray
        A float for ``"mean"``/``"sum"``, per-sample losses ``(n,)`` for ``"none"``.

    Notes
    -----
    Stability: ``np.log(np.cosh(r))`` overflows for :math:`|r| > 710`.  The
    form above never exponentiates a positive number; it is used for
    :math:`|r| > 1`.  For small residuals it would subtract two numbers
    close to :math:`\log 2` and lose the digits of a result near
    :math:`r^2/2`, so there the identity
    :math:`\cosh r - 1 = 2\sinh^2(r/2)` gives
    :math:`\log\cosh r = \operatorname{log1p}(2\sinh^2(r/2))`, exact to a
    few ulp.

    Examples
    --------
    >>> import numpy as np
    >>> from lossedu.regression import log_cosh
    >>> log_cosh([0.0, 0.0], [1.0, 30.0], reduction="none")
    array([ 0.43378083, 29.30685282])
    >>> log_cosh(0.0, 1000.0)  # |r| - log 2
    999.3068528194401
    >>> log_cosh(0.0, 1e-8)  # r^2 / 2
    5e-17
    >>> with np.errstate(over="ignore"):
    ...     np.log(np.cosh(1000.0))
    np.float64(inf)
    """
    inputs = _Residuals(y_true, y_pred, reduction, sample_weight)
    size = np.abs(inputs.residual)
    small = size <= 1.0
    losses = np.empty_like(size)
    # Large residuals: the exponent -2|r| is never positive.
    big = size[~small]
    losses[~small] = (big - _LOG_2) + np.log1p(np.exp(-2.0 * big))
    # Small residuals: log1p(2 sinh(r/2)^2) keeps the digits of r^2/2.
    losses[small] = np.log1p(2.0 * np.square(np.sinh(0.5 * size[small])))
    return inputs.reduce(losses)


@overflow_gives_inf
def log_cosh_grad(y_true, y_pred, *, reduction="mean", sample_weight=None):
    r"""Gradient of :func:`log_cosh` with respect to ``y_pred``.

    .. math::

        \frac{d}{dr}\log\cosh r = \tanh r

    times the reduction's factor (:math:`1/(nk)` for the mean).

    Parameters
    ----------
    y_true, y_pred, reduction, sample_weight
        As in :func:`log_cosh`.

    Returns
    -------
    numpy.ndarray
        float64 array with the shape of ``y_pred``.

    Notes
    -----
    ``np.tanh`` saturates at :math:`\pm 1` without overflow.

    Examples
    --------
    >>> from lossedu.regression import log_cosh_grad
    >>> log_cosh_grad([0.0, 0.0], [1.0, 1000.0], reduction="sum")
    array([0.76159416, 1.        ])
    """
    inputs = _Residuals(y_true, y_pred, reduction, sample_weight)
    return inputs.gradient(np.tanh(inputs.residual))
