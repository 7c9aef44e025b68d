"""Margin losses on raw scores: the hinge loss and its multiclass form.

They ask the score of the true class to beat the others by a margin (1 by
default) and cost nothing beyond it, as support vector machines do.

* :func:`hinge_loss` -- binary, labels in {-1, +1}: ``max(0, 1 - y s)``;
* :func:`multiclass_hinge_loss` -- Weston and Watkins: the sum of the margin
  violations of the wrong classes.

Each keeps the contract of every :mod:`lossedu` loss: truth first, keyword-only
hyperparameters, ``reduction`` and ``sample_weight``, float64, inputs never
mutated; the ``_grad`` functions return the gradient of the reduced cost with
respect to the scores.
"""

from __future__ import annotations

import numpy as np

from lossedu._validation import (
    as_float_array,
    as_float_pair,
    as_labels,
    as_sample_weight,
    check_ndim,
    check_not_empty,
    check_positive_number,
    check_reduction,
    overflow_gives_inf,
    reduce,
    reduction_scale,
)

__all__ = [
    "hinge_loss",
    "hinge_loss_grad",
    "multiclass_hinge_loss",
    "multiclass_hinge_loss_grad",
]


def _check_signed_labels(truth: np.ndarray, name: str = "y_true") -> None:
    """Refuse labels other than -1/+1, saying how to convert labels in {0, 1}."""
    bad = ~np.isin(truth, (-1.0, 1.0))
    if not bad.any():
        return
    if np.isin(truth, (0.0, 1.0)).all():
        raise ValueError(
            f"{name} must hold labels -1 or +1 for the hinge loss, got labels in {{0, 1}}; "
            "convert them with `2 * y - 1` (0 -> -1, 1 -> +1)"
        )
    first = float(truth[bad].ravel()[0])
    raise ValueError(
        f"{name} must hold labels -1 or +1 for the hinge loss, got {first!r}; "
        "labels in {0, 1} convert with `2 * y - 1`"
    )


def _prepare_hinge(y_true, y_pred, reduction, sample_weight):
    check_reduction(reduction)
    truth, scores = as_float_pair(y_true, y_pred, "y_pred", (0, 1))
    _check_signed_labels(truth)
    shape = scores.shape
    truth, scores = truth.reshape(-1), scores.reshape(-1)
    weight = as_sample_weight(sample_weight, scores.shape[0])
    return truth, scores, weight, shape


@overflow_gives_inf
def hinge_loss(y_true, y_pred, *, reduction="mean", sample_weight=None):
    r"""Hinge loss of raw scores against labels in {-1, +1}.

    .. math::

        \ell_i = \max(0,\ 1 - y_i s_i)

    Zero once a sample is on the right side of the boundary with a margin of
    at least 1 (:math:`y_i s_i \ge 1`), growing linearly otherwise.  It is
    the loss of the linear support vector machine and a convex surrogate of
    the 0-1 loss.

    Parameters
    ----------
    y_true : array_like, shape (n,) or scalar
        Labels in {-1, +1}.  Labels in {0, 1} are refused with a message:
        convert them with ``2 * y - 1``.
    y_pred : array_like, same shape
        Raw scores :math:`s` (not probabilities).
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
    Stability: :math:`y_i s_i` is exact (:math:`y_i = \pm 1`), so the loss
    is exact up to the rounding of :math:`1 - y_i s_i`.

    Examples
    --------
    >>> from lossedu.margins import hinge_loss
    >>> hinge_loss([1, -1, 1], [2.0, -0.5, -1.0], reduction="none")
    array([0. , 0.5, 2. ])
    >>> hinge_loss([1, -1, 1], [2.0, -0.5, -1.0])
    0.8333333333333334
    """
    truth, scores, weight, _ = _prepare_hinge(y_true, y_pred, reduction, sample_weight)
    return reduce(np.maximum(0.0, 1.0 - truth * scores), reduction, weight)


@overflow_gives_inf
def hinge_loss_grad(y_true, y_pred, *, reduction="mean", sample_weight=None):
    r"""Subgradient of :func:`hinge_loss` with respect to the scores.

    .. math::

        \frac{\partial \ell_i}{\partial s_i} = \begin{cases}
            -y_i & \text{if } y_i s_i < 1 \\ 0 & \text{otherwise}
        \end{cases}

    (0 is chosen at the kink :math:`y_i s_i = 1`), times the reduction's factor.

    Parameters
    ----------
    y_true, y_pred, reduction, sample_weight
        As in :func:`hinge_loss`.

    Returns
    -------
    numpy.ndarray
        float64 array with the shape of ``y_pred``.

    Notes
    -----
    Stability: piecewise constant, exact.

    Examples
    --------
    >>> from lossedu.margins import hinge_loss_grad
    >>> hinge_loss_grad([1, -1, 1], [2.0, -0.5, -1.0], reduction="sum")
    array([ 0.,  1., -1.])
    """
    truth, scores, weight, shape = _prepare_hinge(y_true, y_pred, reduction, sample_weight)
    per_sample = np.where(truth * scores < 1.0, -truth, 0.0)
    scale = reduction_scale(scores.shape[0], reduction, weight)
    return (per_sample * scale).reshape(shape)


def _prepare_multiclass_hinge(y_true, y_pred, reduction, sample_weight, margin):
    """Validate labels and scores; return the margin violations of every wrong class.

    ``violations[i, j] = max(0, margin + s_ij - s_i,y_i)`` for ``j != y_i``
    and 0 in the true class's column; shape ``(n, C)``.
    """
    check_reduction(reduction)
    scores = as_float_array(y_pred, "y_pred")
    check_ndim(scores, "y_pred", (1, 2))
    check_not_empty(scores, "y_pred")
    shape = scores.shape
    if scores.ndim == 1:
        scores = scores.reshape(1, -1)
        expected_labels = ((), (1,))
    else:
        expected_labels = ((scores.shape[0],),)
    num_classes = scores.shape[1]
    if num_classes < 2:
        raise ValueError(
            f"y_pred must have at least 2 class scores per row, got shape {shape}"
        )
    labels = as_labels(y_true, "y_true", num_classes)
    if labels.shape not in expected_labels:
        raise ValueError(
            f"y_true has shape {labels.shape} but y_pred has shape {shape}; "
            "y_true must hold one integer label per row of y_pred (not one-hot rows)"
        )
    labels = labels.reshape(-1)
    margin = check_positive_number(margin, "margin", allow_zero=True)
    weight = as_sample_weight(sample_weight, scores.shape[0])
    rows = np.arange(scores.shape[0])
    with np.errstate(over="ignore"):  # inf only where the true value is out of range
        violations = np.maximum(0.0, margin + scores - scores[rows, labels][:, None])
    violations[rows, labels] = 0.0
    return labels, violations, weight, shape


@overflow_gives_inf
def multiclass_hinge_loss(y_true, y_pred, *, margin=1.0, reduction="mean", sample_weight=None):
    r"""Multiclass hinge loss (Weston and Watkins) of class scores.

    .. math::

        \ell_i = \sum_{j \ne y_i} \max(0,\ \Delta + s_{ij} - s_{i y_i})

    Every wrong class whose score is not at least the margin :math:`\Delta`
    below the true class's score adds to the loss.  With two classes and
    scores :math:`(0, s)` it is the binary :func:`hinge_loss` of :math:`s`.

    Parameters
    ----------
    y_true : array_like of int, shape (n,) or scalar
        Class labels in ``0 .. C-1`` (integer labels, not one-hot rows).
    y_pred : array_like, shape (n, C) or (C,)
        Raw class scores (a 1-d ``y_pred`` with a scalar label is one sample).
    margin : float, default 1.0
        The margin :math:`\Delta \ge 0`.
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
    Stability: differences and maxima only; exact up to the rounding of
    :math:`\Delta + s_{ij} - s_{iy_i}`.

    Examples
    --------
    >>> from lossedu.margins import multiclass_hinge_loss
    >>> multiclass_hinge_loss([0, 2], [[3.0, 1.0, 2.5], [1.0, 2.0, 2.5]], reduction="none")
    array([0.5, 0.5])
    """
    _, violations, weight, _ = _prepare_multiclass_hinge(
        y_true, y_pred, reduction, sample_weight, margin)
    return reduce(violations.sum(axis=1), reduction, weight)


@overflow_gives_inf
def multiclass_hinge_loss_grad(y_true, y_pred, *, margin=1.0, reduction="mean",
                               sample_weight=None):
    r"""Subgradient of :func:`multiclass_hinge_loss` with respect to the scores.

    .. math::

        \frac{\partial \ell_i}{\partial s_{ij}} = [\,\Delta + s_{ij} - s_{iy_i} > 0\,]
        \quad (j \ne y_i), \qquad
        \frac{\partial \ell_i}{\partial s_{iy_i}} = -\#\{j \ne y_i : \Delta + s_{ij} - s_{iy_i} > 0\}

    (0 is chosen at each kink), times the reduction's factor: every violating
    class is pushed down, the true class up once per violation.

    Parameters
    ----------
    y_true, y_pred, margin, reduction, sample_weight
        As in :func:`multiclass_hinge_loss`.

    Returns
    -------
    numpy.ndarray
        float64 array with the shape of ``y_pred``.

    Notes
    -----
    Stability: piecewise constant, exact.

    Examples
    --------
    >>> from lossedu.margins import multiclass_hinge_loss_grad
    >>> multiclass_hinge_loss_grad([0], [[3.0, 1.0, 2.5]], reduction="sum")  # class 2 violates
    array([[-1.,  0.,  1.]])
    """
    labels, violations, weight, shape = _prepare_multiclass_hinge(
        y_true, y_pred, reduction, sample_weight, margin)
    active = (violations > 0.0).astype(np.float64)
    rows = np.arange(active.shape[0])
    active[rows, labels] = -active.sum(axis=1)
    scale = reduction_scale(active.shape[0], reduction, weight)
    return (active * scale[:, None]).reshape(shape)
