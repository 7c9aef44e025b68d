"""Regularization penalties on weights: L1 and L2.

:func:`l1_penalty` is ``strength * sum(|w|)``, :func:`l2_penalty`
``strength * sum(w ** 2)``, over all weights; their ``_grad`` functions
return the gradient with respect to the weights, with their shape.
"""

from __future__ import annotations

import numpy as np

from lossedu._validation import (
    as_float_array,
    check_not_empty,
    check_positive_number,
    overflow_gives_inf,
)

__all__ = [
    "l1_penalty",
    "l1_penalty_grad",
    "l2_penalty",
    "l2_penalty_grad",
]


def _prepare_weights(weights, strength):
    array = as_float_array(weights, "weights")
    check_not_empty(array, "weights")
    strength = check_positive_number(strength, "strength", allow_zero=True)
    return array, strength


@overflow_gives_inf
def l1_penalty(weights, *, strength=1.0):
    r"""L1 (lasso) penalty on weights: :math:`\lambda \sum_j |w_j|`.

    Added to a cost, it pushes weights to exactly zero (sparse models).

    Parameters
    ----------
    weights : array_like, any shape
        The weights to penalize (usually not the bias).
    strength : float, default 1.0
        :math:`\lambda \ge 0`.

    Returns
    -------
    float
        :math:`\lambda \sum_j |w_j| \ge 0`.

    Notes
    -----
    Stability: a sum of absolute values; exact up to summation rounding.

    Examples
    --------
    >>> from lossedu.penalties import l1_penalty
    >>> l1_penalty([[1.0, -2.0], [0.5, 0.0]], strength=0.1)
    0.35
    """
    array, strength = _prepare_weights(weights, strength)
    if strength == 0.0:
        return 0.0  # even where the sum overflows: 0 * inf would be NaN
    with np.errstate(over="ignore"):  # inf only where the true value is out of range
        return strength * float(np.sum(np.abs(array)))


@overflow_gives_inf
def l1_penalty_grad(weights, *, strength=1.0):
    r"""(Sub)gradient of :func:`l1_penalty`: :math:`\lambda \operatorname{sign}(w)`.

    The subgradient 0 is chosen at :math:`w_j = 0`.

    Parameters
    ----------
    weights, strength
        As in :func:`l1_penalty`.

    Returns
    -------
    numpy.ndarray
        float64 array with the shape of ``weights``.

    Notes
    -----
    Stability: exact.

    Examples
    --------
    >>> from lossedu.penalties import l1_penalty_grad
    >>> l1_penalty_grad([2.0, -3.0, 0.0], strength=0.5)
    array([ 0.5, -0.5,  0. ])
    """
    array, strength = _prepare_weights(weights, strength)
    return strength * np.sign(array)


@overflow_gives_inf
def l2_penalty(weights, *, strength=1.0):
    r"""L2 (ridge, weight decay) penalty on weights: :math:`\lambda \sum_j w_j^2`.

    Added to a cost, it shrinks all weights towards zero, large ones most.

    Parameters
    ----------
    weights : array_like, any shape
        The weights to penalize (usually not the bias).
    strength : float, default 1.0
        :math:`\lambda \ge 0`.

    Returns
    -------
    float
        :math:`\lambda \sum_j w_j^2 \ge 0`.

    Notes
    -----
    Stability: the sum of squares overflows to ``inf`` once weights reach
    about 1e154 (their squares leave the float64 range); ``strength=0``
    always gives 0.

    Examples
    --------
    >>> from lossedu.penalties import l2_penalty
    >>> l2_penalty([[1.0, -2.0], [0.5, 0.0]], strength=0.1)
    0.525
    """
    array, strength = _prepare_weights(weights, strength)
    if strength == 0.0:
        return 0.0  # even where the sum overflows: 0 * inf would be NaN
    with np.errstate(over="ignore"):  # inf only where the true value is out of range
        return strength * float(np.sum(array * array))


@overflow_gives_inf
def l2_penalty_grad(weights, *, strength=1.0):
    r"""Gradient of :func:`l2_penalty`: :math:`2 \lambda w`.

    Parameters
    ----------
    weights, strength
        As in :func:`l2_penalty`.

    Returns
    -------
    numpy.ndarray
        float64 array with the shape of ``weights``.

    Notes
    -----
    Stability: exact.

    Examples
    --------
    >>> from lossedu.penalties import l2_penalty_grad
    >>> l2_penalty_grad([2.0, -3.0, 0.0], strength=0.5)
    array([ 2., -3.,  0.])
    """
    array, strength = _prepare_weights(weights, strength)
    return 2.0 * strength * array
