"""Embedding losses: the triplet loss.

:func:`triplet_loss` pulls an anchor towards a positive and pushes it away
from a negative embedding, ``max(0, d(a, p) - d(a, n) + margin)`` with
Euclidean distances per row, computed without overflow or underflow.
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
    overflow_gives_inf,
    reduce,
)

__all__ = [
    "triplet_loss",
]


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
    >>> from lossedu.embeddings import triplet_loss
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
