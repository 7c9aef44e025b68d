"""Losses built for a purpose: imbalance, masks, margins, embeddings, distributions.

Each function here keeps the contract every :mod:`lossedu` loss keeps: truth
first, prediction second, keyword-only hyperparameters, ``reduction`` of
``"mean"`` (the cost), ``"sum"`` or ``"none"`` (per-sample losses) with an
optional ``sample_weight``, float64 arithmetic, inputs never mutated, and a
clear error for bad input.  The ``_grad`` functions return the gradient of
the *reduced* cost with respect to the prediction, the ``1/n`` (or
``1/sum(w)``) of the mean included.

* :func:`focal_loss` -- cross-entropy that down-weights easy examples (class
  imbalance), computed from logits.
* :func:`dice_loss` -- one minus the soft Dice overlap of two masks.
* :func:`hinge_loss`, :func:`multiclass_hinge_loss` -- margin losses on raw
  scores (support vector machines).
* :func:`triplet_loss` -- pulls an anchor towards a positive and away from a
  negative embedding.
* :func:`wasserstein_1d` -- the earth mover's distance between two samples.
* :func:`l1_penalty`, :func:`l2_penalty` -- regularization terms on weights.
"""

from __future__ import annotations

import numbers

import numpy as np

from lossedu.activations import log_sigmoid, sigmoid
from lossedu._validation import (
    as_float_array,
    as_labels,
    as_sample_weight,
    check_binary_labels,
    check_ndim,
    check_not_empty,
    check_positive_number,
    check_probabilities,
    check_reduction,
    check_same_shape,
    overflow_gives_inf,
    reduce,
    reduction_scale,
)

__all__ = [
    "dice_loss",
    "dice_loss_grad",
    "focal_loss",
    "focal_loss_grad",
    "hinge_loss",
    "hinge_loss_grad",
    "l1_penalty",
    "l1_penalty_grad",
    "l2_penalty",
    "l2_penalty_grad",
    "multiclass_hinge_loss",
    "multiclass_hinge_loss_grad",
    "triplet_loss",
    "wasserstein_1d",
]


# ---------------------------------------------------------------------------
# small private helpers
# ---------------------------------------------------------------------------

def _prepare_pair(y_true, y_pred, pred_name: str, ndims: tuple[int, ...]):
    """Validate a (truth, prediction) pair of the same shape; return float copies."""
    truth = as_float_array(y_true, "y_true")
    prediction = as_float_array(y_pred, pred_name)
    check_same_shape(truth, prediction, ("y_true", pred_name))
    check_ndim(prediction, pred_name, ndims)
    check_not_empty(prediction, pred_name)
    return truth, prediction


def _check_alpha(alpha) -> float | None:
    if alpha is None:
        return None
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
        raise TypeError(
            f"alpha must be None or a number in [0, 1], got {type(alpha).__name__} {alpha!r}"
        )
    alpha = float(alpha)
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be None or a number in [0, 1], got {alpha!r}")
    return alpha


def _pairwise_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distance between matching rows, without overflow or underflow.

    Each row of the difference is divided by its largest magnitude before
    squaring, so rows of order 1e200 or 1e-200 keep their exact distance.
    A difference that itself overflows gives ``inf`` or NaN, which
    :func:`_distance_gap` repairs.
    """
    difference = a - b
    scale = np.max(np.abs(difference), axis=-1)
    safe = np.where(scale > 0, scale, 1.0)
    return scale * np.sqrt(np.sum((difference / safe[:, None]) ** 2, axis=-1))


def _distance_gap(a: np.ndarray, p: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``d(a, p) - d(a, n)`` per row, finite whenever the true gap is in range.

    When a difference of two huge inputs overflows (``1e308 - (-1e308)``),
    the row is recomputed on inputs divided by their largest magnitude and
    the gap scaled back (distances scale linearly).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        gap = _pairwise_distance(a, p) - _pairwise_distance(a, n)
        bad = ~np.isfinite(gap)
        if bad.any():
            scale = np.max(np.abs(np.concatenate((a[bad], p[bad], n[bad]), axis=1)), axis=1)
            a_, p_, n_ = (x[bad] / scale[:, None] for x in (a, p, n))
            gap[bad] = scale * (_pairwise_distance(a_, p_) - _pairwise_distance(a_, n_))
    return gap


# ---------------------------------------------------------------------------
# focal loss
# ---------------------------------------------------------------------------

def _prepare_focal(y_true, logits, reduction, sample_weight, gamma, alpha):
    check_reduction(reduction)
    truth, z = _prepare_pair(y_true, logits, "logits", (0, 1))
    check_binary_labels(truth, "y_true")
    gamma = check_positive_number(gamma, "gamma", allow_zero=True)
    alpha = _check_alpha(alpha)
    shape = z.shape
    truth, z = truth.reshape(-1), z.reshape(-1)
    weight = as_sample_weight(sample_weight, z.shape[0])
    sign = 2.0 * truth - 1.0
    if alpha is None:
        alpha_t = np.ones_like(z)
    else:
        alpha_t = np.where(truth == 1.0, alpha, 1.0 - alpha)
    return sign, sign * z, gamma, alpha_t, weight, shape


@overflow_gives_inf
def focal_loss(y_true, logits, *, gamma=2.0, alpha=None, reduction="mean", sample_weight=None):
    r"""Binary focal loss computed from logits (Lin et al., 2017).

    With :math:`p = \sigma(z)` and :math:`p_t` the probability given to the
    true class (:math:`p` for :math:`y = 1`, :math:`1 - p` for :math:`y = 0`),

    .. math::

        \ell_i = -\alpha_t \, (1 - p_t)^{\gamma} \, \log p_t ,

    where :math:`\alpha_t = \alpha` for positives and :math:`1 - \alpha` for
    negatives (:math:`\alpha_t = 1` when ``alpha`` is None).  The factor
    :math:`(1 - p_t)^\gamma` shrinks the loss of examples that are already
    classified confidently, so a rare class is not drowned by many easy
    negatives.  With ``gamma=0`` and ``alpha=None`` it is exactly binary
    cross-entropy with logits.

    Parameters
    ----------
    y_true : array_like, shape (n,) or scalar
        Labels in {0, 1}.
    logits : array_like, shape (n,) or scalar
        Raw scores :math:`z` (any finite real); :math:`p = \sigma(z)`.
    gamma : float, default 2.0
        Focusing parameter, ``>= 0``.
    alpha : float in [0, 1] or None, default None
        Weight of the positive class (negatives get ``1 - alpha``).
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
    Stability: with the signed logit :math:`m = (2y - 1) z` one has
    :math:`p_t = \sigma(m)`, :math:`\log p_t = \log\sigma(m)` and
    :math:`(1 - p_t)^\gamma = \exp(\gamma \log\sigma(-m))`, with
    :math:`\log\sigma` from :func:`lossedu.activations.log_sigmoid`
    (``min(x, 0) - log1p(exp(-|x|))``).  No probability is formed and then
    logged, so nothing overflows or loses precision for any finite logit:
    a confidently wrong logit of -1000 costs exactly 1000, where the naive
    ``-log(sigmoid(z))`` returns ``inf``.

    Examples
    --------
    >>> from lossedu.custom import focal_loss
    >>> round(focal_loss([1, 0], [2.0, -1.0]), 6)
    0.012231
    >>> focal_loss([1], [-1000.0], reduction="sum")  # confidently wrong
    1000.0
    >>> focal_loss([1, 0], [0.5, 0.5], gamma=0.0, reduction="none").round(6)
    array([0.474077, 0.974077])
    """
    _, margin, gamma, alpha_t, weight, _ = _prepare_focal(
        y_true, logits, reduction, sample_weight, gamma, alpha)
    negative_log_pt = -log_sigmoid(margin)
    modulating = np.exp(gamma * log_sigmoid(-margin))  # (1 - p_t) ** gamma
    return reduce(alpha_t * modulating * negative_log_pt, reduction, weight)


@overflow_gives_inf
def focal_loss_grad(y_true, logits, *, gamma=2.0, alpha=None, reduction="mean",
                    sample_weight=None):
    r"""Gradient of :func:`focal_loss` with respect to the logits.

    With the signed logit :math:`m = (2y - 1) z`, :math:`p_t = \sigma(m)` and
    :math:`q = 1 - p_t = \sigma(-m)`,

    .. math::

        \frac{\partial \ell_i}{\partial z_i} = -(2y_i - 1)\, \alpha_t \, q^{\gamma}
        \left(\gamma \, p_t \log\frac{1}{p_t} + q\right),

    multiplied by the reduction's factor (``1/n`` or ``w_i / sum(w)`` for
    ``"mean"``, ``w_i`` for ``"sum"`` and ``"none"``).  With ``gamma=0`` and
    ``alpha=None`` this is ``sigmoid(z) - y`` (scaled).

    Parameters
    ----------
    y_true, logits, gamma, alpha, reduction, sample_weight
        As in :func:`focal_loss`.

    Returns
    -------
    numpy.ndarray
        float64 array with the shape of ``logits``.

    Notes
    -----
    Stability: :math:`q^\gamma` is ``exp(gamma * log_sigmoid(-m))``,
    :math:`\log(1/p_t)` is ``-log_sigmoid(m)`` and both sigmoids are evaluated
    without overflow (:mod:`lossedu.activations`); :math:`q^{\gamma - 1}` is
    never formed, so ``gamma < 1`` is safe at :math:`q = 0`.

    Examples
    --------
    >>> from lossedu.custom import focal_loss_grad
    >>> focal_loss_grad([1, 0], [0.0, 0.0], gamma=0.0)  # (sigmoid(z) - y) / n
    array([-0.25,  0.25])
    >>> focal_loss_grad([1], [-1000.0])  # confidently wrong: full gradient -1
    array([-1.])
    """
    sign, margin, gamma, alpha_t, weight, shape = _prepare_focal(
        y_true, logits, reduction, sample_weight, gamma, alpha)
    p_t = sigmoid(margin)
    q = sigmoid(-margin)
    modulating = np.exp(gamma * log_sigmoid(-margin))
    per_sample = -sign * alpha_t * modulating * (gamma * p_t * -log_sigmoid(margin) + q)
    scale = reduction_scale(margin.shape[0], reduction, weight)
    return (per_sample * scale).reshape(shape)


# ---------------------------------------------------------------------------
# Dice loss
# ---------------------------------------------------------------------------

def _prepare_dice(y_true, y_pred, reduction, sample_weight, smooth):
    check_reduction(reduction)
    truth, prediction = _prepare_pair(y_true, y_pred, "y_pred", (0, 1, 2))
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
    >>> from lossedu.custom import dice_loss
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
    >>> from lossedu.custom import dice_loss_grad
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


# ---------------------------------------------------------------------------
# hinge losses
# ---------------------------------------------------------------------------

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
    truth, scores = _prepare_pair(y_true, y_pred, "y_pred", (0, 1))
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
    >>> from lossedu.custom import hinge_loss
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
    >>> from lossedu.custom import hinge_loss_grad
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
    >>> from lossedu.custom import multiclass_hinge_loss
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
    >>> from lossedu.custom import multiclass_hinge_loss_grad
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


# ---------------------------------------------------------------------------
# triplet loss
# ---------------------------------------------------------------------------

@overflow_gives_inf
def triplet_loss(anchor, positive, negative, *, margin=1.0, reduction="mean", sample_weight=None):
    r"""Triplet margin loss on embeddings (Euclidean distance).

    .. math::

        \ell_i = \max\bigl(0,\ \lVert a_i - p_i \rVert_2 - \lVert a_i - n_i \rVert_2 + \Delta\bigr)

    Zero once the negative is at least the margin :math:`\Delta` farther from
    the anchor than the positive.  Same as PyTorch's ``TripletMarginLoss``
    with ``p=2`` and ``eps=0``.

    Parameters
    ----------
    anchor, positive, negative : array_like, shape (n, d) or (d,)
        Embeddings, one per row (a 1-d input is one triplet: n = 1).
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
    Stability: each difference row is divided by its largest magnitude before
    squaring, so distances neither overflow nor underflow; a row whose
    difference overflows (inputs near 1e308) is recomputed on rescaled inputs.

    Examples
    --------
    >>> from lossedu.custom import triplet_loss
    >>> triplet_loss([0.0, 0.0], [3.0, 4.0], [1.0, 0.0])  # 5 - 1 + 1
    5.0
    >>> triplet_loss([0.0, 0.0], [1.0, 0.0], [3.0, 4.0])  # 1 - 5 + 1 < 0
    0.0
    """
    check_reduction(reduction)
    a = as_float_array(anchor, "anchor")
    p = as_float_array(positive, "positive")
    n = as_float_array(negative, "negative")
    check_same_shape(a, p, ("anchor", "positive"))
    check_same_shape(a, n, ("anchor", "negative"))
    check_ndim(a, "anchor", (0, 1, 2))
    check_not_empty(a, "anchor")
    if a.ndim < 2:
        a, p, n = a.reshape(1, -1), p.reshape(1, -1), n.reshape(1, -1)
    if a.shape[1] == 0:
        raise ValueError(f"anchor has shape {a.shape}: embeddings need at least one dimension")
    margin = check_positive_number(margin, "margin", allow_zero=True)
    weight = as_sample_weight(sample_weight, a.shape[0])
    per_sample = np.maximum(0.0, _distance_gap(a, p, n) + margin)
    return reduce(per_sample, reduction, weight)


# ---------------------------------------------------------------------------
# Wasserstein distance
# ---------------------------------------------------------------------------

def _as_sample(values, name: str) -> np.ndarray:
    array = as_float_array(values, name)
    check_ndim(array, name, (0, 1))
    check_not_empty(array, name)
    return np.sort(array.reshape(-1))


@overflow_gives_inf
def wasserstein_1d(u_values, v_values):
    r"""First Wasserstein (earth mover's) distance between two 1-d samples.

    Each sample is an empirical distribution with equal weights on its values.
    With :math:`F^{-1}, G^{-1}` their quantile functions,

    .. math::

        W_1(u, v) = \int_0^1 \bigl|F^{-1}(t) - G^{-1}(t)\bigr|\, dt ,

    the least total distance probability mass must travel to turn one
    distribution into the other.  For samples of equal size ``n`` this is
    ``mean(|sort(u) - sort(v)|)``.

    Parameters
    ----------
    u_values : array_like, shape (n,) or scalar
        The first sample (its order does not matter).
    v_values : array_like, shape (m,) or scalar
        The second sample; ``m`` may differ from ``n``.

    Returns
    -------
    float
        :math:`W_1 \ge 0`, in the units of the values; 0 when the two
        samples hold the same values in the same proportions.

    Notes
    -----
    The quantile functions are step functions that change at the fractions
    ``i/n`` and ``j/m``; these are compared exactly on the integer grid
    ``i*m`` and ``j*n`` (no rounding of fractions), and the integral is the
    sum over the merged steps.  Cost ``O((n + m) log(n + m))``.
    Stability: if differences of values near 1e308 overflow, the distance is
    recomputed on both samples divided by their largest magnitude and scaled
    back (W1 scales linearly), so it is ``inf`` only when the true value is.

    Examples
    --------
    >>> from lossedu.custom import wasserstein_1d
    >>> wasserstein_1d([0.0, 1.0, 3.0], [5.0, 6.0, 8.0])  # shifted by 5
    5.0
    >>> round(wasserstein_1d([0.0, 1.0], [0.0, 0.5, 1.0]), 12)
    0.166666666667
    """
    u = _as_sample(u_values, "u_values")
    v = _as_sample(v_values, "v_values")
    with np.errstate(over="ignore", invalid="ignore"):
        distance = _sorted_wasserstein(u, v)
    if not np.isfinite(distance):
        # Differences of values near 1e308 overflowed: W1 scales linearly.
        scale = max(np.max(np.abs(u)), np.max(np.abs(v)))
        with np.errstate(over="ignore"):  # inf only if the true value is out of range
            distance = scale * _sorted_wasserstein(u / scale, v / scale)
    return float(distance)


def _sorted_wasserstein(u: np.ndarray, v: np.ndarray) -> float:
    """W1 between two sorted samples (see :func:`wasserstein_1d`)."""
    n, m = u.shape[0], v.shape[0]
    if n == m:
        return float(np.mean(np.abs(u - v)))
    # Step ends of both quantile functions on the common grid of 1/(n*m).
    ends = np.union1d(np.arange(1, n + 1, dtype=np.int64) * m,
                      np.arange(1, m + 1, dtype=np.int64) * n)
    starts = np.concatenate(([0], ends[:-1]))
    u_index = (ends - 1) // m  # the quantile of u on (start, end]
    v_index = (ends - 1) // n
    widths = (ends - starts) / (n * m)
    return float(np.sum(widths * np.abs(u[u_index] - v[v_index])))


# ---------------------------------------------------------------------------
# penalties
# ---------------------------------------------------------------------------

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
    >>> from lossedu.custom import l1_penalty
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
    >>> from lossedu.custom import l1_penalty_grad
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
    >>> from lossedu.custom import l2_penalty
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
    >>> from lossedu.custom import l2_penalty_grad
    >>> l2_penalty_grad([2.0, -3.0, 0.0], strength=0.5)
    array([ 2., -3.,  0.])
    """
    array, strength = _prepare_weights(weights, strength)
    return 2.0 * strength * array
