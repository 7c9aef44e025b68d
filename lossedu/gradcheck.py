"""Gradient checking: compare an analytic gradient with finite differences.

A hand-derived gradient is easy to get subtly wrong (a missing ``1/n``, a
sign, a factor 2) and gradient descent will still run, just badly.  The
check is to nudge each input a little and watch the function move:

.. math::

    \\frac{\\partial f}{\\partial x_j} \\approx \\frac{f(x + h e_j) - f(x - h e_j)}{2h}.

The central difference has error :math:`O(h^2)` from the curvature plus
about :math:`\\varepsilon |f| / h` from rounding (:math:`\\varepsilon \\approx
2.2 \\times 10^{-16}`), so ``h = 1e-6`` gives roughly 8-10 correct digits on
smooth functions of moderate size.  Near a kink (``|x|``, ``max(0, x)``)
the two sides disagree and the check is meaningless: test away from kinks.

* :func:`numerical_gradient` -- central differences, never mutates its input.
* :func:`relative_error` -- how far apart two gradients are, scale-free.
* :func:`check_gradient` -- both together, raising ``AssertionError`` with
  the worst element when they disagree.
"""

from __future__ import annotations

import numpy as np

from lossedu._validation import as_float_array, check_not_empty, check_positive_number

__all__ = ["check_gradient", "numerical_gradient", "relative_error"]

TINY = np.finfo(np.float64).tiny


def _evaluate(f, x: np.ndarray, where: str) -> float:
    """Call ``f`` on ``x`` (a fresh array) and return its value as a float."""
    value = f(x)
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"f must return a number (the cost), got a boolean {value!r}")
    array = np.asarray(value)
    if array.ndim != 0 or not (np.issubdtype(array.dtype, np.number) and
                               not np.issubdtype(array.dtype, np.complexfloating)):
        raise TypeError(
            f"f must return a single real number (the cost), got {type(value).__name__} "
            f"with shape {array.shape}; if it returns one loss per sample, "
            "reduce them first (e.g. take the mean)"
        )
    result = float(array)
    if not np.isfinite(result):
        raise ValueError(f"f returned {result!r} at {where}; the gradient is undefined there")
    return result


def numerical_gradient(f, x, *, h=1e-6):
    r"""Gradient of a scalar function by central differences.

    .. math::

        g_j = \frac{f(x + h e_j) - f(x - h e_j)}{2h}

    Parameters
    ----------
    f : callable
        ``f(x) -> float``: takes an array of ``x``'s shape and returns one
        real number (a cost, not per-sample losses).
    x : array_like, any shape (a scalar too)
        The point where the gradient is taken.
    h : float, default 1e-6
        Step size, ``> 0``.

    Returns
    -------
    numpy.ndarray
        float64 array with the shape of ``x``.

    Notes
    -----
    ``x`` is never modified: every call of ``f`` receives its own float64
    copy of ``x`` with one element moved by ``±h``, so even an ``f`` that
    modifies its argument cannot corrupt the next evaluation.  It costs
    ``2 * x.size`` calls of ``f``.  Truncation error is :math:`O(h^2)`;
    rounding error about :math:`2.2\times10^{-16} |f| / h`.

    Examples
    --------
    >>> import numpy as np
    >>> from lossedu.gradcheck import numerical_gradient
    >>> x = np.array([1.0, -2.0, 3.0])
    >>> numerical_gradient(lambda v: float(np.sum(v ** 2)), x).round(6)  # 2x
    array([ 2., -4.,  6.])
    >>> x  # unchanged
    array([ 1., -2.,  3.])
    """
    if not callable(f):
        raise TypeError(f"f must be a callable f(x) -> float, got {type(f).__name__}")
    point = as_float_array(x, "x")
    check_not_empty(point, "x")
    h = check_positive_number(h, "h")
    gradient = np.empty_like(point)
    flat_point = point.reshape(-1)
    flat_gradient = gradient.reshape(-1)
    for j in range(flat_point.size):
        forward = flat_point.copy()
        forward[j] += h
        backward = flat_point.copy()
        backward[j] -= h
        where = f"element {j} of x moved by +h" if point.ndim else "x + h"
        up = _evaluate(f, forward.reshape(point.shape), where)
        down = _evaluate(f, backward.reshape(point.shape), where.replace("+h", "-h"))
        flat_gradient[j] = (up - down) / (2.0 * h)
    return gradient


def relative_error(a, b):
    r"""Largest elementwise relative difference between two arrays.

    .. math::

        \max_j \frac{|a_j - b_j|}{\max(|a_j|, |b_j|, \text{tiny})}

    with ``tiny`` the smallest normal float64 (about 2.2e-308), which only
    keeps 0/0 away: elements that are both exactly 0 count as equal (error
    0), while an exact 0 against any non-zero value counts as error 1.
    Scale-free: ``1e-7`` means about seven matching digits whatever the
    gradient's magnitude.

    Parameters
    ----------
    a, b : array_like, same shape
        The two gradients, e.g. analytic and numerical.

    Returns
    -------
    float
        In [0, 2]; 0.0 when the arrays are equal.

    Notes
    -----
    Because the denominator is per element, a tiny element of a gradient
    that should be 0 but is computed as 1e-12 shows as a large error; use
    ``atol`` in :func:`check_gradient` for such elements.

    Examples
    --------
    >>> from lossedu.gradcheck import relative_error
    >>> relative_error([1.0, 200.0], [1.0, 202.0])
    0.009900990099009901
    >>> relative_error([0.0], [0.0])
    0.0
    """
    first = as_float_array(a, "a")
    second = as_float_array(b, "b")
    if first.shape != second.shape:
        raise ValueError(
            f"a has shape {first.shape} but b has shape {second.shape}; "
            "they must have the same shape"
        )
    check_not_empty(first, "a")
    denominator = np.maximum(np.maximum(np.abs(first), np.abs(second)), TINY)
    return float(np.max(np.abs(first - second) / denominator))


def check_gradient(f, grad_f, x, *, h=1e-6, rtol=1e-6, atol=1e-8):
    r"""Check an analytic gradient against central differences.

    Passes when every element satisfies

    .. math::

        |g_j - \tilde g_j| \le \text{atol} + \text{rtol} \cdot \max(|g_j|, |\tilde g_j|),

    with :math:`g` = ``grad_f(x)`` and :math:`\tilde g` =
    ``numerical_gradient(f, x, h=h)``.  ``atol`` is there for elements
    whose true value is 0, where finite differences leave rounding noise.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``.
    grad_f : callable
        ``grad_f(x) -> array`` of ``x``'s shape, the claimed gradient.
    x : array_like
        The point to check (choose it away from kinks).
    h : float, default 1e-6
        Finite-difference step.
    rtol : float, default 1e-6
        Relative tolerance.
    atol : float, default 1e-8
        Absolute tolerance.

    Returns
    -------
    float
        :func:`relative_error` of the two gradients.

    Raises
    ------
    AssertionError
        When some element is outside the tolerance; the message names the
        worst element, both values and the relative error.

    Notes
    -----
    Neither ``x`` nor the arrays returned are modified.

    Examples
    --------
    >>> import numpy as np
    >>> from lossedu.gradcheck import check_gradient
    >>> x = np.array([0.5, -1.5])
    >>> error = check_gradient(lambda v: float(np.sum(v ** 3)), lambda v: 3 * v ** 2, x)
    >>> error < 1e-8
    True
    >>> check_gradient(lambda v: float(np.sum(v ** 3)), lambda v: v ** 2, x)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: gradient check failed: ...
    """
    if not callable(grad_f):
        raise TypeError(
            f"grad_f must be a callable grad_f(x) -> array, got {type(grad_f).__name__}"
        )
    rtol = check_positive_number(rtol, "rtol", allow_zero=True)
    atol = check_positive_number(atol, "atol", allow_zero=True)
    point = as_float_array(x, "x")
    numeric = numerical_gradient(f, point, h=h)
    analytic = as_float_array(grad_f(point.copy()), "the result of grad_f")
    if analytic.shape != point.shape:
        raise ValueError(
            f"grad_f returned shape {analytic.shape} but x has shape {point.shape}; "
            "a gradient has the shape of its input"
        )
    error = relative_error(analytic, numeric)
    difference = np.abs(analytic - numeric)
    allowed = atol + rtol * np.maximum(np.abs(analytic), np.abs(numeric))
    if (difference > allowed).any():
        worst = int(np.argmax(difference - allowed))
        index = tuple(int(i) for i in np.unravel_index(worst, point.shape)) if point.ndim else ()
        raise AssertionError(
            f"gradient check failed: at index {index} grad_f gives "
            f"{float(analytic.reshape(-1)[worst]):.6g} but central differences give "
            f"{float(numeric.reshape(-1)[worst]):.6g} (relative error {error:.3g}, "
            f"rtol={rtol}, atol={atol}); look for a missing factor, a sign "
            "or a missing 1/n"
        )
    return error
