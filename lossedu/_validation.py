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


def as_labels(value, name: str, num_classes: int | None = None) -> np.ndarray:
    """Return integer class labels as an int64 array, checking their range."""
    array = as_float_array(value, name)
    if not np.all(array == np.round(array)):
        bad = array[array != np.round(array)].ravel()[0]
        raise ValueError(
            f"{name} must hold integer class labels, got the non-integer value {float(bad)!r}"
        )
    labels = array.astype(np.int64)
    if num_classes is not None:
        bad = (labels < 0) | (labels >= num_classes)
        if bad.any():
            raise ValueError(
                f"{name} must hold class labels in 0..{num_classes - 1} "
                f"({num_classes} classes), got {int(labels[bad].ravel()[0])}"
            )
    return labels


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


def reduce(per_sample: np.ndarray, reduction: str, weight: np.ndarray | None):
    """Reduce per-sample losses of shape ``(n,)``.

    ``"none"`` returns the (weighted) per-sample array, ``"sum"`` its sum and
    ``"mean"`` the weighted mean ``sum(w * l) / sum(w)`` (plain mean when
    ``weight`` is None).  Mean and sum are returned as Python floats.
    """
    if weight is not None:
        per_sample = per_sample * weight
    if reduction == "none":
        return per_sample
    total = float(np.sum(per_sample))
    if reduction == "sum":
        return total
    denominator = per_sample.shape[0] if weight is None else float(np.sum(weight))
    if np.isinf(total) and np.isfinite(per_sample).all():
        # Every loss is finite but their sum overflowed: the mean may still be
        # finite, so sum the losses divided by the largest one instead.
        largest = float(np.max(np.abs(per_sample)))
        return float(np.sum(per_sample / largest)) / denominator * largest
    return total / denominator


def reduction_scale(n: int, reduction: str, weight: np.ndarray | None) -> np.ndarray:
    """d(reduced cost)/d(per-sample loss), a vector of shape ``(n,)``.

    The chain rule for every ``_grad`` function: multiply the gradient of
    each per-sample loss by this factor.  For ``"none"`` it is the weight
    (the gradient of each per-sample loss, weighted, each on its own row).
    """
    scale = np.ones(n) if weight is None else weight.copy()
    if reduction == "mean":
        scale /= n if weight is None else float(np.sum(weight))
    return scale
