"""Building blocks for the inputs of the checks.

Random inputs are drawn from a :class:`numpy.random.Generator` the checker
seeds (a fixed seed for visible checks, a fresh one for hidden checks), so
every case can be reproduced from its seed.  Sizes vary between cases so
that a function that only works for one size, or for square inputs, is
found out; ``n`` and the number of classes are kept different except in the
cases that are square on purpose.
"""

from __future__ import annotations

import numpy as np

from lossedu.grading.exercise import Case

__all__ = [
    "ScalarFunction", "arr", "binary_labels", "case", "class_labels", "logits",
    "one_hot_rows", "probabilities", "probability_rows", "regression_pair", "shapes_not_square",
    "signed_labels",
]


def arr(*values, dtype=np.float64) -> np.ndarray:
    """A float64 (or ``dtype``) array from literal values (nested lists allowed)."""
    if len(values) == 1 and isinstance(values[0], (list, tuple)):
        values = values[0]
    return np.array(values, dtype=dtype)


def case(*args, tags=(), label="", **kwargs) -> Case:
    """Shorthand for :class:`Case`: positional args, keyword hyperparameters."""
    return Case(tuple(args), kwargs, frozenset(tags), label)


def regression_pair(rng: np.random.Generator, shape) -> tuple[np.ndarray, np.ndarray]:
    """Targets and predictions near them (errors of both signs, some large)."""
    y_true = rng.normal(0.0, 2.0, size=shape)
    y_pred = y_true + rng.normal(0.0, 1.0, size=shape) * rng.choice([0.3, 1.0, 3.0], size=shape)
    return y_true, y_pred


def binary_labels(rng: np.random.Generator, n: int) -> np.ndarray:
    """0/1 labels as float64 with both classes present (when n >= 2)."""
    labels = rng.integers(0, 2, size=n).astype(np.float64)
    if n >= 2:
        labels[0], labels[1] = 0.0, 1.0
        rng.shuffle(labels)
    return labels


def signed_labels(rng: np.random.Generator, n: int) -> np.ndarray:
    """-1/+1 labels (float64) with both classes present."""
    return 2.0 * binary_labels(rng, n) - 1.0


def probabilities(rng: np.random.Generator, n: int) -> np.ndarray:
    """Probabilities strictly inside (0, 1), away from the clipping range."""
    return rng.uniform(0.02, 0.98, size=n)


def logits(rng: np.random.Generator, shape, scale: float = 3.0) -> np.ndarray:
    """Moderate logits: normal with standard deviation ``scale``."""
    return rng.normal(0.0, scale, size=shape)


def class_labels(rng: np.random.Generator, n: int, classes: int) -> np.ndarray:
    """Integer labels in ``0 .. classes - 1`` (int64)."""
    return rng.integers(0, classes, size=n).astype(np.int64)


def one_hot_rows(labels: np.ndarray, classes: int) -> np.ndarray:
    """One-hot float64 rows for integer labels."""
    rows = np.zeros((labels.shape[0], classes))
    rows[np.arange(labels.shape[0]), labels] = 1.0
    return rows


def probability_rows(rng: np.random.Generator, n: int, classes: int) -> np.ndarray:
    """Rows of probabilities summing to 1, no value closer than 1e-3 to 0."""
    scores = rng.normal(0.0, 1.5, size=(n, classes))
    rows = np.exp(scores - scores.max(axis=1, keepdims=True))
    rows /= rows.sum(axis=1, keepdims=True)
    rows = np.maximum(rows, 1e-3)
    return rows / rows.sum(axis=1, keepdims=True)


def shapes_not_square(rng: np.random.Generator, low: int = 3, high: int = 9) -> tuple[int, int]:
    """Two different sizes ``(n, c)``, so that ``(n, c)`` is not square."""
    n = int(rng.integers(low, high))
    c = int(rng.integers(2, 6))
    if c == n:
        n += 1
    return n, c


class ScalarFunction:
    """A function ``f(x) -> float`` given to ``numerical_gradient`` exercises.

    It is defined by a short numpy ``expression`` in ``x`` (shown to the
    learner in messages, and simple to rebuild in another process) and its
    exact ``gradient`` expression.
    """

    def __init__(self, expression: str, gradient: str):
        self.expression = expression
        self.gradient_expression = gradient
        self._function = eval(f"lambda x: {expression}", {"np": np})  # fixed strings only
        self._gradient = eval(f"lambda x: {gradient}", {"np": np})

    def __call__(self, x):
        return float(self._function(np.asarray(x, dtype=np.float64)))

    def gradient(self, x) -> np.ndarray:
        """The exact gradient at ``x``."""
        return np.asarray(self._gradient(np.asarray(x, dtype=np.float64)), dtype=np.float64)

    def __repr__(self) -> str:
        return f"lambda x: {self.expression}"
