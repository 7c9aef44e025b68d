"""Segmentation losses: the soft Dice loss of two masks.

:func:`dice_loss` is one minus the soft Dice overlap,
``1 - (2 sum(y p) + smooth) / (sum(y) + sum(p) + smooth)`` per mask, which
weighs a small object as much as a large one.  It keeps the contract of every
:mod:`lossedu` loss (truth first, ``reduction``, ``sample_weight``, float64,
inputs never mutated); :func:`dice_loss_grad` is the gradient of the reduced
cost with respect to the predicted mask.
"""

from __future__ import annotations

import numpy as np

from lossedu._validation import (
    as_float_pair,
    as_sample_weight,
    check_positive_number,
    check_probabilities,
    check_reduction,
    overflow_gives_inf,
    reduce,
    reduction_scale,
)

__all__ = [
    "dice_loss",
    "dice_loss_grad",
]


def _prepare_dice(y_true, y_pred, reduction, sample_weight, smooth):
    check_reduction(reduction)
    truth, prediction = as_float_pair(y_true, y_pred, "y_pred", (0, 1, 2))
    check_probabilities(truth, "y_true", "a mask holds 0/1 (or soft) memberships per pixel")
    check_probabilities(prediction, "y_pred",
                        "Dice compares probabilities: apply a sigmoid to raw scores first")
    smooth = check_positive_number(smooth, "smooth", allow_zero=True)
    shape = prediction.shape
    if prediction.ndim < 2:
        truth, prediction = truth.reshape(1, -1), prediction.reshape(1, -1)
    if truth.shape[1] == 0:
        raise ValueError(f"y_pred has shape {shape}: each mask needs at least one pixel")
    intersection = np.sum(truth * prediction, axis=1)
    denominator = np.sum(truth, axis=1) + np.sum(prediction, axis=1) + smooth
    if (denominator == 0).any():
        row = int(np.flatnonzero(denominator == 0)[0])
        raise ValueError(
            f"row {row} of y_true and y_pred is all zeros and smooth=0, so its Dice "
            "coefficient is 0/0; use smooth > 0 (the default is 1.0)"
        )
    weight = as_sample_weight(sample_weight, truth.shape[0])
    return truth, intersection, denominator, smooth, weight, shape


@overflow_gives_inf
def dice_loss(y_true, y_pred, *, smooth=1.0, reduction="mean", sample_weight=None):
    r"""Soft Dice loss between true masks and predicted probabilities.

    For each mask (row) :math:`i`,

    .. math::

        \ell_i = 1 - \frac{2 \sum_j y_{ij} p_{ij} + s}{\sum_j y_{ij} + \sum_j p_{ij} + s},

    one minus the Dice overlap (``2|A∩B| / (|A| + |B|)``) of the two masks,
    with the smoothing constant :math:`s` keeping empty masks defined.  The
    loss lies in [0, 1] and is 0 for a perfect binary prediction.  It depends
    on overlap, not on the number of background pixels, which suits
    segmentation of small objects.

    Parameters
    ----------
    y_true : array_like, shape (n, d) or (d,)
        True masks, one flattened mask per row, values in [0, 1]
        (a 1-d input is one mask: n = 1).
    y_pred : array_like, same shape as ``y_true``
        Predicted per-pixel probabilities in [0, 1].
    smooth : float, default 1.0
        Smoothing constant :math:`s \ge 0`.
    reduction : {"mean", "sum", "none"}, default "mean"
        ``"mean"``: the cost (weighted mean with ``sample_weight``);
        ``"sum"``: the total; ``"none"``: per-sample losses, shape ``(n,)``.
    sample_weight : array_like, shape (n,), optional
        Non-negative weight of each sample.

    Returns
    -------
    float or numpy.ndarray
        A float for ``"mean"``/``"sum"``, per-sample losses ``(n,)`` for ``"none"``.

    Notes
    -----
    Stability: the denominator is at least ``smooth``; with ``smooth=0`` a
    row where both masks are empty is 0/0 and is refused with an error.

    Examples
    --------
    >>> from lossedu.segmentation import dice_loss
    >>> dice_loss([1, 1, 0, 0], [1.0, 1.0, 0.0, 0.0])
    0.0
    >>> dice_loss([1, 1, 0, 0], [1.0, 0.0, 0.0, 1.0], smooth=0.0)  # half overlap
    0.5
    """
    _, intersection, denominator, smooth, weight, _ = _prepare_dice(
        y_true, y_pred, reduction, sample_weight, smooth)
    per_sample = 1.0 - (2.0 * intersection + smooth) / denominator
    return reduce(per_sample, reduction, weight)


@overflow_gives_inf
def dice_loss_grad(y_true, y_pred, *, smooth=1.0, reduction="mean", sample_weight=None):
    r"""Gradient of :func:`dice_loss` with respect to the predicted probabilities.

    With :math:`N_i = 2\sum_j y_{ij} p_{ij} + s` and
    :math:`D_i = \sum_j y_{ij} + \sum_j p_{ij} + s`,

    .. math::

        \frac{\partial \ell_i}{\partial p_{ij}} = \frac{N_i - 2 y_{ij} D_i}{D_i^2},

    times the reduction's factor for row :math:`i`.

    Parameters
    ----------
    y_true, y_pred, smooth, reduction, sample_weight
        As in :func:`dice_loss`.

    Returns
    -------
    numpy.ndarray
        float64 array with the shape of ``y_pred``.

    Notes
    -----
    Stability: :math:`D_i \ge s`, and rows with :math:`D_i = 0` are refused.

    Examples
    --------
    >>> from lossedu.segmentation import dice_loss_grad
    >>> dice_loss_grad([1, 0], [0.5, 0.5], smooth=0.0)  # N = 1, D = 2: (N - 2yD) / D**2
    array([-0.75,  0.25])
    """
    truth, intersection, denominator, smooth, weight, shape = _prepare_dice(
        y_true, y_pred, reduction, sample_weight, smooth)
    numerator = 2.0 * intersection + smooth
    denominator = denominator[:, None]
    per_pixel = (numerator[:, None] - 2.0 * truth * denominator) / denominator ** 2
    scale = reduction_scale(truth.shape[0], reduction, weight)
    return (per_pixel * scale[:, None]).reshape(shape)
