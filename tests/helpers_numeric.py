"""Numerical oracles shared by the library tests.

Expected values come from outside the implementation: high-precision
mpmath (50 significant digits) and central finite differences.  Nothing
here imports lossedu.
"""

from __future__ import annotations

import mpmath
import numpy as np
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

mp = mpmath.mp

SMALLEST_NORMAL = float(np.finfo(np.float64).tiny)  # 2.2250738585072014e-308

REDUCTIONS = ("mean", "sum", "none")

# Property tests: a fixed example sequence (derandomize) so runs are reproducible,
# and no example database written to disk.
PROPERTY_SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None)

LARGE = 1e3
"""Logits and residuals in property tests reach +-1e3: exp(1e3) overflows float64."""


# Logits where naive formulas break: exp overflows beyond 709, sigmoid rounds
# to 1 beyond 37 and underflows below -745; +-1e308 is the edge of float64.
EXTREME_LOGITS = [-1e308, -1e4, -745.0, -710.0, -700.0, -40.0, -1.0, -1e-10, 0.0,
                  1e-10, 1.0, 37.0, 40.0, 700.0, 710.0, 1e4, 1e308]

# Rows of logits spread over 1e4 (and more), including ties and tiny gaps.
EXTREME_ROWS = [
    [0.0, 1e4, -1e4],
    [40.0, 0.0, -20.0],
    [1000.0, 1000.0, 999.0],
    [-1000.0, -1000.0, -1e4],
    [1e-3, 0.0, 2e-3],
    [-1e300, 1e300, 0.0],
    [745.0, 0.0, -745.0],
]


def finite_floats(low: float = -LARGE, high: float = LARGE):
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def float_arrays(shape, low: float = -LARGE, high: float = LARGE):
    return hnp.arrays(np.float64, shape, elements=finite_floats(low, high))


# ----------------------------------------------------------------------------
# mpmath references (evaluated at 50 digits; inputs are exact float64 values)
# ----------------------------------------------------------------------------

def high_precision(function):
    """Evaluate ``function`` with mp.dps = 50."""
    with mp.workdps(50):
        return function()


def mp_softplus(z) -> mpmath.mpf:
    """log(1 + e^z)."""
    return mpmath.log1p(mpmath.exp(mpmath.mpf(float(z))))


def mp_sigmoid(z) -> mpmath.mpf:
    return 1 / (1 + mpmath.exp(-mpmath.mpf(float(z))))


def mp_logsumexp(row) -> mpmath.mpf:
    return mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(float(v))) for v in row))


def mp_log_softmax(row) -> list:
    total = mp_logsumexp(row)
    return [mpmath.mpf(float(v)) - total for v in row]


def mp_to_float(values) -> np.ndarray:
    """mpmath numbers (nested lists allowed) to a float64 array, correctly rounded."""
    return np.array(values, dtype=object).astype(np.float64)


def assert_matches_mpmath(actual, expected, *, rtol: float = 1e-12, atol: float = 1e-300):
    """``actual`` agrees with the mpmath values ``expected`` to ``rtol``.

    ``atol`` is far below any normal float64, so wherever the true value is a
    normal number the check is a relative one; where it is subnormal, zero or
    beyond the float64 range only agreement after rounding is required.
    NaN is never accepted.
    """
    actual = np.asarray(actual, dtype=np.float64)
    expected = mp_to_float(expected).reshape(actual.shape)
    assert not np.isnan(actual).any(), f"NaN in {actual!r}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


# ----------------------------------------------------------------------------
# Finite differences
# ----------------------------------------------------------------------------

def central_difference(function, x, *, step: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of the scalar ``function`` at ``x``.

    The step of each coordinate is ``step * max(1, |x_i|)``; the divisor is
    the step actually taken (``x + h`` rounds).
    """
    x = np.array(x, dtype=np.float64)
    gradient = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        h = step * max(1.0, abs(float(x[index])))
        forward = x.copy()
        backward = x.copy()
        forward[index] += h
        backward[index] -= h
        gradient[index] = (function(forward) - function(backward)) / (
            forward[index] - backward[index]
        )
    return gradient


def reduced_value(loss, y_true, reduction, **kwargs):
    """A scalar function of the prediction: the reduced loss, or for
    ``"none"`` the sum of the per-sample losses (each depends on its own row
    only, so its gradient stacks the per-sample gradients)."""

    def function(prediction):
        value = loss(y_true, prediction, reduction=reduction, **kwargs)
        return float(np.sum(value))

    return function
