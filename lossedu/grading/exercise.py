"""The pieces an exercise is declared with.

An :class:`Exercise` says everything the checker needs to grade one learner
function: how to call it (:attr:`Exercise.parameters` and
:attr:`Exercise.hyperparameters`), which inputs to try (:class:`Case`), what
kind of value must come back (:class:`Output`), how close it must be
(:class:`Tolerance`) and which known mistakes to recognise
(:class:`~lossedu.grading.diagnoses.Mistake`).  The declarations themselves
live in :mod:`lossedu.grading.exercises`, one module per lesson.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Mapping

import numpy as np

__all__ = ["REQUIRED", "Array", "Case", "Exercise", "Integer", "Number", "Output", "Tolerance",
           "TupleOf"]


class _Required:
    """Default of a hyperparameter that has no default: every case passes it."""

    def __repr__(self) -> str:
        return "REQUIRED"


#: Marks a hyperparameter without default (e.g. ``strength`` of ``regularized_cost``).
REQUIRED = _Required()


def _freeze(mapping: Mapping | None) -> Mapping:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Case:
    """One input on which the learner's function is called.

    ``args`` are passed positionally (in the order of
    :attr:`Exercise.parameters`), ``kwargs`` by keyword (only names listed in
    :attr:`Exercise.hyperparameters`).  ``tags`` mark what the case is about
    (``"extreme"`` for logits of +-500, ``"zero_one"`` for probabilities
    exactly 0 and 1, ...) so that a diagnosis can tell, for example, an
    overflow at large logits from a plain wrong formula.  ``label`` is a short
    description shown to the learner.
    """

    args: tuple
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    tags: frozenset = frozenset()
    label: str = ""

    def __post_init__(self):
        object.__setattr__(self, "args", tuple(self.args))
        object.__setattr__(self, "kwargs", _freeze(self.kwargs))
        object.__setattr__(self, "tags", frozenset(self.tags))
        # The checker hands out copies; the case's own arrays are never written.
        for value in self.args + tuple(self.kwargs.values()):
            if isinstance(value, np.ndarray):
                value.setflags(write=False)


@dataclass(frozen=True)
class Tolerance:
    """``|got - expected| <= atol + rtol * |expected|``, elementwise."""

    rtol: float = 1e-6
    atol: float = 1e-9

    def close(self, got: np.ndarray, expected: np.ndarray) -> bool:
        """True when the float64 arrays have the same shape and agree everywhere.

        inf and NaN only agree with themselves (a finite value is never
        "close" to inf, whatever the tolerance).
        """
        if got.shape != expected.shape:
            return False
        with np.errstate(all="ignore"):
            within = np.abs(got - expected) <= self.atol + self.rtol * np.abs(expected)
            if within.all() and np.isfinite(expected).all():
                return True
            same = (got == expected) | (np.isnan(got) & np.isnan(expected))
            return bool(np.all((within & np.isfinite(expected)) | same))


class Output:
    """What the learner's function must return; subclasses say which kind."""

    #: Words for the learner: "a number (the cost)", "an array", ...
    description = "a value"


@dataclass(frozen=True)
class Number(Output):
    """A single real number: Python float or int, numpy scalar or 0-d array.

    ``what`` names it for the learner ("the cost", "the accuracy").
    ``per_sample`` is True when the number is a reduction of per-sample values,
    so that an array of one value per sample earns the "per-sample array
    instead of the cost" diagnosis.
    """

    what: str = "the cost"
    per_sample: bool = True

    @property
    def description(self) -> str:
        return f"a single number ({self.what})"


@dataclass(frozen=True)
class Integer(Output):
    """A whole number, compared exactly (Python int, numpy integer, 0-d array)."""

    what: str = "an index"

    @property
    def description(self) -> str:
        return f"a whole number ({self.what})"


@dataclass(frozen=True)
class Array(Output):
    """An array with exactly the shape of the reference's result."""

    what: str = "an array"

    @property
    def description(self) -> str:
        return self.what


@dataclass(frozen=True)
class TupleOf(Output):
    """A tuple of outputs, e.g. ``(new_w, new_b)``."""

    parts: tuple
    names: tuple

    @property
    def description(self) -> str:
        names = ", ".join(self.names)
        return f"a tuple ({names}), as in `return {names}`"


#: The numpy floating-point errors an exercise may declare in ``stable`` (numpy's own names).
FLOATING_POINT_ERRORS = ("over", "divide", "invalid")


def _default_samples(case: Case) -> int:
    """Number of samples of a case: length of the first array argument."""
    for value in case.args:
        if isinstance(value, np.ndarray):
            return int(value.shape[0]) if value.ndim else 1
    return 1


@dataclass(frozen=True)
class Exercise:
    """Everything needed to grade one learner function.

    Attributes
    ----------
    id : str
        The learner's function name, the same as the reference's name.
    lesson : str
        The slug of the lesson that sets the exercise, from the course plan
        (:func:`lossedu.plan.lesson_of`).
    summary : str
        One sentence: what the function computes (for learners and docs).
    reference : callable
        The lossedu reference implementation.  Expected values are
        ``reference(*case.args, **case.kwargs)`` unless ``expected`` is given.
    parameters : tuple of str
        Names of the positional arguments, in order.
    hyperparameters : mapping
        Keyword arguments the learner's function must accept, with their
        defaults (e.g. ``{"delta": 1.0}``).  Only these are ever passed by
        keyword; a case that omits one relies on the default.
    output : Output
        What must come back.
    fixed : tuple of Case
        Hand-picked cases, run first (typical values and shape edge cases).
    random : callable
        ``random(rng) -> Case``: one case drawn from a numpy Generator.
    extreme : tuple of Case
        Numerically hard cases (huge logits, probabilities 0 and 1), run last
        so that a function that is right except for stability gets the
        stability diagnosis.
    tolerance : Tolerance
    mistakes : tuple of Mistake
        Known mistakes, most specific first.
    swappable : bool
        True when swapping the first two arguments changes the result, so
        that the "swapped arguments" diagnosis applies.
    forbidden : tuple of callables
        lossedu functions (besides ``reference``) the learner's function must
        not call directly because they compute the same thing.
    random_counts : (int, int)
        Number of random cases in visible and in hidden mode.
    time_limit : float or None
        Seconds per case; None uses :data:`lossedu.grading.checker.TIME_LIMIT`.
    samples : callable
        ``samples(case) -> n``, the number of samples of a case.
    expected : callable or None
        ``expected(case)`` when the reference cannot be called with the
        case's arguments as they are.
    stable : tuple of str
        For an exercise whose statement asks for a numerically stable
        computation: the numpy floating-point errors (``"over"``,
        ``"divide"``, ``"invalid"``, as in :func:`numpy.errstate`) that fail
        the check when the learner's own code raises them on an ``"extreme"``
        case, even if the result comes out right (the textbook
        ``1 / (1 + np.exp(-z))``).  Such an exercise declares the mistake
        :func:`~lossedu.grading.diagnoses.unstable`, which says what numpy
        reported, where, and the stable recipe.  Empty (the default): numpy's
        warnings never fail a correct answer.
    """

    id: str
    summary: str
    reference: Callable
    parameters: tuple
    output: Output
    fixed: tuple
    random: Callable
    extreme: tuple = ()
    hyperparameters: Mapping[str, Any] = field(default_factory=dict)
    tolerance: Tolerance = Tolerance()
    mistakes: tuple = ()
    swappable: bool = False
    forbidden: tuple = ()
    random_counts: tuple = (8, 16)
    time_limit: float | None = None
    samples: Callable = _default_samples
    expected: Callable | None = None
    stable: tuple = ()

    def __post_init__(self):
        object.__setattr__(self, "parameters", tuple(self.parameters))
        object.__setattr__(self, "hyperparameters", _freeze(self.hyperparameters))
        object.__setattr__(self, "fixed", tuple(self.fixed))
        object.__setattr__(self, "extreme", tuple(self.extreme))
        object.__setattr__(self, "mistakes", tuple(self.mistakes))
        object.__setattr__(self, "forbidden", tuple(self.forbidden))
        object.__setattr__(self, "stable", tuple(self.stable))
        names = [mistake.name for mistake in self.mistakes]
        if len(names) != len(set(names)):
            raise ValueError(f"exercise {self.id!r} declares a mistake twice: {names}")
        unknown = set(self.stable) - set(FLOATING_POINT_ERRORS)
        if unknown:
            raise ValueError(f"exercise {self.id!r}: stable={self.stable!r} names "
                             f"{sorted(unknown)}; the numpy errors are {FLOATING_POINT_ERRORS}")
        if self.stable and "unstable" not in names:
            raise ValueError(f"exercise {self.id!r} asks for a stable computation (stable="
                             f"{self.stable!r}) but declares no `unstable(recipe, example=...)` "
                             "mistake to explain the failure")
        for case in self.fixed + self.extreme:
            self.validate_case(case)

    def validate_case(self, case: Case) -> None:
        """Refuse a case that does not fit the exercise's call signature."""
        if len(case.args) != len(self.parameters):
            raise ValueError(
                f"exercise {self.id!r}: a case has {len(case.args)} positional arguments, "
                f"expected {len(self.parameters)} ({', '.join(self.parameters)})"
            )
        missing = [name for name, default in self.hyperparameters.items()
                   if default is REQUIRED and name not in case.kwargs]
        if missing:
            raise ValueError(f"exercise {self.id!r}: a case does not pass {missing}, which has "
                             "no default")
        unknown = set(case.kwargs) - set(self.hyperparameters)
        if unknown:
            raise ValueError(
                f"exercise {self.id!r}: a case passes {sorted(unknown)} by keyword, but the "
                f"exercise only declares {sorted(self.hyperparameters)}"
            )

    @property
    def lesson(self) -> str:
        """The slug of the lesson that sets this exercise, as the course plan says."""
        from lossedu import plan

        return plan.lesson_of(self.id).slug

    @property
    def signature(self) -> str:
        """How the learner's function is defined, e.g. ``huber(y_true, y_pred, *, delta=1.0)``.

        Hyperparameters are keyword-only, as in every lossedu function.
        """
        parts = list(self.parameters)
        if self.hyperparameters:
            parts.append("*")
        parts += [name if default is REQUIRED else f"{name}={default!r}"
                  for name, default in self.hyperparameters.items()]
        return f"{self.id}({', '.join(parts)})"

    def expected_value(self, case: Case):
        """The reference's answer for ``case`` (the raw return value)."""
        if self.expected is not None:
            return self.expected(case)
        return self.reference(*case.args, **case.kwargs)

    def cases(self, rng: np.random.Generator, count: int) -> list:
        """Fixed cases, then ``count`` random ones, then the extreme ones."""
        drawn = []
        for _ in range(count):
            case = self.random(rng)
            self.validate_case(case)
            drawn.append(case)
        return list(self.fixed) + drawn + list(self.extreme)
