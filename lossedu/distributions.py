"""Distances between distributions: the Wasserstein-1 distance of two samples.

:func:`wasserstein_1d` is the earth mover's distance between two 1-d samples
of equal size: the mean absolute difference of their sorted values.
"""

from __future__ import annotations

import numpy as np

from lossedu._validation import (
    as_float_array,
    check_ndim,
    check_not_empty,
    overflow_gives_inf,
)

__all__ = [
    "wasserstein_1d",
]


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
    >>> from lossedu.distributions import wasserstein_1d
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
