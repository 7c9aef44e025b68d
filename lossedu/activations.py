r"""Output activations: sigmoid, softmax and their logarithms.

A network's last layer produces raw scores, *logits*; an activation turns
them into probabilities.  The textbook formulas overflow for large logits
(``exp(1000)`` is ``inf`` in float64) and lose every digit of a tiny result
when they take ``log`` of a probability that rounded to 0 or 1.  Every
function here is rewritten so that it never evaluates ``exp`` of a positive
number:

* ``sigmoid`` and ``log_sigmoid`` only ever compute ``exp(-|z|)``, a number
  in ``(0, 1]``;
* ``softmax``, ``log_softmax`` and ``logsumexp`` subtract the largest logit
  of each row first (the "max shift"), and add the remaining terms with
  ``log1p`` so that a log-probability close to 0 keeps its digits.

The results are exact to a few units in the last place for any finite input.
"""

from __future__ import annotations

import numbers

import numpy as np

from lossedu._validation import as_float_array, as_labels, check_not_empty

__all__ = ["log_sigmoid", "log_softmax", "logsumexp", "one_hot", "sigmoid", "softmax"]


def _scalar_or_array(array: np.ndarray):
    """A 0-d result is returned as a Python float, anything else as an array."""
    return float(array) if array.ndim == 0 else array


def sigmoid(z):
    r"""Logistic sigmoid, the probability of the positive class for a logit.

    .. math::

        \sigma(z) = \frac{1}{1 + e^{-z}}

    Parameters
    ----------
    z : array_like
        Logits, any shape (a Python number or 0-d array is accepted).

    Returns
    -------
    float or numpy.ndarray
        :math:`\sigma(z)` with the shape of ``z``, values in ``[0, 1]``; a
        float when ``z`` is a scalar.

    Notes
    -----
    Stability: ``1 / (1 + exp(-z))`` overflows in ``exp`` for ``z < -709``.
    With :math:`e = e^{-|z|} \in (0, 1]` the function is written as
    :math:`1 / (1 + e)` for :math:`z \ge 0` and :math:`e / (1 + e)` for
    :math:`z < 0`; both are accurate to a few ulp.  Results below the
    smallest float64 (``z < -745``) round to 0, never to NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from lossedu.activations import sigmoid
    >>> sigmoid(0.0)
    0.5
    >>> sigmoid([-2.0, 0.0, 2.0])
    array([0.11920292, 0.5       , 0.88079708])

    The naive formula overflows for very negative logits; this one does not:

    >>> with np.errstate(over="ignore"):
    ...     1 / (1 + np.exp(-np.array([-1000.0])))
    array([0.])
    >>> sigmoid(-700.0)
    9.85967654e-305
    """
    z = as_float_array(z, "z", copy=False)
    exp_minus_abs = np.exp(-np.abs(z))  # in (0, 1]: cannot overflow
    numerator = np.where(z >= 0, 1.0, exp_minus_abs)
    return _scalar_or_array(np.asarray(numerator / (1.0 + exp_minus_abs)))


def log_sigmoid(z):
    r"""Logarithm of the sigmoid, :math:`\log \sigma(z) = -\log(1 + e^{-z})`.

    .. math::

        \log \sigma(z) = \min(z, 0) - \log\left(1 + e^{-|z|}\right)

    Parameters
    ----------
    z : array_like
        Logits, any shape.

    Returns
    -------
    float or numpy.ndarray
        :math:`\log \sigma(z) \le 0` with the shape of ``z``.

    Notes
    -----
    Stability: ``np.log(sigmoid(z))`` gives ``-inf`` once :math:`\sigma(z)`
    underflows (``z < -745``) and 0 once it rounds to 1 (``z > 37``), where
    the true value is :math:`-e^{-z}`.  The form above adds two non-positive
    terms (no cancellation) and uses ``log1p``, so it is exact to a few ulp:
    ``log_sigmoid(-1e4) == -1e4`` and ``log_sigmoid(40) == -4.2e-18``.

    Examples
    --------
    >>> import numpy as np
    >>> from lossedu.activations import log_sigmoid, sigmoid
    >>> log_sigmoid(0.0)  # log(1/2)
    -0.6931471805599453
    >>> log_sigmoid([-1e4, 40.0])
    array([-1.00000000e+04, -4.24835426e-18])

    The naive composition loses both ends:

    >>> with np.errstate(over="ignore", divide="ignore"):
    ...     np.log(1 / (1 + np.exp(-np.array([-1e4, 40.0]))))
    array([-inf,   0.])
    """
    z = as_float_array(z, "z", copy=False)
    tail = np.log1p(np.exp(-np.abs(z)))  # in [0, log 2]; exp never overflows
    return _scalar_or_array(np.asarray(np.minimum(z, 0.0) - tail))


def _class_axis(z: np.ndarray, axis, name: str = "z") -> int:
    """Check ``axis`` against ``z`` and return it as a non-negative int."""
    if isinstance(axis, bool) or not isinstance(axis, (numbers.Integral, np.integer)):
        raise TypeError(f"axis must be an int, got {type(axis).__name__} {axis!r}")
    if z.ndim == 0:
        raise ValueError(
            f"{name} must have at least one dimension (the classes along axis), "
            "got a scalar; pass a 1-d array of logits, one per class"
        )
    if not -z.ndim <= axis < z.ndim:
        raise ValueError(
            f"axis {axis} is out of range for {name} of shape {z.shape} "
            f"({z.ndim} dimension(s))"
        )
    return int(axis) % z.ndim


def _shifted_rows(rows: np.ndarray):
    r"""The pieces of a stable softmax over the last axis of a 2-d array.

    For each row with maximum :math:`m` at column :math:`k`, returns

    * ``peak``: :math:`m`, shape ``(r,)``;
    * ``exp_shifted``: :math:`e^{z_c - m} \in [0, 1]`, shape ``(r, C)``
      (1 at column :math:`k`);
    * ``rest``: :math:`t = \sum_{c \ne k} e^{z_c - m}`, shape ``(r,)``;
    * ``argmax``: :math:`k`, shape ``(r,)``.

    Then :math:`\operatorname{logsumexp}(z) = m + \operatorname{log1p}(t)`.
    Summing all the exponentials and taking ``log`` would round
    :math:`1 + t` to 1 when :math:`t < 10^{-16}`, losing every digit of a
    log-probability close to 0; leaving the largest term out of the sum and
    using ``log1p`` keeps them (the approach of ``scipy.special.logsumexp``).
    """
    count = rows.shape[0]
    every_row = np.arange(count)
    argmax = np.argmax(rows, axis=1)
    peak = rows[every_row, argmax]
    with np.errstate(over="ignore"):  # a spread beyond 1.8e308 gives -inf, then exp 0
        exp_shifted = rows - peak[:, None]  # <= 0, exact to half an ulp
    np.exp(exp_shifted, out=exp_shifted)
    exp_shifted[every_row, argmax] = 0.0
    rest = exp_shifted.sum(axis=1)
    exp_shifted[every_row, argmax] = 1.0
    return peak, exp_shifted, rest, argmax


def _as_rows(z: np.ndarray, axis: int) -> tuple[np.ndarray, tuple[int, ...]]:
    """Move ``axis`` last and flatten the rest: a 2-d array of rows."""
    moved = np.moveaxis(z, axis, -1)
    return moved.reshape(-1, moved.shape[-1]), moved.shape


def _from_rows(rows: np.ndarray, moved_shape: tuple[int, ...], axis: int) -> np.ndarray:
    return np.moveaxis(rows.reshape(moved_shape), -1, axis)


def softmax(z, axis=-1):
    r"""Softmax: turn logits into a probability distribution over classes.

    .. math::

        \operatorname{softmax}(z)_c = \frac{e^{z_c}}{\sum_{j} e^{z_j}}
        = \frac{e^{z_c - m}}{\sum_{j} e^{z_j - m}}, \qquad m = \max_j z_j

    Parameters
    ----------
    z : array_like
        Logits with at least one dimension, e.g. ``(C,)`` or ``(n, C)``.
    axis : int, default -1
        The axis holding the classes.

    Returns
    -------
    numpy.ndarray
        Probabilities with the shape of ``z``; they sum to 1 along ``axis``.

    Notes
    -----
    Stability: ``exp(z)`` overflows for ``z > 709`` and ``inf / inf`` is NaN.
    Subtracting the row maximum :math:`m` (which does not change the result,
    softmax being invariant to adding a constant) makes every exponent
    :math:`\le 0`, so nothing overflows and the denominator is at least 1.

    Examples
    --------
    >>> import numpy as np
    >>> from lossedu.activations import softmax
    >>> softmax([2.0, 1.0, 0.1])
    array([0.65900114, 0.24243297, 0.09856589])
    >>> softmax([[1000.0, 0.0], [0.0, 0.0]])
    array([[1. , 0. ],
           [0.5, 0.5]])

    Without the shift the first row is NaN:

    >>> with np.errstate(over="ignore", invalid="ignore"):
    ...     np.exp([1000.0, 0.0]) / np.exp([1000.0, 0.0]).sum()
    array([nan,  0.])
    """
    z = as_float_array(z, "z", copy=False)
    axis = _class_axis(z, axis)
    check_not_empty(z, "z")
    rows, moved_shape = _as_rows(z, axis)
    _, exp_shifted, rest, _ = _shifted_rows(rows)
    exp_shifted /= (1.0 + rest)[:, None]
    return _from_rows(exp_shifted, moved_shape, axis)


def log_softmax(z, axis=-1):
    r"""Logarithm of the softmax: log-probabilities of the classes.

    .. math::

        \log \operatorname{softmax}(z)_c = z_c - \operatorname{logsumexp}(z)
        = (z_c - m) - \log\Big(1 + \sum_{j \ne k} e^{z_j - m}\Big)

    with :math:`m = z_k = \max_j z_j`.

    Parameters
    ----------
    z : array_like
        Logits with at least one dimension, e.g. ``(C,)`` or ``(n, C)``.
    axis : int, default -1
        The axis holding the classes.

    Returns
    -------
    numpy.ndarray
        Log-probabilities (all :math:`\le 0`) with the shape of ``z``.

    Notes
    -----
    Stability: ``np.log(softmax(z))`` is ``-inf`` where a probability
    underflows to 0 (a class 800 logits below the best), and 0 where it
    rounds to 1, although the true value is a small negative number.  Both
    terms of the form above are :math:`\le 0`, so their difference never
    cancels, and ``log1p`` keeps the digits of a log-probability close to 0.
    The result is exact to a few ulp for any finite logits.

    Examples
    --------
    >>> import numpy as np
    >>> from lossedu.activations import log_softmax
    >>> log_softmax([0.0, 0.0])
    array([-0.69314718, -0.69314718])
    >>> log_softmax([0.0, -1e4])
    array([     0., -10000.])
    >>> log_softmax([40.0, 0.0])
    array([-4.24835426e-18, -4.00000000e+01])

    ``np.log(softmax(z))`` gives ``-inf`` and 0 instead:

    >>> from lossedu.activations import softmax
    >>> with np.errstate(divide="ignore"):
    ...     np.log(softmax([0.0, -1e4])), np.log(softmax([40.0, 0.0]))
    (array([  0., -inf]), array([  0., -40.]))
    """
    z = as_float_array(z, "z", copy=False)
    axis = _class_axis(z, axis)
    check_not_empty(z, "z")
    rows, moved_shape = _as_rows(z, axis)
    peak, _, rest, _ = _shifted_rows(rows)
    with np.errstate(over="ignore"):  # -inf only where the true value is below -1.8e308
        result = rows - peak[:, None]
    result -= np.log1p(rest)[:, None]
    return _from_rows(result, moved_shape, axis)


def logsumexp(z, axis=-1):
    r"""Log of the sum of exponentials, :math:`\log \sum_c e^{z_c}`, without overflow.

    .. math::

        \operatorname{logsumexp}(z) = m + \log\Big(1 + \sum_{j \ne k} e^{z_j - m}\Big),
        \qquad m = z_k = \max_j z_j

    Parameters
    ----------
    z : array_like
        Values with at least one dimension.
    axis : int, default -1
        The axis to reduce.

    Returns
    -------
    float or numpy.ndarray
        The shape of ``z`` without ``axis``; a float for a 1-d ``z``.

    Notes
    -----
    Stability: ``np.log(np.sum(np.exp(z)))`` is ``inf`` once a value exceeds
    709 and ``-inf`` once all are below -745.  The max shift keeps every
    exponent :math:`\le 0` and the sum between 1 and ``C``; leaving the
    largest term out of the sum and adding it back with ``log1p`` keeps the
    digits of :math:`\log(1 + t)` for tiny :math:`t`.  The result has a small
    relative error except near :math:`\operatorname{logsumexp}(z) = 0`, where
    ``m`` and ``log1p(t)`` cancel (the problem itself is ill-conditioned there).

    Examples
    --------
    >>> import numpy as np
    >>> from lossedu.activations import logsumexp
    >>> logsumexp([0.0, 0.0])  # log 2
    0.6931471805599453
    >>> logsumexp([1000.0, 1000.0])
    1000.6931471805599
    >>> logsumexp([[0.0, -1e4], [-1e4, -1e4]])
    array([     0.        , -9999.30685282])
    >>> with np.errstate(over="ignore"):
    ...     np.log(np.sum(np.exp([1000.0, 1000.0])))
    np.float64(inf)
    """
    z = as_float_array(z, "z", copy=False)
    axis = _class_axis(z, axis)
    check_not_empty(z, "z")
    rows, moved_shape = _as_rows(z, axis)
    peak, _, rest, _ = _shifted_rows(rows)
    return _scalar_or_array((peak + np.log1p(rest)).reshape(moved_shape[:-1]))


def one_hot(labels, num_classes):
    r"""One-hot encode integer class labels.

    .. math::

        \operatorname{one\_hot}(y)_{ic} = [\,y_i = c\,]

    Parameters
    ----------
    labels : array_like of int
        Class labels in ``0 .. num_classes - 1``, shape ``(n,)`` (a single
        label gives shape ``(num_classes,)``).  Integral floats such as
        ``2.0`` are accepted.
    num_classes : int
        The number of classes ``C`` (at least 1).

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``labels.shape + (num_classes,)``: each row
        holds a single 1 at the label's column.

    Notes
    -----
    Labels outside the classes are refused rather than silently wrapped
    (``-1`` would otherwise index the last class).

    Examples
    --------
    >>> from lossedu.activations import one_hot
    >>> one_hot([0, 2, 1], 3)
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]])
    """
    if isinstance(num_classes, bool) or not isinstance(num_classes, (numbers.Integral, np.integer)):
        raise TypeError(
            f"num_classes must be an int, got {type(num_classes).__name__} {num_classes!r}"
        )
    if num_classes < 1:
        raise ValueError(f"num_classes must be at least 1, got {num_classes}")
    labels = as_labels(labels, "labels", int(num_classes))
    encoded = np.zeros(labels.shape + (int(num_classes),), dtype=np.float64)
    np.put_along_axis(encoded, labels[..., None], 1.0, axis=-1)
    return encoded
