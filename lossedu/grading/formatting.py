"""Short, readable descriptions of inputs and results for check messages.

Messages are read by learners in a notebook: an array is shown by its
shape and its first few values, never as a wall of numbers.
"""

from __future__ import annotations

import numpy as np

__all__ = ["describe", "describe_difference", "describe_pair", "number"]

MAX_VALUES = 20        # a vector this long is shown whole
SHOWN_OF_LONGER = 8    # a longer one by its first values
MAX_ROWS = 6           # a table with at most this many rows is shown whole
MAX_COLUMNS = 6


def number(value) -> str:
    """A float with up to 10 significant digits; whole numbers without ``.0``."""
    value = float(value)
    if np.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.10g}"


def _values(array: np.ndarray, digits: int = 4) -> str:
    flat = array.reshape(-1)
    if flat.size <= MAX_VALUES:
        return ", ".join(_short(v, digits) for v in flat)
    return ", ".join(_short(v, digits) for v in flat[:SHOWN_OF_LONGER]) + ", ..."


def _short(value, digits: int = 4) -> str:
    if isinstance(value, (np.bool_, bool)):
        return str(bool(value))
    if np.issubdtype(type(value), np.integer):
        return str(int(value))
    value = float(value)
    if np.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.{digits}g}"


def describe(value, digits: int = 4) -> str:
    """One line describing ``value``: numbers as they are, arrays by shape + values.

    The values of an array are shown with ``digits`` significant digits.
    """
    if isinstance(value, tuple):
        return "(" + ", ".join(describe(part, digits) for part in value) + ")"
    if callable(value) and not isinstance(value, np.ndarray):
        return repr(value)
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return number(value)
    array = np.asarray(value)
    if array.dtype == object:
        return repr(value)[:120]
    if array.ndim == 0:
        return describe(array[()])
    kind = "" if array.dtype == np.float64 else f", dtype {array.dtype}"
    if array.ndim == 1:
        return f"array of shape {array.shape}{kind}: [{_values(array, digits)}]"
    rows = []
    shown_rows = array.shape[0] if array.shape[0] <= MAX_ROWS else 3
    for row in array.reshape(array.shape[0], -1)[:shown_rows]:
        rows.append("[" + _values(row[:MAX_COLUMNS], digits)
                    + (", ..." if row.size > MAX_COLUMNS else "") + "]")
    more = ", ..." if array.shape[0] > shown_rows else ""
    return f"array of shape {array.shape}{kind}: [{', '.join(rows)}{more}]"


def describe_pair(got, expected) -> tuple:
    """``(describe(got), describe(expected))`` with enough digits to tell them apart.

    Values that differ beyond the tolerance but agree to four digits (a
    forward difference next to a central one) are shown with more digits,
    up to the 17 that tell any two floats apart.
    """
    for digits in (4, 6, 8, 10, 12, 17):
        shown = describe(got, digits), describe(expected, digits)
        if shown[0] != shown[1]:
            return shown
    return shown


def describe_difference(got: np.ndarray, expected: np.ndarray, rtol: float = 1e-6,
                        atol: float = 1e-9) -> str | None:
    """Where two same-shape arrays differ most, or None for scalars."""
    if got.shape != expected.shape or got.ndim == 0:
        return None
    outside = ~np.isclose(got, expected, rtol=rtol, atol=atol)
    if not outside.any():
        return None
    # The value farthest outside its own tolerance (not merely the largest
    # difference, which may sit on a large value that is within rtol).
    with np.errstate(all="ignore"):
        excess = np.abs(got - expected) - (atol + rtol * np.abs(expected))
    excess[np.isnan(excess)] = np.inf
    excess[~outside] = -np.inf
    index = np.unravel_index(int(np.argmax(excess)), got.shape)
    where = index[0] if len(index) == 1 else tuple(int(i) for i in index)
    wrong = int(np.sum(outside))
    return (f"{wrong} of {got.size} values differ; the farthest off is at index "
            f"{where}: expected {number(expected[index])}, got {number(got[index])}")
