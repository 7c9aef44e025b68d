"""Input checking and reduction shared by every loss.

Every public function of :mod:`lossedu` turns its inputs into float64 arrays
through these helpers, so that a bad input gets the same kind of message
everywhere: which argument, what was expected, what came.  Nothing here
mutates its input: :func:`as_float_array` always returns a new array.
"""

from __future__ import annotations

import functools
import numbers

import numpy as np

REDUCTIONS = ("mean", "sum", "none")


def _describe(value) -> str:
    """A short description of ``value`` for error messages."""
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype} and shape {value.shape}"
    return f"{type(value).__name__} {value!r}"[:120]


def as_float_array(value, name: str, *, allow_infinite: bool = False,
                   copy: bool = True) -> np.ndarray:
    """Return ``value`` as a new float64 array, refusing what is not numbers.

    Lists, tuples, Python numbers, numpy scalars and arrays of any real
    numeric or boolean dtype are accepted.  Strings, ``None``, objects and
    complex numbers raise :class:`TypeError`; NaN (and infinity, unless
    ``allow_infinite``) raise :class:`ValueError`.  The result is a copy,
    unless ``copy=False``: then a float64 array is returned as it is (for
    callers that only read it, and never write into it).
    """
    if value is None or isinstance(value, (str, bytes, dict, set)):
        raise TypeError(f"{name} must be an array of numbers, got {_describe(value)}")
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(
            f"{name} is a masked array (numpy.ma); its mask would be silently ignored. "
            f"Drop the masked values first, e.g. {name}.compressed() (and the matching "
            "entries of the other arguments), or fill them with .filled(value)"
        )
    try:
        array = np.array(value, copy=True) if copy else np.asarray(value)
    except (ValueError, TypeError) as error:
        raise TypeError(
            f"{name} must be an array of numbers with a regular shape; "
            f"numpy could not read it ({error})"
        ) from None
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == bool
    ):
        raise TypeError(
            f"{name} must be an array of numbers, got {_describe(value)}"
        )
    if np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real numbers, got complex dtype {array.dtype}")
    array = array.astype(np.float64, copy=False)
    if np.isfinite(array).all():  # one pass in the common case
        return array
    if np.isnan(array).any():
        count = int(np.isnan(array).sum())
        raise ValueError(
            f"{name} contains NaN ({count} of {array.size} values); "
            "remove or impute missing values before computing a loss"
        )
    if not allow_infinite and np.isinf(array).any():
        raise ValueError(
            f"{name} contains infinite values; every value must be finite"
        )
    return array


def check_not_empty(array: np.ndarray, name: str) -> None:
    """Refuse an array with no elements: the mean of nothing is undefined."""
    if array.size == 0:
        raise ValueError(
            f"{name} is empty (shape {array.shape}); it needs at least one value"
        )


def check_same_shape(y_true: np.ndarray, y_pred: np.ndarray,
                     names: tuple[str, str] = ("y_true", "y_pred")) -> None:
    """Refuse arrays of different shapes instead of broadcasting them.

    ``(n, 1)`` against ``(n,)`` would silently broadcast to ``(n, n)``: the
    classic bug that turns a loss into nonsense without an error.
    """
    if y_true.shape != y_pred.shape:
        hint = ""
        shapes = {y_true.shape, y_pred.shape}
        if any(len(s) == 2 and s[1] == 1 for s in shapes) and any(len(s) == 1 for s in shapes):
            hint = (" (a column of shape (n, 1) against a vector of shape (n,) would "
                    "broadcast to (n, n); use .ravel() or .reshape(-1) on the column)")
        raise ValueError(
            f"{names[0]} has shape {y_true.shape} but {names[1]} has shape "
            f"{y_pred.shape}; they must have the same shape{hint}"
        )


def check_ndim(array: np.ndarray, name: str, allowed: tuple[int, ...]) -> None:
    """Refuse arrays whose number of dimensions is not in ``allowed``."""
    if array.ndim not in allowed:
        expected = " or ".join(
            {0: "a scalar", 1: "a 1-d array (n,)", 2: "a 2-d array (n, k)"}[d] for d in allowed
        )
        raise ValueError(f"{name} must be {expected}, got shape {array.shape}")


LOGITS_HINT = "if these are raw scores (logits), use the *_with_logits version"


def as_float_pair(y_true, y_pred, pred_name: str, ndims: tuple[int, ...]):
    """Validate a (truth, prediction) pair of the same shape; return float copies."""
    truth = as_float_array(y_true, "y_true")
    prediction = as_float_array(y_pred, pred_name)
    check_same_shape(truth, prediction, ("y_true", pred_name))
    check_ndim(prediction, pred_name, ndims)
    check_not_empty(prediction, pred_name)
    return truth, prediction


def check_probabilities(array: np.ndarray, name: str, hint: str = LOGITS_HINT) -> None:
    """Refuse values outside [0, 1]; ``hint`` ends the message with how to fix it."""
    outside = (array < 0) | (array > 1)
    if outside.any():
        first = array[outside].ravel()[0]
        raise ValueError(
            f"{name} must hold probabilities in [0, 1], but {int(outside.sum())} "
            f"value(s) are outside, e.g. {float(first)!r}; {hint}"
        )


def check_binary_labels(array: np.ndarray, name: str, values=(0.0, 1.0)) -> None:
    """Refuse labels that are not one of ``values``."""
    bad = ~np.isin(array, values)
    if bad.any():
        first = array[bad].ravel()[0]
        raise ValueError(
            f"{name} must contain only the labels {tuple(int(v) for v in values)}, "
            f"got {float(first)!r}"
        )


def check_rows_sum_to_one(array: np.ndarray, name: str, atol: float = 1e-6,
                          hint: str = "if these are logits, use the *_with_logits version "
                                      "or apply softmax first") -> None:
    """Refuse probability rows (last axis) whose sum is not 1 within ``atol``."""
    sums = array.sum(axis=-1)
    bad = np.abs(sums - 1.0) > atol
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"each row of {name} must sum to 1 (a probability distribution over "
            f"the classes), but row {index} sums to {float(sums.ravel()[index])!r}; {hint}"
        )


def check_int64_range(array: np.ndarray, name: str) -> None:
    """Refuse integral float values that do not fit in int64 (before casting them)."""
    bad = np.abs(array) >= 2.0 ** 63
    if bad.any():
        raise ValueError(
            f"{name} must hold class labels (small integers), got {int(array[bad].ravel()[0])}, "
            "far outside the range of integer labels"
        )


def as_labels(value, name: str, num_classes: int | None = None) -> np.ndarray:
    """Return integer class labels as an int64 array, checking their range.

    The range is checked on the float values, before the cast: a label such
    as ``1e20`` has no int64 value and is named as it came.
    """
    array = as_float_array(value, name)
    if not np.all(array == np.round(array)):
        bad = array[array != np.round(array)].ravel()[0]
        raise ValueError(
            f"{name} must hold integer class labels, got the non-integer value {float(bad)!r}"
        )
    if num_classes is not None:
        bad = (array < 0) | (array >= num_classes)
        if bad.any():
            raise ValueError(
                f"{name} must hold class labels in 0..{num_classes - 1} "
                f"({num_classes} classes), got {int(array[bad].ravel()[0])}"
            )
    check_int64_range(array, name)
    return array.astype(np.int64)


def check_reduction(reduction) -> None:
    """Refuse a ``reduction`` that is not one of ``"mean"``, ``"sum"``, ``"none"``."""
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(
            f"reduction must be one of 'mean', 'sum' or 'none', got {reduction!r}"
        )


def check_positive_number(value, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float, refusing non-numbers and out-of-range values."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"{name} must be a number, got {_describe(value)}")
    value = float(value)
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
    return value


def as_sample_weight(sample_weight, n: int) -> np.ndarray | None:
    """Return ``sample_weight`` as a float64 vector of length ``n`` (or None)."""
    if sample_weight is None:
        return None
    weight = as_float_array(sample_weight, "sample_weight")
    if weight.ndim == 0:
        weight = np.full(n, float(weight))
    if weight.shape != (n,):
        raise ValueError(
            f"sample_weight must have shape ({n},), one weight per sample, "
            f"got shape {weight.shape}"
        )
    if (weight < 0).any():
        raise ValueError(
            f"sample_weight must be >= 0, got {float(weight[weight < 0][0])!r}"
        )
    if weight.sum() == 0:
        raise ValueError("sample_weight sums to 0; at least one sample needs a positive weight")
    return weight


def overflow_gives_inf(function):
    """Decorator: run a loss with numpy's overflow warning off.

    A loss whose true value exceeds the float64 range (about 1.8e308) is
    ``inf``: the right answer, not an accident worth a warning.  Every other
    floating-point warning (invalid, divide) stays on, so a NaN born of a
    bug still shows.
    """

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with np.errstate(over="ignore"):
            return function(*args, **kwargs)

    return wrapper


def difference_with_halves(a, b) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``a - b`` elementwise, with what is needed where it overflows.

    The difference of two finite numbers can exceed the float64 range
    (``1e308 - (-1e308)``) although a quantity made of it, scaled down, is
    finite.  Half of it never overflows (``x / 2`` is exact for normal
    numbers).  Returns ``(difference, overflowed, half)``: ``overflowed``
    marks where ``difference`` is infinite, and ``half`` holds
    ``a/2 - b/2`` at those places (None when nothing overflowed); a caller
    computes ``2 * (half * factor)`` there (see :func:`scaled_difference`).
    ``a`` and ``b`` broadcast against each other.
    """
    a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    with np.errstate(over="ignore"):
        difference = a - b
    overflowed = np.isinf(difference) & np.isfinite(a) & np.isfinite(b)
    if not overflowed.any():
        return difference, overflowed, None
    half = 0.5 * a[overflowed] - 0.5 * b[overflowed]
    return difference, overflowed, half


def scaled_difference(a, b, factor) -> np.ndarray:
    """``(a - b) * factor`` elementwise, finite whenever the true value is.

    Where ``a - b`` overflows the product is computed as
    ``2 * ((a/2 - b/2) * factor)`` (:func:`difference_with_halves`), so a
    factor below 1 brings it back into range and a factor of 0 gives 0, not
    ``inf * 0 = NaN``.  Arguments broadcast.
    """
    a, b, factor = np.broadcast_arrays(*(np.asarray(x, dtype=np.float64) for x in (a, b, factor)))
    difference, overflowed, half = difference_with_halves(a, b)
    if half is None:
        return difference * factor
    difference = np.where(overflowed, 0.0, difference)
    result = difference * factor
    with np.errstate(over="ignore"):  # inf only where the true value is out of range
        result[overflowed] = 2.0 * (half * factor[overflowed])
    return result


def normalized_weight(weight: np.ndarray) -> tuple[np.ndarray, int]:
    """``(weight / 2**e, e)`` with ``e`` the binary exponent of ``max(weight)``.

    The largest normalized weight lies in [0.5, 1).  Dividing by a power of
    two is exact (short of subnormal results), so a weighted *mean*, a ratio
    in which the factor cancels, gives the same result as with the original
    weights while neither the products ``w_i * l_i`` nor ``sum(w)`` can
    overflow (weights near 1e308) or lose their digits to underflow (weights
    near 5e-324).
    """
    _, exponent = np.frexp(np.max(weight))
    exponent = int(exponent)
    return np.ldexp(weight, -exponent), exponent


def _sum_and_factor(values: np.ndarray) -> tuple[float, float]:
    """``(s, f)`` with ``s * f == sum(values)`` and ``s`` finite when the values are.

    A sum of finite values can overflow although a mean of them is finite;
    then the values are divided by the largest magnitude first.
    """
    with np.errstate(over="ignore"):
        total = float(np.sum(values))
    if np.isinf(total) and np.isfinite(values).all():
        largest = float(np.max(np.abs(values)))
        return float(np.sum(values / largest)), largest
    return total, 1.0


def reduce(per_sample: np.ndarray, reduction: str, weight: np.ndarray | None,
           denominator_weight: np.ndarray | None = None):
    """Reduce per-sample losses of shape ``(n,)``.

    ``"none"`` returns the (weighted) per-sample array ``w * l``, ``"sum"``
    the weighted sum ``sum(w * l)`` and ``"mean"`` the weighted mean
    ``sum(w * l) / sum(w * d)`` (plain mean when ``weight`` and
    ``denominator_weight`` ``d`` are None; ``d`` defaults to 1).  Mean and sum
    are returned as Python floats.

    Numerics: the weights are first divided by a power of two near their
    maximum (:func:`normalized_weight`), which cancels in the mean and is
    multiplied back, exactly, into the sum; so weights anywhere in the
    float64 range give the result of rescaled weights.  A result is ``inf``
    only when the true value exceeds the float64 range.
    """
    if reduction == "none":
        if weight is None:
            return per_sample
        with np.errstate(over="ignore"):  # inf only where w * l truly overflows
            return per_sample * weight
    n = per_sample.shape[0]
    if weight is None and denominator_weight is None:
        total, factor = _sum_and_factor(per_sample)
        if reduction == "sum":
            with np.errstate(over="ignore"):
                return total * factor
        return total / n * factor
    if weight is None:
        scaled, exponent = np.ones(n), 0
    else:
        scaled, exponent = normalized_weight(weight)
    total, factor = _sum_and_factor(per_sample * scaled)  # |w'| < 1: no overflow here
    if reduction == "sum":
        with np.errstate(over="ignore"):  # inf only where the true sum is out of range
            if factor == 1.0:
                return float(np.ldexp(total, exponent))
            return total * float(np.ldexp(factor, exponent))
    denominator = scaled if denominator_weight is None else scaled * denominator_weight
    return total / float(np.sum(denominator)) * factor


def reduction_scale(n: int, reduction: str, weight: np.ndarray | None,
                    denominator_weight: np.ndarray | None = None) -> np.ndarray:
    """d(reduced cost)/d(per-sample loss), a vector of shape ``(n,)``.

    The chain rule for every ``_grad`` function: multiply the gradient of
    each per-sample loss by this factor.  For ``"none"`` it is the weight
    (the gradient of each per-sample loss, weighted, each on its own row);
    for ``"sum"`` the weight; for ``"mean"`` ``w / sum(w * d)`` (see
    :func:`reduce`), computed from normalized weights so that it is right
    for weights anywhere in the float64 range.
    """
    if reduction != "mean":
        return np.ones(n) if weight is None else weight.copy()
    if weight is None and denominator_weight is None:
        return np.full(n, 1.0 / n)
    scaled = np.ones(n) if weight is None else normalized_weight(weight)[0]
    denominator = scaled if denominator_weight is None else scaled * denominator_weight
    return scaled / float(np.sum(denominator))
